//! Routes → byte spans → lines and columns.
//!
//! The one place that turns a rule's pointer into a position in the file.

use super::pointer::{Focus, Label, Pointer, Seg};
use super::scalar::Style;
use super::tree::{Doc, Kind, NodeRef};

/// A concrete region of a file: byte span plus 1-based line/column (columns in characters,
/// end column exclusive, as SARIF wants).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Region {
    /// 1-based start line.
    pub line: u32,
    /// 1-based start column.
    pub col: u32,
    /// 1-based end line.
    pub end_line: u32,
    /// 1-based column just past the end.
    pub end_col: u32,
    /// Byte offset of the start.
    pub start: u32,
    /// Byte offset just past the end.
    pub end: u32,
}

/// Line starts of a file, for offset → line/column.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    /// Index a file's text.
    pub fn new(text: &str) -> Self {
        let mut starts = vec![if text.starts_with('\u{feff}') { 3 } else { 0 }];
        starts.extend(
            memchr::memchr_iter(b'\n', text.as_bytes())
                .map(|i| u32::try_from(i + 1).unwrap_or(u32::MAX)),
        );
        LineIndex { starts }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, text: &str, offset: u32) -> (u32, u32) {
        let offset = offset.min(u32::try_from(text.len()).unwrap_or(u32::MAX));
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1].min(offset);
        let col = text
            .get(start as usize..offset as usize)
            .map_or(offset - start, |s| {
                // Most lines are ASCII without carriage returns: a byte is a character.
                let plain = !s
                    .bytes()
                    .fold(false, |acc, b| acc | (b >= 0x80) | (b == b'\r'));
                let chars = if plain {
                    s.len()
                } else {
                    s.chars().filter(|&c| c != '\r').count()
                };
                u32::try_from(chars).unwrap_or(u32::MAX)
            });
        (u32::try_from(line).unwrap_or(u32::MAX), col + 1)
    }

    /// The region for a byte span.
    pub fn region(&self, text: &str, start: u32, end: u32) -> Region {
        let (line, col) = self.line_col(text, start);
        let (end_line, end_col) = self.line_col(text, end.max(start));
        let end_col = if end_line == line && end_col <= col {
            col + 1
        } else {
            end_col
        };
        Region {
            line,
            col,
            end_line,
            end_col,
            start,
            end: end.max(start),
        }
    }
}

/// Resolve a label to a byte span in the stream. Never fails: a missing node anchors at its
/// deepest existing ancestor.
pub fn span_of(doc: &Doc<'_>, text: &str, label: &Label) -> (u32, u32) {
    let mut node = doc.root();
    let mut key: Option<NodeRef<'_>> = None;
    let mut found = true;
    for seg in label.pointer.segs() {
        let next = match seg {
            Seg::Key(k) => node
                .key_node(k)
                .zip(node.get(k))
                .map(|(kn, v)| (Some(kn), v)),
            Seg::Index(i) => node.at(*i as usize).map(|v| (None, v)),
        };
        match next {
            Some((kn, v)) => {
                key = kn;
                node = v;
            }
            None => {
                found = false;
                break;
            }
        }
    }
    if !found || label.missing {
        return match key {
            Some(k) => raw(k),
            None => tight(node),
        };
    }
    match &label.focus {
        Focus::Entry => match key {
            // An alias value lives where its anchor is, maybe before the key: then the key alone.
            Some(k) if !is_container(node) && raw(node).1 >= raw(k).0 => (raw(k).0, raw(node).1),
            Some(k) => raw(k),
            None => tight(node),
        },
        Focus::Value => {
            if is_container(node) {
                tight(node)
            } else {
                raw(node)
            }
        }
        Focus::Key => key.map_or_else(|| tight(node), raw),
        Focus::Sub(a, b) => sub_span(node, text, *a, *b),
        Focus::Whole => raw(node),
        Focus::Shadowed(i) => doc
            .duplicates
            .get(*i as usize)
            .map_or_else(|| tight(node), |d| raw(doc.node(d.shadowed))),
        Focus::ShadowedValue(i) => doc
            .duplicates
            .get(*i as usize)
            .map_or_else(|| tight(node), |d| raw(doc.node(d.shadowed_value))),
    }
}

fn raw(n: NodeRef<'_>) -> (u32, u32) {
    let node = &n.doc.nodes[n.id as usize];
    (node.start, node.end)
}

fn is_container(n: NodeRef<'_>) -> bool {
    !matches!(n.doc.nodes[n.id as usize].kind, Kind::Scalar { .. })
}

