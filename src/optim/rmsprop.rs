//! [`RmsProp`]: gradients divided by a running root-mean-square, as `torch.optim.RMSprop`.
//!
//! References: Tieleman & Hinton, "Lecture 6.5 — RMSprop", COURSERA: Neural Networks for
//! Machine Learning (2012); the centered variant: Graves, "Generating Sequences With
//! Recurrent Neural Networks", arXiv:1308.0850 (2013).

use super::OptimizerSpec;
use super::PARALLEL_MIN_VALUES;
use super::{
    Optimizer, OptimizerState, begin_update, check_lr, check_non_negative64, check_unit, lerp, lr_to_f64,
};
use crate::error::Result;
use crate::linalg::zip_blocks;

/// RMSprop, as `torch.optim.RMSprop` (defaults: `lr = 1e-2`, `alpha = 0.99`, `eps = 1e-8`,
/// `weight_decay = 0`, `momentum = 0`, `centered = false`).
///
/// With smoothing constant `α`, weight decay `λ` and momentum `μ`:
///
/// ```text
/// if λ ≠ 0:   g ← g + λ·θ
/// v ← α·v + (1 − α)·g²
/// centered:   ḡ ← α·ḡ + (1 − α)·g ;  avg = √(v − ḡ²) + eps
/// otherwise:  avg = √v + eps                         (eps outside the square root)
/// if μ > 0:   b ← μ·b + g / avg ;  θ ← θ − lr·b
/// otherwise:  θ ← θ − lr · g / avg
/// ```
///
/// State: `"square_avg"` (`v`), `"grad_avg"` (`ḡ`, centered only) and `"momentum_buffer"`
/// (`b`, with momentum only), all starting at zero.
///
/// ```
/// use trustnn::optim::{Optimizer, RmsProp};
/// let mut opt = RmsProp::new(0.01).centered(true).momentum(0.9);
/// let mut w = vec![1.0_f32, -1.0];
/// opt.update("w", &mut w, &[0.5, -0.5]);
/// assert!(w[0] < 1.0 && w[1] > -1.0);
/// assert!(opt.state().params["w"].buffer("grad_avg").is_some());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RmsProp {
    lr: f64,
    alpha: f64,
    eps: f64,
    weight_decay: f64,
    momentum: f64,
    centered: bool,
    state: OptimizerState,
}

impl Default for RmsProp {
    /// PyTorch's default learning rate, `1e-2`.
    fn default() -> Self {
        RmsProp::new(1e-2)
    }
}

impl RmsProp {
    /// RMSprop with learning rate `lr` and PyTorch's other defaults.
    pub fn new(lr: f32) -> Self {
        RmsProp {
            lr: lr_to_f64(lr),
            alpha: 0.99,
            eps: 1e-8,
            weight_decay: 0.0,
            momentum: 0.0,
            centered: false,
            state: OptimizerState::default(),
        }
    }

    /// The smoothing constant `α` of the running averages, in `[0, 1]`.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// The term added to the root-mean-square.
    pub fn eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }

    /// L2 weight decay `λ`: the gradient becomes `g + λ·θ`.
    pub fn weight_decay(mut self, weight_decay: f64) -> Self {
        self.weight_decay = weight_decay;
        self
    }

    /// Momentum `μ` applied to the normalized gradient (0 = none).
    pub fn momentum(mut self, momentum: f64) -> Self {
        self.momentum = momentum;
        self
    }

    /// Centered RMSprop: normalize by an estimate of the gradient's variance instead of its
    /// second moment.
    pub fn centered(mut self, centered: bool) -> Self {
        self.centered = centered;
        self
    }
}

