//! Tracing a finding in rendered output back to the file and line that wrote it.
//!
//! Tracing a finding in rendered output back to the file and line that wrote it: the Helm
//! template named by `# Source:`, or the Kustomize resource, patch or kustomization.
//!
//! [`Sources`] loads the files one input may be traced to (owned texts); [`Tracer`] parses them
//! and maps labels of the rendered documents onto them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::exec;
use super::plan::{Rendered, Via};
use super::registry::Registry;
use super::routes::node_at;
use crate::finding::{Fingerprint, Location, Trace};
use crate::input::{Input, InputSource, display_path};
use crate::model::ObjectIdent;
use crate::yaml::{
    Doc, Label, LineIndex, NodeRef, Pointer, Region, Stream, find_route_loose, first_line,
    parse_stream,
};

/// A file a finding may be traced to.
pub(super) struct Loaded {
    pub(super) id: u32,
    pub(super) display: String,
    pub(super) text: Arc<str>,
    /// Parsed as YAML (not a Helm template).
    yaml: bool,
}

/// The Helm template of one document.
struct HelmDoc {
    /// As written after `# Source:`.
    source: String,
    /// The template file, when found.
    file: Option<usize>,
}

/// The files one input's findings may be traced to.
pub struct Sources {
    pub(super) rendered: Option<Arc<Rendered>>,
    pub(super) files: Vec<Loaded>,
    pub(super) by_path: HashMap<PathBuf, usize>,
    helm: Vec<Option<HelmDoc>>,
    /// Inline patches: (kustomization file, route of the block scalar, its text).
    pub(super) inline: Vec<(usize, Pointer, String)>,
    /// Where a finding goes when nothing better is known (the overlay's kustomization, the
    /// chart's `Chart.yaml`).
    pub(super) fallback: Option<usize>,
}

impl Sources {
    /// The sources of `input` (whose text is `text`, parsed as `stream`); `None` when it is not
    /// rendered output.
    pub fn new(
        input: &Input,
        text: &str,
        stream: &Stream<'_>,
        registry: &Registry,
    ) -> Option<Self> {
        let rendered = match &input.source {
            InputSource::Rendered(r) => Some(r.clone()),
            _ => None,
        };
        let mut src = Sources {
            rendered: rendered.clone(),
            files: Vec::new(),
            by_path: HashMap::new(),
            helm: Vec::new(),
            inline: Vec::new(),
            fallback: None,
        };
        match rendered.as_deref().map(|r| &r.via) {
            Some(Via::Kustomize {
                kustomization,
                docs,
            }) => {
                src.fallback = src.load(registry, kustomization, true);
                for kd in docs {
                    if let Some(p) = &kd.origin {
                        src.load(registry, p, true);
                    }
                    if let Some((k, _)) = &kd.generated {
                        src.load(registry, k, true);
                    }
                    for k in &kd.images {
                        src.load(registry, k, true);
                    }
                    for p in &kd.patches {
                        let Some(i) = src.load(registry, &p.file, true) else {
                            continue;
                        };
                        if let Some(ptr) = &p.inline
                            && !src.inline.iter().any(|(f, q, _)| *f == i && q == ptr)
                        {
                            let s = parse_stream(&src.files[i].text);
                            let content = s
                                .docs
                                .first()
                                .and_then(|d| node_at(d.root(), ptr))
                                .and_then(NodeRef::text)
                                .map(str::to_owned);
                            if let Some(c) = content {
                                src.inline.push((i, ptr.clone(), c));
                            }
                        }
                    }
                }
            }
            chart => {
                let chart = match chart {
                    Some(Via::Helm { chart }) => Some(chart.as_path()),
                    _ => None,
                };
                if let Some(c) = chart {
                    src.fallback = src.load(registry, &c.join("Chart.yaml"), false);
                }
                let sources: Vec<Option<&str>> = stream
                    .docs
                    .iter()
                    .map(|doc| super::helm::source_comment(&doc.leading_comments(text)))
                    .collect();
                if rendered.is_none() && sources.iter().all(Option::is_none) {
                    return None;
                }
                let start = match &input.source {
                    InputSource::Path(p) => exec::absolute(p)
                        .parent()
                        .map_or_else(|| exec::absolute(Path::new(".")), Path::to_path_buf),
                    _ => exec::absolute(Path::new(".")),
                };
                for s in sources {
                    let hd = s.map(|s| {
                        let file = registry
                            .template(s, chart, &start)
                            .and_then(|p| src.load(registry, &p, false));
                        HelmDoc {
                            source: s.to_owned(),
                            file,
                        }
                    });
                    src.helm.push(hd);
                }
            }
        }
        Some(src)
    }

