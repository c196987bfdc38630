//! [`RAdam`]: Adam with a rectified adaptive learning rate, as `torch.optim.RAdam`.
//!
//! Reference: Liu, Jiang, He, Chen, Liu, Gao & Han, "On the Variance of the Adaptive
//! Learning Rate and Beyond", ICLR 2020.

use super::PARALLEL_MIN_VALUES;
use super::moments::{Advance, Moments, with_advance};
use super::{Optimizer, OptimizerSpec, OptimizerState, WeightDecay, begin_update};
use crate::error::Result;
use crate::linalg::zip_blocks;

/// RAdam, as `torch.optim.RAdam` (defaults: `lr = 1e-3`, `betas = (0.9, 0.999)`,
/// `eps = 1e-8`, `weight_decay = 0`, `decoupled_weight_decay = false`).
///
/// At the parameter's step `t` (starting at 1):
///
/// ```text
/// L2 (λ):         g ← g + λ·θ
/// decoupled (λ):  θ ← θ·(1 − lr·λ)
/// m ← m + (g − m)·(1 − β₁) ;  v ← β₂·v + (1 − β₂)·g²
/// m̂ = m / (1 − β₁ᵗ)
/// ρ_∞ = 2/(1 − β₂) − 1 ;  ρ_t = ρ_∞ − 2t·β₂ᵗ/(1 − β₂ᵗ)
/// if ρ_t > 5:  r = √((ρ_t − 4)(ρ_t − 2)ρ_∞ / ((ρ_∞ − 4)(ρ_∞ − 2)ρ_t))
///              θ ← θ − m̂ · lr · (√(1 − β₂ᵗ) / (√v + eps)) · r      (eps outside the root)
/// else:        θ ← θ − m̂ · lr                                        (un-adapted, SGD with momentum)
/// ```
///
/// With the default `β₂ = 0.999` the first five steps are un-adapted and the rectified
/// update starts at step 6. State: `"exp_avg"`, `"exp_avg_sq"`, starting at zero.
///
/// ```
/// use trustnn::optim::{Optimizer, RAdam};
/// let mut opt = RAdam::new(0.1);
/// let mut w = vec![1.0_f32];
/// opt.update("w", &mut w, &[2.0]); // step 1: ρ₁ = 1 ≤ 5, so θ − lr·m̂ with m̂ = g
/// assert!((w[0] - 0.8).abs() < 1e-6);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RAdam {
    moments: Moments,
    state: OptimizerState,
}

impl Default for RAdam {
    /// PyTorch's default learning rate, `1e-3`.
    fn default() -> Self {
        RAdam::new(1e-3)
    }
}

impl RAdam {
    /// RAdam with learning rate `lr` and PyTorch's other defaults.
    pub fn new(lr: f32) -> Self {
        RAdam {
            moments: Moments::new(lr, WeightDecay::None),
            state: OptimizerState::default(),
        }
    }

    moment_setters! {
        /// The decay rates `β₁`, `β₂` of the moment estimates, each in `[0, 1)`.
        betas;
        /// The term added to the root of the second moment.
        eps;
        /// Coupled L2 weight decay `λ`: the gradient becomes `g + λ·θ`.
        weight_decay(L2);
        /// Decoupled weight decay `λ` (PyTorch's `decoupled_weight_decay=True`):
        /// `θ ← θ·(1 − lr·λ)` before the step.
        decoupled_weight_decay;
        /// Any weight-decay variant.
        with_weight_decay;
    }

    /// The optimizer an [`OptimizerSpec::RAdam`] describes (`spec` must be that variant).
    pub(super) fn from_spec(spec: &OptimizerSpec) -> Self {
        RAdam {
            moments: Moments::from_spec(spec),
            state: OptimizerState::default(),
        }
    }
}

impl Optimizer for RAdam {
    fn name(&self) -> &'static str {
        "radam"
    }

    fn spec(&self) -> Result<OptimizerSpec> {
        Ok(moments_spec!(RAdam, self.moments))
    }

    fn validate(&self) -> Result<()> {
        self.moments.validate("RAdam")
    }

    fn update(&mut self, name: &str, value: &mut [f32], grad: &[f32]) {
        let state = begin_update(&mut self.state, "RAdam", name, value.len(), grad.len());
        let (step, [m, v]) = state.advance([("exp_avg", 0.0), ("exp_avg_sq", 0.0)], value.len());
        let t = step as f64;
        let Moments { lr, beta1, beta2, .. } = self.moments;
        let bias_correction1 = 1.0 - beta1.powf(t);
        let bias_correction2 = 1.0 - beta2.powf(t);
        let rho_inf = 2.0 / (1.0 - beta2) - 1.0;
        let rho_t = rho_inf - 2.0 * t * beta2.powf(t) / bias_correction2;
        let rect = if rho_t > 5.0 {
            Some(
                ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t)).sqrt()
                    as f32,
            )
        } else {
            None
        };
        let bc1 = bias_correction1 as f32;
        let bc2_sqrt = bias_correction2.sqrt() as f32;
        let lr32 = lr as f32;
        let k = self.moments.step();
        let eps = k.eps;
        // The rectification's branch is taken once per update, outside the loops, so that
        // they are vectorized.
        with_advance!(k, |a| zip_blocks(
            [value, m, v],
            [grad],
            PARALLEL_MIN_VALUES,
            move |[value, m, v], [grad]| {
                let elements = value.iter_mut().zip(grad).zip(m).zip(v);
                match rect {
                    Some(rect) => {
                        for (((p, &g), m), v) in elements {
                            a.advance(p, g, m, v);
                            let corrected = *m / bc1;
                            // `bias_correction2 ** 0.5 / t` is `t.reciprocal() * scalar` in PyTorch.
                            let adaptive = (1.0 / (v.sqrt() + eps)) * bc2_sqrt;
                            *p -= corrected * lr32 * adaptive * rect;
                        }
                    }
                    None => {
                        for (((p, &g), m), v) in elements {
                            a.advance(p, g, m, v);
                            *p -= *m / bc1 * lr32;
                        }
                    }
                }
            },
        ));
    }

    lr_and_state_methods!("RAdam", moments.lr);
}
