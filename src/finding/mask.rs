//! What no output may show: flagged secret values wherever they recur, and known credentials.
//!
//! What no output may show: the values a run's secret checks flagged, wherever they recur
//! (an object, container or variable named with a token, labels quoted in another finding's
//! message, routes), and credentials in a known form wherever they are written (comments,
//! keys, suppression reasons, files that do not parse).
//!
//! One mechanism for every output: the run masks its findings' texts once, when they are
//! complete ([`Secrets::mask`]), and snippets mask the regions of a file the checks marked and
//! [`Secrets::regions`] finds, with [`mask_range`]. A mask keeps the text's length and line
//! structure: every character becomes `*` (as many as its UTF-8 bytes), but for the first two
//! of a value long enough that most of it stays hidden ([`visible_prefix`]).

use std::ops::Range;

use super::Text;
use crate::model::credentials::{Form, credential_spans, find_credentials};
use crate::model::secret::base64_decode;

/// Flagged values shorter than this (in characters) are masked only where they are flagged.
pub const MIN_FLAGGED: usize = 8;

/// A lower-case flagged value this long (in characters), letters and digits only, is a token
/// (hex, base32) rather than a name.
const MIN_TOKEN: usize = 16;

/// Whether a flagged value is masked wherever it recurs, rather than only where it is flagged:
/// eight characters or more that are not a name. A name is what Kubernetes objects, containers
/// and images are called: lower-case letters, digits, `-`, `.` and `_` (`postgres`,
/// `inventory-73`, `catalog-db-42867`); a value with a capital letter and a digit or a
/// lower-case letter, with any other character (`+`, `/`, `=`, `@`, `:`, a blank), or of
/// sixteen lower-case letters and digits and nothing else, is not one. Tokens, keys and
/// generated passwords are masked wherever they recur. A name is masked where it is flagged
/// only: example manifests set passwords to the service's name, and masking `mysql` in every
/// container, Pod and image of that name would garble the output and hide nothing, since the
/// context tells the word.
fn looks_random(v: &str) -> bool {
    let b = v.as_bytes();
    if v.chars().nth(MIN_FLAGGED - 1).is_none() {
        return false;
    }
    let has = |f: fn(&u8) -> bool| b.iter().any(f);
    if has(|c| !c.is_ascii_alphanumeric() && !matches!(c, b'-' | b'.' | b'_')) {
        return true;
    }
    if has(u8::is_ascii_uppercase) {
        return has(u8::is_ascii_lowercase) || has(u8::is_ascii_digit);
    }
    b.len() >= MIN_TOKEN
        && b.iter().all(u8::is_ascii_alphanumeric)
        && has(u8::is_ascii_digit)
        && has(u8::is_ascii_lowercase)
}

/// Whether a flagged value is masked wherever it recurs: it looks random, or it is a credential
/// of a known form (a Slack token is lower case, letters, digits and dashes, as names are).
fn recurs_masked(v: &str) -> bool {
    looks_random(v) || (v.len() >= MIN_FLAGGED && !find_credentials(v).is_empty())
}

/// The secrets of a run: the values its secret checks flagged (those of [`recurs_masked`]), found
/// wherever they recur (ASCII case-insensitively, in one pass over a text whatever their
/// number), and the credentials of known forms.
///
/// Almost no text holds a flagged value, and a matcher of thousands of long values is slow to
/// build and to run (a tenth of a large run's time): a text is searched with it only when one
/// of its eight-byte windows is the start of a value ([`Heads`]), and the matcher is built the
/// first time that happens.
#[derive(Default)]
pub struct Secrets {
    /// The values, sorted, without repeats.
    values: Vec<Box<str>>,
    /// The eight-byte windows that start a value's occurrence.
    heads: Option<Heads>,
    /// Every value, ASCII case-insensitive, leftmost-longest (one pass, matches that do not
    /// overlap: linear in the text whatever the values); built when first needed.
    matcher: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the values themselves.
        write!(f, "Secrets({} values)", self.values.len())
    }
}

/// Eight bytes as a number, ASCII letters folded to one case: every byte gets the bit that
/// tells lower case from upper case (one operation; other bytes may then meet, which only makes
/// a text searched that holds no value, never the other way round).
fn fold8(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[..8]);
    u64::from_le_bytes(w) | 0x2020_2020_2020_2020
}

