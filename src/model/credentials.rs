//! Known credential formats, as hand-written matchers.
//!
//! Known credential formats, as hand-written matchers (no regex engine needed: each is a
//! literal prefix followed by character classes of bounded length).
//!
//! Patterns and entropy gates follow gitleaks' default configuration (`config/gitleaks.toml`,
//! gitleaks v8.30): rule ids are given next to each matcher. The Azure storage key follows
//! Yelp/detect-secrets `plugins/azure_storage_key.py`; the GCP service-account key file is
//! gitleaks' unregistered `GCPServiceAccount` generator rule tightened as SEMANTICS §6.2
//! proposes. Every match must clear its gate of Shannon entropy (bits per character) and
//! the documented example keys are allowlisted.

use std::ops::Range;

use super::secret::entropy;

/// A credential found in a string.
#[derive(Debug, Clone, PartialEq)]
pub struct Credential {
    /// What it is, for messages (`AWS access key ID`).
    pub what: &'static str,
    /// The gitleaks rule id it follows (or ours).
    pub id: &'static str,
    /// Where it is in the string.
    pub range: Range<usize>,
    /// A passphrase-protected private key (less urgent).
    pub encrypted: bool,
}

type Class = fn(u8) -> bool;

/// One piece of a pattern: a literal, or `min..=max` bytes of a class (greedy, backtracking).
#[derive(Clone, Copy)]
enum P {
    L(&'static str),
    C(Class, usize, usize),
}

/// What may follow a match.
#[derive(Clone, Copy, PartialEq)]
enum End {
    /// Anything.
    Any,
    /// Not a word character (`\b` after `\w`).
    NotWord,
    /// Not `[\w-]`: the token does not go on.
    NotToken,
}

struct Matcher {
    id: &'static str,
    what: &'static str,
    prefixes: &'static [&'static str],
    rest: &'static [P],
    /// Require a non-word character (or the start) before the prefix.
    word_start: bool,
    end: End,
    min_entropy: f64,
}

fn b32(b: u8) -> bool {
    b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)
}
fn upper_digit(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}
fn alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}
fn word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}
fn word_dash(b: u8) -> bool {
    word(b) || b == b'-'
}
fn alnum_dash(b: u8) -> bool {
    alnum(b) || b == b'-'
}
fn digit(b: u8) -> bool {
    b.is_ascii_digit()
}
fn hex_lower(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}
fn slack_hook(b: u8) -> bool {
    alnum(b) || b == b'+' || b == b'/'
}
fn b64(b: u8) -> bool {
    alnum(b) || b == b'+' || b == b'/' || b == b'='
}
fn jwt(b: u8) -> bool {
    alnum(b) || matches!(b, b'/' | b'\\' | b'_' | b'-')
}
fn equals(b: u8) -> bool {
    b == b'='
}

const MANY: usize = usize::MAX;

