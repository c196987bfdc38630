//! Bias mitigation before, during and after training: reweighing (Kamiran & Calders, "Data
//! preprocessing techniques for classification without discrimination", KAIS 2012), the
//! reductions approach with exponentiated gradient (Agarwal, Beygelzimer, Dudík, Langford &
//! Wallach, "A Reductions Approach to Fair Classification", ICML 2018, as
//! `fairlearn.reductions.ExponentiatedGradient`) and group-specific randomized thresholds
//! (Hardt, Price & Srebro, "Equality of Opportunity in Supervised Learning", NeurIPS 2016,
//! as `fairlearn.postprocessing.ThresholdOptimizer`).

use rand::Rng as _;

use crate::error::{Error, Result};
use crate::fairness::metrics::{Groups, check_binary};
use crate::model::{FitConfig, Sequential};
use crate::tensor::Tensor;

/// Kamiran & Calders' reweighing: each sample of group `g` with label `y` gets the weight
/// `P(g)·P(y) / P(g, y) = n_g·n_y / (n·n_gy)` (AIF360's `Reweighing`), so that in the
/// weighted data the label is independent of the group: every group's weighted base rate
/// equals the overall base rate. The weights sum to `n`; pass them to
/// [`Sequential::fit_weighted`] or [`Dataset::with_weights`](crate::data::Dataset::with_weights).
///
/// ```
/// use trustnn::fairness::{reweighing, Groups};
/// let g = Groups::new("sex", &["F", "F", "F", "M"])?;
/// let w = reweighing(&[1, 0, 0, 1], &g)?;
/// // F,1: P(F)=3/4, P(1)=1/2, P(F,1)=1/4 → 1.5
/// assert_eq!(w, vec![1.5, 0.75, 0.75, 0.5]);
/// # Ok::<(), trustnn::Error>(())
/// ```
///
/// Errors: labels not one per sample is [`Error::ShapeMismatch`]; labels other than 0/1
/// are [`Error::LabelOutOfRange`].
pub fn reweighing(y_true: &[usize], groups: &Groups) -> Result<Vec<f32>> {
    check_binary("reweighing (y_true)", y_true, groups.len())?;
    let k = groups.n_groups();
    let mut n_gy = vec![[0usize; 2]; k];
    for (&g, &y) in groups.index().iter().zip(y_true) {
        n_gy[g][y] += 1;
    }
    let n = y_true.len() as f64;
    let n_y = [0, 1].map(|y| n_gy.iter().map(|c| c[y]).sum::<usize>() as f64);
    let w: Vec<[f64; 2]> = n_gy
        .iter()
        .map(|c| {
            let n_g = (c[0] + c[1]) as f64;
            [0, 1].map(|y| {
                if c[y] == 0 {
                    0.0
                } else {
                    n_g * n_y[y] / (n * c[y] as f64)
                }
            })
        })
        .collect();
    Ok(groups
        .index()
        .iter()
        .zip(y_true)
        .map(|(&g, &y)| w[g][y] as f32)
        .collect())
}

/// The fairness constraint a mitigation enforces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Constraint {
    /// Equal selection rates `P(ŷ = 1 | group)`.
    DemographicParity,
    /// Equal true and false positive rates across groups.
    EqualizedOdds,
}

/// One group's randomized threshold rule: `P(ŷ = 1)` is `hi` above `threshold`, `p` at it,
/// `lo` below, then mixed with a constant `P(ŷ = 1) = constant` with probability `mix`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GroupRule {
    /// The score threshold.
    pub threshold: f32,
    /// `P(ŷ = 1)` for a score equal to the threshold.
    pub p_at: f64,
    /// Probability of using the constant classifier instead (equalized odds).
    pub mix: f64,
    /// The constant classifier's `P(ŷ = 1)`.
    pub constant: f64,
}

