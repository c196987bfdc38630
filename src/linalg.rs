//! Single-precision matrix products for the layers: `C ← β·C + A·B`, written for the shapes
//! of neural-network training (a batch of tens to thousands of rows times weight matrices of
//! a few hundred to a few thousand columns), with no heap allocation once warm.
//!
//! This is the classic cache-blocked GEMM of Goto & van de Geijn ("Anatomy of
//! High-Performance Matrix Multiplication", ACM TOMS 34(3), 2008) in the loop order of BLIS
//! (Van Zee & van de Geijn, "BLIS: A Framework for Rapidly Instantiating BLAS
//! Functionality", ACM TOMS 41(3), 2015): `B` is packed into `KC × NR` panels that stay in
//! L1 and a register-blocked micro-kernel computes each `MR × NR` tile of `C`. Packing
//! uses 8 × 8 AVX transposes where a transposed read is needed (`Wᵀ` in the input
//! gradient). The micro-kernel is chosen once at run time:
//!
//! | CPU | kernel | tile `MR × NR` | A |
//! |---|---|---|---|
//! | x86-64 with AVX-512F | `avx512` | 6 × 64 (24 `zmm` accumulators) | read in place |
//! | x86-64 with AVX2 and FMA | `avx2` | 6 × 16 (12 `ymm` accumulators) | packed |
//! | anything else | `portable` (auto-vectorized Rust) | 4 × 8 | packed |
//!
//! Every view here has a unit stride (a row-major matrix or its transpose), so the AVX-512
//! kernel reads a tile's rows of A where they are: one pointer per row for row-major A,
//! one pointer advancing by the row length for transposed A (`xᵀ` in the weight gradient).
//! Both address modes cost no extra instructions in the inner loop.
//!
//! What differs from a general BLAS, and why:
//! - **No allocation per call.** Packing buffers live in a thread-local workspace that grows
//!   to the largest product seen and is then reused, so a warm training step allocates
//!   nothing (`tests/alloc.rs`). `matrixmultiply` and the `gemm` crate allocate their packing
//!   buffers on every call.
//! - **Small `m` reads `B` in place.** For a few rows (batch-1 inference, `m ≤ 4·MR`) packing
//!   the whole weight matrix would cost as much as the product itself, so the AVX-512 kernel
//!   reads row-major `B` directly (masked loads at the right edge).
//! - **Tiny products skip the machinery.** Below 4096 multiply-adds a plain loop is faster
//!   than packing (the XOR network's products are a few dozen).
//! - **Deterministic.** Every element of `C` is accumulated in the same order whatever the
//!   number of threads (threads split `C` into disjoint column or row blocks, and the `k`
//!   blocking depends only on `k`), so results are bit-identical from 1 to N threads.
//!
//! With the `threads` feature, products of at least [`PARALLEL_MIN_FLOPS`] are split over
//! [`num_threads`] threads: the calling thread and persistent helper threads that wait awake
//! for a few milliseconds after a product ([`set_helper_spin`]) and then sleep; without it
//! everything runs on the calling thread.
//!
//! With the `blas` feature (off by default; needs the system's OpenBLAS, e.g. Debian's
//! `libopenblas-dev`, at link time), every product above the tiny ones calls OpenBLAS'
//! `cblas_sgemm` instead (all views here are row-major or transposed, which CBLAS takes
//! as they are). Then OpenBLAS' own threads (`OPENBLAS_NUM_THREADS`) and rounding apply, and
//! OpenBLAS allocates its own buffers, so the no-allocation and bit-identity statements
//! above are the pure-Rust build's.
//!
//! ```
//! use trustnn::linalg::{matmul, MatRef};
//! let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]; // 2 × 3
//! let b = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0]; // 3 × 2
//! let mut c = [0.0; 4];
//! matmul(MatRef::new(&a, 2, 3)?, MatRef::new(&b, 3, 2)?, 0.0, &mut c)?;
//! assert_eq!(c, [4.0, 5.0, 10.0, 11.0]);
//! // Aᵀ·A through a transposed view: no copy.
//! let mut g = [0.0; 9];
//! let av = MatRef::new(&a, 2, 3)?;
//! matmul(av.t(), av, 0.0, &mut g)?;
//! assert_eq!(g[0], 1.0 + 16.0);
//! # Ok::<(), trustnn::Error>(())
//! ```

use std::cell::RefCell;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use crate::error::{Error, Result};

/// A read-only view of an `f32` matrix: `rows × cols` values of `data` at
/// `data[i·row_stride + j·col_stride]`. Made row-major by [`MatRef::new`] and transposed
/// (without copying) by [`MatRef::t`].
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
}

impl<'a> MatRef<'a> {
    /// A row-major `rows × cols` view of `data`, which must hold exactly `rows · cols` values.
    pub fn new(data: &'a [f32], rows: usize, cols: usize) -> Result<Self> {
        if rows.checked_mul(cols) != Some(data.len()) {
            return Err(Error::shape(
                "linalg::MatRef::new",
                format!("{} values for [{rows}, {cols}]", rows.saturating_mul(cols)),
                &[data.len()],
            ));
        }
        Ok(Self::row_major(data, rows, cols))
    }

    /// Row-major view; the caller guarantees `data.len() == rows * cols`.
    pub(crate) fn row_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
        debug_assert_eq!(data.len(), rows * cols);
        MatRef {
            data,
            rows,
            cols,
            rs: cols,
            cs: 1,
        }
    }

    /// The transpose (swaps the dimensions and the strides; no copy).
    pub fn t(self) -> Self {
        MatRef {
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
            ..self
        }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    fn raw(&self) -> Raw {
        Raw {
            ptr: self.data.as_ptr(),
            rs: self.rs,
            cs: self.cs,
        }
    }
}

/// `C ← β·C + A·B` for row-major `C` of `a.rows() × b.cols()` values.
///
/// With `beta = 0`, `C`'s previous contents are never read (NaN or stale values are
/// overwritten), as in BLAS. Fails with [`Error::ShapeMismatch`] if `a.cols() != b.rows()`
/// or `c.len() != a.rows() · b.cols()`.
pub fn matmul(a: MatRef<'_>, b: MatRef<'_>, beta: f32, c: &mut [f32]) -> Result<()> {
    if a.cols != b.rows {
        return Err(Error::shape(
            "linalg::matmul (inner dimensions)",
            format!("B with {} rows", a.cols),
            &[b.rows, b.cols],
        ));
    }
    if c.len() != a.rows * b.cols {
        return Err(Error::shape(
            "linalg::matmul (output)",
            format!("{} values for [{}, {}]", a.rows * b.cols, a.rows, b.cols),
            &[c.len()],
        ));
    }
    gemm(a, b, beta, c);
    Ok(())
}

/// [`matmul`] without the checks: the shapes are an internal invariant (panics if broken).
pub(crate) fn gemm(a: MatRef<'_>, b: MatRef<'_>, beta: f32, c: &mut [f32]) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert!(
        b.rows == k && c.len() == m * n,
        "linalg::gemm: shapes [{m}, {k}]·[{}, {n}] into {} values",
        b.rows,
        c.len()
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        scale(c, beta);
        return;
    }
    if m * n * k > TINY && blas::sgemm(a, b, beta, c) {
        return;
    }
    let (a, b) = (a.raw(), b.raw());
    let cp = c.as_mut_ptr();
    if m * n * k <= TINY {
        // SAFETY: the views are in bounds by construction and `c` holds m·n values.
        unsafe { tiny(m, k, n, a, b, beta, cp, n) };
        return;
    }
    // SAFETY: as above; parts write disjoint blocks of `c`.
    unsafe { parallel(m, k, n, a, b, beta, cp, n) };
}

/// The optional OpenBLAS path (feature `blas`).
mod blas {
    use super::MatRef;

