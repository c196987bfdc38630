//! Fairness metrics, audit and mitigation against values worked out by hand.
//!
//! The hand-worked data ("two groups"): group a has (y, ŷ) = (1,1) (1,0) (0,1) (0,0):
//! TP 1, FN 1, FP 1, TN 1 → selection rate 1/2, TPR 1/2, FPR 1/2, precision 1/2.
//! Group b has (1,1) (0,1) (0,1) (0,0): TP 1, FN 0, FP 2, TN 1 → selection rate 3/4,
//! TPR 1, FPR 2/3, precision 1/3. Tolerance for every comparison: 1e-12 absolute.

use trustnn::data::Dataset;
use trustnn::fairness::metrics::{self, PrivilegedComparison};
use trustnn::fairness::{
    AuditConfig, Constraint, Convention, ExponentiatedGradient, GroupReport, GroupStats, Groups, MetricFrame,
    ThresholdOptimizer, Value, audit, reweighing,
};
use trustnn::prelude::*;

const TOL: f64 = 1e-12;

fn close(v: &Value, expected: f64) {
    let got = v
        .get()
        .unwrap_or_else(|| panic!("expected {expected}, got {v:?}"));
    assert!((got - expected).abs() < TOL, "expected {expected}, got {got}");
}

fn two_groups() -> (Vec<usize>, Vec<usize>, Groups) {
    let y_true = vec![1, 1, 0, 0, 1, 0, 0, 0];
    let y_pred = vec![1, 0, 1, 0, 1, 1, 1, 0];
    let g = Groups::new("g", &["a", "a", "a", "a", "b", "b", "b", "b"]).unwrap();
    (y_true, y_pred, g)
}

/// two_groups plus group c with labels (0, 0), predictions (1, 0): no positive label.
fn three_groups() -> (Vec<usize>, Vec<usize>, Groups) {
    let (mut t, mut p, _) = two_groups();
    t.extend([0, 0]);
    p.extend([1, 0]);
    let g = Groups::new("g", &["a", "a", "a", "a", "b", "b", "b", "b", "c", "c"]).unwrap();
    (t, p, g)
}

#[test]
fn group_rates_match_hand_counts() {
    let (t, p, g) = two_groups();
    let r = GroupReport::new(&t, &p, &g).unwrap();
    let b = &r.groups[1];
    assert_eq!((b.tp, b.fp, b.tn, b.fn_), (1, 2, 1, 0));
    close(&b.selection_rate(), 0.75);
    close(&b.base_rate(), 0.25);
    close(&b.accuracy(), 0.5);
    close(&b.true_positive_rate(), 1.0);
    close(&b.false_positive_rate(), 2.0 / 3.0);
    close(&b.false_negative_rate(), 0.0);
    close(&b.precision(), 1.0 / 3.0);
    assert_eq!(r.overall.count(), 8);
}

#[test]
fn disparities_follow_fairlearn_definitions() {
    let (t, p, g) = two_groups();
    let d = GroupReport::new(&t, &p, &g).unwrap().disparities();
    close(&d.demographic_parity_difference, 0.25);
    close(&d.demographic_parity_ratio, 2.0 / 3.0);
    close(&d.equalized_odds_difference, 0.5); // max(TPR diff 1/2, FPR diff 1/6)
    close(&d.equalized_odds_difference_mean, (0.5 + 1.0 / 6.0) / 2.0);
    close(&d.equalized_odds_ratio, 0.5); // min(TPR ratio 1/2, FPR ratio 3/4)
    close(&d.equalized_odds_ratio_mean, 0.625);
    close(&d.equal_opportunity_difference, 0.5);
    close(&d.equal_opportunity_ratio, 0.5);
    close(&d.predictive_parity_difference, 0.5 - 1.0 / 3.0);
}

