use crate::model::{Object, PodSpec, socket_volumes};
use crate::rule::{Context, Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A `hostPath` volume that exposes a container runtime socket (the socket itself, or a
    /// directory that holds one such as `/`, `/run` or `/var/run`: the paths of
    /// `container-runtime-socket`) where no container of the pod can connect to the socket:
    /// - every container that mounts it runs as a non-root user (`runAsUser` non-zero, or
    ///   `runAsNonRoot: true`) and a non-root group (`runAsGroup` set, not 0, and not a system
    ///   group beside a Docker socket), with no `supplementalGroups` or `fsGroup` and
    ///   `allowPrivilegeEscalation: false`. The runtime sockets are owned by root with mode
    ///   0660, so such a container reaches the socket only through a kernel or runtime escape;
    /// - or no container mounts the volume.
    ///
    /// When some container mounting the volume may connect (it may run as root, or get the
    /// socket's group or root back), the volume is `container-runtime-socket` (critical)
    /// instead: one volume is reported by one of the two rules, never both. A read-only root
    /// filesystem mount in a hardened, non-root exporter (node-exporter's `hostPath: /`) is the
    /// common case here.
    ///
    /// Groups the image's `/etc/group` gives the user are not known here: a runtime adds them
    /// unless the pod sets `supplementalGroupsPolicy: Strict`.
    ///
    /// ## Why it matters
    /// The volume is one change away from root on the node, and the change is not in the
    /// container that holds it now. A `securityContext` edited later (a `runAsGroup` dropped,
    /// escalation allowed), a container added to the pod, or an ephemeral container added by
    /// anyone who may patch `pods/ephemeralcontainers` (`kubectl debug --custom`, which runs as
    /// root unless told otherwise) mounts the same volume and controls every container of the
    /// node; so does a kernel or runtime escape from the container that mounts it. The mount also
    /// shows the node's runtime state (container names, images, mounts) to the container.
    ///
    /// Medium, not critical: no container of the pod as written can connect, so the socket is not
    /// reachable without a second step, which is what `container-runtime-socket` reports. It stays
    /// a finding because nothing in the pod spec stops that step: Pod Security admits the edited
    /// pod at the level it admitted this one, since `hostPath` is already allowed there.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: DaemonSet
    /// metadata: {name: node-exporter}
    /// spec:
    ///   selector: {matchLabels: {app: node-exporter}}
    ///   template:
    ///     metadata: {labels: {app: node-exporter}}
    ///     spec:
    ///       securityContext: {runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534}
    ///       containers:
    ///       - name: node-exporter
    ///         image: quay.io/prometheus/node-exporter:v1.8.2
    ///         args: [--path.rootfs=/host/root]
    ///         securityContext: {allowPrivilegeEscalation: false}
    ///         volumeMounts: [{name: root, mountPath: /host/root, readOnly: true}]
    ///       volumes:
    ///       - name: root
    ///         hostPath: {path: /}
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: DaemonSet
    /// metadata: {name: node-exporter}
    /// spec:
    ///   selector: {matchLabels: {app: node-exporter}}
    ///   template:
    ///     metadata: {labels: {app: node-exporter}}
    ///     spec:
    ///       securityContext: {runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534}
    ///       containers:
    ///       - name: node-exporter
    ///         image: quay.io/prometheus/node-exporter:v1.8.2
    ///         args: [--path.procfs=/host/proc, --path.sysfs=/host/sys]
    ///         securityContext: {allowPrivilegeEscalation: false}
    ///         volumeMounts:
    ///         - {name: proc, mountPath: /host/proc, readOnly: true}
    ///         - {name: sys, mountPath: /host/sys, readOnly: true}
    ///       volumes:
    ///       - {name: proc, hostPath: {path: /proc}}
    ///       - {name: sys, hostPath: {path: /sys}}
    /// ```
    ///
    /// ## References
    /// - Kubernetes hostPath volumes ("Warning"), <https://kubernetes.io/docs/concepts/storage/volumes/#hostpath>
    /// - Kubernetes ephemeral containers, <https://kubernetes.io/docs/concepts/workloads/pods/ephemeral-containers/>
    /// - Trivy KSV-0006, Kubescape C-0074 (both report these mounts with the reachable ones)
    pub RuntimeSocketUnreachableMount {
        id: "runtime-socket-unreachable-mount",
        category: Workload,
        severity: Medium,
        summary: "pod mounts the container runtime socket, but no container can connect to it",
        since: "0.2.0",
    }
}

/// What can still mount the volume and connect, as root.
const ADDED: &str = "a container added to the pod (an ephemeral one too, with `kubectl debug`)";

impl Rule for RuntimeSocketUnreachableMount {
    fn check_pod(&self, _obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        for v in socket_volumes(pod) {
            // Some container can connect: `container-runtime-socket`.
            if v.reachable() {
                continue;
            }
            let why = match v.mounts.as_slice() {
                [] => format!(
                    "no container mounts it, but {ADDED} can, and running as root it controls every container of the node"
                ),
                [one] => format!(
                    "{}, which runs as a non-root user and group with no extra groups and no privilege escalation; the socket is owned by root with mode 0660, so it cannot connect, but {ADDED} or a kernel escape can",
                    one.text
                ),
                all => format!(
                    "mounted into {} containers, each running as a non-root user and group with no extra groups and no privilege escalation; the socket is owned by root with mode 0660, so none can connect, but {ADDED} or a kernel escape can",
                    all.len()
                ),
            };
            let draft = cx
                .report(self, v.at.clone().label("runtime socket exposed; no container can connect"))
                .message(format!("volume \"{}\" mounts {}: {why}", v.name, v.what))
                .help("Mount only the host directories the container reads (`/proc`, `/sys`, or a `subPath` that leaves `/run` and `/var/run` out); if it needs the whole root filesystem, keep every container of the pod non-root with a non-root `runAsGroup` and `allowPrivilegeEscalation: false`, and suppress with that reason.");
            for m in v.mounts {
                draft.related(m.at, m.text);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RuntimeSocketUnreachableMount;
    use crate::testing::RuleTest;

    #[test]
    fn runtime_socket_unreachable_mount() {
        RuleTest::of(&RuntimeSocketUnreachableMount)
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: a, image: app:1}]\n  volumes:\n",
                "  - {name: logs, hostPath: {path: /var/log}}\n  - {name: proc, hostPath: {path: /proc}}\n",
            ))
            // Some container can connect: `container-runtime-socket`, not this rule.
            .pass(concat!(
                "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  template:\n    spec:\n",
                "      securityContext: {runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534}\n",
                "      containers:\n      - name: hardened\n        image: example/agent:1.0\n",
                "        securityContext: {allowPrivilegeEscalation: false}\n",
                "        volumeMounts: [{name: root, mountPath: /host/root, readOnly: true}]\n",
                "      - name: helper\n        image: example/helper:1.0\n",
                "        volumeMounts: [{name: root, mountPath: /host/root, readOnly: true}]\n",
                "      - name: builder\n        image: example/builder:1.0\n",
                "        securityContext: {allowPrivilegeEscalation: false, runAsGroup: 999}\n",
                "        volumeMounts: [{name: docker, mountPath: /var/run/docker.sock}]\n",
                "      volumes:\n      - {name: root, hostPath: {path: /}}\n      - {name: docker, hostPath: {path: /var/run/docker.sock}}\n",
            ))
            // Every mount takes a `subPath` that leaves the socket out.
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n",
                "  containers: [{name: a, image: app:1, volumeMounts: [{name: root, mountPath: /etc/host, subPath: etc}]}]\n",
                "  volumes: [{name: root, hostPath: {path: /}}]\n",
            ))
            // The volumes `container-runtime-socket` leaves out of its own vectors.
            .fail(concat!(
                "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  template:\n    spec:\n",
                "      containers:\n      - name: agent\n        image: agent:1\n        volumeMounts:\n",
                "        - name: docker\n          mountPath: /var/run/docker.sock\n          readOnly: true\n",
                "        - {name: run, mountPath: /host/run}\n",
                "      volumes:\n      - name: docker\n        hostPath:\n          path: /var/run/docker.sock\n          type: Socket\n",
                "      - name: run\n        hostPath: {path: /run/}\n",
                "      - name: root\n        hostPath: {path: /}   #~ runtime-socket-unreachable-mount\n",
                "      - name: k8s\n        hostPath: {path: /custom/dir/containerd.sock}   #~ runtime-socket-unreachable-mount\n",
            ))
            .fail(concat!(
                "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: node-exporter}\nspec:\n  template:\n    spec:\n",
                "      securityContext: {runAsNonRoot: true, runAsUser: 65534}\n",
                "      containers:\n      - name: exporter\n        image: quay.io/prometheus/node-exporter:v1.8.2\n",
                "        volumeMounts: [{name: root, mountPath: /host/root, readOnly: true}]\n",
                "      - name: hardened\n        image: example/agent:1.0\n",
                "        securityContext: {allowPrivilegeEscalation: false, runAsGroup: 65534}\n",
                "        volumeMounts: [{name: run, mountPath: /host/run, readOnly: true}, {name: etc, mountPath: /host/etc, subPath: etc}]\n",
                "      volumes:\n",
                "      - name: root\n        hostPath: {path: /}\n",
                "      - name: run\n        hostPath: {path: /run}   #~ runtime-socket-unreachable-mount\n",
                "      - name: etc\n        hostPath: {path: /}\n",
            ))
            // kube-prometheus' node-exporter: every container non-root, group included.
            .fail(concat!(
                "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: node-exporter}\nspec:\n  template:\n    spec:\n",
                "      securityContext: {runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534}\n",
                "      containers:\n      - name: exporter\n        image: quay.io/prometheus/node-exporter:v1.8.2\n",
                "        securityContext: {allowPrivilegeEscalation: false}\n",
                "        volumeMounts: [{name: root, mountPath: /host/root, readOnly: true}, {name: run, mountPath: /host/run}]\n",
                "      - name: proxy\n        image: quay.io/brancz/kube-rbac-proxy:v0.18.0\n",
                "        securityContext: {allowPrivilegeEscalation: false, runAsUser: 65532, runAsGroup: 65532}\n",
                "        volumeMounts: [{name: run, mountPath: /host/run, readOnly: true}]\n",
                "      volumes:\n",
                "      - name: root\n        hostPath: {path: /}   #~ runtime-socket-unreachable-mount\n",
                "      - name: run\n        hostPath: {path: /run}   #~ runtime-socket-unreachable-mount\n",
            ))
            .snapshot();
    }
}
