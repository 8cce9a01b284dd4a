//! Where a failing expression points: the most specific existing node it reads.
//!
//! Where a failing expression points: the most specific node of the object that it reads and
//! that exists (the container's `securityContext.privileged`, not the top of the document).
//!
//! The expression is walked again after it failed, evaluating its parts: the false operand of
//! an `&&`, the taken branch of a `?:` (in the expression and in the paths variables name),
//! the first element an `all` fails on (with the loop variable bound to that element's route).
//! What remains is a leaf such as a comparison; of the field paths it reads
//! (`c.securityContext.privileged`, `object.?spec.?x`), the one that goes deepest into the
//! object wins. List elements keep their routes through `+` (`containers + initContainers`),
//! `orValue` and variables that name such lists.

use cel::common::ast::{Expr, IdedExpr, operators};
use cel::{Context, Value};

use super::cel::{PER_EXPRESSION_LIMIT, RANGE, SIZE, evaluate_tree};
use crate::yaml::{NodeRef, Seg};

/// A route inside the object (relative to its root).
pub(crate) type Route = Vec<Seg>;

/// Finds the node a failed expression is about.
pub(crate) struct Locator<'a, 'd> {
    /// The object.
    pub root: NodeRef<'d>,
    /// The policy's variables (name, evaluated tree), for the routes of `variables.<name>`.
    pub variables: &'a [(String, &'a IdedExpr)],
    /// Cost units left for the evaluations the search makes.
    pub left: u64,
    /// Comprehension variables bound to the element being looked at, innermost last.
    binds: Vec<(String, Option<Route>)>,
}

/// Strip the cost wrappers the compiler added.
fn strip(mut e: &IdedExpr) -> &IdedExpr {
    while let Expr::Call(c) = &e.expr {
        if (c.func_name == RANGE || c.func_name == SIZE) && !c.args.is_empty() && c.target.is_none()
        {
            e = &c.args[0];
        } else {
            break;
        }
    }
    e
}

