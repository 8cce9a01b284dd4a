//! The `kubeward()` builder for CLI tests (zizmor's `tests/integration/common.rs` shape).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// Repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture under `testdata/`.
pub fn testdata(rel: &str) -> String {
    format!("testdata/{rel}")
}

/// The shared external corpus, if present.
pub fn corpus(rel: &str) -> Option<PathBuf> {
    let p = root().join("../shared/corpus").join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("note: {} is absent; skipping this test", p.display());
        None
    }
}

/// Output of one run.
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Builder for one kubeward invocation, run in the repository root with a scrubbed environment.
pub struct Kubeward {
    args: Vec<String>,
    stdin: Option<Vec<u8>>,
    dir: PathBuf,
    env: Vec<(String, String)>,
}

pub fn kubeward() -> Kubeward {
    Kubeward {
        args: Vec::new(),
        stdin: None,
        dir: root(),
        env: Vec::new(),
    }
}

impl Kubeward {
    pub fn args<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, args: I) -> Self {
        self.args
            .extend(args.into_iter().map(|s| s.as_ref().to_owned()));
        self
    }

    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(bytes.into());
        self
    }

    pub fn dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.dir = dir.as_ref().to_path_buf();
        self
    }

    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.env.push((k.to_owned(), v.to_owned()));
        self
    }

    pub fn run(self) -> Out {
        let mut cmd = Command::cargo_bin("kubeward").expect("binary built");
        cmd.current_dir(&self.dir).args(&self.args);
        for (k, _) in std::env::vars() {
            if k == "NO_COLOR"
                || k == "CI"
                || k.starts_with("GITHUB_")
                || k.starts_with("KUBEWARD_")
                || k == "COLUMNS"
            {
                cmd.env_remove(&k);
            }
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        if let Some(input) = self.stdin {
            cmd.write_stdin(input);
        }
        let out = cmd.output().expect("kubeward runs");
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Run with `--format json` and return (rule, path, line) of each finding plus the JSON.
    pub fn json(self) -> (i32, Vec<(String, String, u64)>, serde_json::Value) {
        let out = self.args(["--format", "json"]).run();
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "json output: {e}\nstdout:\n{}\nstderr:\n{}",
                out.stdout, out.stderr
            )
        });
        let findings = v["findings"]
            .as_array()
            .expect("findings array")
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap_or_default().to_owned(),
                    f["path"].as_str().unwrap_or_default().to_owned(),
                    f["line"].as_u64().unwrap_or_default(),
                )
            })
            .collect();
        (out.code, findings, v)
    }
}

/// `(rule, line)` pairs of the findings in `path` (file name match).
pub fn at(findings: &[(String, String, u64)], rule: &str) -> Vec<u64> {
    findings
        .iter()
        .filter(|(r, _, _)| r == rule)
        .map(|(_, _, l)| *l)
        .collect()
}
