//! Data: the [`Dataset`] type that `fit` accepts, batching, splits, preprocessing and file
//! loaders (CSV, IDX).
//!
//! Conventions follow scikit-learn (`train_test_split`, `KFold`, `StratifiedKFold`,
//! `StandardScaler`, ...) so results can be compared with it; every random choice is drawn
//! from a seed.

mod batch;
mod csv;
mod dataset;
mod idx;
mod preprocess;
mod split;

pub use batch::{Batch, BatchBuf, Batches};
pub use csv::{CsvData, CsvOptions, Missing, Task, read_csv, read_csv_from_reader};
pub use dataset::{Dataset, GroupColumn};
pub use idx::{load_mnist, read_idx, read_idx_from_reader};
pub use preprocess::{
    ImputeStrategy, LabelEncoder, MinMaxScaler, OneHotEncoder, SimpleImputer, StandardScaler, UnknownCategory,
};
pub use split::{Fold, KFold, StratifiedKFold, train_test_split, train_test_split_indices};
