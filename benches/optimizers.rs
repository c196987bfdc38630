//! One `update` of each optimizer on a 1M-parameter vector, with state warmed up by one
//! update first (so buffers exist and nothing is allocated while timing).
//!
//! Throughput is reported in bytes of memory touched per update: the parameter (read and
//! written), the gradient (read) and every state buffer (read and written), 4 bytes per
//! value. The updates are memory-bound, so GB/s compares directly with the machine's
//! memory bandwidth.
//!
//! Run: `cargo bench --bench optimizers -- --warm-up-time 0.5 --measurement-time 1`

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::Rng as _;
use trustnn::optim::{Adam, Optimizer, RmsProp, by_name};

const N: usize = 1 << 20;

/// (label, optimizer, number of state buffers).
fn cases() -> Vec<(&'static str, Box<dyn Optimizer>, u64)> {
    let named = |name: &str| by_name(name, 1e-3).expect("known optimizer");
    vec![
        ("sgd", named("sgd"), 0),
        ("sgd_momentum", named("sgd_momentum"), 1),
        ("nesterov", named("nesterov"), 1),
        ("adagrad", named("adagrad"), 1),
        ("rmsprop", named("rmsprop"), 1),
        (
            "rmsprop_centered_momentum",
            Box::new(RmsProp::new(1e-3).centered(true).momentum(0.9)),
            3,
        ),
        ("adam", named("adam"), 2),
        ("adam_amsgrad", Box::new(Adam::new(1e-3).amsgrad(true)), 3),
        ("adamw", named("adamw"), 2),
        ("nadam", named("nadam"), 2),
        ("radam", named("radam"), 2),
        ("adadelta", named("adadelta"), 2),
    ]
}

fn bench_updates(c: &mut Criterion) {
    let mut rng = trustnn::rng::seeded(42);
    let init: Vec<f32> = (0..N).map(|_| rng.random_range(-1.0..1.0)).collect();
    let grad: Vec<f32> = (0..N).map(|_| rng.random_range(-1.0..1.0)).collect();
    let mut group = c.benchmark_group("optimizer_update_1M");
    for (label, mut opt, buffers) in cases() {
        let mut param = init.clone();
        opt.update("w", &mut param, &grad);
        // param read + write, grad read, each buffer read + write.
        let bytes = (3 + 2 * buffers) * N as u64 * 4;
        group.throughput(Throughput::Bytes(bytes));
        group.bench_function(BenchmarkId::from_parameter(label), |b| {
            b.iter(|| opt.update("w", black_box(&mut param), black_box(&grad)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_updates);
criterion_main!(benches);
