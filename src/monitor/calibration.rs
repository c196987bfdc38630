//! Confidence of each prediction and calibration of a classifier: is a prediction made with
//! 80 % confidence right 80 % of the time?
//!
//! - [`confidence`]: per row of `predict_proba`'s output, the predicted class, its
//!   probability and the entropy of the predicted distribution.
//! - [`expected_calibration_error`]: the expected and maximum calibration errors (ECE, MCE)
//!   of Guo, Pleiss, Sun & Weinberger (2017), "On calibration of modern neural networks",
//!   with the per-bin counts, mean confidences and accuracies a reliability diagram plots.
//! - [`calibration_curve`]: the binary reliability curve of the positive class, as
//!   `sklearn.calibration.calibration_curve(y_true, y_prob, n_bins, strategy="uniform")`.
//!
//! # Binning, precisely
//!
//! Both functions use `B` equal-width bins on `[0, 1]` with the edges
//! `eᵦ = b · (1/B)` computed in `f64` exactly as `np.linspace(0, 1, B + 1)` computes them
//! (so `e₃` for `B = 10` is `0.30000000000000004`), and the last edge is exactly 1. A value
//! `c` (an `f32` probability, widened to `f64`) falls in bin `b` when `eᵦ < c <= eᵦ₊₁`;
//! bin 0 also holds `c = 0`. This is Guo et al.'s `Bₘ = ((m−1)/M, m/M]` and is the binning
//! of scikit-learn's `calibration_curve` (`np.searchsorted(bins[1:-1], y_prob)`), so the two
//! functions agree with scikit-learn bit for bit on the bin assignment. Libraries differ
//! here: torchmetrics' `calibration_error` uses `torch.bucketize(..., right=True) - 1`, i.e.
//! bins `[eᵦ, eᵦ₊₁)`, with edges in the input's precision; the results differ only for
//! confidences exactly on an edge.
//!
//! [`expected_calibration_error`] bins the *confidence* (the largest class probability) and
//! compares it with the *accuracy* (is the predicted class the label?), for any number of
//! classes; [`calibration_curve`] bins the predicted probability of the *positive class* and
//! compares it with the *fraction of positives*, for binary problems, and drops empty bins as
//! scikit-learn does.

use std::fmt;

use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// How far a row of probabilities may sum from 1 (absolute): `|Σ p − 1| <= 1e-3`. Softmax
/// outputs in `f32` sum to 1 within about `k · 6e-8` for `k` classes, far inside this.
pub const PROBA_SUM_TOLERANCE: f64 = 1e-3;

/// The confidence of one prediction; see [`confidence`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Confidence {
    /// The predicted class: the index of the largest probability (the first one on ties, as
    /// `argmax`); for a one-column binary output `p`, `1` when `p >= 0.5` (as
    /// [`crate::Sequential::predict_classes`]).
    pub predicted_class: usize,
    /// The probability of the predicted class (`max(p, 1 − p)` for a binary output).
    pub max_probability: f64,
    /// Shannon entropy of the row in nats, `H = −Σ pᵢ ln pᵢ` (with `0 ln 0 = 0`):
    /// 0 for a one-hot row, `ln k` for the uniform row over `k` classes.
    pub entropy: f64,
    /// `H / ln k`, in `[0, 1]`: 0 when certain, 1 when uniform, comparable across class
    /// counts.
    pub normalized_entropy: f64,
}

/// The rows of a probability tensor, validated: `[n, k]` with `k >= 2` (one distribution per
/// row), or `[n, 1]` / `[n]` (binary: the probability of class 1).
struct Proba<'a> {
    values: &'a [f32],
    rows: usize,
    cols: usize,
}

