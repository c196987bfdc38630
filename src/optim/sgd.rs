//! [`Sgd`]: stochastic gradient descent with optional momentum, as `torch.optim.SGD`.
//!
//! References: Robbins & Monro, "A Stochastic Approximation Method" (1951); momentum:
//! Polyak, "Some methods of speeding up the convergence of iteration methods" (1964);
//! Nesterov momentum in the form of Sutskever, Martens, Dahl & Hinton, "On the importance of
//! initialization and momentum in deep learning" (ICML 2013), as PyTorch implements it.

use super::PARALLEL_MIN_VALUES;
use super::{
    Optimizer, OptimizerSpec, OptimizerState, ParamState, begin_update, check_lr, check_non_negative64,
    check_positive64, lr_to_f64,
};
use crate::error::{Error, Result};
use crate::linalg::zip_blocks;

/// The momentum variant of [`Sgd`].
///
/// PyTorch's three arguments `(momentum, dampening, nesterov)` map to these variants; see
/// [`Momentum::from_torch`]. Nesterov momentum needs zero dampening, which the variant
/// enforces by not having one.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Momentum {
    /// Plain SGD: `θ ← θ − lr·g`.
    None,
    /// Heavy-ball momentum: `b ← μ·b + (1 − τ)·g` (with `b₁ = g`), `θ ← θ − lr·b`.
    /// `momentum = 0` behaves as [`Momentum::None`], as in PyTorch.
    Classic {
        /// The momentum factor `μ` (`>= 0`).
        momentum: f64,
        /// The dampening `τ` (applied from the second step on).
        dampening: f64,
    },
    /// Nesterov momentum: `b ← μ·b + g` (with `b₁ = g`), `θ ← θ − lr·(g + μ·b)`.
    Nesterov {
        /// The momentum factor `μ` (`> 0`).
        momentum: f64,
    },
}

impl Momentum {
    /// PyTorch's `SGD(momentum=, dampening=, nesterov=)` as a variant, with PyTorch's check:
    /// Nesterov momentum requires `momentum > 0` and `dampening == 0`
    /// ([`Error::InvalidConfig`] otherwise). `momentum = 0` without Nesterov is `None`.
    ///
    /// ```
    /// use trustnn::optim::Momentum;
    /// assert_eq!(Momentum::from_torch(0.9, 0.0, true)?, Momentum::Nesterov { momentum: 0.9 });
    /// assert_eq!(Momentum::from_torch(0.0, 0.5, false)?, Momentum::None);
    /// assert!(Momentum::from_torch(0.9, 0.1, true).is_err());
    /// assert!(Momentum::from_torch(0.0, 0.0, true).is_err());
    /// # Ok::<(), trustnn::Error>(())
    /// ```
    pub fn from_torch(momentum: f64, dampening: f64, nesterov: bool) -> Result<Self> {
        if nesterov {
            if momentum.is_nan() || momentum <= 0.0 {
                return Err(Error::config(
                    "Sgd.momentum",
                    momentum,
                    "Nesterov momentum requires a momentum > 0",
                ));
            }
            if dampening != 0.0 {
                return Err(Error::config(
                    "Sgd.dampening",
                    dampening,
                    "Nesterov momentum requires zero dampening",
                ));
            }
            return Ok(Momentum::Nesterov { momentum });
        }
        if momentum == 0.0 {
            return Ok(Momentum::None);
        }
        Ok(Momentum::Classic { momentum, dampening })
    }

    /// The momentum factor `μ` (0 for `None`).
    pub fn factor(self) -> f64 {
        match self {
            Momentum::None => 0.0,
            Momentum::Classic { momentum, .. } | Momentum::Nesterov { momentum } => momentum,
        }
    }
}

/// Stochastic gradient descent with optional momentum and L2 weight decay, as
/// `torch.optim.SGD` (defaults: `lr = 1e-3`, momentum 0, dampening 0, Nesterov off,
/// weight decay 0).
///
/// For gradient `g` of parameter `θ`, learning rate `lr`, weight decay `λ`, momentum `μ`,
/// dampening `τ`:
///
/// ```text
/// if λ ≠ 0:   g ← g + λ·θ
/// if μ ≠ 0:   b ← g                      on the parameter's first update (no dampening)
///             b ← μ·b + (1 − τ)·g        afterwards
///             g ← g + μ·b  (Nesterov)  or  g ← b  (classic)
/// θ ← θ − lr·g
/// ```
///
/// State: `"momentum_buffer"` (`b`), only with momentum, and the step count (which PyTorch's
/// SGD does not keep; it does not enter the rule). Note the PyTorch convention: the
/// learning rate multiplies the velocity, not the gradient inside it (so changing the
/// learning rate rescales the whole step at once), and the buffer starts at the gradient,
/// not at zero.
///
/// ```
/// use trustnn::optim::{Optimizer, Sgd};
/// let mut sgd = Sgd::new(0.1).momentum(0.9);
/// let mut w = vec![1.0_f32];
/// sgd.update("w", &mut w, &[1.0]); // b = 1:           w = 1 − 0.1·1
/// sgd.update("w", &mut w, &[1.0]); // b = 0.9·1 + 1:   w = 0.9 − 0.1·1.9
/// assert!((w[0] - 0.71).abs() < 1e-6);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Sgd {
    lr: f64,
    momentum: Momentum,
    weight_decay: f64,
    state: OptimizerState,
}

impl Default for Sgd {
    /// PyTorch's default learning rate, `1e-3`.
    fn default() -> Self {
        Sgd::new(1e-3)
    }
}

impl Sgd {
    /// Plain SGD with learning rate `lr`.
    pub fn new(lr: f32) -> Self {
        Sgd {
            lr: lr_to_f64(lr),
            momentum: Momentum::None,
            weight_decay: 0.0,
            state: OptimizerState::default(),
        }
    }

