use crate::rule::{Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A suppression whose `until=YYYY-MM-DD` date has passed. It no longer applies: the
    /// findings it covered are reported again, and this finding says why they came back.
    ///
    /// ## Why it matters
    /// Time-boxed exceptions are how teams accept a risk while a fix is scheduled. When the
    /// date passes silently, the exception becomes permanent; kubeward makes it visible instead.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: legacy}
    /// spec:
    ///   # kubeward: ignore[host-pid] until=2020-01-31 migrating to an ephemeral debug container
    ///   hostPID: true
    ///   containers: [{name: app, image: app:1.0}]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: legacy}
    /// spec:
    ///   containers: [{name: app, image: app:1.0}]
    /// ```
    ///
    /// ## References
    /// - kubeward README, "Suppressions"
    pub ExpiredSuppression {
        id: "expired-suppression",
        category: Suppression,
        severity: Medium,
        summary: "suppression past its until date",
        since: "0.1.0",
    }
}

/// Reported by `crate::suppress` after all findings are known.
impl Rule for ExpiredSuppression {}

#[cfg(test)]
mod tests {
    use super::ExpiredSuppression;
    use crate::testing::RuleTest;

    #[test]
    fn expired_suppression() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n";
        let tail = "  hostPID: true\n  containers: [{name: a, image: a:1}]\n";
        RuleTest::of(&ExpiredSuppression)
            .pass(&format!("{pod}  # kubeward: ignore[host-pid] until=2999-12-31 node debugger\n{tail}"))
            .fail(&format!("{pod}  # kubeward: ignore[host-pid] until=2020-01-31 node debugger   #~ expired-suppression\n{tail}"))
            .snapshot();
    }
}
