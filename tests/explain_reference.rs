//! Attributions and attacks against Captum 0.9.0 (`tests/data/captum_reference.json`, made by
//! `tests/reference/captum_reference.py` in float64 from fixed weights and inputs that are
//! exact in f32).
//!
//! Tolerance everywhere: `|trustnn − Captum| ≤ 1e-5 · (1 + |Captum|)` per value — trustnn
//! computes in f32 (accumulating Integrated Gradients in f64), Captum's reference is float64
//! except its f32-rounded Riemann points and step sizes (relative 6e-8).
//!
//! Where trustnn deliberately differs — the trapezoid rule, whose Captum step weights sum to
//! `(n−1)/n` — the test checks the difference is exactly the predicted one.

use serde_json::Value;
use trustnn::explain::*;
use trustnn::prelude::*;
use trustnn::robustness::{InputRange, Norm, Pgd, fgsm};

const TOL: f64 = 1e-5;

fn reference() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/captum_reference.json"
    ))
    .expect("tests/data/captum_reference.json");
    serde_json::from_str(&text).expect("valid JSON")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn matrix(v: &Value) -> Vec<Vec<f64>> {
    v.as_array().expect("array of rows").iter().map(floats).collect()
}

fn tensor(v: &Value) -> Tensor {
    let rows: Vec<Vec<f32>> = matrix(v)
        .into_iter()
        .map(|r| r.into_iter().map(|x| x as f32).collect())
        .collect();
    Tensor::from_rows(&rows).unwrap()
}

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

/// The reference model `name` as a trustnn `Sequential` (torch's `[out, in]` weights
/// transposed to Dense's `[in, out]`), compiled with softmax cross-entropy on logits
/// (`torch.nn.CrossEntropyLoss`'s loss, used by the attacks).
fn model(r: &Value, name: &str) -> Sequential {
    let spec = &r["models"][name];
    let layers = spec["layers"].as_array().unwrap();
    let mut m = Sequential::new();
    for (k, layer) in layers.iter().enumerate() {
        let w = matrix(&layer["weight"]);
        m = m.add(Dense::new(w[0].len(), w.len()));
        if k + 1 < layers.len() {
            m = match spec["activation"].as_str().unwrap() {
                "tanh" => m.add(ActivationLayer::new(Tanh)),
                "relu" => m.add(ActivationLayer::new(Relu)),
                other => panic!("unknown activation {other}"),
            };
        }
    }
    m.compile(SparseCategoricalCrossEntropy, Sgd::new(0.1)).unwrap();
    m.build().unwrap();
    let names = m.param_names();
    assert_eq!(names.len(), 2 * layers.len(), "{names:?}");
    for (layer, pair) in layers.iter().zip(names.chunks(2)) {
        let w = matrix(&layer["weight"]);
        let (out, inp) = (w.len(), w[0].len());
        let wt: Vec<f32> = (0..inp)
            .flat_map(|i| w.iter().map(move |row| row[i] as f32))
            .collect();
        let b: Vec<f32> = floats(&layer["bias"]).into_iter().map(|v| v as f32).collect();
        assert!(
            pair[0].ends_with("weight") && pair[1].ends_with("bias"),
            "{pair:?}"
        );
        m.set_param(&pair[0], &Tensor::from_vec(wt, &[inp, out]).unwrap())
            .unwrap();
        m.set_param(&pair[1], &Tensor::from_vec(b, &[out]).unwrap())
            .unwrap();
    }
    m
}

fn output(case: &Value) -> Output {
    match case["output"].as_str().unwrap() {
        "logit" => Output::Logit,
        "probability" => Output::Probability,
        o => panic!("unknown output {o}"),
    }
}

fn cases<'a>(r: &'a Value, method: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    r["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(move |c| c["method"] == method)
}

/// Largest absolute and relative (to `1 + |want|`) differences seen, for the report.
#[derive(Default)]
struct Agreement {
    max_abs: f64,
    max_scaled: f64,
    values: usize,
}

