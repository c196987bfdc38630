//! A lying IDX header cannot make the loader allocate its claimed size: a global allocator
//! records the largest single allocation while headers claiming 2³¹ images are read from
//! 100-byte inputs (`support/alloc_probe.rs`, watching this thread only).

use std::io::Write;

use trustnn::Error;
use trustnn::data::read_idx_from_reader;

#[path = "support/alloc_probe.rs"]
mod alloc_probe;
use alloc_probe::largest_allocation;

#[test]
fn a_header_claiming_2_pow_31_images_on_100_bytes_fails_without_a_huge_allocation() {
    // magic 0x00000803, sizes [2^31, 28, 28] (1.7 TB of pixels), then 84 bytes of data.
    let mut bytes = vec![0u8, 0, 0x08, 3];
    for d in [1u32 << 31, 28, 28] {
        bytes.extend_from_slice(&d.to_be_bytes());
    }
    bytes.resize(100, 7);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&bytes).unwrap();
    let gz = gz.finish().unwrap();

    let ((), largest) = largest_allocation(|| {
        for input in [&bytes[..], &gz[..]] {
            match read_idx_from_reader(input) {
                Err(Error::Format { reason, .. }) => {
                    assert!(
                        reason.contains("truncated data") && reason.contains("only 84 bytes"),
                        "{reason}"
                    )
                }
                other => panic!("expected a format error, got {other:?}"),
            }
        }
    });
    assert!(largest <= 2 << 20, "largest allocation {largest} bytes");
}
