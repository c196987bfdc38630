//! Learning curves of a `History` and named line charts.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Chart, DrawResult, FONT, GRID, PALETTE, Sizes, padded_range, tick};
use crate::error::{Error, Result};
use crate::model::History;

/// One panel of the learning curves: a quantity, its training and validation series.
struct Panel<'a> {
    name: &'a str,
    lines: Vec<(&'a str, &'a [f32])>,
}

pub(super) struct LearningCurves<'a> {
    title: &'a str,
    epochs: usize,
    panels: Vec<Panel<'a>>,
}

impl<'a> LearningCurves<'a> {
    pub(super) fn new(history: &'a History, title: &'a str) -> Result<Self> {
        if history.epochs() == 0 {
            return Err(Error::empty("plot::learning_curves: the history has no epochs"));
        }
        // Quantities: each series name without its `val_` prefix, `loss` first.
        // Diagnostics (`diag/...`) have their own plot, `training_diagnostics`.
        let mut bases: Vec<&str> = history
            .names()
            .filter(|n| !n.starts_with("diag/"))
            .map(|n| n.strip_prefix("val_").unwrap_or(n))
            .collect();
        bases.sort_by_key(|b| (*b != "loss", *b));
        bases.dedup();
        let panels = bases
            .into_iter()
            .map(|base| {
                let lines = history
                    .series()
                    .iter()
                    .filter(|(name, _)| name.as_str() == base || name.strip_prefix("val_") == Some(base))
                    .map(|(name, values)| (name.as_str(), values.as_slice()))
                    .collect::<Vec<_>>();
                Panel { name: base, lines }
            })
            .collect();
        Ok(LearningCurves {
            title,
            epochs: history.epochs(),
            panels,
        })
    }
}

impl<'a> LearningCurves<'a> {
    /// The per-layer training diagnostics: one panel per quantity (`weight_norm`,
    /// `grad_norm`, `update_ratio`, `dead_fraction`, `saturated_fraction`), one line per layer.
    pub(super) fn diagnostics(history: &'a History, title: &'a str) -> Result<Self> {
        let mut panels: Vec<Panel<'a>> = Vec::new();
        for (name, values) in history.series() {
            let Some(rest) = name.strip_prefix("diag/") else {
                continue;
            };
            let Some((layer, quantity)) = rest.rsplit_once('/') else {
                continue;
            };
            match panels.iter_mut().find(|p| p.name == quantity) {
                Some(p) => p.lines.push((layer, values.as_slice())),
                None => panels.push(Panel {
                    name: quantity,
                    lines: vec![(layer, values.as_slice())],
                }),
            }
        }
        if panels.is_empty() {
            return Err(Error::empty(
                "plot::training_diagnostics: the history has no diagnostics (fit with FitConfig::diagnostics(true))",
            ));
        }
        let order = [
            "weight_norm",
            "grad_norm",
            "update_ratio",
            "dead_fraction",
            "saturated_fraction",
        ];
        panels.sort_by_key(|p| order.iter().position(|o| *o == p.name).unwrap_or(order.len()));
        Ok(LearningCurves {
            title,
            epochs: history.epochs(),
            panels,
        })
    }
}

/// Draws `points` as a 2-pixel line in `color` with the legend entry `name`, and a 3-pixel
/// filled circle at each point when `markers`.
fn draw_line<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    points: &[(X::ValueType, Y::ValueType)],
    name: &str,
    color: RGBColor,
    markers: bool,
) -> DrawResult<DB>
where
    DB: DrawingBackend + 'a,
    X: Ranged,
    Y: Ranged,
    X::ValueType: Copy + 'static,
    Y::ValueType: Copy + 'static,
{
    chart
        .draw_series(LineSeries::new(points.iter().copied(), color.stroke_width(2)))?
        .label(name)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(2)));
    if markers {
        chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
    }
    Ok(())
}

/// Draws the legend box of `chart`'s labelled series: at the upper right when the lines go
/// `down` (their ends are then low), else at the lower right.
fn draw_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    down: bool,
    sizes: &Sizes,
) -> DrawResult<DB> {
    chart
        .configure_series_labels()
        .position(if down {
            SeriesLabelPosition::UpperRight
        } else {
            SeriesLabelPosition::LowerRight
        })
        .label_font((FONT, sizes.label))
        .background_style(WHITE.mix(0.85))
        .border_style(GRID)
        .draw()
}

/// Rows and columns for `n` panels.
fn grid(n: usize) -> (usize, usize) {
    match n {
        0 | 1 => (1, 1),
        2 => (1, 2),
        3 | 4 => (2, 2),
        _ => (n.div_ceil(3), 3),
    }
}

