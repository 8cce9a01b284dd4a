//! Pod Security Admission conformance: every fixture of pod-security-admission's test data
//! (`test/testdata/{baseline,restricted}/v1.N/{pass,fail}/*.yaml`, copied to
//! `../shared/corpus/pss`) is linted with `--profile pss-<level> --pss-version v1.N`. A pass
//! fixture must give no finding; a fail fixture must give the finding of its own control (and
//! so at least one). Skipped, with a note, when the corpus is absent.

use std::path::{Path, PathBuf};

/// The kubeward rules that report a PSA control (fixture stem without its index): an explicit
/// value and a setting left out are separate rules for some controls.
fn rules_for(control: &str, index: &str) -> Option<&'static [&'static str]> {
    Some(match control {
        "privileged" => &["privileged-container"],
        "hostnamespaces" => match index {
            "0" => &["host-ipc"],
            "1" => &["host-network"],
            _ => &["host-pid"],
        },
        "hostports" => &["host-port"],
        "hostpathvolumes" => &["host-path-volume"],
        "capabilities_baseline" => &["dangerous-capabilities", "misspelt-capability"],
        "capabilities_restricted" => &["capabilities-not-dropped"],
        "apparmorprofile" => &["apparmor-unconfined"],
        "selinuxoptions" => &["selinux-custom-options"],
        "procmount" | "procmount_restricted" => &["unsafe-proc-mount"],
        "seccompprofile_baseline" | "seccompprofile_restricted" => {
            &["seccomp-profile", "seccomp-profile-unset"]
        }
        "sysctls" => &["unsafe-sysctls"],
        "windowshostprocess" => &["windows-host-process"],
        "hostprobesandhostlifecycle" => &["probe-custom-host"],
        "restrictedvolumes" => &["restricted-volume-types"],
        "runasnonroot" | "runasuser" => &["run-as-root", "non-root-not-required"],
        "allowprivilegeescalation" => &["privilege-escalation", "allow-privilege-escalation-unset"],
        _ => return None,
    })
}

struct Case {
    path: String,
    level: String,
    version: String,
    expected: String,
    control: String,
    index: String,
}

/// `None` when the fixture agrees with PSA, else what went wrong.
fn judge(root: &Path, case: &Case) -> Option<String> {
    let text = match std::fs::read_to_string(root.join(&case.path)) {
        Ok(t) => t,
        Err(e) => return Some(format!("cannot read: {e}")),
    };
    let profile = format!("pss-{}", case.level);
    let findings = match kubeward::lint_text(
        &case.path,
        &text,
        &["--profile", &profile, "--pss-version", &case.version],
    ) {
        Ok(f) => f,
        Err(e) => return Some(format!("lint failed: {e}")),
    };
    let ids: Vec<&str> = findings.iter().map(|(id, _)| *id).collect();
    match case.expected.as_str() {
        "pass" if findings.is_empty() => None,
        "pass" => Some(format!("expected no finding, got {findings:?}")),
        "fail" => match rules_for(&case.control, &case.index) {
            None => Some(format!("no rule mapped to control {}", case.control)),
            Some(rules) if rules.iter().any(|r| ids.contains(r)) => None,
            Some(rules) => Some(format!("expected a {rules:?} finding, got {findings:?}")),
        },
        other => Some(format!("unknown expectation {other}")),
    }
}

#[test]
fn pss_conformance() {
    let root: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/pss");
    let Ok(table) = std::fs::read_to_string(root.join("EXPECTED.tsv")) else {
        println!(
            "pss conformance: skipped, corpus not found at {}",
            root.display()
        );
        return;
    };
    let cases: Vec<Case> = table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            (cols.len() >= 7).then(|| Case {
                path: cols[0].to_owned(),
                level: cols[1].to_owned(),
                version: cols[2].to_owned(),
                expected: cols[3].to_owned(),
                control: cols[4].to_owned(),
                index: cols[6].to_owned(),
            })
        })
        .collect();
    assert!(!cases.is_empty(), "EXPECTED.tsv has no rows");

    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(8);
    let chunk = cases.len().div_ceil(threads);
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .chunks(chunk)
            .map(|part| {
                let root = &root;
                s.spawn(move || {
                    part.iter()
                        .filter_map(|c| {
                            judge(root, c)
                                .map(|why| format!("{} ({} {}): {why}", c.path, c.level, c.version))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("conformance worker panicked"))
            .collect()
    });

    let agree = cases.len() - failures.len();
    println!("pss conformance: {agree}/{} agree", cases.len());
    for f in failures.iter().take(40) {
        println!("  {f}");
    }
    assert!(
        failures.is_empty(),
        "pss conformance: {} of {} fixtures disagree (first ones printed above)",
        failures.len(),
        cases.len()
    );
}
