//! Policy as code: admission policies and custom rules in CEL, evaluated per object.
//!
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

pub(crate) use cel::EVAL_STACK;
pub(crate) use set::{Collector, PolicySet, may_hold_namespace, may_hold_policy};

/// The id of the rule admission policies report under.
pub(crate) const ADMISSION_POLICY_ID: &str = "admission-policy";

use std::sync::{Arc, Mutex};

use crate::rule::{Category, Rule};

/// The policy part of a run's settings.
#[derive(Debug, Clone, Default)]
pub(crate) struct Setup {
    /// The configuration's custom rules.
    pub custom: Arc<[custom::CustomRule]>,
    /// The run's policy set, once gathered (only in the pass that evaluates it).
    pub set: Option<Arc<PolicySet>>,
}

/// Whether a run with `rules` evaluates policies at all: `admission-policy` or a custom rule
/// is enabled.
pub(crate) fn wanted(rules: &[&'static dyn Rule]) -> bool {
    rules.iter().any(|r| r.meta().category == Category::Policy)
}

/// Files that may hold policies, bindings or Namespaces, noted while every file is read.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    files: Mutex<Vec<u32>>,
    policies: std::sync::atomic::AtomicBool,
}

impl Pending {
    /// Note file `file` if its text may hold something the policy pass gathers.
    pub(crate) fn note(&self, file: u32, bytes: &[u8]) {
        let policy = may_hold_policy(bytes);
        if policy || may_hold_namespace(bytes) {
            if policy {
                self.policies
                    .store(true, std::sync::atomic::Ordering::Relaxed);
            }
            self.files
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(file);
        }
    }

    /// Whether a file may hold a policy.
    pub(crate) fn saw_policy(&self) -> bool {
        self.policies.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The noted files, in order.
    pub(crate) fn files(&self) -> Vec<u32> {
        let mut v = self
            .files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        v.sort_unstable();
        v
    }
}
