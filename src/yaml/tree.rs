//! A compact, span-carrying tree built from saphyr-parser events.
//!
//! One arena per document: nodes, sequence items and mapping entries live in three flat vectors,
//! scalars borrow from the input where the parser lets them. Aliases share the anchored node
//! (no copy), `<<` merge keys and duplicate keys are resolved the go-yaml v2 way (sequentially,
//! the last value wins), and every node knows its byte span in the stream.

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, ScalarStyle, Tag};

use super::breaks::{Events, has_other_breaks};

use super::scalar::{self, Style, TagHint, Value};

/// Index of a node inside its document.
pub type NodeId = u32;

/// Nesting deeper than this is refused (a YAML bomb made of brackets, not a manifest).
pub const MAX_DEPTH: usize = 256;
/// Alias expansion budget: nodes reachable through aliases, in absolute terms…
const MIN_EXPANSION_BUDGET: u64 = 1_000_000;
/// …or relative to the nodes really present, whichever is larger.
const EXPANSION_RATIO: u64 = 64;
/// The error of a document whose merge keys copy more entries than the budget allows.
const MERGE_BOMB: &str =
    "merge keys (`<<`) copy more entries than the alias expansion budget allows (a YAML bomb?)";

#[derive(Debug)]
pub(crate) enum Kind<'a> {
    Scalar {
        text: Cow<'a, str>,
        style: Style,
        tag: TagHint,
    },
    Seq {
        first: u32,
        len: u32,
    },
    Map {
        first: u32,
        len: u32,
    },
}

#[derive(Debug)]
pub(crate) struct Node<'a> {
    pub(crate) kind: Kind<'a>,
    pub(crate) start: u32,
    pub(crate) end: u32,
    weight: u32,
}

impl Node<'_> {
    /// A scalar's style and tag; `None` for collections.
    pub(crate) fn kind_scalar(&self) -> Option<(Style, TagHint)> {
        match &self.kind {
            Kind::Scalar { style, tag, .. } => Some((*style, *tag)),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    pub(crate) key: NodeId,
    pub(crate) value: NodeId,
    pub(crate) merged: bool,
}

/// A key that appeared twice in one mapping; the later value is the one applied.
#[derive(Debug, Clone)]
pub struct Duplicate {
    /// The mapping holding both keys.
    pub map: NodeId,
    /// The key text.
    pub key: String,
    /// The earlier, overridden key node.
    pub(crate) shadowed: NodeId,
    /// Its value node.
    pub(crate) shadowed_value: NodeId,
}

/// One YAML document of a stream.
#[derive(Debug)]
pub struct Doc<'a> {
    pub(crate) nodes: Vec<Node<'a>>,
    pub(crate) items: Vec<NodeId>,
    pub(crate) entries: Vec<Entry>,
    pub(crate) root: NodeId,
    /// 0-based position in the stream.
    pub index: usize,
    /// Byte offset where the document's content starts.
    pub start: u32,
    /// Keys given twice in one mapping.
    pub duplicates: Vec<Duplicate>,
    /// Byte offset where the previous document's content ended (0 for the first document):
    /// the comments between it and this document's content lead this document.
    pub(crate) preamble: u32,
}

/// Why a stream could not be parsed completely.
#[derive(Debug, Clone)]
pub struct ParseError {
    /// What went wrong.
    pub message: String,
    /// Byte offset of the problem.
    pub offset: u32,
}

/// Every document of a stream that parsed, and the error that stopped parsing, if any.
#[derive(Debug)]
pub struct Stream<'a> {
    /// The complete documents, in order.
    pub docs: Vec<Doc<'a>>,
    /// The first syntax error; documents after it are not parsed.
    pub error: Option<ParseError>,
}

/// Turns the parser's character indices into byte offsets, cheaply for ASCII input.
struct Offsets<'a> {
    text: &'a str,
    ascii: bool,
    char_pos: usize,
    byte_pos: usize,
}

impl Offsets<'_> {
    fn byte(&mut self, char_idx: usize) -> u32 {
        if self.ascii {
            return u32::try_from(char_idx.min(self.text.len())).unwrap_or(u32::MAX);
        }
        if char_idx < self.char_pos / 2 {
            self.char_pos = 0;
            self.byte_pos = 0;
        }
        let bytes = self.text.as_bytes();
        while self.char_pos < char_idx && self.byte_pos < bytes.len() {
            self.byte_pos += utf8_width(bytes[self.byte_pos]);
            self.char_pos += 1;
        }
        while self.char_pos > char_idx && self.byte_pos > 0 {
            self.byte_pos -= 1;
            while self.byte_pos > 0 && (bytes[self.byte_pos] & 0xC0) == 0x80 {
                self.byte_pos -= 1;
            }
            self.char_pos -= 1;
        }
        u32::try_from(self.byte_pos).unwrap_or(u32::MAX)
    }
}

