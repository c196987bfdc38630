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
    /// Equal true positive rates across groups (equal opportunity; fairlearn's
    /// `TruePositiveRateParity`, `"true_positive_rate_parity"`).
    TruePositiveRateParity,
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

    /// The plain threshold rule `(threshold, p_at)` (as [`rule_for`] returns it), never mixed
    /// with the constant classifier (`mix = 0`, `constant = 0`).
    fn unmixed((threshold, p_at): (f32, f64)) -> Self {
        GroupRule {
            threshold,
            p_at,
            mix: 0.0,
            constant: 0.0,
        }
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

/// Expected correct predictions of group `s` under rule `(t, p)`: true positives plus true
/// negatives, `tp + n_neg − fp`.
fn expected_correct(s: &Sorted, t: f32, p: f64) -> f64 {
    expected(&s.pos, t, p) + s.neg.len() as f64 - expected(&s.neg, t, p)
}

/// The first `(key, value)` of `items` with the largest value (later ties lose), or
/// `(init, −∞)` when no value exceeds −∞ (a NaN value never wins).
fn first_max<K>(init: K, items: impl IntoIterator<Item = (K, f64)>) -> (K, f64) {
    items
        .into_iter()
        .fold((init, f64::NEG_INFINITY), |a, b| if b.1 > a.1 { b } else { a })
}

/// Hardt et al.'s post-processing: group-specific randomized thresholds on a trained model's
/// scores (e.g. `P(y = 1)`), chosen to satisfy the [`Constraint`] exactly (in expectation)
/// on the data it is fitted on, with the highest expected accuracy.
///
/// - Demographic parity: every group gets the same selection rate `r` (with a
///   [`tolerance`](Self::tolerance) `δ`, each group's rate lies in `[r, r + δ]`); `r` is
///   searched on a grid of 1001 values.
/// - True positive rate parity: every group gets the same true positive rate `x` (grid of
///   1001), the `x` with the highest expected accuracy.
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
    /// step 0.001): sweeping it gives the accuracy-versus-disparity trade-off. Ignored for the
    /// other constraints.
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
    /// or without negative labels, for true positive rate parity a group without positive
    /// labels ([`Error::InvalidConfig`]: its rates are undefined).
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
            Constraint::EqualizedOdds | Constraint::TruePositiveRateParity => {
                let eo = self.constraint == Constraint::EqualizedOdds;
                if let Some((g, s)) = groups
                    .names()
                    .iter()
                    .zip(&sorted)
                    .find(|(_, s)| s.pos.is_empty() || (eo && s.neg.is_empty()))
                {
                    return Err(Error::config(
                        format!("ThresholdOptimizer ({:?})", self.constraint),
                        g,
                        format!(
                            "group has {} positive and {} negative labels; its {} is undefined",
                            s.pos.len(),
                            s.neg.len(),
                            if eo { "TPR or FPR" } else { "TPR" }
                        ),
                    ));
                }
                if eo { fit_eo(&sorted) } else { fit_tpr(&sorted) }
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
                        expected_correct(s, t, p)
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
                let (j, v) = first_max(lo, (lo..=lo + band).map(|j| (j, c[j])));
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
            .map(|(s, j)| GroupRule::unmixed(rule_for(&s.all, j as f64 / GRID as f64 * s.all.len() as f64)))
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

/// Equal true positive rates: every group's rule has TPR exactly `x` (grid of 1001), the `x`
/// with the most expected correct predictions.
fn fit_tpr(sorted: &[Sorted]) -> Vec<GroupRule> {
    let rule = |s: &Sorted, x: f64| rule_for(&s.pos, x * s.pos.len() as f64);
    let correct = |x: f64| -> f64 {
        sorted
            .iter()
            .map(|s| {
                let (t, p) = rule(s, x);
                expected_correct(s, t, p)
            })
            .sum()
    };
    let best = first_max(
        0.0,
        (0..=GRID)
            .map(|i| i as f64 / GRID as f64)
            .map(|x| (x, correct(x))),
    );
    sorted
        .iter()
        .map(|s| GroupRule::unmixed(rule(s, best.0)))
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

/// The moments of a [`Constraint`] (fairlearn's `UtilityParity` with difference bound `ε`):
/// for each non-empty cell (event `e`, group `g`), `γ_(e,g)(h) = E[h | e, g] − E[h | e]`,
/// constrained from both sides, `±γ_(e,g) − ε ≤ 0`.
///
/// Events: demographic parity has one event (every sample); equalized odds one per label
/// (`y = 0` and `y = 1`); true positive rate parity only `y = 1` (samples with `y = 0` carry
/// no constraint).
struct Moments {
    /// Each sample's cell (index into `cells`), `None` outside every event.
    cell_of: Vec<Option<usize>>,
    /// (event, group, P(event), P(event, group)) of each non-empty cell.
    cells: Vec<(usize, usize, f64, f64)>,
    /// The number of events.
    n_events: usize,
}

impl Moments {
    fn new(constraint: Constraint, y: &[usize], groups: &Groups) -> Self {
        let k = groups.n_groups();
        let event = |y: usize| match constraint {
            Constraint::DemographicParity => Some(0),
            Constraint::EqualizedOdds => Some(y),
            Constraint::TruePositiveRateParity => (y == 1).then_some(0),
        };
        let n_events = if constraint == Constraint::EqualizedOdds {
            2
        } else {
            1
        };
        let mut count = vec![0usize; n_events * k];
        for (&yi, &g) in y.iter().zip(groups.index()) {
            if let Some(e) = event(yi) {
                count[e * k + g] += 1;
            }
        }
        let n = y.len() as f64;
        let mut index = vec![None; n_events * k];
        let mut cells = Vec::new();
        for e in 0..n_events {
            let n_e: usize = count[e * k..(e + 1) * k].iter().sum();
            for g in 0..k {
                if count[e * k + g] > 0 {
                    index[e * k + g] = Some(cells.len());
                    cells.push((e, g, n_e as f64 / n, count[e * k + g] as f64 / n));
                }
            }
        }
        let cell_of = y
            .iter()
            .zip(groups.index())
            .map(|(&yi, &g)| event(yi).and_then(|e| index[e * k + g]))
            .collect();
        Moments {
            cell_of,
            cells,
            n_events,
        }
    }

    /// `γ_(e,g)(h)` of every cell for predictions `h` (0/1 or probabilities).
    fn gamma(&self, h: &[f64]) -> Vec<f64> {
        let n = h.len() as f64;
        let mut cell_sum = vec![0.0f64; self.cells.len()];
        for (&c, &v) in self.cell_of.iter().zip(h) {
            if let Some(c) = c {
                cell_sum[c] += v;
            }
        }
        let mut event_sum = vec![0.0f64; self.n_events];
        for (&(e, ..), s) in self.cells.iter().zip(&cell_sum) {
            event_sum[e] += s;
        }
        self.cells
            .iter()
            .zip(&cell_sum)
            .map(|(&(e, _, p_e, p_eg), s)| s / (n * p_eg) - event_sum[e] / (n * p_e))
            .collect()
    }

    /// `λ · γ` with `λ` ordered `[+ cell 0, − cell 0, + cell 1, ...]`.
    fn dot(lambda: &[f64], gamma: &[f64]) -> f64 {
        gamma
            .iter()
            .zip(lambda.chunks_exact(2))
            .map(|(g, l)| (l[0] - l[1]) * g)
            .sum()
    }

    /// The signed weights of the best response (fairlearn's `_Lagrangian._call_oracle`): for
    /// sample `i`, `(2y_i − 1) + Σ_g' d_(e,g')/P(e) − d_(e,g)/P(e,g)` with `d = λ⁺ − λ⁻`,
    /// `(e, g)` its cell (the constraint part is 0 outside every event). It is `n` times the
    /// decrease of the Lagrangian `err(h) + λ·γ(h)` when `h_i` goes from 0 to 1.
    fn signed_weights(&self, lambda: &[f64], y: &[usize], out: &mut [f64]) {
        let mut per_event = vec![0.0f64; self.n_events];
        for (&(e, _, p_e, _), l) in self.cells.iter().zip(lambda.chunks_exact(2)) {
            per_event[e] += (l[0] - l[1]) / p_e;
        }
        for ((o, &yi), c) in out.iter_mut().zip(y).zip(&self.cell_of) {
            let constraint = c.map_or(0.0, |c| {
                let (e, _, _, p_eg) = self.cells[c];
                per_event[e] - (lambda[2 * c] - lambda[2 * c + 1]) / p_eg
            });
            *o = 2.0 * yi as f64 - 1.0 + constraint;
        }
    }
}

/// The reductions approach of Agarwal et al. (2018) with exponentiated gradient, as
/// `fairlearn.reductions.ExponentiatedGradient`: fair classification becomes a sequence of
/// cost-sensitive (weighted) classification problems, each solved by training a fresh model
/// with [`Sequential::fit_weighted`]. The result is a randomized classifier (a
/// [`FairEnsemble`]).
///
/// **Moments** (fairlearn's `DemographicParity`, `EqualizedOdds`, `TruePositiveRateParity`,
/// difference bound): for each event `e` (all samples; or each label; or `y = 1`) and group
/// `g`, `γ_(e,g)(h) = P(ŷ = 1 | e, g) − P(ŷ = 1 | e)`, and the constraints `±γ_(e,g) ≤ ε`.
///
/// **Each iteration** `t`: Lagrange multipliers `λ = B·exp(θ) / (1 + Σ exp(θ))` (one per
/// constraint); the best response to `λ` minimizes `err(h) + λ·γ(h)`, which is the weighted
/// classification with, per sample, signed weight
/// `s_i = (2y_i − 1) + Σ_g' (λ⁺ − λ⁻)_(e,g')/P(e) − (λ⁺ − λ⁻)_(e,g)/P(e,g)` (Agarwal et
/// al.'s costs `C¹ − C⁰`, up to sign and `1/n`): label `[s_i > 0]`, weight `|s_i|` rescaled
/// to mean 1. When every label is the same a constant classifier is used (fairlearn's
/// `DummyClassifier`). As fairlearn's `best_h`, the new model is kept only if its Lagrangian
/// value is lower (by more than 1e-8) than that of every model already kept; otherwise the
/// best kept model is the iteration's best response. Then `θ ← θ + (η₀ / B)(γ(h_t) − ε)`.
///
/// **The final predictor** is the paper's `Q̂`: the mixture of the best responses `h_1 … h_T`,
/// each kept model weighted by the share of iterations in which it was the best response
/// (fairlearn's `Q_EG`). It is randomized: `P(ŷ = 1 | x) = Σ_m w_m h_m(x)`.
/// Differences from fairlearn: a fixed number of iterations (no stopping when the duality
/// gap falls below `ν`, no step-size shrinking), no linear-programming step over the kept
/// models (fairlearn's `run_linprog_step`), and the last iteration's mixture rather than the
/// one with the smallest gap. Each gap estimate needs further trainings (best responses to
/// the averaged `λ`), which would double the cost of a method that already trains one
/// network per iteration; the mixture of all iterations is the paper's Algorithm 1 output.
///
/// ```
/// use trustnn::fairness::{Constraint, ExponentiatedGradient, Groups};
/// use trustnn::prelude::*;
/// let x = Tensor::from_vec(vec![0.0, 0.2, 0.8, 1.0, 0.1, 0.3, 0.7, 0.9], &[8, 1])?;
/// let y = [0, 0, 1, 1, 0, 0, 0, 1];
/// let g = Groups::new("g", &["a", "a", "a", "a", "b", "b", "b", "b"])?;
/// let build = |seed: usize| -> Result<Sequential> {
///     let mut m = Sequential::new().seed(seed as u64).add(Dense::new(1, 2));
///     m.compile(SparseCategoricalCrossEntropy, Adam::new(0.1))?;
///     Ok(m)
/// };
/// let cfg = FitConfig::new().epochs(5).batch_size(8).verbose(false);
/// let mut q = ExponentiatedGradient::new()
///     .constraint(Constraint::EqualizedOdds)
///     .iterations(3)
///     .fit(&x, &y, &g, build, &cfg)?;
/// assert!((q.weights().iter().sum::<f64>() - 1.0).abs() < 1e-12);
/// let p = q.positive_probability(&x)?; // P(ŷ = 1) under the mixture
/// assert_eq!(p.len(), 8);
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ExponentiatedGradient {
    constraint: Constraint,
    eps: f64,
    bound: f64,
    eta: f64,
    iterations: usize,
}

impl Default for ExponentiatedGradient {
    fn default() -> Self {
        ExponentiatedGradient {
            constraint: Constraint::DemographicParity,
            eps: 0.01,
            bound: 100.0,
            eta: 2.0,
            iterations: 10,
        }
    }
}

/// Below this improvement of the Lagrangian a new model does not replace a kept one
/// (fairlearn's `_PRECISION`).
const PRECISION: f64 = 1e-8;

impl ExponentiatedGradient {
    /// Defaults: demographic parity, `eps = 0.01` (fairlearn's), `B = 100` (fairlearn's
    /// `1 / eps`), `η₀ = 2` (fairlearn's `eta0`), 10 iterations.
    pub fn new() -> Self {
        Self::default()
    }

    /// The constraint: demographic parity (default), equalized odds or true positive rate
    /// parity (fairlearn's `DemographicParity`, `EqualizedOdds`, `TruePositiveRateParity`).
    pub fn constraint(mut self, constraint: Constraint) -> Self {
        self.constraint = constraint;
        self
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

    /// The number of iterations (best responses; at most one model trained per iteration).
    pub fn iterations(mut self, iterations: usize) -> Self {
        self.iterations = iterations;
        self
    }

    /// Runs `iterations` rounds on `x`, labels and groups; each round builds a fresh model
    /// with `build(t)` (a compiled binary classifier: two outputs, a cross-entropy loss) and
    /// trains it with `config` on the relabeled, reweighted data. Returns the mixture.
    ///
    /// Errors: lengths differ ([`Error::ShapeMismatch`]), labels not 0/1
    /// ([`Error::LabelOutOfRange`]), zero iterations or a negative or non-finite `eps`,
    /// `bound` or `eta` ([`Error::InvalidConfig`]), and any error of `build` or of training.
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
        let n = y_true.len();
        let moments = Moments::new(self.constraint, y_true, groups);
        let step = if self.bound > 0.0 {
            self.eta / self.bound
        } else {
            0.0
        };
        let mut theta = vec![0.0f64; 2 * moments.cells.len()];
        let mut lambda = vec![0.0f64; theta.len()];
        let mut kept: Vec<Kept> = Vec::new();
        let mut signed = vec![0.0f64; n];
        let mut labels = vec![0.0f32; n];
        let mut weights = vec![0.0f32; n];
        let mut h = vec![0.0f64; n];
        for t in 0..self.iterations {
            let z: f64 = 1.0 + theta.iter().map(|v| v.exp()).sum::<f64>();
            lambda
                .iter_mut()
                .zip(&theta)
                .for_each(|(l, th)| *l = self.bound * th.exp() / z);
            moments.signed_weights(&lambda, y_true, &mut signed);
            let total: f64 = signed.iter().map(|s| s.abs()).sum();
            let scale = if total > 0.0 { n as f64 / total } else { 1.0 };
            for ((s, l), w) in signed.iter().zip(&mut labels).zip(&mut weights) {
                *l = if *s > 0.0 { 1.0 } else { 0.0 };
                *w = (s.abs() * scale) as f32;
            }
            let mut member = if labels.iter().all(|&l| l == labels[0]) {
                Member::Constant(labels[0] as usize)
            } else {
                let mut model = build(t)?;
                let yt = Tensor::from_vec(labels.clone(), &[n])?;
                model.fit_weighted(x, &yt, Some(&weights), config)?;
                Member::Model(Box::new(model))
            };
            for (hi, c) in h.iter_mut().zip(member.predict(x)?) {
                *hi = c as f64;
            }
            let error = h.iter().zip(y_true).filter(|&(&p, &y)| p != y as f64).count() as f64 / n as f64;
            let gamma = moments.gamma(&h);
            let value = error + Moments::dot(&lambda, &gamma);
            let best = kept
                .iter()
                .enumerate()
                .map(|(i, k)| (i, k.error + Moments::dot(&lambda, &k.gamma)))
                .min_by(|a, b| a.1.total_cmp(&b.1));
            let chosen = match best {
                Some((i, v)) if value >= v - PRECISION => i,
                _ => {
                    kept.push(Kept {
                        member,
                        error,
                        gamma,
                        count: 0,
                    });
                    kept.len() - 1
                }
            };
            kept[chosen].count += 1;
            for (th, g) in theta.chunks_exact_mut(2).zip(&kept[chosen].gamma) {
                th[0] += step * (g - self.eps);
                th[1] += step * (-g - self.eps);
            }
        }
        let total = self.iterations as f64;
        let weights: Vec<f64> = kept.iter().map(|k| k.count as f64 / total).collect();
        let mut q_gamma = vec![0.0f64; moments.cells.len()];
        let mut q_error = 0.0;
        for (k, w) in kept.iter().zip(&weights) {
            q_error += w * k.error;
            q_gamma.iter_mut().zip(&k.gamma).for_each(|(q, g)| *q += w * g);
        }
        Ok(FairEnsemble {
            gaps: kept
                .iter()
                .map(|k| k.gamma.iter().fold(0.0f64, |m, g| m.max(g.abs())))
                .collect(),
            errors: kept.iter().map(|k| k.error).collect(),
            members: kept.into_iter().map(|k| k.member).collect(),
            weights,
            training_error: q_error,
            training_violation: q_gamma.iter().fold(0.0f64, |m, g| m.max(g.abs())),
        })
    }
}

/// A best response kept by [`ExponentiatedGradient::fit`], with its training error, moments
/// and the number of iterations it was the best response.
struct Kept {
    member: Member,
    error: f64,
    gamma: Vec<f64>,
    count: usize,
}

/// One classifier of a [`FairEnsemble`].
enum Member {
    /// A trained model.
    Model(Box<Sequential>),
    /// A constant prediction (every relabeled target was this class).
    Constant(usize),
}

impl Member {
    fn predict(&mut self, x: &Tensor) -> Result<Vec<usize>> {
        match self {
            Member::Model(m) => m.predict_classes(x),
            Member::Constant(c) => Ok(vec![*c; x.batch_size()]),
        }
    }
}

/// The randomized classifier found by [`ExponentiatedGradient`]: a mixture of classifiers
/// (trained models, or constants), each with the share of iterations in which it was the
/// best response as its weight.
pub struct FairEnsemble {
    members: Vec<Member>,
    weights: Vec<f64>,
    gaps: Vec<f64>,
    errors: Vec<f64>,
    training_error: f64,
    training_violation: f64,
}

impl FairEnsemble {
    /// The number of distinct classifiers in the mixture.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether there is no classifier (never, once fitted).
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Each classifier's weight in the mixture (they sum to 1).
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Each classifier's largest `|γ_(e,g)|` on the training data (e.g. for demographic
    /// parity `max_g |P(ŷ = 1 | g) − P(ŷ = 1)|`).
    pub fn training_gaps(&self) -> &[f64] {
        &self.gaps
    }

    /// Each classifier's error rate on the training data.
    pub fn training_errors(&self) -> &[f64] {
        &self.errors
    }

    /// The mixture's expected error rate on the training data.
    pub fn training_error(&self) -> f64 {
        self.training_error
    }

    /// The mixture's largest `|γ_(e,g)|` on the training data (the constraint holds when it
    /// is at most `ε`).
    pub fn training_violation(&self) -> f64 {
        self.training_violation
    }

    /// `P(ŷ = 1)` under the mixture: `Σ_m w_m h_m(x)` (fairlearn's `_pmf_predict`).
    ///
    /// Errors: as [`Sequential::predict_classes`].
    pub fn positive_probability(&mut self, x: &Tensor) -> Result<Vec<f64>> {
        let mut p = vec![0.0f64; x.batch_size()];
        for (m, &w) in self.members.iter_mut().zip(&self.weights) {
            for (q, c) in p.iter_mut().zip(m.predict(x)?) {
                *q += w * c as f64;
            }
        }
        Ok(p)
    }

    /// Randomized predictions drawn from [`positive_probability`](Self::positive_probability)
    /// with a ChaCha8 stream seeded by `seed` (fairlearn's `predict(random_state=...)`).
    ///
    /// Errors: as [`Sequential::predict_classes`].
    pub fn predict(&mut self, x: &Tensor, seed: u64) -> Result<Vec<usize>> {
        let p = self.positive_probability(x)?;
        let mut rng = crate::rng::seeded(seed);
        Ok(p.iter().map(|&q| usize::from(rng.random::<f64>() < q)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Lagrangian `err(h) + λ·γ(h)` computed from the definitions: per-cell and
    /// per-event means of `h`, for arbitrary multipliers.
    fn lagrangian(c: Constraint, lambda: &[f64], y: &[usize], g: &Groups, h: &[f64]) -> f64 {
        let n = y.len() as f64;
        let err = h.iter().zip(y).map(|(&p, &t)| (p - t as f64).abs()).sum::<f64>() / n;
        let events: Vec<Option<usize>> = match c {
            Constraint::DemographicParity => vec![None],
            Constraint::EqualizedOdds => vec![Some(0), Some(1)],
            Constraint::TruePositiveRateParity => vec![Some(1)],
        };
        let mut value = err;
        let mut j = 0;
        for e in events {
            let in_e = |i: usize| e.is_none_or(|e| y[i] == e);
            let mean = |f: &dyn Fn(usize) -> bool| {
                let idx: Vec<usize> = (0..y.len()).filter(|&i| f(i)).collect();
                (
                    idx.iter().map(|&i| h[i]).sum::<f64>() / idx.len() as f64,
                    idx.len(),
                )
            };
            let (event_mean, _) = mean(&in_e);
            for a in 0..g.n_groups() {
                let (cell_mean, count) = mean(&|i| in_e(i) && g.index()[i] == a);
                if count == 0 {
                    continue;
                }
                value += (lambda[j] - lambda[j + 1]) * (cell_mean - event_mean);
                j += 2;
            }
        }
        assert_eq!(j, lambda.len());
        value
    }

    #[test]
    fn signed_weights_are_n_times_the_lagrangian_decrease_of_predicting_one() {
        let y = [1, 0, 0, 1, 1, 0, 0, 0, 1, 0];
        let g = Groups::new("g", &["a", "a", "a", "b", "b", "b", "b", "c", "c", "c"]).unwrap();
        for c in [
            Constraint::DemographicParity,
            Constraint::EqualizedOdds,
            Constraint::TruePositiveRateParity,
        ] {
            let m = Moments::new(c, &y, &g);
            // Arbitrary, unequal multipliers.
            let lambda: Vec<f64> = (0..2 * m.cells.len())
                .map(|j| 0.3 + 0.7 * ((j * 7) % 5) as f64)
                .collect();
            let mut s = vec![0.0; y.len()];
            m.signed_weights(&lambda, &y, &mut s);
            let base: Vec<f64> = [0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0].to_vec();
            for i in 0..y.len() {
                let (mut h0, mut h1) = (base.clone(), base.clone());
                h0[i] = 0.0;
                h1[i] = 1.0;
                let decrease = lagrangian(c, &lambda, &y, &g, &h0) - lagrangian(c, &lambda, &y, &g, &h1);
                assert!(
                    (s[i] - y.len() as f64 * decrease).abs() < 1e-9,
                    "{c:?} sample {i}: {} vs {}",
                    s[i],
                    y.len() as f64 * decrease
                );
            }
        }
    }

    #[test]
    fn gamma_is_the_cell_rate_minus_the_event_rate() {
        let y = [1, 0, 0, 1, 1, 0];
        let g = Groups::new("g", &["a", "a", "a", "b", "b", "b"]).unwrap();
        let h = [1.0, 1.0, 0.0, 0.0, 1.0, 0.0];
        // Equalized odds: cells (y=0,a) (y=0,b) (y=1,a) (y=1,b).
        // y=0: a has h 1,0 → 1/2, b has 0 → 0, event 1/3. y=1: a 1, b 1/2, event 2/3.
        let gamma = Moments::new(Constraint::EqualizedOdds, &y, &g).gamma(&h);
        let expected = [0.5 - 1.0 / 3.0, -1.0 / 3.0, 1.0 - 2.0 / 3.0, 0.5 - 2.0 / 3.0];
        for (a, b) in gamma.iter().zip(expected) {
            assert!((a - b).abs() < 1e-12, "{gamma:?}");
        }
    }
}
