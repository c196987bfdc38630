//! Group fairness measures with fairlearn's definitions (`fairlearn.metrics`) and AIF360's
//! privileged/unprivileged comparisons, with undefined values made explicit.

use std::fmt;

use crate::data::Dataset;
use crate::error::{Error, Result};

/// A measure's value, or the reason it has none (a zero denominator).
///
/// ```
/// use trustnn::fairness::Value;
/// assert_eq!(Value::Defined(0.5).get(), Some(0.5));
/// let u = Value::Undefined("no positive labels".into());
/// assert_eq!(u.get(), None);
/// assert_eq!(u.or_zero(), 0.0); // fairlearn's (scikit-learn's zero_division=0) number
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A number (fairlearn mode may also give NaN where fairlearn does, see [`Convention`]).
    Defined(f64),
    /// No value: the reason, with the counts behind it.
    Undefined(String),
}

impl Value {
    /// The number, if defined.
    pub fn get(&self) -> Option<f64> {
        match self {
            Value::Defined(v) => Some(*v),
            Value::Undefined(_) => None,
        }
    }

    /// Whether the value is defined.
    pub fn is_defined(&self) -> bool {
        matches!(self, Value::Defined(_))
    }

    /// The number, or 0 when undefined: what scikit-learn (`zero_division=0`,
    /// `confusion_matrix(normalize="true")`) and so fairlearn report.
    pub fn or_zero(&self) -> f64 {
        self.get().unwrap_or(0.0)
    }

    fn ratio(num: usize, den: usize, what: &str) -> Value {
        if den == 0 {
            Value::Undefined(format!("{what} is 0"))
        } else {
            Value::Defined(num as f64 / den as f64)
        }
    }

    fn map2(a: &Value, b: &Value, f: impl Fn(f64, f64) -> f64) -> Value {
        match (a, b) {
            (Value::Defined(x), Value::Defined(y)) => Value::Defined(f(*x, *y)),
            (Value::Undefined(r), _) | (_, Value::Undefined(r)) => Value::Undefined(r.clone()),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Defined(v) => write!(f, "{v:.4}"),
            Value::Undefined(_) => write!(f, "undefined"),
        }
    }
}

/// How undefined values are reported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Convention {
    /// trustnn's: a rate with a zero denominator is [`Value::Undefined`], and so is every
    /// aggregate (minimum, difference, ratio, ...) that needs it.
    #[default]
    Strict,
    /// fairlearn's numbers: such a rate is 0 (scikit-learn's `zero_division=0`), and a ratio
    /// whose largest group value is 0 is NaN (`0/0` in numpy), as fairlearn reports it.
    Fairlearn,
}

impl Convention {
    fn apply(self, v: &Value) -> Value {
        match self {
            Convention::Strict => v.clone(),
            Convention::Fairlearn => Value::Defined(v.or_zero()),
        }
    }
}

/// The group of each sample for one sensitive column, or for the intersection of several.
///
/// Groups are the distinct values, sorted (as fairlearn's `MetricFrame` index); an
/// intersection's group names join the columns' values with `" & "` (`"Female & White"`).
///
/// ```
/// use trustnn::fairness::Groups;
/// let g = Groups::new("sex", &["M", "F", "M"])?;
/// assert_eq!(g.names(), ["F", "M"]);
/// assert_eq!(g.index(), [1, 0, 1]);
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Groups {
    column: String,
    names: Vec<String>,
    index: Vec<usize>,
}

impl Groups {
    /// Groups from one value per sample; `column` names the sensitive attribute.
    ///
    /// Errors: no samples is [`Error::EmptyInput`].
    pub fn new<S: AsRef<str>>(column: &str, values: &[S]) -> Result<Self> {
        if values.is_empty() {
            return Err(Error::empty(format!("Groups::new ({column})")));
        }
        let mut names: Vec<String> = values.iter().map(|v| v.as_ref().to_string()).collect();
        names.sort();
        names.dedup();
        let index = values
            .iter()
            .map(|v| {
                names
                    .binary_search_by(|n| n.as_str().cmp(v.as_ref()))
                    .expect("name listed")
            })
            .collect();
        Ok(Groups {
            column: column.to_string(),
            names,
            index,
        })
    }