    fn load(&mut self, registry: &Registry, path: &Path, yaml: bool) -> Option<usize> {
        let path = exec::absolute(path);
        if let Some(&i) = self.by_path.get(&path) {
            return Some(i);
        }
        let (id, text) = registry.load(&path)?;
        self.files.push(Loaded {
            id,
            display: display_path(&path),
            text,
            yaml,
        });
        self.by_path.insert(path, self.files.len() - 1);
        Some(self.files.len() - 1)
    }
}

/// A finding's new primary location and what to record about the rendering.
pub struct Traced {
    /// Where the finding goes.
    pub at: Location,
    /// What to attach to the finding.
    pub trace: Trace,
    /// Path for the fingerprint (the file the finding now points at; empty when that is the
    /// rendered input itself).
    pub fingerprint_path: String,
    /// Path the fingerprint took before baseline format version 2: the Helm template named by
    /// `# Source:` when the finding stayed in rendered output the user committed.
    pub legacy_path: Option<String>,
    /// Identity for the fingerprint: the object as its source file names it.
    pub fingerprint_ident: Option<ObjectIdent>,
    /// Further places that explain the finding (e.g. the object a patch changed).
    pub related: Vec<(Location, String)>,
}

/// Maps labels of one input's rendered documents onto the files that wrote them.
pub struct Tracer<'s> {
    pub(super) src: &'s Sources,
    pub(super) streams: Vec<Option<Stream<'s>>>,
    pub(super) lines: Vec<LineIndex>,
    pub(super) inline: Vec<Stream<'s>>,
}

impl<'s> Tracer<'s> {
    /// Parse the sources.
    pub fn new(src: &'s Sources) -> Self {
        Tracer {
            src,
            streams: src
                .files
                .iter()
                .map(|f| f.yaml.then(|| parse_stream(&f.text)))
                .collect(),
            lines: src.files.iter().map(|f| LineIndex::new(&f.text)).collect(),
            inline: src.inline.iter().map(|(_, _, t)| parse_stream(t)).collect(),
        }
    }

    pub(super) fn location(&self, file: usize, (start, end): (u32, u32)) -> Location {
        let f = &self.src.files[file];
        Location {
            file: f.id,
            region: self.lines[file].region(&f.text, start, end),
        }
    }

    fn region_of(&self, file: usize, (start, end): (u32, u32)) -> Region {
        self.location(file, (start, end)).region
    }

    /// Where `label` of `doc` was written, for related and masked locations; `None` keeps the
    /// rendered location.
    pub fn locate(&self, doc: &Doc<'_>, label: &Label) -> Option<Location> {
        let found = match self.src.rendered.as_deref().map(|r| &r.via) {
            Some(Via::Kustomize { docs, .. }) => docs
                .get(doc.index)
                .and_then(|kd| self.kustomize(kd, doc, label))
                .map(|k| k.at),
            _ => self.helm(doc, label),
        };
        // A render kubeward ran is no file: never leave a location in it.
        found.or_else(|| self.fallback())
    }

    /// Where a finding in a render kubeward ran goes when nothing better is known: the overlay's
    /// `resources:` or the chart's `Chart.yaml`. `None` for the user's own inputs.
    pub fn fallback(&self) -> Option<Location> {
        let f = self.src.fallback?;
        Some(match self.src.rendered.as_deref().map(|r| &r.via) {
            Some(Via::Kustomize { .. }) => self.overlay_location(f),
            _ => self.location(f, first_line(&self.src.files[f].text)),
        })
    }

    /// Where a fix of rendered document `doc` is made, if anywhere: a Kustomize resource file
    /// that alone wrote what the changes touch, as (file id, document index, changes there).
    /// Helm output is never edited (its templates are not YAML kubeward may rewrite).
    pub fn fix_target(
        &self,
        doc: &Doc<'_>,
        changes: &[crate::yaml::Change],
    ) -> Option<(u32, usize, Vec<crate::yaml::Change>)> {
        match self.src.rendered.as_deref().map(|r| &r.via) {
            Some(Via::Kustomize { docs, .. }) => {
                self.kustomize_fix(docs.get(doc.index)?, doc, changes)
            }
            _ => None,
        }
    }

