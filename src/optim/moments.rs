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

    /// This step without its per-element branches, when none of them is taken: no weight
    /// decay, no flushing, and `1 − β₁` below ½ (lerp's first form). The compiler does not
    /// always hoist those branches out of an update loop, and then does not vectorize it
    /// (NAdam's update was 3.7× slower than Adam's); a loop over [`PlainStep`] has none.
    pub(crate) fn plain(&self) -> Option<PlainStep> {
        let plain =
            self.shrink.is_none() && self.l2.is_none() && !self.flush && self.one_minus_beta1.abs() < 0.5;
        plain.then_some(PlainStep {
            one_minus_beta1: self.one_minus_beta1,
            beta2: self.beta2,
            one_minus_beta2: self.one_minus_beta2,
        })
    }
}

/// The start of one element's update in a loop of the Adam family: [`MomentStep`] in
/// general, [`PlainStep`] when it has no branch to take (see [`MomentStep::plain`]). Loops
/// are written once, generic over this trait, and chosen by [`with_advance!`].
pub(crate) trait Advance: Copy + Send + Sync {
    /// As [`MomentStep::advance`].
    fn advance(&self, p: &mut f32, g: f32, m: &mut f32, v: &mut f32) -> f32;
}

impl Advance for MomentStep {
    #[inline(always)]
    fn advance(&self, p: &mut f32, g: f32, m: &mut f32, v: &mut f32) -> f32 {
        MomentStep::advance(self, p, g, m, v)
    }
}

/// [`MomentStep::advance`] with no weight decay, no flushing and `|1 − β₁| < ½`: the same
/// operations in the same order, so bit-identical results.
#[derive(Clone, Copy)]
pub(crate) struct PlainStep {
    one_minus_beta1: f32,
    beta2: f32,
    one_minus_beta2: f32,
}

impl Advance for PlainStep {
    #[inline(always)]
    fn advance(&self, _p: &mut f32, g: f32, m: &mut f32, v: &mut f32) -> f32 {
        *m += self.one_minus_beta1 * (g - *m);
        *v = *v * self.beta2 + self.one_minus_beta2 * g * g;
        g
    }
}

/// `with_advance!(k, |a| expr)`: evaluates `expr` with `a` bound to `k.plain()` when that
/// exists, else to the [`MomentStep`] `k` itself, so a generic update loop in `expr` is
/// compiled for both.
macro_rules! with_advance {
    ($k:expr, |$a:ident| $body:expr) => {
        match $k.plain() {
            Some($a) => $body,
            None => {
                let $a = $k;
                $body
            }
        }
    };
}
pub(crate) use with_advance;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::WeightDecay;

    #[test]
    fn the_plain_step_is_bit_identical_to_the_general_one() {
        let k = Moments::new(1e-3, WeightDecay::None).step();
        let plain = k.plain().expect("no decay, no flushing");
        let values = [
            0.0f32,
            -0.0,
            1e-3,
            -0.7,
            3.5,
            1e-30,
            -2e-39,
            1e20,
            f32::NAN,
            f32::INFINITY,
        ];
        for &g in &values {
            for &m0 in &values {
                for &v0 in &values {
                    let (mut p1, mut m1, mut v1) = (0.25f32, m0, v0.abs());
                    let (mut p2, mut m2, mut v2) = (0.25f32, m0, v0.abs());
                    let g1 = MomentStep::advance(&k, &mut p1, g, &mut m1, &mut v1);
                    let g2 = Advance::advance(&plain, &mut p2, g, &mut m2, &mut v2);
                    let bits = |x: f32| x.to_bits();
                    assert_eq!(
                        (bits(p1), bits(g1), bits(m1), bits(v1)),
                        (bits(p2), bits(g2), bits(m2), bits(v2)),
                        "g {g}, m {m0}, v {v0}"
                    );
                }
            }
        }
        // Any branch to take means no plain step.
        assert!(Moments::new(1e-3, WeightDecay::L2(0.1)).step().plain().is_none());
        assert!(
            Moments::new(1e-3, WeightDecay::Decoupled(0.1))
                .step()
                .plain()
                .is_none()
        );
        let mut wide = Moments::new(1e-3, WeightDecay::None);
        wide.beta1 = 0.3;
        assert!(wide.step().plain().is_none());
    }
}
