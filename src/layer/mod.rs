//! The [`Layer`] trait and the built-in layers.
//!
//! A layer maps a batch to a batch. `forward` computes its output (in [`Mode::Train`] or
//! [`Mode::Eval`]) and caches what its `backward` needs; `backward` takes `dL/d(output)`,
//! **accumulates** the gradients of the layer's parameters (as PyTorch's `.backward()` does —
//! [`Layer::zero_grad`] clears them) and returns `dL/d(input)`. Backpropagation is written by
//! hand for every layer and checked against finite differences (see [`crate::gradcheck`]).
//!
//! Layers own their output and input-gradient buffers and return references to them, so a
//! training step reuses the same memory once warm instead of allocating per step.

mod activation_layer;
mod batch_norm;
mod dense;
mod dropout;
mod flatten;
mod spec;

pub use activation_layer::ActivationLayer;
pub use batch_norm::BatchNorm;
pub use dense::Dense;
pub use dropout::Dropout;
pub use flatten::Flatten;
pub use spec::{InitSpec, LayerSpec, from_spec};
pub(crate) use spec::{exact_f32, same_debug};

use std::fmt;

use crate::error::Result;
use crate::rng::Rng;
use crate::tensor::Tensor;

/// Whether a forward pass is part of training or of inference.
///
/// Dropout drops units only in `Train`; BatchNorm uses batch statistics (and updates its
/// running statistics) in `Train` and its running statistics in `Eval`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Training: stochastic layers are active, statistics are updated.
    Train,
    /// Inference: deterministic; nothing in the layer changes.
    Eval,
}

/// What a parameter is, which decides how regularizers and optimizers treat it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParamKind {
    /// A trainable weight (regularizers apply to these).
    Weight,
    /// A trainable bias or shift (regularizers never apply to these).
    Bias,
    /// A non-trainable buffer that is part of the layer's state, such as BatchNorm's
    /// running mean (PyTorch's "buffers"). Optimizers skip these; model files keep them.
    Buffer,
}

/// A named tensor of a layer, with its gradient.
///
/// Its [`Param::name`] is the layer's name and the local name joined by a dot
/// (`"dense_1.weight"`, as in a PyTorch `state_dict`); optimizer state is keyed by it.
#[derive(Clone, Debug)]
pub struct Param {
    name: String,
    local: &'static str,
    kind: ParamKind,
    value: Tensor,
    grad: Tensor,
}

impl Param {
    /// A parameter with local name `local` (e.g. `"weight"`), its gradient set to zero.
    pub fn new(local: &'static str, kind: ParamKind, value: Tensor) -> Self {
        let grad = match kind {
            ParamKind::Buffer => Tensor::default(),
            _ => Tensor::zeros(value.shape()),
        };
        Param {
            name: local.to_string(),
            local,
            kind,
            value,
            grad,
        }
    }

    /// Full name: `"{layer}.{local}"`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Local name within the layer (`"weight"`, `"bias"`, `"running_mean"`, ...).
    pub fn local_name(&self) -> &'static str {
        self.local
    }

    /// What the parameter is.
    pub fn kind(&self) -> ParamKind {
        self.kind
    }

    /// True for weights and biases, false for buffers.
    pub fn is_trainable(&self) -> bool {
        self.kind != ParamKind::Buffer
    }

    /// The current value.
    pub fn value(&self) -> &Tensor {
        &self.value
    }

    /// The current value, mutable (the shape must be kept).
    pub fn value_mut(&mut self) -> &mut Tensor {
        &mut self.value
    }

    /// The accumulated gradient `dL/d(value)` (empty for buffers).
    pub fn grad(&self) -> &Tensor {
        &self.grad
    }

    /// The accumulated gradient, mutable.
    pub fn grad_mut(&mut self) -> &mut Tensor {
        &mut self.grad
    }

    /// The name, the values (mutable) and the gradient at once: what an optimizer needs to
    /// update the parameter.
    pub fn name_value_grad_mut(&mut self) -> (&str, &mut [f32], &[f32]) {
        (&self.name, self.value.as_slice_mut(), self.grad.as_slice())
    }

    /// The value and the gradient (mutable) at once: what a regularizer needs.
    pub fn value_grad_mut(&mut self) -> (&Tensor, &mut Tensor) {
        (&self.value, &mut self.grad)
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.value.len()
    }

    /// True if the parameter holds no values.
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// Renames the parameter for a layer called `layer`.
    pub fn set_layer_name(&mut self, layer: &str) {
        self.name.clear();
        self.name.push_str(layer);
        self.name.push('.');
        self.name.push_str(self.local);
    }
}

