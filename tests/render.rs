//! Linting what will be applied: Helm charts and rendered streams, Kustomize overlays, and every
//! finding traced to the file and line that wrote it.

mod common;

use std::path::{Path, PathBuf};

use common::{corpus, kubeward, root};
use serde_json::Value;

/// The rules these tests are about.
const SELECT: [&str; 2] = [
    "--select",
    "host-pid,host-network,host-ipc,privileged-container",
];

/// `kustomize` or `kubectl` on PATH, else a note saying the test is skipped.
fn kustomize_renderer() -> bool {
    let found = std::env::var_os("PATH").is_some_and(|p| {
        std::env::split_paths(&p)
            .any(|d| d.join("kubectl").is_file() || d.join("kustomize").is_file())
    });
    if !found {
        eprintln!("note: neither kubectl nor kustomize is on PATH; skipping this test");
    }
    found
}

/// The findings of a JSON report as (rule, path, line, finding).
fn findings(v: &Value) -> Vec<(String, String, u64, Value)> {
    v["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_owned(),
                f["path"].as_str().unwrap_or_default().to_owned(),
                f["line"].as_u64().unwrap_or_default(),
                f.clone(),
            )
        })
        .collect()
}

fn one<'a>(fs: &'a [(String, String, u64, Value)], rule: &str) -> &'a (String, String, u64, Value) {
    let hits: Vec<_> = fs.iter().filter(|f| f.0 == rule).collect();
    assert_eq!(hits.len(), 1, "one {rule} finding expected: {fs:#?}");
    hits[0]
}

