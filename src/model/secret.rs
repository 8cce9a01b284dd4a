//! Span-free helpers for the secret rules: names, placeholders, base64, entropy, SOPS.
//!
//! Span-free helpers for the secret rules: secret-like names, placeholder values, base64,
//! Shannon entropy and SOPS detection (SEMANTICS §6.1, §6.3).

use super::Object;
use super::image::is_templated;
use crate::yaml::NodeRef;

/// Single tokens that name a secret (detect-secrets `plugins/keyword.py` DENYLIST, split into
/// tokens; SEMANTICS SEC-ENV-LITERAL).
const SECRET_TOKENS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "pass",
    "passphrase",
    "secret",
    "secrets",
    "token",
    "credential",
    "credentials",
    "creds",
    "apikey",
    "privatekey",
    "privkey",
    "connectionstring",
    "sas",
    "keypass",
    "secretkey",
    "accesskey",
    "accountkey",
    "clientsecret",
    "authtoken",
    "apitoken",
    "contrasena",
];

/// Suffixes that make a run-together token secret (`dbpassword`, `jwtsecret`, `accesstoken`).
const SECRET_SUFFIXES: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "privatekey",
];

/// `(first, second)` adjacent token pairs that name a secret (`API_KEY`, `ACCESS_KEY`, …).
const SECRET_PAIRS: &[(&str, &str)] = &[
    ("api", "key"),
    ("access", "key"),
    ("secret", "key"),
    ("private", "key"),
    ("priv", "key"),
    ("account", "key"),
    ("auth", "key"),
    ("app", "key"),
    ("client", "key"),
    ("service", "key"),
    ("master", "key"),
    ("encryption", "key"),
    ("signing", "key"),
    ("ssh", "key"),
    ("connection", "string"),
    ("connection", "strings"),
];

/// Last tokens that make a secret-like name harmless: it names a file, a reference, a switch,
/// a limit or an address rather than the secret itself (`PASSWORD_FILE`, `TOKEN_TTL`,
/// `SECRET_NAME`, `AWS_ACCESS_KEY_ID`).
const HARMLESS_LAST: &[&str] = &[
    "file",
    "files",
    "path",
    "dir",
    "directory",
    "name",
    "names",
    "ref",
    "id",
    "ids",
    "enabled",
    "enable",
    "disabled",
    "disable",
    "required",
    "length",
    "len",
    "min",
    "max",
    "ttl",
    "expiry",
    "expiration",
    "expires",
    "lifetime",
    "timeout",
    "url",
    "uri",
    "endpoint",
    "host",
    "hostname",
    "port",
    "type",
    "mode",
    "policy",
    "header",
    "version",
    "user",
    "username",
    "owner",
    "count",
    "size",
    "format",
    "store",
    "provider",
    "backend",
    "source",
    "namespace",
    "class",
    "kind",
    "method",
    "strategy",
    "algorithm",
    "alg",
    "scope",
    "scopes",
    "audience",
    "issuer",
    "realm",
    "mount",
    "volume",
    "prefix",
    "suffix",
    "field",
    "key_name",
    "label",
    "annotation",
    "rotation",
    "interval",
    "period",
    "duration",
    "retries",
    "limit",
    "reset",
    "location",
    "template",
    "env",
    "var",
    "variable",
    "ref_name",
    "selector",
    "generator",
    "hint",
    "placeholder",
    "regex",
    "pattern",
    "validation",
    "complexity",
    "strength",
    "history",
];

/// Values that are not secrets whatever the name (detect-secrets keyword.py `FALSE_POSITIVES`,
/// plus common placeholders). Weak but real values (`changeme`, `admin`) are not listed.
const PLACEHOLDER_VALUES: &[&str] = &[
    "dummy",
    "dummy_secret",
    "dummy_value",
    "none",
    "null",
    "nil",
    "undef",
    "undefined",
    "not_real_key",
    "redacted",
    "some_key",
    "string",
    "test",
    "todo",
    "tbd",
    "true",
    "false",
    "yes",
    "no",
    "on",
    "off",
    "password",
    "secret",
    "pass",
    "token",
    "prompt",
    "thisisnottherealsecret",
    "test-access-key",
    "disable",
    "disabled",
    "enabled",
    "replace_me",
    "replaceme",
    "replace-me",
    "placeholder",
    "example",
    "your_password",
    "your-password",
    "yourpassword",
    "your_token",
    "your_api_key",
    "insert_here",
    "fill_me",
    "fillme",
];

