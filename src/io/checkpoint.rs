//! [`ModelCheckpoint`]: a callback that saves checkpoints during `fit`.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use super::{SaveOptions, save_checkpoint};
use crate::error::{Error, Result};
use crate::model::{Callback, Control, History, MonitorMode, Sequential};
use crate::model::{improves, monitored};

/// Saves a checkpoint ([`save_checkpoint`]: weights, optimizer state, generators, epoch) every
/// `every` epochs, or only when a monitored quantity improves, keeping the last `keep` files
/// (Keras' `ModelCheckpoint`, with `save_best_only` and a retention limit).
///
/// Files are named `{dir}/{prefix}-epoch{NNNN}.safetensors` with the number of completed
/// epochs; each save is atomic, so an interrupted run leaves the earlier checkpoints intact.
/// Resume from the newest with [`super::resume`].
///
/// ```no_run
/// use trustnn::io::ModelCheckpoint;
/// let ckpt = ModelCheckpoint::new("checkpoints", "mlp").every(5).keep_last(3);
/// let best = ModelCheckpoint::new("checkpoints", "best").best_only("val_loss").keep_last(1);
/// ```
#[derive(Debug)]
pub struct ModelCheckpoint {
    dir: PathBuf,
    prefix: String,
    every: usize,
    best_only: Option<(String, MonitorMode)>,
    keep: Option<usize>,
    options: SaveOptions,
    saved: VecDeque<PathBuf>,
    best: f32,
}

impl ModelCheckpoint {
    /// Checkpoints in `dir` (created if missing) named after `prefix`, every epoch, all kept.
    pub fn new(dir: impl AsRef<Path>, prefix: &str) -> Self {
        ModelCheckpoint {
            dir: dir.as_ref().to_path_buf(),
            prefix: prefix.to_string(),
            every: 1,
            best_only: None,
            keep: None,
            options: SaveOptions::default(),
            saved: VecDeque::new(),
            best: f32::NAN,
        }
    }

    /// Saves every `n` epochs (at least 1).
    pub fn every(mut self, n: usize) -> Self {
        self.every = n;
        self
    }

    /// Saves only when `monitor` (e.g. `"val_loss"`) improves on the best value so far
    /// (direction from the name, as [`MonitorMode::Auto`]).
    pub fn best_only(self, monitor: &str) -> Self {
        self.best_only_with(monitor, MonitorMode::Auto)
    }

    /// [`ModelCheckpoint::best_only`] with an explicit direction.
    pub fn best_only_with(mut self, monitor: &str, mode: MonitorMode) -> Self {
        self.best_only = Some((monitor.to_string(), mode.resolve(monitor)));
        self
    }

    /// Keeps only the newest `k` checkpoints written by this callback (at least 1); older
    /// ones are deleted.
    pub fn keep_last(mut self, k: usize) -> Self {
        self.keep = Some(k);
        self
    }

    /// Options for every save (model card, signing key, preprocessing, ...).
    pub fn options(mut self, options: SaveOptions) -> Self {
        self.options = options;
        self
    }

    /// The checkpoints currently kept, oldest first.
    pub fn saved(&self) -> impl Iterator<Item = &Path> {
        self.saved.iter().map(PathBuf::as_path)
    }

    /// The path of the checkpoint after `epochs` completed epochs.
    pub fn path_for(&self, epochs: usize) -> PathBuf {
        self.dir
            .join(format!("{}-epoch{epochs:04}.safetensors", self.prefix))
    }
}

impl Callback for ModelCheckpoint {
    fn on_train_begin(&mut self, _model: &mut Sequential) -> Result<()> {
        if self.every == 0 {
            return Err(Error::config("ModelCheckpoint.every", 0, "must be at least 1"));
        }
        if self.keep == Some(0) {
            return Err(Error::config(
                "ModelCheckpoint.keep_last",
                0,
                "must be at least 1",
            ));
        }
        std::fs::create_dir_all(&self.dir)?;
        self.best = match &self.best_only {
            Some((_, MonitorMode::Max)) => f32::NEG_INFINITY,
            _ => f32::INFINITY,
        };
        Ok(())
    }

    fn on_epoch_end(&mut self, epoch: usize, history: &History, model: &mut Sequential) -> Result<Control> {
        let done = epoch + 1;
        if !done.is_multiple_of(self.every) {
            return Ok(Control::Continue);
        }
        if let Some((monitor, mode)) = &self.best_only {
            let current = monitored(history, monitor)?;
            if !improves(*mode, current, self.best, 0.0) {
                return Ok(Control::Continue);
            }
            self.best = current;
        }
        let path = self.path_for(done);
        save_checkpoint(model, &path, done, &self.options)?;
        self.saved.retain(|p| p != &path);
        self.saved.push_back(path);
        while self.keep.is_some_and(|k| self.saved.len() > k) {
            if let Some(old) = self.saved.pop_front() {
                std::fs::remove_file(&old)?;
            }
        }
        Ok(Control::Continue)
    }
}
