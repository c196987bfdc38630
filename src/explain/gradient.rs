//! Gradient-based attributions: saliency, gradient × input, Integrated Gradients and
//! SmoothGrad, as Captum (`captum.attr`) defines them.

use rand_distr::{Distribution, Normal};

use super::{Baseline, Output, check_batch, output_and_gradient, output_values};
use crate::error::{Error, Result};
use crate::{Sequential, Tensor};

/// Saliency (Simonyan et al., 2014, "Deep Inside Convolutional Networks"), as
/// `captum.attr.Saliency`: the gradient of the chosen output with respect to each input
/// value, `∂f_c(x)/∂x`, per sample. With `abs = true` (Captum's default) its absolute value.
///
/// `targets` holds one class for all samples or one per sample. The gradient is the
/// per-sample one (not scaled by `1/N` as the batch-mean loss gradient of
/// [`Sequential::input_gradient`] is).
///
/// ```
/// use trustnn::prelude::*;
/// use trustnn::explain::{saliency, Output};
/// let mut m = Sequential::new().seed(1).add(Dense::new(3, 2));
/// m.compile(SparseCategoricalCrossEntropy, Sgd::new(0.1))?;
/// let x = Tensor::from_rows(&[[1.0, 2.0, 3.0]])?;
/// let s = saliency(&mut m, &x, &[1], Output::Logit, false)?;
/// // For a linear model the gradient of logit 1 is row 1 of the weight matrix.
/// let w = m.param("dense.weight")?.clone();
/// assert!((s.as_slice()[0] - w.view2()[[0, 1]]).abs() < 1e-6);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn saliency(
    model: &mut Sequential,
    x: &Tensor,
    targets: &[usize],
    output: Output,
    abs: bool,
) -> Result<Tensor> {
    check_batch(x, targets, "saliency")?;
    let (_, g) = output_and_gradient(model, x, targets, output)?;
    Ok(if abs { g.map(f32::abs) } else { g })
}

/// Gradient × Input (Shrikumar et al., 2016), as `captum.attr.InputXGradient`:
/// `x · ∂f_c(x)/∂x`, element-wise, per sample. For a linear model it equals Integrated
/// Gradients with a zero baseline.
pub fn gradient_x_input(
    model: &mut Sequential,
    x: &Tensor,
    targets: &[usize],
    output: Output,
) -> Result<Tensor> {
    check_batch(x, targets, "gradient_x_input")?;
    let (_, g) = output_and_gradient(model, x, targets, output)?;
    g.mul(x)
}

/// How Integrated Gradients approximates its path integral, as Captum's
/// `method` argument: `riemann_left`, `riemann_right`, `riemann_middle`,
/// `riemann_trapezoid`, `gausslegendre` (Captum's default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Integration {
    /// Left Riemann sum: `α_k = k/n`, `k = 0..n−1`, weights `1/n`.
    RiemannLeft,
    /// Right Riemann sum: `α_k = (k+1)/n`, weights `1/n`.
    RiemannRight,
    /// Midpoint rule: `α_k = (k+½)/n`, weights `1/n`.
    RiemannMiddle,
    /// Trapezoid rule on `n` equally spaced points `α_k = k/(n−1)` with weights `1/(n−1)`
    /// (halved at both ends), summing to 1. **Deliberately unlike Captum** (0.9.0,
    /// `riemann_builders`): on the same points `torch.linspace(0, 1, n)` its step sizes are
    /// `[1/n]·n` with the first and last halved, summing to `(n−1)/n`, so Captum
    /// under-attributes a linear model by the factor `(n−1)/n` (convergence delta
    /// `−(f(x) − f(x'))/n`). This rule's attributions are exactly `n/(n−1)` times Captum's
    /// (`tests/explain_reference.rs`). Needs `n ≥ 2`.
    RiemannTrapezoid,
    /// Gauss–Legendre quadrature with `n` nodes mapped from `[−1, 1]` to `[0, 1]`
    /// (`α = (t+1)/2`, weights `w/2`, as Captum does with `numpy.polynomial.legendre.leggauss`).
    #[default]
    GaussLegendre,
}

/// The points `α_k ∈ [0, 1]` and weights of `n`-point `rule`, in f64. Weights sum to 1.
pub fn integration_points(rule: Integration, n: usize) -> Result<(Vec<f64>, Vec<f64>)> {
    if n == 0 || (rule == Integration::RiemannTrapezoid && n < 2) {
        return Err(Error::config(
            "IntegratedGradients.steps",
            n,
            "needs at least 1 step (2 for the trapezoid rule)",
        ));
    }
    let nf = n as f64;
    Ok(match rule {
        Integration::RiemannLeft => ((0..n).map(|k| k as f64 / nf).collect(), vec![1.0 / nf; n]),
        Integration::RiemannRight => ((1..=n).map(|k| k as f64 / nf).collect(), vec![1.0 / nf; n]),
        Integration::RiemannMiddle => ((0..n).map(|k| (k as f64 + 0.5) / nf).collect(), vec![1.0 / nf; n]),
        Integration::RiemannTrapezoid => {
            let h = 1.0 / (nf - 1.0);
            let mut w = vec![h; n];
            w[0] = h / 2.0;
            w[n - 1] = h / 2.0;
            ((0..n).map(|k| k as f64 / (nf - 1.0)).collect(), w)
        }
        Integration::GaussLegendre => {
            let (t, w) = gauss_legendre(n);
            (
                t.iter().map(|t| 0.5 * (t + 1.0)).collect(),
                w.iter().map(|w| 0.5 * w).collect(),
            )
        }
    })
}

