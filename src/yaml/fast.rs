//! A fast path for the block-style YAML manifests are written in.
//!
//! saphyr-parser copies every scalar into a `String` a character at a time; most of a
//! manifest's bytes are plain scalars (`name: web`), so most of parsing was copying. This
//! scanner reads the common subset (block mappings and sequences, one-line plain and quoted
//! scalars without escapes, one-line flow collections, literal block scalars, comments and
//! document markers), borrows every scalar from the input, and feeds the same events with the
//! same spans to the tree builder.
//!
//! It never decides anything it is unsure of: anything outside the subset (anchors, aliases,
//! tags, escapes, multi-line plain or quoted scalars, folded scalars, empty values, tabs,
//! carriage returns, directives, a syntax error) abandons the document, and saphyr parses it.
//! The fast path reads on from the next `---` line, which no content can start, when there is
//! one (`Fast::next_document`); else saphyr parses the rest of the stream. So the subset only
//! has to be read exactly as saphyr reads it, and the tests below and the `yaml` fuzz target
//! hold the two to the same trees and errors. A text holding a control character, NEL, LS or
//! PS is left to saphyr whole ([`eligible`]; saphyr reads NEL, LS and PS as line breaks,
//! `super::breaks`).
//!
//! This file and `tree.rs` import each other, on purpose: both parsers feed one tree builder
//! (`tree::Builder`), and the stream (`tree::Docs`) picks the parser document by document
//! (ARCHITECTURE.md, "Import circles").

use std::borrow::Cow;

use saphyr_parser::ScalarStyle;

use super::scalar::TagHint;
use super::tree::{Builder, style_of};

/// The document is outside the fast subset: let saphyr read it.
#[derive(Debug)]
pub(crate) struct Bail;

type R<T> = Result<T, Bail>;

/// The longest simple key YAML allows.
const MAX_KEY: usize = 1024;

/// Where a document ended.
pub(crate) struct DocEnd {
    /// Where the next document's text starts (a `---` line, or after a `...` line).
    pub(crate) next: usize,
}

pub(crate) struct Fast<'a> {
    text: &'a str,
    b: &'a [u8],
    /// Nesting depth of collections (refused past the builder's limit by the builder).
    depth: usize,
    /// The last token `next_token` found and its column: the parser asks for the column of
    /// the token it was just given several times.
    last: std::cell::Cell<(usize, usize)>,
}

/// A simple key: its scalar (style, text, start, end) and the position of its `:`.
type Key<'a> = (ScalarStyle, Cow<'a, str>, usize, usize, usize);

/// A byte offset as the tree holds it.
fn pos(i: usize) -> R<u32> {
    u32::try_from(i).map_err(|_| Bail)
}

fn is_space_or_end(c: Option<&u8>) -> bool {
    matches!(c, None | Some(b' ' | b'\n'))
}

/// Whether the fast path may read `text` at all: no control character but the line feed, no
/// byte-order mark, no C1 control (NEL among them) or non-character, which saphyr may treat
/// specially, and no LS or PS: go-yaml ends a line at NEL, LS and PS, which only the saphyr
/// path is taught ([`super::breaks`]), and a `---` after one starts a document, which
/// [`Fast::next_document`] would not see.
pub(crate) fn eligible(text: &str) -> bool {
    let b = text.as_bytes();
    // A branch-free test per 64 bytes (the compiler vectorises it).
    let control = |c: u8| (c < 0x20) & (c != b'\n') | (c == 0x7f);
    if b.chunks(64)
        .any(|chunk| chunk.iter().fold(false, |acc, &c| acc | control(c)))
    {
        return false;
    }
    !memchr::memchr3_iter(0xC2, 0xE2, 0xEF, b).any(|i| match b[i] {
        0xC2 => matches!(b.get(i + 1), Some(0x80..=0x9F)),
        0xE2 => super::breaks::other_break_at(b, i).is_some(),
        _ => matches!(
            (b.get(i + 1), b.get(i + 2)),
            (Some(0xBB), Some(0xBF)) | (Some(0xBF), Some(0xBE | 0xBF))
        ),
    })
}

