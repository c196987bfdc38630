//! The crate's one error type.
//!
//! Every fallible public function returns [`Result<T>`]. Each variant carries what went wrong
//! and where — the layer or function (`context`), the expected and actual shapes, the
//! offending value — so a message alone is enough to find the bad input.

use std::fmt;

/// Convenience alias used by every fallible function in the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in trustnn's public API.
///
/// The enum is `#[non_exhaustive]`: later versions may add variants (for example for model
/// files), so match with a wildcard arm.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A tensor had a shape other than the one required.
    #[error("shape mismatch in {context}: expected {expected}, got {actual:?}")]
    ShapeMismatch {
        /// Where: a layer name (`"dense_1"`), a loss, or a function (`"Tensor::add"`).
        context: String,
        /// The required shape, in words or as a pattern such as `[*, 784]` (`*` = any size).
        expected: String,
        /// The shape that was given.
        actual: Vec<usize>,
    },
    /// A hyperparameter or option had a value outside its valid range.
    #[error("invalid configuration: {param} = {value}: {reason}")]
    InvalidConfig {
        /// The parameter's name, qualified where useful (`"Dropout.rate"`, `"FitConfig.batch_size"`).
        param: String,
        /// The value that was given, as text.
        value: String,
        /// What the valid values are.
        reason: String,
    },
    /// A NaN or infinite value was found where finite values are required.
    #[error("non-finite value {value} in {context} at {position}")]
    NonFinite {
        /// Where: the input of a model, a loss' targets, a layer's weights, ...
        context: String,
        /// The position, e.g. `row 3, column 1` or `index 17`.
        position: String,
        /// The offending value (NaN, +inf or -inf).
        value: f32,
    },
    /// An input had no elements (an empty batch, a dataset with no rows, ...).
    #[error("empty input in {context}")]
    EmptyInput {
        /// Where the empty input was given.
        context: String,
    },
    /// A class label was negative, not an integer, or not below the number of classes.
    #[error(
        "label out of range in {context}: label {label} at row {row} is not an integer in [0, {num_classes})"
    )]
    LabelOutOfRange {
        /// Where: usually the loss' name.
        context: String,
        /// The row of the batch or dataset.
        row: usize,
        /// The label as given.
        label: f32,
        /// The number of classes the model outputs.
        num_classes: usize,
    },
    /// The model was used before it was built or compiled.
    #[error("model not ready: {0}")]
    NotReady(String),
    /// A parameter, layer or column name that does not exist.
    #[error("unknown name {name:?} in {context}; known names: {known}")]
    UnknownName {
        /// Where the name was looked up.
        context: String,
        /// The name that was asked for.
        name: String,
        /// The names that exist, comma-separated.
        known: String,
    },
    /// Reading or writing a file failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// A file or string did not follow the expected format.
    #[error("format error in {context}: {reason}")]
    Format {
        /// The file or source being parsed.
        context: String,
        /// What was wrong, with the line or byte offset where known.
        reason: String,
    },
    /// A model file's content does not match its stored SHA-256 digest, has no digest, or is
    /// not in the canonical form the digest is defined over: the file was damaged or altered
    /// after it was written (see [`crate::io`]).
    #[error("integrity check failed for {path}: {reason}")]
    Integrity {
        /// The file (or `"<memory>"` for bytes).
        path: String,
        /// What did not match.
        reason: String,
    },
    /// A model file's signature is missing, malformed, of another kind than the key, or was
    /// not made with the key it was checked against (see [`crate::io::load_verified`]).
    #[error("authenticity check failed for {path}: {reason}")]
    Authenticity {
        /// The file (or `"<memory>"` for bytes).
        path: String,
        /// Why the file was refused.
        reason: String,
    },
}

impl Error {
    /// Builds [`Error::ShapeMismatch`].
    pub fn shape(context: impl Into<String>, expected: impl fmt::Display, actual: &[usize]) -> Self {
        Error::ShapeMismatch {
            context: context.into(),
            expected: expected.to_string(),
            actual: actual.to_vec(),
        }
    }

    /// Builds [`Error::InvalidConfig`].
    pub fn config(param: impl Into<String>, value: impl fmt::Display, reason: impl Into<String>) -> Self {
        Error::InvalidConfig {
            param: param.into(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    /// Builds [`Error::EmptyInput`].
    pub fn empty(context: impl Into<String>) -> Self {
        Error::EmptyInput {
            context: context.into(),
        }
    }
}

/// Checks that `value` is finite and strictly positive; `param` names it in the error.
pub(crate) fn check_positive(param: &str, value: f32) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(Error::config(param, value, "must be a finite number > 0"))
    }
}

/// Checks that `value` is finite and `>= 0`.
pub(crate) fn check_non_negative(param: &str, value: f32) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(Error::config(param, value, "must be a finite number >= 0"))
    }
}

/// Checks that `lo <= value < hi` (and finite).
pub(crate) fn check_in_range(param: &str, value: f32, lo: f32, hi: f32) -> Result<()> {
    if value.is_finite() && value >= lo && value < hi {
        Ok(())
    } else {
        Err(Error::config(param, value, format!("must be in [{lo}, {hi})")))
    }
}
