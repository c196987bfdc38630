//! Value and gradient of every built-in loss on a batch of 128 samples × 10 outputs, with a
//! reused gradient buffer (as in a training step).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rand::Rng as _;
use trustnn::Tensor;
use trustnn::loss::by_name;
use trustnn::rng::seeded;

const BATCH: usize = 128;
const OUTPUTS: usize = 10;

/// Predictions and targets of the right kind for `name`.
fn inputs(name: &str) -> (Tensor, Tensor) {
    let mut rng = seeded(0);
    let mut draw =
        |n: usize, lo: f32, hi: f32| -> Vec<f32> { (0..n).map(|_| rng.random_range(lo..hi)).collect() };
    let n = BATCH * OUTPUTS;
    let (pred, target) = match name {
        "binary_cross_entropy" => (
            draw(n, 0.01, 0.99),
            draw(n, 0.0, 1.0).into_iter().map(f32::round).collect(),
        ),
        "binary_cross_entropy_with_logits" | "mse" | "mae" | "huber" => {
            (draw(n, -3.0, 3.0), draw(n, 0.0, 1.0))
        }
        "hinge" => (
            draw(n, -2.0, 2.0),
            draw(n, 0.0, 1.0)
                .into_iter()
                .map(|v| if v < 0.5 { -1.0 } else { 1.0 })
                .collect(),
        ),
        "categorical_cross_entropy" | "kl_divergence" => {
            let mut p = draw(n, 0.1, 1.0);
            let mut y = draw(n, 0.1, 1.0);
            for row in p.chunks_exact_mut(OUTPUTS).chain(y.chunks_exact_mut(OUTPUTS)) {
                let s: f32 = row.iter().sum();
                row.iter_mut().for_each(|v| *v /= s);
            }
            (p, y)
        }
        "sparse_categorical_cross_entropy" => (
            draw(n, -3.0, 3.0),
            draw(BATCH, 0.0, OUTPUTS as f32)
                .into_iter()
                .map(f32::floor)
                .collect(),
        ),
        other => panic!("no inputs for {other}"),
    };
    let tshape: &[usize] = if target.len() == BATCH {
        &[BATCH]
    } else {
        &[BATCH, OUTPUTS]
    };
    (
        Tensor::from_vec(pred, &[BATCH, OUTPUTS]).unwrap(),
        Tensor::from_vec(target, tshape).unwrap(),
    )
}

fn bench_losses(c: &mut Criterion) {
    let names = [
        "mse",
        "mae",
        "huber",
        "binary_cross_entropy",
        "binary_cross_entropy_with_logits",
        "categorical_cross_entropy",
        "sparse_categorical_cross_entropy",
        "kl_divergence",
        "hinge",
    ];
    let mut group = c.benchmark_group("loss_value_and_grad_128x10");
    for name in names {
        let loss = by_name(name).unwrap();
        let (pred, target) = inputs(name);
        loss.value(&pred, &target, None).unwrap();
        let mut grad = Tensor::zeros(pred.shape());
        group.bench_function(name, |b| {
            b.iter(|| black_box(loss.compute_unchecked(black_box(&pred), &target, None, Some(&mut grad))))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_losses);
criterion_main!(benches);
