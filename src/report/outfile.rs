//! Output files written whole or not at all, and standard output with its errors told apart.
//!
//! Output files written whole or not at all (`--output`, `--sarif-file`, the baseline file,
//! `init`'s configuration), and standard output written with its errors told apart.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Write what `fill` produces to `path`: into a new temporary file beside it, renamed over
/// `path` once complete. A failure (a full disk, a write error, an error of `fill`) leaves
/// `path` as it was and no temporary file behind. A symbolic link is followed (the link stays,
/// its target is replaced); a path that exists and is not a regular file (`/dev/stdout`, a
/// FIFO, a device) is written directly, as it cannot be replaced by a rename.
///
/// # Errors
/// What failed, as an I/O error.
pub(crate) fn write_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let target = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    };
    let existing = std::fs::metadata(&target).ok();
    if existing.as_ref().is_some_and(|m| !m.is_file()) {
        let file = std::fs::OpenOptions::new().write(true).open(&target)?;
        let mut w = BufWriter::new(file);
        fill(&mut w)?;
        return w.flush();
    }
    let (tmp, file) = temporary_beside(&target)?;
    let result = (|| {
        if let Some(m) = &existing {
            file.set_permissions(m.permissions())?;
        }
        let mut w = BufWriter::with_capacity(1 << 16, file);
        fill(&mut w)?;
        w.flush()?;
        let file = w.into_inner().map_err(io::IntoInnerError::into_error)?;
        drop(file);
        std::fs::rename(&tmp, &target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// [`write_with`] of a text.
///
/// # Errors
/// What failed, as an I/O error.
pub(crate) fn write(path: &Path, text: &str) -> io::Result<()> {
    write_with(path, |w| w.write_all(text.as_bytes()))
}

/// A new file in the directory of `target`, named after it, that did not exist before.
fn temporary_beside(target: &Path) -> io::Result<(PathBuf, std::fs::File)> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = target
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy());
    let mut attempt = 0u32;
    loop {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let tmp = dir.join(format!(
            ".{name}.kubeward-{}-{nanos:x}.tmp",
            std::process::id()
        ));
        let mut open = std::fs::OpenOptions::new();
        open.write(true).create_new(true);
        #[cfg(unix)]
        {
            // The permissions a plain create gives (the umask applies).
            use std::os::unix::fs::OpenOptionsExt;
            open.mode(0o666);
        }
        match open.open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
            Err(e) => {
                return Err(io::Error::new(
                    e.kind(),
                    format!("cannot create a temporary file beside it: {e}"),
                ));
            }
        }
    }
}

/// Write `fill`'s output to standard output and flush it. A closed pipe (`| head`) is not an
/// error: the reader has what it wanted. Any other error (a full disk) is returned.
///
/// # Errors
/// A write error other than a broken pipe.
pub(crate) fn stdout_with(fill: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let stdout = io::stdout();
    let mut lock = stdout.lock();
    let result = fill(&mut lock).and_then(|()| lock.flush());
    match result {
        Err(e) if broken_pipe(&e) => Ok(()),
        other => other,
    }
}

/// Whether `e` is, or wraps, a broken pipe (a writer such as serde_json's wraps the error of the
/// stream it writes to).
fn broken_pipe(e: &io::Error) -> bool {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return true;
    }
    let mut inner: Option<&(dyn std::error::Error + 'static)> =
        e.get_ref().map(|i| i as &(dyn std::error::Error + 'static));
    while let Some(err) = inner {
        if let Some(io) = err.downcast_ref::<io::Error>()
            && io.kind() == io::ErrorKind::BrokenPipe
        {
            return true;
        }
        if let Some(json) = err.downcast_ref::<serde_json::Error>()
            && json.io_error_kind() == Some(io::ErrorKind::BrokenPipe)
        {
            return true;
        }
        inner = err.source();
    }
    false
}

/// [`stdout_with`] of a text.
///
/// # Errors
/// A write error other than a broken pipe.
pub(crate) fn stdout(text: &str) -> io::Result<()> {
    stdout_with(|w| w.write_all(text.as_bytes()))
}

/// Write to standard error, ignoring errors (there is nowhere left to report them).
pub(crate) fn stderr(text: &str) {
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("report.json");
        std::fs::write(&out, "old").unwrap();
        let err = write_with(&out, |w| {
            w.write_all(b"half of it")?;
            Err(io::Error::other("disk full"))
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "old");
        assert_eq!(entries(tmp.path()), ["report.json"]);
        write(&out, "new").unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "new");
        assert_eq!(entries(tmp.path()), ["report.json"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_kept_and_its_target_replaced_and_permissions_stay() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("real.sarif");
        std::fs::write(&real, "old").unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link = tmp.path().join("link.sarif");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write(&link, "new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        let mode = std::fs::metadata(&real).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_written_in_place_and_its_errors_are_returned() {
        write(Path::new("/dev/null"), "x").unwrap();
        assert!(Path::new("/dev/null").exists());
        if Path::new("/dev/full").exists() {
            let err = write(Path::new("/dev/full"), "x").unwrap_err();
            assert_eq!(err.raw_os_error(), Some(28), "{err}");
        }
    }

    #[test]
    fn a_broken_pipe_is_recognised_through_a_writer_that_wraps_it() {
        let pipe = || io::Error::from(io::ErrorKind::BrokenPipe);
        assert!(broken_pipe(&pipe()));
        let json = serde_json::Error::io(pipe());
        assert!(broken_pipe(&io::Error::other(json)));
        assert!(!broken_pipe(&io::Error::other("disk full")));
        assert!(!broken_pipe(&io::Error::from_raw_os_error(28)));
    }

    #[test]
    fn no_temporary_in_a_missing_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let err = write(&tmp.path().join("no/such/dir/x.json"), "x").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }
}
