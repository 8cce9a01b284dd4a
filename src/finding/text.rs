//! `Text`: shared, immutable text in one allocation, behind one pointer.
//!
//! The crate's only unsafe code. A large run holds hundreds of thousands of distinct texts
//! (messages that name containers and images, help that names them again) and several
//! pointers to them in each of nearly a million findings, so both the pointer's width and the
//! allocations per text count: `Arc<str>` is two pointers wide (findings grew by 50 MB on
//! 200k documents), `Arc<Box<str>>` is two allocations (the count and the pointer, then the
//! bytes: 32 bytes more per text, and one more dependent load on every read). Here one
//! allocation holds the count, the length and the bytes, and `Text` is the pointer to it.
#![allow(unsafe_code)]

use std::alloc::Layout;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering, fence};

/// Shared, immutable text: one pointer wide (findings hold four of them, and a large run holds
/// hundreds of thousands of findings), compared and hashed by content.
pub struct Text(NonNull<Header>);

/// The start of a text's allocation; its `len` bytes of UTF-8 follow at once.
#[repr(C)]
struct Header {
    /// Texts that point here.
    count: AtomicUsize,
    /// Length of the text in bytes, and [`COVERED`] (a `str` is at most `isize::MAX` bytes: the
    /// top bit is free).
    len: usize,
}

/// The bit of `Header::len` that says every credential of a known form the text may hold is
/// one the run's secret checks flagged (see [`Text::is_covered`]).
const COVERED: usize = 1 << (usize::BITS - 1);

// SAFETY: the bytes are never written after `Text::new`, and the count is atomic, as in
// `Arc<str>`, which is `Send` and `Sync`.
unsafe impl Send for Text {}
// SAFETY: as above.
unsafe impl Sync for Text {}

/// Clones past this are a leak or a bug: abort as `Arc` does, before the count can wrap.
const MAX_COUNT: usize = isize::MAX as usize;

impl Text {
    /// The allocation for a text of `len` bytes: the header, then the bytes. (A `str` is at
    /// most `isize::MAX` bytes, so the sum cannot overflow; a size the allocator cannot serve
    /// is an allocation failure, as for any `String`.)
    fn layout(len: usize) -> Layout {
        let size = std::mem::size_of::<Header>() + len;
        Layout::from_size_align(size, std::mem::align_of::<Header>())
            .unwrap_or_else(|_| std::alloc::handle_alloc_error(Layout::new::<Header>()))
    }

    fn new(s: &str) -> Text {
        Text::with_mark(s, false)
    }

    /// A text, marked [covered](Text::is_covered) or not.
    pub fn with_mark(s: &str, covered: bool) -> Text {
        let layout = Text::layout(s.len());
        // SAFETY: the layout's size is at least the header's (non-zero). The header is written
        // before anything reads it, and the bytes are copied from a `str` into the
        // `s.len()` bytes that follow the header in the same allocation.
        unsafe {
            let p = std::alloc::alloc(layout).cast::<Header>();
            let Some(header) = NonNull::new(p) else {
                std::alloc::handle_alloc_error(layout)
            };
            header.as_ptr().write(Header {
                count: AtomicUsize::new(1),
                len: s.len() | if covered { COVERED } else { 0 },
            });
            std::ptr::copy_nonoverlapping(s.as_ptr(), Text::bytes(header), s.len());
            Text(header)
        }
    }

    /// Where the bytes of the text at `header` start.
    ///
    /// # Safety
    /// `header` points to a live allocation made by `Text::new`.
    unsafe fn bytes(header: NonNull<Header>) -> *mut u8 {
        // SAFETY: the bytes follow the header inside its allocation.
        unsafe {
            header
                .as_ptr()
                .cast::<u8>()
                .add(std::mem::size_of::<Header>())
        }
    }

    fn header(&self) -> &Header {
        // SAFETY: `self` keeps the allocation alive.
        unsafe { self.0.as_ref() }
    }

    /// Length in bytes.
    fn byte_len(&self) -> usize {
        self.header().len & !COVERED
    }

