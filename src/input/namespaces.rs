//! The kustomizations of the repository, read for the namespaces they give the files they include.
//!
//! An object that names no namespace is applied in the namespace of the kustomizations that
//! include its file, base through overlay at any depth, or of the Argo CD Application or Flux
//! Kustomization that applies its directory (the engine reads those from the objects). This
//! module reads every kustomization of the run's repositories (`resources`, `bases`,
//! `components` and `namespace` only) so that the answer is the same whether the run lints the
//! whole repository or one directory or file of it: when a path given lies inside a git work
//! tree, the whole work tree is walked for kustomizations, and its other files are listed for the
//! engine to look for Applications and Flux Kustomizations in.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use super::context::MAX_CONTEXT_FILES;
use super::discover::{DiscoverOptions, discover_all};
use super::source::{Input, InputSource, lexical_absolute};
use crate::yaml::{NodeRef, parse_stream};

/// File names kustomize reads as a kustomization.
pub(super) const KUSTOMIZATION_NAMES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// The largest kustomization file read.
const MAX_KUSTOMIZATION_SIZE: u64 = 16 << 20;

/// What one kustomization includes (absolute, lexical paths).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Kustomization {
    /// Its `namespace:`.
    pub namespace: Option<String>,
    /// Files it lists.
    pub files: Vec<PathBuf>,
    /// Directories it lists that hold a kustomization (bases, components).
    pub dirs: Vec<PathBuf>,
}

/// The namespace sources found on disk before linting.
#[derive(Debug, Default)]
pub struct Layout {
    /// Every kustomization read, by directory (absolute, lexical).
    pub kustomizations: BTreeMap<PathBuf, Kustomization>,
    /// Files of the walked work trees that the run does not lint (absolute): where the engine
    /// looks for Argo CD Applications and Flux Kustomizations outside the paths given.
    pub outside: Vec<PathBuf>,
}

/// Read the kustomizations of the run: those among `inputs`, `skipped` and `not_context`
/// (every file discovery and rendering met) and in `around` (the directories
/// [`kustomizations_around`] found for the files given one by one, whose work trees are read as
/// context), and, for each directory of `paths` inside a git work tree but not its top, those of
/// the whole work tree (its walk capped at [`MAX_CONTEXT_FILES`] files, as the context is).
pub fn layout(
    paths: &[String],
    (inputs, skipped, not_context): (&[Input], &[(String, String)], &[PathBuf]),
    around: &[PathBuf],
    opts: &DiscoverOptions,
) -> Layout {
    // Every file discovery and rendering met, as named (made absolute only where needed: a
    // large run has tens of thousands).
    let met = || {
        inputs
            .iter()
            .filter_map(|i| match &i.source {
                InputSource::Path(p) => Some(p.as_path()),
                _ => None,
            })
            .chain(skipped.iter().map(|(p, _)| Path::new(p)))
            .chain(not_context.iter().map(PathBuf::as_path))
    };
    let mut seen: Vec<PathBuf> = met()
        .filter(|p| is_kustomization(p))
        .map(lexical_absolute)
        .collect();
    let mut outside = Vec::new();
    let trees = partial_trees(paths);
    if !trees.is_empty() {
        let known: HashSet<PathBuf> = met().map(lexical_absolute).collect();
        for root in trees {
            let Some((walked, skipped)) = walk_tree(&root, opts) else {
                continue;
            };
            outside.extend(walked.iter().filter(|p| !known.contains(*p)).cloned());
            seen.extend(walked);
            seen.extend(skipped);
        }
    }
    outside.sort();
    outside.dedup();
    let mut dirs = kustomization_dirs(seen);
    dirs.extend(around.iter().map(|d| lexical_absolute(d)));
    dirs.sort();
    dirs.dedup();
    Layout {
        kustomizations: read_all(dirs),
        outside,
    }
}

/// The git work trees that hold a directory of `paths` without being it: the rest of each is
/// walked. (A file given one by one has its work tree read as context, and its kustomizations
/// found by [`kustomizations_around`].)
fn partial_trees(paths: &[String]) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = paths
        .iter()
        .filter(|p| *p != "-")
        .map(|p| lexical_absolute(Path::new(p)))
        .filter(|p| p.is_dir())
        .filter_map(|p| {
            let tree = super::git::work_tree_of(&p)?;
            (tree != p).then(|| tree.to_path_buf())
        })
        .collect();
    roots.sort();
    roots.dedup();
    roots
}

