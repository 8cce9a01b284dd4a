use crate::model::{Facts, Gated, PolicyFacts, World, describe_ns};
use crate::rule::{Rule, WorldContext, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A workload that no network policy of its namespace (or cluster-wide Cilium or Calico
    /// policy) selects for Egress, so its pods may connect anywhere. Selection and
    /// `policyTypes` follow the API server as for `missing-network-policy`: a core
    /// NetworkPolicy isolates Egress when `policyTypes` lists it, or when it has `egress` rules
    /// and no `policyTypes`. `hostNetwork` pods are skipped (policies do not apply to them).
    /// A policy kubeward cannot evaluate for the workload keeps it from being reported.
    ///
    /// ## Why it matters
    /// Egress control is what stops a compromised pod from downloading tooling, reaching
    /// databases of other teams, scanning the cluster, exfiltrating data, or asking the cloud
    /// metadata endpoint (`169.254.169.254`) for the node's credentials. The hardening guides
    /// ask for ingress and egress policies on every workload.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: api, namespace: shop}
    /// spec:
    ///   template:
    ///     metadata: {labels: {app: api}}
    ///     spec:
    ///       containers: [{name: api, image: example/api:1.0}]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: api, namespace: shop}
    /// spec:
    ///   template:
    ///     metadata: {labels: {app: api}}
    ///     spec:
    ///       containers: [{name: api, image: example/api:1.0}]
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata: {name: api-egress, namespace: shop}
    /// spec:
    ///   podSelector: {matchLabels: {app: api}}
    ///   policyTypes: [Egress]
    ///   egress:
    ///   - to: [{podSelector: {matchLabels: {app: db}}}]
    ///   - to: [{namespaceSelector: {}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
    ///     ports: [{port: 53, protocol: UDP}]
    /// ```
    ///
    /// ## References
    /// - Kubernetes, "Network Policies": <https://kubernetes.io/docs/concepts/services-networking/network-policies/>
    /// - NSA/CISA Kubernetes Hardening Guide, "Network separation and hardening"
    pub MissingEgressPolicy {
        id: "missing-egress-policy",
        category: Network,
        severity: Low,
        summary: "workload is not selected by any NetworkPolicy for egress",
        since: "0.2.0",
    }
}

impl Rule for MissingEgressPolicy {
    fn reads_world(&self) -> bool {
        true
    }

    fn check_world(&self, world: &World, cx: &mut WorldContext<'_>) {
        cx.each_namespace(world, |ns, index, cx| {
            let policies: Vec<&Facts> = world.policies_in(index).collect();
            // Each workload reads only the policies its labels can meet.
            let gated = Gated::new(policies.iter().map(|p| p.policy()), PolicyFacts::egress_gates);
            for &wi in &index.workloads {
                let f = &world.objects[wi];
                let Some(w) = f.workload() else { continue };
                if w.host_network {
                    continue;
                }
                let target = world.pod_target(f);
                let candidates = gated.candidates(f.pod_labels.as_ref());
                // Selected, or undecided: not reported.
                if candidates.iter().any(|&i| {
                    policies[i]
                        .policy()
                        .is_some_and(|p| p.isolates_egress(&target) != Some(false))
                }) {
                    continue;
                }
                let any_egress = policies
                    .iter()
                    .any(|p| p.policy().is_some_and(|p| p.parts.iter().any(|x| x.egress)));
                let context = if any_egress {
                    format!("the Egress policies of {} select other pods", describe_ns(ns))
                } else {
                    format!("{} has no Egress policy", describe_ns(ns))
                };
                cx.report(self, &w.labels_site)
                    .label("no NetworkPolicy restricts its egress")
                    .message(format!(
                        "{} is not selected by any NetworkPolicy for Egress ({context}): its pods can connect anywhere, including other namespaces, the internet and the cloud metadata endpoint 169.254.169.254",
                        f.describe()
                    ))
                    .help("Add a NetworkPolicy with `policyTypes: [Egress]` whose `podSelector` matches these labels and lists the destinations the workload needs (DNS included), or a default-deny Egress policy for the namespace.");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::MissingEgressPolicy;
    use crate::testing::RuleTest;

    #[test]
    fn missing_egress_policy() {
        RuleTest::of(&MissingEgressPolicy)
            .pass(
                r##"apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx:1.27}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-egress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  egress: [{to: [{podSelector: {matchLabels: {app: api}}}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: billing}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: example/api:1.0}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: billing}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
"##,
            )
            .fail(
                r##"apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    metadata:
      labels:   #~ missing-egress-policy
        app: api
    spec: {containers: [{name: api, image: example/api:1.0}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ingress-only, namespace: shop}
spec:
  podSelector: {}
  ingress: [{from: [{podSelector: {}}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-egress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Egress]
"##,
            )
            .snapshot();
    }
}
