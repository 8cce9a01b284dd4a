//! Output people read (issue 21, items 10, 11 and 5): the concise format, `--statistics`,
//! human diagnostics on standard output, plain text where Markdown is not rendered, wrapping,
//! grouped findings, and the clear word on misuse.

mod common;

use std::collections::BTreeMap;

use common::{kubeward, testdata};

/// A pod with nothing set: five or six findings land on its one container.
const BARE: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: bare\nspec:\n  containers:\n    - name: app\n      image: nginx\n";

/// Findings per rule, from `--format json`.
fn per_rule(args: &[&str]) -> BTreeMap<String, usize> {
    let (_, findings, _) = kubeward().args(args).json();
    let mut out = BTreeMap::new();
    for (rule, _, _) in findings {
        *out.entry(rule).or_default() += 1;
    }
    out
}

#[test]
fn concise_format_is_one_line_per_finding() {
    let args = ["lint", "testdata/demo", "--render", "never"];
    let out = kubeward().args(args).args(["--format", "concise"]).run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let expected: usize = per_rule(&args).values().sum();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), expected, "{}", out.stdout);
    let re =
        regex::Regex::new(r"^[^:\n]+:[0-9]+:[0-9]+: (critical|high|medium|low) [a-z0-9-]+ \S.*$")
            .unwrap();
    for l in &lines {
        assert!(
            re.is_match(l),
            "not `path:line:col: severity rule-id message`: {l}"
        );
    }
    assert!(
        lines
            .iter()
            .any(|l| l.contains(": critical privileged-container ")),
        "{}",
        out.stdout
    );
}

#[test]
fn statistics_count_findings_per_rule() {
    let args = ["lint", "testdata/demo", "--render", "never"];
    let expected = per_rule(&args);
    let out = kubeward().args(args).args(["--statistics"]).run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let mut seen = BTreeMap::new();
    let mut counts = Vec::new();
    for l in out.stdout.lines() {
        let mut cols = l.split_whitespace();
        let n: usize = cols.next().unwrap().parse().unwrap();
        let rule = cols.next().unwrap().to_owned();
        counts.push(n);
        seen.insert(rule, n);
    }
    assert_eq!(seen, expected, "{}", out.stdout);
    // Most findings first.
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{}", out.stdout);
    // As JSON.
    let out = kubeward()
        .args(args)
        .args(["--statistics", "--format", "json"])
        .run();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let from_json: BTreeMap<String, usize> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["rule"].as_str().unwrap().to_owned(),
                r["count"].as_u64().unwrap() as usize,
            )
        })
        .collect();
    assert_eq!(from_json, expected);
    // A format that cannot hold it is a usage error, not silently ignored.
    let out = kubeward()
        .args(args)
        .args(["--statistics", "--format", "sarif"])
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--statistics"), "{}", out.stderr);
}

#[test]
fn human_output_can_be_saved_and_piped() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.txt");
    let out = kubeward()
        .args([
            "lint",
            &testdata("cli/workloads/pod.yaml"),
            "--no-context",
            "-o",
            file.to_str().unwrap(),
        ])
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(saved.contains("non-root-not-required ("), "{saved}");
    assert!(
        saved.contains("╭─[testdata/cli/workloads/pod.yaml:"),
        "{saved}"
    );
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    // The summary stays on standard error, out of the saved report.
    assert!(out.stderr.contains("files linted") || out.stderr.contains("file linted"));
    assert!(!saved.contains("file linted"), "{saved}");
    // Without -o the diagnostics go to standard output, which `| head` reads.
    let out = kubeward()
        .args(["lint", &testdata("cli/workloads/pod.yaml"), "--no-context"])
        .run();
    assert!(out.stdout.contains("╭─[testdata/cli/workloads/pod.yaml:"));
}

#[test]
fn no_markdown_fences_where_markdown_is_not_rendered() {
    for format in ["human", "github", "junit", "concise"] {
        let out = kubeward()
            .args(["lint", "-", "--no-context", "--format", format])
            .stdin(BARE)
            .run();
        assert_eq!(out.code, 1, "{format}: {}", out.stderr);
        assert!(!out.stdout.contains("```"), "{format}:\n{}", out.stdout);
    }
    // The help's example is still there, as indented lines.
    let out = kubeward()
        .args([
            "lint",
            "-",
            "--no-context",
            "--select",
            "non-root-not-required",
        ])
        .stdin(BARE)
        .run();
    assert!(
        out.stdout
            .contains("\n            securityContext:\n              runAsNonRoot: true\n"),
        "{}",
        out.stdout
    );
    let out = kubeward()
        .args(["lint", "-", "--no-context", "--format", "sarif"])
        .stdin(BARE)
        .run();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let run = &v["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert!(results.len() >= 6);
    for r in results {
        let text = r["message"]["text"].as_str().unwrap();
        assert!(!text.contains("```"), "{text}");
    }
    // Markdown stays where it is rendered: the rules' help.
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| {
        r["help"]["markdown"]
            .as_str()
            .unwrap_or("")
            .contains("```yaml")
    }));
}

