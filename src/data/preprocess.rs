//! Preprocessing transformers, as scikit-learn's `sklearn.preprocessing.StandardScaler`,
//! `MinMaxScaler`, `OneHotEncoder`, `LabelEncoder` and `sklearn.impute.SimpleImputer`.
//!
//! Each is fitted on training data (`fit`) and then applied to any data (`transform`), with
//! scikit-learn's formulas and edge cases (constant features, category order, ties), which
//! each item documents. Statistics are computed and stored in `f64` (as scikit-learn's
//! accumulators), so `inverse_transform(transform(x))` gives `x` back to `f32` precision.
//! Every transformer is plain data (`Clone`, `PartialEq`, serde), so it can be saved beside
//! a model. A transformer checks at transform time that the data has as many features as it
//! was fitted on ([`Error::ShapeMismatch`] otherwise), and using one before `fit` is
//! [`Error::NotReady`].
//!
//! Missing values: scalers reject NaN ([`Error::NonFinite`], naming the row and column);
//! [`SimpleImputer`] replaces them on request.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// Checks that `x` has `n` features per sample.
fn check_width(context: &str, x: &Tensor, n: usize) -> Result<()> {
    if x.ndim() == 0 || x.sample_size() != n {
        return Err(Error::shape(
            context,
            format!("[*, {n}] ({n} features, as fitted)"),
            x.shape(),
        ));
    }
    Ok(())
}

/// Checks that `x` has at least one sample and one feature, all finite.
fn check_fit_input(context: &str, x: &Tensor) -> Result<()> {
    if x.ndim() == 0 || x.batch_size() == 0 || x.sample_size() == 0 {
        return Err(Error::empty(context));
    }
    x.check_finite(context)
}

fn not_fitted(name: &str) -> Error {
    Error::NotReady(format!("{name} is not fitted: call fit first"))
}

/// Checks, for a transformer `name` fitted on `n_fitted` features (0 before `fit`), that it
/// is fitted ([`Error::NotReady`]) and that `x` has `n_fitted` features per sample
/// ([`Error::ShapeMismatch`] reported under `context`), in that order.
fn check_fitted_width(name: &str, context: &str, x: &Tensor, n_fitted: usize) -> Result<()> {
    if n_fitted == 0 {
        return Err(not_fitted(name));
    }
    check_width(context, x, n_fitted)
}

/// Applies `f(value, feature)` to every value of `x` (row-major `[n, width]`), in `f64`.
fn map_features(x: &mut Tensor, width: usize, f: impl Fn(f64, usize) -> f64) {
    for row in x.as_slice_mut().chunks_exact_mut(width) {
        for (j, v) in row.iter_mut().enumerate() {
            *v = f(*v as f64, j) as f32;
        }
    }
}

/// Per-feature mean and population variance (two passes, in `f64`).
fn mean_var(x: &Tensor) -> (Vec<f64>, Vec<f64>) {
    let width = x.sample_size();
    let n = x.batch_size() as f64;
    let mut mean = vec![0.0f64; width];
    for row in x.as_slice().chunks_exact(width) {
        for (m, &v) in mean.iter_mut().zip(row) {
            *m += v as f64;
        }
    }
    mean.iter_mut().for_each(|m| *m /= n);
    let mut var = vec![0.0f64; width];
    for row in x.as_slice().chunks_exact(width) {
        for ((s, &v), m) in var.iter_mut().zip(row).zip(&mean) {
            let d = v as f64 - m;
            *s += d * d;
        }
    }
    var.iter_mut().for_each(|s| *s /= n);
    (mean, var)
}

