//! The rules, one file each, grouped by category.

pub mod pod_security;
pub mod rbac;
pub mod validity;
