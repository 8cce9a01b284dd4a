//! Pod Security Standards controls, and the namespace checks that enforce them.

mod apparmor_unconfined;
mod capabilities_not_dropped;
mod dangerous_capabilities;
mod host_ipc;
mod host_network;
mod host_path_volume;
mod host_pid;
mod host_port;
mod privilege_escalation;
mod privileged_container;
mod probe_custom_host;
mod restricted_volume_types;
mod run_as_root;
mod seccomp_profile;
mod selinux_custom_options;
mod unsafe_proc_mount;
mod unsafe_sysctls;
mod windows_host_process;

pub use apparmor_unconfined::ApparmorUnconfined;
pub use capabilities_not_dropped::CapabilitiesNotDropped;
pub use dangerous_capabilities::DangerousCapabilities;
pub use host_ipc::HostIpc;
pub use host_network::HostNetwork;
pub use host_path_volume::HostPathVolume;
pub use host_pid::HostPid;
pub use host_port::HostPort;
pub use privilege_escalation::PrivilegeEscalation;
pub use privileged_container::PrivilegedContainer;
pub use probe_custom_host::ProbeCustomHost;
pub use restricted_volume_types::RestrictedVolumeTypes;
pub use run_as_root::RunAsRoot;
pub use seccomp_profile::SeccompProfile;
pub use selinux_custom_options::SelinuxCustomOptions;
pub use unsafe_proc_mount::UnsafeProcMount;
pub use unsafe_sysctls::UnsafeSysctls;
pub use windows_host_process::WindowsHostProcess;
