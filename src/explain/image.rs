//! Heatmaps of attributions beside their images (e.g. the 8×8 digits), with a title, column
//! titles (the method of each map) and a label per row (e.g. true and predicted class),
//! written as PNG.
//!
//! The cells are drawn straight into an RGB buffer; the text with plotters and `ab_glyph`,
//! using the embedded DejaVu Sans of [`crate::plot`] (so no system font is needed).

use std::path::Path;

use plotters::prelude::*;

use crate::error::{Error, Result};

use crate::plot::{FONT, ensure_font};

/// One row of a heatmap figure: an image, its attribution maps and a label.
#[derive(Clone, Debug, Default)]
pub struct HeatmapRow {
    /// Text left of the row, e.g. `"true 3\npred 5"` (`\n` breaks lines; empty for none).
    pub label: String,
    /// The input image, `height × width` values, row-major (drawn in grey, white = lowest).
    pub image: Vec<f32>,
    /// Attribution maps of the same size (drawn red for positive, blue for negative, each map
    /// scaled by its own largest `|value|`).
    pub maps: Vec<Vec<f32>>,
}

/// A figure of images and their attribution maps, one [`HeatmapRow`] per image: a title,
/// a title over each column (the image, then each map's method), the rows' labels on the
/// left and a caption (by default the colour legend) at the bottom.
///
/// ```no_run
/// use trustnn::explain::{HeatmapFigure, HeatmapRow};
/// let row = HeatmapRow {
///     label: "true 3\npred 3".into(),
///     image: vec![0.0; 64],
///     maps: vec![vec![0.1; 64], vec![-0.2; 64]],
/// };
/// HeatmapFigure::new(8, 8)
///     .title("Digits: attributions of the predicted class")
///     .columns(&["digit", "|saliency|", "IG"])
///     .write(&[row], "heatmaps.png")?;
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct HeatmapFigure {
    height: usize,
    width: usize,
    cell: u32,
    title: String,
    columns: Vec<String>,
    caption: String,
}

/// The default caption: how the colours read.
pub const HEATMAP_LEGEND: &str =
    "red: positive, blue: negative attribution; each map scaled by its largest |value|";

const TITLE_PX: u32 = 18;
const COLUMN_PX: u32 = 14;
const LABEL_PX: u32 = 13;
const CAPTION_PX: u32 = 12;

impl HeatmapFigure {
    /// A figure of `height × width` images, 16-pixel cells, no title or column titles, and
    /// [`HEATMAP_LEGEND`] as caption.
    pub fn new(height: usize, width: usize) -> Self {
        Self {
            height,
            width,
            cell: 16,
            title: String::new(),
            columns: Vec::new(),
            caption: HEATMAP_LEGEND.to_string(),
        }
    }
    /// Side of one image pixel in the figure, in pixels (default 16).
    pub fn cell(mut self, cell: u32) -> Self {
        self.cell = cell;
        self
    }
    /// The figure's title (empty for none).
    pub fn title(mut self, title: &str) -> Self {
        self.title = title.to_string();
        self
    }
    /// Column titles: the image's, then one per map (missing ones are left blank).
    pub fn columns(mut self, columns: &[&str]) -> Self {
        self.columns = columns.iter().map(|s| s.to_string()).collect();
        self
    }
    /// The caption under the grid (empty for none).
    pub fn caption(mut self, caption: &str) -> Self {
        self.caption = caption.to_string();
        self
    }

