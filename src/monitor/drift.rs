//! [`DriftMonitor`]: is the data a deployed model sees still like the data it was trained
//! on? Fitted once on the training (reference) inputs — and optionally the model's
//! predictions on them — it compares each incoming batch feature by feature with the
//! population stability index and the two-sample Kolmogorov–Smirnov test (p-values
//! corrected for testing many features at once), and compares the predicted-class
//! distribution with PSI and a chi-square test.
//!
//! # What is stored at `fit`
//!
//! Per feature, from the reference column sorted ascending:
//! - **bin edges** for PSI: the `n_bins − 1` interior quantiles at `b/n_bins`
//!   (`b = 1 … n_bins−1`; deciles by default), computed as NumPy's default
//!   `np.quantile(x, b/n_bins)` (linear interpolation, Hyndman & Fan type 7). Equal edges
//!   (from ties in the reference) are merged into one, and edges equal to the reference
//!   maximum are dropped, so the bins are `(−∞, e₁], (e₁, e₂], …, (e_last, +∞)`: right-closed,
//!   with the outer bins open-ended, so values below (above) the reference range fall in the
//!   first (last) bin. A feature with heavy ties therefore has fewer than `n_bins` bins, and
//!   a constant feature has one bin, whose PSI is always 0 (its KS test still reacts to any
//!   change).
//! - the **reference proportions** of those bins, over the whole reference;
//! - the **reference sample for KS**: the whole sorted column when it has at most
//!   [`DriftConfig::max_reference_sample`] values (default 10 000); otherwise, the order
//!   statistics at the evenly spaced ranks `⌊(2i+1)·n / (2c)⌋`, `i = 0 … c−1` (`c` the cap).
//!   This choice is deterministic (no seed) and keeps the sample's empirical distribution
//!   within `1/c` of the full reference's; the test then treats it as `c` independent
//!   draws, which overstates the reference's noise a little and so errs towards fewer
//!   alarms.
//!
//! # What `check` computes
//!
//! Per feature:
//! - **PSI** `= Σᵢ (aᵢ − eᵢ)·ln(aᵢ/eᵢ)` over the bins, `e` the reference and `a` the batch
//!   proportions, each floored at [`DriftConfig::psi_epsilon`] (default `1e-4`, no
//!   renormalization). The floor keeps an empty bin's contribution finite — at most
//!   `eᵢ·ln(eᵢ/10⁻⁴)`, about 0.69 for a decile bin — while leaving every non-empty bin
//!   untouched for batches of up to 10 000 rows (their smallest non-zero proportion is
//!   `1/rows >= 10⁻⁴`). Bands ([`PsiBand`]): `< 0.1` no significant change, `0.1–0.25`
//!   moderate, `> 0.25` significant.
//! - the **two-sample KS test** of the reference sample against the batch column: statistic
//!   `D` computed exactly on the merged sorted samples, and its p-value as
//!   `scipy.stats.ks_2samp` (see [`stats::ks_2samp`](super::stats::ks_2samp); by default
//!   exact when both samples have at most 10 000 values, else SciPy's asymptotic method);
//! - the p-values **adjusted** across features by [`DriftConfig::correction`] (Holm by
//!   default, or Benjamini–Hochberg);
//! - **drifted** by [`DriftRule`]: by default `adjusted p < alpha` (alpha = 0.05) **or**
//!   `PSI > 0.25`; either criterion can be switched off.
//!
//! With predictions, the predicted-class distribution: its PSI over the classes (same
//! floor) and Pearson's chi-square test of homogeneity of the reference and batch class
//! counts (as `scipy.stats.chi2_contingency`, see
//! [`stats::chi_square_homogeneity`](super::stats::chi_square_homogeneity)); it drifted by
//! the same rule, with the chi-square p-value (a single test, not adjusted) in place of the
//! KS one.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::stats::{
    ChiSquareTest, Correction, KsMethod, PsiBand, chi_square_homogeneity, ks_2samp_sorted, psi_unchecked,
    quantile_linear,
};
use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// When a feature (or the predicted-class distribution) counts as drifted: when any enabled
/// criterion fires.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DriftRule {
    /// Fire when the test's p-value (adjusted across features for KS; the chi-square
    /// p-value for classes) is below `alpha`. Default true.
    pub test: bool,
    /// Fire when PSI exceeds this value; `None` disables the criterion. Default
    /// `Some(0.25)`, the usual "significant change" threshold.
    pub psi_threshold: Option<f64>,
}

