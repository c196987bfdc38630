//! [`BatchNorm`]: batch normalization over the features of `[N, F]` batches, as
//! `torch.nn.BatchNorm1d` (2-d input).
//!
//! Ioffe and Szegedy, "Batch Normalization: Accelerating Deep Network Training by Reducing
//! Internal Covariate Shift", ICML 2015.

use super::{Layer, LayerSpec, Mode, Param, ParamKind, check_grad, check_input};
use crate::error::{Error, Result, check_positive};
use crate::rng::Rng;
use crate::tensor::Tensor;

/// Batch normalization of each feature of a `[N, F]` batch (`torch.nn.BatchNorm1d(F)` on
/// 2-d input), with a learned scale `γ` and shift `β`:
///
/// `y = γ · x̂ + β`, `x̂ = (x − μ) / √(σ² + ε)`, per feature.
///
/// - [`Mode::Train`]: `μ` and `σ²` are the batch mean and the **biased** batch variance
///   (`Σ(x − μ)²/N`), as in PyTorch. The running statistics are then updated with PyTorch's
///   convention `running = (1 − momentum)·running + momentum·batch_stat`, where the running
///   variance receives the **unbiased** batch variance `Σ(x − μ)²/(N − 1)`. Training needs
///   at least 2 samples per batch (PyTorch: "Expected more than 1 value per channel when
///   training").
/// - [`Mode::Eval`]: `μ` and `σ²` are the running mean and running variance; nothing changes.
///
/// Backward, for `G = dL/dy`:
/// `dγ += Σ_rows G ⊙ x̂`, `dβ += Σ_rows G` (accumulated), and with `dx̂ = G·γ`:
/// in `Train`, `dx = (1/N)·(γ/√(σ²+ε))·(N·dx̂ − Σ_rows dx̂ − x̂ ⊙ Σ_rows(dx̂ ⊙ x̂))`
/// (the batch statistics depend on `x`); in `Eval`, `dx = G·γ/√(running_var + ε)`.
///
/// Parameters, in PyTorch's `state_dict` order: `"weight"` (`γ`, initialized to 1,
/// [`ParamKind::Weight`]), `"bias"` (`β`, initialized to 0, [`ParamKind::Bias`]) — both
/// absent with `.affine(false)` — then the buffers `"running_mean"` (initialized to 0) and
/// `"running_var"` (initialized to 1), [`ParamKind::Buffer`]: saved with the model, skipped
/// by optimizers. PyTorch's `num_batches_tracked` is not kept (it is only used with
/// `momentum=None`, which trustnn does not offer). Defaults: `eps = 1e-5`, `momentum = 0.1`,
/// `affine = true`, as in PyTorch.
///
/// Keras' `BatchNormalization(momentum=m)` updates `running = m·running + (1 − m)·batch`, so
/// Keras' `momentum = 0.99` is `momentum(0.01)` here; Keras also defaults to `epsilon = 1e-3`
/// and feeds the *biased* variance to its moving variance.
///
/// Statistics and gradient sums are accumulated per feature in `f64`; the normalization
/// itself is computed in `f32`.
///
/// ```
/// use trustnn::{layer::{BatchNorm, Layer, Mode}, Tensor, rng};
/// let mut bn = BatchNorm::new(2);
/// bn.build(&[2], &mut rng::seeded(0))?;
/// let x = Tensor::from_rows(&[[1.0, 10.0], [3.0, 30.0]])?;
/// let y = bn.forward(&x, Mode::Train)?;
/// // Each feature is normalized to mean 0 and (biased) variance 1 (up to eps).
/// assert!((y.as_slice()[0] + 1.0).abs() < 1e-4 && (y.as_slice()[3] - 1.0).abs() < 1e-4);
/// // running_mean = 0.9·0 + 0.1·batch mean.
/// assert_eq!(bn.running_mean().unwrap().as_slice(), &[0.2, 2.0]);
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct BatchNorm {
    name: String,
    num_features: usize,
    eps: f32,
    momentum: f32,
    affine: bool,
    /// `[weight, bias, running_mean, running_var]`, or the two buffers without `affine`.
    params: Vec<Param>,
    /// Whether the last forward was in `Mode::Train` (decides backward's formula).
    train: bool,
    /// `x̂` of the last forward, `[N, F]`.
    x_hat: Tensor,
    /// Per feature: the mean used by the last forward (batch or running).
    mean: Vec<f32>,
    /// Per feature: `1/√(σ² + ε)` used by the last forward.
    inv_std: Vec<f32>,
    /// Per-feature `f64` accumulators (mean/`Σ G` and variance/`Σ G ⊙ x̂`).
    acc_a: Vec<f64>,
    acc_b: Vec<f64>,
    /// Per-feature backward coefficients: `γ/√(σ²+ε)`, `mean(G)`, `mean(G ⊙ x̂)`.
    coef_scale: Vec<f32>,
    coef_mean_g: Vec<f32>,
    coef_mean_gx: Vec<f32>,
    output: Tensor,
    grad_input: Tensor,
}

