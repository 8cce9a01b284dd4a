use crate::model::Object;
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::{NodeRef, Seg};

declare_rule! {
    /// ## What it flags
    /// A Service of `type: LoadBalancer` that is internet-facing and open to any source:
    /// no `spec.loadBalancerSourceRanges` (nor the legacy
    /// `service.beta.kubernetes.io/load-balancer-source-ranges` annotation), or one that
    /// contains `0.0.0.0/0` or `::/0`. A load balancer counts as internal with:
    /// - Azure: `service.beta.kubernetes.io/azure-load-balancer-internal: "true"`;
    /// - AWS: `service.beta.kubernetes.io/aws-load-balancer-internal: "true"` (in-tree) or
    ///   `service.beta.kubernetes.io/aws-load-balancer-scheme: internal`;
    /// - GKE: `networking.gke.io/load-balancer-type: Internal` (or the legacy
    ///   `cloud.google.com/load-balancer-type`), or `loadBalancerClass:
    ///   networking.gke.io/l4-regional-internal`;
    /// - OpenStack and OCI internal annotations.
    ///
    /// Services handled by the AWS Load Balancer Controller (`loadBalancerClass:
    /// service.k8s.aws/nlb`, or `aws-load-balancer-type: external`/`nlb-ip`) without a scheme
    /// default to internal there but are public with the in-tree controller; the message says so.
    ///
    /// ## Why it matters
    /// Cloud load balancers are public by default: the Service is reachable from the whole
    /// internet, including any admin or debug port it exposes, and scanners find it within
    /// minutes.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata: {name: web}
    /// spec:
    ///   type: LoadBalancer
    ///   selector: {app: web}
    ///   ports: [{port: 443}]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: web
    ///   annotations:
    ///     service.beta.kubernetes.io/azure-load-balancer-internal: "true"
    /// spec:
    ///   type: LoadBalancer
    ///   selector: {app: web}
    ///   ports: [{port: 443}]
    /// ```
    ///
    /// ## References
    /// - Kubernetes, Service `loadBalancerSourceRanges`: <https://kubernetes.io/docs/concepts/services-networking/service/#load-balancers-with-mixed-protocol-types>
    /// - AKS internal load balancer: <https://learn.microsoft.com/azure/aks/internal-lb>
    /// - AWS Load Balancer Controller service annotations: <https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/>
    /// - GKE LoadBalancer Service parameters: <https://cloud.google.com/kubernetes-engine/docs/concepts/service-load-balancer-parameters>
    pub ExposedLoadBalancer {
        id: "exposed-load-balancer",
        category: Network,
        severity: High,
        summary: "load balancer Service open to the internet",
        since: "0.1.0",
    }
}

const INTERNAL: &[(&str, &str)] = &[
    (
        "service.beta.kubernetes.io/azure-load-balancer-internal",
        "true",
    ),
    (
        "service.beta.kubernetes.io/aws-load-balancer-scheme",
        "internal",
    ),
    ("networking.gke.io/load-balancer-type", "internal"),
    ("cloud.google.com/load-balancer-type", "internal"),
    (
        "service.beta.kubernetes.io/openstack-internal-load-balancer",
        "true",
    ),
    (
        "service.beta.kubernetes.io/oci-load-balancer-internal",
        "true",
    ),
    (
        "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type",
        "private",
    ),
];

fn is_open(cidr: &str) -> bool {
    matches!(cidr.trim(), "0.0.0.0/0" | "::/0" | "0::0/0")
}

impl Rule for ExposedLoadBalancer {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if obj.kind != "Service" || !obj.group().is_empty() {
            return;
        }
        if obj.get(&["spec", "type"]).and_then(NodeRef::text) != Some("LoadBalancer") {
            return;
        }
        let ann = |k: &str| obj.annotation(k).map(str::trim);
        if INTERNAL
            .iter()
            .any(|(k, v)| ann(k).is_some_and(|a| a.eq_ignore_ascii_case(v)))
        {
            return;
        }
        // In-tree AWS: any value but "false" makes it internal (old manifests use "0.0.0.0/0").
        if ann("service.beta.kubernetes.io/aws-load-balancer-internal")
            .is_some_and(|v| !v.eq_ignore_ascii_case("false"))
        {
            return;
        }
        let class = obj
            .get(&["spec", "loadBalancerClass"])
            .and_then(NodeRef::text);
        if class == Some("networking.gke.io/l4-regional-internal") {
            return;
        }
        let scheme = ann("service.beta.kubernetes.io/aws-load-balancer-scheme");
        let aws_lbc = class == Some("service.k8s.aws/nlb")
            || matches!(
                ann("service.beta.kubernetes.io/aws-load-balancer-type"),
                Some("external" | "nlb-ip")
            );
        let ambiguous = aws_lbc && scheme.is_none();

