use crate::rule::{Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A `# kubeward: ignore[…]` comment or `kubeward.io/ignore` annotation that says which
    /// rule to silence but not why.
    ///
    /// ## Why it matters
    /// A suppression is a security exception that lives in Git. Without a reason, the next
    /// reviewer cannot tell an accepted risk from a shortcut, and nobody knows when it may go.
    /// The suppression still applies; this finding asks for the missing reason.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: node-agent}
    /// spec:
    ///   hostNetwork: true # kubeward: ignore[host-network]
    ///   containers: [{name: agent, image: agent:1.0}]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: node-agent}
    /// spec:
    ///   hostNetwork: true # kubeward: ignore[host-network] the CNI agent programs the node's network
    ///   containers: [{name: agent, image: agent:1.0}]
    /// ```
    ///
    /// ## References
    /// - kubeward README, "Suppressions"
    pub SuppressionWithoutReason {
        id: "suppression-without-reason",
        category: Suppression,
        severity: Low,
        summary: "suppression gives no reason",
        since: "0.1.0",
    }
}

/// Reported by `crate::suppress` after all findings are known.
impl Rule for SuppressionWithoutReason {}

#[cfg(test)]
mod tests {
    use super::SuppressionWithoutReason;
    use crate::testing::RuleTest;

    #[test]
    fn suppression_without_reason() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n";
        RuleTest::of(&SuppressionWithoutReason)
            .pass(&format!("{pod}  hostPID: true # kubeward: ignore[host-pid] node debugger\n  containers: [{{name: a, image: a:1}}]\n"))
            .fail(&format!("{pod}  hostPID: true # kubeward: ignore[host-pid]   #~ suppression-without-reason\n  containers: [{{name: a, image: a:1}}]\n"))
            .fail(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  annotations:\n",
                "    kubeward.io/ignore: host-pid   #~ suppression-without-reason\n",
                "spec:\n  hostPID: true\n  containers: [{name: a, image: a:1}]\n",
            ))
            .snapshot();
    }
}
