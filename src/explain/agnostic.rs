//! Model-agnostic explanations that need only forward passes: feature ablation (Captum's
//! `FeatureAblation`), permutation importance (scikit-learn's `permutation_importance`) and
//! KernelSHAP (Lundberg & Lee, 2017).

use rand::Rng as _;
use rand::seq::SliceRandom;

use super::{Baseline, Output, check_batch, output_values};
use crate::error::{Error, Result};
use crate::{Sequential, Tensor};

/// Feature ablation / occlusion (Zeiler & Fergus, 2014), as `captum.attr.FeatureAblation`:
/// the attribution of feature (group) `g` is `f(x) − f(x with g set to the baseline)`.
///
/// `groups[j]` is the group of feature `j` (e.g. an image patch); all features of a group are
/// ablated together and each gets the group's value, as Captum's `feature_mask`. `None`
/// ablates every feature alone. Cost: one forward pass per group.
///
/// ```
/// use trustnn::prelude::*;
/// use trustnn::explain::{feature_ablation, Baseline, Output};
/// let mut m = Sequential::new().seed(1).add(Dense::new(2, 1));
/// m.compile(BinaryCrossEntropyWithLogits, Sgd::new(0.1))?;
/// m.set_param("dense.bias", &Tensor::zeros(&[1]))?;
/// let x = Tensor::from_rows(&[[2.0, 3.0]])?;
/// let a = feature_ablation(&mut m, &x, &[1], Output::Logit, &Baseline::Zero, None)?;
/// let w = m.param("dense.weight")?.as_slice().to_vec();
/// assert!((a.as_slice()[0] - 2.0 * w[0]).abs() < 1e-5);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn feature_ablation(
    model: &mut Sequential,
    x: &Tensor,
    targets: &[usize],
    output: Output,
    baseline: &Baseline,
    groups: Option<&[usize]>,
) -> Result<Tensor> {
    check_batch(x, targets, "feature_ablation")?;
    let d = x.sample_size();
    let default_groups: Vec<usize> = (0..d).collect();
    let groups = groups.unwrap_or(&default_groups);
    if groups.len() != d {
        return Err(Error::shape(
            "feature_ablation: groups",
            format!("{d} (one per feature)"),
            &[groups.len()],
        ));
    }
    let base = baseline.rows(x, "feature_ablation.baseline")?;
    let f0 = output_values(model, x, targets, output)?;
    let mut ids: Vec<usize> = groups.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut attr = Tensor::zeros(x.shape());
    let mut ablated = x.clone();
    for &g in &ids {
        ablated.assign(x);
        for ((row, brow), _) in ablated
            .as_slice_mut()
            .chunks_exact_mut(d)
            .zip(base.as_slice().chunks_exact(d))
            .zip(0..)
        {
            for ((v, &b), &gj) in row.iter_mut().zip(brow).zip(groups) {
                if gj == g {
                    *v = b;
                }
            }
        }
        let f = output_values(model, &ablated, targets, output)?;
        for (i, row) in attr.as_slice_mut().chunks_exact_mut(d).enumerate() {
            for (a, &gj) in row.iter_mut().zip(groups) {
                if gj == g {
                    *a = f0[i] - f[i];
                }
            }
        }
    }
    Ok(attr)
}

/// Accuracy of model outputs against class targets: argmax of each row, or `output >= 0`
/// for a single (logit) output. A ready metric for [`permutation_importance`].
pub fn accuracy_from_outputs(outputs: &Tensor, y: &Tensor) -> f64 {
    let k = outputs.sample_size();
    let n = outputs.batch_size();
    let pred: Vec<usize> = if k == 1 {
        outputs
            .as_slice()
            .iter()
            .map(|&v| usize::from(v >= 0.0))
            .collect()
    } else {
        outputs.argmax_rows()
    };
    let correct = pred
        .iter()
        .zip(y.as_slice())
        .filter(|(p, t)| **p as f32 == **t)
        .count();
    correct as f64 / n.max(1) as f64
}

