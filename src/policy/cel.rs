//! The CEL environment policies are evaluated in, with the API server's cost budget.
//!
//! The CEL environment policies are evaluated in: the `cel` crate's standard library, its
//! strings extension, the Kubernetes list and regex functions, and a cost budget.
//!
//! The `cel` crate interprets the syntax tree and counts nothing, so every program is rewritten
//! once when it is compiled: the range of each comprehension (`all`, `exists`, `map`, `filter`,
//! …) passes through [`RANGE`], which charges one unit per element before the loop runs, the
//! result of each function that can build a larger value than it was given (`+`, `replace`,
//! `join`, `split`, …) passes through [`SIZE`], which charges its size, and so does each
//! non-literal operand of a function whose work grows with its operands (`contains`,
//! `matches`, `==` of two non-literals, `in`, …). A charge beyond the budget is an evaluation
//! error, so nested loops over large lists stop instead of running for hours. The budget is
//! that of the API server: [`PER_EXPRESSION_LIMIT`] per expression, [`PER_EVALUATION_LIMIT`]
//! per policy and object.

use std::cell::Cell;
use std::sync::{Arc, OnceLock};

use cel::common::ast::{CallExpr, Expr, IdedExpr, operators};
use cel::common::types::{CelInt, CelList, CelOptional, CelString, DYN_TYPE, LIST_TYPE};
use cel::common::value::{CowVal, Val};
use cel::{ExecutionError, Value};

/// Cost units one expression may spend on one object.
pub(crate) const PER_EXPRESSION_LIMIT: u64 = 1_000_000;
/// Cost units one policy (all its expressions) may spend on one object.
pub(crate) const PER_EVALUATION_LIMIT: u64 = 10_000_000;
/// Longest expression accepted (the API server's limit on a whole object is 1.5 MB; an
/// expression is a line or a few).
pub(crate) const MAX_EXPRESSION_LEN: usize = 64 * 1024;

/// The function a comprehension's range passes through.
pub(crate) const RANGE: &str = "@kubeward.range";
/// The function a value whose size is charged passes through.
pub(crate) const SIZE: &str = "@kubeward.size";

/// Functions whose result may be larger than their operands: their result is charged.
const GROWING: &[&str] = &[
    operators::ADD,
    "replace",
    "join",
    "split",
    "format",
    "lowerAscii",
    "upperAscii",
    "trim",
    "substring",
    "reverse",
    "findAll",
    "string",
    "strings.quote",
];

/// Functions whose work grows with their operands: each non-literal operand is charged.
const SCANNING: &[&str] = &[
    "contains",
    "startsWith",
    "endsWith",
    "matches",
    "find",
    "findAll",
    "indexOf",
    "lastIndexOf",
    "charAt",
    "substring",
    "isSorted",
    "sum",
    "min",
    "max",
    "split",
    "replace",
    operators::IN,
    operators::EQUALS,
    operators::NOT_EQUALS,
    operators::LESS,
    operators::LESS_EQUALS,
    operators::GREATER,
    operators::GREATER_EQUALS,
];

/// Every function an expression may call besides the operators, global or as a method. The
/// macros (`has`, `all`, `exists`, `exists_one`, `map`, `filter`, `optMap`, `optFlatMap`) are
/// expanded before this list is consulted. A call to anything else is an error when the
/// policy is compiled, not when an object happens to reach it.
pub(crate) const FUNCTIONS: &[&str] = &[
    // Standard library.
    "bool",
    "bytes",
    "contains",
    "double",
    "duration",
    "dyn",
    "endsWith",
    "getDate",
    "getDayOfMonth",
    "getDayOfWeek",
    "getDayOfYear",
    "getFullYear",
    "getHours",
    "getMilliseconds",
    "getMinutes",
    "getMonth",
    "getSeconds",
    "int",
    "matches",
    "size",
    "startsWith",
    "string",
    "timestamp",
    "type",
    "uint",
    // Optional values.
    "hasValue",
    "optional.none",
    "optional.of",
    "optional.ofNonZeroValue",
    "or",
    "orValue",
    "value",
    // Strings extension (cel-go `ext.Strings`, as Kubernetes enables it).
    "charAt",
    "format",
    "indexOf",
    "join",
    "lastIndexOf",
    "lowerAscii",
    "replace",
    "reverse",
    "split",
    "strings.quote",
    "substring",
    "trim",
    "upperAscii",
    // Kubernetes regex library.
    "find",
    "findAll",
    // Kubernetes lists library.
    "isSorted",
    "max",
    "min",
    "sum",
];

/// Identifiers that name types (`type(x) == string`).
const TYPE_NAMES: &[&str] = &[
    "bool",
    "bytes",
    "double",
    "int",
    "list",
    "map",
    "null_type",
    "string",
    "type",
    "uint",
    "dyn",
];

