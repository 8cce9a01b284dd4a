//! Comments of a YAML text (saphyr-parser does not report them): used for suppressions.
//!
//! [`comments`] finds them line by line; [`RealComments`] keeps only those the parser agrees
//! are comments: outside every scalar of the documents that parsed, so that a `#` line inside
//! a multi-line quoted, plain or block scalar is never read as one.

use super::breaks::other_break_at;
use super::tree::{Doc, Kind};

/// One `# …` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment<'a> {
    /// 1-based line (counted by line feeds, as reported).
    pub line: u32,
    /// Byte offset of the `#`.
    pub start: u32,
    /// Byte offset just past the comment (end of line, before `\r`, or at a NEL, LS or PS).
    pub end: u32,
    /// The text after `#`.
    pub text: &'a str,
    /// Nothing but whitespace precedes it on its line.
    pub own_line: bool,
    /// It ends at a NEL, LS or PS after which the same line of the file holds content (a new
    /// line to YAML: see [`super::breaks`]).
    pub content_after: bool,
}

/// The lines of a line of the file as YAML reads it: split after each NEL, LS or PS (each
/// part with its offset in the line, the break left out).
fn yaml_lines(line: &str) -> impl Iterator<Item = (usize, &str)> {
    let b = line.as_bytes();
    let mut from = 0;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let mut i = from;
        while i < b.len() {
            if let Some(n) = other_break_at(b, i) {
                let part = (from, &line[from..i]);
                from = i + n;
                return Some(part);
            }
            i += 1;
        }
        done = true;
        Some((from, &line[from..]))
    })
}

/// Whether a YAML line holds nothing but blanks or a comment.
fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim_start_matches([' ', '\t']);
    t.is_empty() || t.starts_with('#')
}

/// Every comment in `text`. A `#` starts a comment at the start of a line or after whitespace,
/// outside quotes; lines inside block scalars (`|`, `>`) are content, not comments. A NEL, LS
/// or PS ends a line, as for go-yaml. This reads one line at a time and cannot see a quoted or
/// plain scalar that spans lines: [`RealComments`] drops what lies inside one.
pub fn comments(text: &str) -> Vec<Comment<'_>> {
    let mut out = Vec::new();
    let mut offset = 0usize;
    // Indentation of the key that opened a block scalar; deeper (or blank) lines are its content.
    let mut block: Option<usize> = None;
    let to_u32 = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    for (n, raw) in text.split_inclusive('\n').enumerate() {
        let file_line_start = offset;
        offset += raw.len();
        let file_line = raw.trim_end_matches(['\n', '\r']);
        let parts: Vec<(usize, &str)> = yaml_lines(file_line).collect();
        for (p, &(at, line)) in parts.iter().enumerate() {
            let line_start = file_line_start + at;
            let indent = line.len() - line.trim_start().len();
            if let Some(parent) = block {
                if line.trim().is_empty() || indent > parent {
                    continue;
                }
                block = None;
            }
            let Some(hash) = comment_start(line) else {
                if opens_block_scalar(line) {
                    block = Some(indent);
                }
                continue;
            };
            if opens_block_scalar(&line[..hash]) {
                block = Some(indent);
            }
            out.push(Comment {
                line: to_u32(n + 1),
                start: to_u32(line_start + hash),
                end: to_u32(line_start + line.len()),
                text: &line[hash + 1..],
                own_line: line[..hash].trim().is_empty(),
                content_after: parts[p + 1..].iter().any(|(_, l)| !is_blank_or_comment(l)),
            });
        }
    }
    out
}

/// Whether a line of the file holds no content for YAML: blank or comment lines only (a NEL, LS
/// or PS may split it into several).
pub fn is_comment_line(line: &str) -> bool {
    yaml_lines(line).all(|(_, l)| is_blank_or_comment(l))
}

/// The comments of a text that the parser agrees are comments. Fed the documents of the text
/// in order ([`RealComments::see`]), it drops the candidates inside any of their scalars; at
/// the end ([`RealComments::finish`]) it drops those after the last document's content that
/// follow a line with content: that text did not parse (a syntax error stopped the parser),
/// and a `#` line there may be inside a scalar. What is kept is a comment for go-yaml too.
#[derive(Debug)]
pub struct RealComments<'t> {
    text: &'t str,
    candidates: Vec<Comment<'t>>,
    inside: Vec<bool>,
    /// Where the content of the last document seen ends.
    last_end: u32,
}

