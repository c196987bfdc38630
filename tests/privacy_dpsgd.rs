//! DP-SGD mechanics (Opacus): per-example clipping, the clipped sum, the noise, BatchNorm
//! refusal, ε after every epoch and the budget stop.
use rand::Rng as _;
use trustnn::prelude::*;
use trustnn::privacy::accountant::{Conversion, epsilon_for};
use trustnn::privacy::dpsgd::{DpSgd, DpSgdConfig, clip_factor, steps_per_epoch};

fn data(n: usize, d: usize, seed: u64) -> (Tensor, Tensor) {
    let mut rng = trustnn::rng::seeded(seed);
    let x: Vec<f32> = (0..n * d).map(|_| rng.random::<f32>() * 4.0 - 2.0).collect();
    let y: Vec<f32> = (0..n).map(|i| f32::from(x[i * d] + x[i * d + 1] > 0.0)).collect();
    (
        Tensor::from_vec(x, &[n, d]).unwrap(),
        Tensor::from_vec(y, &[n]).unwrap(),
    )
}

fn mlp(d: usize) -> Sequential {
    let mut m = Sequential::new()
        .seed(5)
        .add(Dense::new(d, 8))
        .add(ActivationLayer::new(Tanh))
        .add(Dense::new(8, 2));
    m.compile(SparseCategoricalCrossEntropy, Sgd::new(0.1)).unwrap();
    m
}

fn norm(v: &[f32]) -> f64 {
    v.iter().map(|&x| f64::from(x) * f64::from(x)).sum::<f64>().sqrt()
}

#[test]
fn per_example_gradients_average_to_the_batch_gradient() {
    let (x, y) = data(12, 4, 1);
    let mut m = mlp(4);
    let mut dp = DpSgd::new(DpSgdConfig::new(1.0, 1.0, 0.1)).unwrap();
    let idx: Vec<usize> = (0..12).collect();
    let per = dp.per_example_gradients(&mut m, &x, &y, &idx).unwrap();
    // The batch gradient of the mean loss through the public API.
    let out = m.forward(&x, Mode::Train).unwrap().clone();
    let (_, g) = m.loss().unwrap().value_and_grad(&out, &y, None).unwrap();
    m.zero_grad();
    m.backward(&g).unwrap();
    let batch: Vec<f32> = m
        .params()
        .filter(|p| p.is_trainable())
        .flat_map(|p| p.grad().as_slice().to_vec())
        .collect();
    for (k, &b) in batch.iter().enumerate() {
        let mean = per.iter().map(|g| f64::from(g[k])).sum::<f64>() / 12.0;
        assert!(
            (mean - f64::from(b)).abs() <= 1e-5 * (1.0 + f64::from(b).abs()),
            "{k}: {mean} vs {b}"
        );
    }
}

#[test]
fn every_clipped_per_example_gradient_has_norm_at_most_c() {
    let (x, y) = data(20, 4, 2);
    let mut m = mlp(4);
    let c = 0.05;
    let mut dp = DpSgd::new(DpSgdConfig::new(1.0, c, 0.1)).unwrap();
    let idx: Vec<usize> = (0..20).collect();
    let per = dp.per_example_gradients(&mut m, &x, &y, &idx).unwrap();
    assert!(per.iter().any(|g| norm(g) > c), "the test must exercise clipping");
    for g in &per {
        let clipped = norm(g) * clip_factor(norm(g), c);
        assert!(clipped <= c * (1.0 + 1e-12), "{clipped}");
    }
}

#[test]
fn the_clipped_sum_equals_a_naive_computation() {
    let (x, y) = data(16, 4, 3);
    let mut m = mlp(4);
    let c = 0.1;
    let mut dp = DpSgd::new(DpSgdConfig::new(1.0, c, 0.1)).unwrap();
    let idx = [0, 3, 5, 7, 8, 15];
    let per = dp.per_example_gradients(&mut m, &x, &y, &idx).unwrap();
    let mut naive = vec![0.0f64; per[0].len()];
    for g in &per {
        let f = (c / (norm(g) + 1e-6)).min(1.0);
        naive.iter_mut().zip(g).for_each(|(s, &v)| *s += f * f64::from(v));
    }
    let (sum, losses) = dp.clipped_sum(&mut m, &x, &y, &idx).unwrap();
    assert_eq!(losses.len(), idx.len());
    let flat: Vec<f32> = sum.iter().flatten().copied().collect();
    assert_eq!(flat.len(), naive.len());
    for (a, b) in flat.iter().zip(&naive) {
        assert!((f64::from(*a) - b).abs() <= 1e-6 * (1.0 + b.abs()), "{a} vs {b}");
    }
}