/// Standardizes features to zero mean and unit variance, as scikit-learn's
/// `StandardScaler(with_mean=True, with_std=True)`: `z = (x − mean) / scale`.
///
/// * `mean` is the per-feature mean, `var` the population variance (divided by `n`, not
///   `n − 1`), `scale = sqrt(var)`.
/// * A constant feature (scikit-learn's `_is_constant_feature`:
///   `var <= n·ε·var + (n·mean·ε)²`, ε the `f64` machine epsilon) gets `scale = 1`, so it
///   maps to 0 instead of dividing by zero.
/// * `with_mean(false)` skips centering, `with_std(false)` skips scaling (scale 1).
/// * Any input shape `[n, ...]` is treated as `[n, features]` (every value of a sample is a
///   feature); NaN or infinite values are an error.
///
/// ```
/// use trustnn::{data::StandardScaler, Tensor};
/// let x = Tensor::from_rows(&[[1.0, 5.0], [3.0, 5.0]])?;
/// let mut scaler = StandardScaler::new();
/// let z = scaler.fit_transform(&x)?;
/// assert_eq!(scaler.mean(), &[2.0, 5.0]);
/// assert_eq!(scaler.scale(), &[1.0, 1.0]); // population std of [1, 3] is 1; constant → 1
/// assert_eq!(z.as_slice(), &[-1.0, 0.0, 1.0, 0.0]);
/// assert_eq!(scaler.inverse_transform(&z)?, x);
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StandardScaler {
    with_mean: bool,
    with_std: bool,
    mean: Vec<f64>,
    var: Vec<f64>,
    scale: Vec<f64>,
    n_samples_seen: usize,
}

impl Default for StandardScaler {
    fn default() -> Self {
        Self::new()
    }
}

impl StandardScaler {
    /// An unfitted scaler that centers and scales.
    pub fn new() -> Self {
        StandardScaler {
            with_mean: true,
            with_std: true,
            mean: Vec::new(),
            var: Vec::new(),
            scale: Vec::new(),
            n_samples_seen: 0,
        }
    }

    /// Whether to subtract the mean (scikit-learn's `with_mean`, default true).
    pub fn with_mean(mut self, with_mean: bool) -> Self {
        self.with_mean = with_mean;
        self
    }

    /// Whether to divide by the standard deviation (scikit-learn's `with_std`, default true).
    pub fn with_std(mut self, with_std: bool) -> Self {
        self.with_std = with_std;
        self
    }

    /// Computes the per-feature mean, variance and scale of `x` (`[n, ...]`, finite, `n >= 1`).
    pub fn fit(&mut self, x: &Tensor) -> Result<()> {
        check_fit_input("StandardScaler::fit", x)?;
        let (mean, var) = mean_var(x);
        let n = x.batch_size() as f64;
        let eps = f64::EPSILON;
        self.scale = mean
            .iter()
            .zip(&var)
            .map(|(&m, &v)| {
                let constant = v <= n * eps * v + (n * m * eps).powi(2);
                if !self.with_std || constant { 1.0 } else { v.sqrt() }
            })
            .collect();
        self.mean = mean;
        self.var = var;
        self.n_samples_seen = x.batch_size();
        Ok(())
    }

    /// [`fit`](Self::fit), then [`transform`](Self::transform) of the same data.
    pub fn fit_transform(&mut self, x: &Tensor) -> Result<Tensor> {
        self.fit(x)?;
        self.transform(x)
    }

    /// Checks that `x` can be transformed: fitted, as many features as fitted, all finite.
    fn check(&self, context: &str, x: &Tensor) -> Result<()> {
        check_fitted_width("StandardScaler", context, x, self.mean.len())?;
        x.check_finite(context)
    }

    /// `(x − mean) / scale` in place.
    pub fn transform_inplace(&self, x: &mut Tensor) -> Result<()> {
        self.check("StandardScaler::transform", x)?;
        let center = self.with_mean;
        map_features(x, self.mean.len(), |v, j| {
            (if center { v - self.mean[j] } else { v }) / self.scale[j]
        });
        Ok(())
    }

    /// `(x − mean) / scale`, as a new tensor.
    pub fn transform(&self, x: &Tensor) -> Result<Tensor> {
        let mut out = x.clone();
        self.transform_inplace(&mut out)?;
        Ok(out)
    }

    /// `z · scale + mean`: undoes [`transform`](Self::transform).
    pub fn inverse_transform(&self, z: &Tensor) -> Result<Tensor> {
        self.check("StandardScaler::inverse_transform", z)?;
        let mut out = z.clone();
        let center = self.with_mean;
        map_features(&mut out, self.mean.len(), |v, j| {
            v * self.scale[j] + if center { self.mean[j] } else { 0.0 }
        });
        Ok(out)
    }

