//! Layer specifications: Dense, Flatten, BatchNorm and Dropout.
//!
//! Gradients are checked against central finite differences with
//! `trustnn::gradcheck::check_layer` at the tolerances of [`cfg`]: step `1e-2·max(1, |v|)`,
//! and an element passes when `|analytic − numeric| ≤ 1e-4 + 1e-3·max(|analytic|, |numeric|)`.
//! Forward values and hand-derived gradients are compared with expectations computed in f64
//! from the documented formulas, at `|actual − expected| ≤ 1e-6·max(1, |expected|)` unless a
//! test says otherwise.

use rand::Rng as _;
use trustnn::gradcheck::{GradCheckConfig, GradCheckReport, check_layer};
use trustnn::init::Initializer;
use trustnn::layer::{BatchNorm, Dense, Dropout, Flatten, Layer, Mode, ParamKind};
use trustnn::regularizer::{ElasticNet, L1, L2, Regularizer};
use trustnn::{Error, Tensor, rng};

/// Gradient-check settings used throughout (see the module docs).
fn cfg() -> GradCheckConfig {
    GradCheckConfig {
        step: 1e-2,
        rtol: 1e-3,
        atol: 1e-4,
        seed: 11,
    }
}

/// A tensor of `shape` with values uniform in `[low, high)`, from `seed`.
fn uniform(shape: &[usize], low: f32, high: f32, seed: u64) -> Tensor {
    let mut r = rng::seeded(seed);
    let n = shape.iter().product();
    let data = (0..n).map(|_| r.random_range(low..high)).collect();
    Tensor::from_vec(data, shape).unwrap()
}

fn assert_passed(report: &GradCheckReport, expected_checked: usize) {
    assert!(report.passed(), "{report}");
    assert_eq!(report.checked, expected_checked, "{report}");
}

/// `|actual − expected| ≤ tol·max(1, |expected|)` elementwise.
fn assert_close(actual: &[f32], expected: &[f64], tol: f64) {
    assert_eq!(actual.len(), expected.len());
    for (i, (&a, &e)) in actual.iter().zip(expected).enumerate() {
        let err = (a as f64 - e).abs();
        assert!(
            err <= tol * e.abs().max(1.0),
            "index {i}: actual {a}, expected {e}, error {err:e}"
        );
    }
}

fn f64s(t: &Tensor) -> Vec<f64> {
    t.as_slice().iter().map(|&v| v as f64).collect()
}

// ---------------------------------------------------------------------------------------
// Dense

fn built_dense(layer: Dense) -> Dense {
    let mut layer = layer.named("hidden");
    layer.build(&[5], &mut rng::seeded(3)).unwrap();
    layer
}

#[test]
fn dense_gradients_match_finite_differences() {
    let mut d = built_dense(Dense::new(5, 3).bias_init(Initializer::Uniform { low: -0.5, high: 0.5 }));
    let x = uniform(&[4, 5], -1.0, 1.0, 1);
    let report = check_layer(&mut d, &x, Mode::Train, &cfg()).unwrap();
    assert_passed(&report, 4 * 5 + 5 * 3 + 3);
}

#[test]
fn dense_without_bias_gradients_match_finite_differences() {
    let mut d = built_dense(Dense::new(5, 3).without_bias());
    assert_eq!(d.params().len(), 1);
    let x = uniform(&[4, 5], -1.0, 1.0, 2);
    let report = check_layer(&mut d, &x, Mode::Train, &cfg()).unwrap();
    assert_passed(&report, 4 * 5 + 5 * 3);
}

