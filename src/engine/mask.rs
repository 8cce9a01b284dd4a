//! Secrets masked in every text of the finished run.
//!
//! Secrets masked: what the secret checks flag is noted per file, and every text of the
//! finished run is masked with it.

use std::sync::Arc;

use rayon::prelude::*;

use crate::finding::{Finding, Related, Secrets, Text, flagged_forms};
use crate::model::ObjectIdent;
use crate::rule::Rule;
use crate::yaml::{Doc, Focus, Label, NodeRef, Pointer, Seg};

use super::run::Run;

/// The sensitive labels of a draft whose regions a snippet must mask: a part of a value whose
/// whole value is masked is left out (locating each of a hundred thousand credentials in one
/// string would cost the string's length each).
pub(super) fn drawn(sensitive: &[Label]) -> impl Iterator<Item = &Label> {
    let whole: Vec<&Pointer> = sensitive
        .iter()
        .filter(|l| matches!(l.focus, Focus::Value))
        .map(|l| &l.pointer)
        .collect();
    sensitive
        .iter()
        .filter(move |l| !matches!(l.focus, Focus::Sub(..)) || !whole.contains(&&l.pointer))
}

/// The secret checks not among `enabled`: they still mark what must be masked.
pub(super) fn dormant_secret_rules(enabled: &[&'static dyn Rule]) -> Vec<&'static dyn Rule> {
    crate::rule::registry::ALL
        .iter()
        .copied()
        .filter(|r| {
            r.meta().category == crate::rule::Category::Secrets
                && !enabled.iter().any(|e| e.meta().id == r.meta().id)
        })
        .collect()
}

/// The node a pointer names in `doc`, if it is there.
pub(super) fn follow<'d>(doc: &'d Doc<'d>, pointer: &Pointer) -> Option<NodeRef<'d>> {
    let mut node = doc.root();
    for seg in pointer.segs() {
        node = match seg {
            Seg::Key(k) => node.get(k)?,
            Seg::Index(i) => node.at(*i as usize)?,
        };
    }
    Some(node)
}

/// The texts of a node a check marked sensitive (the part a `sub` label names, the key a `key`
/// label names, the losing value of a duplicate key, every string of a collection), to be
/// masked wherever they recur.
pub(super) fn flagged_values(doc: &Doc<'_>, l: &Label, out: &mut Vec<Box<str>>) {
    let node = match l.focus {
        Focus::ShadowedValue(i) => doc.shadowed_value(i),
        _ => follow(doc, &l.pointer),
    };
    let Some(node) = node else {
        return;
    };
    match (&l.focus, node.text()) {
        (Focus::Key, _) => {
            if let Some(Seg::Key(k)) = l.pointer.segs().last() {
                flagged_forms(k, out);
            }
        }
        (Focus::Sub(a, b), Some(t)) => {
            if let Some(part) = t.get(*a as usize..*b as usize) {
                flagged_forms(part, out);
            }
        }
        (_, Some(t)) => flagged_forms(t, out),
        (_, None) => node.walk_strings(crate::finding::MIN_FLAGGED, |_, n| {
            if let Some(t) = n.text() {
                flagged_forms(t, out);
            }
        }),
    }
}

/// Mask the secrets of the run in every text its findings print (messages, help, labels,
/// routes, object names, related places, suppression reasons, Helm template names) and in
/// what it says of failed files. Fingerprints are left as they are: taken from the texts as
/// written, they neither show a secret nor change with the masking.
pub(super) fn mask_run(run: &mut Run) {
    let secrets = &run.secrets;
    // Chunks of findings in parallel; in each, texts shared by many findings (help, routes,
    // related lists, objects) are masked once.
    run.findings.par_chunks_mut(4096).for_each(|chunk| {
        let mut memo = Masked::default();
        for f in chunk {
            memo.finding(secrets, f);
        }
    });
    for (_, failure) in &mut run.failed_paths {
        if let Some(m) = secrets.mask(&failure.detail) {
            failure.detail = m;
        }
    }
}

/// Maps keyed by an address.
pub(super) type ByAddress<V> =
    std::collections::HashMap<usize, V, std::hash::BuildHasherDefault<Address>>;

/// The hasher of addresses: one multiply spreads their bits.
#[derive(Default)]
pub(super) struct Address(u64);

impl std::hash::Hasher for Address {
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_usize` is used; anything else is folded in all the same.
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// What was masked (`None`: nothing to mask) and the original, which the entry keeps alive so
/// that its address is not reused for another meanwhile.
pub(super) type Memo<T> = ByAddress<(T, Option<T>)>;

/// Texts masked so far, by the address of what they mask.
#[derive(Default)]
pub(super) struct Masked {
    pub(super) texts: Memo<Text>,
    pub(super) lists: Memo<Arc<[Related]>>,
    pub(super) objects: Memo<Arc<ObjectIdent>>,
}

impl Masked {
    pub(super) fn text(&mut self, secrets: &Secrets, t: &Text) -> Option<Text> {
        let key = t.as_str().as_ptr() as usize;
        self.texts
            .entry(key)
            .or_insert_with(|| (t.clone(), secrets.mask_text(t)))
            .1
            .clone()
    }

    pub(super) fn object(
        &mut self,
        secrets: &Secrets,
        o: &Arc<ObjectIdent>,
    ) -> Option<Arc<ObjectIdent>> {
        let key = Arc::as_ptr(o) as usize;
        if let Some((_, m)) = self.objects.get(&key) {
            return m.clone();
        }
        let mut changed = false;
        let mut field = |t: &Text| {
            let m = self.text(secrets, t);
            changed |= m.is_some();
            m.unwrap_or_else(|| t.clone())
        };
        let masked = ObjectIdent {
            api_version: field(&o.api_version),
            kind: field(&o.kind),
            namespace: o.namespace.as_ref().map(&mut field),
            name: o.name.as_ref().map(&mut field),
        };
        let m = changed.then(|| Arc::new(masked));
        self.objects.insert(key, (o.clone(), m.clone()));
        m
    }

    pub(super) fn list(&mut self, secrets: &Secrets, l: &Arc<[Related]>) -> Option<Arc<[Related]>> {
        let key = Arc::as_ptr(l).cast::<u8>() as usize;
        if let Some((_, m)) = self.lists.get(&key) {
            return m.clone();
        }
        let mut changed = false;
        let masked: Vec<Related> = l
            .iter()
            .map(|r| {
                let m = self.text(secrets, &r.text);
                changed |= m.is_some();
                Related {
                    at: r.at,
                    text: m.unwrap_or_else(|| r.text.clone()),
                }
            })
            .collect();
        let m = changed.then(|| Arc::from(masked));
        self.lists.insert(key, (l.clone(), m.clone()));
        m
    }

    pub(super) fn finding(&mut self, secrets: &Secrets, f: &mut Finding) {
        // Messages name their objects: most are the only one of their text.
        if let Some(m) = secrets.mask_text(&f.message) {
            f.message = m;
        }
        if let Some(m) = f.help.as_ref().and_then(|h| self.text(secrets, h)) {
            f.help = Some(m);
        }
        if let Some(m) = self.text(secrets, &f.route) {
            f.route = m;
        }
        if let Some(m) = f.object.as_ref().and_then(|o| self.object(secrets, o)) {
            f.object = Some(m);
        }
        let Some(extra) = f.extra.as_deref_mut() else {
            return;
        };
        if let Some(m) = extra.label.as_ref().and_then(|l| self.text(secrets, l)) {
            extra.label = Some(m);
        }
        if let Some(m) = extra.related.as_ref().and_then(|l| self.list(secrets, l)) {
            extra.related = Some(m);
        }
        if let Some(s) = extra.suppressed.as_deref_mut()
            && let Some(m) = secrets.mask(&s.justification)
        {
            s.justification = m;
        }
        if let Some(t) = extra.trace.as_deref_mut()
            && let Some(m) = t.template.as_deref().and_then(|x| secrets.mask(x))
        {
            t.template = Some(m);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::finish::fingerprint;
    use crate::engine::lint_str;
    use crate::finding::Finding;
    use crate::rule::Settings;

    /// A token used as a name is masked in every text of every finding, and the fingerprints
    /// are those of the names as written (stable across the masking, and apart for names that
    /// mask alike).
    #[test]
    fn flagged_values_are_masked_in_every_text_but_not_in_fingerprints() {
        let token = ["AKIA", "Q7RZ2MX4VB6NT3WK"].concat();
        let other = ["AKIA", "W3TK6NB4VX2MZ7RQ"].concat();
        let yaml = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {token}, namespace: shop}}\nspec:\n  containers:\n  - {{name: {token}, image: nginx:latest}}\n  - {{name: {other}, image: nginx:latest}}\n"
        );
        let run = lint_str(
            "pod.yaml",
            &yaml,
            crate::rule::registry::ALL.to_vec(),
            &Settings::default(),
        );
        assert!(run.findings.len() > 5);
        for f in &run.findings {
            let mut texts = vec![f.message.to_string(), f.route.to_string()];
            texts.extend(f.help.as_deref().map(str::to_owned));
            texts.extend(f.label().map(|l| l.to_string()));
            texts.extend(f.related().iter().map(|r| r.text.to_string()));
            texts.extend(f.object.as_ref().map(|o| format!("{o:?}")));
            for t in texts {
                assert!(
                    !t.contains(&token) && !t.contains(&other),
                    "{}: {t}",
                    f.meta.id
                );
            }
        }
        // The object's name was flagged: its fingerprint is the one of the name as written.
        let named = run
            .findings
            .iter()
            .find(|f| f.meta.id == "hardcoded-credential" && &*f.route == "metadata.name")
            .expect("the name is flagged");
        let raw = ObjectIdent {
            api_version: "v1".into(),
            kind: "Pod".into(),
            namespace: Some("shop".into()),
            name: Some(token.as_str().into()),
        };
        assert_eq!(
            named.fingerprint,
            fingerprint(
                "hardcoded-credential",
                "pod.yaml",
                Some(&raw),
                "metadata.name",
                None
            )
        );
        assert_eq!(
            named.object.as_ref().and_then(|o| o.name.as_deref()),
            Some("AK******************")
        );
        // Both containers use `latest`: two findings whose masked routes read alike.
        let latest: Vec<&Finding> = run
            .findings
            .iter()
            .filter(|f| f.meta.id == "image-latest-tag")
            .collect();
        assert_eq!(latest.len(), 2);
        assert_eq!(latest[0].route, latest[1].route);
        assert_ne!(latest[0].fingerprint, latest[1].fingerprint);
    }
}
