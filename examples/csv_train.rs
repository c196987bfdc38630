//! Train on your own CSV file: the path a user with their own data takes.
//!
//! Give a CSV file with a header row, the target column and the task; categorical columns are
//! detected (a column with any non-numeric value) or declared, and one-hot encoded; missing
//! feature values (`?`, empty, `NA`) are imputed (`--missing mean`, the default, or
//! `most-frequent`; their number is printed) or refused (`--missing error`). The rows are split into a training and a
//! test part (stratified for classification), and **all preprocessing is fitted on the
//! training part only**: the categories, the imputed values, the standardization of the
//! numeric columns (one-hot columns stay 0/1) and, for regression, of the target. Then an
//! MLP (`--hidden`, `--activation`, `--optimizer`, `--lr`) is trained with a validation part
//! and a progress bar, and the metrics of the task are reported on the test part next to a
//! trivial baseline: for classification accuracy, balanced accuracy, macro F1, ROC AUC, log
//! loss and the confusion matrix (against always predicting the most frequent class); for
//! regression R², RMSE and MAE in the target's units (against predicting the training mean).
//!
//! How the file is read: it is first read whole (so a malformed row is reported with its line
//! number in your file, and the categorical columns are detected on all rows); its rows are
//! then split, the loader is fitted on the training rows (`read_csv_from_reader`) and the test
//! rows are encoded with that fitted preprocessing (`CsvData::transform_csv_reader`). A
//! category seen only in the test rows is encoded as all zeros.
//!
//! `examples/data/sample.csv` is a tiny made-up file to try it on: 40 customers with their
//! age, monthly fee, plan, region, support calls and tenure (5 values missing), and `label`:
//! whether they left (`yes`/`no`).
//!
//! ```text
//! cargo run --release --example csv_train -- examples/data/sample.csv --target label
//! cargo run --release --example csv_train -- examples/data/sample.csv --target monthly_fee \
//!     --task regression --epochs 200 --save-metrics target/sample_metrics.json
//! cargo run --release --example csv_train -- adult.csv --target income --drop fnlwgt,split \
//!     --missing most-frequent --epochs 5 --batch-size 128 --json
//! ```

#[path = "common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Parser, ValueEnum};
use trustnn::data::{
    CsvData, CsvOptions, Dataset, Missing, StandardScaler, Task, UnknownCategory, read_csv,
    read_csv_from_reader, train_test_split_indices,
};
use trustnn::metrics::{self, Average};
use trustnn::prelude::*;

/// Train an MLP on a CSV file and report its test metrics.
#[derive(Parser, Debug)]
#[command(name = "csv_train")]
struct Args {
    /// The CSV file (a header row, then one sample per row).
    file: PathBuf,
    /// The target column.
    #[arg(long)]
    target: String,
    /// What the target holds.
    #[arg(long, value_enum, default_value_t = TaskArg::Classification)]
    task: TaskArg,
    /// Categorical feature columns, comma-separated (default: detected — a column with any
    /// value that is not a number).
    #[arg(long, value_delimiter = ',')]
    categorical: Option<Vec<String>>,
    /// Columns to ignore, comma-separated.
    #[arg(long, value_delimiter = ',')]
    drop: Vec<String>,
    /// Missing feature values (`?`, empty, `NA`): imputed with the training rows' mean
    /// (numeric columns; the most frequent category in categorical ones), with their most
    /// frequent value, or an error naming the line and column.
    #[arg(long, value_enum, default_value_t = MissingArg::Mean)]
    missing: MissingArg,
    /// The field delimiter.
    #[arg(long, default_value_t = ',')]
    delimiter: char,
    /// Fraction of the rows held out for the test.
    #[arg(long, default_value_t = 0.2)]
    test_fraction: f64,
    /// Fraction of the training rows used to validate after each epoch (0 for none).
    #[arg(long, default_value_t = 0.1)]
    val_fraction: f32,
    /// Number of epochs.
    #[arg(long, default_value_t = 50)]
    epochs: usize,
    /// Hidden layer sizes, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "64,32")]
    hidden: Vec<usize>,
    /// Hidden activation (a name of trustnn::activation::by_name).
    #[arg(long, default_value = "relu")]
    activation: String,
    /// Optimizer (a name of trustnn::optim::by_name).
    #[arg(long, default_value = "adam")]
    optimizer: String,
    /// Also write the metrics (the JSON object of --json) to this file.
    #[arg(long, value_name = "FILE.json")]
    save_metrics: Option<PathBuf>,
    #[command(flatten)]
    run: common::RunArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum TaskArg {
    Classification,
    Regression,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum MissingArg {
    Error,
    Mean,
    MostFrequent,
}

/// The header and data rows of a CSV file, as the `csv` crate reads them.
struct Rows {
    header: csv::StringRecord,
    rows: Vec<csv::StringRecord>,
}

fn csv_error(path: &Path) -> impl Fn(csv::Error) -> Error + '_ {
    move |e| Error::Format {
        context: path.display().to_string(),
        reason: e.to_string(),
    }
}

impl Rows {
    fn read(path: &Path, delimiter: u8) -> Result<Rows> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .from_path(path)
            .map_err(csv_error(path))?;
        let header = reader.headers().map_err(csv_error(path))?.clone();
        let rows = reader
            .records()
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(csv_error(path))?;
        Ok(Rows { header, rows })
    }

