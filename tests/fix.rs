//! `kubeward lint --fix`, `--diff`, `--unsafe-fixes`, and fixes in SARIF and rdjson.

mod common;

use common::kubeward;

/// A Deployment written the way people write them: comments, a flow mapping, CRLF line ends.
const DEPLOYMENT: &str = "# web, reviewed 2026-11\r\napiVersion: apps/v1\r\nkind: Deployment\r\nmetadata:\r\n  name: web\r\n  namespace: shop\r\nspec:\r\n  selector: {matchLabels: {app: web}}\r\n  template:\r\n    metadata:\r\n      labels: {app: web}\r\n    spec:\r\n      containers:\r\n      - name: web   # the app\r\n        image: nginx:1.27\r\n        securityContext: {runAsNonRoot: true}\r\n      # the sidecar below ships logs\r\n      - name: log\r\n        image: fluent-bit:3.1\r\n";

/// The same after the safe fixes: one line each where a key was added, the flow mapping still
/// flow, CRLF kept, the comments where they were. (`automountServiceAccountToken` is a fix of a
/// cross-object finding: the pod's ServiceAccount is not in the input to opt out.)
const FIXED: &str = "# web, reviewed 2026-11\r\napiVersion: apps/v1\r\nkind: Deployment\r\nmetadata:\r\n  name: web\r\n  namespace: shop\r\nspec:\r\n  selector: {matchLabels: {app: web}}\r\n  template:\r\n    metadata:\r\n      labels: {app: web}\r\n    spec:\r\n      containers:\r\n      - name: web   # the app\r\n        image: nginx:1.27\r\n        securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false}\r\n      # the sidecar below ships logs\r\n      - name: log\r\n        image: fluent-bit:3.1\r\n        securityContext:\r\n          allowPrivilegeEscalation: false\r\n      automountServiceAccountToken: false\r\n      securityContext:\r\n        seccompProfile:\r\n          type: RuntimeDefault\r\n";

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join("web.yaml"), DEPLOYMENT).expect("written");
    dir
}

fn read(dir: &tempfile::TempDir) -> String {
    std::fs::read_to_string(dir.path().join("web.yaml")).expect("read")
}

#[test]
fn fix_makes_the_safe_fixes_and_a_second_run_changes_nothing() {
    let dir = repo();
    let path = dir.path().join("web.yaml");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    }
    let out = kubeward()
        .dir(dir.path())
        .args(["lint", ".", "--fix", "--no-progress", "--format", "json"])
        .run();
    assert_eq!(read(&dir), FIXED);
    assert!(
        out.stderr
            .contains("fixed 5 findings in 1 files; 7 more with --unsafe-fixes"),
        "{}",
        out.stderr
    );
    // The report is of what remains: none of the fixed rules' findings.
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    for f in json["findings"].as_array().unwrap() {
        let rule = f["rule"].as_str().unwrap();
        assert!(
            ![
                "allow-privilege-escalation-unset",
                "seccomp-profile-unset",
                "automount-service-account-token"
            ]
            .contains(&rule),
            "{rule} remains"
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640, "the file keeps its permissions");
    }
    // No temporary file left beside it.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["web.yaml"]);
    let again = kubeward()
        .dir(dir.path())
        .args(["lint", ".", "--fix", "--no-progress"])
        .run();
    assert_eq!(read(&dir), FIXED);
    assert!(again.stderr.contains("fixed 0 findings in 0 files"));
    let diff = kubeward()
        .dir(dir.path())
        .args(["lint", ".", "--diff", "--no-progress"])
        .run();
    assert_eq!((diff.code, diff.stdout.as_str()), (0, ""));
}

