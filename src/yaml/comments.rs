//! Comments of a YAML text (saphyr-parser does not report them): used for suppressions.

/// One `# …` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment<'a> {
    /// 1-based line.
    pub line: u32,
    /// Byte offset of the `#`.
    pub start: u32,
    /// Byte offset just past the comment (end of line, before `\r`).
    pub end: u32,
    /// The text after `#`.
    pub text: &'a str,
    /// Nothing but whitespace precedes it on its line.
    pub own_line: bool,
}

/// Every comment in `text`. A `#` starts a comment at the start of a line or after whitespace,
/// outside quotes; lines inside block scalars (`|`, `>`) are content, not comments.
pub fn comments(text: &str) -> Vec<Comment<'_>> {
    let mut out = Vec::new();
    let mut offset = 0usize;
    // Indentation of the key that opened a block scalar; deeper (or blank) lines are its content.
    let mut block: Option<usize> = None;
    for (n, raw) in text.split_inclusive('\n').enumerate() {
        let line_start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
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
        let to_u32 = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        out.push(Comment {
            line: to_u32(n + 1),
            start: to_u32(line_start + hash),
            end: to_u32(line_start + line.len()),
            text: &line[hash + 1..],
            own_line: line[..hash].trim().is_empty(),
        });
    }
    out
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
