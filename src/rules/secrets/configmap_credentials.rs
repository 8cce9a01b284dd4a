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
    /// are skipped. Past sixteen credentials in one value, the rest are one finding. The values
    /// are masked in the output, wherever they recur.
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
            // (range, label, message) of each credential embedded in the text.
            let mut found: Vec<(std::ops::Range<usize>, String, String)> = Vec::new();
            let embedded = url_passwords(text).into_iter().map(|r| (r, "a URL")).chain(
                sql_passwords(text)
                    .into_iter()
                    .map(|r| (r, "an SQL statement")),
            );
            for (range, place) in embedded {
                found.push((
                    range,
                    format!("password in {place}"),
                    format!("{} embeds a password in {place} in `{key}`; credentials belong in a Secret", obj.describe()),
                ));
            }
            for a in secret_assignments(text) {
                found.push((
                    a.value,
                    format!("`{}` set to a literal", a.key),
                    format!(
                        "{} embeds a credential in `{key}`: `{}` is set to a literal value; credentials belong in a Secret",
                        obj.describe(),
                        a.key
                    ),
                ));
            }
            // A file full of them: the first few each, then the rest as one finding on the whole
            // value (each finding is located in the text: a finding per credential of tens of
            // thousands would cost the text's length each).
            if found.len() > PER_VALUE {
                let d = cx
                    .report(self, at.clone().value().label("more credentials"))
                    .message(format!(
                        "{} embeds {} more credentials in `{key}`; credentials belong in a Secret",
                        obj.describe(),
                        found.len() - PER_VALUE
                    ))
                    .help(help)
                    .sensitive(at.clone());
                // Each is masked wherever it recurs (snippets mask the whole value).
                for (range, _, _) in &found[PER_VALUE..] {
                    d.sensitive(at.clone().sub(range.clone()));
                }
            }
            for (range, label, message) in found.into_iter().take(PER_VALUE) {
                let label_at = at.clone().sub(range);
                cx.report(self, label_at.clone().label(label))
                    .message(message)
                    .help(help)
                    .sensitive(label_at);
            }
        }
    }
}

/// Credentials of one value reported each; the rest are one finding.
const PER_VALUE: usize = 16;

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

    #[test]
    fn a_file_full_of_credentials_is_a_few_findings_and_all_of_it_masked() {
        use crate::rule::Settings;
        let lines: String = (0..40)
            .map(|i| format!("    db{i}.password=Pw{i}-canary\n"))
            .collect();
        let yaml = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: a}}\ndata:\n  app.properties: |\n{lines}"
        );
        let run = crate::engine::lint_str(
            "a.yaml",
            &yaml,
            vec![&ConfigmapCredentials],
            &Settings::default(),
        );
        assert_eq!(run.findings.len(), super::PER_VALUE + 1);
        assert!(
            run.findings
                .iter()
                .any(|f| f.message.contains("24 more credentials"))
        );
        let out = crate::report::human::render(&run, crate::report::human::Style::snapshot());
        for i in 0..40 {
            assert!(
                !out.contains(&format!("Pw{i}-canary")),
                "Pw{i} shown:\n{out}"
            );
        }
    }
}
