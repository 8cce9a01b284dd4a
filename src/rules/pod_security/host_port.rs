use crate::model::{ContainerKind, Object, PodSpec};
use crate::pss::{self, Detail, Levels, Out, PssControl, Versions};
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::{Label, NodeRef, Seg};

declare_rule! {
    /// ## What it flags
    /// A container port with a non-zero `hostPort`, in any container, init container or ephemeral
    /// container. In a `hostNetwork: true` pod the API server copies every `containerPort` into
    /// `hostPort`, so those ports are flagged too, as pod-security-admission sees them.
    ///
    /// ## Why it matters
    /// A host port binds the node's own network interfaces: the container is reachable from
    /// anywhere that reaches the node, around Services and NetworkPolicies, and only one pod per
    /// node can hold the port. The Baseline Pod Security Standard forbids host ports.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   containers:
    ///   - name: web
    ///     image: nginx:1.27
    ///     ports:
    ///     - containerPort: 80
    ///       hostPort: 8080
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web, labels: {app: web}}
    /// spec:
    ///   containers:
    ///   - name: web
    ///     image: nginx:1.27
    ///     ports:
    ///     - containerPort: 80
    /// ---
    /// apiVersion: v1
    /// kind: Service
    /// metadata: {name: web}
    /// spec:
    ///   selector: {app: web}
    ///   ports: [{port: 8080, targetPort: 80}]
    /// ```
    ///
    /// ## References
    /// - Pod Security Standards (Baseline): Host Ports, <https://kubernetes.io/docs/concepts/security/pod-security-standards/>
    /// - pod-security-admission `policy/check_hostPorts.go`; hostNetwork defaulting: kubernetes `pkg/apis/core/v1/defaults.go` (`defaultHostNetworkPorts`)
    pub HostPort {
        id: "host-port",
        category: PodSecurity,
        severity: Medium,
        summary: "container binds a port on the node (hostPort)",
        since: "0.1.0",
        pss: Baseline,
    }
}

impl Rule for HostPort {
    fn check_pod(&self, _obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        pss::report(self, pod, cx);
    }
}

impl PssControl for HostPort {
    fn check(&self, pod: &PodSpec<'_>, out: &mut Out) {
        let host_network = pod.node.get("hostNetwork").and_then(NodeRef::as_bool) == Some(true);
        for c in &pod.containers {
            for (i, port) in c
                .node
                .get("ports")
                .into_iter()
                .flat_map(NodeRef::items)
                .enumerate()
            {
                let at = |key: &'static str| {
                    Label::at(
                        c.ptr
                            .join([Seg::from("ports"), Seg::from(i), Seg::from(key)]),
                    )
                };
                let host_port = port.get("hostPort").and_then(NodeRef::as_i64).unwrap_or(0);
                if host_port != 0 {
                    out.flag(Levels::baseline(Versions::ALL), at("hostPort").label("port bound on the node"), || {
                        Detail::new(
                            format!("{} binds host port {host_port}; the Baseline level requires `hostPort` unset or 0", c.describe()),
                            "Remove `hostPort` and reach the container through a Service (`type: NodePort` or `LoadBalancer` if it must be reachable from outside the cluster).",
                        )
                    });
                    continue;
                }
                // The API server defaults hostPort to containerPort in hostNetwork pods (not for
                // ephemeral containers, which cannot declare ports).
                let container_port = port
                    .get("containerPort")
                    .and_then(NodeRef::as_i64)
                    .unwrap_or(0);
                if host_network && container_port != 0 && c.kind != ContainerKind::Ephemeral {
                    let label = at("containerPort").label("becomes a host port under hostNetwork");
                    out.flag(Levels::baseline(Versions::ALL), label, || {
                        Detail::new(
                            format!(
                                "{} binds host port {container_port}: in a `hostNetwork: true` pod the API server copies `containerPort` into `hostPort`; the Baseline level requires `hostPort` unset or 0",
                                c.describe()
                            ),
                            "Remove `hostNetwork: true` and reach the container through a Service; a hostNetwork pod always listens on the node's interfaces.",
                        )
                        .related(pod.at(["hostNetwork"]), "the pod uses the node's network")
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::HostPort;
    use crate::testing::RuleTest;

    #[test]
    fn host_port() {
        RuleTest::of(&HostPort)
            .pass("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    image: nginx:1.27\n    ports: [{containerPort: 80}, {containerPort: 81, hostPort: 0}]\n")
            .pass("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  hostNetwork: false\n  containers:\n  - name: a\n    image: nginx:1.27\n    ports: [{containerPort: 80}]\n")
            .fail(concat!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n",
                "      initContainers:\n      - name: init\n        image: busybox:1.36\n        ports:\n",
                "        - containerPort: 9000\n          hostPort: 9000   #~ host-port\n",
                "      containers:\n      - name: web\n        image: nginx:1.27\n        ports:\n",
                "        - containerPort: 80\n        - {containerPort: 443, hostPort: 0x1bb}   #~ host-port\n",
            ))
            .fail(concat!(
                "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: exporter}\nspec:\n  template:\n    spec:\n",
                "      hostNetwork: true\n      containers:\n      - name: exporter\n        image: exporter:1.8\n        ports:\n",
                "        - containerPort: 9100   #~ host-port\n          name: metrics\n",
            ))
            .snapshot();
    }
}