thread_local! {
    /// Units the expression being evaluated on this thread may still spend.
    static LEFT: Cell<u64> = const { Cell::new(0) };
}

/// The shared environment (built once per process).
pub(crate) fn env() -> &'static Arc<cel::Env> {
    static ENV: OnceLock<Arc<cel::Env>> = OnceLock::new();
    ENV.get_or_init(|| Arc::new(build_env()))
}

fn build_env() -> cel::Env {
    let mut env = cel::Env::stdlib();
    // Each registration is of a name this module owns, into a fresh environment: a failure
    // is a programming error that every test would show.
    let ok = env.add_extension(cel::extensions::strings).is_ok()
        && env.add_extension(kubernetes).is_ok()
        && env
            .add_overload(
                RANGE,
                "kubeward_range",
                vec![DYN_TYPE, cel::common::types::INT_TYPE],
                range,
            )
            .is_ok()
        && env
            .add_overload(SIZE, "kubeward_size", vec![DYN_TYPE], size)
            .is_ok();
    debug_assert!(ok, "internal error: the CEL environment did not build");
    env
}

/// The Kubernetes libraries this module implements: regex `find`/`findAll` and lists
/// `isSorted`, `sum`, `min`, `max`, `indexOf`, `lastIndexOf`.
fn kubernetes(env: &mut cel::Env) -> Result<(), cel::DeclarationError> {
    use cel::common::types::STRING_TYPE;
    env.add_member_overload(
        "find",
        "string.find(string)",
        STRING_TYPE,
        vec![STRING_TYPE],
        find,
    )?;
    env.add_member_overload(
        "findAll",
        "string.findAll(string)",
        STRING_TYPE,
        vec![STRING_TYPE],
        find_all,
    )?;
    env.add_member_overload(
        "findAll",
        "string.findAll(string,int)",
        STRING_TYPE,
        vec![STRING_TYPE, cel::common::types::INT_TYPE],
        find_all,
    )?;
    env.add_member_overload("isSorted", "list.isSorted()", LIST_TYPE, vec![], is_sorted)?;
    env.add_member_overload("sum", "list.sum()", LIST_TYPE, vec![], sum)?;
    env.add_member_overload("min", "list.min()", LIST_TYPE, vec![], min)?;
    env.add_member_overload("max", "list.max()", LIST_TYPE, vec![], max)?;
    env.add_member_overload(
        "indexOf",
        "list.indexOf(dyn)",
        LIST_TYPE,
        vec![DYN_TYPE],
        list_index_of,
    )?;
    env.add_member_overload(
        "lastIndexOf",
        "list.lastIndexOf(dyn)",
        LIST_TYPE,
        vec![DYN_TYPE],
        list_last_index_of,
    )?;
    Ok(())
}

/// Start an expression with `units` to spend.
pub(crate) fn set_budget(units: u64) {
    LEFT.with(|l| l.set(units));
}

/// Units left of the expression evaluated last on this thread.
pub(crate) fn budget_left() -> u64 {
    LEFT.with(Cell::get)
}

/// The message of the error a spent budget raises (recognised by the evaluator).
pub(crate) const COST_EXCEEDED: &str = "cost limit exceeded";

fn charge(units: u64) -> Result<(), ExecutionError> {
    LEFT.with(|l| {
        let left = l.get();
        if units > left {
            l.set(0);
            Err(ExecutionError::function_error("cost", COST_EXCEEDED))
        } else {
            l.set(left - units);
            Ok(())
        }
    })
}

/// What holding or scanning `v` costs: its elements, or a unit per ten bytes of text.
fn weight(v: &dyn Val) -> u64 {
    if let Some(s) = v.downcast_ref::<CelString>() {
        return 1 + s.inner().len() as u64 / 10;
    }
    if let Some(b) = v.downcast_ref::<cel::common::types::CelBytes>() {
        return 1 + b.inner().len() as u64 / 10;
    }
    match v.as_sizer() {
        Some(s) => 1 + u64::try_from(*s.size().inner()).unwrap_or(0),
        None => 1,
    }
}

fn one<'b, 'v>(mut args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    match args.pop() {
        Some(v) if args.is_empty() => Ok(v),
        _ => Err(ExecutionError::invalid_argument_count(1, args.len() + 1)),
    }
}

