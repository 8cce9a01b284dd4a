use crate::model::{Object, PodSpec};
use crate::pss::{self, Detail, Levels, Out, PssControl, Versions};
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::NodeRef;

declare_rule! {
    /// ## What it flags
    /// A pod (or pod template) with `hostPID: true`: it shares the node's process ID namespace.
    ///
    /// ## Why it matters
    /// With `hostPID: true` the pod sees every process on the node, can read their environment and command lines (secrets included) and, with ptrace, step into them. The Baseline Pod Security Standard forbids it.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   hostPID: true
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
    pub HostPid {
        id: "host-pid",
        category: PodSecurity,
        severity: High,
        summary: "pod shares the host's process ID namespace",
        since: "0.1.0",
        pss: Baseline,
    }
}

impl Rule for HostPid {
    fn check_pod(&self, _obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        pss::report(self, pod, cx);
    }
}

impl PssControl for HostPid {
    fn check(&self, pod: &PodSpec<'_>, out: &mut Out) {
        if pod.node.get("hostPID").and_then(NodeRef::as_bool) == Some(true) {
            out.flag(Levels::baseline(Versions::ALL), pod.at(["hostPID"]).label("host process ID namespace shared here"), || {
                Detail::new(
                    "pod shares the host's process ID namespace (`hostPID: true`); the Baseline level requires it unset or false",
                    "Remove `hostPID: true`; use an ephemeral debug container for troubleshooting instead.",
                )
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::HostPid;
    use crate::testing::RuleTest;

    #[test]
    fn host_pid() {
        RuleTest::of(&HostPid)
            .pass("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  hostPID: false\n  containers: [{name: a, image: nginx:1.27}]\n")
            .pass("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  hostPID: \"true\"\n  containers: [{name: a, image: nginx:1.27}]\n")
            .pass("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers: [{name: a, image: nginx:1.27}]\n")
            .fail("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  hostPID: true   #~ host-pid\n  containers: [{name: a, image: nginx:1.27}]\n")
            .fail("apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: a}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          hostPID: yes   #~ host-pid\n          containers: [{name: a, image: nginx:1.27}]\n")
            .snapshot();
    }
}
