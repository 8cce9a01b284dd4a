//! `.kubeward.yaml`: found from the scan root up to the git root (or `--config FILE`).
//!
//! Errors are located (file:line:col) and name the keys that exist.

#![allow(clippy::result_large_err)] // errors carry their source for located diagnostics; the cold path

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use miette::{NamedSource, SourceSpan};

use crate::rule::{Severity, registry};
use crate::yaml::{Label, NodeRef, Pointer, Seg, parse_stream, span_of};

/// File names looked for, in order.
pub const FILE_NAMES: &[&str] = &[".kubeward.yaml", ".kubeward.yml"];

const TOP_KEYS: &[&str] = &[
    "rules",
    "exclude",
    "profile",
    "pss-version",
    "trusted-registries",
    "environment-words",
    "fail-on",
    "overrides",
    "render-timeout",
    "render-max-output",
    "max-file-size",
    "policies",
    "baseline",
];
const RULES_KEYS: &[&str] = &["select", "ignore", "severity", "custom"];
const OVERRIDE_KEYS: &[&str] = &["paths", "ignore", "severity"];

/// A configuration error, pointing into the file.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
#[diagnostic(code(kubeward::config), help("{help}"))]
pub struct Error {
    message: String,
    help: String,
    #[source_code]
    src: NamedSource<String>,
    #[label("{label}")]
    span: SourceSpan,
    label: String,
}

/// Per-path settings.
#[derive(Debug, Clone, Default)]
pub struct Override {
    /// Compiled globs (relative to the configuration file's directory: [`Config::scoped`]).
    pub globs: GlobSet,
    /// Rules not reported under these paths.
    pub ignore: Vec<&'static str>,
    /// Severity changes under these paths.
    pub severity: Vec<(&'static str, Severity)>,
}

/// The configuration (all optional).
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it came from.
    pub path: Option<PathBuf>,
    /// `rules.select`.
    pub select: Vec<&'static str>,
    /// `rules.ignore`.
    pub ignore: Vec<&'static str>,
    /// `rules.severity`.
    pub severity: Vec<(&'static str, Severity)>,
    /// `exclude` (relative to the configuration file's directory: [`Config::scoped`]).
    pub exclude: Vec<String>,
    /// `profile`: `pss-baseline` or `pss-restricted`.
    pub profile: Option<String>,
    /// `pss-version`: `v1.N` or `latest`.
    pub pss_version: Option<String>,
    /// `trusted-registries`.
    pub trusted_registries: Vec<String>,
    /// `environment-words`.
    pub env_words: Vec<String>,
    /// `fail-on`.
    pub fail_on: Option<String>,
    /// `overrides`.
    pub overrides: Vec<Override>,
    /// `render-timeout`: seconds a render may run (at most
    /// [`crate::render::CONFIG_MAX_TIMEOUT`]: the file is part of the scanned tree).
    pub render_timeout: Option<u64>,
    /// `render-max-output`: bytes a render may print (at most
    /// [`crate::render::CONFIG_MAX_OUTPUT`]).
    pub render_max_output: Option<u64>,
    /// `max-file-size`: bytes (`--max-file-size` wins).
    pub max_file_size: Option<u64>,
    /// `rules.custom`: the team's own rules.
    pub custom: std::sync::Arc<[crate::policy::custom::CustomRule]>,
    /// `policies`: files or directories of admission policies, relative to the configuration
    /// file, linted with the input (as `--policy`).
    pub policies: Vec<String>,
    /// `baseline`: a baseline file inside the configuration's directory, relative to it
    /// (`--baseline` wins).
    pub baseline: Option<String>,
}

impl Config {
    /// `set` (globs of this file) scoped to the file's directory: `exclude` and
    /// `overrides[].paths` name paths relative to it, whatever the working directory.
    pub fn scoped(&self, set: GlobSet) -> crate::input::ScopedGlobs {
        let dir = self
            .path
            .as_deref()
            .map(crate::input::lexical_absolute)
            .and_then(|p| p.parent().map(Path::to_path_buf));
        crate::input::ScopedGlobs::new(dir.as_deref(), set)
    }
}

/// Look for a config file from `start` up to the git work tree root.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    let mut dir = if start.is_dir() {
        Some(start.as_path())
    } else {
        start.parent()
    };
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|c| std::fs::canonicalize(c).ok());
    let git_root = dir.and_then(|d| {
        d.ancestors()
            .find(|a| a.join(".git").exists())
            .map(Path::to_path_buf)
    });
    while let Some(d) = dir {
        for name in FILE_NAMES {
            let p = d.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
        let at_top = match &git_root {
            Some(g) => d == g,
            None => cwd.as_deref().is_none_or(|c| d == c || !d.starts_with(c)),
        };
        if at_top {
            return None;
        }
        dir = d.parent();
    }
    None
}