/// `@kubeward.range(list, body)`: charges the loop's iterations, each as many units as its
/// body has nodes, before the loop runs.
fn range<'b, 'v>(mut args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let body = match args.pop() {
        Some(b) => b.downcast_ref::<CelInt>().map_or(1, |i| *i.inner()),
        None => 1,
    };
    let v = one(args)?;
    let n = match v.as_iterable() {
        Some(_) => weight(v.as_ref()),
        None => 1,
    };
    charge(n.saturating_mul(u64::try_from(body.max(1)).unwrap_or(1)))?;
    Ok(v)
}

/// Nodes of a tree (what one evaluation of it does, roughly), at most `cap`.
fn nodes(e: &IdedExpr, cap: u64) -> u64 {
    let mut n = 1u64;
    let mut add = |x: &IdedExpr| n = n.saturating_add(nodes(x, cap));
    match &e.expr {
        Expr::Call(c) => {
            if let Some(t) = c.target.as_deref() {
                add(t);
            }
            for a in &c.args {
                add(a);
            }
        }
        Expr::Select(s) => add(&s.operand),
        Expr::Comprehension(c) => {
            // Inner loops charge their own iterations.
            add(&c.iter_range);
            add(&c.accu_init);
        }
        Expr::List(l) => {
            for x in &l.elements {
                add(x);
            }
        }
        Expr::Map(m) => {
            for x in &m.entries {
                if let cel::common::ast::EntryExpr::MapEntry(m) = &x.expr {
                    add(&m.key);
                    add(&m.value);
                }
            }
        }
        _ => {}
    }
    n.min(cap)
}

fn size<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let v = one(args)?;
    charge(weight(v.as_ref()))?;
    Ok(v)
}

/// A regular expression of an expression (RE2 syntax, size-limited as cel-go's are bounded).
fn regex(function: &str, pattern: &str) -> Result<regex::Regex, ExecutionError> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| ExecutionError::function_error(function, e.to_string()))
}

fn strings<'a, 'b, 'v>(
    function: &str,
    args: &'a [CowVal<'b, 'v>],
) -> Result<(&'a str, &'a str), ExecutionError> {
    match args {
        [s, p, ..] => match (s.downcast_ref::<CelString>(), p.downcast_ref::<CelString>()) {
            (Some(s), Some(p)) => Ok((s.inner(), p.inner())),
            _ => Err(ExecutionError::function_error(function, "expects strings")),
        },
        _ => Err(ExecutionError::invalid_argument_count(2, args.len())),
    }
}

fn find<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let (s, p) = strings("find", &args)?;
    let found = regex("find", p)?
        .find(s)
        .map_or(String::new(), |m| m.as_str().to_owned());
    Ok(CowVal::owned(CelString::from(found)))
}

fn find_all<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let (s, p) = strings("findAll", &args)?;
    let limit = match args.get(2).and_then(|n| n.downcast_ref::<CelInt>()) {
        Some(n) if *n.inner() >= 0 => usize::try_from(*n.inner()).unwrap_or(usize::MAX),
        _ => usize::MAX,
    };
    let found: Vec<Box<dyn Val>> = regex("findAll", p)?
        .find_iter(s)
        .take(limit)
        .map(|m| Box::new(CelString::from(m.as_str().to_owned())) as Box<dyn Val>)
        .collect();
    Ok(CowVal::owned(CelList::from(found)))
}

/// The elements of a list operand, as `Value`s (ints, doubles, strings, … compare as CEL does).
fn elements(function: &str, list: &dyn Val) -> Result<Vec<Value>, ExecutionError> {
    let Some(items) = list.as_iterable() else {
        return Err(ExecutionError::function_error(function, "expects a list"));
    };
    let mut out = Vec::new();
    let mut it = items.iter();
    while let Some(v) = it.next() {
        out.push(Value::try_from(v)?);
    }
    Ok(out)
}

fn ordered(a: &Value, b: &Value) -> Result<std::cmp::Ordering, ExecutionError> {
    a.partial_cmp(b)
        .ok_or_else(|| ExecutionError::function_error("compare", "values are not comparable"))
}

fn boxed<'b, 'v>(v: Value) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let b: Box<dyn Val> = v.try_into()?;
    Ok(CowVal::from(b))
}

fn is_sorted<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let list = one(args)?;
    let items = elements("isSorted", list.as_ref())?;
    for w in items.windows(2) {
        if ordered(&w[0], &w[1])? == std::cmp::Ordering::Greater {
            return boxed(Value::Bool(false));
        }
    }
    boxed(Value::Bool(true))
}

