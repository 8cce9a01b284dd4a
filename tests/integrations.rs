//! Where users meet kubeward: suppressions, configuration, baseline, new-from-rev, CI formats.

mod common;

use common::kubeward;

/// The rules the suppression fixtures exercise (other rules also fire on their pods).
const SUPPRESSION_RULES: &str = "host-pid,host-network,host-ipc,privileged-container,expired-suppression,suppression-without-reason,unused-suppression";

fn findings(v: &serde_json::Value) -> Vec<(String, u64, bool)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
                !f["suppressed"].is_null(),
            )
        })
        .collect()
}

#[test]
fn suppressions_of_every_form() {
    let (code, _, v) = kubeward()
        .args([
            "lint",
            "testdata/suppress/suppressed.yaml",
            "--select",
            SUPPRESSION_RULES,
        ])
        .json();
    assert_eq!(code, 1);
    let f = findings(&v);
    for (rule, line) in [
        ("host-pid", 7),
        ("host-network", 16),
        ("host-ipc", 25),
        ("privileged-container", 29),
        ("host-pid", 38),
        ("host-network", 54),
    ] {
        assert!(
            f.contains(&(rule.into(), line, true)),
            "{rule}:{line} should be suppressed: {f:?}"
        );
    }
    assert!(
        f.contains(&("host-pid".into(), 46, false)),
        "expired suppression no longer applies: {f:?}"
    );
    assert!(f.contains(&("expired-suppression".into(), 46, false)));
    assert!(f.contains(&("suppression-without-reason".into(), 54, false)));
    assert!(f.contains(&("unused-suppression".into(), 62, false)));
    assert_eq!(v["summary"]["suppressed"], 6);
    let (_, _, v) = kubeward()
        .args([
            "lint",
            "testdata/suppress/whole-file.yaml",
            "--select",
            SUPPRESSION_RULES,
        ])
        .json();
    assert!(
        findings(&v).iter().all(|(_, _, s)| *s),
        "ignore-file covers the file"
    );
}

#[test]
fn suppressed_findings_are_counted_and_in_sarif_as_in_source() {
    let out = kubeward()
        .args([
            "lint",
            "testdata/suppress/suppressed.yaml",
            "--select",
            SUPPRESSION_RULES,
            "--color",
            "never",
        ])
        .run();
    assert!(out.stderr.contains("(6 suppressed)"), "{}", out.stderr);
    assert!(
        !out.stdout.contains("node debugger needs") && !out.stderr.contains("node debugger needs"),
        "suppressed findings are not rendered"
    );
    let out = kubeward()
        .args([
            "lint",
            "testdata/suppress/suppressed.yaml",
            "--select",
            SUPPRESSION_RULES,
            "--format",
            "sarif",
        ])
        .run();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    let suppressed: Vec<_> = results
        .iter()
        .filter(|r| r["suppressions"].is_array())
        .collect();
    assert_eq!(suppressed.len(), 6);
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "inSource");
    assert!(
        suppressed[0]["suppressions"][0]["justification"]
            .as_str()
            .unwrap()
            .contains("node debugger")
    );
}

fn temp_tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

// The image is pinned by digest and the pod otherwise hardened so that only `host-pid` fires.
const HOSTPID: &str = concat!(
    "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  hostPID: true\n",
    "  serviceAccountName: x\n  automountServiceAccountToken: false\n",
    "  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n",
    "  containers:\n  - name: a\n",
    "    image: \"a:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"\n",
    "    securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}\n",
    "    resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {memory: 16Mi}}\n",
);

#[test]
fn config_is_found_and_applied() {
    let dir = temp_tree(&[
        (
            ".kubeward.yaml",
            "rules:\n  severity: {host-pid: low}\nexclude: [\"vendor/**\"]\nfail-on: medium\noverrides:\n  - paths: [\"legacy/**\"]\n    ignore: [host-pid]\n",
        ),
        ("apps/pod.yaml", HOSTPID),
        ("legacy/pod.yaml", HOSTPID),
        ("vendor/pod.yaml", HOSTPID),
    ]);
    let (code, f, v) = kubeward()
        .dir(dir.path())
        .args(["lint", "apps", "legacy", "vendor", "--select", "host-pid"])
        .json();
    assert_eq!(
        f,
        vec![("host-pid".to_owned(), "apps/pod.yaml".to_owned(), 5)]
    );
    assert_eq!(v["findings"][0]["severity"], "low");
    assert_eq!(
        code, 0,
        "fail-on: medium from the config, and the finding is low"
    );
    let (code, _, _) = kubeward()
        .dir(dir.path())
        .args(["lint", "apps", "--fail-on", "low", "--select", "host-pid"])
        .json();
    assert_eq!(code, 1, "flags win over the config");
}

