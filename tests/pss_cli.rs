//! `--profile` and `--pss-version` on the command line: rule selection, version semantics and
//! the exit code (1 iff an object violates the level).

mod common;

use common::kubeward;

/// Restricted-compliant at every version, except `runAsUser: 0` (checked from v1.23).
const ROOT_UID: &str = "apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 0
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: web
    image: nginx:1.27
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
";

fn lint(args: &[&str], yaml: &str) -> (i32, Vec<String>) {
    let out = kubeward()
        .args(["lint", "-", "--format", "json"])
        .args(args)
        .stdin(yaml)
        .run();
    let v: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    let rules = v["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["rule"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default();
    (out.code, rules)
}

#[test]
fn profile_runs_only_its_controls_and_sets_the_exit_code() {
    let compliant = ROOT_UID.replace("    runAsUser: 0\n", "");
    // Workload rules (automount, resources, …) would fire by default but are not PSS controls.
    let (code, rules) = lint(&[], &compliant);
    assert_eq!(code, 1, "{rules:?}");
    assert!(
        rules.iter().all(|r| !r.contains("run-as-root")),
        "{rules:?}"
    );
    assert_eq!(
        lint(&["--profile", "pss-restricted"], &compliant),
        (0, vec![])
    );

    let (code, rules) = lint(&["--profile", "pss-restricted"], ROOT_UID);
    assert_eq!((code, rules), (1, vec!["run-as-root".to_owned()]));
    // The level decides, not --fail-on.
    assert_eq!(
        lint(
            &["--profile", "pss-restricted", "--fail-on", "critical"],
            ROOT_UID
        )
        .0,
        1
    );
    // runAsUser is a restricted control: baseline admits the pod.
    assert_eq!(lint(&["--profile", "pss-baseline"], ROOT_UID), (0, vec![]));
}

#[test]
fn pss_version_selects_the_semantics() {
    let restricted = ["--profile", "pss-restricted", "--pss-version"];
    for (version, code) in [
        ("v1.22", 0),
        ("1.22", 0),
        ("v1.23", 1),
        ("latest", 1),
        ("v1.99", 1),
    ] {
        let args: Vec<&str> = restricted.iter().copied().chain([version]).collect();
        assert_eq!(lint(&args, ROOT_UID).0, code, "--pss-version {version}");
    }
}

#[test]
fn bad_flags_exit_2() {
    for args in [
        ["--pss-version", "2.0"].as_slice(),
        &["--pss-version", "v1.x"],
        &["--pss-version", "v1.025"],
        &["--profile", "restricted"],
    ] {
        let out = kubeward()
            .args(["lint", "-"])
            .args(args)
            .stdin(ROOT_UID)
            .run();
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
    }
}

#[test]
fn configuration_sets_profile_and_version_and_flags_win() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".kubeward.yaml"),
        "profile: pss-restricted\npss-version: v1.22\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("pod.yaml"), ROOT_UID).unwrap();
    let code = |args: &[&str]| {
        kubeward()
            .dir(dir.path())
            .args(["lint", "."])
            .args(args)
            .run()
            .code
    };
    assert_eq!(code(&[]), 0, "restricted at v1.22 does not check runAsUser");
    assert_eq!(code(&["--pss-version", "v1.23"]), 1);
    assert_eq!(
        code(&["--pss-version", "v1.23", "--profile", "pss-baseline"]),
        0
    );
}