struct Loader<'t> {
    path: String,
    text: &'t str,
    /// Ids of the custom rules read so far.
    custom: Vec<&'static str>,
}

impl Loader<'_> {
    /// A rule id: built-in (or an alias), or a custom rule's.
    fn rule(&self, id: &str) -> Option<&'static str> {
        registry::by_id(id)
            .map(|r| r.meta().id)
            .or_else(|| self.custom.iter().copied().find(|c| *c == id))
    }

    fn err(
        &self,
        doc: &crate::yaml::Doc<'_>,
        at: &Label,
        message: String,
        label: &str,
        help: &str,
    ) -> Error {
        let (s, e) = span_of(doc, self.text, at);
        Error {
            message: format!("{}: {message}", self.path),
            help: help.to_owned(),
            src: NamedSource::new(self.path.clone(), self.text.to_owned()),
            span: SourceSpan::new((s as usize).into(), (e - s) as usize),
            label: label.to_owned(),
        }
    }
}

/// The largest configuration file read (a real one is a few kilobytes).
const MAX_CONFIG_SIZE: u64 = 1 << 20;

/// Read and validate a config file.
///
/// In a git work tree the file is part of what is scanned (the Action passes the pull request's
/// own `.kubeward.yaml` as `--config`, and discovery finds it there): it is read only if it is
/// a regular file or a link to one inside that work tree, never a link to `/proc/self/environ`
/// whose text a syntax error would quote. Outside any work tree the file is the user's own.
pub fn load(path: &Path) -> Result<Config, Error> {
    use crate::input::lookup::{Links, read_regular};
    let display = crate::input::display_path(path);
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let dir = absolute.parent().unwrap_or(Path::new("/"));
    let links = match crate::input::git::work_tree_of(dir) {
        Some(top) => Links::Within(top),
        None => Links::Within(Path::new("/")),
    };
    let text = read_regular(path, links, MAX_CONFIG_SIZE).map_err(|e| Error {
        message: format!("cannot read {}: {e}", crate::report::inert::path(&display)),
        help: "Check the path given to --config (or the .kubeward.yaml found).".into(),
        src: NamedSource::new(display.clone(), String::new()),
        span: SourceSpan::new(0.into(), 0),
        label: "here".into(),
    })?;
    parse(&display, &text).map(|mut c| {
        c.path = Some(path.to_path_buf());
        c
    })
}

