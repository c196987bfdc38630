//! XOR with a 2-3-1 network: the classic example, done right.
//!
//! Two inputs, one hidden layer of 3 tanh units, one output trained by plain gradient
//! descent (full batch of the 4 XOR points) on the binary cross-entropy of the output logit.
//! Prints the loss every 100 epochs and the final predictions. The formulas, and the three
//! bugs of the numpy listing this example replaces, are in `docs/MATH.md`.
//!
//! ```text
//! cargo run --release --example xor
//! cargo run --release --example xor -- --lr 0.5 --epochs 2000 --seed 3 --json
//! ```

use clap::Parser;
use trustnn::prelude::*;

/// Train a 2-3-1 tanh network on XOR with gradient descent.
#[derive(Parser, Debug)]

struct Args {
    /// Learning rate of gradient descent.
    #[arg(long, default_value_t = 0.5)]
    lr: f64,
    /// Number of epochs (one full-batch step each).
    #[arg(long, default_value_t = 2000)]
    epochs: usize,
    /// Seed of the weight initialization.
    #[arg(long, default_value_t = 3)]
    seed: u64,
    /// Print the figures as one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let x = Tensor::from_rows(&[[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])?;
    let y = Tensor::from_vec(vec![0.0, 1.0, 1.0, 0.0], &[4, 1])?;

    let mut model = Sequential::new()
        .seed(args.seed)
        .add(Dense::new(2, 3))
        .add(ActivationLayer::new(Tanh))
        .add(Dense::new(3, 1));
    model.compile(BinaryCrossEntropyWithLogits, Sgd::new(args.lr as f32))?;
    if !args.json {
        print!("{}", model.summary());
    }

    let mut losses = Vec::new();
    for epoch in 1..=args.epochs {
        let loss = model.train_step(&x, &y, None)?;
        if epoch % 100 == 0 || epoch == 1 {
            losses.push((epoch, loss));
            if !args.json {
                println!("epoch {epoch:>5}  loss {loss:.6}");
            }
        }
    }

    let proba = model.predict_proba(&x)?;
    let classes = model.predict_classes(&x)?;
    let correct = classes
        .iter()
        .zip(y.as_slice())
        .filter(|(c, t)| **c as f32 == **t)
        .count();
    let final_loss = model.loss_value(&x, &y, None, Mode::Eval)?;
    if args.json {
        let obj = serde_json::json!({
            "lr": args.lr, "epochs": args.epochs, "seed": args.seed,
            "final_loss": final_loss,
            "probabilities": proba.as_slice(),
            "predictions": classes,
            "correct": correct,
            "loss_every_100_epochs": losses,
        });
        println!("{obj}");
    } else {
        println!("\ninput     target  P(1)     predicted");
        for (i, row) in [[0, 0], [0, 1], [1, 0], [1, 1]].iter().enumerate() {
            println!(
                "{:?}   {}       {:.4}   {}",
                row,
                y.as_slice()[i],
                proba.as_slice()[i],
                classes[i]
            );
        }
        println!("\n{correct}/4 correct, final loss {final_loss:.6}");
    }
    Ok(())
}
