use crate::model::embedded::url_passwords;
use crate::model::secret::{is_placeholder, is_secret_name};
use crate::model::{Container, PodSpec};
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::{NodeRef, Seg};

declare_rule! {
    /// ## What it flags
    /// A container environment variable whose name means a secret and whose value is a literal
    /// `value:` instead of a `valueFrom` reference. The name is split on `_`, `-`, `.` and
    /// camelCase; it is secret-like when a token is `password`, `passwd`, `pwd`, `pass`,
    /// `secret`, `token`, `credential(s)`, `creds`, `apikey`, `sas`, … or a pair such as
    /// `API_KEY`, `ACCESS_KEY`, `PRIVATE_KEY`, `CONNECTION_STRING`, unless the last token says it
    /// is not the secret itself (`*_FILE`, `*_PATH`, `*_NAME`, `*_ID`, `*_ENABLED`, `*_TTL`,
    /// `*_URL`, `*_HOST`, …) or names a scheme (`*_ALGO`, `*_ENCODER`, `*_SCHEME`, `*_CIPHER`,
    /// …: `PASSWORD_HASH_ALGO: bcrypt`). Empty, templated (`$(VAR)`, `${VAR}`, `{{ }}`), boolean, numeric
    /// and placeholder values are ignored. A URL with an embedded password
    /// (`postgres://app:pw@db/app`) is flagged whatever the variable's name. The value is
    /// masked in the output.
    ///
    /// ## Why it matters
    /// A literal value is committed with the manifest, shown by `kubectl get -o yaml` and
    /// `kubectl describe` to anyone who can read the workload, and copied into every
    /// ReplicaSet revision. A `secretKeyRef` keeps it in a Secret, with its own RBAC.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: api}
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///       - name: api
    ///         image: ghcr.io/acme/api:1.4.2
    ///         env:
    ///         - name: DB_PASSWORD
    ///           value: hunter2-but-longer
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: api}
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///       - name: api
    ///         image: ghcr.io/acme/api:1.4.2
    ///         env:
    ///         - name: DB_PASSWORD
    ///           valueFrom:
    ///             secretKeyRef: {name: api-db, key: password}
    /// ```
    ///
    /// ## References
    /// - Kubernetes docs, "Using Secrets as environment variables"
    /// - kube-linter `env-var-secret`; Yelp/detect-secrets `plugins/keyword.py`
    pub EnvLiteralSecret {
        id: "env-literal-secret",
        category: Secrets,
        severity: High,
        summary: "secret-like environment variable with a literal value",
        since: "0.1.0",
    }
}

impl Rule for EnvLiteralSecret {
    fn check_container(&self, _pod: &PodSpec<'_>, c: &Container<'_>, cx: &mut Context<'_>) {
        let Some(env) = c.node.get("env") else { return };
        for (i, item) in env.items().enumerate() {
            let Some(name) = item.get("name").and_then(NodeRef::as_str) else {
                continue;
            };
            if item.get_set("valueFrom").is_some() {
                continue;
            }
            let Some(value) = item.get("value").and_then(NodeRef::as_str) else {
                continue;
            };
            let at = c.at([Seg::from("env"), Seg::from(i), Seg::from("value")]);
            if !is_secret_name(name) {
                for range in url_passwords(value) {
                    let label = at.clone().sub(range);
                    cx.report(self, label.clone().label("password in a URL"))
                        .message(format!("{} sets `{name}` to a URL with an embedded password; the password belongs in a Secret", c.describe()))
                        .help("Keep the password in a Secret and build the URL at run time, e.g. `value: postgres://app:$(DB_PASSWORD)@db:5432/app` with `DB_PASSWORD` from `valueFrom.secretKeyRef` declared before it.")
                        .sensitive(label);
                }
                continue;
            }
            if is_placeholder(value) {
                continue;
            }
            cx.report(self, at.clone().label("literal secret value"))
                .message(format!(
                    "{} sets `{name}` to a literal value; a secret belongs in a Secret referenced with `valueFrom.secretKeyRef`",
                    c.describe()
                ))
                .help(format!(
                    "Store the value in a Secret (not committed in plain text) and reference it: `- name: {name}` with `valueFrom: {{secretKeyRef: {{name: <secret>, key: <key>}}}}`."
                ))
                .sensitive(at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::EnvLiteralSecret;
    use crate::testing::RuleTest;

    fn pod(env: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: a}}\nspec:\n  containers:\n  - name: a\n    image: nginx:1.27\n    env:\n{env}"
        )
    }

    #[test]
    fn env_literal_secret() {
        RuleTest::of(&EnvLiteralSecret)
            .pass(&pod(concat!(
                "    - {name: PASSWORD_FILE, value: /run/secrets/db}\n",
                "    - {name: TOKEN_PATH, value: /var/run/token}\n",
                "    - {name: SECRET_NAME, value: db-creds}\n",
                "    - {name: TOKEN_TTL, value: \"3600\"}\n",
                "    - {name: AUTH_ENABLED, value: \"true\"}\n",
                "    - {name: AWS_ACCESS_KEY_ID, value: AKIAEXAMPLEVALUE0000}\n",
                "    - {name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db, key: password}}}\n",
                "    - {name: API_KEY, value: \"$(API_KEY_FROM_SECRET)\"}\n",
                "    - {name: API_TOKEN, value: \"\"}\n",
                "    - {name: GRPC_PORT, value: \"9090\"}\n",
                "    - {name: PASSTHROUGH, value: all}\n",
                "    - {name: DATABASE_URL, value: \"postgres://app:$(DB_PASSWORD)@db/app\"}\n",
                "    - {name: BROKER_URL, value: \"amqp://guest@mq:5672\"}\n",
                // Names of a scheme, not of a secret.
                "    - {name: PASSWORD_HASH_ALGO, value: bcrypt}\n",
                "    - {name: PASSWORD_ENCODER, value: bcrypt}\n",
                "    - {name: PASSWORD_STORAGE_SCHEME, value: SSHA512}\n",
                "    - {name: TOKEN_SIGNING_ALGORITHMS, value: RS256}\n",
            )))
            .fail(&pod(concat!(
                "    - name: DB_PASSWORD\n      value: s3cr3t   #~ env-literal-secret\n",
                "    - name: apiKey\n      value: \"9f8a7b6c5d4e\"   #~ env-literal-secret\n",
                "    - {name: GITHUB_TOKEN, value: not-a-real-token-value}   #~ env-literal-secret\n",
                "    - {name: DATABASE_URL, value: \"postgres://app:pw-canary@db/app\"}   #~ env-literal-secret\n",
                "    - name: PRIVATE_KEY\n      value: |   #~ env-literal-secret\n        line-one-of-the-key\n        line-two-of-the-key\n",
            )))
            .fail(concat!(
                "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: a}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n",
                "          initContainers:\n          - name: init\n            image: busybox:1.36\n            env:\n",
                "            - {name: MYSQL_ROOT_PASSWORD, value: changeme}   #~ env-literal-secret\n",
                "          containers: [{name: a, image: busybox:1.36}]\n",
            ))
            .snapshot();
    }
}
