use crate::model::Object;
use crate::model::credentials::find_credentials;
use crate::model::embedded::{is_file_key, secret_assignments, sql_passwords, url_passwords};
use crate::model::secret::{
    base64_decode, is_identifier_key, is_placeholder, is_public_certificate, is_sops_ciphertext,
    is_sops_document,
};
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::{Focus, Label, NodeRef, Seg};

declare_rule! {
    /// ## What it flags
    /// A `kind: Secret` whose `data` (base64) or `stringData` (plain text) holds real values,
    /// committed as is. `data` is decoded to judge it. Not flagged: empty values, templated
    /// values (`{{ … }}`, `${…}`), placeholders (`<password>`, `REPLACE_ME`), public
    /// certificates (`ca.crt`, `tls.crt`), SOPS-encrypted documents (a top-level `sops:` block
    /// with a `mac`, values `ENC[AES256_GCM,…]`; a plain value left in one is still flagged) and
    /// service-account-token Secrets that the controller fills. For `kubernetes.io/tls` only
    /// `tls.key` counts, for `kubernetes.io/basic-auth` only `password`, for bootstrap tokens
    /// only `token-secret`. In other Secrets, keys that name an identifier rather than a secret
    /// (`username`, `admin-user`, `apiAddress`) do not count, and a whole configuration file
    /// (`alertmanager.yaml`, `grafana.ini`) counts only when it holds a secret: a secret-like
    /// `key = value` line, a password in a URL or an SQL statement, or a known credential
    /// format. A URL with a password (`postgres://app:pw@db/app`) counts under any key, in any
    /// type of Secret. A key given twice counts with both values: the cluster keeps the last,
    /// but the earlier one is committed too (and masked, whatever it holds). One finding per
    /// Secret; every value it counts is masked in the output, wherever it recurs.
    ///
    /// ## Why it matters
    /// base64 is an encoding, not encryption: anyone who can read the repository (or any fork,
    /// clone, CI log or backup of it) has the credentials, forever, because git keeps history.
    /// Weak values such as `changeme` are real credentials too.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Secret
    /// metadata: {name: db}
    /// stringData:
    ///   password: hunter2-but-longer
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: external-secrets.io/v1
    /// kind: ExternalSecret
    /// metadata: {name: db}
    /// spec:
    ///   secretStoreRef: {name: vault, kind: ClusterSecretStore}
    ///   target: {name: db}
    ///   data:
    ///   - secretKey: password
    ///     remoteRef: {key: prod/db, property: password}
    /// ```
    ///
    /// ## References
    /// - Kubernetes docs, "Good practices for Kubernetes Secrets"
    /// - gitleaks `kubernetes-secret-yaml`
    /// - SOPS (getsops/sops), Sealed Secrets (bitnami-labs/sealed-secrets), External Secrets
    ///   Operator, Secrets Store CSI driver with the Azure Key Vault provider
    pub PlaintextSecret {
        id: "plaintext-secret",
        category: Secrets,
        severity: Critical,
        summary: "plain-text values committed in a Secret",
        since: "0.1.0",
    }
}

/// Keys that count for a Secret `type` (`None`: every key).
fn counted_keys(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "kubernetes.io/tls" => Some(&["tls.key"]),
        "kubernetes.io/basic-auth" => Some(&["password"]),
        "bootstrap.kubernetes.io/token" => Some(&["token-secret"]),
        "kubernetes.io/service-account-token" => Some(&["token"]),
        _ => None,
    }
}

/// Whether the value of `key` in `field` (`data`, base64, or `stringData`) counts as a committed
/// secret of a Secret whose counted keys are `counted`.
fn counts(field: &str, key: &str, raw: &str, counted: Option<&[&str]>) -> bool {
    if is_sops_ciphertext(raw.trim()) {
        return false;
    }
    let plain = if field == "data" {
        match base64_decode(raw) {
            Some(bytes) => String::from_utf8(bytes).unwrap_or_else(|_| "\u{fffd}binary".to_owned()),
            None => raw.to_owned(),
        }
    } else {
        raw.to_owned()
    };
    if is_placeholder(&plain) || is_placeholder(raw) || is_public_certificate(&plain) {
        return false;
    }
    // A URL that carries a password (`postgres://app:pw@db/app`) is a credential under any key.
    let url_password = !url_passwords(&plain).is_empty();
    if counted.is_some_and(|c| !c.contains(&key)) && !url_password {
        return false;
    }
    if counted.is_none() && is_identifier_key(key) && !url_password {
        return false;
    }
    // A whole configuration file kept in a Secret counts only if it holds a secret.
    !(counted.is_none()
        && is_file_key(key)
        && plain.contains('\n')
        && secret_assignments(&plain).is_empty()
        && find_credentials(&plain).is_empty()
        && !url_password
        && sql_passwords(&plain).is_empty())
}

