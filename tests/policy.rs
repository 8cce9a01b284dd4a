//! Policy as code, black-box: admission policies of the repository and `--policy`, the team's
//! custom rules from `.kubeward.yaml`, located findings, `rules`/`explain`/SARIF, suppressions,
//! and located configuration errors.

mod common;

use std::path::Path;

use common::kubeward;

const POLICY: &str = r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: no-privileged
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [pods]
  validations:
  - expression: "object.spec.containers.all(c, !c.?securityContext.?privileged.orValue(false))"
    message: privileged containers are not allowed
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: no-privileged-binding
spec:
  policyName: no-privileged
  validationActions: [Deny]
"#;

const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: debug
  namespace: shop
spec:
  containers:
  - name: app
    image: registry.example.com/app:1.0
  - name: shell
    image: registry.example.com/debug:1.0
    securityContext:
      privileged: true
";

const CONFIG: &str = r#"rules:
  custom:
  - id: team-label-missing
    severity: medium
    summary: workload without a team label
    help: Add a `team` label to the workload's metadata.labels.
    kinds: [Deployment]
    validations:
    - expression: "object.metadata.?labels.?team.orValue('') != ''"
      messageExpression: "object.kind + ' ' + object.metadata.name + ' has no team label'"
"#;

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: registry.example.com/web:1.0}]
";

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

fn findings(stdout: &str, rule: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(stdout).expect("json output");
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == rule)
        .cloned()
        .collect()
}

#[test]
fn repository_policy_is_reported_at_the_offending_line() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "policies/no-privileged.yaml", POLICY);
    write(d.path(), "apps/debug.yaml", POD);
    let out = kubeward()
        .dir(d.path())
        .args([
            "lint",
            ".",
            "--select",
            "admission-policy",
            "--format",
            "json",
        ])
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let f = findings(&out.stdout, "admission-policy");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["path"], "apps/debug.yaml");
    assert_eq!(f[0]["line"], 13, "the privileged: true line");
    assert_eq!(
        f[0]["route"],
        "spec.containers[name=shell].securityContext.privileged"
    );
    assert_eq!(f[0]["severity"], "high");
    assert!(
        f[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("\"no-privileged\"")
                && m.contains("privileged containers are not allowed")),
        "{f:?}"
    );
    assert_eq!(f[0]["related"][0]["path"], "policies/no-privileged.yaml");
    assert_eq!(f[0]["related"][0]["line"], 13);

    let human = kubeward()
        .dir(d.path())
        .args([
            "lint",
            ".",
            "--select",
            "admission-policy",
            "--color",
            "never",
        ])
        .env("COLUMNS", "100")
        .run();
    // The diagnostics (standard output), then the summary (standard error).
    let shown: String = human
        .stdout
        .lines()
        .chain(human.stderr.lines())
        .filter(|l| !l.contains("files linted"))
        .map(|l| format!("{l}\n"))
        .collect();
    insta::assert_snapshot!(kubeward::testing::unversioned(&shown), @r#"
    admission-policy (high) (https://github.com/kubeward/kubeward/blob/v[VERSION]/docs/rules/admission-policy.md)

      × admission policy "no-privileged": privileged containers are not allowed
        ╭─[apps/debug.yaml:13:7]
     12 │     securityContext:
     13 │       privileged: true
        ·       ────────┬───────
        ·               ╰── the API server rejects this
        ╰────
      related:
        - validation 0 of "no-privileged" (policies/no-privileged.yaml:13:17)

    1 finding: 1 high
    "#);
}

#[test]
fn policy_flag_and_config_read_policies_outside_the_linted_paths() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "cluster/policy.yaml", POLICY);
    write(d.path(), "apps/debug.yaml", POD);
    // Without the policy: nothing.
    let out = kubeward()
        .dir(d.path())
        .args([
            "lint",
            "apps",
            "--select",
            "admission-policy",
            "--format",
            "json",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = kubeward()
        .dir(d.path())
        .args([
            "lint",
            "apps",
            "--policy",
            "cluster/policy.yaml",
            "--select",
            "admission-policy",
            "--format",
            "json",
        ])
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(findings(&out.stdout, "admission-policy").len(), 1);
    // The configuration's `policies:` (relative to the file).
    write(d.path(), ".kubeward.yaml", "policies: [cluster]\n");
    let out = kubeward()
        .dir(d.path())
        .args([
            "lint",
            "apps",
            "--select",
            "admission-policy",
            "--format",
            "json",
        ])
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(findings(&out.stdout, "admission-policy").len(), 1);
}

#[test]
fn namespace_selector_params_and_actions() {
    let d = tempfile::tempdir().expect("tempdir");
    write(
        d.path(),
        "policy.yaml",
        r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: max-replicas}
spec:
  paramKind: {apiVersion: v1, kind: ConfigMap}
  matchConstraints:
    namespaceSelector:
      matchLabels: {env: prod}
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}
  validations:
  - expression: "object.spec.replicas <= int(params.data.maxReplicas)"
    messageExpression: "'at most ' + params.data.maxReplicas + ' replicas in ' + namespaceObject.metadata.name"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: max-replicas}
