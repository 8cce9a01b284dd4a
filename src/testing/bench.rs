//! Entry points for the benchmarks (`benches/`): parse and lint in memory.

/// Parse a YAML stream into the span tree; returns the number of documents and nodes seen.
pub fn parse(text: &str) -> (usize, usize) {
    let stream = crate::yaml::parse_stream(text);
    let nodes = stream.docs.iter().map(|d| d.root().len() + 1).sum();
    (stream.docs.len(), nodes)
}

/// Parse a YAML stream with saphyr alone (no fast path), as [`parse`] does otherwise.
pub fn parse_saphyr(text: &str) -> (usize, usize) {
    let docs: Vec<_> = crate::yaml::Docs::saphyr_only(text).collect();
    let nodes = docs.iter().map(|d| d.root().len() + 1).sum();
    (docs.len(), nodes)
}

/// Lint a stream in memory with every rule; returns the number of findings.
pub fn lint(text: &str) -> usize {
    lint_with(text, crate::rule::registry::ALL.to_vec())
}

/// Lint a stream in memory with the rules named; returns the number of findings.
pub fn lint_rules(text: &str, ids: &[&str]) -> usize {
    let rules = crate::rule::registry::ALL
        .iter()
        .copied()
        .filter(|r| ids.contains(&r.meta().id))
        .collect();
    lint_with(text, rules)
}

fn lint_with(text: &str, rules: Vec<&'static dyn crate::rule::Rule>) -> usize {
    let settings = crate::rule::Settings::default();
    crate::engine::lint_str("bench.yaml", text, rules, &settings)
        .findings
        .len()
}
