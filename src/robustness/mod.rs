//! Adversarial robustness: the FGSM and PGD attacks, robust accuracy at a list of `ε`, and
//! adversarial training. The attacks follow their papers and `torchattacks`' conventions
//! (sign of the loss gradient, projection onto the `ε`-ball, clipping to the valid input
//! range); robust accuracy is reported under both common conventions, named:
//! RobustBench's (over all samples) and ART's (over the originally correct ones).
//!
//! Attacks use only the model's public [`Sequential::input_gradient`] (the gradient of the
//! batch-mean loss; its `1/N` scale does not change a sign or a normalized direction).
//! Adversarial training is an option of [`Sequential::fit`]:
//! [`FitConfig::adversarial`](crate::FitConfig::adversarial) replaces a share of every batch
//! by an [`Attack`]'s examples against the current model, with all of `fit`'s validation,
//! metrics, callbacks and history. [`adversarial_fit`] is a thin wrapper over it with its own
//! shuffling seed. See `docs/EXPLAINABILITY.md`.

use rand::Rng as _;

use crate::error::{Error, Result};
use crate::{Sequential, Tensor};

/// The valid input range `[lo, hi]` every adversarial input is clipped to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InputRange {
    /// Smallest valid value.
    pub lo: f32,
    /// Largest valid value.
    pub hi: f32,
}

impl InputRange {
    /// `[0, 1]`, e.g. images scaled by `MinMaxScaler`.
    pub const UNIT: InputRange = InputRange { lo: 0.0, hi: 1.0 };
    /// No clipping.
    pub const UNBOUNDED: InputRange = InputRange {
        lo: f32::NEG_INFINITY,
        hi: f32::INFINITY,
    };

    pub(crate) fn check(&self) -> Result<()> {
        if self.lo.is_nan() || self.hi.is_nan() || self.lo > self.hi {
            return Err(Error::config(
                "InputRange",
                format!("[{}, {}]", self.lo, self.hi),
                "needs lo <= hi",
            ));
        }
        Ok(())
    }
}

/// The norm of a PGD threat model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Norm {
    /// `‖δ‖∞ ≤ ε`: steps `α·sign(∇)`, projection by clipping each value.
    Linf,
    /// `‖δ‖₂ ≤ ε` per sample: steps `α·∇/‖∇‖₂`, projection by rescaling `δ`.
    L2,
}

/// An attack, with its parameters (at a given `ε` through [`Attack::with_eps`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Attack {
    /// Fast Gradient Sign Method (Goodfellow, Shlens & Szegedy, 2015, "Explaining and
    /// Harnessing Adversarial Examples"): `x' = clip(x + ε·sign(∇ₓL(x, y)))`.
    Fgsm {
        /// L∞ budget.
        eps: f32,
    },
    /// Projected Gradient Descent (Madry et al., 2018, "Towards Deep Learning Models
    /// Resistant to Adversarial Attacks").
    Pgd(Pgd),
}

impl Attack {
    /// This attack with budget `eps` (PGD keeps its step as a fraction: `α ← α·eps/old eps`).
    pub fn with_eps(&self, eps: f32) -> Attack {
        match self {
            Attack::Fgsm { .. } => Attack::Fgsm { eps },
            Attack::Pgd(p) => {
                let alpha = if p.eps > 0.0 {
                    p.alpha * eps / p.eps
                } else {
                    p.alpha
                };
                Attack::Pgd(Pgd {
                    eps,
                    alpha,
                    ..p.clone()
                })
            }
        }
    }

    /// The `ε` of this attack.
    pub fn eps(&self) -> f32 {
        match self {
            Attack::Fgsm { eps } => *eps,
            Attack::Pgd(p) => p.eps,
        }
    }

    /// A one-line description with every parameter (printed beside robust accuracies).
    pub fn describe(&self) -> String {
        match self {
            Attack::Fgsm { eps } => format!("FGSM(L∞, ε={eps})"),
            Attack::Pgd(p) => format!(
                "PGD({}, ε={}, α={:.4}, steps={}, random_start={}, seed={})",
                if p.norm == Norm::Linf { "L∞" } else { "L2" },
                p.eps,
                p.alpha,
                p.steps,
                p.random_start,
                p.seed
            ),
        }
    }

    /// Adversarial versions of `x` (labels `y`), inside the budget and `range`.
    pub fn perturb(
        &self,
        model: &mut Sequential,
        x: &Tensor,
        y: &Tensor,
        range: InputRange,
    ) -> Result<Tensor> {
        match self {
            Attack::Fgsm { eps } => fgsm(model, x, y, *eps, range),
            Attack::Pgd(p) => p.perturb(model, x, y, range),
        }
    }
}

