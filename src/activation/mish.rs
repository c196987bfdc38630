//! [`Mish`]: the self-regularized activation `x · tanh(softplus(x))`, as `torch.nn.Mish`.

use super::Elementwise;

/// Above this input, `tanh(softplus(x))` is `1` in `f32` (it is `1 − 2/(e^{2x} + …)`, below
/// half an ulp of 1 from `x ≈ 9`), so `f(x) = x` and `f'(x) = 1` exactly as in `f32`
/// arithmetic; this also keeps `exp(x)²` from overflowing.
const MISH_LINEAR_ABOVE: f32 = 20.0;

/// Mish `f(x) = x · tanh(softplus(x)) = x · tanh(log(1 + exp(x)))` (`torch.nn.Mish`, the
/// softplus with `β = 1`).
///
/// With `e = exp(x)` and `n = e·(e + 2)`, `tanh(softplus(x)) = n / (n + 2)` exactly, which
/// has no cancellation for negative `x` (where it is `≈ e`) and no overflow for `x ≤ 20`;
/// above 20 the factor is `1` in `f32` and `f(x) = x`.
///
/// Derivative (PyTorch's `mish_backward` formula):
/// `f'(x) = tanh(softplus(x)) + x · σ(x) · (1 − tanh²(softplus(x)))`, with
/// `1 − tanh² = (4n + 4) / (n + 2)²` (no cancellation); `1` above 20. Finite for every finite
/// input: `f(−1000) = 0` and `f'(−1000) = 0`, `f(1000) = 1000` and `f'(1000) = 1`.
///
/// Misra, "Mish: A Self Regularized Non-Monotonic Activation Function", BMVC 2020
/// (arXiv:1908.08681).
///
/// ```
/// use trustnn::activation::{Elementwise, Mish};
/// assert_eq!(Mish.f(0.0), 0.0);
/// assert!((Mish.df(0.0, 0.0) - 0.6).abs() < 1e-6);  // tanh(ln 2) = 0.6
/// assert_eq!(Mish.f(-1000.0), 0.0);
/// assert_eq!(Mish.f(1000.0), 1000.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mish;

impl Elementwise for Mish {
    fn name(&self) -> &'static str {
        "mish"
    }
    #[inline]
    fn f(&self, x: f32) -> f32 {
        if x > MISH_LINEAR_ABOVE {
            return x;
        }
        let e = x.exp();
        let n = e * (e + 2.0);
        x * (n / (n + 2.0))
    }
    #[inline]
    fn df(&self, x: f32, _y: f32) -> f32 {
        if x > MISH_LINEAR_ABOVE {
            return 1.0;
        }
        let e = x.exp();
        let n = e * (e + 2.0);
        let d = n + 2.0;
        let tsp = n / d;
        let sig = e / (1.0 + e);
        tsp + x * sig * (4.0 * (n + 1.0)) / (d * d)
    }
}
