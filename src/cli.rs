//! Command-line interface (clap derive): `lint`, `rules`, `explain`, `init`, `baseline`, `completions`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use crate::report::Format;
use crate::rule::PssLevel;

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
    /// Write a commented starter `.kubeward.yaml`.
    Init(InitArgs),
    /// Lint and write the unsuppressed findings to a baseline file (for `--baseline`):
    /// `kubeward baseline -o FILE [PATHS]...`. An existing FILE is replaced only if it is a
    /// kubeward baseline.
    Baseline(BaselineArgs),
    /// Print the shell completion script for bash, zsh, fish, elvish or powershell.
    Completions(CompletionsArgs),
}

/// Arguments of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Arguments of `init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write it.
    #[arg(default_value = ".kubeward.yaml")]
    pub path: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

/// Arguments of `baseline`: the lint arguments, whose `-o/--output FILE` is the baseline file.
/// Without `-o`, the first path is the file (the form of earlier versions).
#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// What to lint, and how; `-o/--output FILE` names the baseline file.
    #[command(flatten)]
    pub lint: LintArgs,
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
    /// Colour when the output is a terminal, NO_COLOR is unset and TERM is not `dumb`.
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
    /// Write the report (diagnostics too, with --format human) to this file instead of
    /// standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Run only these rules: comma-separated rule ids or categories (`pod-security`, `rbac`,
    /// …; `kubeward rules` lists both). Not with --profile, which runs exactly its level's
    /// controls.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "RULE",
        conflicts_with = "profile"
    )]
    pub select: Vec<String>,
    /// Do not run these rules: comma-separated rule ids or categories.
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub ignore: Vec<String>,
    /// Also write SARIF to this file (whatever --format is).
    #[arg(long, value_name = "FILE")]
    pub sarif_file: Option<PathBuf>,
    /// The code scanning category of the SARIF (`runs[0].automationDetails.id` is
    /// `CATEGORY/`): two runs uploaded for one commit need two categories [default: kubeward].
    #[arg(long, value_name = "CATEGORY", value_parser = parse_category)]
    pub sarif_category: Option<String>,
    /// Where the full SARIF of this run can be seen (e.g. the code scanning page of the pull
    /// request, or an artifact): the GitHub job summary (`--format github`) links to it.
    #[arg(long, value_name = "URL", value_parser = crate::report::github::check_link)]
    pub sarif_link: Option<String>,
    /// Print how many findings each rule has (most first) instead of the findings: a table,
    /// or a JSON array with `--format json`.
    #[arg(long)]
    pub statistics: bool,
    /// Exit with 1 when a finding at or above this severity remains [default: low].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Configuration file (default: .kubeward.yaml from the scanned directory up to the git root).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Do not report findings recorded in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Report only findings that did not exist at the merge base of REV and HEAD.
    #[arg(long, value_name = "REV", value_parser = parse_revision)]
    pub new_from_rev: Option<String>,
    /// Never show a progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// Skip paths matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Do not honour .gitignore and .ignore files.
    #[arg(long)]
    pub no_ignore: bool,
    /// Enter hidden directories and read hidden files.
    #[arg(long)]
    pub hidden: bool,
    /// When files are given, do not read the rest of their repository as context for
    /// cross-object rules (NetworkPolicy coverage, RBAC chains).
    #[arg(long)]
    pub no_context: bool,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Trust only images whose normalised name starts with this prefix, e.g. `ghcr.io/acme`
    /// (repeatable; replaces the default trust: every registry but Docker Hub, plus official
    /// Docker Hub images).
    #[arg(long = "trusted-registry", value_name = "PREFIX")]
    pub trusted_registries: Vec<String>,
    /// When to colour the human output (NO_COLOR and TERM=dumb are honoured).
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
    /// Kubernetes version whose Pod Security semantics apply: `v1.N`, `1.N` or `latest`
    /// (default: the configuration's `pss-version`, else `latest`).
    #[arg(long, value_name = "VERSION", value_parser = parse_pss_version)]
    pub pss_version: Option<u32>,
    /// Render Helm charts and Kustomize overlays before linting them (`never`: lint raw files).
    #[arg(long, value_enum, default_value_t = RenderChoice::Auto)]
    pub render: RenderChoice,
    /// The `helm` program that renders charts (default: `helm` from PATH).
    #[arg(long, value_name = "PATH")]
    pub helm: Option<PathBuf>,
    /// A values file for `helm template`, on top of the chart's values.yaml (repeatable).
    #[arg(long, value_name = "FILE")]
    pub helm_values: Vec<PathBuf>,
    /// A file or directory of ValidatingAdmissionPolicies and bindings to check the input
    /// against, besides those in the input (repeatable; the configuration's `policies:` too).
    #[arg(long = "policy", value_name = "PATH")]
    pub policies: Vec<String>,
    /// Stop a render (`helm template`, `kustomize build`) that runs longer than this; it is a
    /// `render-error` finding [default: the configuration's `render-timeout`, else 60].
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub render_timeout: Option<u64>,
    /// Stop a render that prints more than this, e.g. `64MB`; it is a `render-error` finding
    /// [default: the configuration's `render-max-output`, else 64MB].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub render_max_output: Option<u64>,
    /// A file (or standard input, or a rendered stream) larger than this is a `parse-error`
    /// and is not read: bytes, or a number with K, M or G (powers of 1024) [default: 64M, or
    /// the configuration's `max-file-size`].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_file_size: Option<u64>,
    /// Apply the safe automatic fixes to the plain manifests (atomically, file by file), then
    /// report what remains. Helm templates and rendered output are never edited.
    #[arg(long)]
    pub fix: bool,
    /// Print the automatic fixes as a unified diff on standard output and write nothing
    /// (exit code 1 when there is something to fix).
    #[arg(long, conflicts_with = "fix")]
    pub diff: bool,
    /// With --fix or --diff, make the unsafe fixes too (they may change what a workload does).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Suppress every finding that remains with a `# kubeward: ignore[rule-id] REASON` comment
    /// above its line (plain manifests only), to adopt kubeward in an existing repository.
    #[arg(long, value_name = "REASON", conflicts_with = "diff", value_parser = parse_reason)]
    pub add_suppressions: Option<String>,
}

