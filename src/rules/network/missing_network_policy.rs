use crate::finding::Text;
use crate::model::{Facts, Flavor, Gated, PolicyFacts, World, describe_ns};
use crate::rule::{Rule, WorldContext, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A workload whose pod-template labels no network policy in its namespace selects for
    /// Ingress. Selection follows the API server: `matchLabels` and `matchExpressions`
    /// (`In`, `NotIn`, `Exists`, `DoesNotExist`) are ANDed, an empty `podSelector` selects every
    /// pod of the namespace, and `policyTypes` defaults to `Ingress` (plus `Egress` when there
    /// are egress rules). Cilium (`CiliumNetworkPolicy`, `CiliumClusterwideNetworkPolicy`) and
    /// Calico (`projectcalico.org` `NetworkPolicy`, `GlobalNetworkPolicy`) policies in the input
    /// count when kubeward can evaluate their selectors; otherwise the message says that a
    /// policy exists that was not analysed.
    ///
    /// The namespace is `metadata.namespace`, else the one the object will be applied in: the
    /// kustomizations that include the file (base through overlay), or the Argo CD Application
    /// or Flux Kustomization whose path holds it. Objects with none count as one namespace per
    /// directory (per release for committed Helm output). `hostNetwork` pods
    /// are skipped: NetworkPolicy does not reliably apply to them (`host-network` reports them).
    ///
    /// ## Why it matters
    /// A pod no policy selects accepts connections from every pod in the cluster, so one
    /// compromised workload can reach it directly. Isolation starts when a policy selects the
    /// pod.
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
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata: {name: web, namespace: shop}
    /// spec:
    ///   podSelector: {matchLabels: {app: web}}
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
    /// metadata: {name: api, namespace: shop}
    /// spec:
    ///   podSelector: {matchLabels: {app: api}}
    ///   ingress:
    ///   - from: [{podSelector: {matchLabels: {app: web}}}]
    /// ```
    ///
    /// ## References
    /// - Kubernetes, "Network Policies": <https://kubernetes.io/docs/concepts/services-networking/network-policies/>
    /// - kube-linter `non-isolated-pod`; Kubescape C-0260
    pub MissingNetworkPolicy {
        id: "missing-network-policy",
        category: Network,
        severity: Medium,
        summary: "workload is not selected by any NetworkPolicy for ingress",
        since: "0.1.0",
    }
}

/// At most this many non-selecting policies are shown as related locations.
const MAX_RELATED: usize = 3;

fn flavor_name(f: Flavor) -> &'static str {
    match f {
        Flavor::Core => "NetworkPolicy",
        Flavor::Cilium => "CiliumNetworkPolicy",
        Flavor::CiliumClusterwide => "CiliumClusterwideNetworkPolicy",
        Flavor::Calico => "Calico NetworkPolicy",
        Flavor::CalicoGlobal => "Calico GlobalNetworkPolicy",
    }
}

fn labels_text(labels: Option<&[(Text, Text)]>) -> String {
    match labels {
        Some(l) if !l.is_empty() => {
            let v: Vec<String> = l.iter().take(4).map(|(k, v)| format!("{k}={v}")).collect();
            let more = if l.len() > 4 { ", …" } else { "" };
            format!("pod labels {}{more}", v.join(", "))
        }
        _ => "no pod labels".to_owned(),
    }
}

impl Rule for MissingNetworkPolicy {
    fn reads_world(&self) -> bool {
        true
    }

