//! [`Sequential`]: a stack of layers trained with a loss and an optimizer.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rand::seq::SliceRandom;

use super::diagnostics::DiagState;
use super::fit::AdversarialExamples;
use super::metric::classes;
use super::{Callback, Control, FitConfig, GradientClip, History, Metric};
use crate::error::{Error, Result};
use crate::layer::{Layer, Mode, Param, join_dims};
use crate::loss::{Loss, OutputKind, check_weights};
use crate::optim::Optimizer;
use crate::privacy::dpsgd::DpSgd;
use crate::progress::TrainingProgress;
use crate::rng::{Rng, seeded};
use crate::tensor::Tensor;

/// Rows per chunk when `predict` and `evaluate` run over many samples.
const INFERENCE_CHUNK: usize = 1024;

/// A feed-forward model: layers applied in order.
///
/// Build it fluently, `compile` it with a loss and an optimizer (which checks that the
/// layers fit together and initializes the weights from the seed), then `fit`, `evaluate`
/// and `predict`. For custom training loops, `forward`, `backward` and `train_step` are
/// public, and `input_gradient` gives `dL/dx` for explanations and adversarial examples.
///
/// ```
/// use trustnn::prelude::*;
///
/// let x = Tensor::from_rows(&[[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])?;
/// let y = Tensor::from_vec(vec![0.0, 1.0, 1.0, 0.0], &[4, 1])?;
/// let mut model = Sequential::new()
///     .seed(1)
///     .add(Dense::new(2, 8))
///     .add(ActivationLayer::new(Tanh))
///     .add(Dense::new(8, 1));
/// model.compile(BinaryCrossEntropyWithLogits, Adam::new(0.05))?;
/// let history = model.fit(&x, &y, &FitConfig::new().epochs(300).batch_size(4))?;
/// assert!(history.last("loss").unwrap() < 0.1);
/// assert_eq!(model.predict_classes(&x)?, vec![0, 1, 1, 0]);
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Debug)]
pub struct Sequential {
    layers: Vec<Box<dyn Layer>>,
    loss: Option<Box<dyn Loss>>,
    optimizer: Option<Box<dyn Optimizer>>,
    seed: u64,
    input_shape: Option<Vec<usize>>,
    built_input: Vec<usize>,
    output_shape: Vec<usize>,
    built: bool,
    shuffle_rng: Rng,
    // Buffers reused across training steps.
    loss_grad: Tensor,
    batch_x: Tensor,
    batch_y: Tensor,
    batch_w: Vec<f32>,
    order: Vec<usize>,
}

impl Default for Sequential {
    fn default() -> Self {
        Self::new()
    }
}

/// Runs `x` through `layers` (a built model has at least one layer).
fn forward_layers<'a>(layers: &'a mut [Box<dyn Layer>], x: &Tensor, mode: Mode) -> Result<&'a Tensor> {
    run_layers(layers, x, |l, x| l.forward(x, mode))
}

/// Runs `x` through `layers` for prediction only ([`Layer::infer`]; no backward follows).
fn infer_layers<'a>(layers: &'a mut [Box<dyn Layer>], x: &Tensor) -> Result<&'a Tensor> {
    run_layers(layers, x, |l, x| l.infer(x))
}

fn run_layers<'a, F>(layers: &'a mut [Box<dyn Layer>], x: &Tensor, mut pass: F) -> Result<&'a Tensor>
where
    F: for<'l> FnMut(&'l mut dyn Layer, &Tensor) -> Result<&'l Tensor>,
{
    let (first, rest) = layers.split_first_mut().ok_or_else(no_layers)?;
    let mut cur = pass(first.as_mut(), x)?;
    for layer in rest.iter_mut() {
        cur = pass(layer.as_mut(), cur)?;
    }
    Ok(cur)
}

/// Backpropagates `grad` through `layers`; returns `dL/dx` when `need_input` is true.
fn backward_layers<'a>(
    layers: &'a mut [Box<dyn Layer>],
    grad: &Tensor,
    need_input: bool,
) -> Result<Option<&'a Tensor>> {
    let (first, rest) = layers.split_first_mut().ok_or_else(no_layers)?;
    let into_first = match rest.split_last_mut() {
        None => grad,
        Some((last, middle)) => {
            let mut cur = last.backward(grad)?;
            for layer in middle.iter_mut().rev() {
                cur = layer.backward(cur)?;
            }
            cur
        }
    };
    if need_input {
        Ok(Some(first.backward(into_first)?))
    } else {
        first.backward_params(into_first)?;
        Ok(None)
    }
}

fn no_layers() -> Error {
    Error::empty("Sequential (the model has no layers)")
}

impl Sequential {
    /// An empty model with seed 0.
    pub fn new() -> Self {
        Sequential {
            layers: Vec::new(),
            loss: None,
            optimizer: None,
            seed: 0,
            input_shape: None,
            built_input: Vec::new(),
            output_shape: Vec::new(),
            built: false,
            shuffle_rng: seeded(0),
            loss_grad: Tensor::default(),
            batch_x: Tensor::default(),
            batch_y: Tensor::default(),
            batch_w: Vec::new(),
            order: Vec::new(),
        }
    }

