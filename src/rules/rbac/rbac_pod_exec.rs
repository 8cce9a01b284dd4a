use crate::model::{Object, RoleView, pod_exec, rule_item};
use crate::rule::{Context, Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A rule of a Role or ClusterRole that allows `create` on `pods/exec` or `pods/attach`,
    /// `patch`/`update` on `pods/ephemeralcontainers`, or `get`/`create` on `nodes/proxy`,
    /// directly or through `"*"` and `"*/exec"` (matched as the API server does; `pods/*` is a
    /// literal and matches nothing). `get` on `pods/exec` counts: WebSocket clients open exec
    /// sessions with it. A rule with `"*"` in
    /// verbs, resources and API groups is left to `rbac-wildcard`.
    ///
    /// ## Why it matters
    /// Exec and attach run commands inside any pod in scope, with its service account token,
    /// its mounted secrets and its network position. Writing `pods/ephemeralcontainers` does
    /// the same another way: it adds a container with any image and command to a running pod
    /// (what `kubectl debug` does), sharing its namespaces and volumes. `nodes/proxy` reaches the kubelet API
    /// directly, which can exec into every pod on the node, and bypasses audit logging and
    /// admission control.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: Role
    /// metadata: {name: debug, namespace: shop}
    /// rules:
    /// - apiGroups: [""]
    ///   resources: [pods, pods/exec]
    ///   verbs: [get, create]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: Role
    /// metadata: {name: debug, namespace: shop}
    /// rules:
    /// - apiGroups: [""]
    ///   resources: [pods, pods/log]
    ///   verbs: [get]
    /// ```
    ///
    /// ## References
    /// - Kubernetes RBAC good practices, "Access to proxy subresource of Nodes": <https://kubernetes.io/docs/concepts/security/rbac-good-practices/>
    /// - Trivy KSV-0053 (exec), KSV-0047 (nodes/proxy); Kubescape C-0002
    pub RbacPodExec {
        id: "rbac-pod-exec",
        category: Rbac,
        severity: High,
        summary: "role rule allows exec into pods or the kubelet proxy",
        since: "0.1.0",
    }
}

impl Rule for RbacPodExec {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        let Some(role) = RoleView::with_own_rules(obj) else {
            return;
        };
        let note = role.aggregation_note().unwrap_or_default();
        for (i, rule) in role.specific_rules() {
            let Some(hit) = pod_exec(rule) else { continue };
            let proxy = hit.all.iter().any(|a| a.ends_with("nodes/proxy"));
            let debug = hit
                .all
                .iter()
                .any(|a| a.ends_with("pods/ephemeralcontainers"));
            let why = if proxy {
                "nodes/proxy reaches the kubelet API, which runs commands in every pod of a node and bypasses audit and admission"
            } else if debug {
                "the holder can add a container with any image and command to any running pod in scope (`kubectl debug`) and use its token and secrets"
            } else {
                "the holder can run commands in any pod in scope and use its token and secrets"
            };
            cx.report(self, rule_item(obj, i, "verbs", hit.at.verb).label("allows running commands in pods"))
                .message(format!("{} allows {}: {why}{note}", obj.describe(), hit.all.join("; ")))
                .related(rule_item(obj, i, "resources", hit.at.resource), "on this subresource")
                .help("Remove exec, attach, ephemeral-container and nodes/proxy access; use `kubectl logs` (`pods/log`) or ephemeral debug containers granted just in time.");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RbacPodExec;
    use crate::testing::RuleTest;

    #[test]
    fn rbac_pod_exec() {
        RuleTest::of(&RbacPodExec)
            .pass(
                r##"apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: ok, namespace: shop}
rules:
- apiGroups: [""]
  resources: [pods, pods/log, "pods/*"]
  verbs: [get, list, create]
- apiGroups: [""]
  resources: [nodes/stats, nodes/metrics, pods/ephemeralcontainers]
  verbs: [get]
"##,
            )
            .fail(
                r##"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: debug}
rules:
- apiGroups: [""]
  resources: [pods, pods/exec]
  verbs: [get, create]   #~ rbac-pod-exec
- apiGroups: [""]
  resources: ["*/attach"]
  verbs: ["*"]   #~ rbac-pod-exec
- apiGroups: [""]
  resources: [nodes/proxy]
  verbs: [get]   #~ rbac-pod-exec
- apiGroups: [""]
  resources: [pods/exec]
  verbs: [get]   #~ rbac-pod-exec
- apiGroups: [""]
  resources: [pods/ephemeralcontainers]
  verbs: [get, patch]   #~ rbac-pod-exec
"##,
            )
            .snapshot();
    }
}
