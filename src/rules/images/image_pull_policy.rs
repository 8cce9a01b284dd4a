use crate::model::image::container_image;
use crate::model::{Container, PodSpec};
use crate::rule::{Context, FixKind, Rule, declare_rule};
use crate::yaml::{Change, Scalar};

declare_rule! {
    /// ## What it flags
    /// A container whose image has no digest and whose `imagePullPolicy` is not `Always`: set
    /// to `IfNotPresent` or `Never`, or left unset on a tagged image (Kubernetes then defaults
    /// it to `IfNotPresent`; only a `latest` or untagged image defaults to `Always`). Images
    /// pinned by digest are not flagged: their content cannot change.
    ///
    /// ## Why it matters
    /// With `IfNotPresent`, a pod reuses whatever image is cached on the node under that tag:
    /// the kubelet does not ask the registry, so it neither picks up a re-pushed tag nor checks
    /// the pod's pull credentials. On a shared cluster one tenant can then run another tenant's
    /// private image once it is cached on the node. `Always` (what the `AlwaysPullImages`
    /// admission plugin enforces on multi-tenant clusters) re-validates both on every start.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   containers:
    ///   - name: web
    ///     image: registry.example.com/web:1.4
    ///     imagePullPolicy: IfNotPresent
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   containers:
    ///   - name: web
    ///     image: registry.example.com/web:1.4
    ///     imagePullPolicy: Always
    /// ```
    ///
    /// ## References
    /// - Kubernetes docs, Images: "Image pull policy" and defaulting
    /// - Kubernetes admission controllers: `AlwaysPullImages`
    pub ImagePullPolicy {
        id: "image-pull-policy",
        category: Images,
        severity: Low,
        summary: "image pull policy does not re-check the registry",
        since: "0.1.0",
        fix: Unsafe("Sets `imagePullPolicy: Always` (in place of the value written, or after the container's last key). Unsafe: every start then asks the registry, so a registry outage or an expired pull secret stops pods from starting that would have started from the node's cache; pinning the image by digest is the better fix, and needs the network, which fixes never use."),
    }
}

impl Rule for ImagePullPolicy {
    fn check_container(&self, _pod: &PodSpec<'_>, c: &Container<'_>, cx: &mut Context<'_>) {
        let Some((text, Ok(r))) = container_image(c) else {
            return;
        };
        if r.is_pinned() {
            return;
        }
        let help = "Set `imagePullPolicy: Always` so every start re-checks the tag and the pull credentials, or pin the image by digest.";
        match c.node.get_set("imagePullPolicy") {
            Some(p) => {
                let policy = p.as_str().or_else(|| p.text()).unwrap_or("");
                if policy == "Always" {
                    return;
                }
                cx.report(self, c.at(["imagePullPolicy"]).label("does not re-check the registry"))
                    .message(format!("{} pulls `{text}` with `imagePullPolicy: {policy}`; an image without a digest should be pulled `Always`", c.describe()))
                    .help(help)
                    .fix(FixKind::Unsafe, TITLE, || always(c));
            }
            None => {
                if r.default_pull_policy() == "Always" {
                    return;
                }
                cx.report(self, c.at(["image"]).label("imagePullPolicy defaults to IfNotPresent"))
                    .message(format!("{} pulls `{text}` with the default `imagePullPolicy: IfNotPresent`; an image without a digest should be pulled `Always`", c.describe()))
                    .help(help)
                    .fix(FixKind::Unsafe, TITLE, || always(c));
            }
        }
    }
}

const TITLE: &str = "set `imagePullPolicy: Always`";

fn always(c: &Container<'_>) -> Vec<Change> {
    vec![Change::set(
        c.ptr.key("imagePullPolicy"),
        Scalar::str("Always"),
    )]
}

#[cfg(test)]
mod tests {
    use super::ImagePullPolicy;
    use crate::testing::RuleTest;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn pod(image: &str, policy: Option<&str>) -> String {
        let p = policy
            .map(|p| format!("    imagePullPolicy: {p}\n"))
            .unwrap_or_default();
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: a}}\nspec:\n  containers:\n  - name: a\n    image: {image}\n{p}"
        )
    }

    #[test]
    fn image_pull_policy() {
        RuleTest::of(&ImagePullPolicy)
            .pass(&pod("nginx:1.27", Some("Always")))
            .pass(&pod("nginx", None))
            .pass(&pod("nginx:latest", None))
            .pass(&pod(&format!("nginx:1.27@{DIGEST}"), Some("IfNotPresent")))
            .pass(&pod(&format!("nginx@{DIGEST}"), None))
            .pass(&pod("\"{{ .Values.image }}\"", Some("IfNotPresent")))
            .fail(&pod(
                "nginx:1.27",
                Some("IfNotPresent   #~ image-pull-policy"),
            ))
            .fail(&pod("nginx:latest", Some("Never   #~ image-pull-policy")))
            .fail(&pod("nginx:1.27   #~ image-pull-policy", None))
            .unsafe_fixes(
                "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n  spec:\n    containers:\n    - {name: a, image: nginx:1.27, imagePullPolicy: 'IfNotPresent'}\n    - name: b\n      image: nginx:1.27\n",
                "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n  spec:\n    containers:\n    - {name: a, image: nginx:1.27, imagePullPolicy: 'Always'}\n    - name: b\n      image: nginx:1.27\n      imagePullPolicy: Always\n",
            )
            .snapshot();
    }
}