    /// `C ← β·C + A·B` by OpenBLAS' `cblas_sgemm` if the feature is on (returns true), else
    /// does nothing and returns false.
    #[cfg(feature = "blas")]
    pub(super) fn sgemm(a: MatRef<'_>, b: MatRef<'_>, beta: f32, c: &mut [f32]) -> bool {
        use std::ffi::c_int;
        const ROW_MAJOR: c_int = 101;
        const NO_TRANS: c_int = 111;
        const TRANS: c_int = 112;
        #[link(name = "openblas")]
        unsafe extern "C" {
            fn cblas_sgemm(
                layout: c_int,
                trans_a: c_int,
                trans_b: c_int,
                m: c_int,
                n: c_int,
                k: c_int,
                alpha: f32,
                a: *const f32,
                lda: c_int,
                b: *const f32,
                ldb: c_int,
                beta: f32,
                c: *mut f32,
                ldc: c_int,
            );
        }
        /// CBLAS' transpose flag and leading dimension of a row-major view or its transpose.
        fn layout(v: &MatRef<'_>) -> Option<(c_int, c_int)> {
            let (flag, ld, min) = if v.cs == 1 {
                (NO_TRANS, v.rs, v.cols)
            } else if v.rs == 1 {
                (TRANS, v.cs, v.rows)
            } else {
                return None;
            };
            Some((flag, c_int::try_from(ld.max(min).max(1)).ok()?))
        }
        let dims = (
            c_int::try_from(a.rows),
            c_int::try_from(b.cols),
            c_int::try_from(a.cols),
        );
        let (Some((ta, lda)), Some((tb, ldb)), (Ok(m), Ok(n), Ok(k))) = (layout(&a), layout(&b), dims) else {
            return false;
        };
        // SAFETY: the views cover `rows × cols` values of their slices with these strides,
        // `c` holds m·n values (checked by `gemm`), and the dimensions fit in c_int.
        unsafe {
            cblas_sgemm(
                ROW_MAJOR,
                ta,
                tb,
                m,
                n,
                k,
                1.0,
                a.data.as_ptr(),
                lda,
                b.data.as_ptr(),
                ldb,
                beta,
                c.as_mut_ptr(),
                n,
            );
        }
        true
    }

    /// Without the `blas` feature: never used.
    #[cfg(not(feature = "blas"))]
    #[inline(always)]
    pub(super) fn sgemm(_: MatRef<'_>, _: MatRef<'_>, _: f32, _: &mut [f32]) -> bool {
        false
    }
}

/// `C ← β·C` with `β = 0` writing zeros (so NaN in `C` is cleared, as BLAS does).
fn scale(c: &mut [f32], beta: f32) {
    if beta == 0.0 {
        c.fill(0.0);
    } else if beta != 1.0 {
        c.iter_mut().for_each(|v| *v *= beta);
    }
}

/// Products of at most this many multiply-adds use the plain loop.
const TINY: usize = 4096;

/// Products of fewer floating-point operations (`2·m·n·k`) than this stay on one thread
/// even with the `threads` feature: waking a second thread costs more than it saves.
pub const PARALLEL_MIN_FLOPS: usize = 2_000_000;

/// A strided matrix as raw parts (the borrow is held by the [`MatRef`] it came from).
#[derive(Clone, Copy)]
struct Raw {
    ptr: *const f32,
    rs: usize,
    cs: usize,
}

impl Raw {
    /// The element `(i, j)`.
    ///
    /// # Safety
    /// `(i, j)` is inside the matrix.
    #[inline(always)]
    unsafe fn at(self, i: usize, j: usize) -> f32 {
        unsafe { *self.ptr.add(i * self.rs + j * self.cs) }
    }

    /// The view starting at `(i, j)`.
    ///
    /// # Safety
    /// `(i, j)` is inside the matrix (or at its end with nothing read from it).
    #[inline(always)]
    unsafe fn offset(self, i: usize, j: usize) -> Raw {
        Raw {
            ptr: unsafe { self.ptr.add(i * self.rs + j * self.cs) },
            ..self
        }
    }
}

