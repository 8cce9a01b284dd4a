//! GitOps deployers: the namespace an Argo CD Application or a Flux Kustomization applies a path in.
//!
//! An Argo CD `Application` (`argoproj.io`) applies the manifests of `spec.source.path` (and of
//! each `spec.sources[].path`) in `spec.destination.namespace`: objects that name no namespace
//! get it, objects that name one keep theirs, unless `source.kustomize.namespace` sets one for a
//! kustomization. A Flux `Kustomization` (`kustomize.toolkit.fluxcd.io`) builds `spec.path` and
//! sets `spec.targetNamespace` on every namespaced object. Paths are relative to the root of
//! the repository the deployer names; kubeward reads them in the repository that holds it.

use crate::yaml::NodeRef;

/// What the index keeps of an Argo CD Application or Flux Kustomization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployer {
    /// The paths it applies.
    pub paths: Vec<DeployedPath>,
}

/// One path a deployer applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployedPath {
    /// The path, relative to the repository's root, as written (`./apps/web`, `apps/web/`).
    pub path: String,
    /// The namespace given to what it applies (`None`: none).
    pub namespace: Option<String>,
    /// Whether `namespace` replaces the namespaces the manifests or kustomizations set (Flux
    /// `targetNamespace`, Argo CD `kustomize.namespace`), or only fills it in where they set
    /// none (Argo CD `destination.namespace`).
    pub overrides: bool,
    /// Whether the manifests of subdirectories are applied too (Flux, Argo CD
    /// `directory.recurse`); a kustomization in the path is built either way.
    pub recurse: bool,
    /// `Argo CD Application "web"`, for messages.
    pub by: String,
}

/// The paths an object deploys, if it is an Argo CD Application or a Flux Kustomization.
/// `kind`, `group` and `name` are the object's.
pub fn deployed_paths<'d>(
    root: NodeRef<'d>,
    group: &str,
    kind: &str,
    name: &str,
) -> Vec<DeployedPath> {
    fn text<'d>(n: Option<NodeRef<'d>>) -> Option<&'d str> {
        n.and_then(NodeRef::text).filter(|s| !s.is_empty())
    }
    let spec = root.get("spec");
    let at = |path: &[&str]| spec.and_then(|s| s.path(path));
    match (group, kind) {
        ("argoproj.io", "Application") => {
            let destination = text(at(&["destination", "namespace"])).map(str::to_owned);
            let sources = at(&["source"])
                .into_iter()
                .chain(at(&["sources"]).into_iter().flat_map(NodeRef::items));
            sources
                // A Helm repository's chart has no path in this repository.
                .filter(|s| s.get("chart").is_none())
                .filter_map(|s| {
                    let path = text(s.get("path"))?.to_owned();
                    let kustomize = text(s.path(&["kustomize", "namespace"])).map(str::to_owned);
                    Some(DeployedPath {
                        path,
                        overrides: kustomize.is_some(),
                        namespace: kustomize.or_else(|| destination.clone()),
                        recurse: s.path(&["directory", "recurse"]).and_then(NodeRef::as_bool)
                            == Some(true),
                        by: format!("Argo CD Application \"{name}\""),
                    })
                })
                .collect()
        }
        ("kustomize.toolkit.fluxcd.io", "Kustomization") => {
            let namespace = text(at(&["targetNamespace"])).map(str::to_owned);
            vec![DeployedPath {
                // Flux builds the source's root when no path is given.
                path: text(at(&["path"])).unwrap_or("./").to_owned(),
                overrides: namespace.is_some(),
                namespace,
                recurse: true,
                by: format!("Flux Kustomization \"{name}\""),
            }]
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_stream;

    fn paths(yaml: &str, group: &str, kind: &str) -> Vec<DeployedPath> {
        let s = parse_stream(yaml);
        deployed_paths(s.docs[0].root(), group, kind, "x")
    }

    #[test]
    fn argo_applications_fill_in_their_destination_namespace() {
        let app = "spec:\n  destination: {namespace: shop}\n  sources:\n  - {path: apps/web, directory: {recurse: true}}\n  - {chart: redis, repoURL: https://charts.example.com}\n  - {path: apps/db, kustomize: {namespace: data}}\n";
        let p = paths(app, "argoproj.io", "Application");
        assert_eq!(p.len(), 2, "{p:?}");
        assert_eq!(
            (
                p[0].path.as_str(),
                p[0].namespace.as_deref(),
                p[0].overrides,
                p[0].recurse
            ),
            ("apps/web", Some("shop"), false, true)
        );
        assert_eq!(
            (
                p[1].path.as_str(),
                p[1].namespace.as_deref(),
                p[1].overrides,
                p[1].recurse
            ),
            ("apps/db", Some("data"), true, false)
        );
    }

    #[test]
    fn flux_kustomizations_set_their_target_namespace() {
        let ks = "spec:\n  path: ./clusters/prod\n  targetNamespace: prod\n";
        let p = paths(ks, "kustomize.toolkit.fluxcd.io", "Kustomization");
        assert_eq!(
            (
                p[0].path.as_str(),
                p[0].namespace.as_deref(),
                p[0].overrides,
                p[0].recurse
            ),
            ("./clusters/prod", Some("prod"), true, true)
        );
        let none = paths(
            "spec: {path: apps}\n",
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
        );
        assert_eq!(
            (none[0].namespace.as_deref(), none[0].overrides),
            (None, false)
        );
        assert!(paths(ks, "kustomize.config.k8s.io", "Kustomization").is_empty());
    }
}
