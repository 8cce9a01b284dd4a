//! Entry points for the fuzz targets in `fuzz/` (and the regression tests of what they found).
//!
//! Each function runs one input through a layer of kubeward and panics when an invariant breaks,
//! so that a fuzzer reports it: spans inside the source, line/column consistent with byte
//! offsets, every output format parsing back, GitHub annotations one line per finding.
//! Not a stable API.

use std::collections::HashSet;
use std::sync::Arc;

use crate::engine::{self, Run};
use crate::input::{Input, InputSource};
use crate::report;
use crate::rule::{Rule, Settings, registry};
use crate::yaml::{
    Focus, Label, LineIndex, NodeRef, Pointer, Region, Seg, comments, parse_stream, span_of,
};

/// The display path used for fuzzed input: every character the output formats must escape.
pub const FUZZ_PATH: &str = "in put/ü 100%,a:b\r\n::warning file=x::<&\"'>\u{1b}[31m.yaml";

/// Lint `data` as one document stream with every registered rule, render every output format
/// and check that each is well formed.
///
/// # Panics
/// When an invariant is broken (that is the point).
pub fn fuzz_lint(data: &[u8]) {
    let input = Input::new(FUZZ_PATH.to_owned(), InputSource::Bytes(Arc::from(data)));
    let settings = Settings::default();
    let rules: Vec<&'static dyn Rule> = registry::ALL.to_vec();
    let run = engine::lint(
        vec![input],
        Vec::new(),
        &engine::Options {
            rules: rules.clone(),
            settings: &settings,
            keep_text: true,
            progress: None,
            render: None,
            max_file_size: engine::DEFAULT_MAX_FILE_SIZE,
            namespaces: None,
        },
    );
    check_run(&run, &rules);
}

/// Check every invariant of a finished run and render it in every format.
///
/// # Panics
/// When an invariant is broken.
pub(crate) fn check_run(run: &Run, rules: &[&'static dyn Rule]) {
    let texts: Vec<Arc<str>> = run.files.iter().map(engine::SourceFile::load).collect();
    for f in &run.findings {
        let locations = std::iter::once(&f.primary)
            .chain(f.related().iter().map(|r| &r.at))
            .chain(f.sensitive());
        for loc in locations {
            let text = texts
                .get(loc.file as usize)
                .unwrap_or_else(|| panic!("finding {} points at an unknown file", f.meta.id));
            check_region(text, &loc.region);
        }
        assert!(!f.message.is_empty(), "{}: empty message", f.meta.id);
    }
    let active = run
        .findings
        .iter()
        .filter(|f| f.suppressed().is_none())
        .count();

    let _ = report::human::render(
        run,
        report::human::Style {
            color: false,
            unicode: true,
            width: 80,
        },
    );
    let _ = report::human::render(
        run,
        report::human::Style {
            color: true,
            unicode: false,
            width: 20,
        },
    );
    let _ = report::summary(run, true, true);
    let _ = report::github::step_summary(run, None);

    let mut sarif = Vec::new();
    report::sarif::write(run, rules, &[], None, &mut sarif).expect("SARIF is written to memory");
    let sarif = String::from_utf8(sarif).expect("SARIF is UTF-8");
    check_sarif(&sarif, run.findings.len());

    let mut json = Vec::new();
    report::json::write(run, &mut json).expect("JSON is written to memory");
    let json = String::from_utf8(json).expect("JSON is UTF-8");
    let v: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("JSON output does not parse: {e}"));
    assert_eq!(
        v["findings"].as_array().map(Vec::len),
        Some(run.findings.len()),
        "JSON findings"
    );

    let gitlab = report::gitlab::render(run);
    let v: serde_json::Value = serde_json::from_str(&gitlab)
        .unwrap_or_else(|e| panic!("GitLab output does not parse: {e}"));
    assert_eq!(v.as_array().map(Vec::len), Some(active), "GitLab issues");

    check_github(&report::github::render(run), run);
    check_xml(&report::junit::render(run));
}

