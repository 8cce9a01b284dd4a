//! What the first pass keeps of each object for the cross-object rules.
//!
//! What the first pass keeps of each object: identity, effective namespace, labels, and a few
//! typed facts for the kinds cross-object rules read. Extraction is cheap for every other kind.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::netpol::PolicyFacts;
use super::object::{Object, ObjectIdent};
use super::rbac::{PolicyRule, RoleView, rule_item};
use super::rbac_risk::{Hit, risks};
use super::selector::{LabelPairs, LabelSelector, label_pairs, pod_key};
use crate::finding::Interner;
use crate::pss::{self, Levels, PssControl};
use crate::yaml::{Label, NodeRef, Pointer, Region};

/// A resolved place in the input, recorded while the file's tree was alive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// File id (index into the run's file table).
    pub file: u32,
    /// Where.
    pub region: Region,
    /// The object the place belongs to.
    pub object: Option<std::sync::Arc<ObjectIdent>>,
    /// Stable route inside the object (for fingerprints; shared with equal texts of the run).
    pub route: crate::finding::Text,
}

/// The document a fix of a cross-object finding edits (its routes start at its root): the
/// object's own document when it is a plain manifest, or the Kustomize resource that alone
/// wrote the object. Never other rendered output (see [`Home`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocRef {
    /// File id.
    pub file: u32,
    /// 0-based document index in the file.
    pub doc: u32,
    /// Whether kubeward may write the file (not standard input): as `finding::Fixable`.
    pub editable: bool,
}

/// Where a fix of the node at a route of the object's document is made, and its route there
/// (`None`: nowhere). Given to [`Facts::extract`] only when the run builds fixes.
pub type Home<'h> = &'h mut dyn FnMut(&Pointer) -> Option<(DocRef, Pointer)>;

/// Where an object's effective namespace comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NsOrigin {
    /// `metadata.namespace`.
    Explicit,
    /// The `namespace:` of the kustomizations that include the file (base through overlay),
    /// or of the Argo CD Application or Flux Kustomization that applies it.
    Kustomization,
    /// Neither: the unnamed namespace of the object's directory.
    Unknown,
}

/// What the index keeps of one object.
#[derive(Debug, Clone)]
pub struct Facts {
    /// Identity.
    pub ident: std::sync::Arc<ObjectIdent>,
    /// The object's `kind:` entry.
    pub site: Site,
    /// Effective namespace (`None`: unknown, or a cluster-scoped kind).
    pub namespace: Option<String>,
    /// Where `namespace` comes from.
    pub ns_origin: NsOrigin,
    /// The input (file id) the object was read from: for a rendered stream the stream, where
    /// `site` may be in the template or base it was traced to.
    pub input: u32,
    /// `metadata.labels` of Namespaces and ClusterRoles, and a Namespace's Pod Security labels
    /// (`None` for other kinds: no rule reads them; boxed, the index holds every object).
    pub object_labels: Option<Box<ObjectLabels>>,
    /// Pod template labels, for workloads.
    pub pod_labels: Option<LabelPairs>,
    /// Typed facts of the kinds cross-object rules read.
    pub kind: KindFacts,
    /// Pod Security: the violations of the pod spec at every level and version, and the
    /// `metadata.namespace` entry. Only for objects with a pod spec and an explicit namespace,
    /// the only ones a Namespace of the input can govern. Boxed: most objects have none, and
    /// the index holds every object.
    pub pod_security: Option<Box<PodSecurityFacts>>,
}

/// The labels the index keeps of a Namespace or ClusterRole.
#[derive(Debug, Clone, Default)]
pub struct ObjectLabels {
    /// `metadata.labels`.
    pub all: BTreeMap<String, String>,
    /// For Namespace objects: the `pod-security.kubernetes.io/*` labels.
    pub psa: Vec<PsaLabel>,
}

