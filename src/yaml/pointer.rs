//! Routes to YAML nodes. Rules name nodes by route; only `yaml::resolve` turns routes into bytes.

use std::borrow::Cow;
use std::fmt;

/// One step of a route.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Seg {
    /// A mapping key.
    Key(Cow<'static, str>),
    /// A sequence index.
    Index(u32),
}

impl From<&'static str> for Seg {
    fn from(k: &'static str) -> Self {
        Seg::Key(Cow::Borrowed(k))
    }
}

impl From<String> for Seg {
    fn from(k: String) -> Self {
        Seg::Key(Cow::Owned(k))
    }
}

impl From<usize> for Seg {
    fn from(i: usize) -> Self {
        Seg::Index(u32::try_from(i).unwrap_or(u32::MAX))
    }
}

/// A route from a document's root to a node, e.g. `spec.template.spec.containers[0]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pointer(pub(crate) Vec<Seg>);

impl Pointer {
    /// The document root.
    pub fn root() -> Self {
        Pointer(Vec::new())
    }

    /// This route extended by more steps.
    #[must_use]
    pub fn join<I, S>(&self, segs: I) -> Pointer
    where
        I: IntoIterator<Item = S>,
        S: Into<Seg>,
    {
        let mut v = self.0.clone();
        v.extend(segs.into_iter().map(Into::into));
        Pointer(v)
    }

    /// This route extended by one key.
    #[must_use]
    pub fn key(&self, k: impl Into<Seg>) -> Pointer {
        self.join([k])
    }

    /// The steps.
    pub fn segs(&self) -> &[Seg] {
        &self.0
    }

    /// Whether `self` starts with `prefix`.
    pub fn starts_with(&self, prefix: &Pointer) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// Build from raw steps.
    pub fn from_segs(segs: &[Seg]) -> Pointer {
        Pointer(segs.to_vec())
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Seg::Key(k)
                    if !k.is_empty()
                        && k.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') =>
                {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Seg::Key(k) => write!(f, "[{k:?}]")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// What part of the node to underline (yamlpath's query_pretty / query_exact / query_key_only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Focus {
    /// `key: value` for scalars, the key alone for collections (keeps regions tight).
    Entry,
    /// The value only.
    Value,
    /// The key only.
    Key,
    /// A byte range inside a scalar's decoded text, e.g. the `:latest` of an image.
    Sub(u32, u32),
    /// The node's whole extent, every line of it (for scopes, not for underlining).
    Whole,
    /// The earlier occurrence of a duplicate key (index into the document's duplicates).
    Shadowed(u32),
    /// The value of the earlier occurrence of a duplicate key (to mask it).
    ShadowedValue(u32),
}

/// A node to point at, what to underline, and what to say there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// The node.
    pub pointer: Pointer,
    /// What to underline.
    pub focus: Focus,
    /// The label text shown under the underline.
    pub text: Option<Cow<'static, str>>,
    /// The node does not exist: anchor at its deepest existing ancestor.
    pub missing: bool,
}

impl Label {
    /// A label on an existing node.
    pub fn at(pointer: Pointer) -> Self {
        Label {
            pointer,
            focus: Focus::Entry,
            text: None,
            missing: false,
        }
    }

    /// A label for a setting that is absent; resolves to the deepest existing ancestor.
    pub fn missing(pointer: Pointer) -> Self {
        Label {
            pointer,
            focus: Focus::Key,
            text: None,
            missing: true,
        }
    }

    /// Underline the value.
    #[must_use]
    pub fn value(mut self) -> Self {
        self.focus = Focus::Value;
        self
    }

    /// Underline the key.
    #[must_use]
    pub fn key(mut self) -> Self {
        self.focus = Focus::Key;
        self
    }

    /// Underline part of a scalar's text.
    #[must_use]
    pub fn sub(mut self, range: std::ops::Range<usize>) -> Self {
        self.focus = Focus::Sub(
            u32::try_from(range.start).unwrap_or(0),
            u32::try_from(range.end).unwrap_or(0),
        );
        self
    }

    /// Set the text shown under the underline.
    #[must_use]
    pub fn label(mut self, text: impl Into<Cow<'static, str>>) -> Self {
        self.text = Some(text.into());
        self
    }
}
