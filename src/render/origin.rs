//! Kustomize tracing: the file that wrote the value at a route of a rendered object.
//!
//! Kustomize: map a route of a rendered object onto the file that wrote its value — a patch that
//! set it (strategic merge or JSON 6902, in a file or inline), an `images:` entry, a generator,
//! else the resource file the object came from (the same route resolved there).
//!
//! These are methods of [`Tracer`] (`trace.rs`), kept apart because the Kustomize half is as
//! long as the rest: the two files import each other as one type's two halves, the one import
//! circle of `render/` (ARCHITECTURE.md, "Import circles").

use std::path::Path;

use super::build::KDoc;
use super::kustomize::Patch;
use super::routes::{
    accept, image_repo, is_identity, json6902, node_at, relabel, same_object, selects, str_at,
    translate,
};
use super::trace::Tracer;
use crate::finding::{Location, Text};
use crate::model::ObjectIdent;
use crate::yaml::{Change, Doc, Label, NodeRef, Pointer, Seg, block_scalar_span, span_of};

/// Where a label of a rendered object was written.
pub(super) struct Mapped {
    pub(super) at: Location,
    /// The object as its resource file names it.
    pub(super) ident: Option<ObjectIdent>,
    pub(super) related: Vec<(Location, String)>,
}

impl Mapped {
    pub(super) fn at(at: Location) -> Self {
        Mapped {
            at,
            ident: None,
            related: Vec::new(),
        }
    }
}

