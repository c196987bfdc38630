//! Membership-inference audit by the loss-threshold attack (Yeom, Giacomelli, Fredrikson &
//! Jha 2018, "Privacy Risk in Machine Learning: Analyzing the Connection to Overfitting"): the
//! attacker calls an example a training member when the model's loss on it is low. Scoring
//! every member and non-member by `−loss` gives the attack's ROC curve; its AUC, true positive
//! rates at low false positive rates (Carlini et al. 2022, "Membership Inference Attacks From
//! First Principles") and the advantage `max |TPR − FPR|` measure the empirical leak.

use crate::metrics::{RocCurve, roc_auc_binary, roc_curve};
use crate::{Error, Result, Sequential, Tensor};

/// The loss of the compiled `model` on each sample of `x`, `y` (evaluation mode, without
/// regularization penalty): the model's loss applied to one row at a time.
pub fn per_sample_loss(model: &mut Sequential, x: &Tensor, y: &Tensor) -> Result<Vec<f32>> {
    let pred = model.predict(x)?;
    let loss = model
        .loss()
        .ok_or_else(|| Error::NotReady("per_sample_loss: compile the model with a loss first".into()))?;
    if y.batch_size() != pred.batch_size() {
        return Err(Error::shape(
            "per_sample_loss: targets",
            pred.batch_size(),
            y.shape(),
        ));
    }
    loss.check_targets(pred.sample_shape(), y)?;
    let (mut p, mut t) = (Tensor::default(), Tensor::default());
    (0..pred.batch_size())
        .map(|i| {
            pred.gather_rows_into(&[i], &mut p)?;
            y.gather_rows_into(&[i], &mut t)?;
            Ok(loss.compute_unchecked(&p, &t, None, None))
        })
        .collect()
}

/// The result of a loss-threshold membership-inference attack.
#[derive(Clone, Debug)]
pub struct MembershipAudit {
    /// ROC AUC of the attack (0.5: no better than guessing; 1: every member found).
    pub auc: f64,
    /// The attack's ROC curve (members are the positive class, scored by `−loss`).
    pub roc: RocCurve,
    /// The largest true positive rate at a false positive rate of at most 0.1%.
    pub tpr_at_fpr_0_1pct: f64,
    /// The largest true positive rate at a false positive rate of at most 1%.
    pub tpr_at_fpr_1pct: f64,
    /// The membership advantage `max |TPR − FPR|` over thresholds (Yeom et al.).
    pub advantage: f64,
    /// Mean loss on the members.
    pub member_loss: f64,
    /// Mean loss on the non-members.
    pub nonmember_loss: f64,
}

impl MembershipAudit {
    /// Runs the attack from per-sample losses of members and non-members (both non-empty).
    ///
    /// ```
    /// use trustnn::privacy::audit::MembershipAudit;
    /// let a = MembershipAudit::from_losses(&[0.01, 0.02], &[0.5, 0.9])?;
    /// assert_eq!(a.auc, 1.0);
    /// assert_eq!(a.advantage, 1.0);
    /// # Ok::<(), trustnn::Error>(())
    /// ```
    pub fn from_losses(members: &[f32], nonmembers: &[f32]) -> Result<Self> {
        if members.is_empty() || nonmembers.is_empty() {
            return Err(Error::empty("MembershipAudit: members and non-members"));
        }
        let labels: Vec<usize> = std::iter::repeat_n(1, members.len())
            .chain(std::iter::repeat_n(0, nonmembers.len()))
            .collect();
        let scores: Vec<f32> = members.iter().chain(nonmembers).map(|l| -l).collect();
        let auc = roc_auc_binary(&labels, &scores)?;
        let roc = roc_curve(&labels, &scores)?;
        let tpr_at = |f: f64| {
            roc.fpr
                .iter()
                .zip(&roc.tpr)
                .filter(|(x, _)| **x <= f)
                .map(|(_, t)| *t)
                .fold(0.0, f64::max)
        };
        let advantage = roc
            .fpr
            .iter()
            .zip(&roc.tpr)
            .map(|(f, t)| (t - f).abs())
            .fold(0.0, f64::max);
        let mean = |v: &[f32]| v.iter().map(|&x| f64::from(x)).sum::<f64>() / v.len() as f64;
        Ok(Self {
            auc,
            tpr_at_fpr_0_1pct: tpr_at(0.001),
            tpr_at_fpr_1pct: tpr_at(0.01),
            advantage,
            member_loss: mean(members),
            nonmember_loss: mean(nonmembers),
            roc,
        })
    }

    /// Runs the attack on `model` with its training members and held-out non-members.
    pub fn run(
        model: &mut Sequential,
        members: (&Tensor, &Tensor),
        nonmembers: (&Tensor, &Tensor),
    ) -> Result<Self> {
        let m = per_sample_loss(model, members.0, members.1)?;
        let n = per_sample_loss(model, nonmembers.0, nonmembers.1)?;
        Self::from_losses(&m, &n)
    }

    /// The ROC curve as `(fpr, tpr)` points for `trustnn::plot::line_chart`.
    pub fn roc_points(&self) -> Vec<(f32, f32)> {
        self.roc
            .fpr
            .iter()
            .zip(&self.roc.tpr)
            .map(|(&f, &t)| (f as f32, t as f32))
            .collect()
    }
}
