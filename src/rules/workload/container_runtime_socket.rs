use crate::model::{Container, Object, PodSpec};
use crate::pss;
use crate::rule::{Context, Rule, Severity, declare_rule};
use crate::yaml::{Label, NodeRef, Seg};

declare_rule! {
    /// ## What it flags
    /// A `hostPath` volume that exposes a container runtime socket: the socket itself (Docker
    /// `/var/run/docker.sock`, containerd `/run/containerd/containerd.sock`, CRI-O
    /// `/var/run/crio/crio.sock`, cri-dockerd, dockershim, k3s, Podman, under `/run` or
    /// `/var/run`, or any path ending in one of those socket names), or a directory that contains
    /// one (`/var/run`, `/run`, `/run/containerd`, `/var/run/docker`, `/var`, `/`, …).
    /// Read-only mounts count: connecting to a socket needs no write access to the mount.
    ///
    /// The message says who can reach the socket, which root owns with mode 0660: a container
    /// mounting it that may run as root; a non-root user that may still get in (its group may be
    /// the socket's: `runAsGroup` 0 or unset, or extra groups; or `allowPrivilegeEscalation` is
    /// not `false`, so a setuid binary gives root back); a non-root user and group with no extra
    /// groups and no escalation; no container mounting the volume yet. The rule has one
    /// severity, so every case is critical. A `subPath` that leaves the socket out of the mount
    /// is not reported.
    ///
    /// ## Why it matters
    /// Whoever can talk to the runtime socket can start a privileged container with the node's
    /// root filesystem mounted, or exec into any other container of the node: it is root on the
    /// node and access to every secret of every pod scheduled there. No Pod Security setting of
    /// the pod itself limits that.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: ci-runner}
    /// spec:
    ///   containers:
    ///   - name: runner
    ///     image: docker:27-cli
    ///     volumeMounts: [{name: docker, mountPath: /var/run/docker.sock}]
    ///   volumes:
    ///   - name: docker
    ///     hostPath: {path: /var/run/docker.sock, type: Socket}
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: ci-runner}
    /// spec:
    ///   containers:
    ///   - name: build
    ///     image: gcr.io/kaniko-project/executor:v1.23.2
    ///     args: ["--context=git://github.com/example/app.git", "--destination=registry.example.com/app:1.0"]
    /// ```
    ///
    /// ## References
    /// - Kubernetes hostPath volumes ("Warning"), <https://kubernetes.io/docs/concepts/storage/volumes/#hostpath>
    /// - OWASP Docker Security Cheat Sheet, rule #1: do not expose the Docker daemon socket
    /// - Trivy KSV-0006, Kubescape C-0074
    pub ContainerRuntimeSocket {
        id: "container-runtime-socket",
        category: Workload,
        severity: Critical,
        summary: "pod mounts the container runtime socket",
        since: "0.1.0",
    }
}

/// Runtime sockets at their well-known places.
const SOCKETS: [&str; 14] = [
    "/run/containerd/containerd.sock",
    "/var/run/containerd/containerd.sock",
    "/run/crio/crio.sock",
    "/var/run/crio/crio.sock",
    "/run/docker.sock",
    "/var/run/docker.sock",
    "/var/run/docker/containerd/containerd.sock",
    "/run/cri-dockerd.sock",
    "/var/run/cri-dockerd.sock",
    "/var/run/dockershim.sock",
    "/run/k3s/containerd/containerd.sock",
    "/run/podman/podman.sock",
    "/var/run/podman/podman.sock",
    "/var/snap/microk8s/common/run/containerd.sock",
];

/// Socket file names that give the runtime away wherever they live.
const SOCKET_NAMES: [&str; 6] = [
    "docker.sock",
    "containerd.sock",
    "crio.sock",
    "cri-dockerd.sock",
    "dockershim.sock",
    "podman.sock",
];

