//! JSON text for the SARIF results: strings escaped exactly as serde_json does, and integers.
//!
//! JSON text for the SARIF results, which are written directly (`sarif::write_result`): strings
//! escaped exactly as serde_json escapes them, and integers. Strings that need no escape (nearly
//! all of them) are copied at once; serde_json looks up every byte of every string in a table,
//! which was 8 % of the instructions of a small run.

/// `v` in decimal (`fmt` machinery was a percent of a small run).
pub(crate) fn write_u64(out: &mut Vec<u8>, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    loop {
        at -= 1;
        // The remainder is below ten.
        buf[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[at..]);
}

/// `s` as a JSON string, escaped as serde_json escapes it (`\"`, `\\`, the short escapes of
/// control characters, `\u00xx` for the others). Control characters are rare: one pass that
/// vectorizes tells whether there are any; without them, memchr finds the quotes and
/// backslashes.
pub(crate) fn escape_into(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    out.reserve(b.len() + 2);
    out.push(b'"');
    let controls = has_control(b);
    // Bytes from `start` on are not written yet.
    let mut start = 0;
    let mut escape_at = |out: &mut Vec<u8>, at: usize| {
        out.extend_from_slice(&b[start..at]);
        out.extend_from_slice(escape(b[at]).bytes(&mut [0; 6]));
        start = at + 1;
    };
    if controls {
        for (at, &c) in b.iter().enumerate() {
            if c < 0x20 || c == b'"' || c == b'\\' {
                escape_at(out, at);
            }
        }
    } else {
        for at in memchr::memchr2_iter(b'"', b'\\', b) {
            escape_at(out, at);
        }
    }
    out.extend_from_slice(&b[start..]);
    out.push(b'"');
}

/// Whether `b` holds a byte below 0x20 (a loop without early exit, which the compiler
/// vectorizes).
fn has_control(b: &[u8]) -> bool {
    b.iter().fold(false, |any, &c| any | (c < 0x20))
}

/// How a byte that needs it is escaped.
enum Escape {
    Short(u8),
    Unicode(u8),
}

impl Escape {
    fn bytes(self, buf: &mut [u8; 6]) -> &[u8] {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        match self {
            Escape::Short(c) => {
                buf[0] = b'\\';
                buf[1] = c;
                &buf[..2]
            }
            Escape::Unicode(b) => {
                *buf = [
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(b >> 4)],
                    HEX[usize::from(b & 15)],
                ];
                &buf[..]
            }
        }
    }
}

/// The escape of `"`, `\\` or a control character.
fn escape(b: u8) -> Escape {
    match b {
        0x08 => Escape::Short(b'b'),
        0x0c => Escape::Short(b'f'),
        b'\n' => Escape::Short(b'n'),
        b'\r' => Escape::Short(b'r'),
        b'\t' => Escape::Short(b't'),
        0..0x20 => Escape::Unicode(b),
        _ => Escape::Short(b),
    }
}

#[cfg(test)]
mod tests {
    use super::{escape_into, write_u64};

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let every_byte: String = (0u8..0x80).map(char::from).collect();
        for text in [
            "plain",
            "quote \" and \\ and \u{1}\t\n",
            "ünïcode ✓ \u{7f}",
            "",
            "container \"web\" runs as root; in eight-byte words: \"\"\"\"\"\"\"\"\\",
            &every_byte,
        ] {
            let mut out = Vec::new();
            escape_into(&mut out, text);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(text).unwrap()
            );
        }
    }

    #[test]
    fn integers_are_written_in_decimal() {
        for v in [0, 7, 10, 99, 1234567890, u64::MAX] {
            let mut out = Vec::new();
            write_u64(&mut out, v);
            assert_eq!(String::from_utf8(out).unwrap(), v.to_string());
        }
    }

    #[test]
    fn control_characters_are_found_at_every_position() {
        for len in 0..20 {
            assert!(!super::has_control(&vec![b'a'; len]));
            for at in 0..len {
                for c in [0u8, 0x1f] {
                    let mut v = vec![0xc3; len];
                    v[at] = c;
                    assert!(super::has_control(&v), "{len} {at} {c}");
                }
            }
        }
        assert!(!super::has_control(b" ~\x7f\xff\x80 !\"#0123456789"));
    }
}
