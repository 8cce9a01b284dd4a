//! Adversarial inputs on the command line: huge files, huge trees, hostile file names,
//! unreadable files, symlink loops, FIFOs and YAML corner cases. Whatever the input, kubeward
//! terminates, every output format stays valid (SARIF schema-valid, JSON parses, GitHub
//! annotations never break out of their command, JUnit is well-formed XML), and every path it
//! visits is accounted for as linted, failed or skipped, with the reason.

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Out, kubeward};
use kubeward::testing::fuzz::{check_xml, parse_annotations};

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx:1.25\n      securityContext:\n        privileged: true\n";

/// One run of the binary with a deadline (a hang fails the test instead of blocking it), the
/// peak resident memory of the child (Linux), and the wall time.
struct Measured {
    out: Out,
    peak_rss_kb: Option<u64>,
    elapsed: Duration,
}

fn run_with_deadline(dir: &Path, args: &[&str], deadline: Duration) -> Measured {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .current_dir(dir)
        .args(args)
        .env_remove("CI")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubeward starts");
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
    let stdout = out_reader.join().expect("stdout reader");
    let stderr = err_reader.join().expect("stderr reader");
    Measured {
        out: Out {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        },
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

fn run(dir: &Path, args: &[&str]) -> Out {
    run_with_deadline(dir, args, Duration::from_secs(120)).out
}

fn json_of(out: &Out) -> serde_json::Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "JSON output does not parse: {e}\nstdout:\n{}\nstderr:\n{}",
            out.stdout, out.stderr
        )
    })
}

/// Percent-decode a URI path (what a SARIF consumer does with `artifactLocation.uri`).
fn uri_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).expect("hex");
            out.push(u8::from_str_radix(hex, 16).expect("percent escape"));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8 after decoding")
}

fn sarif_schema() -> Option<jsonschema::Validator> {
    let path = common::corpus("../schemas/sarif-schema-2.1.0.json")?;
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("schema readable"))
            .expect("schema parses");
    Some(jsonschema::validator_for(&schema).expect("schema compiles"))
}