impl GroupRule {
    fn prob(&self, s: f32) -> f64 {
        let r = if s > self.threshold {
            1.0
        } else if s == self.threshold {
            self.p_at
        } else {
            0.0
        };
        (1.0 - self.mix) * r + self.mix * self.constant
    }
}

/// Scores of one group sorted descending, split by label.
struct Sorted {
    pos: Vec<f32>,
    neg: Vec<f32>,
    all: Vec<f32>,
}

fn count_gt_eq(sorted_desc: &[f32], t: f32) -> (usize, usize) {
    let gt = sorted_desc.partition_point(|&s| s > t);
    let ge = sorted_desc.partition_point(|&s| s >= t);
    (gt, ge - gt)
}

/// The rule (threshold, p) whose expected positive count over `sorted_desc` is `k` exactly.
fn rule_for(sorted_desc: &[f32], k: f64) -> (f32, f64) {
    let n = sorted_desc.len();
    let m = (k.floor() as usize).min(n - 1);
    let t = sorted_desc[m];
    let (gt, eq) = count_gt_eq(sorted_desc, t);
    (t, ((k - gt as f64) / eq as f64).clamp(0.0, 1.0))
}

/// Expected positives among `sorted_desc` under rule `(t, p)`.
fn expected(sorted_desc: &[f32], t: f32, p: f64) -> f64 {
    let (gt, eq) = count_gt_eq(sorted_desc, t);
    gt as f64 + p * eq as f64
}

/// Hardt et al.'s post-processing: group-specific randomized thresholds on a trained model's
/// scores (e.g. `P(y = 1)`), chosen to satisfy the [`Constraint`] exactly (in expectation)
/// on the data it is fitted on, with the highest expected accuracy.
///
/// - Demographic parity: every group gets the same selection rate `r` (with a
///   [`tolerance`](Self::tolerance) `δ`, each group's rate lies in `[r, r + δ]`); `r` is
///   searched on a grid of 1001 values.
/// - Equalized odds: every group gets the same false positive rate `x` (grid of 1001) and
///   the lowest of the groups' true positive rates at `x`; groups whose ROC curve is above
///   it mix their threshold rule with the constant classifier `P(ŷ = 1) = x`, as fairlearn's
///   `ThresholdOptimizer` (the ROC curve here is the empirical one, with ties interpolated,
///   not its convex hull).
///
/// ```
/// use trustnn::fairness::{Constraint, Groups, ThresholdOptimizer};
/// let g = Groups::new("g", &["a", "a", "a", "a", "b", "b", "b", "b"])?;
/// let y = [1, 1, 0, 0, 1, 0, 0, 0];
/// let s = [0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1];
/// let opt = ThresholdOptimizer::new(Constraint::DemographicParity).fit(&s, &y, &g)?;
/// let p = opt.positive_probability(&s, &g)?;
/// let rate_a: f64 = p[..4].iter().sum::<f64>() / 4.0;
/// let rate_b: f64 = p[4..].iter().sum::<f64>() / 4.0;
/// assert!((rate_a - rate_b).abs() < 1e-12);
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ThresholdOptimizer {
    constraint: Constraint,
    tolerance: f64,
    rules: Vec<(String, GroupRule)>,
}

const GRID: usize = 1000;

impl ThresholdOptimizer {
    /// An unfitted optimizer for `constraint`.
    pub fn new(constraint: Constraint) -> Self {
        ThresholdOptimizer {
            constraint,
            tolerance: 0.0,
            rules: Vec::new(),
        }
    }

    /// Allowed spread of selection rates for demographic parity (default 0, on the grid of
    /// step 0.001): sweeping it gives the accuracy-versus-disparity trade-off. Ignored for
    /// equalized odds.
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// The fitted rule of each group.
    pub fn rules(&self) -> &[(String, GroupRule)] {
        &self.rules
    }

