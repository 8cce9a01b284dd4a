//! Discovery: walk the given paths, pick the manifests, say why every other path is skipped.
//!
//! Walk the given paths with `ignore`'s parallel walker (honouring .gitignore/.ignore, also
//! outside git), pick manifests, and never follow a symlink out of the scanned tree.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use globset::GlobSet;
use ignore::{WalkBuilder, WalkState};

use super::source::{Input, InputSource, display_path, display_path_in};

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
    /// The configuration's `exclude` globs, relative to its directory.
    pub config_exclude: super::ScopedGlobs,
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
    /// Standard input is read up to one byte past this size cap (the engine then refuses it
    /// as too large); `None`: the default cap.
    pub max_file_size: Option<u64>,
}

/// Why a file the configuration's `exclude` names is skipped.
const CONFIG_EXCLUDED: &str = "excluded by the configuration's exclude";

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
            let cap = opts
                .max_file_size
                .unwrap_or(super::read::DEFAULT_MAX_FILE_SIZE);
            std::io::stdin()
                .take(cap.saturating_add(1))
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
            let mut todo = vec![(path, opts.clone())];
            while let Some((dir, dir_opts)) = todo.pop() {
                let walked = walk(&dir, &dir_opts, inputs, skipped, &mut charts);
                *capped |= walked.capped;
                hidden.extend(walked.hidden);
                if let Some(why) = walked.git_error {
                    notices.push(format!(
                        "ignore rules leave paths out of {display}, and git could not tell \
                         whether it tracks them ({why})"
                    ));
                }
                if walked.unruly_above {
                    notices.push(format!(
                        "{}: an ignore file in it or above it is a symbolic link or not a \
                         regular file; it was not read, and the directory was linted without \
                         ignore rules",
                        crate::report::inert::path(&display_path(&dir))
                    ));
                }
                // A directory whose ignore file is a link or not a regular file is walked on
                // its own without ignore rules (more is linted, nothing is hidden).
                for d in walked.unruly {
                    notices.push(format!(
                        "{}: an ignore file there is a symbolic link or not a regular file; it \
                         was not read, and the directory was linted without ignore rules",
                        crate::report::inert::path(&display_path(&d))
                    ));
                    let mut plain = dir_opts.clone();
                    plain.no_ignore = true;
                    todo.push((d, plain));
                }
            }
            continue;
        }
        if !meta.is_file() {
            skipped.push((display, NOT_REGULAR.into()));
        } else if opts.exclude.is_match(&display) {
            skipped.push((display, "excluded by --exclude".into()));
        } else if opts.config_exclude.is_match(&path) {
            skipped.push((display, CONFIG_EXCLUDED.into()));
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
    /// Manifests git tracks that ignore rules left out.
    hidden: Vec<super::ignored::Hidden>,
    /// Why git could not be asked what it tracks.
    git_error: Option<String>,
    /// Stopped at [`DiscoverOptions::max_files`].
    capped: bool,
    /// Directories left out of the walk because an ignore file in them is a symbolic link or
    /// not a regular file (the walker would read it: `/dev/zero` never ends, a FIFO never
    /// opens); to be walked again without ignore rules.
    unruly: Vec<PathBuf>,
    /// This walk honoured no ignore file: one in its root or above is a link or not a regular
    /// file.
    unruly_above: bool,
}

