//! Kustomize: kustomization files read, entry-point overlays found.
//!
//! Kustomize: read kustomization files (resources, components, patches) and find the
//! entry-point overlays.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::exec;
use super::scope::Scope;
use crate::yaml::{NodeRef, Pointer, Seg, parse_stream};

/// File names kustomize reads as a kustomization, in its order of preference.
pub const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Whether `p` is named like a kustomization file.
pub fn is_kustomization(p: &Path) -> bool {
    p.file_name()
        .and_then(OsStr::to_str)
        .is_some_and(|n| FILE_NAMES.contains(&n))
}

/// Which objects a patch applies to (`target:`); absent fields match everything.
#[derive(Debug, Clone, Default)]
pub struct Selector {
    /// `kind`.
    pub kind: Option<String>,
    /// `name` (a regular expression in kustomize).
    pub name: Option<String>,
}

/// One patch of a kustomization.
#[derive(Debug, Clone)]
pub struct Patch {
    /// The patch file, or the kustomization file for an inline patch.
    pub file: PathBuf,
    /// Route of the block scalar holding an inline patch in the kustomization file.
    pub inline: Option<Pointer>,
    /// `target:`, if any.
    pub target: Option<Selector>,
}

/// What kubeward reads from one kustomization file. Paths are absolute and normalized.
#[derive(Debug, Clone)]
pub struct KFile {
    /// The kustomization file.
    pub path: PathBuf,
    /// `kind: Component`.
    pub component: bool,
    /// `resources` (and the old `bases`): files and directories.
    pub resources: Vec<PathBuf>,
    /// `components` directories.
    pub components: Vec<PathBuf>,
    /// `patches`, `patchesStrategicMerge`, `patchesJson6902`, in that order.
    pub patches: Vec<Arc<Patch>>,
}

fn is_remote(s: &str) -> bool {
    s.contains("://")
        || s.starts_with("git@")
        || s.starts_with("github.com/")
        || s.starts_with("gitlab.com/")
        || s.contains("?ref=")
}

fn strings(n: Option<NodeRef<'_>>) -> impl Iterator<Item = (usize, &str)> {
    n.into_iter()
        .flat_map(NodeRef::items)
        .enumerate()
        .filter_map(|(i, item)| item.as_str().map(|s| (i, s)))
}

fn selector(n: Option<NodeRef<'_>>) -> Option<Selector> {
    let n = n?;
    let s = |k: &str| n.get(k).and_then(NodeRef::as_str).map(str::to_owned);
    Some(Selector {
        kind: s("kind"),
        name: s("name"),
    })
}

/// Read a kustomization file; `None` when it cannot be read or is not a mapping.
pub fn read(path: &Path) -> Option<KFile> {
    let path = exec::absolute(path);
    let text = std::fs::read_to_string(&path).ok()?;
    let stream = parse_stream(&text);
    let doc = stream.docs.first()?;
    let root = doc.root();
    if !root.is_map() {
        return None;
    }
    let dir = path.parent()?.to_path_buf();
    let local = |s: &str| (!is_remote(s)).then(|| exec::normalize(&dir.join(s)));
    let mut k = KFile {
        component: root.get("kind").and_then(NodeRef::as_str) == Some("Component"),
        resources: strings(root.get("resources"))
            .chain(strings(root.get("bases")))
            .filter_map(|(_, s)| local(s))
            .collect(),
        components: strings(root.get("components"))
            .filter_map(|(_, s)| local(s))
            .collect(),
        patches: Vec::new(),
        path: path.clone(),
    };
    for key in ["patches", "patchesJson6902"] {
        for (i, item) in root
            .get(key)
            .into_iter()
            .flat_map(NodeRef::items)
            .enumerate()
        {
            let target = selector(item.get("target"));
            if let Some(p) = item.get("path").and_then(NodeRef::as_str) {
                if let Some(file) = local(p) {
                    k.patches.push(Arc::new(Patch {
                        file,
                        inline: None,
                        target,
                    }));
                }
            } else if item.get("patch").is_some() {
                k.patches.push(Arc::new(Patch {
                    file: path.clone(),
                    inline: Some(Pointer::root().join([
                        Seg::from(key),
                        Seg::from(i),
                        Seg::from("patch"),
                    ])),
                    target,
                }));
            }
        }
    }
    for (i, s) in strings(root.get("patchesStrategicMerge")) {
        let file = local(s).filter(|f| f.is_file());
        k.patches.push(Arc::new(match file {
            Some(file) => Patch {
                file,
                inline: None,
                target: None,
            },
            None => Patch {
                file: path.clone(),
                inline: Some(
                    Pointer::root().join([Seg::from("patchesStrategicMerge"), Seg::from(i)]),
                ),
                target: None,
            },
        }));
    }
    Some(k)
}

