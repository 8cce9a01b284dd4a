use crate::model::{Object, PodSpec};
use crate::pss::{self, Detail, Levels, Out, PssControl, Versions};
use crate::rule::{Context, Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A `host` in a container's probes (`livenessProbe`, `readinessProbe`, `startupProbe`:
    /// `httpGet.host`, `tcpSocket.host`) or lifecycle hooks (`lifecycle.postStart`/`preStop`:
    /// `httpGet.host`, `tcpSocket.host`), in any container, init container or ephemeral container.
    /// Even loopback addresses count. Pod-security-admission applies this Baseline control from
    /// policy v1.34.
    ///
    /// ## Why it matters
    /// The kubelet performs probes and HTTP hooks from the node. With a custom `host`, a pod author
    /// makes the kubelet connect to any address the node can reach, such as the cloud metadata
    /// service, the node's own loopback services or other tenants' pods: a server-side request
    /// forgery by configuration.
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
    ///     livenessProbe:
    ///       httpGet: {host: 169.254.169.254, path: /latest/meta-data/, port: 80}
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
    ///     livenessProbe:
    ///       httpGet:
    ///         path: /healthz
    ///         port: 80
    ///         httpHeaders: [{name: Host, value: www.example.com}]
    /// ```
    ///
    /// ## References
    /// - Pod Security Standards (Baseline): Host Probes / Lifecycle Hooks (v1.34+), <https://kubernetes.io/docs/concepts/security/pod-security-standards/>
    /// - pod-security-admission `policy/check_hostProbesAndhostLifecycle.go`
    pub ProbeCustomHost {
        id: "probe-custom-host",
        category: PodSecurity,
        severity: Medium,
        summary: "probe or lifecycle hook targets a custom host",
        since: "0.1.0",
        pss: Baseline,
    }
}

impl Rule for ProbeCustomHost {
    fn check_pod(&self, _obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        pss::report(self, pod, cx);
    }
}

const HANDLERS: [[&str; 2]; 5] = [
    ["livenessProbe", ""],
    ["readinessProbe", ""],
    ["startupProbe", ""],
    ["lifecycle", "postStart"],
    ["lifecycle", "preStop"],
];

impl PssControl for ProbeCustomHost {
    fn check(&self, pod: &PodSpec<'_>, out: &mut Out) {
        for c in &pod.containers {
            for [outer, inner] in HANDLERS {
                let route: Vec<&'static str> = if inner.is_empty() {
                    vec![outer]
                } else {
                    vec![outer, inner]
                };
                let Some(handler) = c.node.path(&route) else {
                    continue;
                };
                for action in ["httpGet", "tcpSocket"] {
                    let Some(host) = handler.path(&[action, "host"]) else {
                        continue;
                    };
                    let host = pss::shown(host);
                    if host.is_empty() {
                        continue;
                    }
                    let full: Vec<&'static str> =
                        route.iter().copied().chain([action, "host"]).collect();
                    let at = c
                        .at(full.iter().copied())
                        .label("the kubelet connects here from the node");
                    out.flag(Levels::baseline(Versions::since(34)), at, || {
                        Detail::new(
                            format!(
                                "{} points `{}.{action}.host` at `{host}`; the Baseline level (policy v1.34+) requires probe and lifecycle hosts unset",
                                c.describe(),
                                route.join(".")
                            ),
                            "Remove `host:` so that the kubelet targets the pod's own IP; to send a virtual host name, use `httpHeaders: [{name: Host, value: www.example.com}]`.",
                        )
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ProbeCustomHost;
    use crate::pss::lines;
    use crate::rule::PssLevel;
    use crate::testing::RuleTest;

    #[test]
    fn probe_custom_host() {
        RuleTest::of(&ProbeCustomHost)
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    image: nginx:1.27\n",
                "    livenessProbe: {httpGet: {path: /healthz, port: 8080, host: \"\"}}\n    readinessProbe: {tcpSocket: {port: 8080, host: ~}}\n",
            ))
            .fail(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  initContainers:\n  - name: proxy\n    image: envoy:1.30\n    restartPolicy: Always\n",
                "    startupProbe:\n      tcpSocket:\n        host: 8.8.8.8   #~ probe-custom-host\n        port: 53\n",
                "  containers:\n  - name: a\n    image: nginx:1.27\n    lifecycle:\n      preStop:\n        httpGet:\n",
                "          host: \"::1\"   #~ probe-custom-host\n          port: 8080\n",
            ))
            .snapshot();
    }

    #[test]
    fn from_v1_34() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    image: app:1\n    readinessProbe: {httpGet: {host: bad.host, port: 80}}\n";
        let b = Some(PssLevel::Baseline);
        assert!(lines(&ProbeCustomHost, pod, b, 33).is_empty());
        assert_eq!(lines(&ProbeCustomHost, pod, b, 34), [8]);
    }
}
