//! The policies of a run: gathered before objects are checked, compiled once, asked per object.
//!
//! The policies of a run: gathered from the tree (and `--policy` files) before objects are
//! checked, compiled once, then asked about every object in the parallel per-file phase.

use std::collections::BTreeMap;
use std::sync::Arc;

use cel::Value;

use super::admission::{self, Action, Binding, Policy, Request, SiteOf};
use super::custom::CustomRule;
use super::eval::{Outcome, evaluate_policy, object_context};
use super::value;
use crate::model::{Object, Site};
use crate::rule::{Context, Draft, Meta, RuleMeta, Target};
use crate::yaml::{Label, Seg};

/// A Namespace of the input: its labels and itself as a value (`namespaceObject`).
#[derive(Debug)]
struct Namespace {
    labels: BTreeMap<String, String>,
    value: Value,
}

/// A candidate params object.
#[derive(Debug)]
struct Param {
    api_version: String,
    kind: String,
    namespace: Option<String>,
    name: String,
    labels: BTreeMap<String, String>,
    value: Value,
}

/// Gathers policies, bindings, Namespaces and params objects from the input.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    policies: Vec<Policy>,
    bindings: Vec<Binding>,
    namespaces: BTreeMap<String, Namespace>,
    params: Vec<Param>,
}

/// Whether a file's text may hold something the collector wants (checked on every file while
/// it is read; the file is parsed again only when it may).
pub(crate) fn may_hold_policy(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, b"ValidatingAdmissionPolic").is_some()
}

/// Whether a file's text may hold a Namespace.
pub(crate) fn may_hold_namespace(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, b"Namespace").is_some()
}

fn labels_of(obj: &Object<'_>) -> BTreeMap<String, String> {
    obj.labels()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

impl Collector {
    /// Take what `obj` contributes; `site` locates nodes of its document.
    pub(crate) fn add(&mut self, obj: &Object<'_>, site: &mut SiteOf<'_>) {
        let admission = obj.group() == "admissionregistration.k8s.io";
        match obj.kind {
            "ValidatingAdmissionPolicy" if admission => {
                self.policies.push(admission::policy(obj, site));
            }
            "ValidatingAdmissionPolicyBinding" if admission => {
                self.bindings.push(admission::binding(obj, site));
            }
            "Namespace" if obj.group().is_empty() => {
                if let Some(name) = obj.name {
                    self.namespaces.insert(
                        name.to_owned(),
                        Namespace {
                            labels: labels_of(obj),
                            value: value::owned(obj.node),
                        },
                    );
                }
            }
            _ => {}
        }
        if self
            .param_kinds()
            .any(|(v, k)| k == obj.kind && (v.is_empty() || v == obj.api_version))
            && let Some(name) = obj.name
        {
            self.params.push(Param {
                api_version: obj.api_version.to_owned(),
                kind: obj.kind.to_owned(),
                namespace: obj.namespace.map(str::to_owned),
                name: name.to_owned(),
                labels: labels_of(obj),
                value: value::owned(obj.node),
            });
        }
    }

    /// The `paramKind`s of the policies gathered so far: (apiVersion, kind).
    pub(crate) fn param_kinds(&self) -> impl Iterator<Item = (&str, &str)> {
        self.policies
            .iter()
            .filter_map(|p| p.param_kind.as_ref())
            .map(|(v, k)| (v.as_str(), k.as_str()))
    }

    /// The run's policy set.
    pub(crate) fn finish(mut self, custom: Arc<[CustomRule]>, enabled: &[&str]) -> PolicySet {
        // Deterministic whatever order files were read in.
        self.policies.sort_by(|a, b| a.name.cmp(&b.name));
        self.bindings.sort_by(|a, b| a.name.cmp(&b.name));
        self.params.sort_by(|a, b| {
            (&a.namespace, &a.name, &a.kind).cmp(&(&b.namespace, &b.name, &b.kind))
        });
        let custom_enabled = custom
            .iter()
            .map(|c| enabled.contains(&c.meta.id))
            .collect();
        PolicySet {
            admission: enabled.contains(&super::ADMISSION_POLICY_ID),
            policies: self.policies,
            bindings: self.bindings,
            namespaces: self.namespaces,
            params: self.params,
            custom,
            custom_enabled,
            ignored: std::sync::Mutex::default(),
            spent: std::sync::atomic::AtomicU64::new(0),
            limit: std::sync::atomic::AtomicU64::new(u64::MAX),
        }
    }
}

/// The policies of a run, compiled.
#[derive(Debug, Default)]
pub(crate) struct PolicySet {
    /// `admission-policy` is enabled.
    admission: bool,
    policies: Vec<Policy>,
    bindings: Vec<Binding>,
    namespaces: BTreeMap<String, Namespace>,
    params: Vec<Param>,
    custom: Arc<[CustomRule]>,
    custom_enabled: Vec<bool>,
    /// Evaluation errors under `failurePolicy: Ignore`, reported once on the policy: (policy,
    /// what) → (the first object, in name order, and the error).
    ignored: std::sync::Mutex<BTreeMap<(String, String), Ignored>>,
    /// Cost units spent in the run, and the most it may spend.
    spent: std::sync::atomic::AtomicU64,
    pub(super) limit: std::sync::atomic::AtomicU64,
}

/// An evaluation error under `failurePolicy: Ignore`: the object, the error, the expression.
type Ignored = (String, String, Option<Site>);

/// Cost units a run may spend on policies: a base, and a share per object of the input (the
/// per-evaluation budget bounds one object; this bounds a policy that spends much of it on
/// every object). Beyond it the pass stops and its findings are replaced by one that says so.
pub(crate) const RUN_BASE: u64 = 20_000_000;
/// See [`RUN_BASE`].
pub(crate) const RUN_PER_OBJECT: u64 = 20_000;

/// The metadata findings of a policy carry.
struct MetaOf(&'static Meta);

impl RuleMeta for MetaOf {
    fn meta(&self) -> &'static Meta {
        self.0
    }
}

/// What one binding of one policy says about one object.
#[derive(Debug)]
pub(crate) struct Verdict<'s> {
    pub policy: &'s Policy,
    pub binding: Option<&'s Binding>,
    pub outcome: Outcome,
}

