//! Every metric of `trustnn::metrics` against values worked out independently: by hand on
//! small cases (the arithmetic is in the comments) and with scikit-learn 1.9.1 itself (the
//! Python that produced each reference number is quoted next to it; Python is not part of
//! the build). Also the edge cases (zero division, absent classes, ties, clipping, constant
//! targets), the errors for bad input, `Metric`'s names, and `Sequential::evaluate` agreeing
//! with the functions applied to `predict_classes` / `predict_proba`.
//!
//! Tolerances: results computed from integer counts are compared exactly or at 1e-12; values
//! scikit-learn computed in float32 (log loss, regression on float32 arrays) at 1e-6 relative.

use ndarray::array;
use trustnn::Error;
use trustnn::metrics::{self, Average, Normalize};
use trustnn::prelude::*;

const MACRO: Average = Average::Macro;
const POS1: Average = Average::Binary { pos_label: 1 };

fn assert_close(actual: f64, expected: f64, rtol: f64) {
    assert!(
        (actual - expected).abs() <= rtol * expected.abs().max(1e-300) || actual == expected,
        "actual {actual}, expected {expected} (rtol {rtol})"
    );
}

// A 4-class example shared by several tests. Class 3 is never predicted.
//
//   y_true = [0, 1, 2, 0, 1, 2, 2, 0, 1, 3]
//   y_pred = [0, 2, 1, 0, 0, 2, 2, 1, 1, 2]
//
// Confusion matrix (rows true, columns predicted):
//   [[2 1 0 0]
//    [1 1 1 0]
//    [0 1 2 0]
//    [0 0 1 0]]
// per class: tp = [2, 1, 2, 0], predicted = [3, 3, 4, 0], support = [3, 3, 3, 1]
// precision = [2/3, 1/3, 2/4, 0 (0/0)], recall = [2/3, 1/3, 2/3, 0]
// F1 = 2tp / (predicted + support) = [4/6, 2/6, 4/7, 0]
const Y_TRUE: [usize; 10] = [0, 1, 2, 0, 1, 2, 2, 0, 1, 3];
const Y_PRED: [usize; 10] = [0, 2, 1, 0, 0, 2, 2, 1, 1, 2];

// ---------------------------------------------------------------- classification on labels

#[test]
fn accuracy_is_the_fraction_of_equal_labels() {
    // Equal at indices 0, 3, 5, 6, 8: 5 of 10.
    assert_eq!(metrics::accuracy(&Y_TRUE, &Y_PRED).unwrap(), 0.5);
}

#[test]
fn balanced_accuracy_is_the_mean_recall_of_the_classes_in_y_true() {
    // (2/3 + 1/3 + 2/3 + 0) / 4 = 5/12.
    // sklearn: balanced_accuracy_score(y_true, y_pred) -> 0.41666666666666663
    assert_close(
        metrics::balanced_accuracy(&Y_TRUE, &Y_PRED).unwrap(),
        5.0 / 12.0,
        1e-12,
    );
}

#[test]
fn balanced_accuracy_leaves_out_classes_that_are_only_predicted() {
    // Class 4 appears only in y_pred: recalls of 0, 1, 2 are 1/2, 2/2, 1/2; mean 2/3.
    // sklearn: balanced_accuracy_score([0,0,1,1,2,2], [0,4,1,1,2,0]) -> 0.6666666666666666
    let b = metrics::balanced_accuracy(&[0, 0, 1, 1, 2, 2], &[0, 4, 1, 1, 2, 0]).unwrap();
    assert_close(b, 2.0 / 3.0, 1e-12);
}

#[test]
fn macro_averages_match_hand_arithmetic_and_sklearn() {
    // precision: (2/3 + 1/3 + 1/2 + 0) / 4 = 1.5 / 4 = 0.375
    // recall:    (2/3 + 1/3 + 2/3 + 0) / 4 = 5/12
    // F1:        (2/3 + 1/3 + 4/7 + 0) / 4 = (11/7) / 4 = 11/28
    // sklearn (precision_score / recall_score / f1_score, average="macro"):
    //   0.375 0.41666666666666663 0.39285714285714285
    assert_close(metrics::precision(&Y_TRUE, &Y_PRED, MACRO).unwrap(), 0.375, 1e-12);
    assert_close(
        metrics::recall(&Y_TRUE, &Y_PRED, MACRO).unwrap(),
        5.0 / 12.0,
        1e-12,
    );
    assert_close(metrics::f1(&Y_TRUE, &Y_PRED, MACRO).unwrap(), 11.0 / 28.0, 1e-12);
}

#[test]
fn micro_averages_equal_accuracy_for_single_label_data() {
    // Σtp = 5, Σpredicted = Σsupport = 10. sklearn average="micro": 0.5 0.5 0.5
    let micro = Average::Micro;
    assert_eq!(metrics::precision(&Y_TRUE, &Y_PRED, micro).unwrap(), 0.5);
    assert_eq!(metrics::recall(&Y_TRUE, &Y_PRED, micro).unwrap(), 0.5);
    assert_eq!(metrics::f1(&Y_TRUE, &Y_PRED, micro).unwrap(), 0.5);
}

#[test]
fn weighted_averages_weight_classes_by_support() {
    // weights 3, 3, 3, 1 (sum 10)
    // precision: (3·2/3 + 3·1/3 + 3·1/2 + 0) / 10 = 4.5 / 10 = 0.45
    // recall:    (2 + 1 + 2 + 0) / 10 = 0.5
    // F1:        (3·2/3 + 3·1/3 + 3·4/7) / 10 = (3 + 12/7) / 10 = 33/70
    // sklearn average="weighted": 0.45 0.5 0.4714285714285714
    let w = Average::Weighted;
    assert_close(metrics::precision(&Y_TRUE, &Y_PRED, w).unwrap(), 0.45, 1e-12);
    assert_close(metrics::recall(&Y_TRUE, &Y_PRED, w).unwrap(), 0.5, 1e-12);
    assert_close(metrics::f1(&Y_TRUE, &Y_PRED, w).unwrap(), 33.0 / 70.0, 1e-12);
}