/// Lint `paths` in `dir` in every output format, with the `extra` arguments (e.g. a `--select`
/// of the rules a test is about), and check each one. Returns the JSON report. Every format must
/// give the same exit code, name the same findings at the same paths, and be well formed.
fn every_format(dir: &Path, paths: &[&str], extra: &[&str]) -> serde_json::Value {
    let lint = |format: &str| {
        let mut args = vec!["lint", "--format", format, "--color", "never"];
        args.extend(paths);
        args.extend(extra);
        run(dir, &args)
    };
    let json_out = lint("json");
    assert!(
        json_out.code == 0 || json_out.code == 1,
        "exit code {}: {}",
        json_out.code,
        json_out.stderr
    );
    let json = json_of(&json_out);
    let findings = json["findings"].as_array().expect("findings");
    let active: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f.get("suppressed").is_none())
        .collect();
    let paths_of = |list: &[&serde_json::Value]| -> BTreeSet<String> {
        list.iter()
            .map(|f| f["path"].as_str().expect("path").to_owned())
            .collect()
    };
    let active_paths = paths_of(&active);

    let sarif_out = lint("sarif");
    assert_eq!(sarif_out.code, json_out.code, "sarif exit code");
    let sarif: serde_json::Value = serde_json::from_str(&sarif_out.stdout).expect("SARIF parses");
    if let Some(validator) = sarif_schema() {
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "SARIF schema errors: {errors:#?}");
    }
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), findings.len(), "SARIF results");
    let mut sarif_paths = BTreeSet::new();
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(
            uri.bytes().all(|b| b.is_ascii_graphic()),
            "SARIF uri must be an escaped URI reference: {uri:?}"
        );
        // A relative reference cannot be read as a scheme (RFC 3986 §4.2): no colon before
        // its first slash; `./` before a first segment that had one resolves away.
        if !uri.starts_with("file://") {
            let first = uri.split('/').next().unwrap_or_default();
            assert!(!first.contains(':'), "SARIF uri reads as a scheme: {uri:?}");
        }
        let reference = uri.strip_prefix("file://").unwrap_or(uri);
        sarif_paths.insert(uri_decode(
            reference.strip_prefix("./").unwrap_or(reference),
        ));
        assert!(loc["region"]["startLine"].as_u64().expect("startLine") >= 1);
    }
    assert_eq!(sarif_paths, paths_of(&findings.iter().collect::<Vec<_>>()));

    let github = lint("github");
    assert_eq!(github.code, json_out.code, "github exit code");
    let annotations = parse_annotations(&github.stdout);
    assert_eq!(
        annotations.len(),
        active.len(),
        "one annotation per finding"
    );
    let github_paths: BTreeSet<String> = annotations.iter().map(|a| a.file.clone()).collect();
    // Control characters other than line breaks and tabs are shown escaped (`\u{1b}`), never
    // passed to the log viewer (parse_annotations checks that none is left raw).
    let shown = |p: &String| -> String {
        p.chars()
            .map(|c| {
                if c.is_control() && !matches!(c, '\n' | '\r' | '\t') {
                    c.escape_debug().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect()
    };
    let active_shown: BTreeSet<String> = active_paths.iter().map(shown).collect();
    assert_eq!(github_paths, active_shown, "annotation file properties");

    let gitlab = lint("gitlab");
    assert_eq!(gitlab.code, json_out.code, "gitlab exit code");
    let issues: serde_json::Value = serde_json::from_str(&gitlab.stdout).expect("GitLab parses");
    let issues = issues.as_array().expect("array");
    assert_eq!(issues.len(), active.len(), "GitLab issues");
    let gitlab_paths: BTreeSet<String> = issues
        .iter()
        .map(|i| i["location"]["path"].as_str().expect("path").to_owned())
        .collect();
    assert_eq!(gitlab_paths, active_paths, "GitLab paths");

    let junit = lint("junit");
    assert_eq!(junit.code, json_out.code, "junit exit code");
    check_xml(&junit.stdout);

    let human = lint("human");
    assert_eq!(human.code, json_out.code, "human exit code");
    assert!(
        !human.stderr.contains('\u{1b}'),
        "an escape sequence reached the terminal:\n{}",
        human.stderr
    );
    json
}

/// Linted + failed + skipped files add up to `visited`, and the per-path lists match the counts.
fn assert_accounted(json: &serde_json::Value, visited: usize) {
    let s = &json["summary"];
    let count = |v: &serde_json::Value| -> usize {
        v.as_object().map_or(0, |m| {
            m.values().map(|n| n.as_u64().unwrap_or(0) as usize).sum()
        })
    };
    let linted = s["files_linted"].as_u64().unwrap_or(0) as usize;
    let failed = s["files_failed"].as_u64().unwrap_or(0) as usize;
    let skipped = count(&s["files_skipped"]);
    assert_eq!(linted + failed + skipped, visited, "summary: {s:#}");
    assert_eq!(count(&s["files_failed_reasons"]), failed, "{s:#}");
    assert_eq!(
        s["failed_paths"].as_array().map_or(0, Vec::len),
        failed,
        "{s:#}"
    );
    assert_eq!(
        s["skipped_paths"].as_array().map_or(0, Vec::len),
        skipped,
        "{s:#}"
    );
}

fn skip_reason(json: &serde_json::Value, path: &str) -> Option<String> {
    json["summary"]["skipped_paths"]
        .as_array()?
        .iter()
        .find(|p| p["path"] == path)
        .map(|p| p["reason"].as_str().unwrap_or_default().to_owned())
}

fn fail_reason(json: &serde_json::Value, path: &str) -> Option<String> {
    json["summary"]["failed_paths"]
        .as_array()?
        .iter()
        .find(|p| p["path"] == path)
        .map(|p| p["reason"].as_str().unwrap_or_default().to_owned())
}

fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&p, text).expect("write");
    p
}

