//! Discovery cannot be turned into a blind spot (SECURITY.md, "No blind spot an attacker can
//! create"): what ignore files and hidden names leave out is counted with the flag that lints
//! it, a manifest git tracks that an ignore file hides is named and is an `ignored-manifest`
//! finding, and `--new-from-rev` cannot be read by git as an option.

use crate::harness::{CANARY, Scene, has_finding};

const PRIVILEGED: &str = "apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
    - name: web
      image: nginx:1.27
      securityContext: {privileged: true}
";

/// The skipped paths of a JSON report, as `(path, reason)`.
fn skipped(json: &serde_json::Value) -> Vec<(String, String)> {
    json["summary"]["skipped_paths"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p["path"].as_str().unwrap_or_default().to_owned(),
                p["reason"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn notices(json: &serde_json::Value) -> Vec<String> {
    json["summary"]["notices"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n.as_str().map(str::to_owned))
        .collect()
}

/// A repository whose manifests are committed; then a pull request adds `ignore_file` with
/// `deploy/` in it (committed too, as on a pull request's checkout).
fn hidden_by(ignore_file: &str) -> Scene {
    let scene = Scene::new();
    scene.write("deploy/pod.yaml", PRIVILEGED);
    scene.write("deploy/nested/more.yaml", PRIVILEGED);
    scene.write("README.md", "docs\n");
    let scene = scene.git();
    scene.write(ignore_file, "# build output\ndeploy/\n");
    scene.commit("ignore build output");
    scene
}

#[test]
fn an_ignore_file_that_hides_tracked_manifests_fails_the_gate_and_names_them() {
    for ignore_file in [".ignore", ".gitignore"] {
        let scene = hidden_by(ignore_file);
        let out = scene.every_output(&["."], &[]);
        scene.assert_untouched(&out);
        // The gate does not pass: the finding points at the line that hides them.
        assert_eq!(out.code(), 1, "{}", out.of("human").stderr);
        let json = out.of("json").json();
        for manifest in ["deploy/pod.yaml", "deploy/nested/more.yaml"] {
            let f = json["findings"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| {
                    f["rule"] == "ignored-manifest"
                        && f["message"].as_str().unwrap().contains(manifest)
                })
                .unwrap_or_else(|| panic!("no ignored-manifest for {manifest}: {json:#}"));
            assert_eq!(f["path"], ignore_file);
            assert_eq!(f["line"], 2);
            assert_eq!(f["severity"], "high");
        }
        // The summary counts what was left out, with the flag that lints it, and names the
        // tracked manifests; so does the JSON summary.
        for manifest in ["deploy/pod.yaml", "deploy/nested/more.yaml"] {
            assert!(
                skipped(&json)
                    .iter()
                    .any(|(p, why)| p == manifest && why.contains("--no-ignore")),
                "{:?}",
                skipped(&json)
            );
        }
        let notes = notices(&json).join("\n");
        assert!(
            notes.contains("deploy/pod.yaml") && notes.contains("deploy/nested/more.yaml"),
            "{notes}"
        );
        let human = &out.of("human").stderr;
        assert!(human.contains("--no-ignore"), "{human}");
        assert!(human.contains("deploy/nested/more.yaml"), "{human}");
        assert!(
            out.step_summary.contains("deploy/pod.yaml"),
            "{}",
            out.step_summary
        );
        // `--no-ignore` lints them.
        let all = scene.run(&["lint", ".", "--no-ignore", "--format", "json"]);
        let all = all.json();
        assert!(has_finding(
            &all,
            "privileged-container",
            "deploy/pod.yaml",
            None
        ));
        assert!(!has_finding(&all, "ignored-manifest", "", None));
    }
}

#[test]
fn ignored_and_hidden_paths_are_counted_and_listed_with_the_flag_that_lints_them() {
    // Not a git repository: ignore files are honoured all the same, nothing is tracked.
    let scene = Scene::new();
    scene.write("app/pod.yaml", PRIVILEGED);
    scene.write(".ignore", "build/\nscratch.yaml\n");
    scene.write("build/rendered.yaml", PRIVILEGED);
    scene.write("scratch.yaml", PRIVILEGED);
    scene.write("notes.txt.bak", "not a manifest\n");
    scene.write(".deploy/pod.yaml", PRIVILEGED);
    let out = scene.run(&["lint", ".", "--format", "json", "--verbose"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let json = out.json();
    let skipped = skipped(&json);
    let reason = |p: &str| {
        skipped
            .iter()
            .find(|(q, _)| q == p)
            .map(|(_, why)| why.clone())
            .unwrap_or_else(|| panic!("{p} is not among the skipped paths: {skipped:?}"))
    };
    assert!(reason("build/").contains("--no-ignore"));
    assert!(reason("scratch.yaml").contains("--no-ignore"));
    assert!(reason(".deploy/").contains("--hidden"));
    // What would be skipped anyway (not a manifest) and the ignore file itself are not counted
    // twice; the accounting adds up.
    let s = &json["summary"];
    let counted: u64 = s["files_skipped"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(counted as usize, skipped.len(), "{s:#}");
    // Untracked files are counted, not findings.
    assert!(!has_finding(&json, "ignored-manifest", "", None));
    // The human summary says how many and which flag lints them; --verbose lists them.
    for line in [
        "skipped build/: ignored by .gitignore or .ignore (--no-ignore lints it)",
        "skipped .deploy/: hidden (--hidden lints it)",
        "2 ignored by .gitignore or .ignore (--no-ignore lints it)",
        "1 hidden (--hidden lints it)",
    ] {
        assert!(
            out.stderr.contains(line),
            "{line:?} not in:\n{}",
            out.stderr
        );
    }
    // The flags lint them.
    let all = scene.run(&["lint", ".", "--format", "json", "--no-ignore", "--hidden"]);
    let all = all.json();
    for p in ["build/rendered.yaml", "scratch.yaml", ".deploy/pod.yaml"] {
        assert!(has_finding(&all, "privileged-container", p, None), "{p}");
    }
}

#[test]
fn ignored_tracked_manifests_are_found_when_a_subdirectory_is_linted() {
    let scene = Scene::new();
    scene.write("clusters/prod/app.yaml", PRIVILEGED);
    let scene = scene.git();
    scene.write("clusters/.gitignore", "prod/app.yaml\n");
    scene.commit("hide it");
    let out = scene.run(&["lint", "clusters", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let json = out.json();
    assert!(
        has_finding(&json, "ignored-manifest", "clusters/.gitignore", Some(1)),
        "{json:#}"
    );
}

/// The git query discovery runs in a scanned tree cannot be made to run a program by the
/// tree's own git configuration (an unpacked archive can hold a `.git/config`).
#[test]
fn the_repository_configuration_cannot_make_discovery_run_a_program() {
    let scene = Scene::new();
    scene.write("deploy/pod.yaml", PRIVILEGED);
    let scene = scene.git();
    scene.write(".ignore", "deploy/\n");
    scene.commit("hide");
    let touch = scene.touch_marker();
    for (key, value) in [
        ("core.fsmonitor", touch.as_str()),
        ("core.pager", touch.as_str()),
        ("diff.external", touch.as_str()),
    ] {
        scene.git_cmd(&["config", key, value]);
    }
    let out = scene.every_output(&["."], &[]);
    scene.assert_untouched(&out);
    assert!(has_finding(
        &out.of("json").json(),
        "ignored-manifest",
        ".ignore",
        Some(1)
    ));
}

#[test]
fn a_revision_that_looks_like_an_option_is_refused() {
    let scene = Scene::new();
    scene.write("pod.yaml", PRIVILEGED);
    let scene = scene.git();
    let written = scene.outside.join("written-by-git");
    for rev in [
        format!("--output={}", written.display()),
        "-p".to_owned(),
        format!("--output={CANARY}"),
    ] {
        // The form an attacker-written workflow input would take: one argument.
        let joined = format!("--new-from-rev={rev}");
        let out = scene.run(&["lint", ".", &joined]);
        assert_eq!(out.code, 2, "{joined}: {}", out.stderr);
        assert!(
            out.stderr.contains("cannot start with `-`"),
            "{}",
            out.stderr
        );
        // As two arguments, clap already refuses a value that looks like an option.
        let out = scene.run(&["lint", ".", "--new-from-rev", &rev]);
        assert_eq!(out.code, 2, "{rev}: {}", out.stderr);
        assert!(!written.exists(), "git wrote {}", written.display());
    }
    // An ordinary revision still works (and is passed after --end-of-options).
    scene.write("pod.yaml", PRIVILEGED.replace("web", "api"));
    let out = scene.run(&["lint", ".", "--new-from-rev", "HEAD", "--format", "json"]);
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
}
