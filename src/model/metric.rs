//! [`Metric`]: quantities tracked during `fit` and reported by `evaluate`, by value or by name.
//!
//! Every metric is computed by the function of [`crate::metrics`] with scikit-learn's
//! definition (one piece of code per definition); this module only turns the model's raw
//! outputs and the targets into that function's inputs, according to the loss'
//! [`OutputKind`]:
//!
//! - **classes** (accuracy, balanced accuracy, precision, recall, F1): the predicted class is
//!   the argmax of a multi-column output, and for one column `logit >= 0`,
//!   `probability >= 0.5` or `score >= 0` (hinge), as [`crate::Sequential::predict_classes`];
//!   the true class is the label, the argmax of a one-hot (or probability) target row, or for
//!   one-column binary targets `target > 0.5` (`target > 0` for ±1 hinge targets);
//! - **probabilities** (ROC AUC, log loss): the sigmoid of a binary logit, the softmax of
//!   multi-class logits, probabilities as they are, as
//!   [`crate::Sequential::predict_proba`]; ROC AUC also takes hinge scores directly;
//! - **values** (MSE, RMSE, MAE, R²): the outputs against the targets, one column per output.
//!
//! Sample weights are not applied to metrics.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

use crate::error::{Error, Result};
use crate::loss::OutputKind;
use crate::metrics::{self, Average};
use crate::tensor::Tensor;

/// A quantity to track while training ([`crate::FitConfig::metrics`]) or to report from
/// [`crate::Sequential::evaluate`].
///
/// Each has a name ([`Metric::name`], the key in [`crate::History`] and
/// [`crate::Evaluation`]) that [`Metric::from_name`] reads back:
///
/// | metric | name | definition |
/// |---|---|---|
/// | `Accuracy` | `accuracy` | [`metrics::accuracy`] |
/// | `BalancedAccuracy` | `balanced_accuracy` | [`metrics::balanced_accuracy`] |
/// | `Precision(Binary { pos_label: 1 })` | `precision` | [`metrics::precision`] |
/// | `Precision(Binary { pos_label: k })`, `k ≠ 1` | `precision_pos_label_k` | |
/// | `Precision(Macro)`, `(Micro)`, `(Weighted)` | `precision_macro`, `precision_micro`, `precision_weighted` | |
/// | `Recall(..)` | `recall`, `recall_pos_label_k`, `recall_macro`, ... | [`metrics::recall`] |
/// | `F1(..)` | `f1`, `f1_pos_label_k`, `f1_macro`, `f1_micro`, `f1_weighted` | [`metrics::f1`] |
/// | `RocAuc` | `roc_auc` | [`metrics::roc_auc_binary`] / [`metrics::roc_auc_ovr_macro`] |
/// | `LogLoss` | `log_loss` | [`metrics::log_loss`] |
/// | `MeanSquaredError` | `mse` | [`metrics::mean_squared_error`] |
/// | `RootMeanSquaredError` | `rmse` | [`metrics::root_mean_squared_error`] |
/// | `MeanAbsoluteError` | `mae` | [`metrics::mean_absolute_error`] |
/// | `R2` | `r2` | [`metrics::r2_score`] |
///
/// The names follow scikit-learn's scorer names where one exists (`"f1"`, `"f1_macro"`,
/// `"roc_auc"`, `"balanced_accuracy"`), without its `neg_` prefix for losses: use
/// [`Metric::greater_is_better`] to know the direction.
///
/// A metric that is undefined for the data it is given — ROC AUC when the epoch's targets hold
/// a single class, log loss of a hinge model, the binary average on more than two classes,
/// shapes that do not match — is NaN in the history and the evaluation (the training loop
/// does not stop for it). Call the [`crate::metrics`] function to get the reason as an error.
///
/// ```
/// use trustnn::{Metric, metrics::Average};
/// let m = Metric::from_name("f1_macro")?;
/// assert_eq!(m, Metric::F1(Average::Macro));
/// assert_eq!(m.name(), "f1_macro");
/// assert!(m.greater_is_better());
/// assert!(!Metric::LogLoss.greater_is_better());
/// assert!(Metric::from_name("f2").is_err());
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Metric {
    /// Fraction of correctly classified samples (`"accuracy"`).
    Accuracy,
    /// Mean of squared differences over all output values (`"mse"`).
    MeanSquaredError,
    /// Mean of absolute differences over all output values (`"mae"`).
    MeanAbsoluteError,
    /// Mean recall of the classes present in the targets (`"balanced_accuracy"`).
    BalancedAccuracy,
    /// Precision, averaged as given (`"precision"`, `"precision_macro"`, ...).
    Precision(Average),
    /// Recall, averaged as given (`"recall"`, `"recall_macro"`, ...).
    Recall(Average),
    /// F1, averaged as given (`"f1"`, `"f1_macro"`, ...).
    F1(Average),
    /// Area under the ROC curve (`"roc_auc"`): binary for one output column (from the sigmoid
    /// of a logit, a probability, or a hinge score), one-vs-rest macro average for several
    /// (from the softmax of the logits, or the probabilities).
    RocAuc,
    /// Mean negative log-likelihood of the true classes, probabilities clipped to
    /// `[ε, 1 − ε]` (`"log_loss"`).
    LogLoss,
    /// Square root of the mean squared error, averaged over outputs (`"rmse"`).
    RootMeanSquaredError,
    /// Coefficient of determination R², averaged over outputs (`"r2"`).
    R2,
}

