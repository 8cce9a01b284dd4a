//! A secret kubeward flags must never appear, whole, in anything it writes: not in messages,
//! not in the human snippets (where it is masked), not in SARIF, JSON, GitHub annotations,
//! GitLab Code Quality or JUnit, nor in a file written with `--output` / `--sarif-file`.

use assert_cmd::Command;

const FIXTURE: &str = "testdata/secrets/leak.yaml";

/// The secret values of the fixture: each must never be printed.
const CANARIES: &[&str] = &[
    // env var literal value
    "Tr0ub4dor-env-canary-9",
    // env var literal next to a line another rule points at
    "sidecar-token-canary-7",
    // Secret stringData
    "stringdata-canary-Zq9",
    // Secret stringData, inside a block scalar
    "blockscalar-canary-Kw4",
    // Secret data: the base64 as written and the decoded plaintext
    "ZGF0YS1jYW5hcnktWHk3cGxhaW50ZXh0",
    "data-canary-Xy7plaintext",
    // AWS access key id in a ConfigMap file
    "AKIAQX7MZK2VB4NT6WRJ",
];

fn run(args: &[&str]) -> String {
    let out = Command::cargo_bin("kubeward")
        .expect("internal error: binary built")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .env_remove("CI")
        .env("COLUMNS", "100")
        .arg("lint")
        .arg(FIXTURE)
        .args(args)
        .output()
        .expect("internal error: kubeward runs");
    assert_eq!(out.status.code(), Some(1), "findings expected for {args:?}");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    text
}

#[test]
fn no_secret_in_any_format() {
    for format in [
        "human", "concise", "json", "sarif", "github", "gitlab", "junit", "rdjson",
    ] {
        for color in ["never", "always"] {
            let out = run(&["--format", format, "--color", color]);
            for rule in [
                "env-literal-secret",
                "plaintext-secret",
                "hardcoded-credential",
            ] {
                assert!(
                    out.contains(rule),
                    "{format}/{color}: expected a {rule} finding:\n{out}"
                );
            }
            for canary in CANARIES {
                assert!(
                    !out.contains(canary),
                    "{format}/{color}: the secret {canary:?} was printed:\n{out}"
                );
            }
        }
    }
}

#[test]
fn human_output_masks_values_but_keeps_lines() {
    let out = run(&[
        "--format",
        "human",
        "--color",
        "never",
        "--select",
        "env-literal-secret,plaintext-secret,hardcoded-credential",
    ]);
    // The snippet keeps the first two characters and the line structure.
    assert!(out.contains("value: Tr********************"), "{out}");
    assert!(
        out.contains("aws_access_key_id = AK******************"),
        "{out}"
    );
    // Multi-line block scalars stay line by line, masked after their first two characters.
    assert!(out.contains("    [d**\n"), "{out}");
    assert!(out.contains("password: st*******************"), "{out}");
}

#[test]
fn no_secret_in_written_files() {
    let dir = tempfile::tempdir().expect("internal error: temp dir");
    let report = dir.path().join("report.json");
    let sarif = dir.path().join("report.sarif");
    let summary = dir.path().join("summary.md");
    let out = Command::cargo_bin("kubeward")
        .expect("internal error: binary built")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["lint", FIXTURE, "--format", "github", "--sarif-file"])
        .arg(&sarif)
        .output()
        .expect("internal error: kubeward runs");
    assert_eq!(out.status.code(), Some(1));
    let out = Command::cargo_bin("kubeward")
        .expect("internal error: binary built")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["lint", FIXTURE, "--format", "json", "--output"])
        .arg(&report)
        .output()
        .expect("internal error: kubeward runs");
    assert_eq!(out.status.code(), Some(1));
    for path in [&report, &sarif, &summary] {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            !text.is_empty() || path == &summary,
            "{} was written",
            path.display()
        );
        for canary in CANARIES {
            assert!(
                !text.contains(canary),
                "{}: the secret {canary:?} was written",
                path.display()
            );
        }
    }
}

#[test]
fn secrets_are_masked_even_when_their_checks_are_off() {
    // Only `privileged-container` runs; its snippet shows the env line above it.
    let out = run(&[
        "--format",
        "human",
        "--color",
        "never",
        "--select",
        "privileged-container",
    ]);
    assert!(out.contains("privileged-container"), "{out}");
    assert!(
        out.contains("API_TOKEN, value: si"),
        "the neighbouring line is shown: {out}"
    );
    for canary in CANARIES {
        assert!(
            !out.contains(canary),
            "the secret {canary:?} was printed:\n{out}"
        );
    }
}