#[test]
fn privileged_comparison_follows_aif360() {
    let (t, p, g) = two_groups();
    let c: PrivilegedComparison = GroupReport::new(&t, &p, &g)
        .unwrap()
        .privileged_comparison("b")
        .unwrap();
    close(&c.disparate_impact, 0.5 / 0.75);
    assert_eq!(c.four_fifths_rule_passed, Some(false));
    close(&c.statistical_parity_difference, -0.25);
    close(&c.equal_opportunity_difference, -0.5);
    close(
        &c.average_odds_difference,
        ((0.5 - 2.0 / 3.0) + (0.5 - 1.0)) / 2.0,
    );
}

#[test]
fn privileged_comparison_pools_every_other_group_as_unprivileged() {
    let (t, p, g) = three_groups();
    let c = GroupReport::new(&t, &p, &g)
        .unwrap()
        .privileged_comparison("b")
        .unwrap();
    // a and c together: 6 samples, 3 predicted positive.
    close(&c.disparate_impact, 0.5 / 0.75);
}

#[test]
fn disparate_impact_is_undefined_when_the_privileged_group_selects_nobody() {
    let g = Groups::new("g", &["a", "a", "b", "b"]).unwrap();
    let c = GroupReport::new(&[1, 0, 1, 0], &[1, 0, 0, 0], &g)
        .unwrap()
        .privileged_comparison("b")
        .unwrap();
    assert!(matches!(c.disparate_impact, Value::Undefined(_)));
    assert_eq!(c.four_fifths_rule_passed, None);
}

#[test]
fn tpr_of_a_group_without_positive_labels_is_undefined_with_its_counts() {
    let (t, p, g) = three_groups();
    let r = GroupReport::new(&t, &p, &g).unwrap();
    match r.groups[2].true_positive_rate() {
        Value::Undefined(reason) => {
            assert!(reason.contains("\"c\""), "{reason}");
            assert!(reason.contains("n = 2"), "{reason}");
            assert!(reason.contains("positive labels = 0"), "{reason}");
        }
        v => panic!("expected undefined, got {v:?}"),
    }
    let d = r.disparities();
    assert!(matches!(d.equalized_odds_difference, Value::Undefined(_)));
    assert!(matches!(d.equal_opportunity_ratio, Value::Undefined(_)));
    close(&d.demographic_parity_difference, 0.25); // selection rates 1/2, 3/4, 1/2 are defined
}

#[test]
fn fairlearn_mode_counts_an_undefined_tpr_as_zero() {
    let (t, p, g) = three_groups();
    let d = GroupReport::new(&t, &p, &g)
        .unwrap()
        .convention(Convention::Fairlearn)
        .disparities();
    // TPRs 1/2, 1, 0 → difference 1; FPRs 1/2, 2/3, 1/2 → difference 1/6.
    close(&d.equal_opportunity_difference, 1.0);
    close(&d.equalized_odds_difference, 1.0);
    close(&d.equalized_odds_difference_mean, (1.0 + 1.0 / 6.0) / 2.0);
    close(&d.equal_opportunity_ratio, 0.0);
}

#[test]
fn ratio_with_every_group_at_zero_is_undefined_or_nan_in_fairlearn_mode() {
    let g = Groups::new("g", &["a", "b"]).unwrap();
    let mf = MetricFrame::new("sr", &[1, 0], &[0, 0], &g, metrics::selection_rate).unwrap();
    assert!(matches!(mf.ratio(), Value::Undefined(_)));
    close(&mf.difference(), 0.0);
    let nan = mf.convention(Convention::Fairlearn).ratio().get().unwrap();
    assert!(nan.is_nan());
}

#[test]
fn metric_frame_reports_by_group_overall_and_aggregates() {
    let (t, p, g) = two_groups();
    let mf = MetricFrame::new("selection rate", &t, &p, &g, metrics::selection_rate).unwrap();
    let by: Vec<f64> = mf.by_group().iter().map(|(_, v)| v.get().unwrap()).collect();
    assert_eq!(by, vec![0.5, 0.75]);
    close(&mf.overall(), 0.625);
    close(&mf.group_min(), 0.5);
    close(&mf.group_max(), 0.75);
    close(&mf.difference(), 0.25);
    close(&mf.ratio(), 2.0 / 3.0);
    close(&mf.difference_to_overall(), 0.125);
    close(&mf.ratio_to_overall(), 0.8); // min(0.5/0.625, 0.625/0.75)
    let table = mf.to_string();
    assert!(table.contains("difference  0.2500"), "{table}");
}

