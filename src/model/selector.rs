//! Label selectors, evaluated the way the API server does.
//!
//! Label selectors, evaluated the way the API server does (apimachinery
//! `LabelSelectorAsSelector`, `Requirement.Matches`), plus the Cilium and Calico forms that
//! kubeward can evaluate statically.

use std::collections::BTreeMap;

use crate::finding::{Interner, Text};
use crate::yaml::NodeRef;

/// What a selector key reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// A pod label.
    Pod(String),
    /// The pod's namespace name (Cilium `io.kubernetes.pod.namespace`, Calico
    /// `projectcalico.org/namespace`).
    Namespace,
    /// A label of the pod's namespace (Cilium `io.cilium.k8s.namespace.labels.<key>`).
    NsLabel(String),
}

/// A selector operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Key present with a value in the set.
    In,
    /// Key absent, or its value not in the set.
    NotIn,
    /// Key present.
    Exists,
    /// Key absent.
    DoesNotExist,
}

/// One requirement of a label selector (`matchLabels` entries are `In` with one value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// What it reads.
    pub key: Key,
    /// How it compares.
    pub op: Op,
    /// The values (`In`/`NotIn`).
    pub values: Vec<String>,
}

/// Pod labels as the index keeps them: sorted by key. (A `BTreeMap` of one or two labels costs a
/// half-kilobyte node for every workload of the input.)
pub type LabelPairs = Box<[(Text, Text)]>;

/// Sorted label pairs of `labels` (the last value of a key wins), their texts shared through
/// `strings` (workloads repeat the same keys and many of the same values).
pub fn label_pairs<'a>(
    labels: impl Iterator<Item = (&'a str, &'a str)>,
    strings: &Interner,
) -> LabelPairs {
    let map: BTreeMap<&str, &str> = labels.collect();
    map.into_iter()
        .map(|(k, v)| (strings.get(k), strings.get(v)))
        .collect()
}

/// Labels a selector reads.
#[derive(Debug, Clone, Copy)]
pub enum Labels<'a> {
    /// A map (Namespace and ClusterRole labels).
    Map(&'a BTreeMap<String, String>),
    /// Sorted pairs (pod labels).
    Pairs(&'a [(Text, Text)]),
}

impl<'a> Labels<'a> {
    /// The value of `key`.
    pub fn get(self, key: &str) -> Option<&'a str> {
        match self {
            Labels::Map(m) => m.get(key).map(String::as_str),
            Labels::Pairs(p) => p
                .binary_search_by(|(k, _)| (**k).cmp(key))
                .ok()
                .map(|i| &*p[i].1),
        }
    }
}

/// What a selector is evaluated against: a pod template.
#[derive(Debug, Clone, Copy)]
pub struct PodTarget<'a> {
    /// Pod template labels.
    pub labels: Labels<'a>,
    /// The pod's effective namespace (`None`: unknown).
    pub namespace: Option<&'a str>,
    /// Labels of the namespace, when its Namespace object is in the input.
    pub ns_labels: Option<&'a BTreeMap<String, String>>,
}

impl PodTarget<'_> {
    /// `Some(Some(v))`: the key has value v; `Some(None)`: the key is absent; `None`: unknown.
    fn lookup(&self, key: &Key) -> Option<Option<&str>> {
        match key {
            Key::Pod(k) => Some(self.labels.get(k)),
            Key::Namespace => self.namespace.map(Some),
            Key::NsLabel(k) => {
                if k == "kubernetes.io/metadata.name"
                    && let Some(ns) = self.namespace
                {
                    return Some(Some(ns));
                }
                self.ns_labels.map(|l| l.get(k).map(String::as_str))
            }
        }
    }
}

/// A Kubernetes label selector: requirements ANDed. Empty selects everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    /// The requirements.
    pub reqs: Vec<Requirement>,
}

impl LabelSelector {
    /// Parse `{matchLabels, matchExpressions}`; `None` if it is invalid (unknown operator,
    /// non-scalar values) and so cannot be evaluated. Absent or null selects everything.
    pub fn parse(node: Option<NodeRef<'_>>, key: &dyn Fn(&str) -> Option<Key>) -> Option<Self> {
        let mut reqs = Vec::new();
        let Some(node) = node.filter(|n| !n.is_null()) else {
            return Some(LabelSelector::default());
        };
        if !node.is_map() {
            return None;
        }
        if let Some(ml) = node.get_set("matchLabels") {
            for (k, v) in ml.entries() {
                reqs.push(Requirement {
                    key: key(k)?,
                    op: Op::In,
                    values: vec![v.text()?.to_owned()],
                });
            }
        }
        if let Some(me) = node.get_set("matchExpressions") {
            for e in me.items() {
                let k = e.get("key").and_then(NodeRef::text)?;
                let op = match e.get("operator").and_then(NodeRef::text)? {
                    "In" => Op::In,
                    "NotIn" => Op::NotIn,
                    "Exists" => Op::Exists,
                    "DoesNotExist" => Op::DoesNotExist,
                    _ => return None,
                };
                let values: Vec<String> = e
                    .get("values")
                    .into_iter()
                    .flat_map(NodeRef::items)
                    .filter_map(NodeRef::text)
                    .map(str::to_owned)
                    .collect();
                reqs.push(Requirement {
                    key: key(k)?,
                    op,
                    values,
                });
            }
        }
        Some(LabelSelector { reqs })
    }

