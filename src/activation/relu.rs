//! The rectifier family: [`Relu`], [`LeakyRelu`], [`Elu`] and [`Selu`], as `torch.nn.ReLU`,
//! `torch.nn.LeakyReLU`, `torch.nn.ELU` and `torch.nn.SELU`.
//!
//! Formulas, default parameters and the derivative's value at the kink `x = 0` are PyTorch's:
//! each branch test is `x > 0`, so at `x = 0` the derivative is the one of the negative side
//! (ReLU: 0, LeakyReLU: `alpha`, ELU: `alpha`, SELU: `scale · alpha`), exactly as PyTorch's
//! `threshold_backward`, `leaky_relu_backward` and `elu_backward` (with `is_result = false`).

use super::Elementwise;
use crate::error::{Error, Result};

/// The rectified linear unit `f(x) = max(0, x)` (`torch.nn.ReLU`).
///
/// Derivative: `f'(x) = 1` for `x > 0`, else `0` (also at `x = 0`, as PyTorch).
/// NaN inputs give NaN, as in PyTorch.
///
/// Nair & Hinton, "Rectified Linear Units Improve Restricted Boltzmann Machines", ICML 2010.
///
/// ```
/// use trustnn::activation::{Elementwise, Relu};
/// assert_eq!(Relu.f(-2.0), 0.0);
/// assert_eq!(Relu.f(3.0), 3.0);
/// assert_eq!(Relu.df(0.0, 0.0), 0.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Relu;

impl Elementwise for Relu {
    fn name(&self) -> &'static str {
        "relu"
    }
    #[inline]
    fn f(&self, x: f32) -> f32 {
        if x < 0.0 { 0.0 } else { x }
    }
    #[inline]
    fn df(&self, x: f32, _y: f32) -> f32 {
        if x > 0.0 { 1.0 } else { 0.0 }
    }
}

/// The leaky rectifier `f(x) = x` for `x > 0`, else `alpha · x` (`torch.nn.LeakyReLU`,
/// whose `negative_slope` is `alpha`; default `0.01`).
///
/// Derivative: `1` for `x > 0`, else `alpha` (also at `x = 0`, as PyTorch).
/// [`Elementwise::validate`] requires `alpha` finite (any sign, as PyTorch).
///
/// Maas, Hannun & Ng, "Rectifier Nonlinearities Improve Neural Network Acoustic Models",
/// ICML 2013.
///
/// ```
/// use trustnn::activation::{Elementwise, LeakyRelu};
/// let a = LeakyRelu::default();
/// assert_eq!(a.alpha, 0.01);
/// assert_eq!(a.f(-2.0), -0.02);
/// assert_eq!(a.df(0.0, 0.0), 0.01);
/// assert!(LeakyRelu::new(f32::NAN).validate().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LeakyRelu {
    /// Slope for `x <= 0` (PyTorch's `negative_slope`).
    pub alpha: f32,
}

impl LeakyRelu {
    /// A leaky ReLU with slope `alpha` for negative inputs (checked by `validate`).
    pub fn new(alpha: f32) -> Self {
        LeakyRelu { alpha }
    }
}

impl Default for LeakyRelu {
    /// `alpha = 0.01`, PyTorch's default `negative_slope`.
    fn default() -> Self {
        LeakyRelu { alpha: 0.01 }
    }
}

impl Elementwise for LeakyRelu {
    fn name(&self) -> &'static str {
        "leaky_relu"
    }
    fn validate(&self) -> Result<()> {
        check_finite("LeakyRelu.alpha", self.alpha)
    }
    fn params(&self) -> Vec<(&'static str, f32)> {
        vec![("alpha", self.alpha)]
    }
    #[inline]
    fn f(&self, x: f32) -> f32 {
        if x > 0.0 { x } else { x * self.alpha }
    }
    #[inline]
    fn df(&self, x: f32, _y: f32) -> f32 {
        if x > 0.0 { 1.0 } else { self.alpha }
    }
}