#[test]
fn metric_frame_accepts_a_user_closure() {
    let (t, p, g) = two_groups();
    let errors =
        |t: &[usize], p: &[usize]| Value::Defined(t.iter().zip(p).filter(|(a, b)| a != b).count() as f64);
    let mf = MetricFrame::new("errors", &t, &p, &g, errors).unwrap();
    close(&mf.by_group()[0].1, 2.0);
    close(&mf.by_group()[1].1, 2.0);
    close(&mf.overall(), 4.0);
}

#[test]
fn report_frame_and_metric_frame_agree() {
    let (t, p, g) = two_groups();
    let r = GroupReport::new(&t, &p, &g).unwrap();
    let a = r.frame("fpr", GroupStats::false_positive_rate);
    let b = MetricFrame::new("fpr", &t, &p, &g, metrics::false_positive_rate).unwrap();
    assert_eq!(a.by_group(), b.by_group());
}

#[test]
fn groups_from_several_columns_are_their_intersection() {
    let ds = Dataset::new(Tensor::zeros(&[3, 1]), Tensor::zeros(&[3]))
        .unwrap()
        .with_group("sex", vec!["F".into(), "M".into(), "F".into()])
        .unwrap()
        .with_group("race", vec!["X".into(), "X".into(), "Y".into()])
        .unwrap();
    let g = Groups::from_dataset(&ds, &["sex", "race"]).unwrap();
    assert_eq!(g.names(), ["F & X", "F & Y", "M & X"]);
    assert_eq!(g.index(), [0, 2, 1]);
    assert!(matches!(
        Groups::from_dataset(&ds, &["age"]),
        Err(Error::UnknownName { .. })
    ));
}

#[test]
fn non_binary_labels_and_wrong_lengths_are_errors() {
    let g = Groups::new("g", &["a", "b"]).unwrap();
    assert!(matches!(
        GroupReport::new(&[0, 2], &[0, 1], &g),
        Err(Error::LabelOutOfRange { row: 1, .. })
    ));
    assert!(matches!(
        GroupReport::new(&[0], &[0, 1], &g),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        Groups::new::<&str>("g", &[]),
        Err(Error::EmptyInput { .. })
    ));
    let r = GroupReport::new(&[0, 1], &[0, 1], &g).unwrap();
    assert!(matches!(
        r.privileged_comparison("z"),
        Err(Error::UnknownName { .. })
    ));
}

fn labelled(y: &[f32], groups: &[&str]) -> Dataset {
    Dataset::new(
        Tensor::zeros(&[y.len(), 1]),
        Tensor::from_vec(y.to_vec(), &[y.len()]).unwrap(),
    )
    .unwrap()
    .with_group("g", groups.iter().map(|s| s.to_string()).collect())
    .unwrap()
}

#[test]
fn audit_fails_base_rate_and_association_rules_on_biased_data() {
    let ds = labelled(
        &[1., 1., 1., 1., 0., 0., 0., 0.],
        &["a", "a", "a", "a", "b", "b", "b", "b"],
    );
    let r = audit(&ds, &[&["g"]], &AuditConfig::default()).unwrap();
    let failed: Vec<&str> = r.failures().iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(failed, ["base rate ratio", "base rate difference", "association"]);
    assert!((r.columns[0].cramers_v - 1.0).abs() < TOL); // χ² = n for perfect association
}

#[test]
fn audit_passes_balanced_data() {
    let ds = labelled(
        &[1., 0., 1., 0., 1., 0., 1., 0.],
        &["a", "a", "a", "a", "b", "b", "b", "b"],
    );
    let r = audit(&ds, &[&["g"]], &AuditConfig::default()).unwrap();
    assert!(r.passed(), "{r}");
    assert_eq!(r.rules.len(), 4);
    assert!(r.columns[0].cramers_v.abs() < TOL);
}