/// Permutation importances (Breiman, 2001; as `sklearn.inspection.permutation_importance`).
#[derive(Clone, Debug)]
pub struct PermutationImportance {
    /// The metric on the unpermuted data.
    pub baseline_score: f64,
    /// Per feature, `baseline_score − score with the feature permuted`, one per repeat.
    pub importances: Vec<Vec<f64>>,
    /// Per feature, the mean over repeats.
    pub mean: Vec<f64>,
    /// Per feature, the standard deviation over repeats (population, `ddof = 0`, as NumPy's
    /// `std` that scikit-learn uses).
    pub std: Vec<f64>,
}

/// Permutation feature importance: how much `metric(model outputs, y)` drops when one
/// feature's column is shuffled, `repeats` times per feature (scikit-learn's default is 5),
/// with a generator seeded from `seed`. `metric` must be greater-is-better (pass the negated
/// loss for a loss). Cost: `features × repeats` predictions of the whole set.
///
/// Pitfall: correlated features share importance (permuting one leaves its twin), so both
/// can look unimportant.
pub fn permutation_importance(
    model: &mut Sequential,
    x: &Tensor,
    y: &Tensor,
    metric: impl Fn(&Tensor, &Tensor) -> f64,
    repeats: usize,
    seed: u64,
) -> Result<PermutationImportance> {
    if x.batch_size() == 0 {
        return Err(Error::empty("permutation_importance"));
    }
    if repeats == 0 {
        return Err(Error::config(
            "permutation_importance.repeats",
            0,
            "needs at least 1 repeat",
        ));
    }
    if y.batch_size() != x.batch_size() {
        return Err(Error::shape(
            "permutation_importance: y",
            format!("{} samples like x", x.batch_size()),
            y.shape(),
        ));
    }
    let (n, d) = (x.batch_size(), x.sample_size());
    let baseline_score = metric(&model.predict(x)?, y);
    let mut rng = crate::rng::seeded(seed);
    let mut xp = x.clone();
    let mut order: Vec<usize> = (0..n).collect();
    let mut importances = Vec::with_capacity(d);
    for j in 0..d {
        let mut scores = Vec::with_capacity(repeats);
        for _ in 0..repeats {
            order.shuffle(&mut rng);
            let src = x.as_slice();
            for (row, &o) in xp.as_slice_mut().chunks_exact_mut(d).zip(&order) {
                row[j] = src[o * d + j];
            }
            scores.push(baseline_score - metric(&model.predict(&xp)?, y));
        }
        for (row, src) in xp
            .as_slice_mut()
            .chunks_exact_mut(d)
            .zip(x.as_slice().chunks_exact(d))
        {
            row[j] = src[j];
        }
        importances.push(scores);
    }
    let mean: Vec<f64> = importances
        .iter()
        .map(|s| s.iter().sum::<f64>() / repeats as f64)
        .collect();
    let std = importances
        .iter()
        .zip(&mean)
        .map(|(s, m)| (s.iter().map(|v| (v - m).powi(2)).sum::<f64>() / repeats as f64).sqrt())
        .collect();
    Ok(PermutationImportance {
        baseline_score,
        importances,
        mean,
        std,
    })
}

/// KernelSHAP (Lundberg & Lee, 2017, "A Unified Approach to Interpreting Model
/// Predictions"): Shapley values of the features for one prediction, with the
/// interventional value function `v(S) = mean over background b of f(x_S, b_rest)` (the
/// `shap` package's `KernelExplainer` with the background as its data).
///
/// With at most `max_exact` features (default 12) the Shapley values are **exact**, by
/// enumerating all `2^M` coalitions. Above, `budget` coalitions (default 2048, in
/// complementary pairs) are sampled from the Shapley kernel and the constrained weighted
/// regression is solved, with `Σ φ = f(x) − E f(background)` enforced exactly (additivity).
/// Seeded. Cost: (coalitions) × (background size) forward rows — keep the background small
/// (a few dozen samples or k-means centres).
#[derive(Clone, Debug)]
pub struct KernelShap {
    background: Tensor,
    max_exact: usize,
    budget: usize,
    seed: u64,
    output: Output,
}