    /// Chooses the group rules on `scores` (higher = more likely positive), labels and groups.
    ///
    /// Errors: lengths differ ([`Error::ShapeMismatch`]); labels not 0/1
    /// ([`Error::LabelOutOfRange`]); a non-finite score ([`Error::NonFinite`]); a tolerance
    /// outside [0, 1] ([`Error::InvalidConfig`]); for equalized odds, a group without positive
    /// or without negative labels ([`Error::InvalidConfig`]: its rates are undefined).
    pub fn fit(mut self, scores: &[f32], y_true: &[usize], groups: &Groups) -> Result<Self> {
        check_binary("ThresholdOptimizer::fit (y_true)", y_true, groups.len())?;
        check_scores("ThresholdOptimizer::fit (scores)", scores, groups.len())?;
        if !(0.0..=1.0).contains(&self.tolerance) {
            return Err(Error::config(
                "ThresholdOptimizer.tolerance",
                self.tolerance,
                "must be in [0, 1]",
            ));
        }
        let sorted: Vec<Sorted> = groups
            .members()
            .iter()
            .map(|m| {
                let desc = |it: &mut dyn Iterator<Item = f32>| {
                    let mut v: Vec<f32> = it.collect();
                    v.sort_by(|a, b| b.total_cmp(a));
                    v
                };
                Sorted {
                    pos: desc(&mut m.iter().filter(|&&i| y_true[i] == 1).map(|&i| scores[i])),
                    neg: desc(&mut m.iter().filter(|&&i| y_true[i] == 0).map(|&i| scores[i])),
                    all: desc(&mut m.iter().map(|&i| scores[i])),
                }
            })
            .collect();
        let rules = match self.constraint {
            Constraint::DemographicParity => self.fit_dp(&sorted),
            Constraint::EqualizedOdds => {
                if let Some((g, s)) = groups
                    .names()
                    .iter()
                    .zip(&sorted)
                    .find(|(_, s)| s.pos.is_empty() || s.neg.is_empty())
                {
                    return Err(Error::config(
                        "ThresholdOptimizer (equalized odds)",
                        g,
                        format!(
                            "group has {} positive and {} negative labels; its TPR or FPR is undefined",
                            s.pos.len(),
                            s.neg.len()
                        ),
                    ));
                }
                fit_eo(&sorted)
            }
        };
        self.rules = groups.names().iter().cloned().zip(rules).collect();
        Ok(self)
    }

    fn fit_dp(&self, sorted: &[Sorted]) -> Vec<GroupRule> {
        // Expected correct predictions of each group at each grid selection rate.
        let correct: Vec<Vec<f64>> = sorted
            .iter()
            .map(|s| {
                (0..=GRID)
                    .map(|i| {
                        let k = i as f64 / GRID as f64 * s.all.len() as f64;
                        let (t, p) = rule_for(&s.all, k);
                        let tp = expected(&s.pos, t, p);
                        let fp = expected(&s.neg, t, p);
                        tp + s.neg.len() as f64 - fp
                    })
                    .collect()
            })
            .collect();
        let band = (self.tolerance * GRID as f64).round() as usize;
        let mut best = (f64::NEG_INFINITY, vec![0; sorted.len()]);
        for lo in 0..=GRID - band.min(GRID) {
            let mut total = 0.0;
            let mut pick = Vec::with_capacity(sorted.len());
            for c in &correct {
                let (j, v) = (lo..=lo + band)
                    .map(|j| (j, c[j]))
                    .fold((lo, f64::NEG_INFINITY), |a, b| if b.1 > a.1 { b } else { a });
                total += v;
                pick.push(j);
            }
            if total > best.0 {
                best = (total, pick);
            }
        }
        sorted
            .iter()
            .zip(best.1)
            .map(|(s, j)| {
                let (threshold, p_at) = rule_for(&s.all, j as f64 / GRID as f64 * s.all.len() as f64);
                GroupRule {
                    threshold,
                    p_at,
                    mix: 0.0,
                    constant: 0.0,
                }
            })
            .collect()
    }

