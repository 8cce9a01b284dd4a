//! Meta-tests that keep the rule registry honest (STYLE.md §5–§7d).

use std::collections::BTreeSet;
use std::path::Path;

use kubeward::rule::registry::ALL;

const FORBIDDEN_PREFIXES: &[&str] = &[
    "no-",
    "avoid-",
    "use-",
    "prefer-",
    "require-",
    "ensure-",
    "disallow-",
    "check-",
];
const SECTIONS: &[&str] = &["What it flags", "Example", "References"];

fn pascal(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

fn rule_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
    let mut out = Vec::new();
    for cat in std::fs::read_dir(&root).unwrap() {
        let cat = cat.unwrap().path();
        if !cat.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&cat).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|e| e == "rs") && f.file_stem().is_some_and(|s| s != "mod")
            {
                let stem = f.file_stem().unwrap().to_str().unwrap().to_owned();
                out.push((stem, std::fs::read_to_string(&f).unwrap()));
            }
        }
    }
    out
}

#[test]
fn every_rule_file_is_registered_under_its_id() {
    let ids: BTreeSet<&str> = ALL.iter().map(|r| r.meta().id).collect();
    for (stem, _) in rule_files() {
        let id = stem.replace('_', "-");
        assert!(
            ids.contains(id.as_str()),
            "src/rules/*/{stem}.rs has no rule `{id}` in registry::ALL"
        );
    }
    assert_eq!(
        rule_files().len(),
        ALL.len(),
        "every rule in ALL has its own file"
    );
}

#[test]
fn ids_are_unique_sorted_and_well_named() {
    let ids: Vec<&str> = ALL.iter().map(|r| r.meta().id).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(
        ids, sorted,
        "registry::ALL must be sorted by id, without duplicates"
    );
    for r in ALL {
        let m = r.meta();
        assert_eq!(m.name, pascal(m.id), "struct name must be PascalCase(id)");
        assert!(
            m.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{}: kebab-case",
            m.id
        );
        let words = m.id.split('-').count();
        assert!((1..=4).contains(&words), "{}: 2–4 words", m.id);
        for p in FORBIDDEN_PREFIXES {
            assert!(!m.id.starts_with(p), "{}: forbidden prefix {p}", m.id);
        }
        assert!(
            m.source.contains(&format!("{}.rs", m.id.replace('-', "_"))),
            "{}: declared in its own file",
            m.id
        );
    }
}

#[test]
fn metadata_text_styles() {
    for r in ALL {
        let m = r.meta();
        assert!(
            !m.summary.is_empty() && !m.summary.ends_with('.'),
            "{}: summary has no period",
            m.id
        );
        assert!(
            !m.summary.starts_with(|c: char| c.is_uppercase()),
            "{}: summary is lower-case",
            m.id
        );
        let docs = m.docs_text();
        let mut last = 0;
        for s in SECTIONS {
            let pos = docs
                .find(&format!("## {s}"))
                .unwrap_or_else(|| panic!("{}: docs lack `## {s}`", m.id));
            assert!(pos >= last, "{}: sections out of order", m.id);
            last = pos;
        }
        assert!(
            docs.contains("## Why it matters") || docs.contains("## Why restrict this?"),
            "{}: why section",
            m.id
        );
        assert!(
            docs.contains("Use instead:"),
            "{}: docs lack `Use instead:`",
            m.id
        );
    }
}

#[test]
fn every_rule_has_vectors_and_a_snapshot() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (stem, text) in rule_files() {
        assert!(text.contains(".pass("), "{stem}: no pass vector");
        assert!(text.contains(".fail("), "{stem}: no fail vector");
        assert!(text.contains(".snapshot()"), "{stem}: no snapshot gallery");
    }
    for r in ALL {
        let file = r.meta().source.split('#').next().unwrap();
        let path = Path::new(file);
        let snap = root
            .join(path.parent().unwrap())
            .join("snapshots")
            .join(format!(
                "{}.snap",
                path.file_stem().unwrap().to_str().unwrap()
            ));
        assert!(
            snap.exists(),
            "{}: missing snapshot {}",
            r.meta().id,
            snap.display()
        );
    }
}

/// Each rule file's source with its registered rule.
fn registered_rule_files() -> Vec<(String, &'static dyn kubeward::rule::Rule, String)> {
    rule_files()
        .into_iter()
        .map(|(stem, text)| {
            let id = stem.replace('_', "-");
            let rule = *ALL
                .iter()
                .find(|r| r.meta().id == id)
                .unwrap_or_else(|| panic!("{id} not registered"));
            (id, rule, text)
        })
        .collect()
}

#[test]
fn rules_that_read_the_cross_object_index_say_so() {
    // The engine gathers cross-object facts only for rules whose `reads_world` is true: a rule
    // that overrides `check_world` without it would silently never fire.
    for (id, rule, text) in registered_rule_files() {
        assert_eq!(
            rule.reads_world(),
            text.contains("fn check_world"),
            "{id}: `reads_world` must be true exactly when the rule overrides `check_world`"
        );
    }
}

#[test]
fn rules_that_read_pod_security_verdicts_say_so() {
    // Workloads' Pod Security verdicts are evaluated only when an enabled rule's
    // `reads_pod_security` is true: a rule reading `pod_security` without it would see none.
    for (id, rule, text) in registered_rule_files() {
        assert_eq!(
            rule.reads_pod_security(),
            text.contains(".pod_security"),
            "{id}: `reads_pod_security` must be true exactly when the rule reads `.pod_security`"
        );
    }
}

/// A rule split out of another (`SPLIT_RULES` in src/finding.rs) reports what the other
/// reported before: every peer mapping of `bench/peers.py` that names the old rule names the new
/// one too, or the agreement measured with the peers drops for no change of behaviour.
#[test]
fn peer_mappings_follow_split_rules() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let finding = std::fs::read_to_string(root.join("src/finding.rs")).unwrap();
    let table = finding
        .split("const SPLIT_RULES")
        .nth(1)
        .and_then(|t| t.split("];").next())
        .expect("SPLIT_RULES in src/finding.rs");
    let quoted = |text: &str| -> Vec<String> {
        text.split('"')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    };
    let ids = quoted(table);
    assert!(ids.len() >= 2 && ids.len() % 2 == 0, "{ids:?}");
    let known: BTreeSet<&str> = ALL.iter().map(|r| r.meta().id).collect();
    let peers = std::fs::read_to_string(root.join("bench/peers.py")).unwrap();
    // The rule sets of the mappings: `{"a", "b"}`.
    let sets: Vec<Vec<String>> = peers
        .split('{')
        .skip(1)
        .filter_map(|t| t.split_once('}').map(|(set, _)| set))
        .filter(|set| !set.contains('{') && set.contains('"'))
        .map(quoted)
        .filter(|set| set.iter().all(|id| known.contains(id.as_str())))
        .collect();
    assert!(sets.len() > 30, "{} mappings found", sets.len());
    for pair in ids.chunks(2) {
        let (new, old) = (&pair[0], &pair[1]);
        assert!(
            known.contains(new.as_str()) && known.contains(old.as_str()),
            "{pair:?}"
        );
        for set in &sets {
            assert!(
                !set.contains(old) || set.contains(new),
                "bench/peers.py maps {set:?} with `{old}` but not `{new}`, split from it"
            );
        }
    }
}
