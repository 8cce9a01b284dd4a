//! Baselines as teams adopt kubeward with them: fingerprints unique per place (the file that
//! holds a finding is part of its identity), baselines of format version 1 still matching,
//! baselined findings kept in SARIF as suppressed, and `kubeward baseline -o FILE` never
//! replacing a file that is not a baseline.

mod common;

use std::path::Path;

use common::kubeward;

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n";

/// `helm template` output committed in two environments; the chart is not in the repository.
const RENDERED: &str = "---\n# Source: mychart/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n  namespace: app\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: app:1.0\n";

fn tree() -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "pod.yaml", POD);
    write(d.path(), "envs/staging/app.yaml", RENDERED);
    write(d.path(), "envs/prod/app.yaml", RENDERED);
    d
}

fn json(dir: &Path, extra: &[&str]) -> serde_json::Value {
    let out = kubeward()
        .dir(dir)
        .args(["lint", ".", "--format", "json", "--fail-on", "never"])
        .args(extra)
        .run();
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr))
}

fn findings(v: &serde_json::Value) -> &Vec<serde_json::Value> {
    v["findings"].as_array().expect("findings")
}

#[test]
fn rendered_output_in_two_directories_gives_two_identities() {
    let d = tree();
    let v = json(d.path(), &[]);
    let fps: Vec<&str> = findings(&v)
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap_or_default())
        .collect();
    let mut distinct = fps.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), fps.len(), "repeated fingerprints: {v}");

    // A baseline of staging does not hide prod's findings.
    let out = kubeward()
        .dir(d.path())
        .args(["baseline", "-o", "staging.json", "envs/staging"])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = json(d.path(), &["--baseline", "staging.json"]);
    let count = |path: &str, suppressed: bool| {
        findings(&v)
            .iter()
            .filter(|f| f["path"] == path && f.get("suppressed").is_some() == suppressed)
            .count()
    };
    assert_eq!(count("envs/prod/app.yaml", true), 0, "{v}");
    assert!(count("envs/prod/app.yaml", false) >= 11, "{v}");
    assert!(count("envs/staging/app.yaml", true) >= 11, "{v}");
}

#[test]
fn several_admission_policies_on_one_node_are_several_identities() {
    let d = tempfile::tempdir().expect("tempdir");
    let policy = |name: &str, expr: &str| {
        format!(
            "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {{name: {name}}}\nspec:\n  matchConstraints:\n    resourceRules:\n    - apiGroups: [\"\"]\n      apiVersions: [v1]\n      operations: [CREATE]\n      resources: [pods]\n  validations:\n  - expression: \"{expr}\"\n    message: {name} fails\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {{name: {name}-binding}}\nspec:\n  policyName: {name}\n  validationActions: [Deny]\n"
        )
    };
    write(
        d.path(),
        "policies.yaml",
        &format!(
            "{}---\n{}",
            policy("no-latest", "object.metadata.name != 'web'"),
            policy("named", "object.metadata.name.startsWith('app-')")
        ),
    );
    write(d.path(), "pod.yaml", POD);
    let v = json(d.path(), &["--select", "admission-policy"]);
    let f = findings(&v);
    assert_eq!(f.len(), 2, "{v}");
    assert_eq!(f[0]["path"], f[1]["path"]);
    assert_eq!(f[0]["line"], f[1]["line"]);
    assert_ne!(f[0]["fingerprint"], f[1]["fingerprint"], "{v}");
}

