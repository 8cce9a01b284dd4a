use crate::model::Object;
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::NodeRef;

declare_rule! {
    /// ## What it flags
    /// A Service of `type: NodePort`.
    ///
    /// ## Why it matters
    /// A NodePort opens the same port on every node of the cluster, on every node address,
    /// bypassing the ingress controller and its TLS and authentication. Whoever can reach a
    /// node can reach the Service, and node firewalls are easy to get wrong.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata: {name: web}
    /// spec:
    ///   type: NodePort
    ///   selector: {app: web}
    ///   ports: [{port: 80, nodePort: 30080}]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata: {name: web}
    /// spec:
    ///   type: ClusterIP
    ///   selector: {app: web}
    ///   ports: [{port: 80}]
    /// ```
    ///
    /// ## References
    /// - Kubernetes, Service type NodePort: <https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport>
    pub NodePortService {
        id: "node-port-service",
        category: Network,
        severity: Low,
        summary: "service opens a port on every node",
        since: "0.1.0",
    }
}

impl Rule for NodePortService {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if obj.kind != "Service" || !obj.group().is_empty() {
            return;
        }
        if obj.get(&["spec", "type"]).and_then(NodeRef::text) != Some("NodePort") {
            return;
        }
        cx.report(self, obj.at(["spec", "type"]).value().label("opens a port on every node"))
            .message(format!("{} is of type NodePort: it is reachable on a port of every node, bypassing the ingress controller", obj.describe()))
            .help("Use `type: ClusterIP` behind an Ingress or Gateway, or an internal LoadBalancer.");
    }
}

#[cfg(test)]
mod tests {
    use super::NodePortService;
    use crate::testing::RuleTest;

    #[test]
    fn node_port_service() {
        RuleTest::of(&NodePortService)
            .pass("apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {type: ClusterIP, ports: [{port: 80}]}\n")
            .fail("apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  type: NodePort   #~ node-port-service\n  ports: [{port: 80}]\n")
            .snapshot();
    }
}
