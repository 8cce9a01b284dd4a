use std::collections::HashMap;

use crate::model::{Facts, HostPathVolumeFacts, KindFacts, NsKey, Object, World, describe_ns};
use crate::rule::{Context, Rule, WorldContext, declare_rule};
use crate::yaml::NodeRef;

declare_rule! {
    /// ## What it flags
    /// A PersistentVolume with `spec.hostPath`: storage that is a directory of whichever node
    /// the pod lands on. The message names the claim it is reserved for (`spec.claimRef`),
    /// when it is. A workload that mounts a PersistentVolumeClaim bound to such a volume (the
    /// volume's `claimRef` names the claim, or the claim's `spec.volumeName` names the volume)
    /// is reported too, on its `claimName`, with the volume as related location.
    ///
    /// ## Why it matters
    /// Pod Security forbids `hostPath` volumes in a pod, but a pod that mounts a
    /// PersistentVolumeClaim is allowed at every level: a hostPath PersistentVolume gives the
    /// node's filesystem to whoever can claim it, around the admission check. With
    /// `path: /` or `/var/lib/kubelet` that is the node's credentials, every pod's Secrets and
    /// the container runtime. Kubernetes documents hostPath PersistentVolumes for single-node
    /// testing only.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: PersistentVolume
    /// metadata: {name: data}
    /// spec:
    ///   capacity: {storage: 10Gi}
    ///   accessModes: [ReadWriteOnce]
    ///   hostPath: {path: /mnt/data}
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: PersistentVolumeClaim
    /// metadata: {name: data, namespace: shop}
    /// spec:
    ///   storageClassName: standard
    ///   accessModes: [ReadWriteOnce]
    ///   resources: {requests: {storage: 10Gi}}
    /// ```
    ///
    /// ## References
    /// - Kubernetes, "Persistent Volumes", hostPath: <https://kubernetes.io/docs/concepts/storage/volumes/#hostpath>
    /// - Kubernetes RBAC good practices, "Persistent volume creation": <https://kubernetes.io/docs/concepts/security/rbac-good-practices/#persistent-volume-creation>
    pub HostPathPersistentVolume {
        id: "host-path-persistent-volume",
        category: PodSecurity,
        severity: High,
        summary: "persistent volume is a directory of the node (hostPath)",
        since: "0.2.0",
    }
}

impl Rule for HostPathPersistentVolume {
    fn reads_world(&self) -> bool {
        true
    }

