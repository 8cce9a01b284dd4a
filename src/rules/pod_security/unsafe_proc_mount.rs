use crate::model::{Object, PodSpec};
use crate::pss::{self, Detail, Levels, Out, PssControl, Versions};
use crate::rule::{Context, Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A container (init and ephemeral included) with `securityContext.procMount` set to anything
    /// but `Default` (i.e. `Unmasked`). From policy v1.35 the Baseline level allows it in a
    /// user-namespaced pod (`spec.hostUsers: false`); the Restricted level never does.
    ///
    /// ## Why it matters
    /// The runtime masks and makes read-only parts of `/proc` (`/proc/kcore`, `/proc/sysrq-trigger`,
    /// `/proc/sys`, …) that leak kernel memory or control the node. `Unmasked` removes those
    /// protections; outside a user namespace that hands the node's kernel knobs to the container.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: builder}
    /// spec:
    ///   containers:
    ///   - name: builder
    ///     image: buildkit:0.13
    ///     securityContext:
    ///       procMount: Unmasked
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: builder}
    /// spec:
    ///   containers:
    ///   - name: builder
    ///     image: buildkit:0.13
    ///     securityContext:
    ///       procMount: Default
    /// ```
    ///
    /// ## References
    /// - Pod Security Standards (Baseline): /proc Mount Type, <https://kubernetes.io/docs/concepts/security/pod-security-standards/>
    /// - pod-security-admission `policy/check_procMount_baseline.go`, `policy/check_procMount_restricted.go`
    pub UnsafeProcMount {
        id: "unsafe-proc-mount",
        category: PodSecurity,
        severity: High,
        summary: "container unmasks /proc",
        since: "0.1.0",
        pss: Baseline,
    }
}

impl Rule for UnsafeProcMount {
    fn check_pod(&self, _obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        pss::report(self, pod, cx);
    }
}

impl PssControl for UnsafeProcMount {
    fn check(&self, pod: &PodSpec<'_>, out: &mut Out) {
        // Baseline relaxes for user namespaces from v1.35; restricted (procMount_restricted
        // overrides it there) keeps the strict rule.
        let userns = pss::userns_exempt(pod);
        let levels = Levels {
            baseline: Versions::ALL.minus(userns),
            restricted: Versions::ALL,
        };
        for c in &pod.containers {
            let Some(mount) = c.sc("procMount") else {
                continue;
            };
            let value = pss::shown(mount);
            if value == "Default" {
                continue;
            }
            let at = c
                .at(["securityContext", "procMount"])
                .label("/proc not masked");
            out.flag(levels, at, || {
                let requires = if userns.is_empty() {
                    "the Baseline level requires `procMount: Default`"
                } else {
                    "the Restricted level requires `procMount: Default` even with `hostUsers: false`"
                };
                Detail::new(
                    format!("{} sets `procMount: {value}`; {requires}", c.describe()),
                    "Remove `procMount` (or set `procMount: Default`); if the workload nests containers, run it with `hostUsers: false` in a namespace enforcing Baseline.",
                )
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::UnsafeProcMount;
    use crate::pss::lines;
    use crate::rule::PssLevel;
    use crate::testing::RuleTest;

    #[test]
    fn unsafe_proc_mount() {
        RuleTest::of(&UnsafeProcMount)
            .pass("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    image: nginx:1.27\n    securityContext: {procMount: Default}\n")
            .fail(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  hostUsers: false\n  containers:\n  - name: a\n    image: nginx:1.27\n",
                "    securityContext:\n      procMount: Unmasked   #~ unsafe-proc-mount\n",
            ))
            .fail(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  initContainers:\n  - name: a\n    image: nginx:1.27\n",
                "    securityContext: {procMount: \"\"}   #~ unsafe-proc-mount\n  containers: [{name: b, image: nginx:1.27}]\n",
            ))
            .snapshot();
    }

    #[test]
    fn user_namespaces_from_v1_35() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  hostUsers: false\n  containers:\n  - name: a\n    image: app:1\n    securityContext: {procMount: Unmasked}\n";
        let (b, r) = (Some(PssLevel::Baseline), Some(PssLevel::Restricted));
        assert_eq!(lines(&UnsafeProcMount, pod, b, 34), [9]);
        assert!(lines(&UnsafeProcMount, pod, b, 35).is_empty());
        assert_eq!(lines(&UnsafeProcMount, pod, r, 35), [9]);
        assert_eq!(
            lines(&UnsafeProcMount, &pod.replace("false", "true"), b, 35),
            [9]
        );
    }
}
