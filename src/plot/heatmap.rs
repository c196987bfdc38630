//! The confusion-matrix heatmap.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Chart, DrawResult, FONT, Sizes, UNIT, text_width};
use crate::error::{Error, Result};

pub(super) struct Heatmap<'a> {
    matrix: &'a [Vec<u64>],
    names: &'a [String],
    title: &'a str,
}

impl<'a> Heatmap<'a> {
    pub(super) fn new(matrix: &'a [Vec<u64>], names: &'a [String], title: &'a str) -> Result<Self> {
        let n = matrix.len();
        if n == 0 {
            return Err(Error::empty(
                "plot::confusion_matrix_heatmap: the matrix has no rows",
            ));
        }
        if let Some((i, row)) = matrix.iter().enumerate().find(|(_, row)| row.len() != n) {
            return Err(Error::shape(
                format!("plot::confusion_matrix_heatmap: row {i} of the matrix"),
                format!("{n} columns (a square matrix)"),
                &[row.len()],
            ));
        }
        if names.len() != n {
            return Err(Error::shape(
                "plot::confusion_matrix_heatmap: class_names",
                format!("{n} names, one per matrix row"),
                &[names.len()],
            ));
        }
        Ok(Heatmap { matrix, names, title })
    }
}

/// The shade of a cell holding `fraction` of its row: white to matplotlib's `Blues` dark end.
fn shade(fraction: f64) -> RGBColor {
    let f = fraction.clamp(0.0, 1.0);
    let mix = |light: f64, dark: f64| (light + (dark - light) * f).round() as u8;
    RGBColor(mix(247.0, 8.0), mix(251.0, 48.0), mix(255.0, 107.0))
}

impl Chart for Heatmap<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let sizes = Sizes::for_height(root.dim_in_pixel().1);
        let n = self.matrix.len();
        let end = n as i32 * UNIT;
        root.fill(&WHITE)?;
        let area = root.margin(10, 0, 0, 0).titled(self.title, (FONT, sizes.title))?;

        // A square plot, centred, with room for the longest class name on the left.
        let longest = self
            .names
            .iter()
            .map(|s| text_width(s, sizes.label))
            .max()
            .unwrap_or(0);
        let y_label_area = (longest + (sizes.desc * 1.8) as u32).clamp(60, 300);
        let x_label_area = (sizes.label * 4.0) as u32;
        let (w, h) = area.dim_in_pixel();
        let margin = 20u32;
        let side =
            (w.saturating_sub(y_label_area + 2 * margin)).min(h.saturating_sub(x_label_area + 2 * margin));
        let left = (w.saturating_sub(side + y_label_area)) / 2;
        let right = w.saturating_sub(left + y_label_area + side);
        let bottom = h.saturating_sub(side + x_label_area + margin);
        let area = area.margin(margin, bottom, left, right);

        // Integer coordinates, UNIT per cell, ticks at the cell centres. Row 0 is drawn at the
        // top: true class i occupies y in [(n-1-i)·UNIT, (n-i)·UNIT].
        let centres: Vec<i32> = (0..n as i32).map(|i| i * UNIT + UNIT / 2).collect();
        let names = self.names;
        let x_name = |x: &i32| names.get((x / UNIT) as usize).cloned().unwrap_or_default();
        let y_name = |y: &i32| {
            names
                .get(n.wrapping_sub(1 + (y / UNIT) as usize))
                .cloned()
                .unwrap_or_default()
        };
        let mut chart = ChartBuilder::on(&area)
            .x_label_area_size(x_label_area)
            .y_label_area_size(y_label_area)
            .build_cartesian_2d(
                (0..end).with_key_points(centres.clone()),
                (0..end).with_key_points(centres),
            )?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_label_formatter(&x_name)
            .y_label_formatter(&y_name)
            .x_desc("predicted")
            .y_desc("true")
            .label_style((FONT, sizes.label))
            .axis_desc_style((FONT, sizes.desc))
            .draw()?;

        let cell_px = f64::from(side) / n as f64;
        let count_size = (cell_px * 0.3).clamp(8.0, sizes.caption);
        for (i, row) in self.matrix.iter().enumerate() {
            let total: u64 = row.iter().sum();
            let y0 = (n - 1 - i) as i32 * UNIT;
            for (j, &count) in row.iter().enumerate() {
                let fraction = if total == 0 {
                    0.0
                } else {
                    count as f64 / total as f64
                };
                let x0 = j as i32 * UNIT;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x0, y0), (x0 + UNIT, y0 + UNIT)],
                    shade(fraction).filled(),
                )))?;
                let ink = if fraction > 0.5 { WHITE } else { BLACK };
                let style = (FONT, count_size)
                    .into_font()
                    .color(&ink)
                    .pos(Pos::new(HPos::Center, VPos::Center));
                chart.draw_series(std::iter::once(
                    EmptyElement::at((x0 + UNIT / 2, y0 + UNIT / 2))
                        + Text::new(count.to_string(), (0, 0), style),
                ))?;
            }
        }
        // Thin white lines between the cells.
        let grid = WHITE.stroke_width(1);
        chart.draw_series(
            (1..n as i32).map(|k| PathElement::new(vec![(k * UNIT, 0), (k * UNIT, end)], grid)),
        )?;
        chart.draw_series(
            (1..n as i32).map(|k| PathElement::new(vec![(0, k * UNIT), (end, k * UNIT)], grid)),
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shade_runs_from_near_white_to_dark_blue() {
        assert_eq!(shade(0.0), RGBColor(247, 251, 255));
        assert_eq!(shade(1.0), RGBColor(8, 48, 107));
    }
}