impl Proba<'_> {
    fn classes(&self) -> usize {
        self.cols.max(2)
    }

    /// The predicted class and its probability for row `i`.
    fn top(&self, i: usize) -> (usize, f64) {
        let row = &self.values[i * self.cols..(i + 1) * self.cols];
        if self.cols == 1 {
            let p = row[0] as f64;
            if p >= 0.5 { (1, p) } else { (0, 1.0 - p) }
        } else {
            let (mut best, mut best_p) = (0, row[0]);
            for (j, &p) in row.iter().enumerate().skip(1) {
                if p > best_p {
                    (best, best_p) = (j, p);
                }
            }
            (best, best_p as f64)
        }
    }

    fn entropy(&self, i: usize) -> f64 {
        let h = |p: f64| if p > 0.0 { -p * p.ln() } else { 0.0 };
        let row = &self.values[i * self.cols..(i + 1) * self.cols];
        if self.cols == 1 {
            let p = row[0] as f64;
            h(p) + h(1.0 - p)
        } else {
            row.iter().map(|&p| h(p as f64)).sum()
        }
    }
}

fn check_proba<'a>(proba: &'a Tensor, what: &str) -> Result<Proba<'a>> {
    let (rows, cols) = match proba.shape() {
        [n] => (*n, 1),
        [n, k] => (*n, *k),
        other => {
            return Err(Error::shape(
                format!("{what} (probabilities)"),
                "[n, classes] or [n]",
                other,
            ));
        }
    };
    if rows == 0 || cols == 0 {
        return Err(Error::empty(format!("{what} (probabilities)")));
    }
    proba.check_finite(&format!("{what} (probabilities)"))?;
    let values = proba.as_slice();
    for (i, row) in values.chunks_exact(cols).enumerate() {
        if let Some(j) = row.iter().position(|p| !(0.0..=1.0).contains(p)) {
            return Err(Error::config(
                format!("{what}: probability at row {i}, column {j}"),
                row[j],
                "probabilities must be in [0, 1]",
            ));
        }
        if cols > 1 {
            let sum: f64 = row.iter().map(|&p| p as f64).sum();
            if (sum - 1.0).abs() > PROBA_SUM_TOLERANCE {
                return Err(Error::config(
                    format!("{what}: sum of the probabilities in row {i}"),
                    sum,
                    format!("each row must sum to 1 (within {PROBA_SUM_TOLERANCE})"),
                ));
            }
        }
    }
    Ok(Proba { values, rows, cols })
}

/// The confidence of every prediction in `proba`, the output of
/// [`crate::Sequential::predict_proba`]: `[n, k]` rows of class probabilities, or `[n, 1]`
/// (or `[n]`) holding `P(class 1)` of a binary model, which is read as the two classes
/// `[1 − p, p]`.
///
/// Errors: a shape other than those ([`Error::ShapeMismatch`]), no rows
/// ([`Error::EmptyInput`]), a non-finite value ([`Error::NonFinite`], naming row and
/// column), a probability outside `[0, 1]` or a row of `k >= 2` probabilities whose sum
/// differs from 1 by more than [`PROBA_SUM_TOLERANCE`] ([`Error::InvalidConfig`], naming
/// the row).
///
/// ```
/// use trustnn::Tensor;
/// use trustnn::monitor::confidence;
/// let proba = Tensor::from_rows(&[[0.25f32, 0.25, 0.25, 0.25], [0.0, 1.0, 0.0, 0.0]])?;
/// let c = confidence(&proba)?;
/// assert!((c[0].entropy - 4f64.ln()).abs() < 1e-12 && (c[0].normalized_entropy - 1.0).abs() < 1e-12);
/// assert_eq!((c[1].predicted_class, c[1].max_probability, c[1].entropy), (1, 1.0, 0.0));
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn confidence(proba: &Tensor) -> Result<Vec<Confidence>> {
    let p = check_proba(proba, "confidence")?;
    let ln_k = (p.classes() as f64).ln();
    Ok((0..p.rows)
        .map(|i| {
            let (predicted_class, max_probability) = p.top(i);
            let entropy = p.entropy(i);
            Confidence {
                predicted_class,
                max_probability,
                entropy,
                normalized_entropy: (entropy / ln_k).clamp(0.0, 1.0),
            }
        })
        .collect())
}

