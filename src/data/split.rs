//! Train/test splits and k-fold cross-validation, as scikit-learn's
//! `sklearn.model_selection.train_test_split`, `KFold` and `StratifiedKFold`.
//!
//! Sizes and allocation rules are scikit-learn's, so the same data gives folds and parts of
//! the same sizes (and, for unshuffled [`KFold`] and [`StratifiedKFold`], the very same
//! indices); random choices are drawn from a seeded [`crate::rng`] generator instead of
//! NumPy's, so shuffled results differ from scikit-learn's sample by sample but are
//! reproducible from the seed.
//!
//! **Class labels** for stratification are read from the targets `y`: with one value per
//! sample (`[n]` or `[n, 1]`) each distinct value is a class (like `np.unique`); with several
//! values per sample (`[n, c]`, one-hot rows) the class is the row's argmax.

use std::collections::HashMap;

use rand::seq::SliceRandom;

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::rng::{Rng, seeded};
use crate::tensor::Tensor;

/// One (train indices, test indices) pair of a cross-validation split.
pub type Fold = (Vec<usize>, Vec<usize>);

/// Class ids of the samples, numbered by order of first appearance (scikit-learn's
/// `StratifiedKFold` encoding), and the number of classes.
pub(crate) fn class_ids(y: &Tensor, context: &str) -> Result<(Vec<usize>, usize)> {
    if y.ndim() == 0 || y.batch_size() == 0 {
        return Err(Error::empty(format!("{context} (targets)")));
    }
    y.check_finite_with(|| format!("{context} (targets)"))?;
    let keys: Vec<u64> = if y.sample_size() == 1 {
        // `+ 0.0` turns -0.0 into 0.0, so both are one class.
        y.as_slice().iter().map(|&v| (v + 0.0).to_bits() as u64).collect()
    } else if y.sample_size() == 0 {
        return Err(Error::shape(
            format!("{context} (targets)"),
            "at least one value per sample",
            y.shape(),
        ));
    } else {
        y.argmax_rows().into_iter().map(|c| c as u64).collect()
    };
    let mut seen: HashMap<u64, usize> = HashMap::new();
    let ids = keys
        .iter()
        .map(|k| {
            let next = seen.len();
            *seen.entry(*k).or_insert(next)
        })
        .collect();
    Ok((ids, seen.len()))
}

/// How many samples of each class are drawn when `n_draws` samples are drawn from classes
/// of sizes `counts` in proportion: scikit-learn's `_approximate_mode`. Each class gets the
/// floor of its share; the samples left over go to the classes with the largest fractional
/// parts, ties broken at random.
fn approximate_mode(counts: &[usize], n_draws: usize, rng: &mut Rng) -> Vec<usize> {
    let total: usize = counts.iter().sum();
    let continuous: Vec<f64> = counts
        .iter()
        .map(|&c| c as f64 / total as f64 * n_draws as f64)
        .collect();
    let mut out: Vec<usize> = continuous.iter().map(|c| c.floor() as usize).collect();
    let mut need = n_draws.saturating_sub(out.iter().sum());
    if need > 0 {
        let remainder: Vec<f64> = continuous.iter().map(|c| c - c.floor()).collect();
        let mut values = remainder.clone();
        values.sort_by(|a, b| b.total_cmp(a));
        values.dedup();
        for value in values {
            let mut inds: Vec<usize> = (0..counts.len()).filter(|&i| remainder[i] == value).collect();
            let add_now = inds.len().min(need);
            inds.shuffle(rng);
            for &i in &inds[..add_now] {
                out[i] += 1;
            }
            need -= add_now;
            if need == 0 {
                break;
            }
        }
    }
    out
}

fn check_fraction(test_fraction: f64) -> Result<()> {
    if test_fraction.is_finite() && test_fraction > 0.0 && test_fraction < 1.0 {
        Ok(())
    } else {
        Err(Error::config(
            "train_test_split.test_fraction",
            test_fraction,
            "must be in (0, 1)",
        ))
    }
}

