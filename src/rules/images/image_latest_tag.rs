use crate::model::image::container_image;
use crate::model::{Container, PodSpec};
use crate::rule::{Context, Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A container image that resolves to the `latest` tag without a digest: `nginx:latest`, or
    /// a reference with neither tag nor digest (`nginx`, `localhost:5000/app`: a registry port is
    /// not a tag). `nginx:latest@sha256:…` is pinned by its digest and not flagged.
    ///
    /// ## Why it matters
    /// `latest` is whatever was pushed last. Two nodes can run different code under the same
    /// manifest, a rollback does not roll anything back, and a compromised push reaches
    /// production on the next pod restart. With no explicit `imagePullPolicy` Kubernetes also
    /// re-pulls it on every start.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: web}
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///       - name: web
    ///         image: nginx:latest
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: web}
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///       - name: web
    ///         image: nginx:1.27.3
    /// ```
    ///
    /// ## References
    /// - Kubernetes docs, Images: "avoid using the `:latest` tag when deploying containers in production"
    /// - kube-linter `latest-tag`; Trivy KSV-0013
    pub ImageLatestTag {
        id: "image-latest-tag",
        category: Images,
        severity: Medium,
        summary: "image uses the latest tag or no tag",
        since: "0.1.0",
    }
}

impl Rule for ImageLatestTag {
    fn check_container(&self, _pod: &PodSpec<'_>, c: &Container<'_>, cx: &mut Context<'_>) {
        let Some((text, Ok(r))) = container_image(c) else {
            return;
        };
        if !r.is_latest() {
            return;
        }
        let at = c.at(["image"]);
        let (label, what) = match &r.tag_span {
            Some(t) => (
                at.sub(t.start - 1..t.end)
                    .label("`:latest` changes with every push"),
                "the `latest` tag",
            ),
            None => (
                at.value().label("no tag: the kubelet pulls `latest`"),
                "no tag, so the kubelet pulls `latest`",
            ),
        };
        let name = &text[..r.tag_span.as_ref().map_or(text.len(), |t| t.start - 1)];
        cx.report(self, label)
            .message(format!("{} uses image `{text}` with {what}; pin a version tag or a digest", c.describe()))
            .help(format!("Pin the version you tested, ideally with its digest: `image: {name}:<version>@sha256:<digest>`."));
    }
}

#[cfg(test)]
mod tests {
    use super::ImageLatestTag;
    use crate::testing::RuleTest;

    fn pod(image: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: a}}\nspec:\n  containers:\n  - name: a\n    image: {image}\n"
        )
    }

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn image_latest_tag() {
        let mut t = RuleTest::of(&ImageLatestTag);
        for ok in [
            "nginx:1.25".to_owned(),
            format!("nginx@{DIGEST}"),
            format!("nginx:latest@{DIGEST}"),
            "nginx:Latest".to_owned(),
            "myregistry:5000/app:2.1".to_owned(),
            "\"{{ .Values.image }}\"".to_owned(),
            "NGINX".to_owned(),
        ] {
            t = t.pass(&pod(&ok));
        }
        t.fail(&pod("nginx   #~ image-latest-tag"))
            .fail(&pod("nginx:latest   #~ image-latest-tag"))
            .fail(&pod("localhost:5000/app   #~ image-latest-tag"))
            .fail(&pod("'registry:5000/team/app'   #~ image-latest-tag"))
            .fail(concat!(
                "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: a}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n",
                "          initContainers: [{name: init, image: \"busybox:latest\"}]   #~ image-latest-tag\n",
                "          containers: [{name: a, image: busybox:1.36}]\n",
            ))
            .snapshot();
    }
}