    /// Per-feature mean (scikit-learn's `mean_`); empty before `fit`.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// Per-feature population variance (`var_`); empty before `fit`.
    pub fn var(&self) -> &[f64] {
        &self.var
    }

    /// Per-feature scale (`scale_`): the standard deviation, or 1 for constant features or
    /// without `with_std`; empty before `fit`.
    pub fn scale(&self) -> &[f64] {
        &self.scale
    }

    /// Number of features seen by `fit` (0 before).
    pub fn n_features(&self) -> usize {
        self.mean.len()
    }

    /// Number of samples seen by `fit`.
    pub fn n_samples_seen(&self) -> usize {
        self.n_samples_seen
    }
}

/// Scales each feature to a range, as scikit-learn's `MinMaxScaler(feature_range=(0, 1))`:
/// `x' = x · scale + min` with `scale = (hi − lo) / (data_max − data_min)` and
/// `min = lo − data_min · scale`.
///
/// A constant feature (range below `10·ε`, scikit-learn's `_handle_zeros_in_scale`) gets the
/// range 1, so it maps to `lo`, the bottom of the range. With [`clip`](Self::clip), transformed
/// values outside the range (from data beyond the fitted min and max) are clipped to it.
///
/// ```
/// use trustnn::{data::MinMaxScaler, Tensor};
/// let x = Tensor::from_rows(&[[0.0, 7.0], [5.0, 7.0], [10.0, 7.0]])?;
/// let mut scaler = MinMaxScaler::new();
/// let z = scaler.fit_transform(&x)?;
/// assert_eq!(z.as_slice(), &[0.0, 0.0, 0.5, 0.0, 1.0, 0.0]); // constant column → range min
/// assert_eq!(scaler.inverse_transform(&z)?, x);
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MinMaxScaler {
    feature_range: (f64, f64),
    clip: bool,
    data_min: Vec<f64>,
    data_max: Vec<f64>,
    scale: Vec<f64>,
    min: Vec<f64>,
}

impl Default for MinMaxScaler {
    fn default() -> Self {
        Self::new()
    }
}

impl MinMaxScaler {
    /// An unfitted scaler to `[0, 1]`.
    pub fn new() -> Self {
        MinMaxScaler {
            feature_range: (0.0, 1.0),
            clip: false,
            data_min: Vec::new(),
            data_max: Vec::new(),
            scale: Vec::new(),
            min: Vec::new(),
        }
    }

    /// The target range `(lo, hi)`, `lo < hi` (checked by `fit`).
    pub fn feature_range(mut self, lo: f64, hi: f64) -> Self {
        self.feature_range = (lo, hi);
        self
    }

    /// Clip transformed values to the range (scikit-learn's `clip`, default false).
    pub fn clip(mut self, clip: bool) -> Self {
        self.clip = clip;
        self
    }

