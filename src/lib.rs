//! kubeward: a fast security linter for Kubernetes manifests.
//!
//! The public surface is small: [`run`] and [`run_and_exit`] (the binary is a thin shell around
//! the latter) and the exit codes; the rule registry, the docs renderer and the `testing`
//! entry points are public for the black-box tests, the benchmarks and the fuzz targets. How
//! the crate is laid out: `ARCHITECTURE.md`.
#![allow(clippy::module_name_repetitions)]
// Unsafe code only where a module says why it needs it (`finding::text`).
#![deny(unsafe_code)]

// The pipeline: ARCHITECTURE.md, "Code map", lists the order a run goes through it.
pub(crate) mod baseline;
pub mod docs;
pub(crate) mod engine;
pub(crate) mod finding;
pub(crate) mod fix;
pub(crate) mod input;
pub(crate) mod model;
pub(crate) mod policy;
pub(crate) mod pss;
pub(crate) mod render;
pub(crate) mod report;
pub mod rule;
pub(crate) mod rules;
pub(crate) mod suppress;
pub(crate) mod yaml;
// The commands on top, and what they read.
pub(crate) mod cli;
pub(crate) mod commands;
pub(crate) mod config;
pub(crate) mod error;
#[doc(hidden)]
pub mod testing;
pub(crate) mod timings;

pub use testing::{check_kustomization, check_text, lint_text};

/// Exit code: no finding at or above `--fail-on`.
pub const EXIT_OK: u8 = 0;
/// Exit code: findings.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: usage, configuration or internal error.
pub const EXIT_ERROR: u8 = 2;

/// Run the command line and return the exit code.
pub fn run<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let raw: Vec<String> = args
        .into_iter()
        .map(|a| a.into().to_string_lossy().into_owned())
        .collect();
    commands::run(&raw)
}

/// [`run`] for the binary, whose process exits right after: the run's findings and index
/// (hundreds of thousands of allocations on large inputs) are left to the operating system
/// instead of being freed one by one.
///
/// A panic (a bug) ends the run with exit code 2 and one line on standard error that says where
/// in kubeward it happened. Its message is not printed: it may quote the input (a string slice
/// out of bounds shows the string), which may hold a secret.
pub fn run_and_exit<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    commands::EXITS_AFTER_RUN.store(true, std::sync::atomic::Ordering::Relaxed);
    commands::guard::guarded(|| run(args))
}
