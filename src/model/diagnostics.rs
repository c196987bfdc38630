//! Explaining the training process: per-layer statistics recorded every epoch, and a
//! plain-language verdict on over- and underfitting.
//!
//! With [`FitConfig::diagnostics`](super::FitConfig::diagnostics) on, `fit` records for every
//! layer with weights (series `diag/{layer}/...` in the [`History`]):
//! - `weight_norm`: the L2 norm of the layer's weights at the end of the epoch;
//! - `grad_norm`: the mean over the epoch's steps of the L2 norm of the weight gradient;
//! - `update_ratio`: the mean over steps of `‖Δw‖ / ‖w‖` (`w` before the step), the relative size of one update
//!   (around 1e-3 is the usual healthy range; much larger means too high a learning rate);
//!
//! and for every activation layer, on a probe batch of up to 256 training samples in
//! evaluation mode at the end of the epoch:
//! - `dead_fraction` (ReLU family): the fraction of units whose output is 0 for every probe
//!   sample;
//! - `saturated_fraction` (sigmoid, tanh): the fraction of outputs within 0.01 of the
//!   function's bounds (`σ < 0.01` or `σ > 0.99`; `|tanh| > 0.99`), where gradients vanish.

use super::History;
use crate::error::Result;
use crate::layer::{Layer, Mode, ParamKind};
use crate::tensor::Tensor;

/// Rows of the probe batch used for activation statistics.
const PROBE_ROWS: usize = 256;

/// Per-epoch accumulation of the diagnostics.
#[derive(Debug, Default)]
pub(crate) struct DiagState {
    before: Vec<Vec<f32>>,
    ratio_sum: Vec<f64>,
    grad_sum: Vec<f64>,
    steps: usize,
    probe: Tensor,
}

fn weights<'a>(layer: &'a dyn Layer) -> impl Iterator<Item = &'a [f32]> + 'a {
    layer
        .params()
        .iter()
        .filter(|p| p.kind() == ParamKind::Weight)
        .map(|p| p.value().as_slice())
}

fn sq(values: impl Iterator<Item = f32>) -> f64 {
    values.map(|v| v as f64 * v as f64).sum()
}

impl DiagState {
    pub(crate) fn new(layers: &[Box<dyn Layer>], x: &Tensor) -> Result<Self> {
        let rows: Vec<usize> = (0..x.batch_size().min(PROBE_ROWS)).collect();
        Ok(DiagState {
            before: layers
                .iter()
                .map(|l| weights(l.as_ref()).flatten().copied().collect())
                .collect(),
            ratio_sum: vec![0.0; layers.len()],
            grad_sum: vec![0.0; layers.len()],
            steps: 0,
            probe: x.select_rows(&rows)?,
        })
    }

    /// Remembers the weights before a step (reusing the buffers).
    pub(crate) fn before_step(&mut self, layers: &[Box<dyn Layer>]) {
        for (buf, l) in self.before.iter_mut().zip(layers) {
            let mut off = 0;
            for w in weights(l.as_ref()) {
                buf[off..off + w.len()].copy_from_slice(w);
                off += w.len();
            }
        }
    }

    /// Accumulates the update ratio and gradient norm of the step just taken.
    pub(crate) fn after_step(&mut self, layers: &[Box<dyn Layer>]) {
        for (i, l) in layers.iter().enumerate() {
            let mut off = 0;
            let (mut delta, mut norm, mut grad) = (0.0f64, 0.0f64, 0.0f64);
            for p in l.params().iter().filter(|p| p.kind() == ParamKind::Weight) {
                let w = p.value().as_slice();
                let old = &self.before[i][off..off + w.len()];
                delta += sq(w.iter().zip(old).map(|(a, b)| a - b));
                norm += sq(old.iter().copied());
                grad += sq(p.grad().as_slice().iter().copied());
                off += w.len();
            }
            if off > 0 {
                self.ratio_sum[i] += delta.sqrt() / norm.sqrt().max(1e-12);
                self.grad_sum[i] += grad.sqrt();
            }
        }
        self.steps += 1;
    }