#[test]
fn config_globs_are_relative_to_the_config_file_whatever_the_working_directory() {
    let dir = temp_tree(&[
        (
            "repo/.kubeward.yaml",
            "exclude: [\"vendor/**\"]\noverrides:\n  - paths: [\"legacy/**\"]\n    ignore: [host-pid]\n",
        ),
        ("repo/apps/pod.yaml", HOSTPID),
        ("repo/legacy/pod.yaml", HOSTPID),
        ("repo/vendor/pod.yaml", HOSTPID),
    ]);
    // A repository: the configuration is found from a subdirectory up to its root.
    git(&dir.path().join("repo"), &["init", "-q"]);
    let only_apps = vec![("host-pid".to_owned(), "repo/apps/pod.yaml".to_owned(), 5)];
    // From the directory above, the configuration named.
    let (_, f, _) = kubeward()
        .dir(dir.path())
        .args(["lint", "repo", "--config", "repo/.kubeward.yaml"])
        .args(["--select", "host-pid"])
        .json();
    assert_eq!(f, only_apps);
    // Each directory given on its own, the configuration found above it.
    let (_, f, v) = kubeward()
        .dir(dir.path())
        .args(["lint", "repo/apps", "repo/legacy", "repo/vendor"])
        .args(["--select", "host-pid"])
        .json();
    assert_eq!(f, only_apps);
    assert!(
        v["summary"]["skipped_paths"]
            .as_array()
            .is_some_and(|s| s.iter().any(|p| p["path"] == "repo/vendor/pod.yaml")),
        "{v}"
    );
    // From a subdirectory: `legacy/**` is still the legacy beside the configuration.
    let (_, f, _) = kubeward()
        .dir(dir.path().join("repo/legacy"))
        .args(["lint", ".", "--select", "host-pid"])
        .json();
    assert_eq!(f, vec![]);
    let (_, f, _) = kubeward()
        .dir(dir.path().join("repo/vendor"))
        .args(["lint", "pod.yaml", "--select", "host-pid"])
        .json();
    assert_eq!(f, vec![]);
}

#[test]
fn bad_config_is_a_located_error_with_exit_2() {
    let dir = temp_tree(&[
        (
            ".kubeward.yaml",
            "rules:\n  ignore: [host-pid]\nfail_on: high\n",
        ),
        ("pod.yaml", HOSTPID),
    ]);
    let out = kubeward().dir(dir.path()).args(["lint", "."]).run();
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains(".kubeward.yaml:3:1"), "{}", out.stderr);
    assert!(
        out.stderr.contains("unknown top-level key `fail_on`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("fail-on"),
        "names the keys that exist: {}",
        out.stderr
    );
    let out = kubeward()
        .dir(dir.path())
        .args(["lint", ".", "--config", "nope.yaml"])
        .run();
    assert_eq!(out.code, 2);
}

#[test]
fn init_writes_a_valid_starter_config() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(kubeward().dir(dir.path()).args(["init"]).run().code, 0);
    let text = std::fs::read_to_string(dir.path().join(".kubeward.yaml")).unwrap();
    assert!(text.contains("# kubeward configuration"));
    assert_eq!(
        kubeward().dir(dir.path()).args(["init"]).run().code,
        2,
        "refuses to overwrite"
    );
    assert_eq!(
        kubeward()
            .dir(dir.path())
            .args(["init", "--force"])
            .run()
            .code,
        0
    );
    std::fs::write(dir.path().join("pod.yaml"), HOSTPID).unwrap();
    assert_eq!(
        kubeward().dir(dir.path()).args(["lint", "."]).run().code,
        1,
        "the starter config loads"
    );
}

#[test]
fn baseline_hides_known_findings_and_counts_stale_entries() {
    let dir = temp_tree(&[("a.yaml", HOSTPID)]);
    assert_eq!(
        kubeward()
            .dir(dir.path())
            .args([
                "baseline",
                "kw-baseline.json",
                ".",
                "--select",
                "host-pid,host-network"
            ])
            .run()
            .code,
        0
    );
    let out = kubeward()
        .dir(dir.path())
        .args([
            "lint",
            ".",
            "--baseline",
            "kw-baseline.json",
            "--select",
            "host-pid,host-network",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("1 known findings not reported, 0 stale entries"),
        "{}",
        out.stderr
    );
    std::fs::write(
        dir.path().join("a.yaml"),
        HOSTPID.replace("hostPID: true", "hostNetwork: true"),
    )
    .unwrap();
    let out = kubeward()
        .dir(dir.path())
        .args([
            "lint",
            ".",
            "--baseline",
            "kw-baseline.json",
            "--select",
            "host-pid,host-network",
        ])
        .run();
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("0 known findings not reported, 1 stale entries"),
        "{}",
        out.stderr
    );
}

