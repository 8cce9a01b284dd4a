//! The team's own CEL rules, from `rules.custom` in `.kubeward.yaml`.
//!
//! The team's own rules, from `rules.custom` in `.kubeward.yaml`: an id, a severity, a summary,
//! help, the kinds they apply to and CEL validations that see what a ValidatingAdmissionPolicy
//! sees (`object`, `namespaceObject`, `request`, `variables`; `params` is null).
//!
//! A custom rule is a runtime entry beside the static registry: its [`Meta`] is built from its
//! fields once, when the configuration is read, and lives for the rest of the process (a run
//! reads one configuration), so `rules`, `explain`, SARIF, baselines and suppressions treat it
//! as any rule.

use super::admission::{self, Expression, Policy, Validation};
use super::cel::Scope;
use crate::model::Site;
use crate::rule::{Category, Meta, Severity};
use crate::yaml::{Label, NodeRef, Pointer, Seg};

/// Where custom rules' docs point (the page explaining them).
pub(crate) const DOCS_URL: &str = crate::rule::repo_url!("docs/policies.md#custom-rules");

/// Keys of a custom rule.
pub(crate) const KEYS: &[&str] = &[
    "id",
    "severity",
    "summary",
    "help",
    "kinds",
    "matchConditions",
    "variables",
    "validations",
];

/// A custom rule's entry among the rules: its metadata; its checks run in the policy pass.
struct Entry(&'static Meta);

impl crate::rule::RuleMeta for Entry {
    fn meta(&self) -> &'static Meta {
        self.0
    }
}

impl crate::rule::Rule for Entry {}

/// A team's rule.
pub(crate) struct CustomRule {
    pub meta: &'static Meta,
    /// Its entry among the run's rules (for selection, `rules`, `explain`, SARIF).
    pub rule: &'static dyn crate::rule::Rule,
    /// Kinds it applies to (empty: every kind).
    pub kinds: Vec<String>,
    pub help: String,
    pub policy: Policy,
}

impl std::fmt::Debug for CustomRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomRule")
            .field("id", &self.meta.id)
            .field("kinds", &self.kinds)
            .finish_non_exhaustive()
    }
}

impl CustomRule {
    /// Whether it checks objects of `kind`.
    pub(crate) fn applies_to(&self, kind: &str) -> bool {
        self.kinds.is_empty() || self.kinds.iter().any(|k| k == kind)
    }
}

