use crate::model::{Object, describe_subjects};
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::NodeRef;

declare_rule! {
    /// ## What it flags
    /// A ClusterRoleBinding or RoleBinding whose `roleRef` is the ClusterRole `cluster-admin`.
    /// The bootstrap binding of the `system:masters` group is not reported.
    ///
    /// ## Why it matters
    /// `cluster-admin` allows every action on every resource. Through a ClusterRoleBinding
    /// the subjects own the whole cluster (critical); through a RoleBinding they own the
    /// namespace, including its secrets and RBAC (high). A compromised pod running as such a
    /// service account is a cluster takeover.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRoleBinding
    /// metadata: {name: ci-admin}
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
    /// subjects:
    /// - {kind: ServiceAccount, name: ci, namespace: ci}
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: RoleBinding
    /// metadata: {name: ci-deployer, namespace: shop}
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
    /// subjects:
    /// - {kind: ServiceAccount, name: ci, namespace: ci}
    /// ```
    ///
    /// ## References
    /// - Kubernetes RBAC, "User-facing roles": <https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles>
    /// - CIS Kubernetes Benchmark 5.1.1; kube-linter `cluster-admin-role-binding`; Trivy KSV-0111
    pub ClusterAdminBinding {
        id: "cluster-admin-binding",
        category: Rbac,
        severity: Critical,
        summary: "binding grants cluster-admin",
        since: "0.1.0",
    }
}

impl Rule for ClusterAdminBinding {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if obj.group() != "rbac.authorization.k8s.io"
            || !matches!(obj.kind, "ClusterRoleBinding" | "RoleBinding")
        {
            return;
        }
        let text = |k: &str| obj.get(&["roleRef", k]).and_then(NodeRef::text);
        if text("kind") != Some("ClusterRole") || text("name") != Some("cluster-admin") {
            return;
        }
        let subjects: Vec<NodeRef<'_>> = obj
            .node
            .get("subjects")
            .into_iter()
            .flat_map(NodeRef::items)
            .collect();
        let masters = |s: &NodeRef<'_>| {
            s.get("kind").and_then(NodeRef::text) == Some("Group")
                && s.get("name").and_then(NodeRef::text) == Some("system:masters")
        };
        if !subjects.is_empty() && subjects.iter().all(masters) {
            return;
        }
        let cluster = obj.kind == "ClusterRoleBinding";
        let scope = if cluster {
            "every action on every resource in the cluster".to_owned()
        } else {
            format!(
                "every action on every resource of namespace {}",
                obj.namespace
                    .map_or("(its namespace)".to_owned(), |n| format!("\"{n}\""))
            )
        };
        cx.report(self, obj.at(["roleRef", "name"]).value().label("cluster-admin"))
            .message(format!("{} grants cluster-admin to {}: {scope}", obj.describe(), describe_subjects(obj)))
            .help("Bind a role with only the permissions the subjects need (for a namespace, a RoleBinding to `edit` or `view`, or a dedicated Role).");
    }
}

#[cfg(test)]
mod tests {
    use super::ClusterAdminBinding;
    use crate::testing::RuleTest;

    #[test]
    fn cluster_admin_binding() {
        RuleTest::of(&ClusterAdminBinding)
            .pass(r##"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: cluster-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: Group, name: "system:masters"}
"##)
            .pass(r##"apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: view, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: ServiceAccount, name: app}
"##)
            .fail(r##"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ci-admin}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin   #~ cluster-admin-binding
subjects:
- {kind: ServiceAccount, name: ci, namespace: ci}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: team-admin, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}   #~ cluster-admin-binding
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: Group, name: shop-admins}
"##)
            .snapshot();
    }
}