    /// Draws `rows` as a PNG at `path`.
    ///
    /// Errors: no rows, a zero size or cell is [`Error::EmptyInput`]; an image or map of
    /// another size than `height × width` is [`Error::ShapeMismatch`]; a non-finite value is
    /// [`Error::InvalidConfig`]; a write failure is an I/O error.
    pub fn write(&self, rows: &[HeatmapRow], path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let (height, width, cell) = (self.height, self.width, self.cell);
        if rows.is_empty() || height == 0 || width == 0 || cell == 0 {
            return Err(Error::empty("HeatmapFigure::write"));
        }
        let size = height * width;
        let cols = 1 + rows.iter().map(|r| r.maps.len()).max().unwrap_or(0);
        for r in rows {
            for m in std::iter::once(&r.image).chain(&r.maps) {
                if m.len() != size {
                    return Err(Error::shape(
                        "HeatmapFigure::write: image or map",
                        format!("{height}×{width} = {size}"),
                        &[m.len()],
                    ));
                }
                if m.iter().any(|v| !v.is_finite()) {
                    return Err(Error::config(
                        "HeatmapFigure::write",
                        "a non-finite value",
                        "values must be finite",
                    ));
                }
            }
        }
        let has_text = !self.title.is_empty()
            || !self.caption.is_empty()
            || self.columns.iter().any(|c| !c.is_empty())
            || rows.iter().any(|r| !r.label.is_empty());
        if has_text {
            ensure_font()?;
        }
        let text_size = |text: &str, px: u32| -> (u32, u32) {
            if text.is_empty() {
                return (0, 0);
            }
            (FONT, px)
                .into_font()
                .box_size(text)
                .unwrap_or((px * text.len() as u32 / 2, px))
        };

        // Layout.
        let gap = cell.max(8);
        let pw = width as u32 * cell;
        let ph = height as u32 * cell;
        let col_w = self
            .columns
            .iter()
            .map(|c| text_size(c, COLUMN_PX).0 + 6)
            .fold(pw, u32::max);
        let label_lines = |r: &HeatmapRow| r.label.lines().map(str::to_string).collect::<Vec<_>>();
        let label_w = rows
            .iter()
            .flat_map(|r| label_lines(r).into_iter().map(|l| text_size(&l, LABEL_PX).0))
            .max()
            .unwrap_or(0);
        let left = gap + if label_w > 0 { label_w + gap } else { 0 };
        let title_h = if self.title.is_empty() { 0 } else { TITLE_PX + 10 };
        let columns_h = if self.columns.iter().all(String::is_empty) {
            0
        } else {
            COLUMN_PX + 8
        };
        let top = gap + title_h + columns_h;
        let caption_h = if self.caption.is_empty() {
            0
        } else {
            CAPTION_PX + 8
        };
        let grid_w = cols as u32 * (col_w + gap) - gap;
        let w = (left + grid_w + gap)
            .max(text_size(&self.title, TITLE_PX).0 + 2 * gap)
            .max(text_size(&self.caption, CAPTION_PX).0 + 2 * gap);
        let h = top + rows.len() as u32 * (ph + gap) + caption_h;

        let mut pixels = vec![255u8; w as usize * h as usize * 3];
        let mut rect = |x0: u32, y0: u32, x1: u32, y1: u32, c: [u8; 3]| {
            for y in y0..y1 {
                let row = (y * w) as usize * 3;
                for px in pixels[row + x0 as usize * 3..row + x1 as usize * 3].chunks_exact_mut(3) {
                    px.copy_from_slice(&c);
                }
            }
        };
        let panel_x = |ci: usize| left + ci as u32 * (col_w + gap) + (col_w - pw) / 2;
        let panel_y = |ri: usize| top + ri as u32 * (ph + gap);
        for (ri, r) in rows.iter().enumerate() {
            let y0 = panel_y(ri);
            for (ci, m) in std::iter::once(&r.image).chain(&r.maps).enumerate() {
                let x0 = panel_x(ci);
                // A one-pixel black frame around each panel.
                rect(x0 - 1, y0 - 1, x0 + pw + 1, y0 + ph + 1, [0, 0, 0]);
                let (lo, hi) = m.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| {
                    (a.min(v), b.max(v))
                });
                let amax = lo.abs().max(hi.abs()).max(f32::MIN_POSITIVE);
                for (k, &v) in m.iter().enumerate() {
                    let color = if ci == 0 {
                        let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.0 };
                        let g = (255.0 * (1.0 - t)) as u8;
                        [g, g, g]
                    } else {
                        let t = (v / amax).clamp(-1.0, 1.0);
                        let fade = (255.0 * (1.0 - t.abs())) as u8;
                        if t >= 0.0 {
                            [255, fade, fade]
                        } else {
                            [fade, fade, 255]
                        }
                    };
                    let (py, px) = ((k / width) as u32, (k % width) as u32);
                    let (ax, ay) = (x0 + px * cell, y0 + py * cell);
                    rect(ax, ay, ax + cell, ay + cell, color);
                }
            }
        }

        if has_text {
            let fail = |e: &dyn std::fmt::Display| Error::Format {
                context: path.display().to_string(),
                reason: format!("drawing the heatmap text failed: {e}"),
            };
            let root = BitMapBackend::with_buffer(&mut pixels, (w, h)).into_drawing_area();
            let text = |s: &str, px: u32, x: u32, y: u32, centered: bool| -> Result<()> {
                if s.is_empty() {
                    return Ok(());
                }
                let x = if centered {
                    x.saturating_sub(text_size(s, px).0 / 2)
                } else {
                    x
                };
                root.draw(&Text::new(
                    s.to_string(),
                    (x as i32, y as i32),
                    (FONT, px).into_font().color(&BLACK),
                ))
                .map_err(|e| fail(&e))
            };
            text(&self.title, TITLE_PX, w / 2, gap / 2, true)?;
            for (ci, c) in self.columns.iter().take(cols).enumerate() {
                text(c, COLUMN_PX, panel_x(ci) + pw / 2, gap / 2 + title_h, true)?;
            }
            for (ri, r) in rows.iter().enumerate() {
                let lines = label_lines(r);
                let block = lines.len() as u32 * (LABEL_PX + 3);
                let y = panel_y(ri) + (ph.saturating_sub(block)) / 2;
                for (li, l) in lines.iter().enumerate() {
                    text(l, LABEL_PX, gap, y + li as u32 * (LABEL_PX + 3), false)?;
                }
            }
            text(
                &self.caption,
                CAPTION_PX,
                w / 2,
                h - gap / 2 - CAPTION_PX - 4,
                true,
            )?;
            root.present().map_err(|e| fail(&e))?;
        }

        let mut out = Vec::new();
        {
            let fmt = |e: png::EncodingError| Error::Format {
                context: path.display().to_string(),
                reason: format!("PNG encoding failed: {e}"),
            };
            let mut encoder = png::Encoder::new(&mut out, w, h);
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder.write_header().map_err(fmt)?;
            writer.write_image_data(&pixels).map_err(fmt)?;
            writer.finish().map_err(fmt)?;
        }
        std::fs::write(path, out).map_err(|e| {
            Error::Io(std::io::Error::new(
                e.kind(),
                format!("cannot write heatmap {}: {e}", path.display()),
            ))
        })
    }
}

/// Draws `rows` as a PNG grid at `path` with no title or column titles (each row's label is
/// drawn if not empty, and the colour legend as caption): in each row the image, then each
/// of its maps, every image pixel `cell` pixels wide. Shorthand for
/// [`HeatmapFigure::new`]`(height, width).cell(cell).write(rows, path)`; use
/// [`HeatmapFigure`] to name the columns.
///
/// Errors: as [`HeatmapFigure::write`].
pub fn attribution_heatmaps(
    rows: &[HeatmapRow],
    height: usize,
    width: usize,
    cell: u32,
    path: impl AsRef<Path>,
) -> Result<()> {
    HeatmapFigure::new(height, width).cell(cell).write(rows, path)
}
