//! With the `threads` feature, training gives bit-identical parameters at 1 and 2 threads,
//! for every optimizer rule: the matrix products split C into disjoint blocks whose `k`
//! blocking does not depend on the split, and the optimizers' element-wise updates
//! (`linalg::zip_blocks`, for parameters of at least 32 768 values) are split into disjoint
//! ranges. The helpers' two waiting modes (awake, then asleep) are both exercised, and
//! `linalg::helper_blocks` shows that the work was split at all.
//!
//! Run by CI as `cargo test --features threads --test threads`; without the feature there is
//! nothing to compare, so the file is empty.
#![cfg(feature = "threads")]

use std::time::Duration;

use trustnn::linalg::{DEFAULT_HELPER_SPIN, helper_blocks, set_helper_spin, set_num_threads};
use trustnn::prelude::*;

/// Builds a fresh optimizer for each run.
type MakeOptimizer = fn() -> Box<dyn Optimizer>;

/// 256 samples of 300 features, 4 classes.
fn data() -> (Tensor, Tensor) {
    let n = 256;
    let x = Tensor::from_vec(
        (0..n * 300)
            .map(|i| ((i * 7919) % 1009) as f32 / 1009.0 - 0.5)
            .collect(),
        &[n, 300],
    )
    .unwrap();
    let y = Tensor::from_vec((0..n).map(|i| ((i * 31) % 4) as f32).collect(), &[n]).unwrap();
    (x, y)
}

/// The parameters after two epochs of a 300-128-4 MLP: the first weight has 38 400 values
/// (split by the optimizers) and its products at batch 64 are 4.9 MFLOP (split too).
fn train(optimizer: Box<dyn Optimizer>, threads: usize, spin: Duration) -> Vec<(String, Vec<u32>)> {
    set_num_threads(threads);
    set_helper_spin(spin);
    let (x, y) = data();
    let mut model = Sequential::new()
        .seed(7)
        .add(Dense::new(300, 128))
        .add(ActivationLayer::new(Relu))
        .add(Dense::new(128, 4));
    model
        .compile_boxed(Box::new(SparseCategoricalCrossEntropy), optimizer)
        .unwrap();
    let config = FitConfig::new().epochs(2).batch_size(64).verbose(false);
    model.fit(&x, &y, &config).unwrap();
    set_num_threads(0);
    set_helper_spin(DEFAULT_HELPER_SPIN);
    model
        .state_dict()
        .into_iter()
        .map(|(name, t)| (name, t.as_slice().iter().map(|v| v.to_bits()).collect()))
        .collect()
}

// One test function: the thread count is process-wide, so the runs must not interleave with
// another test's.
#[test]
fn one_and_two_threads_train_bit_identical_parameters() {
    let optimizers: Vec<(&str, MakeOptimizer)> = vec![
        ("sgd", || Box::new(Sgd::new(0.05))),
        ("sgd momentum", || {
            Box::new(Sgd::new(0.05).momentum(0.9).weight_decay(1e-3))
        }),
        ("nesterov", || Box::new(Sgd::new(0.05).nesterov(0.9))),
        ("adagrad", || Box::new(Adagrad::new(0.01))),
        ("rmsprop", || Box::new(RmsProp::new(1e-3))),
        ("rmsprop momentum", || Box::new(RmsProp::new(1e-3).momentum(0.9))),
        ("rmsprop centered", || Box::new(RmsProp::new(1e-3).centered(true))),
        ("rmsprop centered momentum", || {
            Box::new(RmsProp::new(1e-3).centered(true).momentum(0.9))
        }),
        ("adam", || Box::new(Adam::new(1e-3))),
        ("amsgrad", || Box::new(Adam::new(1e-3).amsgrad(true))),
        ("adamw", || Box::new(AdamW::new(1e-3))),
        ("nadam", || Box::new(NAdam::new(1e-3))),
        ("radam", || Box::new(RAdam::new(1e-3))),
        ("adadelta", || Box::new(Adadelta::new(1.0))),
    ];
    for (name, make) in optimizers {
        let before = helper_blocks();
        let one = train(make(), 1, DEFAULT_HELPER_SPIN);
        assert_eq!(helper_blocks(), before, "{name}: helpers ran blocks at 1 thread");
        let awake = train(make(), 2, DEFAULT_HELPER_SPIN);
        let asleep = train(make(), 2, Duration::ZERO);
        // Work was split: each of the 2 runs × 8 steps has two products of 4.9 MFLOP (x·W
        // and xᵀ·G of the first layer) and an update of its 38 400 weights, each with one
        // block on the helper.
        let split = helper_blocks() - before;
        assert_eq!(split, 2 * 8 * 3, "{name}: blocks run on helpers at 2 threads");
        let initial = {
            let mut m = Sequential::new()
                .seed(7)
                .add(Dense::new(300, 128))
                .add(ActivationLayer::new(Relu))
                .add(Dense::new(128, 4));
            m.compile_boxed(Box::new(SparseCategoricalCrossEntropy), make())
                .unwrap();
            m.state_dict()
        };
        // The comparison means something only if training moved the weights.
        let w0: Vec<u32> = initial["dense.weight"]
            .as_slice()
            .iter()
            .map(|v| v.to_bits())
            .collect();
        let trained = &one
            .iter()
            .find(|(n, _)| n == "dense.weight")
            .expect("first weight")
            .1;
        assert_ne!(&w0, trained, "{name}: training did not change the first weight");
        for (mode, other) in [("helpers awake", &awake), ("helpers asleep", &asleep)] {
            if let Some(diff) = difference(&one, other) {
                panic!("{name}: 2 threads ({mode}) differ from 1 thread: {diff}");
            }
        }
    }
}

/// Where two sets of parameters differ: the first tensor and how many of its values.
fn difference(a: &[(String, Vec<u32>)], b: &[(String, Vec<u32>)]) -> Option<String> {
    if a.len() != b.len() {
        return Some(format!("{} against {} tensors", a.len(), b.len()));
    }
    a.iter().zip(b).find_map(|((na, va), (nb, vb))| {
        let differing = va.iter().zip(vb).filter(|(x, y)| x != y).count();
        (na != nb || va.len() != vb.len() || differing > 0)
            .then(|| format!("{na}: {differing} of {} values", va.len()))
    })
}
