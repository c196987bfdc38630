//! Mini-batch iteration over a [`Dataset`] (or `x`/`y` tensors), as PyTorch's
//! `torch.utils.data.DataLoader(dataset, batch_size, shuffle, drop_last)` with a seeded
//! `generator`.
//!
//! Each epoch visits every sample once, in index order or, with shuffling, in a fresh random
//! permutation drawn from one seeded stream ([`crate::rng`]): epoch `e` of a given seed is
//! always the same permutation. The last, smaller batch is kept unless `drop_last` is set.
//! [`Batches::next_into`] gathers a batch into a [`BatchBuf`] the caller keeps, so a warm
//! training loop allocates nothing; the [`Iterator`] implementation yields owned [`Batch`]es.

use rand::seq::SliceRandom;

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::loss::check_weights;
use crate::rng::{Rng, seeded};
use crate::tensor::Tensor;

/// One mini-batch, owned: the features, targets and (if the data has them) weights of the
/// samples at `indices`.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    /// Features, `[batch, ...]` (the data's sample shape).
    pub x: Tensor,
    /// Targets, `[batch, ...]`.
    pub y: Tensor,
    /// One weight per sample, if the data has weights.
    pub weights: Option<Vec<f32>>,
    /// The samples' indices in the source data, in batch order.
    pub indices: Vec<usize>,
}

/// A reusable batch buffer for [`Batches::next_into`]: its tensors keep their allocation
/// from one batch to the next.
#[derive(Clone, Debug, Default)]
pub struct BatchBuf {
    x: Tensor,
    y: Tensor,
    weights: Vec<f32>,
    has_weights: bool,
    indices: Vec<usize>,
}

impl BatchBuf {
    /// An empty buffer (it grows to the batch size on first use).
    pub fn new() -> Self {
        Self::default()
    }

    /// The batch's features.
    pub fn x(&self) -> &Tensor {
        &self.x
    }

    /// The batch's targets.
    pub fn y(&self) -> &Tensor {
        &self.y
    }

    /// The batch's sample weights, if the data has weights.
    pub fn weights(&self) -> Option<&[f32]> {
        self.has_weights.then_some(self.weights.as_slice())
    }

    /// The batch's sample indices in the source data.
    pub fn indices(&self) -> &[usize] {
        &self.indices
    }

    /// Number of samples in the batch.
    pub fn len(&self) -> usize {
        self.indices.len()
    }

    /// True before the first batch is gathered (a gathered batch is never empty).
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }
}

/// Mini-batches over features, targets and optional weights, epoch after epoch.
///
/// Iterating up to `None` is one epoch; iterating again starts the next epoch (with a new
/// permutation when shuffling), so `for batch in &mut batches { ... }` inside an epoch loop
/// does what a training loop needs. Without shuffling, batches follow index order.
///
/// ```
/// use trustnn::{data::{BatchBuf, Dataset}, Tensor};
/// let x = Tensor::from_vec((0..10).map(|v| v as f32).collect(), &[5, 2])?;
/// let y = Tensor::from_vec(vec![0.0, 1.0, 0.0, 1.0, 0.0], &[5])?;
/// let ds = Dataset::new(x, y)?;
///
/// // Owned batches, in order: sizes 2, 2, 1.
/// let sizes: Vec<usize> = ds.batches(2)?.map(|b| b.indices.len()).collect();
/// assert_eq!(sizes, vec![2, 2, 1]);
///
/// // Shuffled, last partial batch dropped, gathered into a reused buffer.
/// let mut batches = ds.batches(2)?.shuffle(42).drop_last(true);
/// let mut buf = BatchBuf::new();
/// for _epoch in 0..3 {
///     let mut seen = 0;
///     while batches.next_into(&mut buf) {
///         assert_eq!(buf.x().shape(), &[2, 2]);
///         seen += buf.len();
///     }
///     assert_eq!(seen, 4);
/// }
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Batches<'a> {
    x: &'a Tensor,
    y: &'a Tensor,
    weights: Option<&'a [f32]>,
    batch_size: usize,
    drop_last: bool,
    shuffle: bool,
    rng: Rng,
    order: Vec<usize>,
    /// Position in `order` of the next batch; `None` between epochs.
    pos: Option<usize>,
    epochs_started: usize,
}

impl<'a> Batches<'a> {
    /// Batches of `batch_size` samples (`>= 1`) over a dataset's features, targets and
    /// weights; in index order, last partial batch kept.
    pub fn new(data: &'a Dataset, batch_size: usize) -> Result<Self> {
        Self::from_tensors(data.x(), data.y(), data.weights(), batch_size)
    }

