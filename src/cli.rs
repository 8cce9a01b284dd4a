//! Command-line interface (clap derive): `lint`, `rules`, `explain`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::rule::{LATEST_PSS_MINOR, PssLevel};

/// A fast security linter for Kubernetes manifests in GitOps repositories.
#[derive(Debug, Parser)]
#[command(name = "kubeward", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint manifests (files, directories, or `-` for standard input).
    Lint(LintArgs),
    /// List the rules.
    Rules(RulesArgs),
    /// Show the documentation of a rule.
    Explain(ExplainArgs),
}

/// Output formats of `lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Rich diagnostics on stderr, then a summary.
    Human,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// kubeward's versioned JSON.
    Json,
}

/// `--fail-on` thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Only critical findings fail.
    Critical,
    /// High and above.
    High,
    /// Medium and above.
    Medium,
    /// Any finding.
    Low,
    /// Never fail on findings.
    Never,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stderr is a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Arguments of `lint`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files or directories to lint; `-` reads standard input.
    #[arg(default_value = ".")]
    pub paths: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Run only these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub select: Vec<String>,
    /// Do not run these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub ignore: Vec<String>,
    /// Exit with 1 when a finding at or above this severity remains.
    #[arg(long, value_enum, default_value_t = FailOn::Low)]
    pub fail_on: FailOn,
    /// Skip paths matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Do not honour .gitignore and .ignore files.
    #[arg(long)]
    pub no_ignore: bool,
    /// Enter hidden directories and read hidden files.
    #[arg(long)]
    pub hidden: bool,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// When to colour the human output (NO_COLOR is honoured).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print only the diagnostics, no summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Also list skipped files with their reasons.
    #[arg(long, short = 'v', conflicts_with = "quiet")]
    pub verbose: bool,
    /// Check a Pod Security Standards level: run exactly its controls and exit with 1 iff an
    /// object violates it.
    #[arg(long, value_enum, value_name = "PROFILE")]
    pub profile: Option<Profile>,
    /// Kubernetes version whose Pod Security semantics apply: `v1.N`, `1.N` or `latest`.
    #[arg(long, value_name = "VERSION", default_value = "latest", value_parser = parse_pss_version)]
    pub pss_version: u32,
}

/// `--profile`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// The Baseline level of the Pod Security Standards.
    PssBaseline,
    /// The Restricted level (which includes Baseline).
    PssRestricted,
}

impl Profile {
    /// The level it enforces.
    pub fn level(self) -> PssLevel {
        match self {
            Profile::PssBaseline => PssLevel::Baseline,
            Profile::PssRestricted => PssLevel::Restricted,
        }
    }
}

/// `v1.N`, `1.N` or `latest` → N. Versions newer than the newest known one evaluate as the
/// newest, as pod-security-admission does.
pub fn parse_pss_version(s: &str) -> Result<u32, String> {
    if s == "latest" {
        return Ok(LATEST_PSS_MINOR);
    }
    let minor = s
        .strip_prefix('v')
        .unwrap_or(s)
        .strip_prefix("1.")
        .filter(|m| {
            !m.is_empty()
                && m.bytes().all(|b| b.is_ascii_digit())
                && (m.len() == 1 || !m.starts_with('0'))
        })
        .and_then(|m| m.parse::<u32>().ok())
        .ok_or_else(|| format!("expected `v1.N`, `1.N` or `latest`, got `{s}`"))?;
    Ok(minor.min(LATEST_PSS_MINOR))
}

/// Formats of `rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// An aligned table.
    Table,
    /// A JSON array of {id, severity, category, summary, …}.
    Json,
    /// A markdown table.
    Markdown,
}

/// Arguments of `rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
    pub format: RulesFormat,
}

/// Arguments of `explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule id, e.g. `privileged-container`.
    pub rule: String,
}
