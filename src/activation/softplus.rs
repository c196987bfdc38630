//! [`Softplus`]: the smooth rectifier `log(1 + exp(βx)) / β`, as `torch.nn.Softplus`.

use super::Elementwise;
use super::sigmoid::sigmoid;
use crate::error::{Error, Result, check_positive};

/// The softplus `f(x) = log(1 + exp(β·x)) / β`, linear (`f(x) = x`) where `β·x > threshold`
/// (`torch.nn.Softplus`, defaults `beta = 1`, `threshold = 20`).
///
/// Evaluated as `log1p(exp(−|β·x|)) / β + max(x, 0)`, which equals the formula above but
/// never overflows and keeps full relative accuracy in both tails; the `β·x > threshold`
/// switch to the identity is PyTorch's. Derivative: `f'(x) = σ(β·x)` (with an overflow-free
/// sigmoid), and `1` where `β·x > threshold`. So `softplus(1000) = 1000` with derivative `1`,
/// and `softplus(−1000) = 0` with derivative `0`.
///
/// [`Elementwise::validate`] requires `beta` finite and `> 0`, and `threshold` not NaN
/// (`+inf` turns the linear branch off).
///
/// Dugas, Bengio, Bélisle, Nadeau & Garcia, "Incorporating Second-Order Functional
/// Knowledge for Better Option Pricing", NeurIPS 2001.
///
/// ```
/// use trustnn::activation::{Elementwise, Softplus};
/// let sp = Softplus::default();
/// assert!((sp.f(0.0) - std::f32::consts::LN_2).abs() < 1e-7);
/// assert_eq!(sp.f(1000.0), 1000.0);
/// assert_eq!(sp.df(1000.0, 1000.0), 1.0);
/// assert!(Softplus::new(0.0, 20.0).validate().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Softplus {
    /// Sharpness `β` (> 0); larger values approach ReLU.
    pub beta: f32,
    /// Where `β·x > threshold` the function is the identity (PyTorch's numerical switch).
    pub threshold: f32,
}

impl Softplus {
    /// A softplus with the given `beta` and `threshold` (checked by `validate`).
    pub fn new(beta: f32, threshold: f32) -> Self {
        Softplus { beta, threshold }
    }
}

impl Default for Softplus {
    /// `beta = 1`, `threshold = 20`, PyTorch's defaults.
    fn default() -> Self {
        Softplus {
            beta: 1.0,
            threshold: 20.0,
        }
    }
}

impl Elementwise for Softplus {
    fn name(&self) -> &'static str {
        "softplus"
    }
    fn validate(&self) -> Result<()> {
        check_positive("Softplus.beta", self.beta)?;
        if self.threshold.is_nan() {
            return Err(Error::config(
                "Softplus.threshold",
                self.threshold,
                "must be a number (+inf disables the linear branch)",
            ));
        }
        Ok(())
    }
    fn params(&self) -> Vec<(&'static str, f32)> {
        vec![("beta", self.beta), ("threshold", self.threshold)]
    }
    #[inline]
    fn f(&self, x: f32) -> f32 {
        let bx = self.beta * x;
        if bx > self.threshold {
            x
        } else {
            (-bx.abs()).exp().ln_1p() / self.beta + x.max(0.0)
        }
    }
    #[inline]
    fn df(&self, x: f32, _y: f32) -> f32 {
        let bx = self.beta * x;
        if bx > self.threshold { 1.0 } else { sigmoid(bx) }
    }
}