static MATCHERS: &[Matcher] = &[
    // aws-access-token: \b((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b, entropy 3
    Matcher {
        id: "aws-access-token",
        what: "AWS access key ID",
        prefixes: &["AKIA", "ASIA", "ABIA", "ACCA"],
        rest: &[P::C(b32, 16, 16)],
        word_start: true,
        end: End::NotWord,
        min_entropy: 3.0,
    },
    Matcher {
        id: "aws-access-token",
        what: "AWS access key ID",
        prefixes: &["A3T"],
        rest: &[P::C(upper_digit, 1, 1), P::C(b32, 16, 16)],
        word_start: true,
        end: End::NotWord,
        min_entropy: 3.0,
    },
    // github-pat / github-oauth / github-app-token / github-refresh-token: gh[pousr]_[0-9a-zA-Z]{36}, entropy 3
    Matcher {
        id: "github-pat",
        what: "GitHub token",
        prefixes: &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
        rest: &[P::C(alnum, 36, 36)],
        word_start: false,
        end: End::Any,
        min_entropy: 3.0,
    },
    // github-fine-grained-pat: github_pat_\w{82}, entropy 3
    Matcher {
        id: "github-fine-grained-pat",
        what: "GitHub fine-grained token",
        prefixes: &["github_pat_"],
        rest: &[P::C(word, 82, 82)],
        word_start: false,
        end: End::Any,
        min_entropy: 3.0,
    },
    // gitlab-pat: glpat-[\w-]{20}, entropy 3 (also the start of the routable format)
    Matcher {
        id: "gitlab-pat",
        what: "GitLab personal access token",
        prefixes: &["glpat-"],
        rest: &[P::C(word_dash, 20, 20)],
        word_start: false,
        end: End::Any,
        min_entropy: 3.0,
    },
    // gitlab-ptt: glptt-[0-9a-f]{40}, entropy 3
    Matcher {
        id: "gitlab-ptt",
        what: "GitLab pipeline trigger token",
        prefixes: &["glptt-"],
        rest: &[P::C(hex_lower, 40, 40)],
        word_start: false,
        end: End::Any,
        min_entropy: 3.0,
    },
    // gitlab-deploy-token / gitlab-runner-authentication-token: gl(dt|rt)-[0-9a-zA-Z_\-]{20}, entropy 3
    Matcher {
        id: "gitlab-deploy-token",
        what: "GitLab deploy or runner token",
        prefixes: &["gldt-", "glrt-"],
        rest: &[P::C(word_dash, 20, 20)],
        word_start: false,
        end: End::Any,
        min_entropy: 3.0,
    },
    // slack-bot-token: xoxb-[0-9]{10,13}-[0-9]{10,13}[a-zA-Z0-9-]*, entropy 3
    Matcher {
        id: "slack-bot-token",
        what: "Slack bot token",
        prefixes: &["xoxb-"],
        rest: &[
            P::C(digit, 10, 13),
            P::L("-"),
            P::C(digit, 10, 13),
            P::C(alnum_dash, 0, MANY),
        ],
        word_start: false,
        end: End::Any,
        min_entropy: 3.0,
    },
    // slack-legacy-bot-token: xoxb-[0-9]{8,14}-[a-zA-Z0-9]{18,26}, entropy 2
    Matcher {
        id: "slack-legacy-bot-token",
        what: "Slack bot token",
        prefixes: &["xoxb-"],
        rest: &[P::C(digit, 8, 14), P::L("-"), P::C(alnum, 18, 26)],
        word_start: false,
        end: End::Any,
        min_entropy: 2.0,
    },
    // slack-user-token: xox[pe](?:-[0-9]{10,13}){3}-[a-zA-Z0-9-]{28,34}, entropy 2
    Matcher {
        id: "slack-user-token",
        what: "Slack user token",
        prefixes: &["xoxp", "xoxe"],
        rest: &[
            P::L("-"),
            P::C(digit, 10, 13),
            P::L("-"),
            P::C(digit, 10, 13),
            P::L("-"),
            P::C(digit, 10, 13),
            P::L("-"),
            P::C(alnum_dash, 28, 34),
        ],
        word_start: false,
        end: End::Any,
        min_entropy: 2.0,
    },
    // slack-app-token: (?i)xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+, entropy 2
    Matcher {
        id: "slack-app-token",
        what: "Slack app token",
        prefixes: &["xapp-"],
        rest: &[
            P::C(digit, 1, 1),
            P::L("-"),
            P::C(alnum, 1, MANY),
            P::L("-"),
            P::C(digit, 1, MANY),
            P::L("-"),
            P::C(alnum, 1, MANY),
        ],
        word_start: false,
        end: End::Any,
        min_entropy: 2.0,
    },
    // slack-webhook-url: (?:https?://)?hooks.slack.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56}
    Matcher {
        id: "slack-webhook-url",
        what: "Slack webhook URL",
        prefixes: &[
            "hooks.slack.com/services/",
            "hooks.slack.com/workflows/",
            "hooks.slack.com/triggers/",
        ],
        rest: &[P::C(slack_hook, 43, 56)],
        word_start: false,
        end: End::Any,
        min_entropy: 0.0,
    },
    // gcp-api-key: \b(AIza[\w-]{35})(?:[\x60'"\s;]|\\[nr]|$), entropy 4
    Matcher {
        id: "gcp-api-key",
        what: "Google API key",
        prefixes: &["AIza"],
        rest: &[P::C(word_dash, 35, 35)],
        word_start: true,
        end: End::NotToken,
        min_entropy: 4.0,
    },
    // stripe-access-token: \b((?:sk|rk)_(?:test|live|prod)_[a-zA-Z0-9]{10,99}), entropy 2 — live keys only
    Matcher {
        id: "stripe-access-token",
        what: "Stripe live secret key",
        prefixes: &["sk_live_", "rk_live_"],
        rest: &[P::C(alnum, 10, 99)],
        word_start: true,
        end: End::NotWord,
        min_entropy: 2.0,
    },
    // npm-access-token: (?i)\b(npm_[a-z0-9]{36}), entropy 2
    Matcher {
        id: "npm-access-token",
        what: "npm access token",
        prefixes: &["npm_"],
        rest: &[P::C(alnum, 36, 36)],
        word_start: true,
        end: End::NotWord,
        min_entropy: 2.0,
    },
    // jwt: \b(ey[a-zA-Z0-9]{17,}\.ey[a-zA-Z0-9\/\\_-]{17,}\.(?:[a-zA-Z0-9\/\\_-]{10,}={0,2})?), entropy 3
    // (an unsigned token's empty signature is allowed, a short one too)
    Matcher {
        id: "jwt",
        what: "JSON Web Token",
        prefixes: &["ey"],
        rest: &[
            P::C(alnum, 17, MANY),
            P::L(".ey"),
            P::C(jwt, 17, MANY),
            P::L("."),
            P::C(jwt, 0, MANY),
            P::C(equals, 0, 2),
        ],
        word_start: true,
        end: End::NotToken,
        min_entropy: 3.0,
    },
    // (detect-secrets azure_storage_key.py) AccountKey=[a-zA-Z0-9+/=]{88}
    Matcher {
        id: "azure-storage-account-key",
        what: "Azure storage account key",
        prefixes: &["AccountKey="],
        rest: &[P::C(b64, 88, 88)],
        word_start: false,
        end: End::Any,
        min_entropy: 4.0,
    },
];

