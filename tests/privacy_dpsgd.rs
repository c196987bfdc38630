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
    // The trainer's own clipping: the clipped sum of one example is that example's clipped
    // gradient, so its norm is min(‖g_i‖, C) (up to the 1e-6 in the factor).
    let (x, y) = data(20, 4, 2);
    let mut m = mlp(4);
    let c = 0.05;
    let mut dp = DpSgd::new(DpSgdConfig::new(1.0, c, 0.1)).unwrap();
    let idx: Vec<usize> = (0..20).collect();
    let per = dp.per_example_gradients(&mut m, &x, &y, &idx).unwrap();
    assert!(per.iter().any(|g| norm(g) > c), "the test must exercise clipping");
    for (i, g) in per.iter().enumerate() {
        let (sum, _) = dp.clipped_sum(&mut m, &x, &y, &[i]).unwrap();
        let clipped = norm(&sum.concat());
        let want = norm(g).min(c);
        assert!(clipped <= c * (1.0 + 1e-5), "{i}: {clipped}");
        assert!(
            (clipped - want).abs() <= 1e-5 * want + 1e-7,
            "{i}: {clipped} vs {want}"
        );
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
    let (sum, loss) = dp.clipped_sum(&mut m, &x, &y, &idx).unwrap();
    let want_loss = m.loss_value(
        &x.select_rows(&idx).unwrap(),
        &y.select_rows(&idx).unwrap(),
        None,
        Mode::Train,
    );
    assert!((loss - want_loss.unwrap()).abs() <= 1e-6, "{loss}");
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
    let err = dp.fit(&mut m, &x, &y, &FitConfig::new()).unwrap_err();
    assert!(matches!(err, Error::InvalidConfig { .. }), "{err}");
    assert!(err.to_string().contains("BatchNorm"), "{err}");
}

#[test]
fn epsilon_is_recorded_after_every_epoch_as_the_accountant_computes() {
    let (x, y) = data(50, 4, 6);
    let mut m = mlp(4);
    let q = 0.2;
    let mut dp = DpSgd::new(DpSgdConfig::new(1.0, 1.0, q).seed(1)).unwrap();
    let h = dp.fit(&mut m, &x, &y, &FitConfig::new().epochs(3)).unwrap();
    let eps = h.get("epsilon").unwrap();
    assert_eq!(eps.len(), 3);
    for (e, &got) in eps.iter().enumerate() {
        let want = epsilon_for(
            q,
            1.0,
            (e as u64 + 1) * steps_per_epoch(q),
            1e-5,
            Conversion::Improved,
        )
        .unwrap();
        assert_eq!(got, want.epsilon as f32);
        if e == 2 {
            assert_eq!(h.note("privacy"), Some(want.describe().as_str()));
        }
    }
    assert_eq!(h.stop_reason(), None);
    assert_eq!(dp.accountant().steps(), 3 * steps_per_epoch(q));
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
    let mut dp = DpSgd::new(DpSgdConfig::new(1.0, 1.0, q).epsilon_budget(budget)).unwrap();
    let h = dp.fit(&mut m, &x, &y, &FitConfig::new().epochs(10)).unwrap();
    assert_eq!(h.get("epsilon").unwrap().len(), 2);
    assert_eq!(h.stopped_epoch(), Some(2));
    assert!(
        h.stop_reason().unwrap().contains("privacy budget"),
        "{:?}",
        h.stop_reason()
    );
    assert!(dp.spent().unwrap().epsilon <= budget);
}

