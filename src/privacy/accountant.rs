//! Rényi-DP accounting of the Poisson-subsampled Gaussian mechanism (Mironov, Talwar & Zhang
//! 2019, "Rényi Differential Privacy of the Sampled Gaussian Mechanism"), the accountant of
//! TF Privacy's `rdp_accountant` and Opacus' `analysis/rdp.py`.
//!
//! For sampling rate `q`, noise multiplier `σ` and order `α`, one step of DP-SGD is
//! `(α, log A_α / (α − 1))`-RDP, where `A_α = E_{z∼μ0}[(μ(z)/μ0(z))^α]` with
//! `μ0 = N(0, σ²)`, `μ = (1 − q)·μ0 + q·N(1, σ²)`. Integer orders use the binomial expansion
//! `A_α = Σ_i C(α, i) qⁱ (1 − q)^{α−i} exp((i² − i) / (2σ²))`; fractional orders use the
//! two-sided series of the paper's Section 3.3 with `erfc` terms, summed until both terms fall
//! below `e^{−30}`. All sums are carried out in log space (log-sum-exp) in `f64`. RDP
//! composes additively over steps, and is converted to `(ε, δ)`-DP either by the classic bound
//! `ε = min_α RDP(α) + log(1/δ)/(α − 1)` (Mironov 2017, Proposition 3) or by the tighter
//! bound of Balle et al. 2020 ("Hypothesis testing interpretations and Rényi differential
//! privacy", Theorem 21) used by Opacus: `ε = RDP(α) − (log δ + log α)/(α − 1) + log((α − 1)/α)`.
//!
//! The guarantee assumes **Poisson sampling**: each example joins each batch independently
//! with probability `q`. Shuffle-and-batch training is not covered by these numbers.

use crate::{Error, Result};

/// Opacus' default orders: `[1 + x/10 for x in 1..100] + [12..64)` (also TF Privacy's).
pub fn default_orders() -> Vec<f64> {
    (1..100)
        .map(|x| 1.0 + x as f64 / 10.0)
        .chain((12..64).map(f64::from))
        .collect()
}

/// How RDP is converted to `(ε, δ)`-DP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conversion {
    /// `ε = RDP(α) + log(1/δ)/(α − 1)` (Mironov 2017, Prop. 3; TF Privacy before 2020).
    Classic,
    /// `ε = RDP(α) − (log δ + log α)/(α − 1) + log((α − 1)/α)` (Balle et al. 2020, Thm. 21;
    /// Opacus' `get_privacy_spent`). Always at most the classic value.
    Improved,
}

impl Conversion {
    /// A short description naming the paper.
    pub fn describe(self) -> &'static str {
        match self {
            Conversion::Classic => "classic RDP→(ε,δ) conversion (Mironov 2017)",
            Conversion::Improved => "improved RDP→(ε,δ) conversion (Balle et al. 2020)",
        }
    }
}

/// An `(ε, δ)` guarantee with the order that attains it and a statement of how it was derived.
#[derive(Clone, Debug, PartialEq)]
pub struct PrivacySpent {
    /// ε of the `(ε, δ)` guarantee (`+∞` when no order gives a finite bound).
    pub epsilon: f64,
    /// The δ it was computed for.
    pub delta: f64,
    /// The RDP order at which the minimum is attained.
    pub best_order: f64,
    /// The conversion used.
    pub conversion: Conversion,
}

impl PrivacySpent {
    /// A one-line statement naming the accountant, conversion and sampling assumption.
    pub fn describe(&self) -> String {
        format!(
            "(ε = {:.4}, δ = {:e}) by RDP accountant of the subsampled Gaussian (Mironov et al. 2019), {}, \
             order {}, assuming Poisson sampling",
            self.epsilon,
            self.delta,
            self.conversion.describe(),
            self.best_order
        )
    }
}

fn log_add(a: f64, b: f64) -> f64 {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    if lo == f64::NEG_INFINITY {
        return hi;
    }
    (lo - hi).exp().ln_1p() + hi
}

