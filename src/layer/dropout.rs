//! [`Dropout`]: inverted dropout, as `torch.nn.Dropout` (and Keras' `Dropout`).
//!
//! Srivastava, Hinton, Krizhevsky, Sutskever and Salakhutdinov, "Dropout: A Simple Way to
//! Prevent Neural Networks from Overfitting", JMLR 15 (2014). The "inverted" form scales the
//! kept units at training time so that inference is the identity.

use rand::Rng as _;

use super::{Layer, Mode, check_grad};
use crate::error::{Error, Result, check_in_range};
use crate::rng::{Rng, fork};
use crate::tensor::Tensor;

/// Inverted dropout with drop probability `p = rate` (`torch.nn.Dropout(p)`).
///
/// In [`Mode::Train`] every value is kept with probability `1 − p` and then scaled by
/// `1/(1 − p)`, otherwise set to zero:
///
/// `y = x ⊙ m`, `m_i = 1/(1 − p)` with probability `1 − p`, else `0`,
///
/// so `E[y] = x`. In [`Mode::Eval`] the layer is the identity. Backward multiplies the
/// gradient by the same mask: `dL/dx = dL/dy ⊙ m` (the identity after an `Eval` forward).
///
/// Conventions: `rate` is the probability of *dropping* a value, as in PyTorch's `p` and
/// Keras' `rate` (not TensorFlow 1's `keep_prob`). The scale `1/(1 − p)` is computed once in
/// `f32` and each kept value is multiplied by it, as PyTorch multiplies by its scaled
/// Bernoulli mask. A value is kept when a uniform draw `u ∈ [0, 1)` satisfies `u ≥ p`.
///
/// The mask is drawn from the layer's own generator, forked in [`Layer::build`] from the
/// generator passed in, so the model's seed determines every mask (bit-identical across
/// runs); each `Train` forward draws a fresh mask. `rate` must be in `[0, 1)`; it is checked
/// in `build` ([`Error::InvalidConfig`] naming `Dropout.rate`). The mask is kept in a buffer
/// reused across steps.
///
/// ```
/// use trustnn::{layer::{Dropout, Layer, Mode}, Tensor, rng};
/// let mut d = Dropout::new(0.5);
/// d.build(&[4], &mut rng::seeded(0))?;
/// let x = Tensor::full(&[2, 4], 3.0);
/// // Training: each value is either dropped (0) or scaled by 1/(1 − 0.5) = 2.
/// let y = d.forward(&x, Mode::Train)?;
/// assert!(y.as_slice().iter().all(|&v| v == 0.0 || v == 6.0));
/// // Inference: the identity.
/// assert_eq!(d.forward(&x, Mode::Eval)?, &x);
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Dropout {
    name: String,
    rate: f32,
    /// The layer's own generator; `None` until built.
    rng: Option<Rng>,
    /// Whether the last forward dropped values (a `Train` forward with `rate > 0`).
    masked: bool,
    /// `1/(1 − p)` or `0` per value of the last masked forward.
    mask: Tensor,
    output: Tensor,
    grad_input: Tensor,
}

impl Dropout {
    /// A dropout layer that drops each value with probability `rate` (in `[0, 1)`, checked
    /// in [`Layer::build`]).
    pub fn new(rate: f32) -> Self {
        Dropout {
            name: String::new(),
            rate,
            rng: None,
            masked: false,
            mask: Tensor::default(),
            output: Tensor::default(),
            grad_input: Tensor::default(),
        }
    }

    /// Sets the layer's name (otherwise the model names it `dropout`, `dropout_1`, ...).
    pub fn named(mut self, name: &str) -> Self {
        self.set_name(name);
        self
    }

    /// The drop probability `p`.
    pub fn rate(&self) -> f32 {
        self.rate
    }

    fn not_built(&self) -> Error {
        Error::NotReady(format!(
            "layer {:?} (dropout) is not built: call build() first",
            self.name
        ))
    }
}

impl Layer for Dropout {
    fn rng(&self) -> Option<&Rng> {
        self.rng.as_ref()
    }

    fn rng_mut(&mut self) -> Option<&mut Rng> {
        self.rng.as_mut()
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn set_name(&mut self, name: &str) {
        self.name = name.to_string();
    }

    fn kind(&self) -> &'static str {
        "dropout"
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>> {
        Ok(input.to_vec())
    }

    fn build(&mut self, input: &[usize], rng: &mut Rng) -> Result<Vec<usize>> {
        check_in_range("Dropout.rate", self.rate, 0.0, 1.0)?;
        let out = self.output_shape(input)?;
        self.rng = Some(fork(rng));
        self.masked = false;
        Ok(out)
    }

    fn forward(&mut self, x: &Tensor, mode: Mode) -> Result<&Tensor> {
        let Some(rng) = self.rng.as_mut() else {
            return Err(self.not_built());
        };
        if x.ndim() == 0 || x.batch_size() == 0 {
            return Err(Error::empty(format!("{} (dropout input)", self.name)));
        }
        self.output.resize_like(x);
        self.masked = mode == Mode::Train && self.rate > 0.0;
        if !self.masked {
            self.output.as_slice_mut().copy_from_slice(x.as_slice());
            return Ok(&self.output);
        }
        let (rate, scale) = (self.rate, 1.0 / (1.0 - self.rate));
        self.mask.resize_like(x);
        for ((y, m), &v) in self
            .output
            .as_slice_mut()
            .iter_mut()
            .zip(self.mask.as_slice_mut())
            .zip(x.as_slice())
        {
            *m = if rng.random::<f32>() >= rate { scale } else { 0.0 };
            *y = v * *m;
        }
        Ok(&self.output)
    }

    fn backward(&mut self, grad_out: &Tensor) -> Result<&Tensor> {
        check_grad(&self.name, grad_out, &self.output)?;
        self.grad_input.resize_like(grad_out);
        let dx = self.grad_input.as_slice_mut();
        if self.masked {
            for ((d, &g), &m) in dx.iter_mut().zip(grad_out.as_slice()).zip(self.mask.as_slice()) {
                *d = g * m;
            }
        } else {
            dx.copy_from_slice(grad_out.as_slice());
        }
        Ok(&self.grad_input)
    }

    fn backward_params(&mut self, grad_out: &Tensor) -> Result<()> {
        check_grad(&self.name, grad_out, &self.output)
    }
}
