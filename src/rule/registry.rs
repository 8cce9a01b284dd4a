//! Every rule, in one static list sorted by id: the run order and the docs order.
//!
//! Adding a rule: write its file, add its `mod` line, add it here. `tests/registry.rs` checks that
//! nothing is missing.

use super::{Category, Rule};
use crate::pss::PssControl;
pub use crate::rules::deprecation::DeprecatedApi;
pub use crate::rules::images::{
    ImageEnvTag, ImageLatestTag, ImageNotPinned, ImagePullPolicy, ImageUntrustedRegistry,
    InvalidImageReference,
};
pub use crate::rules::network::{
    DatastoreInExposedNamespace, DefaultNamespace, ExposedLoadBalancer, IngressNginxSnippet,
    IngressWithoutTls, IngressWithoutWaf, InsecureDashboard, IstioMtlsDisabled,
    IstioMtlsPermissive, KubeSystemWorkload, MetadataEndpointReachable, MissingEgressPolicy,
    MissingNetworkPolicy, NamespaceWithoutDefaultDeny, NamespaceWithoutEgressDeny,
    NamespaceWithoutResourceQuota, NodePortService, ServiceExternalIps,
};
pub use crate::rules::pod_security::{
    AdmissionRejected, AllowPrivilegeEscalationUnset, ApparmorUnconfined, CapabilitiesNotDropped,
    DangerousCapabilities, HostIpc, HostNetwork, HostPathPersistentVolume, HostPathVolume, HostPid,
    HostPort, MisspeltCapability, NamespaceWithoutPodSecurity, NonRootNotRequired,
    PrivilegeEscalation, PrivilegedContainer, ProbeCustomHost, RestrictedVolumeTypes, RunAsRoot,
    RunAsRootGroup, SeccompProfile, SeccompProfileUnset, SelinuxCustomOptions, UnsafeProcMount,
    UnsafeSysctls, WindowsHostProcess,
};
pub use crate::rules::policy::AdmissionPolicy;
pub use crate::rules::rbac::{
    ClusterAdminBinding, RbacAnonymousSubject, RbacNamedSignerApproval, RbacPersistentVolumeCreate,
    RbacPodExec, RbacPrivilegeEscalation, RbacSecretsAccess, RbacSecurityPolicyWrite,
    RbacServiceStatusWrite, RbacSharedServiceAccount, RbacUserBinding, RbacWildcard,
    RbacWorkloadCreate, WorkloadRbacRisk,
};
pub use crate::rules::secrets::{
    AzureKeyvaultFlexvolumeDeprecated, AzurePodIdentityDeprecated, CommandLineSecret,
    ConfigmapCredentials, EnvLiteralSecret, HardcodedCredential, PlaintextSecret,
};
pub use crate::rules::suppression::{
    ExpiredSuppression, IgnoredManifest, SuppressionWithoutReason, UnusedSuppression,
};
pub use crate::rules::validity::{DuplicateKey, ParseError, RenderError, UnsafeRenderInput};
pub use crate::rules::workload::{
    AutomountServiceAccountToken, ContainerRuntimeSocket, DefaultServiceAccount,
    MissingResourceLimits, RuntimeSocketUnreachableMount, WritableRootFilesystem,
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
    &CommandLineSecret,
    &ConfigmapCredentials,
    &ContainerRuntimeSocket,
    &DangerousCapabilities,
    &DatastoreInExposedNamespace,
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
    &HostPathPersistentVolume,
    &HostPathVolume,
    &HostPid,
    &HostPort,
    &IgnoredManifest,
    &ImageEnvTag,
    &ImageLatestTag,
    &ImageNotPinned,
    &ImagePullPolicy,
    &ImageUntrustedRegistry,
    &IngressNginxSnippet,
    &IngressWithoutTls,
    &IngressWithoutWaf,
    &InsecureDashboard,
    &InvalidImageReference,
    &IstioMtlsDisabled,
    &IstioMtlsPermissive,
    &KubeSystemWorkload,
    &MetadataEndpointReachable,
    &MissingEgressPolicy,
    &MissingNetworkPolicy,
    &MissingResourceLimits,
    &MisspeltCapability,
    &NamespaceWithoutDefaultDeny,
    &NamespaceWithoutEgressDeny,
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
    &RbacNamedSignerApproval,
    &RbacPersistentVolumeCreate,
    &RbacPodExec,
    &RbacPrivilegeEscalation,
    &RbacSecretsAccess,
    &RbacSecurityPolicyWrite,
    &RbacServiceStatusWrite,
    &RbacSharedServiceAccount,
    &RbacUserBinding,
    &RbacWildcard,
    &RbacWorkloadCreate,
    &RenderError,
    &RestrictedVolumeTypes,
    &RunAsRoot,
    &RunAsRootGroup,
    &RuntimeSocketUnreachableMount,
    &SeccompProfile,
    &SeccompProfileUnset,
    &SelinuxCustomOptions,
    &ServiceExternalIps,
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

/// The rule ids a selector names in `--select`, `--ignore` and the configuration's rule lists:
/// one rule (by id or renamed id), or every built-in rule of a category (`pod-security`).
pub fn select(name: &str) -> Option<Vec<&'static str>> {
    if let Some(r) = by_id(name) {
        return Some(vec![r.meta().id]);
    }
    let category = Category::ALL.iter().find(|c| c.as_str() == name)?;
    Some(
        ALL.iter()
            .map(|r| r.meta())
            .filter(|m| m.category == *category)
            .map(|m| m.id)
            .collect(),
    )
}

