//! The scene of a hostile test: a scanned repository in a temporary directory, and canaries
//! around it that kubeward must never touch.
//!
//! - `outside/`: files beside the repository (an `/etc/passwd` look-alike, a credentials file)
//!   holding [`CANARY`]; no output may ever contain it.
//! - The environment of every run holds [`CANARY`] in `GITHUB_TOKEN`, `AWS_SECRET_ACCESS_KEY`,
//!   `ACTIONS_RUNTIME_TOKEN` and `KUBEWARD_CANARY`, as a CI runner's would.
//! - [`Scene::marker`]: a file that a command run on the input's behalf would create
//!   (`touch <marker>`); it must never exist.
//! - [`Scene::url`]: an HTTP server on 127.0.0.1 that must receive no connection.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The secret of the environment and of the files outside the tree.
pub const CANARY: &str = "KWCANARY-7f3a9c1e5d";

/// Environment variables set to [`CANARY`] (with a prefix that looks like their real format).
pub const CANARY_ENV: &[(&str, &str)] = &[
    ("GITHUB_TOKEN", "ghs_KWCANARY-7f3a9c1e5d"),
    ("AWS_SECRET_ACCESS_KEY", "KWCANARY-7f3a9c1e5d/aws"),
    ("ACTIONS_RUNTIME_TOKEN", "KWCANARY-7f3a9c1e5d.rt"),
    ("KUBEWARD_CANARY", "KWCANARY-7f3a9c1e5d"),
];

/// Every output format of `kubeward lint`.
pub const FORMATS: &[&str] = &[
    "human", "concise", "json", "sarif", "github", "gitlab", "junit", "rdjson",
];

/// A repository to scan and the canaries around it.
pub struct Scene {
    _tmp: tempfile::TempDir,
    /// The scanned repository (the working directory of every run).
    pub repo: PathBuf,
    /// Beside the repository: `etc/passwd`, `secrets/credentials`, both holding [`CANARY`].
    pub outside: PathBuf,
    /// Created by a command the input made kubeward run.
    pub marker: PathBuf,
    hits: Arc<AtomicUsize>,
    port: u16,
}

/// One run: what it printed, its exit code, its peak memory and wall time.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// Peak resident set (`VmHWM`), in kB, where /proc tells it.
    pub peak_rss_kb: Option<u64>,
    pub elapsed: Duration,
}

impl Run {
    /// stdout and stderr together, for searching.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// The JSON report on stdout.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "JSON output does not parse: {e}\nstdout:\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// Every output of one input: each format's stdout and stderr, a `--sarif-file`, a baseline file
/// and a GitHub job summary.
#[derive(Debug)]
pub struct Outputs {
    /// `(format, run)` for each of [`FORMATS`].
    pub runs: Vec<(&'static str, Run)>,
    /// The SARIF file written beside the `github` run.
    pub sarif_file: String,
    /// The GitHub job summary of the `github` run.
    pub step_summary: String,
    /// The file `kubeward baseline` wrote.
    pub baseline: String,
}

impl Outputs {
    /// The run of one format.
    pub fn of(&self, format: &str) -> &Run {
        &self
            .runs
            .iter()
            .find(|(f, _)| *f == format)
            .unwrap_or_else(|| panic!("no {format} run"))
            .1
    }

    /// Every byte kubeward wrote, labelled by where it went.
    pub fn texts(&self) -> Vec<(String, &str)> {
        let mut out = Vec::new();
        for (f, r) in &self.runs {
            out.push((format!("{f} stdout"), r.stdout.as_str()));
            out.push((format!("{f} stderr"), r.stderr.as_str()));
        }
        out.push(("--sarif-file".into(), self.sarif_file.as_str()));
        out.push(("job summary".into(), self.step_summary.as_str()));
        out.push(("baseline file".into(), self.baseline.as_str()));
        out
    }

    /// No output contains `needle` (also checked case-insensitively and JSON-escaped).
    pub fn assert_absent(&self, needle: &str) {
        let escaped = serde_json::to_string(needle).unwrap_or_default();
        let escaped = escaped.trim_matches('"');
        for (where_, text) in self.texts() {
            let hit = text.contains(needle)
                || text.contains(escaped)
                || text.to_lowercase().contains(&needle.to_lowercase());
            assert!(!hit, "{needle:?} appears in the {where_}:\n{text}");
        }
    }

