//! Data: the [`Dataset`] type that `fit` accepts, batching, splits, preprocessing and file
//! loaders (CSV, IDX).
//!
//! Conventions follow scikit-learn (`train_test_split`, `KFold`, `StratifiedKFold`,
//! `StandardScaler`, ...) so results can be compared with it; every random choice is drawn
//! from a seed.
//!
//! - [`batch`]: mini-batches with per-epoch shuffling ([`Batches`]), as PyTorch's `DataLoader`;
//! - [`split`]: [`train_test_split`] (stratified on request), [`KFold`], [`StratifiedKFold`];
//! - [`preprocess`]: [`StandardScaler`], [`MinMaxScaler`], [`OneHotEncoder`], [`LabelEncoder`],
//!   [`SimpleImputer`];
//! - [`csv`]: [`read_csv`], a CSV file with a header to a [`Dataset`];
//! - [`idx`]: [`read_idx`] and [`load_mnist`], the MNIST file format.
//!
//! Everything is re-exported here, so `use trustnn::data::{read_csv, StandardScaler};` works.

pub mod batch;
pub mod csv;
mod dataset;
pub mod datasets;
pub mod idx;
pub mod preprocess;
pub mod split;

pub use batch::{Batch, BatchBuf, Batches};
pub use csv::{CsvData, CsvOptions, Missing, Task, read_csv, read_csv_from_reader};
pub use dataset::{Dataset, GroupColumn};
pub use idx::{load_mnist, read_idx, read_idx_from_reader};
pub use preprocess::{
    ImputeStrategy, LabelEncoder, MinMaxScaler, OneHotEncoder, SimpleImputer, StandardScaler, UnknownCategory,
};
pub use split::{Fold, KFold, StratifiedKFold, train_test_split, train_test_split_indices};
