//! Kustomize builds: an overlay rendered with origin annotations, kept per document.
//!
//! Kustomize builds: render an overlay with origin and transformer annotations, keep per
//! document where it came from, and remove the annotations before linting.

use std::collections::{BTreeSet, HashMap};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::exec;
use super::kustomize::{Graph, Patch};
use super::sandbox::{Failure, Limits, Sandbox};
use super::scope::Scope;
use crate::yaml::{NodeRef, Pointer, Seg, parse_stream, remove_entries};

const ORIGIN: &str = "config.kubernetes.io/origin";
const TRANSFORMATIONS: &str = "alpha.config.kubernetes.io/transformations";

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

/// The program that would render kustomizations, if any.
pub fn kustomize_renderer() -> Option<PathBuf> {
    Renderer::find().map(|r| match r {
        Renderer::Kustomize(p) | Renderer::Kubectl(p) => p,
    })
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
/// scratch kustomization in a sandbox outside the repository that uses it as its only resource.
/// kustomize keeps its default load restrictions (each kustomization reads files under its own
/// directory only); the scratch kustomization names the overlay as a directory, which those
/// restrictions allow, so real overlays render as the user's own `kustomize build` would.
pub fn build(
    renderer: &Renderer,
    dir: &Path,
    graph: &Graph,
    scope: &Scope,
    limits: &Limits,
) -> Result<Build, Failure> {
    let sandbox =
        Sandbox::new().map_err(|e| Failure::Start(format!("no scratch directory: {e}")))?;
    let work = sandbox.work();
    let rel = exec::relative(&work, dir);
    let rel = rel.to_string_lossy().replace('\\', "/");
    let wrapper = format!(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - {}\nbuildMetadata: [originAnnotations, transformerAnnotations]\n",
        serde_json::to_string(&rel).unwrap_or_default()
    );
    std::fs::write(work.join("kustomization.yaml"), wrapper)
        .map_err(|e| Failure::Start(format!("cannot write a scratch kustomization: {e}")))?;
    let restrictor = [
        OsStr::new("--load-restrictor"),
        OsStr::new("LoadRestrictionsRootOnly"),
        work.as_os_str(),
    ];
    let (program, verb) = match renderer {
        Renderer::Kustomize(p) => (p, "build"),
        Renderer::Kubectl(p) => (p, "kustomize"),
    };
    let mut args = vec![OsStr::new(verb)];
    args.extend(restrictor);
    let out = sandbox.run(program, &args, limits).map_err(|f| match f {
        Failure::Exit(m) => Failure::Exit(innermost(&m, &work)),
        f => f,
    })?;
    Ok(read_build(&out, &work, graph, scope))
}

/// The last cause of a nested kustomize error (`accumulating resources from 'x': …: lstat x:
/// no such file or directory`), with paths relative to the working directory.
fn innermost(err: &str, scratch: &Path) -> String {
    let cut = [
        err.rfind(" : ").map(|i| i + 3),
        err.rfind("': ").map(|i| i + 3),
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(0);
    let mut msg = err[cut..].trim_end_matches('\'').to_owned();
    let cwd = exec::absolute(Path::new("."));
    let rel = exec::relative(scratch, &cwd);
    for prefix in [format!("{}/", cwd.display()), format!("{}/", rel.display())] {
        msg = msg.replace(&prefix, "");
    }
    msg
}

/// Read the annotations of a rendered stream and remove them. The paths they name are data a
/// patch can forge: one is kept only when it is a relative path to a regular file inside the
/// repository.
fn read_build(out: &str, root: &Path, graph: &Graph, scope: &Scope) -> Build {
    let stream = parse_stream(out);
    // Each path is checked once (a kustomization is named by every object it transformed).
    let mut checked: HashMap<String, Option<PathBuf>> = HashMap::new();
    let mut resolve = |p: &str| {
        if let Some(hit) = checked.get(p) {
            return hit.clone();
        }
        let path = Path::new(p);
        let found = if path.is_absolute() || path.has_root() {
            None
        } else {
            let lexical = exec::normalize(&root.join(path));
            scope.regular_file(&lexical).map(|_| lexical)
        };
        checked.insert(p.to_owned(), found.clone());
        found
    };
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
                    if let Some(p) = resolve(p) {
                        origins.insert(p.clone());
                        kd.origin = Some(p);
                    }
                } else if let (Some(k), Some(by)) = (
                    text("configuredIn"),
                    o.path(&["configuredBy", "kind"]).and_then(NodeRef::as_str),
                ) {
                    kd.generated = resolve(k).map(|k| (k, by.to_owned()));
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
                let Some(kfile) = resolve(k) else {
                    continue;
                };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_are_read_and_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("repo/base")).unwrap();
        std::fs::create_dir_all(root.join("outside")).unwrap();
        for f in [
            "repo/base/service.yaml",
            "repo/base/kustomization.yaml",
            "outside/passwd",
        ] {
            std::fs::write(root.join(f), "a: 1\n").unwrap();
        }
        let scope = Scope::of(&[root.join("repo").display().to_string()]);
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
        let b = read_build(out, &root.join("repo/y"), &graph, &scope);
        assert_eq!(
            b.text,
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  annotations:\n    keep: me\n  name: cfg\n"
        );
        assert_eq!(b.docs[0].origin, Some(root.join("repo/base/service.yaml")));
        assert_eq!(
            b.docs[1].generated,
            Some((
                root.join("repo/base/kustomization.yaml"),
                "ConfigMapGenerator".to_owned()
            ))
        );
    }

    #[cfg(unix)]
    #[test]
    fn forged_origins_outside_the_repository_are_dropped() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("repo/o")).unwrap();
        std::fs::create_dir_all(root.join("outside")).unwrap();
        std::fs::write(root.join("outside/passwd"), "root:x\n").unwrap();
        std::os::unix::fs::symlink(root.join("outside/passwd"), root.join("repo/o/link.yaml"))
            .unwrap();
        let scope = Scope::of(&[root.join("repo").display().to_string()]);
        let passwd = root.join("outside/passwd");
        for path in [
            passwd.display().to_string(),
            "../outside/passwd".to_owned(),
            "o/link.yaml".to_owned(),
            "o".to_owned(),
        ] {
            let out = format!(
                "kind: Pod\nmetadata:\n  name: p\n  annotations:\n    config.kubernetes.io/origin: 'path: {path}'\n"
            );
            let b = read_build(&out, &root.join("repo"), &Graph::default(), &scope);
            assert_eq!(b.docs[0].origin, None, "{path}");
            assert!(b.origins.is_empty(), "{path}");
        }
    }
}
