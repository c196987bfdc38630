//! [`FitConfig`]: how `fit` trains — epochs, batches, shuffling, validation, metrics.

use crate::error::{Error, Result, check_positive};
use crate::model::Metric;
use crate::progress::ProgressMode;
use crate::robustness::{Attack, InputRange};
use crate::tensor::Tensor;

/// Options of [`crate::Sequential::fit`], with Keras' defaults where Keras has one.
///
/// ```
/// use trustnn::{FitConfig, Metric};
/// let cfg = FitConfig::new()
///     .epochs(20)
///     .batch_size(32)
///     .validation_split(0.2)
///     .metrics(&[Metric::Accuracy]);
/// assert_eq!(cfg.epochs, 20);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct FitConfig {
    /// The epoch to stop before: training runs epochs `initial_epoch..epochs` (default 1).
    pub epochs: usize,
    /// The epoch to start at (0-based, default 0), to resume an interrupted run as Keras'
    /// `initial_epoch` does: schedules and callbacks see the true epoch numbers.
    pub initial_epoch: usize,
    /// Samples per gradient step (default 32); the last batch of an epoch may be smaller.
    pub batch_size: usize,
    /// Reshuffle the training samples before each epoch (default true). The order is drawn
    /// from the model's seed, so runs are reproducible.
    pub shuffle: bool,
    /// Fraction of the samples held out for validation, in `[0, 1)` (default 0). As in
    /// Keras, the *last* samples (before any shuffling) are held out.
    pub validation_split: f32,
    /// Explicit validation inputs and targets; takes precedence over `validation_split`.
    pub validation_data: Option<(Tensor, Tensor)>,
    /// Metrics computed per epoch on the training batches (running, as Keras reports them)
    /// and on the validation data (as `"val_{name}"`).
    pub metrics: Vec<Metric>,
    /// How progress is shown (default [`ProgressMode::Auto`]: a progress bar on stderr when
    /// it is a terminal, nothing otherwise).
    pub progress: ProgressMode,
    /// Gradient clipping applied after backpropagation, before the optimizer step.
    pub clip: Option<GradientClip>,
    /// Record per-layer training diagnostics in the history (see
    /// [`crate::model::overfitting_report`] and the `diagnostics` module doc); default false.
    pub diagnostics: bool,
    /// Adversarial training: a share of every batch replaced by adversarial examples
    /// against the current model (default none).
    pub adversarial: Option<AdversarialExamples>,
}

/// Adversarial training as an option of `fit` ([`FitConfig::adversarial`]): before each
/// step, the first `round(share · batch)` samples of the (shuffled) batch are replaced by
/// their adversarial examples made by `attack` against the current model, clipped to
/// `range` (Goodfellow et al. 2015 train on a 50/50 mix, share 0.5; Madry et al. 2018 on
/// adversarial examples only, share 1). The reported training loss and metrics are those of
/// the mixed batches, as in those papers' training loops.
#[derive(Clone, Debug, PartialEq)]
pub struct AdversarialExamples {
    /// The attack (FGSM or PGD, at its own `ε`).
    pub attack: Attack,
    /// Share of each batch replaced, in `[0, 1]`.
    pub share: f32,
    /// The valid input range the adversarial examples are clipped to.
    pub range: InputRange,
}

impl Default for FitConfig {
    fn default() -> Self {
        FitConfig {
            epochs: 1,
            initial_epoch: 0,
            batch_size: 32,
            shuffle: true,
            validation_split: 0.0,
            validation_data: None,
            metrics: Vec::new(),
            progress: ProgressMode::Auto,
            clip: None,
            diagnostics: false,
            adversarial: None,
        }
    }
}

impl FitConfig {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the number of epochs.
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self
    }

    /// Sets the epoch to start at (to resume a run).
    pub fn initial_epoch(mut self, epoch: usize) -> Self {
        self.initial_epoch = epoch;
        self
    }

    /// Sets the batch size (must be at least 1).
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// Turns per-epoch shuffling on or off.
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }

    /// Holds out the last `fraction` of the samples for validation.
    pub fn validation_split(mut self, fraction: f32) -> Self {
        self.validation_split = fraction;
        self
    }

    /// Validates on these inputs and targets after each epoch.
    pub fn validation_data(mut self, x: Tensor, y: Tensor) -> Self {
        self.validation_data = Some((x, y));
        self
    }

    /// The metrics to track.
    pub fn metrics(mut self, metrics: &[Metric]) -> Self {
        self.metrics = metrics.to_vec();
        self
    }

    /// How to show progress.
    pub fn progress(mut self, mode: ProgressMode) -> Self {
        self.progress = mode;
        self
    }

    /// Prints one line per epoch when true; shows nothing when false.
    pub fn verbose(mut self, verbose: bool) -> Self {
        self.progress = if verbose {
            ProgressMode::Lines
        } else {
            ProgressMode::Silent
        };
        self
    }

    /// Records per-layer diagnostics every epoch.
    pub fn diagnostics(mut self, on: bool) -> Self {
        self.diagnostics = on;
        self
    }

    /// Clips gradients before each optimizer step.
    pub fn clip(mut self, clip: GradientClip) -> Self {
        self.clip = Some(clip);
        self
    }

    /// Trains on batches of which a `share` is replaced by `attack`'s adversarial examples,
    /// kept in `range` (see [`AdversarialExamples`]).
    ///
    /// ```
    /// use trustnn::FitConfig;
    /// use trustnn::robustness::{Attack, InputRange};
    /// let cfg = FitConfig::new().adversarial(Attack::Fgsm { eps: 0.1 }, 0.5, InputRange::UNIT);
    /// assert_eq!(cfg.adversarial.unwrap().share, 0.5);
    /// ```
    pub fn adversarial(mut self, attack: Attack, share: f32, range: InputRange) -> Self {
        self.adversarial = Some(AdversarialExamples { attack, share, range });
        self
    }

    /// Checks the options.
    pub fn validate(&self) -> Result<()> {
        if self.batch_size == 0 {
            return Err(Error::config("FitConfig.batch_size", 0, "must be at least 1"));
        }
        if !(self.validation_split.is_finite() && (0.0..1.0).contains(&self.validation_split)) {
            return Err(Error::config(
                "FitConfig.validation_split",
                self.validation_split,
                "must be in [0, 1)",
            ));
        }
        match self.clip {
            Some(GradientClip::GlobalNorm(v)) => check_positive("FitConfig.clip (global norm)", v)?,
            Some(GradientClip::Value(v)) => check_positive("FitConfig.clip (value)", v)?,
            None => {}
        }
        if let Some(adv) = &self.adversarial {
            if !(0.0..=1.0).contains(&adv.share) {
                return Err(Error::config(
                    "FitConfig.adversarial.share",
                    adv.share,
                    "must be in [0, 1]",
                ));
            }
            adv.range.check()?;
            let eps = adv.attack.eps();
            if !(eps.is_finite() && eps >= 0.0) {
                return Err(Error::config(
                    "FitConfig.adversarial.attack.eps",
                    eps,
                    "must be finite and >= 0",
                ));
            }
        }
        Ok(())
    }
}

/// Gradient clipping, as PyTorch's `torch.nn.utils` does it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum GradientClip {
    /// `clip_grad_norm_`: if the global L2 norm `‖g‖` of all trainable gradients together
    /// exceeds `max_norm`, every gradient is multiplied by `max_norm / (‖g‖ + 1e-6)`.
    GlobalNorm(f32),
    /// `clip_grad_value_`: every gradient value is clamped to `[-v, v]`.
    Value(f32),
}