/// A collection's first line: its first entry (or item), kept to one line.
fn tight(n: NodeRef<'_>) -> (u32, u32) {
    if let Some((k, v)) = n.entry_nodes().next() {
        // An alias value may sit before its key (at the anchor): then the key alone.
        return if is_container(v) || raw(v).1 < raw(k).0 {
            raw(k)
        } else {
            (raw(k).0, raw(v).1)
        };
    }
    if let Some(item) = n.items().next() {
        return if is_container(item) {
            tight(item)
        } else {
            raw(item)
        };
    }
    raw(n)
}

fn sub_span(n: NodeRef<'_>, text: &str, a: u32, b: u32) -> (u32, u32) {
    let (start, end) = raw(n);
    let Some(value) = n.text() else {
        return (start, end);
    };
    let Some(src) = text.get(start as usize..end as usize) else {
        return (start, end);
    };
    if value.is_empty()
        || a >= b
        || b > u32::try_from(value.len()).unwrap_or(0)
        || !value.is_char_boundary(a as usize)
        || !value.is_char_boundary(b as usize)
    {
        return (start, end);
    }
    if let Some(pos) = src.find(value) {
        let base = start + u32::try_from(pos).unwrap_or(0);
        return (base + a, base + b);
    }
    if matches!(
        n.doc.nodes[n.id as usize].kind,
        Kind::Scalar {
            style: Style::Block,
            ..
        }
    ) {
        let indent = start as usize - text[..start as usize].rfind('\n').map_or(0, |p| p + 1);
        if let (Some(sa), Some(sb)) = (
            block_offset(src, value, a as usize, indent),
            block_offset(src, value, b as usize, indent),
        ) && sa < sb
        {
            return (
                start + u32::try_from(sa).unwrap_or(0),
                start + u32::try_from(sb).unwrap_or(0),
            );
        }
    }
    (start, end)
}

/// Map an offset in a block scalar's decoded text to an offset in its source span (which starts
/// at the first content line), line by line: decoded line `i` is source line `i` without the
/// block's indentation. Every line is verified, so folded scalars (whose lines are joined)
/// and anything unexpected yield `None`.
fn block_offset(src: &str, value: &str, off: usize, indent: usize) -> Option<usize> {
    let before = value.get(..off)?;
    let line = before.matches('\n').count();
    let col = off - before.rfind('\n').map_or(0, |p| p + 1);
    let mut pos = 0;
    for (i, (dec, raw)) in value.split('\n').zip(src.split('\n')).enumerate() {
        let skip = if i == 0 || dec.is_empty() { 0 } else { indent };
        let content = raw.get(skip..)?;
        if !content.starts_with(dec) {
            return None;
        }
        if i == line {
            return Some(pos + skip + col);
        }
        pos += raw.len() + 1;
    }
    None
}

/// The route from the root to a node (depth-first search; for rare lookups such as duplicates).
pub fn route_to(doc: &Doc<'_>, target: u32) -> Option<Vec<Seg>> {
    fn go(n: NodeRef<'_>, target: u32, route: &mut Vec<Seg>, depth: usize) -> bool {
        if n.id == target {
            return true;
        }
        if depth > super::tree::MAX_DEPTH {
            return false;
        }
        for (i, item) in n.items().enumerate() {
            route.push(Seg::from(i));
            if go(item, target, route, depth + 1) {
                return true;
            }
            route.pop();
        }
        for (k, v) in n.entries() {
            route.push(Seg::from(k.to_owned()));
            if go(v, target, route, depth + 1) {
                return true;
            }
            route.pop();
        }
        false
    }
    let mut route = Vec::new();
    go(doc.root(), target, &mut route, 0).then_some(route)
}

/// The node at a route of existing nodes (no anchoring).
fn node_at<'d>(doc: &'d Doc<'d>, pointer: &Pointer) -> Option<(Option<NodeRef<'d>>, NodeRef<'d>)> {
    let mut node = doc.root();
    let mut key = None;
    for seg in pointer.segs() {
        match seg {
            Seg::Key(k) => {
                key = Some(node.key_node(k)?);
                node = node.get(k)?;
            }
            Seg::Index(i) => {
                key = None;
                node = node.at(*i as usize)?;
            }
        }
    }
    Some((key, node))
}

