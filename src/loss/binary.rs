//! Binary-classification losses: cross-entropy on probabilities (`torch.nn.BCELoss`), on
//! logits (`torch.nn.BCEWithLogitsLoss`), and the hinge loss (`keras.losses.Hinge`).
//!
//! All three are element-wise; the target has the predictions' shape (a one-value-per-sample
//! target may be `[N]` or `[N, 1]` either way). Several independent binary outputs per
//! sample (multi-label) are allowed. Sample weights follow Keras: `L = Σᵢ wᵢ·lᵢ / N` where
//! `lᵢ` is sample `i`'s mean over its elements, so unit weights give PyTorch's plain mean.

use super::{Loss, check_call, check_real_targets, check_values, value_and_new_grad};
use crate::error::Result;
use crate::tensor::Tensor;

/// Checks targets that must be probabilities: shape, finiteness, `0 ≤ y ≤ 1`.
fn check_probability_targets(name: &str, pred_sample_shape: &[usize], target: &Tensor) -> Result<()> {
    check_real_targets(name, pred_sample_shape, target)?;
    check_values(
        name,
        "target",
        target,
        |y| (0.0..=1.0).contains(&y),
        "targets must be probabilities in [0, 1]",
    )
}

/// Checks hinge labels: shape, finiteness, each value `−1`, `0` or `1`.
fn check_hinge_targets(name: &str, pred_sample_shape: &[usize], target: &Tensor) -> Result<()> {
    check_real_targets(name, pred_sample_shape, target)?;
    check_values(
        name,
        "target",
        target,
        |y| y == -1.0 || y == 0.0 || y == 1.0,
        "hinge targets must be -1 or 1 (or 0, read as -1)",
    )
}

/// `max(v, −100)` as PyTorch's `std::max(log, -100)`: `−inf` becomes −100 and NaN (from
/// an unvalidated prediction outside `[0, 1]`) stays NaN.
#[inline]
fn clamp_log(v: f64) -> f64 {
    if v < -100.0 { -100.0 } else { v }
}

/// Binary cross-entropy on probabilities, as `torch.nn.BCELoss(reduction='mean')` (the
/// log-likelihood of logistic regression: Cox, "The Regression Analysis of Binary
/// Sequences", *JRSS B* 20(2), 1958).
///
/// For a predicted probability `p ∈ [0, 1]` and target `y ∈ [0, 1]`, over the `M` elements
/// of the batch:
///
/// * element loss: `−[y·max(log p, −100) + (1 − y)·max(log(1 − p), −100)]` — each log is
///   clamped at −100 as PyTorch does, so `p = 0` or `p = 1` gives 100, not infinity
///   (`log(1 − p)` is computed as `log1p(−p)`); value `L = (1/M) Σ loss`;
/// * gradient, as PyTorch's backward (which ignores the clamp):
///   `∂L/∂p = (p − y) / max((1 − p)·p, 1e-12) / M`;
/// * with sample weights `w`: `L = Σᵢ wᵢ·lᵢ / N` with `lᵢ` the mean element loss of sample
///   `i`, gradient multiplied by `wᵢ` (Keras' convention).
///
/// [`Loss::value`] and [`Loss::value_and_grad`] reject predictions outside `[0, 1]` with
/// [`crate::Error::InvalidConfig`] naming the row and column (as PyTorch raises); use
/// [`BinaryCrossEntropy::check_predictions`] when calling [`Loss::compute_unchecked`]
/// directly, which does not check them (an out-of-range prediction then gives a NaN loss).
/// For raw scores, prefer the more stable [`BinaryCrossEntropyWithLogits`].
///
/// ```
/// use trustnn::{Tensor, loss::{BinaryCrossEntropy, Loss}};
/// let p = Tensor::from_vec(vec![0.5, 0.0], &[2, 1])?;
/// let y = Tensor::from_vec(vec![1.0, 1.0], &[2, 1])?;
/// // (−log 0.5 + min(−log 0, 100)) / 2 = (0.693147 + 100) / 2
/// let loss = BinaryCrossEntropy.value(&p, &y, None)?;
/// assert!((loss - 50.346574).abs() < 1e-4);
/// assert!(BinaryCrossEntropy.value(&Tensor::from_vec(vec![1.5, 0.5], &[2, 1])?, &y, None).is_err());
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BinaryCrossEntropy;

impl BinaryCrossEntropy {
    /// Checks that every prediction is a probability in `[0, 1]`; the error
    /// ([`crate::Error::InvalidConfig`]) names the first offending row and column.
    pub fn check_predictions(&self, pred: &Tensor) -> Result<()> {
        check_values(
            self.name(),
            "prediction",
            pred,
            |p| (0.0..=1.0).contains(&p),
            "predictions must be probabilities in [0, 1] (apply a sigmoid, or use \
             binary_cross_entropy_with_logits on raw scores)",
        )
    }
}

impl BinaryCrossEntropy {
    /// The loss of one element and its derivative with respect to the prediction.
    #[inline(always)]
    fn element(&self, p: f32, y: f32) -> (f64, f64) {
        let (p, y) = (p as f64, y as f64);
        // A term whose factor is 0 is 0 (its log is clamped, hence finite), so hard 0/1
        // targets need only one logarithm.
        let pos = if y != 0.0 { y * clamp_log(p.ln()) } else { 0.0 };
        let neg = if y != 1.0 {
            (1.0 - y) * clamp_log((-p).ln_1p())
        } else {
            0.0
        };
        let loss = -(pos + neg);
        let g = (p - y) / ((1.0 - p) * p).max(1e-12);
        (loss, g)
    }
}

impl Loss for BinaryCrossEntropy {
    loss_basics!(
        "binary_cross_entropy",
        BinaryProbability,
        check_probability_targets,
        elementwise
    );

