use crate::model::{KindFacts, Object, PodSpec, World};
use crate::rule::{Context, FixKind, Rule, WorldContext, declare_rule};
use crate::yaml::{Change, NodeRef, Pointer, Scalar};

declare_rule! {
    /// ## What it flags
    /// A pod (or pod template) that does not set `automountServiceAccountToken: false`, so the
    /// kubelet mounts an API token of its service account into every container. A pod that
    /// leaves the field unset follows its ServiceAccount: it is not reported when that
    /// ServiceAccount (`serviceAccountName`, else `default`, in the pod's namespace) is in the
    /// input with `automountServiceAccountToken: false`. The pod's setting wins over the
    /// account's, so `automountServiceAccountToken: true` in the pod is reported whatever the
    /// account says.
    ///
    /// ## Why it matters
    /// Most workloads never call the Kubernetes API, yet the token sits in
    /// `/var/run/secrets/kubernetes.io/serviceaccount/token` for anyone who gets code execution or
    /// a file-read bug in the container. Whatever RBAC grants the service account (often more than
    /// intended, through aggregated or namespace-wide bindings) is then theirs.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   serviceAccountName: web
    ///   containers:
    ///   - name: web
    ///     image: nginx:1.27
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   serviceAccountName: web
    ///   automountServiceAccountToken: false
    ///   containers:
    ///   - name: web
    ///     image: nginx:1.27
    /// ```
    ///
    /// ## References
    /// - Configure service accounts for pods, opt out of API credential automounting, <https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting>
    /// - RBAC good practices, <https://kubernetes.io/docs/concepts/security/rbac-good-practices/>
    /// - CIS Kubernetes Benchmark 5.1.6
    pub AutomountServiceAccountToken {
        id: "automount-service-account-token",
        category: Workload,
        severity: Low,
        summary: "pod mounts a service account API token",
        since: "0.1.0",
        fix: Safe("Sets `automountServiceAccountToken: false` in the pod spec. Safe where nothing tells that the pod uses the token: the pod leaves the field unset and runs as its namespace's `default` service account (a service account of its own is usually there to call the API), which does not set `automountServiceAccountToken: true` and which no RoleBinding or ClusterRoleBinding of the input names (by name, or through the group `system:serviceaccounts:<namespace>`), and no container reads the token: no command, argument, environment value or mount path names its directory (`/var/run/secrets/kubernetes.io/serviceaccount`), no projected service account token is mounted at or above it. Unsafe otherwise, and where the pod sets `automountServiceAccountToken: true`: a program that calls the API (any client using in-cluster configuration) fails without the token. Made in plain manifests, and for Kustomize output in the resource file that wrote the pod when one overlay alone renders it and no patch or generator touches it; never in rendered Helm output."),
    }
}

const FIX: &str = "If the workload does not call the Kubernetes API, opt out in the pod spec (or on its ServiceAccount):\n```yaml\nspec:\n  automountServiceAccountToken: false\n```";

impl Rule for AutomountServiceAccountToken {
    fn check_pod(&self, _obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        match pod
            .node
            .get("automountServiceAccountToken")
            .and_then(NodeRef::as_bool)
        {
            Some(false) => {}
            Some(true) => {
                cx.report(self, pod.at(["automountServiceAccountToken"]).label("API token mounted into every container"))
                    .message("pod sets `automountServiceAccountToken: true`: every container gets a Kubernetes API token")
                    .help(FIX)
                    .fix(FixKind::Unsafe, TITLE, || opt_out(&pod.ptr));
            }
            // Unset: the ServiceAccount decides, read across objects below.
            None => {}
        }
    }

    fn reads_world(&self) -> bool {
        true
    }

