//! Kustomize: read kustomization files (resources, components, patches), find the entry-point
//! overlays, render them with origin annotations, and keep per document where it came from.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::exec::{self, ScratchDir};
use crate::yaml::{NodeRef, Pointer, Seg, parse_stream, remove_entries};

/// File names kustomize reads as a kustomization, in its order of preference.
pub const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

const ORIGIN: &str = "config.kubernetes.io/origin";
const TRANSFORMATIONS: &str = "alpha.config.kubernetes.io/transformations";

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

/// Kustomization files read so far, by directory; reads more on demand.
#[derive(Default)]
pub struct Graph {
    by_dir: BTreeMap<PathBuf, Option<KFile>>,
}

impl Graph {
    /// The kustomization of `dir` (absolute), read once.
    pub fn get(&mut self, dir: &Path) -> Option<&KFile> {
        if !self.by_dir.contains_key(dir) {
            let k = in_dir(dir).and_then(|p| read(&p));
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

/// The program that renders kustomizations.
#[derive(Debug, Clone)]
pub enum Renderer {
    /// `kustomize build`.
    Kustomize(PathBuf),
    /// `kubectl kustomize`.
    Kubectl(PathBuf),
}

impl Renderer {
    /// `kustomize` or `kubectl` from `PATH`.
    pub fn find() -> Option<Renderer> {
        exec::on_path("kustomize")
            .map(Renderer::Kustomize)
            .or_else(|| exec::on_path("kubectl").map(Renderer::Kubectl))
    }

    /// How it is called, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Renderer::Kustomize(_) => "kustomize build",
            Renderer::Kubectl(_) => "kubectl kustomize",
        }
    }
}

/// Where one rendered document came from.
#[derive(Debug, Clone, Default)]
pub struct KDoc {
    /// The resource file that holds the object.
    pub origin: Option<PathBuf>,
    /// The kustomization whose generator made the object, and the generator's kind.
    pub generated: Option<(PathBuf, String)>,
    /// Patches that may have changed the object, in the order they ran.
    pub patches: Vec<Arc<Patch>>,
    /// Kustomization files whose `images:` ran on the object, in order.
    pub images: Vec<PathBuf>,
}

/// One rendered overlay.
#[derive(Debug)]
pub struct Build {
    /// The rendered stream, without the annotations kubeward asked for.
    pub text: String,
    /// Per document.
    pub docs: Vec<KDoc>,
    /// Every local file the objects came from.
    pub origins: BTreeSet<PathBuf>,
}

/// Render the kustomization in `dir` (absolute) with origin and transformer annotations, from a
/// scratch kustomization outside the repository that uses it as its only resource.
pub fn build(renderer: &Renderer, dir: &Path, graph: &Graph) -> Result<Build, String> {
    let scratch =
        ScratchDir::new().map_err(|e| format!("cannot create a scratch directory: {e}"))?;
    let rel = exec::relative(scratch.path(), dir);
    let rel = rel.to_string_lossy().replace('\\', "/");
    let wrapper = format!(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - {}\nbuildMetadata: [originAnnotations, transformerAnnotations]\n",
        serde_json::to_string(&rel).unwrap_or_default()
    );
    std::fs::write(scratch.path().join("kustomization.yaml"), wrapper)
        .map_err(|e| format!("cannot write a scratch kustomization: {e}"))?;
    let dir_arg = scratch.path().as_os_str();
    let restrictor = OsStr::new("--load-restrictor");
    let none = OsStr::new("LoadRestrictionsNone");
    let out = match renderer {
        Renderer::Kustomize(p) => exec::run(p, &[OsStr::new("build"), restrictor, none, dir_arg]),
        Renderer::Kubectl(p) => exec::run(p, &[OsStr::new("kustomize"), restrictor, none, dir_arg]),
    }
    .map_err(|e| innermost(&e, scratch.path()))?;
    Ok(read_build(&out, scratch.path(), graph))
}

/// The last cause of a nested kustomize error (`… accumulating resources from 'x': …: lstat x:
/// no such file or directory`), with paths relative to the working directory.
fn innermost(err: &str, scratch: &Path) -> String {
    let (head, detail) = err.split_once("): ").unwrap_or(("", err));
    let cut = [
        detail.rfind(" : ").map(|i| i + 3),
        detail.rfind("': ").map(|i| i + 3),
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(0);
    let mut msg = detail[cut..].trim_end_matches('\'').to_owned();
    let cwd = exec::absolute(Path::new("."));
    let rel = exec::relative(scratch, &cwd);
    for prefix in [format!("{}/", cwd.display()), format!("{}/", rel.display())] {
        msg = msg.replace(&prefix, "");
    }
    if head.is_empty() {
        msg
    } else {
        format!("{head}): {msg}")
    }
}

/// Read the annotations of a rendered stream and remove them.
fn read_build(out: &str, root: &Path, graph: &Graph) -> Build {
    let stream = parse_stream(out);
    let resolve = |p: &str| exec::normalize(&root.join(p));
    let mut docs = Vec::with_capacity(stream.docs.len());
    let mut strip = Vec::new();
    let mut origins = BTreeSet::new();
    let ann_route = Pointer::root().join(["metadata", "annotations"]);
    for doc in &stream.docs {
        let mut kd = KDoc::default();
        let annotations = doc.root().path(&["metadata", "annotations"]);
        if let Some(origin) = annotations
            .and_then(|a| a.get(ORIGIN))
            .and_then(NodeRef::text)
        {
            let s = parse_stream(origin);
            if let Some(o) = s.docs.first().map(crate::yaml::Doc::root) {
                let text = |k: &str| o.get(k).and_then(NodeRef::as_str);
                if let Some(p) = text("path").filter(|_| o.get("repo").is_none()) {
                    let p = resolve(p);
                    origins.insert(p.clone());
                    kd.origin = Some(p);
                } else if let (Some(k), Some(by)) = (
                    text("configuredIn"),
                    o.path(&["configuredBy", "kind"]).and_then(NodeRef::as_str),
                ) {
                    kd.generated = Some((resolve(k), by.to_owned()));
                }
            }
        }
        if let Some(t) = annotations
            .and_then(|a| a.get(TRANSFORMATIONS))
            .and_then(NodeRef::text)
        {
            let s = parse_stream(t);
            for item in s
                .docs
                .first()
                .map(crate::yaml::Doc::root)
                .into_iter()
                .flat_map(NodeRef::items)
            {
                let Some(k) = item.get("configuredIn").and_then(NodeRef::as_str) else {
                    continue;
                };
                let kind = item
                    .path(&["configuredBy", "kind"])
                    .and_then(NodeRef::as_str);
                let kfile = resolve(k);
                match kind {
                    Some(
                        "PatchTransformer"
                        | "PatchStrategicMergeTransformer"
                        | "PatchJson6902Transformer",
                    ) => {
                        let dir = kfile.parent().unwrap_or(Path::new("/")).to_path_buf();
                        if let Some(kf) = graph.cached(&dir)
                            && kf.path == kfile
                        {
                            for p in &kf.patches {
                                if !kd.patches.iter().any(|q| Arc::ptr_eq(p, q)) {
                                    kd.patches.push(p.clone());
                                }
                            }
                        }
                    }
                    Some("ImageTagTransformer") if !kd.images.contains(&kfile) => {
                        kd.images.push(kfile);
                    }
                    _ => {}
                }
            }
        }
        if let Some(a) = annotations {
            let ours = a
                .entries()
                .filter(|(k, _)| *k == ORIGIN || *k == TRANSFORMATIONS)
                .count();
            if ours == a.len() {
                strip.push((doc.index, ann_route.clone()));
            } else {
                for key in [ORIGIN, TRANSFORMATIONS] {
                    if a.get(key).is_some() {
                        strip.push((doc.index, ann_route.key(Seg::from(key))));
                    }
                }
            }
        }
        docs.push(kd);
    }
    let text = remove_entries(out, &stream, &strip);
    Build {
        text,
        docs,
        origins,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_are_read_and_removed() {
        let out = "\
apiVersion: v1
kind: Service
metadata:
  annotations:
    alpha.config.kubernetes.io/transformations: |
      - configuredIn: ../o/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: NamespaceTransformer
    config.kubernetes.io/origin: |
      path: ../base/service.yaml
  name: web
---
apiVersion: v1
kind: ConfigMap
metadata:
  annotations:
    config.kubernetes.io/origin: |
      configuredIn: ../base/kustomization.yaml
      configuredBy:
        apiVersion: builtin
        kind: ConfigMapGenerator
    keep: me
  name: cfg
";
        let graph = Graph::default();
        let b = read_build(out, Path::new("/tmp/x/y"), &graph);
        assert_eq!(
            b.text,
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  annotations:\n    keep: me\n  name: cfg\n"
        );
        assert_eq!(
            b.docs[0].origin,
            Some(PathBuf::from("/tmp/x/base/service.yaml"))
        );
        assert_eq!(
            b.docs[1].generated,
            Some((
                PathBuf::from("/tmp/x/base/kustomization.yaml"),
                "ConfigMapGenerator".to_owned()
            ))
        );
    }
}
