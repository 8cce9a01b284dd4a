//! Rules about the manifest itself.

mod duplicate_key;
mod parse_error;
mod render_error;
mod unsafe_render_input;

pub use duplicate_key::DuplicateKey;
pub use parse_error::ParseError;
pub use render_error::RenderError;
pub use unsafe_render_input::UnsafeRenderInput;
