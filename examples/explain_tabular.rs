//! Breast cancer: permutation importance of every feature on the test set (global), and
//! KernelSHAP for one patient's prediction (local), as tables and bar charts
//! (`explain_tabular_permutation.png`, `explain_tabular_shap.png`).
//!
//! ```text
//! cargo run --release --example explain_tabular
//! cargo run --release --example explain_tabular -- --json --out-dir target/examples
//! ```

#[path = "common/mod.rs"]
mod common;

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use trustnn::data::datasets;
use trustnn::explain::*;
use trustnn::prelude::*;

/// Permutation importance and KernelSHAP for an MLP on the bundled breast-cancer data.
#[derive(Parser, Debug)]
struct Args {
    /// Seed of the split, initialization, shuffling, permutations and SHAP sampling.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Training epochs.
    #[arg(long, default_value_t = 40)]
    epochs: usize,
    /// Repeats of each feature's permutation.
    #[arg(long, default_value_t = 10)]
    repeats: usize,
    /// Test patient explained by KernelSHAP (index into the test split).
    #[arg(long, default_value_t = 0)]
    patient: usize,
    /// Background rows (from the training split) of KernelSHAP.
    #[arg(long, default_value_t = 30)]
    background: usize,
    /// Sampled coalitions of KernelSHAP (30 features are too many to enumerate).
    #[arg(long, default_value_t = 2048)]
    budget: usize,
    /// Folder for the bar charts.
    #[arg(long, default_value = "target/examples")]
    out_dir: PathBuf,
    /// Print the figures as one JSON object (and nothing else) on stdout.
    #[arg(long)]
    json: bool,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let start = Instant::now();
    let data = datasets::breast_cancer()?;
    let names = data.feature_names().to_vec();
    let classes = ["malignant", "benign"];
    let (train, test, xtr, xte) =
        common::scaled_split(&data, 0.25, args.seed, true, common::Scaling::Standard)?;
    let mut m = Sequential::new()
        .seed(args.seed + 3)
        .add(Dense::new(30, 32))
        .add(ActivationLayer::new(Relu))
        .add(Dense::new(32, 2));
    m.compile(SparseCategoricalCrossEntropy, Adam::new(0.005))?;
    let config = FitConfig::new()
        .epochs(args.epochs)
        .batch_size(32)
        .progress(common::progress(args.json));
    m.fit(&xtr, train.y(), &config)?;

    let pi = permutation_importance(
        &mut m,
        &xte,
        test.y(),
        accuracy_from_outputs,
        args.repeats,
        args.seed,
    )?;
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by(|&a, &b| pi.mean[b].total_cmp(&pi.mean[a]));

    // KernelSHAP for one test patient, class "benign" (1), probability output, against
    // training rows as background; 30 features > 12, so sampled (seeded, additive).
    let patient = args.patient.min(test.len() - 1);
    let nb = args.background.clamp(1, train.len());
    let background = xtr.select_rows(&(0..nb).collect::<Vec<_>>())?;
    let x0 = xte.select_rows(&[patient])?;
    let shap = KernelShap::new(background)
        .output(Output::Probability)
        .budget(args.budget)
        .seed(args.seed)
        .explain(&mut m, &x0, 1)?;
    let label = test.y().as_slice()[patient] as usize;
    let mut by_shap: Vec<usize> = (0..names.len()).collect();
    by_shap.sort_by(|&a, &b| shap.values[b].abs().total_cmp(&shap.values[a].abs()));

    std::fs::create_dir_all(&args.out_dir)?;
    let pi_png = args.out_dir.join("explain_tabular_permutation.png");
    let shap_png = args.out_dir.join("explain_tabular_shap.png");
    let top: Vec<usize> = order.iter().take(15).copied().collect();
    trustnn::plot::bar_chart(
        &top.iter().map(|&j| names[j].clone()).collect::<Vec<_>>(),
        &top.iter().map(|&j| pi.mean[j] as f32).collect::<Vec<_>>(),
        &pi_png,
        &format!(
            "Permutation importance (test accuracy drop, {} repeats)",
            args.repeats
        ),
        "mean accuracy drop",
    )?;
    let s: Vec<usize> = by_shap.iter().take(15).copied().collect();
    trustnn::plot::bar_chart(
        &s.iter().map(|&j| names[j].clone()).collect::<Vec<_>>(),
        &s.iter().map(|&j| shap.values[j]).collect::<Vec<_>>(),
        &shap_png,
        &format!(
            "KernelSHAP, test patient {patient} ({}), P(benign)",
            classes[label]
        ),
        "Shapley value (probability)",
    )?;
    let seconds = start.elapsed().as_secs_f64();

    if args.json {
        let importance: Vec<_> = order
            .iter()
            .map(|&j| serde_json::json!({"feature": names[j], "mean": pi.mean[j], "std": pi.std[j]}))
            .collect();
        let shap_values: Vec<_> = by_shap
            .iter()
            .map(|&j| serde_json::json!({"feature": names[j], "value": common::short(shap.values[j])}))
            .collect();
        let obj = serde_json::json!({
            "dataset": "breast_cancer", "seed": args.seed, "epochs": args.epochs,
            "test_accuracy": pi.baseline_score,
            "permutation_importance": {"metric": "accuracy", "repeats": args.repeats,
                                        "std": "population (ddof = 0)", "features": importance},
            "kernel_shap": {"patient": patient, "true_class": classes[label], "explained": "P(benign)",
                             "background_rows": nb, "budget": args.budget, "exact": shap.exact,
                             "fx": common::short(shap.fx), "base_value": common::short(shap.base_value),
                             "sum_of_values": common::short(shap.values.iter().sum::<f32>()), "values": shap_values},
            "permutation_png": pi_png, "shap_png": shap_png, "seconds": seconds,
        });
        println!("{obj}");
    } else {
        println!(
            "test accuracy {:.4}; permutation importance ({} repeats, seed {}):",
            pi.baseline_score, args.repeats, args.seed
        );
        for &j in order.iter().take(10) {
            println!("  {:<25} {:>8.4} ± {:.4}", names[j], pi.mean[j], pi.std[j]);
        }
        println!(
            "\ntest patient {patient} ({}): P(benign) = {:.4}, background mean = {:.4}, Σφ = {:.4} (exact: {})",
            classes[label],
            shap.fx,
            shap.base_value,
            shap.values.iter().sum::<f32>(),
            shap.exact
        );
        print!("{}", attribution_table(&names, &shap.values, 10)?);
        println!("\nwrote {} and {}", pi_png.display(), shap_png.display());
        println!("{seconds:.2} s");
    }
    Ok(())
}
