//! One file's work: read, parse, lint every object, gather facts and suppression directives.
//!
//! One file's work: read, decode, parse each document, lint each object with every enabled
//! rule, gather its facts for the cross-object index and its suppression directives.

use std::sync::Arc;

use crate::finding::{Finding, Location};
use crate::input::read::{Refused, read};
use crate::input::{Input, InputSource};
use crate::model::{DocRef, Facts, Home, Object, ObjectIdent};
use crate::render;
use crate::rule::Context;
use crate::suppress::Directive;
use crate::yaml::{Change, Doc, Docs, Label, Pointer, RealComments, Scalar, parse_stream};

use super::directives::{
    annotation_directive, comment_directives, directives_in, is_directive, render_scoped,
};
use super::finish::{Resolver, file_error, finish_label_draft, next_char_boundary};
use super::mask::{drawn, flagged_values};
use super::options::{Gather, Options, Shared};
use super::run::{Failure, Stats};

pub(super) struct FileOutcome {
    /// Whether Pod Security facts were gathered.
    pub(super) pod_security: bool,
    pub(super) findings: Vec<Finding>,
    pub(super) masks: Vec<Location>,
    /// The values the secret checks flagged.
    pub(super) secrets: Vec<Box<str>>,
    pub(super) facts: Vec<Facts>,
    pub(super) directives: Vec<Directive>,
    pub(super) stats: Stats,
    pub(super) text: Option<Arc<str>>,
    /// The chart the file was rendered from, when it is Helm output a user committed (the top
    /// chart of its first `# Source:` comment): its objects share the release's namespace.
    pub(super) chart: Option<Box<str>>,
    /// What went wrong with this file, if anything.
    pub(super) failure: Option<Failure>,
}

/// Lint one file. With `pod_security`, Pod Security facts are gathered (when the run's rules
/// read them) whether or not a file that may set a level has been seen.
pub(super) fn lint_file(
    file: u32,
    input: &Input,
    opts: &Options<'_>,
    shared: &Shared<'_>,
    pod_security: bool,
) -> FileOutcome {
    let mut out = FileOutcome {
        pod_security: false,
        findings: Vec::new(),
        masks: Vec::new(),
        secrets: Vec::new(),
        facts: Vec::new(),
        directives: Vec::new(),
        stats: Stats::default(),
        text: None,
        chart: None,
        failure: None,
    };
    // A file that cannot be read at all: one `parse-error` at its start. Its text is kept
    // empty, so that a snippet never reads it (whole) again.
    let unreadable = |mut out: FileOutcome, failure: Failure| {
        out.findings.push(file_error(
            file,
            &input.display,
            failure.detail.clone(),
            "",
            0,
        ));
        out.failure = Some(failure);
        if opts.keep_text {
            out.text = Some(Arc::from(""));
        }
        out
    };
    let bytes = match read(input, opts.max_file_size) {
        Ok(Ok(b)) => b,
        Ok(Err(Refused::TooLarge(size))) => {
            let mut out = unreadable(out, Failure::too_large(size, opts.max_file_size));
            if let Some(f) = out.findings.last_mut() {
                f.help = Some(
                    "Split the file, exclude it (--exclude), or raise --max-file-size (or `max-file-size` in the configuration) to lint it."
                        .into(),
                );
            }
            return out;
        }
        Ok(Err(Refused::Binary)) => return unreadable(out, Failure::binary()),
        Ok(Err(Refused::NotUtf8(block))) => block,
        Err(e) => return unreadable(out, Failure::unreadable(&e)),
    };
    out.stats.bytes = bytes.len() as u64;
    if let Some(p) = &shared.policy {
        p.note(file, &bytes);
    }
    if shared.gather.pod_security {
        use std::sync::atomic::Ordering::Relaxed;
        if !shared.pss_seen.load(Relaxed) && may_set_pss(&bytes) {
            shared.pss_seen.store(true, Relaxed);
        }
        out.pod_security = pod_security || shared.pss_seen.load(Relaxed);
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let lossy_at = String::from_utf8_lossy(&e.as_bytes()[..at]).len();
            let f = file_error(
                file,
                &input.display,
                "file is not valid UTF-8".into(),
                &lossy,
                lossy_at,
            );
            out.failure = Some(Failure::not_utf8(f.primary.region.line));
            out.findings.push(f);
            if opts.keep_text {
                out.text = Some(Arc::from(lossy));
            }
            return out;
        }
    };
    let gather = Gather {
        pod_security: out.pod_security,
        ..shared.gather
    };
    lint_text(file, input, &text, opts, shared, gather, &mut out);
    if !input.report {
        out.findings.clear();
        out.masks.clear();
        out.secrets.clear();
        out.directives.clear();
    }
    if opts.keep_text && input.report && (!out.findings.is_empty() || !out.directives.is_empty()) {
        out.text = Some(Arc::from(text));
    }
    out
}

