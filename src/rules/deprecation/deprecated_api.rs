use crate::model::Object;
use crate::rule::{Context, Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// An object whose `apiVersion` is no longer served by Kubernetes, for example
    /// `extensions/v1beta1` Deployments and Ingresses, `policy/v1beta1` PodSecurityPolicy,
    /// `batch/v1beta1` CronJob, `apps/v1beta1`/`v1beta2`, `networking.k8s.io/v1beta1` Ingress,
    /// `rbac.authorization.k8s.io/v1beta1`, `admissionregistration.k8s.io/v1beta1` webhooks,
    /// `apiextensions.k8s.io/v1beta1` CRDs, `storage.k8s.io/v1beta1` CSIDriver,
    /// `autoscaling/v2beta1`/`v2beta2` and `flowcontrol.apiserver.k8s.io/v1beta1`–`v1beta3`. The
    /// message names the release that removed it and the replacement.
    ///
    /// ## Why it matters
    /// The API server rejects objects of removed versions: the manifest fails to apply on
    /// an upgraded cluster, often in the middle of a rollout, and security objects
    /// (PodSecurityPolicy, NetworkPolicy, RBAC) silently stop existing in the new form.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: extensions/v1beta1
    /// kind: Ingress
    /// metadata: {name: web}
    /// spec:
    ///   backend: {serviceName: web, servicePort: 80}
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata: {name: web}
    /// spec:
    ///   defaultBackend: {service: {name: web, port: {number: 80}}}
    /// ```
    ///
    /// ## References
    /// - Kubernetes, "Deprecated API Migration Guide": <https://kubernetes.io/docs/reference/using-api/deprecation-guide/>
    pub DeprecatedApi {
        id: "deprecated-api",
        category: Deprecation,
        severity: High,
        summary: "object uses an API version removed from Kubernetes",
        since: "0.1.0",
    }
}