impl Agreement {
    fn check(&mut self, got: &[f32], want: &[f64], what: &str) {
        assert_eq!(got.len(), want.len(), "{what}: length");
        for (k, (&g, &w)) in got.iter().zip(want).enumerate() {
            let d = (g as f64 - w).abs();
            assert!(
                d <= TOL * (1.0 + w.abs()),
                "{what}[{k}]: trustnn {g} vs Captum {w} (|diff| {d:.3e})"
            );
            self.max_abs = self.max_abs.max(d);
            self.max_scaled = self.max_scaled.max(d / (1.0 + w.abs()));
            self.values += 1;
        }
    }

    fn report(&self, what: &str) {
        assert!(self.values > 0, "{what}: no reference values were compared");
        eprintln!(
            "{what}: {} values, max |diff| {:.2e}, max |diff|/(1+|ref|) {:.2e}",
            self.values, self.max_abs, self.max_scaled
        );
    }
}

fn flat(v: &Value) -> Vec<f64> {
    matrix(v).concat()
}

#[test]
fn saliency_matches_captum_with_abs_true_and_false_for_logits_and_probabilities() {
    let r = reference();
    let x = tensor(&r["inputs"]);
    let targets = usizes(&r["targets"]);
    let mut agree = Agreement::default();
    for c in cases(&r, "saliency") {
        let mut m = model(&r, c["model"].as_str().unwrap());
        let abs = c["abs"].as_bool().unwrap();
        let s = saliency(&mut m, &x, &targets, output(c), abs).unwrap();
        agree.check(s.as_slice(), &flat(&c["attributions"]), &format!("saliency {c}"));
    }
    agree.report("Saliency");
}

#[test]
fn gradient_x_input_matches_captums_input_x_gradient() {
    let r = reference();
    let x = tensor(&r["inputs"]);
    let targets = usizes(&r["targets"]);
    let mut agree = Agreement::default();
    for c in cases(&r, "input_x_gradient") {
        let mut m = model(&r, c["model"].as_str().unwrap());
        let a = gradient_x_input(&mut m, &x, &targets, output(c)).unwrap();
        agree.check(a.as_slice(), &flat(&c["attributions"]), "InputXGradient");
    }
    agree.report("InputXGradient");
}

fn rule(name: &str) -> Integration {
    match name {
        "gausslegendre" => Integration::GaussLegendre,
        "riemann_left" => Integration::RiemannLeft,
        "riemann_right" => Integration::RiemannRight,
        "riemann_middle" => Integration::RiemannMiddle,
        "riemann_trapezoid" => Integration::RiemannTrapezoid,
        other => panic!("unknown rule {other}"),
    }
}

fn integrated_gradients(r: &Value, c: &Value) -> IgResult {
    let x = tensor(&r["inputs"]);
    let targets = usizes(&r["targets"]);
    let mut m = model(r, c["model"].as_str().unwrap());
    let baseline = match &c["baseline"] {
        Value::Null => Baseline::Zero,
        b => Baseline::Sample(floats(b).into_iter().map(|v| v as f32).collect()),
    };
    IntegratedGradients::new()
        .steps(c["n_steps"].as_u64().unwrap() as usize)
        .method(rule(c["rule"].as_str().unwrap()))
        .baseline(baseline)
        .output(output(c))
        .attribute(&mut m, &x, &targets)
        .unwrap()
}

#[test]
fn integrated_gradients_and_deltas_match_captum_for_gauss_legendre_and_riemann_left_right_middle() {
    let r = reference();
    let mut per_rule = std::collections::BTreeMap::<String, (Agreement, Agreement)>::new();
    for c in cases(&r, "integrated_gradients").filter(|c| c["rule"] != "riemann_trapezoid") {
        let ig = integrated_gradients(&r, c);
        let what = format!(
            "IG {} {} steps {} {} baseline {}",
            c["model"], c["rule"], c["n_steps"], c["output"], c["baseline"]
        );
        let e = per_rule
            .entry(c["rule"].as_str().unwrap().to_string())
            .or_default();
        e.0.check(ig.attributions.as_slice(), &flat(&c["attributions"]), &what);
        e.1.check(&ig.delta, &floats(&c["delta"]), &format!("{what}: delta"));
    }
    for (rule, (a, d)) in &per_rule {
        a.report(&format!("IG {rule} attributions"));
        d.report(&format!("IG {rule} convergence deltas"));
    }
    assert_eq!(per_rule.len(), 4);
}

