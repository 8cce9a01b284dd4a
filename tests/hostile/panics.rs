//! No panic (SECURITY.md, "No panic"), including on a standard output closed before or after the
//! first byte (`kubeward explain x | head -1`) for every subcommand, or full (`> /dev/full`);
//! and a panic that is left is one line of "internal error" and exit 2, without the panic's
//! message (which can quote the input).

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::harness::{CANARY, FORMATS, Scene};

const PRIVILEGED: &str = "apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
    - name: web
      image: nginx:1.27
      securityContext: {privileged: true}
";

/// When the reader of standard output goes away.
#[derive(Debug, Clone, Copy)]
enum Close {
    /// Before the first byte is written.
    Before,
    /// After reading the first byte.
    After,
}

/// Run kubeward in `dir` with its standard output a pipe that is closed as `close` says;
/// returns the exit code and standard error.
fn with_closed_stdout(dir: &Path, args: &[&str], close: Close) -> (i32, String) {
    let (mut reader, writer) = std::io::pipe().expect("pipe");
    if matches!(close, Close::Before) {
        drop(reader);
        reader = std::io::pipe().expect("pipe").0;
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .current_dir(dir)
        .args(args)
        .env_remove("GITHUB_STEP_SUMMARY")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubeward starts");
    // Standard error is drained on its own: a child blocked on a full stderr pipe would never
    // write the first byte of stdout.
    let mut err = child.stderr.take().expect("stderr");
    let drain = std::thread::spawn(move || {
        let mut stderr = String::new();
        let _ = err.read_to_string(&mut stderr);
        stderr
    });
    if matches!(close, Close::After) {
        let mut first = [0u8; 1];
        let _ = reader.read(&mut first);
    }
    drop(reader);
    let stderr = drain.join().expect("stderr reader");
    let status = child.wait().expect("wait");
    (status.code().unwrap_or(-1), stderr)
}

/// Every subcommand, with the exit code it must give.
fn invocations(out_dir: &Path) -> Vec<(Vec<String>, i32)> {
    let s = |v: &[&str]| v.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>();
    let mut list = Vec::new();
    for f in FORMATS {
        list.push((s(&["lint", ".", "--format", f]), 1));
    }
    for f in ["table", "json", "markdown"] {
        list.push((s(&["rules", "--format", f]), 0));
    }
    list.push((s(&["explain", "privileged-container"]), 0));
    list.push((s(&["explain", "no-such-rule"]), 2));
    let init = out_dir.join("init.yaml").to_string_lossy().into_owned();
    list.push((s(&["init", "--force", &init]), 0));
    let baseline = out_dir.join("baseline.json").to_string_lossy().into_owned();
    list.push((s(&["baseline", &baseline, "."]), 0));
    list.push((s(&["--help"]), 0));
    list.push((s(&["--version"]), 0));
    list.push((s(&["lint", "--help"]), 0));
    list.push((s(&["lint", "--no-such-flag"]), 2));
    list
}

#[test]
fn a_closed_standard_output_is_no_panic_for_any_subcommand() {
    let scene = Scene::new();
    scene.write("pod.yaml", PRIVILEGED);
    // Enough findings that `lint` writes more than a pipe holds (64 KiB).
    let many: String = (0..300)
        .map(|i| PRIVILEGED.replace("name: web}", &format!("name: web-{i}}}")) + "---\n")
        .collect();
    scene.write("many.yaml", many);
    let out_dir = tempfile::tempdir().expect("output dir");
    for (args, code) in invocations(out_dir.path()) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        for close in [Close::Before, Close::After] {
            let (got, stderr) = with_closed_stdout(&scene.repo, &args, close);
            assert!(
                !stderr.contains("panicked") && !stderr.contains("internal error"),
                "{args:?} with stdout closed {close:?}: {stderr}"
            );
            assert_eq!(got, code, "{args:?} with stdout closed {close:?}: {stderr}");
        }
    }
}

#[test]
fn a_full_standard_output_is_an_error_not_a_panic_nor_a_success() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        eprintln!("note: no /dev/full; skipping this test");
        return;
    };
    let scene = Scene::new();
    scene.write("pod.yaml", PRIVILEGED);
    let out_dir = tempfile::tempdir().expect("output dir");
    for (args, _) in invocations(out_dir.path()) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        // Commands that write nothing to standard output, or fail before, are not concerned.
        if matches!(args[0], "init" | "baseline")
            || args.contains(&"human")
            || args.contains(&"no-such-rule")
            || args.contains(&"--no-such-flag")
        {
            continue;
        }
        let out = Command::new(env!("CARGO_BIN_EXE_kubeward"))
            .current_dir(&scene.repo)
            .args(&args)
            .stdin(Stdio::null())
            .stdout(full.try_clone().expect("dup"))
            .stderr(Stdio::piped())
            .output()
            .expect("kubeward runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("cannot write standard output"),
            "{args:?}: {stderr}"
        );
    }
}

/// While a panic remains reachable (today: a label past column 65,535 in human output, which
/// miette cannot format), it ends the run with one line and exit 2, and the line quotes none
/// of the input.
#[test]
fn a_panic_is_one_line_without_the_input_and_exit_2() {
    let scene = Scene::new();
    let pad = "x".repeat(70_000);
    scene.write(
        "long.yaml",
        format!(
            "{{apiVersion: v1, kind: Pod, metadata: {{name: web, labels: {{a: {pad}, token: {CANARY}}}}}, spec: {{hostNetwork: true, containers: [{{name: c, image: nginx}}]}}}}\n"
        ),
    );
    let out = scene.run(&["lint", "long.yaml", "--color", "never"]);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    assert!(
        !out.stderr.contains("Formatting argument"),
        "{}",
        out.stderr
    );
    assert!(
        out.code == 1 || out.code == 2,
        "exit {}: {}",
        out.code,
        out.stderr
    );
    if out.code == 2 {
        let last = out.stderr.trim_end().lines().last().unwrap_or_default();
        assert!(last.starts_with("kubeward: internal error at "), "{last}");
        assert!(!last.contains(CANARY) && !last.contains("xxxx"), "{last}");
    }
}
