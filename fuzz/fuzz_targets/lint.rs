//! Bytes → the whole lint of one document stream with every registered rule, rendered in every
//! output format, each checked for well-formedness.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    kubeward::testing::fuzz::fuzz_lint(data);
});