impl Default for DriftRule {
    fn default() -> Self {
        DriftRule {
            test: true,
            psi_threshold: Some(0.25),
        }
    }
}

impl fmt::Display for DriftRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.test, self.psi_threshold) {
            (true, Some(t)) => write!(f, "p < alpha or PSI > {t}"),
            (true, None) => write!(f, "p < alpha"),
            (false, Some(t)) => write!(f, "PSI > {t}"),
            (false, None) => write!(f, "never"),
        }
    }
}

/// Options of [`DriftMonitor::fit`].
///
/// ```
/// use trustnn::monitor::{Correction, DriftConfig};
/// let cfg = DriftConfig::new()
///     .alpha(0.01)
///     .correction(Correction::BenjaminiHochberg)
///     .feature_names(&["age", "income"]);
/// assert_eq!(cfg.n_bins, 10);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DriftConfig {
    /// Number of quantile bins for PSI before merging ties (default 10: deciles); `>= 2`.
    pub n_bins: usize,
    /// Floor for empty-bin proportions in PSI (default `1e-4`); in `(0, 0.01]`.
    pub psi_epsilon: f64,
    /// Significance level of the tests (default 0.05); in `(0, 1)`.
    pub alpha: f64,
    /// Multiple-testing correction across features (default Holm).
    pub correction: Correction,
    /// How KS p-values are computed (default [`KsMethod::Auto`], as SciPy).
    pub ks_method: KsMethod,
    /// Most reference values kept per feature for the KS test (default 10 000); `>= 1`.
    pub max_reference_sample: usize,
    /// Feature names for the report (default `x0, x1, …`); one per feature.
    pub feature_names: Option<Vec<String>>,
    /// Number of classes of the predictions (default: the largest reference prediction + 1).
    pub num_classes: Option<usize>,
    /// When something counts as drifted.
    pub rule: DriftRule,
}

impl Default for DriftConfig {
    fn default() -> Self {
        DriftConfig {
            n_bins: 10,
            psi_epsilon: 1e-4,
            alpha: 0.05,
            correction: Correction::Holm,
            ks_method: KsMethod::Auto,
            max_reference_sample: 10_000,
            feature_names: None,
            num_classes: None,
            rule: DriftRule::default(),
        }
    }
}

impl DriftConfig {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the number of PSI bins.
    pub fn n_bins(mut self, n_bins: usize) -> Self {
        self.n_bins = n_bins;
        self
    }

    /// Sets the PSI floor for empty bins.
    pub fn psi_epsilon(mut self, epsilon: f64) -> Self {
        self.psi_epsilon = epsilon;
        self
    }

    /// Sets the significance level.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// Sets the multiple-testing correction.
    pub fn correction(mut self, correction: Correction) -> Self {
        self.correction = correction;
        self
    }

    /// Sets how KS p-values are computed.
    pub fn ks_method(mut self, method: KsMethod) -> Self {
        self.ks_method = method;
        self
    }

    /// Sets the cap on reference values kept per feature for KS.
    pub fn max_reference_sample(mut self, cap: usize) -> Self {
        self.max_reference_sample = cap;
        self
    }

    /// Sets the feature names.
    pub fn feature_names<S: AsRef<str>>(mut self, names: &[S]) -> Self {
        self.feature_names = Some(names.iter().map(|s| s.as_ref().to_string()).collect());
        self
    }

    /// Sets the number of classes of the predictions.
    pub fn num_classes(mut self, k: usize) -> Self {
        self.num_classes = Some(k);
        self
    }

    /// Sets the drift rule.
    pub fn rule(mut self, rule: DriftRule) -> Self {
        self.rule = rule;
        self
    }