#[test]
fn trapezoid_integrated_gradients_are_captums_scaled_by_n_over_n_minus_1() {
    // Same points k/(n−1); Captum's weights are 1/n (halved at the ends), ours 1/(n−1)
    // (halved at the ends): every weight, hence every attribution, is n/(n−1) times Captum's,
    // and the delta is n/(n−1)·(Captum's delta + Δf) − Δf with Δf = f(x) − f(baseline).
    let r = reference();
    let (mut attr, mut delta) = (Agreement::default(), Agreement::default());
    for c in cases(&r, "integrated_gradients").filter(|c| c["rule"] == "riemann_trapezoid") {
        let n = c["n_steps"].as_f64().unwrap();
        let scale = n / (n - 1.0);
        let ig = integrated_gradients(&r, c);
        let want: Vec<f64> = flat(&c["attributions"]).iter().map(|a| a * scale).collect();
        let what = format!("IG trapezoid {} steps {} {}", c["model"], n, c["output"]);
        attr.check(ig.attributions.as_slice(), &want, &what);
        let want_delta: Vec<f64> = floats(&c["delta"])
            .iter()
            .zip(floats(&c["output_diff"]))
            .map(|(d, df)| scale * (d + df) - df)
            .collect();
        delta.check(&ig.delta, &want_delta, &format!("{what}: delta"));
    }
    attr.report("IG trapezoid attributions vs n/(n−1)·Captum");
    delta.report("IG trapezoid deltas vs n/(n−1)·(Captum delta + Δf) − Δf");
}

#[test]
fn on_a_linear_model_captums_trapezoid_under_attributes_by_1_over_n_and_ours_is_exact() {
    let r = reference();
    let x = tensor(&r["inputs"]);
    let targets = usizes(&r["targets"]);
    let w = matrix(&r["models"]["linear"]["layers"][0]["weight"]); // [out, in]
    let mut checked = 0;
    for c in cases(&r, "integrated_gradients")
        .filter(|c| c["rule"] == "riemann_trapezoid" && c["model"] == "linear" && c["output"] == "logit")
    {
        let n = c["n_steps"].as_f64().unwrap();
        let base = match &c["baseline"] {
            Value::Null => vec![0.0; 4],
            b => floats(b),
        };
        let exact: Vec<f64> = (0..x.batch_size())
            .flat_map(|i| {
                let (xi, wi, base) = (x.row(i).unwrap(), &w[targets[i]], &base);
                (0..4).map(move |j| (xi[j] as f64 - base[j]) * wi[j])
            })
            .collect();
        // Captum: (n−1)/n of the exact value (its float64 data, checked at 1e-7 relative:
        // Captum rounds its step sizes to f32, relative 6e-8).
        for (cap, ex) in flat(&c["attributions"]).iter().zip(&exact) {
            let want = (n - 1.0) / n * ex;
            assert!((cap - want).abs() <= 1e-7 * (1.0 + want.abs()), "{cap} vs {want}");
        }
        // Its convergence delta is −Δf/n; ours is ~0.
        for (d, df) in floats(&c["delta"]).iter().zip(floats(&c["output_diff"])) {
            assert!(
                (d + df / n).abs() <= 1e-7 * (1.0 + df.abs()),
                "{d} vs {}",
                -df / n
            );
        }
        let ig = integrated_gradients(&r, c);
        Agreement::default().check(ig.attributions.as_slice(), &exact, "trustnn trapezoid vs exact");
        assert!(ig.delta.iter().all(|d| d.abs() < 1e-5), "{:?}", ig.delta);
        checked += 1;
    }
    assert_eq!(checked, 4); // 50 and 10 steps, zero and non-zero baseline
}

