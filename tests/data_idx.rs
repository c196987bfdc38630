//! The IDX (MNIST) loader on small generated files, raw and gzip: round trips, every IDX
//! type, and malformed headers or data.

use std::io::Write;
use std::path::PathBuf;

use trustnn::Error;
use trustnn::data::{load_mnist, read_idx, read_idx_from_reader};

/// An IDX file: magic `00 00 type ndim`, big-endian sizes, then `payload`.
fn idx(code: u8, dims: &[u32], payload: &[u8]) -> Vec<u8> {
    let mut b = vec![0, 0, code, dims.len() as u8];
    for d in dims {
        b.extend_from_slice(&d.to_be_bytes());
    }
    b.extend_from_slice(payload);
    b
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("trustnn_data_idx_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Five 3×4 u8 images (pixel = 50·i + 4·r + c) and their labels.
fn images_and_labels() -> (Vec<u8>, Vec<u8>) {
    let mut px = Vec::new();
    for i in 0..5u8 {
        for r in 0..3u8 {
            for c in 0..4u8 {
                px.push(50 * i + 4 * r + c);
            }
        }
    }
    (idx(0x08, &[5, 3, 4], &px), idx(0x08, &[5], &[7, 0, 3, 9, 3]))
}

fn format_reason<T: std::fmt::Debug>(r: trustnn::Result<T>) -> (String, String) {
    match r {
        Err(Error::Format { context, reason }) => (context, reason),
        other => panic!("expected a format error, got {other:?}"),
    }
}

#[test]
fn raw_image_and_label_files_round_trip() {
    let (img, lab) = images_and_labels();
    let (ip, lp) = (file("raw-images", &img), file("raw-labels", &lab));
    let images = read_idx(&ip).unwrap();
    assert_eq!(images.shape(), &[5, 3, 4]);
    assert_eq!(images.as_slice()[4 * 12 + 2 * 4 + 3], 211.0); // image 4, row 2, col 3
    let ds = load_mnist(&ip, &lp, false).unwrap();
    assert_eq!(ds.x().shape(), &[5, 12]);
    assert_eq!(ds.x().row(1).unwrap()[5], 55.0);
    assert_eq!(ds.y().as_slice(), &[7.0, 0.0, 3.0, 9.0, 3.0]);
    assert_eq!(ds.class_names().len(), 10);
    let unit = load_mnist(&ip, &lp, true).unwrap();
    assert_eq!(unit.x().row(1).unwrap()[5], 55.0 / 255.0);
}

#[test]
fn gzipped_files_load_identically_to_raw_ones() {
    let (img, lab) = images_and_labels();
    let raw = load_mnist(file("r-img", &img), file("r-lab", &lab), true).unwrap();
    let gz = load_mnist(file("g-img.gz", &gzip(&img)), file("g-lab.gz", &gzip(&lab)), true).unwrap();
    assert_eq!(raw, gz);
}

#[test]
fn every_idx_type_is_read_big_endian() {
    let t = read_idx_from_reader(&idx(0x0D, &[2], &[0x3f, 0xc0, 0, 0, 0xc1, 0x20, 0, 0])[..]).unwrap();
    assert_eq!(t.as_slice(), &[1.5, -10.0]);
    let t = read_idx_from_reader(&idx(0x0B, &[2], &[0xff, 0xfe, 0x01, 0x00])[..]).unwrap();
    assert_eq!(t.as_slice(), &[-2.0, 256.0]);
    let t = read_idx_from_reader(&idx(0x09, &[2], &[0xff, 0x7f])[..]).unwrap();
    assert_eq!(t.as_slice(), &[-1.0, 127.0]);
    let t = read_idx_from_reader(&idx(0x0C, &[1], &(-70000i32).to_be_bytes())[..]).unwrap();
    assert_eq!(t.as_slice(), &[-70000.0]);
    let t = read_idx_from_reader(&idx(0x0E, &[1], &0.25f64.to_be_bytes())[..]).unwrap();
    assert_eq!(t.as_slice(), &[0.25]);
}

#[test]
fn truncated_data_is_a_format_error_naming_the_file() {
    let (img, _) = images_and_labels();
    let path = file("truncated-images", &img[..img.len() - 7]);
    let (context, reason) = format_reason(read_idx(&path));
    assert!(context.contains("truncated-images"), "{context}");
    assert!(
        reason.contains("truncated data") && reason.contains("53 bytes follow"),
        "{reason}"
    );
    let gz = file("truncated-images.gz", &gzip(&img[..img.len() - 7]));
    assert!(format_reason(read_idx(gz)).1.contains("truncated data"));
}

#[test]
fn a_truncated_header_is_a_format_error() {
    for bytes in [&[0u8, 0][..], &[0, 0, 8, 3, 0, 0, 0, 5]] {
        let (_, reason) = format_reason(read_idx_from_reader(bytes));
        assert!(reason.contains("truncated header"), "{reason}");
    }
}

#[test]
fn a_bad_magic_number_is_a_format_error() {
    let (_, reason) = format_reason(read_idx_from_reader(&[1u8, 0, 8, 1, 0, 0, 0, 0][..]));
    assert!(reason.contains("bad magic number 0x01000801"), "{reason}");
    let (_, reason) = format_reason(read_idx_from_reader(&idx(0x0A, &[1], &[0])[..]));
    assert!(reason.contains("unknown data type 0x0a"), "{reason}");
    let (_, reason) = format_reason(read_idx_from_reader(&[0u8, 0, 8, 0][..]));
    assert!(reason.contains("0 dimensions"), "{reason}");
}

#[test]
fn sizes_whose_product_overflows_are_absurd() {
    let bytes = idx(0x0E, &[u32::MAX, u32::MAX, u32::MAX, u32::MAX], &[]);
    let (_, reason) = format_reason(read_idx_from_reader(&bytes[..]));
    assert!(reason.contains("absurd dimensions"), "{reason}");
}

#[test]
fn bytes_after_the_data_are_a_format_error() {
    let (_, reason) = format_reason(read_idx_from_reader(&idx(0x08, &[2], &[1, 2, 3])[..]));
    assert!(reason.contains("unexpected bytes after"), "{reason}");
}

#[test]
fn corrupt_gzip_data_is_a_format_error() {
    let mut gz = gzip(&idx(0x08, &[100], &[7; 100]));
    let mid = gz.len() / 2;
    gz.truncate(mid);
    let (_, reason) = format_reason(read_idx_from_reader(&gz[..]));
    assert!(reason.contains("corrupt or truncated gzip data"), "{reason}");
}

#[test]
fn image_and_label_counts_must_match() {
    let (img, _) = images_and_labels();
    let lab = idx(0x08, &[4], &[1, 2, 3, 4]);
    let (context, reason) = format_reason(load_mnist(file("cm-img", &img), file("cm-lab", &lab), false));
    assert!(
        context.contains("cm-img") && context.contains("cm-lab"),
        "{context}"
    );
    assert!(reason.contains("5 images but 4 labels"), "{reason}");
}

#[test]
fn labels_must_be_one_dimensional_non_negative_integers() {
    let (img, lab) = images_and_labels();
    let ip = file("ld-img", &img);
    let (_, reason) = format_reason(load_mnist(&ip, file("ld-2d", &img), false));
    assert!(reason.contains("labels need 1 dimension"), "{reason}");
    let neg = idx(0x09, &[5], &[1, 2, 0xff, 0, 0]);
    let (_, reason) = format_reason(load_mnist(&ip, file("ld-neg", &neg), false));
    assert!(reason.contains("index 2"), "{reason}");
    let (_, reason) = format_reason(load_mnist(file("ld-1d", &lab), file("ld-lab", &lab), false));
    assert!(reason.contains("at least 2 dimensions"), "{reason}");
}

#[test]
fn a_missing_file_is_an_io_error() {
    let path = std::env::temp_dir().join("trustnn_no_such_dir_for_idx/images");
    assert!(matches!(read_idx(path), Err(Error::Io(_))));
}
