use crate::model::image::{DOCKER_HUB, ImageRef, container_image};
use crate::model::{Container, PodSpec};
use crate::rule::{Context, Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A container image from outside the trusted registries. By default every registry is
    /// trusted except Docker Hub, where only the official images (`library/…`: `nginx`,
    /// `docker.io/library/redis`) are; so `bitnami/redis` or `someuser/tool` are flagged. Giving
    /// `--trusted-registry PREFIX` (repeatable) replaces the default: an image is then trusted
    /// when its normalised name (`docker.io/library/nginx`, `ghcr.io/acme/api`) starts with one
    /// of the prefixes at a `/` boundary (`ghcr.io/acme` trusts `ghcr.io/acme/api`, not
    /// `ghcr.io/acmex/api`).
    ///
    /// ## Why it matters
    /// Anyone can publish to a Docker Hub user namespace; typosquatted and abandoned images
    /// there have shipped cryptominers and backdoors. Images should come from registries whose
    /// publishers you vet, ideally a registry you control that mirrors and scans what it serves.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: cache}
    /// spec:
    ///   containers:
    ///   - name: redis
    ///     image: someuser/redis:7.2
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: cache}
    /// spec:
    ///   containers:
    ///   - name: redis
    ///     image: registry.example.com/mirror/redis:7.2
    /// ```
    ///
    /// ## References
    /// - Kubernetes docs, "Image policy" / ValidatingAdmissionPolicy examples restricting registries
    /// - Kubescape C-0078 "Images from allowed registry"
    pub ImageUntrustedRegistry {
        id: "image-untrusted-registry",
        category: Images,
        severity: Medium,
        summary: "image comes from an untrusted registry",
        since: "0.1.0",
    }
}

impl Rule for ImageUntrustedRegistry {
    fn check_container(&self, _pod: &PodSpec<'_>, c: &Container<'_>, cx: &mut Context<'_>) {
        let Some((text, Ok(r))) = container_image(c) else {
            return;
        };
        let trusted = &cx.settings.trusted_registries;
        let at = match &r.domain_span {
            Some(d) => c.at(["image"]).sub(d.clone()),
            None => c.at(["image"]).value(),
        };
        if trusted.is_empty() {
            if !r.is_docker_hub() || r.is_official() {
                return;
            }
            cx.report(self, at.label("Docker Hub image outside `library/`"))
                .message(format!(
                    "{} uses image `{text}` from a Docker Hub user namespace; by default only official Docker Hub images (`library/…`) and other registries are trusted",
                    c.describe()
                ))
                .help("Use the official image or one from a registry you trust (ideally a mirror you control), or list the registries you trust with `--trusted-registry`.");
            return;
        }
        if trusted.iter().any(|p| is_trusted(r, p)) {
            return;
        }
        cx.report(self, at.label("registry not in the trusted list"))
            .message(format!(
                "{} uses image `{text}` (`{}`), which matches none of the trusted registry prefixes",
                c.describe(),
                r.name()
            ))
            .help("Pull the image from a trusted registry (mirror it there), or add its registry with `--trusted-registry`.");
    }
}

/// Whether `prefix` (as given on the command line) covers the image.
fn is_trusted(r: &ImageRef, prefix: &str) -> bool {
    let name = r.name().to_ascii_lowercase();
    let p = prefix
        .trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let p = p.to_ascii_lowercase();
    if p.is_empty() {
        return false;
    }
    let first = p.split('/').next().unwrap_or("");
    let looks_like_domain = first == "localhost" || first.contains(['.', ':']);
    let candidates: Vec<String> = if first == "index.docker.io" {
        vec![format!("{DOCKER_HUB}{}", &p[first.len()..])]
    } else if looks_like_domain {
        vec![p.clone()]
    } else {
        // A familiar Docker Hub prefix: a namespace (`bitnami`) or an official image (`nginx`).
        vec![
            format!("{DOCKER_HUB}/{p}"),
            format!("{DOCKER_HUB}/library/{p}"),
        ]
    };
    candidates.iter().any(|cand| {
        name == *cand
            || (name.starts_with(cand.as_str()) && name.as_bytes().get(cand.len()) == Some(&b'/'))
    })
}

#[cfg(test)]
mod tests {
    use super::ImageUntrustedRegistry;
    use crate::testing::RuleTest;

    fn pod(image: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: a}}\nspec:\n  containers:\n  - name: a\n    image: {image}\n"
        )
    }

    #[test]
    fn default_trust() {
        let mut t = RuleTest::of(&ImageUntrustedRegistry);
        for ok in [
            "nginx",
            "nginx:1.27",
            "library/nginx",
            "docker.io/library/redis:7",
            "index.docker.io/library/redis:7",
            "ghcr.io/acme/api:1",
            "quay.io/prometheus/prometheus:v3",
            "localhost:5000/app",
            "registry.k8s.io/pause:3.9",
            "\"{{ .Values.image }}\"",
        ] {
            t = t.pass(&pod(ok));
        }
        t.fail(&pod("bitnami/redis:7   #~ image-untrusted-registry"))
            .fail(&pod(
                "docker.io/someuser/tool:1   #~ image-untrusted-registry",
            ))
            .fail(&pod(
                "index.docker.io/someuser/tool   #~ image-untrusted-registry",
            ))
            .snapshot();
    }

    #[test]
    fn configured_trust() {
        RuleTest::of(&ImageUntrustedRegistry)
            .settings(|s| {
                s.trusted_registries = vec![
                    "ghcr.io/acme".into(),
                    "registry.example.com/".into(),
                    "nginx".into(),
                    "bitnami".into(),
                ]
            })
            .pass(&pod("ghcr.io/acme/api:1"))
            .pass(&pod("GHCR.io/acme/api:1"))
            .pass(&pod("registry.example.com/x/y:1"))
            .pass(&pod("nginx:1.27"))
            .pass(&pod("docker.io/bitnami/redis:7"))
            .fail(&pod("ghcr.io/acmex/api:1   #~ image-untrusted-registry"))
            .fail(&pod(
                "quay.io/prometheus/prometheus:v3   #~ image-untrusted-registry",
            ))
            .fail(&pod("redis:7   #~ image-untrusted-registry"))
            .run();
    }
}
