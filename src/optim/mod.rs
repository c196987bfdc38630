//! The [`Optimizer`] trait and the built-in optimizers, with `torch.optim`'s exact update rules.
//!
//! An optimizer is a per-parameter step: given a parameter's name, its values and its
//! gradient, it updates the values in place and keeps whatever state the rule needs
//! (momentum buffers, running averages, step counts) in an [`OptimizerState`] keyed by the
//! parameter's name. It never walks the model; [`crate::Sequential`] pairs parameters with
//! their state. State is plain data, so it can be saved and restored with a model.
//!
//! Every optimizer documents its update rule, including where `eps` sits and how weight
//! decay enters, and matches PyTorch's default hyperparameters and its default CPU
//! implementation (single-tensor, not fused, not foreach, `maximize=False`): the same
//! element-wise operations in the same order on `f32` values, so trajectories agree with
//! PyTorch to rounding.
//!
//! # Scalars are `f64`, as Python floats are in PyTorch
//!
//! PyTorch computes per-step scalars (bias corrections, step sizes, `1 − β`) on Python
//! floats, i.e. in `f64`, and rounds them to `f32` only where they meet a tensor. The
//! optimizers here do the same: hyperparameters are stored as `f64` (setters take `f64`),
//! scalars are computed in `f64` once per update and cast to `f32` at the point PyTorch
//! combines them with a tensor. Using `f32` hyperparameters instead would be visible: the
//! `f32` nearest to `0.999` makes `1 − β₂` wrong by 1.3e-5 relative.
//!
//! The learning rate is an `f32` in the [`Optimizer`] trait; it is widened to the `f64`
//! nearest to its shortest decimal form (`1e-3_f32` becomes `0.001`, not
//! `0.0010000000474974513`), which is the Python float a PyTorch user would have written.
//!
//! # State
//!
//! Each parameter's [`ParamState`] holds its `step` (PyTorch's `state['step']`) and buffers
//! named as PyTorch names them (`"momentum_buffer"`, `"sum"`, `"square_avg"`, `"grad_avg"`,
//! `"exp_avg"`, `"exp_avg_sq"`, `"max_exp_avg_sq"`, `"acc_delta"`, `"mu_product"`). State is
//! created on a parameter's first update; later updates allocate nothing. State restored
//! with [`Optimizer::set_state`] is used as it is, except that a parameter whose buffers do
//! not have the parameter's length starts afresh (step 0, new buffers) and a buffer that is
//! missing is created with its initial value. `update` panics if the value and gradient
//! lengths differ: the caller pairs a parameter with its own gradient, so that is a broken
//! invariant, not bad input.
//!
//! # Threads
//!
//! With the `threads` feature and more than one thread ([`crate::linalg::set_num_threads`]),
//! every built-in optimizer updates a parameter of at least 32 768 values in two (or more)
//! contiguous blocks at once, on the calling thread and the matrix products' helper threads.
//! Each value's update depends only on that value, so the result is bit-identical to one
//! thread (`tests/threads.rs` checks it for every rule).
//!
//! # Agreement with PyTorch
//!
//! PyTorch's own CPU kernels are not bit-reproducible across machines: on AVX2/AVX-512 builds
//! its vectorized `add`/`lerp` use fused multiply-add, and its `f32` square root (through
//! MKL) is not always correctly rounded. The optimizers here use plain IEEE operations in
//! PyTorch's order, so they agree with PyTorch to within a few ulps per step; cancellation
//! (a parameter crossing zero) can make the *relative* difference of a near-zero value large
//! while the absolute difference stays at that level.
//!
//! ```
//! use trustnn::optim::{Adam, Optimizer};
//! let mut opt = Adam::new(1e-3).betas(0.9, 0.999);
//! opt.validate()?;
//! let mut w = vec![0.5_f32, -0.25];
//! opt.update("dense.weight", &mut w, &[0.1, -0.2]);
//! // Adam's first step moves every coordinate by about lr, against the gradient.
//! assert!((w[0] - (0.5 - 1e-3)).abs() < 1e-6);
//! assert!((w[1] - (-0.25 + 1e-3)).abs() < 1e-6);
//! assert_eq!(opt.state().params["dense.weight"].step, 1);
//! # Ok::<(), trustnn::Error>(())
//! ```

