//! Weight initializers, drawn from a seeded generator.
//!
//! The formulas and fan conventions are those of `torch.nn.init`. For a dense weight stored
//! `[in, out]` (trustnn's layout), `fan_in = in` and `fan_out = out` — the same fans PyTorch
//! computes for its `[out, in]` layout. The `*Normal` variants draw from a plain normal
//! distribution as PyTorch does (Keras truncates its normals; trustnn does not).
//!
//! | initializer | distribution |
//! |---|---|
//! | `GlorotUniform` | `U(−a, a)`, `a = gain·√(6 / (fan_in + fan_out))` |
//! | `GlorotNormal` | `N(0, σ²)`, `σ = gain·√(2 / (fan_in + fan_out))` |
//! | `HeUniform` | `U(−a, a)`, `a = √2·√(3 / fan_in)` (`kaiming_uniform_`, ReLU gain) |
//! | `HeNormal` | `N(0, σ²)`, `σ = √2 / √fan_in` (`kaiming_normal_`, ReLU gain) |
//! | `LecunNormal` | `N(0, σ²)`, `σ = 1 / √fan_in` |
//! | `LecunUniform` | `U(−a, a)`, `a = √(3 / fan_in)` |

use rand::Rng as _;
use rand_distr::{Distribution, Normal};

use crate::error::{Error, Result};
use crate::rng::Rng;
use crate::tensor::Tensor;

/// How to fill a parameter tensor before training.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Initializer {
    /// All zeros.
    Zeros,
    /// All equal to the value.
    Constant(f32),
    /// Uniform on `[low, high)`.
    Uniform {
        /// Lower bound.
        low: f32,
        /// Upper bound (exclusive), greater than `low`.
        high: f32,
    },
    /// Normal with the given mean and standard deviation.
    Normal {
        /// Mean.
        mean: f32,
        /// Standard deviation, `>= 0`.
        std: f32,
    },
    /// Glorot/Xavier uniform with gain 1 (`torch.nn.init.xavier_uniform_`).
    GlorotUniform,
    /// Glorot/Xavier normal with gain 1 (`torch.nn.init.xavier_normal_`).
    GlorotNormal,
    /// He/Kaiming uniform, fan-in mode, ReLU gain √2 (`torch.nn.init.kaiming_uniform_`).
    HeUniform,
    /// He/Kaiming normal, fan-in mode, ReLU gain √2 (`torch.nn.init.kaiming_normal_`).
    HeNormal,
    /// LeCun normal: `σ = 1/√fan_in` (the initializer SELU expects).
    LecunNormal,
    /// LeCun uniform: `a = √(3/fan_in)`.
    LecunUniform,
}

impl Initializer {
    /// Checks the parameters (bounds ordered and finite, std non-negative).
    pub fn validate(&self) -> Result<()> {
        match *self {
            Initializer::Constant(v) if !v.is_finite() => {
                Err(Error::config("Initializer::Constant", v, "must be finite"))
            }
            Initializer::Uniform { low, high } if !(low.is_finite() && high.is_finite() && low < high) => {
                Err(Error::config(
                    "Initializer::Uniform",
                    format!("[{low}, {high})"),
                    "bounds must be finite with low < high",
                ))
            }
            Initializer::Normal { mean, std } if !(mean.is_finite() && std.is_finite() && std >= 0.0) => {
                Err(Error::config(
                    "Initializer::Normal",
                    format!("mean {mean}, std {std}"),
                    "mean must be finite and std finite and >= 0",
                ))
            }
            _ => Ok(()),
        }
    }

    /// A tensor of `shape` filled by this initializer, with the given fans.
    pub fn tensor(&self, shape: &[usize], fan_in: usize, fan_out: usize, rng: &mut Rng) -> Result<Tensor> {
        self.validate()?;
        let mut t = Tensor::zeros(shape);
        self.fill(t.as_slice_mut(), fan_in, fan_out, rng);
        Ok(t)
    }

