//! Suppression directives of a file: its `kubeward:` comments and ignore annotations.
//!
//! Suppression directives of a file: its `kubeward:` comments (and those of the files rendered
//! output was traced to) and the `kubeward.io/ignore` annotation of each object.

use crate::model::Object;
use crate::render;
use crate::suppress::{self, Directive};
use crate::yaml::{Comment, Doc, Focus, Label, Region, Seg};

use super::finish::Resolver;

/// Whether a comment is a `kubeward:` directive (well formed or not).
pub(super) fn is_directive(c: &Comment<'_>) -> bool {
    suppress::parse_comment(c.text).is_some()
}

/// Suppression directives written as the real comments `comments` of this file.
pub(super) fn comment_directives(
    comments: Vec<Comment<'_>>,
    spans: &[(u32, u32)],
    res: &mut Resolver<'_>,
) -> Vec<Directive> {
    let (file, text) = (res.file, res.text);
    directives_in(file, text, comments, spans, &mut |s, e| res.region(s, e))
}

/// Suppression directives written as the real comments `comments` of `text` (file `file`),
/// whose documents' contents span `spans`.
pub(super) fn directives_in(
    file: u32,
    text: &str,
    comments: Vec<Comment<'_>>,
    spans: &[(u32, u32)],
    region: &mut dyn FnMut(u32, u32) -> Region,
) -> Vec<Directive> {
    if comments.is_empty() {
        return Vec::new();
    }
    let regions: Vec<Region> = comments.iter().map(|c| region(c.start, c.end)).collect();
    let docs: Vec<suppress::DocLines> = spans
        .iter()
        .map(|&(s, e)| suppress::DocLines {
            first: region(s, s).line,
            last: region(e, e).line,
            start: s,
        })
        .collect();
    let lines: Vec<&str> = text.lines().collect();
    suppress::from_comments(file, &comments, &regions, &docs, &lines)
}

/// Directives written in rendered output cover what was rendered where they stand; in a render
/// kubeward ran in memory they are reported at the template line that wrote them.
pub(super) fn render_scoped(
    found: &mut [Directive],
    file: u32,
    text: &str,
    tracer: &render::Tracer<'_>,
) {
    for d in found {
        let (a, b) = match d.scope {
            suppress::Scope::File => (1, u32::MAX),
            suppress::Scope::Lines(a, b) => (a, b),
            suppress::Scope::Rendered(..) => continue,
        };
        d.scope = suppress::Scope::Rendered(file, a, b);
        if let Some(at) = tracer.fallback() {
            let comment = text
                .get(d.at.region.start as usize..d.at.region.end as usize)
                .unwrap_or("");
            d.at = tracer.find_line(comment).unwrap_or(at);
        }
    }
}

/// The `kubeward.io/ignore` annotation of an object, as a directive covering the object.
pub(super) fn annotation_directive(
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
    let scope = match res.tracer {
        Some(_) => suppress::Scope::Rendered(res.file, whole.region.line, whole.region.end_line),
        None => suppress::Scope::Lines(whole.region.line, whole.region.end_line),
    };
    let at = match res.tracer {
        Some(_) => res.traced(
            doc,
            &obj.at(["metadata", "annotations", suppress::ANNOTATION]),
        ),
        None => at,
    };
    let object = Some(obj.ident_in(res.strings));
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
