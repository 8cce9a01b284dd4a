use crate::model::{Object, PodSpec};
use crate::pss::{self, Detail, Levels, Out, PssControl, Versions};
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::NodeRef;

declare_rule! {
    /// ## What it flags
    /// A pod (or pod template) with `hostNetwork: true`: it shares the node's network namespace.
    ///
    /// ## Why it matters
    /// With `hostNetwork: true` the pod sees every network interface of the node, can bind to any host port, reach services listening on localhost and sniff traffic; NetworkPolicies do not reliably apply to it. The Baseline Pod Security Standard forbids it.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   hostNetwork: true
    ///   containers: [{name: web, image: nginx:1.27}]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   containers: [{name: web, image: nginx:1.27}]
    /// ```
    ///
    /// ## References
    /// - Pod Security Standards (Baseline): Host Namespaces, <https://kubernetes.io/docs/concepts/security/pod-security-standards/>
    /// - pod-security-admission `policy/check_hostNamespaces.go`
    pub HostNetwork {
        id: "host-network",
        category: PodSecurity,
        severity: High,
        summary: "pod shares the host's network namespace",
        since: "0.1.0",
        pss: Baseline,
    }
}

impl Rule for HostNetwork {
    fn check_pod(&self, _obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        pss::report(self, pod, cx);
    }
}

impl PssControl for HostNetwork {
    fn check(&self, pod: &PodSpec<'_>, out: &mut Out) {
        if pod.node.get("hostNetwork").and_then(NodeRef::as_bool) == Some(true) {
            out.flag(Levels::baseline(Versions::ALL), pod.at(["hostNetwork"]).label("host network namespace shared here"), || {
                Detail::new(
                    "pod shares the host's network namespace (`hostNetwork: true`); the Baseline level requires it unset or false",
                    "Remove `hostNetwork: true`; publish the workload through a Service instead.",
                )
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::HostNetwork;
    use crate::testing::RuleTest;

    #[test]
    fn host_network() {
        RuleTest::of(&HostNetwork)
            .pass("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  hostNetwork: false\n  containers: [{name: a, image: nginx:1.27}]\n")
            .pass("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  hostNetwork: \"true\"\n  containers: [{name: a, image: nginx:1.27}]\n")
            .pass("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers: [{name: a, image: nginx:1.27}]\n")
            .fail("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  hostNetwork: true   #~ host-network\n  containers: [{name: a, image: nginx:1.27}]\n")
            .fail("apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: a}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          hostNetwork: yes   #~ host-network\n          containers: [{name: a, image: nginx:1.27}]\n")
            .snapshot();
    }
}
