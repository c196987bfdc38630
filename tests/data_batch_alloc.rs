//! Gathering batches into a warm `BatchBuf` allocates nothing: a counting global allocator
//! wraps the system one (`support/alloc_probe.rs`; it counts this thread's allocations).

use trustnn::Tensor;
use trustnn::data::{BatchBuf, Dataset};

#[path = "support/alloc_probe.rs"]
mod alloc_probe;
use alloc_probe::count_allocations;

#[test]
fn warm_shuffled_epochs_gather_batches_without_allocating() {
    let n = 103;
    let x = Tensor::from_vec((0..n * 6).map(|v| v as f32).collect(), &[n, 2, 3]).unwrap();
    let y = Tensor::from_vec((0..n).map(|v| (v % 3) as f32).collect(), &[n]).unwrap();
    let ds = Dataset::new(x, y).unwrap().with_weights(vec![1.0; n]).unwrap();
    let mut batches = ds.batches(16).unwrap().shuffle(3);
    let mut buf = BatchBuf::new();
    while batches.next_into(&mut buf) {} // warm-up epoch: the buffer grows to 16 samples

    let mut seen = 0;
    let allocations = count_allocations(|| {
        for _ in 0..3 {
            while batches.next_into(&mut buf) {
                seen += buf.len();
            }
        }
    });
    assert_eq!(seen, 3 * n);
    assert_eq!(allocations, 0);
}
