//! ARCHITECTURE.md held to the tree: every folder and top-level file of `src/` has an entry in
//! its code map, every path it names exists, and every source file opens with its job.

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn document() -> String {
    fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md at the root")
}

/// Every `.rs` file under `dir`, sorted.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The spans of the document between backticks that look like paths: no spaces, no
/// placeholders, a `/` or a file extension.
fn named_paths(doc: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, part) in doc.split('`').enumerate() {
        // Odd parts are inside backticks (the document has no code span holding a backtick;
        // fenced blocks hold no backtick either).
        if i % 2 == 0 || part.is_empty() || part.contains(char::is_whitespace) {
            continue;
        }
        if part.contains(['<', '>', '*', '{', '[', ':', '=']) || part.starts_with('-') {
            continue;
        }
        let ext = [".rs", ".md", ".py", ".sh"]
            .iter()
            .any(|e| part.ends_with(e));
        if part.contains('/') || ext {
            out.push(part.to_owned());
        }
    }
    out
}

#[test]
fn every_folder_and_top_level_file_of_src_is_in_the_code_map() {
    let doc = document();
    let map = &doc[doc.find("## Code map").expect("a code map")..];
    let map = &map[..map
        .find("\n## Invariants")
        .expect("invariants after the code map")];
    let mut missing = Vec::new();
    for e in fs::read_dir(root().join("src")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let entry = if p.is_dir() {
            format!("`src/{name}/`")
        } else {
            format!("`src/{name}`")
        };
        if !map.contains(&entry) {
            missing.push(entry);
        }
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md's code map has no entry for {missing:?}: say what each owns and what \
         it must not do"
    );
}

#[test]
fn every_path_the_document_names_exists() {
    let root = root();
    let file_names: Vec<String> = sources(&root.join("src"))
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let mut missing = Vec::new();
    let named = named_paths(&document());
    assert!(named.len() > 50, "too few paths found: {named:?}");
    for p in named {
        let exists = if p.contains('/') {
            // From the root, or (`engine/file.rs`, `rules/rbac/`) from `src/`.
            root.join(&p).exists() || root.join("src").join(&p).exists()
        } else if p.ends_with(".rs") {
            // A file named within its folder's entry (`lint.rs`).
            file_names.contains(&p)
        } else {
            root.join(&p).exists()
        };
        if !exists {
            missing.push(p);
        }
    }
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names paths that do not exist: {missing:?}"
    );
}

/// The job of a source file: its first line, a `//!` sentence that is a paragraph of its own;
/// or for a rule file (whose first comment is its declaration, STYLE.md §3) the line after
/// `## What it flags`.
fn job(text: &str, is_rule: bool) -> Option<&str> {
    let mut lines = text.lines().map(str::trim_start);
    if is_rule {
        let mut comments = lines.filter(|l| l.starts_with("///"));
        if comments.next()? != "/// ## What it flags" {
            return None;
        }
        return comments.next()?.strip_prefix("/// ");
    }
    let first = lines.next()?.strip_prefix("//! ")?;
    let continued = lines.next().is_some_and(|l| l.starts_with("//! "));
    (first.ends_with('.') && !continued).then_some(first)
}

#[test]
fn every_source_file_opens_with_its_job() {
    let src = root().join("src");
    let rules = src.join("rules");
    let mut bad = Vec::new();
    for p in sources(&src) {
        let rel = p.strip_prefix(&src).unwrap();
        // `src/rules/<category>/<rule>.rs`.
        let is_rule = p.starts_with(&rules)
            && rel.components().count() == 3
            && p.file_name().is_some_and(|n| n != "mod.rs");
        let text = fs::read_to_string(&p).unwrap();
        if job(&text, is_rule).is_none_or(|j| j.trim().len() < 10) {
            bad.push(rel.display().to_string());
        }
    }
    assert!(
        bad.is_empty(),
        "these files do not open with a line that states their job (`//! ….` alone in its \
         paragraph; a rule: `/// ## What it flags` then the line): {bad:?}"
    );
}

#[test]
fn the_checks_catch_what_they_look_for() {
    // The helpers themselves, on made-up text: a check that cannot fail proves nothing.
    assert_eq!(
        job("//! Reads things.\nuse x;", false),
        Some("Reads things.")
    );
    assert_eq!(job("use x;\n//! Late.", false), None);
    // A sentence that runs on is not a line that states the job.
    assert_eq!(job("//! Reads things and\n//! more.\n", false), None);
    assert_eq!(job("//! Reads things.\n//! More.\n", false), None);
    assert_eq!(
        job("//! Reads things.\n//!\n//! More.\n", false),
        Some("Reads things.")
    );
    assert_eq!(
        job(
            "use x;\ndeclare_rule! {\n    /// ## What it flags\n    /// A pod with hostIPC.\n",
            true
        ),
        Some("A pod with hostIPC.")
    );
    assert_eq!(job("use x;\n    /// ## Why it matters\n", true), None);
    assert_eq!(
        named_paths("see `src/engine/` and `lint.rs`, not `a b` nor `<id>.md` nor `x::y`"),
        ["src/engine/", "lint.rs"]
    );
}
