//! A CSV loader: a file with a header row becomes a [`Dataset`], with the preprocessing
//! scikit-learn users would write by hand (`pandas.read_csv` with `na_values`, a
//! `ColumnTransformer` of `OneHotEncoder` and `SimpleImputer`, a `LabelEncoder` on the
//! target), fitted on the file and returned so the same encoding applies to other files.
//!
//! What happens to each column, in header order:
//!
//! * the **target** (by name): for [`Task::Classification`] its text is label-encoded
//!   ([`LabelEncoder`]: classes sorted numerically if all are numbers, e.g. `"0" < "1" <
//!   "10"`, otherwise by text; class names set on the dataset); for [`Task::Regression`] it
//!   is parsed as a number. `y` is `[n]` either way. A missing target value is an error;
//! * **group** columns (sensitive attributes) are copied as text to the dataset's group
//!   columns (missing values kept as written) and are not features, unless
//!   `groups_as_features` is set;
//! * **dropped** columns are ignored;
//! * every other column is a **feature**: numeric columns as they are (one feature each),
//!   categorical columns one-hot encoded ([`OneHotEncoder`], categories sorted, feature names
//!   `column_category`), each source column's features in place, in header order. A column is
//!   categorical if declared in `categorical`, or, when `categorical` is `None`, if any of its
//!   non-missing values is not a finite number.
//!
//! Missing values are the fields `?`, empty and `NA` (after trimming whitespace). By default
//! ([`Missing::Error`]) a missing feature value is an error naming its line and column;
//! [`Missing::ImputeMean`] fills numeric columns with their mean and
//! [`Missing::ImputeMostFrequent`] with their most frequent value ([`SimpleImputer`]);
//! both fill categorical columns with their most frequent category (the smallest on ties,
//! as scikit-learn's `most_frequent`).
//!
//! Errors: a row with the wrong number of fields, a value that is not a number in a numeric
//! column, a missing target, or a column name that is not in the header is
//! [`Error::Format`] with the source, the 1-based line number and the column; conflicting
//! roles (the target also a group or dropped, a group also dropped) are
//! [`Error::InvalidConfig`]; failures to read are [`Error::Io`].

use std::collections::HashSet;
use std::io::Read;
use std::path::Path;

use crate::data::Dataset;
use crate::data::preprocess::{ImputeStrategy, LabelEncoder, OneHotEncoder, SimpleImputer};
use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// What the target column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Task {
    /// Class labels (any text), label-encoded to class indices `0..k`.
    Classification,
    /// Numbers.
    Regression,
}

/// What to do with missing feature values (`?`, empty or `NA`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Missing {
    /// An error naming the line and column (the default).
    #[default]
    Error,
    /// Numeric columns: the column's mean; categorical columns: the most frequent category.
    ImputeMean,
    /// Numeric columns: the most frequent value; categorical columns: the most frequent
    /// category (the smallest on ties, in both cases).
    ImputeMostFrequent,
}

/// How to read a CSV file into a [`Dataset`]; see the [module documentation](self).
///
/// ```
/// use trustnn::data::{CsvOptions, Missing, Task};
/// let opts = CsvOptions::new("income", Task::Classification)
///     .groups(&["sex", "race"])
///     .drop(&["fnlwgt"])
///     .missing(Missing::ImputeMostFrequent);
/// assert_eq!(opts.delimiter, b',');
/// assert!(opts.trim);
/// ```
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CsvOptions {
    /// The target column's name.
    pub target: String,
    /// What the target holds.
    pub task: Task,
    /// The categorical feature columns; `None` detects them (a column is categorical if any
    /// non-missing value is not a finite number).
    pub categorical: Option<Vec<String>>,
    /// Sensitive columns copied (as text) to the dataset's group columns.
    pub groups: Vec<String>,
    /// Also use the group columns as features (encoded like any other column).
    pub groups_as_features: bool,
    /// Columns to ignore.
    pub drop: Vec<String>,
    /// The missing-value policy for features.
    pub missing: Missing,
    /// The field delimiter (default `b','`).
    pub delimiter: u8,
    /// Trim whitespace around header names and fields (default true).
    pub trim: bool,
}

