//! Walk the given paths with `ignore`'s parallel walker (honouring .gitignore/.ignore, also
//! outside git), pick manifests, and never follow a symlink out of the scanned tree.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use globset::GlobSet;
use ignore::{WalkBuilder, WalkState};

/// Errors that stop discovery (exit code 2).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    /// A path on the command line does not exist.
    #[error("path not found: {0}")]
    #[diagnostic(
        code(kubeward::input::not_found),
        help("Check the path; use `-` to read standard input.")
    )]
    NotFound(String),
    /// Standard input could not be read.
    #[error("cannot read standard input: {0}")]
    #[diagnostic(code(kubeward::input::stdin))]
    Stdin(std::io::Error),
}

/// Where an input's bytes come from.
#[derive(Debug, Clone)]
pub enum InputSource {
    /// A file on disk.
    Path(PathBuf),
    /// Bytes already in memory (standard input, tests).
    Bytes(Arc<[u8]>),
    /// A stream kubeward rendered (Helm chart, Kustomize overlay), with where it came from.
    Rendered(Arc<crate::render::Rendered>),
}

/// One file to lint.
#[derive(Debug, Clone)]
pub struct Input {
    /// Path as shown to the user.
    pub display: String,
    /// Where to read it.
    pub source: InputSource,
    /// Report its findings (else it is context: read only for the cross-object index).
    pub report: bool,
    /// Namespace of the kustomization that lists the file, for objects that name none.
    pub namespace: Option<String>,
}

impl Input {
    /// A reported input with no kustomization namespace.
    pub fn new(display: String, source: InputSource) -> Self {
        Input {
            display,
            source,
            report: true,
            namespace: None,
        }
    }
}

/// The inputs to lint (sorted) and the skipped paths with their reasons.
#[cfg(test)]
pub type Discovered = (Vec<Input>, Vec<(String, String)>);

/// How to discover.
#[derive(Debug, Default, Clone)]
pub struct DiscoverOptions {
    /// Don't honour .gitignore/.ignore.
    pub no_ignore: bool,
    /// Enter hidden directories and read hidden files.
    pub hidden: bool,
    /// `--exclude` globs.
    pub exclude: GlobSet,
    /// Walker threads (0 = automatic).
    pub threads: usize,
    /// Account for what ignore files and hidden names leave out of a directory walk (skipped
    /// with the flag that lints it), and name the manifests git tracks among what ignore files
    /// leave out. Off for context walks, whose skips are not reported.
    pub account: bool,
    /// Stop a directory walk once it has met more than this many entries that are not
    /// directories (0: no limit); the walk's inputs are then incomplete and
    /// [`Discovery::capped`] says so.
    pub max_files: usize,
    /// Walk at most this many levels below each directory given (`None`: no limit).
    pub max_depth: Option<usize>,
}

/// What [`discover_all`] found.
#[derive(Debug, Default)]
pub struct Discovery {
    /// The inputs to lint, sorted.
    pub inputs: Vec<Input>,
    /// Skipped paths with their reasons, sorted.
    pub skipped: Vec<(String, String)>,
    /// Manifests tracked by git that an ignore file leaves out of a walk (sorted).
    pub hidden: Vec<super::ignored::Hidden>,
    /// What the summary must say about discovery.
    pub notices: Vec<String>,
    /// A walk stopped at [`DiscoverOptions::max_files`].
    pub capped: bool,
}

/// Path relative to the working directory when under it, with `/` separators.
pub fn display_path(p: &Path) -> String {
    display_path_in(p, std::env::current_dir().ok().as_deref())
}

/// [`display_path`] relative to `cwd`, the working directory (asked once for a whole walk).
pub(super) fn display_path_in(p: &Path, cwd: Option<&Path>) -> String {
    let rel = cwd.and_then(|c| p.strip_prefix(c).ok()).unwrap_or(p);
    let rel = rel.strip_prefix("./").unwrap_or(rel);
    let s = rel.to_string_lossy().replace('\\', "/");
    if s.is_empty() { ".".to_owned() } else { s }
}

pub(super) fn is_manifest_ext(p: &Path) -> bool {
    p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        e.eq_ignore_ascii_case("yaml")
            || e.eq_ignore_ascii_case("yml")
            || e.eq_ignore_ascii_case("json")
    })
}

