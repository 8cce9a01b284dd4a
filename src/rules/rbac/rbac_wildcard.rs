use crate::model::{
    Object, RoleView, pod_exec, privilege_escalation, rule_item, secrets_access, wildcards,
};
use crate::rule::{Context, Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A rule of a Role or ClusterRole with `"*"` in `verbs`, `resources` or `apiGroups`. One
    /// finding per rule, on its first wildcard. A rule with `"*"` in all three grants every
    /// action on every resource, like `cluster-admin`; it is reported here only, not again by
    /// the other RBAC rules. ClusterRoles with an `aggregationRule` are skipped: the controller
    /// overwrites their `rules`.
    ///
    /// ## Why it matters
    /// A wildcard grants more than the author listed, including resources and verbs added by
    /// future Kubernetes releases and CRDs: `resources: ["*"]` covers every subresource too
    /// (`pods/exec`, `secrets`), and `verbs: ["*"]` includes `escalate`, `bind` and
    /// `impersonate`. The message says when the wildcard reaches secrets, exec or RBAC,
    /// and when it is limited to the read-only metrics APIs (`metrics.k8s.io`,
    /// `custom.metrics.k8s.io`, `external.metrics.k8s.io`).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata: {name: deployer}
    /// rules:
    /// - apiGroups: [apps]
    ///   resources: [deployments]
    ///   verbs: ["*"]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata: {name: deployer}
    /// rules:
    /// - apiGroups: [apps]
    ///   resources: [deployments]
    ///   verbs: [get, list, watch, update, patch]
    /// ```
    ///
    /// ## References
    /// - Kubernetes RBAC good practices, "Least privilege": <https://kubernetes.io/docs/concepts/security/rbac-good-practices/>
    /// - CIS Kubernetes Benchmark 5.1.3; kube-linter `wildcard-in-rules`; Trivy KSV-0044/0045/0046
    pub RbacWildcard {
        id: "rbac-wildcard",
        category: Rbac,
        severity: High,
        summary: "role rule grants a wildcard verb, resource or API group",
        since: "0.1.0",
    }
}

/// Aggregated APIs that serve only get/list/watch: a wildcard there grants little.
const READ_ONLY_GROUPS: &[&str] = &[
    "metrics.k8s.io",
    "custom.metrics.k8s.io",
    "external.metrics.k8s.io",
];

impl Rule for RbacWildcard {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        let Some(role) = RoleView::with_own_rules(obj) else {
            return;
        };
        let note = role.aggregation_note().unwrap_or_default();
        for (i, _, rule) in &role.rules {
            let stars = wildcards(rule);
            let Some(&(field, j)) = stars.first() else {
                continue;
            };
            let noun = |f: &str| match f {
                "verbs" => "verb",
                "resources" => "resource",
                _ => "API group",
            };
            let dangerous = secrets_access(rule, role.cluster).is_some()
                || privilege_escalation(rule).is_some()
                || pod_exec(rule).is_some();
            let message = if rule.is_full_wildcard() {
                format!(
                    "{} grants every verb on every resource in every API group, which is what cluster-admin grants{note}",
                    obj.describe()
                )
            } else {
                let axes: Vec<String> = stars.iter().map(|(f, _)| format!("`{f}`")).collect();
                let read_only = !rule.api_groups.is_empty()
                    && rule
                        .api_groups
                        .iter()
                        .all(|g| READ_ONLY_GROUPS.contains(&g.as_str()));
                let reach = if dangerous {
                    ", which reaches secrets, pod exec or RBAC itself"
                } else if read_only {
                    " (on a read-only metrics API)"
                } else {
                    ""
                };
                format!(
                    "{} uses `*` in {} of rule #{}{reach}; wildcards also grant whatever future releases and CRDs add{note}",
                    obj.describe(),
                    axes.join(" and "),
                    i + 1
                )
            };
            let d = cx.report(
                self,
                rule_item(obj, *i, field, j).label(format!("wildcard {}", noun(field))),
            );
            d.message(message)
                .help("List the verbs, resources and API groups the subject needs explicitly instead of `*`.");
            for &(f, k) in &stars[1..] {
                d.related(rule_item(obj, *i, f, k), format!("wildcard {}", noun(f)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RbacWildcard;
    use crate::testing::RuleTest;

    #[test]
    fn rbac_wildcard() {
        RuleTest::of(&RbacWildcard)
            .pass(
                r##"apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: shop}
rules:
- apiGroups: [""]
  resources: [pods, "pods/*"]
  verbs: [get, list]
- nonResourceURLs: ["/healthz"]
  verbs: [get]
"##,
            )
            .pass(
                r##"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: monitoring}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {rbac.example.com/aggregate-to-monitoring: "true"}
rules:
- apiGroups: ["*"]
  resources: ["*"]
  verbs: ["*"]
"##,
            )
            .fail(
                r##"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: god}
rules:
- apiGroups: ["*"]
  resources: ["*"]
  verbs: ["*"]   #~ rbac-wildcard
- apiGroups: [apps]
  resources: [deployments]
  verbs:
  - get
  - "*"   #~ rbac-wildcard
- apiGroups: ["*"]   #~ rbac-wildcard
  resources: [ingresses]
  verbs: [get]
- apiGroups: [""]
  resources: ["*"]   #~ rbac-wildcard
  verbs: [get, list]
- apiGroups: [metrics.k8s.io]
  resources: ["*"]
  verbs: ["*"]   #~ rbac-wildcard
"##,
            )
            .fail(
                r##"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: extra-view
  labels:
    rbac.authorization.k8s.io/aggregate-to-view: "true"
rules:
- apiGroups: [example.com]
  resources: ["*"]   #~ rbac-wildcard
  verbs: [get, list, watch]
"##,
            )
            .snapshot();
    }
}
