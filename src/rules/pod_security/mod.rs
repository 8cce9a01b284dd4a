//! Pod Security Standards controls.

mod host_ipc;
mod host_network;
mod host_pid;
mod privileged_container;

pub use host_ipc::HostIpc;
pub use host_network::HostNetwork;
pub use host_pid::HostPid;
pub use privileged_container::PrivilegedContainer;
