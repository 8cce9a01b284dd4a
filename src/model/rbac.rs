//! RBAC rules as the authorizer reads them (kubernetes `pkg/apis/rbac/v1/evaluation_helpers.go`),
//! and the dangerous permissions kubeward looks for. Shared by the single-object RBAC rules and
//! `workload-rbac-risk`, so both agree on what a rule grants.

use super::object::Object;
use crate::rule::Severity;
use crate::yaml::{Label, NodeRef, Seg};

/// One entry of a Role's or ClusterRole's `rules:`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyRule {
    /// `verbs`.
    pub verbs: Vec<String>,
    /// `apiGroups` (`""` is the core group).
    pub api_groups: Vec<String>,
    /// `resources`, with subresources as `pods/exec`.
    pub resources: Vec<String>,
    /// `resourceNames` (empty: every name).
    pub resource_names: Vec<String>,
    /// `nonResourceURLs`.
    pub non_resource_urls: Vec<String>,
}

fn strings(n: Option<NodeRef<'_>>) -> Vec<String> {
    n.into_iter()
        .flat_map(NodeRef::items)
        .filter_map(NodeRef::text)
        .map(str::to_owned)
        .collect()
}

impl PolicyRule {
    /// Read a rule mapping.
    pub fn from_node(n: NodeRef<'_>) -> Self {
        PolicyRule {
            verbs: strings(n.get("verbs")),
            api_groups: strings(n.get("apiGroups")),
            resources: strings(n.get("resources")),
            resource_names: strings(n.get("resourceNames")),
            non_resource_urls: strings(n.get("nonResourceURLs")),
        }
    }

    /// A rule from literals (built-in roles).
    pub fn of(groups: &[&str], resources: &[&str], verbs: &[&str]) -> Self {
        let own = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect();
        PolicyRule {
            verbs: own(verbs),
            api_groups: own(groups),
            resources: own(resources),
            ..PolicyRule::default()
        }
    }

    /// Index of the `verbs` entry that grants `verb` (exact, or `*`).
    pub fn verb(&self, verb: &str) -> Option<usize> {
        self.verbs
            .iter()
            .position(|v| v == verb)
            .or_else(|| self.verbs.iter().position(|v| v == "*"))
    }

    /// Index of the `apiGroups` entry that covers `group`.
    pub fn group(&self, group: &str) -> Option<usize> {
        self.api_groups
            .iter()
            .position(|g| g == group)
            .or_else(|| self.api_groups.iter().position(|g| g == "*"))
    }

    /// Index of the `resources` entry that covers `resource` (`pods` or `pods/exec`): exact,
    /// `*` (every resource and subresource) or `*/sub`. `pods/*` is a literal, never a pattern.
    pub fn resource(&self, resource: &str) -> Option<usize> {
        let sub = resource.split_once('/').map(|(_, s)| s);
        self.resources
            .iter()
            .position(|r| r == resource)
            .or_else(|| {
                self.resources
                    .iter()
                    .position(|r| r == "*" || sub.is_some_and(|s| r.strip_prefix("*/") == Some(s)))
            })
    }

    /// Whether `resourceNames` restricts the rule.
    pub fn named(&self) -> bool {
        !self.resource_names.is_empty()
    }

    /// `*` in verbs, resources and apiGroups: every action on every resource.
    pub fn is_full_wildcard(&self) -> bool {
        let star = |l: &[String]| l.iter().any(|s| s == "*");
        star(&self.verbs) && star(&self.resources) && star(&self.api_groups)
    }

    /// The first verb among `verbs` that the rule grants on `resource` in one of `groups`.
    pub fn grant(&self, verbs: &[&str], groups: &[&str], resource: &str) -> Option<Grant> {
        let g = groups.iter().find_map(|g| self.group(g))?;
        let r = self.resource(resource)?;
        let (verb, v) = verbs.iter().find_map(|v| self.verb(v).map(|i| (*v, i)))?;
        let _ = g;
        Some(Grant {
            verb: v,
            resource: r,
            what: format!("{verb} on {resource}"),
        })
    }
}

