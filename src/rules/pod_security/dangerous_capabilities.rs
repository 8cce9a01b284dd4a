use crate::model::{Object, PodSpec};
use crate::pss::{self, BASELINE_CAPABILITIES, Detail, Levels, Out, PssControl, Versions};
use crate::rule::{Context, Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A container (init and ephemeral included) whose `securityContext.capabilities.add` lists a
    /// capability outside the container runtime's default set: AUDIT_WRITE, CHOWN, DAC_OVERRIDE,
    /// FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID and
    /// SYS_CHROOT. `drop` is not examined here (see `capabilities-not-dropped`).
    ///
    /// Pod-security-admission compares names exactly, so `chown` and `CAP_CHOWN` are outside the
    /// set too; such a default capability spelt otherwise is the separate rule
    /// `misspelt-capability` (medium), so that every finding of this rule is high.
    ///
    /// ## Why it matters
    /// Capabilities such as SYS_ADMIN, SYS_PTRACE, SYS_MODULE, NET_ADMIN or NET_RAW hand the
    /// container parts of root's power over the node: mounting filesystems, loading kernel modules,
    /// tracing other processes, rewriting routes or spoofing packets. Most container escapes need
    /// one of them. The Baseline Pod Security Standard forbids adding them.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: vpn}
    /// spec:
    ///   containers:
    ///   - name: vpn
    ///     image: wireguard:1.0
    ///     securityContext:
    ///       capabilities:
    ///         add: [NET_ADMIN, SYS_MODULE]
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
    ///       capabilities:
    ///         drop: [ALL]
    ///         add: [NET_BIND_SERVICE]
    /// ```
    ///
    /// ## References
    /// - Pod Security Standards (Baseline): Capabilities, <https://kubernetes.io/docs/concepts/security/pod-security-standards/>
    /// - pod-security-admission `policy/check_capabilities_baseline.go`
    /// - capabilities(7)
    pub DangerousCapabilities {
        id: "dangerous-capabilities",
        category: PodSecurity,
        severity: High,
        summary: "container adds a capability outside the runtime's default set",
        since: "0.1.0",
        pss: Baseline,
    }
}

impl Rule for DangerousCapabilities {
    fn check_pod(&self, _obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        pss::report(self, pod, cx);
    }
}

impl PssControl for DangerousCapabilities {
    fn check(&self, pod: &PodSpec<'_>, out: &mut Out) {
        // From v1.22 Restricted replaces this check with capabilities_restricted, which rejects
        // the same values but exempts Windows pods from v1.25.
        let levels = Levels::baseline(Versions::ALL).restricted_minus(pss::windows_exempt(pod));
        for c in &pod.containers {
            for (cap, at) in pss::added_capabilities(c) {
                if BASELINE_CAPABILITIES.contains(&cap) {
                    continue;
                }
                // A runtime default spelt otherwise (`chown`, `CAP_CHOWN`): `misspelt-capability`.
                if BASELINE_CAPABILITIES.contains(&pss::canonical_capability(cap).as_str()) {
                    continue;
                }
                let at = at.label("capability outside the Baseline set");
                out.flag(levels, at, || {
                    Detail::new(
                        format!(
                            "{} adds capability `{cap}`; the Baseline level allows adding only the runtime's defaults ({})",
                            c.describe(),
                            BASELINE_CAPABILITIES.join(", ")
                        ),
                        format!(
                            "Remove `{cap}` from `securityContext.capabilities.add`; if the workload cannot run without it, isolate it in a namespace whose `pod-security.kubernetes.io/enforce` level is `privileged`."
                        ),
                    )
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::DangerousCapabilities;
    use crate::pss::lines;
    use crate::rule::PssLevel;
    use crate::testing::RuleTest;

    #[test]
    fn dangerous_capabilities() {
        RuleTest::of(&DangerousCapabilities)
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    image: nginx:1.27\n",
                "    securityContext:\n      capabilities:\n        drop: [ALL, SYS_ADMIN]\n",
                "        add: [AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT]\n",
            ))
            .fail(concat!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: vpn}\nspec:\n  template:\n    spec:\n",
                "      initContainers:\n      - name: setup\n        image: busybox:1.36\n",
                "        securityContext:\n          capabilities:\n            add:\n",
                "            - NET_ADMIN   #~ dangerous-capabilities\n            - CHOWN\n",
                "      containers:\n      - name: vpn\n        image: wireguard:1.0\n",
                "        securityContext:\n          capabilities: {add: [SYS_ADMIN]}   #~ dangerous-capabilities\n",
            ))
            .fail(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    image: nginx:1.27\n",
                "    securityContext:\n      capabilities:\n        add:\n",
                "        - CAP_CHOWN\n        - net_raw   #~ dangerous-capabilities\n",
            ))
            .snapshot();
    }

    #[test]
    fn windows_pods_are_exempt_at_restricted_from_v1_25() {
        let pod = concat!(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  os: {name: windows}\n  containers:\n  - name: a\n    image: app:1\n",
            "    securityContext:\n      capabilities: {add: [SYS_ADMIN]}\n",
        );
        let (b, r) = (Some(PssLevel::Baseline), Some(PssLevel::Restricted));
        assert_eq!(lines(&DangerousCapabilities, pod, b, 37), [10]);
        assert_eq!(lines(&DangerousCapabilities, pod, r, 24), [10]);
        assert!(lines(&DangerousCapabilities, pod, r, 25).is_empty());
        assert_eq!(
            lines(&DangerousCapabilities, pod, None, 37),
            [10],
            "reported by default"
        );
    }
}
