//! Reliable prediction and monitoring in deployment: how confident each prediction is, how
//! well a classifier's confidence is calibrated, and whether incoming data still looks like
//! the training data.
//!
//! - [`calibration`]: [`confidence`] per prediction (max probability, entropy), and
//!   [`expected_calibration_error`] / [`calibration_curve`] for reliability diagrams
//!   (Guo et al. 2017; scikit-learn's `calibration_curve`).
//! - [`drift`]: [`DriftMonitor`], fitted on the training inputs, reports per feature the
//!   population stability index and the two-sample Kolmogorov–Smirnov test with a
//!   multiple-testing correction, and the shift of the predicted-class distribution.
//! - [`stats`]: the distribution functions and tests behind them, following
//!   `scipy.stats` (`ks_2samp`, `kstwo`, `chi2_contingency`) and statsmodels' `multipletests`.
//!
//! ```
//! use trustnn::prelude::*;
//! use trustnn::monitor::{confidence, expected_calibration_error, DriftConfig, DriftMonitor};
//!
//! let x = Tensor::from_rows(&[[0.0, 0.1], [0.2, 0.0], [1.0, 0.9], [0.8, 1.1]])?;
//! let y = Tensor::from_vec(vec![0.0, 0.0, 1.0, 1.0], &[4])?;
//! let mut model = Sequential::new().seed(7).add(Dense::new(2, 2));
//! model.compile(SparseCategoricalCrossEntropy, Adam::new(0.05))?;
//! model.fit(&x, &y, &FitConfig::new().epochs(50).batch_size(4))?;
//!
//! let proba = model.predict_proba(&x)?;
//! let conf = confidence(&proba)?;
//! assert_eq!(conf.iter().map(|c| c.predicted_class).collect::<Vec<_>>(), model.predict_classes(&x)?);
//! let cal = expected_calibration_error(&proba, &[0, 0, 1, 1], 10)?;
//! assert!(cal.ece >= 0.0 && cal.ece <= 1.0);
//!
//! let monitor = DriftMonitor::fit(&x, Some(&model.predict_classes(&x)?), DriftConfig::new())?;
//! let report = monitor.check(&x, Some(&model.predict_classes(&x)?))?;
//! assert!(!report.any_drift());
//! # Ok::<(), trustnn::Error>(())
//! ```

pub mod calibration;
pub mod drift;
pub mod stats;

pub use calibration::{
    Calibration, CalibrationBin, CalibrationCurve, Confidence, calibration_curve, confidence,
    expected_calibration_error,
};
pub use drift::{ClassDrift, DriftConfig, DriftMonitor, DriftReport, DriftRule, FeatureDrift};
pub use stats::{Correction, KsMethod, KsTest, PsiBand};