#[test]
fn diff_prints_the_fixes_and_writes_nothing() {
    let dir = repo();
    let out = kubeward()
        .dir(dir.path())
        .args(["lint", "web.yaml", "--diff", "--no-progress"])
        .run();
    assert_eq!(read(&dir), DEPLOYMENT, "--diff writes nothing");
    assert_eq!(out.code, 1, "there is something to fix");
    assert_eq!(
        out.stdout,
        "--- a/web.yaml\n+++ b/web.yaml\n@@ -13,7 +13,13 @@\n       containers:\r\n       - name: web   # the app\r\n         image: nginx:1.27\r\n-        securityContext: {runAsNonRoot: true}\r\n+        securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false}\r\n       # the sidecar below ships logs\r\n       - name: log\r\n         image: fluent-bit:3.1\r\n+        securityContext:\r\n+          allowPrivilegeEscalation: false\r\n+      automountServiceAccountToken: false\r\n+      securityContext:\r\n+        seccompProfile:\r\n+          type: RuntimeDefault\r\n"
    );
    assert!(
        out.stderr
            .contains("5 fixes in 1 files (--fix to make them)")
    );
    // With the unsafe fixes: one securityContext per container, every key in it.
    let out = kubeward()
        .dir(dir.path())
        .args([
            "lint",
            "web.yaml",
            "--diff",
            "--unsafe-fixes",
            "--no-progress",
        ])
        .run();
    assert!(out.stdout.contains(
        "+        securityContext:\r\n+          allowPrivilegeEscalation: false\r\n+          capabilities:\r\n+            drop:\r\n+            - ALL\r\n+          readOnlyRootFilesystem: true\r\n"
    ), "{}", out.stdout);
    assert_eq!(out.stdout.matches("securityContext:\r\n").count(), 2);
    assert_eq!(read(&dir), DEPLOYMENT);
}

#[test]
fn rendered_output_gets_no_automatic_fix() {
    // A rendered Helm stream (its `# Source:` comments tell): never edited.
    let dir = tempfile::tempdir().unwrap();
    let rendered = "---\n# Source: web/templates/deployment.yaml\napiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n";
    std::fs::write(dir.path().join("rendered.yaml"), rendered).unwrap();
    let out = kubeward()
        .dir(dir.path())
        .args(["lint", ".", "--fix", "--no-progress", "--format", "json"])
        .run();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("rendered.yaml")).unwrap(),
        rendered
    );
    assert!(
        out.stderr.contains("have no automatic fix here"),
        "{}",
        out.stderr
    );
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let pe = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "allow-privilege-escalation-unset")
        .expect("the finding remains");
    assert!(
        pe["help"]
            .as_str()
            .unwrap()
            .contains("No automatic fix here")
    );
    assert_eq!(pe["fix"]["editable"], false);
}

