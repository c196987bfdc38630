//! Differentially private training of a [`Sequential`] by DP-SGD (Abadi et al. 2016, "Deep
//! Learning with Differential Privacy") with Opacus' mechanics: Poisson sampling with rate
//! `q`; per-example gradients clipped to L2 norm `C` over all trainable parameters with factor
//! `min(1, C / (‖g_i‖ + 1e-6))`; Gaussian noise `N(0, σ²C²)` added to the clipped sum; the
//! result divided by the expected batch size `qN` and handed to the model's optimizer. ε is
//! tracked by the RDP accountant ([`super::accountant`]) after every epoch.
//!
//! Training runs in the model's own loop, [`Sequential::fit`]'s, so validation, metrics,
//! callbacks (early stopping, checkpoints, divergence guards) and the progress bar work as
//! usual: [`DpSgd::fit`] / [`DpSgd::fit_with_callbacks`] take the same [`FitConfig`] and
//! return the same [`History`], with an `"epsilon"` series and a `"privacy"` note naming the
//! accountant, the conversion and the sampling. `FitConfig::batch_size` and `shuffle` do not
//! apply: batches are Poisson samples.
//!
//! Per-example gradient norms come from one backward pass without a pass per example
//! (Goodfellow 2015): every layer adds its examples' squared norms given its output
//! gradients ([`crate::layer::Layer::add_example_grad_sq_norms`]; for a Dense layer `‖x_i‖²·‖g_i‖²` plus
//! `‖g_i‖²` for the bias). The clipped sum `Σ_i f_i·g_i` is then a second backward pass of
//! the loss gradient with row `i` scaled by `f_i`: the same products as a normal step, with
//! reweighted rows. So a private step costs one forward and about two backward passes.
//! Layers that mix examples (BatchNorm) are refused; a custom layer with parameters must
//! implement `add_example_grad_sq_norms`.
//!
//! A weight penalty (a layer's regularizer) is not data: its gradient is added unclipped and
//! unnoised after the private gradient, as Opacus does with an optimizer's weight decay.
//!
//! Noise and sampling come from a seeded ChaCha8 generator, so runs are reproducible. For a
//! deployment, seed it from the operating system's entropy and keep the seed secret: the
//! guarantee assumes the adversary cannot predict the noise. Floating-point attacks on
//! Gaussian sampling (Mironov 2012) are not mitigated (nor are they by Opacus outside its
//! `secure_mode`).

use rand::Rng as _;
use rand::seq::SliceRandom;
use rand_distr::{Distribution, StandardNormal};

use super::accountant::{Conversion, PrivacySpent, RdpAccountant, noise_multiplier_for};
use crate::layer::Mode;
use crate::model::{Callback, FitConfig, History};
use crate::rng::{Rng, seeded};
use crate::{Error, Result, Sequential, Tensor};

/// The settings of DP-SGD.
#[derive(Clone, Debug, PartialEq)]
pub struct DpSgdConfig {
    /// σ: the noise standard deviation is `σ·C`.
    pub noise_multiplier: f64,
    /// C: the L2 norm every per-example gradient is clipped to.
    pub max_grad_norm: f64,
    /// q: the probability that an example joins a batch (expected batch size `qN`).
    pub sample_rate: f64,
    /// δ of the reported `(ε, δ)`.
    pub delta: f64,
    /// How RDP is converted to `(ε, δ)`.
    pub conversion: Conversion,
    /// Stop before an epoch that would take ε above this budget.
    pub epsilon_budget: Option<f64>,
    /// Seed of the sampling and the noise.
    pub seed: u64,
    /// How batches are drawn (default [`Sampling::Poisson`], the one the guarantee covers).
    pub sampling: Sampling,
}

