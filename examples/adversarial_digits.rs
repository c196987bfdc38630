//! Robust accuracy against ε for a normally and an adversarially trained MLP on the bundled
//! 8×8 digits (scaled to [0, 1]), under PGD-L∞ and FGSM, in both conventions —
//! RobustBench's (over all test samples) and ART's (over the originally correct ones) — as
//! a table and `adversarial_digits.png` (PGD, RobustBench convention).
//!
//! ```text
//! cargo run --release --example adversarial_digits
//! cargo run --release --example adversarial_digits -- --json --out-dir target/examples
//! ```

#[path = "common/mod.rs"]
mod common;

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use trustnn::data::datasets;
use trustnn::prelude::*;
use trustnn::robustness::*;

/// Robust accuracy of a normally and an adversarially trained MLP on the digits.
#[derive(Parser, Debug)]
struct Args {
    /// Seed of the split, initialization, shuffling and the attacks' random starts.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Training epochs of both models.
    #[arg(long, default_value_t = 20)]
    epochs: usize,
    /// ε of the PGD examples used in adversarial training.
    #[arg(long, default_value_t = 0.1)]
    train_eps: f32,
    /// Share of each batch replaced by adversarial examples.
    #[arg(long, default_value_t = 0.5)]
    share: f32,
    /// The ε values robust accuracy is measured at.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "0,0.025,0.05,0.075,0.1,0.15,0.2"
    )]
    eps: Vec<f32>,
    /// Folder for the plot.
    #[arg(long, default_value = "target/examples")]
    out_dir: PathBuf,
    /// Print the figures as one JSON object (and nothing else) on stdout.
    #[arg(long)]
    json: bool,
}

fn mlp(seed: u64) -> Result<Sequential> {
    let mut m = Sequential::new()
        .seed(seed)
        .add(Dense::new(64, 64))
        .add(ActivationLayer::new(Relu))
        .add(Dense::new(64, 10));
    m.compile(SparseCategoricalCrossEntropy, Adam::new(0.01))?;
    m.build()?;
    Ok(m)
}

fn main() -> Result<()> {
    let args = Args::parse();
    let start = Instant::now();
    let data = datasets::digits()?;
    let (train, test, xtr, xte) =
        common::scaled_split(&data, 0.25, args.seed, true, common::Scaling::MinMax)?;

    let mut plain = mlp(args.seed + 11)?;
    let config = FitConfig::new()
        .epochs(args.epochs)
        .batch_size(32)
        .progress(common::progress(args.json));
    plain.fit(&xtr, train.y(), &config)?;
    let train_seconds_plain = start.elapsed().as_secs_f64();

    let t = Instant::now();
    let mut robust = mlp(args.seed + 11)?;
    let train_attack = Attack::Pgd(Pgd {
        steps: 5,
        seed: args.seed,
        ..Pgd::new(args.train_eps, Norm::Linf)
    });
    // Adversarial training as an option of fit: the same settings as the normal model, with
    // `share` of every batch replaced by PGD examples against the current model.
    robust.fit(
        &xtr,
        train.y(),
        &config
            .clone()
            .adversarial(train_attack.clone(), args.share, InputRange::UNIT),
    )?;
    let train_seconds_adv = t.elapsed().as_secs_f64();

    let attacks = [
        Attack::Pgd(Pgd {
            seed: args.seed,
            ..Pgd::new(0.1, Norm::Linf)
        }),
        Attack::Fgsm { eps: 0.1 },
    ];
    let adv_name = format!("adversarial ({}, share {})", train_attack.describe(), args.share);
    let mut results = Vec::new();
    for (name, model) in [("normal", &mut plain), (adv_name.as_str(), &mut robust)] {
        for attack in &attacks {
            let rows = robust_accuracy(model, &xte, test.y(), attack, &args.eps, InputRange::UNIT)?;
            results.push((name.to_string(), attack.clone(), rows));
        }
    }

    std::fs::create_dir_all(&args.out_dir)?;
    let png = args.out_dir.join("adversarial_digits.png");
    let series: Vec<(String, Vec<(f32, f32)>)> = results
        .iter()
        .filter(|(_, a, _)| matches!(a, Attack::Pgd(_)))
        .map(|(name, _, rows)| {
            let pts = rows
                .iter()
                .map(|r| (r.eps, r.robust_accuracy_all as f32))
                .collect();
            (name.clone(), pts)
        })
        .collect();
    trustnn::plot::line_chart(
        &series,
        &png,
        "Digits: robust accuracy under PGD-L∞ (10 steps, α = ε/4, random start)",
        "ε (inputs in [0, 1])",
        "robust accuracy, all samples (RobustBench)",
    )?;
    let seconds = start.elapsed().as_secs_f64();

    if args.json {
        let evaluations: Vec<_> = results
            .iter()
            .map(|(name, attack, rows)| {
                let points: Vec<_> = rows
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "eps": common::short(r.eps),
                            "attack": r.attack,
                            "robust_accuracy_all_robustbench": r.robust_accuracy_all,
                            "robust_accuracy_correct_art": r.robust_accuracy_correct,
                        })
                    })
                    .collect();
                serde_json::json!({
                    "model": name,
                    "attack": attack.describe(),
                    "clean_accuracy": rows.first().map(|r| r.clean_accuracy),
                    "n": rows.first().map(|r| r.n),
                    "n_originally_correct": rows.first().map(|r| r.n_correct),
                    "points": points,
                })
            })
            .collect();
        let obj = serde_json::json!({
            "dataset": "digits", "seed": args.seed, "epochs": args.epochs,
            "input_range": [0.0, 1.0], "test_samples": test.len(),
            "adversarial_training": {"attack": train_attack.describe(), "share": args.share,
                                     "via": "Sequential::fit with FitConfig::adversarial"},
            "train_seconds": {"normal": train_seconds_plain, "adversarial": train_seconds_adv},
            "evaluations": evaluations, "plot_png": png, "seconds": seconds,
        });
        println!("{obj}");
    } else {
        for (name, attack, rows) in &results {
            println!(
                "\n{name} training — clean accuracy {:.4} ({} of {} test digits)",
                rows[0].clean_accuracy, rows[0].n_correct, rows[0].n
            );
            let kind = match attack {
                Attack::Pgd(_) => "PGD",
                Attack::Fgsm { .. } => "FGSM",
            };
            let mut table = common::Table::new(&[
                "attack (all parameters)",
                "ε",
                &format!("{kind}: RobustBench (all)"),
                "ART (orig. correct)",
            ]);
            for r in rows {
                table.row(vec![
                    r.attack.clone(),
                    format!("{:.3}", r.eps),
                    format!("{:.4}", r.robust_accuracy_all),
                    format!("{:.4}", r.robust_accuracy_correct),
                ]);
            }
            print!("{table}");
        }
        println!("\nwrote {}", png.display());
        println!("{seconds:.2} s");
    }
    Ok(())
}
