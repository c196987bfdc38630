//! The [`Loss`] trait and the built-in losses.
//!
//! A loss compares a batch of predictions with a batch of targets and returns the mean over
//! the batch, optionally weighted per sample with Keras' convention
//! (`Σᵢ wᵢ·lᵢ / N`, so weights of 1 give the plain mean), and its gradient with respect to
//! the predictions. Formulas, clamping and label conventions follow PyTorch (`torch.nn`)
//! unless a loss' documentation says otherwise. Softmax/sigmoid and cross-entropy are fused
//! and computed from logits with log-sum-exp, so logits like ±1000 stay finite.
//!
//! | name ([`by_name`]) | type | reference |
//! |---|---|---|
//! | `"mse"` | [`MeanSquaredError`] | `torch.nn.MSELoss` |
//! | `"mae"` | [`MeanAbsoluteError`] | `torch.nn.L1Loss` |
//! | `"huber"` | [`Huber`] | `torch.nn.HuberLoss` |
//! | `"binary_cross_entropy"` | [`BinaryCrossEntropy`] | `torch.nn.BCELoss` |
//! | `"binary_cross_entropy_with_logits"` | [`BinaryCrossEntropyWithLogits`] | `torch.nn.BCEWithLogitsLoss` |
//! | `"categorical_cross_entropy"` | [`CategoricalCrossEntropy`] | `torch.nn.CrossEntropyLoss` (probability targets) |
//! | `"sparse_categorical_cross_entropy"` | [`SparseCategoricalCrossEntropy`] | `torch.nn.CrossEntropyLoss` (class indices) |
//! | `"kl_divergence"` | [`KLDivergence`] | `keras.losses.KLDivergence` |
//! | `"hinge"` | [`Hinge`] | `keras.losses.Hinge` |
//!
//! **Reduction and sample weights.** Every loss first computes a per-sample loss `lᵢ` — the
//! mean over the sample's elements for element-wise losses (MSE, MAE, Huber, BCE, hinge), the
//! sum over classes for the distribution losses (cross-entropies, KL) — and returns
//! `Σᵢ wᵢ·lᵢ / N` with `wᵢ = 1` when no weights are given. Without weights this is exactly
//! PyTorch's `reduction='mean'` (`'batchmean'` for KL). The gradient is scaled the same way:
//! `∂L/∂predᵢⱼ = wᵢ/N · ∂lᵢ/∂predᵢⱼ`.

/// Writes the parts of a [`Loss`] impl that only state facts about the loss: `name`,
/// `output_kind`, and `check_targets` delegating to a target checker
/// `fn(name, pred_sample_shape, target) -> Result<()>` shared by losses with the same
/// target rules.
///
/// With a trailing `elementwise`, also `compute_unchecked` as the [`elementwise`] reduction
/// of the type's inherent `fn element(&self, pred: f32, target: f32) -> (f64, f64)` (the
/// element's loss and its derivative with respect to `pred`), which holds the loss' math.
/// Otherwise `compute_unchecked` is written out in the impl.
macro_rules! loss_basics {
    ($name:literal, $kind:ident, $check_targets:path) => {
        fn name(&self) -> &'static str {
            $name
        }

        fn output_kind(&self) -> $crate::loss::OutputKind {
            $crate::loss::OutputKind::$kind
        }

        fn check_targets(
            &self,
            pred_sample_shape: &[usize],
            target: &$crate::tensor::Tensor,
        ) -> $crate::error::Result<()> {
            $check_targets(self.name(), pred_sample_shape, target)
        }
    };
    ($name:literal, $kind:ident, $check_targets:path, elementwise) => {
        loss_basics!($name, $kind, $check_targets);

        fn compute_unchecked(
            &self,
            pred: &$crate::tensor::Tensor,
            target: &$crate::tensor::Tensor,
            weights: Option<&[f32]>,
            grad: Option<&mut $crate::tensor::Tensor>,
        ) -> f32 {
            $crate::loss::elementwise(pred, target, weights, grad, |p, y| self.element(p, y))
        }
    };
}

mod binary;
mod categorical;
mod regression;

pub use binary::{BinaryCrossEntropy, BinaryCrossEntropyWithLogits, Hinge};
pub use categorical::{CategoricalCrossEntropy, KLDivergence, SparseCategoricalCrossEntropy};
pub use regression::{Huber, MeanAbsoluteError, MeanSquaredError};