/// Where a rule grants a permission: indices into its `verbs` and `resources`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Index in `verbs`.
    pub verb: usize,
    /// Index in `resources`.
    pub resource: usize,
    /// `list on secrets`.
    pub what: String,
}

/// A dangerous permission found in one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// What kind of danger.
    pub risk: Risk,
    /// Where in the rule.
    pub at: Grant,
    /// Every dangerous grant of this kind in the rule, for the message.
    pub all: Vec<String>,
    /// How bad.
    pub severity: Severity,
}

/// The dangerous permission classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Risk {
    /// `*` in verbs, resources or apiGroups.
    Wildcard,
    /// get/list/watch on secrets.
    ReadSecrets,
    /// escalate, bind, impersonate, RBAC writes, token creation.
    Escalation,
    /// exec/attach into pods, nodes/proxy.
    PodExec,
    /// Writes to admission webhooks, NetworkPolicies, Namespaces, CSR approval.
    PolicyWrite,
}

impl Risk {
    /// For workload messages: "read secrets".
    pub fn ability(self) -> &'static str {
        match self {
            Risk::Wildcard => "use wildcard permissions",
            Risk::ReadSecrets => "read secrets",
            Risk::Escalation => "escalate privileges",
            Risk::PodExec => "exec into pods",
            Risk::PolicyWrite => "rewrite security policy",
        }
    }
}

const CORE: &[&str] = &[""];
const RBAC: &[&str] = &["rbac.authorization.k8s.io"];
const WRITE: &[&str] = &["create", "update", "patch", "delete", "deletecollection"];

fn collect(
    rule: &PolicyRule,
    checks: &[(&[&str], &[&str], &str, Severity)],
    risk: Risk,
) -> Option<Hit> {
    let mut best: Option<(Grant, Severity)> = None;
    // (verbs, resources): "create, update on roles, rolebindings".
    let mut grouped: Vec<(String, Vec<&str>)> = Vec::new();
    for (verbs, groups, resource, sev) in checks {
        if let Some(g) = rule.grant(verbs, groups, resource) {
            let names: Vec<&str> = verbs
                .iter()
                .copied()
                .filter(|v| rule.verb(v).is_some())
                .collect();
            let verbs = if rule.verbs.iter().any(|v| v == "*") {
                "*".to_owned()
            } else {
                names.join(", ")
            };
            match grouped.iter_mut().find(|(v, _)| *v == verbs) {
                Some((_, res)) if !res.contains(resource) => res.push(resource),
                Some(_) => {}
                None => grouped.push((verbs, vec![resource])),
            }
            if best.as_ref().is_none_or(|(_, s)| sev > s) {
                best = Some((g, *sev));
            }
        }
    }
    let (at, severity) = best?;
    let all = grouped
        .into_iter()
        .map(|(v, r)| format!("{v} on {}", r.join(", ")))
        .collect();
    Some(Hit {
        risk,
        at,
        all,
        severity,
    })
}

/// get/list/watch on core `secrets`. list/watch return every secret's content; `get` needs a
/// name; `resourceNames` limits `get` only.
pub fn secrets_access(rule: &PolicyRule, cluster: bool) -> Option<Hit> {
    let bulk = rule.grant(&["list", "watch"], CORE, "secrets");
    let get = rule.grant(&["get"], CORE, "secrets");
    let verbs: Vec<&str> = ["get", "list", "watch"]
        .into_iter()
        .filter(|v| rule.grant(&[v], CORE, "secrets").is_some())
        .collect();
    let all = if rule.verbs.iter().any(|v| v == "*") {
        vec!["* on secrets".to_owned()]
    } else {
        vec![format!("{} on secrets", verbs.join(", "))]
    };
    let (at, severity) = match (bulk, get) {
        (Some(g), _) => (
            g,
            if cluster {
                Severity::High
            } else {
                Severity::Medium
            },
        ),
        (None, Some(g)) if rule.named() => (g, Severity::Low),
        (None, Some(g)) => (g, Severity::Medium),
        (None, None) => return None,
    };
    Some(Hit {
        risk: Risk::ReadSecrets,
        at,
        all,
        severity,
    })
}