fn sum<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let list = one(args)?;
    let items = elements("sum", list.as_ref())?;
    let mut it = items.into_iter();
    let Some(mut total) = it.next() else {
        return boxed(Value::Int(0));
    };
    for v in it {
        total = match (total, v) {
            (Value::Int(a), Value::Int(b)) => Value::Int(
                a.checked_add(b)
                    .ok_or_else(|| ExecutionError::function_error("sum", "integer overflow"))?,
            ),
            (Value::UInt(a), Value::UInt(b)) => Value::UInt(
                a.checked_add(b)
                    .ok_or_else(|| ExecutionError::function_error("sum", "integer overflow"))?,
            ),
            (Value::Float(a), Value::Float(b)) => Value::Float(a + b),
            _ => {
                return Err(ExecutionError::function_error(
                    "sum",
                    "mixed or non-numeric list",
                ));
            }
        };
    }
    boxed(total)
}

fn extreme<'b, 'v>(
    function: &str,
    args: Vec<CowVal<'b, 'v>>,
    want: std::cmp::Ordering,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let list = one(args)?;
    let mut it = elements(function, list.as_ref())?.into_iter();
    let Some(mut best) = it.next() else {
        return Err(ExecutionError::function_error(function, "empty list"));
    };
    for v in it {
        if ordered(&v, &best)? == want {
            best = v;
        }
    }
    boxed(best)
}

fn min<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    extreme("min", args, std::cmp::Ordering::Less)
}

fn max<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    extreme("max", args, std::cmp::Ordering::Greater)
}

fn position<'b, 'v>(
    function: &str,
    args: &[CowVal<'b, 'v>],
    last: bool,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [list, needle] = args else {
        return Err(ExecutionError::invalid_argument_count(2, args.len()));
    };
    let needle = Value::try_from(needle.as_ref())?;
    let items = elements(function, list.as_ref())?;
    let found = if last {
        items.iter().rposition(|v| *v == needle)
    } else {
        items.iter().position(|v| *v == needle)
    };
    boxed(Value::Int(
        found.map_or(-1, |i| i64::try_from(i).unwrap_or(i64::MAX)),
    ))
}

fn list_index_of<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    position("indexOf", &args, false)
}

fn list_last_index_of<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    position("lastIndexOf", &args, true)
}

/// An expression that failed to compile: the parser's (or this module's) message and where
/// in the expression's text, as a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CompileError {
    pub message: String,
    pub offset: usize,
}

/// A compiled expression: the rewritten tree (with its cost charges) and the original one
/// (read by the locator).
#[derive(Debug)]
pub(crate) struct Program {
    /// The tree that is evaluated.
    pub(crate) run: IdedExpr,
    /// The variables (`variables.<name>`) it reads.
    pub(crate) reads: Vec<String>,
}

/// What an expression may name: the top-level variables and the names of `variables.<name>`.
pub(crate) struct Scope<'a> {
    pub roots: &'a [&'a str],
    pub variables: &'a [String],
}

/// Stack of the thread an expression is parsed on: the parser recurses a dozen frames per level
/// of the expression (and unoptimised builds' frames are large); the bounds above keep the
/// levels few, this keeps them from depending on the caller's stack.
const PARSER_STACK: usize = 64 << 20;

/// Compile `source`: parse, expand macros, check every name, and add the cost charges.
pub(crate) fn compile(source: &str, scope: &Scope<'_>) -> Result<Program, CompileError> {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("kubeward-cel".into())
            .stack_size(PARSER_STACK)
            .spawn_scoped(s, || compile_here(source, scope))
            .map_err(|e| CompileError {
                message: format!("cannot start the parser: {e}"),
                offset: 0,
            })?
            .join()
            .unwrap_or_else(|_| {
                Err(CompileError {
                    message: "internal error: the parser failed".into(),
                    offset: 0,
                })
            })
    })
}

fn compile_here(source: &str, scope: &Scope<'_>) -> Result<Program, CompileError> {
    if source.len() > MAX_EXPRESSION_LEN {
        return Err(CompileError {
            message: format!("expression longer than {MAX_EXPRESSION_LEN} bytes"),
            offset: 0,
        });
    }
    if let Some(offset) = too_deep(source) {
        return Err(CompileError {
            message: format!(
                "expression nests more than {MAX_NESTING} brackets deep or has more than {MAX_OPERATORS} operators"
            ),
            offset,
        });
    }
    let program = env().compile(source).map_err(|e| {
        let first = e.errors.first();
        CompileError {
            message: first.map_or_else(|| e.to_string(), |p| p.msg.clone()),
            offset: first.map_or(0, |p| offset_of(source, p.pos)),
        }
    })?;
    let info = program.source_info();
    if deeper_than(program.expression(), MAX_DEPTH) {
        return Err(CompileError {
            message: format!("expression tree deeper than {MAX_DEPTH} levels"),
            offset: 0,
        });
    }
    let mut run = program.expression().clone();
    let mut check = Check {
        scope,
        bound: Vec::new(),
        problem: None,
        reads: Vec::new(),
        next_id: u64::MAX / 2,
    };
    check.walk(&mut run);
    if let Some((id, message)) = check.problem {
        let mut offset = info
            .offset_for(id)
            .map_or(0, |(s, _)| s as usize)
            .min(source.len());
        // A call is recorded at its `(`: point at the function's name instead.
        if source[offset..].starts_with('(') {
            let name =
                source[..offset].trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
            offset = name.len();
        }
        return Err(CompileError { message, offset });
    }
    Ok(Program {
        run,
        reads: check.reads,
    })
}

