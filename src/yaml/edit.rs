//! Fixes as edits: changes named by route become the fewest byte edits.
//!
//! A rule names what a fix changes by route ([`Change`]: set a key under a
//! mapping, add an item to a sequence); this module, the only one that knows byte offsets,
//! turns the changes of one document into the fewest byte edits that make them ([`plan`]).
//!
//! What is kept: every byte the change does not need, so comments, key order, quoting, flow or
//! block style, the file's indentation width and sequence style, CRLF line ends and a BOM.
//! Changes under one missing mapping merge (one `securityContext:` added with three keys, not
//! three). Every plan is verified before it is returned: the document, edited, is parsed again
//! and must decode to the original plus exactly the intended fields; what cannot be done that
//! way (a value shared through an anchor or a merge key, a tagged or multi-line scalar, a
//! scalar where a mapping is needed) is refused, never approximated.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::pointer::{Pointer, Seg};
use super::scalar::{Style, TagHint, Value};
use super::tree::{Doc, Kind, MAX_DEPTH, NodeId, NodeRef, parse_stream};

/// A scalar a fix writes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scalar {
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A string (written plain when YAML reads it back as the same string, else quoted).
    Str(Cow<'static, str>),
}

impl Scalar {
    /// A string scalar.
    pub fn str(s: impl Into<Cow<'static, str>>) -> Scalar {
        Scalar::Str(s.into())
    }

    /// The scalar as JSON.
    pub fn json(&self) -> Json {
        match self {
            Scalar::Bool(b) => Json::Bool(*b),
            Scalar::Int(i) => Json::from(*i),
            Scalar::Str(s) => Json::String(s.to_string()),
        }
    }

    /// Whether a node decodes to this scalar.
    fn matches(&self, n: NodeRef<'_>) -> bool {
        match (self, n.value()) {
            (Scalar::Bool(a), Some(Value::Bool(b))) => *a == b,
            (Scalar::Int(a), Some(v)) => v.as_i64() == Some(*a),
            (Scalar::Str(a), Some(Value::Str(b))) => a == b,
            _ => false,
        }
    }

    /// The text to write, plain where that reads back as the same value.
    fn plain(&self) -> String {
        match self {
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Str(s) if plain_safe(s) => s.to_string(),
            Scalar::Str(s) => double_quoted(s),
        }
    }
}

/// Whether `s` may be written as a plain scalar and read back as the same string (YAML 1.1).
fn plain_safe(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'/' | b'-'))
        && !s.starts_with(['-', '.'])
        && matches!(
            super::scalar::resolve(s, Style::Plain, TagHint::None),
            Value::Str(_)
        )
}

fn double_quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// One change a fix makes to a document, named by route from the document's root.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Change {
    /// Set the scalar at the route to `value`, creating the missing mappings on the way.
    Set {
        /// Where.
        at: Pointer,
        /// What.
        value: Scalar,
    },
    /// Add `value` to the sequence at the route unless an equal item is there, creating the
    /// sequence (and the missing mappings on the way).
    Append {
        /// The sequence.
        at: Pointer,
        /// The item.
        value: Scalar,
    },
}

impl Change {
    /// Set the scalar at `at` to `value`.
    pub fn set(at: Pointer, value: Scalar) -> Change {
        Change::Set { at, value }
    }

    /// Add `value` to the sequence at `at`.
    pub fn append(at: Pointer, value: Scalar) -> Change {
        Change::Append { at, value }
    }

    /// The route it changes.
    pub fn at(&self) -> &Pointer {
        match self {
            Change::Set { at, .. } | Change::Append { at, .. } => at,
        }
    }

    /// The same change at another route (the same node in the file that wrote it).
    #[must_use]
    pub fn moved(&self, to: Pointer) -> Change {
        match self {
            Change::Set { value, .. } => Change::Set {
                at: to,
                value: value.clone(),
            },
            Change::Append { value, .. } => Change::Append {
                at: to,
                value: value.clone(),
            },
        }
    }
}