/// `C ← β·C + A·B` by a plain loop (rows of `C` updated contiguously).
///
/// # Safety
/// `a` is `m × k`, `b` is `k × n`, `c` holds `m` rows of stride `ldc ≥ n`.
#[allow(clippy::too_many_arguments)]
unsafe fn tiny(m: usize, k: usize, n: usize, a: Raw, b: Raw, beta: f32, c: *mut f32, ldc: usize) {
    for i in 0..m {
        // SAFETY: row i of C is n values at c + i·ldc, disjoint from A and B.
        let row = unsafe { std::slice::from_raw_parts_mut(c.add(i * ldc), n) };
        scale(row, beta);
        for p in 0..k {
            let av = unsafe { a.at(i, p) };
            for (j, v) in row.iter_mut().enumerate() {
                *v += av * unsafe { b.at(p, j) };
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Threads

static NUM_THREADS: AtomicUsize = AtomicUsize::new(0);

/// The number of threads matrix products may use: 1 without the `threads` feature;
/// with it, the last [`set_num_threads`] value, else `TRUSTNN_NUM_THREADS` from the
/// environment, else the number of CPUs.
pub fn num_threads() -> usize {
    if !cfg!(feature = "threads") {
        return 1;
    }
    match NUM_THREADS.load(Ordering::Relaxed) {
        0 => {
            let n = std::env::var("TRUSTNN_NUM_THREADS")
                .ok()
                .and_then(|v| v.parse::<usize>().ok())
                .filter(|&v| v > 0)
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            NUM_THREADS.store(n, Ordering::Relaxed);
            n
        }
        n => n,
    }
}

/// Sets the number of threads matrix products may use (0 restores the default). Has no
/// effect without the `threads` feature. Results do not depend on it (see the module doc).
pub fn set_num_threads(n: usize) {
    NUM_THREADS.store(n, Ordering::Relaxed);
}

/// How long a helper thread stays awake for the next product, in nanoseconds
/// ([`set_helper_spin`]).
static HELPER_SPIN_NANOS: AtomicU64 = AtomicU64::new(DEFAULT_HELPER_SPIN.as_nanos() as u64);

/// The default of [`set_helper_spin`]: 5 ms.
pub const DEFAULT_HELPER_SPIN: Duration = Duration::from_millis(5);

/// Sets how long a helper thread of the `threads` feature waits, awake, for the next product
/// before it sleeps (default [`DEFAULT_HELPER_SPIN`], 5 ms; `Duration::ZERO` sleeps at
/// almost at once). Has no effect without the feature; results never depend on it.
///
/// Between the products of a training step the calling thread does element-wise and
/// optimizer work for a fraction of a millisecond. A helper that slept through that gap has
/// to be woken by the operating system for the next product, which on a virtual machine
/// costs tens of microseconds, about as much as a small product saves. Waiting awake (with
/// the `pause` instruction) avoids that: on the MLP of `docs/PERFORMANCE.md` it alone took
/// the 1 → 2 thread speed-up of an epoch from 1.14× to 1.19× (medians of 12 alternating
/// rounds), and it is what lets the optimizer's updates be split over the helpers at a
/// gain (1.33× with both). The price is that the helper keeps its core busy for this long
/// after the last job, as OpenMP's default spin does; on a machine shared with other busy
/// processes a shorter wait may suit better.
pub fn set_helper_spin(wait: Duration) {
    let nanos = u64::try_from(wait.as_nanos()).unwrap_or(u64::MAX);
    HELPER_SPIN_NANOS.store(nanos, Ordering::Relaxed);
}

/// The current [`set_helper_spin`] value.
pub fn helper_spin() -> Duration {
    Duration::from_nanos(HELPER_SPIN_NANOS.load(Ordering::Relaxed))
}

/// Blocks run by helper threads since the process started.
static HELPER_BLOCKS: AtomicU64 = AtomicU64::new(0);

/// How many blocks (of matrix products or of optimizer updates) the helper threads of the
/// `threads` feature have run since the process started; always 0 without the feature. A
/// way to check that work is actually split: it grows during training with
/// [`num_threads`] above 1 and products of at least [`PARALLEL_MIN_FLOPS`].
pub fn helper_blocks() -> u64 {
    HELPER_BLOCKS.load(Ordering::Relaxed)
}

/// A pointer that may cross threads: the blocks of one task touch disjoint memory.
#[cfg(feature = "threads")]
#[derive(Clone, Copy)]
struct SendPtr<T>(T);
// SAFETY: used only to hand a task to the helpers: disjoint blocks of C (and read-only A, B)
// of one product, or a `Sync` range closure called on disjoint ranges; every block ends
// before `helpers::run` returns or unwinds.
#[cfg(feature = "threads")]
unsafe impl<T> Send for SendPtr<T> {}
#[cfg(feature = "threads")]
unsafe impl<T> Sync for SendPtr<T> {}

/// One product being split over threads: blocks of `per` columns (or rows) of C.
#[cfg(feature = "threads")]
#[derive(Clone, Copy)]
struct Part {
    isa: Isa,
    m: usize,
    k: usize,
    n: usize,
    a: SendPtr<Raw>,
    b: SendPtr<Raw>,
    beta: f32,
    c: SendPtr<*mut f32>,
    ldc: usize,
    by_cols: bool,
}

#[cfg(feature = "threads")]
impl Part {
    /// Computes the columns (or rows) `start..end` of C on this thread.
    ///
    /// # Safety
    /// As [`serial`]; concurrent calls get disjoint ranges.
    unsafe fn block(self, start: usize, end: usize) {
        let len = end - start;
        let (a, b, c) = (self.a.0, self.b.0, self.c.0);
        unsafe {
            if self.by_cols {
                let bs = b.offset(0, start);
                serial(
                    self.isa,
                    self.m,
                    self.k,
                    len,
                    a,
                    bs,
                    self.beta,
                    c.add(start),
                    self.ldc,
                )
            } else {
                let (as_, cs) = (a.offset(start, 0), c.add(start * self.ldc));
                serial(self.isa, len, self.k, self.n, as_, b, self.beta, cs, self.ldc)
            }
        }
    }
}

/// A range loop being split over threads ([`for_each_block`]): the closure lives on the
/// caller's stack, which waits for every block before it returns.
#[cfg(feature = "threads")]
type RangeFn = dyn Fn(usize, usize) + Sync;

/// What a helper is handed: a block of a product, or a block of a range loop.
#[cfg(feature = "threads")]
#[derive(Clone, Copy)]
enum Task {
    Product(Part),
    Range(SendPtr<*const RangeFn>),
}

#[cfg(feature = "threads")]
impl Task {
    /// Runs the block `start..end` of this task on this thread.
    ///
    /// # Safety
    /// As [`Part::block`]; for a range, the closure is still alive.
    unsafe fn block(self, start: usize, end: usize) {
        match self {
            // SAFETY: forwarded.
            Task::Product(part) => unsafe { part.block(start, end) },
            // SAFETY: the caller of `helpers::run` keeps the closure alive until every block
            // is done.
            Task::Range(f) => unsafe { (*f.0)(start, end) },
        }
    }
}

/// Calls `f(start, end)` on disjoint blocks that cover `0..len`, at once on the calling
/// thread and the helper threads of the `threads` feature when there is more than one
/// thread and `len >= min_len`; else `f(0, len)` on this thread. Block boundaries are
/// multiples of `align` (but the last). If `f` panics on any thread, the panic reaches the
/// caller after every block has ended.
pub(crate) fn for_each_block(len: usize, align: usize, min_len: usize, f: &(dyn Fn(usize, usize) + Sync)) {
    #[cfg(feature = "threads")]
    {
        let threads = num_threads();
        if threads > 1 && len >= min_len.max(2) {
            // SAFETY: only the lifetime is erased; `run` returns (or unwinds) only after every
            // block has ended, while `f` is still borrowed here.
            let erased: *const RangeFn =
                unsafe { std::mem::transmute::<&(dyn Fn(usize, usize) + Sync), &'static RangeFn>(f) };
            // SAFETY: the blocks are disjoint, as `f` requires.
            if unsafe { helpers::run(Task::Range(SendPtr(erased)), len, align.max(1), threads) } {
                return;
            }
        }
    }
    let _ = (align, min_len);
    f(0, len);
}

/// Runs `f` over blocks of equally long slices, as [`for_each_block`] splits `0..len`:
/// each call gets the same block of every slice in `write` (mutable) and `read`.
///
/// Pass a `move` closure: scalars it captures by reference could, for all the compiler
/// knows, alias the slices, and then its loop is not vectorized (3× slower for Adam).
///
/// # Panics
/// If the slices differ in length (an internal invariant).
pub(crate) fn zip_blocks<const W: usize, const R: usize>(
    write: [&mut [f32]; W],
    read: [&[f32]; R],
    min_len: usize,
    f: impl Fn([&mut [f32]; W], [&[f32]; R]) + Sync,
) {
    let len = write.first().map_or(0, |s| s.len());
    assert!(
        write.iter().all(|s| s.len() == len) && read.iter().all(|s| s.len() == len),
        "linalg::zip_blocks: slices of different lengths"
    );
    let w = write.map(|s| Shared(s.as_mut_ptr()));
    let r = read.map(|s| Shared(s.as_ptr().cast_mut()));
    // Blocks of whole multiples of 16 values (64 bytes): for a slice that starts on a cache
    // line, no line is written by two threads.
    for_each_block(len, LINE_VALUES, min_len, &|start, end| {
        // SAFETY: every slice holds `len` values and the blocks are disjoint, so each
        // mutable sub-slice is the only reference to its values while `f` runs; the `read`
        // slices are only read.
        let write = w.map(|p| unsafe { std::slice::from_raw_parts_mut(p.0.add(start), end - start) });
        let read = r.map(|p| unsafe { std::slice::from_raw_parts(p.0.add(start).cast_const(), end - start) });
        f(write, read);
    });
}

/// A pointer into one of [`zip_blocks`]'s slices, shared by the blocks' closures.
#[derive(Clone, Copy)]
struct Shared(*mut f32);
// SAFETY: the blocks of `zip_blocks` touch disjoint ranges of the pointed-to slices, which
// outlive the call.
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}

/// The helper threads of the `threads` feature: persistent threads that take blocks of
/// products and of range loops ([`for_each_block`]). The calling thread computes the first
/// block itself and hands the others over, so with 2 threads one helper runs beside it. A
/// helper waits awake for the next job for [`set_helper_spin`]'s time (5 ms by default),
/// then sleeps until woken. Handing over allocates nothing (a `Copy` job in a mutex-guarded
/// slot).
#[cfg(feature = "threads")]
mod helpers {
    use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError, TryLockError};
    use std::time::Instant;

    use super::Task;

    #[derive(Clone, Copy)]
    struct Job {
        task: Task,
        start: usize,
        end: usize,
    }

    /// `pause` iterations (about 140 cycles each on recent x86) the caller waits for a
    /// helper before sleeping (about 0.3 ms). How long a helper waits for the next job is
    /// [`super::helper_spin`].
    const CALLER_SPINS: u32 = 6_000;
    /// `pause` iterations between two readings of the clock while a helper waits.
    const SPINS_PER_CLOCK_READ: u32 = 64;

    #[derive(Default)]
    struct Helper {
        job: Mutex<Option<Job>>,
        pending: AtomicBool,
        wake: Condvar,
        done: AtomicBool,
        /// Whether the last block panicked (the panic is carried to the caller).
        panicked: AtomicBool,
        done_lock: Mutex<()>,
        done_cv: Condvar,
    }

    impl Helper {
        /// Waits until this helper's block has ended.
        fn wait_done(&self) {
            // A spin covers the common case of a helper finishing at about the same time.
            let mut spins = 0;
            while !self.done.load(Ordering::Acquire) && spins < CALLER_SPINS {
                std::hint::spin_loop();
                spins += 1;
            }
            let mut guard = lock(&self.done_lock);
            while !self.done.load(Ordering::Acquire) {
                guard = self.done_cv.wait(guard).unwrap_or_else(PoisonError::into_inner);
            }
        }
    }

    /// Waits, when dropped, for the blocks handed to these helpers: also when the caller's
    /// own block panics, so no helper outlives the operands it borrows.
    struct WaitForBlocks<'a>(&'a [Helper]);

    impl Drop for WaitForBlocks<'_> {
        fn drop(&mut self) {
            for h in self.0 {
                h.wait_done();
            }
        }
    }

    /// Held while a product uses the helpers; a product that finds them busy (another user
    /// thread multiplying at the same time) runs on its own thread instead.
    static BUSY: Mutex<()> = Mutex::new(());
    static HELPERS: OnceLock<Box<[Helper]>> = OnceLock::new();

    fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
        m.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The helpers, started on first use: `threads - 1` of them (at least one).
    fn helpers(threads: usize) -> &'static [Helper] {
        HELPERS.get_or_init(|| {
            let count = threads.saturating_sub(1).max(1);
            let list: Box<[Helper]> = (0..count).map(|_| Helper::default()).collect();
            for i in 0..count {
                let spawned = std::thread::Builder::new()
                    .name(format!("trustnn-gemm-{}", i + 1))
                    .spawn(move || work(i));
                // Without the thread, its jobs would never finish: stop here instead.
                assert!(spawned.is_ok(), "linalg: cannot start helper thread {}", i + 1);
            }
            list
        })
    }

    fn work(i: usize) {
        // The list is stored just after the threads start: wait for it.
        let me = loop {
            if let Some(list) = HELPERS.get() {
                break &list[i];
            }
            std::thread::yield_now();
        };
        loop {
            let wait = super::helper_spin();
            let since = Instant::now();
            'awake: while !me.pending.load(Ordering::Acquire) {
                for _ in 0..SPINS_PER_CLOCK_READ {
                    std::hint::spin_loop();
                    if me.pending.load(Ordering::Acquire) {
                        break 'awake;
                    }
                }
                if since.elapsed() >= wait {
                    break;
                }
            }
            let job = {
                let mut slot = lock(&me.job);
                loop {
                    if let Some(job) = slot.take() {
                        me.pending.store(false, Ordering::Relaxed);
                        break job;
                    }
                    slot = me.wake.wait(slot).unwrap_or_else(PoisonError::into_inner);
                }
            };
            // SAFETY: the caller handed over a block disjoint from all others and waits for
            // `done` before the borrowed operands go away. A panic is caught so that `done`
            // is still set (the caller would otherwise wait forever) and the helper lives on.
            let outcome = catch_unwind(AssertUnwindSafe(|| unsafe { job.task.block(job.start, job.end) }));
            me.panicked.store(outcome.is_err(), Ordering::Relaxed);
            super::HELPER_BLOCKS.fetch_add(1, Ordering::Relaxed);
            me.done.store(true, Ordering::Release);
            let _guard = lock(&me.done_lock);
            me.done_cv.notify_one();
        }
    }

    /// Computes `task` over `0..len` in at most `threads` blocks (no more than there are
    /// helpers, plus the caller), each a whole number of `unit`s but the last. Returns false
    /// (having done nothing) if the helpers are busy or there is only one block to do. A
    /// panic in any block is resumed here after all blocks have ended.
    ///
    /// # Safety
    /// The blocks of `task` may run at once: a product's write disjoint blocks of C, a range
    /// loop's closure accepts disjoint ranges; its operands outlive the call.
    pub(super) unsafe fn run(task: Task, len: usize, unit: usize, threads: usize) -> bool {
        let _busy = match BUSY.try_lock() {
            Ok(guard) => guard,
            // A panic resumed from an earlier call poisoned the lock; the helpers are idle.
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return false,
        };
        let helpers = helpers(threads);
        let units = len.div_ceil(unit);
        let parts = threads.min(helpers.len() + 1).min(units);
        if parts < 2 {
            return false;
        }
        let per = units.div_ceil(parts) * unit;
        let mut used = 0;
        let mut start = per.min(len);
        while start < len && used < helpers.len() {
            let end = if used + 1 == helpers.len() {
                len
            } else {
                (start + per).min(len)
            };
            let h = &helpers[used];
            h.done.store(false, Ordering::Relaxed);
            {
                // `pending` changes with the slot, under its lock, so it is never stale.
                let mut slot = lock(&h.job);
                *slot = Some(Job { task, start, end });
                h.pending.store(true, Ordering::Release);
            }
            h.wake.notify_one();
            used += 1;
            start = end;
        }
        let handed = &helpers[..used];
        let wait = WaitForBlocks(handed);
        // SAFETY: the first block, disjoint from the handed-over ones.
        unsafe { task.block(0, per.min(len)) };
        drop(wait);
        if handed.iter().any(|h| h.panicked.swap(false, Ordering::Relaxed)) {
            resume_unwind(Box::new("trustnn::linalg: a block on a helper thread panicked"));
        }
        true
    }
}

