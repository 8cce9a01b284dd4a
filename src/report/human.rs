//! Rich terminal diagnostics (miette's graphical handler).
//!
//! The only module that configures rendering; tests pin its theme and width.

use std::fmt::{self, Write as _};
use std::sync::Arc;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceSpan};

use super::clip::{self, Cut};
use super::inert::{self, Shift};
use super::plain;
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
    source: Snippet,
    help: Option<String>,
    rendered: Option<RenderedAt>,
}

/// The lines of a file a snippet shows. miette's own `SourceCode` for strings scans the text from
/// its first byte for every snippet, which is quadratic in a large stream with many findings:
/// this hands miette only the lines around the spans, and numbers them as in the file.
struct Snippet {
    name: String,
    /// The window's text, masked and made inert.
    text: String,
    /// Byte offset of the window in the file.
    offset: u32,
    /// 0-based line of the window's first line in the file.
    first_line: usize,
    /// Where spans move in `text` (control characters drawn as pictures).
    shift: Shift,
    /// Length of the window once control characters are drawn, before long lines are cut.
    inert_len: usize,
    /// Where spans move next, when long lines were cut (`clip`).
    cut: Option<Cut>,
}

/// Lines of context kept around the spans (miette's handler draws one).
const CONTEXT_LINES: usize = 2;

impl Snippet {
    /// The window of `text` around `spans` (regions of this file; the first is the primary),
    /// with the file's `masks` (sorted, disjoint byte ranges) masked.
    fn new(name: &str, text: &str, spans: &[crate::yaml::Region], masks: &[(u32, u32)]) -> Self {
        let len = text.len() as u32;
        let lo = spans.iter().min_by_key(|r| r.start);
        let (lo_at, lo_line) = lo.map_or((0, 1), |r| (r.start.min(len), r.line.max(1)));
        let hi = spans.iter().map(|r| r.end.min(len)).max().unwrap_or(0);
        let bytes = text.as_bytes();
        // Back to the start of the line, then CONTEXT_LINES more lines.
        let mut start = lo_at as usize;
        let mut back = 0;
        loop {
            while start > 0 && bytes[start - 1] != b'\n' {
                start -= 1;
            }
            if start == 0 || back == CONTEXT_LINES {
                break;
            }
            start -= 1;
            back += 1;
        }
        // On to the end of the line, then CONTEXT_LINES more lines.
        let mut end = (hi as usize).max(start);
        let mut ahead = 0;
        loop {
            while end < bytes.len() && bytes[end] != b'\n' {
                end += 1;
            }
            if end >= bytes.len() || ahead == CONTEXT_LINES {
                break;
            }
            end += 1;
            ahead += 1;
        }
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        while !text.is_char_boundary(end) {
            end += 1;
        }
        let ws = start as u32;
        let masked = mask_window(text, start..end, masks);
        let window = masked.as_deref().unwrap_or(&text[start..end]);
        let shown = show_line_separators(window);
        let window = shown.as_deref().unwrap_or(window);
        let (text, shift) = match inert::source(window) {
            Some((t, shift)) => (t, shift),
            None => (window.to_owned(), Shift::default()),
        };
        let first_line = (lo_line as usize - 1).saturating_sub(back);
        let mut snippet = Snippet {
            name: inert::path(name).into_owned(),
            inert_len: text.len(),
            text,
            offset: ws,
            first_line,
            shift,
            cut: None,
        };
        // A line too long to draw is cut around the places the spans start and end.
        let places: Vec<usize> = spans
            .iter()
            .flat_map(|r| [r.start, r.end])
            .map(|o| snippet.inert_offset(o))
            .collect();
        if let Some((text, cut)) = clip::cut(&snippet.text, &places) {
            snippet.text = text;
            snippet.cut = Some(cut);
        }
        snippet
    }

    /// The offset in the inert window (before long lines are cut) of `o`, an offset of the file.
    fn inert_offset(&self, o: u32) -> usize {
        let o = o.saturating_sub(self.offset) as usize;
        self.shift.map(o).min(self.inert_len)
    }