    /// Batches over `x` (`[n, ...]`, `n >= 1`), `y` (`[n, ...]`) and optional weights (`n`
    /// finite values `>= 0`).
    pub fn from_tensors(
        x: &'a Tensor,
        y: &'a Tensor,
        weights: Option<&'a [f32]>,
        batch_size: usize,
    ) -> Result<Self> {
        if batch_size == 0 {
            return Err(Error::config("Batches.batch_size", 0, "must be >= 1"));
        }
        if x.ndim() == 0 || x.batch_size() == 0 {
            return Err(Error::empty("Batches (features)"));
        }
        let n = x.batch_size();
        if y.ndim() == 0 || y.batch_size() != n {
            return Err(Error::shape(
                "Batches (targets)",
                format!("{n} samples like the features"),
                y.shape(),
            ));
        }
        if let Some(w) = weights {
            check_weights("Batches", w, n)?;
        }
        Ok(Batches {
            x,
            y,
            weights,
            batch_size,
            drop_last: false,
            shuffle: false,
            rng: seeded(0),
            order: (0..n).collect(),
            pos: None,
            epochs_started: 0,
        })
    }

    /// Shuffles the samples at the start of every epoch, from a generator seeded with
    /// `seed` (PyTorch's `shuffle=True` with a seeded `generator`). Restarts the epoch count.
    pub fn shuffle(mut self, seed: u64) -> Self {
        self.shuffle = true;
        self.rng = seeded(seed);
        self.pos = None;
        self.epochs_started = 0;
        self
    }

    /// Drops the last batch of an epoch when it is smaller than the batch size (PyTorch's
    /// `drop_last`). With `drop_last` and a batch size larger than the data, an epoch has no
    /// batch at all ([`Batches::batches_per_epoch`] is 0).
    pub fn drop_last(mut self, drop_last: bool) -> Self {
        self.drop_last = drop_last;
        self
    }

    /// The batch size.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Number of samples in the data.
    pub fn n_samples(&self) -> usize {
        self.order.len()
    }

    /// Batches in one epoch: `ceil(n / batch_size)`, or `floor(n / batch_size)` with
    /// `drop_last` (PyTorch's `len(DataLoader)`).
    pub fn batches_per_epoch(&self) -> usize {
        let n = self.order.len();
        if self.drop_last {
            n / self.batch_size
        } else {
            n.div_ceil(self.batch_size)
        }
    }

    /// Number of epochs begun so far (the first batch of an epoch begins it).
    pub fn epochs_started(&self) -> usize {
        self.epochs_started
    }

    /// The sample indices of the next batch, starting a new epoch if none is under way;
    /// `None` at the end of an epoch.
    fn next_indices(&mut self) -> Option<(usize, usize)> {
        let start = match self.pos {
            Some(p) => p,
            None => {
                if self.shuffle {
                    self.order.shuffle(&mut self.rng);
                }
                self.epochs_started += 1;
                0
            }
        };
        let n = self.order.len();
        let end = (start + self.batch_size).min(n);
        if start >= n || (self.drop_last && end - start < self.batch_size) {
            self.pos = None;
            return None;
        }
        self.pos = Some(end);
        Some((start, end))
    }

    /// Gathers the next batch into `buf`, reusing its allocation; returns `false` (leaving
    /// `buf` unchanged) at the end of an epoch. The call after that starts the next epoch.
    pub fn next_into(&mut self, buf: &mut BatchBuf) -> bool {
        let Some((start, end)) = self.next_indices() else {
            return false;
        };
        let idx = &self.order[start..end];
        buf.indices.clear();
        buf.indices.extend_from_slice(idx);
        // Indices come from 0..n and the shapes were checked in `from_tensors`.
        self.x
            .gather_rows_into(idx, &mut buf.x)
            .expect("Batches invariant: indices < n");
        self.y
            .gather_rows_into(idx, &mut buf.y)
            .expect("Batches invariant: indices < n");
        buf.weights.clear();
        buf.has_weights = self.weights.is_some();
        if let Some(w) = self.weights {
            buf.weights.extend(idx.iter().map(|&i| w[i]));
        }
        true
    }
}

impl Iterator for Batches<'_> {
    type Item = Batch;

    /// The next batch of the current epoch (owned); `None` at the end of the epoch.
    fn next(&mut self) -> Option<Batch> {
        let mut buf = BatchBuf::new();
        if !self.next_into(&mut buf) {
            return None;
        }
        Some(Batch {
            x: buf.x,
            y: buf.y,
            weights: buf.has_weights.then_some(buf.weights),
            indices: buf.indices,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let done = self.pos.map_or(0, |p| p.div_ceil(self.batch_size));
        let left = self.batches_per_epoch().saturating_sub(done);
        (left, Some(left))
    }
}

impl Dataset {
    /// Batches of `batch_size` samples over this dataset (features, targets, weights); see
    /// [`Batches`].
    pub fn batches(&self, batch_size: usize) -> Result<Batches<'_>> {
        Batches::new(self, batch_size)
    }
}
