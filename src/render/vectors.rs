//! The test harness of the rules reported while rendering.
//!
//! The test harness of the rules reported while rendering (`render-error`,
//! `unsafe-render-input`): like `crate::testing::RuleTest`, with `#~ rule-id` markers and a
//! snapshot gallery, but each vector is a small repository (a kustomization, or a chart rendered
//! by `testdata/helm/fake-helm.sh`) linted through discovery, rendering and the engine.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::engine;
use crate::input::{DiscoverOptions, discover};
use crate::report::human::{Style, render};
use crate::rule::{RuleMeta, Settings, registry};

/// One vector: the file the markers are in, as `(directory, file name, text)`. A `&str` is the
/// `kustomization.yaml` of an overlay; [`chart`] makes a chart.
pub struct Vector {
    dir: &'static str,
    file: &'static str,
    text: String,
    chart: bool,
}

impl From<&str> for Vector {
    fn from(text: &str) -> Self {
        Vector {
            dir: "overlay",
            file: "kustomization.yaml",
            text: text.to_owned(),
            chart: false,
        }
    }
}

impl From<&String> for Vector {
    fn from(text: &String) -> Self {
        Vector::from(text.as_str())
    }
}

/// A chart in directory `dir` with this `Chart.yaml`, rendered by `testdata/helm/fake-helm.sh`
/// (which knows the chart `webapp` only).
pub fn chart(dir: &'static str, chart_yaml: &str) -> Vector {
    Vector {
        dir,
        file: "Chart.yaml",
        text: chart_yaml.to_owned(),
        chart: true,
    }
}

/// Builder for the vectors of a rule reported while rendering.
pub struct RenderTest {
    id: &'static str,
    source: &'static str,
    passes: Vec<Vector>,
    fails: Vec<Vector>,
}

impl RenderTest {
    /// Vectors for `rule` (which must be registered).
    pub fn of<R: RuleMeta>(rule: &R) -> Self {
        let m = rule.meta();
        assert!(
            registry::by_id(m.id).is_some(),
            "rule {} is not in registry::ALL",
            m.id
        );
        RenderTest {
            id: m.id,
            source: m.source,
            passes: Vec::new(),
            fails: Vec::new(),
        }
    }

    /// A repository that must produce no finding of the rule.
    #[must_use]
    pub fn pass(mut self, v: impl Into<Vector>) -> Self {
        self.passes.push(v.into());
        self
    }

    /// A repository that must produce findings exactly on the lines marked `#~ rule-id`.
    #[must_use]
    pub fn fail(mut self, v: impl Into<Vector>) -> Self {
        self.fails.push(v.into());
        self
    }

    /// Lint the vector's repository; the run's findings of this rule, and the temporary root.
    fn lint(&self, v: &Vector, text: &str) -> (engine::Run, tempfile::TempDir) {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let root = tmp.path().canonicalize().expect("canonical");
        let dir = root.join(v.dir);
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join(v.file), text).expect("write");
        let fake_helm =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/helm/fake-helm.sh");
        let paths = [root.display().to_string()];
        let opts = super::Options::new(
            super::Mode::Auto,
            v.chart.then_some(fake_helm.as_path()),
            &[],
            super::Limits::default(),
            super::Scope::of(&paths),
        )
        .expect("options");
        let (inputs, skipped) = discover(&paths, &DiscoverOptions::default()).expect("discover");
        let prepared = super::prepare(inputs, skipped, &opts);
        let settings = Settings::default();
        let mut run = engine::lint(
            prepared.inputs,
            prepared.skipped,
            &engine::Options {
                rules: registry::ALL.to_vec(),
                settings: &settings,
                keep_text: true,
                progress: None,
                render: Some(&prepared.context),
                max_file_size: engine::DEFAULT_MAX_FILE_SIZE,
                namespaces: None,
            },
        );
        run.findings.retain(|f| f.meta.id == self.id);
        (run, tmp)
    }

    /// Run every vector and return the gallery of the fail cases (paths relative to the
    /// vector's repository).
    pub fn run(&self) -> String {
        let id = self.id;
        assert!(
            !self.passes.is_empty() && !self.fails.is_empty(),
            "{id}: needs at least one pass and one fail vector"
        );
        for (i, v) in self.passes.iter().enumerate() {
            let (run, _tmp) = self.lint(v, &v.text);
            let out = render(&run, Style::snapshot());
            assert!(
                run.findings.is_empty(),
                "{id}: pass case #{i} expected to pass, but failed:\n{}\n{out}",
                v.text
            );
        }
        let mut gallery = String::new();
        for (i, v) in self.fails.iter().enumerate() {
            let stripped: String = v
                .text
                .lines()
                .map(|l| l.split_once("#~").map_or(l, |(code, _)| code.trim_end()))
                .fold(String::new(), |acc, l| acc + l + "\n");
            let (run, tmp) = self.lint(v, &stripped);
            let root = tmp.path().canonicalize().expect("canonical");
            let out = render(&run, Style::snapshot()).replace(&format!("{}/", root.display()), "");
            assert!(
                !run.findings.is_empty(),
                "{id}: fail case #{i} expected to fail, but passed:\n{}",
                v.text
            );
            let expected: BTreeSet<u32> = v
                .text
                .lines()
                .enumerate()
                .filter(|(_, l)| {
                    l.split("#~")
                        .skip(1)
                        .any(|m| m.split([',', ' ']).any(|s| s == id))
                })
                .map(|(n, _)| u32::try_from(n + 1).unwrap_or(0))
                .collect();
            let found: BTreeSet<u32> = run.findings.iter().map(|f| f.primary.region.line).collect();
            assert_eq!(
                found, expected,
                "{id}: fail case #{i}: finding lines (left) differ from the #~ markers (right):\n{}\n{out}",
                v.text
            );
            gallery.push_str(&format!(
                "── fail-{} ({}/{}) ──\n{out}",
                i + 1,
                v.dir,
                v.file
            ));
        }
        gallery
    }

    /// Run every vector and snapshot the gallery next to the rule's file.
    pub fn snapshot(self) {
        let gallery = self.run();
        crate::testing::snapshot_beside(self.source, gallery);
    }
}