/// escalate/bind on roles, impersonation, RBAC writes, `serviceaccounts/token` create.
pub fn privilege_escalation(rule: &PolicyRule) -> Option<Hit> {
    let auth = &["authentication.k8s.io"][..];
    collect(
        rule,
        &[
            (&["escalate", "bind"], RBAC, "clusterroles", Severity::High),
            (&["escalate", "bind"], RBAC, "roles", Severity::High),
            (&["impersonate"], CORE, "users", Severity::High),
            (&["impersonate"], CORE, "groups", Severity::High),
            (&["impersonate"], CORE, "serviceaccounts", Severity::High),
            (&["impersonate"], auth, "uids", Severity::High),
            (&["impersonate"], auth, "userextras/scopes", Severity::High),
            (&["create"], CORE, "serviceaccounts/token", Severity::High),
            (WRITE, RBAC, "clusterrolebindings", Severity::Medium),
            (WRITE, RBAC, "rolebindings", Severity::Medium),
            (WRITE, RBAC, "clusterroles", Severity::Medium),
            (WRITE, RBAC, "roles", Severity::Medium),
        ],
        Risk::Escalation,
    )
}

/// create on `pods/exec` or `pods/attach` (get on exec at lower severity: WebSocket exec), and
/// get/create on `nodes/proxy` (kubelet API, bypasses audit and admission).
pub fn pod_exec(rule: &PolicyRule) -> Option<Hit> {
    if rule.grant(&["create"], CORE, "pods/exec").is_some() {
        // `get` on exec adds nothing to `create`.
        return collect(
            rule,
            &[
                (&["create"], CORE, "pods/exec", Severity::High),
                (&["create"], CORE, "pods/attach", Severity::High),
                (&["get", "create"], CORE, "nodes/proxy", Severity::High),
            ],
            Risk::PodExec,
        );
    }
    collect(
        rule,
        &[
            (&["create"], CORE, "pods/exec", Severity::High),
            (&["create"], CORE, "pods/attach", Severity::High),
            (&["get", "create"], CORE, "nodes/proxy", Severity::High),
            (&["get"], CORE, "pods/exec", Severity::Medium),
        ],
        Risk::PodExec,
    )
}

/// Writes to admission webhooks and policies, NetworkPolicies, Namespaces, CSR approval.
pub fn security_policy_write(rule: &PolicyRule) -> Option<Hit> {
    let adm = &["admissionregistration.k8s.io"][..];
    let net = &["networking.k8s.io"][..];
    let cilium = &["cilium.io"][..];
    let calico = &["projectcalico.org", "crd.projectcalico.org"][..];
    let cert = &["certificates.k8s.io"][..];
    collect(
        rule,
        &[
            (
                WRITE,
                adm,
                "validatingwebhookconfigurations",
                Severity::High,
            ),
            (WRITE, adm, "mutatingwebhookconfigurations", Severity::High),
            (WRITE, adm, "validatingadmissionpolicies", Severity::High),
            (
                WRITE,
                adm,
                "validatingadmissionpolicybindings",
                Severity::High,
            ),
            (WRITE, adm, "mutatingadmissionpolicies", Severity::High),
            (
                WRITE,
                adm,
                "mutatingadmissionpolicybindings",
                Severity::High,
            ),
            (WRITE, net, "networkpolicies", Severity::Medium),
            (WRITE, cilium, "ciliumnetworkpolicies", Severity::Medium),
            (
                WRITE,
                cilium,
                "ciliumclusterwidenetworkpolicies",
                Severity::Medium,
            ),
            (WRITE, calico, "networkpolicies", Severity::Medium),
            (WRITE, calico, "globalnetworkpolicies", Severity::Medium),
            (&["update", "patch"], CORE, "namespaces", Severity::Medium),
            (
                &["update", "patch"],
                cert,
                "certificatesigningrequests/approval",
                Severity::Medium,
            ),
            (&["approve"], cert, "signers", Severity::Medium),
        ],
        Risk::PolicyWrite,
    )
}