pub(super) fn lint_text(
    file: u32,
    input: &Input,
    text: &str,
    opts: &Options<'_>,
    shared: &Shared<'_>,
    gather: Gather,
    out: &mut FileOutcome,
) {
    // Rendered output is traced to its templates, which needs every document of the stream at
    // once; anything else is parsed and linted one document at a time, so a large stream costs
    // the memory of one document's tree. Context files are never traced: what they hold is never
    // reported.
    // (One search for `# Source:` serves the trace and the Helm chart of committed output.)
    let rendered = matches!(input.source, InputSource::Rendered(_));
    let path = matches!(input.source, InputSource::Path(_));
    let source = (!rendered && (input.report || (gather.world && path)))
        .then(|| memchr::memmem::find(text.as_bytes(), b"# Source:"))
        .flatten();
    if gather.world && path {
        out.chart = source.and_then(|at| helm_chart(&text[at..])).map(Box::from);
    }
    let traceable = input.report && (rendered || source.is_some());
    let stream = traceable.then(|| parse_stream(text));
    let sources = stream
        .as_ref()
        .and_then(|s| render::Sources::new(input, text, s, shared.registry));
    let tracer = sources.as_ref().map(render::Tracer::new);
    let mut res = Resolver {
        file,
        path: &input.display,
        text,
        index: None,
        tracer: tracer.as_ref(),
        strings: shared.strings,
        gather,
        dormant: &shared.dormant,
        covered: input.report,
        // Only a plain manifest on disk is edited by a fix, never rendered output.
        editable: matches!(input.source, InputSource::Path(_)) && tracer.is_none(),
    };
    // Where each document's content starts and ends (suppression comments are scoped by them).
    let mut spans = Vec::new();
    // Suppression directives are read only from real comments: each document drops those
    // inside its scalars.
    let mut directives =
        has(text.as_bytes(), "kubeward:").then(|| RealComments::new(text, is_directive));
    let error = match &stream {
        Some(stream) => {
            for doc in &stream.docs {
                spans.push(doc.content_span());
                if let Some(d) = &mut directives {
                    d.see(doc);
                }
                lint_doc(doc, input, opts, &mut res, out);
            }
            stream.error.clone()
        }
        None => {
            let mut docs = Docs::new(text);
            for doc in docs.by_ref() {
                spans.push(doc.content_span());
                if let Some(d) = &mut directives {
                    d.see(&doc);
                }
                lint_doc(&doc, input, opts, &mut res, out);
            }
            docs.error
        }
    };
    if let Some(directives) = directives {
        let mut found = comment_directives(directives.finish(), &spans, &mut res);
        if let Some(t) = res.tracer {
            render_scoped(&mut found, file, text, t);
        }
        out.directives.extend(found);
    }
    if let Some(t) = res.tracer {
        // Comments of the files rendered output was traced to (kustomize drops them).
        for (id, origin, docs, index) in t.yaml_sources() {
            if origin.contains("kubeward:") {
                let spans: Vec<(u32, u32)> = docs.iter().map(Doc::content_span).collect();
                let mut real = RealComments::new(origin, is_directive);
                for d in docs {
                    real.see(d);
                }
                out.directives.extend(directives_in(
                    id,
                    origin,
                    real.finish(),
                    &spans,
                    &mut |s, e| index.region(origin, s, e),
                ));
            }
        }
    }
    if let Some(err) = error {
        let mut f = file_error(
            file,
            &input.display,
            format!("YAML syntax error: {}", err.message),
            "",
            0,
        );
        let end = next_char_boundary(text, err.offset);
        f.primary.region = res.region(err.offset, end);
        out.failure = Some(Failure::syntax(f.primary.region.line, &err.message));
        if let Some(at) = res.tracer.and_then(render::Tracer::fallback) {
            f.primary = at;
        }
        out.findings.push(f);
    } else {
        out.stats.files_linted += 1;
    }
}

/// Lint one document: its object, or each item of a List.
pub(super) fn lint_doc(
    doc: &Doc<'_>,
    input: &Input,
    opts: &Options<'_>,
    res: &mut Resolver<'_>,
    out: &mut FileOutcome,
) {
    out.stats.documents += 1;
    let root = doc.root();
    if root.is_null() {
        out.stats.skip_document("empty document");
        return;
    }
    let Some(obj) = Object::from_node(root, Pointer::root(), &input.display, doc.index) else {
        out.stats.skip_document("not a Kubernetes object");
        return;
    };
    if obj.is_list() {
        for item in obj.list_items() {
            match item {
                Some(o) => lint_object(doc, &o, input, opts, res, out),
                None => out.stats.skip_document("List item that is not an object"),
            }
        }
        return;
    }
    lint_object(doc, &obj, input, opts, res, out);
}