    fn validate(&self) -> Result<()> {
        if self.n_bins < 2 {
            return Err(Error::config("DriftConfig.n_bins", self.n_bins, "must be >= 2"));
        }
        if !(self.psi_epsilon > 0.0 && self.psi_epsilon <= 0.01) {
            return Err(Error::config(
                "DriftConfig.psi_epsilon",
                self.psi_epsilon,
                "must be in (0, 0.01]",
            ));
        }
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(Error::config(
                "DriftConfig.alpha",
                self.alpha,
                "must be in (0, 1)",
            ));
        }
        if self.max_reference_sample == 0 {
            return Err(Error::config(
                "DriftConfig.max_reference_sample",
                0,
                "must be >= 1",
            ));
        }
        if self.num_classes == Some(0) {
            return Err(Error::config("DriftConfig.num_classes", 0, "must be >= 1"));
        }
        if let Some(t) = self.rule.psi_threshold
            && !(t.is_finite() && t >= 0.0)
        {
            return Err(Error::config(
                "DriftRule.psi_threshold",
                t,
                "must be finite and >= 0",
            ));
        }
        if !self.rule.test && self.rule.psi_threshold.is_none() {
            return Err(Error::config(
                "DriftConfig.rule",
                "test = false, psi_threshold = None",
                "a rule with no criterion never fires; enable the test or a PSI threshold",
            ));
        }
        Ok(())
    }
}

/// What the monitor keeps about one reference feature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct FeatureReference {
    /// Interior PSI bin edges, strictly increasing.
    edges: Vec<f64>,
    /// Reference proportion of each of the `edges.len() + 1` bins.
    proportions: Vec<f64>,
    /// The (possibly capped) sorted reference sample for KS.
    sample: Vec<f32>,
}

/// A drift monitor fitted on reference data; see the [module documentation](self) for
/// exactly what it stores and computes.
///
/// It can be saved with serde (e.g. next to the model); loading validates every stored
/// value, so a damaged or edited file gives an error, not a monitor that panics later.
///
/// ```
/// use trustnn::Tensor;
/// use trustnn::monitor::{DriftConfig, DriftMonitor};
/// // Reference: feature 0 spread over [0, 1), feature 1 constant-ish around 5.
/// let rows: Vec<[f32; 2]> = (0..200).map(|i| [i as f32 / 200.0, 5.0 + (i % 7) as f32 * 0.01]).collect();
/// let monitor = DriftMonitor::fit(&Tensor::from_rows(&rows)?, None, DriftConfig::new().feature_names(&["a", "b"]))?;
/// // A batch whose feature "a" moved up by half its range.
/// let batch: Vec<[f32; 2]> = (0..100).map(|i| [0.5 + i as f32 / 200.0, 5.0 + (i % 7) as f32 * 0.01]).collect();
/// let report = monitor.check(&Tensor::from_rows(&batch)?, None)?;
/// assert_eq!(report.drifted_feature_names(), vec!["a"]);
/// println!("{report}");
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "DriftMonitorData")]
pub struct DriftMonitor {
    config: DriftConfig,
    names: Vec<String>,
    features: Vec<FeatureReference>,
    reference_rows: usize,
    /// Reference counts of each predicted class.
    class_counts: Option<Vec<u64>>,
}

/// The serialized form of [`DriftMonitor`], validated by `TryFrom` on loading.
#[derive(Deserialize)]
struct DriftMonitorData {
    config: DriftConfig,
    names: Vec<String>,
    features: Vec<FeatureReference>,
    reference_rows: usize,
    class_counts: Option<Vec<u64>>,
}

impl TryFrom<DriftMonitorData> for DriftMonitor {
    type Error = Error;

