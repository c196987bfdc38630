//! Whole-model behaviour: gradient checks end to end, learning, determinism, the training
//! loop's bookkeeping, and bad input answered with errors.

use trustnn::gradcheck::{GradCheckConfig, check_model};
use trustnn::prelude::*;

fn xor() -> (Tensor, Tensor) {
    (
        Tensor::from_rows(&[[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]).unwrap(),
        Tensor::from_vec(vec![0.0, 1.0, 1.0, 0.0], &[4, 1]).unwrap(),
    )
}

/// Three Gaussian blobs in 4-d, `n` per class; labels [3n].
fn blobs(n: usize, seed: u64) -> (Tensor, Tensor) {
    use rand_distr::{Distribution, Normal};
    let mut rng = trustnn::rng::seeded(seed);
    let noise = Normal::new(0.0f32, 0.5).unwrap();
    let centers = [[2.0, 0.0, 0.0, 1.0], [0.0, 2.0, 1.0, 0.0], [-2.0, -2.0, 0.0, 0.0]];
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for i in 0..3 * n {
        let c = i % 3;
        for &m in &centers[c] {
            xs.push(m + noise.sample(&mut rng));
        }
        ys.push(c as f32);
    }
    (
        Tensor::from_vec(xs, &[3 * n, 4]).unwrap(),
        Tensor::from_vec(ys, &[3 * n]).unwrap(),
    )
}

fn small_batch(rows: usize, cols: usize, seed: u64) -> Tensor {
    use rand::Rng as _;
    let mut rng = trustnn::rng::seeded(seed);
    let v = (0..rows * cols).map(|_| rng.random_range(-1.5f32..1.5)).collect();
    Tensor::from_vec(v, &[rows, cols]).unwrap()
}

fn assert_passes(report: &trustnn::gradcheck::GradCheckReport, what: &str) {
    assert!(report.passed(), "{what}: {report}");
}

// Tolerance for whole-model checks: step 1e-2 (relative), |a - n| <= 1e-4 + 2e-3·max(|a|,|n|).
// The objective is the f32 batch-mean loss, so rounding contributes ~1e-7·L / 2h ≈ 5e-6·L.
fn model_cfg() -> GradCheckConfig {
    GradCheckConfig {
        rtol: 2e-3,
        ..GradCheckConfig::default()
    }
}

#[test]
fn mlp_with_softmax_cross_entropy_and_l2_passes_gradient_check() {
    let mut model = Sequential::new()
        .seed(3)
        .add(Dense::new(4, 6).regularizer(L2(0.01)))
        .add(ActivationLayer::new(Tanh))
        .add(Dense::new(6, 5).regularizer(ElasticNet::new(0.0, 0.02)))
        .add(ActivationLayer::new(Sigmoid))
        .add(Dense::new(5, 3));
    model
        .compile(SparseCategoricalCrossEntropy, Sgd::new(0.1))
        .unwrap();
    let x = small_batch(5, 4, 1);
    let y = Tensor::from_vec(vec![0.0, 2.0, 1.0, 1.0, 0.0], &[5]).unwrap();
    let r = check_model(&mut model, &x, &y, Mode::Train, &model_cfg()).unwrap();
    assert_passes(&r, "mlp + sparse CE + L2");
    assert_eq!(r.checked, 5 * 4 + (4 * 6 + 6) + (6 * 5 + 5) + (5 * 3 + 3));
}

#[test]
fn regression_mlp_with_batchnorm_passes_gradient_check_in_both_modes() {
    let mut model = Sequential::new()
        .seed(5)
        .add(Dense::new(3, 4))
        .add(BatchNorm::new(4))
        .add(ActivationLayer::new(Elu::default()))
        .add(Dense::new(4, 2));
    model.compile(MeanSquaredError, Adam::new(0.01)).unwrap();
    let x = small_batch(6, 3, 2);
    let y = small_batch(6, 2, 3);
    assert_passes(
        &check_model(&mut model, &x, &y, Mode::Train, &model_cfg()).unwrap(),
        "train",
    );
    // A few training steps make the running statistics non-trivial for eval mode.
    for _ in 0..3 {
        model.train_step(&x, &y, None).unwrap();
    }
    assert_passes(
        &check_model(&mut model, &x, &y, Mode::Eval, &model_cfg()).unwrap(),
        "eval",
    );
}

#[test]
fn binary_logit_model_with_flatten_passes_gradient_check() {
    let mut model = Sequential::new()
        .seed(9)
        .input_shape(&[2, 3])
        .add(Flatten::new())
        .add(Dense::new(6, 4))
        .add(ActivationLayer::new(Gelu::default()))
        .add(Dense::new(4, 1));
    model
        .compile(BinaryCrossEntropyWithLogits, Sgd::new(0.1))
        .unwrap();
    let x = small_batch(3, 6, 4).reshape(&[3, 2, 3]).unwrap();
    let y = Tensor::from_vec(vec![1.0, 0.0, 1.0], &[3, 1]).unwrap();
    assert_passes(
        &check_model(&mut model, &x, &y, Mode::Eval, &model_cfg()).unwrap(),
        "flatten + BCE",
    );
}

#[test]
fn xor_is_learned_from_a_fixed_seed() {
    let (x, y) = xor();
    let mut model = Sequential::new()
        .seed(3)
        .add(Dense::new(2, 3))
        .add(ActivationLayer::new(Tanh))
        .add(Dense::new(3, 1));
    model
        .compile(BinaryCrossEntropyWithLogits, Sgd::new(0.5))
        .unwrap();
    let h = model
        .fit(&x, &y, &FitConfig::new().epochs(2000).batch_size(4))
        .unwrap();
    assert_eq!(model.predict_classes(&x).unwrap(), vec![0, 1, 1, 0]);
    assert!(h.last("loss").unwrap() < 0.05, "final loss {:?}", h.last("loss"));
}

#[test]
fn three_blobs_reach_high_test_accuracy() {
    let (x, y) = blobs(100, 1);
    let (xt, yt) = blobs(50, 2);
    let mut model = Sequential::new()
        .seed(11)
        .add(Dense::new(4, 16))
        .add(ActivationLayer::new(Relu))
        .add(Dense::new(16, 3));
    model
        .compile(SparseCategoricalCrossEntropy, Adam::new(0.01))
        .unwrap();
    let cfg = FitConfig::new()
        .epochs(30)
        .batch_size(16)
        .metrics(&[Metric::Accuracy]);
    let h = model.fit(&x, &y, &cfg).unwrap();
    let acc = model
        .evaluate(&xt, &yt, &[Metric::Accuracy])
        .unwrap()
        .metric(Metric::Accuracy)
        .unwrap();
    assert!(acc >= 0.95, "test accuracy {acc}");
    assert!(h.get("loss").unwrap()[29] < h.get("loss").unwrap()[0]);
}

fn trained_weights(seed: u64) -> Vec<(String, Tensor)> {
    let (x, y) = blobs(30, 1);
    let mut model = Sequential::new()
        .seed(seed)
        .add(Dense::new(4, 8))
        .add(ActivationLayer::new(Relu))
        .add(Dropout::new(0.3))
        .add(Dense::new(8, 3));
    model
        .compile(SparseCategoricalCrossEntropy, Adam::new(0.01))
        .unwrap();
    model
        .fit(&x, &y, &FitConfig::new().epochs(3).batch_size(8))
        .unwrap();
    model.state_dict().into_iter().collect()
}

#[test]
fn same_seed_gives_bit_identical_weights_after_training() {
    let a = trained_weights(21);
    let b = trained_weights(21);
    assert_eq!(a.len(), b.len());
    for ((na, ta), (nb, tb)) in a.iter().zip(&b) {
        assert_eq!(na, nb);
        let bits_a: Vec<u32> = ta.as_slice().iter().map(|v| v.to_bits()).collect();
        let bits_b: Vec<u32> = tb.as_slice().iter().map(|v| v.to_bits()).collect();
        assert_eq!(bits_a, bits_b, "{na} differs");
    }
    assert_ne!(
        a,
        trained_weights(22),
        "a different seed should give different weights"
    );
}

#[test]
fn one_sgd_step_matches_hand_computation() {
    // y = x·W + b, MSE; dL/dW = 2/(N·out) · xᵀ(ŷ − y), W' = W − lr·dL/dW.
    let mut model = Sequential::new().seed(0).add(Dense::new(2, 1));
    model.compile(MeanSquaredError, Sgd::new(0.1)).unwrap();
    model
        .set_param(
            "dense.weight",
            &Tensor::from_vec(vec![0.5, -0.25], &[2, 1]).unwrap(),
        )
        .unwrap();
    model
        .set_param("dense.bias", &Tensor::from_vec(vec![0.1], &[1]).unwrap())
        .unwrap();
    let x = Tensor::from_rows(&[[1.0, 2.0], [3.0, -1.0]]).unwrap();
    let y = Tensor::from_vec(vec![1.0, 0.0], &[2, 1]).unwrap();
    let loss = model.train_step(&x, &y, None).unwrap();
    // ŷ = [0.5 - 0.5 + 0.1, 1.5 + 0.25 + 0.1] = [0.1, 1.85]; residuals r = [-0.9, 1.85]
    let r = [-0.9f64, 1.85];
    let expected_loss = (r[0] * r[0] + r[1] * r[1]) / 2.0;
    assert!((loss as f64 - expected_loss).abs() < 1e-6);
    let gw = [(r[0] * 1.0 + r[1] * 3.0), (r[0] * 2.0 - r[1])]; // xᵀr
    let gb = r[0] + r[1];
    let w = model.param("dense.weight").unwrap().as_slice().to_vec();
    let b = model.param("dense.bias").unwrap().as_slice()[0];
    assert!((w[0] as f64 - (0.5 - 0.1 * gw[0])).abs() < 1e-6, "{w:?}");
    assert!((w[1] as f64 - (-0.25 - 0.1 * gw[1])).abs() < 1e-6, "{w:?}");
    assert!((b as f64 - (0.1 - 0.1 * gb)).abs() < 1e-6, "{b}");
}

#[test]
fn doubling_sample_weights_equals_doubling_the_sgd_learning_rate() {
    let (x, y) = blobs(10, 4);
    let run = |lr: f32, w: Option<Vec<f32>>| {
        let mut m = Sequential::new().seed(1).add(Dense::new(4, 3));
        m.compile(SparseCategoricalCrossEntropy, Sgd::new(lr)).unwrap();
        let cfg = FitConfig::new().epochs(2).batch_size(5);
        m.fit_weighted(&x, &y, w.as_deref(), &cfg).unwrap();
        m.state_dict()
    };
    assert_eq!(run(0.1, Some(vec![2.0; 30])), run(0.2, None));
}

#[test]
fn validation_split_holds_out_the_last_samples_and_records_val_metrics() {
    let (x, y) = blobs(20, 5);
    let mut model = Sequential::new().seed(1).add(Dense::new(4, 3));
    model
        .compile(SparseCategoricalCrossEntropy, Adam::new(0.01))
        .unwrap();
    let cfg = FitConfig::new()
        .epochs(2)
        .validation_split(0.25)
        .metrics(&[Metric::Accuracy]);
    let h = model.fit(&x, &y, &cfg).unwrap();
    for name in ["loss", "accuracy", "val_loss", "val_accuracy"] {
        assert_eq!(h.get(name).map(<[f32]>::len), Some(2), "{name}");
    }
    // The last epoch's val_loss equals evaluating on the last 15 samples.
    let idx: Vec<usize> = (45..60).collect();
    let ev = model
        .evaluate(&x.select_rows(&idx).unwrap(), &y.select_rows(&idx).unwrap(), &[])
        .unwrap();
    assert_eq!(h.last("val_loss"), Some(ev.loss));
}

#[test]
fn predict_proba_rows_are_distributions_and_classes_are_their_argmax() {
    let (x, y) = blobs(20, 6);
    let mut model = Sequential::new().seed(2).add(Dense::new(4, 3));
    model
        .compile(SparseCategoricalCrossEntropy, Adam::new(0.05))
        .unwrap();
    model.fit(&x, &y, &FitConfig::new().epochs(5)).unwrap();
    let p = model.predict_proba(&x).unwrap();
    let classes = model.predict_classes(&x).unwrap();
    assert_eq!(p.argmax_rows(), classes);
    for i in 0..p.batch_size() {
        let s: f32 = p.row(i).unwrap().iter().sum();
        assert!((s - 1.0).abs() < 1e-5);
    }
}

#[test]
fn input_gradient_matches_forward_backward_and_leaves_parameter_grads_zero() {
    let (x, y) = blobs(4, 7);
    let mut model = Sequential::new()
        .seed(2)
        .add(Dense::new(4, 5))
        .add(ActivationLayer::new(Tanh))
        .add(Dense::new(5, 3));
    model
        .compile(SparseCategoricalCrossEntropy, Sgd::new(0.1))
        .unwrap();
    let g = model.input_gradient(&x, &y).unwrap();
    assert_eq!(g.shape(), x.shape());
    // Finite difference of the loss in input value 0.
    let h = 1e-2f32;
    let mut xp = x.clone();
    xp.as_slice_mut()[0] += h;
    let up = model.loss_value(&xp, &y, None, Mode::Eval).unwrap() as f64;
    xp.as_slice_mut()[0] -= 2.0 * h;
    let down = model.loss_value(&xp, &y, None, Mode::Eval).unwrap() as f64;
    let num = (up - down) / (2.0 * h as f64);
    assert!(
        (g.as_slice()[0] as f64 - num).abs() < 1e-4 + 1e-3 * num.abs(),
        "{} vs {num}",
        g.as_slice()[0]
    );
    assert!(
        model
            .params()
            .all(|p| p.grad().as_slice().iter().all(|&v| v == 0.0))
    );
}

#[test]
fn summary_lists_layers_shapes_and_parameter_counts() {
    let mut model = Sequential::new()
        .add(Dense::new(784, 256))
        .add(ActivationLayer::new(Relu))
        .add(Dense::new(256, 10));
    model.build().unwrap();
    let s = model.summary();
    assert!(s.contains("dense (dense)"), "{s}");
    assert!(s.contains("dense_1 (dense)"), "{s}");
    assert!(s.contains("(None, 256)"), "{s}");
    assert!(s.contains("200960"), "{s}"); // 784·256 + 256
    assert!(s.contains("Trainable params: 203530"), "{s}"); // + 256·10 + 10
    assert_eq!(model.num_params(), 203_530);
}

#[test]
fn parameters_are_named_and_settable_with_checks() {
    let mut model = Sequential::new()
        .add(Dense::new(3, 2).named("hidden"))
        .add(Dense::new(2, 1));
    model.build().unwrap();
    assert_eq!(
        model.param_names(),
        vec!["hidden.weight", "hidden.bias", "dense.weight", "dense.bias"]
    );
    let w = Tensor::full(&[3, 2], 0.5);
    model.set_param("hidden.weight", &w).unwrap();
    assert_eq!(model.param("hidden.weight").unwrap(), &w);
    assert!(matches!(
        model.set_param("hidden.weight", &Tensor::zeros(&[2, 3])),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        model.set_param("nope", &w),
        Err(Error::UnknownName { .. })
    ));
    assert!(matches!(
        model.set_param("hidden.weight", &Tensor::full(&[3, 2], f32::NAN)),
        Err(Error::NonFinite { .. })
    ));
}

// ---- bad input: errors, never panics ----

fn compiled_classifier() -> Sequential {
    let mut m = Sequential::new().seed(1).add(Dense::new(4, 3));
    m.compile(SparseCategoricalCrossEntropy, Sgd::new(0.1)).unwrap();
    m
}

#[test]
fn mismatched_layer_sizes_are_a_shape_error_naming_the_layer() {
    let mut m = Sequential::new().add(Dense::new(4, 8)).add(Dense::new(6, 2));
    let err = m.compile(MeanSquaredError, Sgd::new(0.1)).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{msg}");
    assert!(
        msg.contains("dense_1") && msg.contains("[6]") && msg.contains("[8]"),
        "{msg}"
    );
}

#[test]
fn wrong_input_width_is_a_shape_error() {
    let mut m = compiled_classifier();
    let err = m.predict(&Tensor::zeros(&[2, 5])).unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
}

#[test]
fn wrong_target_shape_is_a_shape_error() {
    let mut m = compiled_classifier();
    let x = Tensor::zeros(&[4, 4]);
    assert!(matches!(
        m.fit(&x, &Tensor::zeros(&[3]), &FitConfig::new()),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        m.fit(&x, &Tensor::zeros(&[4, 2]), &FitConfig::new()),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn label_out_of_range_is_reported_with_its_row() {
    let mut m = compiled_classifier();
    let x = Tensor::zeros(&[3, 4]);
    let y = Tensor::from_vec(vec![0.0, 3.0, 1.0], &[3]).unwrap();
    match m.fit(&x, &y, &FitConfig::new()) {
        Err(Error::LabelOutOfRange {
            row,
            label,
            num_classes,
            ..
        }) => {
            assert_eq!((row, label, num_classes), (1, 3.0, 3));
        }
        other => panic!("expected LabelOutOfRange, got {other:?}"),
    }
}

#[test]
fn nan_or_inf_in_input_is_reported_before_any_weight_changes() {
    let mut m = compiled_classifier();
    let before = m.state_dict();
    let mut x = Tensor::zeros(&[3, 4]);
    x.as_slice_mut()[9] = f32::INFINITY;
    let y = Tensor::from_vec(vec![0.0, 1.0, 2.0], &[3]).unwrap();
    let err = m.fit(&x, &y, &FitConfig::new()).unwrap_err();
    assert!(err.to_string().contains("row 2, column 1"), "{err}");
    x.as_slice_mut()[9] = f32::NAN;
    assert!(matches!(m.predict(&x), Err(Error::NonFinite { .. })));
    assert_eq!(m.state_dict(), before);
}

#[test]
fn empty_batch_is_an_error() {
    let mut m = compiled_classifier();
    assert!(matches!(
        m.predict(&Tensor::zeros(&[0, 4])),
        Err(Error::EmptyInput { .. })
    ));
    assert!(matches!(
        m.train_step(&Tensor::zeros(&[0, 4]), &Tensor::zeros(&[0]), None),
        Err(Error::EmptyInput { .. })
    ));
}

#[test]
fn batch_size_zero_and_bad_validation_split_are_config_errors() {
    let mut m = compiled_classifier();
    let (x, y) = (Tensor::zeros(&[3, 4]), Tensor::zeros(&[3]));
    assert!(matches!(
        m.fit(&x, &y, &FitConfig::new().batch_size(0)),
        Err(Error::InvalidConfig { .. })
    ));
    assert!(matches!(
        m.fit(&x, &y, &FitConfig::new().validation_split(1.0)),
        Err(Error::InvalidConfig { .. })
    ));
    assert!(matches!(
        m.fit(&x, &y, &FitConfig::new().validation_split(f32::NAN)),
        Err(Error::InvalidConfig { .. })
    ));
}

#[test]
fn negative_or_nan_learning_rate_is_rejected_at_compile() {
    for lr in [-0.1, f32::NAN, f32::INFINITY] {
        let mut m = Sequential::new().add(Dense::new(2, 1));
        let err = m.compile(MeanSquaredError, Sgd::new(lr)).unwrap_err();
        assert!(matches!(err, Error::InvalidConfig { .. }), "lr {lr}: {err}");
        let mut m = Sequential::new().add(Dense::new(2, 1));
        assert!(m.compile(MeanSquaredError, Adam::new(lr)).is_err());
    }
    let mut m = compiled_classifier();
    assert!(m.optimizer_mut().unwrap().set_learning_rate(-1.0).is_err());
}

#[test]
fn dropout_rate_outside_unit_interval_is_rejected_at_build() {
    for rate in [-0.1, 1.0, 1.5, f32::NAN] {
        let mut m = Sequential::new().add(Dense::new(2, 2)).add(Dropout::new(rate));
        let err = m.build().unwrap_err();
        assert!(matches!(err, Error::InvalidConfig { .. }), "rate {rate}: {err}");
    }
}

#[test]
fn using_a_model_before_compile_is_not_ready() {
    let mut m = Sequential::new().add(Dense::new(2, 1));
    assert!(matches!(
        m.predict(&Tensor::zeros(&[1, 2])),
        Err(Error::NotReady(_))
    ));
    m.build().unwrap();
    assert!(m.predict(&Tensor::zeros(&[1, 2])).is_ok());
    assert!(matches!(
        m.fit(
            &Tensor::zeros(&[1, 2]),
            &Tensor::zeros(&[1, 1]),
            &FitConfig::new()
        ),
        Err(Error::NotReady(_))
    ));
    assert!(matches!(Sequential::new().build(), Err(Error::EmptyInput { .. })));
}

#[test]
fn duplicate_layer_names_are_rejected() {
    let mut m = Sequential::new()
        .add(Dense::new(2, 2).named("a"))
        .add(Dense::new(2, 2).named("a"));
    assert!(matches!(m.build(), Err(Error::InvalidConfig { .. })));
}
