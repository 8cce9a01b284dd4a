//! `--format junit`: JUnit XML, a test case per finding and per clean file.
//!
//! `--format junit`: JUnit XML, one test case per finding (classname = file path), plus one
//! passing case per linted file without findings so CI dashboards count them.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::engine::Run;

/// Escape text for XML attributes and content; drop characters XML 1.0 cannot carry.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Render the run as JUnit XML.
pub fn render(run: &Run) -> String {
    let active: Vec<_> = run
        .findings
        .iter()
        .filter(|f| f.suppressed().is_none())
        .collect();
    let with_findings: BTreeSet<u32> = active.iter().map(|f| f.primary.file).collect();
    let clean: Vec<_> = run
        .files
        .iter()
        .enumerate()
        .filter(|(i, f)| f.report && !with_findings.contains(&u32::try_from(*i).unwrap_or(0)))
        .collect();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"kubeward\" tests=\"{}\" failures=\"{}\">",
        active.len() + clean.len(),
        active.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"kubeward\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">",
        active.len() + clean.len(),
        active.len()
    );
    for f in &active {
        let path = &run.files[f.primary.file as usize].path;
        let r = f.primary.region;
        let object = f
            .object
            .as_ref()
            .map_or_else(String::new, |o| format!(" {}", o.display()));
        let name = format!("{}{} line {}", f.meta.id, object, r.line);
        let _ = writeln!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\">",
            xml_escape(path),
            xml_escape(&name)
        );
        let body = format!(
            "{path}:{}:{}: {}\n{}\n{}",
            r.line,
            r.col,
            f.message,
            f.help
                .as_deref()
                .map(super::plain::help)
                .unwrap_or_default(),
            f.meta.url
        );
        let _ = writeln!(
            out,
            "      <failure message=\"{}\" type=\"{}\">{}</failure>",
            xml_escape(&f.message),
            f.severity,
            xml_escape(&body)
        );
        out.push_str("    </testcase>\n");
    }
    for (_, file) in clean {
        let _ = writeln!(
            out,
            "    <testcase classname=\"{}\" name=\"no findings\"/>",
            xml_escape(&file.path)
        );
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