    fn try_from(d: DriftMonitorData) -> Result<Self> {
        let bad = |what: String, reason: &str| Error::Format {
            context: "DriftMonitor".into(),
            reason: format!("{what}: {reason}"),
        };
        d.config.validate()?;
        if d.features.is_empty() || d.reference_rows == 0 {
            return Err(bad("features".into(), "no features or no reference rows"));
        }
        if d.names.len() != d.features.len() {
            return Err(bad("names".into(), "one name per feature is required"));
        }
        for (name, f) in d.names.iter().zip(&d.features) {
            if f.edges.iter().any(|e| !e.is_finite()) || f.edges.windows(2).any(|w| w[0] >= w[1]) {
                return Err(bad(
                    format!("feature {name:?} edges"),
                    "must be finite and strictly increasing",
                ));
            }
            if f.proportions.len() != f.edges.len() + 1
                || f.proportions.iter().any(|p| !(0.0..=1.0).contains(p))
            {
                return Err(bad(
                    format!("feature {name:?} proportions"),
                    "need one proportion in [0, 1] per bin",
                ));
            }
            if f.sample.is_empty()
                || f.sample.iter().any(|v| !v.is_finite())
                || f.sample.windows(2).any(|w| w[0] > w[1])
            {
                return Err(bad(
                    format!("feature {name:?} sample"),
                    "must be non-empty, finite and sorted",
                ));
            }
        }
        if let Some(c) = &d.class_counts
            && (c.is_empty() || c.iter().sum::<u64>() == 0)
        {
            return Err(bad("class_counts".into(), "must hold at least one count"));
        }
        Ok(DriftMonitor {
            config: d.config,
            names: d.names,
            features: d.features,
            reference_rows: d.reference_rows,
            class_counts: d.class_counts,
        })
    }
}

/// Checks that `x` is a non-empty, finite `[rows, features]` tensor (`features` if given).
fn check_table(x: &Tensor, features: Option<usize>, what: &str) -> Result<()> {
    let expected = features.map_or("[rows, features]".to_string(), |f| format!("[*, {f}]"));
    if x.ndim() != 2 || features.is_some_and(|f| x.shape()[1] != f) {
        return Err(Error::shape(what, expected, x.shape()));
    }
    if x.shape()[0] == 0 || x.shape()[1] == 0 {
        return Err(Error::empty(what));
    }
    x.check_finite(what)
}

/// Writes column `j` of the row-major `[rows, width]` values into `out`, sorted ascending.
fn sorted_column(values: &[f32], width: usize, j: usize, out: &mut Vec<f32>) {
    out.clear();
    out.extend(values.iter().skip(j).step_by(width).copied());
    out.sort_unstable_by(f32::total_cmp);
}

/// Bin proportions of a sorted column for interior `edges` (bins right-closed).
fn bin_proportions(sorted: &[f32], edges: &[f64]) -> Vec<f64> {
    let n = sorted.len() as f64;
    let mut props = Vec::with_capacity(edges.len() + 1);
    let mut start = 0;
    for &e in edges {
        let end = start + sorted[start..].partition_point(|&v| (v as f64) <= e);
        props.push((end - start) as f64 / n);
        start = end;
    }
    props.push((sorted.len() - start) as f64 / n);
    props
}

fn check_predictions(pred: &[usize], rows: usize, num_classes: Option<usize>, what: &str) -> Result<()> {
    if pred.len() != rows {
        return Err(Error::shape(
            what,
            format!("{rows} predictions, one per row of the inputs"),
            &[pred.len()],
        ));
    }
    if let Some(k) = num_classes
        && let Some(row) = pred.iter().position(|&c| c >= k)
    {
        return Err(Error::LabelOutOfRange {
            context: what.into(),
            row,
            label: pred[row] as f32,
            num_classes: k,
        });
    }
    Ok(())
}

fn class_counts(pred: &[usize], k: usize) -> Vec<u64> {
    let mut counts = vec![0u64; k];
    for &c in pred {
        counts[c] += 1;
    }
    counts
}

fn proportions(counts: &[u64]) -> Vec<f64> {
    let n = counts.iter().sum::<u64>() as f64;
    counts.iter().map(|&c| c as f64 / n).collect()
}

