//! Network policies of every flavour kubeward reads, reduced to what coverage needs.
//!
//! Network policies of every flavour kubeward reads, reduced to what coverage needs: which pods
//! they select and whether they isolate ingress/egress (docs "Network Policies";
//! kubernetes `pkg/apis/networking/v1/defaults.go`; Cilium and Calico policy references).

use std::collections::HashMap;

use super::object::Object;
use super::selector::{
    CalicoExpr, Key, LabelPairs, LabelSelector, Op, PodTarget, calico_key, calico_ns_key,
    cilium_key, pod_key,
};
use crate::yaml::NodeRef;

/// Which policy API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `networking.k8s.io` NetworkPolicy.
    Core,
    /// `cilium.io` CiliumNetworkPolicy.
    Cilium,
    /// `cilium.io` CiliumClusterwideNetworkPolicy.
    CiliumClusterwide,
    /// `projectcalico.org` NetworkPolicy.
    Calico,
    /// `projectcalico.org` GlobalNetworkPolicy.
    CalicoGlobal,
}

impl Flavor {
    /// Whether it applies across namespaces.
    pub fn cluster_wide(self) -> bool {
        matches!(self, Flavor::CiliumClusterwide | Flavor::CalicoGlobal)
    }

    /// The flavour of an object, if it is a network policy.
    pub fn of(obj: &Object<'_>) -> Option<Self> {
        match (obj.group(), obj.kind) {
            ("networking.k8s.io", "NetworkPolicy") => Some(Flavor::Core),
            ("cilium.io", "CiliumNetworkPolicy") => Some(Flavor::Cilium),
            ("cilium.io", "CiliumClusterwideNetworkPolicy") => Some(Flavor::CiliumClusterwide),
            ("projectcalico.org" | "crd.projectcalico.org", "NetworkPolicy") => {
                Some(Flavor::Calico)
            }
            ("projectcalico.org" | "crd.projectcalico.org", "GlobalNetworkPolicy") => {
                Some(Flavor::CalicoGlobal)
            }
            _ => None,
        }
    }
}

/// Which pods a policy part selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodSel {
    /// A Kubernetes/Cilium label selector.
    Labels(LabelSelector),
    /// A Calico selector, with the namespace selector of global policies.
    Calico(CalicoExpr, Option<CalicoExpr>),
}

impl PodSel {
    /// Whether it selects the pod (`None`: unknown).
    pub fn matches(&self, t: &PodTarget<'_>) -> Option<bool> {
        match self {
            PodSel::Labels(s) => s.matches(t),
            PodSel::Calico(pods, ns) => {
                let p = pods.matches(t);
                let n = ns.as_ref().map_or(Some(true), |n| n.matches(t));
                match (p, n) {
                    (Some(false), _) | (_, Some(false)) => Some(false),
                    (Some(true), Some(true)) => Some(true),
                    _ => None,
                }
            }
        }
    }

    /// Whether it selects every pod (of its namespace, or of the cluster).
    pub fn is_all(&self) -> bool {
        match self {
            PodSel::Labels(s) => s.is_empty(),
            PodSel::Calico(p, ns) => p.is_all() && ns.as_ref().is_none_or(CalicoExpr::is_all),
        }
    }
}

/// One selector of a policy with the directions it isolates (a Cilium `specs:` list has
/// several).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyPart {
    /// Selected pods; `None` when kubeward cannot evaluate the selector.
    pub selector: Option<PodSel>,
    /// Selected pods become ingress-isolated.
    pub ingress: bool,
    /// Selected pods become egress-isolated.
    pub egress: bool,
    /// Ingress isolation with no allowed peer at all.
    pub deny_all_ingress: bool,
    /// Egress isolation with no allowed peer at all.
    pub deny_all_egress: bool,
}

/// A network policy as coverage sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyFacts {
    /// Which API.
    pub flavor: Flavor,
    /// Its selectors.
    pub parts: Vec<PolicyPart>,
}

