use crate::model::{Object, RoleView, Signers, csr_approval, rule_item, security_policy_write};
use crate::rule::{Context, Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A rule of a Role or ClusterRole that can change the cluster's security policy:
    /// - write (`create`, `update`, `patch`, `delete`, `deletecollection`) on validating or
    ///   mutating webhook configurations and admission policies;
    /// - write on NetworkPolicies (core, Cilium, Calico);
    /// - `update`/`patch` on `namespaces`, whose labels set Pod Security Admission levels;
    /// - approving certificate signing requests for a signer whose certificates the API server
    ///   accepts as client credentials: the API server's client signer (`approve` on `signers`
    ///   with no `resourceNames`, `kubernetes.io/*` or `kubernetes.io/kube-apiserver-client`) or
    ///   the kubelets' (`kubernetes.io/kube-apiserver-client-kubelet`). Approving takes both
    ///   `update` (or `patch`) on `certificatesigningrequests/approval` and `approve` on
    ///   `signers`, in rules of the same role; either half alone approves nothing and is not
    ///   reported.
    ///
    /// Approving only for other named signers (`kubernetes.io/kubelet-serving`, a custom
    /// signer) is `rbac-named-signer-approval` (medium). `"*"` counts. A rule with `"*"` in
    /// verbs, resources and API groups is left to `rbac-wildcard`.
    ///
    /// ## Why it matters
    /// Whoever can rewrite admission webhooks can read or mutate every object sent to the API
    /// server, or switch policy enforcement off. NetworkPolicy writes open the network;
    /// relabelling a namespace to `pod-security.kubernetes.io/enforce: privileged` switches Pod
    /// Security Admission off for it; approving CSRs for a client signer issues a login as any
    /// user, `system:masters` included (or as any node, which reads the Secrets of the pods
    /// scheduled to it).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata: {name: installer}
    /// rules:
    /// - apiGroups: [admissionregistration.k8s.io]
    ///   resources: [mutatingwebhookconfigurations]
    ///   verbs: [get, list, patch]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata: {name: installer}
    /// rules:
    /// - apiGroups: [admissionregistration.k8s.io]
    ///   resources: [mutatingwebhookconfigurations]
    ///   verbs: [get, list]
    /// ```
    ///
    /// ## References
    /// - Kubernetes RBAC good practices, "Control admission webhooks", "Namespace modification", "CSRs and certificate issuing": <https://kubernetes.io/docs/concepts/security/rbac-good-practices/>
    /// - Trivy KSV-0114; Kubescape C-0280, C-0281
    pub RbacSecurityPolicyWrite {
        id: "rbac-security-policy-write",
        category: Rbac,
        severity: High,
        summary: "role rule can rewrite admission, network or namespace security policy",
        since: "0.1.0",
    }
}

fn reason(all: &[String]) -> &'static str {
    let has = |w: &str| all.iter().any(|a| a.contains(w));
    if has("webhookconfigurations") || has("admissionpolic") {
        "admission webhooks and policies see or change every object sent to the API server"
    } else if has("networkpolicies") {
        "network policies decide which pods may talk to each other"
    } else {
        "namespace labels set the Pod Security Admission level"
    }
}

impl Rule for RbacSecurityPolicyWrite {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        let Some(role) = RoleView::with_own_rules(obj) else {
            return;
        };
        let note = role.aggregation_note().unwrap_or_default();
        for (i, rule) in role.specific_rules() {
            let Some(hit) = security_policy_write(rule) else {
                continue;
            };
            cx.report(self, rule_item(obj, i, "verbs", hit.at.verb).label("can rewrite security policy"))
                .message(format!("{} allows {}: {}{note}", obj.describe(), hit.all.join("; "), reason(&hit.all)))
                .related(rule_item(obj, i, "resources", hit.at.resource), "on this resource")
                .help("Grant read-only verbs (get, list, watch) and leave these writes to cluster administrators or the GitOps controller.");
        }
        if let Some((ai, approve, ui, update, signers)) =
            csr_approval(&role.specific_rules().collect::<Vec<_>>())
        {
            let signer = match signers {
                Signers::ApiServerClient => {
                    "client certificates the API server accepts as any user or group, `system:masters` included"
                }
                Signers::KubeletClient => {
                    "client certificates the API server accepts as any node (`system:node:<name>`), which reads the Secrets of the pods scheduled to it"
                }
                // Other named signers only: `rbac-named-signer-approval`.
                Signers::Named => return,
            };
            cx.report(self, rule_item(obj, ai, "verbs", approve.verb).label("can approve certificate requests"))
                .message(format!(
                    "{} allows {} with {}: together they approve certificate signing requests, which issues {signer}{note}",
                    obj.describe(),
                    approve.what,
                    update.what
                ))
                .related(rule_item(obj, ai, "resources", approve.resource), "on signers")
                .related(rule_item(obj, ui, "verbs", update.verb), "with the approval subresource")
                .help("Leave approving certificate requests to the controller that needs it, and name its signer in `resourceNames` (never `kubernetes.io/kube-apiserver-client`).");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RbacSecurityPolicyWrite;
    use crate::testing::RuleTest;

    #[test]
    fn rbac_security_policy_write() {
        RuleTest::of(&RbacSecurityPolicyWrite)
            .pass(
                r##"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ok}
rules:
- apiGroups: [admissionregistration.k8s.io, networking.k8s.io]
  resources: [validatingwebhookconfigurations, networkpolicies]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [namespaces]
  verbs: [get, create]
"##,
            )
            .fail(
                r##"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: installer}
rules:
- apiGroups: [admissionregistration.k8s.io]
  resources: [mutatingwebhookconfigurations, validatingwebhookconfigurations]
  verbs: [get, patch]   #~ rbac-security-policy-write
- apiGroups: [networking.k8s.io]
  resources: [networkpolicies]
  verbs: ["*"]   #~ rbac-security-policy-write
- apiGroups: [""]
  resources: [namespaces]
  verbs: [patch]   #~ rbac-security-policy-write
"##,
            )
            // Approval takes both halves; each alone approves nothing.
            .pass(
                r##"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: approve-only}
rules:
- apiGroups: ["*"]
  resources: ["*"]
  verbs: [approve]
- apiGroups: ["*"]
  resources: [pods]
  verbs: [update, patch, get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: update-only}
rules:
- apiGroups: [certificates.k8s.io]
  resources: [certificatesigningrequests/approval]
  verbs: [update]
"##,
            )
            .fail(
                r##"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: csr-approver}
rules:
- apiGroups: [certificates.k8s.io]
  resources: [certificatesigningrequests/approval]
  verbs: [update, get]
- apiGroups: [certificates.k8s.io]
  resources: [signers]
  verbs: [approve]   #~ rbac-security-policy-write
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: kubelet-serving-approver}
rules:
- apiGroups: [certificates.k8s.io]
  resources: ["*/approval"]
  verbs: [update]
- apiGroups: [certificates.k8s.io]
  resources: [signers]
  resourceNames: [kubernetes.io/kubelet-serving]
  verbs: [approve]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: node-client-approver}
rules:
- apiGroups: [certificates.k8s.io]
  resources: [certificatesigningrequests/approval]
  verbs: [patch]
- apiGroups: [certificates.k8s.io]
  resources: [signers]
  resourceNames: [example.com/metrics, kubernetes.io/kube-apiserver-client-kubelet]
  verbs: [approve]   #~ rbac-security-policy-write
"##,
            )
            .snapshot();
    }
}
