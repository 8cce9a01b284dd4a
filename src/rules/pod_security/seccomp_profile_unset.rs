use crate::model::{Object, PodSpec};
use crate::pss::{self, Detail, Levels, Out, PssControl, Versions};
use crate::rule::{Context, Fix, FixKind, Rule, declare_rule};
use crate::yaml::{Change, Label, Pointer, Scalar};

declare_rule! {
    /// ## What it flags
    /// A container (init and ephemeral included) with no seccomp profile at all: neither its
    /// `securityContext` nor the pod's sets `seccompProfile`. A Restricted control from policy
    /// v1.19; Windows pods (`spec.os.name: windows`) are exempt from v1.25.
    ///
    /// A profile switched off explicitly (`type: Unconfined`) is `seccomp-profile` (high); this
    /// rule is the weaker, far more common case of a setting left out, so it has its own id and
    /// severity.
    ///
    /// ## Why it matters
    /// Seccomp filters the system calls a container may make. Kubernetes does not apply the
    /// runtime's default profile unless asked (or unless the kubelet runs with `seccompDefault`),
    /// so without a profile every syscall of the node's kernel is reachable, including the rarely
    /// used ones behind many container escapes (`unshare`, `keyctl`, `bpf`, `userfaultfd`).
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
    ///   securityContext:
    ///     seccompProfile: {type: RuntimeDefault}
    ///   containers:
    ///   - name: web
    ///     image: nginx:1.27
    /// ```
    ///
    /// ## References
    /// - Pod Security Standards (Restricted): Seccomp, <https://kubernetes.io/docs/concepts/security/pod-security-standards/>
    /// - pod-security-admission `policy/check_seccompProfile_restricted.go`
    /// - <https://kubernetes.io/docs/tutorials/security/seccomp/>
    pub SeccompProfileUnset {
        id: "seccomp-profile-unset",
        category: PodSecurity,
        severity: Medium,
        summary: "container runs without a seccomp profile",
        since: "0.1.0",
        pss: Restricted,
        fix: Safe("Sets `seccompProfile: {type: RuntimeDefault}` in the pod's `securityContext` (one change for every container of the pod that sets no profile of its own). Safe: the runtime's default profile blocks only system calls that ordinary programs do not make (`RuntimeDefault` is what most managed clusters apply by default)."),
    }
}

impl Rule for SeccompProfileUnset {
    fn check_pod(&self, _obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        pss::report(self, pod, cx);
    }
}

const FIX: &str = "Apply the container runtime's default profile to the whole pod:\n```yaml\nsecurityContext:\n  seccompProfile:\n    type: RuntimeDefault\n```";

/// `seccompProfile: {type: RuntimeDefault}` at `profile_ptr` (the pod's, which sets none).
fn runtime_default(profile_ptr: &Pointer) -> Fix {
    Fix {
        kind: FixKind::Safe,
        title: "set `seccompProfile.type: RuntimeDefault`".into(),
        changes: vec![Change::set(
            profile_ptr.key("type"),
            Scalar::str("RuntimeDefault"),
        )],
    }
}

impl PssControl for SeccompProfileUnset {
    fn check(&self, pod: &PodSpec<'_>, out: &mut Out) {
        // A pod-level profile is inherited: valid passes, explicitly bad is `seccomp-profile`.
        if pod.sc("seccompProfile").is_some() {
            return;
        }
        let fixes = out.fixes;
        let pod_ptr = pod.ptr.join(["securityContext", "seccompProfile"]);
        let levels = Levels::restricted(Versions::since(19).minus(pss::windows_exempt(pod)));
        for c in &pod.containers {
            if c.sc("seccompProfile").is_some() {
                continue;
            }
            let at = pss::missing_in_container(c, &["securityContext", "seccompProfile"])
                .label("no seccomp profile");
            out.flag(levels, at, || {
                Detail::new(
                    format!(
                        "{} runs without a seccomp profile: neither it nor the pod sets `seccompProfile`; the Restricted level requires RuntimeDefault or Localhost",
                        c.describe()
                    ),
                    FIX,
                )
                .related_opt(
                    pod.security_context().map(|_| {
                        Label::missing(pod.ptr.join(["securityContext", "seccompProfile"]))
                    }),
                    "the pod-level securityContext sets no profile",
                )
                .fix_if(fixes, || Some(runtime_default(&pod_ptr)))
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SeccompProfileUnset;
    use crate::pss::lines;
    use crate::rule::PssLevel;
    use crate::testing::RuleTest;

    #[test]
    fn seccomp_profile_unset() {
        RuleTest::of(&SeccompProfileUnset)
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext:\n    seccompProfile: {type: RuntimeDefault}\n",
                "  containers:\n  - name: a\n    image: nginx:1.27\n",
            ))
            // Switched off explicitly is `seccomp-profile`, not this rule.
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    image: nginx:1.27\n",
                "    securityContext: {seccompProfile: {type: Unconfined}}\n",
            ))
            .pass("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  os: {name: windows}\n  containers:\n  - name: a\n    image: app:1\n")
            .fail(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext:\n    runAsNonRoot: true\n",
                "  containers:\n  - name: a   #~ seccomp-profile-unset\n    image: nginx:1.27\n",
                "  - name: b\n    image: nginx:1.27\n    securityContext:   #~ seccomp-profile-unset\n      runAsUser: 1000\n",
                "  - name: c\n    image: nginx:1.27\n    securityContext:\n      seccompProfile: {type: Localhost, localhostProfile: p.json}\n",
            ))
            // Unset everywhere: one pod-level profile for both containers.
            .fixes(
                concat!(
                    "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext:\n    runAsNonRoot: true\n",
                    "  containers:\n  - name: a\n    image: nginx:1.27\n",
                    "  - name: b\n    image: nginx:1.27\n    securityContext:\n      runAsUser: 1000\n",
                ),
                concat!(
                    "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext:\n    runAsNonRoot: true\n",
                    "    seccompProfile:\n      type: RuntimeDefault\n",
                    "  containers:\n  - name: a\n    image: nginx:1.27\n",
                    "  - name: b\n    image: nginx:1.27\n    securityContext:\n      runAsUser: 1000\n",
                ),
            )
            .snapshot();
    }

    #[test]
    fn versions() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: a, image: app:1}]\n";
        let r = Some(PssLevel::Restricted);
        assert!(
            lines(&SeccompProfileUnset, pod, r, 18).is_empty(),
            "before v1.19 only the annotations count"
        );
        assert_eq!(lines(&SeccompProfileUnset, pod, r, 19), [5]);
        let windows = pod.replace("spec:\n", "spec:\n  os: {name: windows}\n");
        assert_eq!(lines(&SeccompProfileUnset, &windows, r, 24), [6]);
        assert!(lines(&SeccompProfileUnset, &windows, r, 25).is_empty());
        assert!(lines(&SeccompProfileUnset, pod, Some(PssLevel::Baseline), 37).is_empty());
    }
}
