//! Top-level errors: everything that ends a run with exit code 2.

/// An error that stops the run.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    /// The configuration is invalid.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] Box<crate::config::Error>),
    /// A baseline or git revision could not be used.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Baseline(#[from] crate::baseline::Error),
    /// A file exists already.
    #[error("{0} exists already")]
    #[diagnostic(code(kubeward::exists), help("Pass --force to overwrite it."))]
    Exists(String),
    /// A render option (`--helm`, `--helm-values`) cannot be used.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Render(#[from] crate::render::Error),
    /// Discovery failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Input(#[from] crate::input::Error),
    /// An unknown rule id in `--select`/`--ignore`/`explain`.
    #[error("unknown rule `{0}`")]
    #[diagnostic(
        code(kubeward::unknown_rule),
        help("Run `kubeward rules` to list the rule ids.")
    )]
    UnknownRule(String),
    /// A bad `--exclude` glob.
    #[error("invalid glob `{0}`: {1}")]
    #[diagnostic(code(kubeward::bad_glob))]
    Glob(String, String),
    /// Writing the report failed.
    #[error("cannot write {0}: {1}")]
    #[diagnostic(code(kubeward::io))]
    Write(String, std::io::Error),
}
