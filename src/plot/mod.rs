//! Plots of training runs and results — learning curves, several curves in one chart, a
//! confusion-matrix heatmap, horizontal bar charts — written to PNG or SVG with
//! [`plotters`](https://docs.rs/plotters), in the spirit of Keras users' matplotlib plots of a
//! `History`.
//!
//! The format follows the path's extension: `.png` (a bitmap) or `.svg` (text elements that the
//! viewer renders); any other extension is [`Error::InvalidConfig`]. Figures are 1024×768
//! pixels unless drawn through a [`Figure`] of another size. A file that cannot be written is
//! [`Error::Io`] naming the path; the file is written only once the whole figure is drawn, so
//! a failed plot leaves no partial file.
//!
//! **No system libraries.** This module exists with the `plots` cargo feature (on by default;
//! a dependent crate can turn it off with `default-features = false`). plotters is built
//! without its default features: no fontconfig, no freetype, no `font-kit`. Text is drawn by
//! `ab_glyph` with one embedded open font, **DejaVu Sans** (`src/plot/DejaVuSans.ttf`, taken
//! from matplotlib's wheel; Bitstream Vera / DejaVu licence, which allows bundling, in
//! `src/plot/LICENSE-DejaVuSans.txt`), registered once as plotters' `"sans-serif"` family. So
//! plots render identically on a bare machine with no fonts installed. (If another crate in the
//! same build turns on plotters' `ttf` feature, plotters draws with system fonts instead.)
//!
//! ```no_run
//! use trustnn::History;
//!
//! let mut history = History::default();
//! for (loss, val_loss) in [(0.9, 1.0), (0.5, 0.6), (0.3, 0.45)] {
//!     history.push("loss", loss);
//!     history.push("val_loss", val_loss);
//! }
//! trustnn::plot::learning_curves(&history, "curves.png", "MLP on digits")?;
//! trustnn::plot::Figure::new(800, 600)?.learning_curves(&history, "curves.svg", "MLP on digits")?;
//! # Ok::<(), trustnn::Error>(())
//! ```

mod bars;
mod curves;
mod heatmap;

use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{Error, Result};
use crate::model::History;

/// DejaVu Sans (Bitstream Vera / DejaVu licence; see `LICENSE-DejaVuSans.txt` beside it).
static DEJAVU_SANS: &[u8] = include_bytes!("DejaVuSans.ttf");

/// The font family every chart uses; DejaVu Sans is registered under this name.
pub(crate) const FONT: &str = "sans-serif";

/// Registers the embedded font with plotters, once per process (also used by
/// [`crate::explain`]'s heatmaps).
pub(crate) fn ensure_font() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED
        .get_or_init(|| plotters::style::register_font(FONT, FontStyle::Normal, DEJAVU_SANS).is_ok());
    if ok {
        Ok(())
    } else {
        Err(Error::Format {
            context: "plot: embedded DejaVuSans.ttf".into(),
            reason: "the font could not be parsed".into(),
        })
    }
}

/// The output formats, chosen by the path's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Png,
    Svg,
}

fn format_of(path: &Path) -> Result<Format> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("png") => Ok(Format::Png),
        Some("svg") => Ok(Format::Svg),
        _ => Err(Error::config(
            "plot path",
            path.display(),
            "the extension must be .png or .svg",
        )),
    }
}

/// Something that draws itself on any plotters backend.
trait Chart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

type DrawResult<DB> = std::result::Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// The size of the figures drawn through it; the free functions of this module draw with
/// [`Figure::default()`] (1024×768).
///
/// ```
/// use trustnn::plot::Figure;
/// assert_eq!(Figure::default(), Figure::new(1024, 768)?);
/// assert!(Figure::new(10, 768).is_err());
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Figure {
    width: u32,
    height: u32,
}

impl Default for Figure {
    fn default() -> Self {
        Figure {
            width: 1024,
            height: 768,
        }
    }
}

impl Figure {
    /// Smallest accepted side, in pixels.
    pub const MIN_SIDE: u32 = 200;
    /// Largest accepted side, in pixels.
    pub const MAX_SIDE: u32 = 8192;