/// Parse config text (`path` is for messages).
pub fn parse(path: &str, text: &str) -> Result<Config, Error> {
    let mut l = Loader {
        path: path.to_owned(),
        text,
        custom: Vec::new(),
    };
    let stream = parse_stream(text);
    if let Some(e) = &stream.error {
        return Err(Error {
            message: format!("{path}: YAML syntax error: {}", e.message),
            help: "Fix the YAML syntax.".into(),
            src: NamedSource::new(path, text.to_owned()),
            span: SourceSpan::new((e.offset as usize).into(), 0),
            label: "here".into(),
        });
    }
    let mut cfg = Config::default();
    let Some(doc) = stream.docs.first() else {
        return Ok(cfg);
    };
    let root = doc.root();
    if root.is_null() {
        return Ok(cfg);
    }
    if !root.is_map() {
        return Err(l.err(
            doc,
            &Label::at(Pointer::root()).value(),
            "the configuration must be a mapping".into(),
            "not a mapping",
            "Start from `kubeward init`.",
        ));
    }
    check_keys(&l, doc, root, &Pointer::root(), TOP_KEYS)?;
    let at = |k: &'static str| Pointer::root().key(k);
    if let Some(rules) = root.get("rules") {
        check_keys(&l, doc, rules, &at("rules"), RULES_KEYS)?;
        cfg.custom = custom_rules(&mut l, doc, rules.get("custom"), &at("rules").key("custom"))?;
        cfg.select = rule_list(&l, doc, rules.get("select"), &at("rules").key("select"))?;
        cfg.ignore = rule_list(&l, doc, rules.get("ignore"), &at("rules").key("ignore"))?;
        cfg.severity = severity_map(&l, doc, rules.get("severity"), &at("rules").key("severity"))?;
    }
    cfg.policies = strings(&l, doc, root.get("policies"), &at("policies"))?;
    cfg.exclude = strings(&l, doc, root.get("exclude"), &at("exclude"))?;
    for g in &cfg.exclude {
        Glob::new(g).map_err(|e| {
            l.err(
                doc,
                &Label::at(at("exclude")).value(),
                format!("invalid glob `{g}`: {e}"),
                "invalid glob",
                "Use globset syntax, e.g. `vendor/**`.",
            )
        })?;
    }
    cfg.profile = one_of(
        &l,
        doc,
        root.get("profile"),
        &at("profile"),
        &["pss-baseline", "pss-restricted"],
    )?;
    cfg.pss_version = scalar(&l, doc, root.get("pss-version"), &at("pss-version"))?;
    if let Some(v) = &cfg.pss_version
        && crate::rule::parse_pss_version(v).is_none()
    {
        return Err(l.err(
            doc,
            &Label::at(at("pss-version")).value(),
            format!("`{v}` is not a Kubernetes version"),
            "expected v1.N or latest",
            "Write e.g. `pss-version: v1.30` or `latest`.",
        ));
    }
    cfg.trusted_registries = strings(
        &l,
        doc,
        root.get("trusted-registries"),
        &at("trusted-registries"),
    )?;
    cfg.env_words = strings(
        &l,
        doc,
        root.get("environment-words"),
        &at("environment-words"),
    )?;
    cfg.fail_on = one_of(
        &l,
        doc,
        root.get("fail-on"),
        &at("fail-on"),
        &["critical", "high", "medium", "low", "never"],
    )?;
    render_limits(&l, doc, root, &mut cfg)?;
    cfg.baseline = scalar(&l, doc, root.get("baseline"), &at("baseline"))?;
    if let Some(v) = scalar(&l, doc, root.get("max-file-size"), &at("max-file-size"))? {
        cfg.max_file_size = Some(crate::cli::parse_size(&v).map_err(|why| {
            l.err(
                doc,
                &Label::at(at("max-file-size")).value(),
                format!("invalid `max-file-size`: {why}"),
                "not a size",
                "Write bytes, or a number with K, M or G (powers of 1024), e.g. `max-file-size: 64M`.",
            )
        })?);
    }
    if let Some(ovs) = root.get("overrides") {
        if !ovs.is_seq() {
            return Err(l.err(
                doc,
                &Label::at(at("overrides")).value(),
                "`overrides` must be a list".into(),
                "not a list",
                "Write `overrides: [{paths: [\"legacy/**\"], ignore: [rule-id]}]`.",
            ));
        }
        for (i, ov) in ovs.items().enumerate() {
            let p = at("overrides").join([Seg::from(i)]);
            check_keys(&l, doc, ov, &p, OVERRIDE_KEYS)?;
            let paths = strings(&l, doc, ov.get("paths"), &p.key("paths"))?;
            if paths.is_empty() {
                return Err(l.err(
                    doc,
                    &Label::missing(p.key("paths")),
                    "an override needs `paths`".into(),
                    "no paths",
                    "Add `paths: [\"glob/**\"]`.",
                ));
            }
            let mut b = GlobSetBuilder::new();
            for g in &paths {
                b.add(Glob::new(g).map_err(|e| {
                    l.err(
                        doc,
                        &Label::at(p.key("paths")).value(),
                        format!("invalid glob `{g}`: {e}"),
                        "invalid glob",
                        "Use globset syntax, e.g. `legacy/**`.",
                    )
                })?);
            }
            cfg.overrides.push(Override {
                globs: b.build().unwrap_or_default(),
                ignore: rule_list(&l, doc, ov.get("ignore"), &p.key("ignore"))?,
                severity: severity_map(&l, doc, ov.get("severity"), &p.key("severity"))?,
            });
        }
    }
    Ok(cfg)
}

