//! Bytes → the YAML layer alone: parse, visit every node, resolve labels, check spans.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    kubeward::testing::fuzz::fuzz_yaml(data);
});