spec:
  policyName: max-replicas
  validationActions: [Warn]
  paramRef: {name: limits, namespace: policy-params, parameterNotFoundAction: Deny}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: limits, namespace: policy-params}
data: {maxReplicas: "3"}
---
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {env: prod}
"#,
    );
    let deploy = |ns: &str, replicas: u32| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web, namespace: {ns}}}\nspec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec: {{containers: [{{name: web, image: x}}]}}\n"
        )
    };
    write(d.path(), "shop.yaml", &deploy("shop", 5));
    write(d.path(), "shop-ok.yaml", &deploy("shop", 2));
    // Namespace `dev` is not in the input: it has only its name label, not env=prod.
    write(d.path(), "dev.yaml", &deploy("dev", 5));
    let out = kubeward()
        .dir(d.path())
        .args([
            "lint",
            ".",
            "--select",
            "admission-policy",
            "--format",
            "json",
        ])
        .run();
    let f = findings(&out.stdout, "admission-policy");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["path"], "shop.yaml");
    assert_eq!(f[0]["route"], "spec.replicas");
    assert_eq!(
        f[0]["severity"], "high",
        "one severity per rule id: Warn changes the wording, not the severity"
    );
    assert!(
        f[0]["message"]
            .as_str()
            .is_some_and(|m| m.ends_with("at most 3 replicas in shop")),
        "{f:?}"
    );
}