/// The Pod Security verdict of a workload, for every level and policy version at once.
#[derive(Debug, Clone)]
pub struct PodSecurityFacts {
    /// The object's `metadata.namespace` entry.
    pub namespace_site: Site,
    /// Every violation, in rule order.
    pub violations: Vec<PssFact>,
}

/// One Pod Security violation of a workload.
#[derive(Debug, Clone)]
pub struct PssFact {
    /// The rule that reports it.
    pub rule: &'static str,
    /// The levels and versions at which it violates.
    pub levels: Levels,
    /// Where.
    pub site: Site,
    /// The label text at that place.
    pub label: Option<Cow<'static, str>>,
}

/// A `pod-security.kubernetes.io/*` label of a Namespace.
#[derive(Debug, Clone)]
pub struct PsaLabel {
    /// The label key (`pod-security.kubernetes.io/enforce`, …).
    pub key: String,
    /// Its value.
    pub value: String,
    /// The label's entry.
    pub site: Site,
}

/// Typed facts per kind. Objects of other kinds are not indexed: no cross-object rule reads
/// them (a Service, ConfigMap or Secret is about half the objects of a repository).
#[derive(Debug, Clone)]
pub enum KindFacts {
    /// A Pod or a workload with a pod template.
    Workload(Box<WorkloadFacts>),
    /// A network policy (core, Cilium or Calico).
    Policy(Box<PolicyFacts>),
    /// A Role or ClusterRole.
    Role(Box<RoleFacts>),
    /// A RoleBinding or ClusterRoleBinding.
    Binding(Box<BindingFacts>),
    /// A Namespace, with its `metadata.name` entry (boxed: few objects are Namespaces, and
    /// the largest variant sets the size of every object's facts).
    Namespace(Box<Site>),
    /// A ServiceAccount.
    ServiceAccount {
        /// `automountServiceAccountToken`.
        automount: Option<bool>,
    },
    /// A ResourceQuota.
    ResourceQuota,
    /// A Service with a selector, or of type LoadBalancer or NodePort.
    Service(Box<ServiceFacts>),
    /// An Ingress: the Services it sends traffic to.
    Ingress(Box<IngressFacts>),
    /// A PersistentVolume with `spec.hostPath`.
    HostPathVolume(Box<HostPathVolumeFacts>),
    /// A PersistentVolumeClaim that names its volume (`spec.volumeName`).
    Claim(Box<ClaimFacts>),
    /// An Argo CD Application or Flux Kustomization: the paths it applies, and in which
    /// namespace.
    Deployer(Box<super::deployer::Deployer>),
}

/// What the claim analysis keeps of a PersistentVolumeClaim.
#[derive(Debug, Clone)]
pub struct ClaimFacts {
    /// `spec.volumeName`.
    pub volume: String,
}

/// What the claim analysis keeps of a hostPath PersistentVolume.
#[derive(Debug, Clone)]
pub struct HostPathVolumeFacts {
    /// `spec.hostPath.path`.
    pub path: String,
    /// `spec.claimRef` as (namespace, name), when it names both.
    pub claim: Option<(String, String)>,
    /// The `hostPath.path` value (or the `hostPath` key when the path is missing).
    pub site: Site,
}

/// What exposure analysis keeps of a Service.
#[derive(Debug, Clone)]
pub struct ServiceFacts {
    /// `type: LoadBalancer` or `NodePort`, with its `type` entry.
    pub exposed: Option<Site>,
    /// `spec.selector` (empty: selects nothing, e.g. an ExternalName or manual Endpoints).
    pub selector: BTreeMap<String, String>,
}

/// What exposure analysis keeps of an Ingress.
#[derive(Debug, Clone)]
pub struct IngressFacts {
    /// Backend Service names, each with its `name` entry.
    pub backends: Vec<(String, Site)>,
}

