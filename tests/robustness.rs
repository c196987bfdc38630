//! Adversarial attacks stay inside their budgets and the valid range, FGSM moves by exactly
//! ε, PGD does not lower the loss, and adversarial training raises robust accuracy.

use rand::Rng as _;
use rand::seq::SliceRandom;
use trustnn::data::{MinMaxScaler, datasets, train_test_split};
use trustnn::prelude::*;
use trustnn::robustness::*;

fn unit_batch(rows: usize, cols: usize, seed: u64) -> Tensor {
    let mut rng = trustnn::rng::seeded(seed);
    let v = (0..rows * cols).map(|_| rng.random_range(0.0f32..1.0)).collect();
    Tensor::from_vec(v, &[rows, cols]).unwrap()
}

fn mlp(d: usize, k: usize, seed: u64) -> Sequential {
    let mut m = Sequential::new()
        .seed(seed)
        .add(Dense::new(d, 32))
        .add(ActivationLayer::new(Relu))
        .add(Dense::new(32, k));
    m.compile(SparseCategoricalCrossEntropy, Adam::new(0.01)).unwrap();
    m.build().unwrap();
    m
}

fn labels(n: usize, k: usize) -> Tensor {
    Tensor::from_vec((0..n).map(|i| (i % k) as f32).collect(), &[n]).unwrap()
}

#[test]
fn fgsm_moves_each_input_by_exactly_eps_in_the_sign_of_the_gradient() {
    let mut m = mlp(6, 3, 1);
    let x = unit_batch(8, 6, 2);
    let y = labels(8, 3);
    let eps = 0.05;
    let g = m.input_gradient(&x, &y).unwrap();
    let adv = fgsm(&mut m, &x, &y, eps, InputRange::UNBOUNDED).unwrap();
    for ((&a, &x0), &gv) in adv.as_slice().iter().zip(x.as_slice()).zip(g.as_slice()) {
        let want = x0
            + eps
                * if gv > 0.0 {
                    1.0
                } else if gv < 0.0 {
                    -1.0
                } else {
                    0.0
                };
        assert_eq!(a, want);
    }
    let clipped = fgsm(&mut m, &x, &y, 0.8, InputRange::UNIT).unwrap();
    assert!(clipped.as_slice().iter().all(|v| (0.0..=1.0).contains(v)));
}

#[test]
fn pgd_never_leaves_the_eps_ball_or_the_valid_range() {
    let mut m = mlp(6, 3, 3);
    let x = unit_batch(10, 6, 4);
    let y = labels(10, 3);
    for norm in [Norm::Linf, Norm::L2] {
        let pgd = Pgd {
            steps: 20,
            alpha: 0.1,
            ..Pgd::new(0.2, norm)
        };
        let adv = pgd.perturb(&mut m, &x, &y, InputRange::UNIT).unwrap();
        assert!(adv.as_slice().iter().all(|v| (0.0..=1.0).contains(v)));
        for (a, b) in adv.as_slice().chunks_exact(6).zip(x.as_slice().chunks_exact(6)) {
            let d: Vec<f32> = a.iter().zip(b).map(|(p, q)| p - q).collect();
            let size = match norm {
                Norm::Linf => d.iter().fold(0.0f32, |m, v| m.max(v.abs())),
                Norm::L2 => d.iter().map(|v| v * v).sum::<f32>().sqrt(),
            };
            assert!(size <= 0.2 * (1.0 + 1e-6), "{norm:?}: {size}");
        }
    }
}

#[test]
fn pgd_does_not_decrease_the_loss() {
    let mut m = mlp(6, 3, 5);
    let x = unit_batch(30, 6, 6);
    let y = labels(30, 3);
    let clean = m.loss_value(&x, &y, None, trustnn::layer::Mode::Eval).unwrap();
    for norm in [Norm::Linf, Norm::L2] {
        for random_start in [false, true] {
            let pgd = Pgd {
                random_start,
                seed: 7,
                ..Pgd::new(0.1, norm)
            };
            let adv = pgd.perturb(&mut m, &x, &y, InputRange::UNIT).unwrap();
            let l = m.loss_value(&adv, &y, None, trustnn::layer::Mode::Eval).unwrap();
            assert!(l >= clean, "{norm:?} {random_start}: {l} < {clean}");
        }
    }
}

#[test]
fn pgd_with_random_start_is_reproducible_with_its_seed() {
    let mut m = mlp(6, 3, 5);
    let x = unit_batch(5, 6, 6);
    let y = labels(5, 3);
    let pgd = Pgd::new(0.1, Norm::Linf);
    let a = pgd.perturb(&mut m, &x, &y, InputRange::UNIT).unwrap();
    assert_eq!(a, pgd.perturb(&mut m, &x, &y, InputRange::UNIT).unwrap());
}

#[test]
fn robust_accuracy_reports_both_conventions_and_is_clean_accuracy_at_eps_zero() {
    let mut m = mlp(6, 3, 8);
    let x = unit_batch(40, 6, 9);
    let y = labels(40, 3);
    let r = robust_accuracy(
        &mut m,
        &x,
        &y,
        &Attack::Fgsm { eps: 0.0 },
        &[0.0, 0.3],
        InputRange::UNIT,
    )
    .unwrap();
    assert_eq!(r[0].robust_accuracy_all, r[0].clean_accuracy);
    assert_eq!(r[0].robust_accuracy_correct, 1.0);
    let nc = r[1].n_correct as f64;
    assert!((r[1].robust_accuracy_all * 40.0 - r[1].robust_accuracy_correct * nc).abs() < 1e-9);
    assert!(r[1].attack.contains("ε=0.3"));
}

