//! [`Softmax`]: the normalized exponential over each sample's features, as
//! `torch.nn.Softmax(dim=1)` on a `[batch, features]` input.

use ndarray::{ArrayView2, ArrayViewMut2, Zip};

use super::Activation;

/// The softmax of each row: `y_i = exp(x_i − m) / Σ_j exp(x_j − m)` with `m = max_j x_j`
/// (`torch.nn.Softmax(dim=1)`; [`ActivationLayer`](crate::layer::ActivationLayer) flattens
/// each sample to one row, so the softmax runs over all of a sample's values).
///
/// Subtracting the row maximum leaves the result unchanged mathematically and keeps every
/// exponent `≤ 0`, so nothing overflows: `softmax([1000, −1000, 0]) = [1, 0, 0]`. As
/// PyTorch, the row is normalized by multiplying with `1 / Σ`.
///
/// Backward is the Jacobian-vector product (PyTorch's `softmax_backward_data`), per row:
/// `∂L/∂x = y ⊙ (g − Σ_j g_j·y_j)` with `g = ∂L/∂y`, one pass for the dot product and one
/// for the result, no Jacobian formed.
///
/// Bridle, "Probabilistic Interpretation of Feedforward Classification Network Outputs, with
/// Relationships to Statistical Pattern Recognition", 1990.
///
/// ```
/// use ndarray::{array, Array2};
/// use trustnn::activation::{Activation, Softmax};
/// let x = array![[1000.0f32, -1000.0, 0.0], [0.0, 0.0, 0.0]];
/// let mut y = Array2::zeros((2, 3));
/// Softmax.forward(x.view(), y.view_mut());
/// assert_eq!(y.row(0).to_vec(), vec![1.0, 0.0, 0.0]);
/// assert!((y[[1, 2]] - 1.0 / 3.0).abs() < 1e-7);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Softmax;

impl Activation for Softmax {
    fn name(&self) -> &'static str {
        "softmax"
    }

    fn forward(&self, x: ArrayView2<'_, f32>, mut y: ArrayViewMut2<'_, f32>) {
        Zip::from(y.rows_mut()).and(x.rows()).for_each(|mut y, x| {
            let m = x.fold(f32::NEG_INFINITY, |m, &v| m.max(v));
            let mut sum = 0.0f32;
            Zip::from(&mut y).and(&x).for_each(|y, &x| {
                let e = (x - m).exp();
                *y = e;
                sum += e;
            });
            let inv = 1.0 / sum;
            y.map_inplace(|v| *v *= inv);
        });
    }

    fn backward(
        &self,
        _x: ArrayView2<'_, f32>,
        y: ArrayView2<'_, f32>,
        grad_y: ArrayView2<'_, f32>,
        mut grad_x: ArrayViewMut2<'_, f32>,
    ) {
        Zip::from(grad_x.rows_mut())
            .and(y.rows())
            .and(grad_y.rows())
            .for_each(|gx, y, gy| {
                let dot = Zip::from(&y).and(&gy).fold(0.0f32, |acc, &y, &g| acc + y * g);
                Zip::from(gx)
                    .and(&y)
                    .and(&gy)
                    .for_each(|gx, &y, &g| *gx = y * (g - dot));
            });
    }

    fn clone_box(&self) -> Box<dyn Activation> {
        Box::new(*self)
    }
}
