//! The container runtime sockets a pod's `hostPath` volumes expose, and who can connect.
//!
//! Which of the containers mounting a socket can connect to it, from their security contexts.
//! Shared by `container-runtime-socket` (some container can) and
//! `runtime-socket-unreachable-mount` (none can, or none mounts the volume), so that the two
//! split every such volume between them.

use super::workload::{Container, PodSpec};
use crate::pss;
use crate::yaml::{Label, NodeRef, Seg};

/// Runtime sockets at their well-known places.
const SOCKETS: [&str; 14] = [
    "/run/containerd/containerd.sock",
    "/var/run/containerd/containerd.sock",
    "/run/crio/crio.sock",
    "/var/run/crio/crio.sock",
    "/run/docker.sock",
    "/var/run/docker.sock",
    "/var/run/docker/containerd/containerd.sock",
    "/run/cri-dockerd.sock",
    "/var/run/cri-dockerd.sock",
    "/var/run/dockershim.sock",
    "/run/k3s/containerd/containerd.sock",
    "/run/podman/podman.sock",
    "/var/run/podman/podman.sock",
    "/var/snap/microk8s/common/run/containerd.sock",
];

/// Socket file names that give the runtime away wherever they live.
const SOCKET_NAMES: [&str; 6] = [
    "docker.sock",
    "containerd.sock",
    "crio.sock",
    "cri-dockerd.sock",
    "dockershim.sock",
    "podman.sock",
];

/// The sockets whose group is `docker` (Docker's, and cri-dockerd's `cri-docker.socket`), a
/// system group whose gid the node's package manager chose.
const DOCKER_GROUP_SOCKETS: [&str; 4] = [
    "/run/docker.sock",
    "/var/run/docker.sock",
    "/run/cri-dockerd.sock",
    "/var/run/cri-dockerd.sock",
];

/// A `hostPath` volume of a pod that exposes a container runtime socket, and the containers
/// that mount it. `container-runtime-socket` reports it when one of them can connect;
/// `runtime-socket-unreachable-mount` when none does, or none mounts it.
pub struct SocketVolume {
    /// The volume's `hostPath.path`.
    pub at: Label,
    /// The volume's name.
    pub name: String,
    /// "the node's `/run`, which holds the container runtime socket `…`".
    pub what: String,
    /// The containers mounting the socket, the most capable first. Empty when no container
    /// mounts the volume.
    pub mounts: Vec<SocketMount>,
}

impl SocketVolume {
    /// Whether some container mounting the volume may connect to the socket.
    pub fn reachable(&self) -> bool {
        self.mounts
            .first()
            .is_some_and(|m| m.access != Access::Denied)
    }
}

/// A container mounting a runtime socket.
pub struct SocketMount {
    /// What it can do with the socket.
    pub access: Access,
    /// Its `volumeMounts[].mountPath`.
    pub at: Label,
    /// "mounted into container \"agent\" (read-only, …)".
    pub text: String,
}

/// The pod's volumes that expose a runtime socket, except those every mount of which takes a
/// `subPath` that leaves the socket out.
pub fn socket_volumes(pod: &PodSpec<'_>) -> Vec<SocketVolume> {
    let mut out = Vec::new();
    for (i, vol) in pod.volumes() {
        let Some(path) = vol
            .get_set("hostPath")
            .and_then(|h| h.get("path"))
            .map(pss::shown)
        else {
            continue;
        };
        let path = normalize(path);
        let Some(exposed) = exposes(&path) else {
            continue;
        };
        let docker = docker_group(&path);
        let name = vol.get("name").map_or("", pss::shown);
        let what = if exposed == path {
            format!("the node's container runtime socket `{path}`")
        } else {
            format!("the node's `{path}`, which holds the container runtime socket `{exposed}`")
        };
        // The containers that reach the socket through the volume (a `subPath` may mount a
        // part of it that does not hold the socket).
        let mut mounts: Vec<SocketMount> = Vec::new();
        let mut mounted = false;
        for c in &pod.containers {
            for (j, m) in c
                .node
                .get("volumeMounts")
                .into_iter()
                .flat_map(NodeRef::items)
                .enumerate()
            {
                if name.is_empty() || m.get("name").map(pss::shown) != Some(name) {
                    continue;
                }
                mounted = true;
                let sub = m.get_set("subPath").map_or("", pss::shown);
                if !sub.is_empty() && exposes(&normalize(&format!("{path}/{sub}"))).is_none() {
                    continue;
                }
                let mount = Label::at(c.ptr.join([
                    Seg::from("volumeMounts"),
                    Seg::from(j),
                    Seg::from("mountPath"),
                ]));
                let read_only = m.get("readOnly").and_then(NodeRef::as_bool) == Some(true);
                let ro = if read_only {
                    " (read-only, which does not stop connecting to a socket)"
                } else {
                    ""
                };
                mounts.push(SocketMount {
                    access: access(pod, c, docker),
                    at: mount,
                    text: format!("mounted into {}{ro}", c.describe()),
                });
            }
        }
        if mounted && mounts.is_empty() {
            // Every mount takes a `subPath` that leaves the socket out.
            continue;
        }
        mounts.sort_by_key(|m| std::cmp::Reverse(m.access.rank()));
        out.push(SocketVolume {
            at: Label::at(pod.ptr.join([
                Seg::from("volumes"),
                Seg::from(i),
                Seg::from("hostPath"),
                Seg::from("path"),
            ])),
            name: name.to_owned(),
            what,
            mounts,
        });
    }
    out
}

