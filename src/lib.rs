//! kubeward: a fast security linter for Kubernetes manifests.
//!
//! The binary is a thin shell around [`run`]; the rule registry and the docs renderer are
//! public for the black-box tests.
#![allow(clippy::module_name_repetitions)]
// Unsafe code only where a module says why it needs it (`finding::text`).
#![deny(unsafe_code)]

pub(crate) mod accounting;
pub(crate) mod baseline;
pub(crate) mod cli;
pub(crate) mod config;
pub mod docs;
pub(crate) mod engine;
pub(crate) mod error;
pub(crate) mod example;
pub(crate) mod finding;
#[doc(hidden)]
pub mod fuzzing;
pub(crate) mod git;
pub(crate) mod input;
pub(crate) mod model;
pub(crate) mod outfile;
pub(crate) mod policy;
pub(crate) mod pss;
pub(crate) mod render;
pub(crate) mod report;
pub mod rule;
pub(crate) mod rules;
pub(crate) mod suppress;
#[cfg(test)]
pub(crate) mod testing;
pub(crate) mod timings;
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

/// Set by [`run_and_exit`]: the process ends after the run, so its results need not be freed.
static EXITS_AFTER_RUN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// [`run`] for the binary, whose process exits right after: the run's findings and index
/// (hundreds of thousands of allocations on large inputs) are left to the operating system
/// instead of being freed one by one.
///
/// A panic (a bug) ends the run with exit code 2 and one line on standard error that says where
/// in kubeward it happened. Its message is not printed: it may quote the input (a string slice
/// out of bounds shows the string), which may hold a secret.
pub fn run_and_exit<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    EXITS_AFTER_RUN.store(true, std::sync::atomic::Ordering::Relaxed);
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", source_file(l.file()), l.line()))
            .unwrap_or_default();
        outfile::stderr(&format!(
            "kubeward: internal error{at}: this is a bug, please report it (its message is \
             not shown, as it may quote the input)\n"
        ));
    }));
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(args))).unwrap_or(EXIT_ERROR)
}

/// A source file as a panic names it, without the directory of the build's crate registry
/// (`miette-7.6.0/src/…`, `src/engine.rs`).
fn source_file(file: &str) -> &str {
    match file.rsplit_once("/registry/src/") {
        Some((_, rest)) => rest.split_once('/').map_or(rest, |(_, r)| r),
        None => file,
    }
}

/// What could not be written to standard output, unless the reader closed it.
fn to_stdout(text: &str) -> Result<(), Error> {
    outfile::stdout(text).map_err(|e| Error::Write("standard output".into(), e))
}

/// Run the command line and return the exit code.
pub fn run<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let raw: Vec<String> = args
        .into_iter()
        .map(|a| a.into().to_string_lossy().into_owned())
        .collect();
    let cli = match Cli::try_parse_from(&raw) {
        Ok(c) => c,
        Err(e) => {
            if e.use_stderr() {
                let _ = e.print();
                return EXIT_ERROR;
            }
            if std::io::stdout().is_terminal() {
                let _ = e.print();
                return EXIT_OK;
            }
            // --help, --version: on standard output, whose reader may have gone (`| head`).
            return match to_stdout(&e.render().to_string()) {
                Ok(()) => EXIT_OK,
                Err(e) => {
                    outfile::stderr(&format!("{:?}\n", miette::Report::new(e)));
                    EXIT_ERROR
                }
            };
        }
    };
    let result = match cli.command {
        Command::Lint(args) => lint(&args, &raw),
        Command::Init(args) => init(&args),
        Command::Baseline(args) => write_baseline(&args),
        Command::Rules(args) => all_rules(args.config.as_deref())
            .and_then(|rules| print_rules(args.format, &rules))
            .map(|()| EXIT_OK),
        Command::Explain(args) => all_rules(args.config.as_deref()).and_then(|rules| {
            let found = registry::by_id(&args.rule)
                .or_else(|| rules.iter().copied().find(|r| r.meta().id == args.rule));
            match found {
                Some(r) => {
                    to_stdout(&format!("{}\n", docs::rule_markdown(r.meta()))).map(|()| EXIT_OK)
                }
                None => Err(Error::UnknownRule(args.rule)),
            }
        }),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            outfile::stderr(&format!("{:?}\n", miette::Report::new(e)));
            EXIT_ERROR
        }
    }
}

