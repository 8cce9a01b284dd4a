use crate::model::{World, describe_ns};
use crate::rule::{Rule, WorldContext, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A namespace with workloads in the input but no ResourceQuota. The finding sits on the
    /// Namespace's `metadata.name` when the Namespace is in the input, else on the first
    /// workload of the namespace. Objects with no namespace (and none from the kustomizations,
    /// Argo CD Application or Flux Kustomization that apply them) count as one namespace per
    /// directory (per release for committed Helm output).
    ///
    /// ## Why it matters
    /// Without a quota, one namespace can exhaust the cluster's CPU, memory, pods or load
    /// balancers, whether by a bug, a runaway autoscaler or an attacker; limits on containers
    /// alone do not cap the number of pods.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata: {name: shop}
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: web, namespace: shop}
    /// spec:
    ///   template:
    ///     spec:
    ///       containers: [{name: web, image: nginx:1.27}]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata: {name: shop}
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: web, namespace: shop}
    /// spec:
    ///   template:
    ///     spec:
    ///       containers: [{name: web, image: nginx:1.27}]
    /// ---
    /// apiVersion: v1
    /// kind: ResourceQuota
    /// metadata: {name: quota, namespace: shop}
    /// spec:
    ///   hard: {requests.cpu: "8", requests.memory: 16Gi, limits.memory: 32Gi, pods: "50"}
    /// ```
    ///
    /// ## References
    /// - Kubernetes, "Resource Quotas": <https://kubernetes.io/docs/concepts/policy/resource-quotas/>
    /// - CIS Kubernetes Benchmark 5.7 (namespace boundaries)
    pub NamespaceWithoutResourceQuota {
        id: "namespace-without-resource-quota",
        category: Workload,
        severity: Low,
        summary: "namespace has no ResourceQuota",
        since: "0.1.0",
    }
}

impl Rule for NamespaceWithoutResourceQuota {
    fn reads_world(&self) -> bool {
        true
    }

    fn check_world(&self, world: &World, cx: &mut WorldContext<'_>) {
        for (ns, index) in &world.index.namespaces {
            if index.workloads.is_empty() || !index.quotas.is_empty() {
                continue;
            }
            let Some(site) = world.namespace_site(ns, index) else {
                continue;
            };
            let n = index.workloads.len();
            cx.report(self, site)
                .label("no ResourceQuota")
                .message(format!(
                    "{} has {n} workload{} but no ResourceQuota limiting its total CPU, memory and object counts",
                    describe_ns(ns),
                    if n == 1 { "" } else { "s" }
                ))
                .help("Add a ResourceQuota to the namespace with `hard:` limits for `requests.cpu`, `requests.memory`, `limits.memory` and `pods`.");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::NamespaceWithoutResourceQuota;
    use crate::testing::RuleTest;

    #[test]
    fn namespace_without_resource_quota() {
        RuleTest::of(&NamespaceWithoutResourceQuota)
            .pass(
                r##"apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec: {containers: [{name: web, image: nginx:1.27}]}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: quota, namespace: shop}
spec: {hard: {pods: "20"}}
"##,
            )
            .fail(
                r##"apiVersion: v1
kind: Namespace
metadata: {name: shop}   #~ namespace-without-resource-quota
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec: {containers: [{name: web, image: nginx:1.27}]}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: quota, namespace: other}
spec: {hard: {pods: "20"}}
"##,
            )
            .snapshot();
    }
}
