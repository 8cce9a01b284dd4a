use crate::model::{World, describe_ns};
use crate::rule::{Rule, WorldContext, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A namespace with workloads in the input but no default-deny Egress policy: a
    /// NetworkPolicy with an empty `podSelector`, `Egress` in its `policyTypes` and no `egress`
    /// rules (a Cilium policy with an empty `endpointSelector` and `egress: [{}]`, or a Calico
    /// policy selecting `all()` whose egress rules only deny, counts too). The finding sits on
    /// the Namespace's `metadata.name` when the Namespace is in the input, else on the first
    /// workload of the namespace.
    ///
    /// ## Why it matters
    /// Per-workload egress policies restrict only the pods they select; a pod added later
    /// without one can connect anywhere: other namespaces, the internet, the cloud metadata
    /// endpoint. A default-deny Egress policy makes "no outbound connection" the default, so
    /// every allowed destination (DNS included) is written down.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: web, namespace: shop}
    /// spec:
    ///   template:
    ///     metadata: {labels: {app: web}}
    ///     spec:
    ///       containers: [{name: web, image: nginx:1.27}]
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata: {name: default-deny, namespace: shop}
    /// spec:
    ///   podSelector: {}
    ///   policyTypes: [Ingress]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: web, namespace: shop}
    /// spec:
    ///   template:
    ///     metadata: {labels: {app: web}}
    ///     spec:
    ///       containers: [{name: web, image: nginx:1.27}]
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata: {name: default-deny, namespace: shop}
    /// spec:
    ///   podSelector: {}
    ///   policyTypes: [Ingress, Egress]
    /// ```
    ///
    /// ## References
    /// - Kubernetes, "Network Policies", Default deny all egress traffic: <https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-deny-all-egress-traffic>
    /// - NSA/CISA Kubernetes Hardening Guide, "Network separation and hardening"
    pub NamespaceWithoutEgressDeny {
        id: "namespace-without-egress-deny",
        category: Network,
        severity: Low,
        summary: "namespace has no default-deny egress NetworkPolicy",
        since: "0.2.0",
    }
}

impl Rule for NamespaceWithoutEgressDeny {
    fn reads_world(&self) -> bool {
        true
    }

    fn check_world(&self, world: &World, cx: &mut WorldContext<'_>) {
        for (ns, index) in &world.index.namespaces {
            if index.workloads.is_empty() {
                continue;
            }
            let denied = world
                .policies_in(index)
                .any(|p| p.policy().is_some_and(|p| p.default_deny_egress()));
            if denied {
                continue;
            }
            let Some(site) = world.namespace_site(ns, index) else {
                continue;
            };
            let n = index.workloads.len();
            cx.report(self, site)
                .label("no default-deny egress policy")
                .message(format!(
                    "{} has {n} workload{} but no default-deny Egress NetworkPolicy (`podSelector: {{}}`, `policyTypes: [Egress]`, no egress rules): a pod no egress policy selects can connect anywhere",
                    describe_ns(ns),
                    if n == 1 { "" } else { "s" },
                ))
                .help("Add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Ingress, Egress]` and no rules, then allow DNS and each workload's destinations with its own policy.");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::NamespaceWithoutEgressDeny;
    use crate::testing::RuleTest;

    #[test]
    fn namespace_without_egress_deny() {
        RuleTest::of(&NamespaceWithoutEgressDeny)
            .pass(
                r##"apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec: {containers: [{name: web, image: nginx:1.27}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: edge}
spec:
  template:
    spec: {containers: [{name: web, image: nginx:1.27}]}
---
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: deny-egress}
spec:
  endpointSelector: {}
  egress: [{}]
"##,
            )
            .fail(
                r##"apiVersion: v1
kind: Namespace
metadata:
  name: shop   #~ namespace-without-egress-deny
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec: {containers: [{name: web, image: nginx:1.27}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-ingress, namespace: shop}
spec:
  podSelector: {}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-all-egress, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{}]
"##,
            )
            .snapshot();
    }
}
