//! No secret is ever printed (`SECURITY.md`, "What kubeward prints"): every value a secret check
//! flags is masked wherever it recurs (messages, object, container and variable names, routes,
//! labels quoted in other findings, related places, the baseline file), credentials of known
//! forms are masked in every snippet line (comments, keys, files that do not parse) and in
//! suppression reasons, the losing value of a duplicate key in a Secret is masked, and a Secret
//! value that is a URL with a password is a `plaintext-secret` finding. Every case is searched
//! in every output: each format's stdout and stderr, a SARIF file, the job summary and the
//! baseline file.

use crate::harness::{Outputs, Scene, has_finding};

/// Credentials of known forms, built at run time so this file holds none as a literal. None of
/// them is an example of the rule docs (which SARIF prints).
struct Tokens {
    github: String,
    aws: String,
    aws2: String,
    slack: String,
    jwt: String,
}

fn tokens() -> Tokens {
    let t = Tokens {
        github: ["ghp_", "Zr8kQ2mW5nX7pL3vB9cT1yH6dF4gJ0sA2eU8"].concat(),
        aws: ["AKIA", "Q7RZ2MX4VB6NT3WK"].concat(),
        aws2: ["AKIA", "W3TK6NB4VX2MZ7RQ"].concat(),
        slack: [
            "xoxb-",
            "2345678901234-2345678901234-QwErTyUiOpAsDfGhJkLzXcVb",
        ]
        .concat(),
        jwt: [
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
            ".eyJzdWIiOiJrdWJld2FyZC10ZXN0IiwibmFtZSI6ImNhbmFyeSJ9",
            ".Q2FuYXJ5U2lnbmF0dXJlX2t3XzdmM2E5YzE",
        ]
        .concat(),
    };
    assert_eq!((t.github.len(), t.aws.len(), t.aws2.len()), (40, 20, 20));
    t
}

/// A password that is no known format: found only as the value of a secret-like key.
const PASSWORD: &str = "hunter2-real-secret";

/// The findings of `rule` in the JSON report.
fn of_rule(out: &Outputs, rule: &str) -> Vec<serde_json::Value> {
    out.of("json").json()["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

/// A Deployment in namespace `shop` (which has no NetworkPolicy) whose pods carry `labels`.
fn deployment(name: &str, labels: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: shop\nspec:\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata:\n      labels:\n        app: {name}\n{labels}    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n"
    )
}

#[test]
fn a_token_in_a_label_is_masked_where_another_rule_quotes_the_labels() {
    let t = tokens();
    let scene = Scene::new();
    let mut docs = Vec::new();
    for (i, (key, value)) in [
        ("token", &t.github),
        ("aws", &t.aws),
        ("slack", &t.slack),
        ("session", &t.jwt),
        ("password", &PASSWORD.to_owned()),
    ]
    .into_iter()
    .enumerate()
    {
        docs.push(deployment(
            &format!("web-{i}"),
            &format!("        {key}: {value}\n"),
        ));
    }
    // An annotation too (the known formats of it are flagged and masked wherever they recur).
    docs.push(format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: annotated\n  namespace: shop\n  annotations:\n    ci/token: {}\n    note: \"password: {PASSWORD}\"\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n",
        t.slack
    ));
    scene.write("apps.yaml", docs.join("---\n"));
    let out = scene.every_output(&["."], &[]);
    // Another rule quotes every labelled workload's labels.
    let quoted = of_rule(&out, "missing-network-policy");
    assert!(quoted.len() >= 5, "{quoted:?}");
    assert!(
        quoted.iter().any(|f| f["message"]
            .as_str()
            .is_some_and(|m| m.contains("password="))),
        "the labels are quoted: {quoted:?}"
    );
    // The known formats are flagged where they are.
    assert!(of_rule(&out, "hardcoded-credential").len() >= 5);
    for secret in [&t.github, &t.aws, &t.slack, &t.jwt, &PASSWORD.to_owned()] {
        out.assert_absent(secret);
    }
    scene.assert_untouched(&out);
}

#[test]
fn flagged_values_stay_masked_when_the_secret_checks_are_not_selected() {
    let t = tokens();
    let scene = Scene::new();
    scene.write(
        "apps.yaml",
        deployment("web", &format!("        token: {}\n", t.github)),
    );
    let out = scene.every_output(&["."], &["--select", "missing-network-policy"]);
    assert_eq!(of_rule(&out, "missing-network-policy").len(), 1);
    out.assert_absent(&t.github);
}

