use crate::model::{Object, PodSpec};
use crate::pss::{self, Detail, Levels, Out, PssControl, Versions};
use crate::rule::{Context, Fix, FixKind, Rule, declare_rule};
use crate::yaml::{Change, Label, NodeRef, Pointer, Scalar, Seg};

declare_rule! {
    /// ## What it flags
    /// Seccomp switched off explicitly, as pod-security-admission judges it:
    /// - Baseline: a `seccompProfile.type` other than `RuntimeDefault` or `Localhost` at pod or
    ///   container level (i.e. `Unconfined`). Before policy v1.19, the alpha annotations
    ///   `seccomp.security.alpha.kubernetes.io/pod` and
    ///   `container.seccomp.security.alpha.kubernetes.io/<container>` instead, whose value must be
    ///   `runtime/default`, `docker/default` or `localhost/<profile>`.
    /// - Restricted (v1.19+): the same explicit values; Windows pods (`spec.os.name: windows`)
    ///   are exempt from v1.25.
    ///
    /// A container with no profile at all (neither it nor the pod sets `seccompProfile`) is the
    /// separate rule `seccomp-profile-unset` (medium), so that every finding of this rule is high.
    ///
    /// ## Why it matters
    /// Seccomp filters the system calls a container may make. Without it, every syscall of the
    /// node's kernel is reachable, including the rarely used ones behind many container escapes
    /// (`unshare`, `keyctl`, `bpf`, `userfaultfd`). Kubernetes does not apply the runtime's default
    /// profile unless asked (or unless the kubelet runs with `seccompDefault`).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   securityContext:
    ///     seccompProfile: {type: Unconfined}
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
    /// - Pod Security Standards (Baseline and Restricted): Seccomp, <https://kubernetes.io/docs/concepts/security/pod-security-standards/>
    /// - pod-security-admission `policy/check_seccompProfile_baseline.go`, `policy/check_seccompProfile_restricted.go`
    /// - <https://kubernetes.io/docs/tutorials/security/seccomp/>
    pub SeccompProfile {
        id: "seccomp-profile",
        category: PodSecurity,
        severity: High,
        summary: "seccomp is disabled",
        since: "0.1.0",
        pss: Baseline,
        fix: Unsafe("Sets `type: RuntimeDefault` in the profile that says `Unconfined` (or no type). Unsafe: someone switched seccomp off on purpose, and the program may need a system call the default profile blocks. A profile left out is `seccomp-profile-unset`, whose fix is safe. No fix for the alpha annotations, nor for a profile that names a `localhostProfile`."),
    }
}

impl Rule for SeccompProfile {
    fn check_pod(&self, _obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        pss::report(self, pod, cx);
    }
}

const POD_KEY: &str = "seccomp.security.alpha.kubernetes.io/pod";
const CONTAINER_KEY: &str = "container.seccomp.security.alpha.kubernetes.io/";
const FIX: &str = "Apply the container runtime's default profile to the whole pod:\n```yaml\nsecurityContext:\n  seccompProfile:\n    type: RuntimeDefault\n```";

/// `type: RuntimeDefault` in the profile at `profile_ptr` (a `localhostProfile` beside it would
/// be rejected).
fn runtime_default(
    kind: FixKind,
    profile_ptr: &Pointer,
    profile: Option<NodeRef<'_>>,
) -> Option<Fix> {
    if profile.is_some_and(|p| p.get("localhostProfile").is_some()) {
        return None;
    }
    Some(Fix {
        kind,
        title: "set `seccompProfile.type: RuntimeDefault`".into(),
        changes: vec![Change::set(
            profile_ptr.key("type"),
            Scalar::str("RuntimeDefault"),
        )],
    })
}

/// The `type` of a set `seccompProfile` (empty when missing), and whether it is allowed.
fn profile_type(profile: NodeRef<'_>) -> (&str, bool) {
    let t = profile
        .get("type")
        .filter(|t| !t.is_null())
        .map_or("", pss::shown);
    (t, matches!(t, "RuntimeDefault" | "Localhost"))
}

fn valid_annotation(v: &str) -> bool {
    v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/")
}