/// The kustomization file in `dir`, if any.
pub fn in_dir(dir: &Path) -> Option<PathBuf> {
    FILE_NAMES.iter().map(|n| dir.join(n)).find(|p| p.is_file())
}

/// Kustomization files read so far, by directory; reads more on demand, only inside the run's
/// repositories.
#[derive(Default)]
pub struct Graph {
    by_dir: BTreeMap<PathBuf, Option<KFile>>,
    scope: Scope,
}

impl Graph {
    /// A graph that reads kustomizations inside `scope` only.
    pub fn new(scope: Scope) -> Self {
        Graph {
            by_dir: BTreeMap::new(),
            scope,
        }
    }

    /// The kustomization of `dir` (absolute), read once.
    pub fn get(&mut self, dir: &Path) -> Option<&KFile> {
        if !self.by_dir.contains_key(dir) {
            let k = in_dir(dir)
                .filter(|p| self.scope.regular_file(p).is_some())
                .and_then(|p| read(&p));
            self.by_dir.insert(dir.to_path_buf(), k);
        }
        self.by_dir.get(dir).and_then(Option::as_ref)
    }

    /// The kustomization of `dir` if it was read already.
    pub fn cached(&self, dir: &Path) -> Option<&KFile> {
        self.by_dir.get(dir).and_then(Option::as_ref)
    }

    /// The entry points among `dirs`: kustomizations (not components) that no other
    /// kustomization among them uses as a resource or component.
    pub fn entry_points(&mut self, dirs: &[PathBuf]) -> Vec<PathBuf> {
        let mut used = BTreeSet::new();
        for d in dirs {
            if let Some(k) = self.get(d) {
                used.extend(k.resources.iter().cloned());
                used.extend(k.components.iter().cloned());
            }
        }
        dirs.iter()
            .filter(|d| !used.contains(*d))
            .filter(|d| self.get(d).is_some_and(|k| !k.component))
            .cloned()
            .collect()
    }

    /// Every file the kustomization of `dir` builds from (resources and patches, through its
    /// bases and components), and the kustomization files on the way.
    pub fn tree(&mut self, dir: &Path) -> BTreeSet<PathBuf> {
        let mut out = BTreeSet::new();
        let mut todo = vec![dir.to_path_buf()];
        let mut seen = BTreeSet::new();
        while let Some(d) = todo.pop() {
            if !seen.insert(d.clone()) {
                continue;
            }
            let Some(k) = self.get(&d) else { continue };
            out.insert(k.path.clone());
            for r in k.resources.iter().chain(&k.components) {
                if r.is_dir() {
                    todo.push(r.clone());
                } else {
                    out.insert(r.clone());
                }
            }
            for p in &k.patches {
                out.insert(p.file.clone());
            }
        }
        out
    }

    /// Every kustomization read.
    pub fn all(&self) -> impl Iterator<Item = &KFile> {
        self.by_dir.values().flatten()
    }
}
/// Every patch file (inline patches excluded) and the kustomization that lists it.
pub fn patch_files(graph: &Graph) -> HashMap<PathBuf, PathBuf> {
    graph
        .all()
        .flat_map(|k| {
            k.patches
                .iter()
                .filter(|p| p.inline.is_none())
                .map(move |p| (p.file.clone(), k.path.clone()))
        })
        .collect()
}
