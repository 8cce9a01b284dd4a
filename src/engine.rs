//! The lint pipeline: read → parse → objects → rules → resolved findings, in parallel per file,
//! then the cross-object pass over the index.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::finding::{Finding, Location, Related, stable_hash};
use crate::input::{Input, InputSource};
use crate::model::{Facts, Object, ObjectIdent, Site, World};
use crate::rule::Target;
use crate::rule::{Context, Draft, Rule, Settings, WorldContext};
use crate::suppress::{self, Directive};
use crate::yaml::{
    Doc, Docs, Focus, Label, LineIndex, NodeRef, Pointer, Region, Seg, comments, span_of,
};

/// A file of the run.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as shown to the user (relative to the working directory when under it).
    pub path: String,
    /// The text, kept only for files whose findings will be rendered with a snippet.
    pub text: Option<Arc<str>>,
    /// Where to read the text again if it was not kept (findings of the cross-object pass).
    pub disk: Option<std::path::PathBuf>,
}

impl SourceFile {
    /// The text: kept, or read again from disk.
    pub fn load(&self) -> Arc<str> {
        if let Some(t) = &self.text {
            return t.clone();
        }
        self.disk
            .as_ref()
            .and_then(|p| std::fs::read(p).ok())
            .map_or_else(
                || Arc::from(""),
                |b| Arc::from(String::from_utf8_lossy(&b).into_owned()),
            )
    }
}

/// Counts for the summary: every file and document is accounted for. Each file visited is
/// exactly one of linted, failed or skipped.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Files read and parsed completely.
    pub files_linted: usize,
    /// Files not linted, by reason.
    pub files_skipped: BTreeMap<String, usize>,
    /// Files that could not be read or parsed completely (the documents before a syntax error
    /// are still checked).
    pub files_failed: usize,
    /// Failed files, by reason.
    pub files_failed_reasons: BTreeMap<String, usize>,
    /// Bytes read.
    pub bytes: u64,
    /// Documents seen in linted files.
    pub documents: usize,
    /// Kubernetes objects linted (List items count one each).
    pub objects: usize,
    /// Documents not linted, by reason.
    pub documents_skipped: BTreeMap<String, usize>,
    /// Wall time.
    pub elapsed: Duration,
}

/// The result of a run.
#[derive(Debug, Default)]
pub struct Run {
    /// Every file of the run, indexed by file id.
    pub files: Vec<SourceFile>,
    /// Findings, sorted.
    pub findings: Vec<Finding>,
    /// Counts.
    pub stats: Stats,
    /// Paths not linted, with the reason (listed in verbose mode).
    pub skipped_paths: Vec<(String, String)>,
    /// Files that could not be read or parsed completely, with what went wrong.
    pub failed_paths: Vec<(String, String)>,
}

/// How to run.
pub struct Options<'a> {
    /// Enabled rules.
    pub rules: Vec<&'static dyn Rule>,
    /// Rule settings.
    pub settings: &'a Settings,
    /// Keep source text of files with findings (for snippets).
    pub keep_text: bool,
    /// Called after each file (progress bar).
    pub progress: Option<&'a (dyn Fn() + Sync)>,
}

struct FileOutcome {
    findings: Vec<Finding>,
    facts: Vec<Facts>,
    directives: Vec<Directive>,
    stats: Stats,
    text: Option<Arc<str>>,
    /// What went wrong with this file, in detail (the reason is counted in `stats`).
    failure: Option<String>,
}

impl FileOutcome {
    fn fail(&mut self, reason: &str, detail: String) {
        self.stats.files_failed += 1;
        *self
            .stats
            .files_failed_reasons
            .entry(reason.to_owned())
            .or_default() += 1;
        self.failure = Some(detail);
    }
}