/// Splits the product over threads when it pays, else runs it on this thread.
///
/// # Safety
/// As [`serial`].
#[allow(clippy::too_many_arguments)]
unsafe fn parallel(m: usize, k: usize, n: usize, a: Raw, b: Raw, beta: f32, c: *mut f32, ldc: usize) {
    let isa = isa();
    #[cfg(feature = "threads")]
    {
        let threads = num_threads();
        if threads > 1 && 2 * m * n * k >= PARALLEL_MIN_FLOPS {
            let (mr, nr) = isa.tile();
            // Split C's columns (B is then shared read-only and A packed by each part) when
            // there are enough column panels, else its rows.
            let by_cols = n.div_ceil(nr) >= threads || m.div_ceil(mr) < threads;
            let (len, unit) = if by_cols { (n, nr) } else { (m, mr) };
            let part = Part {
                isa,
                m,
                k,
                n,
                a: SendPtr(a),
                b: SendPtr(b),
                beta,
                c: SendPtr(c),
                ldc,
                by_cols,
            };
            // SAFETY: the parts write disjoint blocks of C.
            if unsafe { helpers::run(Task::Product(part), len, unit, threads) } {
                return;
            }
        }
    }
    unsafe { serial(isa, m, k, n, a, b, beta, c, ldc) }
}

// ---------------------------------------------------------------------------------------
// Kernel selection

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Isa {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Isa {
    /// The micro-tile `(MR, NR)`.
    #[cfg_attr(not(feature = "threads"), allow(dead_code))]
    fn tile(self) -> (usize, usize) {
        match self {
            Isa::Portable => (portable::MR, portable::NR),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => (avx2::MR, avx2::NR),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => (avx512::MR, avx512::NR),
        }
    }
}

static ISA: AtomicU8 = AtomicU8::new(u8::MAX);

/// The best kernel this CPU runs (detected once). `TRUSTNN_GEMM_KERNEL=portable|avx2`
/// forces a lesser one (for testing and comparison).
fn isa() -> Isa {
    let code = ISA.load(Ordering::Relaxed);
    let decode = |c: u8| match c {
        #[cfg(target_arch = "x86_64")]
        2 => Isa::Avx512,
        #[cfg(target_arch = "x86_64")]
        1 => Isa::Avx2,
        _ => Isa::Portable,
    };
    if code != u8::MAX {
        return decode(code);
    }
    let forced = std::env::var("TRUSTNN_GEMM_KERNEL").ok();
    let mut best = 0u8;
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            best = 1;
        }
        if std::arch::is_x86_feature_detected!("avx512f") {
            best = 2;
        }
    }
    let code = match forced.as_deref() {
        Some("portable") => 0,
        Some("avx2") => best.min(1),
        _ => best,
    };
    ISA.store(code, Ordering::Relaxed);
    decode(code)
}

/// The name of the micro-kernel in use (`"avx512"`, `"avx2"` or `"portable"`).
pub fn kernel_name() -> &'static str {
    match isa() {
        Isa::Portable => "portable",
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => "avx2",
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => "avx512",
    }
}

// ---------------------------------------------------------------------------------------
// Blocked driver

/// Largest `m` block, in micro-panels of A (a packed `MC × KC` block stays in L2).
const MC_PANELS: usize = 16;
/// Largest `n` block (the packed `KC × NC` block of B, 1 MiB, stays in L2/L3).
const NC_MAX: usize = 1024;

/// The packing buffers of one thread, grown to the largest product seen and then reused.
#[derive(Default)]
struct Workspace {
    a: Vec<f32>,
    b: Vec<f32>,
}

thread_local! {
    static WORKSPACE: RefCell<Workspace> = RefCell::new(Workspace::default());
}

/// Values of `f32` in a 64-byte cache line.
const LINE_VALUES: usize = 16;

/// A pointer to `need` values of `buf` that starts on a 64-byte boundary, growing `buf` if
/// it is too short. Packed panels are read in whole vectors from multiples of 16 values, so
/// with an aligned start no vector load straddles two cache lines. (A `Vec<f32>` is only
/// 16-byte aligned: a large one comes from `mmap` at a page start plus 16 bytes, and then
/// every 64-byte load of the AVX-512 kernel touched two lines.)
fn line_aligned(buf: &mut Vec<f32>, need: usize) -> *mut f32 {
    if need == 0 {
        return buf.as_mut_ptr();
    }
    if buf.len() < need + LINE_VALUES {
        buf.resize(need + LINE_VALUES, 0.0);
    }
    let offset = buf.as_ptr().align_offset(64);
    assert!(offset < LINE_VALUES, "linalg: f32 buffer cannot be line-aligned");
    // SAFETY: offset + need ≤ buf.len().
    unsafe { buf.as_mut_ptr().add(offset) }
}

/// `C ← β·C + A·B` on this thread with the kernel of `isa`.
///
/// # Safety
/// `a` is `m × k`, `b` is `k × n`, `c` holds `m` rows of stride `ldc ≥ n`; `c` does not
/// overlap `a` or `b`.
#[allow(clippy::too_many_arguments)]
unsafe fn serial(isa: Isa, m: usize, k: usize, n: usize, a: Raw, b: Raw, beta: f32, c: *mut f32, ldc: usize) {
    WORKSPACE.with(|ws| {
        let mut ws = ws.borrow_mut();
        unsafe {
            match isa {
                Isa::Portable => blocked::<portable::Kernel>(m, k, n, a, b, beta, c, ldc, &mut ws),
                #[cfg(target_arch = "x86_64")]
                Isa::Avx2 => blocked::<avx2::Kernel>(m, k, n, a, b, beta, c, ldc, &mut ws),
                #[cfg(target_arch = "x86_64")]
                Isa::Avx512 => blocked::<avx512::Kernel>(m, k, n, a, b, beta, c, ldc, &mut ws),
            }
        }
    });
}

