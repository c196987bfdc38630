//! Heatmaps of attributions beside their images (e.g. the 8×8 digits), written as PNG.

use std::path::Path;

use crate::error::{Error, Result};

/// One row of an [`attribution_heatmaps`] figure: an image and its attribution maps.
#[derive(Clone, Debug)]
pub struct HeatmapRow {
    /// The input image, `height × width` values, row-major (drawn in grey, white = lowest).
    pub image: Vec<f32>,
    /// Attribution maps of the same size (drawn red for positive, blue for negative, each map
    /// scaled by its own largest `|value|`).
    pub maps: Vec<Vec<f32>>,
}

/// Draws `rows` as a PNG grid at `path`: in each row the image, then each of its maps, every
/// cell `cell` pixels wide. Column meanings (e.g. "input, saliency, IG") belong in the
/// caller's legend; the figure has no text, so it needs no font.
///
/// Errors: no rows is [`Error::EmptyInput`]; an image or map of another size than
/// `height × width` is [`Error::ShapeMismatch`]; a write failure is an I/O error.
pub fn attribution_heatmaps(
    rows: &[HeatmapRow],
    height: usize,
    width: usize,
    cell: u32,
    path: impl AsRef<Path>,
) -> Result<()> {
    if rows.is_empty() || height == 0 || width == 0 || cell == 0 {
        return Err(Error::empty("attribution_heatmaps"));
    }
    let size = height * width;
    let cols = 1 + rows.iter().map(|r| r.maps.len()).max().unwrap_or(0);
    for r in rows {
        for m in std::iter::once(&r.image).chain(&r.maps) {
            if m.len() != size {
                return Err(Error::shape(
                    "attribution_heatmaps: image or map",
                    format!("{height}×{width} = {size}"),
                    &[m.len()],
                ));
            }
            if m.iter().any(|v| !v.is_finite()) {
                return Err(Error::config(
                    "attribution_heatmaps",
                    "a non-finite value",
                    "values must be finite",
                ));
            }
        }
    }
    let gap = cell;
    let pw = width as u32 * cell;
    let ph = height as u32 * cell;
    let w = cols as u32 * (pw + gap) + gap;
    let h = rows.len() as u32 * (ph + gap) + gap;
    let mut pixels = vec![255u8; w as usize * h as usize * 3];
    let mut rect = |x0: u32, y0: u32, x1: u32, y1: u32, c: [u8; 3]| {
        for y in y0..y1 {
            let row = (y * w) as usize * 3;
            for px in pixels[row + x0 as usize * 3..row + x1 as usize * 3].chunks_exact_mut(3) {
                px.copy_from_slice(&c);
            }
        }
    };
    for (ri, r) in rows.iter().enumerate() {
        let y0 = gap + ri as u32 * (ph + gap);
        for (ci, m) in std::iter::once(&r.image).chain(&r.maps).enumerate() {
            let x0 = gap + ci as u32 * (pw + gap);
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
    let path = path.as_ref();
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
    std::fs::write(path, out)?;
    Ok(())
}
