//! A data audit before training: representation and base rate of each group, the
//! association between each sensitive column and the label (Cramér's V), and pass/fail rules
//! (the base-rate rule is the four-fifths rule of the US EEOC Uniform Guidelines applied to
//! the labels, as AIF360's `BinaryLabelDatasetMetric.disparate_impact`).

use std::fmt;

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::fairness::metrics::{Groups, check_binary};

/// The bounds the audit checks.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditConfig {
    /// Smallest share of the data a group may have (default 0.05).
    pub min_share: f64,
    /// Smallest ratio of the lowest to the highest group base rate (default 0.8, the
    /// four-fifths rule).
    pub min_base_rate_ratio: f64,
    /// Largest spread (max − min) of the group base rates (default 0.1).
    pub max_base_rate_difference: f64,
    /// Largest Cramér's V between the column and the label (default 0.3).
    pub max_association: f64,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            min_share: 0.05,
            min_base_rate_ratio: 0.8,
            max_base_rate_difference: 0.1,
            max_association: 0.3,
        }
    }
}

/// One group of one column.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupAudit {
    /// The group's name.
    pub group: String,
    /// Its number of samples.
    pub count: usize,
    /// Its share of the samples.
    pub share: f64,
    /// Its share of positive labels `P(y = 1 | group)`.
    pub base_rate: f64,
}

/// One rule's outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleResult {
    /// The column it checks.
    pub column: String,
    /// The rule (`"representation"`, `"base rate ratio"`, `"base rate difference"`,
    /// `"association"`).
    pub rule: String,
    /// Whether it held.
    pub passed: bool,
    /// The values behind it.
    pub detail: String,
}

/// The audit of one sensitive column.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnAudit {
    /// The column (columns joined by `" & "` for an intersection).
    pub column: String,
    /// Each group, sorted by name.
    pub groups: Vec<GroupAudit>,
    /// Cramér's V between the column and the label: `sqrt(χ² / (n · min(k − 1, 1)))` for `k`
    /// groups and a binary label, in [0, 1]; 0 for a single group.
    pub cramers_v: f64,
}

/// The audit: every column's figures and every rule's outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditReport {
    /// One entry per audited column.
    pub columns: Vec<ColumnAudit>,
    /// Every rule checked, per column.
    pub rules: Vec<RuleResult>,
}

impl AuditReport {
    /// Whether every rule held.
    pub fn passed(&self) -> bool {
        self.rules.iter().all(|r| r.passed)
    }

    /// The rules that failed.
    pub fn failures(&self) -> Vec<&RuleResult> {
        self.rules.iter().filter(|r| !r.passed).collect()
    }
}

