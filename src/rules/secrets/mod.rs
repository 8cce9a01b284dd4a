//! Secrets and workload identity.
//!
//! Secrets and workload identity: committed secret values, literal credentials, deprecated
//! Azure identity mechanisms.

mod azure_keyvault_flexvolume_deprecated;
mod azure_pod_identity_deprecated;
mod configmap_credentials;
mod env_literal_secret;
mod hardcoded_credential;
mod plaintext_secret;

pub use azure_keyvault_flexvolume_deprecated::AzureKeyvaultFlexvolumeDeprecated;
pub use azure_pod_identity_deprecated::AzurePodIdentityDeprecated;
pub use configmap_credentials::ConfigmapCredentials;
pub use env_literal_secret::EnvLiteralSecret;
pub use hardcoded_credential::HardcodedCredential;
pub use plaintext_secret::PlaintextSecret;