/// The names [`Metric::from_name`] knows (besides the `*_pos_label_k` forms).
const NAMES: [&str; 20] = [
    "accuracy",
    "balanced_accuracy",
    "precision",
    "precision_macro",
    "precision_micro",
    "precision_weighted",
    "recall",
    "recall_macro",
    "recall_micro",
    "recall_weighted",
    "f1",
    "f1_macro",
    "f1_micro",
    "f1_weighted",
    "roc_auc",
    "log_loss",
    "mse",
    "rmse",
    "mae",
    "r2",
];

impl Metric {
    /// The name used in [`crate::History`] and [`crate::Evaluation`] (`"accuracy"`, `"mse"`,
    /// `"f1_macro"`, ...; see the table on [`Metric`]). [`Metric::from_name`] reads it back.
    pub fn name(&self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::BalancedAccuracy => "balanced_accuracy",
            Metric::Precision(a) => averaged_name("precision", *a),
            Metric::Recall(a) => averaged_name("recall", *a),
            Metric::F1(a) => averaged_name("f1", *a),
            Metric::RocAuc => "roc_auc",
            Metric::LogLoss => "log_loss",
            Metric::MeanSquaredError => "mse",
            Metric::RootMeanSquaredError => "rmse",
            Metric::MeanAbsoluteError => "mae",
            Metric::R2 => "r2",
        }
    }

    /// The metric called `name` (as returned by [`Metric::name`]); [`Error::UnknownName`] for
    /// any other name. `"precision"`, `"recall"` and `"f1"` are the binary scores of class 1
    /// (scikit-learn's scorers of those names); `"f1_pos_label_0"` is the binary F1 of
    /// class 0.
    pub fn from_name(name: &str) -> Result<Metric> {
        let averaged = |prefix: &str, make: fn(Average) -> Metric| -> Option<Metric> {
            let rest = name.strip_prefix(prefix)?;
            let average = match rest {
                "" => Average::Binary { pos_label: 1 },
                "_macro" => Average::Macro,
                "_micro" => Average::Micro,
                "_weighted" => Average::Weighted,
                _ => {
                    let digits = rest.strip_prefix("_pos_label_")?;
                    let pos_label: usize = digits.parse().ok()?;
                    // One spelling per metric: no leading zeros, and class 1 is the plain name.
                    if pos_label == 1 || pos_label.to_string() != digits {
                        return None;
                    }
                    Average::Binary { pos_label }
                }
            };
            Some(make(average))
        };
        let m = match name {
            "accuracy" => Some(Metric::Accuracy),
            "balanced_accuracy" => Some(Metric::BalancedAccuracy),
            "roc_auc" => Some(Metric::RocAuc),
            "log_loss" => Some(Metric::LogLoss),
            "mse" => Some(Metric::MeanSquaredError),
            "rmse" => Some(Metric::RootMeanSquaredError),
            "mae" => Some(Metric::MeanAbsoluteError),
            "r2" => Some(Metric::R2),
            _ => averaged("precision", Metric::Precision)
                .or_else(|| averaged("recall", Metric::Recall))
                .or_else(|| averaged("f1", Metric::F1)),
        };
        m.ok_or_else(|| Error::UnknownName {
            context: "Metric::from_name".to_string(),
            name: name.to_string(),
            known: format!(
                "{}, and precision_pos_label_K, recall_pos_label_K, f1_pos_label_K",
                NAMES.join(", ")
            ),
        })
    }

    /// True if a larger value is better (accuracy, precision, recall, F1, ROC AUC, R²), false
    /// for errors and losses (log loss, MSE, RMSE, MAE) — scikit-learn's `greater_is_better`
    /// of `make_scorer`. Model selection and early stopping use it.
    pub fn greater_is_better(&self) -> bool {
        match self {
            Metric::Accuracy
            | Metric::BalancedAccuracy
            | Metric::Precision(_)
            | Metric::Recall(_)
            | Metric::F1(_)
            | Metric::RocAuc
            | Metric::R2 => true,
            Metric::LogLoss
            | Metric::MeanSquaredError
            | Metric::RootMeanSquaredError
            | Metric::MeanAbsoluteError => false,
        }
    }

    /// The metric of predictions `pred` (raw model outputs, read according to the loss'
    /// output `kind`, see the module documentation) against `target`, over all samples; NaN
    /// if the metric is undefined for these data.
    pub(crate) fn value(&self, kind: OutputKind, pred: &Tensor, target: &Tensor) -> f32 {
        self.try_value(kind, pred, target).map_or(f32::NAN, |v| v as f32)
    }

    fn try_value(&self, kind: OutputKind, pred: &Tensor, target: &Tensor) -> Result<f64> {
        match self {
            Metric::Accuracy => {
                let (t, p) = label_pairs(kind, pred, target)?;
                metrics::accuracy(&t, &p)
            }
            Metric::BalancedAccuracy => {
                let (t, p) = label_pairs(kind, pred, target)?;
                metrics::balanced_accuracy(&t, &p)
            }
            Metric::Precision(a) => {
                let (t, p) = label_pairs(kind, pred, target)?;
                metrics::precision(&t, &p, *a)
            }
            Metric::Recall(a) => {
                let (t, p) = label_pairs(kind, pred, target)?;
                metrics::recall(&t, &p, *a)
            }
            Metric::F1(a) => {
                let (t, p) = label_pairs(kind, pred, target)?;
                metrics::f1(&t, &p, *a)
            }
            Metric::RocAuc => {
                let t = true_labels(kind, pred, target)?;
                if kind == OutputKind::BinaryMargin && pred.sample_size() == 1 {
                    return metrics::roc_auc_binary(&t, pred.as_slice());
                }
                let proba = probabilities(kind, pred)?;
                if proba.sample_size() == 1 {
                    metrics::roc_auc_binary(&t, proba.as_slice())
                } else {
                    metrics::roc_auc_ovr_macro(&t, proba.as_ref())
                }
            }
            Metric::LogLoss => {
                let t = true_labels(kind, pred, target)?;
                metrics::log_loss(&t, probabilities(kind, pred)?.as_ref())
            }
            Metric::MeanSquaredError => metrics::mean_squared_error(target, pred),
            Metric::RootMeanSquaredError => metrics::root_mean_squared_error(target, pred),
            Metric::MeanAbsoluteError => metrics::mean_absolute_error(target, pred),
            Metric::R2 => metrics::r2_score(target, pred),
        }
    }
}

