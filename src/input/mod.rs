//! Input: which files to lint, what an input is, and reading what the run reads.
//!
//! Input: which files to lint (and why the others are skipped), what an input is, the
//! repository's files read as context, the kustomizations that give files a namespace, asking
//! git what it tracks, files looked up by name, and reading a file's bytes.

mod context;
mod discover;
pub(crate) mod git;
pub(crate) mod ignored;
pub(crate) mod lookup;
mod namespaces;
pub(crate) mod read;
mod source;

pub use context::add_context;
#[cfg(test)]
pub use discover::discover;
pub use discover::{DiscoverOptions, Error, discover_all};
pub(crate) use discover::{HIDDEN, IGNORED};
#[allow(unused_imports)]
pub use namespaces::{Kustomization, Layout, kustomizations_around, layout};
pub use read::DEFAULT_MAX_FILE_SIZE;
pub use source::{Input, InputSource, ScopedGlobs, display_path, lexical_absolute};