/// The size of the big manifest: 100 MB, or `KUBEWARD_BIG_MB`. Debug builds of the YAML parser
/// are slow (about 3 MB/s on a loaded CI core), so unoptimised test runs use 20 MB unless told
/// otherwise; `cargo test --release --test adversarial` runs the full 100 MB.
fn big_manifest_mb() -> usize {
    std::env::var("KUBEWARD_BIG_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if cfg!(debug_assertions) { 20 } else { 100 })
}

#[test]
fn a_100_mb_manifest_is_linted_in_bounded_memory() {
    let mb = big_manifest_mb();
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::with_capacity(mb * 1_000_000 + 4096);
    let mut i = 0usize;
    while text.len() < mb * 1_000_000 {
        let privileged = i.is_multiple_of(1000);
        text.push_str(&format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-{i}\n  namespace: team-{}\n  labels: {{app: web-{i}, tier: frontend}}\nspec:\n  replicas: 3\n  selector:\n    matchLabels:\n      app: web-{i}\n  template:\n    metadata:\n      labels:\n        app: web-{i}\n    spec:\n      containers:\n        - name: web\n          image: registry.example.com/web:1.{i}\n          ports:\n            - containerPort: 8080\n          securityContext:\n            privileged: {privileged}\n          env:\n            - name: MODE\n              value: \"production\"\n---\n",
            i % 50
        ));
        i += 1;
    }
    let bytes = text.len();
    std::fs::write(dir.path().join("big.yaml"), &text).unwrap();
    drop(text);
    let expected_findings = i.div_ceil(1000);
    for format in ["json", "human"] {
        let mut args = vec!["lint", "big.yaml", "--format", format, "--color", "never"];
        // Unoptimised builds draw diagnostics slowly (minutes for the ~400,000 of the 20 MB
        // stream): there the human run draws only the rule it counts. Release runs draw all.
        if format == "human" && cfg!(debug_assertions) {
            args.extend(["--select", "privileged-container"]);
        }
        let m = run_with_deadline(dir.path(), &args, Duration::from_secs(600));
        let peak_mb = m.peak_rss_kb.map(|kb| kb / 1024);
        eprintln!(
            "big manifest ({} MB, {i} documents, --format {format}): {:.1?}, peak RSS {}",
            bytes / 1_000_000,
            m.elapsed,
            peak_mb.map_or_else(|| "unknown".to_owned(), |mb| format!("{mb} MB"))
        );
        assert_eq!(m.out.code, 1, "{}", m.out.stderr);
        let findings = if format == "json" {
            let v = json_of(&m.out);
            // The stream ends with `---`: one more, empty, document.
            assert_eq!(v["summary"]["documents"], i + 1, "{:#}", v["summary"]);
            assert_eq!(v["summary"]["objects"], i);
            assert_eq!(v["summary"]["files_linted"], 1);
            let all = v["findings"].as_array().unwrap();
            let privileged = all
                .iter()
                .filter(|f| f["rule"] == "privileged-container")
                .count();
            assert_eq!(privileged, expected_findings);
            all.len() as u64
        } else {
            assert_eq!(
                m.out
                    .stdout
                    .matches("privileged-container (critical)")
                    .count(),
                expected_findings
            );
            if cfg!(debug_assertions) {
                expected_findings as u64
            } else {
                // Eleven findings a Deployment (ten hardening gaps and missing-network-policy).
                11 * i as u64
            }
        };
        if let Some(peak) = peak_mb {
            // Documents are parsed and dropped one at a time: what stays is the text, the
            // cross-object index and the findings (every Deployment here has about eleven; the
            // output is sorted, so they are held until the end), never a tree of the whole
            // stream (which took 26 bytes per byte). The findings' share is bounded too: 256
            // bytes each (see `findings_stay_compact` in src/finding.rs).
            let count = findings;
            let bound = 200 + 8 * (bytes as u64 / 1_000_000) + count * 256 / 1_000_000;
            assert!(
                peak < bound,
                "peak RSS {peak} MB for a {} MB manifest with {count} findings (bound {bound} MB)",
                bytes / 1_000_000,
            );
        }
    }
}

