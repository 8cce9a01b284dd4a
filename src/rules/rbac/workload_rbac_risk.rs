use std::collections::{HashMap, HashSet};

use crate::model::{
    BindingUse, KindFacts, ObjectIdent, Risk, RoleRisk, World, describe_ns, shared_prefix,
};
use rayon::prelude::*;

use crate::rule::{Rule, WorldContext, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A workload whose ServiceAccount, through the RoleBindings and ClusterRoleBindings in the
    /// input, can read secrets, escalate privileges (escalate, bind, impersonate, RBAC writes,
    /// token creation), exec into pods (exec, attach, ephemeral containers, the kubelet proxy),
    /// run any pod (create, patch or update on pods or pod controllers), or holds a `*`/`*`/`*`
    /// rule. The finding sits on the
    /// pod template's `serviceAccountName` (or on the pod spec when the workload runs as
    /// `default`) and lists the chain as related locations: binding subject → roleRef → rule.
    ///
    /// Bindings match the ServiceAccount by name and namespace (a RoleBinding subject without
    /// `namespace` is in the binding's namespace), or through the groups
    /// `system:serviceaccounts`, `system:serviceaccounts:<namespace>` and
    /// `system:authenticated`. Roles resolve in the binding's namespace; ClusterRoles from the
    /// input (an `aggregationRule` takes the rules of the ClusterRoles it selects), else the
    /// built-in `cluster-admin`, `admin`, `edit` and `view`, plus ClusterRoles aggregated into
    /// them by their `aggregate-to-*` labels; a chain through a built-in `admin`, `edit` or
    /// `cluster-admin` says so, and the help asks for a custom least-privilege Role instead (the
    /// hardening guides' advice). The message says whether the reach is cluster-wide or limited
    /// to the bound namespaces, and whether the pods mount the token
    /// (`automountServiceAccountToken: false` does not mount it).
    ///
    /// ## Why it matters
    /// The permissions of a role matter once a pod can use them: anyone who compromises the
    /// container (an RCE, a malicious dependency) gets the mounted token and, with it, every
    /// secret or pod the role reaches. Reviewing a role alone misses which workloads hold it.
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
    ///       serviceAccountName: web
    ///       containers: [{name: web, image: nginx:1.27}]
    /// ---
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: RoleBinding
    /// metadata: {name: web, namespace: shop}
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: web}
    /// subjects: [{kind: ServiceAccount, name: web}]
    /// ---
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: Role
    /// metadata: {name: web, namespace: shop}
    /// rules:
    /// - {apiGroups: [""], resources: [secrets], verbs: [list]}
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
    ///       serviceAccountName: web
    ///       containers: [{name: web, image: nginx:1.27}]
    /// ---
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: RoleBinding
    /// metadata: {name: web, namespace: shop}
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: web}
    /// subjects: [{kind: ServiceAccount, name: web}]
    /// ---
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: Role
    /// metadata: {name: web, namespace: shop}
    /// rules:
    /// - {apiGroups: [""], resources: [configmaps], verbs: [get]}
    /// ```
    ///
    /// ## References
    /// - Kubernetes RBAC good practices, "Minimize distribution of privileged tokens": <https://kubernetes.io/docs/concepts/security/rbac-good-practices/>
    /// - Kubernetes RBAC, "Referring to subjects" and "Aggregated ClusterRoles": <https://kubernetes.io/docs/reference/access-authn-authz/rbac/>
    pub WorkloadRbacRisk {
        id: "workload-rbac-risk",
        category: Rbac,
        severity: High,
        summary: "workload's service account holds dangerous RBAC permissions",
        since: "0.1.0",
    }
}

/// At most this many bindings are drawn as chains, and this many rules per binding.
const MAX_CHAINS: usize = 3;
const MAX_RULES: usize = 3;

/// At most this many bindings are named in the message.
const MAX_NAMED: usize = 3;

/// One binding of a group with what a workload needs to choose it: what it grants and where it
/// is.
struct Candidate<'w, 'c> {
    binding: BindingUse<'w>,
    risks: Option<&'c [RoleRisk<'w>]>,
    group: usize,
    file: u32,
    dir: &'w [u32],
}

