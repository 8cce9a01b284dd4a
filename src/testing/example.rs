//! Rule examples that are a repository rather than one manifest.
//!
//! Examples that are a repository rather than one manifest, for rules about a repository's
//! layout (`ignored-manifest`): a YAML mapping of file paths to their contents, every file
//! committed to a fresh git repository, linted as `kubeward lint --render never DIR` would.
//!
//! ```yaml
//! # files of a git repository
//! .ignore: |
//!   deploy/
//! deploy/pod.yaml: |
//!   apiVersion: v1
//!   kind: Pod
//! ```
//!
//! A rule's doc example in this form (its first line is [`MARKER`]) is executed by
//! [`crate::check_text`]; [`TreeTest`] holds such a rule's pass and fail vectors.

use std::path::{Path, PathBuf};

use crate::yaml::parse_stream;

/// The first line of a doc example that is a repository.
pub const MARKER: &str = "# files of a git repository";

/// A repository written to a temporary directory, removed on drop.
pub(crate) struct Tree {
    /// Its root.
    pub root: PathBuf,
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

impl Tree {
    /// Write the files of `spec` (a YAML mapping of relative paths to contents) to a new
    /// directory, each through `edit` (path, content → content), and commit them all (ignored
    /// files too) to a new git repository there.
    pub(crate) fn new(
        spec: &str,
        mut edit: impl FnMut(&str, &str) -> String,
    ) -> Result<Tree, String> {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let root = std::env::temp_dir().join(format!(
            "kubeward-example-{}-{n}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir(&root).map_err(|e| format!("{}: {e}", root.display()))?;
        let tree = Tree {
            root: root.canonicalize().unwrap_or(root),
        };
        let stream = parse_stream(spec);
        let doc = stream.docs.first().ok_or("an empty example")?;
        let mut files = 0;
        for (path, content) in doc.root().entries() {
            let content = content
                .as_str()
                .ok_or_else(|| format!("{path}: the content is not a string"))?;
            let rel = Path::new(path);
            if rel.is_absolute() || rel.components().any(|c| c.as_os_str() == "..") {
                return Err(format!("{path}: not a path inside the repository"));
            }
            let p = tree.root.join(rel);
            if let Some(dir) = p.parent() {
                std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
            }
            std::fs::write(&p, edit(path, content)).map_err(|e| e.to_string())?;
            files += 1;
        }
        if files == 0 {
            return Err("an example without files".into());
        }
        let git = |args: &[&str]| crate::input::git::run(&tree.root, args).map(drop);
        git(&["init", "-q"])?;
        git(&["add", "-A", "-f"])?;
        git(&[
            "-c",
            "user.name=kubeward",
            "-c",
            "user.email=kubeward@example.invalid",
            "-c",
            "commit.gpgSign=false",
            "commit",
            "-q",
            "--no-verify",
            "-m",
            "example",
        ])?;
        Ok(tree)
    }

    /// Lint it with every rule, as `kubeward lint --render never ROOT` would.
    pub(crate) fn lint(&self) -> Result<crate::engine::Run, String> {
        crate::commands::lint_dir(&self.root)
    }
}

/// `(rule id, line)` of the findings of `rule_ids` in the repository `spec` describes.
pub(crate) fn check(spec: &str, rule_ids: &[&str]) -> Vec<(String, u32)> {
    let run = Tree::new(spec, |_, c| c.to_owned())
        .and_then(|t| t.lint())
        .unwrap_or_else(|e| panic!("the example cannot be linted: {e}\n{spec}"));
    run.findings
        .iter()
        .filter(|f| rule_ids.contains(&f.meta.id))
        .map(|f| (f.meta.id.to_owned(), f.primary.region.line))
        .collect()
}

#[cfg(test)]
pub(crate) use harness::TreeTest;

#[cfg(test)]
mod harness {
    use std::collections::BTreeSet;

    use super::Tree;
    use crate::report::human::{Style, render};
    use crate::rule::{Rule, RuleMeta, registry};

    /// Pass and fail vectors of a rule about a repository's layout: each a repository in the
    /// form of [`super`], whose fail cases mark the lines where findings must start with
    /// `#~ rule-id` (the marker is removed before the file is written); then a snapshot gallery
    /// of the fail cases, as `crate::testing::RuleTest` has.
    pub(crate) struct TreeTest {
        rule: &'static dyn Rule,
        passes: Vec<String>,
        fails: Vec<String>,
    }

    type Marks = BTreeSet<(String, u32, String)>;

    impl TreeTest {
        /// Vectors for `rule` (which must be registered).
        pub(crate) fn of<R: RuleMeta>(rule: &R) -> Self {
            let id = rule.meta().id;
            TreeTest {
                rule: registry::by_id(id)
                    .unwrap_or_else(|| panic!("rule {id} is not in registry::ALL")),
                passes: Vec::new(),
                fails: Vec::new(),
            }
        }

        /// A repository that must produce no finding of the rule.
        #[must_use]
        pub(crate) fn pass(mut self, spec: &str) -> Self {
            self.passes.push(spec.to_owned());
            self
        }

        /// A repository that must produce findings exactly on the lines marked `#~ rule-id`.
        #[must_use]
        pub(crate) fn fail(mut self, spec: &str) -> Self {
            self.fails.push(spec.to_owned());
            self
        }

        /// Lint `spec`: the rule's findings, their `(path, line, id)` and the rendered output
        /// (paths relative to the repository), and the marks of `spec`.
        fn lint(&self, spec: &str) -> (usize, Marks, String, Marks) {
            let mut marks = Marks::new();
            let tree = Tree::new(spec, |path, content| {
                let mut out = String::new();
                for (i, line) in content.lines().enumerate() {
                    let (code, mark) = line.split_once("#~").unwrap_or((line, ""));
                    for id in mark.split([',', ' ']).filter(|s| !s.is_empty()) {
                        let n = u32::try_from(i + 1).unwrap_or(0);
                        marks.insert((path.to_owned(), n, id.to_owned()));
                    }
                    out.push_str(if mark.is_empty() {
                        line
                    } else {
                        code.trim_end()
                    });
                    out.push('\n');
                }
                out
            })
            .unwrap_or_else(|e| panic!("cannot write the repository: {e}\n{spec}"));
            let mut run = tree
                .lint()
                .unwrap_or_else(|e| panic!("cannot lint the repository: {e}\n{spec}"));
            let id = self.rule.meta().id;
            run.findings.retain(|f| f.meta.id == id);
            let prefix = format!("{}/", tree.root.display());
            let relative = |s: &str| s.replace(&prefix, "");
            for file in &mut run.files {
                file.path = relative(&file.path);
            }
            for f in &mut run.findings {
                f.message = relative(&f.message).into();
                if let Some(extra) = f.extra.as_mut()
                    && let Some(label) = extra.label.as_mut()
                {
                    *label = relative(label).into();
                }
            }
            let found: Marks = run
                .findings
                .iter()
                .map(|f| {
                    let path = run.files[f.primary.file as usize].path.clone();
                    (path, f.primary.region.line, f.meta.id.to_owned())
                })
                .collect();
            let out = render(&run, Style::snapshot());
            (run.findings.len(), found, out, marks)
        }

        /// Run every vector and return the rendered gallery of the fail cases.
        pub(crate) fn run(&self) -> String {
            let id = self.rule.meta().id;
            assert!(
                !self.passes.is_empty() && !self.fails.is_empty(),
                "{id}: needs at least one pass and one fail vector"
            );
            for (i, spec) in self.passes.iter().enumerate() {
                let (n, _, out, _) = self.lint(spec);
                assert!(
                    n == 0,
                    "{id}: pass case #{i} expected to pass, but failed:\n{spec}\n{out}"
                );
            }
            let mut gallery = String::new();
            for (i, spec) in self.fails.iter().enumerate() {
                let (n, found, out, marks) = self.lint(spec);
                assert!(
                    n > 0,
                    "{id}: fail case #{i} expected to fail, but passed:\n{spec}"
                );
                assert_eq!(
                    found, marks,
                    "{id}: fail case #{i}: findings (left) differ from the #~ markers (right):\n{spec}\n{out}"
                );
                gallery.push_str(&format!("── fail-{} ──\n{out}", i + 1));
            }
            gallery
        }

        /// Run every vector and snapshot the gallery next to the rule's file.
        pub(crate) fn snapshot(self) {
            let gallery = self.run();
            crate::testing::snapshot_beside(self.rule.meta().source, gallery);
        }
    }
}
