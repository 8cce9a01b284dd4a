//! Suppression hygiene (reported by `crate::suppress`).

mod expired_suppression;
mod suppression_without_reason;
mod unused_suppression;

pub use expired_suppression::ExpiredSuppression;
pub use suppression_without_reason::SuppressionWithoutReason;
pub use unused_suppression::UnusedSuppression;