    /// Classic (heavy-ball) momentum `μ` without dampening.
    pub fn momentum(mut self, momentum: f64) -> Self {
        self.momentum = Momentum::Classic {
            momentum,
            dampening: 0.0,
        };
        self
    }

    /// Nesterov momentum `μ` (PyTorch's `nesterov=True`, zero dampening).
    pub fn nesterov(mut self, momentum: f64) -> Self {
        self.momentum = Momentum::Nesterov { momentum };
        self
    }

    /// Any momentum variant.
    pub fn with_momentum(mut self, momentum: Momentum) -> Self {
        self.momentum = momentum;
        self
    }

    /// L2 weight decay `λ`: the gradient becomes `g + λ·θ`.
    pub fn weight_decay(mut self, weight_decay: f64) -> Self {
        self.weight_decay = weight_decay;
        self
    }

    /// The momentum variant.
    pub fn momentum_kind(&self) -> Momentum {
        self.momentum
    }

    /// The optimizer an [`OptimizerSpec::Sgd`] describes (`spec` must be that variant).
    pub(super) fn from_spec(spec: &OptimizerSpec) -> Self {
        let OptimizerSpec::Sgd {
            lr,
            momentum,
            weight_decay,
        } = *spec
        else {
            unreachable!("optim::from_spec dispatches on the variant")
        };
        Sgd {
            lr,
            momentum,
            weight_decay,
            state: OptimizerState::default(),
        }
    }
}

impl Optimizer for Sgd {
    fn name(&self) -> &'static str {
        "sgd"
    }

    fn spec(&self) -> Result<OptimizerSpec> {
        Ok(OptimizerSpec::Sgd {
            lr: self.lr,
            momentum: self.momentum,
            weight_decay: self.weight_decay,
        })
    }

    fn validate(&self) -> Result<()> {
        check_lr("Sgd.lr", self.lr as f32)?;
        check_non_negative64("Sgd.weight_decay", self.weight_decay)?;
        match self.momentum {
            Momentum::None => Ok(()),
            Momentum::Classic { momentum, dampening } => {
                check_non_negative64("Sgd.momentum", momentum)?;
                if dampening.is_finite() {
                    Ok(())
                } else {
                    Err(Error::config(
                        "Sgd.dampening",
                        dampening,
                        "must be a finite number",
                    ))
                }
            }
            Momentum::Nesterov { momentum } => check_positive64("Sgd.momentum", momentum).map_err(|_| {
                Error::config(
                    "Sgd.momentum",
                    momentum,
                    "Nesterov momentum requires a momentum > 0",
                )
            }),
        }
    }

    fn update(&mut self, name: &str, value: &mut [f32], grad: &[f32]) {
        let state = begin_update(&mut self.state, "Sgd", name, value.len(), grad.len());
        state.step += 1;
        let neg_lr = (-self.lr) as f32;
        let wd = self.weight_decay as f32;
        let decay = self.weight_decay != 0.0;
        // g + λ·θ, as `grad.add(param, alpha=weight_decay)`.
        let decayed = move |g: f32, p: f32| if decay { g + wd * p } else { g };
        let (momentum, dampening, nesterov) = match self.momentum {
            Momentum::None => (0.0, 0.0, false),
            Momentum::Classic { momentum, dampening } => (momentum, dampening, false),
            Momentum::Nesterov { momentum } => (momentum, 0.0, true),
        };
        if momentum == 0.0 {
            zip_blocks([value], [grad], PARALLEL_MIN_VALUES, move |[value], [grad]| {
                for (p, &g) in value.iter_mut().zip(grad) {
                    let d = decayed(g, *p);
                    *p += neg_lr * d;
                }
            });
            return;
        }
        let mu = momentum as f32;
        let keep = (1.0 - dampening) as f32;
        let len = value.len();
        if first_momentum_step(state, len) {
            // The buffer starts as a copy of the (decayed) gradient: no dampening.
            let buf = state
                .buffer_mut("momentum_buffer")
                .expect("created by first_momentum_step");
            zip_blocks(
                [value, buf],
                [grad],
                PARALLEL_MIN_VALUES,
                move |[value, buf], [grad]| {
                    for ((p, &g), b) in value.iter_mut().zip(grad).zip(buf) {
                        let d = decayed(g, *p);
                        *b = d;
                        let step = if nesterov { d + mu * *b } else { *b };
                        *p += neg_lr * step;
                    }
                },
            );
        } else {
            let buf = state
                .buffer_mut("momentum_buffer")
                .expect("checked by first_momentum_step");
            zip_blocks(
                [value, buf],
                [grad],
                PARALLEL_MIN_VALUES,
                move |[value, buf], [grad]| {
                    for ((p, &g), b) in value.iter_mut().zip(grad).zip(buf) {
                        let d = decayed(g, *p);
                        *b = *b * mu + keep * d;
                        let step = if nesterov { d + mu * *b } else { *b };
                        *p += neg_lr * step;
                    }
                },
            );
        }
    }

    lr_and_state_methods!("Sgd", lr);
}

/// True if the parameter has no usable momentum buffer yet (PyTorch's `buf is None`); in
/// that case a buffer of `len` values is created (or a stale one of another length reset,
/// together with the step count) for the caller to fill with the gradient.
fn first_momentum_step(state: &mut ParamState, len: usize) -> bool {
    match state.buffer("momentum_buffer").map(<[f32]>::len) {
        Some(n) if n == len => false,
        Some(_) => {
            state.buffers.clear();
            state.step = 1;
            state.buffers.push(("momentum_buffer", vec![0.0; len]));
            true
        }
        None => {
            state.buffers.push(("momentum_buffer", vec![0.0; len]));
            true
        }
    }
}