    /// Pushes this epoch's figures into `history` and resets the accumulators.
    pub(crate) fn epoch_end(&mut self, layers: &mut [Box<dyn Layer>], history: &mut History) -> Result<()> {
        let steps = self.steps.max(1) as f64;
        for (i, l) in layers.iter().enumerate() {
            if self.before[i].is_empty() {
                continue;
            }
            let name = l.name();
            let norm = weights(l.as_ref())
                .map(|w| sq(w.iter().copied()))
                .sum::<f64>()
                .sqrt();
            history.push(&format!("diag/{name}/weight_norm"), norm as f32);
            history.push(
                &format!("diag/{name}/grad_norm"),
                (self.grad_sum[i] / steps) as f32,
            );
            history.push(
                &format!("diag/{name}/update_ratio"),
                (self.ratio_sum[i] / steps) as f32,
            );
        }
        self.ratio_sum.iter_mut().for_each(|v| *v = 0.0);
        self.grad_sum.iter_mut().for_each(|v| *v = 0.0);
        self.steps = 0;

        let mut cur = self.probe.clone();
        for l in layers.iter_mut() {
            let out = l.forward(&cur, Mode::Eval)?.clone();
            if let Some(act) = l.activation_name() {
                let name = l.name().to_string();
                match act {
                    "relu" | "leaky_relu" => {
                        history.push(&format!("diag/{name}/dead_fraction"), dead_fraction(&out));
                    }
                    "sigmoid" => {
                        let f = fraction(&out, |v| !(0.01..=0.99).contains(&v));
                        history.push(&format!("diag/{name}/saturated_fraction"), f);
                    }
                    "tanh" => {
                        let f = fraction(&out, |v| v.abs() > 0.99);
                        history.push(&format!("diag/{name}/saturated_fraction"), f);
                    }
                    _ => {}
                }
            }
            cur = out;
        }
        Ok(())
    }
}

/// Fraction of units (columns) that are `<= 0` for every sample (for LeakyReLU: negative).
fn dead_fraction(out: &Tensor) -> f32 {
    let v = out.view2();
    let cols = v.ncols().max(1);
    let dead = v
        .columns()
        .into_iter()
        .filter(|c| c.iter().all(|&x| x <= 0.0))
        .count();
    dead as f32 / cols as f32
}

fn fraction(out: &Tensor, pred: impl Fn(f32) -> bool) -> f32 {
    let n = out.len().max(1);
    out.as_slice().iter().filter(|&&v| pred(v)).count() as f32 / n as f32
}

/// What the train/validation curves say about the fit.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Validation loss was still improving at the end: more epochs or capacity may help.
    Underfitting,
    /// Training and validation loss settled together.
    GoodFit,
    /// Validation loss rose again while training loss kept falling, from this epoch (1-based).
    OverfittingFrom(usize),
}

/// The train/validation gap per epoch, the best epoch and a verdict.
#[derive(Clone, Debug, PartialEq)]
pub struct OverfittingReport {
    /// `val_loss − loss` per epoch.
    pub gap: Vec<f32>,
    /// The epoch (1-based) with the lowest validation loss.
    pub best_epoch: usize,
    /// The lowest validation loss.
    pub best_val_loss: f32,
    /// The verdict.
    pub verdict: Verdict,
    /// The verdict in plain language, with the figures behind it.
    pub summary: String,
}

/// Reads `loss` and `val_loss` from `history` and judges the fit:
/// - *overfitting from epoch b+1* when the last validation loss is more than 5% above the
///   best one (at epoch b) while the training loss has kept falling since b;
/// - *underfitting* when the best validation loss is in the last quarter of the epochs (at least
///   the last two) and
///   the validation loss fell by more than 2% over that quarter;
/// - *good fit* otherwise.
///
/// Returns `None` without a validation series (fit without validation data).
pub fn overfitting_report(history: &History) -> Option<OverfittingReport> {
    let (train, val) = (history.get("loss")?, history.get("val_loss")?);
    let n = train.len().min(val.len());
    if n == 0 {
        return None;
    }
    let gap: Vec<f32> = (0..n).map(|i| val[i] - train[i]).collect();
    let best = (0..n).fold(0, |b, i| if val[i] < val[b] { i } else { b });
    let last = n - 1;
    let quarter_start = n - n.div_ceil(4).max(2).min(n);
    let verdict = if val[last] > val[best] * 1.05 && train[last] < train[best] {
        Verdict::OverfittingFrom(best + 2)
    } else if best >= quarter_start && val[quarter_start] > 0.0 && val[last] < 0.98 * val[quarter_start] {
        Verdict::Underfitting
    } else {
        Verdict::GoodFit
    };
    let summary = match &verdict {
        Verdict::OverfittingFrom(e) => format!(
            "Overfitting from epoch {e}: validation loss was lowest at epoch {} ({:.4}) and rose to {:.4} while training loss fell from {:.4} to {:.4}; stop at epoch {} or regularize.",
            best + 1,
            val[best],
            val[last],
            train[best],
            train[last],
            best + 1
        ),
        Verdict::Underfitting => format!(
            "Underfitting: validation loss was still falling at the end ({:.4} → {:.4} over the last {} epochs); train longer or give the model more capacity.",
            val[quarter_start],
            val[last],
            n - quarter_start
        ),
        Verdict::GoodFit => format!(
            "Good fit: validation loss settled at {:.4} (best {:.4} at epoch {}), train/validation gap {:.4}.",
            val[last],
            val[best],
            best + 1,
            gap[last]
        ),
    };
    Some(OverfittingReport {
        gap,
        best_epoch: best + 1,
        best_val_loss: val[best],
        verdict,
        summary,
    })
}
