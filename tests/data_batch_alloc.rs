//! Gathering batches into a warm `BatchBuf` allocates nothing: a counting global allocator
//! wraps the system one (this file is its own test binary, so it sees only this test's work).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use trustnn::Tensor;
use trustnn::data::{BatchBuf, Dataset};

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn warm_shuffled_epochs_gather_batches_without_allocating() {
    let n = 103;
    let x = Tensor::from_vec((0..n * 6).map(|v| v as f32).collect(), &[n, 2, 3]).unwrap();
    let y = Tensor::from_vec((0..n).map(|v| (v % 3) as f32).collect(), &[n]).unwrap();
    let ds = Dataset::new(x, y).unwrap().with_weights(vec![1.0; n]).unwrap();
    let mut batches = ds.batches(16).unwrap().shuffle(3);
    let mut buf = BatchBuf::new();
    while batches.next_into(&mut buf) {} // warm-up epoch: the buffer grows to 16 samples

    ALLOCATIONS.store(0, Ordering::SeqCst);
    COUNTING.store(true, Ordering::SeqCst);
    let mut seen = 0;
    for _ in 0..3 {
        while batches.next_into(&mut buf) {
            seen += buf.len();
        }
    }
    COUNTING.store(false, Ordering::SeqCst);
    assert_eq!(seen, 3 * n);
    assert_eq!(ALLOCATIONS.load(Ordering::SeqCst), 0);
}