/// Whether `p` lies under `templates/` of a Helm chart (a directory with `Chart.yaml`).
fn helm_template(p: &Path, charts: &mut HashMap<PathBuf, bool>) -> bool {
    // Most paths have no `templates` component at all.
    if memchr::memmem::find(p.as_os_str().as_encoded_bytes(), b"templates").is_none() {
        return false;
    }
    let mut dir = p.parent();
    while let Some(d) = dir {
        if d.file_name().is_some_and(|n| n == "templates")
            && let Some(chart) = d.parent()
            && *charts
                .entry(chart.to_path_buf())
                .or_insert_with(|| chart.join("Chart.yaml").is_file())
        {
            return true;
        }
        dir = d.parent();
    }
    false
}

/// Find the files to lint under `paths`; returns the inputs (sorted) and the skipped paths
/// with their reasons.
#[cfg(test)]
pub fn discover(paths: &[String], opts: &DiscoverOptions) -> Result<Discovered, Error> {
    discover_all(paths, opts).map(|d| (d.inputs, d.skipped))
}

/// [`discover`], with what ignore files leave out (when [`DiscoverOptions::account`]) and
/// whether a walk was cut short.
pub fn discover_all(paths: &[String], opts: &DiscoverOptions) -> Result<Discovery, Error> {
    let mut found = Discovery::default();
    let Discovery {
        inputs,
        skipped,
        hidden,
        notices,
        capped,
    } = &mut found;
    let mut charts = HashMap::new();
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let cwd_canon = std::fs::canonicalize(&cwd).unwrap_or(cwd);
    for arg in paths {
        if arg == "-" {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(Error::Stdin)?;
            inputs.push(Input::new(
                "<stdin>".into(),
                InputSource::Bytes(Arc::from(buf)),
            ));
            continue;
        }
        let path = PathBuf::from(arg);
        let display = display_path(&path);
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NotFound(arg.clone()));
            }
            // It exists but cannot be examined (e.g. a parent directory is not searchable):
            // reading it will fail, and the failure is reported with its reason.
            Err(_) => {
                inputs.push(Input::new(display, InputSource::Path(path)));
                continue;
            }
        };
        let kind = if meta.file_type().is_symlink() {
            match std::fs::canonicalize(&path) {
                Err(_) => Err(BROKEN_LINK),
                Ok(t) if !t.starts_with(&cwd_canon) => Err(OUTSIDE),
                Ok(t) => std::fs::metadata(t).map_err(|_| BROKEN_LINK),
            }
        } else {
            Ok(meta)
        };
        let meta = match kind {
            Ok(m) => m,
            Err(why) => {
                skipped.push((display, why.into()));
                continue;
            }
        };
        if meta.is_dir() {
            let walked = walk(&path, opts, inputs, skipped, &mut charts);
            *capped |= walked.capped;
            if !walked.ignored.is_empty() {
                match super::ignored::tracked(&path, &walked.ignored) {
                    Ok(h) => hidden.extend(h),
                    Err(why) => notices.push(format!(
                        "ignore files leave {} paths out of {display}; git could not tell which \
                         of them it tracks ({why})",
                        walked.ignored.len(),
                    )),
                }
            }
            continue;
        }
        if !meta.is_file() {
            skipped.push((display, NOT_REGULAR.into()));
        } else if opts.exclude.is_match(&display) {
            skipped.push((display, "excluded by --exclude".into()));
        } else if helm_template(&path, &mut charts) {
            skipped.push((display, "Helm template (not rendered)".into()));
        } else {
            inputs.push(Input::new(display, InputSource::Path(path)));
        }
    }
    inputs.sort_by(|a, b| a.display.cmp(&b.display));
    // The same file named twice (`a.yaml ./a.yaml`, or a directory and a file in it) is linted
    // once; two different files that merely display alike (lossy non-UTF-8 names) both are.
    inputs.dedup_by(|a, b| a.display == b.display && same_source(&a.source, &b.source));
    skipped.sort();
    skipped.dedup();
    // A path skipped by a directory walk but named explicitly is linted, not also skipped.
    let linted: std::collections::HashSet<&str> =
        inputs.iter().map(|i| i.display.as_str()).collect();
    skipped.retain(|(p, _)| !linted.contains(p.as_str()));
    hidden.retain(|h| !linted.contains(h.manifest.as_str()));
    hidden.sort_by(|a, b| a.manifest.cmp(&b.manifest));
    hidden.dedup_by(|a, b| a.manifest == b.manifest);
    Ok(found)
}

fn same_source(a: &InputSource, b: &InputSource) -> bool {
    match (a, b) {
        (InputSource::Path(a), InputSource::Path(b)) => {
            a == b
                || matches!(
                    (std::fs::canonicalize(a), std::fs::canonicalize(b)),
                    (Ok(x), Ok(y)) if x == y
                )
        }
        _ => false,
    }
}