/// `render-timeout` and `render-max-output`: within the ceilings, as a configuration file is
/// part of the scanned tree (a flag may ask for more).
fn render_limits(
    l: &Loader<'_>,
    doc: &crate::yaml::Doc<'_>,
    root: NodeRef<'_>,
    cfg: &mut Config,
) -> Result<(), Error> {
    use crate::cli::parse_size;
    use crate::render::{CONFIG_MAX_OUTPUT, CONFIG_MAX_TIMEOUT};
    let at = |k: &'static str| Pointer::root().key(k);
    if let Some(v) = scalar(l, doc, root.get("render-timeout"), &at("render-timeout"))? {
        match v.parse::<u64>() {
            Ok(n) if (1..=CONFIG_MAX_TIMEOUT).contains(&n) => cfg.render_timeout = Some(n),
            _ => {
                return Err(l.err(
                    doc,
                    &Label::at(at("render-timeout")).value(),
                    format!("`{v}` is not a number of seconds from 1 to {CONFIG_MAX_TIMEOUT}"),
                    "invalid timeout",
                    "Write e.g. `render-timeout: 60` (a longer one needs --render-timeout).",
                ));
            }
        }
    }
    if let Some(v) = scalar(
        l,
        doc,
        root.get("render-max-output"),
        &at("render-max-output"),
    )? {
        match parse_size(&v) {
            Ok(n) if n <= CONFIG_MAX_OUTPUT => cfg.render_max_output = Some(n),
            _ => {
                return Err(l.err(
                    doc,
                    &Label::at(at("render-max-output")).value(),
                    format!("`{v}` is not a size up to 1GB"),
                    "invalid size",
                    "Write e.g. `render-max-output: 64MB` (a larger one needs --render-max-output).",
                ));
            }
        }
    }
    Ok(())
}

fn check_keys(
    l: &Loader<'_>,
    doc: &crate::yaml::Doc<'_>,
    node: NodeRef<'_>,
    at: &Pointer,
    known: &[&str],
) -> Result<(), Error> {
    if !node.is_map() {
        return Err(l.err(
            doc,
            &Label::at(at.clone()).value(),
            format!("`{at}` must be a mapping"),
            "not a mapping",
            &format!("Its keys are: {}.", known.join(", ")),
        ));
    }
    for (k, _) in node.entries() {
        if !known.contains(&k) {
            let where_ = if at.segs().is_empty() {
                "top-level key".to_owned()
            } else {
                format!("key in `{at}`")
            };
            return Err(l.err(
                doc,
                &Label::at(at.key(k.to_owned())).key(),
                format!("unknown {where_} `{k}`"),
                "unknown key",
                &did_you_mean(
                    registry::nearest(k, known),
                    &format!("The keys that exist here are: {}.", known.join(", ")),
                ),
            ));
        }
    }
    Ok(())
}

fn scalar(
    l: &Loader<'_>,
    doc: &crate::yaml::Doc<'_>,
    n: Option<NodeRef<'_>>,
    at: &Pointer,
) -> Result<Option<String>, Error> {
    match n {
        None => Ok(None),
        Some(n) if n.is_null() => Ok(None),
        Some(n) => n
            .text()
            .filter(|_| !n.is_map() && !n.is_seq())
            .map(|t| Some(t.to_owned()))
            .ok_or_else(|| {
                l.err(
                    doc,
                    &Label::at(at.clone()).value(),
                    format!("`{at}` must be a single value"),
                    "not a value",
                    "Write a single value.",
                )
            }),
    }
}

