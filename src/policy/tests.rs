//! The acceptance tests of admission policies on `../shared/corpus/vap`.
//!
//! The acceptance data: `../shared/corpus/vap` (Kyverno's published policies as
//! ValidatingAdmissionPolicies, with the outcome their tests state for each object). Every row
//! of `EXPECTED.tsv` must hold.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::eval::Outcome;
use super::set::{Collector, PolicySet};
use crate::model::{Object, Site};
use crate::yaml::{Label, Pointer, parse_stream};

/// Rows of one resource file: (kind, namespace, name, expected to fail).
type Rows = Vec<(String, String, String, bool)>;
/// Object identity (kind, namespace, name) → each object's (denied, what was said).
type Seen = BTreeMap<(String, String, String), Vec<(bool, Vec<String>)>>;

fn corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/vap");
    if p.join("EXPECTED.tsv").is_file() {
        Some(p)
    } else {
        eprintln!(
            "note: {} is absent; the VAP corpus test is skipped",
            p.display()
        );
        None
    }
}

fn site(_: Label) -> Site {
    Site {
        file: 0,
        region: crate::yaml::Region::default(),
        object: None,
        route: crate::finding::Text::default(),
    }
}

/// Every object of a YAML stream (List items included).
fn objects(text: &str, mut f: impl FnMut(&Object<'_>)) {
    let stream = parse_stream(text);
    for doc in &stream.docs {
        let root = doc.root();
        let Some(obj) = Object::from_node(root, Pointer::root(), "t.yaml", doc.index) else {
            continue;
        };
        if obj.is_list() {
            for o in obj.list_items().flatten() {
                f(&o);
            }
        } else {
            f(&obj);
        }
    }
}

/// Whether the set denies `obj` (a Deny binding's violation, or an error under Fail), with the
/// outcomes for messages.
pub(crate) fn denied(set: &PolicySet, obj: &Object<'_>) -> (bool, Vec<String>) {
    let mut deny = false;
    let mut said = Vec::new();
    for v in set.verdicts(obj) {
        let denies = v
            .binding
            .is_none_or(|b| b.actions.contains(&super::admission::Action::Deny));
        match &v.outcome {
            Outcome::Violation { message, route, .. } => {
                deny |= denies;
                said.push(format!(
                    "violation: {message} at {}",
                    route
                        .as_deref()
                        .map_or("-".into(), super::admission::route_text)
                ));
            }
            Outcome::Error { what, message, .. } => {
                deny |= denies && v.policy.fail;
                said.push(format!("error: {what}: {message}"));
            }
        }
    }
    (deny, said)
}

/// The policy set of one corpus folder plus the objects of `extra` (their Namespaces).
pub(crate) fn set_of(dir: &Path, extra: &str) -> PolicySet {
    let mut c = Collector::default();
    for f in ["policy.yaml", "binding.yaml"] {
        let text = std::fs::read_to_string(dir.join(f)).unwrap_or_default();
        objects(&text, |o| c.add(o, &mut site));
    }
    objects(extra, |o| c.add(o, &mut site));
    c.finish(Arc::from(Vec::new()), &[super::ADMISSION_POLICY_ID])
}

#[test]
fn vap_corpus_expectations_hold() {
    let Some(root) = corpus() else { return };
    let table = std::fs::read_to_string(root.join("EXPECTED.tsv")).unwrap_or_default();
    // (policy, file) -> [(kind, namespace, name, expected fail)]
    let mut rows: BTreeMap<(String, String), Rows> = BTreeMap::new();
    for line in table.lines().skip(1) {
        let c: Vec<&str> = line.split('\t').collect();
        if c.len() < 6 {
            continue;
        }
        rows.entry((c[0].to_owned(), c[1].to_owned()))
            .or_default()
            .push((
                c[2].to_owned(),
                c[3].to_owned(),
                c[4].to_owned(),
                c[5] == "fail",
            ));
    }
    let (mut total, mut held) = (0, 0);
    let mut failures = Vec::new();
    for ((policy, file), expected) in &rows {
        let dir = root.join(policy);
        let text = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
        let set = set_of(&dir, &text);
        // Identity -> verdicts of every object with it.
        let mut seen: Seen = BTreeMap::new();
        objects(&text, |o| {
            let id = (
                o.kind.to_owned(),
                o.namespace.unwrap_or_default().to_owned(),
                o.name.unwrap_or_default().to_owned(),
            );
            seen.entry(id).or_default().push(denied(&set, o));
        });
        for (kind, ns, name, fail) in expected {
            total += 1;
            let got = seen.get(&(kind.clone(), ns.clone(), name.clone()));
            let ok = got.is_some_and(|v| !v.is_empty() && v.iter().all(|(d, _)| d == fail));
            if ok {
                held += 1;
            } else {
                failures.push(format!(
                    "{policy} {file} {kind} {ns}/{name}: expected {}, got {:?}",
                    if *fail { "fail" } else { "pass" },
                    got
                ));
            }
        }
    }
    println!("vap: {held}/{total} expectations hold");
    assert!(
        failures.is_empty(),
        "{} of {total} rows do not hold:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
#[ignore = "prints where each fail row of the corpus is located"]
fn print_locations() {
    let Some(root) = corpus() else { return };
    for dir in ["pod-security-baseline", "best-practices", "other"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = e.unwrap().path();
            for sub in ["chainsaw", "kyverno-test"] {
                let Ok(files) = std::fs::read_dir(p.join(sub)) else {
                    continue;
                };
                for f in files {
                    let f = f.unwrap().path();
                    let text = std::fs::read_to_string(&f).unwrap();
                    let set = set_of(&p, &text);
                    objects(&text, |o| {
                        let (d, said) = denied(&set, o);
                        if d {
                            println!(
                                "{} {} {:?}",
                                f.strip_prefix(&root).unwrap().display(),
                                o.name.unwrap_or(""),
                                said
                            );
                        }
                    });
                }
            }
        }
    }
}

/// The Pod Security (baseline) policies of the corpus and the kubeward rules that speak about
/// the same control.
const PSS_PAIRS: &[(&str, &[&str])] = &[
    (
        "disallow-capabilities",
        &["dangerous-capabilities", "misspelt-capability"],
    ),
    (
        "disallow-host-namespaces",
        &["host-network", "host-pid", "host-ipc"],
    ),
    ("disallow-host-path", &["host-path-volume"]),
    ("disallow-host-ports", &["host-port"]),
    ("disallow-host-process", &["windows-host-process"]),
    ("disallow-privileged-containers", &["privileged-container"]),
    ("disallow-proc-mount", &["unsafe-proc-mount"]),
    ("disallow-selinux", &["selinux-custom-options"]),
    (
        "restrict-seccomp",
        &["seccomp-profile", "seccomp-profile-unset"],
    ),
    ("restrict-sysctls", &["unsafe-sysctls"]),
];

/// Where the corpus policies and kubeward's own Pod Security rules disagree on the Pod
/// Security Admission fixtures (baseline, v1.37), each explained in the closing note of
/// issue 23: (policy, fixture, policy denies).
const PSS_KNOWN_DIFFERENCES: &[(&str, &str, bool)] = &[
    // The policy reads only the containers' `windowsOptions.hostProcess`; Pod Security also
    // forbids the pod-level `spec.securityContext.windowsOptions.hostProcess`.
    (
        "disallow-host-process",
        "fail/windowshostprocess0.yaml",
        false,
    ),
    // Pod Security (v1.35+) allows `procMount: Unmasked` in a pod with `hostUsers: false`
    // (a user namespace); the policy predates that.
    ("disallow-proc-mount", "pass/procmount1.yaml", true),
    // Pod Security (v1.37) allows `net.ipv4.tcp_slow_start_after_idle` and
    // `net.ipv4.tcp_notsent_lowat` (and others since v1.27); the policy's list is the v1.0 one.
    ("restrict-sysctls", "pass/sysctls1.yaml", true),
];

#[test]
fn pss_policies_agree_with_the_pod_security_rules() {
    let Some(vap) = corpus() else { return };
    let pss = vap.join("../pss/testdata/baseline/v1.37");
    if !pss.is_dir() {
        eprintln!(
            "note: {} is absent; the cross-check is skipped",
            pss.display()
        );
        return;
    }
    let mut files: Vec<PathBuf> = ["pass", "fail"]
        .iter()
        .flat_map(|d| std::fs::read_dir(pss.join(d)).into_iter().flatten())
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    assert!(files.len() > 40, "{} fixtures", files.len());
    let mut differences = Vec::new();
    for (policy, rules) in PSS_PAIRS {
        let set = set_of(&vap.join("pod-security-baseline").join(policy), "");
        for f in &files {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            let mut denies = false;
            objects(&text, |o| denies |= denied(&set, o).0);
            let found = crate::lint_text(
                "pod.yaml",
                &text,
                &["--profile", "pss-baseline", "--pss-version", "v1.37"],
            )
            .unwrap_or_default();
            let fires = found.iter().any(|(id, _)| rules.contains(id));
            if denies != fires {
                let name = f.strip_prefix(&pss).unwrap_or(f).display().to_string();
                differences.push((*policy, name, denies));
            }
        }
    }
    for d in &differences {
        println!("difference: {d:?}");
    }
    let known: Vec<(&str, String, bool)> = PSS_KNOWN_DIFFERENCES
        .iter()
        .map(|(p, f, d)| (*p, (*f).to_owned(), *d))
        .collect();
    assert_eq!(
        differences, known,
        "differences (left) and known ones (right) differ"
    );
}

#[test]
fn the_run_budget_bounds_a_policy_that_spends_on_every_object() {
    let policy = "apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: busy}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [\"\"], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}
  validations:
  - expression: \"[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, a + b > 0))\"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: busy}
spec: {policyName: busy, validationActions: [Deny]}
";
    let mut c = Collector::default();
    objects(policy, |o| c.add(o, &mut site));
    let set = c.finish(Arc::from(Vec::new()), &[super::ADMISSION_POLICY_ID]);
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n";
    let mut evaluated = 0;
    set.limit.store(5_000, std::sync::atomic::Ordering::Relaxed);
    for _ in 0..100 {
        objects(cm, |o| {
            if !set.exhausted() {
                evaluated += 1;
            }
            let _ = set.verdicts(o);
        });
    }
    // Each evaluation spends about 1,000 units: the budget stops the run after a few.
    assert!(set.exhausted());
    assert!((3..=8).contains(&evaluated), "{evaluated}");
    let spent = set.spent_units();
    assert!(spent > 5_000 && spent < 8_000, "{spent}");
    // The limit the engine sets: a base and a share per object.
    set.limit_run(1000);
    assert!(!set.exhausted());
}