#[test]
fn fbeta_matches_sklearn_and_reduces_to_precision_and_recall_at_the_limits() {
    // F2 per class = 5tp / (4·support + predicted) = [10/15, 5/15, 10/16, 0]
    // macro = (2/3 + 1/3 + 5/8) / 4 = 0.40625; weighted = 3·(13/8)/10 = 0.4875
    // sklearn fbeta_score(beta=2): macro 0.40625, micro 0.5, weighted 0.4875
    assert_close(
        metrics::fbeta(&Y_TRUE, &Y_PRED, 2.0, MACRO).unwrap(),
        0.40625,
        1e-12,
    );
    assert_close(
        metrics::fbeta(&Y_TRUE, &Y_PRED, 2.0, Average::Weighted).unwrap(),
        0.4875,
        1e-12,
    );
    let p = metrics::precision(&Y_TRUE, &Y_PRED, MACRO).unwrap();
    let r = metrics::recall(&Y_TRUE, &Y_PRED, MACRO).unwrap();
    assert_eq!(metrics::fbeta(&Y_TRUE, &Y_PRED, 0.0, MACRO).unwrap(), p);
    assert_eq!(metrics::fbeta(&Y_TRUE, &Y_PRED, f64::INFINITY, MACRO).unwrap(), r);
}

#[test]
fn fbeta_rejects_a_negative_or_nan_beta() {
    for beta in [-1.0, f64::NAN] {
        let err = metrics::fbeta(&Y_TRUE, &Y_PRED, beta, MACRO).unwrap_err();
        assert!(matches!(err, Error::InvalidConfig { .. }), "{err}");
    }
}

#[test]
fn per_class_scores_match_sklearn_precision_recall_fscore_support() {
    // sklearn precision_recall_fscore_support(y_true, y_pred):
    //   precision [0.66666667, 0.33333333, 0.5, 0.], recall [0.66666667, 0.33333333,
    //   0.66666667, 0.], f1 [0.66666667, 0.33333333, 0.57142857, 0.], support [3, 3, 3, 1]
    let s = metrics::precision_recall_fscore_support(&Y_TRUE, &Y_PRED, 1.0).unwrap();
    assert_eq!(s.labels, vec![0, 1, 2, 3]);
    assert_eq!(s.support, vec![3, 3, 3, 1]);
    let expect = [
        (2.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0),
        (1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0),
        (0.5, 2.0 / 3.0, 4.0 / 7.0),
        (0.0, 0.0, 0.0),
    ];
    for (i, (p, r, f)) in expect.into_iter().enumerate() {
        assert_close(s.precision[i], p, 1e-12);
        assert_close(s.recall[i], r, 1e-12);
        assert_close(s.fscore[i], f, 1e-12);
    }
}

#[test]
fn a_class_never_predicted_has_precision_zero_not_nan() {
    // Class 3 has tp + fp = 0: precision 0/0 is 0 (sklearn's zero_division="warn" value).
    let s = metrics::precision_recall_fscore_support(&Y_TRUE, &Y_PRED, 1.0).unwrap();
    assert_eq!(s.precision[3], 0.0);
    // Nothing predicted positive at all: binary precision 0, recall 0, F1 0.
    assert_eq!(metrics::precision(&[1, 1, 0], &[0, 0, 0], POS1).unwrap(), 0.0);
    assert_eq!(metrics::f1(&[1, 1, 0], &[0, 0, 0], POS1).unwrap(), 0.0);
}

#[test]
fn a_class_absent_from_y_true_counts_in_the_macro_average_with_recall_zero() {
    // y_true = [0,0,1,1,2,2], y_pred = [0,4,1,1,2,0]; labels {0, 1, 2, 4}.
    // tp = [1, 2, 1, 0], predicted = [2, 2, 1, 1], support = [2, 2, 2, 0]
    // precision = [1/2, 1, 1, 0] -> macro 2.5/4 = 0.625
    // recall    = [1/2, 1, 1/2, 0 (0/0)] -> macro 2/4 = 0.5
    // F1 = 2tp/(pred+support) = [2/4, 4/4, 2/3, 0] -> macro (13/6)/4 = 13/24
    // weighted F1 = (2·1/2 + 2·1 + 2·2/3 + 0) / 6 = (13/3)/6 = 13/18
    // sklearn: 0.625 0.5 0.5416666666666666 (macro P, R, F1), 0.7222222222222222 (weighted F1)
    let (t, p) = ([0, 0, 1, 1, 2, 2], [0, 4, 1, 1, 2, 0]);
    assert_close(metrics::precision(&t, &p, MACRO).unwrap(), 0.625, 1e-12);
    assert_close(metrics::recall(&t, &p, MACRO).unwrap(), 0.5, 1e-12);
    assert_close(metrics::f1(&t, &p, MACRO).unwrap(), 13.0 / 24.0, 1e-12);
    assert_close(
        metrics::f1(&t, &p, Average::Weighted).unwrap(),
        13.0 / 18.0,
        1e-12,
    );
}

#[test]
fn large_label_values_are_counted_like_small_ones() {
    // The same problem with labels relabelled 0→7, 1→10⁹, 2→usize::MAX.
    let map = |l: usize| [7, 1_000_000_000, usize::MAX][l];
    let t: Vec<usize> = Y_TRUE.iter().filter(|&&l| l < 3).map(|&l| map(l)).collect();
    let p: Vec<usize> = Y_TRUE
        .iter()
        .zip(Y_PRED)
        .filter(|(l, _)| **l < 3)
        .map(|(_, q)| map(q))
        .collect();
    let small_t: Vec<usize> = Y_TRUE.iter().copied().filter(|&l| l < 3).collect();
    let small_p: Vec<usize> = Y_TRUE
        .iter()
        .zip(Y_PRED)
        .filter(|(l, _)| **l < 3)
        .map(|(_, q)| q)
        .collect();
    assert_eq!(
        metrics::f1(&t, &p, MACRO).unwrap(),
        metrics::f1(&small_t, &small_p, MACRO).unwrap()
    );
}

#[test]
fn binary_average_scores_the_positive_label() {
    // y_true = [1,0,1,1,0,0,1,0], y_pred = [1,1,0,1,0,0,1,1]
    // class 1: tp = 3, fp = 2, fn = 1 -> P = 3/5, R = 3/4, F1 = 6/(6+3) = 2/3
    // class 0: tp = 2, fp = 1, fn = 2 -> F1 = 4/(4+3) = 4/7
    // sklearn: precision 0.6, recall 0.75, f1 0.6666666666666666, f1(pos_label=0) 0.5714285714285714
    let (t, p) = ([1, 0, 1, 1, 0, 0, 1, 0], [1, 1, 0, 1, 0, 0, 1, 1]);
    assert_close(metrics::precision(&t, &p, POS1).unwrap(), 0.6, 1e-12);
    assert_close(metrics::recall(&t, &p, POS1).unwrap(), 0.75, 1e-12);
    assert_close(metrics::f1(&t, &p, POS1).unwrap(), 2.0 / 3.0, 1e-12);
    let f0 = metrics::f1(&t, &p, Average::Binary { pos_label: 0 }).unwrap();
    assert_close(f0, 4.0 / 7.0, 1e-12);
}

