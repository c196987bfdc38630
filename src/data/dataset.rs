//! [`Dataset`]: features, targets and what belongs with them.

use crate::error::{Error, Result};
use crate::loss::check_weights;
use crate::tensor::Tensor;

/// A sensitive attribute kept beside the features (sex, race, age group, ...): one value per
/// sample, as text. The fairness tools group samples by these values; they are not model
/// inputs unless a user adds them as features on purpose.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupColumn {
    /// The column's name (`"sex"`).
    pub name: String,
    /// One value per sample (`"Female"`, `"Male"`, ...).
    pub values: Vec<String>,
}

impl GroupColumn {
    /// The distinct values, sorted.
    pub fn categories(&self) -> Vec<String> {
        let mut c = self.values.clone();
        c.sort();
        c.dedup();
        c
    }
}

/// Features `x` (`[n, ...]`), targets `y` (`[n, ...]`) and, optionally, one weight per sample,
/// feature names, class names and named group columns.
///
/// ```
/// use trustnn::{data::Dataset, Tensor};
/// let x = Tensor::from_rows(&[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])?;
/// let y = Tensor::from_vec(vec![0.0, 1.0, 0.0], &[3])?;
/// let ds = Dataset::new(x, y)?
///     .with_feature_names(&["height", "weight"])?
///     .with_group("sex", vec!["F".into(), "M".into(), "F".into()])?;
/// assert_eq!(ds.len(), 3);
/// assert_eq!(ds.group("sex")?.categories(), vec!["F", "M"]);
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    x: Tensor,
    y: Tensor,
    weights: Option<Vec<f32>>,
    feature_names: Vec<String>,
    class_names: Vec<String>,
    groups: Vec<GroupColumn>,
}

impl Dataset {
    /// A dataset of features `x` and targets `y` with the same number of samples (at least
    /// one). Features default to the names `x0`, `x1`, ...
    pub fn new(x: Tensor, y: Tensor) -> Result<Self> {
        if x.ndim() == 0 || x.batch_size() == 0 {
            return Err(Error::empty("Dataset::new (features)"));
        }
        if y.ndim() == 0 || y.batch_size() != x.batch_size() {
            return Err(Error::shape(
                "Dataset::new (targets)",
                format!("{} samples like the features", x.batch_size()),
                y.shape(),
            ));
        }
        let feature_names = (0..x.sample_size()).map(|i| format!("x{i}")).collect();
        Ok(Dataset {
            x,
            y,
            weights: None,
            feature_names,
            class_names: Vec::new(),
            groups: Vec::new(),
        })
    }

    /// Sets one weight per sample (finite, `>= 0`).
    pub fn with_weights(mut self, weights: Vec<f32>) -> Result<Self> {
        check_weights("Dataset::with_weights", &weights, self.len())?;
        self.weights = Some(weights);
        Ok(self)
    }

    /// Removes the sample weights.
    pub fn without_weights(mut self) -> Self {
        self.weights = None;
        self
    }

    /// Names the features (one name per feature value of a sample).
    pub fn with_feature_names<S: AsRef<str>>(mut self, names: &[S]) -> Result<Self> {
        if names.len() != self.x.sample_size() {
            return Err(Error::shape(
                "Dataset::with_feature_names",
                format!("{} names (one per feature)", self.x.sample_size()),
                &[names.len()],
            ));
        }
        self.feature_names = names.iter().map(|s| s.as_ref().to_string()).collect();
        Ok(self)
    }

    /// Names the classes (class `i` is `names[i]`).
    pub fn with_class_names<S: AsRef<str>>(mut self, names: &[S]) -> Self {
        self.class_names = names.iter().map(|s| s.as_ref().to_string()).collect();
        self
    }

    /// Adds (or replaces) a group column with one value per sample.
    pub fn with_group(mut self, name: &str, values: Vec<String>) -> Result<Self> {
        if values.len() != self.len() {
            return Err(Error::shape(
                format!("Dataset::with_group({name})"),
                format!("{} values (one per sample)", self.len()),
                &[values.len()],
            ));
        }
        self.groups.retain(|g| g.name != name);
        self.groups.push(GroupColumn {
            name: name.to_string(),
            values,
        });
        Ok(self)
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.x.batch_size()
    }

    /// True if there are no samples (never, for a dataset built with [`Dataset::new`]).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of feature values per sample.
    pub fn n_features(&self) -> usize {
        self.x.sample_size()
    }

    /// The features.
    pub fn x(&self) -> &Tensor {
        &self.x
    }

    /// The targets.
    pub fn y(&self) -> &Tensor {
        &self.y
    }

    /// The sample weights, if set.
    pub fn weights(&self) -> Option<&[f32]> {
        self.weights.as_deref()
    }

    /// The feature names.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The class names (empty if not set).
    pub fn class_names(&self) -> &[String] {
        &self.class_names
    }

    /// All group columns.
    pub fn groups(&self) -> &[GroupColumn] {
        &self.groups
    }

    /// The group column called `name`.
    pub fn group(&self, name: &str) -> Result<&GroupColumn> {
        self.groups
            .iter()
            .find(|g| g.name == name)
            .ok_or_else(|| Error::UnknownName {
                context: "Dataset groups".into(),
                name: name.into(),
                known: self
                    .groups
                    .iter()
                    .map(|g| g.name.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// Replaces the features (same number of samples); feature names are reset to `x0`, ...
    /// unless the number of features is unchanged.
    pub fn with_x(mut self, x: Tensor) -> Result<Self> {
        if x.ndim() == 0 || x.batch_size() != self.len() {
            return Err(Error::shape(
                "Dataset::with_x",
                format!("{} samples like the dataset", self.len()),
                x.shape(),
            ));
        }
        if x.sample_size() != self.x.sample_size() {
            self.feature_names = (0..x.sample_size()).map(|i| format!("x{i}")).collect();
        }
        self.x = x;
        Ok(self)
    }

    /// Replaces the targets (same number of samples).
    pub fn with_y(mut self, y: Tensor) -> Result<Self> {
        if y.ndim() == 0 || y.batch_size() != self.len() {
            return Err(Error::shape(
                "Dataset::with_y",
                format!("{} samples like the dataset", self.len()),
                y.shape(),
            ));
        }
        self.y = y;
        Ok(self)
    }

    /// The samples at `indices` (in that order), with their weights and group values.
    pub fn subset(&self, indices: &[usize]) -> Result<Dataset> {
        if indices.is_empty() {
            return Err(Error::empty("Dataset::subset (no indices)"));
        }
        Ok(Dataset {
            x: self.x.select_rows(indices)?,
            y: self.y.select_rows(indices)?,
            weights: self
                .weights
                .as_ref()
                .map(|w| indices.iter().map(|&i| w[i]).collect()),
            feature_names: self.feature_names.clone(),
            class_names: self.class_names.clone(),
            groups: self
                .groups
                .iter()
                .map(|g| GroupColumn {
                    name: g.name.clone(),
                    values: indices.iter().map(|&i| g.values[i].clone()).collect(),
                })
                .collect(),
        })
    }
}
