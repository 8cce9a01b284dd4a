//! A serde serializer for the SARIF results: serde_json's pretty layout (two spaces per level),
//! starting at a given depth so a result printed alone comes out exactly as it would inside the
//! whole log. Strings that need no escape (nearly all of them) are copied at once; serde_json
//! looks up every byte of every string in a table, which was 8 % of the instructions of a small
//! run.
//! Only what the result structs use is supported: structs, sequences, tuples (arrays), options,
//! strings, integers, booleans and unit variants.

use std::fmt::Display;

use serde::ser::{self, Impossible, Serialize};

/// Writes one value, pretty-printed, into `out`.
pub struct Pretty<'w> {
    out: &'w mut Vec<u8>,
    depth: usize,
}

impl<'w> Pretty<'w> {
    /// A serializer whose value starts `depth` levels in.
    pub fn new(out: &'w mut Vec<u8>, depth: usize) -> Self {
        Pretty { out, depth }
    }

    /// A line break and the indentation of the current depth: one copy from a line of spaces.
    fn newline(&mut self) {
        const LINE: &[u8; 65] =
            b"\n                                                                ";
        match LINE.get(..1 + 2 * self.depth) {
            Some(s) => self.out.extend_from_slice(s),
            None => {
                self.out.push(b'\n');
                self.out.extend(std::iter::repeat_n(b' ', 2 * self.depth));
            }
        }
    }

    fn open(&mut self, c: u8) {
        self.depth += 1;
        self.out.push(c);
    }

    fn close(&mut self, c: u8, had_values: bool) {
        self.depth -= 1;
        if had_values {
            self.newline();
        }
        self.out.push(c);
    }

    fn item(&mut self, first: bool) {
        if !first {
            self.out.push(b',');
        }
        self.newline();
    }

    fn string(&mut self, s: &str) -> Result<(), Error> {
        escape_into(self.out, s);
        Ok(())
    }

    /// An integer, in decimal (`fmt` machinery was a percent of a small run).
    fn number(&mut self, negative: bool, mut v: u64) {
        if negative {
            self.out.push(b'-');
        }
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
        self.out.extend_from_slice(&buf[at..]);
    }
}

/// `s` as a JSON string, escaped as serde_json escapes it (`\"`, `\\`, the short escapes of
/// control characters, `\u00xx` for the others). Control characters are rare: one pass that
/// vectorizes tells whether there are any; without them, memchr finds the quotes and
/// backslashes.
fn escape_into(out: &mut Vec<u8>, s: &str) {
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

/// What cannot be serialized here.
#[derive(Debug)]
pub struct Error(String);

impl Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

fn unsupported<T>(what: &str) -> Result<T, Error> {
    Err(Error(format!("internal error: {what} in a SARIF result")))
}

/// An open array or object.
pub struct Compound<'a, 'w> {
    ser: &'a mut Pretty<'w>,
    first: bool,
}

impl<'a, 'w> ser::Serializer for &'a mut Pretty<'w> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a, 'w>;
    type SerializeTuple = Compound<'a, 'w>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Compound<'a, 'w>;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.number(v < 0, u64::from(v.unsigned_abs()));
        Ok(())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.number(v < 0, u64::from(v.unsigned_abs()));
        Ok(())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.number(v < 0, u64::from(v.unsigned_abs()));
        Ok(())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.number(v < 0, v.unsigned_abs());
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.number(false, u64::from(v));
        Ok(())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.number(false, u64::from(v));
        Ok(())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.number(false, u64::from(v));
        Ok(())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.number(false, v);
        Ok(())
    }
    fn serialize_f32(self, _: f32) -> Result<(), Error> {
        unsupported("a float")
    }
    fn serialize_f64(self, _: f64) -> Result<(), Error> {
        unsupported("a float")
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.string(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.string(v)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Error> {
        unsupported("bytes")
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.string(variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        unsupported("a newtype variant")
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'a, 'w>, Error> {
        self.open(b'[');
        Ok(Compound {
            ser: self,
            first: true,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a, 'w>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        unsupported("a tuple struct")
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        unsupported("a tuple variant")
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        unsupported("a map")
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound<'a, 'w>, Error> {
        self.open(b'{');
        Ok(Compound {
            ser: self,
            first: true,
        })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        unsupported("a struct variant")
    }
}

impl Compound<'_, '_> {
    fn element<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), Error> {
        self.ser.item(self.first);
        self.first = false;
        v.serialize(&mut *self.ser)
    }
}

/// Sequences and tuples (arrays) are written alike.
macro_rules! array_like {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Compound<'_, '_> {
            type Ok = ();
            type Error = Error;
            fn serialize_element<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), Error> {
                self.element(v)
            }
            fn end(self) -> Result<(), Error> {
                self.ser.close(b']', !self.first);
                Ok(())
            }
        }
    )*};
}

array_like!(SerializeSeq, SerializeTuple);

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        self.ser.item(self.first);
        self.first = false;
        // Field names are identifiers or renames like `kubeward/v1`: nothing to escape.
        debug_assert!(!key.bytes().any(|c| c < 0x20 || c == b'"' || c == b'\\'));
        let out = &mut *self.ser.out;
        out.push(b'"');
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(b"\": ");
        v.serialize(&mut *self.ser)
    }
    fn end(self) -> Result<(), Error> {
        self.ser.close(b'}', !self.first);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Pretty;
    use serde::Serialize;

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Sample<'a> {
        text: &'a str,
        empty: Vec<u32>,
        list: [Option<&'a str>; 2],
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u32>,
        nested_value: Inner,
        unit: (),
        flag: bool,
    }

    #[derive(Serialize)]
    struct Inner {
        n: i64,
        big: u64,
        small: i64,
        none: Option<u8>,
    }

    /// What serde_json's pretty printer writes for `v`, every line but the first indented by
    /// `depth` levels.
    fn reference<T: Serialize>(v: &T, depth: usize) -> String {
        let pad = " ".repeat(2 * depth);
        serde_json::to_string_pretty(v)
            .unwrap()
            .lines()
            .enumerate()
            .map(|(i, l)| {
                if i == 0 {
                    l.to_owned()
                } else {
                    format!("{pad}{l}")
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn writes_what_serde_json_writes_at_any_depth() {
        let every_byte: String = (0u8..0x80).map(char::from).collect();
        for text in [
            "plain",
            "quote \" and \\ and \u{1}\t\n",
            "ünïcode ✓ \u{7f}",
            "",
            "container \"web\" runs as root; in eight-byte words: \"\"\"\"\"\"\"\"\\",
            &every_byte,
        ] {
            let v = Sample {
                text,
                empty: Vec::new(),
                list: [Some(text), None],
                skipped: None,
                nested_value: Inner {
                    n: -42,
                    big: u64::MAX,
                    small: i64::MIN,
                    none: None,
                },
                unit: (),
                flag: true,
            };
            for depth in [0, 4] {
                let mut out = Vec::new();
                v.serialize(&mut Pretty::new(&mut out, depth)).unwrap();
                assert_eq!(String::from_utf8(out).unwrap(), reference(&v, depth));
            }
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

    #[test]
    fn refuses_what_results_never_hold() {
        let mut out = Vec::new();
        assert!(1.5f64.serialize(&mut Pretty::new(&mut out, 0)).is_err());
        let map: std::collections::BTreeMap<u8, u8> = [(1, 2)].into();
        assert!(map.serialize(&mut Pretty::new(&mut out, 0)).is_err());
    }
}