    /// `P(ŷ = 1)` for each sample under its group's rule.
    ///
    /// Errors: not fitted ([`Error::NotReady`]); lengths differ ([`Error::ShapeMismatch`]); a
    /// group not seen in fitting ([`Error::UnknownName`]); a non-finite score.
    pub fn positive_probability(&self, scores: &[f32], groups: &Groups) -> Result<Vec<f64>> {
        if self.rules.is_empty() {
            return Err(Error::NotReady("ThresholdOptimizer used before fit".into()));
        }
        check_scores("ThresholdOptimizer (scores)", scores, groups.len())?;
        let rule: Vec<&GroupRule> = groups
            .names()
            .iter()
            .map(|g| {
                self.rules
                    .iter()
                    .find(|(n, _)| n == g)
                    .map(|(_, r)| r)
                    .ok_or_else(|| Error::UnknownName {
                        context: "ThresholdOptimizer (groups seen in fit)".into(),
                        name: g.clone(),
                        known: self
                            .rules
                            .iter()
                            .map(|(n, _)| n.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    })
            })
            .collect::<Result<_>>()?;
        Ok(scores
            .iter()
            .zip(groups.index())
            .map(|(&s, &g)| rule[g].prob(s))
            .collect())
    }

    /// Randomized predictions: each sample is 1 with its [`positive_probability`](Self::positive_probability),
    /// drawn from a ChaCha8 stream seeded with `seed` (as fairlearn's `random_state`).
    ///
    /// Errors: as [`positive_probability`](Self::positive_probability).
    pub fn predict(&self, scores: &[f32], groups: &Groups, seed: u64) -> Result<Vec<usize>> {
        let p = self.positive_probability(scores, groups)?;
        let mut rng = crate::rng::seeded(seed);
        Ok(p.iter().map(|&q| usize::from(rng.random::<f64>() < q)).collect())
    }
}

fn fit_eo(sorted: &[Sorted]) -> Vec<GroupRule> {
    let mut best: Option<(f64, f64, f64)> = None; // (correct, x, y*)
    let n_neg: f64 = sorted.iter().map(|s| s.neg.len() as f64).sum();
    let n_pos: f64 = sorted.iter().map(|s| s.pos.len() as f64).sum();
    for i in 0..=GRID {
        let x = i as f64 / GRID as f64;
        let y = sorted
            .iter()
            .map(|s| tpr_at(s, x).max(x))
            .fold(f64::INFINITY, f64::min);
        let correct = n_pos * y + n_neg * (1.0 - x);
        if best.is_none_or(|b| correct > b.0) {
            best = Some((correct, x, y));
        }
    }
    let (_, x, y) = best.expect("grid not empty");
    sorted
        .iter()
        .map(|s| {
            let (threshold, p_at) = rule_for(&s.neg, x * s.neg.len() as f64);
            let yg = tpr_at(s, x);
            let mix = if yg < x {
                1.0
            } else if yg > x {
                ((yg - y) / (yg - x)).clamp(0.0, 1.0)
            } else {
                0.0
            };
            GroupRule {
                threshold,
                p_at,
                mix,
                constant: x,
            }
        })
        .collect()
}

/// The group's TPR under the rule with FPR exactly `x`.
fn tpr_at(s: &Sorted, x: f64) -> f64 {
    let (t, p) = rule_for(&s.neg, x * s.neg.len() as f64);
    expected(&s.pos, t, p) / s.pos.len() as f64
}

fn check_scores(context: &str, scores: &[f32], n: usize) -> Result<()> {
    if scores.len() != n {
        return Err(Error::shape(
            context,
            format!("[{n}] (one per sample)"),
            &[scores.len()],
        ));
    }
    if let Some((i, &v)) = scores.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(Error::NonFinite {
            context: context.to_string(),
            position: format!("index {i}"),
            value: v,
        });
    }
    Ok(())
}

