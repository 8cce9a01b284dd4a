//! What the user sees: one format per file, and `Report`, the one entry point among them.
//!
//! What the user sees: one output format per file, and [`Report`], the one entry point that
//! chooses among them. Report never decides what is found, at what severity or whether a run
//! fails; it draws the finished run.

mod clip;
pub mod github;
pub mod gitlab;
pub mod human;
pub(crate) mod inert;
pub mod json;
mod json_text;
pub mod junit;
pub(crate) mod outfile;
pub mod sarif;
mod summary;

use std::io::{self, Write};

pub use summary::summary;

use crate::engine::Run;
use crate::rule::Rule;

/// Output formats of `lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Rich diagnostics on stderr, then a summary.
    Human,
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
}

impl Format {
    /// Whether the format draws snippets: the run must keep the source text of files with
    /// findings, the labels under their nodes and the regions to mask.
    pub fn draws_snippets(self) -> bool {
        matches!(self, Format::Human | Format::Github)
    }

    /// Whether the format's report is diagnostics on standard error (drawn by
    /// [`Report::draw`]) rather than a document for standard output or `--output`.
    pub fn is_diagnostics(self) -> bool {
        self == Format::Human
    }
}

/// A finished run and its rules, to be written in any format.
pub(crate) struct Report<'a> {
    run: &'a Run,
    rules: &'a [&'static dyn Rule],
    /// The SARIF log's frame, when it was built while the files were linted.
    frame: Option<io::Result<sarif::Frame>>,
}

impl<'a> Report<'a> {
    /// The report of `run`; `frame` is the SARIF frame built beforehand, if it was.
    pub(crate) fn new(
        run: &'a Run,
        rules: &'a [&'static dyn Rule],
        frame: Option<io::Result<sarif::Frame>>,
    ) -> Self {
        Report { run, rules, frame }
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

    /// The document of `format`, for standard output or `--output` (nothing for diagnostics).
    pub(crate) fn write(&self, format: Format, w: &mut dyn Write) -> io::Result<()> {
        let run = self.run;
        match format {
            Format::Human => Ok(()),
            Format::Sarif => self.sarif(w),
            Format::Json => json::write(run, w),
            Format::Github => w.write_all(github::render(run).as_bytes()),
            Format::Gitlab => w.write_all(gitlab::render(run).as_bytes()),
            Format::Junit => w.write_all(junit::render(run).as_bytes()),
        }
    }

    /// The diagnostics of `format` on standard error, written as they are drawn (a large run is
    /// never held as one string), `COLUMNS` wide (else 100).
    pub(crate) fn draw(&self, format: Format, color: bool) {
        if !format.is_diagnostics() {
            return;
        }
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(100);
        let mut err = io::BufWriter::new(io::stderr().lock());
        human::render_each(
            self.run,
            human::Style {
                color,
                unicode: true,
                width,
            },
            &mut |d| {
                let _ = err.write_all(d.as_bytes());
            },
        );
        let _ = err.flush();
    }

    /// What `format` appends to the job summary of a GitHub workflow (`GITHUB_STEP_SUMMARY`),
    /// if it appends anything there; on failure, the file's path and the error.
    pub(crate) fn append_step_summary(&self, format: Format) -> Result<(), (String, io::Error)> {
        if format != Format::Github {
            return Ok(());
        }
        let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
            return Ok(());
        };
        let summary = github::step_summary(self.run);
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(summary.as_bytes()))
            .map_err(|e| (std::path::PathBuf::from(&path).display().to_string(), e))
    }
}