impl Candidate<'_, '_> {
    fn key(&self) -> (usize, usize) {
        (self.group, self.binding.index)
    }
}

struct Chain<'w, 'c> {
    binding: BindingUse<'w>,
    risks: &'c [RoleRisk<'w>],
}

/// Merge two lists sorted by `key`, dropping repeats.
fn merge_sorted<'a, T, K: Ord>(
    a: &'a [T],
    b: &'a [T],
    key: impl Fn(&T) -> K,
) -> impl Iterator<Item = &'a T> {
    let (mut i, mut j) = (0, 0);
    std::iter::from_fn(move || match (a.get(i), b.get(j)) {
        (Some(x), Some(y)) => {
            let (kx, ky) = (key(x), key(y));
            if kx <= ky {
                i += 1;
                if kx == ky {
                    j += 1;
                }
                Some(x)
            } else {
                j += 1;
                Some(y)
            }
        }
        (Some(x), None) => {
            i += 1;
            Some(x)
        }
        (None, Some(y)) => {
            j += 1;
            Some(y)
        }
        (None, None) => None,
    })
}

/// A ServiceAccount of a namespace: the bindings that name it or its namespace's group, and
/// what its workloads reach, by where they are.
struct Account<'w, 'c> {
    own: Vec<Candidate<'w, 'c>>,
    /// Where a choice among the members of a group this account sees can change (beyond
    /// the run-wide list's).
    near: Near<'w>,
    reach: HashMap<(&'w [u32], Option<u32>), Option<Reach<'w, 'c>>>,
}

impl<'w, 'c> Account<'w, 'c> {
    fn new(own: Vec<Candidate<'w, 'c>>, everyone: &[Candidate<'w, 'c>]) -> Self {
        let mut near = Near::default();
        for c in &own {
            near.add(c);
            // The run-wide members of the same group (`everyone` is sorted by group).
            let from = everyone.partition_point(|e| e.group < c.group);
            for e in everyone[from..].iter().take_while(|e| e.group == c.group) {
                near.add(e);
            }
        }
        Account {
            own,
            near,
            reach: HashMap::new(),
        }
    }
}

/// The directories (with every prefix) and files of the bindings in groups that may have more
/// than one member: only where a workload is relative to them can change which member it uses.
#[derive(Default)]
struct Near<'w> {
    prefixes: HashSet<&'w [u32]>,
    files: HashSet<u32>,
}

impl<'w> Near<'w> {
    fn add(&mut self, c: &Candidate<'w, '_>) {
        for n in 0..=c.dir.len() {
            self.prefixes.insert(&c.dir[..n]);
        }
        self.files.insert(c.file);
    }
}

/// Workloads with one key use the same members of every group. A member's proximity is
/// `shared_prefix(member dir, dir)`, at most the length of the longest prefix of `dir` that
/// is a member's prefix, so it is the same for `dir` cut there; only a file holding a member
/// (nearest of all) tells workloads apart beyond that. Sharing the work keeps the rule
/// linear: every workload of a namespace would otherwise walk every binding that reaches
/// every account.
fn key<'w>(file: u32, dir: &'w [u32], near: [&Near<'w>; 2]) -> (&'w [u32], Option<u32>) {
    let cut = (0..=dir.len())
        .rev()
        .find(|&n| near.iter().any(|s| s.prefixes.contains(&dir[..n])))
        .unwrap_or(0);
    let file = near.iter().any(|s| s.files.contains(&file)).then_some(file);
    (&dir[..cut], file)
}

/// What a workload's account reaches from where the workload is: the chains drawn, and the
/// parts of the message that depend on the chains only.
struct Reach<'w, 'c> {
    /// The first chains, drawn as related locations.
    top: Vec<Chain<'w, 'c>>,
    /// The first grant of each kind of danger, listed.
    what: String,
    /// The bindings named.
    via: String,
    /// Some binding is a ClusterRoleBinding.
    cluster_wide: bool,
}