    /// Fills `values` in place (assumes [`Initializer::validate`] passed).
    pub fn fill(&self, values: &mut [f32], fan_in: usize, fan_out: usize, rng: &mut Rng) {
        let fi = fan_in.max(1) as f32;
        let fo = fan_out.max(1) as f32;
        match *self {
            Initializer::Zeros => values.fill(0.0),
            Initializer::Constant(v) => values.fill(v),
            Initializer::Uniform { low, high } => fill_uniform(values, low, high, rng),
            Initializer::Normal { mean, std } => fill_normal(values, mean, std, rng),
            Initializer::GlorotUniform => {
                let a = (6.0 / (fi + fo)).sqrt();
                fill_uniform(values, -a, a, rng)
            }
            Initializer::GlorotNormal => fill_normal(values, 0.0, (2.0 / (fi + fo)).sqrt(), rng),
            Initializer::HeUniform => {
                let a = 2f32.sqrt() * (3.0 / fi).sqrt();
                fill_uniform(values, -a, a, rng)
            }
            Initializer::HeNormal => fill_normal(values, 0.0, 2f32.sqrt() / fi.sqrt(), rng),
            Initializer::LecunNormal => fill_normal(values, 0.0, 1.0 / fi.sqrt(), rng),
            Initializer::LecunUniform => {
                let a = (3.0 / fi).sqrt();
                fill_uniform(values, -a, a, rng)
            }
        }
    }
}

fn fill_uniform(values: &mut [f32], low: f32, high: f32, rng: &mut Rng) {
    for v in values {
        *v = rng.random_range(low..high);
    }
}

fn fill_normal(values: &mut [f32], mean: f32, std: f32, rng: &mut Rng) {
    if std == 0.0 {
        values.fill(mean);
        return;
    }
    let dist = Normal::new(mean, std).expect("validated: std finite and > 0");
    for v in values {
        *v = dist.sample(rng);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::seeded;

    fn moments(init: Initializer, fan_in: usize, fan_out: usize) -> (f64, f64, f32) {
        let mut rng = seeded(7);
        let t = init
            .tensor(&[fan_in, fan_out], fan_in, fan_out, &mut rng)
            .unwrap();
        let n = t.len() as f64;
        let mean = t.as_slice().iter().map(|&v| v as f64).sum::<f64>() / n;
        let var = t
            .as_slice()
            .iter()
            .map(|&v| (v as f64 - mean).powi(2))
            .sum::<f64>()
            / n;
        let max = t.as_slice().iter().fold(0f32, |m, v| m.max(v.abs()));
        (mean, var.sqrt(), max)
    }

    #[test]
    fn fans_follow_torch_conventions() {
        // (initializer, expected std, uniform bound if any); fan_in 300, fan_out 200.
        let (fi, fo) = (300.0f64, 200.0f64);
        let cases = [
            (
                Initializer::GlorotUniform,
                (2.0 / (fi + fo)).sqrt(),
                Some((6.0 / (fi + fo)).sqrt()),
            ),
            (Initializer::GlorotNormal, (2.0 / (fi + fo)).sqrt(), None),
            (Initializer::HeUniform, (2.0 / fi).sqrt(), Some((6.0 / fi).sqrt())),
            (Initializer::HeNormal, (2.0 / fi).sqrt(), None),
            (Initializer::LecunNormal, (1.0 / fi).sqrt(), None),
            (
                Initializer::LecunUniform,
                (1.0 / fi).sqrt(),
                Some((3.0 / fi).sqrt()),
            ),
        ];
        for (init, std, bound) in cases {
            let (m, s, max) = moments(init, 300, 200);
            assert!(m.abs() < 0.02 * std * 10.0, "{init:?} mean {m}");
            assert!((s - std).abs() / std < 0.02, "{init:?}: std {s} vs {std}");
            if let Some(b) = bound {
                assert!((max as f64) <= b, "{init:?}: {max} > {b}");
                assert!((max as f64) > 0.99 * b, "{init:?}: bound {b} not reached ({max})");
            }
        }
    }

    #[test]
    fn same_seed_same_values() {
        let a = Initializer::HeNormal
            .tensor(&[10, 10], 10, 10, &mut seeded(1))
            .unwrap();
        let b = Initializer::HeNormal
            .tensor(&[10, 10], 10, 10, &mut seeded(1))
            .unwrap();
        let c = Initializer::HeNormal
            .tensor(&[10, 10], 10, 10, &mut seeded(2))
            .unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn bad_parameters_are_errors() {
        let mut rng = seeded(0);
        assert!(
            Initializer::Uniform { low: 1.0, high: 0.0 }
                .tensor(&[2], 1, 1, &mut rng)
                .is_err()
        );
        assert!(
            Initializer::Normal { mean: 0.0, std: -1.0 }
                .tensor(&[2], 1, 1, &mut rng)
                .is_err()
        );
        assert!(
            Initializer::Constant(f32::NAN)
                .tensor(&[2], 1, 1, &mut rng)
                .is_err()
        );
        let c = Initializer::Constant(0.5).tensor(&[3], 1, 1, &mut rng).unwrap();
        assert_eq!(c.as_slice(), &[0.5; 3]);
    }
}