use std::fmt;

use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// Every built-in loss with its default settings, in the order of the table above.
/// [`by_name`] finds a loss here by its [`Loss::name`], so each name is written once.
const BUILT_IN: [fn() -> Box<dyn Loss>; 9] = [
    || Box::new(MeanSquaredError),
    || Box::new(MeanAbsoluteError),
    || Box::new(Huber::default()),
    || Box::new(BinaryCrossEntropy),
    || Box::new(BinaryCrossEntropyWithLogits),
    || Box::new(CategoricalCrossEntropy),
    || Box::new(SparseCategoricalCrossEntropy),
    || Box::new(KLDivergence),
    || Box::new(Hinge),
];

/// The loss called `name` (snake case, as returned by [`Loss::name`]) with its default
/// settings; [`Error::UnknownName`] for any other name.
///
/// ```
/// use trustnn::loss::by_name;
/// let loss = by_name("sparse_categorical_cross_entropy")?;
/// assert_eq!(loss.name(), "sparse_categorical_cross_entropy");
/// assert!(by_name("cross_entropy").is_err());
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn by_name(name: &str) -> Result<Box<dyn Loss>> {
    BUILT_IN
        .iter()
        .map(|make| make())
        .find(|loss| loss.name() == name)
        .ok_or_else(|| Error::UnknownName {
            context: "loss::by_name".to_string(),
            name: name.to_string(),
            known: BUILT_IN.map(|make| make().name()).join(", "),
        })
}

/// What a loss expects the model's last layer to output, which decides how
/// [`crate::Sequential::predict_proba`] and [`crate::Sequential::predict_classes`] read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputKind {
    /// Real values (regression); no probabilities.
    Regression,
    /// One probability per sample in `[0, 1]` (binary classification after a sigmoid).
    BinaryProbability,
    /// One logit per sample; the probability is `sigmoid(logit)`.
    BinaryLogit,
    /// One score per sample for a margin loss (hinge); the class is `score >= 0`.
    BinaryMargin,
    /// One logit per class; probabilities are `softmax(logits)`.
    MultiClassLogits,
    /// One probability per class (after a softmax layer).
    MultiClassProbability,
}

/// A differentiable training objective.
///
/// Implementations provide [`Loss::check_targets`] (validation of user input) and
/// [`Loss::compute_unchecked`] (the infallible numerical core); the provided
/// [`Loss::value`] and [`Loss::value_and_grad`] validate, then compute.
pub trait Loss: Send + Sync + fmt::Debug {
    /// The name in snake case (`"mse"`, `"sparse_categorical_cross_entropy"`).
    fn name(&self) -> &'static str;

    /// Checks the loss' own parameters (e.g. Huber's `delta > 0`).
    fn validate(&self) -> Result<()> {
        Ok(())
    }

    /// The loss' parameters by name (Huber's `delta`); empty for parameter-free losses. Model
    /// files store them so that [`by_name`] plus these rebuild the same loss.
    fn params(&self) -> Vec<(&'static str, f32)> {
        Vec::new()
    }

    /// What the model's output should be for this loss.
    fn output_kind(&self) -> OutputKind;

    /// Checks that `target` suits predictions whose samples have shape `pred_sample_shape`:
    /// its shape, finiteness, and value range (labels in range, probabilities in `[0, 1]`).
    fn check_targets(&self, pred_sample_shape: &[usize], target: &Tensor) -> Result<()>;

    /// The loss (weighted mean over the batch); if `grad` is given, also writes
    /// `dL/d(pred)` into it (resized to `pred`'s shape).
    ///
    /// The caller must have validated the inputs ([`Loss::check_targets`], equal batch sizes,
    /// weights of the batch's length); otherwise the result is unspecified and may panic.
    fn compute_unchecked(
        &self,
        pred: &Tensor,
        target: &Tensor,
        weights: Option<&[f32]>,
        grad: Option<&mut Tensor>,
    ) -> f32;