/// (apiVersion, kinds (empty: every kind), removed in, replacement).
const REMOVED: &[(&str, &[&str], &str, &str)] = &[
    (
        "extensions/v1beta1",
        &["Deployment", "DaemonSet", "ReplicaSet"],
        "v1.16",
        "apps/v1",
    ),
    (
        "extensions/v1beta1",
        &["NetworkPolicy"],
        "v1.16",
        "networking.k8s.io/v1",
    ),
    (
        "extensions/v1beta1",
        &["PodSecurityPolicy"],
        "v1.16",
        "Pod Security Admission (PodSecurityPolicy itself was removed in v1.25)",
    ),
    (
        "extensions/v1beta1",
        &["Ingress"],
        "v1.22",
        "networking.k8s.io/v1",
    ),
    ("apps/v1beta1", &[], "v1.16", "apps/v1"),
    ("apps/v1beta2", &[], "v1.16", "apps/v1"),
    (
        "networking.k8s.io/v1beta1",
        &["Ingress", "IngressClass"],
        "v1.22",
        "networking.k8s.io/v1",
    ),
    (
        "rbac.authorization.k8s.io/v1beta1",
        &[],
        "v1.22",
        "rbac.authorization.k8s.io/v1",
    ),
    (
        "rbac.authorization.k8s.io/v1alpha1",
        &[],
        "v1.22",
        "rbac.authorization.k8s.io/v1",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        &[
            "MutatingWebhookConfiguration",
            "ValidatingWebhookConfiguration",
        ],
        "v1.22",
        "admissionregistration.k8s.io/v1",
    ),
    (
        "apiextensions.k8s.io/v1beta1",
        &["CustomResourceDefinition"],
        "v1.22",
        "apiextensions.k8s.io/v1",
    ),
    (
        "apiregistration.k8s.io/v1beta1",
        &["APIService"],
        "v1.22",
        "apiregistration.k8s.io/v1",
    ),
    (
        "authentication.k8s.io/v1beta1",
        &["TokenReview"],
        "v1.22",
        "authentication.k8s.io/v1",
    ),
    (
        "authorization.k8s.io/v1beta1",
        &[],
        "v1.22",
        "authorization.k8s.io/v1",
    ),
    (
        "certificates.k8s.io/v1beta1",
        &["CertificateSigningRequest"],
        "v1.22",
        "certificates.k8s.io/v1",
    ),
    (
        "coordination.k8s.io/v1beta1",
        &["Lease"],
        "v1.22",
        "coordination.k8s.io/v1",
    ),
    (
        "scheduling.k8s.io/v1beta1",
        &["PriorityClass"],
        "v1.22",
        "scheduling.k8s.io/v1",
    ),
    (
        "scheduling.k8s.io/v1alpha1",
        &["PriorityClass"],
        "v1.22",
        "scheduling.k8s.io/v1",
    ),
    (
        "storage.k8s.io/v1beta1",
        &["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"],
        "v1.22",
        "storage.k8s.io/v1",
    ),
    (
        "storage.k8s.io/v1beta1",
        &["CSIStorageCapacity"],
        "v1.27",
        "storage.k8s.io/v1",
    ),
    ("batch/v1beta1", &["CronJob"], "v1.25", "batch/v1"),
    ("batch/v2alpha1", &["CronJob"], "v1.21", "batch/v1"),
    (
        "discovery.k8s.io/v1beta1",
        &["EndpointSlice"],
        "v1.25",
        "discovery.k8s.io/v1",
    ),
    (
        "events.k8s.io/v1beta1",
        &["Event"],
        "v1.25",
        "events.k8s.io/v1",
    ),
    (
        "autoscaling/v2beta1",
        &["HorizontalPodAutoscaler"],
        "v1.25",
        "autoscaling/v2",
    ),
    (
        "autoscaling/v2beta2",
        &["HorizontalPodAutoscaler"],
        "v1.26",
        "autoscaling/v2",
    ),
    (
        "policy/v1beta1",
        &["PodDisruptionBudget"],
        "v1.25",
        "policy/v1",
    ),
    (
        "policy/v1beta1",
        &["PodSecurityPolicy"],
        "v1.25",
        "Pod Security Admission (namespace labels `pod-security.kubernetes.io/enforce`); PodSecurityPolicy has no successor API",
    ),
    (
        "node.k8s.io/v1beta1",
        &["RuntimeClass"],
        "v1.25",
        "node.k8s.io/v1",
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta1",
        &["FlowSchema", "PriorityLevelConfiguration"],
        "v1.26",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta2",
        &["FlowSchema", "PriorityLevelConfiguration"],
        "v1.29",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta3",
        &["FlowSchema", "PriorityLevelConfiguration"],
        "v1.32",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
];

impl Rule for DeprecatedApi {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        let Some((_, _, removed, replacement)) = REMOVED.iter().find(|(v, kinds, _, _)| {
            *v == obj.api_version && (kinds.is_empty() || kinds.contains(&obj.kind))
        }) else {
            return;
        };
        let is_version = !replacement.contains(' ');
        let use_ = if is_version {
            format!("use `apiVersion: {replacement}`")
        } else {
            format!("use {replacement}")
        };
        let help = if is_version {
            format!(
                "Change `apiVersion` to `{replacement}` and update the fields that changed; `kubectl convert` can help."
            )
        } else {
            "Delete the object and enforce the same policy with Pod Security Admission namespace labels.".to_owned()
        };
        cx.report(
            self,
            obj.at(["apiVersion"])
                .value()
                .label(format!("removed in Kubernetes {removed}")),
        )
        .message(format!(
            "{} uses `{}`, which Kubernetes {removed} removed; {use_}",
            obj.describe(),
            obj.api_version
        ))
        .help(help);
    }
}

#[cfg(test)]
mod tests {
    use super::DeprecatedApi;
    use crate::testing::RuleTest;

    #[test]
    fn deprecated_api() {
        RuleTest::of(&DeprecatedApi)
            .pass("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a}\n")
            .pass("apiVersion: policy/v1beta1\nkind: Eviction\nmetadata: {name: a}\n")
            .pass("apiVersion: example.com/v1beta1\nkind: Deployment\nmetadata: {name: a}\n")
            .fail(concat!(
                "apiVersion: extensions/v1beta1   #~ deprecated-api\nkind: Ingress\nmetadata: {name: a}\n---\n",
                "apiVersion: policy/v1beta1   #~ deprecated-api\nkind: PodSecurityPolicy\nmetadata: {name: restricted}\n---\n",
                "apiVersion: rbac.authorization.k8s.io/v1beta1   #~ deprecated-api\nkind: ClusterRoleBinding\nmetadata: {name: b}\n---\n",
                "apiVersion: flowcontrol.apiserver.k8s.io/v1beta3   #~ deprecated-api\nkind: FlowSchema\nmetadata: {name: f}\n",
            ))
            .snapshot();
    }
}
