//! What tests, benchmarks and fuzz targets drive kubeward through; none of it is a stable API.
//!
//! The black-box entry points ([`lint_text`], [`check_text`], [`check_kustomization`]), the
//! benchmark and fuzzing entry points, and (in unit tests) the rule test harness.

mod api;
#[doc(hidden)]
pub mod bench;
pub(crate) mod example;
#[doc(hidden)]
pub mod fuzz;
#[cfg(test)]
mod rules;

pub use api::{check_kustomization, check_text, lint_text};

#[cfg(test)]
pub(crate) use example::TreeTest;
#[cfg(test)]
pub use rules::RuleTest;
#[cfg(test)]
pub(crate) use rules::snapshot_beside;

/// `text` with this version's repository links (`…/blob/v0.1.0/…`, [`crate::rule::repo_url`])
/// written `…/blob/v[VERSION]/…`: what snapshots hold, so a release, which bumps the version,
/// changes none of them.
pub fn unversioned(text: &str) -> String {
    text.replace(
        crate::rule::REPO_URL_AT_VERSION,
        "https://github.com/kubeward/kubeward/blob/v[VERSION]/",
    )
}