impl PssControl for SeccompProfile {
    fn check(&self, pod: &PodSpec<'_>, out: &mut Out) {
        check_annotations(pod, out);
        let windows = pss::windows_exempt(pod);
        // An explicit bad value: baseline from v1.19; at restricted the restricted check (which
        // overrides the baseline one) rejects it too, except for Windows pods from v1.25.
        let explicit = Levels::baseline(Versions::since(19)).restricted_minus(windows);

        let fixes = out.fixes;
        let pod_profile = pod.sc("seccompProfile");
        let pod_ptr = pod.ptr.join(["securityContext", "seccompProfile"]);
        let pod_state = pod_profile.map(profile_type);
        if let Some((t, false)) = pod_state {
            let at = type_label(pod_ptr.clone(), pod_profile);
            out.flag(explicit, at.label("seccomp disabled for the whole pod"), || {
                Detail::new(
                    format!("pod sets `seccompProfile.type: {}`; the Baseline level allows only RuntimeDefault or Localhost", or_empty(t)),
                    FIX,
                )
                .fix_if(fixes, || runtime_default(FixKind::Unsafe, &pod_ptr, pod_profile))
            });
        }
        for c in &pod.containers {
            // Without its own profile a container inherits the pod's (fine if valid, already
            // reported if explicitly bad), or has none at all: `seccomp-profile-unset`.
            let Some(profile) = c.sc("seccompProfile") else {
                continue;
            };
            let (t, ok) = profile_type(profile);
            if ok {
                continue;
            }
            let ptr = c.ptr.join(["securityContext", "seccompProfile"]);
            let at = type_label(ptr.clone(), Some(profile));
            out.flag(explicit, at.label("seccomp disabled here"), || {
                Detail::new(
                    format!(
                        "{} sets `seccompProfile.type: {}`; the Baseline level allows only RuntimeDefault or Localhost",
                        c.describe(),
                        or_empty(t)
                    ),
                    "Set `seccompProfile: {type: RuntimeDefault}` on the container, or remove it so that the container inherits the pod's profile.",
                )
                .related_opt(
                    matches!(pod_state, Some((_, true))).then(|| pod.at(["securityContext", "seccompProfile"])),
                    "overrides the pod-level profile",
                )
                .fix_if(fixes, || runtime_default(FixKind::Unsafe, &ptr, Some(profile)))
            });
        }
    }
}

/// Policy versions before v1.19 read the alpha annotations instead of the field.
fn check_annotations(pod: &PodSpec<'_>, out: &mut Out) {
    let levels = Levels::baseline(Versions::before(19));
    for (key, value) in pod.annotations() {
        let value = pss::shown(value);
        if valid_annotation(value) {
            continue;
        }
        let who = if key == POD_KEY {
            "pod".to_owned()
        } else if let Some(name) = key.strip_prefix(CONTAINER_KEY) {
            match pod.containers.iter().find(|c| c.name == Some(name)) {
                Some(c) => c.describe(),
                None => continue,
            }
        } else {
            continue;
        };
        let at = Label::at(
            pod.meta_ptr
                .join([Seg::from("annotations"), Seg::from(key.to_owned())]),
        )
        .label("seccomp disabled here");
        out.flag(levels, at, || {
            Detail::new(
                format!(
                    "the seccomp annotation of the {who} is `{}`; Baseline (policy before v1.19) allows only runtime/default, docker/default or localhost/<profile>",
                    or_empty(value)
                ),
                "Set the annotation to `runtime/default`, or better, use the `securityContext.seccompProfile: {type: RuntimeDefault}` field (the annotations are deprecated since Kubernetes v1.19).",
            )
        });
    }
}

/// The `type:` entry of a profile when present, else the `seccompProfile:` key.
fn type_label(profile_ptr: crate::yaml::Pointer, profile: Option<NodeRef<'_>>) -> Label {
    if profile.and_then(|p| p.get("type")).is_some() {
        Label::at(profile_ptr.key("type"))
    } else {
        Label::at(profile_ptr)
    }
}