impl Tracer<'_> {
    fn file(&self, p: &Path) -> Option<usize> {
        self.src.by_path.get(p).copied()
    }

    /// The document of resource file `f` that holds the object `kind`/`name` (kustomize may
    /// have prefixed or suffixed the name).
    fn pick_doc(&self, f: usize, kind: &str, name: &str) -> Option<&Doc<'_>> {
        fn named<'a>(d: &'a Doc<'a>) -> Option<&'a str> {
            str_at(d.root(), &["metadata", "name"])
        }
        let docs = &self.streams.get(f)?.as_ref()?.docs;
        let of_kind: Vec<&Doc<'_>> = docs
            .iter()
            .filter(|d| str_at(d.root(), &["kind"]) == Some(kind))
            .collect();
        of_kind
            .iter()
            .find(|d| named(d) == Some(name))
            .or_else(|| {
                of_kind
                    .iter()
                    .filter(|d| named(d).is_some_and(|n| name.contains(n)))
                    .max_by_key(|d| named(d).map_or(0, str::len))
            })
            .or(of_kind.first())
            .copied()
            .or_else(|| (docs.len() == 1).then(|| &docs[0]))
    }

    /// Where `label` of the rendered document `doc` was written.
    pub(super) fn kustomize(&self, kd: &KDoc, doc: &Doc<'_>, label: &Label) -> Option<Mapped> {
        let root = doc.root();
        let kind = str_at(root, &["kind"]).unwrap_or("");
        let name = str_at(root, &["metadata", "name"]).unwrap_or("");
        let rn = (!label.missing)
            .then(|| node_at(root, &label.pointer))
            .flatten();
        let origin = kd.origin.as_deref().and_then(|p| self.file(p));
        let odoc = origin.and_then(|f| self.pick_doc(f, kind, name).map(|d| (f, d)));
        let otrans =
            odoc.map(|(f, d)| (f, d, translate(Some(root), d.root(), label.pointer.segs())));
        let origin_has = otrans.as_ref().is_some_and(|(_, _, (_, t))| t.is_some());
        let ident = odoc.map(|(_, d)| {
            let r = d.root();
            ObjectIdent {
                api_version: str_at(r, &["apiVersion"]).unwrap_or_default().into(),
                kind: str_at(r, &["kind"]).unwrap_or_default().into(),
                namespace: str_at(r, &["metadata", "namespace"]).map(Text::from),
                name: str_at(r, &["metadata", "name"]).map(Text::from),
            }
        });
        let object_site = || {
            odoc.map(|(f, d)| {
                let label = Label::at(Pointer::root().key("kind"));
                (
                    self.location(f, span_of(d, &self.src.files[f].text, &label)),
                    "the patched object is defined here".to_owned(),
                )
            })
        };
        if let Some(rn) = rn.filter(|_| !is_identity(&label.pointer)) {
            for p in kd.patches.iter().rev() {
                if let Some(at) = self.patch(p, root, label, rn, kind, name, origin_has) {
                    return Some(Mapped {
                        at,
                        ident,
                        related: object_site().into_iter().collect(),
                    });
                }
            }
            if let (Some(Seg::Key(k)), Some(rendered)) = (label.pointer.segs().last(), rn.as_str())
                && k == "image"
            {
                let original = otrans
                    .as_ref()
                    .and_then(|(_, _, (_, t))| t.and_then(NodeRef::as_str));
                if let Some(original) = original.filter(|o| *o != rendered) {
                    for k in kd.images.iter().rev() {
                        if let Some(at) = self.image(k, original, rendered) {
                            return Some(Mapped {
                                at,
                                ident,
                                related: object_site().into_iter().collect(),
                            });
                        }
                    }
                }
            }
        }
        if let Some((f, d, (segs, t))) = otrans {
            let l = relabel(label, segs, t.is_some());
            return Some(Mapped {
                at: self.location(f, span_of(d, &self.src.files[f].text, &l)),
                ident,
                related: Vec::new(),
            });
        }
        let (k, generator) = kd.generated.as_ref()?;
        self.generated(k, generator, root, label).map(Mapped::at)
    }

    /// Where a fix of the rendered document `doc` is made: the resource file the object came
    /// from, as (file id, document index, the changes at the routes of that document). Only
    /// where what the changes touch was written by that file alone: no patch may apply to the
    /// object (a patch that selects it, or one without a target), the object is not generated,
    /// and the document is the one that names the object (not a guess). `None` elsewhere: "no
    /// automatic fix here".
    pub(super) fn kustomize_fix(
        &self,
        kd: &KDoc,
        doc: &Doc<'_>,
        changes: &[Change],
    ) -> Option<(u32, usize, Vec<Change>)> {
        let root = doc.root();
        let kind = str_at(root, &["kind"])?;
        let name = str_at(root, &["metadata", "name"])?;
        if kd.generated.is_some()
            || kd
                .patches
                .iter()
                .any(|p| p.target.as_ref().is_none_or(|t| selects(t, kind, name)))
        {
            return None;
        }
        let f = self.file(kd.origin.as_deref()?)?;
        let docs = &self.streams.get(f)?.as_ref()?.docs;
        // The document of that kind whose name the rendered one is (kustomize may add a prefix
        // or a suffix), the longest such name; no other guess.
        let odoc = docs
            .iter()
            .filter(|d| str_at(d.root(), &["kind"]) == Some(kind))
            .filter(|d| str_at(d.root(), &["metadata", "name"]).is_some_and(|n| name.contains(n)))
            .max_by_key(|d| str_at(d.root(), &["metadata", "name"]).map_or(0, str::len))?;
        let mut moved = Vec::with_capacity(changes.len());
        for c in changes {
            let segs = c.at().segs();
            let (mut route, found) = translate(Some(root), odoc.root(), segs);
            if found.is_none() {
                // What the resource lacks is created: keys only (an item it lacks is not its).
                let rest = segs.get(route.len()..)?;
                if rest.iter().any(|s| matches!(s, Seg::Index(_))) {
                    return None;
                }
                route.extend(rest.iter().cloned());
            }
            moved.push(c.moved(Pointer::from_segs(&route)));
        }
        Some((self.src.files[f].id, odoc.index, moved))
    }

    /// The location in patch `p` that set the rendered node `rn`, if it did.
    #[allow(clippy::too_many_arguments)]
    fn patch(
        &self,
        p: &Patch,
        root: NodeRef<'_>,
        label: &Label,
        rn: NodeRef<'_>,
        kind: &str,
        name: &str,
        origin_has: bool,
    ) -> Option<Location> {
        if p.target.as_ref().is_some_and(|t| !selects(t, kind, name)) {
            return None;
        }
        let file = self.file(&p.file)?;
        let inline = match &p.inline {
            Some(ptr) => Some(
                self.src
                    .inline
                    .iter()
                    .position(|(f, q, _)| *f == file && q == ptr)?,
            ),
            None => None,
        };
        let stream = match inline {
            Some(i) => &self.inline[i],
            None => self.streams[file].as_ref()?,
        };
        for pdoc in stream.docs.iter().rev() {
            let proot = pdoc.root();
            let hit = if proot.is_seq() {
                json6902(proot, root, &label.pointer, rn, origin_has)
            } else if proot.is_map() && (p.target.is_some() || same_object(proot, kind, name)) {
                let (segs, t) = translate(Some(root), proot, label.pointer.segs());
                t.filter(|t| accept(rn, *t, origin_has))
                    .map(|_| Pointer::from_segs(&segs))
            } else {
                None
            };
            let Some(pointer) = hit else { continue };
            let l = relabel(label, pointer.segs().to_vec(), true);
            let ktext = &self.src.files[file].text;
            let span = match (inline, &p.inline) {
                (Some(i), Some(ptr)) => {
                    let inner = span_of(pdoc, &self.src.inline[i].2, &l);
                    let kdoc = self.streams[file].as_ref()?.docs.first()?;
                    block_scalar_span(kdoc, ktext, ptr, inner)
                        .unwrap_or_else(|| span_of(kdoc, ktext, &Label::at(ptr.clone()).key()))
                }
                _ => span_of(pdoc, ktext, &l),
            };
            return Some(self.location(file, span));
        }
        None
    }

    /// The `images:` entry of kustomization `k` that replaced `original` with `rendered`.
    fn image(&self, k: &Path, original: &str, rendered: &str) -> Option<Location> {
        let f = self.file(k)?;
        let d = self.streams[f].as_ref()?.docs.first()?;
        let repo = image_repo(original);
        let (i, item) = d
            .root()
            .get("images")?
            .items()
            .enumerate()
            .filter(|(_, it)| str_at(*it, &["name"]) == Some(repo))
            .last()?;
        let key = if rendered.contains('@') && item.get("digest").is_some() {
            "digest"
        } else if item.get("newTag").is_some() {
            "newTag"
        } else if item.get("newName").is_some() {
            "newName"
        } else {
            "name"
        };
        let label =
            Label::at(Pointer::root().join([Seg::from("images"), Seg::from(i), Seg::from(key)]));
        Some(self.location(f, span_of(d, &self.src.files[f].text, &label)))
    }

    /// The generator entry (and literal) of kustomization `k` that made the rendered object.
    fn generated(
        &self,
        k: &Path,
        generator: &str,
        root: NodeRef<'_>,
        label: &Label,
    ) -> Option<Location> {
        let f = self.file(k)?;
        let d = self.streams[f].as_ref()?.docs.first()?;
        let text = &self.src.files[f].text;
        let key = match generator {
            "ConfigMapGenerator" => "configMapGenerator",
            "SecretGenerator" => "secretGenerator",
            _ => return Some(self.overlay_location(f)),
        };
        let name = str_at(root, &["metadata", "name"]).unwrap_or("");
        let list = d.root().get(key);
        let found = list
            .into_iter()
            .flat_map(NodeRef::items)
            .enumerate()
            .filter(|(_, it)| str_at(*it, &["name"]).is_some_and(|n| name.contains(n)));
        let Some((i, item)) =
            found.max_by_key(|(_, it)| str_at(*it, &["name"]).map_or(0, str::len))
        else {
            let l = Label::at(Pointer::root().key(Seg::from(key))).key();
            return Some(self.location(f, span_of(d, text, &l)));
        };
        let mut route = vec![Seg::from(key), Seg::from(i)];
        if let [Seg::Key(section), Seg::Key(data_key), ..] = label.pointer.segs()
            && matches!(section.as_ref(), "data" | "stringData" | "binaryData")
            && let Some(j) = item
                .get("literals")
                .into_iter()
                .flat_map(NodeRef::items)
                .position(|l| {
                    l.as_str()
                        .and_then(|s| s.split_once('='))
                        .is_some_and(|(lk, _)| lk == data_key.as_ref())
                })
        {
            route.extend([Seg::from("literals"), Seg::from(j)]);
        }
        Some(self.location(f, span_of(d, text, &Label::at(Pointer::from_segs(&route)))))
    }
}
