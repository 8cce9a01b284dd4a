//! RBAC rules as the authorizer reads them: verbs, groups, resources, aggregation.
//!
//! RBAC rules as the authorizer reads them (kubernetes `pkg/apis/rbac/v1/evaluation_helpers.go`):
//! matching of verbs, groups and resources, Roles and ClusterRoles with their aggregation.

use super::object::Object;
use crate::yaml::{Label, NodeRef, Seg};

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
    /// View a Role or ClusterRole whose own `rules` take effect: none for a ClusterRole with an
    /// `aggregationRule`, whose rules the controller overwrites.
    pub fn with_own_rules(obj: &Object<'d>) -> Option<Self> {
        Self::of(obj).filter(|r| !r.has_aggregation_rule)
    }

    /// `(index, rule)` of each rule that is not `*` on everything (that one is `rbac-wildcard`'s
    /// alone, and would otherwise be reported by every RBAC rule).
    pub fn specific_rules(&self) -> impl Iterator<Item = (usize, &PolicyRule)> {
        self.rules
            .iter()
            .filter(|(_, _, r)| !r.is_full_wildcard())
            .map(|(i, _, r)| (*i, r))
    }

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