impl DriftMonitor {
    /// Fits the monitor on `reference`, `[rows, features]` (usually the training inputs, in
    /// the same preprocessing the model sees), and optionally the model's predicted classes
    /// on it (`model.predict_classes(&reference)?`), which enables the predicted-class check.
    ///
    /// Errors: an invalid configuration ([`Error::InvalidConfig`]); a tensor that is not
    /// 2-d, or feature names of the wrong count ([`Error::ShapeMismatch`]); no rows
    /// ([`Error::EmptyInput`]); a non-finite value ([`Error::NonFinite`], naming row and
    /// column); predictions of the wrong length, or one `>= num_classes` when that is
    /// configured ([`Error::LabelOutOfRange`]).
    pub fn fit(
        reference: &Tensor,
        reference_predictions: Option<&[usize]>,
        config: DriftConfig,
    ) -> Result<Self> {
        const WHAT: &str = "DriftMonitor::fit (reference)";
        config.validate()?;
        check_table(reference, None, WHAT)?;
        let (rows, width) = (reference.shape()[0], reference.shape()[1]);
        let names = match &config.feature_names {
            Some(names) if names.len() != width => {
                return Err(Error::shape(
                    "DriftConfig.feature_names",
                    format!("{width} names, one per reference feature"),
                    &[names.len()],
                ));
            }
            Some(names) => names.clone(),
            None => (0..width).map(|j| format!("x{j}")).collect(),
        };
        let class_counts = match reference_predictions {
            None => None,
            Some(pred) => {
                check_predictions(
                    pred,
                    rows,
                    config.num_classes,
                    "DriftMonitor::fit (reference predictions)",
                )?;
                let k = config
                    .num_classes
                    .unwrap_or_else(|| pred.iter().max().map_or(1, |&m| m + 1));
                Some(class_counts(pred, k))
            }
        };
        let cap = config.max_reference_sample;
        let mut column = Vec::with_capacity(rows);
        let features = (0..width)
            .map(|j| {
                sorted_column(reference.as_slice(), width, j, &mut column);
                let max = column[rows - 1] as f64;
                let mut edges: Vec<f64> = Vec::with_capacity(config.n_bins - 1);
                for b in 1..config.n_bins {
                    let q = quantile_linear(&column, b as f64 / config.n_bins as f64);
                    if q < max && edges.last().is_none_or(|&last| q > last) {
                        edges.push(q);
                    }
                }
                let proportions = bin_proportions(&column, &edges);
                let sample = if rows <= cap {
                    column.clone()
                } else {
                    (0..cap)
                        .map(|i| column[((2 * i + 1) as u128 * rows as u128 / (2 * cap) as u128) as usize])
                        .collect()
                };
                FeatureReference {
                    edges,
                    proportions,
                    sample,
                }
            })
            .collect();
        Ok(DriftMonitor {
            config,
            names,
            features,
            reference_rows: rows,
            class_counts,
        })
    }

