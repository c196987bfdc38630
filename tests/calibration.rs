//! Reliable prediction: `predict` refuses bad input, and confidence and calibration are
//! computed as documented — against hand arithmetic and scikit-learn 1.9.1's
//! `calibration_curve` (the Python that produced each reference value is quoted next to it).

use rand::{Rng as _, SeedableRng};
use trustnn::monitor::{calibration_curve, confidence, expected_calibration_error};
use trustnn::prelude::*;
use trustnn::rng::Rng;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

// ---------------------------------------------------------------------------------------
// predict validates its input

fn classifier() -> Sequential {
    let mut m = Sequential::new().seed(1).add(Dense::new(3, 4));
    m.compile(SparseCategoricalCrossEntropy, Sgd::new(0.1)).unwrap();
    m
}

#[test]
fn predict_names_row_and_column_of_a_nan() {
    let mut m = classifier();
    let mut x = Tensor::zeros(&[4, 3]);
    x.as_slice_mut()[3 + 2] = f32::NAN; // row 1, column 2
    let err = m.predict(&x).unwrap_err();
    match &err {
        Error::NonFinite {
            context, position, ..
        } => {
            assert_eq!(position, "row 1, column 2");
            assert!(context.contains("predict"), "{err}");
        }
        other => panic!("expected NonFinite, got {other}"),
    }
    assert!(err.to_string().contains("row 1, column 2"));
}

#[test]
fn predict_proba_and_predict_classes_refuse_infinite_input_too() {
    let mut m = classifier();
    let mut x = Tensor::zeros(&[2, 3]);
    x.as_slice_mut()[0] = f32::INFINITY;
    for err in [
        m.predict_proba(&x).unwrap_err(),
        m.predict_classes(&x).unwrap_err(),
    ] {
        assert!(
            matches!(err, Error::NonFinite { ref position, .. } if position == "row 0, column 0"),
            "{err}"
        );
    }
}

