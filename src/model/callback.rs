//! [`Callback`]s: code that runs inside `fit` — early stopping, divergence guards,
//! learning-rate schedules — and the trait for writing your own.
//!
//! Semantics follow Keras' callbacks (`EarlyStopping`, `ReduceLROnPlateau`,
//! `LearningRateScheduler`): a callback sees the end of every batch and epoch, with the
//! epoch's logs in the [`History`], and can stop training by returning [`Control::Stop`]
//! with a reason, which `fit` records in [`History::stop_reason`].

use std::collections::BTreeMap;

use super::{History, Sequential};
use crate::error::{Error, Result};
use crate::optim::OptimizerState;
use crate::optim::schedule::LrSchedule;
use crate::tensor::Tensor;

/// What a callback tells the training loop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Control {
    /// Go on training.
    Continue,
    /// Stop now, for this reason.
    Stop(String),
}

/// Code run by [`Sequential::fit_with_callbacks`] at the start and end of training, of every
/// epoch and of every batch. Every method has a default that does nothing.
pub trait Callback {
    /// Before the first epoch.
    fn on_train_begin(&mut self, _model: &mut Sequential) -> Result<()> {
        Ok(())
    }
    /// Before epoch `epoch` (0-based).
    fn on_epoch_begin(&mut self, _epoch: usize, _model: &mut Sequential) -> Result<()> {
        Ok(())
    }
    /// After each optimizer step, with the batch's loss.
    fn on_batch_end(
        &mut self,
        _epoch: usize,
        _batch: usize,
        _loss: f32,
        _model: &mut Sequential,
    ) -> Result<Control> {
        Ok(Control::Continue)
    }
    /// After each epoch; `history` holds every epoch so far, this one last.
    fn on_epoch_end(
        &mut self,
        _epoch: usize,
        _history: &History,
        _model: &mut Sequential,
    ) -> Result<Control> {
        Ok(Control::Continue)
    }
    /// After the last epoch (also after an early stop).
    fn on_train_end(&mut self, _model: &mut Sequential, _history: &mut History) -> Result<()> {
        Ok(())
    }
}

/// Whether a monitored quantity should go down or up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MonitorMode {
    /// Lower is better (losses, errors).
    Min,
    /// Higher is better (accuracy, AUC, R²).
    Max,
    /// Decided from the name: `Max` for accuracy-like metrics, `Min` otherwise (Keras).
    #[default]
    Auto,
}

impl MonitorMode {
    /// `Min` or `Max` for the quantity `monitor` (`Auto` decided from its name).
    pub fn resolve(self, monitor: &str) -> MonitorMode {
        match self {
            MonitorMode::Auto => {
                let base = monitor.strip_prefix("val_").unwrap_or(monitor);
                let higher = ["accuracy", "auc", "precision", "recall", "f1", "r2"];
                if higher.iter().any(|h| base.contains(h)) {
                    MonitorMode::Max
                } else {
                    MonitorMode::Min
                }
            }
            m => m,
        }
    }
}

/// `current` improves on `reference` by more than `min_delta` (Keras' `_is_improvement`).
pub(crate) fn improves(mode: MonitorMode, current: f32, reference: f32, min_delta: f32) -> bool {
    match mode {
        MonitorMode::Max => current - min_delta > reference,
        _ => current + min_delta < reference,
    }
}

/// A copy of a model's weights and optimizer state.
#[derive(Clone, Debug)]
struct Snapshot {
    weights: BTreeMap<String, Tensor>,
    optimizer: Option<OptimizerState>,
}

impl Snapshot {
    fn take(model: &Sequential) -> Self {
        Snapshot {
            weights: model.state_dict(),
            optimizer: model.optimizer().map(|o| o.state().clone()),
        }
    }

    fn restore(&self, model: &mut Sequential) -> Result<()> {
        model.load_state_dict(&self.weights)?;
        if let (Some(state), Some(opt)) = (&self.optimizer, model.optimizer_mut()) {
            opt.set_state(state.clone());
        }
        Ok(())
    }
}

pub(crate) fn monitored(history: &History, monitor: &str) -> Result<f32> {
    history.last(monitor).ok_or_else(|| Error::UnknownName {
        context: "callback monitor (quantities recorded this epoch)".into(),
        name: monitor.into(),
        known: history.names().collect::<Vec<_>>().join(", "),
    })
}