#[test]
fn a_baseline_of_format_version_1_still_matches() {
    let d = tree();
    // Written by kubeward before issue 21 (`kubeward baseline old.json .` on this tree):
    // fingerprints of the rule ids before their split, and of the Helm template's path.
    write(
        d.path(),
        "old.json",
        r#"{
  "version": 1,
  "tool_version": "0.1.0",
  "findings": [
    {"fingerprint": "9269bf772040204b", "rule": "run-as-root", "path": "pod.yaml", "message": ""},
    {"fingerprint": "37ee6abdc1ef77c8", "rule": "seccomp-profile", "path": "pod.yaml", "message": ""},
    {"fingerprint": "95bc2def60aec84d", "rule": "privilege-escalation", "path": "pod.yaml", "message": ""},
    {"fingerprint": "c8da4cd493c9f2df", "rule": "run-as-root", "path": "envs/staging/app.yaml", "message": ""},
    {"fingerprint": "277bfee43e5dc5bd", "rule": "privilege-escalation", "path": "envs/staging/app.yaml", "message": ""}
  ]
}
"#,
    );
    let out = kubeward()
        .dir(d.path())
        .args(["lint", ".", "--format", "json", "--fail-on", "never"])
        .args(["--baseline", "old.json"])
        .run();
    assert!(
        out.stderr
            .contains("7 known findings not reported, 0 stale entries")
            && out.stderr.contains("format version 1"),
        "{}",
        out.stderr
    );
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    let suppressed: Vec<(String, String)> = findings(&v)
        .iter()
        .filter(|f| f["suppressed"]["kind"] == "external")
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_owned(),
                f["path"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    // The version 1 entry of the rendered file stood for both directories.
    let want: Vec<(String, String)> = [
        ("allow-privilege-escalation-unset", "envs/prod/app.yaml"),
        ("non-root-not-required", "envs/prod/app.yaml"),
        ("allow-privilege-escalation-unset", "envs/staging/app.yaml"),
        ("non-root-not-required", "envs/staging/app.yaml"),
        ("allow-privilege-escalation-unset", "pod.yaml"),
        ("non-root-not-required", "pod.yaml"),
        ("seccomp-profile-unset", "pod.yaml"),
    ]
    .iter()
    .map(|(r, p)| ((*r).to_owned(), (*p).to_owned()))
    .collect();
    let mut got = suppressed.clone();
    got.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    assert_eq!(got, want);

    // Written again, it is of the current version.
    let out = kubeward()
        .dir(d.path())
        .args(["baseline", "-o", "old.json", "."])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let b: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("old.json")).expect("read"))
            .expect("baseline JSON");
    assert_eq!(b["version"], 2);
}

#[test]
fn baselined_findings_stay_in_sarif_as_suppressed() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "pod.yaml", POD);
    let sel = ["--select", "non-root-not-required,image-not-pinned"];
    let out = kubeward()
        .dir(d.path())
        .args(["baseline", "-o", "kubeward-baseline.json", "."])
        .args(sel)
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    write(
        d.path(),
        "new.yaml",
        &POD.replace("name: web, namespace", "name: api, namespace"),
    );
    let out = kubeward()
        .dir(d.path())
        .args([
            "lint",
            ".",
            "--format",
            "sarif",
            "--baseline",
            "kubeward-baseline.json",
        ])
        .args(sel)
        .run();
    assert_eq!(out.code, 1, "new.yaml's findings are new: {}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("SARIF");
    let results = v["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 4, "the baselined results are kept: {v}");
    for r in results {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap_or_default();
        let s = &r["suppressions"];
        if uri == "pod.yaml" {
            assert_eq!(s[0]["kind"], "external", "{r}");
            assert_eq!(
                s[0]["justification"], "in baseline kubeward-baseline.json",
                "{r}"
            );
        } else {
            assert!(s.is_null(), "{r}");
        }
    }

    // The gate and the formats that list active findings count the new ones only.
    for (format, active) in [("github", "::"), ("gitlab", "\"check_name\"")] {
        let out = kubeward()
            .dir(d.path())
            .args([
                "lint",
                ".",
                "--format",
                format,
                "--baseline",
                "kubeward-baseline.json",
            ])
            .args(sel)
            .run();
        let n = out
            .stdout
            .lines()
            .filter(|l| l.trim_start().starts_with(active) && !l.contains("::group"))
            .count();
        assert_eq!(n, 2, "{format}: {}", out.stdout);
    }
    std::fs::remove_file(d.path().join("new.yaml")).expect("rm");
    let out = kubeward()
        .dir(d.path())
        .args(["lint", ".", "--baseline", "kubeward-baseline.json"])
        .args(sel)
        .run();
    assert_eq!(out.code, 0, "only baselined findings: {}", out.stderr);
}

#[test]
fn baseline_never_replaces_a_file_that_is_not_a_baseline() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "victim.yaml", POD);
    // The form of earlier versions: the first path is the file to write.
    let out = kubeward()
        .dir(d.path())
        .args(["baseline", "victim.yaml"])
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("not a kubeward baseline") && out.stderr.contains("-o"),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("victim.yaml")).expect("read"),
        POD
    );
    let out = kubeward()
        .dir(d.path())
        .args(["baseline", "-o", "victim.yaml", "."])
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(d.path().join("victim.yaml")).expect("read"),
        POD
    );

    // -o writes a new baseline, then replaces its own baseline; the paths are what is linted.
    for _ in 0..2 {
        let out = kubeward()
            .dir(d.path())
            .args(["baseline", "-o", "kb.json", "victim.yaml"])
            .run();
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
    let b: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("kb.json")).expect("read"))
            .expect("baseline");
    assert!(
        b["findings"]
            .as_array()
            .is_some_and(|f| !f.is_empty() && f.iter().all(|e| e["path"] == "victim.yaml")),
        "{b}"
    );
    // The earlier form still writes (and replaces) a baseline.
    let out = kubeward()
        .dir(d.path())
        .args(["baseline", "kb.json", "victim.yaml"])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
}
