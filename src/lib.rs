//! # trustnn
//!
//! A fast, trustworthy feed-forward neural-network library on [`ndarray`], with
//! backpropagation written by hand for every layer and checked against finite differences.
#![warn(missing_docs)]

pub mod activation;
pub mod error;
pub mod gradcheck;
pub mod init;
pub mod layer;
pub mod loss;
pub mod model;
pub mod optim;
pub mod regularizer;
pub mod rng;
pub mod tensor;

pub use error::{Error, Result};
pub use tensor::Tensor;
pub use model::{Evaluation, FitConfig, History, Metric, Sequential};
