//! Reliable training and safe model files, end to end, on the bundled breast-cancer data.
//!
//! 1. Trains with a learning rate that is far too high: the divergence guard stops training
//!    and puts the last good weights back.
//! 2. Trains properly with early stopping (restoring the best weights), a plateau
//!    learning-rate reduction, checkpoints and per-layer diagnostics; prints the
//!    overfitting verdict and writes the diagnostics plot.
//! 3. Saves the model signed with Ed25519, with its scaler and a model card; shows that a
//!    tampered copy is refused; loads the good one and predicts with confidence, and reports
//!    calibration (ECE, reliability diagram).
//! 4. Fits a drift monitor on the training data and checks a fresh batch and a shifted one.
//!
//! ```text
//! cargo run --release --example reliable_training
//! cargo run --release --example reliable_training -- --json
//! ```

use std::path::PathBuf;

use clap::Parser;
use trustnn::data::{StandardScaler, datasets, train_test_split};
use trustnn::io::{self, ModelCard, ModelCheckpoint, SaveOptions, SigningKey};
use trustnn::model::{DivergenceGuard, EarlyStopping, ReduceLrOnPlateau, overfitting_report};
use trustnn::monitor::{DriftConfig, DriftMonitor, confidence, expected_calibration_error};
use trustnn::prelude::*;
use trustnn::progress::ProgressMode;

/// Divergence guard, early stopping, checkpoints, signed model files and drift monitoring.
#[derive(Parser, Debug)]

