//! Network segmentation and exposure: NetworkPolicy coverage, Services, Ingresses, namespaces.

mod datastore_in_exposed_namespace;
mod default_namespace;
mod exposed_load_balancer;
mod ingress_nginx_snippet;
mod ingress_without_tls;
mod ingress_without_waf;
mod insecure_dashboard;
mod istio_mtls_disabled;
mod istio_mtls_permissive;
mod kube_system_workload;
mod metadata_endpoint_reachable;
mod missing_egress_policy;
mod missing_network_policy;
mod namespace_without_default_deny;
mod namespace_without_egress_deny;
mod namespace_without_resource_quota;
mod node_port_service;
mod service_external_ips;

pub use datastore_in_exposed_namespace::DatastoreInExposedNamespace;
pub use default_namespace::DefaultNamespace;
pub use exposed_load_balancer::ExposedLoadBalancer;
pub use ingress_nginx_snippet::IngressNginxSnippet;
pub use ingress_without_tls::IngressWithoutTls;
pub use ingress_without_waf::IngressWithoutWaf;
pub use insecure_dashboard::InsecureDashboard;
pub use istio_mtls_disabled::IstioMtlsDisabled;
pub use istio_mtls_permissive::IstioMtlsPermissive;
pub use kube_system_workload::KubeSystemWorkload;
pub use metadata_endpoint_reachable::MetadataEndpointReachable;
pub use missing_egress_policy::MissingEgressPolicy;
pub use missing_network_policy::MissingNetworkPolicy;
pub use namespace_without_default_deny::NamespaceWithoutDefaultDeny;
pub use namespace_without_egress_deny::NamespaceWithoutEgressDeny;
pub use namespace_without_resource_quota::NamespaceWithoutResourceQuota;
pub use node_port_service::NodePortService;
pub use service_external_ips::ServiceExternalIps;
