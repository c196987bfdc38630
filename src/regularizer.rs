//! Weight penalties: L1, L2 and ElasticNet, with Keras' conventions.
//!
//! A regularizer attached to a layer adds `penalty(W)` to the reported loss and
//! `∇penalty(W)` to the weight gradient during backpropagation. It applies to weights,
//! never to biases. The scaling is Keras' (`keras.regularizers`): L2 is `λ·Σw²` with gradient
//! `2λw` — so PyTorch's `weight_decay = wd` in SGD equals an L2 regularizer with `λ = wd/2`.
//! Decoupled weight decay is a different thing and belongs to [`crate::optim::AdamW`].

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Result, check_non_negative};

/// A penalty on a layer's weights that is added to the loss.
pub trait Regularizer: Send + Sync + fmt::Debug {
    /// The name (`"l2"`).
    fn name(&self) -> &'static str;
    /// Checks the strengths (finite, non-negative).
    fn validate(&self) -> Result<()>;
    /// The penalty for weights `w`.
    fn penalty(&self, w: &[f32]) -> f32;
    /// Adds `∂penalty/∂w` to `grad`.
    fn add_grad(&self, w: &[f32], grad: &mut [f32]);
    /// A boxed copy.
    fn clone_box(&self) -> Box<dyn Regularizer>;
    /// A complete, serializable description, from which [`from_spec`] rebuilds an equal
    /// regularizer; `None` (the default) for custom regularizers, which model files then
    /// refuse to save.
    fn spec(&self) -> Option<RegularizerSpec> {
        None
    }
}

/// A serializable description of a built-in regularizer (stored in model files as
/// `{"kind": "l2", "l2": 0.0001}`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RegularizerSpec {
    /// [`L1`]`(l1)`.
    L1 {
        /// The strength.
        #[serde(with = "crate::layer::exact_f32")]
        l1: f32,
    },
    /// [`L2`]`(l2)`.
    L2 {
        /// The strength.
        #[serde(with = "crate::layer::exact_f32")]
        l2: f32,
    },
    /// [`ElasticNet`]`::new(l1, l2)`.
    ElasticNet {
        /// The L1 strength.
        #[serde(with = "crate::layer::exact_f32")]
        l1: f32,
        /// The L2 strength.
        #[serde(with = "crate::layer::exact_f32")]
        l2: f32,
    },
}

/// The regularizer `spec` describes (the inverse of [`Regularizer::spec`]). Strengths are
/// checked when the layer holding the regularizer is built.
///
/// ```
/// use trustnn::regularizer::{from_spec, Regularizer, RegularizerSpec, L2};
/// let r = from_spec(&L2(1e-4).spec().unwrap());
/// assert_eq!(r.spec(), Some(RegularizerSpec::L2 { l2: 1e-4 }));
/// ```
pub fn from_spec(spec: &RegularizerSpec) -> Box<dyn Regularizer> {
    match *spec {
        RegularizerSpec::L1 { l1 } => Box::new(L1(l1)),
        RegularizerSpec::L2 { l2 } => Box::new(L2(l2)),
        RegularizerSpec::ElasticNet { l1, l2 } => Box::new(ElasticNet::new(l1, l2)),
    }
}

impl Clone for Box<dyn Regularizer> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// `l1·Σ|w| + l2·Σw²` (Keras' `L1L2`); [`L1`] and [`L2`] are its special cases.
///
/// The gradient is `l1·sign(w) + 2·l2·w`, with `sign(0) = 0` (the subgradient PyTorch's
/// `sign` gives).
///
/// ```
/// use trustnn::regularizer::{ElasticNet, Regularizer};
/// let r = ElasticNet::new(0.1, 0.01);
/// let w = [1.0, -2.0];
/// assert!((r.penalty(&w) - (0.1 * 3.0 + 0.01 * 5.0)).abs() < 1e-6);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ElasticNet {
    /// L1 strength.
    pub l1: f32,
    /// L2 strength.
    pub l2: f32,
}

impl ElasticNet {
    /// `l1·Σ|w| + l2·Σw²`.
    pub fn new(l1: f32, l2: f32) -> Self {
        ElasticNet { l1, l2 }
    }
}

impl Regularizer for ElasticNet {
    fn name(&self) -> &'static str {
        "elastic_net"
    }
    fn spec(&self) -> Option<RegularizerSpec> {
        Some(RegularizerSpec::ElasticNet {
            l1: self.l1,
            l2: self.l2,
        })
    }
    fn validate(&self) -> Result<()> {
        check_non_negative("ElasticNet.l1", self.l1)?;
        check_non_negative("ElasticNet.l2", self.l2)
    }
    fn penalty(&self, w: &[f32]) -> f32 {
        elastic(self.l1, self.l2, w)
    }
    fn add_grad(&self, w: &[f32], grad: &mut [f32]) {
        elastic_grad(self.l1, self.l2, w, grad)
    }
    fn clone_box(&self) -> Box<dyn Regularizer> {
        Box::new(*self)
    }
}

