//! Comments added to YAML text, kept only where every document still decodes the same.
//!
//! `kubeward lint --add-suppressions` writes a suppression comment above each flagged line (or
//! at its end, where the line above is already a directive that must keep covering it). A
//! comment line inside a block scalar or a multi-line flow scalar would change a value, so the
//! text with the comments is parsed again and must decode, document by document, to what it
//! decoded to before; a comment that would change anything is left out, never approximated.

use super::edit::{Replacement, apply, to_json};
use super::tree::parse_stream;

/// Where a comment goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The 1-based line it is about.
    pub line: u32,
    /// The comment's text, after `# ` (one line).
    pub text: String,
}

/// What adding comments does.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Annotated {
    /// The edits, sorted by offset.
    pub edits: Vec<Replacement>,
    /// The lines (of the notes given) that got their comment.
    pub added: Vec<u32>,
    /// The lines whose comment would change what the text decodes to, or that have no place
    /// for one (the line ends in a comment, the line above is a directive).
    pub refused: Vec<u32>,
}

/// Byte offsets where each line starts.
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
        .filter(|&s| s < text.len())
        .collect()
}

/// What a text decodes to, document by document; `None` when it does not parse.
fn decoded(text: &str) -> Option<Vec<serde_json::Value>> {
    let stream = parse_stream(text);
    if stream.error.is_some() {
        return None;
    }
    Some(stream.docs.iter().map(|d| to_json(d.root())).collect())
}

/// The edit that adds `# text` for line `line` (1-based) of `text`: a line of its own above
/// it, at its indentation, with its line end; or, where the line above is `is_directive`, at
/// the end of the line itself. `None` where there is no place for it.
fn edit_for(
    text: &str,
    starts: &[usize],
    line: u32,
    comment: &str,
    is_directive: &dyn Fn(&str) -> bool,
) -> Option<Replacement> {
    let i = usize::try_from(line).ok()?.checked_sub(1)?;
    let start = *starts.get(i)?;
    let end = starts.get(i + 1).copied().unwrap_or(text.len());
    let full = &text[start..end];
    let body = full.trim_end_matches(['\n', '\r']);
    let eol = &full[body.len()..];
    // A BOM belongs before everything.
    let (start, body) = match body.strip_prefix('\u{feff}') {
        Some(rest) => (start + 3, rest),
        None => (start, body),
    };
    let above = i
        .checked_sub(1)
        .map(|j| &text[starts[j]..starts[i]])
        .unwrap_or("");
    if is_directive(above.trim()) {
        // A line above that is a directive covers this line; a line between would take it away.
        if body.contains('#') {
            return None;
        }
        return Some(Replacement {
            start: u32::try_from(start + body.len()).ok()?,
            end: u32::try_from(start + body.len()).ok()?,
            text: format!("  # {comment}"),
        });
    }
    let indent = &body[..body.len() - body.trim_start_matches([' ', '\t']).len()];
    let eol = if eol.is_empty() {
        // The last line has no line end: use the text's.
        if text.contains("\r\n") { "\r\n" } else { "\n" }
    } else {
        eol
    };
    Some(Replacement {
        start: u32::try_from(start).ok()?,
        end: u32::try_from(start).ok()?,
        text: format!("{indent}# {comment}{eol}"),
    })
}

/// Add a comment for each note (at most one per line: the first), keeping only those that
/// leave every document decoding as before; `None` when the text does not parse.
/// `is_directive` tells a comment line (trimmed) that covers the line below it.
pub fn annotate(
    text: &str,
    notes: &[Note],
    is_directive: &dyn Fn(&str) -> bool,
) -> Option<Annotated> {
    let before = decoded(text)?;
    let starts = line_starts(text);
    let mut out = Annotated::default();
    let mut candidates: Vec<(u32, Replacement)> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for n in notes {
        if n.text.contains(['\n', '\r']) || !seen.insert(n.line) {
            continue;
        }
        match edit_for(text, &starts, n.line, &n.text, is_directive) {
            Some(e) => candidates.push((n.line, e)),
            None => out.refused.push(n.line),
        }
    }
    candidates.sort_by(|a, b| a.1.cmp(&b.1));
    let all: Vec<Replacement> = candidates.iter().map(|(_, e)| e.clone()).collect();
    if decoded(&apply(text, &all)).as_ref() == Some(&before) {
        out.added = candidates.iter().map(|(l, _)| *l).collect();
        out.edits = all;
    } else {
        // Some comment changes a value: keep those that do not, one at a time. Only text that
        // holds such a place pays for this (a comment in a block scalar is rare).
        for (line, e) in candidates {
            let mut trial = out.edits.clone();
            trial.push(e.clone());
            trial.sort();
            if decoded(&apply(text, &trial)).as_ref() == Some(&before) {
                out.edits = trial;
                out.added.push(line);
            } else {
                out.refused.push(line);
            }
        }
    }
    out.added.sort_unstable();
    out.refused.sort_unstable();
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directive(l: &str) -> bool {
        l.starts_with("# kubeward:")
    }

    fn run(text: &str, lines: &[u32]) -> (String, Annotated) {
        let notes: Vec<Note> = lines
            .iter()
            .map(|&line| Note {
                line,
                text: "kubeward: ignore[r] why".into(),
            })
            .collect();
        let a = annotate(text, &notes, &directive).expect("parses");
        (apply(text, &a.edits), a)
    }

    #[test]
    fn a_comment_line_above_at_the_indentation_with_the_line_end() {
        let text = "\u{feff}a: 1\r\nb:\r\n  - c: 2 # kept\r\n    d: 3";
        let (out, a) = run(text, &[1, 3, 4]);
        assert_eq!(
            out,
            "\u{feff}# kubeward: ignore[r] why\r\na: 1\r\nb:\r\n  # kubeward: ignore[r] why\r\n  - c: 2 # kept\r\n    # kubeward: ignore[r] why\r\n    d: 3"
        );
        assert_eq!((a.added, a.refused), (vec![1, 3, 4], vec![]));
    }

    #[test]
    fn under_a_directive_at_the_end_of_the_line() {
        let text =
            "a:\n  # kubeward: ignore[x] old\n  b: 1\n  # kubeward: ignore[x] old\n  c: 2 # note\n";
        let (out, a) = run(text, &[3, 5]);
        assert_eq!(
            out,
            "a:\n  # kubeward: ignore[x] old\n  b: 1  # kubeward: ignore[r] why\n  # kubeward: ignore[x] old\n  c: 2 # note\n"
        );
        assert_eq!((a.added, a.refused), (vec![3], vec![5]));
    }

    #[test]
    fn never_inside_a_block_scalar() {
        let text = "a: |\n  one\n  two\nb: 1\n";
        let (out, a) = run(text, &[3, 4]);
        assert_eq!(out, "a: |\n  one\n  two\n# kubeward: ignore[r] why\nb: 1\n");
        assert_eq!((a.added, a.refused), (vec![4], vec![3]));
        // Text that does not parse gets nothing.
        assert!(annotate("a: [", &[], &directive).is_none());
    }
}
