//! The cross-object index: every object's facts, indexed once per namespace.
//!
//! The cross-object index: facts gathered from every object in a first pass, indexed once per
//! namespace after it, so rules that need other objects never read another file's tree.

use std::collections::{BTreeMap, HashMap};

use super::facts::{BindingFacts, Facts, KindFacts, NsOrigin, Site, SubjectFacts};
use super::rbac::AGGREGATE_LABELS;
use super::rbac_risk::{Hit, builtin_cluster_role, risks};
use super::selector::{Labels, PodTarget};

/// An effective namespace: a named one (`metadata.namespace`, or the kustomization's), or,
/// for namespaced objects that name none, one namespace per directory. Objects of different
/// directories are never assumed to share a namespace, so linting one directory alone gives
/// the same result as linting the repository.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NsKey {
    /// A namespace by name.
    Named(String),
    /// The namespace, not named in the input, of the objects of one directory (its display
    /// path, `""` for the current directory).
    Directory(std::sync::Arc<str>),
    /// The namespace, not named in the input, of a Helm release rendered into files under one
    /// directory (its display path): the files of one `helm template` output, whatever
    /// subdirectories they were split into.
    Release(std::sync::Arc<str>),
    /// The objects of one directory that name no namespace and are applied in several (by the
    /// kustomizations or deployers that include them): one scope, as nothing tells which.
    Several {
        /// The directory's display path.
        dir: std::sync::Arc<str>,
        /// The namespaces, sorted (`dev, prod`; `none` when also applied without one).
        names: std::sync::Arc<str>,
    },
}

impl NsKey {
    /// The namespace's name, when the input names it.
    pub fn name(&self) -> Option<&str> {
        match self {
            NsKey::Named(n) => Some(n),
            NsKey::Directory(_) | NsKey::Release(_) | NsKey::Several { .. } => None,
        }
    }
}

/// Objects of one effective namespace.
#[derive(Debug, Default)]
pub struct NsIndex {
    /// Workloads (objects with a pod template), in input order.
    pub workloads: Vec<usize>,
    /// Namespaced network policies of every flavour.
    pub policies: Vec<usize>,
    /// ResourceQuotas.
    pub quotas: Vec<usize>,
    /// Services with a selector or exposed on nodes or a load balancer.
    pub services: Vec<usize>,
    /// Ingresses with backends.
    pub ingresses: Vec<usize>,
    /// Whether some object here got its namespace from nowhere (a directory's namespace).
    pub unknown: bool,
}

/// Indexes built once after the first pass. Values are indices into `World::objects`.
#[derive(Debug, Default)]
pub struct Index {
    /// The directory of each file id, as interned path components.
    pub dirs: Vec<Box<[u32]>>,
    /// The directory of each file id, as text (the scope of namespace-less objects).
    pub dir_names: Vec<std::sync::Arc<str>>,
    /// Where the objects that name no namespace of each file belong, as the engine decided.
    pub files: FileScopes,
    /// Namespaced objects by effective namespace.
    pub namespaces: BTreeMap<NsKey, NsIndex>,
    /// Namespace objects by name.
    pub namespace_objects: HashMap<String, Vec<usize>>,
    /// ClusterRoles by name.
    pub cluster_roles: HashMap<String, Vec<usize>>,
    /// Every ClusterRole, in input order.
    pub cluster_role_list: Vec<usize>,
    /// ClusterRoles aggregated into each built-in role by their labels, in input order.
    pub aggregated_into: HashMap<&'static str, Vec<usize>>,
    /// Roles by (namespace, name).
    pub roles: HashMap<(NsKey, String), Vec<usize>>,
    /// RoleBindings and ClusterRoleBindings.
    pub bindings: Vec<usize>,
    /// ServiceAccount subjects by (namespace, name): (binding, subject index).
    pub sa_subjects: HashMap<(NsKey, String), Vec<(usize, usize)>>,
    /// Group subjects by name: (binding, subject index).
    pub group_subjects: HashMap<String, Vec<(usize, usize)>>,
    /// ServiceAccounts by (namespace, name).
    pub service_accounts: HashMap<(NsKey, String), Vec<usize>>,
    /// Cluster-wide network policies (Cilium clusterwide, Calico global).
    pub cluster_policies: Vec<usize>,
}