#[test]
fn binary_average_rejects_more_than_two_labels() {
    let err = metrics::f1(&Y_TRUE, &Y_PRED, POS1).unwrap_err();
    assert!(matches!(err, Error::InvalidConfig { .. }), "{err}");
}

#[test]
fn binary_average_rejects_a_pos_label_that_is_not_one_of_two_labels() {
    let err = metrics::precision(&[0, 2, 2], &[0, 0, 2], POS1).unwrap_err();
    assert!(matches!(err, Error::InvalidConfig { .. }), "{err}");
}

#[test]
fn binary_average_with_only_the_negative_label_present_is_zero() {
    // sklearn: f1_score([0, 0], [0, 0]) -> 0.0 (no positives: 0/0 everywhere)
    assert_eq!(metrics::f1(&[0, 0], &[0, 0], POS1).unwrap(), 0.0);
}

#[test]
fn label_metrics_reject_empty_and_mismatched_input() {
    type LabelFn = fn(&[usize], &[usize]) -> trustnn::Result<f64>;
    let fns: [(&str, LabelFn); 6] = [
        ("accuracy", metrics::accuracy),
        ("balanced_accuracy", metrics::balanced_accuracy),
        ("precision", |t, p| metrics::precision(t, p, MACRO)),
        ("recall", |t, p| metrics::recall(t, p, MACRO)),
        ("f1", |t, p| metrics::f1(t, p, MACRO)),
        ("fbeta", |t, p| metrics::fbeta(t, p, 0.5, MACRO)),
    ];
    for (name, f) in fns {
        assert!(matches!(f(&[], &[]), Err(Error::EmptyInput { .. })), "{name}");
        assert!(
            matches!(f(&[0, 1], &[0]), Err(Error::ShapeMismatch { .. })),
            "{name}"
        );
    }
    assert!(matches!(
        metrics::precision_recall_fscore_support(&[], &[], 1.0),
        Err(Error::EmptyInput { .. })
    ));
    assert!(matches!(
        metrics::confusion_matrix(&[0], &[0, 1], 2),
        Err(Error::ShapeMismatch { .. })
    ));
}

// ---------------------------------------------------------------- confusion matrix

#[test]
fn confusion_matrix_has_true_classes_in_rows_and_predictions_in_columns() {
    // sklearn confusion_matrix(y_true, y_pred, labels=range(4)):
    //   [[2 1 0 0] [1 1 1 0] [0 1 2 0] [0 0 1 0]]
    let cm = metrics::confusion_matrix(&Y_TRUE, &Y_PRED, 4).unwrap();
    assert_eq!(
        cm.counts(),
        array![[2, 1, 0, 0], [1, 1, 1, 0], [0, 1, 2, 0], [0, 0, 1, 0]]
    );
    assert_eq!(cm.n_classes(), 4);
    assert_eq!(cm.get(3, 2), Some(1));
    assert_eq!(cm.get(4, 0), None);
    assert_eq!(cm.total(), 10);
    assert_eq!(cm.correct(), 5);
    assert_eq!(cm.true_counts(), vec![3, 3, 3, 1]);
    assert_eq!(cm.predicted_counts(), vec![3, 3, 4, 0]);
}

#[test]
fn confusion_matrix_keeps_classes_that_never_occur() {
    let cm = metrics::confusion_matrix(&[0, 0], &[0, 0], 3).unwrap();
    assert_eq!(cm.counts(), array![[2, 0, 0], [0, 0, 0], [0, 0, 0]]);
}

#[test]
fn confusion_matrix_rejects_labels_outside_n_classes() {
    let err = metrics::confusion_matrix(&[0, 1], &[0, 3], 3).unwrap_err();
    assert!(
        matches!(
            err,
            Error::LabelOutOfRange {
                row: 1,
                num_classes: 3,
                ..
            }
        ),
        "{err}"
    );
    assert!(matches!(
        metrics::confusion_matrix(&[0], &[0], 0),
        Err(Error::InvalidConfig { .. })
    ));
}

#[test]
fn confusion_matrix_normalization_follows_sklearn() {
    // normalize="true": rows / [3, 3, 3, 1]; "pred": columns / [3, 3, 4, 0] (0 for the empty
    // column, sklearn's nan_to_num); "all": / 10.
    let cm = metrics::confusion_matrix(&Y_TRUE, &Y_PRED, 4).unwrap();
    let t = cm.normalized(Normalize::True);
    assert_close(t[(0, 0)], 2.0 / 3.0, 1e-15);
    assert_eq!(t[(3, 2)], 1.0);
    let p = cm.normalized(Normalize::Pred);
    assert_eq!(p[(2, 2)], 0.5);
    assert_eq!(p.column(3).to_vec(), vec![0.0; 4]);
    assert_eq!(cm.normalized(Normalize::All)[(0, 0)], 0.2);
}

#[test]
fn confusion_matrix_renders_an_aligned_table() {
    let cm = metrics::confusion_matrix(&Y_TRUE, &Y_PRED, 4).unwrap();
    let expected = "\
true \\ pred  0  1  2  3
          0  2  1  0  0
          1  1  1  1  0
          2  0  1  2  0
          3  0  0  1  0
";
    assert_eq!(cm.to_string(), expected);
}

#[test]
fn confusion_matrix_renders_class_names_and_wide_counts() {
    let t: Vec<usize> = std::iter::repeat_n(0, 120).chain([1, 2]).collect();
    let p: Vec<usize> = std::iter::repeat_n(0, 120).chain([0, 2]).collect();
    let cm = metrics::confusion_matrix(&t, &p, 3)
        .unwrap()
        .with_class_names(&["setosa", "versicolor", "x"])
        .unwrap();
    let expected = "\
true \\ pred  setosa  versicolor  x
     setosa     120           0  0
 versicolor       1           0  0
          x       0           0  1
";
    assert_eq!(cm.to_string(), expected);
    assert_eq!(cm.class_names().unwrap()[2], "x");
    assert!(matches!(
        metrics::confusion_matrix(&t, &p, 3)
            .unwrap()
            .with_class_names(&["a"]),
        Err(Error::ShapeMismatch { .. })
    ));
}

