//! The rules, one file each, grouped by category.

pub mod deprecation;
pub mod network;
pub mod pod_security;
pub mod rbac;
pub mod validity;