#[test]
fn text_is_wrapped_between_words_only() {
    // Narrow enough that every long help wraps.
    let out = kubeward()
        .args(["lint", "-", "--no-context"])
        .env("COLUMNS", "60")
        .stdin(BARE)
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    // The image reference in image-latest-tag's help stays on one line.
    assert!(
        out.stdout
            .contains("`image: nginx:<version>@sha256:<digest>`"),
        "{}",
        out.stdout
    );
    for line in out.stdout.lines() {
        let t = line.trim_end();
        // A hyphenated word (`allowPrivilegeEscalation`, `run-as-root`, `read-only`) is
        // never cut at its hyphen.
        let cut = t.ends_with('-')
            && t[..t.len() - 1]
                .chars()
                .last()
                .is_some_and(char::is_alphanumeric);
        assert!(!cut, "cut at a hyphen: {line:?}\n{}", out.stdout);
    }
    // Errors wrap the same way: the list of configuration keys keeps `render-timeout` whole.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.yaml"), "bogus: 1\n").unwrap();
    let out = kubeward()
        .args(["lint", "--config", "c.yaml", "."])
        .dir(dir.path())
        .env("COLUMNS", "72")
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    for key in ["render-timeout", "render-max-output", "max-file-size"] {
        assert!(out.stderr.contains(key), "{key}:\n{}", out.stderr);
    }
}

#[test]
fn findings_on_one_node_are_one_group_and_stay_selectable() {
    let out = kubeward()
        .args(["lint", "-", "--no-context"])
        .stdin(BARE)
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let container = [
        "capabilities-not-dropped",
        "missing-resource-limits",
        "allow-privilege-escalation-unset",
        "non-root-not-required",
        "seccomp-profile-unset",
        "writable-root-filesystem",
    ];
    assert!(out.stdout.contains("6 findings here"), "{}", out.stdout);
    // The container's snippet is drawn once for the six.
    assert_eq!(
        out.stdout.matches("╭─[<stdin>:7:7]").count(),
        1,
        "{}",
        out.stdout
    );
    for id in container {
        assert!(
            out.stdout.contains(&format!("{id} (")),
            "{id}\n{}",
            out.stdout
        );
    }
    // Each rule is still selected and ignored on its own.
    let out = kubeward()
        .args([
            "lint",
            "-",
            "--no-context",
            "--select",
            "non-root-not-required",
        ])
        .stdin(BARE)
        .run();
    assert!(
        out.stdout.contains("non-root-not-required (medium)"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("seccomp-profile"), "{}", out.stdout);
    assert!(!out.stdout.contains("findings here"), "{}", out.stdout);
    let out = kubeward()
        .args([
            "lint",
            "-",
            "--no-context",
            "--format",
            "concise",
            "--ignore",
            "non-root-not-required",
        ])
        .stdin(BARE)
        .run();
    assert!(
        !out.stdout.contains("non-root-not-required"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("seccomp-profile"), "{}", out.stdout);
}

#[test]
fn a_directory_without_manifests_warns() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("README.md"), "# not a manifest\n").unwrap();
    std::fs::write(dir.path().join("compose.yaml"), "services: {}\n").unwrap();
    let out = kubeward().args(["lint", "."]).dir(dir.path()).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("warning: no Kubernetes manifests found in `.`"),
        "{}",
        out.stderr
    );
    // Not when there are manifests, nor for files given by name (pre-commit passes any YAML).
    let out = kubeward().args(["lint", &testdata("cli/workloads")]).run();
    assert!(
        !out.stderr.contains("warning: no Kubernetes"),
        "{}",
        out.stderr
    );
    let out = kubeward()
        .args(["lint", "compose.yaml"])
        .dir(dir.path())
        .run();
    assert!(
        !out.stderr.contains("warning: no Kubernetes"),
        "{}",
        out.stderr
    );
}

#[test]
fn select_and_profile_together_are_an_error() {
    let out = kubeward()
        .args([
            "lint",
            &testdata("cli/workloads/pod.yaml"),
            "--profile",
            "pss-baseline",
            "--select",
            "host-pid",
        ])
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--select"), "{}", out.stderr);
    // A profile from the configuration and --select from the command line, too.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".kubeward.yaml"),
        "profile: pss-restricted\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("pod.yaml"), BARE).unwrap();
    let out = kubeward()
        .args(["lint", ".", "--select", "run-as-root"])
        .dir(dir.path())
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("the configuration's `profile` and --select cannot be used together"),
        "{}",
        out.stderr
    );
}

