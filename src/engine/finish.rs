//! Drafts finished into findings: located, traced, texts shared, fingerprinted.
//!
//! Drafts finished into findings: labels located (and traced to the templates that wrote them),
//! texts shared, related places, fingerprints.

use std::sync::Arc;

use crate::finding::{
    Extra, Finding, Fingerprint, Fixable, Interner, Location, Related, RelatedLists, Text,
    stable_hash,
};
use crate::model::{ObjectIdent, Site};
use crate::render;
use crate::rule::{Draft, Rule, Target};
use crate::yaml::{Doc, Label, LineIndex, NodeRef, Pointer, Region, Seg, span_of};

use super::mask::drawn;
use super::options::Gather;
use super::run::SourceFile;

/// Per-document resolution state: turns labels into locations.
pub(super) struct Resolver<'t> {
    pub(super) file: u32,
    pub(super) path: &'t str,
    pub(super) text: &'t str,
    pub(super) index: Option<LineIndex>,
    /// For rendered output: maps labels onto the files that wrote them.
    pub(super) tracer: Option<&'t render::Tracer<'t>>,
    /// Shares the texts of the run's findings.
    pub(super) strings: &'t Interner,
    /// Which cross-object facts to gather.
    pub(super) gather: Gather,
    /// The secret checks that are not enabled.
    pub(super) dormant: &'t [&'static dyn Rule],
    /// The file's objects are checked by the secret checks (it is not context only): the texts
    /// made of them are covered (`Interner::get_covered`).
    pub(super) covered: bool,
    /// The file is a plain manifest on disk, which a fix may edit.
    pub(super) editable: bool,
}

impl Resolver<'_> {
    pub(super) fn region(&mut self, start: u32, end: u32) -> Region {
        let text = self.text;
        self.index
            .get_or_insert_with(|| LineIndex::new(text))
            .region(text, start, end)
    }

    pub(super) fn location(&mut self, doc: &Doc<'_>, label: &Label) -> Location {
        let (s, e) = span_of(doc, self.text, label);
        Location {
            file: self.file,
            region: self.region(s, e),
        }
    }

    /// The location in the file that wrote `label` (for rendered output), else in this file.
    pub(super) fn traced(&mut self, doc: &Doc<'_>, label: &Label) -> Location {
        let tracer = self.tracer;
        tracer
            .and_then(|t| t.locate(doc, label))
            .unwrap_or_else(|| self.location(doc, label))
    }

    /// The shared copy of a text made of this file's objects.
    pub(super) fn intern(&self, s: &str) -> Text {
        if self.covered {
            self.strings.get_covered(s)
        } else {
            self.strings.get(s)
        }
    }

    pub(super) fn site(&mut self, doc: &Doc<'_>, label: &Label, object: &Arc<ObjectIdent>) -> Site {
        let at = self.traced(doc, label);
        Site {
            file: at.file,
            region: at.region,
            object: Some(object.clone()),
            route: self.intern(&stable_route(doc, &label.pointer)),
        }
    }
}

