//! [`Adam`]: adaptive moment estimation, as `torch.optim.Adam`; its update is shared with
//! [`super::AdamW`].
//!
//! References: Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015;
//! AMSGrad: Reddi, Kale & Kumar, "On the Convergence of Adam and Beyond", ICLR 2018.

use super::{
    Optimizer, OptimizerSpec, OptimizerState, WeightDecay, begin_update, check_beta, check_lr,
    check_non_negative64, lerp, lr_to_f64, nan_max,
};
use crate::error::Result;

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
    hp: AdamHyper,
    state: OptimizerState,
}

/// Adam's hyperparameters, shared with AdamW.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct AdamHyper {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: WeightDecay,
    pub amsgrad: bool,
}

impl AdamHyper {
    pub(crate) fn new(lr: f32, weight_decay: WeightDecay) -> Self {
        AdamHyper {
            lr: lr_to_f64(lr),
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay,
            amsgrad: false,
        }
    }

    /// The hyperparameters as `(lr, beta1, beta2, eps, weight_decay, amsgrad)`.
    pub(crate) fn parts(&self) -> (f64, f64, f64, f64, WeightDecay, bool) {
        (
            self.lr,
            self.beta1,
            self.beta2,
            self.eps,
            self.weight_decay,
            self.amsgrad,
        )
    }

    /// From [`AdamHyper::parts`].
    pub(crate) fn from_parts(
        (lr, beta1, beta2, eps, weight_decay, amsgrad): (f64, f64, f64, f64, WeightDecay, bool),
    ) -> Self {
        AdamHyper {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
            amsgrad,
        }
    }

    /// Checks the hyperparameters; `who` names the optimizer in errors.
    pub(crate) fn validate(&self, who: &str) -> Result<()> {
        check_lr(&format!("{who}.lr"), self.lr as f32)?;
        check_beta(&format!("{who}.beta1"), self.beta1)?;
        check_beta(&format!("{who}.beta2"), self.beta2)?;
        check_non_negative64(&format!("{who}.eps"), self.eps)?;
        self.weight_decay.validate(&format!("{who}.weight_decay"))
    }

    /// One Adam/AdamW update of parameter `name`.
    pub(crate) fn update(
        &self,
        state: &mut OptimizerState,
        who: &str,
        name: &str,
        value: &mut [f32],
        grad: &[f32],
    ) {
        let state = begin_update(state, who, name, value.len(), grad.len());
        let len = value.len();
        if self.amsgrad {
            let (step, [m, v, vmax]) = state.advance(
                [("exp_avg", 0.0), ("exp_avg_sq", 0.0), ("max_exp_avg_sq", 0.0)],
                len,
            );
            let k = self.step_scalars(step);
            for ((((p, &g), m), v), vmax) in value.iter_mut().zip(grad).zip(m).zip(v).zip(vmax) {
                let g = k.decay(g, p);
                *m = lerp(*m, g, k.one_minus_beta1);
                *v = *v * k.beta2 + k.one_minus_beta2 * g * g;
                *vmax = nan_max(*vmax, *v);
                let denom = vmax.sqrt() / k.bias_correction2_sqrt + k.eps;
                *p += k.neg_step_size * *m / denom;
            }
        } else {
            let (step, [m, v]) = state.advance([("exp_avg", 0.0), ("exp_avg_sq", 0.0)], len);
            let k = self.step_scalars(step);
            for (((p, &g), m), v) in value.iter_mut().zip(grad).zip(m).zip(v) {
                let g = k.decay(g, p);
                *m = lerp(*m, g, k.one_minus_beta1);
                *v = *v * k.beta2 + k.one_minus_beta2 * g * g;
                let denom = v.sqrt() / k.bias_correction2_sqrt + k.eps;
                *p += k.neg_step_size * *m / denom;
            }
        }
    }

