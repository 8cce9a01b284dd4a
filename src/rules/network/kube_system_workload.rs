use crate::model::Object;
use crate::rule::{Context, Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A workload in the `kube-system` namespace that is not a well-known cluster component
    /// (CoreDNS, kube-proxy, metrics-server, CNI, CSI and cloud-provider agents, …).
    ///
    /// ## Why it matters
    /// `kube-system` holds the cluster's own components and the service accounts with the
    /// broadest permissions; admission policies and Pod Security levels often exempt it.
    /// An application deployed there inherits those exemptions and sits next to tokens that
    /// control the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: billing, namespace: kube-system}
    /// spec:
    ///   template:
    ///     spec:
    ///       containers: [{name: billing, image: example/billing:1.0}]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: billing, namespace: billing}
    /// spec:
    ///   template:
    ///     spec:
    ///       containers: [{name: billing, image: example/billing:1.0}]
    /// ```
    ///
    /// ## References
    /// - Kubernetes, "Namespaces", initial namespaces: <https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/#initial-namespaces>
    pub KubeSystemWorkload {
        id: "kube-system-workload",
        category: Workload,
        severity: Medium,
        summary: "user workload runs in kube-system",
        since: "0.1.0",
    }
}

/// Name prefixes of components that belong in kube-system.
const SYSTEM: &[&str] = &[
    "coredns",
    "kube-dns",
    "kube-proxy",
    "metrics-server",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "etcd",
    "cloud-controller-manager",
    "cluster-autoscaler",
    "konnectivity",
    "cilium",
    "calico",
    "canal",
    "flannel",
    "kube-flannel",
    "weave",
    "aws-node",
    "aws-load-balancer-controller",
    "ebs-csi",
    "efs-csi",
    "azure",
    "csi-",
    "gce-",
    "pdcsi",
    "fluentbit-gke",
    "gke-",
    "kube-state-metrics",
    "node-local-dns",
    "nodelocaldns",
    "vpa-",
    "sealed-secrets",
    "tigera",
    "kindnet",
    "ama-",
    "omsagent",
    "konnectivity-agent",
    "tunnelfront",
    "secrets-store-csi",
    "snapshot-controller",
    "nvidia-device-plugin",
    "dns-autoscaler",
    "event-exporter",
    "l7-default-backend",
    "antrea",
    "kube-vip",
    "local-path-provisioner",
    "traefik",
    "svclb-",
    "helm-install",
    "descheduler",
];

impl Rule for KubeSystemWorkload {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if obj.pod.is_none() || obj.namespace != Some("kube-system") {
            return;
        }
        let name = obj.name.unwrap_or("");
        if SYSTEM.iter().any(|p| name.starts_with(p)) {
            return;
        }
        cx.report(self, obj.at(["metadata", "namespace"]).value().label("cluster components' namespace"))
            .message(format!(
                "{} is deployed to `kube-system`, the namespace of the cluster's own components and their most privileged service accounts",
                obj.describe()
            ))
            .help("Deploy application and add-on workloads to a namespace of their own.");
    }
}

#[cfg(test)]
mod tests {
    use super::KubeSystemWorkload;
    use crate::testing::RuleTest;

    #[test]
    fn kube_system_workload() {
        RuleTest::of(&KubeSystemWorkload)
            .pass("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: coredns, namespace: kube-system}\nspec:\n  template:\n    spec: {containers: [{name: c, image: coredns/coredns:1.11.1}]}\n")
            .pass("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: kube-system}\n")
            .fail("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: billing\n  namespace: kube-system   #~ kube-system-workload\nspec:\n  template:\n    spec: {containers: [{name: b, image: example/billing:1.0}]}\n")
            .snapshot();
    }
}