/// Every object's facts, for cross-object rules.
#[derive(Debug, Default)]
pub struct World {
    /// One entry per linted object, in input order.
    pub objects: Vec<Facts>,
    /// Built by [`World::finalise`].
    pub index: Index,
}

/// Per file id, where its objects that name no namespace belong when it is not the file's
/// directory (the engine decides it once every file is read; missing entries: the directory).
#[derive(Debug, Default)]
pub struct FileScopes {
    /// Their scope: the Helm release of Helm output, the overlay of a rendered Kustomize
    /// stream, a directory applied in several namespaces.
    pub scopes: Vec<Option<NsKey>>,
    /// For Helm output (rendered by kubeward or committed): the namespace that `default` stands
    /// for in it — `helm template` writes `.Release.Namespace` as `default`, so it is the
    /// namespace the release is installed in (an Argo CD Application's, else the release's own
    /// scope).
    pub helm_default: Vec<Option<NsKey>>,
}

/// A dangerous permission reached through a role reference.
#[derive(Debug, Clone)]
pub struct RoleRisk<'w> {
    /// What it allows.
    pub hit: Hit,
    /// The verb of the rule that grants it, when the rule is in the input.
    pub rule_site: Option<&'w Site>,
    /// Index of the rule in its role.
    pub rule: usize,
    /// The role object holding the rule, when it is in the input.
    pub role: Option<&'w Facts>,
    /// How the rule got there: `built-in ClusterRole "edit"`, `aggregated from …`.
    pub via: Option<String>,
}

/// A binding that applies to a workload's ServiceAccount.
#[derive(Debug, Clone, Copy)]
pub struct BindingUse<'w> {
    /// Index of the binding object in `World::objects`.
    pub index: usize,
    /// The binding object.
    pub facts: &'w Facts,
    /// Its binding facts.
    pub binding: &'w BindingFacts,
    /// The subject that matches.
    pub subject: &'w SubjectFacts,
}

