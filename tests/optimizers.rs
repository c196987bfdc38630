//! The optimizers against their documented update rules (PyTorch's `torch.optim` algorithms),
//! recomputed here independently in `f64` with plain loops, plus state bookkeeping,
//! hyperparameter validation, `by_name` and convergence on a quadratic.
//!
//! Tolerances: parameters are compared after every step at relative tolerance
//! `PARAM_RTOL = 1e-6` (the parameters stay well away from zero, so relative error is
//! meaningful; `f32` rounding over a few steps is ~1e-7); state buffers at `STATE_RTOL = 1e-5`
//! plus `STATE_ATOL = 1e-7` for averages that cancel to near zero (the gradients are of
//! order 1, whose `f32` rounding is ~1e-7).

use trustnn::Error;
use trustnn::optim::{
    Adadelta, Adagrad, Adam, AdamW, Momentum, NAdam, OPTIMIZER_NAMES, Optimizer, OptimizerState, RAdam,
    RmsProp, Sgd, by_name,
};

const PARAM_RTOL: f64 = 1e-6;
const STATE_RTOL: f64 = 1e-5;
const STATE_ATOL: f64 = 1e-7;

/// Initial parameters: well away from zero, so that relative errors stay meaningful.
const P0: [f32; 5] = [3.0, -2.5, 4.0, -3.5, 2.0];

/// A sequence of different gradients, varied in sign and size (exact f32 values).
fn grads(steps: usize) -> Vec<Vec<f32>> {
    (0..steps)
        .map(|k| {
            (0..P0.len())
                .map(|i| (2.0 * ((i as f64 + 1.0) * 0.7 + k as f64 * 1.3).sin()) as f32)
                .collect()
        })
        .collect()
}

/// Gradients that are large at first and then shrink, so that `v` decreases (AMSGrad).
fn shrinking_grads(steps: usize) -> Vec<Vec<f32>> {
    grads(steps)
        .into_iter()
        .enumerate()
        .map(|(k, g)| {
            g.into_iter()
                .map(|v| v * 4.0 / (1.0 + k as f32).powi(2))
                .collect()
        })
        .collect()
}

fn wide(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| x as f64).collect()
}

fn wide_all(gs: &[Vec<f32>]) -> Vec<Vec<f64>> {
    gs.iter().map(|g| wide(g)).collect()
}

fn assert_close(actual: &[f32], expected: &[f64], rtol: f64, atol: f64, what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: length");
    for (i, (&a, &e)) in actual.iter().zip(expected).enumerate() {
        let err = (a as f64 - e).abs();
        assert!(
            err <= rtol * e.abs() + atol,
            "{what}[{i}]: got {a}, expected {e} (|diff| = {err:.3e}, rtol {rtol:e})"
        );
    }
}

/// Runs `opt` on `P0` with `gs` and checks the parameters against `expected` (one row per
/// step). Returns the optimizer for state checks.
fn check_trajectory<O: Optimizer>(mut opt: O, gs: &[Vec<f32>], expected: &[Vec<f64>], what: &str) -> O {
    opt.validate().unwrap();
    assert_eq!(gs.len(), expected.len());
    let mut p = P0.to_vec();
    for (t, (g, e)) in gs.iter().zip(expected).enumerate() {
        opt.update("w", &mut p, g);
        assert_close(&p, e, PARAM_RTOL, 0.0, &format!("{what}, step {}", t + 1));
    }
    opt
}

fn assert_state(opt: &dyn Optimizer, buffer: &str, expected: &[f64]) {
    let state = &opt.state().params["w"];
    let actual = state
        .buffer(buffer)
        .unwrap_or_else(|| panic!("{}: no buffer {buffer:?}", opt.name()));
    assert_close(
        actual,
        expected,
        STATE_RTOL,
        STATE_ATOL,
        &format!("{} {buffer}", opt.name()),
    );
}

