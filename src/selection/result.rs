//! [`SearchResult`]: the scores of every candidate (scikit-learn's `cv_results_`), the best
//! configuration (`best_params_`) and the refitted model (`best_estimator_`).

use std::fmt::Write as _;

use crate::error::{Error, Result};
use crate::selection::space::Candidate;
use crate::{Metric, Sequential};

/// The cross-validation results of one candidate: one row of scikit-learn's `cv_results_`.
#[derive(Clone, Debug, PartialEq)]
pub struct CandidateResult {
    /// The configuration.
    pub candidate: Candidate,
    /// The metric on each held-out fold, in fold order (`split{i}_test_score`): the `f32`
    /// value [`Sequential::evaluate`] returns, widened to `f64`; NaN for a fold whose
    /// training diverged or whose metric is undefined.
    pub fold_scores: Vec<f64>,
    /// Mean of the fold scores (`mean_test_score`); NaN if any fold is NaN.
    pub mean: f64,
    /// Population standard deviation of the fold scores, `sqrt(Σ(sᵢ − mean)² / k)`
    /// (`std_test_score`, NumPy's `ddof = 0`).
    pub std: f64,
    /// Rank by mean (`rank_test_score`): 1 is best; ties share the smallest rank; NaN means
    /// rank last. See [`rank_min`].
    pub rank: usize,
    /// Mean wall-clock seconds of `fit` per fold (`mean_fit_time`).
    pub fit_seconds: f64,
}

/// What a search returns: every candidate's scores, the best candidate and, with refit, the
/// best candidate's model trained on the whole dataset.
#[derive(Debug)]
pub struct SearchResult {
    /// The metric the folds were scored with.
    pub metric: Metric,
    /// One row per candidate, in the search's candidate order (grid or sampling order).
    pub rows: Vec<CandidateResult>,
    /// The index in `rows` of the best candidate (`best_index_`): rank 1, the first such row
    /// among ties.
    pub best_index: usize,
    /// The best candidate (`best_params_`).
    pub best: Candidate,
    /// The best candidate trained on the whole dataset (`best_estimator_`); `None` when refit
    /// was off or every candidate's mean score was NaN.
    pub best_model: Option<Sequential>,
}

/// Ranks `scores` as scikit-learn ranks `mean_test_score`: rank 1 is the best score (the
/// largest when `greater_is_better`, else the smallest); tied scores share the smallest rank
/// of their group (`scipy.stats.rankdata(method="min")`), so ranks may skip; NaN scores all
/// share the rank after the last number (scikit-learn replaces them by a value below the
/// worst).
///
/// ```
/// use trustnn::selection::rank_min;
/// assert_eq!(rank_min(&[0.8, 0.9, 0.8, f64::NAN, 0.7], true), vec![2, 1, 2, 5, 4]);
/// assert_eq!(rank_min(&[0.8, 0.9, 0.8, f64::NAN, 0.7], false), vec![2, 4, 2, 5, 1]);
/// ```
pub fn rank_min(scores: &[f64], greater_is_better: bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).filter(|&i| !scores[i].is_nan()).collect();
    let n_numbers = order.len();
    let better_first = |&a: &usize, &b: &usize| {
        let (a, b) = (scores[a], scores[b]);
        if greater_is_better {
            b.total_cmp(&a)
        } else {
            a.total_cmp(&b)
        }
    };
    order.sort_by(better_first);
    let mut ranks = vec![n_numbers + 1; scores.len()];
    for (pos, &i) in order.iter().enumerate() {
        ranks[i] = if pos > 0 && scores[order[pos - 1]] == scores[i] {
            ranks[order[pos - 1]]
        } else {
            pos + 1
        };
    }
    ranks
}

/// `v` in the shortest form that reads back exactly: as an `f32` when it is one.
fn shortest(v: f64) -> String {
    let single = v as f32;
    if f64::from(single) == v || v.is_nan() {
        single.to_string()
    } else {
        v.to_string()
    }
}

impl SearchResult {
    /// The best candidate's row.
    pub fn best_row(&self) -> &CandidateResult {
        &self.rows[self.best_index]
    }