/// A register-blocked micro-kernel.
trait MicroKernel {
    /// Rows of a tile.
    const MR: usize;
    /// Columns of a tile.
    const NR: usize;
    /// Whether [`MicroKernel::tile`] can read B in place (row-major, with masked edges).
    const DIRECT_B: bool;
    /// Largest `k` block: a `KC × NR` panel of B should stay in L1 during a column sweep.
    const KC: usize = 256;
    /// Whether A is packed into `MR`-row panels (`a_rs = 1, a_cs = MR` in [`MicroKernel::tile`])
    /// or read in place (every view has a unit stride: row-major or transposed).
    const PACK_A: bool = true;

    /// `C[..mr, ..nr] ← β·C + A·B` for the `mr × kc` block `a[i·a_rs + p·a_cs]` of A (a packed
    /// panel, `a_rs = 1, a_cs = MR`, unless the kernel reads A in place) and a `kc × NR` panel
    /// `b[p·b_rs + j]` of B (packed and zero-padded, or in place with `j < nr` read).
    /// `β = 0` does not read C.
    ///
    /// # Safety
    /// The operands hold what is described; C holds `mr` rows of `nr` values at stride `ldc`.
    #[allow(clippy::too_many_arguments)]
    unsafe fn tile(
        kc: usize,
        a: *const f32,
        a_rs: usize,
        a_cs: usize,
        b: *const f32,
        b_rs: usize,
        c: *mut f32,
        ldc: usize,
        mr: usize,
        nr: usize,
        beta: f32,
    );

    /// Packs B into `NR`-column panels as [`pack_b_with`] does.
    ///
    /// # Safety
    /// As [`pack_b_with`].
    unsafe fn pack_b(kc: usize, nc: usize, b: Raw, out: *mut f32);

    /// Packs A into `MR`-row panels as [`pack_a_with`] does.
    ///
    /// # Safety
    /// As [`pack_a_with`].
    unsafe fn pack_a(mc: usize, kc: usize, a: Raw, out: *mut f32);
}

/// Splits `len` into equal blocks of at most `max` (each a multiple of `unit` but the last).
fn block_size(len: usize, max: usize, unit: usize) -> usize {
    let blocks = len.div_ceil(max);
    len.div_ceil(blocks).div_ceil(unit) * unit
}

/// The Goto/BLIS loop nest around `K`'s micro-kernel.
///
/// A is read in place when one of its strides is 1 (the row block of a micro-tile is a few
/// KiB and stays in L1 while the tile's columns sweep); B is packed into `KC × NR` panels,
/// except for few rows of A, when row-major B is read in place.
///
/// # Safety
/// As [`serial`].
#[allow(clippy::too_many_arguments)]
unsafe fn blocked<K: MicroKernel>(
    m: usize,
    k: usize,
    n: usize,
    a: Raw,
    b: Raw,
    beta: f32,
    c: *mut f32,
    ldc: usize,
    ws: &mut Workspace,
) {
    let (mr_, nr_) = (K::MR, K::NR);
    let kc_max = block_size(k, K::KC, 1);
    let mc_max = block_size(m, MC_PANELS * mr_, mr_);
    let nc_max = block_size(n, NC_MAX, nr_);
    // Read B in place when there are too few rows of A to repay packing it.
    let direct_b = K::DIRECT_B && b.cs == 1 && m <= 4 * mr_;
    let need_a = if K::PACK_A { mc_max * kc_max } else { 0 };
    let need_b = if direct_b {
        0
    } else {
        kc_max * nc_max.div_ceil(nr_) * nr_
    };
    let (pa, pb) = (line_aligned(&mut ws.a, need_a), line_aligned(&mut ws.b, need_b));
    let mut jc = 0;
    while jc < n {
        let nc = nc_max.min(n - jc);
        let mut pc = 0;
        while pc < k {
            let kc = kc_max.min(k - pc);
            let beta_block = if pc == 0 { beta } else { 1.0 };
            if !direct_b {
                unsafe { K::pack_b(kc, nc, b.offset(pc, jc), pb) };
            }
            let mut ic = 0;
            while ic < m {
                let mc = mc_max.min(m - ic);
                if K::PACK_A {
                    unsafe { K::pack_a(mc, kc, a.offset(ic, pc), pa) };
                }
                let mut jr = 0;
                while jr < nc {
                    let nr = nr_.min(nc - jr);
                    let (bp, b_rs) = if direct_b {
                        (unsafe { b.offset(pc, jc + jr) }.ptr, b.rs)
                    } else {
                        (unsafe { pb.add(jr * kc) } as *const f32, nr_)
                    };
                    let mut ir = 0;
                    while ir < mc {
                        let mr = mr_.min(mc - ir);
                        let (ap, a_rs, a_cs) = if K::PACK_A {
                            (unsafe { pa.add(ir * kc) } as *const f32, 1, mr_)
                        } else {
                            (unsafe { a.offset(ic + ir, pc) }.ptr, a.rs, a.cs)
                        };
                        unsafe {
                            K::tile(
                                kc,
                                ap,
                                a_rs,
                                a_cs,
                                bp,
                                b_rs,
                                c.add((ic + ir) * ldc + jc + jr),
                                ldc,
                                mr,
                                nr,
                                beta_block,
                            )
                        };
                        ir += mr_;
                    }
                    jr += nr_;
                }
                ic += mc;
            }
            pc += kc;
        }
        jc += nc;
    }
}

/// Packs the `mc × kc` block `a` into `MR`-row panels: panel `q` holds
/// `out[q·MR·kc + p·MR + i] = a(q·MR + i, p)`, rows past `mc` zero. That is
/// [`pack_b_with`] of `aᵀ` (a `kc × mc` block in `MR`-column panels), so one packing routine
/// serves both operands: a row-major `a` is a transposed `aᵀ` and goes through the `T × T`
/// transposes, a transposed `a` (`xᵀ` of a weight gradient) is copied `MR` values at a time.
///
/// # Safety
/// `a` is at least `mc × kc`; `out` holds `⌈mc/MR⌉·MR·kc` values.
#[inline(always)]
unsafe fn pack_a_with<const T: usize, const MR: usize>(
    mc: usize,
    kc: usize,
    a: Raw,
    out: *mut f32,
    transpose: unsafe fn(src: *const f32, src_stride: usize, dst: *mut f32, dst_stride: usize),
) {
    let at = Raw {
        ptr: a.ptr,
        rs: a.cs,
        cs: a.rs,
    };
    // SAFETY: `at` is the `kc × mc` transpose of `a`, and `out` has the size pack_b needs.
    unsafe { pack_b_with::<T, MR>(kc, mc, at, out, transpose) }
}

/// Packs the `kc × nc` block `b` into `nr`-column panels: panel `q` holds
/// `out[q·nr·kc + p·nr + j] = b(p, q·nr + j)`, columns past `nc` zero. A transposed source
/// (`b.rs == 1`) goes through `T × T` blocks transposed by `transpose` when `T > 1`.
///
/// # Safety
/// `b` is at least `kc × nc`; `out` holds `kc·⌈nc/nr⌉·nr` values. (The `T × T` blocks cover
/// only whole groups of `T` columns of a panel, so `NR` need not be a multiple of `T`.)
#[inline(always)]
unsafe fn pack_b_with<const T: usize, const NR: usize>(
    kc: usize,
    nc: usize,
    b: Raw,
    out: *mut f32,
    transpose: unsafe fn(src: *const f32, src_stride: usize, dst: *mut f32, dst_stride: usize),
) {
    let nr = NR;
    let mut q = 0;
    while q < nc {
        let cols = nr.min(nc - q);
        let panel = unsafe { out.add(q * kc) };
        if b.cs == 1 && cols == NR {
            for p in 0..kc {
                // SAFETY: NR values of row p of the block; a fixed-size copy.
                unsafe {
                    *panel.add(p * NR).cast::<[f32; NR]>() = *b.ptr.add(p * b.rs + q).cast::<[f32; NR]>()
                };
            }
        } else if b.cs == 1 {
            for p in 0..kc {
                unsafe {
                    let (src, dst) = (b.ptr.add(p * b.rs + q), panel.add(p * nr));
                    for j in 0..cols {
                        *dst.add(j) = *src.add(j);
                    }
                    for j in cols..nr {
                        *dst.add(j) = 0.0;
                    }
                }
            }
        } else if b.rs == 1 && T > 1 {
            // Transposed source (Wᵀ): T consecutive values of a column of the panel are
            // contiguous, so T × T blocks are loaded as rows and stored transposed.
            let full_j = cols / T * T;
            let full_p = kc / T * T;
            for j0 in (0..full_j).step_by(T) {
                for p0 in (0..full_p).step_by(T) {
                    unsafe { transpose(b.ptr.add((q + j0) * b.cs + p0), b.cs, panel.add(p0 * nr + j0), nr) };
                }
                for p in full_p..kc {
                    for j in j0..j0 + T {
                        unsafe { *panel.add(p * nr + j) = b.at(p, q + j) };
                    }
                }
            }
            for j in full_j..nr {
                for p in 0..kc {
                    let v = if j < cols { unsafe { b.at(p, q + j) } } else { 0.0 };
                    unsafe { *panel.add(p * nr + j) = v };
                }
            }
        } else {
            for p in 0..kc {
                for j in 0..nr {
                    let v = if j < cols { unsafe { b.at(p, q + j) } } else { 0.0 };
                    unsafe { *panel.add(p * nr + j) = v };
                }
            }
        }
        q += nr;
    }
}