#[test]
fn sarif_results_carry_their_fix() {
    let dir = repo();
    let out = kubeward()
        .dir(dir.path())
        .args(["lint", "web.yaml", "--format", "sarif", "--no-progress"])
        .run();
    let sarif: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let pe: Vec<&serde_json::Value> = results
        .iter()
        .filter(|r| r["ruleId"] == "allow-privilege-escalation-unset")
        .collect();
    assert_eq!(pe.len(), 2);
    // The first container's: `, allowPrivilegeEscalation: false` inserted before the `}`.
    let fix = &pe[0]["fixes"][0];
    assert_eq!(
        fix["description"]["text"],
        "set `allowPrivilegeEscalation: false` (safe fix)"
    );
    let change = &fix["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "web.yaml");
    assert_eq!(
        change["replacements"][0],
        serde_json::json!({
            "deletedRegion": {"startLine": 16, "startColumn": 45, "endLine": 16, "endColumn": 45},
            "insertedContent": {"text": ", allowPrivilegeEscalation: false"}
        })
    );
    // An unsafe one says so.
    let caps = results
        .iter()
        .find(|r| r["ruleId"] == "capabilities-not-dropped")
        .unwrap();
    assert!(
        caps["fixes"][0]["description"]["text"]
            .as_str()
            .unwrap()
            .ends_with("(unsafe fix)")
    );
    // Findings without a fix have none.
    assert!(
        results
            .iter()
            .filter(|r| r["ruleId"] == "image-not-pinned")
            .all(|r| r.get("fixes").is_none())
    );
}

#[test]
fn rdjson_carries_suggestions() {
    let dir = repo();
    let out = kubeward()
        .dir(dir.path())
        .args([
            "lint",
            "web.yaml",
            "--format",
            "rdjson",
            "--select",
            "allow-privilege-escalation-unset",
            "--no-progress",
        ])
        .run();
    assert_eq!(out.code, 1);
    let rd: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(rd["source"]["name"], "kubeward");
    let d = rd["diagnostics"].as_array().unwrap();
    assert_eq!(d.len(), 2);
    assert_eq!(d[0]["code"]["value"], "allow-privilege-escalation-unset");
    assert_eq!(d[0]["severity"], "WARNING");
    assert_eq!(d[0]["location"]["path"], "web.yaml");
    assert_eq!(
        d[1]["suggestions"][0],
        serde_json::json!({
            "range": {"start": {"line": 20, "column": 1}, "end": {"line": 20, "column": 1}},
            "text": "        securityContext:\r\n          allowPrivilegeEscalation: false\r\n"
        })
    );
}

#[test]
fn add_suppressions_adopts_what_remains_and_is_done_once() {
    let dir = repo();
    let out = kubeward()
        .dir(dir.path())
        .args([
            "lint",
            ".",
            "--add-suppressions",
            "reviewed by platform team",
            "--select",
            "allow-privilege-escalation-unset,image-pull-policy",
            "--no-progress",
        ])
        .run();
    assert_eq!(
        out.code, 0,
        "everything that remains is suppressed: {}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("added 4 suppression comments in 1 files"),
        "{}",
        out.stderr
    );
    // A comment line above each flagged line, at its indentation, with the file's CRLF.
    assert_eq!(
        read(&dir),
        DEPLOYMENT
            .replace(
                "        image: nginx:1.27\r\n        securityContext",
                "        # kubeward: ignore[image-pull-policy] reviewed by platform team\r\n        image: nginx:1.27\r\n        # kubeward: ignore[allow-privilege-escalation-unset] reviewed by platform team\r\n        securityContext",
            )
            .replace(
                "      - name: log\r\n        image",
                "      # kubeward: ignore[allow-privilege-escalation-unset] reviewed by platform team\r\n      - name: log\r\n        # kubeward: ignore[image-pull-policy] reviewed by platform team\r\n        image",
            )
    );
    // The findings are suppressed with the reason, none is new, and a second run adds nothing.
    let json = kubeward()
        .dir(dir.path())
        .args([
            "lint",
            ".",
            "--select",
            "allow-privilege-escalation-unset,image-pull-policy,unused-suppression",
            "--format",
            "json",
            "--no-progress",
        ])
        .run();
    assert_eq!(json.code, 0, "{}", json.stdout);
    let again = kubeward()
        .dir(dir.path())
        .args([
            "lint",
            ".",
            "--add-suppressions",
            "again",
            "--no-progress",
            "--select",
            "allow-privilege-escalation-unset,image-pull-policy",
        ])
        .run();
    assert!(
        again
            .stderr
            .contains("added 0 suppression comments in 0 files")
    );
    // A reason is required, and one line.
    let bad = kubeward()
        .dir(dir.path())
        .args(["lint", ".", "--add-suppressions", " "])
        .run();
    assert_eq!(bad.code, 2);
}

/// `kubectl` or `kustomize` on PATH (the Kustomize tests skip without).
fn kustomize_renderer() -> bool {
    let found = std::env::var_os("PATH").is_some_and(|p| {
        std::env::split_paths(&p)
            .any(|d| d.join("kubectl").is_file() || d.join("kustomize").is_file())
    });
    if !found {
        eprintln!("note: neither kubectl nor kustomize is on PATH; skipping this test");
    }
    found
}

#[test]
fn kustomize_resources_are_fixed_where_they_were_written_and_patched_objects_are_not() {
    if !kustomize_renderer() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let put = |p: &str, t: &str| {
        let p = dir.path().join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, t).unwrap();
    };
    let web = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web  # the app\n        image: nginx:1.27\n";
    let api = web.replace("web", "api");
    put(
        "base/kustomization.yaml",
        "resources:\n- web.yaml\n- api.yaml\n",
    );
    put("base/web.yaml", web);
    put("base/api.yaml", &api);
    // The overlay patches `api`, not `web`.
    put(
        "prod/kustomization.yaml",
        "resources:\n- ../base\nnamePrefix: prod-\npatches:\n- target: {kind: Deployment, name: api}\n  patch: |-\n    - op: add\n      path: /spec/replicas\n      value: 3\n",
    );
    let before = kubeward()
        .dir(dir.path())
        .args([
            "lint",
            ".",
            "--format",
            "json",
            "--sarif-file",
            "/dev/null",
            "--no-progress",
            "--select",
            "allow-privilege-escalation-unset",
        ])
        .run();
    let json: serde_json::Value = serde_json::from_str(&before.stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    let of = |path: &str| {
        findings
            .iter()
            .find(|f| f["path"] == path)
            .unwrap_or_else(|| panic!("a finding in {path}: {}", before.stdout))
    };
    let w = of("base/web.yaml");
    assert_eq!(w["trace"]["via"], "kustomize");
    assert_eq!(
        (&w["fix"]["editable"], &w["fix"]["path"]),
        (&true.into(), &"base/web.yaml".into())
    );
    assert_eq!(of("base/api.yaml")["fix"]["editable"], false);

    let out = kubeward()
        .dir(dir.path())
        .args([
            "lint",
            ".",
            "--fix",
            "--no-progress",
            "--select",
            "allow-privilege-escalation-unset",
        ])
        .run();
    assert!(
        out.stderr.contains("fixed 1 findings in 1 files"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("1 in rendered output or standard input have no automatic fix here"),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("base/web.yaml")).unwrap(),
        format!("{web}        securityContext:\n          allowPrivilegeEscalation: false\n")
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("base/api.yaml")).unwrap(),
        api
    );
    let again = kubeward()
        .dir(dir.path())
        .args([
            "lint",
            ".",
            "--diff",
            "--no-progress",
            "--select",
            "allow-privilege-escalation-unset",
        ])
        .run();
    assert_eq!((again.code, again.stdout.as_str()), (0, ""));
}

