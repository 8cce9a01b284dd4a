//! `--format rdjson`: reviewdog's Diagnostic Format, with the automatic fixes as suggestions.
//!
//! One diagnostic per unsuppressed finding, with the finding's automatic fix as `suggestions`
//! (reviewdog turns them into suggested changes on a pull request). In a file with a
//! suggestion, columns are UTF-8 byte columns, as rdjson counts them, so that a suggestion
//! replaces exactly its bytes; elsewhere they are kubeward's character columns (the same on
//! ASCII lines): no file is read again only to count bytes (a file over the size cap is never
//! read at all).

use serde::Serialize;

use crate::engine::Run;
use crate::rule::Severity;
use crate::yaml::LineIndex;

#[derive(Serialize)]
struct Output<'a> {
    source: Source,
    diagnostics: Vec<Diagnostic<'a>>,
}

#[derive(Serialize, Clone, Copy)]
struct Source {
    name: &'static str,
    url: &'static str,
}

const SOURCE: Source = Source {
    name: "kubeward",
    url: "https://github.com/kubeward/kubeward",
};

#[derive(Serialize)]
struct Diagnostic<'a> {
    message: String,
    location: Location<'a>,
    severity: &'static str,
    source: Source,
    code: Code,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suggestions: Vec<Suggestion>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    range: Range,
}

#[derive(Serialize, Clone, Copy)]
struct Range {
    start: Position,
    end: Position,
}

#[derive(Serialize, Clone, Copy)]
struct Position {
    line: u32,
    column: u32,
}

#[derive(Serialize)]
struct Code {
    value: &'static str,
    url: &'static str,
}

#[derive(Serialize)]
struct Suggestion {
    range: Range,
    text: String,
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "ERROR",
        Severity::Medium => "WARNING",
        Severity::Low => "INFO",
    }
}

/// Byte columns of byte offsets in one file.
struct Columns {
    text: std::sync::Arc<str>,
    index: LineIndex,
}

impl Columns {
    fn at(&self, offset: u32) -> Position {
        let (line, _) = self.index.line_col(&self.text, offset);
        let off = (offset as usize).min(self.text.len());
        let line_start = self.text[..off].rfind('\n').map_or(0, |i| i + 1);
        // A BOM is not a column.
        let line_start = if line_start == 0 && self.text.starts_with('\u{feff}') {
            3.min(off)
        } else {
            line_start
        };
        Position {
            line,
            column: u32::try_from(off - line_start + 1).unwrap_or(u32::MAX),
        }
    }

    fn range(&self, start: u32, end: u32) -> Range {
        Range {
            start: self.at(start),
            end: self.at(end.max(start)),
        }
    }
}

/// The run as rdjson.
pub fn render(run: &Run) -> String {
    let suggestions = crate::fix::suggestions(run);
    // The files with a suggestion in them.
    let with_fix: std::collections::HashSet<u32> = run
        .findings
        .iter()
        .zip(&suggestions)
        .filter(|(f, s)| s.is_some() && f.fix().is_some_and(|x| x.file == f.primary.file))
        .map(|(f, _)| f.primary.file)
        .collect();
    let mut columns: std::collections::HashMap<u32, Columns> = std::collections::HashMap::new();
    let mut diagnostics = Vec::new();
    for (i, f) in run.findings.iter().enumerate() {
        if f.suppressed().is_some() {
            continue;
        }
        let file = f.primary.file;
        let r = f.primary.region;
        // A suggestion is a change of the diagnostic's own file.
        let own = suggestions[i]
            .as_ref()
            .filter(|_| f.fix().is_some_and(|x| x.file == file));
        // Byte columns where the file has a suggestion (it was read and parsed to make it).
        let cols = with_fix.contains(&file).then(|| {
            &*columns.entry(file).or_insert_with(|| {
                let text = run.files[file as usize].load();
                Columns {
                    index: LineIndex::new(&text),
                    text,
                }
            })
        });
        let range = match cols {
            Some(c) => c.range(r.start, r.end),
            None => Range {
                start: Position {
                    line: r.line,
                    column: r.col,
                },
                end: Position {
                    line: r.end_line,
                    column: r.end_col,
                },
            },
        };
        let message = match &f.help {
            Some(h) => format!("{}\n\n{h}", &*f.message),
            None => f.message.to_string(),
        };
        diagnostics.push(Diagnostic {
            message,
            location: Location {
                path: &run.files[file as usize].path,
                range,
            },
            severity: severity(f.severity),
            source: SOURCE,
            code: Code {
                value: f.meta.id,
                url: f.meta.url,
            },
            suggestions: match (own, cols) {
                (Some(s), Some(c)) => s
                    .edits
                    .iter()
                    .map(|(region, text)| Suggestion {
                        range: c.range(region.start, region.end),
                        text: text.clone(),
                    })
                    .collect(),
                _ => Vec::new(),
            },
        });
    }
    let mut out = serde_json::to_string_pretty(&Output {
        source: SOURCE,
        diagnostics,
    })
    .unwrap_or_default();
    out.push('\n');
    out
}