/// Prefixes of fill-in-the-blank values (`INSERT_ETCD_TOKEN`, `your-api-key-here`).
const PLACEHOLDER_PREFIXES: &[&str] = &[
    "insert_",
    "insert-",
    "insert ",
    "your_",
    "your-",
    "your ",
    "replace_",
    "replace-",
    "replace ",
    "put_your",
    "put-your",
    "enter_",
    "enter-",
    "enter ",
    "fill_in",
    "fill-in",
    "todo:",
    "todo_",
    "changeme_to",
    "change_me_to",
];

/// Endings of Secret keys that name who or where, not the secret (`username`, `apiAddress`).
const IDENTIFIER_KEY_SUFFIXES: &[&str] = &[
    "username",
    "user",
    "login",
    "email",
    "name",
    "address",
    "host",
    "hostname",
    "url",
    "uri",
    "endpoint",
    "port",
    "namespace",
    "region",
    "server",
    "database",
    "tenantid",
    "clientid",
    "accountid",
    "projectid",
];

/// Whether a Secret key names an identifier that accompanies a secret rather than the secret
/// itself (`username`, `admin-user`, `apiAddress`, `azurestorageaccountname`).
pub fn is_identifier_key(key: &str) -> bool {
    let flat: String = key
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    !is_secret_name(key) && IDENTIFIER_KEY_SUFFIXES.iter().any(|s| flat.ends_with(s))
}

/// The byte ranges of the tokens of `name`: runs of ASCII letters and digits, split where a
/// capital follows a lowercase letter or a digit, or starts a word after capitals. Lowercased,
/// `DB_PASSWORD` → `db password`, `apiKey` → `api key`, `DBPassword` → `db password`.
fn token_ranges(name: &str, mut token: impl FnMut(std::ops::Range<usize>)) {
    let b = name.as_bytes();
    let mut start = None;
    for i in 0..=b.len() {
        let c = b.get(i).copied().filter(u8::is_ascii_alphanumeric);
        let Some(c) = c else {
            if let Some(s) = start.take() {
                token(s..i);
            }
            continue;
        };
        match start {
            None => start = Some(i),
            Some(s) => {
                let prev = b[i - 1];
                let next = b.get(i + 1).copied();
                let boundary = c.is_ascii_uppercase()
                    && (prev.is_ascii_lowercase()
                        || prev.is_ascii_digit()
                        || (prev.is_ascii_uppercase()
                            && next.is_some_and(|n| n.is_ascii_lowercase())));
                if boundary {
                    token(s..i);
                    start = Some(i);
                }
            }
        }
    }
}

/// Words one of which every secret token, suffix and pair contains (a test holds the lists to
/// it): a name without any of them is not secret, whatever its tokens.
const SECRET_WORDS: &[&[u8]] = &[
    b"pass",
    b"pwd",
    b"secret",
    b"sas",
    b"string",
    b"token",
    b"cred",
    b"contrasena",
    b"key",
];

/// Whether `name` contains a [`SECRET_WORDS`] word, in any case: a scan that looks further
/// only at the letters words start with.
fn may_name_secret(name: &[u8]) -> bool {
    (0..name.len()).any(|i| {
        matches!(name[i] | 0x20, b'p' | b's' | b't' | b'c' | b'k')
            && SECRET_WORDS.iter().any(|w| {
                name[i..]
                    .get(..w.len())
                    .is_some_and(|n| n.eq_ignore_ascii_case(w))
            })
    })
}

/// Whether a variable or key name means a secret (SEMANTICS SEC-ENV-LITERAL): a secret token,
/// a secret token pair, and no harmless last token.
pub fn is_secret_name(name: &str) -> bool {
    // Most names (every key of every ConfigMap line) contain no secret word at all.
    if !may_name_secret(name.as_bytes()) {
        return false;
    }
    // Tokens are ASCII (the name is split at everything else): lowercase it once and take the
    // tokens as ranges of it. This runs for every env var and every key of every ConfigMap.
    let lower = name.to_ascii_lowercase();
    let mut stems: Vec<&str> = Vec::new();
    token_ranges(name, |r| {
        stems.push(lower[r].trim_end_matches(|c: char| c.is_ascii_digit()));
    });
    let Some(&last) = stems.last() else {
        return false;
    };
    if HARMLESS_LAST.contains(&last) {
        return false;
    }
    stems.iter().any(|t| {
        SECRET_TOKENS.contains(t)
            || SECRET_SUFFIXES
                .iter()
                .any(|s| t.len() > s.len() && t.ends_with(s))
    }) || stems
        .windows(2)
        .any(|w| SECRET_PAIRS.contains(&(w[0], w[1])))
}

