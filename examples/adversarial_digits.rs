//! Robust accuracy against ε for a normally and an adversarially trained MLP on the bundled
//! 8×8 digits (scaled to [0, 1]): a table and `adversarial_digits.png`.
//!
//! Run with `cargo run --release --example adversarial_digits`.

use trustnn::data::{MinMaxScaler, datasets, train_test_split};
use trustnn::prelude::*;
use trustnn::robustness::*;

fn mlp() -> Result<Sequential> {
    let mut m = Sequential::new()
        .seed(11)
        .add(Dense::new(64, 64))
        .add(ActivationLayer::new(Relu))
        .add(Dense::new(64, 10));
    m.compile(SparseCategoricalCrossEntropy, Adam::new(0.01))?;
    m.build()?;
    Ok(m)
}

fn main() -> Result<()> {
    let data = datasets::digits()?;
    let (train, test) = train_test_split(&data, 0.25, 0, true)?;
    let mut scaler = MinMaxScaler::new();
    let xtr = scaler.fit_transform(train.x())?;
    let xte = scaler.transform(test.x())?;

    let mut plain = mlp()?;
    plain.fit(&xtr, train.y(), &FitConfig::new().epochs(20).batch_size(32))?;
    let mut robust = mlp()?;
    let cfg = AdversarialTraining {
        attack: Attack::Pgd(Pgd {
            steps: 5,
            ..Pgd::new(0.1, Norm::Linf)
        }),
        share: 0.5,
        epochs: 20,
        batch_size: 32,
        seed: 1,
        range: InputRange::UNIT,
    };
    adversarial_fit(&mut robust, &xtr, train.y(), &cfg)?;

    let eps = [0.0, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2];
    let attack = Attack::Pgd(Pgd::new(0.1, Norm::Linf));
    let mut series = Vec::new();
    for (name, model) in [
        ("normal", &mut plain),
        ("adversarial (PGD ε=0.1, 50%)", &mut robust),
    ] {
        let rows = robust_accuracy(model, &xte, test.y(), &attack, &eps, InputRange::UNIT)?;
        println!("\n{name} training — clean accuracy {:.4}", rows[0].clean_accuracy);
        println!(
            "{:>6}  {:>16}  {:>18}  attack",
            "eps", "RobustBench(all)", "ART(orig. correct)"
        );
        for r in &rows {
            println!(
                "{:>6.3}  {:>16.4}  {:>18.4}  {}",
                r.eps, r.robust_accuracy_all, r.robust_accuracy_correct, r.attack
            );
        }
        series.push((
            name.to_string(),
            rows.iter()
                .map(|r| (r.eps, r.robust_accuracy_all as f32))
                .collect(),
        ));
    }
    #[cfg(feature = "plots")]
    trustnn::plot::line_chart(
        &series,
        "adversarial_digits.png",
        "Digits: robust accuracy under PGD-L∞ (10 steps, α=ε/4)",
        "ε",
        "robust accuracy (all samples)",
    )?;
    #[cfg(not(feature = "plots"))]
    let _ = series;
    Ok(())
}