/// For a regularized Dense layer: (1) after one backward of `r`, the weight gradient equals
/// `xᵀ·r + reg_grad(W)` with `reg_grad` written out by hand in f64; (2) the weight and bias
/// gradients match central differences of the full objective `Σ r ⊙ y + penalty(W)`
/// (`check_layer`'s objective leaves the penalty out, so this is done here, with the same
/// step and tolerances as [`cfg`]).
fn check_regularized_dense(reg: impl Regularizer + 'static, reg_grad: impl Fn(f64) -> f64) {
    let mut d = built_dense(
        Dense::new(5, 3)
            .weight_init(Initializer::Uniform { low: 0.2, high: 1.0 })
            .regularizer(reg),
    );
    let x = uniform(&[4, 5], -1.0, 1.0, 4);
    let r = uniform(&[4, 3], -1.0, 1.0, 5);
    d.forward(&x, Mode::Train).unwrap();
    d.backward(&r).unwrap();

    // (1) By hand.
    let w = d.weight().unwrap().clone();
    let mut expected = vec![0f64; 5 * 3];
    for i in 0..5 {
        for j in 0..3 {
            let xr: f64 = (0..4)
                .map(|n| x.as_slice()[n * 5 + i] as f64 * r.as_slice()[n * 3 + j] as f64)
                .sum();
            expected[i * 3 + j] = xr + reg_grad(w.as_slice()[i * 3 + j] as f64);
        }
    }
    assert_close(d.params()[0].grad().as_slice(), &expected, 1e-6);

    // (2) Finite differences of the penalized objective.
    let c = cfg();
    let objective = |d: &mut Dense| -> f64 {
        let y = d.forward(&x, Mode::Train).unwrap();
        let dot: f64 = y
            .as_slice()
            .iter()
            .zip(r.as_slice())
            .map(|(&a, &b)| a as f64 * b as f64)
            .sum();
        dot + d.penalty() as f64
    };
    for p in 0..d.params().len() {
        let grad = d.params()[p].grad().clone();
        for i in 0..grad.len() {
            let v = d.params()[p].value().as_slice()[i];
            let h = c.step * v.abs().max(1.0);
            d.params_mut()[p].value_mut().as_slice_mut()[i] = v + h;
            let (up, up_v) = (objective(&mut d), d.params()[p].value().as_slice()[i]);
            d.params_mut()[p].value_mut().as_slice_mut()[i] = v - h;
            let (down, down_v) = (objective(&mut d), d.params()[p].value().as_slice()[i]);
            d.params_mut()[p].value_mut().as_slice_mut()[i] = v;
            let numeric = (up - down) / (up_v as f64 - down_v as f64);
            let analytic = grad.as_slice()[i] as f64;
            let err = (analytic - numeric).abs();
            assert!(
                err <= c.atol + c.rtol * analytic.abs().max(numeric.abs()),
                "{}[{i}]: analytic {analytic}, numeric {numeric}",
                d.params()[p].name()
            );
        }
    }
}

#[test]
fn dense_l2_adds_two_lambda_w_to_the_weight_gradient() {
    let lambda = 0.05;
    check_regularized_dense(L2(lambda), |w| 2.0 * lambda as f64 * w);
}

#[test]
fn dense_l1_adds_lambda_sign_w_to_the_weight_gradient() {
    // Weights are drawn from [0.2, 1.0), away from the kink at 0.
    let lambda = 0.1;
    check_regularized_dense(L1(lambda), |w| lambda as f64 * w.signum());
}

#[test]
fn dense_elastic_net_adds_both_terms_to_the_weight_gradient() {
    let (l1, l2) = (0.1, 0.05);
    check_regularized_dense(ElasticNet::new(l1, l2), |w| {
        l1 as f64 * w.signum() + 2.0 * l2 as f64 * w
    });
}

#[test]
fn dense_forward_is_x_times_w_plus_b() {
    let mut d = built_dense(Dense::new(5, 3).bias_init(Initializer::Uniform { low: -0.5, high: 0.5 }));
    let x = uniform(&[4, 5], -2.0, 2.0, 6);
    let y = d.forward(&x, Mode::Eval).unwrap().clone();
    let (w, b) = (d.weight().unwrap(), d.bias().unwrap());
    let mut expected = vec![0f64; 4 * 3];
    for n in 0..4 {
        for j in 0..3 {
            expected[n * 3 + j] = b.as_slice()[j] as f64
                + (0..5)
                    .map(|i| x.as_slice()[n * 5 + i] as f64 * w.as_slice()[i * 3 + j] as f64)
                    .sum::<f64>();
        }
    }
    assert_eq!(y.shape(), &[4, 3]);
    assert_close(y.as_slice(), &expected, 1e-6);
}

#[test]
fn dense_forward_before_build_is_not_ready() {
    let mut d = Dense::new(5, 3);
    let err = d.forward(&Tensor::zeros(&[2, 5]), Mode::Eval).unwrap_err();
    assert!(matches!(err, Error::NotReady(_)), "{err}");
}