#[test]
fn bad_attack_parameters_are_errors() {
    let mut m = mlp(3, 2, 1);
    let x = unit_batch(2, 3, 1);
    let y = labels(2, 2);
    assert!(matches!(
        fgsm(&mut m, &x, &y, -0.1, InputRange::UNIT),
        Err(Error::InvalidConfig { .. })
    ));
    let bad = InputRange { lo: 1.0, hi: 0.0 };
    assert!(matches!(
        fgsm(&mut m, &x, &y, 0.1, bad),
        Err(Error::InvalidConfig { .. })
    ));
    let cfg = AdversarialTraining {
        attack: Attack::Fgsm { eps: 0.1 },
        share: 1.5,
        epochs: 1,
        batch_size: 2,
        seed: 0,
        range: InputRange::UNIT,
    };
    assert!(matches!(
        adversarial_fit(&mut m, &x, &y, &cfg),
        Err(Error::InvalidConfig { .. })
    ));
}

#[test]
fn adversarial_training_raises_robust_accuracy_on_digits_at_a_moderate_eps() {
    let data = datasets::digits().unwrap();
    let (train, test) = train_test_split(&data, 0.25, 0, true).unwrap();
    let mut scaler = MinMaxScaler::new();
    let xtr = scaler.fit_transform(train.x()).unwrap();
    let xte = scaler.transform(test.x()).unwrap();
    let fit = |adv: bool| {
        let mut m = mlp(64, 10, 11);
        let mut cfg = FitConfig::new().epochs(15).batch_size(32);
        if adv {
            // Adversarial training as an option of fit: half of each batch FGSM (ε = 0.1).
            cfg = cfg.adversarial(Attack::Fgsm { eps: 0.1 }, 0.5, InputRange::UNIT);
        }
        m.fit(&xtr, train.y(), &cfg).unwrap();
        m
    };
    let attack = Attack::Pgd(Pgd::new(0.1, Norm::Linf));
    let mut plain = fit(false);
    let mut robust = fit(true);
    let a = robust_accuracy(&mut plain, &xte, test.y(), &attack, &[0.1], InputRange::UNIT).unwrap();
    let b = robust_accuracy(&mut robust, &xte, test.y(), &attack, &[0.1], InputRange::UNIT).unwrap();
    eprintln!("plain {:?}\nadversarial {:?}", a[0], b[0]);
    assert!(b[0].clean_accuracy > 0.9);
    assert!(b[0].robust_accuracy_all > a[0].robust_accuracy_all + 0.1);
}

#[test]
fn adversarial_fit_equals_train_steps_on_shuffled_batches_whose_head_is_replaced_by_the_attack() {
    // The reference loop, written out: the order shuffled by a generator seeded with
    // `seed`, batches of 16 (16, 16, 8), the first round(0.5·b) samples of each replaced by
    // PGD examples against the current model, one train_step per batch.
    let x = unit_batch(40, 5, 3);
    let y = labels(40, 3);
    let attack = Attack::Pgd(Pgd {
        steps: 3,
        ..Pgd::new(0.1, Norm::Linf)
    });
    let cfg = AdversarialTraining {
        attack: attack.clone(),
        share: 0.5,
        epochs: 3,
        batch_size: 16,
        seed: 9,
        range: InputRange::UNIT,
    };
    let mut a = mlp(5, 3, 2);
    let losses = adversarial_fit(&mut a, &x, &y, &cfg).unwrap();

    let mut b = mlp(5, 3, 2);
    let mut rng = trustnn::rng::seeded(9);
    let mut want = Vec::new();
    for _ in 0..3 {
        let mut order: Vec<usize> = (0..40).collect();
        order.shuffle(&mut rng);
        let mut total = 0.0f64;
        for idx in order.chunks(16) {
            let mut bx = x.select_rows(idx).unwrap();
            let by = y.select_rows(idx).unwrap();
            let k = (0.5 * idx.len() as f32).round() as usize;
            let head: Vec<usize> = (0..k).collect();
            let adv = attack
                .perturb(
                    &mut b,
                    &bx.select_rows(&head).unwrap(),
                    &by.select_rows(&head).unwrap(),
                    InputRange::UNIT,
                )
                .unwrap();
            bx.as_slice_mut()[..k * 5].copy_from_slice(adv.as_slice());
            total += b.train_step(&bx, &by, None).unwrap() as f64 * idx.len() as f64;
        }
        want.push(total / 40.0);
    }
    for name in a.param_names() {
        let (pa, pb) = (a.param(&name).unwrap(), b.param(&name).unwrap());
        assert!(pa.max_abs_diff(pb) < 1e-6, "{name}: {}", pa.max_abs_diff(pb));
    }
    for (l, w) in losses.iter().zip(&want) {
        assert!(
            (*l as f64 - w).abs() < 1e-5 * (1.0 + w.abs()),
            "{losses:?} vs {want:?}"
        );
    }
}
