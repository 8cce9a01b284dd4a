use crate::model::{Object, RoleView, persistent_volume_create, rule_item};
use crate::rule::{Context, Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A rule of a ClusterRole (or Role) that allows `create` on `persistentvolumes` in the core
    /// API group, directly or through `"*"` (matched as the API server does). A rule with `"*"`
    /// in verbs, resources and API groups is left to `rbac-wildcard`.
    ///
    /// ## Why it matters
    /// A PersistentVolume can be a `hostPath` volume of any directory of the node. Whoever
    /// creates one, and a claim bound to it, mounts the node's filesystem into a pod whose spec
    /// holds no `hostPath` at all, past the Pod Security `hostPath` check (which reads only the
    /// pod spec): root on the node through `/etc`, the kubelet's credentials, or the container
    /// runtime socket. PersistentVolumes are cluster-scoped, so a Role (namespaced) grants
    /// nothing here; it is still reported, the rule being meant for a ClusterRole.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata: {name: storage-admin}
    /// rules:
    /// - apiGroups: [""]
    ///   resources: [persistentvolumes, persistentvolumeclaims]
    ///   verbs: [get, list, create]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata: {name: storage-admin}
    /// rules:
    /// - apiGroups: [""]
    ///   resources: [persistentvolumes]
    ///   verbs: [get, list]
    /// - apiGroups: [""]
    ///   resources: [persistentvolumeclaims]
    ///   verbs: [get, list, create]
    /// ```
    ///
    /// ## References
    /// - Kubernetes RBAC good practices, "Persistent volume creation": <https://kubernetes.io/docs/concepts/security/rbac-good-practices/#persistent-volume-creation>
    /// - Kubescape C-0278
    pub RbacPersistentVolumeCreate {
        id: "rbac-persistent-volume-create",
        category: Rbac,
        severity: High,
        summary: "role rule can create persistent volumes, and so mount any node path",
        since: "0.2.0",
    }
}

impl Rule for RbacPersistentVolumeCreate {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        let Some(role) = RoleView::with_own_rules(obj) else {
            return;
        };
        let note = role.aggregation_note().unwrap_or_default();
        for (i, rule) in role.specific_rules() {
            let Some(grant) = persistent_volume_create(rule) else {
                continue;
            };
            cx.report(self, rule_item(obj, i, "verbs", grant.verb).label("can create a hostPath volume"))
                .message(format!(
                    "{} allows {}: a PersistentVolume may be a `hostPath` of any node directory, which a claim then mounts into a pod whose spec has no hostPath for Pod Security to refuse{note}",
                    obj.describe(),
                    grant.what
                ))
                .related(rule_item(obj, i, "resources", grant.resource), "on this resource")
                .help("Let a StorageClass provision volumes (grant `create` on `persistentvolumeclaims` instead) and leave creating PersistentVolumes to cluster administrators.");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RbacPersistentVolumeCreate;
    use crate::testing::RuleTest;

    #[test]
    fn rbac_persistent_volume_create() {
        RuleTest::of(&RbacPersistentVolumeCreate)
            .pass(
                r##"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ok}
rules:
- apiGroups: [""]
  resources: [persistentvolumeclaims]
  verbs: [create]
- apiGroups: [""]
  resources: [persistentvolumes]
  verbs: [get, list, watch, delete]
- apiGroups: [storage.k8s.io]
  resources: [persistentvolumes]
  verbs: [create]
"##,
            )
            .fail(
                r##"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: provisioner}
rules:
- apiGroups: [""]
  resources: [persistentvolumes]
  verbs: [get, create]   #~ rbac-persistent-volume-create
- apiGroups: ["*"]
  resources: ["*"]
  verbs: [create]   #~ rbac-persistent-volume-create
"##,
            )
            .snapshot();
    }
}