/// How DP-SGD draws its batches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sampling {
    /// Each example joins each batch independently with probability `q` (Opacus' Poisson
    /// loader): the mechanism the accountant analyses, so the reported ε is a guarantee.
    #[default]
    Poisson,
    /// Shuffle the examples each epoch and cut them into batches of `round(qN)` (ordinary
    /// data loading). The accountant does **not** cover it: the ε it reports assumes Poisson
    /// sampling, and every statement says "NOT COVERED". Offered for comparison and for
    /// code that cannot sample; not for a claim of privacy.
    ShuffleAndBatch,
}

impl DpSgdConfig {
    /// Settings with noise multiplier `σ`, clipping norm `C` and sample rate `q`; δ = 1e-5,
    /// the improved conversion, no budget, seed 0. The number of epochs is
    /// [`FitConfig::epochs`]; an epoch is `floor(1/q)` steps (Opacus' Poisson loader).
    pub fn new(noise_multiplier: f64, max_grad_norm: f64, sample_rate: f64) -> Self {
        Self {
            noise_multiplier,
            max_grad_norm,
            sample_rate,
            delta: 1e-5,
            conversion: Conversion::Improved,
            epsilon_budget: None,
            seed: 0,
            sampling: Sampling::Poisson,
        }
    }

    /// The settings whose σ meets `target_epsilon` at `delta` after `epochs` epochs (ε within
    /// 0.01 below the target), by [`noise_multiplier_for`]. Train for those `epochs`
    /// ([`FitConfig::epochs`]); add [`DpSgdConfig::epsilon_budget`] to make the target a hard
    /// stop whatever the epochs.
    pub fn for_target_epsilon(
        target_epsilon: f64,
        delta: f64,
        max_grad_norm: f64,
        sample_rate: f64,
        epochs: usize,
    ) -> Result<Self> {
        check_rate(sample_rate)?;
        let steps = (epochs as u64)
            .checked_mul(steps_per_epoch(sample_rate))
            .ok_or_else(|| Error::config("epochs", epochs, "too many steps to account"))?;
        let sigma = noise_multiplier_for(
            target_epsilon,
            delta,
            sample_rate,
            steps,
            Conversion::Improved,
            0.01,
        )?;
        Ok(Self {
            delta,
            ..Self::new(sigma, max_grad_norm, sample_rate)
        })
    }

    /// Sets δ.
    pub fn delta(mut self, delta: f64) -> Self {
        self.delta = delta;
        self
    }

    /// Sets the ε budget.
    pub fn epsilon_budget(mut self, budget: f64) -> Self {
        self.epsilon_budget = Some(budget);
        self
    }

