//! Rich terminal diagnostics (miette's graphical handler). The only module that configures
//! rendering; tests pin its theme and width.

use std::fmt;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan,
};

use super::inert::{self, Shift};
use crate::engine::{Run, SourceFile};
use crate::finding::{Finding, Location, Trace};
use crate::rule::Severity;

/// How to draw.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// ANSI colours.
    pub color: bool,
    /// Unicode box drawing (else ASCII).
    pub unicode: bool,
    /// Wrap width.
    pub width: usize,
}

impl Style {
    #[cfg(test)]
    /// The pinned style of snapshots: no colour, unicode, width 100.
    pub fn snapshot() -> Self {
        Style {
            color: false,
            unicode: true,
            width: 100,
        }
    }
}

struct Diag<'a> {
    f: &'a Finding,
    files: &'a [SourceFile],
    source: NamedSource<Arc<str>>,
    help: Option<String>,
    rendered: Option<RenderedAt>,
    /// Where spans move in `source` (control characters drawn as pictures).
    shift: Shift,
}

/// The rendered position of a finding traced to a Helm template, shown under it.
struct RenderedAt {
    source: NamedSource<Arc<str>>,
    span: SourceSpan,
}

/// Snippet text made inert (see [`inert::source`]), with the span shift that goes with it.
fn inert_source(text: Arc<str>) -> (Arc<str>, Shift) {
    match inert::source(&text) {
        Some((t, shift)) => (Arc::from(t), shift),
        None => (text, Shift::default()),
    }
}

impl fmt::Debug for RenderedAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("rendered output")
    }
}

impl fmt::Display for RenderedAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("as rendered")
    }
}

impl std::error::Error for RenderedAt {}

impl Diagnostic for RenderedAt {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(Some("rendered here".to_owned()), self.span),
        )))
    }
}

impl fmt::Debug for Diag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.f.message)
    }
}

impl fmt::Display for Diag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&inert::text(&self.f.message))
    }
}

impl std::error::Error for Diag<'_> {}

fn span(r: &crate::yaml::Region, shift: &Shift) -> SourceSpan {
    let (start, end) = (shift.map(r.start as usize), shift.map(r.end as usize));
    SourceSpan::new(start.into(), end.saturating_sub(start))
}

impl Diagnostic for Diag<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!(
            "{} ({})",
            self.f.meta.id, self.f.severity
        )))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.f.severity {
            Severity::Critical | Severity::High => miette::Severity::Error,
            Severity::Medium => miette::Severity::Warning,
            Severity::Low => miette::Severity::Advice,
        })
    }

    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.f.meta.url))
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let f = self.f;
        let primary = LabeledSpan::new_primary_with_span(
            f.label.as_deref().map(|l| inert::text(l).into_owned()),
            span(&f.primary.region, &self.shift),
        );
        let related = f
            .related
            .iter()
            .filter(|r| r.at.file == f.primary.file)
            .map(|r| {
                LabeledSpan::new_with_span(
                    Some(inert::text(&r.text).into_owned()),
                    span(&r.at.region, &self.shift),
                )
            });
        let _ = self.files;
        Some(Box::new(std::iter::once(primary).chain(related)))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
        self.rendered
            .as_ref()
            .map(|r| Box::new(std::iter::once(r as &dyn Diagnostic)) as Box<dyn Iterator<Item = _>>)
    }
}

/// Replace every character of the sensitive regions with `*` (after the first two, for values of
/// eight characters or more), keeping byte offsets and the line structure intact (line breaks
/// and the indentation of continuation lines stay, so block scalars still render line by line).
fn mask_regions(text: &str, regions: impl Iterator<Item = crate::yaml::Region>) -> Option<String> {
    let mut bytes: Option<Vec<u8>> = None;
    for r in regions {
        let Some(slice) = text.get(r.start as usize..r.end as usize) else {
            continue;
        };
        let out = bytes.get_or_insert_with(|| text.as_bytes().to_vec());
        // Keep two characters as a hint only when that leaves most of the value hidden.
        let keep = if slice.chars().filter(|c| !c.is_whitespace()).count() >= 8 {
            2
        } else {
            0
        };
        let mut line_start = false;
        for (n, (i, c)) in slice.char_indices().enumerate() {
            if c == '\n' || c == '\r' {
                line_start = true;
                continue;
            }
            if line_start && (c == ' ' || c == '\t') {
                continue;
            }
            line_start = false;
            if n < keep {
                continue;
            }
            for b in 0..c.len_utf8() {
                out[r.start as usize + i + b] = b'*';
            }
        }
    }
    bytes.and_then(|b| String::from_utf8(b).ok())
}