    /// Groups from a [`Dataset`]'s group columns: one column, or the intersection of several.
    ///
    /// Errors: no column is [`Error::EmptyInput`]; an unknown column is [`Error::UnknownName`].
    pub fn from_dataset(data: &Dataset, columns: &[&str]) -> Result<Self> {
        if columns.is_empty() {
            return Err(Error::empty("Groups::from_dataset (columns)"));
        }
        let cols = columns
            .iter()
            .map(|c| data.group(c))
            .collect::<Result<Vec<_>>>()?;
        let values: Vec<String> = (0..data.len())
            .map(|i| {
                cols.iter()
                    .map(|c| c.values[i].as_str())
                    .collect::<Vec<_>>()
                    .join(" & ")
            })
            .collect();
        Groups::new(&columns.join(" & "), &values)
    }

    /// The sensitive column's name (columns joined by `" & "` for an intersection).
    pub fn column(&self) -> &str {
        &self.column
    }

    /// The group names, sorted.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Each sample's group, as a position in [`Groups::names`].
    pub fn index(&self) -> &[usize] {
        &self.index
    }

    /// The number of samples.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Always false (groups have at least one sample).
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The number of groups.
    pub fn n_groups(&self) -> usize {
        self.names.len()
    }

    /// The position of a group name.
    ///
    /// Errors: an unknown name is [`Error::UnknownName`].
    pub fn position(&self, group: &str) -> Result<usize> {
        self.names
            .iter()
            .position(|n| n == group)
            .ok_or_else(|| Error::UnknownName {
                context: format!("groups of {}", self.column),
                name: group.to_string(),
                known: self.names.join(", "),
            })
    }

    /// The samples of each group (positions into the data).
    pub fn members(&self) -> Vec<Vec<usize>> {
        let mut m = vec![Vec::new(); self.names.len()];
        for (i, &g) in self.index.iter().enumerate() {
            m[g].push(i);
        }
        m
    }
}

/// Checks that `labels` are 0/1 and `n` long.
pub(crate) fn check_binary(context: &str, labels: &[usize], n: usize) -> Result<()> {
    if labels.len() != n {
        return Err(Error::shape(
            context,
            format!("[{n}] (one per sample)"),
            &[labels.len()],
        ));
    }
    if let Some((row, &l)) = labels.iter().enumerate().find(|&(_, &l)| l > 1) {
        return Err(Error::LabelOutOfRange {
            context: context.to_string(),
            row,
            label: l as f32,
            num_classes: 2,
        });
    }
    Ok(())
}

/// The confusion counts of one group (or of all samples), and the rates built on them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupStats {
    /// The group's name (`"overall"` for all samples).
    pub group: String,
    /// True positives (label 1, predicted 1).
    pub tp: usize,
    /// False positives (label 0, predicted 1).
    pub fp: usize,
    /// True negatives (label 0, predicted 0).
    pub tn: usize,
    /// False negatives (label 1, predicted 0).
    pub fn_: usize,
}

impl GroupStats {
    /// Counts from labels and predictions (both 0/1, not checked).
    pub fn from_labels(group: &str, y_true: &[usize], y_pred: &[usize]) -> Self {
        let mut s = GroupStats {
            group: group.to_string(),
            ..Default::default()
        };
        for (&t, &p) in y_true.iter().zip(y_pred) {
            s.add(t, p);
        }
        s
    }

