//! Classification metrics: on labels (accuracy, precision, recall, F-scores, confusion matrix)
//! and on scores or probabilities (ROC curve and AUC, log loss), as `sklearn.metrics`.

use std::fmt;

use ndarray::{Array2, ArrayView2};

use super::{AsMatrix, check_finite_matrix, check_lengths};
use crate::error::{Error, Result};

/// How per-class precision, recall and F-scores are combined into one number: sklearn's
/// `average=` parameter of `precision_score`, `recall_score`, `f1_score`, `fbeta_score`.
///
/// The labels considered are those present in `y_true` or `y_pred` (sklearn's
/// `unique_labels(y_true, y_pred)`, as when its `labels=None`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Average {
    /// The score of class `pos_label` alone (`average="binary"`). At most two distinct labels
    /// may occur in `y_true` and `y_pred` together, and if there are two, `pos_label` must be
    /// one of them (sklearn raises `ValueError` otherwise; here it is
    /// [`Error::InvalidConfig`]). sklearn's default is `pos_label=1`.
    Binary {
        /// The class whose score is reported.
        pos_label: usize,
    },
    /// The unweighted mean of the per-class scores (`average="macro"`), so a class present
    /// only in `y_pred` counts (with recall 0).
    Macro,
    /// The score of the global counts of true positives, false positives and false negatives
    /// (`average="micro"`); for single-label multi-class data, micro precision, recall and F1
    /// all equal the accuracy.
    Micro,
    /// The mean of the per-class scores weighted by their support (the number of samples of
    /// the class in `y_true`; `average="weighted"`).
    Weighted,
}

/// Per-class precision, recall, F-score and support, as returned by
/// [`precision_recall_fscore_support`] (sklearn's `precision_recall_fscore_support` with
/// `average=None`).
#[derive(Clone, Debug, PartialEq)]
pub struct ClassScores {
    /// The classes, sorted: every label present in `y_true` or `y_pred`.
    pub labels: Vec<usize>,
    /// `tp / (tp + fp)` of each class (0 when the class is never predicted).
    pub precision: Vec<f64>,
    /// `tp / (tp + fn)` of each class (0 when the class is absent from `y_true`).
    pub recall: Vec<f64>,
    /// `(1 + β²)·tp / ((1 + β²)·tp + β²·fn + fp)` of each class (0 when the denominator is 0).
    pub fscore: Vec<f64>,
    /// The number of samples of each class in `y_true`.
    pub support: Vec<usize>,
}

/// Per-label counts over the sorted union of the labels of `y_true` and `y_pred`.
struct LabelCounts {
    labels: Vec<usize>,
    /// True positives of each label.
    tp: Vec<u64>,
    /// Times each label was predicted (`tp + fp`).
    pred: Vec<u64>,
    /// Times each label is the true one (`tp + fn`, the support).
    truth: Vec<u64>,
}

impl LabelCounts {
    /// Assumes equal, non-zero lengths (checked by the callers).
    fn new(y_true: &[usize], y_pred: &[usize]) -> Self {
        let n = y_true.len();
        let max = y_true.iter().chain(y_pred).copied().max().unwrap_or(0);
        if max <= 2 * n + 1024 {
            // Small labels (the usual case: classes 0..k): count by label, then keep the
            // labels that occur.
            let m = max + 1;
            let (mut tp, mut pred, mut truth) = (vec![0u64; m], vec![0u64; m], vec![0u64; m]);
            for (&t, &p) in y_true.iter().zip(y_pred) {
                truth[t] += 1;
                pred[p] += 1;
                tp[t] += u64::from(t == p);
            }
            let labels: Vec<usize> = (0..m).filter(|&l| truth[l] + pred[l] > 0).collect();
            let keep = |v: Vec<u64>| labels.iter().map(|&l| v[l]).collect();
            LabelCounts {
                tp: keep(tp),
                pred: keep(pred),
                truth: keep(truth),
                labels,
            }
        } else {
            // Arbitrary labels: positions in the sorted union.
            let mut labels: Vec<usize> = y_true.iter().chain(y_pred).copied().collect();
            labels.sort_unstable();
            labels.dedup();
            let k = labels.len();
            let index = |l: usize| labels.binary_search(&l).expect("label taken from the inputs");
            let (mut tp, mut pred, mut truth) = (vec![0u64; k], vec![0u64; k], vec![0u64; k]);
            for (&t, &p) in y_true.iter().zip(y_pred) {
                let (ti, pi) = (index(t), index(p));
                truth[ti] += 1;
                pred[pi] += 1;
                tp[ti] += u64::from(ti == pi);
            }
            LabelCounts {
                labels,
                tp,
                pred,
                truth,
            }
        }
    }