    /// Computes the per-feature min and max of `x` (`[n, ...]`, finite, `n >= 1`).
    pub fn fit(&mut self, x: &Tensor) -> Result<()> {
        let (lo, hi) = self.feature_range;
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(Error::config(
                "MinMaxScaler.feature_range",
                format!("({lo}, {hi})"),
                "the minimum must be smaller than the maximum (both finite)",
            ));
        }
        check_fit_input("MinMaxScaler::fit", x)?;
        let width = x.sample_size();
        let mut dmin = vec![f64::INFINITY; width];
        let mut dmax = vec![f64::NEG_INFINITY; width];
        for row in x.as_slice().chunks_exact(width) {
            for ((a, b), &v) in dmin.iter_mut().zip(dmax.iter_mut()).zip(row) {
                *a = a.min(v as f64);
                *b = b.max(v as f64);
            }
        }
        self.scale = dmin
            .iter()
            .zip(&dmax)
            .map(|(a, b)| {
                let range = b - a;
                (hi - lo) / if range < 10.0 * f64::EPSILON { 1.0 } else { range }
            })
            .collect();
        self.min = dmin.iter().zip(&self.scale).map(|(a, s)| lo - a * s).collect();
        self.data_min = dmin;
        self.data_max = dmax;
        Ok(())
    }

    /// [`fit`](Self::fit), then [`transform`](Self::transform) of the same data.
    pub fn fit_transform(&mut self, x: &Tensor) -> Result<Tensor> {
        self.fit(x)?;
        self.transform(x)
    }

    /// Checks that `x` can be transformed: fitted, as many features as fitted, all finite.
    fn check(&self, context: &str, x: &Tensor) -> Result<()> {
        check_fitted_width("MinMaxScaler", context, x, self.scale.len())?;
        x.check_finite(context)
    }

    /// `x · scale + min` in place (clipped to the range with `clip`).
    pub fn transform_inplace(&self, x: &mut Tensor) -> Result<()> {
        self.check("MinMaxScaler::transform", x)?;
        let (lo, hi) = self.feature_range;
        let clip = self.clip;
        map_features(x, self.scale.len(), |v, j| {
            let t = v * self.scale[j] + self.min[j];
            if clip { t.clamp(lo, hi) } else { t }
        });
        Ok(())
    }

    /// `x · scale + min`, as a new tensor.
    pub fn transform(&self, x: &Tensor) -> Result<Tensor> {
        let mut out = x.clone();
        self.transform_inplace(&mut out)?;
        Ok(out)
    }

    /// `(z − min) / scale`: undoes [`transform`](Self::transform) (except clipping).
    pub fn inverse_transform(&self, z: &Tensor) -> Result<Tensor> {
        self.check("MinMaxScaler::inverse_transform", z)?;
        let mut out = z.clone();
        map_features(&mut out, self.scale.len(), |v, j| {
            (v - self.min[j]) / self.scale[j]
        });
        Ok(out)
    }

    /// Per-feature minimum seen by `fit` (`data_min_`).
    pub fn data_min(&self) -> &[f64] {
        &self.data_min
    }

    /// Per-feature maximum seen by `fit` (`data_max_`).
    pub fn data_max(&self) -> &[f64] {
        &self.data_max
    }

    /// Per-feature scale (`scale_`).
    pub fn scale(&self) -> &[f64] {
        &self.scale
    }

    /// Per-feature offset (`min_`).
    pub fn min(&self) -> &[f64] {
        &self.min
    }

    /// Number of features seen by `fit` (0 before).
    pub fn n_features(&self) -> usize {
        self.scale.len()
    }
}

/// What [`OneHotEncoder::transform`] does with a category it did not see in `fit`
/// (scikit-learn's `handle_unknown`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum UnknownCategory {
    /// Return [`Error::UnknownName`] naming the column, the value and the known categories
    /// (scikit-learn's `'error'`, the default).
    #[default]
    Error,
    /// Encode it as all zeros in that column's block (scikit-learn's `'ignore'`).
    Ignore,
}

/// Validates a column-major table: at least one column, all of `n >= 1` values.
fn table_len<C: AsRef<[S]>, S>(context: &str, columns: &[C]) -> Result<usize> {
    let Some(first) = columns.first() else {
        return Err(Error::empty(format!("{context} (no columns)")));
    };
    let n = first.as_ref().len();
    for (j, c) in columns.iter().enumerate() {
        if c.as_ref().len() != n {
            return Err(Error::shape(
                format!("{context} (column {j})"),
                format!("{n} values like column 0"),
                &[c.as_ref().len()],
            ));
        }
    }
    Ok(n)
}

/// Encodes categorical (text) columns as one-hot blocks, as scikit-learn's
/// `OneHotEncoder(categories='auto', handle_unknown=...)`.
///
/// * `fit` takes the table column by column and finds each column's categories, sorted
///   (scikit-learn sorts them; for text that is code-point order, which Rust's `String`
///   ordering is).
/// * `transform` writes, for each sample, one block per column with a 1 at the category's
///   position, blocks in column order: `[n, Σ categories]`.
/// * Feature names are `column_category`, as scikit-learn's `get_feature_names_out`
///   (`sex_Female`).
/// * An unseen category is an error naming the column and the value, or all zeros with
///   [`UnknownCategory::Ignore`].
///
/// ```
/// use trustnn::data::{OneHotEncoder, UnknownCategory};
/// let mut enc = OneHotEncoder::new();
/// enc.fit(&["sex", "color"], &[vec!["Male", "Female", "Male"], vec!["red", "blue", "red"]])?;
/// assert_eq!(enc.feature_names_out(), vec!["sex_Female", "sex_Male", "color_blue", "color_red"]);
/// let x = enc.transform(&[vec!["Female"], vec!["red"]])?;
/// assert_eq!(x.as_slice(), &[1.0, 0.0, 0.0, 1.0]);
/// assert!(enc.transform(&[vec!["Other"], vec!["red"]]).is_err());
/// let enc = enc.handle_unknown(UnknownCategory::Ignore);
/// assert_eq!(enc.transform(&[vec!["Other"], vec!["red"]])?.as_slice(), &[0.0, 0.0, 0.0, 1.0]);
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OneHotEncoder {
    handle_unknown: UnknownCategory,
    columns: Vec<String>,
    categories: Vec<Vec<String>>,
}

