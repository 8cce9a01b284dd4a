use crate::rule::{Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A Helm chart or Kustomize overlay that kubeward tried to render and could not:
    /// `helm template` or `kustomize build` failed, ran past the wall-time limit
    /// (`--render-timeout`, default 60 s) or printed more than the output cap
    /// (`--render-max-output`, default 64 MB). The finding points at the overlay's
    /// `resources:` or the chart's `Chart.yaml` and quotes the renderer's first error line.
    ///
    /// ## Why it matters
    /// What a chart or an overlay applies is only known once it is rendered. A render that
    /// fails here either fails in the cluster's pipeline too, or hides objects kubeward never
    /// saw: without this finding the gate would pass on a chart it never looked at. The raw
    /// resources of an overlay are still linted (patches excepted); a chart's templates are not.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kustomize.config.k8s.io/v1beta1
    /// kind: Kustomization
    /// resources:
    ///   - deployment.yaml   # no such file
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: kustomize.config.k8s.io/v1beta1
    /// kind: Kustomization
    /// configMapGenerator:
    ///   - name: app
    ///     literals: [LOG_LEVEL=info]
    /// ```
    ///
    /// ## References
    /// - kubeward README, "Linting what will be applied (Helm and Kustomize)"
    /// - kubeward SECURITY.md, "What kubeward runs"
    pub RenderError {
        id: "render-error",
        category: Validity,
        severity: High,
        summary: "chart or overlay that could not be rendered",
        since: "0.1.0",
    }
}

/// Reported by `crate::render` when a render fails; there is nothing to check per object.
impl Rule for RenderError {}

#[cfg(test)]
mod tests {
    use super::RenderError;
    use crate::render::{RenderTest, chart};

    #[test]
    fn render_error() {
        // Charts rendered by testdata/helm/fake-helm.sh, which knows the chart `webapp` only
        // (kustomizations need kubectl: tests/render.rs and tests/hostile/render.rs).
        RenderTest::of(&RenderError)
            .pass(chart("webapp", "apiVersion: v2\nname: webapp\nversion: 1.0.0\n"))
            .pass("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nconfigMapGenerator:\n  - name: app\n    literals: [A=1]\n")
            .fail(chart(
                "broken",
                "apiVersion: v2\nname: broken   #~ render-error\nversion: 1.0.0\n",
            ))
            .fail(chart("nameless", "apiVersion: v2   #~ render-error\nversion: 1.0.0\n"))
            .snapshot();
    }
}
