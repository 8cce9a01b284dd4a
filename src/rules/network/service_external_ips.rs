use crate::model::Object;
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::NodeRef;

declare_rule! {
    /// ## What it flags
    /// A Service with `spec.externalIPs`.
    ///
    /// ## Why it matters
    /// kube-proxy sends traffic for a Service's `externalIPs` to its pods, on every node,
    /// whoever owns those addresses: nothing checks that the Service may claim them. Whoever can
    /// create or edit a Service can so intercept the cluster's traffic to any IP address, an
    /// external database or DNS server included (CVE-2020-8554, a man-in-the-middle with no
    /// fix in Kubernetes itself). A Service that needs `externalIPs` also means the cluster does
    /// not block the field, which the `DenyServiceExternalIPs` admission plugin or a policy
    /// should.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata: {name: web}
    /// spec:
    ///   selector: {app: web}
    ///   ports: [{port: 80}]
    ///   externalIPs: [203.0.113.10]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata: {name: web}
    /// spec:
    ///   type: LoadBalancer
    ///   selector: {app: web}
    ///   ports: [{port: 80}]
    /// ```
    ///
    /// ## References
    /// - CVE-2020-8554, kubernetes/kubernetes#97076: <https://github.com/kubernetes/kubernetes/issues/97076>
    /// - Kubernetes, `DenyServiceExternalIPs` admission plugin: <https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#denyserviceexternalips>
    pub ServiceExternalIps {
        id: "service-external-ips",
        category: Network,
        severity: Medium,
        summary: "service claims external IP addresses (CVE-2020-8554)",
        since: "0.2.0",
    }
}

impl Rule for ServiceExternalIps {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if obj.kind != "Service" || !obj.group().is_empty() {
            return;
        }
        let Some(ips) = obj.get(&["spec", "externalIPs"]).filter(|l| !l.is_empty()) else {
            return;
        };
        let list: Vec<&str> = ips.items().filter_map(NodeRef::text).take(3).collect();
        cx.report(self, obj.at(["spec", "externalIPs"]).key().label("traffic to these addresses is redirected"))
            .message(format!(
                "{} claims externalIPs {}: kube-proxy on every node redirects traffic for them to its pods, whoever owns the addresses (CVE-2020-8554)",
                obj.describe(),
                list.join(", ")
            ))
            .help("Expose the Service with `type: LoadBalancer` or an Ingress, and block `externalIPs` in the cluster (`DenyServiceExternalIPs` admission plugin, or a ValidatingAdmissionPolicy).");
    }
}

#[cfg(test)]
mod tests {
    use super::ServiceExternalIps;
    use crate::testing::RuleTest;

    #[test]
    fn service_external_ips() {
        RuleTest::of(&ServiceExternalIps)
            .pass("apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {type: ClusterIP, externalIPs: [], ports: [{port: 80}]}\n")
            .pass("apiVersion: example.com/v1\nkind: Service\nmetadata: {name: web}\nspec: {externalIPs: [8.8.8.8]}\n")
            .fail("apiVersion: v1\nkind: Service\nmetadata: {name: dns}\nspec:\n  ports: [{port: 53, protocol: UDP}]\n  externalIPs:   #~ service-external-ips\n  - 8.8.8.8\n")
            .snapshot();
    }
}