impl OneHotEncoder {
    /// An unfitted encoder; unknown categories are errors.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets what to do with unknown categories at transform time.
    pub fn handle_unknown(mut self, handle_unknown: UnknownCategory) -> Self {
        self.handle_unknown = handle_unknown;
        self
    }

    /// Finds the sorted categories of each column. `names` names the columns (for feature
    /// names and errors); `columns` holds one slice of values per column, all of the same
    /// length `n >= 1`.
    pub fn fit<N, C, S>(&mut self, names: &[N], columns: &[C]) -> Result<()>
    where
        N: AsRef<str>,
        C: AsRef<[S]>,
        S: AsRef<str>,
    {
        let n = table_len("OneHotEncoder::fit", columns)?;
        if n == 0 {
            return Err(Error::empty("OneHotEncoder::fit (no rows)"));
        }
        if names.len() != columns.len() {
            return Err(Error::shape(
                "OneHotEncoder::fit (names)",
                format!("{} names (one per column)", columns.len()),
                &[names.len()],
            ));
        }
        self.categories = columns
            .iter()
            .map(|c| {
                let mut cats: Vec<String> = c.as_ref().iter().map(|s| s.as_ref().to_string()).collect();
                cats.sort();
                cats.dedup();
                cats
            })
            .collect();
        self.columns = names.iter().map(|s| s.as_ref().to_string()).collect();
        Ok(())
    }

    fn check_fitted(&self) -> Result<()> {
        if self.columns.is_empty() {
            Err(not_fitted("OneHotEncoder"))
        } else {
            Ok(())
        }
    }

    /// Writes the one-hot block of `value` in column `column` into `out` (of length
    /// `categories()[column].len()`): zeros and a single 1, or all zeros for an unknown
    /// value with [`UnknownCategory::Ignore`].
    pub fn encode_value(&self, column: usize, value: &str, out: &mut [f32]) -> Result<()> {
        self.check_fitted()?;
        let Some(cats) = self.categories.get(column) else {
            return Err(Error::shape(
                "OneHotEncoder::encode_value",
                format!("a column index < {}", self.columns.len()),
                &[column],
            ));
        };
        if out.len() != cats.len() {
            return Err(Error::shape(
                format!("OneHotEncoder::encode_value (column {:?})", self.columns[column]),
                format!("[{}] (one value per category)", cats.len()),
                &[out.len()],
            ));
        }
        out.fill(0.0);
        match cats.binary_search_by(|c| c.as_str().cmp(value)) {
            Ok(k) => out[k] = 1.0,
            Err(_) if self.handle_unknown == UnknownCategory::Ignore => {}
            Err(_) => {
                return Err(Error::UnknownName {
                    context: format!(
                        "OneHotEncoder column {:?} (unknown category)",
                        self.columns[column]
                    ),
                    name: value.to_string(),
                    known: cats.join(", "),
                });
            }
        }
        Ok(())
    }

