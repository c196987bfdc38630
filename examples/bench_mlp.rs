//! Speed of trustnn on the workloads of `docs/PERFORMANCE.md`, with the numbers printed.
//!
//! Modes:
//! - `train` (default): an MLP 784-256-128-10 (ReLU, softmax cross-entropy, Adam lr 1e-3,
//!   batch 128) trained on synthetic MNIST-shaped data (60 000 × 784, labels from a random
//!   linear teacher so accuracy means something); prints seconds per epoch, samples per
//!   second and the final training accuracy.
//! - `xor`: one full training step (forward, loss, backward, SGD update) of a 2-8-1 tanh
//!   network on the 4 XOR points, timed over many steps.
//! - `infer`: forward passes of the trained-shape MLP at batch 1024 and at batch 1.
//! - `gemm`: the single-precision matrix-product rate (GFLOP/s) of `trustnn::linalg` on the
//!   first layer's forward shape 128 × 784 × 256 (the GEMM floor of `docs/PERFORMANCE.md`).
//!
//! Every JSON object carries `"peer": "trustnn"` and `"workload"` (the mode), as the records
//! of `benches/peers/peers.py` do, so that `benches/peers/run.sh` can tabulate them together.
//!
//! ```text
//! cargo run --release --example bench_mlp -- --epochs 2
//! cargo run --release --features threads --example bench_mlp -- --threads 2 --json
//! cargo run --release --example bench_mlp -- --mode xor
//! ```

use std::time::Instant;

use clap::{Parser, ValueEnum};
use rand::Rng as _;
use trustnn::prelude::*;

#[derive(Clone, Copy, Debug, ValueEnum)]
enum BenchMode {
    Train,
    Xor,
    Infer,
    Gemm,
}

/// Time trustnn on the MLP, XOR and inference workloads.
#[derive(Parser, Debug)]

struct Args {
    /// Which workload to time.
    #[arg(long, value_enum, default_value_t = BenchMode::Train)]
    mode: BenchMode,
    /// Threads for matrix products (needs `--features threads`; `trustnn::linalg::set_num_threads`).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Epochs to time (train mode).
    #[arg(long, default_value_t = 2)]
    epochs: usize,
    /// Batch size (train mode).
    #[arg(long, default_value_t = 128)]
    batch_size: usize,
    /// Hidden layer sizes, comma-separated.
    #[arg(long, default_value = "256,128", value_delimiter = ',')]
    hidden: Vec<usize>,
    /// Optimizer name (sgd, sgd_momentum, nesterov, adagrad, rmsprop, adam, adamw, nadam, radam, adadelta).
    #[arg(long, default_value = "adam")]
    optimizer: String,
    /// Learning rate.
    #[arg(long, default_value_t = 1e-3)]
    lr: f32,
    /// Number of synthetic samples.
    #[arg(long, default_value_t = 60_000)]
    samples: usize,
    /// Seed of data and model.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Steps to time (xor mode) or forward passes (infer mode).
    #[arg(long, default_value_t = 20_000)]
    iterations: usize,
    /// Print the figures as one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Flush the Adam family's subnormal moment estimates to zero
    /// (`trustnn::optim::set_flush_subnormals`), as `torch.set_flush_denormal(True)`.
    #[arg(long)]
    flush_subnormals: bool,
    /// How long, in microseconds, a helper thread waits awake for the next matrix product
    /// before sleeping (`trustnn::linalg::set_helper_spin`; default 5000).
    #[arg(long)]
    helper_spin_us: Option<u64>,
}

const FEATURES: usize = 784;
const CLASSES: usize = 10;

fn mlp(hidden: &[usize], seed: u64) -> Sequential {
    let mut model = Sequential::new().seed(seed);
    let mut width = FEATURES;
    for &h in hidden {
        model = model
            .add(Dense::new(width, h).weight_init(Initializer::HeUniform))
            .add(ActivationLayer::new(Relu));
        width = h;
    }
    model.add(Dense::new(width, CLASSES))
}

/// Uniform features in [0, 1) and labels `argmax(x · T)` for a random teacher `T`.
fn synthetic(samples: usize, seed: u64) -> Result<(Tensor, Tensor)> {
    let mut rng = trustnn::rng::seeded(seed);
    let x: Vec<f32> = (0..samples * FEATURES).map(|_| rng.random::<f32>()).collect();
    let teacher: Vec<f32> = (0..FEATURES * CLASSES)
        .map(|_| rng.random_range(-1.0f32..1.0))
        .collect();
    let y: Vec<f32> = x
        .chunks_exact(FEATURES)
        .map(|row| {
            let scores: Vec<f32> = (0..CLASSES)
                .map(|c| {
                    row.iter()
                        .enumerate()
                        .map(|(i, v)| v * teacher[i * CLASSES + c])
                        .sum()
                })
                .collect();
            scores
                .iter()
                .enumerate()
                .fold(0, |b, (i, &s)| if s > scores[b] { i } else { b }) as f32
        })
        .collect();
    Ok((
        Tensor::from_vec(x, &[samples, FEATURES])?,
        Tensor::from_vec(y, &[samples])?,
    ))
}