/// Azurite's well-known development key (public by design).
const AZURITE_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

fn run(b: &[u8], i: usize, pieces: &[P]) -> Option<usize> {
    let Some((first, rest)) = pieces.split_first() else {
        return Some(i);
    };
    match *first {
        P::L(l) => {
            if b.get(i..)?.starts_with(l.as_bytes()) {
                run(b, i + l.len(), rest)
            } else {
                None
            }
        }
        P::C(class, min, max) => {
            let mut n = 0;
            while n < max && b.get(i + n).copied().is_some_and(class) {
                n += 1;
            }
            // Greedy, then give back one byte at a time.
            (min..=n).rev().find_map(|k| run(b, i + k, rest))
        }
    }
}

/// No pattern matches fewer bytes than this (an AWS access key id is 20).
pub const MIN_CREDENTIAL_LEN: usize = 20;

/// The prefixes by their first bytes: for each first byte, the (matcher, prefix) pairs whose
/// prefix starts with it; and a bit for each pair of bytes some prefix starts with (every
/// prefix is longer than two bytes). Letters like `s`, `g` and `n` start prefixes and most
/// words; the pairs `sk`, `gh` and `np` start few.
struct PrefixIndex {
    by_first: [Vec<(usize, usize)>; 256],
    pairs: Box<[u64; 1024]>,
}

impl PrefixIndex {
    fn pair(&self, a: u8, b: u8) -> bool {
        let bit = usize::from(a) << 8 | usize::from(b);
        self.pairs[bit / 64] & (1 << (bit % 64)) != 0
    }
}

fn prefix_index() -> &'static PrefixIndex {
    static INDEX: std::sync::OnceLock<PrefixIndex> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index = PrefixIndex {
            by_first: std::array::from_fn(|_| Vec::new()),
            pairs: Box::new([0; 1024]),
        };
        for (mi, m) in MATCHERS.iter().enumerate() {
            for (pi, p) in m.prefixes.iter().enumerate() {
                if let [a, b, ..] = *p.as_bytes() {
                    index.by_first[usize::from(a)].push((mi, pi));
                    let bit = usize::from(a) << 8 | usize::from(b);
                    index.pairs[bit / 64] |= 1 << (bit % 64);
                }
            }
        }
        index
    })
}

/// Every known credential in `text`, in order, without overlaps.
pub fn find_credentials(text: &str) -> Vec<Credential> {
    let b = text.as_bytes();
    let mut out = Found::default();
    if b.len() < MIN_CREDENTIAL_LEN {
        return Vec::new();
    }
    if let Some(c) = gcp_service_account(text) {
        out.push(c);
    }
    for c in private_keys(text).into_iter().chain(azure_ad_secrets(text)) {
        out.push(c);
    }
    // One pass over the bytes, trying only the prefixes that start with the byte at hand:
    // `match_indices` per prefix built a searcher per prefix per string (a quarter of a whole
    // lint's CPU time).
    let index = prefix_index();
    for (start, pair) in b.windows(2).enumerate() {
        if !index.pair(pair[0], pair[1]) {
            continue;
        }
        for &(mi, pi) in &index.by_first[usize::from(b[start])] {
            let m = &MATCHERS[mi];
            let prefix = m.prefixes[pi];
            if !b[start..].starts_with(prefix.as_bytes()) {
                continue;
            }
            {
                if m.word_start && start > 0 && word(b[start - 1]) {
                    continue;
                }
                let Some(end) = run(b, start + prefix.len(), m.rest) else {
                    continue;
                };
                let next = b.get(end).copied();
                let ok_end = match m.end {
                    End::Any => true,
                    End::NotWord => !next.is_some_and(word),
                    End::NotToken => !next.is_some_and(word_dash),
                };
                if !ok_end {
                    continue;
                }
                let secret = if m.id == "azure-storage-account-key" {
                    &text[start + prefix.len()..end]
                } else {
                    &text[start..end]
                };
                if entropy(secret) < m.min_entropy || allowlisted(m.id, secret) {
                    continue;
                }
                let range = if m.id == "azure-storage-account-key" {
                    start + prefix.len()..end
                } else {
                    start..end
                };
                out.push(Credential {
                    what: m.what,
                    id: m.id,
                    range,
                    encrypted: false,
                });
            }
        }
    }
    out.0.into_values().collect()
}

/// Credentials found so far, by start: disjoint, so whether a new one overlaps any of them is
/// one look at the last that starts before it ends (a scan of every one found was quadratic
/// in a string full of them).
#[derive(Default)]
struct Found(std::collections::BTreeMap<usize, Credential>);

impl Found {
    /// Keep `c` unless it overlaps one found before.
    fn push(&mut self, c: Credential) {
        let overlaps = self
            .0
            .range(..c.range.end)
            .next_back()
            .is_some_and(|(_, o)| o.range.end > c.range.start);
        if !overlaps && !c.range.is_empty() {
            self.0.insert(c.range.start, c);
        }
    }
}