    /// The traced primary location of a finding at `label` of `doc`, rendered at `rendered`;
    /// `None` when the document was not rendered.
    pub fn primary(&self, doc: &Doc<'_>, label: &Label, rendered: Location) -> Option<Traced> {
        let rendered_is_input = self.src.rendered.is_none();
        match self.src.rendered.as_deref().map(|r| &r.via) {
            Some(Via::Kustomize { docs, .. }) => {
                let overlay = self.fallback();
                let k = docs
                    .get(doc.index)
                    .and_then(|kd| self.kustomize(kd, doc, label))
                    .or_else(|| overlay.map(super::origin::Mapped::at))?;
                Some(Traced {
                    fingerprint_path: self.display_of(k.at.file),
                    fingerprint_ident: k.ident,
                    at: k.at,
                    trace: Trace {
                        via: "kustomize",
                        template: None,
                        rendered,
                        rendered_is_input,
                        overlays: overlay.into_iter().collect(),
                        legacy: Fingerprint::default(),
                    },
                    legacy_path: None,
                    related: k.related,
                })
            }
            _ => {
                let hd = self.src.helm.get(doc.index).and_then(Option::as_ref);
                if hd.is_none() && rendered_is_input {
                    return None;
                }
                let at = self
                    .helm(doc, label)
                    .or_else(|| self.fallback())
                    .unwrap_or(rendered);
                // The file that holds the finding is part of its identity: one chart rendered
                // into `envs/staging/` and `envs/prod/` gives two findings, not one. When the
                // finding stays in rendered output (its template is not in the repository), that
                // is the rendered file (the finishing of the finding knows its path; it is not
                // among the sources), not the template the `# Source:` comment names.
                let fingerprint_path = self.display_of(at.file);
                let legacy_path = hd
                    .filter(|_| at.file == rendered.file)
                    .map(|hd| hd.source.clone());
                Some(Traced {
                    at,
                    trace: Trace {
                        via: "helm",
                        template: hd.map(|h| h.source.clone()),
                        rendered,
                        rendered_is_input,
                        overlays: Vec::new(),
                        legacy: Fingerprint::default(),
                    },
                    fingerprint_path,
                    legacy_path,
                    fingerprint_ident: None,
                    related: Vec::new(),
                })
            }
        }
    }

    fn display_of(&self, id: u32) -> String {
        self.src
            .files
            .iter()
            .find(|f| f.id == id)
            .map(|f| f.display.clone())
            .unwrap_or_default()
    }

    /// The line of the template that writes `label`'s key, else the template's first line.
    fn helm(&self, doc: &Doc<'_>, label: &Label) -> Option<Location> {
        let file = self.src.helm.get(doc.index)?.as_ref()?.file?;
        let text = &self.src.files[file].text;
        let kind = doc.root().get("kind").and_then(NodeRef::as_str);
        let span =
            find_route_loose(text, kind, label.pointer.segs()).unwrap_or_else(|| first_line(text));
        Some(self.location(file, span))
    }

    /// The YAML files rendered output was traced to (resources, patches, kustomizations), for
    /// the suppression comments written in them: (file id, text, documents, line index).
    pub fn yaml_sources(&self) -> impl Iterator<Item = (u32, &str, &[Doc<'_>], &LineIndex)> {
        self.streams.iter().enumerate().filter_map(move |(i, s)| {
            let f = &self.src.files[i];
            s.as_ref()
                .map(|s| (f.id, f.text.as_ref(), s.docs.as_slice(), &self.lines[i]))
        })
    }

    /// The first line of a template (a file that is not YAML) that holds `needle` (the text of a
    /// comment Helm copied into its output).
    pub fn find_line(&self, needle: &str) -> Option<Location> {
        let needle = needle.trim();
        if needle.is_empty() {
            return None;
        }
        self.src
            .files
            .iter()
            .enumerate()
            .filter(|(_, f)| !f.yaml)
            .find_map(|(i, f)| {
                let at = f.text.find(needle)?;
                let at = u32::try_from(at).ok()?;
                let len = u32::try_from(needle.len()).ok()?;
                Some(self.location(i, (at, at + len)))
            })
    }

    /// Where an overlay is named: its `resources:` key, else its first line.
    pub(super) fn overlay_location(&self, file: usize) -> Location {
        let f = &self.src.files[file];
        let span = self.streams[file]
            .as_ref()
            .and_then(|s| s.docs.first())
            .and_then(|d| {
                let label = Label::at(Pointer::root().key("resources")).key();
                d.root()
                    .get("resources")
                    .map(|_| crate::yaml::span_of(d, &f.text, &label))
            })
            .unwrap_or_else(|| first_line(&f.text));
        Location {
            file: f.id,
            region: self.region_of(file, span),
        }
    }
}
