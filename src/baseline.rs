//! Adoption: a baseline file of accepted findings, and `--new-from-rev` for pull requests.
//!
//! Adopting kubeward in an existing repository: a baseline file of accepted findings
//! (`kubeward baseline FILE`, `--baseline FILE`) and `--new-from-rev REV` for pull requests.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::engine::Run;

/// Baseline file format version. Version 2 (kubeward 0.1.0 after issue 21): fingerprints take the
/// file that holds a finding in rendered output (not the Helm template), tell apart the
/// admission policies that flag one node and repeated objects of one file, and some findings
/// moved to rules of their own (`finding::legacy_rule_id`). A version 1 file still works: its entries
/// match findings by the fingerprints of version 1 too (`legacy_fingerprint`).
pub const VERSION: u32 = 2;

/// A finding's fingerprint as a baseline of format version 1 holds it.
pub fn legacy_fingerprint(run: &Run, f: &crate::finding::Finding) -> crate::finding::Fingerprint {
    if let Some(t) = f.trace() {
        return t.legacy;
    }
    let path = run
        .files
        .get(f.primary.file as usize)
        .map_or("", |file| file.path.as_str());
    crate::engine::fingerprint(
        crate::finding::legacy_rule_id(f.meta.id),
        path,
        f.object.as_deref(),
        &f.route,
        None,
    )
}

/// One accepted finding.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    /// `kubeward/v1` fingerprint.
    pub fingerprint: String,
    /// Rule id (informational).
    pub rule: String,
    /// Path (informational).
    pub path: String,
    /// Message at the time (informational).
    pub message: String,
}

/// The file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Baseline {
    /// Format version.
    pub version: u32,
    /// kubeward version that wrote it.
    pub tool_version: String,
    /// Accepted findings, sorted.
    pub findings: Vec<Entry>,
}

/// Errors reading a baseline or a git revision.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    /// The baseline cannot be read or parsed.
    #[error("cannot use baseline {0}: {1}")]
    #[diagnostic(
        code(kubeward::baseline),
        help("Write one with `kubeward baseline FILE [PATH]...`.")
    )]
    Baseline(String, String),
    /// The file to write exists and is not a kubeward baseline.
    #[error("{0} exists and is not a kubeward baseline: not replaced")]
    #[diagnostic(
        code(kubeward::baseline),
        help(
            "Name the baseline file with `-o`: `kubeward baseline -o kubeward-baseline.json [PATH]...` (paths are what to lint)."
        )
    )]
    NotABaseline(String),
    /// Writing failed.
    #[error("cannot write baseline {0}: {1}")]
    #[diagnostic(code(kubeward::baseline))]
    Write(String, std::io::Error),
    /// Git could not provide the old tree nor a diff.
    #[error("--new-from-rev {0}: {1}")]
    #[diagnostic(
        code(kubeward::new_from_rev),
        help(
            "Fetch the revision (e.g. `git fetch origin main`, or `fetch-depth: 0` in actions/checkout)."
        )
    )]
    Git(String, String),
}

/// The baseline of a run's unsuppressed findings.
pub fn of(run: &Run) -> Baseline {
    let mut findings: Vec<Entry> = run
        .findings
        .iter()
        .filter(|f| f.suppressed().is_none())
        .map(|f| Entry {
            fingerprint: f.fingerprint.to_string(),
            rule: f.meta.id.to_owned(),
            path: run.files[f.primary.file as usize].path.clone(),
            message: f.message.to_string(),
        })
        .collect();
    findings.sort();
    findings.dedup();
    Baseline {
        version: VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        findings,
    }
}

/// Write a baseline file.
pub fn write(path: &Path, b: &Baseline) -> Result<(), Error> {
    let mut text = serde_json::to_string_pretty(b)
        .map_err(|e| Error::Baseline(path.display().to_string(), e.to_string()))?;
    text.push('\n');
    // Written beside and renamed: a failure leaves the old baseline whole.
    crate::report::outfile::write(path, &text)
        .map_err(|e| Error::Write(path.display().to_string(), e))
}

/// Whether the file at `path` may be replaced by a baseline: it does not exist, or it is a
/// kubeward baseline (of any format version). `kubeward baseline manifest.yaml` must never
/// replace the manifest.
pub fn check_replaceable(path: &Path) -> Result<(), Error> {
    let shown = || crate::report::inert::path(&path.to_string_lossy()).into_owned();
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::Baseline(shown(), e.to_string())),
    };
    let is_baseline = meta.is_file()
        && meta.len() <= 1 << 30
        && std::fs::read(path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Baseline>(&bytes).ok())
            .is_some();
    if is_baseline {
        Ok(())
    } else {
        Err(Error::NotABaseline(shown()))
    }
}

