//! Admission policies of the repository.
//!
//! Admission policies of the repository (the team's own rules are runtime entries, see
//! `crate::policy::custom`).

mod admission_policy;

pub use admission_policy::AdmissionPolicy;
