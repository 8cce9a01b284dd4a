//! The rules, one file each, grouped by category.

pub mod pod_security;
pub mod validity;
pub mod workload;