/// Deepest bracket nesting accepted: the parser and the evaluator recurse once per level (and
/// a thread's stack is finite), real policies nest a few levels.
pub(crate) const MAX_NESTING: usize = 32;

/// Deepest node of a compiled tree accepted (member chains, operator chains).
pub(crate) const MAX_DEPTH: usize = 200;

/// Stack of the threads expressions are evaluated on: the interpreter recurses once or twice
/// per level of the tree, at most [`MAX_DEPTH`] levels.
pub(crate) const EVAL_STACK: usize = 32 << 20;

/// Most operator characters (`.`, `[`, `+`, `&`, `=`, …) accepted in one expression: a chain
/// of operators is a chain of nested calls to the parser (the corpus's busiest expression has
/// 73).
pub(crate) const MAX_OPERATORS: usize = 400;

/// Where `source` first nests brackets deeper than [`MAX_NESTING`], or holds more than
/// [`MAX_OPERATORS`] operators (strings skipped).
fn too_deep(source: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut operators = 0usize;
    let mut quote: Option<u8> = None;
    let bytes = source.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) => {
                if b == b'\\' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            None => match b {
                b'"' | b'\'' => quote = Some(b),
                b'(' | b'[' | b'{' => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Some(i);
                    }
                }
                b')' | b']' | b'}' => depth = depth.saturating_sub(1),
                b'.' | b'+' | b'-' | b'*' | b'/' | b'%' | b'<' | b'>' | b'!' | b'&' | b'|'
                | b'?' | b'=' => {
                    operators += 1;
                    if operators > MAX_OPERATORS {
                        return Some(i);
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    None
}

/// Whether the tree below `e` is deeper than `left` levels (stops descending there).
fn deeper_than(e: &IdedExpr, left: usize) -> bool {
    if left == 0 {
        return true;
    }
    let next = left - 1;
    match &e.expr {
        Expr::Call(c) => {
            c.target.as_deref().is_some_and(|t| deeper_than(t, next))
                || c.args.iter().any(|a| deeper_than(a, next))
        }
        Expr::Select(s) => deeper_than(&s.operand, next),
        Expr::Comprehension(c) => [
            &c.iter_range,
            &c.accu_init,
            &c.loop_cond,
            &c.loop_step,
            &c.result,
        ]
        .into_iter()
        .any(|x| deeper_than(x, next)),
        Expr::List(l) => l.elements.iter().any(|x| deeper_than(x, next)),
        Expr::Map(m) => m.entries.iter().any(|x| match &x.expr {
            cel::common::ast::EntryExpr::MapEntry(m) => {
                deeper_than(&m.key, next) || deeper_than(&m.value, next)
            }
            cel::common::ast::EntryExpr::StructField(f) => deeper_than(&f.value, next),
        }),
        _ => false,
    }
}

/// A parser position (1-based line, 0-based column in characters) as a byte offset.
fn offset_of(source: &str, (line, col): (isize, isize)) -> usize {
    let mut offset = 0;
    for (i, l) in source.split_inclusive('\n').enumerate() {
        if i + 1 == usize::try_from(line).unwrap_or(1) {
            let col = usize::try_from(col).unwrap_or(0);
            return offset + l.char_indices().nth(col).map_or(l.len(), |(b, _)| b);
        }
        offset += l.len();
    }
    0
}

struct Check<'s> {
    scope: &'s Scope<'s>,
    /// Comprehension variables in scope.
    bound: Vec<String>,
    problem: Option<(u64, String)>,
    reads: Vec<String>,
    next_id: u64,
}

