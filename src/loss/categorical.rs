//! Multi-class losses: softmax cross-entropy from logits with probability or one-hot
//! targets and with class indices (`torch.nn.CrossEntropyLoss`), and the Kullback–Leibler
//! divergence between probability vectors (`keras.losses.KLDivergence`).
//!
//! Predictions have shape `[N, C]`, one value per class. The per-sample loss `lᵢ` is a sum
//! over the classes, and the batch loss is `Σᵢ wᵢ·lᵢ / N` (Keras' sample-weight convention;
//! unit weights give PyTorch's `reduction='mean'`, i.e. `'batchmean'` for KL). Softmax and
//! cross-entropy are fused and evaluated with log-sum-exp, `lse(z) = m + log Σⱼ exp(zⱼ − m)`
//! with `m = maxⱼ zⱼ`, in f64, so logits such as ±1000 give finite losses and gradients.

use super::{Loss, check_class_axis, check_values, empty_result, weight_at};
use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// `(m, s)` with `m = maxⱼ zⱼ` and `s = Σⱼ exp(zⱼ − m)` (in f64), so that
/// `lse(z) = m + log s` and `softmax(z)ⱼ = exp(zⱼ − m) / s`.
#[inline]
fn max_and_shifted_sum(z: &[f32]) -> (f64, f64) {
    let m = z.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    let sum: f64 = z.iter().map(|&z| (z as f64 - m).exp()).sum();
    (m, sum)
}

/// `log Σⱼ exp(zⱼ)`, computed with the maximum subtracted, in f64.
#[inline]
fn log_sum_exp(z: &[f32]) -> f64 {
    let (m, sum) = max_and_shifted_sum(z);
    m + sum.ln()
}

/// Checks targets of shape `[N, C]` like the predictions (`pred_what` describes one
/// prediction row, `target_what` one target row): shape, finiteness, and `ok` for every
/// value (else an error with `reason`).
fn check_class_targets(
    name: &str,
    pred_sample_shape: &[usize],
    target: &Tensor,
    (pred_what, target_what): (&str, &str),
    ok: impl Fn(f32) -> bool,
    reason: &str,
) -> Result<()> {
    let c = check_class_axis(name, pred_sample_shape, pred_what)?;
    if target.ndim() != 2 || target.shape()[1] != c {
        return Err(Error::shape(
            format!("{name} (targets)"),
            format!("[*, {c}] ({target_what})"),
            target.shape(),
        ));
    }
    target.check_finite(&format!("{name} (targets)"))?;
    check_values(name, "target", target, ok, reason)
}

/// Targets of [`CategoricalCrossEntropy`]: one-hot rows or class weights `≥ 0`.
fn check_one_hot_targets(name: &str, pred_sample_shape: &[usize], target: &Tensor) -> Result<()> {
    check_class_targets(
        name,
        pred_sample_shape,
        target,
        ("one logit per class", "one-hot or probabilities, like the logits"),
        |y| y >= 0.0,
        "targets must be >= 0 (one-hot rows or class probabilities)",
    )
}

/// Targets of [`KLDivergence`]: probability vectors with values in `[0, 1]`.
fn check_distribution_targets(name: &str, pred_sample_shape: &[usize], target: &Tensor) -> Result<()> {
    check_class_targets(
        name,
        pred_sample_shape,
        target,
        (
            "one probability per class",
            "a probability vector per sample, like the predictions",
        ),
        |y| (0.0..=1.0).contains(&y),
        "targets must be probabilities in [0, 1]",
    )
}

/// Targets of [`SparseCategoricalCrossEntropy`]: one class index in `[0, C)` per sample, of
/// shape `[N]` or `[N, 1]`.
fn check_label_targets(name: &str, pred_sample_shape: &[usize], target: &Tensor) -> Result<()> {
    let c = check_class_axis(name, pred_sample_shape, "one logit per class")?;
    let shape_ok = target.ndim() == 1 || (target.ndim() == 2 && target.shape()[1] == 1);
    if !shape_ok {
        return Err(Error::shape(
            format!("{name} (targets)"),
            "[*] or [*, 1] (one class index per sample)",
            target.shape(),
        ));
    }
    match target
        .as_slice()
        .iter()
        .position(|&y| class_index(y, c).is_none())
    {
        None => Ok(()),
        Some(row) => Err(Error::LabelOutOfRange {
            context: name.to_string(),
            row,
            label: target.as_slice()[row],
            num_classes: c,
        }),
    }
}

