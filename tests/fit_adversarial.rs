//! Adversarial training as an option of `fit` (`FitConfig::adversarial`).
use rand::Rng as _;
use trustnn::prelude::*;
use trustnn::robustness::{Attack, InputRange, fgsm};

fn data(n: usize, d: usize, seed: u64) -> (Tensor, Tensor) {
    let mut rng = trustnn::rng::seeded(seed);
    let x: Vec<f32> = (0..n * d).map(|_| rng.random::<f32>()).collect();
    let y: Vec<f32> = (0..n).map(|i| f32::from(x[i * d] > x[i * d + 1])).collect();
    (
        Tensor::from_vec(x, &[n, d]).unwrap(),
        Tensor::from_vec(y, &[n]).unwrap(),
    )
}

fn model() -> Sequential {
    let mut m = Sequential::new()
        .seed(3)
        .add(Dense::new(3, 5))
        .add(ActivationLayer::new(Tanh))
        .add(Dense::new(5, 2));
    m.compile(SparseCategoricalCrossEntropy, Sgd::new(0.5)).unwrap();
    m
}

fn weights(m: &Sequential) -> Vec<f32> {
    m.params().flat_map(|p| p.value().as_slice().to_vec()).collect()
}

#[test]
fn a_fully_adversarial_batch_is_the_fgsm_step_taken_by_hand() {
    // One full batch, no shuffling, share 1: fit's step must equal FGSM against the current
    // model followed by one train_step on the adversarial inputs.
    let (x, y) = data(16, 3, 1);
    let eps = 0.1;
    let mut fitted = model();
    let cfg = FitConfig::new()
        .epochs(1)
        .batch_size(16)
        .shuffle(false)
        .adversarial(Attack::Fgsm { eps }, 1.0, InputRange::UNIT);
    fitted.fit(&x, &y, &cfg).unwrap();

    let mut by_hand = model();
    let adv = fgsm(&mut by_hand, &x, &y, eps, InputRange::UNIT).unwrap();
    assert!(adv.max_abs_diff(&x) > 0.0);
    by_hand.train_step(&adv, &y, None).unwrap();
    assert_eq!(weights(&fitted), weights(&by_hand));
}

#[test]
fn half_a_batch_replaces_only_the_first_half() {
    // Share 0.5 of a batch of 16: the first 8 samples are attacked, the last 8 kept.
    let (x, y) = data(16, 3, 2);
    let eps = 0.05;
    let mut fitted = model();
    let cfg = FitConfig::new()
        .epochs(1)
        .batch_size(16)
        .shuffle(false)
        .adversarial(Attack::Fgsm { eps }, 0.5, InputRange::UNIT);
    fitted.fit(&x, &y, &cfg).unwrap();

    let mut by_hand = model();
    let head: Vec<usize> = (0..8).collect();
    let adv = fgsm(
        &mut by_hand,
        &x.select_rows(&head).unwrap(),
        &y.select_rows(&head).unwrap(),
        eps,
        InputRange::UNIT,
    )
    .unwrap();
    let mut mixed = x.clone();
    mixed.as_slice_mut()[..adv.len()].copy_from_slice(adv.as_slice());
    by_hand.train_step(&mixed, &y, None).unwrap();
    assert_eq!(weights(&fitted), weights(&by_hand));
}

#[test]
fn share_zero_is_ordinary_training() {
    let (x, y) = data(40, 3, 3);
    let base = FitConfig::new().epochs(2).batch_size(8);
    let (mut a, mut b) = (model(), model());
    a.fit(&x, &y, &base).unwrap();
    b.fit(
        &x,
        &y,
        &base.clone().adversarial(Attack::Fgsm { eps: 0.3 }, 0.0, InputRange::UNIT),
    )
    .unwrap();
    assert_eq!(weights(&a), weights(&b));
}

#[test]
fn bad_adversarial_settings_are_errors() {
    let (x, y) = data(8, 3, 4);
    let mut m = model();
    for (attack, share, range, what) in [
        (Attack::Fgsm { eps: 0.1 }, 1.5, InputRange::UNIT, "share"),
        (Attack::Fgsm { eps: -0.1 }, 0.5, InputRange::UNIT, "eps"),
        (Attack::Fgsm { eps: f32::NAN }, 0.5, InputRange::UNIT, "eps"),
        (Attack::Fgsm { eps: 0.1 }, 0.5, InputRange { lo: 1.0, hi: 0.0 }, "InputRange"),
    ] {
        let err = m
            .fit(&x, &y, &FitConfig::new().adversarial(attack, share, range))
            .unwrap_err();
        assert!(err.to_string().contains(what), "{what}: {err}");
    }
}