fn or_empty(s: &str) -> &str {
    if s.is_empty() { "\"\"" } else { s }
}

#[cfg(test)]
mod tests {
    use super::SeccompProfile;
    use crate::pss::lines;
    use crate::rule::PssLevel;
    use crate::testing::RuleTest;

    #[test]
    fn seccomp_profile() {
        RuleTest::of(&SeccompProfile)
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext:\n    seccompProfile: {type: RuntimeDefault}\n",
                "  containers:\n  - name: a\n    image: nginx:1.27\n  - name: b\n    image: nginx:1.27\n",
                "    securityContext: {seccompProfile: {type: Localhost, localhostProfile: prof.json}}\n",
            ))
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    image: nginx:1.27\n",
                "    securityContext: {seccompProfile: {type: RuntimeDefault}}\n",
            ))
            .pass("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  os: {name: windows}\n  containers:\n  - name: a\n    image: app:1\n")
            .fail(concat!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n",
                "      securityContext:\n        seccompProfile:\n          type: RuntimeDefault\n",
                "      initContainers:\n      - name: init\n        image: busybox:1.36\n",
                "        securityContext:\n          seccompProfile: {type: Unconfined}   #~ seccomp-profile\n",
                "      containers:\n      - name: web\n        image: nginx:1.27\n",
            ))
            .fail(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext:\n    runAsNonRoot: true\n",
                "  containers:\n  - name: a\n    image: nginx:1.27\n",
                "  - name: c\n    image: nginx:1.27\n    securityContext:\n      seccompProfile: {}   #~ seccomp-profile\n",
            ))
            .fail(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext:\n",
                "    seccompProfile:\n      type: Unconfined   #~ seccomp-profile\n",
                "  containers:\n  - name: a\n    image: nginx:1.27\n",
            ))
            // `Unconfined` on purpose: only with --unsafe-fixes, in the quoting it was written in.
            .unsafe_fixes(
                concat!(
                    "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext:\n",
                    "    seccompProfile: {type: \"Unconfined\"}  # legacy tracer\n",
                    "  containers:\n  - name: a\n    image: nginx:1.27\n",
                    "    securityContext:\n      seccompProfile: {}\n",
                ),
                concat!(
                    "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext:\n",
                    "    seccompProfile: {type: \"RuntimeDefault\"}  # legacy tracer\n",
                    "  containers:\n  - name: a\n    image: nginx:1.27\n",
                    "    securityContext:\n      seccompProfile: {type: RuntimeDefault}\n",
                ),
            )
            .snapshot();
    }

    #[test]
    fn versions() {
        let annotated = concat!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  annotations:\n",
            "    seccomp.security.alpha.kubernetes.io/pod: unconfined\n",
            "    container.seccomp.security.alpha.kubernetes.io/a: localhost/x\n",
            "    container.seccomp.security.alpha.kubernetes.io/other: unconfined\n",
            "spec:\n  containers: [{name: a, image: app:1}]\n",
        );
        let (b, r) = (Some(PssLevel::Baseline), Some(PssLevel::Restricted));
        assert_eq!(
            lines(&SeccompProfile, annotated, b, 18),
            [6],
            "annotations count before v1.19, for existing containers"
        );
        assert_eq!(lines(&SeccompProfile, annotated, r, 18), [6]);
        assert!(
            lines(&SeccompProfile, annotated, b, 19).is_empty(),
            "from v1.19 only the field counts"
        );
        assert!(
            lines(&SeccompProfile, annotated, r, 19).is_empty(),
            "no profile at all is seccomp-profile-unset"
        );

        let windows = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  os: {name: windows}\n  securityContext: {seccompProfile: {type: Unconfined}}\n  containers: [{name: a, image: app:1}]\n";
        assert_eq!(lines(&SeccompProfile, windows, b, 37), [6]);
        assert_eq!(lines(&SeccompProfile, windows, r, 24), [6]);
        assert!(
            lines(&SeccompProfile, windows, r, 25).is_empty(),
            "restricted overrides baseline and exempts Windows pods"
        );
        assert!(lines(&SeccompProfile, windows, b, 18).is_empty());
    }
}
