//! Snippet lines too long to draw, cut around the places that matter.
//!
//! miette pads a label to its column with a formatting width, which panics past 65,535 columns
//! ("Formatting argument out of range"): one long line (a one-line flow document of a hundred
//! kilobytes) lost every finding of the run. A snippet line longer than [`LONG_LINE`] bytes is
//! cut to the parts around the spans that start or end on it (or its start, when none does);
//! each part left out becomes a marker that says how many characters it held. [`Cut`] moves
//! offsets into the cut text, so carets stay on their characters, and gives back the column a
//! place had in the line as written.

/// Snippet lines longer than this (in bytes) are cut.
pub(crate) const LONG_LINE: usize = 512;
/// Bytes kept on each side of a span's start or end on a cut line.
const AROUND: usize = 80;
/// Parts closer than this are kept together (a marker is about as long).
const JOIN: usize = 32;
/// At most this many places are kept on one line (the rest of the line is cut).
const MAX_PLACES: usize = 32;

/// How offsets move from a text to its cut version.
#[derive(Debug, Default, Clone)]
pub(crate) struct Cut {
    /// The parts kept, in order: (start in the cut text, start in the text, length).
    parts: Vec<(usize, usize, usize)>,
    /// The lines that were cut: (start in the cut text, end in the cut text, start in the text).
    lines: Vec<(usize, usize, usize)>,
}

impl Cut {
    /// The offset in the cut text of `offset` in the text; an offset in a part left out maps
    /// to the start of the marker that replaces it.
    pub(crate) fn map(&self, offset: usize) -> usize {
        let i = self.parts.partition_point(|p| p.1 <= offset);
        let Some(&(cut, at, len)) = i.checked_sub(1).and_then(|i| self.parts.get(i)) else {
            return offset;
        };
        cut + (offset - at).min(len)
    }

    /// The byte column (0-based) in its line of the text of the place at `offset` in the cut
    /// text, when that lies on a line that was cut.
    pub(crate) fn column(&self, offset: usize) -> Option<usize> {
        let &(_, _, line_start) = self
            .lines
            .iter()
            .find(|&&(start, end, _)| start <= offset && offset <= end)?;
        let i = self.parts.partition_point(|p| p.0 <= offset);
        let &(cut, at, len) = self.parts.get(i.checked_sub(1)?)?;
        Some((at + (offset - cut).min(len)).saturating_sub(line_start))
    }
}

/// `text` with every line longer than [`LONG_LINE`] bytes cut around `places` (offsets in
/// `text`: where spans start and end); `None` when no line is that long.
pub(crate) fn cut(text: &str, places: &[usize]) -> Option<(String, Cut)> {
    if !text.split('\n').any(|l| l.len() > LONG_LINE) {
        return None;
    }
    let mut places = places.to_vec();
    places.sort_unstable();
    places.dedup();
    let mut out = String::with_capacity(LONG_LINE * 4);
    let mut cut = Cut::default();
    let keep = |out: &mut String, cut: &mut Cut, at: usize, s: &str| {
        cut.parts.push((out.len(), at, s.len()));
        out.push_str(s);
    };
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let body = line.strip_suffix('\n').unwrap_or(line);
        if body.len() <= LONG_LINE {
            keep(&mut out, &mut cut, line_start, line);
            line_start += line.len();
            continue;
        }
        let first = places.partition_point(|&p| p < line_start);
        let mut here: Vec<usize> = places[first..]
            .iter()
            .take_while(|&&p| p <= line_start + body.len())
            .map(|&p| p - line_start)
            .take(MAX_PLACES)
            .collect();
        if here.is_empty() {
            here.push(0);
        }
        // The parts to keep, on character boundaries, joined where they meet.
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for p in here {
            let mut a = p.saturating_sub(AROUND);
            while !body.is_char_boundary(a) {
                a -= 1;
            }
            let mut b = (p + AROUND).min(body.len());
            while !body.is_char_boundary(b) {
                b += 1;
            }
            match spans.last_mut() {
                Some(last) if a <= last.1 + JOIN => last.1 = last.1.max(b),
                _ => spans.push((a, b)),
            }
        }
        let cut_start = out.len();
        let mut at = 0;
        for (a, b) in spans {
            if a > at {
                out.push_str(&marker(&body[at..a]));
            }
            keep(&mut out, &mut cut, line_start + a, &body[a..b]);
            at = b;
        }
        if at < body.len() {
            out.push_str(&marker(&body[at..]));
        }
        cut.lines.push((cut_start, out.len(), line_start));
        keep(
            &mut out,
            &mut cut,
            line_start + body.len(),
            &line[body.len()..],
        );
        line_start += line.len();
    }
    Some((out, cut))
}

/// What stands for a part of a line that is left out.
fn marker(left_out: &str) -> String {
    format!("…[{} characters cut]…", left_out.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_lines_are_left_alone() {
        assert!(cut("a: b\nc: d\n", &[0, 3]).is_none());
        assert!(cut(&"x".repeat(LONG_LINE), &[]).is_none());
    }

    #[test]
    fn long_lines_keep_the_places_and_say_what_was_cut() {
        let long = format!(
            "{{a: 1, {}target: yes, {}}}",
            "k: v, ".repeat(20_000),
            "z, ".repeat(9_000)
        );
        let text = format!("first: line\n{long}\nlast: line\n");
        let at = text.find("target").unwrap();
        let end = at + "target: yes".len();
        let (out, c) = cut(&text, &[at, end]).unwrap();
        assert!(out.len() < 2_000, "{}", out.len());
        assert_eq!(&out[c.map(at)..c.map(end)], "target: yes");
        assert!(out.starts_with("first: line\n"));
        assert!(out.ends_with("\nlast: line\n"));
        let cut_before = text[12..at - AROUND].chars().count();
        assert!(
            out.contains(&format!("…[{cut_before} characters cut]…")),
            "{out}"
        );
        // The column of the place is the one it has in the line as written.
        assert_eq!(c.column(c.map(at)), Some(at - 12));
        // Not on a cut line: no column to correct.
        assert_eq!(c.column(3), None);
        // An offset in a part left out lands on its marker.
        let m = c.map(at - AROUND - 10);
        assert!(out[m..].starts_with('…'));
    }

    #[test]
    fn a_long_line_without_places_keeps_its_start() {
        let text = "é".repeat(1_000);
        let (out, c) = cut(&text, &[]).unwrap();
        assert!(out.starts_with(&"é".repeat(40)));
        assert!(out.ends_with("characters cut]…"));
        assert_eq!(c.map(0), 0);
    }

    #[test]
    fn many_places_on_one_line_stay_bounded() {
        let text = "ab".repeat(200_000);
        let places: Vec<usize> = (0..text.len()).step_by(997).collect();
        let (out, _) = cut(&text, &places).unwrap();
        assert!(out.len() < MAX_PLACES * (2 * AROUND + 40), "{}", out.len());
    }
}