/// The directories holding a kustomization file in the git work trees of the explicit files
/// among `paths`, as a walk of each work tree finds them (its ignore rules and exclusions, as
/// `kubeward lint` of the work tree discovers them): where to look for the overlays that build
/// from a file given one by one. A work tree whose walk meets more than
/// [`MAX_CONTEXT_FILES`] files gives none (its files are linted as they are).
pub fn kustomizations_around(paths: &[String], opts: &DiscoverOptions) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = paths
        .iter()
        .filter(|p| *p != "-")
        .map(Path::new)
        .filter(|p| p.is_file())
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .filter_map(|f| crate::input::git::work_tree_of(f.parent()?).map(Path::to_path_buf))
        .collect();
    roots.sort();
    roots.dedup();
    kustomization_dirs(
        roots
            .iter()
            .filter_map(|root| walk_tree(root, opts))
            .flat_map(|(walked, skipped)| walked.into_iter().chain(skipped)),
    )
}

/// What a walk of the work tree `root` finds, as discovery walks it (its ignore rules and
/// exclusions): the files it would lint and the files it skips (absolute). `None` when the walk
/// meets more than [`MAX_CONTEXT_FILES`] files (all or nothing: a partial walk would depend on
/// its order) or fails.
fn walk_tree(root: &Path, opts: &DiscoverOptions) -> Option<(Vec<PathBuf>, Vec<PathBuf>)> {
    let walk = DiscoverOptions {
        account: false,
        max_files: MAX_CONTEXT_FILES,
        ..opts.clone()
    };
    let found = discover_all(&[root.to_string_lossy().into_owned()], &walk).ok()?;
    if found.capped {
        return None;
    }
    // Under an absolute root (as `root` is) the walk names absolute paths already.
    let absolute = |p: &Path| {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            lexical_absolute(p)
        }
    };
    let walked = found
        .inputs
        .iter()
        .filter_map(|i| match &i.source {
            InputSource::Path(p) => Some(absolute(p)),
            _ => None,
        })
        .collect();
    let skipped = found
        .skipped
        .iter()
        .map(|(p, _)| absolute(Path::new(p)))
        .collect();
    Some((walked, skipped))
}

/// Whether kustomize reads the file as a kustomization (by its name).
fn is_kustomization(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| KUSTOMIZATION_NAMES.contains(&n))
}

/// The directories of the kustomization files among `files`, sorted, each once.
fn kustomization_dirs(files: impl IntoIterator<Item = PathBuf>) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = files
        .into_iter()
        .filter(|p| is_kustomization(p))
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// Read the kustomizations of `dirs`, side by side, then those of the directories they list,
/// each once.
fn read_all(dirs: Vec<PathBuf>) -> BTreeMap<PathBuf, Kustomization> {
    use rayon::prelude::*;
    let mut done: BTreeMap<PathBuf, Kustomization> = BTreeMap::new();
    let mut tried: HashSet<PathBuf> = dirs.iter().cloned().collect();
    let mut next = dirs;
    while !next.is_empty() {
        let read: Vec<(PathBuf, Kustomization)> = next
            .into_par_iter()
            .filter_map(|d| read_kustomization(&d).map(|k| (d, k)))
            .collect();
        next = Vec::new();
        for (d, k) in read {
            next.extend(
                k.dirs
                    .iter()
                    .filter(|c| tried.insert((*c).clone()))
                    .cloned(),
            );
            done.insert(d, k);
        }
    }
    // An entry is a directory only if a kustomization was read there; kustomize refuses any
    // other directory, so the rest are files.
    let dirs: HashSet<PathBuf> = done.keys().cloned().collect();
    for k in done.values_mut() {
        let (d, f): (Vec<PathBuf>, Vec<PathBuf>) = std::mem::take(&mut k.dirs)
            .into_iter()
            .partition(|p| dirs.contains(p));
        k.dirs = d;
        k.files = f;
    }
    done
}

