//! Text from the input made inert for a terminal: control characters shown, not obeyed.
//!
//! Text from the input (file names, names inside messages, source lines) made inert for a
//! terminal: a control character in a file name or a manifest (an escape sequence, a bare
//! carriage return, a bell, a bidirectional override) is shown, never interpreted.
//!
//! - [`path`]: one line of output; every control character is escaped (`\n`, `\u{1b}`).
//! - [`text`]: messages and help; line breaks and tabs stay, the rest is escaped.
//! - [`annotation`]: a value of a GitHub workflow command, whose own escaping carries line
//!   breaks and carriage returns; the rest is escaped.
//! - [`source`]: snippet text; line breaks and tabs stay, the rest becomes a Unicode control
//!   picture (`␛`), and [`Shift`] moves spans past the longer replacements.

use std::borrow::Cow;

/// Characters that reorder the text around them (Trojan Source): shown, not obeyed.
fn is_bidi(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Unicode's line and paragraph separators: no control characters, but line breaks to some
/// readers (go-yaml, browsers' text layout).
fn is_separator(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}')
}

fn escaped(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    let bad = |c: char| (c.is_control() || is_bidi(c) || is_separator(c)) && !keep(c);
    if !s.chars().any(bad) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if bad(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A path (or any text printed on one line): every control character escaped.
pub fn path(s: &str) -> Cow<'_, str> {
    escaped(s, |_| false)
}

/// A message, label or help text: line breaks and tabs kept, other control characters escaped.
pub fn text(s: &str) -> Cow<'_, str> {
    escaped(s, |c| c == '\n' || c == '\t')
}

/// A value of a GitHub workflow command: line feeds, carriage returns and tabs kept (the
/// command's escaping carries them), every other control character escaped.
pub fn annotation(s: &str) -> Cow<'_, str> {
    escaped(s, |c| matches!(c, '\n' | '\r' | '\t'))
}

/// How spans move when [`source`] replaces one-byte control characters by three-byte pictures.
#[derive(Debug, Default, Clone)]
pub struct Shift {
    /// `(offset of a replaced character in the original, bytes added up to and including it)`.
    marks: Vec<(usize, usize)>,
}

impl Shift {
    /// The offset in the inert text of `offset` in the original.
    pub fn map(&self, offset: usize) -> usize {
        let before = self.marks.partition_point(|&(at, _)| at < offset);
        offset + before.checked_sub(1).map_or(0, |i| self.marks[i].1)
    }
}

/// The picture shown for a control character in a snippet.
fn picture(c: char) -> char {
    match c {
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
        '\u{7f}' => '\u{2421}',
        _ => '\u{fffd}',
    }
}

/// Snippet text: tabs, line feeds and the carriage return of a CRLF kept, every other control
/// character drawn as its control picture. Returns `None` when nothing needs replacing.
pub fn source(s: &str) -> Option<(String, Shift)> {
    let bytes = s.as_bytes();
    let bad = |i: usize, c: char| {
        (c.is_control() || is_bidi(c))
            && !(c == '\n' || c == '\t' || (c == '\r' && bytes.get(i + 1) == Some(&b'\n')))
    };
    if !s.char_indices().any(|(i, c)| bad(i, c)) {
        return None;
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut shift = Shift::default();
    let mut added = 0;
    for (i, c) in s.char_indices() {
        if bad(i, c) {
            let p = picture(c);
            out.push(p);
            added += p.len_utf8() - c.len_utf8().min(p.len_utf8());
            shift.marks.push((i, added));
        } else {
            out.push(c);
        }
    }
    Some((out, shift))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_show_control_characters_escaped() {
        assert_eq!(path("esc\u{1b}[31mred.yaml"), "esc\\u{1b}[31mred.yaml");
        assert_eq!(path("new\nline\r\t.yaml"), "new\\nline\\r\\t.yaml");
        assert_eq!(path("ünïcødé 日本 100%.yaml"), "ünïcødé 日本 100%.yaml");
        assert_eq!(path("a\u{202e}b"), "a\\u{202e}b");
        assert!(matches!(path("plain.yaml"), Cow::Borrowed(_)));
    }

    #[test]
    fn messages_keep_line_breaks() {
        assert_eq!(text("a\n\tb\u{7}\r"), "a\n\tb\\u{7}\\r");
        assert_eq!(text("a\u{2028}b\u{85}"), "a\\u{2028}b\\u{85}");
        assert_eq!(
            annotation("a\r\n\tb\u{1b}[2J\u{9b}"),
            "a\r\n\tb\\u{1b}[2J\\u{9b}"
        );
    }

    #[test]
    fn source_pictures_keep_spans_on_their_characters() {
        assert!(source("a: b\r\nc: d\n").is_none());
        let s = "a: \u{1b}x\nb: \u{1b}\u{1b}y\r";
        let (out, shift) = source(s).unwrap();
        assert_eq!(out, "a: \u{241b}x\nb: \u{241b}\u{241b}y\u{240d}");
        let x = s.find('x').unwrap();
        let y = s.find('y').unwrap();
        assert_eq!(&out[shift.map(x)..=shift.map(x)], "x");
        assert_eq!(&out[shift.map(y)..=shift.map(y)], "y");
        assert_eq!(shift.map(0), 0);
        assert_eq!(&out[shift.map(3)..shift.map(4)], "\u{241b}");
    }
}
