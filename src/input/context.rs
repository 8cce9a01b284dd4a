//! Context and namespaces: when explicit files are given (pre-commit passes only the changed
//! files), the rest of the enclosing repository is read for the cross-object index but not
//! reported; and objects without `metadata.namespace` take the `namespace:` of the
//! kustomization that lists their file.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::discover::{DiscoverOptions, Input, InputSource, discover};
use crate::yaml::{NodeRef, parse_stream};

/// The directory whose files give context to `file`: the nearest ancestor holding `.git`.
fn git_root(file: &Path) -> Option<PathBuf> {
    file.ancestors()
        .skip(1)
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

fn common_ancestor(dirs: &[PathBuf]) -> Option<PathBuf> {
    let mut it = dirs.iter();
    let mut common = it.next()?.clone();
    for d in it {
        while !d.starts_with(&common) {
            if !common.pop() {
                return None;
            }
        }
    }
    Some(common)
}

/// Add the rest of the repository enclosing the explicit files in `paths` as context inputs
/// (`report: false`). Directories and standard input need no context.
pub fn add_context(
    paths: &[String],
    inputs: &mut Vec<Input>,
    skipped: &[(String, String)],
    opts: &DiscoverOptions,
) {
    let files: Vec<PathBuf> = paths
        .iter()
        .filter(|p| *p != "-")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    if files.is_empty() {
        return;
    }
    let mut roots: Vec<PathBuf> = Vec::new();
    let mut loose: Vec<PathBuf> = Vec::new();
    for f in &files {
        match git_root(f) {
            Some(r) => roots.push(r),
            None => loose.extend(f.parent().map(Path::to_path_buf)),
        }
    }
    roots.extend(common_ancestor(&loose));
    roots.sort();
    roots.dedup();
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
        .collect();
    for root in roots {
        let Ok((found, _)) = discover(&[root.to_string_lossy().into_owned()], opts) else {
            continue;
        };
        for mut input in found {
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
}

/// A kustomization's namespace and the files it lists in its own directory.
struct Kustomization {
    namespace: String,
    resources: HashSet<String>,
}

fn read_kustomization(dir: &Path) -> Option<Kustomization> {
    let text = ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .find_map(|n| std::fs::read_to_string(dir.join(n)).ok())?;
    let stream = parse_stream(&text);
    let doc = stream.docs.first()?;
    let root = doc.root();
    let namespace = root.get("namespace").and_then(NodeRef::as_str)?.to_owned();
    let resources = root
        .get("resources")
        .into_iter()
        .flat_map(NodeRef::items)
        .filter_map(NodeRef::as_str)
        .map(|r| r.strip_prefix("./").unwrap_or(r).to_owned())
        .collect();
    Some(Kustomization {
        namespace,
        resources,
    })
}

/// Set `Input::namespace` from the kustomization in each file's directory that lists it.
pub fn kustomize_namespaces(inputs: &mut [Input]) {
    use rayon::prelude::*;
    // Each directory is looked at once, side by side (a large repository has tens of thousands
    // of directories, most without a kustomization).
    let dirs: HashSet<&Path> = inputs
        .iter()
        .filter_map(|input| match &input.source {
            InputSource::Path(p) => p.parent(),
            _ => None,
        })
        .collect();
    let found: HashMap<PathBuf, Kustomization> = dirs
        .into_par_iter()
        .filter_map(|dir| read_kustomization(dir).map(|k| (dir.to_path_buf(), k)))
        .collect();
    if found.is_empty() {
        return;
    }
    for input in inputs.iter_mut() {
        let InputSource::Path(p) = &input.source else {
            continue;
        };
        let (Some(dir), Some(name)) = (p.parent(), p.file_name().and_then(|n| n.to_str())) else {
            continue;
        };
        if let Some(k) = found.get(dir)
            && k.resources.contains(name)
        {
            input.namespace = Some(k.namespace.clone());
        }
    }
}