    /// Sets how batches are drawn ([`Sampling`]).
    pub fn sampling(mut self, sampling: Sampling) -> Self {
        self.sampling = sampling;
        self
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    fn validate(&self) -> Result<()> {
        if !(self.noise_multiplier.is_finite() && self.noise_multiplier >= 0.0) {
            return Err(Error::config(
                "noise_multiplier",
                self.noise_multiplier,
                "must be finite and >= 0",
            ));
        }
        if !(self.max_grad_norm.is_finite() && self.max_grad_norm > 0.0) {
            return Err(Error::config(
                "max_grad_norm",
                self.max_grad_norm,
                "must be finite and > 0",
            ));
        }
        check_rate(self.sample_rate)?;
        if !(self.delta > 0.0 && self.delta < 1.0) {
            return Err(Error::config("delta", self.delta, "must be in (0, 1)"));
        }
        if let Some(b) = self.epsilon_budget
            && (b.is_nan() || b <= 0.0)
        {
            return Err(Error::config("epsilon_budget", b, "must be > 0"));
        }
        Ok(())
    }
}

fn check_rate(q: f64) -> Result<()> {
    if !(q > 0.0 && q <= 1.0) {
        return Err(Error::config("sample_rate", q, "must be in (0, 1]"));
    }
    if steps_per_epoch(q) > MAX_STEPS_PER_EPOCH {
        return Err(Error::config(
            "sample_rate",
            q,
            format!(
                "gives {} steps per epoch, more than {MAX_STEPS_PER_EPOCH}",
                steps_per_epoch(q)
            ),
        ));
    }
    Ok(())
}

/// Steps in one epoch at sample rate `q`: `floor(1/q)`, at least 1 — the length of Opacus'
/// Poisson data loader (`int(1 / sample_rate)`).
pub fn steps_per_epoch(q: f64) -> u64 {
    (1.0 / q + 1e-9).floor().max(1.0) as u64
}

/// The most steps an epoch may have (a sample rate below about 1e-7 is refused): beyond it
/// an epoch would not finish in any useful time.
pub const MAX_STEPS_PER_EPOCH: u64 = 10_000_000;

/// The per-example clipping factor `min(1, C / (‖g‖ + 1e-6))` (Opacus).
pub fn clip_factor(norm: f64, max_grad_norm: f64) -> f64 {
    (max_grad_norm / (norm + 1e-6)).min(1.0)
}

/// A DP-SGD trainer of a compiled [`Sequential`] (Dense/activation/Dropout/Flatten layers;
/// BatchNorm is refused), using the model's own loss and optimizer. It keeps the accountant
/// across calls: training the same model again with the same `DpSgd` adds to ε.
///
/// ```
/// use trustnn::prelude::*;
/// use trustnn::privacy::dpsgd::{DpSgd, DpSgdConfig};
/// let x = Tensor::from_rows(&[[0.0, 0.1], [0.2, 0.0], [1.0, 0.9], [0.8, 1.1]])?;
/// let y = Tensor::from_vec(vec![0.0, 0.0, 1.0, 1.0], &[4])?;
/// let mut model = Sequential::new().seed(1).add(Dense::new(2, 2));
/// model.compile(SparseCategoricalCrossEntropy, Sgd::new(0.1))?;
/// let mut dp = DpSgd::new(DpSgdConfig::new(1.0, 1.0, 0.5))?;
/// let history = dp.fit(&mut model, &x, &y, &FitConfig::new().epochs(3))?;
/// assert_eq!(history.get("epsilon").unwrap().len(), 3);
/// assert!(history.note("privacy").unwrap().contains("Poisson"));
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Debug)]
pub struct DpSgd {
    config: DpSgdConfig,
    accountant: RdpAccountant,
    rng: Rng,
    xb: Tensor,
    yb: Tensor,
    lgrad: Tensor,
    sq_norms: Vec<f64>,
    /// Private steps applied by `fit` since the accountant was last brought up to date.
    pending: u64,
}

impl DpSgd {
    /// A trainer with these settings (validated).
    pub fn new(config: DpSgdConfig) -> Result<Self> {
        config.validate()?;
        let rng = seeded(config.seed);
        Ok(Self {
            config,
            accountant: RdpAccountant::new(),
            rng,
            xb: Tensor::default(),
            yb: Tensor::default(),
            lgrad: Tensor::default(),
            sq_norms: Vec::new(),
            pending: 0,
        })
    }

    /// A trainer that continues from `accountant` (the privacy already spent on the same
    /// data, e.g. by an interrupted run, kept from [`DpSgd::accountant`]), so ε keeps adding
    /// up. Give the resumed run a new [`DpSgdConfig::seed`]: the same seed would replay the
    /// same sampling and noise.
    pub fn with_accountant(config: DpSgdConfig, accountant: RdpAccountant) -> Result<Self> {
        let mut dp = Self::new(config)?;
        dp.accountant = accountant;
        Ok(dp)
    }

    /// The settings.
    pub fn config(&self) -> &DpSgdConfig {
        &self.config
    }

    /// The accountant (every private step this trainer has applied).
    pub fn accountant(&self) -> &RdpAccountant {
        &self.accountant
    }

    /// The privacy spent so far, as the accountant computes it for Poisson sampling (see
    /// [`DpSgd::statement`] for what it covers).
    pub fn spent(&self) -> Result<PrivacySpent> {
        self.accountant.epsilon(self.config.delta, self.config.conversion)
    }