/// One bin of a reliability diagram.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CalibrationBin {
    /// The bin's lower edge (excluded, except 0 for the first bin).
    pub lower: f64,
    /// The bin's upper edge (included).
    pub upper: f64,
    /// How many predictions have their confidence in the bin.
    pub count: usize,
    /// The mean confidence of those predictions (`None` for an empty bin).
    pub mean_confidence: Option<f64>,
    /// The fraction of those predictions that are correct (`None` for an empty bin).
    pub accuracy: Option<f64>,
}

impl CalibrationBin {
    /// `accuracy − mean_confidence`: negative when over-confident (`None` when empty).
    pub fn gap(&self) -> Option<f64> {
        Some(self.accuracy? - self.mean_confidence?)
    }
}

/// Calibration of a classifier on labelled data; see [`expected_calibration_error`].
#[derive(Clone, Debug, PartialEq)]
pub struct Calibration {
    /// The bins, in order of confidence: the data of a reliability diagram.
    pub bins: Vec<CalibrationBin>,
    /// Expected calibration error `Σᵦ (nᵦ/n)·|accᵦ − confᵦ|`, in `[0, 1]`.
    pub ece: f64,
    /// Maximum calibration error `maxᵦ |accᵦ − confᵦ|` over the non-empty bins.
    pub mce: f64,
    /// The overall accuracy (fraction of correct predictions).
    pub accuracy: f64,
    /// The overall mean confidence; above `accuracy` means over-confident on average.
    pub mean_confidence: f64,
    /// Number of predictions.
    pub samples: usize,
}

impl Calibration {
    /// The reliability diagram as CSV: `lower,upper,count,mean_confidence,accuracy`, one line
    /// per bin, empty fields for empty bins.
    pub fn to_csv(&self) -> String {
        let opt = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v}"));
        let mut s = String::from("lower,upper,count,mean_confidence,accuracy\n");
        for b in &self.bins {
            s.push_str(&format!(
                "{},{},{},{},{}\n",
                b.lower,
                b.upper,
                b.count,
                opt(b.mean_confidence),
                opt(b.accuracy)
            ));
        }
        s
    }
}

impl fmt::Display for Calibration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "ECE {:.4}, MCE {:.4} over {} predictions (accuracy {:.4}, mean confidence {:.4})",
            self.ece, self.mce, self.samples, self.accuracy, self.mean_confidence
        )?;
        writeln!(
            f,
            "{:>15} {:>8} {:>10} {:>9} {:>8}",
            "confidence", "count", "mean conf", "accuracy", "gap"
        )?;
        for b in &self.bins {
            let range = format!("({:.3}, {:.3}]", b.lower, b.upper);
            match (b.mean_confidence, b.accuracy) {
                (Some(c), Some(a)) => {
                    writeln!(f, "{range:>15} {:>8} {c:>10.4} {a:>9.4} {:>+8.4}", b.count, a - c)?
                }
                _ => writeln!(f, "{range:>15} {:>8} {:>10} {:>9} {:>8}", 0, "-", "-", "-")?,
            }
        }
        Ok(())
    }
}

/// The upper edges `e₁ … e_B` of `B` equal-width bins, as `np.linspace(0, 1, B + 1)[1:]`.
fn upper_edges(n_bins: usize) -> Vec<f64> {
    let step = 1.0 / n_bins as f64;
    let mut e: Vec<f64> = (1..=n_bins).map(|b| b as f64 * step).collect();
    e[n_bins - 1] = 1.0;
    e
}

/// The bin of `c` in `[0, 1]`: the number of interior edges strictly below it.
fn bin_of(upper: &[f64], c: f64) -> usize {
    upper[..upper.len() - 1].partition_point(|&e| e < c)
}

fn check_bins(n_bins: usize, what: &str) -> Result<()> {
    if n_bins == 0 {
        return Err(Error::config(format!("{what}.n_bins"), n_bins, "must be >= 1"));
    }
    Ok(())
}

