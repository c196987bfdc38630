//! `trustnn::plot`: every chart writes a valid PNG of the requested size with its text drawn
//! (by the embedded font, with no system font library), and an SVG holding its title; bad
//! paths and bad inputs are errors, not panics.
#![cfg(feature = "plots")]

use std::path::PathBuf;

use trustnn::plot::{self, Figure};
use trustnn::{Error, History};

/// A fresh directory for one test's files, under Cargo's per-target scratch directory.
fn out_dir(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("plot").join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn history() -> History {
    let mut h = History::default();
    for e in 0..12 {
        let t = e as f32;
        h.push("loss", 1.5 * (-0.3 * t).exp() + 0.1);
        h.push("val_loss", 1.6 * (-0.25 * t).exp() + 0.18);
        h.push("accuracy", 1.0 - 0.6 * (-0.35 * t).exp());
        h.push("val_accuracy", 0.95 - 0.6 * (-0.3 * t).exp());
    }
    h
}

/// Width and height read from the IHDR chunk, after checking the signature.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.len() > 33, "too short for a PNG: {} bytes", bytes.len());
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR", "first chunk");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

/// Decoded RGB pixels, row-major.
fn png_pixels(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// Pixels darker than mid-grey in rows `rows` (text and lines are dark on white).
fn dark_pixels(bytes: &[u8], rows: std::ops::Range<u32>) -> usize {
    let (w, _, px) = png_pixels(bytes);
    rows.flat_map(|y| (0..w).map(move |x| ((y * w + x) * 3) as usize))
        .filter(|&i| (px[i] as u32 + px[i + 1] as u32 + px[i + 2] as u32) < 3 * 128)
        .count()
}

fn assert_png(path: &std::path::Path, size: (u32, u32)) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(png_size(&bytes), size);
    let (w, h, px) = png_pixels(&bytes);
    assert_eq!((w, h), size);
    let non_white = px.chunks(3).filter(|p| p != &[255, 255, 255]).count();
    assert!(
        non_white > 1000,
        "image nearly blank: {non_white} non-white pixels"
    );
    bytes
}

fn assert_svg(path: &std::path::Path, title: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains("<svg"), "no <svg element");
    assert!(text.contains(title), "title {title:?} missing from the SVG");
}

#[test]
fn learning_curves_png_has_default_size_and_is_not_blank() {
    let path = out_dir("lc_png").join("curves.png");
    plot::learning_curves(&history(), &path, "Learning curves").unwrap();
    assert_png(&path, (1024, 768));
}

#[test]
fn learning_curves_title_is_drawn_as_text_in_the_png() {
    let dir = out_dir("lc_title");
    let (with, without) = (dir.join("with.png"), dir.join("without.png"));
    plot::learning_curves(&history(), &with, "A clearly visible title").unwrap();
    plot::learning_curves(&history(), &without, "").unwrap();
    // The title band (top 40 px) holds dark glyph pixels only when there is a title.
    let titled = dark_pixels(&std::fs::read(&with).unwrap(), 0..40);
    let untitled = dark_pixels(&std::fs::read(&without).unwrap(), 0..40);
    assert!(
        titled > 200 && titled > 10 * untitled.max(1) / 2,
        "titled {titled}, untitled {untitled}"
    );
}

#[test]
fn learning_curves_svg_contains_title_and_panel_names() {
    let path = out_dir("lc_svg").join("curves.svg");
    plot::learning_curves(&history(), &path, "Learning curves").unwrap();
    assert_svg(&path, "Learning curves");
    let text = std::fs::read_to_string(&path).unwrap();
    for name in ["val_loss", "accuracy", "val_accuracy", "epoch"] {
        assert!(text.contains(name), "{name} missing");
    }
}

#[test]
fn figure_draws_at_the_requested_size() {
    let path = out_dir("figure_size").join("curves.png");
    Figure::new(640, 480)
        .unwrap()
        .learning_curves(&history(), &path, "Small")
        .unwrap();
    assert_png(&path, (640, 480));
}

#[test]
fn figure_rejects_sides_out_of_range() {
    assert!(matches!(Figure::new(100, 768), Err(Error::InvalidConfig { .. })));
    assert!(matches!(
        Figure::new(1024, 9000),
        Err(Error::InvalidConfig { .. })
    ));
}

#[test]
fn learning_curves_of_a_single_epoch_render() {
    let mut h = History::default();
    h.push("loss", 0.7);
    let path = out_dir("lc_one").join("one.png");
    plot::learning_curves(&h, &path, "One epoch").unwrap();
    assert_png(&path, (1024, 768));
}

#[test]
fn learning_curves_of_an_empty_history_is_an_empty_input_error() {
    let path = out_dir("lc_empty").join("empty.png");
    let err = plot::learning_curves(&History::default(), &path, "Empty").unwrap_err();
    assert!(matches!(err, Error::EmptyInput { .. }), "{err}");
    assert!(!path.exists());
}

#[test]
fn unknown_extension_is_an_invalid_config_error() {
    let dir = out_dir("bad_ext");
    for name in ["curves.jpg", "curves", "curves.png.txt"] {
        let err = plot::learning_curves(&history(), dir.join(name), "x").unwrap_err();
        assert!(matches!(err, Error::InvalidConfig { .. }), "{name}: {err}");
    }
}

#[test]
fn missing_directory_is_an_io_error_naming_the_path() {
    let path = out_dir("missing_dir").join("no/such/dir/curves.png");
    let err = plot::learning_curves(&history(), &path, "x").unwrap_err();
    match &err {
        Error::Io(e) => assert!(e.to_string().contains("no/such/dir/curves.png"), "{e}"),
        other => panic!("expected Io, got {other}"),
    }
    let svg = path.with_extension("svg");
    assert!(matches!(
        plot::learning_curves(&history(), &svg, "x"),
        Err(Error::Io(_))
    ));
}

