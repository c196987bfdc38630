//! Saliency and Integrated-Gradients heatmaps for a few test digits, in one PNG
//! (`explain_digits.png`: each row is the digit, then |saliency|, then IG; red positive,
//! blue negative).
//!
//! Run with `cargo run --release --example explain_digits`.

use trustnn::data::{MinMaxScaler, datasets, train_test_split};
use trustnn::explain::*;
use trustnn::prelude::*;

fn main() -> Result<()> {
    let data = datasets::digits()?;
    let (train, test) = train_test_split(&data, 0.25, 0, true)?;
    let mut scaler = MinMaxScaler::new();
    let xtr = scaler.fit_transform(train.x())?;
    let xte = scaler.transform(test.x())?;
    let mut m = Sequential::new()
        .seed(5)
        .add(Dense::new(64, 64))
        .add(ActivationLayer::new(Tanh))
        .add(Dense::new(64, 10));
    m.compile(SparseCategoricalCrossEntropy, Adam::new(0.01))?;
    m.fit(&xtr, train.y(), &FitConfig::new().epochs(20).batch_size(32))?;

    let idx: Vec<usize> = (0..6).collect();
    let x = xte.select_rows(&idx)?;
    let pred = m.predict_classes(&x)?;
    let sal = saliency(&mut m, &x, &pred, Output::Logit, true)?;
    let ig = IntegratedGradients::new().attribute(&mut m, &x, &pred)?;
    println!("sample  label  predicted  IG delta (50-point Gauss-Legendre)");
    for (i, &p) in pred.iter().enumerate() {
        println!(
            "{i:>6}  {:>5}  {p:>9}  {:>10.2e}",
            test.y().as_slice()[i],
            ig.delta[i]
        );
    }
    #[cfg(feature = "plots")]
    {
        let rows: Vec<HeatmapRow> = (0..idx.len())
            .map(|i| HeatmapRow {
                image: x.row(i).unwrap().to_vec(),
                maps: vec![
                    sal.row(i).unwrap().to_vec(),
                    ig.attributions.row(i).unwrap().to_vec(),
                ],
            })
            .collect();
        attribution_heatmaps(&rows, 8, 8, 16, "explain_digits.png")?;
        println!("wrote explain_digits.png (columns: digit, |saliency|, integrated gradients)");
    }
    #[cfg(not(feature = "plots"))]
    let _ = sal;
    Ok(())
}