/// A layer of a [`crate::Sequential`] model, with hand-written backpropagation.
///
/// Shapes passed to [`Layer::build`] and [`Layer::output_shape`] are *sample* shapes, without
/// the batch axis. Implementations validate their input in `forward`/`backward` and return
/// [`crate::Error::ShapeMismatch`] naming the layer.
///
/// To write a custom layer, implement this trait and check it with
/// [`crate::gradcheck::check_layer`].
pub trait Layer: Send + fmt::Debug {
    /// The layer's name, unique within a model (`"dense_1"`); empty until the model names it.
    fn name(&self) -> &str;

    /// Sets the name (and renames the parameters to `"{name}.{local}"`).
    fn set_name(&mut self, name: &str);

    /// The kind in snake case (`"dense"`, `"dropout"`); the model's default names derive from it.
    fn kind(&self) -> &'static str;

    /// The sample shape this layer requires as input, if it fixes one (a `Dense` layer does).
    fn input_shape(&self) -> Option<Vec<usize>> {
        None
    }

    /// The sample shape this layer outputs for a sample shape `input`, or a shape error.
    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>>;

    /// Checks the configuration and the input shape, allocates and initializes the
    /// parameters from `rng`, and returns the output sample shape. Building again
    /// re-initializes.
    fn build(&mut self, input: &[usize], rng: &mut Rng) -> Result<Vec<usize>>;

    /// Computes the output for batch `x`, caching what `backward` needs.
    fn forward(&mut self, x: &Tensor, mode: Mode) -> Result<&Tensor>;

    /// Computes the output for batch `x` in evaluation mode for prediction only: no
    /// `backward` may follow, so a layer may skip caching what `backward` needs (a `Dense`
    /// layer does not copy its input). The default is `forward(x, Mode::Eval)`. Used by
    /// [`crate::Sequential::predict`] and [`crate::Sequential::infer`].
    fn infer(&mut self, x: &Tensor) -> Result<&Tensor> {
        self.forward(x, Mode::Eval)
    }

    /// Given `dL/d(output)` of the last `forward`, accumulates parameter gradients and
    /// returns `dL/d(input)`.
    fn backward(&mut self, grad_out: &Tensor) -> Result<&Tensor>;

    /// Like [`Layer::backward`] when `dL/d(input)` is not needed (the first layer of a
    /// model); layers override it to skip that work.
    fn backward_params(&mut self, grad_out: &Tensor) -> Result<()> {
        self.backward(grad_out).map(|_| ())
    }

    /// Like [`Layer::backward`] when the parameter gradients are not needed (a pass that
    /// only propagates `dL/d(input)`, such as the norm pass of differentially private
    /// training): layers may skip the parameter-gradient work, and whether they accumulate
    /// into the parameter gradients is unspecified. The default is `backward`.
    fn backward_input(&mut self, grad_out: &Tensor) -> Result<&Tensor> {
        self.backward(grad_out)
    }

    /// A complete description of the layer's configuration (not its weights), from which
    /// [`from_spec`] rebuilds an equal layer; model files ([`crate::io`]) store it.
    ///
    /// The default, `None`, means "this layer cannot be saved": saving a model that
    /// contains it fails with an error naming the layer. Built-in layers return `Some`
    /// unless they hold a custom part (an activation or regularizer without a spec).
    fn spec(&self) -> Option<LayerSpec> {
        None
    }

    /// The layer's parameters and buffers.
    fn params(&self) -> &[Param] {
        &[]
    }

