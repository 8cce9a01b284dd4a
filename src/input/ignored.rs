//! Manifests that git tracks but an ignore file leaves out of the walk.
//!
//! A pull request that adds `deploy/` to `.ignore` (or `.gitignore`) would otherwise make every
//! manifest under it vanish from the lint without a trace; each one is named in the summary and,
//! with the `ignored-manifest` rule, is a finding on the line of the ignore file that leaves it
//! out.
//!
//! Git says what it tracks (`git ls-files`, asked once per walk when ignore rules apply in a git
//! work tree); what it tracks that the walk did not visit was left out. Reading every directory
//! again to find what the walker skipped would cost as much as the walk itself; git's index is
//! read in a few milliseconds, and what a pull request can hide is what it commits. The ignore
//! file and line are found again with the `ignore` crate's own matcher, in the order the walker
//! applies them (`.ignore` before `.gitignore`, the deepest directory first).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

use super::source::display_path_in;
use crate::engine::{Run, SourceFile};
use crate::finding::{Extra, Finding, Location, stable_hash};
use crate::rules::suppression::IgnoredManifest;
use crate::yaml::LineIndex;

/// A manifest git tracks that an ignore rule leaves out of the walk.
#[derive(Debug, Clone)]
pub struct Hidden {
    /// Where it is, as the walker forms paths.
    pub path: PathBuf,
    /// The manifest, as displayed.
    pub manifest: String,
    /// The line of an ignore file inside the repository that leaves it out; `None` for a rule
    /// outside the repository (`.git/info/exclude`, the global excludes file).
    pub origin: Option<Origin>,
}

/// The ignore rule that leaves a manifest out.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The ignore file, as displayed.
    pub display: String,
    /// Its text.
    pub text: Arc<str>,
    /// The rule's line (1-based).
    pub line: u32,
}

/// The manifests git tracks under `root` (the walk's root, `canon` canonical, inside the work
/// tree `top`) that the walk did not visit (`visited`: paths relative to `root`, as bytes)
/// although they exist, and whose path holds no hidden name when `hide`: what ignore rules left
/// out. `listing` is what [`tracked`] gave.
pub(crate) fn left_out(
    listing: &[u8],
    root: &Path,
    canon: &Path,
    top: &Path,
    visited: &HashSet<&[u8]>,
    hide: bool,
) -> Vec<Hidden> {
    let cwd = std::env::current_dir().ok();
    let mut rules = Rules::default();
    let mut out = Vec::new();
    for raw in listing.split(|b| *b == 0).filter(|r| !r.is_empty()) {
        if !is_manifest_name(raw) || visited.contains(raw) {
            continue;
        }
        let hidden_name = raw
            .split(|b| *b == b'/')
            .any(|part| part.first() == Some(&b'.'));
        let rel = path_of(raw);
        // Deleted from the work tree (or outside a sparse checkout): nothing was left out.
        if (hide && hidden_name) || std::fs::symlink_metadata(canon.join(&rel)).is_err() {
            continue;
        }
        let path = root.join(&rel);
        out.push(Hidden {
            manifest: display_path_in(&path, cwd.as_deref()),
            origin: rules.attribute(canon, &rel, top, cwd.as_deref()),
            path,
        });
    }
    out
}

/// The files git tracks under `root`: paths relative to it, NUL-separated and unquoted; an
/// error when git cannot be asked.
pub(crate) fn tracked(root: &Path) -> Result<Vec<u8>, String> {
    crate::input::git::run(root, &["ls-files", "-z", "--cached"])
}

/// Whether a path (as bytes) has a manifest's extension, as `discover::is_manifest_ext` says.
fn is_manifest_name(raw: &[u8]) -> bool {
    let name = raw.rsplit(|b| *b == b'/').next().unwrap_or(raw);
    match name.iter().rposition(|b| *b == b'.') {
        Some(dot) if dot > 0 => {
            let ext = &name[dot + 1..];
            [&b"yaml"[..], b"yml", b"json"]
                .iter()
                .any(|e| ext.eq_ignore_ascii_case(e))
        }
        _ => false,
    }
}

#[cfg(unix)]
fn path_of(raw: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(raw))
}

#[cfg(not(unix))]
fn path_of(raw: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(raw).into_owned())
}

/// The ignore files of the repository read so far: matcher and text, `None` where none exists.
#[derive(Default)]
struct Rules {
    files: HashMap<PathBuf, Option<(Gitignore, Arc<str>)>>,
}

/// The largest ignore file read again for the summary.
const MAX_IGNORE_FILE_SIZE: u64 = 16 << 20;

