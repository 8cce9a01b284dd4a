use crate::model::{Object, PodSpec};
use crate::pss::{self, Detail, Levels, Out, PssControl, Versions};
use crate::rule::{Context, Fix, FixKind, Rule, declare_rule};
use crate::yaml::{Change, NodeRef, Pointer, Scalar};

declare_rule! {
    /// ## What it flags
    /// A pod or container (init and ephemeral included) that asks for root explicitly:
    /// - `runAsNonRoot: false`, at pod or container level (a container value overrides the pod's);
    /// - or `runAsUser: 0`, at pod or container level (pod-security-admission checks this from v1.23).
    ///
    /// A container that sets neither `runAsNonRoot: true` nor inherits it is the separate rule
    /// `non-root-not-required` (medium), so that every finding of this rule is high.
    ///
    /// Both are Restricted controls. From v1.35, pods with `hostUsers: false` are exempt: in a user
    /// namespace, root in the container is an unprivileged user on the node.
    ///
    /// ## Why it matters
    /// Most images run as root unless told otherwise. Root in a container is root on the node's
    /// kernel: one kernel or runtime bug, a hostPath mount or a capability away from the node.
    /// `runAsNonRoot: true` makes the kubelet refuse to start a container whose user is 0.
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
    ///       runAsUser: 0
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
    /// - Pod Security Standards (Restricted): Running as Non-root, Running as Non-root user, <https://kubernetes.io/docs/concepts/security/pod-security-standards/>
    /// - pod-security-admission `policy/check_runAsNonRoot.go`, `policy/check_runAsUser.go`
    pub RunAsRoot {
        id: "run-as-root",
        category: PodSecurity,
        severity: High,
        summary: "pod or container explicitly allows running as root",
        since: "0.1.0",
        pss: Restricted,
        fix: Unsafe("Sets `runAsNonRoot: true` in place of an explicit `runAsNonRoot: false` (a setting left out is `non-root-not-required`, which has the same fix). Unsafe: the kubelet then refuses to start a container whose image runs as root (user 0 or a user name) and sets no numeric `runAsUser`, and many images do. No fix for `runAsUser: 0`: which user the image works as is not known here."),
    }
}

impl Rule for RunAsRoot {
    fn check_pod(&self, _obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        pss::report(self, pod, cx);
    }
}

/// The help of both halves of the check (`non-root-not-required` shares it).
pub(super) const FIX: &str = "Require a non-root user for the whole pod:\n```yaml\nsecurityContext:\n  runAsNonRoot: true\n  runAsUser: 10001  # any non-zero UID the image works with\n```";

/// `runAsNonRoot: true` in the security context at `sc`, unless user 0 is asked for somewhere
/// in the pod (the two together never start). `non-root-not-required` makes the same fix.
pub(super) fn require_non_root(pod: &PodSpec<'_>, sc: Pointer) -> Option<Fix> {
    let uid0 = |n: Option<NodeRef<'_>>| n.and_then(NodeRef::as_i64) == Some(0);
    if uid0(pod.sc("runAsUser")) || pod.containers.iter().any(|c| uid0(c.sc("runAsUser"))) {
        return None;
    }
    Some(Fix {
        kind: FixKind::Unsafe,
        title: "set `runAsNonRoot: true`".into(),
        changes: vec![Change::set(sc.key("runAsNonRoot"), Scalar::Bool(true))],
    })
}