#[test]
fn unknown_rules_suggest_the_nearest_and_categories_select() {
    let out = kubeward()
        .args([
            "lint",
            &testdata("cli/workloads/pod.yaml"),
            "--select",
            "host-pd",
        ])
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("Did you mean `host-pid`?"),
        "{}",
        out.stderr
    );
    let out = kubeward().args(["explain", "run-as-rot"]).run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("Did you mean `run-as-root`?"),
        "{}",
        out.stderr
    );
    // A configuration key.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".kubeward.yaml"), "fail_on: high\n").unwrap();
    let out = kubeward().args(["lint", "."]).dir(dir.path()).run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("Did you mean `fail-on`?"),
        "{}",
        out.stderr
    );
    // A category selects its rules.
    let (code, findings, _) = kubeward()
        .args(["lint", "-", "--no-context", "--select", "pod-security"])
        .stdin(BARE)
        .json();
    assert_eq!(code, 1);
    let rules: std::collections::BTreeSet<&str> =
        findings.iter().map(|(r, _, _)| r.as_str()).collect();
    assert!(
        rules.contains("non-root-not-required") && rules.contains("seccomp-profile-unset"),
        "{rules:?}"
    );
    assert!(!rules.contains("image-latest-tag"), "{rules:?}");
    let (_, findings, _) = kubeward()
        .args([
            "lint",
            "-",
            "--no-context",
            "--ignore",
            "pod-security,images",
        ])
        .stdin(BARE)
        .json();
    assert!(
        findings
            .iter()
            .all(|(r, _, _)| r != "non-root-not-required" && r != "image-latest-tag"),
        "{findings:?}"
    );
}

#[test]
fn messages_carry_no_internal_error_codes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".kubeward.yaml"), "bogus: 1\n").unwrap();
    let cases: Vec<(Vec<&str>, Option<&std::path::Path>)> = vec![
        (vec!["lint", ".", "--select", "nope"], None),
        (vec!["explain", "nope"], None),
        (vec!["lint", "."], Some(dir.path())),
        (vec!["lint", "--exclude", "[", "."], None),
        (vec!["init", "Cargo.toml"], None),
    ];
    for (args, dir) in cases {
        let mut k = kubeward().args(&args);
        if let Some(d) = dir {
            k = k.dir(d);
        }
        let out = k.run();
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(
            !out.stderr.contains("kubeward::"),
            "{args:?}:\n{}",
            out.stderr
        );
    }
}