impl<'a> Fast<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Fast {
            text,
            b: text.as_bytes(),
            depth: 0,
            last: std::cell::Cell::new((usize::MAX, 0)),
        }
    }

    fn at(&self, i: usize) -> Option<u8> {
        self.b.get(i).copied()
    }

    /// Past the spaces from `i` on, eight bytes at a time (lines are indented by up to tens of
    /// spaces; this was a tenth of the fast path's instructions a byte at a time).
    fn skip_spaces(&self, mut i: usize) -> usize {
        const SPACES: u64 = u64::from_le_bytes(*b"        ");
        while let Some(w) = self.b.get(i..i + 8) {
            let diff = u64::from_le_bytes(w.try_into().unwrap_or_default()) ^ SPACES;
            if diff != 0 {
                // The first byte that is not a space is the lowest nonzero one.
                return i + (diff.trailing_zeros() / 8) as usize;
            }
            i += 8;
        }
        while self.at(i) == Some(b' ') {
            i += 1;
        }
        i
    }

    fn line_start(&self, i: usize) -> usize {
        memchr::memrchr(b'\n', &self.b[..i]).map_or(0, |p| p + 1)
    }

    /// The line break ending the line `i` is on (the end of the text on the last line).
    fn line_end(&self, i: usize) -> usize {
        memchr::memchr(b'\n', &self.b[i..]).map_or(self.b.len(), |p| i + p)
    }

    fn col(&self, i: usize) -> usize {
        match self.last.get() {
            (at, col) if at == i => col,
            _ => i - self.line_start(i),
        }
    }

    /// Whether a `---` or `...` marker starts at `i` (a line start).
    fn marker(&self, i: usize) -> bool {
        let m = &self.b[i..];
        (m.starts_with(b"---") || m.starts_with(b"...")) && is_space_or_end(m.get(3))
    }

    /// Where the document after the one whose text starts at line start `pos` starts, when the
    /// text alone tells: at the next line that starts with a `---` marker, which no content can
    /// (YAML 1.2 `c-forbidden`: saphyr ends a document there as well). `None` (saphyr reads on)
    /// when the document has directives, when a line starting with `%` (perhaps a directive of
    /// the next document) or an end marker (`...`) comes first, or when it is the last one.
    pub(crate) fn next_document(&self, pos: usize) -> Option<usize> {
        // The document's own start: past blank and comment lines, and its `---` line if any.
        let first = self.first_token(pos).ok()??;
        if self.b[first] == b'%' {
            return None;
        }
        let next_line = |i: usize| (self.line_end(i) + 1).min(self.b.len());
        let mut line = self.line_start(first);
        if line == first && self.b[first] == b'-' && self.marker(first) {
            line = next_line(line);
        }
        while line < self.b.len() {
            if self.marker(line) {
                return (self.b[line] == b'-').then_some(line);
            }
            if self.b[line] == b'%' {
                return None;
            }
            line = next_line(line);
        }
        None
    }

    /// From `i` on the current line: past spaces and a comment to the line's end. Bails on
    /// anything else, on tabs and on carriage returns.
    fn end_of_line(&self, mut i: usize) -> R<usize> {
        while let Some(c) = self.at(i) {
            match c {
                b' ' => i += 1,
                b'#' if i == 0 || matches!(self.b[i - 1], b' ' | b'\n') => {
                    return self.comment_end(i);
                }
                b'\n' => return Ok(i),
                _ => return Err(Bail),
            }
        }
        Ok(i)
    }

    /// The end of a comment starting at `i` (its line break, or the end of the text).
    fn comment_end(&self, i: usize) -> R<usize> {
        let end = self.line_end(i);
        if self.b[i..end].iter().any(|&c| c == b'\r' || c == b'\t') {
            return Err(Bail);
        }
        Ok(end)
    }

    /// The next token at or after `i` (which is on a line whose rest must be blank or a
    /// comment): the first character of the next line with content. `None` at the end of the
    /// text.
    fn next_token(&self, i: usize) -> R<Option<usize>> {
        let mut i = self.end_of_line(i)?;
        loop {
            // `i` is at a line break or the end.
            if i >= self.b.len() {
                return Ok(None);
            }
            i += 1;
            let j = self.skip_spaces(i);
            match self.at(j) {
                None => return Ok(None),
                Some(b'\n') => i = j,
                Some(b'#') => i = self.comment_end(j)?,
                Some(b'\t' | b'\r') => return Err(Bail),
                Some(_) => {
                    // `i` is the start of the token's line.
                    self.last.set((j, j - i));
                    return Ok(Some(j));
                }
            }
        }
    }

    /// The first token of the text at or after the line start `i`.
    pub(crate) fn first_token(&self, i: usize) -> R<Option<usize>> {
        let j = self.skip_spaces(i);
        match self.at(j) {
            None => Ok(None),
            Some(b'\n' | b'#') => self.next_token(j),
            Some(b'\t' | b'\r') => Err(Bail),
            Some(_) => Ok(Some(j)),
        }
    }

    /// Parse one document whose first token (or `---` marker) is at `tok`, a line start or the
    /// first content of one. Feeds the builder; returns where the next document starts.
    pub(crate) fn document(&mut self, tok: usize, b: &mut Builder<'a>) -> R<DocEnd> {
        let root = if self.col(tok) == 0 && self.marker(tok) {
            if self.b[tok] == b'.' {
                return Err(Bail);
            }
            let Some(r) = self.next_token(tok + 3)? else {
                return Err(Bail);
            };
            if self.col(r) == 0 && self.marker(r) {
                return Err(Bail);
            }
            r
        } else {
            tok
        };
        let end = self.node(root, -1, b)?;
        match self.next_token(end)? {
            None => Ok(DocEnd { next: self.b.len() }),
            Some(n) if self.col(n) == 0 && self.marker(n) => {
                if self.b[n] == b'-' {
                    Ok(DocEnd { next: n })
                } else {
                    // `...`: the next document starts on the following line.
                    let after = self.end_of_line(n + 3)?;
                    Ok(DocEnd {
                        next: (after + 1).min(self.b.len()),
                    })
                }
            }
            Some(_) => Err(Bail),
        }
    }

    // The builder takes the nodes directly (what saphyr's events carry beyond them, anchors,
    // tags and properties, is outside the subset), with the spans saphyr's events would give.

    fn scalar(
        &mut self,
        b: &mut Builder<'a>,
        style: ScalarStyle,
        value: Cow<'a, str>,
        start: usize,
        end: usize,
    ) -> R<()> {
        let (s, e) = (pos(start)?, pos(end)?);
        b.push_scalar(value, style_of(style), TagHint::None, s, e, 0);
        Ok(())
    }

    fn open(&mut self, b: &mut Builder<'a>, map: bool, flow: bool, at: usize) -> R<()> {
        self.depth += 1;
        if self.depth > super::tree::MAX_DEPTH {
            return Err(Bail);
        }
        b.open(map, flow, pos(at)?, 0).map_err(|_| Bail)
    }

    fn close(&mut self, b: &mut Builder<'a>, at: usize, end: usize) -> R<()> {
        self.depth -= 1;
        b.close(pos(at)?, pos(end)?, self.text).map_err(|_| Bail)
    }

    /// A block node whose first token is at `at`, inside a collection indented `parent`
    /// (-1 at the root). Returns the position after its content on its last line.
    fn node(&mut self, at: usize, parent: isize, b: &mut Builder<'a>) -> R<usize> {
        let col = self.col(at);
        if isize::try_from(col).map_err(|_| Bail)? <= parent {
            return Err(Bail);
        }
        match self.b[at] {
            b'-' if is_space_or_end(self.b.get(at + 1)) => self.sequence(at, false, b),
            // A block scalar as a whole document starts the document elsewhere: saphyr's.
            b'|' if parent >= 0 => self.literal(at, parent, b),
            b'|' => Err(Bail),
            b'[' | b'{' => {
                let end = self.flow(at, b)?;
                self.only_comment_after(end)?;
                self.single_line(end, parent)
            }
            _ => {
                if let Some(key) = self.key(at)? {
                    return self.mapping(at, key, b);
                }
                let end = self.inline_scalar(at, b)?;
                self.single_line(end, parent)
            }
        }
    }

    /// After a one-line node ending at `end`: nothing more indented than `parent` may follow
    /// (a continuation line of a plain scalar, or an error: saphyr decides).
    fn single_line(&self, end: usize, parent: isize) -> R<usize> {
        if let Some(n) = self.next_token(end)?
            && isize::try_from(self.col(n)).map_err(|_| Bail)? > parent
            && !(self.col(n) == 0 && self.marker(n))
        {
            return Err(Bail);
        }
        Ok(end)
    }

    fn only_comment_after(&self, end: usize) -> R<()> {
        self.end_of_line(end).map(|_| ())
    }

    /// If a simple key starts at `at`: its scalar (style, text, start, end) and the position of
    /// its `:`.
    fn key(&self, at: usize) -> R<Option<Key<'a>>> {
        if let Some((style, text, start, end)) = self.quoted(at)? {
            let i = self.skip_spaces(end);
            if self.at(i) == Some(b':') && is_space_or_end(self.b.get(i + 1)) {
                if i != end || end - at > MAX_KEY {
                    return Err(Bail);
                }
                return Ok(Some((style, text, start, end, i)));
            }
            return Ok(None);
        }
        if !self.plain_start(at) {
            return Ok(None);
        }
        let mut i = at;
        while let Some(c) = self.at(i) {
            match c {
                b':' if is_space_or_end(self.b.get(i + 1)) => {
                    if self.b[i - 1] == b' ' || i - at > MAX_KEY {
                        return Err(Bail);
                    }
                    return Ok(Some((
                        ScalarStyle::Plain,
                        Cow::Borrowed(&self.text[at..i]),
                        at,
                        i,
                        i,
                    )));
                }
                b'#' if self.b[i - 1] == b' ' => return Ok(None),
                b'\n' => return Ok(None),
                b'\t' | b'\r' => return Err(Bail),
                _ => i += 1,
            }
        }
        Ok(None)
    }

    /// Whether a plain scalar may start at `at` (in block context; the rest are bails or other
    /// node kinds).
    fn plain_start(&self, at: usize) -> bool {
        match self.b[at] {
            b'-' | b'?' | b':' => !matches!(
                self.b.get(at + 1),
                None | Some(b' ' | b'\n' | b'\t' | b'\r' | b',' | b'[' | b']' | b'{' | b'}')
            ),
            b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
            | b'"' | b'%' | b'@' | b'`' | b' ' | b'\n' | b'\t' | b'\r' => false,
            _ => true,
        }
    }

    /// The closing quote of a one-line quoted scalar without escapes at `at`, `None` if it has
    /// none on its line. Bails on escapes.
    fn quoted_close(&self, at: usize) -> R<Option<usize>> {
        let q = self.b[at];
        let mut i = at + 1;
        while let Some(c) = self.at(i) {
            match c {
                b'\n' => return Ok(None),
                b'\\' if q == b'"' => return Err(Bail),
                b'\t' | b'\r' => return Err(Bail),
                c if c == q => {
                    if q == b'\'' && self.at(i + 1) == Some(b'\'') {
                        return Err(Bail);
                    }
                    return Ok(Some(i));
                }
                _ => i += 1,
            }
        }
        Ok(None)
    }

    /// The one-line quoted scalar without escapes at `at`: style, text, start, end. `None` when
    /// `at` holds no quote; bails when the scalar does not close on its line.
    #[allow(clippy::type_complexity)]
    fn quoted(&self, at: usize) -> R<Option<(ScalarStyle, Cow<'a, str>, usize, usize)>> {
        let style = match self.b[at] {
            b'"' => ScalarStyle::DoubleQuoted,
            b'\'' => ScalarStyle::SingleQuoted,
            _ => return Ok(None),
        };
        let Some(close) = self.quoted_close(at)? else {
            return Err(Bail);
        };
        Ok(Some((
            style,
            Cow::Borrowed(&self.text[at + 1..close]),
            at,
            close + 1,
        )))
    }

    /// A one-line plain or quoted scalar in block context at `at`; returns its end.
    fn inline_scalar(&mut self, at: usize, b: &mut Builder<'a>) -> R<usize> {
        if let Some((style, text, start, end)) = self.quoted(at)? {
            self.scalar(b, style, text, start, end)?;
            if !matches!(self.at(end), None | Some(b' ' | b'\n')) {
                return Err(Bail);
            }
            self.only_comment_after(end)?;
            return Ok(end);
        }
        if !self.plain_start(at) {
            return Err(Bail);
        }
        let mut i = at;
        let mut last = at;
        while let Some(c) = self.at(i) {
            match c {
                b'\n' => break,
                b'#' if self.b[i - 1] == b' ' => break,
                b':' if is_space_or_end(self.b.get(i + 1)) => return Err(Bail),
                b'\t' | b'\r' => return Err(Bail),
                b' ' => i += 1,
                _ => {
                    i += 1;
                    last = i;
                }
            }
        }
        self.scalar(
            b,
            ScalarStyle::Plain,
            Cow::Borrowed(&self.text[at..last]),
            at,
            last,
        )?;
        Ok(last)
    }

    /// A block mapping whose first key, at `at`, is `first`.
    fn mapping(&mut self, at: usize, first: Key<'a>, b: &mut Builder<'a>) -> R<usize> {
        let indent = self.col(at);
        let parent = isize::try_from(indent).map_err(|_| Bail)?;
        self.open(b, true, false, at)?;
        let mut key = Some(first);
        let end = loop {
            let Some((style, text, ks, ke, colon)) = key.take() else {
                return Err(Bail);
            };
            self.scalar(b, style, text, ks, ke)?;
            let v = self.skip_spaces(colon + 1);
            let end = match self.at(v) {
                None | Some(b'\n') | Some(b'#') => {
                    let Some(n) = self.next_token(v)? else {
                        return Err(Bail);
                    };
                    if self.col(n) == 0 && self.marker(n) {
                        return Err(Bail);
                    }
                    if self.col(n) > indent {
                        self.node(n, parent, b)?
                    } else if self.col(n) == indent
                        && self.b[n] == b'-'
                        && is_space_or_end(self.b.get(n + 1))
                    {
                        self.sequence(n, true, b)?
                    } else {
                        return Err(Bail);
                    }
                }
                Some(b'-') if is_space_or_end(self.b.get(v + 1)) => return Err(Bail),
                Some(b'|') => self.literal(v, parent, b)?,
                Some(b'[' | b'{') => {
                    let end = self.flow(v, b)?;
                    self.only_comment_after(end)?;
                    self.single_line(end, parent)?
                }
                // A value that is itself a key (`a: b: c`) bails in `inline_scalar`, at the
                // same `:` the key scan would stop at.
                Some(_) => {
                    let end = self.inline_scalar(v, b)?;
                    self.single_line(end, parent)?
                }
            };
            match self.next_token(end)? {
                Some(n) if self.col(n) == indent && !(indent == 0 && self.marker(n)) => {
                    key = self.key(n)?;
                }
                Some(n) if self.col(n) > indent => return Err(Bail),
                _ => break end,
            }
        };
        self.close(b, end, end)?;
        Ok(end)
    }

    /// A block sequence whose first `-` is at `at`; `indentless` when it is the value of a
    /// mapping key at the key's own indentation.
    fn sequence(&mut self, at: usize, indentless: bool, b: &mut Builder<'a>) -> R<usize> {
        let indent = self.col(at);
        let parent = isize::try_from(indent).map_err(|_| Bail)?;
        let mut dash = at;
        let mut opened = false;
        let end = loop {
            let mut t = self.skip_spaces(dash + 1);
            if matches!(self.at(t), None | Some(b'\n' | b'#')) {
                if indentless && !opened {
                    // Where saphyr starts such a sequence is not worth modelling.
                    return Err(Bail);
                }
                match self.next_token(t)? {
                    Some(n) if self.col(n) > indent && !(self.col(n) == 0 && self.marker(n)) => {
                        t = n;
                    }
                    _ => return Err(Bail),
                }
            }
            if !opened {
                // saphyr starts a block sequence's span at its first `-`, an indentless one's
                // at its first item.
                self.open(b, false, false, if indentless { t } else { at })?;
                opened = true;
            }
            let end = self.node(t, parent, b)?;
            match self.next_token(end)? {
                Some(n)
                    if self.col(n) == indent
                        && self.b[n] == b'-'
                        && is_space_or_end(self.b.get(n + 1))
                        && !(indent == 0 && self.marker(n)) =>
                {
                    dash = n;
                }
                Some(n) if self.col(n) > indent => return Err(Bail),
                _ => break end,
            }
        };
        self.close(b, end, end)?;
        Ok(end)
    }

    /// A literal block scalar whose `|` is at `at`, in a collection indented `parent`.
    /// Returns the line break before the line that ends it (or the end of the text).
    fn literal(&mut self, at: usize, parent: isize, b: &mut Builder<'a>) -> R<usize> {
        let mut i = at + 1;
        let chomp = match self.at(i) {
            Some(b'-') => {
                i += 1;
                b'-'
            }
            Some(b'+') => {
                i += 1;
                b'+'
            }
            _ => b' ',
        };
        if !matches!(self.at(i), None | Some(b' ' | b'\n')) {
            return Err(Bail);
        }
        let eol = self.end_of_line(i)?;
        if eol >= self.b.len() {
            return Err(Bail);
        }
        // The first content line fixes the indentation; leading blank lines are left to saphyr.
        let first = eol + 1;
        let k = self.skip_spaces(first);
        let indent = k - first;
        if matches!(self.at(k), None | Some(b'\n' | b'\t' | b'\r'))
            || isize::try_from(indent).map_err(|_| Bail)? <= parent
        {
            return Err(Bail);
        }
        let start = k;
        let mut value = String::new();
        let mut line = first;
        // Blank lines seen since the last content line.
        let mut blanks = 0usize;
        let end = loop {
            if line >= self.b.len() {
                break self.b.len();
            }
            let eol = self.line_end(line);
            let content = &self.b[line..eol];
            let spaces = content.iter().take_while(|&&c| c == b' ').count();
            if content.iter().any(|&c| c == b'\t' || c == b'\r') {
                return Err(Bail);
            }
            if spaces == content.len() {
                // A blank line: more spaces than the indentation would be content.
                if spaces > indent {
                    return Err(Bail);
                }
                blanks += 1;
            } else if spaces < indent {
                break line + spaces;
            } else {
                for _ in 0..blanks {
                    value.push('\n');
                }
                blanks = 0;
                value.push_str(&self.text[line + indent..eol]);
                value.push('\n');
            }
            if eol >= self.b.len() {
                break self.b.len();
            }
            line = eol + 1;
        };
        if blanks > 0 && end == self.b.len() && !self.b.ends_with(b"\n") {
            // A last blank line without a line break: left to saphyr.
            return Err(Bail);
        }
        match chomp {
            b'-' => {
                value.pop();
            }
            b'+' => {
                for _ in 0..blanks {
                    value.push('\n');
                }
            }
            _ => {}
        }
        self.scalar(b, ScalarStyle::Literal, Cow::Owned(value), start, end)?;
        // The caller reads on from the line break before the line that ended the scalar.
        Ok(if end >= self.b.len() {
            end
        } else {
            self.line_start(end) - 1
        })
    }

    /// A one-line flow collection at `at`; returns the position after it.
    fn flow(&mut self, at: usize, b: &mut Builder<'a>) -> R<usize> {
        let map = self.b[at] == b'{';
        let close = if map { b'}' } else { b']' };
        self.open(b, map, true, at)?;
        let mut i = self.flow_space(at + 1)?;
        if self.at(i) == Some(close) {
            self.close(b, i, i + 1)?;
            return Ok(i + 1);
        }
        loop {
            if map {
                let (style, text, ks, ke) = self.flow_scalar(i, true)?;
                self.scalar(b, style, text, ks, ke)?;
                i = ke;
                if self.at(i) != Some(b':') || self.at(i + 1) != Some(b' ') {
                    return Err(Bail);
                }
                i = self.flow_space(i + 1)?;
                i = self.flow_item(i, b)?;
            } else {
                i = self.flow_item(i, b)?;
            }
            i = self.flow_space(i)?;
            match self.at(i) {
                Some(b',') => {
                    i = self.flow_space(i + 1)?;
                    if matches!(self.at(i), Some(b']' | b'}')) {
                        return Err(Bail);
                    }
                }
                Some(c) if c == close => {
                    self.close(b, i, i + 1)?;
                    return Ok(i + 1);
                }
                _ => return Err(Bail),
            }
        }
    }

    fn flow_space(&self, mut i: usize) -> R<usize> {
        i = self.skip_spaces(i);
        match self.at(i) {
            None | Some(b'\n' | b'\t' | b'\r' | b'#') => Err(Bail),
            Some(_) => Ok(i),
        }
    }

    fn flow_item(&mut self, i: usize, b: &mut Builder<'a>) -> R<usize> {
        match self.b[i] {
            b'[' | b'{' => self.flow(i, b),
            _ => {
                let (style, text, s, e) = self.flow_scalar(i, false)?;
                self.scalar(b, style, text, s, e)?;
                Ok(e)
            }
        }
    }

    /// A scalar inside a flow collection: quoted, or plain up to `,`, `]`, `}` (or the `:` of
    /// a key). Plain scalars with anything unusual bail.
    fn flow_scalar(&self, at: usize, key: bool) -> R<(ScalarStyle, Cow<'a, str>, usize, usize)> {
        if let Some(q) = self.quoted(at)? {
            return Ok(q);
        }
        if !self.plain_start(at) {
            return Err(Bail);
        }
        let mut i = at;
        let mut last = at;
        while let Some(c) = self.at(i) {
            match c {
                b',' | b']' | b'}' => break,
                b':' if key && self.at(i + 1) == Some(b' ') => break,
                b':' | b'[' | b'{' | b'#' | b'\n' | b'\t' | b'\r' | b'"' | b'\'' => {
                    return Err(Bail);
                }
                b' ' => i += 1,
                _ => {
                    i += 1;
                    last = i;
                }
            }
        }
        if key && self.at(last) != Some(b':') {
            return Err(Bail);
        }
        Ok((
            ScalarStyle::Plain,
            Cow::Borrowed(&self.text[at..last]),
            at,
            last,
        ))
    }
}

