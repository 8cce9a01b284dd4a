//! Context: the repository's other files, read for the cross-object index.
//!
//! Context: when explicit files are given (pre-commit passes only the changed files), the rest
//! of the enclosing repository is read for the cross-object index but not reported.

use std::collections::HashSet;
use std::path::PathBuf;

use super::discover::{DiscoverOptions, discover_all};
use super::source::{Input, InputSource, display_path};

/// A git work tree gives context only if its walk meets at most this many files (all or
/// nothing: a partial context would depend on the walk's order); the summary says so otherwise.
pub const MAX_CONTEXT_FILES: usize = 500_000;
/// Files outside any git repository take as context the files beside them only (not their
/// subdirectories), and only if there are at most this many.
pub const MAX_LOOSE_CONTEXT_FILES: usize = 1_000;

/// Add the rest of the repository enclosing the explicit files in `paths` as context inputs
/// (`report: false`); directories and standard input need no context. The context of a file in
/// a git work tree is that work tree; of a file outside any, the files of its own directory.
/// Each walk is capped (see [`MAX_CONTEXT_FILES`]). Files in `not_context` (patches, files of
/// rendered overlays: not objects of their own in a repository run) are not read. Returns what
/// the summary must say.
pub fn add_context(
    paths: &[String],
    inputs: &mut Vec<Input>,
    skipped: &[(String, String)],
    not_context: &[PathBuf],
    opts: &DiscoverOptions,
) -> Vec<String> {
    add_context_within(
        paths,
        (inputs, skipped, not_context),
        opts,
        (MAX_CONTEXT_FILES, MAX_LOOSE_CONTEXT_FILES),
    )
}

/// [`add_context`] with the caps `(work tree, loose directory)`.
fn add_context_within(
    paths: &[String],
    (inputs, skipped, not_context): (&mut Vec<Input>, &[(String, String)], &[PathBuf]),
    opts: &DiscoverOptions,
    (tree_cap, loose_cap): (usize, usize),
) -> Vec<String> {
    let mut notices = Vec::new();
    let files: Vec<PathBuf> = paths
        .iter()
        .filter(|p| *p != "-")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    if files.is_empty() {
        return notices;
    }
    // (root, walk only its own entries)
    let mut roots: Vec<(PathBuf, bool)> = Vec::new();
    let mut loose = 0;
    for f in &files {
        let Some(dir) = f.parent() else { continue };
        match crate::input::git::work_tree_of(dir) {
            Some(r) => roots.push((r.to_path_buf(), false)),
            None => {
                loose += 1;
                roots.push((dir.to_path_buf(), true));
            }
        }
    }
    roots.sort();
    roots.dedup();
    if loose > 0 {
        notices.push(format!(
            "{} outside a git repository: only the files beside {} (not in subdirectories, at \
             most {loose_cap}) were read as context",
            if loose == 1 {
                "1 file given is".to_owned()
            } else {
                format!("{loose} files given are")
            },
            if loose == 1 { "it" } else { "them" },
        ));
    }
    let mut known: HashSet<PathBuf> = inputs
        .iter()
        .filter_map(|i| match &i.source {
            InputSource::Path(p) => std::fs::canonicalize(p).ok(),
            _ => None,
        })
        // Files skipped on purpose (rendered overlays, patches) stay out of the context too.
        .chain(
            skipped
                .iter()
                .filter_map(|(p, _)| std::fs::canonicalize(p).ok()),
        )
        .chain(
            not_context
                .iter()
                .filter_map(|p| std::fs::canonicalize(p).ok()),
        )
        .collect();
    for (root, shallow) in roots {
        let walk = DiscoverOptions {
            account: false,
            max_files: if shallow { loose_cap } else { tree_cap },
            max_depth: shallow.then_some(1),
            ..opts.clone()
        };
        let Ok(found) = discover_all(&[root.to_string_lossy().into_owned()], &walk) else {
            continue;
        };
        if found.capped {
            notices.push(format!(
                "{} holds more than {} files: none of them was read as context (cross-object \
                 rules see only the files given)",
                display_path(&root),
                walk.max_files
            ));
            continue;
        }
        for mut input in found.inputs {
            let InputSource::Path(p) = &input.source else {
                continue;
            };
            let canon = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
            if known.insert(canon) {
                input.report = false;
                inputs.push(input);
            }
        }
    }
    inputs.sort_by(|a, b| a.display.cmp(&b.display));
    notices
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n";

    fn tree(files: &[&str]) -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        for f in files {
            let p = tmp.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, CM).unwrap();
        }
        tmp
    }

    fn context_of(file: &Path, caps: (usize, usize)) -> (Vec<String>, Vec<String>) {
        let path = file.to_string_lossy().into_owned();
        let mut inputs = discover_all(std::slice::from_ref(&path), &DiscoverOptions::default())
            .unwrap()
            .inputs;
        let notices = add_context_within(
            &[path],
            (&mut inputs, &[], &[]),
            &DiscoverOptions::default(),
            caps,
        );
        let names = inputs
            .iter()
            .filter(|i| !i.report)
            .map(|i| {
                let InputSource::Path(p) = &i.source else {
                    unreachable!()
                };
                p.file_name().unwrap().to_string_lossy().into_owned()
            })
            .collect();
        (names, notices)
    }

    #[test]
    fn a_file_outside_git_takes_the_files_beside_it_only() {
        let t = tree(&[
            "given.yaml",
            "beside.yaml",
            "sub/deep.yaml",
            "sub/more/deeper.yaml",
        ]);
        let (names, notices) = context_of(&t.path().join("given.yaml"), (100, 100));
        assert_eq!(names, ["beside.yaml"]);
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert!(
            notices[0].contains("outside a git repository"),
            "{notices:?}"
        );
    }

    #[test]
    fn a_directory_over_the_cap_gives_no_context_and_says_so() {
        let t = tree(&["given.yaml", "a.yaml", "b.yaml", "c.yaml"]);
        let (names, notices) = context_of(&t.path().join("given.yaml"), (100, 3));
        assert!(names.is_empty(), "{names:?}");
        assert!(
            notices.iter().any(|n| n.contains("more than 3 files")),
            "{notices:?}"
        );
        let (names, _) = context_of(&t.path().join("given.yaml"), (100, 4));
        assert_eq!(names, ["a.yaml", "b.yaml", "c.yaml"]);
    }

    #[test]
    fn a_work_tree_gives_all_its_files_within_the_cap() {
        let t = tree(&[
            "app/given.yaml",
            "app/a.yaml",
            "other/b.yaml",
            "other/deep/c.yaml",
        ]);
        std::fs::create_dir(t.path().join(".git")).unwrap();
        let (mut names, notices) = context_of(&t.path().join("app/given.yaml"), (4, 1));
        names.sort();
        assert_eq!(names, ["a.yaml", "b.yaml", "c.yaml"]);
        assert!(notices.is_empty(), "{notices:?}");
        let (names, notices) = context_of(&t.path().join("app/given.yaml"), (3, 1));
        assert!(names.is_empty(), "{names:?}");
        assert!(
            notices.iter().any(|n| n.contains("more than 3 files")),
            "{notices:?}"
        );
    }
}
