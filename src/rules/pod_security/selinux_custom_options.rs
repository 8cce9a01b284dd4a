use crate::model::{Object, PodSpec};
use crate::pss::{self, Detail, Levels, Out, PssControl, Versions};
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::{Label, NodeRef, Pointer};

declare_rule! {
    /// ## What it flags
    /// `securityContext.seLinuxOptions` at pod level or in any container that sets:
    /// - a `type` other than `container_t`, `container_init_t` or `container_kvm_t` (and, from
    ///   policy v1.31, `container_engine_t`), such as `spc_t` or `unconfined_t`;
    /// - a `user` or a `role`.
    ///
    /// `level` (the MCS categories) is allowed.
    ///
    /// ## Why it matters
    /// On SELinux nodes (RHEL, Fedora CoreOS, OpenShift) the container types confine what a
    /// process may touch on the host. `spc_t` ("super privileged container") and custom users or
    /// roles lift that confinement. The Baseline Pod Security Standard forbids them.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: agent}
    /// spec:
    ///   securityContext:
    ///     seLinuxOptions: {type: spc_t}
    ///   containers:
    ///   - name: agent
    ///     image: agent:2.1
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: agent}
    /// spec:
    ///   securityContext:
    ///     seLinuxOptions: {level: "s0:c123,c456"}
    ///   containers:
    ///   - name: agent
    ///     image: agent:2.1
    /// ```
    ///
    /// ## References
    /// - Pod Security Standards (Baseline): SELinux, <https://kubernetes.io/docs/concepts/security/pod-security-standards/>
    /// - pod-security-admission `policy/check_seLinuxOptions.go`
    pub SelinuxCustomOptions {
        id: "selinux-custom-options",
        category: PodSecurity,
        severity: High,
        summary: "custom SELinux type, user or role",
        since: "0.1.0",
        pss: Baseline,
    }
}

impl Rule for SelinuxCustomOptions {
    fn check_pod(&self, _obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        pss::report(self, pod, cx);
    }
}

impl PssControl for SelinuxCustomOptions {
    fn check(&self, pod: &PodSpec<'_>, out: &mut Out) {
        if let Some(opts) = pod.sc("seLinuxOptions") {
            options(
                out,
                opts,
                &pod.ptr.join(["securityContext", "seLinuxOptions"]),
                "pod",
            );
        }
        for c in &pod.containers {
            if let Some(opts) = c.sc("seLinuxOptions") {
                options(
                    out,
                    opts,
                    &c.ptr.join(["securityContext", "seLinuxOptions"]),
                    &c.describe(),
                );
            }
        }
    }
}

fn options(out: &mut Out, opts: NodeRef<'_>, ptr: &Pointer, who: &str) {
    let text = |key: &str| {
        opts.get(key)
            .filter(|n| !n.is_null())
            .map_or("", pss::shown)
    };
    let kind = text("type");
    let allowed_since = match kind {
        "" | "container_t" | "container_init_t" | "container_kvm_t" => Some(0),
        "container_engine_t" => Some(31),
        _ => None,
    };
    if allowed_since != Some(0) {
        let versions = allowed_since.map_or(Versions::ALL, Versions::before);
        out.flag(Levels::baseline(versions), Label::at(ptr.key("type")).label("SELinux type outside the container types"), || {
            let since = if allowed_since.is_some() { " (container_engine_t from policy v1.31)" } else { "" };
            Detail::new(
                format!(
                    "{who} sets SELinux type `{kind}`; the Baseline level allows only container_t, container_init_t or container_kvm_t{since}"
                ),
                "Remove `seLinuxOptions.type` so that the runtime assigns `container_t`; keep only `level` if you need fixed MCS categories.",
            )
        });
    }
    for key in ["user", "role"] {
        let value = text(key);
        if value.is_empty() {
            continue;
        }
        out.flag(Levels::baseline(Versions::ALL), Label::at(ptr.key(key)).label(format!("custom SELinux {key}")), || {
            Detail::new(
                format!("{who} sets SELinux {key} `{value}`; the Baseline level requires `seLinuxOptions.{key}` unset"),
                format!("Remove `seLinuxOptions.{key}`."),
            )
        });
    }
}

#[cfg(test)]
mod tests {
    use super::SelinuxCustomOptions;
    use crate::pss::lines;
    use crate::rule::PssLevel;
    use crate::testing::RuleTest;

    #[test]
    fn selinux_custom_options() {
        RuleTest::of(&SelinuxCustomOptions)
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext:\n    seLinuxOptions: {type: container_init_t, level: \"s0:c1,c2\", user: \"\"}\n",
                "  containers:\n  - name: a\n    image: nginx:1.27\n    securityContext:\n      seLinuxOptions: {type: container_engine_t}\n",
            ))
            .fail(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext:\n    seLinuxOptions:\n",
                "      type: spc_t   #~ selinux-custom-options\n",
                "  containers:\n  - name: a\n    image: nginx:1.27\n    securityContext:\n      seLinuxOptions:\n",
                "        user: system_u   #~ selinux-custom-options\n        role: system_r   #~ selinux-custom-options\n",
            ))
            .snapshot();
    }

    #[test]
    fn container_engine_t_from_v1_31() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext:\n    seLinuxOptions: {type: container_engine_t}\n  containers: [{name: a, image: app:1}]\n";
        assert_eq!(
            lines(&SelinuxCustomOptions, pod, Some(PssLevel::Baseline), 30),
            [6]
        );
        assert!(lines(&SelinuxCustomOptions, pod, Some(PssLevel::Restricted), 31).is_empty());
    }
}
