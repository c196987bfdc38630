//! Fuzzes the model-file loader: arbitrary bytes must give a model or an error, never a
//! panic, an abort, a hang or an out-of-memory (libFuzzer's `-rss_limit_mb`, 2048 MB by
//! default, catches allocations the input's size does not justify).
#![no_main]

use libfuzzer_sys::fuzz_target;
use trustnn::io::{LoadOptions, from_bytes};

fuzz_target!(|data: &[u8]| {
    if let Ok(loaded) = from_bytes(data, &LoadOptions::new()) {
        // A file that loads must also describe itself and produce its Markdown card.
        let _ = loaded.to_markdown();
    }
});