#[test]
fn audit_flags_an_underrepresented_group() {
    let mut y = vec![1.0; 20];
    y.extend([0.0; 20]);
    y.push(1.0);
    y.push(0.0);
    let mut g: Vec<&str> = (0..40).map(|i| if i % 2 == 0 { "a" } else { "b" }).collect();
    g.extend(["c", "c"]);
    let r = audit(&labelled(&y, &g), &[&["g"]], &AuditConfig::default()).unwrap();
    let failed: Vec<&str> = r.failures().iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(failed, ["representation"]); // c has 2/42 < 0.05
}

#[test]
fn reweighing_weights_follow_the_formula() {
    let (t, _, g) = three_groups();
    let w = reweighing(&t, &g).unwrap();
    let n = t.len() as f64;
    for i in 0..t.len() {
        let (gi, yi) = (g.index()[i], t[i]);
        let n_g = g.index().iter().filter(|&&x| x == gi).count() as f64;
        let n_y = t.iter().filter(|&&y| y == yi).count() as f64;
        let n_gy = (0..t.len()).filter(|&j| g.index()[j] == gi && t[j] == yi).count() as f64;
        let expected = (n_g / n) * (n_y / n) / (n_gy / n);
        assert!(
            (w[i] as f64 - expected).abs() < 1e-6,
            "sample {i}: {} vs {expected}",
            w[i]
        );
    }
}

#[test]
fn reweighing_equalizes_weighted_base_rates() {
    let (t, _, g) = two_groups();
    let w = reweighing(&t, &g).unwrap();
    let overall = t.iter().sum::<usize>() as f64 / t.len() as f64;
    for m in g.members() {
        let pos: f64 = m.iter().map(|&i| w[i] as f64 * t[i] as f64).sum();
        let tot: f64 = m.iter().map(|&i| w[i] as f64).sum();
        assert!((pos / tot - overall).abs() < 1e-6, "{} vs {overall}", pos / tot);
    }
}

/// 400 samples in two groups; group b's scores are shifted down (a biased model).
fn scored() -> (Vec<f32>, Vec<usize>, Groups) {
    let mut rng = trustnn::rng::seeded(3);
    use rand::Rng as _;
    let (mut s, mut y, mut g) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..400 {
        let b = i % 3 == 0;
        let label = usize::from(rng.random::<f64>() < if b { 0.2 } else { 0.4 });
        let score =
            (label as f32 * 0.3 + rng.random::<f32>() * 0.7 - if b { 0.15 } else { 0.0 }).clamp(0.0, 1.0);
        s.push((score * 50.0).round() / 50.0); // ties on purpose
        y.push(label);
        g.push(if b { "b" } else { "a" });
    }
    (s, y, Groups::new("g", &g).unwrap())
}

fn expected_rates(p: &[f64], y: &[usize], g: &Groups) -> Vec<(f64, f64, f64)> {
    g.members()
        .iter()
        .map(|m| {
            let sel = m.iter().map(|&i| p[i]).sum::<f64>() / m.len() as f64;
            let (pos, neg): (Vec<usize>, Vec<usize>) = m.iter().partition(|&&i| y[i] == 1);
            let tpr = pos.iter().map(|&i| p[i]).sum::<f64>() / pos.len() as f64;
            let fpr = neg.iter().map(|&i| p[i]).sum::<f64>() / neg.len() as f64;
            (sel, tpr, fpr)
        })
        .collect()
}

#[test]
fn threshold_optimizer_meets_demographic_parity_on_its_fitting_data() {
    let (s, y, g) = scored();
    let opt = ThresholdOptimizer::new(Constraint::DemographicParity)
        .fit(&s, &y, &g)
        .unwrap();
    let r = expected_rates(&opt.positive_probability(&s, &g).unwrap(), &y, &g);
    assert!((r[0].0 - r[1].0).abs() < 1e-9, "{r:?}");
}

