//! Regression: disease progression of the bundled diabetes data (Efron et al., 2004), with R²,
//! RMSE and MAE in the target's own units, against two baselines.
//!
//! 442 patients × 10 raw baseline variables (age, sex, BMI, blood pressure, six blood serum
//! measurements); the target is a measure of disease progression one year later (25..346).
//! The data is split 80/20; features *and* target are standardized with statistics of the
//! training part only (a target of mean 152 and spread 77 would otherwise need a much larger
//! learning rate at the start and a tiny one at the end), and predictions are transformed
//! back to the original units before any error is computed.
//!
//! An MLP 10-32-16-1 (ReLU) is trained with MSE and Adam; the last 20% of the training part
//! validate every epoch, and training stops when the validation loss has not improved for
//! `--patience` epochs, restoring the best weights (Keras' `EarlyStopping`). It is compared
//! with a linear model (one `Dense` 10→1, trained the same way: least squares) and with
//! predicting the training mean for everyone (R² ≈ 0 by construction; slightly below 0 on the
//! test part because its mean differs from the training mean). On this small, noisy dataset
//! an MLP does not beat the linear model by much — that is the honest result.
//!
//! ```text
//! cargo run --release --example diabetes
//! cargo run --release --example diabetes -- --epochs 500 --patience 50 --json
//! ```

#[path = "common/mod.rs"]
mod common;

use std::time::Instant;

use clap::Parser;
use trustnn::data::{StandardScaler, datasets};
use trustnn::metrics::{mean_absolute_error, r2_score, root_mean_squared_error};
use trustnn::model::EarlyStopping;
use trustnn::prelude::*;

/// Train an MLP regressor on the bundled diabetes data and compare it with baselines.
#[derive(Parser, Debug)]
#[command(name = "diabetes")]
struct Args {
    /// Maximum number of epochs.
    #[arg(long, default_value_t = 300)]
    epochs: usize,
    /// Epochs without a better validation loss before stopping.
    #[arg(long, default_value_t = 30)]
    patience: usize,
    /// Fraction of the samples held out for the test.
    #[arg(long, default_value_t = 0.2)]
    test_fraction: f64,
    #[command(flatten)]
    run: common::RunArgs,
}

/// Test-split errors in the target's units.
struct Scores {
    r2: f64,
    rmse: f64,
    mae: f64,
}

fn scores(y_true: &Tensor, y_pred: &Tensor) -> Result<Scores> {
    Ok(Scores {
        r2: r2_score(y_true, y_pred)?,
        rmse: root_mean_squared_error(y_true, y_pred)?,
        mae: mean_absolute_error(y_true, y_pred)?,
    })
}

/// Trains `model` on the standardized data with early stopping; returns the history and the
/// seconds it took.
fn train(model: &mut Sequential, x: &Tensor, y: &Tensor, args: &Args) -> Result<(History, f64)> {
    model.compile(MeanSquaredError, Adam::new(args.run.lr as f32))?;
    let config = FitConfig::new()
        .epochs(args.epochs)
        .batch_size(args.run.batch_size)
        .validation_split(0.2)
        .metrics(&[Metric::R2])
        .progress(common::progress(args.run.json));
    let mut stop = EarlyStopping::new("val_loss")
        .patience(args.patience)
        .restore_best_weights(true);
    let start = Instant::now();
    let history = model.fit_with_callbacks(x, y, None, &config, &mut [&mut stop])?;
    Ok((history, start.elapsed().as_secs_f64()))
}

fn main() -> Result<()> {
    let args = Args::parse();
    let data = datasets::diabetes()?;
    let (train_part, test_part, x_train, x_test) = common::scaled_split(
        &data,
        args.test_fraction,
        args.run.seed,
        false,
        common::Scaling::Standard,
    )?;
    let mut y_scaler = StandardScaler::new();
    let y_train = y_scaler.fit_transform(train_part.y())?; // [n, 1]
    let y_test = test_part.y(); // original units

    let mut mlp = Sequential::new()
        .seed(args.run.seed)
        .add(Dense::new(10, 32).weight_init(Initializer::HeUniform))
        .add(ActivationLayer::new(Relu))
        .add(Dense::new(32, 16).weight_init(Initializer::HeUniform))
        .add(ActivationLayer::new(Relu))
        .add(Dense::new(16, 1));
    let (history, seconds) = train(&mut mlp, &x_train, &y_train, &args)?;
    let mlp_scores = scores(y_test, &y_scaler.inverse_transform(&mlp.predict(&x_test)?)?)?;

    let mut linear = Sequential::new().seed(args.run.seed).add(Dense::new(10, 1));
    let (linear_history, _) = train(&mut linear, &x_train, &y_train, &args)?;
    let linear_scores = scores(y_test, &y_scaler.inverse_transform(&linear.predict(&x_test)?)?)?;

    let train_mean = y_scaler.mean()[0] as f32;
    let mean_pred = Tensor::full(y_test.shape(), train_mean);
    let mean_scores = scores(y_test, &mean_pred)?;

    std::fs::create_dir_all(&args.run.out_dir)?;
    let curves = args.run.out_dir.join("diabetes_learning_curves.png");
    trustnn::plot::learning_curves(
        &history,
        &curves,
        "diabetes: MLP 10-32-16-1, MSE on the standardized target",
    )?;

    let epochs_run = history.epochs();
    if args.run.json {
        let s = |s: &Scores| serde_json::json!({"r2": s.r2, "rmse": s.rmse, "mae": s.mae});
        let obj = serde_json::json!({
            "dataset": "diabetes", "train_samples": train_part.len(), "test_samples": test_part.len(),
            "max_epochs": args.epochs, "patience": args.patience, "batch_size": args.run.batch_size,
            "lr": args.run.lr, "seed": args.run.seed,
            "mlp_epochs": epochs_run, "mlp_stop_reason": history.stop_reason(),
            "linear_epochs": linear_history.epochs(),
            "train_seconds": seconds, "train_target_mean": common::short(train_mean),
            "test": {
                "mlp": s(&mlp_scores), "linear": s(&linear_scores), "mean_baseline": s(&mean_scores),
            },
            "learning_curves_png": curves,
        });
        println!("{obj}");
    } else {
        println!(
            "\nMLP: {epochs_run} epochs on {} samples in {seconds:.2} s",
            train_part.len()
        );
        if let Some(reason) = history.stop_reason() {
            println!("     {reason}");
        }
        println!(
            "linear model: {} epochs; mean baseline: predicts the training mean {train_mean:.1}\n",
            linear_history.epochs()
        );
        let mut table = common::Table::new(&["test split (original units)", "R²", "RMSE", "MAE"]);
        for (name, s) in [
            ("MLP 10-32-16-1", &mlp_scores),
            ("linear (Dense 10→1)", &linear_scores),
            ("predict the mean", &mean_scores),
        ] {
            table.row(vec![
                name.to_string(),
                format!("{:.4}", s.r2),
                format!("{:.2}", s.rmse),
                format!("{:.2}", s.mae),
            ]);
        }
        println!("{table}");
        println!("learning curves: {}", curves.display());
    }
    Ok(())
}
