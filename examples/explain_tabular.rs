//! Breast cancer: permutation importance of every feature and KernelSHAP for one patient's
//! prediction, as tables and bar charts (`explain_tabular_*.png`).
//!
//! Run with `cargo run --release --example explain_tabular`.

use trustnn::data::{StandardScaler, datasets, train_test_split};
use trustnn::explain::*;
use trustnn::prelude::*;

fn main() -> Result<()> {
    let data = datasets::breast_cancer()?;
    let names = data.feature_names().to_vec();
    let (train, test) = train_test_split(&data, 0.25, 0, true)?;
    let mut scaler = StandardScaler::new();
    let xtr = scaler.fit_transform(train.x())?;
    let xte = scaler.transform(test.x())?;
    let mut m = Sequential::new()
        .seed(3)
        .add(Dense::new(30, 32))
        .add(ActivationLayer::new(Relu))
        .add(Dense::new(32, 2));
    m.compile(SparseCategoricalCrossEntropy, Adam::new(0.005))?;
    m.fit(&xtr, train.y(), &FitConfig::new().epochs(40).batch_size(32))?;

    let pi = permutation_importance(&mut m, &xte, test.y(), accuracy_from_outputs, 10, 0)?;
    println!(
        "test accuracy {:.4}; permutation importance (10 repeats, seed 0):",
        pi.baseline_score
    );
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by(|&a, &b| pi.mean[b].total_cmp(&pi.mean[a]));
    for &j in order.iter().take(10) {
        println!("  {:<25} {:>8.4} ± {:.4}", names[j], pi.mean[j], pi.std[j]);
    }

    // KernelSHAP for the first test patient, class "benign" (1), probability output,
    // against 30 training rows as background; 30 features > 12, so sampled (budget 2048).
    let background = xtr.select_rows(&(0..30).collect::<Vec<_>>())?;
    let x0 = xte.select_rows(&[0])?;
    let shap = KernelShap::new(background)
        .output(Output::Probability)
        .seed(0)
        .explain(&mut m, &x0, 1)?;
    println!(
        "\npatient 0: P(benign) = {:.4}, background mean = {:.4}, Σφ = {:.4} (exact: {})",
        shap.fx,
        shap.base_value,
        shap.values.iter().sum::<f32>(),
        shap.exact
    );
    print!("{}", attribution_table(&names, &shap.values, 10)?);

    #[cfg(feature = "plots")]
    {
        let top: Vec<usize> = order.iter().take(15).copied().collect();
        trustnn::plot::bar_chart(
            &top.iter().map(|&j| names[j].clone()).collect::<Vec<_>>(),
            &top.iter().map(|&j| pi.mean[j] as f32).collect::<Vec<_>>(),
            "explain_tabular_permutation.png",
            "Permutation importance (accuracy drop, test set)",
            "mean accuracy drop",
        )?;
        let mut s: Vec<usize> = (0..names.len()).collect();
        s.sort_by(|&a, &b| shap.values[b].abs().total_cmp(&shap.values[a].abs()));
        s.truncate(15);
        trustnn::plot::bar_chart(
            &s.iter().map(|&j| names[j].clone()).collect::<Vec<_>>(),
            &s.iter().map(|&j| shap.values[j]).collect::<Vec<_>>(),
            "explain_tabular_shap.png",
            "KernelSHAP, patient 0, P(benign)",
            "Shapley value",
        )?;
    }
    Ok(())
}