    /// Encodes a table with the fitted columns (same number of columns, each of `n` values):
    /// `[n, n_features_out()]`.
    pub fn transform<C, S>(&self, columns: &[C]) -> Result<Tensor>
    where
        C: AsRef<[S]>,
        S: AsRef<str>,
    {
        self.check_fitted()?;
        if columns.len() != self.columns.len() {
            return Err(Error::shape(
                "OneHotEncoder::transform",
                format!("{} columns, as fitted", self.columns.len()),
                &[columns.len()],
            ));
        }
        let n = table_len("OneHotEncoder::transform", columns)?;
        let width = self.n_features_out();
        let mut out = Tensor::zeros(&[n, width]);
        for (i, row) in out.as_slice_mut().chunks_exact_mut(width.max(1)).enumerate() {
            let mut off = 0;
            for (j, (col, cats)) in columns.iter().zip(&self.categories).enumerate() {
                self.encode_value(j, col.as_ref()[i].as_ref(), &mut row[off..off + cats.len()])?;
                off += cats.len();
            }
        }
        Ok(out)
    }

    /// Decodes one-hot rows back to categories, column by column: `None` where a block is all
    /// zeros (an ignored unknown category), as scikit-learn's `inverse_transform`. A block
    /// that is not all zeros or a single 1 is [`Error::Format`].
    pub fn inverse_transform(&self, x: &Tensor) -> Result<Vec<Vec<Option<String>>>> {
        self.check_fitted()?;
        let width = self.n_features_out();
        check_width("OneHotEncoder::inverse_transform", x, width)?;
        let n = x.batch_size();
        let mut out: Vec<Vec<Option<String>>> = vec![Vec::with_capacity(n); self.columns.len()];
        for (i, row) in x.as_slice().chunks_exact(width.max(1)).enumerate() {
            let mut off = 0;
            for (j, cats) in self.categories.iter().enumerate() {
                let block = &row[off..off + cats.len()];
                off += cats.len();
                let ones: Vec<usize> = (0..block.len()).filter(|&k| block[k] != 0.0).collect();
                let value = match ones.as_slice() {
                    [] => None,
                    [k] if block[*k] == 1.0 => Some(cats[*k].clone()),
                    _ => {
                        return Err(Error::Format {
                            context: "OneHotEncoder::inverse_transform".into(),
                            reason: format!(
                                "row {i}, column {:?}: the block is not one-hot: {block:?}",
                                self.columns[j]
                            ),
                        });
                    }
                };
                out[j].push(value);
            }
        }
        Ok(out)
    }

    /// The fitted column names.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The sorted categories of each column (scikit-learn's `categories_`).
    pub fn categories(&self) -> &[Vec<String>] {
        &self.categories
    }

    /// Number of output features: the total number of categories.
    pub fn n_features_out(&self) -> usize {
        self.categories.iter().map(Vec::len).sum()
    }

    /// Output feature names, `column_category` (scikit-learn's `get_feature_names_out`).
    pub fn feature_names_out(&self) -> Vec<String> {
        self.columns
            .iter()
            .zip(&self.categories)
            .flat_map(|(c, cats)| cats.iter().map(move |k| format!("{c}_{k}")))
            .collect()
    }
}

/// The ordering of labels: numeric if every label parses as a finite number (ties between
/// texts of equal value, like `"1"` and `"1.0"`, by text), else by text.
fn sort_labels(labels: &mut [String]) {
    let nums: Option<Vec<f64>> = labels
        .iter()
        .map(|s| s.trim().parse::<f64>().ok().filter(|v| v.is_finite()))
        .collect();
    match nums {
        Some(_) => labels.sort_by(|a, b| {
            let (x, y) = (
                a.trim().parse::<f64>().unwrap_or(0.0),
                b.trim().parse::<f64>().unwrap_or(0.0),
            );
            x.total_cmp(&y).then_with(|| a.cmp(b))
        }),
        None => labels.sort(),
    }
}

/// Encodes text labels as class indices `0..k`, as scikit-learn's `LabelEncoder`.
///
/// The classes are the distinct labels, sorted like `np.unique` sorts the array scikit-learn
/// would hold: numerically when every label is a number (`"2" < "10"`), otherwise by text
/// (code-point order). Labels are matched by their exact text, so `"1"` and `"1.0"` are two
/// classes. An unseen label is an error.
///
/// ```
/// use trustnn::data::LabelEncoder;
/// let mut enc = LabelEncoder::new();
/// enc.fit(&["10", "2", "10", "1"])?;
/// assert_eq!(enc.classes(), &["1", "2", "10"]);
/// assert_eq!(enc.transform(&["2", "10"])?, vec![1, 2]);
/// assert_eq!(enc.inverse_transform(&[0, 2])?, vec!["1", "10"]);
/// assert!(enc.transform(&["3"]).is_err());
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LabelEncoder {
    classes: Vec<String>,
}