fn allowlisted(id: &str, secret: &str) -> bool {
    match id {
        // gitleaks aws-access-token allowlist: .+EXAMPLE$ (AKIAIOSFODNN7EXAMPLE, AKIAI44QH8DHBEXAMPLE)
        "aws-access-token" => secret.ends_with("EXAMPLE"),
        "azure-storage-account-key" => secret == AZURITE_KEY,
        _ => false,
    }
}

/// gitleaks `private-key`: `(?i)-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----[\s\S-]{64,}?KEY(?: BLOCK)?-----`.
/// The body must also hold at least 64 base64 characters of entropy ≥ 4, so documentation
/// stubs (`-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----`) do not match.
fn private_keys(text: &str) -> Vec<Credential> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    // One searcher each for every string (`memmem::find` builds one per call, and this runs
    // for every string of every object and every text of the findings).
    static BEGIN: std::sync::OnceLock<memchr::memmem::Finder<'static>> = std::sync::OnceLock::new();
    static END: std::sync::OnceLock<memchr::memmem::Finder<'static>> = std::sync::OnceLock::new();
    let begin = BEGIN.get_or_init(|| memchr::memmem::Finder::new(b"-----BEGIN"));
    let end = END.get_or_init(|| memchr::memmem::Finder::new(b"-----END"));
    let find = |from: usize, needle: &[u8]| {
        let finder = if needle == b"-----BEGIN" { begin } else { end };
        bytes
            .get(from..)
            .and_then(|t| finder.find(t))
            .map(|p| from + p)
    };
    // The next `-----END` at or after a body's start, found once for every body it can close
    // (each `-----BEGIN` looked for its own, scanning the rest of the text every time).
    let mut next_end: Option<usize> = None;
    let mut from = 0;
    // memmem: `str::find` builds a two-way searcher per call, and this runs for every string.
    while let Some(start) = find(from, b"-----BEGIN") {
        from = start + 10;
        // The label is short: look for its closing dashes only that far.
        let limit = (start + 10 + MAX_PEM_LABEL + 5).min(text.len());
        let Some(close) = bytes[start + 10..limit]
            .windows(5)
            .position(|w| w == b"-----")
        else {
            continue;
        };
        let Some(label) = text.get(start + 10..start + 10 + close) else {
            continue;
        };
        if close > MAX_PEM_LABEL || !label.to_ascii_uppercase().contains("PRIVATE KEY") {
            continue;
        }
        let body_start = start + 10 + close + 5;
        let end_at = match next_end {
            Some(e) if e >= body_start => e,
            _ => match find(body_start, b"-----END") {
                Some(e) => {
                    next_end = Some(e);
                    e
                }
                // No `-----END` after this one: none after any later one either.
                None => break,
            },
        };
        // A body holds no other key's header: the next `-----BEGIN` before the footer starts
        // the key that footer closes (so bodies never overlap and the scan stays linear).
        if find(body_start, b"-----BEGIN").is_some_and(|b| b < end_at) {
            continue;
        }
        let end_rel = end_at - body_start;
        let Some(body) = text.get(body_start..end_at) else {
            continue;
        };
        let footer = &text[end_at..];
        let footer_len = footer
            .get(8..)
            .and_then(|f| f.find("-----"))
            .map_or(footer.len(), |p| p + 13);
        let b64: String = body
            .replace("\\n", "\n")
            .lines()
            .filter(|l| !l.contains(':'))
            .flat_map(|l| {
                l.chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '+' || *c == '/')
            })
            .collect();
        if b64.len() < 64 || entropy(&b64) < 4.0 {
            continue;
        }
        let encrypted =
            label.to_ascii_uppercase().contains("ENCRYPTED") || body.contains("ENCRYPTED");
        let end = (body_start + end_rel + footer_len).min(text.len());
        out.push(Credential {
            what: "private key",
            id: "private-key",
            range: start..end,
            encrypted,
        });
        from = end;
    }
    out
}

/// The longest label between `-----BEGIN` and its closing dashes (`[ A-Z0-9_-]{0,100}` and
/// ` PRIVATE KEY BLOCK`).
const MAX_PEM_LABEL: usize = 100 + " PRIVATE KEY BLOCK".len();

