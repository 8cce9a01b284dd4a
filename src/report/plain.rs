//! A finding's help as plain text, for the places that do not render Markdown.
//!
//! Those are the terminal, GitHub annotations, SARIF `message.text` and JUnit. Rules write help in
//! Markdown (it is shown as such in rule help and `markdown` fields); a fenced code block there
//! becomes its lines, indented by four spaces, with the fence lines gone. Inline code spans stay as
//! they are: backticks around a key read as plain text too.

use std::borrow::Cow;

/// `md` with its fenced code blocks (```` ``` ```` or `~~~`, with or without an info string)
/// turned into indented lines.
pub(crate) fn help(md: &str) -> Cow<'_, str> {
    if !md.contains("```") && !md.contains("~~~") {
        return Cow::Borrowed(md);
    }
    let mut out = String::with_capacity(md.len() + 32);
    // The fence that opened the block we are in: its character and length.
    let mut open: Option<(char, usize)> = None;
    for line in md.split('\n') {
        let t = line.trim_start();
        let fence = ['`', '~'].into_iter().find_map(|c| {
            let n = t.len() - t.trim_start_matches(c).len();
            (n >= 3).then_some((c, n))
        });
        match (open, fence) {
            (None, Some(f)) => {
                open = Some(f);
                continue;
            }
            (Some((c, n)), Some((fc, fnn)))
                if c == fc && fnn >= n && t.trim_start_matches(c).trim().is_empty() =>
            {
                open = None;
                continue;
            }
            _ => {}
        }
        if !out.is_empty() {
            out.push('\n');
        }
        if open.is_some() && !line.is_empty() {
            out.push_str("    ");
        }
        out.push_str(line);
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::help;

    #[test]
    fn fenced_blocks_become_indented_lines() {
        assert_eq!(
            help("Set it:\n```yaml\nsecurityContext:\n  runAsNonRoot: true\n```"),
            "Set it:\n    securityContext:\n      runAsNonRoot: true"
        );
        assert_eq!(
            help("A:\n```\nx\n```\nthen B:\n~~~~yaml\ny\n~~~~\ndone."),
            "A:\n    x\nthen B:\n    y\ndone."
        );
        // A fence never closed still loses its fence line.
        assert_eq!(help("A:\n```yaml\nx: 1"), "A:\n    x: 1");
        // Inline code is plain enough.
        assert_eq!(help("Set `a: b`."), "Set `a: b`.");
        assert!(!help("x\n```yaml\na: 1\n```\n").contains("```"));
    }
}
