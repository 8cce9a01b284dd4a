use super::run_as_root::{FIX, require_non_root};
use crate::model::{Object, PodSpec};
use crate::pss::{self, Detail, Levels, Out, PssControl, Versions};
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::{Label, NodeRef};

declare_rule! {
    /// ## What it flags
    /// A container (init and ephemeral included) for which nothing says `runAsNonRoot: true`:
    /// neither the container's `securityContext` nor the pod's sets `runAsNonRoot`. The container
    /// then runs as whatever user its image names, root for most images.
    ///
    /// An explicit `runAsNonRoot: false` or `runAsUser: 0` is `run-as-root` (high); this rule is
    /// the weaker, far more common case of a setting left out, so it has its own id and severity.
    /// A Restricted control; from v1.35, pods with `hostUsers: false` are exempt.
    ///
    /// ## Why it matters
    /// Most images run as root unless told otherwise. Root in a container is root on the node's
    /// kernel: one kernel or runtime bug, a hostPath mount or a capability away from the node.
    /// `runAsNonRoot: true` makes the kubelet refuse to start a container whose user is 0.
    /// `runAsUser` alone is not enough: a container may override it, and the kubelet only
    /// enforces a non-root user when `runAsNonRoot` asks it to.
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
    ///     runAsNonRoot: true
    ///     runAsUser: 10001
    ///   containers:
    ///   - name: web
    ///     image: nginxinc/nginx-unprivileged:1.27
    /// ```
    ///
    /// ## References
    /// - Pod Security Standards (Restricted): Running as Non-root, <https://kubernetes.io/docs/concepts/security/pod-security-standards/>
    /// - pod-security-admission `policy/check_runAsNonRoot.go`
    pub NonRootNotRequired {
        id: "non-root-not-required",
        category: PodSecurity,
        severity: Medium,
        summary: "container does not require a non-root user",
        since: "0.1.0",
        pss: Restricted,
        fix: Unsafe("Sets `runAsNonRoot: true` in the pod's `securityContext` (one change for every container that leaves it out; containers that set it keep their own). Unsafe: the kubelet then refuses to start a container whose image runs as root (user 0 or a user name) and sets no numeric `runAsUser`, and many images do. No fix where the pod or a container asks for `runAsUser: 0`: the two together never start."),
    }
}

impl Rule for NonRootNotRequired {
    fn check_pod(&self, _obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        pss::report(self, pod, cx);
    }
}

impl PssControl for NonRootNotRequired {
    fn check(&self, pod: &PodSpec<'_>, out: &mut Out) {
        // The pod's value, when set, is inherited: `false` is `run-as-root`, `true` passes.
        if pod.sc("runAsNonRoot").and_then(NodeRef::as_bool).is_some() {
            return;
        }
        let fixes = out.fixes;
        let pod_sc = pod.ptr.key("securityContext");
        let levels = Levels::restricted(Versions::ALL.minus(pss::userns_exempt(pod)));
        let pod_uid = pod.sc("runAsUser").and_then(NodeRef::as_i64);
        for c in &pod.containers {
            if c.sc("runAsNonRoot").and_then(NodeRef::as_bool).is_some() {
                continue;
            }
            let at = pss::missing_in_container(c, &["securityContext", "runAsNonRoot"])
                .label("no `runAsNonRoot: true`");
            out.flag(levels, at, || {
                let uid = c
                    .sc("runAsUser")
                    .and_then(NodeRef::as_i64)
                    .or(pod_uid)
                    .filter(|u| *u != 0);
                let note = uid.map_or(String::new(), |u| {
                    format!(" (`runAsUser: {u}` is not enough)")
                });
                Detail::new(
                    format!(
                        "{} may run as root: neither it nor the pod sets `runAsNonRoot: true`{note}; the Restricted level requires it",
                        c.describe()
                    ),
                    FIX,
                )
                .related_opt(
                    pod.security_context()
                        .map(|_| Label::missing(pod.ptr.join(["securityContext", "runAsNonRoot"]))),
                    "the pod-level securityContext does not set it either",
                )
                .fix_if(fixes, || require_non_root(pod, pod_sc.clone()))
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::NonRootNotRequired;
    use crate::pss::lines;
    use crate::rule::PssLevel;
    use crate::testing::RuleTest;

    #[test]
    fn non_root_not_required() {
        RuleTest::of(&NonRootNotRequired)
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext: {runAsNonRoot: true}\n",
                "  containers:\n  - name: a\n    image: nginx:1.27\n",
            ))
            // Explicit root is `run-as-root`, not this rule.
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext: {runAsNonRoot: false}\n",
                "  containers:\n  - name: a\n    image: nginx:1.27\n",
            ))
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    image: nginx:1.27\n",
                "    securityContext: {runAsNonRoot: false}\n",
            ))
            .fail(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext:\n    runAsUser: 1000\n",
                "  containers:\n  - name: a   #~ non-root-not-required\n    image: nginx:1.27\n",
                "  - name: b\n    image: nginx:1.27\n    securityContext:   #~ non-root-not-required\n      runAsGroup: 1000\n",
                "  - name: c\n    image: nginx:1.27\n    securityContext: {runAsNonRoot: true}\n",
            ))
            .unsafe_fixes(
                concat!(
                    "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext:\n    runAsUser: 1000\n",
                    "  containers:\n  - name: a\n    image: nginx:1.27\n",
                    "  - name: b\n    image: nginx:1.27\n    securityContext: {runAsGroup: 1000}\n",
                ),
                concat!(
                    "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext:\n    runAsUser: 1000\n    runAsNonRoot: true\n",
                    "  containers:\n  - name: a\n    image: nginx:1.27\n",
                    "  - name: b\n    image: nginx:1.27\n    securityContext: {runAsGroup: 1000}\n",
                ),
            )
            .snapshot();
    }

    #[test]
    fn versions() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  hostUsers: false\n  containers: [{name: a, image: app:1}]\n";
        let r = Some(PssLevel::Restricted);
        assert_eq!(lines(&NonRootNotRequired, pod, r, 34), [6]);
        assert!(
            lines(&NonRootNotRequired, pod, r, 35).is_empty(),
            "user namespaces relax it from v1.35"
        );
        assert!(lines(&NonRootNotRequired, pod, Some(PssLevel::Baseline), 30).is_empty());
    }
}