fn check_inputs(x: &Tensor, eps: f32, range: InputRange, what: &str) -> Result<()> {
    range.check()?;
    if !(eps.is_finite() && eps >= 0.0) {
        return Err(Error::config(
            format!("{what}.eps"),
            eps,
            "must be finite and >= 0",
        ));
    }
    if x.batch_size() == 0 {
        return Err(Error::empty(what));
    }
    x.check_finite(what)
}

/// torch.sign: `−1`, `0` or `1`.
fn sign(v: f32) -> f32 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// FGSM: `x' = clip(x + ε·sign(∇ₓL(x, y)), lo, hi)` (Goodfellow et al., 2015), with
/// `sign(0) = 0` as `torch.sign`. Each value moves by exactly `ε` where the gradient is
/// non-zero, unless the range clips it. The same as `torchattacks.FGSM` and, away from tiny
/// gradients, `captum.robust.FGSM` (checked against it in `tests/explain_reference.rs`);
/// Captum leaves a value unmoved where `|∂L/∂x| ≤ 1e-6` (its `zero_thresh`), this function
/// only where the gradient is exactly 0.
///
/// ```
/// use trustnn::prelude::*;
/// use trustnn::robustness::{fgsm, InputRange};
/// let mut m = Sequential::new().seed(1).add(Dense::new(2, 2));
/// m.compile(SparseCategoricalCrossEntropy, Sgd::new(0.1))?;
/// let x = Tensor::from_rows(&[[0.5, 0.5]])?;
/// let y = Tensor::from_vec(vec![0.0], &[1])?;
/// let adv = fgsm(&mut m, &x, &y, 0.1, InputRange::UNIT)?;
/// assert!(adv.max_abs_diff(&x) <= 0.1 + 1e-7);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn fgsm(model: &mut Sequential, x: &Tensor, y: &Tensor, eps: f32, range: InputRange) -> Result<Tensor> {
    check_inputs(x, eps, range, "fgsm")?;
    let g = model.input_gradient(x, y)?;
    let mut adv = x.clone();
    for (a, &gv) in adv.as_slice_mut().iter_mut().zip(g.as_slice()) {
        *a = (*a + eps * sign(gv)).clamp(range.lo, range.hi);
    }
    Ok(adv)
}

/// Projected Gradient Descent (Madry et al., 2018) under the L∞ or L2 norm: `steps` ascent
/// steps of size `alpha` on the loss, each followed by projection onto the `ε`-ball around
/// `x` and clipping to the valid range (so the result is always inside both). With
/// `random_start` the start is uniform in the L∞ ball (or, in the L2 ball, a direction
/// uniform on the sphere — a normalized Gaussian — scaled by a radius `ε·U(0, 1)`), seeded —
/// `torchattacks.PGD` / `PGDL2`'s convention.
///
/// The L2 steps follow `torchattacks.PGDL2` and Madry et al.: `α·∇/‖∇‖₂`. **Captum's
/// `captum.robust.PGD(norm="L2")` differs**: it takes FGSM *sign* steps `α·sign(∇)` and only
/// projects onto the L2 ball (`torch.renorm`). Without random start, L∞ PGD equals Captum's
/// `PGD(norm="Linf", random_start=False)` (checked in `tests/explain_reference.rs`).
/// Defaults: 10 steps, `α = ε/4`, random start, seed 0.
#[derive(Clone, Debug, PartialEq)]
pub struct Pgd {
    /// Budget `ε`.
    pub eps: f32,
    /// Step size `α`.
    pub alpha: f32,
    /// Number of steps.
    pub steps: usize,
    /// The threat model's norm.
    pub norm: Norm,
    /// Start from a random point of the ball rather than from `x`.
    pub random_start: bool,
    /// Seed of the random start.
    pub seed: u64,
}

impl Pgd {
    /// PGD with budget `eps` under `norm`, 10 steps of `ε/4`, random start, seed 0.
    pub fn new(eps: f32, norm: Norm) -> Self {
        Self {
            eps,
            alpha: eps / 4.0,
            steps: 10,
            norm,
            random_start: true,
            seed: 0,
        }
    }