/// Whether `dir` holds an ignore file the walker must not read: a symbolic link (which it would
/// follow anywhere) or something that is not a regular file.
fn unruly_ignore_files(dir: &Path) -> bool {
    [".gitignore", ".ignore"]
        .iter()
        .any(|n| super::lookup::refused_by_type(&dir.join(n)))
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
    // The walker reads the ignore files of the root and of the directories above it (up to the
    // repository's top) before any filter sees them: when one of them is a link or not a
    // regular file, this walk honours no ignore file.
    let top = crate::input::git::work_tree_of(&canon_root).map(Path::to_path_buf);
    let unruly_above = !opts.no_ignore
        && canon_root
            .ancestors()
            .take_while(|d| top.as_deref().is_none_or(|t| d.starts_with(t)))
            .take(if top.is_some() { usize::MAX } else { 1 })
            .any(unruly_ignore_files);
    let ignore = !opts.no_ignore && !unruly_above;
    let account = opts.account && opts.max_depth.is_none();
    // In a git work tree, git says which of its files ignore rules left out; elsewhere (or
    // when git cannot say) the directories within reach of a rule are read again, which needs
    // them recorded.
    let work_tree = if account && ignore {
        crate::input::git::work_tree_of(&canon_root).map(Path::to_path_buf)
    } else {
        None
    };
    // (Recorded in a work tree too: should git fail, the directories are read again instead.)
    let record_dirs = account && ignore;
    // What git tracks is asked while the walk runs (git reads its index in the time the walk
    // reads a few thousand directories).
    let tracked = work_tree.as_ref().map(|_| {
        let root = root.to_path_buf();
        std::thread::spawn(move || super::ignored::tracked(&root))
    });
    // Hidden names are left out here rather than by the walker, so that they are seen (and
    // counted) without reading any directory twice. (A hidden name is left out even where an
    // ignore file's `!` rule names it, which the walker would have let in.)
    let seen_by_filter = Arc::new(Mutex::new(Filtered::default()));
    let filtered = seen_by_filter.clone();
    let hide = !opts.hidden;
    let filter = move |e: &ignore::DirEntry| {
        let name = e.file_name().as_encoded_bytes();
        let is_dir = e.file_type().is_some_and(|t| t.is_dir());
        if !name.starts_with(b".") || e.depth() == 0 {
            // Checked before the walker enters the directory and reads its ignore files.
            if ignore
                && is_dir
                && e.depth() > 0
                && unruly_ignore_files(e.path())
                && let Ok(mut f) = filtered.lock()
            {
                f.unruly.push(e.path().to_path_buf());
                return false;
            }
            return true;
        }
        if account
            && (name == b".gitignore" || name == b".ignore")
            && let (Some(dir), Ok(mut f)) = (e.path().parent(), filtered.lock())
        {
            f.rule_dirs.push(dir.to_path_buf());
        }
        if !hide {
            if ignore
                && is_dir
                && name != b".git"
                && unruly_ignore_files(e.path())
                && let Ok(mut f) = filtered.lock()
            {
                f.unruly.push(e.path().to_path_buf());
                return false;
            }
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
                                if !record_dirs {
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
    let mut filtered = std::mem::take(
        &mut *seen_by_filter
            .lock()
            .expect("internal error: filter lock poisoned"),
    );
    let mut unruly = std::mem::take(&mut filtered.unruly);
    unruly.sort();
    let mut walked = Walked {
        hidden: Vec::new(),
        git_error: None,
        capped: capped.into_inner(),
        unruly,
        unruly_above,
    };
    if account {
        let mut left: Vec<(PathBuf, bool, &'static str)> = filtered
            .hidden
            .into_iter()
            .map(|(p, is_dir)| (p, is_dir, HIDDEN))
            .collect();
        let above = ignore && rules_above(&canon_root);
        if ignore && (above || !filtered.rule_dirs.is_empty()) {
            let listing = tracked.map(|t| {
                t.join()
                    .unwrap_or_else(|_| Err("internal error: git thread".into()))
            });
            match (&work_tree, listing) {
                (Some(top), Some(Ok(listing))) => {
                    let prefix = root.as_os_str().as_encoded_bytes();
                    let visited: HashSet<&[u8]> = found
                        .iter()
                        .filter_map(|f| match f {
                            Found::File(p) | Found::Skip(p, _) => p
                                .as_os_str()
                                .as_encoded_bytes()
                                .strip_prefix(prefix)
                                .map(|rel| rel.strip_prefix(b"/").unwrap_or(rel)),
                            Found::Dir(_) => None,
                        })
                        .collect();
                    let h =
                        super::ignored::left_out(&listing, root, &canon_root, top, &visited, hide);
                    left.extend(h.iter().map(|h| (h.path.clone(), false, IGNORED)));
                    walked.hidden = h;
                }
                (_, listing) => {
                    let scope: &[PathBuf] = if above { &[] } else { &filtered.rule_dirs };
                    let ignored = ignored_in(&found, scope, root, hide);
                    // In a work tree whose git could not be asked, what is left out may be
                    // tracked: said so when there is something.
                    if let Some(Err(why)) = listing
                        && !ignored.is_empty()
                    {
                        walked.git_error = Some(why);
                    }
                    left.extend(ignored);
                }
            }
        }
        left.sort();
        for (p, is_dir, why) in left {
            let mut display = display_path_in(&p, cwd.as_deref());
            if is_dir {
                display.push('/');
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
                } else if opts.config_exclude.is_match(&p) {
                    skipped.push((display, CONFIG_EXCLUDED.into()));
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
    /// Directories left out because an ignore file in them is a link or not a regular file.
    unruly: Vec<PathBuf>,
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
        || crate::input::git::work_tree_of(root)
            .is_some_and(|top| has_rules(&top.join(".git/info/exclude")))
        || !ignore::gitignore::Gitignore::global().0.is_empty()
}

/// What ignore rules left out of the directories the walker read, outside a git work tree: the
/// directories within reach of a rule (below a `.gitignore` or `.ignore`; all of them when
/// `rule_dirs` is empty, the rules being from outside the walk) are read again, side by side,
/// and compared with what the walker reported. A left-out directory counts once (its
/// contents are not walked), a left-out file only if it has a manifest's extension (any other
/// file would be skipped anyway); hidden names (`hide`) were dealt with by the walk's filter.
fn ignored_in(
    found: &[Found],
    rule_dirs: &[PathBuf],
    root: &Path,
    hide: bool,
) -> Vec<(PathBuf, bool, &'static str)> {
    use rayon::prelude::*;
    fn bytes(p: &Path) -> &[u8] {
        p.as_os_str().as_encoded_bytes()
    }
    let everywhere = rule_dirs.is_empty();
    let rule_dirs: HashSet<&[u8]> = rule_dirs.iter().map(|d| bytes(d)).collect();
    let root_len = bytes(root).len();
    let mut seen: HashSet<&[u8]> = HashSet::with_capacity(found.len());
    let mut dirs = Vec::new();
    for item in found {
        match item {
            Found::File(p) | Found::Skip(p, _) => {
                seen.insert(bytes(p));
            }
            Found::Dir(p) => {
                seen.insert(bytes(p));
                let reached = everywhere
                    || p.ancestors()
                        .take_while(|a| bytes(a).len() >= root_len)
                        .any(|a| rule_dirs.contains(bytes(a)));
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
            // The path the walker forms for an entry: the directory's, a `/`, the name.
            let mut key = bytes(dir).to_vec();
            if key.last() != Some(&b'/') {
                key.push(b'/');
            }
            let base = key.len();
            entries.filter_map(move |e| {
                let name = e.file_name();
                let name = name.as_encoded_bytes();
                // The walk's filter counted hidden names; `.git` is the repository's own.
                if (hide && name.starts_with(b".")) || name == b".git" {
                    return None;
                }
                key.truncate(base);
                key.extend_from_slice(name);
                if seen.contains(key.as_slice()) {
                    return None;
                }
                let p = e.path();
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
    fn in_a_git_work_tree_what_ignore_rules_leave_out_is_what_git_tracks() {
        let t = tree(&[
            ("deploy/pod.yaml", ""),
            ("deploy/more/svc.yaml", ""),
            ("app.yaml", ""),
            (".github/ci.yaml", ""),
        ]);
        let root = t.path().canonicalize().unwrap();
        let git = |args: &[&str]| crate::input::git::run(&root, args).unwrap();
        git(&["init", "-q"]);
        git(&["add", "-A"]);
        git(&[
            "-c",
            "user.name=k",
            "-c",
            "user.email=k@example.invalid",
            "-c",
            "commit.gpgSign=false",
            "commit",
            "-q",
            "--no-verify",
            "-m",
            "x",
        ]);
        std::fs::write(
            root.join(".gitignore"),
            "deploy/
build/
",
        )
        .unwrap();
        // Untracked: not counted (a pull request hides only what it commits).
        std::fs::create_dir_all(root.join("build")).unwrap();
        std::fs::write(root.join("build/out.yaml"), "").unwrap();
        assert_eq!(
            left_out(&root, DiscoverOptions::default()),
            [
                (".github/".to_owned(), HIDDEN),
                ("deploy/more/svc.yaml".to_owned(), IGNORED),
                ("deploy/pod.yaml".to_owned(), IGNORED),
            ]
        );
    }

    #[test]
    fn when_git_cannot_say_what_it_tracks_the_directories_are_read_again_and_that_is_said() {
        let t = tree(&[
            ("app.yaml", ""),
            (".gitignore", "build/\n"),
            ("build/out.yaml", ""),
            // Not a repository git can read.
            (".git/HEAD", "garbage\n"),
        ]);
        let root = t.path().canonicalize().unwrap();
        let opts = DiscoverOptions {
            account: true,
            ..DiscoverOptions::default()
        };
        let found = discover_all(&[root.to_string_lossy().into_owned()], &opts).unwrap();
        let build = format!("{}/build/", root.display());
        assert!(
            found
                .skipped
                .iter()
                .any(|(p, why)| *p == build && why == IGNORED),
            "{:?}",
            found.skipped
        );
        assert_eq!(found.notices.len(), 1, "{:?}", found.notices);
        assert!(
            found.notices[0].contains("git could not tell"),
            "{:?}",
            found.notices
        );
        // Nothing left out: nothing to say.
        std::fs::remove_dir_all(root.join("build")).unwrap();
        let found = discover_all(&[root.to_string_lossy().into_owned()], &opts).unwrap();
        assert!(found.notices.is_empty(), "{:?}", found.notices);
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
