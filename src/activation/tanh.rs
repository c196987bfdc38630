//! [`Tanh`]: the hyperbolic tangent, as `torch.nn.Tanh`.

use super::Elementwise;

/// The hyperbolic tangent `f(x) = tanh(x) = (exp(x) − exp(−x)) / (exp(x) + exp(−x))`
/// (`torch.nn.Tanh`).
///
/// Derivative: `f'(x) = 1 − y²` with `y = f(x)`, as PyTorch's `tanh_backward`. Evaluated by
/// the standard library's `tanh`, which saturates to `±1` without overflow (derivative `0`).
///
/// LeCun, Bottou, Orr & Müller, "Efficient BackProp", 1998 (tanh in neural networks).
///
/// ```
/// use trustnn::activation::{Elementwise, Tanh};
/// assert_eq!(Tanh.f(0.0), 0.0);
/// assert_eq!(Tanh.f(1000.0), 1.0);
/// assert_eq!(Tanh.df(0.0, 0.0), 1.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tanh;

impl Elementwise for Tanh {
    fn name(&self) -> &'static str {
        "tanh"
    }
    #[inline]
    fn f(&self, x: f32) -> f32 {
        x.tanh()
    }
    #[inline]
    fn df(&self, _x: f32, y: f32) -> f32 {
        1.0 - y * y
    }
}
