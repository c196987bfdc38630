//! The [`Activation`] trait and the built-in activation functions.
//!
//! An activation maps a `[batch, features]` block to one of the same shape. Element-wise
//! activations implement the simpler [`Elementwise`] trait (a scalar function and its
//! derivative) and get [`Activation`] for free; [`Softmax`] works row by row. Definitions
//! follow PyTorch's `torch.nn` (names, default parameters, and formulas), and each is
//! written to stay finite and accurate for large `|x|`.

//!
//! | name (`by_name`) | type | PyTorch |
//! |---|---|---|
//! | `"identity"`, `"linear"` | [`Identity`] | `nn.Identity` |
//! | `"relu"` | [`Relu`] | `nn.ReLU` |
//! | `"leaky_relu"` | [`LeakyRelu`] (`alpha = 0.01`) | `nn.LeakyReLU` |
//! | `"elu"` | [`Elu`] (`alpha = 1`) | `nn.ELU` |
//! | `"selu"` | [`Selu`] | `nn.SELU` |
//! | `"gelu"` | [`Gelu::exact`] | `nn.GELU()` |
//! | `"gelu_tanh"` | [`Gelu::tanh`] | `nn.GELU(approximate='tanh')` |
//! | `"sigmoid"` | [`Sigmoid`] | `nn.Sigmoid` |
//! | `"tanh"` | [`Tanh`] | `nn.Tanh` |
//! | `"softplus"` | [`Softplus`] (`beta = 1`, `threshold = 20`) | `nn.Softplus` |
//! | `"silu"`, `"swish"` | [`Silu`] (= [`Swish`]) | `nn.SiLU` |
//! | `"mish"` | [`Mish`] | `nn.Mish` |
//! | `"softmax"` | [`Softmax`] | `nn.Softmax(dim=1)` |
//!
//! ```
//! use trustnn::activation::{by_name, Activation};
//! let act = by_name("gelu_tanh")?;
//! assert_eq!(act.name(), "gelu_tanh");
//! assert!(by_name("nope").is_err());
//! # Ok::<(), trustnn::Error>(())
//! ```

mod gelu;
mod identity;
mod mish;
mod relu;
mod sigmoid;
mod softmax;
mod softplus;
mod tanh;

pub use gelu::{Gelu, GeluApproximation};
pub use identity::Identity;
pub use mish::Mish;
pub use relu::{Elu, LeakyRelu, Relu, SELU_ALPHA, SELU_SCALE, Selu};
pub(crate) use sigmoid::sigmoid;
pub use sigmoid::{Sigmoid, Silu, Swish};
pub use softmax::Softmax;
pub use softplus::Softplus;
pub use tanh::Tanh;

use std::fmt;

use ndarray::{ArrayView2, ArrayViewMut2, Zip};

use crate::error::{Error, Result};

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

/// Every name [`by_name`] accepts, in the order of the module's table.
pub const NAMES: &[&str] = &[
    "identity",
    "linear",
    "relu",
    "leaky_relu",
    "elu",
    "selu",
    "gelu",
    "gelu_tanh",
    "sigmoid",
    "tanh",
    "softplus",
    "silu",
    "swish",
    "mish",
    "softmax",
];

/// The activation called `name` (snake case, exact match), with PyTorch's default
/// parameters; see the module table for the names. `"linear"` is an alias of `"identity"`
/// and `"swish"` of `"silu"`; every activation's [`Activation::name`] maps back to an equal
/// activation.
///
/// Fails with [`Error::UnknownName`] listing the known names otherwise.
///
/// ```
/// use trustnn::activation::{by_name, Activation};
/// assert_eq!(by_name("swish")?.name(), "silu");
/// assert_eq!(by_name("leaky_relu")?.name(), "leaky_relu");
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn by_name(name: &str) -> Result<Box<dyn Activation>> {
    Ok(match name {
        "identity" | "linear" => Box::new(Identity),
        "relu" => Box::new(Relu),
        "leaky_relu" => Box::new(LeakyRelu::default()),
        "elu" => Box::new(Elu::default()),
        "selu" => Box::new(Selu),
        "gelu" => Box::new(Gelu::exact()),
        "gelu_tanh" => Box::new(Gelu::tanh()),
        "sigmoid" => Box::new(Sigmoid),
        "tanh" => Box::new(Tanh),
        "softplus" => Box::new(Softplus::default()),
        "silu" | "swish" => Box::new(Silu),
        "mish" => Box::new(Mish),
        "softmax" => Box::new(Softmax),
        _ => {
            return Err(Error::UnknownName {
                context: "activation::by_name".to_string(),
                name: name.to_string(),
                known: NAMES.join(", "),
            });
        }
    })
}