fn strings<S: AsRef<str>>(names: &[S]) -> Vec<String> {
    names.iter().map(|s| s.as_ref().to_string()).collect()
}

impl CsvOptions {
    /// Options for the target column `target`: categorical columns detected, no groups, no
    /// dropped columns, missing values are errors, comma-delimited, fields trimmed.
    pub fn new(target: &str, task: Task) -> Self {
        CsvOptions {
            target: target.to_string(),
            task,
            categorical: None,
            groups: Vec::new(),
            groups_as_features: false,
            drop: Vec::new(),
            missing: Missing::Error,
            delimiter: b',',
            trim: true,
        }
    }

    /// Declares the categorical feature columns (all others are numeric).
    pub fn categorical<S: AsRef<str>>(mut self, columns: &[S]) -> Self {
        self.categorical = Some(strings(columns));
        self
    }

    /// Detects the categorical columns (the default).
    pub fn detect_categorical(mut self) -> Self {
        self.categorical = None;
        self
    }

    /// Sets the group (sensitive attribute) columns.
    pub fn groups<S: AsRef<str>>(mut self, columns: &[S]) -> Self {
        self.groups = strings(columns);
        self
    }

    /// Whether group columns are also features.
    pub fn groups_as_features(mut self, yes: bool) -> Self {
        self.groups_as_features = yes;
        self
    }

    /// Sets the columns to ignore.
    pub fn drop<S: AsRef<str>>(mut self, columns: &[S]) -> Self {
        self.drop = strings(columns);
        self
    }

    /// Sets the missing-value policy.
    pub fn missing(mut self, missing: Missing) -> Self {
        self.missing = missing;
        self
    }

    /// Sets the field delimiter (`b';'`, `b'\t'`, ...).
    pub fn delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = delimiter;
        self
    }

    /// Whether to trim whitespace around header names and fields.
    pub fn trim(mut self, trim: bool) -> Self {
        self.trim = trim;
        self
    }
}

/// A loaded CSV file: the dataset and the fitted preprocessing, so that other files (a test
/// set) can be encoded the same way with [`CsvData::transform_csv`].
#[derive(Clone, Debug, PartialEq)]
pub struct CsvData {
    /// Features (`[n, features]`, named), targets (`[n]`), class names, group columns.
    pub dataset: Dataset,
    /// The one-hot encoder of the categorical feature columns (in the order of
    /// `categorical_columns`); `None` if there are none.
    pub encoder: Option<OneHotEncoder>,
    /// The target's label encoder (classification only).
    pub label_encoder: Option<LabelEncoder>,
    /// The imputer of the numeric feature columns (in the order of `numeric_columns`), when
    /// the missing-value policy imputes and there is a numeric column.
    pub imputer: Option<SimpleImputer>,
    /// The source columns used as features, in order.
    pub columns: Vec<String>,
    /// The numeric feature columns, in order.
    pub numeric_columns: Vec<String>,
    /// The categorical feature columns, in order.
    pub categorical_columns: Vec<String>,
    /// The value that fills a missing categorical value, per categorical column (empty when
    /// the policy is [`Missing::Error`]).
    pub category_fill: Vec<String>,
    /// The options the file was read with.
    pub options: CsvOptions,
}

/// The parsed text: header and records (all with the header's number of fields).
struct Table {
    context: String,
    header: Vec<String>,
    records: Vec<::csv::StringRecord>,
    lines: Vec<u64>,
}

impl Table {
    fn col(&self, name: &str, role: &str) -> Result<usize> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| Error::Format {
                context: self.context.clone(),
                reason: format!(
                    "line 1: the {role} column {name:?} is not in the header; columns: {}",
                    self.header.join(", ")
                ),
            })
    }

    fn err(&self, row: usize, col: usize, reason: impl std::fmt::Display) -> Error {
        Error::Format {
            context: self.context.clone(),
            reason: format!(
                "line {}, column {:?}: {reason}",
                self.lines[row], self.header[col]
            ),
        }
    }

    fn field(&self, row: usize, col: usize) -> &str {
        &self.records[row][col]
    }
}

fn is_missing(s: &str) -> bool {
    matches!(s.trim(), "" | "?" | "NA")
}