/// A workload's pod template.
#[derive(Debug, Clone)]
pub struct WorkloadFacts {
    /// `metadata.name` entry of the workload.
    pub name_site: Site,
    /// The pod template's `metadata.labels` (or where they are missing).
    pub labels_site: Site,
    /// `serviceAccountName` (or the deprecated `serviceAccount`), if set.
    pub service_account: Option<String>,
    /// The `serviceAccountName` entry, or the pod spec when it is not set.
    pub sa_site: Site,
    /// Pod-level `automountServiceAccountToken`.
    pub automount: Option<bool>,
    /// Where `automountServiceAccountToken` is missing from the pod spec (when it is unset).
    pub automount_site: Option<Site>,
    /// `hostNetwork: true`.
    pub host_network: bool,
    /// Runs the Kubernetes Dashboard image.
    pub dashboard: bool,
    /// The database or cache it runs (`postgres`, `redis`, …), from its images.
    pub datastore: Option<&'static str>,
    /// The PersistentVolumeClaims its volumes mount, each with its `claimName` value.
    pub claims: Vec<(String, Site)>,
    /// Where a fix of the pod spec is made, when the run builds fixes and there is a place.
    pub edit: Option<Box<PodEdit>>,
}

/// Where a fix of a workload's pod spec is made, and what the fixes of cross-object findings
/// must know of the pod that only its tree tells.
#[derive(Debug, Clone)]
pub struct PodEdit {
    /// The document.
    pub doc: DocRef,
    /// The pod spec's route in it.
    pub pod: Pointer,
    /// Something in the pod may read the service account token (`PodSpec::reads_token`).
    pub reads_token: bool,
}

impl WorkloadFacts {
    /// The ServiceAccount the pods run as.
    pub fn service_account(&self) -> &str {
        self.service_account.as_deref().unwrap_or("default")
    }
}

/// One rule of a Role or ClusterRole with its dangerous permissions.
#[derive(Debug, Clone)]
pub struct RuleFacts {
    /// The rule.
    pub rule: PolicyRule,
    /// The rule's entry in `rules:`.
    pub site: Site,
    /// Dangerous permissions (scored as if bound cluster-wide), each with the verb that
    /// grants it.
    pub risks: Vec<(Hit, Site)>,
}

/// A Role or ClusterRole.
#[derive(Debug, Clone)]
pub struct RoleFacts {
    /// ClusterRole.
    pub cluster: bool,
    /// Its rules.
    pub rules: Vec<RuleFacts>,
    /// Built-in roles it is aggregated into.
    pub aggregated_into: Vec<&'static str>,
    /// `aggregationRule.clusterRoleSelectors` (`None`: no aggregation rule; an unparsable
    /// selector is left out).
    pub aggregation: Option<Vec<LabelSelector>>,
}

/// A subject of a binding.
#[derive(Debug, Clone)]
pub struct SubjectFacts {
    /// `kind` (User, Group, ServiceAccount).
    pub kind: String,
    /// `name`.
    pub name: String,
    /// `namespace` as written.
    pub namespace: Option<String>,
    /// The subject's `name` entry.
    pub site: Site,
}

/// A RoleBinding or ClusterRoleBinding.
#[derive(Debug, Clone)]
pub struct BindingFacts {
    /// ClusterRoleBinding.
    pub cluster: bool,
    /// `roleRef.kind`.
    pub role_kind: String,
    /// `roleRef.name`.
    pub role_name: String,
    /// The `roleRef.name` entry.
    pub role_site: Site,
    /// `subjects`.
    pub subjects: Vec<SubjectFacts>,
}

fn owned<'a>(it: impl Iterator<Item = (&'a str, &'a str)>) -> BTreeMap<String, String> {
    it.map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
}

