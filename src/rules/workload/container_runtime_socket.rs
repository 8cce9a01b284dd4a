use crate::model::{Object, PodSpec};
use crate::pss;
use crate::rule::{Context, Rule, declare_rule};
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
            let at = Label::at(pod.ptr.join([
                Seg::from("volumes"),
                Seg::from(i),
                Seg::from("hostPath"),
                Seg::from("path"),
            ]));
            let draft = cx
                .report(self, at.label("runtime socket reachable through this mount"))
                .message(format!("volume \"{name}\" mounts {what}: the pod can control every container on the node"))
                .help("Remove the volume: build images with a rootless builder (BuildKit rootless, kaniko, buildah) and read container metadata from the Kubernetes API instead of the runtime.");
            for c in &pod.containers {
                for (j, m) in c
                    .node
                    .get("volumeMounts")
                    .into_iter()
                    .flat_map(NodeRef::items)
                    .enumerate()
                {
                    if m.get("name").map(pss::shown) == Some(name) && !name.is_empty() {
                        let mount = Label::at(c.ptr.join([
                            Seg::from("volumeMounts"),
                            Seg::from(j),
                            Seg::from("mountPath"),
                        ]));
                        draft.related(mount, format!("mounted into {}", c.describe()));
                    }
                }
            }
        }
    }
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
