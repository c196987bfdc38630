//! [`Adam`]: adaptive moment estimation, as `torch.optim.Adam`; its update is shared with
//! [`super::AdamW`].
//!
//! References: Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015;
//! AMSGrad: Reddi, Kale & Kumar, "On the Convergence of Adam and Beyond", ICLR 2018.

use super::moments::{Advance, Moments, with_advance};
use super::{
    Optimizer, OptimizerSpec, OptimizerState, PARALLEL_MIN_VALUES, WeightDecay, begin_update, nan_max,
};
use crate::error::Result;
use crate::linalg::zip_blocks;

/// Adam, as `torch.optim.Adam` (defaults: `lr = 1e-3`, `betas = (0.9, 0.999)`,
/// `eps = 1e-8`, `weight_decay = 0`, `amsgrad = false`).
///
/// At the parameter's step `t` (starting at 1):
///
/// ```text
/// L2 (λ):         g ← g + λ·θ                  (PyTorch's Adam weight_decay)
/// decoupled (λ):  θ ← θ·(1 − lr·λ)             (AdamW; see Adam::decoupled_weight_decay)
/// m ← m + (g − m)·(1 − β₁)                     (= β₁·m + (1 − β₁)·g, computed as PyTorch's lerp)
/// v ← β₂·v + (1 − β₂)·g²
/// amsgrad:        v̂ ← max(v̂, v), used below instead of v
/// θ ← θ − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + eps)
/// ```
///
/// `eps` is added after the bias-corrected square root, as in PyTorch (not inside it).
/// State: `"exp_avg"` (`m`), `"exp_avg_sq"` (`v`) and, with AMSGrad, `"max_exp_avg_sq"`
/// (`v̂`), all starting at zero.
///
/// ```
/// use trustnn::optim::{Adam, Optimizer};
/// let mut opt = Adam::new(1e-2).betas(0.8, 0.99).amsgrad(true);
/// opt.validate()?;
/// let mut w = vec![1.0_f32];
/// opt.update("w", &mut w, &[4.0]);
/// // The first step is lr·g/(|g| + eps): about lr.
/// assert!((w[0] - 0.99).abs() < 1e-6);
/// assert!(opt.state().params["w"].buffer("max_exp_avg_sq").is_some());
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Adam {
    moments: Moments,
    amsgrad: bool,
    state: OptimizerState,
}

/// One Adam/AdamW update of parameter `name` (AdamW is Adam with decoupled weight decay in
/// `moments`); `who` names the optimizer in the length assertion.
pub(super) fn update(
    moments: &Moments,
    amsgrad: bool,
    state: &mut OptimizerState,
    who: &str,
    name: &str,
    value: &mut [f32],
    grad: &[f32],
) {
    let state = begin_update(state, who, name, value.len(), grad.len());
    let len = value.len();
    let k = moments.step();
    let eps = k.eps;
    if amsgrad {
        let (step, [m, v, vmax]) = state.advance(
            [("exp_avg", 0.0), ("exp_avg_sq", 0.0), ("max_exp_avg_sq", 0.0)],
            len,
        );
        let b = BiasCorrection::new(moments, step);
        with_advance!(k, |a| zip_blocks(
            [value, m, v, vmax],
            [grad],
            PARALLEL_MIN_VALUES,
            move |[value, m, v, vmax], [grad]| {
                for ((((p, &g), m), v), vmax) in value.iter_mut().zip(grad).zip(m).zip(v).zip(vmax) {
                    a.advance(p, g, m, v);
                    *vmax = nan_max(*vmax, *v);
                    let denom = vmax.sqrt() / b.bias_correction2_sqrt + eps;
                    *p += b.neg_step_size * *m / denom;
                }
            },
        ));
    } else {
        let (step, [m, v]) = state.advance([("exp_avg", 0.0), ("exp_avg_sq", 0.0)], len);
        let b = BiasCorrection::new(moments, step);
        with_advance!(k, |a| zip_blocks(
            [value, m, v],
            [grad],
            PARALLEL_MIN_VALUES,
            move |[value, m, v], [grad]| {
                for (((p, &g), m), v) in value.iter_mut().zip(grad).zip(m).zip(v) {
                    a.advance(p, g, m, v);
                    let denom = v.sqrt() / b.bias_correction2_sqrt + eps;
                    *p += b.neg_step_size * *m / denom;
                }
            },
        ));
    }
}

/// Adam's bias-corrected step scalars at step `t`, computed in `f64` and rounded to `f32`
/// where PyTorch applies them to a tensor.
#[derive(Clone, Copy)]
struct BiasCorrection {
    bias_correction2_sqrt: f32,
    neg_step_size: f32,
}

impl BiasCorrection {
    fn new(moments: &Moments, step: u64) -> Self {
        let t = step as f64;
        let bias_correction1 = 1.0 - moments.beta1.powf(t);
        let bias_correction2 = 1.0 - moments.beta2.powf(t);
        let step_size = moments.lr / bias_correction1;
        BiasCorrection {
            bias_correction2_sqrt: bias_correction2.sqrt() as f32,
            neg_step_size: (-step_size) as f32,
        }
    }
}

impl Default for Adam {
    /// PyTorch's default learning rate, `1e-3`.
    fn default() -> Self {
        Adam::new(1e-3)
    }
}

impl Adam {
    /// Adam with learning rate `lr` and PyTorch's other defaults.
    pub fn new(lr: f32) -> Self {
        Adam {
            moments: Moments::new(lr, WeightDecay::None),
            amsgrad: false,
            state: OptimizerState::default(),
        }
    }

    moment_setters! {
        /// The decay rates `β₁`, `β₂` of the moment estimates, each in `[0, 1)`.
        betas;
        /// The term added to the bias-corrected root of the second moment.
        eps;
        /// Coupled L2 weight decay `λ` (PyTorch's `Adam(weight_decay=λ)`): the gradient becomes
        /// `g + λ·θ`.
        weight_decay(L2);
        /// Decoupled weight decay `λ` (PyTorch's `Adam(weight_decay=λ,
        /// decoupled_weight_decay=True)`, the same as [`super::AdamW`]).
        decoupled_weight_decay;
        /// Uses the AMSGrad variant (the running maximum of `v` in the denominator).
        amsgrad;
    }

    /// The optimizer an [`OptimizerSpec::Adam`] describes (`spec` must be that variant).
    pub(super) fn from_spec(spec: &OptimizerSpec) -> Self {
        let OptimizerSpec::Adam { amsgrad, .. } = *spec else {
            unreachable!("optim::from_spec dispatches on the variant")
        };
        Adam {
            moments: Moments::from_spec(spec),
            amsgrad,
            state: OptimizerState::default(),
        }
    }
}

impl Optimizer for Adam {
    fn name(&self) -> &'static str {
        "adam"
    }

    fn spec(&self) -> Result<OptimizerSpec> {
        Ok(moments_spec!(Adam, self.moments, amsgrad: self.amsgrad))
    }

    fn validate(&self) -> Result<()> {
        self.moments.validate("Adam")
    }

    fn update(&mut self, name: &str, value: &mut [f32], grad: &[f32]) {
        update(
            &self.moments,
            self.amsgrad,
            &mut self.state,
            "Adam",
            name,
            value,
            grad,
        );
    }

    lr_and_state_methods!("Adam", moments.lr);
}