/// Lint the inputs.
pub fn lint(inputs: Vec<Input>, skipped: Vec<(String, String)>, opts: &Options<'_>) -> Run {
    let started = Instant::now();
    let outcomes: Vec<FileOutcome> = inputs
        .par_iter()
        .enumerate()
        .map(|(i, input)| {
            let out = lint_file(u32::try_from(i).unwrap_or(u32::MAX), input, opts);
            if let Some(p) = opts.progress {
                p();
            }
            out
        })
        .collect();

    let mut run = Run {
        skipped_paths: skipped,
        ..Run::default()
    };
    for (_, reason) in &run.skipped_paths {
        *run.stats.files_skipped.entry(reason.clone()).or_default() += 1;
    }
    let mut world = World::default();
    let mut directives = Vec::new();
    for (input, outcome) in inputs.into_iter().zip(outcomes) {
        merge_stats(&mut run.stats, outcome.stats);
        if let Some(detail) = outcome.failure {
            run.failed_paths.push((input.display.clone(), detail));
        }
        run.findings.extend(outcome.findings);
        directives.extend(outcome.directives);
        world.objects.extend(outcome.facts);
        let disk = match input.source {
            InputSource::Path(p) => Some(p),
            InputSource::Bytes(b) if outcome.text.is_none() => {
                // In-memory input (stdin): keep it, it cannot be read again.
                let text = String::from_utf8_lossy(&b).into_owned();
                run.files.push(SourceFile {
                    path: input.display,
                    text: Some(Arc::from(text)),
                    disk: None,
                });
                continue;
            }
            InputSource::Bytes(_) => None,
        };
        run.files.push(SourceFile {
            path: input.display,
            text: outcome.text,
            disk,
        });
    }
    let mut wcx = WorldContext::new(opts.settings);
    for rule in &opts.rules {
        rule.check_world(&world, &mut wcx);
    }
    for draft in wcx.drafts {
        run.findings.push(finish_site_draft(draft, &run.files));
    }
    if !directives.is_empty() {
        let enabled: Vec<&str> = opts.rules.iter().map(|r| r.meta().id).collect();
        let paths: Vec<String> = run.files.iter().map(|f| f.path.clone()).collect();
        let meta = suppress::apply(
            &mut run.findings,
            &directives,
            &enabled,
            suppress::today(),
            &paths,
        );
        run.findings.extend(meta);
    }
    run.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    run.findings
        .dedup_by(|a, b| a.fingerprint == b.fingerprint && a.primary == b.primary);
    run.stats.elapsed = started.elapsed();
    run
}

fn merge_stats(into: &mut Stats, from: Stats) {
    into.files_linted += from.files_linted;
    into.files_failed += from.files_failed;
    into.bytes += from.bytes;
    into.documents += from.documents;
    into.objects += from.objects;
    for (k, v) in from.files_skipped {
        *into.files_skipped.entry(k).or_default() += v;
    }
    for (k, v) in from.files_failed_reasons {
        *into.files_failed_reasons.entry(k).or_default() += v;
    }
    for (k, v) in from.documents_skipped {
        *into.documents_skipped.entry(k).or_default() += v;
    }
}

fn read(input: &Input) -> Result<Vec<u8>, std::io::Error> {
    match &input.source {
        InputSource::Path(p) => std::fs::read(p),
        InputSource::Bytes(b) => Ok(b.to_vec()),
    }
}

fn lint_file(file: u32, input: &Input, opts: &Options<'_>) -> FileOutcome {
    let mut out = FileOutcome {
        findings: Vec::new(),
        facts: Vec::new(),
        directives: Vec::new(),
        stats: Stats::default(),
        text: None,
        failure: None,
    };
    let bytes = match read(input) {
        Ok(b) => b,
        Err(e) => {
            let message = format!("cannot read file: {e}");
            out.fail(&format!("cannot read file ({})", e.kind()), message.clone());
            out.findings
                .push(file_error(file, &input.display, message, "", 0));
            return out;
        }
    };
    out.stats.bytes = bytes.len() as u64;
    let check = bytes.len().min(8192);
    if bytes[..check].contains(&0) {
        let message = "binary file (contains NUL bytes)";
        out.fail(message, message.into());
        out.findings
            .push(file_error(file, &input.display, message.into(), "", 0));
        return out;
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let lossy_at = String::from_utf8_lossy(&e.as_bytes()[..at]).len();
            let (line, _) = LineIndex::new(&lossy).line_col(&lossy, to_u32(lossy_at));
            out.fail(
                "not valid UTF-8",
                format!("file is not valid UTF-8 (line {line})"),
            );
            out.findings.push(file_error(
                file,
                &input.display,
                "file is not valid UTF-8".into(),
                &lossy,
                lossy_at,
            ));
            if opts.keep_text {
                out.text = Some(Arc::from(lossy));
            }
            return out;
        }
    };
    lint_text(file, input, &text, opts, &mut out);
    if opts.keep_text && (!out.findings.is_empty() || !out.directives.is_empty()) {
        out.text = Some(Arc::from(text));
    }
    out
}