/// `*` entries of a rule: (field, index) for verbs, resources and apiGroups, in that order.
pub fn wildcards(rule: &PolicyRule) -> Vec<(&'static str, usize)> {
    let mut out = Vec::new();
    for (field, list) in [
        ("verbs", &rule.verbs),
        ("resources", &rule.resources),
        ("apiGroups", &rule.api_groups),
    ] {
        if let Some(i) = list.iter().position(|s| s == "*") {
            out.push((field, i));
        }
    }
    out
}

/// Every dangerous permission of a rule (for `workload-rbac-risk`).
pub fn risks(rule: &PolicyRule, cluster: bool) -> Vec<Hit> {
    let mut out = Vec::new();
    if rule.is_full_wildcard() {
        out.push(Hit {
            risk: Risk::Wildcard,
            at: Grant {
                verb: rule.verb("*").unwrap_or(0),
                resource: rule.resource("*").unwrap_or(0),
                what: "* on *".into(),
            },
            all: vec!["every verb on every resource".into()],
            severity: Severity::High,
        });
        return out;
    }
    out.extend(secrets_access(rule, cluster));
    out.extend(privilege_escalation(rule));
    out.extend(pod_exec(rule));
    out
}

/// The built-in aggregation targets and the roles they aggregate into.
pub const AGGREGATE_LABELS: &[(&str, &[&str])] = &[
    ("rbac.authorization.k8s.io/aggregate-to-admin", &["admin"]),
    (
        "rbac.authorization.k8s.io/aggregate-to-edit",
        &["edit", "admin"],
    ),
    (
        "rbac.authorization.k8s.io/aggregate-to-view",
        &["view", "edit", "admin"],
    ),
];

/// The dangerous rules of the default ClusterRoles that kubeward knows without seeing them
/// (`cluster-admin`, `admin`, `edit`; `view` grants nothing dangerous).
pub fn builtin_cluster_role(name: &str) -> Option<Vec<PolicyRule>> {
    let read = ["get", "list", "watch"];
    Some(match name {
        "cluster-admin" => vec![PolicyRule::of(&["*"], &["*"], &["*"])],
        "admin" | "edit" => {
            let mut v = vec![
                PolicyRule::of(&[""], &["secrets"], &[&read[..], WRITE].concat()),
                PolicyRule::of(
                    &[""],
                    &["pods/exec", "pods/attach", "pods/portforward", "pods/proxy"],
                    &["create", "get"],
                ),
                PolicyRule::of(&[""], &["serviceaccounts"], &["impersonate"]),
            ];
            if name == "admin" {
                v.push(PolicyRule::of(
                    &["rbac.authorization.k8s.io"],
                    &["roles", "rolebindings"],
                    &[&read[..], WRITE].concat(),
                ));
            }
            v
        }
        "view" => Vec::new(),
        _ => return None,
    })
}

/// A Role or ClusterRole as written.
#[derive(Debug)]
pub struct RoleView<'d> {
    /// ClusterRole (else Role).
    pub cluster: bool,
    /// Built-in roles this ClusterRole is aggregated into (`view`, `edit`, `admin`).
    pub aggregated_into: Vec<&'static str>,
    /// The ClusterRole has an `aggregationRule`: the controller overwrites its `rules`.
    pub has_aggregation_rule: bool,
    /// `(index, node, rule)` of each entry of `rules`.
    pub rules: Vec<(usize, NodeRef<'d>, PolicyRule)>,
}

impl<'d> RoleView<'d> {
    /// View an RBAC Role or ClusterRole.
    pub fn of(obj: &Object<'d>) -> Option<Self> {
        if obj.group() != "rbac.authorization.k8s.io" || !matches!(obj.kind, "Role" | "ClusterRole")
        {
            return None;
        }
        let cluster = obj.kind == "ClusterRole";
        let mut aggregated_into: Vec<&'static str> = Vec::new();
        if cluster {
            for (label, into) in AGGREGATE_LABELS {
                if obj.label(label) == Some("true") {
                    for r in *into {
                        if !aggregated_into.contains(r) {
                            aggregated_into.push(r);
                        }
                    }
                }
            }
        }
        let rules = obj
            .node
            .get("rules")
            .into_iter()
            .flat_map(NodeRef::items)
            .enumerate()
            .filter(|(_, n)| n.is_map())
            .map(|(i, n)| (i, n, PolicyRule::from_node(n)))
            .collect();
        Some(RoleView {
            cluster,
            aggregated_into,
            has_aggregation_rule: cluster && obj.node.get_set("aggregationRule").is_some(),
            rules,
        })
    }