#[test]
fn custom_rules_are_rules_like_any_other() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), ".kubeward.yaml", CONFIG);
    write(d.path(), "web.yaml", DEPLOYMENT);
    let out = kubeward()
        .dir(d.path())
        .args([
            "lint",
            ".",
            "--select",
            "team-label-missing",
            "--format",
            "json",
        ])
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let f = findings(&out.stdout, "team-label-missing");
    assert_eq!(f.len(), 1, "{}", out.stdout);
    assert_eq!(f[0]["message"], "Deployment web has no team label");
    assert_eq!(f[0]["severity"], "medium");
    assert_eq!(f[0]["route"], "metadata.labels.team");
    assert_eq!(
        f[0]["line"], 5,
        "anchored at metadata.labels, which lacks `team`"
    );

    // Listed and explained.
    let rules = kubeward().dir(d.path()).args(["rules"]).run();
    assert!(
        rules
            .stdout
            .lines()
            .any(|l| l.starts_with("team-label-missing")
                && l.contains("workload without a team label")),
        "{}",
        rules.stdout
    );
    let explain = kubeward()
        .dir(d.path())
        .args(["explain", "team-label-missing"])
        .run();
    assert_eq!(explain.code, 0, "{}", explain.stderr);
    assert!(
        explain
            .stdout
            .contains("object.metadata.?labels.?team.orValue('') != ''"),
        "{}",
        explain.stdout
    );

    // SARIF: in driver.rules with its help, and the result points at it.
    let sarif = kubeward()
        .dir(d.path())
        .args(["lint", ".", "--format", "sarif"])
        .run();
    let v: serde_json::Value = serde_json::from_str(&sarif.stdout).expect("sarif");
    let rules = v["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    let i = rules
        .iter()
        .position(|r| r["id"] == "team-label-missing")
        .expect("custom rule in driver.rules");
    assert_eq!(
        rules[i]["shortDescription"]["text"],
        "workload without a team label"
    );
    assert!(
        rules[i]["help"]["markdown"]
            .as_str()
            .is_some_and(|h| h.contains("Add a `team` label")),
        "{}",
        rules[i]
    );
    let result = v["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["ruleId"] == "team-label-missing")
        .expect("result");
    assert_eq!(result["ruleIndex"], i);

    // Suppressed like any rule.
    write(
        d.path(),
        "web.yaml",
        &DEPLOYMENT.replace(
            "  name: web\n",
            "  name: web\n  # kubeward: ignore[team-label-missing] shared by every team\n",
        ),
    );
    let out = kubeward()
        .dir(d.path())
        .args([
            "lint",
            ".",
            "--select",
            "team-label-missing",
            "--format",
            "json",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stdout);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v["summary"]["suppressed"], 1, "{}", out.stdout);
}

#[test]
fn cel_errors_in_the_configuration_are_located_and_exit_2() {
    let d = tempfile::tempdir().expect("tempdir");
    write(
        d.path(),
        ".kubeward.yaml",
        &CONFIG.replace(
            "object.metadata.?labels.?team.orValue('') != ''",
            "object.metadata.labels.team.startsWith(",
        ),
    );
    write(d.path(), "web.yaml", DEPLOYMENT);
    let out = kubeward()
        .dir(d.path())
        .args(["lint", ".", "--color", "never"])
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("custom rule `team-label-missing`: validation 0"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("column 40 of the expression"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(".kubeward.yaml:9:"), "{}", out.stderr);

    write(
        d.path(),
        ".kubeward.yaml",
        &CONFIG.replace(
            "object.metadata.?labels.?team.orValue('') != ''",
            "url(object.metadata.name).getHost() != ''",
        ),
    );
    let out = kubeward()
        .dir(d.path())
        .args(["lint", ".", "--color", "never"])
        .env("COLUMNS", "200")
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("unsupported function 'url' (column 1 of the expression)"),
        "{}",
        out.stderr
    );
}

#[test]
fn failure_policy_ignore_admits_and_says_so_on_the_policy() {
    let d = tempfile::tempdir().expect("tempdir");
    let policy = POLICY
        .replace(
            "object.spec.containers.all(c, !c.?securityContext.?privileged.orValue(false))",
            "object.spec.nodeName == 'x'",
        )
        .replace(
            "spec:\n  matchConstraints",
            "spec:\n  failurePolicy: Ignore\n  matchConstraints",
        );
    write(d.path(), "policy.yaml", &policy);
    write(d.path(), "pod.yaml", POD);
    let out = kubeward()
        .dir(d.path())
        .args([
            "lint",
            ".",
            "--select",
            "admission-policy",
            "--format",
            "json",
        ])
        .run();
    // `nodeName` is absent: an evaluation error, ignored by the API server; said once, on
    // the policy.
    let f = findings(&out.stdout, "admission-policy");
    assert_eq!(f.len(), 1, "{}", out.stdout);
    assert_eq!(f[0]["path"], "policy.yaml");
    assert_eq!(f[0]["severity"], "high", "the rule's one severity");
    assert!(
        f[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Pod \"debug\"") && m.contains("failurePolicy Ignore")),
        "{f:?}"
    );
    let with_fail = policy.replace("failurePolicy: Ignore", "failurePolicy: Fail");
    write(d.path(), "policy.yaml", &with_fail);
    let out = kubeward()
        .dir(d.path())
        .args([
            "lint",
            ".",
            "--select",
            "admission-policy",
            "--format",
            "json",
        ])
        .run();
    let f = findings(&out.stdout, "admission-policy");
    assert_eq!(f.len(), 1, "{}", out.stdout);
    assert!(
        f[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("could not be evaluated") && m.contains("nodeName")),
        "{f:?}"
    );
}

#[test]
fn a_secret_never_reaches_a_message() {
    let d = tempfile::tempdir().expect("tempdir");
    let policy = r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: leak}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [secrets, configmaps]}
  validations:
  - expression: "false"
    message: static message
    messageExpression: "'value: ' + string(object.?data.?password.orValue(object.?stringData.?password.orValue('')))"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: leak}