    /// The header and the rows `indices` as CSV text.
    fn to_csv(&self, indices: &[usize], delimiter: u8, path: &Path) -> Result<Vec<u8>> {
        let mut w = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .from_writer(Vec::new());
        w.write_record(&self.header).map_err(csv_error(path))?;
        for &i in indices {
            let row = self.rows.get(i).ok_or_else(|| Error::Format {
                context: path.display().to_string(),
                reason: format!("the file changed while it was read (data row {i} is gone)"),
            })?;
            w.write_record(row).map_err(csv_error(path))?;
        }
        w.into_inner().map_err(|e| Error::Io(e.into_error()))
    }

    /// The number of missing values (`?`, empty, `NA`) in the named columns.
    fn count_missing(&self, columns: &[String]) -> usize {
        let cols: Vec<usize> = (0..self.header.len())
            .filter(|&c| columns.iter().any(|name| name == self.header[c].trim()))
            .collect();
        self.rows
            .iter()
            .map(|r| {
                cols.iter()
                    .filter(|&&c| matches!(r.get(c).map(str::trim), Some("" | "?" | "NA")))
                    .count()
            })
            .sum()
    }
}

/// The feature indices of the numeric columns of `csv`'s features (one-hot blocks skipped).
fn numeric_feature_indices(csv: &CsvData) -> Vec<usize> {
    let widths = csv.encoder.as_ref().map_or(&[][..], |e| e.categories());
    let mut out = Vec::new();
    let mut at = 0;
    for column in &csv.columns {
        match csv.categorical_columns.iter().position(|c| c == column) {
            Some(j) => at += widths[j].len(),
            None => {
                out.push(at);
                at += 1;
            }
        }
    }
    out
}

/// Standardizes the columns `cols` of `train` (fitting the scaler) and of `test`.
fn standardize_columns(train: &mut Tensor, test: &mut Tensor, cols: &[usize]) -> Result<()> {
    if cols.is_empty() {
        return Ok(());
    }
    let pick = |t: &Tensor| Tensor::from_array(t.view2().select(ndarray::Axis(1), cols));
    let mut scaler = StandardScaler::new();
    let scaled_train = scaler.fit_transform(&pick(train))?;
    let scaled_test = scaler.transform(&pick(test))?;
    for (t, scaled) in [(train, scaled_train), (test, scaled_test)] {
        let mut view = t.view2_mut();
        for (k, &c) in cols.iter().enumerate() {
            view.column_mut(c).assign(&scaled.view2().column(k));
        }
    }
    Ok(())
}

/// The MLP: `inputs` → hidden layers (He-uniform weights) → `outputs`.
fn mlp(inputs: usize, outputs: usize, args: &Args) -> Result<Sequential> {
    let mut model = Sequential::new().seed(args.run.seed);
    let mut width = inputs;
    for &h in &args.hidden {
        model.push(Box::new(Dense::new(width, h).weight_init(Initializer::HeUniform)));
        model.push(Box::new(ActivationLayer::from_box(trustnn::activation::by_name(
            &args.activation,
        )?)));
        width = h;
    }
    model.push(Box::new(Dense::new(width, outputs)));
    Ok(model)
}