    /// The span of `r` (a region of the file) in the window.
    fn span(&self, r: &crate::yaml::Region) -> SourceSpan {
        let local = |o: u32| {
            let o = self.inert_offset(o);
            self.cut.as_ref().map_or(o, |c| c.map(o))
        };
        let (start, end) = (local(r.start), local(r.end));
        SourceSpan::new(start.into(), end.saturating_sub(start))
    }
}

impl miette::SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner =
            self.text
                .as_str()
                .read_span(span, context_lines_before, context_lines_after)?;
        // On a line that was cut, the column is the one the place has in the line as written.
        let column = self
            .cut
            .as_ref()
            .filter(|_| context_lines_before == 0)
            .and_then(|c| c.column(span.offset()))
            .unwrap_or_else(|| inner.column());
        Ok(Box::new(
            miette::MietteSpanContents::new_named(
                self.name.clone(),
                inner.data(),
                *inner.span(),
                inner.line() + self.first_line,
                column,
                // Lines from the start of the file (miette joins snippets whose lines meet).
                inner.line_count() + self.first_line,
            )
            .with_language("yaml"),
        ))
    }
}

/// The rendered position of a finding traced to a Helm template, shown under it.
struct RenderedAt {
    source: Snippet,
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
        f.write_str(&inert::text(&self.f.message))
    }
}

impl std::error::Error for Diag<'_> {}

