//! [`Metric`]: quantities tracked during `fit` and reported by `evaluate`.
//!
//! Definitions follow scikit-learn: accuracy is the fraction of samples whose predicted
//! class equals the true class (`sklearn.metrics.accuracy_score`); mean squared and mean
//! absolute error average over every output value (`mean_squared_error`,
//! `mean_absolute_error` with uniform averaging over outputs). Sample weights are not
//! applied to metrics.

use crate::loss::OutputKind;
use crate::tensor::Tensor;

/// A quantity to track while training.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Metric {
    /// Fraction of correctly classified samples.
    Accuracy,
    /// Mean of squared differences over all output values.
    MeanSquaredError,
    /// Mean of absolute differences over all output values.
    MeanAbsoluteError,
}

impl Metric {
    /// The name used in [`crate::History`] (`"accuracy"`, `"mse"`, `"mae"`).
    pub fn name(&self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::MeanSquaredError => "mse",
            Metric::MeanAbsoluteError => "mae",
        }
    }

    /// The metric of predictions `pred` (raw model outputs, read according to the loss'
    /// output `kind`) against `target`, over all samples.
    pub(crate) fn value(&self, kind: OutputKind, pred: &Tensor, target: &Tensor) -> f32 {
        let n = pred.batch_size();
        match self {
            Metric::Accuracy => {
                let p = classes(kind, pred);
                let correct = (0..n)
                    .filter(|&i| Some(p(i)) == true_class(kind, pred, target, i))
                    .count();
                (correct as f64 / n.max(1) as f64) as f32
            }
            Metric::MeanSquaredError | Metric::MeanAbsoluteError => {
                let sq = *self == Metric::MeanSquaredError;
                let s: f64 = pred
                    .as_slice()
                    .iter()
                    .zip(target.as_slice())
                    .map(|(&p, &t)| {
                        let d = (p - t) as f64;
                        if sq { d * d } else { d.abs() }
                    })
                    .sum();
                (s / pred.len().max(1) as f64) as f32
            }
        }
    }
}

/// The predicted class of each sample of a model output, by the loss' output kind.
pub(crate) fn classes(kind: OutputKind, pred: &Tensor) -> impl Fn(usize) -> usize + '_ {
    let c = pred.sample_size().max(1);
    let data = pred.as_slice();
    move |i| {
        let row = &data[i * c..(i + 1) * c];
        match kind {
            OutputKind::BinaryLogit | OutputKind::BinaryMargin | OutputKind::Regression if c == 1 => {
                usize::from(row[0] >= 0.0)
            }
            OutputKind::BinaryProbability if c == 1 => usize::from(row[0] >= 0.5),
            _ => argmax(row),
        }
    }
}

fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (j, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = j;
        }
    }
    best
}

/// The true class of sample `i`: a label (one value per sample), a 0/1 (or −1/1) binary
/// target, or the argmax of a one-hot / probability target.
fn true_class(kind: OutputKind, pred: &Tensor, target: &Tensor, i: usize) -> Option<usize> {
    let tc = target.sample_size().max(1);
    let row = &target.as_slice()[i * tc..(i + 1) * tc];
    if tc == 1 {
        let v = row[0];
        if pred.sample_size() <= 1 {
            let threshold = if kind == OutputKind::BinaryMargin {
                0.0
            } else {
                0.5
            };
            Some(usize::from(v > threshold))
        } else if v >= 0.0 && v.fract() == 0.0 {
            Some(v as usize)
        } else {
            None
        }
    } else {
        Some(argmax(row))
    }
}