fn utf8_width(b: u8) -> usize {
    match b {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

struct Frame {
    is_map: bool,
    start: u32,
    flow: bool,
    anchor: usize,
    scratch: usize,
}

pub(crate) struct Builder<'a> {
    doc: Doc<'a>,
    stack: Vec<Frame>,
    scratch: Vec<NodeId>,
    anchors: HashMap<usize, NodeId>,
    root: Option<NodeId>,
    map_buf: Vec<Entry>,
    /// Mapping entries copied by `<<` merge keys so far in the document: they draw on the
    /// alias expansion budget (a chain of merges copies ever larger mappings, each within the
    /// budget on its own).
    merged: u64,
}

/// Parse a whole stream. Never panics; stops at the first syntax error.
pub fn parse_stream(text: &str) -> Stream<'_> {
    let mut docs = Docs::new(text);
    let all = docs.by_ref().collect();
    Stream {
        docs: all,
        error: docs.error,
    }
}

/// The documents of a stream, parsed one at a time (only one tree is alive at once: a large
/// stream costs the memory of its largest document, not of all of them). Never panics; stops at
/// the first syntax error, which `error` then holds.
///
/// Documents in the block-style subset manifests are written in are read by the fast path
/// ([`super::fast`]); saphyr reads a document outside it, and the fast path reads on from the
/// next document when the text tells where that starts ([`super::fast::Fast::next_document`]);
/// else saphyr reads the rest of the stream.
pub struct Docs<'a> {
    text: &'a str,
    /// While the fast path reads the stream: where the next document's text starts.
    fast: Option<usize>,
    parser: Option<Events<'a>>,
    /// The text holds a NEL, LS or PS, which saphyr is told to read as line breaks
    /// ([`super::breaks`]).
    breaks: bool,
    /// Bytes handed to saphyr so far (each document outside the fast path is handed to it up
    /// to the next `---` line, never the rest of the stream again).
    handed: u64,
    /// Where the text saphyr reads starts in `text`.
    base: u32,
    offsets: Offsets<'a>,
    builder: Option<Builder<'a>>,
    /// Documents yielded so far.
    count: usize,
    /// Where the previous document's content ended.
    last_end: u32,
    /// While saphyr reads one document outside the fast path's subset: where the next one
    /// starts, from which the fast path reads on.
    resume: Option<usize>,
    /// The first syntax error, once parsing stopped at it.
    pub error: Option<ParseError>,
}

impl<'a> Docs<'a> {
    /// Start parsing `text`.
    pub fn new(text: &'a str) -> Self {
        // The fast path refuses a text holding a NEL, LS or PS: only saphyr reads them as
        // line breaks (`super::breaks`).
        Self::with(text, super::fast::eligible(text))
    }

    /// Start parsing `text` with saphyr alone (to hold the fast path to it in tests).
    pub(crate) fn saphyr_only(text: &'a str) -> Self {
        Self::with(text, false)
    }

    fn with(text: &'a str, fast: bool) -> Self {
        let mut docs = Docs {
            text,
            fast: None,
            parser: None,
            breaks: false,
            handed: 0,
            base: 0,
            offsets: Offsets {
                text: "",
                ascii: true,
                char_pos: 0,
                byte_pos: 0,
            },
            builder: None,
            count: 0,
            last_end: 0,
            resume: None,
            error: None,
        };
        if text.len() >= u32::MAX as usize {
            docs.error = Some(ParseError {
                message: "file larger than 4 GiB".into(),
                offset: 0,
            });
        } else if fast {
            docs.fast = Some(0);
        } else {
            docs.breaks = has_other_breaks(text);
            docs.saphyr_from(0, None);
        }
        docs
    }

    /// Hand the stream from byte `pos` on to saphyr; with `resume`, only for the document at
    /// `pos`, after which the fast path reads on from `resume` (a `---` line). saphyr then reads
    /// the text up to and including that `---` and no further: a document's last spans depend
    /// on the token that follows it (an empty node at its end stretches to it), and that token
    /// is the `---`, so they come out as when saphyr reads the whole stream, while the rest of
    /// the stream is not looked at again for every document that leaves the fast path.
    fn saphyr_from(&mut self, pos: usize, resume: Option<usize>) {
        let end = resume.map_or(self.text.len(), |r| (r + 3).min(self.text.len()));
        let rest = self.text.get(pos..end).unwrap_or("");
        self.handed += rest.len() as u64;
        self.resume = resume;
        self.fast = None;
        self.base = u32::try_from(pos).unwrap_or(u32::MAX);
        self.offsets = Offsets {
            text: rest,
            ascii: rest.is_ascii(),
            char_pos: 0,
            byte_pos: 0,
        };
        self.parser = Some(Events::new(rest, self.breaks));
    }

    /// The next document by the fast path: `Ok(None)` at the end of the stream, `Err` when the
    /// document at `pos` is outside its subset.
    fn next_fast(&mut self, pos: usize) -> Result<Option<Doc<'a>>, super::fast::Bail> {
        let mut fast = super::fast::Fast::new(self.text);
        let Some(tok) = fast.first_token(pos)? else {
            return Ok(None);
        };
        let start = u32::try_from(tok).map_err(|_| super::fast::Bail)?;
        let mut builder = Builder::new(self.count, start, self.last_end);
        builder.reserve(sizes_for(&self.text.as_bytes()[tok..]));
        let end = fast.document(tok, &mut builder)?;
        let doc = builder.finish(start);
        self.count += 1;
        self.last_end = doc.content_end();
        self.fast = Some(end.next);
        Ok(Some(doc))
    }

    /// Bytes of the text handed to saphyr so far: at most the text's length and three bytes
    /// more per document (the `---` each one is read up to).
    #[cfg(test)]
    pub(crate) fn handed_to_saphyr(&self) -> u64 {
        self.handed
    }

    /// Byte offset in `text` of a saphyr character index.
    fn byte(&mut self, char_idx: usize) -> u32 {
        self.base.saturating_add(self.offsets.byte(char_idx))
    }
}

