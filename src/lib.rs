//! kubeward: a fast security linter for Kubernetes manifests.
//!
//! The binary is a thin shell around [`run`]; the rule registry and the docs renderer are
//! public for the black-box tests.
#![allow(clippy::module_name_repetitions)]

pub(crate) mod cli;
pub mod docs;
pub(crate) mod engine;
pub(crate) mod error;
pub(crate) mod finding;
pub(crate) mod input;
pub(crate) mod model;
pub(crate) mod pss;
pub(crate) mod report;
pub mod rule;
pub(crate) mod rules;
#[cfg(test)]
pub(crate) mod testing;
pub(crate) mod yaml;

use std::io::{IsTerminal, Write};

use clap::Parser;
use globset::{Glob, GlobSetBuilder};

use cli::{Cli, ColorChoice, Command, FailOn, Format, LintArgs, Profile, RulesFormat};
use error::Error;
use rule::{Meta, PssLevel, Rule, Settings, Severity, registry};

/// Exit code: no finding at or above `--fail-on`.
pub const EXIT_OK: u8 = 0;
/// Exit code: findings.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: usage, configuration or internal error.
pub const EXIT_ERROR: u8 = 2;

/// Run the command line and return the exit code.
pub fn run<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
        }
    };
    let result = match cli.command {
        Command::Lint(args) => lint(&args),
        Command::Rules(args) => {
            print_rules(args.format);
            Ok(EXIT_OK)
        }
        Command::Explain(args) => match registry::by_id(&args.rule) {
            Some(r) => {
                println!("{}", docs::rule_markdown(r.meta()));
                Ok(EXIT_OK)
            }
            None => Err(Error::UnknownRule(args.rule)),
        },
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            EXIT_ERROR
        }
    }
}

fn print_rules(format: RulesFormat) {
    let mut out = String::new();
    match format {
        RulesFormat::Json => {
            let rules: Vec<serde_json::Value> = registry::ALL
                .iter()
                .map(|r| {
                    let m = r.meta();
                    serde_json::json!({
                        "id": m.id,
                        "severity": m.severity.as_str(),
                        "category": m.category.as_str(),
                        "summary": m.summary,
                        "pss": m.pss.map(|p| p.as_str()),
                        "since": m.since,
                        "url": m.url,
                    })
                })
                .collect();
            out = serde_json::to_string_pretty(&rules).unwrap_or_default();
            out.push('\n');
        }
        RulesFormat::Markdown => out = docs::rules_table(registry::ALL),
        RulesFormat::Table => {
            let w = registry::ALL
                .iter()
                .map(|r| r.meta().id.len())
                .max()
                .unwrap_or(10);
            for r in registry::ALL {
                let m = r.meta();
                out.push_str(&format!(
                    "{:w$}  {:8}  {:12}  {}\n",
                    m.id,
                    m.severity.as_str(),
                    m.category.as_str(),
                    m.summary
                ));
            }
        }
    }
    let _ = std::io::stdout().write_all(out.as_bytes());
}

fn rule_ids(list: &[String]) -> Result<Vec<&'static str>, Error> {
    list.iter()
        .map(|id| {
            registry::by_id(id.trim())
                .map(|r| r.meta().id)
                .ok_or_else(|| Error::UnknownRule(id.clone()))
        })
        .collect()
}

/// The rules enabled by `--profile`, `--select` and `--ignore`.
fn enabled_rules(args: &LintArgs) -> Result<Vec<&'static dyn Rule>, Error> {
    let select = rule_ids(&args.select)?;
    let ignore = rule_ids(&args.ignore)?;
    let level = args.profile.map(Profile::level);
    Ok(registry::ALL
        .iter()
        .copied()
        .filter(|r| level.is_none_or(|l| in_profile(r.meta(), l)))
        .filter(|r| select.is_empty() || select.contains(&r.meta().id))
        .filter(|r| !ignore.contains(&r.meta().id))
        .collect())
}

/// Under a profile: exactly the Pod Security controls of its level (Restricted includes
/// Baseline), plus `parse-error` (a file that cannot be parsed cannot be judged).
fn in_profile(meta: &Meta, level: PssLevel) -> bool {
    match meta.pss {
        Some(p) => p <= level,
        None => meta.id == "parse-error",
    }
}