#[test]
fn threshold_optimizer_tolerance_bounds_the_selection_rate_spread() {
    let (s, y, g) = scored();
    let opt = ThresholdOptimizer::new(Constraint::DemographicParity)
        .tolerance(0.05)
        .fit(&s, &y, &g)
        .unwrap();
    let r = expected_rates(&opt.positive_probability(&s, &g).unwrap(), &y, &g);
    assert!((r[0].0 - r[1].0).abs() <= 0.05 + 1e-9, "{r:?}");
}

#[test]
fn threshold_optimizer_meets_equalized_odds_on_its_fitting_data() {
    let (s, y, g) = scored();
    let opt = ThresholdOptimizer::new(Constraint::EqualizedOdds)
        .fit(&s, &y, &g)
        .unwrap();
    let r = expected_rates(&opt.positive_probability(&s, &g).unwrap(), &y, &g);
    assert!((r[0].1 - r[1].1).abs() < 1e-9, "TPR {r:?}");
    assert!((r[0].2 - r[1].2).abs() < 1e-9, "FPR {r:?}");
    assert!(r[0].1 > r[0].2, "better than chance: {r:?}");
}

#[test]
fn threshold_optimizer_refuses_equalized_odds_for_a_group_without_positives() {
    let g = Groups::new("g", &["a", "a", "b", "b"]).unwrap();
    let r = ThresholdOptimizer::new(Constraint::EqualizedOdds).fit(&[0.1, 0.9, 0.2, 0.3], &[0, 1, 0, 0], &g);
    assert!(matches!(r, Err(Error::InvalidConfig { .. })));
}

#[test]
fn threshold_optimizer_rejects_unknown_groups_and_bad_scores() {
    let (s, y, g) = scored();
    assert!(matches!(
        ThresholdOptimizer::new(Constraint::DemographicParity).positive_probability(&s, &g),
        Err(Error::NotReady(_))
    ));
    let opt = ThresholdOptimizer::new(Constraint::DemographicParity)
        .fit(&s, &y, &g)
        .unwrap();
    let other = Groups::new("g", &["z"]).unwrap();
    assert!(matches!(
        opt.positive_probability(&[0.5], &other),
        Err(Error::UnknownName { .. })
    ));
    let mut bad = s.clone();
    bad[3] = f32::NAN;
    assert!(matches!(
        ThresholdOptimizer::new(Constraint::DemographicParity).fit(&bad, &y, &g),
        Err(Error::NonFinite { .. })
    ));
}

/// A biased synthetic problem: 400 samples in groups a and b, base rates 0.7 and 0.3; the
/// first feature is the group (1 for a) plus noise, the second the label plus noise, so a
/// classifier uses the group and treats equal labels differently.
fn biased() -> (Tensor, Vec<usize>, Groups) {
    let mut rng = trustnn::rng::seeded(5);
    use rand::Rng as _;
    let n = 400;
    let (mut x, mut y, mut g) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        let a = i % 2 == 0;
        let label = usize::from(rng.random::<f32>() < if a { 0.7 } else { 0.3 });
        x.push(if a { 1.0 } else { 0.0 } + rng.random::<f32>() * 0.5);
        x.push(label as f32 + rng.random::<f32>() * 1.5);
        y.push(label);
        g.push(if a { "a" } else { "b" });
    }
    (
        Tensor::from_vec(x, &[n, 2]).unwrap(),
        y,
        Groups::new("g", &g).unwrap(),
    )
}

fn logistic(seed: usize) -> Result<Sequential> {
    let mut m = Sequential::new().seed(seed as u64).add(Dense::new(2, 2));
    m.compile(SparseCategoricalCrossEntropy, Adam::new(0.1))?;
    Ok(m)
}

fn eg_config() -> FitConfig {
    FitConfig::new().epochs(30).batch_size(50).verbose(false)
}