/// Which eight-byte windows of the values to look for, looked up at every `step`-th byte of a
/// text: each value gives `step` windows in a row, so every occurrence holds one at a position
/// the scan looks at (the shortest value has `step + 7` bytes). The windows are taken where the
/// value is least like a name (most capitals, digits and signs: `cal:8080` of
/// `audit-alpha.svc.cluster.local:8080`), so texts that name things rarely hold one. A bit per
/// hash rules out almost every position at once; a hit names the values the window is part of
/// (with its offset in each), and each is compared in place up to its first difference. When
/// comparing would cost more than a look at the whole text (many values that share windows and
/// almost match), the text goes to the matcher of every value instead.
struct Heads {
    step: usize,
    /// How far a hash is shifted down to its bit (the bits grow with the windows).
    shift: u32,
    bits: Box<[u64]>,
    /// (window, value, offset of the window in the value), sorted by window.
    at: Box<[(u64, u32, u32)]>,
}

/// Windows shared by this many values are taken only when a value has no other.
const CROWDED: usize = 8;

/// Where `v`'s `step` windows are taken: as unlike a name as can be (most capitals, digits and
/// signs), among the places whose windows few other values use already (`used`): the values
/// `http://web.svc:8080` and `http://api.svc:8080` share their most unusual windows, but not
/// those that hold `web` or `api`.
fn windows_of(
    v: &[u8],
    step: usize,
    used: &std::collections::HashMap<u64, usize, std::hash::BuildHasherDefault<super::WordHasher>>,
) -> usize {
    let unusual = |b: &u8| !(b.is_ascii_lowercase() || matches!(b, b'-' | b'.'));
    let span = 8 + step - 1;
    // The score of every place, by a sliding count over its span.
    let mut scores = Vec::with_capacity(v.len() - span + 1);
    let mut count = v[..span].iter().filter(|b| unusual(b)).count();
    scores.push((count, 0));
    for o in 1..=v.len() - span {
        count = count + usize::from(unusual(&v[o + span - 1])) - usize::from(unusual(&v[o - 1]));
        scores.push((count, o));
    }
    // Best first, the earliest of equals first.
    scores.sort_by_key(|&(c, o)| (std::cmp::Reverse(c), o));
    let crowded = |at: usize| {
        (at..at + step).any(|o| used.get(&fold8(&v[o..])).is_some_and(|&n| n >= CROWDED))
    };
    scores
        .iter()
        .map(|&(_, o)| o)
        .find(|&o| !crowded(o))
        .unwrap_or(scores[0].1)
}

/// Bits of the first look-up (their base-2 logarithm): 32 per window (a thirtieth of the
/// positions a text is looked at is then looked up further), between 2^16 and 2^26.
fn head_bits(windows: usize) -> u32 {
    (windows
        .saturating_mul(32)
        .max(1)
        .next_power_of_two()
        .trailing_zeros())
    .clamp(16, 26)
}

impl Heads {
    fn new(values: &[Box<str>]) -> Option<Heads> {
        let shortest = values.iter().map(|v| v.len()).min()?;
        // Looked up every `step` bytes: cheaper scans for longer values, but a window per
        // offset each (a value has at least `step` of them).
        let step = (shortest - 7).clamp(1, 16);
        let mut at = Vec::with_capacity(values.len() * step);
        let mut used = std::collections::HashMap::default();
        for (i, v) in values.iter().enumerate() {
            let first = windows_of(v.as_bytes(), step, &used);
            let index = u32::try_from(i).unwrap_or(u32::MAX);
            let mut mine: Vec<u64> = Vec::with_capacity(step);
            for o in first..first + step {
                let x = fold8(&v.as_bytes()[o..]);
                at.push((x, index, u32::try_from(o).unwrap_or(u32::MAX)));
                // A value's windows that repeat count once.
                if !mine.contains(&x) {
                    mine.push(x);
                    *used.entry(x).or_insert(0) += 1;
                }
            }
        }
        at.sort_unstable();
        let bits = head_bits(at.len());
        let mut heads = Heads {
            step,
            shift: 64 - bits,
            bits: vec![0; 1 << (bits - 6)].into_boxed_slice(),
            at: at.into_boxed_slice(),
        };
        for i in 0..heads.at.len() {
            let h = heads.bit(heads.at[i].0);
            heads.bits[h >> 6] |= 1 << (h & 63);
        }
        Some(heads)
    }

