//! The gate means one thing: on the repository's test data and the shared corpus, every
//! finding has its rule's one severity in every format (JSON, SARIF result level, the SARIF
//! rule's `security-severity` band, GitLab, GitHub annotations, JUnit, concise) and for
//! `--fail-on`; and no two findings of a run share a fingerprint.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use common::{corpus, kubeward, root};

/// One run over an input: its JSON and its SARIF.
struct Lint {
    json: serde_json::Value,
    sarif: serde_json::Value,
}

fn lint(input: &str) -> Lint {
    let dir = tempfile::tempdir().expect("tempdir");
    let sarif = dir.path().join("out.sarif");
    let out = kubeward()
        .args([
            "lint",
            input,
            "--no-progress",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--sarif-file",
            sarif.to_str().expect("utf-8 path"),
        ])
        .run();
    assert_eq!(out.code, 0, "{input}: {}", out.stderr);
    Lint {
        json: serde_json::from_str(&out.stdout).expect("JSON output"),
        sarif: serde_json::from_str(&std::fs::read_to_string(&sarif).expect("SARIF written"))
            .expect("SARIF is JSON"),
    }
}

/// The runs over `testdata` and, when present, `../shared/corpus` (each made once).
fn runs() -> &'static [(String, Lint)] {
    static RUNS: OnceLock<Vec<(String, Lint)>> = OnceLock::new();
    RUNS.get_or_init(|| {
        let mut runs = vec![("testdata".to_owned(), lint("testdata"))];
        match corpus(".") {
            Some(_) => runs.push(("../shared/corpus".to_owned(), lint("../shared/corpus"))),
            None => println!("note: ../shared/corpus is absent; only testdata is checked"),
        }
        runs
    })
}

/// Every rule's severity, as `kubeward rules` declares it.
fn declared() -> HashMap<String, String> {
    let out = kubeward().args(["rules", "--format", "json"]).run();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("rules JSON");
    v.as_array()
        .expect("rules array")
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap_or_default().to_owned(),
                r["severity"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// GitHub's bands of `security-severity`: over 9.0 critical, 7.0 to 8.9 high, 4.0 to 6.9
/// medium, 0.1 to 3.9 low.
fn github_band(score: &str) -> &'static str {
    let s: f64 = score.parse().expect("security-severity is a number");
    if s >= 9.0 {
        "critical"
    } else if s >= 7.0 {
        "high"
    } else if s >= 4.0 {
        "medium"
    } else {
        "low"
    }
}

fn sarif_level(severity: &str) -> &'static str {
    match severity {
        "low" => "note",
        "medium" => "warning",
        _ => "error",
    }
}

#[test]
fn every_finding_has_its_rules_one_severity_in_json_and_sarif() {
    let declared = declared();
    for (input, run) in runs() {
        let findings = run.json["findings"].as_array().expect("findings");
        assert!(!findings.is_empty(), "{input}: no findings");
        let mut wrong = BTreeMap::<(String, String), usize>::new();
        for f in findings {
            let rule = f["rule"].as_str().unwrap_or_default();
            let sev = f["severity"].as_str().unwrap_or_default();
            if declared.get(rule).map(String::as_str) != Some(sev) {
                *wrong.entry((rule.to_owned(), sev.to_owned())).or_default() += 1;
            }
        }
        assert!(
            wrong.is_empty(),
            "{input}: findings whose severity is not their rule's ((rule, severity) → count): {wrong:?}"
        );

        let sarif_run = &run.sarif["runs"][0];
        let rules = sarif_run["tool"]["driver"]["rules"]
            .as_array()
            .expect("rules");
        let band: HashMap<&str, &str> = rules
            .iter()
            .map(|r| {
                let score = r["properties"]["security-severity"]
                    .as_str()
                    .expect("security-severity");
                (r["id"].as_str().unwrap_or_default(), github_band(score))
            })
            .collect();
        for r in rules {
            let id = r["id"].as_str().unwrap_or_default();
            assert_eq!(
                declared.get(id).map(String::as_str),
                band.get(id).copied(),
                "{input}: SARIF rule {id}: security-severity band and `kubeward rules` differ"
            );
        }
        let results = sarif_run["results"].as_array().expect("results");
        assert_eq!(
            results.len(),
            findings.len(),
            "{input}: SARIF and JSON differ"
        );
        for res in results {
            let id = res["ruleId"].as_str().unwrap_or_default();
            let sev = res["properties"]["severity"].as_str().unwrap_or_default();
            let band = band.get(id).copied().unwrap_or("(no rule)");
            assert_eq!(
                (sev, res["level"].as_str().unwrap_or_default()),
                (band, sarif_level(band)),
                "{input}: SARIF result of {id}: its severity and level must be its rule's band"
            );
        }
    }
}

