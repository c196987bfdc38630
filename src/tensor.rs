//! [`Tensor`]: the values that flow between layers.
//!
//! A tensor is a batch-major block of `f32` values: axis 0 is the batch (one row per sample),
//! the remaining axes are the sample's own shape (`[N, features]` for tabular data,
//! `[N, C, H, W]` for images). It owns a contiguous row-major `Vec<f32>` and its shape, so it
//! converts to and from `ndarray` arrays without copying when the array is in standard
//! layout, and so layers can reuse a tensor's memory from one training step to the next.
//! Operations that depend on shapes check them and return [`Error::ShapeMismatch`] instead
//! of panicking.

use ndarray::{Array, ArrayD, ArrayView2, ArrayViewD, ArrayViewMut2, ArrayViewMutD, Dimension, IxDyn};

use crate::error::{Error, Result};

/// A batch-major, row-major block of `f32` values with a runtime shape.
///
/// ```
/// use trustnn::Tensor;
/// let t = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?;
/// assert_eq!(t.shape(), &[2, 3]);
/// assert_eq!(t.batch_size(), 2);
/// assert_eq!(t.sample_size(), 3);
/// assert_eq!(t.row(1)?, &[4.0, 5.0, 6.0]);
/// // Shape errors are values, not panics.
/// assert!(Tensor::from_vec(vec![1.0; 5], &[2, 3]).is_err());
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Tensor {
    data: Vec<f32>,
    shape: Vec<usize>,
}

impl Tensor {
    /// Wraps `data` (row-major) as a tensor of the given shape, without copying.
    ///
    /// Fails with [`Error::ShapeMismatch`] if the shape's product differs from `data.len()`.
    pub fn from_vec(data: Vec<f32>, shape: &[usize]) -> Result<Self> {
        let n: usize = shape.iter().product();
        if n != data.len() {
            return Err(Error::shape(
                "Tensor::from_vec",
                format!("{} elements for shape {:?}", n, shape),
                &[data.len()],
            ));
        }
        Ok(Tensor {
            data,
            shape: shape.to_vec(),
        })
    }

    /// A tensor of zeros.
    pub fn zeros(shape: &[usize]) -> Self {
        Self::full(shape, 0.0)
    }

    /// A tensor with every element equal to `value`.
    pub fn full(shape: &[usize], value: f32) -> Self {
        Tensor {
            data: vec![value; shape.iter().product()],
            shape: shape.to_vec(),
        }
    }

    /// Builds a `[rows.len(), width]` tensor from rows of equal length.
    ///
    /// ```
    /// use trustnn::Tensor;
    /// let x = Tensor::from_rows(&[[0.0, 1.0], [1.0, 0.0]])?;
    /// assert_eq!(x.shape(), &[2, 2]);
    /// # Ok::<(), trustnn::Error>(())
    /// ```
    pub fn from_rows<R: AsRef<[f32]>>(rows: &[R]) -> Result<Self> {
        let width = rows.first().map_or(0, |r| r.as_ref().len());
        let mut data = Vec::with_capacity(rows.len() * width);
        for (i, r) in rows.iter().enumerate() {
            let r = r.as_ref();
            if r.len() != width {
                return Err(Error::shape(
                    format!("Tensor::from_rows (row {i})"),
                    format!("{width} values like row 0"),
                    &[r.len()],
                ));
            }
            data.extend_from_slice(r);
        }
        Ok(Tensor {
            data,
            shape: vec![rows.len(), width],
        })
    }

    /// Converts an ndarray array; no copy when it is in standard (row-major, contiguous) layout.
    pub fn from_array<D: Dimension>(array: Array<f32, D>) -> Self {
        let shape = array.shape().to_vec();
        let array = if array.is_standard_layout() {
            array
        } else {
            array.as_standard_layout().into_owned()
        };
        let (data, offset) = array.into_raw_vec_and_offset();
        let data = match offset {
            Some(0) | None => data,
            Some(off) => data[off..off + shape.iter().product::<usize>()].to_vec(),
        };
        Tensor { data, shape }
    }

    /// Converts into an ndarray array of dynamic dimension, without copying.
    pub fn into_array(self) -> ArrayD<f32> {
        ArrayD::from_shape_vec(IxDyn(&self.shape), self.data)
            .expect("Tensor invariant: data.len() equals the product of shape")
    }

    /// Converts into the underlying row-major data and the shape.
    pub fn into_raw(self) -> (Vec<f32>, Vec<usize>) {
        (self.data, self.shape)
    }

    /// The shape; axis 0 is the batch.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Number of axes.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// Number of samples (the length of axis 0; 1 for a 0-d tensor).
    pub fn batch_size(&self) -> usize {
        self.shape.first().copied().unwrap_or(1)
    }