/// Gauss–Legendre nodes (ascending) and weights on `[−1, 1]` by Newton's method on `P_n`.
fn gauss_legendre(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut nodes = vec![0.0; n];
    let mut weights = vec![0.0; n];
    let nf = n as f64;
    for i in 0..n.div_ceil(2) {
        let mut t = (std::f64::consts::PI * (i as f64 + 0.75) / (nf + 0.5)).cos();
        let mut dp = 1.0;
        for _ in 0..100 {
            // P_n(t) and its derivative by the three-term recurrence.
            let (mut p0, mut p1) = (1.0, t);
            for k in 2..=n {
                let kf = k as f64;
                let p2 = ((2.0 * kf - 1.0) * t * p1 - (kf - 1.0) * p0) / kf;
                p0 = p1;
                p1 = p2;
            }
            let pn = if n == 1 { t } else { p1 };
            let pm = if n == 1 { 1.0 } else { p0 };
            dp = nf * (t * pn - pm) / (t * t - 1.0);
            let dt = pn / dp;
            t -= dt;
            if dt.abs() < 1e-15 {
                break;
            }
        }
        let w = 2.0 / ((1.0 - t * t) * dp * dp);
        nodes[i] = -t;
        nodes[n - 1 - i] = t;
        weights[i] = w;
        weights[n - 1 - i] = w;
    }
    if n % 2 == 1 {
        nodes[n / 2] = 0.0;
    }
    (nodes, weights)
}

/// Integrated Gradients (Sundararajan, Taly & Yan, 2017, "Axiomatic Attribution for Deep
/// Networks"), as `captum.attr.IntegratedGradients`:
/// `(x − x') · ∫₀¹ ∂f_c(x' + α(x − x'))/∂x dα`, the integral approximated by `steps` points
/// of `method`. Defaults are Captum's: 50 steps, Gauss–Legendre, zero baseline, and the
/// logit of the target class ([`Output::Logit`]).
///
/// ```
/// use trustnn::prelude::*;
/// use trustnn::explain::IntegratedGradients;
/// let mut m = Sequential::new().seed(3).add(Dense::new(2, 8)).add(ActivationLayer::new(Tanh)).add(Dense::new(8, 2));
/// m.compile(SparseCategoricalCrossEntropy, Sgd::new(0.1))?;
/// let x = Tensor::from_rows(&[[0.5, -1.0]])?;
/// let ig = IntegratedGradients::new().steps(200).attribute(&mut m, &x, &[0])?;
/// assert!(ig.delta[0].abs() < 1e-3); // completeness: Σ attributions ≈ f(x) − f(baseline)
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct IntegratedGradients {
    steps: usize,
    method: Integration,
    baseline: Baseline,
    output: Output,
}

/// Integrated-Gradients attributions and their convergence deltas.
#[derive(Clone, Debug)]
pub struct IgResult {
    /// Attributions, shaped like the input.
    pub attributions: Tensor,
    /// Per sample, Captum's convergence delta `Σ attributions − (f(x) − f(baseline))`
    /// (signed; small when the integral is well approximated).
    pub delta: Vec<f32>,
}

impl Default for IntegratedGradients {
    fn default() -> Self {
        Self::new()
    }
}

impl IntegratedGradients {
    /// Captum's defaults: 50 steps, Gauss–Legendre, zero baseline, logit output.
    pub fn new() -> Self {
        Self {
            steps: 50,
            method: Integration::GaussLegendre,
            baseline: Baseline::Zero,
            output: Output::Logit,
        }
    }
    /// Number of integration points (`n_steps`).
    pub fn steps(mut self, steps: usize) -> Self {
        self.steps = steps;
        self
    }
    /// The quadrature rule.
    pub fn method(mut self, method: Integration) -> Self {
        self.method = method;
        self
    }
    /// The baseline `x'`.
    pub fn baseline(mut self, baseline: Baseline) -> Self {
        self.baseline = baseline;
        self
    }
    /// Which output is explained (logit or probability of the target class).
    pub fn output(mut self, output: Output) -> Self {
        self.output = output;
        self
    }