        let ranges = obj
            .get(&["spec", "loadBalancerSourceRanges"])
            .filter(|n| !n.is_empty());
        let legacy =
            ann("service.beta.kubernetes.io/load-balancer-source-ranges").filter(|v| !v.is_empty());
        let name = obj.describe();
        let (label, message) = if let Some(r) = ranges {
            let Some(i) = r.items().position(|c| c.text().is_some_and(is_open)) else {
                return;
            };
            let cidr = r.at(i).and_then(NodeRef::text).unwrap_or_default();
            (
                obj.at([
                    Seg::from("spec"),
                    Seg::from("loadBalancerSourceRanges"),
                    Seg::from(i),
                ])
                .value()
                .label("open to every address"),
                format!(
                    "{name} is a public load balancer whose `loadBalancerSourceRanges` include {cidr}: reachable from the whole internet"
                ),
            )
        } else if let Some(v) = legacy {
            if !v.split(',').any(is_open) {
                return;
            }
            (
                obj.at([
                    "metadata",
                    "annotations",
                    "service.beta.kubernetes.io/load-balancer-source-ranges",
                ])
                .value()
                .label("open to every address"),
                format!(
                    "{name} is a public load balancer whose source-ranges annotation allows every address: reachable from the whole internet"
                ),
            )
        } else if ambiguous {
            (
                obj.at(["spec", "type"])
                    .value()
                    .label("public or internal depends on the controller"),
                format!(
                    "{name} is a LoadBalancer without source ranges and without `aws-load-balancer-scheme`: the AWS Load Balancer Controller makes it internal, the in-tree controller makes it internet-facing"
                ),
            )
        } else {
            (
                obj.at(["spec", "type"])
                    .value()
                    .label("public load balancer"),
                format!(
                    "{name} is a LoadBalancer with no `loadBalancerSourceRanges` and no internal-load-balancer annotation: cloud providers make it reachable from the whole internet"
                ),
            )
        };
        let d = cx.report(self, label);
        d.message(message).help(
            "Make it internal (e.g. `service.beta.kubernetes.io/azure-load-balancer-internal: \"true\"`, `service.beta.kubernetes.io/aws-load-balancer-scheme: internal`, `networking.gke.io/load-balancer-type: Internal`), or list the client networks in `spec.loadBalancerSourceRanges`.",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::ExposedLoadBalancer;
    use crate::testing::RuleTest;

    #[test]
    fn exposed_load_balancer() {
        RuleTest::of(&ExposedLoadBalancer)
            .pass(
                r##"apiVersion: v1
kind: Service
metadata:
  name: internal
  annotations: {service.beta.kubernetes.io/azure-load-balancer-internal: "true"}
spec: {type: LoadBalancer, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: ranged}
spec:
  type: LoadBalancer
  loadBalancerSourceRanges: [203.0.113.0/24]
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata:
  name: gke
  annotations: {networking.gke.io/load-balancer-type: "Internal"}
spec: {type: LoadBalancer, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata:
  name: aws
  annotations: {service.beta.kubernetes.io/aws-load-balancer-scheme: internal}
spec: {type: LoadBalancer, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: cluster-ip}
spec: {ports: [{port: 80}]}
"##,
            )
            .fail(
                r##"apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: LoadBalancer   #~ exposed-load-balancer
  ports: [{port: 443}]
---
apiVersion: v1
kind: Service
metadata: {name: open}
spec:
  type: LoadBalancer
  loadBalancerSourceRanges:
  - 10.0.0.0/8
  - 0.0.0.0/0   #~ exposed-load-balancer
---
apiVersion: v1
kind: Service
metadata:
  name: nlb
  annotations: {service.beta.kubernetes.io/aws-load-balancer-type: external}
spec:
  type: LoadBalancer   #~ exposed-load-balancer
---
apiVersion: v1
kind: Service
metadata:
  name: public
  annotations:
    service.beta.kubernetes.io/azure-load-balancer-internal: "false"
spec: {type: LoadBalancer}   #~ exposed-load-balancer
"##,
            )
            .snapshot();
    }
}