fn one_of(
    l: &Loader<'_>,
    doc: &crate::yaml::Doc<'_>,
    n: Option<NodeRef<'_>>,
    at: &Pointer,
    allowed: &[&str],
) -> Result<Option<String>, Error> {
    let v = scalar(l, doc, n, at)?;
    if let Some(v) = &v
        && !allowed.contains(&v.as_str())
    {
        return Err(l.err(
            doc,
            &Label::at(at.clone()).value(),
            format!("`{v}` is not a valid `{at}`"),
            "invalid value",
            &format!("Use one of: {}.", allowed.join(", ")),
        ));
    }
    Ok(v)
}

fn strings(
    l: &Loader<'_>,
    doc: &crate::yaml::Doc<'_>,
    n: Option<NodeRef<'_>>,
    at: &Pointer,
) -> Result<Vec<String>, Error> {
    let Some(n) = n.filter(|n| !n.is_null()) else {
        return Ok(Vec::new());
    };
    if !n.is_seq() {
        return Err(l.err(
            doc,
            &Label::at(at.clone()).value(),
            format!("`{at}` must be a list"),
            "not a list",
            "Write a YAML list, e.g. `[a, b]`.",
        ));
    }
    n.items()
        .enumerate()
        .map(|(i, item)| {
            item.text()
                .filter(|_| !item.is_map() && !item.is_seq())
                .map(str::to_owned)
                .ok_or_else(|| {
                    l.err(
                        doc,
                        &Label::at(at.join([Seg::from(i)])).value(),
                        format!("`{at}` items must be strings"),
                        "not a string",
                        "Write plain strings.",
                    )
                })
        })
        .collect()
}

fn rule_list(
    l: &Loader<'_>,
    doc: &crate::yaml::Doc<'_>,
    n: Option<NodeRef<'_>>,
    at: &Pointer,
) -> Result<Vec<&'static str>, Error> {
    let raw = strings(l, doc, n, at)?;
    let mut out = Vec::new();
    for (i, id) in raw.iter().enumerate() {
        let ids = l
            .rule(id)
            .map(|r| vec![r])
            .or_else(|| registry::select(id))
            .ok_or_else(|| {
                l.err(
                    doc,
                    &Label::at(at.join([Seg::from(i)])).value(),
                    format!("unknown rule `{id}`"),
                    "unknown rule",
                    &did_you_mean(
                        registry::suggest(id),
                        "Run `kubeward rules` to list the rule ids; a category (e.g. `pod-security`) selects all its rules.",
                    ),
                )
            })?;
        out.extend(ids);
    }
    Ok(out)
}

/// `help`, after "Did you mean `near`?" when there is a nearest name.
fn did_you_mean(near: Option<&str>, help: &str) -> String {
    match near {
        Some(n) => format!("Did you mean `{n}`? {help}"),
        None => help.to_owned(),
    }
}

/// `rules.custom`: a list of custom rules (see `crate::policy::custom`).
fn custom_rules(
    l: &mut Loader<'_>,
    doc: &crate::yaml::Doc<'_>,
    n: Option<NodeRef<'_>>,
    at: &Pointer,
) -> Result<std::sync::Arc<[crate::policy::custom::CustomRule]>, Error> {
    use crate::policy::custom;
    let Some(n) = n.filter(|n| !n.is_null()) else {
        return Ok(std::sync::Arc::from(Vec::new()));
    };
    if !n.is_seq() {
        return Err(l.err(
            doc,
            &Label::at(at.clone()).value(),
            "`rules.custom` must be a list of rules".into(),
            "not a list",
            "Write `custom: [{id: team-label-missing, summary: …, validations: […]}]`.",
        ));
    }
    let mut out = Vec::new();
    for (i, item) in n.items().enumerate() {
        let p = at.join([Seg::from(i)]);
        check_keys(l, doc, item, &p, custom::KEYS)?;
        let source = format!("{}#L{}", l.path, {
            let (s, _) = span_of(doc, l.text, &Label::at(p.clone()));
            crate::yaml::LineIndex::new(l.text).line_col(l.text, s).0
        });
        let rule = custom::parse(item, &p, &|id| l.rule(id).is_some(), &source)
            .map_err(|e| l.err(doc, &e.at, e.message, "here", &e.help))?;
        l.custom.push(rule.meta.id);
        out.push(rule);
    }
    Ok(std::sync::Arc::from(out))
}

