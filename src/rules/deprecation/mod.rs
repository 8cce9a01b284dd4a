//! Deprecated and removed APIs.

mod deprecated_api;

pub use deprecated_api::DeprecatedApi;
