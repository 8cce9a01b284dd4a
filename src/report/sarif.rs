//! SARIF 2.1.0 for GitHub code scanning (INTEGRATION.md §1): every enabled rule in
//! `driver.rules` (stable `ruleIndex`), tight regions, related locations, a stable
//! `partialFingerprints["kubeward/v1"]`, and masked-free messages (rules never put secrets in
//! messages; no snippets are emitted).

use std::collections::BTreeMap;

use std::io::Write;

use serde::Serialize;
use serde_json::json;
use serde_sarif::sarif::{
    ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation, PropertyBag,
    Region, ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel,
    Run as SarifRun, RunAutomationDetails, Suppression, Tool, ToolComponent,
};

use crate::docs;
use crate::engine::Run;
use crate::finding::Location as Loc;
use crate::rule::{Rule, Severity};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFO_URI: &str = "https://github.com/kubeward/kubeward";

fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Low => ResultLevel::Note,
        Severity::Medium => ResultLevel::Warning,
        Severity::High | Severity::Critical => ResultLevel::Error,
    }
}

fn descriptor(rule: &dyn Rule) -> ReportingDescriptor {
    let m = rule.meta();
    let mut props = BTreeMap::new();
    props.insert(
        "security-severity".to_owned(),
        json!(m.severity.security_score()),
    );
    props.insert(
        "precision".to_owned(),
        json!(if m.pss.is_some() { "very-high" } else { "high" }),
    );
    props.insert(
        "problem.severity".to_owned(),
        json!(match m.severity {
            Severity::Low => "recommendation",
            Severity::Medium => "warning",
            Severity::High | Severity::Critical => "error",
        }),
    );
    let mut tags = vec!["security".to_owned(), m.category.as_str().to_owned()];
    if let Some(level) = m.pss {
        tags.push(format!("pss-{}", level.as_str()));
    }
    let mut d = ReportingDescriptor::builder().id(m.id).build();
    d = ReportingDescriptor {
        name: Some(m.name.to_owned()),
        short_description: Some(text(m.summary.to_owned())),
        full_description: Some(text(truncate(&docs::what_it_flags(m), 1000))),
        help: Some({
            let mut h = text(truncate(&m.docs_text(), 20_000));
            h.markdown = Some(docs::rule_markdown(m));
            h
        }),
        help_uri: Some(m.url.to_owned()),
        default_configuration: Some(ReportingConfiguration {
            level: Some(json!(m.severity.sarif_level())),
            ..Default::default()
        }),
        properties: Some(PropertyBag {
            tags: Some(tags),
            additional_properties: props,
        }),
        ..d
    };
    d
}

fn text(t: String) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(t).build()
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max - 1;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