/// The exponential linear unit `f(x) = x` for `x > 0`, else `alpha · (exp(x) − 1)`
/// (`torch.nn.ELU`, default `alpha = 1.0`).
///
/// Derivative: `1` for `x > 0`, else `alpha · exp(x)` (so `alpha` at `x = 0`, as PyTorch's
/// `elu_backward` computing from the input). The negative branch uses `exp_m1` so small
/// `|x|` keep full relative accuracy; for `x → −∞` it tends to `−alpha` and the derivative
/// to `0`, without overflow. [`Elementwise::validate`] requires `alpha` finite.
///
/// Clevert, Unterthiner & Hochreiter, "Fast and Accurate Deep Network Learning by
/// Exponential Linear Units (ELUs)", ICLR 2016.
///
/// ```
/// use trustnn::activation::{Elementwise, Elu};
/// let a = Elu::default();
/// assert_eq!(a.f(2.0), 2.0);
/// assert_eq!(a.f(-1000.0), -1.0);
/// assert!((a.f(-1.0) - (-0.632_120_56)).abs() < 1e-7);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Elu {
    /// The negative saturation value is `−alpha`.
    pub alpha: f32,
}

impl Elu {
    /// An ELU with the given `alpha` (checked by `validate`).
    pub fn new(alpha: f32) -> Self {
        Elu { alpha }
    }
}

impl Default for Elu {
    /// `alpha = 1.0`, PyTorch's default.
    fn default() -> Self {
        Elu { alpha: 1.0 }
    }
}

impl Elementwise for Elu {
    fn name(&self) -> &'static str {
        "elu"
    }
    fn validate(&self) -> Result<()> {
        check_finite("Elu.alpha", self.alpha)
    }
    fn params(&self) -> Vec<(&'static str, f32)> {
        vec![("alpha", self.alpha)]
    }
    #[inline]
    fn f(&self, x: f32) -> f32 {
        if x > 0.0 { x } else { x.exp_m1() * self.alpha }
    }
    #[inline]
    fn df(&self, x: f32, _y: f32) -> f32 {
        if x > 0.0 { 1.0 } else { self.alpha * x.exp() }
    }
}

/// SELU's `alpha`, PyTorch's constant `1.6732632423543772848170429916717`.
pub const SELU_ALPHA: f32 = 1.673_263_2;
/// SELU's `scale`, PyTorch's constant `1.0507009873554804934193349852946`.
pub const SELU_SCALE: f32 = 1.050_701;
/// `SELU_SCALE · SELU_ALPHA`, multiplied in `f32` as PyTorch's kernel does.
const SELU_NEG: f32 = SELU_ALPHA * SELU_SCALE;

/// The scaled exponential linear unit `f(x) = scale · x` for `x > 0`, else
/// `scale · alpha · (exp(x) − 1)` (`torch.nn.SELU`), with PyTorch's constants
/// [`SELU_ALPHA`] `≈ 1.6732632` and [`SELU_SCALE`] `≈ 1.0507010`.
///
/// Derivative: `scale` for `x > 0`, else `scale · alpha · exp(x)` (also at `x = 0`, as
/// PyTorch). Uses `exp_m1`; tends to `−scale · alpha` for `x → −∞` without overflow.
///
/// Klambauer, Unterthiner, Mayr & Hochreiter, "Self-Normalizing Neural Networks",
/// NeurIPS 2017.
///
/// ```
/// use trustnn::activation::{Elementwise, Selu, SELU_SCALE};
/// assert_eq!(Selu.f(1.0), SELU_SCALE);
/// assert!((Selu.f(-1000.0) + 1.758_099_3).abs() < 1e-6);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Selu;

impl Elementwise for Selu {
    fn name(&self) -> &'static str {
        "selu"
    }
    #[inline]
    fn f(&self, x: f32) -> f32 {
        if x > 0.0 {
            x * SELU_SCALE
        } else {
            x.exp_m1() * SELU_NEG
        }
    }
    #[inline]
    fn df(&self, x: f32, _y: f32) -> f32 {
        if x > 0.0 { SELU_SCALE } else { SELU_NEG * x.exp() }
    }
}

/// `value` must be finite (any sign).
fn check_finite(param: &str, value: f32) -> Result<()> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(Error::config(param, value, "must be a finite number"))
    }
}