/// Rule settings from the command line.
fn settings(args: &LintArgs) -> Settings {
    Settings {
        pss_minor: args.pss_version,
        profile: args.profile.map(Profile::level),
        ..Settings::default()
    }
}

/// Lint one in-memory manifest with `lint` options (e.g. `["--profile", "pss-restricted",
/// "--pss-version", "v1.25"]`) and return its unsuppressed findings as (rule id, 1-based line),
/// in report order. For black-box tests such as the Pod Security Admission conformance suite.
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
    let rules = enabled_rules(&args).map_err(|e| e.to_string())?;
    let enabled: Vec<&str> = rules.iter().map(|r| r.meta().id).collect();
    let run = engine::lint_str(name, text, rules, &settings(&args));
    Ok(run
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none() && enabled.contains(&f.meta.id))
        .map(|f| (f.meta.id, f.primary.region.line))
        .collect())
}

fn threshold(f: FailOn) -> Option<Severity> {
    match f {
        FailOn::Critical => Some(Severity::Critical),
        FailOn::High => Some(Severity::High),
        FailOn::Medium => Some(Severity::Medium),
        FailOn::Low => Some(Severity::Low),
        FailOn::Never => None,
    }
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

fn lint(args: &LintArgs) -> Result<u8, Error> {
    let rules = enabled_rules(args)?;
    let mut globs = GlobSetBuilder::new();
    for g in &args.exclude {
        globs.add(Glob::new(g).map_err(|e| Error::Glob(g.clone(), e.to_string()))?);
    }
    let exclude = globs
        .build()
        .map_err(|e| Error::Glob(args.exclude.join(","), e.to_string()))?;
    if let Some(j) = args.jobs {
        // Fails only if a pool exists already (tests calling run twice); that pool is fine.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(j.max(1))
            .build_global();
    }
    let opts = input::DiscoverOptions {
        no_ignore: args.no_ignore,
        hidden: args.hidden,
        exclude,
        threads: args.jobs.unwrap_or(0),
    };
    let (inputs, skipped) = input::discover(&args.paths, &opts)?;
    let settings = settings(args);
    let human = args.format == Format::Human;
    let mut run = engine::lint(
        inputs,
        skipped,
        &engine::Options {
            rules: rules.clone(),
            settings: &settings,
            keep_text: human,
        },
    );
    let enabled: Vec<&str> = rules.iter().map(|r| r.meta().id).collect();
    run.findings.retain(|f| enabled.contains(&f.meta.id));

    let color = use_color(args.color);
    let report = match args.format {
        Format::Human => None,
        Format::Sarif => Some(report::sarif::render(&run, &rules, None)),
        Format::Json => Some(report::json::render(&run)),
    };
    let mut stderr = String::new();
    if human {
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(100);
        stderr.push_str(&report::human::render(
            &run,
            report::human::Style {
                color,
                unicode: true,
                width,
            },
        ));
    }
    if !args.quiet {
        stderr.push_str(&report::summary(&run, args.verbose, true));
    }
    let _ = std::io::stderr().write_all(stderr.as_bytes());
    if let Some(text) = report {
        match &args.output {
            Some(path) => std::fs::write(path, text)
                .map_err(|e| Error::Write(path.display().to_string(), e))?,
            None => {
                let _ = std::io::stdout().write_all(text.as_bytes());
            }
        }
    }
    let failing = if args.profile.is_some() {
        // Under a profile the exit code answers one question: does some object violate the level?
        run.findings
            .iter()
            .any(|f| f.suppressed.is_none() && f.meta.pss.is_some())
    } else {
        threshold(args.fail_on).is_some_and(|t| {
            run.findings
                .iter()
                .any(|f| f.suppressed.is_none() && f.severity >= t)
        })
    };
    Ok(if failing { EXIT_FINDINGS } else { EXIT_OK })
}

/// Lint a manifest given as text with only the named rules, returning `(rule id, line)` of each
/// finding. Used by the black-box docs tests to execute each rule's documented examples.
pub fn check_text(text: &str, rule_ids: &[&str]) -> Vec<(String, u32)> {
    let rules: Vec<&'static dyn Rule> = rule_ids
        .iter()
        .filter_map(|id| registry::by_id(id))
        .collect();
    let run = engine::lint_str("example.yaml", text, rules, &Settings::default());
    run.findings
        .iter()
        .map(|f| (f.meta.id.to_owned(), f.primary.region.line))
        .collect()
}