/// A `parse-error` finding for a whole file.
fn file_error(file: u32, path: &str, message: String, text: &str, offset: usize) -> Finding {
    let index = LineIndex::new(text);
    let offset = u32::try_from(offset).unwrap_or(u32::MAX);
    let end = next_char_boundary(text, offset);
    let meta = &crate::rules::validity::ParseError::META;
    Finding {
        meta,
        severity: meta.severity,
        label: Some(message.clone()),
        message,
        help: Some(
            "Fix the file so that it is valid YAML or JSON; kubectl would reject it.".into(),
        ),
        primary: Location {
            file,
            region: index.region(text, offset, end),
        },
        related: Vec::new(),
        object: None,
        route: String::new(),
        fingerprint: stable_hash(&[meta.id, path]),
        sensitive: Vec::new(),
        suppressed: None,
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn next_char_boundary(text: &str, offset: u32) -> u32 {
    let o = offset as usize;
    text.get(o..)
        .and_then(|s| s.chars().next())
        .map_or(offset, |c| {
            offset + u32::try_from(c.len_utf8()).unwrap_or(1)
        })
}

/// Per-document resolution state: turns labels into locations.
struct Resolver<'t> {
    file: u32,
    path: &'t str,
    text: &'t str,
    index: Option<LineIndex>,
}

impl Resolver<'_> {
    fn region(&mut self, start: u32, end: u32) -> Region {
        let text = self.text;
        self.index
            .get_or_insert_with(|| LineIndex::new(text))
            .region(text, start, end)
    }

    fn location(&mut self, doc: &Doc<'_>, label: &Label) -> Location {
        let (s, e) = span_of(doc, self.text, label);
        Location {
            file: self.file,
            region: self.region(s, e),
        }
    }

    fn site(&mut self, doc: &Doc<'_>, label: &Label, object: &ObjectIdent) -> Site {
        Site {
            file: self.file,
            region: self.location(doc, label).region,
            object: Some(object.clone()),
            route: stable_route(doc, &label.pointer),
        }
    }
}

fn lint_text(file: u32, input: &Input, text: &str, opts: &Options<'_>, out: &mut FileOutcome) {
    // One document at a time: each tree is dropped before the next is built.
    let mut docs = Docs::new(text);
    let mut res = Resolver {
        file,
        path: &input.display,
        text,
        index: None,
    };
    let mut doc_spans = Vec::new();
    for doc in docs.by_ref() {
        let doc = &doc;
        doc_spans.push(doc.content_span());
        out.stats.documents += 1;
        let root = doc.root();
        if root.is_null() {
            *out.stats
                .documents_skipped
                .entry("empty document".into())
                .or_default() += 1;
            continue;
        }
        let Some(obj) = Object::from_node(root, Pointer::root(), &input.display, doc.index) else {
            *out.stats
                .documents_skipped
                .entry("not a Kubernetes object".into())
                .or_default() += 1;
            continue;
        };
        if obj.is_list() {
            for (i, item) in obj
                .node
                .get("items")
                .into_iter()
                .flat_map(NodeRef::items)
                .enumerate()
            {
                let base = Pointer::root().join([Seg::from("items"), Seg::from(i)]);
                match Object::from_node(item, base, &input.display, doc.index) {
                    Some(o) => lint_object(doc, &o, opts, &mut res, out),
                    None => {
                        *out.stats
                            .documents_skipped
                            .entry("List item that is not an object".into())
                            .or_default() += 1
                    }
                }
            }
            continue;
        }
        lint_object(doc, &obj, opts, &mut res, out);
    }
    if text.contains("kubeward:") {
        out.directives
            .extend(comment_directives(&doc_spans, &mut res));
    }
    match docs.error {
        Some(err) => {
            let message = format!("YAML syntax error: {}", err.message);
            let end = next_char_boundary(text, err.offset);
            let region = res.region(err.offset, end);
            out.fail(
                "YAML syntax error",
                format!("{message} (line {}, column {})", region.line, region.col),
            );
            let mut f = file_error(file, &input.display, message, "", 0);
            f.primary.region = region;
            out.findings.push(f);
        }
        None => out.stats.files_linted += 1,
    }
}

/// Suppression directives written as comments in this file; `docs` are the byte spans of the
/// documents' contents.
fn comment_directives(docs: &[(u32, u32)], res: &mut Resolver<'_>) -> Vec<Directive> {
    let text = res.text;
    let comments = comments(text);
    let regions: Vec<Region> = comments
        .iter()
        .map(|c| res.region(c.start, c.end))
        .collect();
    let doc_lines: Vec<(u32, u32)> = docs
        .iter()
        .map(|&(s, e)| (res.region(s, s).line, res.region(e, e).line))
        .collect();
    let lines: Vec<&str> = text.lines().collect();
    suppress::from_comments(res.file, &comments, &regions, &doc_lines, &lines)
}

