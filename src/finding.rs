//! A finding, resolved to concrete locations.

use std::sync::Arc;

use serde::Serialize;

use crate::model::ObjectIdent;
use crate::rule::{Meta, Severity};
use crate::yaml::Region;

mod intern;
mod mask;
mod text;
pub use intern::{Interner, WordHasher};
pub use mask::{MIN_FLAGGED, Secrets, flagged_forms, mask_range, visible_prefix};
pub use text::Text;

/// A place in a file of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// File id (index into the run's file table).
    pub file: u32,
    /// Where in the file.
    pub region: Region,
}

/// A secondary location with its explanation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Related {
    /// Where.
    pub at: Location,
    /// Why it matters (shared with equal texts of the run).
    pub text: Text,
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
    /// The finding's fingerprint as baselines of format version 1 hold it (for rendered output
    /// the parts differ from the finding's own: see `baseline::legacy_fingerprint`).
    pub legacy: Fingerprint,
}

/// One problem found.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The rule.
    pub meta: &'static Meta,
    /// Severity (the rule's, or lower).
    pub severity: Severity,
    /// What was found. This and the other texts are shared with equal texts of the run.
    pub message: Text,
    /// How to fix it.
    pub help: Option<Text>,
    /// The offending node.
    pub primary: Location,
    /// The object it belongs to (none for file-level findings).
    pub object: Option<Arc<ObjectIdent>>,
    /// Stable route inside the object.
    pub route: Text,
    /// Stable identity for baselines and SARIF.
    pub fingerprint: Fingerprint,
    /// What only some findings have (boxed: a finding's size is multiplied by hundreds of
    /// thousands on large inputs; `None` when all of it is empty).
    pub extra: Option<Box<Extra>>,
}

/// The parts of a finding that most findings do not have.
#[derive(Debug, Clone, Default)]
pub struct Extra {
    /// The short label under the underline (kept only for output that draws snippets).
    pub label: Option<Text>,
    /// Other places that explain it.
    /// Shared: a cross-object rule draws one chain (binding, role, rule) for every workload
    /// that uses it (see [`RelatedLists`]). `None` when there are none.
    pub related: Option<Arc<[Related]>>,
    /// Regions whose text must never be printed.
    pub sensitive: Box<[Location]>,
    /// Set when suppressed (boxed, as the trace: most findings with other parts have related
    /// places only).
    pub suppressed: Option<Box<Suppression>>,
    /// Set when the finding was found in rendered output.
    pub trace: Option<Box<Trace>>,
    /// The automatic fix, when the run wants fixes and the rule has one here.
    pub fix: Option<Box<Fixable>>,
}

/// A finding's automatic fix, where it applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixable {
    /// What it changes, by route.
    pub fix: crate::rule::Fix,
    /// The file the fix edits: the finding's own, or for rendered Kustomize output the
    /// resource file that wrote the object.
    pub file: u32,
    /// The document (0-based, in that file) the routes start from.
    pub doc: u32,
    /// Whether `file` is text the user owns and kubeward may edit: a plain manifest on disk,
    /// or the Kustomize resource that alone wrote what the fix changes. Helm output, other
    /// rendered output and standard input are not: "no automatic fix here".
    pub editable: bool,
}

impl Extra {
    /// The box for a finding: `None` when there is nothing in it.
    pub fn boxed(self) -> Option<Box<Extra>> {
        let empty = self.label.is_none()
            && self.related.is_none()
            && self.sensitive.is_empty()
            && self.suppressed.is_none()
            && self.trace.is_none()
            && self.fix.is_none();
        (!empty).then(|| Box::new(self))
    }
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

    /// The short label under the underline, if the run kept it.
    pub fn label(&self) -> Option<&Text> {
        self.extra.as_ref()?.label.as_ref()
    }

    /// Other places that explain it.
    pub fn related(&self) -> &[Related] {
        self.extra
            .as_ref()
            .and_then(|e| e.related.as_deref())
            .unwrap_or(&[])
    }

    /// Regions whose text must never be printed.
    pub fn sensitive(&self) -> &[Location] {
        self.extra.as_ref().map_or(&[], |e| &e.sensitive)
    }

    /// Why it is not reported, if it is suppressed.
    pub fn suppressed(&self) -> Option<&Suppression> {
        self.extra.as_ref()?.suppressed.as_deref()
    }

    /// The automatic fix, if the run built one.
    pub fn fix(&self) -> Option<&Fixable> {
        self.extra.as_ref()?.fix.as_deref()
    }

    /// How it was traced to its source, if it was found in rendered output.
    pub fn trace(&self) -> Option<&Trace> {
        self.extra.as_ref()?.trace.as_deref()
    }

    /// The extra parts, to change them.
    pub fn extra_mut(&mut self) -> &mut Extra {
        self.extra.get_or_insert_default()
    }
}

/// One copy of each distinct list of related places of the cross-object findings: a
/// workload's chain (binding subject, roleRef, rules) or policy list is the same for every
/// workload that shares it, and a large run holds tens of thousands of such findings.
#[derive(Default)]
pub struct RelatedLists {
    set: std::sync::Mutex<
        std::collections::HashSet<Arc<[Related]>, std::hash::BuildHasherDefault<WordHasher>>,
    >,
}