const NOT_MANIFEST: &str = "not a .yaml, .yml or .json file";
const OUTSIDE: &str = "symbolic link points outside the scanned tree";
const BROKEN_LINK: &str = "broken symbolic link (or a symbolic link loop)";
const NOT_REGULAR: &str = "not a regular file (FIFO, socket or device)";
/// Left out of a walk by an ignore rule (`.gitignore`, `.ignore`, `.git/info/exclude`, the
/// global excludes file).
pub(crate) const IGNORED: &str = "ignored by .gitignore or .ignore (--no-ignore lints it)";
/// Left out of a walk for its name.
pub(crate) const HIDDEN: &str = "hidden (--hidden lints it)";

/// The path an error of the walker is about, if it names one.
fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Partial(errs) => errs.iter().find_map(error_path),
        _ => None,
    }
}

/// Why the walker could not visit a path, as a summary category.
fn error_reason(err: &ignore::Error) -> String {
    if let Some(e) = err.io_error() {
        return format!("unreadable ({})", e.kind());
    }
    if err.to_string().contains("loop") {
        return "filesystem loop".into();
    }
    format!("walk error ({err})")
}

enum Found {
    File(PathBuf),
    Skip(PathBuf, String),
    /// A directory the walker read.
    Dir(PathBuf),
}

/// What one directory walk reports besides its inputs and skips.
struct Walked {
    /// Left out by an ignore rule: directories and manifest files, with whether each is a
    /// directory (the paths as the walker forms them).
    ignored: Vec<(PathBuf, bool)>,
    /// Stopped at [`DiscoverOptions::max_files`].
    capped: bool,
}

