//! Binary classification with one output logit: the bundled Breast Cancer Wisconsin
//! (Diagnostic) data, ROC AUC and the ROC curve.
//!
//! 569 tumours × 30 measurements, target `0 = malignant`, `1 = benign` (scikit-learn's
//! encoding: the positive class 1 is *benign*). The data is split 80/20 (stratified) and
//! standardized with statistics of the training part only; an MLP 30-32-16-1 (ReLU) outputs
//! one logit and is trained with binary cross-entropy on that logit
//! (`BinaryCrossEntropyWithLogits`, PyTorch's `BCEWithLogitsLoss`) and Adam, with a
//! validation split. On the test part it reports ROC AUC (from `P(benign)` =
//! sigmoid(logit)), accuracy, F1 of each class and the confusion matrix, and draws the ROC
//! curve and the learning curves as PNGs.
//!
//! ```text
//! cargo run --release --example breast_cancer
//! cargo run --release --example breast_cancer -- --epochs 50 --json
//! ```

#[path = "common/mod.rs"]
mod common;

use std::time::Instant;

use clap::Parser;
use trustnn::data::datasets;
use trustnn::metrics::{self, Average};
use trustnn::prelude::*;

/// Train a one-logit MLP on the bundled breast-cancer data and report ROC AUC on a test split.
#[derive(Parser, Debug)]
#[command(name = "breast_cancer")]
struct Args {
    /// Number of epochs.
    #[arg(long, default_value_t = 40)]
    epochs: usize,
    /// Fraction of the samples held out for the test.
    #[arg(long, default_value_t = 0.2)]
    test_fraction: f64,
    #[command(flatten)]
    run: common::RunArgs,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let data = datasets::breast_cancer()?;
    let (train, test, x_train, x_test) = common::scaled_split(
        &data,
        args.test_fraction,
        args.run.seed,
        true,
        common::Scaling::Standard,
    )?;

    let mut model = Sequential::new()
        .seed(args.run.seed)
        .add(Dense::new(30, 32).weight_init(Initializer::HeUniform))
        .add(ActivationLayer::new(Relu))
        .add(Dense::new(32, 16).weight_init(Initializer::HeUniform))
        .add(ActivationLayer::new(Relu))
        .add(Dense::new(16, 1));
    // Labels of shape [n] (0 or 1) are the targets of the single logit.
    model.compile(BinaryCrossEntropyWithLogits, Adam::new(args.run.lr as f32))?;
    if !args.run.json {
        print!("{}", model.summary());
    }
    let config = FitConfig::new()
        .epochs(args.epochs)
        .batch_size(args.run.batch_size)
        .validation_split(0.1)
        .metrics(&[Metric::Accuracy, Metric::RocAuc])
        .progress(common::progress(args.run.json));
    let start = Instant::now();
    let history = model.fit(&x_train, train.y(), &config)?;
    let seconds = start.elapsed().as_secs_f64();

    // Test figures, from P(benign) and the classes at the 0.5 threshold (logit >= 0).
    let truth = common::class_labels(test.y());
    let proba = model.predict_proba(&x_test)?; // [n, 1]: P(class 1) = P(benign)
    let predicted = model.predict_classes(&x_test)?;
    let auc = metrics::roc_auc_binary(&truth, proba.as_slice())?;
    let roc = metrics::roc_curve(&truth, proba.as_slice())?;
    let accuracy = metrics::accuracy(&truth, &predicted)?;
    let f1_benign = metrics::f1(&truth, &predicted, Average::Binary { pos_label: 1 })?;
    let f1_malignant = metrics::f1(&truth, &predicted, Average::Binary { pos_label: 0 })?;
    let cm = metrics::confusion_matrix(&truth, &predicted, 2)?.with_class_names(data.class_names())?;

    std::fs::create_dir_all(&args.run.out_dir)?;
    let roc_png = args.run.out_dir.join("breast_cancer_roc.png");
    let curves_png = args.run.out_dir.join("breast_cancer_learning_curves.png");
    let roc_points: Vec<(f32, f32)> = roc
        .fpr
        .iter()
        .zip(&roc.tpr)
        .map(|(&f, &t)| (f as f32, t as f32))
        .collect();
    let series = vec![
        (format!("MLP (AUC {auc:.4})"), roc_points),
        ("chance (AUC 0.5)".to_string(), vec![(0.0, 0.0), (1.0, 1.0)]),
    ];
    trustnn::plot::line_chart(
        &series,
        &roc_png,
        "breast cancer: ROC curve on the test split (positive class: benign)",
        "false positive rate",
        "true positive rate",
    )?;
    trustnn::plot::learning_curves(
        &history,
        &curves_png,
        "breast cancer: MLP 30-32-16-1, BCE with logits",
    )?;

    if args.run.json {
        let obj = serde_json::json!({
            "dataset": "breast_cancer", "train_samples": train.len(), "test_samples": test.len(),
            "epochs": args.epochs, "batch_size": args.run.batch_size, "lr": args.run.lr, "seed": args.run.seed,
            "train_seconds": seconds, "val_accuracy": history.last("val_accuracy").map(common::short),
            "val_roc_auc": history.last("val_roc_auc").map(common::short),
            "test_roc_auc": auc, "test_accuracy": accuracy,
            "test_f1_benign": f1_benign, "test_f1_malignant": f1_malignant,
            "confusion_matrix": common::heatmap_counts(&cm),
            "roc_png": roc_png, "learning_curves_png": curves_png,
        });
        println!("{obj}");
    } else {
        println!(
            "\ntrained {} epochs on {} samples in {seconds:.2} s",
            args.epochs,
            train.len()
        );
        let mut table = common::Table::new(&["test split", "value"]);
        table.row(vec!["ROC AUC".into(), format!("{auc:.4}")]);
        table.row(vec!["accuracy".into(), format!("{accuracy:.4}")]);
        table.row(vec!["F1 (benign = 1)".into(), format!("{f1_benign:.4}")]);
        table.row(vec!["F1 (malignant = 0)".into(), format!("{f1_malignant:.4}")]);
        println!("\n{table}");
        println!("{cm}");
        println!("ROC curve: {}", roc_png.display());
        println!("learning curves: {}", curves_png.display());
    }
    Ok(())
}
