//! Learning-rate schedules, with the closed forms of `torch.optim.lr_scheduler`.
//!
//! A schedule maps an epoch index (0-based) and the base learning rate to the learning rate of
//! that epoch; epoch 0 uses the base rate (as a PyTorch scheduler right after construction),
//! and [`crate::model::LrScheduler`] applies it at the start of every epoch (PyTorch's
//! `scheduler.step()` once per epoch). Schedules compose: [`SequentialLr`] switches between
//! schedules at milestones (warm-up, then cosine annealing), [`ChainedLr`] multiplies their
//! factors.

use std::fmt;

use crate::error::{Error, Result};

/// A learning rate as a function of the epoch.
pub trait LrSchedule: Send + Sync + fmt::Debug {
    /// The learning rate of `epoch` (0-based) for base rate `base_lr`.
    fn lr_at(&self, epoch: usize, base_lr: f32) -> f32;
    /// Checks the parameters.
    fn validate(&self) -> Result<()> {
        Ok(())
    }
}

/// `StepLR`: `base · γ^⌊epoch / step_size⌋`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepLr {
    /// Epochs between decays (≥ 1).
    pub step_size: usize,
    /// Multiplicative factor (PyTorch's default 0.1).
    pub gamma: f32,
}

impl LrSchedule for StepLr {
    fn lr_at(&self, epoch: usize, base_lr: f32) -> f32 {
        (base_lr as f64 * (self.gamma as f64).powi((epoch / self.step_size.max(1)) as i32)) as f32
    }
    fn validate(&self) -> Result<()> {
        if self.step_size == 0 {
            return Err(Error::config("StepLr.step_size", 0, "must be at least 1"));
        }
        check_gamma("StepLr.gamma", self.gamma)
    }
}

/// `ExponentialLR`: `base · γ^epoch`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExponentialLr {
    /// Multiplicative factor per epoch.
    pub gamma: f32,
}

impl LrSchedule for ExponentialLr {
    fn lr_at(&self, epoch: usize, base_lr: f32) -> f32 {
        (base_lr as f64 * (self.gamma as f64).powi(epoch as i32)) as f32
    }
    fn validate(&self) -> Result<()> {
        check_gamma("ExponentialLr.gamma", self.gamma)
    }
}

/// `CosineAnnealingLR` (closed form, SGDR without restarts):
/// `η_min + (base − η_min)·(1 + cos(π·epoch / T_max)) / 2`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CosineAnnealingLr {
    /// Half-period in epochs (≥ 1).
    pub t_max: usize,
    /// Minimum learning rate (default 0).
    pub eta_min: f32,
}

impl LrSchedule for CosineAnnealingLr {
    fn lr_at(&self, epoch: usize, base_lr: f32) -> f32 {
        let t = epoch as f64 / self.t_max.max(1) as f64;
        let min = self.eta_min as f64;
        (min + (base_lr as f64 - min) * (1.0 + (std::f64::consts::PI * t).cos()) / 2.0) as f32
    }
    fn validate(&self) -> Result<()> {
        if self.t_max == 0 {
            return Err(Error::config("CosineAnnealingLr.t_max", 0, "must be at least 1"));
        }
        if !(self.eta_min.is_finite() && self.eta_min >= 0.0) {
            return Err(Error::config(
                "CosineAnnealingLr.eta_min",
                self.eta_min,
                "must be finite and >= 0",
            ));
        }
        Ok(())
    }
}

/// `LinearLR`: the factor goes linearly from `start_factor` to `end_factor` over
/// `total_epochs`, then stays: `base · (s + (e − s)·min(epoch, T)/T)`. With `end_factor = 1`
/// it is a linear warm-up.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinearLr {
    /// Factor at epoch 0 (PyTorch's default 1/3), in `(0, 1]`.
    pub start_factor: f32,
    /// Factor from `total_epochs` on (default 1), in `[0, 1]`.
    pub end_factor: f32,
    /// Length of the ramp in epochs (default 5).
    pub total_epochs: usize,
}