    fn position(&self, label: usize) -> Option<usize> {
        self.labels.binary_search(&label).ok()
    }
}

/// `num / den`, or 0 when `den` is 0 (sklearn's `zero_division="warn"` value).
fn ratio(num: f64, den: f64) -> f64 {
    if den == 0.0 { 0.0 } else { num / den }
}

/// Precision, recall and F-beta of one set of counts, as sklearn's
/// `precision_recall_fscore_support` computes them (F from the counts, not from the rounded
/// precision and recall; `β = ∞` is the recall and `β = 0` the precision).
fn prf(tp: u64, pred: u64, truth: u64, beta: f64) -> (f64, f64, f64) {
    let (tp, pred, truth) = (tp as f64, pred as f64, truth as f64);
    let p = ratio(tp, pred);
    let r = ratio(tp, truth);
    let f = if beta.is_infinite() {
        r
    } else if beta == 0.0 {
        p
    } else {
        let b2 = beta * beta;
        ratio((1.0 + b2) * tp, b2 * truth + pred)
    };
    (p, r, f)
}

fn check_beta(beta: f64) -> Result<()> {
    if beta >= 0.0 {
        Ok(())
    } else {
        Err(Error::config("fbeta.beta", beta, "must be >= 0 (+inf allowed)"))
    }
}

/// Precision, recall and F-beta averaged by `average` (sklearn's
/// `precision_recall_fscore_support(..., average=...)`).
fn averaged(
    context: &str,
    y_true: &[usize],
    y_pred: &[usize],
    beta: f64,
    average: Average,
) -> Result<(f64, f64, f64)> {
    check_lengths(context, y_true.len(), "y_pred", y_pred.len())?;
    check_beta(beta)?;
    let c = LabelCounts::new(y_true, y_pred);
    match average {
        Average::Binary { pos_label } => {
            if c.labels.len() > 2 {
                return Err(Error::config(
                    format!("{context}: average"),
                    format!("{average:?}"),
                    format!(
                        "y_true and y_pred contain {} labels {:?}; the binary average needs at most 2 \
                         (use Macro, Micro or Weighted)",
                        c.labels.len(),
                        c.labels
                    ),
                ));
            }
            match c.position(pos_label) {
                Some(i) => Ok(prf(c.tp[i], c.pred[i], c.truth[i], beta)),
                None if c.labels.len() == 2 => Err(Error::config(
                    format!("{context}: pos_label"),
                    pos_label,
                    format!("is not one of the labels {:?} of y_true and y_pred", c.labels),
                )),
                // A single label other than pos_label: no positives at all, every ratio is 0/0.
                None => Ok((0.0, 0.0, 0.0)),
            }
        }
        Average::Micro => {
            let sum = |v: &[u64]| v.iter().sum::<u64>();
            Ok(prf(sum(&c.tp), sum(&c.pred), sum(&c.truth), beta))
        }
        Average::Macro | Average::Weighted => {
            let (mut p, mut r, mut f, mut total) = (0.0, 0.0, 0.0, 0.0);
            for i in 0..c.labels.len() {
                let (pi, ri, fi) = prf(c.tp[i], c.pred[i], c.truth[i], beta);
                let w = if average == Average::Macro {
                    1.0
                } else {
                    c.truth[i] as f64
                };
                p += w * pi;
                r += w * ri;
                f += w * fi;
                total += w;
            }
            // total > 0: at least one label (macro), and the supports sum to n > 0 (weighted).
            Ok((p / total, r / total, f / total))
        }
    }
}

/// The fraction of samples whose predicted label equals the true one: sklearn's
/// `accuracy_score` (`normalize=True`).
///
/// Errors: empty `y_true` ([`Error::EmptyInput`]), `y_pred` of another length
/// ([`Error::ShapeMismatch`]).
///
/// ```
/// # use trustnn::metrics::accuracy;
/// assert_eq!(accuracy(&[0, 1, 2, 3], &[0, 2, 1, 3])?, 0.5);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn accuracy(y_true: &[usize], y_pred: &[usize]) -> Result<f64> {
    check_lengths("accuracy", y_true.len(), "y_pred", y_pred.len())?;
    let correct = y_true.iter().zip(y_pred).filter(|(t, p)| t == p).count();
    Ok(correct as f64 / y_true.len() as f64)
}

