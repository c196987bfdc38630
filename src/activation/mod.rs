//! The [`Activation`] trait and the built-in activation functions.
//!
//! An activation maps a `[batch, features]` block to one of the same shape. Element-wise
//! activations implement the simpler [`Elementwise`] trait (a scalar function and its
//! derivative) and get [`Activation`] for free; [`Softmax`] works row by row. Definitions
//! follow PyTorch's `torch.nn` (names, default parameters, and formulas), and each is
//! written to stay finite and accurate for large `|x|`.

use std::fmt;

use ndarray::{ArrayView2, ArrayViewMut2, Zip};

use crate::error::Result;

/// A differentiable function applied to each sample of a batch.
///
/// `x` is the input (pre-activation), `y` the output; both are `[batch, features]` views
/// of the same shape. Implement [`Elementwise`] instead when the function acts on each value
/// alone.
pub trait Activation: Send + Sync + fmt::Debug {
    /// The name, in snake case (`"relu"`, `"leaky_relu"`).
    fn name(&self) -> &'static str;

    /// Checks the activation's parameters (e.g. `alpha` finite).
    fn validate(&self) -> Result<()> {
        Ok(())
    }

    /// Writes `y = f(x)`.
    fn forward(&self, x: ArrayView2<'_, f32>, y: ArrayViewMut2<'_, f32>);

    /// Writes `grad_x = J_f(x)ᵀ · grad_y`, given the `x` and `y` of the forward pass.
    fn backward(
        &self,
        x: ArrayView2<'_, f32>,
        y: ArrayView2<'_, f32>,
        grad_y: ArrayView2<'_, f32>,
        grad_x: ArrayViewMut2<'_, f32>,
    );

    /// A boxed copy (activations are small values).
    fn clone_box(&self) -> Box<dyn Activation>;
}

impl Clone for Box<dyn Activation> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// An activation applied to each value independently: `y = f(x)`, `dy/dx = f'(x)`.
pub trait Elementwise: Clone + Send + Sync + fmt::Debug + 'static {
    /// The name, in snake case.
    fn name(&self) -> &'static str;
    /// Checks the parameters.
    fn validate(&self) -> Result<()> {
        Ok(())
    }
    /// `f(x)`.
    fn f(&self, x: f32) -> f32;
    /// `f'(x)`, given also `y = f(x)` (cheaper for sigmoid and tanh).
    fn df(&self, x: f32, y: f32) -> f32;
}

impl<T: Elementwise> Activation for T {
    fn name(&self) -> &'static str {
        Elementwise::name(self)
    }
    fn validate(&self) -> Result<()> {
        Elementwise::validate(self)
    }
    fn forward(&self, x: ArrayView2<'_, f32>, y: ArrayViewMut2<'_, f32>) {
        Zip::from(y).and(x).for_each(|y, &x| *y = self.f(x));
    }
    fn backward(
        &self,
        x: ArrayView2<'_, f32>,
        y: ArrayView2<'_, f32>,
        grad_y: ArrayView2<'_, f32>,
        grad_x: ArrayViewMut2<'_, f32>,
    ) {
        Zip::from(grad_x)
            .and(x)
            .and(y)
            .and(grad_y)
            .for_each(|gx, &x, &y, &gy| *gx = gy * self.df(x, y));
    }
    fn clone_box(&self) -> Box<dyn Activation> {
        Box::new(self.clone())
    }
}
