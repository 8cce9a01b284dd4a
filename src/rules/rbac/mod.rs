//! Role-based access control: dangerous permissions, bindings, and what workloads hold.

mod cluster_admin_binding;
mod rbac_anonymous_subject;
mod rbac_named_signer_approval;
mod rbac_persistent_volume_create;
mod rbac_pod_exec;
mod rbac_privilege_escalation;
mod rbac_secrets_access;
mod rbac_security_policy_write;
mod rbac_service_status_write;
mod rbac_shared_service_account;
mod rbac_user_binding;
mod rbac_wildcard;
mod rbac_workload_create;
mod workload_rbac_risk;

pub use cluster_admin_binding::ClusterAdminBinding;
pub use rbac_anonymous_subject::RbacAnonymousSubject;
pub use rbac_named_signer_approval::RbacNamedSignerApproval;
pub use rbac_persistent_volume_create::RbacPersistentVolumeCreate;
pub use rbac_pod_exec::RbacPodExec;
pub use rbac_privilege_escalation::RbacPrivilegeEscalation;
pub use rbac_secrets_access::RbacSecretsAccess;
pub use rbac_security_policy_write::RbacSecurityPolicyWrite;
pub use rbac_service_status_write::RbacServiceStatusWrite;
pub use rbac_shared_service_account::RbacSharedServiceAccount;
pub use rbac_user_binding::RbacUserBinding;
pub use rbac_wildcard::RbacWildcard;
pub use rbac_workload_create::RbacWorkloadCreate;
pub use workload_rbac_risk::WorkloadRbacRisk;
