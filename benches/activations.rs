//! Forward + backward of every built-in activation through an `ActivationLayer`, on a
//! 128 × 256 batch (values uniform in [−4, 4), fixed seed), throughput in elements.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::Rng as _;
use trustnn::Tensor;
use trustnn::activation::by_name;
use trustnn::layer::{ActivationLayer, Layer, Mode};
use trustnn::rng::seeded;

const ROWS: usize = 128;
const COLS: usize = 256;

/// Every activation once: the names `by_name` accepts, aliases (whose activation reports
/// another name, e.g. `"swish"` → `"silu"`) left out.
fn activations() -> impl Iterator<Item = &'static str> {
    trustnn::activation::NAMES
        .iter()
        .copied()
        .filter(|&name| by_name(name).is_ok_and(|a| a.name() == name))
}

fn random_tensor(seed: u64, lo: f32, hi: f32) -> Tensor {
    let mut rng = seeded(seed);
    let data = (0..ROWS * COLS).map(|_| rng.random_range(lo..hi)).collect();
    Tensor::from_vec(data, &[ROWS, COLS]).expect("ROWS * COLS values")
}

fn forward_backward(c: &mut Criterion) {
    let x = random_tensor(42, -4.0, 4.0);
    let grad = random_tensor(43, -1.0, 1.0);
    let mut group = c.benchmark_group("activation_forward_backward_128x256");
    group.throughput(Throughput::Elements((ROWS * COLS) as u64));
    for name in activations() {
        let mut layer = ActivationLayer::from_box(by_name(name).expect("built-in name"));
        layer
            .build(&[COLS], &mut seeded(0))
            .expect("default parameters are valid");
        group.bench_with_input(BenchmarkId::from_parameter(name), &x, |b, x| {
            b.iter(|| {
                layer.forward(black_box(x), Mode::Train).expect("valid input");
                black_box(layer.backward(black_box(&grad)).expect("valid gradient"));
            })
        });
    }
    group.finish();
}

criterion_group!(benches, forward_backward);
criterion_main!(benches);
