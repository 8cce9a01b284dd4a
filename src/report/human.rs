//! Rich terminal diagnostics (miette's graphical handler). The only module that configures
//! rendering; tests pin its theme and width.

use std::fmt;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan,
};

use crate::engine::{Run, SourceFile};
use crate::finding::{Finding, Trace};
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
}

/// The rendered position of a finding traced to a Helm template, shown under it.
struct RenderedAt {
    source: NamedSource<Arc<str>>,
    span: SourceSpan,
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
        f.write_str(&self.f.message)
    }
}

impl std::error::Error for Diag<'_> {}

fn span(r: &crate::yaml::Region) -> SourceSpan {
    SourceSpan::new((r.start as usize).into(), (r.end - r.start) as usize)
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
        let primary = LabeledSpan::new_primary_with_span(f.label.clone(), span(&f.primary.region));
        let related = f
            .related
            .iter()
            .filter(|r| r.at.file == f.primary.file)
            .map(|r| LabeledSpan::new_with_span(Some(r.text.clone()), span(&r.at.region)));
        let _ = self.files;
        Some(Box::new(std::iter::once(primary).chain(related)))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
        self.rendered
            .as_ref()
            .map(|r| Box::new(std::iter::once(r as &dyn Diagnostic)) as Box<dyn Iterator<Item = _>>)
    }
}

/// Replace every character of the sensitive regions after the first two with `*`, keeping byte
/// offsets intact.
pub fn mask(text: &str, f: &Finding) -> Option<String> {
    let regions: Vec<_> = f
        .sensitive
        .iter()
        .filter(|l| l.file == f.primary.file)
        .map(|l| l.region)
        .collect();
    if regions.is_empty() {
        return None;
    }
    let mut bytes = text.as_bytes().to_vec();
    for r in regions {
        let Some(slice) = text.get(r.start as usize..r.end as usize) else {
            continue;
        };
        for (n, (i, c)) in slice.char_indices().enumerate() {
            if n < 2 {
                continue;
            }
            for b in 0..c.len_utf8() {
                bytes[r.start as usize + i + b] = b'*';
            }
        }
    }
    String::from_utf8(bytes).ok()
}

/// Render one finding.
pub fn render_finding(f: &Finding, files: &[SourceFile], style: Style) -> String {
    let file = &files[f.primary.file as usize];
    let text: Arc<str> = file.text.clone().unwrap_or_else(|| Arc::from(""));
    let text = match mask(&text, f) {
        Some(m) => Arc::from(m),
        None => text,
    };
    let mut help = f.help.clone();
    let elsewhere: Vec<String> = f
        .related
        .iter()
        .filter(|r| r.at.file != f.primary.file)
        .map(|r| {
            format!(
                "{}:{}:{}: {}",
                files[r.at.file as usize].path, r.at.region.line, r.at.region.col, r.text
            )
        })
        .collect();
    let mut elsewhere = elsewhere;
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
        let r = &files[t.rendered.file as usize];
        // The rendered snippet is not masked: never show it next to a secret.
        (t.template.is_some() && t.rendered.file != f.primary.file && f.sensitive.is_empty())
            .then_some(())?;
        Some(RenderedAt {
            source: NamedSource::new(r.path.clone(), r.text.clone()?).with_language("yaml"),
            span: span(&t.rendered.region),
        })
    });
    let diag = Diag {
        f,
        files,
        source: NamedSource::new(file.path.clone(), text).with_language("yaml"),
        help,
        rendered,
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
            file.path, f.primary.region.line, f.primary.region.col, f.message, f.meta.id
        );
    }
    out
}

/// What the human output says about where a finding in rendered output came from.
fn trace_lines(f: &Finding, t: &Trace, files: &[SourceFile]) -> Vec<String> {
    let path = |l: &crate::finding::Location| files[l.file as usize].path.as_str();
    let mut out = Vec::new();
    let moved = f.primary.file != t.rendered.file;
    match (&t.template, moved) {
        (Some(tpl), true) if t.rendered_is_input => out.push(format!(
            "rendered at {}:{}:{} from Helm template {tpl}",
            path(&t.rendered),
            t.rendered.region.line,
            t.rendered.region.col
        )),
        (Some(tpl), true) => out.push(format!(
            "rendered by {} from Helm template {tpl}",
            path(&t.rendered)
        )),
        (Some(tpl), false) => out.push(format!(
            "from Helm template {tpl} (not found in the repository)"
        )),
        (None, _) => {}
    }
    if !t.overlays.is_empty() {
        let list: Vec<&str> = t.overlays.iter().map(path).collect();
        out.push(format!(
            "rendered in Kustomize overlays: {}",
            list.join(", ")
        ));
    }
    out
}

/// Render every unsuppressed finding.
pub fn render(run: &Run, style: Style) -> String {
    let mut out = String::new();
    for f in run.findings.iter().filter(|f| f.suppressed.is_none()) {
        out.push_str(&render_finding(f, &run.files, style));
        out.push('\n');
    }
    out
}
