//! Discovery: which files to lint, and why the others are skipped.

mod context;
mod discover;

pub use context::{add_context, kustomize_namespaces};
pub use discover::{DiscoverOptions, Error, Input, InputSource, discover, display_path};
