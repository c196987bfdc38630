//! Horizontal bar charts.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Chart, DrawResult, FONT, GRID, PALETTE, Sizes, UNIT, text_width, tick};
use crate::error::{Error, Result};

pub(super) struct BarChart<'a> {
    labels: &'a [String],
    values: &'a [f32],
    title: &'a str,
    x_label: &'a str,
}

impl<'a> BarChart<'a> {
    pub(super) fn new(
        labels: &'a [String],
        values: &'a [f32],
        title: &'a str,
        x_label: &'a str,
    ) -> Result<Self> {
        if labels.is_empty() {
            return Err(Error::empty("plot::bar_chart: no labels"));
        }
        if values.len() != labels.len() {
            return Err(Error::shape(
                "plot::bar_chart: values",
                format!("{} values, one per label", labels.len()),
                &[values.len()],
            ));
        }
        if let Some((i, &v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(Error::NonFinite {
                context: "plot::bar_chart: values".into(),
                position: format!("index {i}"),
                value: v,
            });
        }
        Ok(BarChart {
            labels,
            values,
            title,
            x_label,
        })
    }
}

/// The value annotation written at the end of a bar.
fn annotation(v: f32) -> String {
    if v != 0.0 && (v.abs() >= 1e4 || v.abs() < 1e-3) {
        format!("{v:.2e}")
    } else {
        format!("{v:.3}")
    }
}

impl Chart for BarChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let sizes = Sizes::for_height(root.dim_in_pixel().1);
        let n = self.labels.len();
        let end = n as i32 * UNIT;
        root.fill(&WHITE)?;

        // x covers 0 and every value, with room on each used side for the annotations.
        let lo = self.values.iter().copied().fold(0f32, f32::min);
        let hi = self.values.iter().copied().fold(0f32, f32::max);
        let span = if hi > lo { hi - lo } else { 1.0 };
        let x_lo = if lo < 0.0 { lo - 0.15 * span } else { 0.0 };
        let x_hi = if hi > 0.0 || lo == 0.0 {
            hi + 0.15 * span
        } else {
            0.0
        };

        let longest = self
            .labels
            .iter()
            .map(|s| text_width(s, sizes.label))
            .max()
            .unwrap_or(0);
        // Integer y, UNIT per bar, ticks at the bar centres; labels[0] at the top: bar i
        // occupies y in [(n-1-i)·UNIT, (n-i)·UNIT].
        let centres: Vec<i32> = (0..n as i32).map(|i| i * UNIT + UNIT / 2).collect();
        let labels = self.labels;
        let y_name = |y: &i32| {
            labels
                .get(n.wrapping_sub(1 + (y / UNIT) as usize))
                .cloned()
                .unwrap_or_default()
        };
        let mut chart = ChartBuilder::on(root)
            .caption(self.title, (FONT, sizes.title))
            .margin(20)
            .x_label_area_size((sizes.label * 3.2) as u32)
            .y_label_area_size((longest + 20).clamp(40, 400))
            .build_cartesian_2d(x_lo..x_hi, (0..end).with_key_points(centres))?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .x_labels(8)
            .x_label_formatter(&tick)
            .y_label_formatter(&y_name)
            .x_desc(self.x_label)
            .label_style((FONT, sizes.label))
            .axis_desc_style((FONT, sizes.desc))
            .draw()?;

        let (positive, negative) = (PALETTE[0], PALETTE[3]);
        let pad = UNIT * 3 / 20;
        chart.draw_series(self.values.iter().enumerate().map(|(i, &v)| {
            let y0 = (n - 1 - i) as i32 * UNIT;
            let color = if v < 0.0 { negative } else { positive };
            Rectangle::new([(0.0, y0 + pad), (v, y0 + UNIT - pad)], color.filled())
        }))?;
        // The zero line.
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0), (0.0, end)],
            BLACK.stroke_width(1),
        )))?;
        let text_size = sizes
            .label
            .min(f64::from(root.dim_in_pixel().1) / n as f64 * 0.4)
            .max(8.0);
        chart.draw_series(self.values.iter().enumerate().map(|(i, &v)| {
            let y = (n - 1 - i) as i32 * UNIT + UNIT / 2;
            let (anchor, dx) = if v < 0.0 {
                (HPos::Right, -6)
            } else {
                (HPos::Left, 6)
            };
            let style = (FONT, text_size)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(anchor, VPos::Center));
            EmptyElement::at((v, y)) + Text::new(annotation(v), (dx, 0), style)
        }))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotation_uses_three_decimals_or_scientific_for_extremes() {
        assert_eq!(annotation(0.5), "0.500");
        assert_eq!(annotation(0.0), "0.000");
        assert_eq!(annotation(-12.25), "-12.250");
        assert_eq!(annotation(0.0001), "1.00e-4");
        assert_eq!(annotation(123456.0), "1.23e5");
    }
}
