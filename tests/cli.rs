//! Black-box tests of the `kubeward` command line.

mod common;

use common::{at, kubeward, testdata};

#[test]
fn demo_tree_exits_1_with_findings_and_summary() {
    let out = kubeward()
        .args(["lint", "testdata/demo", "--color", "never"])
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    // Diagnostics on standard output (`| head`, `> file`), the summary on standard error.
    assert!(
        out.stdout.contains("privileged-container (critical)"),
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains("files linted"), "{}", out.stderr);
    assert!(
        out.stderr.contains("Helm template (not rendered)"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("privileged-container (critical)"),
        "diagnostics go to standard output"
    );
}

#[test]
fn clean_manifest_exits_0() {
    let out = kubeward()
        .args([
            "lint",
            &testdata("cli/clean.yaml"),
            "--select",
            "privileged-container,host-network",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("no findings"));
}

#[test]
fn exit_code_is_the_same_for_every_format() {
    for format in ["human", "json", "sarif"] {
        let out = kubeward()
            .args([
                "lint",
                &testdata("cli/workloads/pod.yaml"),
                "--format",
                format,
            ])
            .run();
        assert_eq!(out.code, 1, "{format}");
        let out = kubeward()
            .args([
                "lint",
                &testdata("cli/workloads/pod.yaml"),
                "--format",
                format,
                "--fail-on",
                "never",
            ])
            .run();
        assert_eq!(out.code, 0, "{format}");
    }
}

#[test]
fn fail_on_threshold() {
    // duplicate-keys.yaml has medium (duplicate-key) and critical (privileged) findings.
    let f = testdata("cli/duplicate-keys.yaml");
    let only_dup = ["--select", "duplicate-key"];
    assert_eq!(
        kubeward()
            .args(["lint", &f])
            .args(only_dup)
            .args(["--fail-on", "high"])
            .run()
            .code,
        0
    );
    assert_eq!(
        kubeward()
            .args(["lint", &f])
            .args(only_dup)
            .args(["--fail-on", "medium"])
            .run()
            .code,
        1
    );
    assert_eq!(
        kubeward()
            .args(["lint", &f, "--fail-on", "critical"])
            .run()
            .code,
        1
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(
        kubeward()
            .args(["lint", "--select", "no-such-rule", "testdata/demo"])
            .run()
            .code,
        2
    );
    assert_eq!(
        kubeward()
            .args(["lint", "testdata/does-not-exist"])
            .run()
            .code,
        2
    );
    assert_eq!(kubeward().args(["lint", "--format", "yaml"]).run().code, 2);
    assert_eq!(kubeward().args(["explain", "no-such-rule"]).run().code, 2);
    assert_eq!(kubeward().args(["frobnicate"]).run().code, 2);
}

#[test]
fn select_and_ignore() {
    let (_, f, _) = kubeward()
        .args([
            "lint",
            "testdata/cli/duplicate-keys.yaml",
            "--ignore",
            "duplicate-key",
        ])
        .json();
    assert!(f.iter().all(|(r, _, _)| r != "duplicate-key"));
    assert!(f.iter().any(|(r, _, _)| r == "privileged-container"));
    let (_, f, _) = kubeward()
        .args([
            "lint",
            "testdata/cli/duplicate-keys.yaml",
            "--select",
            "duplicate-key",
        ])
        .json();
    assert!(f.iter().all(|(r, _, _)| r == "duplicate-key"));
}

#[test]
fn stdin_is_linted() {
    let yaml = std::fs::read(common::root().join("testdata/cli/multi-doc.yaml")).unwrap();
    let (code, f, _) = kubeward().args(["lint", "-"]).stdin(yaml).json();
    assert_eq!(code, 1);
    assert_eq!(at(&f, "privileged-container"), vec![14]);
    assert!(f.iter().all(|(_, p, _)| p == "<stdin>"));
}

#[test]
fn multi_doc_stream_has_per_document_lines() {
    let (_, f, v) = kubeward()
        .args(["lint", "testdata/cli/multi-doc.yaml"])
        .json();
    assert_eq!(at(&f, "privileged-container"), vec![14]);
    assert_eq!(at(&f, "host-pid"), vec![56]);
    // `hostNetwork: true` inside a block scalar (line 41) is text, not a setting.
    assert!(at(&f, "host-network").is_empty());
    assert_eq!(v["summary"]["documents"], 4);
}

#[test]
fn list_items_are_linted_each_with_own_location() {
    let (_, f, v) = kubeward().args(["lint", "testdata/cli/list.yaml"]).json();
    assert_eq!(at(&f, "privileged-container"), vec![15]);
    assert_eq!(v["summary"]["objects"], 2);
    let (_, f, _) = kubeward()
        .args(["lint", "testdata/cli/podlist.yaml"])
        .json();
    assert_eq!(at(&f, "host-network"), vec![13]);
}

#[test]
fn json_manifests_are_linted_and_non_k8s_json_is_skipped() {
    let (_, f, _) = kubeward().args(["lint", "testdata/cli/pod.json"]).json();
    assert_eq!(at(&f, "privileged-container"), vec![16]);
    let (code, f, v) = kubeward()
        .args(["lint", "testdata/cli/not-k8s.json"])
        .json();
    assert_eq!(code, 0);
    assert!(f.is_empty());
    assert_eq!(
        v["summary"]["documents_skipped"]["not a Kubernetes object"],
        1
    );
}

#[test]
fn crlf_and_bom_give_correct_lines_and_columns() {
    let (_, _, v) = kubeward()
        .args(["lint", "testdata/cli/crlf-bom.yaml", "--select", "host-ipc"])
        .json();
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "host-ipc");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(8), Some(3))
    );
    assert_eq!(
        (f["end_line"].as_u64(), f["end_column"].as_u64()),
        (Some(8), Some(16))
    );
}