#[test]
fn private_training_with_little_noise_learns_a_separable_problem() {
    let (x, y) = data(200, 4, 8);
    let mut m = mlp(4);
    let mut dp = DpSgd::new(DpSgdConfig::new(0.3, 1.0, 0.1).seed(3)).unwrap();
    dp.fit(&mut m, &x, &y, &FitConfig::new().epochs(15)).unwrap();
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

#[test]
fn batched_per_example_norms_equal_one_pass_per_example() {
    // Dense with and without bias, tanh, ReLU, flatten: the norms from one batched backward
    // pass (Goodfellow's trick) against one forward/backward per example.
    let (x, y) = data(24, 6, 10);
    let mut m = Sequential::new()
        .seed(3)
        .add(Dense::new(6, 10))
        .add(ActivationLayer::new(Relu))
        .add(Dense::new(10, 7).without_bias())
        .add(ActivationLayer::new(Tanh))
        .add(Dense::new(7, 2));
    m.compile(SparseCategoricalCrossEntropy, Sgd::new(0.1)).unwrap();
    let mut dp = DpSgd::new(DpSgdConfig::new(1.0, 1.0, 0.1)).unwrap();
    let idx: Vec<usize> = (0..24).step_by(2).collect();
    let fast = dp.per_example_norms(&mut m, &x, &y, &idx).unwrap();
    let slow = dp.per_example_gradients(&mut m, &x, &y, &idx).unwrap();
    assert_eq!(fast.len(), idx.len());
    for (f, g) in fast.iter().zip(&slow) {
        let want = norm(g);
        assert!((f - want).abs() <= 1e-5 * (1.0 + want), "{f} vs {want}");
    }
}

#[test]
fn batched_norms_hold_for_a_mean_squared_error_with_several_outputs() {
    // MSE averages over the outputs as well: each example's own loss is its mean over 3
    // outputs, and the batch loss their mean.
    let (x, _) = data(10, 4, 11);
    let mut rng = trustnn::rng::seeded(12);
    let y = Tensor::from_vec((0..30).map(|_| rng.random::<f32>()).collect(), &[10, 3]).unwrap();
    let mut m = Sequential::new()
        .seed(4)
        .add(Dense::new(4, 5))
        .add(ActivationLayer::new(Sigmoid))
        .add(Dense::new(5, 3));
    m.compile(MeanSquaredError, Sgd::new(0.1)).unwrap();
    let mut dp = DpSgd::new(DpSgdConfig::new(1.0, 1.0, 0.1)).unwrap();
    let idx: Vec<usize> = (0..10).collect();
    let fast = dp.per_example_norms(&mut m, &x, &y, &idx).unwrap();
    let slow = dp.per_example_gradients(&mut m, &x, &y, &idx).unwrap();
    for (f, g) in fast.iter().zip(&slow) {
        let want = norm(g);
        assert!((f - want).abs() <= 1e-5 * (1.0 + want), "{f} vs {want}");
    }
}

#[test]
fn the_weight_penalty_gradient_is_added_unclipped_and_unnoised() {
    // σ = 0: the private gradient is Σ clip(g_i) / (qN) plus the L2 penalty's 2λW.
    let (x, y) = data(16, 4, 13);
    let lambda: f32 = 0.05;
    let mut m = Sequential::new()
        .seed(6)
        .add(Dense::new(4, 6).regularizer(L2(lambda)))
        .add(ActivationLayer::new(Tanh))
        .add(Dense::new(6, 2));
    m.compile(SparseCategoricalCrossEntropy, Sgd::new(0.1)).unwrap();
    let (c, q) = (0.2, 0.25);
    let mut dp = DpSgd::new(DpSgdConfig::new(0.0, c, q)).unwrap();
    let idx = [1, 2, 3, 5, 8, 13];
    let per = dp.per_example_gradients(&mut m, &x, &y, &idx).unwrap();
    let first = m.param_names()[0].clone();
    assert!(first.ends_with(".weight"), "{first}");
    let w = m.param(&first).unwrap().as_slice().to_vec();
    let penalty_grad: Vec<f64> = w.iter().map(|&v| 2.0 * lambda as f64 * f64::from(v)).collect();
    // per_example_gradients include the penalty's gradient: take it out before clipping.
    let mut want = vec![0.0f64; per[0].len()];
    for g in &per {
        let mut g: Vec<f64> = g.iter().map(|&v| f64::from(v)).collect();
        g.iter_mut().zip(&penalty_grad).for_each(|(a, p)| *a -= p);
        let n = g.iter().map(|v| v * v).sum::<f64>().sqrt();
        let f = clip_factor(n, c);
        want.iter_mut()
            .zip(&g)
            .for_each(|(s, v)| *s += f * v / (q * 16.0));
    }
    want.iter_mut().zip(&penalty_grad).for_each(|(s, p)| *s += p);
    let got: Vec<f32> = dp.private_gradient(&mut m, &x, &y, &idx).unwrap().concat();
    for (a, b) in got.iter().zip(&want) {
        assert!((f64::from(*a) - b).abs() <= 1e-5 * (1.0 + b.abs()), "{a} vs {b}");
    }
}

#[test]
fn private_fit_is_deterministic_for_a_seed() {
    let (x, y) = data(60, 4, 14);
    let run = |seed: u64| {
        let mut m = mlp(4);
        let mut dp = DpSgd::new(DpSgdConfig::new(1.0, 1.0, 0.2).seed(seed)).unwrap();
        dp.fit(&mut m, &x, &y, &FitConfig::new().epochs(2)).unwrap();
        m.param("dense_1.weight").unwrap().clone()
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7), run(8));
}