    /// Compares `batch` (`[rows, features]`, same features as the reference) and optionally
    /// the model's predicted classes on it with the reference; see the
    /// [module documentation](self).
    ///
    /// Errors: a batch that is not `[*, features]` ([`Error::ShapeMismatch`]), empty
    /// ([`Error::EmptyInput`]) or not finite ([`Error::NonFinite`], naming row and column);
    /// predictions of the wrong length, or out of the reference's class range
    /// ([`Error::LabelOutOfRange`]), or given to a monitor fitted without reference
    /// predictions ([`Error::InvalidConfig`]).
    pub fn check(&self, batch: &Tensor, predictions: Option<&[usize]>) -> Result<DriftReport> {
        let width = self.features.len();
        check_table(batch, Some(width), "DriftMonitor::check (batch)")?;
        let rows = batch.shape()[0];
        let class_counts = match (predictions, &self.class_counts) {
            (None, _) => None,
            (Some(_), None) => {
                return Err(Error::config(
                    "DriftMonitor::check predictions",
                    "Some(..)",
                    "the monitor was fitted without reference predictions",
                ));
            }
            (Some(pred), Some(reference)) => {
                check_predictions(
                    pred,
                    rows,
                    Some(reference.len()),
                    "DriftMonitor::check (predictions)",
                )?;
                Some((reference, class_counts(pred, reference.len())))
            }
        };
        let cfg = &self.config;
        let mut column = Vec::with_capacity(rows);
        let mut features: Vec<FeatureDrift> = self
            .features
            .iter()
            .zip(&self.names)
            .enumerate()
            .map(|(j, (f, name))| {
                sorted_column(batch.as_slice(), width, j, &mut column);
                let batch_props = bin_proportions(&column, &f.edges);
                let psi = psi_unchecked(&f.proportions, &batch_props, cfg.psi_epsilon);
                let ks = ks_2samp_sorted(&f.sample, &column, cfg.ks_method);
                FeatureDrift {
                    index: j,
                    name: name.clone(),
                    psi,
                    psi_band: PsiBand::of(psi),
                    ks_statistic: ks.statistic,
                    p_value: ks.p_value,
                    adjusted_p_value: ks.p_value,
                    ks_method: ks.method,
                    drifted: false,
                }
            })
            .collect();
        let raw: Vec<f64> = features.iter().map(|f| f.p_value).collect();
        for (f, adj) in features.iter_mut().zip(cfg.correction.adjust(&raw)) {
            f.adjusted_p_value = adj;
            f.drifted = self.fires(adj, f.psi);
        }
        let classes = match class_counts {
            None => None,
            Some((reference, counts)) => {
                let (ref_props, batch_props) = (proportions(reference), proportions(&counts));
                let psi = psi_unchecked(&ref_props, &batch_props, cfg.psi_epsilon);
                let chi_square = chi_square_homogeneity(reference, &counts)?;
                Some(ClassDrift {
                    psi,
                    psi_band: PsiBand::of(psi),
                    chi_square,
                    drifted: self.fires(chi_square.p_value, psi),
                    reference_proportions: ref_props,
                    batch_proportions: batch_props,
                })
            }
        };
        Ok(DriftReport {
            features,
            classes,
            rows,
            reference_rows: self.reference_rows,
            alpha: cfg.alpha,
            correction: cfg.correction,
            rule: cfg.rule.clone(),
        })
    }

    fn fires(&self, p: f64, psi: f64) -> bool {
        let rule = &self.config.rule;
        (rule.test && p < self.config.alpha) || rule.psi_threshold.is_some_and(|t| psi > t)
    }

    /// The configuration the monitor was fitted with.
    pub fn config(&self) -> &DriftConfig {
        &self.config
    }

    /// Number of features.
    pub fn num_features(&self) -> usize {
        self.features.len()
    }

    /// The feature names (given, or `x0, x1, …`).
    pub fn feature_names(&self) -> &[String] {
        &self.names
    }

    /// Number of reference rows the monitor was fitted on.
    pub fn reference_rows(&self) -> usize {
        self.reference_rows
    }

    /// The interior PSI bin edges of feature `j` (`None` if out of range).
    pub fn bin_edges(&self, j: usize) -> Option<&[f64]> {
        self.features.get(j).map(|f| f.edges.as_slice())
    }

    /// The reference proportion of each PSI bin of feature `j` (`None` if out of range).
    pub fn reference_proportions(&self, j: usize) -> Option<&[f64]> {
        self.features.get(j).map(|f| f.proportions.as_slice())
    }

    /// The sorted reference sample feature `j` is KS-tested against (`None` if out of range).
    pub fn reference_sample(&self, j: usize) -> Option<&[f32]> {
        self.features.get(j).map(|f| f.sample.as_slice())
    }

    /// The reference proportion of each predicted class (`None` if fitted without
    /// predictions).
    pub fn reference_class_proportions(&self) -> Option<Vec<f64>> {
        self.class_counts.as_deref().map(proportions)
    }
}

/// The drift of one feature; see [`DriftReport`].
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureDrift {
    /// The feature's column.
    pub index: usize,
    /// The feature's name.
    pub name: String,
    /// Population stability index of the batch against the reference.
    pub psi: f64,
    /// The PSI's band.
    pub psi_band: PsiBand,
    /// The two-sample KS statistic `D`.
    pub ks_statistic: f64,
    /// The KS p-value before correction.
    pub p_value: f64,
    /// The KS p-value after the multiple-testing correction across features.
    pub adjusted_p_value: f64,
    /// How the p-value was computed (exact or asymptotic).
    pub ks_method: KsMethod,
    /// Whether the drift rule fired.
    pub drifted: bool,
}

