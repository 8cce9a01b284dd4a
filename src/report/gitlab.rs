//! `--format gitlab`: GitLab Code Quality JSON (an array of Code Climate issues).

use serde::Serialize;

use crate::engine::Run;
use crate::finding::Fingerprint;
use crate::rule::Severity;

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: &'static str,
    fingerprint: Fingerprint,
    severity: &'static str,
    location: Location<'a>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
    end: u32,
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::High => "major",
        Severity::Medium => "minor",
        Severity::Low => "info",
    }
}

/// Render unsuppressed findings as Code Quality JSON.
pub fn render(run: &Run) -> String {
    let issues: Vec<Issue<'_>> = run
        .findings
        .iter()
        .filter(|f| f.suppressed().is_none())
        .map(|f| Issue {
            description: format!("{} [{}]", f.message, f.meta.id),
            check_name: f.meta.id,
            fingerprint: f.fingerprint,
            severity: severity(f.severity),
            location: Location {
                path: &run.files[f.primary.file as usize].path,
                lines: Lines {
                    begin: f.primary.region.line,
                    end: f.primary.region.end_line,
                },
            },
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}