#[test]
fn a_tree_of_100_000_small_files_is_linted_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    // File creation is kernel time: spread it over a few threads.
    std::thread::scope(|s| {
        for part in 0..4 {
            let root = dir.path();
            s.spawn(move || {
                for d in (part..100).step_by(4) {
                    let sub = root.join(format!("t/d{d:03}"));
                    std::fs::create_dir_all(&sub).unwrap();
                    for f in 0..1000 {
                        let ext = if f % 100 == 99 { "txt" } else { "yaml" };
                        std::fs::write(
                            sub.join(format!("f{f:04}.{ext}")),
                            format!(
                                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{d}-{f}\n"
                            ),
                        )
                        .unwrap();
                    }
                }
            });
        }
    });
    let created = started.elapsed();
    let m = run_with_deadline(
        dir.path(),
        &["lint", "t", "--format", "json"],
        Duration::from_secs(300),
    );
    eprintln!(
        "100,000 files: created in {created:.1?}, linted in {:.1?}, peak RSS {} MB",
        m.elapsed,
        m.peak_rss_kb.unwrap_or(0) / 1024
    );
    assert_eq!(m.out.code, 0, "{}", m.out.stderr);
    let v = json_of(&m.out);
    assert_eq!(v["summary"]["files_linted"], 99_000);
    assert_eq!(
        v["summary"]["files_skipped"]["not a .yaml, .yml or .json file"],
        1_000
    );
    assert_eq!(v["summary"]["objects"], 99_000);
    assert_accounted(&v, 100_000);
}

#[cfg(unix)]
#[test]
fn hostile_file_names_are_escaped_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let names = [
        "with space.yaml",
        "ünïcødé 日本.yaml",
        "100%.yaml",
        "%41%0A.yaml",
        "a,b.yaml",
        "a:b.yaml",
        "a::b=c,d.yaml",
        "new\nline.yaml",
        "carriage\rreturn.yaml",
        "tab\there.yaml",
        "esc\u{1b}[31mred.yaml",
        "quote\"'<&>.yaml",
        "hash#?.yaml",
    ];
    for n in names {
        write(dir.path(), n, POD);
    }
    let v = every_format(dir.path(), &["."], &[]);
    let paths: BTreeSet<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_owned())
        .collect();
    let expected: BTreeSet<String> = names.iter().map(|n| (*n).to_owned()).collect();
    assert_eq!(paths, expected);
    assert_accounted(&v, names.len());

    // The summary lists paths one per line, whatever they contain.
    let out = run(dir.path(), &["lint", ".", "--verbose", "--format", "json"]);
    assert!(
        !out.stderr.contains('\u{1b}'),
        "escape sequence in the summary"
    );
    // The diagnostic's header shows the control characters of a name escaped.
    let human = run(
        dir.path(),
        &[
            "lint",
            ".",
            "--color",
            "never",
            "--select",
            "privileged-container",
        ],
    );
    for shown in [
        "esc\\u{1b}[31mred.yaml",
        "new\\nline.yaml",
        "carriage\\rreturn.yaml",
        "tab\\there.yaml",
    ] {
        assert!(
            human.stdout.contains(&format!("[{shown}:10:9]")),
            "{shown}: {}",
            human.stdout
        );
    }
}

/// Whether permissions are enforced for this user (they are not for root).
#[cfg(unix)]
fn permissions_enforced(probe: &Path) -> bool {
    std::fs::read(probe).is_err()
}

#[cfg(unix)]
#[test]
fn unreadable_files_and_directories_are_reported_with_the_reason() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let secret = write(dir.path(), "secret.yaml", POD);
    write(dir.path(), "locked/inner.yaml", POD);
    write(dir.path(), "ok.yaml", POD);
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(
        dir.path().join("locked"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    let restore = || {
        let _ = std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644));
        let _ = std::fs::set_permissions(
            dir.path().join("locked"),
            std::fs::Permissions::from_mode(0o755),
        );
    };
    if !permissions_enforced(&secret) {
        restore();
        eprintln!("note: file permissions are not enforced for this user (root?); skipping");
        return;
    }
    let v = every_format(dir.path(), &["."], &[]);
    let explicit = every_format(dir.path(), &["secret.yaml"], &[]);
    restore();
    assert_accounted(&v, 3);
    let why = fail_reason(&v, "secret.yaml").expect("secret.yaml failed");
    assert!(why.contains("ermission denied"), "{why}");
    assert_eq!(
        v["summary"]["files_failed_reasons"]["cannot read file (permission denied)"],
        1
    );
    let why = skip_reason(&v, "locked").expect("locked skipped");
    assert!(why.contains("permission denied"), "{why}");
    assert_eq!(explicit["summary"]["files_failed"], 1);
}