/// Parse `text` as kubeward does (fast path, saphyr for the documents outside it) and with
/// saphyr alone; describe the first difference in the trees or errors, if any.
pub fn differs_from_saphyr(text: &str) -> Option<String> {
    use super::tree::Docs;
    let mut fast = Docs::new(text);
    let mut slow = Docs::saphyr_only(text);
    let mut index = 0;
    loop {
        match (fast.next(), slow.next()) {
            (None, None) => break,
            (a, b) => {
                let (a, b) = (format!("{a:#?}"), format!("{b:#?}"));
                if a != b {
                    let line = a
                        .lines()
                        .zip(b.lines())
                        .position(|(x, y)| x != y)
                        .unwrap_or(0);
                    let window = |s: &str| {
                        s.lines()
                            .skip(line.saturating_sub(20))
                            .take(24)
                            .collect::<Vec<_>>()
                            .join("\n")
                    };
                    return Some(format!(
                        "document {index} differs:\n--- fast\n{}\n--- saphyr\n{}",
                        window(&a),
                        window(&b)
                    ));
                }
            }
        }
        index += 1;
    }
    let (a, b) = (format!("{:?}", fast.error), format!("{:?}", slow.error));
    (a != b).then(|| format!("errors differ: fast {a}, saphyr {b}"))
}

