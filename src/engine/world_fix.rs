//! Which documents the fixes of cross-object findings may edit, once every object is known.
//!
//! A cross-object finding's fix edits the document its facts recorded (`model::PodEdit`): the
//! object's own plain manifest, or the Kustomize resource that alone wrote the object. A
//! resource is shared by every overlay that renders it, and each overlay's objects were judged
//! apart: an edit made for one changes the others, which were not judged with it. So a
//! resource is edited only when one render reads it, and never a resource file from which a
//! render patched or generated a workload.

use std::collections::{HashMap, HashSet};

use crate::model::{DocRef, World};

/// The resource documents and files that no fix of a cross-object finding edits.
#[derive(Debug, Default)]
pub(super) struct Barred {
    /// Resource documents read by more than one render: (file, document).
    shared: HashSet<(u32, u32)>,
    /// Resource files a render patched or generated a workload from.
    patched: HashSet<u32>,
}

impl Barred {
    /// From the workloads of the index (their facts record where a fix of each is made).
    pub(super) fn of(world: &World) -> Self {
        let mut out = Barred::default();
        let mut reader: HashMap<(u32, u32), u32> = HashMap::new();
        for f in &world.objects {
            let Some(w) = f.workload() else { continue };
            match &w.edit {
                // Its own document: no other input reads it.
                Some(e) if e.doc.file == f.input => {}
                Some(e) => {
                    let at = (e.doc.file, e.doc.doc);
                    if *reader.entry(at).or_insert(f.input) != f.input {
                        out.shared.insert(at);
                    }
                }
                // Rendered, and traced to a file that wrote it, with no place for a fix: a
                // patch or generator wrote it (or Helm did).
                None if f.site.file != f.input => {
                    out.patched.insert(f.site.file);
                }
                None => {}
            }
        }
        out
    }

    /// Whether a fix of a cross-object finding may not edit `doc`.
    pub(super) fn bars(&self, doc: &DocRef) -> bool {
        self.patched.contains(&doc.file) || self.shared.contains(&(doc.file, doc.doc))
    }
}
