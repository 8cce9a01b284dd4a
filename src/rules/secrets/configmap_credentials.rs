use crate::model::Object;
use crate::model::embedded::{is_file_key, secret_assignments, sql_passwords, url_passwords};
use crate::model::secret::{is_placeholder, is_secret_name};
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::Seg;

declare_rule! {
    /// ## What it flags
    /// Credentials in a ConfigMap's `data`: a key whose name means a secret (`DB_PASSWORD`,
    /// `apiKey`; same tokenizer and exceptions as `env-literal-secret`) with a literal value, and
    /// passwords embedded in URLs (`postgres://app:pw@db/app`) or SQL statements
    /// (`CREATE USER app WITH PASSWORD '…'`, `IDENTIFIED BY '…'`), and
    /// `key=value` / `key: value` / `"key": "value"` lines inside embedded files
    /// (`application.properties`, `.env`, INI, YAML, JSON) that set a secret-like key. Keys that
    /// name a file (`password-policy.json`) are scanned line by line instead of judged by
    /// their name. Interpolations (`${…}`, `$(…)`, `{{ }}`), placeholders, booleans and numbers
    /// are skipped. The values are masked in the output.
    ///
    /// ## Why it matters
    /// A ConfigMap is meant for non-confidential data: it is readable by every workload and
    /// user with `get configmaps` in the namespace, is not encrypted at rest, and shows up in
    /// logs, dashboards and `kubectl describe`. Credentials there are exposed more widely than
    /// in a Secret, and committed in plain text.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata: {name: api}
    /// data:
    ///   application.properties: |
    ///     spring.datasource.url=jdbc:postgresql://db:5432/app
    ///     spring.datasource.password=Pr0d-Passw0rd!
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata: {name: api}
    /// data:
    ///   application.properties: |
    ///     spring.datasource.url=jdbc:postgresql://db:5432/app
    ///     spring.datasource.password=${DB_PASSWORD}
    /// ```
    ///
    /// ## References
    /// - Kubernetes docs, ConfigMaps: "ConfigMap does not provide secrecy or encryption"
    /// - Trivy KSV-0109 / KSV-01010 (ConfigMap with secrets / sensitive content)
    pub ConfigmapCredentials {
        id: "configmap-credentials",
        category: Secrets,
        severity: High,
        summary: "credentials stored in a ConfigMap",
        since: "0.1.0",
    }
}

impl Rule for ConfigmapCredentials {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if obj.kind != "ConfigMap" || !obj.group().is_empty() {
            return;
        }
        let Some(data) = obj.node.get("data") else {
            return;
        };
        let help = "Move the credential into a Secret (not committed in plain text) and inject it with `valueFrom.secretKeyRef` or a Secret volume; reference it from the file as `${VAR}`.";
        for (key, value) in data.entries() {
            let Some(text) = value.as_str() else { continue };
            let at = obj.at([Seg::from("data"), Seg::from(key.to_owned())]);
            if !is_file_key(key)
                && !text.contains('\n')
                && is_secret_name(key)
                && !is_placeholder(text)
            {
                cx.report(self, at.clone().label("credential in a ConfigMap"))
                    .message(format!("{} stores a literal value under the secret-like key `{key}`; credentials belong in a Secret", obj.describe()))
                    .help(help)
                    .sensitive(at);
                continue;
            }
            let embedded = url_passwords(text).into_iter().map(|r| (r, "a URL")).chain(
                sql_passwords(text)
                    .into_iter()
                    .map(|r| (r, "an SQL statement")),
            );
            for (range, place) in embedded {
                let label = at.clone().sub(range);
                cx.report(self, label.clone().label(format!("password in {place}")))
                    .message(format!("{} embeds a password in {place} in `{key}`; credentials belong in a Secret", obj.describe()))
                    .help(help)
                    .sensitive(label);
            }
            for a in secret_assignments(text) {
                let label = at.clone().sub(a.value.clone());
                cx.report(self, label.clone().label(format!("`{}` set to a literal", a.key)))
                    .message(format!(
                        "{} embeds a credential in `{key}`: `{}` is set to a literal value; credentials belong in a Secret",
                        obj.describe(),
                        a.key
                    ))
                    .help(help)
                    .sensitive(label);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ConfigmapCredentials;
    use crate::testing::RuleTest;

    #[test]
    fn configmap_credentials() {
        RuleTest::of(&ConfigmapCredentials)
            .pass(concat!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n",
                "  TOKEN_TTL: \"3600\"\n  password-policy.json: '{\"minLength\": 12}'\n  DB_HOST: db\n",
                "  PASSWORD_FILE: /etc/secret/pw\n  app.env: |\n    DB_PASSWORD=${DB_PASSWORD}\n    API_TOKEN={{ .Values.token }}\n",
                "  nginx.conf: |\n    location / {\n      proxy_pass http://backend:8080;\n    }\n",
            ))
            .pass("apiVersion: v1\nkind: Secret\nmetadata: {name: a}\nstringData: {password: x}\n")
            .fail(concat!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: api}\ndata:\n",
                "  DB_PASSWORD: hunter2   #~ configmap-credentials\n",
                "  application.properties: |\n",
                "    spring.datasource.url=jdbc:postgresql://db/app\n",
                "    spring.datasource.password=Pr0d!   #~ configmap-credentials\n",
                "  config.yaml: |\n    db:\n      user: app\n      password: \"s3cret-value\"   #~ configmap-credentials\n",
            ))
            .fail("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {settings.ini: \"admin_password = admin\"}   #~ configmap-credentials\n")
            .fail("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  DATABASE_URL: postgres://app:pw-canary@db:5432/app   #~ configmap-credentials\n")
            .fail("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  init.sql: |\n    CREATE USER app WITH PASSWORD 'app-pw-canary';   #~ configmap-credentials\n    GRANT ALL ON DATABASE app TO app;\n")
            .snapshot();
    }
}
