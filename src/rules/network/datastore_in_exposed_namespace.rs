use std::collections::BTreeMap;

use crate::model::{Facts, KindFacts, Site, World, describe_ns};
use crate::rule::{Rule, WorldContext, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A database or cache (PostgreSQL, MySQL, MariaDB, MongoDB, Redis, Valkey, Memcached,
    /// Elasticsearch, OpenSearch, Cassandra, …, recognised by image name) in the same
    /// namespace as an internet-exposed workload: one whose pods a `LoadBalancer` or `NodePort`
    /// Service selects, or a Service an Ingress sends traffic to. The finding sits on the data
    /// store's name; related locations show the exposed workload and what exposes it. A data
    /// store that is itself exposed is said so. Namespaces are those of `missing-network-policy`.
    ///
    /// ## Why it matters
    /// A namespace is the unit most controls apply to: RBAC roles, network policies with
    /// `podSelector: {}`, Pod Security levels, quotas, the Secrets a compromised pod's account
    /// may read. Putting the entry point attackers reach first beside the data they want
    /// means one namespace-wide mistake (a broad role, an allow-all policy) hands over both.
    /// The AKS and EKS hardening guides ask for exposed front ends and data stores in separate
    /// namespaces, with policies between them.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: web, namespace: shop}
    /// spec:
    ///   template:
    ///     metadata: {labels: {app: web}}
    ///     spec:
    ///       containers: [{name: web, image: example/web:1.0}]
    /// ---
    /// apiVersion: v1
    /// kind: Service
    /// metadata: {name: web, namespace: shop}
    /// spec:
    ///   type: LoadBalancer
    ///   selector: {app: web}
    ///   ports: [{port: 443}]
    /// ---
    /// apiVersion: apps/v1
    /// kind: StatefulSet
    /// metadata: {name: db, namespace: shop}
    /// spec:
    ///   serviceName: db
    ///   template:
    ///     metadata: {labels: {app: db}}
    ///     spec:
    ///       containers: [{name: db, image: postgres:16.4}]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: web, namespace: shop}
    /// spec:
    ///   template:
    ///     metadata: {labels: {app: web}}
    ///     spec:
    ///       containers: [{name: web, image: example/web:1.0}]
    /// ---
    /// apiVersion: v1
    /// kind: Service
    /// metadata: {name: web, namespace: shop}
    /// spec:
    ///   type: LoadBalancer
    ///   selector: {app: web}
    ///   ports: [{port: 443}]
    /// ---
    /// apiVersion: apps/v1
    /// kind: StatefulSet
    /// metadata: {name: db, namespace: shop-data}
    /// spec:
    ///   serviceName: db
    ///   template:
    ///     metadata: {labels: {app: db}}
    ///     spec:
    ///       containers: [{name: db, image: postgres:16.4}]
    /// ```
    ///
    /// ## References
    /// - AKS, "Best practices for cluster isolation" (logical isolation with namespaces): <https://learn.microsoft.com/azure/aks/operator-best-practices-cluster-isolation>
    /// - Kubernetes, "Multi-tenancy", namespaces as isolation boundary: <https://kubernetes.io/docs/concepts/security/multi-tenancy/>
    pub DatastoreInExposedNamespace {
        id: "datastore-in-exposed-namespace",
        category: Network,
        severity: Medium,
        summary: "database or cache shares a namespace with an internet-exposed workload",
        since: "0.2.0",
    }
}

/// How a workload is exposed: the exposing object and the place to show.
struct Exposure<'w> {
    how: String,
    site: &'w Site,
}

fn selects(selector: &BTreeMap<String, String>, f: &Facts) -> bool {
    let labels = f.pod_labels.as_deref().unwrap_or(&[]);
    !selector.is_empty()
        && selector
            .iter()
            .all(|(k, v)| labels.iter().any(|(lk, lv)| **lk == **k && **lv == **v))
}

impl Rule for DatastoreInExposedNamespace {
    fn reads_world(&self) -> bool {
        true
    }