fn max_abs_diff(a: &[Vec<f64>], b: &[Vec<f64>]) -> f64 {
    a.iter()
        .flatten()
        .zip(b.iter().flatten())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

// ---------------------------------------------------------------------------------------
// Reference rules in f64, written from the documented algorithms.
// ---------------------------------------------------------------------------------------

/// SGD: g += wd·p; b = g (first step) or μ·b + (1 − τ)·g; g = g + μ·b (Nesterov) or b;
/// p −= lr·g. Returns the trajectory and the final momentum buffer.
fn ref_sgd(
    gs: &[Vec<f64>],
    lr: f64,
    mu: f64,
    damp: f64,
    nesterov: bool,
    wd: f64,
) -> (Vec<Vec<f64>>, Vec<f64>) {
    let mut p = wide(&P0);
    let mut b = vec![0.0; p.len()];
    let mut traj = Vec::new();
    for (t, g) in gs.iter().enumerate() {
        for i in 0..p.len() {
            let mut d = g[i] + wd * p[i];
            if mu != 0.0 {
                b[i] = if t == 0 { d } else { mu * b[i] + (1.0 - damp) * d };
                d = if nesterov { d + mu * b[i] } else { b[i] };
            }
            p[i] -= lr * d;
        }
        traj.push(p.clone());
    }
    (traj, b)
}

/// Adagrad: g += wd·p; clr = lr/(1 + (t − 1)·η); sum += g²; p −= clr·g/(√sum + eps).
fn ref_adagrad(
    gs: &[Vec<f64>],
    lr: f64,
    lr_decay: f64,
    wd: f64,
    init: f64,
    eps: f64,
) -> (Vec<Vec<f64>>, Vec<f64>) {
    let mut p = wide(&P0);
    let mut sum = vec![init; p.len()];
    let mut traj = Vec::new();
    for (k, g) in gs.iter().enumerate() {
        let t = (k + 1) as f64;
        let clr = lr / (1.0 + (t - 1.0) * lr_decay);
        for i in 0..p.len() {
            let d = g[i] + wd * p[i];
            sum[i] += d * d;
            p[i] -= clr * d / (sum[i].sqrt() + eps);
        }
        traj.push(p.clone());
    }
    (traj, sum)
}

/// RMSprop: v = α·v + (1 − α)·g²; centered: ḡ = α·ḡ + (1 − α)·g, avg = √(v − ḡ²) + eps,
/// else avg = √v + eps; momentum: b = μ·b + g/avg, p −= lr·b; else p −= lr·g/avg.
#[allow(clippy::too_many_arguments)]
fn ref_rmsprop(
    gs: &[Vec<f64>],
    lr: f64,
    alpha: f64,
    eps: f64,
    wd: f64,
    mu: f64,
    centered: bool,
) -> (Vec<Vec<f64>>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let n = P0.len();
    let mut p = wide(&P0);
    let (mut v, mut ga, mut b) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let mut traj = Vec::new();
    for g in gs {
        for i in 0..n {
            let d = g[i] + wd * p[i];
            v[i] = alpha * v[i] + (1.0 - alpha) * d * d;
            let avg = if centered {
                ga[i] = alpha * ga[i] + (1.0 - alpha) * d;
                (v[i] - ga[i] * ga[i]).sqrt() + eps
            } else {
                v[i].sqrt() + eps
            };
            if mu > 0.0 {
                b[i] = mu * b[i] + d / avg;
                p[i] -= lr * b[i];
            } else {
                p[i] -= lr * d / avg;
            }
        }
        traj.push(p.clone());
    }
    (traj, v, ga, b)
}

/// How the reference Adam family applies weight decay.
#[derive(Clone, Copy)]
enum Wd {
    L2(f64),
    Decoupled(f64),
}

/// Adam/AdamW: decay; m = β₁m + (1 − β₁)g; v = β₂v + (1 − β₂)g²; m̂ = m/(1 − β₁ᵗ);
/// amsgrad: vmax = max(vmax, v), v̂ = vmax/(1 − β₂ᵗ), else v̂ = v/(1 − β₂ᵗ);
/// p −= lr·m̂/(√v̂ + eps).
#[allow(clippy::too_many_arguments)]
fn ref_adam(
    gs: &[Vec<f64>],
    lr: f64,
    b1: f64,
    b2: f64,
    eps: f64,
    wd: Wd,
    amsgrad: bool,
) -> (Vec<Vec<f64>>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let n = P0.len();
    let mut p = wide(&P0);
    let (mut m, mut v, mut vmax) = (vec![0.0_f64; n], vec![0.0_f64; n], vec![0.0_f64; n]);
    let mut traj = Vec::new();
    for (k, g) in gs.iter().enumerate() {
        let t = (k + 1) as f64;
        for i in 0..n {
            let mut d = g[i];
            match wd {
                Wd::L2(wd) => d += wd * p[i],
                Wd::Decoupled(wd) => p[i] *= 1.0 - lr * wd,
            }
            m[i] = b1 * m[i] + (1.0 - b1) * d;
            v[i] = b2 * v[i] + (1.0 - b2) * d * d;
            let m_hat = m[i] / (1.0 - b1.powf(t));
            let v_hat = if amsgrad {
                vmax[i] = vmax[i].max(v[i]);
                vmax[i] / (1.0 - b2.powf(t))
            } else {
                v[i] / (1.0 - b2.powf(t))
            };
            p[i] -= lr * m_hat / (v_hat.sqrt() + eps);
        }
        traj.push(p.clone());
    }
    (traj, m, v, vmax)
}

/// NAdam: decay; μ_t = β₁(1 − ½·0.96^(tψ)); μ_{t+1} likewise; Π_t = Π_{t−1}·μ_t;
/// m, v as Adam; m̂ = μ_{t+1}·m/(1 − Π_t·μ_{t+1}) + (1 − μ_t)·g/(1 − Π_t);
/// v̂ = v/(1 − β₂ᵗ); p −= lr·m̂/(√v̂ + eps).
#[allow(clippy::too_many_arguments)]
fn ref_nadam(gs: &[Vec<f64>], lr: f64, b1: f64, b2: f64, eps: f64, wd: Wd, psi: f64) -> (Vec<Vec<f64>>, f64) {
    let n = P0.len();
    let mut p = wide(&P0);
    let (mut m, mut v) = (vec![0.0; n], vec![0.0; n]);
    let mut prod = 1.0;
    let mut traj = Vec::new();
    for (k, g) in gs.iter().enumerate() {
        let t = (k + 1) as f64;
        let mu_t = b1 * (1.0 - 0.5 * 0.96_f64.powf(t * psi));
        let mu_next = b1 * (1.0 - 0.5 * 0.96_f64.powf((t + 1.0) * psi));
        prod *= mu_t;
        for i in 0..n {
            let mut d = g[i];
            match wd {
                Wd::L2(wd) => d += wd * p[i],
                Wd::Decoupled(wd) => p[i] *= 1.0 - lr * wd,
            }
            m[i] = b1 * m[i] + (1.0 - b1) * d;
            v[i] = b2 * v[i] + (1.0 - b2) * d * d;
            let m_hat = mu_next * m[i] / (1.0 - prod * mu_next) + (1.0 - mu_t) * d / (1.0 - prod);
            let v_hat = v[i] / (1.0 - b2.powf(t));
            p[i] -= lr * m_hat / (v_hat.sqrt() + eps);
        }
        traj.push(p.clone());
    }
    (traj, prod)
}

/// RAdam: decay; m, v as Adam; m̂ = m/(1 − β₁ᵗ); ρ_∞ = 2/(1 − β₂) − 1;
/// ρ_t = ρ_∞ − 2tβ₂ᵗ/(1 − β₂ᵗ); if ρ_t > 5: l = √(1 − β₂ᵗ)/(√v + eps),
/// r = √((ρ_t − 4)(ρ_t − 2)ρ_∞/((ρ_∞ − 4)(ρ_∞ − 2)ρ_t)), p −= lr·m̂·l·r; else p −= lr·m̂.
/// Also returns ρ_t per step.
fn ref_radam(gs: &[Vec<f64>], lr: f64, b1: f64, b2: f64, eps: f64, wd: Wd) -> (Vec<Vec<f64>>, Vec<f64>) {
    let n = P0.len();
    let mut p = wide(&P0);
    let (mut m, mut v) = (vec![0.0; n], vec![0.0; n]);
    let mut traj = Vec::new();
    let mut rhos = Vec::new();
    let rho_inf = 2.0 / (1.0 - b2) - 1.0;
    for (k, g) in gs.iter().enumerate() {
        let t = (k + 1) as f64;
        let rho_t = rho_inf - 2.0 * t * b2.powf(t) / (1.0 - b2.powf(t));
        rhos.push(rho_t);
        for i in 0..n {
            let mut d = g[i];
            match wd {
                Wd::L2(wd) => d += wd * p[i],
                Wd::Decoupled(wd) => p[i] *= 1.0 - lr * wd,
            }
            m[i] = b1 * m[i] + (1.0 - b1) * d;
            v[i] = b2 * v[i] + (1.0 - b2) * d * d;
            let m_hat = m[i] / (1.0 - b1.powf(t));
            if rho_t > 5.0 {
                let l = (1.0 - b2.powf(t)).sqrt() / (v[i].sqrt() + eps);
                let r = ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf
                    / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
                    .sqrt();
                p[i] -= lr * m_hat * l * r;
            } else {
                p[i] -= lr * m_hat;
            }
        }
        traj.push(p.clone());
    }
    (traj, rhos)
}

/// Adadelta: g += wd·p; v = ρv + (1 − ρ)g²; Δ = √(u + eps)/√(v + eps)·g; u = ρu + (1 − ρ)Δ²;
/// p −= lr·Δ.
fn ref_adadelta(
    gs: &[Vec<f64>],
    lr: f64,
    rho: f64,
    eps: f64,
    wd: f64,
) -> (Vec<Vec<f64>>, Vec<f64>, Vec<f64>) {
    let n = P0.len();
    let mut p = wide(&P0);
    let (mut v, mut u) = (vec![0.0; n], vec![0.0; n]);
    let mut traj = Vec::new();
    for g in gs {
        for i in 0..n {
            let d = g[i] + wd * p[i];
            v[i] = rho * v[i] + (1.0 - rho) * d * d;
            let delta = (u[i] + eps).sqrt() / (v[i] + eps).sqrt() * d;
            u[i] = rho * u[i] + (1.0 - rho) * delta * delta;
            p[i] -= lr * delta;
        }
        traj.push(p.clone());
    }
    (traj, v, u)
}

// ---------------------------------------------------------------------------------------
// Update rules.
// ---------------------------------------------------------------------------------------

#[test]
fn sgd_plain_follows_the_gradient() {
    let gs = grads(4);
    let (expected, _) = ref_sgd(&wide_all(&gs), 0.05, 0.0, 0.0, false, 0.0);
    let opt = check_trajectory(Sgd::new(0.05), &gs, &expected, "sgd");
    assert!(opt.state().params["w"].buffer("momentum_buffer").is_none());
}

#[test]
fn sgd_momentum_buffer_starts_at_the_gradient_and_dampening_applies_afterwards() {
    let gs = grads(5);
    let (expected, buf) = ref_sgd(&wide_all(&gs), 0.05, 0.9, 0.3, false, 0.0);
    let opt = Sgd::new(0.05).with_momentum(Momentum::Classic {
        momentum: 0.9,
        dampening: 0.3,
    });
    let opt = check_trajectory(opt, &gs, &expected, "sgd momentum+dampening");
    assert_state(&opt, "momentum_buffer", &buf);
    // Had the buffer started at zero with dampening, the first step would be 0.7·lr·g.
    let mut first = P0.to_vec();
    let mut fresh = Sgd::new(0.05).with_momentum(Momentum::Classic {
        momentum: 0.9,
        dampening: 0.3,
    });
    fresh.update("w", &mut first, &gs[0]);
    assert_close(&first, &expected[0], PARAM_RTOL, 0.0, "first step");
}

#[test]
fn sgd_nesterov_looks_ahead_along_the_buffer() {
    let gs = grads(5);
    let (expected, buf) = ref_sgd(&wide_all(&gs), 0.03, 0.9, 0.0, true, 0.0);
    let opt = check_trajectory(Sgd::new(0.03).nesterov(0.9), &gs, &expected, "sgd nesterov");
    assert_state(&opt, "momentum_buffer", &buf);
}

#[test]
fn sgd_weight_decay_adds_lambda_times_parameter_to_the_gradient() {
    let gs = grads(4);
    let (expected, buf) = ref_sgd(&wide_all(&gs), 0.05, 0.5, 0.0, false, 0.1);
    let opt = check_trajectory(
        Sgd::new(0.05).momentum(0.5).weight_decay(0.1),
        &gs,
        &expected,
        "sgd momentum+weight decay",
    );
    assert_state(&opt, "momentum_buffer", &buf);
    let (plain, _) = ref_sgd(&wide_all(&gs), 0.05, 0.0, 0.0, false, 0.1);
    check_trajectory(Sgd::new(0.05).weight_decay(0.1), &gs, &plain, "sgd weight decay");
}

#[test]
fn adagrad_with_lr_decay_weight_decay_and_initial_accumulator_matches_formula() {
    let gs = grads(5);
    let (expected, sum) = ref_adagrad(&wide_all(&gs), 0.1, 0.05, 0.02, 0.1, 1e-10);
    let opt = Adagrad::new(0.1)
        .lr_decay(0.05)
        .weight_decay(0.02)
        .initial_accumulator_value(0.1);
    let opt = check_trajectory(opt, &gs, &expected, "adagrad");
    assert_state(&opt, "sum", &sum);
}

#[test]
fn adagrad_defaults_match_formula() {
    let gs = grads(3);
    let (expected, _) = ref_adagrad(&wide_all(&gs), 1e-2, 0.0, 0.0, 0.0, 1e-10);
    check_trajectory(Adagrad::default(), &gs, &expected, "adagrad default");
}

#[test]
fn rmsprop_plain_matches_formula() {
    let gs = grads(5);
    let (expected, v, _, _) = ref_rmsprop(&wide_all(&gs), 0.01, 0.99, 1e-8, 0.0, 0.0, false);
    let opt = check_trajectory(RmsProp::default(), &gs, &expected, "rmsprop");
    assert_state(&opt, "square_avg", &v);
    let state = &opt.state().params["w"];
    assert!(state.buffer("grad_avg").is_none() && state.buffer("momentum_buffer").is_none());
}

#[test]
fn rmsprop_centered_with_momentum_and_weight_decay_matches_formula() {
    let gs = grads(5);
    let (expected, v, ga, b) = ref_rmsprop(&wide_all(&gs), 0.01, 0.9, 1e-3, 0.05, 0.8, true);
    let opt = RmsProp::new(0.01)
        .alpha(0.9)
        .eps(1e-3)
        .weight_decay(0.05)
        .momentum(0.8)
        .centered(true);
    let opt = check_trajectory(opt, &gs, &expected, "rmsprop centered+momentum");
    assert_state(&opt, "square_avg", &v);
    assert_state(&opt, "grad_avg", &ga);
    assert_state(&opt, "momentum_buffer", &b);
}

#[test]
fn adam_plain_matches_formula() {
    let gs = grads(5);
    let (expected, m, v, _) = ref_adam(&wide_all(&gs), 0.01, 0.9, 0.999, 1e-8, Wd::L2(0.0), false);
    let opt = check_trajectory(Adam::new(0.01), &gs, &expected, "adam");
    assert_state(&opt, "exp_avg", &m);
    assert_state(&opt, "exp_avg_sq", &v);
    assert!(opt.state().params["w"].buffer("max_exp_avg_sq").is_none());
}

#[test]
fn adam_eps_is_added_after_the_bias_corrected_square_root() {
    // A large eps makes its placement visible: √v̂ + eps, not √(v̂ + eps) nor √v + eps.
    let gs: Vec<Vec<f32>> = grads(4)
        .into_iter()
        .map(|g| g.into_iter().map(|v| v * 0.1).collect())
        .collect();
    let (expected, _, _, _) = ref_adam(&wide_all(&gs), 0.01, 0.8, 0.99, 0.05, Wd::L2(0.0), false);
    check_trajectory(
        Adam::new(0.01).betas(0.8, 0.99).eps(0.05),
        &gs,
        &expected,
        "adam large eps",
    );
}

#[test]
fn adam_amsgrad_uses_the_running_maximum_of_the_second_moment() {
    let gs = shrinking_grads(6);
    let wgs = wide_all(&gs);
    let (expected, _, v, vmax) = ref_adam(&wgs, 0.01, 0.9, 0.9, 1e-8, Wd::L2(0.0), true);
    let (plain, _, _, _) = ref_adam(&wgs, 0.01, 0.9, 0.9, 1e-8, Wd::L2(0.0), false);
    assert!(
        max_abs_diff(&expected, &plain) > 1e-4,
        "the test must tell AMSGrad from Adam"
    );
    let opt = check_trajectory(
        Adam::new(0.01).betas(0.9, 0.9).amsgrad(true),
        &gs,
        &expected,
        "adam amsgrad",
    );
    assert_state(&opt, "exp_avg_sq", &v);
    assert_state(&opt, "max_exp_avg_sq", &vmax);
}

#[test]
fn adam_weight_decay_is_coupled_l2() {
    let gs = grads(5);
    let (expected, m, _, _) = ref_adam(&wide_all(&gs), 0.01, 0.9, 0.999, 1e-8, Wd::L2(0.1), false);
    let opt = check_trajectory(
        Adam::new(0.01).weight_decay(0.1),
        &gs,
        &expected,
        "adam weight decay",
    );
    assert_state(&opt, "exp_avg", &m);
}

#[test]
fn adamw_decays_weights_before_the_adam_step() {
    let gs = grads(5);
    let (expected, m, v, _) = ref_adam(&wide_all(&gs), 0.01, 0.9, 0.999, 1e-8, Wd::Decoupled(0.1), false);
    let opt = check_trajectory(AdamW::new(0.01).weight_decay(0.1), &gs, &expected, "adamw");
    assert_state(&opt, "exp_avg", &m);
    assert_state(&opt, "exp_avg_sq", &v);
}

#[test]
fn adamw_default_weight_decay_is_1e_2_and_supports_amsgrad() {
    let gs = shrinking_grads(5);
    let (expected, _, _, vmax) = ref_adam(&wide_all(&gs), 0.02, 0.9, 0.9, 1e-8, Wd::Decoupled(1e-2), true);
    let opt = check_trajectory(
        AdamW::new(0.02).betas(0.9, 0.9).amsgrad(true),
        &gs,
        &expected,
        "adamw amsgrad",
    );
    assert_state(&opt, "max_exp_avg_sq", &vmax);
}

#[test]
fn nadam_defaults_match_formula() {
    let gs = grads(6);
    let (expected, prod) = ref_nadam(&wide_all(&gs), 2e-3, 0.9, 0.999, 1e-8, Wd::L2(0.0), 4e-3);
    let opt = check_trajectory(NAdam::default(), &gs, &expected, "nadam");
    assert_state(&opt, "mu_product", &[prod]);
}

#[test]
fn nadam_with_l2_or_decoupled_weight_decay_matches_formula() {
    let gs = grads(5);
    let wgs = wide_all(&gs);
    let (expected, _) = ref_nadam(&wgs, 0.02, 0.8, 0.99, 1e-8, Wd::L2(0.05), 0.01);
    let opt = NAdam::new(0.02)
        .betas(0.8, 0.99)
        .weight_decay(0.05)
        .momentum_decay(0.01);
    check_trajectory(opt, &gs, &expected, "nadam l2");
    let (expected, _) = ref_nadam(&wgs, 0.02, 0.8, 0.99, 1e-8, Wd::Decoupled(0.05), 0.01);
    let opt = NAdam::new(0.02)
        .betas(0.8, 0.99)
        .decoupled_weight_decay(0.05)
        .momentum_decay(0.01);
    check_trajectory(opt, &gs, &expected, "nadam decoupled");
}

#[test]
fn radam_switches_from_unadapted_to_rectified_steps_when_rho_exceeds_5() {
    let gs = grads(8);
    let (expected, rhos) = ref_radam(&wide_all(&gs), 0.01, 0.9, 0.999, 1e-8, Wd::L2(0.0));
    assert!(
        rhos[4] <= 5.0 && rhos[5] > 5.0,
        "ρ_t must cross 5 between steps 5 and 6: {rhos:?}"
    );
    check_trajectory(RAdam::new(0.01), &gs, &expected, "radam");
}

#[test]
fn radam_with_weight_decay_matches_formula() {
    let gs = grads(8);
    let wgs = wide_all(&gs);
    let (expected, _) = ref_radam(&wgs, 0.01, 0.8, 0.99, 1e-3, Wd::L2(0.05));
    let opt = RAdam::new(0.01).betas(0.8, 0.99).eps(1e-3).weight_decay(0.05);
    check_trajectory(opt, &gs, &expected, "radam l2");
    let (expected, _) = ref_radam(&wgs, 0.01, 0.8, 0.99, 1e-3, Wd::Decoupled(0.05));
    let opt = RAdam::new(0.01)
        .betas(0.8, 0.99)
        .eps(1e-3)
        .decoupled_weight_decay(0.05);
    check_trajectory(opt, &gs, &expected, "radam decoupled");
}

#[test]
fn adadelta_defaults_match_formula() {
    let gs = grads(5);
    let (expected, v, u) = ref_adadelta(&wide_all(&gs), 1.0, 0.9, 1e-6, 0.0);
    let opt = check_trajectory(Adadelta::default(), &gs, &expected, "adadelta");
    assert_state(&opt, "square_avg", &v);
    assert_state(&opt, "acc_delta", &u);
}

#[test]
fn adadelta_with_rho_eps_and_weight_decay_matches_formula() {
    let gs = grads(5);
    let (expected, _, u) = ref_adadelta(&wide_all(&gs), 0.5, 0.7, 1e-3, 0.05);
    let opt = Adadelta::new(0.5).rho(0.7).eps(1e-3).weight_decay(0.05);
    let opt = check_trajectory(opt, &gs, &expected, "adadelta options");
    assert_state(&opt, "acc_delta", &u);
}

// ---------------------------------------------------------------------------------------
// State bookkeeping.
// ---------------------------------------------------------------------------------------

fn all_optimizers() -> Vec<Box<dyn Optimizer>> {
    vec![
        Box::new(Sgd::new(0.05).momentum(0.9)),
        Box::new(Adagrad::default()),
        Box::new(RmsProp::default().centered(true).momentum(0.5)),
        Box::new(Adam::default().amsgrad(true)),
        Box::new(AdamW::default()),
        Box::new(NAdam::default()),
        Box::new(RAdam::default()),
        Box::new(Adadelta::default()),
    ]
}

#[test]
fn state_is_kept_per_parameter_name() {
    let gs = grads(3);
    for mut opt in all_optimizers() {
        // "a" gets three updates, "b" one: b must equal a fresh optimizer's first step.
        let mut a = P0.to_vec();
        let mut b = P0.to_vec();
        opt.update("a", &mut a, &gs[0]);
        opt.update("a", &mut a, &gs[1]);
        opt.update("b", &mut b, &gs[2]);
        opt.update("a", &mut a, &gs[2]);
        let mut fresh = all_optimizers()
            .into_iter()
            .find(|o| o.name() == opt.name())
            .unwrap();
        let mut c = P0.to_vec();
        fresh.update("c", &mut c, &gs[2]);
        assert_eq!(b, c, "{}: parameter b saw a's state", opt.name());
        assert_eq!(opt.state().params["a"].step, 3, "{}", opt.name());
        assert_eq!(opt.state().params["b"].step, 1, "{}", opt.name());
        assert_eq!(opt.state().params.len(), 2, "{}", opt.name());
    }
}

#[test]
fn same_name_shares_state() {
    let gs = grads(2);
    for mut opt in all_optimizers() {
        // Two tensors updated under the same name behave as one parameter updated twice.
        let mut x = P0.to_vec();
        let mut y = P0.to_vec();
        opt.update("shared", &mut x, &gs[0]);
        opt.update("shared", &mut y, &gs[1]);
        let mut fresh = all_optimizers()
            .into_iter()
            .find(|o| o.name() == opt.name())
            .unwrap();
        let mut z = P0.to_vec();
        fresh.update("w", &mut z, &gs[0]);
        let mut z2 = P0.to_vec();
        fresh.update("w", &mut z2, &gs[1]);
        assert_eq!(y, z2, "{}", opt.name());
        assert_eq!(
            opt.state().params["shared"],
            fresh.state().params["w"],
            "{}",
            opt.name()
        );
    }
}

#[test]
fn step_count_increments_once_per_update() {
    let gs = grads(4);
    for mut opt in all_optimizers() {
        let mut p = P0.to_vec();
        for (k, g) in gs.iter().enumerate() {
            opt.update("w", &mut p, g);
            assert_eq!(opt.state().params["w"].step, k as u64 + 1, "{}", opt.name());
        }
    }
}

#[test]
fn buffers_carry_pytorch_names() {
    let expected: [(&str, &[&str]); 8] = [
        ("sgd", &["momentum_buffer"]),
        ("adagrad", &["sum"]),
        ("rmsprop", &["square_avg", "grad_avg", "momentum_buffer"]),
        ("adam", &["exp_avg", "exp_avg_sq", "max_exp_avg_sq"]),
        ("adamw", &["exp_avg", "exp_avg_sq"]),
        ("nadam", &["exp_avg", "exp_avg_sq", "mu_product"]),
        ("radam", &["exp_avg", "exp_avg_sq"]),
        ("adadelta", &["square_avg", "acc_delta"]),
    ];
    for (mut opt, (name, buffers)) in all_optimizers().into_iter().zip(expected) {
        assert_eq!(opt.name(), name);
        let mut p = P0.to_vec();
        opt.update("w", &mut p, &grads(1)[0]);
        let mut names: Vec<&str> = opt.state().params["w"].buffers.iter().map(|(n, _)| *n).collect();
        let mut want = buffers.to_vec();
        names.sort_unstable();
        want.sort_unstable();
        assert_eq!(names, want, "{name}");
    }
}

#[test]
fn buffers_are_not_reallocated_after_the_first_update() {
    let gs = grads(4);
    for mut opt in all_optimizers() {
        let mut p = P0.to_vec();
        opt.update("w", &mut p, &gs[0]);
        let ptrs: Vec<*const f32> = opt.state().params["w"]
            .buffers
            .iter()
            .map(|(_, b)| b.as_ptr())
            .collect();
        for g in &gs[1..] {
            opt.update("w", &mut p, g);
        }
        let after: Vec<*const f32> = opt.state().params["w"]
            .buffers
            .iter()
            .map(|(_, b)| b.as_ptr())
            .collect();
        assert_eq!(ptrs, after, "{}", opt.name());
    }
}

#[test]
fn restored_state_resumes_the_trajectory() {
    let gs = grads(6);
    for mut opt in all_optimizers() {
        let mut p = P0.to_vec();
        for g in &gs[..3] {
            opt.update("w", &mut p, g);
        }
        let saved: OptimizerState = opt.state().clone();
        let mut resumed_p = p.clone();
        for g in &gs[3..] {
            opt.update("w", &mut p, g);
        }
        let mut resumed = all_optimizers()
            .into_iter()
            .find(|o| o.name() == opt.name())
            .unwrap();
        resumed.set_state(saved);
        for g in &gs[3..] {
            resumed.update("w", &mut resumed_p, g);
        }
        assert_eq!(p, resumed_p, "{}", opt.name());
    }
}

#[test]
fn state_of_another_length_starts_afresh() {
    let gs = grads(2);
    for mut opt in all_optimizers() {
        let mut long = vec![1.0_f32; 7];
        opt.update("w", &mut long, &[0.5; 7]);
        let mut p = P0.to_vec();
        opt.update("w", &mut p, &gs[0]);
        let mut fresh = all_optimizers()
            .into_iter()
            .find(|o| o.name() == opt.name())
            .unwrap();
        let mut q = P0.to_vec();
        fresh.update("w", &mut q, &gs[0]);
        assert_eq!(p, q, "{}", opt.name());
        assert_eq!(opt.state().params["w"].step, 1, "{}", opt.name());
    }
}

#[test]
fn set_learning_rate_takes_effect_on_the_next_update() {
    let gs = grads(3);
    let wgs = wide_all(&gs);
    let mut opt = Sgd::new(0.1);
    let mut p = P0.to_vec();
    opt.update("w", &mut p, &gs[0]);
    opt.set_learning_rate(0.01).unwrap();
    assert_eq!(opt.learning_rate(), 0.01);
    opt.update("w", &mut p, &gs[1]);
    let expected: Vec<f64> = (0..P0.len())
        .map(|i| P0[i] as f64 - 0.1 * wgs[0][i] - 0.01 * wgs[1][i])
        .collect();
    assert_close(&p, &expected, PARAM_RTOL, 0.0, "sgd after lr change");

    // Adam: the new rate scales the second step, the moments are kept.
    let mut adam = Adam::new(0.01);
    let mut p = P0.to_vec();
    adam.update("w", &mut p, &gs[0]);
    let before = p.clone();
    adam.set_learning_rate(0.03).unwrap();
    adam.update("w", &mut p, &gs[1]);
    let (fast, _, _, _) = ref_adam(&wgs[..2], 0.03, 0.9, 0.999, 1e-8, Wd::L2(0.0), false);
    let (slow, _, _, _) = ref_adam(&wgs[..2], 0.01, 0.9, 0.999, 1e-8, Wd::L2(0.0), false);
    let expected: Vec<f64> = (0..P0.len())
        .map(|i| before[i] as f64 + (fast[1][i] - fast[0][i]))
        .collect();
    assert_close(&p, &expected, PARAM_RTOL, 0.0, "adam after lr change");
    assert!(max_abs_diff(&fast, &slow) > 1e-3);
}

// ---------------------------------------------------------------------------------------
// Validation.
// ---------------------------------------------------------------------------------------

fn assert_invalid(result: trustnn::Result<()>, param: &str) {
    match result {
        Err(Error::InvalidConfig { param: p, .. }) => assert_eq!(p, param),
        other => panic!("expected InvalidConfig for {param}, got {other:?}"),
    }
}

#[test]
fn negative_or_nan_learning_rate_is_invalid_config() {
    assert_invalid(Sgd::new(-0.1).validate(), "Sgd.lr");
    assert_invalid(Adam::new(f32::NAN).validate(), "Adam.lr");
    assert_invalid(AdamW::new(f32::INFINITY).validate(), "AdamW.lr");
    assert_invalid(Adagrad::new(-1.0).validate(), "Adagrad.lr");
    assert_invalid(RmsProp::new(f32::NAN).validate(), "RmsProp.lr");
    assert_invalid(NAdam::new(-2e-3).validate(), "NAdam.lr");
    assert_invalid(RAdam::new(f32::NAN).validate(), "RAdam.lr");
    assert_invalid(Adadelta::new(-1.0).validate(), "Adadelta.lr");
    assert!(matches!(by_name("adam", -1.0), Err(Error::InvalidConfig { .. })));
}

#[test]
fn set_learning_rate_rejects_negative_and_nan_and_keeps_the_old_rate() {
    for mut opt in all_optimizers() {
        let lr = opt.learning_rate();
        assert!(matches!(
            opt.set_learning_rate(-0.5),
            Err(Error::InvalidConfig { .. })
        ));
        assert!(matches!(
            opt.set_learning_rate(f32::NAN),
            Err(Error::InvalidConfig { .. })
        ));
        assert_eq!(opt.learning_rate(), lr, "{}", opt.name());
        opt.set_learning_rate(0.0).unwrap();
        assert_eq!(opt.learning_rate(), 0.0);
    }
}

#[test]
fn beta_of_one_is_invalid_config() {
    assert_invalid(Adam::new(1e-3).betas(1.0, 0.999).validate(), "Adam.beta1");
    assert_invalid(Adam::new(1e-3).betas(0.9, 1.0).validate(), "Adam.beta2");
    assert_invalid(AdamW::new(1e-3).betas(0.9, 1.0).validate(), "AdamW.beta2");
    assert_invalid(NAdam::new(1e-3).betas(1.0, 0.9).validate(), "NAdam.beta1");
    assert_invalid(RAdam::new(1e-3).betas(-0.1, 0.9).validate(), "RAdam.beta1");
    let msg = Adam::new(1e-3)
        .betas(1.2, 0.9)
        .validate()
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("Adam.beta1") && msg.contains("1.2") && msg.contains("[0, 1)"),
        "{msg}"
    );
}