impl Rules {
    fn file(&mut self, path: &Path) -> Option<&(Gitignore, Arc<str>)> {
        self.files
            .entry(path.to_path_buf())
            .or_insert_with(|| {
                // As the walker honours them: a regular file, never a link (`/dev/zero`).
                let text = super::lookup::read_regular(
                    path,
                    super::lookup::Links::Refuse,
                    MAX_IGNORE_FILE_SIZE,
                )
                .ok()?;
                let mut b = GitignoreBuilder::new(path.parent()?);
                for (i, line) in text.lines().enumerate() {
                    let line = if i == 0 {
                        line.trim_start_matches('\u{feff}')
                    } else {
                        line
                    };
                    // A line that is not a valid glob is ignored by the walker too.
                    let _ = b.add_line(Some(path.to_path_buf()), line);
                }
                Some((b.build().ok()?, Arc::from(text)))
            })
            .as_ref()
    }

    /// The rule inside `top` that leaves `rel` (relative to `root`, canonical) out, as the
    /// walker meets it: the outermost of its directories (or itself) that a rule leaves out.
    fn attribute(
        &mut self,
        root: &Path,
        rel: &Path,
        top: &Path,
        cwd: Option<&Path>,
    ) -> Option<Origin> {
        let parts: Vec<_> = rel.components().collect();
        let mut entry = root.to_path_buf();
        for (i, part) in parts.iter().enumerate() {
            entry.push(part);
            match self.decide(&entry, i + 1 < parts.len(), top, cwd) {
                Decision::Ignored(origin) => return Some(origin),
                Decision::Included => return None,
                Decision::None => {}
            }
        }
        None
    }

    /// What the ignore files inside `top` say of `entry` (absolute): the first file that
    /// matches it decides, `.ignore` files before `.gitignore` files and the deepest directory
    /// first, as the walker decides.
    fn decide(&mut self, entry: &Path, is_dir: bool, top: &Path, cwd: Option<&Path>) -> Decision {
        let Some(parent) = entry.parent() else {
            return Decision::None;
        };
        for name in [".ignore", ".gitignore"] {
            for dir in parent.ancestors().take_while(|d| d.starts_with(top)) {
                let path = dir.join(name);
                let Some((matcher, text)) = self.file(&path) else {
                    continue;
                };
                match matcher.matched(entry, is_dir) {
                    Match::None => {}
                    Match::Whitelist(_) => return Decision::Included,
                    Match::Ignore(glob) => {
                        return Decision::Ignored(Origin {
                            display: display_path_in(&path, cwd),
                            line: line_of(text, glob.original()),
                            text: text.clone(),
                        });
                    }
                }
            }
        }
        Decision::None
    }
}

/// What the ignore files of a repository say of a path.
enum Decision {
    /// This rule leaves it out.
    Ignored(Origin),
    /// A `!` rule lets it in.
    Included,
    /// No rule names it.
    None,
}

/// The line (1-based) that holds `pattern`: the last one, as the last matching rule decides.
fn line_of(text: &str, pattern: &str) -> u32 {
    let pattern = pattern.trim_end();
    text.lines()
        .enumerate()
        .filter(|(i, l)| {
            let l = if *i == 0 {
                l.trim_start_matches('\u{feff}')
            } else {
                l
            };
            l.trim_end() == pattern
        })
        .last()
        .map_or(1, |(i, _)| u32::try_from(i + 1).unwrap_or(u32::MAX))
}

/// The summary's note: which tracked manifests ignore files leave out (up to 20 named).
pub(crate) fn notice(hidden: &[Hidden]) -> Option<String> {
    const NAMED: usize = 20;
    if hidden.is_empty() {
        return None;
    }
    let names: Vec<String> = hidden
        .iter()
        .take(NAMED)
        .map(|h| match &h.origin {
            Some(o) => format!("{} ({} line {})", h.manifest, o.display, o.line),
            None => format!("{} (an ignore rule outside the repository)", h.manifest),
        })
        .collect();
    let more = hidden.len().saturating_sub(NAMED);
    let one = hidden.len() == 1;
    Some(format!(
        "{} tracked by git {} left out by {} and not linted (--no-ignore lints {}): {}{}",
        if one {
            "1 manifest".to_owned()
        } else {
            format!("{} manifests", hidden.len())
        },
        if one { "is" } else { "are" },
        if one {
            "an ignore file"
        } else {
            "ignore files"
        },
        if one { "it" } else { "them" },
        names.join(", "),
        if more > 0 {
            format!(", and {more} more")
        } else {
            String::new()
        }
    ))
}

