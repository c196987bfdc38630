//! Finite-difference gradient checks, for trustnn's own tests and for users' custom layers.
//!
//! The analytic gradient of a scalar objective is compared with central differences
//! `(f(v + h) − f(v − h)) / 2h`. Values are `f32`, so the step is chosen for single
//! precision: `h = step · max(1, |v|)` with `step = 1e-2` by default (truncation error
//! `O(h²)` ≈ 1e-5 and rounding error ≈ 1e-7/h ≈ 1e-5 balance there), the actual step is
//! taken as the difference of the perturbed and original `f32` values, and the objective is
//! accumulated in `f64`. An element passes when
//! `|analytic − numeric| ≤ atol + rtol · max(|analytic|, |numeric|)`.
//!
//! For a layer, the objective is `L = Σ r ⊙ y + penalty` for a fixed random `r` (so
//! `dL/dy = r`) and the layer's regularization penalty: every input value and every
//! trainable parameter value is checked.

use rand::Rng as _;

use crate::error::{Error, Result};
use crate::layer::{Layer, Mode};
use crate::loss::{Loss, check_call};
use crate::rng::seeded;
use crate::tensor::Tensor;

/// Step and tolerances of a gradient check.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradCheckConfig {
    /// Relative step: `h = step · max(1, |v|)`.
    pub step: f32,
    /// Relative tolerance.
    pub rtol: f64,
    /// Absolute tolerance.
    pub atol: f64,
    /// Seed of the random projection `r`.
    pub seed: u64,
}

impl Default for GradCheckConfig {
    /// `step = 1e-2`, `rtol = 1e-3`, `atol = 1e-4`.
    fn default() -> Self {
        GradCheckConfig {
            step: 1e-2,
            rtol: 1e-3,
            atol: 1e-4,
            seed: 0,
        }
    }
}

/// The outcome of a gradient check: the worst element and how many were checked.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GradCheckReport {
    /// Number of values checked.
    pub checked: usize,
    /// Largest `|analytic − numeric|`.
    pub max_abs_err: f64,
    /// Largest `|analytic − numeric| / max(|analytic|, |numeric|, 1e-12)`.
    pub max_rel_err: f64,
    /// Values that failed the tolerance, described (`"input[3]: analytic 0.5, numeric 0.7"`).
    pub failures: Vec<String>,
}

impl GradCheckReport {
    /// True if every value was within tolerance.
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && self.checked > 0
    }

    fn record(&mut self, what: &str, i: usize, analytic: f64, numeric: f64, cfg: &GradCheckConfig) {
        let err = (analytic - numeric).abs();
        let scale = analytic.abs().max(numeric.abs());
        self.checked += 1;
        self.max_abs_err = self.max_abs_err.max(err);
        self.max_rel_err = self.max_rel_err.max(err / scale.max(1e-12));
        if err > cfg.atol + cfg.rtol * scale && self.failures.len() < 20 {
            self.failures.push(format!(
                "{what}[{i}]: analytic {analytic:.7e}, numeric {numeric:.7e}"
            ));
        }
    }
}

impl std::fmt::Display for GradCheckReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} values checked, max abs err {:.3e}, max rel err {:.3e}, {} failures",
            self.checked,
            self.max_abs_err,
            self.max_rel_err,
            self.failures.len()
        )?;
        for line in &self.failures {
            write!(f, "\n  {line}")?;
        }
        Ok(())
    }
}

/// Central difference of `f` at `values[i]`, with the step rounded as it is stored in f32.
fn central_diff(
    values: &mut [f32],
    i: usize,
    step: f32,
    mut f: impl FnMut(&[f32]) -> Result<f64>,
) -> Result<f64> {
    let v = values[i];
    let h = step * v.abs().max(1.0);
    values[i] = v + h;
    let up_x = values[i];
    let up = f(values)?;
    values[i] = v - h;
    let down_x = values[i];
    let down = f(values)?;
    values[i] = v;
    Ok((up - down) / (up_x as f64 - down_x as f64))
}

fn projection(shape: &[usize], seed: u64) -> Tensor {
    let mut rng = seeded(seed);
    let mut r = Tensor::zeros(shape);
    for v in r.as_slice_mut() {
        *v = rng.random_range(-1.0f32..1.0);
    }
    r
}

fn dot(a: &Tensor, b: &Tensor) -> f64 {
    a.as_slice()
        .iter()
        .zip(b.as_slice())
        .map(|(&x, &y)| x as f64 * y as f64)
        .sum()
}

