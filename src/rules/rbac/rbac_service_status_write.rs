use crate::model::{Object, RoleView, rule_item, service_status_write};
use crate::rule::{Context, Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A rule of a Role or ClusterRole that allows `patch` or `update` on `services/status` in
    /// the core API group, directly or through `"*"` and `"*/status"` (matched as the API
    /// server does). A rule with `"*"` in verbs, resources and API groups is left to
    /// `rbac-wildcard`.
    ///
    /// ## Why it matters
    /// CVE-2020-8554, which Kubernetes never fixed in the API: whoever writes a Service's
    /// status can set `status.loadBalancer.ingress[].ip` to any address, and kube-proxy then
    /// sends the traffic of every pod and node of the cluster for that address (an external
    /// API, a cloud metadata endpoint) to that Service's pods: a man-in-the-middle position.
    /// Only load-balancer controllers need this permission.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata: {name: service-editor}
    /// rules:
    /// - apiGroups: [""]
    ///   resources: [services, services/status]
    ///   verbs: [get, update, patch]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata: {name: service-editor}
    /// rules:
    /// - apiGroups: [""]
    ///   resources: [services]
    ///   verbs: [get, update, patch]
    /// ```
    ///
    /// ## References
    /// - CVE-2020-8554, "Man in the middle using LoadBalancer or ExternalIPs": <https://github.com/kubernetes/kubernetes/issues/97076>
    /// - checkov CKV2_K8S_4
    pub RbacServiceStatusWrite {
        id: "rbac-service-status-write",
        category: Rbac,
        severity: High,
        summary: "role rule can rewrite a service's load balancer address (CVE-2020-8554)",
        since: "0.2.0",
    }
}

impl Rule for RbacServiceStatusWrite {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        let Some(role) = RoleView::with_own_rules(obj) else {
            return;
        };
        let note = role.aggregation_note().unwrap_or_default();
        for (i, rule) in role.specific_rules() {
            let Some(hit) = service_status_write(rule) else {
                continue;
            };
            cx.report(self, rule_item(obj, i, "verbs", hit.at.verb).label("can set a load balancer address"))
                .message(format!(
                    "{} allows {}: setting `status.loadBalancer.ingress[].ip` makes kube-proxy send the cluster's traffic for that address to the Service (CVE-2020-8554){note}",
                    obj.describe(),
                    hit.all.join("; ")
                ))
                .related(rule_item(obj, i, "resources", hit.at.resource), "on this subresource")
                .help("Grant writes on `services/status` to the load-balancer controller only, and block status and externalIPs changes with an admission policy.");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RbacServiceStatusWrite;
    use crate::testing::RuleTest;

    #[test]
    fn rbac_service_status_write() {
        RuleTest::of(&RbacServiceStatusWrite)
            .pass(
                r##"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ok}
rules:
- apiGroups: [""]
  resources: [services, services/status]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [services, "services/*"]
  verbs: [patch]
"##,
            )
            .fail(
                r##"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: lb-controller}
rules:
- apiGroups: [""]
  resources: [services/status]
  verbs: [get, patch]   #~ rbac-service-status-write
- apiGroups: [""]
  resources: ["*/status"]
  verbs: [update]   #~ rbac-service-status-write
"##,
            )
            .snapshot();
    }
}