/// One byte edit: replace `start..end` of the text with `text` (an insertion when empty).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Replacement {
    /// Byte offset where the replaced bytes start.
    pub start: u32,
    /// Byte offset just past them.
    pub end: u32,
    /// What they become.
    pub text: String,
}

/// Why a fix is not made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refused(pub &'static str);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// What a mapping or sequence gains.
#[derive(Clone, Debug, PartialEq)]
enum New {
    Leaf(Scalar),
    Map(BTreeMap<String, New>),
    Seq(Vec<Scalar>),
}

/// Where a node sits: the key it is the value of (if any), its container, its depth.
#[derive(Clone, Copy, Debug)]
struct Place {
    node: NodeId,
    key: Option<NodeId>,
    parent: Option<NodeId>,
    depth: usize,
}

struct Pending {
    place: Place,
    what: New,
}

/// A byte edit with the depth of the node it edits: insertions at one offset go deepest first
/// (a nested mapping's new lines before its parent's).
struct Edit {
    start: u32,
    end: u32,
    depth: usize,
    text: String,
}

/// The changes of one document as byte edits of the text, verified: the edited document
/// decodes to the original plus exactly the changes. Empty when nothing needs to change.
///
/// # Errors
/// Why the changes cannot be made safely here.
pub fn plan(doc: &Doc<'_>, text: &str, changes: &[Change]) -> Result<Vec<Replacement>, Refused> {
    let planner = Planner::new(doc, text);
    let mut edits = Vec::new();
    let mut pending: Vec<Pending> = Vec::new();
    for change in changes {
        planner.change(change, &mut edits, &mut pending)?;
    }
    for p in &pending {
        planner.render(p, &mut edits)?;
    }
    edits.sort_by(|a, b| {
        (a.start, a.end, std::cmp::Reverse(a.depth)).cmp(&(
            b.start,
            b.end,
            std::cmp::Reverse(b.depth),
        ))
    });
    // Two edits of the same bytes would conflict.
    for w in edits.windows(2) {
        if w[1].start < w[0].end || (w[1].start == w[0].start && w[0].end > w[0].start) {
            return Err(Refused("two changes edit the same text"));
        }
    }
    let out: Vec<Replacement> = edits
        .into_iter()
        .map(|e| Replacement {
            start: e.start,
            end: e.end,
            text: e.text,
        })
        .collect();
    if !out.is_empty() {
        verify(doc, text, changes, &out)?;
    }
    Ok(out)
}

/// `text` with the replacements made (sorted by offset, not overlapping).
pub fn apply(text: &str, replacements: &[Replacement]) -> String {
    let mut out = String::with_capacity(text.len() + 256);
    let mut at = 0usize;
    for r in replacements {
        let (s, e) = (r.start as usize, r.end as usize);
        if s < at || e > text.len() {
            continue;
        }
        out.push_str(&text[at..s]);
        out.push_str(&r.text);
        at = e;
    }
    out.push_str(&text[at..]);
    out
}

/// A node decoded as JSON (mappings with string keys, YAML 1.1 scalars), as the API server
/// would read it.
pub fn to_json(n: NodeRef<'_>) -> Json {
    fn go(n: NodeRef<'_>, depth: usize) -> Json {
        if depth > MAX_DEPTH {
            return Json::Null;
        }
        if n.is_map() {
            return Json::Object(
                n.entries()
                    .map(|(k, v)| (k.to_owned(), go(v, depth + 1)))
                    .collect(),
            );
        }
        if n.is_seq() {
            return Json::Array(n.items().map(|i| go(i, depth + 1)).collect());
        }
        match n.value() {
            None | Some(Value::Null) => Json::Null,
            Some(Value::Bool(b)) => Json::Bool(b),
            Some(Value::Int(i)) => Json::from(i),
            Some(Value::Float(f)) => {
                serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)
            }
            Some(Value::Str(s)) => Json::String(s.to_owned()),
        }
    }
    go(n, 0)
}