    fn add(&mut self, t: usize, p: usize) {
        match (t == 1, p == 1) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (false, false) => self.tn += 1,
            (true, false) => self.fn_ += 1,
        }
    }

    fn merge(&mut self, o: &GroupStats) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.tn += o.tn;
        self.fn_ += o.fn_;
    }

    /// The number of samples.
    pub fn count(&self) -> usize {
        self.tp + self.fp + self.tn + self.fn_
    }

    /// The number of positive labels.
    pub fn positives(&self) -> usize {
        self.tp + self.fn_
    }

    /// The number of negative labels.
    pub fn negatives(&self) -> usize {
        self.fp + self.tn
    }

    /// The number of positive predictions.
    pub fn predicted_positives(&self) -> usize {
        self.tp + self.fp
    }

    fn why(&self, what: &str) -> String {
        format!(
            "group {:?}: {what} is 0 (n = {}, positive labels = {}, positive predictions = {})",
            self.group,
            self.count(),
            self.positives(),
            self.predicted_positives()
        )
    }

    fn rate(&self, num: usize, den: usize, what: &str) -> Value {
        match Value::ratio(num, den, what) {
            Value::Undefined(_) => Value::Undefined(self.why(what)),
            v => v,
        }
    }

    /// Base rate `P(y = 1)`: positives / count.
    pub fn base_rate(&self) -> Value {
        self.rate(self.positives(), self.count(), "the number of samples")
    }

    /// Selection rate `P(ŷ = 1)` (fairlearn's `selection_rate`): positive predictions / count.
    pub fn selection_rate(&self) -> Value {
        self.rate(self.predicted_positives(), self.count(), "the number of samples")
    }

    /// Accuracy: (TP + TN) / count.
    pub fn accuracy(&self) -> Value {
        self.rate(self.tp + self.tn, self.count(), "the number of samples")
    }

    /// True positive rate (recall) TP / (TP + FN); undefined without positive labels.
    pub fn true_positive_rate(&self) -> Value {
        self.rate(self.tp, self.positives(), "the number of positive labels")
    }

    /// False positive rate FP / (FP + TN); undefined without negative labels.
    pub fn false_positive_rate(&self) -> Value {
        self.rate(self.fp, self.negatives(), "the number of negative labels")
    }

    /// False negative rate FN / (TP + FN); undefined without positive labels.
    pub fn false_negative_rate(&self) -> Value {
        self.rate(self.fn_, self.positives(), "the number of positive labels")
    }

    /// Precision TP / (TP + FP); undefined without positive predictions.
    pub fn precision(&self) -> Value {
        self.rate(
            self.tp,
            self.predicted_positives(),
            "the number of positive predictions",
        )
    }
}

macro_rules! metric_fn {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        /// For use in [`MetricFrame::new`]; labels and predictions are 0/1.
        pub fn $name(y_true: &[usize], y_pred: &[usize]) -> Value {
            GroupStats::from_labels("all", y_true, y_pred).$name()
        }
    };
}
metric_fn!(
    /// Selection rate `P(ŷ = 1)`, as `fairlearn.metrics.selection_rate`.
    selection_rate
);
metric_fn!(
    /// Base rate `P(y = 1)`.
    base_rate
);
metric_fn!(
    /// Accuracy.
    accuracy
);
metric_fn!(
    /// True positive rate, as `fairlearn.metrics.true_positive_rate` (but undefined, not 0,
    /// without positive labels).
    true_positive_rate
);
metric_fn!(
    /// False positive rate, as `fairlearn.metrics.false_positive_rate` (undefined without
    /// negative labels).
    false_positive_rate
);
metric_fn!(
    /// False negative rate, as `fairlearn.metrics.false_negative_rate`.
    false_negative_rate
);
metric_fn!(
    /// Precision, as `sklearn.metrics.precision_score` (undefined, not 0, without positive
    /// predictions).
    precision
);

/// A metric by group, as fairlearn's `MetricFrame`: the value per group, overall, and its
/// group minimum, maximum, difference (max − min) and ratio (min / max) "between groups".
///
/// ```
/// use trustnn::fairness::{metrics, Groups, MetricFrame};
/// let y_true = [1, 0, 1, 1, 0, 0];
/// let y_pred = [1, 1, 1, 0, 0, 0];
/// let groups = Groups::new("sex", &["F", "F", "F", "M", "M", "M"])?;
/// let mf = MetricFrame::new("selection rate", &y_true, &y_pred, &groups, metrics::selection_rate)?;
/// assert_eq!(mf.difference().get(), Some(1.0)); // F selects 3/3, M 0/3
/// assert_eq!(mf.ratio().get(), Some(0.0));
/// println!("{mf}");
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct MetricFrame {
    name: String,
    by_group: Vec<(String, Value)>,
    overall: Value,
    convention: Convention,
}

