//! ValidatingAdmissionPolicies and their bindings read from the tree, and what they match.
//!
//! `ValidatingAdmissionPolicy` and `ValidatingAdmissionPolicyBinding` objects, read from the
//! tree, and which objects they match (the API server's `matchConstraints`/`matchResources`
//! for a `CREATE` of the manifest).

use std::collections::BTreeMap;

use super::cel::{Program, Scope};
use crate::model::{LabelSelector, Object, Site};
use crate::yaml::{Label, NodeRef, Pointer, Seg};

/// The identifiers a policy's expressions may read. `authorizer` is not among them: kubeward
/// knows no one's permissions, so an expression that asks is a policy that cannot be evaluated.
pub(crate) const ROOTS: &[&str] = &[
    "object",
    "oldObject",
    "params",
    "namespaceObject",
    "request",
    "variables",
];

/// Where a finding about a policy points, and the text a locator needs.
pub(crate) type SiteOf<'a> = dyn FnMut(Label) -> Site + 'a;

/// One CEL expression of a policy, compiled, with where it was written.
#[derive(Debug)]
pub(crate) struct Expression {
    /// The expression's text.
    pub source: String,
    /// The compiled program, or why it did not compile.
    pub program: Result<Program, super::cel::CompileError>,
    /// The expression's node.
    pub at: Site,
}

/// A `validations[]` entry.
#[derive(Debug)]
pub(crate) struct Validation {
    pub expression: Expression,
    pub message: Option<String>,
    pub message_expression: Option<Expression>,
}

/// The `matchConstraints` of a policy or the `matchResources` of a binding.
#[derive(Debug, Default)]
pub(crate) struct Match {
    pub rules: Vec<ResourceRule>,
    pub exclude: Vec<ResourceRule>,
    /// `None`: invalid, matches nothing.
    pub namespace_selector: Option<LabelSelector>,
    pub object_selector: Option<LabelSelector>,
    /// `matchPolicy: Exact` (the default, `Equivalent`, matches any version of the group and
    /// resource).
    pub exact: bool,
}

/// One `resourceRules[]` entry.
#[derive(Debug, Default)]
pub(crate) struct ResourceRule {
    pub groups: Vec<String>,
    pub versions: Vec<String>,
    pub resources: Vec<String>,
    pub operations: Vec<String>,
    pub names: Vec<String>,
    pub scope: String,
}

/// A `ValidatingAdmissionPolicy`.
#[derive(Debug)]
pub(crate) struct Policy {
    pub name: String,
    /// The policy's `metadata.name` (or its `kind` line).
    pub at: Site,
    /// `paramKind`: (apiVersion, kind).
    pub param_kind: Option<(String, String)>,
    pub constraints: Match,
    pub conditions: Vec<(String, Expression)>,
    pub variables: Vec<(String, Expression)>,
    pub validations: Vec<Validation>,
    /// `failurePolicy: Fail` (the default).
    pub fail: bool,
    /// What is wrong with the policy itself (not its expressions): where and what.
    pub problems: Vec<(Site, String)>,
}

/// A binding's `validationActions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Action {
    Audit,
    Warn,
    Deny,
}

/// A binding's `paramRef`.
#[derive(Debug)]
pub(crate) struct ParamRef {
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub selector: Option<LabelSelector>,
    /// `parameterNotFoundAction: Deny` (the default when unset is to deny too).
    pub deny_if_missing: bool,
}

/// A `ValidatingAdmissionPolicyBinding`.
#[derive(Debug)]
pub(crate) struct Binding {
    pub name: String,
    pub policy: String,
    pub actions: Vec<Action>,
    pub resources: Option<Match>,
    pub param_ref: Option<ParamRef>,
    pub at: Site,
}

fn text(n: Option<NodeRef<'_>>) -> Option<String> {
    n.and_then(NodeRef::text).map(str::to_owned)
}

fn texts(n: Option<NodeRef<'_>>) -> Vec<String> {
    n.into_iter()
        .flat_map(NodeRef::items)
        .filter_map(NodeRef::text)
        .map(str::to_owned)
        .collect()
}

fn selector(n: Option<NodeRef<'_>>) -> Option<LabelSelector> {
    LabelSelector::parse(n, &|k: &str| Some(crate::model::Key::Pod(k.to_owned())))
}

fn rules(n: Option<NodeRef<'_>>) -> Vec<ResourceRule> {
    n.into_iter()
        .flat_map(NodeRef::items)
        .map(|r| ResourceRule {
            groups: texts(r.get("apiGroups")),
            versions: texts(r.get("apiVersions")),
            resources: texts(r.get("resources")),
            operations: texts(r.get("operations")),
            names: texts(r.get("resourceNames")),
            scope: text(r.get("scope")).unwrap_or_else(|| "*".into()),
        })
        .collect()
}