    /// A figure of `width` × `height` pixels; each side must be in
    /// [`MIN_SIDE`](Self::MIN_SIDE)`..=`[`MAX_SIDE`](Self::MAX_SIDE).
    pub fn new(width: u32, height: u32) -> Result<Self> {
        for (name, side) in [("Figure.width", width), ("Figure.height", height)] {
            if !(Self::MIN_SIDE..=Self::MAX_SIDE).contains(&side) {
                return Err(Error::config(
                    name,
                    side,
                    format!("must be in {}..={} pixels", Self::MIN_SIDE, Self::MAX_SIDE),
                ));
            }
        }
        Ok(Figure { width, height })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// [`learning_curves`] at this figure's size.
    pub fn learning_curves(&self, history: &History, path: impl AsRef<Path>, title: &str) -> Result<()> {
        let chart = curves::LearningCurves::new(history, title)?;
        self.render(path.as_ref(), &chart)
    }

    /// [`training_diagnostics`] at this figure's size.
    pub fn training_diagnostics(&self, history: &History, path: impl AsRef<Path>, title: &str) -> Result<()> {
        let chart = curves::LearningCurves::diagnostics(history, title)?;
        self.render(path.as_ref(), &chart)
    }

    /// [`line_chart`] at this figure's size.
    pub fn line_chart(
        &self,
        series: &[(String, Vec<(f32, f32)>)],
        path: impl AsRef<Path>,
        title: &str,
        x_label: &str,
        y_label: &str,
    ) -> Result<()> {
        let chart = curves::LineChart::new(series, title, x_label, y_label)?;
        self.render(path.as_ref(), &chart)
    }

    /// [`confusion_matrix_heatmap`] at this figure's size.
    pub fn confusion_matrix_heatmap(
        &self,
        matrix: &[Vec<u64>],
        class_names: &[String],
        path: impl AsRef<Path>,
        title: &str,
    ) -> Result<()> {
        let chart = heatmap::Heatmap::new(matrix, class_names, title)?;
        self.render(path.as_ref(), &chart)
    }

    /// [`bar_chart`] at this figure's size.
    pub fn bar_chart(
        &self,
        labels: &[String],
        values: &[f32],
        path: impl AsRef<Path>,
        title: &str,
        x_label: &str,
    ) -> Result<()> {
        let chart = bars::BarChart::new(labels, values, title, x_label)?;
        self.render(path.as_ref(), &chart)
    }

    /// Draws `chart` in the format of `path`'s extension, then writes the file.
    fn render(&self, path: &Path, chart: &impl Chart) -> Result<()> {
        let format = format_of(path)?;
        ensure_font()?;
        let (w, h) = (self.width, self.height);
        let bytes = match format {
            Format::Png => {
                let mut pixels = vec![255u8; w as usize * h as usize * 3];
                // The drawing area is a temporary: dropped, it has written into `pixels`.
                draw_on(
                    chart,
                    &BitMapBackend::with_buffer(&mut pixels, (w, h)).into_drawing_area(),
                    path,
                )?;
                encode_png(&pixels, w, h).map_err(|e| Error::Format {
                    context: path.display().to_string(),
                    reason: format!("PNG encoding failed: {e}"),
                })?
            }
            Format::Svg => {
                let mut svg = String::new();
                // The drawing area is a temporary: dropped, it has written into `svg`.
                draw_on(
                    chart,
                    &SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area(),
                    path,
                )?;
                svg.into_bytes()
            }
        };
        std::fs::write(path, bytes).map_err(|e| {
            Error::Io(std::io::Error::new(
                e.kind(),
                format!("cannot write plot {}: {e}", path.display()),
            ))
        })
    }
}

/// Draws `chart` on `root` and presents it (flushes it to the backend's buffer); a failure
/// is reported as [`drawing_error`] of `path`.
fn draw_on<DB: DrawingBackend>(chart: &impl Chart, root: &DrawingArea<DB, Shift>, path: &Path) -> Result<()> {
    chart.draw(root).map_err(|e| drawing_error(path, e))?;
    root.present().map_err(|e| drawing_error(path, e))
}

fn drawing_error<E: std::error::Error + Send + Sync>(path: &Path, e: DrawingAreaErrorKind<E>) -> Error {
    Error::Format {
        context: format!("plot {}", path.display()),
        reason: format!("drawing failed: {e}"),
    }
}

fn encode_png(rgb: &[u8], w: u32, h: u32) -> std::result::Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(out)
}