impl BatchNorm {
    /// Batch normalization of `num_features` features (`>= 1`, checked in [`Layer::build`]).
    pub fn new(num_features: usize) -> Self {
        BatchNorm {
            name: String::new(),
            num_features,
            eps: 1e-5,
            momentum: 0.1,
            affine: true,
            params: Vec::new(),
            train: false,
            x_hat: Tensor::default(),
            mean: Vec::new(),
            inv_std: Vec::new(),
            acc_a: Vec::new(),
            acc_b: Vec::new(),
            coef_scale: Vec::new(),
            coef_mean_g: Vec::new(),
            coef_mean_gx: Vec::new(),
            output: Tensor::default(),
            grad_input: Tensor::default(),
        }
    }

    /// The `ε` added to the variance (default `1e-5`, PyTorch's; must be `> 0`).
    pub fn eps(mut self, eps: f32) -> Self {
        self.eps = eps;
        self
    }

    /// The running-statistics momentum in PyTorch's convention (default `0.1`; in
    /// `[0, 1]`): `running = (1 − momentum)·running + momentum·batch_stat`.
    /// Keras' `momentum = m` corresponds to `1 − m` here.
    pub fn momentum(mut self, momentum: f32) -> Self {
        self.momentum = momentum;
        self
    }

    /// With a learned scale `γ` and shift `β` (default `true`); without, `y = x̂`.
    pub fn affine(mut self, affine: bool) -> Self {
        self.affine = affine;
        self
    }

    /// Sets the layer's name (otherwise the model names it `batch_norm`, `batch_norm_1`, ...).
    pub fn named(mut self, name: &str) -> Self {
        self.set_name(name);
        self
    }

    /// Number of features `F`.
    pub fn num_features(&self) -> usize {
        self.num_features
    }

    /// `γ` (`[F]`), if the layer is affine and built.
    pub fn weight(&self) -> Option<&Tensor> {
        self.affine_param(0)
    }

    /// `β` (`[F]`), if the layer is affine and built.
    pub fn bias(&self) -> Option<&Tensor> {
        self.affine_param(1)
    }

    /// The running mean (`[F]`), once built.
    pub fn running_mean(&self) -> Option<&Tensor> {
        self.params.get(self.buffers_at()).map(Param::value)
    }

    /// The running (unbiased) variance (`[F]`), once built.
    pub fn running_var(&self) -> Option<&Tensor> {
        self.params.get(self.buffers_at() + 1).map(Param::value)
    }

    fn affine_param(&self, i: usize) -> Option<&Tensor> {
        if self.affine {
            self.params.get(i).map(Param::value)
        } else {
            None
        }
    }

    /// Index of `running_mean` in `params`.
    fn buffers_at(&self) -> usize {
        if self.affine { 2 } else { 0 }
    }

    fn not_built(&self) -> Error {
        Error::NotReady(format!(
            "layer {:?} (batch_norm) is not built: call build() first",
            self.name
        ))
    }

    fn validate(&self) -> Result<()> {
        if self.num_features == 0 {
            return Err(Error::config(
                "BatchNorm.num_features",
                self.num_features,
                "must be at least 1",
            ));
        }
        check_positive("BatchNorm.eps", self.eps)?;
        if !(self.momentum.is_finite() && (0.0..=1.0).contains(&self.momentum)) {
            return Err(Error::config(
                "BatchNorm.momentum",
                self.momentum,
                "must be in [0, 1]",
            ));
        }
        Ok(())
    }

