//! The [`Loss`] trait and the built-in losses.
//!
//! A loss compares a batch of predictions with a batch of targets and returns the mean over
//! the batch, optionally weighted per sample with Keras' convention
//! (`Σᵢ wᵢ·lᵢ / N`, so weights of 1 give the plain mean), and its gradient with respect to
//! the predictions. Formulas, clamping and label conventions follow PyTorch (`torch.nn`)
//! unless a loss' documentation says otherwise. Softmax/sigmoid and cross-entropy are fused
//! and computed from logits with log-sum-exp, so logits like ±1000 stay finite.

use std::fmt;

use crate::error::{Error, Result};
use crate::tensor::Tensor;

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
    fn value_and_grad(&self, pred: &Tensor, target: &Tensor, weights: Option<&[f32]>) -> Result<(f32, Tensor)> {
        check_call(self, pred, target, weights)?;
        let mut grad = Tensor::default();
        let v = self.compute_unchecked(pred, target, weights, Some(&mut grad));
        Ok((v, grad))
    }
}

/// Validates a loss call: predictions finite and non-empty, targets (via
/// [`Loss::check_targets`]), equal batch sizes, and sample weights (one per sample, finite,
/// `>= 0`).
pub fn check_call<L: Loss + ?Sized>(loss: &L, pred: &Tensor, target: &Tensor, weights: Option<&[f32]>) -> Result<()> {
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
