//! The GitHub Action's shell scripts, tested with fake `kubeward`, `gh`, `curl` and `cargo`
//! (scripts/action/tests/*.sh), so `cargo test` covers them too.

use std::process::Command;

fn run_script(name: &str) {
    let root = env!("CARGO_MANIFEST_DIR");
    let Ok(out) = Command::new("bash")
        .arg(format!("{root}/scripts/action/tests/{name}"))
        .current_dir(root)
        .output()
    else {
        eprintln!("note: bash is not available; skipping {name}");
        return;
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{name} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}

#[cfg(unix)]
#[test]
fn action_run_script() {
    run_script("run_test.sh");
}

#[cfg(unix)]
#[test]
fn action_install_script() {
    run_script("install_test.sh");
}
