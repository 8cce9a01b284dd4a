use crate::rule::{Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A Kustomize overlay or Helm chart that kubeward refuses to render because the renderer
    /// would execute, fetch or read something outside the repository on the input's behalf:
    ///
    /// - a remote reference in any kustomization the overlay reaches (a URL of any scheme,
    ///   `github.com/…`, `git@host:…`, `?ref=`), in `resources`, `components`, generator
    ///   `files`/`envs`, patches, replacements and the rest;
    /// - `helmCharts`, `helmGlobals` or `helmChartInflationGenerator` (kustomize would run helm);
    /// - a generator, transformer or validator plugin that is not built into kustomize, or any
    ///   configuration with a `config.kubernetes.io/function` annotation (exec or container
    ///   functions);
    /// - a path that leaves the repository: absolute, `..` past the repository root, or a
    ///   symbolic link resolving outside it (the kustomization file itself included), or a
    ///   FIFO, socket or device;
    /// - a value with a tag such as `!!binary`, which kustomize decodes and kubeward cannot check;
    /// - a chart holding a symbolic link that leaves the chart, or a file that is neither a
    ///   regular file nor a directory (subcharts included).
    ///
    /// The finding points at the line that made the overlay unsafe (the chart's `Chart.yaml` for
    /// a chart). The overlay is not rendered and its raw resources are linted, patches excepted.
    ///
    /// ## Why it matters
    /// On a pull request, every kustomization and chart is written by the author of the pull
    /// request. kustomize passes `?ref=` to `git fetch` (`--upload-pack=…` runs a command),
    /// fetches any URL it is given, and reads any file a generator names; helm follows a
    /// chart's links. Rendering such input in CI runs the attacker's command, leaks the files
    /// and secrets of the runner into the report, or reaches internal hosts.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kustomize.config.k8s.io/v1beta1
    /// kind: Kustomization
    /// resources:
    ///   - https://github.com/example/platform//base?ref=v1.2.0
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
    /// - kubeward SECURITY.md, "What kubeward runs"
    /// - kustomize, remote targets: <https://github.com/kubernetes-sigs/kustomize/blob/master/examples/remoteBuild.md>
    pub UnsafeRenderInput {
        id: "unsafe-render-input",
        category: Validity,
        severity: High,
        summary: "chart or overlay that would make the renderer reach outside the repository",
        since: "0.1.0",
    }
}

/// Reported by `crate::render` before it runs a renderer; there is nothing to check per object.
impl Rule for UnsafeRenderInput {}

#[cfg(test)]
mod tests {
    use super::UnsafeRenderInput;
    use crate::render::RenderTest;

    #[test]
    fn unsafe_render_input() {
        let k = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n";
        RenderTest::of(&UnsafeRenderInput)
            .pass(&format!("{k}configMapGenerator:\n  - name: app\n    literals: [A=1]\n"))
            .pass(&format!("{k}commonAnnotations:\n  docs: https://example.com/runbook\n"))
            .fail(&format!("{k}resources:\n  - \"file:///x?ref=--upload-pack=sh -c 'touch /tmp/x'\"   #~ unsafe-render-input\n"))
            .fail(&format!("{k}Resources:\n  - git@github.com:example/base   #~ unsafe-render-input\n"))
            .fail(&format!("{k}resources:\n  - !!binary aHR0cDovLzEyNy4wLjAuMTo5L3gueWFtbA==   #~ unsafe-render-input\n"))
            .fail(&format!("{k}configMapGenerator:\n  - name: app\n    files:\n      - /etc/passwd   #~ unsafe-render-input\n      - k=../../../etc/hostname   #~ unsafe-render-input\n      - http://169.254.169.254/latest   #~ unsafe-render-input\n"))
            .fail(&format!("{k}helmCharts:   #~ unsafe-render-input\n  - name: redis\n    repo: https://charts.example.com\n"))
            .fail(&format!("{k}transformers:\n  - |\n    apiVersion: example.com/v1   #~ unsafe-render-input\n    kind: Run\n    metadata:\n      name: x\n      annotations:\n        config.kubernetes.io/function: |\n          exec: {{path: /bin/sh}}\n"))
            .fail(&format!("{k}generators:\n  - \"{{apiVersion: builtin, kind: ConfigMapGenerator, metadata: {{name: x}}, files: [http://127.0.0.1:9/]}}\"   #~ unsafe-render-input\n"))
            .snapshot();
    }
}
