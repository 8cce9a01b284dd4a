use crate::model::{Object, PodSpec};
use crate::rule::{Context, FixKind, Rule, declare_rule};
use crate::yaml::{Change, NodeRef, Scalar};

declare_rule! {
    /// ## What it flags
    /// A pod (or pod template) that does not set `automountServiceAccountToken: false`, so the
    /// kubelet mounts an API token of its service account into every container. Only the pod spec
    /// is read: a ServiceAccount with `automountServiceAccountToken: false` also prevents the
    /// mount, hence the low severity.
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
        fix: Safe("Sets `automountServiceAccountToken: false` in the pod spec. Safe where nothing in the pod reads the token: no container names the token's path (`/var/run/secrets/kubernetes.io/serviceaccount`) in a command, argument, environment variable or mount, and the pod runs as the namespace's `default` service account (a service account of its own is usually there to call the API). Unsafe otherwise, and where the pod sets `automountServiceAccountToken: true` on purpose: a program that calls the API (any client using in-cluster configuration) fails without the token."),
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
                    .fix(FixKind::Unsafe, TITLE, || opt_out(pod));
            }
            None => {
                let kind = if reads_token(pod) {
                    FixKind::Unsafe
                } else {
                    FixKind::Safe
                };
                cx.report(self, pod.missing(["automountServiceAccountToken"]).label("no `automountServiceAccountToken: false`"))
                    .message("pod does not set `automountServiceAccountToken: false`: unless its ServiceAccount opts out, every container gets a Kubernetes API token")
                    .help(FIX)
                    .fix(kind, TITLE, || opt_out(pod));
            }
        }
    }
}

const TITLE: &str = "set `automountServiceAccountToken: false`";

fn opt_out(pod: &PodSpec<'_>) -> Vec<Change> {
    vec![Change::set(
        pod.ptr.key("automountServiceAccountToken"),
        Scalar::Bool(false),
    )]
}

/// Whether something in the pod may read the token: a service account of its own, or a
/// string (command, argument, environment value, mount path) naming the token's directory.
fn reads_token(pod: &PodSpec<'_>) -> bool {
    let own_account = ["serviceAccountName", "serviceAccount"].iter().any(|k| {
        pod.node
            .get_set(k)
            .is_some_and(|n| n.as_str().is_none_or(|s| s != "default" && !s.is_empty()))
    });
    let mut named = false;
    pod.node.walk_strings(14, |_, n| {
        named |= n
            .as_str()
            .is_some_and(|s| s.contains("secrets/kubernetes.io/serviceaccount"));
    });
    own_account || named
}

#[cfg(test)]
mod tests {
    use super::AutomountServiceAccountToken;
    use crate::testing::RuleTest;

    #[test]
    fn automount_service_account_token() {
        RuleTest::of(&AutomountServiceAccountToken)
            .pass("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  automountServiceAccountToken: false\n  containers: [{name: a, image: app:1}]\n")
            .pass("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\nautomountServiceAccountToken: true\n")
            .fail("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:   #~ automount-service-account-token\n  containers: [{name: a, image: app:1}]\n")
            .fail(concat!(
                "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: a}\nspec:\n  schedule: \"@daily\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n",
                "          automountServiceAccountToken: true   #~ automount-service-account-token\n",
                "          containers: [{name: a, image: app:1}]\n",
            ))
            .fixes(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  serviceAccountName: default\n  containers: [{name: a, image: app:1}]\n",
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  serviceAccountName: default\n  containers: [{name: a, image: app:1}]\n  automountServiceAccountToken: false\n",
            )
            // A service account of its own, or a container that reads the token: unsafe.
            .fixes(
                concat!(
                    "apiVersion: v1\nkind: List\nitems:\n",
                    "- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n  spec:\n    serviceAccountName: operator\n    containers: [{name: a, image: app:1}]\n",
                    "- apiVersion: v1\n  kind: Pod\n  metadata: {name: b}\n  spec:\n    containers:\n    - name: b\n      image: app:1\n",
                    "      args: [--token-file=/var/run/secrets/kubernetes.io/serviceaccount/token]\n",
                    "- apiVersion: v1\n  kind: Pod\n  metadata: {name: c}\n  spec:\n    containers: [{name: c, image: app:1}]\n",
                ),
                concat!(
                    "apiVersion: v1\nkind: List\nitems:\n",
                    "- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n  spec:\n    serviceAccountName: operator\n    containers: [{name: a, image: app:1}]\n",
                    "- apiVersion: v1\n  kind: Pod\n  metadata: {name: b}\n  spec:\n    containers:\n    - name: b\n      image: app:1\n",
                    "      args: [--token-file=/var/run/secrets/kubernetes.io/serviceaccount/token]\n",
                    "- apiVersion: v1\n  kind: Pod\n  metadata: {name: c}\n  spec:\n    containers: [{name: c, image: app:1}]\n",
                    "    automountServiceAccountToken: false\n",
                ),
            )
            .unsafe_fixes(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  serviceAccountName: operator\n  automountServiceAccountToken: yes # needs the API\n  containers: [{name: a, image: app:1}]\n",
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  serviceAccountName: operator\n  automountServiceAccountToken: false # needs the API\n  containers: [{name: a, image: app:1}]\n",
            )
            .snapshot();
    }
}