    /// Number of values per sample (the product of all axes but the first).
    pub fn sample_size(&self) -> usize {
        self.shape.iter().skip(1).product()
    }

    /// The shape of one sample (all axes but the first).
    pub fn sample_shape(&self) -> &[usize] {
        self.shape.get(1..).unwrap_or(&[])
    }

    /// Total number of values.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True if the tensor holds no values.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The values, row-major.
    pub fn as_slice(&self) -> &[f32] {
        &self.data
    }

    /// The values, row-major, mutable.
    pub fn as_slice_mut(&mut self) -> &mut [f32] {
        &mut self.data
    }

    /// An ndarray view with the tensor's shape.
    pub fn view(&self) -> ArrayViewD<'_, f32> {
        ArrayViewD::from_shape(IxDyn(&self.shape), &self.data)
            .expect("Tensor invariant: data.len() equals the product of shape")
    }

    /// A mutable ndarray view with the tensor's shape.
    pub fn view_mut(&mut self) -> ArrayViewMutD<'_, f32> {
        ArrayViewMutD::from_shape(IxDyn(&self.shape), &mut self.data)
            .expect("Tensor invariant: data.len() equals the product of shape")
    }

    /// A `[batch, sample_size]` view: every sample flattened to one row.
    /// A 1-d tensor `[n]` is seen as `[n, 1]`.
    pub fn view2(&self) -> ArrayView2<'_, f32> {
        let (r, c) = self.rows_cols();
        ArrayView2::from_shape((r, c), &self.data).expect("Tensor invariant: rows*cols == len")
    }

    /// A mutable `[batch, sample_size]` view; see [`Tensor::view2`].
    pub fn view2_mut(&mut self) -> ArrayViewMut2<'_, f32> {
        let (r, c) = self.rows_cols();
        ArrayViewMut2::from_shape((r, c), &mut self.data).expect("Tensor invariant: rows*cols == len")
    }

    fn rows_cols(&self) -> (usize, usize) {
        match self.shape.len() {
            0 => (1, 1),
            1 => (self.shape[0], 1),
            _ => (self.shape[0], self.sample_size()),
        }
    }

    /// Sample `i`'s values, flattened.
    pub fn row(&self, i: usize) -> Result<&[f32]> {
        let (r, c) = self.rows_cols();
        if i >= r {
            return Err(Error::shape("Tensor::row", format!("a row index < {r}"), &[i]));
        }
        Ok(&self.data[i * c..(i + 1) * c])
    }

    /// Returns the same values with a new shape of the same number of elements.
    pub fn reshape(mut self, shape: &[usize]) -> Result<Self> {
        let n: usize = shape.iter().product();
        if n != self.data.len() {
            return Err(Error::shape(
                "Tensor::reshape",
                format!("a shape with {} elements", self.data.len()),
                shape,
            ));
        }
        self.shape.clear();
        self.shape.extend_from_slice(shape);
        Ok(self)
    }

    /// Changes the shape in place, keeping the allocation when it is large enough; new
    /// elements are zero, existing ones keep stale values. Used for buffers reused across
    /// training steps: it allocates only when the tensor grows past its capacity.
    pub(crate) fn resize(&mut self, shape: &[usize]) {
        let n: usize = shape.iter().product();
        self.data.resize(n, 0.0);
        if self.shape != shape {
            self.shape.clear();
            self.shape.extend_from_slice(shape);
        }
    }

    /// Resizes to `[batch, rest...]` where `rest` is taken from `like`'s sample shape.
    pub(crate) fn resize_like(&mut self, like: &Tensor) {
        if self.shape != like.shape {
            self.resize(&like.shape);
        }
    }

    /// Sets every value to `value`.
    pub fn fill(&mut self, value: f32) {
        self.data.fill(value);
    }

    /// Copies `other`'s shape and values into `self`, reusing `self`'s allocation.
    pub fn assign(&mut self, other: &Tensor) {
        self.resize(&other.shape);
        self.data.copy_from_slice(&other.data);
    }

    /// Returns an error naming the first non-finite value (its sample row and column).
    pub fn check_finite(&self, context: &str) -> Result<()> {
        self.check_finite_with(|| context.to_string())
    }

    /// Like [`Tensor::check_finite`], building the context only when there is an error (so
    /// the check allocates nothing on the success path).
    pub(crate) fn check_finite_with(&self, context: impl FnOnce() -> String) -> Result<()> {
        // Fast path: a value is not finite exactly when its exponent bits are all ones. An OR
        // over that test vectorizes (even on baseline SSE2), unlike a search.
        const EXPONENT: u32 = 0x7f80_0000;
        let any_bad = self
            .data
            .iter()
            .fold(0u32, |acc, v| acc | u32::from(v.to_bits() & EXPONENT == EXPONENT));
        if any_bad == 0 {
            return Ok(());
        }
        if let Some(i) = self.data.iter().position(|v| !v.is_finite()) {
            let c = self.sample_size().max(1);
            let position = if self.ndim() >= 2 {
                format!("row {}, column {}", i / c, i % c)
            } else {
                format!("index {i}")
            };
            return Err(Error::NonFinite {
                context: context(),
                position,
                value: self.data[i],
            });
        }
        Ok(())
    }

    /// The samples at `indices`, in that order, as a new tensor.
    pub fn select_rows(&self, indices: &[usize]) -> Result<Tensor> {
        let mut out = Tensor::default();
        self.gather_rows_into(indices, &mut out)?;
        Ok(out)
    }

    /// Writes the samples at `indices` into `out`, reusing its allocation.
    pub fn gather_rows_into(&self, indices: &[usize], out: &mut Tensor) -> Result<()> {
        let (r, c) = self.rows_cols();
        if let Some(&bad) = indices.iter().find(|&&i| i >= r) {
            return Err(Error::shape(
                "Tensor::gather_rows_into",
                format!("row indices < {r}"),
                &[bad],
            ));
        }
        let mut shape_buf = [0usize; 8];
        let nd = self.shape.len().max(1);
        if nd <= shape_buf.len() {
            shape_buf[..nd].copy_from_slice(if self.shape.is_empty() { &[1] } else { &self.shape });
            shape_buf[0] = indices.len();
            out.resize(&shape_buf[..nd]);
        } else {
            let mut s = self.shape.clone();
            s[0] = indices.len();
            out.resize(&s);
        }
        for (dst, &i) in out.data.chunks_exact_mut(c.max(1)).zip(indices) {
            dst.copy_from_slice(&self.data[i * c..(i + 1) * c]);
        }
        Ok(())
    }

    /// Index of the largest value of each sample (first one on ties).
    pub fn argmax_rows(&self) -> Vec<usize> {
        self.view2()
            .rows()
            .into_iter()
            .map(|r| {
                let mut best = 0;
                for (j, &v) in r.iter().enumerate() {
                    if v > r[best] {
                        best = j;
                    }
                }
                best
            })
            .collect()
    }

    /// Applies `f` to every value, returning a new tensor.
    pub fn map(&self, f: impl Fn(f32) -> f32) -> Tensor {
        Tensor {
            data: self.data.iter().map(|&v| f(v)).collect(),
            shape: self.shape.clone(),
        }
    }

    fn zip_with(&self, other: &Tensor, op: &str, f: impl Fn(f32, f32) -> f32) -> Result<Tensor> {
        if self.shape != other.shape {
            return Err(Error::shape(
                format!("Tensor::{op}"),
                format!("{:?} (the left operand's shape)", self.shape),
                &other.shape,
            ));
        }
        Ok(Tensor {
            data: self
                .data
                .iter()
                .zip(&other.data)
                .map(|(&a, &b)| f(a, b))
                .collect(),
            shape: self.shape.clone(),
        })
    }

    /// Element-wise sum of two tensors of the same shape.
    pub fn add(&self, other: &Tensor) -> Result<Tensor> {
        self.zip_with(other, "add", |a, b| a + b)
    }

    /// Element-wise difference of two tensors of the same shape.
    pub fn sub(&self, other: &Tensor) -> Result<Tensor> {
        self.zip_with(other, "sub", |a, b| a - b)
    }

    /// Element-wise product of two tensors of the same shape.
    pub fn mul(&self, other: &Tensor) -> Result<Tensor> {
        self.zip_with(other, "mul", |a, b| a * b)
    }

    /// Every value multiplied by `factor`.
    pub fn scale(&self, factor: f32) -> Tensor {
        self.map(|v| v * factor)
    }

    /// Sum of all values (accumulated in f64).
    pub fn sum(&self) -> f32 {
        self.data.iter().map(|&v| v as f64).sum::<f64>() as f32
    }

    /// Mean of all values (accumulated in f64); NaN for an empty tensor.
    pub fn mean(&self) -> f32 {
        (self.data.iter().map(|&v| v as f64).sum::<f64>() / self.data.len() as f64) as f32
    }

    /// Largest absolute difference to `other` (`+inf` if the shapes differ).
    pub fn max_abs_diff(&self, other: &Tensor) -> f32 {
        if self.shape != other.shape {
            return f32::INFINITY;
        }
        self.data
            .iter()
            .zip(&other.data)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max)
    }
}

