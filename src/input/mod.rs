//! Discovery: which files to lint, and why the others are skipped.

mod discover;

pub use discover::{DiscoverOptions, Error, Input, InputSource, discover, display_path};