/// The reduction shared by the class-axis losses: `Σᵢ wᵢ·lᵢ / N` over the rows `zᵢ` of
/// `pred` (`[N, C]`) and `yᵢ` of `target` (`target_width` values per sample), summed in f64.
///
/// `row(zᵢ, yᵢ, grad)` returns the sample's loss `lᵢ`; when `grad` is `Some((gᵢ, scale))`
/// it also writes `scale·∂lᵢ/∂zᵢ` into `gᵢ`, with `scale = wᵢ/N`. The gradient buffer is
/// resized in place (no allocation once it has the capacity).
#[inline]
fn rowwise(
    pred: &Tensor,
    target: &Tensor,
    target_width: usize,
    weights: Option<&[f32]>,
    grad: Option<&mut Tensor>,
    row: impl Fn(&[f32], &[f32], Option<(&mut [f32], f64)>) -> f64,
) -> f32 {
    let c = pred.sample_size();
    if c == 0 || pred.is_empty() {
        return empty_result(pred, grad);
    }
    let inv_n = 1.0 / pred.batch_size() as f64;
    let rows = pred
        .as_slice()
        .chunks_exact(c)
        .zip(target.as_slice().chunks_exact(target_width));
    let mut total = 0.0f64;
    match grad {
        None => {
            for (i, (z, y)) in rows.enumerate() {
                total += weight_at(weights, i) * row(z, y, None);
            }
        }
        Some(g) => {
            g.resize_like(pred);
            for (i, ((z, y), g)) in rows.zip(g.as_slice_mut().chunks_exact_mut(c)).enumerate() {
                let w = weight_at(weights, i);
                total += w * row(z, y, Some((g, w * inv_n)));
            }
        }
    }
    (total * inv_n) as f32
}

/// Softmax cross-entropy from logits with one-hot or probability targets, as
/// `torch.nn.CrossEntropyLoss(reduction='mean')` with class-probability targets (Bridle,
/// "Probabilistic Interpretation of Feedforward Classification Network Outputs", in
/// *Neurocomputing*, NATO ASI Series F68, 1990).
///
/// For logits `z` of shape `[N, C]` and targets `y` of the same shape (one-hot rows or
/// probability vectors; finite and `≥ 0`, not required to sum to 1, as in PyTorch):
///
/// * per-sample loss: `lᵢ = −Σⱼ yᵢⱼ·log_softmax(zᵢ)ⱼ = Σⱼ yᵢⱼ·(lse(zᵢ) − zᵢⱼ)`, with the
///   log-sum-exp taken after subtracting the row maximum;
/// * value: `L = Σᵢ lᵢ / N` (PyTorch divides by the batch size for probability targets);
/// * gradient: `∂L/∂zᵢⱼ = (softmax(zᵢ)ⱼ·Σₖ yᵢₖ − yᵢⱼ) / N` (`softmax − y` for rows that sum
///   to 1);
/// * with sample weights `w`: `L = Σᵢ wᵢ·lᵢ / N`, gradient multiplied by `wᵢ` (Keras'
///   convention; this is not PyTorch's per-class `weight`).
///
/// Logits like `[1000, −1000, 0]` are fine: with target `[0, 1, 0]` the loss is exactly 2000.
///
/// ```
/// use trustnn::{Tensor, loss::{CategoricalCrossEntropy, Loss}};
/// let z = Tensor::from_rows(&[[0.0, 0.0]])?;
/// let y = Tensor::from_rows(&[[1.0, 0.0]])?;
/// // −log(e⁰ / (e⁰ + e⁰)) = log 2; gradient softmax − y = (0.5 − 1, 0.5)
/// let (loss, grad) = CategoricalCrossEntropy.value_and_grad(&z, &y, None)?;
/// assert!((loss - std::f32::consts::LN_2).abs() < 1e-7);
/// assert_eq!(grad.as_slice(), &[-0.5, 0.5]);
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CategoricalCrossEntropy;

