//! `kubeward lint --fix` and `--diff`: the run's automatic fixes written or shown.
//!
//! The fixes are written to the plain manifests (each file replaced atomically) or printed as a
//! unified diff.

use crate::cli::LintArgs;
use crate::engine::Run;
use crate::error::Error;
use crate::fix;
use crate::report::outfile;

use super::execute::execute;
use super::{EXIT_FINDINGS, EXIT_OK};

/// Fixing again after a pass (a fix refused beside another may be made once that one is in),
/// at most this many passes.
const PASSES: usize = 4;

/// The current text of a file of the run, read from disk.
fn read(run: &Run, file: u32) -> Option<String> {
    let path = run.files.get(file as usize)?.disk.as_ref()?;
    String::from_utf8(std::fs::read(path).ok()?).ok()
}

/// Apply the fixes, pass after pass until none is left to make; the note for the summary.
pub(super) fn fix(args: &LintArgs) -> Result<String, Error> {
    let mut fixed = 0;
    let mut files = std::collections::BTreeSet::new();
    let mut last = fix::Outcome::default();
    for _ in 0..PASSES {
        let (run, _) = execute(args, false)?;
        let outcome = fix::plan(&run, args.unsafe_fixes, |f| read(&run, f));
        for f in &outcome.files {
            let Some(path) = run.files[f.file as usize].disk.as_ref() else {
                continue;
            };
            outfile::write(path, &f.new)
                .map_err(|e| Error::Write(path.display().to_string(), e))?;
            files.insert(run.files[f.file as usize].path.clone());
        }
        fixed += outcome.fixed();
        let done = outcome.files.is_empty();
        last = outcome;
        if done {
            break;
        }
    }
    Ok(note(
        &format!("fixed {fixed} findings in {} files", files.len()),
        &last,
        args.unsafe_fixes,
    ))
}

/// Print the fixes as a unified diff; exit code 1 when there is something to fix.
pub(super) fn diff(args: &LintArgs) -> Result<u8, Error> {
    let (run, _) = execute(args, false)?;
    let outcome = fix::plan(&run, args.unsafe_fixes, |f| read(&run, f));
    let mut out = String::new();
    for f in &outcome.files {
        out.push_str(&fix::unified_diff(
            &run.files[f.file as usize].path,
            &f.old,
            &f.edits,
        ));
    }
    outfile::stdout(&out).map_err(|e| Error::Write("standard output".into(), e))?;
    if !args.quiet {
        let head = format!(
            "{} fixes in {} files (--fix to make them)",
            outcome.fixed(),
            outcome.files.len()
        );
        outfile::stderr(&format!("{}\n", note(&head, &outcome, args.unsafe_fixes)));
    }
    Ok(if outcome.files.is_empty() {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    })
}

fn note(head: &str, last: &fix::Outcome, unsafe_fixes: bool) -> String {
    let mut s = head.to_owned();
    if last.unsafe_left > 0 && !unsafe_fixes {
        s.push_str(&format!("; {} more with --unsafe-fixes", last.unsafe_left));
    }
    if last.refused > 0 {
        s.push_str(&format!(
            "; {} could not be made without changing more than they should",
            last.refused
        ));
    }
    if last.not_here > 0 {
        s.push_str(&format!(
            "; {} in rendered output or standard input have no automatic fix here",
            last.not_here
        ));
    }
    s
}

/// A finding whose fix kubeward will not make where it is (rendered output, standard input)
/// says so, in a paragraph of its own after the help.
pub(super) fn say_not_here(run: &mut Run) {
    for f in &mut run.findings {
        if f.fix().is_some_and(|x| !x.editable) {
            let help = f.help.as_deref().unwrap_or("");
            let more = if f.trace().is_some() {
                "No automatic fix here: the finding is in rendered output (a Helm chart, or a Kustomize object a patch or generator wrote), which kubeward never edits; fix the template or the file it comes from."
            } else {
                "No automatic fix here: the input is not a file kubeward can write back (standard input); lint the file itself to fix it."
            };
            f.help = Some(if help.is_empty() {
                more.into()
            } else {
                format!("{help}\n\n{more}").as_str().into()
            });
        }
    }
}

/// The rules whose findings are about suppressions themselves: a comment does not adopt them.
const ABOUT_SUPPRESSIONS: [&str; 3] = [
    "expired-suppression",
    "suppression-without-reason",
    "unused-suppression",
];

/// Suppress what remains with a comment above each flagged line, in the plain manifests; the
/// note for the summary.
pub(super) fn add_suppressions(args: &LintArgs, reason: &str) -> Result<String, Error> {
    use std::collections::{BTreeMap, BTreeSet};
    let (run, _) = execute(args, false)?;
    // File → line → rule ids.
    let mut wanted: BTreeMap<u32, BTreeMap<u32, BTreeSet<&str>>> = BTreeMap::new();
    let mut not_here = 0usize;
    for f in &run.findings {
        if f.suppressed().is_some() || ABOUT_SUPPRESSIONS.contains(&f.meta.id) {
            continue;
        }
        let file = &run.files[f.primary.file as usize];
        // Only a plain manifest on disk: never rendered output or the template it came from.
        if f.trace().is_some() || file.disk.is_none() || !file.report {
            not_here += 1;
            continue;
        }
        wanted
            .entry(f.primary.file)
            .or_default()
            .entry(f.primary.region.line)
            .or_default()
            .insert(f.meta.id);
    }
    let is_directive = |l: &str| {
        l.strip_prefix('#')
            .and_then(crate::suppress::parse_comment)
            .is_some()
    };
    let (mut lines, mut files, mut refused) = (0usize, 0usize, 0usize);
    for (file, by_line) in wanted {
        let Some(path) = run.files[file as usize].disk.as_ref() else {
            continue;
        };
        let Some(text) = read(&run, file) else {
            refused += by_line.len();
            continue;
        };
        let notes: Vec<crate::yaml::Note> = by_line
            .iter()
            .map(|(&line, rules)| crate::yaml::Note {
                line,
                text: format!(
                    "kubeward: ignore[{}] {reason}",
                    rules.iter().copied().collect::<Vec<_>>().join(", ")
                ),
            })
            .collect();
        let Some(done) = crate::yaml::annotate(&text, &notes, &is_directive) else {
            refused += notes.len();
            continue;
        };
        refused += done.refused.len();
        if done.edits.is_empty() {
            continue;
        }
        let new = crate::yaml::apply(&text, &done.edits);
        outfile::write(path, &new).map_err(|e| Error::Write(path.display().to_string(), e))?;
        lines += done.added.len();
        files += 1;
    }
    let mut note = format!("added {lines} suppression comments in {files} files");
    if refused > 0 {
        note.push_str(&format!(
            "; {refused} lines have no place for one (inside a multi-line value, or a comment already ends them)"
        ));
    }
    if not_here > 0 {
        note.push_str(&format!(
            "; {not_here} findings in rendered output or standard input are not suppressed here"
        ));
    }
    Ok(note)
}