#[test]
fn private_fit_keeps_validation_and_metrics() {
    let (x, y) = data(100, 4, 15);
    let mut m = mlp(4);
    let mut dp = DpSgd::new(DpSgdConfig::new(0.5, 1.0, 0.1).seed(2)).unwrap();
    let cfg = FitConfig::new()
        .epochs(3)
        .validation_split(0.2)
        .metrics(&[Metric::Accuracy]);
    let h = dp.fit(&mut m, &x, &y, &cfg).unwrap();
    for series in ["loss", "accuracy", "val_loss", "val_accuracy", "epsilon"] {
        let v = h.get(series).unwrap_or_else(|| panic!("no {series}"));
        assert_eq!(v.len(), 3, "{series}");
        assert!(v.iter().all(|v| v.is_finite()), "{series}: {v:?}");
    }
}

#[test]
fn private_fit_refuses_gradient_clipping() {
    let (x, y) = data(20, 4, 16);
    let mut m = mlp(4);
    let mut dp = DpSgd::new(DpSgdConfig::new(1.0, 1.0, 0.2)).unwrap();
    let err = dp
        .fit(
            &mut m,
            &x,
            &y,
            &FitConfig::new().clip(GradientClip::GlobalNorm(1.0)),
        )
        .unwrap_err();
    assert!(err.to_string().contains("clip"), "{err}");
}

#[test]
fn a_custom_layer_without_per_example_norms_is_refused_by_name() {
    #[derive(Debug)]
    struct Scale {
        name: String,
        params: Vec<trustnn::layer::Param>,
        out: Tensor,
    }
    impl Layer for Scale {
        fn name(&self) -> &str {
            &self.name
        }
        fn set_name(&mut self, name: &str) {
            self.name = name.to_string();
            for p in &mut self.params {
                p.set_layer_name(name);
            }
        }
        fn kind(&self) -> &'static str {
            "scale"
        }
        fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>> {
            Ok(input.to_vec())
        }
        fn build(&mut self, input: &[usize], _rng: &mut trustnn::rng::Rng) -> Result<Vec<usize>> {
            let w = Tensor::from_vec(vec![1.0], &[1])?;
            self.params = vec![trustnn::layer::Param::new(
                "s",
                trustnn::layer::ParamKind::Weight,
                w,
            )];
            Ok(input.to_vec())
        }
        fn forward(&mut self, x: &Tensor, _mode: Mode) -> Result<&Tensor> {
            self.out = x.clone();
            Ok(&self.out)
        }
        fn backward(&mut self, g: &Tensor) -> Result<&Tensor> {
            self.out = g.clone();
            Ok(&self.out)
        }
        fn params(&self) -> &[trustnn::layer::Param] {
            &self.params
        }
        fn params_mut(&mut self) -> &mut [trustnn::layer::Param] {
            &mut self.params
        }
    }
    let (x, y) = data(20, 4, 17);
    let mut m = Sequential::new().add(Dense::new(4, 2)).add(Scale {
        name: String::new(),
        params: Vec::new(),
        out: Tensor::default(),
    });
    m.compile(SparseCategoricalCrossEntropy, Sgd::new(0.1)).unwrap();
    let mut dp = DpSgd::new(DpSgdConfig::new(1.0, 1.0, 0.5)).unwrap();
    let err = dp.fit(&mut m, &x, &y, &FitConfig::new()).unwrap_err();
    assert!(err.to_string().contains("layer scale"), "{err}");
    assert!(err.to_string().contains("per-example"), "{err}");
}

