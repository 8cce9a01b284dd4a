use crate::model::image::container_image;
use crate::model::{Container, PodSpec};
use crate::rule::{Context, Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A container whose `image` is not a valid image reference under the grammar the kubelet
    /// uses (distribution/reference): upper case in the repository path, an empty path component,
    /// a malformed tag, a digest that is not `sha256:` plus 64 lower-case hex digits, whitespace.
    /// Templated values (`{{ … }}`, `${…}`, `$(…)`) and `<placeholders>` are skipped.
    ///
    /// ## Why it matters
    /// The kubelet cannot pull such an image: the pod stays in `InvalidImageName` and never
    /// starts. Upper case is legal only in the registry host and in the tag.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   containers:
    ///   - name: web
    ///     image: docker.io/MyOrg/web:1.4
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   containers:
    ///   - name: web
    ///     image: docker.io/myorg/web:1.4
    /// ```
    ///
    /// ## References
    /// - distribution/reference `reference.go`, `normalize.go` (`ParseNormalizedNamed`)
    /// - go-digest: `sha256` digests are 64 lower-case hex digits
    pub InvalidImageReference {
        id: "invalid-image-reference",
        category: Images,
        severity: Medium,
        summary: "image reference the kubelet cannot parse",
        since: "0.1.0",
    }
}

impl Rule for InvalidImageReference {
    fn check_container(&self, _pod: &PodSpec<'_>, c: &Container<'_>, cx: &mut Context<'_>) {
        let Some((text, Err(e))) = container_image(c) else {
            return;
        };
        cx.report(self, c.at(["image"]).value().label("not a valid image reference"))
            .message(format!("{} has image {text:?}, which is not a valid reference: {e}", c.describe()))
            .help("Write the image as `registry/repository:tag` or `registry/repository@sha256:<64 hex digits>`, with a lower-case repository path.");
    }
}

#[cfg(test)]
mod tests {
    use super::InvalidImageReference;
    use crate::testing::RuleTest;

    fn pod(image: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: a}}\nspec:\n  containers:\n  - name: a\n    image: {image}\n"
        )
    }

    #[test]
    fn invalid_image_reference() {
        let mut t = RuleTest::of(&InvalidImageReference);
        for ok in [
            "nginx",
            "Registry.Example.com/app:V1",
            "localhost:5000/app",
            "\"{{ .Values.image }}\"",
            "${IMAGE}",
            "<YOUR-CONTAINER>",
            "app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            t = t.pass(&pod(ok));
        }
        t.pass(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n",
        )
        .fail(&pod("docker.io/MyOrg/app:1   #~ invalid-image-reference"))
        .fail(&pod("app@sha256:abc   #~ invalid-image-reference"))
        .fail(&pod("\"\"   #~ invalid-image-reference"))
        .fail(&pod("\"nginx \"   #~ invalid-image-reference"))
        .fail(&pod("registry.io//app:1   #~ invalid-image-reference"))
        .snapshot();
    }
}