impl Rule for ContainerRuntimeSocket {
    fn check_pod(&self, _obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        for (i, vol) in pod.volumes() {
            let Some(path) = vol
                .get_set("hostPath")
                .and_then(|h| h.get("path"))
                .map(pss::shown)
            else {
                continue;
            };
            let path = normalize(path);
            let Some(exposed) = exposes(&path) else {
                continue;
            };
            let name = vol.get("name").map_or("", pss::shown);
            let what = if exposed == path {
                format!("the node's container runtime socket `{path}`")
            } else {
                format!("the node's `{path}`, which holds the container runtime socket `{exposed}`")
            };
            // The containers that reach the socket through the volume (a `subPath` may mount
            // a part of it that does not hold the socket), the most capable first.
            let mut reach: Vec<(Access, Label, String)> = Vec::new();
            let mut mounted = false;
            for c in &pod.containers {
                for (j, m) in c
                    .node
                    .get("volumeMounts")
                    .into_iter()
                    .flat_map(NodeRef::items)
                    .enumerate()
                {
                    if name.is_empty() || m.get("name").map(pss::shown) != Some(name) {
                        continue;
                    }
                    mounted = true;
                    let sub = m.get_set("subPath").map_or("", pss::shown);
                    if !sub.is_empty() && exposes(&normalize(&format!("{path}/{sub}"))).is_none() {
                        continue;
                    }
                    let mount = Label::at(c.ptr.join([
                        Seg::from("volumeMounts"),
                        Seg::from(j),
                        Seg::from("mountPath"),
                    ]));
                    let read_only = m.get("readOnly").and_then(NodeRef::as_bool) == Some(true);
                    let access = access(pod, c);
                    let ro = if read_only {
                        " (read-only, which does not stop connecting to a socket)"
                    } else {
                        ""
                    };
                    reach.push((access, mount, format!("mounted into {}{ro}", c.describe())));
                }
            }
            if mounted && reach.is_empty() {
                // Every mount takes a `subPath` that leaves the socket out.
                continue;
            }
            reach.sort_by_key(|(a, _, _)| std::cmp::Reverse(a.severity()));
            let consequence = match reach.first() {
                None => {
                    "no container mounts it yet, but any container added to the pod can".to_owned()
                }
                Some((a, _, text)) => a.consequence(text),
            };
            let at = Label::at(pod.ptr.join([
                Seg::from("volumes"),
                Seg::from(i),
                Seg::from("hostPath"),
                Seg::from("path"),
            ]));
            let draft = cx
                .report(self, at.label("runtime socket reachable through this mount"))
                .message(format!("volume \"{name}\" mounts {what}: {consequence}"))
                .help("Remove the volume: build images with a rootless builder (BuildKit rootless, kaniko, buildah) and read container metadata from the Kubernetes API instead of the runtime.");
            for (_, mount, text) in reach {
                draft.related(mount, text);
            }
        }
    }
}

/// What a container mounting the socket can do with it. The runtime sockets are owned by root
/// with mode 0660 (group `root` for containerd and CRI-O, `docker` for Docker): connecting
/// takes write permission on the socket file, which a read-only mount does not take away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// It may run as root: it controls the runtime.
    Root,
    /// It runs as a non-root user, but with a group that may own the socket (`runAsGroup` 0,
    /// or unset: a user the image's `/etc/passwd` does not know runs with group 0; or extra
    /// groups), or it may regain root through a setuid binary (`allowPrivilegeEscalation` not
    /// `false`).
    MaybeGroup(&'static str),
    /// A non-root user, a non-root group of its own, no extra groups and no escalation: it
    /// reaches the socket only through a kernel or runtime flaw.
    Denied,
}

impl Access {
    fn severity(self) -> Severity {
        match self {
            Access::Root => Severity::Critical,
            Access::MaybeGroup(_) => Severity::High,
            Access::Denied => Severity::Medium,
        }
    }

    fn consequence(self, mounted: &str) -> String {
        match self {
            Access::Root => format!(
                "{mounted}, which may run as root: it can start a privileged container or exec into any container of the node"
            ),
            Access::MaybeGroup(why) => format!(
                "{mounted}, which runs as a non-root user; the socket is owned by root with mode 0660, but {why}, and then it controls every container of the node"
            ),
            Access::Denied => format!(
                "{mounted}, which runs as a non-root user and group with no extra groups and no privilege escalation; the socket is owned by root with mode 0660, so only a container or kernel escape reaches it (the mount still reveals the node's runtime)"
            ),
        }
    }
}

/// A container's access to a root-owned 0660 socket, from its (or its pod's) security context.
fn access(pod: &PodSpec<'_>, c: &Container<'_>) -> Access {
    let int = |key: &str| c.sc(key).or_else(|| pod.sc(key)).and_then(NodeRef::as_i64);
    let non_root = match int("runAsUser") {
        Some(0) => false,
        Some(_) => true,
        None => {
            c.sc("runAsNonRoot")
                .or_else(|| pod.sc("runAsNonRoot"))
                .and_then(NodeRef::as_bool)
                == Some(true)
        }
    };
    if !non_root {
        return Access::Root;
    }
    if c.sc("allowPrivilegeEscalation").and_then(NodeRef::as_bool) != Some(false) {
        return Access::MaybeGroup(
            "it may regain root through a setuid binary (`allowPrivilegeEscalation` is not `false`)",
        );
    }
    match int("runAsGroup") {
        Some(0) => return Access::MaybeGroup("`runAsGroup: 0` is the socket's group"),
        None => {
            return Access::MaybeGroup(
                "`runAsGroup` is not set, and a user the image's /etc/passwd does not list runs with group 0, the socket's group",
            );
        }
        Some(_) => {}
    }
    let groups = ["supplementalGroups", "fsGroup"]
        .iter()
        .any(|k| pod.sc(k).is_some_and(|g| !g.is_seq() || !g.is_empty()));
    if groups {
        return Access::MaybeGroup(
            "its extra groups (`supplementalGroups`, `fsGroup`) may include the socket's group (`docker`)",
        );
    }
    Access::Denied
}

