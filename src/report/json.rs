//! `--format json`: a versioned, documented schema (docs/json-format.md).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::Run;
use crate::finding::Suppression;
use crate::model::ObjectIdent;

/// Schema version of this output; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Output<'a> {
    schema_version: u32,
    tool: Tool,
    summary: Summary<'a>,
    findings: Vec<Finding<'a>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary<'a> {
    files_linted: usize,
    files_failed: usize,
    files_failed_reasons: &'a BTreeMap<String, usize>,
    files_skipped: &'a BTreeMap<String, usize>,
    documents: usize,
    objects: usize,
    documents_skipped: &'a BTreeMap<String, usize>,
    findings: usize,
    suppressed: usize,
    by_severity: BTreeMap<&'static str, usize>,
    failed_paths: Vec<PathReason<'a>>,
    skipped_paths: Vec<PathReason<'a>>,
}

#[derive(Serialize)]
struct PathReason<'a> {
    path: &'a str,
    reason: &'a str,
}

fn path_reasons(list: &[(String, String)]) -> Vec<PathReason<'_>> {
    list.iter()
        .map(|(path, reason)| PathReason { path, reason })
        .collect()
}

#[derive(Serialize)]
struct Related<'a> {
    path: &'a str,
    line: u32,
    column: u32,
    message: &'a str,
}

#[derive(Serialize)]
struct Finding<'a> {
    rule: &'static str,
    severity: &'static str,
    category: &'static str,
    message: &'a str,
    help: Option<&'a str>,
    path: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    object: Option<&'a ObjectIdent>,
    route: &'a str,
    fingerprint: &'a str,
    related: Vec<Related<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<&'a Suppression>,
    docs: &'static str,
}

/// Render the run as JSON.
pub fn render(run: &Run) -> String {
    let findings: Vec<Finding<'_>> = run
        .findings
        .iter()
        .map(|f| {
            let r = f.primary.region;
            Finding {
                rule: f.meta.id,
                severity: f.severity.as_str(),
                category: f.meta.category.as_str(),
                message: &f.message,
                help: f.help.as_deref(),
                path: &run.files[f.primary.file as usize].path,
                line: r.line,
                column: r.col,
                end_line: r.end_line,
                end_column: r.end_col,
                object: f.object.as_ref(),
                route: &f.route,
                fingerprint: &f.fingerprint,
                related: f
                    .related
                    .iter()
                    .map(|rel| Related {
                        path: &run.files[rel.at.file as usize].path,
                        line: rel.at.region.line,
                        column: rel.at.region.col,
                        message: &rel.text,
                    })
                    .collect(),
                suppressed: f.suppressed.as_ref(),
                docs: f.meta.url,
            }
        })
        .collect();
    let active = run.findings.iter().filter(|f| f.suppressed.is_none());
    let mut by_severity = BTreeMap::new();
    for f in active.clone() {
        *by_severity.entry(f.severity.as_str()).or_insert(0) += 1;
    }
    let out = Output {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "kubeward",
            version: env!("CARGO_PKG_VERSION"),
        },
        summary: Summary {
            files_linted: run.stats.files_linted,
            files_failed: run.stats.files_failed,
            files_failed_reasons: &run.stats.files_failed_reasons,
            files_skipped: &run.stats.files_skipped,
            documents: run.stats.documents,
            objects: run.stats.objects,
            documents_skipped: &run.stats.documents_skipped,
            findings: active.count(),
            suppressed: run
                .findings
                .iter()
                .filter(|f| f.suppressed.is_some())
                .count(),
            by_severity,
            failed_paths: path_reasons(&run.failed_paths),
            skipped_paths: path_reasons(&run.skipped_paths),
        },
        findings,
    };
    let mut s =
        serde_json::to_string_pretty(&out).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
