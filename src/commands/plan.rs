//! What a lint run does, planned from the flags and the configuration file (flags win).

use globset::{Glob, GlobSetBuilder};

use crate::cli::{FailOn, LintArgs, Profile};
use crate::error::Error;
use crate::rule::{Meta, PssLevel, Rule, Settings, registry};
use crate::{config, engine, input, policy, render, report, rule};

/// Everything a lint run needs, from flags and configuration (flags win).
pub(crate) struct Plan {
    pub(crate) config: config::Config,
    pub(crate) rules: Vec<&'static dyn Rule>,
    pub(crate) settings: Settings,
    pub(crate) discover: input::DiscoverOptions,
    pub(crate) fail_on: FailOn,
    /// `--max-file-size`, else the configuration's, else the default.
    pub(crate) max_file_size: u64,
    /// The SARIF log's frame (its tool section), built on its own thread while the files are
    /// linted, when the run writes SARIF.
    pub(crate) sarif_frame: Option<std::thread::JoinHandle<std::io::Result<report::sarif::Frame>>>,
}

pub(super) fn plan(args: &LintArgs) -> Result<Plan, Error> {
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
pub(crate) fn plan_with(args: &LintArgs, config: config::Config) -> Result<Plan, Error> {
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
    if profile.is_some() && !select.is_empty() {
        let from = |cli: bool, key: &str| {
            if cli {
                format!("--{key}")
            } else {
                format!("the configuration's `{key}`")
            }
        };
        return Err(Error::Usage(
            format!(
                "{} and {} cannot be used together",
                from(args.profile.is_some(), "profile"),
                from(!args.select.is_empty(), "select").replace("`select`", "`rules.select`")
            ),
            "A profile runs exactly the Pod Security controls of its level; leave some out with \
             --ignore, or drop the profile to choose rules with --select."
                .into(),
        ));
    }
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
    let globs_of = |list: &[String]| {
        let mut globs = GlobSetBuilder::new();
        for g in list {
            globs.add(Glob::new(g).map_err(|e| Error::Glob(g.clone(), e.to_string()))?);
        }
        globs
            .build()
            .map_err(|e| Error::Glob(list.join(","), e.to_string()))
    };
    // `--exclude` names paths as the command line does; the configuration's, paths relative to
    // its own directory.
    let exclude = globs_of(&args.exclude)?;
    let config_exclude = config.scoped(globs_of(&config.exclude)?);
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
    // Rules build their fixes only for a run that applies, shows or exports them.
    // (--add-suppressions reads the files again, as a fix does.)
    settings.fixes = args.fix
        || args.diff
        || args.add_suppressions.is_some()
        || matches!(args.format, report::Format::Sarif | report::Format::Rdjson)
        || args.sarif_file.is_some();
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
        config_exclude,
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

fn rule_ids(
    list: &[String],
    custom: &[policy::custom::CustomRule],
) -> Result<Vec<&'static str>, Error> {
    let mut out = Vec::new();
    for id in list {
        let id_ = id.trim();
        let ids = registry::select(id_)
            .or_else(|| {
                custom
                    .iter()
                    .map(|c| c.meta.id)
                    .find(|c| *c == id_)
                    .map(|c| vec![c])
            })
            .ok_or_else(|| Error::unknown_rule(id, true))?;
        out.extend(ids);
    }
    Ok(out)
}

/// Under a profile: exactly the Pod Security controls of its level (Restricted includes
/// Baseline), plus `parse-error` (a file that cannot be parsed cannot be judged).
fn in_profile(meta: &Meta, level: PssLevel) -> bool {
    match meta.pss {
        Some(p) => p <= level,
        None => meta.id == "parse-error",
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

/// How to render, from the flags and the configuration (flags win); an unusable `--helm` or
/// `--helm-values` is a usage error.
pub(super) fn render_options(
    args: &LintArgs,
    config: &config::Config,
) -> Result<render::Options, Error> {
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
        crate::cli::RenderChoice::Auto => render::Mode::Auto,
        crate::cli::RenderChoice::Never => render::Mode::Never,
    };
    Ok(render::Options::new(
        mode,
        args.helm.as_deref(),
        &args.helm_values,
        limits,
        render::Scope::of(&args.paths),
    )?)
}

/// The paths to lint: the arguments, and the admission policies of `--policy` and the
/// configuration's `policies:` (relative to the configuration file).
pub(super) fn lint_paths(args: &LintArgs, config: &config::Config) -> Vec<String> {
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
