//! Credentials embedded in configuration text: `key = value` lines, URL and SQL passwords.
//!
//! Credentials embedded in configuration text (ConfigMap files, Secret files, env values):
//! secret-like `key = value` lines, passwords in URLs and in SQL statements.

use std::ops::Range;

use super::secret::{is_placeholder, is_secret_name};

/// File extensions of ConfigMap keys that hold a whole file (scanned line by line, not judged
/// by their name).
const FILE_EXTENSIONS: &[&str] = &[
    "json",
    "yaml",
    "yml",
    "properties",
    "props",
    "conf",
    "cfg",
    "config",
    "ini",
    "xml",
    "toml",
    "txt",
    "env",
    "sh",
    "bash",
    "py",
    "js",
    "lua",
    "tpl",
    "tmpl",
    "template",
    "rules",
    "html",
    "css",
    "sql",
    "cnf",
    "pem",
    "crt",
    "cert",
    "key",
    "rb",
    "php",
    "vcl",
    "hcl",
    "tf",
    "md",
    "csv",
    "j2",
    "jinja",
    "conf.d",
    "sample",
];

/// Whether a ConfigMap key names a file (`application.properties`, `nginx.conf`, `.env`).
pub fn is_file_key(key: &str) -> bool {
    key.rsplit_once('.')
        .is_some_and(|(_, ext)| FILE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
}

/// Passwords embedded in URLs (`postgres://app:pw@db:5432/app`): their byte ranges.
pub fn url_passwords(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("://") {
        let auth_start = i + 3;
        let rest = &text[auth_start..];
        let auth_len = rest
            .find(|c: char| {
                c == '/' || c == '?' || c == '#' || c.is_whitespace() || "\"'`<>".contains(c)
            })
            .unwrap_or(rest.len());
        let auth = &rest[..auth_len];
        let Some(at) = auth.rfind('@') else { continue };
        let Some(colon) = auth[..at].find(':') else {
            continue;
        };
        let password = &auth[colon + 1..at];
        if password.is_empty() || is_placeholder(password) {
            continue;
        }
        out.push(auth_start + colon + 1..auth_start + at);
    }
    out
}

/// Passwords in SQL statements: `CREATE USER … WITH PASSWORD '…'`, `ALTER ROLE … PASSWORD '…'`,
/// MySQL `IDENTIFIED BY '…'`. Their byte ranges.
pub fn sql_passwords(text: &str) -> Vec<Range<usize>> {
    let lower = text.to_ascii_lowercase();
    let mut out = Vec::new();
    for needle in ["password", "identified by"] {
        for (i, _) in lower.match_indices(needle) {
            let after = i + needle.len();
            let rest = &text[after..];
            let value = rest.trim_start_matches([' ', '\t']);
            if value.len() == rest.len() {
                continue;
            }
            let Some(q) = value.chars().next().filter(|c| *c == '\'' || *c == '"') else {
                continue;
            };
            let start = after + (rest.len() - value.len()) + 1;
            let Some(len) = text[start..].find(q) else {
                continue;
            };
            let v = &text[start..start + len];
            if v.is_empty() || v.contains('\n') || is_placeholder(v) {
                continue;
            }
            out.push(start..start + len);
        }
    }
    out.sort_by_key(|r| r.start);
    out
}

/// One `key = value` / `key: value` / `"key": "value"` line of a configuration text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The key as written (without quotes).
    pub key: String,
    /// Byte range of the value in the text (without quotes).
    pub value: Range<usize>,
}

/// Lines of `text` that assign a literal (non-placeholder) value to a secret-like key: Java
/// properties, `.env`, INI, YAML and JSON lines. Interpolations (`${…}`, `$(…)`, `{{…}}`),
/// comments, nested blocks and jasypt `ENC(…)` values are skipped.
pub fn secret_assignments(text: &str) -> Vec<Assignment> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let base = offset;
        offset += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim_start();
        if trimmed.is_empty()
            || ["#", ";", "//", "!", "<!--", "--"]
                .iter()
                .any(|c| trimmed.starts_with(c))
        {
            continue;
        }
        // `t` is always a suffix of `body`, so its offset is `body.len() - t.len()`.
        let mut t = trimmed.strip_prefix("export ").unwrap_or(trimmed);
        // `trim_start_matches("- ")`, without building a searcher for every line.
        while let Some(rest) = t.strip_prefix("- ") {
            t = rest;
        }
        let Some(sep) = t.find([':', '=']) else {
            continue;
        };
        let key = t[..sep].trim().trim_matches(|c| c == '"' || c == '\'');
        if key.is_empty()
            || !key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        {
            continue;
        }
        let mut vstart = sep + 1;
        if t[sep..].starts_with(":=") || t[sep..].starts_with("==") {
            vstart += 1;
        }
        let raw = &t[vstart..];
        let mut v = raw.trim_start();
        let mut vs = vstart + (raw.len() - v.len());
        v = v.trim_end();
        if v.starts_with(['"', '\'']) {
            // A quoted value ends at its closing quote (a comment or `,` may follow).
            let Some(close) = v[1..].find(&v[..1]) else {
                continue;
            };
            v = &v[1..=close];
            vs += 1;
        } else {
            if let Some(c) = memchr::memmem::find(v.as_bytes(), b" #") {
                v = v[..c].trim_end();
            }
            v = v.trim_end_matches([',', ';']);
        }
        if v.is_empty()
            || v.starts_with(['{', '[', '|', '>', '&', '*', '!'])
            || v.starts_with("ENC(")
            || !is_secret_name(key)
            || is_placeholder(v)
        {
            continue;
        }
        let start = base + (body.len() - t.len()) + vs;
        out.push(Assignment {
            key: key.to_owned(),
            value: start..start + v.len(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{secret_assignments, sql_passwords, url_passwords};

    #[test]
    fn assignments() {
        let text = "# db\nspring.datasource.url=jdbc:x\nspring.datasource.password=Pr0d!\nexport API_TOKEN=\"abc123\"\ndb:\n  password: hunter2 # old\n  token_ttl: 3600\n  \"apiKey\": \"k-9\",\n  token: 'quoted-tok' # c\nsecret: ${SECRET}\npassthrough: true\nproxy_pass http://a:80;\nPASSWORD_FILE=/x\npassword:\n";
        let got: Vec<(String, &str)> = secret_assignments(text)
            .into_iter()
            .map(|a| (a.key, &text[a.value]))
            .collect();
        assert_eq!(
            got,
            vec![
                ("spring.datasource.password".to_owned(), "Pr0d!"),
                ("API_TOKEN".to_owned(), "abc123"),
                ("password".to_owned(), "hunter2"),
                ("apiKey".to_owned(), "k-9"),
                ("token".to_owned(), "quoted-tok"),
            ]
        );
    }

    #[test]
    fn passwords_in_urls() {
        let t = "a postgres://app:pw-1@db:5432/x b http://h/x?u=a@b c amqp://guest@q d redis://:${PW}@r e mongodb://u:p%40ss@m1,m2/db";
        let got: Vec<&str> = url_passwords(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(got, ["pw-1", "p%40ss"]);
    }

    #[test]
    fn passwords_in_sql() {
        let t = "CREATE USER a WITH PASSWORD 'pw-a';\nGRANT x;\nCREATE USER b IDENTIFIED BY \"pw-b\";\nALTER ROLE c PASSWORD :'var';\nALTER ROLE d PASSWORD '${PW}';\n-- password policy";
        let got: Vec<&str> = sql_passwords(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(got, ["pw-a", "pw-b"]);
    }
}
