use crate::model::image::container_image;
use crate::model::{Container, PodSpec};
use crate::rule::{Context, Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A container image without a digest (`@sha256:…`): a tag alone, or no tag at all.
    ///
    /// ## Why it matters
    /// A tag is a movable pointer: whoever can push to the repository (or compromise it) can
    /// change what `app:1.4.2` means, and the next pod start runs the new content. A digest names
    /// the content itself, so the image that was scanned and tested is the one that runs.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   containers:
    ///   - name: web
    ///     image: nginx:1.27.3
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   containers:
    ///   - name: web
    ///     image: nginx:1.27.3@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    /// ```
    ///
    /// ## References
    /// - Kubernetes docs, Images: "Image names" (digests)
    /// - SLSA / OpenSSF Scorecard "Pinned-Dependencies"
    pub ImageNotPinned {
        id: "image-not-pinned",
        category: Images,
        severity: Low,
        summary: "image is not pinned by digest",
        since: "0.1.0",
    }
}

impl Rule for ImageNotPinned {
    fn check_container(&self, _pod: &PodSpec<'_>, c: &Container<'_>, cx: &mut Context<'_>) {
        let Some((text, Ok(r))) = container_image(c) else {
            return;
        };
        if r.is_pinned() {
            return;
        }
        cx.report(self, c.at(["image"]).value().label("no `@sha256:` digest"))
            .message(format!("{} uses image `{text}` without a digest; a tag can be moved to other content", c.describe()))
            .help(format!(
                "Append the digest of the image you tested: `image: {text}@sha256:<digest>` (`crane digest {text}` or `docker buildx imagetools inspect` prints it)."
            ));
    }
}

#[cfg(test)]
mod tests {
    use super::ImageNotPinned;
    use crate::testing::RuleTest;

    fn pod(image: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: a}}\nspec:\n  containers:\n  - name: a\n    image: {image}\n"
        )
    }

    #[test]
    fn image_not_pinned() {
        RuleTest::of(&ImageNotPinned)
            .pass(&pod("app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"))
            .pass(&pod("ghcr.io/acme/app:1.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"))
            .pass(&pod("\"{{ .Values.image }}\""))
            .pass(&pod("app@sha256:abc"))
            .fail(&pod("nginx:1.27   #~ image-not-pinned"))
            .fail(&pod("localhost:5000/app   #~ image-not-pinned"))
            .snapshot();
    }
}