/// The reductions approach of Agarwal et al. (2018) with exponentiated gradient, as
/// `fairlearn.reductions.ExponentiatedGradient`: fair classification becomes a sequence of
/// cost-sensitive (weighted) classification problems, each solved by training a fresh model
/// with [`Sequential::fit_weighted`]. The result is a randomized classifier: the uniform
/// mixture of the models trained (the paper's `Q̂`).
///
/// Demographic parity moments, as fairlearn's `DemographicParity`: for each group `a` and
/// sign, `γ_a = ±(P(ŷ = 1 | a) − P(ŷ = 1)) − ε ≤ 0`. With Lagrange multipliers
/// `λ = B·exp(θ) / (1 + Σ exp(θ))` the best response minimizes, per sample,
/// `cost(1) = (1 − y)/n + (λ_a⁺ − λ_a⁻)(1/n_a − 1/n)`, `cost(0) = y/n`, a weighted
/// classification with label `[cost(0) > cost(1)]` and weight `|cost(0) − cost(1)|`
/// (rescaled to mean 1); then `θ ← θ + (η₀ / B)·γ(h_t)` (fairlearn's step size).
#[derive(Clone, Debug, PartialEq)]
pub struct ExponentiatedGradient {
    eps: f64,
    bound: f64,
    eta: f64,
    iterations: usize,
}

impl Default for ExponentiatedGradient {
    fn default() -> Self {
        ExponentiatedGradient {
            eps: 0.01,
            bound: 100.0,
            eta: 2.0,
            iterations: 10,
        }
    }
}

impl ExponentiatedGradient {
    /// Defaults: `eps = 0.01` (fairlearn's), `B = 100`, `η₀ = 2` (fairlearn's `eta0`), 10 iterations.
    pub fn new() -> Self {
        Self::default()
    }