#[test]
fn predict_refuses_the_wrong_feature_count() {
    let err = classifier().predict(&Tensor::zeros(&[4, 2])).unwrap_err();
    assert!(
        matches!(err, Error::ShapeMismatch { ref actual, .. } if actual == &[4, 2]),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------
// confidence

#[test]
fn uniform_row_has_entropy_ln_k_and_normalized_entropy_one() {
    let c = confidence(&Tensor::from_rows(&[[0.2f32; 5]]).unwrap()).unwrap();
    assert!(close(c[0].entropy, 5f64.ln(), 1e-6), "{:?}", c[0]);
    assert!(close(c[0].normalized_entropy, 1.0, 1e-6));
    assert!(close(c[0].max_probability, 0.2, 1e-7));
    assert_eq!(c[0].predicted_class, 0); // ties: the first index, as argmax
}

#[test]
fn one_hot_row_has_zero_entropy() {
    let c = confidence(&Tensor::from_rows(&[[0.0f32, 0.0, 1.0]]).unwrap()).unwrap();
    assert_eq!((c[0].predicted_class, c[0].max_probability), (2, 1.0));
    assert_eq!((c[0].entropy, c[0].normalized_entropy), (0.0, 0.0));
}

#[test]
fn entropy_of_a_general_row_matches_hand_arithmetic() {
    // [.5, .25, .25]: H = .5·ln 2 + 2·.25·ln 4 = 1.5·ln 2 = 1.0397208; / ln 3 = 0.9463946
    let c = confidence(&Tensor::from_rows(&[[0.5f32, 0.25, 0.25]]).unwrap()).unwrap();
    assert!(close(c[0].entropy, 1.5 * 2f64.ln(), 1e-15));
    assert!(close(c[0].normalized_entropy, 1.5 * 2f64.ln() / 3f64.ln(), 1e-15));
}

#[test]
fn binary_column_is_read_as_two_classes() {
    // p = .8 → [.2, .8]: class 1, confidence .8, H = −.8 ln .8 − .2 ln .2 = 0.5004024
    // p = .5 → class 1 (as predict_classes: p >= .5), H = ln 2, normalized 1
    // p = .1 → class 0, confidence .9
    let proba = Tensor::from_vec(vec![0.8, 0.5, 0.1], &[3, 1]).unwrap();
    let c = confidence(&proba).unwrap();
    let (p, q) = (0.8f32 as f64, 1.0 - 0.8f32 as f64);
    assert_eq!(c[0].predicted_class, 1);
    assert!(close(c[0].max_probability, p, 1e-15));
    assert!(close(c[0].entropy, -p * p.ln() - q * q.ln(), 1e-15));
    assert!(close(c[0].entropy, 0.5004024235381879, 1e-7));
    assert_eq!(c[1].predicted_class, 1);
    assert!(close(c[1].normalized_entropy, 1.0, 1e-15));
    assert_eq!(c[2].predicted_class, 0);
    assert!(close(c[2].max_probability, 0.9, 1e-7));
    // A 1-d tensor [n] is read the same way.
    let flat = confidence(&Tensor::from_vec(vec![0.8, 0.5, 0.1], &[3]).unwrap()).unwrap();
    assert_eq!(flat, c);
}

#[test]
fn confidence_classes_agree_with_predict_classes() {
    let mut rng = Rng::seed_from_u64(4);
    let x = Tensor::from_vec((0..60).map(|_| rng.random_range(-3.0..3.0)).collect(), &[20, 3]).unwrap();
    let mut multi = classifier();
    let c = confidence(&multi.predict_proba(&x).unwrap()).unwrap();
    let classes: Vec<usize> = c.iter().map(|c| c.predicted_class).collect();
    assert_eq!(classes, multi.predict_classes(&x).unwrap());
    let mut binary = Sequential::new().seed(2).add(Dense::new(3, 1));
    binary
        .compile(BinaryCrossEntropyWithLogits, Sgd::new(0.1))
        .unwrap();
    let c = confidence(&binary.predict_proba(&x).unwrap()).unwrap();
    let classes: Vec<usize> = c.iter().map(|c| c.predicted_class).collect();
    assert_eq!(classes, binary.predict_classes(&x).unwrap());
    assert!(classes.contains(&0) && classes.contains(&1));
}

#[test]
fn confidence_rejects_bad_probabilities() {
    let rows_not_summing = Tensor::from_rows(&[[0.5f32, 0.5], [0.6, 0.6]]).unwrap();
    let err = confidence(&rows_not_summing).unwrap_err();
    assert!(
        matches!(err, Error::InvalidConfig { .. }) && err.to_string().contains("row 1"),
        "{err}"
    );
    let negative = Tensor::from_rows(&[[1.5f32, -0.5]]).unwrap();
    assert!(matches!(confidence(&negative), Err(Error::InvalidConfig { .. })));
    let above_one = Tensor::from_vec(vec![1.2], &[1, 1]).unwrap();
    assert!(matches!(confidence(&above_one), Err(Error::InvalidConfig { .. })));
    let nan = Tensor::from_rows(&[[0.5f32, 0.5], [f32::NAN, 0.5]]).unwrap();
    let err = confidence(&nan).unwrap_err();
    assert!(
        matches!(err, Error::NonFinite { ref position, .. } if position == "row 1, column 0"),
        "{err}"
    );
    assert!(matches!(
        confidence(&Tensor::zeros(&[0, 3])),
        Err(Error::EmptyInput { .. })
    ));
    assert!(matches!(
        confidence(&Tensor::zeros(&[2, 2, 2])),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn rows_within_the_sum_tolerance_are_accepted() {
    // 1e-4 off: inside PROBA_SUM_TOLERANCE = 1e-3 (f32 softmax rounding is far smaller).
    let proba = Tensor::from_rows(&[[0.3333f32, 0.3333, 0.3333]]).unwrap();
    assert!(confidence(&proba).is_ok());
}

// ---------------------------------------------------------------------------------------
// expected calibration error

#[test]
fn ece_and_mce_match_hand_computed_small_case() {
    // 5 bins: (0,.2], (.2,.4], (.4,.6], (.6,.8], (.8,1]
    //   row  probabilities      label  conf  predicted  correct  bin
    //   0    [.9, .05, .05]     0      .9    0          yes      4
    //   1    [.7, .2, .1]       1      .7    0          no       3
    //   2    [.1, .65, .25]     1      .65   1          yes      3
    //   3    [.3, .35, .35]     2      .35   1 (first)  no       1
    //   4    [.95, .03, .02]    1      .95   0          no       4
    // bin 4: n=2, conf (.9+.95)/2 = .925, acc .5 → gap .425
    // bin 3: n=2, conf (.7+.65)/2 = .675, acc .5 → gap .175
    // bin 1: n=1, conf .35, acc 0 → gap .35
    // ECE = (2·.425 + 2·.175 + 1·.35) / 5 = 1.55 / 5 = .31;  MCE = .425
    let proba = Tensor::from_rows(&[
        [0.9f32, 0.05, 0.05],
        [0.7, 0.2, 0.1],
        [0.1, 0.65, 0.25],
        [0.3, 0.35, 0.35],
        [0.95, 0.03, 0.02],
    ])
    .unwrap();
    let cal = expected_calibration_error(&proba, &[0, 1, 1, 2, 1], 5).unwrap();
    assert!(close(cal.ece, 0.31, 1e-6), "{cal}");
    assert!(close(cal.mce, 0.425, 1e-6), "{cal}");
    let counts: Vec<usize> = cal.bins.iter().map(|b| b.count).collect();
    assert_eq!(counts, vec![0, 1, 0, 2, 2]);
    assert_eq!(cal.bins[0].accuracy, None);
    assert!(close(cal.bins[4].mean_confidence.unwrap(), 0.925, 1e-6));
    assert_eq!(cal.bins[4].accuracy, Some(0.5));
    assert!(close(cal.bins[4].gap().unwrap(), -0.425, 1e-6));
    assert!(close(cal.accuracy, 0.4, 1e-15) && close(cal.mean_confidence, 0.71, 1e-6));
    assert_eq!(cal.to_csv().lines().count(), 6);
}

#[test]
fn confidence_on_an_edge_goes_to_the_lower_bin() {
    // 4 bins, edges 0, .25, .5, .75, 1 (exact in binary): bins are (lo, hi], bin 0 holds 0.
    // Binary one-column probabilities p → confidence max(p, 1−p).
    let proba = Tensor::from_vec(vec![0.5, 0.75, 1.0, 0.0], &[4, 1]).unwrap();
    let cal = expected_calibration_error(&proba, &[1, 1, 1, 0], 4).unwrap();
    let counts: Vec<usize> = cal.bins.iter().map(|b| b.count).collect();
    // confidences .5 → bin 1 (.25, .5]; .75 → bin 2 (.5, .75]; 1 and 1 → bin 3
    assert_eq!(counts, vec![0, 1, 1, 2]);
}

/// `n` binary predictions with confidence `c ~ U(.5, 1)` for class 0, correct with
/// probability `c − bias`.
fn synthetic(n: usize, bias: f64, seed: u64) -> (Tensor, Vec<usize>) {
    let mut rng = Rng::seed_from_u64(seed);
    let mut proba = Vec::with_capacity(2 * n);
    let mut labels = Vec::with_capacity(n);
    for _ in 0..n {
        let c: f32 = rng.random_range(0.5..1.0);
        proba.extend_from_slice(&[c, 1.0 - c]);
        labels.push(if rng.random::<f64>() < c as f64 - bias {
            0
        } else {
            1
        });
    }
    (Tensor::from_vec(proba, &[n, 2]).unwrap(), labels)
}

#[test]
fn perfectly_calibrated_sample_has_ece_near_zero() {
    // 20 000 samples in 5 occupied bins: each bin's |acc − conf| is sampling noise of
    // standard deviation ≈ √(.19/4000) ≈ .007, so ECE ≈ .005; tolerance .02.
    let (proba, labels) = synthetic(20_000, 0.0, 10);
    let cal = expected_calibration_error(&proba, &labels, 10).unwrap();
    assert!(cal.ece < 0.02, "{cal}");
}

#[test]
fn over_confident_sample_has_large_ece() {
    // Accuracy 0.2 below confidence everywhere → ECE ≈ 0.2 (same noise as above).
    let (proba, labels) = synthetic(20_000, 0.2, 10);
    let cal = expected_calibration_error(&proba, &labels, 10).unwrap();
    assert!(close(cal.ece, 0.2, 0.02), "{cal}");
    assert!(cal.mean_confidence - cal.accuracy > 0.18, "{cal}");
    assert!(cal.bins.iter().filter_map(|b| b.gap()).all(|g| g < 0.0), "{cal}");
}

#[test]
fn ece_rejects_bad_input() {
    let proba = Tensor::from_rows(&[[0.9f32, 0.1], [0.2, 0.8]]).unwrap();
    assert!(matches!(
        expected_calibration_error(&proba, &[0, 2], 10),
        Err(Error::LabelOutOfRange {
            row: 1,
            num_classes: 2,
            ..
        })
    ));
    assert!(matches!(
        expected_calibration_error(&proba, &[0], 10),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        expected_calibration_error(&proba, &[0, 1], 0),
        Err(Error::InvalidConfig { .. })
    ));
    let bad_sum = Tensor::from_rows(&[[0.9f32, 0.3]]).unwrap();
    assert!(matches!(
        expected_calibration_error(&bad_sum, &[0], 10),
        Err(Error::InvalidConfig { .. })
    ));
    assert!(matches!(
        expected_calibration_error(&Tensor::zeros(&[0, 2]), &[], 10),
        Err(Error::EmptyInput { .. })
    ));
}

// ---------------------------------------------------------------------------------------
// calibration_curve (scikit-learn's strategy="uniform")

#[test]
fn calibration_curve_matches_scikit_learn() {
    // PHI = 0.6180339887498949; R2 = 0.41421356237309503
    // seq = lambda n, c: np.array([(i * c) % 1.0 for i in range(1, n + 1)])
    // prob = (seq(1000, PHI) * 0.6).astype(np.float32); y = (seq(1000, R2) < prob).astype(int)
    // calibration_curve(y, prob, n_bins=10) → 6 points (bins 6..9 are empty and dropped)
    let prob: Vec<f32> = (1..=1000)
        .map(|i| ((i as f64 * 0.6180339887498949) % 1.0 * 0.6) as f32)
        .collect();
    let y: Vec<usize> = (1..=1000)
        .map(|i| usize::from((i as f64 * 0.41421356237309503) % 1.0 < prob[i - 1] as f64))
        .collect();
    let c = calibration_curve(&y, &prob, 10).unwrap();
    let prob_true = [
        0.04819277108433735,
        0.13095238095238096,
        0.24096385542168675,
        0.3592814371257485,
        0.4397590361445783,
        0.5568862275449101,
    ];
    let prob_pred = [
        0.04986056023458277,
        0.14998545737138816,
        0.25021102934716694,
        0.3500625459020009,
        0.4500357953898878,
        0.5498861895349925,
    ];
    assert_eq!(c.bins, vec![0, 1, 2, 3, 4, 5]);
    assert_eq!(c.counts, vec![166, 168, 166, 167, 166, 167]);
    for i in 0..6 {
        assert!(close(c.prob_true[i], prob_true[i], 1e-15), "bin {i}");
        assert!(close(c.prob_pred[i], prob_pred[i], 1e-12), "bin {i}");
    }
}

#[test]
fn calibration_curve_bins_edges_like_scikit_learn() {
    // calibration_curve([0, 1, 1, 0], [0.0, 0.5, 1.0, 0.25], n_bins=4)
    //   → prob_true [0, 1, 1], prob_pred [0.125, 0.5, 1.0]: 0.25 and 0 share bin 0, 0.5 is in
    //   bin 1 = (.25, .5], bin 2 is empty and dropped.
    let c = calibration_curve(&[0, 1, 1, 0], &[0.0, 0.5, 1.0, 0.25], 4).unwrap();
    assert_eq!(c.prob_true, vec![0.0, 1.0, 1.0]);
    assert_eq!(c.prob_pred, vec![0.125, 0.5, 1.0]);
    assert_eq!(c.bins, vec![0, 1, 3]);
}

#[test]
fn calibration_curve_rejects_bad_input() {
    assert!(matches!(
        calibration_curve(&[0, 2], &[0.1, 0.2], 5),
        Err(Error::LabelOutOfRange { row: 1, .. })
    ));
    assert!(matches!(
        calibration_curve(&[0], &[0.1, 0.2], 5),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        calibration_curve(&[0], &[1.5], 5),
        Err(Error::InvalidConfig { .. })
    ));
    assert!(matches!(
        calibration_curve(&[0], &[f32::NAN], 5),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        calibration_curve(&[], &[], 5),
        Err(Error::EmptyInput { .. })
    ));
    assert!(matches!(
        calibration_curve(&[0], &[0.5], 0),
        Err(Error::InvalidConfig { .. })
    ));
}