#[test]
fn the_noise_has_standard_deviation_sigma_c_over_expected_batch() {
    // No example sampled: the private gradient is pure noise N(0, σ²C²) / (qN).
    let (x, _) = data(10, 50, 4);
    let mut m = Sequential::new().seed(1).add(Dense::new(50, 100));
    m.compile(MeanSquaredError, Sgd::new(0.1)).unwrap();
    let y = Tensor::from_vec(vec![0.0; 1000], &[10, 100]).unwrap();
    let (sigma, c, q) = (1.3, 0.7, 0.2);
    let mut dp = DpSgd::new(DpSgdConfig::new(sigma, c, q).seed(42)).unwrap();
    let g = dp.private_gradient(&mut m, &x, &y, &[]).unwrap();
    let v: Vec<f64> = g.iter().flatten().map(|&v| f64::from(v)).collect();
    let n = v.len() as f64; // 5100 values
    let mean = v.iter().sum::<f64>() / n;
    let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let want = sigma * c / (q * 10.0);
    // Sample sd has relative standard error 1/sqrt(2n) ≈ 1%: allow 5%. Mean within 5 s.e.
    assert!((sd / want - 1.0).abs() < 0.05, "sd {sd} want {want}");
    assert!(mean.abs() < 5.0 * want / n.sqrt(), "mean {mean}");
}

#[test]
fn private_mode_refuses_batch_norm() {
    let (x, y) = data(8, 4, 5);
    let mut m = Sequential::new()
        .add(Dense::new(4, 8))
        .add(BatchNorm::new(8))
        .add(Dense::new(8, 2));
    m.compile(SparseCategoricalCrossEntropy, Sgd::new(0.1)).unwrap();
    let mut dp = DpSgd::new(DpSgdConfig::new(1.0, 1.0, 0.5)).unwrap();
    let err = dp.fit(&mut m, &x, &y).unwrap_err();
    assert!(matches!(err, Error::InvalidConfig { .. }), "{err}");
    assert!(err.to_string().contains("BatchNorm"), "{err}");
}

#[test]
fn epsilon_is_recorded_after_every_epoch_as_the_accountant_computes() {
    let (x, y) = data(50, 4, 6);
    let mut m = mlp(4);
    let q = 0.2;
    let mut dp = DpSgd::new(DpSgdConfig::new(1.0, 1.0, q).epochs(3).seed(1)).unwrap();
    let h = dp.fit(&mut m, &x, &y).unwrap();
    assert_eq!(h.epochs.len(), 3);
    for (e, rec) in h.epochs.iter().enumerate() {
        let want = epsilon_for(
            q,
            1.0,
            (e as u64 + 1) * steps_per_epoch(q),
            1e-5,
            Conversion::Improved,
        )
        .unwrap();
        assert_eq!(rec.spent.epsilon, want.epsilon);
    }
    assert!(!h.stopped_by_budget);
}

#[test]
fn the_budget_stops_before_the_epoch_that_would_exceed_it() {
    let (x, y) = data(50, 4, 7);
    let mut m = mlp(4);
    let q = 0.2;
    let e2 = epsilon_for(q, 1.0, 2 * steps_per_epoch(q), 1e-5, Conversion::Improved)
        .unwrap()
        .epsilon;
    let e3 = epsilon_for(q, 1.0, 3 * steps_per_epoch(q), 1e-5, Conversion::Improved)
        .unwrap()
        .epsilon;
    let budget = 0.5 * (e2 + e3);
    let mut dp = DpSgd::new(DpSgdConfig::new(1.0, 1.0, q).epochs(10).epsilon_budget(budget)).unwrap();
    let h = dp.fit(&mut m, &x, &y).unwrap();
    assert_eq!(h.epochs.len(), 2);
    assert!(h.stopped_by_budget);
    assert!(h.spent().unwrap().epsilon <= budget);
}

#[test]
fn private_training_with_little_noise_learns_a_separable_problem() {
    let (x, y) = data(200, 4, 8);
    let mut m = mlp(4);
    let mut dp = DpSgd::new(DpSgdConfig::new(0.3, 1.0, 0.1).epochs(15).seed(3)).unwrap();
    dp.fit(&mut m, &x, &y).unwrap();
    let acc = m
        .evaluate(&x, &y, &[Metric::Accuracy])
        .unwrap()
        .metric(Metric::Accuracy)
        .unwrap();
    assert!(acc > 0.85, "accuracy {acc}");
}

#[test]
fn bad_settings_are_errors() {
    assert!(DpSgd::new(DpSgdConfig::new(-1.0, 1.0, 0.1)).is_err());
    assert!(DpSgd::new(DpSgdConfig::new(1.0, 0.0, 0.1)).is_err());
    assert!(DpSgd::new(DpSgdConfig::new(1.0, 1.0, 0.0)).is_err());
    assert!(DpSgd::new(DpSgdConfig::new(1.0, 1.0, 0.1).delta(0.0)).is_err());
}

#[test]
fn poisson_sampling_takes_each_example_with_rate_q() {
    // Binomial(100000, 0.03): mean 3000, sd ≈ 54; allow 5 sd. Indices are distinct and sorted.
    let mut dp = DpSgd::new(DpSgdConfig::new(1.0, 1.0, 0.03).seed(9)).unwrap();
    let b = dp.poisson_sample(100_000);
    assert!((b.len() as f64 - 3000.0).abs() < 5.0 * 54.0, "{}", b.len());
    assert!(b.windows(2).all(|w| w[0] < w[1]));
}
