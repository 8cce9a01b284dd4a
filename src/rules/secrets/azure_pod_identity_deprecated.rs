use crate::model::{Object, PodSpec};
use crate::rule::{Context, Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A pod (or pod template) labelled `aadpodidbinding`: it uses Azure AD Pod Identity.
    ///
    /// ## Why it matters
    /// AAD Pod Identity is deprecated and no longer maintained; Microsoft Entra Workload ID
    /// replaces it. Pod Identity's NMI daemon intercepts every pod's traffic to the instance
    /// metadata endpoint on the node, so a bug or misconfiguration there hands out identities
    /// across pods; workload identity uses projected service-account tokens instead.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: api}
    /// spec:
    ///   template:
    ///     metadata:
    ///       labels: {app: api, aadpodidbinding: api-identity}
    ///     spec:
    ///       containers:
    ///       - {name: api, image: ghcr.io/acme/api:1.4.2}
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: api}
    /// spec:
    ///   template:
    ///     metadata:
    ///       labels: {app: api, azure.workload.identity/use: "true"}
    ///     spec:
    ///       serviceAccountName: api
    ///       containers:
    ///       - {name: api, image: ghcr.io/acme/api:1.4.2}
    /// ```
    ///
    /// ## References
    /// - Microsoft Learn, "Migrate from pod managed-identity to workload identity" (AKS)
    /// - Azure Workload Identity docs: `azure.workload.identity/use` label and
    ///   `azure.workload.identity/client-id` ServiceAccount annotation
    pub AzurePodIdentityDeprecated {
        id: "azure-pod-identity-deprecated",
        category: Secrets,
        severity: Low,
        summary: "pod uses deprecated Azure AD Pod Identity",
        since: "0.1.0",
    }
}

impl Rule for AzurePodIdentityDeprecated {
    fn check_pod(&self, obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        if !pod.labels().any(|(k, _)| k == "aadpodidbinding") {
            return;
        }
        cx.report(self, pod.meta_at(["labels", "aadpodidbinding"]).label("AAD Pod Identity binding"))
            .message(format!("{} uses Azure AD Pod Identity (label `aadpodidbinding`), which is deprecated; migrate to Microsoft Entra Workload ID", obj.describe()))
            .help("Replace the label with `azure.workload.identity/use: \"true\"`, run the pod under a ServiceAccount annotated `azure.workload.identity/client-id: <client id>`, and federate that identity with the ServiceAccount.");
    }
}

#[cfg(test)]
mod tests {
    use super::AzurePodIdentityDeprecated;
    use crate::testing::RuleTest;

    #[test]
    fn azure_pod_identity_deprecated() {
        RuleTest::of(&AzurePodIdentityDeprecated)
            .pass("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels: {azure.workload.identity/use: \"true\"}\nspec:\n  containers: [{name: a, image: x:1}]\n")
            .pass("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n  labels: {aadpodidbinding: x}\nspec:\n  template:\n    spec:\n      containers: [{name: a, image: x:1}]\n")
            .fail("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels:\n    aadpodidbinding: my-id   #~ azure-pod-identity-deprecated\nspec:\n  containers: [{name: a, image: x:1}]\n")
            .snapshot();
    }
}
