use crate::model::{Object, RoleView, rule_item, secrets_access};
use crate::rule::{Context, Rule, Severity, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A rule of a Role or ClusterRole that allows `get`, `list` or `watch` on `secrets` in the
    /// core API group, directly or through `"*"` (matched as the API server does). A rule with
    /// `"*"` in verbs, resources and API groups is left to `rbac-wildcard`.
    ///
    /// ## Why it matters
    /// `list` and `watch` return the content of every secret in scope, not only their names:
    /// database passwords, TLS keys and service account tokens. A ClusterRole bound by a
    /// ClusterRoleBinding reads every secret in the cluster, so it is reported high; a Role (one
    /// namespace) is medium. `get` needs a secret's name and can be limited with
    /// `resourceNames` (low when it is).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata: {name: app-reader}
    /// rules:
    /// - apiGroups: [""]
    ///   resources: [configmaps, secrets]
    ///   verbs: [get, list, watch]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: Role
    /// metadata: {name: app-reader, namespace: shop}
    /// rules:
    /// - apiGroups: [""]
    ///   resources: [configmaps]
    ///   verbs: [get, list, watch]
    /// ```
    ///
    /// ## References
    /// - Kubernetes RBAC good practices, "Listing secrets": <https://kubernetes.io/docs/concepts/security/rbac-good-practices/#listing-secrets>
    /// - CIS Kubernetes Benchmark 5.1.2; kube-linter `access-to-secrets`; Trivy KSV-0041/KSV-0113
    pub RbacSecretsAccess {
        id: "rbac-secrets-access",
        category: Rbac,
        severity: High,
        summary: "role rule can read secrets",
        since: "0.1.0",
    }
}

impl Rule for RbacSecretsAccess {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        let Some(role) = RoleView::with_own_rules(obj) else {
            return;
        };
        let note = role.aggregation_note().unwrap_or_default();
        for (i, rule) in role.specific_rules() {
            let Some(hit) = secrets_access(rule, role.cluster) else {
                continue;
            };
            let bulk =
                hit.severity > Severity::Low && rule.verb("list").or(rule.verb("watch")).is_some();
            let what = &hit.all[0];
            let (message, label) = if bulk {
                let scope = if role.cluster {
                    "every secret in the cluster when bound by a ClusterRoleBinding, or in each namespace it is bound in"
                } else {
                    "every secret in its namespace"
                };
                (
                    format!(
                        "{} allows {what}: list and watch return the content of {scope}{note}",
                        obj.describe()
                    ),
                    "reads every secret in scope",
                )
            } else if rule.named() {
                (
                    format!(
                        "{} allows {what}, limited to {} named secret(s){note}",
                        obj.describe(),
                        rule.resource_names.len()
                    ),
                    "reads the named secrets",
                )
            } else {
                (
                    format!(
                        "{} allows {what} for any secret whose name the holder knows{note}",
                        obj.describe()
                    ),
                    "reads any secret by name",
                )
            };
            cx.report(self, rule_item(obj, i, "verbs", hit.at.verb).label(label))
                .message(message)
                .related(rule_item(obj, i, "resources", hit.at.resource), "on secrets")
                .help("Grant `get` on the secrets the workload needs with `resourceNames: [...]`, or mount them as volumes instead of reading them through the API.");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RbacSecretsAccess;
    use crate::testing::RuleTest;

    #[test]
    fn rbac_secrets_access() {
        RuleTest::of(&RbacSecretsAccess)
            .pass(
                r##"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ok}
rules:
- apiGroups: [""]
  resources: [configmaps, pods]
  verbs: [get, list, watch]
- apiGroups: [example.com]
  resources: [secrets]
  verbs: [list]
- apiGroups: [""]
  resources: [secrets]
  verbs: [create, delete]
- apiGroups: ["*"]
  resources: ["*"]
  verbs: ["*"]
"##,
            )
            .fail(
                r##"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules:
- apiGroups: [""]
  resources: [configmaps, secrets]
  verbs: [get, list, watch]   #~ rbac-secrets-access
- apiGroups: [""]
  resources: [secrets]
  resourceNames: [tls-cert]
  verbs: [get]   #~ rbac-secrets-access
- apiGroups: ["*"]
  resources: ["*"]
  verbs: [get]   #~ rbac-secrets-access
"##,
            )
            .fail(
                r##"apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: operator, namespace: shop}
rules:
- apiGroups: [""]
  resources:
  - secrets
  verbs:
  - "*"   #~ rbac-secrets-access
"##,
            )
            .snapshot();
    }
}