    /// The statement of `spent` for this trainer: [`PrivacySpent::describe`], prefixed by
    /// "NOT COVERED" when the batches were not Poisson-sampled ([`Sampling::ShuffleAndBatch`]).
    pub fn statement(&self, spent: &PrivacySpent) -> String {
        match self.config.sampling {
            Sampling::Poisson => spent.describe(),
            Sampling::ShuffleAndBatch => format!(
                "NOT COVERED: batches were shuffled and cut, not Poisson-sampled, so this is not a \
                 guarantee; the accountant would give {}",
                spent.describe()
            ),
        }
    }

    /// Checks that `model` is compiled and has no layer that mixes examples
    /// ([`crate::layer::Layer::mixes_examples`]).
    pub fn check_model(model: &Sequential) -> Result<()> {
        if model.loss().is_none() || model.optimizer().is_none() {
            return Err(Error::NotReady(
                "DP-SGD: compile(loss, optimizer) the model first".into(),
            ));
        }
        if let Some(l) = model.layers().iter().find(|l| l.mixes_examples()) {
            return Err(Error::config(
                format!("DP-SGD layer {}", l.name()),
                l.kind(),
                "mixes the examples of a batch (as BatchNorm does), so per-example gradients (and \
                 the privacy guarantee) do not exist; remove it or use no normalization",
            ));
        }
        Ok(())
    }

    fn check_data(model: &Sequential, x: &Tensor, y: &Tensor, indices: &[usize]) -> Result<()> {
        Self::check_model(model)?;
        model.check_training_data(x, y, "DP-SGD")?;
        if let Some(&i) = indices.iter().find(|&&i| i >= x.batch_size()) {
            return Err(Error::config(
                "DP-SGD example index",
                i,
                format!("must be < {}", x.batch_size()),
            ));
        }
        Ok(())
    }

    /// Trains `model` for `config.epochs` epochs of `floor(1/q)` Poisson-sampled steps each,
    /// in [`Sequential::fit`]'s loop (validation, metrics, progress as configured; batch size
    /// and shuffling do not apply). The history has an `"epsilon"` series (ε after each
    /// epoch) and a `"privacy"` note ([`PrivacySpent::describe`]). With
    /// [`DpSgdConfig::epsilon_budget`], training stops before an epoch that would exceed
    /// the budget, and [`History::stop_reason`] says so.
    pub fn fit(
        &mut self,
        model: &mut Sequential,
        x: &Tensor,
        y: &Tensor,
        config: &FitConfig,
    ) -> Result<History> {
        self.fit_with_callbacks(model, x, y, config, &mut [])
    }

    /// [`DpSgd::fit`] with [`Callback`]s, as [`Sequential::fit_with_callbacks`].
    pub fn fit_with_callbacks(
        &mut self,
        model: &mut Sequential,
        x: &Tensor,
        y: &Tensor,
        config: &FitConfig,
        callbacks: &mut [&mut dyn Callback],
    ) -> Result<History> {
        model.fit_impl(x, y, None, config, callbacks, Some(self))
    }

    /// Steps in an epoch over `n` examples: [`steps_per_epoch`] for Poisson sampling,
    /// `ceil(n / round(qN))` for [`Sampling::ShuffleAndBatch`].
    pub(crate) fn epoch_steps(&self, n: usize) -> u64 {
        match self.config.sampling {
            Sampling::Poisson => steps_per_epoch(self.config.sample_rate),
            Sampling::ShuffleAndBatch => {
                let batch = ((self.config.sample_rate * n as f64).round() as usize).max(1);
                n.div_ceil(batch) as u64
            }
        }
    }

    /// Why the next epoch must not run (it would take ε above the budget), if so.
    pub(crate) fn budget_exceeded_by_next_epoch(&self, n: usize) -> Result<Option<String>> {
        let Some(budget) = self.config.epsilon_budget else {
            return Ok(None);
        };
        let mut next = self.accountant.clone();
        next.step(
            self.config.sample_rate,
            self.config.noise_multiplier,
            self.epoch_steps(n),
        )?;
        let eps = next.epsilon(self.config.delta, self.config.conversion)?.epsilon;
        Ok((eps > budget)
            .then(|| format!("privacy budget: the next epoch would take ε to {eps:.4} > budget {budget}")))
    }

