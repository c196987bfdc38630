//! A warm training step allocates nothing of its own: a counting global allocator wraps the
//! system one and the test counts the allocations made by its own thread around a few steps
//! of an MLP. (Only this thread's: the test harness's main thread may still be allocating
//! after it spawned the test thread, which on a loaded machine falls inside the window. The
//! products here are below `linalg::PARALLEL_MIN_FLOPS`, so they run on this thread even
//! with the `threads` feature.)
//!
//! Matrix products (`trustnn::linalg`) pack into a thread-local workspace that is grown on
//! the first steps and reused afterwards, so the expectation is exactly zero: any allocation
//! on the training path, including one per matrix product, fails the test.

use trustnn::prelude::*;

#[path = "support/alloc_probe.rs"]
mod alloc_probe;
use alloc_probe::count_allocations;

#[test]
fn warm_training_steps_do_not_allocate() {
    let names = [
        "sgd_momentum",
        "adam",
        "rmsprop",
        "nadam",
        "radam",
        "adagrad",
        "adadelta",
        "adamw",
    ];
    let batch = 32;
    let x = Tensor::from_vec(
        (0..batch * 20).map(|i| ((i * 7919) % 97) as f32 / 97.0).collect(),
        &[batch, 20],
    )
    .unwrap();
    let y = Tensor::from_vec((0..batch).map(|i| (i % 4) as f32).collect(), &[batch]).unwrap();
    for name in names {
        let mut model = Sequential::new()
            .seed(1)
            .add(Dense::new(20, 16).regularizer(L2(1e-4)))
            .add(BatchNorm::new(16))
            .add(ActivationLayer::new(Relu))
            .add(Dropout::new(0.2))
            .add(Dense::new(16, 4));
        model
            .compile_boxed(
                Box::new(SparseCategoricalCrossEntropy),
                trustnn::optim::by_name(name, 1e-3).unwrap(),
            )
            .unwrap();
        // Warm up: buffers and optimizer state are created on the first steps.
        for _ in 0..3 {
            model.train_step(&x, &y, None).unwrap();
        }
        let n = count_allocations(|| {
            for _ in 0..5 {
                model.train_step(&x, &y, None).unwrap();
            }
        });
        assert_eq!(n, 0, "{name}: {n} allocations in 5 warm training steps");
    }
}
