//! Finding the renderers, lexical path arithmetic and a private scratch directory.
//!
//! Finding the renderers, lexical path arithmetic and a private scratch directory that never
//! lives inside the user's repository (running them: [`super::sandbox`]).

use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// The first executable file called `name` in an absolute directory of `PATH` (a relative entry
/// such as `.` would name a program of the scanned repository).
pub fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

/// Whether `p` is an executable regular file.
pub fn is_executable(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}

/// `s` cut to about `max` bytes.
pub fn shorten(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// `s` with control characters and line or paragraph separators written as escapes (`\u{1b}`):
/// text from the input or a renderer, safe to put in a message.
pub fn printable(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control()
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// `p` made absolute against the working directory, with `.` and `..` resolved lexically
/// (symlinks are not resolved, so paths stay the ones the user sees).
pub fn absolute(p: &Path) -> PathBuf {
    static CWD: OnceLock<PathBuf> = OnceLock::new();
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        CWD.get_or_init(|| std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")))
            .join(p)
    };
    normalize(&joined)
}

/// Resolve `.` and `..` lexically.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// A relative path from directory `from` to `to` (both absolute and normalized).
pub fn relative(from: &Path, to: &Path) -> PathBuf {
    let f: Vec<_> = from.components().collect();
    let t: Vec<_> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..f.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c.as_os_str());
    }
    out
}

/// A fresh directory under the system temporary directory, removed on drop.
pub struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    /// Create one.
    pub fn new() -> std::io::Result<Self> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let base =
            std::fs::canonicalize(std::env::temp_dir()).unwrap_or_else(|_| std::env::temp_dir());
        for _ in 0..100 {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = base.join(format!("kubeward-{}-{n}", std::process::id()));
            let mut builder = std::fs::DirBuilder::new();
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            match builder.create(&path) {
                Ok(()) => return Ok(ScratchDir { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        Err(std::io::Error::other("cannot create a scratch directory"))
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_escapes_control_characters() {
        assert_eq!(
            printable("a\u{1b}[31mb\nc\u{2028}"),
            "a\\u{1b}[31mb\\u{a}c\\u{2028}"
        );
        assert_eq!(printable("plain"), "plain");
    }

    #[test]
    fn relative_and_normalize() {
        assert_eq!(
            relative(
                Path::new("/tmp/kw-1"),
                Path::new("/work/repo/overlays/prod")
            ),
            PathBuf::from("../../work/repo/overlays/prod")
        );
        assert_eq!(
            normalize(Path::new("/tmp/kw-1/../../work/./a/../b")),
            PathBuf::from("/work/b")
        );
    }
}
