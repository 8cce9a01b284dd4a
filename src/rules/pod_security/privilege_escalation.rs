use crate::model::{Container, Object, PodSpec};
use crate::pss::{self, Detail, Levels, Out, PssControl, Versions};
use crate::rule::{Context, Fix, FixKind, Rule, declare_rule};
use crate::yaml::{Change, NodeRef, Scalar};

declare_rule! {
    /// ## What it flags
    /// A container (init and ephemeral included) that sets
    /// `securityContext.allowPrivilegeEscalation: true`.
    /// Pod-security-admission applies this Restricted control from v1.8 (when the field appeared);
    /// Windows pods (`spec.os.name: windows`) are exempt from v1.25.
    ///
    /// A container that leaves the setting out (unset means allowed) is the separate rule
    /// `allow-privilege-escalation-unset` (medium), so that every finding of this rule is high.
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
    ///     securityContext:
    ///       allowPrivilegeEscalation: true
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
    pub PrivilegeEscalation {
        id: "privilege-escalation",
        category: PodSecurity,
        severity: High,
        summary: "container is allowed to gain more privileges than its parent process",
        since: "0.1.0",
        pss: Restricted,
        fix: Safe("Sets `allowPrivilegeEscalation: false` in place of the explicit `true` (a setting left out is `allow-privilege-escalation-unset`, which has the same fix). Safe: it sets `no_new_privs`, which only stops setuid/setgid binaries and file capabilities from raising privileges; a program that runs today without relying on them starts as before. Not offered for a privileged container or one that adds `CAP_SYS_ADMIN`: the API server rejects `allowPrivilegeEscalation: false` there."),
    }
}

impl Rule for PrivilegeEscalation {
    fn check_pod(&self, _obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        pss::report(self, pod, cx);
    }
}

pub(super) const FIX: &str = "Set it explicitly in the container:\n```yaml\nsecurityContext:\n  allowPrivilegeEscalation: false\n```";

/// `allowPrivilegeEscalation: false`, unless the API server would reject it beside what the
/// container sets (`privileged: true`, `CAP_SYS_ADMIN` added). `allow-privilege-escalation-unset`
/// makes the same fix.
pub(super) fn fix(c: &Container<'_>) -> Option<Fix> {
    let privileged = c.sc("privileged").and_then(NodeRef::as_bool) == Some(true);
    let sys_admin = c
        .sc("capabilities")
        .and_then(|caps| caps.get("add"))
        .into_iter()
        .flat_map(NodeRef::items)
        .any(|i| matches!(pss::shown(i), "SYS_ADMIN" | "CAP_SYS_ADMIN"));
    (!privileged && !sys_admin).then(|| Fix {
        kind: FixKind::Safe,
        title: "set `allowPrivilegeEscalation: false`".into(),
        changes: vec![Change::set(
            c.ptr.join(["securityContext", "allowPrivilegeEscalation"]),
            Scalar::Bool(false),
        )],
    })
}

impl PssControl for PrivilegeEscalation {
    fn check(&self, pod: &PodSpec<'_>, out: &mut Out) {
        let levels = Levels::restricted(Versions::since(8).minus(pss::windows_exempt(pod)));
        let fixes = out.fixes;
        for c in &pod.containers {
            // Not set at all is `allow-privilege-escalation-unset`.
            if c.sc("allowPrivilegeEscalation").and_then(NodeRef::as_bool) != Some(true) {
                continue;
            }
            let at = c
                .at(["securityContext", "allowPrivilegeEscalation"])
                .label("privilege escalation allowed here");
            out.flag(levels, at, || {
                Detail::new(
                    format!(
                        "{} sets `allowPrivilegeEscalation: true`; the Restricted level requires `allowPrivilegeEscalation: false`",
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
    use super::PrivilegeEscalation;
    use crate::pss::lines;
    use crate::rule::PssLevel;
    use crate::testing::RuleTest;

    #[test]
    fn privilege_escalation() {
        RuleTest::of(&PrivilegeEscalation)
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    image: nginx:1.27\n",
                "    securityContext: {allowPrivilegeEscalation: false}\n",
            ))
            // Not set is `allow-privilege-escalation-unset`, not this rule.
            .pass("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    image: app:1\n")
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  os: {name: windows}\n  containers:\n  - name: a\n    image: app:1\n",
                "    securityContext: {allowPrivilegeEscalation: true}\n",
            ))
            .fail(concat!(
                "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec:\n  template:\n    spec:\n",
                "      initContainers:\n      - image: busybox:1.36\n        name: wait\n",
                "        securityContext:\n          allowPrivilegeEscalation: true   #~ privilege-escalation\n",
                "      containers:\n      - name: migrate\n        image: migrate:4\n",
                "        securityContext:\n          runAsNonRoot: true\n",
                "      - name: debug\n        image: busybox:1.36\n",
                "        securityContext: {allowPrivilegeEscalation: yes}   #~ privilege-escalation\n",
            ))
            .fixes(
                concat!(
                    "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec:\n  template:\n    spec:\n",
                    "      containers:\n      - name: debug\n        image: busybox:1.36\n",
                    "        securityContext: {allowPrivilegeEscalation: yes}\n",
                    "      - name: admin   # privileged: cannot be fixed\n        image: busybox:1.36\n",
                    "        securityContext: {privileged: true, allowPrivilegeEscalation: true}\n",
                ),
                concat!(
                    "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec:\n  template:\n    spec:\n",
                    "      containers:\n      - name: debug\n        image: busybox:1.36\n",
                    "        securityContext: {allowPrivilegeEscalation: false}\n",
                    "      - name: admin   # privileged: cannot be fixed\n        image: busybox:1.36\n",
                    "        securityContext: {privileged: true, allowPrivilegeEscalation: true}\n",
                ),
            )
            .snapshot();
    }

    #[test]
    fn versions() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  os: {name: windows}\n  containers:\n  - name: a\n    image: app:1\n    securityContext: {allowPrivilegeEscalation: true}\n";
        let r = Some(PssLevel::Restricted);
        assert!(
            lines(&PrivilegeEscalation, pod, r, 7).is_empty(),
            "the field exists from v1.8"
        );
        assert_eq!(lines(&PrivilegeEscalation, pod, r, 8), [9]);
        assert_eq!(lines(&PrivilegeEscalation, pod, r, 24), [9]);
        assert!(
            lines(&PrivilegeEscalation, pod, r, 25).is_empty(),
            "Windows pods are exempt from v1.25"
        );
        assert!(
            lines(
                &PrivilegeEscalation,
                &pod.replace("windows", "linux"),
                Some(PssLevel::Baseline),
                37
            )
            .is_empty()
        );
    }
}