impl PolicyFacts {
    /// Extract from a network policy object.
    pub fn of(obj: &Object<'_>) -> Option<Self> {
        let flavor = Flavor::of(obj)?;
        let spec = obj.node.get("spec");
        let parts = match flavor {
            Flavor::Core => vec![core_part(spec)],
            Flavor::Cilium | Flavor::CiliumClusterwide => {
                let mut v: Vec<PolicyPart> = spec
                    .filter(|s| s.is_map())
                    .map(cilium_part)
                    .into_iter()
                    .flatten()
                    .collect();
                for s in obj.node.get("specs").into_iter().flat_map(NodeRef::items) {
                    v.extend(cilium_part(s));
                }
                v
            }
            Flavor::Calico | Flavor::CalicoGlobal => {
                vec![calico_part(spec, flavor == Flavor::CalicoGlobal)]
            }
        };
        Some(PolicyFacts { flavor, parts })
    }

    /// Whether every selector can be evaluated.
    pub fn evaluable(&self) -> bool {
        self.parts.iter().all(|p| p.selector.is_some())
    }

    /// A default-deny for ingress: selects every pod, isolates ingress, allows nothing.
    pub fn default_deny_ingress(&self) -> bool {
        self.parts
            .iter()
            .any(|p| p.deny_all_ingress && p.selector.as_ref().is_some_and(PodSel::is_all))
    }

    /// A default-deny for egress.
    pub fn default_deny_egress(&self) -> bool {
        self.parts
            .iter()
            .any(|p| p.deny_all_egress && p.selector.as_ref().is_some_and(PodSel::is_all))
    }

    /// Whether some selector of the policy selects the pod, whatever the direction.
    pub fn selects(&self, t: &PodTarget<'_>) -> Option<bool> {
        let mut unknown = false;
        for p in &self.parts {
            match p.selector.as_ref().and_then(|s| s.matches(t)) {
                Some(true) => return Some(true),
                Some(false) => {}
                None => unknown = true,
            }
        }
        if unknown { None } else { Some(false) }
    }

    /// Pod label pairs a pod must have one of for [`isolates_ingress`](Self::isolates_ingress)
    /// to be anything but `Some(false)`: each ingress part's first `In` requirement on a pod
    /// label (`matchLabels` entries are such). `None` when some ingress part has no such
    /// requirement, so any pod may be selected or undecided.
    pub fn ingress_gates(&self) -> Option<Vec<(&str, &str)>> {
        self.gates(|p| p.ingress)
    }

    /// The same as [`ingress_gates`](Self::ingress_gates), for egress.
    pub fn egress_gates(&self) -> Option<Vec<(&str, &str)>> {
        self.gates(|p| p.egress)
    }

    fn gates(&self, dir: impl Fn(&PolicyPart) -> bool) -> Option<Vec<(&str, &str)>> {
        let mut gates = Vec::new();
        for p in self.parts.iter().filter(|p| dir(p)) {
            let Some(PodSel::Labels(s)) = &p.selector else {
                return None;
            };
            let (key, values) = s.reqs.iter().find_map(|r| match (&r.key, r.op) {
                (Key::Pod(k), Op::In) => Some((k, &r.values)),
                _ => None,
            })?;
            gates.extend(values.iter().map(|v| (key.as_str(), v.as_str())));
        }
        Some(gates)
    }

    /// Whether the policy isolates the pod for ingress (`None`: cannot tell).
    pub fn isolates_ingress(&self, t: &PodTarget<'_>) -> Option<bool> {
        self.isolates(t, |p| p.ingress)
    }

    /// Whether the policy isolates the pod for egress (`None`: cannot tell).
    pub fn isolates_egress(&self, t: &PodTarget<'_>) -> Option<bool> {
        self.isolates(t, |p| p.egress)
    }

    fn isolates(&self, t: &PodTarget<'_>, dir: impl Fn(&PolicyPart) -> bool) -> Option<bool> {
        let mut unknown = false;
        for p in self.parts.iter().filter(|p| dir(p)) {
            match p.selector.as_ref().and_then(|s| s.matches(t)) {
                Some(true) => return Some(true),
                Some(false) => {}
                None => unknown = true,
            }
        }
        if unknown { None } else { Some(false) }
    }
}

/// The policies of a namespace indexed by the pod label pairs one of which a pod needs for a
/// policy to select it in one direction ([`PolicyFacts::ingress_gates`] or
/// [`PolicyFacts::egress_gates`]); the others are read for every pod. A workload then reads
/// only the policies its labels can meet, not every policy of a namespace whose workloads and
/// policies both grow with the repository.
pub struct Gated<'p> {
    gated: HashMap<(&'p str, &'p str), Vec<usize>>,
    always: Vec<usize>,
}

