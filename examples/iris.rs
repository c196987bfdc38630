//! Small and quick: Fisher's iris, a tiny MLP, stratified 5-fold cross-validation and a
//! final held-out test.
//!
//! 150 flowers × 4 measurements, 3 species of 50. A stratified 20% is held out as the test
//! part and not looked at until the end. On the remaining 120, stratified k-fold
//! cross-validation (`StratifiedKFold`, shuffled from the seed) estimates the accuracy of an
//! MLP 4-16-3 (ReLU, softmax cross-entropy from logits, Adam): each fold standardizes with
//! statistics of its own training folds, trains a fresh model and scores the fold it left
//! out; the mean ± standard deviation of the fold accuracies is printed. Then one model is
//! trained on all 120 and tested on the held-out 30, with its confusion matrix.
//!
//! ```text
//! cargo run --release --example iris
//! cargo run --release --example iris -- --folds 10 --epochs 200 --json
//! ```

#[path = "common/mod.rs"]
mod common;

use std::time::Instant;

use clap::Parser;
use trustnn::data::{Dataset, StandardScaler, StratifiedKFold, datasets, train_test_split};
use trustnn::metrics;
use trustnn::prelude::*;

/// Cross-validate and test a tiny MLP on the iris flowers.
#[derive(Parser, Debug)]
#[command(name = "iris")]
struct Args {
    /// Number of cross-validation folds.
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Number of epochs per model.
    #[arg(long, default_value_t = 100)]
    epochs: usize,
    /// Hidden units.
    #[arg(long, default_value_t = 16)]
    hidden: usize,
    /// Batch size.
    #[arg(long, default_value_t = 16)]
    batch_size: usize,
    /// Adam's learning rate.
    #[arg(long, default_value_t = 0.01)]
    lr: f64,
    /// Fraction of the flowers held out for the final test (stratified).
    #[arg(long, default_value_t = 0.2)]
    test_fraction: f64,
    /// Seed of the split, the folds, initialization and shuffling.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Print the figures as one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// Standardizes `train` and `test` with `train`'s statistics, trains a fresh MLP on `train`
/// and returns it with the standardized test features.
fn fit_mlp(train: &Dataset, test: &Dataset, args: &Args) -> Result<(Sequential, Tensor)> {
    let mut scaler = StandardScaler::new();
    let x_train = scaler.fit_transform(train.x())?;
    let x_test = scaler.transform(test.x())?;
    let mut model = Sequential::new()
        .seed(args.seed)
        .add(Dense::new(4, args.hidden).weight_init(Initializer::HeUniform))
        .add(ActivationLayer::new(Relu))
        .add(Dense::new(args.hidden, 3));
    model.compile(SparseCategoricalCrossEntropy, Adam::new(args.lr as f32))?;
    let config = FitConfig::new()
        .epochs(args.epochs)
        .batch_size(args.batch_size)
        .progress(trustnn::progress::ProgressMode::Silent);
    model.fit(&x_train, train.y(), &config)?;
    Ok((model, x_test))
}

fn main() -> Result<()> {
    let args = Args::parse();
    let start = Instant::now();
    let iris = datasets::iris()?;
    let (train, test) = train_test_split(&iris, args.test_fraction, args.seed, true)?;

    let folds = StratifiedKFold::new(args.folds)
        .shuffled(args.seed)
        .split(train.y())?;
    let mut fold_acc = Vec::with_capacity(folds.len());
    for (k, (fit_idx, val_idx)) in folds.iter().enumerate() {
        let (fit_part, val_part) = (train.subset(fit_idx)?, train.subset(val_idx)?);
        let (mut model, x_val) = fit_mlp(&fit_part, &val_part, &args)?;
        let acc = metrics::accuracy(
            &common::class_labels(val_part.y()),
            &model.predict_classes(&x_val)?,
        )?;
        if !args.json {
            eprintln!(
                "fold {}/{}: trained on {}, accuracy {acc:.4} on {}",
                k + 1,
                folds.len(),
                fit_part.len(),
                val_part.len()
            );
        }
        fold_acc.push(acc);
    }
    let (cv_mean, cv_std) = common::mean_std(&fold_acc);

    let (mut model, x_test) = fit_mlp(&train, &test, &args)?;
    let truth = common::class_labels(test.y());
    let predicted = model.predict_classes(&x_test)?;
    let test_acc = metrics::accuracy(&truth, &predicted)?;
    let cm = metrics::confusion_matrix(&truth, &predicted, 3)?.with_class_names(iris.class_names())?;
    let seconds = start.elapsed().as_secs_f64();

    if args.json {
        let obj = serde_json::json!({
            "dataset": "iris", "train_samples": train.len(), "test_samples": test.len(),
            "model": format!("MLP 4-{}-3", args.hidden), "epochs": args.epochs,
            "batch_size": args.batch_size, "lr": args.lr, "seed": args.seed,
            "folds": args.folds, "cv_fold_accuracy": fold_acc,
            "cv_accuracy_mean": cv_mean, "cv_accuracy_std": cv_std,
            "test_accuracy": test_acc, "confusion_matrix": common::heatmap_counts(&cm),
            "seconds": seconds,
        });
        println!("{obj}");
    } else {
        println!(
            "\nMLP 4-{}-3, {} epochs per model, {} models in {seconds:.2} s",
            args.hidden,
            args.epochs,
            folds.len() + 1
        );
        println!(
            "{}-fold stratified cross-validation accuracy: {cv_mean:.4} ± {cv_std:.4} (on {} flowers)",
            args.folds,
            train.len()
        );
        println!(
            "held-out test accuracy: {test_acc:.4} ({} of {} flowers)\n",
            cm.correct(),
            test.len()
        );
        print!("{cm}");
    }
    Ok(())
}