    fn check_world(&self, world: &World, cx: &mut WorldContext<'_>) {
        cx.each_namespace(world, |ns, index, cx| {
            let stores: Vec<&Facts> = index
                .workloads
                .iter()
                .map(|&i| &world.objects[i])
                .filter(|f| f.workload().is_some_and(|w| w.datastore.is_some()))
                .collect();
            if stores.is_empty() {
                return;
            }
            // Exposing selectors: LoadBalancer/NodePort Services, and Services Ingresses use.
            let mut exposing: Vec<(&BTreeMap<String, String>, Exposure<'_>)> = Vec::new();
            for &si in &index.services {
                let f = &world.objects[si];
                let KindFacts::Service(s) = &f.kind else { continue };
                if let Some(site) = &s.exposed {
                    exposing.push((&s.selector, Exposure { how: format!("{} (node or load balancer port)", f.describe()), site }));
                }
            }
            for &ii in &index.ingresses {
                let f = &world.objects[ii];
                let KindFacts::Ingress(ing) = &f.kind else { continue };
                for (name, site) in &ing.backends {
                    for &si in &index.services {
                        let s = &world.objects[si];
                        if s.name() != name {
                            continue;
                        }
                        if let KindFacts::Service(sf) = &s.kind {
                            exposing.push((&sf.selector, Exposure { how: format!("{} through Service \"{name}\"", f.describe()), site }));
                        }
                    }
                }
            }
            if exposing.is_empty() {
                return;
            }
            // The first exposed workload that is not a data store, else an exposed data store.
            let exposed: Vec<(&Facts, &Exposure<'_>)> = index
                .workloads
                .iter()
                .map(|&i| &world.objects[i])
                .filter_map(|f| {
                    exposing
                        .iter()
                        .find(|(sel, _)| selects(sel, f))
                        .map(|(_, e)| (f, e))
                })
                .collect();
            let Some(front) = exposed
                .iter()
                .find(|(f, _)| f.workload().is_some_and(|w| w.datastore.is_none()))
                .or_else(|| exposed.first())
            else {
                return;
            };
            for store in stores {
                let Some(w) = store.workload() else { continue };
                let kind = w.datastore.unwrap_or("data store");
                let own = exposed.iter().find(|(f, _)| std::ptr::eq(*f, store));
                let d = cx.report(self, &w.name_site);
                match own {
                    Some((_, e)) => {
                        d.label(format!("{kind} exposed to the internet")).message(format!(
                            "{} runs {kind} and is itself exposed to the internet by {} in {}: the data store is reachable from outside the cluster",
                            store.describe(),
                            e.how,
                            describe_ns(ns)
                        ))
                        .related_site(e.site, "exposes the data store");
                    }
                    None => {
                        let (f, e) = front;
                        d.label(format!("{kind} beside an exposed workload")).message(format!(
                            "{} runs {kind} in {}, which also holds {}, exposed to the internet by {}: a namespace-wide role, policy or Secret mistake reaches both the entry point and the data",
                            store.describe(),
                            describe_ns(ns),
                            f.describe(),
                            e.how
                        ))
                        .related_site(f.workload().map_or(&f.site, |w| &w.name_site), "internet-exposed workload")
                        .related_site(e.site, "exposes it");
                    }
                }
                d.help("Move the data store to its own namespace, reachable only through a NetworkPolicy that admits the workloads that use it; expose only the front end.");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::DatastoreInExposedNamespace;
    use crate::testing::RuleTest;

    const WEB: &str = r##"apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web, tier: fe}}
    spec: {containers: [{name: web, image: example/web:1.0}]}
"##;

    #[test]
    fn datastore_in_exposed_namespace() {
        RuleTest::of(&DatastoreInExposedNamespace)
            // Data store in its own namespace; a ClusterIP Service exposes nothing; an
            // exporter is not a data store.
            .pass(format!(
                r##"{WEB}---
apiVersion: v1
kind: Service
metadata: {{name: web, namespace: shop}}
spec: {{type: LoadBalancer, selector: {{app: web}}, ports: [{{port: 443}}]}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: db, namespace: shop-data}}
spec:
  template:
    metadata: {{labels: {{app: db}}}}
    spec: {{containers: [{{name: db, image: postgres:16.4}}]}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: metrics, namespace: shop}}
spec:
  template:
    metadata: {{labels: {{app: metrics}}}}
    spec: {{containers: [{{name: m, image: "oliver006/redis_exporter:v1.62.0"}}]}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: cache, namespace: internal}}
spec:
  template:
    metadata: {{labels: {{app: cache}}}}
    spec: {{containers: [{{name: c, image: redis:7.4}}]}}
---
apiVersion: v1
kind: Service
metadata: {{name: cache, namespace: internal}}
spec: {{selector: {{app: cache}}, ports: [{{port: 6379}}]}}
"##
            ).as_str())
            .fail(format!(
                r##"{WEB}---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: web, namespace: shop}}
spec:
  rules:
  - host: shop.example.com
    http:
      paths: [{{path: /, pathType: Prefix, backend: {{service: {{name: web, port: {{number: 80}}}}}}}}]
---
apiVersion: v1
kind: Service
metadata: {{name: web, namespace: shop}}
spec: {{selector: {{app: web}}, ports: [{{port: 80}}]}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db   #~ datastore-in-exposed-namespace
  namespace: shop
spec:
  template:
    metadata: {{labels: {{app: db}}}}
    spec: {{containers: [{{name: db, image: "docker.io/bitnami/postgresql:16.4.0@sha256:0000000000000000000000000000000000000000000000000000000000000000"}}]}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cache   #~ datastore-in-exposed-namespace
  namespace: shop
spec:
  template:
    metadata: {{labels: {{app: cache}}}}
    spec: {{containers: [{{name: c, image: redis:7.4}}]}}
---
apiVersion: v1
kind: Service
metadata: {{name: cache-public, namespace: shop}}
spec: {{type: NodePort, selector: {{app: cache}}, ports: [{{port: 6379}}]}}
"##
            ).as_str())
            .snapshot();
    }
}