/// `value` with the changes made, as the edited document must decode.
pub fn expected(mut value: Json, changes: &[Change]) -> Json {
    for c in changes {
        let mut node = &mut value;
        let segs = c.at().segs();
        for seg in segs {
            if node.is_null() {
                *node = Json::Object(serde_json::Map::new());
            }
            node = match (seg, node) {
                (Seg::Key(k), Json::Object(m)) => m.entry(k.to_string()).or_insert(Json::Null),
                (Seg::Index(i), Json::Array(a)) if (*i as usize) < a.len() => &mut a[*i as usize],
                _ => return Json::Null,
            };
        }
        match c {
            Change::Set { value, .. } => *node = value.json(),
            Change::Append { value, .. } => {
                if node.is_null() {
                    *node = Json::Array(Vec::new());
                }
                if let Json::Array(a) = node
                    && !a.contains(&value.json())
                {
                    a.push(value.json());
                }
            }
        }
    }
    value
}

/// Parse the document's text with the edits made and compare what it decodes to.
fn verify(
    doc: &Doc<'_>,
    text: &str,
    changes: &[Change],
    edits: &[Replacement],
) -> Result<(), Refused> {
    let (cs, ce) = doc.content_span();
    let start = line_start(text, cs as usize);
    let end = edits
        .iter()
        .map(|e| e.end as usize)
        .chain([line_end_after(text, ce as usize)])
        .max()
        .unwrap_or(text.len())
        .min(text.len());
    if edits.iter().any(|e| (e.start as usize) < start) {
        return Err(Refused("an edit falls outside the document"));
    }
    let shifted: Vec<Replacement> = edits
        .iter()
        .map(|e| Replacement {
            start: e.start - start as u32,
            end: e.end - start as u32,
            text: e.text.clone(),
        })
        .collect();
    let slice = &text[start..end];
    let edited = apply(slice, &shifted);
    let stream = parse_stream(&edited);
    if stream.error.is_some() || stream.docs.len() != 1 {
        return Err(Refused("the edited document would not parse"));
    }
    let want = expected(to_json(doc.root()), changes);
    if to_json(stream.docs[0].root()) != want {
        return Err(Refused("the edited document would not decode as intended"));
    }
    Ok(())
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].rfind('\n').map_or(0, |i| i + 1)
}

/// Just past the line feed that ends the line holding `at` (the text's end if none).
fn line_end_after(text: &str, at: usize) -> usize {
    let at = at.min(text.len());
    text[at..].find('\n').map_or(text.len(), |i| at + i + 1)
}

struct Planner<'d, 't> {
    doc: &'d Doc<'d>,
    text: &'t str,
    /// How often each node is referenced (aliases and merge keys make it more than once).
    refs: Vec<u8>,
    newline: &'static str,
    /// Columns a nested block mapping is indented by.
    step: usize,
    /// Columns a block sequence's `-` is indented past its key (0: indentless).
    seq_offset: usize,
}

impl<'d, 't> Planner<'d, 't> {
    fn new(doc: &'d Doc<'d>, text: &'t str) -> Self {
        let mut refs = vec![0u8; doc.nodes.len()];
        let mut count = |id: NodeId| {
            if let Some(r) = refs.get_mut(id as usize) {
                *r = r.saturating_add(1);
            }
        };
        for e in &doc.entries {
            count(e.key);
            count(e.value);
        }
        for &i in &doc.items {
            count(i);
        }
        let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
        let mut p = Planner {
            doc,
            text,
            refs,
            newline,
            step: 2,
            seq_offset: 2,
        };
        p.learn_style();
        p
    }