/// gitleaks `azure-ad-client-secret`:
/// `(?:^|[\\'"\x60\s>=:(,)])([a-zA-Z0-9_~.]{3}\dQ~[a-zA-Z0-9_~.-]{31,34})(?:$|[\\'"\x60\s<),])`, entropy 3.
fn azure_ad_secrets(text: &str) -> Vec<Credential> {
    let b = text.as_bytes();
    let head = |c: u8| alnum(c) || matches!(c, b'_' | b'~' | b'.');
    let tail = |c: u8| head(c) || c == b'-';
    let before_ok = |c: u8| {
        matches!(
            c,
            b'\\' | b'\'' | b'"' | b'`' | b'>' | b'=' | b':' | b'(' | b',' | b')'
        ) || c.is_ascii_whitespace()
    };
    let after_ok = |c: u8| {
        matches!(c, b'\\' | b'\'' | b'"' | b'`' | b'<' | b')' | b',') || c.is_ascii_whitespace()
    };
    let mut out = Vec::new();
    // Each `Q~` (memchr: `match_indices` builds a searcher per string, for every string).
    for q in memchr::memchr_iter(b'~', b).filter(|&i| i > 0 && b[i - 1] == b'Q') {
        let q = q - 1;
        if q < 4 {
            continue;
        }
        let start = q - 4;
        if !b[start..start + 3].iter().all(|&c| head(c)) || !b[q - 1].is_ascii_digit() {
            continue;
        }
        if start > 0 && !before_ok(b[start - 1]) {
            continue;
        }
        let mut n = 0;
        while q + 2 + n < b.len() && n < 34 && tail(b[q + 2 + n]) {
            n += 1;
        }
        let end = q + 2 + n;
        if n < 31 || b.get(end).is_some_and(|&c| !after_ok(c)) {
            continue;
        }
        if entropy(&text[start..end]) >= 3.0 {
            out.push(Credential {
                what: "Azure AD client secret",
                id: "azure-ad-client-secret",
                range: start..end,
                encrypted: false,
            });
        }
    }
    out
}

/// A GCP service-account key file: JSON with `"type": "service_account"`, a `private_key`
/// holding a PEM key and a `client_email` under `.iam.gserviceaccount.com`. A bare
/// `"type": "service_account"` (or a workload identity federation config) does not match.
fn gcp_service_account(text: &str) -> Option<Credential> {
    let trimmed = text.trim_start();
    if !trimmed.starts_with('{') || !text.contains("service_account") {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let ok = v.get("type")?.as_str()? == "service_account"
        && v.get("private_key")?.as_str()?.contains("PRIVATE KEY")
        && v.get("client_email")?
            .as_str()?
            .ends_with(".iam.gserviceaccount.com");
    ok.then(|| Credential {
        what: "GCP service account key",
        id: "gcp-service-account",
        range: (text.len() - trimmed.len())..text.trim_end().len(),
        encrypted: false,
    })
}

/// What kind of text is searched for assignments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// A file's text (YAML, configuration, comments): `password: hunter2` assigns.
    Config,
    /// A sentence of kubeward's (a message quoting labels, a suppression reason): a colon
    /// followed by a blank is punctuation (`secrets: list and watch …`), so only `key=value`,
    /// `key:value` and `"key": "value"` assign.
    Prose,
}

/// Where `text` shows a credential in a form known whatever its context (a comment, a key, a
/// message quoting a label, a line of a file that does not parse): the known formats above,
/// passwords in URLs, and the literal values of secret-like keys (`password: …`, `token=…`).
/// Byte ranges, sorted by start; they may overlap. Without `formats`, only the passwords in
/// URLs and the assignments: for a text whose known formats are looked for otherwise.
pub fn credential_spans(text: &str, form: Form, formats: bool) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = if formats {
        find_credentials(text)
            .into_iter()
            .map(|c| c.range)
            .collect()
    } else {
        Vec::new()
    };
    let before = out.len();
    assigned_values_into(text, form, &mut out);
    if before > 0 && out.len() > before {
        out.sort_by_key(|r| (r.start, r.end));
    }
    out
}

/// The password of the URL whose scheme ends at `colon` (`postgres://app:pw@db/app`), as
/// `embedded::url_passwords` finds them.
fn url_password_at(text: &str, colon: usize) -> Option<Range<usize>> {
    let auth_start = colon + 3;
    let rest = text.get(auth_start..)?;
    let auth_len = rest
        .find(|c: char| {
            c == '/' || c == '?' || c == '#' || c.is_whitespace() || "\"'`<>".contains(c)
        })
        .unwrap_or(rest.len());
    let auth = &rest[..auth_len];
    let at = auth.rfind('@')?;
    let colon = auth[..at].find(':')?;
    let password = &auth[colon + 1..at];
    if password.is_empty() || super::secret::is_placeholder(password) {
        return None;
    }
    Some(auth_start + colon + 1..auth_start + at)
}

/// Characters of a key in `key: value` or `key=value` (`spring.datasource.password`).
fn key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// What ends an unquoted value.
fn value_end(b: u8) -> bool {
    b.is_ascii_whitespace()
        || matches!(
            b,
            b',' | b';' | b')' | b']' | b'}' | b'`' | b'"' | b'\'' | b'<' | b'>' | b'&' | b'\\'
        )
}

