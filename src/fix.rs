//! Automatic fixes of a run: which apply, the edited text of each file, the unified diff.
//!
//! Which findings' fixes apply (safe, or unsafe too), the edited text of each file (the changes
//! of a document merged, by `yaml::fix_text`), and the unified diff `--diff` prints.

use std::collections::BTreeMap;

use crate::engine::Run;
use crate::finding::{Finding, Fixable};
use crate::rule::FixKind;
use crate::yaml::{Change, Replacement, fix_text};

/// Whether a finding's fix is one to make: the finding is reported (not suppressed), its fix
/// is of an allowed kind, and its file is one kubeward may edit.
pub(crate) fn wanted(f: &Finding, unsafe_fixes: bool) -> Option<&Fixable> {
    let fix = f.fix()?;
    let kind_ok = match fix.fix.kind {
        FixKind::Safe => true,
        FixKind::Unsafe => unsafe_fixes,
        FixKind::None => false,
    };
    (f.suppressed().is_none() && kind_ok && fix.editable).then_some(fix)
}

/// One file's fixes.
#[derive(Debug)]
pub(crate) struct FileFix {
    /// File id in the run.
    pub(crate) file: u32,
    /// The text the fixes were made to.
    pub(crate) old: String,
    /// The edited text.
    pub(crate) new: String,
    /// The byte edits, sorted.
    pub(crate) edits: Vec<Replacement>,
    /// How many findings the edits fix.
    pub(crate) fixed: usize,
}

/// What fixing a run does.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// The files that change, by path order.
    pub(crate) files: Vec<FileFix>,
    /// Findings that have an unsafe fix, not made without `--unsafe-fixes`.
    pub(crate) unsafe_left: usize,
    /// Findings with a fix that kubeward does not make where they are (rendered output).
    pub(crate) not_here: usize,
    /// Fixes that could not be made (refused by `yaml::plan`: an anchor, a merge key, a
    /// tagged scalar where the change goes), in every file.
    pub(crate) refused: usize,
}

impl Outcome {
    /// Findings fixed in all.
    pub(crate) fn fixed(&self) -> usize {
        self.files.iter().map(|f| f.fixed).sum()
    }
}

/// The fixes of the run's findings, file by file; `read` gives a file's current text.
pub(crate) fn plan(
    run: &Run,
    unsafe_fixes: bool,
    mut read: impl FnMut(u32) -> Option<String>,
) -> Outcome {
    let mut out = Outcome::default();
    let mut by_file: BTreeMap<u32, Vec<&Fixable>> = BTreeMap::new();
    for f in &run.findings {
        if f.suppressed().is_some() {
            continue;
        }
        let Some(fix) = f.fix() else { continue };
        if !fix.editable {
            out.not_here += 1;
            continue;
        }
        match wanted(f, unsafe_fixes) {
            Some(fix) => by_file.entry(fix.file).or_default().push(fix),
            None => out.unsafe_left += 1,
        }
    }
    for (file, fixes) in by_file {
        let Some(old) = read(file) else { continue };
        let (new, edits, made) = fix_fixables(&old, &fixes);
        let fixed = made.iter().filter(|m| **m).count();
        out.refused += made.len() - fixed;
        if new != old {
            out.files.push(FileFix {
                file,
                old,
                new,
                edits,
                fixed,
            });
        }
    }
    out.files.sort_by(|a, b| {
        run.files[a.file as usize]
            .path
            .cmp(&run.files[b.file as usize].path)
    });
    out
}

/// `text` with the fixes made (each fix's changes to its document, merged per document).
pub(crate) fn fix_fixables(
    text: &str,
    fixes: &[&Fixable],
) -> (String, Vec<Replacement>, Vec<bool>) {
    let groups: Vec<(usize, &[Change])> = fixes
        .iter()
        .map(|f| (f.doc as usize, f.fix.changes.as_slice()))
        .collect();
    fix_text(text, &groups)
}

