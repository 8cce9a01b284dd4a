//! `--format github`: workflow command annotations and a markdown job summary.
//!
//! `--format github`: workflow commands (annotations) with the toolkit's escaping, and a
//! markdown job summary for `$GITHUB_STEP_SUMMARY`.
//!
//! Both are rendered by GitHub from text the input chose (file names, object names in
//! messages), so both are made inert: a value of a workflow command has its control characters
//! escaped (an escape sequence never reaches the log viewer) and cannot end its command or
//! start another; every input-derived text of the job summary sits in a code span, where
//! Markdown and HTML are not interpreted (no link, image, autolink or tag), with its line
//! breaks escaped and, in tables, its `|` escaped, so it cannot leave its cell.

use std::fmt::Write as _;

use super::inert;
use super::summary::{active_by_severity, plural};
use crate::engine::Run;
use crate::rule::Severity;

/// Escape a message (actions/toolkit `escapeData`), with every control character but line
/// breaks and tabs made visible first.
pub fn escape_data(s: &str) -> String {
    inert::annotation(s)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value (actions/toolkit `escapeProperty`), as [`escape_data`] does.
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
            message.push_str(&super::plain::help(h));
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

/// `s` as a Markdown code span: shown as written, never interpreted. Control characters and
/// line breaks are escaped (a code span holds one line); the fence is longer than any run of
/// backticks inside. `in_table`: `|` escaped too, so that the text stays in its cell.
pub fn code(s: &str, in_table: bool) -> String {
    let s = inert::path(s);
    let s = if in_table {
        table_cell(&s)
    } else {
        s.into_owned()
    };
    if s.is_empty() {
        return "` `".to_owned();
    }
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    // A space on each side keeps a backtick at either end apart from the fence, and is taken
    // away again by the renderer (as is one of the spaces of a text that starts and ends with
    // one).
    let pad = s.starts_with(['`', ' ']) || s.ends_with(['`', ' ']);
    let sp = if pad { " " } else { "" };
    format!("{fence}{sp}{s}{sp}{fence}")
}

/// `s` with every `|` escaped for a GFM table, which splits a row before it reads code spans:
/// at every `|` that does not end a `\x` pair, a run of backslashes counting from its start.
/// So `|` becomes `\|`, and a backslash that would pair with that escape gets one of its own.
fn table_cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut backslashes = 0;
    for c in s.chars() {
        if c == '|' {
            if backslashes % 2 == 1 {
                out.push('\\');
            }
            out.push_str("\\|");
            backslashes = 0;
            continue;
        }
        backslashes = if c == '\\' { backslashes + 1 } else { 0 };
        out.push(c);
    }
    out
}