impl LabelEncoder {
    /// An unfitted encoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Finds the sorted classes of `labels` (at least one).
    pub fn fit<S: AsRef<str>>(&mut self, labels: &[S]) -> Result<()> {
        if labels.is_empty() {
            return Err(Error::empty("LabelEncoder::fit"));
        }
        let mut classes: Vec<String> = labels.iter().map(|s| s.as_ref().to_string()).collect();
        classes.sort();
        classes.dedup();
        sort_labels(&mut classes);
        self.classes = classes;
        Ok(())
    }

    /// [`fit`](Self::fit), then [`transform`](Self::transform) of the same labels.
    pub fn fit_transform<S: AsRef<str>>(&mut self, labels: &[S]) -> Result<Vec<usize>> {
        self.fit(labels)?;
        self.transform(labels)
    }

    /// The class index of each label; an unseen label is [`Error::UnknownName`].
    pub fn transform<S: AsRef<str>>(&self, labels: &[S]) -> Result<Vec<usize>> {
        if self.classes.is_empty() {
            return Err(not_fitted("LabelEncoder"));
        }
        let index: HashMap<&str, usize> = self
            .classes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i))
            .collect();
        labels
            .iter()
            .enumerate()
            .map(|(row, l)| {
                index.get(l.as_ref()).copied().ok_or_else(|| Error::UnknownName {
                    context: format!("LabelEncoder (unknown label at row {row})"),
                    name: l.as_ref().to_string(),
                    known: self.classes.join(", "),
                })
            })
            .collect()
    }

    /// The label of each class index; an index `>= k` is [`Error::LabelOutOfRange`].
    pub fn inverse_transform(&self, indices: &[usize]) -> Result<Vec<String>> {
        if self.classes.is_empty() {
            return Err(not_fitted("LabelEncoder"));
        }
        indices
            .iter()
            .enumerate()
            .map(|(row, &i)| {
                self.classes.get(i).cloned().ok_or(Error::LabelOutOfRange {
                    context: "LabelEncoder::inverse_transform".into(),
                    row,
                    label: i as f32,
                    num_classes: self.classes.len(),
                })
            })
            .collect()
    }

    /// The sorted classes (scikit-learn's `classes_`): class `i` is `classes()[i]`.
    pub fn classes(&self) -> &[String] {
        &self.classes
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.classes.len()
    }
}

/// How [`SimpleImputer`] fills missing values (scikit-learn's `strategy`).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ImputeStrategy {
    /// The feature's mean over its non-missing values (`'mean'`).
    Mean,
    /// The feature's most frequent non-missing value, the smallest one on ties
    /// (`'most_frequent'`).
    MostFrequent,
    /// A fixed value (`'constant'` with `fill_value`; scikit-learn's default fill is 0).
    Constant(f32),
}

/// Fills missing values (NaN) in numeric features, as scikit-learn's
/// `SimpleImputer(missing_values=np.nan, strategy=...)`.
///
/// The statistics are computed per feature from the non-missing values seen by `fit`. A
/// feature with no non-missing value is an error for `Mean` and `MostFrequent`
/// (scikit-learn drops such a feature with a warning, which would change the feature count).
/// Infinite values are not missing values: they are an error.
///
/// ```
/// use trustnn::{data::{ImputeStrategy, SimpleImputer}, Tensor};
/// let x = Tensor::from_rows(&[[1.0, f32::NAN], [f32::NAN, 4.0], [3.0, 4.0], [3.0, 6.0]])?;
/// let mut mean = SimpleImputer::new(ImputeStrategy::Mean);
/// assert_eq!(mean.fit_transform(&x)?.row(0)?, &[1.0, 14.0 / 3.0]);
/// let mut mode = SimpleImputer::new(ImputeStrategy::MostFrequent);
/// mode.fit(&x)?;
/// assert_eq!(mode.statistics(), &[3.0, 4.0]);
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SimpleImputer {
    strategy: ImputeStrategy,
    statistics: Vec<f32>,
}

