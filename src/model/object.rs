//! A Kubernetes object: any mapping with string `apiVersion` and `kind`.

use serde::Serialize;

use super::workload::PodSpec;
use crate::finding::{Interner, Text};
use crate::yaml::{Label, NodeRef, Pointer, Seg};

/// Who an object is: what ties a finding to it across edits. Each indexed object and each of
/// its findings holds one (shared), and large runs have hundreds of thousands of objects whose
/// versions, kinds, namespaces and names repeat: the parts are shared texts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
pub struct ObjectIdent {
    /// `apiVersion`.
    #[serde(rename = "apiVersion")]
    pub api_version: Text,
    /// `kind`.
    pub kind: Text,
    /// `metadata.namespace`, if set.
    pub namespace: Option<Text>,
    /// `metadata.name` (or `generateName`), if set.
    pub name: Option<Text>,
}

impl ObjectIdent {
    /// `Kind/namespace/name`, for messages.
    pub fn display(&self) -> String {
        let name = self.name.as_deref().unwrap_or("<unnamed>");
        match &self.namespace {
            Some(ns) => format!("{}/{ns}/{name}", self.kind),
            None => format!("{}/{name}", self.kind),
        }
    }
}

/// A view of one Kubernetes object inside a document.
#[derive(Debug)]
pub struct Object<'d> {
    /// The object's mapping.
    pub node: NodeRef<'d>,
    /// Route from the document root to the object (non-empty for `List` items).
    pub base: Pointer,
    /// `apiVersion`.
    pub api_version: &'d str,
    /// `kind`.
    pub kind: &'d str,
    /// `metadata.name`, else `metadata.generateName`.
    pub name: Option<&'d str>,
    /// `metadata.namespace`.
    pub namespace: Option<&'d str>,
    /// The pod spec, for Pods and workloads with a pod template.
    pub pod: Option<PodSpec<'d>>,
    /// Display path of the file.
    pub path: &'d str,
    /// 0-based document index in the file.
    pub doc_index: usize,
}

impl<'d> Object<'d> {
    /// View `node` as a Kubernetes object, if it is one.
    pub fn from_node(
        node: NodeRef<'d>,
        base: Pointer,
        path: &'d str,
        doc_index: usize,
    ) -> Option<Self> {
        let api_version = node.get("apiVersion")?.as_str()?;
        let kind = node.get("kind")?.as_str()?;
        let meta = node.get("metadata");
        let name = meta
            .and_then(|m| m.get("name").or_else(|| m.get("generateName")))
            .and_then(NodeRef::as_str);
        let namespace = meta
            .and_then(|m| m.get("namespace"))
            .and_then(NodeRef::as_str);
        let pod = PodSpec::of(node, &base, api_version, kind);
        Some(Object {
            node,
            base,
            api_version,
            kind,
            name,
            namespace,
            pod,
            path,
            doc_index,
        })
    }

    /// Whether this is a list whose `items` are objects (`kind: List`, `PodList`, …).
    pub fn is_list(&self) -> bool {
        self.kind.ends_with("List") && self.node.get("items").is_some_and(NodeRef::is_seq)
    }

    /// The items of a list (see [`Object::is_list`]) viewed as objects, routed under `items`
    /// (`None` for an item that is not an object).
    pub fn list_items(&self) -> impl Iterator<Item = Option<Object<'d>>> + '_ {
        self.node
            .get("items")
            .into_iter()
            .flat_map(NodeRef::items)
            .enumerate()
            .map(|(i, item)| {
                let base = Pointer::root().join([Seg::from("items"), Seg::from(i)]);
                Object::from_node(item, base, self.path, self.doc_index)
            })
    }

    /// A label on a node of this object.
    pub fn at<I, S>(&self, segs: I) -> Label
    where
        I: IntoIterator<Item = S>,
        S: Into<Seg>,
    {
        Label::at(self.base.join(segs))
    }

    /// A label for a setting this object lacks.
    pub fn missing<I, S>(&self, segs: I) -> Label
    where
        I: IntoIterator<Item = S>,
        S: Into<Seg>,
    {
        Label::missing(self.base.join(segs))
    }

    /// A node of this object by route of keys.
    pub fn get(&self, path: &[&str]) -> Option<NodeRef<'d>> {
        self.node.path(path)
    }

    /// The API group (`apps`, `rbac.authorization.k8s.io`; empty for the core group).
    pub fn group(&self) -> &'d str {
        self.api_version.rsplit_once('/').map_or("", |(g, _)| g)
    }

    /// The value of `metadata.labels[key]`.
    pub fn label(&self, key: &str) -> Option<&'d str> {
        self.node
            .path(&["metadata", "labels", key])
            .and_then(NodeRef::text)
    }

    /// The value of `metadata.annotations[key]`.
    pub fn annotation(&self, key: &str) -> Option<&'d str> {
        self.node
            .path(&["metadata", "annotations", key])
            .and_then(NodeRef::text)
    }

    /// `metadata.labels` as (key, value) pairs.
    pub fn labels(&self) -> impl Iterator<Item = (&'d str, &'d str)> + 'd {
        self.node
            .path(&["metadata", "labels"])
            .into_iter()
            .flat_map(NodeRef::entries)
            .filter_map(|(k, v)| Some((k, v.text()?)))
    }

    /// Identity for fingerprints and reports, its texts shared through `strings`.
    pub fn ident_in(&self, strings: &Interner) -> ObjectIdent {
        ObjectIdent {
            api_version: strings.get(self.api_version),
            kind: strings.get(self.kind),
            namespace: self.namespace.map(|n| strings.get(n)),
            name: self.name.map(|n| strings.get(n)),
        }
    }

    /// `Kind "name"`, for messages.
    pub fn describe(&self) -> String {
        match self.name {
            Some(n) => format!("{} \"{n}\"", self.kind),
            None => self.kind.to_owned(),
        }
    }
}

/// A key given twice inside an object.
#[derive(Debug, Clone)]
pub struct DuplicateKey {
    /// Route to the winning (last) occurrence.
    pub key_pointer: Pointer,
    /// The key.
    pub key: String,
    /// Index of the duplicate in its document (for `Focus::Shadowed`).
    pub index: u32,
}

impl Object<'_> {
    /// Keys given twice inside this object (the last value is the one in effect).
    pub fn duplicate_keys(&self) -> Vec<DuplicateKey> {
        let doc = self.node.doc;
        let mut out = Vec::new();
        for (i, dup) in doc.duplicates.iter().enumerate() {
            let Some(route) = crate::yaml::route_to(doc, dup.map) else {
                continue;
            };
            let map_ptr = Pointer::from_segs(&route);
            if !map_ptr.starts_with(&self.base) {
                continue;
            }
            out.push(DuplicateKey {
                key_pointer: map_ptr.key(dup.key.clone()),
                key: dup.key.clone(),
                index: u32::try_from(i).unwrap_or(u32::MAX),
            });
        }
        out
    }
}