pub(super) fn finish_label_draft(
    d: Draft,
    doc: &Doc<'_>,
    res: &mut Resolver<'_>,
    ident: &Arc<ObjectIdent>,
    snippets: bool,
) -> Finding {
    let mut traced = None;
    let (primary, label_text, route) = match &d.primary {
        Target::Label(l) => {
            let rendered = res.location(doc, l);
            traced = res.tracer.and_then(|t| t.primary(doc, l, rendered));
            (
                traced.as_ref().map_or(rendered, |t| t.at),
                l.text.clone(),
                res.strings.get_covered(&stable_route(doc, &l.pointer)),
            )
        }
        Target::Site(s) => (
            Location {
                file: s.file,
                region: s.region,
            },
            None,
            s.route.clone(),
        ),
    };
    let label_text = d.label.clone().or(label_text);
    // The texts a rule made from this object are covered: every credential of a known form
    // they may show is one the secret checks flag in it (`Interner::get_covered`). What the
    // tracer adds (template names from `# Source:` comments) is not.
    let mut related: Vec<Related> = d
        .related
        .iter()
        .map(|(t, text)| Related {
            at: match t {
                Target::Label(l) => res.traced(doc, l),
                Target::Site(s) => Location {
                    file: s.file,
                    region: s.region,
                },
            },
            text: res.strings.get_covered(text),
        })
        .collect();
    // Labels and the regions to mask are drawn only in snippets.
    let sensitive = if snippets {
        drawn(&d.sensitive).map(|l| res.traced(doc, l)).collect()
    } else {
        Box::default()
    };
    let identity = d.identity.as_deref();
    // A finding that stays in the rendered input (its template is not in the repository) is
    // held by that file.
    let traced_path = |t: &render::Traced| {
        if t.at.file == res.file {
            res.path.to_owned()
        } else {
            t.fingerprint_path.clone()
        }
    };
    let print = match &traced {
        Some(t) => fingerprint(
            d.meta.id,
            &traced_path(t),
            Some(t.fingerprint_ident.as_ref().unwrap_or(ident)),
            &route,
            identity,
        ),
        None => fingerprint(d.meta.id, res.path, Some(ident), &route, identity),
    };
    let trace = traced.map(|mut t| {
        // What baselines of format version 1 hold: the rule id before the split of a rule, the
        // Helm template's path for rendered output whose template is not in the repository, no
        // identity part.
        let path = t
            .legacy_path
            .clone()
            .unwrap_or_else(|| t.fingerprint_path.clone());
        t.trace.legacy = fingerprint(
            crate::finding::legacy_rule_id(d.meta.id),
            &path,
            Some(t.fingerprint_ident.as_ref().unwrap_or(ident)),
            &route,
            None,
        );
        let strings = res.strings;
        related.extend(t.related.into_iter().map(|(at, text)| Related {
            at,
            text: strings.get(&text),
        }));
        Box::new(t.trace)
    });
    Finding {
        meta: d.meta,
        severity: d.severity,
        message: res.strings.get_covered(
            d.message
                .as_deref()
                .or(label_text.as_deref())
                .unwrap_or(d.meta.summary),
        ),
        help: d.help.map(|h| res.strings.get_covered(&h)),
        primary,
        object: Some(ident.clone()),
        route,
        fingerprint: print,
        extra: Extra {
            label: label_text
                .filter(|_| snippets)
                .map(|l| res.strings.get_covered(&l)),
            // A file's lists name its own places: there is nothing to share.
            related: (!related.is_empty()).then(|| Arc::from(related)),
            sensitive,
            suppressed: None,
            trace,
            fix: d.fix.map(|f| {
                let f = *f;
                // Rendered Kustomize output: edited in the resource file that wrote the object,
                // where nothing else wrote what the fix changes.
                let moved = (!res.editable)
                    .then(|| res.tracer?.fix_target(doc, &f.changes))
                    .flatten();
                Box::new(match moved {
                    Some((file, at, changes)) => Fixable {
                        fix: crate::rule::Fix { changes, ..f },
                        file,
                        doc: u32::try_from(at).unwrap_or(u32::MAX),
                        editable: true,
                    },
                    None => Fixable {
                        fix: f,
                        file: res.file,
                        doc: u32::try_from(doc.index).unwrap_or(u32::MAX),
                        editable: res.editable,
                    },
                })
            }),
        }
        .boxed(),
    }
}

