use crate::model::{Object, PodSpec};
use crate::pss::{self, Detail, Levels, Out, PssControl, Versions};
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::NodeRef;

declare_rule! {
    /// ## What it flags
    /// A container, init container or ephemeral container with `securityContext.privileged: true`.
    ///
    /// ## Why it matters
    /// A privileged container gets every Linux capability, all host devices and no seccomp or
    /// AppArmor confinement: it is root on the node. Escaping it takes one `mount` or `nsenter`.
    /// The Baseline Pod Security Standard forbids it.
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
    ///     securityContext:
    ///       privileged: true
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
    ///     securityContext:
    ///       privileged: false
    ///       capabilities: {add: [NET_BIND_SERVICE]}
    /// ```
    ///
    /// ## References
    /// - Pod Security Standards (Baseline): Privileged Containers, <https://kubernetes.io/docs/concepts/security/pod-security-standards/>
    /// - pod-security-admission `policy/check_privileged.go`
    /// - CIS Kubernetes Benchmark 5.2.2
    pub PrivilegedContainer {
        id: "privileged-container",
        category: PodSecurity,
        severity: Critical,
        summary: "container runs in privileged mode",
        since: "0.1.0",
        pss: Baseline,
    }
}

impl Rule for PrivilegedContainer {
    fn check_pod(&self, _obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        pss::report(self, pod, cx);
    }
}

impl PssControl for PrivilegedContainer {
    fn check(&self, pod: &PodSpec<'_>, out: &mut Out) {
        for c in &pod.containers {
            if c.sc("privileged").and_then(NodeRef::as_bool) == Some(true) {
                let at = c
                    .at(["securityContext", "privileged"])
                    .label("privileged mode requested here");
                out.flag(Levels::baseline(Versions::ALL), at, || {
                    Detail::new(
                        format!("{} runs in privileged mode; the Baseline level requires `privileged` unset or false", c.describe()),
                        "Set `privileged: false` and add only the capabilities the container needs, e.g. `capabilities: {add: [NET_BIND_SERVICE]}`.",
                    )
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PrivilegedContainer;
    use crate::testing::RuleTest;

    #[test]
    fn privileged_container() {
        RuleTest::of(&PrivilegedContainer)
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n",
                "  - name: a\n    image: nginx:1.27\n    securityContext: {privileged: false}\n",
            ))
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n",
                "  - name: a\n    image: nginx:1.27\n    securityContext:\n      privileged: \"yes\"\n",
            ))
            .fail(concat!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n",
                "      initContainers:\n      - name: setup\n        image: busybox:1.36\n",
                "        securityContext:\n          privileged: true   #~ privileged-container\n",
                "      containers:\n      - name: web\n        image: nginx:1.27\n",
                "        securityContext: {privileged: on}   #~ privileged-container\n",
            ))
            // OpenShift's DeploymentConfig holds a pod template like a Deployment.
            .fail(concat!(
                "apiVersion: apps.openshift.io/v1\nkind: DeploymentConfig\nmetadata: {name: legacy}\n",
                "spec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: app\n",
                "        image: registry.example.com/app:1.0\n",
                "        securityContext: {privileged: true}   #~ privileged-container\n",
            ))
            .fail(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n",
                "  - &c\n    name: a\n    image: nginx:1.27\n    securityContext: &sc\n",
                "      privileged: true   #~ privileged-container\n",
                // Container b merges the anchor: its finding is on its own `<<: *sc`.
                "  - name: b\n    image: nginx:1.27\n    securityContext:\n",
                "      <<: *sc   #~ privileged-container\n",
            ))
            .snapshot();
    }
}
