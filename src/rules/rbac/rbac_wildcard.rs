use crate::model::{
    Object, PolicyRule, RoleView, pod_exec, privilege_escalation, rule_item, secrets_access,
    wildcards, workload_create,
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
    /// `impersonate`. The message spells out what the rule grants (`every verb on
    /// deployments of API group apps`), the dangerous permissions that includes (`list on
    /// secrets`, `create on pods/exec`, `create on pods`), and when the wildcards are limited to
    /// the read-only metrics APIs (`metrics.k8s.io`,
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

/// What a rule grants, in words: `every verb on deployments of API group apps`.
fn grants(rule: &PolicyRule) -> String {
    let star = |l: &[String]| l.iter().any(|s| s == "*");
    let list = |l: &[String]| {
        let mut v: Vec<String> = l.iter().take(4).map(|s| format!("`{s}`")).collect();
        if l.len() > 4 {
            v.push(format!("{} more", l.len() - 4));
        }
        v.join(", ")
    };
    let verbs = if star(&rule.verbs) {
        "every verb (delete, escalate, impersonate included)".to_owned()
    } else {
        list(&rule.verbs)
    };
    let resources = if star(&rule.resources) {
        "every resource and subresource".to_owned()
    } else {
        list(&rule.resources)
    };
    let groups = if star(&rule.api_groups) {
        "of every API group, CRDs included".to_owned()
    } else if rule.api_groups.iter().all(String::is_empty) {
        "of the core API group".to_owned()
    } else {
        let names: Vec<String> = rule
            .api_groups
            .iter()
            .map(|g| {
                if g.is_empty() {
                    "core".to_owned()
                } else {
                    g.clone()
                }
            })
            .collect();
        format!(
            "of API group{} {}",
            if names.len() == 1 { "" } else { "s" },
            list(&names)
        )
    };
    format!("{verbs} on {resources} {groups}")
}

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
            let reaches: Vec<String> = [
                secrets_access(rule, role.cluster),
                privilege_escalation(rule),
                pod_exec(rule),
                workload_create(rule),
            ]
            .into_iter()
            .flatten()
            .flat_map(|h| h.all)
            .collect();
            let dangerous = !reaches.is_empty();
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
                    format!(", which includes {}", reaches.join("; "))
                } else if read_only {
                    " (a read-only metrics API: only get, list and watch exist there)".to_owned()
                } else {
                    String::new()
                };
                format!(
                    "{} rule #{} grants {} (`*` in {}){reach}; a wildcard also grants whatever future releases and CRDs add{note}",
                    obj.describe(),
                    i + 1,
                    grants(rule),
                    axes.join(" and "),
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