    /// A note for messages about aggregation, if any.
    pub fn aggregation_note(&self) -> Option<String> {
        if self.aggregated_into.is_empty() {
            return None;
        }
        let names: Vec<String> = self
            .aggregated_into
            .iter()
            .map(|r| format!("`{r}`"))
            .collect();
        Some(format!(
            "; this ClusterRole is aggregated into the built-in {} role{}, so everyone bound to {} gets it",
            names.join(", "),
            if names.len() > 1 { "s" } else { "" },
            if names.len() > 1 { "them" } else { "it" }
        ))
    }
}

/// A label on an item of a rule's list, e.g. the `"*"` in `rules[0].verbs`.
pub fn rule_item(obj: &Object<'_>, rule: usize, field: &'static str, item: usize) -> Label {
    obj.at([
        Seg::from("rules"),
        Seg::from(rule),
        Seg::from(field),
        Seg::from(item),
    ])
    .value()
}

/// The subjects of a binding as `ServiceAccount monitoring/prometheus, Group devs`.
pub fn describe_subjects(obj: &Object<'_>) -> String {
    let subjects: Vec<String> = obj
        .node
        .get("subjects")
        .into_iter()
        .flat_map(NodeRef::items)
        .filter_map(|s| {
            let kind = s.get("kind").and_then(NodeRef::text).unwrap_or("?");
            let name = s.get("name").and_then(NodeRef::text)?;
            Some(match s.get("namespace").and_then(NodeRef::text) {
                Some(ns) if kind == "ServiceAccount" => format!("{kind} {ns}/{name}"),
                _ => format!("{kind} {name}"),
            })
        })
        .collect();
    if subjects.is_empty() {
        "no subject".to_owned()
    } else {
        subjects.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::{PolicyRule, pod_exec, privilege_escalation, secrets_access};
    use crate::rule::Severity;

    #[test]
    fn resource_matching_follows_the_authorizer() {
        let r = PolicyRule::of(&[""], &["pods/*"], &["create"]);
        assert_eq!(r.resource("pods/exec"), None, "pods/* is a literal");
        let r = PolicyRule::of(&[""], &["*/exec"], &["create"]);
        assert_eq!(r.resource("pods/exec"), Some(0));
        let r = PolicyRule::of(&[""], &["*"], &["create"]);
        assert_eq!(r.resource("pods/exec"), Some(0), "* covers subresources");
        let r = PolicyRule::of(&[""], &["pods"], &["create"]);
        assert_eq!(r.resource("pods/exec"), None);
        assert!(pod_exec(&PolicyRule::of(&["*"], &["*/attach"], &["*"])).is_some());
    }

    #[test]
    fn secrets_severity() {
        let list = PolicyRule::of(&[""], &["secrets"], &["list"]);
        assert_eq!(
            secrets_access(&list, true).map(|h| h.severity),
            Some(Severity::High)
        );
        assert_eq!(
            secrets_access(&list, false).map(|h| h.severity),
            Some(Severity::Medium)
        );
        let mut named = PolicyRule::of(&[""], &["secrets"], &["get"]);
        named.resource_names = vec!["tls".into()];
        assert_eq!(
            secrets_access(&named, true).map(|h| h.severity),
            Some(Severity::Low)
        );
        assert!(secrets_access(&PolicyRule::of(&["apps"], &["secrets"], &["get"]), true).is_none());
        let esc = privilege_escalation(&PolicyRule::of(
            &["rbac.authorization.k8s.io"],
            &["clusterroles"],
            &["bind", "create"],
        ));
        assert_eq!(
            esc.map(|h| (h.severity, h.all)),
            Some((
                Severity::High,
                vec![
                    "bind on clusterroles".to_owned(),
                    "create on clusterroles".to_owned()
                ]
            ))
        );
    }
}