/// The (train, test) sample indices of a train/test split of `y`'s samples; see
/// [`train_test_split`], which applies them to a [`Dataset`].
///
/// ```
/// use trustnn::{data::train_test_split_indices, Tensor};
/// let y = Tensor::from_vec(vec![0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0], &[8])?;
/// let (train, test) = train_test_split_indices(&y, 0.25, 0, true)?;
/// assert_eq!((train.len(), test.len()), (6, 2));
/// // Stratified: one sample of each class in the test part.
/// let mut test_labels: Vec<f32> = test.iter().map(|&i| y.as_slice()[i]).collect();
/// test_labels.sort_by(f32::total_cmp);
/// assert_eq!(test_labels, vec![0.0, 1.0]);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn train_test_split_indices(
    y: &Tensor,
    test_fraction: f64,
    seed: u64,
    stratify: bool,
) -> Result<(Vec<usize>, Vec<usize>)> {
    check_fraction(test_fraction)?;
    if y.ndim() == 0 || y.batch_size() == 0 {
        return Err(Error::empty("train_test_split (targets)"));
    }
    let n = y.batch_size();
    // scikit-learn's `_validate_shuffle_split`: the test part is rounded up.
    let n_test = (test_fraction * n as f64).ceil() as usize;
    let n_train = n - n_test.min(n);
    if n_train == 0 {
        return Err(Error::config(
            "train_test_split.test_fraction",
            test_fraction,
            format!("with {n} samples the train part would be empty"),
        ));
    }
    let mut rng = seeded(seed);
    if !stratify {
        // scikit-learn's `ShuffleSplit`: the first `n_test` of a permutation are the test part.
        let mut perm: Vec<usize> = (0..n).collect();
        perm.shuffle(&mut rng);
        let train = perm.split_off(n_test);
        return Ok((train, perm));
    }

    let (ids, k) = class_ids(y, "train_test_split")?;
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (i, &c) in ids.iter().enumerate() {
        members[c].push(i);
    }
    let counts: Vec<usize> = members.iter().map(Vec::len).collect();
    if let Some(c) = counts.iter().position(|&c| c < 2) {
        let first = members[c][0];
        return Err(Error::config(
            "train_test_split.stratify",
            true,
            format!(
                "the class of sample {first} (label {}) has only 1 member; stratifying needs at \
                 least 2 per class (as scikit-learn)",
                label_text(y, first)
            ),
        ));
    }
    if n_train < k || n_test < k {
        return Err(Error::config(
            "train_test_split.test_fraction",
            test_fraction,
            format!(
                "gives {n_train} train and {n_test} test samples; stratifying over {k} classes needs at \
                 least {k} in each part"
            ),
        ));
    }

    // scikit-learn's `StratifiedShuffleSplit`: train counts per class by `_approximate_mode`,
    // the rest of each class is test.
    let mut n_tr = approximate_mode(&counts, n_train, &mut rng);
    repair_empty_classes(&counts, &mut n_tr, n_train, n_test);

    let (mut train, mut test) = (Vec::with_capacity(n_train), Vec::with_capacity(n_test));
    for (m, &t) in members.iter_mut().zip(&n_tr) {
        m.shuffle(&mut rng);
        train.extend_from_slice(&m[..t]);
        test.extend_from_slice(&m[t..]);
    }
    train.shuffle(&mut rng);
    test.shuffle(&mut rng);
    Ok((train, test))
}

/// Ensures every class (all have >= 2 members) has at least one sample in each part, keeping
/// the part sizes: a class missing from a part takes one sample from the class that is most
/// over its proportional share there (and has a sample to spare). scikit-learn can leave a
/// rare class out of one part; this is the one place we depart from it.
fn repair_empty_classes(counts: &[usize], n_tr: &mut [usize], n_train: usize, n_test: usize) {
    let n = (n_train + n_test) as f64;
    let share_tr = |j: usize| counts[j] as f64 * n_train as f64 / n;
    for i in 0..counts.len() {
        if n_tr[i] == counts[i] {
            // No test sample: move one of class i to test, one of the class most over its
            // test share (with >= 2 test samples) to train.
            let j = (0..counts.len())
                .filter(|&j| j != i && counts[j] - n_tr[j] >= 2)
                .max_by(|&a, &b| {
                    let over = |j: usize| (counts[j] - n_tr[j]) as f64 - (counts[j] as f64 - share_tr(j));
                    over(a).total_cmp(&over(b))
                })
                .expect("n_test >= number of classes, so a class has two test samples");
            n_tr[i] -= 1;
            n_tr[j] += 1;
        } else if n_tr[i] == 0 {
            let j = (0..counts.len())
                .filter(|&j| j != i && n_tr[j] >= 2)
                .max_by(|&a, &b| {
                    let over = |j: usize| n_tr[j] as f64 - share_tr(j);
                    over(a).total_cmp(&over(b))
                })
                .expect("n_train >= number of classes, so a class has two train samples");
            n_tr[i] += 1;
            n_tr[j] -= 1;
        }
    }
}

fn label_text(y: &Tensor, i: usize) -> String {
    match y.row(i) {
        Ok([v]) => v.to_string(),
        Ok(_) => format!("class {}", y.select_rows(&[i]).map_or(0, |r| r.argmax_rows()[0])),
        Err(_) => "?".into(),
    }
}

