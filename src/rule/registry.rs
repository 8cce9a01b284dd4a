//! Every rule, in one static list sorted by id: the run order and the docs order.
//!
//! Adding a rule: write its file, add its `mod` line, add it here. `tests/registry.rs` checks that
//! nothing is missing.

use super::Rule;
use crate::pss::PssControl;
pub use crate::rules::deprecation::DeprecatedApi;
pub use crate::rules::images::{
    ImageEnvTag, ImageLatestTag, ImageNotPinned, ImagePullPolicy, ImageUntrustedRegistry,
    InvalidImageReference,
};
pub use crate::rules::network::{
    DefaultNamespace, ExposedLoadBalancer, IngressWithoutTls, InsecureDashboard,
    KubeSystemWorkload, MissingNetworkPolicy, NamespaceWithoutDefaultDeny,
    NamespaceWithoutResourceQuota, NodePortService,
};
pub use crate::rules::pod_security::{
    AdmissionRejected, AllowPrivilegeEscalationUnset, ApparmorUnconfined, CapabilitiesNotDropped,
    DangerousCapabilities, HostIpc, HostNetwork, HostPathVolume, HostPid, HostPort,
    MisspeltCapability, NamespaceWithoutPodSecurity, NonRootNotRequired, PrivilegeEscalation,
    PrivilegedContainer, ProbeCustomHost, RestrictedVolumeTypes, RunAsRoot, SeccompProfile,
    SeccompProfileUnset, SelinuxCustomOptions, UnsafeProcMount, UnsafeSysctls, WindowsHostProcess,
};
pub use crate::rules::policy::AdmissionPolicy;
pub use crate::rules::rbac::{
    ClusterAdminBinding, RbacAnonymousSubject, RbacPodExec, RbacPrivilegeEscalation,
    RbacSecretsAccess, RbacSecurityPolicyWrite, RbacUserBinding, RbacWildcard, WorkloadRbacRisk,
};
pub use crate::rules::secrets::{
    AzureKeyvaultFlexvolumeDeprecated, AzurePodIdentityDeprecated, ConfigmapCredentials,
    EnvLiteralSecret, HardcodedCredential, PlaintextSecret,
};
pub use crate::rules::suppression::{
    ExpiredSuppression, IgnoredManifest, SuppressionWithoutReason, UnusedSuppression,
};
pub use crate::rules::validity::{DuplicateKey, ParseError, RenderError, UnsafeRenderInput};
pub use crate::rules::workload::{
    AutomountServiceAccountToken, ContainerRuntimeSocket, DefaultServiceAccount,
    MissingResourceLimits, WritableRootFilesystem,
};

/// All rules, sorted by id.
pub static ALL: &[&dyn Rule] = &[
    &AdmissionPolicy,
    &AdmissionRejected,
    &AllowPrivilegeEscalationUnset,
    &ApparmorUnconfined,
    &AutomountServiceAccountToken,
    &AzureKeyvaultFlexvolumeDeprecated,
    &AzurePodIdentityDeprecated,
    &CapabilitiesNotDropped,
    &ClusterAdminBinding,
    &ConfigmapCredentials,
    &ContainerRuntimeSocket,
    &DangerousCapabilities,
    &DefaultNamespace,
    &DefaultServiceAccount,
    &DeprecatedApi,
    &DuplicateKey,
    &EnvLiteralSecret,
    &ExpiredSuppression,
    &ExposedLoadBalancer,
    &HardcodedCredential,
    &HostIpc,
    &HostNetwork,
    &HostPathVolume,
    &HostPid,
    &HostPort,
    &IgnoredManifest,
    &ImageEnvTag,
    &ImageLatestTag,
    &ImageNotPinned,
    &ImagePullPolicy,
    &ImageUntrustedRegistry,
    &IngressWithoutTls,
    &InsecureDashboard,
    &InvalidImageReference,
    &KubeSystemWorkload,
    &MissingNetworkPolicy,
    &MissingResourceLimits,
    &MisspeltCapability,
    &NamespaceWithoutDefaultDeny,
    &NamespaceWithoutPodSecurity,
    &NamespaceWithoutResourceQuota,
    &NodePortService,
    &NonRootNotRequired,
    &ParseError,
    &PlaintextSecret,
    &PrivilegeEscalation,
    &PrivilegedContainer,
    &ProbeCustomHost,
    &RbacAnonymousSubject,
    &RbacPodExec,
    &RbacPrivilegeEscalation,
    &RbacSecretsAccess,
    &RbacSecurityPolicyWrite,
    &RbacUserBinding,
    &RbacWildcard,
    &RenderError,
    &RestrictedVolumeTypes,
    &RunAsRoot,
    &SeccompProfile,
    &SeccompProfileUnset,
    &SelinuxCustomOptions,
    &SuppressionWithoutReason,
    &UnsafeProcMount,
    &UnsafeRenderInput,
    &UnsafeSysctls,
    &UnusedSuppression,
    &WindowsHostProcess,
    &WorkloadRbacRisk,
    &WritableRootFilesystem,
];

/// The Pod Security Standards controls (every rule declaring `pss:`), sorted by id.
pub(crate) static PSS_CONTROLS: &[&dyn PssControl] = &[
    &AllowPrivilegeEscalationUnset,
    &ApparmorUnconfined,
    &CapabilitiesNotDropped,
    &DangerousCapabilities,
    &HostIpc,
    &HostNetwork,
    &HostPathVolume,
    &HostPid,
    &HostPort,
    &MisspeltCapability,
    &NonRootNotRequired,
    &PrivilegeEscalation,
    &PrivilegedContainer,
    &ProbeCustomHost,
    &RestrictedVolumeTypes,
    &RunAsRoot,
    &SeccompProfile,
    &SeccompProfileUnset,
    &SelinuxCustomOptions,
    &UnsafeProcMount,
    &UnsafeSysctls,
    &WindowsHostProcess,
];

/// Renamed rule ids (old → new), kept forever so ignores and configs keep working.
pub static ALIASES: &[(&str, &str)] = &[];

/// The rule with this id (or a renamed id).
pub fn by_id(id: &str) -> Option<&'static dyn Rule> {
    let id = ALIASES
        .iter()
        .find(|(old, _)| *old == id)
        .map_or(id, |(_, new)| *new);
    ALL.iter().copied().find(|r| r.meta().id == id)
}