/// Room for the nodes, sequence items and mapping entries of the document that starts `rest`,
/// from its length (up to the next `---` line), so its arrays are not grown by doubling. The
/// divisors leave room for dense documents (manifests average about 13 bytes a node, 28 an
/// entry and hundreds an item); capped, so one huge document does not reserve without bound.
fn sizes_for(rest: &[u8]) -> (usize, usize, usize) {
    let len = memchr::memmem::find(rest, b"\n---").unwrap_or(rest.len());
    let cap = |n: usize| (n + 4).min(4096);
    (cap(len / 8), cap(len / 64), cap(len / 16))
}

impl<'a> Iterator for Docs<'a> {
    type Item = Doc<'a>;

    fn next(&mut self) -> Option<Doc<'a>> {
        if let Some(pos) = self.fast {
            match self.next_fast(pos) {
                Ok(Some(doc)) => return Some(doc),
                Ok(None) => {
                    self.fast = None;
                    return None;
                }
                Err(super::fast::Bail) => {
                    let next = super::fast::Fast::new(self.text).next_document(pos);
                    self.saphyr_from(pos, next);
                }
            }
        }
        let doc = self.next_saphyr()?;
        if let Some(at) = self.resume.take() {
            // The next document starts at a `---` line: the fast path reads on from there.
            self.parser = None;
            self.fast = Some(at);
        }
        Some(doc)
    }
}

impl<'a> Docs<'a> {
    /// The next document from saphyr; `None` at the end of its text or at an error.
    fn next_saphyr(&mut self) -> Option<Doc<'a>> {
        let text = self.text;
        loop {
            let event = self.parser.as_mut()?.next()?;
            let (event, span) = match event {
                Ok(x) => x,
                Err(e) => {
                    self.error = Some(ParseError {
                        message: e.info().to_owned(),
                        offset: self.byte(e.marker().index()),
                    });
                    self.parser = None;
                    return None;
                }
            };
            let start = self.byte(span.start.index());
            let end = self.byte(span.end.index());
            let result = match event {
                Event::DocumentStart(_) => {
                    self.builder = Some(Builder::new(self.count, start, self.last_end));
                    Ok(())
                }
                Event::DocumentEnd => {
                    if let Some(b) = self.builder.take() {
                        let doc = b.finish(end);
                        self.count += 1;
                        self.last_end = doc.content_end();
                        return Some(doc);
                    }
                    Ok(())
                }
                Event::StreamStart | Event::StreamEnd | Event::Nothing => Ok(()),
                other => match self.builder.as_mut() {
                    Some(b) => b.event(
                        other,
                        span.end.index() > span.start.index(),
                        start,
                        end,
                        text,
                    ),
                    None => Ok(()),
                },
            };
            if let Err(message) = result {
                self.error = Some(ParseError {
                    message,
                    offset: start,
                });
                self.parser = None;
                return None;
            }
        }
    }
}

impl<'a> Builder<'a> {
    pub(crate) fn new(index: usize, start: u32, preamble: u32) -> Self {
        Builder {
            doc: Doc {
                nodes: Vec::new(),
                items: Vec::new(),
                entries: Vec::new(),
                root: 0,
                index,
                start,
                duplicates: Vec::new(),
                preamble,
            },
            stack: Vec::new(),
            scratch: Vec::new(),
            anchors: HashMap::new(),
            root: None,
            map_buf: Vec::new(),
            merged: 0,
        }
    }

    /// Room for this many nodes, sequence items and mapping entries.
    pub(crate) fn reserve(&mut self, (nodes, items, entries): (usize, usize, usize)) {
        self.doc.nodes.reserve(nodes);
        self.doc.items.reserve(items);
        self.doc.entries.reserve(entries);
        // Open collections and their children so far: a few levels of a few dozen keys.
        self.stack.reserve(16);
        self.scratch.reserve(64);
    }