/// A region lies inside `text`, on character boundaries, and its line/column agree with its
/// byte offsets.
///
/// # Panics
/// When it does not.
pub(crate) fn check_region(text: &str, r: &Region) {
    let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
    assert!(
        r.start <= r.end && r.end <= len,
        "region {}..{} outside a text of {len} bytes",
        r.start,
        r.end
    );
    assert!(
        text.is_char_boundary(r.start as usize) && text.is_char_boundary(r.end as usize),
        "region {}..{} splits a character",
        r.start,
        r.end
    );
    assert_eq!(
        (r.line, r.col),
        naive_line_col(text, r.start),
        "start of {r:?}"
    );
    let end = naive_line_col(text, r.end);
    if (r.end_line, r.end_col) != end {
        // An empty region on one line is widened to one column so that it shows.
        assert!(
            r.end_line == r.line && r.end_col == r.col + 1 && end == (r.line, r.col),
            "end of {r:?}: expected {end:?}"
        );
    }
}

/// Line and column of a byte offset, the slow and obvious way: 1-based, columns in characters,
/// `\r` not counted, a leading byte-order mark not counted.
pub fn naive_line_col(text: &str, offset: u32) -> (u32, u32) {
    let before = &text[..offset as usize];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let mut col = before[line_start..].chars().filter(|&c| c != '\r').count();
    if line_start == 0 && before.starts_with('\u{feff}') {
        col -= 1;
    }
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(col + 1).unwrap_or(u32::MAX),
    )
}

fn check_sarif(sarif: &str, findings: usize) {
    let log: serde_sarif::sarif::Sarif = serde_json::from_str(sarif)
        .unwrap_or_else(|e| panic!("SARIF output does not parse as SARIF: {e}"));
    let run = &log.runs[0];
    let results = run.results.as_deref().unwrap_or_default();
    assert_eq!(results.len(), findings, "SARIF results");
    for res in results {
        let locations = res
            .locations
            .iter()
            .flatten()
            .chain(res.related_locations.iter().flatten());
        for loc in locations {
            let phys = loc
                .physical_location
                .as_ref()
                .expect("SARIF location without physicalLocation");
            let uri = phys
                .artifact_location
                .as_ref()
                .and_then(|a| a.uri.as_deref())
                .expect("SARIF location without uri");
            assert!(
                uri.bytes().all(|b| b.is_ascii_graphic()),
                "SARIF uri is not a valid URI reference: {uri:?}"
            );
            let r = phys.region.as_ref().expect("SARIF location without region");
            for n in [r.start_line, r.start_column, r.end_line, r.end_column] {
                assert!(n.unwrap_or(1) >= 1, "SARIF region {r:?}");
            }
        }
    }
}

/// Unescape a workflow command value (the inverse of the toolkit's escaping).
fn unescape_command(s: &str) -> String {
    s.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

/// One GitHub workflow command, parsed back.
#[derive(Debug)]
pub struct Annotation {
    /// `error`, `warning` or `notice`.
    pub command: String,
    /// The `file` property, unescaped.
    pub file: String,
    /// The message, unescaped.
    pub message: String,
}

/// Parse `--format github` output the way the Actions runner does (`::cmd k=v,k=v::data`, one
/// per line), checking that no value broke out of its place.
///
/// # Panics
/// When a line is not a well-formed annotation.
pub fn parse_annotations(out: &str) -> Vec<Annotation> {
    assert!(!out.contains('\r'), "a raw carriage return in annotations");
    let raw = out
        .chars()
        .find(|&c| c.is_control() && c != '\n' && c != '\t');
    assert!(
        raw.is_none(),
        "a raw control character {raw:?} in annotations"
    );
    out.lines().map(parse_annotation).collect()
}

fn check_github(out: &str, run: &Run) {
    let active: Vec<_> = run
        .findings
        .iter()
        .filter(|f| f.suppressed().is_none())
        .collect();
    let annotations = parse_annotations(out);
    assert_eq!(
        annotations.len(),
        active.len(),
        "one annotation line per finding"
    );
    for (a, f) in annotations.iter().zip(active) {
        assert_eq!(
            a.file,
            report::inert::annotation(&run.files[f.primary.file as usize].path),
            "file property"
        );
        let mut message = f.message.to_string();
        if let Some(h) = &f.help {
            message.push('\n');
            message.push_str(&report::plain::help(h));
        }
        assert_eq!(
            a.message,
            report::inert::annotation(&message),
            "annotation message"
        );
    }
}

fn parse_annotation(line: &str) -> Annotation {
    let rest = line
        .strip_prefix("::")
        .unwrap_or_else(|| panic!("annotation does not start with `::`: {line:?}"));
    let (info, data) = rest
        .split_once("::")
        .unwrap_or_else(|| panic!("annotation without `::` before the data: {line:?}"));
    let (command, props) = info
        .split_once(' ')
        .unwrap_or_else(|| panic!("annotation without properties: {line:?}"));
    assert!(
        ["error", "warning", "notice"].contains(&command),
        "annotation command {command:?}"
    );
    let props: Vec<(&str, &str)> = props
        .split(',')
        .map(|p| {
            p.split_once('=')
                .unwrap_or_else(|| panic!("property without `=`: {p:?} in {line:?}"))
        })
        .collect();
    let keys: Vec<&str> = props.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        keys,
        ["file", "line", "col", "endLine", "endColumn", "title"],
        "{line:?}"
    );
    Annotation {
        command: command.to_owned(),
        file: unescape_command(props[0].1),
        message: unescape_command(data),
    }
}

