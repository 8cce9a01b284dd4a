//! Routes → byte spans → lines and columns. The one place that turns a rule's pointer into a
//! position in the file.

use super::pointer::{Focus, Label, Seg};
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
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                starts.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
            }
        }
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
                u32::try_from(s.chars().filter(|&c| c != '\r').count()).unwrap_or(u32::MAX)
            });
        (u32::try_from(line).unwrap_or(u32::MAX), col + 1)
    }

    /// 0-based line of a byte offset.
    pub fn line_of(&self, offset: u32) -> usize {
        self.starts.partition_point(|&s| s <= offset).max(1) - 1
    }

    /// The byte range of lines `first..=last` (0-based, clamped to the text of `len` bytes),
    /// line breaks included.
    pub fn lines_span(&self, first: usize, last: usize, len: u32) -> (u32, u32) {
        let start = match first {
            0 => 0,
            n => self.starts.get(n).copied().unwrap_or(len),
        };
        let end = self.starts.get(last + 1).copied().unwrap_or(len);
        (start.min(len), end.clamp(start.min(len), len))
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
            // An alias's value lives at its anchor, elsewhere in the file: underline the key.
            Some(k) if !is_container(node) && raw(node).0 >= raw(k).1 => (raw(k).0, raw(node).1),
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
        return if is_container(v) || raw(v).0 < raw(k).1 {
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
    let on_boundaries = value.is_char_boundary(a as usize) && value.is_char_boundary(b as usize);
    match src.find(value) {
        Some(pos) if !value.is_empty() && on_boundaries && a < b => {
            let base = start + u32::try_from(pos).unwrap_or(0);
            (base + a, base + b)
        }
        _ => (start, end),
    }
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
