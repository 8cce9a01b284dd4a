//! The repository roots of a run: what a render may read and metadata may lead to.
//!
//! The repository roots of a run: what a render may read, and what rendered metadata may be
//! followed to. A root is the git work tree holding a scanned path (the nearest directory with a
//! `.git`), else the scanned directory itself (a file's directory for an explicit file). Every
//! path is canonicalised (symbolic links resolved) before it is compared with a root.

use std::path::{Path, PathBuf};

use super::exec;

/// The repository roots of a run (canonical, sorted).
#[derive(Debug, Clone, Default)]
pub struct Scope {
    roots: Vec<PathBuf>,
}

/// Why a path may not be followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// An absolute path.
    Absolute,
    /// `..` past the repository root.
    Climbs,
    /// A symbolic link resolving outside the repository.
    Symlink,
    /// Neither a regular file nor a directory (a FIFO, socket or device).
    Special,
}

impl Refusal {
    /// Says what the path is, for messages.
    pub fn says(self) -> &'static str {
        match self {
            Refusal::Absolute => "an absolute path",
            Refusal::Climbs => "a path that climbs out of the repository",
            Refusal::Symlink => "a symbolic link that resolves outside the repository",
            Refusal::Special => "neither a regular file nor a directory (a FIFO, socket or device)",
        }
    }
}

impl Scope {
    /// The roots of the scanned `paths` (`-`, standard input, stands for the working directory).
    pub fn of(paths: &[String]) -> Scope {
        let mut roots: Vec<PathBuf> = paths
            .iter()
            .filter_map(|p| {
                let p = if p == "-" { "." } else { p.as_str() };
                let canonical = std::fs::canonicalize(p).ok()?;
                let dir = if canonical.is_dir() {
                    canonical
                } else {
                    canonical.parent()?.to_path_buf()
                };
                Some(git_root(&dir).unwrap_or(dir))
            })
            .collect();
        roots.sort();
        roots.dedup();
        Scope { roots }
    }

    /// The scope of a run that names no path: the working directory's.
    pub fn cwd() -> Scope {
        Scope::of(&[".".to_owned()])
    }

    /// The root that holds `canonical` (the deepest one), if any.
    pub fn root_of(&self, canonical: &Path) -> Option<&Path> {
        self.roots
            .iter()
            .filter(|r| canonical.starts_with(r))
            .max_by_key(|r| r.components().count())
            .map(PathBuf::as_path)
    }

    /// `path` canonicalised, when it is a regular file inside a root: the only files read on the
    /// behalf of rendered output and its metadata.
    pub fn regular_file(&self, path: &Path) -> Option<PathBuf> {
        let canonical = std::fs::canonicalize(exec::absolute(path)).ok()?;
        self.root_of(&canonical)?;
        std::fs::metadata(&canonical)
            .is_ok_and(|m| m.is_file())
            .then_some(canonical)
    }
}

/// The git work tree holding `dir` (the nearest ancestor with a `.git` entry).
fn git_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|a| a.join(".git").exists())
        .map(Path::to_path_buf)
}

/// What `rel`, written in a file of directory `base` (canonical), names inside `root`: `Ok(None)`
/// when it does not exist (the renderer will fail on it), `Ok(Some(canonical))` when it is a
/// regular file or a directory inside the root. The path is cleaned lexically first, as Go's
/// `filepath.Join` does before kustomize resolves symbolic links.
pub fn follow(root: &Path, base: &Path, rel: &str) -> Result<Option<PathBuf>, Refusal> {
    if rel.is_empty() {
        return Ok(None);
    }
    let p = Path::new(rel);
    if p.is_absolute() || p.has_root() || rel.starts_with(['/', '\\']) {
        return Err(Refusal::Absolute);
    }
    let lexical = exec::normalize(&base.join(p));
    if !lexical.starts_with(root) {
        return Err(Refusal::Climbs);
    }
    let Ok(canonical) = std::fs::canonicalize(&lexical) else {
        return Ok(None);
    };
    if !canonical.starts_with(root) {
        return Err(Refusal::Symlink);
    }
    match std::fs::metadata(&canonical) {
        Ok(m) if m.is_file() || m.is_dir() => Ok(Some(canonical)),
        Ok(_) => Err(Refusal::Special),
        Err(_) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_followed_only_inside_the_root() {
        let tmp = std::env::temp_dir().join(format!("kw-scope-{}", std::process::id()));
        let root = tmp.join("repo");
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::create_dir_all(tmp.join("outside")).unwrap();
        std::fs::write(root.join("a/file.yaml"), "x: 1\n").unwrap();
        std::fs::write(tmp.join("outside/secret"), "s\n").unwrap();
        let root = std::fs::canonicalize(&root).unwrap();
        let base = root.join("a/b");
        assert_eq!(
            follow(&root, &base, "../file.yaml"),
            Ok(Some(root.join("a/file.yaml")))
        );
        assert_eq!(follow(&root, &base, "missing.yaml"), Ok(None));
        assert_eq!(follow(&root, &base, "/etc/passwd"), Err(Refusal::Absolute));
        assert_eq!(
            follow(&root, &base, "../../../outside/secret"),
            Err(Refusal::Climbs)
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(tmp.join("outside"), root.join("a/link")).unwrap();
            assert_eq!(
                follow(&root, &base, "../link/secret"),
                Err(Refusal::Symlink)
            );
            // Cleaned lexically first: `link/..` is `a`, as kustomize reads it.
            assert_eq!(
                follow(&root, &base, "../link/../file.yaml"),
                Ok(Some(root.join("a/file.yaml")))
            );
        }
        let scope = Scope::of(&[root.display().to_string()]);
        assert!(scope.regular_file(&root.join("a/file.yaml")).is_some());
        assert!(scope.regular_file(&tmp.join("outside/secret")).is_none());
        assert!(scope.regular_file(&root.join("a")).is_none());
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