/// The literal values given to secret-like keys anywhere in `text` into `out`: `password:
/// hunter2`, `"apiKey": "k-9"`, `token=abc` (also inside a sentence, as a message quoting
/// labels writes them, and with JSON-escaped quotes, as in a `last-applied-configuration`),
/// and the passwords of URLs. Placeholders, references and YAML structure (`{`, `[`, `|`, `>`,
/// `&`, `*`, `!`) are not values. One pass: each `:` or `=` looks back over its key and ahead
/// over its value (or the URL it starts).
fn assigned_values_into(text: &str, form: Form, out: &mut Vec<Range<usize>>) {
    let b = text.as_bytes();
    let mut after = 0;
    for sep in memchr::memchr2_iter(b':', b'=', b) {
        if sep < after {
            continue;
        }
        let next = b.get(sep + 1).copied();
        // A URL's scheme: its password, if it has one.
        if b[sep] == b':' && next == Some(b'/') && b.get(sep + 2) == Some(&b'/') {
            if let Some(r) = url_password_at(text, sep) {
                after = r.end;
                out.push(r);
            }
            continue;
        }
        // `==`, `:=`, `=>`: not an assignment of a literal.
        if matches!(next, Some(b'=' | b'>' | b'/')) {
            continue;
        }
        let quoted_key = sep > 0 && matches!(b[sep - 1], b'"' | b'\'');
        // In a sentence, `word: ` is punctuation.
        if form == Form::Prose
            && b[sep] == b':'
            && !quoted_key
            && next.is_some_and(|c| c.is_ascii_whitespace())
        {
            continue;
        }
        // The key, maybe quoted (`"password":`, `\"password\":`).
        let mut key_end = sep;
        if quoted_key {
            key_end -= 1;
            if key_end > 0 && b[key_end - 1] == b'\\' {
                key_end -= 1;
            }
        }
        let mut key_start = key_end;
        while key_start > 0 && key_byte(b[key_start - 1]) && key_end - key_start < 256 {
            key_start -= 1;
        }
        if key_start == key_end || !super::secret::is_secret_name(&text[key_start..key_end]) {
            continue;
        }
        // The value, maybe quoted.
        let mut v = sep + 1;
        while v < b.len() && matches!(b[v], b' ' | b'\t') {
            v += 1;
        }
        // In a sentence, a quoted name before `: ` assigns only a quoted value
        // (`"token": "t"`): `policy "no-secrets": variable x …` is punctuation.
        if form == Form::Prose
            && quoted_key
            && next.is_some_and(|c| c.is_ascii_whitespace())
            && !matches!(b.get(v), Some(b'"' | b'\'' | b'\\'))
        {
            continue;
        }
        // YAML structure, not a literal: its keys are looked at in turn.
        if matches!(
            b.get(v),
            Some(b'{' | b'[' | b'|' | b'>' | b'&' | b'*' | b'!')
        ) {
            continue;
        }
        let quote: &[u8] = match b.get(v..) {
            Some([b'\\', b'"', ..]) => b"\\\"",
            Some([b'"', ..]) => b"\"",
            Some([b'\'', ..]) => b"'",
            _ => b"",
        };
        let (start, end) = if quote.is_empty() {
            let mut e = v;
            while e < b.len() && !value_end(b[e]) {
                e += 1;
            }
            (v, e)
        } else {
            let start = v + quote.len();
            // The closing quote on the same line.
            let line_end = memchr::memchr(b'\n', &b[start..]).map_or(b.len(), |p| start + p);
            match memchr::memmem::find(&b[start..line_end], quote) {
                Some(p) => (start, start + p),
                // Unterminated: the rest of the line is inside it.
                None => {
                    after = line_end;
                    continue;
                }
            }
        };
        // Every byte is looked at once: separators inside this value are not keys.
        after = end;
        let Some(value) = text.get(start..end) else {
            continue;
        };
        if value.is_empty()
            || value.starts_with("ENC(")
            || value.starts_with("ENC[")
            || super::secret::is_placeholder(value)
        {
            continue;
        }
        out.push(start..end);
    }
}

#[cfg(test)]
mod tests {
    use super::find_credentials;

    #[test]
    fn every_prefix_is_in_the_pair_index() {
        // The scan skips positions whose first two bytes start no prefix.
        let index = super::prefix_index();
        for m in super::MATCHERS {
            for p in m.prefixes {
                let b = p.as_bytes();
                assert!(b.len() >= 2 && index.pair(b[0], b[1]), "{}: {p}", m.id);
            }
        }
        assert!(!index.pair(b's', b'e') && !index.pair(b'g', b'a'));
    }

    fn ids(text: &str) -> Vec<(&'static str, String)> {
        find_credentials(text)
            .into_iter()
            .map(|c| (c.id, text[c.range].to_owned()))
            .collect()
    }

    // Fakes built at run time, so this file holds no credential-shaped literal.
    fn fake(prefix: &str, body: &str) -> String {
        format!("{prefix}{body}")
    }

    #[test]
    fn aws() {
        let key = fake("AKIA", "Z3MQB7HX2KL4PW6R");
        assert_eq!(
            ids(&format!("id={key};")),
            vec![("aws-access-token", key.clone())]
        );
        assert_eq!(ids(&format!("x{key}")), vec![]);
        assert_eq!(ids("AKIAIOSFODNN7EXAMPLE"), vec![]);
        assert_eq!(ids("AKIAAAAAAAAAAAAAAAAA"), vec![]);
        assert_eq!(ids(&fake("ASIA", "Z3MQB7HX2KL4PW6")), vec![]);
    }