/// The mean recall of the classes present in `y_true`: sklearn's `balanced_accuracy_score`
/// (`adjusted=False`). Classes that occur only in `y_pred` are left out of the mean (sklearn
/// warns "y_pred contains classes not in y_true" and leaves them out too).
///
/// Errors as [`accuracy`].
///
/// ```
/// # use trustnn::metrics::balanced_accuracy;
/// // Recall of class 0: 3/4, of class 1: 1/1; mean 0.875.
/// assert_eq!(balanced_accuracy(&[0, 0, 0, 0, 1], &[0, 0, 0, 1, 1])?, 0.875);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn balanced_accuracy(y_true: &[usize], y_pred: &[usize]) -> Result<f64> {
    check_lengths("balanced_accuracy", y_true.len(), "y_pred", y_pred.len())?;
    let c = LabelCounts::new(y_true, y_pred);
    let (sum, classes) =
        c.tp.iter()
            .zip(&c.truth)
            .filter(|(_, t)| **t > 0)
            .fold((0.0, 0usize), |(s, k), (&tp, &t)| {
                (s + tp as f64 / t as f64, k + 1)
            });
    Ok(sum / classes as f64)
}

/// Precision `tp / (tp + fp)`, averaged by `average`: sklearn's `precision_score` (a class
/// never predicted has precision 0, sklearn's `zero_division="warn"` value).
///
/// Errors as [`accuracy`], and [`Error::InvalidConfig`] for [`Average::Binary`] on more than
/// two labels or with a `pos_label` that is not one of two labels present.
///
/// ```
/// # use trustnn::metrics::{precision, Average};
/// // Predicted 1 three times, right twice.
/// let p = precision(&[0, 1, 1, 0], &[1, 1, 1, 0], Average::Binary { pos_label: 1 })?;
/// assert_eq!(p, 2.0 / 3.0);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn precision(y_true: &[usize], y_pred: &[usize], average: Average) -> Result<f64> {
    averaged("precision", y_true, y_pred, 1.0, average).map(|s| s.0)
}

/// Recall `tp / (tp + fn)`, averaged by `average`: sklearn's `recall_score` (a class absent
/// from `y_true` has recall 0). Errors as [`precision`].
///
/// ```
/// # use trustnn::metrics::{recall, Average};
/// // Two positives, one found.
/// assert_eq!(recall(&[0, 1, 1, 0], &[0, 1, 0, 0], Average::Binary { pos_label: 1 })?, 0.5);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn recall(y_true: &[usize], y_pred: &[usize], average: Average) -> Result<f64> {
    averaged("recall", y_true, y_pred, 1.0, average).map(|s| s.1)
}

/// F1, the harmonic mean of precision and recall, `2·tp / (2·tp + fp + fn)` per class,
/// averaged by `average`: sklearn's `f1_score` (0 for a class with `tp + fp + fn = 0`).
/// Errors as [`precision`].
///
/// ```
/// # use trustnn::metrics::{f1, Average};
/// // tp = 2, fp = 1, fn = 0: F1 = 4 / 5.
/// assert_eq!(f1(&[0, 1, 1, 0], &[1, 1, 1, 0], Average::Binary { pos_label: 1 })?, 0.8);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn f1(y_true: &[usize], y_pred: &[usize], average: Average) -> Result<f64> {
    averaged("f1", y_true, y_pred, 1.0, average).map(|s| s.2)
}

/// F-beta, `(1 + β²)·tp / ((1 + β²)·tp + β²·fn + fp)` per class, averaged by `average`:
/// sklearn's `fbeta_score`. `β > 1` favours recall; `β = 0` is the precision and `β = +∞`
/// the recall. A negative or NaN `beta` is an [`Error::InvalidConfig`]; other errors as
/// [`precision`].
///
/// ```
/// # use trustnn::metrics::{fbeta, Average};
/// // tp = 1, fp = 0, fn = 1, β = 2: 5·1 / (5·1 + 4·1 + 0) = 5/9.
/// let f = fbeta(&[1, 1, 0], &[1, 0, 0], 2.0, Average::Binary { pos_label: 1 })?;
/// assert!((f - 5.0 / 9.0).abs() < 1e-15);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn fbeta(y_true: &[usize], y_pred: &[usize], beta: f64, average: Average) -> Result<f64> {
    averaged("fbeta", y_true, y_pred, beta, average).map(|s| s.2)
}

