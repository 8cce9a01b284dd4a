use crate::model::{Container, Object, PodSpec};
use crate::pss::{self, BASELINE_CAPABILITIES, Detail, Levels, Out, PssControl, Versions};
use crate::rule::{Context, Fix, FixKind, Rule, declare_rule};
use crate::yaml::{Change, Label, NodeRef, Scalar};

declare_rule! {
    /// ## What it flags
    /// A container (init and ephemeral included) that does not list `ALL` in
    /// `securityContext.capabilities.drop`, or that adds back a default capability other than
    /// `NET_BIND_SERVICE`. Capabilities outside the default set are reported by
    /// `dangerous-capabilities`. Pod-security-admission applies this Restricted control from
    /// v1.22; Windows pods (`spec.os.name: windows`) are exempt from v1.25.
    ///
    /// ## Why it matters
    /// Even the runtime's default capabilities (CHOWN, DAC_OVERRIDE, FOWNER, SETUID, NET_RAW on
    /// some runtimes, …) widen what a compromised process can do: bypass file permissions, change
    /// identities, craft raw packets. Dropping them all and adding back only what the program needs
    /// is the Restricted Pod Security Standard.
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
    ///         drop: [NET_RAW]
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
    /// - Pod Security Standards (Restricted): Capabilities, <https://kubernetes.io/docs/concepts/security/pod-security-standards/>
    /// - pod-security-admission `policy/check_capabilities_restricted.go`
    pub CapabilitiesNotDropped {
        id: "capabilities-not-dropped",
        category: PodSecurity,
        severity: Medium,
        summary: "container does not drop ALL capabilities",
        since: "0.1.0",
        pss: Restricted,
        fix: Unsafe("Adds `ALL` to the container's `capabilities.drop` (creating the list, and the `capabilities` and `securityContext` around it, where missing). Unsafe: a program that needs a capability of the runtime's default set (an entrypoint that changes file ownership needs `CHOWN`, one that switches user needs `SETUID` and `SETGID`) fails once they are dropped; add back the ones it needs. No fix for a capability added back."),
    }
}

impl Rule for CapabilitiesNotDropped {
    fn check_pod(&self, _obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        pss::report(self, pod, cx);
    }
}

const FIX: &str = "Drop every capability and add back only what the program needs:\n```yaml\nsecurityContext:\n  capabilities:\n    drop: [ALL]\n    add: [NET_BIND_SERVICE]  # only if it binds a port below 1024\n```";

fn drop_all(c: &Container<'_>) -> Option<Fix> {
    Some(Fix {
        kind: FixKind::Unsafe,
        title: "drop ALL capabilities".into(),
        changes: vec![Change::append(
            c.ptr.join(["securityContext", "capabilities", "drop"]),
            Scalar::str("ALL"),
        )],
    })
}