/// The built-in rules and the custom rules of the configuration (`--config`, else the one
/// found from the current directory).
fn all_rules(config: Option<&std::path::Path>) -> Result<Vec<&'static dyn Rule>, Error> {
    let path = config
        .map(std::path::Path::to_path_buf)
        .or_else(|| config::discover(std::path::Path::new(".")));
    let custom = match &path {
        Some(p) => config::load(p).map_err(Box::new)?.custom,
        None => std::sync::Arc::from(Vec::new()),
    };
    Ok(registry::ALL
        .iter()
        .copied()
        .chain(custom.iter().map(|c| c.rule))
        .collect())
}

fn print_rules(format: RulesFormat, all: &[&'static dyn Rule]) -> Result<(), Error> {
    let mut out = String::new();
    match format {
        RulesFormat::Json => {
            let rules: Vec<serde_json::Value> = all
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
        RulesFormat::Markdown => out = docs::rules_table(all),
        RulesFormat::Table => {
            let w = all.iter().map(|r| r.meta().id.len()).max().unwrap_or(10);
            for r in all {
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
    to_stdout(&out)
}

fn rule_ids(
    list: &[String],
    custom: &[policy::custom::CustomRule],
) -> Result<Vec<&'static str>, Error> {
    list.iter()
        .map(|id| {
            let id_ = id.trim();
            registry::by_id(id_)
                .map(|r| r.meta().id)
                .or_else(|| custom.iter().map(|c| c.meta.id).find(|c| *c == id_))
                .ok_or_else(|| Error::UnknownRule(id.clone()))
        })
        .collect()
}

/// Under a profile: exactly the Pod Security controls of its level (Restricted includes
/// Baseline), plus `parse-error` (a file that cannot be parsed cannot be judged).
fn in_profile(meta: &Meta, level: PssLevel) -> bool {
    match meta.pss {
        Some(p) => p <= level,
        None => meta.id == "parse-error",
    }
}

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

fn threshold(f: FailOn) -> Option<Severity> {
    match f {
        FailOn::Critical => Some(Severity::Critical),
        FailOn::High => Some(Severity::High),
        FailOn::Medium => Some(Severity::Medium),
        FailOn::Low => Some(Severity::Low),
        FailOn::Never => None,
    }
}

fn fail_on_of(s: &str) -> FailOn {
    match s {
        "critical" => FailOn::Critical,
        "high" => FailOn::High,
        "medium" => FailOn::Medium,
        "never" => FailOn::Never,
        _ => FailOn::Low,
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

/// How to render, from the flags and the configuration (flags win); an unusable `--helm` or
/// `--helm-values` is a usage error.
fn render_options(args: &LintArgs, config: &config::Config) -> Result<render::Options, Error> {
    let limits = render::Limits {
        timeout: args
            .render_timeout
            .or(config.render_timeout)
            .map_or(render::DEFAULT_TIMEOUT, std::time::Duration::from_secs),
        max_output: args
            .render_max_output
            .or(config.render_max_output)
            .unwrap_or(render::DEFAULT_MAX_OUTPUT),
    };
    let mode = match args.render {
        cli::RenderChoice::Auto => render::Mode::Auto,
        cli::RenderChoice::Never => render::Mode::Never,
    };
    Ok(render::Options::new(
        mode,
        args.helm.as_deref(),
        &args.helm_values,
        limits,
        render::Scope::of(&args.paths),
    )?)
}

/// Everything a lint run needs, from flags and configuration (flags win).
struct Plan {
    config: config::Config,
    rules: Vec<&'static dyn Rule>,
    settings: Settings,
    discover: input::DiscoverOptions,
    fail_on: FailOn,
    /// `--max-file-size`, else the configuration's, else the default.
    max_file_size: u64,
    /// The SARIF log's frame (its tool section), built on its own thread while the files are
    /// linted, when the run writes SARIF.
    sarif_frame: Option<std::thread::JoinHandle<std::io::Result<report::sarif::Frame>>>,
}

fn plan(args: &LintArgs) -> Result<Plan, Error> {
    let config_path = match &args.config {
        Some(p) => Some(p.clone()),
        None => {
            let start = args
                .paths
                .iter()
                .find(|p| *p != "-")
                .map_or_else(|| ".".into(), std::path::PathBuf::from);
            config::discover(&start)
        }
    };
    let config = match &config_path {
        Some(p) => config::load(p).map_err(Box::new)?,
        None => config::Config::default(),
    };
    plan_with(args, config)
}

/// The plan from the flags and a loaded configuration (flags win).
fn plan_with(args: &LintArgs, config: config::Config) -> Result<Plan, Error> {
    let profile = args
        .profile
        .map(Profile::level)
        .or(match config.profile.as_deref() {
            Some("pss-baseline") => Some(PssLevel::Baseline),
            Some("pss-restricted") => Some(PssLevel::Restricted),
            _ => None,
        });
    let select = if args.select.is_empty() {
        config.select.clone()
    } else {
        rule_ids(&args.select, &config.custom)?
    };
    let mut ignore = rule_ids(&args.ignore, &config.custom)?;
    ignore.extend(config.ignore.iter().copied());
    let rules: Vec<&'static dyn Rule> = registry::ALL
        .iter()
        .copied()
        .chain(config.custom.iter().map(|c| c.rule))
        .filter(|r| profile.is_none_or(|l| in_profile(r.meta(), l)))
        .filter(|r| select.is_empty() || select.contains(&r.meta().id))
        .filter(|r| !ignore.contains(&r.meta().id))
        .collect();
    let mut globs = GlobSetBuilder::new();
    for g in args.exclude.iter().chain(&config.exclude) {
        globs.add(Glob::new(g).map_err(|e| Error::Glob(g.clone(), e.to_string()))?);
    }
    let exclude = globs
        .build()
        .map_err(|e| Error::Glob(args.exclude.join(","), e.to_string()))?;
    let mut settings = Settings::default();
    if !config.trusted_registries.is_empty() {
        settings
            .trusted_registries
            .clone_from(&config.trusted_registries);
    }
    // `--trusted-registry` (repeatable) replaces the configured list.
    if !args.trusted_registries.is_empty() {
        settings
            .trusted_registries
            .clone_from(&args.trusted_registries);
    }
    if !config.env_words.is_empty() {
        settings.env_words.clone_from(&config.env_words);
    }
    if let Some(v) = args.pss_version.or_else(|| {
        config
            .pss_version
            .as_deref()
            .and_then(rule::parse_pss_version)
    }) {
        settings.pss_minor = v;
    }
    settings.profile = profile;
    settings.policies.custom = config.custom.clone();
    let fail_on = args
        .fail_on
        .or_else(|| config.fail_on.as_deref().map(fail_on_of))
        .unwrap_or(FailOn::Low);
    let max_file_size = args
        .max_file_size
        .or(config.max_file_size)
        .unwrap_or(engine::DEFAULT_MAX_FILE_SIZE);
    let discover = input::DiscoverOptions {
        no_ignore: args.no_ignore,
        hidden: args.hidden,
        exclude,
        threads: args.jobs.unwrap_or(0),
        account: true,
        max_files: 0,
        max_depth: None,
        max_file_size: Some(max_file_size),
    };
    Ok(Plan {
        config,
        rules,
        settings,
        discover,
        fail_on,
        max_file_size,
        sarif_frame: None,
    })
}

/// Severity changes and per-path ignores from the configuration.
fn apply_config(run: &mut engine::Run, cfg: &config::Config) {
    let files = &run.files;
    run.findings.retain_mut(|f| {
        let path = files[f.primary.file as usize].path.as_str();
        if let Some((_, s)) = cfg.severity.iter().find(|(id, _)| *id == f.meta.id) {
            f.severity = *s;
        }
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

fn show_progress(args: &LintArgs) -> bool {
    args.format == Format::Human
        && !args.no_progress
        && !args.quiet
        && std::io::stderr().is_terminal()
        && std::env::var_os("CI").is_none()
        && std::env::var_os("PRE_COMMIT").is_none()
}

/// The original `lint` arguments without those that only shape this run's output, for linting
/// the merge base with the same settings.
fn args_for_base(raw: &[String]) -> Vec<String> {
    const DROP_WITH_VALUE: &[&str] = &[
        "--format",
        "--output",
        "-o",
        "--sarif-file",
        "--new-from-rev",
        "--baseline",
        "--fail-on",
        "--color",
    ];
    const DROP: &[&str] = &["--quiet", "-q", "--verbose", "-v", "--no-progress"];
    let mut out = Vec::new();
    let mut it = raw.iter().skip_while(|a| *a != "lint").skip(1);
    while let Some(a) = it.next() {
        if DROP_WITH_VALUE.contains(&a.as_str()) {
            it.next();
        } else if DROP.contains(&a.as_str())
            || DROP_WITH_VALUE
                .iter()
                .any(|d| a.starts_with(&format!("{d}=")))
        {
        } else {
            out.push(a.clone());
        }
    }
    out
}

fn execute(args: &LintArgs, sarif: bool) -> Result<(engine::Run, Plan), Error> {
    timings::start();
    let mut plan = plan(args)?;
    if sarif {
        // It depends only on the rules: a thread builds it while the files are read and linted
        // (about 2 ms of the tool section's help texts, a twentieth of a small run).
        let rules = plan.rules.clone();
        plan.sarif_frame = Some(std::thread::spawn(move || {
            report::sarif::frame(&rules, None)
        }));
    }
    if let Some(j) = args.jobs {
        // Fails only if a pool exists already (tests calling run twice); that pool is fine.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(j.max(1))
            .build_global();
    }
    let render_opts = render_options(args, &plan.config)?;
    let found = input::discover_all(&lint_paths(args, &plan.config), &plan.discover)?;
    let mut discovery_notices = found.notices;
    let mut prepared = render::prepare(found.inputs, found.skipped, &render_opts);
    if !args.no_context && engine::reads_world(&plan.rules) {
        // Raw files of the repository, for the cross-object index only (never rendered).
        discovery_notices.extend(input::add_context(
            &args.paths,
            &mut prepared.inputs,
            &prepared.skipped,
            &plan.discover,
        ));
    }
    discovery_notices.extend(input::ignored::notice(&found.hidden));
    input::kustomize_namespaces(&mut prepared.inputs);
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
    let human = matches!(args.format, Format::Human | Format::Github);
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
    apply_config(&mut run, &plan.config);
    Ok((run, plan))
}

/// The paths to lint: the arguments, and the admission policies of `--policy` and the
/// configuration's `policies:` (relative to the configuration file).
fn lint_paths(args: &LintArgs, config: &config::Config) -> Vec<String> {
    let base = config
        .path
        .as_deref()
        .and_then(std::path::Path::parent)
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let mut paths = args.paths.clone();
    paths.extend(args.policies.iter().cloned());
    paths.extend(
        config
            .policies
            .iter()
            .map(|p| base.join(p).display().to_string()),
    );
    paths
}

/// Lint the directory `dir` as `kubeward lint --render never DIR` would (every rule, no
/// configuration file but one found from `dir` upwards), for rules whose examples are a
/// repository (see [`example`]).
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

fn write_to(path: &std::path::Path, text: &str) -> Result<(), Error> {
    outfile::write(path, text).map_err(|e| Error::Write(path.display().to_string(), e))
}

fn lint(args: &LintArgs, raw: &[String]) -> Result<u8, Error> {
    let (mut run, mut plan) = execute(
        args,
        args.format == Format::Sarif || args.sarif_file.is_some(),
    )?;
    let mut notes = Vec::new();
    if let Some(path) = &args.baseline {
        let known = baseline::read(path)?
            .findings
            .into_iter()
            .map(|e| e.fingerprint)
            .collect();
        let (dropped, stale) = baseline::filter_known(&mut run, &known);
        notes.push(format!(
            "baseline: {dropped} known findings not reported, {stale} stale entries"
        ));
    }
    if let Some(rev) = &args.new_from_rev {
        match baseline::old_findings(rev, &args_for_base(raw))? {
            baseline::Old::Fingerprints(fps, base) => {
                let (dropped, _) = baseline::filter_known(&mut run, &fps);
                notes.push(format!(
                    "new from {rev} (merge base {}): {dropped} pre-existing findings not reported",
                    &base[..base.len().min(12)]
                ));
            }
            baseline::Old::ChangedLines(changed, why) => {
                let dropped = baseline::keep_changed(&mut run, &changed);
                notes.push(format!(
                    "new from {rev}: {why} ({dropped} findings elsewhere not reported)"
                ));
            }
        }
    }

    let color = use_color(args.color);
    let rules = &plan.rules;
    let frame = plan.sarif_frame.take().map(|h| {
        h.join()
            .unwrap_or_else(|_| Err(std::io::Error::other("internal error: SARIF frame")))
    });
    let sarif = |w: &mut dyn std::io::Write| match &frame {
        Some(Ok(f)) => report::sarif::write_framed(&run, rules, f, w),
        Some(Err(e)) => Err(std::io::Error::new(e.kind(), e.to_string())),
        None => report::sarif::write(&run, rules, None, w),
    };
    let write_report = |w: &mut dyn std::io::Write| -> std::io::Result<()> {
        match args.format {
            Format::Human => Ok(()),
            Format::Sarif => sarif(w),
            Format::Json => report::json::write(&run, w),
            Format::Github => w.write_all(report::github::render(&run).as_bytes()),
            Format::Gitlab => w.write_all(report::gitlab::render(&run).as_bytes()),
            Format::Junit => w.write_all(report::junit::render(&run).as_bytes()),
        }
    };
    if let Some(path) = &args.sarif_file {
        outfile::write_with(path, |w| sarif(w))
            .map_err(|e| Error::Write(path.display().to_string(), e))?;
    }
    if args.format == Format::Github
        && let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty())
    {
        use std::io::Write as _;
        let summary = report::github::step_summary(&run);
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(summary.as_bytes()));
        appended
            .map_err(|e| Error::Write(std::path::PathBuf::from(&path).display().to_string(), e))?;
    }
    let mut stderr = String::new();
    if args.format == Format::Human {
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(100);
        // Diagnostics go out as they are drawn (a large run is never held as one string).
        let mut err = std::io::BufWriter::new(std::io::stderr().lock());
        report::human::render_each(
            &run,
            report::human::Style {
                color,
                unicode: true,
                width,
            },
            &mut |d| {
                let _ = err.write_all(d.as_bytes());
            },
        );
        let _ = err.flush();
    }
    if !args.quiet {
        stderr.push_str(&report::summary(&run, args.verbose, true));
        for n in &notes {
            stderr.push_str(n);
            stderr.push('\n');
        }
    }
    let _ = std::io::stderr().write_all(stderr.as_bytes());
    if args.format != Format::Human {
        match &args.output {
            Some(path) => outfile::write_with(path, |w| write_report(w))
                .map_err(|e| Error::Write(path.display().to_string(), e))?,
            // A closed pipe (`| head`) is not an error worth reporting; a full disk is.
            None => outfile::stdout_with(|w| write_report(w))
                .map_err(|e| Error::Write("standard output".into(), e))?,
        }
    }
    timings::mark("output");
    timings::report();
    let failing = if plan.settings.profile.is_some() {
        // Under a profile the exit code answers one question: does some object violate the level?
        run.findings
            .iter()
            .any(|f| f.suppressed().is_none() && f.meta.pss.is_some())
    } else {
        threshold(plan.fail_on).is_some_and(|t| {
            run.findings
                .iter()
                .any(|f| f.suppressed().is_none() && f.severity >= t)
        })
    };
    if EXITS_AFTER_RUN.load(std::sync::atomic::Ordering::Relaxed) {
        std::mem::forget(run);
    }
    Ok(if failing { EXIT_FINDINGS } else { EXIT_OK })
}

fn init(args: &cli::InitArgs) -> Result<u8, Error> {
    if args.path.exists() && !args.force {
        return Err(Error::Exists(args.path.display().to_string()));
    }
    write_to(&args.path, config::STARTER)?;
    outfile::stderr(&format!("wrote {}\n", args.path.display()));
    Ok(EXIT_OK)
}

fn write_baseline(args: &cli::BaselineArgs) -> Result<u8, Error> {
    let (run, _) = execute(&args.lint, false)?;
    let b = baseline::of(&run);
    baseline::write(&args.file, &b)?;
    outfile::stderr(&format!(
        "wrote {} findings to {}\n",
        b.findings.len(),
        args.file.display()
    ));
    Ok(EXIT_OK)
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

/// Entry points for benchmarks and fuzzing; not a stable API.
#[doc(hidden)]
pub mod bench_api {
    /// Parse a YAML stream into the span tree; returns the number of documents and nodes seen.
    pub fn parse(text: &str) -> (usize, usize) {
        let stream = crate::yaml::parse_stream(text);
        let nodes = stream.docs.iter().map(|d| d.root().len() + 1).sum();
        (stream.docs.len(), nodes)
    }

    /// Parse a YAML stream with saphyr alone (no fast path), as [`parse`] does otherwise.
    pub fn parse_saphyr(text: &str) -> (usize, usize) {
        let docs: Vec<_> = crate::yaml::Docs::saphyr_only(text).collect();
        let nodes = docs.iter().map(|d| d.root().len() + 1).sum();
        (docs.len(), nodes)
    }

    /// Lint a stream in memory with every rule; returns the number of findings.
    pub fn lint(text: &str) -> usize {
        lint_with(text, crate::rule::registry::ALL.to_vec())
    }

    /// Lint a stream in memory with the rules named; returns the number of findings.
    pub fn lint_rules(text: &str, ids: &[&str]) -> usize {
        let rules = crate::rule::registry::ALL
            .iter()
            .copied()
            .filter(|r| ids.contains(&r.meta().id))
            .collect();
        lint_with(text, rules)
    }

    fn lint_with(text: &str, rules: Vec<&'static dyn crate::rule::Rule>) -> usize {
        let settings = crate::rule::Settings::default();
        crate::engine::lint_str("bench.yaml", text, rules, &settings)
            .findings
            .len()
    }
}