/// A front end whose pods run as their namespace's `default` ServiceAccount (not in the input)
/// and read no token: the cross-object finding's fix is safe. Its Deployment is the second
/// document of its file.
const WEB: &str = "# the shop's front end\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:   # nginx only\n      containers:\n      - name: web\n        image: nginx:1.27\n";

/// An API whose pods run as a ServiceAccount of their own, which does not opt out: the fix is
/// unsafe (an account of its own is usually there to call the API).
const API: &str = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: api, namespace: shop}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec:\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      serviceAccountName: api\n      containers:\n      - name: api\n        image: api:1.0\n";

const AUTOMOUNT: &str = "automount-service-account-token";

fn shop() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join("web.yaml"), WEB).expect("written");
    std::fs::write(dir.path().join("api.yaml"), API).expect("written");
    dir
}

/// The findings of every rule, as (rule, path, message), sorted.
fn findings(dir: &std::path::Path) -> Vec<(String, String, String)> {
    let out = kubeward()
        .dir(dir)
        .args([
            "lint",
            ".",
            "--format",
            "json",
            "--no-progress",
            "--fail-on",
            "never",
        ])
        .run();
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect(&out.stderr);
    let mut v: Vec<_> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap().to_owned();
            (s("rule"), s("path"), s("message"))
        })
        .collect();
    v.sort();
    v
}

#[test]
fn cross_object_fixes_are_made_where_nothing_reads_the_token_and_a_second_run_changes_nothing() {
    let dir = shop();
    let before = findings(dir.path());
    let web_finding = (
        AUTOMOUNT.to_owned(),
        "web.yaml".to_owned(),
        "Deployment \"web\" does not set `automountServiceAccountToken: false` and its ServiceAccount \"default\" is not in the input to opt out: every container gets a Kubernetes API token".to_owned(),
    );
    assert!(before.contains(&web_finding), "{before:#?}");
    let fix = |extra: &[&str]| {
        kubeward()
            .dir(dir.path())
            .args(["lint", ".", "--fix", "--no-progress", "--select", AUTOMOUNT])
            .args(extra)
            .run()
    };
    let out = fix(&[]);
    assert!(
        out.stderr
            .contains("fixed 1 findings in 1 files; 1 more with --unsafe-fixes"),
        "{}",
        out.stderr
    );
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    // One line at the end of the pod spec; the comment on `spec:` and the first document kept.
    assert_eq!(
        read("web.yaml"),
        format!("{WEB}      automountServiceAccountToken: false\n")
    );
    assert_eq!(
        read("api.yaml"),
        API,
        "an unsafe fix waits for --unsafe-fixes"
    );
    // The fixed finding is gone and nothing is new.
    let after = findings(dir.path());
    let mut expected = before.clone();
    expected.retain(|f| *f != web_finding);
    assert_eq!(after, expected);
    // Fixing again changes nothing.
    let again = fix(&[]);
    assert!(
        again.stderr.contains("fixed 0 findings in 0 files"),
        "{}",
        again.stderr
    );
    assert_eq!(
        read("web.yaml"),
        format!("{WEB}      automountServiceAccountToken: false\n")
    );
    // With --unsafe-fixes, the API's pods opt out too; then nothing is left to fix.
    let out = fix(&["--unsafe-fixes"]);
    assert!(
        out.stderr.contains("fixed 1 findings in 1 files"),
        "{}",
        out.stderr
    );
    assert_eq!(
        read("api.yaml"),
        API.replace(
            "        image: api:1.0\n",
            "        image: api:1.0\n      automountServiceAccountToken: false\n"
        )
    );
    let after_unsafe = findings(dir.path());
    expected.retain(|f| !(f.0 == AUTOMOUNT && f.1 == "api.yaml"));
    assert_eq!(after_unsafe, expected);
    let diff = kubeward()
        .dir(dir.path())
        .args([
            "lint",
            ".",
            "--diff",
            "--unsafe-fixes",
            "--no-progress",
            "--select",
            AUTOMOUNT,
        ])
        .run();
    assert_eq!((diff.code, diff.stdout.as_str()), (0, ""));
}