#[test]
fn a_token_used_as_a_name_is_masked_in_messages_routes_objects_and_the_baseline() {
    let t = tokens();
    let scene = Scene::new();
    // The Deployment, a container, an env var, a volume and the ServiceAccount are named with
    // credentials; the ServiceAccount is bound to cluster-admin, so the RBAC chain (a
    // cross-object finding with related places) names it again.
    scene.write(
        "app.yaml",
        format!(
            "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {gh}
  namespace: shop
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      serviceAccountName: {jwt}
      containers:
      - name: {aws}
        image: nginx:latest
        securityContext: {{privileged: true}}
        env:
        - name: {slack}
          value: x
        volumeMounts: [{{name: {jwt}, mountPath: /x}}]
      - name: {aws2}
        image: nginx:latest
        securityContext: {{privileged: true}}
      volumes:
      - name: {jwt}
        hostPath: {{path: /var/run/docker.sock}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {{name: {jwt}, namespace: shop}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {{name: admins}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}}
subjects:
- {{kind: ServiceAccount, name: {jwt}, namespace: shop}}
",
            gh = t.github,
            jwt = t.jwt,
            aws = t.aws,
            aws2 = t.aws2,
            slack = t.slack,
        ),
    );
    let out = scene.every_output(&["."], &[]);
    let json = out.of("json").json();
    let all = json["findings"].as_array().cloned().unwrap_or_default();
    // Findings name the container, the ServiceAccount and the objects: the names are there,
    // masked.
    for rule in [
        "privileged-container",
        "image-latest-tag",
        "hardcoded-credential",
    ] {
        assert!(!of_rule(&out, rule).is_empty(), "no {rule} finding");
    }
    assert!(
        all.iter().any(|f| f["route"]
            .as_str()
            .is_some_and(|r| r.contains("containers[name=AK**"))),
        "routes keep their shape: {all:?}"
    );
    assert!(
        all.iter().any(|f| f["object"]["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("gh**"))),
        "objects keep their shape"
    );
    assert!(
        all.iter()
            .any(|f| f["related"].as_array().is_some_and(|r| !r.is_empty())),
        "related places are there"
    );
    // The two containers' findings stay apart although their masked names look alike: the
    // fingerprints come from the names as written.
    let privileged: Vec<String> = of_rule(&out, "privileged-container")
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(privileged.len(), 2);
    assert_ne!(privileged[0], privileged[1]);
    let mut fingerprints: Vec<(&str, &str)> = all
        .iter()
        .map(|f| {
            (
                f["fingerprint"].as_str().unwrap_or_default(),
                f["rule"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    let n = fingerprints.len();
    fingerprints.sort_unstable();
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), n, "fingerprints are unique");
    // And stable: a second run gives the same ones.
    let again = scene.run(&["lint", "--format", "json", "."]);
    let again: serde_json::Value = again.json();
    assert_eq!(again["findings"], json["findings"]);
    for secret in [&t.github, &t.aws, &t.aws2, &t.slack, &t.jwt] {
        out.assert_absent(secret);
    }
    scene.assert_untouched(&out);
}

#[test]
fn the_losing_value_of_a_duplicate_key_in_a_secret_is_masked() {
    let scene = Scene::new();
    let losing_data = "bG9zaW5nLWRhdGEtdmFsdWUtN2tQ"; // losing-data-value-7kP
    scene.write(
        "secret.yaml",
        format!(
            "apiVersion: v1
kind: Secret
metadata: {{name: db}}
stringData:
  password: losing-value-Qz8wX3
  password: ${{DB_PASSWORD}}
  api-key: first-api-key-Wm4
  api-key: second-api-key-Rt7
data:
  token: {losing_data}
  token: \"\"
"
        ),
    );
    let out = scene.every_output(&["."], &[]);
    assert_eq!(of_rule(&out, "duplicate-key").len(), 3);
    // The overridden values are committed all the same: counted, at the earlier key.
    let json = out.of("json").json();
    assert!(
        has_finding(&json, "plaintext-secret", "secret.yaml", Some(8)),
        "{json}"
    );
    let counted = of_rule(&out, "plaintext-secret");
    assert!(
        counted[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("`password` (overridden)")),
        "{counted:?}"
    );
    for secret in [
        "losing-value-Qz8wX3",
        "first-api-key-Wm4",
        "second-api-key-Rt7",
        losing_data,
        "losing-data-value-7kP",
    ] {
        out.assert_absent(secret);
    }
    scene.assert_untouched(&out);
}

#[test]
fn credentials_in_files_that_do_not_parse_comments_and_keys_are_masked_in_snippets() {
    let t = tokens();
    let scene = Scene::new();
    // Files that fail to parse on the line after a credential (`bad: a: b`): the snippet of the
    // parse error shows that line.
    let head = "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData:\n";
    let key_line = |i: usize| {
        format!("  MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC{i}VJTUt9Us8cKjMzEfYyjiWA4R4")
    };
    for (name, lines) in [
        ("password", format!("  password: {PASSWORD}")),
        ("comment", format!("  # admin token {}", t.github)),
        (
            "url",
            "  dsn: \"postgres://app:pg-pw-Xk29@db/app\"".to_owned(),
        ),
        // A key commented out: the snippet shows its body, not its header.
        (
            "key",
            format!(
                "  # -----BEGIN PRIVATE KEY-----\n  #{}\n  #{}\n  #{}",
                key_line(0),
                key_line(1),
                key_line(2)
            ),
        ),
    ] {
        scene.write(
            &format!("broken-{name}.yaml"),
            format!("{head}  x: y\n{lines}\n  bad: a: b\n  # -----END PRIVATE KEY-----\n"),
        );
    }
    // A file that parses: a comment and a key hold credentials next to what is flagged.
    scene.write(
        "pod.yaml",
        format!(
            "apiVersion: v1
kind: Pod
metadata:
  name: web
  annotations:
    {aws}: approved
    note: \"password: {PASSWORD}\"
spec:
  # rotate {slack} soon
  containers:
  - name: web
    image: nginx:1.27
",
            aws = t.aws,
            slack = t.slack,
        ),
    );
    let out = scene.every_output(&["."], &[]);
    let json = out.of("json").json();
    assert_eq!(of_rule(&out, "parse-error").len(), 4, "{json}");
    let human = &out.of("human").stdout;
    // The lines are shown, their secrets masked.
    for shown in [
        "  password: hu*****************",
        "  dsn: \"postgres://app:pg********@db/app\"",
        "  # admin token gh****",
        "9 │   ********",
        "    note: \"password: hu*****************\"",
        "  # rotate xo****",
    ] {
        assert!(human.contains(shown), "{shown:?} in:\n{human}");
    }
    for secret in [
        t.github.as_str(),
        PASSWORD,
        "pg-pw-Xk29",
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC",
        &t.slack,
    ] {
        out.assert_absent(secret);
    }
    scene.assert_untouched(&out);
}

#[test]
fn suppression_reasons_are_masked() {
    let t = tokens();
    let scene = Scene::new();
    scene.write(
        "pod.yaml",
        format!(
            "apiVersion: v1
kind: Pod
metadata:
  name: web
  annotations:
    kubeward.io/ignore: \"non-root-not-required: approved, see {slack}\"
spec:
  containers:
  - name: web
    image: nginx:1.27
    # kubeward: ignore[privileged-container] approved with {gh} token
    securityContext: {{privileged: true}}
",
            gh = t.github,
            slack = t.slack,
        ),
    );
    let out = scene.every_output(&["."], &[]);
    let json = out.of("json").json();
    let reasons: Vec<String> = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["suppressed"]["justification"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(reasons.len(), 2, "{json}");
    assert!(
        reasons.iter().any(|r| r.starts_with("approved with gh**")),
        "{reasons:?}"
    );
    for secret in [&t.github, &t.slack] {
        out.assert_absent(secret);
    }
    scene.assert_untouched(&out);
}

#[test]
fn a_url_with_a_password_in_a_secret_is_a_plaintext_secret() {
    let scene = Scene::new();
    // postgres://app:pg-pw-Zk31@db/app
    let encoded = "cG9zdGdyZXM6Ly9hcHA6cGctcHctWmszMUBkYi9hcHA=";
    scene.write(
        "secrets.yaml",
        format!(
            "apiVersion: v1
kind: Secret
metadata: {{name: db}}
stringData:
  DATABASE_URL: postgres://app:pg-pw-Xk29@db/app
---
apiVersion: v1
kind: Secret
metadata: {{name: auth}}
type: kubernetes.io/basic-auth
stringData:
  username: app
  password: ${{PW}}
  url: postgres://app:pg-pw-Yk30@db/app
---
apiVersion: v1
kind: Secret
metadata: {{name: encoded}}
data:
  uri: {encoded}
---
apiVersion: v1
kind: Secret
metadata: {{name: no-password}}
stringData:
  DATABASE_URL: postgres://app@db/app
  ENDPOINT_URL: https://host/path?x=y
  TEMPLATE_URL: postgres://app:${{PASSWORD}}@db/app
  DOC_URL: postgres://app:<password>@db/app
"
        ),
    );
    // The rules that already look at URLs keep their false positives down.
    scene.write(
        "app.yaml",
        "apiVersion: v1
kind: ConfigMap
metadata: {name: app, namespace: shop}
data:
  DATABASE_URL: postgres://app@db/app
  ENDPOINT_URL: https://host/path?x=y
  TEMPLATE_URL: postgres://app:${PASSWORD}@db/app
---
apiVersion: v1
kind: Pod
metadata: {name: app, namespace: shop}
spec:
  containers:
  - name: app
    image: nginx:1.27
    env:
    - {name: DATABASE_URL, value: \"postgres://app@db/app\"}
    - {name: ENDPOINT_URL, value: \"https://host/path?x=y\"}
    - {name: TEMPLATE_URL, value: \"postgres://app:$(DB_PASSWORD)@db/app\"}
",
    );
    let out = scene.every_output(&["."], &[]);
    let json = out.of("json").json();
    for line in [5, 14, 20] {
        assert!(
            has_finding(&json, "plaintext-secret", "secrets.yaml", Some(line)),
            "line {line}: {json}"
        );
    }
    assert_eq!(of_rule(&out, "plaintext-secret").len(), 3, "{json}");
    assert!(of_rule(&out, "configmap-credentials").is_empty(), "{json}");
    assert!(of_rule(&out, "env-literal-secret").is_empty(), "{json}");
    for secret in ["pg-pw-Xk29", "pg-pw-Yk30", "pg-pw-Zk31", encoded] {
        out.assert_absent(secret);
    }
    scene.assert_untouched(&out);
}