    pub(crate) fn finish(mut self, end: u32) -> Doc<'a> {
        self.doc.root = match self.root {
            Some(r) => r,
            None => self.push_node(Node {
                kind: Kind::Scalar {
                    text: Cow::Borrowed(""),
                    style: Style::Plain,
                    tag: TagHint::None,
                },
                start: self.doc.start,
                end: end.max(self.doc.start),
                weight: 1,
            }),
        };
        self.doc
    }

    fn push_node(&mut self, node: Node<'a>) -> NodeId {
        let id = NodeId::try_from(self.doc.nodes.len()).unwrap_or(NodeId::MAX);
        self.doc.nodes.push(node);
        id
    }

    fn attach(&mut self, id: NodeId, anchor: usize) {
        if anchor != 0 {
            self.anchors.insert(anchor, id);
        }
        if self.stack.is_empty() {
            self.root = Some(id);
        } else {
            self.scratch.push(id);
        }
    }

    /// Take one parser event spanning `start..end`; `flow` tells a collection start written
    /// `[`/`{` from a block one.
    pub(crate) fn event(
        &mut self,
        ev: Event<'a>,
        flow: bool,
        start: u32,
        end: u32,
        text: &str,
    ) -> Result<(), String> {
        match ev {
            Event::Scalar(value, style, anchor, tag) => {
                let style = style_of(style);
                // saphyr's span starts at the properties when there are some (skipped: the
                // node starts after them), else at the scalar, whose content may itself start
                // with `!` or `&` (a block scalar's first line).
                let start = if anchor != 0 || tag.is_some() {
                    skip_properties(text, start, end)
                } else {
                    start
                };
                let tag = tag.map_or(TagHint::None, |t| tag_hint(&t));
                let end = if style == Style::Quoted {
                    quoted_end(text, start, end)
                } else {
                    end
                };
                self.push_scalar(value, style, tag, start, end, anchor);
            }
            Event::Alias(anchor) => {
                // saphyr resolves an alias to an anchor of an earlier document of the stream,
                // which a document cannot see: the error is the one saphyr gives for an anchor
                // it does not know (as when it reads that document alone).
                let Some(&id) = self.anchors.get(&anchor) else {
                    return Err("while parsing node, found unknown anchor".into());
                };
                self.attach(id, 0);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                let is_map = matches!(ev, Event::MappingStart(..));
                let start = skip_properties(text, start, end.max(start));
                self.open(is_map, flow, start, anchor)?;
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(start, end, text)?,
            _ => {}
        }
        Ok(())
    }

    /// A scalar node spanning `start..end` (past any properties; a quoted scalar's span ends
    /// at its closing quote). The fast path, which reads no properties and knows where its
    /// quotes close, calls this directly.
    pub(crate) fn push_scalar(
        &mut self,
        text: Cow<'a, str>,
        style: Style,
        tag: TagHint,
        start: u32,
        end: u32,
        anchor: usize,
    ) {
        let id = self.push_node(Node {
            kind: Kind::Scalar { text, style, tag },
            start,
            end,
            weight: 1,
        });
        self.attach(id, anchor);
    }

    /// A collection starts at `start` (past any properties); `flow` when written `[`/`{`.
    pub(crate) fn open(
        &mut self,
        is_map: bool,
        flow: bool,
        start: u32,
        anchor: usize,
    ) -> Result<(), String> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(format!("nesting deeper than {MAX_DEPTH} levels"));
        }
        self.stack.push(Frame {
            is_map,
            start,
            flow,
            anchor,
            scratch: self.scratch.len(),
        });
        Ok(())
    }

    /// The innermost open collection ends: its end event spans `start..end` of `text`.
    pub(crate) fn close(&mut self, start: u32, end: u32, text: &str) -> Result<(), String> {
        let Some(frame) = self.stack.pop() else {
            return Err("unbalanced collection end".into());
        };
        // A flow collection ends after its bracket (saphyr's span of the closing bracket runs
        // on over spaces and a comment after it).
        let end = match text.as_bytes().get(start as usize) {
            Some(b']' | b'}') if frame.flow => start + 1,
            _ => end,
        };
        let id = if frame.is_map {
            self.close_map(&frame, end)?
        } else {
            self.close_seq(&frame, end)?
        };
        self.attach(id, frame.anchor);
        Ok(())
    }

    fn container_end(&self, frame: &Frame, children: std::ops::Range<usize>, end: u32) -> u32 {
        if frame.flow {
            return end;
        }
        self.scratch[children]
            .iter()
            .map(|&c| self.doc.nodes[c as usize].end)
            .max()
            .unwrap_or(frame.start)
            .max(frame.start)
    }

    fn budget(&self) -> u64 {
        MIN_EXPANSION_BUDGET.max(EXPANSION_RATIO * self.doc.nodes.len() as u64)
    }

    fn weight_of(&self, id: NodeId) -> u64 {
        u64::from(self.doc.nodes[id as usize].weight)
    }

    fn close_seq(&mut self, frame: &Frame, end: u32) -> Result<NodeId, String> {
        let range = frame.scratch..self.scratch.len();
        let weight: u64 = 1 + self.scratch[range.clone()]
            .iter()
            .map(|&c| self.weight_of(c))
            .sum::<u64>();
        if weight > self.budget() {
            return Err("alias expansion exceeds the budget (a YAML bomb?)".into());
        }
        let end = self.container_end(frame, range.clone(), end);
        let first = u32::try_from(self.doc.items.len()).unwrap_or(u32::MAX);
        let len = u32::try_from(range.len()).unwrap_or(u32::MAX);
        self.doc.items.extend_from_slice(&self.scratch[range]);
        self.scratch.truncate(frame.scratch);
        #[allow(clippy::cast_possible_truncation)]
        Ok(self.push_node(Node {
            kind: Kind::Seq { first, len },
            start: frame.start,
            end,
            weight: weight as u32,
        }))
    }

    fn close_map(&mut self, frame: &Frame, end: u32) -> Result<NodeId, String> {
        let range = frame.scratch..self.scratch.len();
        let end = self.container_end(frame, range.clone(), end);
        let map_id = NodeId::try_from(self.doc.nodes.len()).unwrap_or(NodeId::MAX);
        let mut out = std::mem::take(&mut self.map_buf);
        out.clear();
        let mut index: HashMap<String, usize> = HashMap::new();
        for i in range.clone().step_by(2) {
            let k = self.scratch[i];
            let v = self.scratch.get(i + 1).copied().unwrap_or(k);
            if self.is_merge_key(k) {
                // Counted before anything is copied, so a bomb stops here.
                self.merged = self.merged.saturating_add(self.merge_len(v));
                if self.merged > self.budget() {
                    self.scratch.truncate(frame.scratch);
                    self.map_buf = out;
                    return Err(MERGE_BOMB.into());
                }
                for (mk, mv) in self.merge_sources(v) {
                    self.insert(
                        &mut out,
                        &mut index,
                        map_id,
                        Entry {
                            key: mk,
                            value: mv,
                            merged: true,
                        },
                    );
                }
                continue;
            }
            self.normalize_key(k);
            self.insert(
                &mut out,
                &mut index,
                map_id,
                Entry {
                    key: k,
                    value: v,
                    merged: false,
                },
            );
        }
        self.scratch.truncate(frame.scratch);
        let weight: u64 = 1 + out
            .iter()
            .map(|e| self.weight_of(e.key) + self.weight_of(e.value))
            .sum::<u64>();
        if weight > self.budget() {
            self.map_buf = out;
            return Err("alias expansion exceeds the budget (a YAML bomb?)".into());
        }
        let first = u32::try_from(self.doc.entries.len()).unwrap_or(u32::MAX);
        let len = u32::try_from(out.len()).unwrap_or(u32::MAX);
        self.doc.entries.extend_from_slice(&out);
        self.map_buf = out;
        #[allow(clippy::cast_possible_truncation)]
        Ok(self.push_node(Node {
            kind: Kind::Map { first, len },
            start: frame.start,
            end,
            weight: weight as u32,
        }))
    }

    fn is_merge_key(&self, k: NodeId) -> bool {
        matches!(&self.doc.nodes[k as usize].kind, Kind::Scalar { text, style: Style::Plain, .. } if text == "<<")
    }

    /// How many entries the `<<` value `v` contributes (its mapping's, or those of each mapping
    /// of its sequence).
    fn merge_len(&self, v: NodeId) -> u64 {
        let map_len = |id: NodeId| match self.doc.nodes[id as usize].kind {
            Kind::Map { len, .. } => u64::from(len),
            _ => 0,
        };
        match self.doc.nodes[v as usize].kind {
            Kind::Map { len, .. } => u64::from(len),
            Kind::Seq { first, len } => self.doc.items[first as usize..(first + len) as usize]
                .iter()
                .map(|&m| map_len(m))
                .sum(),
            Kind::Scalar { .. } => 0,
        }
    }

    /// The entries a `<<` value contributes, in the order go-yaml v2 applies them (a sequence of
    /// maps is applied last to first, so earlier maps take precedence).
    fn merge_sources(&self, v: NodeId) -> Vec<(NodeId, NodeId)> {
        let map_entries = |id: NodeId| -> Vec<(NodeId, NodeId)> {
            match self.doc.nodes[id as usize].kind {
                Kind::Map { first, len } => self.doc.entries
                    [first as usize..(first + len) as usize]
                    .iter()
                    .map(|e| (e.key, e.value))
                    .collect(),
                _ => Vec::new(),
            }
        };
        match self.doc.nodes[v as usize].kind {
            Kind::Map { .. } => map_entries(v),
            Kind::Seq { first, len } => self.doc.items[first as usize..(first + len) as usize]
                .iter()
                .rev()
                .flat_map(|&m| map_entries(m))
                .collect(),
            Kind::Scalar { .. } => Vec::new(),
        }
    }

    /// Plain keys that YAML 1.1 reads as non-strings become their JSON spelling (`y:` → `"true"`).
    fn normalize_key(&mut self, k: NodeId) {
        if let Kind::Scalar { text, style, tag } = &mut self.doc.nodes[k as usize].kind
            && let Some(s) = scalar::resolve(text, *style, *tag).key_string()
        {
            *text = Cow::Owned(s);
        }
    }

    fn key_text(&self, k: NodeId) -> Option<&str> {
        match &self.doc.nodes[k as usize].kind {
            Kind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    fn insert(
        &mut self,
        out: &mut Vec<Entry>,
        index: &mut HashMap<String, usize>,
        map: NodeId,
        entry: Entry,
    ) {
        let existing = {
            let Some(key) = self.key_text(entry.key) else {
                out.push(entry);
                return;
            };
            if out.len() < 16 && index.is_empty() {
                out.iter().position(|e| self.key_text(e.key) == Some(key))
            } else {
                if index.is_empty() {
                    for (i, e) in out.iter().enumerate() {
                        if let Some(t) = self.key_text(e.key) {
                            index.insert(t.to_owned(), i);
                        }
                    }
                }
                index.get(key).copied()
            }
        };
        let owned_key = || self.key_text(entry.key).unwrap_or_default().to_owned();
        match existing {
            Some(i) => {
                if !entry.merged && !out[i].merged {
                    let dup = Duplicate {
                        map,
                        key: owned_key(),
                        shadowed: out[i].key,
                        shadowed_value: out[i].value,
                    };
                    self.doc.duplicates.push(dup);
                }
                out[i] = entry;
            }
            None => {
                if !index.is_empty() {
                    index.insert(owned_key(), out.len());
                }
                out.push(entry);
            }
        }
    }
}

/// Key equality for lookups: most keys of a mapping differ in length or first byte, which is
/// cheaper to see than to call `memcmp` for.
fn same_key(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().first() == b.as_bytes().first() && a == b
}

/// The tree's style of a scalar style.
pub(crate) fn style_of(style: ScalarStyle) -> Style {
    match style {
        ScalarStyle::Plain => Style::Plain,
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Style::Quoted,
        ScalarStyle::Literal | ScalarStyle::Folded => Style::Block,
    }
}

fn tag_hint(tag: &Tag) -> TagHint {
    let suffix = match (tag.handle.as_str(), tag.suffix.as_str()) {
        ("!!" | "tag:yaml.org,2002:", s) => s,
        ("" | "!", s) => s.strip_prefix("tag:yaml.org,2002:").unwrap_or("?"),
        _ => "?",
    };
    match suffix {
        "str" => TagHint::Str,
        "bool" => TagHint::Bool,
        "int" => TagHint::Int,
        "float" => TagHint::Float,
        "null" => TagHint::Null,
        _ => TagHint::Other,
    }
}

/// The parser's span of a quoted scalar runs on to the next token (past spaces and a comment);
/// end it just after the closing quote.
fn quoted_end(text: &str, start: u32, end: u32) -> u32 {
    let b = text.as_bytes();
    let s = start as usize;
    let Some(&q) = b.get(s) else { return end };
    if q != b'\'' && q != b'"' {
        return end;
    }
    let mut i = s + 1;
    while i < b.len() && i < end as usize {
        match b[i] {
            b'\\' if q == b'"' => i += 2,
            b'\'' if q == b'\'' && b.get(i + 1) == Some(&b'\'') => i += 2,
            c if c == q => return u32::try_from(i + 1).unwrap_or(end),
            _ => i += 1,
        }
    }
    end
}

/// Node spans from the parser start at an anchor (`&a`) or tag (`!!str`); move past them.
fn skip_properties(text: &str, start: u32, end: u32) -> u32 {
    let b = text.as_bytes();
    let mut i = start as usize;
    // Never past the node's end: an anchored or tagged empty node (`&a` alone) stays empty.
    let end = (end as usize).min(b.len());
    // A NEL, LS or PS is a line break here too (`super::breaks`).
    let space = |i: usize| {
        if b[i].is_ascii_whitespace() {
            Some(1)
        } else {
            super::breaks::other_break_at(b, i)
        }
    };
    while i < end && (b[i] == b'&' || b[i] == b'!') {
        while i < end && space(i).is_none() {
            i += 1;
        }
        while i < end
            && let Some(n) = space(i)
        {
            i += n;
        }
    }
    let i = i.min(end);
    u32::try_from(i).unwrap_or(start)
}

/// One step of a route while walking a document: a key borrowed from it, or an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'d> {
    /// A mapping key.
    Key(&'d str),
    /// A sequence index.
    Index(u32),
}

impl Step<'_> {
    /// The step as a pointer segment (owning its key).
    pub fn seg(self) -> super::Seg {
        match self {
            Step::Key(k) => super::Seg::Key(Cow::Owned(k.to_owned())),
            Step::Index(i) => super::Seg::Index(i),
        }
    }
}

