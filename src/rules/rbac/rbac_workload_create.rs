use crate::model::{Object, RoleView, rule_item, workload_create};
use crate::rule::{Context, Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A rule of a Role or ClusterRole that allows `create`, `patch` or `update` on `pods` or on
    /// a kind whose objects become pods: `deployments`, `daemonsets`, `statefulsets`,
    /// `replicasets`, `jobs`, `cronjobs`, `replicationcontrollers` (and OpenShift
    /// `deploymentconfigs`), in their API groups, directly or through `"*"` (matched as the API
    /// server does), `patch`/`update` limited by `resourceNames` included (the message names
    /// them); `resourceNames` can never limit `create`. A rule with `"*"` in verbs, resources
    /// and API groups is left to `rbac-wildcard`. `workload-rbac-risk` counts it for the
    /// workloads whose ServiceAccount holds it.
    ///
    /// ## Why it matters
    /// Whoever can create a pod, or rewrite the pod template of a Deployment, runs any image
    /// with any command under any ServiceAccount of the namespace, mounts any of its Secrets
    /// and ConfigMaps, and gets whatever host access Pod Security lets a pod have (`hostPath`,
    /// `privileged`): the permission is worth everything those reach.
    ///
    /// One severity, named objects included: `patch` on the Deployment `web` alone (the usual
    /// grant for `kubectl rollout restart` or an image bump) still rewrites its whole pod
    /// template, `serviceAccountName`, volumes and `securityContext` included, and the
    /// controller then runs that pod for the holder. `resourceNames` limits which object is
    /// rewritten, not what it can become, so it is no separate, lesser risk. To allow restarts
    /// and image bumps only, let the deployment pipeline hold the grant, or enforce what the pod
    /// template may say with an admission policy.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: Role
    /// metadata: {name: deployer, namespace: shop}
    /// rules:
    /// - apiGroups: [apps]
    ///   resources: [deployments]
    ///   verbs: [get, list, create, patch]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: Role
    /// metadata: {name: deployer, namespace: shop}
    /// rules:
    /// - apiGroups: [apps]
    ///   resources: [deployments]
    ///   verbs: [get, list, watch]
    /// ```
    ///
    /// ## References
    /// - Kubernetes RBAC good practices, "Workload creation": <https://kubernetes.io/docs/concepts/security/rbac-good-practices/#workload-creation>
    /// - CIS Kubernetes Benchmark 5.1.4; kube-linter `access-to-create-pods`; Kubescape C-0188
    pub RbacWorkloadCreate {
        id: "rbac-workload-create",
        category: Rbac,
        severity: High,
        summary: "role rule can create or rewrite pods",
        since: "0.2.0",
    }
}

impl Rule for RbacWorkloadCreate {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        let Some(role) = RoleView::with_own_rules(obj) else {
            return;
        };
        let note = role.aggregation_note().unwrap_or_default();
        for (i, rule) in role.specific_rules() {
            let Some(hit) = workload_create(rule) else {
                continue;
            };
            let scope = if role.cluster {
                "of every namespace it is bound in (all of them through a ClusterRoleBinding)"
            } else {
                "of its namespace"
            };
            // `resourceNames` limits patch/update (never create) to the objects it names.
            let names = if rule.named() && rule.verb("create").is_none() {
                let names: Vec<String> = rule
                    .resource_names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect();
                format!(" (only {})", names.join(", "))
            } else {
                String::new()
            };
            cx.report(self, rule_item(obj, i, "verbs", hit.at.verb).label("can run any pod"))
                .message(format!(
                    "{} allows {}{names}: the holder can run any image and command as any ServiceAccount {scope}, mount its Secrets, and use the host access Pod Security allows{note}",
                    obj.describe(),
                    hit.all.join("; ")
                ))
                .related(rule_item(obj, i, "resources", hit.at.resource), "on this resource")
                .help("Leave creating and changing workloads to the deployment pipeline or GitOps controller; grant people and applications get, list and watch.");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RbacWorkloadCreate;
    use crate::testing::RuleTest;

    #[test]
    fn rbac_workload_create() {
        RuleTest::of(&RbacWorkloadCreate)
            .pass(
                r##"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules:
- apiGroups: ["", apps, batch]
  resources: [pods, deployments, jobs, pods/log]
  verbs: [get, list, watch, delete]
- apiGroups: [example.com]
  resources: [deployments]
  verbs: [create]
- apiGroups: [""]
  resources: [configmaps, services]
  verbs: [create, patch]
"##,
            )
            .fail(
                r##"apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: ci, namespace: shop}
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [create]   #~ rbac-workload-create
- apiGroups: [apps]
  resources: [deployments, statefulsets]
  verbs: [get, patch, update]   #~ rbac-workload-create
- apiGroups: [batch]
  resources: ["*"]
  verbs: ["*"]   #~ rbac-workload-create
- apiGroups: [apps]
  resources: [deployments]
  resourceNames: [web]
  verbs: [patch]   #~ rbac-workload-create
"##,
            )
            .snapshot();
    }
}
