//! Container images: reference validity, tags, digests, provenance, pull policy.

mod image_env_tag;
mod image_latest_tag;
mod image_not_pinned;
mod image_pull_policy;
mod image_untrusted_registry;
mod invalid_image_reference;

pub use image_env_tag::ImageEnvTag;
pub use image_latest_tag::ImageLatestTag;
pub use image_not_pinned::ImageNotPinned;
pub use image_pull_policy::ImagePullPolicy;
pub use image_untrusted_registry::ImageUntrustedRegistry;
pub use invalid_image_reference::InvalidImageReference;