#[test]
fn cross_object_findings_carry_their_fix_in_diff_json_sarif_and_rdjson() {
    let dir = shop();
    let args = |more: &[&str]| {
        kubeward()
            .dir(dir.path())
            .args(["lint", ".", "--no-progress", "--select", AUTOMOUNT])
            .args(more)
            .run()
    };
    let diff = args(&["--diff"]);
    assert_eq!(diff.code, 1);
    assert_eq!(
        diff.stdout,
        "--- a/web.yaml\n+++ b/web.yaml\n@@ -20,3 +20,4 @@\n       containers:\n       - name: web\n         image: nginx:1.27\n+      automountServiceAccountToken: false\n"
    );
    // JSON (fixes are built for the SARIF file): the document and route the fix edits.
    let json = args(&["--format", "json", "--sarif-file", "/dev/null"]);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let of = |path: &str| {
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path)
            .unwrap()
            .clone()
    };
    assert_eq!(
        of("web.yaml")["fix"],
        serde_json::json!({
            "kind": "safe",
            "title": "set `automountServiceAccountToken: false`",
            "editable": true,
            "path": "web.yaml",
            "document": 1,
            "changes": [{"op": "set", "route": "spec.template.spec.automountServiceAccountToken", "value": false}]
        })
    );
    assert_eq!(of("api.yaml")["fix"]["kind"], "unsafe");
    // SARIF: an insertion after the last line of the pod spec.
    let sarif = args(&["--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let web = results
        .iter()
        .find(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "web.yaml")
        .unwrap();
    let fix = &web["fixes"][0];
    assert_eq!(
        fix["description"]["text"],
        "set `automountServiceAccountToken: false` (safe fix)"
    );
    assert_eq!(
        fix["artifactChanges"][0]["artifactLocation"]["uri"],
        "web.yaml"
    );
    assert_eq!(
        fix["artifactChanges"][0]["replacements"][0],
        serde_json::json!({
            "deletedRegion": {"startLine": 23, "startColumn": 1, "endLine": 23, "endColumn": 1},
            "insertedContent": {"text": "      automountServiceAccountToken: false\n"}
        })
    );
    // rdjson: the same as a suggestion.
    let rd = args(&["--format", "rdjson"]);
    let rd: serde_json::Value = serde_json::from_str(&rd.stdout).unwrap();
    let d = rd["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["location"]["path"] == "web.yaml")
        .unwrap();
    assert_eq!(
        d["suggestions"][0],
        serde_json::json!({
            "range": {"start": {"line": 23, "column": 1}, "end": {"line": 23, "column": 1}},
            "text": "      automountServiceAccountToken: false\n"
        })
    );
}

#[test]
fn cross_object_fixes_are_never_offered_on_rendered_output() {
    // Helm output a user committed (its `# Source:` comments tell): never edited, and the
    // cross-object finding carries no fix at all (nor does SARIF or rdjson offer one).
    let dir = tempfile::tempdir().unwrap();
    let rendered = "---\n# Source: web/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n";
    std::fs::write(dir.path().join("rendered.yaml"), rendered).unwrap();
    let run = |more: &[&str]| {
        kubeward()
            .dir(dir.path())
            .args(["lint", ".", "--no-progress", "--select", AUTOMOUNT])
            .args(more)
            .run()
    };
    let json = run(&["--format", "json", "--sarif-file", "/dev/null"]);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let found = json["findings"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].get("fix").is_none(), "{}", found[0]);
    let sarif = run(&["--format", "sarif"]);
    assert!(!sarif.stdout.contains("\"fixes\""), "{}", sarif.stdout);
    let rd = run(&["--format", "rdjson"]);
    assert!(!rd.stdout.contains("suggestions"), "{}", rd.stdout);
    let diff = run(&["--diff"]);
    assert_eq!((diff.code, diff.stdout.as_str()), (0, ""));
    let out = run(&["--fix", "--unsafe-fixes"]);
    assert!(
        out.stderr.contains("fixed 0 findings in 0 files"),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("rendered.yaml")).unwrap(),
        rendered
    );

    // Standard input is not written back: the fix is there, but not here (as a single-object
    // finding's).
    let stdin = kubeward()
        .args([
            "lint",
            "-",
            "--format",
            "json",
            "--sarif-file",
            "/dev/null",
            "--no-progress",
            "--select",
            AUTOMOUNT,
        ])
        .stdin(WEB)
        .run();
    let json: serde_json::Value = serde_json::from_str(&stdin.stdout).unwrap();
    let f = &json["findings"][0];
    assert_eq!(f["fix"]["editable"], false, "{f}");
    assert!(
        f["help"]
            .as_str()
            .unwrap()
            .contains("No automatic fix here: the input is not a file kubeward can write back"),
        "{f}"
    );
}