impl Chart for LearningCurves<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let sizes = Sizes::for_height(root.dim_in_pixel().1);
        root.fill(&WHITE)?;
        let area = root.margin(10, 0, 0, 0).titled(self.title, (FONT, sizes.title))?;
        let cells = area.split_evenly(grid(self.panels.len()));
        // Integer epochs 1..=n on x; a single epoch sits in the middle of 0..=2.
        let x_range = if self.epochs == 1 {
            0..2
        } else {
            1..self.epochs as u32
        };
        let markers = self.epochs <= 40;
        for (panel, cell) in self.panels.iter().zip(&cells) {
            let (y_lo, y_hi) = padded_range(panel.lines.iter().flat_map(|(_, v)| v.iter().copied()));
            let mut chart = ChartBuilder::on(cell)
                .caption(panel.name, (FONT, sizes.caption))
                .margin(12)
                .x_label_area_size((sizes.label * 3.0) as u32)
                .y_label_area_size((sizes.label * 5.0) as u32)
                .build_cartesian_2d(x_range.clone(), y_lo..y_hi)?;
            chart
                .configure_mesh()
                .light_line_style(WHITE)
                .bold_line_style(GRID)
                .x_labels(self.epochs.clamp(2, 10))
                .y_labels(6)
                .y_label_formatter(&tick)
                .x_desc("epoch")
                .y_desc(panel.name)
                .label_style((FONT, sizes.label))
                .axis_desc_style((FONT, sizes.desc))
                .draw()?;
            let mut decreasing = false;
            for (i, (name, values)) in panel.lines.iter().enumerate() {
                // Training series first in the panel (sorted names put `x` before `val_x`).
                let color = PALETTE[i % PALETTE.len()];
                let points: Vec<(u32, f32)> = values
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.is_finite())
                    .map(|(e, &v)| (e as u32 + 1, v))
                    .collect();
                if let (Some(first), Some(last)) = (points.first(), points.last()) {
                    decreasing |= last.1 < first.1;
                }
                draw_line(&mut chart, &points, name, color, markers)?;
            }
            draw_legend(&mut chart, decreasing, &sizes)?;
        }
        Ok(())
    }
}

pub(super) struct LineChart<'a> {
    series: &'a [(String, Vec<(f32, f32)>)],
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    x_range: (f32, f32),
    y_range: (f32, f32),
}

impl<'a> LineChart<'a> {
    pub(super) fn new(
        series: &'a [(String, Vec<(f32, f32)>)],
        title: &'a str,
        x_label: &'a str,
        y_label: &'a str,
    ) -> Result<Self> {
        let finite = || {
            series
                .iter()
                .flat_map(|(_, points)| points.iter())
                .filter(|(x, y)| x.is_finite() && y.is_finite())
        };
        if finite().next().is_none() {
            return Err(Error::empty("plot::line_chart: no series with a finite point"));
        }
        let (x_lo, x_hi) = finite().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &(x, _)| {
            (lo.min(x), hi.max(x))
        });
        let x_range = if x_hi > x_lo {
            (x_lo, x_hi)
        } else {
            (x_lo - 0.5, x_hi + 0.5)
        };
        let y_range = padded_range(finite().map(|&(_, y)| y));
        Ok(LineChart {
            series,
            title,
            x_label,
            y_label,
            x_range,
            y_range,
        })
    }
}

impl Chart for LineChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let sizes = Sizes::for_height(root.dim_in_pixel().1);
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .caption(self.title, (FONT, sizes.title))
            .margin(20)
            .x_label_area_size((sizes.label * 3.2) as u32)
            .y_label_area_size((sizes.label * 5.0) as u32)
            .build_cartesian_2d(self.x_range.0..self.x_range.1, self.y_range.0..self.y_range.1)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .x_labels(10)
            .y_labels(8)
            .x_label_formatter(&tick)
            .y_label_formatter(&tick)
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .label_style((FONT, sizes.label))
            .axis_desc_style((FONT, sizes.desc))
            .draw()?;
        let mut decreasing = 0i32;
        for (i, (name, points)) in self.series.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let points: Vec<(f32, f32)> = points
                .iter()
                .copied()
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .collect();
            if let (Some(first), Some(last)) = (points.first(), points.last()) {
                decreasing += if last.1 < first.1 { 1 } else { -1 };
            }
            draw_line(&mut chart, &points, name, color, points.len() <= 40)?;
        }
        draw_legend(&mut chart, decreasing > 0, &sizes)?;
        Ok(())
    }
}
