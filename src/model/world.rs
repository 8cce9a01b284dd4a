//! The cross-object index: facts gathered from every object in a first pass, so rules that need
//! other objects never read another file's tree.

use std::collections::BTreeMap;

use super::object::{Object, ObjectIdent};
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
        }
    }
}

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