#[test]
fn nesterov_without_momentum_or_with_dampening_is_invalid_config() {
    assert_invalid(Sgd::new(0.1).nesterov(0.0).validate(), "Sgd.momentum");
    assert!(matches!(
        Momentum::from_torch(0.0, 0.0, true),
        Err(Error::InvalidConfig { .. })
    ));
    assert!(matches!(
        Momentum::from_torch(0.9, 0.1, true),
        Err(Error::InvalidConfig { .. })
    ));
    assert_eq!(
        Momentum::from_torch(0.9, 0.0, true).unwrap(),
        Momentum::Nesterov { momentum: 0.9 }
    );
}

#[test]
fn other_bad_hyperparameters_are_invalid_config() {
    assert_invalid(Sgd::new(0.1).momentum(-0.5).validate(), "Sgd.momentum");
    assert_invalid(Sgd::new(0.1).weight_decay(-1.0).validate(), "Sgd.weight_decay");
    assert_invalid(Adam::new(0.1).eps(-1e-8).validate(), "Adam.eps");
    assert_invalid(
        Adam::new(0.1).weight_decay(f64::NAN).validate(),
        "Adam.weight_decay",
    );
    assert_invalid(Adagrad::new(0.1).lr_decay(-0.1).validate(), "Adagrad.lr_decay");
    assert_invalid(
        Adagrad::new(0.1).initial_accumulator_value(-1.0).validate(),
        "Adagrad.initial_accumulator_value",
    );
    assert_invalid(RmsProp::new(0.1).alpha(1.5).validate(), "RmsProp.alpha");
    assert_invalid(RmsProp::new(0.1).momentum(-0.1).validate(), "RmsProp.momentum");
    assert_invalid(
        NAdam::new(0.1).momentum_decay(-1.0).validate(),
        "NAdam.momentum_decay",
    );
    assert_invalid(
        RAdam::new(0.1).decoupled_weight_decay(-1.0).validate(),
        "RAdam.weight_decay",
    );
    assert_invalid(Adadelta::new(1.0).rho(1.1).validate(), "Adadelta.rho");
    // The edges PyTorch accepts are accepted.
    Adadelta::new(1.0).rho(1.0).validate().unwrap();
    Adam::new(0.0).betas(0.0, 0.0).eps(0.0).validate().unwrap();
}