fn optimizer_curves() -> Vec<(String, Vec<(f32, f32)>)> {
    ["sgd", "adam", "rmsprop"]
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let rate = 0.15 + 0.1 * k as f32;
            let pts = (1..=20)
                .map(|e| (e as f32, 0.97 - 0.7 * (-rate * e as f32).exp()))
                .collect();
            (name.to_string(), pts)
        })
        .collect()
}

#[test]
fn line_chart_writes_png_and_svg() {
    let dir = out_dir("line");
    let series = optimizer_curves();
    plot::line_chart(
        &series,
        dir.join("opt.png"),
        "Validation accuracy",
        "epoch",
        "accuracy",
    )
    .unwrap();
    assert_png(&dir.join("opt.png"), (1024, 768));
    plot::line_chart(
        &series,
        dir.join("opt.svg"),
        "Validation accuracy",
        "epoch",
        "accuracy",
    )
    .unwrap();
    assert_svg(&dir.join("opt.svg"), "Validation accuracy");
    let text = std::fs::read_to_string(dir.join("opt.svg")).unwrap();
    assert!(text.contains("rmsprop"), "legend entry missing");
}

#[test]
fn line_chart_without_finite_points_is_an_empty_input_error() {
    let dir = out_dir("line_empty");
    let err = plot::line_chart(&[], dir.join("a.png"), "t", "x", "y").unwrap_err();
    assert!(matches!(err, Error::EmptyInput { .. }));
    let nan = vec![("s".to_string(), vec![(f32::NAN, 1.0)])];
    let err = plot::line_chart(&nan, dir.join("b.png"), "t", "x", "y").unwrap_err();
    assert!(matches!(err, Error::EmptyInput { .. }));
}

fn digits_confusion() -> (Vec<Vec<u64>>, Vec<String>) {
    let n = 10;
    let matrix = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| {
                    if i == j {
                        170 + i as u64
                    } else {
                        ((i * 7 + j * 3) % 5) as u64
                    }
                })
                .collect()
        })
        .collect();
    (matrix, (0..n).map(|i| format!("digit {i}")).collect())
}

#[test]
fn confusion_matrix_heatmap_writes_png_and_svg_with_counts() {
    let dir = out_dir("heatmap");
    let (m, names) = digits_confusion();
    plot::confusion_matrix_heatmap(&m, &names, dir.join("cm.png"), "Confusion matrix").unwrap();
    assert_png(&dir.join("cm.png"), (1024, 768));
    plot::confusion_matrix_heatmap(&m, &names, dir.join("cm.svg"), "Confusion matrix").unwrap();
    assert_svg(&dir.join("cm.svg"), "Confusion matrix");
    let text = std::fs::read_to_string(dir.join("cm.svg")).unwrap();
    assert!(
        text.lines().any(|l| l.trim() == "179"),
        "diagonal count of class 9 missing"
    );
    assert!(text.contains("digit 9"), "class name missing");
}

#[test]
fn confusion_matrix_heatmap_with_an_empty_row_renders() {
    let m = vec![vec![5, 1], vec![0, 0]];
    let names = vec!["a".to_string(), "b".to_string()];
    let path = out_dir("heatmap_zero_row").join("cm.png");
    plot::confusion_matrix_heatmap(&m, &names, &path, "t").unwrap();
    assert_png(&path, (1024, 768));
}

#[test]
fn confusion_matrix_heatmap_rejects_bad_shapes() {
    let dir = out_dir("heatmap_bad");
    let names = vec!["a".to_string(), "b".to_string()];
    let ragged = vec![vec![1, 2], vec![3]];
    let err = plot::confusion_matrix_heatmap(&ragged, &names, dir.join("a.png"), "t").unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
    let square = vec![vec![1, 2], vec![3, 4]];
    let err = plot::confusion_matrix_heatmap(&square, &names[..1], dir.join("b.png"), "t").unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
    let err = plot::confusion_matrix_heatmap(&[], &[], dir.join("c.png"), "t").unwrap_err();
    assert!(matches!(err, Error::EmptyInput { .. }), "{err}");
}

#[test]
fn bar_chart_writes_png_and_svg_with_negative_values() {
    let dir = out_dir("bars");
    let labels: Vec<String> = ["petal length", "petal width", "sepal length", "sepal width"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let values = [0.42, 0.31, -0.08, 0.05];
    plot::bar_chart(
        &labels,
        &values,
        dir.join("imp.png"),
        "Feature importance",
        "importance",
    )
    .unwrap();
    assert_png(&dir.join("imp.png"), (1024, 768));
    plot::bar_chart(
        &labels,
        &values,
        dir.join("imp.svg"),
        "Feature importance",
        "importance",
    )
    .unwrap();
    assert_svg(&dir.join("imp.svg"), "Feature importance");
    let text = std::fs::read_to_string(dir.join("imp.svg")).unwrap();
    assert!(text.contains("sepal width") && text.contains("-0.080"));
}

#[test]
fn bar_chart_rejects_mismatched_lengths_and_non_finite_values() {
    let dir = out_dir("bars_bad");
    let labels = vec!["a".to_string(), "b".to_string()];
    let err = plot::bar_chart(&labels, &[1.0], dir.join("a.png"), "t", "x").unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
    let err = plot::bar_chart(&labels, &[1.0, f32::NAN], dir.join("b.png"), "t", "x").unwrap_err();
    assert!(matches!(err, Error::NonFinite { .. }), "{err}");
    let err = plot::bar_chart(&[], &[], dir.join("c.png"), "t", "x").unwrap_err();
    assert!(matches!(err, Error::EmptyInput { .. }), "{err}");
}
