use crate::model::{Object, RoleView, privilege_escalation, rule_item};
use crate::rule::{Context, Rule, Severity, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A rule of a Role or ClusterRole that lets its holder gain permissions it was not given:
    /// - `escalate` or `bind` on `roles`/`clusterroles`;
    /// - `impersonate` on `users`, `groups`, `serviceaccounts`, `uids` or `userextras`;
    /// - `create` on `serviceaccounts/token`;
    /// - `create`, `update`, `patch`, `delete` on roles, clusterroles and their bindings.
    ///
    /// `"*"` counts, matched as the API server does. A rule with `"*"` in verbs, resources and
    /// API groups is left to `rbac-wildcard`.
    ///
    /// ## Why it matters
    /// RBAC normally lets you grant only permissions you already hold. `escalate` and `bind`
    /// switch that check off; `impersonate` lets the holder act as anyone, including
    /// `system:masters` members; creating tokens for other service accounts borrows their
    /// permissions. Writing roles and bindings changes who may do what, limited only by the
    /// escalation check.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata: {name: ci}
    /// rules:
    /// - apiGroups: [rbac.authorization.k8s.io]
    ///   resources: [clusterroles]
    ///   verbs: [bind, escalate]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata: {name: ci}
    /// rules:
    /// - apiGroups: [rbac.authorization.k8s.io]
    ///   resources: [clusterroles]
    ///   verbs: [get, list]
    /// ```
    ///
    /// ## References
    /// - Kubernetes RBAC good practices, "Escalate verb", "Bind verb", "Impersonate verb", "Token request": <https://kubernetes.io/docs/concepts/security/rbac-good-practices/>
    /// - Kubernetes RBAC, "Privilege escalation prevention and bootstrapping": <https://kubernetes.io/docs/reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping>
    /// - Trivy KSV-0043, KSV-0050; Kubescape C-0065, C-0191
    pub RbacPrivilegeEscalation {
        id: "rbac-privilege-escalation",
        category: Rbac,
        severity: High,
        summary: "role rule allows privilege escalation",
        since: "0.1.0",
    }
}

/// Why the worst grant of the rule is dangerous.
fn reason(all: &[String]) -> &'static str {
    // Each grant reads `escalate, bind (`*`) on roles`: the verbs before ` on `.
    let verb = |w: &str| {
        all.iter().any(|a| {
            a.split(" on ")
                .next()
                .is_some_and(|v| v.split([',', ' ']).any(|t| t == w))
        })
    };
    if verb("escalate") || verb("bind") {
        "escalate and bind switch off RBAC's check that you may only grant permissions you already hold"
    } else if verb("impersonate") {
        "impersonation lets the holder act as other users, groups or service accounts"
    } else if all.iter().any(|a| a.contains("serviceaccounts/token")) {
        "creating service account tokens lets the holder borrow any service account's permissions in scope"
    } else {
        "writing roles and bindings changes who may do what (limited by RBAC's escalation check)"
    }
}

impl Rule for RbacPrivilegeEscalation {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        let Some(role) = RoleView::with_own_rules(obj) else {
            return;
        };
        let note = role.aggregation_note().unwrap_or_default();
        for (i, rule) in role.specific_rules() {
            let Some(hit) = privilege_escalation(rule) else {
                continue;
            };
            let label = if hit.severity == Severity::High {
                "grants privilege escalation"
            } else {
                "can rewrite RBAC"
            };
            cx.report(self, rule_item(obj, i, "verbs", hit.at.verb).label(label))
                .message(format!("{} allows {}: {}{note}", obj.describe(), hit.all.join("; "), reason(&hit.all)))
                .related(rule_item(obj, i, "resources", hit.at.resource), "on this resource")
                .help("Remove these verbs; let an administrator or a GitOps controller manage RBAC, and bind existing roles instead of granting `bind`/`escalate`.");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RbacPrivilegeEscalation;
    use crate::testing::RuleTest;

    #[test]
    fn rbac_privilege_escalation() {
        RuleTest::of(&RbacPrivilegeEscalation)
            .pass(
                r##"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ok}
rules:
- apiGroups: [rbac.authorization.k8s.io]
  resources: [roles, rolebindings, clusterroles, clusterrolebindings]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [serviceaccounts]
  verbs: [get, create]
- apiGroups: [""]
  resources: [roles]
  verbs: [bind]
"##,
            )
            .fail(
                r##"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ci}
rules:
- apiGroups: [rbac.authorization.k8s.io]
  resources: [clusterroles]
  verbs: [bind, escalate]   #~ rbac-privilege-escalation
- apiGroups: [""]
  resources: [users, groups, serviceaccounts]
  verbs: [impersonate]   #~ rbac-privilege-escalation
- apiGroups: [""]
  resources: [serviceaccounts/token]
  verbs: [create]   #~ rbac-privilege-escalation
- apiGroups: [rbac.authorization.k8s.io]
  resources: [rolebindings]
  verbs: [create, update]   #~ rbac-privilege-escalation
- apiGroups: ["*"]
  resources: ["*"]
  verbs: [impersonate]   #~ rbac-privilege-escalation
"##,
            )
            .snapshot();
    }
}
