use crate::model::{Object, RoleView, Signers, csr_approval, rule_item};
use crate::rule::{Context, Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A Role or ClusterRole that can approve certificate signing requests only for the signers
    /// its `resourceNames` name, none of them a signer whose certificates the API server accepts
    /// as client credentials: `kubernetes.io/kubelet-serving`, or a custom signer
    /// (`example.com/metrics`, cert-manager's `issuers.cert-manager.io/…`). Approving takes both
    /// `update` (or `patch`) on `certificatesigningrequests/approval` and `approve` on `signers`
    /// in `certificates.k8s.io`, in rules of the same role; either half alone approves nothing
    /// and is not reported.
    ///
    /// A role that can approve for the API server's client signer (no `resourceNames`,
    /// `kubernetes.io/*`, `kubernetes.io/kube-apiserver-client`) or the kubelets' client signer
    /// (`kubernetes.io/kube-apiserver-client-kubelet`) is `rbac-security-policy-write` (high)
    /// instead: one role is reported by one of the two rules, never both.
    ///
    /// ## Why it matters
    /// An approved request is signed, and whatever trusts the signer trusts the certificate: a
    /// `kubelet-serving` certificate for any node name lets its holder pose as that node's kubelet
    /// to the API server (logs, exec and port-forward traffic go through it); a custom signer's
    /// certificate is a TLS identity in the mesh or the service that trusts it. The approver
    /// decides which names get signed, so it is the check on who gets those identities.
    ///
    /// Medium, not high: the certificates are not logins to the API server, so the role cannot
    /// mint a user, a group or a node with them, which is what the client-signer approvals of
    /// `rbac-security-policy-write` do. Approvers for one signer are common and legitimate
    /// (kubelet serving certificate approvers, cert-manager's approver-policy): the finding asks
    /// that the role be held by that controller alone.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata: {name: serving-cert-approver}
    /// rules:
    /// - apiGroups: [certificates.k8s.io]
    ///   resources: [certificatesigningrequests/approval]
    ///   verbs: [update]
    /// - apiGroups: [certificates.k8s.io]
    ///   resources: [signers]
    ///   resourceNames: [kubernetes.io/kubelet-serving]
    ///   verbs: [approve]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata: {name: serving-cert-viewer}
    /// rules:
    /// - apiGroups: [certificates.k8s.io]
    ///   resources: [certificatesigningrequests]
    ///   verbs: [get, list, watch]
    /// ```
    ///
    /// ## References
    /// - Kubernetes, "Certificates and Certificate Signing Requests" (signers, authorization): <https://kubernetes.io/docs/reference/access-authn-authz/certificate-signing-requests/>
    /// - Kubernetes RBAC good practices, "CSRs and certificate issuing": <https://kubernetes.io/docs/concepts/security/rbac-good-practices/>
    pub RbacNamedSignerApproval {
        id: "rbac-named-signer-approval",
        category: Rbac,
        severity: Medium,
        summary: "role can approve certificate requests for named, non-client signers",
        since: "0.2.0",
    }
}

impl Rule for RbacNamedSignerApproval {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        let Some(role) = RoleView::with_own_rules(obj) else {
            return;
        };
        let rules: Vec<_> = role.specific_rules().collect();
        // A client signer among them: `rbac-security-policy-write`.
        let Some((ai, approve, ui, update, Signers::Named)) = csr_approval(&rules) else {
            return;
        };
        let names: Vec<String> = rules
            .iter()
            .find(|(i, _)| *i == ai)
            .into_iter()
            .flat_map(|(_, r)| r.resource_names.iter().map(|n| format!("`{n}`")))
            .collect();
        let note = role.aggregation_note().unwrap_or_default();
        cx.report(self, rule_item(obj, ai, "verbs", approve.verb).label("can approve certificate requests"))
            .message(format!(
                "{} allows {} with {}: together they approve certificate signing requests for {}, so the holder decides who gets a certificate that whatever trusts those signers accepts{note}",
                obj.describe(),
                approve.what,
                update.what,
                names.join(", ")
            ))
            .related(rule_item(obj, ai, "resources", approve.resource), "on signers")
            .related(rule_item(obj, ui, "verbs", update.verb), "with the approval subresource")
            .help("Bind this role only to the controller that approves for these signers, and have it check each request's names before approving.");
    }
}

#[cfg(test)]
mod tests {
    use super::RbacNamedSignerApproval;
    use crate::testing::RuleTest;

    #[test]
    fn rbac_named_signer_approval() {
        RuleTest::of(&RbacNamedSignerApproval)
            // A client signer: `rbac-security-policy-write`; half the permission: nothing.
            .pass(
                r##"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: csr-approver}
rules:
- apiGroups: [certificates.k8s.io]
  resources: [certificatesigningrequests/approval]
  verbs: [update, get]
- apiGroups: [certificates.k8s.io]
  resources: [signers]
  resourceNames: [kubernetes.io/kubelet-serving]
  verbs: [approve]
- apiGroups: [certificates.k8s.io]
  resources: [signers]
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
  verbs: [approve]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: approve-only}
rules:
- apiGroups: [certificates.k8s.io]
  resources: [signers]
  resourceNames: [kubernetes.io/kubelet-serving]
  verbs: [approve]
"##,
            )
            .fail(
                r##"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: kubelet-serving-approver}
rules:
- apiGroups: [certificates.k8s.io]
  resources: ["*/approval"]
  verbs: [update]
- apiGroups: [certificates.k8s.io]
  resources: [signers]
  resourceNames: [kubernetes.io/kubelet-serving]
  verbs: [approve]   #~ rbac-named-signer-approval
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: cert-manager-approver}
rules:
- apiGroups: [certificates.k8s.io]
  resources: [certificatesigningrequests/approval]
  verbs: [patch, update]
- apiGroups: [certificates.k8s.io]
  resources: [signers]
  resourceNames: ["issuers.cert-manager.io/*", "clusterissuers.cert-manager.io/*"]
  verbs: ["*"]   #~ rbac-named-signer-approval
"##,
            )
            .snapshot();
    }
}
