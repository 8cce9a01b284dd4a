//! Files kubeward opens by name in the scanned tree — its configuration, the kustomizations that
//! give objects their namespace, ignore files — are read only as regular files of the
//! repository: a committed link to `/proc/self/environ`, `/dev/zero` or a file outside the
//! repository, or a FIFO, is never followed, never read whole and never quoted.

use std::time::Duration;

use crate::harness::{CANARY, CANARY_ENV, Scene, run_binary};

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  hostNetwork: true\n  containers:\n    - name: c\n      image: nginx:1.27\n";

/// A run with a short deadline (a hang fails the test) and the canary environment.
fn lint(scene: &Scene, args: &[&str]) -> crate::harness::Run {
    let mut all = vec!["lint", "--color", "never", "--render", "never"];
    all.extend(args);
    run_binary(&scene.repo, &all, &[], None, Duration::from_secs(30))
}

fn assert_no_canary(out: &crate::harness::Run) {
    let all = out.all();
    assert!(!all.contains(CANARY), "the canary was printed:\n{all}");
    for (_, v) in CANARY_ENV {
        assert!(!all.contains(v), "an environment value was printed:\n{all}");
    }
}

#[cfg(unix)]
#[test]
fn a_configuration_that_links_out_of_the_repository_is_refused_unread() {
    for target in ["/proc/self/environ", "OUTSIDE"] {
        let scene = Scene::new().git();
        scene.write("apps/pod.yaml", POD);
        let target = if target == "OUTSIDE" {
            scene.outside.join("etc/passwd").display().to_string()
        } else {
            target.to_owned()
        };
        scene.symlink(&target, ".kubeward.yaml");
        // Found by discovery, and given as --config (as the Action passes the checkout's file).
        for extra in [&[][..], &["--config", ".kubeward.yaml"][..]] {
            let mut args = extra.to_vec();
            args.push(".");
            let out = lint(&scene, &args);
            assert_no_canary(&out);
            assert_eq!(out.code, 2, "{target}: {}", out.stderr);
            assert!(
                out.stderr.contains("symbolic link out of the repository"),
                "{}",
                out.stderr
            );
        }
    }
}

#[cfg(unix)]
#[test]
fn a_configuration_that_links_inside_the_repository_is_read() {
    let scene = Scene::new().git();
    scene.write("apps/pod.yaml", POD);
    scene.write("config/kubeward.yaml", "rules:\n  ignore: [host-network]\n");
    scene.symlink("config/kubeward.yaml", ".kubeward.yaml");
    let out = lint(&scene, &["--format", "json", "."]);
    let json = out.json();
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(!rules.contains(&"host-network"), "{rules:?}");
    assert!(rules.contains(&"non-root-not-required"), "{rules:?}");
}

#[cfg(unix)]
#[test]
fn ignore_files_that_are_links_or_fifos_are_never_read() {
    let fifo = |scene: &Scene, rel: &str| {
        let ok = std::process::Command::new("mkfifo")
            .arg(scene.repo.join(rel))
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "mkfifo");
    };
    // (where the ignore file is, what it is)
    for (at, what) in [
        ("", "zero"),
        ("apps/", "zero"),
        ("apps/", "outside"),
        ("", "fifo"),
        ("apps/", "fifo"),
    ] {
        for name in [".gitignore", ".ignore"] {
            let scene = Scene::new().git();
            scene.write("apps/pod.yaml", POD);
            scene.write("other/pod.yaml", POD);
            let rel = format!("{at}{name}");
            match what {
                "zero" => {
                    scene.symlink("/dev/zero", &rel);
                }
                "outside" => {
                    scene.symlink(scene.outside.join("etc/passwd"), &rel);
                }
                _ => fifo(&scene, &rel),
            }
            let out = lint(&scene, &["--format", "json", "."]);
            assert_no_canary(&out);
            assert!(
                out.code == 0 || out.code == 1,
                "{rel} ({what}): exit {}\n{}",
                out.code,
                out.stderr
            );
            let kb = out.peak_rss_kb.unwrap_or(0);
            assert!(kb < 300_000, "{rel} ({what}): {kb} kB");
            let json = out.json();
            // Nothing is hidden by an ignore file that was not read: both pods are linted, and
            // the summary says why the rules were not honoured.
            assert_eq!(
                json["summary"]["files_linted"], 2,
                "{rel} ({what}): {json:#}"
            );
            assert!(
                out.stderr
                    .contains("was not read, and the directory was linted without"),
                "{rel} ({what}): {}",
                out.stderr
            );
        }
    }
}

#[cfg(unix)]
#[test]
fn a_kustomization_that_is_a_fifo_or_links_out_is_never_opened() {
    let scene = Scene::new().git();
    scene.write("a/pod.yaml", POD);
    let ok = std::process::Command::new("mkfifo")
        .arg(scene.repo.join("a/kustomization.yaml"))
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "mkfifo");
    scene.write("b/pod.yaml", POD);
    scene.write(
        "outside-kustomization.yaml",
        format!("namespace: {CANARY}\nresources: [pod.yaml]\n"),
    );
    std::fs::rename(
        scene.repo.join("outside-kustomization.yaml"),
        scene.outside.join("kustomization.yaml"),
    )
    .expect("move out");
    scene.symlink(
        scene.outside.join("kustomization.yaml"),
        "b/kustomization.yaml",
    );
    // Explicit files (pre-commit) and the whole tree; both read kustomizations for namespaces.
    for args in [
        &["--format", "json", "a/pod.yaml", "b/pod.yaml"][..],
        &["--format", "json", "."][..],
    ] {
        let out = lint(&scene, args);
        assert_no_canary(&out);
        assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    }
}
