//! Rendering never executes, fetches or reads outside the repository (SECURITY.md, "What
//! kubeward runs"): overlays and charts a pull request could commit, rendered with the real
//! kustomize (kubectl) and helm where they are installed, or with stand-in renderers that record
//! what they were given.

use std::path::{Path, PathBuf};

use crate::harness::{self, CANARY, Scene, has_finding};

/// A privileged Pod, whose finding shows where it was traced to.
const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: nginx:1.27\n      securityContext:\n        privileged: true\n";

/// A lower-case form of the canary that can be an object name (the search is case-insensitive).
fn canary_name() -> String {
    CANARY.to_lowercase()
}

/// An overlay `overlay/` of `scene` with `pod.yaml` and this kustomization.
fn overlay(scene: &Scene, kustomization: &str) {
    scene.write("overlay/pod.yaml", POD);
    scene.write("overlay/kustomization.yaml", kustomization);
}

/// Every output of `lint .`, checked for the canaries; the JSON report.
fn lint_untouched(scene: &Scene, extra: &[&str]) -> serde_json::Value {
    let outputs = scene.every_output(&["."], extra);
    scene.assert_untouched(&outputs);
    outputs.of("json").json()
}

/// The raw resources of a refused overlay are linted as without a renderer.
fn raw_pod_is_linted(json: &serde_json::Value) {
    assert!(
        has_finding(json, "privileged-container", "overlay/pod.yaml", Some(10)),
        "the refused overlay's raw resources are linted:\n{json:#}"
    );
}

/// Kustomizations that name remote locations: with the old build, kustomize ran `git fetch`
/// with the attacker's `--upload-pack` (the marker) and fetched URLs from the canary server
/// (a hit, and its body in the report).
#[test]
fn remote_references_are_never_fetched_or_run() {
    if harness::kustomize().is_none() {
        return;
    }
    let b64 = |s: &str| {
        // `!!binary` hides the URL from a reader that does not decode it.
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for c in s.as_bytes().chunks(3) {
            let n = c.iter().fold(0u32, |n, b| n << 8 | u32::from(*b)) << (8 * (3 - c.len()));
            for i in 0..=c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
        while !out.len().is_multiple_of(4) {
            out.push('=');
        }
        out
    };
    type Case<'a> = (&'a str, Box<dyn Fn(&Scene) -> String>, u64);
    let cases: Vec<Case<'_>> = vec![
        (
            "git ?ref= as an option",
            Box::new(|s: &Scene| {
                format!(
                    "resources:\n  - pod.yaml\n  - \"file:///x?ref=--upload-pack=sh -c '{}'\"\n",
                    s.touch_marker()
                )
            }),
            3,
        ),
        (
            "http resource",
            Box::new(|s: &Scene| format!("resources:\n  - pod.yaml\n  - {}/x.yaml\n", s.url())),
            3,
        ),
        (
            "key in another case",
            Box::new(|s: &Scene| format!("Resources:\n  - pod.yaml\n  - {}/x.yaml\n", s.url())),
            3,
        ),
        (
            "!!binary url",
            Box::new(move |s: &Scene| {
                format!(
                    "resources:\n  - pod.yaml\n  - !!binary {}\n",
                    b64(&format!("{}/x.yaml", s.url()))
                )
            }),
            3,
        ),
        (
            "one-line inline generator fetching a URL",
            Box::new(|s: &Scene| {
                format!(
                    "resources:\n  - pod.yaml\ngenerators:\n  - \"{{apiVersion: builtin, kind: ConfigMapGenerator, metadata: {{name: x}}, files: [{}/k]}}\"\n",
                    s.url()
                )
            }),
            4,
        ),
        (
            "ssh to the canary port",
            Box::new(|s: &Scene| {
                format!(
                    "resources:\n  - pod.yaml\n  - ssh://git@{}/x/y?ref=main\n",
                    s.url().trim_start_matches("http://")
                )
            }),
            3,
        ),
    ];
    for (what, kustomization, line) in cases {
        let scene = Scene::new();
        overlay(&scene, &kustomization(&scene));
        let json = lint_untouched(&scene, &[]);
        assert!(
            has_finding(
                &json,
                "unsafe-render-input",
                "overlay/kustomization.yaml",
                Some(line)
            ),
            "{what}: no unsafe-render-input at line {line}:\n{json:#}"
        );
        raw_pod_is_linted(&json);
    }
}