impl LinearLr {
    /// A linear warm-up from `start_factor · base` to `base` over `epochs` epochs.
    pub fn warmup(start_factor: f32, epochs: usize) -> Self {
        LinearLr {
            start_factor,
            end_factor: 1.0,
            total_epochs: epochs,
        }
    }
}

impl LrSchedule for LinearLr {
    fn lr_at(&self, epoch: usize, base_lr: f32) -> f32 {
        let t = epoch.min(self.total_epochs) as f64 / self.total_epochs.max(1) as f64;
        let (s, e) = (self.start_factor as f64, self.end_factor as f64);
        (base_lr as f64 * (s + (e - s) * t)) as f32
    }
    fn validate(&self) -> Result<()> {
        if !(self.start_factor > 0.0 && self.start_factor <= 1.0) {
            return Err(Error::config(
                "LinearLr.start_factor",
                self.start_factor,
                "must be in (0, 1]",
            ));
        }
        if !(0.0..=1.0).contains(&self.end_factor) {
            return Err(Error::config(
                "LinearLr.end_factor",
                self.end_factor,
                "must be in [0, 1]",
            ));
        }
        if self.total_epochs == 0 {
            return Err(Error::config("LinearLr.total_epochs", 0, "must be at least 1"));
        }
        Ok(())
    }
}

/// `SequentialLR`: schedule `i` runs from milestone `i − 1` (or epoch 0) on, counting its
/// epochs from there.
///
/// ```
/// use trustnn::optim::schedule::{CosineAnnealingLr, LinearLr, LrSchedule, SequentialLr};
/// // 5 epochs of warm-up from 0.1·base, then cosine annealing over 20 epochs.
/// let s = SequentialLr::new(Box::new(LinearLr::warmup(0.1, 5)))
///     .then(5, Box::new(CosineAnnealingLr { t_max: 20, eta_min: 0.0 }));
/// assert!((s.lr_at(0, 1.0) - 0.1).abs() < 1e-6);
/// assert!((s.lr_at(5, 1.0) - 1.0).abs() < 1e-6);
/// assert!((s.lr_at(25, 1.0) - 0.0).abs() < 1e-6);
/// ```
#[derive(Debug)]
pub struct SequentialLr {
    schedules: Vec<Box<dyn LrSchedule>>,
    milestones: Vec<usize>,
}

impl SequentialLr {
    /// Starts with `first`.
    pub fn new(first: Box<dyn LrSchedule>) -> Self {
        SequentialLr {
            schedules: vec![first],
            milestones: Vec::new(),
        }
    }

    /// Switches to `next` at epoch `milestone` (milestones must increase).
    pub fn then(mut self, milestone: usize, next: Box<dyn LrSchedule>) -> Self {
        self.milestones.push(milestone);
        self.schedules.push(next);
        self
    }
}

impl LrSchedule for SequentialLr {
    fn lr_at(&self, epoch: usize, base_lr: f32) -> f32 {
        let idx = self.milestones.iter().take_while(|&&m| m <= epoch).count();
        let offset = if idx == 0 { 0 } else { self.milestones[idx - 1] };
        self.schedules[idx].lr_at(epoch - offset, base_lr)
    }
    fn validate(&self) -> Result<()> {
        if self.milestones.windows(2).any(|w| w[0] >= w[1]) {
            return Err(Error::config(
                "SequentialLr.milestones",
                format!("{:?}", self.milestones),
                "must be strictly increasing",
            ));
        }
        self.schedules.iter().try_for_each(|s| s.validate())
    }
}

/// `ChainedScheduler`: the product of the schedules' factors, `base · Π (sᵢ(epoch)/base)`.
#[derive(Debug)]
pub struct ChainedLr {
    schedules: Vec<Box<dyn LrSchedule>>,
}

impl ChainedLr {
    /// The product of `schedules`.
    pub fn new(schedules: Vec<Box<dyn LrSchedule>>) -> Self {
        ChainedLr { schedules }
    }
}

