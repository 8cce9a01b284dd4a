//! The rule test harness: inline pass/fail vectors and a snapshot gallery.
//!
//! The rule test harness: inline pass/fail vectors with `#~ rule-id` markers, and a snapshot
//! gallery of every fail case (rendered as the user sees it).

use std::collections::BTreeSet;
use std::path::Path;

use crate::engine::lint_str;
use crate::report::human::{Style, render};
use crate::rule::{FixKind, Rule, RuleMeta, Settings, registry};

/// A finding as the fix vectors tell findings apart: rule id and message.
type Seen = (&'static str, String);

/// Builder for a rule's vectors.
pub struct RuleTest {
    rule: &'static dyn Rule,
    settings: Settings,
    passes: Vec<String>,
    fails: Vec<String>,
    /// (before, after, with unsafe fixes)
    fixes: Vec<(String, String, bool)>,
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
            fixes: Vec::new(),
        }
    }

    /// A manifest whose findings of this rule `--fix` fixes: the text after, byte for byte.
    /// The fixed findings are gone, no finding of any rule is new, and fixing again changes
    /// nothing.
    #[must_use]
    pub fn fixes(mut self, before: &str, after: &str) -> Self {
        self.fixes
            .push((before.to_owned(), after.to_owned(), false));
        self
    }

    /// As [`RuleTest::fixes`], with `--unsafe-fixes`.
    #[must_use]
    pub fn unsafe_fixes(mut self, before: &str, after: &str) -> Self {
        self.fixes.push((before.to_owned(), after.to_owned(), true));
        self
    }

    /// The text with this rule's fixes made; the findings (of every rule) before, as (rule id,
    /// message), and those whose fix was made. (A finding is told by its rule and message: its
    /// route may move when a fix adds the mapping it was anchored beside.)
    fn fix_once(&self, yaml: &str, unsafe_fixes: bool) -> (String, Vec<Seen>, Vec<Seen>) {
        let settings = Settings {
            fixes: true,
            ..self.settings.clone()
        };
        let run = lint_str("fix.yaml", yaml, registry::ALL.to_vec(), &settings);
        let id = self.rule.meta().id;
        let mine: Vec<(&crate::finding::Finding, &crate::finding::Fixable)> = run
            .findings
            .iter()
            .filter(|f| f.meta.id == id && f.suppressed().is_none())
            .filter_map(|f| f.fix().map(|x| (f, x)))
            .filter(|(_, x)| x.fix.kind == FixKind::Safe || unsafe_fixes)
            .collect();
        let fixables: Vec<&crate::finding::Fixable> = mine.iter().map(|(_, x)| *x).collect();
        let (out, _, made) = crate::fix::fix_fixables(yaml, &fixables);
        let seen = |f: &crate::finding::Finding| (f.meta.id, f.message.to_string());
        let fixed = mine
            .iter()
            .zip(made)
            .filter(|(_, m)| *m)
            .map(|((f, _), _)| seen(f))
            .collect();
        let all = run.findings.iter().map(seen).collect();
        (out, all, fixed)
    }

    fn check_fixes(&self) {
        let id = self.rule.meta().id;
        let declared = self.rule.meta().fix.kind;
        assert!(
            declared == FixKind::None || !self.fixes.is_empty(),
            "{id}: declares a {} fix but has no fix vector",
            declared.as_str()
        );
        for (i, (before, after, unsafe_fixes)) in self.fixes.iter().enumerate() {
            let (out, mut left, fixed) = self.fix_once(before, *unsafe_fixes);
            assert_eq!(&out, after, "{id}: fix #{i} of:\n{before}\ngave:\n{out}");
            assert!(!fixed.is_empty(), "{id}: fix #{i} fixed nothing");
            let (again, after_fix, _) = self.fix_once(&out, *unsafe_fixes);
            assert_eq!(again, out, "{id}: fix #{i}: a second run changes the text");
            // What remains is what was there, less what was fixed: nothing fixed remains and
            // nothing is new.
            for f in &fixed {
                if let Some(p) = left.iter().position(|x| x == f) {
                    left.remove(p);
                }
            }
            for f in &after_fix {
                let Some(p) = left.iter().position(|x| x == f) else {
                    panic!(
                        "{id}: fix #{i}: {} `{}` after the fix is not one that remains:\n{out}",
                        f.0, f.1
                    );
                };
                left.remove(p);
            }
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
        self.check_fixes();
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