    /// Attributions for each sample of `x` towards `targets` (one class, or one per sample).
    pub fn attribute(&self, model: &mut Sequential, x: &Tensor, targets: &[usize]) -> Result<IgResult> {
        check_batch(x, targets, "IntegratedGradients::attribute")?;
        let (alphas, weights) = integration_points(self.method, self.steps)?;
        let (n, d) = (x.batch_size(), x.sample_size());
        let base = self.baseline.rows(x, "IntegratedGradients.baseline")?;
        let mut attributions = Tensor::zeros(x.shape());
        let mut delta = Vec::with_capacity(n);
        let mut path = Tensor::zeros(&[alphas.len(), d]);
        let xs = x.as_slice();
        for i in 0..n {
            let xi = &xs[i * d..(i + 1) * d];
            let bi = &base.as_slice()[i * d..(i + 1) * d];
            for (row, &a) in path.as_slice_mut().chunks_exact_mut(d).zip(&alphas) {
                for ((p, &xv), &bv) in row.iter_mut().zip(xi).zip(bi) {
                    *p = bv + (a as f32) * (xv - bv);
                }
            }
            let t = [targets[if targets.len() == 1 { 0 } else { i }]];
            let (_, g) = output_and_gradient(model, &path, &t, self.output)?;
            let mut acc = vec![0.0f64; d];
            for (row, &w) in g.as_slice().chunks_exact(d).zip(&weights) {
                for (a, &gv) in acc.iter_mut().zip(row) {
                    *a += w * gv as f64;
                }
            }
            let out = &mut attributions.as_slice_mut()[i * d..(i + 1) * d];
            let mut total = 0.0f64;
            for (((o, a), &xv), &bv) in out.iter_mut().zip(&acc).zip(xi).zip(bi) {
                let v = a * (xv as f64 - bv as f64);
                total += v;
                *o = v as f32;
            }
            let ends = Tensor::from_vec([xi, bi].concat(), &[2, d])?;
            let f = output_values(model, &ends, &[t[0], t[0]], self.output)?;
            delta.push((total - (f[0] as f64 - f[1] as f64)) as f32);
        }
        Ok(IgResult { attributions, delta })
    }
}

/// SmoothGrad (Smilkov et al., 2017, "SmoothGrad: removing noise by adding noise"), as
/// Captum's `NoiseTunnel(Saliency)` with `nt_type = "smoothgrad"`: the mean of the saliency
/// over `samples` copies of each input with Gaussian noise of standard deviation `stdev`
/// (in input units, as Captum's `stdevs`) added. Captum's defaults: 5 samples, `stdev = 1.0`,
/// absolute gradients. Seeded: the same seed gives the same map.
#[derive(Clone, Debug)]
pub struct SmoothGrad {
    /// Standard deviation of the added noise (Captum's `stdevs`, default 1.0).
    pub stdev: f32,
    /// Number of noisy copies per input (Captum's `nt_samples`, default 5).
    pub samples: usize,
    /// Average `|gradient|` (Captum's `Saliency` default) or the signed gradient.
    pub abs: bool,
    /// Which output is explained.
    pub output: Output,
    /// Seed of the noise.
    pub seed: u64,
}

impl Default for SmoothGrad {
    fn default() -> Self {
        Self {
            stdev: 1.0,
            samples: 5,
            abs: true,
            output: Output::Logit,
            seed: 0,
        }
    }
}

impl SmoothGrad {
    /// The smoothed saliency of each sample of `x` towards `targets`.
    pub fn attribute(&self, model: &mut Sequential, x: &Tensor, targets: &[usize]) -> Result<Tensor> {
        check_batch(x, targets, "SmoothGrad::attribute")?;
        if self.samples == 0 {
            return Err(Error::config("SmoothGrad.samples", 0, "needs at least 1 sample"));
        }
        let normal = Normal::new(0.0f32, self.stdev)
            .map_err(|_| Error::config("SmoothGrad.stdev", self.stdev, "must be finite and >= 0"))?;
        let mut rng = crate::rng::seeded(self.seed);
        let mut sum = Tensor::zeros(x.shape());
        let mut noisy = x.clone();
        for _ in 0..self.samples {
            for (v, &x0) in noisy.as_slice_mut().iter_mut().zip(x.as_slice()) {
                *v = x0 + normal.sample(&mut rng);
            }
            let (_, g) = output_and_gradient(model, &noisy, targets, self.output)?;
            for (s, &gv) in sum.as_slice_mut().iter_mut().zip(g.as_slice()) {
                *s += if self.abs { gv.abs() } else { gv };
            }
        }
        Ok(sum.scale(1.0 / self.samples as f32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauss_legendre_integrates_degree_2n_minus_1_exactly() {
        for n in 1..12 {
            let (a, w) = integration_points(Integration::GaussLegendre, n).unwrap();
            let deg = 2 * n - 1;
            let s: f64 = a.iter().zip(&w).map(|(a, w)| w * a.powi(deg as i32)).sum();
            assert!((s - 1.0 / (deg as f64 + 1.0)).abs() < 1e-12, "n={n}: {s}");
        }
    }

    #[test]
    fn every_rule_has_weights_summing_to_one() {
        for rule in [
            Integration::RiemannLeft,
            Integration::RiemannRight,
            Integration::RiemannMiddle,
            Integration::RiemannTrapezoid,
            Integration::GaussLegendre,
        ] {
            let (_, w) = integration_points(rule, 7).unwrap();
            assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{rule:?}");
        }
    }
}
