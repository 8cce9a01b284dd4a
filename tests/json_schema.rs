//! `docs/schema/kubeward-json.schema.json` describes `--format json` exactly: real output of
//! testdata and of the shared corpus validates against it, every optional part of the schema is
//! met by some real output, and the validator rejects what the schema forbids.

mod common;

use common::{kubeward, root};
use serde_json::Value;

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("docs/schema/kubeward-json.schema.json"))
        .expect("docs/schema/kubeward-json.schema.json");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    assert!(
        jsonschema::draft202012::meta::is_valid(&schema),
        "not a valid draft 2020-12 schema"
    );
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles")
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// `kubeward lint --format json ARGS` in `dir`, as JSON (exit code 0 or 1).
fn json_in(dir: &std::path::Path, args: &[&str]) -> Value {
    let out = kubeward()
        .dir(dir)
        .args(["lint", "--format", "json", "--no-progress"])
        .args(args)
        .run();
    assert!(
        out.code == 0 || out.code == 1,
        "{args:?}: exit {}\n{}",
        out.code,
        out.stderr
    );
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}\n{}", out.stdout))
}

/// What the outputs seen so far have exercised of the schema's optional parts.
#[derive(Default, Debug)]
struct Seen {
    trace_helm: bool,
    trace_kustomize: bool,
    suppressed_in_source: bool,
    notices: bool,
    related: bool,
    no_object: bool,
    failed_paths: bool,
    skipped_paths: bool,
    fix: bool,
}

impl Seen {
    fn add(&mut self, doc: &Value) {
        let summary = &doc["summary"];
        self.notices |= summary.get("notices").is_some();
        self.failed_paths |= summary["failed_paths"]
            .as_array()
            .is_some_and(|a| !a.is_empty());
        self.skipped_paths |= summary["skipped_paths"]
            .as_array()
            .is_some_and(|a| !a.is_empty());
        for f in doc["findings"].as_array().into_iter().flatten() {
            self.trace_helm |= f["trace"]["via"] == "helm";
            self.trace_kustomize |= f["trace"]["via"] == "kustomize";
            self.suppressed_in_source |= f["suppressed"]["kind"] == "inSource";
            self.related |= f["related"].as_array().is_some_and(|a| !a.is_empty());
            self.no_object |= f["object"].is_null();
            self.fix |= f["fix"]["changes"].is_array();
        }
    }
}

#[test]
fn testdata_output_matches_the_json_schema() {
    let v = validator();
    let here = root();
    let baseline = tempfile::tempdir().unwrap();
    let baseline_file = baseline.path().join("baseline.json");
    let b = kubeward()
        .args([
            "baseline",
            baseline_file.to_str().unwrap(),
            "testdata/secrets",
        ])
        .run();
    assert_eq!(b.code, 0, "{}", b.stderr);
    let helm_stream = std::fs::read(here.join("testdata/helm/recorded-elsewhere.yaml")).unwrap();

    let mut runs: Vec<(String, Value)> = Vec::new();
    for args in [
        &["testdata"][..],
        &["testdata/demo"],
        &["testdata/cli", "--verbose"],
        &["testdata/suppress"],
        &["testdata/kustomize/overlays"],
        &[
            "testdata/helm/charts",
            "--helm",
            "testdata/helm/fake-helm.sh",
        ],
        &["testdata/helm/recorded"],
        &[
            "testdata/secrets",
            "--baseline",
            baseline_file.to_str().unwrap(),
        ],
        &["testdata/cli/pod.json", "testdata/cli/multi-doc.yaml"],
        &["--render", "never", "testdata"],
        &["--profile", "pss-restricted", "testdata/demo"],
        // The automatic fixes are in the report when the run builds them (SARIF beside it).
        &["testdata/demo", "--sarif-file", "/dev/null"],
        &["testdata/kustomize/overlays", "--sarif-file", "/dev/null"],
    ] {
        runs.push((format!("{args:?}"), json_in(&here, args)));
    }
    let out = kubeward()
        .args(["lint", "--format", "json", "-"])
        .stdin(helm_stream)
        .run();
    runs.push((
        "stdin".into(),
        serde_json::from_str(&out.stdout).expect("json on stdin"),
    ));

    let mut seen = Seen::default();
    for (what, doc) in &runs {
        let errs = errors(&v, doc);
        assert!(errs.is_empty(), "{what}: {errs:#?}");
        seen.add(doc);
    }
    // Each optional part of the schema was checked against real output, not only declared.
    let kustomize = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .any(|d| d.join("kubectl").is_file() || d.join("kustomize").is_file());
    assert!(seen.trace_helm, "{seen:?}");
    assert!(seen.trace_kustomize || !kustomize, "{seen:?}");
    assert!(seen.suppressed_in_source, "{seen:?}");
    assert!(seen.notices && seen.related && seen.no_object, "{seen:?}");
    assert!(seen.failed_paths && seen.skipped_paths, "{seen:?}");
    assert!(seen.fix, "{seen:?}");
}

#[test]
fn corpus_output_matches_the_json_schema() {
    let v = validator();
    let Some(corpus) = common::corpus("") else {
        return;
    };
    let mut checked = 0;
    for dir in ["pss", "kube-linter", "checkov", "real", "vap"] {
        let path = corpus.join(dir);
        if !path.is_dir() {
            eprintln!("note: {} is absent", path.display());
            continue;
        }
        let doc = json_in(&corpus, &["--render", "never", dir]);
        let errs = errors(&v, &doc);
        assert!(
            errs.is_empty(),
            "corpus/{dir}: {} errors, first {:#?}",
            errs.len(),
            &errs[..errs.len().min(10)]
        );
        checked += doc["findings"].as_array().map_or(0, Vec::len);
    }
    assert!(checked > 1000, "only {checked} findings checked");
}

/// The schema is strict where the output is: a renamed field, a wrong type, an unknown severity
/// or a malformed fingerprint is an error, so a change to the output that the schema does not
/// describe fails the tests above.
#[test]
fn the_schema_rejects_what_kubeward_never_writes() {
    let v = validator();
    let good = json_in(&root(), &["testdata/cli/multi-doc.yaml"]);
    assert!(errors(&v, &good).is_empty());
    assert!(!good["findings"].as_array().unwrap().is_empty());
    type Change = fn(&mut Value);
    let bad: [(&str, Change); 8] = [
        ("severity", |d| {
            d["findings"][0]["severity"] = "severe".into()
        }),
        ("fingerprint", |d| {
            d["findings"][0]["fingerprint"] = "5C0E".into()
        }),
        ("line", |d| d["findings"][0]["line"] = 0.into()),
        ("unknown field", |d| d["findings"][0]["ruleId"] = "x".into()),
        ("missing field", |d| {
            d["findings"][0].as_object_mut().unwrap().remove("route");
        }),
        ("summary count", |d| d["summary"]["findings"] = (-1).into()),
        ("by_severity key", |d| {
            d["summary"]["by_severity"]["info"] = 1.into()
        }),
        ("schema_version", |d| d["schema_version"] = 2.into()),
    ];
    for (what, change) in bad {
        let mut doc = good.clone();
        change(&mut doc);
        assert!(!errors(&v, &doc).is_empty(), "{what} was accepted");
    }
}

/// docs/json-format.md points at the schema.
#[test]
fn the_json_format_page_links_the_schema() {
    let page = std::fs::read_to_string(root().join("docs/json-format.md")).unwrap();
    assert!(page.contains("(schema/kubeward-json.schema.json)"));
}