    fn check_world(&self, world: &World, cx: &mut WorldContext<'_>) {
        cx.each_namespace(world, |ns, index, cx| {
            let policies: Vec<&Facts> = world.policies_in(index).collect();
            // Each workload reads only the policies its labels can meet.
            let gated = Gated::new(policies.iter().map(|p| p.policy()), PolicyFacts::ingress_gates);
            for &wi in &index.workloads {
                let f = &world.objects[wi];
                let Some(w) = f.workload() else { continue };
                if w.host_network {
                    continue;
                }
                let target = world.pod_target(f);
                let candidates = gated.candidates(f.pod_labels.as_ref());
                let mut unknown: Vec<usize> = Vec::new();
                let mut selected = false;
                for &i in &candidates {
                    let Some(pf) = policies[i].policy() else { continue };
                    match pf.isolates_ingress(&target) {
                        Some(true) => {
                            selected = true;
                            break;
                        }
                        Some(false) => {}
                        None => unknown.push(i),
                    }
                }
                if selected {
                    continue;
                }
                // The policies that do not select it, in order: every one but the undecided.
                let others = (0..policies.len())
                    .filter(|i| policies[*i].policy().is_some() && !unknown.contains(i));
                let unknown: Vec<&Facts> = unknown.iter().map(|&i| policies[i]).collect();
                let where_ = describe_ns(ns);
                let mut message = if policies.is_empty() {
                    format!(
                        "{} ({}) is not isolated for Ingress: {where_} has no NetworkPolicy at all, so its pods accept connections from every pod in the cluster",
                        f.describe(),
                        labels_text(f.pod_labels.as_deref())
                    )
                } else {
                    let n = policies.len();
                    format!(
                        "{} ({}) is not selected for Ingress by {} of {where_}",
                        f.describe(),
                        labels_text(f.pod_labels.as_deref()),
                        if n == 1 {
                            "the network policy".to_owned()
                        } else {
                            format!("any of the {n} network policies")
                        }
                    )
                };
                for u in &unknown {
                    let flavor = u.policy().map_or("policy", |p| flavor_name(p.flavor));
                    let flavor = if flavor == u.ident.kind {
                        String::new()
                    } else {
                        format!(" ({flavor})")
                    };
                    message.push_str(&format!(
                        "; {}{flavor} exists but kubeward could not analyse its selector",
                        u.describe()
                    ));
                }
                let d = cx.report(self, &w.labels_site);
                d.label("no NetworkPolicy selects these labels")
                    .message(message)
                    .help(format!(
                        "Add a NetworkPolicy in {} whose `podSelector` matches these labels and lists the allowed `ingress` sources, or a default-deny policy (`podSelector: {{}}`, `policyTypes: [Ingress]`).",
                        ns.name().map_or("the workload's namespace".to_owned(), |n| format!("namespace \"{n}\""))
                    ));
                for p in others
                    .map(|i| policies[i])
                    .chain(unknown.iter().copied())
                    .take(MAX_RELATED)
                {
                    let text = if unknown.iter().any(|u| std::ptr::eq(*u, p)) {
                        format!("{} (not analysed)", p.describe())
                    } else if p.policy().and_then(|pf| pf.selects(&target)) == Some(true) {
                        format!("{} selects these pods for Egress only", p.describe())
                    } else {
                        format!("{} selects other pods", p.describe())
                    };
                    d.related_site(&p.site, text);
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::MissingNetworkPolicy;
    use crate::testing::RuleTest;

    #[test]
    fn missing_network_policy() {
        RuleTest::of(&MissingNetworkPolicy)
            // Selected: matchExpressions NotIn on an absent key, and an empty selector.
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
metadata: {name: not-db, namespace: shop}
spec:
  podSelector:
    matchExpressions:
    - {key: tier, operator: NotIn, values: [db]}
    - {key: app, operator: Exists}
  policyTypes: [Ingress]
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: billing}
spec:
  template:
    spec:
      containers: [{name: m, image: example/migrate:1.0}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: billing}
spec:
  podSelector: {}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: billing}
spec:
  template:
    spec:
      hostNetwork: true
      containers: [{name: a, image: example/agent:1.0}]
"##,
            )
            // Cilium and Calico policies count.
            .pass(
                r##"apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web, tier: fe}}
    spec: {containers: [{name: web, image: nginx:1.27}]}
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  endpointSelector: {matchLabels: {"k8s:app": web}}
  ingress: [{fromEndpoints: [{matchLabels: {app: lb}}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: example/api:1.0}]}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: api}
spec:
  selector: app == 'api' && projectcalico.org/namespace == 'shop'
  ingress: [{action: Allow, source: {selector: app == 'web'}}]
"##,
            )
            .fail(
                r##"apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    metadata:
      labels:   #~ missing-network-policy
        app: api
    spec: {containers: [{name: api, image: example/api:1.0}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: egress-only, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: lonely, namespace: empty}
spec:
  template:
    metadata:
      labels: {app: lonely}   #~ missing-network-policy
    spec: {containers: [{name: l, image: example/l:1.0}]}
"##,
            )
            .fail(
                r##"apiVersion: v1
kind: Pod
metadata: {name: debug}   #~ missing-network-policy
spec:
  containers: [{name: d, image: busybox:1.36}]
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: odd}
spec:
  endpointSelector: {matchLabels: {"reserved:host": ""}}
  ingress: [{}]
"##,
            )
            .snapshot();
    }
}