/// Enough of XML 1.0 well-formedness to catch an escaping bug: characters XML allows, entity
/// references that exist, no `<` inside attribute values, balanced elements.
///
/// # Panics
/// When the XML is not well formed.
pub fn check_xml(xml: &str) {
    for c in xml.chars() {
        assert!(
            matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..),
            "character {c:?} is not allowed in XML"
        );
    }
    for (i, _) in xml.match_indices('&') {
        let rest = &xml[i..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
                .iter()
                .any(|e| rest.starts_with(e)),
            "bare `&` in XML at {i}"
        );
    }
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = xml;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        let close = rest.find('>').expect("unterminated XML tag");
        let tag = &rest[..close];
        rest = &rest[close + 1..];
        assert!(!tag.contains('<'), "`<` inside an XML tag: {tag:?}");
        assert_eq!(
            tag.matches('"').count() % 2,
            0,
            "unbalanced quotes in XML tag {tag:?}"
        );
        if tag.starts_with('?') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop(), Some(name), "mismatched XML end tag");
        } else if !tag.ends_with('/') {
            stack.push(tag.split([' ', '\t', '\n']).next().unwrap_or(tag));
        }
    }
    assert!(stack.is_empty(), "unclosed XML elements: {stack:?}");
}

/// The position of a byte offset (clamped to the text and moved back to a character boundary)
/// agrees with counting lines and characters by hand.
///
/// # Panics
/// When it does not.
pub fn check_offset(text: &str, offset: usize) {
    let mut o = offset.min(text.len());
    while !text.is_char_boundary(o) {
        o -= 1;
    }
    let o = u32::try_from(o).unwrap_or(u32::MAX);
    let index = LineIndex::new(text);
    assert_eq!(
        index.line_col(text, o),
        naive_line_col(text, o),
        "offset {o}"
    );
    check_region(text, &index.region(text, o, o));
}

/// Parse `data` with the YAML layer alone, visit every node and resolve a label of every focus
/// at each, checking spans and positions.
///
/// # Panics
/// When an invariant is broken.
pub fn fuzz_yaml(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    check_yaml(&text);
}

