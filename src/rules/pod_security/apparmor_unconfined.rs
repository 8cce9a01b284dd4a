use crate::model::{Object, PodSpec};
use crate::pss::{self, Detail, Levels, Out, PssControl, Versions};
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::{Label, NodeRef, Pointer, Seg};

declare_rule! {
    /// ## What it flags
    /// AppArmor switched off or set to an unknown profile:
    /// - `securityContext.appArmorProfile.type` other than `RuntimeDefault` or `Localhost`
    ///   (i.e. `Unconfined`), at pod level or in any container;
    /// - a beta annotation `container.apparmor.security.beta.kubernetes.io/<container>` whose value
    ///   is not empty, `runtime/default` or `localhost/<profile>` (i.e. `unconfined`).
    ///
    /// ## Why it matters
    /// On nodes with AppArmor (Ubuntu, Debian, COS, Bottlerocket), the runtime's default profile
    /// denies writes to `/proc` and `/sys` files, mounts and other paths that container escapes
    /// use. Running unconfined removes that layer. The Baseline Pod Security Standard forbids it.
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
    ///       appArmorProfile: {type: Unconfined}
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
    ///       appArmorProfile: {type: RuntimeDefault}
    /// ```
    ///
    /// ## References
    /// - Pod Security Standards (Baseline): AppArmor, <https://kubernetes.io/docs/concepts/security/pod-security-standards/>
    /// - pod-security-admission `policy/check_appArmorProfile.go`
    /// - <https://kubernetes.io/docs/tutorials/security/apparmor/>
    pub ApparmorUnconfined {
        id: "apparmor-unconfined",
        category: PodSecurity,
        severity: High,
        summary: "container runs without AppArmor confinement",
        since: "0.1.0",
        pss: Baseline,
    }
}

impl Rule for ApparmorUnconfined {
    fn check_pod(&self, _obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        pss::report(self, pod, cx);
    }
}

const ANNOTATION: &str = "container.apparmor.security.beta.kubernetes.io/";
const FIX: &str = "Use the runtime's default profile (or a `Localhost` profile loaded on the nodes):\n```yaml\nsecurityContext:\n  appArmorProfile:\n    type: RuntimeDefault\n```";

impl PssControl for ApparmorUnconfined {
    fn check(&self, pod: &PodSpec<'_>, out: &mut Out) {
        let levels = Levels::baseline(Versions::ALL);
        if let Some(profile) = pod.sc("appArmorProfile") {
            field(
                out,
                levels,
                profile,
                pod.ptr.join(["securityContext", "appArmorProfile"]),
                "pod",
            );
        }
        for c in &pod.containers {
            if let Some(profile) = c.sc("appArmorProfile") {
                field(
                    out,
                    levels,
                    profile,
                    c.ptr.join(["securityContext", "appArmorProfile"]),
                    &c.describe(),
                );
            }
        }
        for (key, value) in pod.annotations() {
            let Some(container) = key.strip_prefix(ANNOTATION) else {
                continue;
            };
            let value = pss::shown(value);
            if value.is_empty() || value == "runtime/default" || value.starts_with("localhost/") {
                continue;
            }
            let at = Label::at(
                pod.meta_ptr
                    .join([Seg::from("annotations"), Seg::from(key.to_owned())]),
            )
            .label("AppArmor disabled here");
            out.flag(levels, at, || {
                Detail::new(
                    format!(
                        "the AppArmor annotation of container \"{container}\" is `{value}`; the Baseline level allows only runtime/default or localhost/<profile>"
                    ),
                    "Remove the annotation (the runtime's default profile then applies) or set `appArmorProfile: {type: RuntimeDefault}` in the container's `securityContext`; the annotation is deprecated since Kubernetes v1.30.",
                )
            });
        }
    }
}

fn field(out: &mut Out, levels: Levels, profile: NodeRef<'_>, ptr: Pointer, who: &str) {
    let kind = profile
        .get("type")
        .filter(|t| !t.is_null())
        .map_or("", pss::shown);
    if matches!(kind, "RuntimeDefault" | "Localhost") {
        return;
    }
    let at = if profile.get("type").is_some() {
        Label::at(ptr.key("type"))
    } else {
        Label::at(ptr)
    };
    out.flag(levels, at.label("AppArmor disabled here"), || {
        let shown = if kind.is_empty() { "\"\"" } else { kind };
        Detail::new(
            format!("{who} sets `appArmorProfile.type: {shown}`; the Baseline level allows only RuntimeDefault or Localhost"),
            FIX,
        )
    });
}

#[cfg(test)]
mod tests {
    use super::ApparmorUnconfined;
    use crate::testing::RuleTest;

    #[test]
    fn apparmor_unconfined() {
        RuleTest::of(&ApparmorUnconfined)
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  annotations:\n",
                "    container.apparmor.security.beta.kubernetes.io/a: runtime/default\n",
                "    container.apparmor.security.beta.kubernetes.io/b: localhost/k8s-nginx\n",
                "    container.apparmor.security.beta.kubernetes.io/c: \"\"\n",
                "    container.apparmor.security.beta.kubernetes.io/d: ~\n",
                "spec:\n  securityContext:\n    appArmorProfile: {type: Localhost, localhostProfile: k8s-nginx}\n",
                "  containers:\n  - name: a\n    image: nginx:1.27\n    securityContext: {appArmorProfile: {type: RuntimeDefault}}\n",
            ))
            .fail(concat!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    metadata:\n      annotations:\n",
                "        container.apparmor.security.beta.kubernetes.io/web: unconfined   #~ apparmor-unconfined\n",
                "    spec:\n      securityContext:\n        appArmorProfile:\n          type: Unconfined   #~ apparmor-unconfined\n",
                "      containers:\n      - name: web\n        image: nginx:1.27\n        securityContext:\n",
                "          appArmorProfile: {}   #~ apparmor-unconfined\n",
            ))
            .snapshot();
    }
}