    fn bit(&self, x: u64) -> usize {
        (x.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize
    }

    /// The occurrences of `values` in `text` into `out`; `false` when the text must go to the
    /// matcher instead (what was put into `out` stays: it is found all the same).
    fn find(&self, text: &[u8], values: &[Box<str>], out: &mut Vec<Range<usize>>) -> bool {
        // What comparing in place may cost before the matcher is cheaper.
        let mut budget = 4 * text.len() + 1024;
        let mut i = 0;
        while i + 8 <= text.len() {
            let x = fold8(&text[i..]);
            let h = self.bit(x);
            if self.bits[h >> 6] & (1 << (h & 63)) != 0 {
                let first = self.at.partition_point(|e| e.0 < x);
                for &(_, v, o) in self.at[first..].iter().take_while(|e| e.0 == x) {
                    let v = values[v as usize].as_bytes();
                    let Some(start) = i.checked_sub(o as usize) else {
                        continue;
                    };
                    let Some(seen) = text.get(start..start + v.len()) else {
                        continue;
                    };
                    // Compared up to the first difference; what that costs is counted.
                    let same = seen
                        .iter()
                        .zip(v)
                        .take_while(|(a, b)| a.eq_ignore_ascii_case(b))
                        .count();
                    let Some(left) = budget.checked_sub(same + 1) else {
                        return false;
                    };
                    budget = left;
                    if same == v.len() {
                        out.push(start..start + v.len());
                    }
                }
            }
            i += self.step;
        }
        true
    }
}

impl Secrets {
    /// The secrets of a run whose checks flagged `values` (repeats and values that read like
    /// words are left out).
    pub fn new<S: AsRef<str>>(values: impl IntoIterator<Item = S>) -> Secrets {
        let mut set: Vec<Box<str>> = values
            .into_iter()
            .filter(|v| recurs_masked(v.as_ref()))
            .map(|v| v.as_ref().into())
            .collect();
        set.sort_unstable();
        set.dedup();
        Secrets {
            heads: Heads::new(&set),
            values: set,
            matcher: std::sync::OnceLock::new(),
        }
    }

    /// Where flagged values recur in `text`, into `out`.
    fn recur(&self, text: &str, out: &mut Vec<Range<usize>>) {
        let Some(heads) = &self.heads else {
            return;
        };
        if heads.find(text.as_bytes(), &self.values, out) {
            return;
        }
        let matcher = self.matcher.get_or_init(|| {
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                .build(self.values.iter().map(|v| v.as_bytes()))
                .ok()
        });
        if let Some(ac) = matcher {
            out.extend(ac.find_iter(text).map(|m| m.range()));
        }
    }

    /// Where flagged values recur in `text`.
    #[cfg(test)]
    fn recurrences(&self, text: &str) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        self.recur(text, &mut out);
        out
    }

    /// Where the text of a file shows a secret: the flagged values and the credentials of known
    /// forms. Byte ranges, sorted, disjoint (overlapping ones are joined).
    pub fn regions(&self, text: &str) -> Vec<Range<usize>> {
        self.found(text, Form::Config)
    }

    fn found(&self, text: &str, form: Form) -> Vec<Range<usize>> {
        self.found_in(text, form, true)
    }

    /// With `formats`, the known credential formats too (else URLs and assignments only).
    fn found_in(&self, text: &str, form: Form, formats: bool) -> Vec<Range<usize>> {
        let mut found = credential_spans(text, form, formats);
        let before = found.len();
        self.recur(text, &mut found);
        if found.len() > before {
            found.sort_by_key(|r| (r.start, r.end));
        }
        join(found)
    }

    /// A text of kubeward's (a message, a label, a suppression reason) with its secrets masked;
    /// `None` when it shows none.
    pub fn mask(&self, text: &str) -> Option<String> {
        let regions = self.found(text, Form::Prose);
        (!regions.is_empty()).then(|| masked(text, regions))
    }