    /// The row indices sorted by rank (ties in candidate order).
    fn by_rank(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.rows.len()).collect();
        order.sort_by_key(|&i| self.rows[i].rank);
        order
    }

    /// A text table of every candidate sorted by rank (ties in candidate order): rank, mean ±
    /// standard deviation of the metric (4 decimals), mean fit seconds per fold, and the
    /// candidate. For example:
    ///
    /// ```text
    /// rank  accuracy         fit s  candidate
    ///    1  0.9750 ± 0.0204   0.12  adam lr=0.05 tanh hidden=[16] l2=0 batch=16 epochs=30
    ///    2  0.5000 ± 0.0408   0.05  adam lr=0.05 tanh hidden=[] l2=0 batch=16 epochs=30
    /// ```
    pub fn table(&self) -> String {
        let scores: Vec<String> = self
            .rows
            .iter()
            .map(|r| format!("{:.4} ± {:.4}", r.mean, r.std))
            .collect();
        let score_width = scores
            .iter()
            .map(|s| s.chars().count())
            .chain([self.metric.name().len()])
            .max()
            .unwrap_or(0);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "rank  {:<w$}  {:>6}  candidate",
            self.metric.name(),
            "fit s",
            w = score_width
        );
        for i in self.by_rank() {
            let r = &self.rows[i];
            let pad = score_width - scores[i].chars().count();
            let _ = writeln!(
                out,
                "{:>4}  {}{:pad$}  {:>6.2}  {}",
                r.rank, scores[i], "", r.fit_seconds, r.candidate
            );
        }
        out
    }

    /// The results as CSV, one row per candidate in candidate order (scikit-learn's
    /// `cv_results_` as a table): `candidate` (the row index), `rank`, `mean_score`,
    /// `std_score`, `fold0_score` … `fold{k-1}_score`, `mean_fit_seconds`, then the
    /// candidate's fields `optimizer`, `learning_rate`, `activation`, `hidden_layers` (e.g.
    /// `"[64,32]"`), `l2`, `batch_size`, `epochs`, `dropout`. Numbers are written exactly in
    /// their shortest round-trip form — fold scores, which are `f32` metric values, as `f32`
    /// (`0.5185185`, not `0.5185185074806213`); NaN as `NaN`.
    pub fn to_csv(&self) -> Result<String> {
        let k = self.rows.first().map_or(0, |r| r.fold_scores.len());
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header: Vec<String> = ["candidate", "rank", "mean_score", "std_score"]
            .map(String::from)
            .to_vec();
        header.extend((0..k).map(|f| format!("fold{f}_score")));
        header.extend(
            [
                "mean_fit_seconds",
                "optimizer",
                "learning_rate",
                "activation",
                "hidden_layers",
                "l2",
                "batch_size",
                "epochs",
                "dropout",
            ]
            .map(String::from),
        );
        let csv_err = |e: csv::Error| Error::Format {
            context: "SearchResult::to_csv".into(),
            reason: e.to_string(),
        };
        w.write_record(&header).map_err(csv_err)?;
        for (i, r) in self.rows.iter().enumerate() {
            let c = &r.candidate;
            let hidden = format!(
                "[{}]",
                c.hidden_layers
                    .iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            );
            let mut rec = vec![
                i.to_string(),
                r.rank.to_string(),
                r.mean.to_string(),
                r.std.to_string(),
            ];
            rec.extend(r.fold_scores.iter().map(|&s| shortest(s)));
            rec.extend([
                r.fit_seconds.to_string(),
                c.optimizer.clone(),
                c.learning_rate.to_string(),
                c.activation.clone(),
                hidden,
                c.l2.to_string(),
                c.batch_size.to_string(),
                c.epochs.to_string(),
                c.dropout.to_string(),
            ]);
            w.write_record(&rec).map_err(csv_err)?;
        }
        let bytes = w.into_inner().map_err(|e| Error::Format {
            context: "SearchResult::to_csv".into(),
            reason: e.to_string(),
        })?;
        String::from_utf8(bytes).map_err(|e| Error::Format {
            context: "SearchResult::to_csv".into(),
            reason: e.to_string(),
        })
    }
}