impl Diagnostic for Diag<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!(
            "{} ({})",
            self.f.meta.id, self.f.severity
        )))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(miette_severity(self.f.severity))
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
            f.label().map(|l| inert::text(l).into_owned()),
            self.source.span(&f.primary.region),
        );
        let related = f
            .related()
            .iter()
            .filter(|r| r.at.file == f.primary.file)
            .map(|r| {
                LabeledSpan::new_with_span(
                    Some(inert::text(&r.text).into_owned()),
                    self.source.span(&r.at.region),
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

/// LS (U+2028) and PS (U+2029) drawn as `↵` (three bytes for three: spans do not move). go-yaml
/// ends a line at each (`yaml::breaks`), while a terminal shows nothing or a box: the snippet
/// shows where the cluster's line ends. (NEL, a control character, is drawn by `inert`.)
fn show_line_separators(text: &str) -> Option<String> {
    text.contains(['\u{2028}', '\u{2029}'])
        .then(|| text.replace(['\u{2028}', '\u{2029}'], "\u{21b5}"))
}

/// The `window` of `text` with the `masks` of the file (sorted, disjoint byte ranges) that
/// meet it masked, or `None` when none does. A secret that starts before the window shows none
/// of its characters; one that starts in it may show its first two, however far it runs (see
/// [`crate::finding::visible_prefix`]). Line breaks and the indentation of continuation lines
/// stay, so block scalars still render line by line. The masks that meet the window are found
/// by binary search: a file with many secrets and many findings costs no scan of every mask
/// per finding.
fn mask_window(text: &str, window: std::ops::Range<usize>, masks: &[(u32, u32)]) -> Option<String> {
    let (ws, we) = (window.start as u32, window.end as u32);
    let first = masks.partition_point(|&(_, e)| e <= ws);
    let meeting = masks[first..].iter().take_while(|&&(s, _)| s < we);
    let mut out: Option<Vec<u8>> = None;
    for &(s, e) in meeting {
        let bytes = out.get_or_insert_with(|| text.as_bytes()[window.clone()].to_vec());
        let local = &text[window.clone()];
        let keep = if s >= ws {
            text.get(s as usize..e as usize)
                .map_or(0, crate::finding::visible_prefix)
        } else {
            0
        };
        let (a, b) = (s.max(ws) - ws, e.min(we) - ws);
        crate::finding::mask_range(bytes, local, a as usize..b as usize, keep);
    }
    out.and_then(|b| String::from_utf8(b).ok())
}

/// The regions of each file that no snippet may show, gathered once per file: those the checks
/// marked (`Run::masks` and the findings' own) and, found in the file's text, every value the
/// run's secret checks flagged and every credential of a known form (comments, keys, files that
/// do not parse included).
struct FileMasks<'r> {
    run: &'r Run,
    marked: std::collections::HashMap<u32, Vec<Location>>,
    done: std::collections::HashMap<u32, Arc<[(u32, u32)]>>,
}

impl<'r> FileMasks<'r> {
    fn new(run: &'r Run) -> Self {
        let mut marked: std::collections::HashMap<u32, Vec<Location>> =
            std::collections::HashMap::new();
        for l in run
            .findings
            .iter()
            .flat_map(|f| f.sensitive().iter())
            .chain(run.masks.iter())
        {
            marked.entry(l.file).or_default().push(*l);
        }
        FileMasks {
            run,
            marked,
            done: std::collections::HashMap::new(),
        }
    }

    /// The masks of `file`, whose text is `text`: sorted, disjoint byte ranges.
    fn of(&mut self, file: u32, text: &str) -> Arc<[(u32, u32)]> {
        if let Some(m) = self.done.get(&file) {
            return m.clone();
        }
        let len = text.len() as u32;
        let mut ranges: Vec<(u32, u32)> = self
            .marked
            .get(&file)
            .into_iter()
            .flatten()
            .map(|l| (l.region.start.min(len), l.region.end.min(len)))
            .chain(self.run.secrets.regions(text).into_iter().map(|r| {
                (
                    u32::try_from(r.start).unwrap_or(u32::MAX),
                    u32::try_from(r.end).unwrap_or(u32::MAX),
                )
            }))
            .filter(|(s, e)| s < e)
            .collect();
        ranges.sort_unstable();
        let mut joined: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
        for (s, e) in ranges {
            match joined.last_mut() {
                Some(last) if s < last.1 => last.1 = last.1.max(e),
                _ => joined.push((s, e)),
            }
        }
        let m: Arc<[(u32, u32)]> = Arc::from(joined);
        self.done.insert(file, m.clone());
        m
    }
}

/// Render one finding with every mask of its files applied to its snippets.
fn render_masked(
    f: &Finding,
    files: &[SourceFile],
    style: Style,
    masks: &mut FileMasks<'_>,
) -> String {
    let file = &files[f.primary.file as usize];
    let text: Arc<str> = file.load();
    let spans: Vec<crate::yaml::Region> = std::iter::once(f.primary.region)
        .chain(
            f.related()
                .iter()
                .filter(|r| r.at.file == f.primary.file)
                .map(|r| r.at.region),
        )
        .collect();
    let source = Snippet::new(&file.path, &text, &spans, &masks.of(f.primary.file, &text));
    drop(text);
    let mut help = f.help.as_deref().map(|h| plain::help(h).into_owned());
    // Related places in other files are listed under the diagnostic (`related_elsewhere`).
    let mut elsewhere: Vec<String> = Vec::new();
    if let Some(t) = f.trace() {
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
    let rendered = f.trace().and_then(|t| {
        (t.template.is_some() && t.rendered.file != f.primary.file).then_some(())?;
        let r = &files[t.rendered.file as usize];
        let text = r.load();
        let source = Snippet::new(
            &r.path,
            &text,
            &[t.rendered.region],
            &masks.of(t.rendered.file, &text),
        );
        let span = source.span(&t.rendered.region);
        Some(RenderedAt { source, span })
    });
    let diag = Diag {
        f,
        files,
        source,
        help: help.map(|h| inert::text(&h).into_owned()),
        rendered,
    };
    let mut out = String::new();
    if handler(style).render_report(&mut out, &diag).is_err() {
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
    if f.related().iter().all(|r| r.at.file == f.primary.file) {
        return String::new();
    }
    let mut out = String::from("  related:\n");
    for r in f.related() {
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

/// The handler that draws a diagnostic in `style`. Text is wrapped between words only: never
/// inside a word, at a hyphen (`run-as-root`), nor inside a code span (an image reference such
/// as `nginx:1.27@sha256:…` or `key: value` stays on one line, even when that line runs long).
fn handler(style: Style) -> GraphicalReportHandler {
    let theme = match (style.unicode, style.color) {
        (true, true) => GraphicalTheme::unicode(),
        (true, false) => GraphicalTheme::unicode_nocolor(),
        (false, true) => GraphicalTheme::ascii(),
        (false, false) => GraphicalTheme::none(),
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
        .with_urls(true)
        .with_break_words(false)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
        .with_word_separator(textwrap::WordSeparator::Custom(words))
}

/// The words of `line` for wrapping: split after each run of spaces, except inside a code span
/// (when the line's backticks pair up).
fn words(line: &str) -> Box<dyn Iterator<Item = textwrap::core::Word<'_>> + '_> {
    let spans = line.bytes().filter(|&b| b == b'`').count() % 2 == 0;
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut i, mut code) = (0, 0, false);
    while i < bytes.len() {
        match bytes[i] {
            b'`' if spans => code = !code,
            b' ' if !code => {
                while i < bytes.len() && bytes[i] == b' ' {
                    i += 1;
                }
                out.push(textwrap::core::Word::from(&line[start..i]));
                start = i;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    if start < bytes.len() {
        out.push(textwrap::core::Word::from(&line[start..]));
    }
    Box::new(out.into_iter())
}

/// Whether `f` may be drawn in a group with others at its place: it points at one node and
/// says nothing more about other places (no related labels, no render trace).
fn groupable(f: &Finding) -> bool {
    f.related().is_empty() && f.trace().is_none()
}

/// Several findings on the same node (a bare container has five or six): its snippet once, then
/// each finding with its rule id, severity, message, help and docs link.
struct Group<'a> {
    members: &'a [&'a Finding],
    source: Snippet,
    span: SourceSpan,
}

impl fmt::Debug for Group<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("group")
    }
}

impl fmt::Display for Group<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.members.iter().map(|m| m.meta.id).collect();
        write!(
            f,
            "{} findings here: {}",
            self.members.len(),
            ids.join(", ")
        )
    }
}

impl std::error::Error for Group<'_> {}

impl Diagnostic for Group<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        let top = self.members.iter().map(|m| m.severity).max()?;
        Some(miette_severity(top))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let text = format!("{} findings", self.members.len());
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(Some(text), self.span),
        )))
    }
}

