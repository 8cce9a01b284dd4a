//! SARIF 2.1.0 for GitHub code scanning.
//!
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
    ReportingDescriptor, Run as SarifRun, RunAutomationDetails, Tool, ToolComponent,
};

use super::json_text::{escape_into, write_u64};
use crate::docs;
use crate::engine::Run;
use crate::finding::Finding;
use crate::finding::Location as Loc;
use crate::rule::{Rule, Severity};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFO_URI: &str = "https://github.com/kubeward/kubeward";

/// A rule's descriptor. `severity` is the severity of every finding of the rule in the run: the
/// rule's own, or the one the configuration gives it (`rules.severity`). GitHub takes an alert's
/// severity from `security-severity` only, so it must be the findings' severity.
fn descriptor(rule: &dyn Rule, severity: Severity) -> ReportingDescriptor {
    let m = rule.meta();
    let mut props = BTreeMap::new();
    props.insert(
        "security-severity".to_owned(),
        json!(severity.security_score()),
    );
    props.insert(
        "precision".to_owned(),
        json!(if m.pss.is_some() { "very-high" } else { "high" }),
    );
    props.insert(
        "probleseverity".to_owned(),
        json!(match severity {
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
            level: Some(json!(severity.sarif_level())),
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

/// What a result needs besides its finding: the run, rule indices, each file's artifact.
struct Shared<'a> {
    run: &'a Run,
    index: &'a BTreeMap<&'a str, i64>,
    /// Per file of the run, its `artifactLocation` as written (once, not per location).
    artifacts: Vec<Vec<u8>>,
    /// Per finding, its `"fixes"` member as written (none when the run built no fixes).
    fixes: Vec<Option<Vec<u8>>>,
}

/// The `fixes` of a result: one fix, its changes to the finding's file as replacements (an
/// insertion is an empty `deletedRegion`).
fn fixes_json(path: &str, s: &crate::fix::Suggestion) -> serde_json::Value {
    let uri = if path.starts_with('/') {
        json!({"uri": file_uri(path)})
    } else {
        json!({"uri": relative_uri(path), "uriBaseId": "%SRCROOT%"})
    };
    let replacements: Vec<serde_json::Value> = s
        .edits
        .iter()
        .map(|(r, text)| {
            let mut rep = json!({
                "deletedRegion": {
                    "endColumn": r.end_col,
                    "endLine": r.end_line,
                    "startColumn": r.col,
                    "startLine": r.line,
                }
            });
            if !text.is_empty() {
                rep["insertedContent"] = json!({ "text": text });
            }
            rep
        })
        .collect();
    json!([{
        "artifactChanges": [{"artifactLocation": uri, "replacements": replacements}],
        "description": {"text": format!("{} ({} fix)", s.title, s.kind.as_str())},
    }])
}

/// Each finding's `"fixes": […]` member as `write_result` writes it (10 spaces in).
fn fixes_members(run: &Run) -> Vec<Option<Vec<u8>>> {
    crate::fix::suggestions(run)
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let s = s?;
            let file = run.findings[i].fix()?.file;
            let path = &run.files[file as usize].path;
            let pretty = serde_json::to_string_pretty(&fixes_json(path, &s)).ok()?;
            let mut out = b"\"fixes\": ".to_vec();
            out.extend_from_slice(pretty.replace('\n', "\n          ").as_bytes());
            Some(out)
        })
        .collect()
}

/// A file's `artifactLocation`, as written in a location: a repository-relative URI under
/// `%SRCROOT%`; paths outside the working directory (absolute) become `file://` URIs, and
/// standard input keeps its name.
fn artifact(path: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(path.len() + 96);
    out.extend_from_slice(b"{\n                  \"uri\": ");
    if path.starts_with('/') {
        escape_into(&mut out, &file_uri(path));
    } else {
        escape_into(&mut out, &relative_uri(path));
        out.extend_from_slice(b",\n                  \"uriBaseId\": \"%SRCROOT%\"");
    }
    out.extend_from_slice(b"\n                }");
    out
}

/// An absolute path as a `file:` URI (`/tmp/a b.yaml` → `file:///tmp/a%20b.yaml`).
fn file_uri(path: &str) -> String {
    format!("file://{}", uri_escape(path, true))
}

/// A relative path as a relative URI reference that cannot be read as anything else: every
/// colon percent-encoded, and `./` before a first segment that held one (RFC 3986 §4.2), so
/// that `javascript:alert(1).yaml` is `./javascript%3Aalert(1).yaml`, never a scheme.
fn relative_uri(path: &str) -> String {
    let escaped = uri_escape(path, false);
    if path
        .split('/')
        .next()
        .is_some_and(|first| first.contains(':'))
    {
        format!("./{escaped}")
    } else {
        escaped
    }
}

/// Percent-encode what a URI path cannot hold as is (`colon`: whether `:` may stay).
fn uri_escape(path: &str, colon: bool) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&b) || (colon && b == b':') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
    out
}