    /// Whether it selects every pod.
    pub fn is_empty(&self) -> bool {
        self.reqs.is_empty()
    }

    /// Whether it selects the pod; `None` when a requirement reads something unknown.
    pub fn matches(&self, t: &PodTarget<'_>) -> Option<bool> {
        let mut unknown = false;
        for r in &self.reqs {
            let Some(v) = t.lookup(&r.key) else {
                unknown = true;
                continue;
            };
            let ok = match r.op {
                Op::In => v.is_some_and(|v| r.values.iter().any(|x| x == v)),
                Op::NotIn => v.is_none_or(|v| !r.values.iter().any(|x| x == v)),
                Op::Exists => v.is_some(),
                Op::DoesNotExist => v.is_none(),
            };
            if !ok {
                return Some(false);
            }
        }
        if unknown { None } else { Some(true) }
    }
}

/// The key mapping of core NetworkPolicy `podSelector`s: plain pod labels.
pub fn pod_key(k: &str) -> Option<Key> {
    Some(Key::Pod(k.to_owned()))
}

/// The key mapping of Cilium `endpointSelector`s: `k8s:`/`any:` sources, the namespace and
/// namespace-label pseudo labels; other sources (`reserved:`, `cidr:`) cannot be evaluated.
pub fn cilium_key(k: &str) -> Option<Key> {
    let k = match k.split_once(':') {
        Some(("k8s" | "any", rest)) => rest,
        Some((src, _)) if !src.contains('/') && !src.contains('.') => return None,
        _ => k,
    };
    if k == "io.kubernetes.pod.namespace" {
        return Some(Key::Namespace);
    }
    if let Some(l) = k.strip_prefix("io.cilium.k8s.namespace.labels.") {
        return Some(Key::NsLabel(l.to_owned()));
    }
    if k.starts_with("io.cilium.") || k.starts_with("io.kubernetes.pod.") {
        return None;
    }
    Some(Key::Pod(k.to_owned()))
}

/// A Calico selector expression (`app == 'web' && has(tier)`, `all()`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalicoExpr {
    /// `all()` (or an empty selector).
    All,
    /// `has(k)`.
    Has(Key),
    /// `k == 'v'`.
    Eq(Key, String),
    /// `k != 'v'`.
    Ne(Key, String),
    /// `k in {'a', 'b'}`.
    In(Key, Vec<String>),
    /// `k not in {'a', 'b'}`.
    NotIn(Key, Vec<String>),
    /// `k starts with 'p'`, `k ends with 's'`, `k contains 'x'`.
    Str(Key, StrOp, String),
    /// `!e`.
    Not(Box<CalicoExpr>),
    /// `a && b`.
    And(Box<CalicoExpr>, Box<CalicoExpr>),
    /// `a || b`.
    Or(Box<CalicoExpr>, Box<CalicoExpr>),
}

/// String operators of Calico selectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrOp {
    /// `starts with`
    StartsWith,
    /// `ends with`
    EndsWith,
    /// `contains`
    Contains,
}

impl CalicoExpr {
    /// Parse a Calico selector; `None` if kubeward does not understand it.
    pub fn parse(src: &str, key: &dyn Fn(&str) -> Key) -> Option<Self> {
        let mut p = CalicoParser {
            s: src.as_bytes(),
            i: 0,
            key,
        };
        p.ws();
        if p.i == p.s.len() {
            return Some(CalicoExpr::All);
        }
        let e = p.or()?;
        p.ws();
        (p.i == p.s.len()).then_some(e)
    }

    /// Whether it selects the pod; `None` when it reads something unknown.
    pub fn matches(&self, t: &PodTarget<'_>) -> Option<bool> {
        match self {
            CalicoExpr::All => Some(true),
            CalicoExpr::Has(k) => Some(t.lookup(k)?.is_some()),
            CalicoExpr::Eq(k, v) => Some(t.lookup(k)? == Some(v.as_str())),
            CalicoExpr::Ne(k, v) => Some(t.lookup(k)? != Some(v.as_str())),
            CalicoExpr::In(k, vs) => Some(t.lookup(k)?.is_some_and(|x| vs.iter().any(|v| v == x))),
            CalicoExpr::NotIn(k, vs) => {
                Some(t.lookup(k)?.is_none_or(|x| !vs.iter().any(|v| v == x)))
            }
            CalicoExpr::Str(k, op, v) => Some(t.lookup(k)?.is_some_and(|x| match op {
                StrOp::StartsWith => x.starts_with(v.as_str()),
                StrOp::EndsWith => x.ends_with(v.as_str()),
                StrOp::Contains => x.contains(v.as_str()),
            })),
            CalicoExpr::Not(e) => e.matches(t).map(|b| !b),
            CalicoExpr::And(a, b) => match (a.matches(t), b.matches(t)) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            },
            CalicoExpr::Or(a, b) => match (a.matches(t), b.matches(t)) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            },
        }
    }

    /// Whether it selects every pod.
    pub fn is_all(&self) -> bool {
        matches!(self, CalicoExpr::All)
    }
}