    fn value(&self, pred: &Tensor, target: &Tensor, weights: Option<&[f32]>) -> Result<f32> {
        check_call(self, pred, target, weights)?;
        self.check_predictions(pred)?;
        Ok(self.compute_unchecked(pred, target, weights, None))
    }

    fn value_and_grad(
        &self,
        pred: &Tensor,
        target: &Tensor,
        weights: Option<&[f32]>,
    ) -> Result<(f32, Tensor)> {
        check_call(self, pred, target, weights)?;
        self.check_predictions(pred)?;
        Ok(value_and_new_grad(self, pred, target, weights))
    }
}

/// Binary cross-entropy on logits (sigmoid fused in), as
/// `torch.nn.BCEWithLogitsLoss(reduction='mean')` without `pos_weight` (Cox, 1958, as for
/// [`BinaryCrossEntropy`]).
///
/// For a logit `z` (probability `σ(z)`) and target `y ∈ [0, 1]`, over the `M` elements of
/// the batch:
///
/// * element loss: `max(z, 0) − z·y + log1p(exp(−|z|))`, which equals
///   `−[y·log σ(z) + (1 − y)·log(1 − σ(z))]` and stays finite for any finite `z`
///   (logits of ±1000 are fine); value `L = (1/M) Σ loss`;
/// * gradient: `∂L/∂z = (σ(z) − y) / M`;
/// * with sample weights `w`: `L = Σᵢ wᵢ·lᵢ / N` with `lᵢ` the mean element loss of sample
///   `i`, gradient multiplied by `wᵢ` (Keras' convention).
///
/// ```
/// use trustnn::{Tensor, loss::{BinaryCrossEntropyWithLogits, Loss}};
/// let z = Tensor::from_vec(vec![0.0, -1000.0], &[2, 1])?;
/// let y = Tensor::from_vec(vec![1.0, 1.0], &[2, 1])?;
/// // (log 2 + 1000) / 2; gradient ((0.5 − 1) / 2, (0 − 1) / 2)
/// let (loss, grad) = BinaryCrossEntropyWithLogits.value_and_grad(&z, &y, None)?;
/// assert!((loss - 500.346574).abs() < 1e-3);
/// assert_eq!(grad.as_slice(), &[-0.25, -0.5]);
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BinaryCrossEntropyWithLogits;

impl BinaryCrossEntropyWithLogits {
    /// The loss of one element and its derivative with respect to the prediction.
    #[inline(always)]
    fn element(&self, z: f32, y: f32) -> (f64, f64) {
        let (z, y) = (z as f64, y as f64);
        // e = exp(−|z|) ∈ (0, 1] serves both the loss and σ(z) without overflow.
        let e = (-z.abs()).exp();
        let loss = z.max(0.0) - z * y + e.ln_1p();
        let sigmoid = if z >= 0.0 { 1.0 / (1.0 + e) } else { e / (1.0 + e) };
        (loss, sigmoid - y)
    }
}

impl Loss for BinaryCrossEntropyWithLogits {
    loss_basics!(
        "binary_cross_entropy_with_logits",
        BinaryLogit,
        check_probability_targets,
        elementwise
    );
}

/// Hinge loss for binary classification with a margin, as `keras.losses.Hinge` (the loss of
/// soft-margin support-vector machines: Cortes & Vapnik, "Support-Vector Networks",
/// *Machine Learning* 20(3), 1995).
///
/// For a score `ŷ` and a label `y ∈ {−1, 1}`, over the `M` elements of the batch:
///
/// * element loss: `max(0, 1 − y·ŷ)`; value `L = (1/M) Σ loss`;
/// * gradient: `∂L/∂ŷ = −y / M` where `1 − y·ŷ > 0`, else 0 (so 0 exactly at the kink);
/// * with sample weights `w`: `L = Σᵢ wᵢ·lᵢ / N` with `lᵢ` the mean element loss of sample
///   `i`, gradient multiplied by `wᵢ` (Keras' convention).
///
/// Labels may be given as `−1`/`1` or `0`/`1`: each target value is mapped on its own,
/// `0 ↦ −1`, `1 ↦ 1`, `−1 ↦ −1`; any other value is an [`crate::Error::InvalidConfig`] naming its
/// row. (Keras converts `0/1` labels only when *all* of them are 0 or 1; the two rules agree
/// except on targets mixing `−1` and `0`, which Keras would not convert.) The predicted class
/// is `ŷ ≥ 0` ([`OutputKind::BinaryMargin`](super::OutputKind::BinaryMargin)).
///
/// ```
/// use trustnn::{Tensor, loss::{Hinge, Loss}};
/// let score = Tensor::from_vec(vec![0.5, 0.5], &[2, 1])?;
/// let y = Tensor::from_vec(vec![1.0, 0.0], &[2, 1])?; // 0 is read as −1
/// // (max(0, 1 − 0.5) + max(0, 1 + 0.5)) / 2 = 1; gradient (−1/2, 1/2)
/// let (loss, grad) = Hinge.value_and_grad(&score, &y, None)?;
/// assert_eq!(loss, 1.0);
/// assert_eq!(grad.as_slice(), &[-0.5, 0.5]);
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hinge;

impl Hinge {
    /// The loss of one element and its derivative with respect to the prediction.
    #[inline(always)]
    fn element(&self, s: f32, y: f32) -> (f64, f64) {
        let y = if y == 0.0 { -1.0 } else { y as f64 };
        let margin = 1.0 - y * s as f64;
        if margin > 0.0 { (margin, -y) } else { (0.0, 0.0) }
    }
}

impl Loss for Hinge {
    loss_basics!("hinge", BinaryMargin, check_hinge_targets, elementwise);
}