impl MetricFrame {
    /// Evaluates `metric(y_true, y_pred)` on each group's samples and on all samples.
    ///
    /// Errors: `y_true` or `y_pred` not one per sample of `groups` is
    /// [`Error::ShapeMismatch`]; a label other than 0/1 is [`Error::LabelOutOfRange`].
    pub fn new(
        name: &str,
        y_true: &[usize],
        y_pred: &[usize],
        groups: &Groups,
        metric: impl Fn(&[usize], &[usize]) -> Value,
    ) -> Result<Self> {
        check_binary("MetricFrame::new (y_true)", y_true, groups.len())?;
        check_binary("MetricFrame::new (y_pred)", y_pred, groups.len())?;
        let by_group = groups
            .members()
            .iter()
            .zip(groups.names())
            .map(|(m, g)| {
                let t: Vec<usize> = m.iter().map(|&i| y_true[i]).collect();
                let p: Vec<usize> = m.iter().map(|&i| y_pred[i]).collect();
                let v = match metric(&t, &p) {
                    Value::Undefined(r) => Value::Undefined(format!("group {g:?} (n = {}): {r}", m.len())),
                    v => v,
                };
                (g.clone(), v)
            })
            .collect();
        Ok(MetricFrame {
            name: name.to_string(),
            by_group,
            overall: metric(y_true, y_pred),
            convention: Convention::Strict,
        })
    }

    /// Reports with `convention` (default [`Convention::Strict`]).
    pub fn convention(mut self, convention: Convention) -> Self {
        self.convention = convention;
        self
    }

    /// The metric's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value for each group, in the order of [`Groups::names`].
    pub fn by_group(&self) -> Vec<(String, Value)> {
        self.by_group
            .iter()
            .map(|(g, v)| (g.clone(), self.convention.apply(v)))
            .collect()
    }

    /// The value on all samples.
    pub fn overall(&self) -> Value {
        self.convention.apply(&self.overall)
    }

    fn values(&self) -> std::result::Result<Vec<f64>, String> {
        let mut out = Vec::with_capacity(self.by_group.len());
        for (_, v) in self.by_group() {
            match v {
                Value::Defined(x) => out.push(x),
                Value::Undefined(r) => return Err(r),
            }
        }
        Ok(out)
    }

    fn fold(&self, f: impl Fn(&[f64]) -> f64) -> Value {
        match self.values() {
            Ok(v) => Value::Defined(f(&v)),
            Err(r) => Value::Undefined(r),
        }
    }

    /// The smallest group value.
    pub fn group_min(&self) -> Value {
        self.fold(|v| v.iter().copied().fold(f64::INFINITY, f64::min))
    }

    /// The largest group value.
    pub fn group_max(&self) -> Value {
        self.fold(|v| v.iter().copied().fold(f64::NEG_INFINITY, f64::max))
    }

    /// `group_max − group_min` (fairlearn's `difference(method="between_groups")`), ≥ 0.
    pub fn difference(&self) -> Value {
        Value::map2(&self.group_max(), &self.group_min(), |a, b| a - b)
    }

    /// `group_min / group_max` (fairlearn's `ratio(method="between_groups")`), in [0, 1].
    /// When the largest value is 0: undefined ([`Convention::Strict`]) or NaN (fairlearn).
    pub fn ratio(&self) -> Value {
        let (lo, hi) = (self.group_min(), self.group_max());
        match (lo.get(), hi.get()) {
            (Some(_), Some(h)) if h == 0.0 && self.convention == Convention::Strict => Value::Undefined(
                format!("{}: every group's value is 0, so min / max is 0 / 0", self.name),
            ),
            _ => Value::map2(&lo, &hi, |a, b| a / b),
        }
    }

    /// `max |group − overall|` (fairlearn's `difference(method="to_overall")`).
    pub fn difference_to_overall(&self) -> Value {
        let o = self.overall();
        match (self.values(), o.get()) {
            (Ok(v), Some(o)) => Value::Defined(v.iter().map(|x| (x - o).abs()).fold(0.0, f64::max)),
            (Err(r), _) => Value::Undefined(r),
            (_, None) => o,
        }
    }