    fn node(&self, id: NodeId) -> NodeRef<'d> {
        self.doc.node(id)
    }

    fn start(&self, id: NodeId) -> usize {
        self.doc.nodes[id as usize].start as usize
    }

    fn end(&self, id: NodeId) -> usize {
        self.doc.nodes[id as usize].end as usize
    }

    fn is_flow(&self, id: NodeId) -> bool {
        let n = self.node(id);
        (n.is_map() || n.is_seq())
            && matches!(self.text.as_bytes().get(self.start(id)), Some(b'{' | b'['))
    }

    /// Column (in bytes) of an offset, if only spaces and `- ` precede it on its line.
    fn column(&self, at: usize) -> Option<usize> {
        let mut ls = line_start(self.text, at);
        if ls == 0 && self.text.starts_with('\u{feff}') {
            ls = 3;
        }
        let prefix = &self.text[ls..at];
        prefix
            .bytes()
            .all(|b| b == b' ' || b == b'-')
            .then_some(at - ls)
    }

    /// The file's indentation width and sequence style, from the first nested block mapping
    /// and the first block sequence under a key.
    fn learn_style(&mut self) {
        let mut step = None;
        let mut seq = None;
        let mut stack = vec![(self.doc.root, 0usize)];
        while let Some((id, depth)) = stack.pop() {
            if depth > MAX_DEPTH || (step.is_some() && seq.is_some()) {
                break;
            }
            let n = self.node(id);
            if !n.is_map() || self.is_flow(id) {
                continue;
            }
            let Some(col) = self.column(self.start(id)) else {
                continue;
            };
            for (k, v) in n.entry_nodes() {
                if self.end(k.id()) > self.start(v.id()) {
                    continue;
                }
                if v.is_map() && !self.is_flow(v.id()) && step.is_none() {
                    step = self
                        .column(self.start(v.id()))
                        .and_then(|c| c.checked_sub(col))
                        .filter(|s| *s > 0);
                }
                if v.is_seq() && !self.is_flow(v.id()) && seq.is_none() {
                    seq = self
                        .dash(v.id())
                        .and_then(|d| self.column(d))
                        .and_then(|c| c.checked_sub(col));
                }
                stack.push((v.id(), depth + 1));
                for item in v.items() {
                    stack.push((item.id(), depth + 2));
                }
            }
        }
        self.step = step.unwrap_or(2).min(16);
        self.seq_offset = seq.unwrap_or(self.step).min(16);
    }

    /// The `-` of a block sequence's first item.
    fn dash(&self, seq: NodeId) -> Option<usize> {
        let first = self.node(seq).items().next()?;
        let b = self.text.as_bytes();
        let mut i = self.start(first.id());
        // An item that is itself a sequence or mapping starts at its own first token.
        while i > 0 {
            i -= 1;
            match b[i] {
                b' ' => {}
                b'-' => return Some(i),
                _ => return None,
            }
        }
        None
    }

    /// Follow a route: the deepest existing node and how many steps reach it.
    fn walk(&self, route: &Pointer) -> Result<(Place, usize), Refused> {
        let mut place = Place {
            node: self.doc.root,
            key: None,
            parent: None,
            depth: 0,
        };
        for (i, seg) in route.segs().iter().enumerate() {
            let n = self.node(place.node);
            let next = match seg {
                Seg::Key(k) => {
                    if n.is_null() {
                        return Ok((place, i));
                    }
                    if !n.is_map() {
                        return Err(Refused("a value that is not a mapping is in the way"));
                    }
                    let Kind::Map { first, len } = self.doc.nodes[place.node as usize].kind else {
                        return Err(Refused("a value that is not a mapping is in the way"));
                    };
                    let entry = self.doc.entries[first as usize..(first + len) as usize]
                        .iter()
                        .find(|e| self.node(e.key).text() == Some(k.as_ref()));
                    match entry {
                        None => return Ok((place, i)),
                        Some(e) if e.merged => {
                            return Err(Refused("the value comes from a merge key (`<<`)"));
                        }
                        Some(e) => (e.value, Some(e.key)),
                    }
                }
                Seg::Index(ix) => match n.at(*ix as usize) {
                    Some(item) if n.is_seq() => (item.id(), None),
                    _ => return Err(Refused("a sequence item on the way is missing")),
                },
            };
            if self.refs.get(next.0 as usize).copied().unwrap_or(0) > 1 {
                return Err(Refused("the value is shared through an anchor"));
            }
            place = Place {
                node: next.0,
                key: next.1,
                parent: Some(place.node),
                depth: i + 1,
            };
        }
        Ok((place, route.segs().len()))
    }

    fn change(
        &self,
        change: &Change,
        edits: &mut Vec<Edit>,
        pending: &mut Vec<Pending>,
    ) -> Result<(), Refused> {
        let (place, found) = self.walk(change.at())?;
        let segs = change.at().segs();
        let rest: Vec<String> = segs[found..]
            .iter()
            .map(|s| match s {
                Seg::Key(k) => Ok(k.to_string()),
                Seg::Index(_) => Err(Refused("a sequence item on the way is missing")),
            })
            .collect::<Result<_, _>>()?;
        let node = self.node(place.node);
        match change {
            Change::Set { value, .. } if rest.is_empty() => {
                if node.is_map() || node.is_seq() {
                    return Err(Refused("a mapping or sequence is where a scalar goes"));
                }
                if value.matches(node) {
                    return Ok(());
                }
                if node.is_null() {
                    return self.fill_null(place, New::Leaf(value.clone()), edits, pending);
                }
                edits.push(self.replace_scalar(place, value)?);
                Ok(())
            }
            Change::Set { value, .. } => add(pending, place, &rest, New::Leaf(value.clone())),
            Change::Append { value, .. } if rest.is_empty() => {
                if node.is_seq() {
                    if node.items().any(|i| value.matches(i)) {
                        return Ok(());
                    }
                    return add(pending, place, &[], New::Seq(vec![value.clone()]));
                }
                if node.is_null() {
                    return add(pending, place, &[], New::Seq(vec![value.clone()]));
                }
                Err(Refused("a value that is not a sequence is in the way"))
            }
            Change::Append { value, .. } => {
                add(pending, place, &rest, New::Seq(vec![value.clone()]))
            }
        }
    }

    /// A null value (`key:`, `key: ~`) set to a scalar: the scalar written after the key.
    fn fill_null(
        &self,
        place: Place,
        what: New,
        edits: &mut Vec<Edit>,
        pending: &mut Vec<Pending>,
    ) -> Result<(), Refused> {
        match what {
            New::Leaf(s) => {
                let (start, end) = self.null_span(place)?;
                let text = format!(" {}", s.plain());
                edits.push(Edit {
                    start: to_u32(start),
                    end: to_u32(end),
                    depth: place.depth,
                    text,
                });
                Ok(())
            }
            other => add(pending, place, &[], other),
        }
    }

    /// The bytes of a null value of a key, on the key's line: `~`, `null`, or an empty span just
    /// after the colon.
    fn null_span(&self, place: Place) -> Result<(usize, usize), Refused> {
        let key = place.key.ok_or(Refused("a null item cannot be filled"))?;
        let key_end = self.end(key);
        let b = self.text.as_bytes();
        let mut colon = key_end;
        while colon < b.len() && b[colon] == b' ' {
            colon += 1;
        }
        if b.get(colon) != Some(&b':') {
            return Err(Refused("the key's colon was not found"));
        }
        let written = self.node(place.node).text().unwrap_or("");
        if written.is_empty() {
            return Ok((colon + 1, colon + 1));
        }
        let (s, e) = (self.start(place.node), self.end(place.node));
        if s <= colon
            || self.text.get(s..e) != Some(written)
            || self.text[colon + 1..s].trim() != ""
        {
            return Err(Refused("the null value is not where it was expected"));
        }
        Ok((colon + 1, e))
    }

    fn replace_scalar(&self, place: Place, value: &Scalar) -> Result<Edit, Refused> {
        let n = self.doc.nodes[place.node as usize].kind_scalar();
        let Some((style, tag)) = n else {
            return Err(Refused("not a scalar"));
        };
        if tag != TagHint::None || style == Style::Block {
            return Err(Refused("the value is tagged or a block scalar"));
        }
        let (s, e) = (self.start(place.node), self.end(place.node));
        let written = &self.text[s..e];
        if written.contains('\n') || place.key.is_some_and(|k| self.end(k) > s) {
            return Err(Refused("the value spans lines or is an alias"));
        }
        let text = match (value, written.as_bytes().first()) {
            (Scalar::Str(v), Some(b'\'')) => format!("'{}'", v.replace('\'', "''")),
            (Scalar::Str(v), Some(b'"')) => double_quoted(v),
            _ => value.plain(),
        };
        Ok(Edit {
            start: to_u32(s),
            end: to_u32(e),
            depth: place.depth,
            text,
        })
    }

    fn render(&self, p: &Pending, edits: &mut Vec<Edit>) -> Result<(), Refused> {
        let node = self.node(p.place.node);
        if node.is_map() {
            let New::Map(entries) = &p.what else {
                return Err(Refused("conflicting changes"));
            };
            if self.is_flow(p.place.node) {
                let body = flow_entries(entries);
                let (at, text) = match self.last_child_end(p.place.node) {
                    Some(end) => (end, format!(", {body}")),
                    None => (self.start(p.place.node) + 1, body),
                };
                edits.push(self.insert(at, p.place.depth, text));
                return Ok(());
            }
            let col = self
                .column(self.start(p.place.node))
                .ok_or(Refused("the mapping does not start its line"))?;
            let mut lines = Vec::new();
            self.block_entries(entries, col, &mut lines);
            let end = self.content_end(p.place.node, col.saturating_sub(1), 0);
            edits.push(self.lines_after(end, p.place.depth, &lines));
            return Ok(());
        }
        if node.is_seq() {
            let New::Seq(items) = &p.what else {
                return Err(Refused("conflicting changes"));
            };
            if self.is_flow(p.place.node) {
                let body = items
                    .iter()
                    .map(Scalar::plain)
                    .collect::<Vec<_>>()
                    .join(", ");
                let (at, text) = match self.last_child_end(p.place.node) {
                    Some(end) => (end, format!(", {body}")),
                    None => (self.start(p.place.node) + 1, body),
                };
                edits.push(self.insert(at, p.place.depth, text));
                return Ok(());
            }
            let dash = self
                .dash(p.place.node)
                .ok_or(Refused("the sequence's dash was not found"))?;
            let col = self
                .column(dash)
                .ok_or(Refused("the sequence does not start its line"))?;
            let pad = " ".repeat(col);
            let lines: Vec<String> = items
                .iter()
                .map(|s| format!("{pad}- {}", s.plain()))
                .collect();
            let end = self.content_end(p.place.node, col, 0);
            edits.push(self.lines_after(end, p.place.depth, &lines));
            return Ok(());
        }
        // A null value: the new mapping or sequence written after its key.
        let (start, end) = self.null_span(p.place)?;
        let parent = p.place.parent.ok_or(Refused("no parent"))?;
        let key = p.place.key.ok_or(Refused("no key"))?;
        if self.is_flow(parent) {
            let text = format!(" {}", flow_value(&p.what));
            edits.push(Edit {
                start: to_u32(start),
                end: to_u32(end),
                depth: p.place.depth,
                text,
            });
            return Ok(());
        }
        let kc = self
            .column(self.start(key))
            .ok_or(Refused("the key does not start its line"))?;
        let mut lines = Vec::new();
        match &p.what {
            New::Map(entries) => self.block_entries(entries, kc + self.step, &mut lines),
            New::Seq(items) => {
                let pad = " ".repeat(kc + self.seq_offset);
                lines.extend(items.iter().map(|s| format!("{pad}- {}", s.plain())));
            }
            New::Leaf(_) => return Err(Refused("conflicting changes")),
        }
        if start != end {
            // `key: ~` becomes `key:` followed by the new lines.
            edits.push(Edit {
                start: to_u32(start),
                end: to_u32(end),
                depth: p.place.depth,
                text: String::new(),
            });
        }
        edits.push(self.lines_after(end.max(self.end(key)), p.place.depth, &lines));
        Ok(())
    }

    fn insert(&self, at: usize, depth: usize, text: String) -> Edit {
        Edit {
            start: to_u32(at),
            end: to_u32(at),
            depth,
            text,
        }
    }

    /// New lines after the line holding offset `end`.
    fn lines_after(&self, end: usize, depth: usize, lines: &[String]) -> Edit {
        let nl = self.newline;
        let at = line_end_after(self.text, end);
        let mut text = String::new();
        let at_eof_without_newline = at == self.text.len() && !self.text.ends_with('\n');
        for (i, l) in lines.iter().enumerate() {
            if at_eof_without_newline || i > 0 {
                text.push_str(nl);
            }
            text.push_str(l);
        }
        if !at_eof_without_newline {
            text.push_str(nl);
        }
        self.insert(at, depth, text)
    }

    fn block_entries(&self, entries: &BTreeMap<String, New>, col: usize, out: &mut Vec<String>) {
        let pad = " ".repeat(col);
        for (k, v) in entries {
            let key = Scalar::Str(Cow::Owned(k.clone())).plain();
            match v {
                New::Leaf(s) => out.push(format!("{pad}{key}: {}", s.plain())),
                New::Map(m) => {
                    out.push(format!("{pad}{key}:"));
                    self.block_entries(m, col + self.step, out);
                }
                New::Seq(items) => {
                    out.push(format!("{pad}{key}:"));
                    let ipad = " ".repeat(col + self.seq_offset);
                    out.extend(items.iter().map(|s| format!("{ipad}- {}", s.plain())));
                }
            }
        }
    }

    /// Where the last child of a flow collection ends.
    fn last_child_end(&self, id: NodeId) -> Option<usize> {
        let n = self.node(id);
        let ends = n
            .entry_nodes()
            .flat_map(|(k, v)| [self.end(k.id()), self.end(v.id())])
            .chain(n.items().map(|i| self.end(i.id())))
            .filter(|&e| e > self.start(id) && e < self.end(id));
        ends.max()
    }

    /// The last byte of a node's visible content (its last scalar, a block scalar's last
    /// content line), `owner` being the column its content must be deeper than.
    fn content_end(&self, id: NodeId, owner: usize, depth: usize) -> usize {
        let n = self.node(id);
        if depth > MAX_DEPTH || self.is_flow(id) {
            return self.end(id);
        }
        if n.is_map() {
            let col = self.column(self.start(id)).unwrap_or(owner);
            return n
                .entry_nodes()
                .filter(|(k, _)| self.start(k.id()) >= self.start(id))
                .map(|(k, v)| {
                    let own = self.start(v.id()) >= self.end(k.id());
                    let ve = if own {
                        self.content_end(v.id(), col, depth + 1)
                    } else {
                        0
                    };
                    self.end(k.id()).max(ve)
                })
                .max()
                .unwrap_or(self.start(id));
        }
        if n.is_seq() {
            let col = self.dash(id).and_then(|d| self.column(d)).unwrap_or(owner);
            return n
                .items()
                .filter(|i| self.start(i.id()) >= self.start(id))
                .map(|i| self.content_end(i.id(), col, depth + 1))
                .max()
                .unwrap_or(self.start(id));
        }
        let end = self.end(id);
        if matches!(
            self.doc.nodes[id as usize].kind_scalar(),
            Some((Style::Block, _))
        ) {
            // Content lines are blank or deeper than the owner; trailing blank lines are not
            // content of the mapping around it.
            let mut last = self.text[..line_end_after(self.text, self.start(id))]
                .trim_end()
                .len();
            let mut pos = line_end_after(self.text, self.start(id));
            while pos < self.text.len() {
                let next = line_end_after(self.text, pos);
                let line = &self.text[pos..next];
                let trimmed = line.trim_end();
                if !trimmed.trim().is_empty() {
                    let indent = trimmed.len() - trimmed.trim_start_matches(' ').len();
                    if indent <= owner {
                        break;
                    }
                    last = pos + trimmed.len();
                }
                pos = next;
            }
            return last.max(self.start(id));
        }
        self.text[..end].trim_end().len().max(self.start(id))
    }
}