/// Read a baseline file.
pub fn read(path: &Path) -> Result<Baseline, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Baseline(path.display().to_string(), e.to_string()))?;
    parse(path, &text)
}

/// The largest baseline the configuration may name (a baseline of a million findings is about
/// 200 MB).
const MAX_CONFIGURED_SIZE: u64 = 1 << 30;

/// Read the baseline a configuration file names (`baseline:`, relative to `dir`, the
/// configuration's directory). The configuration is part of the scanned repository, so the
/// path stays in it: relative, with no `..`, a regular file or a link to one inside `dir`.
pub fn read_configured(dir: &Path, rel: &str) -> Result<Baseline, Error> {
    let shown = crate::report::inert::path(rel).into_owned();
    let p = Path::new(rel);
    if p.is_absolute()
        || p.components().any(|c| {
            !matches!(
                c,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        })
    {
        return Err(Error::Baseline(
            shown,
            "the configuration's `baseline` must be a path inside its directory (relative, no `..`)"
                .into(),
        ));
    }
    let path = dir.join(p);
    let text = crate::input::lookup::read_regular(
        &path,
        crate::input::lookup::Links::Within(dir),
        MAX_CONFIGURED_SIZE,
    )
    .map_err(|e| Error::Baseline(path.display().to_string(), e.to_string()))?;
    parse(&path, &text)
}

fn parse(path: &Path, text: &str) -> Result<Baseline, Error> {
    let b: Baseline = serde_json::from_str(text)
        .map_err(|e| Error::Baseline(path.display().to_string(), e.to_string()))?;
    if b.version != VERSION && b.version != 1 {
        return Err(Error::Baseline(
            path.display().to_string(),
            format!("unsupported version {}", b.version),
        ));
    }
    Ok(b)
}

/// Fingerprints of accepted findings, and which format version holds them.
pub struct Known {
    /// The fingerprints, as 16 hex digits.
    pub fingerprints: BTreeSet<String>,
    /// Whether they are of format version 1 (matched by `legacy_fingerprint` too).
    pub legacy: bool,
}

impl Baseline {
    /// Its fingerprints.
    pub fn known(self) -> Known {
        Known {
            legacy: self.version == 1,
            fingerprints: self.findings.into_iter().map(|e| e.fingerprint).collect(),
        }
    }
}

/// Mark as suppressed (`external`, with `justification`) the unsuppressed findings whose
/// fingerprint is known: they stay in the run, so SARIF keeps them (code scanning does not take
/// them for fixed), and no format counts them as active. Returns (suppressed, stale known
/// fingerprints).
pub fn suppress_known(run: &mut Run, known: &Known, justification: &str) -> (usize, usize) {
    let mut matched = BTreeSet::new();
    let mut suppressed = 0;
    let mut hits = Vec::new();
    for (i, f) in run.findings.iter().enumerate() {
        if f.suppressed().is_some() {
            continue;
        }
        let own = f.fingerprint.to_string();
        let hit = if known.fingerprints.contains(&own) {
            Some(own)
        } else if known.legacy {
            Some(legacy_fingerprint(run, f).to_string())
                .filter(|old| known.fingerprints.contains(old))
        } else {
            None
        };
        if let Some(fp) = hit {
            matched.insert(fp);
            hits.push(i);
        }
    }
    for i in hits {
        run.findings[i].extra_mut().suppressed = Some(Box::new(crate::finding::Suppression {
            kind: "external",
            justification: justification.to_owned(),
        }));
        suppressed += 1;
    }
    (suppressed, known.fingerprints.len() - matched.len())
}

fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    crate::input::git::text(dir, args)
}

/// What `--new-from-rev` could establish.
pub enum Old {
    /// Fingerprints of the findings at the merge base.
    Fingerprints(BTreeSet<String>, String),
    /// Only the changed lines (path → line ranges), when the old tree could not be linted.
    ChangedLines(Vec<(String, u32, u32)>, String),
}