    /// The smallest over groups of `r = group / overall`, taken as `1 / r` when `r > 1`
    /// (fairlearn's `ratio(method="to_overall")`), in [0, 1].
    ///
    /// When the overall value is 0: undefined ([`Convention::Strict`]); in fairlearn mode a
    /// group value of 0 gives `0 / 0 = NaN`, which is skipped (pandas' `min`), a positive one
    /// gives `1 / ∞ = 0`, and the result is NaN only if every group gives NaN.
    pub fn ratio_to_overall(&self) -> Value {
        let o = self.overall();
        match (self.values(), o.get()) {
            (Ok(_), Some(z)) if z == 0.0 && self.convention == Convention::Strict => {
                Value::Undefined(format!(
                    "{}: the overall value is 0, so group / overall is undefined",
                    self.name
                ))
            }
            (Ok(v), Some(o)) => Value::Defined(nan_skipping_min(v.iter().map(|&x| {
                let r = x / o;
                if r > 1.0 { 1.0 / r } else { r }
            }))),
            (Err(r), _) => Value::Undefined(r),
            (_, None) => o,
        }
    }
}

/// The smallest value, NaN skipped (pandas' `Series.min`); NaN when every value is NaN.
fn nan_skipping_min(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(f64::NAN, f64::min)
}

/// How fairlearn aggregates the TPR and FPR parts of equalized odds.
///
/// `worst_case` is Python's built-in `max` / `min` over the pair `[tpr, fpr]`, which keeps
/// the first element unless the second compares greater (smaller): a NaN TPR part wins, a
/// NaN FPR part is ignored. `mean` is pandas' `Series.mean`, which skips NaN. trustnn's
/// strict convention never gets here with NaN (such parts are undefined instead).
fn python_max(tpr: f64, fpr: f64) -> f64 {
    if fpr > tpr { fpr } else { tpr }
}

fn python_min(tpr: f64, fpr: f64) -> f64 {
    if fpr < tpr { fpr } else { tpr }
}

fn nan_skipping_mean(a: f64, b: f64) -> f64 {
    match (a.is_nan(), b.is_nan()) {
        (false, false) => (a + b) / 2.0,
        (true, false) => b,
        (false, true) => a,
        (true, true) => f64::NAN,
    }
}

impl fmt::Display for MetricFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = self
            .by_group
            .iter()
            .map(|(g, _)| g.len())
            .max()
            .unwrap_or(0)
            .max(10);
        writeln!(f, "{:<w$}  {}", "group", self.name)?;
        for (g, v) in self.by_group() {
            writeln!(f, "{g:<w$}  {v}")?;
        }
        writeln!(f, "{:<w$}  {}", "overall", self.overall())?;
        writeln!(f, "{:<w$}  {}", "min", self.group_min())?;
        writeln!(f, "{:<w$}  {}", "max", self.group_max())?;
        writeln!(f, "{:<w$}  {}", "difference", self.difference())?;
        writeln!(f, "{:<w$}  {}", "ratio", self.ratio())?;
        for (g, v) in &self.by_group {
            if let Value::Undefined(r) = v {
                writeln!(f, "  note: {g}: undefined because {r}")?;
            }
        }
        Ok(())
    }
}

/// The disparity measures of one set of predictions, with fairlearn's definitions
/// (between groups: difference = max − min, ratio = min / max).
#[derive(Clone, Debug, PartialEq)]
pub struct Disparities {
    /// `demographic_parity_difference`: spread of selection rates.
    pub demographic_parity_difference: Value,
    /// `demographic_parity_ratio`: min / max selection rate.
    pub demographic_parity_ratio: Value,
    /// `equalized_odds_difference(agg="worst_case")`: max(TPR difference, FPR difference).
    pub equalized_odds_difference: Value,
    /// `equalized_odds_difference(agg="mean")`: mean of the TPR and FPR differences.
    pub equalized_odds_difference_mean: Value,
    /// `equalized_odds_ratio(agg="worst_case")`: min(TPR ratio, FPR ratio). In fairlearn
    /// mode, as fairlearn's Python `min([tpr_ratio, fpr_ratio])`: NaN when the TPR ratio is
    /// NaN (every TPR 0), the TPR ratio when only the FPR ratio is NaN.
    pub equalized_odds_ratio: Value,
    /// `equalized_odds_ratio(agg="mean")`: mean of the TPR and FPR ratios. In fairlearn
    /// mode a NaN ratio is skipped (pandas' `mean`).
    pub equalized_odds_ratio_mean: Value,
    /// `equal_opportunity_difference`: spread of true positive rates.
    pub equal_opportunity_difference: Value,
    /// `equal_opportunity_ratio`: min / max true positive rate.
    pub equal_opportunity_ratio: Value,
    /// Predictive parity difference: spread of precisions.
    pub predictive_parity_difference: Value,
}

