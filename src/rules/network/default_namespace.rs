use crate::model::Object;
use crate::rule::{Context, Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A workload (an object with a pod template) that sets `metadata.namespace: default`.
    ///
    /// ## Why it matters
    /// The `default` namespace is shared by everything that forgot to choose one. Workloads
    /// there cannot get their own RBAC, quotas, NetworkPolicies or Pod Security level without
    /// affecting unrelated objects, and its `default` ServiceAccount is a common target of
    /// careless bindings.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: web, namespace: default}
    /// spec:
    ///   template:
    ///     spec:
    ///       containers: [{name: web, image: nginx:1.27}]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: web, namespace: shop}
    /// spec:
    ///   template:
    ///     spec:
    ///       containers: [{name: web, image: nginx:1.27}]
    /// ```
    ///
    /// ## References
    /// - CIS Kubernetes Benchmark 5.7.4 ("The default namespace should not be used")
    pub DefaultNamespace {
        id: "default-namespace",
        category: Workload,
        severity: Low,
        summary: "workload runs in the default namespace",
        since: "0.1.0",
    }
}

impl Rule for DefaultNamespace {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if obj.pod.is_none() || obj.namespace != Some("default") {
            return;
        }
        cx.report(self, obj.at(["metadata", "namespace"]).value().label("the shared default namespace"))
            .message(format!("{} is deployed to the `default` namespace", obj.describe()))
            .help("Deploy the workload to a namespace of its own, with its RBAC, quotas and NetworkPolicies.");
    }
}

#[cfg(test)]
mod tests {
    use super::DefaultNamespace;
    use crate::testing::RuleTest;

    #[test]
    fn default_namespace() {
        RuleTest::of(&DefaultNamespace)
            .pass("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: a, image: nginx:1.27}]}\n")
            .pass("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n")
            .fail("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  namespace: default   #~ default-namespace\nspec: {containers: [{name: a, image: nginx:1.27}]}\n")
            .snapshot();
    }
}
