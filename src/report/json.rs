//! `--format json`: a versioned, documented schema (docs/json-format.md).

use std::collections::BTreeMap;
use std::io::Write as _;

use serde::Serialize;

use crate::engine::Run;
use crate::finding::{Fingerprint, Suppression};
use crate::model::ObjectIdent;

/// Schema version of this output; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Output<'a> {
    schema_version: u32,
    tool: Tool,
    summary: Summary<'a>,
    findings: Findings<'a>,
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
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notices: &'a [String],
    failed_paths: Vec<PathReason<'a>>,
    skipped_paths: Vec<PathReason<'a>>,
}

/// One path that was not linted (completely), and why.
#[derive(Serialize)]
struct PathReason<'a> {
    path: &'a str,
    reason: &'a str,
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
    fingerprint: Fingerprint,
    related: Vec<Related<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<&'a Suppression>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trace: Option<TraceOut<'a>>,
    /// The automatic fix, when the run built fixes (`--fix`, `--diff`, SARIF output).
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<FixOut<'a>>,
    docs: &'static str,
}

/// A finding's automatic fix: what it changes, by route in the finding's document.
#[derive(Serialize)]
struct FixOut<'a> {
    kind: &'static str,
    title: &'a str,
    /// Whether kubeward edits the finding's file (a plain manifest; not rendered output).
    editable: bool,
    /// The file the fix edits (the finding's own, or the Kustomize resource that wrote it).
    path: &'a str,
    document: u32,
    changes: Vec<ChangeOut>,
}

#[derive(Serialize)]
struct ChangeOut {
    /// `set` (the scalar at the route) or `append` (to the sequence at the route).
    op: &'static str,
    route: String,
    value: serde_json::Value,
}

fn fix_out<'a>(f: &'a crate::finding::Fixable, run: &'a crate::engine::Run) -> FixOut<'a> {
    use crate::yaml::Change;
    FixOut {
        kind: f.fix.kind.as_str(),
        title: &f.fix.title,
        editable: f.editable,
        path: run
            .files
            .get(f.file as usize)
            .map_or("", |s| s.path.as_str()),
        document: f.doc,
        changes: f
            .fix
            .changes
            .iter()
            .map(|c| {
                let (op, at, value) = match c {
                    Change::Set { at, value } => ("set", at, value),
                    Change::Append { at, value } => ("append", at, value),
                };
                ChangeOut {
                    op,
                    route: at.to_string(),
                    value: value.json(),
                }
            })
            .collect(),
    }
}

/// Where a finding in rendered output came from.
#[derive(Serialize)]
struct TraceOut<'a> {
    via: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    template: Option<&'a str>,
    rendered: Position<'a>,
    rendered_is_input: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    overlays: Vec<&'a str>,
}

#[derive(Serialize)]
struct Position<'a> {
    path: &'a str,
    line: u32,
    column: u32,
}

/// One finding in the JSON schema.
fn finding<'a>(run: &'a Run, f: &'a crate::finding::Finding) -> Finding<'a> {
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
        object: f.object.as_deref(),
        route: &f.route,
        fingerprint: f.fingerprint,
        related: f
            .related()
            .iter()
            .map(|rel| Related {
                path: &run.files[rel.at.file as usize].path,
                line: rel.at.region.line,
                column: rel.at.region.col,
                message: &rel.text,
            })
            .collect(),
        suppressed: f.suppressed(),
        fix: f.fix().map(|x| fix_out(x, run)),
        trace: f.trace().map(|t| TraceOut {
            via: t.via,
            template: t.template.as_deref(),
            rendered: Position {
                path: &run.files[t.rendered.file as usize].path,
                line: t.rendered.region.line,
                column: t.rendered.region.col,
            },
            rendered_is_input: t.rendered_is_input,
            overlays: t
                .overlays
                .iter()
                .map(|o| run.files[o.file as usize].path.as_str())
                .collect(),
        }),
        docs: f.meta.url,
    }
}

/// The findings, serialized one at a time.
struct Findings<'a>(&'a Run);

impl Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.0.findings.len()))?;
        for f in &self.0.findings {
            seq.serialize_element(&finding(self.0, f))?;
        }
        seq.end()
    }
}

/// Write the run as JSON to `w`, streaming the findings.
pub fn write(run: &Run, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let active = run.findings.iter().filter(|f| f.suppressed().is_none());
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
                .filter(|f| f.suppressed().is_some())
                .count(),
            by_severity,
            notices: &run.notices,
            failed_paths: run
                .failed_paths
                .iter()
                .map(|(path, f)| PathReason {
                    path,
                    reason: &f.detail,
                })
                .collect(),
            skipped_paths: run
                .skipped_paths
                .iter()
                .map(|(path, reason)| PathReason { path, reason })
                .collect(),
        },
        findings: Findings(run),
    };
    let mut w = std::io::BufWriter::with_capacity(1 << 16, w);
    serde_json::to_writer_pretty(&mut w, &out).map_err(std::io::Error::other)?;
    w.write_all(b"\n")?;
    w.flush()
}
