use crate::model::{Object, PodSpec};
use crate::pss::{self, BASELINE_CAPABILITIES, Detail, Levels, Out, PssControl, Versions};
use crate::rule::{Context, Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A container (init and ephemeral included) whose `securityContext.capabilities.add` names
    /// one of the container runtime's default capabilities in another spelling: lower case
    /// (`chown`) or with the `CAP_` prefix (`CAP_CHOWN`). The runtime accepts these, but
    /// pod-security-admission compares names exactly, so the Baseline level rejects the pod.
    ///
    /// A capability outside the default set, however it is spelt, is `dangerous-capabilities`
    /// (high); this rule grants nothing beyond the defaults, so it has its own id and severity.
    ///
    /// ## Why it matters
    /// A namespace that enforces Baseline or Restricted rejects the pod, although it adds nothing
    /// dangerous: the rollout fails at admission. Written as PSA expects, the same request passes.
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
    ///       capabilities:
    ///         add: [CAP_NET_BIND_SERVICE]
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
    pub MisspeltCapability {
        id: "misspelt-capability",
        category: PodSecurity,
        severity: Medium,
        summary: "container adds a default capability under a name admission does not accept",
        since: "0.1.0",
        pss: Baseline,
    }
}

impl Rule for MisspeltCapability {
    fn check_pod(&self, _obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        pss::report(self, pod, cx);
    }
}

impl PssControl for MisspeltCapability {
    fn check(&self, pod: &PodSpec<'_>, out: &mut Out) {
        // The same check as `dangerous-capabilities` (capabilities_baseline, which Restricted
        // replaces from v1.22 with a check that exempts Windows pods from v1.25).
        let levels = Levels::baseline(Versions::ALL).restricted_minus(pss::windows_exempt(pod));
        for c in &pod.containers {
            for (cap, at) in pss::added_capabilities(c) {
                let canonical = pss::canonical_capability(cap);
                if BASELINE_CAPABILITIES.contains(&cap)
                    || !BASELINE_CAPABILITIES.contains(&canonical.as_str())
                {
                    continue;
                }
                let at = at.label("not spelt as PSA expects");
                out.flag(levels, at, || {
                    Detail::new(
                        format!(
                            "{} adds capability `{cap}`; the Baseline level compares names exactly and allows `{canonical}`, not `{cap}`",
                            c.describe()
                        ),
                        format!("Write the capability as `{canonical}`: upper case, without the `CAP_` prefix."),
                    )
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::MisspeltCapability;
    use crate::pss::lines;
    use crate::rule::PssLevel;
    use crate::testing::RuleTest;

    #[test]
    fn misspelt_capability() {
        RuleTest::of(&MisspeltCapability)
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    image: nginx:1.27\n",
                "    securityContext:\n      capabilities:\n        add: [CHOWN, NET_BIND_SERVICE, SYS_ADMIN, cap_sys_admin]\n",
            ))
            .fail(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    image: nginx:1.27\n",
                "    securityContext:\n      capabilities:\n        add:\n",
                "        - CAP_CHOWN   #~ misspelt-capability\n        - net_raw\n        - kill   #~ misspelt-capability\n",
            ))
            .snapshot();
    }

    #[test]
    fn windows_pods_are_exempt_at_restricted_from_v1_25() {
        let pod = concat!(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  os: {name: windows}\n  containers:\n  - name: a\n    image: app:1\n",
            "    securityContext:\n      capabilities: {add: [chown]}\n",
        );
        let (b, r) = (Some(PssLevel::Baseline), Some(PssLevel::Restricted));
        assert_eq!(lines(&MisspeltCapability, pod, b, 37), [10]);
        assert_eq!(lines(&MisspeltCapability, pod, r, 24), [10]);
        assert!(lines(&MisspeltCapability, pod, r, 25).is_empty());
    }
}