#[test]
fn dense_wrong_input_width_is_a_shape_mismatch_naming_the_layer() {
    let mut d = built_dense(Dense::new(5, 3));
    let err = d.forward(&Tensor::zeros(&[2, 4]), Mode::Eval).unwrap_err();
    match err {
        Error::ShapeMismatch {
            context,
            expected,
            actual,
        } => {
            assert!(context.contains("hidden"), "{context}");
            assert_eq!(expected, "[*, 5]");
            assert_eq!(actual, vec![2, 4]);
        }
        other => panic!("expected ShapeMismatch, got {other}"),
    }
}

#[test]
fn dense_empty_batch_is_empty_input() {
    let mut d = built_dense(Dense::new(5, 3));
    let err = d.forward(&Tensor::zeros(&[0, 5]), Mode::Eval).unwrap_err();
    assert!(matches!(err, Error::EmptyInput { .. }), "{err}");
}

#[test]
fn dense_backward_with_wrong_gradient_shape_is_a_shape_mismatch() {
    let mut d = built_dense(Dense::new(5, 3));
    d.forward(&Tensor::zeros(&[2, 5]), Mode::Train).unwrap();
    let err = d.backward(&Tensor::zeros(&[2, 4])).unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
    let err = d.backward(&Tensor::zeros(&[3, 3])).unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
}

#[test]
fn dense_with_zero_inputs_fails_to_build() {
    let err = Dense::new(0, 3).build(&[0], &mut rng::seeded(0)).unwrap_err();
    assert!(matches!(err, Error::InvalidConfig { .. }), "{err}");
}

// ---------------------------------------------------------------------------------------
// Flatten

#[test]
fn flatten_round_trips_shapes_and_values() {
    let mut f = Flatten::new();
    assert_eq!(f.build(&[3, 4], &mut rng::seeded(0)).unwrap(), vec![12usize]);
    let x = uniform(&[2, 3, 4], -1.0, 1.0, 7);
    let y = f.forward(&x, Mode::Train).unwrap();
    assert_eq!(y.shape(), &[2, 12]);
    assert_eq!(y.as_slice(), x.as_slice());
    let g = uniform(&[2, 12], -1.0, 1.0, 8);
    let dx = f.backward(&g).unwrap();
    assert_eq!(dx.shape(), &[2, 3, 4]);
    assert_eq!(dx.as_slice(), g.as_slice());
}

#[test]
fn flatten_gradients_match_finite_differences() {
    let mut f = Flatten::new();
    f.build(&[3, 4], &mut rng::seeded(0)).unwrap();
    let x = uniform(&[2, 3, 4], -1.0, 1.0, 9);
    let report = check_layer(&mut f, &x, Mode::Train, &cfg()).unwrap();
    assert_passed(&report, 24);
}

// ---------------------------------------------------------------------------------------
// BatchNorm

const EPS: f64 = 1e-5;

/// A built `BatchNorm(4)` named `bn`, with `γ` and `β` set to non-trivial values.
fn built_batch_norm() -> BatchNorm {
    let mut bn = BatchNorm::new(4).named("bn");
    bn.build(&[4], &mut rng::seeded(0)).unwrap();
    let gamma = uniform(&[4], 0.5, 2.0, 20);
    let beta = uniform(&[4], -1.0, 1.0, 21);
    bn.params_mut()[0].value_mut().assign(&gamma);
    bn.params_mut()[1].value_mut().assign(&beta);
    bn
}

/// A `[6, 4]` batch whose features have different means and scales.
fn bn_input(seed: u64) -> Tensor {
    let mut x = uniform(&[6, 4], -1.0, 1.0, seed);
    let (shift, scale) = ([0.5f32, -1.0, 1.5, 0.0], [1.5f32, 1.0, 2.0, 3.0]);
    for row in x.as_slice_mut().chunks_exact_mut(4) {
        for ((v, &m), &s) in row.iter_mut().zip(&shift).zip(&scale) {
            *v = *v * s + m;
        }
    }
    x
}

