//! A privacy check of tabular data before training: columns that identify people directly
//! (unique or nearly unique values), and k-anonymity over chosen quasi-identifiers (Sweeney
//! 2002, "k-anonymity: a model for protecting privacy"): the smallest equivalence class — the
//! rows sharing the same quasi-identifier values — and how many rows sit in classes of fewer
//! than `k` rows.

use std::collections::HashMap;
use std::fmt;

use crate::data::Dataset;
use crate::{Error, Result};

/// Named columns of values compared as text: the input of the checks.
///
/// ```
/// use trustnn::privacy::check::{Table, k_anonymity};
/// let t = Table::from_csv("zip,age,disease\n123,30,flu\n123,30,cold\n124,41,flu\n")?;
/// let k = k_anonymity(&t, &["zip", "age"], 2)?;
/// assert_eq!((k.smallest_class, k.rows_below_k), (1, 1));
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    names: Vec<String>,
    columns: Vec<Vec<String>>,
}

impl Table {
    /// A table of named columns of equal, non-zero length.
    pub fn new(names: Vec<String>, columns: Vec<Vec<String>>) -> Result<Self> {
        if names.len() != columns.len() {
            return Err(Error::shape(
                "Table::new (columns)",
                names.len(),
                &[columns.len()],
            ));
        }
        let rows = columns.first().map_or(0, Vec::len);
        if rows == 0 {
            return Err(Error::empty("Table::new"));
        }
        if let Some((i, c)) = columns.iter().enumerate().find(|(_, c)| c.len() != rows) {
            return Err(Error::shape(
                format!("Table::new (column {})", names[i]),
                rows,
                &[c.len()],
            ));
        }
        Ok(Self { names, columns })
    }

    /// The feature columns of a 2-D dataset (by their feature names; values compared by their
    /// exact `f32` text) followed by its group columns.
    pub fn from_dataset(ds: &Dataset) -> Result<Self> {
        let x = ds.x();
        if x.ndim() != 2 {
            return Err(Error::shape(
                "Table::from_dataset (features)",
                "[n, features]",
                x.shape(),
            ));
        }
        let v = x.view2();
        let mut names: Vec<String> = ds.feature_names().to_vec();
        let mut columns: Vec<Vec<String>> = v
            .columns()
            .into_iter()
            .map(|c| c.iter().map(f32::to_string).collect())
            .collect();
        for g in ds.groups() {
            names.push(g.name.clone());
            columns.push(g.values.clone());
        }
        Self::new(names, columns)
    }

    /// The columns of CSV text with a header row (e.g. `trustnn::data::datasets::raw_csv`).
    pub fn from_csv(text: &str) -> Result<Self> {
        let fmt_err = |e: csv::Error| Error::Format {
            context: "Table::from_csv".into(),
            reason: e.to_string(),
        };
        let mut rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let names: Vec<String> = rdr
            .headers()
            .map_err(fmt_err)?
            .iter()
            .map(str::to_string)
            .collect();
        let mut columns = vec![Vec::new(); names.len()];
        for rec in rdr.records() {
            let rec = rec.map_err(fmt_err)?;
            for (c, v) in columns.iter_mut().zip(rec.iter()) {
                c.push(v.to_string());
            }
        }
        Self::new(names, columns)
    }

    /// The column names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.columns[0].len()
    }

    /// The values of column `name`.
    pub fn column(&self, name: &str) -> Result<&[String]> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| self.columns[i].as_slice())
            .ok_or_else(|| Error::UnknownName {
                context: "privacy check table".into(),
                name: name.into(),
                known: self.names.join(", "),
            })
    }
}

/// How identifying one column is on its own.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnUniqueness {
    /// The column.
    pub column: String,
    /// Its number of distinct values.
    pub distinct: usize,
    /// `distinct / rows`: 1 for a column with a different value in every row.
    pub distinct_fraction: f64,
    /// The fraction of rows whose value occurs in no other row (singled out by this column).
    pub singleton_fraction: f64,
    /// Whether `distinct_fraction >= threshold`: the column identifies people (nearly) directly.
    pub flagged: bool,
}

/// The uniqueness of every column; a column is flagged when its distinct fraction is at least
/// `threshold` (in `(0, 1]`; 0.9 is a reasonable default: 1.0 flags only exactly unique keys).
pub fn identifier_columns(table: &Table, threshold: f64) -> Result<Vec<ColumnUniqueness>> {
    if !(threshold > 0.0 && threshold <= 1.0) {
        return Err(Error::config("threshold", threshold, "must be in (0, 1]"));
    }
    let n = table.rows() as f64;
    Ok(table
        .names
        .iter()
        .zip(&table.columns)
        .map(|(name, col)| {
            let mut counts: HashMap<&str, usize> = HashMap::new();
            col.iter()
                .for_each(|v| *counts.entry(v.as_str()).or_default() += 1);
            let singletons = counts.values().filter(|&&c| c == 1).count();
            let distinct_fraction = counts.len() as f64 / n;
            ColumnUniqueness {
                column: name.clone(),
                distinct: counts.len(),
                distinct_fraction,
                singleton_fraction: singletons as f64 / n,
                flagged: distinct_fraction >= threshold,
            }
        })
        .collect())
}