#[cfg(test)]
mod uri_tests {
    use super::{file_uri, relative_uri};

    #[test]
    fn relative_uris_cannot_be_read_as_a_scheme() {
        assert_eq!(
            relative_uri("javascript:alert(1).yaml"),
            "./javascript%3Aalert(1).yaml"
        );
        assert_eq!(relative_uri("a/b:c.yaml"), "a/b%3Ac.yaml");
        assert_eq!(relative_uri("deploy/app.yaml"), "deploy/app.yaml");
        assert_eq!(relative_uri("with space%.yaml"), "with%20space%25.yaml");
        assert_eq!(relative_uri("<stdin>"), "%3Cstdin%3E");
        // Absolute paths (outside the working directory) stay valid file URIs.
        assert_eq!(file_uri("/tmp/a:b c.yaml"), "file:///tmp/a:b%20c.yaml");
    }
}

// A result as written: field for field what `serde_sarif` writes (fields in alphabetical order,
// absent ones skipped), laid out as serde_json's pretty printer lays it out at the result's depth
// in the log (8 spaces in). The fixed parts, keys and indentation, are copied as whole runs of
// bytes; only strings and numbers are formatted. The serde structs in `reference` below, as
// serde_json lays them out, are the specification: a test holds this writer to them on every
// finding of the test data and the shared corpus.

/// One SARIF result into `out`; `text` is the message with its help (see [`message_text`]).
fn write_result(out: &mut Vec<u8>, shared: &Shared<'_>, at: usize, f: &Finding, text: &str) {
    let run = shared.run;
    out.extend_from_slice(b"{\n          ");
    if let Some(Some(fixes)) = shared.fixes.get(at) {
        out.extend_from_slice(fixes);
        out.extend_from_slice(b",\n          ");
    }
    out.extend_from_slice(b"\"level\": \"");
    out.extend_from_slice(f.severity.sarif_level().as_bytes());
    out.extend_from_slice(b"\",\n          \"locations\": [\n            ");
    write_location(out, shared, &f.primary, None);
    out.extend_from_slice(b"\n          ],\n          \"message\": {\n            \"text\": ");
    escape_into(out, text);
    out.extend_from_slice(
        b"\n          },\n          \"partialFingerprints\": {\n            \"kubeward/v1\": \"",
    );
    out.extend_from_slice(&f.fingerprint.hex());
    out.extend_from_slice(b"\"\n          },\n          \"properties\": {");
    write_properties(out, run, f);
    out.extend_from_slice(b"\n          }");
    let mut related: Vec<(&Loc, &str)> = f.related().iter().map(|r| (&r.at, &*r.text)).collect();
    if let Some(t) = f.trace() {
        if t.rendered_is_input && t.rendered.file != f.primary.file {
            related.push((&t.rendered, "rendered output (Helm)"));
        }
        for o in &t.overlays {
            related.push((o, "rendered in this Kustomize overlay"));
        }
    }
    if !related.is_empty() {
        out.extend_from_slice(b",\n          \"relatedLocations\": [");
        for (i, (at, message)) in related.into_iter().enumerate() {
            out.extend_from_slice(if i == 0 {
                b"\n            "
            } else {
                b",\n            "
            });
            write_location(out, shared, at, Some((i + 1, message)));
        }
        out.extend_from_slice(b"\n          ]");
    }
    out.extend_from_slice(b",\n          \"ruleId\": ");
    escape_into(out, f.meta.id);
    if let Some(&i) = shared.index.get(f.meta.id) {
        out.extend_from_slice(b",\n          \"ruleIndex\": ");
        if i < 0 {
            out.push(b'-');
        }
        write_u64(out, i.unsigned_abs());
    }
    if let Some(s) = f.suppressed() {
        out.extend_from_slice(
            b",\n          \"suppressions\": [\n            {\n              \"justification\": ",
        );
        escape_into(out, &s.justification);
        out.extend_from_slice(b",\n              \"kind\": ");
        escape_into(out, s.kind);
        out.extend_from_slice(b"\n            }\n          ]");
    }
    out.extend_from_slice(b"\n        }");
}