// ---------------------------------------------------------------- ROC

// Scores with ties across the classes.
//   y      = [0,   0,   1,    1,   0,   1,   0,   1,   1,   0   ]
//   scores = [0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.7, 0.9, 0.2, 0.55]
// Positives .9 .8 .4 .35 .2; negatives .7 .55 .4 .4 .1 (P = N = 5).
// Mann–Whitney U (ties count 1/2): .9 → 5, .8 → 5, .4 → 1 + 2·0.5 = 2, .35 → 1, .2 → 1;
// U = 14, AUC = 14/25 = 0.56.
const ROC_Y: [usize; 10] = [0, 0, 1, 1, 0, 1, 0, 1, 1, 0];
const ROC_S: [f32; 10] = [0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.7, 0.9, 0.2, 0.55];

#[test]
fn roc_auc_counts_tied_pairs_as_one_half() {
    // sklearn: roc_auc_score(y, np.float32 scores) -> 0.56
    assert_eq!(metrics::roc_auc_binary(&ROC_Y, &ROC_S).unwrap(), 0.56);
}

#[test]
fn roc_auc_is_one_for_perfect_scores_zero_for_inverted_and_half_for_constant() {
    let y = [0, 1, 0, 1, 1];
    let s = [-2.0, 3.0, 0.5, 0.7, 10.0];
    assert_eq!(metrics::roc_auc_binary(&y, &s).unwrap(), 1.0);
    let inverted: Vec<f32> = s.iter().map(|v| -v).collect();
    assert_eq!(metrics::roc_auc_binary(&y, &inverted).unwrap(), 0.0);
    assert_eq!(metrics::roc_auc_binary(&y, &[0.3; 5]).unwrap(), 0.5);
}

#[test]
fn roc_auc_treats_negative_and_positive_zero_as_tied() {
    // One positive at +0, one negative at -0: a tie, AUC 1/2 (numpy compares -0 == 0).
    assert_eq!(metrics::roc_auc_binary(&[1, 0], &[0.0, -0.0]).unwrap(), 0.5);
}

#[test]
fn roc_curve_matches_sklearn_without_dropping_intermediate_points() {
    // sklearn roc_curve(y, np.float32 scores, drop_intermediate=False):
    //   fpr [0, 0, 0, 0.2, 0.4, 0.8, 0.8, 0.8, 1]
    //   tpr [0, 0.2, 0.4, 0.4, 0.4, 0.6, 0.8, 1, 1]
    //   thresholds [inf, 0.9, 0.8, 0.7, 0.55, 0.4, 0.35, 0.2, 0.1] (float32)
    let roc = metrics::roc_curve(&ROC_Y, &ROC_S).unwrap();
    assert_eq!(roc.fpr, vec![0.0, 0.0, 0.0, 0.2, 0.4, 0.8, 0.8, 0.8, 1.0]);
    assert_eq!(roc.tpr, vec![0.0, 0.2, 0.4, 0.4, 0.4, 0.6, 0.8, 1.0, 1.0]);
    assert_eq!(
        roc.thresholds,
        vec![f32::INFINITY, 0.9, 0.8, 0.7, 0.55, 0.4, 0.35, 0.2, 0.1]
    );
}

#[test]
fn roc_curve_thresholds_are_the_distinct_scores_including_negative_ones() {
    // Scores -3 (neg), -0.5 (pos), -0.5 (neg), 2 (pos): thresholds ∞, 2, -0.5, -3;
    // at 2: tp 1, fp 0; at -0.5: tp 2, fp 1; at -3: tp 2, fp 2.
    let roc = metrics::roc_curve(&[0, 1, 0, 1], &[-3.0, -0.5, -0.5, 2.0]).unwrap();
    assert_eq!(roc.thresholds, vec![f32::INFINITY, 2.0, -0.5, -3.0]);
    assert_eq!(roc.tpr, vec![0.0, 0.5, 1.0, 1.0]);
    assert_eq!(roc.fpr, vec![0.0, 0.0, 0.5, 1.0]);
}

#[test]
fn roc_auc_equals_the_trapezoidal_area_under_roc_curve() {
    let roc = metrics::roc_curve(&ROC_Y, &ROC_S).unwrap();
    let area: f64 = roc
        .fpr
        .windows(2)
        .zip(roc.tpr.windows(2))
        .map(|(x, y)| (x[1] - x[0]) * (y[1] + y[0]) / 2.0)
        .sum();
    assert_close(metrics::roc_auc_binary(&ROC_Y, &ROC_S).unwrap(), area, 1e-12);
}

#[test]
fn roc_auc_with_a_single_class_in_y_true_is_an_error() {
    // sklearn 1.9.1 warns and returns nan; older versions raised ValueError.
    for y in [[0, 0, 0], [1, 1, 1]] {
        let err = metrics::roc_auc_binary(&y, &[0.1, 0.2, 0.3]).unwrap_err();
        assert!(matches!(err, Error::InvalidConfig { .. }), "{err}");
        assert!(metrics::roc_curve(&y, &[0.1, 0.2, 0.3]).is_err());
    }
}

#[test]
fn roc_auc_rejects_nan_and_infinite_scores() {
    for bad in [f32::NAN, f32::INFINITY] {
        let err = metrics::roc_auc_binary(&[0, 1, 1], &[0.1, bad, 0.3]).unwrap_err();
        assert!(matches!(err, Error::NonFinite { .. }), "{err}");
    }
}

#[test]
fn roc_auc_rejects_labels_other_than_zero_and_one_and_bad_lengths() {
    let err = metrics::roc_auc_binary(&[0, 2, 1], &[0.1, 0.2, 0.3]).unwrap_err();
    assert!(matches!(err, Error::LabelOutOfRange { row: 1, .. }), "{err}");
    assert!(matches!(
        metrics::roc_auc_binary(&[], &[]),
        Err(Error::EmptyInput { .. })
    ));
    assert!(matches!(
        metrics::roc_auc_binary(&[0, 1], &[0.5]),
        Err(Error::ShapeMismatch { .. })
    ));
}

