//! What the user sees: one format per file, and `Report`, the one entry point among them.
//!
//! What the user sees: one output format per file, and [`Report`], the one entry point that
//! chooses among them. Report never decides what is found, at what severity or whether a run
//! fails; it draws the finished run.

mod clip;
pub mod concise;
pub mod github;
pub mod gitlab;
pub mod human;
pub(crate) mod inert;
pub mod json;
mod json_text;
pub mod junit;
pub(crate) mod outfile;
pub(crate) mod plain;
pub mod rdjson;
pub mod sarif;
pub mod statistics;
mod summary;

use std::io::{self, Write};

pub use summary::summary;

use crate::engine::Run;
use crate::rule::Rule;

/// Output formats of `lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Rich diagnostics with snippets (the summary goes to standard error).
    Human,
    /// One line per finding: `path:line:col: severity rule-id message`.
    Concise,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// kubeward's versioned JSON.
    Json,
    /// GitHub workflow commands (annotations) and a job summary.
    Github,
    /// GitLab Code Quality JSON.
    Gitlab,
    /// JUnit XML.
    Junit,
    /// reviewdog's Diagnostic Format, with the automatic fixes as suggestions.
    Rdjson,
}

impl Format {
    /// Whether the format draws snippets: the run must keep the source text of files with
    /// findings, the labels under their nodes and the regions to mask.
    pub fn draws_snippets(self) -> bool {
        matches!(self, Format::Human | Format::Github)
    }
}

/// A finished run and its rules, to be written in any format.
pub(crate) struct Report<'a> {
    run: &'a Run,
    rules: &'a [&'static dyn Rule],
    /// The SARIF log's frame, when it was built while the files were linted.
    frame: Option<io::Result<sarif::Frame>>,
    /// How the human format draws (colour when its reader is a terminal).
    style: human::Style,
}

impl<'a> Report<'a> {
    /// The report of `run`; `frame` is the SARIF frame built beforehand, if it was.
    pub(crate) fn new(
        run: &'a Run,
        rules: &'a [&'static dyn Rule],
        frame: Option<io::Result<sarif::Frame>>,
    ) -> Self {
        Report {
            run,
            rules,
            frame,
            style: human::Style {
                color: false,
                unicode: true,
                width: width(),
            },
        }
    }

    /// The human format in colour (or not).
    pub(crate) fn with_color(mut self, color: bool) -> Self {
        self.style.color = color;
        self
    }

    /// The run as a SARIF log (`--format sarif`, `--sarif-file`).
    pub(crate) fn sarif(&self, w: &mut dyn Write) -> io::Result<()> {
        match &self.frame {
            Some(Ok(f)) => sarif::write_framed(self.run, self.rules, f, w),
            Some(Err(e)) => Err(io::Error::new(e.kind(), e.to_string())),
            // The lint command always builds the frame (with the configuration's severities).
            None => sarif::write(self.run, self.rules, &[], None, w),
        }
    }

    /// The document of `format`, for standard output or `--output`. The human diagnostics are
    /// written as they are drawn (a large run is never held as one string).
    pub(crate) fn write(&self, format: Format, w: &mut dyn Write) -> io::Result<()> {
        let run = self.run;
        match format {
            Format::Human => {
                let mut result = Ok(());
                human::render_each(run, self.style, &mut |d| {
                    if result.is_ok() {
                        result = w.write_all(d.as_bytes());
                    }
                });
                result
            }
            Format::Concise => concise::write(run, w),
            Format::Sarif => self.sarif(w),
            Format::Json => json::write(run, w),
            Format::Github => w.write_all(github::render(run).as_bytes()),
            Format::Gitlab => w.write_all(gitlab::render(run).as_bytes()),
            Format::Junit => w.write_all(junit::render(run).as_bytes()),
            Format::Rdjson => w.write_all(rdjson::render(run).as_bytes()),
        }
    }

    /// What `format` appends to the job summary of a GitHub workflow (`GITHUB_STEP_SUMMARY`),
    /// if it appends anything there; on failure, the file's path and the error.
    pub(crate) fn append_step_summary(
        &self,
        format: Format,
        sarif_link: Option<&str>,
    ) -> Result<(), (String, io::Error)> {
        if format != Format::Github {
            return Ok(());
        }
        let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
            return Ok(());
        };
        let summary = github::step_summary(self.run, sarif_link);
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(summary.as_bytes()))
            .map_err(|e| (std::path::PathBuf::from(&path).display().to_string(), e))
    }
}

/// The width human diagnostics wrap at: `COLUMNS`, else 100.
pub(crate) fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|&c: &usize| c >= 20)
        .unwrap_or(100)
}
