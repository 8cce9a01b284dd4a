use crate::model::Object;
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::{Focus, Label};

declare_rule! {
    /// ## What it flags
    /// A mapping that gives the same key twice, such as two `privileged:` lines in one
    /// `securityContext`.
    ///
    /// ## Why it matters
    /// kubectl decodes YAML with "last value wins" and silently drops the earlier one, so a
    /// reviewer who reads `privileged: false` may miss the `privileged: true` below it. Strict
    /// server-side decoding rejects the object instead. kubeward lints the last value, as the
    /// cluster would, and reports the duplicate.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   hostNetwork: false
    ///   hostNetwork: true
    ///   containers: [{name: web, image: nginx:1.27}]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   hostNetwork: false
    ///   containers: [{name: web, image: nginx:1.27}]
    /// ```
    ///
    /// ## References
    /// - sigs.k8s.io/yaml `YAMLToJSON` and `YAMLToJSONStrict`
    /// - kubernetes/kubernetes#89303
    pub DuplicateKey {
        id: "duplicate-key",
        category: Validity,
        severity: Medium,
        summary: "mapping key given more than once",
        since: "0.1.0",
    }
}

impl Rule for DuplicateKey {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        for dup in obj.duplicate_keys() {
            cx.report(self, Label::at(dup.key_pointer.clone()).key().label("this value wins"))
                .message(format!("key `{}` is given more than once; the last value wins", dup.key))
                .related(
                    Label { focus: Focus::Shadowed(dup.index), ..Label::at(dup.key_pointer) },
                    "earlier value, silently ignored",
                )
                .help("Delete one of the two keys so that what reviewers read is what the cluster applies.");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::DuplicateKey;
    use crate::testing::RuleTest;

    #[test]
    fn duplicate_key() {
        RuleTest::of(&DuplicateKey)
            .pass("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  hostNetwork: false\n")
            .pass("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  base: &b {x: 1}\n  merged:\n    <<: *b\n    x: 2\n")
            .fail(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n",
                "  containers:\n  - name: app\n    image: nginx:1.27\n    securityContext:\n",
                "      privileged: false\n      privileged: true   #~ duplicate-key\n",
            ))
            .fail("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, name: b}   #~ duplicate-key\n")
            .snapshot();
    }
}
