//! The run summary: every file and document accounted for.

use std::fmt::Write as _;

use super::inert;
use crate::engine::Run;
use crate::finding::Finding;
use crate::rule::Severity;

/// `1 file`, `2 files`.
pub(super) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The run's unsuppressed findings, and how many there are at each severity, most severe first
/// (`1 critical, 2 high`): what both the summary line and the job summary lead with.
pub(super) fn active_by_severity(run: &Run) -> (Vec<&Finding>, String) {
    let active: Vec<&Finding> = run
        .findings
        .iter()
        .filter(|f| f.suppressed().is_none())
        .collect();
    let parts: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|sev| {
            let n = active.iter().filter(|f| f.severity == *sev).count();
            (n > 0).then(|| format!("{n} {sev}"))
        })
        .collect();
    (active, parts.join(", "))
}

/// `N reason, M reason` for counts by reason.
fn by_reason(counts: &std::collections::BTreeMap<String, usize>) -> String {
    let parts: Vec<String> = counts
        .iter()
        .map(|(r, n)| format!("{n} {}", inert::path(r)))
        .collect();
    parts.join(", ")
}

/// The summary printed after human diagnostics (and with `--verbose`, the skipped and failed
/// paths). Every file visited is counted as linted, failed or skipped, with the reasons; paths
/// and reasons are printed one per line with their control characters escaped.
pub fn summary(run: &Run, verbose: bool, show_time: bool) -> String {
    let s = &run.stats;
    let mut out = String::new();
    if verbose {
        for (path, reason) in &run.skipped_paths {
            let _ = writeln!(
                out,
                "skipped {}: {}",
                inert::path(path),
                inert::path(reason)
            );
        }
        for (path, failure) in &run.failed_paths {
            let _ = writeln!(
                out,
                "failed {}: {}",
                inert::path(path),
                inert::path(&failure.detail)
            );
        }
    }
    let skipped_files: usize = s.files_skipped.values().sum();
    let skipped_docs: usize = s.documents_skipped.values().sum();
    let context = if s.files_context > 0 {
        format!(
            " + {} read as context",
            plural(s.files_context, "file", "files")
        )
    } else {
        String::new()
    };
    let failed = if s.files_failed > 0 {
        format!("{} failed, ", s.files_failed)
    } else {
        String::new()
    };
    let _ = write!(
        out,
        "{} linted ({failed}{} skipped){context}, {} ({}, {} skipped)",
        plural(s.files_linted, "file", "files"),
        skipped_files,
        plural(s.documents, "document", "documents"),
        plural(s.objects, "object", "objects"),
        skipped_docs,
    );
    if show_time {
        #[allow(clippy::cast_precision_loss)]
        let mb = s.bytes as f64 / 1_000_000.0;
        let _ = write!(out, ", {mb:.1} MB in {:.0?}", s.elapsed);
    }
    out.push('\n');
    if !s.files_failed_reasons.is_empty() {
        let _ = writeln!(
            out,
            "  failed files: {}",
            by_reason(&s.files_failed_reasons)
        );
    }
    if !s.files_skipped.is_empty() {
        let _ = writeln!(out, "  skipped files: {}", by_reason(&s.files_skipped));
    }
    if !s.documents_skipped.is_empty() {
        let _ = writeln!(
            out,
            "  skipped documents: {}",
            by_reason(&s.documents_skipped)
        );
    }
    for n in &run.notices {
        let _ = writeln!(out, "  note: {}", inert::text(n));
    }
    let (active, counts) = active_by_severity(run);
    let suppressed = run.findings.len() - active.len();
    if active.is_empty() {
        let _ = write!(out, "no findings");
    } else {
        let _ = write!(
            out,
            "{}: {counts}",
            plural(active.len(), "finding", "findings"),
        );
    }
    if suppressed > 0 {
        let _ = write!(out, " ({suppressed} suppressed)");
    }
    out.push('\n');
    out
}
