//! [`ActivationLayer`]: applies an [`Activation`] to every sample.

use super::{Layer, LayerSpec, Mode, check_grad, same_debug};
use crate::activation::{self, Activation};
use crate::error::{Error, Result};
use crate::rng::Rng;
use crate::tensor::Tensor;

/// A layer that applies an activation function (Keras' `Activation` layer).
///
/// Works on any sample shape: each sample is flattened to a row, so a row-wise activation
/// such as softmax acts over all of a sample's values.
///
/// ```
/// use trustnn::{activation::Relu, layer::{ActivationLayer, Layer, Mode}, Tensor};
/// let mut l = ActivationLayer::new(Relu);
/// let y = l.forward(&Tensor::from_vec(vec![-1.0, 2.0], &[1, 2])?, Mode::Eval)?;
/// assert_eq!(y.as_slice(), &[0.0, 2.0]);
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ActivationLayer {
    name: String,
    activation: Box<dyn Activation>,
    input: Tensor,
    output: Tensor,
    grad_input: Tensor,
}

impl ActivationLayer {
    /// A layer applying `activation`.
    pub fn new(activation: impl Activation + 'static) -> Self {
        Self::from_box(Box::new(activation))
    }

    /// A layer applying a boxed activation.
    pub fn from_box(activation: Box<dyn Activation>) -> Self {
        ActivationLayer {
            name: String::new(),
            activation,
            input: Tensor::default(),
            output: Tensor::default(),
            grad_input: Tensor::default(),
        }
    }

    /// Sets the layer's name.
    pub fn named(mut self, name: &str) -> Self {
        self.name = name.to_string();
        self
    }

    /// The activation function.
    pub fn activation(&self) -> &dyn Activation {
        self.activation.as_ref()
    }

    /// True when the backward pass can read `f'(x)` from the output instead of the input, so
    /// that forward need not keep a copy of its input: ReLU (`y > 0` exactly when `x > 0`,
    /// and `y = 0` with derivative 0 otherwise, NaN staying NaN) and identity (`y = x`).
    fn backward_from_output(&self) -> bool {
        matches!(self.activation.name(), "relu" | "identity")
    }
}

impl Layer for ActivationLayer {
    fn name(&self) -> &str {
        &self.name
    }

    fn set_name(&mut self, name: &str) {
        self.name = name.to_string();
    }

    fn kind(&self) -> &'static str {
        "activation"
    }

    fn activation_name(&self) -> Option<&'static str> {
        Some(self.activation.name())
    }

    /// The activation's name and parameters; `None` for a custom activation, i.e. one that
    /// [`activation::from_spec`] does not rebuild exactly (compared by its `Debug` form).
    fn spec(&self) -> Option<LayerSpec> {
        let params: Vec<(String, f32)> = self
            .activation
            .params()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let name = self.activation.name();
        let rebuilt = activation::from_spec(name, &params).ok()?;
        same_debug(&rebuilt, &self.activation).then(|| LayerSpec::Activation {
            activation: name.to_string(),
            params,
        })
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>> {
        Ok(input.to_vec())
    }

    fn build(&mut self, input: &[usize], _rng: &mut Rng) -> Result<Vec<usize>> {
        self.activation.validate()?;
        self.output_shape(input)
    }

    fn forward(&mut self, x: &Tensor, _mode: Mode) -> Result<&Tensor> {
        if x.ndim() == 0 || x.batch_size() == 0 {
            return Err(Error::empty(format!("{} (activation input)", self.name)));
        }
        self.output.resize_like(x);
        self.activation.forward(x.view2(), self.output.view2_mut());
        if !self.backward_from_output() {
            self.input.assign(x);
        }
        Ok(&self.output)
    }

    fn backward(&mut self, grad_out: &Tensor) -> Result<&Tensor> {
        check_grad(&self.name, grad_out, &self.output)?;
        self.grad_input.resize_like(grad_out);
        // For ReLU and identity, f'(x) depends only on the sign of x, which y = f(x) keeps.
        let x = if self.backward_from_output() {
            self.output.view2()
        } else {
            self.input.view2()
        };
        self.activation.backward(
            x,
            self.output.view2(),
            grad_out.view2(),
            self.grad_input.view2_mut(),
        );
        Ok(&self.grad_input)
    }
}
