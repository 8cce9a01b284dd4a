use crate::model::Object;
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::NodeRef;

declare_rule! {
    /// ## What it flags
    /// An Ingress with `rules` but no `spec.tls`. Ingresses whose controller takes the
    /// certificate from an annotation are not reported: AWS ALB
    /// (`alb.ingress.kubernetes.io/certificate-arn`), GKE (`networking.gke.io/managed-certificates`,
    /// `ingress.gcp.kubernetes.io/pre-shared-cert`) and Azure Application Gateway
    /// (`appgw.ingress.kubernetes.io/appgw-ssl-certificate`).
    ///
    /// ## Why it matters
    /// Without TLS the hosts are served over plain HTTP: credentials, session cookies and data
    /// cross the network readable and modifiable by anyone on the path.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata: {name: web}
    /// spec:
    ///   rules:
    ///   - host: shop.example.com
    ///     http:
    ///       paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata: {name: web}
    /// spec:
    ///   tls:
    ///   - hosts: [shop.example.com]
    ///     secretName: shop-tls
    ///   rules:
    ///   - host: shop.example.com
    ///     http:
    ///       paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
    /// ```
    ///
    /// ## References
    /// - Kubernetes, Ingress TLS: <https://kubernetes.io/docs/concepts/services-networking/ingress/#tls>
    pub IngressWithoutTls {
        id: "ingress-without-tls",
        category: Network,
        severity: Medium,
        summary: "ingress serves its hosts without TLS",
        since: "0.1.0",
    }
}

const CERT_ANNOTATIONS: &[&str] = &[
    "alb.ingress.kubernetes.io/certificate-arn",
    "networking.gke.io/managed-certificates",
    "ingress.gcp.kubernetes.io/pre-shared-cert",
    "appgw.ingress.kubernetes.io/appgw-ssl-certificate",
];

impl Rule for IngressWithoutTls {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if obj.kind != "Ingress" || !matches!(obj.group(), "networking.k8s.io" | "extensions") {
            return;
        }
        let Some(rules) = obj.get(&["spec", "rules"]).filter(|r| !r.is_empty()) else {
            return;
        };
        if obj.get(&["spec", "tls"]).is_some_and(|t| !t.is_empty()) {
            return;
        }
        if CERT_ANNOTATIONS.iter().any(|a| obj.annotation(a).is_some()) {
            return;
        }
        let hosts: Vec<&str> = rules
            .items()
            .filter_map(|r| r.get("host").and_then(NodeRef::text))
            .take(3)
            .collect();
        let served = if hosts.is_empty() {
            "every host".to_owned()
        } else {
            hosts.join(", ")
        };
        cx.report(self, obj.at(["spec", "rules"]).key().label("served over plain HTTP"))
            .message(format!("{} has rules but no `tls` section: {served} served over plain HTTP", obj.describe()))
            .help("Add `spec.tls` with the hosts and a `secretName` holding their certificate (e.g. issued by cert-manager).");
    }
}

#[cfg(test)]
mod tests {
    use super::IngressWithoutTls;
    use crate::testing::RuleTest;

    #[test]
    fn ingress_without_tls() {
        RuleTest::of(&IngressWithoutTls)
            .pass(r##"apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  tls: [{hosts: [a.example.com], secretName: a-tls}]
  rules: [{host: a.example.com}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: alb
  annotations: {alb.ingress.kubernetes.io/certificate-arn: "arn:aws:acm:eu-west-1:123456789012:certificate/x"}
spec:
  rules: [{host: a.example.com}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: default-only}
spec:
  defaultBackend: {service: {name: web, port: {number: 80}}}
"##)
            .fail(r##"apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:   #~ ingress-without-tls
  - host: shop.example.com
    http:
      paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
"##)
            .snapshot();
    }
}
