//! YAML 1.1 scalar resolution, as Kubernetes decodes manifests (sigs.k8s.io/yaml on go-yaml v2).
//!
//! None of the Rust YAML parsers apply YAML 1.1 rules, so resolution works here on the raw
//! scalar text and its style (SEMANTICS.md §7).

/// How a scalar was written in the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Unquoted.
    Plain,
    /// `'single'` or `"double"` quoted.
    Quoted,
    /// `|` literal or `>` folded block.
    Block,
}

/// An explicit core-schema tag on a scalar (`!!str`, `!!int`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagHint {
    /// No tag, or a tag outside the core schema.
    None,
    /// `!!str`
    Str,
    /// `!!bool`
    Bool,
    /// `!!int`
    Int,
    /// `!!float`
    Float,
    /// `!!null`
    Null,
    /// Any other tag (`!!binary`, `!local`, a verbatim tag): go-yaml may decode the text
    /// (`!!binary` is base64), so the text is not what a Go program reads.
    Other,
}

/// The value a scalar decodes to, as the cluster sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'n> {
    /// `~`, `null`, empty.
    Null,
    /// YAML 1.1 booleans, including `yes`/`no`/`on`/`off`/`y`/`n`.
    Bool(bool),
    /// Integers after Go's base-0 parse (`0x10`, `0o17`, `017`, `1_000`).
    Int(i64),
    /// Floats (`1.5`, `1e3`, `.inf`).
    Float(f64),
    /// Everything else.
    Str(&'n str),
}

impl Value<'_> {
    /// The integer this value stands for, if it is integral (`0.0` and `1e3` are integers on the wire).
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Int(i) => Some(i),
            #[allow(clippy::cast_possible_truncation, clippy::float_cmp)]
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e18 => Some(f as i64),
            _ => None,
        }
    }

    /// JSON spelling of the value, used for mapping keys (YAMLToJSON stringifies non-string keys).
    pub fn key_string(&self) -> Option<String> {
        match *self {
            Value::Null => Some("null".to_owned()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Str(_) => None,
        }
    }
}

/// Resolve a scalar the YAML 1.1 way.
pub fn resolve<'n>(text: &'n str, style: Style, tag: TagHint) -> Value<'n> {
    match tag {
        TagHint::Str => return Value::Str(text),
        TagHint::Null => return Value::Null,
        TagHint::Bool => return bool_of(text).map_or(Value::Str(text), Value::Bool),
        TagHint::Int | TagHint::Float => return number_of(text).unwrap_or(Value::Str(text)),
        TagHint::None | TagHint::Other => {}
    }
    if style != Style::Plain {
        return Value::Str(text);
    }
    // Numbers (and infinity and NaN) start with a digit, a sign or a dot; the null and boolean
    // spellings are at most six bytes long and start with one of these letters or `~` (or are
    // empty). Most plain scalars (`name`, `image`, `web-frontend`) are neither.
    let first = text.as_bytes().first().copied().unwrap_or(0);
    let numeric = first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.');
    let null_or_bool_start = matches!(
        first,
        0 | b'~' | b'n' | b'N' | b'y' | b'Y' | b'o' | b'O' | b't' | b'T' | b'f' | b'F'
    );
    if !numeric && (text.len() > 6 || !null_or_bool_start) {
        return Value::Str(text);
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    if let Some(b) = bool_of(text) {
        return Value::Bool(b);
    }
    if numeric && let Some(v) = number_of(text) {
        return v;
    }
    Value::Str(text)
}

fn bool_of(text: &str) -> Option<bool> {
    match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            Some(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            Some(false)
        }
        _ => None,
    }
}

/// go-yaml v2 `resolve`: `strconv.ParseInt(plain, 0, 64)` with `_` removed, then the YAML float
/// pattern, then the `0b` binary forms.
fn number_of(text: &str) -> Option<Value<'static>> {
    let plain: std::borrow::Cow<'_, str> = if text.contains('_') {
        text.chars()
            .filter(|&c| c != '_')
            .collect::<String>()
            .into()
    } else {
        text.into()
    };
    if let Some(i) = go_parse_int(&plain) {
        return Some(Value::Int(i));
    }
    if is_yaml_float(&plain)
        && let Ok(f) = plain.parse::<f64>()
    {
        return Some(Value::Float(f));
    }
    None
}

/// Go's `strconv.ParseInt(s, 0, 64)`: optional sign, then `0x`/`0o`/`0b` prefixes or a leading
/// `0` for octal.
fn go_parse_int(s: &str) -> Option<i64> {
    let (neg, rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = if let Some(d) = rest.strip_prefix("0x").or(rest.strip_prefix("0X")) {
        (16, d)
    } else if let Some(d) = rest.strip_prefix("0o").or(rest.strip_prefix("0O")) {
        (8, d)
    } else if let Some(d) = rest.strip_prefix("0b").or(rest.strip_prefix("0B")) {
        (2, d)
    } else if rest.len() > 1 && rest.starts_with('0') {
        (8, &rest[1..])
    } else {
        (10, rest)
    };
    if digits.is_empty() || !digits.bytes().all(|b| (b as char).is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if neg {
        if magnitude <= i64::MAX as u64 + 1 {
            #[allow(clippy::cast_possible_wrap)]
            return Some((magnitude as i64).wrapping_neg());
        }
        return None;
    }
    i64::try_from(magnitude).ok()
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(s: &str) -> Value<'_> {
        resolve(s, Style::Plain, TagHint::None)
    }

    #[test]
    fn yaml11_booleans() {
        for t in [
            "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE",
        ] {
            assert_eq!(plain(t), Value::Bool(true), "{t}");
        }
        for f in [
            "n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE",
        ] {
            assert_eq!(plain(f), Value::Bool(false), "{f}");
        }
        assert_eq!(plain("yEs"), Value::Str("yEs"));
        assert_eq!(
            resolve("yes", Style::Quoted, TagHint::None),
            Value::Str("yes")
        );
        assert_eq!(
            resolve("yes", Style::Quoted, TagHint::Bool),
            Value::Bool(true)
        );
    }

    #[test]
    fn yaml11_integers() {
        for z in ["0", "0x0", "0o0", "00", "0_0", "0b0", "-0", "+0"] {
            assert_eq!(plain(z).as_i64(), Some(0), "{z}");
        }
        for z in ["0.0", "0e0"] {
            assert_eq!(plain(z).as_i64(), Some(0), "{z}");
        }
        assert_eq!(plain("0644"), Value::Int(420));
        assert_eq!(plain("017"), Value::Int(15));
        assert_eq!(plain("0o17"), Value::Int(15));
        assert_eq!(plain("0x1F"), Value::Int(31));
        assert_eq!(plain("1_000"), Value::Int(1000));
        assert_eq!(plain("1e3").as_i64(), Some(1000));
        assert_eq!(plain("1.5").as_i64(), None);
        assert_eq!(plain("09"), Value::Float(9.0));
        assert_eq!(plain("2001-01-01"), Value::Str("2001-01-01"));
        assert_eq!(resolve("0", Style::Quoted, TagHint::None), Value::Str("0"));
        assert_eq!(plain("-9223372036854775808"), Value::Int(i64::MIN));
        assert_eq!(plain("1.2.3"), Value::Str("1.2.3"));
    }

    #[test]
    fn nulls() {
        for n in ["", "~", "null", "Null", "NULL"] {
            assert_eq!(plain(n), Value::Null);
        }
        assert_eq!(plain("nULL"), Value::Str("nULL"));
    }
}
