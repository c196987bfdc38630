//! [`FitConfig`]: how `fit` trains — epochs, batches, shuffling, validation, metrics.

use crate::error::{Error, Result};
use crate::model::Metric;
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
    /// Number of passes over the training data (default 1).
    pub epochs: usize,
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
    /// Print one line per epoch (default false).
    pub verbose: bool,
}

impl Default for FitConfig {
    fn default() -> Self {
        FitConfig {
            epochs: 1,
            batch_size: 32,
            shuffle: true,
            validation_split: 0.0,
            validation_data: None,
            metrics: Vec::new(),
            verbose: false,
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

    /// Prints a line per epoch.
    pub fn verbose(mut self, verbose: bool) -> Self {
        self.verbose = verbose;
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
        Ok(())
    }
}