impl RelatedLists {
    /// The shared copy of `list`; `None` when it is empty.
    pub fn get(&self, list: Vec<Related>) -> Option<Arc<[Related]>> {
        if list.is_empty() {
            return None;
        }
        // A panic elsewhere cannot leave the set half-updated: keep using it.
        let mut set = self
            .set
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(shared) = set.get(&list[..]) {
            return Some(shared.clone());
        }
        let shared: Arc<[Related]> = Arc::from(list);
        set.insert(shared.clone());
        Some(shared)
    }
}

/// A finding's stable identity (`kubeward/v1`): shown as 16 lowercase hex digits, whose order
/// is the numeric order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Fingerprint(pub u64);

impl Fingerprint {
    /// The 16 lowercase hex digits, as ASCII.
    pub fn hex(self) -> [u8; 16] {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 16];
        for (i, d) in out.iter_mut().enumerate() {
            *d = DIGITS[((self.0 >> (60 - 4 * i)) & 0xf) as usize];
        }
        out
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(std::str::from_utf8(&self.hex()).unwrap_or_default())
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // From the stack: `collect_str` allocates a string per finding in serializers (like
        // the SARIF results') that do not override it.
        s.serialize_str(std::str::from_utf8(&self.hex()).unwrap_or_default())
    }
}

/// Rules that were split out of another rule (new id, the id findings had before), so that a
/// baseline of format version 1 still matches their findings (`baseline::legacy_fingerprint`).
const SPLIT_RULES: &[(&str, &str)] = &[
    ("allow-privilege-escalation-unset", "privilege-escalation"),
    ("istio-mtls-permissive", "istio-mtls-disabled"),
    ("misspelt-capability", "dangerous-capabilities"),
    ("non-root-not-required", "run-as-root"),
    ("rbac-named-signer-approval", "rbac-security-policy-write"),
    (
        "runtime-socket-unreachable-mount",
        "container-runtime-socket",
    ),
    ("seccomp-profile-unset", "seccomp-profile"),
];

/// The id a rule's findings had in baselines of format version 1.
pub fn legacy_rule_id(id: &str) -> &str {
    SPLIT_RULES
        .iter()
        .find(|(new, _)| *new == id)
        .map_or(id, |(_, old)| old)
}

/// FNV-1a 64: stable across platforms and releases, unlike `DefaultHasher`.
pub fn stable_hash(parts: &[&str]) -> Fingerprint {
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for &b in p.as_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(PRIME);
        }
        // Each part ends with 0xff (a byte UTF-8 never holds), so `ab|c` and `a|bc` differ.
        h = (h ^ 0xff).wrapping_mul(PRIME);
    }
    Fingerprint(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_print_as_sixteen_hex_digits_in_numeric_order() {
        assert_eq!(Fingerprint(0xab).to_string(), "00000000000000ab");
        assert_eq!(
            Fingerprint(0x0123_4567_89ab_cdef).to_string(),
            format!("{:016x}", 0x0123_4567_89ab_cdef_u64)
        );
        assert_eq!(Fingerprint(u64::MAX).to_string(), "ffffffffffffffff");
        assert_eq!(stable_hash(&["a", "b"]).to_string().len(), 16);
        // FNV-1a 64 of `a`, 0xff, `b`, 0xff: baselines hold these values, so they never change.
        assert_eq!(stable_hash(&["a", "b"]), Fingerprint(0xd2b3_7181_9297_f98a));
        assert_eq!(
            stable_hash(&["image-not-pinned", "k8s/app.yaml"]),
            Fingerprint(0x3d5f_9ca4_bf48_1bce)
        );
        let (a, b) = (Fingerprint(0x0f), Fingerprint(0xf0));
        assert_eq!(a.cmp(&b), a.to_string().cmp(&b.to_string()));
    }

    #[test]
    fn equal_related_lists_are_shared() {
        let lists = RelatedLists::default();
        let list = |line: u32, text: &str| {
            vec![Related {
                at: Location {
                    file: 1,
                    region: Region {
                        line,
                        ..Region::default()
                    },
                },
                text: text.into(),
            }]
        };
        let a = lists.get(list(3, "1. bound here")).unwrap();
        let b = lists.get(list(3, "1. bound here")).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        // Another place or another text is another list.
        let c = lists.get(list(4, "1. bound here")).unwrap();
        let d = lists.get(list(3, "2. bound here")).unwrap();
        assert!(!Arc::ptr_eq(&a, &c) && !Arc::ptr_eq(&a, &d));
        assert_eq!(c[0].at.region.line, 4);
        assert_eq!(&*d[0].text, "2. bound here");
        assert!(lists.get(Vec::new()).is_none());
    }

    #[test]
    fn findings_stay_compact() {
        // Large inputs hold hundreds of thousands of findings until they are sorted: every
        // byte here is multiplied by that (see the Performance section of the README).
        assert!(
            std::mem::size_of::<Finding>() <= 88,
            "Finding grew to {} bytes",
            std::mem::size_of::<Finding>()
        );
        // One in several findings has related places.
        assert!(
            std::mem::size_of::<Extra>() <= 64,
            "Extra grew to {} bytes",
            std::mem::size_of::<Extra>()
        );
    }
}
