//! trustnn's fairness metrics against fairlearn's own numbers.
//!
//! `tests/data/fairlearn_reference.json` is written by `tests/reference/fairlearn_reference.py`
//! with fairlearn 0.15.0 / scikit-learn 1.9.1 (pinned in
//! `tests/reference/requirements-fairness.txt`); it holds the inputs (labels, predictions,
//! sensitive columns, including a group without positive labels, a group without negative
//! labels, nobody selected and an intersection with a missing combination) and fairlearn's
//! outputs. NaN is stored as `null`.
//!
//! [`Convention::Fairlearn`] must reproduce every number to 1e-12 absolute (both sides compute
//! in f64 with the same divisions; NaN must match NaN). Reweighing weights are f32 in trustnn:
//! 1e-6 relative. In the default [`Convention::Strict`], every value that is defined must
//! equal fairlearn's.

use serde_json::Value as Json;
use trustnn::data::Dataset;
use trustnn::fairness::metrics;

use trustnn::fairness::{
    Convention, Disparities, GroupReport, GroupStats, Groups, MetricFrame, Value, reweighing,
};
use trustnn::prelude::*;

const TOL: f64 = 1e-12;

fn reference() -> Json {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/fairlearn_reference.json"
    ))
    .expect("tests/data/fairlearn_reference.json");
    serde_json::from_str(&text).expect("valid JSON")
}

fn usizes(v: &Json) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

/// fairlearn's number (`null` is NaN).
fn number(v: &Json) -> f64 {
    if v.is_null() {
        f64::NAN
    } else {
        v.as_f64().expect("a number or null")
    }
}

fn same(what: &str, got: f64, expected: f64) {
    let ok = if expected.is_nan() {
        got.is_nan()
    } else {
        (got - expected).abs() <= TOL
    };
    assert!(ok, "{what}: trustnn {got}, fairlearn {expected}");
}

/// A fairlearn-mode value must be defined and equal fairlearn's number.
fn same_value(what: &str, got: &Value, expected: &Json) {
    match got {
        Value::Defined(v) => same(what, *v, number(expected)),
        Value::Undefined(r) => panic!("{what}: undefined in fairlearn mode ({r})"),
    }
}

/// A strict-mode value, when defined, must equal fairlearn's number.
fn same_if_defined(what: &str, got: &Value, expected: &Json) -> bool {
    match got {
        Value::Defined(v) => {
            same(what, *v, number(expected));
            true
        }
        Value::Undefined(_) => false,
    }
}

type Metric = fn(&[usize], &[usize]) -> Value;
type Rate = fn(&GroupStats) -> Value;

fn metric(name: &str) -> Metric {
    match name {
        "selection_rate" => metrics::selection_rate,
        "true_positive_rate" => metrics::true_positive_rate,
        "false_positive_rate" => metrics::false_positive_rate,
        "false_negative_rate" => metrics::false_negative_rate,
        "accuracy" => metrics::accuracy,
        "precision" => metrics::precision,
        other => panic!("unknown metric {other}"),
    }
}

/// One case and column specification: the data and fairlearn's results.
struct Spec {
    label: String,
    y_true: Vec<usize>,
    y_pred: Vec<usize>,
    groups: Groups,
    expected: Json,
}

fn specs() -> Vec<Spec> {
    let r = reference();
    assert_eq!(r["versions"]["fairlearn"], "0.15.0");
    let mut out = Vec::new();
    for case in r["cases"].as_array().unwrap() {
        let (y_true, y_pred) = (usizes(&case["y_true"]), usizes(&case["y_pred"]));
        let n = y_true.len();
        let mut ds = Dataset::new(Tensor::zeros(&[n, 1]), Tensor::zeros(&[n])).unwrap();
        for (col, values) in case["columns"].as_object().unwrap() {
            let v = values
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_string())
                .collect();
            ds = ds.with_group(col, v).unwrap();
        }
        for spec in case["specs"].as_array().unwrap() {
            let cols: Vec<&str> = spec["columns"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap())
                .collect();
            out.push(Spec {
                label: format!("{} / {}", case["name"].as_str().unwrap(), cols.join(" & ")),
                y_true: y_true.clone(),
                y_pred: y_pred.clone(),
                groups: Groups::from_dataset(&ds, &cols).unwrap(),
                expected: spec.clone(),
            });
        }
    }
    assert_eq!(out.len(), 12, "4 cases x 3 column specifications");
    out
}