fn matching(n: NodeRef<'_>) -> Match {
    Match {
        rules: rules(n.get("resourceRules")),
        exclude: rules(n.get("excludeResourceRules")),
        namespace_selector: selector(n.get("namespaceSelector")),
        object_selector: selector(n.get("objectSelector")),
        exact: n.get("matchPolicy").and_then(NodeRef::text) == Some("Exact"),
    }
}

/// Compile the expression at `route` (relative to the object) in `scope`.
pub(crate) fn expression(
    obj: &Object<'_>,
    route: &[Seg],
    scope: &Scope<'_>,
    site: &mut SiteOf<'_>,
) -> Option<Expression> {
    expression_at(obj.node, &obj.base, route, scope, site)
}

/// Compile the expression at `route` below `root` (which is at `base` in its document).
pub(crate) fn expression_at(
    root: NodeRef<'_>,
    base: &Pointer,
    route: &[Seg],
    scope: &Scope<'_>,
    site: &mut SiteOf<'_>,
) -> Option<Expression> {
    let node = node_at(root, route)?;
    let source = node.text()?.to_owned();
    let program = super::cel::compile(&source, scope);
    Some(Expression {
        source,
        program,
        at: site(Label::at(base.join(route.iter().cloned())).value()),
    })
}

/// Read a `ValidatingAdmissionPolicy`; its expressions are compiled here, once per run.
pub(crate) fn policy(obj: &Object<'_>, site: &mut SiteOf<'_>) -> Policy {
    let spec = obj.node.get("spec");
    let name = obj.name.unwrap_or_default().to_owned();
    let at = site(obj.at(["metadata", "name"]).value());
    let mut problems = Vec::new();
    let spec_route = |segs: &[Seg]| {
        let mut v = vec![Seg::from("spec")];
        v.extend_from_slice(segs);
        v
    };
    let mut variables: Vec<(String, Expression)> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for (i, v) in spec
        .and_then(|s| s.get("variables"))
        .into_iter()
        .flat_map(NodeRef::items)
        .enumerate()
    {
        let Some(var) = text(v.get("name")) else {
            continue;
        };
        // A variable sees those declared before it.
        let scope = Scope {
            roots: ROOTS,
            variables: &names,
        };
        let route = spec_route(&[
            Seg::from("variables"),
            Seg::from(i),
            Seg::from("expression"),
        ]);
        if let Some(e) = expression(obj, &route, &scope, site) {
            variables.push((var.clone(), e));
        }
        names.push(var);
    }
    let scope = Scope {
        roots: ROOTS,
        variables: &names,
    };
    let mut conditions = Vec::new();
    for (i, c) in spec
        .and_then(|s| s.get("matchConditions"))
        .into_iter()
        .flat_map(NodeRef::items)
        .enumerate()
    {
        let route = spec_route(&[
            Seg::from("matchConditions"),
            Seg::from(i),
            Seg::from("expression"),
        ]);
        // matchConditions see no variables (the API server evaluates them first).
        let plain = Scope {
            roots: ROOTS,
            variables: &[],
        };
        if let Some(e) = expression(obj, &route, &plain, site) {
            conditions.push((text(c.get("name")).unwrap_or_default(), e));
        }
    }
    let mut validations = Vec::new();
    for (i, v) in spec
        .and_then(|s| s.get("validations"))
        .into_iter()
        .flat_map(NodeRef::items)
        .enumerate()
    {
        let base = [Seg::from("validations"), Seg::from(i)];
        let route = spec_route(&[base[0].clone(), base[1].clone(), Seg::from("expression")]);
        let Some(expression) = expression(obj, &route, &scope, site) else {
            problems.push((
                site(obj.at(spec_route(&base))),
                format!("validation {i} has no expression"),
            ));
            continue;
        };
        let route = spec_route(&[
            base[0].clone(),
            base[1].clone(),
            Seg::from("messageExpression"),
        ]);
        validations.push(Validation {
            expression,
            message: text(v.get("message")),
            message_expression: super::admission::expression(obj, &route, &scope, site),
        });
    }
    let param_kind = spec.and_then(|s| s.get("paramKind")).and_then(|p| {
        Some((
            text(p.get("apiVersion")).unwrap_or_default(),
            text(p.get("kind"))?,
        ))
    });
    let constraints = spec
        .and_then(|s| s.get("matchConstraints"))
        .map(matching)
        .unwrap_or_default();
    if constraints.rules.is_empty() {
        problems.push((
            site(obj.missing(["spec", "matchConstraints", "resourceRules"])),
            "the policy has no matchConstraints.resourceRules: it matches nothing".into(),
        ));
    }
    let fail = spec
        .and_then(|s| s.get("failurePolicy"))
        .and_then(NodeRef::text)
        != Some("Ignore");
    Policy {
        name,
        at,
        param_kind,
        constraints,
        conditions,
        variables,
        validations,
        fail,
        problems,
    }
}

