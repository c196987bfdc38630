//! [`Flatten`]: reshapes each sample to one row.

use super::{Layer, LayerSpec, Mode, check_grad};
use crate::error::{Error, Result};
use crate::rng::Rng;
use crate::tensor::Tensor;

/// Flattens each sample: `[N, d1, d2, ...]` → `[N, d1·d2·...]` (Keras' `Flatten`,
/// PyTorch's `nn.Flatten()`), in row-major order. Backward reshapes the gradient back.
///
/// ```
/// use trustnn::{layer::{Flatten, Layer, Mode}, Tensor};
/// let mut f = Flatten::new();
/// let y = f.forward(&Tensor::zeros(&[2, 3, 4]), Mode::Eval)?;
/// assert_eq!(y.shape(), &[2, 12]);
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Flatten {
    name: String,
    in_shape: Vec<usize>,
    output: Tensor,
    grad_input: Tensor,
}

impl Flatten {
    /// A flatten layer.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Layer for Flatten {
    fn name(&self) -> &str {
        &self.name
    }

    fn set_name(&mut self, name: &str) {
        self.name = name.to_string();
    }

    fn kind(&self) -> &'static str {
        "flatten"
    }

    fn spec(&self) -> Option<LayerSpec> {
        Some(LayerSpec::Flatten)
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>> {
        Ok(vec![input.iter().product()])
    }

    fn build(&mut self, input: &[usize], _rng: &mut Rng) -> Result<Vec<usize>> {
        self.output_shape(input)
    }

    fn forward(&mut self, x: &Tensor, _mode: Mode) -> Result<&Tensor> {
        if x.ndim() == 0 || x.batch_size() == 0 {
            return Err(Error::empty(format!("{} (flatten input)", self.name)));
        }
        self.in_shape.clear();
        self.in_shape.extend_from_slice(x.shape());
        self.output.resize(&[x.batch_size(), x.sample_size()]);
        self.output.as_slice_mut().copy_from_slice(x.as_slice());
        Ok(&self.output)
    }

    fn backward(&mut self, grad_out: &Tensor) -> Result<&Tensor> {
        check_grad(&self.name, grad_out, &self.output)?;
        self.grad_input.resize(&self.in_shape);
        self.grad_input
            .as_slice_mut()
            .copy_from_slice(grad_out.as_slice());
        Ok(&self.grad_input)
    }
}