fn git(dir: &std::path::Path, args: &[&str]) {
    let ok = std::process::Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.email=t@example.com",
            "-c",
            "user.name=t",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

#[test]
fn new_from_rev_reports_only_new_findings() {
    let dir = temp_tree(&[("apps/a.yaml", HOSTPID)]);
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "base"]);
    git(dir.path(), &["checkout", "-qb", "feature"]);
    std::fs::write(
        dir.path().join("apps/a.yaml"),
        format!(
            "# moved down\n{}",
            HOSTPID.replace("hostPID: true", "hostPID: true\n  hostIPC: true")
        ),
    )
    .unwrap();
    git(dir.path(), &["commit", "-qam", "feature"]);
    let (code, f, v) = kubeward()
        .dir(dir.path())
        .args(["lint", "apps", "--new-from-rev", "main"])
        .json();
    // What existed at the merge base is listed as suppressed (external), not as active.
    let suppressed: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["suppressed"])
        .collect();
    let active: Vec<_> = f
        .into_iter()
        .zip(&suppressed)
        .filter(|(_, s)| s.is_null())
        .map(|(f, _)| f)
        .collect();
    assert_eq!(
        active,
        vec![("host-ipc".to_owned(), "apps/a.yaml".to_owned(), 7)],
        "hostPID existed at the merge base"
    );
    assert!(
        suppressed
            .iter()
            .filter(|s| !s.is_null())
            .all(|s| s["kind"] == "external"),
        "{suppressed:?}"
    );
    assert_eq!(v["summary"]["findings"], 1);
    assert_eq!(code, 1);
    let out = kubeward()
        .dir(dir.path())
        .args(["lint", "apps", "--new-from-rev", "no-such-rev"])
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
}

#[test]
fn github_annotations_escape_and_write_a_job_summary() {
    let dir = temp_tree(&[("we,ird: 100%.yaml", HOSTPID)]);
    let summary = dir.path().join("summary.md");
    let out = kubeward()
        .dir(dir.path())
        .env("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())
        .args([
            "lint",
            ".",
            "--format",
            "github",
            "--sarif-file",
            "out.sarif",
            "--select",
            "host-pid",
        ])
        .run();
    assert_eq!(out.code, 1);
    let line = out.stdout.lines().next().unwrap();
    assert!(line.starts_with("::error file=we%2Cird%3A 100%25.yaml,line=5,col=3,endLine=5,endColumn=16,title=kubeward host-pid (high)::"), "{line}");
    assert_eq!(
        out.stdout.lines().count(),
        1,
        "a message never breaks out of its command line"
    );
    let md = std::fs::read_to_string(summary).unwrap();
    assert!(md.contains("## kubeward") && md.contains("host-pid"));
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 1);
}

#[test]
fn the_job_summary_lists_files_that_could_not_be_linted() {
    let dir = temp_tree(&[
        ("ok.yaml", HOSTPID),
        (
            "broken.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: [}\n",
        ),
    ]);
    let summary = dir.path().join("summary.md");
    let out = kubeward()
        .dir(dir.path())
        .env("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())
        .args(["lint", ".", "--format", "github", "--select", "host-pid"])
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let md = std::fs::read_to_string(summary).unwrap();
    assert!(
        md.contains("1 file could not be read or parsed completely:"),
        "{md}"
    );
    assert!(
        md.contains("- `broken.yaml`: `YAML syntax error at line 3"),
        "{md}"
    );
    assert!(!md.contains("`ok.yaml`:"), "{md}");
}

#[test]
fn gitlab_and_junit_formats() {
    let out = kubeward()
        .args([
            "lint",
            "testdata/cli/workloads",
            "--select",
            "privileged-container",
            "--format",
            "gitlab",
        ])
        .run();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let issues = v.as_array().unwrap();
    assert_eq!(issues.len(), 11);
    let fps: std::collections::BTreeSet<_> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(fps.len(), 11, "fingerprints are unique per violation");
    for i in issues {
        assert!(
            ["info", "minor", "major", "critical", "blocker"]
                .contains(&i["severity"].as_str().unwrap())
        );
        assert!(i["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
        assert!(i["check_name"].is_string() && i["description"].is_string());
    }
    let out = kubeward()
        .args([
            "lint",
            "testdata/cli/workloads",
            "testdata/cli/clean.yaml",
            "--select",
            "privileged-container",
            "--format",
            "junit",
        ])
        .run();
    assert!(out.stdout.starts_with("<?xml"));
    assert_eq!(out.stdout.matches("<failure ").count(), 11);
    assert!(
        out.stdout
            .contains("classname=\"testdata/cli/clean.yaml\" name=\"no findings\"")
    );
    assert_eq!(
        out.stdout.matches("<testcase ").count(),
        out.stdout.matches("</testcase>").count() + 1
    );
}