impl Rule for PlaintextSecret {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if obj.kind != "Secret" || !obj.group().is_empty() {
            return;
        }
        let secret_type = obj
            .node
            .get("type")
            .and_then(NodeRef::as_str)
            .unwrap_or("Opaque");
        let counted = counted_keys(secret_type);
        let sops = is_sops_document(obj);
        // (field, key, earlier value of a duplicate key): what counts, in order.
        let mut found: Vec<(&str, &str, Option<u32>)> = Vec::new();
        for field in ["stringData", "data"] {
            let Some(map) = obj.node.get(field) else {
                continue;
            };
            for (key, value) in map.entries() {
                if value
                    .as_str()
                    .is_some_and(|raw| counts(field, key, raw, counted))
                {
                    found.push((field, key, None));
                }
            }
        }
        // A key given twice: the cluster keeps the last value, but the earlier one is committed
        // all the same (and shown in every snippet of the lines around it).
        let mut shadowed: Vec<Label> = Vec::new();
        let base = obj.base.segs().len();
        let duplicates = obj.duplicate_keys();
        for dup in &duplicates {
            let [Seg::Key(field), Seg::Key(key)] =
                &dup.key_pointer.segs()[base.min(dup.key_pointer.segs().len())..]
            else {
                continue;
            };
            let field = match field.as_ref() {
                "data" => "data",
                "stringData" => "stringData",
                _ => continue,
            };
            let Some(value) = obj.node.doc.shadowed_value(dup.index) else {
                continue;
            };
            shadowed.push(Label {
                focus: Focus::ShadowedValue(dup.index),
                ..Label::at(dup.key_pointer.clone())
            });
            if value
                .as_str()
                .is_some_and(|raw| counts(field, key, raw, counted))
            {
                found.push((field, key.as_ref(), Some(dup.index)));
            }
        }
        let Some(&(field, key, earlier)) = found.first() else {
            return;
        };
        // Where a counted value is: its key (the earlier one, for an overridden value).
        let at = |field: &'static str, key: &str, earlier: Option<u32>| {
            let l = obj.at([Seg::from(field), Seg::from(key.to_owned())]).key();
            match earlier {
                Some(i) => Label {
                    focus: Focus::Shadowed(i),
                    ..l
                },
                None => l,
            }
        };
        let keys: Vec<String> = found
            .iter()
            .map(|(_, k, earlier)| match earlier {
                Some(_) => format!("`{k}` (overridden)"),
                None => format!("`{k}`"),
            })
            .collect();
        let what = match secret_type {
            "kubernetes.io/dockerconfigjson" | "kubernetes.io/dockercfg" => "registry credentials",
            "kubernetes.io/tls" => "a TLS private key",
            "kubernetes.io/ssh-auth" => "an SSH private key",
            "kubernetes.io/basic-auth" => "a password",
            "kubernetes.io/service-account-token" => "a service account token",
            _ => "secret values",
        };
        let sops_note = if sops {
            " (the document is SOPS-encrypted, but these values were left out by `encrypted_regex`/`unencrypted_suffix`)"
        } else {
            ""
        };
        let d = cx
            .report(self, at(field, key, earlier).label(if earlier.is_some() { "overridden, but committed all the same" } else if field == "data" { "base64 is not encryption" } else { "plain text committed here" }))
            .message(format!(
                "{} commits {what} in plain text: {} value{} ({}){sops_note}",
                obj.describe(),
                found.len(),
                if found.len() == 1 { "" } else { "s" },
                keys.join(", ")
            ))
            .help("Do not commit Secret values: encrypt the file with SOPS or seal it as a SealedSecret, or fetch the values at run time with an ExternalSecret or a Secrets Store CSI SecretProviderClass (e.g. the Azure Key Vault provider); then rotate them, since git history keeps them.");
        for (i, &(field, key, earlier)) in found.iter().enumerate() {
            if i > 0 && i <= 5 {
                d.related(at(field, key, earlier), "also committed");
            }
            if earlier.is_none() {
                d.sensitive(obj.at([Seg::from(field), Seg::from(key.to_owned())]));
            }
        }
        // Every overridden value of the Secret is masked, whether or not it counts.
        for l in shadowed {
            d.sensitive(l);
        }
        // `kubectl apply` stores the whole object, values included, in this annotation.
        if obj
            .annotation("kubectl.kubernetes.io/last-applied-configuration")
            .is_some()
        {
            d.sensitive(obj.at([
                "metadata",
                "annotations",
                "kubectl.kubernetes.io/last-applied-configuration",
            ]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PlaintextSecret;
    use crate::testing::RuleTest;

    #[test]
    fn plaintext_secret() {
        RuleTest::of(&PlaintextSecret)
            .pass("apiVersion: v1\nkind: Secret\nmetadata: {name: a}\ndata: {}\n")
            .pass("apiVersion: v1\nkind: Secret\nmetadata: {name: a}\nstringData:\n  password: \"\"\n  token: '{{ .Values.token }}'\n  key: ${KEY}\n  other: <changeme>\n")
            .pass("apiVersion: v1\nkind: Secret\nmetadata:\n  name: sa\n  annotations: {kubernetes.io/service-account.name: app}\ntype: kubernetes.io/service-account-token\n")
            .pass("apiVersion: v1\nkind: Secret\nmetadata: {name: a}\ntype: kubernetes.io/tls\ndata:\n  tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUI=\n  tls.key: \"\"\n")
            .pass(concat!(
                "apiVersion: v1\nkind: Secret\nmetadata: {name: a}\nstringData:\n",
                "  password: ENC[AES256_GCM,data:Zm9vYmFy,iv:aXY=,tag:dGFn,type:str]\n",
                "sops:\n  mac: ENC[AES256_GCM,data:bWFj,iv:aXY=,tag:dGFn,type:str]\n  lastmodified: \"2024-01-01T00:00:00Z\"\n  age: [{recipient: age1xyz}]\n",
            ))
            .pass("apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: a}\nspec:\n  encryptedData: {password: AgBy3i4OJSWK+PiTySYZZA==}\n")
            .pass("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {password: x}\n")
            .pass(concat!(
                "apiVersion: v1\nkind: Secret\nmetadata: {name: urls}\nstringData:\n",
                "  DATABASE_URL: postgres://app@db/app\n  ENDPOINT_URL: https://host/path?x=y\n",
                "  TEMPLATE_URL: postgres://app:${PASSWORD}@db/app\n  DOC_URL: postgres://app:<password>@db/app\n",
            ))
            .pass("apiVersion: v1\nkind: Secret\nmetadata: {name: a}\nstringData:\n  password: ${OLD}\n  password: ${NEW}\n")
            .pass("apiVersion: v1\nkind: Secret\nmetadata: {name: am}\nstringData:\n  alertmanager.yaml: |\n    global:\n      resolve_timeout: 5m\n    receivers:\n    - name: web\n      webhook_configs: [{url: \"http://hook:8080/\"}]\n  user: admin\n")
            .fail("apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData:\n  password: hunter2   #~ plaintext-secret\n")
            .fail(concat!(
                "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\ntype: Opaque\ndata:\n",
                "  username: YWRtaW4=\n  password: Y2hhbmdlbWU=   #~ plaintext-secret\n  empty: \"\"\n",
                "  dsn: |\n    cG9zdGdyZXM6Ly9hZG1pbjpodW50ZXIyQGRiOjU0MzIvYXBw\n",
            ))
            .fail("apiVersion: v1\nkind: Secret\nmetadata: {name: am}\nstringData:\n  alertmanager.yaml: |   #~ plaintext-secret\n    global:\n      slack_api_url_file: /x\n      smtp_auth_password: hunter2-canary\n")
            .fail(concat!(
                "apiVersion: v1\nkind: Secret\nmetadata: {name: web-tls}\ntype: kubernetes.io/tls\ndata:\n",
                "  tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUI=\n",
                "  tls.key: LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2Z0lC   #~ plaintext-secret\n",
            ))
            .fail(concat!(
                "apiVersion: v1\nkind: Secret\nmetadata: {name: a}\nstringData:\n",
                "  password: ENC[AES256_GCM,data:Zm9vYmFy,iv:aXY=,tag:dGFn,type:str]\n",
                "  api_unencrypted: plain-value-here   #~ plaintext-secret\n",
                "sops:\n  mac: ENC[AES256_GCM,data:bWFj,iv:aXY=,tag:dGFn,type:str]\n  lastmodified: \"2024-01-01T00:00:00Z\"\n",
            ))
            .fail("apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData:\n  DATABASE_URL: postgres://app:pw-canary@db/app   #~ plaintext-secret\n")
            .fail(concat!(
                "apiVersion: v1\nkind: Secret\nmetadata: {name: auth}\ntype: kubernetes.io/basic-auth\nstringData:\n",
                "  username: app\n  password: ${PW}\n",
                "  uri: postgres://app:pw-canary@db/app   #~ plaintext-secret\n",
            ))
            .fail(concat!(
                "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData:\n",
                "  password: earlier-canary-value   #~ plaintext-secret\n  password: ${DB_PASSWORD}\n",
            ))
            .snapshot();
    }
}