pub(super) fn lint_object(
    doc: &Doc<'_>,
    obj: &Object<'_>,
    input: &Input,
    opts: &Options<'_>,
    res: &mut Resolver<'_>,
    out: &mut FileOutcome,
) {
    out.stats.objects += 1;
    // Covered when the secret checks read the object, as the texts of its own findings.
    let ident = Arc::new(ObjectIdent {
        api_version: res.intern(obj.api_version),
        kind: res.intern(obj.kind),
        namespace: obj.namespace.map(|n| res.intern(n)),
        name: obj.name.map(|n| res.intern(n)),
    });
    let Gather {
        world,
        pod_security,
    } = res.gather;
    // Where fixes of cross-object findings edit the object, when the run builds fixes.
    let fixes = opts.settings.fixes && input.report;
    // What the cross-object index keeps of the object.
    let facts = |res: &mut Resolver<'_>| {
        let strings = res.strings;
        let pss = pod_security.then_some(crate::rule::registry::PSS_CONTROLS);
        let input_id = res.file;
        let (tracer, editable) = (res.tracer, res.editable);
        let mut home = |route: &Pointer| fix_home(doc, route, input, input_id, tracer, editable);
        Facts::extract(
            obj,
            input_id,
            pss,
            strings,
            &mut |l: Label| res.site(doc, &l, &ident),
            fixes.then_some(&mut home as Home<'_>),
        )
    };
    if !input.report {
        if !world {
            return;
        }
        // Context files feed only the cross-object index.
        out.facts.extend(facts(res));
        return;
    }
    if let Some(d) = annotation_directive(doc, obj, res) {
        out.directives.push(d);
    }
    let mut cx = Context::new(opts.settings);
    for rule in &opts.rules {
        rule.check_object(obj, &mut cx);
    }
    for draft in cx.drafts {
        if opts.keep_text && res.tracer.is_some() {
            // Rendered output is shown next to its source: mask it there too.
            for l in drawn(&draft.sensitive) {
                out.masks.push(res.location(doc, l));
            }
        }
        for l in &draft.sensitive {
            flagged_values(doc, l, &mut out.secrets);
        }
        let f = finish_label_draft(draft, doc, res, &ident, opts.keep_text);
        out.masks.extend(f.sensitive().iter().copied());
        out.findings.push(f);
    }
    if !res.dormant.is_empty() {
        // Snippets show neighbouring lines, and other findings name what a secret check
        // flags: let the secret checks that are not enabled mark what must be masked all the
        // same.
        let mut scratch = Context::new(opts.settings);
        for rule in res.dormant {
            rule.check_object(obj, &mut scratch);
        }
        for draft in &scratch.drafts {
            for l in &draft.sensitive {
                flagged_values(doc, l, &mut out.secrets);
            }
            if opts.keep_text {
                for l in drawn(&draft.sensitive) {
                    out.masks.push(res.location(doc, l));
                    if res.tracer.is_some() {
                        out.masks.push(res.traced(doc, l));
                    }
                }
            }
        }
    }
    if world {
        out.facts.extend(facts(res));
    }
}

/// Where a fix of the node at `route` of `doc` is made, for the fixes of cross-object findings
/// (their drafts are finished once every file is read, without the document): as a fix of a
/// single-object finding is, in the document itself (editable when it is a plain manifest on
/// disk, not standard input), or for rendered Kustomize output in the resource file that alone
/// wrote the object; never in other rendered output.
fn fix_home(
    doc: &Doc<'_>,
    route: &Pointer,
    input: &Input,
    file: u32,
    tracer: Option<&render::Tracer<'_>>,
    editable: bool,
) -> Option<(DocRef, Pointer)> {
    let at = |file, doc: usize, editable| DocRef {
        file,
        doc: u32::try_from(doc).unwrap_or(u32::MAX),
        editable,
    };
    if let Some(t) = tracer {
        // The route moved as a change there would be (no patch or generator wrote the object).
        let probe = [Change::set(route.clone(), Scalar::Bool(false))];
        let (file, doc, mut moved) = t.fix_target(doc, &probe)?;
        return Some((at(file, doc, true), moved.pop()?.at().clone()));
    }
    if matches!(input.source, InputSource::Rendered(_)) {
        return None;
    }
    Some((at(file, doc.index, editable), route.clone()))
}

/// The objects of a document: its root, or each item of a List.
pub(super) fn each_object<'d>(doc: &'d Doc<'d>, path: &'d str, mut f: impl FnMut(&Object<'d>)) {
    let Some(obj) = Object::from_node(doc.root(), Pointer::root(), path, doc.index) else {
        return;
    };
    if !obj.is_list() {
        f(&obj);
        return;
    }
    for o in obj.list_items().flatten() {
        f(&o);
    }
}

/// Whether a file may hold a `pod-security.kubernetes.io/` label: it names the label, or has a
/// backslash (an escape in a quoted key could spell it).
pub(super) fn may_set_pss(bytes: &[u8]) -> bool {
    has(bytes, crate::model::PSA_PREFIX.trim_end_matches('/'))
        || memchr::memchr(b'\\', bytes).is_some()
}

/// Whether `text` holds `needle`: memmem, where `str::contains` runs a two-way search a byte
/// at a time over every file.
/// The top chart of a `# Source: <chart>/…` comment of Helm output (`text` starts with it).
fn helm_chart(text: &str) -> Option<&str> {
    let rest = text
        .strip_prefix("# Source:")?
        .trim_start_matches([' ', '\t']);
    let chart = &rest[..rest.find('/')?];
    (!chart.is_empty() && !chart.contains(char::is_whitespace)).then_some(chart)
}

pub(super) fn has(text: &[u8], needle: &str) -> bool {
    memchr::memmem::find(text, needle.as_bytes()).is_some()
}