impl Facts {
    /// Gather the facts of `obj` (the engine sets the namespace of an object that names none
    /// once every file is read: see `NsOrigin`). `pss`: the Pod Security controls to evaluate a workload by (none: leave its
    /// levels out); `site` resolves
    /// labels of the object's document; `home`, when the run builds fixes, tells where a fix
    /// of a node of it is made. `None` for kinds no cross-object rule reads.
    pub fn extract(
        obj: &Object<'_>,
        input: u32,
        pss: Option<&[&'static dyn PssControl]>,
        strings: &Interner,
        site: &mut dyn FnMut(Label) -> Site,
        home: Option<Home<'_>>,
    ) -> Option<Self> {
        let kind = kind_facts(obj, site, home)?;
        let (namespace, ns_origin) = match obj.namespace {
            Some(ns) => (Some(ns.to_owned()), NsOrigin::Explicit),
            None => (None, NsOrigin::Unknown),
        };
        let kind_site = site(obj.at(["kind"]));
        Some(Facts {
            // The sites of one object share one identity.
            ident: kind_site
                .object
                .clone()
                .unwrap_or_else(|| std::sync::Arc::new(obj.ident_in(strings))),
            site: kind_site,
            namespace,
            ns_origin,
            input,
            // Only Namespace labels (namespaceSelector, PSA) and ClusterRole labels
            // (aggregation) are read across objects; keeping every object's labels costed
            // ~0.5 KB per object on large inputs.
            object_labels: matches!(obj.kind, "Namespace" | "ClusterRole").then(|| {
                Box::new(ObjectLabels {
                    all: owned(obj.labels()),
                    psa: psa_labels(obj, site),
                })
            }),
            pod_labels: obj.pod.as_ref().map(|p| label_pairs(p.labels(), strings)),
            kind,
            pod_security: pss.and_then(|controls| pod_security(obj, controls, site).map(Box::new)),
        })
    }

    /// `metadata.labels` of a Namespace or ClusterRole (empty for other kinds).
    pub fn labels(&self) -> &BTreeMap<String, String> {
        static NONE: BTreeMap<String, String> = BTreeMap::new();
        self.object_labels.as_ref().map_or(&NONE, |l| &l.all)
    }

    /// A Namespace's `pod-security.kubernetes.io/*` labels.
    pub fn psa_labels(&self) -> &[PsaLabel] {
        self.object_labels.as_ref().map_or(&[], |l| &l.psa)
    }

    /// The workload facts, if this is a workload.
    pub fn workload(&self) -> Option<&WorkloadFacts> {
        match &self.kind {
            KindFacts::Workload(w) => Some(w),
            _ => None,
        }
    }

    /// The policy facts, if this is a network policy.
    pub fn policy(&self) -> Option<&PolicyFacts> {
        match &self.kind {
            KindFacts::Policy(p) => Some(p),
            _ => None,
        }
    }

    /// The role facts, if this is a Role or ClusterRole.
    pub fn role(&self) -> Option<&RoleFacts> {
        match &self.kind {
            KindFacts::Role(r) => Some(r),
            _ => None,
        }
    }

    /// The binding facts, if this is a binding.
    pub fn binding(&self) -> Option<&BindingFacts> {
        match &self.kind {
            KindFacts::Binding(b) => Some(b),
            _ => None,
        }
    }

    /// `Kind "name"`, for messages.
    pub fn describe(&self) -> String {
        format!(
            "{} \"{}\"",
            self.ident.kind,
            self.ident.name.as_deref().unwrap_or("<unnamed>")
        )
    }

    /// The object's name.
    pub fn name(&self) -> &str {
        self.ident.name.as_deref().unwrap_or("")
    }
}

fn kind_facts(
    obj: &Object<'_>,
    site: &mut dyn FnMut(Label) -> Site,
    home: Option<Home<'_>>,
) -> Option<KindFacts> {
    if let Some(pod) = &obj.pod {
        let sa_key = if pod.node.get_set("serviceAccountName").is_some() {
            "serviceAccountName"
        } else {
            "serviceAccount"
        };
        let service_account = pod
            .node
            .get_set(sa_key)
            .and_then(NodeRef::text)
            .map(str::to_owned);
        let sa_site = if service_account.is_some() {
            site(pod.at([sa_key]).value())
        } else {
            site(pod.missing(["serviceAccountName"]))
        };
        let labels_site = match pod.meta.and_then(|m| m.get_set("labels")) {
            Some(_) => site(pod.meta_at(["labels"]).key()),
            None => site(Label::missing(pod.meta_ptr.join(["labels"]))),
        };
        let dashboard = pod.containers.iter().any(|c| {
            c.node
                .get("image")
                .and_then(NodeRef::text)
                .is_some_and(dashboard_image)
        });
        let datastore = pod.containers.iter().find_map(|c| {
            c.node
                .get("image")
                .and_then(NodeRef::text)
                .and_then(datastore_image)
        });
        let claims = pod
            .volumes()
            .filter_map(|(i, v)| {
                let name = v.path(&["persistentVolumeClaim", "claimName"])?.text()?;
                let at = pod.at([
                    crate::yaml::Seg::from("volumes"),
                    crate::yaml::Seg::from(i),
                    crate::yaml::Seg::from("persistentVolumeClaim"),
                    crate::yaml::Seg::from("claimName"),
                ]);
                Some((name.to_owned(), site(at.value())))
            })
            .collect();
        return Some(KindFacts::Workload(Box::new(WorkloadFacts {
            name_site: site(name_label(obj)),
            labels_site,
            service_account,
            sa_site,
            automount: pod
                .node
                .get("automountServiceAccountToken")
                .and_then(NodeRef::as_bool),
            automount_site: pod
                .node
                .get("automountServiceAccountToken")
                .is_none()
                .then(|| site(pod.missing(["automountServiceAccountToken"]))),
            host_network: pod.node.get("hostNetwork").and_then(NodeRef::as_bool) == Some(true),
            dashboard,
            datastore,
            claims,
            edit: home.and_then(|h| h(&pod.ptr)).map(|(doc, route)| {
                Box::new(PodEdit {
                    doc,
                    pod: route,
                    reads_token: pod.reads_token(),
                })
            }),
        })));
    }
    if let Some(p) = PolicyFacts::of(obj) {
        return Some(KindFacts::Policy(Box::new(p)));
    }
    if let Some(role) = RoleView::of(obj) {
        let rules = role
            .rules
            .into_iter()
            .map(|(i, _, rule)| RuleFacts {
                risks: risks(&rule, true)
                    .into_iter()
                    .map(|h| {
                        let at = site(rule_item(obj, i, "verbs", h.at.verb));
                        (h, at)
                    })
                    .collect(),
                site: site(obj.at([crate::yaml::Seg::from("rules"), crate::yaml::Seg::from(i)])),
                rule,
            })
            .collect();
        let aggregation = role.has_aggregation_rule.then(|| {
            obj.node
                .path(&["aggregationRule", "clusterRoleSelectors"])
                .into_iter()
                .flat_map(NodeRef::items)
                .filter_map(|s| LabelSelector::parse(Some(s), &pod_key))
                .collect()
        });
        return Some(KindFacts::Role(Box::new(RoleFacts {
            cluster: role.cluster,
            rules,
            aggregated_into: role.aggregated_into,
            aggregation,
        })));
    }
    Some(match (obj.group(), obj.kind) {
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding") => {
            let text = |path: &[&str]| {
                obj.get(path)
                    .and_then(NodeRef::text)
                    .unwrap_or("")
                    .to_owned()
            };
            let subjects = obj
                .node
                .get("subjects")
                .into_iter()
                .flat_map(NodeRef::items)
                .enumerate()
                .filter_map(|(i, s)| {
                    let name = s.get("name").and_then(NodeRef::text)?;
                    let seg = |k: &'static str| {
                        [
                            crate::yaml::Seg::from("subjects"),
                            crate::yaml::Seg::from(i),
                            crate::yaml::Seg::from(k),
                        ]
                    };
                    Some(SubjectFacts {
                        kind: s
                            .get("kind")
                            .and_then(NodeRef::text)
                            .unwrap_or("")
                            .to_owned(),
                        name: name.to_owned(),
                        namespace: s
                            .get_set("namespace")
                            .and_then(NodeRef::text)
                            .map(str::to_owned),
                        site: site(obj.at(seg("name"))),
                    })
                })
                .collect();
            KindFacts::Binding(Box::new(BindingFacts {
                cluster: obj.kind == "ClusterRoleBinding",
                role_kind: text(&["roleRef", "kind"]),
                role_name: text(&["roleRef", "name"]),
                role_site: site(obj.at(["roleRef", "name"])),
                subjects,
            }))
        }
        ("", "Namespace") => KindFacts::Namespace(Box::new(site(name_label(obj)))),
        (group @ ("argoproj.io" | "kustomize.toolkit.fluxcd.io"), kind) => {
            let paths = super::deployer::deployed_paths(obj.node, group, kind, obj.name?);
            if paths.is_empty() {
                return None;
            }
            KindFacts::Deployer(Box::new(super::deployer::Deployer { paths }))
        }
        ("", "ServiceAccount") => KindFacts::ServiceAccount {
            automount: obj
                .node
                .get("automountServiceAccountToken")
                .and_then(NodeRef::as_bool),
        },
        ("", "ResourceQuota") => KindFacts::ResourceQuota,
        ("", "PersistentVolume") => {
            let host_path = obj.get(&["spec", "hostPath"])?;
            let text = |path: &[&str]| obj.get(path).and_then(NodeRef::text).map(str::to_owned);
            let at = if host_path.get("path").is_some() {
                obj.at(["spec", "hostPath", "path"]).value()
            } else {
                obj.at(["spec", "hostPath"]).key()
            };
            KindFacts::HostPathVolume(Box::new(HostPathVolumeFacts {
                path: text(&["spec", "hostPath", "path"]).unwrap_or_else(|| "?".to_owned()),
                claim: text(&["spec", "claimRef", "namespace"])
                    .zip(text(&["spec", "claimRef", "name"])),
                site: site(at),
            }))
        }
        ("", "PersistentVolumeClaim") => KindFacts::Claim(Box::new(ClaimFacts {
            volume: obj
                .get(&["spec", "volumeName"])
                .and_then(NodeRef::text)
                .filter(|v| !v.is_empty())?
                .to_owned(),
        })),
        ("", "Service") => {
            let exposed = obj
                .get(&["spec", "type"])
                .and_then(NodeRef::text)
                .is_some_and(|t| matches!(t, "LoadBalancer" | "NodePort"))
                .then(|| site(obj.at(["spec", "type"]).value()));
            let selector = owned(
                obj.get(&["spec", "selector"])
                    .into_iter()
                    .flat_map(NodeRef::entries)
                    .filter_map(|(k, v)| Some((k, v.text()?))),
            );
            if exposed.is_none() && selector.is_empty() {
                return None;
            }
            KindFacts::Service(Box::new(ServiceFacts { exposed, selector }))
        }
        ("networking.k8s.io" | "extensions", "Ingress") => {
            let mut backends = Vec::new();
            let mut add = |route: Vec<crate::yaml::Seg>, backend: NodeRef<'_>| {
                // networking.k8s.io/v1 `service.name`; v1beta1 `serviceName`.
                let (key, name) = match backend.path(&["service", "name"]).and_then(NodeRef::text) {
                    Some(n) => (vec!["service", "name"], n),
                    None => match backend.get("serviceName").and_then(NodeRef::text) {
                        Some(n) => (vec!["serviceName"], n),
                        None => return,
                    },
                };
                let mut r = route;
                r.extend(key.into_iter().map(crate::yaml::Seg::from));
                backends.push((name.to_owned(), site(obj.at(r).value())));
            };
            use crate::yaml::Seg;
            for k in ["defaultBackend", "backend"] {
                if let Some(b) = obj.get(&["spec", k]) {
                    add(vec![Seg::from("spec"), Seg::from(k)], b);
                }
            }
            let rules = obj
                .get(&["spec", "rules"])
                .into_iter()
                .flat_map(NodeRef::items);
            for (i, r) in rules.enumerate() {
                let paths = r
                    .path(&["http", "paths"])
                    .into_iter()
                    .flat_map(NodeRef::items);
                for (j, p) in paths.enumerate() {
                    if let Some(b) = p.get("backend") {
                        let route = vec![
                            Seg::from("spec"),
                            Seg::from("rules"),
                            Seg::from(i),
                            Seg::from("http"),
                            Seg::from("paths"),
                            Seg::from(j),
                            Seg::from("backend"),
                        ];
                        add(route, b);
                    }
                }
            }
            if backends.is_empty() {
                return None;
            }
            KindFacts::Ingress(Box::new(IngressFacts { backends }))
        }
        _ => return None,
    })
}