/// Expected and maximum calibration error with `n_bins` equal-width confidence bins (Guo et
/// al. 2017, eq. 3 and 5): each prediction's confidence is its largest class probability and
/// it is correct when that class is its label; with `nᵦ` predictions in bin `b`, of mean
/// confidence `confᵦ` and accuracy `accᵦ`,
/// `ECE = Σᵦ (nᵦ/n)·|accᵦ − confᵦ|` and `MCE = max over non-empty bins of |accᵦ − confᵦ|`.
/// The binning is given in the [module documentation](self). Common choices of `n_bins`
/// are 10 (scikit-learn's `calibration_curve` default) and 15 (Guo et al., torchmetrics).
///
/// `proba` is read as in [`confidence`]; `labels[i]` is the true class of row `i` (in
/// `0..k`, or `{0, 1}` for a one-column binary output).
///
/// Errors: those of [`confidence`]; `labels.len()` different from the number of rows
/// ([`Error::ShapeMismatch`]); a label out of range ([`Error::LabelOutOfRange`]);
/// `n_bins == 0` ([`Error::InvalidConfig`]).
///
/// ```
/// use trustnn::Tensor;
/// use trustnn::monitor::expected_calibration_error;
/// // Two predictions at confidence 0.9, one right and one wrong: |0.5 − 0.9| = 0.4.
/// let proba = Tensor::from_rows(&[[0.9f32, 0.1], [0.1, 0.9]])?;
/// let cal = expected_calibration_error(&proba, &[0, 0], 10)?;
/// assert!((cal.ece - 0.4).abs() < 1e-6);
/// assert_eq!(cal.bins[8].count, 2); // (0.8, 0.9]
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn expected_calibration_error(proba: &Tensor, labels: &[usize], n_bins: usize) -> Result<Calibration> {
    const WHAT: &str = "expected_calibration_error";
    check_bins(n_bins, WHAT)?;
    let p = check_proba(proba, WHAT)?;
    if labels.len() != p.rows {
        return Err(Error::shape(
            format!("{WHAT} (labels)"),
            format!("{} labels, one per row of probabilities", p.rows),
            &[labels.len()],
        ));
    }
    let k = p.classes();
    if let Some(row) = labels.iter().position(|&l| l >= k) {
        return Err(Error::LabelOutOfRange {
            context: WHAT.into(),
            row,
            label: labels[row] as f32,
            num_classes: k,
        });
    }
    let upper = upper_edges(n_bins);
    let mut count = vec![0usize; n_bins];
    let mut conf_sum = vec![0.0f64; n_bins];
    let mut correct = vec![0usize; n_bins];
    for (i, &label) in labels.iter().enumerate() {
        let (class, c) = p.top(i);
        let b = bin_of(&upper, c);
        count[b] += 1;
        conf_sum[b] += c;
        correct[b] += usize::from(class == label);
    }
    let n = p.rows as f64;
    let (mut ece, mut mce) = (0.0f64, 0.0f64);
    let bins: Vec<CalibrationBin> = (0..n_bins)
        .map(|b| {
            let (mean_confidence, accuracy) = if count[b] > 0 {
                let (conf, acc) = (conf_sum[b] / count[b] as f64, correct[b] as f64 / count[b] as f64);
                let gap = (acc - conf).abs();
                ece += count[b] as f64 / n * gap;
                mce = mce.max(gap);
                (Some(conf), Some(acc))
            } else {
                (None, None)
            };
            CalibrationBin {
                lower: if b == 0 { 0.0 } else { upper[b - 1] },
                upper: upper[b],
                count: count[b],
                mean_confidence,
                accuracy,
            }
        })
        .collect();
    Ok(Calibration {
        bins,
        ece,
        mce,
        accuracy: correct.iter().sum::<usize>() as f64 / n,
        mean_confidence: conf_sum.iter().sum::<f64>() / n,
        samples: p.rows,
    })
}