/// Add an `ignored-manifest` finding for each of `hidden` to `run` (on the ignore file's line,
/// or at the start of the manifest when the rule is outside the repository), and sort again.
/// `keep_text`: keep the ignore files' text for snippets.
pub(crate) fn report(run: &mut Run, hidden: &[Hidden], keep_text: bool) {
    if hidden.is_empty() {
        return;
    }
    let meta = &IgnoredManifest::META;
    let mut ids: HashMap<String, u32> = HashMap::new();
    for h in hidden {
        let (path, text, line) = match &h.origin {
            Some(o) => (o.display.clone(), o.text.clone(), o.line),
            None => (h.manifest.clone(), Arc::from(""), 1),
        };
        let file = *ids.entry(path.clone()).or_insert_with(|| {
            run.files.push(SourceFile {
                path,
                text: keep_text.then(|| text.clone()),
                disk: None,
                report: true,
            });
            u32::try_from(run.files.len() - 1).unwrap_or(u32::MAX)
        });
        let (start, end) = line_span(&text, line);
        let region = LineIndex::new(&text).region(&text, start, end);
        let (message, label) = match &h.origin {
            Some(_) => (
                format!(
                    "`{}` is tracked by git but this ignore rule leaves it out: it is not linted",
                    h.manifest
                ),
                format!("leaves out `{}`", h.manifest),
            ),
            None => (
                format!(
                    "`{}` is tracked by git but an ignore rule outside the repository \
                     (`.git/info/exclude` or the global excludes file) leaves it out: it is not \
                     linted",
                    h.manifest
                ),
                "left out by an ignore rule outside the repository".to_owned(),
            ),
        };
        run.findings.push(Finding {
            meta,
            severity: meta.severity,
            message: message.into(),
            help: Some(
                "Narrow or remove the ignore rule, or run with `--no-ignore`; to leave files out \
                 on purpose, list them under `exclude:` in .kubeward.yaml."
                    .into(),
            ),
            primary: Location { file, region },
            object: None,
            route: "".into(),
            fingerprint: stable_hash(&[meta.id, &h.manifest]),
            extra: Extra {
                label: Some(label.into()),
                ..Extra::default()
            }
            .boxed(),
        });
    }
    crate::engine::order(&mut run.findings, &run.files);
}

/// Byte offsets of line `line` (1-based) of `text`, without its line break.
fn line_span(text: &str, line: u32) -> (u32, u32) {
    let mut start = 0usize;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line as usize {
            let body = l.trim_end_matches(['\n', '\r']);
            let to = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
            return (to(start), to(start + body.len()));
        }
        start += l.len();
    }
    (0, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_line_that_holds_the_rule_decides() {
        let text = "\u{feff}deploy/\n# deploy/\n*.tmp  \ndeploy/\n";
        assert_eq!(line_of(text, "deploy/"), 4);
        assert_eq!(line_of(text, "*.tmp"), 3);
        assert_eq!(line_of("\u{feff}x/\n", "x/"), 1);
    }

    #[test]
    fn manifest_names_are_told_apart_as_the_walker_does() {
        for (name, yes) in [
            ("a/b.yaml", true),
            ("b.YML", true),
            ("c/d.json", true),
            ("e.yaml.bak", false),
            (".yaml", false),
            ("dir.yaml/readme", false),
            ("noext", false),
        ] {
            assert_eq!(is_manifest_name(name.as_bytes()), yes, "{name}");
            assert_eq!(
                super::super::discover::is_manifest_ext(Path::new(name)),
                yes,
                "{name}"
            );
        }
    }

    #[test]
    fn line_spans_leave_out_the_line_break() {
        let text = "a\r\nbb\nccc";
        assert_eq!(line_span(text, 1), (0, 1));
        assert_eq!(line_span(text, 2), (3, 5));
        assert_eq!(line_span(text, 3), (6, 9));
        assert_eq!(line_span(text, 9), (0, 0));
    }

    #[test]
    fn the_ignore_file_that_decides_is_found_as_the_walker_finds_it() {
        let tmp = tempfile::tempdir().unwrap();
        let top = tmp.path().canonicalize().unwrap();
        std::fs::create_dir_all(top.join("a/b")).unwrap();
        std::fs::write(top.join(".gitignore"), "# build\nb/\n").unwrap();
        std::fs::write(top.join(".ignore"), "*.tmp\n").unwrap();
        std::fs::write(top.join("a/.ignore"), "!keep/\nb/\n").unwrap();
        let mut rules = Rules::default();
        let mut origin = |rel: &str, top: &Path| {
            rules
                .attribute(top, Path::new(rel), top, Some(top))
                .map(|o| (o.display, o.line))
        };
        // `.ignore` files come before `.gitignore` files, the deepest first; the outermost
        // directory left out decides.
        assert_eq!(
            origin("a/b/x.yaml", &top),
            Some(("a/.ignore".to_owned(), 2))
        );
        assert_eq!(
            origin("c/b/x.yaml", &top),
            Some((".gitignore".to_owned(), 2))
        );
        assert_eq!(origin("c/x.tmp", &top), Some((".ignore".to_owned(), 1)));
        // Let in by the first file that names it: nothing in the repository leaves it out.
        assert_eq!(origin("a/keep/x.yaml", &top), None);
        // Rules above the repository are not its own.
        assert_eq!(origin("x.tmp", &top.join("a")), None);
    }
}
