//! Quickstart: train a classifier, watch it learn, check it on held-out data.
//!
//! Three interleaved spirals (3 classes, 2 features; 1,500 points with noise), split into
//! training and test sets, learned by an MLP 2-64-64-3 with ReLU, softmax cross-entropy from
//! logits, and Adam. Prints the model summary, progress per epoch (with a validation split),
//! and the test accuracy.
//!
//! ```text
//! cargo run --release --example quickstart
//! cargo run --release --example quickstart -- --epochs 60 --json
//! ```

use std::time::Instant;

use clap::Parser;
use rand::Rng as _;
use rand_distr::{Distribution, Normal};
use trustnn::prelude::*;

/// Train an MLP on three spirals and report its test accuracy.
#[derive(Parser, Debug)]
#[command(about)]
struct Args {
    /// Number of epochs.
    #[arg(long, default_value_t = 40)]
    epochs: usize,
    /// Batch size.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Adam's learning rate.
    #[arg(long, default_value_t = 0.01)]
    lr: f32,
    /// Points per class.
    #[arg(long, default_value_t = 500)]
    points: usize,
    /// Seed of data, initialization and shuffling.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Print the figures as one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// `points` per class on three noisy spiral arms; returns (features [n, 2], labels [n]).
fn spirals(points: usize, seed: u64) -> Result<(Tensor, Tensor)> {
    let mut rng = trustnn::rng::seeded(seed);
    let noise = Normal::new(0.0f32, 0.15).expect("valid std");
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for class in 0..3 {
        for i in 0..points {
            let r = i as f32 / points as f32;
            let t = 4.0 * r + class as f32 * 2.0 * std::f32::consts::PI / 3.0 + noise.sample(&mut rng) * r;
            xs.extend_from_slice(&[r * t.sin(), r * t.cos()]);
            ys.push(class as f32);
        }
    }
    // Shuffle the rows so that the test split covers every class.
    let n = ys.len();
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, rng.random_range(0..=i));
    }
    let x = Tensor::from_vec(xs, &[n, 2])?.select_rows(&order)?;
    let y = Tensor::from_vec(ys, &[n])?.select_rows(&order)?;
    Ok((x, y))
}

fn main() -> Result<()> {
    let args = Args::parse();
    let (x, y) = spirals(args.points, args.seed)?;
    let n = x.batch_size();
    let n_test = n / 5;
    let test: Vec<usize> = (n - n_test..n).collect();
    let train: Vec<usize> = (0..n - n_test).collect();
    let (x_train, y_train) = (x.select_rows(&train)?, y.select_rows(&train)?);
    let (x_test, y_test) = (x.select_rows(&test)?, y.select_rows(&test)?);

    let mut model = Sequential::new()
        .seed(args.seed)
        .add(Dense::new(2, 64).weight_init(Initializer::HeUniform))
        .add(ActivationLayer::new(Relu))
        .add(Dense::new(64, 64).weight_init(Initializer::HeUniform))
        .add(ActivationLayer::new(Relu))
        .add(Dense::new(64, 3));
    model.compile(SparseCategoricalCrossEntropy, Adam::new(args.lr))?;
    if !args.json {
        print!("{}", model.summary());
    }

    let config = FitConfig::new()
        .epochs(args.epochs)
        .batch_size(args.batch_size)
        .validation_split(0.1)
        .metrics(&[Metric::Accuracy])
        .verbose(!args.json);
    let start = Instant::now();
    let history = model.fit(&x_train, &y_train, &config)?;
    let seconds = start.elapsed().as_secs_f64();
    let eval = model.evaluate(&x_test, &y_test, &[Metric::Accuracy])?;
    let test_acc = eval.metric(Metric::Accuracy).unwrap_or(f32::NAN);

    if args.json {
        let obj = serde_json::json!({
            "samples_train": x_train.batch_size(), "samples_test": n_test,
            "epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr, "seed": args.seed,
            "train_loss": history.last("loss"), "train_accuracy": history.last("accuracy"),
            "val_accuracy": history.last("val_accuracy"),
            "test_loss": eval.loss, "test_accuracy": test_acc, "train_seconds": seconds,
        });
        println!("{obj}");
    } else {
        println!(
            "\ntrained {} epochs on {} samples in {:.2} s",
            args.epochs,
            x_train.batch_size(),
            seconds
        );
        println!(
            "test loss {:.4}, test accuracy {:.3} ({} samples)",
            eval.loss, test_acc, n_test
        );
    }
    Ok(())
}