fn parse_number(s: &str) -> Option<f32> {
    s.trim().parse::<f32>().ok().filter(|v| v.is_finite())
}

fn csv_error(context: &str, e: ::csv::Error) -> Error {
    if matches!(e.kind(), ::csv::ErrorKind::Io(_)) {
        if let ::csv::ErrorKind::Io(io) = e.into_kind() {
            return Error::Io(io);
        }
        unreachable!("matched an I/O error kind just above");
    }
    let reason = match e.position() {
        Some(p) => format!("line {}: {e}", p.line()),
        None => e.to_string(),
    };
    Error::Format {
        context: context.to_string(),
        reason,
    }
}

fn parse_table<R: Read>(reader: R, opts: &CsvOptions, context: &str) -> Result<Table> {
    let mut rdr = ::csv::ReaderBuilder::new()
        .delimiter(opts.delimiter)
        .has_headers(true)
        .flexible(true)
        .trim(if opts.trim {
            ::csv::Trim::All
        } else {
            ::csv::Trim::None
        })
        .from_reader(reader);
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| csv_error(context, e))?
        .iter()
        .map(str::to_string)
        .collect();
    if header.is_empty() || header.iter().all(String::is_empty) {
        return Err(Error::Format {
            context: context.into(),
            reason: "line 1: no header row".into(),
        });
    }
    let mut seen = HashSet::new();
    if let Some(dup) = header.iter().find(|h| !seen.insert(h.as_str())) {
        return Err(Error::Format {
            context: context.into(),
            reason: format!("line 1: the column name {dup:?} appears twice in the header"),
        });
    }
    let (mut records, mut lines) = (Vec::new(), Vec::new());
    for (r, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| csv_error(context, e))?;
        let line = rec.position().map_or(r as u64 + 2, |p| p.line());
        if rec.len() != header.len() {
            return Err(Error::Format {
                context: context.into(),
                reason: format!(
                    "line {line}: {} fields, but the header has {} ({})",
                    rec.len(),
                    header.len(),
                    header.join(", ")
                ),
            });
        }
        records.push(rec);
        lines.push(line);
    }
    if records.is_empty() {
        return Err(Error::empty(format!("{context} (no data rows after the header)")));
    }
    Ok(Table {
        context: context.to_string(),
        header,
        records,
        lines,
    })
}

/// Where each option's columns are in a table's header.
struct Layout {
    target: usize,
    /// Feature columns (header indices), in order.
    features: Vec<usize>,
    groups: Vec<usize>,
}

fn layout(table: &Table, opts: &CsvOptions) -> Result<Layout> {
    let target = table.col(&opts.target, "target")?;
    let groups = opts
        .groups
        .iter()
        .map(|g| table.col(g, "group"))
        .collect::<Result<Vec<_>>>()?;
    let drop = opts
        .drop
        .iter()
        .map(|d| table.col(d, "dropped"))
        .collect::<Result<Vec<_>>>()?;
    if let Some(cats) = &opts.categorical {
        for c in cats {
            table.col(c, "categorical")?;
        }
    }
    if groups.contains(&target) {
        return Err(Error::config(
            "CsvOptions.groups",
            &opts.target,
            "the target column cannot also be a group column",
        ));
    }
    if drop.contains(&target) {
        return Err(Error::config(
            "CsvOptions.drop",
            &opts.target,
            "the target column cannot be dropped",
        ));
    }
    if let Some(g) = groups.iter().find(|g| drop.contains(g)) {
        return Err(Error::config(
            "CsvOptions.drop",
            &table.header[*g],
            "a group column cannot also be dropped",
        ));
    }
    let features: Vec<usize> = (0..table.header.len())
        .filter(|i| *i != target && !drop.contains(i) && (opts.groups_as_features || !groups.contains(i)))
        .collect();
    if features.is_empty() {
        return Err(Error::Format {
            context: table.context.clone(),
            reason: "no feature columns are left (all are the target, groups or dropped)".into(),
        });
    }
    Ok(Layout {
        target,
        features,
        groups,
    })
}

