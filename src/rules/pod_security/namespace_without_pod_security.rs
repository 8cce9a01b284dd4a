use crate::model::{Object, PSA_PREFIX};
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::NodeRef;

declare_rule! {
    /// ## What it flags
    /// A Namespace without the `pod-security.kubernetes.io/enforce` label. `warn` and `audit`
    /// labels alone do not count: they never block a pod. An explicit `enforce: privileged` is
    /// a decision and is not flagged.
    ///
    /// ## Why it matters
    /// Pod Security Admission enforces a level only where a namespace asks for it; otherwise the
    /// cluster default applies, which is `privileged` (anything goes) unless the API server's
    /// admission configuration says otherwise. A namespace without the label therefore admits
    /// privileged, host-namespace and hostPath pods from anyone allowed to create pods there.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop
    ///   labels:
    ///     team: web
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop
    ///   labels:
    ///     team: web
    ///     pod-security.kubernetes.io/enforce: restricted
    ///     pod-security.kubernetes.io/enforce-version: v1.37
    /// ```
    ///
    /// ## References
    /// - Pod Security Admission, <https://kubernetes.io/docs/concepts/security/pod-security-admission/>
    /// - Enforce Pod Security Standards with namespace labels, <https://kubernetes.io/docs/tasks/configure-pod-container/enforce-standards-namespace-labels/>
    pub NamespaceWithoutPodSecurity {
        id: "namespace-without-pod-security",
        category: PodSecurity,
        severity: Medium,
        summary: "namespace does not enforce a Pod Security level",
        since: "0.1.0",
    }
}

const ENFORCE: &str = "pod-security.kubernetes.io/enforce";

impl Rule for NamespaceWithoutPodSecurity {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if obj.kind != "Namespace" || obj.api_version != "v1" {
            return;
        }
        let labels = obj.get(&["metadata", "labels"]).filter(|l| l.is_map());
        if labels.and_then(|l| l.get(ENFORCE)).is_some() {
            return;
        }
        let others: Vec<&str> = labels
            .into_iter()
            .flat_map(NodeRef::entries)
            .filter_map(|(k, _)| k.strip_prefix(PSA_PREFIX))
            .filter(|mode| !mode.ends_with("-version"))
            .collect();
        let at = match labels {
            Some(_) => obj.missing(["metadata", "labels", ENFORCE]),
            None if obj.get(&["metadata", "name"]).is_some() => obj.at(["metadata", "name"]),
            None => obj.missing(["metadata", "labels"]),
        };
        let name = obj.name.unwrap_or("<unnamed>");
        let only = if others.is_empty() {
            String::new()
        } else {
            format!(" (its `{}` labels only report)", others.join("`, `"))
        };
        cx.report(self, at.label("no `pod-security.kubernetes.io/enforce`"))
            .message(format!(
                "namespace \"{name}\" does not enforce a Pod Security level{only}; pods in it get the cluster default, `privileged` unless configured otherwise"
            ))
            .help("Label the namespace with the strictest level its workloads pass, pinned to a version:\n```yaml\nmetadata:\n  labels:\n    pod-security.kubernetes.io/enforce: restricted  # or baseline\n    pod-security.kubernetes.io/enforce-version: v1.37\n```");
    }
}

#[cfg(test)]
mod tests {
    use super::NamespaceWithoutPodSecurity;
    use crate::testing::RuleTest;

    #[test]
    fn namespace_without_pod_security() {
        RuleTest::of(&NamespaceWithoutPodSecurity)
            .pass("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n")
            .pass("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ci\n  labels: {pod-security.kubernetes.io/enforce: privileged}\n")
            .pass("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
            .fail("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop   #~ namespace-without-pod-security\n")
            .fail(concat!(
                "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:   #~ namespace-without-pod-security\n",
                "    team: web\n    pod-security.kubernetes.io/warn: restricted\n    pod-security.kubernetes.io/warn-version: latest\n",
            ))
            .snapshot();
    }
}
