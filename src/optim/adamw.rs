//! [`AdamW`]: Adam with decoupled weight decay, as `torch.optim.AdamW`.
//!
//! Reference: Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019
//! (on top of Kingma & Ba's Adam, ICLR 2015).

use super::OptimizerSpec;
use super::adam::AdamHyper;
use super::{Optimizer, OptimizerState, WeightDecay, check_lr, lr_to_f64};
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
    hp: AdamHyper,
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
            hp: AdamHyper::new(lr, WeightDecay::Decoupled(1e-2)),
            state: OptimizerState::default(),
        }
    }

    /// The decay rates `β₁`, `β₂` of the moment estimates, each in `[0, 1)`.
    pub fn betas(mut self, beta1: f64, beta2: f64) -> Self {
        self.hp.beta1 = beta1;
        self.hp.beta2 = beta2;
        self
    }

    /// The term added to the bias-corrected root of the second moment.
    pub fn eps(mut self, eps: f64) -> Self {
        self.hp.eps = eps;
        self
    }

    /// The decoupled weight decay `λ` (`θ ← θ·(1 − lr·λ)` each step; 0 turns AdamW into Adam).
    pub fn weight_decay(mut self, weight_decay: f64) -> Self {
        self.hp.weight_decay = WeightDecay::from_torch(weight_decay, true);
        self
    }

    /// Uses the AMSGrad variant (the running maximum of `v` in the denominator).
    pub fn amsgrad(mut self, amsgrad: bool) -> Self {
        self.hp.amsgrad = amsgrad;
        self
    }
}

impl Optimizer for AdamW {
    fn name(&self) -> &'static str {
        "adamw"
    }

    fn spec(&self) -> Result<OptimizerSpec> {
        let (lr, beta1, beta2, eps, weight_decay, amsgrad) = self.hp.parts();
        Ok(OptimizerSpec::AdamW {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
            amsgrad,
        })
    }

    fn validate(&self) -> Result<()> {
        self.hp.validate("AdamW")
    }

    fn learning_rate(&self) -> f32 {
        self.hp.lr as f32
    }

    fn set_learning_rate(&mut self, lr: f32) -> Result<()> {
        check_lr("AdamW.lr", lr)?;
        self.hp.lr = lr_to_f64(lr);
        Ok(())
    }

    fn update(&mut self, name: &str, value: &mut [f32], grad: &[f32]) {
        self.hp.update(&mut self.state, "AdamW", name, value, grad);
    }

    fn state(&self) -> &OptimizerState {
        &self.state
    }

    fn set_state(&mut self, state: OptimizerState) {
        self.state = state;
    }
}

impl AdamW {
    /// The optimizer an [`OptimizerSpec::AdamW`] describes (`spec` must be that variant).
    pub(super) fn from_spec(spec: &OptimizerSpec) -> Self {
        let OptimizerSpec::AdamW {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
            amsgrad,
        } = *spec
        else {
            unreachable!("optim::from_spec dispatches on the variant")
        };
        AdamW {
            hp: AdamHyper::from_parts((lr, beta1, beta2, eps, weight_decay, amsgrad)),
            state: OptimizerState::default(),
        }
    }
}