/// A read-only handle on one node; everything a rule may ask of YAML, and no byte offsets.
#[derive(Clone, Copy)]
pub struct NodeRef<'d> {
    pub(crate) doc: &'d Doc<'d>,
    pub(crate) id: NodeId,
}

impl std::fmt::Debug for NodeRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NodeRef({})", self.id)
    }
}

impl<'d> Doc<'d> {
    /// The document's root node.
    pub fn root(&'d self) -> NodeRef<'d> {
        NodeRef {
            doc: self,
            id: self.root,
        }
    }

    /// Byte span of the document's content (its root node).
    pub fn content_span(&self) -> (u32, u32) {
        let n = &self.nodes[self.root as usize];
        (n.start, n.end)
    }

    /// The node with this id.
    pub fn node(&'d self, id: NodeId) -> NodeRef<'d> {
        NodeRef { doc: self, id }
    }

    /// The value the later occurrence of duplicate key `i` overrode (see
    /// `Object::duplicate_keys`).
    pub fn shadowed_value(&'d self, i: u32) -> Option<NodeRef<'d>> {
        let d = self.duplicates.get(i as usize)?;
        Some(self.node(d.shadowed_value))
    }

    /// The comment lines written before the document's content (after the previous document's
    /// content, `---` lines skipped), without the `#` and surrounding blanks, in order. Helm
    /// writes `# Source: <chart>/templates/<file>` there.
    pub fn leading_comments<'t>(&self, text: &'t str) -> Vec<&'t str> {
        let start = self.nodes[self.root as usize].start.max(self.preamble);
        text.get(self.preamble as usize..start as usize)
            .unwrap_or("")
            // NEL, LS and PS end a comment too (`super::breaks`).
            .split(|c: char| c == '\n' || super::breaks::is_other_break(c))
            .filter_map(|l| l.trim().strip_prefix('#'))
            .map(str::trim)
            .collect()
    }
}

impl Doc<'_> {
    /// Where the document's content ends.
    fn content_end(&self) -> u32 {
        self.nodes
            .get(self.root as usize)
            .map_or(self.start, |n| n.end.max(self.start))
    }
}

