use crate::model::Object;
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::NodeRef;

declare_rule! {
    /// ## What it flags
    /// An Ingress served by the Azure Application Gateway Ingress Controller
    /// (`ingressClassName: azure-application-gateway`, or the annotation
    /// `kubernetes.io/ingress.class: azure/application-gateway`) that attaches no Web
    /// Application Firewall policy (`appgw.ingress.kubernetes.io/waf-policy-for-path`). A WAF
    /// policy attached to the gateway itself, outside the manifests, is not visible here, hence
    /// the low severity.
    ///
    /// ## Why it matters
    /// Application Gateway only filters the OWASP core rule set (SQL injection, cross-site
    /// scripting, known scanners) when a WAF policy applies to the listener or path. An
    /// internet-facing Ingress without one passes every request straight to the pods. The AKS
    /// security baseline asks for a WAF in front of web applications.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata: {name: shop}
    /// spec:
    ///   ingressClassName: azure-application-gateway
    ///   rules: [{host: shop.example.com}]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata:
    ///   name: shop
    ///   annotations:
    ///     appgw.ingress.kubernetes.io/waf-policy-for-path: /subscriptions/0000/resourceGroups/rg/providers/Microsoft.Network/applicationGatewayWebApplicationFirewallPolicies/shop
    /// spec:
    ///   ingressClassName: azure-application-gateway
    ///   rules: [{host: shop.example.com}]
    /// ```
    ///
    /// ## References
    /// - AGIC annotations, `waf-policy-for-path`: <https://azure.github.io/application-gateway-kubernetes-ingress/annotations/#azure-waf-policy-for-path>
    /// - Azure security baseline for AKS, "Network security": <https://learn.microsoft.com/security/benchmark/azure/baselines/azure-kubernetes-service-aks-security-baseline>
    pub IngressWithoutWaf {
        id: "ingress-without-waf",
        category: Network,
        severity: Low,
        summary: "ingress on Azure Application Gateway without a web application firewall policy",
        since: "0.2.0",
    }
}

const WAF: &str = "appgw.ingress.kubernetes.io/waf-policy-for-path";

impl Rule for IngressWithoutWaf {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if obj.kind != "Ingress" || !matches!(obj.group(), "networking.k8s.io" | "extensions") {
            return;
        }
        let at = if obj
            .get(&["spec", "ingressClassName"])
            .and_then(NodeRef::text)
            == Some("azure-application-gateway")
        {
            obj.at(["spec", "ingressClassName"])
        } else if obj.annotation("kubernetes.io/ingress.class") == Some("azure/application-gateway")
        {
            obj.at(["metadata", "annotations", "kubernetes.io/ingress.class"])
        } else {
            return;
        };
        if obj.annotation(WAF).is_some_and(|v| !v.trim().is_empty()) {
            return;
        }
        cx.report(self, at.value().label("Application Gateway, no WAF policy"))
            .message(format!(
                "{} is served by Azure Application Gateway but attaches no WAF policy (`{WAF}`): unless a policy is set on the gateway itself, requests reach the pods unfiltered",
                obj.describe()
            ))
            .help(format!("Attach a WAF policy in Prevention mode with the annotation `{WAF}: <policy resource id>`, or on the gateway's listener."));
    }
}

#[cfg(test)]
mod tests {
    use super::IngressWithoutWaf;
    use crate::testing::RuleTest;

    #[test]
    fn ingress_without_waf() {
        RuleTest::of(&IngressWithoutWaf)
            .pass("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: a\n  annotations: {appgw.ingress.kubernetes.io/waf-policy-for-path: /subscriptions/x/waf}\nspec: {ingressClassName: azure-application-gateway}\n")
            .pass("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: n}\nspec: {ingressClassName: nginx}\n")
            .fail("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a}\nspec:\n  ingressClassName: azure-application-gateway   #~ ingress-without-waf\n")
            .fail("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: b\n  annotations:\n    kubernetes.io/ingress.class: azure/application-gateway   #~ ingress-without-waf\n")
            .snapshot();
    }
}
