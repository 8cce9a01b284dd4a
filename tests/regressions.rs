//! Inputs that crashed a fuzz target or broke an invariant (docs/fuzzing.md), replayed through
//! both targets on every `cargo test`. Each file under `testdata/regressions/` is one input,
//! byte for byte as the fuzzer (or `cargo fuzz tmin`) wrote it; small ones are inline below.

mod common;

use kubeward::testing::fuzz::{fuzz_lint, fuzz_yaml};

/// Minimised crash inputs, with what they broke.
const INLINE: &[(&str, &[u8])] = &[
    // An anchor on an empty node: the node's start was moved past its properties and past its
    // end (span 3..2).
    ("anchor on an empty node", b"&l\n"),
    ("tag on an empty node", b"a: !!str\nb: 1\n"),
    ("anchor on an empty node in flow", b"[&a , b]"),
    // An alias as the value of a key: the entry span ran from the key back to the anchored
    // node, earlier in the file (span 227..162).
    (
        "alias value after its key",
        b"a: &x 1\nb: *x\nd:\n  e: &y v\n  f: *y\n",
    ),
    (
        "alias as the first entry of a mapping",
        b"a: &x 1\nb: {c: *x}\n",
    ),
    // A quoted scalar's span ran over the blanks and the comment after it.
    (
        "quoted value then a comment",
        b"a: \"x\"   # c\nb: 'y'\t# d\n",
    ),
    (
        "empty quoted values then comments",
        b"a: &x \"\"  # c\nb: [&y '' , z]\n",
    ),
    // A document that is one block scalar: the fast YAML path started the document at the
    // `|`, saphyr at the content.
    ("block scalar as the document", b"|-\n\xd1"),
    // A mapping value that is an indentless sequence whose first item is on the line after its
    // `-`: saphyr starts the sequence elsewhere than at the item.
    (
        "indentless sequence, first item below its dash",
        b"k:\n- # c\n\n  -i\n",
    ),
];

#[test]
fn inline_regressions() {
    for (what, input) in INLINE {
        eprintln!("{what}");
        fuzz_yaml(input);
        fuzz_lint(input);
    }
}

#[test]
fn regression_files() {
    let dir = common::root().join("testdata/regressions");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("testdata/regressions exists") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("readable");
        eprintln!("{}", path.display());
        fuzz_yaml(&bytes);
        fuzz_lint(&bytes);
        n += 1;
    }
    assert!(n > 0, "no regression inputs found");
}

/// The seed corpus of the fuzz targets must stay clean too.
#[test]
fn fuzz_seeds() {
    let dir = common::root().join("fuzz/seeds/manifests");
    for entry in std::fs::read_dir(&dir).expect("fuzz/seeds/manifests exists") {
        let bytes = std::fs::read(entry.expect("entry").path()).expect("readable");
        fuzz_yaml(&bytes);
        fuzz_lint(&bytes);
    }
}
