//! The rules, one file each, grouped by category.

pub mod images;
pub mod pod_security;
pub mod secrets;
pub mod suppression;
pub mod validity;
pub mod workload;