pub(super) fn finish_site_draft(
    d: Draft,
    files: &[SourceFile],
    strings: &Interner,
    lists: &RelatedLists,
    snippets: bool,
    covered: bool,
) -> Finding {
    let intern = |s: &str| {
        if covered {
            strings.get_covered(s)
        } else {
            strings.get(s)
        }
    };
    let Target::Site(site) = &d.primary else {
        unreachable!("internal error: cross-object drafts carry sites")
    };
    let path = files
        .get(site.file as usize)
        .map_or("", |f| f.path.as_str());
    let related = d
        .related
        .iter()
        .filter_map(|(t, text)| match t {
            Target::Site(s) => Some(Related {
                at: Location {
                    file: s.file,
                    region: s.region,
                },
                text: intern(text),
            }),
            Target::Label(_) => None,
        })
        .collect();
    Finding {
        meta: d.meta,
        severity: d.severity,
        message: intern(d.message.as_deref().unwrap_or(d.meta.summary)),
        help: d.help.map(|h| intern(&h)),
        primary: Location {
            file: site.file,
            region: site.region,
        },
        object: site.object.clone(),
        route: site.route.clone(),
        fingerprint: fingerprint(
            d.meta.id,
            path,
            site.object.as_deref(),
            &site.route,
            d.identity.as_deref(),
        ),
        extra: Extra {
            label: d.label.filter(|_| snippets).map(|l| intern(&l)),
            related: lists.get(related),
            // Edited in the document the facts recorded (a plain manifest, or the Kustomize
            // resource that alone wrote the object), planned and verified as any other fix.
            fix: d.fix.zip(d.fix_doc).map(|(f, doc)| {
                Box::new(Fixable {
                    fix: *f,
                    file: doc.file,
                    doc: doc.doc,
                    editable: doc.editable,
                })
            }),
            ..Extra::default()
        }
        .boxed(),
    }
}

/// A finding's fingerprint: its rule, the file that holds it, its object, the route in the
/// object and, when the rule gives one, what tells it apart from the rule's other findings at
/// that place (absent for most: their fingerprints are the same as before it existed).
pub(crate) fn fingerprint(
    rule: &str,
    path: &str,
    ident: Option<&ObjectIdent>,
    route: &str,
    identity: Option<&str>,
) -> Fingerprint {
    let empty = ObjectIdent::default();
    let i = ident.unwrap_or(&empty);
    let parts = [
        rule,
        path,
        &i.api_version,
        &i.kind,
        i.namespace.as_deref().unwrap_or(""),
        i.name.as_deref().unwrap_or(""),
        route,
        identity.unwrap_or(""),
    ];
    stable_hash(&parts[..parts.len() - usize::from(identity.is_none())])
}

/// The route as text, with list items named by their `name` where they have one
/// (`containers[name=web]`), so fingerprints survive reordering.
pub(super) fn stable_route(doc: &Doc<'_>, pointer: &Pointer) -> String {
    let mut out = String::with_capacity(64);
    let mut node = Some(doc.root());
    for seg in pointer.segs() {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
                node = node.and_then(|n| n.get(k));
            }
            Seg::Index(i) => {
                node = node.and_then(|n| n.at(*i as usize));
                match node.and_then(|n| n.get("name")).and_then(NodeRef::as_str) {
                    Some(name) => {
                        out.push_str("[name=");
                        out.push_str(name);
                        out.push(']');
                    }
                    None => {
                        use std::fmt::Write as _;
                        let _ = write!(out, "[{i}]");
                    }
                }
            }
        }
    }
    out
}

/// A `parse-error` finding for a whole file.
pub(super) fn file_error(
    file: u32,
    path: &str,
    message: String,
    text: &str,
    offset: usize,
) -> Finding {
    let index = LineIndex::new(text);
    let offset = u32::try_from(offset).unwrap_or(u32::MAX);
    let end = next_char_boundary(text, offset);
    let meta = &crate::rules::validity::ParseError::META;
    Finding {
        meta,
        severity: meta.severity,
        extra: Extra {
            label: Some(message.clone().into()),
            ..Extra::default()
        }
        .boxed(),
        message: message.into(),
        help: Some(
            "Fix the file so that it is valid YAML or JSON; kubectl would reject it.".into(),
        ),
        primary: Location {
            file,
            region: index.region(text, offset, end),
        },
        object: None,
        route: "".into(),
        fingerprint: stable_hash(&[meta.id, path]),
    }
}

pub(super) fn next_char_boundary(text: &str, offset: u32) -> u32 {
    let o = offset as usize;
    text.get(o..)
        .and_then(|s| s.chars().next())
        .map_or(offset, |c| {
            offset + u32::try_from(c.len_utf8()).unwrap_or(1)
        })
}