/// Stops training when a monitored quantity has stopped improving (Keras' `EarlyStopping`).
///
/// After each epoch the monitored value (default `"val_loss"`) counts as an improvement if it
/// beats the best so far by more than `min_delta`. After `patience` epochs without one,
/// training stops. With a `baseline`, the wait only resets for values that also beat the
/// baseline. With `restore_best_weights`, the weights of the best epoch are restored when
/// training stops early (as in Keras, not when it runs to its last epoch).
///
/// ```
/// use trustnn::model::EarlyStopping;
/// let es = EarlyStopping::new("val_loss").patience(3).min_delta(1e-4).restore_best_weights(true);
/// ```
#[derive(Clone, Debug)]
pub struct EarlyStopping {
    monitor: String,
    mode: MonitorMode,
    patience: usize,
    min_delta: f32,
    baseline: Option<f32>,
    restore_best_weights: bool,
    // state
    wait: usize,
    best: f32,
    best_epoch: Option<usize>,
    best_weights: Option<BTreeMap<String, Tensor>>,
}

impl EarlyStopping {
    /// Monitors `monitor` (a name recorded in the history: `"loss"`, `"val_loss"`,
    /// `"val_accuracy"`, ...) with patience 0 and `min_delta` 0, like Keras' defaults.
    pub fn new(monitor: &str) -> Self {
        EarlyStopping {
            monitor: monitor.to_string(),
            mode: MonitorMode::Auto,
            patience: 0,
            min_delta: 0.0,
            baseline: None,
            restore_best_weights: false,
            wait: 0,
            best: f32::NAN,
            best_epoch: None,
            best_weights: None,
        }
    }
    /// Whether lower or higher is better.
    pub fn mode(mut self, mode: MonitorMode) -> Self {
        self.mode = mode;
        self
    }
    /// Epochs without improvement before stopping.
    pub fn patience(mut self, patience: usize) -> Self {
        self.patience = patience;
        self
    }
    /// The smallest change that counts as an improvement (its sign is ignored).
    pub fn min_delta(mut self, min_delta: f32) -> Self {
        self.min_delta = min_delta.abs();
        self
    }
    /// A value the monitored quantity must beat for the wait to reset.
    pub fn baseline(mut self, baseline: f32) -> Self {
        self.baseline = Some(baseline);
        self
    }
    /// Restore the best epoch's weights when stopping early.
    pub fn restore_best_weights(mut self, restore: bool) -> Self {
        self.restore_best_weights = restore;
        self
    }
    /// The best epoch so far (0-based) and its value.
    pub fn best(&self) -> Option<(usize, f32)> {
        self.best_epoch.map(|e| (e, self.best))
    }
}

impl Callback for EarlyStopping {
    fn on_train_begin(&mut self, _model: &mut Sequential) -> Result<()> {
        if !self.min_delta.is_finite() {
            return Err(Error::config(
                "EarlyStopping.min_delta",
                self.min_delta,
                "must be finite",
            ));
        }
        self.wait = 0;
        self.best = match self.mode.resolve(&self.monitor) {
            MonitorMode::Max => f32::NEG_INFINITY,
            _ => f32::INFINITY,
        };
        self.best_epoch = None;
        self.best_weights = None;
        Ok(())
    }

    fn on_epoch_end(&mut self, epoch: usize, history: &History, model: &mut Sequential) -> Result<Control> {
        let current = monitored(history, &self.monitor)?;
        let mode = self.mode.resolve(&self.monitor);
        if self.restore_best_weights && self.best_weights.is_none() {
            self.best_weights = Some(model.state_dict());
        }
        self.wait += 1;
        if improves(mode, current, self.best, self.min_delta) {
            self.best = current;
            self.best_epoch = Some(epoch);
            if self.restore_best_weights {
                self.best_weights = Some(model.state_dict());
            }
            if self
                .baseline
                .is_none_or(|b| improves(mode, current, b, self.min_delta))
            {
                self.wait = 0;
                return Ok(Control::Continue);
            }
        }
        if self.wait >= self.patience && epoch > 0 {
            let mut reason = format!(
                "early stopping: {} did not improve for {} epochs",
                self.monitor, self.wait
            );
            if let Some(b) = self.best_epoch {
                reason.push_str(&format!(" (best {:.6} at epoch {})", self.best, b + 1));
            }
            if self.restore_best_weights
                && let Some(w) = &self.best_weights
            {
                model.load_state_dict(w)?;
                reason.push_str("; restored the best weights");
            }
            return Ok(Control::Stop(reason));
        }
        Ok(Control::Continue)
    }
}