    /// A text of a finding with its secrets masked; `None` when it shows none. A
    /// [covered](Text::is_covered) text is not searched for the known formats again.
    pub fn mask_text(&self, t: &Text) -> Option<Text> {
        // Most texts of a run are covered and hold neither a flagged value's start nor an
        // assignment: two quick looks say so.
        let regions = self.found_in(t, Form::Prose, !t.is_covered());
        (!regions.is_empty()).then(|| Text::from(masked(t, regions)))
    }

    /// How many distinct values are masked wherever they recur.
    #[cfg(test)]
    fn values(&self) -> usize {
        self.values.len()
    }
}

/// The values of a flagged node worth looking for elsewhere (see [`recurs_masked`]): the text as
/// written and, when it is base64 of text (a Secret's `data`), the decoded text too; base64 is
/// judged by what it decodes to (the base64 of `admin` looks random, but tells `admin`).
pub fn flagged_forms(value: &str, out: &mut Vec<Box<str>>) {
    let trimmed = value.trim();
    if trimmed.len() < MIN_FLAGGED {
        return;
    }
    if let Some(decoded) = base64_decode(trimmed)
        && let Ok(decoded) = String::from_utf8(decoded)
        && !decoded
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        let d = decoded.trim();
        if recurs_masked(d) {
            out.push(trimmed.into());
            out.push(d.into());
        }
        return;
    }
    if recurs_masked(trimmed) {
        out.push(trimmed.into());
    }
}

/// `text` with `regions` (sorted, disjoint) masked.
fn masked(text: &str, regions: Vec<Range<usize>>) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for r in regions {
        let keep = text.get(r.clone()).map_or(0, visible_prefix);
        mask_range(&mut bytes, text, r, keep);
    }
    // Whole characters are masked byte for byte: the text stays UTF-8.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Sorted ranges, overlapping ones joined (touching ones stay apart: each keeps its own hint).
