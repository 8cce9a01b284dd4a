//! No blind spot an attacker can create in the YAML (`SECURITY.md`, "What holds whatever the
//! input"): NEL, LS and PS end a line as they do for go-yaml v2, which the API server reads
//! manifests with, and suppression directives are read only from real comments.

use crate::harness::{CANARY, Scene, has_finding};

/// A Pod whose only container's `securityContext` holds `lines` (indented six spaces).
fn pod(name: &str, security_context: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  containers:\n  - name: c\n    image: nginx@sha256:{}\n    securityContext:\n{security_context}",
        "a".repeat(64)
    )
}

/// The unsuppressed findings of `rule` in the JSON report: (path, line, column).
fn findings_of(json: &serde_json::Value, rule: &str) -> Vec<(String, u64, u64)> {
    json["findings"]
        .as_array()
        .map(|fs| {
            fs.iter()
                .filter(|f| f["rule"] == rule && f["suppressed"].is_null())
                .map(|f| {
                    (
                        f["path"].as_str().unwrap_or("").to_owned(),
                        f["line"].as_u64().unwrap_or(0),
                        f["column"].as_u64().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `# note<BREAK>      privileged: true`: go-yaml ends the comment at the break and reads the
/// key; so must kubeward, reported on the line of the file that holds it (lines are counted by
/// line feeds, as GitHub and editors count them) at its column in that line, in every format.
#[test]
fn a_comment_ending_in_nel_ls_or_ps_does_not_hide_the_next_line() {
    let scene = Scene::new();
    for (name, brk) in [("nel", '\u{85}'), ("ls", '\u{2028}'), ("ps", '\u{2029}')] {
        scene.write(
            &format!("{name}.yaml"),
            pod(name, &format!("      # note{brk}      privileged: true\n")),
        );
    }
    let outputs = scene.every_output(&["nel.yaml", "ls.yaml", "ps.yaml"], &[]);
    scene.assert_untouched(&outputs);
    let json = outputs.of("json").json();
    let found = findings_of(&json, "privileged-container");
    for name in ["nel", "ls", "ps"] {
        // "      # note" (12 characters), the break, six spaces: the key is at column 20.
        assert!(
            found.contains(&(format!("{name}.yaml"), 10, 20)),
            "{name}: the key after the break is not seen: {found:?}\n{}",
            outputs.of("json").stdout
        );
    }
    // SARIF regions are the same lines and columns.
    let sarif: serde_json::Value =
        serde_json::from_str(&outputs.of("sarif").stdout).expect("SARIF parses");
    let regions: Vec<(u64, u64)> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["ruleId"] == "privileged-container")
        .map(|r| {
            let region = &r["locations"][0]["physicalLocation"]["region"];
            (
                region["startLine"].as_u64().unwrap_or(0),
                region["startColumn"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(regions, vec![(10, 20); 3]);
    // The human snippet shows the line with its break drawn, the caret under the key.
    let human = &outputs.of("human").stdout;
    assert!(
        human.contains("# note\u{21b5}      privileged: true"),
        "{human}"
    );
}

/// A `---` after an LS starts a document for go-yaml: the Pod after it is linted.
#[test]
fn a_document_marker_after_a_line_separator_starts_a_document() {
    let scene = Scene::new();
    scene.write(
        "cm.yaml",
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm # end\u{2028}---\u{2028}{}",
            pod("hidden", "      privileged: true\n")
        ),
    );
    let run = scene.run(&["lint", "--format", "json", "cm.yaml"]);
    let json = run.json();
    assert_eq!(json["summary"]["documents"], 2, "{}", run.stdout);
    assert!(
        has_finding(&json, "privileged-container", "cm.yaml", Some(13)),
        "{}",
        run.stdout
    );
}

/// Inside a scalar the breaks are text (a line break folded into it), never structure: a
/// quoted string holding `<LS>privileged: true` is not a key.
#[test]
fn a_line_separator_inside_a_quoted_scalar_stays_text() {
    let scene = Scene::new();
    scene.write(
        "q.yaml",
        pod(
            "q",
            "      privileged: false\n      seLinuxOptions: {type: \"x\u{2028}        privileged: true\"}\n",
        ),
    );
    let run = scene.run(&["lint", "--format", "json", "q.yaml"]);
    let json = run.json();
    assert_eq!(json["summary"]["files_failed"], 0, "{}", run.stdout);
    assert!(
        findings_of(&json, "privileged-container").is_empty(),
        "{}",
        run.stdout
    );
}

/// What a directive would silence, hidden in each kind of scalar: none of them is a comment,
/// so nothing is suppressed (and no "unused suppression" is reported for them either: they are
/// text).
#[test]
fn directives_inside_scalars_suppress_nothing() {
    let scene = Scene::new();
    let privileged = pod("target", "      privileged: true\n");
    let hidden = [
        // Double-quoted, over several lines.
        (
            "double",
            "data:\n  x: \"one\n    # kubeward: ignore-file[privileged-container] hidden\n    two\"\n",
        ),
        // Single-quoted.
        (
            "single",
            "data:\n  x: 'one\n    # kubeward: ignore-file[privileged-container] hidden\n    two'\n",
        ),
        // A literal block scalar.
        (
            "literal",
            "data:\n  x: |\n    one\n    # kubeward: ignore-file[privileged-container] hidden\n",
        ),
        // A folded block scalar whose first line looks like a directive.
        (
            "folded",
            "data:\n  x: >-\n    # kubeward: ignore-file[privileged-container] hidden\n    two\n",
        ),
        // A quoted key (an explicit one: an implicit key is one line).
        (
            "key",
            "data:\n  ? \"k\n    # kubeward: ignore-file[privileged-container] hidden\n    \"\n  : v\n",
        ),
        // In a flow mapping.
        (
            "flow",
            "data: {x: \"one\n    # kubeward: ignore-file[privileged-container] hidden\n    two\"}\n",
        ),
        // The annotation form, as text of a ConfigMap rather than an annotation.
        (
            "annotation",
            "data:\n  x: |\n    metadata:\n      annotations:\n        kubeward.io/ignore: \"privileged-container: hidden\"\n",
        ),
    ];
    // The `ignore[...]` form, on the line above the flagged one, inside a quoted scalar that
    // closes on it.
    scene.write(
        "line.yaml",
        pod(
            "line",
            "      seLinuxOptions: {type: \"x\n        # kubeward: ignore[privileged-container] hidden\"}\n      privileged: true\n",
        ),
    );
    let mut paths = vec!["line.yaml".to_owned()];
    for (name, body) in hidden {
        let path = format!("{name}.yaml");
        scene.write(
            &path,
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n{body}---\n{privileged}"
            ),
        );
        paths.push(path);
    }
    let args: Vec<&str> = paths.iter().map(String::as_str).collect();
    let outputs = scene.every_output(&args, &[]);
    scene.assert_untouched(&outputs);
    let json = outputs.of("json").json();
    let found = findings_of(&json, "privileged-container");
    for name in hidden.iter().map(|h| h.0).chain(["line"]) {
        let file = format!("{name}.yaml");
        assert!(
            found.iter().any(|f| f.0 == file),
            "{name}: a directive inside a scalar suppressed the finding (or the file did not lint)\n{}",
            outputs.of("json").stdout
        );
    }
    let summary = &json["summary"];
    assert_eq!(summary["suppressed"], 0, "{}", outputs.of("json").stdout);
    assert_eq!(summary["files_failed"], 0, "{}", outputs.of("json").stdout);
    assert!(
        findings_of(&json, "unused-suppression").is_empty(),
        "text inside a scalar was read as a directive: {}",
        outputs.of("json").stdout
    );
}

/// After a syntax error the parser did not read the rest: a directive-looking line there may
/// be inside a scalar (here an unterminated quoted one), so it suppresses nothing, not even
/// the parse error. The Pod before it is reported.
#[test]
fn directives_in_text_that_does_not_parse_suppress_nothing() {
    let scene = Scene::new();
    scene.write(
        "broken.yaml",
        format!(
            "{}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  x: \"open\n# kubeward: ignore-file[all] hidden\n  \\q\"\n",
            pod("before", "      privileged: true\n")
        ),
    );
    let run = scene.run(&["lint", "--format", "json", "broken.yaml"]);
    let json = run.json();
    assert_eq!(
        findings_of(&json, "privileged-container").len(),
        1,
        "{}",
        run.stdout
    );
    assert_eq!(findings_of(&json, "parse-error").len(), 1, "{}", run.stdout);
    assert_eq!(json["summary"]["suppressed"], 0, "{}", run.stdout);
}

/// Real comments still work, including one that ends at an LS before the key it covers, and
/// a file-level directive above a document that does not parse.
#[test]
fn real_comments_still_suppress() {
    let scene = Scene::new();
    scene.write(
        "ok.yaml",
        pod(
            "ok",
            "      # kubeward: ignore[privileged-container] the CNI agent needs it\u{2028}      privileged: true\n",
        ),
    );
    scene.write(
        "junk.yaml",
        "# kubeward: ignore-file[parse-error] a fixture that is broken on purpose\n{a: [\n",
    );
    let run = scene.run(&["lint", "--format", "sarif", "ok.yaml", "junk.yaml"]);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).expect("SARIF parses");
    let suppressed: Vec<(String, String)> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["suppressions"].as_array().is_some_and(|s| !s.is_empty()))
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap_or("").to_owned(),
                r["suppressions"][0]["justification"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
            )
        })
        .collect();
    assert!(
        suppressed.contains(&(
            "privileged-container".to_owned(),
            "the CNI agent needs it".to_owned()
        )),
        "{suppressed:?}"
    );
    assert!(
        suppressed.contains(&(
            "parse-error".to_owned(),
            "a fixture that is broken on purpose".to_owned()
        )),
        "{suppressed:?}"
    );
    assert!(!run.all().contains(CANARY));
}
