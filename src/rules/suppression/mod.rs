//! Suppression hygiene (reported by `crate::suppress`, and by discovery for ignore files).

mod expired_suppression;
mod ignored_manifest;
mod suppression_without_reason;
mod unused_suppression;

pub use expired_suppression::ExpiredSuppression;
pub use ignored_manifest::IgnoredManifest;
pub use suppression_without_reason::SuppressionWithoutReason;
pub use unused_suppression::UnusedSuppression;