/// The rule id or category nearest to `name`, for "did you mean": at most a third of its
/// characters away (and at least one edit allowed), else a known name that contains it.
pub fn suggest(name: &str) -> Option<&'static str> {
    let names: Vec<&'static str> = ALL
        .iter()
        .map(|r| r.meta().id)
        .chain(Category::ALL.iter().map(|c| c.as_str()))
        .collect();
    nearest(name, &names)
}

/// The candidate nearest to `word` by edit distance (insertions, deletions, substitutions and
/// swaps of neighbours), if one is close enough to be what was meant; else one that starts with
/// or contains `word` (at least three characters of it). Ties go to the first candidate.
pub fn nearest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let w: Vec<char> = word.chars().collect();
    let limit = (w.len() / 3).max(1);
    let best = candidates
        .iter()
        .map(|c| (distance(&w, &c.chars().collect::<Vec<_>>()), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c);
    best.or_else(|| {
        (w.len() >= 3)
            .then(|| candidates.iter().find(|c| c.contains(word)).copied())
            .flatten()
    })
}

/// Optimal string alignment distance (Damerau–Levenshtein without repeated edits of a
/// substring), in time `a.len() × b.len()`: names here are short.
fn distance(a: &[char], b: &[char]) -> usize {
    let n = b.len();
    let mut prev2 = vec![0usize; n + 1];
    let mut prev: Vec<usize> = (0..=n).collect();
    let mut cur = vec![0usize; n + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=n {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[n]
}

#[cfg(test)]
mod suggest_tests {
    use super::*;

    #[test]
    fn near_names_are_suggested() {
        assert_eq!(suggest("host-pd"), Some("host-pid"));
        assert_eq!(suggest("hostpid"), Some("host-pid"));
        assert_eq!(suggest("privileged"), Some("privileged-container"));
        assert_eq!(suggest("pod-securty"), Some("pod-security"));
        assert_eq!(suggest("zzzzzzzz"), None);
        assert_eq!(nearest("fail_on", &["exclude", "fail-on"]), Some("fail-on"));
        assert_eq!(nearest("x", &["exclude", "fail-on"]), None);
    }

    #[test]
    fn categories_select_their_rules_and_no_rule_is_named_like_one() {
        for c in Category::ALL {
            assert!(
                by_id(c.as_str()).is_none(),
                "{} is a rule and a category",
                c.as_str()
            );
        }
        let pod = select("pod-security").unwrap_or_default();
        assert!(pod.contains(&"host-pid") && pod.contains(&"run-as-root"));
        assert!(!pod.contains(&"image-latest-tag"));
        assert_eq!(select("host-pid"), Some(vec!["host-pid"]));
        assert_eq!(select("nope"), None);
    }
}
