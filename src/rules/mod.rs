//! The rules, one file each, grouped by category.

pub mod deprecation;
pub mod images;
pub mod network;
pub mod pod_security;
pub mod policy;
pub mod rbac;
pub mod secrets;
pub mod suppression;
pub mod validity;
pub mod workload;