    /// One epoch's batches: [`steps_per_epoch`] Poisson samples of `0..n`, concatenated into
    /// `order`, with each batch's end in `ends`. Each batch is shuffled (its order does not
    /// matter to the guarantee), so that a share of it taken from the front — adversarial
    /// training's — is a random share. With [`Sampling::ShuffleAndBatch`]: `0..n` shuffled and
    /// cut into batches of `round(qN)` (at least 1).
    pub(crate) fn sample_epoch(&mut self, n: usize, order: &mut Vec<usize>, ends: &mut Vec<usize>) {
        order.clear();
        ends.clear();
        if self.config.sampling == Sampling::ShuffleAndBatch {
            order.extend(0..n);
            order.shuffle(&mut self.rng);
            let batch = ((self.config.sample_rate * n as f64).round() as usize).max(1);
            ends.extend((1..=n.div_ceil(batch)).map(|b| (b * batch).min(n)));
            return;
        }
        for _ in 0..steps_per_epoch(self.config.sample_rate) {
            let start = order.len();
            self.poisson_append(n, order);
            order[start..].shuffle(&mut self.rng);
            ends.push(order.len());
        }
    }

    /// Brings the accountant up to date with the steps `fit` applied (a whole epoch, or
    /// the part of one that ran before a stop or an error) and returns the privacy spent.
    pub(crate) fn account_pending(&mut self) -> Result<PrivacySpent> {
        if self.pending > 0 {
            self.accountant.step(
                self.config.sample_rate,
                self.config.noise_multiplier,
                self.pending,
            )?;
            self.pending = 0;
        }
        self.spent()
    }

    /// Steps applied by `fit` and not yet accounted.
    pub(crate) fn pending_steps(&self) -> u64 {
        self.pending
    }

    /// Poisson sampling: each of `n` examples independently with probability `q`, in
    /// increasing order.
    pub fn poisson_sample(&mut self, n: usize) -> Vec<usize> {
        let mut batch = Vec::new();
        self.poisson_append(n, &mut batch);
        batch
    }

    /// Appends a Poisson sample of `0..n` to `out`. The gaps between chosen examples are
    /// drawn as geometric variables, `floor(ln U / ln(1 − q))` — the same distribution as
    /// `n` coin flips of probability `q`, in `O(qn)` draws.
    fn poisson_append(&mut self, n: usize, out: &mut Vec<usize>) {
        let q = self.config.sample_rate;
        if q >= 1.0 {
            out.extend(0..n);
            return;
        }
        let ln_miss = (-q).ln_1p();
        let mut i = 0usize;
        while i < n {
            let u = 1.0 - self.rng.random::<f64>(); // in (0, 1]
            let gap = (u.ln() / ln_miss).floor();
            if gap >= (n - i) as f64 {
                break;
            }
            i += gap as usize;
            out.push(i);
            i += 1;
        }
    }

    /// The private step of `fit`'s loop on the gathered batch `x`, `y` (already validated)
    /// out of `n` training examples: private gradient, then the model's optimizer. Returns
    /// the batch's mean loss plus the weight penalty.
    pub(crate) fn step_unchecked(
        &mut self,
        model: &mut Sequential,
        x: &Tensor,
        y: &Tensor,
        record: Option<(&mut Tensor, usize)>,
        n: usize,
    ) -> Result<f32> {
        let loss = self.private_grads(model, x, y, record, n)?;
        let penalty = model.apply_gradients_unchecked();
        self.pending += 1;
        Ok(loss + penalty)
    }

