//! Regression losses on real-valued predictions: mean squared error, mean absolute error and
//! Huber, as `torch.nn.MSELoss`, `torch.nn.L1Loss` and `torch.nn.HuberLoss` with
//! `reduction='mean'`.
//!
//! All three are element-wise in `d = pred − target`; the target has the predictions' shape
//! (a one-value-per-sample target may be `[N]` or `[N, 1]` either way, as Keras allows).
//! Sample weights follow Keras: `L = Σᵢ wᵢ·lᵢ / N` where `lᵢ` is sample `i`'s mean over its
//! elements, so unit weights give PyTorch's plain mean over all elements.

use super::{Loss, check_real_targets};
use crate::error::{Result, check_positive};

/// Mean squared error, as `torch.nn.MSELoss(reduction='mean')` (least squares: Legendre,
/// *Nouvelles méthodes pour la détermination des orbites des comètes*, 1805; Gauss, 1809).
///
/// With `d = pred − target` over the `M = N·S` elements of a batch of `N` samples of `S`
/// values each:
///
/// * value: `L = (1/M) Σ d²`;
/// * gradient: `∂L/∂pred = 2·d / M`;
/// * with sample weights `w`: `L = Σᵢ wᵢ·(1/S) Σⱼ dᵢⱼ² / N`, gradient `2·wᵢ·dᵢⱼ / M`
///   (Keras' convention; unit weights give the plain mean).
///
/// The target has the predictions' shape and must be finite.
///
/// ```
/// use trustnn::{Tensor, loss::{Loss, MeanSquaredError}};
/// let pred = Tensor::from_vec(vec![1.0, 2.0], &[2, 1])?;
/// let target = Tensor::from_vec(vec![0.0, 4.0], &[2, 1])?;
/// // ((1 − 0)² + (2 − 4)²) / 2 = 2.5; gradient 2·d/2 = d.
/// let (loss, grad) = MeanSquaredError.value_and_grad(&pred, &target, None)?;
/// assert_eq!(loss, 2.5);
/// assert_eq!(grad.as_slice(), &[1.0, -2.0]);
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MeanSquaredError;

impl MeanSquaredError {
    /// The loss of one element and its derivative with respect to the prediction.
    #[inline(always)]
    fn element(&self, p: f32, y: f32) -> (f64, f64) {
        let d = p as f64 - y as f64;
        (d * d, 2.0 * d)
    }
}

impl Loss for MeanSquaredError {
    loss_basics!("mse", Regression, check_real_targets, elementwise);
}

/// Mean absolute error, as `torch.nn.L1Loss(reduction='mean')` (least absolute deviations:
/// Boscovich, 1757; Laplace, 1789).
///
/// With `d = pred − target` over the `M` elements of the batch:
///
/// * value: `L = (1/M) Σ |d|`;
/// * gradient: `∂L/∂pred = sign(d) / M`, with `sign(0) = 0` (PyTorch's subgradient);
/// * with sample weights `w`: `L = Σᵢ wᵢ·(1/S) Σⱼ |dᵢⱼ| / N`, gradient `wᵢ·sign(dᵢⱼ) / M`
///   (Keras' convention).
///
/// The target has the predictions' shape and must be finite.
///
/// ```
/// use trustnn::{Tensor, loss::{Loss, MeanAbsoluteError}};
/// let pred = Tensor::from_vec(vec![1.0, -2.0, 3.0], &[3, 1])?;
/// let target = Tensor::from_vec(vec![0.0, 0.0, 3.0], &[3, 1])?;
/// // (|1| + |−2| + |0|) / 3 = 1; gradient sign(d)/3, and 0 where d = 0.
/// let (loss, grad) = MeanAbsoluteError.value_and_grad(&pred, &target, None)?;
/// assert_eq!(loss, 1.0);
/// assert_eq!(grad.as_slice(), &[1.0 / 3.0, -1.0 / 3.0, 0.0]);
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MeanAbsoluteError;

impl MeanAbsoluteError {
    /// The loss of one element and its derivative with respect to the prediction.
    #[inline(always)]
    fn element(&self, p: f32, y: f32) -> (f64, f64) {
        let d = p as f64 - y as f64;
        let sign = if d > 0.0 {
            1.0
        } else if d < 0.0 {
            -1.0
        } else {
            0.0
        };
        (d.abs(), sign)
    }
}

impl Loss for MeanAbsoluteError {
    loss_basics!("mae", Regression, check_real_targets, elementwise);
}

/// Huber loss, as `torch.nn.HuberLoss(reduction='mean', delta=δ)` (Huber, "Robust
/// Estimation of a Location Parameter", *Annals of Mathematical Statistics* 35(1), 1964).
///
/// With `d = pred − target` over the `M` elements of the batch and `δ > 0` (default 1):
///
/// * element loss: `0.5·d²` if `|d| < δ`, else `δ·(|d| − 0.5·δ)`; value `L = (1/M) Σ loss`;
/// * gradient: `clamp(d, −δ, δ) / M` (PyTorch's backward: `d` inside, `±δ` outside; the two
///   agree at `|d| = δ`);
/// * with sample weights `w`: `L = Σᵢ wᵢ·lᵢ / N` with `lᵢ` the mean element loss of sample
///   `i`, gradient `wᵢ·clamp(dᵢⱼ, −δ, δ) / M` (Keras' convention).
///
/// With `δ = 1` this equals `torch.nn.SmoothL1Loss(beta=1)`. [`Loss::validate`] rejects
/// `δ ≤ 0` or non-finite `δ` with [`crate::Error::InvalidConfig`].
///
/// ```
/// use trustnn::{Tensor, loss::{Huber, Loss}};
/// let pred = Tensor::from_vec(vec![0.5, 3.0], &[2, 1])?;
/// let target = Tensor::zeros(&[2, 1]);
/// // (0.5·0.5² + 1·(3 − 0.5)) / 2 = (0.125 + 2.5) / 2 = 1.3125
/// assert_eq!(Huber::default().value(&pred, &target, None)?, 1.3125);
/// assert!(Huber::new(0.0).is_err());
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Huber {
    /// The threshold `δ` between the quadratic and the linear part; must be finite and `> 0`.
    pub delta: f32,
}

impl Huber {
    /// A Huber loss with threshold `delta`, validated (finite, `> 0`).
    pub fn new(delta: f32) -> Result<Self> {
        let h = Huber { delta };
        h.validate()?;
        Ok(h)
    }
}

impl Default for Huber {
    /// `delta = 1.0`, PyTorch's default.
    fn default() -> Self {
        Huber { delta: 1.0 }
    }
}

impl Huber {
    /// The loss of one element and its derivative with respect to the prediction.
    #[inline(always)]
    fn element(&self, p: f32, y: f32) -> (f64, f64) {
        let delta = self.delta as f64;
        let d = p as f64 - y as f64;
        let a = d.abs();
        let loss = if a < delta {
            0.5 * d * d
        } else {
            delta * (a - 0.5 * delta)
        };
        let g = if d < -delta {
            -delta
        } else if d > delta {
            delta
        } else {
            d
        };
        (loss, g)
    }
}

impl Loss for Huber {
    loss_basics!("huber", Regression, check_real_targets, elementwise);

    fn params(&self) -> Vec<(&'static str, f32)> {
        vec![("delta", self.delta)]
    }

    fn validate(&self) -> Result<()> {
        check_positive("Huber.delta", self.delta)
    }
}
