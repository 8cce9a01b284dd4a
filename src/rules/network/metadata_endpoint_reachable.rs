use crate::model::Object;
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::{Label, NodeRef, Seg};

declare_rule! {
    /// ## What it flags
    /// An egress rule of a network policy that lets the pods it selects reach the cloud
    /// instance metadata endpoint, `169.254.169.254` (AWS, Azure IMDS, GCP, and most others):
    /// - a NetworkPolicy egress rule with no `to` (every destination), or an `ipBlock` whose
    ///   `cidr` contains the address (`0.0.0.0/0`, `169.254.0.0/16`) and whose `except` does not
    ///   exclude it; the rule's `ports` must allow TCP port 80;
    /// - a CiliumNetworkPolicy egress rule with `toCIDR`/`toCIDRSet` containing it (minus
    ///   `except`), or `toEntities: [world]` / `[all]`.
    ///
    /// Workloads that no policy restricts for Egress reach the endpoint too; `missing-egress-policy`
    /// reports those.
    ///
    /// ## Why it matters
    /// The metadata endpoint hands out the node's cloud credentials (the instance role on AWS
    /// with IMDSv1 or a hop limit of 2, the kubelet's managed identity token on Azure, the node
    /// service account on GCP) to any process that asks. A compromised pod that reaches it
    /// acts with the node's cloud permissions. "Allow egress to the internet" rules open it
    /// unless they except it; the hardening guides ask to block metadata access from workloads.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata: {name: web-egress, namespace: shop}
    /// spec:
    ///   podSelector: {matchLabels: {app: web}}
    ///   policyTypes: [Egress]
    ///   egress:
    ///   - to: [{ipBlock: {cidr: 0.0.0.0/0}}]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata: {name: web-egress, namespace: shop}
    /// spec:
    ///   podSelector: {matchLabels: {app: web}}
    ///   policyTypes: [Egress]
    ///   egress:
    ///   - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}}]
    /// ```
    ///
    /// ## References
    /// - Kubernetes, "Network Policies", ipBlock `except`: <https://kubernetes.io/docs/concepts/services-networking/network-policies/>
    /// - AKS, "Best practices for pod security" / Azure Instance Metadata Service: <https://learn.microsoft.com/azure/virtual-machines/instance-metadata-service>
    /// - AWS EKS Best Practices, "Restrict access to the instance profile assigned to the worker node": <https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html>
    pub MetadataEndpointReachable {
        id: "metadata-endpoint-reachable",
        category: Network,
        severity: Medium,
        summary: "network policy lets pods reach the cloud metadata endpoint",
        since: "0.2.0",
    }
}

/// `169.254.169.254` as a number.
const METADATA: u32 = u32::from_be_bytes([169, 254, 169, 254]);

/// Whether an IPv4 CIDR contains the metadata address (`None`: not an IPv4 CIDR).
fn contains_metadata(cidr: &str) -> Option<bool> {
    let (addr, len) = cidr.trim().split_once('/').unwrap_or((cidr.trim(), "32"));
    let ip: std::net::Ipv4Addr = addr.parse().ok()?;
    let len: u32 = len.parse().ok().filter(|l| *l <= 32)?;
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    Some(u32::from(ip) & mask == METADATA & mask)
}

/// Whether a core egress rule's `ports` let TCP port 80 through.
fn port_80(rule: NodeRef<'_>) -> bool {
    let Some(ports) = rule.get("ports").filter(|p| !p.is_empty()) else {
        return true;
    };
    ports.items().any(|p| {
        let tcp = p
            .get("protocol")
            .and_then(NodeRef::text)
            .is_none_or(|v| v == "TCP");
        let port = p.get("port");
        let number = port.and_then(NodeRef::as_i64);
        let end = p.get("endPort").and_then(NodeRef::as_i64);
        let covers = match (port, number, end) {
            (None, _, _) => true,
            (Some(_), Some(n), Some(e)) => n <= 80 && 80 <= e,
            (Some(_), Some(n), None) => n == 80,
            // A named port: whichever the destination calls it.
            (Some(_), None, _) => true,
        };
        tcp && covers
    })
}

/// The except list excludes the address.
fn excepted(list: Option<NodeRef<'_>>) -> bool {
    list.into_iter()
        .flat_map(NodeRef::items)
        .filter_map(NodeRef::text)
        .any(|c| contains_metadata(c) == Some(true))
}