/// Per-feature (mean, biased variance, unbiased variance) of a `[N, F]` tensor, in f64.
fn column_stats(x: &Tensor) -> Vec<(f64, f64, f64)> {
    let (n, f) = (x.batch_size(), x.sample_size());
    (0..f)
        .map(|j| {
            let col: Vec<f64> = (0..n).map(|i| x.as_slice()[i * f + j] as f64).collect();
            let mean = col.iter().sum::<f64>() / n as f64;
            let ss: f64 = col.iter().map(|v| (v - mean).powi(2)).sum();
            (mean, ss / n as f64, ss / (n as f64 - 1.0))
        })
        .collect()
}

/// `γ·(x − μ)/√(σ² + eps) + β` per feature, in f64.
fn affine_normalize(x: &Tensor, mean: &[f64], var: &[f64], gamma: &[f32], beta: &[f32]) -> Vec<f64> {
    let f = x.sample_size();
    x.as_slice()
        .iter()
        .enumerate()
        .map(|(k, &v)| {
            let j = k % f;
            gamma[j] as f64 * (v as f64 - mean[j]) / (var[j] + EPS).sqrt() + beta[j] as f64
        })
        .collect()
}

#[test]
fn batch_norm_train_gradients_match_finite_differences() {
    let mut bn = built_batch_norm();
    let x = bn_input(30);
    let report = check_layer(&mut bn, &x, Mode::Train, &cfg()).unwrap();
    assert_passed(&report, 24 + 4 + 4);
}

#[test]
fn batch_norm_eval_gradients_match_finite_differences() {
    let mut bn = built_batch_norm();
    for seed in 31..34 {
        bn.forward(&bn_input(seed), Mode::Train).unwrap();
    }
    let rv = bn.running_var().unwrap().as_slice();
    assert!(
        rv.iter().all(|&v| v != 1.0),
        "running stats still trivial: {rv:?}"
    );
    let x = bn_input(34);
    let report = check_layer(&mut bn, &x, Mode::Eval, &cfg()).unwrap();
    assert_passed(&report, 24 + 4 + 4);
}

#[test]
fn batch_norm_without_affine_gradients_match_finite_differences() {
    let mut bn = BatchNorm::new(4).affine(false);
    bn.build(&[4], &mut rng::seeded(0)).unwrap();
    assert!(bn.weight().is_none() && bn.bias().is_none());
    let report = check_layer(&mut bn, &bn_input(35), Mode::Train, &cfg()).unwrap();
    assert_passed(&report, 24);
}

#[test]
fn batch_norm_train_forward_normalizes_with_the_biased_batch_variance() {
    let mut bn = built_batch_norm();
    let x = bn_input(40);
    let y = bn.forward(&x, Mode::Train).unwrap().clone();
    let stats = column_stats(&x);
    let mean: Vec<f64> = stats.iter().map(|s| s.0).collect();
    let biased: Vec<f64> = stats.iter().map(|s| s.1).collect();
    let expected = affine_normalize(
        &x,
        &mean,
        &biased,
        bn.weight().unwrap().as_slice(),
        bn.bias().unwrap().as_slice(),
    );
    assert_close(y.as_slice(), &expected, 1e-6);
}

#[test]
fn batch_norm_running_stats_follow_torch_momentum_with_the_unbiased_variance() {
    let mut bn = built_batch_norm();
    let x = bn_input(41);
    bn.forward(&x, Mode::Train).unwrap();
    let stats = column_stats(&x);
    let mean: Vec<f64> = stats.iter().map(|s| 0.9 * 0.0 + 0.1 * s.0).collect();
    let var: Vec<f64> = stats.iter().map(|s| 0.9 * 1.0 + 0.1 * s.2).collect();
    assert_close(bn.running_mean().unwrap().as_slice(), &mean, 1e-6);
    assert_close(bn.running_var().unwrap().as_slice(), &var, 1e-6);
}

#[test]
fn batch_norm_eval_normalizes_with_the_running_statistics() {
    let mut bn = built_batch_norm();
    let (rm, rv) = ([0.5f32, -1.0, 2.0, 0.0], [4.0f32, 0.25, 1.0, 9.0]);
    bn.params_mut()[2].value_mut().as_slice_mut().copy_from_slice(&rm);
    bn.params_mut()[3].value_mut().as_slice_mut().copy_from_slice(&rv);
    let x = bn_input(42);
    let y = bn.forward(&x, Mode::Eval).unwrap().clone();
    let mean: Vec<f64> = rm.iter().map(|&v| v as f64).collect();
    let var: Vec<f64> = rv.iter().map(|&v| v as f64).collect();
    let expected = affine_normalize(
        &x,
        &mean,
        &var,
        bn.weight().unwrap().as_slice(),
        bn.bias().unwrap().as_slice(),
    );
    assert_close(y.as_slice(), &expected, 1e-6);
}