fn location(run: &Run, at: &Loc, message: Option<&str>, id: Option<i64>) -> Location {
    let r = at.region;
    let path = &run.files[at.file as usize].path;
    Location {
        id,
        message: message.map(|m| Message {
            text: Some(m.to_owned()),
            ..Default::default()
        }),
        physical_location: Some(PhysicalLocation {
            artifact_location: Some(artifact(path)),
            region: Some(Region {
                start_line: Some(i64::from(r.line)),
                start_column: Some(i64::from(r.col)),
                end_line: Some(i64::from(r.end_line)),
                end_column: Some(i64::from(r.end_col)),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A repository-relative URI under `%SRCROOT%`; paths outside the working directory (absolute)
/// become `file://` URIs, and standard input keeps its name.
fn artifact(path: &str) -> ArtifactLocation {
    if path.starts_with('/') {
        ArtifactLocation {
            uri: Some(format!("file://{}", uri_escape(path))),
            ..Default::default()
        }
    } else {
        ArtifactLocation {
            uri: Some(uri_escape(path)),
            uri_base_id: Some("%SRCROOT%".to_owned()),
            ..Default::default()
        }
    }
}

/// Percent-encode what a relative URI reference cannot hold as is.
fn uri_escape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One SARIF result.
fn result(run: &Run, index: &BTreeMap<&str, i64>, f: &crate::finding::Finding) -> SarifResult {
    let related: Vec<Location> = f
        .related
        .iter()
        .enumerate()
        .map(|(i, rel)| {
            location(
                run,
                &rel.at,
                Some(&rel.text),
                Some(i64::try_from(i + 1).unwrap_or(0)),
            )
        })
        .collect();
    let mut related = related;
    if let Some(t) = f.trace.as_deref() {
        let mut extra = Vec::new();
        if t.rendered_is_input && t.rendered.file != f.primary.file {
            extra.push((t.rendered, "rendered output (Helm)".to_owned()));
        }
        for o in &t.overlays {
            extra.push((*o, "rendered in this Kustomize overlay".to_owned()));
        }
        for (at, msg) in extra {
            let id = i64::try_from(related.len() + 1).unwrap_or(0);
            related.push(location(run, &at, Some(&msg), Some(id)));
        }
    }
    let mut fp = BTreeMap::new();
    fp.insert("kubeward/v1".to_owned(), f.fingerprint.to_string());
    let mut props = BTreeMap::new();
    props.insert("severity".to_owned(), json!(f.severity.as_str()));
    if let Some(o) = &f.object {
        props.insert("object".to_owned(), json!(**o));
    }
    if !f.route.is_empty() {
        props.insert("route".to_owned(), json!(&*f.route));
    }
    if let Some(t) = f.trace.as_deref() {
        props.insert("renderedBy".to_owned(), json!(t.via));
        if let Some(tpl) = &t.template {
            props.insert("helmTemplate".to_owned(), json!(tpl));
        }
        if !t.rendered_is_input {
            props.insert(
                "rendered".to_owned(),
                json!({
                    "stream": run.files[t.rendered.file as usize].path,
                    "line": t.rendered.region.line,
                    "column": t.rendered.region.col,
                }),
            );
        }
        if !t.overlays.is_empty() {
            let paths: Vec<&str> = t
                .overlays
                .iter()
                .map(|o| run.files[o.file as usize].path.as_str())
                .collect();
            props.insert("kustomizeOverlays".to_owned(), json!(paths));
        }
    }
    let mut text = f.message.to_string();
    if let Some(h) = &f.help {
        text.push_str(". ");
        text.push_str(h);
    }
    let base = SarifResult::builder()
        .message(Message {
            text: Some(text),
            ..Default::default()
        })
        .build();
    SarifResult {
        rule_id: Some(f.meta.id.to_owned()),
        rule_index: index.get(f.meta.id).copied(),
        level: Some(level(f.severity)),
        locations: Some(vec![location(run, &f.primary, None, None)]),
        related_locations: (!related.is_empty()).then_some(related),
        partial_fingerprints: Some(fp),
        suppressions: f.suppressed.as_ref().map(|s| {
            let mut sup = Suppression::builder().kind(json!(s.kind)).build();
            sup.justification = Some(s.justification.clone());
            vec![sup]
        }),
        properties: Some(PropertyBag {
            tags: None,
            additional_properties: props,
        }),
        ..base
    }
}

/// Stands for the results in the serialized log; they are written in its place.
const RESULTS_MARK: &str = "\u{0}kubeward-results\u{0}";

/// The results array, pretty-printed at its depth in the log (8 spaces in): serialized in
/// parallel a block at a time, written in order (no tree of every result in memory).
fn write_results(run: &Run, index: &BTreeMap<&str, i64>, w: &mut dyn Write) -> std::io::Result<()> {
    use rayon::prelude::*;
    const BLOCK: usize = 16_384;
    const CHUNK: usize = 256;
    if run.findings.is_empty() {
        return w.write_all(b"[]");
    }
    w.write_all(b"[")?;
    for (b, block) in run.findings.chunks(BLOCK).enumerate() {
        let parts: Vec<std::io::Result<Vec<u8>>> = block
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(c, chunk)| {
                let mut out = Indented(Vec::with_capacity(chunk.len() * 2048));
                for (i, f) in chunk.iter().enumerate() {
                    let first = b == 0 && c == 0 && i == 0;
                    out.0.extend_from_slice(if first { b"\n" } else { b",\n" });
                    out.0.extend_from_slice(INDENT);
                    serde_json::to_writer_pretty(&mut out, &result(run, index, f))
                        .map_err(std::io::Error::other)?;
                }
                Ok(out.0)
            })
            .collect();
        for part in parts {
            w.write_all(&part?)?;
        }
    }
    w.write_all(b"\n      ]")
}

/// Eight spaces: where a result starts in the pretty-printed log.
const INDENT: &[u8] = b"        ";

/// A writer that indents every line after the first by [`INDENT`] (serde_json writes line
/// breaks only between tokens; line breaks in strings are escaped).
struct Indented(Vec<u8>);

impl Write for Indented {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut rest = buf;
        while let Some(n) = rest.iter().position(|&c| c == b'\n') {
            self.0.extend_from_slice(&rest[..=n]);
            self.0.extend_from_slice(INDENT);
            rest = &rest[n + 1..];
        }
        self.0.extend_from_slice(rest);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [RunOut<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunOut<'a> {
    tool: Tool,
    results: &'a str,
    column_kind: &'static str,
    original_uri_base_ids: BTreeMap<String, ArtifactLocation>,
    automation_details: RunAutomationDetails,
}

/// Write the run as SARIF to `w`, streaming the results. `rules` are the enabled rules, in
/// registry order.
pub fn write(
    run: &Run,
    rules: &[&'static dyn Rule],
    category: Option<&str>,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    let index: BTreeMap<&str, i64> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.meta().id, i64::try_from(i).unwrap_or(0)))
        .collect();
    let mut base = BTreeMap::new();
    base.insert(
        "%SRCROOT%".to_owned(),
        ArtifactLocation {
            description: Some(Message {
                text: Some("The directory kubeward ran in.".into()),
                ..Default::default()
            }),
            ..Default::default()
        },
    );
    let mut driver = ToolComponent::builder().name("kubeward").build();
    driver.semantic_version = Some(env!("CARGO_PKG_VERSION").to_owned());
    driver.version = Some(env!("CARGO_PKG_VERSION").to_owned());
    driver.information_uri = Some(INFO_URI.to_owned());
    driver.rules = Some(rules.iter().map(|r| descriptor(*r)).collect());
    let mut sarif_run = SarifRun::builder()
        .tool(Tool::builder().driver(driver).build())
        .build();
    sarif_run.column_kind = Some(json!("unicodeCodePoints"));
    sarif_run.original_uri_base_ids = Some(base);
    sarif_run.automation_details = Some(RunAutomationDetails {
        id: Some(format!("{}/", category.unwrap_or("kubeward"))),
        ..Default::default()
    });
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [RunOut {
            tool: sarif_run.tool,
            results: RESULTS_MARK,
            column_kind: "unicodeCodePoints",
            original_uri_base_ids: sarif_run.original_uri_base_ids.unwrap_or_default(),
            automation_details: sarif_run.automation_details.unwrap_or_default(),
        }],
    };
    let log = serde_json::to_vec_pretty(&log).map_err(std::io::Error::other)?;
    let mark = serde_json::to_vec(RESULTS_MARK).map_err(std::io::Error::other)?;
    let at = log
        .windows(mark.len())
        .position(|win| win == mark.as_slice())
        .ok_or_else(|| std::io::Error::other("internal error: results mark not in the log"))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 16, w);
    w.write_all(&log[..at])?;
    write_results(run, &index, &mut w)?;
    w.write_all(&log[at + mark.len()..])?;
    w.write_all(b"\n")?;
    w.flush()
}
