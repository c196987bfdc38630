//! The sigmoid family: [`Sigmoid`] and [`Silu`] (alias [`Swish`]), as `torch.nn.Sigmoid` and
//! `torch.nn.SiLU`.
//!
//! Both are built on one overflow-free evaluation of the logistic function: with
//! `e = exp(−|x|) ∈ (0, 1]`, `σ(|x|) = 1 / (1 + e)` and `σ(−|x|) = e / (1 + e)`. The
//! exponential never overflows, both tails keep full relative accuracy, and
//! `σ(±1000)` is exactly `1` / `0`.

use super::Elementwise;

/// `(σ(x), σ(−x)) = (σ(x), 1 − σ(x))` from a single `exp(−|x|)`, which never overflows.
#[inline]
pub(crate) fn sigmoid_pair(x: f32) -> (f32, f32) {
    let e = (-x.abs()).exp();
    let big = 1.0 / (1.0 + e);
    let small = e * big;
    if x >= 0.0 { (big, small) } else { (small, big) }
}

/// The logistic function `σ(x) = 1 / (1 + exp(−x))`, evaluated without overflow.
#[inline]
pub(crate) fn sigmoid(x: f32) -> f32 {
    sigmoid_pair(x).0
}

/// The logistic sigmoid `f(x) = σ(x) = 1 / (1 + exp(−x))` (`torch.nn.Sigmoid`).
///
/// Derivative: `f'(x) = y · (1 − y)` with `y = f(x)`, as PyTorch's `sigmoid_backward`.
/// Evaluated as `1 / (1 + exp(−|x|))` or `exp(−|x|) / (1 + exp(−|x|))` by the sign of `x`,
/// so no exponential overflows: `σ(1000) = 1`, `σ(−1000) = 0`, derivative `0` at both.
///
/// ```
/// use trustnn::activation::{Elementwise, Sigmoid};
/// assert_eq!(Sigmoid.f(0.0), 0.5);
/// assert_eq!(Sigmoid.f(1000.0), 1.0);
/// assert_eq!(Sigmoid.f(-1000.0), 0.0);
/// assert_eq!(Sigmoid.df(0.0, 0.5), 0.25);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sigmoid;

impl Elementwise for Sigmoid {
    fn name(&self) -> &'static str {
        "sigmoid"
    }
    #[inline]
    fn f(&self, x: f32) -> f32 {
        sigmoid(x)
    }
    #[inline]
    fn df(&self, _x: f32, y: f32) -> f32 {
        y * (1.0 - y)
    }
}

/// The sigmoid-weighted linear unit `f(x) = x · σ(x)` (`torch.nn.SiLU`; also called swish,
/// see [`Swish`]).
///
/// Derivative: `f'(x) = σ(x) · (1 + x · (1 − σ(x)))`, PyTorch's `silu_backward` formula,
/// computed from `x` with `σ(x)` and `1 − σ(x) = σ(−x)` both taken from one overflow-free
/// `exp(−|x|)`. Finite for every finite input: `f(−1000) = 0`, `f'(−1000) = 0`,
/// `f(1000) = 1000`, `f'(1000) = 1`.
///
/// Elfwing, Uchibe & Doya, "Sigmoid-Weighted Linear Units for Neural Network Function
/// Approximation in Reinforcement Learning", Neural Networks 2018; Ramachandran, Zoph & Le,
/// "Searching for Activation Functions", 2017 (swish).
///
/// ```
/// use trustnn::activation::{Elementwise, Silu};
/// assert_eq!(Silu.f(0.0), 0.0);
/// assert_eq!(Silu.df(0.0, 0.0), 0.5);
/// assert_eq!(Silu.f(-1000.0), 0.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Silu;

/// Swish with `β = 1` is SiLU: `x · σ(x)`. Its name is `"silu"`.
pub type Swish = Silu;

impl Elementwise for Silu {
    fn name(&self) -> &'static str {
        "silu"
    }
    #[inline]
    fn f(&self, x: f32) -> f32 {
        x * sigmoid(x)
    }
    #[inline]
    fn df(&self, x: f32, _y: f32) -> f32 {
        let (s, one_minus_s) = sigmoid_pair(x);
        s * (1.0 + x * one_minus_s)
    }
}
