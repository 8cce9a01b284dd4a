//! What an input is: one file to lint, where its bytes come from, and its path as shown.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where an input's bytes come from.
#[derive(Debug, Clone)]
pub enum InputSource {
    /// A file on disk.
    Path(PathBuf),
    /// Bytes already in memory (standard input, tests).
    Bytes(Arc<[u8]>),
    /// A stream kubeward rendered (Helm chart, Kustomize overlay), with where it came from.
    ///
    /// The one import circle between `input/` and `render/`, kept on purpose: rendering is a
    /// way of reading input (`render::prepare` turns the discovered inputs into the inputs to
    /// lint), and a rendered stream is one source of an input's bytes like a file or stdin.
    /// Cutting it would mean a second input type for the renderer to return and a copy step.
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
}

impl Input {
    /// A reported input.
    pub fn new(display: String, source: InputSource) -> Self {
        Input {
            display,
            source,
            report: true,
        }
    }
}

/// Path relative to the working directory when under it, with `/` separators.
pub fn display_path(p: &Path) -> String {
    display_path_in(p, std::env::current_dir().ok().as_deref())
}

/// [`display_path`] relative to `cwd`, the working directory (asked once for a whole walk).
pub(crate) fn display_path_in(p: &Path, cwd: Option<&Path>) -> String {
    let rel = cwd.and_then(|c| p.strip_prefix(c).ok()).unwrap_or(p);
    let rel = rel.strip_prefix("./").unwrap_or(rel);
    let s = rel.to_string_lossy().replace('\\', "/");
    if s.is_empty() { ".".to_owned() } else { s }
}

/// `p` as an absolute path, `.` and `..` resolved by name (no file system access, links kept):
/// what a path given on the command line names, to compare with a configuration's directory.
pub fn lexical_absolute(p: &Path) -> PathBuf {
    use std::path::Component;
    let joined = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Globs of a configuration file, matched against paths relative to its directory
/// (`exclude: [vendor/**]` means the `vendor` beside `.kubeward.yaml`, wherever kubeward runs).
#[derive(Debug, Clone, Default)]
pub struct ScopedGlobs {
    /// The configuration file's directory, as named ([`lexical_absolute`]) and with its links
    /// resolved (the repository's files read as context are walked from resolved paths); empty:
    /// the working directory.
    pub bases: Vec<PathBuf>,
    /// The globs.
    pub set: globset::GlobSet,
}

impl ScopedGlobs {
    /// Globs relative to the directory `dir` (`None`: the working directory).
    pub fn new(dir: Option<&Path>, set: globset::GlobSet) -> Self {
        let dir = dir.map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let named = lexical_absolute(&dir);
        let mut bases = vec![named.clone()];
        if let Ok(real) = std::fs::canonicalize(&named)
            && real != named
        {
            bases.push(real);
        }
        ScopedGlobs { bases, set }
    }

    /// `path` (as walked or shown) relative to the base, with `/` separators; `None` when it
    /// is outside the base (no glob of the file can name it).
    pub fn relative(&self, path: &Path) -> Option<String> {
        let abs = lexical_absolute(path);
        let rel = self.bases.iter().find_map(|b| abs.strip_prefix(b).ok())?;
        Some(rel.to_string_lossy().replace('\\', "/"))
    }

    /// Whether a glob matches `path`.
    pub fn is_match(&self, path: &Path) -> bool {
        !self.set.is_empty() && self.relative(path).is_some_and(|r| self.set.is_match(r))
    }
}
