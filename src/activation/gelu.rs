//! [`Gelu`]: the Gaussian error linear unit `x · Φ(x)`, exact or tanh-approximated, as
//! `torch.nn.GELU(approximate='none' | 'tanh')`.

use std::f32::consts::FRAC_1_SQRT_2;

use super::Elementwise;
use super::sigmoid::sigmoid_pair;

/// `1 / √(2π)`, the standard normal density at 0.
const INV_SQRT_2PI: f32 = 0.398_942_3;
/// `√(2/π)`, PyTorch's `kBeta` of the tanh approximation.
const SQRT_2_OVER_PI: f32 = 0.797_884_6;
/// The cubic coefficient of the tanh approximation, PyTorch's `kKappa`.
const KAPPA: f32 = 0.044_715;

/// Which form of GELU to compute (PyTorch's `approximate` argument).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum GeluApproximation {
    /// The exact form `0.5·x·(1 + erf(x/√2))` (PyTorch's `approximate='none'`, the default).
    #[default]
    Exact,
    /// The tanh approximation `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))` (PyTorch's
    /// `approximate='tanh'`).
    Tanh,
}

/// The Gaussian error linear unit `f(x) = x · Φ(x)` (`torch.nn.GELU`), where `Φ` is the
/// standard normal CDF; default [`GeluApproximation::Exact`] as PyTorch.
///
/// **Exact** (`approximate='none'`, name `"gelu"`): `f(x) = 0.5·x·(1 + erf(x/√2))`,
/// derivative `f'(x) = Φ(x) + x·φ(x)` with `φ(x) = exp(−x²/2)/√(2π)` (PyTorch's
/// `GeluBackward`). `1 + erf(x/√2)` is evaluated as `erfc(−x/√2)` (libm), which is the same
/// value without the cancellation for negative `x`, so the left tail keeps relative accuracy.
/// The derivative takes `Φ(x)` as `y / x` from the forward output `y` (so `df` must be given
/// `y = f(x)`, as the trait requires) and `φ(x)` from `x`.
///
/// **Tanh** (`approximate='tanh'`, name `"gelu_tanh"`):
/// `f(x) = 0.5·x·(1 + tanh(u))`, `u = √(2/π)·(x + 0.044715·x³)`, derivative
/// `f'(x) = 0.5·(1 + tanh(u)) + 0.5·x·(1 − tanh²(u))·√(2/π)·(1 + 3·0.044715·x²)`.
/// Evaluated through the identities `0.5·(1 + tanh(u)) = σ(2u)` and
/// `1 − tanh²(u) = 4·σ(2u)·σ(−2u)` with an overflow-free sigmoid (no cancellation for
/// negative `x`); where `σ(2u)·σ(−2u)` underflows to 0 the second term is 0, so huge `|x|`
/// (where `x³` or `x²` overflow) still give finite results.
///
/// Both forms are finite for every finite input: `f(±1000) = 1000` / `0`, `f'(±1000) = 1` / `0`.
///
/// Hendrycks & Gimpel, "Gaussian Error Linear Units (GELUs)", 2016 (arXiv:1606.08415).
///
/// ```
/// use trustnn::activation::{Elementwise, Gelu};
/// let exact = Gelu::exact();
/// assert!((exact.f(1.0) - 0.841_344_7).abs() < 1e-6);
/// assert_eq!(exact.f(-1000.0), 0.0);
/// let approx = Gelu::tanh();
/// assert_eq!(approx.name(), "gelu_tanh");
/// assert!((approx.f(1.0) - 0.841_192).abs() < 1e-6);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Gelu {
    /// Exact (erf) or tanh-approximated form.
    pub approximate: GeluApproximation,
}

impl Gelu {
    /// A GELU of the given form.
    pub fn new(approximate: GeluApproximation) -> Self {
        Gelu { approximate }
    }

    /// The exact erf form (PyTorch's `approximate='none'`; the default).
    pub fn exact() -> Self {
        Gelu::new(GeluApproximation::Exact)
    }

    /// The tanh approximation (PyTorch's `approximate='tanh'`).
    pub fn tanh() -> Self {
        Gelu::new(GeluApproximation::Tanh)
    }
}

/// `Φ(x) = 0.5·erfc(−x/√2)`.
#[inline]
fn normal_cdf(x: f32) -> f32 {
    0.5 * libm::erfcf(-x * FRAC_1_SQRT_2)
}

/// `(σ(2u), σ(−2u), du/dx)` of the tanh approximation, `u = √(2/π)·(x + κ·x³)`.
#[inline]
fn tanh_parts(x: f32) -> (f32, f32, f32) {
    let x2 = x * x;
    let two_u = 2.0 * SQRT_2_OVER_PI * (x + KAPPA * x2 * x);
    let (s, s_neg) = sigmoid_pair(two_u);
    let du = SQRT_2_OVER_PI * (1.0 + 3.0 * KAPPA * x2);
    (s, s_neg, du)
}

impl Elementwise for Gelu {
    fn name(&self) -> &'static str {
        match self.approximate {
            GeluApproximation::Exact => "gelu",
            GeluApproximation::Tanh => "gelu_tanh",
        }
    }
    #[inline]
    fn f(&self, x: f32) -> f32 {
        match self.approximate {
            GeluApproximation::Exact => x * normal_cdf(x),
            GeluApproximation::Tanh => x * tanh_parts(x).0,
        }
    }
    #[inline]
    fn df(&self, x: f32, y: f32) -> f32 {
        match self.approximate {
            GeluApproximation::Exact => {
                // Φ(x) = y / x saves a second erfc (the costliest step); y = x·Φ(x) keeps
                // Φ's relative accuracy (~2 ulp). Near 0 (where y could be subnormal) Φ is
                // 0.5 to within |x|·φ(0) < 4e-31.
                let cdf = if x.abs() > 1e-30 { y / x } else { 0.5 };
                // exp(−x²/2) is 0 once x² is large (or infinite), and x·0 = 0 for finite x.
                cdf + x * ((-0.5 * x * x).exp() * INV_SQRT_2PI)
            }
            GeluApproximation::Tanh => {
                let (s, s_neg, du) = tanh_parts(x);
                let w = s * s_neg;
                if w == 0.0 {
                    // Saturated: |2u| > ~103, the second term is below f32's range, while
                    // x·du might overflow (|x| > ~1e13); skip it.
                    s
                } else {
                    s + 2.0 * x * w * du
                }
            }
        }
    }
}
