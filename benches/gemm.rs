//! Matrix products of the shapes a Dense layer computes while training the 784-256-128-10
//! MLP at batch 128 (forward `x·W`, weight gradient `xᵀ·G`, input gradient `G·Wᵀ`), plus
//! batch-1 and batch-1024 inference, through `trustnn::linalg` and, side by side, through
//! `ndarray`'s `general_mat_mul` (the `matrixmultiply` crate, which trustnn used before).
//!
//! Throughput is reported in elements = floating-point operations (`2·m·k·n`), so
//! criterion's "Gelem/s" reads as GFLOP/s. `docs/PERFORMANCE.md` takes its single-core GEMM
//! rate (the floor of an epoch) from the `fwd1` line.
//!
//! Run: `cargo bench --bench gemm -- --warm-up-time 0.5 --measurement-time 2`
//! (add `--features threads` and `TRUSTNN_NUM_THREADS=2` for two threads;
//! `TRUSTNN_GEMM_KERNEL=avx2` or `portable` forces a lesser micro-kernel).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2, ShapeBuilder};
use trustnn::linalg::{MatRef, matmul};

/// (label, m, k, n, A transposed, B transposed) — transposed operands are views of a
/// row-major array of the transposed shape, as in the layer.
const SHAPES: &[(&str, usize, usize, usize, bool, bool)] = &[
    ("fwd1_x.W_128x784x256", 128, 784, 256, false, false),
    ("dw1_xT.G_784x128x256", 784, 128, 256, true, false),
    ("fwd2_x.W_128x256x128", 128, 256, 128, false, false),
    ("dw2_xT.G_256x128x128", 256, 128, 128, true, false),
    ("dx2_G.WT_128x128x256", 128, 128, 256, false, true),
    ("fwd3_x.W_128x128x10", 128, 128, 10, false, false),
    ("infer_b1_1x784x256", 1, 784, 256, false, false),
    ("infer_b1024_1024x784x256", 1024, 784, 256, false, false),
];

fn values(len: usize, seed: usize) -> Vec<f32> {
    (0..len)
        .map(|i| (((i * 7919 + seed * 104_729) % 2003) as f32 / 1001.0) - 1.0)
        .collect()
}

fn gemm_shapes(c: &mut Criterion) {
    let mut group = c.benchmark_group("gemm");
    for &(label, m, k, n, ta, tb) in SHAPES {
        let ad = values(m * k, 1);
        let bd = values(k * n, 2);
        let mut out = vec![0.0f32; m * n];
        group.throughput(Throughput::Elements((2 * m * k * n) as u64));
        let a = if ta {
            MatRef::new(&ad, k, m).unwrap().t()
        } else {
            MatRef::new(&ad, m, k).unwrap()
        };
        let b = if tb {
            MatRef::new(&bd, n, k).unwrap().t()
        } else {
            MatRef::new(&bd, k, n).unwrap()
        };
        group.bench_function(BenchmarkId::new("trustnn", label), |bench| {
            bench.iter(|| matmul(black_box(a), black_box(b), 0.0, &mut out).unwrap())
        });
        let av = if ta {
            ArrayView2::from_shape((m, k).strides((1, m)), &ad).unwrap()
        } else {
            ArrayView2::from_shape((m, k), &ad).unwrap()
        };
        let bv = if tb {
            ArrayView2::from_shape((k, n).strides((1, k)), &bd).unwrap()
        } else {
            ArrayView2::from_shape((k, n), &bd).unwrap()
        };
        let mut cv = Array2::<f32>::zeros((m, n));
        group.bench_function(BenchmarkId::new("matrixmultiply", label), |bench| {
            bench.iter(|| general_mat_mul(1.0, black_box(&av), black_box(&bv), 0.0, &mut cv))
        });
    }
    group.finish();
}

criterion_group!(benches, gemm_shapes);
criterion_main!(benches);