fn train(args: &Args) -> Result<serde_json::Value> {
    let (x, y) = synthetic(args.samples, args.seed)?;
    let mut model = mlp(&args.hidden, args.seed);
    model.compile_boxed(
        Box::new(SparseCategoricalCrossEntropy),
        trustnn::optim::by_name(&args.optimizer, args.lr)?,
    )?;
    let mut epoch_seconds = Vec::new();
    let mut acc = f32::NAN;
    for epoch in 0..args.epochs {
        let cfg = FitConfig::new()
            .epochs(epoch + 1)
            .initial_epoch(epoch)
            .batch_size(args.batch_size)
            .metrics(&[Metric::Accuracy])
            .verbose(false);
        let start = Instant::now();
        let h = model.fit(&x, &y, &cfg)?;
        epoch_seconds.push(start.elapsed().as_secs_f64());
        acc = h.last("accuracy").unwrap_or(f32::NAN);
        if !args.json {
            println!(
                "epoch {}: {:.3} s, training accuracy {:.4}",
                epoch + 1,
                epoch_seconds[epoch],
                acc
            );
        }
    }
    let mut sorted = epoch_seconds.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    Ok(serde_json::json!({
        "peer": "trustnn", "workload": "train", "mode": "train", "threads": args.threads, "samples": args.samples, "batch_size": args.batch_size,
        "hidden": args.hidden, "optimizer": args.optimizer, "epochs": args.epochs,
        "seconds_per_epoch": epoch_seconds, "median_seconds_per_epoch": median,
        "samples_per_second": args.samples as f64 / median, "final_train_accuracy": acc,
        "peak_rss_mib": peak_rss_mib(),
    }))
}

fn xor(args: &Args) -> Result<serde_json::Value> {
    let x = Tensor::from_rows(&[[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])?;
    let y = Tensor::from_vec(vec![0.0, 1.0, 1.0, 0.0], &[4, 1])?;
    let mut model = Sequential::new()
        .seed(args.seed)
        .add(Dense::new(2, 8))
        .add(ActivationLayer::new(Tanh))
        .add(Dense::new(8, 1));
    model.compile(BinaryCrossEntropyWithLogits, Sgd::new(0.5))?;
    for _ in 0..100 {
        model.train_step(&x, &y, None)?;
    }
    let start = Instant::now();
    let mut loss = 0.0;
    for _ in 0..args.iterations {
        loss = model.train_step(&x, &y, None)?;
    }
    let us = start.elapsed().as_secs_f64() * 1e6 / args.iterations as f64;
    Ok(
        serde_json::json!({"peer": "trustnn", "workload": "xor", "threads": 1, "mode": "xor", "microseconds_per_step": us, "steps": args.iterations, "final_loss": loss}),
    )
}

fn infer(args: &Args) -> Result<serde_json::Value> {
    let mut model = mlp(&args.hidden, args.seed);
    model.build()?;
    let (x, _) = synthetic(1024, args.seed)?;
    let one = x.select_rows(&[0])?;
    for _ in 0..5 {
        model.infer(&x)?;
    }
    let reps = (args.iterations / 100).max(10);
    let start = Instant::now();
    for _ in 0..reps {
        model.infer(&x)?;
    }
    let batch_s = start.elapsed().as_secs_f64() / reps as f64;
    let start = Instant::now();
    for _ in 0..args.iterations {
        model.infer(&one)?;
    }
    let one_us = start.elapsed().as_secs_f64() * 1e6 / args.iterations as f64;
    Ok(serde_json::json!({
        "peer": "trustnn", "workload": "infer", "threads": args.threads, "mode": "infer", "batch1024_seconds": batch_s, "batch1024_samples_per_second": 1024.0 / batch_s,
        "batch1_microseconds": one_us,
    }))
}

fn gemm(args: &Args) -> Result<serde_json::Value> {
    use trustnn::linalg::{MatRef, matmul};
    let (m, k, n) = (128, 784, 256);
    let mut rng = trustnn::rng::seeded(args.seed);
    let a: Vec<f32> = (0..m * k).map(|_| rng.random::<f32>()).collect();
    let b: Vec<f32> = (0..k * n).map(|_| rng.random::<f32>()).collect();
    let mut c = vec![0.0f32; m * n];
    let (av, bv) = (MatRef::new(&a, m, k)?, MatRef::new(&b, k, n)?);
    for _ in 0..20 {
        matmul(av, bv, 0.0, &mut c)?;
    }
    let reps = (args.iterations / 50).max(20);
    let start = Instant::now();
    for _ in 0..reps {
        matmul(av, bv, 0.0, &mut c)?;
    }
    let s = start.elapsed().as_secs_f64() / reps as f64;
    Ok(serde_json::json!({
        "peer": "trustnn", "workload": "gemm", "mode": "gemm", "threads": args.threads,
        "shape": [m, k, n], "gflops": 2.0 * (m * k * n) as f64 / s / 1e9,
        "kernel": trustnn::linalg::kernel_name(),
    }))
}

/// Peak resident set size of this process in MiB (Linux; `null` elsewhere).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() -> Result<()> {
    let args = Args::parse();
    trustnn::linalg::set_num_threads(args.threads);
    trustnn::optim::set_flush_subnormals(args.flush_subnormals);
    if let Some(us) = args.helper_spin_us {
        trustnn::linalg::set_helper_spin(std::time::Duration::from_micros(us));
    }
    let out = match args.mode {
        BenchMode::Train => train(&args)?,
        BenchMode::Xor => xor(&args)?,
        BenchMode::Infer => infer(&args)?,
        BenchMode::Gemm => gemm(&args)?,
    };
    if args.json {
        println!("{out}");
    } else {
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    }
    Ok(())
}