/// The `kubeward.io/ignore` annotation of an object, as a directive covering the object.
fn annotation_directive(
    doc: &Doc<'_>,
    obj: &Object<'_>,
    res: &mut Resolver<'_>,
) -> Option<Directive> {
    let value = obj.annotation(suppress::ANNOTATION)?;
    let at = res.location(
        doc,
        &obj.at(["metadata", "annotations", suppress::ANNOTATION]),
    );
    let whole = res.location(
        doc,
        &Label {
            focus: Focus::Whole,
            ..obj.at(std::iter::empty::<Seg>())
        },
    );
    let scope = suppress::Scope::Lines(whole.region.line, whole.region.end_line);
    let object = Some(obj.ident());
    Some(match suppress::parse_annotation(value) {
        Ok(suppress::Parsed {
            rules,
            until,
            reason,
            ..
        }) => Directive {
            at,
            scope,
            rules,
            reason,
            until,
            object,
            malformed: None,
        },
        Err(why) => Directive {
            at,
            scope,
            rules: Vec::new(),
            reason: None,
            until: None,
            object,
            malformed: Some(format!("`{}`: {why}", suppress::ANNOTATION)),
        },
    })
}

fn lint_object(
    doc: &Doc<'_>,
    obj: &Object<'_>,
    opts: &Options<'_>,
    res: &mut Resolver<'_>,
    out: &mut FileOutcome,
) {
    out.stats.objects += 1;
    if let Some(d) = annotation_directive(doc, obj, res) {
        out.directives.push(d);
    }
    let mut cx = Context::new(opts.settings);
    for rule in &opts.rules {
        rule.check_object(obj, &mut cx);
    }
    let ident = obj.ident();
    for draft in cx.drafts {
        out.findings
            .push(finish_label_draft(draft, doc, res, &ident));
    }
    out.facts.push(Facts::extract(obj, &mut |l: Label| {
        res.site(doc, &l, &ident)
    }));
}

fn finish_label_draft(
    d: Draft,
    doc: &Doc<'_>,
    res: &mut Resolver<'_>,
    ident: &ObjectIdent,
) -> Finding {
    let (primary, label_text, route) = match &d.primary {
        Target::Label(l) => (
            res.location(doc, l),
            l.text.as_ref().map(ToString::to_string),
            stable_route(doc, &l.pointer),
        ),
        Target::Site(s) => (
            Location {
                file: s.file,
                region: s.region,
            },
            None,
            s.route.clone(),
        ),
    };
    let related = d
        .related
        .iter()
        .map(|(t, text)| Related {
            at: match t {
                Target::Label(l) => res.location(doc, l),
                Target::Site(s) => Location {
                    file: s.file,
                    region: s.region,
                },
            },
            text: text.clone(),
        })
        .collect();
    let sensitive = d.sensitive.iter().map(|l| res.location(doc, l)).collect();
    let fingerprint = fingerprint(d.meta.id, res.path, Some(ident), &route);
    Finding {
        meta: d.meta,
        severity: d.severity,
        message: d
            .message
            .or_else(|| label_text.clone())
            .unwrap_or_else(|| d.meta.summary.to_owned()),
        label: label_text,
        help: d.help.map(|h| h.into_owned()),
        primary,
        related,
        object: Some(ident.clone()),
        route,
        fingerprint,
        sensitive,
        suppressed: None,
    }
}

fn finish_site_draft(d: Draft, files: &[SourceFile]) -> Finding {
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
                text: text.clone(),
            }),
            Target::Label(_) => None,
        })
        .collect();
    Finding {
        meta: d.meta,
        severity: d.severity,
        message: d.message.unwrap_or_else(|| d.meta.summary.to_owned()),
        label: None,
        help: d.help.map(|h| h.into_owned()),
        primary: Location {
            file: site.file,
            region: site.region,
        },
        related,
        object: site.object.clone(),
        route: site.route.clone(),
        fingerprint: fingerprint(d.meta.id, path, site.object.as_ref(), &site.route),
        sensitive: Vec::new(),
        suppressed: None,
    }
}

fn fingerprint(rule: &str, path: &str, ident: Option<&ObjectIdent>, route: &str) -> String {
    let empty = ObjectIdent::default();
    let i = ident.unwrap_or(&empty);
    stable_hash(&[
        rule,
        path,
        &i.api_version,
        &i.kind,
        i.namespace.as_deref().unwrap_or(""),
        i.name.as_deref().unwrap_or(""),
        route,
    ])
}

/// The route as text, with list items named by their `name` where they have one
/// (`containers[name=web]`), so fingerprints survive reordering.
fn stable_route(doc: &Doc<'_>, pointer: &Pointer) -> String {
    let mut out = String::new();
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
                    None => out.push_str(&format!("[{i}]")),
                }
            }
        }
    }
    out
}

/// Lint an in-memory manifest with the given rules (tests and the docs checker use this).
pub fn lint_str(path: &str, text: &str, rules: Vec<&'static dyn Rule>, settings: &Settings) -> Run {
    let input = Input {
        display: path.to_owned(),
        source: InputSource::Bytes(Arc::from(text.as_bytes())),
    };
    lint(
        vec![input],
        Vec::new(),
        &Options {
            rules,
            settings,
            keep_text: true,
            progress: None,
        },
    )
}