    /// The exit code of every format, which must agree.
    pub fn code(&self) -> i32 {
        let code = self.runs[0].1.code;
        for (f, r) in &self.runs {
            assert_eq!(r.code, code, "{f} exit code differs:\n{}", r.stderr);
        }
        code
    }
}

impl Scene {
    /// An empty repository (not under git) with the canaries in place.
    pub fn new() -> Scene {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let root = tmp.path().canonicalize().expect("canonical temp dir");
        let repo = root.join("repo");
        let outside = root.join("outside");
        std::fs::create_dir_all(&repo).expect("mkdir repo");
        std::fs::create_dir_all(outside.join("etc")).expect("mkdir outside");
        std::fs::create_dir_all(outside.join("secrets")).expect("mkdir outside");
        std::fs::write(
            outside.join("etc/passwd"),
            format!("root:x:0:0:{CANARY}:/root:/bin/bash\n"),
        )
        .expect("write passwd");
        std::fs::write(
            outside.join("secrets/credentials"),
            format!("[default]\naws_secret_access_key = {CANARY}\n"),
        )
        .expect("write credentials");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("local addr").port();
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                counter.fetch_add(1, Ordering::SeqCst);
                if let Ok(mut s) = stream {
                    let mut buf = [0u8; 1024];
                    let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
                    let _ = s.read(&mut buf);
                    let body = format!("apiVersion: v1\nkind: ConfigMap\ndata:\n  x: {CANARY}\n");
                    let _ = write!(
                        s,
                        "HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                }
            }
        });
        Scene {
            marker: root.join("EXECUTED"),
            _tmp: tmp,
            repo,
            outside,
            hits,
            port,
        }
    }

    /// The repository made a git repository (one commit of what it holds so far, if anything).
    pub fn git(self) -> Scene {
        self.git_cmd(&["init", "-q", "-b", "main"]);
        self.git_cmd(&["config", "user.email", "t@example.com"]);
        self.git_cmd(&["config", "user.name", "t"]);
        self.commit("initial");
        self
    }

    /// Run git in the repository (for tests that need history).
    pub fn git_cmd(&self, args: &[&str]) {
        let ok = Command::new("git")
            .args(args)
            .current_dir(&self.repo)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", &self.outside)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "git {args:?} failed");
    }

    /// Commit everything in the repository.
    pub fn commit(&self, message: &str) {
        self.git_cmd(&["add", "-A", "-f"]);
        self.git_cmd(&["commit", "-q", "--allow-empty", "-m", message]);
    }

    /// Write `text` to `rel` inside the repository.
    pub fn write(&self, rel: &str, text: impl AsRef<[u8]>) -> PathBuf {
        let p = self.repo.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, text).expect("write");
        p
    }

    /// A symbolic link at `rel` inside the repository pointing at `target` (as given).
    #[cfg(unix)]
    pub fn symlink(&self, target: impl AsRef<Path>, rel: &str) -> PathBuf {
        let p = self.repo.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::os::unix::fs::symlink(target, &p).expect("symlink");
        p
    }

    /// The canary HTTP server's base URL (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A shell command that creates the marker (for payloads).
    pub fn touch_marker(&self) -> String {
        format!("touch {}", self.marker.display())
    }

    /// Connections the canary server received so far.
    pub fn server_hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// Run kubeward in the repository with the canary environment, a 120 s deadline and a
    /// measure of peak memory.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[], None)
    }

    /// [`Scene::run`] with extra environment variables and optional standard input.
    pub fn run_with(&self, args: &[&str], env: &[(&str, &str)], stdin: Option<&[u8]>) -> Run {
        run_binary(&self.repo, args, env, stdin, Duration::from_secs(120))
    }

    /// `kubeward lint <paths> <extra>` in every format, plus `--sarif-file`, the job summary of
    /// `--format github` and `kubeward baseline`. Every format must give the same exit code.
    pub fn every_output(&self, paths: &[&str], extra: &[&str]) -> Outputs {
        let out_dir = tempfile::tempdir().expect("output dir");
        let sarif_path = out_dir.path().join("out.sarif");
        let summary_path = out_dir.path().join("summary.md");
        let baseline_path = out_dir.path().join("baseline.json");
        let mut runs = Vec::new();
        for &format in FORMATS {
            let mut args = vec!["lint", "--format", format, "--color", "never"];
            let sarif_arg = sarif_path.to_string_lossy().into_owned();
            if format == "github" {
                args.extend(["--sarif-file", sarif_arg.as_str()]);
            }
            args.extend(extra);
            args.push("--");
            args.extend(paths);
            let summary = summary_path.to_string_lossy().into_owned();
            let env: Vec<(&str, &str)> = if format == "github" {
                vec![("GITHUB_STEP_SUMMARY", summary.as_str())]
            } else {
                Vec::new()
            };
            let r = self.run_with(&args, &env, None);
            assert!(
                r.code == 0 || r.code == 1,
                "{format}: exit code {}\n{}",
                r.code,
                r.stderr
            );
            runs.push((format, r));
        }
        let baseline_arg = baseline_path.to_string_lossy().into_owned();
        let mut args = vec!["baseline", baseline_arg.as_str()];
        args.extend(extra);
        args.push("--");
        args.extend(paths);
        let b = self.run(&args);
        assert_eq!(b.code, 0, "baseline: {}", b.stderr);
        let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
        let outputs = Outputs {
            runs,
            sarif_file: read(&sarif_path),
            step_summary: read(&summary_path),
            baseline: read(&baseline_path),
        };
        outputs.code();
        outputs
    }

    /// Nothing was executed, fetched or leaked: no marker, no connection to the canary server,
    /// and [`CANARY`] in no output.
    pub fn assert_untouched(&self, outputs: &Outputs) {
        assert!(
            !self.marker.exists(),
            "a command the input chose was executed (marker {} exists)",
            self.marker.display()
        );
        assert_eq!(
            self.server_hits(),
            0,
            "the canary HTTP server was contacted"
        );
        outputs.assert_absent(CANARY);
    }
}