impl Optimizer for RmsProp {
    fn name(&self) -> &'static str {
        "rmsprop"
    }

    fn spec(&self) -> Result<OptimizerSpec> {
        Ok(OptimizerSpec::RmsProp {
            lr: self.lr,
            alpha: self.alpha,
            eps: self.eps,
            weight_decay: self.weight_decay,
            momentum: self.momentum,
            centered: self.centered,
        })
    }

    fn validate(&self) -> Result<()> {
        check_lr("RmsProp.lr", self.lr as f32)?;
        check_unit("RmsProp.alpha", self.alpha)?;
        check_non_negative64("RmsProp.eps", self.eps)?;
        check_non_negative64("RmsProp.weight_decay", self.weight_decay)?;
        check_non_negative64("RmsProp.momentum", self.momentum)
    }

    fn update(&mut self, name: &str, value: &mut [f32], grad: &[f32]) {
        let state = begin_update(&mut self.state, "RmsProp", name, value.len(), grad.len());
        let len = value.len();
        let neg_lr = (-self.lr) as f32;
        let alpha = self.alpha as f32;
        let one_minus_alpha = (1.0 - self.alpha) as f32;
        let eps = self.eps as f32;
        let wd = self.weight_decay as f32;
        let decay = self.weight_decay != 0.0;
        let mu = self.momentum as f32;
        // v ← v·α + ((1 − α)·g)·g, as `square_avg.mul_(alpha).addcmul_(grad, grad, value=1 − alpha)`.
        let square = move |v: f32, g: f32| v * alpha + one_minus_alpha * g * g;
        let decayed = move |g: f32, p: f32| if decay { g + wd * p } else { g };
        match (self.centered, self.momentum > 0.0) {
            (false, false) => {
                let (_, [sq]) = state.advance([("square_avg", 0.0)], len);
                zip_blocks(
                    [value, sq],
                    [grad],
                    PARALLEL_MIN_VALUES,
                    move |[value, sq], [grad]| {
                        for ((p, &g), v) in value.iter_mut().zip(grad).zip(sq) {
                            let g = decayed(g, *p);
                            *v = square(*v, g);
                            let avg = v.sqrt() + eps;
                            *p += neg_lr * g / avg;
                        }
                    },
                );
            }
            (false, true) => {
                let (_, [sq, mom]) = state.advance([("square_avg", 0.0), ("momentum_buffer", 0.0)], len);
                zip_blocks(
                    [value, sq, mom],
                    [grad],
                    PARALLEL_MIN_VALUES,
                    move |[value, sq, mom], [grad]| {
                        for (((p, &g), v), b) in value.iter_mut().zip(grad).zip(sq).zip(mom) {
                            let g = decayed(g, *p);
                            *v = square(*v, g);
                            let avg = v.sqrt() + eps;
                            *b = *b * mu + g / avg;
                            *p += neg_lr * *b;
                        }
                    },
                );
            }
            (true, false) => {
                let (_, [sq, ga]) = state.advance([("square_avg", 0.0), ("grad_avg", 0.0)], len);
                zip_blocks(
                    [value, sq, ga],
                    [grad],
                    PARALLEL_MIN_VALUES,
                    move |[value, sq, ga], [grad]| {
                        for (((p, &g), v), m) in value.iter_mut().zip(grad).zip(sq).zip(ga) {
                            let g = decayed(g, *p);
                            *v = square(*v, g);
                            *m = lerp(*m, g, one_minus_alpha);
                            let avg = (*v - *m * *m).sqrt() + eps;
                            *p += neg_lr * g / avg;
                        }
                    },
                );
            }
            (true, true) => {
                let (_, [sq, ga, mom]) = state.advance(
                    [("square_avg", 0.0), ("grad_avg", 0.0), ("momentum_buffer", 0.0)],
                    len,
                );
                let write = [value, sq, ga, mom];
                zip_blocks(
                    write,
                    [grad],
                    PARALLEL_MIN_VALUES,
                    move |[value, sq, ga, mom], [grad]| {
                        for ((((p, &g), v), m), b) in value.iter_mut().zip(grad).zip(sq).zip(ga).zip(mom) {
                            let g = decayed(g, *p);
                            *v = square(*v, g);
                            *m = lerp(*m, g, one_minus_alpha);
                            let avg = (*v - *m * *m).sqrt() + eps;
                            *b = *b * mu + g / avg;
                            *p += neg_lr * *b;
                        }
                    },
                );
            }
        }
    }

    lr_and_state_methods!("RmsProp", lr);
}

impl RmsProp {
    /// The optimizer an [`OptimizerSpec::RmsProp`] describes (`spec` must be that variant).
    pub(super) fn from_spec(spec: &OptimizerSpec) -> Self {
        let OptimizerSpec::RmsProp {
            lr,
            alpha,
            eps,
            weight_decay,
            momentum,
            centered,
        } = *spec
        else {
            unreachable!("optim::from_spec dispatches on the variant")
        };
        RmsProp {
            lr,
            alpha,
            eps,
            weight_decay,
            momentum,
            centered,
            state: OptimizerState::default(),
        }
    }
}
