//! Regression metrics: mean squared and absolute error, their root, and R², as
//! `sklearn.metrics` with `multioutput="uniform_average"`.

use ndarray::ArrayView2;

use super::{AsMatrix, check_finite_matrix};
use crate::error::{Error, Result};

/// Validates a pair of `[n, m]` matrices: equal shapes, `n >= 1`, `m >= 1`, finite values.
fn check_pair(context: &str, y_true: &ArrayView2<'_, f32>, y_pred: &ArrayView2<'_, f32>) -> Result<()> {
    let (n, m) = y_true.dim();
    if n == 0 || m == 0 {
        return Err(Error::empty(format!("{context} (y_true)")));
    }
    if y_pred.dim() != (n, m) {
        return Err(Error::shape(
            context,
            format!("y_pred of shape [{n}, {m}] (the shape of y_true)"),
            &[y_pred.nrows(), y_pred.ncols()],
        ));
    }
    check_finite_matrix(context, "y_true", y_true)?;
    check_finite_matrix(context, "y_pred", y_pred)
}

/// `Σᵢ f(y_true[i, j] − y_pred[i, j])` of every output `j`, in f64.
fn column_sums(
    y_true: &ArrayView2<'_, f32>,
    y_pred: &ArrayView2<'_, f32>,
    f: impl Fn(f64) -> f64,
) -> Vec<f64> {
    y_true
        .columns()
        .into_iter()
        .zip(y_pred.columns())
        .map(|(t, p)| t.iter().zip(p).map(|(&a, &b)| f(a as f64 - b as f64)).sum())
        .collect()
}

fn mean(v: impl ExactSizeIterator<Item = f64>) -> f64 {
    let n = v.len() as f64;
    v.sum::<f64>() / n
}

/// The mean of `(y_true − y_pred)²`: sklearn's `mean_squared_error`. With several outputs
/// (the columns of an `[n, m]` input, see [`AsMatrix`]) the per-output errors are averaged
/// uniformly (`multioutput="uniform_average"`), which equals the mean over all values.
///
/// Errors: an empty input ([`Error::EmptyInput`]), `y_pred` of another shape
/// ([`Error::ShapeMismatch`]), NaN or infinite values ([`Error::NonFinite`]).
///
/// ```
/// # use trustnn::metrics::mean_squared_error;
/// // Errors 0.5, -0.5, 0, -1: (0.25 + 0.25 + 0 + 1) / 4.
/// assert_eq!(mean_squared_error(&[3.0, -0.5, 2.0, 7.0], &[2.5, 0.0, 2.0, 8.0])?, 0.375);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn mean_squared_error<T, P>(y_true: &T, y_pred: &P) -> Result<f64>
where
    T: AsMatrix + ?Sized,
    P: AsMatrix + ?Sized,
{
    let (t, p) = (y_true.as_matrix(), y_pred.as_matrix());
    check_pair("mean_squared_error", &t, &p)?;
    let n = t.nrows() as f64;
    Ok(mean(column_sums(&t, &p, |d| d * d).into_iter().map(|s| s / n)))
}

/// The square root of the mean squared error: sklearn's `root_mean_squared_error`. With
/// several outputs it is the mean of the per-output roots (sklearn's
/// `multioutput="uniform_average"`), not the root of the overall mean. Errors as
/// [`mean_squared_error`].
///
/// ```
/// # use trustnn::metrics::root_mean_squared_error;
/// // Errors 3 and 4: √((9 + 16) / 2).
/// assert_eq!(root_mean_squared_error(&[0.0, 0.0], &[3.0, 4.0])?, 12.5f64.sqrt());
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn root_mean_squared_error<T, P>(y_true: &T, y_pred: &P) -> Result<f64>
where
    T: AsMatrix + ?Sized,
    P: AsMatrix + ?Sized,
{
    let (t, p) = (y_true.as_matrix(), y_pred.as_matrix());
    check_pair("root_mean_squared_error", &t, &p)?;
    let n = t.nrows() as f64;
    Ok(mean(
        column_sums(&t, &p, |d| d * d).into_iter().map(|s| (s / n).sqrt()),
    ))
}

/// The mean of `|y_true − y_pred|`: sklearn's `mean_absolute_error`, several outputs averaged
/// uniformly. Errors as [`mean_squared_error`].
///
/// ```
/// # use trustnn::metrics::mean_absolute_error;
/// assert_eq!(mean_absolute_error(&[3.0, -0.5, 2.0, 7.0], &[2.5, 0.0, 2.0, 8.0])?, 0.5);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn mean_absolute_error<T, P>(y_true: &T, y_pred: &P) -> Result<f64>
where
    T: AsMatrix + ?Sized,
    P: AsMatrix + ?Sized,
{
    let (t, p) = (y_true.as_matrix(), y_pred.as_matrix());
    check_pair("mean_absolute_error", &t, &p)?;
    let n = t.nrows() as f64;
    Ok(mean(column_sums(&t, &p, f64::abs).into_iter().map(|s| s / n)))
}

/// The coefficient of determination `R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)²`: sklearn's `r2_score`
/// with `force_finite=True` (its default), several outputs averaged uniformly.
///
/// Edge case, as sklearn: for an output whose `y_true` is constant (`Σ(y − ȳ)² = 0`), R² is
/// 1.0 if the predictions are perfect and 0.0 otherwise (instead of NaN or −∞). "Constant" is
/// tested exactly (all values equal), so rounding in the mean cannot turn a constant column
/// into a tiny non-zero variance.
///
/// R² of fewer than two samples is undefined: [`Error::InvalidConfig`] (sklearn warns and
/// returns NaN). Other errors as [`mean_squared_error`].
///
/// ```
/// # use trustnn::metrics::r2_score;
/// // ȳ = 2, Σ(y − ȳ)² = 2, Σ(y − ŷ)² = 0.5: R² = 1 − 0.25.
/// assert_eq!(r2_score(&[1.0, 2.0, 3.0], &[1.5, 2.0, 2.5])?, 0.75);
/// // Constant y_true.
/// assert_eq!(r2_score(&[2.0, 2.0], &[2.0, 2.0])?, 1.0);
/// assert_eq!(r2_score(&[2.0, 2.0], &[2.0, 2.5])?, 0.0);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn r2_score<T, P>(y_true: &T, y_pred: &P) -> Result<f64>
where
    T: AsMatrix + ?Sized,
    P: AsMatrix + ?Sized,
{
    const CONTEXT: &str = "r2_score";
    let (t, p) = (y_true.as_matrix(), y_pred.as_matrix());
    check_pair(CONTEXT, &t, &p)?;
    let n = t.nrows();
    if n < 2 {
        return Err(Error::config(
            format!("{CONTEXT}: number of samples"),
            n,
            "R² is not defined for fewer than two samples",
        ));
    }
    let residual = column_sums(&t, &p, |d| d * d);
    let scores = t.columns().into_iter().zip(residual).map(|(col, res)| {
        let mu = col.iter().map(|&v| v as f64).sum::<f64>() / n as f64;
        let tot: f64 = col.iter().map(|&v| (v as f64 - mu).powi(2)).sum();
        let constant = col.iter().all(|&v| v == col[0]);
        match (constant || tot == 0.0, res == 0.0) {
            (true, true) => 1.0,
            (true, false) => 0.0,
            (false, _) => 1.0 - res / tot,
        }
    });
    Ok(mean(scores))
}
