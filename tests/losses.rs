//! Tests of the built-in losses: gradients against finite differences, values and
//! gradients against independent f64 evaluations of the documented formulas, hand-worked
//! cases, numerical stability, sample weights and input validation.
//!
//! Tolerances:
//! * finite differences: `GradCheckConfig::default()` — step 1e-2 (relative to
//!   `max(1, |v|)`), rtol 1e-3, atol 1e-4. Inputs keep MAE/Huber/hinge kinks more than 0.05
//!   away (more than the step), and probabilities in BCE/KL away from 0 and 1 (≥ 0.25), where
//!   the third derivative would make the central-difference truncation error exceed rtol.
//! * f64 reference values and gradients: relative 1e-6 (the implementation accumulates in
//!   f64 and rounds to f32 once, so only f32 rounding, ~6e-8, separates the two).

use rand::Rng as _;
use trustnn::gradcheck::{GradCheckConfig, check_loss};
use trustnn::loss::{
    BinaryCrossEntropy, BinaryCrossEntropyWithLogits, CategoricalCrossEntropy, Hinge, Huber, KLDivergence,
    Loss, MeanAbsoluteError, MeanSquaredError, OutputKind, SparseCategoricalCrossEntropy, by_name,
};
use trustnn::rng::{Rng, seeded};
use trustnn::{Error, Tensor};

const N: usize = 4;
const C: usize = 3;

// ---------------------------------------------------------------------------------------
// Fixtures: valid inputs away from kinks, for every loss.
// ---------------------------------------------------------------------------------------

fn uniform(rng: &mut Rng, lo: f32, hi: f32) -> f32 {
    rng.random_range(lo..hi)
}

fn tensor(rng: &mut Rng, shape: &[usize], lo: f32, hi: f32) -> Tensor {
    let n = shape.iter().product();
    Tensor::from_vec((0..n).map(|_| uniform(rng, lo, hi)).collect(), shape).unwrap()
}

/// `[N, C]` rows of positive values normalized to sum to 1.
fn distributions(rng: &mut Rng, lo: f32, hi: f32) -> Tensor {
    let mut t = tensor(rng, &[N, C], lo, hi);
    for row in t.as_slice_mut().chunks_exact_mut(C) {
        let s: f32 = row.iter().sum();
        row.iter_mut().for_each(|v| *v /= s);
    }
    t
}

/// Regression predictions `target + d` with `|d|` drawn by `draw_abs`, random sign.
fn offset_pred(rng: &mut Rng, target: &Tensor, draw_abs: impl Fn(&mut Rng) -> f32) -> Tensor {
    let mut p = target.clone();
    for v in p.as_slice_mut() {
        let sign = if rng.random::<bool>() { 1.0 } else { -1.0 };
        *v += sign * draw_abs(rng);
    }
    p
}