/// The drift of the predicted-class distribution; see [`DriftReport`].
#[derive(Clone, Debug, PartialEq)]
pub struct ClassDrift {
    /// PSI of the batch's predicted-class proportions against the reference's.
    pub psi: f64,
    /// The PSI's band.
    pub psi_band: PsiBand,
    /// Chi-square test of homogeneity of the two class-count vectors.
    pub chi_square: ChiSquareTest,
    /// The reference proportion of each class.
    pub reference_proportions: Vec<f64>,
    /// The batch proportion of each class.
    pub batch_proportions: Vec<f64>,
    /// Whether the drift rule fired (chi-square p < alpha, or PSI over the threshold).
    pub drifted: bool,
}

/// The result of [`DriftMonitor::check`]: per feature, how much it moved and whether that
/// counts as drift; `Display` prints it as a table.
#[derive(Clone, Debug, PartialEq)]
pub struct DriftReport {
    /// One entry per feature, in column order.
    pub features: Vec<FeatureDrift>,
    /// The predicted-class check, when predictions were given.
    pub classes: Option<ClassDrift>,
    /// Rows in the batch.
    pub rows: usize,
    /// Rows the monitor was fitted on.
    pub reference_rows: usize,
    /// The significance level used.
    pub alpha: f64,
    /// The correction used across features.
    pub correction: Correction,
    /// The rule used.
    pub rule: DriftRule,
}

impl DriftReport {
    /// The features that drifted.
    pub fn drifted_features(&self) -> Vec<&FeatureDrift> {
        self.features.iter().filter(|f| f.drifted).collect()
    }

    /// The names of the features that drifted.
    pub fn drifted_feature_names(&self) -> Vec<&str> {
        self.features
            .iter()
            .filter(|f| f.drifted)
            .map(|f| f.name.as_str())
            .collect()
    }

    /// True if any feature or the predicted-class distribution drifted.
    pub fn any_drift(&self) -> bool {
        self.features.iter().any(|f| f.drifted) || self.classes.as_ref().is_some_and(|c| c.drifted)
    }
}

fn fmt_p(p: f64) -> String {
    if p >= 1e-3 {
        format!("{p:.4}")
    } else {
        format!("{p:.2e}")
    }
}

impl fmt::Display for DriftReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Drift check: {} rows against {} reference rows; KS p-values adjusted by {}, alpha = {}; drifted when {}",
            self.rows, self.reference_rows, self.correction, self.alpha, self.rule
        )?;
        let w = self
            .features
            .iter()
            .map(|x| x.name.chars().count())
            .max()
            .unwrap_or(0)
            .max(15);
        writeln!(
            f,
            "{:<w$} {:>9}  {:<11} {:>7} {:>9} {:>9}  drifted",
            "feature", "PSI", "band", "KS D", "p-value", "adj. p"
        )?;
        for x in &self.features {
            writeln!(
                f,
                "{:<w$} {:>9.4}  {:<11} {:>7.4} {:>9} {:>9}  {}",
                x.name,
                x.psi,
                x.psi_band,
                x.ks_statistic,
                fmt_p(x.p_value),
                fmt_p(x.adjusted_p_value),
                if x.drifted { "YES" } else { "no" }
            )?;
        }
        if let Some(c) = &self.classes {
            writeln!(
                f,
                "{:<w$} {:>9.4}  {:<11} chi2 = {:.3} (dof {}), p = {}  {}",
                "predicted class",
                c.psi,
                c.psi_band,
                c.chi_square.statistic,
                c.chi_square.dof,
                fmt_p(c.chi_square.p_value),
                if c.drifted { "YES" } else { "no" }
            )?;
        }
        let names = self.drifted_feature_names();
        write!(f, "{} of {} features drifted", names.len(), self.features.len())?;
        if !names.is_empty() {
            write!(f, ": {}", names.join(", "))?;
        }
        if let Some(c) = &self.classes {
            write!(
                f,
                "; predicted-class distribution {}",
                if c.drifted { "drifted" } else { "stable" }
            )?;
        }
        writeln!(f)
    }
}
