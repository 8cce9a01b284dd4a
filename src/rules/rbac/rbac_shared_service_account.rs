use crate::model::Object;
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::{NodeRef, Seg};

declare_rule! {
    /// ## What it flags
    /// A RoleBinding or ClusterRoleBinding whose subject is an account many pods share: the
    /// group `system:serviceaccounts` (every ServiceAccount of the cluster),
    /// `system:serviceaccounts:<ns>` (every ServiceAccount of a namespace), or a namespace's
    /// `default` ServiceAccount (every pod of the namespace that names no other). Both `kind` and
    /// `name` must match; the discovery roles every account already holds
    /// (`system:service-account-issuer-discovery`, `system:discovery`, `system:basic-user`,
    /// `system:public-info-viewer`) are not reported. What the role allows is reported by the
    /// other RBAC rules; this one is about whom it reaches.
    ///
    /// ## Why it matters
    /// A permission given to a shared account is given to every workload that runs as it,
    /// including the ones added later by someone else, and to anyone who takes over any of them.
    /// Least privilege needs one ServiceAccount per workload, bound to what that workload uses.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: RoleBinding
    /// metadata: {name: read-pods, namespace: shop}
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
    /// subjects:
    /// - {kind: ServiceAccount, name: default, namespace: shop}
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: RoleBinding
    /// metadata: {name: read-pods, namespace: shop}
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
    /// subjects:
    /// - {kind: ServiceAccount, name: pod-watcher, namespace: shop}
    /// ```
    ///
    /// ## References
    /// - Kubernetes RBAC good practices, "Least privilege": <https://kubernetes.io/docs/concepts/security/rbac-good-practices/#least-privilege>
    /// - Kubernetes, "Service account permissions": <https://kubernetes.io/docs/reference/access-authn-authz/rbac/#service-account-permissions>
    /// - checkov CKV_K8S_42
    pub RbacSharedServiceAccount {
        id: "rbac-shared-service-account",
        category: Rbac,
        severity: Medium,
        summary: "binding grants a role to an account many pods share",
        since: "0.2.0",
    }
}

const HARMLESS: &[&str] = &[
    "system:service-account-issuer-discovery",
    "system:basic-user",
    "system:discovery",
    "system:public-info-viewer",
];

impl Rule for RbacSharedServiceAccount {
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
        if HARMLESS.contains(&role) {
            return;
        }
        let role_kind = obj
            .get(&["roleRef", "kind"])
            .and_then(NodeRef::text)
            .unwrap_or("role");
        let scope = if obj.kind == "ClusterRoleBinding" {
            "in every namespace".to_owned()
        } else {
            obj.namespace
                .map_or("in the binding's namespace".to_owned(), |n| {
                    format!("in namespace \"{n}\"")
                })
        };
        for (i, s) in obj
            .node
            .get("subjects")
            .into_iter()
            .flat_map(NodeRef::items)
            .enumerate()
        {
            let kind = s.get("kind").and_then(NodeRef::text);
            let Some(name) = s.get("name").and_then(NodeRef::text) else {
                continue;
            };
            let who = match kind {
                Some("Group") if name == "system:serviceaccounts" => {
                    "every ServiceAccount of the cluster, so every pod".to_owned()
                }
                Some("Group") => match name.strip_prefix("system:serviceaccounts:") {
                    Some(ns) if !ns.is_empty() => {
                        format!("every ServiceAccount of namespace \"{ns}\", so every pod there")
                    }
                    _ => continue,
                },
                Some("ServiceAccount") if name == "default" => {
                    let ns = s.get("namespace").and_then(NodeRef::text).or(obj.namespace);
                    match ns {
                        Some(ns) => format!("the `default` ServiceAccount of namespace \"{ns}\", so every pod there that names no `serviceAccountName`"),
                        None => "a namespace's `default` ServiceAccount, so every pod there that names no `serviceAccountName`".to_owned(),
                    }
                }
                _ => continue,
            };
            cx.report(
                self,
                obj.at([Seg::from("subjects"), Seg::from(i), Seg::from("name")])
                    .value()
                    .label("account shared by many pods"),
            )
            .message(format!(
                "{} grants {role_kind} \"{role}\" {scope} to {who}",
                obj.describe()
            ))
            .help("Create a ServiceAccount for the workload that needs the role, set it as the pod's `serviceAccountName`, and bind the role to that account only.");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RbacSharedServiceAccount;
    use crate::testing::RuleTest;

    #[test]
    fn rbac_shared_service_account() {
        RuleTest::of(&RbacSharedServiceAccount)
            .pass(
                r##"apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: read-pods, namespace: whoa}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
subjects:
- {kind: ServiceAccount, name: supercool, namespace: whoa}
- {kind: User, name: default}
- {kind: Group, name: "system:serviceaccounts-ish"}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "system:service-account-issuer-discovery"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:service-account-issuer-discovery"}
subjects:
- {kind: Group, name: "system:serviceaccounts"}
"##,
            )
            .fail(
                r##"apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: read-pods, namespace: whoa}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
subjects:
- kind: ServiceAccount
  name: default   #~ rbac-shared-service-account
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: all-sa-edit}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects:
- kind: Group
  name: "system:serviceaccounts"   #~ rbac-shared-service-account
- kind: Group
  name: "system:serviceaccounts:ci"   #~ rbac-shared-service-account
"##,
            )
            .snapshot();
    }
}
