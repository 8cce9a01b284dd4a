use crate::model::{Object, PodSpec};
use crate::pss::{self, Detail, Levels, Out, PssControl, Versions};
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::{Label, Seg};

declare_rule! {
    /// ## What it flags
    /// A pod (or pod template) with a `hostPath` volume, whatever its path or type.
    ///
    /// ## Why it matters
    /// A hostPath volume mounts a directory or file of the node into the container. Writable, it
    /// lets the container plant binaries, cron jobs or kubelet credentials on the node; even
    /// read-only it exposes other pods' secrets, logs and the container runtime's socket. The
    /// Baseline Pod Security Standard forbids hostPath volumes.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: log-reader}
    /// spec:
    ///   containers:
    ///   - name: reader
    ///     image: busybox:1.36
    ///     volumeMounts: [{name: logs, mountPath: /logs}]
    ///   volumes:
    ///   - name: logs
    ///     hostPath: {path: /var/log}
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: log-reader}
    /// spec:
    ///   containers:
    ///   - name: reader
    ///     image: busybox:1.36
    ///     volumeMounts: [{name: logs, mountPath: /logs}]
    ///   volumes:
    ///   - name: logs
    ///     persistentVolumeClaim: {claimName: logs}
    /// ```
    ///
    /// ## References
    /// - Pod Security Standards (Baseline): HostPath Volumes, <https://kubernetes.io/docs/concepts/security/pod-security-standards/>
    /// - pod-security-admission `policy/check_hostPathVolumes.go`
    pub HostPathVolume {
        id: "host-path-volume",
        category: PodSecurity,
        severity: High,
        summary: "pod mounts a directory of the node (hostPath volume)",
        since: "0.1.0",
        pss: Baseline,
    }
}

impl Rule for HostPathVolume {
    fn check_pod(&self, _obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        pss::report(self, pod, cx);
    }
}

impl PssControl for HostPathVolume {
    fn check(&self, pod: &PodSpec<'_>, out: &mut Out) {
        for (i, vol) in pod.volumes() {
            let Some(host_path) = vol.get_set("hostPath") else {
                continue;
            };
            let name = vol.get("name").map_or("", pss::shown);
            let path = host_path.get("path").map_or("", pss::shown);
            let at = Label::at(pod.ptr.join([
                Seg::from("volumes"),
                Seg::from(i),
                Seg::from("hostPath"),
            ]))
            .label(format!(
                "host path {} mounted here",
                if path.is_empty() { "(no path)" } else { path }
            ));
            out.flag(Levels::baseline(Versions::ALL), at, || {
                Detail::new(
                    format!("volume \"{name}\" mounts the node's `{path}` (hostPath); the Baseline level forbids hostPath volumes"),
                    "Replace the hostPath volume with a PersistentVolumeClaim (`persistentVolumeClaim: {claimName: data}`), an `emptyDir: {}` for scratch space, or a `configMap`/`secret` for configuration.",
                )
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::HostPathVolume;
    use crate::testing::RuleTest;

    #[test]
    fn host_path_volume() {
        RuleTest::of(&HostPathVolume)
            .pass("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: a, image: nginx:1.27}]\n  volumes:\n  - name: scratch\n    emptyDir: {}\n  - name: cfg\n    configMap: {name: cfg}\n")
            .pass("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: a, image: nginx:1.27}]\n  volumes:\n  - name: x\n    hostPath: null\n")
            .fail(concat!(
                "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  template:\n    spec:\n",
                "      containers: [{name: agent, image: agent:1.0}]\n      volumes:\n",
                "      - name: scratch\n        emptyDir: {}\n",
                "      - name: root\n        hostPath:   #~ host-path-volume\n          path: /\n          type: \"\"\n",
                "      - name: logs\n        hostPath: {path: /var/log, type: Directory}   #~ host-path-volume\n",
            ))
            .snapshot();
    }
}