/// A loss with valid, kink-free `[N, …]` predictions and targets.
fn case(name: &str, seed: u64) -> (Box<dyn Loss>, Tensor, Tensor) {
    let mut rng = seeded(seed);
    let rng = &mut rng;
    let loss = by_name(name).unwrap();
    let (pred, target) = match name {
        "mse" => (tensor(rng, &[N, C], -2.0, 2.0), tensor(rng, &[N, C], -2.0, 2.0)),
        "mae" => {
            let y = tensor(rng, &[N, C], -1.0, 1.0);
            // |d| ≥ 0.1 > step · max(1, |pred|) ≤ 0.021: no difference crosses the kink.
            (offset_pred(rng, &y, |r| uniform(r, 0.1, 1.0)), y)
        }
        "huber" => {
            let y = tensor(rng, &[N, C], -0.5, 0.5);
            // |d| in [0.05, 0.9] or [1.1, 2.5], δ = 1: the quadratic/linear seam is ≥ 0.1 away.
            let p = offset_pred(rng, &y, |r| {
                if r.random::<bool>() {
                    uniform(r, 0.05, 0.9)
                } else {
                    uniform(r, 1.1, 2.5)
                }
            });
            (p, y)
        }
        "binary_cross_entropy" => {
            let p = tensor(rng, &[N, C], 0.3, 0.7);
            let y = Tensor::from_vec(
                (0..N * C)
                    .map(|i| [0.0, 1.0, uniform(rng, 0.0, 1.0)][i % 3])
                    .collect(),
                &[N, C],
            )
            .unwrap();
            (p, y)
        }
        "binary_cross_entropy_with_logits" => {
            (tensor(rng, &[N, C], -3.0, 3.0), tensor(rng, &[N, C], 0.0, 1.0))
        }
        "categorical_cross_entropy" => {
            let z = tensor(rng, &[N, C], -2.0, 2.0);
            let mut y = distributions(rng, 0.0, 1.0);
            // Rows 0 and 1 one-hot, row 2 soft, row 3 soft and summing to 0.5 (PyTorch allows
            // unnormalized probability targets; the gradient then has the Σy factor).
            y.as_slice_mut()[..2 * C].copy_from_slice(&[0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
            y.as_slice_mut()[3 * C..].iter_mut().for_each(|v| *v *= 0.5);
            (z, y)
        }
        "sparse_categorical_cross_entropy" => {
            let z = tensor(rng, &[N, C], -2.0, 2.0);
            let labels = (0..N).map(|_| rng.random_range(0..C) as f32).collect();
            (z, Tensor::from_vec(labels, &[N]).unwrap())
        }
        "kl_divergence" => {
            // Predictions in [0.25, 0.43]; one target of 0 exercises the ε-clip of targets.
            let p = distributions(rng, 1.0, 1.5);
            let mut y = distributions(rng, 0.1, 1.0);
            y.as_slice_mut()[0] = 0.0;
            (p, y)
        }
        "hinge" => {
            let y = Tensor::from_vec((0..N * C).map(|i| [-1.0, 1.0, 0.0][i % 3]).collect(), &[N, C]).unwrap();
            let mut s = tensor(rng, &[N, C], -2.0, 2.0);
            for (s, &y) in s.as_slice_mut().iter_mut().zip(y.as_slice()) {
                let y = if y == 0.0 { -1.0 } else { y };
                // Keep the margin 1 − y·s at least 0.1 away from the kink at 0.
                if (1.0 - y * *s).abs() < 0.1 {
                    *s += 0.3;
                }
            }
            (s, y)
        }
        other => panic!("no fixture for {other}"),
    };
    (loss, pred, target)
}

const ALL: [&str; 9] = [
    "mse",
    "mae",
    "huber",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "categorical_cross_entropy",
    "sparse_categorical_cross_entropy",
    "kl_divergence",
    "hinge",
];

const WEIGHTS: [f32; N] = [0.5, 2.0, 0.0, 1.5];

// ---------------------------------------------------------------------------------------
// Independent f64 reference: per-element (or per-row) formulas written from the docs.
// ---------------------------------------------------------------------------------------

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Loss and gradient of one sample in f64, before any batch reduction; `true` if the
/// sample's loss is a mean over its elements (element-wise), `false` if a sum (per row).
fn reference_row(name: &str, p: &[f32], y: &[f32]) -> (f64, Vec<f64>, bool) {
    let p: Vec<f64> = p.iter().map(|&v| v as f64).collect();
    let y: Vec<f64> = y.iter().map(|&v| v as f64).collect();
    let elementwise = |f: &dyn Fn(f64, f64) -> (f64, f64)| {
        let (l, g): (Vec<f64>, Vec<f64>) = p.iter().zip(&y).map(|(&p, &y)| f(p, y)).unzip();
        (l.iter().sum::<f64>() / p.len() as f64, g, true)
    };
    match name {
        "mse" => elementwise(&|p, y| ((p - y).powi(2), 2.0 * (p - y))),
        "mae" => elementwise(&|p, y| ((p - y).abs(), (p - y).signum())),
        "huber" => elementwise(&|p, y| {
            let d: f64 = p - y;
            if d.abs() < 1.0 {
                (0.5 * d * d, d)
            } else {
                (d.abs() - 0.5, d.signum())
            }
        }),
        "binary_cross_entropy" => elementwise(&|p, y| {
            let l = -(y * p.ln().max(-100.0) + (1.0 - y) * (1.0 - p).ln().max(-100.0));
            (l, (p - y) / ((1.0 - p) * p).max(1e-12))
        }),
        "binary_cross_entropy_with_logits" => elementwise(&|z, y| {
            let s = sigmoid(z);
            (-(y * s.ln() + (1.0 - y) * (1.0 - s).ln()), s - y)
        }),
        "hinge" => elementwise(&|s, y| {
            let y = if y == 0.0 { -1.0 } else { y };
            if 1.0 - y * s > 0.0 {
                (1.0 - y * s, -y)
            } else {
                (0.0, 0.0)
            }
        }),
        "categorical_cross_entropy" | "sparse_categorical_cross_entropy" => {
            let y = if name == "categorical_cross_entropy" {
                y
            } else {
                (0..p.len())
                    .map(|j| if j as f64 == y[0] { 1.0 } else { 0.0 })
                    .collect()
            };
            let denom: f64 = p.iter().map(|z| z.exp()).sum();
            let softmax: Vec<f64> = p.iter().map(|z| z.exp() / denom).collect();
            let sy: f64 = y.iter().sum();
            let l = -y.iter().zip(&softmax).map(|(y, s)| y * s.ln()).sum::<f64>();
            let g = softmax.iter().zip(&y).map(|(s, y)| s * sy - y).collect();
            (l, g, false)
        }
        "kl_divergence" => {
            let eps = 1e-7f32 as f64;
            let clip = |v: f64| v.clamp(eps, 1.0);
            let l = p
                .iter()
                .zip(&y)
                .map(|(&p, &y)| clip(y) * (clip(y) / clip(p)).ln())
                .sum();
            let g = p.iter().zip(&y).map(|(&p, &y)| -clip(y) / p).collect();
            (l, g, false)
        }
        other => panic!("no reference for {other}"),
    }
}

/// `Σᵢ wᵢ·lᵢ / N` and its gradient, in f64.
fn reference(name: &str, pred: &Tensor, target: &Tensor, weights: Option<&[f32]>) -> (f64, Vec<f64>) {
    let n = pred.batch_size();
    let (s, ts) = (pred.sample_size(), target.sample_size().max(1));
    let mut total = 0.0;
    let mut grad = Vec::new();
    for i in 0..n {
        let w = weights.map_or(1.0, |w| w[i] as f64);
        let (l, g, mean) = reference_row(
            name,
            &pred.as_slice()[i * s..(i + 1) * s],
            &target.as_slice()[i * ts..(i + 1) * ts],
        );
        let per = if mean { s as f64 } else { 1.0 };
        total += w * l;
        grad.extend(g.iter().map(|g| w * g / (n as f64 * per)));
    }
    (total / n as f64, grad)
}

fn assert_close(actual: f64, expected: f64, rtol: f64, what: &str) {
    let err = (actual - expected).abs();
    assert!(
        err <= rtol * expected.abs().max(1e-30) || err <= 1e-12,
        "{what}: got {actual:e}, expected {expected:e} (rel err {:e})",
        err / expected.abs()
    );
}

/// Compares value and gradient with the f64 reference at relative 1e-6; a gradient element
/// may instead be within 1e-6 of the gradient's largest magnitude (for exact zeros).
fn assert_matches_reference(name: &str, weights: Option<&[f32]>) {
    let (loss, pred, target) = case(name, 7);
    let (value, grad) = loss.value_and_grad(&pred, &target, weights).unwrap();
    let (ref_value, ref_grad) = reference(name, &pred, &target, weights);
    assert_close(value as f64, ref_value, 1e-6, &format!("{name} value"));
    let gmax = ref_grad.iter().fold(0.0f64, |m, g| m.max(g.abs()));
    for (i, (&g, &r)) in grad.as_slice().iter().zip(&ref_grad).enumerate() {
        let err = (g as f64 - r).abs();
        assert!(
            err <= 1e-6 * r.abs() || err <= 1e-7 * gmax,
            "{name} grad[{i}]: got {g:e}, expected {r:e}"
        );
    }
}

fn assert_gradcheck(name: &str, weights: Option<&[f32]>) {
    let (loss, pred, target) = case(name, 3);
    let report = check_loss(
        loss.as_ref(),
        &pred,
        &target,
        weights,
        &GradCheckConfig::default(),
    )
    .unwrap();
    assert!(report.passed(), "{name}: {report}");
    assert_eq!(report.checked, N * C);
}

macro_rules! per_loss_tests {
    ($($module:ident => $name:literal),* $(,)?) => {$(
        mod $module {
            use super::*;

            #[test]
            fn gradient_matches_finite_differences() {
                assert_gradcheck($name, None);
            }

            #[test]
            fn gradient_matches_finite_differences_with_sample_weights() {
                assert_gradcheck($name, Some(&WEIGHTS));
            }

            #[test]
            fn value_and_gradient_match_f64_formula() {
                assert_matches_reference($name, None);
            }

            #[test]
            fn weighted_value_and_gradient_match_f64_formula() {
                assert_matches_reference($name, Some(&WEIGHTS));
            }

            #[test]
            fn unit_weights_equal_unweighted_loss() {
                let (loss, pred, target) = case($name, 11);
                let (v, g) = loss.value_and_grad(&pred, &target, None).unwrap();
                let (vw, gw) = loss.value_and_grad(&pred, &target, Some(&[1.0; N])).unwrap();
                assert_eq!(v, vw);
                assert_eq!(g, gw);
            }

            #[test]
            fn weights_two_and_zero_give_first_sample_loss() {
                // Σ wᵢ·lᵢ / N = (2·l₀ + 0·l₁) / 2 = l₀, the loss of the first sample alone.
                let (loss, pred, target) = case($name, 13);
                let two = [0usize, 1];
                let first = pred.select_rows(&[0]).unwrap();
                let first_t = target.select_rows(&[0]).unwrap();
                let l0 = loss.value(&first, &first_t, None).unwrap();
                let pair = pred.select_rows(&two).unwrap();
                let pair_t = target.select_rows(&two).unwrap();
                let v = loss.value(&pair, &pair_t, Some(&[2.0, 0.0])).unwrap();
                assert_close(v as f64, l0 as f64, 1e-6, $name);
            }

            #[test]
            fn compute_unchecked_overwrites_gradient_in_place() {
                let (loss, pred, target) = case($name, 17);
                let (_, expected) = loss.value_and_grad(&pred, &target, None).unwrap();
                let mut grad = Tensor::full(pred.shape(), 123.0);
                let ptr = grad.as_slice().as_ptr();
                loss.compute_unchecked(&pred, &target, None, Some(&mut grad));
                assert_eq!(grad.as_slice().as_ptr(), ptr, "gradient buffer was reallocated");
                assert_eq!(grad, expected);
            }

            #[test]
            fn nan_prediction_is_non_finite_error() {
                let (loss, mut pred, target) = case($name, 19);
                pred.as_slice_mut()[4] = f32::NAN;
                let err = loss.value(&pred, &target, None).unwrap_err();
                assert!(matches!(err, Error::NonFinite { .. }), "{err}");
            }

            #[test]
            fn empty_batch_is_empty_input_error() {
                let (loss, pred, target) = case($name, 23);
                let mut shape = pred.shape().to_vec();
                shape[0] = 0;
                let mut tshape = target.shape().to_vec();
                tshape[0] = 0;
                let err = loss.value(&Tensor::zeros(&shape), &Tensor::zeros(&tshape), None).unwrap_err();
                assert!(matches!(err, Error::EmptyInput { .. }), "{err}");
            }

            #[test]
            fn negative_nan_or_misnumbered_weights_are_errors() {
                let (loss, pred, target) = case($name, 29);
                for bad in [[1.0, -0.5, 1.0, 1.0], [1.0, 1.0, f32::NAN, 1.0]] {
                    let err = loss.value(&pred, &target, Some(&bad)).unwrap_err();
                    assert!(matches!(err, Error::InvalidConfig { .. }), "{err}");
                }
                let err = loss.value(&pred, &target, Some(&[1.0; N - 1])).unwrap_err();
                assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
            }

            #[test]
            fn batch_size_mismatch_is_shape_error() {
                let (loss, pred, target) = case($name, 31);
                let fewer = target.select_rows(&[0, 1]).unwrap();
                let err = loss.value(&pred, &fewer, None).unwrap_err();
                assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
            }

            #[test]
            fn by_name_round_trips() {
                assert_eq!(by_name($name).unwrap().name(), $name);
            }
        }
    )*};
}

per_loss_tests! {
    mse => "mse",
    mae => "mae",
    huber => "huber",
    bce => "binary_cross_entropy",
    bce_logits => "binary_cross_entropy_with_logits",
    categorical_ce => "categorical_cross_entropy",
    sparse_ce => "sparse_categorical_cross_entropy",
    kl => "kl_divergence",
    hinge => "hinge",
}

// ---------------------------------------------------------------------------------------
// Hand-worked cases.
// ---------------------------------------------------------------------------------------

fn t(values: &[f32], shape: &[usize]) -> Tensor {
    Tensor::from_vec(values.to_vec(), shape).unwrap()
}

#[test]
fn mse_of_doc_example_is_two_and_a_half() {
    // ((1 − 0)² + (2 − 4)²) / 2 = (1 + 4) / 2 = 2.5; gradient 2·d/2 = (1, −2).
    let (v, g) = MeanSquaredError
        .value_and_grad(&t(&[1.0, 2.0], &[2, 1]), &t(&[0.0, 4.0], &[2, 1]), None)
        .unwrap();
    assert_eq!(v, 2.5);
    assert_eq!(g.as_slice(), &[1.0, -2.0]);
}

#[test]
fn mae_gradient_is_zero_where_prediction_equals_target() {
    // (|1 − 0| + |−2 − 0| + |3 − 3| + |0.5 − 1|) / 4 = 3.5 / 4 = 0.875;
    // gradient sign(d)/4 = (0.25, −0.25, 0, −0.25).
    let (v, g) = MeanAbsoluteError
        .value_and_grad(
            &t(&[1.0, -2.0, 3.0, 0.5], &[2, 2]),
            &t(&[0.0, 0.0, 3.0, 1.0], &[2, 2]),
            None,
        )
        .unwrap();
    assert_eq!(v, 0.875);
    assert_eq!(g.as_slice(), &[0.25, -0.25, 0.0, -0.25]);
}

#[test]
fn huber_is_quadratic_inside_delta_and_linear_outside() {
    // δ = 1, d = (0.5, 3, −2): 0.5·0.25 = 0.125; 1·(3 − 0.5) = 2.5; 1·(2 − 0.5) = 1.5;
    // mean (0.125 + 2.5 + 1.5) / 3 = 1.375; gradient clamp(d, −1, 1)/3 = (0.5, 1, −1)/3.
    let (v, g) = Huber::default()
        .value_and_grad(
            &t(&[0.5, 3.0, -2.0], &[3, 1]),
            &t(&[0.0, 0.0, 0.0], &[3, 1]),
            None,
        )
        .unwrap();
    assert_eq!(v, 1.375);
    assert_eq!(g.as_slice(), &[0.5 / 3.0, 1.0 / 3.0, -1.0 / 3.0]);
}

#[test]
fn huber_delta_scales_the_linear_part() {
    // δ = 2, d = (1, 4): 0.5·1 = 0.5; 2·(4 − 1) = 6; mean 3.25; gradient (1, 2)/2.
    let (v, g) = Huber { delta: 2.0 }
        .value_and_grad(&t(&[1.0, 4.0], &[2]), &t(&[0.0, 0.0], &[2]), None)
        .unwrap();
    assert_eq!(v, 3.25);
    assert_eq!(g.as_slice(), &[0.5, 1.0]);
}

#[test]
fn bce_of_one_half_is_log_two_with_torch_gradient() {
    // −log 0.5 = ln 2 for y = 1 and for y = 0; gradient (p − y)/((1 − p)p)/2
    // = (−0.5/0.25, 0.5/0.25)/2 = (−1, 1).
    let (v, g) = BinaryCrossEntropy
        .value_and_grad(&t(&[0.5, 0.5], &[2, 1]), &t(&[1.0, 0.0], &[2, 1]), None)
        .unwrap();
    assert_close(v as f64, std::f64::consts::LN_2, 1e-7, "bce");
    assert_eq!(g.as_slice(), &[-1.0, 1.0]);
}

#[test]
fn bce_with_logits_of_zero_is_log_two() {
    // max(0, 0) − 0·y + log1p(e⁰) = ln 2 for any y; gradient (σ(0) − y)/2 = (−0.25, 0.25).
    let (v, g) = BinaryCrossEntropyWithLogits
        .value_and_grad(&t(&[0.0, 0.0], &[2, 1]), &t(&[1.0, 0.0], &[2, 1]), None)
        .unwrap();
    assert_close(v as f64, std::f64::consts::LN_2, 1e-7, "bce with logits");
    assert_eq!(g.as_slice(), &[-0.25, 0.25]);
}

#[test]
fn categorical_ce_of_equal_logits_is_log_of_class_count() {
    // softmax(0, 0, 0) = 1/3 each, so −log(1/3) = ln 3 for any one-hot target;
    // gradient (1/3 − y)/1.
    let (v, g) = CategoricalCrossEntropy
        .value_and_grad(&t(&[0.0, 0.0, 0.0], &[1, 3]), &t(&[0.0, 0.0, 1.0], &[1, 3]), None)
        .unwrap();
    assert_close(v as f64, 3f64.ln(), 1e-7, "cce");
    assert_eq!(g.as_slice(), &[1.0 / 3.0, 1.0 / 3.0, -2.0 / 3.0]);
}

#[test]
fn sparse_ce_equals_categorical_ce_on_one_hot_targets() {
    let (_, z, labels) = case("sparse_categorical_cross_entropy", 5);
    let mut one_hot = Tensor::zeros(&[N, C]);
    for (row, &k) in one_hot.as_slice_mut().chunks_exact_mut(C).zip(labels.as_slice()) {
        row[k as usize] = 1.0;
    }
    let (vs, gs) = SparseCategoricalCrossEntropy
        .value_and_grad(&z, &labels, None)
        .unwrap();
    let (vc, gc) = CategoricalCrossEntropy
        .value_and_grad(&z, &one_hot, None)
        .unwrap();
    assert_close(vs as f64, vc as f64, 1e-6, "sparse vs categorical");
    assert!(gs.max_abs_diff(&gc) <= 1e-7, "{gs:?} vs {gc:?}");
}

#[test]
fn sparse_ce_accepts_labels_as_n_by_one() {
    let (_, z, labels) = case("sparse_categorical_cross_entropy", 5);
    let column = labels.clone().reshape(&[N, 1]).unwrap();
    let a = SparseCategoricalCrossEntropy.value(&z, &labels, None).unwrap();
    let b = SparseCategoricalCrossEntropy.value(&z, &column, None).unwrap();
    assert_eq!(a, b);
}

#[test]
fn kl_of_identical_distributions_is_zero() {
    // Σ y·log(y/y) = 0, and the gradient is −y/p/N = −1/N everywhere.
    let p = t(&[0.2, 0.3, 0.5, 0.6, 0.3, 0.1], &[2, 3]);
    let (v, g) = KLDivergence.value_and_grad(&p, &p, None).unwrap();
    assert!(v.abs() < 1e-7, "{v}");
    assert!(g.as_slice().iter().all(|&g| (g + 0.5).abs() < 1e-7), "{g:?}");
}

#[test]
fn kl_clips_predictions_and_zeroes_their_gradient() {
    // p = (1, 0) is clipped to (1, 1e-7); y = (0.5, 0.5):
    // 0.5·log(0.5/1) + 0.5·log(0.5/1e-7) = 0.5·(log(0.5e7) − log 2) ... computed below.
    // Gradient: −0.5/1 for the first class; 0 for the clipped (0 < ε) second class.
    let (v, g) = KLDivergence
        .value_and_grad(&t(&[1.0, 0.0], &[1, 2]), &t(&[0.5, 0.5], &[1, 2]), None)
        .unwrap();
    let eps = 1e-7f32 as f64;
    let expected = 0.5 * (0.5f64).ln() + 0.5 * (0.5 / eps).ln();
    assert_close(v as f64, expected, 1e-6, "kl clipped");
    assert_eq!(g.as_slice(), &[-0.5, 0.0]);
}

#[test]
fn hinge_reads_zero_targets_as_minus_one() {
    // y = (1, 0 → −1, −1), score 0.5 each: margins 1 − 0.5 = 0.5, 1 + 0.5 = 1.5, 1.5;
    // mean 3.5/3; gradient −y/3 = (−1, 1, 1)/3.
    let (v, g) = Hinge
        .value_and_grad(
            &t(&[0.5, 0.5, 0.5], &[3, 1]),
            &t(&[1.0, 0.0, -1.0], &[3, 1]),
            None,
        )
        .unwrap();
    assert_close(v as f64, 3.5 / 3.0, 1e-7, "hinge");
    assert_eq!(g.as_slice(), &[-1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0]);
}

#[test]
fn hinge_has_zero_loss_and_gradient_beyond_the_margin() {
    // y·s = 2 > 1 and −1·(−3) = 3 > 1: both margins are negative, so loss 0 and gradient 0.
    let (v, g) = Hinge
        .value_and_grad(&t(&[2.0, -3.0], &[2]), &t(&[1.0, -1.0], &[2]), None)
        .unwrap();
    assert_eq!(v, 0.0);
    assert_eq!(g.as_slice(), &[0.0, 0.0]);
}

#[test]
fn elementwise_losses_accept_targets_as_n_or_n_by_one() {
    let pred = t(&[0.2, 0.7, 0.4], &[3, 1]);
    let flat = t(&[0.0, 1.0, 1.0], &[3]);
    let column = t(&[0.0, 1.0, 1.0], &[3, 1]);
    for name in [
        "mse",
        "mae",
        "huber",
        "binary_cross_entropy",
        "binary_cross_entropy_with_logits",
        "hinge",
    ] {
        let loss = by_name(name).unwrap();
        let a = loss.value_and_grad(&pred, &flat, None).unwrap();
        let b = loss.value_and_grad(&pred, &column, None).unwrap();
        assert_eq!(a, b, "{name}");
        let c = loss
            .value_and_grad(&pred.clone().reshape(&[3]).unwrap(), &column, None)
            .unwrap();
        assert_eq!(a.0, c.0, "{name}");
    }
}

// ---------------------------------------------------------------------------------------
// Numerical stability.
// ---------------------------------------------------------------------------------------

fn extreme_logits() -> Tensor {
    t(&[1000.0, -1000.0, 0.0], &[1, 3])
}

#[test]
fn categorical_ce_of_extreme_logits_is_finite_and_exact() {
    // lse(1000, −1000, 0) = 1000 + log(1 + e⁻²⁰⁰⁰ + e⁻¹⁰⁰⁰) = 1000.
    // Label 1: 1000 − (−1000) = 2000, gradient softmax − y = (1, −1, 0).
    // Label 0: 1000 − 1000 = 0, gradient (0, 0, 0).
    let (v, g) = CategoricalCrossEntropy
        .value_and_grad(&extreme_logits(), &t(&[0.0, 1.0, 0.0], &[1, 3]), None)
        .unwrap();
    assert_eq!(v, 2000.0);
    assert_eq!(g.as_slice(), &[1.0, -1.0, 0.0]);
    let (v, g) = CategoricalCrossEntropy
        .value_and_grad(&extreme_logits(), &t(&[1.0, 0.0, 0.0], &[1, 3]), None)
        .unwrap();
    assert_eq!(v, 0.0);
    assert_eq!(g.as_slice(), &[0.0, 0.0, 0.0]);
}

#[test]
fn sparse_ce_of_extreme_logits_is_finite_and_exact() {
    let (v, g) = SparseCategoricalCrossEntropy
        .value_and_grad(&extreme_logits(), &t(&[1.0], &[1]), None)
        .unwrap();
    assert_eq!(v, 2000.0);
    assert_eq!(g.as_slice(), &[1.0, -1.0, 0.0]);
    let (v, g) = SparseCategoricalCrossEntropy
        .value_and_grad(&extreme_logits(), &t(&[0.0], &[1]), None)
        .unwrap();
    assert_eq!(v, 0.0);
    assert_eq!(g.as_slice(), &[0.0, 0.0, 0.0]);
}

#[test]
fn bce_with_logits_of_extreme_logits_is_finite_and_exact() {
    // Element losses: z = 1000, y = 1 → 0; z = −1000, y = 1 → 1000; z = 1000, y = 0 → 1000;
    // z = −1000, y = 0 → 0. Mean 500. Gradient (σ(z) − y)/4 = (0, −1, 1, 0)/4.
    let (v, g) = BinaryCrossEntropyWithLogits
        .value_and_grad(
            &t(&[1000.0, -1000.0, 1000.0, -1000.0], &[4, 1]),
            &t(&[1.0, 1.0, 0.0, 0.0], &[4, 1]),
            None,
        )
        .unwrap();
    assert_eq!(v, 500.0);
    assert_eq!(g.as_slice(), &[0.0, -0.25, 0.25, 0.0]);
}

#[test]
fn bce_clamps_log_of_zero_at_minus_one_hundred() {
    // p = 0, y = 1 → −max(log 0, −100) = 100; p = 1, y = 0 → −max(log1p(−1), −100) = 100;
    // p = 0, y = 0 and p = 1, y = 1 → 0. Mean 200/4 = 50.
    let (v, g) = BinaryCrossEntropy
        .value_and_grad(
            &t(&[0.0, 1.0, 0.0, 1.0], &[4]),
            &t(&[1.0, 0.0, 0.0, 1.0], &[4]),
            None,
        )
        .unwrap();
    assert_eq!(v, 50.0);
    // Gradient (p − y)/max((1 − p)p, 1e-12)/4: (−1e12, 1e12, 0, 0)/4, finite as in PyTorch.
    assert!(g.as_slice().iter().all(|v| v.is_finite()), "{g:?}");
    assert_close(g.as_slice()[0] as f64, -0.25e12, 1e-6, "bce grad p=0");
    assert_close(g.as_slice()[1] as f64, 0.25e12, 1e-6, "bce grad p=1");
    assert_eq!(&g.as_slice()[2..], &[0.0, 0.0]);
}

#[test]
fn bce_on_certain_wrong_prediction_is_one_hundred() {
    let v = BinaryCrossEntropy
        .value(&t(&[0.0], &[1, 1]), &t(&[1.0], &[1, 1]), None)
        .unwrap();
    assert_eq!(v, 100.0);
}

// ---------------------------------------------------------------------------------------
// Bad input.
// ---------------------------------------------------------------------------------------

#[test]
fn sparse_labels_outside_zero_to_class_count_are_label_out_of_range() {
    let z = t(&[0.1, 0.2, 0.3, 0.4, 0.5, 0.6], &[2, 3]);
    for bad in [3.0, -1.0, 1.5, f32::NAN, f32::INFINITY] {
        let err = SparseCategoricalCrossEntropy
            .value(&z, &t(&[0.0, bad], &[2]), None)
            .unwrap_err();
        match err {
            Error::LabelOutOfRange {
                row,
                label,
                num_classes,
                ref context,
            } => {
                assert_eq!(row, 1, "label {bad}");
                assert!(
                    label == bad || (label.is_nan() && bad.is_nan()),
                    "label {label} for {bad}"
                );
                assert_eq!(num_classes, 3);
                assert_eq!(context, "sparse_categorical_cross_entropy");
            }
            other => panic!("label {bad}: expected LabelOutOfRange, got {other}"),
        }
    }
}

#[test]
fn wrong_target_shapes_are_shape_mismatch() {
    let pred = Tensor::zeros(&[2, 3]);
    let cases: [(Box<dyn Loss>, Tensor); 5] = [
        (Box::new(MeanSquaredError), Tensor::zeros(&[2, 2])),
        (Box::new(MeanSquaredError), Tensor::zeros(&[2])),
        (Box::new(CategoricalCrossEntropy), Tensor::zeros(&[2])),
        (Box::new(SparseCategoricalCrossEntropy), Tensor::zeros(&[2, 3])),
        (Box::new(KLDivergence), Tensor::full(&[2, 4], 0.25)),
    ];
    for (loss, target) in cases {
        let err = loss.value(&pred, &target, None).unwrap_err();
        assert!(
            matches!(err, Error::ShapeMismatch { .. }),
            "{}: {err}",
            loss.name()
        );
    }
}

#[test]
fn categorical_target_shape_error_names_the_expected_shape() {
    let msg = CategoricalCrossEntropy
        .value(&Tensor::zeros(&[2, 10]), &Tensor::zeros(&[2, 9]), None)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("[*, 10] (one-hot or probabilities, like the logits)"),
        "{msg}"
    );
    assert!(msg.contains("categorical_cross_entropy"), "{msg}");
}

#[test]
fn class_losses_require_one_axis_of_classes() {
    let pred = Tensor::full(&[2, 2, 2], 0.5);
    let target = Tensor::full(&[2, 2, 2], 0.5);
    for loss in [
        by_name("categorical_cross_entropy").unwrap(),
        by_name("kl_divergence").unwrap(),
    ] {
        let err = loss.value(&pred, &target, None).unwrap_err();
        assert!(
            matches!(err, Error::ShapeMismatch { .. }),
            "{}: {err}",
            loss.name()
        );
    }
}

#[test]
fn nan_target_is_non_finite_error() {
    for name in ALL.iter().filter(|n| **n != "sparse_categorical_cross_entropy") {
        let (loss, pred, mut target) = case(name, 37);
        target.as_slice_mut()[1] = f32::NAN;
        let err = loss.value(&pred, &target, None).unwrap_err();
        assert!(matches!(err, Error::NonFinite { .. }), "{name}: {err}");
    }
}

#[test]
fn out_of_range_targets_are_errors_naming_the_row() {
    let p2 = Tensor::full(&[2, 2], 0.5);
    let cases: [(&str, Tensor); 5] = [
        ("binary_cross_entropy", t(&[0.0, 1.0, 1.5, 0.0], &[2, 2])),
        (
            "binary_cross_entropy_with_logits",
            t(&[0.0, 1.0, -0.5, 0.0], &[2, 2]),
        ),
        ("categorical_cross_entropy", t(&[0.0, 1.0, -1.0, 2.0], &[2, 2])),
        ("kl_divergence", t(&[0.5, 0.5, 1.5, -0.5], &[2, 2])),
        ("hinge", t(&[1.0, -1.0, 0.5, 1.0], &[2, 2])),
    ];
    for (name, target) in cases {
        let err = by_name(name).unwrap().value(&p2, &target, None).unwrap_err();
        assert!(matches!(err, Error::InvalidConfig { .. }), "{name}: {err}");
        assert!(err.to_string().contains("row 1, column 0"), "{name}: {err}");
    }
}

#[test]
fn bce_rejects_predictions_outside_zero_one() {
    let y = t(&[1.0, 0.0, 1.0], &[3, 1]);
    for bad in [1.5, -0.1] {
        let p = t(&[0.5, 0.5, bad], &[3, 1]);
        let err = BinaryCrossEntropy.value(&p, &y, None).unwrap_err();
        assert!(matches!(err, Error::InvalidConfig { .. }), "{err}");
        assert!(err.to_string().contains("row 2"), "{err}");
        assert!(BinaryCrossEntropy.value_and_grad(&p, &y, None).is_err());
    }
}

#[test]
fn huber_with_non_positive_delta_is_invalid_config() {
    for delta in [0.0, -1.0, f32::NAN, f32::INFINITY] {
        assert!(
            matches!(Huber::new(delta), Err(Error::InvalidConfig { .. })),
            "delta {delta}"
        );
        let err = Huber { delta }
            .value(&t(&[1.0], &[1, 1]), &t(&[0.0], &[1, 1]), None)
            .unwrap_err();
        assert!(matches!(err, Error::InvalidConfig { .. }), "delta {delta}: {err}");
    }
}

#[test]
fn by_name_rejects_unknown_names_listing_the_known_ones() {
    match by_name("cross_entropy") {
        Err(Error::UnknownName { name, known, .. }) => {
            assert_eq!(name, "cross_entropy");
            for n in ALL {
                assert!(known.contains(n), "{known} lacks {n}");
            }
        }
        other => panic!("expected UnknownName, got {other:?}"),
    }
}

#[test]
fn output_kinds_match_what_each_loss_expects() {
    let expected = [
        OutputKind::Regression,
        OutputKind::Regression,
        OutputKind::Regression,
        OutputKind::BinaryProbability,
        OutputKind::BinaryLogit,
        OutputKind::MultiClassLogits,
        OutputKind::MultiClassLogits,
        OutputKind::MultiClassProbability,
        OutputKind::BinaryMargin,
    ];
    for (name, kind) in ALL.iter().zip(expected) {
        assert_eq!(by_name(name).unwrap().output_kind(), kind, "{name}");
    }
}

#[test]
fn by_name_defaults_huber_delta_to_one() {
    let (loss, pred, target) = case("huber", 41);
    let a = loss.value(&pred, &target, None).unwrap();
    let b = Huber { delta: 1.0 }.value(&pred, &target, None).unwrap();
    assert_eq!(a, b);
}

#[test]
fn samples_without_values_are_empty_input() {
    let err = MeanSquaredError
        .value(&Tensor::zeros(&[2, 0]), &Tensor::zeros(&[2, 0]), None)
        .unwrap_err();
    assert!(matches!(err, Error::EmptyInput { .. }), "{err}");
    let err = CategoricalCrossEntropy
        .value(&Tensor::zeros(&[2, 0]), &Tensor::zeros(&[2, 0]), None)
        .unwrap_err();
    assert!(matches!(err, Error::EmptyInput { .. }), "{err}");
}

#[test]
fn bce_compute_unchecked_on_out_of_range_prediction_gives_nan_without_panicking() {
    // Unvalidated p = 1.5: log1p(−1.5) is NaN, so the formula's NaN comes back.
    let mut grad = Tensor::default();
    let v =
        BinaryCrossEntropy.compute_unchecked(&t(&[1.5], &[1, 1]), &t(&[0.0], &[1, 1]), None, Some(&mut grad));
    assert!(v.is_nan());
    assert_eq!(grad.shape(), &[1, 1]);
}

#[test]
fn sparse_ce_compute_unchecked_on_invalid_label_gives_nan_without_panicking() {
    let z = t(&[0.1, 0.2, 0.3], &[1, 3]);
    for bad in [3.0, -1.0, 1.5, f32::NAN] {
        let mut grad = Tensor::default();
        let v = SparseCategoricalCrossEntropy.compute_unchecked(&z, &t(&[bad], &[1]), None, Some(&mut grad));
        assert!(v.is_nan(), "label {bad}: {v}");
        assert_eq!(grad.shape(), &[1, 3]);
    }
}
