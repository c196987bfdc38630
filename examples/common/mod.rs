//! Helpers shared by the examples: the common command-line options, a scaled train/test
//! split, text tables, labels and confusion-matrix counts, mean and standard deviation, and
//! the options, training loop and report of the two comparison
//! examples (`compare_optimizers`, `compare_activations`), which train the same MLP on the
//! same split of the digits and differ only in what they vary.
//!
//! An example includes this file with `#[path = "common/mod.rs"] mod common;` (cargo builds
//! only the files directly in `examples/` as examples, so this one is not an example itself).

// Each example uses only a part of this module.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use trustnn::data::{Dataset, MinMaxScaler, StandardScaler, datasets, train_test_split};
use trustnn::metrics::ConfusionMatrix;
use trustnn::optim;
use trustnn::prelude::*;
use trustnn::progress::ProgressMode;

/// The progress mode of `fit`: silent with `--json` (stdout carries only the JSON object),
/// otherwise a progress bar on stderr when it is a terminal.
pub fn progress(json: bool) -> ProgressMode {
    if json {
        ProgressMode::Silent
    } else {
        ProgressMode::Auto
    }
}

/// The options the single-model examples (`quickstart`, `breast_cancer`, `diabetes`,
/// `csv_train`) share (batch size, learning rate, seed, output folder, JSON); each flattens them into its own `Args` (`#[command(flatten)]`) after
/// the options of its training.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Batch size.
    #[arg(long, default_value_t = 32)]
    pub batch_size: usize,
    /// The optimizer's learning rate.
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f64,
    /// Seed of the split, initialization and shuffling.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Folder for the plots.
    #[arg(long, default_value = "target/plots")]
    pub out_dir: PathBuf,
    /// Print the figures as one JSON object instead of text (no progress bar).
    #[arg(long)]
    pub json: bool,
}

/// How [`scaled_split`] scales the features.
#[derive(Clone, Copy, Debug)]
pub enum Scaling {
    /// Zero mean and unit variance per feature (`StandardScaler`).
    Standard,
    /// Each feature to `[0, 1]` (`MinMaxScaler`).
    MinMax,
}

/// Splits `data` (`train_test_split`: `test_fraction` held out, stratified if `stratify`)
/// and scales the features with a scaler fit on the training part only; returns the training
/// and test parts (raw features, labels) and their scaled features: `(train, test, x_train,
/// x_test)`.
pub fn scaled_split(
    data: &Dataset,
    test_fraction: f64,
    seed: u64,
    stratify: bool,
    scaling: Scaling,
) -> Result<(Dataset, Dataset, Tensor, Tensor)> {
    let (train, test) = train_test_split(data, test_fraction, seed, stratify)?;
    let (x_train, x_test) = match scaling {
        Scaling::Standard => {
            let mut scaler = StandardScaler::new();
            (scaler.fit_transform(train.x())?, scaler.transform(test.x())?)
        }
        Scaling::MinMax => {
            let mut scaler = MinMaxScaler::new();
            (scaler.fit_transform(train.x())?, scaler.transform(test.x())?)
        }
    };
    Ok((train, test, x_train, x_test))
}

/// Class labels `[n]` stored as `f32` (as datasets and `fit` hold them) as `usize`.
pub fn class_labels(y: &Tensor) -> Vec<usize> {
    y.as_slice().iter().map(|&v| v as usize).collect()
}

/// A confusion matrix's counts as the rows `plot::confusion_matrix_heatmap` takes.
pub fn heatmap_counts(cm: &ConfusionMatrix) -> Vec<Vec<u64>> {
    cm.counts()
        .rows()
        .into_iter()
        .map(|r| r.iter().map(|&c| c as u64).collect())
        .collect()
}

/// Mean and population standard deviation (numpy's `np.std`, `ddof=0`, which is what
/// scikit-learn users report for cross-validation scores).
pub fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// An `f32` as the `f64` of its shortest decimal form (`0.8`, not `0.800000011920929`),
/// for JSON output; NaN stays NaN (`null` in JSON).
pub fn short(v: f32) -> f64 {
    v.to_string().parse().unwrap_or(f64::NAN)
}

/// [`short`] of each value.
pub fn shorts(values: &[f32]) -> Vec<f64> {
    values.iter().map(|&v| short(v)).collect()
}

/// The first epoch (counted from 1) whose value reaches `target`, if any.
pub fn epochs_to_reach(curve: &[f32], target: f32) -> Option<usize> {
    curve.iter().position(|&v| v >= target).map(|i| i + 1)
}

/// A text table: the first `left` columns (text) left-aligned, the others (numbers)
/// right-aligned, a rule under the header.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    left: usize,
}