#[test]
fn defaults_are_pytorch_defaults() {
    assert_eq!(Sgd::default().learning_rate(), 1e-3);
    assert_eq!(Adagrad::default().learning_rate(), 1e-2);
    assert_eq!(RmsProp::default().learning_rate(), 1e-2);
    assert_eq!(Adam::default().learning_rate(), 1e-3);
    assert_eq!(AdamW::default().learning_rate(), 1e-3);
    assert_eq!(NAdam::default().learning_rate(), 2e-3);
    assert_eq!(RAdam::default().learning_rate(), 1e-3);
    assert_eq!(Adadelta::default().learning_rate(), 1.0);
    // The other defaults are checked through the trajectories above; here AdamW's decay.
    assert_eq!(AdamW::default(), AdamW::new(1e-3).weight_decay(1e-2));
    assert_ne!(AdamW::default(), AdamW::new(1e-3).weight_decay(0.0));
}

// ---------------------------------------------------------------------------------------
// by_name and convergence.
// ---------------------------------------------------------------------------------------

#[test]
fn by_name_builds_every_listed_optimizer_with_its_learning_rate() {
    let expected_kind = [
        ("sgd", "sgd"),
        ("sgd_momentum", "sgd"),
        ("nesterov", "sgd"),
        ("adagrad", "adagrad"),
        ("rmsprop", "rmsprop"),
        ("adam", "adam"),
        ("adamw", "adamw"),
        ("nadam", "nadam"),
        ("radam", "radam"),
        ("adadelta", "adadelta"),
    ];
    assert_eq!(OPTIMIZER_NAMES.len(), expected_kind.len());
    for (name, kind) in expected_kind {
        let opt = by_name(name, 0.05).unwrap();
        assert_eq!(opt.name(), kind);
        assert_eq!(opt.learning_rate(), 0.05);
        opt.validate().unwrap();
    }
    // The momentum variants differ from plain SGD as documented.
    let gs = grads(3);
    let wgs = wide_all(&gs);
    for (name, mu, nesterov) in [
        ("sgd", 0.0, false),
        ("sgd_momentum", 0.9, false),
        ("nesterov", 0.9, true),
    ] {
        let mut opt = by_name(name, 0.05).unwrap();
        let (expected, _) = ref_sgd(&wgs, 0.05, mu, 0.0, nesterov, 0.0);
        let mut p = P0.to_vec();
        for g in &gs {
            opt.update("w", &mut p, g);
        }
        assert_close(&p, &expected[2], PARAM_RTOL, 0.0, name);
    }
}

