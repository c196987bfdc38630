//! [`History`]: what `fit` records, epoch by epoch.

use std::collections::BTreeMap;

/// Per-epoch training record, Keras-style: named series (`"loss"`, `"accuracy"`,
/// `"val_loss"`, `"val_accuracy"`, ...) with one value per completed epoch.
///
/// ```
/// # use trustnn::History;
/// let mut h = History::default();
/// h.push("loss", 0.5);
/// h.push("loss", 0.25);
/// assert_eq!(h.get("loss"), Some(&[0.5, 0.25][..]));
/// assert_eq!(h.last("loss"), Some(0.25));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    series: BTreeMap<String, Vec<f32>>,
    epochs: usize,
    stop: Option<(usize, String)>,
}

impl History {
    /// Appends `value` to the series `name` (creating it).
    pub fn push(&mut self, name: &str, value: f32) {
        let s = self.series.entry(name.to_string()).or_default();
        s.push(value);
        self.epochs = self.epochs.max(s.len());
    }

    /// The series `name`, one value per epoch.
    pub fn get(&self, name: &str) -> Option<&[f32]> {
        self.series.get(name).map(Vec::as_slice)
    }

    /// The last value of series `name`.
    pub fn last(&self, name: &str) -> Option<f32> {
        self.get(name).and_then(|s| s.last().copied())
    }

    /// The names of all series, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.series.keys().map(String::as_str)
    }

    /// Number of epochs recorded.
    pub fn epochs(&self) -> usize {
        self.epochs
    }

    /// Records that training was stopped early at (0-based) `epoch` and why.
    pub fn stop(&mut self, epoch: usize, reason: impl Into<String>) {
        self.stop = Some((epoch, reason.into()));
    }

    /// Why training stopped before its last epoch (set by a callback), if it did.
    pub fn stop_reason(&self) -> Option<&str> {
        self.stop.as_ref().map(|(_, r)| r.as_str())
    }

    /// The (0-based) epoch at which training was stopped early, if it was.
    pub fn stopped_epoch(&self) -> Option<usize> {
        self.stop.as_ref().map(|(e, _)| *e)
    }

    /// All series.
    pub fn series(&self) -> &BTreeMap<String, Vec<f32>> {
        &self.series
    }
}
