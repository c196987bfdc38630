//! Data: the [`Dataset`] type that `fit` accepts, and (in submodules) batching, splits,
//! preprocessing, file loaders and the bundled real datasets.
//!
//! Conventions follow scikit-learn (`train_test_split`, `KFold`, `StratifiedKFold`,
//! `StandardScaler`, ...) so results can be compared with it; every random choice is drawn
//! from a seed.

mod dataset;
pub mod datasets;

pub use dataset::{Dataset, GroupColumn};