/// The baseline's predictions (0/1, as probabilities) on the biased data.
fn baseline(x: &Tensor, y: &[usize]) -> Vec<f64> {
    let mut base = logistic(0).unwrap();
    let yt = Tensor::from_vec(y.iter().map(|&v| v as f32).collect(), &[y.len()]).unwrap();
    base.fit(x, &yt, &eg_config()).unwrap();
    base.predict_classes(x)
        .unwrap()
        .iter()
        .map(|&c| c as f64)
        .collect()
}

/// (DP gap, TPR gap, FPR gap, accuracy) of expected predictions `p` for two groups,
/// computed from the definitions.
fn gaps(p: &[f64], y: &[usize], g: &Groups) -> (f64, f64, f64, f64) {
    let r = expected_rates(p, y, g);
    let acc = p
        .iter()
        .zip(y)
        .map(|(&q, &t)| if t == 1 { q } else { 1.0 - q })
        .sum::<f64>()
        / y.len() as f64;
    (
        (r[0].0 - r[1].0).abs(),
        (r[0].1 - r[1].1).abs(),
        (r[0].2 - r[1].2).abs(),
        acc,
    )
}

#[test]
fn exponentiated_gradient_reduces_the_demographic_parity_gap() {
    let (x, y, groups) = biased();
    let (dp0, _, _, _) = gaps(&baseline(&x, &y), &y, &groups);
    let mut ens = ExponentiatedGradient::new()
        .iterations(8)
        .fit(&x, &y, &groups, logistic, &eg_config())
        .unwrap();
    let (dp, _, _, _) = gaps(&ens.positive_probability(&x).unwrap(), &y, &groups);
    assert!(dp0 > 0.3, "baseline gap {dp0}");
    assert!(dp < 0.5 * dp0, "gap {dp} vs baseline {dp0}");
}

#[test]
fn exponentiated_gradient_reduces_the_equalized_odds_gap_and_keeps_accuracy() {
    let (x, y, groups) = biased();
    let (_, tpr0, fpr0, acc0) = gaps(&baseline(&x, &y), &y, &groups);
    let eo0 = tpr0.max(fpr0);
    let mut ens = ExponentiatedGradient::new()
        .constraint(Constraint::EqualizedOdds)
        .iterations(10)
        .fit(&x, &y, &groups, logistic, &eg_config())
        .unwrap();
    let (_, tpr, fpr, acc) = gaps(&ens.positive_probability(&x).unwrap(), &y, &groups);
    assert!(eo0 > 0.2, "baseline equalized odds gap {eo0}");
    assert!(
        tpr.max(fpr) < 0.5 * eo0,
        "TPR gap {tpr}, FPR gap {fpr} vs baseline {eo0}"
    );
    // Better than the constant classifier (majority share 0.5) and not far below baseline.
    assert!(
        acc > 0.6 && acc > acc0 - 0.15,
        "accuracy {acc} vs baseline {acc0}"
    );
}

#[test]
fn exponentiated_gradient_reduces_the_true_positive_rate_gap() {
    let (x, y, groups) = biased();
    let (_, tpr0, _, _) = gaps(&baseline(&x, &y), &y, &groups);
    let mut ens = ExponentiatedGradient::new()
        .constraint(Constraint::TruePositiveRateParity)
        .iterations(10)
        .fit(&x, &y, &groups, logistic, &eg_config())
        .unwrap();
    let (_, tpr, _, _) = gaps(&ens.positive_probability(&x).unwrap(), &y, &groups);
    assert!(tpr0 > 0.2, "baseline TPR gap {tpr0}");
    assert!(tpr < 0.5 * tpr0, "TPR gap {tpr} vs baseline {tpr0}");
}

