use crate::model::{Object, PodSpec};
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::NodeRef;

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
                    .help(FIX);
            }
            None => {
                cx.report(self, pod.missing(["automountServiceAccountToken"]).label("no `automountServiceAccountToken: false`"))
                    .message("pod does not set `automountServiceAccountToken: false`: unless its ServiceAccount opts out, every container gets a Kubernetes API token")
                    .help(FIX);
            }
        }
    }
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
            .snapshot();
    }
}