impl LrSchedule for ChainedLr {
    fn lr_at(&self, epoch: usize, base_lr: f32) -> f32 {
        let f: f64 = self
            .schedules
            .iter()
            .map(|s| s.lr_at(epoch, 1.0) as f64)
            .product();
        (base_lr as f64 * f) as f32
    }
    fn validate(&self) -> Result<()> {
        self.schedules.iter().try_for_each(|s| s.validate())
    }
}

fn check_gamma(param: &str, gamma: f32) -> Result<()> {
    if gamma.is_finite() && gamma > 0.0 {
        Ok(())
    } else {
        Err(Error::config(param, gamma, "must be finite and > 0"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f32, b: f64) -> bool {
        (a as f64 - b).abs() <= 1e-6 * b.abs().max(1e-3)
    }

    #[test]
    fn step_lr_decays_every_step_size_epochs() {
        let s = StepLr {
            step_size: 3,
            gamma: 0.5,
        };
        let got: Vec<f32> = (0..7).map(|e| s.lr_at(e, 0.1)).collect();
        let want = [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025];
        assert!(got.iter().zip(want).all(|(&a, b)| close(a, b)), "{got:?}");
    }

    #[test]
    fn exponential_lr_multiplies_each_epoch() {
        let s = ExponentialLr { gamma: 0.9 };
        assert!(close(s.lr_at(3, 2.0), 2.0 * 0.729));
    }

    #[test]
    fn cosine_annealing_follows_the_closed_form() {
        let s = CosineAnnealingLr {
            t_max: 10,
            eta_min: 0.01,
        };
        assert!(close(s.lr_at(0, 0.1), 0.1));
        assert!(close(s.lr_at(5, 0.1), 0.01 + 0.09 * 0.5));
        assert!(close(s.lr_at(10, 0.1), 0.01));
        // A quarter period: (1 + cos(π/4))/2.
        let q = (1.0 + (std::f64::consts::PI / 4.0).cos()) / 2.0;
        assert!(close(
            CosineAnnealingLr {
                t_max: 4,
                eta_min: 0.0
            }
            .lr_at(1, 1.0),
            q
        ));
    }

    #[test]
    fn linear_warmup_ramps_then_holds() {
        let s = LinearLr::warmup(0.25, 3);
        let got: Vec<f32> = (0..5).map(|e| s.lr_at(e, 0.4)).collect();
        let want = [0.1, 0.2, 0.3, 0.4, 0.4];
        assert!(got.iter().zip(want).all(|(&a, b)| close(a, b)), "{got:?}");
    }

    #[test]
    fn sequential_switches_at_milestones_and_restarts_the_epoch_count() {
        let s = SequentialLr::new(Box::new(LinearLr::warmup(0.5, 2))).then(
            2,
            Box::new(StepLr {
                step_size: 1,
                gamma: 0.1,
            }),
        );
        let got: Vec<f32> = (0..5).map(|e| s.lr_at(e, 1.0)).collect();
        let want = [0.5, 0.75, 1.0, 0.1, 0.01];
        assert!(got.iter().zip(want).all(|(&a, b)| close(a, b)), "{got:?}");
    }

    #[test]
    fn chained_multiplies_factors() {
        let s = ChainedLr::new(vec![
            Box::new(ExponentialLr { gamma: 0.5 }),
            Box::new(LinearLr::warmup(0.5, 2)),
        ]);
        assert!(close(s.lr_at(1, 1.0), 0.5 * 0.75));
    }

    #[test]
    fn bad_parameters_are_errors() {
        assert!(
            StepLr {
                step_size: 0,
                gamma: 0.1
            }
            .validate()
            .is_err()
        );
        assert!(ExponentialLr { gamma: f32::NAN }.validate().is_err());
        assert!(
            CosineAnnealingLr {
                t_max: 0,
                eta_min: 0.0
            }
            .validate()
            .is_err()
        );
        assert!(LinearLr::warmup(0.0, 3).validate().is_err());
        let bad = SequentialLr::new(Box::new(ExponentialLr { gamma: 1.0 }))
            .then(5, Box::new(ExponentialLr { gamma: 1.0 }))
            .then(3, Box::new(ExponentialLr { gamma: 1.0 }));
        assert!(bad.validate().is_err());
    }
}
