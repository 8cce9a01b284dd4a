//! Rules about the manifest itself.

mod duplicate_key;
mod parse_error;

pub use duplicate_key::DuplicateKey;
pub use parse_error::ParseError;
