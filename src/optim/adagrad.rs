//! [`Adagrad`]: per-coordinate learning rates from the sum of squared gradients, as
//! `torch.optim.Adagrad`.
//!
//! Reference: Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online Learning and
//! Stochastic Optimization", JMLR 12 (2011).

use super::OptimizerSpec;
use super::{
    Optimizer, OptimizerState, PARALLEL_MIN_VALUES, begin_update, check_lr, check_non_negative64, lr_to_f64,
};
use crate::error::Result;
use crate::linalg::zip_blocks;

/// Adagrad, as `torch.optim.Adagrad` (defaults: `lr = 1e-2`, `lr_decay = 0`,
/// `weight_decay = 0`, `initial_accumulator_value = 0`, `eps = 1e-10`).
///
/// At the parameter's step `t` (starting at 1), with weight decay `λ` and learning-rate
/// decay `η`:
///
/// ```text
/// if λ ≠ 0:  g ← g + λ·θ
/// clr = lr / (1 + (t − 1)·η)
/// sum ← sum + g²
/// θ ← θ − clr · g / (√sum + eps)        (eps outside the square root)
/// ```
///
/// State: `"sum"`, starting at `initial_accumulator_value`.
///
/// ```
/// use trustnn::optim::{Adagrad, Optimizer};
/// let mut opt = Adagrad::new(0.1);
/// let mut w = vec![1.0_f32];
/// opt.update("w", &mut w, &[3.0]); // sum = 9: w = 1 − 0.1·3/3
/// assert!((w[0] - 0.9).abs() < 1e-6);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Adagrad {
    lr: f64,
    lr_decay: f64,
    weight_decay: f64,
    initial_accumulator_value: f64,
    eps: f64,
    state: OptimizerState,
}

impl Default for Adagrad {
    /// PyTorch's default learning rate, `1e-2`.
    fn default() -> Self {
        Adagrad::new(1e-2)
    }
}

impl Adagrad {
    /// Adagrad with learning rate `lr` and PyTorch's other defaults.
    pub fn new(lr: f32) -> Self {
        Adagrad {
            lr: lr_to_f64(lr),
            lr_decay: 0.0,
            weight_decay: 0.0,
            initial_accumulator_value: 0.0,
            eps: 1e-10,
            state: OptimizerState::default(),
        }
    }

    /// Learning-rate decay `η`: step `t` uses `lr / (1 + (t − 1)·η)`.
    pub fn lr_decay(mut self, lr_decay: f64) -> Self {
        self.lr_decay = lr_decay;
        self
    }

    /// L2 weight decay `λ`: the gradient becomes `g + λ·θ`.
    pub fn weight_decay(mut self, weight_decay: f64) -> Self {
        self.weight_decay = weight_decay;
        self
    }

    /// The initial value of the `"sum"` accumulator.
    pub fn initial_accumulator_value(mut self, value: f64) -> Self {
        self.initial_accumulator_value = value;
        self
    }

    /// The term added to `√sum`.
    pub fn eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }
}

impl Optimizer for Adagrad {
    fn name(&self) -> &'static str {
        "adagrad"
    }

    fn spec(&self) -> Result<OptimizerSpec> {
        Ok(OptimizerSpec::Adagrad {
            lr: self.lr,
            lr_decay: self.lr_decay,
            weight_decay: self.weight_decay,
            initial_accumulator_value: self.initial_accumulator_value,
            eps: self.eps,
        })
    }

    fn validate(&self) -> Result<()> {
        check_lr("Adagrad.lr", self.lr as f32)?;
        check_non_negative64("Adagrad.lr_decay", self.lr_decay)?;
        check_non_negative64("Adagrad.weight_decay", self.weight_decay)?;
        check_non_negative64(
            "Adagrad.initial_accumulator_value",
            self.initial_accumulator_value,
        )?;
        check_non_negative64("Adagrad.eps", self.eps)
    }

    fn update(&mut self, name: &str, value: &mut [f32], grad: &[f32]) {
        let state = begin_update(&mut self.state, "Adagrad", name, value.len(), grad.len());
        let (step, [sum]) = state.advance([("sum", self.initial_accumulator_value as f32)], value.len());
        let step = step as f64;
        let clr = self.lr / (1.0 + (step - 1.0) * self.lr_decay);
        let neg_clr = (-clr) as f32;
        let eps = self.eps as f32;
        let wd = self.weight_decay as f32;
        let decay = self.weight_decay != 0.0;
        zip_blocks(
            [value, sum],
            [grad],
            PARALLEL_MIN_VALUES,
            move |[value, sum], [grad]| {
                for ((p, &g), s) in value.iter_mut().zip(grad).zip(sum.iter_mut()) {
                    let g = if decay { g + wd * *p } else { g };
                    *s += g * g;
                    let std = s.sqrt() + eps;
                    *p += neg_clr * g / std;
                }
            },
        );
    }

    lr_and_state_methods!("Adagrad", lr);
}

impl Adagrad {
    /// The optimizer an [`OptimizerSpec::Adagrad`] describes (`spec` must be that variant).
    pub(super) fn from_spec(spec: &OptimizerSpec) -> Self {
        let OptimizerSpec::Adagrad {
            lr,
            lr_decay,
            weight_decay,
            initial_accumulator_value,
            eps,
        } = *spec
        else {
            unreachable!("optim::from_spec dispatches on the variant")
        };
        Adagrad {
            lr,
            lr_decay,
            weight_decay,
            initial_accumulator_value,
            eps,
            state: OptimizerState::default(),
        }
    }
}
