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
    #[error("unknown rule `{id}`")]
    #[diagnostic(code(kubeward::unknown_rule))]
    UnknownRule {
        /// As given.
        id: String,
        /// The nearest known id, or how to list them.
        #[help]
        help: String,
    },
    /// Flags that cannot be used together.
    #[error("{0}")]
    #[diagnostic(code(kubeward::usage))]
    Usage(String, #[help] String),
    /// A bad `--exclude` glob.
    #[error("invalid glob `{0}`: {1}")]
    #[diagnostic(code(kubeward::bad_glob))]
    Glob(String, String),
    /// Writing the report failed.
    #[error("cannot write {0}: {1}")]
    #[diagnostic(code(kubeward::io))]
    Write(String, std::io::Error),
}

impl Error {
    /// An unknown rule id or category, with the nearest known one when there is one
    /// (`categories`: whether a category would have done).
    pub(crate) fn unknown_rule(id: &str, categories: bool) -> Self {
        let near = if categories {
            crate::rule::registry::suggest(id.trim())
        } else {
            crate::rule::registry::nearest(
                id.trim(),
                &crate::rule::registry::ALL
                    .iter()
                    .map(|r| r.meta().id)
                    .collect::<Vec<_>>(),
            )
        };
        let list = if categories {
            "Run `kubeward rules` to list the rule ids; a category (e.g. `pod-security`) selects all its rules."
        } else {
            "Run `kubeward rules` to list the rule ids."
        };
        Error::UnknownRule {
            id: crate::report::inert::path(id).into_owned(),
            help: match near {
                Some(n) => format!("Did you mean `{n}`? {list}"),
                None => list.to_owned(),
            },
        }
    }
}