/// Precision, recall, F-beta and support of every label present in `y_true` or `y_pred`:
/// sklearn's `precision_recall_fscore_support(y_true, y_pred, beta=beta, average=None)`.
/// Ratios with a zero denominator are 0. Errors as [`fbeta`].
///
/// ```
/// # use trustnn::metrics::precision_recall_fscore_support;
/// let s = precision_recall_fscore_support(&[0, 0, 1], &[0, 2, 1], 1.0)?;
/// assert_eq!(s.labels, vec![0, 1, 2]);
/// assert_eq!(s.precision, vec![1.0, 1.0, 0.0]); // class 2 predicted once, wrongly
/// assert_eq!(s.recall, vec![0.5, 1.0, 0.0]); // class 2 absent from y_true
/// assert_eq!(s.support, vec![2, 1, 0]);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn precision_recall_fscore_support(y_true: &[usize], y_pred: &[usize], beta: f64) -> Result<ClassScores> {
    check_lengths(
        "precision_recall_fscore_support",
        y_true.len(),
        "y_pred",
        y_pred.len(),
    )?;
    check_beta(beta)?;
    let c = LabelCounts::new(y_true, y_pred);
    let k = c.labels.len();
    let mut s = ClassScores {
        labels: Vec::with_capacity(k),
        precision: Vec::with_capacity(k),
        recall: Vec::with_capacity(k),
        fscore: Vec::with_capacity(k),
        support: Vec::with_capacity(k),
    };
    for i in 0..k {
        let (p, r, f) = prf(c.tp[i], c.pred[i], c.truth[i], beta);
        s.labels.push(c.labels[i]);
        s.precision.push(p);
        s.recall.push(r);
        s.fscore.push(f);
        s.support.push(c.truth[i] as usize);
    }
    Ok(s)
}

/// How [`ConfusionMatrix::normalized`] divides the counts: sklearn's `confusion_matrix`
/// `normalize=` parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Normalize {
    /// Each row by its sum (`"true"`): the diagonal holds the recalls.
    True,
    /// Each column by its sum (`"pred"`): the diagonal holds the precisions.
    Pred,
    /// Every count by the number of samples (`"all"`).
    All,
}

/// Counts of (true class, predicted class) pairs: row `i`, column `j` is the number of samples
/// of class `i` predicted as class `j` (sklearn's `confusion_matrix` layout). Built by
/// [`confusion_matrix`].
///
/// `Display` renders an aligned table with the header `true \ pred`, using the class names if
/// they were given ([`ConfusionMatrix::with_class_names`]) and the class indices otherwise.
///
/// ```
/// # use trustnn::metrics::confusion_matrix;
/// let cm = confusion_matrix(&[0, 0, 1, 1, 1], &[0, 1, 1, 1, 0], 2)?
///     .with_class_names(&["cat", "dog"])?;
/// assert_eq!(cm.get(1, 0), Some(1)); // one dog taken for a cat
/// assert_eq!(
///     cm.to_string(),
///     "true \\ pred  cat  dog\n\
///      \x20       cat    1    1\n\
///      \x20       dog    1    2\n"
/// );
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfusionMatrix {
    counts: Array2<usize>,
    names: Option<Vec<String>>,
}

impl ConfusionMatrix {
    /// The number of classes (rows and columns).
    pub fn n_classes(&self) -> usize {
        self.counts.nrows()
    }

    /// The counts, `[n_classes, n_classes]`, rows true and columns predicted.
    pub fn counts(&self) -> ArrayView2<'_, usize> {
        self.counts.view()
    }

    /// The number of samples of class `true_class` predicted as `predicted`; `None` if either
    /// is not below [`ConfusionMatrix::n_classes`].
    pub fn get(&self, true_class: usize, predicted: usize) -> Option<usize> {
        self.counts.get((true_class, predicted)).copied()
    }

    /// The number of samples.
    pub fn total(&self) -> usize {
        self.counts.sum()
    }

    /// The number of correctly classified samples (the trace).
    pub fn correct(&self) -> usize {
        self.counts.diag().sum()
    }

    /// The number of samples of each class in `y_true` (row sums: the supports).
    pub fn true_counts(&self) -> Vec<usize> {
        self.counts.rows().into_iter().map(|r| r.sum()).collect()
    }

    /// The number of times each class was predicted (column sums).
    pub fn predicted_counts(&self) -> Vec<usize> {
        self.counts.columns().into_iter().map(|c| c.sum()).collect()
    }

    /// The counts divided as sklearn's `confusion_matrix(..., normalize=...)` does; a row or
    /// column with no samples gives zeros (sklearn's `nan_to_num`).
    pub fn normalized(&self, by: Normalize) -> Array2<f64> {
        let mut out = self.counts.mapv(|c| c as f64);
        match by {
            Normalize::True => {
                for mut r in out.rows_mut() {
                    let s = r.sum();
                    r.mapv_inplace(|v| ratio(v, s));
                }
            }
            Normalize::Pred => {
                for mut c in out.columns_mut() {
                    let s = c.sum();
                    c.mapv_inplace(|v| ratio(v, s));
                }
            }
            Normalize::All => {
                let s = out.sum();
                out.mapv_inplace(|v| ratio(v, s));
            }
        }
        out
    }

    /// The same matrix with names for the classes, used by `Display`; `names` must have one
    /// entry per class ([`Error::ShapeMismatch`] otherwise).
    pub fn with_class_names<S: AsRef<str>>(mut self, names: &[S]) -> Result<Self> {
        if names.len() != self.n_classes() {
            return Err(Error::shape(
                "ConfusionMatrix::with_class_names",
                format!("{} names (one per class)", self.n_classes()),
                &[names.len()],
            ));
        }
        self.names = Some(names.iter().map(|s| s.as_ref().to_string()).collect());
        Ok(self)
    }

    /// The class names, if given.
    pub fn class_names(&self) -> Option<&[String]> {
        self.names.as_deref()
    }
}