    /// Leaves `(Σ_i clip(g_i) + N(0, σ²C²)) / (qN)` (plus the penalty's gradient, except for
    /// an empty batch, whose update is the noise alone) in the model's parameter gradients;
    /// returns the batch's mean loss (0 for an empty batch).
    fn private_grads(
        &mut self,
        model: &mut Sequential,
        x: &Tensor,
        y: &Tensor,
        record: Option<(&mut Tensor, usize)>,
        n: usize,
    ) -> Result<f32> {
        let expected = self.config.sample_rate * n as f64;
        let loss = if x.batch_size() == 0 {
            model.zero_grad();
            0.0
        } else {
            self.clipped_grads(model, x, y, record, 1.0 / expected)?
        };
        let std = (self.config.noise_multiplier * self.config.max_grad_norm / expected) as f32;
        let rng = &mut self.rng;
        for p in model.params_mut().filter(|p| p.is_trainable()) {
            for g in p.grad_mut().as_slice_mut() {
                let z: f32 = StandardNormal.sample(rng);
                *g += std * z;
            }
        }
        Ok(loss)
    }

    /// Leaves `scale · Σ_i clip(g_i)` (plus the penalty's gradient) in the model's parameter
    /// gradients: the examples' gradients `g_i` of their own losses, clipped to norm `C`.
    /// Returns the batch's mean loss.
    fn clipped_grads(
        &mut self,
        model: &mut Sequential,
        x: &Tensor,
        y: &Tensor,
        record: Option<(&mut Tensor, usize)>,
        scale: f64,
    ) -> Result<f32> {
        let b = x.batch_size() as f64;
        let loss = model.forward_loss_unchecked(x, y, None, &mut self.lgrad, record)?;
        model.example_grad_sq_norms(&self.lgrad, &mut self.sq_norms)?;
        // Row i of the mean loss's gradient is g_i / B: example i's gradient has norm
        // B·‖row's gradient‖, and row i scaled by B·f_i·scale backpropagates to f_i·scale·g_i.
        let c = self.config.max_grad_norm;
        let width = self.lgrad.sample_size();
        for (row, &sq) in self
            .lgrad
            .as_slice_mut()
            .chunks_exact_mut(width)
            .zip(&self.sq_norms)
        {
            let f = (clip_factor(b * sq.sqrt(), c) * b * scale) as f32;
            row.iter_mut().for_each(|g| *g *= f);
        }
        model.backward_params_unchecked(&self.lgrad)?;
        Ok(loss)
    }

    fn gather(&mut self, x: &Tensor, y: &Tensor, indices: &[usize]) -> Result<()> {
        x.gather_rows_into(indices, &mut self.xb)?;
        y.gather_rows_into(indices, &mut self.yb)
    }

    /// Validates, gathers the examples `indices` into the trainer's batch buffers and runs
    /// `f` on them (the buffers are lent out for the call and kept afterwards).
    fn on_batch<T>(
        &mut self,
        model: &mut Sequential,
        x: &Tensor,
        y: &Tensor,
        indices: &[usize],
        f: impl FnOnce(&mut Self, &mut Sequential, &Tensor, &Tensor) -> Result<T>,
    ) -> Result<T> {
        Self::check_data(model, x, y, indices)?;
        self.gather(x, y, indices)?;
        let (xb, yb) = (std::mem::take(&mut self.xb), std::mem::take(&mut self.yb));
        let result = f(self, model, &xb, &yb);
        (self.xb, self.yb) = (xb, yb);
        result
    }

    /// The trainable parameters' gradients, in [`Sequential::params`] order.
    fn grads(model: &Sequential) -> Vec<Vec<f32>> {
        model
            .params()
            .filter(|p| p.is_trainable())
            .map(|p| p.grad().as_slice().to_vec())
            .collect()
    }

