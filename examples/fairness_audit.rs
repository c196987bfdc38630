//! Fairness audit and mitigation on the UCI Adult data, sensitive column `sex` (and `race`).
//!
//! Audits the data, trains a logistic-regression baseline, prints its group report, applies
//! reweighing (before training), exponentiated gradient (during) and group thresholds
//! (after, fitted on a validation split), prints a before/after table on the held-out
//! `adult.test` rows, and writes the accuracy-versus-disparity trade-off to
//! `fairness_tradeoff.png`.
//!
//! Run with `cargo run --release --example fairness_audit`.

use trustnn::data::{StandardScaler, datasets, train_test_split};
use trustnn::fairness::{
    AuditConfig, Constraint, ExponentiatedGradient, GroupReport, Groups, ThresholdOptimizer, audit,
    reweighing,
};
use trustnn::prelude::*;

fn build(seed: usize) -> Result<Sequential> {
    let mut m = Sequential::new().seed(seed as u64).add(Dense::new(97, 2));
    m.compile(SparseCategoricalCrossEntropy, Adam::new(0.01))?;
    Ok(m)
}

fn labels(t: &Tensor) -> Vec<usize> {
    t.as_slice().iter().map(|&v| v as usize).collect()
}

fn scores(m: &mut Sequential, x: &Tensor) -> Result<Vec<f32>> {
    let p = m.predict_proba(x)?;
    Ok(p.as_slice().chunks(2).map(|r| r[1]).collect())
}

struct Row {
    name: String,
    accuracy: f64,
    dp: f64,
    eo: f64,
    di: String,
}

fn row(name: &str, y: &[usize], pred: &[usize], g: &Groups, privileged: &str) -> Result<Row> {
    let r = GroupReport::new(y, pred, g)?;
    let d = r.disparities();
    Ok(Row {
        name: name.to_string(),
        accuracy: r.overall.accuracy().or_zero(),
        dp: d.demographic_parity_difference.or_zero(),
        eo: d.equalized_odds_difference.or_zero(),
        di: r.privileged_comparison(privileged)?.disparate_impact.to_string(),
    })
}

fn main() -> Result<()> {
    let (train_all, test) = datasets::adult_train_test()?;
    let (train, val) = train_test_split(&train_all, 0.25, 1, true)?;
    let mut scaler = StandardScaler::new();
    let (xtr, xval, xte) = (
        scaler.fit_transform(train.x())?,
        scaler.transform(val.x())?,
        scaler.transform(test.x())?,
    );
    let (ytr, yval, yte) = (labels(train.y()), labels(val.y()), labels(test.y()));
    let cfg = FitConfig::new().epochs(4).batch_size(256).verbose(false);

    println!("== data audit (training part) ==");
    println!(
        "{}",
        audit(
            &train,
            &[&["sex"], &["race"], &["sex", "race"]],
            &AuditConfig::default()
        )?
    );

    let mut base = build(0)?;
    base.fit(&xtr, train.y(), &cfg)?;
    let mut tradeoff = Vec::new();
    for (column, privileged) in [("sex", "Male"), ("race", "White")] {
        let (gtr, gval, gte) = (
            Groups::from_dataset(&train, &[column])?,
            Groups::from_dataset(&val, &[column])?,
            Groups::from_dataset(&test, &[column])?,
        );
        let p0 = base.predict_classes(&xte)?;
        println!("== baseline on adult.test, by {column} ==");
        println!("{}", GroupReport::new(&yte, &p0, &gte)?);
        let mut rows = vec![row("baseline", &yte, &p0, &gte, privileged)?];

        // Before training: reweighing.
        let w = reweighing(&ytr, &gtr)?;
        let mut rw = build(0)?;
        rw.fit_weighted(&xtr, train.y(), Some(&w), &cfg)?;
        rows.push(row(
            "reweighing",
            &yte,
            &rw.predict_classes(&xte)?,
            &gte,
            privileged,
        )?);

        // During training: exponentiated gradient (demographic parity).
        let mut eg = ExponentiatedGradient::new()
            .iterations(6)
            .fit(&xtr, &ytr, &gtr, build, &cfg)?;
        rows.push(row(
            "exp. gradient (DP)",
            &yte,
            &eg.predict(&xte, 7)?,
            &gte,
            privileged,
        )?);

        // After training: group thresholds fitted on the validation split.
        let (sval, ste) = (scores(&mut base, &xval)?, scores(&mut base, &xte)?);
        for (name, c) in [
            ("thresholds (DP)", Constraint::DemographicParity),
            ("thresholds (EO)", Constraint::EqualizedOdds),
        ] {
            let opt = ThresholdOptimizer::new(c).fit(&sval, &yval, &gval)?;
            rows.push(row(name, &yte, &opt.predict(&ste, &gte, 7)?, &gte, privileged)?);
        }

        println!("== before / after on adult.test, by {column} (privileged: {privileged}) ==");
        println!(
            "{:<20} {:>9} {:>9} {:>9} {:>9}",
            "method", "accuracy", "DP diff", "EO diff", "DI"
        );
        for r in &rows {
            println!(
                "{:<20} {:>9.4} {:>9.4} {:>9.4} {:>9}",
                r.name, r.accuracy, r.dp, r.eo, r.di
            );
        }
        let b = &rows[0];
        for r in &rows[1..] {
            let ok = r.dp <= 0.5 * b.dp && b.accuracy - r.accuracy <= 0.03;
            println!(
                "{:<20} DP difference cut by {:>5.1}%, accuracy cost {:>5.2} points{}",
                r.name,
                100.0 * (1.0 - r.dp / b.dp),
                100.0 * (b.accuracy - r.accuracy),
                if ok {
                    "  <- meets the goal (>= 50% cut, <= 3 points)"
                } else {
                    ""
                }
            );
        }
        println!();

        // Trade-off: sweep the demographic-parity tolerance of the thresholds.
        let mut curve = Vec::new();
        println!("trade-off by {column}: tolerance, accuracy, DP difference");
        for i in 0..=10 {
            let tol = 0.02 * i as f64;
            let opt = ThresholdOptimizer::new(Constraint::DemographicParity)
                .tolerance(tol)
                .fit(&sval, &yval, &gval)?;
            let r = row("", &yte, &opt.predict(&ste, &gte, 7)?, &gte, privileged)?;
            println!("  {tol:.2}  {:.4}  {:.4}", r.accuracy, r.dp);
            curve.push((r.dp as f32, r.accuracy as f32));
        }
        curve.sort_by(|a, b| a.0.total_cmp(&b.0));
        tradeoff.push((format!("thresholds by {column}"), curve));
        println!();
    }
    #[cfg(feature = "plots")]
    {
        trustnn::plot::line_chart(
            &tradeoff,
            "fairness_tradeoff.png",
            "Adult: accuracy vs demographic parity difference (test)",
            "demographic parity difference",
            "accuracy",
        )?;
        println!("wrote fairness_tradeoff.png");
    }
    #[cfg(not(feature = "plots"))]
    let _ = tradeoff;
    Ok(())
}
