// The help and the fix are `privilege-escalation`'s: both rules end at
// `allowPrivilegeEscalation: false`.
use super::privilege_escalation::{FIX, fix};
use crate::model::{Object, PodSpec};
use crate::pss::{self, Detail, Levels, Out, PssControl, Versions};
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::NodeRef;

declare_rule! {
    /// ## What it flags
    /// A container (init and ephemeral included) that does not set
    /// `securityContext.allowPrivilegeEscalation` at all: unset means allowed. Pod-security-admission
    /// applies this Restricted control from v1.8 (when the field appeared); Windows pods
    /// (`spec.os.name: windows`) are exempt from v1.25.
    ///
    /// An explicit `allowPrivilegeEscalation: true` is `privilege-escalation` (high); this rule is
    /// the weaker, far more common case of a setting left out, so it has its own id and severity.
    ///
    /// ## Why it matters
    /// Unless `no_new_privs` is set, which is what `allowPrivilegeEscalation: false` does, a
    /// process can gain privileges through setuid/setgid binaries (`sudo`, `su`, `ping` on some
    /// images) or file capabilities, turning a foothold as an unprivileged user into root inside
    /// the container.
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
    ///     securityContext:
    ///       allowPrivilegeEscalation: false
    /// ```
    ///
    /// ## References
    /// - Pod Security Standards (Restricted): Privilege Escalation, <https://kubernetes.io/docs/concepts/security/pod-security-standards/>
    /// - pod-security-admission `policy/check_allowPrivilegeEscalation.go`
    pub AllowPrivilegeEscalationUnset {
        id: "allow-privilege-escalation-unset",
        category: PodSecurity,
        severity: Medium,
        summary: "container does not forbid privilege escalation",
        since: "0.1.0",
        pss: Restricted,
        fix: Safe("Sets `allowPrivilegeEscalation: false` in the container's `securityContext`. Safe: it sets `no_new_privs`, which only stops setuid/setgid binaries and file capabilities from raising privileges; a program that runs today without relying on them starts as before. Not offered for a privileged container or one that adds `CAP_SYS_ADMIN`: the API server rejects `allowPrivilegeEscalation: false` there."),
    }
}

impl Rule for AllowPrivilegeEscalationUnset {
    fn check_pod(&self, _obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        pss::report(self, pod, cx);
    }
}

impl PssControl for AllowPrivilegeEscalationUnset {
    fn check(&self, pod: &PodSpec<'_>, out: &mut Out) {
        let levels = Levels::restricted(Versions::since(8).minus(pss::windows_exempt(pod)));
        let fixes = out.fixes;
        for c in &pod.containers {
            if c.sc("allowPrivilegeEscalation")
                .and_then(NodeRef::as_bool)
                .is_some()
            {
                continue;
            }
            let at = pss::missing_in_container(c, &["securityContext", "allowPrivilegeEscalation"])
                .label("no `allowPrivilegeEscalation: false`");
            out.flag(levels, at, || {
                Detail::new(
                    format!(
                        "{} does not set `allowPrivilegeEscalation: false` (unset allows setuid binaries to gain privileges); the Restricted level requires it",
                        c.describe()
                    ),
                    FIX,
                )
                .fix_if(fixes, || fix(c))
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AllowPrivilegeEscalationUnset;
    use crate::pss::lines;
    use crate::rule::PssLevel;
    use crate::testing::RuleTest;

    #[test]
    fn allow_privilege_escalation_unset() {
        RuleTest::of(&AllowPrivilegeEscalationUnset)
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    image: nginx:1.27\n",
                "    securityContext: {allowPrivilegeEscalation: false}\n",
            ))
            // Allowed explicitly is `privilege-escalation`, not this rule.
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    image: nginx:1.27\n",
                "    securityContext: {allowPrivilegeEscalation: true}\n",
            ))
            .pass("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  os: {name: windows}\n  containers:\n  - name: a\n    image: app:1\n")
            .fail(concat!(
                "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec:\n  template:\n    spec:\n",
                "      initContainers:\n      - image: busybox:1.36\n        name: wait   #~ allow-privilege-escalation-unset\n",
                "      containers:\n      - name: migrate\n        image: migrate:4\n",
                "        securityContext:   #~ allow-privilege-escalation-unset\n          runAsNonRoot: true\n",
            ))
            .fixes(
                concat!(
                    "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec:\n  template:\n    spec:\n",
                    "      initContainers:\n      - image: busybox:1.36\n        name: wait\n",
                    "      containers:\n      - name: migrate\n        image: migrate:4\n",
                    "        securityContext:\n          runAsNonRoot: true  # uid from the image\n",
                    "      - name: admin   # privileged: cannot be fixed\n        image: busybox:1.36\n",
                    "        securityContext: {privileged: true}\n",
                ),
                concat!(
                    "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec:\n  template:\n    spec:\n",
                    "      initContainers:\n      - image: busybox:1.36\n        name: wait\n",
                    "        securityContext:\n          allowPrivilegeEscalation: false\n",
                    "      containers:\n      - name: migrate\n        image: migrate:4\n",
                    "        securityContext:\n          runAsNonRoot: true  # uid from the image\n",
                    "          allowPrivilegeEscalation: false\n",
                    "      - name: admin   # privileged: cannot be fixed\n        image: busybox:1.36\n",
                    "        securityContext: {privileged: true}\n",
                ),
            )
            .snapshot();
    }

    #[test]
    fn versions() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  os: {name: windows}\n  containers:\n  - name: a\n    image: app:1\n";
        let r = Some(PssLevel::Restricted);
        assert!(
            lines(&AllowPrivilegeEscalationUnset, pod, r, 7).is_empty(),
            "the field exists from v1.8"
        );
        assert_eq!(lines(&AllowPrivilegeEscalationUnset, pod, r, 8), [7]);
        assert_eq!(lines(&AllowPrivilegeEscalationUnset, pod, r, 24), [7]);
        assert!(
            lines(&AllowPrivilegeEscalationUnset, pod, r, 25).is_empty(),
            "Windows pods are exempt from v1.25"
        );
        let linux = pod.replace("windows", "linux");
        assert!(
            lines(
                &AllowPrivilegeEscalationUnset,
                &linux,
                Some(PssLevel::Baseline),
                37
            )
            .is_empty()
        );
    }
}