#[test]
fn groups_are_fairlearns_groups_without_the_empty_intersections() {
    for s in specs() {
        let frame = &s.expected["frames"]["selection_rate"]["by_group"];
        let missing: Vec<&str> = s.expected["missing_groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g.as_str().unwrap())
            .collect();
        let mut fairlearn: Vec<&str> = frame
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .filter(|g| !missing.contains(g))
            .collect();
        fairlearn.sort();
        assert_eq!(s.groups.names(), fairlearn, "{}", s.label);
        for g in missing {
            assert!(
                frame[g].is_null(),
                "{}: {g} is listed by fairlearn with NaN",
                s.label
            );
        }
    }
}

#[test]
fn metric_frames_in_fairlearn_mode_reproduce_fairlearn() {
    let mut checked = 0;
    for s in specs() {
        for (name, exp) in s.expected["frames"].as_object().unwrap() {
            let mf = MetricFrame::new(name, &s.y_true, &s.y_pred, &s.groups, metric(name))
                .unwrap()
                .convention(Convention::Fairlearn);
            let what = |field: &str| format!("{} / {name} / {field}", s.label);
            for (g, v) in mf.by_group() {
                same_value(&what(&format!("by_group[{g}]")), &v, &exp["by_group"][&g]);
                checked += 1;
            }
            same_value(&what("overall"), &mf.overall(), &exp["overall"]);
            same_value(&what("group_min"), &mf.group_min(), &exp["group_min"]);
            same_value(&what("group_max"), &mf.group_max(), &exp["group_max"]);
            same_value(&what("difference"), &mf.difference(), &exp["difference"]);
            same_value(&what("ratio"), &mf.ratio(), &exp["ratio"]);
            same_value(
                &what("difference_to_overall"),
                &mf.difference_to_overall(),
                &exp["difference_to_overall"],
            );
            same_value(
                &what("ratio_to_overall"),
                &mf.ratio_to_overall(),
                &exp["ratio_to_overall"],
            );
            checked += 7;
        }
    }
    assert!(checked > 600, "{checked} numbers compared");
}

#[test]
fn group_report_frames_equal_metric_frames_on_the_reference_data() {
    let rates: [(&str, Rate); 6] = [
        ("selection_rate", |s| s.selection_rate()),
        ("true_positive_rate", |s| s.true_positive_rate()),
        ("false_positive_rate", |s| s.false_positive_rate()),
        ("false_negative_rate", |s| s.false_negative_rate()),
        ("accuracy", |s| s.accuracy()),
        ("precision", |s| s.precision()),
    ];
    for s in specs() {
        let report = GroupReport::new(&s.y_true, &s.y_pred, &s.groups)
            .unwrap()
            .convention(Convention::Fairlearn);
        for (name, rate) in rates {
            let mf = report.frame(name, rate);
            let exp = &s.expected["frames"][name];
            for (g, v) in mf.by_group() {
                same_value(&format!("{} / {name} / {g}", s.label), &v, &exp["by_group"][&g]);
            }
            same_value(
                &format!("{} / {name} / overall", s.label),
                &mf.overall(),
                &exp["overall"],
            );
        }
    }
}

/// The disparities, each under the name the reference file gives fairlearn's value.
fn by_fairlearn_name(d: &Disparities) -> [(&'static str, &Value); 8] {
    [
        ("demographic_parity_difference", &d.demographic_parity_difference),
        ("demographic_parity_ratio", &d.demographic_parity_ratio),
        (
            "equalized_odds_difference_worst_case",
            &d.equalized_odds_difference,
        ),
        (
            "equalized_odds_difference_mean",
            &d.equalized_odds_difference_mean,
        ),
        ("equalized_odds_ratio_worst_case", &d.equalized_odds_ratio),
        ("equalized_odds_ratio_mean", &d.equalized_odds_ratio_mean),
        ("equal_opportunity_difference", &d.equal_opportunity_difference),
        ("equal_opportunity_ratio", &d.equal_opportunity_ratio),
    ]
}

#[test]
fn disparities_in_fairlearn_mode_reproduce_fairlearn() {
    for s in specs() {
        let d = GroupReport::new(&s.y_true, &s.y_pred, &s.groups)
            .unwrap()
            .convention(Convention::Fairlearn)
            .disparities();
        let e = &s.expected["disparities"];
        for (name, got) in by_fairlearn_name(&d) {
            same_value(&format!("{} / {name}", s.label), got, &e[name]);
        }
    }
}

#[test]
fn strict_values_that_are_defined_equal_fairlearns() {
    let (mut defined, mut undefined) = (0, 0);
    for s in specs() {
        let d = GroupReport::new(&s.y_true, &s.y_pred, &s.groups)
            .unwrap()
            .disparities();
        let e = &s.expected["disparities"];
        for (name, got) in by_fairlearn_name(&d) {
            if same_if_defined(&format!("{} / {name} (strict)", s.label), got, &e[name]) {
                defined += 1;
            } else {
                undefined += 1;
            }
        }
    }
    // The crafted zero denominators make some strict values undefined, most stay defined.
    assert!(
        defined > 40 && undefined > 10,
        "{defined} defined, {undefined} undefined"
    );
}

#[test]
fn reweighing_weights_equal_the_aif360_formula_computed_with_pandas() {
    for s in specs() {
        let w = reweighing(&s.y_true, &s.groups).unwrap();
        let exp = s.expected["reweighing"].as_array().unwrap();
        assert_eq!(w.len(), exp.len());
        for (i, (&got, e)) in w.iter().zip(exp).enumerate() {
            let e = e.as_f64().unwrap();
            assert!(
                ((got as f64) - e).abs() <= 1e-6 * e.abs(),
                "{} / sample {i}: trustnn {got}, reference {e}",
                s.label
            );
        }
    }
}