impl fmt::Display for ConfusionMatrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const CORNER: &str = "true \\ pred";
        let k = self.n_classes();
        let names: Vec<String> = match &self.names {
            Some(n) => n.clone(),
            None => (0..k).map(|i| i.to_string()).collect(),
        };
        let name_width = names.iter().map(|s| s.chars().count()).max().unwrap_or(0);
        let first = name_width.max(CORNER.len());
        let widths: Vec<usize> = (0..k)
            .map(|j| {
                let digits = self
                    .counts
                    .column(j)
                    .iter()
                    .map(|c| c.to_string().len())
                    .max()
                    .unwrap_or(1);
                digits.max(names[j].chars().count())
            })
            .collect();
        write!(f, "{CORNER:>first$}")?;
        for (name, w) in names.iter().zip(&widths) {
            write!(f, "  {name:>w$}")?;
        }
        writeln!(f)?;
        for (name, row) in names.iter().zip(self.counts.rows()) {
            write!(f, "{name:>first$}")?;
            for (c, w) in row.iter().zip(&widths) {
                write!(f, "  {c:>w$}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// The confusion matrix of labels in `0..n_classes`: sklearn's
/// `confusion_matrix(y_true, y_pred, labels=range(n_classes))`, rows true and columns
/// predicted.
///
/// Departure from sklearn: a label `>= n_classes` is an [`Error::LabelOutOfRange`] (sklearn
/// silently drops the samples whose labels are not in `labels`). Other errors: empty or
/// mismatched input as [`accuracy`], `n_classes == 0` ([`Error::InvalidConfig`]).
///
/// ```
/// # use trustnn::metrics::confusion_matrix;
/// let cm = confusion_matrix(&[0, 1, 2, 2], &[0, 2, 2, 1], 3)?;
/// assert_eq!(cm.get(2, 1), Some(1));
/// assert_eq!(cm.correct(), 2);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn confusion_matrix(y_true: &[usize], y_pred: &[usize], n_classes: usize) -> Result<ConfusionMatrix> {
    check_lengths("confusion_matrix", y_true.len(), "y_pred", y_pred.len())?;
    if n_classes == 0 {
        return Err(Error::config(
            "confusion_matrix.n_classes",
            0,
            "must be at least 1",
        ));
    }
    check_labels("confusion_matrix (y_true)", y_true, n_classes)?;
    check_labels("confusion_matrix (y_pred)", y_pred, n_classes)?;
    let mut counts = Array2::zeros((n_classes, n_classes));
    for (&t, &p) in y_true.iter().zip(y_pred) {
        counts[(t, p)] += 1;
    }
    Ok(ConfusionMatrix { counts, names: None })
}

/// [`Error::LabelOutOfRange`] for the first label `>= n_classes`.
fn check_labels(context: &str, labels: &[usize], n_classes: usize) -> Result<()> {
    match labels.iter().position(|&l| l >= n_classes) {
        None => Ok(()),
        Some(row) => Err(Error::LabelOutOfRange {
            context: context.to_string(),
            row,
            label: labels[row] as f32,
            num_classes: n_classes,
        }),
    }
}

/// [`Error::NonFinite`] for the first NaN or infinite score.
fn check_finite_scores(context: &str, scores: &[f32]) -> Result<()> {
    match scores.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => Err(Error::NonFinite {
            context: format!("{context} (scores)"),
            position: format!("index {i}"),
            value: scores[i],
        }),
    }
}

/// A key whose unsigned order is the order of the finite `f32` scores (−0 and +0 share the
/// key of +0, so they tie as they do in numpy).
fn score_key(x: f32) -> u32 {
    let bits = (x + 0.0).to_bits();
    if bits & 0x8000_0000 != 0 {
        !bits
    } else {
        bits | 0x8000_0000
    }
}

/// The score of a [`score_key`].
fn key_score(key: u32) -> f32 {
    f32::from_bits(if key & 0x8000_0000 != 0 {
        key & 0x7fff_ffff
    } else {
        !key
    })
}

/// Fills `keys` with `score key << 32 | is positive` of every sample, sorted increasingly:
/// sorting plain integers keeps the sort free of indirection (the cost of a ROC AUC is this
/// sort).
fn sort_by_score(
    keys: &mut Vec<u64>,
    scores: impl Iterator<Item = f32>,
    positive: impl Iterator<Item = bool>,
) {
    keys.clear();
    keys.extend(
        scores
            .zip(positive)
            .map(|(s, p)| (u64::from(score_key(s)) << 32) | u64::from(p)),
    );
    keys.sort_unstable();
}

/// Calls `point(tp, fp, threshold)` at the end of each group of equal scores, walking the
/// samples by decreasing score (`keys` from [`sort_by_score`]).
fn walk_thresholds(keys: &[u64], mut point: impl FnMut(u64, u64, f32)) {
    let (mut tp, mut fp) = (0u64, 0u64);
    for (k, &key) in keys.iter().enumerate().rev() {
        if key & 1 == 1 {
            tp += 1;
        } else {
            fp += 1;
        }
        let last_of_group = k == 0 || keys[k - 1] >> 32 != key >> 32;
        if last_of_group {
            point(tp, fp, key_score((key >> 32) as u32));
        }
    }
}

/// The area under the ROC curve by the trapezoidal rule over the distinct thresholds, computed
/// exactly in integers: twice the area times `P·N` is `Σ (fp − fp_prev)·(tp + tp_prev)`.
/// This equals the Mann–Whitney U statistic with average ranks for ties, divided by `P·N`.
/// Assumes both classes are present.
fn auc_of(keys: &[u64]) -> f64 {
    let (mut tp_prev, mut fp_prev, mut twice_area) = (0u64, 0u64, 0u128);
    walk_thresholds(keys, |tp, fp, _| {
        twice_area += (fp - fp_prev) as u128 * (tp + tp_prev) as u128;
        tp_prev = tp;
        fp_prev = fp;
    });
    twice_area as f64 / (2.0 * tp_prev as f64 * fp_prev as f64)
}

/// Validates binary labels and scores; returns the number of positives.
fn check_binary(context: &str, y_true: &[usize], scores: &[f32]) -> Result<usize> {
    check_lengths(context, y_true.len(), "scores", scores.len())?;
    check_labels(&format!("{context} (y_true)"), y_true, 2)?;
    check_finite_scores(context, scores)?;
    let positives = y_true.iter().filter(|&&l| l == 1).count();
    if positives == 0 || positives == y_true.len() {
        return Err(Error::config(
            format!("{context}: y_true"),
            format!("only class {} present", usize::from(positives > 0)),
            "the ROC curve needs both classes in y_true",
        ));
    }
    Ok(positives)
}

/// The receiver operating characteristic curve returned by [`roc_curve`].
#[derive(Clone, Debug, PartialEq)]
pub struct RocCurve {
    /// False positive rate `fp / N` at each threshold, increasing from 0 to 1.
    pub fpr: Vec<f64>,
    /// True positive rate `tp / P` at each threshold, increasing from 0 to 1.
    pub tpr: Vec<f64>,
    /// The thresholds, decreasing: `+∞` first (no sample is positive), then every distinct
    /// score; a sample is predicted positive when its score is `>=` the threshold.
    pub thresholds: Vec<f32>,
}

/// The ROC curve of binary labels (0 or 1) and scores (higher means class 1): sklearn's
/// `roc_curve(y_true, scores, drop_intermediate=False)`.
///
/// One point per distinct score, plus the starting point `(0, 0)` at threshold `+∞` (sklearn
/// ≥ 1.3 also uses `inf`). sklearn's default `drop_intermediate=True` additionally drops the
/// points that lie on a straight line between their neighbours; that changes neither the
/// curve's shape nor its area.
///
/// Errors: empty or mismatched input ([`Error::EmptyInput`], [`Error::ShapeMismatch`]), a label
/// other than 0 or 1 ([`Error::LabelOutOfRange`]), a NaN or infinite score
/// ([`Error::NonFinite`]), and a single class in `y_true` ([`Error::InvalidConfig`]; sklearn
/// warns and returns NaN rates).
///
/// ```
/// # use trustnn::metrics::roc_curve;
/// let roc = roc_curve(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8])?;
/// assert_eq!(roc.thresholds, vec![f32::INFINITY, 0.8, 0.4, 0.35, 0.1]);
/// assert_eq!(roc.fpr, vec![0.0, 0.0, 0.5, 0.5, 1.0]);
/// assert_eq!(roc.tpr, vec![0.0, 0.5, 0.5, 1.0, 1.0]);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn roc_curve(y_true: &[usize], scores: &[f32]) -> Result<RocCurve> {
    let p = check_binary("roc_curve", y_true, scores)? as f64;
    let n = (y_true.len() as f64) - p;
    let mut keys = Vec::new();
    sort_by_score(&mut keys, scores.iter().copied(), y_true.iter().map(|&y| y == 1));
    let mut roc = RocCurve {
        fpr: vec![0.0],
        tpr: vec![0.0],
        thresholds: vec![f32::INFINITY],
    };
    walk_thresholds(&keys, |tp, fp, t| {
        roc.fpr.push(fp as f64 / n);
        roc.tpr.push(tp as f64 / p);
        roc.thresholds.push(t);
    });
    Ok(roc)
}

