//! [`Identity`]: the activation that changes nothing, as `torch.nn.Identity`.

use super::Elementwise;

/// The identity `f(x) = x`, with `f'(x) = 1` (`torch.nn.Identity`; Keras' `"linear"`).
///
/// Useful as the output activation of a regression model, or to compare a model with and
/// without a nonlinearity.
///
/// ```
/// use trustnn::activation::{Elementwise, Identity};
/// assert_eq!(Identity.f(-3.5), -3.5);
/// assert_eq!(Identity.df(-3.5, -3.5), 1.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Identity;

impl Elementwise for Identity {
    fn name(&self) -> &'static str {
        "identity"
    }
    #[inline]
    fn f(&self, x: f32) -> f32 {
        x
    }
    #[inline]
    fn df(&self, _x: f32, _y: f32) -> f32 {
        1.0
    }
}