/// AIF360's comparison of the unprivileged samples (every group but the privileged one,
/// together) with the privileged group; differences are signed, unprivileged − privileged.
#[derive(Clone, Debug, PartialEq)]
pub struct PrivilegedComparison {
    /// The privileged group.
    pub privileged: String,
    /// `disparate_impact`: selection rate of unprivileged / privileged.
    pub disparate_impact: Value,
    /// Whether the disparate impact is at least 0.8 (the four-fifths rule); `None` if undefined.
    pub four_fifths_rule_passed: Option<bool>,
    /// `statistical_parity_difference`: selection rate of unprivileged − privileged.
    pub statistical_parity_difference: Value,
    /// `equal_opportunity_difference`: TPR of unprivileged − privileged.
    pub equal_opportunity_difference: Value,
    /// `average_odds_difference`: mean of the FPR and TPR differences (unprivileged − privileged).
    pub average_odds_difference: Value,
}

/// Per-group counts and rates of binary predictions, the disparity measures, and a readable
/// table.
///
/// ```
/// use trustnn::fairness::{GroupReport, Groups};
/// let groups = Groups::new("sex", &["F", "F", "M", "M"])?;
/// let report = GroupReport::new(&[1, 0, 1, 0], &[1, 0, 1, 1], &groups)?;
/// let d = report.disparities();
/// assert_eq!(d.demographic_parity_difference.get(), Some(0.5)); // 1/2 vs 2/2
/// assert_eq!(d.equalized_odds_difference.get(), Some(1.0)); // FPR 0 vs 1
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct GroupReport {
    /// The sensitive column.
    pub column: String,
    /// Each group's counts, in the order of [`Groups::names`].
    pub groups: Vec<GroupStats>,
    /// All samples' counts.
    pub overall: GroupStats,
    convention: Convention,
}

impl GroupReport {
    /// Counts for binary labels and predictions.
    ///
    /// Errors: as [`MetricFrame::new`].
    pub fn new(y_true: &[usize], y_pred: &[usize], groups: &Groups) -> Result<Self> {
        check_binary("GroupReport::new (y_true)", y_true, groups.len())?;
        check_binary("GroupReport::new (y_pred)", y_pred, groups.len())?;
        let mut stats: Vec<GroupStats> = groups
            .names()
            .iter()
            .map(|g| GroupStats {
                group: g.clone(),
                ..Default::default()
            })
            .collect();
        for ((&g, &t), &p) in groups.index().iter().zip(y_true).zip(y_pred) {
            stats[g].add(t, p);
        }
        let mut overall = GroupStats {
            group: "overall".into(),
            ..Default::default()
        };
        stats.iter().for_each(|s| overall.merge(s));
        Ok(GroupReport {
            column: groups.column().to_string(),
            groups: stats,
            overall,
            convention: Convention::Strict,
        })
    }

    /// Reports with `convention` (default [`Convention::Strict`]).
    pub fn convention(mut self, convention: Convention) -> Self {
        self.convention = convention;
        self
    }

    /// One rate as a [`MetricFrame`] (e.g. `report.frame("TPR", GroupStats::true_positive_rate)`).
    pub fn frame(&self, name: &str, rate: impl Fn(&GroupStats) -> Value) -> MetricFrame {
        MetricFrame {
            name: name.to_string(),
            by_group: self.groups.iter().map(|s| (s.group.clone(), rate(s))).collect(),
            overall: rate(&self.overall),
            convention: self.convention,
        }
    }