impl Rule for MetadataEndpointReachable {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        let cilium = match (obj.group(), obj.kind) {
            ("networking.k8s.io", "NetworkPolicy") => false,
            ("cilium.io", "CiliumNetworkPolicy" | "CiliumClusterwideNetworkPolicy") => true,
            _ => return,
        };
        let Some(spec) = obj.node.get("spec") else {
            return;
        };
        if !cilium && !egress_isolated(spec) {
            return;
        }
        let Some(rules) = spec.get("egress") else {
            return;
        };
        let mut hits: Vec<(Label, String)> = Vec::new();
        for (i, rule) in rules.items().enumerate() {
            let base = [Seg::from("spec"), Seg::from("egress"), Seg::from(i)];
            let at = |rest: &[Seg]| {
                let mut v = base.to_vec();
                v.extend_from_slice(rest);
                obj.at(v)
            };
            if cilium {
                for (j, c) in rule
                    .get("toCIDR")
                    .into_iter()
                    .flat_map(NodeRef::items)
                    .enumerate()
                {
                    if c.text().and_then(contains_metadata) == Some(true) {
                        hits.push((
                            at(&[Seg::from("toCIDR"), Seg::from(j)]).value(),
                            format!("`toCIDR: {}`", c.text().unwrap_or("")),
                        ));
                    }
                }
                for (j, c) in rule
                    .get("toCIDRSet")
                    .into_iter()
                    .flat_map(NodeRef::items)
                    .enumerate()
                {
                    let cidr = c.get("cidr").and_then(NodeRef::text).unwrap_or("");
                    if contains_metadata(cidr) == Some(true) && !excepted(c.get("except")) {
                        hits.push((
                            at(&[Seg::from("toCIDRSet"), Seg::from(j), Seg::from("cidr")]).value(),
                            format!("`toCIDRSet` {cidr} without an `except` for it"),
                        ));
                    }
                }
                for (j, e) in rule
                    .get("toEntities")
                    .into_iter()
                    .flat_map(NodeRef::items)
                    .enumerate()
                {
                    if matches!(e.text(), Some("world" | "all")) {
                        hits.push((
                            at(&[Seg::from("toEntities"), Seg::from(j)]).value(),
                            format!("`toEntities: {}`", e.text().unwrap_or("")),
                        ));
                    }
                }
                continue;
            }
            if !port_80(rule) {
                continue;
            }
            match rule.get("to").filter(|t| !t.is_empty()) {
                None => hits.push((
                    at(&[]).label("every destination allowed"),
                    "an egress rule with no `to`, which allows every destination".to_owned(),
                )),
                Some(to) => {
                    for (j, peer) in to.items().enumerate() {
                        let Some(block) = peer.get("ipBlock") else {
                            continue;
                        };
                        let cidr = block.get("cidr").and_then(NodeRef::text).unwrap_or("");
                        if contains_metadata(cidr) == Some(true) && !excepted(block.get("except")) {
                            hits.push((
                                at(&[
                                    Seg::from("to"),
                                    Seg::from(j),
                                    Seg::from("ipBlock"),
                                    Seg::from("cidr"),
                                ])
                                .value(),
                                format!("`ipBlock` {cidr} without an `except` for it"),
                            ));
                        }
                    }
                }
            }
        }
        for (label, how) in hits {
            cx.report(self, label.label("allows 169.254.169.254"))
                .message(format!(
                    "{} lets the pods it selects reach the cloud metadata endpoint 169.254.169.254 through {how}: a compromised pod can take the node's cloud credentials",
                    obj.describe()
                ))
                .help(if cilium {
                    "List the needed CIDRs instead, or use `toCIDRSet` with `except: [169.254.169.254/32]`."
                } else {
                    "Add `except: [169.254.169.254/32]` to the `ipBlock` (or list the needed CIDRs), and block the endpoint at the node too (IMDSv2 with a hop limit of 1 on AWS)."
                });
        }
    }
}

/// A core NetworkPolicy isolates egress: `Egress` in `policyTypes`, or egress rules and no
/// `policyTypes`.
fn egress_isolated(spec: NodeRef<'_>) -> bool {
    match spec.get("policyTypes").filter(|t| !t.is_empty()) {
        Some(types) => types.items().any(|t| t.text() == Some("Egress")),
        None => spec.get("egress").is_some_and(|e| !e.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::{MetadataEndpointReachable, contains_metadata};
    use crate::testing::RuleTest;

    #[test]
    fn cidrs() {
        assert_eq!(contains_metadata("0.0.0.0/0"), Some(true));
        assert_eq!(contains_metadata("169.254.0.0/16"), Some(true));
        assert_eq!(contains_metadata("169.254.169.254/32"), Some(true));
        assert_eq!(contains_metadata("10.0.0.0/8"), Some(false));
        assert_eq!(contains_metadata("::/0"), None);
        assert_eq!(contains_metadata("1.2.3.4/33"), None);
    }

    #[test]
    fn metadata_endpoint_reachable() {
        RuleTest::of(&MetadataEndpointReachable)
            .pass(
                r##"apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Egress]
  egress:
  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.0.0/16, 10.0.0.0/8]}}]
  - to: [{ipBlock: {cidr: 10.1.0.0/16}}]
  - ports: [{port: 443}, {port: 53, protocol: UDP}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ingress-only, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  egress: [{}]
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: c, namespace: shop}
spec:
  endpointSelector: {}
  egress:
  - toEntities: [cluster]
  - toCIDRSet: [{cidr: 0.0.0.0/0, except: [169.254.169.254/32]}]
"##,
            )
            .fail(
                r##"apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  egress:
  - to:
    - ipBlock:
        cidr: 0.0.0.0/0   #~ metadata-endpoint-reachable
        except: [10.0.0.0/8]
  - ports: [{port: 1, endPort: 1024}]   #~ metadata-endpoint-reachable
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: c, namespace: shop}
spec:
  endpointSelector: {}
  egress:
  - toEntities:
    - world   #~ metadata-endpoint-reachable
  - toCIDR:
    - 169.254.0.0/16   #~ metadata-endpoint-reachable
"##,
            )
            .snapshot();
    }
}
