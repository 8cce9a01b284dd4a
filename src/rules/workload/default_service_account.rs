use crate::model::{Object, PodSpec};
use crate::pss;
use crate::rule::{Context, Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A pod (or pod template) that runs as its namespace's `default` service account: no
    /// `serviceAccountName` (nor the deprecated `serviceAccount`), an empty one, or `default`.
    ///
    /// ## Why it matters
    /// Every pod of the namespace that does not choose an account shares `default`. Any
    /// permission granted to it, for one workload's sake or by a broad binding, silently goes to
    /// all of them, and audit logs cannot tell them apart. A dedicated account per workload keeps
    /// RBAC grants and cloud identities (IRSA, Workload Identity) scoped to the workload.
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
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: ServiceAccount
    /// metadata: {name: web}
    /// automountServiceAccountToken: false
    /// ---
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   serviceAccountName: web
    ///   containers:
    ///   - name: web
    ///     image: nginx:1.27
    /// ```
    ///
    /// ## References
    /// - Service accounts, <https://kubernetes.io/docs/concepts/security/service-accounts/>
    /// - CIS Kubernetes Benchmark 5.1.5 (ensure that default service accounts are not actively used)
    pub DefaultServiceAccount {
        id: "default-service-account",
        category: Workload,
        severity: Low,
        summary: "pod runs as the namespace's default service account",
        since: "0.1.0",
    }
}

const FIX: &str = "Create a ServiceAccount for the workload and name it in the pod spec:\n```yaml\nspec:\n  serviceAccountName: web\n```";

impl Rule for DefaultServiceAccount {
    fn check_pod(&self, _obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        let key = ["serviceAccountName", "serviceAccount"]
            .into_iter()
            .find(|k| pod.node.get_set(k).is_some());
        let name = key.and_then(|k| pod.node.get(k)).map_or("", pss::shown);
        if !name.is_empty() && name != "default" {
            return;
        }
        let at = match key {
            Some(k) => pod.at([k]).label("the namespace's shared account"),
            None => pod
                .missing(["serviceAccountName"])
                .label("no `serviceAccountName`"),
        };
        let how = if key.is_some() {
            "names the `default` service account"
        } else {
            "sets no `serviceAccountName`"
        };
        cx.report(self, at)
            .message(format!("pod {how}: it shares the namespace's `default` account, and its permissions, with every other pod that does not choose one"))
            .help(FIX);
    }
}

#[cfg(test)]
mod tests {
    use super::DefaultServiceAccount;
    use crate::testing::RuleTest;

    #[test]
    fn default_service_account() {
        RuleTest::of(&DefaultServiceAccount)
            .pass("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  serviceAccountName: web\n  containers: [{name: a, image: app:1}]\n")
            .pass("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  serviceAccount: web\n  containers: [{name: a, image: app:1}]\n")
            .fail("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:   #~ default-service-account\n  containers: [{name: a, image: app:1}]\n")
            .fail(concat!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n",
                "      serviceAccountName: default   #~ default-service-account\n      containers: [{name: a, image: app:1}]\n",
            ))
            .snapshot();
    }
}