/// Whether a value is not a literal secret: empty, templated, a placeholder, a boolean or
/// number, a path, or SOPS ciphertext.
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim().trim_matches(|c| c == '"' || c == '\'').trim();
    if v.is_empty() || is_templated(v) || is_sops_ciphertext(v) {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    if PLACEHOLDER_VALUES.contains(&lower.as_str())
        || PLACEHOLDER_PREFIXES.iter().any(|p| lower.starts_with(p))
    {
        return true;
    }
    let bytes = v.as_bytes();
    // `<password>`, `$VAR`, `%VAR%`, `@VAR@`, `***`, `xxxx`, `...`
    (bytes[0] == b'<' && bytes[bytes.len() - 1] == b'>')
        || (bytes[0] == b'$'
            && v[1..]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        || (bytes.len() > 2 && bytes[0] == b'%' && bytes[bytes.len() - 1] == b'%')
        || (bytes.len() > 2 && bytes[0] == b'@' && bytes[bytes.len() - 1] == b'@')
        || v.chars()
            .all(|c| c == '*' || c == '.' || c == 'x' || c == 'X' || c == '-' || c == '_')
        || bytes.iter().all(u8::is_ascii_digit)
        || ((v.starts_with('/') || v.starts_with("./") || v.starts_with("file://"))
            && !v.contains(char::is_whitespace))
}

/// SOPS ciphertext: `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]` (getsops/sops `aes/cipher.go`).
pub fn is_sops_ciphertext(v: &str) -> bool {
    v.starts_with("ENC[AES256_GCM,data:") && v.ends_with(']')
}

/// Whether the object carries SOPS metadata: a top-level `sops:` mapping with `mac` (and
/// `lastmodified`), so its `ENC[…]` values are ciphertext.
pub fn is_sops_document(obj: &Object<'_>) -> bool {
    obj.node
        .get("sops")
        .is_some_and(|s| s.is_map() && s.get("mac").is_some())
}

/// Decode standard or URL-safe base64 (padding optional, whitespace ignored). `None` when the
/// text is not base64.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    let mut pad = 0;
    for b in text.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => {
                pad += 1;
                continue;
            }
            b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return None,
        };
        if pad > 0 {
            return None;
        }
        acc = ((acc << 6) | u32::from(v)) & 0x3fff;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    if pad > 2 || bits >= 6 {
        return None;
    }
    Some(out)
}

/// Shannon entropy in bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[b as usize] += 1;
    }
    #[allow(clippy::cast_precision_loss)]
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Decoded text is only public certificates (`-----BEGIN CERTIFICATE-----` blocks, no key).
pub fn is_public_certificate(text: &str) -> bool {
    text.contains("-----BEGIN CERTIFICATE-----") && !text.contains("PRIVATE KEY")
}

/// The value of a string node, decoded when it lives under base64 `data`.
pub fn decoded(node: NodeRef<'_>) -> Option<String> {
    let raw = node.as_str()?;
    base64_decode(raw).and_then(|b| String::from_utf8(b).ok())
}

#[cfg(test)]
mod tests {
    use super::{SECRET_PAIRS, SECRET_SUFFIXES, SECRET_TOKENS, may_name_secret};
    use super::{base64_decode, entropy, is_placeholder, is_secret_name};

    #[test]
    fn every_secret_token_suffix_and_pair_contains_a_secret_word() {
        // The pre-check may only skip names that cannot be secret: each list entry must hold a
        // word of `SECRET_WORDS`, in any case.
        for t in SECRET_TOKENS.iter().chain(SECRET_SUFFIXES) {
            assert!(may_name_secret(t.as_bytes()), "{t}");
            assert!(may_name_secret(t.to_ascii_uppercase().as_bytes()), "{t}");
        }
        for (a, b) in SECRET_PAIRS {
            assert!(may_name_secret(format!("{a}_{b}").as_bytes()), "{a} {b}");
            assert!(may_name_secret(
                format!("{a}{b}").to_ascii_uppercase().as_bytes()
            ));
        }
        for name in [
            "DB_PASSWORD",
            "jwtSecret",
            "AccessToken",
            "x-api-key",
            "SAS",
            "Pwd1",
        ] {
            assert!(
                may_name_secret(name.as_bytes()) && is_secret_name(name),
                "{name}"
            );
        }
        for name in ["server.port", "LOG_LEVEL", "replicas", "", "a"] {
            assert!(
                !may_name_secret(name.as_bytes()) && !is_secret_name(name),
                "{name}"
            );
        }
    }