/// Read a `ValidatingAdmissionPolicyBinding`.
pub(crate) fn binding(obj: &Object<'_>, site: &mut SiteOf<'_>) -> Binding {
    let spec = obj.node.get("spec");
    let mut actions: Vec<Action> = texts(spec.and_then(|s| s.get("validationActions")))
        .iter()
        .filter_map(|a| match a.as_str() {
            "Deny" => Some(Action::Deny),
            "Warn" => Some(Action::Warn),
            "Audit" => Some(Action::Audit),
            _ => None,
        })
        .collect();
    actions.sort();
    actions.dedup();
    let param_ref = spec.and_then(|s| s.get("paramRef")).map(|p| ParamRef {
        name: text(p.get("name")),
        namespace: text(p.get("namespace")),
        selector: p.get("selector").and_then(|s| selector(Some(s))),
        deny_if_missing: p.get("parameterNotFoundAction").and_then(NodeRef::text) != Some("Allow"),
    });
    Binding {
        name: obj.name.unwrap_or_default().to_owned(),
        policy: text(spec.and_then(|s| s.get("policyName"))).unwrap_or_default(),
        actions,
        resources: spec.and_then(|s| s.get("matchResources")).map(matching),
        param_ref,
        at: site(obj.at(["metadata", "name"]).value()),
    }
}

/// The node at `route` below `n`.
pub(crate) fn node_at<'d>(mut n: NodeRef<'d>, route: &[Seg]) -> Option<NodeRef<'d>> {
    for s in route {
        n = match s {
            Seg::Key(k) => n.get(k)?,
            Seg::Index(i) => n.at(*i as usize)?,
        };
    }
    Some(n)
}

/// What a request for this object looks like to the matcher.
pub(crate) struct Request<'a> {
    pub group: &'a str,
    pub version: &'a str,
    /// The plural resource (`pods`, `networkpolicies`).
    pub resource: String,
    pub name: &'a str,
    /// `None` for cluster-scoped kinds.
    pub namespace: Option<&'a str>,
    pub labels: BTreeMap<&'a str, &'a str>,
}

impl<'a> Request<'a> {
    /// The `CREATE` request applying `obj` would make (`default` for a namespaced object
    /// without a namespace, as `kubectl apply` without `-n` does).
    pub(crate) fn of(obj: &Object<'a>) -> Self {
        let version = obj
            .api_version
            .rsplit_once('/')
            .map_or(obj.api_version, |(_, v)| v);
        Request {
            group: obj.group(),
            version,
            resource: resource_of(obj.kind),
            name: obj.name.unwrap_or_default(),
            namespace: if cluster_scoped(obj.kind) {
                None
            } else {
                Some(obj.namespace.unwrap_or("default"))
            },
            labels: obj.labels().collect(),
        }
    }
}

/// Kinds that live outside namespaces (the built-in ones and the common add-ons').
pub(crate) fn cluster_scoped(kind: &str) -> bool {
    matches!(
        kind,
        "Namespace"
            | "Node"
            | "PersistentVolume"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "StorageClass"
            | "CSIDriver"
            | "CSINode"
            | "VolumeAttachment"
            | "CustomResourceDefinition"
            | "APIService"
            | "MutatingWebhookConfiguration"
            | "ValidatingWebhookConfiguration"
            | "ValidatingAdmissionPolicy"
            | "ValidatingAdmissionPolicyBinding"
            | "MutatingAdmissionPolicy"
            | "MutatingAdmissionPolicyBinding"
            | "PriorityClass"
            | "RuntimeClass"
            | "IngressClass"
            | "CertificateSigningRequest"
            | "FlowSchema"
            | "PriorityLevelConfiguration"
            | "PodSecurityPolicy"
            | "ComponentStatus"
            | "ClusterIssuer"
            | "ClusterPolicy"
            | "ClusterRoleList"
    )
}