    /// Sets the seed from which initialization, shuffling and dropout are drawn (default 0).
    /// Takes effect at the next `build`/`compile`.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self.built = false;
        self
    }

    /// Declares the sample shape of the input (needed when the first layer does not fix
    /// one, e.g. a model starting with `Flatten`).
    pub fn input_shape(mut self, shape: &[usize]) -> Self {
        self.input_shape = Some(shape.to_vec());
        self.built = false;
        self
    }

    /// Appends a layer.
    #[allow(clippy::should_implement_trait)]
    pub fn add(mut self, layer: impl Layer + 'static) -> Self {
        self.push(Box::new(layer));
        self
    }

    /// Appends a boxed layer.
    pub fn push(&mut self, layer: Box<dyn Layer>) {
        self.layers.push(layer);
        self.built = false;
    }

    /// The layers.
    pub fn layers(&self) -> &[Box<dyn Layer>] {
        &self.layers
    }

    /// The layer called `name`.
    pub fn layer(&self, name: &str) -> Result<&dyn Layer> {
        self.layers
            .iter()
            .find(|l| l.name() == name)
            .map(|l| l.as_ref())
            .ok_or_else(|| self.unknown_layer(name))
    }

    fn unknown_layer(&self, name: &str) -> Error {
        Error::UnknownName {
            context: "Sequential layers".into(),
            name: name.into(),
            known: self
                .layers
                .iter()
                .map(|l| l.name().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// The seed.
    pub fn seed_value(&self) -> u64 {
        self.seed
    }

    /// True once `build` or `compile` has succeeded (and no layer was added since).
    pub fn is_built(&self) -> bool {
        self.built
    }

    /// The sample shape of the input (after `build`, or as declared).
    pub fn input_sample_shape(&self) -> Option<Vec<usize>> {
        self.input_shape
            .clone()
            .or_else(|| self.layers.first().and_then(|l| l.input_shape()))
    }

    /// The sample shape of the output (empty before `build`).
    pub fn output_sample_shape(&self) -> &[usize] {
        &self.output_shape
    }

    /// Names the layers (`dense`, `dense_1`, ... for unnamed ones), checks that each layer
    /// accepts the previous one's output, and initializes every parameter from the seed.
    /// Building again re-initializes.
    pub fn build(&mut self) -> Result<()> {
        if self.layers.is_empty() {
            return Err(Error::empty("Sequential::build (the model has no layers)"));
        }
        let mut shape = self.input_sample_shape().ok_or_else(|| {
            Error::NotReady(format!(
                "the first layer ({}) does not fix an input shape: call .input_shape(..)",
                self.layers[0].kind()
            ))
        })?;
        self.assign_names()?;
        self.built_input = shape.clone();
        let mut rng = seeded(self.seed);
        for layer in &mut self.layers {
            shape = layer.build(&shape, &mut rng)?;
        }
        self.output_shape = shape;
        self.shuffle_rng = crate::rng::fork(&mut rng);
        self.built = true;
        Ok(())
    }

    fn assign_names(&mut self) -> Result<()> {
        let mut taken: Vec<String> = Vec::new();
        for l in &self.layers {
            if !l.name().is_empty() {
                if taken.iter().any(|t| t == l.name()) {
                    return Err(Error::config(
                        "layer name",
                        l.name(),
                        "layer names must be unique",
                    ));
                }
                taken.push(l.name().to_string());
            }
        }
        let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
        for l in &mut self.layers {
            if l.name().is_empty() {
                let kind = l.kind();
                loop {
                    let n = counts.entry(kind).or_insert(0);
                    let name = if *n == 0 {
                        kind.to_string()
                    } else {
                        format!("{kind}_{n}")
                    };
                    *n += 1;
                    if !taken.contains(&name) {
                        l.set_name(&name);
                        taken.push(name);
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    /// Sets the loss and the optimizer (after validating both) and builds the model if it is
    /// not built yet. Compiling again keeps the weights and replaces loss and optimizer.
    pub fn compile(&mut self, loss: impl Loss + 'static, optimizer: impl Optimizer + 'static) -> Result<()> {
        self.compile_boxed(Box::new(loss), Box::new(optimizer))
    }

    /// [`Sequential::compile`] with boxed loss and optimizer.
    pub fn compile_boxed(&mut self, loss: Box<dyn Loss>, optimizer: Box<dyn Optimizer>) -> Result<()> {
        loss.validate()?;
        optimizer.validate()?;
        if !self.built {
            self.build()?;
        }
        self.loss = Some(loss);
        self.optimizer = Some(optimizer);
        Ok(())
    }

    /// The loss, once compiled.
    pub fn loss(&self) -> Option<&dyn Loss> {
        self.loss.as_deref()
    }

    /// The optimizer, once compiled.
    pub fn optimizer(&self) -> Option<&dyn Optimizer> {
        self.optimizer.as_deref()
    }

    /// The optimizer, mutable (to change the learning rate or restore its state).
    pub fn optimizer_mut(&mut self) -> Option<&mut (dyn Optimizer + 'static)> {
        self.optimizer.as_deref_mut()
    }

    fn require_built(&self) -> Result<()> {
        if self.built {
            Ok(())
        } else {
            Err(Error::NotReady(
                "call build() or compile() before using the model".into(),
            ))
        }
    }

    fn require_compiled(&self) -> Result<(&dyn Loss, OutputKind)> {
        self.require_built()?;
        match (&self.loss, &self.optimizer) {
            (Some(l), Some(_)) => Ok((l.as_ref(), l.output_kind())),
            _ => Err(Error::NotReady(
                "call compile(loss, optimizer) before training".into(),
            )),
        }
    }

    fn require_loss(&self) -> Result<&dyn Loss> {
        self.require_built()?;
        self.loss
            .as_deref()
            .ok_or_else(|| Error::NotReady("call compile(loss, optimizer) first: this needs a loss".into()))
    }

    /// Checks a compiled model's training inputs and targets (`what` names the caller).
    pub(crate) fn check_training_data(&self, x: &Tensor, y: &Tensor, what: &str) -> Result<()> {
        let (loss, _) = self.require_compiled()?;
        self.check_xy(loss, x, y, None, what)
    }

    /// Checks that `x` is a non-empty, finite batch of the model's input shape.
    fn check_x(&self, x: &Tensor, what: &str) -> Result<()> {
        let want = &self.built_input;
        if x.ndim() != want.len() + 1 || x.sample_shape() != want.as_slice() {
            return Err(Error::shape(
                format!("model input ({what})"),
                format!("[*, {}]", join_dims(want)),
                x.shape(),
            ));
        }
        if x.batch_size() == 0 {
            return Err(Error::empty(format!("model input ({what})")));
        }
        x.check_finite_with(|| format!("model input ({what})"))
    }

    fn check_xy(&self, loss: &dyn Loss, x: &Tensor, y: &Tensor, w: Option<&[f32]>, what: &str) -> Result<()> {
        self.check_x(x, what)?;
        loss.check_targets(&self.output_shape, y)?;
        if y.batch_size() != x.batch_size() {
            return Err(Error::shape(
                format!("targets ({what})"),
                format!("{} samples like the inputs", x.batch_size()),
                y.shape(),
            ));
        }
        if let Some(w) = w {
            check_weights(what, w, x.batch_size())?;
        }
        Ok(())
    }

    /// Runs the layers on batch `x` and returns the model's output (logits for
    /// classification losses from logits). The result borrows the model's buffers.
    pub fn forward(&mut self, x: &Tensor, mode: Mode) -> Result<&Tensor> {
        self.require_built()?;
        self.check_x(x, "forward")?;
        forward_layers(&mut self.layers, x, mode)
    }

    /// Backpropagates `grad_out` = `dL/d(output)` of the last `forward` through every layer,
    /// accumulating parameter gradients, and returns `dL/dx`.
    pub fn backward(&mut self, grad_out: &Tensor) -> Result<&Tensor> {
        self.require_built()?;
        grad_out.check_finite("backward (gradient of the output)")?;
        Ok(backward_layers(&mut self.layers, grad_out, true)?.expect("need_input = true"))
    }

    /// Sets every parameter gradient to zero.
    pub fn zero_grad(&mut self) {
        for l in &mut self.layers {
            l.zero_grad();
        }
    }

    /// One optimization step on one batch: forward (train mode), loss, backward, update.
    /// Returns the batch's loss including the regularization penalty.
    pub fn train_step(&mut self, x: &Tensor, y: &Tensor, sample_weight: Option<&[f32]>) -> Result<f32> {
        let (loss, _) = self.require_compiled()?;
        self.check_xy(loss, x, y, sample_weight, "train_step")?;
        self.step_checked_inputs(x, y, sample_weight, None, None)
    }

    /// The step itself, on inputs already validated. If `record` is given, the batch's
    /// predictions are copied into it starting at sample `offset` (for epoch metrics).
    fn step_checked_inputs(
        &mut self,
        x: &Tensor,
        y: &Tensor,
        w: Option<&[f32]>,
        record: Option<(&mut Tensor, usize)>,
        clip: Option<GradientClip>,
    ) -> Result<f32> {
        let mut loss_grad = std::mem::take(&mut self.loss_grad);
        let value = self
            .forward_loss_unchecked(x, y, w, &mut loss_grad, record)
            .and_then(|v| self.backward_params_unchecked(&loss_grad).map(|_| v));
        self.loss_grad = loss_grad;
        let value = value?;
        if let Some(clip) = clip {
            clip_layers(&mut self.layers, clip);
        }
        Ok(value + self.apply_gradients_unchecked())
    }

    /// Forward in training mode on validated inputs, the loss and its gradient (into
    /// `loss_grad`); copies the predictions into `record` as [`Sequential::step_checked_inputs`].
    pub(crate) fn forward_loss_unchecked(
        &mut self,
        x: &Tensor,
        y: &Tensor,
        w: Option<&[f32]>,
        loss_grad: &mut Tensor,
        record: Option<(&mut Tensor, usize)>,
    ) -> Result<f32> {
        let loss = self.loss.as_deref().expect("compiled");
        let pred = forward_layers(&mut self.layers, x, Mode::Train)?;
        let value = loss.compute_unchecked(pred, y, w, Some(loss_grad));
        if let Some((out, offset)) = record {
            let width = pred.sample_size();
            out.as_slice_mut()[offset * width..(offset + pred.batch_size()) * width]
                .copy_from_slice(pred.as_slice());
        }
        Ok(value)
    }

    /// Zeroes the gradients and backpropagates `grad_out` into the parameter gradients only.
    pub(crate) fn backward_params_unchecked(&mut self, grad_out: &Tensor) -> Result<()> {
        self.zero_grad();
        backward_layers(&mut self.layers, grad_out, false).map(|_| ())
    }

    /// For each example `i` of the last training-mode forward batch, the squared L2 norm of
    /// its own gradient of all trainable parameters, given `grad_out` (see
    /// [`Layer::add_example_grad_sq_norms`]), written into `sq_norms` (resized to the batch).
    /// Propagates `dL/d(input)` ([`Layer::backward_input`], no weight gradients) through every
    /// layer but the first; leaves the parameter gradients in an unspecified state.
    pub(crate) fn example_grad_sq_norms(&mut self, grad_out: &Tensor, sq_norms: &mut Vec<f64>) -> Result<()> {
        sq_norms.clear();
        sq_norms.resize(grad_out.batch_size(), 0.0);
        let mut rest: &mut [Box<dyn Layer>] = &mut self.layers;
        let mut cur = grad_out;
        while let Some((last, before)) = rest.split_last_mut() {
            last.add_example_grad_sq_norms(cur, sq_norms)?;
            if before.is_empty() {
                break;
            }
            cur = last.backward_input(cur)?;
            rest = before;
        }
        Ok(())
    }

    /// One optimizer step with the parameter gradients as they are (after `backward`, or
    /// after gradients set by hand through [`Sequential::params_mut`]): every trainable
    /// parameter is updated by the model's optimizer, in parameter order. Returns the
    /// regularization penalty of the weights before the update. For training loops of
    /// one's own, as `optimizer.step()` in PyTorch.
    ///
    /// ```
    /// use trustnn::prelude::*;
    /// let mut m = Sequential::new().seed(1).add(Dense::new(1, 1).without_bias());
    /// m.compile(MeanSquaredError, Sgd::new(0.5))?;
    /// let name = m.param_names()[0].clone();
    /// let w0 = m.param(&name)?.as_slice()[0];
    /// m.params_mut().next().unwrap().grad_mut().fill(2.0);
    /// m.apply_gradients()?;
    /// assert_eq!(m.param(&name)?.as_slice()[0], w0 - 1.0);
    /// # Ok::<(), trustnn::Error>(())
    /// ```
    pub fn apply_gradients(&mut self) -> Result<f32> {
        self.require_compiled()?;
        Ok(self.apply_gradients_unchecked())
    }

    pub(crate) fn apply_gradients_unchecked(&mut self) -> f32 {
        let optimizer = self.optimizer.as_deref_mut().expect("compiled");
        let mut penalty = 0.0;
        for l in self.layers.iter_mut() {
            penalty += l.penalty();
            for p in l.params_mut() {
                if p.is_trainable() {
                    let (name, value, grad) = p.name_value_grad_mut();
                    optimizer.update(name, value, grad);
                }
            }
        }
        penalty
    }

    /// Replaces the first `round(share · batch)` samples of `bx` by their adversarial
    /// examples against the current model.
    fn replace_with_adversarial(
        &mut self,
        adv: &AdversarialExamples,
        bx: &mut Tensor,
        by: &Tensor,
    ) -> Result<()> {
        let n = bx.batch_size();
        let k = ((adv.share * n as f32).round() as usize).min(n);
        if k == 0 {
            return Ok(());
        }
        let head: Vec<usize> = (0..k).collect();
        let made = adv
            .attack
            .perturb(self, &bx.select_rows(&head)?, &by.select_rows(&head)?, adv.range)?;
        bx.as_slice_mut()[..made.len()].copy_from_slice(made.as_slice());
        Ok(())
    }

    /// The generator that shuffles the training samples each epoch (saved in checkpoints).
    pub fn shuffle_rng(&self) -> &Rng {
        &self.shuffle_rng
    }

    /// Replaces the shuffling generator (to resume from a checkpoint).
    pub fn set_shuffle_rng(&mut self, rng: Rng) {
        self.shuffle_rng = rng;
    }

    /// The layers, mutable (to restore per-layer state such as dropout generators).
    pub fn layers_mut(&mut self) -> &mut [Box<dyn Layer>] {
        &mut self.layers
    }

    /// Sum of the layers' regularization penalties.
    pub fn penalty(&self) -> f32 {
        self.layers.iter().map(|l| l.penalty()).sum()
    }

    /// Trains on inputs `x` and targets `y` as configured; returns the per-epoch history.
    pub fn fit(&mut self, x: &Tensor, y: &Tensor, config: &FitConfig) -> Result<History> {
        self.fit_weighted(x, y, None, config)
    }

    /// Trains on a [`Dataset`](crate::data::Dataset): its features, targets and, if it has
    /// them, its sample weights.
    pub fn fit_dataset(&mut self, data: &crate::data::Dataset, config: &FitConfig) -> Result<History> {
        self.fit_weighted(data.x(), data.y(), data.weights(), config)
    }

    /// [`Sequential::fit`] with one weight per sample (Keras' `sample_weight`): each
    /// sample's loss is multiplied by its weight.
    pub fn fit_weighted(
        &mut self,
        x: &Tensor,
        y: &Tensor,
        sample_weight: Option<&[f32]>,
        config: &FitConfig,
    ) -> Result<History> {
        self.fit_with_callbacks(x, y, sample_weight, config, &mut [])
    }

    /// The full training loop: [`Sequential::fit_weighted`] with [`Callback`]s, which see
    /// every batch and epoch end and can stop training, change the learning rate or restore
    /// weights (early stopping, divergence guards, schedules, checkpoints).
    ///
    /// All inputs are validated before any weight changes. When a callback stops training,
    /// the returned history's [`History::stop_reason`] says why.
    pub fn fit_with_callbacks(
        &mut self,
        x: &Tensor,
        y: &Tensor,
        sample_weight: Option<&[f32]>,
        config: &FitConfig,
        callbacks: &mut [&mut dyn Callback],
    ) -> Result<History> {
        self.fit_impl(x, y, sample_weight, config, callbacks, None)
    }

    /// The training loop of [`Sequential::fit_with_callbacks`] and, with `private`, of
    /// [`DpSgd::fit_with_callbacks`] (Poisson-sampled batches and private steps).
    pub(crate) fn fit_impl(
        &mut self,
        x: &Tensor,
        y: &Tensor,
        sample_weight: Option<&[f32]>,
        config: &FitConfig,
        callbacks: &mut [&mut dyn Callback],
        mut private: Option<&mut DpSgd>,
    ) -> Result<History> {
        config.validate()?;
        let (loss, kind) = self.require_compiled()?;
        self.check_xy(loss, x, y, sample_weight, "fit")?;
        if let Some(dp) = private.as_deref() {
            DpSgd::check_model(self)?;
            if config.initial_epoch > 0 && dp.accountant().steps() == 0 {
                return Err(Error::config(
                    "DP-SGD FitConfig.initial_epoch",
                    config.initial_epoch,
                    "resumes training, but this DpSgd's accountant has no steps: continue with \
                     the trainer of the earlier epochs, or DpSgd::with_accountant(config, its accountant)",
                ));
            }
            if sample_weight.is_some() {
                return Err(Error::config(
                    "DP-SGD sample weights",
                    "given",
                    "are not supported: each example's gradient is clipped on its own",
                ));
            }
            if config.clip.is_some() {
                return Err(Error::config(
                    "DP-SGD FitConfig.clip",
                    format!("{:?}", config.clip),
                    "must be None: DP-SGD clips every example's gradient (DpSgdConfig.max_grad_norm)",
                ));
            }
        }
        let n = x.batch_size();
        let (n_train, val) = match &config.validation_data {
            Some((vx, vy)) => {
                self.check_xy(loss, vx, vy, None, "validation data")?;
                (n, Some((vx.clone(), vy.clone())))
            }
            None if config.validation_split > 0.0 => {
                let n_train = ((n as f64) * (1.0 - config.validation_split as f64)).floor() as usize;
                if n_train == 0 || n_train == n {
                    return Err(Error::config(
                        "FitConfig.validation_split",
                        config.validation_split,
                        format!("leaves {n_train} of {n} samples for training; both parts must be non-empty"),
                    ));
                }
                let idx: Vec<usize> = (n_train..n).collect();
                (n_train, Some((x.select_rows(&idx)?, y.select_rows(&idx)?)))
            }
            None => (n, None),
        };

        let mut history = History::default();
        let metrics = config.metrics.clone();
        // Epoch predictions and targets in visiting order, for the training metrics.
        let (mut epoch_pred, mut epoch_y) = (Tensor::default(), Tensor::default());
        if !metrics.is_empty() {
            let mut shape = vec![n_train];
            shape.extend_from_slice(&self.output_shape);
            epoch_pred = Tensor::zeros(&shape);
            let mut yshape = y.shape().to_vec();
            yshape[0] = n_train;
            epoch_y = Tensor::zeros(&yshape);
        }
        let mut order = std::mem::take(&mut self.order);
        // The end of each batch in `order`.
        let mut ends: Vec<usize> = Vec::new();
        let (mut bx, mut by, mut bw) = (
            std::mem::take(&mut self.batch_x),
            std::mem::take(&mut self.batch_y),
            std::mem::take(&mut self.batch_w),
        );
        let batches_per_epoch = match &private {
            Some(dp) => dp.epoch_steps(n_train) as usize,
            None => n_train.div_ceil(config.batch_size),
        };
        let mut diag = if config.diagnostics {
            Some(DiagState::new(&self.layers, x)?)
        } else {
            None
        };
        let mut progress = TrainingProgress::new(config.epochs, batches_per_epoch, config.progress);
        let mut result = Ok(());
        for cb in callbacks.iter_mut() {
            result = cb.on_train_begin(self);
            if result.is_err() {
                break;
            }
        }
        'epochs: for epoch in config.initial_epoch..config.epochs {
            if result.is_err() {
                break;
            }
            for cb in callbacks.iter_mut() {
                if let Err(e) = cb.on_epoch_begin(epoch, self) {
                    result = Err(e);
                    break 'epochs;
                }
            }
            if let Some(dp) = private.as_deref_mut() {
                match dp.budget_exceeded_by_next_epoch(n_train) {
                    Ok(None) => {}
                    Ok(Some(reason)) => {
                        history.stop(epoch, reason);
                        break;
                    }
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
                dp.sample_epoch(n_train, &mut order, &mut ends);
                if !metrics.is_empty() {
                    let mut shape = vec![order.len()];
                    shape.extend_from_slice(&self.output_shape);
                    epoch_pred.resize(&shape);
                    shape.truncate(1);
                    shape.extend_from_slice(y.sample_shape());
                    epoch_y.resize(&shape);
                }
            } else {
                order.clear();
                order.extend(0..n_train);
                if config.shuffle {
                    order.shuffle(&mut self.shuffle_rng);
                }
                ends.clear();
                ends.extend((1..=batches_per_epoch).map(|b| (b * config.batch_size).min(n_train)));
            }
            let mut total = 0.0f64;
            let mut seen = 0usize;
            let mut start = 0;
            for (b, &end) in ends.iter().enumerate() {
                let (offset, chunk) = (start, &order[start..end]);
                start = end;
                let step = (|| -> Result<f32> {
                    x.gather_rows_into(chunk, &mut bx)?;
                    y.gather_rows_into(chunk, &mut by)?;
                    if let Some(adv) = &config.adversarial {
                        self.replace_with_adversarial(adv, &mut bx, &by)?;
                    }
                    let w = sample_weight.map(|sw| {
                        bw.clear();
                        bw.extend(chunk.iter().map(|&i| sw[i]));
                        bw.as_slice()
                    });
                    let record = if metrics.is_empty() {
                        None
                    } else {
                        let width = by.sample_size();
                        epoch_y.as_slice_mut()[offset * width..(offset + chunk.len()) * width]
                            .copy_from_slice(by.as_slice());
                        Some((&mut epoch_pred, offset))
                    };
                    if let Some(d) = diag.as_mut() {
                        d.before_step(&self.layers);
                    }
                    let l = match private.as_deref_mut() {
                        Some(dp) => dp.step_unchecked(self, &bx, &by, record, n_train)?,
                        None => self.step_checked_inputs(&bx, &by, w, record, config.clip)?,
                    };
                    if let Some(d) = diag.as_mut() {
                        d.after_step(&self.layers);
                    }
                    Ok(l)
                })();
                let l = match step {
                    Ok(l) => l,
                    Err(e) => {
                        result = Err(e);
                        break 'epochs;
                    }
                };
                total += l as f64 * chunk.len() as f64;
                seen += chunk.len();
                if seen > 0 {
                    progress.batch(epoch, b, (total / seen as f64) as f32);
                }
                for cb in callbacks.iter_mut() {
                    match cb.on_batch_end(epoch, b, l, self) {
                        Ok(Control::Continue) => {}
                        Ok(Control::Stop(reason)) => {
                            history.stop(epoch, reason);
                            break 'epochs;
                        }
                        Err(e) => {
                            result = Err(e);
                            break 'epochs;
                        }
                    }
                }
            }
            history.push(
                "loss",
                if seen > 0 {
                    (total / seen as f64) as f32
                } else {
                    f32::NAN
                },
            );
            for m in &metrics {
                history.push(m.name(), m.value(kind, &epoch_pred, &epoch_y));
            }
            if let Some((vx, vy)) = &val {
                match self.evaluate_checked(vx, vy, &metrics) {
                    Ok(ev) => {
                        history.push("val_loss", ev.loss);
                        for (m, v) in &ev.metrics {
                            history.push(&format!("val_{m}"), *v);
                        }
                    }
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
            }
            if let Some(opt) = &self.optimizer {
                history.push("lr", opt.learning_rate());
            }
            if let Some(dp) = private.as_deref_mut() {
                match dp.account_pending() {
                    Ok(spent) => {
                        history.push("epsilon", spent.epsilon as f32);
                        history.set_note("privacy", dp.statement(&spent));
                    }
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
            }
            if let Some(d) = diag.as_mut()
                && let Err(e) = d.epoch_end(&mut self.layers, &mut history)
            {
                result = Err(e);
                break;
            }
            if !progress.is_silent() {
                progress.epoch_end(epoch, &epoch_summary(&history));
            }
            for cb in callbacks.iter_mut() {
                match cb.on_epoch_end(epoch, &history, self) {
                    Ok(Control::Continue) => {}
                    Ok(Control::Stop(reason)) => {
                        history.stop(epoch, reason);
                        break 'epochs;
                    }
                    Err(e) => {
                        result = Err(e);
                        break 'epochs;
                    }
                }
            }
        }
        if let Some(dp) = private
            && dp.pending_steps() > 0
        {
            // Steps of an epoch cut short (a callback's stop, an error) are spent privacy too.
            match dp.account_pending() {
                Ok(spent) => history.set_note(
                    "privacy",
                    format!("{} (including a partial last epoch)", dp.statement(&spent)),
                ),
                Err(e) if result.is_ok() => result = Err(e),
                Err(_) => {}
            }
        }
        if result.is_ok() {
            for cb in callbacks.iter_mut() {
                if let Err(e) = cb.on_train_end(self, &mut history) {
                    result = Err(e);
                    break;
                }
            }
        }
        progress.finish();
        self.order = order;
        self.batch_x = bx;
        self.batch_y = by;
        self.batch_w = bw;
        result.map(|_| history)
    }

    /// The loss (including the regularization penalty) and `metrics` on `x`, `y`, in
    /// evaluation mode.
    pub fn evaluate(&mut self, x: &Tensor, y: &Tensor, metrics: &[Metric]) -> Result<Evaluation> {
        let loss = self.require_loss()?;
        self.check_xy(loss, x, y, None, "evaluate")?;
        self.evaluate_checked(x, y, metrics)
    }

    fn evaluate_checked(&mut self, x: &Tensor, y: &Tensor, metrics: &[Metric]) -> Result<Evaluation> {
        let n = x.batch_size();
        let mut total = 0.0f64;
        let (mut bx, mut by) = (Tensor::default(), Tensor::default());
        let mut shape = vec![n];
        shape.extend_from_slice(&self.output_shape);
        let mut all_pred = Tensor::zeros(&shape);
        let width = all_pred.sample_size();
        let idx: Vec<usize> = (0..n).collect();
        let kind = self.loss.as_deref().expect("checked by caller").output_kind();
        for chunk in idx.chunks(INFERENCE_CHUNK) {
            x.gather_rows_into(chunk, &mut bx)?;
            y.gather_rows_into(chunk, &mut by)?;
            let Sequential { layers, loss, .. } = self;
            let loss = loss.as_deref().expect("checked by caller");
            let pred = infer_layers(layers, &bx)?;
            total += loss.compute_unchecked(pred, &by, None, None) as f64 * chunk.len() as f64;
            all_pred.as_slice_mut()[chunk[0] * width..(chunk[0] + chunk.len()) * width]
                .copy_from_slice(pred.as_slice());
        }
        Ok(Evaluation {
            loss: (total / n as f64) as f32 + self.penalty(),
            metrics: metrics
                .iter()
                .map(|m| (m.name().to_string(), m.value(kind, &all_pred, y)))
                .collect(),
        })
    }

    /// The model's raw outputs for batch `x` in evaluation mode, for prediction only: layers
    /// may keep no copy of their inputs ([`Layer::infer`]; a Dense layer keeps none), so this
    /// is the fastest forward pass. Call [`Sequential::forward`] before a
    /// [`Sequential::backward`]: a backward pass right after `infer` is refused by the
    /// first layer that kept no input. The result borrows the model's buffers, so repeated
    /// calls allocate nothing.
    ///
    /// ```
    /// use trustnn::prelude::*;
    /// let mut m = Sequential::new().seed(1).add(Dense::new(2, 3));
    /// m.build()?;
    /// let x = Tensor::from_rows(&[[1.0, 2.0]])?;
    /// let fast = m.infer(&x)?.clone();
    /// assert_eq!(&fast, m.forward(&x, Mode::Eval)?);
    /// # Ok::<(), trustnn::Error>(())
    /// ```
    pub fn infer(&mut self, x: &Tensor) -> Result<&Tensor> {
        self.require_built()?;
        self.check_x(x, "infer")?;
        infer_layers(&mut self.layers, x)
    }

    /// The model's raw outputs for `x` (evaluation mode), computed in chunks.
    pub fn predict(&mut self, x: &Tensor) -> Result<Tensor> {
        self.require_built()?;
        self.check_x(x, "predict")?;
        let n = x.batch_size();
        let mut shape = vec![n];
        shape.extend_from_slice(&self.output_shape);
        let mut out = Tensor::zeros(&shape);
        let width = out.sample_size();
        if n <= INFERENCE_CHUNK {
            let y = infer_layers(&mut self.layers, x)?;
            out.as_slice_mut().copy_from_slice(y.as_slice());
            return Ok(out);
        }
        let idx: Vec<usize> = (0..n).collect();
        let mut bx = Tensor::default();
        for chunk in idx.chunks(INFERENCE_CHUNK) {
            x.gather_rows_into(chunk, &mut bx)?;
            let y = infer_layers(&mut self.layers, &bx)?;
            out.as_slice_mut()[chunk[0] * width..(chunk[0] + chunk.len()) * width]
                .copy_from_slice(y.as_slice());
        }
        Ok(out)
    }

    /// Class probabilities for `x`: the softmax of the logits or the sigmoid of a single
    /// logit, as the loss implies; outputs that already are probabilities are returned as
    /// they are. For a binary model the result has one column, `P(class 1)`.
    pub fn predict_proba(&mut self, x: &Tensor) -> Result<Tensor> {
        let kind = self.require_loss()?.output_kind();
        let loss_name = self.loss.as_ref().map_or("", |l| l.name());
        if matches!(kind, OutputKind::Regression | OutputKind::BinaryMargin) {
            return Err(Error::config(
                "predict_proba",
                loss_name,
                "needs a probabilistic classification loss (cross-entropy)",
            ));
        }
        let out = self.predict(x)?;
        if kind == OutputKind::BinaryLogit {
            // One independent sigmoid per output (binary or multi-label).
            return Ok(out.map(crate::activation::sigmoid));
        }
        Ok(super::metric::probabilities(kind, &out)?.into_owned())
    }

    /// The predicted class of each sample: the argmax for multi-class outputs, and for a
    /// single output `logit >= 0`, `probability >= 0.5` or `score >= 0` (hinge).
    pub fn predict_classes(&mut self, x: &Tensor) -> Result<Vec<usize>> {
        let kind = self.require_loss()?.output_kind();
        if kind == OutputKind::Regression {
            return Err(Error::config(
                "predict_classes",
                self.loss.as_ref().map_or("", |l| l.name()),
                "needs a classification loss",
            ));
        }
        let out = self.predict(x)?;
        let class = classes(kind, &out);
        Ok((0..out.batch_size()).map(class).collect())
    }

    /// `dL/dx`: the gradient of the loss (mean over the batch, without the penalty, which
    /// does not depend on `x`) with respect to each input value, computed in evaluation mode.
    /// Parameter gradients are left at zero. Saliency maps, integrated gradients and
    /// adversarial examples are built on it.
    pub fn input_gradient(&mut self, x: &Tensor, y: &Tensor) -> Result<Tensor> {
        let loss = self.require_loss()?;
        self.check_xy(loss, x, y, None, "input_gradient")?;
        let Sequential {
            layers,
            loss,
            loss_grad,
            ..
        } = self;
        let loss = loss.as_deref().expect("checked");
        let pred = forward_layers(layers, x, Mode::Eval)?;
        loss.compute_unchecked(pred, y, None, Some(loss_grad));
        let g = backward_layers(layers, loss_grad, true)?
            .expect("need_input")
            .clone();
        self.zero_grad();
        Ok(g)
    }

    /// The loss of the model on `x`, `y` (mean over the batch plus the penalty), in `mode`.
    pub fn loss_value(
        &mut self,
        x: &Tensor,
        y: &Tensor,
        sample_weight: Option<&[f32]>,
        mode: Mode,
    ) -> Result<f32> {
        let loss = self.require_loss()?;
        self.check_xy(loss, x, y, sample_weight, "loss_value")?;
        let penalty = self.penalty();
        let Sequential { layers, loss, .. } = self;
        let loss = loss.as_deref().expect("checked");
        let pred = forward_layers(layers, x, mode)?;
        Ok(loss.compute_unchecked(pred, y, sample_weight, None) + penalty)
    }

    /// Every parameter and buffer, in layer order.
    pub fn params(&self) -> impl Iterator<Item = &Param> {
        self.layers.iter().flat_map(|l| l.params().iter())
    }

    /// Every parameter and buffer, mutable, in layer order.
    pub fn params_mut(&mut self) -> impl Iterator<Item = &mut Param> {
        self.layers.iter_mut().flat_map(|l| l.params_mut().iter_mut())
    }

    /// The full names of all parameters and buffers (`"dense.weight"`, ...).
    pub fn param_names(&self) -> Vec<String> {
        self.params().map(|p| p.name().to_string()).collect()
    }

    /// The value of parameter `name`.
    pub fn param(&self, name: &str) -> Result<&Tensor> {
        self.params()
            .find(|p| p.name() == name)
            .map(Param::value)
            .ok_or_else(|| self.unknown_param(name))
    }

    /// The accumulated gradient of parameter `name`.
    pub fn param_grad(&self, name: &str) -> Result<&Tensor> {
        self.params()
            .find(|p| p.name() == name)
            .map(Param::grad)
            .ok_or_else(|| self.unknown_param(name))
    }

    fn unknown_param(&self, name: &str) -> Error {
        Error::UnknownName {
            context: "Sequential parameters".into(),
            name: name.into(),
            known: self.param_names().join(", "),
        }
    }

    /// Replaces the value of parameter `name`; the shape must match and values be finite.
    pub fn set_param(&mut self, name: &str, value: &Tensor) -> Result<()> {
        let err = self.unknown_param(name);
        let p = self.params_mut().find(|p| p.name() == name).ok_or(err)?;
        if p.value().shape() != value.shape() {
            return Err(Error::shape(
                format!("set_param({name})"),
                format!("{:?}", p.value().shape()),
                value.shape(),
            ));
        }
        value.check_finite(&format!("set_param({name})"))?;
        p.value_mut().assign(value);
        Ok(())
    }

    /// All parameter and buffer values by name (a copy, e.g. to restore later).
    pub fn state_dict(&self) -> BTreeMap<String, Tensor> {
        self.params()
            .map(|p| (p.name().to_string(), p.value().clone()))
            .collect()
    }

    /// Sets every parameter named in `state`; fails (changing nothing) if a name is unknown
    /// or a shape differs.
    pub fn load_state_dict(&mut self, state: &BTreeMap<String, Tensor>) -> Result<()> {
        for (name, v) in state {
            let p = self.param(name)?;
            if p.shape() != v.shape() {
                return Err(Error::shape(
                    format!("load_state_dict({name})"),
                    format!("{:?}", p.shape()),
                    v.shape(),
                ));
            }
            v.check_finite(&format!("load_state_dict({name})"))?;
        }
        for (name, v) in state {
            self.set_param(name, v)?;
        }
        Ok(())
    }

    /// Number of trainable values.
    pub fn num_params(&self) -> usize {
        self.layers.iter().map(|l| l.num_params()).sum()
    }

    /// A Keras-like table: each layer's name and kind, output shape and parameter count,
    /// then the totals.
    pub fn summary(&self) -> String {
        let mut rows: Vec<(String, String, String)> = Vec::new();
        let mut shape = self.input_sample_shape();
        for l in &self.layers {
            shape = shape.and_then(|s| l.output_shape(&s).ok());
            let out = shape
                .as_ref()
                .map_or("?".to_string(), |s| format!("(None, {})", join_dims(s)));
            let name = if l.name().is_empty() {
                "(unnamed)"
            } else {
                l.name()
            };
            rows.push((format!("{name} ({})", l.kind()), out, l.num_params().to_string()));
        }
        let w0 = rows
            .iter()
            .map(|r| r.0.len())
            .max()
            .unwrap_or(0)
            .max("Layer (type)".len());
        let w1 = rows
            .iter()
            .map(|r| r.1.len())
            .max()
            .unwrap_or(0)
            .max("Output Shape".len());
        let w2 = rows
            .iter()
            .map(|r| r.2.len())
            .max()
            .unwrap_or(0)
            .max("Param #".len());
        let line = "=".repeat(w0 + w1 + w2 + 6);
        let mut s = String::new();
        let _ = writeln!(s, "Model: \"sequential\"");
        let _ = writeln!(s, "{line}");
        let _ = writeln!(
            s,
            "{:<w0$}   {:<w1$}   {:>w2$}",
            "Layer (type)", "Output Shape", "Param #"
        );
        let _ = writeln!(s, "{line}");
        for (a, b, c) in &rows {
            let _ = writeln!(s, "{a:<w0$}   {b:<w1$}   {c:>w2$}");
        }
        let _ = writeln!(s, "{line}");
        let total: usize = self.num_params();
        let buffers: usize = self.params().filter(|p| !p.is_trainable()).map(Param::len).sum();
        let _ = writeln!(s, "Total params: {}", total + buffers);
        let _ = writeln!(s, "Trainable params: {total}");
        let _ = writeln!(s, "Non-trainable params: {buffers}");
        s
    }
}

/// The loss and metrics returned by [`Sequential::evaluate`].
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// Mean loss over the samples, plus the regularization penalty.
    pub loss: f32,
    /// Metric values by name.
    pub metrics: BTreeMap<String, f32>,
}

impl Evaluation {
    /// The value of metric `m`, if it was computed.
    pub fn metric(&self, m: Metric) -> Option<f32> {
        self.metrics.get(m.name()).copied()
    }
}

/// `"loss 0.1234 - accuracy 0.9500 - val_loss ..."` for the last epoch of `h`.
fn epoch_summary(h: &History) -> String {
    let mut parts = Vec::new();
    for name in h.names().filter(|n| !n.starts_with("diag/")) {
        if let Some(v) = h.last(name) {
            parts.push(format!("{name} {v:.4}"));
        }
    }
    parts.join(" - ")
}

/// Clips the trainable parameters' gradients of `layers` as `clip` says.
fn clip_layers(layers: &mut [Box<dyn Layer>], clip: GradientClip) {
    match clip {
        GradientClip::Value(v) => {
            for p in layers.iter_mut().flat_map(|l| l.params_mut().iter_mut()) {
                if p.is_trainable() {
                    for g in p.grad_mut().as_slice_mut() {
                        *g = g.clamp(-v, v);
                    }
                }
            }
        }
        GradientClip::GlobalNorm(max_norm) => {
            let total: f64 = layers
                .iter()
                .flat_map(|l| l.params().iter())
                .filter(|p| p.is_trainable())
                .flat_map(|p| p.grad().as_slice().iter())
                .map(|&g| g as f64 * g as f64)
                .sum::<f64>()
                .sqrt();
            let coef = max_norm as f64 / (total + 1e-6);
            if coef < 1.0 {
                let coef = coef as f32;
                for p in layers.iter_mut().flat_map(|l| l.params_mut().iter_mut()) {
                    if p.is_trainable() {
                        for g in p.grad_mut().as_slice_mut() {
                            *g *= coef;
                        }
                    }
                }
            }
        }
    }
}
