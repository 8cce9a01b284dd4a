//! Lint what will be applied: Helm charts and Kustomize overlays rendered before linting, and
//! every finding in rendered output traced back to the file and line that wrote it.

mod build;
mod exec;
mod helm;
mod kustomize;
mod merge;
mod origin;
mod plan;
mod registry;
mod routes;
mod trace;

#[cfg(test)]
mod tests;

pub use merge::merge_overlays;
pub use plan::{Mode, Options, Rendered, prepare};
pub use registry::Registry;
pub use trace::{Sources, Tracer};