/// Shapley values for one sample.
#[derive(Clone, Debug)]
pub struct ShapValues {
    /// One value per feature.
    pub values: Vec<f32>,
    /// `E f(background)`, the value of the empty coalition.
    pub base_value: f32,
    /// `f(x)`.
    pub fx: f32,
    /// Whether the values are exact (enumerated) or estimated (sampled).
    pub exact: bool,
}

impl KernelShap {
    /// An explainer against `background` data (rows of the same features as the inputs).
    pub fn new(background: Tensor) -> Self {
        Self {
            background,
            max_exact: 12,
            budget: 2048,
            seed: 0,
            output: Output::Logit,
        }
    }
    /// Largest feature count explained exactly by enumeration (default 12; at most 20).
    pub fn max_exact(mut self, m: usize) -> Self {
        self.max_exact = m.min(20);
        self
    }
    /// Number of sampled coalitions above `max_exact` features (default 2048).
    pub fn budget(mut self, budget: usize) -> Self {
        self.budget = budget;
        self
    }
    /// Seed of the coalition sampling.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Which output is explained.
    pub fn output(mut self, output: Output) -> Self {
        self.output = output;
        self
    }

    /// `v(S)` for each coalition mask (row-major `masks`, `m` booleans each).
    fn values(
        &self,
        model: &mut Sequential,
        x: &[f32],
        target: usize,
        masks: &[bool],
        m: usize,
    ) -> Result<Vec<f64>> {
        let nb = self.background.batch_size();
        let bg = self.background.as_slice();
        let n_coal = masks.len() / m;
        let chunk = (65536 / nb).max(1);
        let mut out = Vec::with_capacity(n_coal);
        let mut batch = Vec::new();
        for cm in masks.chunks(chunk * m) {
            batch.clear();
            for mask in cm.chunks_exact(m) {
                for b in bg.chunks_exact(m) {
                    batch.extend(
                        mask.iter()
                            .zip(b)
                            .zip(x)
                            .map(|((&on, &bv), &xv)| if on { xv } else { bv }),
                    );
                }
            }
            let rows = batch.len() / m;
            let t = Tensor::from_vec(std::mem::take(&mut batch), &[rows, m])?;
            let f = output_values(model, &t, &[target], self.output)?;
            batch = t.into_raw().0;
            out.extend(
                f.chunks_exact(nb)
                    .map(|c| c.iter().map(|&v| v as f64).sum::<f64>() / nb as f64),
            );
        }
        Ok(out)
    }