#[test]
fn yaml_1_1_booleans_and_integers_are_decoded_as_the_cluster_does() {
    let (_, f, _) = kubeward()
        .args(["lint", "testdata/cli/yaml11-bools.yaml"])
        .json();
    assert_eq!(
        at(&f, "privileged-container"),
        vec![13],
        "`yes` is true, quoted \"yes\" (line 44) is a string"
    );
    assert_eq!(at(&f, "host-network"), vec![20], "`on` is true");
    assert_eq!(at(&f, "host-pid"), vec![30], "`Y` is true");
    assert!(at(&f, "host-ipc").is_empty(), "`off` is false");
}

#[test]
fn merge_keys_and_aliases_are_resolved() {
    let (_, f, _) = kubeward()
        .args(["lint", "testdata/cli/merge-keys.yaml"])
        .json();
    assert_eq!(
        at(&f, "privileged-container").len(),
        3,
        "anchor, alias and `<<` merge each privileged: {f:?}"
    );
}

#[test]
fn duplicate_keys_last_wins_and_are_reported() {
    let (_, f, _) = kubeward()
        .args(["lint", "testdata/cli/duplicate-keys.yaml"])
        .json();
    assert_eq!(at(&f, "duplicate-key"), vec![10, 18]);
    assert_eq!(
        at(&f, "privileged-container"),
        vec![18],
        "privileged: false then true → true"
    );
    assert!(
        at(&f, "host-network").is_empty(),
        "hostNetwork: true then false → false"
    );
}

#[test]
fn a_broken_file_does_not_stop_the_others() {
    let (code, f, v) = kubeward().args(["lint", "testdata/cli/broken"]).json();
    assert_eq!(code, 1);
    assert!(
        f.contains(&(
            "parse-error".into(),
            "testdata/cli/broken/bad.yaml".into(),
            5
        )),
        "{f:?}"
    );
    assert!(
        f.iter()
            .any(|(r, p, _)| r == "privileged-container" && p.ends_with("good-1.yaml"))
    );
    assert!(
        f.iter()
            .any(|(r, p, _)| r == "host-network" && p.ends_with("good-2.yaml"))
    );
    assert_eq!(v["summary"]["files_failed"], 1);
}

#[test]
fn alias_bomb_deep_nesting_and_binary_are_parse_errors() {
    for (file, needle) in [
        ("alias-bomb.yaml", "alias expansion"),
        ("deep-nesting.yaml", ""),
        ("binary.yaml", "binary"),
    ] {
        let started = std::time::Instant::now();
        let (code, _, v) = kubeward()
            .args(["lint", &testdata(&format!("cli/{file}"))])
            .json();
        assert!(started.elapsed().as_secs() < 20, "{file} took too long");
        assert_eq!(code, 1, "{file}");
        let f = &v["findings"][0];
        assert_eq!(f["rule"], "parse-error", "{file}");
        assert!(
            f["message"].as_str().unwrap().contains(needle),
            "{file}: {}",
            f["message"]
        );
    }
}

#[test]
fn non_kubernetes_yaml_is_skipped_silently_and_counted() {
    // Its kustomization names files that do not exist: rendered, it is a render-error.
    let out = kubeward()
        .args(["lint", "testdata/cli/not-k8s", "--render", "never"])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("not a Kubernetes object"),
        "{}",
        out.stderr
    );
}

#[test]
fn helm_chart_templates_are_never_parsed() {
    let (code, f, v) = kubeward().args(["lint", "testdata/cli/chart"]).json();
    assert_eq!(code, 0, "{f:?}");
    assert!(f.is_empty());
    assert_eq!(
        v["summary"]["files_skipped"]["Helm template (not rendered)"],
        2
    );
}