/// The databases and caches recognised by image name (the last path component of the
/// repository, without tag or digest), with the name messages use.
const DATASTORES: &[(&str, &str)] = &[
    ("postgres", "PostgreSQL"),
    ("postgresql", "PostgreSQL"),
    ("postgresql-repmgr", "PostgreSQL"),
    ("postgis", "PostgreSQL"),
    ("timescaledb", "PostgreSQL"),
    ("mysql", "MySQL"),
    ("mysql-server", "MySQL"),
    ("percona-server", "MySQL"),
    ("mariadb", "MariaDB"),
    ("mariadb-galera", "MariaDB"),
    ("mongo", "MongoDB"),
    ("mongodb", "MongoDB"),
    ("mongodb-community-server", "MongoDB"),
    ("percona-server-mongodb", "MongoDB"),
    ("redis", "Redis"),
    ("redis-cluster", "Redis"),
    ("redis-stack-server", "Redis"),
    ("valkey", "Valkey"),
    ("keydb", "KeyDB"),
    ("memcached", "Memcached"),
    ("elasticsearch", "Elasticsearch"),
    ("opensearch", "OpenSearch"),
    ("cassandra", "Cassandra"),
    ("scylla", "ScyllaDB"),
    ("couchdb", "CouchDB"),
    ("cockroach", "CockroachDB"),
    ("influxdb", "InfluxDB"),
    ("clickhouse-server", "ClickHouse"),
    ("neo4j", "Neo4j"),
];

