//! Which activation? ReLU, LeakyReLU, ELU, SELU, GELU, Sigmoid, Tanh, SiLU and Mish as the
//! hidden activation of the same MLP, trained with the same optimizer (Adam) on the same data
//! for the same epochs.
//!
//! The bundled digits are split 80/20 into a training and a validation part (stratified) and
//! standardized with statistics of the training part only. Each activation gets an MLP
//! 64-128-64-10 (softmax cross-entropy from logits) built from the same seed, with
//! Glorot-uniform weights (Keras' default, neutral between the ReLU and the sigmoid families)
//! — so these runs start from identical weights (checked here) and see the mini-batches in the
//! same order — except SELU, which gets LeCun-normal weights (`N(0, 1/fan_in)`): SELU's
//! self-normalization (Klambauer et al., 2017) keeps activations at zero mean and unit
//! variance only with that initialization and standardized inputs.
//!
//! Prints a table of the final and best validation accuracy, the first epoch that reaches a
//! target accuracy (`--target`, "–" if never) and the time per epoch (activations that need
//! `exp`, `erf` or `tanh` cost more than ReLU), and draws all validation-accuracy curves in
//! one PNG.
//!
//! ```text
//! cargo run --release --example compare_activations
//! cargo run --release --example compare_activations -- --activations relu,selu,tanh --epochs 50
//! cargo run --release --example compare_activations -- --optimizer sgd_momentum --lr 0.01 --json
//! ```

#[path = "common/mod.rs"]
mod common;

use std::path::PathBuf;

use clap::Parser;
use trustnn::optim;
use trustnn::prelude::*;

/// Compare hidden activations on the bundled digits, with one optimizer.
#[derive(Parser, Debug)]
#[command(name = "compare_activations")]
struct Args {
    /// Activations to compare, comma-separated (names as trustnn::activation::by_name).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "relu,leaky_relu,elu,selu,gelu,sigmoid,tanh,silu,mish"
    )]
    activations: Vec<String>,
    /// The optimizer (a name of trustnn::optim::by_name).
    #[arg(long, default_value = "adam")]
    optimizer: String,
    /// The optimizer's learning rate.
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    /// Number of epochs (the same for every activation).
    #[arg(long, default_value_t = 30)]
    epochs: usize,
    /// Batch size.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Validation accuracy whose first epoch is reported.
    #[arg(long, default_value_t = 0.95)]
    target: f32,
    /// Fraction of the digits held out for validation (stratified).
    #[arg(long, default_value_t = 0.2)]
    val_fraction: f64,
    /// Seed of the split, the initial weights and the batch order.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Folder for the plot.
    #[arg(long, default_value = "target/plots")]
    out_dir: PathBuf,
    /// Print the figures as one JSON object instead of text (no progress).
    #[arg(long)]
    json: bool,
}

/// The weight initializer for an activation, and its name: LeCun normal for SELU, Glorot
/// uniform otherwise.
fn initializer(activation: &str) -> (Initializer, &'static str) {
    if activation == "selu" {
        (Initializer::LecunNormal, "LeCun normal")
    } else {
        (Initializer::GlorotUniform, "Glorot uniform")
    }
}

fn main() -> Result<()> {
    let args = Args::parse();
    let data = common::digits_train_val(args.val_fraction, args.seed)?;
    if !args.json {
        eprintln!(
            "digits: {} training and {} validation samples, MLP 64-128-64-10, {} (lr {}), {} epochs, batch {}",
            data.x_train.batch_size(),
            data.x_val.batch_size(),
            args.optimizer,
            args.lr,
            args.epochs,
            args.batch_size
        );
    }

    let mut runs = Vec::new();
    for (i, name) in args.activations.iter().enumerate() {
        let (init, init_name) = initializer(name);
        let mut model = common::digits_mlp(args.seed, name, init)?;
        model.compile_boxed(
            Box::new(SparseCategoricalCrossEntropy),
            optim::by_name(&args.optimizer, args.lr as f32)?,
        )?;
        let run = common::train_run(
            name,
            init_name.to_string(),
            args.lr,
            &mut model,
            &data,
            args.epochs,
            args.batch_size,
        )?;
        if !args.json {
            eprintln!(
                "[{}/{}] {name:<10} val accuracy {:.4}  ({:.1} ms/epoch)",
                i + 1,
                args.activations.len(),
                run.val_accuracy.last().copied().unwrap_or(f32::NAN),
                run.seconds_per_epoch * 1e3
            );
        }
        runs.push(run);
    }
    // Runs with the same initializer start from the same weights: check it.
    let same_init = runs.iter().all(|r| {
        runs.iter()
            .filter(|o| o.setting == r.setting)
            .all(|o| o.initial_weights == r.initial_weights)
    });
    let glorot = runs.iter().filter(|r| r.setting == "Glorot uniform").count();

    std::fs::create_dir_all(&args.out_dir)?;
    let chart = args.out_dir.join("compare_activations.png");
    let title = format!("digits: validation accuracy per activation ({})", args.optimizer);
    common::comparison_chart(&runs, &chart, &title)?;

    if args.json {
        let obj = serde_json::json!({
            "dataset": "digits",
            "model": "MLP 64-128-64-10",
            "optimizer": args.optimizer,
            "lr": args.lr,
            "train_samples": data.x_train.batch_size(),
            "val_samples": data.x_val.batch_size(),
            "epochs": args.epochs,
            "batch_size": args.batch_size,
            "seed": args.seed,
            "target_accuracy": args.target,
            "same_initial_weights_per_initializer": same_init,
            "activations": common::runs_json(&runs, args.target),
            "plot_png": chart,
        });
        println!("{obj}");
    } else {
        println!();
        print!(
            "{}",
            common::comparison_table(&runs, "activation", "weights", args.target)
        );
        if same_init {
            println!(
                "\ninitial weights: identical in the {glorot} Glorot-uniform runs (state_dict compared value by value; seed {})",
                args.seed
            );
            if runs.iter().any(|r| r.setting == "LeCun normal") {
                println!(
                    "SELU starts from LeCun-normal weights (same seed), the initialization its self-normalization needs"
                );
            }
        } else {
            println!("\nWARNING: runs with the same initializer start from different weights");
        }
        println!("validation curves: {}", chart.display());
    }
    Ok(())
}