/// The area under the ROC curve of binary labels (0 or 1) and scores (higher means class 1;
/// probabilities, logits or margins alike): sklearn's `roc_auc_score(y_true, scores)`.
///
/// Ties are handled as sklearn does: the area is the trapezoidal integral of the curve through
/// the distinct thresholds, so a tied positive–negative pair counts one half. It equals the
/// Mann–Whitney U statistic with average ranks divided by `P·N`, and is computed exactly from
/// integer counts. Perfectly ranked scores give 1, inverted ones 0, constant ones 0.5.
///
/// Errors as [`roc_curve`]. With a single class in `y_true` the AUC is undefined: older
/// scikit-learn raised `ValueError`, current versions (checked against 1.9.1) warn and return
/// NaN; here it is an [`Error::InvalidConfig`] (and NaN from [`crate::Metric::RocAuc`]).
///
/// ```
/// # use trustnn::metrics::roc_auc_binary;
/// // The pair (0.5 positive, 0.5 negative) is tied: U = 1 + 1 + 0.5 = 2.5 of 2·2 pairs.
/// assert_eq!(roc_auc_binary(&[0, 1, 0, 1], &[0.1, 0.5, 0.5, 0.9])?, 0.875);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn roc_auc_binary(y_true: &[usize], scores: &[f32]) -> Result<f64> {
    check_binary("roc_auc_binary", y_true, scores)?;
    let mut keys = Vec::new();
    sort_by_score(&mut keys, scores.iter().copied(), y_true.iter().map(|&y| y == 1));
    Ok(auc_of(&keys))
}