/// Stops training when it diverges and puts the last good weights back.
///
/// Fires after a batch whose loss is NaN or infinite, and after an epoch whose training loss
/// is more than `factor` times the best epoch loss so far (default 10). It then restores the
/// weights and optimizer state saved at the end of the last good epoch (or at the start of
/// training) and stops with a reason such as
/// `"diverged: non-finite loss NaN at epoch 3, batch 7; restored the weights of epoch 2"`.
#[derive(Clone, Debug)]
pub struct DivergenceGuard {
    factor: f32,
    best: f32,
    good: Option<(Option<usize>, Snapshot)>,
}

impl Default for DivergenceGuard {
    fn default() -> Self {
        Self::new(10.0)
    }
}

impl DivergenceGuard {
    /// A guard that fires when the epoch loss exceeds `factor` × the best epoch loss.
    pub fn new(factor: f32) -> Self {
        DivergenceGuard {
            factor,
            best: f32::INFINITY,
            good: None,
        }
    }

    fn stop(&self, model: &mut Sequential, what: String) -> Result<Control> {
        let mut reason = format!("diverged: {what}");
        if let Some((epoch, snap)) = &self.good {
            snap.restore(model)?;
            match epoch {
                Some(e) => reason.push_str(&format!("; restored the weights of epoch {}", e + 1)),
                None => reason.push_str("; restored the initial weights"),
            }
        }
        Ok(Control::Stop(reason))
    }
}

impl Callback for DivergenceGuard {
    fn on_train_begin(&mut self, model: &mut Sequential) -> Result<()> {
        if !(self.factor.is_finite() && self.factor > 1.0) {
            return Err(Error::config(
                "DivergenceGuard.factor",
                self.factor,
                "must be finite and > 1",
            ));
        }
        self.best = f32::INFINITY;
        self.good = Some((None, Snapshot::take(model)));
        Ok(())
    }

    fn on_batch_end(
        &mut self,
        epoch: usize,
        batch: usize,
        loss: f32,
        model: &mut Sequential,
    ) -> Result<Control> {
        if loss.is_finite() {
            return Ok(Control::Continue);
        }
        self.stop(
            model,
            format!(
                "non-finite loss {loss} at epoch {}, batch {}",
                epoch + 1,
                batch + 1
            ),
        )
    }

    fn on_epoch_end(&mut self, epoch: usize, history: &History, model: &mut Sequential) -> Result<Control> {
        let loss = monitored(history, "loss")?;
        let weights_finite = model
            .params()
            .all(|p| p.value().as_slice().iter().all(|v| v.is_finite()));
        if !loss.is_finite() || !weights_finite {
            return self.stop(
                model,
                format!("non-finite loss or weights at epoch {}", epoch + 1),
            );
        }
        if self.best.is_finite() && loss > self.factor * self.best {
            let what = format!(
                "loss {loss:.4} at epoch {} exceeds {} x the best loss {:.4}",
                epoch + 1,
                self.factor,
                self.best
            );
            return self.stop(model, what);
        }
        self.best = self.best.min(loss);
        self.good = Some((Some(epoch), Snapshot::take(model)));
        Ok(Control::Continue)
    }
}

/// Multiplies the learning rate by `factor` when a monitored quantity has stopped improving
/// (Keras' `ReduceLROnPlateau`: defaults factor 0.1, patience 10, min_delta 1e-4, cooldown 0,
/// min_lr 0).
#[derive(Clone, Debug)]
pub struct ReduceLrOnPlateau {
    monitor: String,
    mode: MonitorMode,
    factor: f32,
    patience: usize,
    min_delta: f32,
    cooldown: usize,
    min_lr: f32,
    wait: usize,
    cooldown_counter: usize,
    best: f32,
}