#[test]
fn batch_norm_eval_forward_leaves_the_running_statistics_unchanged() {
    let mut bn = built_batch_norm();
    bn.forward(&bn_input(43), Mode::Train).unwrap();
    let (rm, rv) = (
        bn.running_mean().unwrap().clone(),
        bn.running_var().unwrap().clone(),
    );
    bn.forward(&bn_input(44), Mode::Eval).unwrap();
    assert_eq!(bn.running_mean().unwrap(), &rm);
    assert_eq!(bn.running_var().unwrap(), &rv);
}

#[test]
fn batch_norm_backward_accumulates_parameter_gradients() {
    let mut bn = built_batch_norm();
    let x = bn_input(45);
    let g = uniform(&[6, 4], -1.0, 1.0, 46);
    bn.forward(&x, Mode::Train).unwrap();
    bn.backward(&g).unwrap();
    let once: Vec<Tensor> = bn.params()[..2].iter().map(|p| p.grad().clone()).collect();
    bn.backward(&g).unwrap();
    for (p, once) in bn.params()[..2].iter().zip(&once) {
        let twice: Vec<f64> = f64s(once).iter().map(|v| 2.0 * v).collect();
        assert_close(p.grad().as_slice(), &twice, 1e-6);
    }
    // dβ = Σ_rows G, checked by hand.
    let db: Vec<f64> = (0..4)
        .map(|j| 2.0 * (0..6).map(|i| g.as_slice()[i * 4 + j] as f64).sum::<f64>())
        .collect();
    assert_close(bn.params()[1].grad().as_slice(), &db, 1e-6);
}

#[test]
fn batch_norm_train_batch_of_one_is_an_error() {
    let mut bn = built_batch_norm();
    let err = bn.forward(&Tensor::zeros(&[1, 4]), Mode::Train).unwrap_err();
    match err {
        Error::ShapeMismatch { context, .. } => assert!(context.contains("bn"), "{context}"),
        other => panic!("expected ShapeMismatch, got {other}"),
    }
}

#[test]
fn batch_norm_eval_accepts_a_batch_of_one() {
    let mut bn = built_batch_norm();
    let y = bn.forward(&Tensor::zeros(&[1, 4]), Mode::Eval).unwrap();
    assert_eq!(y.shape(), &[1, 4]);
}

#[test]
fn batch_norm_wrong_width_is_a_shape_mismatch_naming_the_layer() {
    let mut bn = built_batch_norm();
    let err = bn.forward(&Tensor::zeros(&[3, 5]), Mode::Train).unwrap_err();
    match err {
        Error::ShapeMismatch {
            context, expected, ..
        } => {
            assert!(context.contains("bn"), "{context}");
            assert_eq!(expected, "[*, 4]");
        }
        other => panic!("expected ShapeMismatch, got {other}"),
    }
    let err = bn.build(&[5], &mut rng::seeded(0)).unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
}

#[test]
fn batch_norm_invalid_momentum_or_eps_fails_to_build() {
    let build = |mut bn: BatchNorm| bn.build(&[4], &mut rng::seeded(0)).map(|_| ());
    for m in [-0.1f32, 1.1, f32::NAN, f32::INFINITY] {
        match build(BatchNorm::new(4).momentum(m)) {
            Err(Error::InvalidConfig { param, .. }) => assert_eq!(param, "BatchNorm.momentum"),
            other => panic!("momentum {m}: expected InvalidConfig, got {other:?}"),
        }
    }
    for e in [0.0f32, -1e-5, f32::NAN, f32::INFINITY] {
        match build(BatchNorm::new(4).eps(e)) {
            Err(Error::InvalidConfig { param, .. }) => assert_eq!(param, "BatchNorm.eps"),
            other => panic!("eps {e}: expected InvalidConfig, got {other:?}"),
        }
    }
    match build(BatchNorm::new(0)) {
        Err(Error::InvalidConfig { param, .. }) => assert_eq!(param, "BatchNorm.num_features"),
        other => panic!("0 features: expected InvalidConfig, got {other:?}"),
    }
    // The bounds of momentum are valid.
    assert!(build(BatchNorm::new(4).momentum(0.0)).is_ok());
    assert!(build(BatchNorm::new(4).momentum(1.0)).is_ok());
}

