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

use clap::Parser;
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
    #[command(flatten)]
    run: common::ComparisonArgs,
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
    let run_args = &args.run;
    let data = common::digits_train_val(run_args.val_fraction, run_args.seed)?;
    if !run_args.json {
        eprintln!(
            "digits: {} training and {} validation samples, MLP 64-128-64-10, {} (lr {}), {} epochs, batch {}",
            data.x_train.batch_size(),
            data.x_val.batch_size(),
            args.optimizer,
            args.lr,
            run_args.epochs,
            run_args.batch_size
        );
    }

    let mut runs = Vec::new();
    for (i, name) in args.activations.iter().enumerate() {
        let (init, init_name) = initializer(name);
        let model = common::digits_mlp(run_args.seed, name, init)?;
        let run = common::train_run(
            name,
            init_name.to_string(),
            model,
            &args.optimizer,
            args.lr,
            &data,
            run_args,
        )?;
        if !run_args.json {
            eprintln!(
                "[{}/{}] {name:<10} {}",
                i + 1,
                args.activations.len(),
                run.summary()
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

    let title = format!("digits: validation accuracy per activation ({})", args.optimizer);
    let chart = common::comparison_chart(&runs, &run_args.out_dir, "compare_activations.png", &title)?;

    if run_args.json {
        let fields = serde_json::json!({
            "model": "MLP 64-128-64-10",
            "optimizer": args.optimizer,
            "lr": args.lr,
            "same_initial_weights_per_initializer": same_init,
            "activations": common::runs_json(&runs, run_args.target),
            "plot_png": chart,
        });
        println!("{}", common::comparison_json(&data, run_args, fields));
    } else {
        println!();
        print!(
            "{}",
            common::comparison_table(&runs, "activation", "weights", run_args.target)
        );
        if same_init {
            println!(
                "\ninitial weights: identical in the {glorot} Glorot-uniform runs (state_dict compared value by value; seed {})",
                run_args.seed
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
