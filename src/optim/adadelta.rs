//! [`Adadelta`]: steps scaled by running RMS of past updates over running RMS of gradients,
//! as `torch.optim.Adadelta`.
//!
//! Reference: Zeiler, "ADADELTA: An Adaptive Learning Rate Method", arXiv:1212.5701 (2012).

use super::OptimizerSpec;
use super::PARALLEL_MIN_VALUES;
use super::{Optimizer, OptimizerState, begin_update, check_lr, check_non_negative64, check_unit, lr_to_f64};
use crate::error::Result;
use crate::linalg::zip_blocks;

/// Adadelta, as `torch.optim.Adadelta` (defaults: `lr = 1.0`, `rho = 0.9`, `eps = 1e-6`,
/// `weight_decay = 0`).
///
/// With decay `ρ` and weight decay `λ`:
///
/// ```text
/// if λ ≠ 0:  g ← g + λ·θ
/// v ← ρ·v + (1 − ρ)·g²
/// Δ = √(u + eps) / √(v + eps) · g                   (eps inside both square roots)
/// u ← ρ·u + (1 − ρ)·Δ²
/// θ ← θ − lr·Δ
/// ```
///
/// State: `"square_avg"` (`v`) and `"acc_delta"` (`u`), starting at zero.
///
/// ```
/// use trustnn::optim::{Adadelta, Optimizer};
/// let mut opt = Adadelta::default();
/// let mut w = vec![1.0_f32];
/// opt.update("w", &mut w, &[1.0]); // Δ = √1e-6 / √(0.1 + 1e-6) ≈ 3.16e-3
/// assert!((w[0] - (1.0 - 3.1623e-3)).abs() < 1e-6);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Adadelta {
    lr: f64,
    rho: f64,
    eps: f64,
    weight_decay: f64,
    state: OptimizerState,
}

impl Default for Adadelta {
    /// PyTorch's default learning rate, `1.0`.
    fn default() -> Self {
        Adadelta::new(1.0)
    }
}

impl Adadelta {
    /// Adadelta with learning rate `lr` (a plain factor on `Δ`) and PyTorch's other defaults.
    pub fn new(lr: f32) -> Self {
        Adadelta {
            lr: lr_to_f64(lr),
            rho: 0.9,
            eps: 1e-6,
            weight_decay: 0.0,
            state: OptimizerState::default(),
        }
    }

    /// The decay `ρ` of both running averages, in `[0, 1]`.
    pub fn rho(mut self, rho: f64) -> Self {
        self.rho = rho;
        self
    }

    /// The term added inside both square roots.
    pub fn eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }

    /// L2 weight decay `λ`: the gradient becomes `g + λ·θ`.
    pub fn weight_decay(mut self, weight_decay: f64) -> Self {
        self.weight_decay = weight_decay;
        self
    }
}

impl Optimizer for Adadelta {
    fn name(&self) -> &'static str {
        "adadelta"
    }

    fn spec(&self) -> Result<OptimizerSpec> {
        Ok(OptimizerSpec::Adadelta {
            lr: self.lr,
            rho: self.rho,
            eps: self.eps,
            weight_decay: self.weight_decay,
        })
    }

    fn validate(&self) -> Result<()> {
        check_lr("Adadelta.lr", self.lr as f32)?;
        check_unit("Adadelta.rho", self.rho)?;
        check_non_negative64("Adadelta.eps", self.eps)?;
        check_non_negative64("Adadelta.weight_decay", self.weight_decay)
    }

    fn update(&mut self, name: &str, value: &mut [f32], grad: &[f32]) {
        let state = begin_update(&mut self.state, "Adadelta", name, value.len(), grad.len());
        let (_, [sq, acc]) = state.advance([("square_avg", 0.0), ("acc_delta", 0.0)], value.len());
        let neg_lr = (-self.lr) as f32;
        let rho = self.rho as f32;
        let one_minus_rho = (1.0 - self.rho) as f32;
        let eps = self.eps as f32;
        let wd = self.weight_decay as f32;
        let decay = self.weight_decay != 0.0;
        zip_blocks(
            [value, sq, acc],
            [grad],
            PARALLEL_MIN_VALUES,
            move |[value, sq, acc], [grad]| {
                for (((p, &g), v), u) in value.iter_mut().zip(grad).zip(sq).zip(acc) {
                    let g = if decay { g + wd * *p } else { g };
                    *v = *v * rho + one_minus_rho * g * g;
                    let std = (*v + eps).sqrt();
                    let delta = (*u + eps).sqrt() / std * g;
                    *u = *u * rho + one_minus_rho * delta * delta;
                    *p += neg_lr * delta;
                }
            },
        );
    }

    lr_and_state_methods!("Adadelta", lr);
}

impl Adadelta {
    /// The optimizer an [`OptimizerSpec::Adadelta`] describes (`spec` must be that variant).
    pub(super) fn from_spec(spec: &OptimizerSpec) -> Self {
        let OptimizerSpec::Adadelta {
            lr,
            rho,
            eps,
            weight_decay,
        } = *spec
        else {
            unreachable!("optim::from_spec dispatches on the variant")
        };
        Adadelta {
            lr,
            rho,
            eps,
            weight_decay,
            state: OptimizerState::default(),
        }
    }
}