impl Check<'_> {
    fn fail(&mut self, id: u64, message: String) {
        if self.problem.is_none() {
            self.problem = Some((id, message));
        }
    }

    fn wrap(&mut self, e: &mut IdedExpr, function: &str) {
        let inner = std::mem::take(e);
        self.next_id += 1;
        *e = IdedExpr {
            id: self.next_id,
            expr: Expr::Call(CallExpr {
                func_name: function.to_owned(),
                target: None,
                args: vec![inner],
            }),
        };
    }

    fn walk(&mut self, e: &mut IdedExpr) {
        let id = e.id;
        match &mut e.expr {
            Expr::Ident(name) => {
                let known = self.bound.iter().any(|b| b == name)
                    || self.scope.roots.contains(&name.as_str())
                    || TYPE_NAMES.contains(&name.as_str());
                if !known {
                    let message = format!("undeclared reference to '{name}'");
                    self.fail(id, message);
                }
            }
            Expr::Select(sel) => {
                if let Expr::Ident(root) = &sel.operand.expr
                    && root == "variables"
                    && !self.bound.iter().any(|b| b == "variables")
                {
                    if self.scope.variables.contains(&sel.field) {
                        if !self.reads.contains(&sel.field) {
                            self.reads.push(sel.field.clone());
                        }
                    } else {
                        let message = format!("undeclared variable 'variables.{}'", sel.field);
                        self.fail(id, message);
                    }
                }
                self.walk(&mut sel.operand);
            }
            Expr::Call(call) => {
                let name = call.func_name.clone();
                if let Some(t) = call.target.as_deref_mut() {
                    self.walk(t);
                }
                for a in &mut call.args {
                    self.walk(a);
                }
                let operator = name.starts_with('_') || name.starts_with('@') || name == "!_";
                if !operator && !FUNCTIONS.contains(&name.as_str()) {
                    self.fail(id, format!("unsupported function '{name}'"));
                }
                if SCANNING.contains(&name.as_str()) {
                    let literal = |x: &IdedExpr| matches!(x.expr, Expr::Literal(_));
                    let any_literal = call.args.iter().any(literal)
                        || call.target.as_deref().is_some_and(literal);
                    // Comparing with a literal costs at most the literal's size.
                    let comparison = name.starts_with("_") || name == operators::IN;
                    if !(comparison && any_literal) {
                        if let Some(t) = call.target.as_deref_mut()
                            && !literal(t)
                        {
                            self.wrap(t, SIZE);
                        }
                        for a in &mut call.args {
                            if !literal(a) {
                                self.wrap(a, SIZE);
                            }
                        }
                    }
                }
                if GROWING.contains(&name.as_str()) {
                    self.wrap(e, SIZE);
                }
            }
            Expr::Comprehension(c) => {
                self.walk(&mut c.iter_range);
                self.walk(&mut c.accu_init);
                let pushed = 2 + usize::from(c.iter_var2.is_some());
                self.bound.push(c.iter_var.clone());
                self.bound.push(c.accu_var.clone());
                if let Some(v) = &c.iter_var2 {
                    self.bound.push(v.clone());
                }
                self.walk(&mut c.loop_cond);
                self.walk(&mut c.loop_step);
                self.walk(&mut c.result);
                self.bound.truncate(self.bound.len() - pushed);
                let body = nodes(&c.loop_step, 10_000) + nodes(&c.loop_cond, 10_000);
                self.wrap(&mut c.iter_range, RANGE);
                if let Expr::Call(call) = &mut c.iter_range.expr {
                    self.next_id += 1;
                    call.args.push(IdedExpr {
                        id: self.next_id,
                        expr: Expr::Literal(cel::common::ast::LiteralValue::Int(
                            i64::try_from(body).unwrap_or(i64::MAX).into(),
                        )),
                    });
                }
            }
            Expr::List(list) => {
                for x in &mut list.elements {
                    self.walk(x);
                }
            }
            Expr::Map(map) => {
                for entry in &mut map.entries {
                    if let cel::common::ast::EntryExpr::MapEntry(m) = &mut entry.expr {
                        self.walk(&mut m.key);
                        self.walk(&mut m.value);
                    }
                }
            }
            Expr::Struct(_) => self.fail(id, "object construction is not supported".into()),
            Expr::Literal(_) | Expr::Unspecified => {}
        }
    }
}

/// Evaluate a compiled expression in `ctx` with `units` to spend; returns the value and the
/// units spent.
pub(crate) fn evaluate(
    program: &Program,
    ctx: &cel::Context<'_, '_>,
    units: u64,
) -> (Result<Value, ExecutionError>, u64) {
    evaluate_tree(&program.run, ctx, units)
}

/// Evaluate any (rewritten) tree, as [`evaluate`] does.
pub(crate) fn evaluate_tree(
    tree: &IdedExpr,
    ctx: &cel::Context<'_, '_>,
    units: u64,
) -> (Result<Value, ExecutionError>, u64) {
    set_budget(units);
    let out = Value::resolve(tree, ctx);
    let spent = units - budget_left();
    (out, spent)
}