    /// The layer's parameters and buffers, mutable.
    fn params_mut(&mut self) -> &mut [Param] {
        &mut []
    }

    /// The name of the activation this layer applies, if it is an activation layer (used by
    /// the training diagnostics to count dead and saturated units).
    fn activation_name(&self) -> Option<&'static str> {
        None
    }

    /// The layer's own random-number generator, if it draws random numbers (dropout masks);
    /// saved in checkpoints so that resumed training continues the same random stream.
    fn rng(&self) -> Option<&Rng> {
        None
    }

    /// The layer's random-number generator, mutable (to restore it from a checkpoint).
    fn rng_mut(&mut self) -> Option<&mut Rng> {
        None
    }

    /// The regularization penalty of the layer's weights (0 without a regularizer).
    fn penalty(&self) -> f32 {
        0.0
    }

    /// Whether the output for one example depends on the other examples of the batch in
    /// training mode (BatchNorm's batch statistics). Such a layer has no per-example
    /// gradients, so differentially private training refuses it. Default: false.
    fn mixes_examples(&self) -> bool {
        false
    }

    /// Adds to `sq_norms[i]`, for each example `i` of the last `forward` batch, the squared
    /// L2 norm of example `i`'s own gradient of this layer's *trainable* parameters, given
    /// `grad_out` = `dL/d(output)` of that batch, where `L` is the sum of the examples' losses
    /// or any per-row scaling of it (the norm is of the gradient that `grad_out`'s row `i`
    /// alone would produce). The regularizer's gradient is not part of it. Call it before
    /// [`Layer::backward`] for the same batch. Differentially private training
    /// ([`crate::privacy::dpsgd`]) clips each example's gradient by these norms, as Opacus'
    /// per-sample gradients do, without a pass per example.
    ///
    /// The default serves layers without trainable parameters (it adds nothing) and refuses
    /// the others with an error naming the layer; layers with parameters override it (a
    /// [`Dense`] layer uses `‖x_i‖²·‖g_i‖²` for its weight and `‖g_i‖²` for its bias,
    /// Goodfellow 2015, "Efficient per-example gradient computations").
    fn add_example_grad_sq_norms(&self, grad_out: &Tensor, sq_norms: &mut [f64]) -> Result<()> {
        let _ = (grad_out, sq_norms);
        if self.params().iter().any(Param::is_trainable) {
            Err(crate::Error::config(
                format!("layer {}", self.name()),
                self.kind(),
                "does not provide per-example gradient norms (Layer::add_example_grad_sq_norms), \
                 which differentially private training needs",
            ))
        } else {
            Ok(())
        }
    }

    /// Sets every parameter gradient to zero.
    fn zero_grad(&mut self) {
        for p in self.params_mut() {
            p.grad_mut().fill(0.0);
        }
    }

    /// Number of trainable values.
    fn num_params(&self) -> usize {
        self.params()
            .iter()
            .filter(|p| p.is_trainable())
            .map(Param::len)
            .sum()
    }
}

/// Checks that `x` is `[batch, expected...]` with `batch >= 1`; names `layer` in the error.
pub(crate) fn check_input(layer: &str, x: &Tensor, expected: &[usize]) -> Result<()> {
    if x.ndim() != expected.len() + 1 || x.sample_shape() != expected {
        return Err(crate::Error::shape(
            layer,
            format!("[*, {}]", join_dims(expected)),
            x.shape(),
        ));
    }
    if x.batch_size() == 0 {
        return Err(crate::Error::empty(format!("{layer} (batch of 0 samples)")));
    }
    Ok(())
}

/// Checks that a gradient has the shape of the output it belongs to.
pub(crate) fn check_grad(layer: &str, grad: &Tensor, output: &Tensor) -> Result<()> {
    if grad.shape() != output.shape() {
        return Err(crate::Error::shape(
            format!("{layer} (backward: gradient of the last forward's output)"),
            format!("{:?}", output.shape()),
            grad.shape(),
        ));
    }
    Ok(())
}

pub(crate) fn join_dims(d: &[usize]) -> String {
    d.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ")
}