impl<'t> RealComments<'t> {
    /// The comments of `text` that `wanted` picks, to be checked against its documents.
    pub fn new(text: &'t str, wanted: impl Fn(&Comment<'t>) -> bool) -> Self {
        let candidates: Vec<Comment<'t>> = comments(text).into_iter().filter(wanted).collect();
        RealComments {
            text,
            inside: vec![false; candidates.len()],
            candidates,
            last_end: 0,
        }
    }

    /// Drop the candidates inside a scalar of `doc` (the next document of the text).
    pub fn see(&mut self, doc: &Doc<'_>) {
        self.last_end = self.last_end.max(doc.content_span().1);
        if self.candidates.is_empty() {
            return;
        }
        for node in &doc.nodes {
            if !matches!(node.kind, Kind::Scalar { .. }) || node.end <= node.start {
                continue;
            }
            let first = self.candidates.partition_point(|c| c.start < node.start);
            for i in first..self.candidates.len() {
                if self.candidates[i].start >= node.end {
                    break;
                }
                self.inside[i] = true;
            }
        }
    }

    /// The comments kept.
    pub fn finish(self) -> Vec<Comment<'t>> {
        let cut = first_content_after(self.text, self.last_end as usize);
        self.candidates
            .into_iter()
            .zip(self.inside)
            .filter(|(c, inside)| !inside && (c.start as usize) < cut)
            .map(|(c, _)| c)
            .collect()
    }
}

/// The offset of the first line, from `from` on (the rest of `from`'s own line included), that
/// holds content: anything but blanks, a comment, a document marker (`---`, `...`) with nothing
/// but a comment after it, or a directive (`%…`). The text's length when there is none.
fn first_content_after(text: &str, from: usize) -> usize {
    let b = text.as_bytes();
    let no_content = |line: &str| {
        let marker = |m: &str| {
            line.strip_prefix(m).is_some_and(|rest| {
                rest.is_empty() || rest.starts_with([' ', '\t']) && is_blank_or_comment(rest)
            })
        };
        is_blank_or_comment(line) || marker("---") || marker("...") || line.starts_with('%')
    };
    let mut start = from.min(b.len());
    loop {
        let mut end = start;
        while end < b.len() && b[end] != b'\n' && other_break_at(b, end).is_none() {
            end += 1;
        }
        let line = text.get(start..end).unwrap_or("").trim_end_matches('\r');
        if !no_content(line) {
            return start;
        }
        if end >= b.len() {
            return b.len();
        }
        start = end + other_break_at(b, end).unwrap_or(1);
    }
}

/// Byte index of the `#` that starts a comment on this line, if any.
fn comment_start(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(b'"') if c == b'\\' => i += 1,
            Some(q) if c == q => {
                if q == b'\'' && b.get(i + 1) == Some(&b'\'') {
                    i += 1;
                } else {
                    quote = None;
                }
            }
            Some(_) => {}
            None if c == b'#' && (i == 0 || b[i - 1] == b' ' || b[i - 1] == b'\t') => {
                return Some(i);
            }
            None if (c == b'"' || c == b'\'') && (i == 0 || b" \t:[{,-".contains(&b[i - 1])) => {
                quote = Some(c)
            }
            None => {}
        }
        i += 1;
    }
    None
}

/// `key: |`, `key: >-`, `- |2` …: the line opens a block scalar.
fn opens_block_scalar(line: &str) -> bool {
    let t = line.trim_end();
    let Some(last) = t.split_whitespace().last() else {
        return false;
    };
    let before = t[..t.len() - last.len()].trim_end();
    (last.starts_with('|') || last.starts_with('>'))
        && last[1..]
            .chars()
            .all(|c| c == '-' || c == '+' || c.is_ascii_digit())
        && (before.ends_with(':') || before.ends_with('-') || before.is_empty())
}

#[cfg(test)]
mod tests {
    use super::comments;

    #[test]
    fn finds_comments_but_not_hashes_in_values_or_block_scalars() {
        let text = "# top\na: 1 # trailing\nb: \"x # not\"\nc: 'it''s # not'\nd: |\n  # content\n  more\ne: x#y\n  # own\n";
        let c: Vec<_> = comments(text)
            .into_iter()
            .map(|c| (c.line, c.text, c.own_line))
            .collect();
        assert_eq!(
            c,
            vec![
                (1, " top", true),
                (2, " trailing", false),
                (9, " own", true)
            ]
        );
    }

    #[test]
    fn crlf_and_offsets() {
        let text = "a: 1\r\n# kubeward: x\r\n";
        let c = comments(text);
        assert_eq!(c.len(), 1);
        assert_eq!(
            &text[c[0].start as usize..c[0].end as usize],
            "# kubeward: x"
        );
    }
}