    fn check_world(&self, world: &World, cx: &mut WorldContext<'_>) {
        let volumes: Vec<(&Facts, &HostPathVolumeFacts)> = world
            .objects
            .iter()
            .filter_map(|f| match &f.kind {
                KindFacts::HostPathVolume(v) => Some((f, &**v)),
                _ => None,
            })
            .collect();
        if volumes.is_empty() {
            return;
        }
        // The claims each volume is bound to: by its claimRef, and by claims naming it.
        let mut bound: HashMap<(NsKey, &str), usize> = HashMap::new();
        for (i, (_, v)) in volumes.iter().enumerate() {
            if let Some((ns, name)) = &v.claim {
                bound.entry((NsKey::Named(ns.clone()), name)).or_insert(i);
            }
        }
        let mut by_name: HashMap<&str, usize> = HashMap::new();
        for (i, (pv, _)) in volumes.iter().enumerate() {
            by_name.entry(pv.name()).or_insert(i);
        }
        for f in &world.objects {
            let KindFacts::Claim(claim) = &f.kind else {
                continue;
            };
            if let Some(&i) = by_name.get(claim.volume.as_str()) {
                bound.entry((world.ns_key(f), f.name())).or_insert(i);
            }
        }
        if bound.is_empty() {
            return;
        }
        let bound = &bound;
        let volumes = &volumes;
        cx.each_namespace(world, |ns, index, cx| {
            for &wi in &index.workloads {
                let f = &world.objects[wi];
                let Some(w) = f.workload() else { continue };
                for (claim, site) in &w.claims {
                    let Some(&i) = bound.get(&(ns.clone(), claim.as_str())) else {
                        continue;
                    };
                    let (pv, v) = volumes[i];
                    cx.report(self, site)
                        .label("claim bound to a node directory")
                        .message(format!(
                            "{} mounts claim \"{claim}\" of {}, bound to {}, the node directory `{}`: its pods reach the node's filesystem through the claim, which Pod Security would refuse as a hostPath volume",
                            f.describe(),
                            describe_ns(ns),
                            pv.describe(),
                            v.path
                        ))
                        .related_site(&v.site, "directory of the node")
                        .help("Bind the claim to a volume of a StorageClass backed by a CSI driver (or a `local` volume with node affinity) instead of a hostPath PersistentVolume.");
                }
            }
        });
    }

    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if obj.kind != "PersistentVolume" || !obj.group().is_empty() {
            return;
        }
        let Some(host_path) = obj.get(&["spec", "hostPath"]) else {
            return;
        };
        let path = host_path.get("path").and_then(NodeRef::text).unwrap_or("?");
        let claim = match (
            obj.get(&["spec", "claimRef", "namespace"])
                .and_then(NodeRef::text),
            obj.get(&["spec", "claimRef", "name"])
                .and_then(NodeRef::text),
        ) {
            (Some(ns), Some(name)) => format!(
                "; it is reserved for claim \"{name}\" of namespace \"{ns}\", whose pods mount it"
            ),
            (None, Some(name)) => {
                format!("; it is reserved for claim \"{name}\", whose pods mount it")
            }
            _ => "; any claim that matches it can bind it".to_owned(),
        };
        let at = if host_path.get("path").is_some() {
            obj.at(["spec", "hostPath", "path"]).value()
        } else {
            obj.at(["spec", "hostPath"]).key()
        };
        cx.report(self, at.label("directory of the node"))
            .message(format!(
                "{} is the node directory `{path}`: a pod that mounts its claim reaches the node's filesystem, which Pod Security would refuse as a hostPath volume{claim}",
                obj.describe()
            ))
            .help("Use a StorageClass backed by a CSI driver (or a `local` volume with node affinity for node-local disks) instead of `hostPath`.");
    }
}

#[cfg(test)]
mod tests {
    use super::HostPathPersistentVolume;
    use crate::testing::RuleTest;

    #[test]
    fn host_path_persistent_volume() {
        RuleTest::of(&HostPathPersistentVolume)
            .pass(
                r##"apiVersion: v1
kind: PersistentVolume
metadata: {name: fast}
spec:
  capacity: {storage: 100Gi}
  accessModes: [ReadWriteOnce]
  local: {path: /mnt/disks/ssd1}
  nodeAffinity:
    required:
      nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [n1]}]}]
"##,
            )
            .fail(
                r##"apiVersion: v1
kind: PersistentVolume
metadata: {name: node-root}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  claimRef: {namespace: tools, name: scratch}
  hostPath:
    path: /   #~ host-path-persistent-volume
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: data}
spec:
  capacity: {storage: 1Gi}
  hostPath: {type: Directory, path: /mnt/data}   #~ host-path-persistent-volume
"##,
            )
            .fail(
                r##"apiVersion: v1
kind: PersistentVolume
metadata: {name: node-logs}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  claimRef: {namespace: tools, name: logs}
  hostPath:
    path: /var/log   #~ host-path-persistent-volume
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: cache, namespace: tools}
spec:
  volumeName: node-cache
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: node-cache}
spec:
  capacity: {storage: 1Gi}
  hostPath: {path: /var/cache}   #~ host-path-persistent-volume
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: shipper, namespace: tools}
spec:
  template:
    spec:
      containers: [{name: s, image: example/shipper:1.0}]
      volumes:
      - name: logs
        persistentVolumeClaim: {claimName: logs}   #~ host-path-persistent-volume
      - name: cache
        persistentVolumeClaim: {claimName: cache}   #~ host-path-persistent-volume
      - name: data
        persistentVolumeClaim: {claimName: data}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: elsewhere, namespace: other}
spec:
  template:
    spec:
      containers: [{name: s, image: example/shipper:1.0}]
      volumes:
      - name: logs
        persistentVolumeClaim: {claimName: logs}
"##,
            )
            .snapshot();
    }
}