impl<'p> Gated<'p> {
    /// Index the policies (by position; `None` for an object without policy facts, never a
    /// candidate) with `gates`.
    pub fn new(
        policies: impl IntoIterator<Item = Option<&'p PolicyFacts>>,
        gates: impl Fn(&'p PolicyFacts) -> Option<Vec<(&'p str, &'p str)>>,
    ) -> Self {
        let mut gated: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        let mut always = Vec::new();
        for (i, p) in policies.into_iter().enumerate() {
            match p.map(&gates) {
                Some(Some(gs)) => {
                    for g in gs {
                        gated.entry(g).or_default().push(i);
                    }
                }
                None => {}
                Some(None) => always.push(i),
            }
        }
        Gated { gated, always }
    }

    /// The positions of the policies that may select a pod with `labels`, sorted, once each.
    pub fn candidates(&self, labels: Option<&LabelPairs>) -> Vec<usize> {
        let mut out = self.always.clone();
        for (k, v) in labels.map_or(&[][..], |l| &l[..]) {
            if let Some(ps) = self.gated.get(&(&**k, &**v)) {
                out.extend(ps);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

fn seq_len(n: Option<NodeRef<'_>>) -> usize {
    n.map_or(0, NodeRef::len)
}

/// Core NetworkPolicy: `policyTypes` defaults to `[Ingress]`, plus `Egress` iff `egress` is
/// non-empty.
fn core_part(spec: Option<NodeRef<'_>>) -> PolicyPart {
    let selector =
        LabelSelector::parse(spec.and_then(|s| s.get("podSelector")), &pod_key).map(PodSel::Labels);
    let types: Vec<&str> = spec
        .and_then(|s| s.get("policyTypes"))
        .into_iter()
        .flat_map(NodeRef::items)
        .filter_map(NodeRef::text)
        .collect();
    let ingress_rules = seq_len(spec.and_then(|s| s.get("ingress")));
    let egress_rules = seq_len(spec.and_then(|s| s.get("egress")));
    let (ingress, egress) = if types.is_empty() {
        (true, egress_rules > 0)
    } else {
        (types.contains(&"Ingress"), types.contains(&"Egress"))
    };
    PolicyPart {
        selector,
        ingress,
        egress,
        deny_all_ingress: ingress && ingress_rules == 0,
        deny_all_egress: egress && egress_rules == 0,
    }
}

/// Cilium: a section `ingress`/`ingressDeny` (even `[{}]`) puts selected endpoints in
/// default-deny unless `enableDefaultDeny` turns that off. `nodeSelector` policies select
/// nodes, not pods.
fn cilium_part(spec: NodeRef<'_>) -> Option<PolicyPart> {
    let sel = spec.get("endpointSelector")?;
    let selector = LabelSelector::parse(Some(sel), &cilium_key).map(PodSel::Labels);
    let present = |k: &str| spec.get_set(k).is_some();
    let default_deny = |dir: &str| {
        spec.path(&["enableDefaultDeny", dir])
            .and_then(NodeRef::as_bool)
            != Some(false)
    };
    let ingress = (present("ingress") || present("ingressDeny")) && default_deny("ingress");
    let egress = (present("egress") || present("egressDeny")) && default_deny("egress");
    let all_empty = |k: &str| {
        spec.get(k)
            .into_iter()
            .flat_map(NodeRef::items)
            .all(|r| r.is_map() && r.is_empty())
    };
    Some(PolicyPart {
        selector,
        ingress,
        egress,
        deny_all_ingress: ingress && !present("ingressDeny") && all_empty("ingress"),
        deny_all_egress: egress && !present("egressDeny") && all_empty("egress"),
    })
}

/// Calico: `types` defaults to Ingress, plus Egress when there are egress rules (Egress only
/// when there are egress rules and no ingress rules).
fn calico_part(spec: Option<NodeRef<'_>>, global: bool) -> PolicyPart {
    let text = |k: &str| spec.and_then(|s| s.get_set(k)).and_then(NodeRef::text);
    let pods = CalicoExpr::parse(text("selector").unwrap_or(""), &calico_key);
    let ns = if global {
        text("namespaceSelector").map(|s| CalicoExpr::parse(s, &calico_ns_key))
    } else {
        None
    };
    let has_sa_selector = text("serviceAccountSelector").is_some_and(|s| !s.trim().is_empty());
    let selector = match (pods, ns) {
        (Some(p), None) if !has_sa_selector => Some(PodSel::Calico(p, None)),
        (Some(p), Some(Some(n))) if !has_sa_selector => Some(PodSel::Calico(p, Some(n))),
        _ => None,
    };
    let types: Vec<&str> = spec
        .and_then(|s| s.get("types"))
        .into_iter()
        .flat_map(NodeRef::items)
        .filter_map(NodeRef::text)
        .collect();
    let ingress_rules = seq_len(spec.and_then(|s| s.get("ingress")));
    let egress_rules = seq_len(spec.and_then(|s| s.get("egress")));
    let (ingress, egress) = if types.is_empty() {
        (ingress_rules > 0 || egress_rules == 0, egress_rules > 0)
    } else {
        (types.contains(&"Ingress"), types.contains(&"Egress"))
    };
    let denies = |k: &str| {
        spec.and_then(|s| s.get(k))
            .into_iter()
            .flat_map(NodeRef::items)
            .all(|r| {
                r.get("action").and_then(NodeRef::text) == Some("Deny")
                    && r.get("source").is_none()
                    && r.get("destination").is_none()
                    && r.get("protocol").is_none()
            })
    };
    PolicyPart {
        selector,
        ingress,
        egress,
        deny_all_ingress: ingress && denies("ingress"),
        deny_all_egress: egress && denies("egress"),
    }
}

#[cfg(test)]
mod tests {
    use super::PolicyFacts;
    use crate::finding::Text;
    use crate::model::Object;
    use crate::model::selector::{Labels, PodTarget};
    use crate::yaml::{Pointer, parse_stream};

    /// A policy's gates, and whether it isolates each target: a target with none of the
    /// gated pairs must get `Some(false)`.
    #[test]
    fn ingress_gates_hold_every_selection() {
        let policies = [
            // Gated on app=web.
            "kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\nmetadata: {name: a}\nspec:\n  podSelector: {matchLabels: {app: web, tier: fe}}\n",
            // Gated on app in {web, api}, after an undecidable requirement.
            "kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\nmetadata: {name: b}\nspec:\n  podSelector:\n    matchExpressions:\n    - {key: tier, operator: NotIn, values: [db]}\n    - {key: app, operator: In, values: [web, api]}\n",
            // No `In` requirement: every pod is a candidate.
            "kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\nmetadata: {name: c}\nspec:\n  podSelector: {matchExpressions: [{key: app, operator: Exists}]}\n",
            // Empty selector: every pod.
            "kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\nmetadata: {name: d}\nspec: {podSelector: {}}\n",
            // Egress only: selects no pod for ingress.
            "kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\nmetadata: {name: e}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n",
            // Unparseable selector: undecided for every pod.
            "kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\nmetadata: {name: f}\nspec:\n  podSelector: {matchExpressions: [{key: app, operator: Near}]}\n",
        ];
        let expected_gates: [Option<Vec<(&str, &str)>>; 6] = [
            Some(vec![("app", "web")]),
            Some(vec![("app", "web"), ("app", "api")]),
            None,
            None,
            Some(vec![]),
            None,
        ];
        let targets: [&[(&str, &str)]; 5] = [
            &[],
            &[("app", "web")],
            &[("app", "web"), ("tier", "fe")],
            &[("app", "api"), ("tier", "db")],
            &[("app", "db"), ("tier", "fe")],
        ];
        for (yaml, expected) in policies.iter().zip(&expected_gates) {
            let stream = parse_stream(yaml);
            let doc = &stream.docs[0];
            let obj = Object::from_node(doc.root(), Pointer::root(), "p.yaml", doc.index)
                .expect("an object");
            let p = PolicyFacts::of(&obj).expect("a policy");
            let gates = p.ingress_gates();
            assert_eq!(gates.as_ref(), expected.as_ref(), "{yaml}");
            let Some(gates) = gates else { continue };
            for pairs in targets {
                let owned: Vec<(Text, Text)> = pairs
                    .iter()
                    .map(|(k, v)| ((*k).into(), (*v).into()))
                    .collect();
                let t = PodTarget {
                    labels: Labels::Pairs(&owned),
                    namespace: Some("shop"),
                    ns_labels: None,
                };
                if !gates.iter().any(|g| pairs.contains(g)) {
                    assert_eq!(p.isolates_ingress(&t), Some(false), "{yaml} {pairs:?}");
                }
            }
        }
    }
}