fn miette_severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Critical | Severity::High => miette::Severity::Error,
        Severity::Medium => miette::Severity::Warning,
        Severity::Low => miette::Severity::Advice,
    }
}

/// The mark drawn before a finding of severity `s` in a group.
fn mark(s: Severity, style: Style) -> String {
    let (sym, colour) = match (miette_severity(s), style.unicode) {
        (miette::Severity::Error, true) => ("\u{d7}", "31"),
        (miette::Severity::Warning, true) => ("\u{26a0}", "33"),
        (miette::Severity::Advice, true) => ("\u{261e}", "36"),
        (miette::Severity::Error, false) => ("x", "31"),
        (miette::Severity::Warning, false) => ("!", "33"),
        (miette::Severity::Advice, false) => (">", "36"),
    };
    if style.color {
        format!("\x1b[{colour}m{sym}\x1b[0m")
    } else {
        sym.to_owned()
    }
}

/// Draw the findings of `members` (two or more, at one place of one file) as one group.
fn render_group(
    members: &[&Finding],
    files: &[SourceFile],
    style: Style,
    masks: &mut FileMasks<'_>,
) -> String {
    let first = members[0];
    let file = &files[first.primary.file as usize];
    let text: Arc<str> = file.load();
    let source = Snippet::new(
        &file.path,
        &text,
        &[first.primary.region],
        &masks.of(first.primary.file, &text),
    );
    drop(text);
    let span = source.span(&first.primary.region);
    let group = Group {
        members,
        source,
        span,
    };
    let mut out = String::new();
    if handler(style).render_report(&mut out, &group).is_err() {
        out.clear();
        let _ = writeln!(
            out,
            "{}:{}:{}: {group}",
            inert::path(&file.path),
            first.primary.region.line,
            first.primary.region.col
        );
    }
    let wrap = |text: &str, first: &str, rest: &str| {
        let opts = textwrap::Options::new(style.width)
            .initial_indent(first)
            .subsequent_indent(rest)
            .break_words(false)
            .word_splitter(textwrap::WordSplitter::NoHyphenation)
            .word_separator(textwrap::WordSeparator::Custom(words));
        let mut s = textwrap::fill(text, opts);
        s.push('\n');
        s
    };
    for m in members {
        let head = format!("  {} ", mark(m.severity, style));
        let line = format!(
            "{} ({}): {}",
            m.meta.id,
            m.severity,
            inert::text(&m.message)
        );
        // The mark is one column wide whatever its bytes; the wrap counts display width.
        out.push_str(&wrap(&line, &head, "    "));
        if let Some(h) = &m.help {
            out.push_str(&wrap(
                &inert::text(&plain::help(h)),
                "    help: ",
                "          ",
            ));
        }
        let _ = writeln!(out, "    docs: {}", m.meta.url);
    }
    out
}