    /// The loss of `pred` against `target`, validated.
    ///
    /// ```
    /// use trustnn::{Tensor, loss::{Loss, MeanSquaredError}};
    /// let pred = Tensor::from_vec(vec![1.0, 2.0], &[2, 1])?;
    /// let target = Tensor::from_vec(vec![0.0, 4.0], &[2, 1])?;
    /// assert_eq!(MeanSquaredError.value(&pred, &target, None)?, 2.5);
    /// # Ok::<(), trustnn::Error>(())
    /// ```
    fn value(&self, pred: &Tensor, target: &Tensor, weights: Option<&[f32]>) -> Result<f32> {
        check_call(self, pred, target, weights)?;
        Ok(self.compute_unchecked(pred, target, weights, None))
    }

    /// The loss and its gradient with respect to `pred`, validated.
    fn value_and_grad(
        &self,
        pred: &Tensor,
        target: &Tensor,
        weights: Option<&[f32]>,
    ) -> Result<(f32, Tensor)> {
        check_call(self, pred, target, weights)?;
        Ok(value_and_new_grad(self, pred, target, weights))
    }
}

/// [`Loss::compute_unchecked`] with a newly allocated gradient: the computing half of
/// [`Loss::value_and_grad`], for implementations that override it to validate more.
fn value_and_new_grad<L: Loss + ?Sized>(
    loss: &L,
    pred: &Tensor,
    target: &Tensor,
    weights: Option<&[f32]>,
) -> (f32, Tensor) {
    let mut grad = Tensor::default();
    let v = loss.compute_unchecked(pred, target, weights, Some(&mut grad));
    (v, grad)
}

/// Validates a loss call: predictions finite and non-empty, targets (via
/// [`Loss::check_targets`]), equal batch sizes, and sample weights (one per sample, finite,
/// `>= 0`).
pub fn check_call<L: Loss + ?Sized>(
    loss: &L,
    pred: &Tensor,
    target: &Tensor,
    weights: Option<&[f32]>,
) -> Result<()> {
    loss.validate()?;
    if pred.ndim() == 0 || pred.batch_size() == 0 {
        return Err(Error::empty(format!("{} (predictions)", loss.name())));
    }
    pred.check_finite(&format!("{} (predictions)", loss.name()))?;
    loss.check_targets(pred.sample_shape(), target)?;
    if target.batch_size() != pred.batch_size() {
        return Err(Error::shape(
            format!("{} (targets)", loss.name()),
            format!("{} samples like the predictions", pred.batch_size()),
            target.shape(),
        ));
    }
    if let Some(w) = weights {
        check_weights(loss.name(), w, pred.batch_size())?;
    }
    Ok(())
}

