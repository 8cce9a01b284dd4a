//! A chart or overlay kubeward did not render, as a finding.
//!
//! A chart or overlay kubeward did not render, as a finding: `unsafe-render-input` when the input
//! would have made the renderer execute, fetch or read outside the repository, `render-error`
//! when the render was tried and failed (or ran out of time or output room). Either way the gate
//! cannot pass on something it never saw.

use std::path::{Path, PathBuf};

use super::exec;
use super::registry::Registry;
use crate::finding::{Extra, Finding, Location, stable_hash};
use crate::input::{Input, InputSource, display_path};
use crate::rule::{Meta, Rule};
use crate::yaml::{Label, LineIndex, parse_stream, span_of};

/// Which finding a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Refused before rendering.
    Unsafe,
    /// Rendering was tried and failed.
    Error,
}

impl Kind {
    fn meta(self) -> &'static Meta {
        match self {
            Kind::Unsafe => &crate::rules::validity::UnsafeRenderInput::META,
            Kind::Error => &crate::rules::validity::RenderError::META,
        }
    }
}

/// A chart or overlay that was not rendered, and the node the finding points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Which rule.
    pub kind: Kind,
    /// The file the finding points at (absolute): a kustomization, a plugin configuration or a
    /// chart's `Chart.yaml`.
    pub file: PathBuf,
    /// The document of that file.
    pub doc: usize,
    /// The node; `None` for the file's first line.
    pub at: Option<Label>,
    /// Whether the file may be read (not a symbolic link leaving the repository).
    pub readable: bool,
    /// What was found (no text of the input is repeated: the snippet shows it).
    pub message: String,
    /// The label under the node.
    pub label: String,
    /// How to fix it.
    pub help: &'static str,
}

impl Problem {
    /// A problem located at `label` of document `doc` of `file`.
    pub fn at(kind: Kind, file: &Path, doc: usize, label: Option<Label>) -> Self {
        Problem {
            kind,
            file: exec::absolute(file),
            doc,
            at: label,
            readable: true,
            message: String::new(),
            label: String::new(),
            help: "",
        }
    }

    /// With what was found, its label and help.
    #[must_use]
    pub fn says(mut self, message: String, label: &str, help: &'static str) -> Self {
        self.message = message;
        self.label = label.to_owned();
        self.help = help;
        self
    }

    /// An order for reports: file, document, route, rule, message.
    pub fn sort_key(&self) -> (&Path, usize, String, Kind, &str) {
        (
            &self.file,
            self.doc,
            self.at
                .as_ref()
                .map(|l| l.pointer.to_string())
                .unwrap_or_default(),
            self.kind,
            &self.message,
        )
    }

    /// A file that must not be read (its snippet stays empty).
    #[must_use]
    pub fn unread(mut self) -> Self {
        self.readable = false;
        self
    }
}

/// The findings of `problems` whose rule is enabled. A problem in a file that is an input of
/// the run points at that input (so that suppression comments in it apply); any other file is
/// registered, read only if it is a regular file inside the run's repositories.
pub fn findings(
    problems: &[Problem],
    inputs: &[Input],
    registry: &Registry,
    rules: &[&'static dyn Rule],
) -> Vec<Finding> {
    let enabled = |k: Kind| rules.iter().any(|r| r.meta().id == k.meta().id);
    let mut out = Vec::new();
    for p in problems.iter().filter(|p| enabled(p.kind)) {
        let input = inputs.iter().position(|i| {
            i.report && matches!(&i.source, InputSource::Path(q) if exec::absolute(q) == p.file)
        });
        let (file, text) = match input {
            Some(i) if p.readable => {
                let text = registry.read_input(&p.file).unwrap_or_default();
                (u32::try_from(i).unwrap_or(u32::MAX), text)
            }
            _ if p.readable => match registry.load(&p.file) {
                Some((id, text)) => (id, text.to_string()),
                None => (registry.unread(&p.file), String::new()),
            },
            Some(i) => (u32::try_from(i).unwrap_or(u32::MAX), String::new()),
            None => (registry.unread(&p.file), String::new()),
        };
        let (start, end) = match &p.at {
            Some(label) => {
                let stream = parse_stream(&text);
                stream
                    .docs
                    .get(p.doc)
                    .map_or((0, 0), |d| span_of(d, &text, label))
            }
            None => crate::yaml::first_line(&text),
        };
        let meta = p.kind.meta();
        let route =
            p.at.as_ref()
                .map(|l| l.pointer.to_string())
                .unwrap_or_default();
        let shown = display_path(&p.file);
        out.push(Finding {
            meta,
            severity: meta.severity,
            message: exec::printable(&p.message).into(),
            help: Some(p.help.into()),
            primary: Location {
                file,
                region: LineIndex::new(&text).region(&text, start, end),
            },
            object: None,
            route: route.clone().into(),
            fingerprint: stable_hash(&[meta.id, &shown, &route, &p.label]),
            extra: Extra {
                label: Some(p.label.clone().into()),
                ..Extra::default()
            }
            .boxed(),
        });
    }
    out
}