    /// The per-example gradient norms `‖g_i‖` (of example `i`'s own loss, over all trainable
    /// parameters, penalty excluded) of the examples `indices`, from one batched backward
    /// pass as in training (which overwrites the model's parameter gradients).
    pub fn per_example_norms(
        &mut self,
        model: &mut Sequential,
        x: &Tensor,
        y: &Tensor,
        indices: &[usize],
    ) -> Result<Vec<f64>> {
        if indices.is_empty() {
            Self::check_data(model, x, y, indices)?;
            return Ok(Vec::new());
        }
        self.on_batch(model, x, y, indices, |dp, model, xb, yb| {
            model.forward_loss_unchecked(xb, yb, None, &mut dp.lgrad, None)?;
            model.example_grad_sq_norms(&dp.lgrad, &mut dp.sq_norms)?;
            let b = indices.len() as f64;
            Ok(dp.sq_norms.iter().map(|s| b * s.sqrt()).collect())
        })
    }

    /// The per-example gradients of the examples `indices`, each flattened over the
    /// trainable parameters in [`Sequential::params`] order, by one forward/backward pass
    /// per example (a slow reference for audits and tests; unclipped, and including the
    /// gradient of any weight penalty).
    pub fn per_example_gradients(
        &mut self,
        model: &mut Sequential,
        x: &Tensor,
        y: &Tensor,
        indices: &[usize],
    ) -> Result<Vec<Vec<f32>>> {
        Self::check_data(model, x, y, indices)?;
        let mut out = Vec::with_capacity(indices.len());
        for &i in indices {
            self.gather(x, y, &[i])?;
            let pred = model.forward(&self.xb, Mode::Train)?.clone();
            let (_, g) = model
                .loss()
                .expect("checked")
                .value_and_grad(&pred, &self.yb, None)?;
            model.zero_grad();
            model.backward(&g)?;
            out.push(Self::grads(model).concat());
        }
        Ok(out)
    }

    /// `Σ_i clip(g_i)` over the examples `indices`, one vector per trainable parameter in
    /// [`Sequential::params`] order, and their mean loss — without noise (for audits and
    /// tests). A weight penalty's gradient is included, unclipped.
    pub fn clipped_sum(
        &mut self,
        model: &mut Sequential,
        x: &Tensor,
        y: &Tensor,
        indices: &[usize],
    ) -> Result<(Vec<Vec<f32>>, f32)> {
        self.on_batch(model, x, y, indices, |dp, model, xb, yb| {
            let loss = if xb.batch_size() == 0 {
                model.zero_grad();
                0.0
            } else {
                dp.clipped_grads(model, xb, yb, None, 1.0)?
            };
            Ok((Self::grads(model), loss))
        })
    }

    /// The private gradient of the examples `indices` of `x`, `y` (out of its
    /// `N = x.batch_size()` examples): `(Σ clip(g_i) + N(0, σ²C²)) / (qN)`, one vector per
    /// trainable parameter (plus a weight penalty's gradient). Not applied, not accounted.
    pub fn private_gradient(
        &mut self,
        model: &mut Sequential,
        x: &Tensor,
        y: &Tensor,
        indices: &[usize],
    ) -> Result<Vec<Vec<f32>>> {
        self.on_batch(model, x, y, indices, |dp, model, xb, yb| {
            dp.private_grads(model, xb, yb, None, x.batch_size())?;
            Ok(Self::grads(model))
        })
    }

    /// One DP-SGD step on the examples `indices` of `x`, `y` (out of its `N` examples): the
    /// private gradient, then the model's optimizer; the step is added to this trainer's
    /// accountant at once (for training loops of one's own; the guarantee assumes the
    /// indices are a Poisson sample at the configured rate, see [`DpSgd::poisson_sample`]).
    /// Returns the batch's mean loss plus the weight penalty.
    pub fn step(&mut self, model: &mut Sequential, x: &Tensor, y: &Tensor, indices: &[usize]) -> Result<f32> {
        let loss = self.on_batch(model, x, y, indices, |dp, model, xb, yb| {
            dp.step_unchecked(model, xb, yb, None, x.batch_size())
        })?;
        self.account_pending()?;
        Ok(loss)
    }
}