fn walk(
    root: &Path,
    opts: &DiscoverOptions,
    inputs: &mut Vec<Input>,
    skipped: &mut Vec<(String, String)>,
    charts: &mut HashMap<PathBuf, bool>,
) -> Walked {
    let found: Mutex<Vec<Found>> = Mutex::new(Vec::new());
    let files = AtomicUsize::new(0);
    let capped = AtomicBool::new(false);
    let canon_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let ignore = !opts.no_ignore;
    let account = opts.account && opts.max_depth.is_none();
    // Hidden names are left out here rather than by the walker, so that they are seen (and
    // counted) without reading any directory twice. (A hidden name is left out even where an
    // ignore file's `!` rule names it, which the walker would have let in.)
    let seen_by_filter = Arc::new(Mutex::new(Filtered::default()));
    let filtered = seen_by_filter.clone();
    let hide = !opts.hidden;
    let filter = move |e: &ignore::DirEntry| {
        let name = e.file_name().as_encoded_bytes();
        if !name.starts_with(b".") || e.depth() == 0 {
            return true;
        }
        let is_dir = e.file_type().is_some_and(|t| t.is_dir());
        if account
            && (name == b".gitignore" || name == b".ignore")
            && let (Some(dir), Ok(mut f)) = (e.path().parent(), filtered.lock())
        {
            f.rule_dirs.push(dir.to_path_buf());
        }
        if !hide {
            return true;
        }
        if account
            && name != b".git"
            && (is_dir || is_manifest_ext(e.path()))
            && let Ok(mut f) = filtered.lock()
        {
            f.hidden.push((e.path().to_path_buf(), is_dir));
        }
        false
    };
    WalkBuilder::new(root)
        .hidden(false)
        .filter_entry(filter)
        .git_ignore(ignore)
        .git_global(ignore)
        .git_exclude(ignore)
        .ignore(ignore)
        .parents(ignore)
        .require_git(false)
        .follow_links(false)
        .max_depth(opts.max_depth)
        .threads(opts.threads)
        .build_parallel()
        .run(|| {
            let found = &found;
            let canon_root = &canon_root;
            let files = &files;
            let capped = &capped;
            Box::new(move |entry| {
                let item = match entry {
                    Ok(e) => {
                        let ft = e.file_type();
                        let p = e.into_path();
                        let skip = |p, why: &str| Found::Skip(p, why.to_owned());
                        match ft {
                            Some(ft) if ft.is_dir() => {
                                if !(account && ignore) {
                                    return WalkState::Continue;
                                }
                                Found::Dir(p)
                            }
                            Some(ft) if ft.is_symlink() => match std::fs::canonicalize(&p) {
                                Ok(t) if !t.starts_with(canon_root) => skip(p, OUTSIDE),
                                Ok(t) if t.is_dir() => {
                                    skip(p, "symbolic link to a directory (not followed)")
                                }
                                Ok(t) if !t.is_file() => skip(p, NOT_REGULAR),
                                Ok(_) if is_manifest_ext(&p) => Found::File(p),
                                Ok(_) => skip(p, NOT_MANIFEST),
                                Err(_) => skip(p, BROKEN_LINK),
                            },
                            Some(ft) if !ft.is_file() => skip(p, NOT_REGULAR),
                            _ if is_manifest_ext(&p) => Found::File(p),
                            _ => skip(p, NOT_MANIFEST),
                        }
                    }
                    Err(err) => {
                        let path = error_path(&err).unwrap_or_else(|| PathBuf::from("?"));
                        Found::Skip(path, error_reason(&err))
                    }
                };
                if !matches!(item, Found::Dir(_))
                    && opts.max_files > 0
                    && files.fetch_add(1, Ordering::Relaxed) >= opts.max_files
                {
                    capped.store(true, Ordering::Relaxed);
                    return WalkState::Quit;
                }
                found
                    .lock()
                    .expect("internal error: walker lock poisoned")
                    .push(item);
                WalkState::Continue
            })
        });
    let cwd = std::env::current_dir().ok();
    let found = found.into_inner().unwrap_or_default();
    let mut walked = Walked {
        ignored: Vec::new(),
        capped: capped.into_inner(),
    };
    if account {
        let filtered = std::mem::take(
            &mut *seen_by_filter
                .lock()
                .expect("internal error: filter lock poisoned"),
        );
        let mut left: Vec<(PathBuf, bool, &'static str)> = filtered
            .hidden
            .into_iter()
            .map(|(p, is_dir)| (p, is_dir, HIDDEN))
            .collect();
        if ignore {
            let everywhere = rules_above(&canon_root);
            left.extend(ignored_in(
                &found,
                &filtered.rule_dirs,
                everywhere,
                root,
                hide,
            ));
        }
        left.sort();
        for (p, is_dir, why) in left {
            let mut display = display_path_in(&p, cwd.as_deref());
            if is_dir {
                display.push('/');
            }
            if why == IGNORED {
                walked.ignored.push((p, is_dir));
            }
            skipped.push((display, why.to_owned()));
        }
    }
    for item in found {
        match item {
            Found::Dir(_) => {}
            Found::Skip(p, why) => skipped.push((display_path_in(&p, cwd.as_deref()), why)),
            Found::File(p) => {
                let display = display_path_in(&p, cwd.as_deref());
                let rel = p.strip_prefix(root).unwrap_or(&p);
                if opts.exclude.is_match(&display) || opts.exclude.is_match(rel) {
                    skipped.push((display, "excluded by --exclude".into()));
                } else if helm_template(&p, charts) {
                    skipped.push((display, "Helm template (not rendered)".into()));
                } else {
                    inputs.push(Input::new(display, InputSource::Path(p)));
                }
            }
        }
    }
    walked
}

/// What the walk's filter saw of hidden names.
#[derive(Default)]
struct Filtered {
    /// Hidden directories and manifests left out, with whether each is a directory.
    hidden: Vec<(PathBuf, bool)>,
    /// Directories that hold a `.gitignore` or `.ignore` file.
    rule_dirs: Vec<PathBuf>,
}

/// Whether ignore rules from outside the walk apply to all of it: an ignore file in a directory
/// above `root`, the repository's `.git/info/exclude`, or the global excludes file.
fn rules_above(root: &Path) -> bool {
    let has_rules = |p: &Path| {
        std::fs::read_to_string(p).is_ok_and(|t| {
            t.lines()
                .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        })
    };
    root.ancestors()
        .skip(1)
        .any(|d| d.join(".gitignore").is_file() || d.join(".ignore").is_file())
        || crate::git::work_tree_of(root)
            .is_some_and(|top| has_rules(&top.join(".git/info/exclude")))
        || !ignore::gitignore::Gitignore::global().0.is_empty()
}

/// What ignore rules left out of the directories the walker read: the directories within reach
/// of a rule (below a `.gitignore` or `.ignore`, or all when `everywhere`) are read again, side
/// by side, and compared with what the walker reported. A left-out directory counts once (its
/// contents are not walked), a left-out file only if it has a manifest's extension (any other
/// file would be skipped anyway); hidden names (`hide`) were dealt with by the walk's filter.
fn ignored_in(
    found: &[Found],
    rule_dirs: &[PathBuf],
    everywhere: bool,
    root: &Path,
    hide: bool,
) -> Vec<(PathBuf, bool, &'static str)> {
    use rayon::prelude::*;
    if rule_dirs.is_empty() && !everywhere {
        return Vec::new();
    }
    let rule_dirs: HashSet<&Path> = rule_dirs.iter().map(PathBuf::as_path).collect();
    let mut seen: HashSet<&Path> = HashSet::with_capacity(found.len());
    let mut dirs = Vec::new();
    for item in found {
        match item {
            Found::File(p) | Found::Skip(p, _) => {
                seen.insert(p);
            }
            Found::Dir(p) => {
                seen.insert(p);
                let reached = everywhere
                    || p.ancestors()
                        .take_while(|a| a.starts_with(root))
                        .any(|a| rule_dirs.contains(a));
                if reached {
                    dirs.push(p.as_path());
                }
            }
        }
    }
    dirs.par_iter()
        .flat_map_iter(|dir| {
            let entries = std::fs::read_dir(dir).into_iter().flatten().flatten();
            let seen = &seen;
            entries.filter_map(move |e| {
                let name = e.file_name();
                let name = name.as_encoded_bytes();
                // The walk's filter counted hidden names; `.git` is the repository's own.
                if (hide && name.starts_with(b".")) || name == b".git" {
                    return None;
                }
                let p = e.path();
                if seen.contains(p.as_path()) {
                    return None;
                }
                let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
                if !is_dir && !is_manifest_ext(&p) {
                    return None;
                }
                Some((p, is_dir, IGNORED))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        for (f, text) in files {
            let p = tmp.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        tmp
    }

    /// `(path relative to the root, reason)` of what the walk of `root` left out.
    fn left_out(root: &Path, opts: DiscoverOptions) -> Vec<(String, &'static str)> {
        let opts = DiscoverOptions {
            account: true,
            ..opts
        };
        let found = discover_all(&[root.to_string_lossy().into_owned()], &opts).unwrap();
        let prefix = format!("{}/", root.display());
        found
            .skipped
            .into_iter()
            .filter_map(|(p, why)| {
                let why = [IGNORED, HIDDEN].into_iter().find(|r| *r == why)?;
                Some((p.trim_start_matches(&prefix).to_owned(), why))
            })
            .collect()
    }

    #[test]
    fn what_ignore_rules_and_hidden_names_leave_out_is_counted_once() {
        let t = tree(&[
            ("a.yaml", ""),
            ("sub/.ignore", "build/\n*.tmp.yaml\n"),
            ("sub/build/x.yaml", ""),
            ("sub/keep.yaml", ""),
            ("sub/deep/y.tmp.yaml", ""),
            ("sub/deep/z.txt", ""),
            // Out of the `.ignore`'s reach: not left out.
            ("other/build/x.yaml", ""),
            ("other/w.tmp.yaml", ""),
            (".hidden/x.yaml", ""),
            (".env.yaml", ""),
            (".notes", ""),
            (".git/config", ""),
        ]);
        let root = t.path().canonicalize().unwrap();
        assert_eq!(
            left_out(&root, DiscoverOptions::default()),
            [
                (".env.yaml".to_owned(), HIDDEN),
                (".hidden/".to_owned(), HIDDEN),
                ("sub/build/".to_owned(), IGNORED),
                ("sub/deep/y.tmp.yaml".to_owned(), IGNORED),
            ]
        );
        let hidden_too = DiscoverOptions {
            hidden: true,
            ..DiscoverOptions::default()
        };
        assert_eq!(
            left_out(&root, hidden_too),
            [
                ("sub/build/".to_owned(), IGNORED),
                ("sub/deep/y.tmp.yaml".to_owned(), IGNORED),
            ]
        );
        let no_ignore = DiscoverOptions {
            no_ignore: true,
            ..DiscoverOptions::default()
        };
        assert_eq!(
            left_out(&root, no_ignore),
            [
                (".env.yaml".to_owned(), HIDDEN),
                (".hidden/".to_owned(), HIDDEN),
            ]
        );
    }

    #[test]
    fn a_walk_over_its_cap_says_so() {
        let t = tree(&[("a.yaml", ""), ("b.yaml", ""), ("c/d.yaml", "")]);
        let root = t.path().to_string_lossy().into_owned();
        let capped = |max_files| {
            let opts = DiscoverOptions {
                max_files,
                threads: 1,
                ..DiscoverOptions::default()
            };
            discover_all(std::slice::from_ref(&root), &opts)
                .unwrap()
                .capped
        };
        assert!(capped(2));
        assert!(!capped(3));
        assert!(!capped(0));
    }
}
