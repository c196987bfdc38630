//! Differentially private training on UCI Adult: a data privacy check, then the same MLP
//! trained without privacy and with DP-SGD at several ε targets, with accuracy, ε (and the
//! accountant that states it) and the membership-inference AUC of each, and plots of
//! accuracy versus ε and of the attack's ROC curves.
//!
//! ```text
//! cargo run --release --example private_training -- --epochs 5
//! ```

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use trustnn::data::StandardScaler;
use trustnn::data::datasets::{DatasetName, adult_train_test, raw_csv};
use trustnn::prelude::*;
use trustnn::privacy::{DataPrivacyReport, DpSgd, DpSgdConfig, MembershipAudit, Table};

#[derive(Parser)]

struct Args {
    /// Seed of the models, the sampling and the noise.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Epochs of every run.
    #[arg(long, default_value_t = 5)]
    epochs: usize,
    /// Expected batch size (the sample rate is this over the training size).
    #[arg(long, default_value_t = 256)]
    batch: usize,
    /// Clipping norm C.
    #[arg(long, default_value_t = 1.0)]
    clip: f64,
    /// Folder for the plots.
    #[arg(long, default_value = "target/examples")]
    out_dir: PathBuf,
    /// Print one JSON object (the table, the privacy statement, the data check) instead of
    /// the text report.
    #[arg(long)]
    json: bool,
}

fn model(seed: u64, n_features: usize) -> Result<Sequential> {
    let mut m = Sequential::new()
        .seed(seed)
        .add(Dense::new(n_features, 32))
        .add(ActivationLayer::new(Relu))
        .add(Dense::new(32, 2));
    m.compile(SparseCategoricalCrossEntropy, Adam::new(0.005))?;
    Ok(m)
}

struct Row {
    name: String,
    accuracy: f32,
    epsilon: Option<f64>,
    sigma: f64,
    audit: MembershipAudit,
    seconds_per_epoch: f64,
}

