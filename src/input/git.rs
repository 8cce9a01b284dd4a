//! Running `git`, for `--new-from-rev` and to learn which files of a scanned tree git tracks.
//!
//! Every invocation goes through [`run`]: standard input closed, no pager, no prompt, no
//! optional locks (a read never rewrites the index), and `core.fsmonitor` off, so that a
//! repository's configuration cannot make a read-only query start a program (a scanned tree
//! need not be a checkout the user made: an unpacked archive can hold a `.git/config`).
//! Revisions and paths that come from the user or the tree are always passed after
//! `--end-of-options` or `--`, never where git would read them as options.

use std::path::Path;
use std::process::{Command, Stdio};

/// Options that make a query inert whatever the repository's configuration says.
const SAFE: &[&str] = &[
    "--no-pager",
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.untrackedCache=false",
];

/// Run `git ARGS` in `dir` and return its standard output; the message of its standard error
/// (or why it could not start) on failure.
pub(crate) fn run(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .current_dir(dir)
        .args(SAFE)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env_remove("GIT_EXTERNAL_DIFF")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let err = err.trim();
        return Err(if err.is_empty() {
            format!(
                "git {} failed ({})",
                args.first().unwrap_or(&""),
                out.status
            )
        } else {
            err.to_owned()
        });
    }
    Ok(out.stdout)
}

/// [`run`], its output as trimmed text.
pub(crate) fn text(dir: &Path, args: &[&str]) -> Result<String, String> {
    run(dir, args).map(|o| String::from_utf8_lossy(&o).trim().to_owned())
}

/// The directory that holds `.git` (a directory, or the file of a worktree or submodule),
/// from `dir` upwards.
pub(crate) fn work_tree_of(dir: &Path) -> Option<&Path> {
    dir.ancestors().find(|d| d.join(".git").exists())
}

/// A revision given by the user, checked before it reaches git: one that starts with `-` would
/// be read as an option by commands that take no `--end-of-options`.
pub(crate) fn check_revision(rev: &str) -> Result<(), String> {
    if rev.starts_with('-') {
        return Err(format!(
            "a revision cannot start with `-` (`{}` would be read as an option)",
            crate::report::inert::path(rev)
        ));
    }
    if rev.is_empty() {
        return Err("the revision is empty".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_that_look_like_options_are_refused() {
        assert!(check_revision("--output=/tmp/x").is_err());
        assert!(check_revision("-p").is_err());
        assert!(check_revision("").is_err());
        assert!(check_revision("origin/main").is_ok());
        assert!(check_revision("HEAD~2").is_ok());
    }
}