/// Splits a dataset into a train and a test part, as scikit-learn's
/// `train_test_split(..., test_size=test_fraction, shuffle=True, stratify=y if stratify)`.
///
/// * The test part has `ceil(test_fraction · n)` samples, the train part the rest;
///   `test_fraction` must be in `(0, 1)` and leave a non-empty train part.
/// * Both parts are shuffled (from `seed`); weights, group columns and names follow their
///   samples.
/// * With `stratify`, each class keeps its proportion: as scikit-learn's
///   `StratifiedShuffleSplit`, a class's train count is the floor of its share of the train
///   part, plus one for the classes with the largest remainders (ties at random), so the
///   counts are within one sample of proportional; the rest of the class goes to the test
///   part. Every class must have at least 2 samples (an error otherwise, as scikit-learn), and
///   both parts at least one sample per class. Unlike scikit-learn, every class is then
///   guaranteed a sample in each part: a class left out of one part by the rounding takes one
///   sample from the class most over its share there (part sizes unchanged).
///
/// ```
/// use trustnn::{data::{train_test_split, Dataset}, Tensor};
/// let x = Tensor::from_vec((0..20).map(|v| v as f32).collect(), &[10, 2])?;
/// let y = Tensor::from_vec(vec![0., 0., 0., 0., 0., 1., 1., 1., 1., 1.], &[10])?;
/// let ds = Dataset::new(x, y)?;
/// let (train, test) = train_test_split(&ds, 0.2, 7, true)?;
/// assert_eq!((train.len(), test.len()), (8, 2));
/// assert_eq!(test.y().as_slice().iter().sum::<f32>(), 1.0); // one of each class
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn train_test_split(
    data: &Dataset,
    test_fraction: f64,
    seed: u64,
    stratify: bool,
) -> Result<(Dataset, Dataset)> {
    let (train, test) = train_test_split_indices(data.y(), test_fraction, seed, stratify)?;
    Ok((data.subset(&train)?, data.subset(&test)?))
}

fn check_n_splits(context: &str, n_splits: usize, n: usize) -> Result<()> {
    if n_splits < 2 {
        return Err(Error::config(
            format!("{context}.n_splits"),
            n_splits,
            "k-fold cross-validation needs at least 2 splits",
        ));
    }
    if n == 0 {
        return Err(Error::empty(format!("{context}::split")));
    }
    if n_splits > n {
        return Err(Error::config(
            format!("{context}.n_splits"),
            n_splits,
            format!("cannot be greater than the number of samples ({n})"),
        ));
    }
    Ok(())
}

/// Turns a fold number per sample into (train, test) index pairs, both sorted ascending
/// (scikit-learn's `BaseCrossValidator.split` uses boolean masks, hence sorted indices).
fn folds_from_assignment(fold_of: &[usize], n_splits: usize) -> Vec<Fold> {
    (0..n_splits)
        .map(|f| {
            let (mut train, mut test) = (Vec::new(), Vec::new());
            for (i, &g) in fold_of.iter().enumerate() {
                if g == f { &mut test } else { &mut train }.push(i);
            }
            (train, test)
        })
        .collect()
}

/// K-fold cross-validation, as scikit-learn's `KFold(n_splits, shuffle, random_state)`.
///
/// The samples (in index order, or permuted from `seed` when `shuffle` is set) are cut into
/// `n_splits` consecutive folds; the first `n % n_splits` folds have `n / n_splits + 1`
/// samples, the others `n / n_splits`. Each fold is the test part once, the other folds the
/// train part; both index lists are sorted ascending. `n_splits` must be in `[2, n]`.
///
/// ```
/// use trustnn::data::KFold;
/// let folds = KFold::new(3).split(7)?;
/// assert_eq!(folds[0], (vec![3, 4, 5, 6], vec![0, 1, 2]));
/// assert_eq!(folds[1], (vec![0, 1, 2, 5, 6], vec![3, 4]));
/// assert_eq!(folds[2], (vec![0, 1, 2, 3, 4], vec![5, 6]));
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KFold {
    /// Number of folds (`>= 2`).
    pub n_splits: usize,
    /// Permute the samples before cutting the folds.
    pub shuffle: bool,
    /// Seed of the permutation (used only with `shuffle`).
    pub seed: u64,
}

impl KFold {
    /// `n_splits` folds, unshuffled.
    pub fn new(n_splits: usize) -> Self {
        KFold {
            n_splits,
            shuffle: false,
            seed: 0,
        }
    }

    /// Permutes the samples from `seed` before cutting the folds.
    pub fn shuffled(mut self, seed: u64) -> Self {
        self.shuffle = true;
        self.seed = seed;
        self
    }

