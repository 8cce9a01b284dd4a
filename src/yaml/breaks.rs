//! The line breaks of YAML 1.1 other than LF and CR: NEL, LS and PS.
//!
//! The line breaks of YAML 1.1 other than the line feed and the carriage return: NEL (U+0085),
//! LS (U+2028) and PS (U+2029).
//!
//! go-yaml v2, which kubectl and the API server read manifests with, ends a line at each of
//! them (its scanner's `is_break`): a comment stops there, and what follows is a new line with
//! its own indentation. saphyr-parser reads them as ordinary characters, so
//! `# note<LS>  privileged: true` would be one comment to it and a key to the cluster. A text
//! holding one is therefore read by saphyr through [`Events::with_breaks`], which hands it a
//! line feed for each of them: one character for one, so the parser's character indices, and
//! the byte offsets in the source that come from them, stay true.
//!
//! Lines as reported (`Region::line`, SARIF, the GitHub annotations, snippets) are still counted
//! by line feeds, as editors, GitHub and SARIF's default `newlineSequences` count them: a key
//! after an LS is reported on the line of the file that holds it.

use saphyr_parser::{BufferedInput, Event, Parser, ScanError, Span, StrInput};

/// Whether `c` ends a line for go-yaml v2 but is not `\n` or `\r`.
pub(crate) fn is_other_break(c: char) -> bool {
    matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// The length in bytes of the NEL, LS or PS starting at byte `i` of `b`, if one does.
pub(crate) fn other_break_at(b: &[u8], i: usize) -> Option<usize> {
    match (b.get(i), b.get(i + 1), b.get(i + 2)) {
        (Some(0xC2), Some(0x85), _) => Some(2),
        (Some(0xE2), Some(0x80), Some(0xA8 | 0xA9)) => Some(3),
        _ => None,
    }
}

/// Whether `text` holds a NEL, LS or PS.
pub(crate) fn has_other_breaks(text: &str) -> bool {
    let b = text.as_bytes();
    memchr::memchr2_iter(0xC2, 0xE2, b).any(|i| other_break_at(b, i).is_some())
}

/// `c`, or a line feed for a NEL, LS or PS.
fn as_line_feed(c: char) -> char {
    if is_other_break(c) { '\n' } else { c }
}

type Mapped<'a> = std::iter::Map<std::str::Chars<'a>, fn(char) -> char>;

/// saphyr's events of a text: read in place, or (when it holds a NEL, LS or PS) with each of
/// those read as a line feed. (One lives in each stream being parsed: its size does not
/// matter, and the common variant is not boxed.)
#[allow(clippy::large_enum_variant)]
pub(crate) enum Events<'a> {
    /// The text as it is, scalars borrowed from it.
    Plain(Parser<'a, StrInput<'a>>),
    /// NEL, LS and PS read as line feeds (scalars are copied).
    Breaks(Box<Parser<'a, BufferedInput<Mapped<'a>>>>),
}

impl<'a> Events<'a> {
    /// The events of `text`, its NEL, LS and PS read as line breaks when `breaks`.
    pub(crate) fn new(text: &'a str, breaks: bool) -> Self {
        if breaks {
            let chars: Mapped<'a> = text.chars().map(as_line_feed as fn(char) -> char);
            Events::Breaks(Box::new(Parser::new_from_iter(chars)))
        } else {
            Events::Plain(Parser::new_from_str(text))
        }
    }
}

impl<'a> Iterator for Events<'a> {
    type Item = Result<(Event<'a>, Span), ScanError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Events::Plain(p) => p.next(),
            Events::Breaks(p) => p.next(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_three_breaks_and_nothing_else() {
        assert!(has_other_breaks("a\u{85}b"));
        assert!(has_other_breaks("a\u{2028}b"));
        assert!(has_other_breaks("a\u{2029}b"));
        // Neighbours in the same UTF-8 blocks are not breaks.
        assert!(!has_other_breaks(
            "\u{84}\u{86}\u{a0}é—…\u{2027}\u{202a}\u{2030}"
        ));
        assert_eq!(other_break_at("x\u{2029}".as_bytes(), 1), Some(3));
        assert_eq!(other_break_at("x\u{85}".as_bytes(), 1), Some(2));
        assert_eq!(other_break_at("x\u{2028}".as_bytes(), 0), None);
        // A truncated sequence at the end is not read past the end.
        assert_eq!(other_break_at(&[0xE2, 0x80], 0), None);
    }
}