#[cfg(unix)]
#[test]
fn directory_symlink_loops_terminate_and_are_reported() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "tree/a/pod.yaml", POD);
    symlink("..", dir.path().join("tree/a/up")).unwrap();
    symlink(".", dir.path().join("tree/here")).unwrap();
    symlink("self.yaml", dir.path().join("tree/self.yaml")).unwrap();
    symlink("pong.yaml", dir.path().join("tree/ping.yaml")).unwrap();
    symlink("ping.yaml", dir.path().join("tree/pong.yaml")).unwrap();
    let m = run_with_deadline(
        dir.path(),
        &["lint", "tree", "--verbose", "--format", "json"],
        Duration::from_secs(60),
    );
    let v = json_of(&m.out);
    assert_accounted(&v, 6);
    assert_eq!(v["summary"]["files_linted"], 1);
    for link in ["tree/a/up", "tree/here"] {
        assert_eq!(
            skip_reason(&v, link).as_deref(),
            Some("symbolic link to a directory (not followed)"),
            "{link}"
        );
    }
    for link in ["tree/self.yaml", "tree/ping.yaml", "tree/pong.yaml"] {
        assert_eq!(
            skip_reason(&v, link).as_deref(),
            Some("broken symbolic link (or a symbolic link loop)"),
            "{link}"
        );
        assert!(
            m.out.stderr.contains(&format!("skipped {link}: ")),
            "{link}"
        );
    }
    // Named on the command line, too.
    let m = run_with_deadline(
        dir.path(),
        &["lint", "tree/self.yaml", "tree/here", "--format", "json"],
        Duration::from_secs(60),
    );
    let v = json_of(&m.out);
    assert_eq!(
        skip_reason(&v, "tree/self.yaml").as_deref(),
        Some("broken symbolic link (or a symbolic link loop)")
    );
    every_format(dir.path(), &["tree"], &[]);
}

#[cfg(unix)]
#[test]
fn fifos_are_skipped_never_read() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "tree/pod.yaml", POD);
    let fifo = dir.path().join("tree/pipe.yaml");
    match Command::new("mkfifo").arg(&fifo).status() {
        Ok(s) if s.success() => {}
        _ => {
            eprintln!("note: mkfifo is not available; skipping");
            return;
        }
    }
    std::os::unix::fs::symlink("pipe.yaml", dir.path().join("tree/link.yaml")).unwrap();
    // Nobody ever writes to the FIFO: opening it for reading would block forever.
    let m = run_with_deadline(
        dir.path(),
        &["lint", "tree", "--verbose", "--format", "json"],
        Duration::from_secs(60),
    );
    let v = json_of(&m.out);
    assert_accounted(&v, 3);
    for p in ["tree/pipe.yaml", "tree/link.yaml"] {
        let why = skip_reason(&v, p).unwrap_or_else(|| panic!("{p} not skipped: {v:#}"));
        assert!(why.starts_with("not a regular file"), "{p}: {why}");
        assert!(m.out.stderr.contains(&format!("skipped {p}: ")), "{p}");
    }
    let m = run_with_deadline(
        dir.path(),
        &["lint", "tree/pipe.yaml", "--format", "json"],
        Duration::from_secs(60),
    );
    let v = json_of(&m.out);
    assert!(
        skip_reason(&v, "tree/pipe.yaml").is_some_and(|w| w.starts_with("not a regular file")),
        "{v:#}"
    );
    every_format(dir.path(), &["tree"], &[]);
}

#[test]
fn empty_and_comment_only_files_are_linted_with_nothing_to_report() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "empty.yaml", "");
    write(
        dir.path(),
        "comments.yaml",
        "# nothing here\n# --- not a document\n",
    );
    write(dir.path(), "blank.yaml", "\n\n   \n");
    write(dir.path(), "separators.yaml", "---\n---\n...\n");
    let v = every_format(dir.path(), &["."], &[]);
    assert_accounted(&v, 4);
    assert_eq!(v["summary"]["files_linted"], 4, "{:#}", v["summary"]);
    assert_eq!(v["summary"]["objects"], 0);
    assert!(v["findings"].as_array().unwrap().is_empty(), "{v:#}");
}

