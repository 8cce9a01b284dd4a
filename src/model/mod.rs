//! Typed, span-free views of Kubernetes objects. Each view carries its route.

pub mod credentials;
mod deployer;
pub mod embedded;
mod facts;
pub mod image;
mod netpol;
mod object;
mod rbac;
mod rbac_risk;
mod runtime_socket;
pub mod secret;
mod selector;
mod workload;
mod world;

#[allow(unused_imports)]
pub use deployer::{DeployedPath, Deployer, deployed_paths};
#[allow(unused_imports)]
pub use facts::{
    BindingFacts, ClaimFacts, DocRef, Facts, Home, HostPathVolumeFacts, KindFacts, NsOrigin,
    PSA_PREFIX, PodEdit, PodSecurityFacts, PsaLabel, PssFact, RoleFacts, RuleFacts, Site,
    SubjectFacts, WorkloadFacts, dashboard_image, datastore_image,
};
#[allow(unused_imports)]
pub use netpol::{Flavor, Gated, PodSel, PolicyFacts, PolicyPart};
#[allow(unused_imports)]
pub use object::{DuplicateKey, Object, ObjectIdent};
#[allow(unused_imports)]
pub use rbac::{AGGREGATE_LABELS, Grant, PolicyRule, RoleView, describe_subjects, rule_item};
#[allow(unused_imports)]
pub use rbac_risk::{
    Hit, Risk, Signers, builtin_cluster_role, csr_approval, persistent_volume_create, pod_exec,
    privilege_escalation, risks, secrets_access, security_policy_write, service_status_write,
    wildcards, workload_create,
};
#[allow(unused_imports)]
pub use runtime_socket::{Access, SocketMount, SocketVolume, socket_volumes};
#[allow(unused_imports)]
pub use selector::{
    CalicoExpr, Key, LabelPairs, LabelSelector, Labels, Op, PodTarget, Requirement,
};
#[allow(unused_imports)]
pub use workload::{Container, ContainerKind, PodSpec, pod_template_route};
#[allow(unused_imports)]
pub use world::{
    BindingUse, FileScopes, Index, NsIndex, NsKey, RoleRisk, World, describe_ns, shared_prefix,
};