impl Loss for CategoricalCrossEntropy {
    loss_basics!(
        "categorical_cross_entropy",
        MultiClassLogits,
        check_one_hot_targets
    );

    fn compute_unchecked(
        &self,
        pred: &Tensor,
        target: &Tensor,
        weights: Option<&[f32]>,
        grad: Option<&mut Tensor>,
    ) -> f32 {
        rowwise(
            pred,
            target,
            pred.sample_size(),
            weights,
            grad,
            |z, y, grad| match grad {
                None => {
                    let lse = log_sum_exp(z);
                    z.iter().zip(y).map(|(&z, &y)| y as f64 * (lse - z as f64)).sum()
                }
                Some((g, scale)) => {
                    let (m, sum) = max_and_shifted_sum(z);
                    let lse = m + sum.ln();
                    let (mut l, mut sy) = (0.0f64, 0.0f64);
                    for (&z, &y) in z.iter().zip(y) {
                        l += y as f64 * (lse - z as f64);
                        sy += y as f64;
                    }
                    // softmax is recomputed in f64 (not cached in the f32 buffer) so that
                    // softmax − y keeps its accuracy when both are close to 1.
                    for ((g, &z), &y) in g.iter_mut().zip(z).zip(y) {
                        let p = (z as f64 - lse).exp();
                        *g = (scale * (p * sy - y as f64)) as f32;
                    }
                    l
                }
            },
        )
    }
}

/// The class index of label `y` if it is an integer in `[0, c)`.
#[inline]
fn class_index(y: f32, c: usize) -> Option<usize> {
    (y >= 0.0 && y.fract() == 0.0 && (y as f64) < c as f64).then_some(y as usize)
}

/// Softmax cross-entropy from logits with integer class labels, as
/// `torch.nn.CrossEntropyLoss(reduction='mean')` with class-index targets (Bridle, 1990, as
/// for [`CategoricalCrossEntropy`]).
///
/// Logits `z` have shape `[N, C]`; the targets are the class indices as `f32` values, of
/// shape `[N]` or `[N, 1]`. Each label must be an integer in `[0, C)`; anything else —
/// negative, fractional (`2.5`), `≥ C`, NaN or infinite — is
/// [`Error::LabelOutOfRange`] naming the row and the label. (PyTorch's `ignore_index` is not
/// supported.)
///
/// * per-sample loss: `lᵢ = lse(zᵢ) − zᵢ,yᵢ` (log-sum-exp with the row maximum subtracted);
/// * value: `L = Σᵢ lᵢ / N`;
/// * gradient: `∂L/∂zᵢⱼ = (softmax(zᵢ)ⱼ − [j = yᵢ]) / N`;
/// * with sample weights `w`: `L = Σᵢ wᵢ·lᵢ / N`, gradient multiplied by `wᵢ` (Keras'
///   convention; not PyTorch's per-class `weight`).
///
/// ```
/// use trustnn::{Error, Tensor, loss::{Loss, SparseCategoricalCrossEntropy}};
/// let z = Tensor::from_rows(&[[1000.0, -1000.0, 0.0]])?;
/// let label = Tensor::from_vec(vec![1.0], &[1])?;
/// // lse = 1000 (the other terms vanish), so the loss is 1000 − (−1000) = 2000.
/// let (loss, grad) = SparseCategoricalCrossEntropy.value_and_grad(&z, &label, None)?;
/// assert_eq!(loss, 2000.0);
/// assert_eq!(grad.as_slice(), &[1.0, -1.0, 0.0]);
/// let bad = Tensor::from_vec(vec![3.0], &[1])?;
/// assert!(matches!(
///     SparseCategoricalCrossEntropy.value(&z, &bad, None),
///     Err(Error::LabelOutOfRange { row: 0, num_classes: 3, .. })
/// ));
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SparseCategoricalCrossEntropy;

impl Loss for SparseCategoricalCrossEntropy {
    loss_basics!(
        "sparse_categorical_cross_entropy",
        MultiClassLogits,
        check_label_targets
    );

