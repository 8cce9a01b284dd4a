//! Output formats, one per file.

pub mod human;
pub mod json;
pub mod sarif;
mod summary;

pub use summary::summary;