/// Evaluate `program` to a value that stays a CEL `Val`, borrowing the object's text, for a
/// variable: the result of [`evaluate`] is a `Value`, which would copy the value out of the
/// object and back again when it is bound.
pub(crate) fn evaluate_val<'v>(
    program: &Program,
    ctx: &cel::Context<'_, 'v>,
    units: u64,
) -> (Result<Box<dyn Val + 'v>, ExecutionError>, u64) {
    set_budget(units);
    let out = Value::resolve_val(&program.run, ctx).map(CowVal::into_owned);
    let spent = units - budget_left();
    (out, spent)
}

/// Whether `e` is the error a spent budget raises.
pub(crate) fn is_cost_error(e: &ExecutionError) -> bool {
    matches!(e, ExecutionError::FunctionError { message, .. } if message == COST_EXCEEDED)
}

/// `optional.none()` as a value (for tests and the locator).
#[allow(dead_code)]
pub(crate) fn none() -> Box<dyn Val> {
    Box::new(CelOptional::none())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOTS: &[&str] = &["object", "params", "variables"];

    fn eval_with(source: &str, object: Value) -> Result<Value, String> {
        let scope = Scope {
            roots: ROOTS,
            variables: &[],
        };
        let p = compile(source, &scope).map_err(|e| format!("compile: {}", e.message))?;
        let mut ctx = cel::Context::with_env(env().clone());
        ctx.add_variable_from_value("object", object);
        evaluate(&p, &ctx, PER_EXPRESSION_LIMIT)
            .0
            .map_err(|e| e.to_string())
    }

    fn eval(source: &str) -> Result<Value, String> {
        eval_with(source, Value::Null)
    }

    #[test]
    fn kubernetes_surface() {
        let t = Ok(Value::Bool(true));
        for e in [
            "'Hello'.lowerAscii() == 'hello'",
            "'a,b'.split(',') == ['a', 'b']",
            "['a', 'b'].join('-') == 'a-b'",
            "' x '.trim() == 'x'",
            "'abc'.indexOf('c') == 2",
            "'abc'.replace('b', 'x') == 'axc'",
            "'registry.io/app'.startsWith('registry.io/')",
            "'app:v1'.endsWith(':v1')",
            "'abc123'.matches('^[a-z]+[0-9]+$')",
            "'abc123'.find('[0-9]+') == '123'",
            "'a1b22c333'.findAll('[0-9]+') == ['1', '22', '333']",
            "'a1b22c333'.findAll('[0-9]+', 2) == ['1', '22']",
            "[1, 2, 3].isSorted() && ![2, 1].isSorted()",
            "[1, 2, 3].sum() == 6 && [1.5, 2.5].sum() == 4.0",
            "[3, 1, 2].min() == 1 && [3, 1, 2].max() == 3",
            "[1, 2, 1].indexOf(1) == 0 && [1, 2, 1].lastIndexOf(1) == 2",
            "{'a': 1}.?b.orValue(5) == 5",
            "{'a': {'b': 2}}.?a.?b.orValue(0) == 2",
            "{'a': 1}[?'a'].hasValue()",
            "[1, 2, 3].all(x, x > 0) && [1, 2].exists(x, x == 2)",
            "[1, 2, 3].exists_one(x, x == 2)",
            "[1, 2, 3].map(x, x * 2) == [2, 4, 6]",
            "[1, 2, 3].filter(x, x > 1) == [2, 3]",
            "has({'a': 1}.a) && !has({'a': 1}.b)",
            "duration('1h') > duration('30m')",
            "'%s-%d'.format(['a', 1]) == 'a-1'",
            "'HELLO'.upperAscii() == 'HELLO'",
            "string(1) == '1' && int('2') == 2",
            "1 == 1.0",
        ] {
            assert_eq!(eval(e), t, "{e}");
        }
    }

    #[test]
    fn every_listed_function_resolves() {
        // Each listed name is declared in the environment: a call with no matching overload
        // is "no such overload", never "undeclared reference".
        for f in FUNCTIONS {
            let undeclared =
                |source: String| eval(&source).is_err_and(|e| e.contains("Undeclared reference"));
            assert!(
                !undeclared(format!("{f}(1, 2, 3, 4, 5)"))
                    || !undeclared(format!("[1].{f}(1, 2, 3, 4, 5)")),
                "{f}"
            );
        }
    }

    #[test]
    fn unknown_names_fail_to_compile_at_their_offset() {
        let scope = Scope {
            roots: ROOTS,
            variables: &["known".to_owned()],
        };
        let e = compile("object.x == 1 && authorizer.check()", &scope).unwrap_err();
        assert_eq!(e.message, "undeclared reference to 'authorizer'");
        assert_eq!(e.offset, 17);
        let e = compile("object.x.url() == 1", &scope).unwrap_err();
        assert_eq!(e.message, "unsupported function 'url'");
        let e = compile("variables.known && variables.unknown", &scope).unwrap_err();
        assert_eq!(e.message, "undeclared variable 'variables.unknown'");
        let e = compile("object.x ==", &scope).unwrap_err();
        assert!(e.offset > 0, "{e:?}");
        assert!(compile("[1].all(x, x > 0) && object.a", &scope).is_ok());
    }

    #[test]
    fn runaway_expressions_are_errors() {
        // 1000^3 iterations: stopped by the budget, not run.
        let big: Vec<Value> = (0..1000).map(Value::Int).collect();
        let obj = Value::Map(
            std::collections::HashMap::from([("l".to_owned(), Value::List(big.into()))]).into(),
        );
        let e = eval_with(
            "object.l.all(a, object.l.all(b, object.l.all(c, a + b + c >= 0)))",
            obj.clone(),
        )
        .unwrap_err();
        assert!(e.contains(COST_EXCEEDED), "{e}");
        // String doubling: each step's result is charged.
        let e = eval_with(
            "object.l.map(a, object.l.map(b, 'xxxxxxxxxxxxxxxxxxxx' + string(b)).join()).join().size() > 0",
            obj.clone(),
        )
        .unwrap_err();
        assert!(e.contains(COST_EXCEEDED), "{e}");
        // Scanning a long string in a loop.
        let e = eval_with(
            "object.l.all(a, object.l.map(x, 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy').join().contains('z') == false)",
            obj.clone(),
        )
        .unwrap_err();
        assert!(e.contains(COST_EXCEEDED), "{e}");
        // A single pass is cheap.
        assert_eq!(
            eval_with("object.l.all(a, a >= 0)", obj),
            Ok(Value::Bool(true))
        );
    }

    #[test]
    fn deep_expressions_are_refused_before_they_reach_the_parser() {
        // On a thread with the default 2 MB stack, as a test or a pool worker has: the largest
        // accepted expressions compile and evaluate, larger ones are errors, none overflows.
        let run = || {
            let scope = Scope {
                roots: ROOTS,
                variables: &[],
            };
            let ok = |s: String| compile(&s, &scope).map(|_| ()).map_err(|e| e.message);
            let chain = |n: usize| format!("object{} == 1", ".a".repeat(n));
            let plus = |n: usize| format!("{} > 0", vec!["1"; n].join("+"));
            let parens = |n: usize| format!("{}true{}", "(".repeat(n), ")".repeat(n));
            let index = |n: usize| format!("object{} == 1", "[0]".repeat(n));
            let lists = |n: usize| format!("size({}{}) > 0", "[".repeat(n), "]".repeat(n));
            assert_eq!(ok(chain(190)), Ok(()));
            assert_eq!(ok(plus(190)), Ok(()));
            assert_eq!(ok(parens(MAX_NESTING)), Ok(()));
            assert_eq!(ok(lists(MAX_NESTING - 1)), Ok(()));
            for e in [
                chain(20_000),
                plus(20_000),
                parens(15_000),
                index(20_000),
                lists(10_000),
                chain(MAX_OPERATORS + 1),
                parens(MAX_NESTING + 1),
            ] {
                assert!(ok(e).is_err());
            }
            // Long but shallow: fine.
            assert_eq!(ok(vec!["true"; 150].join(" && ")), Ok(()));
        };
        std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(run)
            .unwrap()
            .join()
            .unwrap();
        // The deepest accepted tree evaluates on a thread of the evaluation stack.
        let eval = || {
            let scope = Scope {
                roots: ROOTS,
                variables: &[],
            };
            let deepest = format!("{} > 0", vec!["1"; MAX_DEPTH - 2].join("+"));
            let p = compile(&deepest, &scope).unwrap();
            let ctx = cel::Context::with_env(env().clone());
            assert_eq!(
                evaluate(&p, &ctx, PER_EXPRESSION_LIMIT).0,
                Ok(Value::Bool(true))
            );
        };
        std::thread::Builder::new()
            .stack_size(EVAL_STACK)
            .spawn(eval)
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn charges_are_counted() {
        let scope = Scope {
            roots: ROOTS,
            variables: &[],
        };
        let p = compile("[1, 2, 3].all(x, x > 0)", &scope).unwrap();
        let ctx = cel::Context::with_env(env().clone());
        // The range (three elements and the list itself) times the loop's body: the step
        // `@result && x > 0` and the condition `@not_strictly_false(@result)`, 7 nodes.
        let (r, spent) = evaluate(&p, &ctx, 100);
        assert_eq!(r, Ok(Value::Bool(true)));
        assert_eq!(spent, 4 * 7);
        let (r, _) = evaluate(&p, &ctx, 27);
        assert!(r.is_err_and(|e| is_cost_error(&e)));
    }
}
