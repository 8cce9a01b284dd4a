//! SARIF 2.1.0 for GitHub code scanning (INTEGRATION.md §1): every enabled rule in
//! `driver.rules` (stable `ruleIndex`), tight regions, related locations, a stable
//! `partialFingerprints["kubeward/v1"]`, and masked-free messages (rules never put secrets in
//! messages; no snippets are emitted).

use std::collections::BTreeMap;

use std::io::Write;

use serde::Serialize;
use serde_json::json;
use serde_sarif::sarif::{
    ArtifactLocation, Message, MultiformatMessageString, PropertyBag, ReportingConfiguration,
    ReportingDescriptor, ResultLevel, Run as SarifRun, RunAutomationDetails, Tool, ToolComponent,
};

use super::pretty::Pretty;
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

// One result as written: field for field what `serde_sarif` writes (its fields are in
// alphabetical order, absent ones skipped), built without maps or JSON values, borrowing from
// the finding.

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultOut<'a> {
    level: ResultLevel,
    locations: [LocationOut<'a>; 1],
    message: MessageOut<'a>,
    partial_fingerprints: FingerprintsOut,
    properties: PropertiesOut<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<LocationOut<'a>>,
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<[SuppressionOut<'a>; 1]>,
}

#[derive(Serialize)]
struct MessageOut<'a> {
    text: std::borrow::Cow<'a, str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LocationOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<MessageOut<'a>>,
    physical_location: PhysicalOut<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalOut<'a> {
    artifact_location: &'a ArtifactOut,
    region: RegionOut,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactOut {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RegionOut {
    end_column: u32,
    end_line: u32,
    start_column: u32,
    start_line: u32,
}

#[derive(Serialize)]
struct FingerprintsOut {
    #[serde(rename = "kubeward/v1")]
    v1: crate::finding::Fingerprint,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PropertiesOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    helm_template: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    kustomize_overlays: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    object: Option<ObjectOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rendered: Option<RenderedOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rendered_by: Option<&'static str>,
    #[serde(skip_serializing_if = "str::is_empty")]
    route: &'a str,
    severity: &'static str,
}

/// An object's identity, keys sorted, absent ones `null`.
#[derive(Serialize)]
struct ObjectOut<'a> {
    #[serde(rename = "apiVersion")]
    api_version: &'a str,
    kind: &'a str,
    name: Option<&'a str>,
    namespace: Option<&'a str>,
}

#[derive(Serialize)]
struct RenderedOut<'a> {
    column: u32,
    line: u32,
    stream: &'a str,
}

#[derive(Serialize)]
struct SuppressionOut<'a> {
    justification: &'a str,
    kind: &'static str,
}

/// What a result needs besides its finding: the run, rule indices, each file's artifact.
struct Shared<'a> {
    run: &'a Run,
    index: &'a BTreeMap<&'a str, i64>,
    /// Per file of the run, escaped once (not per location).
    artifacts: Vec<ArtifactOut>,
}

fn location<'a>(
    shared: &'a Shared<'_>,
    at: &Loc,
    message: Option<&'a str>,
    id: Option<i64>,
) -> LocationOut<'a> {
    let r = at.region;
    LocationOut {
        id,
        message: message.map(|m| MessageOut { text: m.into() }),
        physical_location: PhysicalOut {
            artifact_location: &shared.artifacts[at.file as usize],
            region: RegionOut {
                end_column: r.end_col,
                end_line: r.end_line,
                start_column: r.col,
                start_line: r.line,
            },
        },
    }
}

/// A repository-relative URI under `%SRCROOT%`; paths outside the working directory (absolute)
/// become `file://` URIs, and standard input keeps its name.
fn artifact(path: &str) -> ArtifactOut {
    if path.starts_with('/') {
        ArtifactOut {
            uri: format!("file://{}", uri_escape(path)),
            uri_base_id: None,
        }
    } else {
        ArtifactOut {
            uri: uri_escape(path),
            uri_base_id: Some("%SRCROOT%"),
        }
    }
}

/// Percent-encode what a relative URI reference cannot hold as is.
fn uri_escape(path: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
    out
}

/// One SARIF result; `text` is the message with its help (see [`message_text`]).
fn result<'a>(
    shared: &'a Shared<'_>,
    f: &'a crate::finding::Finding,
    text: &'a str,
) -> ResultOut<'a> {
    let run = shared.run;
    let mut related: Vec<LocationOut<'a>> = f
        .related()
        .iter()
        .enumerate()
        .map(|(i, rel)| {
            location(
                shared,
                &rel.at,
                Some(&rel.text),
                Some(i64::try_from(i + 1).unwrap_or(0)),
            )
        })
        .collect();
    let mut properties = PropertiesOut {
        helm_template: None,
        kustomize_overlays: Vec::new(),
        object: f.object.as_deref().map(|o| ObjectOut {
            api_version: &o.api_version,
            kind: &o.kind,
            name: o.name.as_deref(),
            namespace: o.namespace.as_deref(),
        }),
        rendered: None,
        rendered_by: None,
        route: &f.route,
        severity: f.severity.as_str(),
    };
    if let Some(t) = f.trace() {
        let mut extra = Vec::new();
        if t.rendered_is_input && t.rendered.file != f.primary.file {
            extra.push((t.rendered, "rendered output (Helm)"));
        }
        for o in &t.overlays {
            extra.push((*o, "rendered in this Kustomize overlay"));
        }
        for (at, msg) in extra {
            let id = i64::try_from(related.len() + 1).unwrap_or(0);
            related.push(location(shared, &at, Some(msg), Some(id)));
        }
        properties.rendered_by = Some(t.via);
        properties.helm_template = t.template.as_deref();
        if !t.rendered_is_input {
            properties.rendered = Some(RenderedOut {
                column: t.rendered.region.col,
                line: t.rendered.region.line,
                stream: &run.files[t.rendered.file as usize].path,
            });
        }
        properties.kustomize_overlays = t
            .overlays
            .iter()
            .map(|o| run.files[o.file as usize].path.as_str())
            .collect();
    }
    ResultOut {
        level: level(f.severity),
        locations: [location(shared, &f.primary, None, None)],
        message: MessageOut { text: text.into() },
        partial_fingerprints: FingerprintsOut { v1: f.fingerprint },
        properties,
        related_locations: related,
        rule_id: f.meta.id,
        rule_index: shared.index.get(f.meta.id).copied(),
        suppressions: f.suppressed().map(|s| {
            [SuppressionOut {
                justification: &s.justification,
                kind: s.kind,
            }]
        }),
    }
}

