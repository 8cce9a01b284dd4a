use crate::model::{Container, ContainerKind, PodSpec};
use crate::pss;
use crate::rule::{Context, FixKind, Rule, declare_rule};
use crate::yaml::{Change, NodeRef, Scalar, Value};

declare_rule! {
    /// ## What it flags
    /// A container or init container without a memory limit, or without CPU and memory requests.
    /// A request left unset but with a limit counts as set (the API server copies the limit into
    /// the request), and so do pod-level `spec.resources`. Ephemeral containers cannot declare
    /// resources and are skipped.
    ///
    /// ## Why it matters
    /// Without a memory limit a leaking or attacked container can use the node's whole memory and
    /// get neighbours killed by the kernel's OOM killer. Without requests the scheduler cannot
    /// place the pod sensibly and the pod lands in the `BestEffort` QoS class, the first to be
    /// evicted under pressure.
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
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   containers:
    ///   - name: web
    ///     image: nginx:1.27
    ///     resources:
    ///       requests: {cpu: 100m, memory: 128Mi}
    ///       limits: {memory: 256Mi}
    /// ```
    ///
    /// ## References
    /// - Resource management for pods and containers, <https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/>
    /// - Pod quality of service classes, <https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/>
    pub MissingResourceLimits {
        id: "missing-resource-limits",
        category: Workload,
        severity: Low,
        summary: "container has no memory limit or no resource requests",
        since: "0.1.0",
        fix: Unsafe("Only where the memory limit is all that is missing and the container requests memory: sets `resources.limits.memory` to the container's memory request, the one size its owner has stated. Unsafe: a container that uses more than it requests is then killed (OOMKilled) where it used to run. No fix where requests are missing: no sensible value is known here."),
    }
}

const FIX: &str = "Declare what the container needs and cap its memory:\n```yaml\nresources:\n  requests: {cpu: 100m, memory: 128Mi}\n  limits: {memory: 256Mi}\n```";

impl Rule for MissingResourceLimits {
    fn check_container(&self, pod: &PodSpec<'_>, c: &Container<'_>, cx: &mut Context<'_>) {
        if c.kind == ContainerKind::Ephemeral {
            return;
        }
        let has = |node: Option<NodeRef<'_>>, section: &str, key: &str| {
            node.and_then(|r| r.get(section))
                .and_then(|s| s.get_set(key))
                .is_some()
        };
        let own = c.node.get_set("resources");
        let pod_level = pod.node.get_set("resources");
        let set = |section: &str, key: &str| has(own, section, key) || has(pod_level, section, key);
        let mut missing = Vec::new();
        if !set("limits", "memory") {
            missing.push(("limits", "memory limit"));
        }
        if !set("requests", "cpu") && !set("limits", "cpu") {
            missing.push(("requests", "CPU request"));
        }
        if !set("requests", "memory") && !set("limits", "memory") {
            missing.push(("requests", "memory request"));
        }
        let Some(&(section, _)) = missing.first() else {
            return;
        };
        let what: Vec<&str> = missing.iter().map(|(_, w)| *w).collect();
        let at = pss::missing_in_container(c, &["resources", section])
            .label(format!("no {}", join_or(&what)));
        let request = own
            .and_then(|r| r.get("requests"))
            .and_then(|r| r.get_set("memory"))
            .filter(|_| what == ["memory limit"]);
        cx.report(self, at)
            .message(format!("{} has no {}", c.describe(), join_or(&what)))
            .help(FIX)
            .fix(
                FixKind::Unsafe,
                "set the memory limit to the memory request",
                || {
                    let value = match request.and_then(NodeRef::value) {
                        Some(Value::Int(i)) => Scalar::Int(i),
                        Some(Value::Str(s)) => Scalar::Str(s.to_owned().into()),
                        _ => return Vec::new(),
                    };
                    vec![Change::set(
                        c.ptr.join(["resources", "limits", "memory"]),
                        value,
                    )]
                },
            );
    }
}

fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::MissingResourceLimits;
    use crate::testing::RuleTest;

    #[test]
    fn missing_resource_limits() {
        RuleTest::of(&MissingResourceLimits)
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    image: app:1\n",
                "    resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 128Mi}}\n",
                "  - name: b\n    image: app:1\n    resources: {limits: {cpu: \"1\", memory: 1Gi}}\n",
            ))
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  resources: {requests: {cpu: \"1\"}, limits: {memory: 1Gi}}\n",
                "  containers: [{name: a, image: app:1}]\n",
            ))
            .fail(concat!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n",
                "      initContainers:\n      - name: init   #~ missing-resource-limits\n        image: busybox:1.36\n",
                "      containers:\n      - name: web\n        image: nginx:1.27\n        resources:\n",
                "          requests:   #~ missing-resource-limits\n            memory: 64Mi\n          limits:\n            memory: 128Mi\n",
                "      - name: sidecar\n        image: envoy:1.30\n        resources:\n",
                "          requests: {cpu: 10m, memory: 32Mi}\n          limits: {cpu: 100m}   #~ missing-resource-limits\n",
            ))
            // Only the limit of the container that requests memory and CPU.
            .unsafe_fixes(
                concat!(
                    "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n",
                    "  - name: a\n    image: app:1\n    resources:\n      requests:\n        cpu: 100m\n        memory: \"64Mi\"\n",
                    "  - name: b\n    image: app:1\n    resources: {requests: {memory: 64Mi}}\n",
                ),
                concat!(
                    "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n",
                    "  - name: a\n    image: app:1\n    resources:\n      requests:\n        cpu: 100m\n        memory: \"64Mi\"\n",
                    "      limits:\n        memory: 64Mi\n",
                    "  - name: b\n    image: app:1\n    resources: {requests: {memory: 64Mi}}\n",
                ),
            )
            .snapshot();
    }
}