/// A remote base two kustomizations down is found, and the finding points into the base.
#[test]
fn a_remote_reference_in_a_base_makes_the_overlay_unsafe() {
    if harness::kustomize().is_none() {
        return;
    }
    let scene = Scene::new();
    scene.write(
        "base/kustomization.yaml",
        format!("resources:\n  - ../common\n  - {}/base.yaml\n", scene.url()),
    );
    scene.write("common/kustomization.yaml", "resources: [cm.yaml]\n");
    scene.write(
        "common/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
    );
    overlay(&scene, "resources:\n  - pod.yaml\n  - ../base\n");
    let json = lint_untouched(&scene, &[]);
    assert!(
        has_finding(
            &json,
            "unsafe-render-input",
            "base/kustomization.yaml",
            Some(3)
        ),
        "{json:#}"
    );
    raw_pod_is_linted(&json);
}

/// Generator files outside the repository: with the old build (`LoadRestrictionsNone`) the file
/// went into a ConfigMap and, through `replacements`, into an image that every format printed.
#[test]
fn generator_files_are_never_read_outside_the_repository() {
    if harness::kustomize().is_none() {
        return;
    }
    let leak = |files: &str| {
        format!(
            "resources:\n  - pod.yaml\nconfigMapGenerator:\n  - name: leak\n    files:\n      - {files}\nreplacements:\n  - source: {{kind: ConfigMap, name: leak, fieldPath: data.passwd}}\n    targets:\n      - select: {{kind: Pod}}\n        fieldPaths: [spec.containers.0.image]\n"
        )
    };
    let scene = Scene::new();
    let abs = format!("passwd={}", scene.outside.join("etc/passwd").display());
    overlay(&scene, &leak(&abs));
    let json = lint_untouched(&scene, &[]);
    assert!(
        has_finding(
            &json,
            "unsafe-render-input",
            "overlay/kustomization.yaml",
            Some(6)
        ),
        "{json:#}"
    );
    raw_pod_is_linted(&json);

    let scene = Scene::new();
    overlay(&scene, &leak("passwd=../../outside/etc/passwd"));
    let json = lint_untouched(&scene, &[]);
    assert!(
        has_finding(
            &json,
            "unsafe-render-input",
            "overlay/kustomization.yaml",
            Some(6)
        ),
        "{json:#}"
    );

    let scene = Scene::new();
    overlay(&scene, &leak(&format!("passwd={}/", scene.url())));
    let json = lint_untouched(&scene, &[]);
    assert!(
        has_finding(
            &json,
            "unsafe-render-input",
            "overlay/kustomization.yaml",
            Some(6)
        ),
        "{json:#}"
    );
}

/// Links out of the repository: a kustomization file, a base directory and a resource file.
/// The old build rendered each (it read the kustomization through the link although
/// `--verbose` said it was skipped).
#[cfg(unix)]
#[test]
fn links_out_of_the_repository_are_never_rendered() {
    if harness::kustomize().is_none() {
        return;
    }
    let name = canary_name();
    // The kustomization file itself.
    let scene = Scene::new();
    let outside_k = scene.outside.join("k/kustomization.yaml");
    std::fs::create_dir_all(outside_k.parent().unwrap()).unwrap();
    std::fs::write(
        &outside_k,
        format!("namePrefix: {name}-\nresources: [pod.yaml]\n"),
    )
    .unwrap();
    scene.write("overlay/pod.yaml", POD);
    scene.symlink(&outside_k, "overlay/kustomization.yaml");
    let json = lint_untouched(&scene, &[]);
    assert!(
        has_finding(
            &json,
            "unsafe-render-input",
            "overlay/kustomization.yaml",
            Some(1)
        ),
        "{json:#}"
    );
    raw_pod_is_linted(&json);

    // A base directory.
    let scene = Scene::new();
    let base = scene.outside.join("base");
    std::fs::create_dir_all(&base).unwrap();
    std::fs::write(base.join("kustomization.yaml"), "resources: [pod.yaml]\n").unwrap();
    std::fs::write(
        base.join("pod.yaml"),
        POD.replace("name: web\nspec", &format!("name: {name}\nspec")),
    )
    .unwrap();
    scene.symlink(&base, "linked");
    overlay(&scene, "resources:\n  - pod.yaml\n  - ../linked\n");
    let json = lint_untouched(&scene, &[]);
    assert!(
        has_finding(
            &json,
            "unsafe-render-input",
            "overlay/kustomization.yaml",
            Some(3)
        ),
        "{json:#}"
    );

    // A resource file.
    let scene = Scene::new();
    let pod = scene.outside.join("pod.yaml");
    std::fs::write(
        &pod,
        POD.replace("name: web\nspec", &format!("name: {name}\nspec")),
    )
    .unwrap();
    scene.symlink(&pod, "overlay/leak.yaml");
    overlay(&scene, "resources:\n  - pod.yaml\n  - leak.yaml\n");
    let json = lint_untouched(&scene, &[]);
    assert!(
        has_finding(
            &json,
            "unsafe-render-input",
            "overlay/kustomization.yaml",
            Some(3)
        ),
        "{json:#}"
    );
}

