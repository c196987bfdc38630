//! [`NAdam`]: Adam with Nesterov momentum, as `torch.optim.NAdam`.
//!
//! Reference: Dozat, "Incorporating Nesterov Momentum into Adam", ICLR 2016 workshop
//! track; the momentum schedule `μ_t = β₁·(1 − ½·0.96^(t·ψ))` is PyTorch's (and Dozat's).

use super::PARALLEL_MIN_VALUES;
use super::moments::{Advance, Moments, with_advance};
use super::{Optimizer, OptimizerSpec, OptimizerState, WeightDecay, begin_update, check_non_negative64};
use crate::error::Result;
use crate::linalg::zip_blocks;

/// NAdam, as `torch.optim.NAdam` (defaults: `lr = 2e-3`, `betas = (0.9, 0.999)`,
/// `eps = 1e-8`, `weight_decay = 0`, `momentum_decay = 4e-3`,
/// `decoupled_weight_decay = false`).
///
/// At the parameter's step `t` (starting at 1), with momentum decay `ψ`:
///
/// ```text
/// L2 (λ):         g ← g + λ·θ
/// decoupled (λ):  θ ← θ·(1 − lr·λ)
/// μ_t = β₁·(1 − ½·0.96^(t·ψ)) ;  μ_{t+1} = β₁·(1 − ½·0.96^((t+1)·ψ))
/// Π_t = Π_{t−1}·μ_t                            (state "mu_product", Π_0 = 1, kept in f32)
/// m ← m + (g − m)·(1 − β₁) ;  v ← β₂·v + (1 − β₂)·g²
/// d = √(v / (1 − β₂ᵗ)) + eps
/// θ ← θ − lr·(1 − μ_t)/(1 − Π_t) · g/d − lr·μ_{t+1}/(1 − Π_t·μ_{t+1}) · m/d
/// ```
///
/// As in PyTorch, `Π_t` is a one-element `f32` tensor (here a one-element buffer
/// `"mu_product"`), so it is rounded to `f32` every step; the two parameter updates are
/// applied one after the other. State: `"exp_avg"`, `"exp_avg_sq"` (starting at zero) and
/// `"mu_product"` (starting at one).
///
/// ```
/// use trustnn::optim::{NAdam, Optimizer};
/// let mut opt = NAdam::default();
/// let mut w = vec![1.0_f32];
/// opt.update("w", &mut w, &[0.5]);
/// assert!(w[0] < 1.0);
/// let mu1 = 0.9 * (1.0 - 0.5 * 0.96_f64.powf(4e-3));
/// let mu_product = opt.state().params["w"].buffer("mu_product").unwrap()[0];
/// assert!((mu_product as f64 - mu1).abs() < 1e-7);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct NAdam {
    moments: Moments,
    momentum_decay: f64,
    state: OptimizerState,
}

impl Default for NAdam {
    /// PyTorch's default learning rate, `2e-3`.
    fn default() -> Self {
        NAdam::new(2e-3)
    }
}

impl NAdam {
    /// NAdam with learning rate `lr` and PyTorch's other defaults.
    pub fn new(lr: f32) -> Self {
        NAdam {
            moments: Moments::new(lr, WeightDecay::None),
            momentum_decay: 4e-3,
            state: OptimizerState::default(),
        }
    }

    moment_setters! {
        /// The decay rates `β₁`, `β₂` of the moment estimates, each in `[0, 1)`.
        betas;
        /// The term added to the bias-corrected root of the second moment.
        eps;
        /// Coupled L2 weight decay `λ`: the gradient becomes `g + λ·θ`.
        weight_decay(L2);
        /// Decoupled weight decay `λ` (PyTorch's `decoupled_weight_decay=True`, "NAdamW"):
        /// `θ ← θ·(1 − lr·λ)` before the step.
        decoupled_weight_decay;
        /// Any weight-decay variant.
        with_weight_decay;
    }

    /// The momentum decay `ψ` of the schedule `μ_t = β₁·(1 − ½·0.96^(t·ψ))`.
    pub fn momentum_decay(mut self, momentum_decay: f64) -> Self {
        self.momentum_decay = momentum_decay;
        self
    }

    /// The optimizer an [`OptimizerSpec::NAdam`] describes (`spec` must be that variant).
    pub(super) fn from_spec(spec: &OptimizerSpec) -> Self {
        let OptimizerSpec::NAdam { momentum_decay, .. } = *spec else {
            unreachable!("optim::from_spec dispatches on the variant")
        };
        NAdam {
            moments: Moments::from_spec(spec),
            momentum_decay,
            state: OptimizerState::default(),
        }
    }
}

impl Optimizer for NAdam {
    fn name(&self) -> &'static str {
        "nadam"
    }

    fn spec(&self) -> Result<OptimizerSpec> {
        Ok(moments_spec!(NAdam, self.moments, momentum_decay: self.momentum_decay))
    }

    fn validate(&self) -> Result<()> {
        self.moments.validate("NAdam")?;
        check_non_negative64("NAdam.momentum_decay", self.momentum_decay)
    }

    fn update(&mut self, name: &str, value: &mut [f32], grad: &[f32]) {
        let state = begin_update(&mut self.state, "NAdam", name, value.len(), grad.len());
        let len = value.len();
        // "mu_product" has one element whatever the parameter's length; make sure a stale
        // state of another length is reset before the length-checked buffers are taken.
        if state.buffer("mu_product").is_some_and(|b| b.len() != 1)
            || state.buffer("exp_avg").is_some_and(|b| b.len() != len)
            || state.buffer("exp_avg_sq").is_some_and(|b| b.len() != len)
        {
            state.step = 0;
            state.buffers.clear();
        }
        let Moments { lr, beta1, beta2, .. } = self.moments;
        let psi = self.momentum_decay;
        let t = (state.step + 1) as f64;
        let mu = beta1 * (1.0 - 0.5 * 0.96_f64.powf(t * psi));
        let mu_next = beta1 * (1.0 - 0.5 * 0.96_f64.powf((t + 1.0) * psi));
        // `mu_product *= mu` on a one-element f32 tensor: the factor is rounded to f32 first.
        let [mu_product] = state.buffers_mut([("mu_product", 1.0)], 1);
        mu_product[0] *= mu as f32;
        let mu_product = mu_product[0] as f64;
        let mu_product_next = mu_product * mu_next;
        let coef_grad = (-lr * (1.0 - mu) / (1.0 - mu_product)) as f32;
        let coef_avg = ((-lr * mu_next) / (1.0 - mu_product_next)) as f32;
        let (step, [m, v]) = state.advance([("exp_avg", 0.0), ("exp_avg_sq", 0.0)], len);
        debug_assert_eq!(step as f64, t);
        let bias_correction2 = (1.0 - beta2.powf(t)) as f32;
        let k = self.moments.step();
        let eps = k.eps;
        with_advance!(k, |a| zip_blocks(
            [value, m, v],
            [grad],
            PARALLEL_MIN_VALUES,
            move |[value, m, v], [grad]| {
                for (((p, &g), m), v) in value.iter_mut().zip(grad).zip(m).zip(v) {
                    let g = a.advance(p, g, m, v);
                    let denom = (*v / bias_correction2).sqrt() + eps;
                    *p += coef_grad * g / denom;
                    *p += coef_avg * *m / denom;
                }
            },
        ));
    }

    lr_and_state_methods!("NAdam", moments.lr);
}
