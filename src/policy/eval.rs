//! Evaluating one policy against one object, as the API server does on `CREATE`.
//!
//! Evaluating one policy against one object, as the API server does on `CREATE`:
//! `matchConditions` (all must hold), `variables` (in order; a variable that fails is an error
//! where it is read), `validations` (each false one is a violation with its message or
//! `messageExpression`), evaluation errors kept apart for `failurePolicy`.

use cel::common::ast::IdedExpr;
use cel::common::value::Val;
use cel::{Context, Value};

use super::admission::{Expression, Policy, Request};
use super::cel::{
    PER_EVALUATION_LIMIT, PER_EXPRESSION_LIMIT, Program, env, evaluate, evaluate_val, is_cost_error,
};
use super::locate::{Locator, Route};
use super::value;
use crate::model::Object;

/// What a policy says about an object.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    /// Validation `validation` is false.
    Violation {
        validation: usize,
        message: String,
        /// The node the expression is about (relative to the object).
        route: Option<Route>,
    },
    /// An expression could not be evaluated.
    Error {
        /// `validation 0`, `variable x`, `matchCondition y`.
        what: String,
        message: String,
        /// The validation it belongs to, if any (for the related location).
        validation: Option<usize>,
        /// The cost budget ran out.
        cost: bool,
    },
}

/// The variables every expression of a policy sees for one object: `object`, `oldObject`
/// (null: a manifest is created), `namespaceObject` and `request`.
pub(crate) fn object_context<'d>(
    obj: &Object<'d>,
    namespace_object: Option<Value>,
) -> Context<'d, 'd> {
    let mut ctx = Context::with_env(env().clone());
    ctx.add_variable_as_val("object", value::borrowed(obj.node));
    ctx.add_variable_from_value("oldObject", Value::Null);
    ctx.add_variable_from_value("namespaceObject", namespace_object.unwrap_or(Value::Null));
    ctx.add_variable_from_value("request", request(obj));
    ctx
}

/// The admission request of a `CREATE` of `obj` (no user: kubeward knows no one).
fn request(obj: &Object<'_>) -> Value {
    let r = Request::of(obj);
    let s = value::string;
    value::map([
        ("operation", s("CREATE")),
        (
            "kind",
            value::map([
                ("group", s(r.group)),
                ("version", s(r.version)),
                ("kind", s(obj.kind)),
            ]),
        ),
        (
            "resource",
            value::map([
                ("group", s(r.group)),
                ("version", s(r.version)),
                ("resource", s(&r.resource)),
            ]),
        ),
        ("name", s(r.name)),
        ("namespace", r.namespace.map_or(Value::Null, s)),
        ("dryRun", Value::Bool(false)),
        (
            "userInfo",
            value::map([
                ("username", s("")),
                ("groups", Value::List(Vec::new().into())),
            ]),
        ),
    ])
}

/// The program of an expression that compiled (those that did not are reported once, on the
/// policy, and never evaluated).
fn program(e: &Expression) -> Option<&Program> {
    e.program.as_ref().ok()
}

struct Budget(u64);

impl Budget {
    fn run(&mut self, p: &Program, ctx: &Context<'_, '_>) -> Result<Value, cel::ExecutionError> {
        let units = self.0.min(PER_EXPRESSION_LIMIT);
        let (v, spent) = evaluate(p, ctx, units);
        self.0 = self.0.saturating_sub(spent);
        v
    }

    /// A variable's value, kept as a CEL `Val` (see [`evaluate_val`]).
    fn run_val<'v>(
        &mut self,
        p: &Program,
        ctx: &Context<'_, 'v>,
    ) -> Result<Box<dyn Val + 'v>, cel::ExecutionError> {
        let units = self.0.min(PER_EXPRESSION_LIMIT);
        let (v, spent) = evaluate_val(p, ctx, units);
        self.0 = self.0.saturating_sub(spent);
        v
    }
}

/// Evaluate `policy` against the object of `root` (built by [`object_context`]) with `params`:
/// the outcomes (none when a `matchCondition` is false) and the cost units spent.
pub(crate) fn evaluate_policy(
    policy: &Policy,
    params: Option<&Value>,
    root: &Context<'_, '_>,
    obj: &Object<'_>,
) -> (Vec<Outcome>, u64) {
    let mut budget = Budget(PER_EVALUATION_LIMIT);
    let out = outcomes(policy, params, root, obj, &mut budget);
    (out, PER_EVALUATION_LIMIT - budget.0)
}