/// Learning curves of a [`History`], drawn to `path` (`.png` or `.svg`) at 1024×768.
///
/// One panel per quantity, epochs (from 1) on x: the first panel shows `loss` with
/// `val_loss`, then each other series (`accuracy`, ...) with its `val_` counterpart, in
/// sorted order; a `val_` series without a training series gets its own panel. Non-finite
/// values are left out of the lines.
///
/// Errors: an empty history (no epochs) is [`Error::EmptyInput`]; a path not ending in
/// `.png`/`.svg` is [`Error::InvalidConfig`]; a file that cannot be written is [`Error::Io`].
pub fn learning_curves(history: &History, path: impl AsRef<Path>, title: &str) -> Result<()> {
    Figure::default().learning_curves(history, path, title)
}

/// The per-layer training diagnostics recorded by `fit` with
/// [`FitConfig::diagnostics`](crate::FitConfig::diagnostics): one panel per quantity (weight
/// norm, gradient norm, update-to-weight ratio, dead ReLU fraction, saturated fraction), one
/// line per layer, epochs on x; drawn to `path` (`.png` or `.svg`) at 1024×768.
///
/// Errors: a history without `diag/` series is [`Error::EmptyInput`]; the path's extension and
/// write failures as for [`learning_curves`].
pub fn training_diagnostics(history: &History, path: impl AsRef<Path>, title: &str) -> Result<()> {
    Figure::default().training_diagnostics(history, path, title)
}

/// A reliability diagram: the accuracy of each confidence bin against its mean confidence
/// (non-empty bins), beside the diagonal of perfect calibration, with the ECE in the title;
/// drawn to `path` (`.png` or `.svg`) at 1024×768.
///
/// Errors: no non-empty bin is [`Error::EmptyInput`]; the path's extension and write failures
/// as for [`learning_curves`].
pub fn reliability_diagram(
    calibration: &crate::monitor::Calibration,
    path: impl AsRef<Path>,
    title: &str,
) -> Result<()> {
    let model: Vec<(f32, f32)> = calibration
        .bins
        .iter()
        .filter_map(|b| Some((b.mean_confidence? as f32, b.accuracy? as f32)))
        .collect();
    if model.is_empty() {
        return Err(Error::empty("plot::reliability_diagram: every bin is empty"));
    }
    let series = vec![
        ("perfect calibration".to_string(), vec![(0.0, 0.0), (1.0, 1.0)]),
        ("model".to_string(), model),
    ];
    let title = format!("{title} (ECE {:.4})", calibration.ece);
    line_chart(&series, path, &title, "confidence", "accuracy")
}

/// Several named curves `(x, y)` in one chart with a legend (e.g. the validation accuracy of
/// each optimizer per epoch), drawn to `path` (`.png` or `.svg`) at 1024×768. Points with
/// a non-finite coordinate are left out.
///
/// Errors: no series, or no finite point at all, is [`Error::EmptyInput`]; the path's
/// extension and write failures as for [`learning_curves`].
pub fn line_chart(
    series: &[(String, Vec<(f32, f32)>)],
    path: impl AsRef<Path>,
    title: &str,
    x_label: &str,
    y_label: &str,
) -> Result<()> {
    Figure::default().line_chart(series, path, title, x_label, y_label)
}

/// A confusion matrix as a heatmap, drawn to `path` (`.png` or `.svg`) at 1024×768.
///
/// `matrix[i][j]` counts the samples of true class `i` predicted as class `j` (rows true,
/// columns predicted, as scikit-learn's `confusion_matrix`). Each cell is shaded by its
/// row-normalized value (the fraction of class `i` predicted as `j`, so the diagonal shows
/// each class' recall; a row without samples is left white) and shows its count.
///
/// Errors: an empty matrix is [`Error::EmptyInput`]; a matrix that is not square, or
/// `class_names` of another length, is [`Error::ShapeMismatch`]; the path's extension and write
/// failures as for [`learning_curves`].
pub fn confusion_matrix_heatmap(
    matrix: &[Vec<u64>],
    class_names: &[String],
    path: impl AsRef<Path>,
    title: &str,
) -> Result<()> {
    Figure::default().confusion_matrix_heatmap(matrix, class_names, path, title)
}

/// A horizontal bar chart, `labels[i]` with bar length `values[i]` (first label at the top),
/// drawn to `path` (`.png` or `.svg`) at 1024×768. Values may be negative (bars to the left
/// of zero, drawn in another colour); each bar is annotated with its value.
///
/// Errors: no labels is [`Error::EmptyInput`]; `values` of another length than `labels` is
/// [`Error::ShapeMismatch`]; a non-finite value is [`Error::NonFinite`]; the path's extension
/// and write failures as for [`learning_curves`].
pub fn bar_chart(
    labels: &[String],
    values: &[f32],
    path: impl AsRef<Path>,
    title: &str,
    x_label: &str,
) -> Result<()> {
    Figure::default().bar_chart(labels, values, path, title, x_label)
}

