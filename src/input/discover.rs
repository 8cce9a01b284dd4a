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
}

/// Path relative to the working directory when under it, with `/` separators.
pub fn display_path(p: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let rel = cwd
        .as_deref()
        .and_then(|c| p.strip_prefix(c).ok())
        .unwrap_or(p);
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
        let meta = std::fs::symlink_metadata(&path).map_err(|_| Error::NotFound(arg.clone()))?;
        if meta.is_dir() {
            walk(&path, opts, &mut inputs, &mut skipped, &mut charts);
            continue;
        }
        let display = display_path(&path);
        if meta.file_type().is_symlink() && !inside(&path, &cwd) {
            skipped.push((
                display,
                "symbolic link points outside the scanned tree".into(),
            ));
        } else if opts.exclude.is_match(&display) {
            skipped.push((display, "excluded by --exclude".into()));
        } else if helm_template(&path, &mut charts) {
            skipped.push((display, "Helm template (not rendered)".into()));
        } else {
            inputs.push(Input::new(display, InputSource::Path(path)));
        }
    }
    inputs.sort_by(|a, b| a.display.cmp(&b.display));
    inputs.dedup_by(|a, b| a.display == b.display);
    skipped.sort();
    skipped.dedup();
    Ok((inputs, skipped))
}

/// Whether the symlink `link` resolves to a path inside `root`.
fn inside(link: &Path, root: &Path) -> bool {
    match (std::fs::canonicalize(link), std::fs::canonicalize(root)) {
        (Ok(target), Ok(root)) => target.starts_with(root),
        _ => false,
    }
}

enum Found {
    File(PathBuf),
    Skip(PathBuf, &'static str),
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
                        match ft {
                            Some(ft) if ft.is_dir() => return WalkState::Continue,
                            Some(ft) if ft.is_symlink() => match std::fs::canonicalize(&p) {
                                Ok(t) if !t.starts_with(canon_root) => {
                                    Found::Skip(p, "symbolic link points outside the scanned tree")
                                }
                                Ok(t) if t.is_dir() => {
                                    Found::Skip(p, "symbolic link to a directory (not followed)")
                                }
                                Ok(_) if is_manifest_ext(&p) => Found::File(p),
                                Ok(_) => Found::Skip(p, "not a .yaml, .yml or .json file"),
                                Err(_) => Found::Skip(p, "broken symbolic link"),
                            },
                            Some(ft) if !ft.is_file() => Found::Skip(p, "not a regular file"),
                            _ if is_manifest_ext(&p) => Found::File(p),
                            _ => Found::Skip(p, "not a .yaml, .yml or .json file"),
                        }
                    }
                    Err(err) => {
                        let path = match &err {
                            ignore::Error::WithPath { path, .. } => path.clone(),
                            _ => PathBuf::from("?"),
                        };
                        let reason = if err.is_io() {
                            "unreadable (I/O error)"
                        } else {
                            "walk error"
                        };
                        let reason = if err.to_string().contains("loop") {
                            "filesystem loop"
                        } else {
                            reason
                        };
                        Found::Skip(path, reason)
                    }
                };
                found
                    .lock()
                    .expect("internal error: walker lock poisoned")
                    .push(item);
                WalkState::Continue
            })
        });
    for item in found.into_inner().unwrap_or_default() {
        match item {
            Found::Skip(p, why) => skipped.push((display_path(&p), why.to_owned())),
            Found::File(p) => {
                let display = display_path(&p);
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
