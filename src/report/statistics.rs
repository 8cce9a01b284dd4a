//! `--statistics`: how many unsuppressed findings each rule has, most first.
//!
//! As ruff's `--statistics`: an aligned table or, with `--format json`, a JSON array.

use std::io::{self, Write};

use serde::Serialize;

use crate::engine::Run;
use crate::rule::Severity;

/// One rule's count.
#[derive(Serialize)]
struct Row {
    rule: &'static str,
    #[serde(skip)]
    level: Severity,
    severity: &'static str,
    count: usize,
    summary: &'static str,
}

/// The rules with findings, most findings first, then by id. A rule whose findings have
/// different severities (a configuration override on some paths) counts under its highest.
fn rows(run: &Run) -> Vec<Row> {
    let mut by: std::collections::BTreeMap<&'static str, Row> = std::collections::BTreeMap::new();
    for f in run.findings.iter().filter(|f| f.suppressed().is_none()) {
        let row = by.entry(f.meta.id).or_insert(Row {
            rule: f.meta.id,
            level: f.severity,
            severity: "",
            count: 0,
            summary: f.meta.summary,
        });
        row.count += 1;
        row.level = row.level.max(f.severity);
    }
    let mut rows: Vec<Row> = by.into_values().collect();
    for r in &mut rows {
        r.severity = r.level.as_str();
    }
    rows.sort_by(|a, b| b.count.cmp(&a.count).then(a.rule.cmp(b.rule)));
    rows
}

/// The table: count, rule id, severity, summary, one rule a line.
///
/// # Errors
/// A failed write.
pub fn write_table(run: &Run, w: &mut dyn Write) -> io::Result<()> {
    let rows = rows(run);
    let count_w = rows
        .iter()
        .map(|r| r.count.to_string().len())
        .max()
        .unwrap_or(1);
    let id_w = rows.iter().map(|r| r.rule.len()).max().unwrap_or(0);
    for r in &rows {
        writeln!(
            w,
            "{:>count_w$}  {:<id_w$}  {:<8}  {}",
            r.count, r.rule, r.severity, r.summary
        )?;
    }
    Ok(())
}

/// The rows as a JSON array of `{rule, severity, count, summary}`.
///
/// # Errors
/// A failed write.
pub fn write_json(run: &Run, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &rows(run))?;
    w.write_all(b"\n")
}
