use crate::model::{Object, PodSpec};
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::{NodeRef, Seg};

declare_rule! {
    /// ## What it flags
    /// A pod or container that asks for the root group (GID 0): `runAsGroup: 0` in the pod's or
    /// a container's `securityContext`, `fsGroup: 0`, or `0` in `supplementalGroups`. Windows
    /// pods are skipped.
    ///
    /// ## Why it matters
    /// Running as a non-root user does not help much if the process keeps group root: files
    /// and devices of the image and of mounted volumes that are group-writable by root
    /// (often `/etc`, sockets, host mounts) stay writable, and `fsGroup: 0` makes every volume
    /// the pod mounts owned by group root. The root group is not needed to run as non-root;
    /// any other GID works.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   securityContext: {runAsUser: 10001, runAsGroup: 0, fsGroup: 0}
    ///   containers: [{name: web, image: example/web:1.0}]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   securityContext: {runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001}
    ///   containers: [{name: web, image: example/web:1.0}]
    /// ```
    ///
    /// ## References
    /// - Kubernetes, "Configure a Security Context for a Pod or Container": <https://kubernetes.io/docs/tasks/configure-pod-container/security-context/>
    pub RunAsRootGroup {
        id: "run-as-root-group",
        category: PodSecurity,
        severity: Low,
        summary: "pod or container runs with the root group (GID 0)",
        since: "0.2.0",
    }
}

fn zero(n: Option<NodeRef<'_>>) -> bool {
    n.and_then(NodeRef::as_i64) == Some(0)
}

impl Rule for RunAsRootGroup {
    fn check_pod(&self, _obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        if pod.is_windows() {
            return;
        }
        for key in ["runAsGroup", "fsGroup"] {
            if zero(pod.sc(key)) {
                let what = if key == "fsGroup" {
                    "every volume of the pod is owned by group root"
                } else {
                    "its containers run with group root unless they set another"
                };
                cx.report(
                    self,
                    pod.at(["securityContext", key])
                        .value()
                        .label("group 0 (root)"),
                )
                .message(format!("pod sets `{key}: 0`: {what}"))
                .help(format!("Set `{key}` to a non-zero GID (e.g. 10001)."));
            }
        }
        if let Some(groups) = pod.sc("supplementalGroups") {
            for (i, g) in groups.items().enumerate() {
                if zero(Some(g)) {
                    let at = pod.at([
                        Seg::from("securityContext"),
                        Seg::from("supplementalGroups"),
                        Seg::from(i),
                    ]);
                    cx.report(self, at.value().label("group 0 (root)"))
                        .message("pod adds group root (0) to `supplementalGroups`: every process of the pod is a member of group root")
                        .help("Remove 0 from `supplementalGroups`.");
                }
            }
        }
        for c in &pod.containers {
            if zero(c.sc("runAsGroup")) {
                cx.report(
                    self,
                    c.at(["securityContext", "runAsGroup"])
                        .value()
                        .label("group 0 (root)"),
                )
                .message(format!(
                    "{} sets `runAsGroup: 0`: it runs with group root",
                    c.describe()
                ))
                .help("Set `runAsGroup` to a non-zero GID (e.g. 10001).");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RunAsRootGroup;
    use crate::testing::RuleTest;

    #[test]
    fn run_as_root_group() {
        RuleTest::of(&RunAsRootGroup)
            .pass("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext: {runAsGroup: 1000, fsGroup: 2000, supplementalGroups: [3000]}\n  containers: [{name: a, image: app:1, securityContext: {runAsGroup: 10}}]\n")
            .pass("apiVersion: v1\nkind: Pod\nmetadata: {name: w}\nspec:\n  os: {name: windows}\n  securityContext: {runAsGroup: 0}\n  containers: [{name: a, image: app:1}]\n")
            .fail(
                r##"apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      securityContext:
        runAsUser: 1000
        runAsGroup: 0   #~ run-as-root-group
        fsGroup: 0   #~ run-as-root-group
        supplementalGroups:
        - 0   #~ run-as-root-group
      containers:
      - name: web
        image: example/web:1.0
        securityContext:
          runAsGroup: 0   #~ run-as-root-group
"##,
            )
            .snapshot();
    }
}
