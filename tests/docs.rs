//! Docs are generated from the rule declarations and their examples are executed (STYLE.md §7b, §8).

use std::path::Path;

use kubeward::docs;
use kubeward::rule::registry::ALL;

/// Rules reported while rendering: their examples are kustomizations, linted as an overlay of a
/// scratch repository (rendered when the rule needs a renderer).
const RENDERED: &[(&str, bool)] = &[("render-error", true), ("unsafe-render-input", false)];

/// The findings of rule `id` for example `y`; `None` when the example needs a renderer that is
/// not installed.
fn check(y: &str, id: &str) -> Option<Vec<(String, u32)>> {
    match RENDERED.iter().find(|(r, _)| *r == id) {
        Some((_, needs_renderer)) => kubeward::check_kustomization(y, &[id], *needs_renderer),
        None => Some(kubeward::check_text(y, &[id])),
    }
}

#[test]
fn doc_examples_fire_and_use_instead_does_not() {
    for r in ALL {
        let m = r.meta();
        let sections = docs::sections(m);
        let example = &sections
            .iter()
            .find(|(h, _)| h == "Example")
            .unwrap_or_else(|| panic!("{}: no Example", m.id))
            .1;
        let (bad, good) = example
            .split_once("Use instead:")
            .unwrap_or_else(|| panic!("{}: no `Use instead:`", m.id));
        let bad = docs::yaml_blocks(bad);
        let good = docs::yaml_blocks(good);
        assert!(
            !bad.is_empty() && !good.is_empty(),
            "{}: Example and Use instead need a ```yaml block each",
            m.id
        );
        for y in &bad {
            let Some(found) = check(y, m.id) else {
                eprintln!(
                    "note: {}: no kustomize or kubectl on PATH; example not run",
                    m.id
                );
                continue;
            };
            assert!(
                found.iter().any(|(id, _)| id == m.id),
                "{}: the Example does not fire:\n{y}",
                m.id
            );
        }
        for y in &good {
            let Some(found) = check(y, m.id) else {
                continue;
            };
            assert!(
                found.is_empty(),
                "{}: the `Use instead:` example fires {found:?}:\n{y}",
                m.id
            );
        }
    }
}

fn check_or_bless(path: &Path, expected: &str, stale: &mut Vec<String>) {
    if std::env::var_os("KUBEWARD_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, expected).unwrap();
        return;
    }
    match std::fs::read_to_string(path) {
        Ok(actual) if actual == expected => {}
        _ => stale.push(path.display().to_string()),
    }
}

#[test]
fn generated_docs_are_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    let dir = root.join("docs/rules");
    for r in ALL {
        check_or_bless(
            &dir.join(format!("{}.md", r.meta().id)),
            &docs::rule_markdown(r.meta()),
            &mut stale,
        );
    }
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            let name = e
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".md")
                .to_owned();
            if !ALL.iter().any(|r| r.meta().id == name) {
                stale.push(format!("{} (no such rule)", e.path().display()));
            }
        }
    }
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap_or_default();
    let table = docs::rules_table(ALL);
    let (begin, end) = ("<!-- rules:begin -->\n", "<!-- rules:end -->");
    if let (Some(a), Some(b)) = (readme.find(begin), readme.find(end)) {
        let fresh = format!("{}{begin}{table}{}", &readme[..a], &readme[b..]);
        check_or_bless(&root.join("README.md"), &fresh, &mut stale);
    } else {
        stale.push("README.md lacks the <!-- rules:begin --> / <!-- rules:end --> markers".into());
    }
    assert!(
        stale.is_empty(),
        "stale generated docs (run `KUBEWARD_BLESS=1 cargo test --test docs`): {stale:#?}"
    );
}
