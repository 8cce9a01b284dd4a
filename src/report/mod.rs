//! Output formats, one per file.

mod clip;
pub mod github;
pub mod gitlab;
pub mod human;
pub(crate) mod inert;
pub mod json;
mod json_text;
pub mod junit;
pub mod sarif;
mod summary;

pub use summary::summary;