#[test]
fn sarif_category_sets_the_automation_id() {
    let sarif = |extra: &[&str]| {
        let out = kubeward()
            .args(["lint", &testdata("cli/workloads/pod.yaml"), "--no-context"])
            .args(["--format", "sarif"])
            .args(extra)
            .run();
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        v["runs"][0]["automationDetails"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(sarif(&[]), "kubeward/");
    assert_eq!(
        sarif(&["--sarif-category", "kubeward-prod"]),
        "kubeward-prod/"
    );
    assert_eq!(sarif(&["--sarif-category", "k8s/prod/"]), "k8s/prod/");
    // --sarif-file follows it too.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("k.sarif");
    kubeward()
        .args(["lint", &testdata("cli/workloads/pod.yaml"), "--no-context"])
        .args([
            "--sarif-file",
            file.to_str().unwrap(),
            "--sarif-category",
            "staging",
        ])
        .run();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(v["runs"][0]["automationDetails"]["id"], "staging/");
    let out = kubeward()
        .args(["lint", ".", "--sarif-category", "two words"])
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
}

/// `script` runs kubeward on a pseudo-terminal (util-linux); without it these checks are skipped.
fn on_terminal(cmd: &str, env: &[(&str, &str)], stdin: &[u8]) -> Option<String> {
    if !std::path::Path::new("/usr/bin/script").exists() {
        eprintln!("note: no /usr/bin/script; skipping the terminal check");
        return None;
    }
    let bin = assert_cmd::cargo::cargo_bin("kubeward");
    let mut c = std::process::Command::new("/usr/bin/script");
    c.args(["-qec", &format!("{} {cmd}", bin.display()), "/dev/null"])
        .current_dir(common::root())
        .env_remove("NO_COLOR")
        .env_remove("CI")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    let mut child = c.spawn().ok()?;
    {
        use std::io::Write;
        let mut i = child.stdin.take()?;
        let _ = i.write_all(stdin);
    }
    let out = child.wait_with_output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn on_a_terminal_stdin_is_announced_and_dumb_means_no_colour() {
    let pod = std::fs::read(common::root().join("testdata/cli/workloads/pod.yaml")).unwrap();
    if let Some(out) = on_terminal(
        "lint - --no-context --no-progress",
        &[("TERM", "xterm")],
        &pod,
    ) {
        assert!(
            out.contains("reading manifests from standard input"),
            "{out}"
        );
    }
    let cmd = "lint testdata/cli/workloads/pod.yaml --no-context --no-progress";
    if let Some(out) = on_terminal(cmd, &[("TERM", "xterm")], b"") {
        assert!(out.contains('\u{1b}'), "colour on a terminal: {out}");
    }
    for env in [[("TERM", "dumb")], [("NO_COLOR", "1")]] {
        if let Some(out) = on_terminal(cmd, &env, b"") {
            assert!(out.contains("non-root-not-required"), "{out}");
            assert!(!out.contains('\u{1b}'), "{env:?}: {out}");
        }
    }
}

#[test]
fn job_summary_leads_with_counts_then_findings_most_severe_first() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let link = "https://github.com/acme/infra/security/code-scanning?query=pr%3A7+tool%3Akubeward";
    let out = kubeward()
        .args([
            "lint",
            "testdata/demo",
            "--render",
            "never",
            "--format",
            "github",
        ])
        .args(["--sarif-link", link])
        .env("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let md = std::fs::read_to_string(&summary).unwrap();
    let lines: Vec<&str> = md.lines().collect();
    assert_eq!(lines[0], "## kubeward");
    // First the counts: total and per severity, critical first.
    assert!(lines[2].starts_with("**"), "{md}");
    assert!(
        lines[2].contains(" findings**: ") && lines[2].contains("critical"),
        "{md}"
    );
    let sev = |s: &str| lines[2].find(s).unwrap_or(usize::MAX);
    assert!(
        sev("critical") < sev("high") && sev("high") < sev("medium"),
        "{md}"
    );
    assert!(md.contains(&format!("[SARIF results]({link})")), "{md}");
    // Then per rule, then what was linted, then the findings.
    let per_rule = md
        .find("| rule | severity | findings |")
        .expect("per-rule table");
    let linted = md.find("files linted").unwrap();
    let table = md.find("| | rule | location | message |").unwrap();
    assert!(per_rule < linted && linted < table, "{md}");
    let order = ["critical", "high", "medium", "low"];
    let rank: Vec<usize> = md[table..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with("| "))
        .map(|l| {
            let s = l.split('|').nth(1).unwrap().trim();
            order.iter().position(|o| *o == s).unwrap()
        })
        .collect();
    assert!(rank.len() > 10, "{md}");
    assert!(
        rank.windows(2).all(|w| w[0] <= w[1]),
        "findings not critical first:\n{md}"
    );
    // A link that could break out of the Markdown is refused.
    let out = kubeward()
        .args(["lint", "testdata/demo", "--format", "github"])
        .args(["--sarif-link", "https://x/a)[evil](https://evil"])
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
}

#[test]
fn the_configuration_names_a_baseline_inside_its_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.yaml"), BARE).unwrap();
    let out = kubeward()
        .args(["baseline", "known.json", "pod.yaml"])
        .dir(dir.path())
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    std::fs::write(dir.path().join(".kubeward.yaml"), "baseline: known.json\n").unwrap();
    let out = kubeward().args(["lint", "."]).dir(dir.path()).run();
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("known findings not reported"),
        "{}",
        out.stderr
    );
    // --baseline wins.
    std::fs::create_dir(dir.path().join("none")).unwrap();
    let out = kubeward()
        .args(["baseline", "empty.json", "none"])
        .dir(dir.path())
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = kubeward()
        .args(["lint", ".", "--baseline", "empty.json"])
        .dir(dir.path())
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    // A path out of the configuration's directory is refused, not read.
    for bad in ["../known.json", "/etc/passwd"] {
        std::fs::write(
            dir.path().join(".kubeward.yaml"),
            format!("baseline: {bad}\n"),
        )
        .unwrap();
        let out = kubeward().args(["lint", "."]).dir(dir.path()).run();
        assert_eq!(out.code, 2, "{bad}: {}", out.stderr);
        assert!(
            out.stderr.contains("must be a path inside"),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn readme_shows_the_checked_pull_request_workflow() {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let example =
        std::fs::read_to_string(common::root().join("docs/examples/pull-request.yml")).unwrap();
    assert!(
        readme.contains(&format!("```yaml\n{example}```\n")),
        "README.md's GitHub Action workflow differs from docs/examples/pull-request.yml"
    );
    // It uses what the action declares.
    let action = std::fs::read_to_string(common::root().join("action.yml")).unwrap();
    for input in ["new-findings-only", "baseline", "args", "category"] {
        assert!(example.contains(&format!("{input}: ")), "{input}");
        assert!(action.contains(&format!("\n  {input}:\n")), "{input}");
    }
}