    /// Whether every credential of a known form the text may show is one the run's secret
    /// checks flagged: it is made from one object's own values, which they search (see
    /// `Interner::get_covered`). Masking then looks in it for the flagged values only, not for
    /// every known form again (which cost a tenth of a large run).
    pub fn is_covered(&self) -> bool {
        self.header().len & COVERED != 0
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // SAFETY: `self` keeps the allocation alive; its `len` bytes after the header were
        // copied from a `str` and are never written again.
        unsafe {
            let bytes = std::slice::from_raw_parts(Text::bytes(self.0), self.byte_len());
            std::str::from_utf8_unchecked(bytes)
        }
    }

    /// Whether two texts are the same copy.
    pub fn ptr_eq(a: &Text, b: &Text) -> bool {
        a.0 == b.0
    }
}

impl Clone for Text {
    fn clone(&self) -> Self {
        // Relaxed, as in `Arc::clone`: a new reference is made from one that is held.
        if self.header().count.fetch_add(1, Ordering::Relaxed) > MAX_COUNT {
            std::process::abort();
        }
        Text(self.0)
    }
}

impl Drop for Text {
    fn drop(&mut self) {
        // As in `Arc::drop`: the release orders this thread's reads before the free; the
        // acquire fence orders every other thread's before it too.
        if self.header().count.fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        fence(Ordering::Acquire);
        let layout = Text::layout(self.byte_len());
        // SAFETY: this was the last reference; the allocation was made with this layout.
        unsafe { std::alloc::dealloc(self.0.as_ptr().cast::<u8>(), layout) }
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text::new(s)
    }
}

impl Default for Text {
    fn default() -> Self {
        Text::new("")
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text::new(&s)
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        Text::ptr_eq(self, other) || self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        *self == other.as_str()
    }
}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

impl serde::Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_hold_their_content_and_share_it_when_cloned() {
        for s in ["", "a", "spec.containers[name=web]", &"é".repeat(1000)] {
            let t = Text::from(s);
            assert_eq!(&*t, s);
            let u = t.clone();
            assert!(Text::ptr_eq(&t, &u));
            drop(t);
            // The clone keeps the text alive.
            assert_eq!(&*u, s);
            let owned = Text::from(String::from(s));
            assert_eq!(owned, u);
            assert!(!Text::ptr_eq(&owned, &u));
        }
    }

    #[test]
    fn texts_compare_and_hash_by_content() {
        use std::hash::BuildHasher;
        let (a, b) = (Text::from("alpha"), Text::from("beta"));
        assert!(a < b);
        assert_eq!(b.cmp(&a), std::cmp::Ordering::Greater);
        assert_eq!(a.cmp(&Text::from("alpha")), std::cmp::Ordering::Equal);
        assert_eq!(a, "alpha");
        assert_eq!("alpha", a);
        assert_ne!(a, "beta");
        assert_eq!(&*Text::default(), "");
        let h = std::collections::hash_map::RandomState::new();
        assert_eq!(h.hash_one(&a), h.hash_one(Text::from("alpha")));
        assert_eq!(h.hash_one(&a), h.hash_one("alpha"));
        assert_eq!(format!("{a:?}"), "\"alpha\"");
    }

    #[test]
    fn the_covered_mark_is_kept_apart_from_the_length() {
        for s in ["", "x", &"é".repeat(300)] {
            let covered = Text::with_mark(s, true);
            let unsure = Text::with_mark(s, false);
            assert!(covered.is_covered() && !unsure.is_covered());
            assert_eq!((&*covered, &*unsure), (s, s));
            assert_eq!(covered, unsure);
            assert!(covered.clone().is_covered());
            assert!(!Text::from(s).is_covered());
        }
    }

    #[test]
    fn texts_are_one_pointer_wide() {
        assert_eq!(std::mem::size_of::<Text>(), std::mem::size_of::<usize>());
        assert_eq!(
            std::mem::size_of::<Option<Text>>(),
            std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn texts_cross_threads_and_the_last_drop_frees_once() {
        let t = Text::from("shared by every thread");
        std::thread::scope(|s| {
            for _ in 0..4 {
                let mine = t.clone();
                s.spawn(move || {
                    let more: Vec<Text> = (0..1000).map(|_| mine.clone()).collect();
                    assert!(more.iter().all(|m| &**m == "shared by every thread"));
                });
            }
        });
        assert_eq!(t.header().count.load(Ordering::Relaxed), 1);
    }
}
