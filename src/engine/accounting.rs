//! Every path visited accounted for exactly once: linted, failed or skipped, with the reason.
//!
//! Every path visited is accounted for exactly once: linted, failed (with the reason) or skipped
//! (with the reason). The engine notes what went wrong with a file as a
//! [`Failure`](super::Failure); [`tally`] turns the failures and skips of a run into the
//! summary's counts and sorted per-path lists.

use super::run::Run;

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
    use crate::engine::run::Failure;

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
