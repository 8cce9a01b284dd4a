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