/// `"{prefix}"`, `"{prefix}_macro"`, ...; the names of binary averages of classes other than
/// 1 are built once and kept for the life of the program (one small string per class used).
fn averaged_name(prefix: &'static str, average: Average) -> &'static str {
    match (prefix, average) {
        (_, Average::Binary { pos_label: 1 }) => prefix,
        ("precision", Average::Macro) => "precision_macro",
        ("precision", Average::Micro) => "precision_micro",
        ("precision", Average::Weighted) => "precision_weighted",
        ("recall", Average::Macro) => "recall_macro",
        ("recall", Average::Micro) => "recall_micro",
        ("recall", Average::Weighted) => "recall_weighted",
        ("f1", Average::Macro) => "f1_macro",
        ("f1", Average::Micro) => "f1_micro",
        ("f1", Average::Weighted) => "f1_weighted",
        (_, Average::Binary { pos_label }) => {
            type Names = Mutex<HashMap<(&'static str, usize), &'static str>>;
            static NAMES: OnceLock<Names> = OnceLock::new();
            let mut names = NAMES
                .get_or_init(Default::default)
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            names
                .entry((prefix, pos_label))
                .or_insert_with(|| Box::leak(format!("{prefix}_pos_label_{pos_label}").into_boxed_str()))
        }
        _ => unreachable!("averaged_name is called with precision, recall or f1"),
    }
}

/// The true class of every sample (see [`true_class`]); an error if one is not a class.
fn true_labels(kind: OutputKind, pred: &Tensor, target: &Tensor) -> Result<Vec<usize>> {
    (0..target.batch_size())
        .map(|i| {
            true_class(kind, pred, target, i).ok_or_else(|| {
                Error::config(
                    format!("metric targets (row {i})"),
                    target.as_slice()[i * target.sample_size().max(1)],
                    "is not a class label",
                )
            })
        })
        .collect()
}

/// True and predicted classes of every sample.
fn label_pairs(kind: OutputKind, pred: &Tensor, target: &Tensor) -> Result<(Vec<usize>, Vec<usize>)> {
    let t = true_labels(kind, pred, target)?;
    let p = classes(kind, pred);
    Ok((t, (0..pred.batch_size()).map(p).collect()))
}

/// Class probabilities from raw outputs, as `Sequential::predict_proba` computes them (the
/// same operations in the same order, so the values are identical): the sigmoid of one binary
/// logit, the row softmax of multi-class logits, probabilities as they are. An error for
/// outputs that are not probabilistic (regression, hinge scores, several binary logits).
pub(crate) fn probabilities(kind: OutputKind, pred: &Tensor) -> Result<Cow<'_, Tensor>> {
    let c = pred.sample_size();
    match kind {
        OutputKind::BinaryLogit if c == 1 => Ok(Cow::Owned(pred.map(crate::activation::sigmoid))),
        OutputKind::BinaryProbability if c == 1 => Ok(Cow::Borrowed(pred)),
        OutputKind::MultiClassLogits => {
            let mut out = pred.clone();
            for mut row in out.view2_mut().rows_mut() {
                let m = row.fold(f32::NEG_INFINITY, |a, &b| a.max(b));
                row.mapv_inplace(|v| (v - m).exp());
                let s = row.sum();
                row.mapv_inplace(|v| v / s);
            }
            Ok(Cow::Owned(out))
        }
        OutputKind::MultiClassProbability => Ok(Cow::Borrowed(pred)),
        _ => Err(Error::config(
            "metric",
            format!("{kind:?} output with {c} columns"),
            "needs class probabilities (a cross-entropy loss)",
        )),
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

#[cfg(test)]
mod tests {
    //! `Metric::value` on raw outputs against the `metrics` functions applied to
    //! probabilities and classes derived here independently (sigmoid and softmax in f64,
    //! classes by hand). Probabilities agree to ~1 ulp of f32, so values are compared at 1e-6.

    use super::*;
    use crate::metrics::Average;

    fn t(v: &[f32], shape: &[usize]) -> Tensor {
        Tensor::from_vec(v.to_vec(), shape).unwrap()
    }

    fn close(a: f32, b: f64) {
        assert!((a as f64 - b).abs() <= 1e-6 * b.abs().max(1.0), "{a} vs {b}");
    }

    // Logits of 6 samples, 3 classes; targets as labels.
    const LOGITS: [f32; 18] = [
        2.0, 0.5, -1.0, //
        0.1, 0.3, 0.2, //
        -1.0, 2.5, 0.0, //
        0.0, 0.0, 3.0, //
        1.5, 1.4, -0.2, //
        -0.5, 0.2, 0.1,
    ];
    const LABELS: [usize; 6] = [0, 1, 1, 2, 1, 2];

    fn softmax_f64() -> Vec<f32> {
        LOGITS
            .chunks(3)
            .flat_map(|r| {
                let e: Vec<f64> = r.iter().map(|&v| (v as f64).exp()).collect();
                let s: f64 = e.iter().sum();
                e.into_iter().map(move |v| (v / s) as f32)
            })
            .collect()
    }

    #[test]
    fn multiclass_logit_metrics_equal_the_functions_on_softmax_probabilities_and_argmax() {
        let pred = t(&LOGITS, &[6, 3]);
        let target = t(&LABELS.map(|l| l as f32), &[6]);
        let kind = OutputKind::MultiClassLogits;
        // argmax of each row, by hand: 0, 1, 1, 2, 0, 1
        let classes = [0, 1, 1, 2, 0, 1];
        let proba = ndarray::Array2::from_shape_vec((6, 3), softmax_f64()).unwrap();

        let f1 = metrics::f1(&LABELS, &classes, Average::Macro).unwrap();
        close(Metric::F1(Average::Macro).value(kind, &pred, &target), f1);
        let acc = metrics::accuracy(&LABELS, &classes).unwrap();
        assert_eq!(Metric::Accuracy.value(kind, &pred, &target), (4.0 / 6.0) as f32);
        close(Metric::Accuracy.value(kind, &pred, &target), acc);
        let bal = metrics::balanced_accuracy(&LABELS, &classes).unwrap();
        close(Metric::BalancedAccuracy.value(kind, &pred, &target), bal);
        let auc = metrics::roc_auc_ovr_macro(&LABELS, &proba).unwrap();
        close(Metric::RocAuc.value(kind, &pred, &target), auc);
        let ll = metrics::log_loss(&LABELS, &proba).unwrap();
        close(Metric::LogLoss.value(kind, &pred, &target), ll);
    }

    #[test]
    fn one_hot_targets_give_the_same_values_as_labels() {
        let pred = t(&LOGITS, &[6, 3]);
        let labels = t(&LABELS.map(|l| l as f32), &[6]);
        let mut onehot = vec![0.0; 18];
        for (i, &l) in LABELS.iter().enumerate() {
            onehot[i * 3 + l] = 1.0;
        }
        let onehot = t(&onehot, &[6, 3]);
        for m in [Metric::F1(Average::Weighted), Metric::RocAuc, Metric::LogLoss] {
            let a = m.value(OutputKind::MultiClassLogits, &pred, &labels);
            let b = m.value(OutputKind::MultiClassLogits, &pred, &onehot);
            assert_eq!(a, b, "{}", m.name());
        }
    }

    #[test]
    fn binary_logit_metrics_equal_the_functions_on_sigmoid_probabilities() {
        let logits = [-2.0f32, 0.5, 0.0, 3.0, -0.3, 1.2, -1.1];
        let y = [0usize, 1, 0, 1, 1, 0, 0];
        let pred = t(&logits, &[7, 1]);
        let target = t(&y.map(|l| l as f32), &[7, 1]);
        let kind = OutputKind::BinaryLogit;
        let proba: Vec<f32> = logits
            .iter()
            .map(|&v| (1.0 / (1.0 + (-(v as f64)).exp())) as f32)
            .collect();
        // logit >= 0: 0, 1, 1, 1, 0, 1, 0
        let classes = [0, 1, 1, 1, 0, 1, 0];
        let auc = metrics::roc_auc_binary(&y, &proba).unwrap();
        close(Metric::RocAuc.value(kind, &pred, &target), auc);
        let ll = metrics::log_loss(&y, &proba).unwrap();
        close(Metric::LogLoss.value(kind, &pred, &target), ll);
        let f1 = metrics::f1(&y, &classes, Average::Binary { pos_label: 1 }).unwrap();
        close(
            Metric::F1(Average::Binary { pos_label: 1 }).value(kind, &pred, &target),
            f1,
        );
        let p0 = metrics::precision(&y, &classes, Average::Binary { pos_label: 0 }).unwrap();
        close(
            Metric::Precision(Average::Binary { pos_label: 0 }).value(kind, &pred, &target),
            p0,
        );
    }

    #[test]
    fn hinge_scores_are_used_directly_for_roc_auc_with_plus_minus_one_targets() {
        let scores = [-0.7f32, 0.2, 1.5, -1.5, 0.9];
        let target = t(&[-1.0, 1.0, 1.0, -1.0, -1.0], &[5]);
        let pred = t(&scores, &[5, 1]);
        // Positives .2 1.5; negatives -.7 -1.5 .9: 1.5 → 3, .2 → 2; AUC 5/6.
        close(
            Metric::RocAuc.value(OutputKind::BinaryMargin, &pred, &target),
            5.0 / 6.0,
        );
        assert!(
            Metric::LogLoss
                .value(OutputKind::BinaryMargin, &pred, &target)
                .is_nan()
        );
    }

    #[test]
    fn undefined_metrics_are_nan() {
        let pred = t(&[0.3, -0.2, 1.0], &[3, 1]);
        let one_class = t(&[1.0, 1.0, 1.0], &[3, 1]);
        assert!(
            Metric::RocAuc
                .value(OutputKind::BinaryLogit, &pred, &one_class)
                .is_nan()
        );
        // Regression outputs have no probabilities.
        assert!(
            Metric::RocAuc
                .value(OutputKind::Regression, &pred, &one_class)
                .is_nan()
        );
        // Binary average over three classes.
        let logits = t(&LOGITS, &[6, 3]);
        let labels = t(&LABELS.map(|l| l as f32), &[6]);
        let f1 = Metric::F1(Average::Binary { pos_label: 1 });
        assert!(f1.value(OutputKind::MultiClassLogits, &logits, &labels).is_nan());
        // Shapes that do not match.
        assert!(
            Metric::R2
                .value(OutputKind::Regression, &logits, &labels)
                .is_nan()
        );
    }

    #[test]
    fn regression_values_are_read_against_targets_in_sklearn_order() {
        // R² is not symmetric: y_true is the target.
        let pred = t(&[1.5, 2.0, 2.5], &[3, 1]);
        let target = t(&[1.0, 2.0, 3.0], &[3]);
        // ȳ = 2, Σ(y − ȳ)² = 2, Σ(y − ŷ)² = 0.5: R² = 0.75.
        assert_eq!(Metric::R2.value(OutputKind::Regression, &pred, &target), 0.75);
        // √(0.5 / 3) and 1/3.
        close(
            Metric::RootMeanSquaredError.value(OutputKind::Regression, &pred, &target),
            (0.5f64 / 3.0).sqrt(),
        );
        close(
            Metric::MeanAbsoluteError.value(OutputKind::Regression, &pred, &target),
            1.0 / 3.0,
        );
        close(
            Metric::MeanSquaredError.value(OutputKind::Regression, &pred, &target),
            0.5 / 3.0,
        );
    }
}