/// A unified diff of `old` to `new` as `edits` make it (`--- a/path`, `+++ b/path`, hunks
/// with three lines of context).
pub(crate) fn unified_diff(path: &str, old: &str, edits: &[Replacement]) -> String {
    const CONTEXT: usize = 3;
    let starts: Vec<usize> = std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', old.as_bytes()).map(|i| i + 1))
        .filter(|&s| s < old.len() || s == 0)
        .collect();
    let line_of = |off: usize| starts.partition_point(|&s| s <= off).saturating_sub(1);
    let line_at = |i: usize| -> &str {
        let s = starts.get(i).copied().unwrap_or(old.len());
        let e = starts.get(i + 1).copied().unwrap_or(old.len());
        &old[s..e]
    };
    let nlines = if old.is_empty() { 0 } else { starts.len() };
    // Regions of old lines [a, b) with their new text.
    let mut regions: Vec<(usize, usize, String)> = Vec::new();
    let mut i = 0;
    while i < edits.len() {
        let r = &edits[i];
        let (s, e) = (r.start as usize, r.end as usize);
        let a = line_of(s);
        let at_line_start = starts.get(a) == Some(&s);
        let mut b = if s == e && at_line_start && s < old.len() {
            a
        } else if s == e && s >= old.len() && old.ends_with('\n') {
            nlines
        } else {
            line_of(e.saturating_sub(1).max(s)) + 1
        };
        if s == e && s >= old.len() && old.ends_with('\n') {
            // An insertion at the very end: after the last line.
            regions.push((nlines, nlines, r.text.clone()));
            i += 1;
            continue;
        }
        let mut j = i + 1;
        // Later edits that start on the region's lines belong to it.
        while j < edits.len()
            && (edits[j].start as usize) < starts.get(b).copied().unwrap_or(old.len())
        {
            b = b.max(
                line_of(
                    (edits[j].end as usize)
                        .saturating_sub(1)
                        .max(edits[j].start as usize),
                ) + 1,
            );
            j += 1;
        }
        let from = starts.get(a).copied().unwrap_or(old.len());
        let to = starts.get(b).copied().unwrap_or(old.len());
        let mut new = String::new();
        let mut at = from;
        for r in &edits[i..j] {
            new.push_str(&old[at..r.start as usize]);
            new.push_str(&r.text);
            at = r.end as usize;
        }
        new.push_str(&old[at..to]);
        regions.push((a, b, new));
        i = j;
    }
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    let mut delta: isize = 0;
    let mut k = 0;
    while k < regions.len() {
        // Regions close enough share a hunk.
        let mut last = k;
        while last + 1 < regions.len() && regions[last + 1].0 <= regions[last].1 + 2 * CONTEXT {
            last += 1;
        }
        let start = regions[k].0.saturating_sub(CONTEXT);
        let end = (regions[last].1 + CONTEXT).min(nlines);
        let mut body = String::new();
        let (mut old_n, mut new_n) = (0usize, 0usize);
        let mut pos = start;
        let mut hunk_delta: isize = 0;
        for (a, b, new) in &regions[k..=last] {
            for l in pos..*a {
                push_line(&mut body, ' ', line_at(l));
                old_n += 1;
                new_n += 1;
            }
            for l in *a..*b {
                push_line(&mut body, '-', line_at(l));
                old_n += 1;
            }
            let added = new.split_inclusive('\n').count();
            for l in new.split_inclusive('\n') {
                push_line(&mut body, '+', l);
            }
            new_n += added;
            hunk_delta += isize::try_from(added).unwrap_or(0) - isize::try_from(b - a).unwrap_or(0);
            pos = *b;
        }
        for l in pos..end {
            push_line(&mut body, ' ', line_at(l));
            old_n += 1;
            new_n += 1;
        }
        let old_start = if old_n == 0 { start } else { start + 1 };
        let new_first = isize::try_from(start).unwrap_or(0) + delta;
        let new_start = if new_n == 0 { new_first } else { new_first + 1 };
        out.push_str(&format!(
            "@@ -{old_start},{old_n} +{new_start},{new_n} @@\n"
        ));
        out.push_str(&body);
        delta += hunk_delta;
        k = last + 1;
    }
    out
}

fn push_line(out: &mut String, mark: char, line: &str) {
    out.push(mark);
    out.push_str(line);
    if !line.ends_with('\n') {
        out.push_str("\n\\ No newline at end of file\n");
    }
}