fn severity_map(
    l: &Loader<'_>,
    doc: &crate::yaml::Doc<'_>,
    n: Option<NodeRef<'_>>,
    at: &Pointer,
) -> Result<Vec<(&'static str, Severity)>, Error> {
    let Some(n) = n.filter(|n| !n.is_null()) else {
        return Ok(Vec::new());
    };
    if !n.is_map() {
        return Err(l.err(
            doc,
            &Label::at(at.clone()).value(),
            format!("`{at}` must map rule ids to severities"),
            "not a mapping",
            "Write e.g. `severity: {image-not-pinned: medium}`.",
        ));
    }
    let mut out = Vec::new();
    for (k, v) in n.entries() {
        let p = at.key(k.to_owned());
        let id = l.rule(k).ok_or_else(|| {
            l.err(
                doc,
                &Label::at(p.clone()).key(),
                format!("unknown rule `{k}`"),
                "unknown rule",
                &did_you_mean(
                    registry::suggest(k).filter(|n| registry::by_id(n).is_some()),
                    "Run `kubeward rules` to list the rule ids.",
                ),
            )
        })?;
        let sev = match v.text() {
            Some("critical") => Severity::Critical,
            Some("high") => Severity::High,
            Some("medium") => Severity::Medium,
            Some("low") => Severity::Low,
            _ => {
                return Err(l.err(
                    doc,
                    &Label::at(p).value(),
                    format!("invalid severity for `{k}`"),
                    "invalid severity",
                    "Use critical, high, medium or low.",
                ));
            }
        };
        out.push((id, sev));
    }
    Ok(out)
}

/// The commented starter configuration written by `kubeward init`.
pub const STARTER: &str = r#"# kubeward configuration. Found from the scanned directory up to the git root,
# or given with --config. Command-line flags override these settings.

rules:
  # Run only these rules (default: all). `kubeward rules` lists them.
  # select: [privileged-container, host-network]
  # Never run these rules.
  ignore: []
  # Change the severity of a rule's findings (critical, high, medium, low).
  severity: {}
    # image-not-pinned: medium
  # The team's own rules, in CEL (see docs/policies.md).
  # custom:
  #   - id: team-label-missing
  #     severity: medium
  #     summary: workload without a team label
  #     help: Add a `team` label to the workload's metadata.labels.
  #     kinds: [Deployment]
  #     validations:
  #       - expression: "object.metadata.?labels.?team.orValue('') != ''"
  #         message: every Deployment needs a team label

# ValidatingAdmissionPolicies to check the input against besides those in it (files or
# directories, relative to this file).
# policies: [cluster/policies]
# Findings recorded by `kubeward baseline` are not reported (relative to this file; --baseline
# wins).
# baseline: kubeward-baseline.json

# Paths not to lint (globset syntax, relative to this file), in addition to .gitignore.
exclude:
  - "**/testdata/**"

# Run exactly the Pod Security Standards controls of a level: pss-baseline or pss-restricted.
# profile: pss-restricted
# Kubernetes version whose PSS semantics apply (v1.0 … v1.37, or latest).
# pss-version: latest

# Registries whose images are trusted (prefixes). Default: any registry except Docker Hub,
# plus Docker Hub official images.
# trusted-registries: [myregistry.azurecr.io/, ghcr.io/my-org/]

# Words that name an environment in image tags and paths (image-env-tag).
# environment-words: [dev, staging, prod]

# Exit with 1 when a finding at or above this severity remains: critical, high, medium, low, never.
fail-on: low

# A render (helm template, kustomize build) that runs longer or prints more is stopped and
# reported as a render-error finding (at most 600 seconds and 1GB here; flags may ask for more).
# render-timeout: 60
# render-max-output: 64MB
# A file larger than this is a parse-error, not read (bytes, or K, M, G: powers of 1024).
# max-file-size: 64M

# Settings for some paths only (globs relative to this file).
overrides: []
  # - paths: ["legacy/**"]
  #   ignore: [image-not-pinned]
  #   severity: {missing-resource-limits: low}
