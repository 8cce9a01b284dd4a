use crate::rule::{Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A suppression that silences nothing: the rule it names does not fire where it applies,
    /// the rule id does not exist, or the `kubeward:` comment is not a valid directive.
    ///
    /// ## Why it matters
    /// A stale suppression is a loaded gun: the day someone reintroduces the problem on that
    /// line, it is hidden without review. Misspelled rule ids suppress nothing at all.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   # kubeward: ignore[host-network] needed by the old ingress controller
    ///   containers: [{name: web, image: nginx:1.27}]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   containers: [{name: web, image: nginx:1.27}]
    /// ```
    ///
    /// ## References
    /// - kubeward README, "Suppressions"
    pub UnusedSuppression {
        id: "unused-suppression",
        category: Suppression,
        severity: Low,
        summary: "suppression that silences nothing",
        since: "0.1.0",
    }
}

/// Reported by `crate::suppress` after all findings are known.
impl Rule for UnusedSuppression {}

#[cfg(test)]
mod tests {
    use super::UnusedSuppression;
    use crate::testing::RuleTest;

    #[test]
    fn unused_suppression() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n";
        RuleTest::of(&UnusedSuppression)
            .pass(&format!("{pod}  hostPID: true # kubeward: ignore[host-pid] node debugger\n  containers: [{{name: a, image: a:1}}]\n"))
            .pass(&format!("# kubeward: ignore-file[host-pid] node debugger\n{pod}  hostPID: true\n  containers: [{{name: a, image: a:1}}]\n"))
            .pass(&format!("# kubeward: ignore[host-pid] whole object: node debugger\n{pod}  hostPID: true\n  containers: [{{name: a, image: a:1}}]\n"))
            .fail(&format!("{pod}  hostPID: false # kubeward: ignore[host-pid] node debugger   #~ unused-suppression\n  containers: [{{name: a, image: a:1}}]\n"))
            .fail(&format!("{pod}  hostPID: true # kubeward: ignore[host-pids] typo   #~ unused-suppression\n  containers: [{{name: a, image: a:1}}]\n"))
            .fail(&format!("{pod}  hostPID: true # kubeward: ignroe[host-pid] typo   #~ unused-suppression\n  containers: [{{name: a, image: a:1}}]\n"))
            .snapshot();
    }
}