#[test]
fn steps_of_an_epoch_cut_short_are_accounted() {
    // A callback stops training after the first batch: that one noisy step is spent privacy.
    struct StopAtFirstBatch;
    impl Callback for StopAtFirstBatch {
        fn on_batch_end(&mut self, _: usize, _: usize, _: f32, _: &mut Sequential) -> Result<Control> {
            Ok(Control::Stop("test".into()))
        }
    }
    let (x, y) = data(40, 4, 18);
    let mut m = mlp(4);
    let q = 0.25;
    let mut dp = DpSgd::new(DpSgdConfig::new(1.0, 1.0, q)).unwrap();
    let h = dp
        .fit_with_callbacks(
            &mut m,
            &x,
            &y,
            &FitConfig::new().epochs(3),
            &mut [&mut StopAtFirstBatch],
        )
        .unwrap();
    assert_eq!(dp.accountant().steps(), 1);
    let want = epsilon_for(q, 1.0, 1, 1e-5, Conversion::Improved).unwrap();
    assert_eq!(dp.spent().unwrap().epsilon, want.epsilon);
    assert!(
        h.note("privacy").unwrap().contains("partial"),
        "{:?}",
        h.note("privacy")
    );
}

#[test]
fn resuming_needs_the_earlier_accountant() {
    let (x, y) = data(40, 4, 19);
    let mut m = mlp(4);
    let q = 0.25;
    let mut first = DpSgd::new(DpSgdConfig::new(1.0, 1.0, q).seed(1)).unwrap();
    first.fit(&mut m, &x, &y, &FitConfig::new().epochs(1)).unwrap();
    let resume = FitConfig::new().initial_epoch(1).epochs(2);
    let mut fresh = DpSgd::new(DpSgdConfig::new(1.0, 1.0, q).seed(2)).unwrap();
    let err = fresh.fit(&mut m, &x, &y, &resume).unwrap_err();
    assert!(err.to_string().contains("with_accountant"), "{err}");
    let mut resumed =
        DpSgd::with_accountant(DpSgdConfig::new(1.0, 1.0, q).seed(2), first.accountant().clone()).unwrap();
    let h = resumed.fit(&mut m, &x, &y, &resume).unwrap();
    let want = epsilon_for(q, 1.0, 2 * steps_per_epoch(q), 1e-5, Conversion::Improved).unwrap();
    assert_eq!(h.last("epsilon"), Some(want.epsilon as f32));
}

#[test]
fn an_epoch_has_opacus_number_of_steps() {
    // Opacus' Poisson loader has int(1 / q) batches.
    assert_eq!(steps_per_epoch(0.3), 3);
    assert_eq!(steps_per_epoch(0.25), 4);
    assert_eq!(steps_per_epoch(256.0 / 60000.0), 234);
    assert_eq!(steps_per_epoch(1.0), 1);
    assert_eq!(steps_per_epoch(0.7), 1);
}

#[test]
fn a_sample_rate_too_small_to_finish_an_epoch_is_refused() {
    let err = DpSgd::new(DpSgdConfig::new(1.0, 1.0, 1e-12)).unwrap_err();
    assert!(err.to_string().contains("steps per epoch"), "{err}");
    assert!(DpSgdConfig::for_target_epsilon(1.0, 1e-5, 1.0, 1e-12, 10).is_err());
}

#[test]
fn a_single_step_outside_fit_is_accounted() {
    let (x, y) = data(20, 4, 20);
    let mut m = mlp(4);
    let mut dp = DpSgd::new(DpSgdConfig::new(1.0, 1.0, 0.2)).unwrap();
    let batch = dp.poisson_sample(20);
    dp.step(&mut m, &x, &y, &batch).unwrap();
    assert_eq!(dp.accountant().steps(), 1);
}

#[test]
fn shuffle_and_batch_is_allowed_but_reported_as_not_covered() {
    use trustnn::privacy::Sampling;
    let (x, y) = data(42, 4, 21);
    let mut m = mlp(4);
    let q = 0.25; // batches of round(0.25 · 42) = 11: 4 steps per epoch (11, 11, 11, 9)
    let mut dp = DpSgd::new(DpSgdConfig::new(1.0, 1.0, q).sampling(Sampling::ShuffleAndBatch)).unwrap();
    let h = dp.fit(&mut m, &x, &y, &FitConfig::new().epochs(2)).unwrap();
    assert_eq!(dp.accountant().steps(), 8);
    let note = h.note("privacy").unwrap();
    assert!(note.starts_with("NOT COVERED"), "{note}");
    // The Poisson trainer's statement claims the guarantee.
    let mut poisson = DpSgd::new(DpSgdConfig::new(1.0, 1.0, q)).unwrap();
    let h = poisson
        .fit(&mut mlp(4), &x, &y, &FitConfig::new().epochs(1))
        .unwrap();
    assert!(!h.note("privacy").unwrap().contains("NOT COVERED"));
}
