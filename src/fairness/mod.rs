//! Fairness: measure bias in data and in predictions across groups, and mitigate it before,
//! during and after training.
//!
//! The measures follow **fairlearn**'s definitions (`fairlearn.metrics`: `selection_rate`,
//! `demographic_parity_difference`/`_ratio`, `equalized_odds_difference`/`_ratio` with
//! `agg = "worst_case" | "mean"`, `equal_opportunity_difference`/`_ratio`, `MetricFrame`)
//! and **AIF360**'s for the disparate impact ratio and the signed statistical parity
//! difference (unprivileged minus privileged). Unlike both tools, a value whose denominator
//! is zero (a true positive rate in a group without positive labels, a precision in a group
//! with no positive predictions) is reported as [`Value::Undefined`] with the reason and the
//! group's counts; [`Convention::Fairlearn`] reproduces fairlearn's numbers (such values
//! become 0, as scikit-learn's `zero_division=0`).
//!
//! - [`metrics`]: [`Groups`], per-group rates ([`GroupReport`]), disparity measures
//!   ([`Disparities`]), a `MetricFrame`-like [`MetricFrame`] for any metric or closure.
//! - [`audit`](mod@audit): a data audit before training ([`audit::audit`]), with pass/fail rules.
//! - [`mitigation`]: reweighing (Kamiran & Calders, 2012) before training, the reductions
//!   approach (exponentiated gradient, Agarwal et al., 2018; demographic parity, equalized
//!   odds or true positive rate parity) during training, and group
//!   thresholds (Hardt, Price & Srebro, 2016) after training.
//!
//! Binary classification only: labels and predictions are `0`/`1`, `1` the favourable
//! outcome. See `docs/FAIRNESS.md` for what each measure means and the limits of group
//! fairness.

pub mod audit;
pub mod metrics;
pub mod mitigation;

pub use audit::{AuditConfig, AuditReport, audit};
pub use metrics::{Convention, Disparities, GroupReport, GroupStats, Groups, MetricFrame, Value};
pub use mitigation::{Constraint, ExponentiatedGradient, FairEnsemble, ThresholdOptimizer, reweighing};
