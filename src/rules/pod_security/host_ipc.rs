use crate::model::{Object, PodSpec};
use crate::pss::{self, Detail, Levels, Out, PssControl, Versions};
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::NodeRef;

declare_rule! {
    /// ## What it flags
    /// A pod (or pod template) with `hostIPC: true`: it shares the node's IPC namespace.
    ///
    /// ## Why it matters
    /// With `hostIPC: true` the pod can read and write the shared memory and message queues of every process on the node. The Baseline Pod Security Standard forbids it.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   hostIPC: true
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
    pub HostIpc {
        id: "host-ipc",
        category: PodSecurity,
        severity: High,
        summary: "pod shares the host's IPC namespace",
        since: "0.1.0",
        pss: Baseline,
    }
}

impl Rule for HostIpc {
    fn check_pod(&self, _obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        pss::report(self, pod, cx);
    }
}

impl PssControl for HostIpc {
    fn check(&self, pod: &PodSpec<'_>, out: &mut Out) {
        if pod.node.get("hostIPC").and_then(NodeRef::as_bool) == Some(true) {
            out.flag(Levels::baseline(Versions::ALL), pod.at(["hostIPC"]).label("host IPC namespace shared here"), || {
                Detail::new(
                    "pod shares the host's IPC namespace (`hostIPC: true`); the Baseline level requires it unset or false",
                    "Remove `hostIPC: true`; share memory between containers of one pod with an `emptyDir` of medium `Memory` instead.",
                )
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::HostIpc;
    use crate::testing::RuleTest;

    #[test]
    fn host_ipc() {
        RuleTest::of(&HostIpc)
            .pass("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  hostIPC: false\n  containers: [{name: a, image: nginx:1.27}]\n")
            .pass("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  hostIPC: \"true\"\n  containers: [{name: a, image: nginx:1.27}]\n")
            .pass("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers: [{name: a, image: nginx:1.27}]\n")
            .fail("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  hostIPC: true   #~ host-ipc\n  containers: [{name: a, image: nginx:1.27}]\n")
            .fail("apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: a}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          hostIPC: yes   #~ host-ipc\n          containers: [{name: a, image: nginx:1.27}]\n")
            .snapshot();
    }
}