    /// The per-step scalars, computed in `f64` as PyTorch does on Python floats and rounded
    /// to `f32` where PyTorch applies them to a tensor.
    fn step_scalars(&self, step: u64) -> StepScalars {
        let t = step as f64;
        let bias_correction1 = 1.0 - self.beta1.powf(t);
        let bias_correction2 = 1.0 - self.beta2.powf(t);
        let step_size = self.lr / bias_correction1;
        let (l2, shrink) = match self.weight_decay {
            WeightDecay::L2(wd) if wd != 0.0 => (Some(wd as f32), None),
            WeightDecay::Decoupled(wd) if wd != 0.0 => (None, Some((1.0 - self.lr * wd) as f32)),
            _ => (None, None),
        };
        StepScalars {
            l2,
            shrink,
            one_minus_beta1: (1.0 - self.beta1) as f32,
            beta2: self.beta2 as f32,
            one_minus_beta2: (1.0 - self.beta2) as f32,
            bias_correction2_sqrt: bias_correction2.sqrt() as f32,
            eps: self.eps as f32,
            neg_step_size: (-step_size) as f32,
        }
    }
}

/// Adam's per-step scalars, as `f32`.
struct StepScalars {
    l2: Option<f32>,
    shrink: Option<f32>,
    one_minus_beta1: f32,
    beta2: f32,
    one_minus_beta2: f32,
    bias_correction2_sqrt: f32,
    eps: f32,
    neg_step_size: f32,
}

impl StepScalars {
    /// Applies weight decay: L2 returns `g + λ·θ`; decoupled shrinks `θ` in place.
    #[inline(always)]
    fn decay(&self, g: f32, p: &mut f32) -> f32 {
        if let Some(shrink) = self.shrink {
            *p *= shrink;
        }
        match self.l2 {
            Some(wd) => g + wd * *p,
            None => g,
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
            hp: AdamHyper::new(lr, WeightDecay::None),
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

    /// Coupled L2 weight decay `λ` (PyTorch's `Adam(weight_decay=λ)`): the gradient becomes
    /// `g + λ·θ`.
    pub fn weight_decay(mut self, weight_decay: f64) -> Self {
        self.hp.weight_decay = WeightDecay::from_torch(weight_decay, false);
        self
    }

    /// Decoupled weight decay `λ` (PyTorch's `Adam(weight_decay=λ,
    /// decoupled_weight_decay=True)`, the same as [`super::AdamW`]).
    pub fn decoupled_weight_decay(mut self, weight_decay: f64) -> Self {
        self.hp.weight_decay = WeightDecay::from_torch(weight_decay, true);
        self
    }

    /// Uses the AMSGrad variant (the running maximum of `v` in the denominator).
    pub fn amsgrad(mut self, amsgrad: bool) -> Self {
        self.hp.amsgrad = amsgrad;
        self
    }

    /// The optimizer an [`OptimizerSpec::Adam`] describes (`spec` must be that variant).
    pub(super) fn from_spec(spec: &OptimizerSpec) -> Self {
        let OptimizerSpec::Adam {
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
        Adam {
            hp: AdamHyper::from_parts((lr, beta1, beta2, eps, weight_decay, amsgrad)),
            state: OptimizerState::default(),
        }
    }
}

impl Optimizer for Adam {
    fn name(&self) -> &'static str {
        "adam"
    }

    fn spec(&self) -> Result<OptimizerSpec> {
        let (lr, beta1, beta2, eps, weight_decay, amsgrad) = self.hp.parts();
        Ok(OptimizerSpec::Adam {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
            amsgrad,
        })
    }

    fn validate(&self) -> Result<()> {
        self.hp.validate("Adam")
    }

    fn learning_rate(&self) -> f32 {
        self.hp.lr as f32
    }

    fn set_learning_rate(&mut self, lr: f32) -> Result<()> {
        check_lr("Adam.lr", lr)?;
        self.hp.lr = lr_to_f64(lr);
        Ok(())
    }

    fn update(&mut self, name: &str, value: &mut [f32], grad: &[f32]) {
        self.hp.update(&mut self.state, "Adam", name, value, grad);
    }

    fn state(&self) -> &OptimizerState {
        &self.state
    }

    fn set_state(&mut self, state: OptimizerState) {
        self.state = state;
    }
}