/// Writes the [`Optimizer`] methods every built-in optimizer has alike: `learning_rate` and
/// `set_learning_rate` on the `f64` learning rate at `self.<path>` (a new rate is checked,
/// errors naming `"<who>.lr"`, and widened with `lr_to_f64`), and `state` / `set_state` on
/// `self.state`.
macro_rules! lr_and_state_methods {
    ($who:literal, $($lr:ident).+) => {
        fn learning_rate(&self) -> f32 {
            self.$($lr).+ as f32
        }

        fn set_learning_rate(&mut self, lr: f32) -> $crate::error::Result<()> {
            $crate::optim::check_lr(concat!($who, ".lr"), lr)?;
            self.$($lr).+ = $crate::optim::lr_to_f64(lr);
            Ok(())
        }

        fn state(&self) -> &$crate::optim::OptimizerState {
            &self.state
        }

        fn set_state(&mut self, state: $crate::optim::OptimizerState) {
            self.state = state;
        }
    };
}

/// Writes builder setters of the Adam family for a type whose field `moments` is a
/// [`moments::Moments`] (and, for `amsgrad`, with a field `amsgrad: bool`). Each setter is
/// listed with its documentation at the call site: `betas`, `eps`, `weight_decay(L2)` or
/// `weight_decay(Decoupled)` (PyTorch's `weight_decay` with `decoupled_weight_decay` false or
/// true), `decoupled_weight_decay`, `with_weight_decay` (any [`WeightDecay`]) and `amsgrad`.
macro_rules! moment_setters {
    ($($(#[$doc:meta])* $setter:ident $(($kind:ident))?;)*) => {
        $(moment_setters!(@one $(#[$doc])* $setter $(($kind))?);)*
    };
    (@one $(#[$doc:meta])* betas) => {
        $(#[$doc])*
        pub fn betas(mut self, beta1: f64, beta2: f64) -> Self {
            self.moments.beta1 = beta1;
            self.moments.beta2 = beta2;
            self
        }
    };
    (@one $(#[$doc:meta])* eps) => {
        $(#[$doc])*
        pub fn eps(mut self, eps: f64) -> Self {
            self.moments.eps = eps;
            self
        }
    };
    (@one $(#[$doc:meta])* weight_decay(L2)) => {
        $(#[$doc])*
        pub fn weight_decay(mut self, weight_decay: f64) -> Self {
            self.moments.weight_decay = $crate::optim::WeightDecay::from_torch(weight_decay, false);
            self
        }
    };
    (@one $(#[$doc:meta])* weight_decay(Decoupled)) => {
        $(#[$doc])*
        pub fn weight_decay(mut self, weight_decay: f64) -> Self {
            self.moments.weight_decay = $crate::optim::WeightDecay::from_torch(weight_decay, true);
            self
        }
    };
    (@one $(#[$doc:meta])* decoupled_weight_decay) => {
        $(#[$doc])*
        pub fn decoupled_weight_decay(mut self, weight_decay: f64) -> Self {
            self.moments.weight_decay = $crate::optim::WeightDecay::from_torch(weight_decay, true);
            self
        }
    };
    (@one $(#[$doc:meta])* with_weight_decay) => {
        $(#[$doc])*
        pub fn with_weight_decay(mut self, weight_decay: $crate::optim::WeightDecay) -> Self {
            self.moments.weight_decay = weight_decay;
            self
        }
    };
    (@one $(#[$doc:meta])* amsgrad) => {
        $(#[$doc])*
        pub fn amsgrad(mut self, amsgrad: bool) -> Self {
            self.amsgrad = amsgrad;
            self
        }
    };
}

/// The [`OptimizerSpec`] variant `$variant` of an Adam-family optimizer: the fields of its
/// [`moments::Moments`] `$moments`, plus the variant's own `field: value` pairs.
macro_rules! moments_spec {
    ($variant:ident, $moments:expr $(, $field:ident: $value:expr)* $(,)?) => {{
        let m: $crate::optim::moments::Moments = $moments;
        $crate::optim::OptimizerSpec::$variant {
            lr: m.lr,
            beta1: m.beta1,
            beta2: m.beta2,
            eps: m.eps,
            weight_decay: m.weight_decay,
            $($field: $value,)*
        }
    }};
}

mod adadelta;
mod adagrad;
mod adam;
mod adamw;
mod moments;
mod nadam;
mod radam;
mod rmsprop;
mod sgd;
mod spec;

pub mod schedule;

pub use adadelta::Adadelta;
pub use adagrad::Adagrad;
pub use adam::Adam;
pub use adamw::AdamW;
pub use nadam::NAdam;
pub use radam::RAdam;
pub use rmsprop::RmsProp;
pub use sgd::{Momentum, Sgd};
pub use spec::{OptimizerSpec, from_spec};

/// Flushes the Adam family's moment estimates (`exp_avg`, `exp_avg_sq`) to zero when they
/// become subnormal (below `f32::MIN_POSITIVE` ≈ 1.2e-38 in magnitude), for every
/// [`Adam`], [`AdamW`], [`NAdam`] and [`RAdam`] update in this process from now on; off by
/// default. The counterpart of PyTorch's `torch.set_flush_denormal(True)`, and like it a
/// process-wide setting that model files do not record.
///
/// Why: a weight whose gradient is exactly zero for many steps (the incoming weights of a
/// dead ReLU unit) has its `exp_avg` decay by `β₁` per step into the subnormal range, and
/// arithmetic on subnormals takes a microcode assist of 100+ cycles on x86. In the
/// MNIST-shaped benchmark the epochs after the first became 2.5–3.5× slower than the first
/// (`docs/PERFORMANCE.md`). With the flush they do not.
///
/// What it changes: only state values below 1.2e-38, which with the default `eps` move a
/// parameter by less than about 1e-30 — parameters stay bit-identical in practice, but
/// the optimizer *state* is no longer PyTorch's bit for bit, which is why it is opt-in.
///
/// ```
/// use trustnn::optim::{Adam, Optimizer, set_flush_subnormals};
/// set_flush_subnormals(true);
/// let mut adam = Adam::new(1e-3);
/// let mut w = [1.0f32];
/// adam.update("w", &mut w, &[1e-18]); // exp_avg_sq = 0.001 · 1e-36 is subnormal
/// let state = adam.state().param("w").unwrap();
/// assert_eq!(state.buffer("exp_avg_sq"), Some(&[0.0f32][..]));
/// assert_eq!(state.buffer("exp_avg").map(|m| m[0] > 0.0), Some(true));
/// set_flush_subnormals(false);
/// ```
pub fn set_flush_subnormals(on: bool) {
    moments::set_flush_subnormals(on);
}

/// Whether [`set_flush_subnormals`] is on.
pub fn flush_subnormals() -> bool {
    moments::flush_subnormals()
}

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The state an optimizer keeps for one parameter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParamState {
    /// Number of updates applied to this parameter (PyTorch's `state['step']`).
    pub step: u64,
    /// Named buffers of the parameter's length (`"exp_avg"`, `"momentum_buffer"`, ...).
    pub buffers: Vec<(&'static str, Vec<f32>)>,
}

impl ParamState {
    /// The buffer called `name`, if the optimizer has created it.
    pub fn buffer(&self, name: &str) -> Option<&[f32]> {
        self.buffers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, b)| b.as_slice())
    }

    /// The buffer called `name`, mutable, if the optimizer has created it.
    pub fn buffer_mut(&mut self, name: &str) -> Option<&mut [f32]> {
        self.buffers
            .iter_mut()
            .find(|(n, _)| *n == name)
            .map(|(_, b)| b.as_mut_slice())
    }

    /// The buffers named in `specs`, in that order, as disjoint mutable slices.
    ///
    /// Each spec is `(name, initial value)`. If any existing buffer listed in `specs` does
    /// not have length `len`, the state is reset first (step 0, no buffers); then every
    /// missing buffer is created with `len` copies of its initial value. Allocates only when
    /// a buffer is created, so after a parameter's first update this is allocation-free.
    pub fn buffers_mut<const N: usize>(
        &mut self,
        specs: [(&'static str, f32); N],
        len: usize,
    ) -> [&mut [f32]; N] {
        self.ensure_buffers(&specs, len);
        self.disjoint_buffers(&specs)
    }

    /// Starts an update: ensures the buffers as [`ParamState::buffers_mut`] does, then
    /// increments `step` and returns the new step with the buffers.
    pub fn advance<const N: usize>(
        &mut self,
        specs: [(&'static str, f32); N],
        len: usize,
    ) -> (u64, [&mut [f32]; N]) {
        self.ensure_buffers(&specs, len);
        self.step += 1;
        (self.step, self.disjoint_buffers(&specs))
    }

    fn ensure_buffers(&mut self, specs: &[(&'static str, f32)], len: usize) {
        let stale = specs
            .iter()
            .any(|(name, _)| self.buffer(name).is_some_and(|b| b.len() != len));
        if stale {
            self.step = 0;
            self.buffers.clear();
        }
        for &(name, init) in specs {
            if self.buffer(name).is_none() {
                self.buffers.push((name, vec![init; len]));
            }
        }
    }

    fn disjoint_buffers<const N: usize>(&mut self, specs: &[(&'static str, f32); N]) -> [&mut [f32]; N] {
        let mut slots: [Option<&mut [f32]>; N] = std::array::from_fn(|_| None);
        for (name, buf) in self.buffers.iter_mut() {
            if let Some(i) = specs.iter().position(|(n, _)| n == name)
                && slots[i].is_none()
            {
                slots[i] = Some(buf.as_mut_slice());
            }
        }
        slots.map(|s| s.expect("every listed buffer was created above"))
    }
}

/// An optimizer's state for all parameters, keyed by parameter name (`"dense.weight"`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OptimizerState {
    /// Per-parameter state, ordered by name.
    pub params: BTreeMap<String, ParamState>,
}

impl OptimizerState {
    /// The state of parameter `name`, created by `init` (given the parameter's length) on
    /// first use. Allocates only on a parameter's first update.
    pub fn get_or_init(
        &mut self,
        name: &str,
        len: usize,
        init: impl FnOnce(usize) -> ParamState,
    ) -> &mut ParamState {
        if !self.params.contains_key(name) {
            self.params.insert(name.to_string(), init(len));
        }
        self.params.get_mut(name).expect("inserted above")
    }

    /// The state of parameter `name`, created empty (step 0, no buffers) on first use.
    /// Allocates only on a parameter's first update.
    pub fn param_mut(&mut self, name: &str) -> &mut ParamState {
        self.get_or_init(name, 0, |_| ParamState::default())
    }

    /// The state of parameter `name`, if it has been updated.
    pub fn param(&self, name: &str) -> Option<&ParamState> {
        self.params.get(name)
    }
}

/// A gradient-based update rule.
pub trait Optimizer: Send + fmt::Debug {
    /// The name (`"adam"`).
    fn name(&self) -> &'static str;

    /// Checks the hyperparameters (learning rate finite and `>= 0`, betas in `[0, 1)`, ...).
    fn validate(&self) -> Result<()>;

    /// The current learning rate.
    fn learning_rate(&self) -> f32;

    /// Changes the learning rate (for schedules); fails on a negative or non-finite value.
    fn set_learning_rate(&mut self, lr: f32) -> Result<()>;

    /// Applies one update to parameter `name` with values `value` and gradient `grad`
    /// (same length). Assumes [`Optimizer::validate`] passed.
    fn update(&mut self, name: &str, value: &mut [f32], grad: &[f32]);

    /// The per-parameter state.
    fn state(&self) -> &OptimizerState;

    /// Replaces the per-parameter state (to resume training).
    fn set_state(&mut self, state: OptimizerState);

    /// A complete description of the hyperparameters (the current learning rate
    /// included, the state excluded), from which [`from_spec`] rebuilds an equal optimizer;
    /// model files store it. The default fails with [`Error::Format`]: a custom optimizer
    /// that does not implement this cannot be saved.
    fn spec(&self) -> Result<OptimizerSpec> {
        Err(spec::no_spec(self.name()))
    }
}

/// The names [`by_name`] knows, in the order it lists them in errors.
pub const OPTIMIZER_NAMES: [&str; 10] = [
    "sgd",
    "sgd_momentum",
    "nesterov",
    "adagrad",
    "rmsprop",
    "adam",
    "adamw",
    "nadam",
    "radam",
    "adadelta",
];

/// Builds a built-in optimizer by name with learning rate `lr` and PyTorch's defaults for
/// everything else; for examples and experiments that compare optimizers.
///
/// | name             | optimizer                                             |
/// |------------------|-------------------------------------------------------|
/// | `"sgd"`          | [`Sgd`] without momentum                              |
/// | `"sgd_momentum"` | [`Sgd`] with momentum 0.9 (`Momentum::Classic`)       |
/// | `"nesterov"`     | [`Sgd`] with Nesterov momentum 0.9                    |
/// | `"adagrad"`      | [`Adagrad`]                                           |
/// | `"rmsprop"`      | [`RmsProp`]                                           |
/// | `"adam"`         | [`Adam`]                                              |
/// | `"adamw"`        | [`AdamW`] (weight decay 1e-2)                         |
/// | `"nadam"`        | [`NAdam`]                                             |
/// | `"radam"`        | [`RAdam`]                                             |
/// | `"adadelta"`     | [`Adadelta`]                                          |
///
/// Fails with [`Error::UnknownName`] for another name and [`Error::InvalidConfig`] for a
/// negative or non-finite `lr`.
///
/// ```
/// use trustnn::optim::by_name;
/// let opt = by_name("nesterov", 0.05)?;
/// assert_eq!(opt.name(), "sgd");
/// assert_eq!(opt.learning_rate(), 0.05);
/// assert!(by_name("adamax", 0.1).is_err());
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn by_name(name: &str, lr: f32) -> Result<Box<dyn Optimizer>> {
    let opt: Box<dyn Optimizer> = match name {
        "sgd" => Box::new(Sgd::new(lr)),
        "sgd_momentum" => Box::new(Sgd::new(lr).momentum(0.9)),
        "nesterov" => Box::new(Sgd::new(lr).nesterov(0.9)),
        "adagrad" => Box::new(Adagrad::new(lr)),
        "rmsprop" => Box::new(RmsProp::new(lr)),
        "adam" => Box::new(Adam::new(lr)),
        "adamw" => Box::new(AdamW::new(lr)),
        "nadam" => Box::new(NAdam::new(lr)),
        "radam" => Box::new(RAdam::new(lr)),
        "adadelta" => Box::new(Adadelta::new(lr)),
        _ => {
            return Err(Error::UnknownName {
                context: "optim::by_name".to_string(),
                name: name.to_string(),
                known: OPTIMIZER_NAMES.join(", "),
            });
        }
    };
    opt.validate()?;
    Ok(opt)
}

/// How weight decay enters an update rule.
///
/// PyTorch's `weight_decay = λ` with `decoupled_weight_decay = False` is [`WeightDecay::L2`];
/// with `decoupled_weight_decay = True` (and in `AdamW`) it is [`WeightDecay::Decoupled`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightDecay {
    /// No weight decay (PyTorch's `weight_decay = 0`).
    None,
    /// Coupled L2 penalty: the gradient becomes `g + λ·θ` before the rest of the rule, so
    /// the decay goes through the moment estimates.
    L2(f64),
    /// Decoupled weight decay (Loshchilov & Hutter, "Decoupled Weight Decay Regularization",
    /// ICLR 2019): `θ ← θ·(1 − lr·λ)` before the rest of the rule; the gradient and the
    /// moment estimates never see it.
    Decoupled(f64),
}

impl WeightDecay {
    /// PyTorch's pair `(weight_decay, decoupled_weight_decay)` as a variant (`None` for 0).
    pub fn from_torch(weight_decay: f64, decoupled: bool) -> Self {
        if weight_decay == 0.0 {
            WeightDecay::None
        } else if decoupled {
            WeightDecay::Decoupled(weight_decay)
        } else {
            WeightDecay::L2(weight_decay)
        }
    }

    /// The strength `λ` (0 for `None`).
    pub fn strength(self) -> f64 {
        match self {
            WeightDecay::None => 0.0,
            WeightDecay::L2(wd) | WeightDecay::Decoupled(wd) => wd,
        }
    }

    pub(crate) fn validate(self, param: &str) -> Result<()> {
        check_non_negative64(param, self.strength())
    }
}

/// Widens an `f32` learning rate to the `f64` nearest to its shortest decimal form, the
/// Python float a PyTorch user would have written (`1e-3_f32` → `0.001`). Round-trips:
/// `lr_to_f64(x) as f32 == x`. Allocation-free.
pub(crate) fn lr_to_f64(lr: f32) -> f64 {
    use std::io::Write as _;
    if !lr.is_finite() {
        return lr as f64;
    }
    let mut buf = [0u8; 64];
    let mut cursor = &mut buf[..];
    if write!(cursor, "{lr:e}").is_err() {
        return lr as f64;
    }
    let written = 64 - cursor.len();
    std::str::from_utf8(&buf[..written])
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|&wide| wide as f32 == lr)
        .unwrap_or(lr as f64)
}

/// Checks a learning rate: finite and `>= 0`.
pub(crate) fn check_lr(param: &str, lr: f32) -> Result<()> {
    if lr.is_finite() && lr >= 0.0 {
        Ok(())
    } else {
        Err(Error::config(param, lr, "must be a finite number >= 0"))
    }
}

/// Checks that `value` is finite and `>= 0`.
pub(crate) fn check_non_negative64(param: &str, value: f64) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(Error::config(param, value, "must be a finite number >= 0"))
    }
}

/// Checks that `value` is finite and `> 0`.
pub(crate) fn check_positive64(param: &str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(Error::config(param, value, "must be a finite number > 0"))
    }
}

/// Checks that `0 <= value < 1` (betas).
pub(crate) fn check_beta(param: &str, value: f64) -> Result<()> {
    if (0.0..1.0).contains(&value) {
        Ok(())
    } else {
        Err(Error::config(param, value, "must be in [0, 1)"))
    }
}

/// Checks that `0 <= value <= 1` (decay rates such as Adadelta's `rho`).
pub(crate) fn check_unit(param: &str, value: f64) -> Result<()> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(Error::config(param, value, "must be in [0, 1]"))
    }
}

/// The state of `name` for an update of a parameter of `len` values, asserting the value
/// and gradient lengths agree (a broken caller invariant otherwise) and counting the step.
pub(crate) fn begin_update<'a>(
    state: &'a mut OptimizerState,
    optimizer: &str,
    name: &str,
    value_len: usize,
    grad_len: usize,
) -> &'a mut ParamState {
    assert_eq!(
        value_len, grad_len,
        "{optimizer}.update({name:?}): value and gradient lengths differ"
    );
    state.param_mut(name)
}

/// `start + weight·(end − start)`, as ATen's `lerp` computes it in `f32`: for
/// `|weight| < 0.5` exactly that, otherwise `end − (end − start)·(1 − weight)`.
#[inline(always)]
pub(crate) fn lerp(start: f32, end: f32, weight: f32) -> f32 {
    if weight.abs() < 0.5 {
        start + weight * (end - start)
    } else {
        end - (end - start) * (1.0 - weight)
    }
}

/// Parameters of at least this many values are updated by every optimizer in blocks on the
/// calling thread and the helper threads of the `threads` feature at once (each value's
/// update is independent, so the result is bit-identical to one thread). Smaller ones stay on
/// the calling thread, where handing over would cost more than it saves.
pub(crate) const PARALLEL_MIN_VALUES: usize = 32_768;

/// `torch.maximum` on one element: the larger value, NaN if either is NaN.
#[inline(always)]
pub(crate) fn nan_max(a: f32, b: f32) -> f32 {
    if b > a || b.is_nan() { b } else { a }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lr_to_f64_recovers_the_decimal_literal() {
        assert_eq!(lr_to_f64(1e-3), 0.001);
        assert_eq!(lr_to_f64(0.1), 0.1);
        assert_eq!(lr_to_f64(2e-3), 0.002);
        assert_eq!(lr_to_f64(0.0), 0.0);
        assert_eq!(lr_to_f64(3.0e-38), 3.0e-38);
        for x in [1e-3_f32, 0.1, 7.3e-5, 1.0, 123.456, f32::MIN_POSITIVE, f32::MAX] {
            assert_eq!(lr_to_f64(x) as f32, x);
        }
    }

    #[test]
    fn buffers_mut_creates_once_and_resets_on_length_change() {
        let mut s = ParamState::default();
        let [a, b] = s.buffers_mut([("exp_avg", 0.0), ("mu_product", 1.0)], 3);
        a[0] = 5.0;
        assert_eq!(b, &[1.0, 1.0, 1.0]);
        s.step = 4;
        let ptr = s.buffer("exp_avg").unwrap().as_ptr();
        let [a, _] = s.buffers_mut([("exp_avg", 0.0), ("mu_product", 1.0)], 3);
        assert_eq!(a.as_ptr(), ptr);
        assert_eq!(a[0], 5.0);
        assert_eq!(s.step, 4);
        let [a, _] = s.buffers_mut([("exp_avg", 0.0), ("mu_product", 1.0)], 2);
        assert_eq!(a, &[0.0, 0.0]);
        assert_eq!(s.step, 0);
    }

    #[test]
    fn buffers_mut_returns_slices_in_spec_order_whatever_the_storage_order() {
        let mut s = ParamState {
            step: 2,
            buffers: vec![("b", vec![2.0]), ("a", vec![1.0])],
        };
        let [a, b] = s.buffers_mut([("a", 0.0), ("b", 0.0)], 1);
        assert_eq!((a[0], b[0]), (1.0, 2.0));
    }

    #[test]
    fn lerp_matches_both_aten_branches() {
        assert_eq!(lerp(1.0, 3.0, 0.25), 1.5);
        assert_eq!(lerp(1.0, 3.0, 0.75), 2.5);
        assert_eq!(lerp(1.0, 3.0, 1.0), 3.0);
    }

    #[test]
    fn nan_max_propagates_nan() {
        assert_eq!(nan_max(1.0, 2.0), 2.0);
        assert_eq!(nan_max(2.0, 1.0), 2.0);
        assert!(nan_max(f32::NAN, 1.0).is_nan());
        assert!(nan_max(1.0, f32::NAN).is_nan());
    }
}