/// For a literal block scalar (`key: |`) at `pointer`, the byte span in `text` of the byte span
/// `inner` of its decoded content: an inline YAML text embedded in a file (a Kustomize inline
/// patch) then points at the file's own lines. `None` for other scalars.
pub fn block_scalar_span(
    doc: &Doc<'_>,
    text: &str,
    pointer: &Pointer,
    inner: (u32, u32),
) -> Option<(u32, u32)> {
    let (_, node) = node_at(doc, pointer)?;
    let Kind::Scalar {
        style,
        text: content,
        ..
    } = &doc.nodes[node.id as usize].kind
    else {
        return None;
    };
    if *style != Style::Block {
        return None;
    }
    let raw = &doc.nodes[node.id as usize];
    let line_start = text[..raw.start as usize].rfind('\n').map_or(0, |i| i + 1);
    let indent = raw.start as usize - line_start;
    // Only a literal scalar (`|`) maps line by line; a folded one (`>`) joins lines.
    let header = text[..line_start]
        .trim_end()
        .rsplit('\n')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .last()
        .unwrap_or("");
    if !header.starts_with('|') {
        return None;
    }
    let map = |off: u32| -> u32 {
        let off = (off as usize).min(content.len());
        let before = &content[..off];
        let line = before.matches('\n').count();
        let col = off - before.rfind('\n').map_or(0, |i| i + 1);
        let mut pos = line_start;
        for _ in 0..line {
            pos = text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1);
        }
        let eol = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        u32::try_from((pos + indent + col).min(eol)).unwrap_or(u32::MAX)
    };
    let (start, end) = (map(inner.0), map(inner.1));
    Some((start, end.max(start)))
}

/// `text` without the mapping entries at the given routes (`(document index, route)`), each
/// removed as whole lines (key line through the value's last line). Used to drop annotations a
/// renderer added; block-style entries only (a flow-style entry is left in place).
pub fn remove_entries(
    text: &str,
    stream: &super::tree::Stream<'_>,
    entries: &[(usize, Pointer)],
) -> String {
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    for (index, pointer) in entries {
        let Some(doc) = stream.docs.get(*index) else {
            continue;
        };
        let Some((Some(key), value)) = node_at(doc, pointer) else {
            continue;
        };
        let start = doc.nodes[key.id as usize].start as usize;
        let end = doc.nodes[value.id as usize].end as usize;
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        if !text[line_start..start].trim().is_empty() {
            continue;
        }
        // The value's last visible byte closes the cut at the end of its line (a block
        // scalar's span runs on to the next token).
        let last = text[..end].trim_end().len().saturating_sub(1).max(start);
        let line_end = text[last..].find('\n').map_or(text.len(), |i| last + i + 1);
        cuts.push((line_start, line_end));
    }
    cuts.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (s, e) in cuts {
        if s < at {
            at = at.max(e);
            continue;
        }
        out.push_str(&text[at..s]);
        at = e;
    }
    out.push_str(&text[at.min(text.len())..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_stream;

    fn line_of(text: &str, offset: u32) -> usize {
        text[..offset as usize].matches('\n').count() + 1
    }

    #[test]
    fn leading_comments_of_each_document() {
        let text = "# Source: a/templates/x.yaml\nkind: A\n# trailing of A\n---\n# Source: a/templates/y.yaml\nkind: B\n";
        let s = parse_stream(text);
        assert_eq!(
            s.docs[0].leading_comments(text),
            ["Source: a/templates/x.yaml"]
        );
        assert_eq!(
            s.docs[1].leading_comments(text),
            ["trailing of A", "Source: a/templates/y.yaml"]
        );
    }

    #[test]
    fn inner_spans_of_a_literal_block_scalar() {
        let text = "patches:\n  - patch: |-\n      kind: Deployment\n      spec:\n        hostIPC: true\n  - folded: >\n      a: b\n";
        let s = parse_stream(text);
        let doc = &s.docs[0];
        let ptr =
            Pointer::root().join([Seg::from("patches"), Seg::from(0usize), Seg::from("patch")]);
        let inner = "kind: Deployment\nspec:\n  hostIPC: true";
        let at = inner.find("hostIPC").unwrap() as u32;
        let (start, end) = block_scalar_span(doc, text, &ptr, (at, at + 13)).unwrap();
        assert_eq!(&text[start as usize..end as usize], "hostIPC: true");
        assert_eq!(line_of(text, start), 5);
        let folded =
            Pointer::root().join([Seg::from("patches"), Seg::from(1usize), Seg::from("folded")]);
        assert_eq!(block_scalar_span(doc, text, &folded, (0, 1)), None);
    }

    #[test]
    fn removed_entries_take_their_whole_lines() {
        let text =
            "metadata:\n  annotations:\n    a: |\n      x\n    b: keep\n  labels:\n    c: d\n";
        let s = parse_stream(text);
        let a = Pointer::root().join(["metadata", "annotations", "a"]);
        assert_eq!(
            remove_entries(text, &s, &[(0, a)]),
            "metadata:\n  annotations:\n    b: keep\n  labels:\n    c: d\n"
        );
        let all = Pointer::root().join(["metadata", "annotations"]);
        assert_eq!(
            remove_entries(text, &s, &[(0, all)]),
            "metadata:\n  labels:\n    c: d\n"
        );
    }
}