/// The most frequent text, the smallest on ties.
fn most_frequent_text<'a>(values: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut v: Vec<&str> = values.collect();
    v.sort_unstable();
    let mut best: Option<(&str, usize)> = None;
    for run in v.chunk_by(|a, b| a == b) {
        if best.is_none_or(|(_, c)| run.len() > c) {
            best = Some((run[0], run.len()));
        }
    }
    best.map(|(s, _)| s.to_string())
}

/// Fits the preprocessing on `table`.
fn fit(table: &Table, opts: &CsvOptions) -> Result<CsvData> {
    let lay = layout(table, opts)?;
    let n = table.records.len();
    let is_categorical = |c: usize| -> bool {
        match &opts.categorical {
            Some(cats) => cats.iter().any(|k| *k == table.header[c]),
            None => (0..n).any(|r| {
                let f = table.field(r, c);
                !is_missing(f) && parse_number(f).is_none()
            }),
        }
    };
    let (mut numeric, mut categorical) = (Vec::new(), Vec::new());
    for &c in &lay.features {
        if is_categorical(c) {
            &mut categorical
        } else {
            &mut numeric
        }
        .push(c);
    }
    let imputing = opts.missing != Missing::Error;

    // Numeric columns: values (NaN = missing) to fit the imputer on.
    let mut imputer = None;
    if imputing && !numeric.is_empty() {
        let mut values = Vec::with_capacity(n * numeric.len());
        for r in 0..n {
            for &c in &numeric {
                let f = table.field(r, c);
                values.push(if is_missing(f) {
                    f32::NAN
                } else {
                    parse_number(f).ok_or_else(|| table.err(r, c, format!("{f:?} is not a number")))?
                });
            }
        }
        for (j, &c) in numeric.iter().enumerate() {
            if values.iter().skip(j).step_by(numeric.len()).all(|v| v.is_nan()) {
                return Err(Error::Format {
                    context: table.context.clone(),
                    reason: format!(
                        "column {:?}: every value is missing, nothing to impute from",
                        table.header[c]
                    ),
                });
            }
        }
        let x = Tensor::from_vec(values, &[n, numeric.len()])?;
        let mut imp = SimpleImputer::new(if opts.missing == Missing::ImputeMean {
            ImputeStrategy::Mean
        } else {
            ImputeStrategy::MostFrequent
        });
        imp.fit(&x)?;
        imputer = Some(imp);
    }

    // Categorical columns: fill values, then the encoder over the filled columns.
    let mut category_fill = Vec::new();
    if imputing {
        for &c in &categorical {
            let fill = most_frequent_text((0..n).map(|r| table.field(r, c)).filter(|f| !is_missing(f)))
                .ok_or_else(|| Error::Format {
                    context: table.context.clone(),
                    reason: format!(
                        "column {:?}: every value is missing, nothing to impute from",
                        table.header[c]
                    ),
                })?;
            category_fill.push(fill);
        }
    }
    let mut encoder = None;
    if !categorical.is_empty() {
        let mut cols: Vec<Vec<&str>> = Vec::with_capacity(categorical.len());
        for (j, &c) in categorical.iter().enumerate() {
            let mut col = Vec::with_capacity(n);
            for r in 0..n {
                let f = table.field(r, c);
                col.push(if !is_missing(f) {
                    f
                } else if imputing {
                    category_fill[j].as_str()
                } else {
                    return Err(table.err(
                        r,
                        c,
                        format!("missing value {f:?} (set CsvOptions.missing to impute)"),
                    ));
                });
            }
            cols.push(col);
        }
        let names: Vec<&str> = categorical.iter().map(|&c| table.header[c].as_str()).collect();
        let mut enc = OneHotEncoder::new();
        enc.fit(&names, &cols)?;
        encoder = Some(enc);
    }

    let label_encoder = match opts.task {
        Task::Regression => None,
        Task::Classification => {
            let mut labels = Vec::with_capacity(n);
            for r in 0..n {
                let f = table.field(r, lay.target);
                if is_missing(f) {
                    return Err(table.err(r, lay.target, format!("missing target value {f:?}")));
                }
                labels.push(f);
            }
            let mut le = LabelEncoder::new();
            le.fit(&labels)?;
            Some(le)
        }
    };

    let name = |cs: &[usize]| cs.iter().map(|&c| table.header[c].clone()).collect::<Vec<_>>();
    let mut data = CsvData {
        // Placeholder, replaced by `apply` below.
        dataset: Dataset::new(Tensor::zeros(&[1, 1]), Tensor::zeros(&[1]))?,
        encoder,
        label_encoder,
        imputer,
        columns: name(&lay.features),
        numeric_columns: name(&numeric),
        categorical_columns: name(&categorical),
        category_fill,
        options: opts.clone(),
    };
    data.dataset = apply(&data, table)?;
    Ok(data)
}