fn main() -> std::process::ExitCode {
    match run(Args::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            let message = e.to_string();
            if message.contains("CsvOptions.missing") {
                eprintln!("hint: impute missing values with --missing mean or --missing most-frequent");
            }
            if message.contains("stratifying needs") {
                eprintln!(
                    "hint: the split keeps each class's share, so every class needs rows in both parts; \
                     for a numeric target use --task regression"
                );
            }
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<()> {
    let (task, missing) = (
        match args.task {
            TaskArg::Classification => Task::Classification,
            TaskArg::Regression => Task::Regression,
        },
        match args.missing {
            MissingArg::Error => Missing::Error,
            MissingArg::Mean => Missing::ImputeMean,
            MissingArg::MostFrequent => Missing::ImputeMostFrequent,
        },
    );
    if !args.delimiter.is_ascii() {
        return Err(Error::config(
            "--delimiter",
            args.delimiter,
            "must be one ASCII character",
        ));
    }
    let delimiter = args.delimiter as u8;
    let mut opts = CsvOptions::new(&args.target, task)
        .drop(&args.drop)
        .missing(missing)
        .delimiter(delimiter);
    if let Some(cats) = &args.categorical {
        opts = opts.categorical(cats);
    }

    // 1. The whole file: errors with the file's line numbers; categorical columns detected.
    let whole = read_csv(&args.file, &opts)?;
    let opts = opts.categorical(&whole.categorical_columns);
    // 2. Split the rows (stratified for classification), then fit on the training rows only.
    let classification = task == Task::Classification;
    let (train_rows, test_rows) = train_test_split_indices(
        whole.dataset.y(),
        args.test_fraction,
        args.run.seed,
        classification,
    )?;
    let rows = Rows::read(&args.file, delimiter)?;
    let (train_text, test_text) = (
        rows.to_csv(&train_rows, delimiter, &args.file)?,
        rows.to_csv(&test_rows, delimiter, &args.file)?,
    );
    let mut fitted = read_csv_from_reader(train_text.as_slice(), &opts)?;
    fitted.encoder = fitted.encoder.map(|e| e.handle_unknown(UnknownCategory::Ignore));
    let test: Dataset = fitted.transform_csv_reader(test_text.as_slice())?;
    let train = &fitted.dataset;
    // 3. Standardize the numeric features (and a regression target) with training statistics.
    let (mut x_train, mut x_test) = (train.x().clone(), test.x().clone());
    standardize_columns(&mut x_train, &mut x_test, &numeric_feature_indices(&fitted))?;
    let mut y_scaler = StandardScaler::new();
    let y_train = if classification {
        train.y().clone()
    } else {
        let y = train.y().clone().reshape(&[train.len(), 1])?;
        y_scaler.fit_transform(&y)?
    };

    let n_classes = fitted.label_encoder.as_ref().map_or(0, |le| le.n_classes());
    if !args.run.json {
        eprintln!(
            "{}: {} rows, {} numeric and {} categorical columns -> {} features; {} train / {} test rows",
            args.file.display(),
            whole.dataset.len(),
            fitted.numeric_columns.len(),
            fitted.categorical_columns.len(),
            train.n_features(),
            train.len(),
            test.len()
        );
        let n_missing = rows.count_missing(&fitted.columns);
        if n_missing > 0 {
            eprintln!(
                "{n_missing} missing feature values imputed ({}; statistics of the training rows)",
                match missing {
                    Missing::ImputeMean => "mean of numeric columns, most frequent category",
                    _ => "most frequent value or category",
                }
            );
        }
        if classification {
            eprintln!("classes of {:?}: {}", args.target, train.class_names().join(", "));
        }
    }

    // 4. Train.
    let outputs = if classification { n_classes } else { 1 };
    let mut model = mlp(train.n_features(), outputs, &args)?;
    let optimizer = trustnn::optim::by_name(&args.optimizer, args.run.lr as f32)?;
    let (loss, tracked): (Box<dyn Loss>, Metric) = if classification {
        (Box::new(SparseCategoricalCrossEntropy), Metric::Accuracy)
    } else {
        (Box::new(MeanSquaredError), Metric::R2)
    };
    model.compile_boxed(loss, optimizer)?;
    if !args.run.json {
        eprint!("{}", model.summary());
    }
    let config = FitConfig::new()
        .epochs(args.epochs)
        .batch_size(args.run.batch_size)
        .validation_split(args.val_fraction)
        .metrics(&[tracked])
        .progress(common::progress(args.run.json));
    let start = Instant::now();
    let history = model.fit(&x_train, &y_train, &config)?;
    let seconds = start.elapsed().as_secs_f64();

    // 5. Test metrics.
    std::fs::create_dir_all(&args.run.out_dir)?;
    let curves = args.run.out_dir.join("csv_train_learning_curves.png");
    trustnn::plot::learning_curves(&history, &curves, &format!("{}: MLP", args.file.display()))?;
    let mut figures = serde_json::json!({
        "file": args.file, "target": args.target, "task": format!("{task:?}").to_lowercase(),
        "rows": whole.dataset.len(), "train_rows": train.len(), "test_rows": test.len(),
        "features": train.n_features(), "numeric_columns": fitted.numeric_columns,
        "categorical_columns": fitted.categorical_columns,
        "hidden": args.hidden, "activation": args.activation, "optimizer": args.optimizer,
        "lr": args.run.lr, "epochs": args.epochs, "batch_size": args.run.batch_size, "seed": args.run.seed,
        "train_seconds": seconds, "learning_curves_png": curves,
    });
    let mut table = common::Table::new(&["test split", "model", "baseline"]);
    let mut confusion = None;
    if classification {
        let wanted = [
            Metric::Accuracy,
            Metric::BalancedAccuracy,
            Metric::F1(Average::Macro),
            Metric::RocAuc,
            Metric::LogLoss,
        ];
        let eval = model.evaluate(&x_test, test.y(), &wanted)?;
        let truth = common::class_labels(test.y());
        let predicted = model.predict_classes(&x_test)?;
        // The baseline: always the most frequent class of the training rows.
        let train_labels = common::class_labels(train.y());
        let majority = (0..n_classes)
            .max_by_key(|&c| {
                (
                    train_labels.iter().filter(|&&l| l == c).count(),
                    std::cmp::Reverse(c),
                )
            })
            .unwrap_or(0);
        let constant = vec![majority; truth.len()];
        let base_acc = metrics::accuracy(&truth, &constant)?;
        let base_bal = metrics::balanced_accuracy(&truth, &constant)?;
        let base_f1 = metrics::f1(&truth, &constant, Average::Macro)?;
        for (m, base) in wanted
            .iter()
            .zip([Some(base_acc), Some(base_bal), Some(base_f1), Some(0.5), None])
        {
            let v = eval.metric(*m).unwrap_or(f32::NAN);
            table.row(vec![
                m.name().to_string(),
                format!("{v:.4}"),
                base.map_or("".into(), |b| format!("{b:.4}")),
            ]);
            figures[m.name()] = serde_json::json!(common::short(v));
        }
        let cm = metrics::confusion_matrix(&truth, &predicted, n_classes)?
            .with_class_names(train.class_names())?;
        let heatmap = args.run.out_dir.join("csv_train_confusion_matrix.png");
        trustnn::plot::confusion_matrix_heatmap(
            &common::heatmap_counts(&cm),
            train.class_names(),
            &heatmap,
            &format!("{}: confusion matrix (test)", args.target),
        )?;
        figures["classes"] = serde_json::json!(train.class_names());
        figures["confusion_matrix"] = serde_json::json!(common::heatmap_counts(&cm));
        figures["confusion_matrix_png"] = serde_json::json!(heatmap);
        figures["baseline"] = serde_json::json!({
            "predicts": train.class_names()[majority], "accuracy": base_acc,
            "balanced_accuracy": base_bal, "f1_macro": base_f1,
        });
        confusion = Some((cm, heatmap));
    } else {
        let y_test = test.y().clone().reshape(&[test.len(), 1])?;
        let pred = y_scaler.inverse_transform(&model.predict(&x_test)?)?;
        let mean = Tensor::full(y_test.shape(), y_scaler.mean()[0] as f32);
        let mut base = serde_json::Map::new();
        type RegressionMetric = fn(&Tensor, &Tensor) -> Result<f64>;
        let scores: [(&str, RegressionMetric); 3] = [
            ("r2", |t, p| metrics::r2_score(t, p)),
            ("rmse", |t, p| metrics::root_mean_squared_error(t, p)),
            ("mae", |t, p| metrics::mean_absolute_error(t, p)),
        ];
        for (name, f) in scores {
            let (v, b) = (f(&y_test, &pred)?, f(&y_test, &mean)?);
            table.row(vec![name.to_string(), format!("{v:.4}"), format!("{b:.4}")]);
            figures[name] = serde_json::json!(v);
            base.insert(name.to_string(), serde_json::json!(b));
        }
        base.insert("predicts".into(), serde_json::json!(y_scaler.mean()[0]));
        figures["baseline"] = serde_json::Value::Object(base);
    }

    if let Some(path) = &args.save_metrics {
        let text = serde_json::to_string_pretty(&figures).map_err(|e| Error::Format {
            context: path.display().to_string(),
            reason: e.to_string(),
        })?;
        std::fs::write(path, text + "\n")?;
    }
    if args.run.json {
        println!("{figures}");
    } else {
        let n = x_train.batch_size();
        let n_val = n - (n as f64 * (1.0 - f64::from(args.val_fraction))).floor() as usize;
        let held_out = if n_val > 0 {
            format!(" ({n_val} of them held out to validate)")
        } else {
            String::new()
        };
        println!(
            "\ntrained {} epochs on {n} rows{held_out} in {seconds:.2} s\n",
            history.epochs()
        );
        print!("{table}");
        if classification {
            println!("(baseline: always the most frequent training class; ROC AUC 0.5 is chance)");
        } else {
            println!("(baseline: always the training mean; R², RMSE and MAE in the target's units)");
        }
        if let Some((cm, heatmap)) = &confusion {
            println!("\n{cm}");
            println!("confusion matrix: {}", heatmap.display());
        }
        println!("learning curves: {}", curves.display());
        if let Some(path) = &args.save_metrics {
            println!("metrics: {}", path.display());
        }
    }
    Ok(())
}