/// A location of a result (12 spaces in); related locations have an id and a message.
fn write_location(
    out: &mut Vec<u8>,
    shared: &Shared<'_>,
    at: &Loc,
    related: Option<(usize, &str)>,
) {
    out.push(b'{');
    if let Some((id, message)) = related {
        out.extend_from_slice(b"\n              \"id\": ");
        write_u64(out, id as u64);
        out.extend_from_slice(b",\n              \"message\": {\n                \"text\": ");
        escape_into(out, message);
        out.extend_from_slice(b"\n              },");
    }
    out.extend_from_slice(
        b"\n              \"physicalLocation\": {\n                \"artifactLocation\": ",
    );
    out.extend_from_slice(&shared.artifacts[at.file as usize]);
    let r = at.region;
    out.extend_from_slice(b",\n                \"region\": {\n                  \"endColumn\": ");
    write_u64(out, r.end_col.into());
    out.extend_from_slice(b",\n                  \"endLine\": ");
    write_u64(out, r.end_line.into());
    out.extend_from_slice(b",\n                  \"startColumn\": ");
    write_u64(out, r.col.into());
    out.extend_from_slice(b",\n                  \"startLine\": ");
    write_u64(out, r.line.into());
    out.extend_from_slice(b"\n                }\n              }\n            }");
}

/// The members of a result's `properties` (12 spaces in), without its braces.
fn write_properties(out: &mut Vec<u8>, run: &Run, f: &Finding) {
    let mut first = true;
    let mut key = |out: &mut Vec<u8>, key: &str| {
        out.extend_from_slice(if first {
            b"\n            \""
        } else {
            b",\n            \""
        });
        first = false;
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(b"\": ");
    };
    let trace = f.trace();
    if let Some(template) = trace.and_then(|t| t.template.as_deref()) {
        key(out, "helmTemplate");
        escape_into(out, template);
    }
    if let Some(t) = trace.filter(|t| !t.overlays.is_empty()) {
        key(out, "kustomizeOverlays");
        out.push(b'[');
        for (i, o) in t.overlays.iter().enumerate() {
            out.extend_from_slice(if i == 0 {
                b"\n              "
            } else {
                b",\n              "
            });
            escape_into(out, &run.files[o.file as usize].path);
        }
        out.extend_from_slice(b"\n            ]");
    }
    if let Some(o) = f.object.as_deref() {
        key(out, "object");
        out.extend_from_slice(b"{\n              \"apiVersion\": ");
        escape_into(out, &o.api_version);
        out.extend_from_slice(b",\n              \"kind\": ");
        escape_into(out, &o.kind);
        out.extend_from_slice(b",\n              \"name\": ");
        match o.name.as_deref() {
            Some(name) => escape_into(out, name),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\n              \"namespace\": ");
        match o.namespace.as_deref() {
            Some(ns) => escape_into(out, ns),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b"\n            }");
    }
    if let Some(t) = trace.filter(|t| !t.rendered_is_input) {
        key(out, "rendered");
        out.extend_from_slice(b"{\n              \"column\": ");
        write_u64(out, t.rendered.region.col.into());
        out.extend_from_slice(b",\n              \"line\": ");
        write_u64(out, t.rendered.region.line.into());
        out.extend_from_slice(b",\n              \"stream\": ");
        escape_into(out, &run.files[t.rendered.file as usize].path);
        out.extend_from_slice(b"\n            }");
    }
    if let Some(t) = trace {
        key(out, "renderedBy");
        escape_into(out, t.via);
    }
    if !f.route.is_empty() {
        key(out, "route");
        escape_into(out, &f.route);
    }
    key(out, "severity");
    escape_into(out, f.severity.as_str());
}