/// A FIFO named by an overlay: kustomize would block reading it until the time limit (the old
/// build waited 120 s, then passed the gate with a note).
#[cfg(unix)]
#[test]
fn a_fifo_in_an_overlay_is_refused() {
    if harness::kustomize().is_none() {
        return;
    }
    let scene = Scene::new();
    overlay(&scene, "resources:\n  - pod.yaml\n  - fifo.yaml\n");
    let made = std::process::Command::new("mkfifo")
        .arg(scene.repo.join("overlay/fifo.yaml"))
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!("note: mkfifo failed; skipping this test");
        return;
    }
    let json = lint_untouched(&scene, &[]);
    assert!(
        has_finding(
            &json,
            "unsafe-render-input",
            "overlay/kustomization.yaml",
            Some(3)
        ),
        "{json:#}"
    );
    raw_pod_is_linted(&json);
}

/// Helm charts and plugins inside a kustomization run programs: refused, located.
#[test]
fn plugins_and_helm_charts_in_kustomizations_are_refused() {
    if harness::kustomize().is_none() {
        return;
    }
    let scene = Scene::new();
    overlay(
        &scene,
        &format!(
            "resources: [pod.yaml]\nhelmCharts:\n  - name: x\n    repo: {}\n    version: 1.0.0\n",
            scene.url()
        ),
    );
    let json = lint_untouched(&scene, &[]);
    assert!(
        has_finding(
            &json,
            "unsafe-render-input",
            "overlay/kustomization.yaml",
            Some(2)
        ),
        "{json:#}"
    );
    let scene = Scene::new();
    scene.write(
        "overlay/plugin.yaml",
        format!(
            "apiVersion: example.com/v1\nkind: Run\nmetadata:\n  name: x\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: /bin/sh\n        args: [-c, \"{}\"]\n",
            scene.touch_marker()
        ),
    );
    overlay(
        &scene,
        "resources: [pod.yaml]\ntransformers: [plugin.yaml]\n",
    );
    let json = lint_untouched(&scene, &[]);
    for line in [1, 6] {
        assert!(
            has_finding(
                &json,
                "unsafe-render-input",
                "overlay/plugin.yaml",
                Some(line)
            ),
            "line {line}: {json:#}"
        );
    }
    raw_pod_is_linted(&json);
}

/// A chart with a link leaving it (in a subchart too): the old build's helm followed it and
/// the outside Pod was linted and named in every format.
#[cfg(unix)]
#[test]
fn charts_with_links_out_are_not_rendered() {
    let Some(helm) = harness::helm() else { return };
    let helm = helm.to_string_lossy().into_owned();
    let name = canary_name();
    for link in [
        "chart/templates/leak.yaml",
        "chart/charts/sub/templates/leak.yaml",
    ] {
        let scene = Scene::new();
        let pod = scene.outside.join("pod.yaml");
        std::fs::write(
            &pod,
            POD.replace("name: web\nspec", &format!("name: {name}\nspec")),
        )
        .unwrap();
        scene.write(
            "chart/Chart.yaml",
            "apiVersion: v2\nname: chart\nversion: 1.0.0\n",
        );
        scene.write("chart/templates/pod.yaml", POD);
        if link.contains("/sub/") {
            scene.write(
                "chart/charts/sub/Chart.yaml",
                "apiVersion: v2\nname: sub\nversion: 1.0.0\n",
            );
        }
        scene.symlink(&pod, link);
        let json = lint_untouched(&scene, &["--helm", &helm]);
        assert!(
            has_finding(&json, "unsafe-render-input", "chart/Chart.yaml", Some(2)),
            "{link}: {json:#}"
        );
    }
}