#[test]
fn batch_norm_buffers_are_non_trainable_params() {
    let bn = built_batch_norm();
    let got: Vec<(&str, ParamKind, bool)> = bn
        .params()
        .iter()
        .map(|p| (p.name(), p.kind(), p.is_trainable()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("bn.weight", ParamKind::Weight, true),
            ("bn.bias", ParamKind::Bias, true),
            ("bn.running_mean", ParamKind::Buffer, false),
            ("bn.running_var", ParamKind::Buffer, false),
        ]
    );
    assert_eq!(bn.num_params(), 8);
    let fresh = {
        let mut b = BatchNorm::new(4);
        b.build(&[4], &mut rng::seeded(0)).unwrap();
        b
    };
    assert_eq!(fresh.weight().unwrap().as_slice(), &[1.0; 4]);
    assert_eq!(fresh.bias().unwrap().as_slice(), &[0.0; 4]);
    assert_eq!(fresh.running_mean().unwrap().as_slice(), &[0.0; 4]);
    assert_eq!(fresh.running_var().unwrap().as_slice(), &[1.0; 4]);
}

#[test]
fn batch_norm_reuses_its_buffers_once_warm() {
    let mut bn = built_batch_norm();
    let (x, g) = (bn_input(47), uniform(&[6, 4], -1.0, 1.0, 48));
    bn.forward(&x, Mode::Train).unwrap();
    bn.backward(&g).unwrap();
    let y_ptr = bn.forward(&x, Mode::Train).unwrap().as_slice().as_ptr();
    let dx_ptr = bn.backward(&g).unwrap().as_slice().as_ptr();
    assert_eq!(bn.forward(&x, Mode::Train).unwrap().as_slice().as_ptr(), y_ptr);
    assert_eq!(bn.backward(&g).unwrap().as_slice().as_ptr(), dx_ptr);
}

// ---------------------------------------------------------------------------------------
// Dropout

fn built_dropout(rate: f32, seed: u64) -> Dropout {
    let mut d = Dropout::new(rate).named("drop");
    d.build(&[1000], &mut rng::seeded(seed)).unwrap();
    d
}

#[test]
fn dropout_eval_is_the_identity() {
    let mut d = built_dropout(0.5, 0);
    let x = uniform(&[4, 1000], -1.0, 1.0, 50);
    assert_eq!(d.forward(&x, Mode::Eval).unwrap(), &x);
    let g = uniform(&[4, 1000], -1.0, 1.0, 51);
    assert_eq!(d.backward(&g).unwrap(), &g);
}

#[test]
fn dropout_train_keeps_one_minus_p_of_values_scaled_by_one_over_one_minus_p() {
    let p = 0.3f32;
    let mut d = built_dropout(p, 0);
    let x = uniform(&[100, 1000], 0.5, 1.5, 52);
    let y = d.forward(&x, Mode::Train).unwrap();
    let scale = 1.0f32 / (1.0 - p);
    let mut kept = 0usize;
    for (&yv, &xv) in y.as_slice().iter().zip(x.as_slice()) {
        if yv != 0.0 {
            kept += 1;
            assert_eq!(yv, xv * scale);
        }
    }
    let fraction = kept as f64 / 100_000.0;
    assert!((fraction - 0.7).abs() <= 0.01, "kept fraction {fraction}");
}

#[test]
fn dropout_backward_multiplies_by_the_forward_mask() {
    let mut d = built_dropout(0.4, 1);
    let mask = d
        .forward(&Tensor::full(&[8, 1000], 1.0), Mode::Train)
        .unwrap()
        .clone();
    assert!(mask.as_slice().contains(&0.0));
    let g = uniform(&[8, 1000], -1.0, 1.0, 53);
    let dx = d.backward(&g).unwrap();
    let expected: Vec<f32> = g
        .as_slice()
        .iter()
        .zip(mask.as_slice())
        .map(|(a, b)| a * b)
        .collect();
    assert_eq!(dx.as_slice(), &expected[..]);
}