    /// Adversarial versions of `x` (labels `y`).
    pub fn perturb(
        &self,
        model: &mut Sequential,
        x: &Tensor,
        y: &Tensor,
        range: InputRange,
    ) -> Result<Tensor> {
        check_inputs(x, self.eps, range, "Pgd")?;
        if !(self.alpha.is_finite() && self.alpha >= 0.0) {
            return Err(Error::config("Pgd.alpha", self.alpha, "must be finite and >= 0"));
        }
        let d = x.sample_size();
        let mut adv = x.clone();
        if self.random_start && self.eps > 0.0 {
            let mut rng = crate::rng::seeded(self.seed);
            match self.norm {
                Norm::Linf => {
                    for a in adv.as_slice_mut() {
                        *a += rng.random_range(-self.eps..=self.eps);
                    }
                }
                Norm::L2 => {
                    // torchattacks.PGDL2: a Gaussian direction (uniform on the sphere),
                    // normalized, times a radius ε·U(0, 1).
                    let mut dir = vec![0.0f32; d];
                    for row in adv.as_slice_mut().chunks_exact_mut(d) {
                        dir.iter_mut()
                            .for_each(|v| *v = rng.sample::<f32, _>(rand_distr::StandardNormal));
                        let n = dir.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
                        let r = self.eps * rng.random::<f32>();
                        for (a, v) in row.iter_mut().zip(&dir) {
                            *a += r * v / n;
                        }
                    }
                }
            }
            self.project(&mut adv, x, range);
        }
        for _ in 0..self.steps {
            let g = model.input_gradient(&adv, y)?;
            match self.norm {
                Norm::Linf => {
                    for (a, &gv) in adv.as_slice_mut().iter_mut().zip(g.as_slice()) {
                        *a += self.alpha * sign(gv);
                    }
                }
                Norm::L2 => {
                    for (row, grow) in adv
                        .as_slice_mut()
                        .chunks_exact_mut(d)
                        .zip(g.as_slice().chunks_exact(d))
                    {
                        let n = grow.iter().map(|v| v * v).sum::<f32>().sqrt();
                        if n > 0.0 {
                            for (a, gv) in row.iter_mut().zip(grow) {
                                *a += self.alpha * gv / n;
                            }
                        }
                    }
                }
            }
            self.project(&mut adv, x, range);
        }
        Ok(adv)
    }

    /// Projects `adv` onto the `ε`-ball around `x`, then clips to `range`. Clipping after the
    /// projection keeps the point in the ball: `x` is in the range, so clipping only shrinks
    /// each `|δ_i|`.
    fn project(&self, adv: &mut Tensor, x: &Tensor, range: InputRange) {
        let d = x.sample_size();
        match self.norm {
            Norm::Linf => {
                for (a, &x0) in adv.as_slice_mut().iter_mut().zip(x.as_slice()) {
                    *a = a.clamp(x0 - self.eps, x0 + self.eps).clamp(range.lo, range.hi);
                }
            }
            Norm::L2 => {
                for (row, xrow) in adv
                    .as_slice_mut()
                    .chunks_exact_mut(d)
                    .zip(x.as_slice().chunks_exact(d))
                {
                    let n = row
                        .iter()
                        .zip(xrow)
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum::<f32>()
                        .sqrt();
                    let f = if n > self.eps { self.eps / n } else { 1.0 };
                    for (a, &x0) in row.iter_mut().zip(xrow) {
                        *a = (x0 + (*a - x0) * f).clamp(range.lo, range.hi);
                    }
                }
            }
        }
    }
}

/// Accuracy under attack at one `ε`, under both conventions.
#[derive(Clone, Debug, PartialEq)]
pub struct RobustAccuracy {
    /// The attack and all its parameters.
    pub attack: String,
    /// The budget.
    pub eps: f32,
    /// Clean accuracy over all samples.
    pub clean_accuracy: f64,
    /// **RobustBench's convention**: the fraction of *all* samples classified correctly
    /// after the attack (a sample misclassified when clean counts as not robust).
    pub robust_accuracy_all: f64,
    /// **ART's convention**: the fraction of the *originally correct* samples still
    /// classified correctly after the attack (`NaN` if none was correct).
    pub robust_accuracy_correct: f64,
    /// Number of samples.
    pub n: usize,
    /// Number of originally correct samples.
    pub n_correct: usize,
}