impl Table {
    /// A table with these column titles and no rows; the first column is left-aligned.
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
            left: 1,
        }
    }

    /// Left-aligns the first `n` columns.
    pub fn left_columns(mut self, n: usize) -> Self {
        self.left = n;
        self
    }

    /// Appends a row (one cell per column).
    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.header.len(), "one cell per column");
        self.rows.push(cells);
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let widths: Vec<usize> = (0..self.header.len())
            .map(|j| {
                std::iter::once(&self.header[j])
                    .chain(self.rows.iter().map(|r| &r[j]))
                    .map(|s| s.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |f: &mut fmt::Formatter<'_>, cells: &[String]| -> fmt::Result {
            let mut text = String::new();
            for (j, (cell, w)) in cells.iter().zip(&widths).enumerate() {
                let pad = " ".repeat(w - cell.chars().count());
                let sep = if j == 0 { "" } else { "  " };
                text += &if j < self.left {
                    format!("{sep}{cell}{pad}")
                } else {
                    format!("{sep}{pad}{cell}")
                };
            }
            writeln!(f, "{}", text.trim_end())
        };
        line(f, &self.header)?;
        let total = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
        writeln!(f, "{}", "-".repeat(total))?;
        for r in &self.rows {
            line(f, r)?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// The comparison examples.

/// The options the comparison examples share; each flattens them into its own `Args`
/// (`#[command(flatten)]`) after the options of what it varies.
#[derive(clap::Args, Debug)]
pub struct ComparisonArgs {
    /// Number of epochs (the same for every run).
    #[arg(long, default_value_t = 30)]
    pub epochs: usize,
    /// Batch size.
    #[arg(long, default_value_t = 32)]
    pub batch_size: usize,
    /// Validation accuracy whose first epoch is reported.
    #[arg(long, default_value_t = 0.95)]
    pub target: f32,
    /// Fraction of the digits held out for validation (stratified).
    #[arg(long, default_value_t = 0.2)]
    pub val_fraction: f64,
    /// Seed of the split, the initial weights and the batch order.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Folder for the plot.
    #[arg(long, default_value = "target/plots")]
    pub out_dir: PathBuf,
    /// Print the figures as one JSON object instead of text (no progress).
    #[arg(long)]
    pub json: bool,
}

/// The digits split of the comparisons: stratified train and validation parts, standardized
/// with the statistics of the training part only.
pub struct TrainVal {
    /// Standardized training features `[n_train, 64]`.
    pub x_train: Tensor,
    /// Training labels `[n_train]`.
    pub y_train: Tensor,
    /// Standardized validation features `[n_val, 64]`.
    pub x_val: Tensor,
    /// Validation labels `[n_val]`.
    pub y_val: Tensor,
}

/// Loads the bundled digits, splits off a stratified validation part of `val_fraction` and
/// standardizes both parts with a scaler fit on the training part.
pub fn digits_train_val(val_fraction: f64, seed: u64) -> Result<TrainVal> {
    let digits = datasets::digits()?;
    let (train, val) = train_test_split(&digits, val_fraction, seed, true)?;
    let mut scaler = StandardScaler::new();
    Ok(TrainVal {
        x_train: scaler.fit_transform(train.x())?,
        y_train: train.y().clone(),
        x_val: scaler.transform(val.x())?,
        y_val: val.y().clone(),
    })
}

/// The MLP of the comparisons, as in the quickstart: 64-128-64-10, the given hidden
/// activation (by name, see `trustnn::activation::by_name`) and weight initializer, zero
/// biases, logits out.
pub fn digits_mlp(seed: u64, activation: &str, init: Initializer) -> Result<Sequential> {
    let act = || trustnn::activation::by_name(activation).map(ActivationLayer::from_box);
    Ok(Sequential::new()
        .seed(seed)
        .add(Dense::new(64, 128).weight_init(init))
        .add(act()?)
        .add(Dense::new(128, 64).weight_init(init))
        .add(act()?)
        .add(Dense::new(64, 10).weight_init(init)))
}

/// One trained configuration of a comparison.
pub struct Run {
    /// What was varied (`"adam"`, `"selu"`, ...).
    pub name: String,
    /// The setting shown beside the name (`"lr 0.001"`, `"LeCun normal"`, ...).
    pub setting: String,
    /// The learning rate.
    pub lr: f64,
    /// Validation accuracy after each epoch.
    pub val_accuracy: Vec<f32>,
    /// Mean training loss of each epoch.
    pub loss: Vec<f32>,
    /// Wall time of `fit` divided by the epochs (training steps and the validation pass).
    pub seconds_per_epoch: f64,
    /// The parameters before training.
    pub initial_weights: BTreeMap<String, Tensor>,
}

/// Compiles `model` with softmax cross-entropy and the optimizer called `optimizer` (see
/// `trustnn::optim::by_name`) at learning rate `lr`, trains it on `data` for `args.epochs`
/// (validation accuracy after every epoch, nothing shown) and times it.
pub fn train_run(
    name: &str,
    setting: String,
    mut model: Sequential,
    optimizer: &str,
    lr: f64,
    data: &TrainVal,
    args: &ComparisonArgs,
) -> Result<Run> {
    model.compile_boxed(
        Box::new(SparseCategoricalCrossEntropy),
        optim::by_name(optimizer, lr as f32)?,
    )?;
    let initial_weights = model.state_dict();
    let config = FitConfig::new()
        .epochs(args.epochs)
        .batch_size(args.batch_size)
        .validation_data(data.x_val.clone(), data.y_val.clone())
        .metrics(&[Metric::Accuracy])
        .progress(ProgressMode::Silent);
    let start = Instant::now();
    let history = model.fit(&data.x_train, &data.y_train, &config)?;
    let seconds = start.elapsed().as_secs_f64();
    Ok(Run {
        name: name.to_string(),
        setting,
        lr,
        val_accuracy: history.get("val_accuracy").unwrap_or_default().to_vec(),
        loss: history.get("loss").unwrap_or_default().to_vec(),
        seconds_per_epoch: seconds / args.epochs as f64,
        initial_weights,
    })
}

impl Run {
    /// `"val accuracy 0.9500  (2.9 ms/epoch)"`: the end of a run's progress line.
    pub fn summary(&self) -> String {
        format!(
            "val accuracy {:.4}  ({:.1} ms/epoch)",
            self.val_accuracy.last().copied().unwrap_or(f32::NAN),
            self.seconds_per_epoch * 1e3
        )
    }
}

/// The comparison table: name, setting, final and best validation accuracy, the first
/// epoch reaching `target` ("–" if none), milliseconds per epoch.
pub fn comparison_table(runs: &[Run], what: &str, setting: &str, target: f32) -> Table {
    let to_target = format!("epochs to {target}");
    let mut table = Table::new(&[
        what,
        setting,
        "final val acc",
        "best val acc (epoch)",
        &to_target,
        "ms/epoch",
    ])
    .left_columns(2);
    for r in runs {
        let (best_epoch, best) = best_epoch(&r.val_accuracy);
        table.row(vec![
            r.name.clone(),
            r.setting.clone(),
            format!("{:.4}", r.val_accuracy.last().copied().unwrap_or(f32::NAN)),
            format!("{best:.4} ({best_epoch})"),
            epochs_to_reach(&r.val_accuracy, target).map_or("–".to_string(), |e| e.to_string()),
            format!("{:.1}", r.seconds_per_epoch * 1e3),
        ]);
    }
    table
}

/// The best value of a curve and its epoch (from 1; the first on ties).
fn best_epoch(curve: &[f32]) -> (usize, f32) {
    curve.iter().enumerate().fold(
        (0, f32::NEG_INFINITY),
        |(be, bv), (i, &v)| {
            if v > bv { (i + 1, v) } else { (be, bv) }
        },
    )
}

/// All validation-accuracy curves in one chart (`plot::line_chart`), written as `file` in
/// `out_dir` (created if needed); returns the chart's path.
pub fn comparison_chart(runs: &[Run], out_dir: &Path, file: &str, title: &str) -> Result<PathBuf> {
    std::fs::create_dir_all(out_dir)?;
    let path = out_dir.join(file);
    let series: Vec<(String, Vec<(f32, f32)>)> = runs
        .iter()
        .map(|r| {
            let points = r
                .val_accuracy
                .iter()
                .enumerate()
                .map(|(i, &a)| ((i + 1) as f32, a))
                .collect();
            (format!("{} ({})", r.name, r.setting), points)
        })
        .collect();
    trustnn::plot::line_chart(&series, &path, title, "epoch", "validation accuracy")?;
    Ok(path)
}

/// A comparison's JSON object: the fields every comparison reports (data sizes and the
/// shared options) and the example's own `fields` (what it varied, its runs, its plot).
pub fn comparison_json(
    data: &TrainVal,
    args: &ComparisonArgs,
    fields: serde_json::Value,
) -> serde_json::Value {
    let mut obj = serde_json::json!({
        "dataset": "digits",
        "train_samples": data.x_train.batch_size(),
        "val_samples": data.x_val.batch_size(),
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "seed": args.seed,
        "target_accuracy": args.target,
    });
    if let (Some(obj), serde_json::Value::Object(fields)) = (obj.as_object_mut(), fields) {
        obj.extend(fields);
    }
    obj
}

/// The runs as JSON values (curves included).
pub fn runs_json(runs: &[Run], target: f32) -> Vec<serde_json::Value> {
    runs.iter()
        .map(|r| {
            let (best_epoch, best) = best_epoch(&r.val_accuracy);
            serde_json::json!({
                "name": r.name,
                "setting": r.setting,
                "lr": r.lr,
                "final_val_accuracy": r.val_accuracy.last().map(|&v| short(v)),
                "best_val_accuracy": short(best),
                "best_epoch": best_epoch,
                "epochs_to_target": epochs_to_reach(&r.val_accuracy, target),
                "seconds_per_epoch": r.seconds_per_epoch,
                "final_train_loss": r.loss.last().map(|&v| short(v)),
                "val_accuracy": shorts(&r.val_accuracy),
            })
        })
        .collect()
}