/// k-anonymity of a table over a set of quasi-identifiers.
#[derive(Clone, Debug, PartialEq)]
pub struct KAnonymity {
    /// The quasi-identifier columns.
    pub quasi_identifiers: Vec<String>,
    /// The `k` asked for.
    pub k: usize,
    /// The number of rows.
    pub rows: usize,
    /// The number of equivalence classes (distinct combinations of values).
    pub classes: usize,
    /// The size of the smallest class: the table is `smallest_class`-anonymous.
    pub smallest_class: usize,
    /// The classes with fewer than `k` rows.
    pub classes_below_k: usize,
    /// The rows in classes with fewer than `k` rows.
    pub rows_below_k: usize,
}

impl KAnonymity {
    /// Whether every class has at least `k` rows.
    pub fn satisfied(&self) -> bool {
        self.rows_below_k == 0
    }
}

/// k-anonymity over the columns `quasi` (at least one; `k >= 1`).
pub fn k_anonymity(table: &Table, quasi: &[&str], k: usize) -> Result<KAnonymity> {
    if quasi.is_empty() {
        return Err(Error::empty("k_anonymity (quasi-identifiers)"));
    }
    if k == 0 {
        return Err(Error::config("k", k, "must be >= 1"));
    }
    let cols = quasi
        .iter()
        .map(|q| table.column(q))
        .collect::<Result<Vec<_>>>()?;
    let mut classes: HashMap<Vec<&str>, usize> = HashMap::new();
    for r in 0..table.rows() {
        *classes
            .entry(cols.iter().map(|c| c[r].as_str()).collect())
            .or_default() += 1;
    }
    let below = classes.values().filter(|&&c| c < k);
    Ok(KAnonymity {
        quasi_identifiers: quasi.iter().map(|s| s.to_string()).collect(),
        k,
        rows: table.rows(),
        classes: classes.len(),
        smallest_class: classes.values().copied().min().unwrap_or(0),
        classes_below_k: below.clone().count(),
        rows_below_k: below.sum(),
    })
}

/// The data check as one report: identifier columns and, optionally, k-anonymity.
#[derive(Clone, Debug, PartialEq)]
pub struct DataPrivacyReport {
    /// Every column's uniqueness.
    pub columns: Vec<ColumnUniqueness>,
    /// The threshold used to flag columns.
    pub threshold: f64,
    /// k-anonymity over the quasi-identifiers, if any were given.
    pub k_anonymity: Option<KAnonymity>,
}

impl DataPrivacyReport {
    /// Checks `table`: flags columns with distinct fraction `>= threshold`, and measures
    /// k-anonymity over `quasi` when it is non-empty.
    ///
    /// ```
    /// use trustnn::privacy::check::{DataPrivacyReport, Table};
    /// let t = Table::from_csv("id,sex\n1,F\n2,M\n3,F\n4,M\n")?;
    /// let r = DataPrivacyReport::new(&t, 0.9, &["sex"], 2)?;
    /// assert_eq!(r.flagged(), vec!["id"]);
    /// assert!(r.k_anonymity.unwrap().satisfied());
    /// # Ok::<(), trustnn::Error>(())
    /// ```
    pub fn new(table: &Table, threshold: f64, quasi: &[&str], k: usize) -> Result<Self> {
        let columns = identifier_columns(table, threshold)?;
        let k_anonymity = if quasi.is_empty() {
            None
        } else {
            Some(k_anonymity(table, quasi, k)?)
        };
        Ok(Self {
            columns,
            threshold,
            k_anonymity,
        })
    }

    /// The names of the flagged columns.
    pub fn flagged(&self) -> Vec<&str> {
        self.columns
            .iter()
            .filter(|c| c.flagged)
            .map(|c| c.column.as_str())
            .collect()
    }
}

impl fmt::Display for DataPrivacyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Direct identifiers (distinct fraction >= {}):", self.threshold)?;
        for c in &self.columns {
            writeln!(
                f,
                "  {:<24} distinct {:>7} ({:>6.2}%), singled out {:>6.2}%{}",
                c.column,
                c.distinct,
                100.0 * c.distinct_fraction,
                100.0 * c.singleton_fraction,
                if c.flagged { "  <- IDENTIFIER" } else { "" }
            )?;
        }
        if let Some(k) = &self.k_anonymity {
            writeln!(
                f,
                "k-anonymity over [{}]: {} classes, smallest {} rows; {} of {} rows in {} classes below k = {}{}",
                k.quasi_identifiers.join(", "),
                k.classes,
                k.smallest_class,
                k.rows_below_k,
                k.rows,
                k.classes_below_k,
                k.k,
                if k.satisfied() {
                    " (satisfied)"
                } else {
                    " (NOT satisfied)"
                }
            )?;
        }
        Ok(())
    }
}