    /// The `n_splits` (train, test) index pairs for `n_samples` samples.
    pub fn split(&self, n_samples: usize) -> Result<Vec<Fold>> {
        check_n_splits("KFold", self.n_splits, n_samples)?;
        let mut order: Vec<usize> = (0..n_samples).collect();
        if self.shuffle {
            order.shuffle(&mut seeded(self.seed));
        }
        let (base, extra) = (n_samples / self.n_splits, n_samples % self.n_splits);
        let mut fold_of = vec![0; n_samples];
        let mut start = 0;
        for f in 0..self.n_splits {
            let size = base + usize::from(f < extra);
            for &i in &order[start..start + size] {
                fold_of[i] = f;
            }
            start += size;
        }
        Ok(folds_from_assignment(&fold_of, self.n_splits))
    }
}

/// Stratified k-fold cross-validation, as scikit-learn's
/// `StratifiedKFold(n_splits, shuffle, random_state)` (its allocation since version 0.22).
///
/// Classes are numbered by first appearance in `y`; the sorted class ids are dealt
/// round-robin to the folds, which fixes how many samples of each class every fold gets (so
/// fold sizes are [`KFold`]'s, and each class's count per fold differs by at most one between
/// folds). The samples of a class are then given their folds in index order — in blocks —
/// or, with `shuffle`, in an order permuted from `seed`. Both index lists are sorted
/// ascending. Without shuffling the folds are exactly scikit-learn's.
///
/// Errors: `n_splits < 2`, `n_splits > n`, and — stricter than scikit-learn, which only warns
/// unless every class is too small — any class with fewer than `n_splits` members (a fold
/// would miss that class).
///
/// ```
/// use trustnn::{data::StratifiedKFold, Tensor};
/// let y = Tensor::from_vec(vec![1.0, 1.0, 0.0, 1.0, 0.0, 1.0], &[6])?;
/// let folds = StratifiedKFold::new(2).split(&y)?;
/// assert_eq!(folds[0].1, vec![0, 1, 2]);
/// assert_eq!(folds[1].1, vec![3, 4, 5]);
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StratifiedKFold {
    /// Number of folds (`>= 2`).
    pub n_splits: usize,
    /// Permute each class's fold assignment.
    pub shuffle: bool,
    /// Seed of the permutation (used only with `shuffle`).
    pub seed: u64,
}

impl StratifiedKFold {
    /// `n_splits` folds, unshuffled.
    pub fn new(n_splits: usize) -> Self {
        StratifiedKFold {
            n_splits,
            shuffle: false,
            seed: 0,
        }
    }

    /// Permutes each class's fold assignment from `seed`.
    pub fn shuffled(mut self, seed: u64) -> Self {
        self.shuffle = true;
        self.seed = seed;
        self
    }

    /// The `n_splits` (train, test) index pairs, stratified by the classes of `y` (see the
    /// [module documentation](self) for how classes are read).
    pub fn split(&self, y: &Tensor) -> Result<Vec<Fold>> {
        let n = if y.ndim() == 0 { 0 } else { y.batch_size() };
        check_n_splits("StratifiedKFold", self.n_splits, n)?;
        let k = self.n_splits;
        let (ids, n_classes) = class_ids(y, "StratifiedKFold")?;
        let mut counts = vec![0usize; n_classes];
        for &c in &ids {
            counts[c] += 1;
        }
        if let Some(c) = counts.iter().position(|&m| m < k) {
            let first = ids.iter().position(|&i| i == c).unwrap_or(0);
            return Err(Error::config(
                "StratifiedKFold.n_splits",
                k,
                format!(
                    "the class of sample {first} (label {}) has only {} member{}; every class needs \
                     at least n_splits",
                    label_text(y, first),
                    counts[c],
                    if counts[c] == 1 { "" } else { "s" }
                ),
            ));
        }
        // allocation[f][c]: samples of class c in fold f, from dealing the sorted ids
        // round-robin (position p of the sorted ids goes to fold p % k).
        let mut allocation = vec![vec![0usize; n_classes]; k];
        let mut p = 0;
        for (c, &m) in counts.iter().enumerate() {
            for _ in 0..m {
                allocation[p % k][c] += 1;
                p += 1;
            }
        }
        let mut rng = seeded(self.seed);
        let mut fold_of = vec![0; n];
        let mut folds_for_class = Vec::with_capacity(n);
        for c in 0..n_classes {
            folds_for_class.clear();
            for (f, alloc) in allocation.iter().enumerate() {
                folds_for_class.extend(std::iter::repeat_n(f, alloc[c]));
            }
            if self.shuffle {
                folds_for_class.shuffle(&mut rng);
            }
            let samples = ids.iter().enumerate().filter(|&(_, &id)| id == c).map(|(i, _)| i);
            for (i, &f) in samples.zip(&folds_for_class) {
                fold_of[i] = f;
            }
        }
        Ok(folds_from_assignment(&fold_of, k))
    }
}