/// L1: `λ·Σ|w|`, gradient `λ·sign(w)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct L1(pub f32);

impl Regularizer for L1 {
    fn name(&self) -> &'static str {
        "l1"
    }
    fn spec(&self) -> Option<RegularizerSpec> {
        Some(RegularizerSpec::L1 { l1: self.0 })
    }
    fn validate(&self) -> Result<()> {
        check_non_negative("L1.lambda", self.0)
    }
    fn penalty(&self, w: &[f32]) -> f32 {
        elastic(self.0, 0.0, w)
    }
    fn add_grad(&self, w: &[f32], grad: &mut [f32]) {
        elastic_grad(self.0, 0.0, w, grad)
    }
    fn clone_box(&self) -> Box<dyn Regularizer> {
        Box::new(*self)
    }
}

/// L2: `λ·Σw²`, gradient `2λ·w` (Keras' convention).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct L2(pub f32);

impl Regularizer for L2 {
    fn name(&self) -> &'static str {
        "l2"
    }
    fn spec(&self) -> Option<RegularizerSpec> {
        Some(RegularizerSpec::L2 { l2: self.0 })
    }
    fn validate(&self) -> Result<()> {
        check_non_negative("L2.lambda", self.0)
    }
    fn penalty(&self, w: &[f32]) -> f32 {
        elastic(0.0, self.0, w)
    }
    fn add_grad(&self, w: &[f32], grad: &mut [f32]) {
        elastic_grad(0.0, self.0, w, grad)
    }
    fn clone_box(&self) -> Box<dyn Regularizer> {
        Box::new(*self)
    }
}

fn elastic(l1: f32, l2: f32, w: &[f32]) -> f32 {
    let (mut a, mut s) = (0f64, 0f64);
    for &v in w {
        a += v.abs() as f64;
        s += (v as f64) * (v as f64);
    }
    (l1 as f64 * a + l2 as f64 * s) as f32
}

fn elastic_grad(l1: f32, l2: f32, w: &[f32], grad: &mut [f32]) {
    let two_l2 = 2.0 * l2;
    for (g, &v) in grad.iter_mut().zip(w) {
        let sign = if v > 0.0 {
            1.0
        } else if v < 0.0 {
            -1.0
        } else {
            0.0
        };
        *g += l1 * sign + two_l2 * v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finite_diff(r: &dyn Regularizer, w: &[f32]) -> Vec<f64> {
        (0..w.len())
            .map(|i| {
                let h = 1e-3f32;
                let mut p = w.to_vec();
                p[i] += h;
                let up = r.penalty(&p) as f64;
                p[i] -= 2.0 * h;
                let down = r.penalty(&p) as f64;
                (up - down) / (2.0 * h as f64)
            })
            .collect()
    }

    #[test]
    fn gradients_match_finite_differences() {
        // Weights away from 0 so that L1 is differentiable there; tolerance 1e-3 relative.
        let w = [0.5f32, -1.25, 2.0, -0.3, 0.75];
        let regs: [Box<dyn Regularizer>; 3] = [
            Box::new(L1(0.1)),
            Box::new(L2(0.05)),
            Box::new(ElasticNet::new(0.2, 0.3)),
        ];
        for r in &regs {
            let mut g = vec![0f32; w.len()];
            r.add_grad(&w, &mut g);
            for (a, n) in g.iter().zip(finite_diff(r.as_ref(), &w)) {
                assert!(
                    (*a as f64 - n).abs() <= 1e-3 * n.abs().max(1e-2),
                    "{}: {a} vs {n}",
                    r.name()
                );
            }
        }
    }

    #[test]
    fn conventions_are_keras() {
        let w = [1.0f32, -2.0, 0.0];
        assert!((L2(0.1).penalty(&w) - 0.5).abs() < 1e-6); // 0.1 * (1 + 4)
        assert!((L1(0.1).penalty(&w) - 0.3).abs() < 1e-6); // 0.1 * (1 + 2)
        let mut g = [0.0f32; 3];
        L2(0.1).add_grad(&w, &mut g);
        assert_eq!(g, [0.2, -0.4, 0.0]);
        let mut g = [0.0f32; 3];
        L1(0.1).add_grad(&w, &mut g);
        assert_eq!(g, [0.1, -0.1, 0.0]);
    }

    #[test]
    fn negative_or_nan_strength_is_rejected() {
        assert!(L2(-0.1).validate().is_err());
        assert!(L1(f32::NAN).validate().is_err());
        assert!(ElasticNet::new(0.1, f32::INFINITY).validate().is_err());
        assert!(ElasticNet::new(0.0, 0.0).validate().is_ok());
    }
}
