use crate::rule::{Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A manifest that git tracks but a `.gitignore` or `.ignore` rule leaves out of the lint.
    /// kubeward honours ignore files, so that build output and vendored trees stay out of the
    /// way; a tracked manifest that one of them hides is not read at all. The finding points at
    /// the line of the ignore file that hides it (or at the manifest itself when the rule lives
    /// outside the repository, in `.git/info/exclude` or the global excludes file).
    ///
    /// ## Why it matters
    /// One line in an ignore file makes every manifest under a directory vanish from the lint
    /// while the cluster still applies them: without this rule, a pull request that adds
    /// `deploy/` to `.ignore` passes the gate with "0 files linted". The diff shows an innocent
    /// ignore rule, not the manifests it hides. An ignore file is a suppression nobody reviews
    /// as one.
    ///
    /// ## Example
    /// The files of a repository, all of them committed:
    /// ```yaml
    /// # files of a git repository
    /// .ignore: |
    ///   deploy/
    /// deploy/pod.yaml: |
    ///   apiVersion: v1
    ///   kind: Pod
    ///   metadata: {name: web}
    ///   spec:
    ///     containers: [{name: web, image: nginx:1.27}]
    /// ```
    /// Use instead:
    /// ```yaml
    /// # files of a git repository
    /// .ignore: |
    ///   deploy/*.rendered.yaml
    /// deploy/pod.yaml: |
    ///   apiVersion: v1
    ///   kind: Pod
    ///   metadata: {name: web}
    ///   spec:
    ///     containers: [{name: web, image: nginx:1.27}]
    /// ```
    /// To keep tracked files out of the lint on purpose, list them under `exclude:` in
    /// `.kubeward.yaml`, where a reviewer reads them as what they are.
    ///
    /// ## References
    /// - gitignore(5), <https://git-scm.com/docs/gitignore>
    /// - kubeward README, "What gets linted"
    pub IgnoredManifest {
        id: "ignored-manifest",
        category: Suppression,
        severity: High,
        summary: "tracked manifest left out of the lint by an ignore file",
        since: "0.1.0",
    }
}

/// Reported by discovery (`crate::input`), which knows what the walk left out; there is
/// nothing to check per object.
impl Rule for IgnoredManifest {}

#[cfg(test)]
mod tests {
    use super::IgnoredManifest;
    use crate::testing::TreeTest;

    const POD: &str = "  apiVersion: v1\n  kind: Pod\n  metadata: {name: web}\n  spec:\n    containers: [{name: web, image: nginx:1.27}]\n";

    #[test]
    fn ignored_manifest() {
        TreeTest::of(&IgnoredManifest)
            .pass(&format!(".ignore: |\n  deploy/*.tmp\ndeploy/pod.yaml: |\n{POD}"))
            .pass(&format!(".gitignore: |\n  deploy/*\n  !deploy/pod.yaml\ndeploy/pod.yaml: |\n{POD}"))
            .pass(".ignore: |\n  .cache/\n.github/workflows/ci.yaml: |\n  on: push\n")
            .fail(&format!(".ignore: |\n  deploy/   #~ ignored-manifest\ndeploy/pod.yaml: |\n{POD}"))
            // A `!` rule cannot re-include a file whose directory is left out.
            .fail(&format!(".gitignore: |\n  deploy/   #~ ignored-manifest\n  !deploy/pod.yaml\ndeploy/pod.yaml: |\n{POD}"))
            .fail(&format!(".gitignore: |\n  # build output\n  *.yaml   #~ ignored-manifest\napps/web/pod.yaml: |\n{POD}"))
            .fail(&format!(".gitignore: |\n  web/\napps/.ignore: |\n  web   #~ ignored-manifest\napps/web/pod.yaml: |\n{POD}"))
            .snapshot();
    }
}
