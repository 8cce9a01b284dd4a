//! Every rule, in one static list sorted by id: the run order and the docs order.
//! Adding a rule: write its file, add its `mod` line, add it here. `tests/registry.rs` checks
//! that nothing is missing.

use super::Rule;
pub use crate::rules::images::{
    ImageEnvTag, ImageLatestTag, ImageNotPinned, ImagePullPolicy, ImageUntrustedRegistry,
    InvalidImageReference,
};
pub use crate::rules::pod_security::{HostIpc, HostNetwork, HostPid, PrivilegedContainer};
pub use crate::rules::secrets::{
    AzureKeyvaultFlexvolumeDeprecated, AzurePodIdentityDeprecated, ConfigmapCredentials,
    EnvLiteralSecret, HardcodedCredential, PlaintextSecret,
};
pub use crate::rules::suppression::{
    ExpiredSuppression, SuppressionWithoutReason, UnusedSuppression,
};
pub use crate::rules::validity::{DuplicateKey, ParseError};

/// All rules, sorted by id.
pub static ALL: &[&dyn Rule] = &[
    &AzureKeyvaultFlexvolumeDeprecated,
    &AzurePodIdentityDeprecated,
    &ConfigmapCredentials,
    &DuplicateKey,
    &EnvLiteralSecret,
    &ExpiredSuppression,
    &HardcodedCredential,
    &HostIpc,
    &HostNetwork,
    &HostPid,
    &ImageEnvTag,
    &ImageLatestTag,
    &ImageNotPinned,
    &ImagePullPolicy,
    &ImageUntrustedRegistry,
    &InvalidImageReference,
    &ParseError,
    &PlaintextSecret,
    &PrivilegedContainer,
    &SuppressionWithoutReason,
    &UnusedSuppression,
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
