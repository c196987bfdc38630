//! [`AdamW`]: Adam with decoupled weight decay, as `torch.optim.AdamW`.
//!
//! Reference: Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019
//! (on top of Kingma & Ba's Adam, ICLR 2015).

use super::moments::Moments;
use super::{Optimizer, OptimizerSpec, OptimizerState, WeightDecay, adam};
use crate::error::Result;

/// AdamW, as `torch.optim.AdamW` (defaults: `lr = 1e-3`, `betas = (0.9, 0.999)`,
/// `eps = 1e-8`, `weight_decay = 1e-2`, `amsgrad = false`).
///
/// At the parameter's step `t`, with weight decay `λ`, first the decoupled decay
/// `θ ← θ·(1 − lr·λ)`, then exactly [`super::Adam`]'s step on the unchanged gradient:
///
/// ```text
/// θ ← θ·(1 − lr·λ)
/// m ← m + (g − m)·(1 − β₁) ;  v ← β₂·v + (1 − β₂)·g²
/// amsgrad:  v̂ ← max(v̂, v), used below instead of v
/// θ ← θ − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + eps)
/// ```
///
/// State: `"exp_avg"`, `"exp_avg_sq"` and, with AMSGrad, `"max_exp_avg_sq"`.
///
/// ```
/// use trustnn::optim::{AdamW, Optimizer};
/// let mut opt = AdamW::new(0.1).weight_decay(0.5);
/// let mut w = vec![2.0_f32];
/// opt.update("w", &mut w, &[0.0]); // zero gradient: only the decay acts
/// assert!((w[0] - 2.0 * (1.0 - 0.1 * 0.5)).abs() < 1e-6);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct AdamW {
    moments: Moments,
    amsgrad: bool,
    state: OptimizerState,
}

impl Default for AdamW {
    /// PyTorch's default learning rate, `1e-3`.
    fn default() -> Self {
        AdamW::new(1e-3)
    }
}

impl AdamW {
    /// AdamW with learning rate `lr` and PyTorch's other defaults (weight decay `1e-2`).
    pub fn new(lr: f32) -> Self {
        AdamW {
            moments: Moments::new(lr, WeightDecay::Decoupled(1e-2)),
            amsgrad: false,
            state: OptimizerState::default(),
        }
    }

    moment_setters! {
        /// The decay rates `β₁`, `β₂` of the moment estimates, each in `[0, 1)`.
        betas;
        /// The term added to the bias-corrected root of the second moment.
        eps;
        /// The decoupled weight decay `λ` (`θ ← θ·(1 − lr·λ)` each step; 0 turns AdamW into Adam).
        weight_decay(Decoupled);
        /// Uses the AMSGrad variant (the running maximum of `v` in the denominator).
        amsgrad;
    }

    /// The optimizer an [`OptimizerSpec::AdamW`] describes (`spec` must be that variant).
    pub(super) fn from_spec(spec: &OptimizerSpec) -> Self {
        let OptimizerSpec::AdamW { amsgrad, .. } = *spec else {
            unreachable!("optim::from_spec dispatches on the variant")
        };
        AdamW {
            moments: Moments::from_spec(spec),
            amsgrad,
            state: OptimizerState::default(),
        }
    }
}

impl Optimizer for AdamW {
    fn name(&self) -> &'static str {
        "adamw"
    }

    fn spec(&self) -> Result<OptimizerSpec> {
        Ok(moments_spec!(AdamW, self.moments, amsgrad: self.amsgrad))
    }

    fn validate(&self) -> Result<()> {
        self.moments.validate("AdamW")
    }

    fn update(&mut self, name: &str, value: &mut [f32], grad: &[f32]) {
        adam::update(
            &self.moments,
            self.amsgrad,
            &mut self.state,
            "AdamW",
            name,
            value,
            grad,
        );
    }

    lr_and_state_methods!("AdamW", moments.lr);
}
