//! A global allocator for the allocation tests: it wraps the system allocator and, on the
//! thread that asked (the test harness's own threads keep allocating while a test runs),
//! counts allocations and records the largest one. Each test file that includes it with
//! `#[path = "support/alloc_probe.rs"] mod alloc_probe;` is its own test binary with this
//! allocator.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Probe;

thread_local! {
    static ON: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

/// Notes one allocation of `size` bytes if this thread is being watched (`try_with`: the
/// allocator also runs while thread-locals are torn down).
fn note(size: usize) {
    if ON.try_with(Cell::get).unwrap_or(false) {
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        let _ = LARGEST.try_with(|l| l.set(l.get().max(size)));
    }
}

unsafe impl GlobalAlloc for Probe {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Probe = Probe;

/// Runs `f` on this thread and returns its result, the number of allocations (and
/// reallocations) it made, and the largest one in bytes.
pub fn watch<T>(f: impl FnOnce() -> T) -> (T, usize, usize) {
    COUNT.with(|c| c.set(0));
    LARGEST.with(|l| l.set(0));
    ON.with(|o| o.set(true));
    let out = f();
    ON.with(|o| o.set(false));
    (out, COUNT.with(Cell::get), LARGEST.with(Cell::get))
}

/// Allocations made by this thread while `f` runs.
pub fn count_allocations(f: impl FnOnce()) -> usize {
    watch(f).1
}

/// Runs `f` and returns its result with the largest single allocation it made.
pub fn largest_allocation<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let (out, _, largest) = watch(f);
    (out, largest)
}