/// The one-vs-rest ROC AUC of `k >= 2` classes averaged without weights: sklearn's
/// `roc_auc_score(y_true, proba, multi_class="ovr", average="macro")`. Column `j` of `proba`
/// (`[n, k]`, see [`AsMatrix`]) holds the probability of class `j`; each class's AUC is
/// [`roc_auc_binary`] of "class `j`" against the rest, scored by column `j`.
///
/// As sklearn: every row must sum to 1 (within sklearn's `np.allclose` tolerance,
/// `|s − 1| <= 1e-8 + 1e-5·|s|`), and every class `0..k` must occur in `y_true` (sklearn:
/// "Number of classes in y_true not equal to the number of columns in 'y_score'"); both are
/// [`Error::InvalidConfig`]. Other errors: empty or mismatched input, fewer than 2 columns
/// ([`Error::ShapeMismatch`]), a label `>= k` ([`Error::LabelOutOfRange`]), a NaN or infinite
/// probability ([`Error::NonFinite`]).
///
/// ```
/// # use trustnn::metrics::roc_auc_ovr_macro;
/// let proba = ndarray::array![[0.8f32, 0.1, 0.1], [0.2, 0.6, 0.2], [0.1, 0.3, 0.6], [0.2, 0.2, 0.6]];
/// // Class 0 (positives .8 .2, negatives .2 .1): (1 + 1 + 0.5 + 1) / 4 = 0.875.
/// // Class 1 (positive .6, negatives .1 .3 .2): 1.
/// // Class 2 (positive .6, negatives .1 .2 .6): (1 + 1 + 0.5) / 3.
/// let auc = roc_auc_ovr_macro(&[0, 1, 2, 0], &proba)?;
/// assert!((auc - (0.875 + 1.0 + 2.5 / 3.0) / 3.0).abs() < 1e-12);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn roc_auc_ovr_macro<P: AsMatrix + ?Sized>(y_true: &[usize], proba: &P) -> Result<f64> {
    const CONTEXT: &str = "roc_auc_ovr_macro";
    let proba = proba.as_matrix();
    let (n, k) = proba.dim();
    check_lengths(CONTEXT, y_true.len(), "proba", n)?;
    if k < 2 {
        return Err(Error::shape(
            CONTEXT,
            "[n, k] probabilities with k >= 2 columns (use roc_auc_binary for one column of scores)",
            &[n, k],
        ));
    }
    check_labels(&format!("{CONTEXT} (y_true)"), y_true, k)?;
    check_finite_matrix(CONTEXT, "proba", &proba)?;
    if let Some((i, s)) = proba
        .rows()
        .into_iter()
        .map(|r| r.iter().map(|&v| v as f64).sum::<f64>())
        .enumerate()
        .find(|(_, s)| (s - 1.0).abs() > 1e-8 + 1e-5 * s.abs())
    {
        return Err(Error::config(
            format!("{CONTEXT}: sum of proba row {i}"),
            s,
            "multi-class ROC AUC needs probabilities: each row must sum to 1",
        ));
    }
    let mut present = vec![false; k];
    for &l in y_true {
        present[l] = true;
    }
    if let Some(j) = present.iter().position(|p| !p) {
        return Err(Error::config(
            format!("{CONTEXT}: y_true"),
            format!("no sample of class {j}"),
            format!("one-vs-rest ROC AUC needs every class 0..{k} (one per column of proba) in y_true"),
        ));
    }
    let mut keys = Vec::with_capacity(n);
    let mut total = 0.0;
    for (j, column) in proba.columns().into_iter().enumerate() {
        sort_by_score(&mut keys, column.iter().copied(), y_true.iter().map(|&y| y == j));
        total += auc_of(&keys);
    }
    Ok(total / k as f64)
}