/// The YAML layer's invariants on one text (shared by the fuzz target and the property tests).
///
/// # Panics
/// When an invariant is broken.
pub fn check_yaml(text: &str) {
    if let Some(d) = crate::yaml::differs_from_saphyr(text) {
        panic!("the fast YAML path reads this text unlike saphyr: {d}");
    }
    let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
    let index = LineIndex::new(text);
    let check_span = |what: &str, s: u32, e: u32| {
        assert!(
            s <= e && e <= len,
            "{what}: span {s}..{e} outside a text of {len} bytes"
        );
        assert!(
            text.is_char_boundary(s as usize) && text.is_char_boundary(e as usize),
            "{what}: span {s}..{e} splits a character"
        );
        check_region(text, &index.region(text, s, e));
    };
    let stream = parse_stream(text);
    if let Some(err) = &stream.error {
        check_span("parse error", err.offset, err.offset);
        assert!(!err.message.is_empty(), "empty parse error message");
    }
    for (i, doc) in stream.docs.iter().enumerate() {
        assert_eq!(doc.index, i, "document index");
        check_span("document start", doc.start, doc.start);
        let (s, e) = doc.content_span();
        check_span("document content", s, e);
        for id in 0..doc.nodes.len() {
            let node = &doc.nodes[id];
            check_span("node", node.start, node.end);
        }
        // Every node reachable from the root, once, with the first route that reaches it.
        let mut seen = HashSet::new();
        let mut queue = vec![(doc.root(), Vec::<Seg>::new())];
        while let Some((node, route)) = queue.pop() {
            if !seen.insert(node.id()) || seen.len() > 4096 {
                continue;
            }
            visit(node);
            let ptr = Pointer::from_segs(&route);
            for focus in [
                Focus::Entry,
                Focus::Value,
                Focus::Key,
                Focus::Whole,
                Focus::Sub(0, 1),
                Focus::Sub(1, 3),
                Focus::Shadowed(0),
                Focus::ShadowedValue(0),
            ] {
                let label = Label {
                    focus,
                    ..Label::at(ptr.clone())
                };
                let (s, e) = span_of(doc, text, &label);
                check_span(&format!("{label:?}"), s, e);
            }
            let missing = Label::missing(ptr.key("no-such-key").key("deeper"));
            let (s, e) = span_of(doc, text, &missing);
            check_span("missing", s, e);
            if route.len() < crate::yaml::MAX_DEPTH {
                for (k, v) in node.entries() {
                    let mut r = route.clone();
                    r.push(Seg::from(k.to_owned()));
                    queue.push((v, r));
                }
                for (i, item) in node.items().enumerate() {
                    let mut r = route.clone();
                    r.push(Seg::from(i));
                    queue.push((item, r));
                }
            }
        }
        let mut strings = 0usize;
        doc.root().walk_strings(0, |_, n| {
            strings += 1;
            let _ = n.as_str();
        });
    }
    for c in comments(text) {
        check_span("comment", c.start, c.end);
        assert_eq!(text.as_bytes()[c.start as usize], b'#', "comment start");
    }
}

fn visit(n: NodeRef<'_>) {
    let _ = (n.value(), n.as_str(), n.as_bool(), n.as_i64(), n.is_null());
    let _ = (n.text(), n.len(), n.is_quoted(), n.is_map(), n.is_seq());
    for (k, v) in n.entry_nodes() {
        let _ = (k.value(), v.value());
    }
    let _ = n.get("apiVersion");
    let _ = n.at(0);
}

/// The image-reference parser on any text: no panic, and the spans it reports lie inside the
/// input on character boundaries and hold what they name.
///
/// # Panics
/// When an invariant is broken.
pub fn fuzz_image(s: &str) {
    let Ok(r) = crate::model::image::parse(s) else {
        return;
    };
    let check = |what: &str, span: &std::ops::Range<usize>| {
        assert!(
            span.start <= span.end && span.end <= s.len(),
            "{what} span {span:?} outside {s:?}"
        );
        assert!(
            s.is_char_boundary(span.start) && s.is_char_boundary(span.end),
            "{what} span {span:?} splits a character of {s:?}"
        );
    };
    check("path", &r.path_span);
    for (what, span) in [
        ("domain", &r.domain_span),
        ("tag", &r.tag_span),
        ("digest", &r.digest_span),
    ] {
        if let Some(span) = span {
            check(what, span);
        }
    }
    if let (Some(tag), Some(span)) = (&r.tag, &r.tag_span) {
        assert!(
            s[span.clone()].contains(tag.as_str()),
            "tag {tag:?} not at {span:?} of {s:?}"
        );
    }
    let _ = r.name();
}
