//! Layer throughput: Dense forward + full backward (returning `dL/dx`) at batch 128 for the
//! layer shapes of a 784→256→128→10 MLP, and BatchNorm forward + backward on 128×256.
//!
//! Inputs are built outside the timed loop from constant seeds. A Dense step performs three
//! matrix products (`x·W`, `xᵀ·G`, `G·Wᵀ`) of `2·N·in·out` flops each; its throughput is
//! reported as elements = flops, so criterion's "Gelem/s" reads as GFLOP/s.
//!
//! Run: `cargo bench --bench layers` (add `--features threads` for threaded matrix products).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::Rng as _;
use trustnn::layer::{BatchNorm, Dense, Layer, Mode};
use trustnn::{Tensor, rng};

const BATCH: usize = 128;

fn uniform(shape: &[usize], seed: u64) -> Tensor {
    let mut r = rng::seeded(seed);
    let n = shape.iter().product();
    let data = (0..n).map(|_| r.random_range(-1.0f32..1.0)).collect();
    Tensor::from_vec(data, shape).expect("shape matches the data")
}

fn dense_forward_backward(c: &mut Criterion) {
    let mut group = c.benchmark_group("dense_forward_backward");
    for (i, o) in [(784usize, 256usize), (256, 128), (128, 10)] {
        let mut layer = Dense::new(i, o);
        layer.build(&[i], &mut rng::seeded(0)).expect("valid shape");
        let x = uniform(&[BATCH, i], 1);
        let g = uniform(&[BATCH, o], 2);
        group.throughput(Throughput::Elements((3 * 2 * BATCH * i * o) as u64));
        group.bench_with_input(
            BenchmarkId::new("batch128", format!("{i}x{o}")),
            &(x, g),
            |b, (x, g)| {
                b.iter(|| {
                    layer.forward(black_box(x), Mode::Train).expect("forward");
                    black_box(layer.backward(black_box(g)).expect("backward"));
                })
            },
        );
    }
    group.finish();
}

fn batch_norm_forward_backward(c: &mut Criterion) {
    let mut group = c.benchmark_group("batch_norm_forward_backward");
    let f = 256;
    let mut layer = BatchNorm::new(f);
    layer.build(&[f], &mut rng::seeded(0)).expect("valid shape");
    let x = uniform(&[BATCH, f], 3);
    let g = uniform(&[BATCH, f], 4);
    group.throughput(Throughput::Elements((BATCH * f) as u64));
    group.bench_with_input(
        BenchmarkId::new("train", format!("{BATCH}x{f}")),
        &(x, g),
        |b, (x, g)| {
            b.iter(|| {
                layer.forward(black_box(x), Mode::Train).expect("forward");
                black_box(layer.backward(black_box(g)).expect("backward"));
            })
        },
    );
    group.finish();
}

criterion_group!(benches, dense_forward_backward, batch_norm_forward_backward);
criterion_main!(benches);
