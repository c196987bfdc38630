//! Differentially private training of a [`Sequential`] by DP-SGD (Abadi et al. 2016, "Deep
//! Learning with Differential Privacy") with Opacus' mechanics: Poisson sampling with rate
//! `q`; per-example gradients clipped to L2 norm `C` over all trainable parameters with factor
//! `min(1, C / (‖g_i‖ + 1e-6))`; Gaussian noise `N(0, σ²C²)` added to the clipped sum; the
//! result divided by the expected batch size `qN` and handed to the model's optimizer. ε is
//! tracked by the RDP accountant ([`super::accountant`]) after every epoch.
//!
//! Per-example gradients are computed by one forward/backward pass per example (batch of
//! one) through the model's public API — simple and exactly correct for every layer that does
//! not mix examples. Layers that mix examples (BatchNorm) are refused.

use rand::Rng as _;
use rand_distr::{Distribution, Normal};

use super::accountant::{Conversion, PrivacySpent, RdpAccountant, noise_multiplier_for};
use crate::layer::Mode;
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
    /// Number of epochs; an epoch is `ceil(1/q)` steps (Opacus' Poisson loader).
    pub epochs: usize,
    /// δ of the reported `(ε, δ)`.
    pub delta: f64,
    /// How RDP is converted to `(ε, δ)`.
    pub conversion: Conversion,
    /// Stop before an epoch that would take ε above this budget.
    pub epsilon_budget: Option<f64>,
    /// Seed of the sampling and the noise.
    pub seed: u64,
}

impl DpSgdConfig {
    /// Settings with noise multiplier `σ`, clipping norm `C` and sample rate `q`; one epoch,
    /// δ = 1e-5, the improved conversion, no budget, seed 0.
    pub fn new(noise_multiplier: f64, max_grad_norm: f64, sample_rate: f64) -> Self {
        Self {
            noise_multiplier,
            max_grad_norm,
            sample_rate,
            epochs: 1,
            delta: 1e-5,
            conversion: Conversion::Improved,
            epsilon_budget: None,
            seed: 0,
        }
    }

    /// The settings whose σ meets `target_epsilon` at `delta` after `epochs` epochs (ε within
    /// 0.01 below the target), by [`noise_multiplier_for`].
    pub fn for_target_epsilon(
        target_epsilon: f64,
        delta: f64,
        max_grad_norm: f64,
        sample_rate: f64,
        epochs: usize,
    ) -> Result<Self> {
        check_rate(sample_rate)?;
        let steps = (epochs as u64) * steps_per_epoch(sample_rate);
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
            epochs,
            ..Self::new(sigma, max_grad_norm, sample_rate)
        })
    }

    /// Sets the number of epochs.
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self
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
    if q > 0.0 && q <= 1.0 {
        Ok(())
    } else {
        Err(Error::config("sample_rate", q, "must be in (0, 1]"))
    }
}

/// Steps in one epoch at sample rate `q`: `ceil(1/q)`.
pub fn steps_per_epoch(q: f64) -> u64 {
    (1.0 / q - 1e-9).ceil().max(1.0) as u64
}

/// The per-example clipping factor `min(1, C / (‖g‖ + 1e-6))` (Opacus).
pub fn clip_factor(norm: f64, max_grad_norm: f64) -> f64 {
    (max_grad_norm / (norm + 1e-6)).min(1.0)
}

/// One epoch of private training.
#[derive(Clone, Debug, PartialEq)]
pub struct PrivateEpoch {
    /// Mean loss of the examples sampled in the epoch (before their updates).
    pub loss: f64,
    /// Examples sampled over the epoch.
    pub examples: usize,
    /// The privacy spent after this epoch.
    pub spent: PrivacySpent,
}

/// What [`DpSgd::fit`] did.
#[derive(Clone, Debug, PartialEq)]
pub struct PrivateHistory {
    /// One entry per epoch run.
    pub epochs: Vec<PrivateEpoch>,
    /// Whether training stopped early because the next epoch would exceed the ε budget.
    pub stopped_by_budget: bool,
}

