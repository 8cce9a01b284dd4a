//! Pod specs wherever they live, and their containers.

use crate::yaml::{Label, NodeRef, Pointer, Seg};

/// Where the pod template of a kind lives: (route to the PodSpec, route to the pod metadata).
/// From pod-security-admission's `DefaultPodSpecExtractor` plus Argo Rollouts and OpenShift's
/// `DeploymentConfig` (`apps.openshift.io`, `spec.template` as a Deployment's; kube-linter and
/// checkov lint it too).
pub fn pod_template_route(
    api_version: &str,
    kind: &str,
) -> Option<(&'static [&'static str], &'static [&'static str])> {
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    match kind {
        "Pod" if group.is_empty() => Some((&["spec"], &["metadata"])),
        "PodTemplate" if group.is_empty() => {
            Some((&["template", "spec"], &["template", "metadata"]))
        }
        "ReplicationController" if group.is_empty() => Some((
            &["spec", "template", "spec"],
            &["spec", "template", "metadata"],
        )),
        "ReplicaSet" | "Deployment" | "StatefulSet" | "DaemonSet"
            if matches!(group, "apps" | "extensions") =>
        {
            Some((
                &["spec", "template", "spec"],
                &["spec", "template", "metadata"],
            ))
        }
        "Job" if group == "batch" => Some((
            &["spec", "template", "spec"],
            &["spec", "template", "metadata"],
        )),
        "CronJob" if group == "batch" => Some((
            &["spec", "jobTemplate", "spec", "template", "spec"],
            &["spec", "jobTemplate", "spec", "template", "metadata"],
        )),
        "DeploymentConfig" if group == "apps.openshift.io" => Some((
            &["spec", "template", "spec"],
            &["spec", "template", "metadata"],
        )),
        "Rollout" if group == "argoproj.io" => Some((
            &["spec", "template", "spec"],
            &["spec", "template", "metadata"],
        )),
        _ => None,
    }
}

/// Which list a container is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ContainerKind {
    /// `initContainers`
    Init,
    /// `containers`
    Regular,
    /// `ephemeralContainers`
    Ephemeral,
}

impl ContainerKind {
    /// The pod spec key of the list.
    pub fn key(self) -> &'static str {
        match self {
            ContainerKind::Init => "initContainers",
            ContainerKind::Regular => "containers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }

    /// For messages.
    pub fn noun(self) -> &'static str {
        match self {
            ContainerKind::Init => "init container",
            ContainerKind::Regular => "container",
            ContainerKind::Ephemeral => "ephemeral container",
        }
    }
}

/// One container of a pod spec.
#[derive(Debug)]
pub struct Container<'d> {
    /// The container's mapping.
    pub node: NodeRef<'d>,
    /// Route from the document root.
    pub ptr: Pointer,
    /// Which list it is in.
    pub kind: ContainerKind,
    /// Index in that list.
    pub index: usize,
    /// `name`.
    pub name: Option<&'d str>,
    /// The parsed `image`, once a rule asked for it (see `image::container_image`).
    pub(crate) image: std::cell::OnceCell<Option<ParsedImage<'d>>>,
}

/// A container's `image` text and how it parses.
pub(crate) type ParsedImage<'d> = (
    &'d str,
    Result<crate::model::image::ImageRef, crate::model::image::ImageError>,
);

impl<'d> Container<'d> {
    /// A label on a node of this container.
    pub fn at<I, S>(&self, segs: I) -> Label
    where
        I: IntoIterator<Item = S>,
        S: Into<Seg>,
    {
        Label::at(self.ptr.join(segs))
    }

    /// A label for a setting this container lacks.
    pub fn missing<I, S>(&self, segs: I) -> Label
    where
        I: IntoIterator<Item = S>,
        S: Into<Seg>,
    {
        Label::missing(self.ptr.join(segs))
    }

    /// A node by route of keys.
    pub fn get(&self, path: &[&str]) -> Option<NodeRef<'d>> {
        self.node.path(path)
    }

    /// `securityContext`, if set (and not null).
    pub fn security_context(&self) -> Option<NodeRef<'d>> {
        self.node.get_set("securityContext")
    }

    /// A `securityContext` field, if set (and not null).
    pub fn sc(&self, key: &str) -> Option<NodeRef<'d>> {
        self.security_context()?.get_set(key)
    }

    /// `container "web"`, `init container "setup"`.
    pub fn describe(&self) -> String {
        match self.name {
            Some(n) => format!("{} \"{n}\"", self.kind.noun()),
            None => format!("{} #{}", self.kind.noun(), self.index + 1),
        }
    }
}