/// Render one finding with every region of `sensitive` (in any file) masked in its snippet.
fn render_masked(
    f: &Finding,
    files: &[SourceFile],
    style: Style,
    sensitive: &[Location],
) -> String {
    let file = &files[f.primary.file as usize];
    let text: Arc<str> = file.load();
    let regions = sensitive
        .iter()
        .chain(&f.sensitive)
        .filter(|l| l.file == f.primary.file)
        .map(|l| l.region);
    let text = match mask_regions(&text, regions) {
        Some(m) => Arc::from(m),
        None => text,
    };
    let mut help = f.help.as_deref().map(str::to_owned);
    // Related places in other files are listed under the diagnostic (`related_elsewhere`).
    let mut elsewhere: Vec<String> = Vec::new();
    if let Some(t) = &f.trace {
        elsewhere.extend(trace_lines(f, t, files));
    }
    if !elsewhere.is_empty() {
        let mut h = help.unwrap_or_default();
        for e in elsewhere {
            if !h.is_empty() {
                h.push('\n');
            }
            if !e.starts_with("rendered") && !e.starts_with("from ") {
                h.push_str("related: ");
            }
            h.push_str(&e);
        }
        help = Some(h);
    }
    let rendered = f.trace.as_deref().and_then(|t| {
        (t.template.is_some() && t.rendered.file != f.primary.file).then_some(())?;
        let r = &files[t.rendered.file as usize];
        let text = r.load();
        let regions = sensitive
            .iter()
            .filter(|l| l.file == t.rendered.file)
            .map(|l| l.region);
        let text = mask_regions(&text, regions).map_or(text, Arc::from);
        let (text, shift) = inert_source(text);
        Some(RenderedAt {
            source: NamedSource::new(inert::path(&r.path), text).with_language("yaml"),
            span: span(&t.rendered.region, &shift),
        })
    });
    let (text, shift) = inert_source(text);
    let diag = Diag {
        f,
        files,
        source: NamedSource::new(inert::path(&file.path), text).with_language("yaml"),
        help: help.map(|h| inert::text(&h).into_owned()),
        rendered,
        shift,
    };
    let theme = match (style.unicode, style.color) {
        (true, true) => GraphicalTheme::unicode(),
        (true, false) => GraphicalTheme::unicode_nocolor(),
        (false, true) => GraphicalTheme::ascii(),
        (false, false) => GraphicalTheme::none(),
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
        .with_urls(true);
    let mut out = String::new();
    if handler.render_report(&mut out, &diag).is_err() {
        out = format!(
            "{}:{}:{}: {} [{}]\n",
            inert::path(&file.path),
            f.primary.region.line,
            f.primary.region.col,
            inert::text(&f.message),
            f.meta.id
        );
    }
    out.push_str(&related_elsewhere(f, files));
    out
}

/// Related locations in other files cannot be drawn in the snippet: list them under the
/// diagnostic. When any is elsewhere, every related location is listed, in order, so a chain
/// (binding subject → roleRef → rule) reads top to bottom. Texts that number their steps
/// (`1. …`) keep their numbers; others get a bullet.
fn related_elsewhere(f: &Finding, files: &[SourceFile]) -> String {
    if f.related.iter().all(|r| r.at.file == f.primary.file) {
        return String::new();
    }
    let mut out = String::from("  related:\n");
    for r in &f.related {
        let path = files
            .get(r.at.file as usize)
            .map_or("?", |x| x.path.as_str());
        let numbered = r
            .text
            .split_once(". ")
            .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        let bullet = if numbered { "" } else { "- " };
        out.push_str(&format!(
            "    {bullet}{} ({}:{}:{})\n",
            inert::text(&r.text),
            inert::path(path),
            r.at.region.line,
            r.at.region.col
        ));
    }
    out
}

/// What the human output says about where a finding in rendered output came from.
fn trace_lines(f: &Finding, t: &Trace, files: &[SourceFile]) -> Vec<String> {
    let path = |l: &crate::finding::Location| inert::path(&files[l.file as usize].path);
    let mut out = Vec::new();
    let moved = f.primary.file != t.rendered.file;
    match (&t.template, moved) {
        (Some(tpl), true) if t.rendered_is_input => out.push(format!(
            "rendered at {}:{}:{} from Helm template {}",
            path(&t.rendered),
            t.rendered.region.line,
            t.rendered.region.col,
            inert::path(tpl)
        )),
        (Some(tpl), true) => out.push(format!(
            "rendered by {} from Helm template {}",
            path(&t.rendered),
            inert::path(tpl)
        )),
        (Some(tpl), false) => out.push(format!(
            "from Helm template {} (not found in the repository)",
            inert::path(tpl)
        )),
        (None, _) => {}
    }
    if !t.overlays.is_empty() {
        let list: Vec<String> = t.overlays.iter().map(|o| path(o).into_owned()).collect();
        out.push(format!(
            "rendered in Kustomize overlays: {}",
            list.join(", ")
        ));
    }
    out
}

/// Render every unsuppressed finding. A snippet shows neighbouring lines, so every secret the
/// run knows of (`Run::masks`: from suppressed, filtered and disabled checks too) is masked in
/// every snippet of its file.
pub fn render(run: &Run, style: Style) -> String {
    let sensitive: Vec<Location> = run
        .findings
        .iter()
        .flat_map(|f| f.sensitive.iter().copied())
        .chain(run.masks.iter().copied())
        .collect();
    let mut out = String::new();
    for f in run.findings.iter().filter(|f| f.suppressed.is_none()) {
        out.push_str(&render_masked(f, &run.files, style, &sensitive));
        out.push('\n');
    }
    out
}
