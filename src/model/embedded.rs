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

/// MySQL and MariaDB clients, whose `-p<password>` takes the password glued to the flag.
const MYSQL_CLIENTS: &[&str] = &[
    "mysql",
    "mysqldump",
    "mysqladmin",
    "mysqlcheck",
    "mysqlimport",
    "mysqlshow",
    "mysqlpump",
    "mariadb",
    "mariadb-dump",
    "mariadb-admin",
];

/// The whitespace-separated words of a text with their byte ranges, surrounding quotes left
/// out (`'--password=x'` → `--password=x`).
fn words(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (c.is_whitespace() || c == ';' || c == '|' || c == '&', start) {
            (true, Some(s)) => {
                let mut r: Range<usize> = s..i;
                let w = &text[r.clone()];
                for q in ['"', '\''] {
                    if w.len() >= 2 && w.starts_with(q) && w.ends_with(q) {
                        r = r.start + 1..r.end - 1;
                    }
                }
                out.push(r);
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    out
}

/// A value on a command line that is no literal secret: empty, a placeholder, a variable
/// (`$(DB_PASSWORD)` is expanded by the kubelet, `$VAR` by the shell), a command
/// substitution, or another flag.
fn literal(v: &str) -> bool {
    !v.is_empty()
        && !v.starts_with('-')
        && !v.starts_with('`')
        && !is_placeholder(v)
        && !v.contains("$(")
        && !v.contains("${")
}

/// Credentials written on a command line: `--db-password=…` or `--token …` (a flag whose name
/// means a secret, by the rules of environment variable names), `--from-literal=password=…`,
/// `PGPASSWORD=… psql`, a MySQL client's `-p…`, and passwords in URLs. `argv` is the container's
/// `command` then `args`, each maybe a shell script; the result holds `(index in argv, byte
/// range of the secret in that string)`, sorted.
pub fn command_line_secrets(argv: &[&str]) -> Vec<(usize, Range<usize>)> {
    let split: Vec<Vec<Range<usize>>> = argv.iter().map(|a| words(a)).collect();
    let mysql = argv.iter().zip(&split).any(|(a, ws)| {
        ws.iter().any(|w| {
            let word = &a[w.clone()];
            MYSQL_CLIENTS.contains(&word.rsplit('/').next().unwrap_or(word))
        })
    });
    let mut out = Vec::new();
    // A secret flag whose value is the next word, maybe in the next string of argv.
    let mut pending = false;
    for (i, (arg, ws)) in argv.iter().zip(&split).enumerate() {
        for w in ws {
            let word = &arg[w.clone()];
            if std::mem::take(&mut pending) && literal(word) {
                out.push((i, w.clone()));
                continue;
            }
            if let Some(flag) = word.strip_prefix('-') {
                let (name, value) = match flag.split_once('=') {
                    Some((n, v)) => (n, Some(v)),
                    None => (flag, None),
                };
                let name = name.trim_start_matches('-');
                let value_at = w.start + word.len() - value.map_or(0, str::len);
                match value {
                    _ if mysql
                        && !flag.starts_with('-')
                        && name.len() > 1
                        && name.starts_with('p') =>
                    {
                        // `-psecret`: the password glued to `-p`.
                        if literal(&word[2..]) {
                            out.push((i, w.start + 2..w.end));
                        }
                    }
                    Some(v) if is_secret_name(name) => {
                        if literal(v) {
                            out.push((i, value_at..w.end));
                        }
                    }
                    Some(v) => {
                        // `--from-literal=password=…`, `--set auth.password=…`.
                        if let Some((k, inner)) = v.split_once('=')
                            && is_secret_name(k)
                            && literal(inner)
                        {
                            out.push((i, w.end - inner.len()..w.end));
                        }
                    }
                    None => pending = is_secret_name(name),
                }
                continue;
            }
            // `PGPASSWORD=… psql`, `auth.password=…` after `--set`.
            if let Some((k, v)) = word.split_once('=')
                && !k.is_empty()
                && !k.contains('/')
                && is_secret_name(k)
                && literal(v)
            {
                out.push((i, w.end - v.len()..w.end));
            }
        }
        for r in url_passwords(arg) {
            if !out
                .iter()
                .any(|(j, o)| *j == i && o.start <= r.start && r.end <= o.end)
            {
                out.push((i, r));
            }
        }
    }
    out.sort_by_key(|(i, r)| (*i, r.start));
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
    use super::{command_line_secrets, secret_assignments, sql_passwords, url_passwords};

    /// The secrets of a command line, as text.
    fn cli(argv: &[&str]) -> Vec<String> {
        command_line_secrets(argv)
            .into_iter()
            .map(|(i, r)| argv[i][r].to_owned())
            .collect()
    }

    #[test]
    fn command_line_credentials() {
        assert_eq!(
            cli(&["app", "--db-password=hunter22", "--port=8080"]),
            ["hunter22"]
        );
        assert_eq!(cli(&["app", "--api-token", "tok-123-abc"]), ["tok-123-abc"]);
        assert_eq!(
            cli(&["sh", "-c", "mysql -u root -pS3cret! shop < dump.sql"]),
            ["S3cret!"]
        );
        assert_eq!(
            cli(&["mysqldump", "-uroot", "-pS3cret", "shop"]),
            ["S3cret"]
        );
        assert_eq!(
            cli(&["sh", "-c", "PGPASSWORD=pg-pass psql -h db -U app"]),
            ["pg-pass"]
        );
        assert_eq!(
            cli(&[
                "kubectl",
                "create",
                "secret",
                "generic",
                "x",
                "--from-literal=password=lit-pw"
            ]),
            ["lit-pw"]
        );
        assert_eq!(
            cli(&["curl", "https://user:url-pw@example.com/x"]),
            ["url-pw"]
        );
        // Not literal secrets: variables, files, switches, other programs' -p.
        for argv in [
            &["app", "--db-password=$(DB_PASSWORD)"][..],
            &["sh", "-c", "mysql -u root -p$MYSQL_ROOT_PASSWORD"],
            &[
                "app",
                "--password-file=/run/secrets/pw",
                "--token-path",
                "/var/run/token",
            ],
            &["docker", "login", "--password-stdin", "-u", "ci"],
            &["app", "--password", "--verbose"],
            &["ssh", "-p2222", "host"],
            &["app", "--token=${TOKEN}"],
        ] {
            assert!(cli(argv).is_empty(), "{argv:?}: {:?}", cli(argv));
        }
    }

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
