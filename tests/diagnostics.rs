//! Training diagnostics recorded by `fit`, and the overfitting report.

use trustnn::model::{Verdict, overfitting_report};
use trustnn::prelude::*;

fn data() -> (Tensor, Tensor) {
    let x = Tensor::from_rows(&[[0.5, -1.0], [1.5, 0.5], [-0.5, 2.0], [1.0, 1.0]]).unwrap();
    let y = Tensor::from_vec(vec![1.0, -1.0, 0.5, 0.0], &[4, 1]).unwrap();
    (x, y)
}

#[test]
fn weight_norm_and_update_ratio_match_a_hand_computed_sgd_step() {
    let (x, y) = data();
    let mut m = Sequential::new()
        .seed(3)
        .add(Dense::new(2, 1).without_bias().named("out"));
    m.compile(MeanSquaredError, Sgd::new(0.05)).unwrap();
    let w0 = m.param("out.weight").unwrap().clone();
    // One epoch of one full batch = one step.
    let cfg = FitConfig::new()
        .epochs(1)
        .batch_size(4)
        .shuffle(false)
        .diagnostics(true)
        .verbose(false);
    let h = m.fit(&x, &y, &cfg).unwrap();
    let w1 = m.param("out.weight").unwrap().clone();
    let norm = |t: &Tensor| {
        t.as_slice()
            .iter()
            .map(|&v| (v as f64).powi(2))
            .sum::<f64>()
            .sqrt()
    };
    let delta = norm(&w1.sub(&w0).unwrap());
    let got_norm = h.last("diag/out/weight_norm").unwrap() as f64;
    let got_ratio = h.last("diag/out/update_ratio").unwrap() as f64;
    let got_grad = h.last("diag/out/grad_norm").unwrap() as f64;
    assert!((got_norm - norm(&w1)).abs() < 1e-6, "{got_norm} vs {}", norm(&w1));
    assert!((got_ratio - delta / norm(&w0)).abs() < 1e-6, "{got_ratio}");
    // SGD: Δw = −lr·g, so ‖g‖ = ‖Δw‖ / lr.
    assert!(
        (got_grad - delta / 0.05).abs() < 1e-4 * got_grad,
        "{got_grad} vs {}",
        delta / 0.05
    );
}

#[test]
fn dead_relu_units_are_counted() {
    let (x, y) = data();
    // Four hidden units; a bias of −100 kills every one of them on this data.
    let mut m = Sequential::new()
        .seed(1)
        .add(Dense::new(2, 4).bias_init(Initializer::Constant(-100.0)))
        .add(ActivationLayer::new(Relu).named("act"))
        .add(Dense::new(4, 1));
    m.compile(MeanSquaredError, Sgd::new(0.01)).unwrap();
    let h = m
        .fit(
            &x,
            &y,
            &FitConfig::new().epochs(2).diagnostics(true).verbose(false),
        )
        .unwrap();
    assert_eq!(h.get("diag/act/dead_fraction"), Some(&[1.0, 1.0][..]));
    // With zero bias and these weights, no unit is dead on every sample.
    let mut m = Sequential::new()
        .seed(1)
        .add(Dense::new(2, 4).weight_init(Initializer::Constant(1.0)))
        .add(ActivationLayer::new(Relu).named("act"))
        .add(Dense::new(4, 1));
    m.compile(MeanSquaredError, Sgd::new(0.0)).unwrap();
    let h = m
        .fit(
            &x,
            &y,
            &FitConfig::new().epochs(1).diagnostics(true).verbose(false),
        )
        .unwrap();
    assert_eq!(h.last("diag/act/dead_fraction"), Some(0.0));
}

#[test]
fn saturated_tanh_units_are_counted() {
    let (x, y) = data();
    let mut m = Sequential::new()
        .seed(1)
        .add(
            Dense::new(2, 3)
                .weight_init(Initializer::Zeros)
                .bias_init(Initializer::Constant(5.0)),
        )
        .add(ActivationLayer::new(Tanh).named("t"))
        .add(Dense::new(3, 1));
    m.compile(MeanSquaredError, Sgd::new(0.0)).unwrap();
    let h = m
        .fit(
            &x,
            &y,
            &FitConfig::new().epochs(1).diagnostics(true).verbose(false),
        )
        .unwrap();
    // tanh(5) = 0.99991 > 0.99: every output is saturated.
    assert_eq!(h.last("diag/t/saturated_fraction"), Some(1.0));
}

fn history(train: &[f32], val: &[f32]) -> History {
    let mut h = History::default();
    for (&t, &v) in train.iter().zip(val) {
        h.push("loss", t);
        h.push("val_loss", v);
    }
    h
}

#[test]
fn report_detects_overfitting_from_the_epoch_after_the_best() {
    let h = history(&[1.0, 0.6, 0.4, 0.3, 0.2, 0.1], &[1.1, 0.7, 0.5, 0.55, 0.6, 0.7]);
    let r = overfitting_report(&h).unwrap();
    assert_eq!(r.best_epoch, 3);
    assert_eq!(r.verdict, Verdict::OverfittingFrom(4));
    assert!(r.summary.starts_with("Overfitting from epoch 4"), "{}", r.summary);
    assert!((r.gap[5] - 0.6).abs() < 1e-6);
}

#[test]
fn report_detects_underfitting_when_validation_still_falls() {
    let h = history(&[1.0, 0.9, 0.8, 0.7], &[1.0, 0.9, 0.8, 0.7]);
    assert_eq!(overfitting_report(&h).unwrap().verdict, Verdict::Underfitting);
}

#[test]
fn report_says_good_fit_when_curves_settle() {
    let h = history(
        &[1.0, 0.5, 0.3, 0.29, 0.29, 0.29, 0.29, 0.29],
        &[1.0, 0.55, 0.35, 0.34, 0.34, 0.34, 0.34, 0.34],
    );
    assert_eq!(overfitting_report(&h).unwrap().verdict, Verdict::GoodFit);
    assert!(overfitting_report(&History::default()).is_none());
}
