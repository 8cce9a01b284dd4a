//! `kubeward rules`: list the rules, built-in and custom, as a table, JSON or markdown.

use crate::cli::RulesFormat;
use crate::docs;
use crate::error::Error;
use crate::rule::Rule;

use super::to_stdout;

pub(super) fn print_rules(format: RulesFormat, all: &[&'static dyn Rule]) -> Result<(), Error> {
    let mut out = String::new();
    match format {
        RulesFormat::Json => {
            let rules: Vec<serde_json::Value> = all
                .iter()
                .map(|r| {
                    let m = r.meta();
                    serde_json::json!({
                        "id": m.id,
                        "severity": m.severity.as_str(),
                        "category": m.category.as_str(),
                        "summary": m.summary,
                        "pss": m.pss.map(|p| p.as_str()),
                        "fix": m.fix.kind.as_str(),
                        "since": m.since,
                        "url": m.url,
                    })
                })
                .collect();
            out = serde_json::to_string_pretty(&rules).unwrap_or_default();
            out.push('\n');
        }
        RulesFormat::Markdown => out = docs::rules_table(all),
        RulesFormat::Table => {
            let w = all.iter().map(|r| r.meta().id.len()).max().unwrap_or(10);
            for r in all {
                let m = r.meta();
                out.push_str(&format!(
                    "{:w$}  {:8}  {:12}  {}\n",
                    m.id,
                    m.severity.as_str(),
                    m.category.as_str(),
                    m.summary
                ));
            }
        }
    }
    to_stdout(&out)
}