/// Render every unsuppressed finding. A snippet shows neighbouring lines, so every secret the
/// run knows of is masked in every snippet of its file: the regions the checks marked
/// (`Run::masks`: from suppressed, filtered and disabled checks too), the values they flagged
/// wherever they recur, and credentials of known forms anywhere.
pub fn render(run: &Run, style: Style) -> String {
    let mut out = String::new();
    render_each(run, style, &mut |d| out.push_str(d));
    out
}

/// Render every unsuppressed finding, handing each diagnostic (with its trailing blank line) to
/// `emit` as it is drawn: output of any size is written without being held whole.
pub fn render_each(run: &Run, style: Style, emit: &mut dyn FnMut(&str)) {
    // The masks of each file, gathered once (not searched again for every finding).
    let mut masks = FileMasks::new(run);
    let mut active = run
        .findings
        .iter()
        .filter(|f| f.suppressed().is_none())
        .peekable();
    let mut group: Vec<&Finding> = Vec::new();
    while let Some(f) = active.next() {
        group.clear();
        group.push(f);
        if groupable(f) {
            while let Some(next) = active.next_if(|n| {
                groupable(n)
                    && n.primary.file == f.primary.file
                    && n.primary.region == f.primary.region
            }) {
                group.push(next);
            }
        }
        let mut d = if group.len() > 1 {
            render_group(&group, &run.files, style, &mut masks)
        } else {
            render_masked(f, &run.files, style, &mut masks)
        };
        d.push('\n');
        emit(&d);
    }
}

/// An error that ends the run, drawn as diagnostics are (wrapped between words only), without
/// its internal code: users read what went wrong and what to do, not `kubeward::config`.
pub(crate) fn error(e: &dyn Diagnostic, color: bool) -> String {
    struct Plain<'a>(&'a dyn Diagnostic);
    impl fmt::Debug for Plain<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            fmt::Display::fmt(self.0, f)
        }
    }
    impl fmt::Display for Plain<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            fmt::Display::fmt(self.0, f)
        }
    }
    impl std::error::Error for Plain<'_> {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.0.source()
        }
    }
    impl Diagnostic for Plain<'_> {
        fn severity(&self) -> Option<miette::Severity> {
            self.0.severity()
        }
        fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
            self.0.help()
        }
        fn source_code(&self) -> Option<&dyn miette::SourceCode> {
            self.0.source_code()
        }
        fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
            self.0.labels()
        }
        fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
            self.0.related()
        }
        fn diagnostic_source(&self) -> Option<&dyn Diagnostic> {
            self.0.diagnostic_source()
        }
    }
    let style = Style {
        color,
        unicode: color,
        width: super::width(),
    };
    let mut out = String::new();
    if handler(style)
        .with_cause_chain()
        .render_report(&mut out, &Plain(e))
        .is_err()
    {
        out = format!("error: {e}\n");
    }
    out
}