#[test]
fn exponentiated_gradient_mixture_weights_are_iteration_shares() {
    let (x, y, groups) = biased();
    let mut ens = ExponentiatedGradient::new()
        .constraint(Constraint::EqualizedOdds)
        .iterations(6)
        .fit(&x, &y, &groups, logistic, &eg_config())
        .unwrap();
    assert!((1..=6).contains(&ens.len()));
    assert!((ens.weights().iter().sum::<f64>() - 1.0).abs() < 1e-12);
    for w in ens.weights() {
        let k = w * 6.0;
        assert!(
            (k - k.round()).abs() < 1e-9 && k >= 1.0,
            "weight {w} is not a multiple of 1/6"
        );
    }
    // The mixture's training error is the weighted error of its members, and equals the
    // expected error of its positive probabilities.
    let mixed: f64 = ens
        .weights()
        .iter()
        .zip(ens.training_errors())
        .map(|(w, e)| w * e)
        .sum();
    assert!((mixed - ens.training_error()).abs() < 1e-12);
    let (_, tpr, fpr, acc) = gaps(&ens.positive_probability(&x).unwrap(), &y, &groups);
    assert!((1.0 - acc - ens.training_error()).abs() < 1e-9);
    // Its largest moment |γ| is at least half the largest TPR/FPR spread between the two groups.
    assert!(ens.training_violation() >= 0.5 * tpr.max(fpr) - 1e-9);
}

#[test]
fn exponentiated_gradient_rejects_bad_settings() {
    let (x, y, groups) = biased();
    let fit = |eg: ExponentiatedGradient| eg.fit(&x, &y, &groups, logistic, &eg_config()).err();
    assert!(matches!(
        fit(ExponentiatedGradient::new().iterations(0)),
        Some(Error::InvalidConfig { .. })
    ));
    assert!(matches!(
        fit(ExponentiatedGradient::new().eps(f64::NAN)),
        Some(Error::InvalidConfig { .. })
    ));
    assert!(matches!(
        fit(ExponentiatedGradient::new().bound(-1.0)),
        Some(Error::InvalidConfig { .. })
    ));
    let short = Tensor::zeros(&[3, 2]);
    assert!(matches!(
        ExponentiatedGradient::new().fit(&short, &y, &groups, logistic, &eg_config()),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn threshold_optimizer_meets_true_positive_rate_parity_on_its_fitting_data() {
    let (s, y, g) = scored();
    let opt = ThresholdOptimizer::new(Constraint::TruePositiveRateParity)
        .fit(&s, &y, &g)
        .unwrap();
    let r = expected_rates(&opt.positive_probability(&s, &g).unwrap(), &y, &g);
    assert!((r[0].1 - r[1].1).abs() < 1e-9, "TPR {r:?}");
    assert!(r[0].1 > r[0].2, "better than chance: {r:?}");
}

#[test]
fn ratio_to_overall_is_undefined_when_the_overall_value_is_zero() {
    let g = Groups::new("g", &["a", "b"]).unwrap();
    let mf = MetricFrame::new("sr", &[1, 0], &[0, 0], &g, metrics::selection_rate).unwrap();
    assert!(matches!(mf.ratio_to_overall(), Value::Undefined(_)));
    // fairlearn: 0 / 0 is NaN in every group, and the minimum of NaNs is NaN.
    let nan = mf
        .convention(Convention::Fairlearn)
        .ratio_to_overall()
        .get()
        .unwrap();
    assert!(nan.is_nan());
}

#[test]
fn fairlearn_mode_aggregates_a_nan_tpr_ratio_as_fairlearn_does() {
    // Only negatives are selected: every TPR is 0 (TPR ratio 0/0 = NaN), FPRs 1/2 and 1/3.
    let g = Groups::new("g", &["a", "a", "a", "b", "b", "b", "b"]).unwrap();
    let d = GroupReport::new(&[1, 0, 0, 1, 0, 0, 0], &[0, 1, 0, 0, 1, 0, 0], &g)
        .unwrap()
        .convention(Convention::Fairlearn)
        .disparities();
    // worst_case is Python's min([nan, 2/3]) = nan; mean is pandas' NaN-skipping mean = 2/3.
    assert!(d.equalized_odds_ratio.get().unwrap().is_nan());
    close(&d.equalized_odds_ratio_mean, (1.0 / 3.0) / 0.5);
}