/// A FIFO in a chart: helm 3.17 refuses it, and the old build only said so in a note (exit 0,
/// the gate passed on a chart it never saw); it is refused before helm runs, with a finding.
#[cfg(unix)]
#[test]
fn charts_with_a_fifo_are_not_rendered() {
    let Some(helm) = harness::helm() else { return };
    let helm = helm.to_string_lossy().into_owned();
    let scene = Scene::new();
    scene.write(
        "chart/Chart.yaml",
        "apiVersion: v2\nname: chart\nversion: 1.0.0\n",
    );
    scene.write("chart/templates/pod.yaml", POD);
    let fifo = scene.repo.join("chart/templates/fifo.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!("note: mkfifo failed; skipping this test");
        return;
    }
    let json = lint_untouched(&scene, &["--helm", &helm]);
    assert!(
        has_finding(&json, "unsafe-render-input", "chart/Chart.yaml", Some(2)),
        "{json:#}"
    );
}

/// `values.schema.json` `$ref`s: helm 3.17 fetches them (any URL) unless told not to validate.
/// Unvendored dependencies are never fetched either.
#[test]
fn charts_reach_no_network() {
    let Some(helm) = harness::helm() else { return };
    let helm = helm.to_string_lossy().into_owned();
    let scene = Scene::new();
    scene.write(
        "chart/Chart.yaml",
        "apiVersion: v2\nname: chart\nversion: 1.0.0\n",
    );
    scene.write("chart/values.yaml", "x: 1\n");
    scene.write("chart/templates/pod.yaml", POD);
    scene.write(
        "chart/values.schema.json",
        format!(
            "{{\"type\": \"object\", \"properties\": {{\"x\": {{\"$ref\": \"{}/schema.json\"}}}}}}",
            scene.url()
        ),
    );
    let json = lint_untouched(&scene, &["--helm", &helm]);
    assert!(
        has_finding(
            &json,
            "privileged-container",
            "chart/templates/pod.yaml",
            None
        ),
        "the chart is rendered: {json:#}"
    );

    // Dependencies that are not vendored: `helm template` never fetches them; the chart is not
    // rendered, and that is a finding (the old build only said so in a note and passed).
    let scene = Scene::new();
    scene.write(
        "chart/Chart.yaml",
        format!(
            "apiVersion: v2\nname: chart\nversion: 1.0.0\ndependencies:\n  - name: dep\n    version: 1.0.0\n    repository: {}/charts\n",
            scene.url()
        ),
    );
    scene.write("chart/templates/pod.yaml", POD);
    let json = lint_untouched(&scene, &["--helm", &helm]);
    assert!(
        has_finding(&json, "render-error", "chart/Chart.yaml", Some(2)),
        "{json:#}"
    );
}

/// Write an executable script outside the repository.
#[cfg(unix)]
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

