//! Which optimizer? SGD, SGD with momentum, Nesterov, Adagrad, RMSprop, Adam, AdamW and NAdam
//! train the same MLP on the same data from the same initial weights, for the same epochs.
//!
//! The bundled digits (1,797 8×8 images) are split 80/20 into a training and a validation
//! part (stratified) and standardized with statistics of the training part only. Every
//! optimizer trains an MLP 64-128-64-10 (ReLU, He-uniform weights, softmax cross-entropy
//! from logits) built from the same seed, so all runs start from identical weights (checked
//! here, value by value) and see the mini-batches in the same order. Each optimizer has its
//! own learning rate (a sensible default, printed in the table; override with
//! `--lr NAME=VALUE`), and PyTorch's defaults for everything else (momentum 0.9 for the SGD
//! variants, weight decay 0.01 for AdamW).
//!
//! Prints a table of the final and best validation accuracy, the first epoch that reaches a
//! target accuracy (`--target`, "–" if never) and the time per epoch, and draws all
//! validation-accuracy curves in one PNG.
//!
//! ```text
//! cargo run --release --example compare_optimizers
//! cargo run --release --example compare_optimizers -- --epochs 50 --lr sgd=0.05 --lr adam=3e-3
//! cargo run --release --example compare_optimizers -- --optimizers sgd,adam --json
//! ```

#[path = "common/mod.rs"]
mod common;

use clap::Parser;
use trustnn::prelude::*;

/// The optimizers compared by default, with their default learning rates. SGD's rate is 10
/// times that of its momentum variants, whose steps are about 1/(1 − 0.9) = 10 times larger
/// at the same rate; Adagrad, Adam, AdamW and NAdam keep PyTorch's default rates; RMSprop
/// uses 1e-3 (Keras' default) rather than PyTorch's 1e-2, which is unstable here.
const DEFAULT_LRS: [(&str, f64); 8] = [
    ("sgd", 0.1),
    ("sgd_momentum", 0.01),
    ("nesterov", 0.01),
    ("adagrad", 0.01),
    ("rmsprop", 0.001),
    ("adam", 0.001),
    ("adamw", 0.001),
    ("nadam", 0.002),
];

/// Compare optimizers on the bundled digits, from identical initial weights.
#[derive(Parser, Debug)]
#[command(name = "compare_optimizers")]
struct Args {
    /// Optimizers to compare, comma-separated (names as trustnn::optim::by_name: sgd,
    /// sgd_momentum, nesterov, adagrad, rmsprop, adam, adamw, nadam, radam, adadelta).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "sgd,sgd_momentum,nesterov,adagrad,rmsprop,adam,adamw,nadam"
    )]
    optimizers: Vec<String>,
    /// A learning rate for one optimizer, as NAME=VALUE (repeatable), e.g. --lr adam=0.003.
    #[arg(long = "lr", value_name = "NAME=VALUE", value_parser = parse_lr)]
    lrs: Vec<(String, f64)>,
    #[command(flatten)]
    run: common::ComparisonArgs,
}

fn parse_lr(s: &str) -> std::result::Result<(String, f64), String> {
    let (name, value) = s
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=VALUE, got {s:?}"))?;
    let lr: f64 = value.parse().map_err(|_| format!("{value:?} is not a number"))?;
    Ok((name.trim().to_string(), lr))
}

/// The learning rate of `name`: the last `--lr name=...`, else the default (1e-3 for an
/// optimizer without one).
fn learning_rate(args: &Args, name: &str) -> f64 {
    args.lrs
        .iter()
        .rev()
        .find(|(n, _)| n == name)
        .map(|&(_, lr)| lr)
        .or_else(|| DEFAULT_LRS.iter().find(|(n, _)| *n == name).map(|&(_, lr)| lr))
        .unwrap_or(1e-3)
}

fn main() -> Result<()> {
    let args = Args::parse();
    if let Some((name, _)) = args.lrs.iter().find(|(n, _)| !args.optimizers.contains(n)) {
        return Err(Error::config(
            "--lr",
            name,
            "names an optimizer that is not in --optimizers",
        ));
    }
    let run_args = &args.run;
    let data = common::digits_train_val(run_args.val_fraction, run_args.seed)?;
    if !run_args.json {
        eprintln!(
            "digits: {} training and {} validation samples, MLP 64-128-64-10 (ReLU), {} epochs, batch {}",
            data.x_train.batch_size(),
            data.x_val.batch_size(),
            run_args.epochs,
            run_args.batch_size
        );
    }

    let mut runs = Vec::new();
    for (i, name) in args.optimizers.iter().enumerate() {
        let lr = learning_rate(&args, name);
        let model = common::digits_mlp(run_args.seed, "relu", Initializer::HeUniform)?;
        let run = common::train_run(name, format!("lr {lr}"), model, name, lr, &data, run_args)?;
        if !run_args.json {
            eprintln!(
                "[{}/{}] {name:<12} lr {lr:<6} {}",
                i + 1,
                args.optimizers.len(),
                run.summary()
            );
        }
        runs.push(run);
    }
    // The same seed builds the same weights whatever the optimizer: check it.
    let same_init = runs.iter().all(|r| r.initial_weights == runs[0].initial_weights);

    let chart = common::comparison_chart(
        &runs,
        &run_args.out_dir,
        "compare_optimizers.png",
        "digits: validation accuracy per optimizer (same initial weights)",
    )?;

    if run_args.json {
        let fields = serde_json::json!({
            "model": "MLP 64-128-64-10, ReLU, He uniform",
            "same_initial_weights": same_init,
            "optimizers": common::runs_json(&runs, run_args.target),
            "plot_png": chart,
        });
        println!("{}", common::comparison_json(&data, run_args, fields));
    } else {
        println!();
        print!(
            "{}",
            common::comparison_table(&runs, "optimizer", "setting", run_args.target)
        );
        if same_init {
            println!(
                "\ninitial weights: identical in all {} runs (state_dict compared value by value; seed {})",
                runs.len(),
                run_args.seed
            );
        } else {
            println!("\nWARNING: the initial weights differ between runs");
        }
        println!("validation curves: {}", chart.display());
    }
    Ok(())
}
