//! Rendering: Helm charts and Kustomize overlays rendered, findings traced to their source.
//!
//! Lint what will be applied: Helm charts and Kustomize overlays rendered before linting, and
//! every finding in rendered output traced back to the file and line that wrote it. Nothing is
//! rendered that would make a renderer execute, fetch or read outside the repository, renderers
//! run in a sandbox, and rendered metadata is followed only to files inside the repository.

mod build;
mod chart;
mod exec;
mod guard;
mod helm;
mod kustomize;
mod limits;
mod merge;
mod options;
mod origin;
mod plan;
mod plugin;
mod problem;
mod registry;
mod routes;
mod sandbox;
mod scope;
mod trace;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod vectors;

pub use build::kustomize_renderer;
pub use exec::ScratchDir;
pub use limits::{
    CONFIG_MAX_OUTPUT, CONFIG_MAX_TIMEOUT, DEFAULT_MAX_OUTPUT, DEFAULT_TIMEOUT, Limits,
};
pub use merge::merge_overlays;
pub use plan::{Context, Error, Explicit, Mode, Options, Rendered, Restricted, Via, prepare};
pub use problem::findings as problem_findings;
pub use registry::Registry;
pub use scope::Scope;
pub use trace::{Sources, Traced, Tracer};
#[cfg(test)]
pub use vectors::{RenderTest, chart};