"#;

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn starter_config_is_valid() {
        let c = parse(".kubeward.yaml", super::STARTER).unwrap();
        assert_eq!(c.fail_on.as_deref(), Some("low"));
        assert_eq!(c.exclude, vec!["**/testdata/**"]);
    }

    #[test]
    fn max_file_size_takes_bytes_or_a_unit() {
        let size =
            |v: &str| parse("c.yaml", &format!("max-file-size: {v}\n")).map(|c| c.max_file_size);
        assert_eq!(size("1048576").unwrap(), Some(1 << 20));
        assert_eq!(size("16M").unwrap(), Some(16 << 20));
        assert_eq!(size("2 GiB").unwrap(), Some(2 << 30));
        assert_eq!(size("512k").unwrap(), Some(512 << 10));
        assert_eq!(
            parse("c.yaml", "fail-on: low\n").unwrap().max_file_size,
            None
        );
        for bad in ["lots", "0", "-1", "1T", "99999999999G", "[1]"] {
            let e = size(bad).unwrap_err();
            assert!(e.to_string().contains("max-file-size"), "{bad}: {e}");
        }
    }

    #[test]
    fn errors_are_located_and_name_the_keys() {
        let e = parse(
            "c.yaml",
            "rules:\n  ignore: [host-network]\nfail_on: high\n",
        )
        .unwrap_err();
        assert!(
            e.message.contains("unknown top-level key `fail_on`"),
            "{}",
            e.message
        );
        assert!(e.help.contains("fail-on"));
        assert_eq!(e.span.offset(), 32);
        let e = parse("c.yaml", "rules:\n  ignore: [host-netwrk]\n").unwrap_err();
        assert!(e.message.contains("unknown rule `host-netwrk`"));
        let e = parse("c.yaml", "fail-on: sometimes\n").unwrap_err();
        assert!(e.help.contains("critical, high"));
        let e = parse("c.yaml", "overrides:\n  - ignore: [host-pid]\n").unwrap_err();
        assert!(e.message.contains("needs `paths`"));
    }

    #[test]
    fn unknown_names_suggest_the_nearest_and_categories_select_their_rules() {
        let e = parse("c.yaml", "fail_on: high\n").unwrap_err();
        assert!(e.help.starts_with("Did you mean `fail-on`?"), "{}", e.help);
        let e = parse("c.yaml", "rules:\n  slect: [host-pid]\n").unwrap_err();
        assert!(e.help.starts_with("Did you mean `select`?"), "{}", e.help);
        let e = parse("c.yaml", "rules:\n  ignore: [host-pd]\n").unwrap_err();
        assert!(e.help.starts_with("Did you mean `host-pid`?"), "{}", e.help);
        let e = parse("c.yaml", "rules:\n  severity: {host-pd: low}\n").unwrap_err();
        assert!(e.help.starts_with("Did you mean `host-pid`?"), "{}", e.help);
        let c = parse("c.yaml", "rules:\n  select: [pod-security]\n").unwrap();
        assert!(c.select.contains(&"host-pid") && c.select.contains(&"run-as-root"));
        assert!(!c.select.contains(&"image-latest-tag"));
    }

    #[test]
    fn render_limits_are_bounded() {
        let c = parse("c.yaml", "render-timeout: 30\nrender-max-output: 8MB\n").unwrap();
        assert_eq!(c.render_timeout, Some(30));
        assert_eq!(c.render_max_output, Some(8 << 20));
        for bad in [
            "render-timeout: 0\n",
            "render-timeout: 3600\n",
            "render-timeout: soon\n",
            "render-max-output: 2GB\n",
            "render-max-output: lots\n",
        ] {
            assert!(parse("c.yaml", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn full_config() {
        let c = parse(
            "c.yaml",
            "rules: {select: [host-pid], severity: {host-pid: low}}\nprofile: pss-restricted\npss-version: v1.30\noverrides:\n- paths: [\"legacy/**\"]\n  ignore: [host-pid]\n",
        )
        .unwrap();
        assert_eq!(c.select, vec!["host-pid"]);
        assert_eq!(c.overrides[0].ignore, vec!["host-pid"]);
        assert!(c.overrides[0].globs.is_match("legacy/a.yaml"));
    }
}