impl ReduceLrOnPlateau {
    /// Monitors `monitor` with Keras' defaults.
    pub fn new(monitor: &str) -> Self {
        ReduceLrOnPlateau {
            monitor: monitor.to_string(),
            mode: MonitorMode::Auto,
            factor: 0.1,
            patience: 10,
            min_delta: 1e-4,
            cooldown: 0,
            min_lr: 0.0,
            wait: 0,
            cooldown_counter: 0,
            best: f32::NAN,
        }
    }
    /// Whether lower or higher is better.
    pub fn mode(mut self, mode: MonitorMode) -> Self {
        self.mode = mode;
        self
    }
    /// The factor in `(0, 1)` applied to the learning rate.
    pub fn factor(mut self, factor: f32) -> Self {
        self.factor = factor;
        self
    }
    /// Epochs without improvement before reducing.
    pub fn patience(mut self, patience: usize) -> Self {
        self.patience = patience;
        self
    }
    /// The smallest change that counts as an improvement.
    pub fn min_delta(mut self, min_delta: f32) -> Self {
        self.min_delta = min_delta.abs();
        self
    }
    /// Epochs to wait after a reduction before counting again.
    pub fn cooldown(mut self, cooldown: usize) -> Self {
        self.cooldown = cooldown;
        self
    }
    /// The learning rate never goes below this.
    pub fn min_lr(mut self, min_lr: f32) -> Self {
        self.min_lr = min_lr;
        self
    }
}

impl Callback for ReduceLrOnPlateau {
    fn on_train_begin(&mut self, _model: &mut Sequential) -> Result<()> {
        if !(self.factor > 0.0 && self.factor < 1.0) {
            return Err(Error::config(
                "ReduceLrOnPlateau.factor",
                self.factor,
                "must be in (0, 1)",
            ));
        }
        if !(self.min_lr.is_finite() && self.min_lr >= 0.0) {
            return Err(Error::config(
                "ReduceLrOnPlateau.min_lr",
                self.min_lr,
                "must be finite and >= 0",
            ));
        }
        self.wait = 0;
        self.cooldown_counter = 0;
        self.best = match self.mode.resolve(&self.monitor) {
            MonitorMode::Max => f32::NEG_INFINITY,
            _ => f32::INFINITY,
        };
        Ok(())
    }

    fn on_epoch_end(&mut self, _epoch: usize, history: &History, model: &mut Sequential) -> Result<Control> {
        let current = monitored(history, &self.monitor)?;
        let mode = self.mode.resolve(&self.monitor);
        if self.cooldown_counter > 0 {
            self.cooldown_counter -= 1;
            self.wait = 0;
        }
        if improves(mode, current, self.best, self.min_delta) {
            self.best = current;
            self.wait = 0;
        } else if self.cooldown_counter == 0 {
            self.wait += 1;
            if self.wait >= self.patience
                && let Some(opt) = model.optimizer_mut()
            {
                let old = opt.learning_rate();
                if old > self.min_lr {
                    opt.set_learning_rate((old * self.factor).max(self.min_lr))?;
                    self.cooldown_counter = self.cooldown;
                    self.wait = 0;
                }
            }
        }
        Ok(Control::Continue)
    }
}

/// Sets the learning rate at the start of every epoch from a schedule (Keras'
/// `LearningRateScheduler`; PyTorch's `scheduler.step()` once per epoch). The base rate is the
/// optimizer's rate when training starts.
#[derive(Debug)]
pub struct LrScheduler {
    schedule: Box<dyn LrSchedule>,
    base_lr: f32,
}

impl LrScheduler {
    /// Applies `schedule`.
    pub fn new(schedule: impl LrSchedule + 'static) -> Self {
        LrScheduler {
            schedule: Box::new(schedule),
            base_lr: f32::NAN,
        }
    }
}

impl Callback for LrScheduler {
    fn on_train_begin(&mut self, model: &mut Sequential) -> Result<()> {
        self.schedule.validate()?;
        self.base_lr = model
            .optimizer()
            .map(|o| o.learning_rate())
            .ok_or_else(|| Error::NotReady("LrScheduler needs a compiled model".into()))?;
        Ok(())
    }

    fn on_epoch_begin(&mut self, epoch: usize, model: &mut Sequential) -> Result<()> {
        let lr = self.schedule.lr_at(epoch, self.base_lr);
        if let Some(opt) = model.optimizer_mut() {
            opt.set_learning_rate(lr)?;
        }
        Ok(())
    }
}
