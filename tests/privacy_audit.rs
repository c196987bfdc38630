//! The loss-threshold membership-inference audit (Yeom et al. 2018).
use rand::Rng as _;
use trustnn::prelude::*;
use trustnn::privacy::audit::{MembershipAudit, per_sample_loss};

fn random_data(n: usize, d: usize, seed: u64) -> (Tensor, Tensor) {
    let mut rng = trustnn::rng::seeded(seed);
    let x: Vec<f32> = (0..n * d).map(|_| rng.random::<f32>() * 2.0 - 1.0).collect();
    let y: Vec<f32> = (0..n).map(|_| f32::from(rng.random::<bool>())).collect();
    (
        Tensor::from_vec(x, &[n, d]).unwrap(),
        Tensor::from_vec(y, &[n]).unwrap(),
    )
}

fn mlp(d: usize) -> Sequential {
    let mut m = Sequential::new()
        .seed(3)
        .add(Dense::new(d, 64))
        .add(ActivationLayer::new(Relu))
        .add(Dense::new(64, 2));
    m.compile(SparseCategoricalCrossEntropy, Adam::new(0.01)).unwrap();
    m
}

#[test]
fn per_sample_losses_average_to_the_batch_loss() {
    let (x, y) = random_data(30, 5, 1);
    let mut m = mlp(5);
    let per = per_sample_loss(&mut m, &x, &y).unwrap();
    let mean = per.iter().map(|&l| f64::from(l)).sum::<f64>() / 30.0;
    let batch = f64::from(m.loss_value(&x, &y, None, Mode::Eval).unwrap());
    assert!((mean - batch).abs() <= 1e-5 * batch.abs(), "{mean} vs {batch}");
}

#[test]
fn a_model_that_saw_neither_set_gives_auc_near_one_half() {
    // 500 vs 500 samples: the AUC's standard deviation under no leak is about 0.018; the
    // tolerance 0.08 is over 4 standard deviations.
    let (xm, ym) = random_data(500, 10, 11);
    let (xn, yn) = random_data(500, 10, 12);
    let mut m = mlp(10);
    let a = MembershipAudit::run(&mut m, (&xm, &ym), (&xn, &yn)).unwrap();
    assert!((a.auc - 0.5).abs() < 0.08, "auc {}", a.auc);
}

#[test]
fn a_model_that_memorized_a_tiny_training_set_gives_high_auc() {
    // Random labels: the model can only fit its 20 members by memorizing them.
    let (xm, ym) = random_data(20, 10, 21);
    let (xn, yn) = random_data(200, 10, 22);
    let mut m = mlp(10);
    m.fit(&xm, &ym, &FitConfig::new().epochs(300).batch_size(20))
        .unwrap();
    let a = MembershipAudit::run(&mut m, (&xm, &ym), (&xn, &yn)).unwrap();
    assert!(a.auc > 0.8, "auc {}", a.auc);
    assert!(a.member_loss < a.nonmember_loss);
    assert!(a.advantage > 0.5, "advantage {}", a.advantage);
}

#[test]
fn tpr_at_low_fpr_reads_the_roc_curve() {
    // Members 0.0..0.9 step 0.1 below all but one non-member (loss 0.05).
    let members: Vec<f32> = (0..10).map(|i| i as f32 * 0.1).collect();
    let mut non: Vec<f32> = (0..99).map(|i| 1.0 + i as f32).collect();
    non.push(0.05);
    let a = MembershipAudit::from_losses(&members, &non).unwrap();
    // At FPR 0 only the member with loss 0.0 is found; at FPR 1% (one non-member) all ten.
    assert_eq!(a.tpr_at_fpr_0_1pct, 0.1);
    assert_eq!(a.tpr_at_fpr_1pct, 1.0);
    assert!((a.advantage - 0.99).abs() < 1e-12);
}

#[test]
fn empty_sets_are_errors() {
    assert!(MembershipAudit::from_losses(&[], &[1.0]).is_err());
    assert!(MembershipAudit::from_losses(&[1.0], &[]).is_err());
}