#[test]
fn document_markers_inside_block_scalars_do_not_split_documents() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "cm.yaml",
        &("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: script\ndata:\n  run.sh: |\n    ---\n    --- # not a document\n    ...\n    echo ok\n  folded: >-\n    ---\n    text\n---\n".to_owned()
            + POD),
    );
    let v = every_format(
        dir.path(),
        &["cm.yaml"],
        &["--select", "privileged-container"],
    );
    assert_eq!(v["summary"]["documents"], 2, "{:#}", v["summary"]);
    assert_eq!(v["summary"]["objects"], 2);
    let f = &v["findings"].as_array().unwrap()[0];
    assert_eq!(f["rule"], "privileged-container");
    assert_eq!(f["line"], 24, "{f:#}");
    // With every rule: the same documents, and the privileged pod is still found where it is.
    let all = every_format(dir.path(), &["cm.yaml"], &[]);
    assert_eq!(all["summary"]["documents"], 2, "{:#}", all["summary"]);
    assert_eq!(all["summary"]["objects"], 2);
    let privileged: Vec<&serde_json::Value> = all["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "privileged-container")
        .collect();
    assert_eq!(privileged.len(), 1, "{all:#}");
    assert_eq!(privileged[0]["line"], 24, "{:#}", privileged[0]);
}

