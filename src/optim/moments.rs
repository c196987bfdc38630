//! What the Adam family ([`super::Adam`], [`super::AdamW`], [`super::NAdam`],
//! [`super::RAdam`]) shares: the hyperparameters `lr`, `β₁`, `β₂`, `eps` and weight decay
//! ([`Moments`]), and the per-element start of every step — weight decay, then the first and
//! second moment estimates — as PyTorch's `_single_tensor_adam`, `_single_tensor_nadam` and
//! `_single_tensor_radam` compute it ([`MomentStep::advance`]).
//!
//! The builder setters of these hyperparameters are written by the `moment_setters!` macro
//! (in `optim/mod.rs`), so each optimizer lists its setters with their documentation but
//! shares their bodies.

use std::sync::atomic::{AtomicBool, Ordering};

use super::{OptimizerSpec, WeightDecay, check_beta, check_lr, check_non_negative64, lerp, lr_to_f64};
use crate::error::Result;

/// The hyperparameters the Adam family shares, as `f64` (see the module documentation of
/// [`super`] on why scalars are `f64`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Moments {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: WeightDecay,
}

impl Moments {
    /// Learning rate `lr` and weight decay as given; PyTorch's defaults for the rest:
    /// `betas = (0.9, 0.999)`, `eps = 1e-8`.
    pub(crate) fn new(lr: f32, weight_decay: WeightDecay) -> Self {
        Moments {
            lr: lr_to_f64(lr),
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay,
        }
    }

    /// The moments' hyperparameters of an Adam-family [`OptimizerSpec`] (`Adam`, `AdamW`,
    /// `NAdam` or `RAdam`; `spec` must be one of these). `moments_spec!` is the inverse.
    pub(crate) fn from_spec(spec: &OptimizerSpec) -> Self {
        let (OptimizerSpec::Adam {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
            ..
        }
        | OptimizerSpec::AdamW {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
            ..
        }
        | OptimizerSpec::NAdam {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
            ..
        }
        | OptimizerSpec::RAdam {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
        }) = *spec
        else {
            unreachable!("optim::from_spec dispatches on the variant")
        };
        Moments {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
        }
    }

    /// Checks `lr`, `beta1`, `beta2`, `eps` and the weight decay, in that order; `who`
    /// names the optimizer in errors (`"Adam.beta1"`).
    pub(crate) fn validate(&self, who: &str) -> Result<()> {
        check_lr(&format!("{who}.lr"), self.lr as f32)?;
        check_beta(&format!("{who}.beta1"), self.beta1)?;
        check_beta(&format!("{who}.beta2"), self.beta2)?;
        check_non_negative64(&format!("{who}.eps"), self.eps)?;
        self.weight_decay.validate(&format!("{who}.weight_decay"))
    }

    /// The scalars of one step, computed in `f64` as PyTorch does on Python floats and
    /// rounded to `f32` where PyTorch applies them to a tensor.
    pub(crate) fn step(&self) -> MomentStep {
        let (l2, shrink) = match self.weight_decay {
            WeightDecay::L2(wd) if wd != 0.0 => (Some(wd as f32), None),
            WeightDecay::Decoupled(wd) if wd != 0.0 => (None, Some((1.0 - self.lr * wd) as f32)),
            _ => (None, None),
        };
        MomentStep {
            l2,
            shrink,
            one_minus_beta1: (1.0 - self.beta1) as f32,
            beta2: self.beta2 as f32,
            one_minus_beta2: (1.0 - self.beta2) as f32,
            eps: self.eps as f32,
            flush: flush_subnormals(),
        }
    }
}

/// The process-wide switch of [`super::set_flush_subnormals`].
static FLUSH_SUBNORMALS: AtomicBool = AtomicBool::new(false);

pub(crate) fn set_flush_subnormals(on: bool) {
    FLUSH_SUBNORMALS.store(on, Ordering::Relaxed);
}

pub(crate) fn flush_subnormals() -> bool {
    FLUSH_SUBNORMALS.load(Ordering::Relaxed)
}

/// `x`, or 0 if `x` is subnormal (a branch-free select).
#[inline(always)]
fn flushed(x: f32) -> f32 {
    if x.abs() < f32::MIN_POSITIVE { 0.0 } else { x }
}

/// The `f32` scalars of one step of the Adam family ([`Moments::step`]).
#[derive(Clone, Copy)]
pub(crate) struct MomentStep {
    l2: Option<f32>,
    shrink: Option<f32>,
    one_minus_beta1: f32,
    beta2: f32,
    one_minus_beta2: f32,
    /// `eps`, rounded to `f32`.
    pub eps: f32,
    /// Whether the moment estimates are flushed to zero when subnormal.
    flush: bool,
}

impl MomentStep {
    /// The start of one element's update:
    ///
    /// ```text
    /// decoupled (λ):  θ ← θ·(1 − lr·λ)
    /// L2 (λ):         g ← g + λ·θ
    /// m ← m + (g − m)·(1 − β₁)          (PyTorch's lerp)
    /// v ← β₂·v + (1 − β₂)·g²
    /// (with `set_flush_subnormals(true)`: m, v ← 0 where subnormal)
    /// ```
    ///
    /// Returns the gradient after the L2 term (NAdam's update uses it).
    #[inline(always)]
    pub(crate) fn advance(&self, p: &mut f32, g: f32, m: &mut f32, v: &mut f32) -> f32 {
        if let Some(shrink) = self.shrink {
            *p *= shrink;
        }
        let g = match self.l2 {
            Some(wd) => g + wd * *p,
            None => g,
        };
        *m = lerp(*m, g, self.one_minus_beta1);
        *v = *v * self.beta2 + self.one_minus_beta2 * g * g;
        if self.flush {
            *m = flushed(*m);
            *v = flushed(*v);
        }
        g
    }
}