/// matplotlib's `tab10` colours, used in order for series.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Size of one row or column of a categorical axis, in the integer chart coordinates of the
/// heatmap and the bar chart (ticks go at `k * UNIT + UNIT / 2`).
const UNIT: i32 = 20;

/// Light grey of grid lines and legend borders.
const GRID: RGBColor = RGBColor(225, 225, 225);

/// Font sizes, in pixels, for a 1024×768 figure (scaled with the figure's height).
struct Sizes {
    title: f64,
    caption: f64,
    label: f64,
    desc: f64,
}

impl Sizes {
    fn for_height(height: u32) -> Self {
        let k = (f64::from(height) / 768.0).clamp(0.5, 3.0);
        Sizes {
            title: 30.0 * k,
            caption: 22.0 * k,
            label: 16.0 * k,
            desc: 18.0 * k,
        }
    }
}

/// `lo..hi` covering the finite values with 5% room each side (a unit range around a
/// constant; `0..1` when there is no finite value).
fn padded_range(values: impl Iterator<Item = f32>) -> (f32, f32) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        return (0.0, 1.0);
    }
    let span = hi - lo;
    let pad = if span > f32::EPSILON * lo.abs().max(hi.abs()).max(1e-30) {
        0.05 * span
    } else if lo != 0.0 {
        // A constant series (e.g. a fixed learning rate of 1e-3): pad relative to its value.
        0.05 * lo.abs()
    } else {
        0.05
    };
    (lo - pad, hi + pad)
}

/// Width in pixels of `text` at font size `size`, roughly: plotters draws a font of size `s`
/// with an em of `s / 1.24` pixels, and DejaVu Sans averages about 0.6 em per character.
fn text_width(text: &str, size: f64) -> u32 {
    (text.chars().count() as f64 * size * 0.5).ceil() as u32
}

/// An axis tick as a person writes it: `2` rather than `2.0`, `0.35` rather than `0.3500001`,
/// scientific notation for tiny or huge magnitudes.
fn tick(v: &f32) -> String {
    let v = *v;
    let a = v.abs();
    // Below 1e-12 a tick is float noise of a step around zero (e.g. -0.02 + 0.02).
    if a < 1e-12 {
        "0".into()
    } else if !(1e-3..1e6).contains(&a) {
        format!("{v:.1e}")
    } else {
        let s = format!("{v:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" { "0".into() } else { s.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_font_registers() {
        assert!(ensure_font().is_ok());
    }

    #[test]
    fn format_follows_extension_case_insensitively() {
        assert_eq!(format_of(Path::new("a/b.PNG")).unwrap(), Format::Png);
        assert_eq!(format_of(Path::new("b.svg")).unwrap(), Format::Svg);
        assert!(format_of(Path::new("b.jpg")).is_err());
        assert!(format_of(Path::new("png")).is_err());
    }

    #[test]
    fn ticks_drop_trailing_zeros_and_float_noise() {
        assert_eq!(tick(&2.0), "2");
        assert_eq!(tick(&0.35000002), "0.35");
        assert_eq!(tick(&-0.1), "-0.1");
        assert_eq!(tick(&0.0), "0");
        assert_eq!(tick(&6.9e-18), "0");
        assert_eq!(tick(&2.5e-5), "2.5e-5");
        assert_eq!(tick(&1234.5), "1234.5");
    }

    #[test]
    fn padded_range_pads_five_percent_and_handles_constants_and_nothing() {
        assert_eq!(padded_range([0.0, 10.0].into_iter()), (-0.5, 10.5));
        let (lo, hi) = padded_range([2.0, 2.0].into_iter());
        assert!((lo - 1.9).abs() < 1e-6 && (hi - 2.1).abs() < 1e-6, "{lo} {hi}");
        assert_eq!(padded_range([f32::NAN].into_iter()), (0.0, 1.0));
        let (lo, hi) = padded_range([1e-3, 1e-3].into_iter());
        assert!(
            (lo - 0.95e-3).abs() < 1e-9 && (hi - 1.05e-3).abs() < 1e-9,
            "{lo} {hi}"
        );
    }
}
