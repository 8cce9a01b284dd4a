//! The repository is ready to release: a license file that is the license Cargo.toml declares,
//! a changelog, stripped release binaries, a crate that packages what a release carries, Python
//! packages of this very version, the pre-commit hooks, and links that point at this version.

mod common;

use std::process::Command;

use common::{kubeward, root};

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The lines of the `[section]` of a TOML file, up to the next section.
fn toml_section(text: &str, section: &str) -> Vec<String> {
    let header = format!("[{section}]");
    text.lines()
        .skip_while(|l| l.trim() != header)
        .skip(1)
        .take_while(|l| !l.starts_with('['))
        .map(|l| l.split('#').next().unwrap_or("").trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn the_license_file_is_the_license_cargo_toml_declares() {
    let cargo = read("Cargo.toml");
    assert!(
        toml_section(&cargo, "package").contains(&r#"license = "Apache-2.0""#.to_owned()),
        "Cargo.toml declares another license: update LICENSE and this test together"
    );
    let license = read("LICENSE");
    let words: Vec<&str> = license.split_whitespace().collect();
    assert_eq!(
        words[..5],
        ["Apache", "License", "Version", "2.0,", "January"],
        "LICENSE is not the Apache License 2.0"
    );
    assert!(
        license.contains("END OF TERMS AND CONDITIONS"),
        "LICENSE is cut short"
    );
    assert!(read("pypi/pyproject.toml").contains(r#"license = "Apache-2.0""#));
    assert!(
        read("pypi/pyproject.toml").contains(r#"license-files = ["LICENSE"]"#),
        "the wheel carries the license text"
    );
    assert_eq!(
        read("pypi/LICENSE"),
        license,
        "pypi/LICENSE is a copy of LICENSE"
    );
}

#[test]
fn the_changelog_has_an_unreleased_section_in_keep_a_changelog_form() {
    let log = read("CHANGELOG.md");
    assert!(log.starts_with("# Changelog\n"));
    assert!(log.contains("keepachangelog.com"));
    let versions: Vec<&str> = log.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(versions.first(), Some(&"## [Unreleased]"), "{versions:?}");
    for v in &versions[1..] {
        // `## [1.2.3] - 2026-12-31`
        let ok = v
            .strip_prefix("## [")
            .and_then(|r| r.split_once("] - "))
            .is_some_and(|(ver, date)| {
                ver.split('.').count() >= 3 && date.len() == 10 && date.as_bytes()[4] == b'-'
            });
        assert!(
            ok,
            "a release heading is `## [X.Y.Z] - YYYY-MM-DD`, not `{v}`"
        );
    }
    for l in log.lines().filter(|l| l.starts_with("### ")) {
        assert!(
            [
                "Added",
                "Changed",
                "Deprecated",
                "Removed",
                "Fixed",
                "Security"
            ]
            .contains(&&l[4..]),
            "not a Keep a Changelog section: {l}"
        );
    }
}

#[test]
fn release_binaries_are_stripped() {
    let release = toml_section(&read("Cargo.toml"), "profile.release");
    assert!(release.contains(&"strip = true".to_owned()), "{release:?}");
    assert!(
        !release.iter().any(|l| l.starts_with("debug")),
        "debug info in a release build is stripped anyway: {release:?}"
    );
}

/// `cargo package --list`: the crate carries the license, changelog, readme and the JSON schema,
/// and none of the fixtures.
#[test]
fn the_crate_packages_what_a_release_carries() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(root())
        .args(["package", "--list", "--allow-dirty", "--offline"])
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = String::from_utf8_lossy(&out.stdout);
    let files: Vec<&str> = list.lines().collect();
    for f in [
        "LICENSE",
        "CHANGELOG.md",
        "README.md",
        "Cargo.lock",
        "src/main.rs",
        "docs/schema/kubeward-json.schema.json",
    ] {
        assert!(files.contains(&f), "{f} is not packaged");
    }
    for f in &files {
        assert!(
            !f.starts_with("testdata/") && !f.starts_with("fuzz/") && !f.contains("/snapshots/"),
            "{f} is packaged"
        );
    }
}

/// The wheel (pypi/pyproject.toml, maturin) and the root project pre-commit installs for the
/// `kubeward-python` hook are this version: the hook installs `kubeward==VERSION` from PyPI.
#[test]
fn the_python_packages_are_this_version() {
    let wheel = read("pypi/pyproject.toml");
    let maturin = toml_section(&wheel, "tool.maturin");
    for line in [
        r#"bindings = "bin""#,
        r#"manifest-path = "../Cargo.toml""#,
        "locked = true",
    ] {
        assert!(
            maturin.contains(&line.to_owned()),
            "{maturin:?} lacks {line}"
        );
    }
    assert!(toml_section(&wheel, "project").contains(&r#"name = "kubeward""#.to_owned()));
    assert!(toml_section(&wheel, "project").contains(&r#"dynamic = ["version"]"#.to_owned()));

    let shim = toml_section(&read("pyproject.toml"), "project");
    assert!(
        shim.contains(&format!(r#"version = "{VERSION}""#)),
        "{shim:?}"
    );
    assert!(
        shim.contains(&format!(r#"dependencies = ["kubeward=={VERSION}"]"#)),
        "{shim:?}"
    );
}

/// Every hook runs the same command; `kubeward-python` installs the wheel.
#[test]
fn the_pre_commit_hooks_include_the_prebuilt_python_hook() {
    let hooks = read(".pre-commit-hooks.yaml");
    let blocks: Vec<&str> = hooks.split("\n- id: ").skip(1).collect();
    let find = |id: &str| {
        blocks
            .iter()
            .find(|b| b.lines().next() == Some(id))
            .unwrap_or_else(|| panic!("no hook {id}"))
    };
    let python = find("kubeward-python");
    assert!(python.contains("\n  language: python\n"), "{python}");
    assert!(python.contains("\n  entry: kubeward lint --no-progress\n"));
    for id in ["kubeward", "kubeward-system", "kubeward-all"] {
        assert!(find(id).contains("\n  entry: kubeward lint --no-progress"));
    }
}

/// Links in the output open the files of this version's tag, never `main`.
#[test]
fn links_point_at_this_versions_tag() {
    let tag = format!("https://github.com/kubeward/kubeward/blob/v{VERSION}/");
    let rules = kubeward().args(["rules", "--format", "json"]).run();
    assert_eq!(rules.code, 0, "{}", rules.stderr);
    let rules: serde_json::Value = serde_json::from_str(&rules.stdout).unwrap();
    for r in rules.as_array().unwrap() {
        let url = r["url"].as_str().unwrap();
        assert_eq!(
            url,
            format!("{tag}docs/rules/{}.md", r["id"].as_str().unwrap())
        );
    }

    let sarif = kubeward()
        .args(["lint", "--format", "sarif", "testdata/demo"])
        .run();
    let json = kubeward()
        .args(["lint", "--format", "json", "testdata/demo"])
        .run();
    let human = kubeward()
        .args(["lint", "--color", "never", "testdata/demo"])
        .run();
    let explain = kubeward().args(["explain", "host-pid"]).run();
    let v: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    for rule in v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap() {
        assert!(
            rule["helpUri"].as_str().unwrap().starts_with(&tag),
            "{rule}"
        );
    }
    assert!(
        json.stdout
            .contains(&format!("\"docs\": \"{tag}docs/rules/"))
    );
    assert!(human.stdout.contains(&format!("{tag}docs/rules/")));
    assert!(explain.stdout.contains(&format!("({tag}src/rules/")));
    for (what, text) in [
        ("sarif", &sarif.stdout),
        ("json", &json.stdout),
        ("human", &human.stdout),
        ("explain", &explain.stdout),
    ] {
        assert!(!text.contains("/blob/main/"), "{what} links to main");
    }
}

/// CI builds what a release ships: the workflow's test job packages the crate (`cargo package`
/// builds it on its own) and builds, installs and runs the wheel and its pre-commit hook, after
/// `.ci/run` (which is exactly the README's test command, formatting and lints).
#[test]
fn ci_packages_the_crate_and_checks_the_wheel() {
    let ci = read(".github/workflows/ci.yml");
    let steps: Vec<&str> = ci
        .lines()
        .filter_map(|l| l.trim().strip_prefix("run: "))
        .collect();
    for step in [
        "bash .ci/run",
        "cargo package --locked",
        "bash scripts/ci/wheel.sh",
    ] {
        assert!(steps.contains(&step), "ci.yml lacks `{step}`: {steps:?}");
    }
    let run = read(".ci/run");
    let commands: Vec<&str> = run
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect();
    assert_eq!(
        commands[commands.len() - 3..],
        [
            "scripts/test",
            "cargo fmt --check",
            "cargo clippy --all-targets -- -D warnings"
        ],
        ".ci/run ends with the test command, formatting and lints"
    );
    let wheel = read("scripts/ci/wheel.sh");
    assert!(wheel.contains("maturin\" build"), "{wheel}");
    assert!(wheel.contains("scripts/ci/check-wheel.sh \"$tools/dist\" --pre-commit"));
}
