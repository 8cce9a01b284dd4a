use crate::model::{Facts, World, describe_ns};
use crate::rule::{Rule, WorldContext, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A namespace with workloads in the input but no default-deny Ingress policy: a
    /// NetworkPolicy with an empty `podSelector`, `Ingress` in its effective `policyTypes` and
    /// no `ingress` rules (a Cilium policy with an empty `endpointSelector` and `ingress: [{}]`,
    /// or a Calico policy selecting `all()` with no ingress rules, counts too). The message
    /// says whether Egress is denied by default. The finding sits on the Namespace's
    /// `metadata.name` when the Namespace is in the input, else on the first workload of the
    /// namespace.
    ///
    /// ## Why it matters
    /// Per-workload policies protect only the pods they select; a pod added later without a
    /// matching policy is open to the whole cluster. A default-deny policy makes isolation the
    /// default, so every allowed flow must be written down.
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
    ///     metadata: {labels: {app: web}}
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
    /// - Kubernetes, "Network Policies", Default policies: <https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies>
    pub NamespaceWithoutDefaultDeny {
        id: "namespace-without-default-deny",
        category: Network,
        severity: Medium,
        summary: "namespace has no default-deny ingress NetworkPolicy",
        since: "0.1.0",
    }
}

impl Rule for NamespaceWithoutDefaultDeny {
    fn reads_world(&self) -> bool {
        true
    }

    fn check_world(&self, world: &World, cx: &mut WorldContext<'_>) {
        for (ns, index) in &world.index.namespaces {
            if index.workloads.is_empty() {
                continue;
            }
            let policies: Vec<&Facts> = world.policies_in(index).collect();
            let deny_in = policies
                .iter()
                .find(|p| p.policy().is_some_and(|p| p.default_deny_ingress()));
            if deny_in.is_some() {
                continue;
            }
            let deny_out = policies
                .iter()
                .find(|p| p.policy().is_some_and(|p| p.default_deny_egress()));
            let Some(site) = world.namespace_site(ns, index) else {
                continue;
            };
            let egress = match deny_out {
                Some(p) => format!("Egress is denied by default ({})", p.describe()),
                None => "Egress is not denied by default either".to_owned(),
            };
            let n = index.workloads.len();
            let d = cx.report(self, site);
            d.label("no default-deny ingress policy")
                .message(format!(
                    "{} has {n} workload{} but no default-deny Ingress NetworkPolicy (`podSelector: {{}}` with no ingress rules); {egress}",
                    describe_ns(ns),
                    if n == 1 { "" } else { "s" },
                ))
                .help("Add a NetworkPolicy with `podSelector: {}`, `policyTypes: [Ingress, Egress]` and no rules to the namespace, then allow the flows each workload needs with its own policy.");
            if let Some(p) = deny_out {
                d.related_site(&p.site, "denies egress only");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::NamespaceWithoutDefaultDeny;
    use crate::testing::RuleTest;

    #[test]
    fn namespace_without_default_deny() {
        RuleTest::of(&NamespaceWithoutDefaultDeny)
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
---
apiVersion: v1
kind: Namespace
metadata: {name: empty}
"##,
            )
            .pass(
                r##"apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec: {containers: [{name: web, image: nginx:1.27}]}
---
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: deny-all}
spec:
  endpointSelector: {}
  ingress: [{}]
"##,
            )
            .fail(
                r##"apiVersion: v1
kind: Namespace
metadata:
  name: shop   #~ namespace-without-default-deny
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
metadata: {name: deny-egress, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-all, namespace: shop}
spec:
  podSelector: {}
  ingress: [{}]
"##,
            )
            .fail(
                r##"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   #~ namespace-without-default-deny
spec:
  template:
    spec: {containers: [{name: web, image: nginx:1.27}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: egress-is-not-deny}
spec:
  podSelector: {}
  egress: []
  ingress: [{from: [{podSelector: {}}]}]
"##,
            )
            .snapshot();
    }
}