    #[test]
    fn tokens() {
        let name_tokens = |name: &str| {
            let mut out = Vec::new();
            super::token_ranges(name, |r| out.push(name[r].to_ascii_lowercase()));
            out
        };
        assert_eq!(name_tokens("DB_PASSWORD"), ["db", "password"]);
        assert_eq!(name_tokens("apiKey"), ["api", "key"]);
        assert_eq!(name_tokens("DBPassword"), ["db", "password"]);
        assert_eq!(
            name_tokens("spring.datasource.password"),
            ["spring", "datasource", "password"]
        );
        assert_eq!(
            name_tokens("AWS_ACCESS_KEY_ID"),
            ["aws", "access", "key", "id"]
        );
        assert_eq!(name_tokens("x-api-token2"), ["x", "api", "token2"]);
    }

    #[test]
    fn secret_names() {
        for n in [
            "DB_PASSWORD",
            "password",
            "PASSWD",
            "MYSQL_ROOT_PWD",
            "apiKey",
            "API_KEY",
            "GITHUB_TOKEN",
            "CLIENT_SECRET",
            "AWS_SECRET_ACCESS_KEY",
            "privateKey",
            "SSH_PRIVATE_KEY",
            "ConnectionStrings__Default",
            "connection_string",
            "AZURE_STORAGE_SAS",
            "dbpassword",
            "jwtSecret",
            "credentials",
            "REDIS_PASS",
            "SECRET_KEY_BASE",
            "DB_PASSWORD2",
            "STORAGE_ACCOUNT_KEY",
            "admin_password",
        ] {
            assert!(is_secret_name(n), "{n} should be secret-like");
        }
        for n in [
            "PASSWORD_FILE",
            "TOKEN_PATH",
            "SECRET_NAME",
            "TOKEN_TTL",
            "AUTH_ENABLED",
            "AWS_ACCESS_KEY_ID",
            "KEY_NAME",
            "PASSWORD_MIN_LENGTH",
            "TOKEN_URL",
            "DB_HOST",
            "USERNAME",
            "PATH",
            "PASSTHROUGH",
            "BYPASS",
            "COMPASS_URL",
            "passthrough",
            "KEYCLOAK_REALM",
            "SECRET_STORE",
            "token-ttl",
            "password-policy",
            "TOKEN_AUDIENCE",
            "SECRETS_DIR",
            "product",
            "MONKEY",
            "TOKENIZER_MODEL_DIR",
            "",
        ] {
            assert!(!is_secret_name(n), "{n} should not be secret-like");
        }
    }

    #[test]
    fn placeholders() {
        for v in [
            "",
            "  ",
            "\"\"",
            "{{ .Values.pw }}",
            "${DB_PASSWORD}",
            "$(PW)",
            "<password>",
            "true",
            "3600",
            "/run/secrets/db",
            "REPLACE_ME",
            "xxxx",
            "****",
            "redacted",
            "ENC[AES256_GCM,data:Zm9v,iv:x,tag:y,type:str]",
            "$DB_PASS",
        ] {
            assert!(is_placeholder(v), "{v:?} should be a placeholder");
        }
        for v in ["INSERT_ETCD_INITIAL_CLUSTER_TOKEN", "your-api-key-here"] {
            assert!(is_placeholder(v), "{v:?} should be a placeholder");
        }
        for v in [
            "hunter2", "changeme", "admin", "s3cr3t!", "P@ssw0rd", "a b c", "minio", "sst",
        ] {
            assert!(!is_placeholder(v), "{v:?} should be a real value");
        }
    }

    #[test]
    fn base64() {
        assert_eq!(
            base64_decode("aHVudGVyMg==").as_deref(),
            Some(&b"hunter2"[..])
        );
        assert_eq!(
            base64_decode("aHVudGVyMg").as_deref(),
            Some(&b"hunter2"[..])
        );
        assert_eq!(base64_decode("").as_deref(), Some(&b""[..]));
        assert_eq!(base64_decode("a GVs\nbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(base64_decode("not base64!"), None);
        assert_eq!(base64_decode("a"), None);
        assert_eq!(base64_decode("aGk=x"), None);
    }

    #[test]
    fn shannon() {
        assert!(entropy("aaaa") < 0.01);
        assert!((entropy("abcd") - 2.0).abs() < 1e-9);
        assert!(entropy("AKIAZ3MQB7HX2KL4PW6R") > 3.0);
    }
}
