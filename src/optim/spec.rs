//! [`OptimizerSpec`]: a complete, serializable description of a built-in optimizer's
//! hyperparameters (not its state), from which [`from_spec`] rebuilds an equal optimizer.
//! Model files ([`crate::io`]) store it; the per-parameter state travels separately as
//! [`super::OptimizerState`].

use serde::{Deserialize, Serialize};

use super::{Adadelta, Adagrad, Adam, AdamW, Momentum, NAdam, Optimizer, RAdam, RmsProp, Sgd, WeightDecay};
use crate::error::{Error, Result};

/// The hyperparameters of a built-in optimizer, serialized with a `"kind"` tag equal to
/// [`Optimizer::name`] (`{"kind": "adam", "lr": 0.001, ...}`).
///
/// Values are the `f64`s the optimizer holds (the learning rate included), so a rebuilt
/// optimizer is bit-for-bit the same.
///
/// ```
/// use trustnn::optim::{from_spec, Adam, Optimizer, OptimizerSpec};
/// let spec = Adam::new(1e-3).amsgrad(true).spec()?;
/// let OptimizerSpec::Adam { lr, amsgrad, .. } = spec else { unreachable!() };
/// assert_eq!((lr, amsgrad), (0.001, true));
/// assert_eq!(from_spec(&spec)?.spec()?, spec);
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", deny_unknown_fields)]
#[non_exhaustive]
#[allow(missing_docs)]
pub enum OptimizerSpec {
    /// [`Sgd`].
    #[serde(rename = "sgd")]
    Sgd {
        lr: f64,
        momentum: Momentum,
        weight_decay: f64,
    },
    /// [`Adam`].
    #[serde(rename = "adam")]
    Adam {
        lr: f64,
        beta1: f64,
        beta2: f64,
        eps: f64,
        weight_decay: WeightDecay,
        amsgrad: bool,
    },
    /// [`AdamW`].
    #[serde(rename = "adamw")]
    AdamW {
        lr: f64,
        beta1: f64,
        beta2: f64,
        eps: f64,
        weight_decay: WeightDecay,
        amsgrad: bool,
    },
    /// [`NAdam`].
    #[serde(rename = "nadam")]
    NAdam {
        lr: f64,
        beta1: f64,
        beta2: f64,
        eps: f64,
        weight_decay: WeightDecay,
        momentum_decay: f64,
    },
    /// [`RAdam`].
    #[serde(rename = "radam")]
    RAdam {
        lr: f64,
        beta1: f64,
        beta2: f64,
        eps: f64,
        weight_decay: WeightDecay,
    },
    /// [`RmsProp`].
    #[serde(rename = "rmsprop")]
    RmsProp {
        lr: f64,
        alpha: f64,
        eps: f64,
        weight_decay: f64,
        momentum: f64,
        centered: bool,
    },
    /// [`Adagrad`].
    #[serde(rename = "adagrad")]
    Adagrad {
        lr: f64,
        lr_decay: f64,
        weight_decay: f64,
        initial_accumulator_value: f64,
        eps: f64,
    },
    /// [`Adadelta`].
    #[serde(rename = "adadelta")]
    Adadelta {
        lr: f64,
        rho: f64,
        eps: f64,
        weight_decay: f64,
    },
}

impl OptimizerSpec {
    /// The optimizer's name ([`Optimizer::name`]).
    pub fn name(&self) -> &'static str {
        match self {
            OptimizerSpec::Sgd { .. } => "sgd",
            OptimizerSpec::Adam { .. } => "adam",
            OptimizerSpec::AdamW { .. } => "adamw",
            OptimizerSpec::NAdam { .. } => "nadam",
            OptimizerSpec::RAdam { .. } => "radam",
            OptimizerSpec::RmsProp { .. } => "rmsprop",
            OptimizerSpec::Adagrad { .. } => "adagrad",
            OptimizerSpec::Adadelta { .. } => "adadelta",
        }
    }
}

