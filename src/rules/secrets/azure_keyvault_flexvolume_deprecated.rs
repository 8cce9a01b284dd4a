use crate::model::{Object, PodSpec};
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::{NodeRef, Seg};

declare_rule! {
    /// ## What it flags
    /// A pod volume `flexVolume` with `driver: azure/kv`: the Azure Key Vault FlexVolume driver.
    ///
    /// ## Why it matters
    /// kubernetes-keyvault-flexvol is deprecated and archived; FlexVolume itself is deprecated
    /// in Kubernetes and forbidden by the Restricted Pod Security Standard. It usually reads a
    /// service principal's client id and secret from a Secret (`secretRef`), a long-lived
    /// credential. The Secrets Store CSI driver with the Azure Key Vault provider replaces it
    /// and works with workload identity.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   containers:
    ///   - name: app
    ///     image: ghcr.io/acme/app:1.0
    ///     volumeMounts: [{name: kv, mountPath: /kvmnt, readOnly: true}]
    ///   volumes:
    ///   - name: kv
    ///     flexVolume:
    ///       driver: azure/kv
    ///       secretRef: {name: kvcreds}
    ///       options: {keyvaultname: myvault, keyvaultobjectnames: db-password, tenantid: 00000000-0000-0000-0000-000000000000}
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   containers:
    ///   - name: app
    ///     image: ghcr.io/acme/app:1.0
    ///     volumeMounts: [{name: kv, mountPath: /kvmnt, readOnly: true}]
    ///   volumes:
    ///   - name: kv
    ///     csi:
    ///       driver: secrets-store.csi.k8s.io
    ///       readOnly: true
    ///       volumeAttributes: {secretProviderClass: app-kv}
    /// ```
    ///
    /// ## References
    /// - Azure/kubernetes-keyvault-flexvol README (deprecated in favour of the Secrets Store CSI driver)
    /// - Azure/secrets-store-csi-driver-provider-azure
    /// - Pod Security Standards (Restricted): Volume Types
    pub AzureKeyvaultFlexvolumeDeprecated {
        id: "azure-keyvault-flexvolume-deprecated",
        category: Secrets,
        severity: Low,
        summary: "pod uses the deprecated Azure Key Vault FlexVolume driver",
        since: "0.1.0",
    }
}

impl Rule for AzureKeyvaultFlexvolumeDeprecated {
    fn check_pod(&self, obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        for (i, volume) in pod.volumes() {
            let driver = volume
                .path(&["flexVolume", "driver"])
                .and_then(NodeRef::as_str);
            if driver != Some("azure/kv") {
                continue;
            }
            let name = volume.get("name").and_then(NodeRef::as_str).unwrap_or("?");
            cx.report(self, pod.at([Seg::from("volumes"), Seg::from(i), Seg::from("flexVolume"), Seg::from("driver")]).label("deprecated Key Vault FlexVolume"))
                .message(format!("{} mounts volume `{name}` with the deprecated Azure Key Vault FlexVolume driver (`azure/kv`); migrate to the Secrets Store CSI driver", obj.describe()))
                .help("Create a SecretProviderClass (`provider: azure`) and mount it with `csi: {driver: secrets-store.csi.k8s.io, readOnly: true, volumeAttributes: {secretProviderClass: <name>}}`, using workload identity instead of a service principal secret.");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AzureKeyvaultFlexvolumeDeprecated;
    use crate::testing::RuleTest;

    #[test]
    fn azure_keyvault_flexvolume_deprecated() {
        RuleTest::of(&AzureKeyvaultFlexvolumeDeprecated)
            .pass("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: a, image: x:1}]\n  volumes:\n  - {name: v, csi: {driver: secrets-store.csi.k8s.io}}\n  - {name: w, flexVolume: {driver: example/lvm}}\n")
            .fail("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers: [{name: a, image: x:1}]\n      volumes:\n      - name: kv\n        flexVolume:\n          driver: azure/kv   #~ azure-keyvault-flexvolume-deprecated\n")
            .snapshot();
    }
}