/// A result's message text into `out`: the finding's message, then its help.
fn message_text(f: &crate::finding::Finding, out: &mut String) {
    out.clear();
    out.push_str(&f.message);
    if let Some(h) = &f.help {
        out.push_str(". ");
        out.push_str(&super::plain::help(h));
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
        let parts: Vec<Vec<u8>> = block
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
                    write_result(&mut out, shared, b * BLOCK + c * CHUNK + i, f, &text);
                }
                out
            })
            .collect();
        for mut part in parts {
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

/// The frame of a log for `rules` (the enabled rules, in registry order); `severities` are the
/// configuration's severity changes (`rules.severity`).
pub fn frame(
    rules: &[&'static dyn Rule],
    severities: &[(&'static str, Severity)],
    category: Option<&str>,
) -> std::io::Result<Frame> {
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
    driver.rules = Some(
        rules
            .iter()
            .map(|r| {
                let id = r.meta().id;
                let configured = severities.iter().find(|(s, _)| *s == id);
                descriptor(*r, configured.map_or(r.meta().severity, |(_, s)| *s))
            })
            .collect(),
    );
    let mut sarif_run = SarifRun::builder()
        .tool(Tool::builder().driver(driver).build())
        .build();
    sarif_run.column_kind = Some(json!("unicodeCodePoints"));
    sarif_run.original_uri_base_ids = Some(base);
    sarif_run.automation_details = Some(RunAutomationDetails {
        id: Some({
            let c = category.unwrap_or("kubeward");
            if c.ends_with('/') {
                c.to_owned()
            } else {
                format!("{c}/")
            }
        }),
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
    severities: &[(&'static str, Severity)],
    category: Option<&str>,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    write_framed(run, rules, &frame(rules, severities, category)?, w)
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
        fixes: fixes_members(run),
    };
    write_results(&shared, &mut w)?;
    w.write_all(&frame.log[frame.at + frame.mark..])?;
    w.write_all(b"\n")?;
    w.flush()
}

/// The specification of a result: the serde structs whose layout by serde_json's pretty printer
/// `write_result` must write byte for byte.
#[cfg(test)]
mod reference {
    use super::*;
    use crate::rule::{Settings, registry};
    use serde_sarif::sarif::ResultLevel;

    /// What a result needs besides its finding, as the serde structs take it.
    struct Spec<'a> {
        run: &'a Run,
        index: &'a BTreeMap<&'a str, i64>,
        artifacts: Vec<ArtifactOut>,
        suggestions: Vec<Option<crate::fix::Suggestion>>,
    }

    fn level(s: Severity) -> ResultLevel {
        match s {
            Severity::Low => ResultLevel::Note,
            Severity::Medium => ResultLevel::Warning,
            Severity::High | Severity::Critical => ResultLevel::Error,
        }
    }

    // One result as serde writes it: field for field what `serde_sarif` writes (its fields are
    // in alphabetical order, absent ones skipped), borrowing from the finding.

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct ResultOut<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        fixes: Option<[FixOut<'a>; 1]>,
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
    struct FixOut<'a> {
        artifact_changes: [ChangeOut<'a>; 1],
        description: MessageOut<'a>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct ChangeOut<'a> {
        artifact_location: &'a ArtifactOut,
        replacements: Vec<ReplacementOut<'a>>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct ReplacementOut<'a> {
        deleted_region: RegionOut,
        #[serde(skip_serializing_if = "Option::is_none")]
        inserted_content: Option<MessageOut<'a>>,
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

    fn location<'a>(
        shared: &'a Spec<'_>,
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
                uri: file_uri(path),
                uri_base_id: None,
            }
        } else {
            ArtifactOut {
                uri: relative_uri(path),
                uri_base_id: Some("%SRCROOT%"),
            }
        }
    }

    /// One SARIF result; `text` is the message with its help (see [`message_text`]).
    fn result<'a>(
        shared: &'a Spec<'_>,
        at: usize,
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
        let fixes = shared.suggestions[at].as_ref().map(|s| {
            [FixOut {
                artifact_changes: [ChangeOut {
                    artifact_location: &shared.artifacts
                        [f.fix().map_or(f.primary.file, |x| x.file) as usize],
                    replacements: s
                        .edits
                        .iter()
                        .map(|(r, t)| ReplacementOut {
                            deleted_region: RegionOut {
                                end_column: r.end_col,
                                end_line: r.end_line,
                                start_column: r.col,
                                start_line: r.line,
                            },
                            inserted_content: (!t.is_empty())
                                .then(|| MessageOut { text: t.into() }),
                        })
                        .collect(),
                }],
                description: MessageOut {
                    text: format!("{} ({} fix)", s.title, s.kind.as_str()).into(),
                },
            }]
        });
        ResultOut {
            fixes,
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

    /// Every result of `run` as `write_result` writes it and as serde writes the structs;
    /// returns how many were compared.
    fn compare(run: &Run) -> usize {
        let index: BTreeMap<&str, i64> = registry::ALL
            .iter()
            .enumerate()
            .map(|(i, r)| (r.meta().id, i64::try_from(i).unwrap_or(0)))
            .collect();
        let shared = Shared {
            run,
            index: &index,
            artifacts: run.files.iter().map(|f| super::artifact(&f.path)).collect(),
            fixes: super::fixes_members(run),
        };
        let spec = Spec {
            run,
            index: &index,
            artifacts: run.files.iter().map(|f| artifact(&f.path)).collect(),
            suggestions: crate::fix::suggestions(run),
        };
        let mut text = String::new();
        for (i, f) in run.findings.iter().enumerate() {
            message_text(f, &mut text);
            let mut ours = Vec::new();
            write_result(&mut ours, &shared, i, f, &text);
            // serde_json's layout of the result alone, moved to its depth in the log.
            let theirs = serde_json::to_string_pretty(&result(&spec, i, f, &text))
                .expect("a result serializes")
                .replace(
                    '\n',
                    &format!("\n{}", std::str::from_utf8(INDENT).unwrap_or("")),
                );
            assert_eq!(
                String::from_utf8_lossy(&ours),
                theirs,
                "{} at {:?}",
                f.meta.id,
                f.primary
            );
        }
        run.findings.len()
    }

    /// The files under `dir`, linted with every rule as `kubeward lint` lints them.
    fn lint_dir(dir: &str) -> Run {
        let (inputs, skipped) =
            crate::input::discover(&[dir.to_owned()], &crate::input::DiscoverOptions::default())
                .expect("the directory exists");
        let prepared = crate::render::prepare(inputs, skipped, &crate::render::Options::default());
        let layout = crate::input::layout(
            &[dir.to_owned()],
            (&prepared.inputs, &prepared.skipped, &prepared.not_context),
            &[],
            &crate::input::DiscoverOptions::default(),
        );
        crate::engine::lint(
            prepared.inputs,
            prepared.skipped,
            &crate::engine::Options {
                rules: registry::ALL.to_vec(),
                // With the fixes, which results carry.
                settings: &Settings {
                    fixes: true,
                    ..Settings::default()
                },
                keep_text: false,
                progress: None,
                render: None,
                max_file_size: crate::engine::DEFAULT_MAX_FILE_SIZE,
                namespaces: Some(&layout),
            },
        )
    }

    #[test]
    fn results_are_written_as_serde_writes_them() {
        let run = lint_dir("testdata");
        let traced = run.findings.iter().filter(|f| f.trace().is_some()).count();
        let suppressed = run
            .findings
            .iter()
            .filter(|f| f.suppressed().is_some())
            .count();
        let related = run
            .findings
            .iter()
            .filter(|f| !f.related().is_empty())
            .count();
        let fixed = crate::fix::suggestions(&run).iter().flatten().count();
        assert!(
            traced > 0 && suppressed > 0 && related > 0 && fixed > 0,
            "{traced} {suppressed} {related} {fixed}"
        );
        assert!(compare(&run) > 100);
        // Absent names (`null`), an absolute path (a `file://` URI without a base) and text
        // that needs escaping.
        let yaml = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: \"a\\\"b\\\\c\\td\"\n    image: nginx\n";
        let run = crate::engine::lint_str(
            "/abs/dir with space/p\u{e9}.yaml",
            yaml,
            registry::ALL.to_vec(),
            &Settings::default(),
        );
        assert!(
            run.findings
                .iter()
                .any(|f| f.object.as_ref().is_some_and(|o| o.name.is_none()))
        );
        assert!(compare(&run) > 0);
    }

    #[test]
    fn results_of_the_shared_corpus_are_written_as_serde_writes_them() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus");
        if !std::path::Path::new(dir).exists() {
            eprintln!("note: {dir} is absent; skipping this test");
            return;
        }
        assert!(compare(&lint_dir(dir)) > 100);
    }
}