/// The kustomization of `dir`, with every local entry of `resources`, `bases` and
/// `components` in `dirs` (sorted out into files and directories once all are read). Remote
/// entries (URLs, `git@…`) are never fetched; entries that leave the work tree are dropped.
pub(super) fn read_kustomization(dir: &Path) -> Option<Kustomization> {
    // A regular file of the repository only: never a FIFO (an open that never returns) or a
    // link out of the repository.
    let top = super::git::work_tree_of(dir).unwrap_or(dir);
    let text = KUSTOMIZATION_NAMES.iter().find_map(|n| {
        super::lookup::read_regular(
            &dir.join(n),
            super::lookup::Links::Within(top),
            MAX_KUSTOMIZATION_SIZE,
        )
        .ok()
    })?;
    let stream = parse_stream(&text);
    let doc = stream.docs.first()?;
    let root = doc.root();
    let namespace = root
        .get("namespace")
        .and_then(NodeRef::as_str)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    let entries = ["resources", "bases", "components"]
        .into_iter()
        .filter_map(|k| root.get(k))
        .flat_map(NodeRef::items)
        .filter_map(NodeRef::as_str)
        .filter(|r| !is_remote(r))
        .map(|r| lexical_absolute(&dir.join(r)))
        .filter(|p| p.starts_with(top))
        .collect();
    Some(Kustomization {
        namespace,
        files: Vec::new(),
        dirs: entries,
    })
}

/// Whether a kustomization entry names something outside the repository.
fn is_remote(entry: &str) -> bool {
    entry.contains("://") || entry.starts_with("git@") || entry.starts_with("github.com/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, files: &[(&str, &str)]) {
        for (f, text) in files {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
    }

    #[test]
    fn bases_are_followed_to_any_depth_and_sorted_into_files_and_directories() {
        let t = tempfile::tempdir().unwrap();
        let root = lexical_absolute(t.path());
        std::fs::create_dir(root.join(".git")).unwrap();
        write(
            &root,
            &[
                ("base/deploy.yaml", "kind: Deployment\n"),
                ("base/kustomization.yaml", "resources: [deploy.yaml]\n"),
                (
                    "mid/kustomization.yaml",
                    "resources: [../base, https://example.com/x.yaml]\n",
                ),
                (
                    "overlays/prod/kustomization.yaml",
                    "namespace: prod\nresources: [../../mid, ./extra.yaml, ../../../outside]\n",
                ),
                ("overlays/prod/extra.yaml", "kind: Service\n"),
            ],
        );
        // Only a directory of the work tree given: the work tree is walked for the rest.
        let given = root.join("base").to_string_lossy().into_owned();
        let l = layout(&[given], (&[], &[], &[]), &[], &DiscoverOptions::default());
        let k = |d: &str| {
            l.kustomizations
                .get(&root.join(d))
                .cloned()
                .unwrap_or_default()
        };
        assert_eq!(k("base").files, [root.join("base/deploy.yaml")]);
        assert_eq!(k("mid").dirs, [root.join("base")]);
        assert!(k("mid").files.is_empty(), "{:?}", k("mid"));
        let prod = k("overlays/prod");
        assert_eq!(prod.namespace.as_deref(), Some("prod"));
        assert_eq!(prod.dirs, [root.join("mid")]);
        assert_eq!(prod.files, [root.join("overlays/prod/extra.yaml")]);
        assert!(l.outside.contains(&root.join("overlays/prod/extra.yaml")));
    }

    #[test]
    fn the_top_of_a_work_tree_is_not_walked_again() {
        let t = tempfile::tempdir().unwrap();
        let root = lexical_absolute(t.path());
        std::fs::create_dir(root.join(".git")).unwrap();
        assert!(partial_trees(&[root.to_string_lossy().into_owned()]).is_empty());
        std::fs::create_dir(root.join("team")).unwrap();
        assert_eq!(
            partial_trees(&[root.join("team").to_string_lossy().into_owned()]),
            std::slice::from_ref(&root)
        );
        // A file given one by one: its work tree is read as context already.
        std::fs::write(root.join("team/a.yaml"), "kind: Pod\n").unwrap();
        let file = root.join("team/a.yaml").to_string_lossy().into_owned();
        assert!(partial_trees(&[file]).is_empty());
    }
}