impl<D: Dimension> From<Array<f32, D>> for Tensor {
    fn from(array: Array<f32, D>) -> Self {
        Tensor::from_array(array)
    }
}

impl From<Tensor> for ArrayD<f32> {
    fn from(t: Tensor) -> Self {
        t.into_array()
    }
}

impl approx::AbsDiffEq for Tensor {
    type Epsilon = f32;
    fn default_epsilon() -> f32 {
        f32::EPSILON
    }
    fn abs_diff_eq(&self, other: &Self, epsilon: f32) -> bool {
        self.shape == other.shape
            && self
                .data
                .iter()
                .zip(&other.data)
                .all(|(a, b)| a.abs_diff_eq(b, epsilon))
    }
}

impl approx::RelativeEq for Tensor {
    fn default_max_relative() -> f32 {
        f32::EPSILON
    }
    fn relative_eq(&self, other: &Self, epsilon: f32, max_relative: f32) -> bool {
        self.shape == other.shape
            && self
                .data
                .iter()
                .zip(&other.data)
                .all(|(a, b)| a.relative_eq(b, epsilon, max_relative))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn from_array_without_copy_keeps_values() {
        let a = array![[1.0f32, 2.0], [3.0, 4.0]];
        let ptr = a.as_ptr();
        let t = Tensor::from_array(a);
        assert_eq!(t.as_slice().as_ptr(), ptr);
        assert_eq!(t.as_slice(), &[1.0, 2.0, 3.0, 4.0]);
    }

    #[test]
    fn from_transposed_array_copies_in_logical_order() {
        let a = array![[1.0f32, 2.0], [3.0, 4.0]].reversed_axes();
        let t = Tensor::from_array(a);
        assert_eq!(t.as_slice(), &[1.0, 3.0, 2.0, 4.0]);
    }

    #[test]
    fn into_array_round_trips() {
        let t = Tensor::from_vec((0..24).map(|v| v as f32).collect(), &[2, 3, 4]).unwrap();
        let a = t.clone().into_array();
        assert_eq!(a.shape(), &[2, 3, 4]);
        assert_eq!(a[[1, 2, 3]], 23.0);
        assert_eq!(Tensor::from(a), t);
    }

    #[test]
    fn view2_flattens_samples() {
        let t = Tensor::from_vec((0..24).map(|v| v as f32).collect(), &[2, 3, 4]).unwrap();
        assert_eq!(t.view2().shape(), &[2, 12]);
        assert_eq!(t.view2()[[1, 0]], 12.0);
    }

    #[test]
    fn check_finite_names_row_and_column() {
        let t = Tensor::from_vec(vec![0.0, 1.0, 2.0, f32::NAN], &[2, 2]).unwrap();
        let msg = t.check_finite("input").unwrap_err().to_string();
        assert!(msg.contains("row 1, column 1"), "{msg}");
    }

    #[test]
    fn check_finite_finds_infinities_of_both_signs_and_accepts_extremes() {
        let ok = Tensor::from_vec(vec![f32::MAX, f32::MIN, f32::MIN_POSITIVE, -0.0, 1e-45], &[5]).unwrap();
        assert!(ok.check_finite("x").is_ok());
        for bad in [f32::INFINITY, f32::NEG_INFINITY, f32::NAN] {
            let t = Tensor::from_vec(vec![1.0, 2.0, 3.0, bad, 5.0], &[5]).unwrap();
            let msg = t.check_finite("x").unwrap_err().to_string();
            assert!(msg.contains("index 3"), "{msg}");
        }
    }

    #[test]
    fn gather_rows_reuses_buffer() {
        let t = Tensor::from_rows(&[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]).unwrap();
        let mut out = Tensor::zeros(&[4, 2]);
        let ptr = out.as_slice().as_ptr();
        t.gather_rows_into(&[2, 0], &mut out).unwrap();
        assert_eq!(out.shape(), &[2, 2]);
        assert_eq!(out.as_slice(), &[5.0, 6.0, 1.0, 2.0]);
        assert_eq!(out.as_slice().as_ptr(), ptr);
        assert!(t.gather_rows_into(&[3], &mut out).is_err());
    }

    #[test]
    fn shape_checked_ops_return_errors() {
        let a = Tensor::zeros(&[2, 2]);
        let b = Tensor::zeros(&[2, 3]);
        assert!(matches!(a.add(&b), Err(Error::ShapeMismatch { .. })));
        assert!(a.clone().reshape(&[3]).is_err());
        assert_eq!(a.reshape(&[4]).unwrap().shape(), &[4]);
    }
}