    /// The disparity measures.
    pub fn disparities(&self) -> Disparities {
        let sr = self.frame("selection rate", GroupStats::selection_rate);
        let tpr = self.frame("TPR", GroupStats::true_positive_rate);
        let fpr = self.frame("FPR", GroupStats::false_positive_rate);
        let prec = self.frame("precision", GroupStats::precision);
        let (td, fd, tr, fr) = (tpr.difference(), fpr.difference(), tpr.ratio(), fpr.ratio());
        Disparities {
            demographic_parity_difference: sr.difference(),
            demographic_parity_ratio: sr.ratio(),
            equalized_odds_difference: Value::map2(&td, &fd, python_max),
            equalized_odds_difference_mean: Value::map2(&td, &fd, nan_skipping_mean),
            equalized_odds_ratio: Value::map2(&tr, &fr, python_min),
            equalized_odds_ratio_mean: Value::map2(&tr, &fr, nan_skipping_mean),
            equal_opportunity_difference: td,
            equal_opportunity_ratio: tr,
            predictive_parity_difference: prec.difference(),
        }
    }

    /// AIF360's measures with `privileged` as the privileged group.
    ///
    /// Errors: an unknown group is [`Error::UnknownName`].
    pub fn privileged_comparison(&self, privileged: &str) -> Result<PrivilegedComparison> {
        let p = self
            .groups
            .iter()
            .find(|s| s.group == privileged)
            .ok_or_else(|| Error::UnknownName {
                context: format!("groups of {}", self.column),
                name: privileged.to_string(),
                known: self
                    .groups
                    .iter()
                    .map(|s| s.group.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        let mut u = GroupStats {
            group: format!("not {privileged}"),
            ..Default::default()
        };
        self.groups
            .iter()
            .filter(|s| s.group != privileged)
            .for_each(|s| u.merge(s));
        let c = self.convention;
        let diff = |f: fn(&GroupStats) -> Value| Value::map2(&c.apply(&f(&u)), &c.apply(&f(p)), |a, b| a - b);
        let (su, sp) = (u.selection_rate(), p.selection_rate());
        let disparate_impact = match sp.get() {
            Some(0.0) => Value::Undefined(format!(
                "the privileged group {privileged:?} has no positive prediction (n = {})",
                p.count()
            )),
            _ => Value::map2(&su, &sp, |a, b| a / b),
        };
        Ok(PrivilegedComparison {
            privileged: privileged.to_string(),
            four_fifths_rule_passed: disparate_impact.get().map(|d| d >= 0.8),
            disparate_impact,
            statistical_parity_difference: diff(GroupStats::selection_rate),
            equal_opportunity_difference: diff(GroupStats::true_positive_rate),
            average_odds_difference: Value::map2(
                &diff(GroupStats::false_positive_rate),
                &diff(GroupStats::true_positive_rate),
                |a, b| (a + b) / 2.0,
            ),
        })
    }
}

impl fmt::Display for GroupReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.convention;
        let w = self
            .groups
            .iter()
            .map(|s| s.group.len())
            .max()
            .unwrap_or(0)
            .max(8);
        writeln!(
            f,
            "{:<w$} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
            self.column, "count", "base", "selected", "accuracy", "TPR", "FPR", "FNR", "precision"
        )?;
        let mut notes = Vec::new();
        for s in self.groups.iter().chain(std::iter::once(&self.overall)) {
            let vals = [
                s.base_rate(),
                s.selection_rate(),
                s.accuracy(),
                s.true_positive_rate(),
                s.false_positive_rate(),
                s.false_negative_rate(),
                s.precision(),
            ];
            write!(f, "{:<w$} {:>7}", s.group, s.count())?;
            for v in &vals {
                write!(f, " {:>9}", c.apply(v).to_string())?;
                if let (Value::Undefined(r), Convention::Strict) = (v, c) {
                    notes.push(r.clone());
                }
            }
            writeln!(f)?;
        }
        notes.dedup();
        for n in notes {
            writeln!(f, "  undefined: {n}")?;
        }
        let d = self.disparities();
        writeln!(
            f,
            "demographic parity difference {} ratio {}",
            d.demographic_parity_difference, d.demographic_parity_ratio
        )?;
        writeln!(
            f,
            "equalized odds difference {} (mean {}) ratio {} (mean {})",
            d.equalized_odds_difference,
            d.equalized_odds_difference_mean,
            d.equalized_odds_ratio,
            d.equalized_odds_ratio_mean
        )?;
        writeln!(
            f,
            "equal opportunity difference {} ratio {}; predictive parity difference {}",
            d.equal_opportunity_difference, d.equal_opportunity_ratio, d.predictive_parity_difference
        )
    }
}