/// Number of leading components two directories share.
pub fn shared_prefix(a: &[u32], b: &[u32]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

impl World {
    /// Objects of a kind.
    pub fn of_kind<'w>(&'w self, kind: &'w str) -> impl Iterator<Item = &'w Facts> + 'w {
        self.objects.iter().filter(move |f| f.ident.kind == kind)
    }

    /// Build the indexes; the engine calls this once after the first pass, with the display
    /// path of each file id (to prefer the nearest of objects that share a name) and the scopes
    /// it decided for the objects that name no namespace.
    pub fn finalise<'p>(&mut self, paths: impl Iterator<Item = &'p str>, files: FileScopes) {
        let mut ix = Index {
            files,
            ..Index::default()
        };
        // Directories as interned components, so that `proximity` compares numbers.
        let mut components: HashMap<&str, u32> = HashMap::new();
        let mut names: HashMap<&str, std::sync::Arc<str>> = HashMap::new();
        ix.dirs = paths
            .map(|p| {
                let dir = p.rsplit_once('/').map_or("", |(d, _)| d);
                let name = names.entry(dir).or_insert_with(|| dir.into()).clone();
                ix.dir_names.push(name);
                dir.split('/')
                    .map(|c| {
                        let n = u32::try_from(components.len()).unwrap_or(u32::MAX);
                        *components.entry(c).or_insert(n)
                    })
                    .collect()
            })
            .collect();
        for (i, f) in self.objects.iter().enumerate() {
            let ns = ns_key(&ix, f);
            let unknown = f.ns_origin == NsOrigin::Unknown;
            fn slot<'i>(ix: &'i mut Index, ns: &NsKey, unknown: bool) -> &'i mut NsIndex {
                let e = ix.namespaces.entry(ns.clone()).or_default();
                e.unknown |= unknown;
                e
            }
            match &f.kind {
                KindFacts::Workload(_) => slot(&mut ix, &ns, unknown).workloads.push(i),
                KindFacts::Policy(p) if p.flavor.cluster_wide() => ix.cluster_policies.push(i),
                KindFacts::Policy(_) => slot(&mut ix, &ns, unknown).policies.push(i),
                KindFacts::ResourceQuota => slot(&mut ix, &ns, unknown).quotas.push(i),
                KindFacts::Service(_) => slot(&mut ix, &ns, unknown).services.push(i),
                KindFacts::Ingress(_) => slot(&mut ix, &ns, unknown).ingresses.push(i),
                KindFacts::Namespace(_) => ix
                    .namespace_objects
                    .entry(f.name().to_owned())
                    .or_default()
                    .push(i),
                KindFacts::ServiceAccount { .. } => {
                    ix.service_accounts
                        .entry((ns, f.name().to_owned()))
                        .or_default()
                        .push(i);
                }
                KindFacts::Role(r) if r.cluster => {
                    ix.cluster_roles
                        .entry(f.name().to_owned())
                        .or_default()
                        .push(i);
                    ix.cluster_role_list.push(i);
                    for &into in &r.aggregated_into {
                        ix.aggregated_into.entry(into).or_default().push(i);
                    }
                }
                KindFacts::Role(_) => ix
                    .roles
                    .entry((ns, f.name().to_owned()))
                    .or_default()
                    .push(i),
                // Read by the claim analysis from the object list.
                KindFacts::HostPathVolume(_) | KindFacts::Claim(_) => {}
                // Read by the engine before the index is built (the namespaces they give).
                KindFacts::Deployer(_) => {}
                KindFacts::Binding(b) => {
                    ix.bindings.push(i);
                    for (s, subj) in b.subjects.iter().enumerate() {
                        match subj.kind.as_str() {
                            "ServiceAccount" => {
                                // A RoleBinding's ServiceAccount subject defaults to the
                                // binding's namespace.
                                let sns = match (&subj.namespace, b.cluster) {
                                    (Some(n), _) => named(&ix, f.input, n),
                                    (None, false) => ns.clone(),
                                    (None, true) => continue,
                                };
                                ix.sa_subjects
                                    .entry((sns, subj.name.clone()))
                                    .or_default()
                                    .push((i, s));
                            }
                            "Group" => ix
                                .group_subjects
                                .entry(subj.name.clone())
                                .or_default()
                                .push((i, s)),
                            _ => {}
                        }
                    }
                }
            }
        }
        self.index = ix;
    }

    /// Of objects that share an identity (the same Role in several overlays, clusters or
    /// rendered variants of one repository), those whose file is nearest to `near`: most
    /// leading directories in common.
    pub fn nearest(&self, candidates: &[usize], near: &Site) -> Vec<usize> {
        if candidates.len() < 2 {
            return candidates.to_vec();
        }
        let score = |i: usize| self.proximity(self.objects[i].site.file, near.file);
        let best = candidates.iter().map(|&i| score(i)).max().unwrap_or(0);
        candidates
            .iter()
            .copied()
            .filter(|&i| score(i) == best)
            .collect()
    }

    /// Number of leading directories two files share.
    pub fn proximity(&self, a: u32, b: u32) -> usize {
        if a == b {
            return usize::MAX;
        }
        shared_prefix(self.dir(a), self.dir(b))
    }

    /// The interned directory components of a file (for [`shared_prefix`]).
    pub fn dir(&self, file: u32) -> &[u32] {
        self.index
            .dirs
            .get(file as usize)
            .map_or(&[][..], |d| &d[..])
    }

    /// The effective namespace of an object (for a cluster-scoped object, the scope it would
    /// have if it were namespaced).
    pub fn ns_key(&self, f: &Facts) -> NsKey {
        ns_key(&self.index, f)
    }

    /// Labels of a namespace, when its Namespace object is in the input.
    pub fn namespace_labels(&self, ns: &NsKey) -> Option<&BTreeMap<String, String>> {
        let name = ns.name()?;
        let i = *self.index.namespace_objects.get(name)?.first()?;
        Some(self.objects[i].labels())
    }

    /// The Namespace object of a namespace, if in the input.
    pub fn namespace_object(&self, ns: &NsKey) -> Option<&Facts> {
        let i = *self.index.namespace_objects.get(ns.name()?)?.first()?;
        Some(&self.objects[i])
    }

    /// What selectors evaluate against for a workload.
    pub fn pod_target<'w>(&'w self, f: &'w Facts) -> PodTarget<'w> {
        PodTarget {
            labels: Labels::Pairs(f.pod_labels.as_deref().unwrap_or(&[])),
            namespace: f.namespace.as_deref(),
            ns_labels: f
                .namespace
                .as_ref()
                .and_then(|n| self.namespace_labels(&NsKey::Named(n.clone()))),
        }
    }

    /// The bindings whose subjects include the ServiceAccount `name` of namespace `ns`
    /// (directly, or through the `system:serviceaccounts[:ns]` and `system:authenticated`
    /// groups), each binding once.
    pub fn bindings_of_service_account(&self, ns: &NsKey, name: &str) -> Vec<BindingUse<'_>> {
        let mut v = self.bindings_of_account(ns, name);
        v.extend(self.bindings_of_account_groups(ns));
        v.sort_by_key(|u| u.index);
        v.dedup_by_key(|u| u.index);
        v
    }

    /// The bindings that name the ServiceAccount `name` of namespace `ns` as a subject.
    pub fn bindings_of_account(&self, ns: &NsKey, name: &str) -> Vec<BindingUse<'_>> {
        let refs = self.index.sa_subjects.get(&(ns.clone(), name.to_owned()));
        self.uses(refs.into_iter().flatten().copied())
    }

    /// The bindings that reach every ServiceAccount, whatever its namespace, through a group
    /// (`system:serviceaccounts`, `system:authenticated`).
    pub fn bindings_of_every_account(&self) -> Vec<BindingUse<'_>> {
        self.bindings_of_groups(&["system:serviceaccounts", "system:authenticated"])
    }

    /// The bindings that reach the ServiceAccounts of namespace `ns` through its group
    /// (`system:serviceaccounts:<ns>`); none for a namespace the input does not name.
    pub fn bindings_of_namespace_accounts(&self, ns: &NsKey) -> Vec<BindingUse<'_>> {
        match ns.name() {
            Some(n) => self.bindings_of_groups(&[&format!("system:serviceaccounts:{n}")]),
            None => Vec::new(),
        }
    }

    /// The bindings that reach every ServiceAccount of namespace `ns` through a group
    /// (`system:serviceaccounts`, `system:authenticated`, `system:serviceaccounts:<ns>`).
    pub fn bindings_of_account_groups(&self, ns: &NsKey) -> Vec<BindingUse<'_>> {
        let mut v = self.bindings_of_every_account();
        v.extend(self.bindings_of_namespace_accounts(ns));
        v
    }

    /// The bindings that name one of `groups` as a subject, group by group.
    fn bindings_of_groups(&self, groups: &[&str]) -> Vec<BindingUse<'_>> {
        let refs = groups.iter().flat_map(|g| {
            self.index
                .group_subjects
                .get(*g)
                .into_iter()
                .flatten()
                .copied()
        });
        self.uses(refs)
    }

    fn uses(&self, refs: impl Iterator<Item = (usize, usize)>) -> Vec<BindingUse<'_>> {
        refs.filter_map(|(b, s)| {
            let facts = &self.objects[b];
            let binding = facts.binding()?;
            Some(BindingUse {
                index: b,
                facts,
                binding,
                subject: binding.subjects.get(s)?,
            })
        })
        .collect()
    }

    /// The dangerous permissions a binding's roleRef grants, resolving Roles in the binding's
    /// namespace, ClusterRoles in the input (with `aggregationRule`), and the built-in
    /// `cluster-admin`/`admin`/`edit`/`view` plus ClusterRoles aggregated into them.
    pub fn role_risks<'w>(&'w self, binding: &Facts) -> Vec<RoleRisk<'w>> {
        let Some(b) = binding.binding() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let from_role = |out: &mut Vec<RoleRisk<'w>>, i: usize, via: Option<String>| {
            let f = &self.objects[i];
            if let Some(r) = f.role() {
                for (n, rule) in r.rules.iter().enumerate() {
                    for (hit, at) in &rule.risks {
                        out.push(RoleRisk {
                            hit: hit.clone(),
                            rule_site: Some(at),
                            rule: n,
                            role: Some(f),
                            via: via.clone(),
                        });
                    }
                }
            }
        };
        match b.role_kind.as_str() {
            "Role" if !b.cluster => {
                let list = self
                    .index
                    .roles
                    .get(&(self.ns_key(binding), b.role_name.clone()));
                for i in self.nearest(list.map_or(&[][..], Vec::as_slice), &binding.site) {
                    from_role(&mut out, i, None);
                }
            }
            "ClusterRole" => match self.index.cluster_roles.get(&b.role_name) {
                Some(list) => {
                    for i in self.nearest(list, &binding.site) {
                        match self.objects[i].role().and_then(|r| r.aggregation.as_ref()) {
                            Some(selectors) => {
                                for &j in &self.index.cluster_role_list {
                                    let f = &self.objects[j];
                                    let empty = BTreeMap::new();
                                    let t = PodTarget {
                                        labels: Labels::Map(f.labels()),
                                        namespace: None,
                                        ns_labels: Some(&empty),
                                    };
                                    if j != i
                                        && selectors.iter().any(|s| s.matches(&t) == Some(true))
                                    {
                                        from_role(
                                            &mut out,
                                            j,
                                            Some(format!(
                                                "aggregated into \"{}\" by its aggregationRule",
                                                b.role_name
                                            )),
                                        );
                                    }
                                }
                            }
                            None => from_role(&mut out, i, None),
                        }
                    }
                }
                None => {
                    if let Some(rules) = builtin_cluster_role(&b.role_name) {
                        for rule in rules {
                            for hit in risks(&rule, true) {
                                let via = Some(format!("built-in ClusterRole \"{}\"", b.role_name));
                                out.push(RoleRisk {
                                    hit,
                                    rule_site: None,
                                    rule: 0,
                                    role: None,
                                    via,
                                });
                            }
                        }
                        let aggregated = self.index.aggregated_into.get(b.role_name.as_str());
                        for &i in aggregated.into_iter().flatten() {
                            let f = &self.objects[i];
                            let label = AGGREGATE_LABELS
                                .iter()
                                .find(|(l, _)| {
                                    f.labels().get(*l).map(String::as_str) == Some("true")
                                })
                                .map_or("", |(l, _)| l);
                            from_role(
                                &mut out,
                                i,
                                Some(format!(
                                    "aggregated into built-in \"{}\" by its `{label}` label",
                                    b.role_name
                                )),
                            );
                        }
                    }
                }
            },
            _ => {}
        }
        out
    }
}

