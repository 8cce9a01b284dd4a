use crate::model::{Access, Object, PodSpec, socket_volumes};
use crate::rule::{Context, Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A `hostPath` volume that exposes a container runtime socket to a container that can
    /// connect to it. The socket is the socket itself (Docker `/var/run/docker.sock`, containerd
    /// `/run/containerd/containerd.sock`, CRI-O `/var/run/crio/crio.sock`, cri-dockerd,
    /// dockershim, k3s, Podman, under `/run` or `/var/run`, or any path ending in one of those
    /// socket names), or a directory that contains one (`/var/run`, `/run`, `/run/containerd`,
    /// `/var/run/docker`, `/var`, `/`, …). Read-only mounts count: connecting to a socket needs
    /// no write access to the mount.
    ///
    /// The runtime sockets are owned by root with mode 0660 (group `root`, `docker` for Docker's
    /// and cri-dockerd's), so a container mounting the volume connects when it may run as root,
    /// or when it runs as a non-root user that may still get in: its group may be the socket's
    /// (`runAsGroup` 0 or unset, a system `runAsGroup` below 1000 beside a Docker socket, which
    /// may be the node's `docker` group, or extra groups), or `allowPrivilegeEscalation` is not
    /// `false`, so a setuid binary gives root back. The message says which.
    ///
    /// A volume that no container mounting it can connect through (each runs as a non-root user
    /// and group, with no extra groups and no escalation), or that no container mounts, is
    /// `runtime-socket-unreachable-mount` (medium): one volume is reported by one of the two
    /// rules, never both. A `subPath` that leaves the socket out of the mount is not reported.
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
        summary: "container can reach the node's container runtime socket",
        since: "0.1.0",
    }
}

impl Rule for ContainerRuntimeSocket {
    fn check_pod(&self, _obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        for v in socket_volumes(pod) {
            // The most capable container mounting it decides; none: `runtime-socket-unreachable-mount`.
            let Some(first) = v.mounts.first() else {
                continue;
            };
            let mounted = &first.text;
            let consequence = match first.access {
                Access::Root => format!(
                    "{mounted}, which may run as root: it can start a privileged container or exec into any container of the node"
                ),
                Access::MaybeGroup(why) => format!(
                    "{mounted}, which runs as a non-root user; the socket is owned by root with mode 0660, but {why}, and then it controls every container of the node"
                ),
                // No container can connect: `runtime-socket-unreachable-mount`.
                Access::Denied => continue,
            };
            let draft = cx
                .report(self, v.at.clone().label("runtime socket reachable through this mount"))
                .message(format!("volume \"{}\" mounts {}: {consequence}", v.name, v.what))
                .help("Remove the volume: build images with a rootless builder (BuildKit rootless, kaniko, buildah) and read container metadata from the Kubernetes API instead of the runtime.");
            for m in v.mounts {
                draft.related(m.at, m.text);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ContainerRuntimeSocket;
    use crate::testing::RuleTest;

    #[test]
    fn container_runtime_socket() {
        RuleTest::of(&ContainerRuntimeSocket)
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: a, image: app:1}]\n  volumes:\n",
                "  - {name: logs, hostPath: {path: /var/log}}\n  - {name: lib, hostPath: {path: /var/lib/kubelet}}\n",
                "  - {name: runfoo, hostPath: {path: /run/foo}}\n  - {name: sock, emptyDir: {}}\n",
            ))
            // No container can connect: `runtime-socket-unreachable-mount`, not this rule.
            .pass(concat!(
                "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: node-exporter}\nspec:\n  template:\n    spec:\n",
                "      securityContext: {runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534}\n",
                "      containers:\n      - name: exporter\n        image: quay.io/prometheus/node-exporter:v1.8.2\n",
                "        securityContext: {allowPrivilegeEscalation: false}\n",
                "        volumeMounts: [{name: root, mountPath: /host/root, readOnly: true}]\n",
                "      volumes:\n      - {name: root, hostPath: {path: /}}\n      - {name: docker, hostPath: {path: /var/run/docker.sock}}\n",
            ))
            .fail(concat!(
                "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  template:\n    spec:\n",
                "      containers:\n      - name: agent\n        image: agent:1\n        volumeMounts:\n",
                "        - name: docker\n          mountPath: /var/run/docker.sock\n          readOnly: true\n",
                "        - {name: run, mountPath: /host/run}\n",
                "      volumes:\n      - name: docker\n        hostPath:\n          path: /var/run/docker.sock   #~ container-runtime-socket\n          type: Socket\n",
                "      - name: run\n        hostPath: {path: /run/}   #~ container-runtime-socket\n",
                // No container mounts these: `runtime-socket-unreachable-mount`.
                "      - name: root\n        hostPath: {path: /}\n",
                "      - name: k8s\n        hostPath: {path: /custom/dir/containerd.sock}\n",
            ))
            // A read-only `/` in a non-root container that may regain root; the hardened
            // container's `/run` is `runtime-socket-unreachable-mount`.
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
                "      - name: run\n        hostPath: {path: /run}\n",
                "      - name: etc\n        hostPath: {path: /}\n",
            ))
            // A system group beside a Docker socket may be the node's `docker` group; the same
            // container is denied containerd's socket (group root). One container that may
            // connect is enough, whatever the others.
            .fail(concat!(
                "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: builder}\nspec:\n  template:\n    spec:\n",
                "      securityContext: {runAsNonRoot: true, runAsUser: 65534}\n",
                "      containers:\n      - name: builder\n        image: example/builder:1.0\n",
                "        securityContext: {allowPrivilegeEscalation: false, runAsGroup: 999}\n",
                "        volumeMounts: [{name: docker, mountPath: /var/run/docker.sock}, {name: containerd, mountPath: /run/containerd}]\n",
                "      - name: hardened\n        image: example/agent:1.0\n",
                "        securityContext: {allowPrivilegeEscalation: false, runAsGroup: 65534}\n",
                "        volumeMounts: [{name: root, mountPath: /host/root}]\n",
                "      - name: helper\n        image: example/helper:1.0\n",
                "        securityContext: {allowPrivilegeEscalation: false, runAsGroup: 0}\n",
                "        volumeMounts: [{name: root, mountPath: /host/root}]\n",
                "      volumes:\n",
                "      - name: docker\n        hostPath: {path: /var/run/docker.sock}   #~ container-runtime-socket\n",
                "      - name: containerd\n        hostPath: {path: /run/containerd}\n",
                "      - name: root\n        hostPath: {path: /}   #~ container-runtime-socket\n",
            ))
            .snapshot();
    }
}
