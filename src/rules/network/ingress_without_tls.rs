use crate::model::Object;
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::{NodeRef, Seg};

declare_rule! {
    /// ## What it flags
    /// An Ingress with `rules` but no `spec.tls`, and each `host` of an Ingress with `spec.tls`
    /// that no `tls` entry covers (`hosts` lists it, or a wildcard `*.example.com` covers its
    /// first label). Ingresses whose controller takes the
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
        if CERT_ANNOTATIONS.iter().any(|a| obj.annotation(a).is_some()) {
            return;
        }
        if let Some(tls) = obj.get(&["spec", "tls"]).filter(|t| !t.is_empty()) {
            uncovered_hosts(self, obj, rules, tls, cx);
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

/// Whether a `tls[].hosts` entry covers `host`: equal (case-insensitively), or a wildcard
/// `*.example.com` matching exactly one more label.
fn covers(pattern: &str, host: &str) -> bool {
    if pattern.eq_ignore_ascii_case(host) {
        return true;
    }
    match (pattern.strip_prefix("*."), host.split_once('.')) {
        (Some(suffix), Some((first, rest))) => {
            !first.is_empty() && first != "*" && suffix.eq_ignore_ascii_case(rest)
        }
        _ => false,
    }
}

/// With a `tls` section: each rule host that no entry lists.
fn uncovered_hosts(
    rule: &IngressWithoutTls,
    obj: &Object<'_>,
    rules: NodeRef<'_>,
    tls: NodeRef<'_>,
    cx: &mut Context<'_>,
) {
    let patterns: Vec<&str> = tls
        .items()
        .filter_map(|t| t.get("hosts"))
        .flat_map(NodeRef::items)
        .filter_map(NodeRef::text)
        .collect();
    let mut seen: Vec<&str> = Vec::new();
    for (i, r) in rules.items().enumerate() {
        let Some(host) = r.get("host").and_then(NodeRef::text) else {
            continue;
        };
        if seen.contains(&host) || patterns.iter().any(|p| covers(p, host)) {
            continue;
        }
        seen.push(host);
        let at = obj.at([
            Seg::from("spec"),
            Seg::from("rules"),
            Seg::from(i),
            Seg::from("host"),
        ]);
        cx.report(rule, at.value().label("no `tls` entry lists this host"))
            .message(format!(
                "{} has a `tls` section, but no entry lists host `{host}`: it is served over plain HTTP (or with the controller's default certificate, which clients reject)",
                obj.describe()
            ))
            .help(format!("Add `{host}` to the `hosts` of a `tls` entry whose `secretName` holds a certificate for it."));
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
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: wildcard}
spec:
  tls: [{hosts: [api.example.com, "*.shop.example.com"], secretName: w-tls}]
  rules: [{host: api.example.com}, {host: EU.shop.example.com}, {http: {paths: []}}]
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
            // One covered host no longer silences the others.
            .fail(r##"apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  tls: [{hosts: [shop.example.com, "*.example.com"], secretName: shop-tls}]
  rules:
  - host: shop.example.com
  - host: admin.shop.example.com   #~ ingress-without-tls
  - host: api.example.org   #~ ingress-without-tls
"##)
            .snapshot();
    }
}
