use std::ops::Range;

use crate::model::image::container_image;
use crate::model::{Container, PodSpec};
use crate::rule::{Context, Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A container image whose tag, or a component of whose repository path, names an
    /// environment: `api:staging`, `api:1.4.2-prod`, `acme/api-prd:3`, `acme/uat/app:1`. The
    /// tag and each path component are split on `.`, `-` and `_`; a token matches when it is
    /// one of the environment words (`dev`, `develop`, `development`, `stage`, `staging`, `stg`,
    /// `qa`, `test`, `uat`, `prod`, `production`, `prd`), case-insensitively, optionally followed
    /// by digits (`qa2`, `prod01`). Substrings never match (`product`, `devtools`, `devel`,
    /// `testing`), and the registry host is never examined (`dev.example.com/app` is fine).
    /// In the repository path,
    /// `test` and `qa` count only as a whole namespace component (`acme/qa/app`; not
    /// `test-webserver` or `quay.io/test`, which name test images).
    ///
    /// ## Why it matters
    /// An image built per environment usually has that environment's configuration (endpoints,
    /// feature flags, sometimes credentials) baked in. What runs in production was then never
    /// tested anywhere else, and the image leaks the configuration to anyone who can pull it.
    /// Build once, promote the same digest through every environment, and inject the
    /// configuration at deploy time.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: api}
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///       - name: api
    ///         image: ghcr.io/acme/api:1.4.2-prod
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: api}
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///       - name: api
    ///         image: ghcr.io/acme/api:1.4.2
    ///         envFrom:
    ///         - configMapRef: {name: api-prod}
    /// ```
    ///
    /// ## References
    /// - The Twelve-Factor App, III. Config and V. Build, release, run
    /// - The environment word list is `Settings.env_words`
    pub ImageEnvTag {
        id: "image-env-tag",
        category: Images,
        severity: Medium,
        summary: "image tag or repository names an environment",
        since: "0.1.0",
    }
}

impl Rule for ImageEnvTag {
    fn check_container(&self, _pod: &PodSpec<'_>, c: &Container<'_>, cx: &mut Context<'_>) {
        let Some((text, Ok(r))) = container_image(c) else {
            return;
        };
        let words = &cx.settings.env_words;
        let in_tag = r.tag_span.clone().and_then(|t| env_token(text, t, words));
        let (range, place) = match in_tag {
            Some(range) => (range, "tag"),
            None => {
                let comps: Vec<_> = r
                    .path_components()
                    .into_iter()
                    .filter_map(|(_, span)| span)
                    .collect();
                let last = comps.len().saturating_sub(1);
                let Some(range) = comps.iter().enumerate().find_map(|(i, span)| {
                    env_token(text, span.clone(), words)
                        .filter(|t| unambiguous(text, t, span, i < last))
                }) else {
                    return;
                };
                (range, "repository path")
            }
        };
        let word = text[range.clone()].to_owned();
        cx
            .report(self, c.at(["image"]).sub(range).label(format!("`{word}` names an environment")))
            .message(format!(
                "{} uses image `{text}` whose {place} names the environment `{word}`; environment-specific images hint at configuration baked into the image",
                c.describe()
            ))
            .help("Build one image for every environment, promote the same digest from test to production, and inject environment settings at deploy time (ConfigMap, Secret, env).");
    }
}

/// `test` and `qa` also name test tooling and test images (`test-webserver`, `quay.io/test`,
/// `qa-automation`): in the repository path they count only as a whole namespace component
/// (`acme/qa/app`), never in the image's own name.
const AMBIGUOUS: &[&str] = &["test", "qa"];

fn unambiguous(
    text: &str,
    token: &Range<usize>,
    component: &Range<usize>,
    namespace: bool,
) -> bool {
    let stem = text[token.clone()]
        .trim_end_matches(|c: char| c.is_ascii_digit())
        .to_ascii_lowercase();
    !AMBIGUOUS.contains(&stem.as_str()) || (namespace && token == component)
}

/// The first token of `text[span]` (split on `.`, `-`, `_`) that is an environment word,
/// optionally followed by digits; its range in `text`.
fn env_token(text: &str, span: Range<usize>, words: &[String]) -> Option<Range<usize>> {
    let part = text.get(span.clone())?;
    let mut pos = span.start;
    for token in part.split(['.', '-', '_']) {
        let start = pos;
        pos += token.len() + 1;
        let stem = token.trim_end_matches(|c: char| c.is_ascii_digit());
        if !stem.is_empty() && words.iter().any(|w| w.eq_ignore_ascii_case(stem)) {
            return Some(start..start + token.len());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::ImageEnvTag;
    use crate::testing::RuleTest;

    fn pod(image: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: a}}\nspec:\n  containers:\n  - name: a\n    image: {image}\n"
        )
    }

    #[test]
    fn image_env_tag() {
        let mut t = RuleTest::of(&ImageEnvTag);
        for ok in [
            "acme/devtools:1.0",
            "acme/product-catalog:2.0",
            "product/catalog:1",
            "nvidia/cuda:12.2.0-devel-ubuntu22.04",
            "ubuntu:devel",
            "acme/testing-lib:1",
            "golang:1.22-alpine",
            "nginx:stable",
            "node:20-bullseye",
            "acme/stagehand:1",
            "acme/contest:1",
            "acme/latest-news:1",
            "dev.example.com/acme/api:1.0",
            "registry-dev.corp/api:2",
            "localhost:5000/app",
            "app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "ghcr.io/open-telemetry/demo:3.0.0-product-catalog",
            "\"{{ .Values.env }}/app:prod\"",
            "registry.k8s.io/test-webserver",
            "acme/qa-automation:2",
            "quay.io/test:0.1",
            "test:latest",
            "acme/app/qa:1",
        ] {
            t = t.pass(&pod(ok));
        }
        t.fail(&pod("ghcr.io/acme/api:dev   #~ image-env-tag"))
            .fail(&pod("acme/api:1.4.2-staging   #~ image-env-tag"))
            .fail(&pod("acme/api:PROD_2024.05   #~ image-env-tag"))
            .fail(&pod(
                "registry.example.com/acme/api-prd:3.1   #~ image-env-tag",
            ))
            .fail(&pod(
                "registry.gitlab.com/acme/app/uat:sha-1a2b   #~ image-env-tag",
            ))
            .fail(&pod("acme/api:qa2   #~ image-env-tag"))
            .fail(&pod("acme/qa/app:1   #~ image-env-tag"))
            // SEMANTICS §5.2: a known false positive, accepted (or allowlisted by config).
            .fail(&pod("acme/production-grade-proxy:1   #~ image-env-tag"))
            .snapshot();
    }

    #[test]
    fn custom_words() {
        RuleTest::of(&ImageEnvTag)
            .settings(|s| s.env_words = vec!["preprod".into()])
            .pass(&pod("acme/api:prod"))
            .fail(&pod("acme/api:preprod3   #~ image-env-tag"))
            .run();
    }
}