/// A pod spec: of a Pod, or of a workload's pod template.
#[derive(Debug)]
pub struct PodSpec<'d> {
    /// The PodSpec mapping.
    pub node: NodeRef<'d>,
    /// Route to it.
    pub ptr: Pointer,
    /// The pod's metadata mapping, if present.
    pub meta: Option<NodeRef<'d>>,
    /// Route to the pod's metadata.
    pub meta_ptr: Pointer,
    /// Init containers, containers, then ephemeral containers (PSA's visiting order).
    pub containers: Vec<Container<'d>>,
}

impl<'d> PodSpec<'d> {
    /// Extract the pod spec of an object, if its kind has one.
    pub fn of(obj: NodeRef<'d>, base: &Pointer, api_version: &str, kind: &str) -> Option<Self> {
        let (spec_route, meta_route) = pod_template_route(api_version, kind)?;
        let node = obj.path(spec_route).filter(|n| n.is_map())?;
        let ptr = base.join(spec_route.iter().copied());
        let mut containers = Vec::new();
        for ck in [
            ContainerKind::Init,
            ContainerKind::Regular,
            ContainerKind::Ephemeral,
        ] {
            let Some(list) = node.get(ck.key()) else {
                continue;
            };
            for (index, c) in list.items().enumerate() {
                if !c.is_map() {
                    continue;
                }
                containers.push(Container {
                    node: c,
                    ptr: ptr.join([Seg::from(ck.key()), Seg::from(index)]),
                    kind: ck,
                    index,
                    name: c.get("name").and_then(NodeRef::as_str),
                    image: std::cell::OnceCell::new(),
                });
            }
        }
        Some(PodSpec {
            node,
            ptr,
            meta: obj.path(meta_route),
            meta_ptr: base.join(meta_route.iter().copied()),
            containers,
        })
    }

    /// A label on a node of the pod spec.
    pub fn at<I, S>(&self, segs: I) -> Label
    where
        I: IntoIterator<Item = S>,
        S: Into<Seg>,
    {
        Label::at(self.ptr.join(segs))
    }

    /// A label for a setting the pod spec lacks.
    pub fn missing<I, S>(&self, segs: I) -> Label
    where
        I: IntoIterator<Item = S>,
        S: Into<Seg>,
    {
        Label::missing(self.ptr.join(segs))
    }

    /// A label on a node of the pod metadata.
    pub fn meta_at<I, S>(&self, segs: I) -> Label
    where
        I: IntoIterator<Item = S>,
        S: Into<Seg>,
    {
        Label::at(self.meta_ptr.join(segs))
    }