    fn check_world(&self, world: &World, cx: &mut WorldContext<'_>) {
        cx.each_namespace(world, |ns, index, cx| {
            for &wi in &index.workloads {
                let f = &world.objects[wi];
                let Some(w) = f.workload() else { continue };
                let Some(site) = &w.automount_site else { continue };
                let sa = w.service_account();
                let accounts = world
                    .index
                    .service_accounts
                    .get(&(ns.clone(), sa.to_owned()))
                    .map(|v| world.nearest(v, &f.site))
                    .unwrap_or_default();
                let account = accounts.first().map(|&i| &world.objects[i]);
                let opt = account.and_then(|a| match a.kind {
                    KindFacts::ServiceAccount { automount } => automount,
                    _ => None,
                });
                if opt == Some(false) {
                    continue;
                }
                let why = match (account, opt) {
                    (Some(_), Some(_)) => format!("and its ServiceAccount \"{sa}\" sets `automountServiceAccountToken: true`"),
                    (Some(_), None) => format!("and its ServiceAccount \"{sa}\" does not opt out either"),
                    (None, _) => format!("and its ServiceAccount \"{sa}\" is not in the input to opt out"),
                };
                let d = cx.report(self, site);
                d.label("no `automountServiceAccountToken: false`")
                    .message(format!(
                        "{} does not set `automountServiceAccountToken: false` {why}: every container gets a Kubernetes API token",
                        f.describe()
                    ))
                    .help(FIX);
                if let Some(a) = account {
                    d.related_site(&a.site, format!("ServiceAccount \"{sa}\" mounts its token by default"));
                }
                if let Some(e) = &w.edit {
                    // Safe only where nothing tells that the pod uses the token: it runs as the
                    // namespace's `default` account, which does not ask for the token and which
                    // no binding of the input grants anything (by name, or as one of the
                    // namespace's accounts; a grant to every account says nothing of this pod),
                    // and nothing in the pod reads the token's directory.
                    let uses_api = e.reads_token
                        || !matches!(sa, "default" | "")
                        || opt == Some(true)
                        || !world.bindings_of_account(ns, sa).is_empty()
                        || !world.bindings_of_namespace_accounts(ns).is_empty();
                    let kind = if uses_api { FixKind::Unsafe } else { FixKind::Safe };
                    d.fix_in(&e.doc, kind, TITLE, || opt_out(&e.pod));
                }
            }
        });
    }
}

const TITLE: &str = "set `automountServiceAccountToken: false`";

/// `automountServiceAccountToken: false` in the pod spec at `pod`.
fn opt_out(pod: &Pointer) -> Vec<Change> {
    vec![Change::set(
        pod.key("automountServiceAccountToken"),
        Scalar::Bool(false),
    )]
}

#[cfg(test)]
mod tests {
    use super::AutomountServiceAccountToken;
    use crate::testing::RuleTest;