impl PolicySet {
    /// Bound the run's spending for an input of `objects` objects.
    pub(crate) fn limit_run(&self, objects: usize) {
        let limit = RUN_BASE.saturating_add(RUN_PER_OBJECT.saturating_mul(objects as u64));
        self.limit
            .store(limit, std::sync::atomic::Ordering::Relaxed);
    }

    /// Cost units spent so far.
    pub(crate) fn spent_units(&self) -> u64 {
        self.spent.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether the run's budget ran out (the pass's findings are then not reported).
    pub(crate) fn exhausted(&self) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        self.spent.load(Relaxed) > self.limit.load(Relaxed)
    }

    /// Evaluate, unless the run's budget is spent.
    fn evaluate(
        &self,
        policy: &Policy,
        params: Option<&Value>,
        ctx: &cel::Context<'_, '_>,
        obj: &Object<'_>,
    ) -> Vec<Outcome> {
        use std::sync::atomic::Ordering::Relaxed;
        if self.exhausted() {
            return Vec::new();
        }
        let (out, spent) = evaluate_policy(policy, params, ctx, obj);
        self.spent.fetch_add(spent, Relaxed);
        out
    }

    /// The finding that replaces the pass's when the run's budget ran out.
    pub(crate) fn exhausted_finding(&self, admission: &'static Meta) -> Option<Draft> {
        let p = self.policies.first()?;
        let mut d = at_site(admission, &p.at);
        d.message(format!(
            "the admission policies of the input spent more than the run's evaluation budget ({} cost units for its objects): none of their results is reported; look for an expression that iterates too much",
            self.limit.load(std::sync::atomic::Ordering::Relaxed)
        ))
        .label("evaluation stopped");
        Some(d)
    }

    /// Whether there is anything to evaluate.
    pub(crate) fn is_empty(&self) -> bool {
        (self.policies.is_empty() || !self.admission) && !self.custom_enabled.contains(&true)
    }

    fn namespace_of(&self, obj: &Object<'_>) -> Option<(String, Option<&Namespace>)> {
        if admission::cluster_scoped(obj.kind) {
            return None;
        }
        let ns = obj.namespace.unwrap_or("default");
        Some((ns.to_owned(), self.namespaces.get(ns)))
    }

    /// The Namespace as a value: from the input, else what the API server would hold (a
    /// Namespace with only its name and the `kubernetes.io/metadata.name` label).
    fn namespace_value(name: &str, found: Option<&Namespace>) -> Value {
        match found {
            Some(n) => n.value.clone(),
            None => value::map([
                ("apiVersion", value::string("v1")),
                ("kind", value::string("Namespace")),
                (
                    "metadata",
                    value::map([
                        ("name", value::string(name)),
                        (
                            "labels",
                            value::map([("kubernetes.io/metadata.name", value::string(name))]),
                        ),
                    ]),
                ),
            ]),
        }
    }

    /// The params objects a binding gives a policy for `obj`; `Err` when none is found and
    /// the binding denies then.
    fn params_for(
        &self,
        policy: &Policy,
        binding: &Binding,
        obj_ns: Option<&str>,
    ) -> Result<Vec<Option<&Value>>, String> {
        let Some((version, kind)) = &policy.param_kind else {
            return Ok(vec![None]);
        };
        let Some(r) = &binding.param_ref else {
            return Err(format!(
                "the policy has paramKind {kind} but binding \"{}\" has no paramRef",
                binding.name
            ));
        };
        let namespace = r.namespace.as_deref().or(obj_ns);
        let found: Vec<Option<&Value>> = self
            .params
            .iter()
            .filter(|p| p.kind == *kind && (version.is_empty() || p.api_version == *version))
            .filter(|p| p.namespace.is_none() || p.namespace.as_deref() == namespace)
            .filter(|p| match (&r.name, &r.selector) {
                (Some(n), _) => p.name == *n,
                (None, Some(sel)) => admission::selects(sel, &|k| p.labels.get(k).cloned()),
                (None, None) => false,
            })
            .map(|p| Some(&p.value))
            .collect();
        if found.is_empty() {
            if r.deny_if_missing {
                return Err(format!(
                    "no {kind} params object found for binding \"{}\" (parameterNotFoundAction: Deny)",
                    binding.name
                ));
            }
            return Ok(Vec::new());
        }
        Ok(found)
    }

    /// Every verdict on `obj`: each binding of each matching policy, then each custom rule.
    pub(crate) fn verdicts(&self, obj: &Object<'_>) -> Vec<Verdict<'_>> {
        let mut out = Vec::new();
        let ns = self.namespace_of(obj);
        let ns_labels = |k: &str| -> Option<String> {
            let (name, found) = ns.as_ref()?;
            match found {
                Some(n) => n.labels.get(k).cloned(),
                None => (k == "kubernetes.io/metadata.name").then(|| name.clone()),
            }
        };
        let request = Request::of(obj);
        let ns_value = || {
            ns.as_ref()
                .map(|(n, found)| Self::namespace_value(n, *found))
        };
        let mut root = None;
        if self.admission {
            for b in &self.bindings {
                let Ok(i) = self
                    .policies
                    .binary_search_by(|p| p.name.as_str().cmp(&b.policy))
                else {
                    continue;
                };
                let policy = &self.policies[i];
                if !policy.constraints.matches(&request, &ns_labels) {
                    continue;
                }
                if b.resources
                    .as_ref()
                    .is_some_and(|m| !m.admits(&request, &ns_labels))
                {
                    continue;
                }
                let params = match self.params_for(policy, b, request.namespace) {
                    Ok(p) => p,
                    Err(message) => {
                        out.push(Verdict {
                            policy,
                            binding: Some(b),
                            outcome: Outcome::Error {
                                what: "paramRef".into(),
                                message,
                                validation: None,
                                cost: false,
                            },
                        });
                        continue;
                    }
                };
                let ctx = root.get_or_insert_with(|| object_context(obj, ns_value()));
                for p in params {
                    for outcome in self.evaluate(policy, p, ctx, obj) {
                        out.push(Verdict {
                            policy,
                            binding: Some(b),
                            outcome,
                        });
                    }
                }
            }
        }
        for (c, on) in self.custom.iter().zip(&self.custom_enabled) {
            if *on && c.applies_to(obj.kind) {
                let ctx = root.get_or_insert_with(|| object_context(obj, ns_value()));
                for outcome in self.evaluate(&c.policy, None, ctx, obj) {
                    out.push(Verdict {
                        policy: &c.policy,
                        binding: None,
                        outcome,
                    });
                }
            }
        }
        out
    }

    /// Report what the policies say about `obj`.
    pub(crate) fn check(&self, obj: &Object<'_>, cx: &mut Context<'_>, admission: &'static Meta) {
        for v in self.verdicts(obj) {
            let custom = match v.binding {
                None => self
                    .custom
                    .iter()
                    .find(|c| std::ptr::eq(&c.policy, v.policy)),
                Some(_) => None,
            };
            let meta = custom.map_or(admission, |c| c.meta);
            // One severity per rule id (the gate, SARIF and every format agree): a binding's
            // actions change the wording, not the severity.
            let deny = v.binding.is_none_or(denies);
            let who = match (custom, v.binding) {
                (Some(_), _) => String::new(),
                (None, Some(b)) if b.name != format!("{}-binding", v.policy.name) => {
                    format!(
                        "admission policy \"{}\" (binding \"{}\"): ",
                        v.policy.name, b.name
                    )
                }
                (None, _) => format!("admission policy \"{}\": ", v.policy.name),
            };
            let mut related: Option<(Site, String)> = None;
            // Several policies, bindings or validations may flag one node: each is a finding
            // of its own, with a fingerprint of its own.
            let mut identity = format!(
                "{}\u{1f}{}",
                v.policy.name,
                v.binding.map_or("", |b| b.name.as_str())
            );
            let (label, message) = match &v.outcome {
                Outcome::Violation {
                    validation,
                    message,
                    route,
                } => {
                    identity.push_str(&format!("\u{1f}{validation}"));
                    if custom.is_none() {
                        related = v.policy.validations.get(*validation).map(|x| {
                            (
                                x.expression.at.clone(),
                                format!("validation {validation} of \"{}\"", v.policy.name),
                            )
                        });
                    }
                    let text = if custom.is_some() {
                        "fails this rule"
                    } else if deny {
                        "the API server rejects this"
                    } else {
                        "the admission policy flags this"
                    };
                    (
                        label_for(obj, route.as_deref()).label(text),
                        format!("{who}{message}"),
                    )
                }
                Outcome::Error {
                    what,
                    message,
                    validation,
                    cost,
                } => {
                    if !v.policy.fail {
                        // `failurePolicy: Ignore`: the API server admits the object; the
                        // policy's own line says it could not be evaluated (once).
                        let at = validation
                            .and_then(|i| v.policy.validations.get(i))
                            .map(|x| x.expression.at.clone());
                        let key = (v.policy.name.clone(), what.clone());
                        let first = (obj.describe(), message.clone(), at);
                        let mut ignored = self
                            .ignored
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        let slot = ignored.entry(key).or_insert_with(|| first.clone());
                        if (&first.0, &first.1) < (&slot.0, &slot.1) {
                            *slot = first;
                        }
                        continue;
                    }
                    identity.push('\u{1f}');
                    identity.push_str(what);
                    if custom.is_none()
                        && let Some(x) = validation.and_then(|i| v.policy.validations.get(i))
                    {
                        related = Some((
                            x.expression.at.clone(),
                            "this expression could not be evaluated".into(),
                        ));
                    }
                    let why = if *cost {
                        "exceeded the cost limit".to_owned()
                    } else {
                        message.clone()
                    };
                    (
                        label_for(obj, None).label("could not be evaluated for this object"),
                        format!(
                            "{who}{what} could not be evaluated ({why}); under failurePolicy Fail {}",
                            match v.binding.and_then(|b| b.actions.iter().max()) {
                                Some(Action::Deny) | None => "the object is rejected",
                                Some(Action::Warn) => "the API server warns",
                                Some(Action::Audit) => "the request is audited",
                            }
                        ),
                    )
                }
            };
            let d: &mut Draft = cx.report(&MetaOf(meta), label);
            d.message(message).identity(identity);
            if let Some((site, text)) = related {
                d.related_site(&site, text);
            }
            if let Some(c) = custom {
                d.help(c.help.clone());
            }
        }
    }

    /// Findings about the policies themselves (an expression that does not compile, a binding
    /// to a policy that is not in the input, a policy that matches nothing), at their lines.
    pub(crate) fn problems(&self, admission: &'static Meta) -> Vec<Draft> {
        let mut out = Vec::new();
        if !self.admission {
            return out;
        }
        let push = |out: &mut Vec<Draft>, site: &Site, message: String, label: &'static str| {
            let mut d = at_site(admission, site);
            d.message(message).label(label);
            out.push(d);
        };
        for p in &self.policies {
            for (site, message) in &p.problems {
                push(
                    &mut out,
                    site,
                    format!("admission policy \"{}\": {message}", p.name),
                    "here",
                );
            }
            let named = p
                .conditions
                .iter()
                .map(|(n, e)| (format!("matchCondition {n}"), e))
                .chain(
                    p.variables
                        .iter()
                        .map(|(n, e)| (format!("variable {n}"), e)),
                )
                .chain(p.validations.iter().enumerate().flat_map(|(i, v)| {
                    std::iter::once((format!("validation {i}"), &v.expression)).chain(
                        v.message_expression
                            .iter()
                            .map(move |m| (format!("messageExpression of validation {i}"), m)),
                    )
                }));
            for (what, e) in named {
                if let Err(err) = &e.program {
                    push(
                        &mut out,
                        &e.at,
                        format!(
                            "admission policy \"{}\": {what} cannot be evaluated: {} (at column {} of the expression); no object is checked against it",
                            p.name,
                            err.message,
                            super::custom::column(&e.source, err.offset)
                        ),
                        "cannot be evaluated",
                    );
                }
            }
            if !self.bindings.iter().any(|b| b.policy == p.name) {
                // Not enforced by the API server either: said once, so a policy without a
                // binding is never taken for one that passes.
                let mut d = at_site(admission, &p.at);
                d.message(format!(
                    "admission policy \"{}\" has no ValidatingAdmissionPolicyBinding in the input: it is not evaluated",
                    p.name
                ))
                .label("no binding");
                out.push(d);
            }
        }
        let ignored = self
            .ignored
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for ((policy, what), (object, message, at)) in ignored.iter() {
            let Some(p) = self.policies.iter().find(|p| p.name == *policy) else {
                continue;
            };
            let mut d = at_site(admission, at.as_ref().unwrap_or(&p.at));
            d.message(format!(
                "admission policy \"{policy}\": {what} could not be evaluated for {object} ({message}); under failurePolicy Ignore the API server admits such objects unchecked"
            ))
            .label("could not be evaluated")
            .identity(format!("{policy}\u{1f}{what}"));
            out.push(d);
        }
        drop(ignored);
        for b in &self.bindings {
            if self
                .policies
                .binary_search_by(|p| p.name.as_str().cmp(&b.policy))
                .is_err()
            {
                let mut d = at_site(admission, &b.at);
                d.message(format!(
                    "binding \"{}\" names policy \"{}\", which is not in the input: nothing is evaluated for it",
                    b.name, b.policy
                ))
                .label("policy not found");
                out.push(d);
            }
        }
        out
    }
}

/// Whether the API server rejects what a binding's policy flags (else it warns or audits).
fn denies(b: &Binding) -> bool {
    b.actions.iter().max() == Some(&Action::Deny)
}

/// The label of a finding about `route` (a node that exists, or the deepest one that does);
/// without a route, the object's name.
fn label_for(obj: &Object<'_>, route: Option<&[Seg]>) -> Label {
    let exists = |r: &[Seg]| admission::node_at(obj.node, r).is_some();
    match route {
        Some(r) if !r.is_empty() && exists(r) => Label::at(obj.base.join(r.iter().cloned())),
        Some(r) if !r.is_empty() => Label::missing(obj.base.join(r.iter().cloned())),
        _ if exists(&[Seg::from("metadata"), Seg::from("name")]) => obj.at(["metadata", "name"]),
        _ => Label::at(obj.base.join([Seg::from("kind")])),
    }
}

/// A draft located at a recorded site (findings about policies, made outside any rule).
fn at_site(meta: &'static Meta, site: &Site) -> Draft {
    Draft::new(meta, Target::Site(site.clone()), false)
}
