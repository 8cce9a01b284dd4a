//! Files looked up by name, read only as capped regular files of the repository.
//!
//! Files kubeward looks up by name in the scanned tree (its configuration, the kustomizations
//! that give objects their namespace, ignore files read again for the summary) are read only
//! when they are regular files of the repository, and never past a size cap.
//!
//! These names are chosen by kubeward, but the tree is not: a pull request can commit
//! `.kubeward.yaml` as a link to `/proc/self/environ` (whose text a syntax error would quote),
//! `kustomization.yaml` as a link to a FIFO (an `open` that never returns) or `.gitignore` as a
//! link to `/dev/zero` (a read that never ends). The walker never follows links; this is the
//! same rule for the files kubeward opens by name.

use std::io::Read;
use std::path::Path;

/// Where a looked-up file may lead when it is a symbolic link.
#[derive(Debug, Clone, Copy)]
pub enum Links<'a> {
    /// A link is refused, whatever it points at.
    Refuse,
    /// A link is followed only to a regular file inside this directory (canonical or not).
    Within(&'a Path),
}

/// Why a looked-up file was not read.
#[derive(Debug)]
pub enum Refused {
    /// It does not exist or cannot be read (the operating system's error).
    Io(std::io::Error),
    /// A link that is refused, or that leads out of its repository.
    Link,
    /// Not a regular file: a FIFO, socket, device or directory.
    NotRegular,
    /// Larger than the cap (its size, the cap).
    TooLarge(u64, u64),
    /// Not UTF-8.
    NotText,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Io(e) => write!(f, "{e}"),
            Refused::Link => f.write_str("a symbolic link out of the repository (not followed)"),
            Refused::NotRegular => f.write_str("not a regular file"),
            Refused::TooLarge(size, cap) => write!(f, "{size} bytes, over the cap of {cap}"),
            Refused::NotText => f.write_str("not UTF-8 text"),
        }
    }
}

/// The text of `path` if it is a regular file (or a link allowed by `links` to one) of at most
/// `cap` bytes. The type is checked before the file is opened (a FIFO is never opened) and
/// again on the open file; reading stops one byte past the cap.
pub fn read_regular(path: &Path, links: Links<'_>, cap: u64) -> Result<String, Refused> {
    let meta = std::fs::symlink_metadata(path).map_err(Refused::Io)?;
    if meta.file_type().is_symlink() {
        let Links::Within(root) = links else {
            return Err(Refused::Link);
        };
        let target = std::fs::canonicalize(path).map_err(Refused::Io)?;
        // (`Path::new("")`, the parent of a bare file name, is the working directory.)
        let root = if root.as_os_str().is_empty() {
            Path::new(".")
        } else {
            root
        };
        // A root that cannot be resolved contains nothing.
        let Ok(root) = std::fs::canonicalize(root) else {
            return Err(Refused::Link);
        };
        if !target.starts_with(&root) {
            return Err(Refused::Link);
        }
        if !std::fs::metadata(&target).map_err(Refused::Io)?.is_file() {
            return Err(Refused::NotRegular);
        }
    } else if !meta.is_file() {
        return Err(Refused::NotRegular);
    }
    let file = std::fs::File::open(path).map_err(Refused::Io)?;
    let meta = file.metadata().map_err(Refused::Io)?;
    if !meta.is_file() {
        return Err(Refused::NotRegular);
    }
    if meta.len() > cap {
        return Err(Refused::TooLarge(meta.len(), cap));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(Refused::Io)?;
    if bytes.len() as u64 > cap {
        return Err(Refused::TooLarge(bytes.len() as u64, cap));
    }
    String::from_utf8(bytes).map_err(|_| Refused::NotText)
}

/// Whether `path` exists and is something [`read_regular`] refuses whatever the cap: a link
/// (with [`Links::Refuse`]) or a file that is not regular. (`false` when it does not exist.)
pub fn refused_by_type(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| !m.file_type().is_file())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_of_the_repository_are_read() {
        let tmp = std::env::temp_dir().join(format!("kubeward-lookup-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        let repo = tmp.join("repo");
        std::fs::create_dir_all(repo.join("sub")).unwrap();
        std::fs::write(tmp.join("outside.txt"), "secret").unwrap();
        std::fs::write(repo.join("in.yaml"), "a: 1").unwrap();
        std::os::unix::fs::symlink(tmp.join("outside.txt"), repo.join("out-link")).unwrap();
        std::os::unix::fs::symlink(repo.join("in.yaml"), repo.join("sub/in-link")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", repo.join("zero")).unwrap();
        let fifo = repo.join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        let within = Links::Within(&repo);

        assert_eq!(
            read_regular(&repo.join("in.yaml"), Links::Refuse, 100).unwrap(),
            "a: 1"
        );
        assert!(matches!(
            read_regular(&repo.join("out-link"), within, 100),
            Err(Refused::Link)
        ));
        assert_eq!(
            read_regular(&repo.join("sub/in-link"), within, 100).unwrap(),
            "a: 1"
        );
        assert!(matches!(
            read_regular(&repo.join("sub/in-link"), Links::Refuse, 100),
            Err(Refused::Link)
        ));
        assert!(matches!(
            read_regular(&repo.join("zero"), Links::Within(Path::new("/")), 100),
            Err(Refused::NotRegular)
        ));
        assert!(matches!(
            read_regular(&repo.join("in.yaml"), Links::Refuse, 3),
            Err(Refused::TooLarge(4, 3))
        ));
        if made.is_ok_and(|s| s.success()) {
            // Returns at once: the type is checked before anything is opened.
            assert!(matches!(
                read_regular(&fifo, Links::Refuse, 100),
                Err(Refused::NotRegular)
            ));
            assert!(refused_by_type(&fifo));
        }
        assert!(refused_by_type(&repo.join("zero")));
        assert!(!refused_by_type(&repo.join("in.yaml")));
        assert!(!refused_by_type(&repo.join("missing")));
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