fn outcomes(
    policy: &Policy,
    params: Option<&Value>,
    root: &Context<'_, '_>,
    obj: &Object<'_>,
    budget: &mut Budget,
) -> Vec<Outcome> {
    let mut out = Vec::new();
    let mut ctx = root.new_inner_scope();
    ctx.add_variable_from_value("params", params.cloned().unwrap_or(Value::Null));
    ctx.add_variable_from_value("variables", value::map([]));
    let error = |what: String, e: &cel::ExecutionError, validation: Option<usize>| Outcome::Error {
        what,
        message: error_text(e),
        validation,
        cost: is_cost_error(e),
    };
    for (name, c) in &policy.conditions {
        let Some(p) = program(c) else { continue };
        match budget.run(p, &ctx) {
            Ok(Value::Bool(true)) => {}
            Ok(Value::Bool(false)) => return out,
            Ok(v) => {
                out.push(Outcome::Error {
                    what: format!("matchCondition {name}"),
                    message: format!("expected a bool, got {}", v.type_of()),
                    validation: None,
                    cost: false,
                });
                return out;
            }
            Err(e) => {
                out.push(error(format!("matchCondition {name}"), &e, None));
                return out;
            }
        }
    }
    // Variables the validations read, in declaration order (each sees those before it). Each
    // is bound under its qualified name `variables.<name>`, which CEL resolves before the
    // `variables` map (that map stays empty: a variable that failed reads as a missing key):
    // binding a value costs no copy of the ones before it.
    let mut failed: Vec<(&str, String, bool)> = Vec::new();
    let needed = needed(policy);
    for (name, e) in &policy.variables {
        if !needed.iter().any(|n| n == name) {
            continue;
        }
        let Some(p) = program(e) else { continue };
        match budget.run_val(p, &ctx) {
            Ok(v) => ctx.add_variable_as_val(format!("variables.{name}"), v),
            Err(e) => failed.push((name.as_str(), error_text(&e), is_cost_error(&e))),
        }
    }
    // A read of a variable that failed is that variable's error.
    let error_of = |what: String, e: &cel::ExecutionError, validation: usize| {
        if let cel::ExecutionError::NoSuchKey(k) = e
            && let Some((n, m, cost)) = failed.iter().find(|(n, _, _)| *n == k.as_str())
        {
            return Outcome::Error {
                what: format!("variable {n}"),
                message: m.clone(),
                validation: Some(validation),
                cost: *cost,
            };
        }
        error(what, e, Some(validation))
    };
    for (i, v) in policy.validations.iter().enumerate() {
        let Some(p) = program(&v.expression) else {
            continue;
        };
        match budget.run(p, &ctx) {
            Ok(Value::Bool(true)) => {}
            Ok(Value::Bool(false)) => {
                // A Secret's values never reach a message: its `messageExpression` is not
                // evaluated (the static `message` is used).
                let secret = obj.kind == "Secret" && obj.group().is_empty();
                let message = message(v, !secret, budget, &ctx);
                let vars: Vec<(String, &IdedExpr)> = policy
                    .variables
                    .iter()
                    .filter_map(|(n, e)| Some((n.clone(), &program(e)?.run)))
                    .collect();
                let mut locator = Locator::new(obj.node, &vars);
                let route = locator.culprit(&p.run, &ctx);
                budget.0 = budget.0.saturating_sub(PER_EXPRESSION_LIMIT - locator.left);
                out.push(Outcome::Violation {
                    validation: i,
                    message,
                    route,
                });
            }
            Ok(other) => out.push(Outcome::Error {
                what: format!("validation {i}"),
                message: format!("expected a bool, got {}", other.type_of()),
                validation: Some(i),
                cost: false,
            }),
            Err(e) => {
                // A variable that failed is one error, at the first validation that reads it
                // (every later one would be the same finding).
                let o = error_of(format!("validation {i}"), &e, i);
                let said = |x: &Outcome| match (x, &o) {
                    (Outcome::Error { what: a, .. }, Outcome::Error { what: b, .. }) => a == b,
                    _ => false,
                };
                if !out.iter().any(said) {
                    out.push(o);
                }
            }
        }
    }
    out
}