/// The plural resource of a kind, as the API server's REST mapper names it (lower case,
/// `-y` → `-ies`, `-s`/`-x`/`-ch`/`-sh` → `-es`; `Endpoints` is already plural).
pub(crate) fn resource_of(kind: &str) -> String {
    let k = kind.to_ascii_lowercase();
    if k == "endpoints" {
        return k;
    }
    if let Some(stem) = k.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        return format!("{stem}ies");
    }
    if k.ends_with('s') || k.ends_with('x') || k.ends_with("ch") || k.ends_with("sh") {
        return format!("{k}es");
    }
    format!("{k}s")
}

fn listed(list: &[String], value: &str) -> bool {
    list.iter().any(|x| x == "*" || x == value)
}

impl ResourceRule {
    fn matches(&self, r: &Request<'_>, exact: bool) -> bool {
        let scope_ok = match self.scope.as_str() {
            "Cluster" => r.namespace.is_none(),
            "Namespaced" => r.namespace.is_some(),
            _ => true,
        };
        // `pods/ephemeralcontainers` names a subresource, `*/*` every resource and subresource.
        let resource_ok = self
            .resources
            .iter()
            .any(|x| x == "*" || x == "*/*" || *x == r.resource);
        scope_ok
            && resource_ok
            && listed(&self.groups, r.group)
            && (!exact || listed(&self.versions, r.version))
            && self.operations.iter().any(|o| o == "*" || o == "CREATE")
            && (self.names.is_empty() || self.names.iter().any(|n| n == r.name))
    }
}

/// Whether `sel` selects `labels`.
pub(crate) fn selects(sel: &LabelSelector, labels: &dyn Fn(&str) -> Option<String>) -> bool {
    use crate::model::{Key as SelectorKey, Op as SelectorOp};
    sel.reqs.iter().all(|r| {
        let SelectorKey::Pod(k) = &r.key else {
            return false;
        };
        let v = labels(k);
        match r.op {
            SelectorOp::In => v.is_some_and(|v| r.values.contains(&v)),
            SelectorOp::NotIn => v.is_none_or(|v| !r.values.contains(&v)),
            SelectorOp::Exists => v.is_some(),
            SelectorOp::DoesNotExist => v.is_none(),
        }
    })
}

impl Match {
    /// Whether a binding's `matchResources` admit the request (with no `resourceRules`, only
    /// its selectors apply: the policy's constraints chose the resources).
    pub(crate) fn admits(
        &self,
        r: &Request<'_>,
        ns_labels: &dyn Fn(&str) -> Option<String>,
    ) -> bool {
        if !self.rules.is_empty() {
            return self.matches(r, ns_labels);
        }
        if self.exclude.iter().any(|x| x.matches(r, self.exact)) {
            return false;
        }
        let ns_ok = r.namespace.is_none() && r.resource != "namespaces"
            || self
                .namespace_selector
                .as_ref()
                .is_some_and(|s| selects(s, ns_labels));
        ns_ok
            && self
                .object_selector
                .as_ref()
                .is_some_and(|s| selects(s, &|k| r.labels.get(k).map(|v| (*v).to_owned())))
    }

    /// Whether a `CREATE` of the object is matched; `ns_labels` are its Namespace's labels.
    pub(crate) fn matches(
        &self,
        r: &Request<'_>,
        ns_labels: &dyn Fn(&str) -> Option<String>,
    ) -> bool {
        if !self.rules.iter().any(|x| x.matches(r, self.exact)) {
            return false;
        }
        if self.exclude.iter().any(|x| x.matches(r, self.exact)) {
            return false;
        }
        let Some(ns_sel) = &self.namespace_selector else {
            return false;
        };
        // The namespace selector applies to namespaced objects and to Namespaces themselves.
        if (r.namespace.is_some() || r.resource == "namespaces") && !selects(ns_sel, ns_labels) {
            return false;
        }
        let Some(obj_sel) = &self.object_selector else {
            return false;
        };
        selects(obj_sel, &|k| r.labels.get(k).map(|v| (*v).to_owned()))
    }
}

#[cfg(test)]
/// The route of a node inside an object, for messages (`spec.containers[0].image`).
pub(crate) fn route_text(route: &[Seg]) -> String {
    Pointer::from_segs(route).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_are_named_as_the_rest_mapper_names_them() {
        for (kind, res) in [
            ("Pod", "pods"),
            ("Ingress", "ingresses"),
            ("NetworkPolicy", "networkpolicies"),
            ("Endpoints", "endpoints"),
            ("Gateway", "gateways"),
            ("StorageClass", "storageclasses"),
            ("PodDisruptionBudget", "poddisruptionbudgets"),
        ] {
            assert_eq!(resource_of(kind), res);
        }
    }
}