/// What is wrong with a custom rule: where (a label in the configuration file), what, and how
/// to fix it.
#[derive(Debug)]
pub(crate) struct Problem {
    pub at: Label,
    pub message: String,
    pub help: String,
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn problem(at: Label, message: String, help: &str) -> Problem {
    Problem {
        at,
        message,
        help: help.to_owned(),
    }
}

fn text_of(n: Option<NodeRef<'_>>) -> Option<String> {
    n.and_then(NodeRef::text).map(|t| t.trim().to_owned())
}

/// Whether `id` is kebab-case: lower-case ASCII words joined by single hyphens.
fn kebab(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Read one rule at `at` (an item of `rules.custom`); `taken` are the ids already in use.
pub(crate) fn parse(
    node: NodeRef<'_>,
    at: &Pointer,
    taken: &dyn Fn(&str) -> bool,
    source: &str,
) -> Result<CustomRule, Problem> {
    let key = |k: &'static str| at.key(k);
    let id = text_of(node.get("id")).ok_or_else(|| {
        problem(
            Label::missing(key("id")),
            "a custom rule needs an `id`".into(),
            "Add `id: team-label-missing` (kebab-case, naming the hazard).",
        )
    })?;
    if !kebab(&id) {
        return Err(problem(
            Label::at(key("id")).value(),
            format!("`{id}` is not a kebab-case id"),
            "Use lower-case words joined by hyphens, e.g. `image-outside-registry`.",
        ));
    }
    if taken(&id) {
        return Err(problem(
            Label::at(key("id")).value(),
            format!("the id `{id}` is already taken by another rule"),
            "Choose an id no built-in or other custom rule has (`kubeward rules` lists them).",
        ));
    }
    let severity = match text_of(node.get("severity")).as_deref() {
        None | Some("medium") => Severity::Medium,
        Some("critical") => Severity::Critical,
        Some("high") => Severity::High,
        Some("low") => Severity::Low,
        Some(other) => {
            return Err(problem(
                Label::at(key("severity")).value(),
                format!("unknown severity `{other}`"),
                "Use one of critical, high, medium, low.",
            ));
        }
    };
    let summary = text_of(node.get("summary")).ok_or_else(|| {
        problem(
            Label::missing(key("summary")),
            format!("custom rule `{id}` needs a `summary`"),
            "Add a lower-case noun phrase, e.g. `summary: workload without a team label`.",
        )
    })?;
    let help = text_of(node.get("help")).unwrap_or_else(|| summary.clone());
    let kinds: Vec<String> = node
        .get("kinds")
        .into_iter()
        .flat_map(NodeRef::items)
        .filter_map(NodeRef::text)
        .map(str::to_owned)
        .collect();
    let mut site = |_: Label| Site {
        file: u32::MAX,
        region: crate::yaml::Region::default(),
        object: None,
        route: crate::finding::Text::default(),
    };
    let compile_err = |e: &Expression, what: String| -> Option<Problem> {
        let err = e.program.as_ref().err()?;
        Some(problem(
            Label::at(Pointer::root()).value(),
            format!(
                "custom rule `{id}`: {what}: {} (column {} of the expression)",
                err.message,
                column(&e.source, err.offset)
            ),
            "Fix the CEL expression; `kubeward explain admission-policy` lists the supported functions.",
        ))
    };
    let mut names: Vec<String> = Vec::new();
    let mut variables = Vec::new();
    for (i, v) in node
        .get("variables")
        .into_iter()
        .flat_map(NodeRef::items)
        .enumerate()
    {
        let route = [
            Seg::from("variables"),
            Seg::from(i),
            Seg::from("expression"),
        ];
        let name = text_of(v.get("name")).ok_or_else(|| {
            problem(
                Label::missing(at.join([Seg::from("variables"), Seg::from(i), Seg::from("name")])),
                "a variable needs a `name`".into(),
                "Write `{name: containers, expression: object.spec.containers}`.",
            )
        })?;
        let scope = Scope {
            roots: admission::ROOTS,
            variables: &names,
        };
        let e = admission::expression_at(node, at, &route, &scope, &mut site)
            .ok_or_else(|| missing_expression(at, &route))?;
        if let Some(mut p) = compile_err(&e, format!("variable {name}")) {
            p.at = Label::at(at.join(route)).value();
            return Err(p);
        }
        variables.push((name.clone(), e));
        names.push(name);
    }
    let scope = Scope {
        roots: admission::ROOTS,
        variables: &names,
    };
    let mut conditions = Vec::new();
    for (i, c) in node
        .get("matchConditions")
        .into_iter()
        .flat_map(NodeRef::items)
        .enumerate()
    {
        let route = [
            Seg::from("matchConditions"),
            Seg::from(i),
            Seg::from("expression"),
        ];
        let plain = Scope {
            roots: admission::ROOTS,
            variables: &[],
        };
        let e = admission::expression_at(node, at, &route, &plain, &mut site)
            .ok_or_else(|| missing_expression(at, &route))?;
        let name = text_of(c.get("name")).unwrap_or_else(|| i.to_string());
        if let Some(mut p) = compile_err(&e, format!("matchCondition {name}")) {
            p.at = Label::at(at.join(route)).value();
            return Err(p);
        }
        conditions.push((name, e));
    }
    let mut validations = Vec::new();
    for (i, v) in node
        .get("validations")
        .into_iter()
        .flat_map(NodeRef::items)
        .enumerate()
    {
        let route = [
            Seg::from("validations"),
            Seg::from(i),
            Seg::from("expression"),
        ];
        let expression = admission::expression_at(node, at, &route, &scope, &mut site)
            .ok_or_else(|| missing_expression(at, &route))?;
        if let Some(mut p) = compile_err(&expression, format!("validation {i}")) {
            p.at = Label::at(at.join(route)).value();
            return Err(p);
        }
        let mroute = [
            Seg::from("validations"),
            Seg::from(i),
            Seg::from("messageExpression"),
        ];
        let message_expression = admission::expression_at(node, at, &mroute, &scope, &mut site);
        if let Some(e) = &message_expression
            && let Some(mut p) = compile_err(e, format!("messageExpression of validation {i}"))
        {
            p.at = Label::at(at.join(mroute)).value();
            return Err(p);
        }
        validations.push(Validation {
            expression,
            message: text_of(v.get("message")),
            message_expression,
        });
    }
    if validations.is_empty() {
        return Err(problem(
            Label::missing(key("validations")),
            format!("custom rule `{id}` has no validations"),
            "Add `validations: [{expression: \"…\", message: \"…\"}]`.",
        ));
    }
    let docs = docs(&id, &summary, &help, &kinds, &validations);
    let meta: &'static Meta = Box::leak(Box::new(Meta {
        id: leak(id.clone()),
        name: leak(pascal(&id)),
        category: Category::Policy,
        severity,
        summary: leak(summary),
        since: "custom",
        docs: leak(docs),
        source: leak(source.to_owned()),
        url: DOCS_URL,
        pss: None,
        fix: crate::rule::FixDecl::NONE,
    }));
    Ok(CustomRule {
        meta,
        rule: Box::leak(Box::new(Entry(meta))),
        kinds,
        help,
        policy: Policy {
            name: id,
            at: site(Label::at(Pointer::root())),
            param_kind: None,
            constraints: admission::Match::default(),
            conditions,
            variables,
            validations,
            fail: true,
            problems: Vec::new(),
        },
    })
}