/// Lint the merge base of `rev` and HEAD from git objects, by running this same binary on an
/// extracted copy with the same arguments (`args`, the original `lint` arguments without the
/// output and new-from-rev options). Falls back to the changed lines of `git diff`.
pub fn old_findings(rev: &str, args: &[String]) -> Result<Old, Error> {
    let err = |m: String| Error::Git(crate::report::inert::path(rev).into_owned(), m);
    // The command line refuses such a revision already; this keeps every caller honest.
    crate::input::git::check_revision(rev).map_err(err)?;
    let cwd = std::env::current_dir().map_err(|e| err(e.to_string()))?;
    let root = PathBuf::from(git(&cwd, &["rev-parse", "--show-toplevel"]).map_err(err)?);
    // The revision goes after `--end-of-options` in every git command line (git >= 2.24).
    let base = match git(&cwd, &["merge-base", "--end-of-options", rev, "HEAD"]) {
        Ok(b) => b,
        Err(why) => {
            return changed_lines(
                &cwd,
                rev,
                &format!("no merge base of {rev} and HEAD ({why})"),
            );
        }
    };
    match lint_tree(&cwd, &root, &base, args) {
        Ok(fps) => Ok(Old::Fingerprints(fps, base)),
        Err(why) => changed_lines(&cwd, &base, &format!("could not lint {base} ({why})")),
    }
}

fn lint_tree(
    cwd: &Path,
    root: &Path,
    base: &str,
    args: &[String],
) -> Result<BTreeSet<String>, String> {
    // A fresh private directory (mode 0700, created, never reused): a predictable name under
    // the shared temporary directory could be prepared by another local user.
    let scratch = crate::render::ScratchDir::new().map_err(|e| e.to_string())?;
    let tmp = scratch.path();
    let result = (|| {
        let archive =
            crate::input::git::run(root, &["archive", "--format=tar", "--end-of-options", base])?;
        let tar = tmp.join("base.tar");
        std::fs::write(&tar, &archive).map_err(|e| e.to_string())?;
        let untar = Command::new("tar")
            .arg("-xf")
            .arg(&tar)
            .current_dir(tmp)
            .status()
            .map_err(|e| e.to_string())?;
        if !untar.success() {
            return Err("tar failed".into());
        }
        let rel = cwd.strip_prefix(root).unwrap_or(Path::new(""));
        let old_cwd = tmp.join(rel);
        std::fs::create_dir_all(&old_cwd).map_err(|e| e.to_string())?;
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let out = Command::new(exe)
            .current_dir(&old_cwd)
            .arg("lint")
            .args(args)
            .args([
                "--format",
                "json",
                "--fail-on",
                "never",
                "--quiet",
                "--no-progress",
            ])
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "linting the old tree failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let v: serde_json::Value =
            serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
        Ok(v["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f["fingerprint"].as_str().map(str::to_owned))
            .collect())
    })();
    drop(scratch);
    result
}

fn changed_lines(cwd: &Path, rev: &str, why: &str) -> Result<Old, Error> {
    let diff = git(
        cwd,
        &[
            "diff",
            "-U0",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--relative",
            "--end-of-options",
            rev,
            "--",
        ],
    )
    .map_err(|e| {
        Error::Git(
            crate::report::inert::path(rev).into_owned(),
            format!("{why}; git diff failed too: {e}"),
        )
    })?;
    let mut out = Vec::new();
    let mut file = None;
    for line in diff.lines() {
        if let Some(p) = line.strip_prefix("+++ ") {
            file = p.strip_prefix("b/").map(str::to_owned);
        } else if let (Some(h), Some(f)) = (line.strip_prefix("@@ "), &file) {
            // @@ -a,b +c,d @@
            let plus = h
                .split_whitespace()
                .find(|t| t.starts_with('+'))
                .unwrap_or("+0");
            let (start, len) = plus[1..]
                .split_once(',')
                .map_or((plus[1..].parse().unwrap_or(0), 1), |(s, l)| {
                    (s.parse().unwrap_or(0), l.parse().unwrap_or(0))
                });
            if len > 0 {
                out.push((f.clone(), start, start + len - 1));
            }
        }
    }
    Ok(Old::ChangedLines(
        out,
        format!("{why}; reporting findings on changed lines only"),
    ))
}

/// Keep only findings on changed lines; returns the number dropped.
pub fn keep_changed(run: &mut Run, changed: &[(String, u32, u32)]) -> usize {
    let before = run.findings.len();
    let files = &run.files;
    run.findings.retain(|f| {
        let path = &files[f.primary.file as usize].path;
        let line = f.primary.region.line;
        changed
            .iter()
            .any(|(p, a, b)| p == path && (*a..=*b).contains(&line))
    });
    before - run.findings.len()
}