impl PssControl for RunAsRoot {
    fn check(&self, pod: &PodSpec<'_>, out: &mut Out) {
        let fixes = out.fixes;
        let pod_sc = pod.ptr.key("securityContext");
        let userns = pss::userns_exempt(pod);
        let non_root = Levels::restricted(Versions::ALL.minus(userns));
        let uid0 = Levels::restricted(Versions::since(23).minus(userns));

        let pod_non_root = pod.sc("runAsNonRoot").and_then(NodeRef::as_bool);
        let pod_uid = pod.sc("runAsUser").and_then(NodeRef::as_i64);
        if pod_non_root == Some(false) {
            out.flag(non_root, pod.at(["securityContext", "runAsNonRoot"]).label("root allowed for the whole pod"), || {
                Detail::new(
                    "pod sets `runAsNonRoot: false`; the Restricted level requires `runAsNonRoot: true` for the pod and every container",
                    FIX,
                )
                .fix_if(fixes, || require_non_root(pod, pod_sc.clone()))
            });
        }
        if pod_uid == Some(0) {
            out.flag(
                uid0,
                pod.at(["securityContext", "runAsUser"])
                    .label("root user for the whole pod"),
                || {
                    Detail::new(
                        "pod sets `runAsUser: 0` (root); the Restricted level forbids user 0",
                        FIX,
                    )
                },
            );
        }

        for c in &pod.containers {
            // Not set at all (neither here nor on the pod) is `non-root-not-required`.
            if c.sc("runAsNonRoot").and_then(NodeRef::as_bool) == Some(false) {
                let at = c
                    .at(["securityContext", "runAsNonRoot"])
                    .label("root allowed here");
                out.flag(non_root, at, || {
                    Detail::new(
                        format!("{} sets `runAsNonRoot: false`; the Restricted level requires `runAsNonRoot: true`", c.describe()),
                        "Set `runAsNonRoot: true` (or remove the container's setting so that it inherits the pod's `runAsNonRoot: true`).",
                    )
                    .related_opt(
                        (pod_non_root == Some(true)).then(|| pod.at(["securityContext", "runAsNonRoot"])),
                        "overrides the pod-level setting",
                    )
                    .fix_if(fixes, || require_non_root(pod, c.ptr.key("securityContext")))
                });
            }
            if c.sc("runAsUser").and_then(NodeRef::as_i64) == Some(0) {
                let at = c
                    .at(["securityContext", "runAsUser"])
                    .label("runs as root (user 0)");
                out.flag(uid0, at, || {
                    Detail::new(
                        format!("{} sets `runAsUser: 0` (root); the Restricted level forbids user 0", c.describe()),
                        "Set a non-zero `runAsUser` the image works with, e.g. `runAsUser: 10001`, and `runAsNonRoot: true`.",
                    )
                    .related_opt(
                        pod_uid.filter(|u| *u != 0).map(|_| pod.at(["securityContext", "runAsUser"])),
                        "overrides the pod-level user",
                    )
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RunAsRoot;
    use crate::pss::lines;
    use crate::rule::PssLevel;
    use crate::testing::RuleTest;

    #[test]
    fn run_as_root() {
        RuleTest::of(&RunAsRoot)
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext: {runAsNonRoot: true, runAsUser: 1000}\n",
                "  containers:\n  - name: a\n    image: nginx:1.27\n  - name: b\n    image: nginx:1.27\n    securityContext: {runAsUser: 2000}\n",
            ))
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    image: nginx:1.27\n",
                "    securityContext: {runAsNonRoot: true}\n  initContainers:\n  - name: b\n    image: nginx:1.27\n    securityContext: {runAsNonRoot: true}\n",
            ))
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  hostUsers: false\n  securityContext: {runAsUser: 0}\n",
                "  containers:\n  - name: a\n    image: nginx:1.27\n",
            ))
            .fail(concat!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n",
                "      securityContext:\n        runAsNonRoot: true\n        runAsUser: 1000\n",
                "      containers:\n      - name: web\n        image: nginx:1.27\n        securityContext:\n",
                "          runAsNonRoot: false   #~ run-as-root\n          runAsUser: 0   #~ run-as-root\n",
            ))
            // Not set is `non-root-not-required`, not this rule.
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext:\n    runAsUser: 1000\n",
                "  containers:\n  - name: a\n    image: nginx:1.27\n",
            ))
            .fail(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext:\n",
                "    runAsNonRoot: false   #~ run-as-root\n    runAsUser: 0x0   #~ run-as-root\n",
                "  containers:\n  - name: a\n    image: nginx:1.27\n    securityContext: {runAsNonRoot: true}\n",
            ))
            .unsafe_fixes(
                concat!(
                    "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext:\n    runAsUser: 1000\n",
                    "  containers:\n  - name: b\n    image: nginx:1.27\n    securityContext:\n      runAsNonRoot: false\n",
                ),
                concat!(
                    "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext:\n    runAsUser: 1000\n",
                    "  containers:\n  - name: b\n    image: nginx:1.27\n    securityContext:\n      runAsNonRoot: true\n",
                ),
            )
            .unsafe_fixes(
                concat!(
                    "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext:\n    runAsNonRoot: false\n",
                    "  containers:\n  - name: a\n    image: nginx:1.27\n",
                ),
                concat!(
                    "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext:\n    runAsNonRoot: true\n",
                    "  containers:\n  - name: a\n    image: nginx:1.27\n",
                ),
            )
            .snapshot();
    }

    #[test]
    fn versions() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  hostUsers: false\n  securityContext: {runAsNonRoot: true, runAsUser: 0}\n  containers: [{name: a, image: app:1}]\n";
        let r = Some(PssLevel::Restricted);
        assert!(
            lines(&RunAsRoot, pod, r, 22).is_empty(),
            "runAsUser is checked from v1.23"
        );
        assert_eq!(lines(&RunAsRoot, pod, r, 23), [6]);
        assert_eq!(lines(&RunAsRoot, pod, r, 34), [6]);
        assert!(
            lines(&RunAsRoot, pod, r, 35).is_empty(),
            "user namespaces relax it from v1.35"
        );
        assert!(lines(&RunAsRoot, pod, Some(PssLevel::Baseline), 30).is_empty());
    }
}