/// Writes a finished `R × NR` tile held in `acc` (row-major) into C.
///
/// # Safety
/// C holds `mr ≤ R` rows of `nr ≤ NR` values at stride `ldc`.
#[inline(always)]
unsafe fn store_tile<const NR: usize>(
    acc: &[[f32; NR]],
    c: *mut f32,
    ldc: usize,
    mr: usize,
    nr: usize,
    beta: f32,
) {
    for (i, row) in acc.iter().enumerate().take(mr) {
        let dst = unsafe { std::slice::from_raw_parts_mut(c.add(i * ldc), nr) };
        if beta == 0.0 {
            dst.copy_from_slice(&row[..nr]);
        } else {
            for (d, &v) in dst.iter_mut().zip(row) {
                *d = beta * *d + v;
            }
        }
    }
}

/// An 8 × 8 block transpose with AVX shuffles: `dst[r·ds + c] = src[c·ss + r]`.
///
/// # Safety
/// The CPU has AVX; both blocks are in bounds.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn transpose8_avx(src: *const f32, ss: usize, dst: *mut f32, ds: usize) {
    use std::arch::x86_64::*;
    unsafe {
        let r: [__m256; 8] = std::array::from_fn(|i| _mm256_loadu_ps(src.add(i * ss)));
        let t0 = _mm256_unpacklo_ps(r[0], r[1]);
        let t1 = _mm256_unpackhi_ps(r[0], r[1]);
        let t2 = _mm256_unpacklo_ps(r[2], r[3]);
        let t3 = _mm256_unpackhi_ps(r[2], r[3]);
        let t4 = _mm256_unpacklo_ps(r[4], r[5]);
        let t5 = _mm256_unpackhi_ps(r[4], r[5]);
        let t6 = _mm256_unpacklo_ps(r[6], r[7]);
        let t7 = _mm256_unpackhi_ps(r[6], r[7]);
        let u0 = _mm256_shuffle_ps::<0x44>(t0, t2);
        let u1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
        let u2 = _mm256_shuffle_ps::<0x44>(t1, t3);
        let u3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
        let u4 = _mm256_shuffle_ps::<0x44>(t4, t6);
        let u5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
        let u6 = _mm256_shuffle_ps::<0x44>(t5, t7);
        let u7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
        let out = [
            _mm256_permute2f128_ps::<0x20>(u0, u4),
            _mm256_permute2f128_ps::<0x20>(u1, u5),
            _mm256_permute2f128_ps::<0x20>(u2, u6),
            _mm256_permute2f128_ps::<0x20>(u3, u7),
            _mm256_permute2f128_ps::<0x31>(u0, u4),
            _mm256_permute2f128_ps::<0x31>(u1, u5),
            _mm256_permute2f128_ps::<0x31>(u2, u6),
            _mm256_permute2f128_ps::<0x31>(u3, u7),
        ];
        for (i, v) in out.iter().enumerate() {
            _mm256_storeu_ps(dst.add(i * ds), *v);
        }
    }
}

/// [`pack_b_with`] with AVX 8 × 8 transposes and AVX copies (the kernel's CPU has AVX).
///
/// # Safety
/// As [`pack_b_with`]; the CPU has AVX.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn pack_b_avx<const NR: usize>(kc: usize, nc: usize, b: Raw, out: *mut f32) {
    unsafe { pack_b_with::<8, NR>(kc, nc, b, out, transpose8_avx) }
}

/// [`pack_a_with`] with AVX 8 × 8 transposes (used when `MR = 8`).
///
/// # Safety
/// As [`pack_a_with`]; the CPU has AVX.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn pack_a_avx<const MR: usize>(mc: usize, kc: usize, a: Raw, out: *mut f32) {
    unsafe { pack_a_with::<8, MR>(mc, kc, a, out, transpose8_avx) }
}

/// The fallback kernel in plain Rust, written so that LLVM vectorizes the `NR` columns.
mod portable {
    use super::{MicroKernel, Raw, pack_a_with, pack_b_with, store_tile};

    pub(super) const MR: usize = 4;
    pub(super) const NR: usize = 8;

    pub(super) struct Kernel;

    impl MicroKernel for Kernel {
        const MR: usize = MR;
        const NR: usize = NR;
        const DIRECT_B: bool = false;

        unsafe fn tile(
            kc: usize,
            a: *const f32,
            _a_rs: usize,
            _a_cs: usize,
            bp: *const f32,
            _b_rs: usize,
            c: *mut f32,
            ldc: usize,
            mr: usize,
            nr: usize,
            beta: f32,
        ) {
            // SAFETY: a packed, zero-padded B panel of kc·NR values.
            let b = unsafe { std::slice::from_raw_parts(bp, kc * NR) };
            let mut acc = [[0.0f32; NR]; MR];
            for (p, bk) in b.chunks_exact(NR).enumerate() {
                for (i, row) in acc.iter_mut().enumerate().take(mr) {
                    // SAFETY: (i, p) is inside the packed panel.
                    let av = unsafe { *a.add(p * MR + i) };
                    for (v, &bv) in row.iter_mut().zip(bk) {
                        *v = av.mul_add(bv, *v);
                    }
                }
            }
            unsafe { store_tile(&acc, c, ldc, mr, nr, beta) };
        }

        unsafe fn pack_b(kc: usize, nc: usize, b: Raw, out: *mut f32) {
            unsafe { pack_b_with::<1, NR>(kc, nc, b, out, no_transpose) }
        }

        unsafe fn pack_a(mc: usize, kc: usize, a: Raw, out: *mut f32) {
            unsafe { pack_a_with::<1, MR>(mc, kc, a, out, no_transpose) }
        }
    }

    /// The block transpose of a kernel that has none (never called: `T = 1`).
    unsafe fn no_transpose(_: *const f32, _: usize, _: *mut f32, _: usize) {}
}

/// AVX2 + FMA: a 6 × 16 tile in twelve `ymm` accumulators.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::{MicroKernel, store_tile};

    pub(super) const MR: usize = 6;
    pub(super) const NR: usize = 16;

    pub(super) struct Kernel;

    impl MicroKernel for Kernel {
        const MR: usize = MR;
        const NR: usize = NR;
        const DIRECT_B: bool = false;

        #[inline(always)]
        unsafe fn tile(
            kc: usize,
            a: *const f32,
            _a_rs: usize,
            _a_cs: usize,
            bp: *const f32,
            _b_rs: usize,
            c: *mut f32,
            ldc: usize,
            mr: usize,
            nr: usize,
            beta: f32,
        ) {
            // SAFETY: selected only when the CPU has AVX2 and FMA.
            unsafe { tile_avx2(kc, a, bp, c, ldc, mr, nr, beta) }
        }

        unsafe fn pack_b(kc: usize, nc: usize, b: super::Raw, out: *mut f32) {
            // SAFETY: the CPU has AVX2, hence AVX.
            unsafe { super::pack_b_avx::<NR>(kc, nc, b, out) }
        }

        unsafe fn pack_a(mc: usize, kc: usize, a: super::Raw, out: *mut f32) {
            // SAFETY: the CPU has AVX2, hence AVX (MR = 6: no block transpose).
            unsafe { super::pack_a_avx::<MR>(mc, kc, a, out) }
        }
    }

    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn tile_avx2(
        kc: usize,
        a: *const f32,
        bp: *const f32,
        c: *mut f32,
        ldc: usize,
        mr: usize,
        nr: usize,
        beta: f32,
    ) {
        let mut acc = [[_mm256_setzero_ps(); 2]; MR];
        for p in 0..kc {
            unsafe {
                let b0 = _mm256_loadu_ps(bp.add(p * NR));
                let b1 = _mm256_loadu_ps(bp.add(p * NR + 8));
                let ap = a.add(p * MR);
                for (i, row) in acc.iter_mut().enumerate() {
                    let av = _mm256_broadcast_ss(&*ap.add(i));
                    row[0] = _mm256_fmadd_ps(av, b0, row[0]);
                    row[1] = _mm256_fmadd_ps(av, b1, row[1]);
                }
            }
        }
        if mr == MR && nr == NR {
            let bv = _mm256_set1_ps(beta);
            for (i, row) in acc.iter().enumerate() {
                unsafe {
                    let dst = c.add(i * ldc);
                    if beta == 0.0 {
                        _mm256_storeu_ps(dst, row[0]);
                        _mm256_storeu_ps(dst.add(8), row[1]);
                    } else {
                        _mm256_storeu_ps(dst, _mm256_fmadd_ps(bv, _mm256_loadu_ps(dst), row[0]));
                        _mm256_storeu_ps(
                            dst.add(8),
                            _mm256_fmadd_ps(bv, _mm256_loadu_ps(dst.add(8)), row[1]),
                        );
                    }
                }
            }
        } else {
            let mut tile = [[0.0f32; NR]; MR];
            for (t, row) in tile.iter_mut().zip(&acc) {
                unsafe {
                    _mm256_storeu_ps(t.as_mut_ptr(), row[0]);
                    _mm256_storeu_ps(t.as_mut_ptr().add(8), row[1]);
                }
            }
            unsafe { store_tile(&tile, c, ldc, mr, nr, beta) };
        }
    }
}