#[test]
fn by_name_rejects_unknown_names_listing_the_known_ones() {
    match by_name("adamax", 0.1) {
        Err(Error::UnknownName { name, known, .. }) => {
            assert_eq!(name, "adamax");
            for n in OPTIMIZER_NAMES {
                assert!(known.contains(n), "{known}");
            }
        }
        other => panic!("expected UnknownName, got {other:?}"),
    }
}

#[test]
fn every_optimizer_minimizes_a_quadratic() {
    // f(x) = Σ (x_i − c_i)², gradient 2(x − c), from x = 0. (name, lr, steps, tolerance on
    // max |x − c|). AdamW's decoupled decay (λ = 1e-2) moves its fixed point slightly toward
    // zero, hence its looser tolerance.
    let c = [1.0_f32, -2.0, 0.5, 3.0, -1.5];
    let cases: [(&str, f32, usize, f32); 10] = [
        ("sgd", 0.1, 100, 1e-4),
        ("sgd_momentum", 0.05, 300, 1e-4),
        ("nesterov", 0.05, 200, 1e-4),
        ("adagrad", 1.0, 100, 1e-4),
        ("rmsprop", 0.03, 500, 1e-4),
        ("adam", 0.1, 500, 1e-4),
        ("adamw", 0.1, 2000, 1e-2),
        ("nadam", 0.1, 300, 1e-4),
        ("radam", 0.1, 500, 1e-4),
        ("adadelta", 1.0, 1500, 1e-4),
    ];
    for (name, lr, steps, tol) in cases {
        let mut opt = by_name(name, lr).unwrap();
        let mut x = vec![0.0_f32; c.len()];
        let mut g = vec![0.0_f32; c.len()];
        for _ in 0..steps {
            for ((g, &x), &c) in g.iter_mut().zip(&x).zip(&c) {
                *g = 2.0 * (x - c);
            }
            opt.update("x", &mut x, &g);
        }
        let err = x.iter().zip(&c).map(|(x, c)| (x - c).abs()).fold(0.0, f32::max);
        assert!(
            err < tol,
            "{name} (lr {lr}): max |x − c| = {err} after {steps} steps, want < {tol}"
        );
    }
}
