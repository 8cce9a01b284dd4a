//! Rich terminal diagnostics (miette's graphical handler). The only module that configures
//! rendering; tests pin its theme and width.

use std::fmt;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan,
};

use crate::engine::{Run, SourceFile};
use crate::finding::Finding;
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

/// Text from the input (source lines, names inside messages, file names) with the control
/// characters that a terminal would interpret (escape sequences, backspace, bell) replaced by
/// `?`, byte for byte, so spans keep their offsets. Line breaks and tabs stay.
fn inert(text: &str) -> Option<String> {
    let unsafe_char = |c: char| c.is_control() && !matches!(c, '\n' | '\r' | '\t');
    if !text.chars().any(unsafe_char) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if unsafe_char(c) {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    Some(out)
}

fn inert_owned(text: String) -> String {
    inert(&text).unwrap_or(text)
}

/// Render one finding.
pub fn render_finding(f: &Finding, files: &[SourceFile], style: Style) -> String {
    let file = &files[f.primary.file as usize];
    let text: Arc<str> = file.load();
    let text = match mask(&text, f) {
        Some(m) => Arc::from(m),
        None => text,
    };
    let text = match inert(&text) {
        Some(t) => Arc::from(t),
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
                super::summary::printable(&files[r.at.file as usize].path),
                r.at.region.line,
                r.at.region.col,
                r.text
            )
        })
        .collect();
    if !elsewhere.is_empty() {
        let mut h = help.unwrap_or_default();
        for e in elsewhere {
            if !h.is_empty() {
                h.push('\n');
            }
            h.push_str("related: ");
            h.push_str(&e);
        }
        help = Some(h);
    }
    let cleaned;
    let f = if [Some(&f.message), f.label.as_ref()]
        .into_iter()
        .flatten()
        .chain(f.related.iter().map(|r| &r.text))
        .any(|t| inert(t).is_some())
    {
        let mut c = f.clone();
        c.message = inert_owned(c.message);
        c.label = c.label.map(inert_owned);
        for r in &mut c.related {
            r.text = inert_owned(std::mem::take(&mut r.text));
        }
        cleaned = c;
        &cleaned
    } else {
        f
    };
    let diag = Diag {
        f,
        files,
        source: NamedSource::new(super::summary::printable(&file.path), text).with_language("yaml"),
        help: help.map(inert_owned),
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
            super::summary::printable(&file.path),
            f.primary.region.line,
            f.primary.region.col,
            f.message,
            f.meta.id
        );
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
