//! A finding, resolved to concrete locations.

use std::borrow::Cow;
use std::sync::Arc;

use serde::Serialize;

use crate::model::ObjectIdent;
use crate::rule::{Meta, Severity};
use crate::yaml::Region;

/// A place in a file of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// File id (index into the run's file table).
    pub file: u32,
    /// Where in the file.
    pub region: Region,
}

/// A secondary location with its explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    /// Where.
    pub at: Location,
    /// Why it matters.
    pub text: String,
}

/// Why a finding is not reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// `inSource` (comment or annotation) or `external` (baseline).
    pub kind: &'static str,
    /// The reason given.
    pub justification: String,
}

/// How a finding in rendered output was traced back to what wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    /// `helm` or `kustomize`.
    pub via: &'static str,
    /// The Helm template named by the document's `# Source:` comment, as written.
    pub template: Option<String>,
    /// Where the finding sits in the rendered stream.
    pub rendered: Location,
    /// Whether the rendered stream is one of the user's inputs (a rendered file, standard
    /// input) rather than a render kubeward ran in memory.
    pub rendered_is_input: bool,
    /// The Kustomize overlays (their kustomization files) the object is rendered in.
    pub overlays: Vec<Location>,
}

/// One problem found.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The rule.
    pub meta: &'static Meta,
    /// Severity (the rule's, or lower).
    pub severity: Severity,
    /// What was found (shared with equal messages of the same file).
    pub message: Arc<str>,
    /// The short label under the underline.
    pub label: Option<Cow<'static, str>>,
    /// How to fix it.
    pub help: Option<Cow<'static, str>>,
    /// The offending node.
    pub primary: Location,
    /// Other places that explain it.
    pub related: Vec<Related>,
    /// The object it belongs to (none for file-level findings).
    pub object: Option<Arc<ObjectIdent>>,
    /// Stable route inside the object (shared with equal routes of the same file).
    pub route: Arc<str>,
    /// Stable identity for baselines and SARIF.
    pub fingerprint: Fingerprint,
    /// Regions whose text must never be printed.
    pub sensitive: Vec<Location>,
    /// Set when suppressed (boxed: most findings are not, and a finding's size is multiplied by
    /// hundreds of thousands on large inputs).
    pub suppressed: Option<Box<Suppression>>,
    /// Set when the finding was found in rendered output.
    pub trace: Option<Box<Trace>>,
}

impl Finding {
    /// Sort key: file, position, rule, message.
    pub fn sort_key(&self) -> (u32, u32, u32, &'static str, &str) {
        (
            self.primary.file,
            self.primary.region.line,
            self.primary.region.col,
            self.meta.id,
            &self.message,
        )
    }
}

/// One copy of each distinct string: the findings of a file repeat the same routes and
/// messages for object after object (a 100 MB stream holds millions of findings).
#[derive(Debug, Default)]
pub struct Interner(std::collections::HashSet<Arc<str>>);

impl Interner {
    /// The shared copy of `s`.
    pub fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.0.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.0.insert(a.clone());
        a
    }
}

/// A finding's stable identity (`kubeward/v1`): shown as 16 lowercase hex digits, whose order
/// is the numeric order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Fingerprint(pub u64);

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// FNV-1a 64: stable across platforms and releases, unlike `DefaultHasher`.
pub fn stable_hash(parts: &[&str]) -> Fingerprint {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    Fingerprint(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_print_as_sixteen_hex_digits_in_numeric_order() {
        assert_eq!(Fingerprint(0xab).to_string(), "00000000000000ab");
        assert_eq!(stable_hash(&["a", "b"]).to_string().len(), 16);
        let (a, b) = (Fingerprint(0x0f), Fingerprint(0xf0));
        assert_eq!(a.cmp(&b), a.to_string().cmp(&b.to_string()));
    }

    #[test]
    fn interned_strings_are_shared() {
        let mut i = Interner::default();
        let a = i.get("spec.containers[name=web]");
        let b = i.get(&String::from("spec.containers[name=web]"));
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &i.get("spec")));
    }

    #[test]
    fn findings_stay_compact() {
        // Large inputs hold hundreds of thousands of findings until they are sorted: every
        // byte here is multiplied by that (see the Performance section of the README).
        assert!(
            std::mem::size_of::<Finding>() <= 200,
            "Finding grew to {} bytes",
            std::mem::size_of::<Finding>()
        );
    }
}
