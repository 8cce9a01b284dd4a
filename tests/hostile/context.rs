//! Context is bounded (SECURITY.md, "Cost is linear in the input"): explicit files outside a git
//! repository take the files beside them only, within a cap, and the summary says so; a walk
//! over the cap gives no context rather than a partial one.

use crate::harness::{Scene, has_finding};

const POD: &str = "apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers: [{name: web, image: nginx:1.27}]
";

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n";

/// `N files read as context` of the human summary (0 when it says nothing).
fn context_count(stderr: &str) -> usize {
    stderr
        .split(" + ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[test]
fn an_explicit_file_outside_git_takes_only_the_files_beside_it() {
    let scene = Scene::new();
    scene.write("app/given.yaml", POD);
    scene.write("app/netpol.yaml", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n");
    // The surrounding tree: subdirectories of the file's directory, and a sibling tree.
    for i in 0..200 {
        scene.write(&format!("app/sub/deep/{i}.yaml"), CM);
        scene.write(&format!("other/{i}.yaml"), CM);
    }
    let out = scene.run(&["lint", "app/given.yaml", "--color", "never"]);
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    assert_eq!(context_count(&out.stderr), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("outside a git repository"),
        "{}",
        out.stderr
    );
    // The file beside it is context: its NetworkPolicy covers the pod.
    let json = scene
        .run(&["lint", "app/given.yaml", "--format", "json"])
        .json();
    assert!(
        !has_finding(&json, "missing-network-policy", "app/given.yaml", None),
        "{json:#}"
    );
    // Two files in two directories: each takes its own directory, not their common ancestor.
    scene.write("other/given.yaml", POD);
    let out = scene.run(&[
        "lint",
        "app/given.yaml",
        "other/given.yaml",
        "--color",
        "never",
    ]);
    assert_eq!(context_count(&out.stderr), 201, "{}", out.stderr);
}

#[test]
fn a_directory_over_the_cap_gives_no_context_and_the_summary_says_so() {
    let scene = Scene::new();
    scene.write("tmp/given.yaml", POD);
    for i in 0..1_000 {
        scene.write(&format!("tmp/{i}.yaml"), CM);
    }
    let out = scene.run(&["lint", "tmp/given.yaml", "--color", "never"]);
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    assert_eq!(context_count(&out.stderr), 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("more than 1000 files"),
        "{}",
        out.stderr
    );
    // The JSON summary carries the same note.
    let json = scene
        .run(&["lint", "tmp/given.yaml", "--format", "json"])
        .json();
    let notes = json["summary"]["notices"].to_string();
    assert!(notes.contains("more than 1000 files"), "{notes}");
}

#[test]
fn a_file_in_a_git_repository_takes_the_repository_without_leaving_it() {
    let scene = Scene::new();
    scene.write("app/given.yaml", POD);
    scene.write("other/cm.yaml", CM);
    // A symbolic link to a directory outside is not followed into.
    #[cfg(unix)]
    scene.symlink(&scene.outside, "outside-link");
    let scene = scene.git();
    let out = scene.run(&["lint", "app/given.yaml", "--color", "never", "--verbose"]);
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    assert_eq!(context_count(&out.stderr), 1, "{}", out.stderr);
    assert!(
        !out.stderr.contains("outside a git repository"),
        "{}",
        out.stderr
    );
}
