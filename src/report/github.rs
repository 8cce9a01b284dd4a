//! `--format github`: workflow commands (annotations) with the toolkit's escaping, and a
//! markdown job summary for `$GITHUB_STEP_SUMMARY`.

use std::fmt::Write as _;

use crate::engine::Run;
use crate::rule::Severity;

/// Escape a message (actions/toolkit `escapeData`).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value (actions/toolkit `escapeProperty`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "notice",
    }
}

/// One workflow command per unsuppressed finding.
pub fn render(run: &Run) -> String {
    let mut out = String::new();
    for f in run.findings.iter().filter(|f| f.suppressed().is_none()) {
        let r = f.primary.region;
        let path = &run.files[f.primary.file as usize].path;
        let title = format!("kubeward {} ({})", f.meta.id, f.severity);
        let mut message = f.message.to_string();
        if let Some(h) = &f.help {
            message.push('\n');
            message.push_str(h);
        }
        let _ = writeln!(
            out,
            "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            command(f.severity),
            escape_property(path),
            r.line,
            r.col,
            r.end_line,
            r.end_col,
            escape_property(&title),
            escape_data(&message)
        );
    }
    out
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|")
        .replace('\n', " ")
        .replace('<', "&lt;")
}

/// The markdown job summary.
pub fn step_summary(run: &Run) -> String {
    let active: Vec<_> = run
        .findings
        .iter()
        .filter(|f| f.suppressed().is_none())
        .collect();
    let mut out = String::from("## kubeward\n\n");
    let s = &run.stats;
    let _ = writeln!(
        out,
        "{} files linted, {} documents ({} Kubernetes objects). ",
        s.files_linted, s.documents, s.objects
    );
    if !run.failed_paths.is_empty() {
        let _ = writeln!(
            out,
            "\n{} could not be read or parsed completely:\n",
            if run.failed_paths.len() == 1 {
                "1 file".to_owned()
            } else {
                format!("{} files", run.failed_paths.len())
            }
        );
        for (path, failure) in run.failed_paths.iter().take(50) {
            let _ = writeln!(
                out,
                "- `{}`: {}",
                md_cell(&path.replace('`', "'")),
                md_cell(&failure.detail)
            );
        }
        if run.failed_paths.len() > 50 {
            let _ = writeln!(out, "- … and {} more", run.failed_paths.len() - 50);
        }
    }
    if active.is_empty() {
        out.push_str("\n**No findings.**\n");
        return out;
    }
    out.push('\n');
    out.push_str("| severity | findings |\n|---|---:|\n");
    for sev in Severity::ALL {
        let n = active.iter().filter(|f| f.severity == sev).count();
        if n > 0 {
            let _ = writeln!(out, "| {sev} | {n} |");
        }
    }
    let suppressed = run.findings.len() - active.len();
    if suppressed > 0 {
        let _ = writeln!(out, "\n{suppressed} suppressed.");
    }
    out.push_str("\n| | rule | location | message |\n|---|---|---|---|\n");
    for f in active.iter().take(200) {
        let r = f.primary.region;
        let _ = writeln!(
            out,
            "| {} | [`{}`]({}) | `{}:{}:{}` | {} |",
            f.severity,
            f.meta.id,
            f.meta.url,
            md_cell(&run.files[f.primary.file as usize].path),
            r.line,
            r.col,
            md_cell(&f.message)
        );
    }
    if active.len() > 200 {
        let _ = writeln!(
            out,
            "\n… and {} more (see the SARIF report or the log).",
            active.len() - 200
        );
    }
    out
}
