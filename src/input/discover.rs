//! Walk the given paths with `ignore`'s parallel walker (honouring .gitignore/.ignore, also
//! outside git), pick manifests, and never follow a symlink out of the scanned tree.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
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
    /// Standard input is read up to one byte past this size cap (the engine then refuses it
    /// as too large); `None`: the default cap.
    pub max_file_size: Option<u64>,
}

/// Path relative to the working directory when under it, with `/` separators.
pub fn display_path(p: &Path) -> String {
    display_path_in(p, std::env::current_dir().ok().as_deref())
}

/// [`display_path`] relative to `cwd`, the working directory (asked once for a whole walk).
fn display_path_in(p: &Path, cwd: Option<&Path>) -> String {
    let rel = cwd.and_then(|c| p.strip_prefix(c).ok()).unwrap_or(p);
    let rel = rel.strip_prefix("./").unwrap_or(rel);
    let s = rel.to_string_lossy().replace('\\', "/");
    if s.is_empty() { ".".to_owned() } else { s }
}

fn is_manifest_ext(p: &Path) -> bool {
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
pub fn discover(paths: &[String], opts: &DiscoverOptions) -> Result<Discovered, Error> {
    let mut inputs = Vec::new();
    let mut skipped = Vec::new();
    let mut charts = HashMap::new();
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let cwd_canon = std::fs::canonicalize(&cwd).unwrap_or(cwd);
    for arg in paths {
        if arg == "-" {
            let mut buf = Vec::new();
            let cap = opts
                .max_file_size
                .unwrap_or(crate::engine::DEFAULT_MAX_FILE_SIZE);
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
            walk(&path, opts, &mut inputs, &mut skipped, &mut charts);
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
    Ok((inputs, skipped))
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
}

fn walk(
    root: &Path,
    opts: &DiscoverOptions,
    inputs: &mut Vec<Input>,
    skipped: &mut Vec<(String, String)>,
    charts: &mut HashMap<PathBuf, bool>,
) {
    let found: Mutex<Vec<Found>> = Mutex::new(Vec::new());
    let canon_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let ignore = !opts.no_ignore;
    WalkBuilder::new(root)
        .hidden(!opts.hidden)
        .git_ignore(ignore)
        .git_global(ignore)
        .git_exclude(ignore)
        .ignore(ignore)
        .parents(ignore)
        .require_git(false)
        .follow_links(false)
        .threads(opts.threads)
        .build_parallel()
        .run(|| {
            let found = &found;
            let canon_root = &canon_root;
            Box::new(move |entry| {
                let item = match entry {
                    Ok(e) => {
                        let ft = e.file_type();
                        let p = e.into_path();
                        let skip = |p, why: &str| Found::Skip(p, why.to_owned());
                        match ft {
                            Some(ft) if ft.is_dir() => return WalkState::Continue,
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
                found
                    .lock()
                    .expect("internal error: walker lock poisoned")
                    .push(item);
                WalkState::Continue
            })
        });
    let cwd = std::env::current_dir().ok();
    for item in found.into_inner().unwrap_or_default() {
        match item {
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
}