/// `log(exp(a) − exp(b))` for `a >= b`.
fn log_sub(a: f64, b: f64) -> f64 {
    debug_assert!(a >= b || (a - b).abs() < 1e-12, "log_sub of a negative result");
    if b == f64::NEG_INFINITY {
        return a;
    }
    if a <= b {
        return f64::NEG_INFINITY;
    }
    let d = (a - b).exp_m1();
    if d.is_infinite() { a } else { d.ln() + b }
}

/// `log(erfc(x))`, accurate also where `erfc` underflows (asymptotic series).
fn log_erfc(x: f64) -> f64 {
    if x < 20.0 {
        return libm::erfc(x).ln();
    }
    // erfc(x) = exp(−x²)/(x√π) · (1 − 1/(2x²) + 3/(2x²)² − 15/(2x²)³ + ...)
    let r = 1.0 / (2.0 * x * x);
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..8 {
        term *= -((2 * k - 1) as f64) * r;
        sum += term;
    }
    -x * x - x.ln() - 0.5 * std::f64::consts::PI.ln() + sum.ln()
}

fn log_a_int(q: f64, sigma: f64, alpha: u64) -> f64 {
    let (lq, l1q) = (q.ln(), (-q).ln_1p());
    let a = alpha as f64;
    let mut log_a = f64::NEG_INFINITY;
    let mut log_binom = 0.0; // log C(alpha, 0)
    for i in 0..=alpha {
        let fi = i as f64;
        if i > 0 {
            log_binom += ((a - fi + 1.0) / fi).ln();
        }
        let s = log_binom + fi * lq + (a - fi) * l1q + (fi * fi - fi) / (2.0 * sigma * sigma);
        log_a = log_add(log_a, s);
    }
    log_a
}

fn log_a_frac(q: f64, sigma: f64, alpha: f64) -> f64 {
    let (mut log_a0, mut log_a1) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    let z0 = sigma * sigma * (1.0 / q - 1.0).ln() + 0.5;
    let (lq, l1q) = (q.ln(), (-q).ln_1p());
    let s2 = 2.0 * sigma * sigma;
    let sqrt2s = std::f64::consts::SQRT_2 * sigma;
    let mut coef = 1.0f64; // C(alpha, i), updated by the recurrence
    let mut i = 0u64;
    loop {
        let fi = i as f64;
        if i > 0 {
            coef *= (alpha - fi + 1.0) / fi;
        }
        let log_coef = coef.abs().ln();
        let j = alpha - fi;
        let log_t0 = log_coef + fi * lq + j * l1q;
        let log_t1 = log_coef + j * lq + fi * l1q;
        let log_e0 = 0.5f64.ln() + log_erfc((fi - z0) / sqrt2s);
        let log_e1 = 0.5f64.ln() + log_erfc((z0 - j) / sqrt2s);
        let log_s0 = log_t0 + (fi * fi - fi) / s2 + log_e0;
        let log_s1 = log_t1 + (j * j - j) / s2 + log_e1;
        if coef > 0.0 {
            log_a0 = log_add(log_a0, log_s0);
            log_a1 = log_add(log_a1, log_s1);
        } else {
            log_a0 = log_sub(log_a0, log_s0);
            log_a1 = log_sub(log_a1, log_s1);
        }
        i += 1;
        if log_s0.max(log_s1) < -30.0 || i > 100_000 {
            break;
        }
    }
    log_add(log_a0, log_a1)
}

fn rdp_one_step(q: f64, sigma: f64, alpha: f64) -> f64 {
    if q == 0.0 {
        return 0.0;
    }
    if sigma == 0.0 || alpha.is_infinite() {
        return f64::INFINITY;
    }
    if q == 1.0 {
        return alpha / (2.0 * sigma * sigma);
    }
    let log_a = if alpha.fract() == 0.0 {
        log_a_int(q, sigma, alpha as u64)
    } else {
        log_a_frac(q, sigma, alpha)
    };
    log_a / (alpha - 1.0)
}

fn check_q_sigma(q: f64, sigma: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&q) {
        return Err(Error::config("sample_rate", q, "must be in [0, 1]"));
    }
    if !(sigma.is_finite() && sigma >= 0.0) {
        return Err(Error::config(
            "noise_multiplier",
            sigma,
            "must be finite and >= 0",
        ));
    }
    Ok(())
}