    fn compute_unchecked(
        &self,
        pred: &Tensor,
        target: &Tensor,
        weights: Option<&[f32]>,
        grad: Option<&mut Tensor>,
    ) -> f32 {
        let c = pred.sample_size();
        // An invalid label (possible only without validation) gives NaN instead of a panic.
        let picked = |z: &[f32], y: f32| {
            class_index(y, c)
                .and_then(|k| z.get(k))
                .map_or(f64::NAN, |&v| v as f64)
        };
        rowwise(pred, target, 1, weights, grad, |z, y, grad| {
            let y = y[0];
            let lse = log_sum_exp(z);
            if let Some((g, scale)) = grad {
                let k = class_index(y, c);
                for (j, (g, &z)) in g.iter_mut().zip(z).enumerate() {
                    let hot = if Some(j) == k { 1.0 } else { 0.0 };
                    *g = (scale * ((z as f64 - lse).exp() - hot)) as f32;
                }
            }
            lse - picked(z, y)
        })
    }
}

/// Keras' `backend.epsilon()`: the lower clip bound of [`KLDivergence`].
const KERAS_EPSILON: f32 = 1e-7;

/// Kullback–Leibler divergence `KL(target ‖ pred)` between per-sample probability vectors,
/// as `keras.losses.KLDivergence` (Kullback & Leibler, "On Information and Sufficiency",
/// *Annals of Mathematical Statistics* 22(1), 1951).
///
/// Predictions `p` and targets `y` have shape `[N, C]`: one probability per class (the
/// predictions typically come from a softmax layer). Targets must be finite and in `[0, 1]`.
/// As in Keras, both are first clipped to `[ε, 1]` with `ε = 1e-7`
/// (`ŷ = clip(y)`, `p̂ = clip(p)`):
///
/// * per-sample loss: `lᵢ = Σⱼ ŷᵢⱼ·log(ŷᵢⱼ / p̂ᵢⱼ)`;
/// * value: `L = Σᵢ lᵢ / N` — PyTorch's `KLDivLoss(reduction='batchmean')` applied to
///   `log p` with target `y`, except for the clipping (a zero target contributes
///   `ε·log(ε / p̂)` here and exactly 0 in PyTorch);
/// * gradient: `∂L/∂pᵢⱼ = −ŷᵢⱼ / pᵢⱼ / N` where `ε ≤ pᵢⱼ ≤ 1`, and 0 where the prediction
///   was clipped (the clip's gradient, as in TensorFlow);
/// * with sample weights `w`: `L = Σᵢ wᵢ·lᵢ / N`, gradient multiplied by `wᵢ` (Keras'
///   convention).
///
/// ```
/// use trustnn::{Tensor, loss::{KLDivergence, Loss}};
/// let p = Tensor::from_rows(&[[0.5, 0.5]])?;
/// let y = Tensor::from_rows(&[[1.0, 0.0]])?;
/// // 1·log(1/0.5) + 1e-7·log(1e-7/0.5) = 0.693147 − 1.5e-6
/// let loss = KLDivergence.value(&p, &y, None)?;
/// assert!((loss - 0.6931456).abs() < 1e-6);
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KLDivergence;

impl Loss for KLDivergence {
    loss_basics!("kl_divergence", MultiClassProbability, check_distribution_targets);

    fn compute_unchecked(
        &self,
        pred: &Tensor,
        target: &Tensor,
        weights: Option<&[f32]>,
        grad: Option<&mut Tensor>,
    ) -> f32 {
        let clip = |v: f32| v.clamp(KERAS_EPSILON, 1.0) as f64;
        rowwise(
            pred,
            target,
            pred.sample_size(),
            weights,
            grad,
            |p, y, grad| match grad {
                None => p
                    .iter()
                    .zip(y)
                    .map(|(&p, &y)| {
                        let y = clip(y);
                        y * (y.ln() - clip(p).ln())
                    })
                    .sum(),
                Some((g, scale)) => {
                    let mut l = 0.0f64;
                    for ((g, &p), &y) in g.iter_mut().zip(p).zip(y) {
                        let (yc, pc) = (clip(y), clip(p));
                        l += yc * (yc.ln() - pc.ln());
                        *g = if (KERAS_EPSILON..=1.0).contains(&p) {
                            (-scale * yc / pc) as f32
                        } else {
                            0.0
                        };
                    }
                    l
                }
            },
        )
    }
}