/// Stand-in renderers record their environment, arguments and standard input: nothing of the
/// CI environment reaches them, kustomize keeps its default load restrictions, git transports
/// are off, and helm is told not to fetch schemas.
#[cfg(unix)]
#[test]
fn renderers_run_with_a_cleared_environment() {
    let tools = tempfile::tempdir().unwrap();
    let record = tools.path().join("record");
    std::fs::create_dir_all(&record).unwrap();
    let body = |tag: &str| {
        format!(
            "env > {r}/{tag}.env\necho \"$@\" > {r}/{tag}.args\ncat > {r}/{tag}.stdin\necho 'apiVersion: v1'\necho 'kind: ConfigMap'\necho 'metadata: {{name: x}}'\n",
            r = record.display()
        )
    };
    let bin = tools.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    script(&bin, "kustomize", &body("kustomize"));
    let helm = script(tools.path(), "helm", &body("helm"));
    let scene = Scene::new();
    overlay(&scene, "resources: [pod.yaml]\n");
    scene.write(
        "chart/Chart.yaml",
        "apiVersion: v2\nname: chart\nversion: 1.0.0\n",
    );
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = scene.run_with(
        &[
            "lint",
            ".",
            "--format",
            "json",
            "--helm",
            &helm.to_string_lossy(),
        ],
        &[
            ("PATH", path.as_str()),
            ("HOME", &scene.outside.to_string_lossy()),
        ],
        Some(b"STDIN-IS-NOT-FOR-RENDERERS"),
    );
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    for tag in ["kustomize", "helm"] {
        let env = std::fs::read_to_string(record.join(format!("{tag}.env")))
            .unwrap_or_else(|e| panic!("{tag} did not run ({e}): {}", run.stderr));
        assert!(!env.contains(CANARY), "{tag} saw the canary:\n{env}");
        for var in [
            "GITHUB_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "ACTIONS_RUNTIME_TOKEN",
        ] {
            assert!(!env.contains(&format!("{var}=")), "{tag} saw {var}");
        }
        let home = env
            .lines()
            .find_map(|l| l.strip_prefix("HOME="))
            .expect("HOME");
        assert!(
            !Path::new(home).starts_with(&scene.outside) && home.contains("kubeward-"),
            "{tag}: HOME={home}"
        );
        for want in [
            "GIT_ALLOW_PROTOCOL=none",
            "GIT_CONFIG_NOSYSTEM=1",
            "GIT_CONFIG_GLOBAL=/dev/null",
            "GIT_TERMINAL_PROMPT=0",
            "KUBECONFIG=",
            "HELM_CACHE_HOME=",
        ] {
            assert!(env.contains(want), "{tag}: no {want}:\n{env}");
        }
        let stdin = std::fs::read_to_string(record.join(format!("{tag}.stdin"))).unwrap();
        assert!(stdin.is_empty(), "{tag} read kubeward's stdin: {stdin}");
    }
    let args = std::fs::read_to_string(record.join("kustomize.args")).unwrap();
    assert!(
        args.contains("--load-restrictor LoadRestrictionsRootOnly") && !args.contains("None"),
        "{args}"
    );
    let args = std::fs::read_to_string(record.join("helm.args")).unwrap();
    assert!(args.contains("--skip-schema-validation"), "{args}");
}

/// A relative `PATH` entry would make a program of the scanned repository the renderer.
#[cfg(unix)]
#[test]
fn a_relative_path_entry_never_runs_a_program_of_the_repository() {
    let scene = Scene::new();
    overlay(&scene, "resources: [pod.yaml]\n");
    script(
        &scene.repo,
        "kustomize",
        &format!("{}\n", scene.touch_marker()),
    );
    script(&scene.repo, "helm", &format!("{}\n", scene.touch_marker()));
    scene.write(
        "chart/Chart.yaml",
        "apiVersion: v2\nname: chart\nversion: 1.0.0\n",
    );
    let path = format!(".:{}", std::env::var("PATH").unwrap_or_default());
    let run = scene.run_with(
        &["lint", ".", "--format", "json"],
        &[("PATH", path.as_str())],
        None,
    );
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    assert!(!scene.marker.exists(), "a program of the repository ran");
}

/// A renderer that hangs or prints without end is stopped at the limits (flags or the
/// configuration), and each is a high `render-error` finding that fails the gate.
#[cfg(unix)]
#[test]
fn renders_past_their_time_or_output_are_stopped_and_reported() {
    let tools = tempfile::tempdir().unwrap();
    let sleeper = script(tools.path(), "helm-sleeps", "sleep 100\n");
    let talker = script(tools.path(), "helm-talks", "exec yes 'apiVersion: v1'\n");
    for (helm, extra, says) in [
        (
            &sleeper,
            vec!["--render-timeout", "1"],
            "did not finish within 1 s",
        ),
        (
            &talker,
            vec!["--render-max-output", "1MB"],
            "printed more than 1 MB",
        ),
        (&sleeper, vec![], "did not finish within 2 s"),
    ] {
        let scene = Scene::new();
        scene.write(
            "chart/Chart.yaml",
            "apiVersion: v2\nname: chart\nversion: 1.0.0\n",
        );
        if extra.is_empty() {
            scene.write(".kubeward.yaml", "render-timeout: 2\n");
        }
        let mut args = vec!["lint", ".", "--format", "json", "--helm"];
        let h = helm.to_string_lossy().into_owned();
        args.push(&h);
        args.extend(extra.iter().copied());
        let run = scene.run(&args);
        assert_eq!(run.code, 1, "the gate fails: {}", run.stderr);
        let json = run.json();
        assert!(
            has_finding(&json, "render-error", "chart/Chart.yaml", Some(2)),
            "{json:#}"
        );
        assert!(run.stdout.contains(says), "{says}: {}", run.stdout);
        if let Some(kb) = run.peak_rss_kb {
            assert!(
                kb < 256 * 1024,
                "peak RSS {kb} kB: the output was read past the cap"
            );
        }
    }
}