    /// Shapley values of sample `x` (one row) for class `target`.
    pub fn explain(&self, model: &mut Sequential, x: &Tensor, target: usize) -> Result<ShapValues> {
        check_batch(x, &[target], "KernelShap::explain")?;
        if x.batch_size() != 1 {
            return Err(Error::shape("KernelShap::explain: x", "one sample", x.shape()));
        }
        let m = x.sample_size();
        if self.background.batch_size() == 0 {
            return Err(Error::empty("KernelShap background"));
        }
        if self.background.sample_size() != m {
            return Err(Error::shape(
                "KernelShap background",
                format!("rows of {m} features"),
                self.background.shape(),
            ));
        }
        self.background.check_finite("KernelShap background")?;
        let xs = x.as_slice();
        let ends = self.values(model, xs, target, &[vec![false; m], vec![true; m]].concat(), m)?;
        let (base, fx) = (ends[0], ends[1]);
        if m <= self.max_exact {
            let n = 1usize << m;
            let masks: Vec<bool> = (0..n)
                .flat_map(|s| (0..m).map(move |j| s >> j & 1 == 1))
                .collect();
            let v = self.values(model, xs, target, &masks, m)?;
            // w(s) = s! (M − s − 1)! / M!
            let mut fact = vec![1.0f64; m + 1];
            for k in 1..=m {
                fact[k] = fact[k - 1] * k as f64;
            }
            let w: Vec<f64> = (0..m).map(|s| fact[s] * fact[m - s - 1] / fact[m]).collect();
            let mut phi = vec![0.0f64; m];
            for (s, &vs) in v.iter().enumerate() {
                let size = s.count_ones() as usize;
                for (j, p) in phi.iter_mut().enumerate() {
                    if s >> j & 1 == 0 {
                        *p += w[size] * (v[s | 1 << j] - vs);
                    }
                }
            }
            return Ok(ShapValues {
                values: phi.iter().map(|&p| p as f32).collect(),
                base_value: base as f32,
                fx: fx as f32,
                exact: true,
            });
        }
        if self.budget < 2 {
            return Err(Error::config(
                "KernelShap.budget",
                self.budget,
                "needs at least 2 coalitions",
            ));
        }
        // Sample coalition sizes from the Shapley kernel's mass per size, ∝ (M−1)/(s(M−s)).
        let size_w: Vec<f64> = (1..m).map(|s| 1.0 / (s as f64 * (m - s) as f64)).collect();
        let total: f64 = size_w.iter().sum();
        let mut rng = crate::rng::seeded(self.seed);
        let mut masks = Vec::with_capacity(self.budget * m);
        let mut idx: Vec<usize> = (0..m).collect();
        for _ in 0..self.budget / 2 {
            let mut u = rng.random::<f64>() * total;
            let mut size = m - 1;
            for (k, &sw) in size_w.iter().enumerate() {
                if u < sw {
                    size = k + 1;
                    break;
                }
                u -= sw;
            }
            idx.shuffle(&mut rng);
            let mut mask = vec![false; m];
            for &j in &idx[..size] {
                mask[j] = true;
            }
            masks.extend(mask.iter().copied());
            masks.extend(mask.iter().map(|b| !b));
        }
        let v = self.values(model, xs, target, &masks, m)?;
        // Eliminate φ_M with Σφ = Δ: regress v − base − z_M Δ on (z_j − z_M), j < M.
        let delta = fx - base;
        let p = m - 1;
        let mut ata = vec![0.0f64; p * p];
        let mut aty = vec![0.0f64; p];
        let mut row = vec![0.0f64; p];
        for (mask, &vs) in masks.chunks_exact(m).zip(&v) {
            let zm = f64::from(u8::from(mask[p]));
            for (r, &z) in row.iter_mut().zip(mask) {
                *r = f64::from(u8::from(z)) - zm;
            }
            let yv = vs - base - zm * delta;
            for a in 0..p {
                aty[a] += row[a] * yv;
                for b in 0..p {
                    ata[a * p + b] += row[a] * row[b];
                }
            }
        }
        let beta = solve(&mut ata, &mut aty, p).ok_or_else(|| {
            Error::config(
                "KernelShap.budget",
                self.budget,
                "too few coalitions: the regression is singular",
            )
        })?;
        let mut values: Vec<f32> = beta.iter().map(|&b| b as f32).collect();
        values.push((delta - beta.iter().sum::<f64>()) as f32);
        Ok(ShapValues {
            values,
            base_value: base as f32,
            fx: fx as f32,
            exact: false,
        })
    }
}

/// Solves `A x = b` (`n × n`, row-major) by Gaussian elimination with partial pivoting.
fn solve(a: &mut [f64], b: &mut [f64], n: usize) -> Option<Vec<f64>> {
    let scale = (0..n).map(|i| a[i * n + i].abs()).fold(0.0, f64::max).max(1.0);
    for col in 0..n {
        let piv = (col..n).max_by(|&i, &j| a[i * n + col].abs().total_cmp(&a[j * n + col].abs()))?;
        if a[piv * n + col].abs() < 1e-12 * scale {
            return None;
        }
        if piv != col {
            for k in 0..n {
                a.swap(piv * n + k, col * n + k);
            }
            b.swap(piv, col);
        }
        for r in col + 1..n {
            let f = a[r * n + col] / a[col * n + col];
            for k in col..n {
                a[r * n + k] -= f * a[col * n + k];
            }
            b[r] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let s: f64 = (r + 1..n).map(|k| a[r * n + k] * x[k]).sum();
        x[r] = (b[r] - s) / a[r * n + r];
    }
    Some(x)
}