/// AVX-512F: a 6 × 64 tile in 24 `zmm` accumulators, A read in place; masked loads and
/// stores handle the right edge, and a row count below 6 runs a kernel with fewer rows.
///
/// The AVX-512 intrinsics are stable since Rust 1.89, above the crate's declared
/// `rust-version`; the attribute tells clippy so (raising `rust-version` is pending).
#[cfg(target_arch = "x86_64")]
#[clippy::msrv = "1.89"]
mod avx512 {
    use std::arch::x86_64::*;

    use super::MicroKernel;

    pub(super) const MR: usize = 6;
    pub(super) const NR: usize = 64;

    pub(super) struct Kernel;

    impl MicroKernel for Kernel {
        const MR: usize = MR;
        const NR: usize = NR;
        const DIRECT_B: bool = true;
        const KC: usize = 128;
        const PACK_A: bool = false;

        #[inline(always)]
        unsafe fn tile(
            kc: usize,
            a: *const f32,
            a_rs: usize,
            a_cs: usize,
            bp: *const f32,
            b_rs: usize,
            c: *mut f32,
            ldc: usize,
            mr: usize,
            nr: usize,
            beta: f32,
        ) {
            // A in place: row-major (`a_cs = 1`: one pointer per row, advancing by one) or
            // transposed (`a_rs = 1`: the tile's rows are contiguous, advancing by `a_cs`).
            let a = (a, a_rs, a_cs);
            // SAFETY: selected only when the CPU has AVX-512F.
            unsafe {
                if a_cs == 1 {
                    match mr {
                        6 => rows::<6, true>(kc, a, bp, b_rs, c, ldc, nr, beta),
                        5 => rows::<5, true>(kc, a, bp, b_rs, c, ldc, nr, beta),
                        4 => rows::<4, true>(kc, a, bp, b_rs, c, ldc, nr, beta),
                        3 => rows::<3, true>(kc, a, bp, b_rs, c, ldc, nr, beta),
                        2 => rows::<2, true>(kc, a, bp, b_rs, c, ldc, nr, beta),
                        _ => rows::<1, true>(kc, a, bp, b_rs, c, ldc, nr, beta),
                    }
                } else {
                    debug_assert_eq!(a_rs, 1);
                    match mr {
                        6 => rows::<6, false>(kc, a, bp, b_rs, c, ldc, nr, beta),
                        5 => rows::<5, false>(kc, a, bp, b_rs, c, ldc, nr, beta),
                        4 => rows::<4, false>(kc, a, bp, b_rs, c, ldc, nr, beta),
                        3 => rows::<3, false>(kc, a, bp, b_rs, c, ldc, nr, beta),
                        2 => rows::<2, false>(kc, a, bp, b_rs, c, ldc, nr, beta),
                        _ => rows::<1, false>(kc, a, bp, b_rs, c, ldc, nr, beta),
                    }
                }
            }
        }

        unsafe fn pack_b(kc: usize, nc: usize, b: super::Raw, out: *mut f32) {
            // SAFETY: the CPU has AVX-512F, hence AVX.
            unsafe { super::pack_b_avx::<NR>(kc, nc, b, out) }
        }

        unsafe fn pack_a(_mc: usize, _kc: usize, _a: super::Raw, _out: *mut f32) {
            unreachable!("the AVX-512 kernel reads A in place")
        }
    }

    /// The column masks of the four 16-lane quarters for `nr ≤ 64` valid columns.
    #[inline(always)]
    fn masks(nr: usize) -> [__mmask16; 4] {
        let bits = if nr >= 64 { u64::MAX } else { (1u64 << nr) - 1 };
        std::array::from_fn(|q| (bits >> (16 * q)) as u16)
    }