impl<'w, 'c> Reach<'w, 'c> {
    /// `None` when the account reaches nothing dangerous.
    fn of(
        own: &[Candidate<'w, 'c>],
        everyone: &[Candidate<'w, 'c>],
        file: u32,
        dir: &[u32],
    ) -> Option<Self> {
        let proximity = |c: &Candidate<'_, '_>| {
            if c.file == file {
                usize::MAX
            } else {
                shared_prefix(c.dir, dir)
            }
        };
        // Walk both lists in (group, index) order; per group, the nearest member (the first of
        // equally near ones).
        let mut chains: Vec<Chain<'w, 'c>> = Vec::new();
        let mut best: Option<(&Candidate<'w, 'c>, usize)> = None;
        for c in merge_sorted(own, everyone, Candidate::key) {
            match best {
                Some((b, _)) if b.group != c.group => {
                    if let Some(risks) = b.risks {
                        chains.push(Chain {
                            binding: b.binding,
                            risks,
                        });
                    }
                    best = Some((c, proximity(c)));
                }
                Some((_, near)) => {
                    let p = proximity(c);
                    if p > near {
                        best = Some((c, p));
                    }
                }
                None => best = Some((c, proximity(c))),
            }
        }
        if let Some((b, _)) = best
            && let Some(risks) = b.risks
        {
            chains.push(Chain {
                binding: b.binding,
                risks,
            });
        }
        if chains.is_empty() {
            return None;
        }
        // The first grant of each kind of danger, for the message (in `Risk` order).
        let mut first: [Option<&RoleRisk<'_>>; Risk::COUNT] = [None; Risk::COUNT];
        for r in chains.iter().flat_map(|c| c.risks) {
            first[r.hit.risk as usize].get_or_insert(r);
        }
        let what: Vec<String> = first
            .iter()
            .flatten()
            .map(|r| format!("{} ({})", r.hit.risk.ability(), r.hit.all.join(", ")))
            .collect();
        let mut via: Vec<String> = chains
            .iter()
            .take(MAX_NAMED)
            .map(|c| c.binding.facts.describe())
            .collect();
        if chains.len() > MAX_NAMED {
            via.push(format!("{} more bindings", chains.len() - MAX_NAMED));
        }
        let cluster_wide = chains.iter().any(|c| c.binding.binding.cluster);
        // Only the first chains are drawn; a reach is kept for every place a namespace's
        // workloads are in, so it gives the rest of the list back.
        chains.truncate(MAX_CHAINS);
        chains.shrink_to_fit();
        Some(Reach {
            top: chains,
            what: what.join(", "),
            via: via.join(", "),
            cluster_wide,
        })
    }
}

impl Rule for WorkloadRbacRisk {
    fn reads_world(&self) -> bool {
        true
    }