#[test]
fn feature_ablation_matches_captum_with_baselines_and_feature_masks() {
    let r = reference();
    let x = tensor(&r["inputs"]);
    let targets = usizes(&r["targets"]);
    let mut agree = Agreement::default();
    for c in cases(&r, "feature_ablation") {
        let mut m = model(&r, c["model"].as_str().unwrap());
        let baseline = match &c["baseline"] {
            Value::Null => Baseline::Zero,
            Value::Number(v) => Baseline::Constant(v.as_f64().unwrap() as f32),
            b => Baseline::Sample(floats(b).into_iter().map(|v| v as f32).collect()),
        };
        let groups = match &c["feature_mask"] {
            Value::Null => None,
            g => Some(usizes(g)),
        };
        let a = feature_ablation(&mut m, &x, &targets, output(c), &baseline, groups.as_deref()).unwrap();
        agree.check(
            a.as_slice(),
            &flat(&c["attributions"]),
            &format!("FeatureAblation {c}"),
        );
    }
    agree.report("FeatureAblation");
}

#[test]
fn exact_kernel_shap_matches_captums_shapley_values_for_one_baseline_and_a_background_mean() {
    let r = reference();
    let x = tensor(&r["inputs"]);
    let targets = usizes(&r["targets"]);
    let mut agree = Agreement::default();
    for c in cases(&r, "shapley_values") {
        let mut m = model(&r, c["model"].as_str().unwrap());
        let explainer = KernelShap::new(tensor(&c["background"])).output(output(c));
        let want = matrix(&c["attributions"]);
        for (i, &t) in targets.iter().enumerate() {
            let xi = x.select_rows(&[i]).unwrap();
            let s = explainer.explain(&mut m, &xi, t).unwrap();
            assert!(s.exact);
            agree.check(&s.values, &want[i], &format!("Shapley {c} sample {i}"));
        }
    }
    agree.report("ShapleyValues (exact)");
}

fn attack_data(r: &Value) -> (Tensor, Tensor) {
    let x = tensor(&r["attack_inputs"]);
    let y: Vec<f32> = usizes(&r["attack_labels"]).iter().map(|&v| v as f32).collect();
    let n = y.len();
    (x, Tensor::from_vec(y, &[n]).unwrap())
}

#[test]
fn fgsm_matches_captum_robust_fgsm() {
    let r = reference();
    let (x, y) = attack_data(&r);
    let mut agree = Agreement::default();
    for c in cases(&r, "fgsm") {
        let mut m = model(&r, c["model"].as_str().unwrap());
        let eps = c["eps"].as_f64().unwrap() as f32;
        let adv = fgsm(&mut m, &x, &y, eps, InputRange::UNIT).unwrap();
        agree.check(
            adv.as_slice(),
            &flat(&c["adversarial"]),
            &format!("FGSM eps {eps}"),
        );
    }
    agree.report("FGSM");
}

#[test]
fn pgd_linf_matches_captum_and_pgd_l2_matches_the_torchattacks_update() {
    let r = reference();
    let (x, y) = attack_data(&r);
    let mut agree = [Agreement::default(), Agreement::default()];
    for c in cases(&r, "pgd") {
        let mut m = model(&r, c["model"].as_str().unwrap());
        let norm = if c["norm"] == "Linf" { Norm::Linf } else { Norm::L2 };
        let pgd = Pgd {
            eps: c["eps"].as_f64().unwrap() as f32,
            alpha: c["step_size"].as_f64().unwrap() as f32,
            steps: c["steps"].as_u64().unwrap() as usize,
            norm,
            random_start: false,
            seed: 0,
        };
        let adv = pgd.perturb(&mut m, &x, &y, InputRange::UNIT).unwrap();
        agree[usize::from(norm == Norm::L2)].check(
            adv.as_slice(),
            &flat(&c["adversarial"]),
            &format!("PGD {}", c["implementation"]),
        );
    }
    agree[0].report("PGD L∞ (captum.robust.PGD)");
    agree[1].report("PGD L2 (torchattacks update, manual torch)");
}