/// The database or cache an image runs, if it is one of [`DATASTORES`].
pub fn datastore_image(image: &str) -> Option<&'static str> {
    let repo = image.split('@').next().unwrap_or(image);
    let repo = repo
        .rsplit_once(':')
        .filter(|(_, t)| !t.contains('/'))
        .map_or(repo, |(r, _)| r);
    let last = repo.rsplit('/').next().unwrap_or(repo);
    DATASTORES
        .iter()
        .find(|(n, _)| last.eq_ignore_ascii_case(n))
        .map(|(_, name)| *name)
}

/// Whether an image is the Kubernetes Dashboard (`kubernetesui/dashboard[-api|-web|…]`, or a
/// mirror named `…/kubernetes-dashboard`).
pub fn dashboard_image(image: &str) -> bool {
    let repo = image.split('@').next().unwrap_or(image);
    let repo = repo
        .rsplit_once(':')
        .filter(|(_, t)| !t.contains('/'))
        .map_or(repo, |(r, _)| r);
    repo.contains("kubernetesui/dashboard")
        || repo.ends_with("/kubernetes-dashboard")
        || repo == "kubernetes-dashboard"
}

fn name_label(obj: &Object<'_>) -> Label {
    if obj.get(&["metadata", "name"]).is_some() {
        obj.at(["metadata", "name"])
    } else {
        obj.missing(["metadata", "name"])
    }
}

