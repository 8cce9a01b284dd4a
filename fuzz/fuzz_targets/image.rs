//! Text → the image-reference parser (src/model/image.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        kubeward::testing::fuzz::fuzz_image(s);
    }
});