#[test]
fn cross_object_fixes_of_kustomize_output_are_made_in_unpatched_resources_only() {
    if !kustomize_renderer() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let put = |p: &str, t: &str| {
        let p = dir.path().join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, t).unwrap();
    };
    let web = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web  # the app\n        image: nginx:1.27\n";
    let api = web.replace("web", "api");
    put(
        "base/kustomization.yaml",
        "resources:\n- web.yaml\n- api.yaml\n",
    );
    put("base/web.yaml", web);
    put("base/api.yaml", &api);
    // The overlay patches `api`, not `web`.
    put(
        "prod/kustomization.yaml",
        "resources:\n- ../base\nnamespace: shop\nnamePrefix: prod-\npatches:\n- target: {kind: Deployment, name: api}\n  patch: |-\n    - op: add\n      path: /spec/replicas\n      value: 3\n",
    );
    let run = |more: &[&str]| {
        kubeward()
            .dir(dir.path())
            .args(["lint", ".", "--no-progress", "--select", AUTOMOUNT])
            .args(more)
            .run()
    };
    let json = run(&["--format", "json", "--sarif-file", "/dev/null"]);
    let parsed: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let found = parsed["findings"].as_array().unwrap();
    let web_fixes: Vec<_> = found
        .iter()
        .filter(|f| f["path"] == "base/web.yaml")
        .map(|f| &f["fix"])
        .collect();
    assert!(!web_fixes.is_empty(), "{}", json.stdout);
    for fix in &web_fixes {
        assert_eq!(
            (&fix["path"], &fix["editable"], &fix["document"]),
            (&"base/web.yaml".into(), &true.into(), &0.into()),
            "{}",
            json.stdout
        );
    }
    assert!(
        found
            .iter()
            .filter(|f| f["path"] == "base/api.yaml")
            .all(|f| f.get("fix").is_none()),
        "{}",
        json.stdout
    );
    let out = run(&["--fix"]);
    assert!(out.stderr.contains("fixed"), "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("base/web.yaml")).unwrap(),
        format!("{web}      automountServiceAccountToken: false\n")
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("base/api.yaml")).unwrap(),
        api
    );
    let again = run(&["--diff"]);
    assert_eq!((again.code, again.stdout.as_str()), (0, ""));
    let left = run(&["--format", "json"]);
    let left: serde_json::Value = serde_json::from_str(&left.stdout).unwrap();
    assert!(
        left["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["path"] != "base/web.yaml"),
        "{left}"
    );

    // A second overlay renders the same resource: each overlay's pods were judged apart (in
    // `staging` a binding may grant its default account what the API needs), so an edit of the
    // shared resource is not offered for either.
    put("base/web.yaml", web);
    put(
        "staging/kustomization.yaml",
        "resources:\n- ../base\nnamespace: staging\n",
    );
    let json = run(&["--format", "json", "--sarif-file", "/dev/null"]);
    let parsed: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let found = parsed["findings"].as_array().unwrap();
    assert_eq!(
        found
            .iter()
            .filter(|f| f["path"] == "base/web.yaml")
            .count(),
        2,
        "{}",
        json.stdout
    );
    assert!(
        found.iter().all(|f| f.get("fix").is_none()),
        "{}",
        json.stdout
    );
    let diff = run(&["--diff", "--unsafe-fixes"]);
    assert_eq!((diff.code, diff.stdout.as_str()), (0, ""));
}
