//! The [`Optimizer`] trait and the built-in optimizers, with `torch.optim`'s exact update rules.
//!
//! An optimizer is a per-parameter step: given a parameter's name, its values and its
//! gradient, it updates the values in place and keeps whatever state the rule needs
//! (momentum buffers, running averages, step counts) in an [`OptimizerState`] keyed by the
//! parameter's name. It never walks the model; [`crate::Sequential`] pairs parameters with
//! their state. State is plain data, so it can be saved and restored with a model.
//!
//! Every optimizer documents its update rule, including where `eps` sits and how weight
//! decay enters, and matches PyTorch's default hyperparameters.

use std::collections::BTreeMap;
use std::fmt;

use crate::error::Result;

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
        self.buffers.iter().find(|(n, _)| *n == name).map(|(_, b)| b.as_slice())
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
    pub fn get_or_init(&mut self, name: &str, len: usize, init: impl FnOnce(usize) -> ParamState) -> &mut ParamState {
        if !self.params.contains_key(name) {
            self.params.insert(name.to_string(), init(len));
        }
        self.params.get_mut(name).expect("inserted above")
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
}