fn notices(v: &Value) -> Vec<String> {
    v["summary"]["notices"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn kustomize_base_with_two_overlays_points_at_bases_and_patches() {
    if !kustomize_renderer() {
        return;
    }
    let (code, _, v) = kubeward()
        .args(["lint", "testdata/kustomize"])
        .args(SELECT)
        .json();
    assert_eq!(code, 1);
    let fs = findings(&v);
    assert_eq!(fs.len(), 4, "{fs:#?}");
    // From the shared base: shown once, listing both overlays.
    let pid = one(&fs, "host-pid");
    assert_eq!(
        (pid.1.as_str(), pid.2),
        ("testdata/kustomize/base/deployment.yaml", 18)
    );
    assert_eq!(
        pid.3["trace"]["overlays"],
        serde_json::json!([
            "testdata/kustomize/overlays/production/kustomization.yaml",
            "testdata/kustomize/overlays/staging/kustomization.yaml"
        ])
    );
    // A strategic-merge patch made the sidecar privileged: the patch line.
    let privileged = one(&fs, "privileged-container");
    assert_eq!(
        (privileged.1.as_str(), privileged.2),
        (
            "testdata/kustomize/overlays/production/privileged-patch.yaml",
            12
        )
    );
    assert_eq!(
        privileged.3["trace"]["overlays"],
        serde_json::json!(["testdata/kustomize/overlays/production/kustomization.yaml"])
    );
    assert_eq!(privileged.3["object"]["namespace"], "production");
    // A JSON 6902 patch: the `value:` line of the operation.
    let net = one(&fs, "host-network");
    assert_eq!(
        (net.1.as_str(), net.2),
        (
            "testdata/kustomize/overlays/production/host-network-patch.yaml",
            4
        )
    );
    // An inline patch: the line inside the kustomization's block scalar.
    let ipc = one(&fs, "host-ipc");
    assert_eq!(
        (ipc.1.as_str(), ipc.2, ipc.3["column"].as_u64()),
        (
            "testdata/kustomize/overlays/staging/kustomization.yaml",
            20,
            Some(13)
        )
    );
    assert_eq!(ipc.3["object"]["name"], "staging-web");
    let skipped = &v["summary"]["files_skipped"];
    assert_eq!(skipped["Kustomize patch (partial object)"], 2);
    assert_eq!(skipped["Kustomize resource (linted as rendered)"], 2);
    assert!(
        notices(&v)
            .iter()
            .any(|n| n.contains("rendered 2 overlays")),
        "{v:#}"
    );
}

#[test]
fn kustomize_sarif_keeps_overlays_as_related_locations() {
    if !kustomize_renderer() {
        return;
    }
    let out = kubeward()
        .args(["lint", "testdata/kustomize", "--format", "sarif"])
        .args(SELECT)
        .run();
    let v: Value = serde_json::from_str(&out.stdout).expect("sarif");
    let results = v["runs"][0]["results"].as_array().expect("results");
    let pid = results
        .iter()
        .find(|r| r["ruleId"] == "host-pid")
        .expect("host-pid");
    assert_eq!(
        pid["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "testdata/kustomize/base/deployment.yaml"
    );
    let related: Vec<&str> = pid["relatedLocations"]
        .as_array()
        .expect("related")
        .iter()
        .filter_map(|r| r["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert_eq!(
        related,
        [
            "testdata/kustomize/overlays/production/kustomization.yaml",
            "testdata/kustomize/overlays/staging/kustomization.yaml"
        ]
    );
    assert_eq!(pid["properties"]["renderedBy"], "kustomize");
    for r in results {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap_or_default();
        assert!(root().join(uri).is_file(), "{uri} is not a file");
    }
}

#[test]
fn kustomize_without_a_renderer_lints_raw_resources_but_never_patches() {
    let empty = tempfile::tempdir().expect("tempdir");
    let path = empty.path().to_string_lossy().into_owned();
    for (args, why) in [
        (vec!["lint", "testdata/kustomize"], "on PATH"),
        (
            vec!["lint", "testdata/kustomize", "--render", "never"],
            "--render never",
        ),
    ] {
        let (_, _, v) = kubeward().env("PATH", &path).args(args).args(SELECT).json();
        let fs = findings(&v);
        let rules: Vec<(&str, &str, u64)> = fs
            .iter()
            .map(|f| (f.0.as_str(), f.1.as_str(), f.2))
            .collect();
        assert_eq!(
            rules,
            [("host-pid", "testdata/kustomize/base/deployment.yaml", 18)],
            "patches are partial objects and never linted on their own"
        );
        assert_eq!(
            v["summary"]["files_skipped"]["Kustomize patch (partial object)"],
            2
        );
        let n = notices(&v);
        assert_eq!(n.len(), 1, "{n:?}");
        assert!(
            n[0].contains("2 overlays not rendered") && n[0].contains(why),
            "{n:?}"
        );
    }
}

#[test]
fn helm_chart_is_rendered_with_helm_and_traced_to_its_templates() {
    let (code, _, v) = kubeward()
        .args([
            "lint",
            "testdata/helm/charts",
            "--helm",
            "testdata/helm/fake-helm.sh",
        ])
        .args(SELECT)
        .json();
    assert_eq!(code, 1);
    let fs = findings(&v);
    let pid = one(&fs, "host-pid");
    assert_eq!(
        (pid.1.as_str(), pid.2),
        ("testdata/helm/charts/webapp/templates/deployment.yaml", 19)
    );
    assert_eq!(
        pid.3["trace"]["template"],
        "webapp/templates/deployment.yaml"
    );
    assert_eq!(
        pid.3["trace"]["rendered"]["path"],
        "testdata/helm/charts/webapp (helm template)"
    );
    assert_eq!(pid.3["trace"]["rendered"]["line"], 38);
    assert_eq!(
        v["summary"]["files_skipped"]["Helm template (linted as rendered)"],
        2
    );

    // Values files go to `helm template`; the key line is the nearest one the template writes.
    let (_, _, v) = kubeward()
        .args([
            "lint",
            "testdata/helm/charts",
            "--helm",
            "testdata/helm/fake-helm.sh",
            "--helm-values",
            "testdata/helm/values/privileged.yaml",
        ])
        .args(SELECT)
        .json();
    let fs = findings(&v);
    assert_eq!(fs.len(), 1, "{fs:#?}");
    let p = one(&fs, "privileged-container");
    assert_eq!(
        (p.1.as_str(), p.2),
        ("testdata/helm/charts/webapp/templates/deployment.yaml", 24)
    );
}

#[test]
fn helm_chart_without_helm_gets_one_notice_per_chart() {
    let empty = tempfile::tempdir().expect("tempdir");
    let (code, fs, v) = kubeward()
        .env("PATH", &empty.path().to_string_lossy())
        .args(["lint", "testdata/helm/charts", "testdata/cli/chart"])
        .args(SELECT)
        .json();
    assert_eq!(code, 0, "{fs:?}");
    let n = notices(&v);
    assert_eq!(n.len(), 2, "{n:?}");
    assert!(
        n.iter()
            .all(|n| n.contains("not rendered") && n.contains("helm")),
        "{n:?}"
    );
    assert_eq!(
        v["summary"]["files_skipped"]["Helm template (not rendered)"],
        4
    );
}

#[test]
fn an_unusable_helm_or_values_file_is_a_usage_error() {
    for (flag, value, why) in [
        ("--helm", "testdata/helm/does-not-exist", "no such file"),
        ("--helm", "testdata/helm", "not a file"),
        (
            "--helm",
            "testdata/helm/charts/webapp/Chart.yaml",
            "not executable",
        ),
        (
            "--helm-values",
            "testdata/helm/values/missing.yaml",
            "no such file",
        ),
        (
            "--helm-values",
            "testdata/helm/values",
            "not a regular file",
        ),
    ] {
        let out = kubeward()
            .args(["lint", "testdata/helm/charts", flag, value])
            .args(SELECT)
            .run();
        assert_eq!(out.code, 2, "{flag} {value}: {}", out.stderr);
        assert!(
            out.stderr.contains(&format!("{flag} {value}: {why}")),
            "{flag} {value}: {}",
            out.stderr
        );
    }
}

#[test]
fn a_failed_render_is_a_finding_on_chart_yaml_or_the_kustomization() {
    // fake-helm.sh knows the chart `webapp` only: any other chart fails to render.
    let repo = tempfile::tempdir().expect("tempdir");
    let chart = repo.path().join("other");
    std::fs::create_dir_all(chart.join("templates")).expect("mkdir");
    std::fs::write(
        chart.join("Chart.yaml"),
        "apiVersion: v2\nname: other\nversion: 1.0.0\n",
    )
    .expect("write");
    let fake = root().join("testdata/helm/fake-helm.sh");
    let (code, _, v) = kubeward()
        .dir(repo.path())
        .args(["lint", ".", "--select", "render-error", "--helm"])
        .args([fake.to_string_lossy()])
        .json();
    assert_eq!(code, 1, "the gate fails on a chart it never saw: {v:#}");
    let fs = findings(&v);
    let e = one(&fs, "render-error");
    assert_eq!((e.1.as_str(), e.2), ("other/Chart.yaml", 2));
    assert!(
        e.3["message"]
            .as_str()
            .is_some_and(|m| m.contains("chart \"other\" has no recorded output")),
        "{e:#?}"
    );
    if !kustomize_renderer() {
        return;
    }
    let repo = kustomize_copy("base/kustomization.yaml", |t| {
        t.replace("  - service.yaml\n", "  - service.yaml\n  - missing.yaml\n")
    });
    let (code, _, v) = kubeward()
        .dir(repo.path())
        .args(["lint", ".", "--select", "render-error,host-pid"])
        .json();
    assert_eq!(code, 1);
    let fs = findings(&v);
    let errors: Vec<(&str, u64)> = fs
        .iter()
        .filter(|f| f.0 == "render-error")
        .map(|f| (f.1.as_str(), f.2))
        .collect();
    assert_eq!(
        errors,
        [
            ("overlays/production/kustomization.yaml", 6),
            ("overlays/staging/kustomization.yaml", 6)
        ],
        "{fs:#?}"
    );
    // Their raw resources are linted instead (patches are not).
    assert_eq!(
        fs.iter()
            .filter(|f| f.0 == "host-pid")
            .map(|f| (f.1.as_str(), f.2))
            .collect::<Vec<_>>(),
        [("base/deployment.yaml", 18)]
    );
}

#[test]
fn helm_stream_on_stdin_names_the_template_and_keeps_the_rendered_position() {
    let stream = std::fs::read(root().join("testdata/helm/recorded/webapp.yaml")).expect("fixture");
    let dir = root().join("testdata/helm");
    let (_, _, v) = kubeward()
        .dir(&dir)
        .args(["lint", "-"])
        .args(SELECT)
        .stdin(stream.clone())
        .json();
    let fs = findings(&v);
    let pid = one(&fs, "host-pid");
    assert_eq!(
        (pid.1.as_str(), pid.2),
        ("charts/webapp/templates/deployment.yaml", 19)
    );
    assert_eq!(pid.3["trace"]["rendered"]["path"], "<stdin>");
    assert_eq!(pid.3["trace"]["rendered"]["line"], 38);
    assert_eq!(pid.3["trace"]["rendered_is_input"], true);

    let out = kubeward()
        .dir(&dir)
        .args(["lint", "-", "--format", "sarif"])
        .args(SELECT)
        .stdin(stream.clone())
        .run();
    let s: Value = serde_json::from_str(&out.stdout).expect("sarif");
    let r = &s["runs"][0]["results"][0];
    assert_eq!(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "charts/webapp/templates/deployment.yaml"
    );
    assert_eq!(
        r["relatedLocations"][0]["physicalLocation"]["region"]["startLine"],
        38
    );
    assert_eq!(
        r["properties"]["helmTemplate"],
        "webapp/templates/deployment.yaml"
    );

    // The human output shows both the template line and the rendered line.
    let out = kubeward()
        .dir(&dir)
        .args(["lint", "-", "--color", "never"])
        .args(SELECT)
        .stdin(stream)
        .run();
    assert!(
        out.stdout
            .contains("[charts/webapp/templates/deployment.yaml:19:7]"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("[<stdin>:38:7]"), "{}", out.stdout);
}

#[test]
fn helm_template_outside_the_repository_is_kept_as_a_property() {
    let (_, _, v) = kubeward()
        .args(["lint", "testdata/helm/recorded-elsewhere.yaml"])
        .args(SELECT)
        .json();
    let fs = findings(&v);
    let p = one(&fs, "privileged-container");
    assert_eq!(
        (p.1.as_str(), p.2),
        ("testdata/helm/recorded-elsewhere.yaml", 15)
    );
    assert_eq!(
        p.3["trace"]["template"],
        "ingress-nginx/templates/controller-daemonset.yaml"
    );
    let out = kubeward()
        .args([
            "lint",
            "testdata/helm/recorded-elsewhere.yaml",
            "--color",
            "never",
        ])
        .args(SELECT)
        .run();
    assert!(
        out.stdout.contains(
            "from Helm template ingress-nginx/templates/controller-daemonset.yaml (not found"
        ),
        "{}",
        out.stdout
    );
}

/// Every finding of a JSON report points at an existing file and a line inside it.
fn assert_findings_exist(v: &Value, cwd: &Path) -> usize {
    let fs = findings(v);
    for (rule, path, line, f) in &fs {
        let file = cwd.join(path);
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("{rule}: {path} is not a readable file ({e}): {f:#}"));
        let lines = text.lines().count() as u64;
        assert!(
            *line >= 1 && *line <= lines.max(1),
            "{rule}: {path}:{line} is outside the file ({lines} lines)"
        );
        for r in f["related"].as_array().into_iter().flatten() {
            let p = r["path"].as_str().unwrap_or_default();
            assert!(
                cwd.join(p).is_file() || p == "<stdin>",
                "{rule}: related {p}"
            );
        }
    }
    fs.len()
}

#[test]
fn corpus_findings_point_at_existing_files_and_lines() {
    for repo in [
        "real/microservices-demo",
        "real/flux2-kustomize-helm-example",
    ] {
        let Some(dir) = corpus(repo) else { return };
        let (_, _, v) = kubeward().dir(&dir).args(["lint", "."]).json();
        let n = assert_findings_exist(&v, &dir);
        eprintln!(
            "{repo}: {n} findings, all at existing lines; notices: {:?}",
            notices(&v)
        );
        if kustomize_renderer() {
            assert!(
                notices(&v)
                    .iter()
                    .any(|n| n.contains("Kustomize: rendered")),
                "{v:#}"
            );
        }
    }
}

#[test]
fn rendered_files_of_a_real_chart_name_their_templates() {
    let Some(examples) =
        corpus("real/opentelemetry-helm-charts/charts/opentelemetry-collector/examples")
    else {
        return;
    };
    // The chart's templates are not in the corpus: stand in for it in a scratch repository
    // (a Chart.yaml and a daemonset template), next to the real rendered files. A git
    // repository: `# Source:` comments are followed inside the repository only.
    let repo = tempfile::tempdir().expect("tempdir");
    git_init(repo.path());
    let chart: PathBuf = repo.path().join("opentelemetry-collector");
    std::fs::create_dir_all(chart.join("templates")).expect("mkdir");
    std::fs::write(
        chart.join("Chart.yaml"),
        "apiVersion: v2\nname: opentelemetry-collector\nversion: 0.170.0\n",
    )
    .expect("write");
    std::fs::write(
        chart.join("templates/daemonset.yaml"),
        "apiVersion: apps/v1\nkind: DaemonSet\nspec:\n  template:\n    spec:\n      hostNetwork: {{ .Values.hostNetwork }}\n      containers:\n        - name: {{ .Chart.Name }}\n          securityContext:\n            {{- toYaml .Values.securityContext | nindent 12 }}\n",
    )
    .expect("write");
    let rendered = repo.path().join("rendered");
    std::fs::create_dir_all(&rendered).expect("mkdir");
    let mut text = std::fs::read_to_string(examples.join("daemonset-only/rendered/daemonset.yaml"))
        .expect("corpus file");
    assert!(text.contains("# Source: opentelemetry-collector/templates/daemonset.yaml"));
    // Make the real rendered DaemonSet privileged and host-networked so that it has findings.
    text = text.replacen("      hostNetwork: false", "      hostNetwork: true", 1);
    text = text.replacen(
        "          securityContext:\n            {}",
        "          securityContext:\n            privileged: true",
        1,
    );
    std::fs::write(rendered.join("daemonset.yaml"), &text).expect("write");
    let (_, _, v) = kubeward()
        .dir(repo.path())
        .args(["lint", "rendered"])
        .args(SELECT)
        .json();
    let fs = findings(&v);
    assert!(fs.len() >= 2, "{fs:#?}");
    for (rule, path, line, f) in &fs {
        assert_eq!(
            path, "opentelemetry-collector/templates/daemonset.yaml",
            "{rule}"
        );
        assert_eq!(
            f["trace"]["template"],
            "opentelemetry-collector/templates/daemonset.yaml"
        );
        assert_eq!(f["trace"]["rendered"]["path"], "rendered/daemonset.yaml");
        let expect = if rule == "host-network" { 6 } else { 9 };
        assert_eq!(*line, expect, "{rule}");
    }
    assert_findings_exist(&v, repo.path());
}

#[test]
fn human_output_shows_the_source_line_and_the_rendering() {
    let stream = std::fs::read(root().join("testdata/helm/recorded/webapp-privileged.yaml"))
        .expect("fixture");
    let out = kubeward()
        .dir(root().join("testdata/helm"))
        .args(["lint", "-", "--color", "never", "--quiet"])
        .args(SELECT)
        .stdin(stream)
        .run();
    insta::assert_snapshot!(
        "helm_stream_on_stdin",
        kubeward::testing::unversioned(&out.stdout)
    );
    if kustomize_renderer() {
        let out = kubeward()
            .args(["lint", "testdata/kustomize", "--color", "never", "--quiet"])
            .args(SELECT)
            .run();
        insta::assert_snapshot!(
            "kustomize_overlays",
            kubeward::testing::unversioned(&out.stdout)
        );
    }
}

#[test]
fn helm_stream_finds_a_chart_whose_directory_has_another_name() {
    let repo = tempfile::tempdir().expect("tempdir");
    git_init(repo.path());
    let chart = repo.path().join("deploy/chart");
    std::fs::create_dir_all(chart.join("templates")).expect("mkdir");
    for f in ["Chart.yaml", "values.yaml", "templates/deployment.yaml"] {
        std::fs::copy(
            root().join("testdata/helm/charts/webapp").join(f),
            chart.join(f),
        )
        .expect("copy");
    }
    let stream = std::fs::read(root().join("testdata/helm/recorded/webapp.yaml")).expect("fixture");
    let (_, _, v) = kubeward()
        .dir(repo.path())
        .args(["lint", "-"])
        .args(SELECT)
        .stdin(stream)
        .json();
    let fs = findings(&v);
    let pid = one(&fs, "host-pid");
    assert_eq!(
        (pid.1.as_str(), pid.2),
        ("deploy/chart/templates/deployment.yaml", 19)
    );
}

/// Make `dir` a git work tree: the repository root that rendering may read inside.
fn git_init(dir: &Path) {
    let ok = std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "git init");
}

/// A copy of `testdata/kustomize` in a scratch git repository, with `edit` applied to one file.
fn kustomize_copy(file: &str, edit: impl Fn(&str) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    git_init(dir.path());
    for f in [
        "base/kustomization.yaml",
        "base/deployment.yaml",
        "base/service.yaml",
        "overlays/staging/kustomization.yaml",
        "overlays/production/kustomization.yaml",
        "overlays/production/privileged-patch.yaml",
        "overlays/production/host-network-patch.yaml",
    ] {
        let text =
            std::fs::read_to_string(root().join("testdata/kustomize").join(f)).expect("read");
        let text = if f == file { edit(&text) } else { text };
        let to = dir.path().join(f);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::write(to, text).expect("write");
    }
    dir
}

#[test]
fn suppressions_in_sources_and_rendered_annotations_cover_traced_findings() {
    if !kustomize_renderer() {
        return;
    }
    let rules = "host-pid,privileged-container,unused-suppression";
    // A comment in the shared base (kustomize drops comments from its output).
    let repo = kustomize_copy("base/deployment.yaml", |t| {
        t.replace(
            "      hostPID: true\n",
            "      # kubeward: ignore[host-pid] the profiler reads host processes\n      hostPID: true\n",
        )
    });
    let (_, _, v) = kubeward()
        .dir(repo.path())
        .args(["lint", ".", "--select", rules])
        .json();
    let fs = findings(&v);
    let active: Vec<&str> = fs
        .iter()
        .filter(|f| f.3.get("suppressed").is_none())
        .map(|f| f.0.as_str())
        .collect();
    assert_eq!(active, ["privileged-container"], "{fs:#?}");
    assert_eq!(
        v["summary"]["suppressed"], 1,
        "one finding, shown once for both overlays"
    );

    // The annotation travels into the rendered object: it covers the object wherever its
    // findings were traced (here: the patch that makes the sidecar privileged).
    let repo = kustomize_copy("overlays/production/privileged-patch.yaml", |t| {
        t.replace(
            "  name: web\n",
            "  name: web\n  annotations:\n    kubeward.io/ignore: \"privileged-container: CNI agent\"\n",
        )
    });
    let (_, _, v) = kubeward()
        .dir(repo.path())
        .args(["lint", ".", "--select", rules])
        .json();
    let fs = findings(&v);
    let p = one(&fs, "privileged-container");
    assert_eq!(p.1, "overlays/production/privileged-patch.yaml");
    assert!(p.3.get("suppressed").is_some(), "{fs:#?}");
    assert!(fs.iter().all(|f| f.0 != "unused-suppression"), "{fs:#?}");

    // Suppressed in one overlay only: the base finding is still reported (for the other), and
    // the suppression is not "unused".
    let repo = kustomize_copy("overlays/staging/kustomization.yaml", |t| {
        t.replace(
            "        name: web\n      spec:\n",
            "        name: web\n        annotations:\n          kubeward.io/ignore: \"host-pid: staging debug\"\n      spec:\n",
        )
    });
    let (_, _, v) = kubeward()
        .dir(repo.path())
        .args(["lint", ".", "--select", rules])
        .json();
    let fs = findings(&v);
    let pid = one(&fs, "host-pid");
    assert!(pid.3.get("suppressed").is_none(), "{fs:#?}");
    assert_eq!(pid.3["trace"]["overlays"].as_array().map(Vec::len), Some(2));
    assert!(fs.iter().all(|f| f.0 != "unused-suppression"), "{fs:#?}");
    let (_, _, v) = kubeward()
        .dir(repo.path())
        .args(["lint", "overlays/staging", "--select", rules])
        .json();
    let fs = findings(&v);
    assert!(
        one(&fs, "host-pid").3.get("suppressed").is_some(),
        "{fs:#?}"
    );
}

/// (rule, path, line, fingerprint) of every finding of `kubeward lint ARGS` run in `dir`.
fn identities(dir: &Path, args: &[&str], path: Option<&str>) -> Vec<(String, String, u64, String)> {
    let mut k = kubeward().dir(dir).args(["lint"]).args(args);
    if let Some(p) = path {
        k = k.env("PATH", p);
    }
    let (_, _, v) = k.json();
    findings(&v)
        .into_iter()
        .map(|(rule, path, line, f)| {
            let fp = f["fingerprint"].as_str().unwrap_or_default().to_owned();
            (rule, path, line, fp)
        })
        .collect()
}

#[test]
fn explicit_files_are_linted_as_the_repository_run_lints_them() {
    // pre-commit passes only the changed files: a patch is linted through its overlay, a base
    // through the overlays that use it, and the result (findings and fingerprints, cross-object
    // findings too) is the repository run's restricted to the files given.
    let repo = kustomize_copy("", str::to_owned);
    let patch = "overlays/production/privileged-patch.yaml";
    let base = "base/deployment.yaml";
    let empty = tempfile::tempdir().expect("tempdir");
    let no_renderer = empty.path().to_string_lossy().into_owned();
    let mut cases = vec![
        (vec!["--render", "never"], None),
        (vec![], Some(no_renderer.as_str())),
    ];
    if kustomize_renderer() {
        cases.push((vec![], None));
    }
    for (flags, path) in cases {
        let mut whole = vec!["."];
        whole.extend(&flags);
        let all = identities(repo.path(), &whole, path);
        assert!(all.iter().any(|f| f.1 == base), "{all:#?}");
        for given in [
            vec![patch],
            vec![base],
            vec![patch, base],
            vec!["overlays/production/kustomization.yaml"],
            vec!["base/kustomization.yaml", "base/service.yaml"],
        ] {
            let mut args = given.clone();
            args.extend(&flags);
            let expected: Vec<_> = all
                .iter()
                .filter(|f| given.contains(&f.1.as_str()))
                .cloned()
                .collect();
            assert_eq!(
                identities(repo.path(), &args, path),
                expected,
                "{given:?} {flags:?} (renderer: {})",
                path.is_none()
            );
        }
    }
    if kustomize_renderer() {
        // The 12-line patch: the one finding its overlay renders from it, no partial object.
        let fs = identities(repo.path(), &[patch], None);
        let rules: Vec<&str> = fs.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(rules, ["privileged-container"], "{fs:#?}");
    }
}