#[cfg(test)]
mod tests {
    use super::unified_diff;
    use crate::yaml::Replacement;

    fn rep(start: u32, end: u32, text: &str) -> Replacement {
        Replacement {
            start,
            end,
            text: text.to_owned(),
        }
    }

    #[test]
    fn diffs_read_as_patch_reads_them() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n";
        // An inserted line after `b`, a changed `k`.
        let edits = [rep(4, 4, "B2\n"), rep(20, 21, "K")];
        assert_eq!(
            unified_diff("x.yaml", old, &edits),
            "--- a/x.yaml\n+++ b/x.yaml\n@@ -1,5 +1,6 @@\n a\n b\n+B2\n c\n d\n e\n@@ -8,5 +9,5 @@\n h\n i\n j\n-k\n+K\n l\n"
        );
        // At the end of a file without a final newline.
        assert_eq!(
            unified_diff("y", "a: 1", &[rep(4, 4, "\nb: 2")]),
            "--- a/y\n+++ b/y\n@@ -1,1 +1,2 @@\n-a: 1\n\\ No newline at end of file\n+a: 1\n+b: 2\n\\ No newline at end of file\n"
        );
        // At the end of a file with one.
        assert_eq!(
            unified_diff("z", "a: 1\n", &[rep(5, 5, "b: 2\n")]),
            "--- a/z\n+++ b/z\n@@ -1,1 +1,2 @@\n a: 1\n+b: 2\n"
        );
    }
}

/// One finding's own fix as edits of its file, each at a region (for SARIF and rdjson).
#[derive(Debug, Clone)]
pub(crate) struct Suggestion {
    /// What the fix does (its title), and whether it is safe.
    pub(crate) title: String,
    pub(crate) kind: FixKind,
    /// (region replaced, text put there); an empty region is an insertion point.
    pub(crate) edits: Vec<(crate::yaml::Region, String)>,
}

/// Each finding's own fix, alone, as edits of its file (index by finding): `None` where the
/// finding has no fix kubeward makes there (suppressed, rendered output) or the fix cannot
/// be made.
pub(crate) fn suggestions(run: &Run) -> Vec<Option<Suggestion>> {
    use rayon::prelude::*;
    let mut by_file: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, f) in run.findings.iter().enumerate() {
        if let Some(x) = f.fix().filter(|x| x.editable && f.suppressed().is_none()) {
            by_file.entry(x.file).or_default().push(i);
        }
    }
    let mut out: Vec<Option<Suggestion>> = vec![None; run.findings.len()];
    if by_file.is_empty() {
        return out;
    }
    let found: Vec<(usize, Suggestion)> = by_file
        .into_par_iter()
        .flat_map_iter(|(file, ids)| {
            let text = run.files[file as usize].load();
            let stream = crate::yaml::parse_stream(&text);
            let mut made = Vec::new();
            if stream.error.is_none() {
                let index = crate::yaml::LineIndex::new(&text);
                for i in ids {
                    let Some(fix) = run.findings[i].fix() else {
                        continue;
                    };
                    let Some(doc) = stream.docs.get(fix.doc as usize) else {
                        continue;
                    };
                    let Ok(edits) = crate::yaml::plan(doc, &text, &fix.fix.changes) else {
                        continue;
                    };
                    if edits.is_empty() {
                        continue;
                    }
                    let edits = edits
                        .into_iter()
                        .map(|r| {
                            // An insertion is an empty region (`region` would widen it).
                            let (line, col) = index.line_col(&text, r.start);
                            let (end_line, end_col) = index.line_col(&text, r.end);
                            let region = crate::yaml::Region {
                                line,
                                col,
                                end_line,
                                end_col,
                                start: r.start,
                                end: r.end,
                            };
                            (region, r.text)
                        })
                        .collect();
                    made.push((
                        i,
                        Suggestion {
                            title: fix.fix.title.to_string(),
                            kind: fix.fix.kind,
                            edits,
                        },
                    ));
                }
            }
            made
        })
        .collect();
    for (i, s) in found {
        out[i] = Some(s);
    }
    out
}