impl SimpleImputer {
    /// An unfitted imputer with the given strategy.
    pub fn new(strategy: ImputeStrategy) -> Self {
        SimpleImputer {
            strategy,
            statistics: Vec::new(),
        }
    }

    /// The strategy.
    pub fn strategy(&self) -> ImputeStrategy {
        self.strategy
    }

    /// Computes the fill value of each feature of `x` (`[n, ...]`, `n >= 1`; NaN = missing).
    pub fn fit(&mut self, x: &Tensor) -> Result<()> {
        if x.ndim() == 0 || x.batch_size() == 0 || x.sample_size() == 0 {
            return Err(Error::empty("SimpleImputer::fit"));
        }
        check_no_infinite("SimpleImputer::fit", x)?;
        let width = x.sample_size();
        if let ImputeStrategy::Constant(v) = self.strategy {
            if !v.is_finite() {
                return Err(Error::config("SimpleImputer.fill_value", v, "must be finite"));
            }
            self.statistics = vec![v; width];
            return Ok(());
        }
        let mut column = Vec::with_capacity(x.batch_size());
        let mut stats = Vec::with_capacity(width);
        for j in 0..width {
            column.clear();
            column.extend(
                x.as_slice()
                    .iter()
                    .skip(j)
                    .step_by(width)
                    .filter(|v| !v.is_nan())
                    .map(|&v| v + 0.0),
            );
            if column.is_empty() {
                return Err(Error::empty(format!(
                    "SimpleImputer::fit (feature {j}: every value is missing, nothing to compute a {} from)",
                    if self.strategy == ImputeStrategy::Mean {
                        "mean"
                    } else {
                        "most frequent value"
                    }
                )));
            }
            stats.push(match self.strategy {
                ImputeStrategy::Mean => {
                    (column.iter().map(|&v| v as f64).sum::<f64>() / column.len() as f64) as f32
                }
                _ => most_frequent(&mut column),
            });
        }
        self.statistics = stats;
        Ok(())
    }

    /// [`fit`](Self::fit), then [`transform`](Self::transform) of the same data.
    pub fn fit_transform(&mut self, x: &Tensor) -> Result<Tensor> {
        self.fit(x)?;
        self.transform(x)
    }

    /// Replaces every NaN of feature `j` by `statistics()[j]`, in place.
    pub fn transform_inplace(&self, x: &mut Tensor) -> Result<()> {
        check_fitted_width(
            "SimpleImputer",
            "SimpleImputer::transform",
            x,
            self.statistics.len(),
        )?;
        check_no_infinite("SimpleImputer::transform", x)?;
        for row in x.as_slice_mut().chunks_exact_mut(self.statistics.len()) {
            for (v, s) in row.iter_mut().zip(&self.statistics) {
                if v.is_nan() {
                    *v = *s;
                }
            }
        }
        Ok(())
    }

    /// Replaces every NaN by its feature's fill value, as a new tensor.
    pub fn transform(&self, x: &Tensor) -> Result<Tensor> {
        let mut out = x.clone();
        self.transform_inplace(&mut out)?;
        Ok(out)
    }

    /// The fill value of each feature (scikit-learn's `statistics_`); empty before `fit`.
    pub fn statistics(&self) -> &[f32] {
        &self.statistics
    }
}

/// The most frequent value, the smallest on ties (sorts `values`).
fn most_frequent(values: &mut [f32]) -> f32 {
    values.sort_by(f32::total_cmp);
    let (mut best, mut best_count) = (values[0], 0);
    for run in values.chunk_by(|a, b| a == b) {
        if run.len() > best_count {
            best = run[0];
            best_count = run.len();
        }
    }
    best
}

fn check_no_infinite(context: &str, x: &Tensor) -> Result<()> {
    if let Some(i) = x.as_slice().iter().position(|v| v.is_infinite()) {
        let w = x.sample_size().max(1);
        return Err(Error::NonFinite {
            context: context.into(),
            position: format!("row {}, column {}", i / w, i % w),
            value: x.as_slice()[i],
        });
    }
    Ok(())
}
