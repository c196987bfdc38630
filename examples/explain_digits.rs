//! Saliency and Integrated-Gradients heatmaps for a few test digits (the last one a
//! misclassified digit, if the model makes a mistake), in one labelled PNG
//! (`explain_digits.png`): each row is a digit (its true and predicted class on the left),
//! then |saliency| and Integrated Gradients of the predicted class's logit (50-point
//! Gauss–Legendre, zero baseline — Captum's defaults); red positive, blue negative.
//! Prints each digit's IG convergence delta.
//!
//! ```text
//! cargo run --release --example explain_digits
//! cargo run --release --example explain_digits -- --json --out-dir target/examples
//! ```

#[path = "common/mod.rs"]
mod common;

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use trustnn::data::datasets;
use trustnn::explain::*;
use trustnn::prelude::*;

/// Explain an MLP's predictions on the bundled 8×8 digits with saliency and Integrated
/// Gradients heatmaps.
#[derive(Parser, Debug)]
struct Args {
    /// Seed of the split, initialization and shuffling.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Number of test digits to explain.
    #[arg(long, default_value_t = 6)]
    digits: usize,
    /// Training epochs.
    #[arg(long, default_value_t = 20)]
    epochs: usize,
    /// Folder for the PNG.
    #[arg(long, default_value = "target/examples")]
    out_dir: PathBuf,
    /// Print the figures as one JSON object (and nothing else) on stdout.
    #[arg(long)]
    json: bool,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let start = Instant::now();
    let data = datasets::digits()?;
    let (train, test, xtr, xte) =
        common::scaled_split(&data, 0.25, args.seed, true, common::Scaling::MinMax)?;
    let mut m = Sequential::new()
        .seed(args.seed + 5)
        .add(Dense::new(64, 64))
        .add(ActivationLayer::new(Tanh))
        .add(Dense::new(64, 10));
    m.compile(SparseCategoricalCrossEntropy, Adam::new(0.01))?;
    let config = FitConfig::new()
        .epochs(args.epochs)
        .batch_size(32)
        .progress(common::progress(args.json));
    m.fit(&xtr, train.y(), &config)?;

    // The first test digits, the last of them replaced by the first misclassified one (if
    // any), so the figure shows what the model looked at when it was wrong.
    let n = args.digits.clamp(1, test.len());
    let all_pred = m.predict_classes(&xte)?;
    let labels = test.y().as_slice();
    let mut idx: Vec<usize> = (0..n).collect();
    if let Some(wrong) = (0..test.len()).find(|&i| all_pred[i] as f32 != labels[i])
        && !idx.contains(&wrong)
    {
        idx[n - 1] = wrong;
    }
    let test_accuracy = (0..test.len())
        .filter(|&i| all_pred[i] as f32 == labels[i])
        .count() as f64
        / test.len() as f64;
    let x = xte.select_rows(&idx)?;
    let truth: Vec<usize> = idx.iter().map(|&i| labels[i] as usize).collect();
    let pred = m.predict_classes(&x)?;
    let sal = saliency(&mut m, &x, &pred, Output::Logit, true)?;
    let ig = IntegratedGradients::new().attribute(&mut m, &x, &pred)?;

    std::fs::create_dir_all(&args.out_dir)?;
    let png = args.out_dir.join("explain_digits.png");
    let rows: Vec<HeatmapRow> = (0..n)
        .map(|i| {
            Ok(HeatmapRow {
                label: format!("true {}\npredicted {}", truth[i], pred[i]),
                image: x.row(i)?.to_vec(),
                maps: vec![sal.row(i)?.to_vec(), ig.attributions.row(i)?.to_vec()],
            })
        })
        .collect::<Result<_>>()?;
    HeatmapFigure::new(8, 8)
        .cell(16)
        .title("Digits: why the MLP predicted its class")
        .columns(&["digit", "|saliency|", "Integrated Gradients"])
        .write(&rows, &png)?;
    let seconds = start.elapsed().as_secs_f64();

    if args.json {
        let samples: Vec<_> = (0..n)
            .map(|i| {
                serde_json::json!({
                    "test_index": idx[i], "true": truth[i], "predicted": pred[i],
                    "ig_delta": common::short(ig.delta[i]),
                    "ig_attribution_sum": ig.attributions.row(i).map(|r| common::short(r.iter().sum::<f32>())).ok(),
                })
            })
            .collect();
        let obj = serde_json::json!({
            "dataset": "digits", "seed": args.seed, "epochs": args.epochs,
            "test_accuracy": test_accuracy,
            "integrated_gradients": {"steps": 50, "method": "gauss-legendre", "baseline": "zero",
                                      "output": "logit of the predicted class"},
            "max_abs_ig_delta": common::short(ig.delta.iter().fold(0.0f32, |a, d| a.max(d.abs()))),
            "samples": samples, "heatmap_png": png, "seconds": seconds,
        });
        println!("{obj}");
    } else {
        println!("test accuracy {test_accuracy:.4}");
        println!("test digit  true  predicted  IG delta (50-point Gauss-Legendre)");
        for i in 0..n {
            println!(
                "{:>10}  {:>4}  {:>9}  {:>10.2e}",
                idx[i], truth[i], pred[i], ig.delta[i]
            );
        }
        println!(
            "wrote {} (columns: digit, |saliency|, integrated gradients)",
            png.display()
        );
        println!("{seconds:.2} s");
    }
    Ok(())
}