/// Robust accuracy of `model` on `x`, class labels `y`, against `attack` at each `ε` of
/// `eps`. Only originally correct samples are attacked (the others count as failures under
/// RobustBench's convention and are excluded under ART's).
pub fn robust_accuracy(
    model: &mut Sequential,
    x: &Tensor,
    y: &Tensor,
    attack: &Attack,
    eps: &[f32],
    range: InputRange,
) -> Result<Vec<RobustAccuracy>> {
    if x.batch_size() == 0 {
        return Err(Error::empty("robust_accuracy"));
    }
    let n = x.batch_size();
    let clean = model.predict_classes(x)?;
    let correct: Vec<usize> = (0..n).filter(|&i| clean[i] as f32 == y.as_slice()[i]).collect();
    let xc = x.select_rows(&correct)?;
    let yc = y.select_rows(&correct)?;
    let mut out = Vec::with_capacity(eps.len());
    for &e in eps {
        let a = attack.with_eps(e);
        let robust = if correct.is_empty() {
            0
        } else {
            let adv = a.perturb(model, &xc, &yc, range)?;
            let pred = model.predict_classes(&adv)?;
            pred.iter()
                .zip(yc.as_slice())
                .filter(|(p, t)| **p as f32 == **t)
                .count()
        };
        out.push(RobustAccuracy {
            attack: a.describe(),
            eps: e,
            clean_accuracy: correct.len() as f64 / n as f64,
            robust_accuracy_all: robust as f64 / n as f64,
            robust_accuracy_correct: if correct.is_empty() {
                f64::NAN
            } else {
                robust as f64 / correct.len() as f64
            },
            n,
            n_correct: correct.len(),
        });
    }
    Ok(out)
}

/// Settings of [`adversarial_fit`].
#[derive(Clone, Debug)]
pub struct AdversarialTraining {
    /// The attack that makes the adversarial examples (at its own `ε`).
    pub attack: Attack,
    /// Share of each batch replaced by adversarial examples, in `[0, 1]` (Goodfellow et al.
    /// train on a 50/50 mix; Madry et al. on adversarial examples only, share 1).
    pub share: f32,
    /// Number of epochs.
    pub epochs: usize,
    /// Batch size.
    pub batch_size: usize,
    /// Seed of the shuffling (the model's shuffling generator is reset to it).
    pub seed: u64,
    /// The valid input range.
    pub range: InputRange,
}

/// Adversarial training in one call: a thin wrapper over [`Sequential::fit`] with
/// [`FitConfig::adversarial`](crate::FitConfig::adversarial)`(attack, share, range)`,
/// `epochs`, `batch_size`, shuffling and no progress display, after resetting the model's
/// shuffling generator to `seed` (so a run is reproducible from `cfg` alone). Each epoch the
/// samples are shuffled into batches; in each batch the first `round(share · batch)` samples
/// are replaced by their adversarial examples against the current model, then one training
/// step is taken. Returns the mean training loss per epoch (of the mixed batches, `fit`'s
/// `"loss"` history).
///
/// Call `fit` with `FitConfig::adversarial` directly for validation data, metrics,
/// callbacks or a progress bar.
///
/// ```
/// use trustnn::prelude::*;
/// use trustnn::robustness::{adversarial_fit, AdversarialTraining, Attack, InputRange};
/// let mut m = Sequential::new().seed(1).add(Dense::new(2, 2));
/// m.compile(SparseCategoricalCrossEntropy, Sgd::new(0.1))?;
/// let x = Tensor::from_rows(&[[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.9, 0.1]])?;
/// let y = Tensor::from_vec(vec![0.0, 1.0, 0.0, 1.0], &[4])?;
/// let cfg = AdversarialTraining {
///     attack: Attack::Fgsm { eps: 0.05 },
///     share: 0.5,
///     epochs: 3,
///     batch_size: 2,
///     seed: 0,
///     range: InputRange::UNIT,
/// };
/// let losses = adversarial_fit(&mut m, &x, &y, &cfg)?;
/// assert_eq!(losses.len(), 3);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn adversarial_fit(
    model: &mut Sequential,
    x: &Tensor,
    y: &Tensor,
    cfg: &AdversarialTraining,
) -> Result<Vec<f32>> {
    if !(0.0..=1.0).contains(&cfg.share) {
        return Err(Error::config(
            "AdversarialTraining.share",
            cfg.share,
            "must be in [0, 1]",
        ));
    }
    if cfg.batch_size == 0 {
        return Err(Error::config(
            "AdversarialTraining.batch_size",
            0,
            "must be positive",
        ));
    }
    if x.batch_size() == 0 {
        return Err(Error::empty("adversarial_fit"));
    }
    cfg.range.check()?;
    if cfg.epochs == 0 {
        return Ok(Vec::new());
    }
    model.set_shuffle_rng(crate::rng::seeded(cfg.seed));
    let config = crate::FitConfig::new()
        .epochs(cfg.epochs)
        .batch_size(cfg.batch_size)
        .progress(crate::progress::ProgressMode::Silent)
        .adversarial(cfg.attack.clone(), cfg.share, cfg.range);
    let history = model.fit(x, y, &config)?;
    Ok(history.get("loss").unwrap_or_default().to_vec())
}
