//! The model: [`Sequential`], its training loop ([`FitConfig`], [`History`]) and the
//! [`Metric`]s it tracks.
//!
//! The training loop follows Keras' `fit`/`evaluate`/`predict` (epochs, batch size,
//! per-epoch shuffling, validation split taken from the end, per-epoch history); one step is
//! forward → loss and `dL/dŷ` → backward through the layers → optimizer update of every
//! trainable parameter, with buffers reused from step to step.

mod callback;
mod diagnostics;
mod fit;
mod history;
mod metric;
mod sequential;

pub use callback::{
    Callback, Control, DivergenceGuard, EarlyStopping, LrScheduler, MonitorMode, ReduceLrOnPlateau,
};
pub(crate) use callback::{improves, monitored};
pub use diagnostics::{OverfittingReport, Verdict, overfitting_report};
pub use fit::{AdversarialExamples, FitConfig, GradientClip};
pub use history::History;
pub use metric::Metric;
pub use sequential::{Evaluation, Sequential};
