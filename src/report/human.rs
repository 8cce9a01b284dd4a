//! Rich terminal diagnostics (miette's graphical handler). The only module that configures
//! rendering; tests pin its theme and width.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use crate::engine::{Run, SourceFile};
use crate::finding::Finding;
use crate::rule::Severity;
use crate::yaml::LineIndex;

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
    source: Source,
    help: Option<String>,
}

/// A file's text as miette reads it. miette's own `SourceCode` for strings scans the file from
/// its first byte for every snippet, which is quadratic on a 100 MB manifest with many findings;
/// this one hands miette only the lines around the span (found with the line index) and shifts
/// the result back, so a snippet costs the same at the end of a file as at its start.
struct Source {
    name: String,
    text: Arc<str>,
    index: Arc<LineIndex>,
}

impl SourceCode for Source {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let len = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
        let start = u32::try_from(span.offset()).map_err(|_| MietteError::OutOfBounds)?;
        let end =
            u32::try_from(span.offset() + span.len()).map_err(|_| MietteError::OutOfBounds)?;
        if end > len {
            return Err(MietteError::OutOfBounds);
        }
        let first = self
            .index
            .line_of(start)
            .saturating_sub(context_lines_before);
        let last = self.index.line_of(end) + context_lines_after + 1;
        let (ws, we) = self.index.lines_span(first, last, len);
        let window = self
            .text
            .get(ws as usize..we as usize)
            .ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::new((span.offset() - ws as usize).into(), span.len());
        let inner = window.read_span(&local, context_lines_before, context_lines_after)?;
        let shifted = SourceSpan::new(
            (inner.span().offset() + ws as usize).into(),
            inner.span().len(),
        );
        Ok(Box::new(
            MietteSpanContents::new_named(
                self.name.clone(),
                inner.data(),
                shifted,
                inner.line() + first,
                inner.column(),
                inner.line_count() + first,
            )
            .with_language("yaml"),
        ))
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

/// A file's text made inert, and its line index: computed once per file, not per finding.
struct Prepared {
    text: Arc<str>,
    index: Arc<LineIndex>,
}

impl Prepared {
    fn of(file: &SourceFile) -> Self {
        let text = file.load();
        let text = inert(&text).map_or(text, Arc::from);
        let index = Arc::new(LineIndex::new(&text));
        Prepared { text, index }
    }
}

/// Render one finding.
fn render_finding(f: &Finding, files: &[SourceFile], prepared: &Prepared, style: Style) -> String {
    let file = &files[f.primary.file as usize];
    let (text, index) = match mask(&prepared.text, f) {
        Some(m) => {
            // Masking may replace line breaks inside a multi-line secret.
            let index = Arc::new(LineIndex::new(&m));
            (Arc::from(m), index)
        }
        None => (prepared.text.clone(), prepared.index.clone()),
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
        source: Source {
            name: super::summary::printable(&file.path),
            text,
            index,
        },
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
    let mut prepared: HashMap<u32, Prepared> = HashMap::new();
    for f in run.findings.iter().filter(|f| f.suppressed.is_none()) {
        let p = prepared
            .entry(f.primary.file)
            .or_insert_with(|| Prepared::of(&run.files[f.primary.file as usize]));
        out.push_str(&render_finding(f, &run.files, p, style));
        out.push('\n');
    }
    out
}