/// Run the kubeward binary in `dir` with the canary environment (and without the test runner's
/// CI variables), a deadline (a hang fails the test) and the child's peak memory.
pub fn run_binary(
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: Option<&[u8]>,
    deadline: Duration,
) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kubeward"));
    cmd.current_dir(dir).args(args);
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
    for (k, v) in CANARY_ENV {
        cmd.env(k, v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("kubeward starts");
    if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    let started = Instant::now();
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        s
    });
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = None;
    let status = loop {
        if let Some(kb) = vm_hwm(&status_path) {
            peak = Some(peak.map_or(kb, |p: u64| p.max(kb)));
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("kubeward {args:?} did not finish within {deadline:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = started.elapsed();
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out_reader.join().expect("stdout reader")).into_owned(),
        stderr: String::from_utf8_lossy(&err_reader.join().expect("stderr reader")).into_owned(),
        peak_rss_kb: peak,
        elapsed,
    }
}

/// `VmHWM` (peak resident set) of a running process, in kB.
fn vm_hwm(status_path: &str) -> Option<u64> {
    let status = std::fs::read_to_string(status_path).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A real `kubectl` (with kustomize) or `kustomize`, else `None` with a printed note.
pub fn kustomize() -> Option<PathBuf> {
    let found = ["kustomize", "kubectl"].iter().find_map(|n| on_path(n));
    if found.is_none() {
        eprintln!("note: neither kustomize nor kubectl is on PATH; skipping this test");
    }
    found
}

/// A real `helm`: `KUBEWARD_TEST_HELM`, else `target/tools/helm` (installed by
/// `scripts/ci/install-helm.sh`), else `helm` on PATH; `None` with a printed note.
pub fn helm() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let found = std::env::var_os("KUBEWARD_TEST_HELM")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .or_else(|| Some(root.join("target/tools/helm")).filter(|p| p.is_file()))
        .or_else(|| on_path("helm"));
    if found.is_none() {
        eprintln!(
            "note: no helm (run scripts/ci/install-helm.sh or set KUBEWARD_TEST_HELM); skipping this test"
        );
    }
    found
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Whether `json`'s findings include one of `rule` in a path ending with `path_suffix`, at
/// `line` if given.
pub fn has_finding(
    json: &serde_json::Value,
    rule: &str,
    path_suffix: &str,
    line: Option<u64>,
) -> bool {
    json["findings"].as_array().is_some_and(|fs| {
        fs.iter().any(|f| {
            f["rule"] == rule
                && f["path"].as_str().is_some_and(|p| p.ends_with(path_suffix))
                && line.is_none_or(|l| f["line"].as_u64() == Some(l))
        })
    })
}

/// The canaries themselves work: a leak, a connection and an execution are each seen.
#[test]
fn the_canaries_notice_a_leak_a_connection_and_an_execution() {
    let scene = Scene::new();
    let leaked = Outputs {
        runs: vec![(
            "json",
            Run {
                code: 0,
                stdout: format!("{{\"message\": \"{}\"}}", CANARY.to_lowercase()),
                stderr: String::new(),
                peak_rss_kb: None,
                elapsed: Duration::ZERO,
            },
        )],
        sarif_file: String::new(),
        step_summary: String::new(),
        baseline: String::new(),
    };
    assert!(std::panic::catch_unwind(|| leaked.assert_absent(CANARY)).is_err());
    let _ = std::net::TcpStream::connect(("127.0.0.1", scene.port)).expect("connect");
    let deadline = Instant::now() + Duration::from_secs(5);
    while scene.server_hits() == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(scene.server_hits(), 1);
    let ok = Command::new("sh")
        .args(["-c", &scene.touch_marker()])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok && scene.marker.exists());
}