#[test]
fn the_other_formats_and_fail_on_use_the_same_severity() {
    let declared = declared();
    let json = &runs()[0].1.json;
    let active: Vec<&serde_json::Value> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f.get("suppressed").is_none())
        .collect();

    // GitLab Code Quality: one issue per active finding, its severity the rule's.
    let out = kubeward()
        .args([
            "lint",
            "testdata",
            "--format",
            "gitlab",
            "--fail-on",
            "never",
        ])
        .run();
    let gitlab: serde_json::Value = serde_json::from_str(&out.stdout).expect("gitlab JSON");
    let issues = gitlab.as_array().expect("issues");
    assert_eq!(issues.len(), active.len());
    for i in issues {
        let rule = i["check_name"].as_str().unwrap_or_default();
        let want = match declared[rule].as_str() {
            "critical" => "critical",
            "high" => "major",
            "medium" => "minor",
            _ => "info",
        };
        assert_eq!(i["severity"], want, "gitlab issue of {rule}");
    }

    // GitHub annotations: `kubeward <rule> (<severity>)` titles.
    let out = kubeward()
        .args([
            "lint",
            "testdata",
            "--format",
            "github",
            "--fail-on",
            "never",
        ])
        .run();
    let mut titles = 0;
    for line in out.stdout.lines().filter(|l| l.starts_with("::")) {
        let Some(t) = line.split("title=kubeward ").nth(1) else {
            continue;
        };
        let t = t.split([',', ':']).next().unwrap_or_default();
        let (rule, sev) = t.split_once(" (").expect("title is `rule (severity)`");
        assert_eq!(
            declared.get(rule).map(String::as_str),
            Some(sev.trim_end_matches(')')),
            "{line}"
        );
        titles += 1;
    }
    assert_eq!(titles, active.len(), "one annotation per active finding");

    // Concise: `path:line:col: severity rule-id message`, one line per active finding.
    let out = kubeward()
        .args([
            "lint",
            "testdata",
            "--format",
            "concise",
            "--fail-on",
            "never",
        ])
        .run();
    let mut lines = 0;
    for line in out.stdout.lines() {
        // The path may hold `: `; the severity and the rule follow the column's `: `.
        let rest = line
            .match_indices(": ")
            .map(|(i, _)| &line[i + 2..])
            .find(|r| {
                r.split(' ')
                    .next()
                    .is_some_and(|s| ["critical", "high", "medium", "low"].contains(&s))
            })
            .unwrap_or_else(|| panic!("not a concise line: {line}"));
        let mut words = rest.split(' ');
        let (sev, rule) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
        assert_eq!(declared.get(rule).map(String::as_str), Some(sev), "{line}");
        lines += 1;
    }
    assert_eq!(lines, active.len(), "one concise line per active finding");

    // JUnit: each failure's type is its severity.
    let out = kubeward()
        .args([
            "lint",
            "testdata",
            "--format",
            "junit",
            "--fail-on",
            "never",
        ])
        .run();
    let failures = out.stdout.matches("<failure ").count();
    assert_eq!(failures, active.len());
    for sev in ["critical", "high", "medium", "low"] {
        let n = active.iter().filter(|f| f["severity"] == sev).count();
        assert_eq!(
            out.stdout.matches(&format!("type=\"{sev}\"")).count(),
            n,
            "junit failures of type {sev}"
        );
    }

    // --fail-on: exit 1 exactly when an active finding is at or above the threshold.
    let rank = |s: &str| {
        ["low", "medium", "high", "critical"]
            .iter()
            .position(|x| *x == s)
    };
    for threshold in ["critical", "high", "medium", "low"] {
        let expect = active
            .iter()
            .any(|f| rank(f["severity"].as_str().unwrap_or_default()) >= rank(threshold));
        let out = kubeward()
            .args([
                "lint",
                "testdata",
                "--format",
                "json",
                "--fail-on",
                threshold,
            ])
            .run();
        assert_eq!(out.code, i32::from(expect), "--fail-on {threshold}");
    }
}

#[test]
fn configured_severity_reaches_the_sarif_rule() {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        d.path().join(".kubeward.yaml"),
        "rules:\n  severity: {host-pid: low}\n",
    )
    .expect("write");
    std::fs::write(
        d.path().join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  hostPID: true\n  containers: [{name: a, image: app:1}]\n",
    )
    .expect("write");
    let out = kubeward()
        .dir(d.path())
        .args(["lint", ".", "--select", "host-pid", "--format", "sarif"])
        .run();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("SARIF");
    let rule = &v["runs"][0]["tool"]["driver"]["rules"][0];
    assert_eq!(rule["id"], "host-pid");
    assert_eq!(rule["properties"]["security-severity"], "3.0");
    assert_eq!(rule["defaultConfiguration"]["level"], "note");
    assert_eq!(v["runs"][0]["results"][0]["level"], "note");
    let _ = root();
}

#[test]
fn no_two_findings_of_a_run_share_a_fingerprint() {
    for (input, run) in runs() {
        let mut seen: HashMap<&str, &serde_json::Value> = HashMap::new();
        let mut repeated = Vec::new();
        for f in run.json["findings"].as_array().expect("findings") {
            let fp = f["fingerprint"].as_str().expect("fingerprint");
            if let Some(first) = seen.insert(fp, f) {
                repeated.push(format!(
                    "{fp}: {} {}:{} and {} {}:{}",
                    first["rule"], first["path"], first["line"], f["rule"], f["path"], f["line"]
                ));
            }
        }
        assert!(
            repeated.is_empty(),
            "{input}: {} repeated fingerprints, e.g. {:?}",
            repeated.len(),
            &repeated[..repeated.len().min(5)]
        );
    }
}