fn main() -> Result<()> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.out_dir)?;

    // 1. Check the raw data before training.
    let table = Table::from_csv(&raw_csv(DatasetName::Adult)?)?;
    let report = DataPrivacyReport::new(&table, 0.5, &["age", "sex", "race", "native-country"], 5)?;
    if !args.json {
        println!("Data privacy check of UCI Adult (raw columns):\n{report}");
    }

    let (train, test) = adult_train_test()?;
    let mut scaler = StandardScaler::new();
    let x_train = scaler.fit_transform(train.x())?;
    let x_test = scaler.transform(test.x())?;
    let (y_train, y_test) = (train.y(), test.y());
    let n = train.len();
    let d = train.n_features();
    let q = args.batch as f64 / n as f64;
    let delta = 1e-5;
    // Members: 5000 training rows; non-members: 5000 test rows.
    let k = 5000;
    let idx: Vec<usize> = (0..k).collect();
    let (mut xm, mut ym, mut xn, mut yn) = Default::default();
    x_train.gather_rows_into(&idx, &mut xm)?;
    y_train.gather_rows_into(&idx, &mut ym)?;
    x_test.gather_rows_into(&idx, &mut xn)?;
    y_test.gather_rows_into(&idx, &mut yn)?;

    let mut rows = Vec::new();
    let accuracy = |m: &mut Sequential| -> Result<f32> {
        Ok(m.evaluate(&x_test, y_test, &[Metric::Accuracy])?
            .metric(Metric::Accuracy)
            .unwrap_or(f32::NAN))
    };

    // 2. Without privacy (shuffle-and-batch, the ordinary fit).
    let mut m = model(args.seed, d)?;
    let t = Instant::now();
    m.fit(
        &x_train,
        y_train,
        &FitConfig::new().epochs(args.epochs).batch_size(args.batch),
    )?;
    let normal_epoch = t.elapsed().as_secs_f64() / args.epochs as f64;
    rows.push(Row {
        name: "non-private".into(),
        accuracy: accuracy(&mut m)?,
        epsilon: None,
        sigma: 0.0,
        audit: MembershipAudit::run(&mut m, (&xm, &ym), (&xn, &yn))?,
        seconds_per_epoch: normal_epoch,
    });

    // 3. DP-SGD at several targets.
    let mut statement = String::new();
    for target in [0.5, 1.0, 2.0, 8.0] {
        let config =
            DpSgdConfig::for_target_epsilon(target, delta, args.clip, q, args.epochs)?.seed(args.seed);
        let sigma = config.noise_multiplier;
        let mut m = model(args.seed, d)?;
        let mut dp = DpSgd::new(config)?;
        let t = Instant::now();
        let history = dp.fit(&mut m, &x_train, y_train, &FitConfig::new().epochs(args.epochs))?;
        let secs = t.elapsed().as_secs_f64() / history.epochs().max(1) as f64;
        let spent = dp.spent()?;
        statement = history.note("privacy").unwrap_or_default().to_string();
        rows.push(Row {
            name: format!("DP-SGD ε≤{target}"),
            accuracy: accuracy(&mut m)?,
            epsilon: Some(spent.epsilon),
            sigma,
            audit: MembershipAudit::run(&mut m, (&xm, &ym), (&xn, &yn))?,
            seconds_per_epoch: secs,
        });
    }

    let private_secs = rows[1..].iter().map(|r| r.seconds_per_epoch).sum::<f64>() / (rows.len() - 1) as f64;
    if args.json {
        let k_anon = report.k_anonymity.as_ref().map(|k| {
            serde_json::json!({
                "quasi_identifiers": k.quasi_identifiers, "k": k.k, "classes": k.classes,
                "smallest_class": k.smallest_class, "rows_below_k": k.rows_below_k,
            })
        });
        let runs: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "run": r.name, "test_accuracy": r.accuracy, "epsilon": r.epsilon,
                    "noise_multiplier": r.sigma, "mia_auc": r.audit.auc,
                    "mia_advantage": r.audit.advantage, "mia_tpr_at_fpr_1pct": r.audit.tpr_at_fpr_1pct,
                    "mia_tpr_at_fpr_0_1pct": r.audit.tpr_at_fpr_0_1pct,
                    "seconds_per_epoch": r.seconds_per_epoch,
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({
                "example": "private_training", "dataset": "adult", "training_rows": n,
                "epochs": args.epochs, "expected_batch": args.batch, "sample_rate": q,
                "max_grad_norm": args.clip, "delta": delta, "runs": runs,
                "privacy_statement": statement,
                "private_over_normal_epoch_time": private_secs / rows[0].seconds_per_epoch,
                "flagged_identifier_columns": report.flagged(), "k_anonymity": k_anon,
            })
        );
    } else {
        println!(
            "UCI Adult, {n} training rows, MLP {d}-32-2, Adam(0.005), {} epochs, expected batch {} (q = {q:.5}), C = {}, δ = {delta:e}",
            args.epochs, args.batch, args.clip
        );
        println!(
            "{:<16} {:>9} {:>9} {:>7} {:>8} {:>10} {:>9}",
            "run", "accuracy", "ε", "σ", "MIA AUC", "advantage", "s/epoch"
        );
        for r in &rows {
            println!(
                "{:<16} {:>9.4} {:>9} {:>7.3} {:>8.4} {:>10.4} {:>9.3}",
                r.name,
                r.accuracy,
                r.epsilon.map_or("∞".to_string(), |e| format!("{e:.3}")),
                r.sigma,
                r.audit.auc,
                r.audit.advantage,
                r.seconds_per_epoch
            );
        }
        println!("ε: {statement} (the last run; every DP run is stated the same way)");
        println!("The non-private run uses shuffle-and-batch and has no guarantee (ε = ∞).");
        println!(
            "private / normal epoch time: {:.2}× (one forward, two backward passes; see docs/PRIVACY.md)",
            private_secs / rows[0].seconds_per_epoch
        );
    }

    // 4. Plots.
    let dp_points: Vec<(f32, f32)> = rows[1..]
        .iter()
        .map(|r| (r.epsilon.unwrap_or(0.0) as f32, r.accuracy))
        .collect();
    let max_eps = dp_points.iter().map(|p| p.0).fold(0.0, f32::max);
    let baseline = vec![(0.0, rows[0].accuracy), (max_eps, rows[0].accuracy)];
    let acc_png = args.out_dir.join("accuracy_vs_epsilon.png");
    trustnn::plot::line_chart(
        &[
            ("DP-SGD".to_string(), dp_points),
            ("non-private".to_string(), baseline),
        ],
        &acc_png,
        "UCI Adult: test accuracy vs ε (δ = 1e-5, RDP accountant, Poisson sampling)",
        "ε",
        "test accuracy",
    )?;
    let roc_series: Vec<(String, Vec<(f32, f32)>)> = rows
        .iter()
        .map(|r| {
            (
                format!("{} (AUC {:.3})", r.name, r.audit.auc),
                r.audit.roc_points(),
            )
        })
        .collect();
    let roc_png = args.out_dir.join("membership_roc.png");
    trustnn::plot::line_chart(
        &roc_series,
        &roc_png,
        "Loss-threshold membership inference (Yeom et al.)",
        "false positive rate",
        "true positive rate",
    )?;
    if !args.json {
        println!("plots: {} and {}", acc_png.display(), roc_png.display());
    }
    Ok(())
}