fn to_u32(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// Add `what` at `rest` below the pending node, merging with what is pending there.
fn add(
    pending: &mut Vec<Pending>,
    place: Place,
    rest: &[String],
    what: New,
) -> Result<(), Refused> {
    let mut wrapped = what;
    for k in rest.iter().rev() {
        let mut m = BTreeMap::new();
        m.insert(k.clone(), wrapped);
        wrapped = New::Map(m);
    }
    match pending.iter_mut().find(|p| p.place.node == place.node) {
        Some(p) => merge(&mut p.what, wrapped),
        None => {
            pending.push(Pending {
                place,
                what: wrapped,
            });
            Ok(())
        }
    }
}

fn merge(into: &mut New, what: New) -> Result<(), Refused> {
    match (into, what) {
        (New::Map(a), New::Map(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(existing) => merge(existing, v)?,
                    None => {
                        a.insert(k, v);
                    }
                }
            }
            Ok(())
        }
        (New::Seq(a), New::Seq(b)) => {
            for s in b {
                if !a.contains(&s) {
                    a.push(s);
                }
            }
            Ok(())
        }
        (New::Leaf(a), New::Leaf(b)) if *a == b => Ok(()),
        _ => Err(Refused("conflicting changes")),
    }
}

fn flow_value(v: &New) -> String {
    match v {
        New::Leaf(s) => s.plain(),
        New::Map(m) => format!("{{{}}}", flow_entries(m)),
        New::Seq(items) => format!(
            "[{}]",
            items
                .iter()
                .map(Scalar::plain)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn flow_entries(m: &BTreeMap<String, New>) -> String {
    m.iter()
        .map(|(k, v)| {
            format!(
                "{}: {}",
                Scalar::Str(Cow::Owned(k.clone())).plain(),
                flow_value(v)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The changes of several fixes to one file, each fix a list of changes to one document:
/// the edited text and which fixes were made. Fixes of one document are merged; when they
/// cannot all be made together, as many as can, in order. A file that does not parse
/// completely is not edited.
pub fn fix_text(text: &str, fixes: &[(usize, &[Change])]) -> (String, Vec<Replacement>, Vec<bool>) {
    let mut made = vec![false; fixes.len()];
    let stream = parse_stream(text);
    if stream.error.is_some() {
        return (text.to_owned(), Vec::new(), made);
    }
    let mut all: Vec<Replacement> = Vec::new();
    let mut by_doc: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, (doc, _)) in fixes.iter().enumerate() {
        by_doc.entry(*doc).or_default().push(i);
    }
    for (d, ids) in by_doc {
        let Some(doc) = stream.docs.get(d) else {
            continue;
        };
        let together: Vec<Change> = ids
            .iter()
            .flat_map(|&i| fixes[i].1.iter().cloned())
            .collect();
        if let Ok(r) = plan(doc, text, &together) {
            all.extend(r);
            for &i in &ids {
                made[i] = true;
            }
            continue;
        }
        // One at a time: keep each fix that still plans with those kept before it.
        let mut kept: Vec<Change> = Vec::new();
        let mut best = Vec::new();
        for &i in &ids {
            let mut trial = kept.clone();
            trial.extend(fixes[i].1.iter().cloned());
            if let Ok(r) = plan(doc, text, &trial) {
                kept = trial;
                best = r;
                made[i] = true;
            }
        }
        all.extend(best);
    }
    // Documents are planned in order and their edits do not interleave; insertions at one
    // offset keep their planned order.
    all.sort_by_key(|r| r.start);
    let out = apply(text, &all);
    // The whole file again: as many documents, each as planned.
    let again = parse_stream(&out);
    if again.error.is_some() || again.docs.len() != stream.docs.len() {
        return (text.to_owned(), Vec::new(), vec![false; fixes.len()]);
    }
    (out, all, made)
}

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;