/// The message of a failed validation: its `messageExpression` when that yields a non-empty
/// single-line string, else its `message`, else the API server's `failed expression: …`.
fn message(
    v: &super::admission::Validation,
    expression: bool,
    budget: &mut Budget,
    ctx: &Context<'_, '_>,
) -> String {
    if let Some(p) = v
        .message_expression
        .as_ref()
        .filter(|_| expression)
        .and_then(program)
        && let Ok(Value::String(s)) = budget.run(p, ctx)
    {
        let s = s.trim();
        if !s.is_empty() && !s.contains('\n') {
            return s.to_owned();
        }
    }
    match &v.message {
        Some(m) if !m.trim().is_empty() => m.trim().to_owned(),
        _ => format!("failed expression: {}", v.expression.source.trim()),
    }
}

/// The variables the validations (and their messages) read, with those they read in turn.
fn needed(policy: &Policy) -> Vec<String> {
    let mut want: Vec<String> = Vec::new();
    for v in &policy.validations {
        for e in std::iter::once(&v.expression).chain(&v.message_expression) {
            if let Some(p) = program(e) {
                want.extend(p.reads.iter().cloned());
            }
        }
    }
    // Variables only read earlier ones: one pass from the last declared to the first.
    for (name, e) in policy.variables.iter().rev() {
        if want.contains(name)
            && let Some(p) = program(e)
        {
            want.extend(p.reads.iter().cloned());
        }
    }
    want.sort();
    want.dedup();
    want
}

/// What an evaluation error says, every value in it named by its type only: the text is the
/// same from run to run (a map's entries have no order), stays short, and never quotes the
/// object's content (a Secret's data among it).
#[allow(deprecated)]
fn error_text(e: &cel::ExecutionError) -> String {
    use cel::ExecutionError as E;
    let t = |v: &Value| v.type_of().to_string();
    match e {
        E::UnsupportedTargetType { target } => format!("Invalid argument type: {}", t(target)),
        E::NotSupportedAsMethod { method, target } => {
            format!("Method '{method}' not supported on type '{}'", t(target))
        }
        E::UnsupportedKeyType(v) => format!("Unable to use a value of type {} as a key", t(v)),
        E::ValuesNotComparable(a, b) => {
            format!(
                "a value of type {} can not be compared to one of type {}",
                t(a),
                t(b)
            )
        }
        E::UnsupportedUnaryOperator(op, v) => {
            format!("Unsupported unary operator '{op}': {}", t(v))
        }
        E::UnsupportedBinaryOperator(op, a, b) | E::Overflow(op, a, b) => {
            let what = if matches!(e, E::Overflow(..)) {
                "Overflow from binary operator"
            } else {
                "Unsupported binary operator"
            };
            format!("{what} '{op}': {}, {}", t(a), t(b))
        }
        E::UnsupportedMapIndex(v) => format!("Cannot use a value of type {} as map index", t(v)),
        E::UnsupportedListIndex(v) => format!("Cannot use a value of type {} as list index", t(v)),
        E::UnsupportedIndex(a, b) => {
            format!("Cannot use a value of type {} to index a {}", t(a), t(b))
        }
        E::DivisionByZero(v) => format!("Division by zero of a {}", t(v)),
        E::RemainderByZero(v) => format!("Remainder by zero of a {}", t(v)),
        E::IndexOutOfBounds(v) => match v {
            Value::Int(i) => format!("Index out of bounds: {i}"),
            Value::UInt(i) => format!("Index out of bounds: {i}"),
            _ => format!("Index out of bounds: a {}", t(v)),
        },
        E::DuplicateKey(v) => format!("Failed with repeated key of type {}", t(v)),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_values_by_type_never_by_content() {
        let secret = value::map(
            (0..20)
                .map(|i| {
                    let v = Value::String(std::sync::Arc::new("hunter2-token".to_owned()));
                    (["a", "b", "c", "d", "e"][i % 5], v)
                })
                .collect::<Vec<_>>(),
        );
        let e = cel::ExecutionError::UnsupportedBinaryOperator("+", secret.clone(), Value::Int(1));
        assert_eq!(error_text(&e), "Unsupported binary operator '+': map, int");
        let e = cel::ExecutionError::ValuesNotComparable(secret, Value::Int(1));
        assert!(!error_text(&e).contains("hunter2"), "{}", error_text(&e));
        let e = cel::ExecutionError::IndexOutOfBounds(Value::Int(3));
        assert_eq!(error_text(&e), "Index out of bounds: 3");
    }
}