/// The optimizer `spec` describes, with empty state, validated
/// ([`Error::InvalidConfig`] for out-of-range hyperparameters): the inverse of
/// [`Optimizer::spec`].
pub fn from_spec(spec: &OptimizerSpec) -> Result<Box<dyn Optimizer>> {
    let opt: Box<dyn Optimizer> = match *spec {
        OptimizerSpec::Sgd { .. } => Box::new(Sgd::from_spec(spec)),
        OptimizerSpec::Adam { .. } => Box::new(Adam::from_spec(spec)),
        OptimizerSpec::AdamW { .. } => Box::new(AdamW::from_spec(spec)),
        OptimizerSpec::NAdam { .. } => Box::new(NAdam::from_spec(spec)),
        OptimizerSpec::RAdam { .. } => Box::new(RAdam::from_spec(spec)),
        OptimizerSpec::RmsProp { .. } => Box::new(RmsProp::from_spec(spec)),
        OptimizerSpec::Adagrad { .. } => Box::new(Adagrad::from_spec(spec)),
        OptimizerSpec::Adadelta { .. } => Box::new(Adadelta::from_spec(spec)),
    };
    opt.validate()?;
    Ok(opt)
}

/// The error [`Optimizer::spec`] returns by default: a custom optimizer cannot be saved.
pub(crate) fn no_spec(name: &str) -> Error {
    Error::Format {
        context: format!("optimizer {name:?}"),
        reason: "it does not describe itself (Optimizer::spec is not implemented), so it cannot be \
                 saved in a model file"
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Box<dyn Optimizer>> {
        vec![
            Box::new(Sgd::new(0.1)),
            Box::new(Sgd::new(0.1).momentum(0.9).weight_decay(1e-4)),
            Box::new(Sgd::new(0.1).nesterov(0.8)),
            Box::new(Sgd::new(0.1).with_momentum(Momentum::Classic {
                momentum: 0.9,
                dampening: 0.1,
            })),
            Box::new(
                Adam::new(3e-4)
                    .betas(0.8, 0.99)
                    .eps(1e-7)
                    .weight_decay(0.01)
                    .amsgrad(true),
            ),
            Box::new(Adam::new(3e-4).decoupled_weight_decay(0.02)),
            Box::new(AdamW::new(1e-3).amsgrad(true)),
            Box::new(NAdam::new(2e-3).momentum_decay(5e-3).decoupled_weight_decay(0.1)),
            Box::new(RAdam::new(1e-3).weight_decay(0.1)),
            Box::new(
                RmsProp::new(1e-2)
                    .alpha(0.9)
                    .momentum(0.5)
                    .centered(true)
                    .weight_decay(0.1),
            ),
            Box::new(
                Adagrad::new(1e-2)
                    .lr_decay(0.01)
                    .initial_accumulator_value(0.1)
                    .eps(1e-9),
            ),
            Box::new(Adadelta::new(1.0).rho(0.95).eps(1e-5).weight_decay(0.1)),
        ]
    }

    #[test]
    fn every_builtin_optimizer_round_trips_through_its_spec_and_json() {
        for opt in all() {
            let spec = opt.spec().unwrap();
            assert_eq!(spec.name(), opt.name());
            let json = serde_json::to_string(&spec).unwrap();
            let back: OptimizerSpec = serde_json::from_str(&json).unwrap();
            assert_eq!(back, spec, "{json}");
            let rebuilt = from_spec(&back).unwrap();
            assert_eq!(rebuilt.name(), opt.name());
            assert_eq!(rebuilt.spec().unwrap(), spec);
            assert_eq!(format!("{rebuilt:?}"), format!("{opt:?}"));
        }
    }

    #[test]
    fn an_invalid_spec_is_rejected() {
        let spec = OptimizerSpec::Adam {
            lr: 1e-3,
            beta1: 1.5,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: WeightDecay::None,
            amsgrad: false,
        };
        assert!(matches!(from_spec(&spec), Err(Error::InvalidConfig { .. })));
        assert!(serde_json::from_str::<OptimizerSpec>(r#"{"kind":"adamax","lr":0.1}"#).is_err());
    }
}
