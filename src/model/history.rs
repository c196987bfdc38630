//! [`History`]: what `fit` records, epoch by epoch (as Keras' `History` callback), with
//! export to CSV (the layout of Keras' `CSVLogger`, epochs from 1) and JSON.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Result};

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
    notes: BTreeMap<String, String>,
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

    /// Attaches a note to the history (replacing one of the same key): what a number means
    /// that a series cannot say, such as the accountant behind the `"epsilon"` series of
    /// differentially private training (key `"privacy"`).
    pub fn set_note(&mut self, key: &str, text: impl Into<String>) {
        self.notes.insert(key.to_string(), text.into());
    }

    /// The note `key`, if set.
    pub fn note(&self, key: &str) -> Option<&str> {
        self.notes.get(key).map(String::as_str)
    }

    /// All notes.
    pub fn notes(&self) -> &BTreeMap<String, String> {
        &self.notes
    }
}

/// Export and import: CSV and JSON, for spreadsheets, pandas and later comparison.
impl History {
    /// The history as CSV text: a header `epoch,<series...>` (series in sorted name order),
    /// then one row per epoch, epochs numbered from 1; a series shorter than the others leaves
    /// its later cells empty. Values are written in Rust's shortest exact form (reading them
    /// back as `f32` gives the same bits); non-finite values as `NaN`, `inf`, `-inf`. A name
    /// containing a comma, quote or line break is quoted as RFC 4180 says. An empty history
    /// gives the header `epoch` alone.
    ///
    /// ```
    /// # use trustnn::History;
    /// let mut h = History::default();
    /// h.push("loss", 0.5);
    /// h.push("val_loss", 0.75);
    /// h.push("loss", 0.25);
    /// assert_eq!(h.to_csv(), "epoch,loss,val_loss\n1,0.5,0.75\n2,0.25,\n");
    /// ```
    pub fn to_csv(&self) -> String {
        let mut out = String::from("epoch");
        for name in self.series.keys() {
            out.push(',');
            push_csv_field(&mut out, name);
        }
        out.push('\n');
        for epoch in 0..self.epochs {
            out.push_str(&(epoch + 1).to_string());
            for values in self.series.values() {
                out.push(',');
                if let Some(v) = values.get(epoch) {
                    out.push_str(&v.to_string());
                }
            }
            out.push('\n');
        }
        out
    }