/// Encodes `table` with the fitted preprocessing of `data`.
fn apply(data: &CsvData, table: &Table) -> Result<Dataset> {
    let opts = &data.options;
    let lay = layout(table, opts)?;
    let feature_names: Vec<&str> = lay.features.iter().map(|&c| table.header[c].as_str()).collect();
    if feature_names != data.columns {
        return Err(Error::Format {
            context: table.context.clone(),
            reason: format!(
                "line 1: the feature columns are {}, but the data was fitted on {}",
                feature_names.join(", "),
                data.columns.join(", ")
            ),
        });
    }
    // One slot per feature column: numeric (index into numeric_columns, offset in the row) or categorical
    // (index into categorical_columns, offset and width of its one-hot block).
    enum Slot {
        Num(usize, usize),
        Cat(usize, usize, usize),
    }
    let cats = data.encoder.as_ref().map_or(&[][..], |e| e.categories());
    let (mut slots, mut names, mut width) = (Vec::new(), Vec::new(), 0);
    for name in &data.columns {
        if let Some(j) = data.numeric_columns.iter().position(|c| c == name) {
            slots.push(Slot::Num(j, width));
            names.push(name.clone());
            width += 1;
        } else {
            let j = data
                .categorical_columns
                .iter()
                .position(|c| c == name)
                .expect("CsvData invariant: every feature column is numeric or categorical");
            slots.push(Slot::Cat(j, width, cats[j].len()));
            names.extend(cats[j].iter().map(|k| format!("{name}_{k}")));
            width += cats[j].len();
        }
    }
    let n = table.records.len();
    let mut x = vec![0.0f32; n * width];
    for (r, row) in x.chunks_exact_mut(width).enumerate() {
        for (&c, slot) in lay.features.iter().zip(&slots) {
            let f = table.field(r, c);
            match *slot {
                Slot::Num(j, off) => {
                    row[off] = if is_missing(f) {
                        match &data.imputer {
                            Some(imp) => imp.statistics()[j],
                            None => {
                                return Err(table.err(
                                    r,
                                    c,
                                    format!("missing value {f:?} (set CsvOptions.missing to impute)"),
                                ));
                            }
                        }
                    } else {
                        parse_number(f).ok_or_else(|| table.err(r, c, format!("{f:?} is not a number")))?
                    };
                }
                Slot::Cat(j, off, w) => {
                    let value = if !is_missing(f) {
                        f
                    } else if let Some(fill) = data.category_fill.get(j) {
                        fill.as_str()
                    } else {
                        return Err(table.err(
                            r,
                            c,
                            format!("missing value {f:?} (set CsvOptions.missing to impute)"),
                        ));
                    };
                    let enc = data
                        .encoder
                        .as_ref()
                        .expect("CsvData invariant: categorical columns have an encoder");
                    enc.encode_value(j, value, &mut row[off..off + w])
                        .map_err(|e| match e {
                            Error::UnknownName { name, known, .. } => {
                                table.err(r, c, format!("unknown category {name:?} (known: {known})"))
                            }
                            other => other,
                        })?;
                }
            }
        }
    }

    let y: Vec<f32> = match &data.label_encoder {
        Some(le) => {
            let mut labels = Vec::with_capacity(n);
            for r in 0..n {
                let f = table.field(r, lay.target);
                if is_missing(f) {
                    return Err(table.err(r, lay.target, format!("missing target value {f:?}")));
                }
                labels.push(f);
            }
            le.transform(&labels)
                .map_err(|e| match e {
                    Error::UnknownName { name, known, .. } => {
                        let r = labels.iter().position(|l| *l == name).unwrap_or(0);
                        table.err(r, lay.target, format!("unknown class {name:?} (known: {known})"))
                    }
                    other => other,
                })?
                .into_iter()
                .map(|k| k as f32)
                .collect()
        }
        None => (0..n)
            .map(|r| {
                let f = table.field(r, lay.target);
                if is_missing(f) {
                    Err(table.err(r, lay.target, format!("missing target value {f:?}")))
                } else {
                    parse_number(f)
                        .ok_or_else(|| table.err(r, lay.target, format!("target {f:?} is not a number")))
                }
            })
            .collect::<Result<_>>()?,
    };

    let mut ds = Dataset::new(Tensor::from_vec(x, &[n, width])?, Tensor::from_vec(y, &[n])?)?
        .with_feature_names(&names)?;
    if let Some(le) = &data.label_encoder {
        ds = ds.with_class_names(le.classes());
    }
    for &g in &lay.groups {
        let values = (0..n).map(|r| table.field(r, g).to_string()).collect();
        ds = ds.with_group(&table.header[g], values)?;
    }
    Ok(ds)
}