/// Evaluated once per workload, for all levels and versions (see `pss`), without building any
/// message. Violations of one rule that count at the same levels and versions (the same
/// setting missing in several containers) are recorded once, with the first one's place.
fn pod_security(
    obj: &Object<'_>,
    controls: &[&'static dyn PssControl],
    site: &mut dyn FnMut(Label) -> Site,
) -> Option<PodSecurityFacts> {
    let pod = obj.pod.as_ref()?;
    obj.namespace?;
    let mut violations: Vec<PssFact> = Vec::new();
    for (rule, v) in pss::evaluate(pod, controls) {
        if violations
            .iter()
            .any(|f| f.rule == rule && f.levels == v.levels)
        {
            continue;
        }
        let label = v.at.text.clone();
        let mut at = site(v.at);
        // The object is this one, and related places need no fingerprint route.
        at.object = None;
        at.route = "".into();
        violations.push(PssFact {
            rule,
            levels: v.levels,
            label,
            site: at,
        });
    }
    if violations.is_empty() {
        return None;
    }
    Some(PodSecurityFacts {
        namespace_site: site(obj.at(["metadata", "namespace"])),
        violations,
    })
}

fn psa_labels(obj: &Object<'_>, site: &mut dyn FnMut(Label) -> Site) -> Vec<PsaLabel> {
    if obj.kind != "Namespace" || obj.api_version != "v1" {
        return Vec::new();
    }
    obj.labels()
        .filter(|(k, _)| k.starts_with(PSA_PREFIX))
        .map(|(k, v)| PsaLabel {
            key: k.to_owned(),
            value: v.to_owned(),
            site: site(obj.at(["metadata".to_owned(), "labels".to_owned(), k.to_owned()])),
        })
        .collect()
}

/// Prefix of the Pod Security Admission namespace labels.
pub const PSA_PREFIX: &str = "pod-security.kubernetes.io/";

#[cfg(test)]
mod tests {
    use super::Facts;
    use crate::finding::Interner;
    use crate::model::{Object, Site};
    use crate::yaml::{Pointer, parse_stream};

    #[test]
    fn index_facts_stay_compact() {
        // The index holds one per workload, policy, role, binding, account and namespace of the
        // run (about half of a large run's objects), until the cross-object rules are done.
        // (144 since each object keeps the input it was read from, for its namespace.)
        let size = std::mem::size_of::<Facts>();
        assert!(size <= 144, "Facts grew to {size} bytes");
        let size = std::mem::size_of::<super::KindFacts>();
        assert!(size <= 16, "KindFacts grew to {size} bytes");
    }

    /// Which documents of `yaml` the index keeps.
    fn indexed(yaml: &str) -> Vec<bool> {
        let stream = parse_stream(yaml);
        stream
            .docs
            .iter()
            .map(|doc| {
                let obj = Object::from_node(doc.root(), Pointer::root(), "t.yaml", doc.index)
                    .expect("an object");
                let mut site = |_| Site {
                    file: 0,
                    region: crate::yaml::Region::default(),
                    object: None,
                    route: "".into(),
                };
                Facts::extract(&obj, 0, None, &Interner::default(), &mut site, None).is_some()
            })
            .collect()
    }

    #[test]
    fn only_kinds_cross_object_rules_read_are_indexed() {
        let yaml = "\
apiVersion: v1
kind: Service
metadata: {name: web}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec: {template: {spec: {containers: [{name: web, image: nginx:1.27}]}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny}
spec: {podSelector: {}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: b}
roleRef: {kind: ClusterRole, name: edit}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: q}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: csi}
spec: {csi: {driver: x, volumeHandle: h}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: node}
spec: {hostPath: {path: /srv}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: any}
spec: {resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: named}
spec: {volumeName: node}
";
        // Volumes only with `hostPath`, claims only when they name their volume.
        assert_eq!(
            indexed(yaml),
            [
                false, false, true, true, true, true, true, true, false, true, false, true
            ]
        );
    }
}