// Three classes, rows summing to 1 (exactly representable sums checked by sklearn's allclose).
fn ovr_proba() -> ndarray::Array2<f32> {
    array![
        [0.7, 0.2, 0.1],
        [0.3, 0.4, 0.3],
        [0.2, 0.2, 0.6],
        [0.5, 0.25, 0.25],
        [0.1, 0.8, 0.1],
        [0.3, 0.3, 0.4],
        [0.25, 0.5, 0.25],
        [0.4, 0.4, 0.2],
    ]
}
const OVR_Y: [usize; 8] = [0, 1, 2, 1, 1, 2, 0, 0];

#[test]
fn roc_auc_ovr_macro_matches_hand_arithmetic_and_sklearn() {
    // Class 0: positives (rows 0, 6, 7) .7 .25 .4; negatives .3 .2 .5 .1 .3
    //   .7 → 5; .4 → 4 (.3 .2 .1 .3); .25 → 2 (.2 .1)  => 11/15
    // Class 1: positives (rows 1, 3, 4) .4 .25 .8; negatives .2 .2 .3 .5 .4
    //   .8 → 5; .4 → 3 + ½ (tie with row 7) = 3.5; .25 → 2  => 10.5/15
    // Class 2: positives (rows 2, 5) .6 .4; negatives .1 .3 .25 .1 .25 .2
    //   .6 → 6; .4 → 6  => 12/12
    // macro = (11/15 + 10.5/15 + 1) / 3 = (36.5/15) / 3 = 0.8111…
    // sklearn: roc_auc_score(y, P, multi_class="ovr", average="macro") -> 0.811111111111111
    let auc = metrics::roc_auc_ovr_macro(&OVR_Y, &ovr_proba()).unwrap();
    assert_close(auc, 36.5 / 45.0, 1e-12);
}

#[test]
fn roc_auc_ovr_macro_accepts_tensors_and_views() {
    let p = ovr_proba();
    let t = Tensor::from_array(p.clone());
    let a = metrics::roc_auc_ovr_macro(&OVR_Y, &p).unwrap();
    assert_eq!(metrics::roc_auc_ovr_macro(&OVR_Y, &t).unwrap(), a);
    assert_eq!(metrics::roc_auc_ovr_macro(&OVR_Y, &p.view()).unwrap(), a);
}

#[test]
fn roc_auc_ovr_macro_needs_every_class_in_y_true() {
    let err = metrics::roc_auc_ovr_macro(&[0, 1, 0, 1, 1, 0, 0, 0], &ovr_proba()).unwrap_err();
    assert!(matches!(err, Error::InvalidConfig { .. }), "{err}");
}

#[test]
fn roc_auc_ovr_macro_needs_rows_that_sum_to_one() {
    let mut p = ovr_proba();
    p[(3, 0)] = 0.6; // row 3 sums to 1.1
    let err = metrics::roc_auc_ovr_macro(&OVR_Y, &p).unwrap_err();
    assert!(matches!(err, Error::InvalidConfig { .. }), "{err}");
}