    /// A node by route of keys.
    pub fn get(&self, path: &[&str]) -> Option<NodeRef<'d>> {
        self.node.path(path)
    }

    /// The pod-level `securityContext`, if set.
    pub fn security_context(&self) -> Option<NodeRef<'d>> {
        self.node.get_set("securityContext")
    }

    /// A pod-level `securityContext` field, if set (and not null).
    pub fn sc(&self, key: &str) -> Option<NodeRef<'d>> {
        self.security_context()?.get_set(key)
    }

    /// `spec.os.name == windows` (exempts some restricted controls from v1.25).
    pub fn is_windows(&self) -> bool {
        self.node.path(&["os", "name"]).and_then(NodeRef::as_str) == Some("windows")
    }

    /// `spec.hostUsers: false` (a user-namespaced pod).
    pub fn host_users_false(&self) -> bool {
        self.node.get("hostUsers").and_then(NodeRef::as_bool) == Some(false)
    }

    /// Pod annotations as (key, value).
    pub fn annotations(&self) -> impl Iterator<Item = (&'d str, NodeRef<'d>)> + 'd {
        self.meta
            .and_then(|m| m.get("annotations"))
            .into_iter()
            .flat_map(NodeRef::entries)
    }

    /// Pod template labels as (key, value).
    pub fn labels(&self) -> impl Iterator<Item = (&'d str, &'d str)> + 'd {
        self.meta
            .and_then(|m| m.get("labels"))
            .into_iter()
            .flat_map(NodeRef::entries)
            .filter_map(|(k, v)| Some((k, v.text()?)))
    }

    /// `volumes` as (index, volume mapping).
    pub fn volumes(&self) -> impl Iterator<Item = (usize, NodeRef<'d>)> + 'd {
        self.node
            .get("volumes")
            .into_iter()
            .flat_map(NodeRef::items)
            .enumerate()
    }

    /// Whether something in the pod may read the service account token the kubelet mounts at
    /// [`TOKEN_DIR`]: a string of the pod spec (a command, an argument, an environment value,
    /// a mount or projected path) names the directory, or a container mounts a projected
    /// volume with a `serviceAccountToken` source at it, inside it or above it
    /// (`/var/run/secrets`). Where it may, opting out of the token can break the pod.
    pub fn reads_token(&self) -> bool {
        // Under `/var/run` or `/run`, or a projected path (`kubernetes.io/serviceaccount/token`).
        const NAMED: &str = "kubernetes.io/serviceaccount";
        let mut named = false;
        self.node.walk_strings(NAMED.len(), |_, n| {
            named = named || n.as_str().is_some_and(|s| s.contains(NAMED));
        });
        named
            || self.containers.iter().any(|c| {
                c.node
                    .get("volumeMounts")
                    .into_iter()
                    .flat_map(NodeRef::items)
                    .any(|m| {
                        m.get("mountPath")
                            .and_then(NodeRef::text)
                            .is_some_and(on_token_dir)
                            && m.get("name")
                                .and_then(NodeRef::text)
                                .is_some_and(|name| self.token_volume(name))
                    })
            })
    }

    /// Whether the volume `name` is projected with a `serviceAccountToken` source.
    fn token_volume(&self, name: &str) -> bool {
        self.volumes().any(|(_, v)| {
            v.get("name").and_then(NodeRef::text) == Some(name)
                && v.path(&["projected", "sources"])
                    .into_iter()
                    .flat_map(NodeRef::items)
                    .any(|s| s.get("serviceAccountToken").is_some())
        })
    }
}

/// Where the kubelet mounts a pod's service account token (`token`, `ca.crt`, `namespace`),
/// unless the pod opts out with `automountServiceAccountToken: false`.
pub const TOKEN_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// Whether a mount at `path` is at [`TOKEN_DIR`], inside it or above it (`/run` as `/var/run`).
fn on_token_dir(path: &str) -> bool {
    let path = path.trim_end_matches('/');
    let path = match path.strip_prefix("/run") {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("/var/run{rest}"),
        _ => path.to_owned(),
    };
    let within = |outer: &str, inner: &str| {
        inner == outer || (inner.starts_with(outer) && inner[outer.len()..].starts_with('/'))
    };
    path.is_empty() || within(&path, TOKEN_DIR) || within(TOKEN_DIR, &path)
}

#[cfg(test)]
mod tests {
    use super::{on_token_dir, pod_template_route};

    #[test]
    fn mounts_on_the_token_directory() {
        for at in [
            "/var/run/secrets/kubernetes.io/serviceaccount",
            "/var/run/secrets/kubernetes.io/serviceaccount/",
            "/var/run/secrets/kubernetes.io/serviceaccount/token",
            "/var/run/secrets",
            "/run/secrets/kubernetes.io",
            "/run",
            "/",
        ] {
            assert!(on_token_dir(at), "{at}");
        }
        for at in [
            "/var/run/secrets/kubernetes.io/serviceaccounts",
            "/var/run/sec",
            "/runner",
            "/etc/secrets",
        ] {
            assert!(!on_token_dir(at), "{at}");
        }
    }

    #[test]
    fn openshift_deployment_configs_have_a_pod_template() {
        assert_eq!(
            pod_template_route("apps.openshift.io/v1", "DeploymentConfig").map(|(s, _)| s),
            Some(&["spec", "template", "spec"][..])
        );
        // The kind alone is not enough: another group's DeploymentConfig is not OpenShift's.
        assert_eq!(
            pod_template_route("example.com/v1", "DeploymentConfig"),
            None
        );
    }
}
