use crate::rule::{Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A file that cannot be read or parsed: YAML or JSON syntax errors, binary content, text
    /// that is not UTF-8, alias bombs and absurd nesting. The finding points at the first
    /// problem; documents before it in the same file are still linted.
    ///
    /// ## Why it matters
    /// `kubectl apply` rejects the whole file, so none of it reaches the cluster, and no other
    /// check can vouch for what it was meant to contain. A GitOps controller stalls on it.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web, labels: {app: [web}
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web, labels: {app: web}}
    /// ```
    ///
    /// ## References
    /// - YAML 1.1 specification, <https://yaml.org/spec/1.1/>
    pub ParseError {
        id: "parse-error",
        category: Validity,
        severity: High,
        summary: "file cannot be read or parsed",
        since: "0.1.0",
    }
}

/// Reported by the engine while reading and parsing; there is nothing to check per object.
impl Rule for ParseError {}

#[cfg(test)]
mod tests {
    use super::ParseError;
    use crate::testing::RuleTest;

    #[test]
    fn parse_error() {
        RuleTest::of(&ParseError)
            .pass("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n")
            .fail("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: {x: [y}   #~ parse-error\n")
            .fail("apiVersion: v1\nkind: ConfigMap\n---\na: &a [1, 2]\nb: *nope   #~ parse-error\n")
            .snapshot();
    }
}
