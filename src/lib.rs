//! # trustnn
//!
//! A fast, trustworthy feed-forward neural-network library on [`ndarray`].
//!
//! - **Layered API**: [`Tensor`] values flow through [`layer::Layer`]s ([`layer::Dense`],
//!   [`layer::ActivationLayer`] with any [`activation::Activation`], [`layer::Dropout`],
//!   [`layer::BatchNorm`], [`layer::Flatten`]) stacked in a [`Sequential`] model that is
//!   trained with a [`loss::Loss`], an [`optim::Optimizer`] and optional
//!   [`regularizer::Regularizer`]s, through `fit` / `evaluate` / `predict`.
//! - **Hand-written backpropagation**: every layer's backward pass is written out (no
//!   autograd) and checked against finite differences ([`gradcheck`]); the formulas are in
//!   `docs/MATH.md`.
//! - **Conventions users know**: update rules are `torch.optim`'s, eps placement included;
//!   initializers follow `torch.nn.init`; losses follow `torch.nn`; regularizers and the
//!   training loop follow Keras; metrics follow scikit-learn. Each item's documentation says
//!   which.
//! - **Trustworthy by construction**: bad input returns a typed [`Error`] naming what and
//!   where, never a panic; one seed makes every run bit-identical.
//!
//! ```
//! use trustnn::prelude::*;
//!
//! // Two noisy, linearly separable classes.
//! let x = Tensor::from_rows(&[[0.0, 0.1], [0.2, 0.0], [1.0, 0.9], [0.8, 1.1]])?;
//! let y = Tensor::from_vec(vec![0.0, 0.0, 1.0, 1.0], &[4])?;
//!
//! let mut model = Sequential::new()
//!     .seed(7)
//!     .add(Dense::new(2, 16))
//!     .add(ActivationLayer::new(Relu))
//!     .add(Dense::new(16, 2));
//! model.compile(SparseCategoricalCrossEntropy, Adam::new(0.01))?;
//! let history = model.fit(&x, &y, &FitConfig::new().epochs(100).batch_size(4).metrics(&[Metric::Accuracy]))?;
//! assert_eq!(history.last("accuracy"), Some(1.0));
//! assert_eq!(model.predict_classes(&x)?, vec![0, 0, 1, 1]);
//! # Ok::<(), trustnn::Error>(())
//! ```
#![warn(missing_docs)]

pub mod activation;
pub mod data;
pub mod error;
pub mod explain;
pub mod fairness;
pub mod gradcheck;
pub mod init;
pub mod io;
pub mod layer;
pub mod linalg;
pub mod loss;
pub mod metrics;
pub mod model;
pub mod monitor;
pub mod optim;
#[cfg(feature = "plots")]
pub mod plot;
pub mod privacy;
pub mod progress;
pub mod regularizer;
pub mod rng;
pub mod robustness;
pub mod selection;
pub mod tensor;

pub use error::{Error, Result};
pub use model::{Callback, Control, Evaluation, FitConfig, GradientClip, History, Metric, Sequential};
pub use tensor::Tensor;

/// The names most programs need: `use trustnn::prelude::*;`.
pub mod prelude {
    pub use crate::activation::{
        Activation, Elu, Gelu, Identity, LeakyRelu, Mish, Relu, Selu, Sigmoid, Silu, Softmax, Softplus, Tanh,
    };
    pub use crate::init::Initializer;
    pub use crate::layer::{ActivationLayer, BatchNorm, Dense, Dropout, Flatten, Layer, Mode};
    pub use crate::loss::{
        BinaryCrossEntropy, BinaryCrossEntropyWithLogits, CategoricalCrossEntropy, Hinge, Huber,
        KLDivergence, Loss, MeanAbsoluteError, MeanSquaredError, SparseCategoricalCrossEntropy,
    };
    pub use crate::optim::{Adadelta, Adagrad, Adam, AdamW, NAdam, Optimizer, RAdam, RmsProp, Sgd};
    pub use crate::regularizer::{ElasticNet, L1, L2, Regularizer};
    pub use crate::{
        Callback, Control, Error, Evaluation, FitConfig, GradientClip, History, Metric, Result, Sequential,
        Tensor,
    };
}
