//! The rule test harness: inline pass/fail vectors and a snapshot gallery.
//!
//! The rule test harness: inline pass/fail vectors with `#~ rule-id` markers, and a snapshot
//! gallery of every fail case (rendered as the user sees it).

use std::collections::BTreeSet;
use std::path::Path;

use crate::engine::lint_str;
use crate::report::human::{Style, render};
use crate::rule::{Rule, RuleMeta, Settings, registry};

/// Builder for a rule's vectors.
pub struct RuleTest {
    rule: &'static dyn Rule,
    settings: Settings,
    passes: Vec<String>,
    fails: Vec<String>,
}

impl RuleTest {
    /// Vectors for `rule` (which must be registered).
    pub fn of<R: RuleMeta>(rule: &R) -> Self {
        let id = rule.meta().id;
        let rule =
            registry::by_id(id).unwrap_or_else(|| panic!("rule {id} is not in registry::ALL"));
        RuleTest {
            rule,
            settings: Settings::default(),
            passes: Vec::new(),
            fails: Vec::new(),
        }
    }

    /// Change settings for every vector.
    #[allow(dead_code)]
    #[must_use]
    pub fn settings(mut self, f: impl FnOnce(&mut Settings)) -> Self {
        f(&mut self.settings);
        self
    }

    /// A manifest that must produce no finding.
    #[must_use]
    pub fn pass(mut self, yaml: &str) -> Self {
        self.passes.push(yaml.to_owned());
        self
    }

    /// A manifest that must produce findings exactly on the lines marked `#~ rule-id`.
    #[must_use]
    pub fn fail(mut self, yaml: &str) -> Self {
        self.fails.push(yaml.to_owned());
        self
    }

    /// Lint with every rule (rules interact: suppressions, cross-object facts) and keep only the
    /// findings of the rule under test.
    fn lint(&self, name: &str, yaml: &str) -> crate::engine::Run {
        let mut run = lint_str(name, yaml, registry::ALL.to_vec(), &self.settings);
        let id = self.rule.meta().id;
        run.findings.retain(|f| f.meta.id == id);
        run
    }

    /// Run every vector and return the rendered gallery of the fail cases.
    pub fn run(&self) -> String {
        let id = self.rule.meta().id;
        assert!(
            !self.passes.is_empty() && !self.fails.is_empty(),
            "{id}: needs at least one pass and one fail vector"
        );
        for (i, yaml) in self.passes.iter().enumerate() {
            let run = self.lint("pass.yaml", yaml);
            let out = render(&run, Style::snapshot());
            assert!(
                run.findings.is_empty(),
                "{id}: pass case #{i} expected to pass, but failed:\n{yaml}\n{out}"
            );
        }
        let mut gallery = String::new();
        for (i, yaml) in self.fails.iter().enumerate() {
            let name = format!("fail-{}.yaml", i + 1);
            let stripped: String = yaml
                .lines()
                .map(|l| l.split_once("#~").map_or(l, |(code, _)| code.trim_end()))
                .fold(String::new(), |acc, l| acc + l + "\n");
            let run = self.lint(&name, &stripped);
            let out = render(&run, Style::snapshot());
            assert!(
                !run.findings.is_empty(),
                "{id}: fail case #{i} expected to fail, but passed:\n{yaml}"
            );
            let expected: BTreeSet<(u32, String)> = yaml
                .lines()
                .enumerate()
                .flat_map(|(n, line)| {
                    line.split("#~")
                        .skip(1)
                        .flat_map(|m| {
                            m.split([',', ' '])
                                .filter(|s| !s.is_empty())
                                .map(str::to_owned)
                                .collect::<Vec<_>>()
                        })
                        .map(move |m| (u32::try_from(n + 1).unwrap_or(0), m))
                })
                .collect();
            let found: BTreeSet<(u32, String)> = run
                .findings
                .iter()
                .map(|f| (f.primary.region.line, f.meta.id.to_owned()))
                .collect();
            assert_eq!(
                found, expected,
                "{id}: fail case #{i}: findings (left) differ from the #~ markers (right):\n{yaml}\n{out}"
            );
            gallery.push_str(&format!("── {name} ──\n{out}"));
        }
        gallery
    }

    /// Run every vector and snapshot the gallery next to the rule's file.
    pub fn snapshot(self) {
        let gallery = self.run();
        snapshot_beside(self.rule.meta().source, gallery);
    }
}

/// Snapshot `gallery` in the `snapshots/` folder beside `source` (a path from the crate root,
/// maybe with a `#fragment`), named after its file.
pub(crate) fn snapshot_beside(source: &str, gallery: String) {
    let file = source.split('#').next().unwrap_or(source);
    let path = Path::new(file);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(path.parent().unwrap_or(Path::new(".")))
        .join("snapshots");
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("rule")
        .to_owned();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, super::unversioned(&gallery)));
}