#[test]
fn documents_ending_with_dots_are_all_linted() {
    let dir = tempfile::tempdir().unwrap();
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n";
    write(
        dir.path(),
        "dots.yaml",
        &format!("{cm}...\n---\n{POD}...\n---\n{cm}...\n"),
    );
    write(
        dir.path(),
        "bare-after-dots.yaml",
        &format!("{cm}...\n{POD}"),
    );
    let lines = |v: &serde_json::Value| -> Vec<(String, u64)> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "privileged-container")
            .map(|f| {
                (
                    f["path"].as_str().unwrap().to_owned(),
                    f["line"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let expected = [
        ("bare-after-dots.yaml".to_owned(), 15),
        ("dots.yaml".to_owned(), 16),
    ];
    let v = every_format(dir.path(), &["."], &["--select", "privileged-container"]);
    assert_accounted(&v, 2);
    assert_eq!(v["findings"].as_array().unwrap().len(), 2, "{v:#}");
    assert_eq!(lines(&v), expected, "{v:#}");
    assert_eq!(v["summary"]["documents"], 5);
    // With every rule: the same documents, and the same privileged pods.
    let all = every_format(dir.path(), &["."], &[]);
    assert_accounted(&all, 2);
    assert_eq!(lines(&all), expected, "{all:#}");
    assert_eq!(all["summary"]["documents"], 5);
}

#[test]
fn tabs_in_indentation_are_a_located_syntax_error() {
    let dir = tempfile::tempdir().unwrap();
    // Tabs may separate a value from its comment; they may not indent.
    write(
        dir.path(),
        "tabs.yaml",
        &format!(
            "{POD}---\napiVersion: v1\t# tab\nkind: Pod\nmetadata:\n  name: q\nspec:\n\thostPID: true\n"
        ),
    );
    let v = every_format(dir.path(), &["tabs.yaml"], &[]);
    assert_accounted(&v, 1);
    assert_eq!(v["summary"]["files_failed"], 1);
    let findings = v["findings"].as_array().unwrap();
    let parse = findings
        .iter()
        .find(|f| f["rule"] == "parse-error")
        .expect("parse error");
    assert_eq!(parse["line"], 17, "{parse:#}");
    assert!(
        parse["message"].as_str().unwrap().contains("tabs"),
        "{parse:#}"
    );
    // The document before the error is still checked.
    assert!(
        findings
            .iter()
            .any(|f| f["rule"] == "privileged-container" && f["line"] == 10),
        "{v:#}"
    );
    let why = fail_reason(&v, "tabs.yaml").unwrap();
    assert!(why.contains("line 17"), "{why}");
}

#[test]
fn every_path_visited_is_linted_failed_or_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path();
    write(t, "ok.yaml", POD);
    write(
        t,
        "broken.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: [}\n",
    );
    std::fs::write(t.join("binary.yaml"), b"\x00\x01\x02kind: Pod").unwrap();
    std::fs::write(
        t.join("latin1.yaml"),
        b"apiVersion: v1\nkind: Pod # caf\xe9\n",
    )
    .unwrap();
    write(t, "notes.txt", "hello");
    write(t, "values.yaml", "replicas: 3\n");
    write(
        t,
        "chart/Chart.yaml",
        "apiVersion: v2\nname: c\nversion: 1.0.0\n",
    );
    write(t, "chart/templates/pod.yaml", "{{ .Values.x }}\n");
    write(t, "vendor/pod.yaml", POD);
    let mut visited = 9;
    #[cfg(unix)]
    {
        let outside = tempfile::tempdir().unwrap();
        write(outside.path(), "pod.yaml", POD);
        std::os::unix::fs::symlink(outside.path().join("pod.yaml"), t.join("out.yaml")).unwrap();
        std::os::unix::fs::symlink("missing.yaml", t.join("dangling.yaml")).unwrap();
        visited += 2;
    }
    let run_json = |extra: &[&str]| {
        let mut args = vec!["lint", ".", "--format", "json", "--exclude", "vendor/**"];
        args.extend(extra);
        json_of(&run(t, &args))
    };
    let v = run_json(&[]);
    assert_accounted(&v, visited);
    assert_eq!(v["summary"]["files_linted"], 3, "{:#}", v["summary"]);
    let failed = &v["summary"]["files_failed_reasons"];
    assert_eq!(failed["YAML syntax error"], 1, "{failed:#}");
    assert_eq!(failed["binary file (contains NUL bytes)"], 1);
    assert_eq!(failed["not valid UTF-8"], 1);
    assert_eq!(
        skip_reason(&v, "notes.txt").as_deref(),
        Some("not a .yaml, .yml or .json file")
    );
    assert_eq!(
        skip_reason(&v, "chart/templates/pod.yaml").as_deref(),
        Some("Helm template (not rendered)")
    );
    assert_eq!(
        skip_reason(&v, "vendor/pod.yaml").as_deref(),
        Some("excluded by --exclude")
    );
    // Not Kubernetes: linted, its document skipped.
    assert_eq!(
        v["summary"]["documents_skipped"]["not a Kubernetes object"], 2,
        "values.yaml and Chart.yaml"
    );
    // The human summary says the same, and --verbose names every path.
    let out = run(t, &["lint", ".", "--exclude", "vendor/**", "--verbose"]);
    assert!(out.stderr.contains("3 failed"), "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "failed files: 1 YAML syntax error, 1 binary file (contains NUL bytes), 1 not valid UTF-8"
        ),
        "{}",
        out.stderr
    );
    for p in ["broken.yaml", "binary.yaml", "latin1.yaml"] {
        assert!(
            out.stderr.contains(&format!("failed {p}: ")),
            "{p}: {}",
            out.stderr
        );
    }
    for p in ["notes.txt", "chart/templates/pod.yaml", "vendor/pod.yaml"] {
        assert!(
            out.stderr.contains(&format!("skipped {p}: ")),
            "{p}: {}",
            out.stderr
        );
    }
    // A path named explicitly that a walk would skip is linted, and counted once.
    let v = json_of(&run(t, &["lint", ".", "notes.txt", "--format", "json"]));
    assert!(skip_reason(&v, "notes.txt").is_none(), "{v:#}");
    every_format(t, &["."], &[]);
}

#[test]
fn trailing_comment_after_a_quoted_value_is_not_underlined() {
    let out = kubeward()
        .args(["lint", "-", "--format", "json"])
        .stdin(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostNetwork: !!bool \"true\"   # needed for the CNI\n  containers: [{name: c, image: nginx:1.25}]\n",
        )
        .run();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "host-network")
        .expect("host-network finding");
    assert_eq!(f["line"], 6);
    assert_eq!(f["column"], 3);
    assert_eq!(f["end_column"], 29, "ends after the closing quote: {f:#}");
}