/// Checks per-sample weights: `n` of them, each finite and `>= 0`.
pub fn check_weights(context: &str, w: &[f32], n: usize) -> Result<()> {
    if w.len() != n {
        return Err(Error::shape(
            format!("{context} (sample weights)"),
            format!("[{n}] (one weight per sample)"),
            &[w.len()],
        ));
    }
    if let Some(i) = w.iter().position(|v| !v.is_finite() || *v < 0.0) {
        return Err(Error::config(
            format!("{context} (sample weight at row {i})"),
            w[i],
            "sample weights must be finite and >= 0",
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Private helpers shared by the loss implementations.
// ---------------------------------------------------------------------------------------

/// A sample shape as a batch pattern: `[*, 10]`, `[*]` for one scalar per sample.
fn batch_pattern(sample_shape: &[usize]) -> String {
    let mut s = String::from("[*");
    for d in sample_shape {
        s.push_str(&format!(", {d}"));
    }
    s.push(']');
    s
}

/// Rejects predictions whose samples hold no values.
fn check_sample_nonempty(name: &str, pred_sample_shape: &[usize]) -> Result<()> {
    if pred_sample_shape.contains(&0) {
        return Err(Error::empty(format!(
            "{name} (predictions: samples have no values)"
        )));
    }
    Ok(())
}

/// Requires predictions of shape `[N, C]` (one score or probability per class); returns `C`.
fn check_class_axis(name: &str, pred_sample_shape: &[usize], what: &str) -> Result<usize> {
    check_sample_nonempty(name, pred_sample_shape)?;
    match pred_sample_shape {
        [c] => Ok(*c),
        _ => Err(Error::shape(
            format!("{name} (shape of one prediction sample)"),
            format!("[C] (predictions of shape [*, C]: {what})"),
            pred_sample_shape,
        )),
    }
}

/// Target shape rule of the element-wise losses: each target sample has the prediction's
/// sample shape, except that one-value samples may be given as `[N]` or `[N, 1]` either way.
fn check_elementwise_shape(name: &str, pred_sample_shape: &[usize], target: &Tensor) -> Result<()> {
    check_sample_nonempty(name, pred_sample_shape)?;
    let scalar = |s: &[usize]| s.is_empty() || s == [1];
    let ok = target.ndim() >= 1
        && (target.sample_shape() == pred_sample_shape
            || (scalar(target.sample_shape()) && scalar(pred_sample_shape)));
    if ok {
        Ok(())
    } else {
        Err(Error::shape(
            format!("{name} (targets)"),
            format!("{} (like the predictions)", batch_pattern(pred_sample_shape)),
            target.shape(),
        ))
    }
}

/// Checks real-valued element-wise targets: shape ([`check_elementwise_shape`]) and
/// finiteness.
fn check_real_targets(name: &str, pred_sample_shape: &[usize], target: &Tensor) -> Result<()> {
    check_elementwise_shape(name, pred_sample_shape, target)?;
    target.check_finite(&format!("{name} (targets)"))
}

/// Position of flat index `i` of `t` in words: `row 3, column 1` (or `row 3` for 1-d).
fn position(t: &Tensor, i: usize) -> String {
    let c = t.sample_size().max(1);
    if t.ndim() >= 2 {
        format!("row {}, column {}", i / c, i % c)
    } else {
        format!("row {i}")
    }
}

/// Returns [`Error::InvalidConfig`] naming the first value of `t` for which `ok` is false.
fn check_values(name: &str, what: &str, t: &Tensor, ok: impl Fn(f32) -> bool, reason: &str) -> Result<()> {
    match t.as_slice().iter().position(|&v| !ok(v)) {
        None => Ok(()),
        Some(i) => Err(Error::config(
            format!("{name} ({what} at {})", position(t, i)),
            t.as_slice()[i],
            reason,
        )),
    }
}

/// Weight of sample `i` as f64 (1 without weights; NaN if the unchecked weights are short).
#[inline]
fn weight_at(weights: Option<&[f32]>, i: usize) -> f64 {
    weights.map_or(1.0, |w| w.get(i).map_or(f64::NAN, |&v| v as f64))
}

/// Result for an input with no values: NaN, and a gradient of the predictions' shape.
fn empty_result(pred: &Tensor, grad: Option<&mut Tensor>) -> f32 {
    if let Some(g) = grad {
        g.resize_like(pred);
    }
    f32::NAN
}

/// The reduction shared by the element-wise losses.
///
/// `f(pred, target)` returns the element's loss and its derivative with respect to `pred`.
/// The result is `Σᵢ wᵢ·mean_j ℓᵢⱼ / N` and the gradient `wᵢ/(N·S)·∂ℓᵢⱼ/∂predᵢⱼ`, where `S`
/// is the number of values per sample. Sums are accumulated in f64. The gradient buffer is
/// resized in place (no allocation once it has the capacity).
#[inline]
fn elementwise(
    pred: &Tensor,
    target: &Tensor,
    weights: Option<&[f32]>,
    grad: Option<&mut Tensor>,
    f: impl Fn(f32, f32) -> (f64, f64),
) -> f32 {
    let s = pred.sample_size();
    let count = pred.len() as f64;
    if s == 0 || pred.is_empty() {
        return empty_result(pred, grad);
    }
    let rows = pred
        .as_slice()
        .chunks_exact(s)
        .zip(target.as_slice().chunks_exact(s));
    let mut total = 0.0f64;
    match grad {
        None => {
            for (i, (p, y)) in rows.enumerate() {
                let sum: f64 = p.iter().zip(y).map(|(&p, &y)| f(p, y).0).sum();
                total += weight_at(weights, i) * sum;
            }
        }
        Some(g) => {
            g.resize_like(pred);
            for (i, ((p, y), g)) in rows.zip(g.as_slice_mut().chunks_exact_mut(s)).enumerate() {
                let w = weight_at(weights, i);
                let scale = w / count;
                let mut sum = 0.0f64;
                for ((g, &p), &y) in g.iter_mut().zip(p).zip(y) {
                    let (l, d) = f(p, y);
                    sum += l;
                    *g = (scale * d) as f32;
                }
                total += w * sum;
            }
        }
    }
    (total / count) as f32
}
