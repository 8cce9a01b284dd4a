use crate::model::Object;
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::{NodeRef, Seg};

declare_rule! {
    /// ## What it flags
    /// A RoleBinding or ClusterRoleBinding subject of `kind: User`, other than the `system:`
    /// identities of cluster components (`system:anonymous` is `rbac-anonymous-subject`'s).
    ///
    /// ## Why it matters
    /// Access granted to individual people is hard to review and is forgotten when they change
    /// teams or leave. Binding roles to groups from the identity provider keeps membership in
    /// one place, audited and revocable.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: RoleBinding
    /// metadata: {name: alice-edit, namespace: shop}
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
    /// subjects:
    /// - {apiGroup: rbac.authorization.k8s.io, kind: User, name: alice@example.com}
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: RoleBinding
    /// metadata: {name: shop-devs-edit, namespace: shop}
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
    /// subjects:
    /// - {apiGroup: rbac.authorization.k8s.io, kind: Group, name: shop-developers}
    /// ```
    ///
    /// ## References
    /// - Kubernetes RBAC good practices, "Least privilege": <https://kubernetes.io/docs/concepts/security/rbac-good-practices/#least-privilege>
    pub RbacUserBinding {
        id: "rbac-user-binding",
        category: Rbac,
        severity: Low,
        summary: "binding grants a role to an individual user",
        since: "0.1.0",
    }
}

impl Rule for RbacUserBinding {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if obj.group() != "rbac.authorization.k8s.io"
            || !matches!(obj.kind, "ClusterRoleBinding" | "RoleBinding")
        {
            return;
        }
        let role = obj
            .get(&["roleRef", "name"])
            .and_then(NodeRef::text)
            .unwrap_or("?");
        for (i, s) in obj
            .node
            .get("subjects")
            .into_iter()
            .flat_map(NodeRef::items)
            .enumerate()
        {
            if s.get("kind").and_then(NodeRef::text) != Some("User") {
                continue;
            }
            let Some(name) = s.get("name").and_then(NodeRef::text) else {
                continue;
            };
            if name.starts_with("system:") {
                continue;
            }
            cx.report(self, obj.at([Seg::from("subjects"), Seg::from(i), Seg::from("kind")]).value().label("individual user"))
                .message(format!("{} grants \"{role}\" to the individual user \"{name}\" instead of a group", obj.describe()))
                .help("Bind the role to a group from your identity provider (`kind: Group`) and manage membership there.");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RbacUserBinding;
    use crate::testing::RuleTest;

    #[test]
    fn rbac_user_binding() {
        RuleTest::of(&RbacUserBinding)
            .pass(r##"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: kcm}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:kube-controller-manager"}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: "system:kube-controller-manager"}
- {apiGroup: rbac.authorization.k8s.io, kind: Group, name: devs}
"##)
            .fail(r##"apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-edit, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User   #~ rbac-user-binding
  name: alice@example.com
"##)
            .snapshot();
    }
}
