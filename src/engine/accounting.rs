//! Every path visited is accounted for exactly once: linted, failed (with the reason) or skipped
//! (with the reason). The engine notes what went wrong with a file as a [`Failure`]; [`tally`]
//! turns the failures and skips of a run into the summary's counts and sorted per-path lists.

use crate::engine::Run;

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

/// Count the failed and skipped paths of `run` by reason and sort both lists by path, so that
/// `files_linted + files_failed + Σ files_skipped` is the number of paths visited (a path that
/// ignore files or a hidden name left out of a walk counts once, as skipped, a directory too).
pub(crate) fn tally(run: &mut Run) {
    run.failed_paths.sort();
    run.failed_paths.dedup();
    run.skipped_paths.sort();
    run.skipped_paths.dedup();
    let s = &mut run.stats;
    s.files_failed = run.failed_paths.len();
    s.files_failed_reasons.clear();
    for (_, f) in &run.failed_paths {
        *s.files_failed_reasons.entry(f.reason.clone()).or_default() += 1;
    }
    s.files_skipped.clear();
    for (_, reason) in &run.skipped_paths {
        *s.files_skipped.entry(reason.clone()).or_default() += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_and_skips_are_counted_by_reason_and_sorted() {
        let mut run = Run {
            skipped_paths: vec![
                ("z.txt".into(), "not a .yaml, .yml or .json file".into()),
                ("a.txt".into(), "not a .yaml, .yml or .json file".into()),
            ],
            failed_paths: vec![
                (
                    "b.yaml".into(),
                    Failure::syntax(3, "did not find expected key"),
                ),
                ("a.yaml".into(), Failure::binary()),
                ("c.yaml".into(), Failure::syntax(1, "tabs")),
            ],
            ..Run::default()
        };
        tally(&mut run);
        assert_eq!(run.stats.files_failed, 3);
        assert_eq!(run.stats.files_failed_reasons["YAML syntax error"], 2);
        assert_eq!(
            run.stats.files_failed_reasons["binary file (contains NUL bytes)"],
            1
        );
        assert_eq!(
            run.stats.files_skipped["not a .yaml, .yml or .json file"],
            2
        );
        assert_eq!(run.failed_paths[0].0, "a.yaml");
        assert_eq!(run.skipped_paths[0].0, "a.txt");
        assert_eq!(
            run.failed_paths[1].1.detail,
            "YAML syntax error at line 3: did not find expected key"
        );
    }

    #[test]
    fn unreadable_files_name_the_error_kind() {
        let e = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert_eq!(
            Failure::unreadable(&e).reason,
            "cannot read file (permission denied)"
        );
    }
}