impl<'a, 'd> Locator<'a, 'd> {
    pub(crate) fn new(root: NodeRef<'d>, variables: &'a [(String, &'a IdedExpr)]) -> Self {
        Locator {
            root,
            variables,
            left: PER_EXPRESSION_LIMIT,
            binds: Vec::new(),
        }
    }

    fn eval(&mut self, e: &IdedExpr, ctx: &Context<'_, '_>) -> Option<Value> {
        if self.left == 0 {
            return None;
        }
        let (v, spent) = evaluate_tree(e, ctx, self.left);
        self.left = self.left.saturating_sub(spent);
        v.ok()
    }

    /// How many leading steps of `route` exist in the object.
    pub(crate) fn existing(&self, route: &[Seg]) -> usize {
        let mut n = self.root;
        for (i, s) in route.iter().enumerate() {
            let next = match s {
                Seg::Key(k) => n.get(k),
                Seg::Index(ix) => n.at(*ix as usize),
            };
            match next {
                Some(x) => n = x,
                None => return i,
            }
        }
        route.len()
    }

    /// The most specific of `routes`: the deepest existing node, then the longest route.
    fn best(&self, routes: impl IntoIterator<Item = Route>) -> Option<Route> {
        routes
            .into_iter()
            .map(|r| ((self.existing(&r), r.len()), r))
            .fold(
                None,
                |acc: Option<((usize, usize), Route)>, (k, r)| match acc {
                    Some((best, _)) if best >= k => acc,
                    _ => Some((k, r)),
                },
            )
            .map(|(_, r)| r)
    }

    fn variable(&self, name: &str) -> Option<&'a IdedExpr> {
        self.variables
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, e)| *e)
    }

    /// The route `e` reads, if it is a path into the object (`object.spec.x`, `c.?a.?b`,
    /// `l[0]`, `m['k']`, a comprehension variable, `variables.<name>` naming a path).
    fn chain(&mut self, e: &IdedExpr, ctx: &Context<'_, '_>) -> Option<Route> {
        let e = strip(e);
        match &e.expr {
            Expr::Ident(name) => {
                if let Some((_, r)) = self.binds.iter().rev().find(|(n, _)| n == name) {
                    return r.clone();
                }
                match name.as_str() {
                    "object" => Some(Vec::new()),
                    // The Namespace is the object's `metadata.namespace`.
                    "namespaceObject" => Some(vec![Seg::from("metadata"), Seg::from("namespace")]),
                    _ => None,
                }
            }
            Expr::Select(sel) => {
                if let Expr::Ident(root) = &sel.operand.expr
                    && root == "variables"
                    && !self.binds.iter().any(|(n, _)| n == "variables")
                {
                    let var = self.variable(&sel.field)?;
                    let saved = std::mem::take(&mut self.binds);
                    let r = self.chain(var, ctx);
                    self.binds = saved;
                    return r;
                }
                let mut r = self.chain(&sel.operand, ctx)?;
                if !rooted_at_namespace(&sel.operand) {
                    r.push(Seg::from(sel.field.clone()));
                }
                Some(r)
            }
            Expr::Call(call) => match (call.func_name.as_str(), call.args.as_slice()) {
                (
                    operators::OPT_SELECT | operators::INDEX | operators::OPT_INDEX,
                    [operand, field],
                ) => {
                    let mut r = self.chain(operand, ctx)?;
                    if !rooted_at_namespace(operand) {
                        r.push(self.seg(field, ctx)?);
                    }
                    Some(r)
                }
                ("orValue" | "value" | "hasValue", _) => {
                    let t = call.target.as_deref()?;
                    self.chain(t, ctx)
                }
                // The taken branch (`object.kind == 'Pod' ? object.spec :
                // object.spec.template.spec`, the pod spec of any workload kind).
                (operators::CONDITIONAL, [c, t, f]) => match self.eval(c, ctx)? {
                    Value::Bool(true) => self.chain(t, ctx),
                    Value::Bool(false) => self.chain(f, ctx),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        }
    }

    fn seg(&mut self, e: &IdedExpr, ctx: &Context<'_, '_>) -> Option<Seg> {
        match self.eval(e, ctx)? {
            Value::String(s) => Some(Seg::from(s.as_ref().clone())),
            Value::Int(i) => usize::try_from(i).ok().map(Seg::from),
            Value::UInt(i) => usize::try_from(i).ok().map(Seg::from),
            _ => None,
        }
    }

    /// The route of each of the `n` elements of the list `e` evaluates to, where known.
    fn elements(&mut self, e: &IdedExpr, ctx: &Context<'_, '_>, n: usize) -> Vec<Option<Route>> {
        let e = strip(e);
        if let Some(r) = self.chain(e, ctx)
            && self.existing(&r) == r.len()
        {
            return (0..n)
                .map(|i| {
                    let mut x = r.clone();
                    x.push(Seg::from(i));
                    Some(x)
                })
                .collect();
        }
        match &e.expr {
            Expr::Call(call) => match (call.func_name.as_str(), call.args.as_slice()) {
                (operators::ADD, [a, b]) => {
                    let la = match self.eval(a, ctx) {
                        Some(Value::List(l)) => l.len().min(n),
                        _ => return vec![None; n],
                    };
                    let mut out = self.elements(a, ctx, la);
                    out.extend(self.elements(b, ctx, n - la));
                    out
                }
                (operators::CONDITIONAL, [c, t, f]) => match self.eval(c, ctx) {
                    Some(Value::Bool(true)) => self.elements(t, ctx, n),
                    Some(Value::Bool(false)) => self.elements(f, ctx, n),
                    _ => vec![None; n],
                },
                ("orValue", [default]) => match call.target.as_deref() {
                    Some(t) if self.eval(t, ctx).is_some_and(|v| is_some(&v)) => {
                        self.elements(t, ctx, n)
                    }
                    _ => self.elements(default, ctx, n),
                },
                _ => vec![None; n],
            },
            Expr::Select(sel) => match (&sel.operand.expr, self.variable(&sel.field)) {
                (Expr::Ident(root), Some(var)) if root == "variables" => {
                    let saved = std::mem::take(&mut self.binds);
                    let out = self.elements(var, ctx, n);
                    self.binds = saved;
                    out
                }
                _ => vec![None; n],
            },
            _ => vec![None; n],
        }
    }

    /// Every path `e` reads outside comprehension bodies.
    fn chains(&mut self, e: &IdedExpr, ctx: &Context<'_, '_>, out: &mut Vec<Route>) {
        if let Some(r) = self.chain(e, ctx) {
            out.push(r);
            return;
        }
        match &strip(e).expr {
            Expr::Call(call) => {
                if let Some(t) = call.target.as_deref() {
                    self.chains(t, ctx, out);
                }
                for a in &call.args {
                    self.chains(a, ctx, out);
                }
            }
            Expr::Select(sel) => self.chains(&sel.operand, ctx, out),
            Expr::List(l) => {
                for x in &l.elements {
                    self.chains(x, ctx, out);
                }
            }
            Expr::Comprehension(c) => self.chains(&c.iter_range, ctx, out),
            _ => {}
        }
    }

    /// The node `e` — which evaluated to something other than `true` — is about.
    pub(crate) fn culprit(&mut self, e: &IdedExpr, ctx: &Context<'_, '_>) -> Option<Route> {
        let e = strip(e);
        match &e.expr {
            Expr::Call(call) => match (call.func_name.as_str(), call.args.as_slice()) {
                (operators::LOGICAL_AND, [a, b]) => {
                    if self.eval(a, ctx) == Some(Value::Bool(true)) {
                        self.culprit(b, ctx)
                    } else {
                        self.culprit(a, ctx)
                    }
                }
                (operators::LOGICAL_OR, [a, b]) => {
                    let ra = self.culprit(a, ctx);
                    let rb = self.culprit(b, ctx);
                    self.best(ra.into_iter().chain(rb))
                }
                (operators::LOGICAL_NOT, [a]) => self.leaf(a, ctx),
                (operators::CONDITIONAL, [c, t, f]) => match self.eval(c, ctx) {
                    Some(Value::Bool(true)) => self.culprit(t, ctx),
                    Some(Value::Bool(false)) => self.culprit(f, ctx),
                    _ => self.leaf(c, ctx),
                },
                _ => self.leaf(e, ctx),
            },
            // A boolean variable: what its own expression is about.
            Expr::Select(sel)
                if matches!(&sel.operand.expr, Expr::Ident(n) if n == "variables")
                    && !self.binds.iter().any(|(n, _)| n == "variables") =>
            {
                match self.variable(&sel.field) {
                    Some(var) => {
                        let saved = std::mem::take(&mut self.binds);
                        let r = self.culprit(var, ctx);
                        self.binds = saved;
                        r
                    }
                    None => self.leaf(e, ctx),
                }
            }
            Expr::Comprehension(c) => {
                let Expr::Call(step) = &c.loop_step.expr else {
                    return self.leaf(e, ctx);
                };
                let accu_first = step
                    .args
                    .first()
                    .is_some_and(|a| matches!(&a.expr, Expr::Ident(n) if *n == c.accu_var));
                if !accu_first || step.args.len() != 2 {
                    return self.leaf(e, ctx);
                }
                let pred = &step.args[1];
                match step.func_name.as_str() {
                    // `all`: the first element the predicate does not hold for.
                    operators::LOGICAL_AND => {
                        let Some(Value::List(items)) = self.eval(&c.iter_range, ctx) else {
                            return self.leaf(e, ctx);
                        };
                        let routes = self.elements(&c.iter_range, ctx, items.len());
                        for (item, route) in items.iter().zip(routes) {
                            let mut inner = ctx.new_inner_scope();
                            inner.add_variable_from_value(c.iter_var.clone(), item.clone());
                            if self.left == 0 {
                                break;
                            }
                            if self.eval(pred, &inner) == Some(Value::Bool(true)) {
                                continue;
                            }
                            self.binds.push((c.iter_var.clone(), route.clone()));
                            let found = self.culprit(pred, &inner);
                            self.binds.pop();
                            return self.best(found.into_iter().chain(route));
                        }
                        self.leaf(e, ctx)
                    }
                    // `exists`: no element holds; the list itself is the place.
                    _ => self.leaf(e, ctx),
                }
            }
            _ => self.leaf(e, ctx),
        }
    }

    /// The most specific path a leaf expression reads.
    fn leaf(&mut self, e: &IdedExpr, ctx: &Context<'_, '_>) -> Option<Route> {
        let mut out = Vec::new();
        self.chains(e, ctx, &mut out);
        self.best(out)
    }
}

/// Whether `e` is a path into `namespaceObject` (all of which the object's
/// `metadata.namespace` stands for).
fn rooted_at_namespace(e: &IdedExpr) -> bool {
    match &strip(e).expr {
        Expr::Ident(n) => n == "namespaceObject",
        Expr::Select(s) => rooted_at_namespace(&s.operand),
        Expr::Call(c) => match c.func_name.as_str() {
            operators::OPT_SELECT | operators::INDEX | operators::OPT_INDEX => {
                c.args.first().is_some_and(rooted_at_namespace)
            }
            _ => false,
        },
        _ => false,
    }
}

fn is_some(v: &Value) -> bool {
    match v {
        Value::Opaque(o) => o
            .downcast_ref::<cel::objects::OptionalValue>()
            .is_some_and(|o| o.value().is_some()),
        _ => true,
    }
}