#[test]
fn every_pod_carrying_kind_is_checked() {
    let (_, f, _) = kubeward().args(["lint", "testdata/cli/workloads"]).json();
    let files: std::collections::BTreeSet<_> = f
        .iter()
        .filter(|(r, _, _)| r == "privileged-container")
        .map(|(_, p, _)| p.rsplit('/').next().unwrap().to_owned())
        .collect();
    for kind in [
        "pod",
        "podtemplate",
        "replicationcontroller",
        "replicaset",
        "deployment",
        "statefulset",
        "daemonset",
        "job",
        "cronjob",
        "rollout",
    ] {
        assert!(
            files.contains(&format!("{kind}.yaml")),
            "{kind} not checked: {files:?}"
        );
    }
    assert_eq!(
        at(&f, "privileged-container").len(),
        11,
        "the deployment's init container too"
    );
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_tree_are_never_followed() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  hostPID: true\n  containers: [{name: a, image: a:1}]\n",
    )
    .unwrap();
    let tree = tempfile::tempdir().unwrap();
    std::fs::write(
        tree.path().join("ok.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.yaml"),
        tree.path().join("link.yaml"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), tree.path().join("linkdir")).unwrap();
    let out = kubeward()
        .dir(tree.path())
        .args(["lint", ".", "--verbose", "--format", "json"])
        .run();
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(!out.stdout.contains("host-pid"));
    assert!(
        out.stderr
            .contains("skipped link.yaml: symbolic link points outside the scanned tree"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("skipped linkdir"), "{}", out.stderr);
}

#[test]
fn gitignore_and_exclude_are_honoured() {
    let tree = tempfile::tempdir().unwrap();
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  hostPID: true\n  containers: [{name: a, image: a:1}]\n";
    std::fs::create_dir_all(tree.path().join("ignored")).unwrap();
    std::fs::create_dir_all(tree.path().join("vendor")).unwrap();
    std::fs::create_dir_all(tree.path().join(".hidden")).unwrap();
    std::fs::write(tree.path().join(".gitignore"), "ignored/\n").unwrap();
    std::fs::write(tree.path().join("ignored/pod.yaml"), pod).unwrap();
    std::fs::write(tree.path().join("vendor/pod.yaml"), pod).unwrap();
    std::fs::write(tree.path().join(".hidden/pod.yaml"), pod).unwrap();
    std::fs::write(tree.path().join("pod.yaml"), pod).unwrap();
    let (_, f, _) = kubeward()
        .dir(tree.path())
        .args([
            "lint",
            ".",
            "--exclude",
            "vendor/**",
            "--select",
            "host-pid",
        ])
        .json();
    let paths: Vec<_> = f.iter().map(|(_, p, _)| p.as_str()).collect();
    assert_eq!(paths, vec!["pod.yaml"]);
    let (_, f, _) = kubeward()
        .dir(tree.path())
        .args([
            "lint",
            ".",
            "--no-ignore",
            "--hidden",
            "--select",
            "host-pid",
        ])
        .json();
    assert_eq!(f.len(), 4, "{f:?}");
}

#[test]
fn sarif_goes_to_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.sarif");
    let out = kubeward()
        .args([
            "lint",
            "testdata/cli/multi-doc.yaml",
            "--format",
            "sarif",
            "--output",
            path.to_str().unwrap(),
        ])
        .run();
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(v["version"], "2.1.0");
}

#[test]
fn rules_json_has_the_contract_shape() {
    let out = kubeward().args(["rules", "--format", "json"]).run();
    assert_eq!(out.code, 0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let arr = v.as_array().unwrap();
    assert!(arr.len() >= 6);
    for r in arr {
        for key in ["id", "severity", "category", "summary"] {
            assert!(r[key].is_string(), "{key} missing in {r}");
        }
    }
    let md = kubeward().args(["rules", "--format", "markdown"]).run();
    assert!(md.stdout.starts_with("| Rule |"));
    let table = kubeward().args(["rules"]).run();
    assert!(table.stdout.contains("privileged-container"));
}

#[test]
fn explain_prints_the_rule_docs() {
    let out = kubeward().args(["explain", "privileged-container"]).run();
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("## What it flags"));
    assert!(out.stdout.contains("Use instead:"));
}

#[test]
fn output_is_deterministic() {
    let a = kubeward()
        .args(["lint", "testdata", "--format", "json"])
        .run()
        .stdout;
    let b = kubeward()
        .args(["lint", "testdata", "--format", "json", "-j", "1"])
        .run()
        .stdout;
    assert_eq!(a, b);
}

#[test]
fn no_color_and_plain_output_when_not_a_tty() {
    let out = kubeward()
        .args(["lint", &testdata("cli/workloads/pod.yaml")])
        .run();
    assert!(
        !out.stdout.contains('\u{1b}') && !out.stderr.contains('\u{1b}'),
        "no ANSI escapes when the output is not a terminal"
    );
    let out = kubeward()
        .args([
            "lint",
            &testdata("cli/workloads/pod.yaml"),
            "--color",
            "always",
        ])
        .run();
    assert!(out.stdout.contains('\u{1b}'));
}

#[test]
fn human_output_snapshot() {
    let out = kubeward()
        .args([
            "lint",
            &testdata("cli/duplicate-keys.yaml"),
            "--select",
            "duplicate-key,privileged-container,host-network",
            "--color",
            "never",
            "--quiet",
            "--select",
            "duplicate-key,privileged-container",
        ])
        .run();
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    insta::assert_snapshot!(kubeward::testing::unversioned(&out.stdout));
}