/// What a container mounting the socket can do with it. The runtime sockets are owned by root
/// with mode 0660 (group `root` for containerd and CRI-O, `docker` for Docker): connecting
/// takes write permission on the socket file, which a read-only mount does not take away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// It may run as root: it controls the runtime.
    Root,
    /// It runs as a non-root user, but with a group that may own the socket (`runAsGroup` 0,
    /// or unset: a user the image's `/etc/passwd` does not know runs with group 0; a system
    /// group beside a Docker socket; or extra groups), or it may regain root through a setuid
    /// binary (`allowPrivilegeEscalation` not `false`).
    MaybeGroup(&'static str),
    /// A non-root user, a non-root group of its own, no extra groups and no escalation: it
    /// reaches the socket only through a kernel or runtime flaw.
    Denied,
}

impl Access {
    /// The most capable first: root, then a group that may be the socket's, then denied.
    fn rank(self) -> u8 {
        match self {
            Access::Root => 2,
            Access::MaybeGroup(_) => 1,
            Access::Denied => 0,
        }
    }
}

/// A container's access to a root-owned 0660 socket, from its (or its pod's) security context.
/// `docker`: the volume may expose a socket of group `docker`.
fn access(pod: &PodSpec<'_>, c: &Container<'_>, docker: bool) -> Access {
    let int = |key: &str| c.sc(key).or_else(|| pod.sc(key)).and_then(NodeRef::as_i64);
    let non_root = match int("runAsUser") {
        Some(0) => false,
        Some(_) => true,
        None => {
            c.sc("runAsNonRoot")
                .or_else(|| pod.sc("runAsNonRoot"))
                .and_then(NodeRef::as_bool)
                == Some(true)
        }
    };
    if !non_root {
        return Access::Root;
    }
    if c.sc("allowPrivilegeEscalation").and_then(NodeRef::as_bool) != Some(false) {
        return Access::MaybeGroup(
            "it may regain root through a setuid binary (`allowPrivilegeEscalation` is not `false`)",
        );
    }
    match int("runAsGroup") {
        Some(0) => return Access::MaybeGroup("`runAsGroup: 0` is the socket's group"),
        None => {
            return Access::MaybeGroup(
                "`runAsGroup` is not set, and a user the image's /etc/passwd does not list runs with group 0, the socket's group",
            );
        }
        Some(1..=999) if docker => {
            return Access::MaybeGroup(
                "its `runAsGroup` is a system group, which may be the node's `docker` group that owns Docker's socket",
            );
        }
        Some(_) => {}
    }
    let groups = ["supplementalGroups", "fsGroup"]
        .iter()
        .any(|k| pod.sc(k).is_some_and(|g| !g.is_seq() || !g.is_empty()));
    if groups {
        return Access::MaybeGroup(
            "its extra groups (`supplementalGroups`, `fsGroup`) may include the socket's group (`docker`)",
        );
    }
    Access::Denied
}

/// `//var/run/./docker.sock/` → `/var/run/docker.sock`.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// The socket a host path exposes: itself, or one below it.
fn exposes(path: &str) -> Option<String> {
    if SOCKETS.contains(&path)
        || path
            .rsplit('/')
            .next()
            .is_some_and(|n| SOCKET_NAMES.contains(&n))
    {
        return Some(path.to_owned());
    }
    let dir = below(path);
    SOCKETS
        .iter()
        .find(|s| s.starts_with(&dir))
        .map(|s| (*s).to_owned())
}

/// Whether a host path is, or holds, a socket of group `docker`.
fn docker_group(path: &str) -> bool {
    let dir = below(path);
    path.rsplit('/')
        .next()
        .is_some_and(|n| matches!(n, "docker.sock" | "cri-dockerd.sock"))
        || DOCKER_GROUP_SOCKETS.iter().any(|s| s.starts_with(&dir))
}

/// `/run` → `/run/`, `/` → `/`: the prefix of the paths below a directory.
fn below(path: &str) -> String {
    if path == "/" {
        "/".to_owned()
    } else {
        format!("{path}/")
    }
}

#[cfg(test)]
mod tests {
    use super::{docker_group, exposes, normalize};

    #[test]
    fn paths() {
        assert_eq!(
            normalize("//var/run/./docker.sock/"),
            "/var/run/docker.sock"
        );
        assert_eq!(normalize("/var/run/../run/crio"), "/var/run/crio");
        assert_eq!(
            exposes("/var/run/docker"),
            Some("/var/run/docker/containerd/containerd.sock".into())
        );
        assert_eq!(
            exposes("/var"),
            Some("/var/run/containerd/containerd.sock".into())
        );
        assert_eq!(
            exposes("/run/containerd"),
            Some("/run/containerd/containerd.sock".into())
        );
        assert_eq!(exposes("/var/log"), None);
        assert_eq!(exposes("/run/containerd-foo"), None);
        assert!(docker_group("/") && docker_group("/var/run") && docker_group("/x/docker.sock"));
        assert!(!docker_group("/run/containerd") && !docker_group("/var/run/docker"));
    }
}