    /// Train mode: batch mean and biased variance into `self.mean`/`self.inv_std`, and the
    /// running statistics updated with the unbiased variance.
    fn batch_statistics(&mut self, x: &Tensor) {
        let f = self.num_features;
        let n = x.batch_size() as f64;
        let at = self.buffers_at();
        let (sum, sq) = (&mut self.acc_a, &mut self.acc_b);
        sum.fill(0.0);
        for row in x.as_slice().chunks_exact(f) {
            sum.iter_mut().zip(row).for_each(|(s, &v)| *s += v as f64);
        }
        sum.iter_mut().for_each(|s| *s /= n);
        let mean = &*sum;
        sq.fill(0.0);
        for row in x.as_slice().chunks_exact(f) {
            for ((q, &v), &m) in sq.iter_mut().zip(row).zip(mean) {
                let d = v as f64 - m;
                *q += d * d;
            }
        }
        let (eps, momentum) = (self.eps as f64, self.momentum as f64);
        let (rm, rv) = self.params[at..].split_at_mut(1);
        let (rm, rv) = (rm[0].value_mut().as_slice_mut(), rv[0].value_mut().as_slice_mut());
        for (((((m32, s32), &m), &q), rm), rv) in self
            .mean
            .iter_mut()
            .zip(self.inv_std.iter_mut())
            .zip(mean)
            .zip(sq.iter())
            .zip(rm)
            .zip(rv)
        {
            *m32 = m as f32;
            *s32 = (1.0 / (q / n + eps).sqrt()) as f32;
            *rm = (momentum * m + (1.0 - momentum) * *rm as f64) as f32;
            *rv = (momentum * (q / (n - 1.0)) + (1.0 - momentum) * *rv as f64) as f32;
        }
    }

    /// Eval mode: running statistics into `self.mean`/`self.inv_std`.
    fn running_statistics(&mut self) {
        let at = self.buffers_at();
        let eps = self.eps as f64;
        let rm = self.params[at].value().as_slice();
        let rv = self.params[at + 1].value().as_slice();
        self.mean.copy_from_slice(rm);
        for (s, &v) in self.inv_std.iter_mut().zip(rv) {
            *s = (1.0 / (v as f64 + eps).sqrt()) as f32;
        }
    }

    /// Accumulates `dγ`, `dβ` and leaves `Σ G` in `acc_a`, `Σ G ⊙ x̂` in `acc_b`.
    fn param_grads(&mut self, grad_out: &Tensor) {
        let f = self.num_features;
        let (sum_g, sum_gx) = (&mut self.acc_a, &mut self.acc_b);
        sum_g.fill(0.0);
        sum_gx.fill(0.0);
        for (g_row, h_row) in grad_out
            .as_slice()
            .chunks_exact(f)
            .zip(self.x_hat.as_slice().chunks_exact(f))
        {
            for (((sg, sgx), &g), &h) in sum_g.iter_mut().zip(sum_gx.iter_mut()).zip(g_row).zip(h_row) {
                *sg += g as f64;
                *sgx += g as f64 * h as f64;
            }
        }
        if self.affine {
            let (w, b) = self.params.split_at_mut(1);
            for (d, &s) in w[0].grad_mut().as_slice_mut().iter_mut().zip(sum_gx.iter()) {
                *d += s as f32;
            }
            for (d, &s) in b[0].grad_mut().as_slice_mut().iter_mut().zip(sum_g.iter()) {
                *d += s as f32;
            }
        }
    }

    fn check_ready(&self, x: &Tensor, mode: Mode) -> Result<()> {
        if self.params.is_empty() {
            return Err(self.not_built());
        }
        check_input(&self.name, x, &[self.num_features])?;
        if mode == Mode::Train && x.batch_size() < 2 {
            return Err(Error::shape(
                format!("{} (batch_norm in training mode)", self.name),
                format!(
                    "[N, {}] with N >= 2 (more than 1 value per feature when training)",
                    self.num_features
                ),
                x.shape(),
            ));
        }
        Ok(())
    }
}

impl Layer for BatchNorm {
    fn name(&self) -> &str {
        &self.name
    }

    fn set_name(&mut self, name: &str) {
        self.name = name.to_string();
        for p in &mut self.params {
            p.set_layer_name(name);
        }
    }

