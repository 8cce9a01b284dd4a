//! Rendered metadata is data, not a path (SECURITY.md, "What kubeward reads"): `# Source:`
//! comments and Kustomize origin annotations are followed only to regular files inside the
//! repository; anything else keeps the finding at its rendered position. The old build showed
//! the outside file in the snippet of the finding.

use crate::harness::{self, Scene, has_finding};

/// A privileged Pod named `name`.
fn pod(name: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  containers:\n    - name: web\n      image: nginx:1.27\n      securityContext:\n        privileged: true\n"
    )
}

#[cfg(unix)]
#[test]
fn source_comments_are_followed_only_inside_the_repository() {
    let scene = Scene::new();
    let passwd = scene.outside.join("etc/passwd");
    scene.write(
        "chart/Chart.yaml",
        "apiVersion: v2\nname: chart\nversion: 1.0.0\n",
    );
    scene.symlink(&passwd, "chart/templates/link.yaml");
    let sources = [
        // An absolute path after the chart name.
        format!("chart/{}", passwd.display()),
        // Climbing out of the chart and the repository.
        "chart/../../outside/etc/passwd".to_owned(),
        "x/../../outside/etc/passwd".to_owned(),
        // A template that is a link out of the repository.
        "chart/templates/link.yaml".to_owned(),
    ];
    let mut stream = String::new();
    for (i, s) in sources.iter().enumerate() {
        stream.push_str(&format!("---\n# Source: {s}\n{}", pod(&format!("p{i}"))));
    }
    scene.write("rendered/all.yaml", &stream);
    let outputs = scene.every_output(&["."], &["--render", "never"]);
    scene.assert_untouched(&outputs);
    let json = outputs.of("json").json();
    // Each finding stays at its rendered position.
    for i in 0..sources.len() {
        let line = 12 * i as u64 + 12;
        assert!(
            has_finding(
                &json,
                "privileged-container",
                "rendered/all.yaml",
                Some(line)
            ),
            "document {i} (line {line}):\n{json:#}"
        );
    }

    // The same stream on standard input.
    let run = scene.run_with(
        &[
            "lint",
            "-",
            "--color",
            "never",
            "--select",
            "privileged-container",
        ],
        &[],
        Some(stream.as_bytes()),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        !run.all()
            .to_lowercase()
            .contains(&harness::CANARY.to_lowercase()),
        "{}",
        run.all()
    );
}

#[test]
fn origin_annotations_are_followed_only_inside_the_repository() {
    if harness::kustomize().is_none() {
        return;
    }
    let scene = Scene::new();
    let passwd = scene.outside.join("etc/passwd");
    // Relative paths are read from kubeward's scratch directory: enough `..` reach `/`.
    let climb = format!(
        "{}{}",
        "../".repeat(40),
        passwd.display().to_string().trim_start_matches('/')
    );
    let forged = [
        format!("path: {}", passwd.display()),
        format!("path: {climb}"),
        format!(
            "configuredIn: {climb}\nconfiguredBy: {{apiVersion: builtin, kind: ConfigMapGenerator}}"
        ),
    ];
    let mut resources = String::new();
    let mut patches = String::new();
    for (i, origin) in forged.iter().enumerate() {
        scene.write(&format!("overlay/p{i}.yaml"), pod(&format!("p{i}")));
        resources.push_str(&format!("  - p{i}.yaml\n"));
        let origin = origin.replace('\n', "\n            ");
        patches.push_str(&format!(
            "  - patch: |\n      apiVersion: v1\n      kind: Pod\n      metadata:\n        name: p{i}\n        annotations:\n          config.kubernetes.io/origin: |\n            {origin}\n"
        ));
    }
    scene.write(
        "overlay/kustomization.yaml",
        format!("resources:\n{resources}patches:\n{patches}"),
    );
    let outputs = scene.every_output(&["."], &[]);
    scene.assert_untouched(&outputs);
    let json = outputs.of("json").json();
    let n = json["findings"].as_array().map(|fs| {
        fs.iter()
            .filter(|f| f["rule"] == "privileged-container")
            .count()
    });
    assert_eq!(n, Some(3), "{json:#}");
    assert!(
        has_finding(
            &json,
            "privileged-container",
            "overlay/kustomization.yaml",
            Some(1)
        ),
        "kept at the overlay:\n{json:#}"
    );
}