    /// Writes [`to_csv`](Self::to_csv) to `path`; an I/O failure is [`Error::Io`] naming the
    /// path.
    pub fn write_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        write_file(path.as_ref(), self.to_csv().as_bytes())
    }

    /// The history as JSON: `{"epochs": n, "series": {"loss": [..], "val_loss": [..], ..}}`.
    /// Each value is written in the shortest decimal form that reads back as the same `f32`
    /// (`0.9`, not `0.8999999761581421`). Non-finite values become `null` (JSON has no NaN); [`from_json`](Self::from_json) reads
    /// them back as NaN.
    ///
    /// ```
    /// # use trustnn::History;
    /// let mut h = History::default();
    /// h.push("loss", 0.5);
    /// assert_eq!(h.to_json(), serde_json::json!({"epochs": 1, "series": {"loss": [0.5]}}));
    /// assert_eq!(History::from_json(&h.to_json())?, h);
    /// // Notes and an early stop, when there are any, travel too.
    /// h.set_note("privacy", "(ε = 1, δ = 1e-5) ...");
    /// h.stop(0, "early stopping");
    /// assert_eq!(h.to_json()["stop"]["reason"], "early stopping");
    /// assert_eq!(History::from_json(&h.to_json())?, h);
    /// # Ok::<(), trustnn::Error>(())
    /// ```
    pub fn to_json(&self) -> serde_json::Value {
        let series: serde_json::Map<String, serde_json::Value> = self
            .series
            .iter()
            .map(|(name, values)| {
                let values = values
                    .iter()
                    .map(|&v| {
                        // The f32's shortest decimal form (0.9, not 0.8999999761581421), which
                        // reads back as the same f32.
                        v.to_string()
                            .parse::<f64>()
                            .ok()
                            .and_then(serde_json::Number::from_f64)
                            .map_or(serde_json::Value::Null, serde_json::Value::Number)
                    })
                    .collect();
                (name.clone(), serde_json::Value::Array(values))
            })
            .collect();
        let mut json = serde_json::json!({ "epochs": self.epochs, "series": series });
        if !self.notes.is_empty() {
            json["notes"] = serde_json::json!(self.notes);
        }
        if let Some((epoch, reason)) = &self.stop {
            json["stop"] = serde_json::json!({ "epoch": epoch, "reason": reason });
        }
        json
    }

    /// Writes [`to_json`](Self::to_json) to `path`, pretty-printed; an I/O failure is
    /// [`Error::Io`] naming the path.
    pub fn write_json(&self, path: impl AsRef<Path>) -> Result<()> {
        let text = serde_json::to_string_pretty(&self.to_json()).expect("a JSON value always serializes");
        write_file(path.as_ref(), text.as_bytes())
    }

    /// Reads a history written by [`to_json`](Self::to_json): an object with a `"series"`
    /// object of number arrays (`null` is read as NaN) and optionally `"epochs"`, which must
    /// then equal the longest series' length, `"notes"` (an object of strings) and `"stop"`
    /// (`{"epoch": n, "reason": "..."}`). Anything else is [`Error::Format`] saying what and
    /// where.
    pub fn from_json(value: &serde_json::Value) -> Result<Self> {
        let bad = |reason: String| Error::Format {
            context: "History::from_json".into(),
            reason,
        };
        let series = value
            .get("series")
            .and_then(serde_json::Value::as_object)
            .ok_or_else(|| bad("expected an object with a \"series\" object".into()))?;
        let mut history = History::default();
        for (name, values) in series {
            let values = values
                .as_array()
                .ok_or_else(|| bad(format!("series {name:?} is not an array")))?;
            let parsed = values
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    serde_json::Value::Null => Ok(f32::NAN),
                    v => v
                        .as_f64()
                        .map(|x| x as f32)
                        .ok_or_else(|| bad(format!("series {name:?} index {i}: {v} is not a number"))),
                })
                .collect::<Result<Vec<f32>>>()?;
            history.epochs = history.epochs.max(parsed.len());
            history.series.insert(name.clone(), parsed);
        }
        if let Some(stop) = value.get("stop") {
            let epoch = stop.get("epoch").and_then(serde_json::Value::as_u64);
            let reason = stop.get("reason").and_then(serde_json::Value::as_str);
            let (Some(epoch), Some(reason)) = (epoch, reason) else {
                return Err(bad(
                    "\"stop\" needs an integer \"epoch\" and a string \"reason\"".into()
                ));
            };
            history.stop(epoch as usize, reason);
        }
        if let Some(notes) = value.get("notes") {
            let notes = notes
                .as_object()
                .ok_or_else(|| bad("\"notes\" is not an object".into()))?;
            for (key, text) in notes {
                let text = text
                    .as_str()
                    .ok_or_else(|| bad(format!("note {key:?} is not a string")))?;
                history.set_note(key, text);
            }
        }
        if let Some(epochs) = value.get("epochs")
            && epochs.as_u64() != Some(history.epochs as u64)
        {
            return Err(bad(format!(
                "\"epochs\" is {epochs} but the longest series has {} values",
                history.epochs
            )));
        }
        Ok(history)
    }

    /// Reads a JSON file written by [`write_json`](Self::write_json); see
    /// [`from_json`](Self::from_json). A file that cannot be read is [`Error::Io`], text that is
    /// not JSON is [`Error::Format`], each naming the path.
    pub fn read_json(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| io_error(path, e))?;
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| Error::Format {
            context: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::from_json(&value).map_err(|e| match e {
            Error::Format { reason, .. } => Error::Format {
                context: path.display().to_string(),
                reason,
            },
            other => other,
        })
    }
}

/// Appends `field` to a CSV line, quoted if it contains a separator, quote or line break.
fn push_csv_field(out: &mut String, field: &str) {
    if field.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

/// An I/O error whose message names `path`.
fn io_error(path: &Path, e: std::io::Error) -> Error {
    Error::Io(std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| io_error(path, e))
}
