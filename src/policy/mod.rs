//! Policy as code: the cluster's ValidatingAdmissionPolicies found in the repository and the
//! team's own rules, both in CEL, evaluated against every object they match.

mod admission;
mod cel;
pub(crate) mod custom;
mod eval;
mod locate;
mod set;
#[cfg(test)]
mod tests;
mod value;

pub(crate) use set::{Collector, PolicySet, may_hold_namespace, may_hold_policy};

/// The id of the rule admission policies report under.
pub(crate) const ADMISSION_POLICY_ID: &str = "admission-policy";