    fn kind(&self) -> &'static str {
        "batch_norm"
    }

    fn mixes_examples(&self) -> bool {
        true
    }

    fn spec(&self) -> Option<LayerSpec> {
        Some(LayerSpec::BatchNorm {
            num_features: self.num_features,
            eps: self.eps,
            momentum: self.momentum,
            affine: self.affine,
        })
    }

    fn input_shape(&self) -> Option<Vec<usize>> {
        Some(vec![self.num_features])
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>> {
        if input != [self.num_features] {
            return Err(Error::shape(
                format!("{} (batch_norm input)", self.name),
                format!("[{}]", self.num_features),
                input,
            ));
        }
        Ok(input.to_vec())
    }

    fn build(&mut self, input: &[usize], _rng: &mut Rng) -> Result<Vec<usize>> {
        self.validate()?;
        let out = self.output_shape(input)?;
        let f = self.num_features;
        self.params.clear();
        if self.affine {
            self.params
                .push(Param::new("weight", ParamKind::Weight, Tensor::full(&[f], 1.0)));
            self.params
                .push(Param::new("bias", ParamKind::Bias, Tensor::zeros(&[f])));
        }
        self.params
            .push(Param::new("running_mean", ParamKind::Buffer, Tensor::zeros(&[f])));
        self.params.push(Param::new(
            "running_var",
            ParamKind::Buffer,
            Tensor::full(&[f], 1.0),
        ));
        let name = self.name.clone();
        self.set_name(&name);
        for v in [
            &mut self.mean,
            &mut self.inv_std,
            &mut self.coef_scale,
            &mut self.coef_mean_g,
            &mut self.coef_mean_gx,
        ] {
            v.clear();
            v.resize(f, 0.0);
        }
        for v in [&mut self.acc_a, &mut self.acc_b] {
            v.clear();
            v.resize(f, 0.0);
        }
        self.output = Tensor::default();
        self.train = false;
        Ok(out)
    }

    fn forward(&mut self, x: &Tensor, mode: Mode) -> Result<&Tensor> {
        self.check_ready(x, mode)?;
        self.train = mode == Mode::Train;
        match mode {
            Mode::Train => self.batch_statistics(x),
            Mode::Eval => self.running_statistics(),
        }
        self.x_hat.resize_like(x);
        self.output.resize_like(x);
        let f = self.num_features;
        let (mean, inv_std) = (&self.mean, &self.inv_std);
        let affine = self.affine.then(|| {
            (
                self.params[0].value().as_slice(),
                self.params[1].value().as_slice(),
            )
        });
        for ((h_row, y_row), x_row) in self
            .x_hat
            .as_slice_mut()
            .chunks_exact_mut(f)
            .zip(self.output.as_slice_mut().chunks_exact_mut(f))
            .zip(x.as_slice().chunks_exact(f))
        {
            for (((h, &v), &m), &s) in h_row.iter_mut().zip(x_row).zip(mean).zip(inv_std) {
                *h = (v - m) * s;
            }
            match affine {
                Some((gamma, beta)) => {
                    for (((y, &h), &g), &b) in y_row.iter_mut().zip(&*h_row).zip(gamma).zip(beta) {
                        *y = g * h + b;
                    }
                }
                None => y_row.copy_from_slice(h_row),
            }
        }
        Ok(&self.output)
    }

    fn backward(&mut self, grad_out: &Tensor) -> Result<&Tensor> {
        self.backward_params(grad_out)?;
        if self.affine {
            let gamma = self.params[0].value().as_slice();
            for ((k, &g), &s) in self.coef_scale.iter_mut().zip(gamma).zip(&self.inv_std) {
                *k = g * s;
            }
        } else {
            self.coef_scale.copy_from_slice(&self.inv_std);
        }
        if self.train {
            let inv_n = 1.0 / grad_out.batch_size() as f64;
            for (m, &s) in self.coef_mean_g.iter_mut().zip(&self.acc_a) {
                *m = (s * inv_n) as f32;
            }
            for (m, &s) in self.coef_mean_gx.iter_mut().zip(&self.acc_b) {
                *m = (s * inv_n) as f32;
            }
        }
        self.grad_input.resize_like(grad_out);
        let f = self.num_features;
        let rows = self
            .grad_input
            .as_slice_mut()
            .chunks_exact_mut(f)
            .zip(grad_out.as_slice().chunks_exact(f));
        let scale = &self.coef_scale;
        if self.train {
            let (mean_g, mean_gx) = (&self.coef_mean_g, &self.coef_mean_gx);
            for ((d_row, g_row), h_row) in rows.zip(self.x_hat.as_slice().chunks_exact(f)) {
                for (((((d, &g), &h), &k), &mg), &mgx) in d_row
                    .iter_mut()
                    .zip(g_row)
                    .zip(h_row)
                    .zip(scale)
                    .zip(mean_g)
                    .zip(mean_gx)
                {
                    *d = k * (g - mg - h * mgx);
                }
            }
        } else {
            for (d_row, g_row) in rows {
                for ((d, &g), &k) in d_row.iter_mut().zip(g_row).zip(scale) {
                    *d = k * g;
                }
            }
        }
        Ok(&self.grad_input)
    }

    fn backward_params(&mut self, grad_out: &Tensor) -> Result<()> {
        if self.params.is_empty() {
            return Err(self.not_built());
        }
        check_grad(&self.name, grad_out, &self.output)?;
        self.param_grads(grad_out);
        Ok(())
    }

    fn params(&self) -> &[Param] {
        &self.params
    }

    fn params_mut(&mut self) -> &mut [Param] {
        &mut self.params
    }
}
