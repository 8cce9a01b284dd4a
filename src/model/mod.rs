//! Typed, span-free views of Kubernetes objects. Each view carries its route.

mod facts;
mod netpol;
mod object;
mod rbac;
mod selector;
mod workload;
mod world;

pub use facts::{dashboard_image, BindingFacts, Facts, KindFacts, NsOrigin, RoleFacts, RuleFacts, Site, SubjectFacts, WorkloadFacts};
pub use netpol::{Flavor, PodSel, PolicyFacts, PolicyPart};
pub use object::{DuplicateKey, Object, ObjectIdent};
pub use rbac::{
    AGGREGATE_LABELS, Grant, Hit, PolicyRule, Risk, RoleView, builtin_cluster_role, describe_subjects, pod_exec, privilege_escalation, risks, rule_item,
    secrets_access, security_policy_write, wildcards,
};
pub use selector::{CalicoExpr, Key, LabelSelector, Op, PodTarget, Requirement};
pub use workload::{Container, ContainerKind, PodSpec, pod_template_route};
pub use world::{BindingUse, Index, NsIndex, NsKey, RoleRisk, World, describe_ns, text_of};