/// The key mapping of Calico selectors on workload endpoints.
pub fn calico_key(k: &str) -> Key {
    match k {
        "projectcalico.org/namespace" => Key::Namespace,
        _ => Key::Pod(k.to_owned()),
    }
}

/// The key mapping of Calico `namespaceSelector`s (they read namespace labels).
pub fn calico_ns_key(k: &str) -> Key {
    match k {
        "projectcalico.org/name" | "kubernetes.io/metadata.name" => Key::Namespace,
        _ => Key::NsLabel(k.to_owned()),
    }
}

struct CalicoParser<'s, 'k> {
    s: &'s [u8],
    i: usize,
    key: &'k dyn Fn(&str) -> Key,
}

impl CalicoParser<'_, '_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, tok: &str) -> bool {
        self.ws();
        if self.s[self.i..].starts_with(tok.as_bytes()) {
            self.i += tok.len();
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Option<CalicoExpr> {
        let mut e = self.and()?;
        while self.eat("||") {
            e = CalicoExpr::Or(Box::new(e), Box::new(self.and()?));
        }
        Some(e)
    }

    fn and(&mut self) -> Option<CalicoExpr> {
        let mut e = self.unary()?;
        while self.eat("&&") {
            e = CalicoExpr::And(Box::new(e), Box::new(self.unary()?));
        }
        Some(e)
    }

    fn unary(&mut self) -> Option<CalicoExpr> {
        if self.eat("!") {
            return Some(CalicoExpr::Not(Box::new(self.unary()?)));
        }
        if self.eat("(") {
            let e = self.or()?;
            return self.eat(")").then_some(e);
        }
        if self.eat("all()") || self.eat("global()") {
            return Some(CalicoExpr::All);
        }
        if self.eat("has(") {
            let k = self.ident()?;
            return self.eat(")").then(|| CalicoExpr::Has((self.key)(&k)));
        }
        let k = (self.key)(&self.ident()?);
        if self.eat("==") {
            return Some(CalicoExpr::Eq(k, self.string()?));
        }
        if self.eat("!=") {
            return Some(CalicoExpr::Ne(k, self.string()?));
        }
        if self.eat("not in") {
            return Some(CalicoExpr::NotIn(k, self.set()?));
        }
        if self.eat("in") {
            return Some(CalicoExpr::In(k, self.set()?));
        }
        for (tok, op) in [
            ("starts with", StrOp::StartsWith),
            ("ends with", StrOp::EndsWith),
            ("contains", StrOp::Contains),
        ] {
            if self.eat(tok) {
                return Some(CalicoExpr::Str(k, op, self.string()?));
            }
        }
        None
    }

    fn ident(&mut self) -> Option<String> {
        self.ws();
        let start = self.i;
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_alphanumeric()
                || matches!(self.s[self.i], b'_' | b'-' | b'.' | b'/'))
        {
            self.i += 1;
        }
        (self.i > start).then(|| String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    fn string(&mut self) -> Option<String> {
        self.ws();
        let q = *self.s.get(self.i)?;
        if q != b'\'' && q != b'"' {
            return None;
        }
        let start = self.i + 1;
        let end = start + self.s[start..].iter().position(|&b| b == q)?;
        self.i = end + 1;
        Some(String::from_utf8_lossy(&self.s[start..end]).into_owned())
    }

    fn set(&mut self) -> Option<Vec<String>> {
        if !self.eat("{") {
            return None;
        }
        let mut out = Vec::new();
        if self.eat("}") {
            return Some(out);
        }
        loop {
            out.push(self.string()?);
            if self.eat("}") {
                return Some(out);
            }
            if !self.eat(",") {
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::{CalicoExpr, PodTarget, calico_key};

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn calico_expressions() {
        let l = labels(&[("app", "web"), ("tier", "fe")]);
        let t = PodTarget {
            labels: super::Labels::Map(&l),
            namespace: Some("shop"),
            ns_labels: None,
        };
        let eval = |s: &str| CalicoExpr::parse(s, &calico_key).and_then(|e| e.matches(&t));
        assert_eq!(eval("app == 'web'"), Some(true));
        assert_eq!(eval("app == 'web' && !has(db)"), Some(true));
        assert_eq!(eval("app in {'a', 'b'} || tier == \"fe\""), Some(true));
        assert_eq!(eval("app not in {'web'}"), Some(false));
        assert_eq!(eval("(all())"), Some(true));
        assert_eq!(eval(""), Some(true));
        assert_eq!(eval("projectcalico.org/namespace == 'shop'"), Some(true));
        assert_eq!(eval("app starts with 'we'"), Some(true));
        assert_eq!(eval("app ==="), None);
    }
}