fn check_orders(orders: &[f64]) -> Result<()> {
    if orders.is_empty() {
        return Err(Error::empty("RDP orders"));
    }
    if let Some(&a) = orders.iter().find(|a| a.is_nan() || **a <= 1.0) {
        return Err(Error::config("RDP order", a, "every order must be > 1"));
    }
    Ok(())
}

/// RDP of `steps` compositions of the Poisson-subsampled Gaussian mechanism at each order
/// (Opacus' `compute_rdp(q, noise_multiplier, steps, orders)`).
///
/// ```
/// # use trustnn::privacy::accountant::compute_rdp;
/// // Without subsampling the Gaussian mechanism has RDP α/(2σ²) per step.
/// let rdp = compute_rdp(1.0, 2.0, 3, &[2.0, 4.0])?;
/// assert_eq!(rdp, vec![0.75, 1.5]);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn compute_rdp(q: f64, sigma: f64, steps: u64, orders: &[f64]) -> Result<Vec<f64>> {
    check_q_sigma(q, sigma)?;
    check_orders(orders)?;
    Ok(orders
        .iter()
        .map(|&a| rdp_one_step(q, sigma, a) * steps as f64)
        .collect())
}

/// Converts RDP values at `orders` to `(ε, δ)`, minimizing over orders.
pub fn privacy_spent(
    orders: &[f64],
    rdp: &[f64],
    delta: f64,
    conversion: Conversion,
) -> Result<PrivacySpent> {
    check_orders(orders)?;
    if orders.len() != rdp.len() {
        return Err(Error::shape("privacy_spent: rdp", orders.len(), &[rdp.len()]));
    }
    if !(delta > 0.0 && delta < 1.0) {
        return Err(Error::config("delta", delta, "must be in (0, 1)"));
    }
    let mut best = PrivacySpent {
        epsilon: f64::INFINITY,
        delta,
        best_order: orders[0],
        conversion,
    };
    for (&a, &r) in orders.iter().zip(rdp) {
        let eps = match conversion {
            Conversion::Classic => r - delta.ln() / (a - 1.0),
            Conversion::Improved => r - (delta.ln() + a.ln()) / (a - 1.0) + ((a - 1.0) / a).ln(),
        };
        if eps < best.epsilon {
            best.epsilon = eps;
            best.best_order = a;
        }
    }
    // A negative bound means the guarantee holds for every ε >= 0.
    best.epsilon = best.epsilon.max(0.0);
    Ok(best)
}

/// The RDP accountant of DP-SGD with Poisson sampling: records steps of
/// `(sample_rate, noise_multiplier)` and reports `(ε, δ)` (as Opacus' `RDPAccountant`).
///
/// ```
/// # use trustnn::privacy::accountant::{Conversion, RdpAccountant};
/// let mut acc = RdpAccountant::new();
/// acc.step(150.0 / 60000.0, 1.3, 6000)?;
/// // TF Privacy's reference: ε = 0.7242234026 at order 19 (improved conversion).
/// let spent = acc.epsilon(1e-5, Conversion::Improved)?;
/// assert!((spent.epsilon - 0.7242234026).abs() < 1e-6);
/// assert_eq!(spent.best_order, 19.0);
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct RdpAccountant {
    orders: Vec<f64>,
    rdp: Vec<f64>,
    steps: u64,
}

impl Default for RdpAccountant {
    fn default() -> Self {
        Self::new()
    }
}

impl RdpAccountant {
    /// An accountant over [`default_orders`] with nothing spent yet.
    pub fn new() -> Self {
        Self::with_orders(default_orders()).expect("default orders are valid")
    }

    /// An accountant over the given orders (each `> 1`).
    pub fn with_orders(orders: Vec<f64>) -> Result<Self> {
        check_orders(&orders)?;
        let rdp = vec![0.0; orders.len()];
        Ok(Self {
            orders,
            rdp,
            steps: 0,
        })
    }

    /// Records `steps` steps of the subsampled Gaussian with rate `q` and multiplier `sigma`.
    pub fn step(&mut self, q: f64, sigma: f64, steps: u64) -> Result<()> {
        let add = compute_rdp(q, sigma, steps, &self.orders)?;
        self.rdp.iter_mut().zip(add).for_each(|(r, a)| *r += a);
        self.steps += steps;
        Ok(())
    }