/// A result's message text into `out`: the finding's message, then its help.
fn message_text(f: &crate::finding::Finding, out: &mut String) {
    out.clear();
    out.push_str(&f.message);
    if let Some(h) = &f.help {
        out.push_str(". ");
        out.push_str(h);
    }
}

/// Stands for the results in the serialized log; they are written in its place.
const RESULTS_MARK: &str = "\u{0}kubeward-results\u{0}";

/// The results array, pretty-printed at its depth in the log (8 spaces in): serialized in
/// parallel a block at a time, written in order (no tree of every result in memory).
fn write_results(shared: &Shared<'_>, w: &mut dyn Write) -> std::io::Result<()> {
    let run = shared.run;
    use rayon::prelude::*;
    const BLOCK: usize = 1024;
    const CHUNK: usize = 128;
    if run.findings.is_empty() {
        return w.write_all(b"[]");
    }
    w.write_all(b"[")?;
    // The chunks' buffers, used again block after block: fresh memory costs a page fault per
    // 4 KB written (a third of a small run's page faults were the results').
    let pool: std::sync::Mutex<Vec<Vec<u8>>> = std::sync::Mutex::default();
    for (b, block) in run.findings.chunks(BLOCK).enumerate() {
        let parts: Vec<std::io::Result<Vec<u8>>> = block
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(c, chunk)| {
                let mut out = pool
                    .lock()
                    .ok()
                    .and_then(|mut p| p.pop())
                    .unwrap_or_else(|| Vec::with_capacity(chunk.len() * RESULT_ROOM));
                let mut text = String::new();
                for (i, f) in chunk.iter().enumerate() {
                    let first = b == 0 && c == 0 && i == 0;
                    out.extend_from_slice(if first { b"\n" } else { b",\n" });
                    out.extend_from_slice(INDENT);
                    message_text(f, &mut text);
                    result(shared, f, &text)
                        .serialize(&mut Pretty::new(&mut out, INDENT.len() / 2))
                        .map_err(std::io::Error::other)?;
                }
                Ok(out)
            })
            .collect();
        for part in parts {
            let mut part = part?;
            w.write_all(&part)?;
            part.clear();
            if let Ok(mut p) = pool.lock() {
                p.push(part);
            }
        }
    }
    w.write_all(b"\n      ]")
}

/// Room for a result in a chunk's buffer: results take 1.8-1.9 KB on average (the generated
/// corpora), and a buffer that outgrows its room is copied whole into one twice its size.
/// Room that is never written costs no memory.
const RESULT_ROOM: usize = 2560;

/// Eight spaces: where a result starts in the pretty-printed log.
const INDENT: &[u8] = b"        ";

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

/// The log without its results, pretty-printed and split where they go: the tool section (every
/// enabled rule with its help, a quarter of a megabyte) depends only on the rules, so it can be
/// built while the files are linted.
pub struct Frame {
    log: Vec<u8>,
    /// Where the results go in `log`, and how many bytes of it the results mark takes.
    at: usize,
    mark: usize,
}

/// The frame of a log for `rules` (the enabled rules, in registry order).
pub fn frame(rules: &[&'static dyn Rule], category: Option<&str>) -> std::io::Result<Frame> {
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
    let at = memchr::memmem::find(&log, &mark)
        .ok_or_else(|| std::io::Error::other("internal error: results mark not in the log"))?;
    Ok(Frame {
        log,
        at,
        mark: mark.len(),
    })
}

/// Write the run as SARIF to `w`, streaming the results. `rules` are the enabled rules, in
/// registry order.
pub fn write(
    run: &Run,
    rules: &[&'static dyn Rule],
    category: Option<&str>,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    write_framed(run, rules, &frame(rules, category)?, w)
}

/// Write the run as SARIF to `w` in a frame built for the same `rules`.
pub fn write_framed(
    run: &Run,
    rules: &[&'static dyn Rule],
    frame: &Frame,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    let index: BTreeMap<&str, i64> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.meta().id, i64::try_from(i).unwrap_or(0)))
        .collect();
    let mut w = std::io::BufWriter::with_capacity(1 << 16, w);
    w.write_all(&frame.log[..frame.at])?;
    let shared = Shared {
        run,
        index: &index,
        artifacts: run.files.iter().map(|f| artifact(&f.path)).collect(),
    };
    write_results(&shared, &mut w)?;
    w.write_all(&frame.log[frame.at + frame.mark..])?;
    w.write_all(b"\n")?;
    w.flush()
}