impl<'d> NodeRef<'d> {
    fn raw(self) -> &'d Node<'d> {
        &self.doc.nodes[self.id as usize]
    }

    /// The node's id in its document.
    pub fn id(self) -> NodeId {
        self.id
    }

    /// Whether this is a mapping.
    pub fn is_map(self) -> bool {
        matches!(self.raw().kind, Kind::Map { .. })
    }

    /// Whether this is a sequence.
    pub fn is_seq(self) -> bool {
        matches!(self.raw().kind, Kind::Seq { .. })
    }

    /// The entries of a mapping (key text, value), in order; empty for other nodes.
    pub fn entries(self) -> impl Iterator<Item = (&'d str, NodeRef<'d>)> + 'd {
        let doc = self.doc;
        let slice: &'d [Entry] = match self.raw().kind {
            Kind::Map { first, len } => &doc.entries[first as usize..(first + len) as usize],
            _ => &[],
        };
        slice
            .iter()
            .filter_map(move |e| match &doc.nodes[e.key as usize].kind {
                Kind::Scalar { text, .. } => Some((text.as_ref(), NodeRef { doc, id: e.value })),
                _ => None,
            })
    }

    /// Mapping entries as (key node, value node).
    pub fn entry_nodes(self) -> impl Iterator<Item = (NodeRef<'d>, NodeRef<'d>)> + 'd {
        let doc = self.doc;
        let slice: &'d [Entry] = match self.raw().kind {
            Kind::Map { first, len } => &doc.entries[first as usize..(first + len) as usize],
            _ => &[],
        };
        slice
            .iter()
            .map(move |e| (NodeRef { doc, id: e.key }, NodeRef { doc, id: e.value }))
    }

    /// The items of a sequence; empty for other nodes.
    pub fn items(self) -> impl Iterator<Item = NodeRef<'d>> + 'd {
        let doc = self.doc;
        let slice: &'d [NodeId] = match self.raw().kind {
            Kind::Seq { first, len } => &doc.items[first as usize..(first + len) as usize],
            _ => &[],
        };
        slice.iter().map(move |&id| NodeRef { doc, id })
    }

    /// Number of entries or items (0 for scalars).
    pub fn len(self) -> usize {
        match self.raw().kind {
            Kind::Map { len, .. } | Kind::Seq { len, .. } => len as usize,
            Kind::Scalar { .. } => 0,
        }
    }

    /// Whether a container has no entries (scalars count as empty).
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The entry-key node for `key` in a mapping.
    pub(crate) fn key_node(self, key: &str) -> Option<NodeRef<'d>> {
        self.entry_nodes()
            .find(|(k, _)| k.text().is_some_and(|t| same_key(t, key)))
            .map(|(k, _)| k)
    }

    /// The value under `key` in a mapping.
    pub fn get(self, key: &str) -> Option<NodeRef<'d>> {
        self.entries()
            .find(|(k, _)| same_key(k, key))
            .map(|(_, v)| v)
    }

    /// The value under `key`, unless it is null (YAML `key:` or `key: ~` count as unset).
    pub fn get_set(self, key: &str) -> Option<NodeRef<'d>> {
        self.get(key).filter(|n| !n.is_null())
    }

    /// Walk a route of keys.
    pub fn path(self, keys: &[&str]) -> Option<NodeRef<'d>> {
        keys.iter().try_fold(self, |n, k| n.get(k))
    }

    /// The `i`-th item of a sequence.
    pub fn at(self, i: usize) -> Option<NodeRef<'d>> {
        self.items().nth(i)
    }

    /// The scalar's text as written (after unescaping), whatever type it resolves to.
    pub fn text(self) -> Option<&'d str> {
        match &self.raw().kind {
            Kind::Scalar { text, .. } => Some(text.as_ref()),
            _ => None,
        }
    }

    /// The scalar's decoded value, as the cluster sees it.
    pub fn value(self) -> Option<Value<'d>> {
        match &self.raw().kind {
            Kind::Scalar { text, style, tag } => Some(scalar::resolve(text, *style, *tag)),
            _ => None,
        }
    }

    /// A string value (quoted, or plain text that YAML 1.1 does not read as something else).
    pub fn as_str(self) -> Option<&'d str> {
        match self.value()? {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A boolean value (`true`, `yes`, `on`, … unquoted).
    pub fn as_bool(self) -> Option<bool> {
        match self.value()? {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// An integral value (`0x0`, `0.0` and `1e3` included).
    pub fn as_i64(self) -> Option<i64> {
        self.value()?.as_i64()
    }

    /// Whether this is a null scalar.
    pub fn is_null(self) -> bool {
        matches!(self.value(), Some(Value::Null))
    }

    /// Whether the scalar carries a tag outside the core schema (`!!binary`, `!local`): its text
    /// is not what go-yaml decodes (`!!binary` is base64).
    pub fn has_foreign_tag(self) -> bool {
        matches!(
            self.raw().kind,
            Kind::Scalar {
                tag: TagHint::Other,
                ..
            }
        )
    }

    /// Whether the scalar was written as a quoted string.
    pub fn is_quoted(self) -> bool {
        matches!(
            self.raw().kind,
            Kind::Scalar {
                style: Style::Quoted,
                ..
            }
        )
    }

    /// Every string scalar below this node (keys excluded) at least `min_len` bytes long,
    /// depth-first, with its route (borrowed from the document: [`Step::seg`] makes a segment of
    /// a step worth keeping). Shorter scalars are skipped before they are resolved.
    pub fn walk_strings(self, min_len: usize, mut f: impl FnMut(&[Step<'d>], NodeRef<'d>)) {
        let mut route = Vec::with_capacity(16);
        self.walk_inner(&mut route, min_len, &mut f, 0);
    }

    fn walk_inner(
        self,
        route: &mut Vec<Step<'d>>,
        min_len: usize,
        f: &mut impl FnMut(&[Step<'d>], NodeRef<'d>),
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        match &self.raw().kind {
            Kind::Scalar { text, .. } => {
                if text.len() >= min_len && self.as_str().is_some() {
                    f(route, self);
                }
            }
            Kind::Seq { .. } => {
                for (i, item) in self.items().enumerate() {
                    route.push(Step::Index(u32::try_from(i).unwrap_or(u32::MAX)));
                    item.walk_inner(route, min_len, f, depth + 1);
                    route.pop();
                }
            }
            Kind::Map { .. } => {
                for (k, v) in self.entries() {
                    route.push(Step::Key(k));
                    v.walk_inner(route, min_len, f, depth + 1);
                    route.pop();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// A chain of `n` mappings, each merging the one before it (`a{i}: &a{i} {k{i}: v, <<: *a{i-1}}`):
    /// the last one holds `n` entries, and `n²/2` are copied in all.
    fn merge_chain(n: usize) -> String {
        let mut t = String::from("a0: &a0 {k0: v}\n");
        for i in 1..n {
            t.push_str(&format!("a{i}: &a{i}\n  k{i}: v\n  <<: *a{}\n", i - 1));
        }
        t
    }

    #[test]
    fn merge_keys_draw_on_the_alias_budget() {
        // 500 mappings copy about 125,000 entries: within the budget of a million.
        let small_text = merge_chain(500);
        let small = super::parse_stream(&small_text);
        assert!(small.error.is_none(), "{:?}", small.error);
        let doc = &small.docs[0];
        assert_eq!(doc.root().get("a499").map(super::NodeRef::len), Some(500));
        assert!(doc.entries.len() <= 130_000, "{}", doc.entries.len());
        // 3,000 copy about 4.5 million: the budget stops the document before they are copied.
        let text = merge_chain(3_000);
        let big = super::parse_stream(&text);
        let err = big.error.expect("a merge bomb is an error");
        assert!(err.message.contains("merge keys"), "{}", err.message);
        assert!(big.docs.is_empty());
        // Where it stopped: about where the copies passed the budget (1,415 mappings).
        let line = text[..err.offset as usize].lines().count();
        assert!((4_000..4_500).contains(&line), "{line}");
    }

    #[test]
    fn no_document_hands_the_rest_of_the_stream_to_saphyr() {
        // Every document leaves the fast path (an empty document, an anchor): saphyr reads each
        // up to the next `---` only.
        for doc in ["---\n# only a comment\n", "---\na: &x 1\nb: *x\n"] {
            let text = doc.repeat(20_000);
            let mut docs = super::Docs::new(&text);
            assert_eq!(docs.by_ref().count(), 20_000);
            assert!(docs.error.is_none());
            let handed = docs.handed_to_saphyr();
            assert!(
                handed <= text.len() as u64 + 3 * 20_000,
                "{handed} of {}",
                text.len()
            );
        }
    }

    /// The span of the block scalar under `k` in `text`, as saphyr's events give it.
    fn block_span(text: &str) -> &str {
        let doc = super::Docs::saphyr_only(text).next().expect("a document");
        let n = doc.root().get("k").expect("k").raw();
        &text[n.start as usize..n.end as usize]
    }

    #[test]
    fn block_scalars_start_at_their_indicator_or_their_content() {
        // With properties: past them, at the indicator.
        assert_eq!(block_span("k: &a |\n  x\n"), "|\n  x\n");
        assert_eq!(block_span("k: &a !!str >\n  &x y\n"), ">\n  &x y\n");
        // Without: at the content, even where it starts with `!` or `&`.
        assert_eq!(block_span("k: |\n  !x y\n"), "!x y\n");
        assert_eq!(block_span("k: |-\n  &x\n"), "&x\n");
        assert_eq!(block_span("k: |\n  !x: y |\n  a\n"), "!x: y |\n  a\n");
    }
}