/// Checks a built layer's `backward` against finite differences at input `x`, for the input
/// and every trainable parameter. `mode` is passed to every `forward` (use a layer whose
/// forward is deterministic in that mode).
pub fn check_layer(
    layer: &mut dyn Layer,
    x: &Tensor,
    mode: Mode,
    cfg: &GradCheckConfig,
) -> Result<GradCheckReport> {
    let y_shape = layer.forward(x, mode)?.shape().to_vec();
    let r = projection(&y_shape, cfg.seed);
    layer.zero_grad();
    let dx = layer.backward(&r)?.clone();
    let param_grads: Vec<(String, bool, Tensor)> = layer
        .params()
        .iter()
        .map(|p| (p.name().to_string(), p.is_trainable(), p.grad().clone()))
        .collect();

    let mut report = GradCheckReport::default();
    let mut xs = x.clone();
    for i in 0..xs.len() {
        let shape = x.shape().to_vec();
        let num = central_diff(xs.as_slice_mut(), i, cfg.step, |vals| {
            let xt = Tensor::from_vec(vals.to_vec(), &shape)?;
            Ok(dot(layer.forward(&xt, mode)?, &r))
        })?;
        report.record("input", i, dx.as_slice()[i] as f64, num, cfg);
    }
    for (pi, (name, trainable, grad)) in param_grads.iter().enumerate() {
        if !trainable {
            continue;
        }
        for i in 0..grad.len() {
            let orig = layer.params()[pi].value().as_slice()[i];
            let h = cfg.step * orig.abs().max(1.0);
            let eval = |v: f32, layer: &mut dyn Layer| -> Result<(f64, f32)> {
                layer.params_mut()[pi].value_mut().as_slice_mut()[i] = v;
                let stored = layer.params()[pi].value().as_slice()[i];
                let penalty = layer.penalty() as f64;
                Ok((dot(layer.forward(x, mode)?, &r) + penalty, stored))
            };
            let (up, up_v) = eval(orig + h, layer)?;
            let (down, down_v) = eval(orig - h, layer)?;
            layer.params_mut()[pi].value_mut().as_slice_mut()[i] = orig;
            let num = (up - down) / (up_v as f64 - down_v as f64);
            report.record(name, i, grad.as_slice()[i] as f64, num, cfg);
        }
    }
    Ok(report)
}

/// Checks a loss' gradient with respect to the predictions against finite differences.
pub fn check_loss(
    loss: &dyn Loss,
    pred: &Tensor,
    target: &Tensor,
    weights: Option<&[f32]>,
    cfg: &GradCheckConfig,
) -> Result<GradCheckReport> {
    check_call(loss, pred, target, weights)?;
    let mut grad = Tensor::default();
    loss.compute_unchecked(pred, target, weights, Some(&mut grad));
    if grad.shape() != pred.shape() {
        return Err(Error::shape(
            format!("{} (gradient)", loss.name()),
            format!("{:?}", pred.shape()),
            grad.shape(),
        ));
    }
    let mut report = GradCheckReport::default();
    let mut p = pred.clone();
    for i in 0..p.len() {
        let shape = pred.shape().to_vec();
        let num = central_diff(p.as_slice_mut(), i, cfg.step, |vals| {
            let pt = Tensor::from_vec(vals.to_vec(), &shape)?;
            Ok(loss.compute_unchecked(&pt, target, weights, None) as f64)
        })?;
        report.record("pred", i, grad.as_slice()[i] as f64, num, cfg);
    }
    Ok(report)
}

/// Checks a compiled model end to end: the gradient of its loss (including the
/// regularization penalty) with respect to every trainable parameter and every input value,
/// as computed by `forward` + `backward`, against finite differences of
/// [`Sequential::loss_value`](crate::Sequential::loss_value). `mode` is used for every
/// forward pass (use `Eval` for models with dropout).
pub fn check_model(
    model: &mut crate::Sequential,
    x: &Tensor,
    y: &Tensor,
    mode: Mode,
    cfg: &GradCheckConfig,
) -> Result<GradCheckReport> {
    let pred = model.forward(x, mode)?.clone();
    let loss = model
        .loss()
        .ok_or_else(|| Error::NotReady("check_model needs a compiled model".into()))?;
    let (_, g) = loss.value_and_grad(&pred, y, None)?;
    model.zero_grad();
    let dx = model.backward(&g)?.clone();
    let grads: Vec<(String, Tensor)> = model
        .params()
        .filter(|p| p.is_trainable())
        .map(|p| (p.name().to_string(), p.grad().clone()))
        .collect();

    let mut report = GradCheckReport::default();
    let mut xs = x.clone();
    for i in 0..xs.len() {
        let shape = x.shape().to_vec();
        let num = central_diff(xs.as_slice_mut(), i, cfg.step, |vals| {
            let xt = Tensor::from_vec(vals.to_vec(), &shape)?;
            Ok(model.loss_value(&xt, y, None, mode)? as f64)
        })?;
        report.record("input", i, dx.as_slice()[i] as f64, num, cfg);
    }
    for (name, grad) in &grads {
        let mut value = model.param(name)?.clone();
        for i in 0..value.len() {
            let num = central_diff(value.as_slice_mut(), i, cfg.step, |vals| {
                let t = Tensor::from_vec(vals.to_vec(), grad.shape())?;
                model.set_param(name, &t)?;
                Ok(model.loss_value(x, y, None, mode)? as f64)
            })?;
            report.record(name, i, grad.as_slice()[i] as f64, num, cfg);
        }
        model.set_param(name, &value)?;
    }
    Ok(report)
}
