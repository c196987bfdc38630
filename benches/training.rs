//! One training step of a 784-256-128-10 ReLU MLP at batch 128 (softmax cross-entropy from
//! logits), with each optimizer. Data is built outside the timed closure from a constant
//! seed; the model is warmed up by one step so that buffers and optimizer state exist.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::Rng as _;
use std::hint::black_box;
use trustnn::prelude::*;

fn mlp(optimizer: &str) -> Sequential {
    let mut model = Sequential::new()
        .seed(0)
        .add(Dense::new(784, 256))
        .add(ActivationLayer::new(Relu))
        .add(Dense::new(256, 128))
        .add(ActivationLayer::new(Relu))
        .add(Dense::new(128, 10));
    let opt = trustnn::optim::by_name(optimizer, 1e-3).expect("known optimizer");
    model
        .compile_boxed(Box::new(SparseCategoricalCrossEntropy), opt)
        .expect("valid model");
    model
}

fn bench_training_step(c: &mut Criterion) {
    let mut rng = trustnn::rng::seeded(42);
    let batch = 128;
    let x = Tensor::from_vec(
        (0..batch * 784).map(|_| rng.random::<f32>()).collect(),
        &[batch, 784],
    )
    .unwrap();
    let y = Tensor::from_vec(
        (0..batch).map(|_| rng.random_range(0..10) as f32).collect(),
        &[batch],
    )
    .unwrap();
    let mut group = c.benchmark_group("mlp_784_256_128_10_step_batch128");
    group.throughput(Throughput::Elements(batch as u64));
    for name in trustnn::optim::OPTIMIZER_NAMES {
        let mut model = mlp(name);
        model.train_step(&x, &y, None).unwrap();
        group.bench_with_input(BenchmarkId::from_parameter(name), &name, |b, _| {
            b.iter(|| black_box(model.train_step(&x, &y, None).unwrap()))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_training_step);
criterion_main!(benches);