/// The markdown job summary. It leads with what matters: how many findings at each severity
/// and for each rule, and a link to the full SARIF report (`sarif_link`, when it was uploaded
/// somewhere); then what was linted; then the findings, most severe first.
pub fn step_summary(run: &Run, sarif_link: Option<&str>) -> String {
    let (mut active, counts) = active_by_severity(run);
    // Most severe first; within a severity, in the run's order (by file and place).
    active.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let mut out = String::from("## kubeward\n\n");
    let suppressed = run.findings.len() - active.len();
    if active.is_empty() {
        out.push_str("**No findings.**");
    } else {
        let _ = write!(
            out,
            "**{}**: {counts}.",
            plural(active.len(), "finding", "findings"),
        );
    }
    if suppressed > 0 {
        let _ = write!(out, " {suppressed} suppressed.");
    }
    out.push('\n');
    if let Some(link) = sarif_link {
        let _ = writeln!(out, "\nFull report: [SARIF results]({link}).");
    }
    if !active.is_empty() {
        out.push_str("\n| severity | findings |\n|---|---:|\n");
        for sev in &Severity::ALL {
            let n = active.iter().filter(|f| f.severity == *sev).count();
            if n > 0 {
                let _ = writeln!(out, "| {sev} | {n} |");
            }
        }
        // Per rule: most findings first, then by severity and id.
        let mut rules: Vec<(&crate::rule::Meta, Severity, usize)> = Vec::new();
        for f in &active {
            match rules.iter_mut().find(|(m, _, _)| m.id == f.meta.id) {
                Some((_, sev, n)) => {
                    *n += 1;
                    *sev = (*sev).max(f.severity);
                }
                None => rules.push((f.meta, f.severity, 1)),
            }
        }
        rules.sort_by(|a, b| b.2.cmp(&a.2).then(b.1.cmp(&a.1)).then(a.0.id.cmp(b.0.id)));
        out.push_str("\n| rule | severity | findings |\n|---|---|---:|\n");
        for (m, sev, n) in &rules {
            let _ = writeln!(out, "| [`{}`]({}) | {sev} | {n} |", m.id, m.url);
        }
    }
    let s = &run.stats;
    let _ = writeln!(
        out,
        "\n{} files linted, {} documents ({} Kubernetes objects). ",
        s.files_linted, s.documents, s.objects
    );
    // What ignore files and hidden names kept out of the walk, with the flag that lints it.
    let left_out = |reason: &str| s.files_skipped.get(reason).copied().unwrap_or(0);
    let ignored = left_out(crate::input::IGNORED);
    let hidden = left_out(crate::input::HIDDEN);
    if ignored + hidden > 0 {
        let mut parts = Vec::new();
        let them = |n: usize| if n == 1 { "it" } else { "them" };
        if ignored > 0 {
            parts.push(format!(
                "{} ignored by `.gitignore` or `.ignore` (`--no-ignore` lints {})",
                plural(ignored, "path", "paths"),
                them(ignored)
            ));
        }
        if hidden > 0 {
            parts.push(format!(
                "{} hidden (`--hidden` lints {})",
                plural(hidden, "path", "paths"),
                them(hidden)
            ));
        }
        let _ = writeln!(out, "\nNot linted: {}.", parts.join(", "));
    }
    if !run.notices.is_empty() {
        out.push('\n');
        for n in &run.notices {
            let _ = writeln!(out, "- {}", code(n, false));
        }
    }
    if !run.failed_paths.is_empty() {
        let _ = writeln!(
            out,
            "\n{} could not be read or parsed completely:\n",
            plural(run.failed_paths.len(), "file", "files")
        );
        for (path, failure) in run.failed_paths.iter().take(50) {
            let _ = writeln!(
                out,
                "- {}: {}",
                code(path, false),
                code(&failure.detail, false)
            );
        }
        if run.failed_paths.len() > 50 {
            let _ = writeln!(out, "- … and {} more", run.failed_paths.len() - 50);
        }
    }
    if active.is_empty() {
        return out;
    }
    out.push_str("\n| | rule | location | message |\n|---|---|---|---|\n");
    for f in active.iter().take(200) {
        let r = f.primary.region;
        let location = format!(
            "{}:{}:{}",
            run.files[f.primary.file as usize].path, r.line, r.col
        );
        let _ = writeln!(
            out,
            "| {} | [`{}`]({}) | {} | {} |",
            f.severity,
            f.meta.id,
            f.meta.url,
            code(&location, true),
            code(&f.message, true)
        );
    }
    if active.len() > 200 {
        let rest = active.len() - 200;
        let _ = match sarif_link {
            Some(link) => writeln!(
                out,
                "\n… and {rest} more, less severe: see the [SARIF results]({link}) or the log."
            ),
            None => writeln!(out, "\n… and {rest} more, less severe (see the log)."),
        };
    }
    out
}

/// `--sarif-link`: an `http(s)` URL whose characters need no escaping in a Markdown link
/// (no spaces, parentheses, angle brackets, quotes, backslashes or control characters).
pub fn check_link(s: &str) -> Result<String, String> {
    let ok = (s.starts_with("https://") || s.starts_with("http://"))
        && s.len() <= 2000
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&*+,;=%".contains(c));
    if ok {
        Ok(s.to_owned())
    } else {
        Err("expected an http(s) URL without spaces, quotes, parentheses or angle brackets".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_hold_any_text_as_written() {
        assert_eq!(code("deploy/app.yaml", false), "`deploy/app.yaml`");
        assert_eq!(code("a `b` c", false), "``a `b` c``");
        assert_eq!(code("`x``", false), "``` `x`` ```");
        assert_eq!(code("[a](http://x) | b", true), "`[a](http://x) \\| b`");
        assert_eq!(
            code("two\nlines\u{1b}[2J", false),
            "`two\\nlines\\u{1b}[2J`"
        );
        assert_eq!(code("", false), "` `");
        // A backslash before a pipe cannot take the pipe's escape for itself.
        assert_eq!(code("a\\|b\\\\|c", true), "`a\\\\\\|b\\\\\\|c`");
    }

    #[test]
    fn sarif_links_are_plain_urls() {
        assert!(check_link("https://github.com/o/r/security/code-scanning?query=pr%3A7").is_ok());
        for bad in [
            "javascript:alert(1)",
            "https://x/a b",
            "https://x/a)[b](c",
            "https://x/<img>",
            "https://x/\"",
        ] {
            assert!(check_link(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn workflow_command_values_keep_no_control_character() {
        assert_eq!(
            escape_property("a\u{1b}[31m,b:c\nd%"),
            "a\\u{1b}[31m%2Cb%3Ac%0Ad%25"
        );
        assert_eq!(
            escape_data("x\r\n::stop-commands::y"),
            "x%0D%0A::stop-commands::y"
        );
    }
}
