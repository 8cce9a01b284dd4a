//! Discovery: which files to lint, and why the others are skipped.

mod context;
mod discover;
pub(crate) mod ignored;
pub(crate) mod lookup;

pub use context::{add_context, kustomize_namespaces};
#[cfg(test)]
pub use discover::discover;
pub use discover::{DiscoverOptions, Error, Input, InputSource, discover_all, display_path};
pub(crate) use discover::{HIDDEN, IGNORED};