/// The mean negative log-likelihood of the true classes, `−(1/n) Σᵢ ln pᵢ,yᵢ`: sklearn's
/// `log_loss(y_true, proba, labels=range(k))`.
///
/// `proba` ([`AsMatrix`]) is `[n, k]` with column `j` the probability of class `j`, or a
/// single column (a slice) with the probability of class 1 of a binary problem, read as
/// `[1 − p, p]` as sklearn does. Following current sklearn (checked against 1.9.1):
/// - probabilities are clipped to `[ε, 1 − ε]` with `ε` the machine epsilon of the input's
///   dtype, here `f32::EPSILON` ≈ 1.19e-7, so a true class given probability 0 costs
///   `−ln ε` ≈ 15.94 instead of infinity;
/// - rows are **not** renormalized (older sklearn divided each row by its sum; recent
///   versions only warn when rows do not sum to 1, and so this function accepts them
///   silently);
/// - a probability outside `[0, 1]` is an error ([`Error::InvalidConfig`]), as sklearn's
///   `ValueError`.
///
/// Because the classes are the columns (sklearn's `labels=range(k)`), `y_true` may contain a
/// single class. Other errors: empty or mismatched input, no columns
/// ([`Error::ShapeMismatch`]), a label `>= k` (`>= 2` for one column:
/// [`Error::LabelOutOfRange`]), NaN or infinite probabilities ([`Error::NonFinite`]).
///
/// ```
/// # use trustnn::metrics::log_loss;
/// let proba = ndarray::array![[0.9f32, 0.1], [0.2, 0.8]];
/// let l = log_loss(&[0, 1], &proba)?;
/// assert!((l - (-(0.9f64.ln() + 0.8f64.ln()) / 2.0)).abs() < 1e-7);
/// // The binary form: P(class 1) per sample.
/// assert!((log_loss(&[0, 1], &[0.1f32, 0.8])? - l).abs() < 1e-7);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn log_loss<P: AsMatrix + ?Sized>(y_true: &[usize], proba: &P) -> Result<f64> {
    const CONTEXT: &str = "log_loss";
    let proba = proba.as_matrix();
    let (n, k) = proba.dim();
    check_lengths(CONTEXT, y_true.len(), "proba", n)?;
    if k == 0 {
        return Err(Error::shape(
            CONTEXT,
            "[n, k] probabilities with k >= 1 columns",
            &[n, k],
        ));
    }
    check_labels(&format!("{CONTEXT} (y_true)"), y_true, k.max(2))?;
    check_finite_matrix(CONTEXT, "proba", &proba)?;
    if let Some(idx) = proba.iter().position(|v| !(0.0..=1.0).contains(v)) {
        let (i, j) = (idx / k, idx % k);
        return Err(Error::config(
            format!("{CONTEXT}: proba at row {i}, column {j}"),
            proba[(i, j)],
            "probabilities must lie in [0, 1]",
        ));
    }
    let eps = f32::EPSILON;
    let cost = |p: f32| -(p.clamp(eps, 1.0 - eps) as f64).ln();
    let total: f64 = if k == 1 {
        // sklearn builds the column 1 − p in the input's dtype, then clips.
        y_true
            .iter()
            .zip(proba.column(0))
            .map(|(&y, &p)| cost(if y == 1 { p } else { 1.0 - p }))
            .sum()
    } else {
        y_true.iter().enumerate().map(|(i, &y)| cost(proba[(i, y)])).sum()
    };
    Ok(total / n as f64)
}