#[test]
fn roc_auc_ovr_macro_rejects_bad_shapes_labels_and_values() {
    let p = ovr_proba();
    assert!(matches!(
        metrics::roc_auc_ovr_macro(&OVR_Y[..7], &p),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        metrics::roc_auc_ovr_macro(&[0, 1], &[0.5f32, 0.5]),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut y = OVR_Y;
    y[0] = 3;
    assert!(matches!(
        metrics::roc_auc_ovr_macro(&y, &p),
        Err(Error::LabelOutOfRange { row: 0, .. })
    ));
    let mut q = p.clone();
    q[(1, 1)] = f32::NAN;
    assert!(matches!(
        metrics::roc_auc_ovr_macro(&OVR_Y, &q),
        Err(Error::NonFinite { .. })
    ));
}

// ---------------------------------------------------------------- log loss

#[test]
fn log_loss_matches_hand_arithmetic_and_sklearn() {
    // −(ln .7 + ln .4 + ln .6 + ln .25 + ln .8 + ln .4 + ln .25 + ln .4) / 8
    // sklearn: log_loss(y, np.float32 P, labels=[0, 1, 2]) -> 0.8265131711959839 (float32 sums)
    let p = ovr_proba();
    let hand = -[0.7f32, 0.4, 0.6, 0.25, 0.8, 0.4, 0.25, 0.4]
        .iter()
        .map(|&v| (v as f64).ln())
        .sum::<f64>()
        / 8.0;
    let l = metrics::log_loss(&OVR_Y, &p).unwrap();
    assert_close(l, hand, 1e-12);
    assert_close(l, 0.8265131711959839, 1e-6);
}

#[test]
fn log_loss_clips_zero_probabilities_at_float32_epsilon() {
    // Rows [1, 0], [0, 1], [.5, .5] with y = [1, 1, 0]: the first true-class probability is 0,
    // clipped to ε = 2⁻²³, costing −ln ε = 23·ln 2 = 15.942385; the second is 1, clipped to
    // 1 − ε, costing ≈ ε; the third costs ln 2.
    // sklearn: log_loss([1, 1, 0], np.float32 [[1, 0], [0, 1], [.5, .5]]) -> 5.545177459716797
    let p = array![[1.0f32, 0.0], [0.0, 1.0], [0.5, 0.5]];
    let eps = f32::EPSILON as f64;
    let hand = (-(eps.ln()) - (1.0 - eps).ln() + 2f64.ln()) / 3.0;
    let l = metrics::log_loss(&[1, 1, 0], &p).unwrap();
    assert_close(l, hand, 1e-12);
    assert_close(l, 5.545177459716797, 1e-6);
}

#[test]
fn log_loss_reads_one_column_as_the_probability_of_class_one() {
    // p(class 1) = [.9, .2, .6, 0] for y = [1, 0, 0, 1]:
    // −(ln .9 + ln .8 + ln .4 + ln ε) / 4
    // sklearn: log_loss([1, 0, 0, 1], np.float32 [.9, .2, .6, 0]) -> 4.296794891357422
    let p = [0.9f32, 0.2, 0.6, 0.0];
    let eps = f32::EPSILON as f64;
    let q = |v: f32| v as f64;
    let hand = -(q(0.9).ln() + q(1.0 - 0.2).ln() + q(1.0 - 0.6).ln() + eps.ln()) / 4.0;
    let l = metrics::log_loss(&[1, 0, 0, 1], &p).unwrap();
    assert_close(l, hand, 1e-12);
    assert_close(l, 4.296794891357422, 1e-6);
}

#[test]
fn log_loss_does_not_renormalize_rows() {
    // Current sklearn only warns when rows do not sum to 1: [.2, .2] with y = 0 costs −ln .2.
    let l = metrics::log_loss(&[0], &array![[0.2f32, 0.2]]).unwrap();
    assert_close(l, -(0.2f32 as f64).ln(), 1e-12);
}

#[test]
fn log_loss_rejects_probabilities_outside_zero_one_and_bad_labels() {
    let err = metrics::log_loss(&[0, 1], &array![[0.5f32, 0.5], [-0.1, 1.1]]).unwrap_err();
    assert!(matches!(err, Error::InvalidConfig { .. }), "{err}");
    let err = metrics::log_loss(&[0, 2], &array![[0.5f32, 0.5], [0.5, 0.5]]).unwrap_err();
    assert!(
        matches!(
            err,
            Error::LabelOutOfRange {
                row: 1,
                num_classes: 2,
                ..
            }
        ),
        "{err}"
    );
    let err = metrics::log_loss(&[0, 2], &[0.5f32, 0.5]).unwrap_err();
    assert!(
        matches!(err, Error::LabelOutOfRange { num_classes: 2, .. }),
        "{err}"
    );
    assert!(matches!(
        metrics::log_loss(&[0], &[f32::NAN]),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        metrics::log_loss(&[], &[0.5f32; 0]),
        Err(Error::EmptyInput { .. })
    ));
    assert!(matches!(
        metrics::log_loss(&[0, 1], &[0.5f32]),
        Err(Error::ShapeMismatch { .. })
    ));
}

// ---------------------------------------------------------------- regression

#[test]
fn single_output_regression_metrics_match_hand_arithmetic_and_sklearn() {
    // y = [3, -0.5, 2, 7, 4.25], ŷ = [2.5, 0, 2, 8, 4]; errors .5 -.5 0 -1 .25
    // MSE = (.25 + .25 + 0 + 1 + .0625) / 5 = 1.5625 / 5 = 0.3125
    // RMSE = √0.3125; MAE = (.5 + .5 + 0 + 1 + .25) / 5 = 0.45
    // ȳ = 15.75 / 5 = 3.15; Σ(y − ȳ)² = .0225 + 13.3225 + 1.3225 + 14.8225 + 1.21 = 30.7
    // R² = 1 − 1.5625 / 30.7
    // sklearn (float32 arrays): 0.3125 0.55901700258255 0.44999998807907104 0.9491042494773865
    let (t, p) = ([3.0f32, -0.5, 2.0, 7.0, 4.25], [2.5f32, 0.0, 2.0, 8.0, 4.0]);
    assert_eq!(metrics::mean_squared_error(&t, &p).unwrap(), 0.3125);
    assert_close(
        metrics::root_mean_squared_error(&t, &p).unwrap(),
        0.3125f64.sqrt(),
        1e-15,
    );
    assert_close(metrics::mean_absolute_error(&t, &p).unwrap(), 0.45, 1e-15);
    let r2 = metrics::r2_score(&t, &p).unwrap();
    assert_close(r2, 1.0 - 1.5625 / 30.7, 1e-12);
    assert_close(r2, 0.9491042494773865, 1e-6);
}

#[test]
fn multi_output_regression_metrics_average_outputs_uniformly() {
    // t = [[.5, 1], [-1, 1], [7, -6], [2, 3.5]], p = [[0, 2], [-1, 2], [8, -5], [1.5, 3]]
    // column 0 errors .5 0 -1 .5: MSE .375, MAE .5;  column 1 errors -1 -1 -1 .5: MSE .8125, MAE .875
    // MSE = (.375 + .8125)/2 = .59375; RMSE = (√.375 + √.8125)/2; MAE = .6875
    // R²: col 0: ȳ = 2.125, Σ(y−ȳ)² = 2.640625 + 9.765625 + 23.765625 + .015625 = 36.1875,
    //     1 − 1.5/36.1875;  col 1: ȳ = −0.125, Σ = 1.265625·2 + 34.515625 + 13.140625 = 50.1875,
    //     1 − 3.25/50.1875;  R² = mean of the two
    // sklearn (multioutput="uniform_average", float32):
    //   0.59375 0.7568801641464233 0.6875 0.9468960165977478
    let t = array![[0.5f32, 1.0], [-1.0, 1.0], [7.0, -6.0], [2.0, 3.5]];
    let p = array![[0.0f32, 2.0], [-1.0, 2.0], [8.0, -5.0], [1.5, 3.0]];
    assert_eq!(metrics::mean_squared_error(&t, &p).unwrap(), 0.59375);
    let rmse = (0.375f64.sqrt() + 0.8125f64.sqrt()) / 2.0;
    assert_close(metrics::root_mean_squared_error(&t, &p).unwrap(), rmse, 1e-15);
    assert_close(
        metrics::root_mean_squared_error(&t, &p).unwrap(),
        0.7568801641464233,
        1e-6,
    );
    assert_eq!(metrics::mean_absolute_error(&t, &p).unwrap(), 0.6875);
    let r2 = ((1.0 - 1.5 / 36.1875) + (1.0 - 3.25 / 50.1875)) / 2.0;
    assert_close(metrics::r2_score(&t, &p).unwrap(), r2, 1e-12);
    assert_close(metrics::r2_score(&t, &p).unwrap(), 0.9468960165977478, 1e-6);
    // The same values as Tensors.
    let (tt, tp) = (Tensor::from_array(t.clone()), Tensor::from_array(p.clone()));
    assert_eq!(
        metrics::r2_score(&tt, &tp).unwrap(),
        metrics::r2_score(&t, &p).unwrap()
    );
}

#[test]
fn r2_of_constant_y_true_is_one_if_perfect_else_zero() {
    // sklearn (force_finite=True): r2_score([2,2,2],[2,2,2]) -> 1.0; ([2,2,2],[2,2,3]) -> 0.0
    assert_eq!(
        metrics::r2_score(&[2.0, 2.0, 2.0], &[2.0, 2.0, 2.0]).unwrap(),
        1.0
    );
    assert_eq!(
        metrics::r2_score(&[2.0, 2.0, 2.0], &[2.0, 2.0, 3.0]).unwrap(),
        0.0
    );
    // A value whose mean is inexact in binary (0.1) is still recognised as constant.
    assert_eq!(metrics::r2_score(&[0.1f32; 3], &[0.1, 0.1, 0.2]).unwrap(), 0.0);
    // Per output: a constant, perfectly predicted column (1.0) averaged with 1 − 2.25/8·…
    // col 1: ȳ = 4, Σ(y−ȳ)² = 8, Σ(y−ŷ)² = .25 + 0 + 1 = 1.25 -> 1 − 1.25/8 = 0.84375
    // sklearn: r2_score([[1,2],[1,4],[1,6]], [[1,2.5],[1,4],[1,5]]) -> 0.921875
    let t = array![[1.0f32, 2.0], [1.0, 4.0], [1.0, 6.0]];
    let p = array![[1.0f32, 2.5], [1.0, 4.0], [1.0, 5.0]];
    assert_eq!(metrics::r2_score(&t, &p).unwrap(), 0.921875);
}

#[test]
fn r2_of_one_sample_is_an_error() {
    let err = metrics::r2_score(&[1.0], &[2.0]).unwrap_err();
    assert!(matches!(err, Error::InvalidConfig { .. }), "{err}");
}

#[test]
fn regression_metrics_reject_empty_mismatched_and_non_finite_input() {
    type RegFn = fn(&[f32], &[f32]) -> trustnn::Result<f64>;
    let fns: [(&str, RegFn); 4] = [
        ("mse", |t, p| metrics::mean_squared_error(t, p)),
        ("rmse", |t, p| metrics::root_mean_squared_error(t, p)),
        ("mae", |t, p| metrics::mean_absolute_error(t, p)),
        ("r2", |t, p| metrics::r2_score(t, p)),
    ];
    for (name, f) in fns {
        assert!(matches!(f(&[], &[]), Err(Error::EmptyInput { .. })), "{name}");
        assert!(
            matches!(f(&[1.0, 2.0], &[1.0]), Err(Error::ShapeMismatch { .. })),
            "{name}"
        );
        assert!(
            matches!(f(&[1.0, 2.0], &[1.0, f32::NAN]), Err(Error::NonFinite { .. })),
            "{name}"
        );
        assert!(
            matches!(
                f(&[f32::INFINITY, 2.0], &[1.0, 2.0]),
                Err(Error::NonFinite { .. })
            ),
            "{name}"
        );
    }
    // Same number of values, different shapes.
    let t = array![[1.0f32, 2.0], [3.0, 4.0]];
    assert!(matches!(
        metrics::mean_squared_error(&t, &[1.0f32, 2.0, 3.0, 4.0]),
        Err(Error::ShapeMismatch { .. })
    ));
}

// ---------------------------------------------------------------- Metric names

fn all_metrics() -> Vec<Metric> {
    let mut v = vec![
        Metric::Accuracy,
        Metric::BalancedAccuracy,
        Metric::RocAuc,
        Metric::LogLoss,
        Metric::MeanSquaredError,
        Metric::RootMeanSquaredError,
        Metric::MeanAbsoluteError,
        Metric::R2,
    ];
    for a in [
        Average::Binary { pos_label: 1 },
        Average::Binary { pos_label: 0 },
        Average::Binary { pos_label: 12 },
        Average::Macro,
        Average::Micro,
        Average::Weighted,
    ] {
        v.extend([Metric::Precision(a), Metric::Recall(a), Metric::F1(a)]);
    }
    v
}

#[test]
fn metric_names_round_trip_through_from_name() {
    let metrics = all_metrics();
    for m in &metrics {
        assert_eq!(Metric::from_name(m.name()).unwrap(), *m, "{}", m.name());
    }
    let mut names: Vec<&str> = metrics.iter().map(Metric::name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), metrics.len(), "names are unique");
}

#[test]
fn metric_from_name_knows_the_documented_names() {
    let cases = [
        ("accuracy", Metric::Accuracy),
        ("balanced_accuracy", Metric::BalancedAccuracy),
        ("precision_macro", Metric::Precision(MACRO)),
        ("recall_macro", Metric::Recall(MACRO)),
        ("f1_macro", Metric::F1(MACRO)),
        ("f1_weighted", Metric::F1(Average::Weighted)),
        ("f1_micro", Metric::F1(Average::Micro)),
        ("f1", Metric::F1(POS1)),
        ("precision", Metric::Precision(POS1)),
        ("recall", Metric::Recall(POS1)),
        ("roc_auc", Metric::RocAuc),
        ("log_loss", Metric::LogLoss),
        ("mse", Metric::MeanSquaredError),
        ("rmse", Metric::RootMeanSquaredError),
        ("mae", Metric::MeanAbsoluteError),
        ("r2", Metric::R2),
        ("f1_pos_label_0", Metric::F1(Average::Binary { pos_label: 0 })),
    ];
    for (name, m) in cases {
        assert_eq!(Metric::from_name(name).unwrap(), m, "{name}");
        assert_eq!(m.name(), name);
    }
}

#[test]
fn metric_from_name_rejects_unknown_and_non_canonical_names() {
    for name in [
        "",
        "f2",
        "F1",
        "f1_pos_label_1",
        "f1_pos_label_01",
        "f1_pos_label_x",
        "neg_log_loss",
    ] {
        let err = Metric::from_name(name).unwrap_err();
        assert!(matches!(err, Error::UnknownName { .. }), "{name}: {err}");
    }
}

#[test]
fn greater_is_better_only_for_scores() {
    for m in all_metrics() {
        let loss = matches!(
            m,
            Metric::LogLoss
                | Metric::MeanSquaredError
                | Metric::RootMeanSquaredError
                | Metric::MeanAbsoluteError
        );
        assert_eq!(m.greater_is_better(), !loss, "{}", m.name());
    }
}

// ---------------------------------------------------------------- through the model

/// Three overlapping Gaussian blobs in 2-d, `n` per class, so a small model is imperfect.
fn overlapping_blobs(n: usize, seed: u64) -> (Tensor, Tensor) {
    use rand_distr::{Distribution, Normal};
    let mut rng = trustnn::rng::seeded(seed);
    let noise = Normal::new(0.0f32, 1.2).unwrap();
    let centers = [[1.0, 0.0], [-0.5, 0.9], [-0.5, -0.9]];
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for i in 0..3 * n {
        let c = i % 3;
        for &m in &centers[c] {
            xs.push(m + noise.sample(&mut rng));
        }
        ys.push(c as f32);
    }
    (
        Tensor::from_vec(xs, &[3 * n, 2]).unwrap(),
        Tensor::from_vec(ys, &[3 * n]).unwrap(),
    )
}

#[test]
fn evaluate_reports_the_metrics_functions_of_predict_classes_and_predict_proba() {
    let (x, y) = overlapping_blobs(60, 5);
    let mut model = Sequential::new()
        .seed(2)
        .add(Dense::new(2, 8))
        .add(ActivationLayer::new(Tanh))
        .add(Dense::new(8, 3));
    model
        .compile(SparseCategoricalCrossEntropy, Adam::new(0.02))
        .unwrap();
    model
        .fit(&x, &y, &FitConfig::new().epochs(20).batch_size(16))
        .unwrap();

    let wanted = [
        Metric::F1(MACRO),
        Metric::RocAuc,
        Metric::LogLoss,
        Metric::BalancedAccuracy,
    ];
    let ev = model.evaluate(&x, &y, &wanted).unwrap();
    let labels: Vec<usize> = y.as_slice().iter().map(|&v| v as usize).collect();
    let classes = model.predict_classes(&x).unwrap();
    let proba = model.predict_proba(&x).unwrap();

    let f1 = metrics::f1(&labels, &classes, MACRO).unwrap();
    let auc = metrics::roc_auc_ovr_macro(&labels, &proba).unwrap();
    let ll = metrics::log_loss(&labels, &proba).unwrap();
    let bal = metrics::balanced_accuracy(&labels, &classes).unwrap();
    // The data overlap, so these are informative values, not 0 or 1.
    assert!(
        0.5 < f1 && f1 < 1.0 && 0.5 < auc && auc < 1.0,
        "f1 {f1}, auc {auc}"
    );
    assert_eq!(ev.metric(Metric::F1(MACRO)), Some(f1 as f32));
    assert_eq!(ev.metric(Metric::RocAuc), Some(auc as f32));
    assert_eq!(ev.metric(Metric::LogLoss), Some(ll as f32));
    assert_eq!(ev.metric(Metric::BalancedAccuracy), Some(bal as f32));
}

#[test]
fn evaluate_of_a_binary_logit_model_uses_sigmoid_probabilities_for_roc_auc() {
    let (x, y3) = overlapping_blobs(40, 9);
    // Class 0 against the rest, as a [n, 1] 0/1 target.
    let y: Vec<f32> = y3.as_slice().iter().map(|&v| f32::from(v == 0.0)).collect();
    let y = Tensor::from_vec(y, &[120, 1]).unwrap();
    let mut model = Sequential::new().seed(4).add(Dense::new(2, 1));
    model
        .compile(BinaryCrossEntropyWithLogits, Sgd::new(0.1))
        .unwrap();
    model
        .fit(&x, &y, &FitConfig::new().epochs(5).batch_size(8))
        .unwrap();

    let ev = model
        .evaluate(&x, &y, &[Metric::RocAuc, Metric::F1(POS1)])
        .unwrap();
    let labels: Vec<usize> = y.as_slice().iter().map(|&v| v as usize).collect();
    let proba = model.predict_proba(&x).unwrap();
    let auc = metrics::roc_auc_binary(&labels, proba.as_slice()).unwrap();
    let f1 = metrics::f1(&labels, &model.predict_classes(&x).unwrap(), POS1).unwrap();
    assert!(0.5 < auc && auc < 1.0, "auc {auc}");
    assert_eq!(ev.metric(Metric::RocAuc), Some(auc as f32));
    assert_eq!(ev.metric(Metric::F1(POS1)), Some(f1 as f32));
}

#[test]
fn fit_tracks_metrics_chosen_by_name() {
    let (x, y) = overlapping_blobs(30, 3);
    let mut model = Sequential::new().seed(1).add(Dense::new(2, 3));
    model
        .compile(SparseCategoricalCrossEntropy, Adam::new(0.05))
        .unwrap();
    let tracked: Vec<Metric> = ["f1_macro", "roc_auc", "log_loss"]
        .iter()
        .map(|n| Metric::from_name(n).unwrap())
        .collect();
    let cfg = FitConfig::new()
        .epochs(3)
        .batch_size(10)
        .metrics(&tracked)
        .validation_split(0.3);
    let h = model.fit(&x, &y, &cfg).unwrap();
    for name in [
        "f1_macro",
        "roc_auc",
        "log_loss",
        "val_f1_macro",
        "val_roc_auc",
        "val_log_loss",
    ] {
        let series = h.get(name).unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(series.len(), 3, "{name}");
        assert!(
            series.iter().all(|v| v.is_finite() && *v >= 0.0),
            "{name}: {series:?}"
        );
    }
}

#[test]
fn evaluate_reports_nan_for_roc_auc_when_the_targets_hold_one_class() {
    let x = Tensor::from_rows(&[[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]).unwrap();
    let y = Tensor::from_vec(vec![1.0, 1.0, 1.0], &[3, 1]).unwrap();
    let mut model = Sequential::new().seed(0).add(Dense::new(2, 1));
    model
        .compile(BinaryCrossEntropyWithLogits, Sgd::new(0.1))
        .unwrap();
    let ev = model
        .evaluate(&x, &y, &[Metric::RocAuc, Metric::Accuracy])
        .unwrap();
    assert!(ev.metric(Metric::RocAuc).unwrap().is_nan());
    assert!(ev.metric(Metric::Accuracy).unwrap().is_finite());
}

#[test]
fn evaluate_of_a_regression_model_reports_rmse_and_r2_from_the_functions() {
    let x = Tensor::from_rows(&[[0.0], [1.0], [2.0], [3.0], [4.0]]).unwrap();
    let y = Tensor::from_vec(vec![1.0, 2.9, 5.2, 7.1, 8.8], &[5, 1]).unwrap();
    let mut model = Sequential::new().seed(0).add(Dense::new(1, 1));
    model.compile(MeanSquaredError, Sgd::new(0.05)).unwrap();
    model
        .fit(&x, &y, &FitConfig::new().epochs(30).batch_size(5))
        .unwrap();
    let pred = model.predict(&x).unwrap();
    let ev = model
        .evaluate(&x, &y, &[Metric::RootMeanSquaredError, Metric::R2])
        .unwrap();
    let rmse = metrics::root_mean_squared_error(&y, &pred).unwrap();
    let r2 = metrics::r2_score(&y, &pred).unwrap();
    assert!(r2 > 0.5 && r2 < 1.0, "r2 {r2}");
    assert_eq!(ev.metric(Metric::RootMeanSquaredError), Some(rmse as f32));
    assert_eq!(ev.metric(Metric::R2), Some(r2 as f32));
}
