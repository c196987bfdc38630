//! The RDP accountant against TF Privacy's and Opacus' reference values.
use trustnn::privacy::accountant::{
    Conversion, RdpAccountant, compute_rdp, default_orders, epsilon_for, noise_multiplier_for,
};

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

/// TF Privacy's compute_dp_sgd_privacy: steps = ceil(epochs * n / batch). Its reference
/// values (compute_dp_sgd_privacy_test.py) come from the improved (Balle et al. 2020)
/// conversion of current TF Privacy; the classic conversion gives 0.9419 and 1.7093 there.
fn tf_eps(n: u64, batch: u64, sigma: f64, epochs: u64, delta: f64) -> (f64, f64) {
    let q = batch as f64 / n as f64;
    let steps = (epochs * n).div_ceil(batch);
    let p = epsilon_for(q, sigma, steps, delta, Conversion::Improved).unwrap();
    (p.epsilon, p.best_order)
}

#[test]
fn default_orders_match_opacus() {
    let o = default_orders();
    assert_eq!(o.len(), 99 + 52);
    assert_eq!(o[0], 1.1);
    assert_eq!(o[98], 10.9);
    assert_eq!(o[99], 12.0);
    assert_eq!(*o.last().unwrap(), 63.0);
}

#[test]
fn improved_conversion_reproduces_tf_privacy_mnist_reference() {
    let (eps, order) = tf_eps(60000, 150, 1.3, 15, 1e-5);
    assert!(rel(eps, 0.7242234026109595) < 1e-6, "eps {eps}");
    assert_eq!(order, 19.0);
}

#[test]
fn improved_conversion_reproduces_tf_privacy_second_reference() {
    let (eps, order) = tf_eps(100000, 100, 1.0, 30, 1e-7);
    assert!(rel(eps, 1.4154988495444845) < 1e-6, "eps {eps}");
    assert_eq!(order, 13.0);
}

#[test]
fn improved_conversion_gives_opacus_mnist_example_value() {
    let q = 256.0 / 60000.0;
    // Opacus: steps = int(epochs / sample_rate).
    let steps = (60.0 / q) as u64;
    let p = epsilon_for(q, 1.1, steps, 1e-5, Conversion::Improved).unwrap();
    assert!((p.epsilon - 2.5967).abs() < 5e-4, "eps {}", p.epsilon);
}

#[test]
fn improved_conversion_is_never_above_classic() {
    for &(q, s, t) in &[(0.01, 1.0, 1000u64), (0.001, 0.8, 50000), (0.1, 2.0, 100)] {
        let c = epsilon_for(q, s, t, 1e-5, Conversion::Classic).unwrap().epsilon;
        let i = epsilon_for(q, s, t, 1e-5, Conversion::Improved).unwrap().epsilon;
        assert!(i <= c, "{i} > {c}");
    }
}

#[test]
fn fractional_order_rdp_lies_between_neighbouring_integer_orders() {
    // RDP is non-decreasing in the order; the series for 2.5 must fall between 2 and 3.
    let r = compute_rdp(0.01, 1.1, 1, &[2.0, 2.5, 3.0]).unwrap();
    assert!(r[0] <= r[1] && r[1] <= r[2], "{r:?}");
}

#[test]
fn fractional_series_meets_the_integer_binomial_expansion() {
    // Orders just off an integer use the erfc series; at the integer, the binomial sum.
    for &(q, s) in &[(0.01, 1.1), (0.004, 0.8), (0.1, 2.0)] {
        let r = compute_rdp(q, s, 1, &[3.0, 3.000001, 8.0, 7.999999]).unwrap();
        assert!(rel(r[1], r[0]) < 1e-4, "q {q} s {s}: {r:?}");
        assert!(rel(r[3], r[2]) < 1e-4, "q {q} s {s}: {r:?}");
    }
}

#[test]
fn rdp_without_subsampling_is_gaussian_rdp() {
    let r = compute_rdp(1.0, 1.5, 10, &[2.0, 7.5]).unwrap();
    assert!((r[0] - 10.0 * 2.0 / (2.0 * 2.25)).abs() < 1e-12);
    assert!((r[1] - 10.0 * 7.5 / (2.0 * 2.25)).abs() < 1e-12);
}

#[test]
fn epsilon_grows_with_steps() {
    let mut last = 0.0;
    for steps in [100u64, 1000, 5000, 20000] {
        let e = epsilon_for(0.004, 1.1, steps, 1e-5, Conversion::Improved)
            .unwrap()
            .epsilon;
        assert!(e > last, "{e} <= {last}");
        last = e;
    }
}

#[test]
fn epsilon_falls_with_noise() {
    let mut last = f64::INFINITY;
    for sigma in [0.6, 0.8, 1.0, 1.5, 3.0, 10.0] {
        let e = epsilon_for(0.01, sigma, 2000, 1e-5, Conversion::Improved)
            .unwrap()
            .epsilon;
        assert!(e < last, "sigma {sigma}: {e} >= {last}");
        last = e;
    }
}

#[test]
fn accountant_composes_steps_additively() {
    let mut acc = RdpAccountant::new();
    acc.step(0.01, 1.0, 300).unwrap();
    acc.step(0.01, 1.0, 700).unwrap();
    let direct = epsilon_for(0.01, 1.0, 1000, 1e-5, Conversion::Improved).unwrap();
    let got = acc.epsilon(1e-5, Conversion::Improved).unwrap();
    assert_eq!(acc.steps(), 1000);
    assert!(rel(got.epsilon, direct.epsilon) < 1e-12);
    assert!(got.describe().contains("Poisson sampling"));
}

#[test]
fn inverse_returns_sigma_at_or_just_below_target() {
    let q = 0.004;
    let steps = 10_000;
    for target in [0.5, 1.0, 3.0, 8.0] {
        let s = noise_multiplier_for(target, 1e-5, q, steps, Conversion::Improved, 0.01).unwrap();
        let e = epsilon_for(q, s, steps, 1e-5, Conversion::Improved)
            .unwrap()
            .epsilon;
        assert!(
            e <= target && target - e <= 0.01,
            "target {target}: sigma {s} eps {e}"
        );
    }
}

#[test]
fn bad_inputs_are_errors() {
    assert!(compute_rdp(1.5, 1.0, 1, &[2.0]).is_err());
    assert!(compute_rdp(0.1, -1.0, 1, &[2.0]).is_err());
    assert!(compute_rdp(0.1, 1.0, 1, &[1.0]).is_err());
    assert!(epsilon_for(0.1, 1.0, 1, 0.0, Conversion::Classic).is_err());
    assert!(noise_multiplier_for(-1.0, 1e-5, 0.01, 10, Conversion::Improved, 0.01).is_err());
}