    #[test]
    fn automount_service_account_token() {
        // A `default` account that a binding grants something or that asks for the token.
        const GRANTED: &str = concat!(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: reader, namespace: shop}\n",
            "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\n",
            "subjects: [{kind: ServiceAccount, name: default, namespace: shop}]\n---\n",
            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default, namespace: tools}\nautomountServiceAccountToken: true\n---\n",
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: ops-readers}\n",
            "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\n",
            "subjects: [{kind: Group, name: \"system:serviceaccounts:ops\"}]\n---\n",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: o, namespace: ops}\nspec:\n  template:\n    spec:\n      containers: [{name: o, image: app:1}]\n---\n",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: shop}\nspec:\n  template:\n    spec:\n      containers: [{name: a, image: app:1}]\n---\n",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b, namespace: tools}\nspec:\n  template:\n    spec:\n      containers: [{name: b, image: app:1}]\n---\n",
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c, namespace: web}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{name: c, image: app:1}]\n",
        );
        RuleTest::of(&AutomountServiceAccountToken)
            .pass("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  automountServiceAccountToken: false\n  containers: [{name: a, image: app:1}]\n")
            .pass("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\nautomountServiceAccountToken: true\n")
            .fail("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:   #~ automount-service-account-token\n  containers: [{name: a, image: app:1}]\n")
            // The ServiceAccount opts out, and the pod leaves the field unset.
            .pass("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: quiet, namespace: shop}\nautomountServiceAccountToken: false\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    spec:\n      serviceAccountName: quiet\n      containers: [{name: a, image: app:1}]\n")
            // An account of the same name in another namespace does not count; the pod's
            // `true` wins over the account's `false`.
            .fail(concat!(
                "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: quiet, namespace: other}\nautomountServiceAccountToken: false\n---\n",
                "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: quiet, namespace: shop}\n---\n",
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: shop}\nspec:   #~ automount-service-account-token\n  serviceAccountName: quiet\n  containers: [{name: a, image: app:1}]\n---\n",
                "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: opted-out, namespace: shop}\nautomountServiceAccountToken: false\n---\n",
                "apiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: shop}\nspec:\n  serviceAccountName: opted-out\n  automountServiceAccountToken: true   #~ automount-service-account-token\n  containers: [{name: a, image: app:1}]\n",
            ))
            .fail(concat!(
                "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: a}\nspec:\n  schedule: \"@daily\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n",
                "          automountServiceAccountToken: true   #~ automount-service-account-token\n",
                "          containers: [{name: a, image: app:1}]\n",
            ))
            // Unset, and nothing tells that the pod uses the token: safe.
            .fixes(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  serviceAccountName: default\n  containers: [{name: a, image: app:1}]\n",
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  serviceAccountName: default\n  containers: [{name: a, image: app:1}]\n  automountServiceAccountToken: false\n",
            )
            // A service account of its own, a container that reads the token, a projected token
            // mounted above its directory: unsafe. Only the last pod is fixed.
            .fixes(
                concat!(
                    "apiVersion: v1\nkind: List\nitems:\n",
                    "- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n  spec:\n    serviceAccountName: operator\n    containers: [{name: a, image: app:1}]\n",
                    "- apiVersion: v1\n  kind: Pod\n  metadata: {name: b}\n  spec:\n    containers:\n    - name: b\n      image: app:1\n",
                    "      args: [--token-file=/var/run/secrets/kubernetes.io/serviceaccount/token]\n",
                    "- apiVersion: v1\n  kind: Pod\n  metadata: {name: c}\n  spec:\n    containers:\n    - name: c\n      image: app:1\n",
                    "      volumeMounts: [{name: token, mountPath: /var/run/secrets}]\n",
                    "    volumes:\n    - name: token\n      projected:\n        sources: [{serviceAccountToken: {path: serviceaccount/token}}]\n",
                    "- apiVersion: v1\n  kind: Pod\n  metadata: {name: d}\n  spec:\n    containers: [{name: d, image: app:1}]\n",
                ),
                concat!(
                    "apiVersion: v1\nkind: List\nitems:\n",
                    "- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n  spec:\n    serviceAccountName: operator\n    containers: [{name: a, image: app:1}]\n",
                    "- apiVersion: v1\n  kind: Pod\n  metadata: {name: b}\n  spec:\n    containers:\n    - name: b\n      image: app:1\n",
                    "      args: [--token-file=/var/run/secrets/kubernetes.io/serviceaccount/token]\n",
                    "- apiVersion: v1\n  kind: Pod\n  metadata: {name: c}\n  spec:\n    containers:\n    - name: c\n      image: app:1\n",
                    "      volumeMounts: [{name: token, mountPath: /var/run/secrets}]\n",
                    "    volumes:\n    - name: token\n      projected:\n        sources: [{serviceAccountToken: {path: serviceaccount/token}}]\n",
                    "- apiVersion: v1\n  kind: Pod\n  metadata: {name: d}\n  spec:\n    containers: [{name: d, image: app:1}]\n",
                    "    automountServiceAccountToken: false\n",
                ),
            )
            // A `default` account that a binding grants something (by name, or as one of its
            // namespace's accounts) or that asks for the token: unsafe. Only the CronJob is fixed.
            .fixes(
                GRANTED,
                &format!("{GRANTED}          automountServiceAccountToken: false\n"),
            )
            // With `--unsafe-fixes`, a pod that runs as an account of its own too.
            .unsafe_fixes(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  serviceAccountName: operator\n  containers:\n  - {name: a, image: app:1}\n",
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  serviceAccountName: operator\n  containers:\n  - {name: a, image: app:1}\n  automountServiceAccountToken: false\n",
            )
            .unsafe_fixes(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  serviceAccountName: operator\n  automountServiceAccountToken: yes # needs the API\n  containers: [{name: a, image: app:1}]\n",
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  serviceAccountName: operator\n  automountServiceAccountToken: false # needs the API\n  containers: [{name: a, image: app:1}]\n",
            )
            .snapshot();
    }
}