    #[test]
    fn tokens() {
        let gh = fake("ghp_", "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7C");
        assert_eq!(
            ids(&format!("token: {gh}")),
            vec![("github-pat", gh.clone())]
        );
        let gl = fake("glpat-", "Xy9_zK2mQ7vB4nL8pR3t");
        assert_eq!(ids(&gl), vec![("gitlab-pat", gl.clone())]);
        let slack = fake(
            "xoxb-",
            "1234567890123-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        );
        assert_eq!(ids(&slack), vec![("slack-bot-token", slack.clone())]);
        let user = fake(
            "xoxp-",
            "1234567890-1234567890-1234567890-abcdef1234567890abcdef1234567890",
        );
        assert_eq!(ids(&user).len(), 1);
        let hook = fake(
            "https://hooks.slack.com/services/",
            "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX1234567890ab",
        );
        assert_eq!(ids(&hook).len(), 1);
        let gcp = fake("AIza", "SyB3x9Kq2mVt7nLp4wRz8cYd1fHj6gUe0oA");
        assert_eq!(
            ids(&format!("\"{gcp}\"")),
            vec![("gcp-api-key", gcp.clone())]
        );
        let stripe = fake("sk_live_", "4eC39HqLyjWDarjtT1zdp7dc");
        assert_eq!(ids(&stripe), vec![("stripe-access-token", stripe.clone())]);
        assert_eq!(ids(&fake("sk_test_", "4eC39HqLyjWDarjtT1zdp7dc")), vec![]);
        let ad = fake("abc8Q~", "Zk3mQ7vB4nL8pR3tXy9zK2mQ7vB4nL8pR");
        assert_eq!(ids(&format!("secret={ad}")).len(), 1);
    }

    #[test]
    fn azure_storage() {
        let key: String = "Kq2mVt7nLp4wRz8cYd1fHj6gUe0oAB3x9".repeat(3)[..86].to_owned() + "==";
        let conn = format!(
            "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={key};EndpointSuffix=core.windows.net"
        );
        assert_eq!(ids(&conn), vec![("azure-storage-account-key", key)]);
        let azurite = format!("AccountKey={}", super::AZURITE_KEY);
        assert_eq!(ids(&azurite), vec![]);
    }

    #[test]
    fn pem() {
        let body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\nMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n";
        let key = format!("-----BEGIN PRIVATE KEY-----\n{body}-----END PRIVATE KEY-----");
        let found = find_credentials(&format!("x\n{key}\n"));
        assert_eq!(found.len(), 1);
        assert!(!found[0].encrypted);
        let enc = format!(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\n{body}-----END ENCRYPTED PRIVATE KEY-----"
        );
        assert!(find_credentials(&enc)[0].encrypted);
        assert_eq!(
            ids("-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----"),
            vec![]
        );
        assert_eq!(
            ids(&format!(
                "-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----"
            )),
            vec![]
        );
        assert_eq!(
            ids(&format!(
                "-----BEGIN PUBLIC KEY-----\n{body}-----END PUBLIC KEY-----"
            )),
            vec![]
        );
        // Escaped newlines, as in JSON.
        let escaped = key.replace('\n', "\\n");
        assert_eq!(find_credentials(&escaped).len(), 1);
    }

    #[test]
    fn gcp_service_account_json() {
        let body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu";
        let json = format!(
            "{{\"type\": \"service_account\", \"project_id\": \"p\", \"private_key\": \"-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----\\n\", \"client_email\": \"sa@p.iam.gserviceaccount.com\"}}"
        );
        assert_eq!(
            find_credentials(&json)
                .iter()
                .map(|c| c.id)
                .collect::<Vec<_>>(),
            ["gcp-service-account"]
        );
        assert_eq!(
            ids("{\"type\": \"external_account\", \"audience\": \"x\"}"),
            vec![]
        );
        assert_eq!(ids("{\"type\": \"service_account\"}"), vec![]);
    }

    #[test]
    fn jwt() {
        let jwt = [
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
            ".eyJzdWIiOiJrdWJld2FyZC10ZXN0In0",
            ".c2lnbmF0dXJlLW9mLXRoZS10b2tlbg",
        ]
        .concat();
        assert_eq!(ids(&format!("session: {jwt}")), vec![("jwt", jwt.clone())]);
        // Unsigned: the header and payload are the token.
        let unsigned = jwt[..jwt.rfind('.').unwrap() + 1].to_owned();
        assert_eq!(ids(&unsigned), vec![("jwt", unsigned.clone())]);
        // Inside a word, or too short, it is not one.
        assert_eq!(ids(&format!("x{jwt}")), vec![]);
        assert_eq!(ids("eyJhbGciOi.eyJzdWIi.abc"), vec![]);
        assert_eq!(ids("key: eyes.eyebrows.monkey"), vec![]);
    }

    #[test]
    fn overlapping_matches_keep_the_first_found() {
        // An Azure AD secret found before the prefix scan hides a token inside it.
        let found = super::Found::default();
        let mut found = found;
        let c = |start, end| super::Credential {
            what: "x",
            id: "x",
            range: start..end,
            encrypted: false,
        };
        found.push(c(10, 20));
        found.push(c(0, 11));
        found.push(c(19, 30));
        found.push(c(20, 30));
        found.push(c(0, 10));
        found.push(c(12, 14));
        let kept: Vec<_> = found.0.values().map(|c| c.range.clone()).collect();
        assert_eq!(kept, vec![0..10, 10..20, 20..30]);
    }

    #[test]
    fn private_keys_stay_linear_on_unclosed_and_nested_headers() {
        let body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\nMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n";
        // Headers before the key that closes: only the last one opens it.
        let key = format!(
            "{}-----BEGIN PRIVATE KEY-----\n{body}-----END PRIVATE KEY-----",
            "-----BEGIN PRIVATE KEY-----\n".repeat(3)
        );
        let found = find_credentials(&key);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].range.start, 3 * 28);
        // Headers that nothing closes, and labels too long to be one: none.
        assert_eq!(
            ids(&"-----BEGIN PRIVATE KEY-----\nabc\n".repeat(1000)),
            vec![]
        );
        assert_eq!(ids(&format!("-----BEGIN{}-----", "A".repeat(5000))), vec![]);
    }

    #[test]
    fn assigned_values_in_files_and_in_sentences() {
        use super::{Form, credential_spans};
        let got = |text: &str, form| -> Vec<String> {
            credential_spans(text, form, false)
                .into_iter()
                .map(|r| text[r].to_owned())
                .collect()
        };
        let config = concat!(
            "password: hunter2-real\n",
            "  \"apiKey\": \"k-9\",\n",
            "{\\\"token\\\":\\\"t-json\\\"}\n",
            "# DB_PASSWORD=pw-comment soon\n",
            "env: {password: pw-flow, user: x}\n",
            "password: ${PW}\n",
            "token: {{ .Values.t }}\n",
            "secretName: tls-cert\n",
            "password: |\n",
            "password: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\n",
            "automountServiceAccountToken: false\n",
            "url: https://user:pass@host/x\n",
        );
        assert_eq!(
            got(config, Form::Config),
            ["hunter2-real", "k-9", "t-json", "pw-comment", "pw-flow"]
        );
        let prose = "Deployment \"web\" (pod labels app=web, password=hunter2-real) allows get on secrets: list and watch; password:pw-tight; \"token\": \"t-quoted\"; admission policy \"no-secrets\": variable x failed";
        assert_eq!(
            got(prose, Form::Prose),
            ["hunter2-real", "pw-tight", "t-quoted"]
        );
        // The same sentence read as a file: `secrets: list` would assign.
        assert!(got(prose, Form::Config).contains(&"list".to_owned()));
    }

    #[test]
    fn separators_inside_a_value_are_not_keys() {
        use super::{Form, credential_spans};
        // Every `=` after the first is inside the first value: one value, looked at once.
        let text = "password=".repeat(20_000);
        assert_eq!(
            credential_spans(&text, Form::Config, false),
            vec![9..text.len()]
        );
        // Unterminated quotes: the rest of the line is inside.
        let text = format!("password=\"{}", "token=".repeat(20_000));
        assert_eq!(credential_spans(&text, Form::Config, false).len(), 0);
    }

    #[test]
    fn credential_spans_join_every_known_form() {
        let gh = fake("ghp_", "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7C");
        let text = format!("# {gh}\ndsn: postgres://app:pg-pw@db/app\npassword: pw-1\n");
        let spans: Vec<&str> = super::credential_spans(&text, super::Form::Config, true)
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(spans, [gh.as_str(), "pg-pw", "pw-1"]);
    }

    #[test]
    fn never_panics_on_random_input() {
        let pieces = [
            "AKIA",
            "ghp_",
            "xoxb-",
            "xoxp-",
            "-----BEGIN",
            " PRIVATE KEY-----",
            "-----END",
            "Q~",
            "AccountKey=",
            "AIza",
            "sk_live_",
            "://",
            "@",
            ":",
            "=",
            "'",
            "\"",
            "\n",
            " ",
            "password",
            "é",
            "日本",
            "A",
            "z",
            "7",
            "-",
            "_",
            "{",
            "service_account",
            "\\n",
            "hooks.slack.com/services/",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..4000 {
            let mut s = String::new();
            for _ in 0..(seed % 24) {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                s.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            for c in find_credentials(&s) {
                assert!(s.get(c.range.clone()).is_some(), "{s:?}");
            }
            for r in crate::model::embedded::url_passwords(&s)
                .into_iter()
                .chain(crate::model::embedded::sql_passwords(&s))
            {
                assert!(s.get(r).is_some(), "{s:?}");
            }
            for a in crate::model::embedded::secret_assignments(&s) {
                assert!(s.get(a.value).is_some(), "{s:?}");
            }
            for form in [super::Form::Config, super::Form::Prose] {
                for r in super::credential_spans(&s, form, true) {
                    assert!(s.get(r).is_some(), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        for s in [
            "",
            "-----BEGIN",
            "-----BEGIN PRIVATE KEY-----",
            "Q~",
            "1Q~",
            "xoxb-",
            "AKIA",
            "é-----BEGIN éPRIVATE KEY-----é",
            "{",
            "AccountKey=",
        ] {
            let _ = find_credentials(s);
        }
    }
}
