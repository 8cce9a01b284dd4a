//! Output formats, one per file.

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

pub use summary::summary;

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