    /// The number of steps recorded.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The accumulated RDP at each order.
    pub fn rdp(&self) -> &[f64] {
        &self.rdp
    }

    /// The orders.
    pub fn orders(&self) -> &[f64] {
        &self.orders
    }

    /// The `(ε, δ)` guarantee of the steps recorded so far.
    pub fn epsilon(&self, delta: f64, conversion: Conversion) -> Result<PrivacySpent> {
        privacy_spent(&self.orders, &self.rdp, delta, conversion)
    }
}

/// ε after `steps` steps with rate `q` and multiplier `sigma`, over [`default_orders`].
pub fn epsilon_for(
    q: f64,
    sigma: f64,
    steps: u64,
    delta: f64,
    conversion: Conversion,
) -> Result<PrivacySpent> {
    let orders = default_orders();
    let rdp = compute_rdp(q, sigma, steps, &orders)?;
    privacy_spent(&orders, &rdp, delta, conversion)
}

/// The smallest noise multiplier (to within `tolerance` in ε) whose ε after `steps` steps at
/// rate `q` is at most `target_epsilon`, as Opacus' `get_noise_multiplier`: double σ from 10
/// until ε ≤ target, then bisect until `target − ε(σ) <= tolerance`. The returned σ satisfies
/// `target − tolerance <= ε(σ) <= target`, and equals Opacus' σ for the same inputs
/// (`tests/privacy_reference.rs`). Two guards differ from Opacus: the doubling gives up above
/// σ = 2·10⁶ (Opacus raises once σ exceeds 10⁶, so σ in (655 360, 1 310 720] is returned
/// here where Opacus refuses), and the bisection stops when the bracket is narrower than
/// 1e-12 (Opacus would loop forever on a tolerance finer than ε's resolution); the returned σ
/// then still meets `ε(σ) <= target`.
///
/// ```
/// # use trustnn::privacy::accountant::{noise_multiplier_for, epsilon_for, Conversion};
/// let (q, steps) = (256.0 / 60000.0, 14062);
/// let sigma = noise_multiplier_for(2.0, 1e-5, q, steps, Conversion::Improved, 0.01)?;
/// let eps = epsilon_for(q, sigma, steps, 1e-5, Conversion::Improved)?.epsilon;
/// assert!(eps <= 2.0 && eps > 1.99);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn noise_multiplier_for(
    target_epsilon: f64,
    delta: f64,
    q: f64,
    steps: u64,
    conversion: Conversion,
    tolerance: f64,
) -> Result<f64> {
    if !(target_epsilon.is_finite() && target_epsilon > 0.0) {
        return Err(Error::config(
            "target_epsilon",
            target_epsilon,
            "must be finite and > 0",
        ));
    }
    if !(tolerance.is_finite() && tolerance > 0.0) {
        return Err(Error::config("tolerance", tolerance, "must be finite and > 0"));
    }
    if !(q > 0.0 && q <= 1.0) {
        return Err(Error::config("sample_rate", q, "must be in (0, 1]"));
    }
    if steps == 0 {
        return Err(Error::config("steps", steps, "must be > 0"));
    }
    let eps = |s: f64| epsilon_for(q, s, steps, delta, conversion).map(|p| p.epsilon);
    let (mut lo, mut hi) = (0.0f64, 10.0f64);
    let mut eps_hi = f64::INFINITY;
    while eps_hi > target_epsilon {
        hi *= 2.0;
        if hi > 2e6 {
            return Err(Error::config(
                "target_epsilon",
                target_epsilon,
                "unreachable: even noise multiplier 2e6 gives a larger ε",
            ));
        }
        eps_hi = eps(hi)?;
    }
    while target_epsilon - eps_hi > tolerance {
        let mid = 0.5 * (lo + hi);
        let e = eps(mid)?;
        if e < target_epsilon {
            hi = mid;
            eps_hi = e;
        } else {
            lo = mid;
        }
        if hi - lo < 1e-12 {
            break;
        }
    }
    Ok(hi)
}