/// The binary reliability curve; see [`calibration_curve`].
#[derive(Clone, Debug, PartialEq)]
pub struct CalibrationCurve {
    /// Per non-empty bin, the fraction of positives (scikit-learn's `prob_true`).
    pub prob_true: Vec<f64>,
    /// Per non-empty bin, the mean predicted probability (scikit-learn's `prob_pred`).
    pub prob_pred: Vec<f64>,
    /// Per non-empty bin, the number of samples in it.
    pub counts: Vec<usize>,
    /// Per non-empty bin, its index among the `n_bins` bins (to place it on the axis).
    pub bins: Vec<usize>,
}

/// The reliability curve of a binary classifier, as
/// `sklearn.calibration.calibration_curve(y_true, prob_pos, n_bins=n_bins,
/// strategy="uniform")`: `prob_pos` (the predicted probability of class 1) is binned into
/// `n_bins` equal-width bins as described in the [module documentation](self); for each
/// non-empty bin the fraction of `y_true == 1` and the mean of `prob_pos` are reported, and
/// empty bins are dropped, as scikit-learn does (so the vectors may be shorter than
/// `n_bins`; [`CalibrationCurve::bins`] says which bins remain).
///
/// Errors: different lengths or empty input; a label other than 0 or 1
/// ([`Error::LabelOutOfRange`]); a probability outside `[0, 1]` or non-finite;
/// `n_bins == 0`.
///
/// ```
/// use trustnn::monitor::calibration_curve;
/// // scikit-learn's docstring example: prob_true [0, 0.5, 1], prob_pred [0.2, 0.525, 0.85]
/// let c = calibration_curve(&[0, 0, 0, 0, 1, 1, 1, 1, 1], &[0.1, 0.2, 0.3, 0.4, 0.65, 0.7, 0.8, 0.9, 1.0], 3)?;
/// assert_eq!(c.prob_true, vec![0.0, 0.5, 1.0]);
/// assert!((c.prob_pred[1] - 0.525).abs() < 1e-7);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn calibration_curve(y_true: &[usize], prob_pos: &[f32], n_bins: usize) -> Result<CalibrationCurve> {
    const WHAT: &str = "calibration_curve";
    check_bins(n_bins, WHAT)?;
    if prob_pos.is_empty() {
        return Err(Error::empty(format!("{WHAT} (probabilities)")));
    }
    if y_true.len() != prob_pos.len() {
        return Err(Error::shape(
            format!("{WHAT} (labels)"),
            format!("{} labels, one per probability", prob_pos.len()),
            &[y_true.len()],
        ));
    }
    if let Some(row) = y_true.iter().position(|&l| l > 1) {
        return Err(Error::LabelOutOfRange {
            context: WHAT.into(),
            row,
            label: y_true[row] as f32,
            num_classes: 2,
        });
    }
    if let Some(i) = prob_pos.iter().position(|p| !p.is_finite()) {
        return Err(Error::NonFinite {
            context: format!("{WHAT} (probabilities)"),
            position: format!("index {i}"),
            value: prob_pos[i],
        });
    }
    if let Some(i) = prob_pos.iter().position(|p| !(0.0..=1.0).contains(p)) {
        return Err(Error::config(
            format!("{WHAT}: probability at index {i}"),
            prob_pos[i],
            "probabilities must be in [0, 1]",
        ));
    }
    let upper = upper_edges(n_bins);
    let mut count = vec![0usize; n_bins];
    let mut prob_sum = vec![0.0f64; n_bins];
    let mut positives = vec![0usize; n_bins];
    for (&y, &p) in y_true.iter().zip(prob_pos) {
        let b = bin_of(&upper, p as f64);
        count[b] += 1;
        prob_sum[b] += p as f64;
        positives[b] += y;
    }
    let mut curve = CalibrationCurve {
        prob_true: Vec::new(),
        prob_pred: Vec::new(),
        counts: Vec::new(),
        bins: Vec::new(),
    };
    for b in (0..n_bins).filter(|&b| count[b] > 0) {
        curve.prob_true.push(positives[b] as f64 / count[b] as f64);
        curve.prob_pred.push(prob_sum[b] / count[b] as f64);
        curve.counts.push(count[b]);
        curve.bins.push(b);
    }
    Ok(curve)
}
