//! Quickstart: train a digit classifier on real data and check it on held-out digits.
//!
//! The bundled digits dataset (1,797 8×8 images of handwritten digits, UCI optdigits, as in
//! scikit-learn) is split 80/20 (stratified), standardized with statistics of the training
//! part only, and learned by an MLP 64-128-64-10 (ReLU, softmax cross-entropy from logits,
//! Adam) with a validation split and a progress bar. Prints the test accuracy and the
//! confusion matrix and writes the learning curves and the confusion matrix as PNGs.
//!
//! ```text
//! cargo run --release --example quickstart
//! cargo run --release --example quickstart -- --epochs 40 --json
//! ```

#[path = "common/mod.rs"]
mod common;

use std::time::Instant;

use clap::Parser;
use trustnn::data::datasets;
use trustnn::metrics::confusion_matrix;
use trustnn::prelude::*;

/// Train an MLP on the bundled digits and report its test accuracy.
#[derive(Parser, Debug)]

struct Args {
    /// Number of epochs.
    #[arg(long, default_value_t = 30)]
    epochs: usize,
    #[command(flatten)]
    run: common::RunArgs,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let digits = datasets::digits()?;
    let (train, test, x_train, x_test) =
        common::scaled_split(&digits, 0.2, args.run.seed, true, common::Scaling::Standard)?;

    let mut model = Sequential::new()
        .seed(args.run.seed)
        .add(Dense::new(64, 128).weight_init(Initializer::HeUniform))
        .add(ActivationLayer::new(Relu))
        .add(Dense::new(128, 64).weight_init(Initializer::HeUniform))
        .add(ActivationLayer::new(Relu))
        .add(Dense::new(64, 10));
    model.compile(SparseCategoricalCrossEntropy, Adam::new(args.run.lr as f32))?;
    if !args.run.json {
        print!("{}", model.summary());
    }

    let config = FitConfig::new()
        .epochs(args.epochs)
        .batch_size(args.run.batch_size)
        .validation_split(0.1)
        .metrics(&[Metric::Accuracy])
        .progress(common::progress(args.run.json));
    let start = Instant::now();
    let history = model.fit(&x_train, train.y(), &config)?;
    let seconds = start.elapsed().as_secs_f64();

    let eval = model.evaluate(
        &x_test,
        test.y(),
        &[Metric::Accuracy, Metric::F1(trustnn::metrics::Average::Macro)],
    )?;
    let accuracy = eval.metric(Metric::Accuracy).unwrap_or(f32::NAN);
    let predicted = model.predict_classes(&x_test)?;
    let truth = common::class_labels(test.y());
    let cm = confusion_matrix(&truth, &predicted, 10)?;

    std::fs::create_dir_all(&args.run.out_dir)?;
    let curves = args.run.out_dir.join("quickstart_learning_curves.png");
    let heatmap = args.run.out_dir.join("quickstart_confusion_matrix.png");
    trustnn::plot::learning_curves(&history, &curves, "digits: MLP 64-128-64-10, Adam")?;
    let counts = common::heatmap_counts(&cm);
    let names: Vec<String> = (0..10).map(|d| d.to_string()).collect();
    trustnn::plot::confusion_matrix_heatmap(&counts, &names, &heatmap, "digits: confusion matrix (test)")?;

    if args.run.json {
        let obj = serde_json::json!({
            "dataset": "digits", "train_samples": train.len(), "test_samples": test.len(),
            "epochs": args.epochs, "batch_size": args.run.batch_size, "lr": args.run.lr, "seed": args.run.seed,
            "train_seconds": seconds, "train_accuracy": history.last("accuracy"),
            "val_accuracy": history.last("val_accuracy"), "test_loss": eval.loss,
            "test_accuracy": accuracy, "test_f1_macro": eval.metrics.get("f1_macro"),
            "learning_curves_png": curves, "confusion_matrix_png": heatmap,
        });
        println!("{obj}");
    } else {
        println!(
            "\ntrained {} epochs on {} digits in {seconds:.2} s",
            args.epochs,
            train.len()
        );
        println!(
            "test accuracy {accuracy:.4} on {} held-out digits (loss {:.4})\n",
            test.len(),
            eval.loss
        );
        println!("{cm}");
        println!("learning curves: {}", curves.display());
        println!("confusion matrix: {}", heatmap.display());
    }
    Ok(())
}
