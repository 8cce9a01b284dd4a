//! One lint run over the plan, shared by every command that lints.
//!
//! One lint run over the plan: discover, render, lint every file, then the findings the
//! configuration and ignore files add or change. What every command that lints shares.

use std::io::IsTerminal;

use clap::Parser;

use crate::cli::{Cli, Command, LintArgs};
use crate::error::Error;
use crate::report::Format;
use crate::{config, engine, input, render, report, timings};

use super::plan::{Plan, lint_paths, plan, render_options};

pub(super) fn execute(args: &LintArgs, sarif: bool) -> Result<(engine::Run, Plan), Error> {
    timings::start();
    let mut plan = plan(args)?;
    if sarif {
        // It depends only on the rules: a thread builds it while the files are read and linted
        // (about 2 ms of the tool section's help texts, a twentieth of a small run).
        let rules = plan.rules.clone();
        let severities = plan.config.severity.clone();
        let category = args.sarif_category.clone();
        plan.sarif_frame = Some(std::thread::spawn(move || {
            report::sarif::frame(&rules, &severities, category.as_deref())
        }));
    }
    if let Some(j) = args.jobs {
        // Fails only if a pool exists already (tests calling run twice); that pool is fine.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(j.max(1))
            .build_global();
    }
    let mut render_opts = render_options(args, &plan.config)?;
    // Files given one by one are linted as the repository run lints them: through the overlays
    // of their repository that build from them.
    render_opts.explicit = render::Explicit::of(
        &args.paths,
        input::kustomizations_around(&args.paths, &plan.discover),
    );
    let found = input::discover_all(&lint_paths(args, &plan.config), &plan.discover)?;
    let mut discovery_notices = found.notices;
    let mut prepared = render::prepare(found.inputs, found.skipped, &render_opts);
    if !args.no_context && engine::reads_world(&plan.rules) {
        // Raw files of the repository, for the cross-object index only (never rendered).
        discovery_notices.extend(input::add_context(
            &args.paths,
            &mut prepared.inputs,
            &prepared.skipped,
            &prepared.not_context,
            &plan.discover,
        ));
    }
    let restricted = std::mem::take(&mut prepared.restricted);
    discovery_notices.extend(input::ignored::notice(&found.hidden));
    // Where objects that name no namespace are applied: the repository's kustomizations.
    let layout = engine::reads_world(&plan.rules).then(|| {
        input::layout(
            &args.paths,
            (&prepared.inputs, &prepared.skipped, &prepared.not_context),
            &render_opts.explicit.kustomizations,
            &plan.discover,
        )
    });
    timings::mark("discover and render");
    let bar = show_progress(args).then(|| {
        let bar = indicatif::ProgressBar::new(prepared.inputs.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} linting {pos}/{len} files {wide_bar} {elapsed}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let tick = || {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let human = args.format.draws_snippets();
    let mut run = engine::lint(
        prepared.inputs,
        prepared.skipped,
        &engine::Options {
            rules: plan.rules.clone(),
            settings: &plan.settings,
            keep_text: human,
            progress: Some(&tick),
            render: Some(&prepared.context),
            max_file_size: plan.max_file_size,
            namespaces: layout.as_ref(),
        },
    );
    run.notices = prepared.notices;
    run.notices.extend(discovery_notices);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    // Tracked manifests that an ignore file leaves out: findings on the ignore file's line.
    if plan
        .rules
        .iter()
        .any(|r| r.meta().id == crate::rules::suppression::IgnoredManifest::META.id)
    {
        input::ignored::report(&mut run, &found.hidden, human);
    }
    if !restricted.is_empty() {
        restrict(&mut run, &restricted, &render_opts.explicit);
    }
    apply_config(&mut run, &plan.config);
    Ok((run, plan))
}

/// Severity changes and per-path ignores from the configuration. `overrides[].paths` name paths
/// relative to the configuration file's directory.
fn apply_config(run: &mut engine::Run, cfg: &config::Config) {
    let scope = cfg.scoped(globset::GlobSet::empty());
    // Each file's path relative to the configuration's directory, once per file.
    let relative: Vec<Option<String>> = if cfg.overrides.is_empty() {
        Vec::new()
    } else {
        run.files
            .iter()
            .map(|f| scope.relative(std::path::Path::new(&f.path)))
            .collect()
    };
    run.findings.retain_mut(|f| {
        if let Some((_, s)) = cfg.severity.iter().find(|(id, _)| *id == f.meta.id) {
            f.severity = *s;
        }
        let Some(Some(path)) = relative.get(f.primary.file as usize) else {
            return true;
        };
        for ov in cfg.overrides.iter().filter(|o| o.globs.is_match(path)) {
            if ov.ignore.contains(&f.meta.id) {
                return false;
            }
            if let Some((_, s)) = ov.severity.iter().find(|(id, _)| *id == f.meta.id) {
                f.severity = *s;
            }
        }
        true
    });
}

/// Of what the overlays rendered only for files given one by one found (traced from their
/// rendered output, or by the cross-object rules on the files only they build from), keep what
/// lands on the paths given: the repository run's result restricted to them.
fn restrict(run: &mut engine::Run, overlays: &render::Restricted, explicit: &render::Explicit) {
    let mut rendered = Vec::with_capacity(run.files.len());
    let mut only_theirs = Vec::with_capacity(run.files.len());
    let mut covered = Vec::with_capacity(run.files.len());
    for f in &run.files {
        let path = input::lexical_absolute(std::path::Path::new(&f.path));
        rendered.push(overlays.renders.contains(&f.path));
        only_theirs.push(overlays.files.contains(&path));
        covered.push(explicit.covers(&path));
    }
    let at = |v: &[bool], file: u32| v.get(file as usize).copied().unwrap_or(false);
    run.findings.retain(|f| {
        let from = f.trace().map_or(f.primary.file, |t| t.rendered.file);
        let theirs = at(&rendered, from) || at(&only_theirs, f.primary.file);
        !theirs || at(&covered, f.primary.file)
    });
}

fn show_progress(args: &LintArgs) -> bool {
    args.format == Format::Human
        && !args.no_progress
        && !args.quiet
        && std::io::stderr().is_terminal()
        && std::env::var_os("CI").is_none()
        && std::env::var_os("PRE_COMMIT").is_none()
        && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

/// Lint the directory `dir` as `kubeward lint --render never DIR` would (every rule, no
/// configuration file but one found from `dir` upwards), for rules whose examples are a
/// repository (see [`crate::testing::example`]).
pub(crate) fn lint_dir(dir: &std::path::Path) -> Result<engine::Run, String> {
    let dir = dir.to_string_lossy();
    let argv = [
        "kubeward",
        "lint",
        "--render",
        "never",
        "--no-progress",
        "--",
        dir.as_ref(),
    ];
    let cli = Cli::try_parse_from(argv).map_err(|e| e.to_string())?;
    let Command::Lint(args) = cli.command else {
        return Err("internal error: not a lint command".into());
    };
    execute(&args, false)
        .map(|(run, _)| run)
        .map_err(|e| e.to_string())
}