    /// The allowed constraint violation `ε` (fairlearn's `eps`).
    pub fn eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }

    /// The bound `B` on `‖λ‖₁` (fairlearn's default is `1 / eps`).
    pub fn bound(mut self, bound: f64) -> Self {
        self.bound = bound;
        self
    }

    /// The step size `η₀` of the θ update; the step is `η₀ / B`, as fairlearn's.
    pub fn eta(mut self, eta: f64) -> Self {
        self.eta = eta;
        self
    }

    /// The number of models trained.
    pub fn iterations(mut self, iterations: usize) -> Self {
        self.iterations = iterations;
        self
    }

    /// Trains `iterations` models built by `build` (a fresh, compiled binary classifier with
    /// two outputs and a cross-entropy loss each time) on `x` with relabeled, reweighted
    /// targets, and returns their mixture.
    ///
    /// Errors: lengths differ, labels not 0/1, invalid settings ([`Error::InvalidConfig`]),
    /// and any error of `build` or of training.
    pub fn fit(
        &self,
        x: &Tensor,
        y_true: &[usize],
        groups: &Groups,
        mut build: impl FnMut(usize) -> Result<Sequential>,
        config: &FitConfig,
    ) -> Result<FairEnsemble> {
        check_binary("ExponentiatedGradient::fit (y_true)", y_true, groups.len())?;
        if x.batch_size() != groups.len() {
            return Err(Error::shape(
                "ExponentiatedGradient::fit (x)",
                format!("[{}, ...]", groups.len()),
                x.shape(),
            ));
        }
        if self.iterations == 0 {
            return Err(Error::config(
                "ExponentiatedGradient.iterations",
                0,
                "must be at least 1",
            ));
        }
        for (name, v) in [("eps", self.eps), ("bound", self.bound), ("eta", self.eta)] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(Error::config(
                    format!("ExponentiatedGradient.{name}"),
                    v,
                    "must be finite and >= 0",
                ));
            }
        }
        let n = y_true.len() as f64;
        let k = groups.n_groups();
        let n_a: Vec<f64> = groups.members().iter().map(|m| m.len() as f64).collect();
        let step = if self.bound > 0.0 {
            self.eta / self.bound
        } else {
            0.0
        };
        let mut theta = vec![0.0f64; 2 * k]; // [a+, a-] pairs
        let mut models = Vec::with_capacity(self.iterations);
        let mut gaps = Vec::with_capacity(self.iterations);
        let mut labels = vec![0.0f32; y_true.len()];
        let mut weights = vec![0.0f32; y_true.len()];
        for t in 0..self.iterations {
            let z: f64 = 1.0 + theta.iter().map(|v| v.exp()).sum::<f64>();
            let lambda: Vec<f64> = theta.iter().map(|v| self.bound * v.exp() / z).collect();
            let mut total = 0.0;
            for (i, (&y, &a)) in y_true.iter().zip(groups.index()).enumerate() {
                let c1 = (1 - y) as f64 / n + (lambda[2 * a] - lambda[2 * a + 1]) * (1.0 / n_a[a] - 1.0 / n);
                let c0 = y as f64 / n;
                labels[i] = if c0 > c1 { 1.0 } else { 0.0 };
                weights[i] = (c0 - c1).abs() as f32;
                total += (c0 - c1).abs();
            }
            let scale = if total > 0.0 { (n / total) as f32 } else { 1.0 };
            weights.iter_mut().for_each(|w| *w *= scale);
            let mut model = build(t)?;
            let y = Tensor::from_vec(labels.clone(), &[labels.len()])?;
            model.fit_weighted(x, &y, Some(&weights), config)?;
            let pred = model.predict_classes(x)?;
            let mut sel = vec![0.0f64; k];
            for (&p, &a) in pred.iter().zip(groups.index()) {
                sel[a] += (p == 1) as usize as f64;
            }
            let overall = sel.iter().sum::<f64>() / n;
            let mut gap = 0.0f64;
            for a in 0..k {
                let g = sel[a] / n_a[a] - overall;
                theta[2 * a] += step * (g - self.eps);
                theta[2 * a + 1] += step * (-g - self.eps);
                gap = gap.max(g.abs());
            }
            gaps.push(gap);
            models.push(model);
        }
        Ok(FairEnsemble { models, gaps })
    }
}

/// The randomized classifier found by [`ExponentiatedGradient`]: a uniform mixture of models.
pub struct FairEnsemble {
    models: Vec<Sequential>,
    gaps: Vec<f64>,
}

impl FairEnsemble {
    /// The number of models.
    pub fn len(&self) -> usize {
        self.models.len()
    }

    /// Whether there is no model (never, once fitted).
    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }

    /// Each model's largest `|P(ŷ = 1 | a) − P(ŷ = 1)|` on the training data.
    pub fn training_gaps(&self) -> &[f64] {
        &self.gaps
    }

    /// `P(ŷ = 1)` under the mixture: the share of models predicting 1 (fairlearn's
    /// `_pmf_predict`).
    ///
    /// Errors: as [`Sequential::predict_classes`].
    pub fn positive_probability(&mut self, x: &Tensor) -> Result<Vec<f64>> {
        let mut p = vec![0.0f64; x.batch_size()];
        let w = 1.0 / self.models.len() as f64;
        for m in &mut self.models {
            for (q, c) in p.iter_mut().zip(m.predict_classes(x)?) {
                *q += w * c as f64;
            }
        }
        Ok(p)
    }

    /// Randomized predictions drawn from [`positive_probability`](Self::positive_probability)
    /// with a ChaCha8 stream seeded by `seed`.
    ///
    /// Errors: as [`Sequential::predict_classes`].
    pub fn predict(&mut self, x: &Tensor, seed: u64) -> Result<Vec<usize>> {
        let p = self.positive_probability(x)?;
        let mut rng = crate::rng::seeded(seed);
        Ok(p.iter().map(|&q| usize::from(rng.random::<f64>() < q)).collect())
    }
}