#[test]
fn dropout_rate_zero_is_the_identity_in_training() {
    let mut d = built_dropout(0.0, 0);
    let x = uniform(&[4, 1000], -1.0, 1.0, 54);
    assert_eq!(d.forward(&x, Mode::Train).unwrap(), &x);
    let g = uniform(&[4, 1000], -1.0, 1.0, 55);
    assert_eq!(d.backward(&g).unwrap(), &g);
}

#[test]
fn dropout_rate_outside_zero_to_one_fails_to_build() {
    for (rate, shown) in [(1.0f32, "1"), (-0.1, "-0.1"), (f32::NAN, "NaN")] {
        match Dropout::new(rate).build(&[4], &mut rng::seeded(0)) {
            Err(Error::InvalidConfig { param, value, .. }) => {
                assert_eq!(param, "Dropout.rate");
                assert_eq!(value, shown);
            }
            other => panic!("rate {rate}: expected InvalidConfig, got {other:?}"),
        }
    }
}

#[test]
fn dropout_forward_before_build_is_not_ready() {
    let err = Dropout::new(0.5)
        .forward(&Tensor::zeros(&[2, 3]), Mode::Train)
        .unwrap_err();
    assert!(matches!(err, Error::NotReady(_)), "{err}");
}

#[test]
fn dropout_masks_are_determined_by_the_seed() {
    let x = Tensor::full(&[4, 1000], 1.0);
    let mask = |seed| built_dropout(0.5, seed).forward(&x, Mode::Train).unwrap().clone();
    assert_eq!(mask(7), mask(7));
    assert_ne!(mask(7), mask(8));
}

#[test]
fn dropout_draws_a_fresh_mask_at_each_training_forward() {
    let mut d = built_dropout(0.5, 2);
    let x = Tensor::full(&[4, 1000], 1.0);
    let first = d.forward(&x, Mode::Train).unwrap().clone();
    let second = d.forward(&x, Mode::Train).unwrap().clone();
    assert_ne!(first, second);
}

#[test]
fn dropout_backward_with_wrong_gradient_shape_is_a_shape_mismatch() {
    let mut d = built_dropout(0.5, 0);
    d.forward(&Tensor::zeros(&[2, 1000]), Mode::Train).unwrap();
    let err = d.backward(&Tensor::zeros(&[2, 999])).unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
}

#[test]
fn dense_infer_equals_eval_forward_and_refuses_a_following_backward() {
    let mut d = Dense::new(3, 2);
    d.set_name("dense_1");
    d.build(&[3], &mut trustnn::rng::seeded(1)).unwrap();
    let x = Tensor::from_rows(&[[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]]).unwrap();
    let eval = d.forward(&x, Mode::Eval).unwrap().clone();
    let inferred = d.infer(&x).unwrap().clone();
    assert_eq!(eval, inferred);
    let g = Tensor::from_rows(&[[1.0, 0.0], [0.0, 1.0]]).unwrap();
    let err = d.backward(&g).unwrap_err();
    assert!(matches!(err, Error::NotReady(_)), "{err}");
    assert!(err.to_string().contains("dense_1"), "{err}");
    // A forward pass makes backward possible again.
    d.forward(&x, Mode::Train).unwrap();
    assert!(d.backward(&g).is_ok());
}

#[test]
fn dense_backward_input_is_backward_without_the_weight_gradient() {
    let mut d = Dense::new(3, 2);
    d.set_name("dense_1");
    d.build(&[3], &mut trustnn::rng::seeded(2)).unwrap();
    let x = Tensor::from_rows(&[[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]]).unwrap();
    let g = Tensor::from_rows(&[[0.5, -1.0], [2.0, 0.25]]).unwrap();
    d.forward(&x, Mode::Train).unwrap();
    d.zero_grad();
    let dx = d.backward_input(&g).unwrap().clone();
    assert!(
        d.params()
            .iter()
            .all(|p| p.grad().as_slice().iter().all(|&v| v == 0.0))
    );
    let full = d.backward(&g).unwrap().clone();
    assert_eq!(dx, full);
    let bad = Tensor::from_rows(&[[1.0, 2.0, 3.0]]).unwrap();
    assert!(matches!(d.backward_input(&bad), Err(Error::ShapeMismatch { .. })));
}