    #[target_feature(enable = "avx512f")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn rows<const R: usize, const ROW_MAJOR: bool>(
        kc: usize,
        (a, a_rs, a_cs): (*const f32, usize, usize),
        bp: *const f32,
        b_rs: usize,
        c: *mut f32,
        ldc: usize,
        nr: usize,
        beta: f32,
    ) {
        let mk = masks(nr);
        let rows: [*const f32; R] = std::array::from_fn(|i| unsafe { a.add(i * a_rs) });
        let mut acc = [[_mm512_setzero_ps(); 4]; R];
        for p in 0..kc {
            unsafe {
                let b = bp.add(p * b_rs);
                let bv: [__m512; 4] = std::array::from_fn(|q| _mm512_maskz_loadu_ps(mk[q], b.add(16 * q)));
                let ap = a.add(p * a_cs);
                for (i, row) in acc.iter_mut().enumerate() {
                    let av = _mm512_set1_ps(if ROW_MAJOR { *rows[i].add(p) } else { *ap.add(i) });
                    for q in 0..4 {
                        row[q] = _mm512_fmadd_ps(av, bv[q], row[q]);
                    }
                }
            }
        }
        let betav = _mm512_set1_ps(beta);
        for (i, row) in acc.iter().enumerate() {
            unsafe {
                let dst = c.add(i * ldc);
                for q in 0..4 {
                    let mut v = row[q];
                    if beta != 0.0 {
                        v = _mm512_fmadd_ps(betav, _mm512_maskz_loadu_ps(mk[q], dst.add(16 * q)), v);
                    }
                    _mm512_mask_storeu_ps(dst.add(16 * q), mk[q], v);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Held by the tests that set the process-wide thread count, so that they do not
    /// change it under each other.
    static THREAD_COUNT: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn thread_count_lock() -> std::sync::MutexGuard<'static, ()> {
        THREAD_COUNT
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The product in f64 from the definition.
    fn reference(a: &MatRef<'_>, b: &MatRef<'_>, beta: f32, c0: &[f32]) -> Vec<f64> {
        let (m, k, n) = (a.rows, a.cols, b.cols);
        let mut out = vec![0.0f64; m * n];
        for i in 0..m {
            for j in 0..n {
                let mut s = 0.0f64;
                for p in 0..k {
                    s += a.data[i * a.rs + p * a.cs] as f64 * b.data[p * b.rs + j * b.cs] as f64;
                }
                out[i * n + j] = if beta == 0.0 {
                    s
                } else {
                    beta as f64 * c0[i * n + j] as f64 + s
                };
            }
        }
        out
    }

    /// A `rows × cols` view of `data`: row-major, or (`transposed`) the transpose of a
    /// row-major `cols × rows` matrix.
    fn view(data: &[f32], rows: usize, cols: usize, transposed: bool) -> MatRef<'_> {
        if transposed {
            MatRef::row_major(data, cols, rows).t()
        } else {
            MatRef::row_major(data, rows, cols)
        }
    }

    fn values(len: usize, seed: usize) -> Vec<f32> {
        (0..len)
            .map(|i| (((i * 7919 + seed * 104_729) % 2003) as f32 / 1001.0) - 1.0)
            .collect()
    }

    /// Every kernel, every transpose combination, shapes with ragged edges in every blocking
    /// level, β ∈ {0, 1, 0.5}: the result matches the f64 product to 1e-5 relative to Σ|a·b|.
    fn check_all_shapes() {
        let shapes = [
            (1, 1, 1),
            (3, 5, 7),
            (4, 2, 8),
            (1, 784, 256),
            (2, 300, 33),
            (9, 17, 31),
            (128, 784, 10),
            (37, 260, 70),
            (130, 300, 40),
        ];
        for &(m, k, n) in &shapes {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                for beta in [0.0f32, 1.0, 0.5] {
                    let ad = values(m * k, 1);
                    let bd = values(k * n, 2);
                    let (a, b) = (view(&ad, m, k, ta), view(&bd, k, n, tb));
                    let c0 = values(m * n, 3);
                    let mut c = c0.clone();
                    if beta == 0.0 {
                        c.fill(f32::NAN);
                    }
                    matmul(a, b, beta, &mut c).unwrap();
                    let want = reference(&a, &b, beta, &c0);
                    let scale = k as f64 + 1.0;
                    for (idx, (&got, &w)) in c.iter().zip(&want).enumerate() {
                        assert!(
                            (got as f64 - w).abs() <= 1e-5 * scale,
                            "{} m{m} k{k} n{n} ta{ta} tb{tb} beta{beta} at {idx}: {got} vs {w}",
                            kernel_name()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn products_match_the_definition_on_ragged_shapes() {
        check_all_shapes();
    }

    /// Wider than one `n` block (1024) and the `m` block, with B transposed.
    #[test]
    fn a_product_spanning_several_blocks_matches_the_definition() {
        let (m, k, n) = (131, 300, 1030);
        let ad = values(m * k, 6);
        let bd = values(k * n, 7);
        let (a, b) = (MatRef::row_major(&ad, m, k), MatRef::row_major(&bd, n, k).t());
        let c0 = values(m * n, 8);
        let mut c = c0.clone();
        matmul(a, b, 1.0, &mut c).unwrap();
        let want = reference(&a, &b, 1.0, &c0);
        for (&got, &w) in c.iter().zip(&want) {
            assert!((got as f64 - w).abs() <= 1e-5 * 301.0, "{got} vs {w}");
        }
    }

    #[test]
    fn every_kernel_this_cpu_has_matches_the_definition() {
        let best = isa();
        let mut kernels = vec![Isa::Portable];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
                kernels.push(Isa::Avx2);
            }
            if std::arch::is_x86_feature_detected!("avx512f") {
                kernels.push(Isa::Avx512);
            }
        }
        // Row-major and transposed views of both operands: every packing path of every kernel.
        let (m, k, n) = (37, 300, 70);
        let ad = values(m * k, 4);
        let bd = values(k * n, 5);
        for isa in kernels {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let (a, b) = (view(&ad, m, k, ta), view(&bd, k, n, tb));
                let mut c = vec![f32::NAN; m * n];
                unsafe { serial(isa, m, k, n, a.raw(), b.raw(), 0.0, c.as_mut_ptr(), n) };
                let want = reference(&a, &b, 0.0, &[]);
                for (&got, &w) in c.iter().zip(&want) {
                    assert!(
                        (got as f64 - w).abs() <= 1e-5 * 301.0,
                        "{isa:?} (Aᵀ {ta}, Bᵀ {tb}): {got} vs {w}"
                    );
                }
            }
        }
        assert_eq!(isa(), best);
    }

    /// The split over threads changes no bit of the result (the module's determinism claim,
    /// which is the pure-Rust build's: with `blas`, OpenBLAS computes the products).
    #[cfg(all(feature = "threads", not(feature = "blas")))]
    #[test]
    fn two_threads_give_bit_identical_results() {
        let _count = thread_count_lock();
        for (m, k, n, tb) in [
            (128, 784, 256, false),
            (784, 128, 256, false),
            (128, 128, 256, true),
            (131, 300, 20, false),
        ] {
            let ad = values(m * k, 9);
            let bd = values(k * n, 10);
            let a = MatRef::row_major(&ad, m, k);
            let b = view(&bd, k, n, tb);
            let (mut one, mut two) = (vec![0.0; m * n], vec![0.0; m * n]);
            unsafe { serial(isa(), m, k, n, a.raw(), b.raw(), 0.0, one.as_mut_ptr(), n) };
            set_num_threads(2);
            matmul(a, b, 0.0, &mut two).unwrap();
            set_num_threads(0);
            assert!(
                one.iter().zip(&two).all(|(x, y)| x.to_bits() == y.to_bits()),
                "{m}x{k}x{n}"
            );
        }
    }

    #[test]
    fn blocks_cover_every_index_once_on_aligned_boundaries() {
        let _count = thread_count_lock();
        use std::sync::Mutex;
        set_num_threads(2);
        for (len, align, min_len) in [
            (0, 16, 1),
            (1, 16, 1),
            (100, 16, 10),
            (100, 16, 1000),
            (65_537, 16, 32_768),
        ] {
            let seen = Mutex::new(Vec::new());
            for_each_block(len, align, min_len, &|start, end| {
                seen.lock().unwrap().push((start, end))
            });
            let mut blocks = seen.into_inner().unwrap();
            blocks.sort_unstable();
            // Contiguous from 0 to len, boundaries on multiples of `align`.
            let mut next = 0;
            for &(start, end) in &blocks {
                assert_eq!(start, next, "{len}: {blocks:?}");
                assert!(end > start || len == 0, "{len}: {blocks:?}");
                assert!(end == len || end % align == 0, "{len}: {blocks:?}");
                next = end;
            }
            assert_eq!(next, len, "{len}: {blocks:?}");
            // One block below `min_len`; at most one per thread above it.
            let most = if len >= min_len && cfg!(feature = "threads") {
                2
            } else {
                1
            };
            assert!(blocks.len() <= most, "{len}: {blocks:?}");
        }
        set_num_threads(0);
    }

    #[test]
    fn zipped_blocks_give_the_serial_result() {
        let _count = thread_count_lock();
        let len = 70_001;
        let a0 = values(len, 3);
        let g = values(len, 4);
        let (mut a, mut b) = (a0.clone(), vec![1.0; len]);
        set_num_threads(2);
        zip_blocks([&mut a, &mut b], [&g], 1_000, move |[a, b], [g]| {
            for ((a, b), &g) in a.iter_mut().zip(b.iter_mut()).zip(g) {
                *b += *a * g;
                *a -= 0.5 * g;
            }
        });
        set_num_threads(0);
        for i in 0..len {
            assert_eq!(b[i].to_bits(), (a0[i] * g[i] + 1.0).to_bits(), "b[{i}]");
            assert_eq!(a[i].to_bits(), (a0[i] - 0.5 * g[i]).to_bits(), "a[{i}]");
        }
    }

    /// A panic in a block, on a helper or on the calling thread, reaches the caller after
    /// the other blocks have ended, and the helpers go on working afterwards.
    #[cfg(feature = "threads")]
    #[test]
    fn a_panicking_block_reaches_the_caller_and_the_helpers_survive() {
        use std::sync::atomic::AtomicBool;
        let _count = thread_count_lock();
        set_num_threads(2);
        for panicking_start in [true, false] {
            // Whether the range was split (it is not when another test's product holds the
            // helpers: then one block 0..1024 runs here).
            let split = AtomicBool::new(false);
            let outcome = std::panic::catch_unwind(|| {
                for_each_block(1024, 16, 2, &|start, end| {
                    if (start, end) != (0, 1024) {
                        split.store(true, Ordering::SeqCst);
                    }
                    if (start == 0) == panicking_start {
                        panic!("block {start}..{end}");
                    }
                })
            });
            if panicking_start || split.load(Ordering::SeqCst) {
                assert!(
                    outcome.is_err(),
                    "the panic of a block (caller's: {panicking_start}) was lost"
                );
            }
            // The helpers still take work (a dead helper would make this wait forever).
            let mut total = vec![0u8; 1024];
            let cells = total.as_mut_ptr() as usize;
            for_each_block(1024, 16, 2, &|start, end| {
                for i in start..end {
                    // SAFETY: the blocks are disjoint ranges of `total`.
                    unsafe { *(cells as *mut u8).add(i) += 1 };
                }
            });
            assert!(total.iter().all(|&t| t == 1));
        }
        set_num_threads(0);
    }

    #[test]
    fn packing_buffers_start_on_a_cache_line() {
        let mut buf = Vec::new();
        for need in [1, 15, 16, 1000, 40_000, 300_000] {
            let p = line_aligned(&mut buf, need);
            assert_eq!(p as usize % 64, 0, "{need} values");
            let start = (p as usize - buf.as_ptr() as usize) / 4;
            assert!(
                start + need <= buf.len(),
                "{need} values from {start} in {}",
                buf.len()
            );
        }
    }

    #[test]
    fn mismatched_shapes_are_errors() {
        let a = [0.0; 6];
        let mut c = [0.0; 4];
        let av = MatRef::new(&a, 2, 3).unwrap();
        assert!(matmul(av, av, 0.0, &mut c).is_err());
        assert!(matmul(av, av.t(), 0.0, &mut c[..3]).is_err());
        assert!(MatRef::new(&a, 4, 2).is_err());
    }

    #[test]
    fn empty_inner_dimension_scales_c() {
        let mut c = [f32::NAN, 2.0];
        matmul(
            MatRef::new(&[], 1, 0).unwrap(),
            MatRef::new(&[], 0, 2).unwrap(),
            0.0,
            &mut c,
        )
        .unwrap();
        assert_eq!(c, [0.0, 0.0]);
    }
}
