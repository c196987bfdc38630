//! Training progress display (placeholder; replaced by the indicatif-based implementation).

/// How `fit` shows progress.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProgressMode {
    /// Nothing.
    Silent,
    /// A progress bar.
    Bar,
    /// One line per epoch.
    Lines,
    /// A bar when stderr is a terminal, nothing otherwise.
    #[default]
    Auto,
}

/// Progress of a training run.
#[derive(Debug)]
pub struct TrainingProgress {
    epochs: usize,
    mode: ProgressMode,
}

impl TrainingProgress {
    /// A display for `epochs` epochs of `batches_per_epoch` batches.
    pub fn new(epochs: usize, _batches_per_epoch: usize, mode: ProgressMode) -> Self {
        TrainingProgress { epochs, mode }
    }
    /// Called after every batch.
    pub fn batch(&mut self, _epoch: usize, _batch: usize, _running_loss: f32) {}
    /// Called after every epoch with its summary.
    pub fn epoch_end(&mut self, epoch: usize, summary: &str) {
        if self.mode == ProgressMode::Lines {
            println!("Epoch {}/{} - {summary}", epoch + 1, self.epochs);
        }
    }
    /// Called once at the end.
    pub fn finish(&mut self) {}
}
