//! The metrics an epoch computes, on 100 000 samples: F1 (macro) of 10-class labels, binary
//! ROC AUC (a sort), one-vs-rest ROC AUC and log loss of `[n, 10]` probabilities, and R².

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ndarray::Array2;
use rand::Rng as _;
use trustnn::metrics::{self, Average};
use trustnn::rng::seeded;

const N: usize = 100_000;
const K: usize = 10;

fn bench_metrics(c: &mut Criterion) {
    let mut rng = seeded(0);
    let y_true: Vec<usize> = (0..N).map(|_| rng.random_range(0..K)).collect();
    // Right 70% of the time.
    let y_pred: Vec<usize> = y_true
        .iter()
        .map(|&y| {
            if rng.random::<f32>() < 0.7 {
                y
            } else {
                rng.random_range(0..K)
            }
        })
        .collect();
    let binary: Vec<usize> = y_true.iter().map(|&y| usize::from(y < K / 2)).collect();
    let scores: Vec<f32> = binary
        .iter()
        .map(|&b| b as f32 * 0.5 + rng.random::<f32>())
        .collect();
    let mut proba = Array2::from_shape_fn((N, K), |_| rng.random::<f32>() + 0.01);
    for mut row in proba.rows_mut() {
        let s = row.sum();
        row.mapv_inplace(|v| v / s);
    }
    let targets: Vec<f32> = (0..N).map(|_| rng.random::<f32>()).collect();
    let preds: Vec<f32> = targets.iter().map(|&t| t + 0.1 * rng.random::<f32>()).collect();

    let mut g = c.benchmark_group("metrics_100k");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("f1_macro", |b| {
        b.iter(|| metrics::f1(black_box(&y_true), black_box(&y_pred), Average::Macro).unwrap())
    });
    g.bench_function("roc_auc_binary", |b| {
        b.iter(|| metrics::roc_auc_binary(black_box(&binary), black_box(&scores)).unwrap())
    });
    g.bench_function("roc_auc_ovr_macro_10", |b| {
        b.iter(|| metrics::roc_auc_ovr_macro(black_box(&y_true), black_box(&proba)).unwrap())
    });
    g.bench_function("log_loss_10", |b| {
        b.iter(|| metrics::log_loss(black_box(&y_true), black_box(&proba)).unwrap())
    });
    g.bench_function("r2", |b| {
        b.iter(|| metrics::r2_score(black_box(&targets), black_box(&preds)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench_metrics);
criterion_main!(benches);
