//! `Interner`: one shared copy of each distinct text of a run, and the hashers it keys them by.

use super::text::Text;

/// One copy of each distinct string of a run, shared by every thread: findings repeat the
/// same routes, messages, help and related texts for object after object and file after file
/// (a large repository holds hundreds of thousands of findings but only tens of thousands of
/// distinct texts).
pub struct Interner {
    shards: Box<[std::sync::Mutex<Shard>]>,
}

/// Texts by their 64-bit hash: a probe compares numbers, and only a hit reads the text. Two
/// texts with one hash (about one pair in 10^19) are both kept, the later one unshared.
type Shard = std::collections::HashMap<u64, Text, std::hash::BuildHasherDefault<Hashed>>;

/// Shards: threads rarely wait for one another.
const SHARDS: usize = 64;

impl Default for Interner {
    fn default() -> Self {
        Interner {
            shards: (0..SHARDS).map(|_| std::sync::Mutex::default()).collect(),
        }
    }
}

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Interner")
    }
}

impl Interner {
    /// The shared copy of `s`.
    pub fn get(&self, s: &str) -> Text {
        use std::hash::{BuildHasher, BuildHasherDefault};
        self.get_hashed(
            BuildHasherDefault::<WordHasher>::default().hash_one(s),
            s,
            false,
        )
    }

    /// The shared copy of `s`, a text of a finding made from its own object only (its message,
    /// help, labels and route): every credential of a known form it may show is one of that
    /// object's, which the secret checks flag, so masking looks in it for the run's flagged
    /// values without searching it for credentials again (see [`Text::is_covered`]). The mark
    /// is a property of the text in this run, whoever asks for it first.
    pub fn get_covered(&self, s: &str) -> Text {
        use std::hash::{BuildHasher, BuildHasherDefault};
        self.get_hashed(
            BuildHasherDefault::<WordHasher>::default().hash_one(s),
            s,
            true,
        )
    }

    fn get_hashed(&self, hash: u64, s: &str, covered: bool) -> Text {
        // Middle bits pick the shard: the set's table uses the low and the top ones.
        let shard = &self.shards[(hash >> 32) as usize % SHARDS];
        // A panic elsewhere cannot leave a set of strings half-updated: keep using it.
        let mut set = shard
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match set.entry(hash) {
            // A text asked for as covered, first asked for as not: from now on the covered copy
            // (those who hold the other have it masked all the same, only searched further).
            std::collections::hash_map::Entry::Occupied(mut e)
                if covered && !e.get().is_covered() && **e.get() == *s =>
            {
                e.insert(Text::with_mark(s, true));
                e.get().clone()
            }
            std::collections::hash_map::Entry::Occupied(e) if **e.get() == *s => e.get().clone(),
            std::collections::hash_map::Entry::Occupied(_) => Text::from(s),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(Text::with_mark(s, covered)).clone()
            }
        }
    }
}

/// The hasher of keys that are hashes already.
#[derive(Default, Clone, Copy)]
struct Hashed(u64);

impl std::hash::Hasher for Hashed {
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used; anything else is folded in all the same.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A fast hash for interning, a word at a time (the multiply-rotate scheme of rustc's `FxHash`);
/// not resistant to chosen collisions, which here can only slow a run down.
#[derive(Default, Clone, Copy)]
pub struct WordHasher(u64);

impl std::hash::Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in chunks.by_ref() {
            let w = u64::from_le_bytes(c.try_into().unwrap_or_default());
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        let mut last = [0u8; 8];
        let rest = chunks.remainder();
        last[..rest.len()].copy_from_slice(rest);
        self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(last) ^ (rest.len() as u64))
            .wrapping_mul(K);
    }

    fn finish(&self) -> u64 {
        // The multiply leaves the low bits weak: fold the high ones in.
        self.0 ^ (self.0 >> 29)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interned_strings_are_shared() {
        let i = Interner::default();
        let a = i.get("spec.containers[name=web]");
        let b = i.get(&String::from("spec.containers[name=web]"));
        assert!(Text::ptr_eq(&a, &b));
        assert!(!Text::ptr_eq(&a, &i.get("spec")));
        // From several threads at once.
        let i = std::sync::Arc::new(Interner::default());
        let got: Vec<Text> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..4)
                .map(|_| s.spawn(|| i.get("spec.containers[name=web]")))
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(got.iter().all(|g| Text::ptr_eq(g, &got[0])));
    }

    #[test]
    fn texts_with_one_hash_keep_their_own_content() {
        let i = Interner::default();
        let a = i.get_hashed(7, "spec", false);
        let b = i.get_hashed(7, "metadata", false);
        assert_eq!((&*a, &*b), ("spec", "metadata"));
        assert!(Text::ptr_eq(&a, &i.get_hashed(7, "spec", false)));
    }
}