#[cfg(test)]
mod tests {
    use super::differs_from_saphyr;

    /// Texts at the edges of the subset: each must read exactly as saphyr reads it (inside
    /// the subset by the fast path, outside it by saphyr).
    const EDGES: &[&str] = &[
        "",
        // Block scalar content that starts like a property (a tag or an anchor) is content.
        "value: |\n  !arn:aws:iam::1:role/x\n",
        "value: >-\n  &x y\n  z\n",
        // ... even where the line ends like a block header (fuzz).
        "value: |\n  !'o':\u{fffd} x: |\n  a",
        "\n",
        "# only a comment\n",
        "a: b",
        "a: b\n",
        "a: b # c\nd: e\n",
        "# lead\n\napiVersion: v1 # c\nkind: Pod\n",
        "a:\n  b: c\n  d:\n  - e\n  - f: g\n    h: i\n  - [j, k]\n  - {l: m}\n",
        "a:\n- b\n-  c\n- - d\n  - e\n",
        "- a\n- b: c\n  d: e\n-\n  f: g\n",
        "a: |\n  x\n   y\n\n  z\nb: c\n",
        "a: |-\n  x\n\n\nb: c\n",
        "a: |+\n  x\n\n\nb: c\n",
        "a: |\n  x\n\n",
        "a: |\n  x",
        "a: |\n  x\n  ",
        "a: |\n\n  x\n",
        "a: |2\n   x\n",
        "a: >\n  x\n  y\n",
        "- |\n  x\n- y\n",
        "a:\n  - |\n    x\n  - y\n",
        "a: \"x y\"\nb: 'z'\n\"c\": d\n'e': f\n",
        "a: \"x\\ny\"\n",
        "a: 'it''s'\n",
        "a: []\nb: {}\nc: [1, \"2\", '3']\nd: {e: f, g: [h]}\n",
        "a: [1,2]\nb: [ 1 , 2 ]\n",
        "a: [1, 2,]\n",
        "a: [1,\n  2]\n",
        "a: {b: c, d}\n",
        "a: b\n  c\n",
        "a: b\n  c: d\n",
        "a:\n  b\nc: d\n",
        "a:\nb: c\n",
        "a: ~\nb: null\nc:\n",
        "a: &x b\nc: *x\n",
        "a: !!str 1\n",
        "<<: {a: b}\nc: d\n",
        "a: b\na: c\n",
        "a: b: c\n",
        "a : b\n",
        "a: http://x:1/y\nb: c:d\n",
        "a: -1\nb: -x\nc: ?x\nd: :x\n",
        "a: x#y\nb: x #y\n",
        "---\na: b\n---\nc: d\n...\n",
        "a: b\n---\n",
        "---\n",
        "--- a\n",
        "a: b\n...\n---\nc: d\n",
        "a: b\n...\nc: d\n",
        "%YAML 1.1\n---\na: b\n",
        "a:\tb\n",
        "a: b\r\nc: d\r\n",
        "\u{feff}a: b\n",
        "a: b\n  # comment\nc: d\n",
        "a:\n  # comment\n  b: c\n",
        "  a: b\n  c: d\n",
        "a: b\n c: d\n",
        "- a\n - b\n",
        "a: 'b\n  c'\n",
        "a: \"b\n  c\"\n",
        "a: é\nb: 日本\n\"ü\": x\n",
        "a: b\u{85}c\n",
        "? a\n: b\n",
        "a: [b, {c: d}]\n",
        "a: {b: [c, d], e: {f: g}}\n",
        "a: [b: c]\n",
        "[a, b]\n",
        "{a: b}\n",
        "plain\n",
        "\"quoted\"\n",
        "a: b\nc\n",
        "a:\n  - b\n  c: d\n",
        "a:\n- b\nc: d\n- e\n",
        "a: |\n  x\n b: c\n",
        "a: |\n  x\n# c\nb: c\n",
        "a: |\n    x\n  y\n",
        "key with spaces: v\n",
        "a: b   \nc: d   # x\n",
        "a: 'b' x\n",
        "a: \"b\"#c\n",
        "a: [a, b] x\n",
        "a:\n\n\n  b: c\n",
        "a: x\n---\nb: |\n  y\n---\n- z\n",
        "a: 0x1F\nb: 0o17\nc: yes\nd: 1_000\ny: n\n",
        "a: b]\nc: d}\ne: f, g\nh: i[j\n",
        "a: x: y\n",
        "a: -\nb: - c\nd: ? e\n",
        "- ? a\n",
        "a: :\nb: c :d\n",
        "a: @x\n",
        "a: `x\n",
        "a: %x\n",
        "a: 'x'#c\n",
        "a:b\n",
        "a:b: c\n",
        "-a\n- -b\n--c\n",
        "a: ---\nb: ...\n",
        "---a\n",
        "... \n",
        "a: b\n--- \nc: d\n",
        "a: b\n---  # c\nc: d\n",
        "a: {b: c}  # d\ne: [f]# g\n",
        "a: [b]]\n",
        "a: {b: c}}\n",
        "a: [b, [c, [d]]]\n",
        "a: {b: {c: {d: e}}}\n",
        "a: {\"b\": 'c'}\n",
        "a: ['b', \"c\"]\n",
        "a: {b: }\n",
        "a: {b:c}\n",
        "a: {b: c d}\n",
        "a: [b c]\n",
        "a: [-b, -1, ?c]\n",
        "a: [- b]\n",
        "a: [b, c]x\n",
        "a:   b\n",
        "a:\n    - b\n    - c\nd: e\n",
        "a:\n  b:\n  - c\n  d: e\n",
        "a:\n  b:\n    - c\n  d: e\n",
        "- a\n-\n- b\n",
        "a: |\n  x\n  # not a comment\nb: c\n",
        "a: |\n x\nb: c\n",
        "a: |-\n  x\n",
        "a: |+\n  x\n",
        "a: |+\n  x",
        "a: | # c\n  x\n",
        "a: |x\n  y\n",
        "a: |\n  x: y\n  - z\n",
        "x: \"a # b\"\ny: 'c # d'\n",
        "'a b': c\n\"d e\": f\n",
        "a: \"\"\nb: ''\n",
        "\"a\"  : b\n",
        "a: 1e3\nb: .inf\nc: -.5\nd: +1\n",
        "a: é: b\n",
        "é: x\n",
        "a: b\u{2028}c\n",
        "a: \u{a0}b\n",
        // A document outside the subset (anchors) between documents inside it: saphyr reads it
        // alone, up to the next `---` line, and the fast path reads on.
        "a: &x 1\nb: *x\n---\nc: d\n",
        "x: y\n---\n# lead\na: &x {k: v}\nb: *x\n--- # next\nc: d\n---\ne: &y f\n",
        "--- &r\na: 1\n---\nb: 2\n",
        "a: &x 1\n...\n---\nb: 2\n",
        "---\n# only a comment\n---\na: &x 1\n---\nb: 2\n",
        "--- &x\n---\nb: 2\n",
        "a: &x 1\nb:\n---\nc: d\n",
        "a: &x 1\nb:\n# c\n\n---\nc: d\n",
        "- &x a\n-\n---\nb: 2\n",
        "a: &x 1\nb: *x\n",
        "a: &x 1\n...\n%YAML 1.2\n---\nb: 2\n",
        "x: y\n---\n%YAML 1.2\n---\na: &x 1\n---\nb: 2\n",
        "a: &x |\n  text\n---\nb: 2\n",
        "a: &x \"multi\n  line\"\n---\nb: 2\n",
        // ... an error in it is found as saphyr finds it reading on, and an empty node at its
        // end spans as saphyr spans it reading on (found by the `yaml` fuzz target).
        ">   # c\n---\na: b\n",
        "ba: &x 1\nb:: *x\n---\n *x\n---\nc:\n",
        "a: &x 1\n%TAG !e! tag:e.com:\n---\nb: !e!c d\n",
        "a: &x 1\n%YAML 1.2\n---\nb: c\n",
        "a: >\n---\nb: c\n",
        "a: &x\n---\nb: c\n",
        "a: &x [1,\n---\nb: c\n",
        "a: &x 1\nb: *y\n---\nc: d\n",
        "a: &x \"open\n---\nb: \"c\"\n",
        // Found by the `yaml` fuzz target.
        "|-\n\u{fffd}",
        "k:\n- # c\n\n  x\n",
        "k:\n-\n  x\n- # c\n  y\n",
        "|\n  x\n",
    ];

