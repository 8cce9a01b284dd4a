use crate::model::{Object, PodSpec};
use crate::pss::{self, Detail, Levels, Out, PssControl, Versions};
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::{Label, Seg};

declare_rule! {
    /// ## What it flags
    /// A pod volume of a type the Restricted level does not allow. Allowed: `configMap`, `csi`,
    /// `downwardAPI`, `emptyDir`, `ephemeral`, `image`, `persistentVolumeClaim`, `projected`,
    /// `secret`, and a volume with no source (the API server makes it an `emptyDir`). Flagged:
    /// `hostPath` (also a `host-path-volume` finding), `nfs`, `iscsi`, `rbd`, `cephfs`,
    /// `glusterfs`, `flexVolume`, `gitRepo`, the in-tree cloud disks (`awsElasticBlockStore`,
    /// `gcePersistentDisk`, `azureDisk`, `azureFile`, `cinder`, `vsphereVolume`, …) and the other
    /// in-tree types.
    ///
    /// ## Why it matters
    /// Inline volume sources let the pod author pick any server, export, disk or host directory,
    /// bypassing the PersistentVolume layer where an administrator decides what may be mounted.
    /// Some (`gitRepo`, `flexVolume`) run code on the node. The Restricted Pod Security Standard
    /// admits only volumes that go through a claim or carry pod-local data.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   containers:
    ///   - name: web
    ///     image: nginx:1.27
    ///     volumeMounts: [{name: content, mountPath: /usr/share/nginx/html}]
    ///   volumes:
    ///   - name: content
    ///     nfs: {server: nfs.example.com, path: /exports/www}
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   containers:
    ///   - name: web
    ///     image: nginx:1.27
    ///     volumeMounts: [{name: content, mountPath: /usr/share/nginx/html}]
    ///   volumes:
    ///   - name: content
    ///     persistentVolumeClaim: {claimName: www-content}
    /// ```
    ///
    /// ## References
    /// - Pod Security Standards (Restricted): Volume Types, <https://kubernetes.io/docs/concepts/security/pod-security-standards/>
    /// - pod-security-admission `policy/check_restrictedVolumes.go`
    pub RestrictedVolumeTypes {
        id: "restricted-volume-types",
        category: PodSecurity,
        severity: Medium,
        summary: "pod uses a volume type the Restricted level forbids",
        since: "0.1.0",
        pss: Restricted,
    }
}

impl Rule for RestrictedVolumeTypes {
    fn check_pod(&self, _obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        pss::report(self, pod, cx);
    }
}

const ALLOWED: [&str; 9] = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

const RESTRICTED: [&str; 21] = [
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
];

impl PssControl for RestrictedVolumeTypes {
    fn check(&self, pod: &PodSpec<'_>, out: &mut Out) {
        for (i, vol) in pod.volumes() {
            // PSA admits a volume as soon as one allowed source is set.
            if ALLOWED.iter().any(|k| vol.get_set(k).is_some()) {
                continue;
            }
            let Some(kind) = RESTRICTED
                .iter()
                .copied()
                .find(|k| vol.get_set(k).is_some())
            else {
                continue;
            };
            let name = vol.get("name").map_or("", pss::shown);
            let at = Label::at(
                pod.ptr
                    .join([Seg::from("volumes"), Seg::from(i), Seg::from(kind)]),
            )
            .label(format!("{kind} volume"));
            out.flag(Levels::restricted(Versions::ALL), at, || {
                Detail::new(
                    format!(
                        "volume \"{name}\" is of type {kind}; the Restricted level allows only {} volumes",
                        ALLOWED.join(", ")
                    ),
                    "Mount the storage through a PersistentVolumeClaim (`persistentVolumeClaim: {claimName: data}`) bound to a PersistentVolume that an administrator defines, or use `emptyDir`, `configMap`, `secret` or `projected` for pod-local data.",
                )
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RestrictedVolumeTypes;
    use crate::testing::RuleTest;

    #[test]
    fn restricted_volume_types() {
        RuleTest::of(&RestrictedVolumeTypes)
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: a, image: nginx:1.27}]\n  volumes:\n",
                "  - name: nothing\n  - {name: e, emptyDir: {}}\n  - {name: s, secret: {secretName: s}}\n  - {name: p, persistentVolumeClaim: {claimName: p}}\n",
                "  - {name: d, downwardAPI: {items: []}}\n  - {name: c, configMap: {name: c}}\n  - {name: pr, projected: {sources: []}}\n",
                "  - {name: csi, csi: {driver: secrets-store.csi.k8s.io}}\n  - {name: eph, ephemeral: {volumeClaimTemplate: {spec: {}}}}\n",
                "  - {name: img, image: {reference: \"registry.example.com/data:1\"}}\n",
            ))
            .fail(concat!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n",
                "      containers: [{name: web, image: nginx:1.27}]\n      volumes:\n",
                "      - name: content\n        nfs:   #~ restricted-volume-types\n          server: nfs.example.com\n          path: /exports\n",
                "      - name: repo\n        gitRepo: {repository: \"https://example.com/repo.git\"}   #~ restricted-volume-types\n",
                "      - {name: logs, hostPath: {path: /var/log}}   #~ restricted-volume-types\n",
                "      - {name: kv, flexVolume: {driver: azure/kv}}   #~ restricted-volume-types\n",
            ))
            .snapshot();
    }
}