spec: {policyName: leak, validationActions: [Deny]}
---
apiVersion: v1
kind: Secret
metadata: {name: db}
stringData: {password: hunter2-canary}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
data: {password: not-a-secret}
"#;
    write(d.path(), "all.yaml", policy);
    for format in ["json", "sarif", "human"] {
        let out = kubeward()
            .dir(d.path())
            .args([
                "lint",
                ".",
                "--select",
                "admission-policy",
                "--format",
                format,
            ])
            .run();
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert!(
            !out.stdout.contains("hunter2-canary") && !out.stderr.contains("hunter2-canary"),
            "{format}: {}{}",
            out.stdout,
            out.stderr
        );
        let all = format!("{}{}", out.stdout, out.stderr);
        assert!(all.contains("static message"), "{all}");
        assert!(all.contains("value: not-a-secret"), "{all}");
    }
}

#[test]
fn a_variable_choosing_the_pod_spec_by_kind_is_followed_to_the_line() {
    // The usual way to write one policy for every workload kind: a variable that picks the pod
    // spec with `?:`. The finding is on the field the failing validation reads, in the branch
    // the object takes, not on the top of the object.
    let policy = r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: no-host-network
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: ["", apps, batch]
      apiVersions: ["*"]
      operations: [CREATE]
      resources: [pods, deployments, cronjobs]
  variables:
  - name: pod
    expression: "object.kind == 'Pod' ? object.spec : (object.kind == 'CronJob' ? object.spec.jobTemplate.spec.template.spec : object.spec.template.spec)"
  - name: containers
    expression: "variables.pod.containers + (has(variables.pod.initContainers) ? variables.pod.initContainers : [])"
  validations:
  - expression: "!has(variables.pod.hostNetwork) || variables.pod.hostNetwork == false"
    message: no host network
  - expression: "variables.containers.all(c, !c.image.endsWith(':latest'))"
    message: no latest tag
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: no-host-network
spec:
  policyName: no-host-network
  validationActions: [Deny]
"#;
    let workloads = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      hostNetwork: true
      containers:
      - name: web
        image: registry.example.com/web:1.0
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: '0 3 * * *'
  jobTemplate:
    spec:
      template:
        spec:
          initContainers:
          - name: setup
            image: registry.example.com/setup:1.0
          containers:
          - name: job
            image: registry.example.com/job:latest
";
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "policies/no-host-network.yaml", policy);
    write(d.path(), "apps/workloads.yaml", workloads);
    let out = kubeward()
        .dir(d.path())
        .args([
            "lint",
            ".",
            "--select",
            "admission-policy",
            "--format",
            "json",
        ])
        .run();
    let f = findings(&out.stdout, "admission-policy");
    let routes: Vec<(u64, String)> = f
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap_or(0),
                f["route"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        routes,
        [
            (8, "spec.template.spec.hostNetwork".to_owned()),
            (
                28,
                "spec.jobTemplate.spec.template.spec.containers[name=job].image".to_owned()
            ),
        ],
        "{}",
        out.stdout
    );
}

#[test]
fn a_failed_variable_is_one_finding_naming_types_not_values() {
    let d = tempfile::tempdir().expect("tempdir");
    let policy = r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: broken}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - {apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [secrets]}
  variables:
  - name: bad
    expression: "object.stringData + [1]"
  validations:
  - expression: "size(variables.bad) > 0"
  - expression: "size(variables.bad) < 10"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: broken}
spec: {policyName: broken, validationActions: [Deny]}
---
apiVersion: v1
kind: Secret
metadata: {name: db}
stringData: {password: hunter2-canary, user: admin, host: db.example.com}
"#;
    write(d.path(), "all.yaml", policy);
    let run = || {
        kubeward()
            .dir(d.path())
            .args([
                "lint",
                ".",
                "--select",
                "admission-policy",
                "--format",
                "json",
            ])
            .run()
    };
    let out = run();
    let found = findings(&out.stdout, "admission-policy");
    assert_eq!(found.len(), 1, "{found:#?}");
    let message = found[0]["message"].as_str().expect("message");
    assert!(
        message.contains(
            "variable bad could not be evaluated (Unsupported binary operator 'add': map, list)"
        ),
        "{message}"
    );
    assert!(!out.stdout.contains("db.example.com"), "{}", out.stdout);
    // At the first validation that reads it.
    assert_eq!(found[0]["related"][0]["line"], 13, "{found:#?}");
    for _ in 0..3 {
        assert_eq!(run().stdout, out.stdout);
    }
}
