//! What a run produces: its files, findings, counts, failures and the secrets to mask.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::finding::{Finding, Location, Secrets};

/// A file of the run.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as shown to the user (relative to the working directory when under it).
    pub path: String,
    /// The text, kept only for files whose findings will be rendered with a snippet.
    pub text: Option<Arc<str>>,
    /// Where to read the text again if it was not kept (findings of the cross-object pass);
    /// only for output that draws snippets.
    pub disk: Option<std::path::PathBuf>,
    /// Findings in this file are reported (else it was read as context only).
    pub report: bool,
}

impl SourceFile {
    /// The text: kept, or read again from disk.
    pub fn load(&self) -> Arc<str> {
        if let Some(t) = &self.text {
            return t.clone();
        }
        self.disk
            .as_ref()
            .and_then(|p| std::fs::read(p).ok())
            .map_or_else(
                || Arc::from(""),
                |b| Arc::from(String::from_utf8_lossy(&b).into_owned()),
            )
    }
}

/// Counts for the summary: every file and document is accounted for.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Files read and parsed completely.
    pub files_linted: usize,
    /// Files read only as context for cross-object rules (not reported).
    pub files_context: usize,
    /// Files not linted, by reason.
    pub files_skipped: BTreeMap<String, usize>,
    /// Files that could not be read or parsed completely (the documents before a syntax error
    /// are still checked).
    pub files_failed: usize,
    /// Failed files, by reason.
    pub files_failed_reasons: BTreeMap<String, usize>,
    /// Bytes read.
    pub bytes: u64,
    /// Documents seen in linted files.
    pub documents: usize,
    /// Kubernetes objects linted (List items count one each).
    pub objects: usize,
    /// Documents not linted, by reason.
    pub documents_skipped: BTreeMap<String, usize>,
    /// Wall time.
    pub elapsed: Duration,
}

impl Stats {
    /// Count a document that is not linted, under `reason`.
    pub(super) fn skip_document(&mut self, reason: &str) {
        *self.documents_skipped.entry(reason.into()).or_default() += 1;
    }
}

/// The result of a run.
#[derive(Debug, Default)]
pub struct Run {
    /// Every file of the run, indexed by file id.
    pub files: Vec<SourceFile>,
    /// Findings, sorted.
    pub findings: Vec<Finding>,
    /// Counts.
    pub stats: Stats,
    /// Paths not linted, with the reason (sorted; listed in verbose mode).
    pub skipped_paths: Vec<(String, String)>,
    /// Files that could not be read or parsed completely, with what went wrong (sorted).
    pub failed_paths: Vec<(String, Failure)>,
    /// Regions that hold secrets, never to be printed: those of every finding (even one later
    /// dropped by a baseline or the configuration) and, when snippets are rendered, those the
    /// secret checks mark even if they are not enabled.
    pub masks: Vec<Location>,
    /// The values the secret checks flagged (enabled or not), masked wherever they recur: the
    /// findings' texts are masked with them when the run is complete, snippets as they are
    /// drawn.
    pub secrets: Secrets,
    /// What the summary must say about the run (e.g. charts or overlays not rendered).
    pub notices: Vec<String>,
}

/// Why a file could not be read or parsed completely.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Failure {
    /// The summary category (`YAML syntax error`, `not valid UTF-8`, …), counted per reason.
    pub reason: String,
    /// What went wrong with this file, for its entry in `failed_paths`.
    pub detail: String,
}

impl Failure {
    /// The file could not be read (`cannot read file (permission denied)`).
    pub(crate) fn unreadable(e: &std::io::Error) -> Self {
        Failure {
            reason: format!("cannot read file ({})", e.kind()),
            detail: format!("cannot read file: {e}"),
        }
    }

    /// The file holds NUL bytes near its start.
    pub(crate) fn binary() -> Self {
        let reason = "binary file (contains NUL bytes)";
        Failure {
            reason: reason.to_owned(),
            detail: reason.to_owned(),
        }
    }

    /// The file is larger than the size cap `cap`: `size` bytes, when its metadata says so
    /// (else reading it passed the cap).
    pub(crate) fn too_large(size: Option<u64>, cap: u64) -> Self {
        let size = size.map_or_else(String::new, |s| format!(" ({s} bytes)"));
        Failure {
            reason: "larger than the size cap (--max-file-size)".to_owned(),
            detail: format!(
                "file larger than the size cap of {cap} bytes{size}; not read (--max-file-size)"
            ),
        }
    }

    /// The file is not UTF-8; `line` is the line of the first invalid byte.
    pub(crate) fn not_utf8(line: u32) -> Self {
        Failure {
            reason: "not valid UTF-8".to_owned(),
            detail: format!("not valid UTF-8 (first invalid byte at line {line})"),
        }
    }

    /// The YAML stream stops parsing at `line` (the documents before it are still checked).
    pub(crate) fn syntax(line: u32, message: &str) -> Self {
        Failure {
            reason: "YAML syntax error".to_owned(),
            detail: format!("YAML syntax error at line {line}: {message}"),
        }
    }
}
