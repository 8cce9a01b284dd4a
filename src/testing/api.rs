//! Lint runs for the black-box tests.
//!
//! Lint runs for the black-box tests: one manifest as text, a rule's documented example, an
//! overlay rendered as `kubeward lint` renders it. Not a stable API.

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::commands::plan::plan_with;
use crate::rule::{Settings, registry};
use crate::{config, engine, input, render};

use super::example;

/// Lint one in-memory manifest with `lint` options (e.g. `["--profile", "pss-restricted",
/// "--pss-version", "v1.25"]`) and no configuration file, and return its unsuppressed findings
/// as (rule id, 1-based line), in report order. For black-box tests such as the Pod Security
/// Admission conformance suite.
///
/// # Errors
/// The options do not parse or name an unknown rule.
pub fn lint_text(
    name: &str,
    text: &str,
    options: &[&str],
) -> Result<Vec<(&'static str, u32)>, String> {
    let argv = ["kubeward", "lint"]
        .into_iter()
        .chain(options.iter().copied())
        .chain(["--", name]);
    let cli = Cli::try_parse_from(argv).map_err(|e| e.to_string())?;
    let Command::Lint(args) = cli.command else {
        return Err("internal error: not a lint command".into());
    };
    let plan = plan_with(&args, config::Config::default()).map_err(|e| e.to_string())?;
    let enabled: Vec<&str> = plan.rules.iter().map(|r| r.meta().id).collect();
    let run = engine::lint_str(name, text, plan.rules.clone(), &plan.settings);
    Ok(run
        .findings
        .iter()
        .filter(|f| f.suppressed().is_none() && enabled.contains(&f.meta.id))
        .map(|f| (f.meta.id, f.primary.region.line))
        .collect())
}

/// Lint a manifest given as text with only the named rules, returning `(rule id, line)` of each
/// finding. Used by the black-box docs tests to execute each rule's documented examples. A text
/// whose first line is `# files of a git repository` is a repository instead: a mapping of
/// paths to contents, committed to a temporary git repository and linted as a directory (see
/// [`example`]).
pub fn check_text(text: &str, rule_ids: &[&str]) -> Vec<(String, u32)> {
    if text.starts_with(example::MARKER) {
        return example::check(text, rule_ids);
    }
    let run = engine::lint_str(
        "example.yaml",
        text,
        registry::ALL.to_vec(),
        &Settings::default(),
    );
    run.findings
        .iter()
        .filter(|f| rule_ids.contains(&f.meta.id))
        .map(|f| (f.meta.id.to_owned(), f.primary.region.line))
        .collect()
}

/// Lint `text` as the `kustomization.yaml` of an overlay in a scratch repository, rendered as
/// `kubeward lint` renders it, and return `(rule id, line)` of each finding of the named rules in
/// that file. For the black-box docs tests of the rules reported while rendering (`render-error`,
/// `unsafe-render-input`); `None` when `needs_renderer` and neither `kustomize` nor `kubectl` is
/// on PATH.
pub fn check_kustomization(
    text: &str,
    rule_ids: &[&str],
    needs_renderer: bool,
) -> Option<Vec<(String, u32)>> {
    if needs_renderer && render::kustomize_renderer().is_none() {
        return None;
    }
    let dir = render::ScratchDir::new().ok()?;
    let file = dir.path().join("kustomization.yaml");
    std::fs::write(&file, text).ok()?;
    let paths = [dir.path().display().to_string()];
    let opts = render::Options::new(
        render::Mode::Auto,
        None,
        &[],
        render::Limits::default(),
        render::Scope::of(&paths),
    )
    .ok()?;
    let found = input::discover_all(&paths, &input::DiscoverOptions::default()).ok()?;
    let prepared = render::prepare(found.inputs, found.skipped, &opts);
    let run = engine::lint(
        prepared.inputs,
        prepared.skipped,
        &engine::Options {
            rules: registry::ALL.to_vec(),
            settings: &Settings::default(),
            keep_text: false,
            progress: None,
            render: Some(&prepared.context),
            max_file_size: engine::DEFAULT_MAX_FILE_SIZE,
            namespaces: None,
        },
    );
    let shown = input::display_path(&file);
    Some(
        run.findings
            .iter()
            .filter(|f| rule_ids.contains(&f.meta.id))
            .filter(|f| {
                run.files
                    .get(f.primary.file as usize)
                    .is_some_and(|s| s.path == shown)
            })
            .map(|f| (f.meta.id.to_owned(), f.primary.region.line))
            .collect(),
    )
}