impl PrivateHistory {
    /// The privacy spent at the end (None if no epoch ran).
    pub fn spent(&self) -> Option<&PrivacySpent> {
        self.epochs.last().map(|e| &e.spent)
    }
}

/// A DP-SGD trainer of a compiled [`Sequential`] (Dense/activation/Dropout/Flatten layers;
/// BatchNorm is refused), using the model's own loss and optimizer.
///
/// ```
/// use trustnn::prelude::*;
/// use trustnn::privacy::dpsgd::{DpSgd, DpSgdConfig};
/// let x = Tensor::from_rows(&[[0.0, 0.1], [0.2, 0.0], [1.0, 0.9], [0.8, 1.1]])?;
/// let y = Tensor::from_vec(vec![0.0, 0.0, 1.0, 1.0], &[4])?;
/// let mut model = Sequential::new().seed(1).add(Dense::new(2, 2));
/// model.compile(SparseCategoricalCrossEntropy, Sgd::new(0.1))?;
/// let mut dp = DpSgd::new(DpSgdConfig::new(1.0, 1.0, 0.5).epochs(3))?;
/// let history = dp.fit(&mut model, &x, &y)?;
/// assert_eq!(history.epochs.len(), 3);
/// assert!(history.spent().unwrap().describe().contains("Poisson"));
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Debug)]
pub struct DpSgd {
    config: DpSgdConfig,
    accountant: RdpAccountant,
    rng: Rng,
    names: Vec<String>,
    sum: Vec<Vec<f32>>,
    xrow: Tensor,
    yrow: Tensor,
    out: Tensor,
    lgrad: Tensor,
    value: Vec<f32>,
    batch: Vec<usize>,
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
            names: Vec::new(),
            sum: Vec::new(),
            xrow: Tensor::default(),
            yrow: Tensor::default(),
            out: Tensor::default(),
            lgrad: Tensor::default(),
            value: Vec::new(),
            batch: Vec::new(),
        })
    }

    /// The settings.
    pub fn config(&self) -> &DpSgdConfig {
        &self.config
    }

    /// The accountant (steps taken so far).
    pub fn accountant(&self) -> &RdpAccountant {
        &self.accountant
    }

    /// Checks that `model` is compiled and has no layer that mixes examples.
    pub fn check_model(model: &Sequential) -> Result<()> {
        if model.loss().is_none() || model.optimizer().is_none() {
            return Err(Error::NotReady(
                "DP-SGD: compile(loss, optimizer) the model first".into(),
            ));
        }
        if let Some(l) = model.layers().iter().find(|l| l.kind() == "batch_norm") {
            return Err(Error::config(
                format!("DP-SGD layer {}", l.name()),
                "batch_norm",
                "BatchNorm mixes the examples of a batch, so per-example gradients (and the privacy \
                 guarantee) do not exist; remove it or use no normalization",
            ));
        }
        Ok(())
    }

    fn check_data(model: &Sequential, x: &Tensor, y: &Tensor) -> Result<()> {
        if x.ndim() == 0 || x.batch_size() == 0 {
            return Err(Error::empty("DP-SGD inputs"));
        }
        if y.ndim() == 0 || y.batch_size() != x.batch_size() {
            return Err(Error::shape(
                "DP-SGD targets",
                format!("{} samples", x.batch_size()),
                y.shape(),
            ));
        }
        let loss = model.loss().expect("checked");
        loss.check_targets(model.output_sample_shape(), y)
    }

    /// Zeroes the sum buffers, (re)allocating them only when the model's trainable
    /// parameters differ from the last call (no allocation per step once warm).
    fn prepare(&mut self, model: &Sequential) {
        let trainable = || model.params().filter(|p| p.is_trainable());
        let same = self.names.len() == trainable().count()
            && trainable()
                .zip(self.names.iter().zip(&self.sum))
                .all(|(p, (n, s))| p.name() == n && p.len() == s.len());
        if same {
            self.sum.iter_mut().for_each(|s| s.fill(0.0));
        } else {
            self.names = trainable().map(|p| p.name().to_string()).collect();
            self.sum = trainable().map(|p| vec![0.0; p.len()]).collect();
        }
    }

    /// The gradient of example `i` alone (train mode), left in the model's parameter
    /// gradients; returns its loss.
    fn example_grad(&mut self, model: &mut Sequential, x: &Tensor, y: &Tensor, i: usize) -> Result<f32> {
        x.gather_rows_into(&[i], &mut self.xrow)?;
        y.gather_rows_into(&[i], &mut self.yrow)?;
        let out = model.forward(&self.xrow, Mode::Train)?;
        self.out.assign(out);
        let loss = model.loss().expect("checked");
        let v = loss.compute_unchecked(&self.out, &self.yrow, None, Some(&mut self.lgrad));
        model.zero_grad();
        model.backward(&self.lgrad)?;
        Ok(v)
    }

    /// The per-example gradients of the examples `indices`, each flattened over the trainable
    /// parameters in [`Sequential::params`] order (unclipped; for audits and tests).
    pub fn per_example_gradients(
        &mut self,
        model: &mut Sequential,
        x: &Tensor,
        y: &Tensor,
        indices: &[usize],
    ) -> Result<Vec<Vec<f32>>> {
        Self::check_model(model)?;
        Self::check_data(model, x, y)?;
        indices
            .iter()
            .map(|&i| {
                self.example_grad(model, x, y, i)?;
                Ok(model
                    .params()
                    .filter(|p| p.is_trainable())
                    .flat_map(|p| p.grad().as_slice().iter().copied())
                    .collect())
            })
            .collect()
    }

    /// The sum over `indices` of the clipped per-example gradients, one vector per trainable
    /// parameter (in [`DpSgd::param_names`] order), and the examples' losses.
    pub fn clipped_sum(
        &mut self,
        model: &mut Sequential,
        x: &Tensor,
        y: &Tensor,
        indices: &[usize],
    ) -> Result<(&[Vec<f32>], Vec<f32>)> {
        Self::check_model(model)?;
        Self::check_data(model, x, y)?;
        if let Some(&i) = indices.iter().find(|&&i| i >= x.batch_size()) {
            return Err(Error::config(
                "DP-SGD example index",
                i,
                format!("must be < {}", x.batch_size()),
            ));
        }
        let losses = self.clipped_sum_unchecked(model, x, y, indices)?;
        Ok((&self.sum, losses))
    }

    fn clipped_sum_unchecked(
        &mut self,
        model: &mut Sequential,
        x: &Tensor,
        y: &Tensor,
        indices: &[usize],
    ) -> Result<Vec<f32>> {
        self.prepare(model);
        let c = self.config.max_grad_norm;
        let mut losses = Vec::with_capacity(indices.len());
        for &i in indices {
            losses.push(self.example_grad(model, x, y, i)?);
            let grads = || {
                model
                    .params()
                    .filter(|p| p.is_trainable())
                    .map(|p| p.grad().as_slice())
            };
            let sq: f64 = grads()
                .flat_map(|g| g.iter())
                .map(|&v| f64::from(v) * f64::from(v))
                .sum();
            let f = clip_factor(sq.sqrt(), c) as f32;
            for (s, g) in self.sum.iter_mut().zip(grads()) {
                s.iter_mut().zip(g).for_each(|(s, &g)| *s += f * g);
            }
        }
        Ok(losses)
    }

    /// The trainable parameters' names, in the order of [`DpSgd::clipped_sum`]'s vectors.
    pub fn param_names(&self) -> &[String] {
        &self.names
    }

    /// The private gradient of the examples `indices` of `x`, `y`:
    /// `(Σ clip(g_i) + N(0, σ²C²)) / (qN)`, one vector per trainable parameter.
    pub fn private_gradient(
        &mut self,
        model: &mut Sequential,
        x: &Tensor,
        y: &Tensor,
        indices: &[usize],
    ) -> Result<&[Vec<f32>]> {
        self.clipped_sum(model, x, y, indices)?;
        self.noise_and_scale(x.batch_size());
        Ok(&self.sum)
    }

    fn noise_and_scale(&mut self, n: usize) {
        let std = self.config.noise_multiplier * self.config.max_grad_norm;
        let scale = 1.0 / (self.config.sample_rate * n as f64);
        let normal = Normal::new(0.0, std).expect("std is finite and >= 0");
        for s in &mut self.sum {
            for v in s.iter_mut() {
                *v = ((f64::from(*v) + normal.sample(&mut self.rng)) * scale) as f32;
            }
        }
    }

    /// One DP-SGD step on the examples `indices`: private gradient, then the model's optimizer.
    /// Does not touch the accountant (see [`DpSgd::fit`]). Returns the examples' losses.
    pub fn step(
        &mut self,
        model: &mut Sequential,
        x: &Tensor,
        y: &Tensor,
        indices: &[usize],
    ) -> Result<Vec<f32>> {
        let (_, losses) = self.clipped_sum(model, x, y, indices)?;
        self.noise_and_scale(x.batch_size());
        self.apply(model)?;
        Ok(losses)
    }

    fn apply(&mut self, model: &mut Sequential) -> Result<()> {
        // The optimizer and the parameters both live in the model: copy each value out,
        // update it, and copy it back.
        for (name, g) in self.names.iter().zip(&self.sum) {
            self.value.clear();
            self.value.extend_from_slice(model.param(name)?.as_slice());
            model
                .optimizer_mut()
                .expect("checked")
                .update(name, &mut self.value, g);
            let p = model
                .params_mut()
                .find(|p| p.name() == name)
                .expect("name from the model");
            p.value_mut().as_slice_mut().copy_from_slice(&self.value);
        }
        Ok(())
    }

    /// Poisson sampling: each of `n` examples independently with probability `q`.
    pub fn poisson_sample(&mut self, n: usize) -> Vec<usize> {
        let mut batch = Vec::new();
        self.poisson_sample_into(n, &mut batch);
        batch
    }

    fn poisson_sample_into(&mut self, n: usize, batch: &mut Vec<usize>) {
        let q = self.config.sample_rate;
        batch.clear();
        batch.extend((0..n).filter(|_| self.rng.random::<f64>() < q));
    }

    /// Trains `model` for the configured epochs (each `ceil(1/q)` Poisson-sampled steps),
    /// recording ε after every epoch; with a budget, stops before an epoch that would exceed
    /// it.
    pub fn fit(&mut self, model: &mut Sequential, x: &Tensor, y: &Tensor) -> Result<PrivateHistory> {
        Self::check_model(model)?;
        Self::check_data(model, x, y)?;
        let n = x.batch_size();
        let (q, sigma) = (self.config.sample_rate, self.config.noise_multiplier);
        let steps = steps_per_epoch(q);
        let mut history = PrivateHistory {
            epochs: Vec::new(),
            stopped_by_budget: false,
        };
        for _ in 0..self.config.epochs {
            if let Some(budget) = self.config.epsilon_budget {
                let mut next = self.accountant.clone();
                next.step(q, sigma, steps)?;
                if next.epsilon(self.config.delta, self.config.conversion)?.epsilon > budget {
                    history.stopped_by_budget = true;
                    break;
                }
            }
            let (mut loss_sum, mut examples) = (0.0f64, 0usize);
            for _ in 0..steps {
                let mut batch = std::mem::take(&mut self.batch);
                self.poisson_sample_into(n, &mut batch);
                let losses = self.clipped_sum_unchecked(model, x, y, &batch);
                self.batch = batch;
                let losses = losses?;
                self.noise_and_scale(n);
                self.apply(model)?;
                loss_sum += losses.iter().map(|&l| f64::from(l)).sum::<f64>();
                examples += losses.len();
            }
            self.accountant.step(q, sigma, steps)?;
            history.epochs.push(PrivateEpoch {
                loss: if examples > 0 {
                    loss_sum / examples as f64
                } else {
                    f64::NAN
                },
                examples,
                spent: self
                    .accountant
                    .epsilon(self.config.delta, self.config.conversion)?,
            });
        }
        Ok(history)
    }
}