fn join(sorted: Vec<Range<usize>>) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::with_capacity(sorted.len());
    for r in sorted {
        if r.is_empty() {
            continue;
        }
        match out.last_mut() {
            Some(last) if r.start < last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// How many characters of a secret may show: two when it has eight or more that are not
/// blanks (so most of it stays hidden), else none. Counts no further than it needs.
pub fn visible_prefix(secret: &str) -> usize {
    if secret
        .chars()
        .filter(|c| !c.is_whitespace())
        .nth(7)
        .is_some()
    {
        2
    } else {
        0
    }
}

/// Mask `range` of `bytes` (a copy of `text`, possibly masked already elsewhere) in place:
/// every character becomes one `*` per byte, but line breaks, the indentation after them and
/// the first `keep` characters. The range is moved out to character boundaries.
pub fn mask_range(bytes: &mut [u8], text: &str, range: Range<usize>, keep: usize) {
    let mut start = range.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = range.end.min(text.len()).max(start);
    while !text.is_char_boundary(end) {
        end += 1;
    }
    let mut line_start = false;
    for (n, (i, c)) in text[start..end].char_indices().enumerate() {
        if c == '\n' || c == '\r' {
            line_start = true;
            continue;
        }
        if line_start && (c == ' ' || c == '\t') {
            continue;
        }
        line_start = false;
        if n < keep {
            continue;
        }
        for b in &mut bytes[start + i..start + i + c.len_utf8()] {
            *b = b'*';
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Built at run time, so the source holds no credential-shaped literal.
    fn gh() -> String {
        ["ghp_", "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7C"].concat()
    }

    #[test]
    fn flagged_values_are_masked_wherever_they_recur_in_any_case() {
        let s = Secrets::new(["Hunter2-real-secret", "abc", "Hunter2-real-secret"]);
        assert_eq!(s.values(), 1, "short values and repeats are left out");
        assert_eq!(
            s.mask("container \"hunter2-real-secret\" and HUNTER2-REAL-SECRET-x")
                .as_deref(),
            Some("container \"hu*****************\" and HU*****************-x")
        );
        // Nothing to mask: nothing allocated.
        assert_eq!(s.mask("container \"web\" uses abc"), None);
        assert_eq!(Secrets::new(Vec::<String>::new()).values(), 0);
    }

    #[test]
    fn credentials_of_known_forms_recur_masked_whatever_they_look_like() {
        let slack = [
            "xoxb-",
            "1234567890123-1234567890123-abcdefghijklmnopqrstuvwx",
        ]
        .concat();
        assert!(!looks_random(&slack));
        let mut out = Vec::new();
        flagged_forms(&slack, &mut out);
        assert_eq!(out.len(), 1);
        let s = Secrets::new(out);
        assert_eq!(s.values(), 1);
        let masked = Text::with_mark(&format!("container \"{slack}\""), true);
        assert!(!s.mask_text(&masked).expect("masked").contains(&slack));
    }

    #[test]
    fn values_that_read_like_words_are_masked_only_where_they_are_flagged() {
        let s = Secrets::new(["postgres", "cache-1", "minio", "changeme", "storageos"]);
        assert_eq!(s.values(), 0);
        assert_eq!(
            s.mask("container \"postgres\" uses image `postgres:15`"),
            None
        );
        for random in [
            "Hunter2-real-secret",
            "P@ssw0rd",
            "Tr0ub4dor",
            "pw: abc1",
            "AKIAQ7RZ2MX4VB6NT3WK",
            "3f9a8b7c6d5e4f3a2b1c",
            "Changeme",
            "http://web.svc:8080",
        ] {
            assert!(looks_random(random), "{random}");
        }
        for word in [
            "changeme",
            "storageos",
            "Xk29!a",
            "cache-10",
            "admin123",
            "inventory-73",
            "catalog-db-42867",
            "hunter2-real-secret",
            "supersecretvalue",
            "POSTGRES",
        ] {
            assert!(!looks_random(word), "{word}");
        }
    }

    #[test]
    fn known_forms_are_masked_without_any_flagged_value() {
        let s = Secrets::default();
        let token = gh();
        let masked = s
            .mask(&format!("ignored: approved with {token} token"))
            .expect("masked");
        assert!(
            !masked.contains(&token) && masked.contains("gh**"),
            "{masked}"
        );
        assert_eq!(
            s.mask("pod labels app=web, password=hunter2-real-secret)")
                .as_deref(),
            Some("pod labels app=web, password=hu*****************)")
        );
        assert_eq!(
            s.mask("dsn postgres://app:pg-pw-Xk29@db/app").as_deref(),
            Some("dsn postgres://app:pg********@db/app")
        );
        for harmless in [
            "container \"web\" runs in privileged mode",
            "Set `automountServiceAccountToken: false` in the pod spec.",
            "`valueFrom: {secretKeyRef: {name: <secret>, key: <key>}}`",
            "postgres://app@db/app and https://host/path?x=y",
            "password=${PASSWORD} token=<token>",
            "ClusterRole \"reader\" allows get, list, watch on secrets: list and watch return",
        ] {
            assert_eq!(s.mask(harmless), None, "{harmless}");
        }
    }

    #[test]
    fn masks_keep_length_lines_and_multibyte_text_valid() {
        let s = Secrets::new(["pässwörd-geheim"]);
        assert_eq!(s.values(), 1);
        let text = "a pässwörd-geheim b";
        let masked = s.mask(text).expect("masked");
        assert_eq!(masked.len(), text.len());
        assert!(
            masked.starts_with("a pä*") && masked.ends_with("* b"),
            "{masked}"
        );
        let mut bytes = b"k: |\n  line-one\n  line-two\n".to_vec();
        let text = "k: |\n  line-one\n  line-two\n";
        mask_range(&mut bytes, text, 7..26, 0);
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "k: |\n  ********\n  ********\n"
        );
    }

    #[test]
    fn base64_values_are_looked_for_decoded_too() {
        let mut out = Vec::new();
        // "data-canary-Xy7plaintext"
        flagged_forms("ZGF0YS1jYW5hcnktWHk3cGxhaW50ZXh0", &mut out);
        assert_eq!(
            out.iter().map(AsRef::as_ref).collect::<Vec<&str>>(),
            [
                "ZGF0YS1jYW5hcnktWHk3cGxhaW50ZXh0",
                "data-canary-Xy7plaintext"
            ]
        );
        out.clear();
        flagged_forms("abc", &mut out);
        // The base64 of a word tells the word: neither is looked for.
        flagged_forms("YWRtaW4xMjM0", &mut out); // admin1234
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn windows_fold_as_ascii_lowercase_does_and_more() {
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..10_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let b = seed.to_le_bytes();
            let lower: Vec<u8> = b.iter().map(u8::to_ascii_lowercase).collect();
            // Whatever lower case makes equal, the fold does too.
            assert_eq!(fold8(&b), fold8(&lower), "{b:?}");
        }
        assert_eq!(fold8(b"AZaz09-."), fold8(b"azAZ09-."));
    }

    #[test]
    fn the_first_look_finds_every_occurrence_at_any_offset_and_case() {
        let values = [
            "Zr8kQ2mW5nX7",
            "Hunter2-real-secret",
            "P@ssw0rd",
            "Tr0ub4dor-env-canary-9",
        ];
        let s = Secrets::new(values);
        for v in values {
            for pad in 0..20 {
                for text in [
                    format!("{}{v}{}", "x".repeat(pad), "y".repeat(pad % 3)),
                    format!("{}{}", "é".repeat(pad), v.to_ascii_uppercase()),
                ] {
                    assert_eq!(s.recurrences(&text).len(), 1, "{text}");
                }
            }
        }
        // The windows are where the value is least like a name, and not used by many others.
        let none = std::collections::HashMap::default();
        assert_eq!(
            windows_of(b"audit-alpha.svc.cluster.local:8080", 1, &none),
            26
        );
        assert_eq!(windows_of(b"abcdefgh", 1, &none), 0);
        let urls: Vec<String> = (0..20)
            .map(|i| {
                format!(
                    "http://{}.svc.cluster.local:8080",
                    "abcdefghijklmnopqrst".get(i..i + 5).unwrap_or("zzzzz")
                )
            })
            .collect();
        let spread = Secrets::new(urls.iter().map(String::as_str));
        for u in &urls {
            assert_eq!(spread.recurrences(&format!("x {u} y")).len(), 1);
        }
        assert!(spread.matcher.get().is_none());
        // The step follows the shortest value: 8 bytes look at every byte, 16 at every ninth.
        assert_eq!(s.heads.as_ref().unwrap().step, 1);
        let long = Secrets::new(["Hunter2-real-secret", "Zr8kQ2mW5nX7pL3v"]);
        assert_eq!(long.heads.as_ref().unwrap().step, 9);
        assert!(
            long.recurrences("container \"web\" runs as root")
                .is_empty()
        );
        // Found in place: the matcher of every value is not built.
        assert_eq!(long.recurrences("a Hunter2-real-secret b").len(), 1);
        assert!(long.matcher.get().is_none());
        // Values that share their windows are each compared, to their first difference.
        let crowd: Vec<String> = (0..20).map(|i| format!("Zr8kQ2mW5nX7pL3v{i:02}")).collect();
        let crowded = Secrets::new(crowd.iter().map(String::as_str));
        assert_eq!(crowded.recurrences(&format!("x {} y", crowd[7])).len(), 1);
        assert!(crowded.matcher.get().is_none());
        // Long values that almost match everywhere: compared in place only as long as that
        // costs less than the matcher's look at the text.
        let value = format!("Q9{}Z", "x".repeat(2000));
        let near = Secrets::new([value.as_str()]);
        let text = format!("Q9{}Y ", "x".repeat(2000)).repeat(50);
        assert!(near.recurrences(&text).is_empty());
        assert!(near.matcher.get().is_none());
        // Many values that almost match everywhere: the text goes to the matcher.
        let many: Vec<String> = (0..100)
            .map(|i| format!("P7{}{i:03}", "y".repeat(300)))
            .collect();
        let near = Secrets::new(many.iter().map(String::as_str));
        let text = format!("P7{}! ", "y".repeat(300)).repeat(50);
        assert!(near.recurrences(&text).is_empty());
        assert!(near.matcher.get().is_some());
        assert_eq!(near.recurrences(&format!("{text}{}", many[42])).len(), 1);
    }

    #[test]
    fn regions_are_sorted_and_disjoint() {
        let token = gh();
        let s = Secrets::new([token.as_str(), &token[4..20]]);
        let text = format!("x {token} y {}", &token[4..20]);
        let r = s.regions(&text);
        assert_eq!(r, vec![2..2 + token.len(), text.len() - 16..text.len()]);
    }
}