struct Args {
    /// Seed of split, model and shuffling.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Maximum epochs of the proper run.
    #[arg(long, default_value_t = 200)]
    epochs: usize,
    /// Folder for plots, checkpoints, the model file and the model card.
    #[arg(long, default_value = "target/reliable_training")]
    out_dir: PathBuf,
    /// Print the figures as one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

fn model(seed: u64, n_features: usize) -> Sequential {
    Sequential::new()
        .seed(seed)
        .add(Dense::new(n_features, 32).regularizer(L2(1e-4)))
        .add(ActivationLayer::new(Relu))
        .add(Dense::new(32, 16))
        .add(ActivationLayer::new(Tanh))
        .add(Dense::new(16, 1))
}

fn main() -> Result<()> {
    let args = Args::parse();
    let say = |s: String| {
        if !args.json {
            println!("{s}");
        }
    };
    std::fs::create_dir_all(&args.out_dir)?;
    let data = datasets::breast_cancer()?;
    let (train, test) = train_test_split(&data, 0.25, args.seed, true)?;
    let mut scaler = StandardScaler::new();
    let x_train = scaler.fit_transform(train.x())?;
    let x_test = scaler.transform(test.x())?;
    let y_train = train.y().clone().reshape(&[train.len(), 1])?;
    let y_test = test.y().clone().reshape(&[test.len(), 1])?;
    let n = data.n_features();

    // 1. A learning rate far too high: the guard stops and restores.
    let mut wild = model(args.seed, n);
    wild.compile(BinaryCrossEntropyWithLogits, Sgd::new(50.0).momentum(0.99))?;
    let mut guard = DivergenceGuard::default();
    let cfg = FitConfig::new()
        .epochs(50)
        .batch_size(16)
        .progress(ProgressMode::Silent);
    let h = wild.fit_with_callbacks(&x_train, &y_train, None, &cfg, &mut [&mut guard])?;
    let guard_reason = h.stop_reason().unwrap_or("did not fire").to_string();
    let weights_finite = wild
        .params()
        .all(|p| p.value().as_slice().iter().all(|v| v.is_finite()));
    say(format!(
        "1. learning rate 50: {guard_reason}\n   weights finite afterwards: {weights_finite}"
    ));

    // 2. A proper run with early stopping, plateau reduction, checkpoints and diagnostics.
    let mut net = model(args.seed, n);
    net.compile(BinaryCrossEntropyWithLogits, Adam::new(1e-3))?;
    let mut early = EarlyStopping::new("val_loss")
        .patience(15)
        .restore_best_weights(true);
    let mut plateau = ReduceLrOnPlateau::new("val_loss").patience(5).factor(0.5);
    let ckpt_dir = args.out_dir.join("checkpoints");
    let mut checkpoints = ModelCheckpoint::new(&ckpt_dir, "breast_cancer")
        .every(10)
        .keep_last(2);
    let cfg = FitConfig::new()
        .epochs(args.epochs)
        .batch_size(32)
        .validation_split(0.2)
        .metrics(&[Metric::Accuracy])
        .diagnostics(true)
        .progress(if args.json {
            ProgressMode::Silent
        } else {
            ProgressMode::Auto
        });
    let history = net.fit_with_callbacks(
        &x_train,
        &y_train,
        None,
        &cfg,
        &mut [&mut early, &mut plateau, &mut checkpoints],
    )?;
    let report = overfitting_report(&history);
    let diag_png = args.out_dir.join("diagnostics.png");
    trustnn::plot::training_diagnostics(&history, &diag_png, "breast cancer: per-layer diagnostics")?;
    let eval = net.evaluate(&x_test, &y_test, &[Metric::Accuracy, Metric::RocAuc])?;
    let test_acc = eval.metric(Metric::Accuracy).unwrap_or(f32::NAN);
    let test_auc = eval.metric(Metric::RocAuc).unwrap_or(f32::NAN);
    say(format!(
        "2. trained {} epochs ({}); test accuracy {test_acc:.4}, ROC AUC {test_auc:.4}",
        history.epochs(),
        history.stop_reason().unwrap_or("ran to the last epoch")
    ));
    if let Some(r) = &report {
        say(format!("   {}", r.summary));
    }
    say(format!(
        "   checkpoints kept: {:?}",
        checkpoints.saved().collect::<Vec<_>>()
    ));
    say(format!("   diagnostics plot: {}", diag_png.display()));

    // 3. Signed model file, a tampered copy, and a verified load.
    let key = SigningKey::ed25519_from_seed(&[7u8; 32]);
    let card = ModelCard::new("breast-cancer-mlp")
        .description("MLP 30-32-16-1 classifying breast-mass biopsies as benign (1) or malignant (0).")
        .intended_use("Demonstration of trustnn's reliability tools; not for clinical use.")
        .training_data("UCI Wisconsin Diagnostic Breast Cancer (569 samples), 75% stratified split.")
        .limitations("Small dataset from one hospital; calibration checked on 143 test samples only.");
    let opts = SaveOptions::new()
        .card(card)
        .metric("test_accuracy", test_acc as f64)
        .metric("test_roc_auc", test_auc as f64)
        .preprocessing("scaler", &scaler)?
        .sign_with(key.clone())
        .key_id("demo-key");
    let path = args.out_dir.join("breast_cancer.safetensors");
    io::save(&net, &path, &opts)?;
    let mut bytes = std::fs::read(&path)?;
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01; // flip one bit of the last weight
    let tampered = args.out_dir.join("breast_cancer_tampered.safetensors");
    std::fs::write(&tampered, &bytes)?;
    let refused = match io::load_verified(&tampered, &key.verify_key()) {
        Ok(_) => "ACCEPTED (this must not happen)".to_string(),
        Err(e) => format!("refused: {e}"),
    };
    let other_key = SigningKey::ed25519_from_seed(&[8u8; 32]).verify_key();
    let wrong_key = io::load_verified(&path, &other_key).is_err();
    let mut loaded = io::load_verified(&path, &key.verify_key())?;
    let card_md = args.out_dir.join("MODEL_CARD.md");
    std::fs::write(&card_md, loaded.to_markdown())?;
    let scaler2: StandardScaler = loaded.preprocessing_as("scaler")?;
    let x_fresh = scaler2.transform(test.x())?;
    let proba = loaded.model.predict_proba(&x_fresh)?;
    let same = proba == net.predict_proba(&x_test)?;
    let conf = confidence(&proba)?;
    let labels: Vec<usize> = test.y().as_slice().iter().map(|&v| v as usize).collect();
    let calibration = expected_calibration_error(&proba, &labels, 10)?;
    let rel_png = args.out_dir.join("reliability.png");
    trustnn::plot::reliability_diagram(&calibration, &rel_png, "breast cancer (test)")?;
    let low_conf = conf.iter().filter(|c| c.max_probability < 0.8).count();
    say(format!(
        "3. signed model: {}\n   tampered copy {refused}",
        path.display()
    ));
    say(format!(
        "   the right file under another key refused: {wrong_key}"
    ));
    say(format!(
        "   loaded and verified; predictions identical to the trained model: {same}"
    ));
    say(format!(
        "   ECE {:.4}, {low_conf} of {} test predictions below 0.8 confidence; reliability diagram: {}",
        calibration.ece,
        conf.len(),
        rel_png.display()
    ));
    say(format!("   model card: {}", card_md.display()));

    // 4. Drift: a fresh batch from the test set, and the same batch with one feature shifted.
    let names: Vec<String> = data.feature_names().to_vec();
    let monitor = DriftMonitor::fit(train.x(), None, DriftConfig::new().feature_names(&names))?;
    let fresh = monitor.check(test.x(), None)?;
    let mut shifted = test.x().clone();
    let col = names.iter().position(|n| n == "mean radius").unwrap_or(0);
    let sd = scaler.scale()[col] as f32;
    for row in shifted.view2_mut().rows_mut() {
        let mut row = row;
        row[col] += 1.5 * sd;
    }
    let drifted = monitor.check(&shifted, None)?;
    say(format!(
        "4. drift on held-out data: {:?}; after shifting '{}' by 1.5 std: {:?}",
        fresh.drifted_feature_names(),
        names[col],
        drifted.drifted_feature_names()
    ));

    if args.json {
        let obj = serde_json::json!({
            "guard_reason": guard_reason, "guard_weights_finite": weights_finite,
            "epochs_trained": history.epochs(), "stop_reason": history.stop_reason(),
            "verdict": report.as_ref().map(|r| r.summary.clone()),
            "test_accuracy": test_acc, "test_roc_auc": test_auc,
            "tampered_refused": refused.starts_with("refused"), "wrong_key_refused": wrong_key,
            "loaded_predictions_identical": same, "ece": calibration.ece,
            "drift_fresh": fresh.drifted_feature_names(), "drift_shifted": drifted.drifted_feature_names(),
            "model_file": path, "model_card": card_md, "diagnostics_png": diag_png, "reliability_png": rel_png,
        });
        println!("{obj}");
    }
    Ok(())
}