/// Reads a CSV file with a header row into a [`Dataset`]; see the
/// [module documentation](self) for what happens to each column.
///
/// ```
/// use trustnn::data::{read_csv, CsvOptions, Task};
/// let path = std::env::temp_dir().join(format!("trustnn_doc_{}.csv", std::process::id()));
/// std::fs::write(&path, "age,color,label\n30,red,yes\n40,blue,no\n")?;
/// let data = read_csv(&path, &CsvOptions::new("label", Task::Classification))?;
/// assert_eq!(data.dataset.feature_names(), &["age", "color_blue", "color_red"]);
/// assert_eq!(data.dataset.x().as_slice(), &[30.0, 0.0, 1.0, 40.0, 1.0, 0.0]);
/// assert_eq!(data.dataset.class_names(), &["no", "yes"]);
/// assert_eq!(data.dataset.y().as_slice(), &[1.0, 0.0]);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn read_csv(path: impl AsRef<Path>, opts: &CsvOptions) -> Result<CsvData> {
    let path = path.as_ref();
    let file = std::fs::File::open(path)?;
    fit(&parse_table(file, opts, &path.display().to_string())?, opts)
}

/// [`read_csv`] from any reader (the context in errors is `"CSV input"`).
///
/// ```
/// use trustnn::data::{read_csv_from_reader, CsvOptions, Missing, Task};
/// let text = "x,city,price\n1.5,Oslo,10\n?,Rome,12\n2.5,Oslo,?\n";
/// // The missing price is in the target: an error even when imputing features.
/// let opts = CsvOptions::new("price", Task::Regression).missing(Missing::ImputeMean);
/// assert!(read_csv_from_reader(text.as_bytes(), &opts).is_err());
/// let text = "x,city,price\n1.5,Oslo,10\n?,Rome,12\n2.5,Oslo,14\n";
/// let data = read_csv_from_reader(text.as_bytes(), &opts)?;
/// assert_eq!(data.dataset.x().row(1)?, &[2.0, 0.0, 1.0]); // mean of 1.5 and 2.5
/// assert_eq!(data.dataset.y().as_slice(), &[10.0, 12.0, 14.0]);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn read_csv_from_reader<R: Read>(reader: R, opts: &CsvOptions) -> Result<CsvData> {
    fit(&parse_table(reader, opts, "CSV input")?, opts)
}

impl CsvData {
    /// Reads another CSV file (a test set, say) with the same columns and encodes it with
    /// this data's fitted preprocessing: the same features and categories, the same imputed
    /// values and the same classes. A category or class not seen in the original data is
    /// [`Error::Format`] with its line (set `encoder`'s
    /// [`handle_unknown`](OneHotEncoder::handle_unknown) to ignore unknown categories).
    pub fn transform_csv(&self, path: impl AsRef<Path>) -> Result<Dataset> {
        let path = path.as_ref();
        let file = std::fs::File::open(path)?;
        apply(
            self,
            &parse_table(file, &self.options, &path.display().to_string())?,
        )
    }

    /// [`CsvData::transform_csv`] from any reader.
    pub fn transform_csv_reader<R: Read>(&self, reader: R) -> Result<Dataset> {
        apply(self, &parse_table(reader, &self.options, "CSV input")?)
    }
}
