//! The cross-object index: facts gathered from every object in a first pass, so rules that need
//! other objects never read another file's tree.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::object::{Object, ObjectIdent};
use crate::pss::{self, Levels};
use crate::yaml::{Label, Region};

/// A resolved place in the input, recorded while the file's tree was alive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// File id (index into the run's file table).
    pub file: u32,
    /// Where.
    pub region: Region,
    /// The object the place belongs to.
    pub object: Option<ObjectIdent>,
    /// Stable route inside the object (for fingerprints).
    pub route: String,
}

/// What the index keeps of one object.
#[derive(Debug, Clone)]
pub struct Facts {
    /// Identity.
    pub ident: ObjectIdent,
    /// The object's `kind:` entry.
    pub site: Site,
    /// `metadata.labels`.
    pub labels: BTreeMap<String, String>,
    /// Pod template labels, for workloads.
    pub pod_labels: Option<BTreeMap<String, String>>,
    /// Pod Security: the violations of the pod spec at every level and version, and the
    /// `metadata.namespace` entry. Only for objects with a pod spec and an explicit namespace,
    /// the only ones a Namespace of the input can govern.
    pub pod_security: Option<PodSecurityFacts>,
    /// For Namespace objects: the `pod-security.kubernetes.io/*` labels.
    pub psa_labels: Vec<PsaLabel>,
}

/// The Pod Security verdict of a workload, for every level and policy version at once.
#[derive(Debug, Clone)]
pub struct PodSecurityFacts {
    /// The object's `metadata.namespace` entry.
    pub namespace_site: Site,
    /// Every violation, in rule order.
    pub violations: Vec<PssFact>,
}

/// One Pod Security violation of a workload.
#[derive(Debug, Clone)]
pub struct PssFact {
    /// The rule that reports it.
    pub rule: &'static str,
    /// The levels and versions at which it violates.
    pub levels: Levels,
    /// Where.
    pub site: Site,
    /// The label text at that place.
    pub label: Option<Cow<'static, str>>,
}

/// A `pod-security.kubernetes.io/*` label of a Namespace.
#[derive(Debug, Clone)]
pub struct PsaLabel {
    /// The label key (`pod-security.kubernetes.io/enforce`, …).
    pub key: String,
    /// Its value.
    pub value: String,
    /// The label's entry.
    pub site: Site,
}

impl Facts {
    /// Gather the facts of `obj`; `site` resolves labels of its document.
    pub fn extract(obj: &Object<'_>, site: &mut dyn FnMut(Label) -> Site) -> Self {
        let owned = |it: &mut dyn Iterator<Item = (&str, &str)>| -> BTreeMap<String, String> {
            it.map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
        };
        Facts {
            ident: obj.ident(),
            site: site(obj.at(["kind"])),
            labels: owned(&mut obj.labels()),
            pod_labels: obj.pod.as_ref().map(|p| owned(&mut p.labels())),
            pod_security: pod_security(obj, site),
            psa_labels: psa_labels(obj, site),
        }
    }
}

/// Evaluated once per workload, for all levels and versions (see `pss`), without building any
/// message. Violations of one rule that count at the same levels and versions (the same
/// setting missing in several containers) are recorded once, with the first one's place.
fn pod_security(obj: &Object<'_>, site: &mut dyn FnMut(Label) -> Site) -> Option<PodSecurityFacts> {
    let pod = obj.pod.as_ref()?;
    obj.namespace?;
    let mut violations: Vec<PssFact> = Vec::new();
    for (rule, v) in pss::evaluate(pod) {
        if violations
            .iter()
            .any(|f| f.rule == rule && f.levels == v.levels)
        {
            continue;
        }
        let label = v.at.text.clone();
        let mut at = site(v.at);
        // The object is this one, and related places need no fingerprint route.
        at.object = None;
        at.route = String::new();
        violations.push(PssFact {
            rule,
            levels: v.levels,
            label,
            site: at,
        });
    }
    if violations.is_empty() {
        return None;
    }
    Some(PodSecurityFacts {
        namespace_site: site(obj.at(["metadata", "namespace"])),
        violations,
    })
}

fn psa_labels(obj: &Object<'_>, site: &mut dyn FnMut(Label) -> Site) -> Vec<PsaLabel> {
    if obj.kind != "Namespace" || obj.api_version != "v1" {
        return Vec::new();
    }
    obj.labels()
        .filter(|(k, _)| k.starts_with(PSA_PREFIX))
        .map(|(k, v)| PsaLabel {
            key: k.to_owned(),
            value: v.to_owned(),
            site: site(obj.at(["metadata".to_owned(), "labels".to_owned(), k.to_owned()])),
        })
        .collect()
}

/// Prefix of the Pod Security Admission namespace labels.
pub const PSA_PREFIX: &str = "pod-security.kubernetes.io/";

/// Every object's facts, for cross-object rules.
#[derive(Debug, Default)]
pub struct World {
    /// One entry per linted object, in input order.
    pub objects: Vec<Facts>,
}

impl World {
    /// Objects of a kind.
    pub fn of_kind<'w>(&'w self, kind: &'w str) -> impl Iterator<Item = &'w Facts> + 'w {
        self.objects.iter().filter(move |f| f.ident.kind == kind)
    }
}
