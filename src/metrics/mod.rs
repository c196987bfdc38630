//! Evaluation metrics on plain slices and arrays, with scikit-learn's definitions and edge-case
//! conventions (`sklearn.metrics`), so results can be compared with it number for number.
//!
//! Every function names the scikit-learn function it follows and documents where it departs
//! from it. The conventions in short:
//!
//! - **Classification** metrics take class labels (`&[usize]`, `y_true` then `y_pred`).
//!   Precision, recall and F-scores are averaged by [`Average`] as sklearn's `average=`
//!   parameter; a ratio whose denominator is zero counts as 0 (sklearn's default
//!   `zero_division="warn"` returns 0 and warns; there are no warnings here).
//! - **Scores and probabilities** ([`roc_auc_binary`], [`roc_curve`], [`roc_auc_ovr_macro`],
//!   [`log_loss`]) take `f32` values as models produce them.
//! - **Regression** metrics take one output (a slice) or several outputs as the columns of a
//!   matrix ([`AsMatrix`]: `&[f32]`, ndarray arrays, [`Tensor`]), averaged uniformly over the
//!   outputs (sklearn's `multioutput="uniform_average"`).
//! - Sums are accumulated in `f64` and every metric is returned as `f64`.
//! - Bad input is an [`Error`], never a panic: an empty input ([`Error::EmptyInput`]), inputs of
//!   different lengths ([`Error::ShapeMismatch`]), NaN or infinite values
//!   ([`Error::NonFinite`]), and a metric that is undefined for the data (ROC AUC with a single
//!   class in `y_true`, R² of a single sample: [`Error::InvalidConfig`] naming the input and
//!   why). Where current scikit-learn returns NaN with a warning instead, the function's
//!   documentation says so.
//!
//! Sample weights are not supported.
//!
//! ```
//! use trustnn::metrics::{self, Average};
//!
//! let y_true = [0, 1, 2, 0, 1, 2];
//! let y_pred = [0, 2, 1, 0, 0, 1];
//! assert_eq!(metrics::accuracy(&y_true, &y_pred)?, 2.0 / 6.0);
//! // Per class (precision, recall): 0 → (2/3, 1), 1 → (0, 0), 2 → (0, 0).
//! let p = metrics::precision(&y_true, &y_pred, Average::Macro)?;
//! assert!((p - 2.0 / 9.0).abs() < 1e-12);
//! println!("{}", metrics::confusion_matrix(&y_true, &y_pred, 3)?);
//!
//! let auc = metrics::roc_auc_binary(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8])?;
//! assert_eq!(auc, 0.75);
//! assert_eq!(metrics::mean_squared_error(&[3.0, -0.5, 2.0, 7.0], &[2.5, 0.0, 2.0, 8.0])?, 0.375);
//! # Ok::<(), trustnn::Error>(())
//! ```
//!
//! [`Tensor`]: crate::Tensor

mod classification;
mod regression;

use ndarray::{ArrayBase, ArrayView2, Axis, Data, Ix1, Ix2};

pub use classification::{
    Average, ClassScores, ConfusionMatrix, Normalize, RocCurve, accuracy, balanced_accuracy,
    confusion_matrix, f1, fbeta, log_loss, precision, precision_recall_fscore_support, recall,
    roc_auc_binary, roc_auc_ovr_macro, roc_curve,
};
pub use regression::{mean_absolute_error, mean_squared_error, r2_score, root_mean_squared_error};

use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// Values seen as a `[n_samples, n_columns]` matrix: the input of the regression metrics
/// (one column per output) and of the probability metrics (one column per class).
///
/// A slice, `Vec`, array or 1-d ndarray array is one column; a 2-d ndarray array is used as
/// it is; a [`Tensor`] is seen through [`Tensor::view2`] (`[n]` as `[n, 1]`, every sample
/// flattened to one row).
pub trait AsMatrix {
    /// The values as an `[n_samples, n_columns]` view.
    fn as_matrix(&self) -> ArrayView2<'_, f32>;
}

impl AsMatrix for [f32] {
    fn as_matrix(&self) -> ArrayView2<'_, f32> {
        ndarray::ArrayView1::from(self).insert_axis(Axis(1))
    }
}

impl<const N: usize> AsMatrix for [f32; N] {
    fn as_matrix(&self) -> ArrayView2<'_, f32> {
        self.as_slice().as_matrix()
    }
}

impl AsMatrix for Vec<f32> {
    fn as_matrix(&self) -> ArrayView2<'_, f32> {
        self.as_slice().as_matrix()
    }
}

impl<S: Data<Elem = f32>> AsMatrix for ArrayBase<S, Ix1> {
    fn as_matrix(&self) -> ArrayView2<'_, f32> {
        self.view().insert_axis(Axis(1))
    }
}

impl<S: Data<Elem = f32>> AsMatrix for ArrayBase<S, Ix2> {
    fn as_matrix(&self) -> ArrayView2<'_, f32> {
        self.view()
    }
}

impl AsMatrix for Tensor {
    fn as_matrix(&self) -> ArrayView2<'_, f32> {
        self.view2()
    }
}

/// Checks that `y_true` is non-empty and `other` (named `other_name`) has its length.
fn check_lengths(context: &str, n_true: usize, other_name: &str, n_other: usize) -> Result<()> {
    if n_true == 0 {
        return Err(Error::empty(format!("{context} (y_true)")));
    }
    if n_other != n_true {
        return Err(Error::shape(
            context,
            format!("{other_name} with {n_true} samples (as many as y_true)"),
            &[n_other],
        ));
    }
    Ok(())
}

/// Checks that every value of `m` (named `what`) is finite.
fn check_finite_matrix(context: &str, what: &str, m: &ArrayView2<'_, f32>) -> Result<()> {
    // `iter` visits the values in row-major order (a plain slice walk when `m` is contiguous).
    match m.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(idx) => {
            let (i, j) = (idx / m.ncols(), idx % m.ncols());
            Err(Error::NonFinite {
                context: format!("{context} ({what})"),
                position: format!("row {i}, column {j}"),
                value: m[(i, j)],
            })
        }
    }
}
