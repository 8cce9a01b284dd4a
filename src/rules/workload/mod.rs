//! Workload hardening beyond the Pod Security Standards.

mod automount_service_account_token;
mod container_runtime_socket;
mod default_service_account;
mod missing_resource_limits;
mod runtime_socket_unreachable_mount;
mod writable_root_filesystem;

pub use automount_service_account_token::AutomountServiceAccountToken;
pub use container_runtime_socket::ContainerRuntimeSocket;
pub use default_service_account::DefaultServiceAccount;
pub use missing_resource_limits::MissingResourceLimits;
pub use runtime_socket_unreachable_mount::RuntimeSocketUnreachableMount;
pub use writable_root_filesystem::WritableRootFilesystem;