    fn check_world<'w>(&self, world: &'w World, cx: &mut WorldContext<'_>) {
        // What each binding grants does not depend on the workload: resolve it once. By object
        // index (looked up for every group of every workload: no hashing).
        let mut granted: Vec<Option<Vec<RoleRisk<'_>>>> = vec![None; world.objects.len()];
        let mut any = false;
        let resolved: Vec<(usize, Vec<RoleRisk<'_>>)> = world
            .index
            .bindings
            .par_iter()
            .map(|&b| (b, world.role_risks(&world.objects[b])))
            .collect();
        for (b, risks) in resolved {
            if !risks.is_empty() {
                granted[b] = Some(risks);
                any = true;
            }
        }
        if !any {
            return;
        }
        // Bindings that share an identity (overlays, rendered variants) form a group; a
        // workload uses the nearest member of each group.
        let mut groups: HashMap<&ObjectIdent, usize> = HashMap::new();
        let mut group_of = vec![usize::MAX; world.objects.len()];
        for &b in &world.index.bindings {
            let n = groups.len();
            group_of[b] = *groups.entry(&world.objects[b].ident).or_insert(n);
        }
        // A group none of whose members grants anything dangerous never yields a chain.
        let mut risky = vec![false; groups.len()];
        for &b in &world.index.bindings {
            risky[group_of[b]] |= granted[b].is_some();
        }
        // Candidate bindings sorted by (group, object index), without risk-free groups.
        let prepare = |v: Vec<BindingUse<'w>>| {
            let mut v: Vec<Candidate<'_, '_>> = v
                .into_iter()
                .filter(|u| risky[group_of[u.index]])
                .map(|u| Candidate {
                    binding: u,
                    risks: granted[u.index].as_deref(),
                    group: group_of[u.index],
                    file: u.facts.site.file,
                    dir: world.dir(u.facts.site.file),
                })
                .collect();
            v.sort_by_key(Candidate::key);
            v.dedup_by_key(|c| c.binding.index);
            v
        };
        // Three sources, merged per workload: groups every ServiceAccount is in (one list for
        // the whole run), `system:serviceaccounts:<namespace>` (per namespace) and the
        // ServiceAccount's own subjects (per account; both small, kept merged).
        let everyone = prepare(world.bindings_of_every_account());
        // Where a choice among the members of a group of the run-wide list can change.
        let mut everyone_near = Near::default();
        for group in everyone.chunk_by(|a, b| a.group == b.group) {
            if group.len() > 1 {
                group.iter().for_each(|c| everyone_near.add(c));
            }
        }
        // Namespaces are independent (an account belongs to one).
        cx.each_namespace(world, |ns, index, cx| {
            let ns_groups = world.bindings_of_namespace_accounts(ns);
            let mut by_account: HashMap<&str, Account<'_, '_>> = HashMap::new();
            for &wi in &index.workloads {
                let f = &world.objects[wi];
                let Some(w) = f.workload() else { continue };
                let sa = w.service_account();
                let account = by_account.entry(sa).or_insert_with(|| {
                    let mut v = world.bindings_of_account(ns, sa);
                    v.extend(ns_groups.iter().copied());
                    Account::new(prepare(v), &everyone)
                });
                if account.own.is_empty() && everyone.is_empty() {
                    continue;
                }
                let (file, dir) = (f.site.file, world.dir(f.site.file));
                let key = key(file, dir, [&everyone_near, &account.near]);
                let Some(reach) = account
                    .reach
                    .entry(key)
                    .or_insert_with(|| Reach::of(&account.own, &everyone, file, dir))
                else {
                    continue;
                };
                let sa_automount = world
                    .index
                    .service_accounts
                    .get(&(ns.clone(), sa.to_owned()))
                    .and_then(|v| v.first())
                    .and_then(|&i| match world.objects[i].kind {
                        KindFacts::ServiceAccount { automount } => automount,
                        _ => None,
                    });
                let mounted = w.automount.or(sa_automount) != Some(false);
                let scope = if reach.cluster_wide {
                    "cluster-wide"
                } else {
                    "in the bound namespaces"
                };
                let sa_desc = match ns.name() {
                    Some(n) => format!("{n}/{sa}"),
                    None => sa.to_owned(),
                };
                let mut message = format!(
                    "{} runs as ServiceAccount \"{sa_desc}\", which can {} {scope} through {}",
                    f.describe(),
                    reach.what,
                    reach.via
                );
                if !mounted {
                    message.push_str(
                        "; the pods do not mount its token (automountServiceAccountToken: false)",
                    );
                }
                if ns.name().is_none() {
                    message.push_str(&format!("; matched within {}", describe_ns(ns)));
                }
                // The built-in roles (`admin`, `edit`, …) the chains bind: the guides ask for
                // custom least-privilege roles instead.
                let mut builtins: Vec<&str> = reach
                    .top
                    .iter()
                    .filter(|c| c.risks.iter().any(|r| r.rule_site.is_none()))
                    .map(|c| c.binding.binding.role_name.as_str())
                    .collect();
                builtins.sort_unstable();
                builtins.dedup();
                let instead = match builtins.as_slice() {
                    [] => String::new(),
                    names => format!(
                        " instead of the built-in ClusterRole{} {}, which grant{} far more than one workload needs",
                        if names.len() > 1 { "s" } else { "" },
                        names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
                        if names.len() > 1 { "" } else { "s" },
                    ),
                };
                let d = cx.report(self, &w.sa_site);
                d.label(if w.service_account.is_some() { "this ServiceAccount" } else { "runs as the `default` ServiceAccount" })
                    .message(message)
                    .help(format!(
                        "Give the workload its own ServiceAccount{} bound to a custom Role with only the verbs and resources it needs{instead}; set `automountServiceAccountToken: false` if it does not call the API.",
                        if w.service_account.is_none() { " (it runs as `default`)" } else { "" }
                    ));
                let mut step = 0;
                for c in &reach.top {
                    let b = c.binding;
                    step += 1;
                    d.related_site(
                        &b.subject.site,
                        format!(
                            "{step}. {} {} is a subject of {}",
                            b.subject.kind,
                            b.subject.name,
                            b.facts.describe()
                        ),
                    );
                    let builtin = c
                        .risks
                        .iter()
                        .find(|r| r.rule_site.is_none())
                        .and_then(|r| r.via.clone());
                    step += 1;
                    let role_text = match &builtin {
                        Some(via) => {
                            let mut can: Vec<&str> = c
                                .risks
                                .iter()
                                .filter(|r| r.rule_site.is_none())
                                .map(|r| r.hit.risk.ability())
                                .collect();
                            can.dedup();
                            format!("{step}. roleRef: {via}, which can {}", can.join(", "))
                        }
                        None => format!(
                            "{step}. roleRef: {} \"{}\"",
                            b.binding.role_kind, b.binding.role_name
                        ),
                    };
                    d.related_site(&b.binding.role_site, role_text);
                    let mut seen = Vec::new();
                    for r in c.risks.iter().filter(|r| r.rule_site.is_some()) {
                        let Some(site) = r.rule_site else { continue };
                        if seen.contains(&site) || seen.len() >= MAX_RULES {
                            continue;
                        }
                        seen.push(site);
                        step += 1;
                        let via = r
                            .via
                            .as_ref()
                            .map(|v| format!(" ({v})"))
                            .unwrap_or_default();
                        let role = r
                            .role
                            .map(|f| format!(" of {}", f.describe()))
                            .unwrap_or_default();
                        d.related_site(
                            site,
                            format!(
                                "{step}. rule #{}{role}{via} allows {}",
                                r.rule + 1,
                                r.hit.all.join(", ")
                            ),
                        );
                    }
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::WorkloadRbacRisk;
    use crate::testing::RuleTest;

    #[test]
    fn workload_rbac_risk() {
        RuleTest::of(&WorkloadRbacRisk)
            .pass(
                r##"apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      serviceAccountName: web
      containers: [{name: web, image: nginx:1.27}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: web, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: web}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: other, namespace: other}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: web}]
"##,
            )
            .fail(
                r##"apiVersion: apps/v1
kind: Deployment
metadata: {name: operator, namespace: monitoring}
spec:
  template:
    spec:
      serviceAccountName: operator   #~ workload-rbac-risk
      containers: [{name: op, image: example/op:1.0}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: operator}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: operator}
subjects:
- {kind: ServiceAccount, name: operator, namespace: monitoring}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: operator}
rules:
- apiGroups: [""]
  resources: [configmaps, secrets]
  verbs: ["*"]
- apiGroups: [""]
  resources: [pods/exec]
  verbs: [create]
"##,
            )
            .fail(
                r##"apiVersion: batch/v1
kind: CronJob
metadata: {name: report}
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        spec:   #~ workload-rbac-risk
          automountServiceAccountToken: false
          containers: [{name: r, image: example/report:1.0}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: default-edit}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{kind: ServiceAccount, name: default}]
"##,
            )
            .fail(
                r##"apiVersion: apps/v1
kind: Deployment
metadata: {name: agg, namespace: ops}
spec:
  template:
    spec:
      serviceAccountName: agg   #~ workload-rbac-risk
      containers: [{name: a, image: example/agg:1.0}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: agg, namespace: ops}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: monitoring}
subjects: [{kind: ServiceAccount, name: agg}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: monitoring}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {example.com/aggregate-to-monitoring: "true"}
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: monitoring-secrets
  labels: {example.com/aggregate-to-monitoring: "true"}
rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [watch]
"##,
            )
            .snapshot();
    }
}