/// `//var/run/./docker.sock/` → `/var/run/docker.sock`.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// The socket a host path exposes: itself, or one below it.
fn exposes(path: &str) -> Option<String> {
    if SOCKETS.contains(&path)
        || path
            .rsplit('/')
            .next()
            .is_some_and(|n| SOCKET_NAMES.contains(&n))
    {
        return Some(path.to_owned());
    }
    let dir = if path == "/" {
        "/".to_owned()
    } else {
        format!("{path}/")
    };
    SOCKETS
        .iter()
        .find(|s| s.starts_with(&dir))
        .map(|s| (*s).to_owned())
}

#[cfg(test)]
mod tests {
    use super::{ContainerRuntimeSocket, exposes, normalize};
    use crate::testing::RuleTest;

    #[test]
    fn container_runtime_socket() {
        RuleTest::of(&ContainerRuntimeSocket)
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: a, image: app:1}]\n  volumes:\n",
                "  - {name: logs, hostPath: {path: /var/log}}\n  - {name: lib, hostPath: {path: /var/lib/kubelet}}\n",
                "  - {name: runfoo, hostPath: {path: /run/foo}}\n  - {name: sock, emptyDir: {}}\n",
            ))
            .fail(concat!(
                "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  template:\n    spec:\n",
                "      containers:\n      - name: agent\n        image: agent:1\n        volumeMounts:\n",
                "        - name: docker\n          mountPath: /var/run/docker.sock\n          readOnly: true\n",
                "        - {name: run, mountPath: /host/run}\n",
                "      volumes:\n      - name: docker\n        hostPath:\n          path: /var/run/docker.sock   #~ container-runtime-socket\n          type: Socket\n",
                "      - name: run\n        hostPath: {path: /run/}   #~ container-runtime-socket\n",
                "      - name: root\n        hostPath: {path: /}   #~ container-runtime-socket\n",
                "      - name: k8s\n        hostPath: {path: /custom/dir/containerd.sock}   #~ container-runtime-socket\n",
            ))
            // A read-only `/` in a non-root container: graded by what it reaches.
            .fail(concat!(
                "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: node-exporter}\nspec:\n  template:\n    spec:\n",
                "      securityContext: {runAsNonRoot: true, runAsUser: 65534}\n",
                "      containers:\n      - name: exporter\n        image: quay.io/prometheus/node-exporter:v1.8.2\n",
                "        volumeMounts: [{name: root, mountPath: /host/root, readOnly: true}]\n",
                "      - name: hardened\n        image: example/agent:1.0\n",
                "        securityContext: {allowPrivilegeEscalation: false, runAsGroup: 65534}\n",
                "        volumeMounts: [{name: run, mountPath: /host/run, readOnly: true}, {name: etc, mountPath: /host/etc, subPath: etc}]\n",
                "      volumes:\n",
                "      - name: root\n        hostPath: {path: /}   #~ container-runtime-socket\n",
                "      - name: run\n        hostPath: {path: /run}   #~ container-runtime-socket\n",
                "      - name: etc\n        hostPath: {path: /}\n",
            ))
            .snapshot();
    }

    #[test]
    fn paths() {
        assert_eq!(
            normalize("//var/run/./docker.sock/"),
            "/var/run/docker.sock"
        );
        assert_eq!(normalize("/var/run/../run/crio"), "/var/run/crio");
        assert_eq!(
            exposes("/var/run/docker"),
            Some("/var/run/docker/containerd/containerd.sock".into())
        );
        assert_eq!(
            exposes("/var"),
            Some("/var/run/containerd/containerd.sock".into())
        );
        assert_eq!(
            exposes("/run/containerd"),
            Some("/run/containerd/containerd.sock".into())
        );
        assert_eq!(exposes("/var/log"), None);
        assert_eq!(exposes("/run/containerd-foo"), None);
    }
}