/// Audits `data`'s binary labels (0/1, shape `[n]` or `[n, 1]`) for each entry of
/// `columns` (each entry one group column, or several joined by `&` in one slice for an
/// intersection: `&[&["sex"], &["sex", "race"]]`).
///
/// ```
/// use trustnn::{data::Dataset, fairness::{audit, AuditConfig}, Tensor};
/// let x = Tensor::zeros(&[4, 1]);
/// let y = Tensor::from_vec(vec![1.0, 1.0, 0.0, 0.0], &[4])?;
/// let ds = Dataset::new(x, y)?.with_group("sex", vec!["M".into(), "M".into(), "F".into(), "F".into()])?;
/// let report = audit(&ds, &[&["sex"]], &AuditConfig::default())?;
/// assert!(!report.passed()); // M base rate 1, F base rate 0
/// # Ok::<(), trustnn::Error>(())
/// ```
///
/// Errors: labels other than 0/1 are [`Error::LabelOutOfRange`]; an unknown column is
/// [`Error::UnknownName`]; no columns is [`Error::EmptyInput`].
pub fn audit(data: &Dataset, columns: &[&[&str]], config: &AuditConfig) -> Result<AuditReport> {
    if columns.is_empty() {
        return Err(Error::empty("fairness::audit (columns)"));
    }
    let y = labels_of(data, "fairness::audit (labels)")?;
    let n = y.len() as f64;
    let mut report = AuditReport {
        columns: Vec::new(),
        rules: Vec::new(),
    };
    for cols in columns {
        let groups = Groups::from_dataset(data, cols)?;
        let col = groups.column().to_string();
        let mut count = vec![0usize; groups.n_groups()];
        let mut pos = vec![0usize; groups.n_groups()];
        for (&g, &l) in groups.index().iter().zip(&y) {
            count[g] += 1;
            pos[g] += l;
        }
        let total_pos: usize = pos.iter().sum();
        let p1 = total_pos as f64 / n;
        let mut chi2 = 0.0;
        for (&c, &p) in count.iter().zip(&pos) {
            for (obs, e) in [(p as f64, c as f64 * p1), ((c - p) as f64, c as f64 * (1.0 - p1))] {
                if e > 0.0 {
                    chi2 += (obs - e) * (obs - e) / e;
                }
            }
        }
        let cramers_v = if groups.n_groups() > 1 {
            (chi2 / n).sqrt().min(1.0)
        } else {
            0.0
        };
        let ga: Vec<GroupAudit> = groups
            .names()
            .iter()
            .zip(count.iter().zip(&pos))
            .map(|(g, (&c, &p))| GroupAudit {
                group: g.clone(),
                count: c,
                share: c as f64 / n,
                base_rate: p as f64 / c as f64,
            })
            .collect();
        let mut rule = |rule: &str, passed: bool, detail: String| {
            report.rules.push(RuleResult {
                column: col.clone(),
                rule: rule.to_string(),
                passed,
                detail,
            })
        };
        let small: Vec<String> = ga
            .iter()
            .filter(|g| g.share < config.min_share)
            .map(|g| format!("{} {:.4}", g.group, g.share))
            .collect();
        rule(
            "representation",
            small.is_empty(),
            if small.is_empty() {
                format!("every group's share >= {}", config.min_share)
            } else {
                format!("share below {}: {}", config.min_share, small.join(", "))
            },
        );
        let lo = ga
            .iter()
            .min_by(|a, b| a.base_rate.total_cmp(&b.base_rate))
            .expect("a group");
        let hi = ga
            .iter()
            .max_by(|a, b| a.base_rate.total_cmp(&b.base_rate))
            .expect("a group");
        let ratio = if hi.base_rate > 0.0 {
            lo.base_rate / hi.base_rate
        } else {
            1.0
        };
        rule(
            "base rate ratio",
            ratio >= config.min_base_rate_ratio,
            format!(
                "{} {:.4} / {} {:.4} = {ratio:.4} (min {})",
                lo.group, lo.base_rate, hi.group, hi.base_rate, config.min_base_rate_ratio
            ),
        );
        let diff = hi.base_rate - lo.base_rate;
        rule(
            "base rate difference",
            diff <= config.max_base_rate_difference,
            format!("{diff:.4} (max {})", config.max_base_rate_difference),
        );
        rule(
            "association",
            cramers_v <= config.max_association,
            format!("Cramér's V {cramers_v:.4} (max {})", config.max_association),
        );
        report.columns.push(ColumnAudit {
            column: col,
            groups: ga,
            cramers_v,
        });
    }
    Ok(report)
}

/// A dataset's binary labels as 0/1.
pub(crate) fn labels_of(data: &Dataset, context: &str) -> Result<Vec<usize>> {
    let y = data.y();
    if y.len() != data.len() {
        return Err(Error::shape(context, "[n] or [n, 1] binary labels", y.shape()));
    }
    let mut out = Vec::with_capacity(y.len());
    for (row, &v) in y.as_slice().iter().enumerate() {
        if v != 0.0 && v != 1.0 {
            return Err(Error::LabelOutOfRange {
                context: context.to_string(),
                row,
                label: v,
                num_classes: 2,
            });
        }
        out.push(v as usize);
    }
    check_binary(context, &out, data.len())?;
    Ok(out)
}

impl fmt::Display for AuditReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.columns {
            writeln!(f, "{} (Cramér's V with the label {:.4})", c.column, c.cramers_v)?;
            writeln!(
                f,
                "  {:<28} {:>7} {:>7} {:>9}",
                "group", "count", "share", "base rate"
            )?;
            for g in &c.groups {
                writeln!(
                    f,
                    "  {:<28} {:>7} {:>7.4} {:>9.4}",
                    g.group, g.count, g.share, g.base_rate
                )?;
            }
        }
        for r in &self.rules {
            let s = if r.passed { "pass" } else { "FAIL" };
            writeln!(f, "[{s}] {}: {}: {}", r.column, r.rule, r.detail)?;
        }
        Ok(())
    }
}
