//! A DP-SGD epoch against a normal epoch of the same model on the same data, measured side
//! by side (issue 8's target: a private epoch costs at most 2× a normal one). Two shapes:
//! an MNIST-like MLP 784-256-128-10 on 4096 samples and an Adult-like MLP 97-32-2 on 8192
//! samples, expected batch 256 in both (normal: batch 256, shuffled; private: Poisson
//! sampling at q = 256/N, per-example clipping, Gaussian noise, RDP accounting).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use rand::Rng as _;
use std::hint::black_box;
use trustnn::prelude::*;
use trustnn::progress::ProgressMode;
use trustnn::privacy::{DpSgd, DpSgdConfig};

fn data(n: usize, d: usize, classes: usize) -> (Tensor, Tensor) {
    let mut rng = trustnn::rng::seeded(42);
    let x = Tensor::from_vec((0..n * d).map(|_| rng.random::<f32>()).collect(), &[n, d]).unwrap();
    let y = Tensor::from_vec(
        (0..n).map(|_| rng.random_range(0..classes) as f32).collect(),
        &[n],
    )
    .unwrap();
    (x, y)
}

fn mlp(sizes: &[usize]) -> Sequential {
    let mut m = Sequential::new().seed(0);
    for (i, w) in sizes.windows(2).enumerate() {
        if i > 0 {
            m = m.add(ActivationLayer::new(Relu));
        }
        m = m.add(Dense::new(w[0], w[1]));
    }
    m.compile(SparseCategoricalCrossEntropy, Sgd::new(0.01)).unwrap();
    m
}

fn bench_epochs(c: &mut Criterion) {
    let batch = 256;
    for (label, sizes, n) in [
        ("mnist_like_784_256_128_10_n4096", vec![784, 256, 128, 10], 4096),
        ("adult_like_97_32_2_n8192", vec![97, 32, 2], 8192),
    ] {
        let (x, y) = data(n, sizes[0], *sizes.last().unwrap());
        let mut group = c.benchmark_group(format!("epoch_{label}"));
        group.sample_size(10);
        let config = FitConfig::new()
            .epochs(1)
            .batch_size(batch)
            .progress(ProgressMode::Silent);
        let mut normal = mlp(&sizes);
        normal.fit(&x, &y, &config).unwrap();
        group.bench_function(BenchmarkId::from_parameter("normal"), |b| {
            b.iter(|| black_box(normal.fit(&x, &y, &config).unwrap()))
        });
        let mut private = mlp(&sizes);
        let q = batch as f64 / n as f64;
        let mut dp = DpSgd::new(DpSgdConfig::new(1.0, 1.0, q)).unwrap();
        dp.fit(&mut private, &x, &y, &config).unwrap();
        group.bench_function(BenchmarkId::from_parameter("dp_sgd"), |b| {
            b.iter(|| black_box(dp.fit(&mut private, &x, &y, &config).unwrap()))
        });
        group.finish();
    }
}

criterion_group!(benches, bench_epochs);
criterion_main!(benches);