fn missing_expression(at: &Pointer, route: &[Seg]) -> Problem {
    problem(
        Label::missing(at.join(route.iter().cloned())),
        "an `expression` (a CEL string) is missing".into(),
        "Write `expression: \"has(object.metadata.labels.team)\"`.",
    )
}

fn pascal(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// 1-based column of byte `offset` in its line of `source`.
pub(crate) fn column(source: &str, offset: usize) -> usize {
    let offset = offset.min(source.len());
    let line_start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    source[line_start..offset].chars().count() + 1
}

/// The rule's docs, from its fields, in the sections every rule has.
fn docs(
    id: &str,
    summary: &str,
    help: &str,
    kinds: &[String],
    validations: &[Validation],
) -> String {
    let mut d = String::new();
    let kinds = if kinds.is_empty() {
        "every kind".to_owned()
    } else {
        kinds.join(", ")
    };
    d.push_str(&format!(
        " ## What it flags\n {summary} (a custom rule of this repository's `.kubeward.yaml`, applied to {kinds}).\n\n"
    ));
    d.push_str(" ## Why it matters\n A rule of the team: ");
    d.push_str(help);
    d.push_str("\n\n ## Validations\n");
    for v in validations {
        d.push_str(&format!(" - `{}`", v.expression.source.trim()));
        if let Some(m) = &v.message {
            d.push_str(&format!(": {m}"));
        }
        d.push('\n');
    }
    d.push_str(&format!(
        "\n ## References\n - Custom rules: {DOCS_URL}\n - Suppress with `# kubeward: ignore[{id}] reason`.\n"
    ));
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(yaml: &str) -> Result<CustomRule, Problem> {
        let stream = crate::yaml::parse_stream(yaml);
        let root = stream.docs[0].root();
        parse(
            root,
            &Pointer::root(),
            &|id| id == "privileged-container",
            "test.yaml",
        )
    }

    #[test]
    fn a_rule_reads_its_fields() {
        let r = parse_text(
            "id: team-label-missing\nseverity: high\nsummary: workload without a team label\nkinds: [Deployment]\nvalidations:\n- expression: has(object.metadata.labels.team)\n  message: every Deployment needs a team label\n",
        )
        .unwrap();
        assert_eq!(r.meta.id, "team-label-missing");
        assert_eq!(r.meta.name, "TeamLabelMissing");
        assert_eq!(r.meta.severity, Severity::High);
        assert!(r.applies_to("Deployment") && !r.applies_to("Pod"));
        assert!(r.meta.docs.contains("has(object.metadata.labels.team)"));
    }

    #[test]
    fn errors_are_located() {
        let e = parse_text("id: Bad_Id\nsummary: x\n").unwrap_err();
        assert!(e.message.contains("kebab-case"), "{e:?}");
        let e = parse_text("id: privileged-container\nsummary: x\n").unwrap_err();
        assert!(e.message.contains("already taken"), "{e:?}");
        let e =
            parse_text("id: x-y\nsummary: s\nvalidations:\n- expression: object.a.url() == 1\n")
                .unwrap_err();
        assert!(e.message.contains("unsupported function 'url'"), "{e:?}");
        assert!(e.message.contains("column 10"), "{e:?}");
        assert_eq!(
            e.at.pointer.to_string(),
            "validations[0].expression",
            "{e:?}"
        );
    }
}