impl PssControl for CapabilitiesNotDropped {
    fn check(&self, pod: &PodSpec<'_>, out: &mut Out) {
        let fixes = out.fixes;
        let levels = Levels::restricted(Versions::since(22).minus(pss::windows_exempt(pod)));
        for c in &pod.containers {
            let Some(caps) = c.sc("capabilities") else {
                let at = pss::missing_in_container(c, &["securityContext", "capabilities", "drop"])
                    .label("no `capabilities.drop: [ALL]`");
                out.flag(levels, at, || {
                    Detail::new(
                        format!("{} keeps the runtime's default capabilities; the Restricted level requires `capabilities.drop: [ALL]`", c.describe()),
                        FIX,
                    )
                    .fix_if(fixes, || drop_all(c))
                });
                continue;
            };
            let drop = caps.get_set("drop");
            let drops_all = drop.is_some_and(|d| d.items().any(|i| i.as_str() == Some("ALL")));
            if !drops_all {
                let dropped: Vec<&str> = drop
                    .into_iter()
                    .flat_map(NodeRef::items)
                    .map(pss::shown)
                    .collect();
                let at = if drop.is_some() {
                    c.at(["securityContext", "capabilities", "drop"])
                        .label("does not include ALL")
                } else {
                    Label::missing(c.ptr.join(["securityContext", "capabilities", "drop"]))
                        .label("no `drop: [ALL]`")
                };
                // `all`, `All`: what the author meant, in a case Pod Security does not accept.
                let cased = dropped
                    .iter()
                    .find(|d| d.eq_ignore_ascii_case("all") || d.eq_ignore_ascii_case("CAP_ALL"))
                    .copied();
                let at = match cased {
                    Some(_) => at.label("`ALL` must be upper case"),
                    None => at,
                };
                out.flag(levels, at, || {
                    let what = if let Some(d) = cased {
                        format!(
                            "drops `{d}`, which is not `ALL`: Pod Security compares the name exactly (upper case, no `CAP_` prefix), so the Restricted level does not count it as dropping every capability"
                        )
                    } else if dropped.is_empty() {
                        "drops no capability".to_owned()
                    } else {
                        format!("drops only {}", dropped.join(", "))
                    };
                    Detail::new(
                        format!(
                            "{} {what}; the Restricted level requires `capabilities.drop: [ALL]`",
                            c.describe()
                        ),
                        FIX,
                    )
                    .fix_if(fixes, || drop_all(c))
                });
            }
            for (cap, at) in pss::added_capabilities(c) {
                // Capabilities outside the default set are `dangerous-capabilities` findings.
                if cap == "NET_BIND_SERVICE" || !BASELINE_CAPABILITIES.contains(&cap) {
                    continue;
                }
                out.flag(levels, at.label("only NET_BIND_SERVICE may be added"), || {
                    Detail::new(
                        format!(
                            "{} adds back capability `{cap}`; the Restricted level allows adding only NET_BIND_SERVICE",
                            c.describe()
                        ),
                        format!("Remove `{cap}` from `capabilities.add` and change the image so that it does not need it (e.g. fix file ownership at build time instead of adding CHOWN or DAC_OVERRIDE)."),
                    )
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::CapabilitiesNotDropped;
    use crate::pss::lines;
    use crate::rule::PssLevel;
    use crate::testing::RuleTest;

    const DROP_NOTHING: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a   #~ capabilities-not-dropped\n    image: nginx:1.27\n";

    #[test]
    fn capabilities_not_dropped() {
        RuleTest::of(&CapabilitiesNotDropped)
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    image: nginx:1.27\n",
                "    securityContext:\n      capabilities: {drop: [ALL], add: [NET_BIND_SERVICE, SYS_ADMIN]}\n",
            ))
            .pass(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  os: {name: windows}\n  containers:\n  - name: a\n    image: app:1\n",
            )
            .fail(DROP_NOTHING)
            .fail(concat!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n",
                "      initContainers:\n      - name: init\n        image: busybox:1.36\n        securityContext:\n",
                "          capabilities:   #~ capabilities-not-dropped\n            add: [NET_BIND_SERVICE]\n",
                "      containers:\n      - name: web\n        image: nginx:1.27\n        securityContext:\n          capabilities:\n",
                "            drop: [CHOWN, KILL]   #~ capabilities-not-dropped\n",
                "            add:\n            - NET_BIND_SERVICE\n            - CHOWN   #~ capabilities-not-dropped\n",
                "      - name: sidecar\n        image: envoy:1.30\n        securityContext:   #~ capabilities-not-dropped\n          runAsNonRoot: true\n",
            ))
            .unsafe_fixes(
                concat!(
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n",
                    "      initContainers:\n      - name: init\n        image: busybox:1.36\n        securityContext:\n",
                    "          capabilities:\n            add: [NET_BIND_SERVICE]\n",
                    "      containers:\n      - name: web\n        image: nginx:1.27\n        securityContext:\n          capabilities:\n",
                    "            drop:\n            - CHOWN\n            - KILL\n",
                    "      - name: sidecar\n        image: envoy:1.30\n",
                ),
                concat!(
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n",
                    "      initContainers:\n      - name: init\n        image: busybox:1.36\n        securityContext:\n",
                    "          capabilities:\n            add: [NET_BIND_SERVICE]\n            drop:\n            - ALL\n",
                    "      containers:\n      - name: web\n        image: nginx:1.27\n        securityContext:\n          capabilities:\n",
                    "            drop:\n            - CHOWN\n            - KILL\n            - ALL\n",
                    "      - name: sidecar\n        image: envoy:1.30\n",
                    "        securityContext:\n          capabilities:\n            drop:\n            - ALL\n",
                ),
            )
            // Lower case: the author meant ALL, Pod Security compares exactly.
            .fail(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    image: nginx:1.27\n",
                "    securityContext:\n      capabilities:\n        drop: [all]   #~ capabilities-not-dropped\n",
            ))
            .snapshot();
    }

    #[test]
    fn versions() {
        let plain = DROP_NOTHING.replace("   #~ capabilities-not-dropped", "");
        let windows = plain.replace("spec:\n", "spec:\n  os: {name: windows}\n");
        let r = Some(PssLevel::Restricted);
        assert!(
            lines(&CapabilitiesNotDropped, &plain, r, 21).is_empty(),
            "the control starts at v1.22"
        );
        assert_eq!(lines(&CapabilitiesNotDropped, &plain, r, 22), [6]);
        assert_eq!(
            lines(&CapabilitiesNotDropped, &windows, r, 24),
            [7],
            "Windows pods are exempt from v1.25 only"
        );
        assert!(lines(&CapabilitiesNotDropped, &windows, r, 25).is_empty());
        assert!(
            lines(
                &CapabilitiesNotDropped,
                &plain,
                Some(PssLevel::Baseline),
                37
            )
            .is_empty()
        );
    }
}