/// A suppression reason: one line of text, without control characters.
pub fn parse_reason(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("a suppression needs a reason".into());
    }
    if s.chars().any(char::is_control) {
        return Err("a reason is one line of text, without control characters".into());
    }
    Ok(s.to_owned())
}

/// A size: bytes, or a number followed by K, M or G (powers of 1024; `KB`, `KiB` … too).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits = t.len() - t.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let (num, unit) = t.split_at(digits);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("expected a size such as `64M` or `1000000`, got `{s}`"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => return Err(format!("unknown unit in `{s}`: use K, M or G")),
    };
    let bytes = n
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("`{s}` is too large"))?;
    if bytes == 0 {
        return Err("the size cap must be at least one byte".into());
    }
    Ok(bytes)
}

/// `--render`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RenderChoice {
    /// Render when `helm` / `kustomize` or `kubectl` is available.
    Auto,
    /// Never render.
    Never,
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

/// `--pss-version`: `v1.N`, `1.N` or `latest` (see [`crate::rule::parse_pss_version`]).
pub fn parse_pss_version(s: &str) -> Result<u32, String> {
    crate::rule::parse_pss_version(s)
        .ok_or_else(|| format!("expected `v1.N`, `1.N` or `latest`, got `{s}`"))
}

/// `--sarif-category`: a code scanning category, one line of printable characters.
pub fn parse_category(s: &str) -> Result<String, String> {
    if s.is_empty() || s.len() > 200 || s.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(format!(
            "expected a category such as `kubeward` or `kubeward-staging` (no spaces, at most 200 \
             bytes), got `{}`",
            crate::report::inert::path(s)
        ));
    }
    Ok(s.to_owned())
}

/// `--new-from-rev`: a revision git cannot read as an option (see [`crate::input::git::check_revision`]).
pub fn parse_revision(s: &str) -> Result<String, String> {
    crate::input::git::check_revision(s).map(|()| s.to_owned())
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
    /// The configuration whose custom rules are listed too [default: .kubeward.yaml found from
    /// the current directory].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Arguments of `explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule id, e.g. `privileged-container` (or a custom rule's).
    pub rule: String,
    /// The configuration whose custom rules are known too [default: .kubeward.yaml found from
    /// the current directory].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}