    /// The fast path does not know that NEL, LS and PS end a line: it never reads a text that
    /// holds one (saphyr does, with each read as a line break), and still reads its neighbours.
    #[test]
    fn texts_with_nel_ls_or_ps_are_left_to_saphyr() {
        for brk in ['\u{85}', '\u{2028}', '\u{2029}'] {
            assert!(!super::eligible(&format!("a: b # c{brk}d: e\n")), "{brk:?}");
        }
        assert!(super::eligible("a: \u{a0}é—…\u{2027}\u{202a}\u{2030}\n"));
        let text = "a: 1 # c\u{2028}b: 2\n";
        let doc = super::super::tree::Docs::new(text)
            .next()
            .expect("a document");
        assert_eq!(doc.root().get("b").and_then(|n| n.as_i64()), Some(2));
    }

    #[test]
    fn edges_read_as_saphyr_reads_them() {
        let failures: Vec<String> = EDGES
            .iter()
            .filter_map(|t| differs_from_saphyr(t).map(|d| format!("{t:?}: {d}")))
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    }

    /// Every manifest of the bundled examples and of the shared corpus (when present; set
    /// `KUBEWARD_DIFF_DIRS` to add directories) reads the same through both paths.
    #[test]
    fn corpora_read_as_saphyr_reads_them() {
        let mut dirs = vec![std::path::PathBuf::from("testdata")];
        let shared = std::path::Path::new("../shared/corpus");
        if shared.is_dir() {
            dirs.push(shared.to_path_buf());
        } else {
            println!("note: ../shared/corpus is absent; only testdata/ is compared");
        }
        if let Some(extra) = std::env::var_os("KUBEWARD_DIFF_DIRS") {
            dirs.extend(std::env::split_paths(&extra));
        }
        let mut failures = Vec::new();
        let mut files = 0;
        let mut stack = dirs;
        while let Some(d) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in rd.flatten() {
                let p = e.path();
                let Ok(ft) = e.file_type() else { continue };
                if ft.is_dir() {
                    stack.push(p);
                } else if ft.is_file()
                    && p.extension()
                        .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
                    && let Ok(text) = std::fs::read_to_string(&p)
                {
                    files += 1;
                    if let Some(d) = differs_from_saphyr(&text) {
                        failures.push(format!("{}: {d}", p.display()));
                    }
                }
            }
        }
        assert!(files > 0);
        assert!(
            failures.is_empty(),
            "{} of {files} files differ:\n{}",
            failures.len(),
            failures
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n\n")
        );
    }
}
