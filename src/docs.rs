//! Rule metadata → markdown.
//!
//! Feeds `explain`, `rules --format markdown`, `docs/rules/*.md` and SARIF `help.markdown`.

use std::fmt::Write as _;

use crate::rule::{FixKind, Meta, Rule};

/// Link to the declaration of a rule in the repository, at this version's tag.
pub fn source_url(meta: &Meta) -> String {
    let (file, line) = meta.source.split_once('#').unwrap_or((meta.source, ""));
    format!("{}{file}#{line}", crate::rule::REPO_URL_AT_VERSION)
}

/// The full markdown page of a rule.
pub fn rule_markdown(meta: &Meta) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", meta.id);
    let _ = writeln!(out, "{}.\n", capitalize(meta.summary));
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Severity | {} |", meta.severity);
    let _ = writeln!(out, "| Category | {} |", meta.category);
    if let Some(level) = meta.pss {
        let _ = writeln!(out, "| Pod Security Standards | {} |", level.as_str());
    }
    let _ = writeln!(out, "| Since | {} |\n", meta.since);
    out.push_str(meta.docs_text().trim_end());
    let _ = writeln!(out, "\n\n## Fix\n\n{}", fix_text(meta));
    let _ = writeln!(out, "\n[View source]({})", source_url(meta));
    out
}

/// The `## Fix` section of a rule's page, from its declaration.
pub fn fix_text(meta: &Meta) -> String {
    match meta.fix.kind {
        FixKind::Safe => format!(
            "Safe: `kubeward lint --fix` makes it (`--diff` shows it first). {}",
            meta.fix.why
        ),
        FixKind::Unsafe => format!(
            "Unsafe: `kubeward lint --fix --unsafe-fixes` makes it (`--diff --unsafe-fixes` shows it first). {}",
            meta.fix.why
        ),
        FixKind::None => "No automatic fix.".to_owned(),
    }
}

/// The documentation body only (for SARIF `fullDescription`): the "What it flags" section.
pub fn what_it_flags(meta: &Meta) -> String {
    let docs = meta.docs_text();
    let body = docs.split("## What it flags").nth(1).unwrap_or(&docs);
    let body = body.split("\n## ").next().unwrap_or(body);
    body.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Sections of a rule's docs: (heading, body).
pub fn sections(meta: &Meta) -> Vec<(String, String)> {
    let docs = meta.docs_text();
    let mut out = Vec::new();
    for part in docs.split("## ").skip(1) {
        let (head, body) = part.split_once('\n').unwrap_or((part, ""));
        out.push((head.trim().to_owned(), body.to_owned()));
    }
    out
}

/// The YAML code blocks of a section, in order.
pub fn yaml_blocks(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    for line in body.lines() {
        match (&mut cur, line.trim_start()) {
            (None, l) if l.starts_with("```yaml") => cur = Some(String::new()),
            (Some(_), l) if l.starts_with("```") => out.extend(cur.take()),
            (Some(c), _) => {
                c.push_str(line);
                c.push('\n');
            }
            (None, _) => {}
        }
    }
    out
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The markdown rule table (README and `rules --format markdown`).
pub fn rules_table(rules: &[&dyn Rule]) -> String {
    let mut out = String::from(
        "| Rule | Severity | Category | PSS | Fix | Summary |\n|---|---|---|---|---|---|\n",
    );
    for r in rules {
        let m = r.meta();
        let _ = writeln!(
            out,
            "| [`{}`](docs/rules/{}.md) | {} | {} | {} | {} | {} |",
            m.id,
            m.id,
            m.severity,
            m.category,
            m.pss.map_or("", |p| p.as_str()),
            match m.fix.kind {
                FixKind::None => "",
                k => k.as_str(),
            },
            m.summary
        );
    }
    out
}