/// A namespace for messages: `namespace "shop"`, or the directory scope of objects that name
/// none.
pub fn describe_ns(ns: &NsKey) -> String {
    match ns {
        NsKey::Named(n) => format!("namespace \"{n}\""),
        NsKey::Directory(d) => format!(
            "the namespace of directory `{}/` (its objects name none, and no kustomization, Argo CD \
             Application or Flux Kustomization gives one)",
            if d.is_empty() { "." } else { d }
        ),
        NsKey::Release(d) => format!(
            "the namespace of the Helm release rendered under `{}/` (its objects name none, or \
             `default`, which `helm template` writes for the release's namespace)",
            if d.is_empty() { "." } else { d }
        ),
        NsKey::Several { dir, names } => format!(
            "the namespace of directory `{}/` (its objects name none, and what includes them \
             applies them in several: {names})",
            if dir.is_empty() { "." } else { dir }
        ),
    }
}

/// The namespace named `n` in the file `input`: in Helm output, `default` is the release's.
fn named(ix: &Index, input: u32, n: &str) -> NsKey {
    match ix.files.helm_default.get(input as usize) {
        Some(Some(release)) if n == "default" => release.clone(),
        _ => NsKey::Named(n.to_owned()),
    }
}

/// The effective namespace of an object, with the index's directories.
fn ns_key(ix: &Index, f: &Facts) -> NsKey {
    match &f.namespace {
        Some(n) => named(ix, f.input, n),
        None => match ix.files.scopes.get(f.input as usize) {
            Some(Some(scope)) => scope.clone(),
            _ => NsKey::Directory(
                ix.dir_names
                    .get(f.input as usize)
                    .cloned()
                    .unwrap_or_else(|| "".into()),
            ),
        },
    }
}

impl World {
    /// The network policies that apply in a namespace: its own, then the cluster-wide ones
    /// (Cilium and Calico).
    pub fn policies_in<'w>(&'w self, index: &'w NsIndex) -> impl Iterator<Item = &'w Facts> {
        index
            .policies
            .iter()
            .chain(&self.index.cluster_policies)
            .map(|&i| &self.objects[i])
    }

    /// Where to report a namespace-level finding: the Namespace object's `metadata.name` if it
    /// is in the input, else the `metadata.name` of its first workload.
    pub fn namespace_site(&self, ns: &NsKey, index: &NsIndex) -> Option<&Site> {
        if let Some(KindFacts::Namespace(name_site)) = self.namespace_object(ns).map(|f| &f.kind) {
            return Some(name_site);
        }
        index
            .workloads
            .iter()
            .find_map(|&i| self.objects[i].workload())
            .map(|w| &w.name_site)
    }
}
