//! Specification tests of the built-in activations (`trustnn::activation`).
//!
//! References are computed here in `f64` from PyTorch's formulas (as written in
//! `torch.nn`'s documentation and ATen's kernels), evaluated at the `f32` input. A value
//! `a` matches its reference `r` when `|a − r| ≤ 1e-7` or `|a − r| ≤ 1e-6·|r|`.
//! Gradients go through `ActivationLayer` and `trustnn::gradcheck::check_layer` (central
//! differences, tolerances stated at `GRAD_TOL`).

use std::f64::consts::{FRAC_1_SQRT_2, PI};

use trustnn::activation::{
    Activation, Elu, Gelu, GeluApproximation, Identity, LeakyRelu, Mish, NAMES, Relu, SELU_ALPHA, SELU_SCALE,
    Selu, Sigmoid, Silu, Softmax, Softplus, Swish, Tanh, by_name,
};
use trustnn::gradcheck::{GradCheckConfig, check_layer};
use trustnn::layer::{ActivationLayer, Layer, Mode};
use trustnn::rng::seeded;
use trustnn::{Error, Tensor};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Absolute tolerance of value comparisons against f64 references.
const ABS_TOL: f64 = 1e-7;
/// Relative tolerance of value comparisons against f64 references.
const REL_TOL: f64 = 1e-6;

/// Gradient-check configuration: the default step `1e-2` with tolerances ten times tighter
/// than the defaults (`rtol 1e-3`, `atol 1e-4`). Every activation passes it; the largest
/// errors seen are ~2e-5 absolute (tanh, SELU, GELU: the O(h²) truncation of the central
/// difference with h up to 0.04 at |x| = 4, plus f32 rounding of the objective).
const GRAD_TOL: GradCheckConfig = GradCheckConfig {
    step: 1e-2,
    rtol: 1e-4,
    atol: 1e-5,
    seed: 0,
};

/// The default-parameter instance of every activation (aliases left out).
fn all_activations() -> Vec<Box<dyn Activation>> {
    vec![
        Box::new(Identity),
        Box::new(Relu),
        Box::new(LeakyRelu::default()),
        Box::new(Elu::default()),
        Box::new(Selu),
        Box::new(Gelu::exact()),
        Box::new(Gelu::tanh()),
        Box::new(Sigmoid),
        Box::new(Tanh),
        Box::new(Softplus::default()),
        Box::new(Silu),
        Box::new(Mish),
        Box::new(Softmax),
    ]
}

fn close(actual: f32, reference: f64) -> bool {
    let err = (actual as f64 - reference).abs();
    err <= ABS_TOL || err <= REL_TOL * reference.abs()
}

/// A built `ActivationLayer` for samples of `features` values.
fn layer(act: Box<dyn Activation>, features: usize) -> ActivationLayer {
    let mut l = ActivationLayer::from_box(act);
    l.build(&[features], &mut seeded(0)).expect("valid activation");
    l
}

/// `(f(x), f'(x))` at each point of `xs`, through an `ActivationLayer` on a `[n, 1]` batch
/// (one value per sample) with `dL/dy = 1`.
fn eval(act: Box<dyn Activation>, xs: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let mut l = layer(act, 1);
    let x = Tensor::from_vec(xs.to_vec(), &[xs.len(), 1]).unwrap();
    let y = l.forward(&x, Mode::Train).unwrap().as_slice().to_vec();
    let dy = l
        .backward(&Tensor::full(&[xs.len(), 1], 1.0))
        .unwrap()
        .as_slice()
        .to_vec();
    (y, dy)
}

/// A `[4, 7]` input with values spread over [−4, 4] (steps of 8/27, shuffled across rows),
/// none closer than 0.148 to the kink at 0; the central-difference step is at most 0.04.
fn gradcheck_input() -> Tensor {
    let data = (0..28)
        .map(|i| -4.0 + 8.0 * ((i * 11) % 28) as f32 / 27.0)
        .collect();
    Tensor::from_vec(data, &[4, 7]).unwrap()
}

/// Asserts that `act` passes `check_layer` on [`gradcheck_input`] at [`GRAD_TOL`].
fn assert_gradcheck(act: Box<dyn Activation>) {
    let name = act.name();
    let mut l = layer(act, 7);
    let report = check_layer(&mut l, &gradcheck_input(), Mode::Train, &GRAD_TOL).unwrap();
    assert!(report.passed(), "{name}: {report}");
    assert_eq!(report.checked, 28);
}

/// Points of the forward/derivative comparisons.
const POINTS: &[f32] = &[
    -20.0, -10.0, -3.0, -1.0, -0.5, -0.1, 0.0, 0.1, 0.5, 1.0, 3.0, 10.0, 20.0,
];
/// Large inputs where naive formulas overflow.
const EXTREMES: &[f32] = &[-1000.0, -88.8, 88.8, 1000.0];

/// Asserts `f` and `f'` of `act` match the f64 references at `xs`.
fn assert_matches(act: Box<dyn Activation>, xs: &[f32], f: fn(f64) -> f64, df: fn(f64) -> f64) {
    let name = act.name();
    let (y, dy) = eval(act, xs);
    for ((&x, &y), &dy) in xs.iter().zip(&y).zip(&dy) {
        let (rf, rdf) = (f(x as f64), df(x as f64));
        assert!(y.is_finite() && dy.is_finite(), "{name}({x}) = {y}, f' = {dy}");
        assert!(close(y, rf), "{name}({x}) = {y}, reference {rf}");
        assert!(close(dy, rdf), "{name}'({x}) = {dy}, reference {rdf}");
    }
}

// ---------------------------------------------------------------------------------------
// f64 references, PyTorch's formulas written naively (f64 range covers the test points;
// at ±1000 the naive formulas reach their limits through ±inf, never NaN)
// ---------------------------------------------------------------------------------------

const TORCH_SELU_ALPHA: f64 = 1.673_263_242_354_377_3;
const TORCH_SELU_SCALE: f64 = 1.050_700_987_355_480_5;

fn sigmoid64(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}
fn relu_ref(x: f64) -> f64 {
    x.max(0.0)
}
fn relu_dref(x: f64) -> f64 {
    if x > 0.0 { 1.0 } else { 0.0 }
}
fn leaky_ref(x: f64) -> f64 {
    if x > 0.0 { x } else { 0.01f32 as f64 * x }
}
fn leaky_dref(x: f64) -> f64 {
    if x > 0.0 { 1.0 } else { 0.01f32 as f64 }
}
fn leaky02_ref(x: f64) -> f64 {
    if x > 0.0 { x } else { 0.2f32 as f64 * x }
}
fn leaky02_dref(x: f64) -> f64 {
    if x > 0.0 { 1.0 } else { 0.2f32 as f64 }
}
fn elu_ref(x: f64) -> f64 {
    if x > 0.0 { x } else { x.exp() - 1.0 }
}
fn elu_dref(x: f64) -> f64 {
    if x > 0.0 { 1.0 } else { x.exp() }
}
fn elu05_ref(x: f64) -> f64 {
    if x > 0.0 { x } else { 0.5 * (x.exp() - 1.0) }
}
fn elu05_dref(x: f64) -> f64 {
    if x > 0.0 { 1.0 } else { 0.5 * x.exp() }
}
fn selu_ref(x: f64) -> f64 {
    TORCH_SELU_SCALE * (x.max(0.0) + (TORCH_SELU_ALPHA * (x.exp() - 1.0)).min(0.0))
}
fn selu_dref(x: f64) -> f64 {
    if x > 0.0 {
        TORCH_SELU_SCALE
    } else {
        TORCH_SELU_SCALE * TORCH_SELU_ALPHA * x.exp()
    }
}
fn gelu_ref(x: f64) -> f64 {
    0.5 * x * (1.0 + libm::erf(x * FRAC_1_SQRT_2))
}
fn gelu_dref(x: f64) -> f64 {
    0.5 * (1.0 + libm::erf(x * FRAC_1_SQRT_2)) + x * (-0.5 * x * x).exp() / (2.0 * PI).sqrt()
}
fn gelu_tanh_inner(x: f64) -> f64 {
    (2.0 / PI).sqrt() * (x + 0.044715 * x * x * x)
}
fn gelu_tanh_ref(x: f64) -> f64 {
    0.5 * x * (1.0 + gelu_tanh_inner(x).tanh())
}
fn gelu_tanh_dref(x: f64) -> f64 {
    let t = gelu_tanh_inner(x).tanh();
    0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * (2.0 / PI).sqrt() * (1.0 + 3.0 * 0.044715 * x * x)
}
fn sigmoid_ref(x: f64) -> f64 {
    sigmoid64(x)
}
fn sigmoid_dref(x: f64) -> f64 {
    sigmoid64(x) * (1.0 - sigmoid64(x))
}
fn tanh_ref(x: f64) -> f64 {
    x.tanh()
}
fn tanh_dref(x: f64) -> f64 {
    1.0 - x.tanh() * x.tanh()
}
fn softplus_ref(x: f64) -> f64 {
    if x > 20.0 { x } else { x.exp().ln_1p() }
}
fn softplus_dref(x: f64) -> f64 {
    if x > 20.0 { 1.0 } else { x.exp() / (x.exp() + 1.0) }
}
/// Softplus with beta = 2, threshold = 10.
fn softplus_b2_ref(x: f64) -> f64 {
    if 2.0 * x > 10.0 {
        x
    } else {
        (2.0 * x).exp().ln_1p() / 2.0
    }
}
fn softplus_b2_dref(x: f64) -> f64 {
    if 2.0 * x > 10.0 { 1.0 } else { sigmoid64(2.0 * x) }
}
fn silu_ref(x: f64) -> f64 {
    x / (1.0 + (-x).exp())
}
fn silu_dref(x: f64) -> f64 {
    let s = sigmoid64(x);
    s * (1.0 + x * (1.0 - s))
}
fn mish_ref(x: f64) -> f64 {
    x * x.exp().ln_1p().tanh()
}
fn mish_dref(x: f64) -> f64 {
    let t = x.exp().ln_1p().tanh();
    t + x * sigmoid64(x) * (1.0 - t * t)
}
fn identity_ref(x: f64) -> f64 {
    x
}
fn one(_x: f64) -> f64 {
    1.0
}

// ---------------------------------------------------------------------------------------
// Per-activation specifications
// ---------------------------------------------------------------------------------------

macro_rules! elementwise_spec {
    ($module:ident, $make:expr, $f:expr, $df:expr) => {
        mod $module {
            use super::*;

            #[test]
            fn passes_gradient_check() {
                assert_gradcheck(Box::new($make));
            }

            #[test]
            fn forward_and_derivative_match_torch_formula_in_f64() {
                assert_matches(Box::new($make), POINTS, $f, $df);
            }

            #[test]
            fn forward_and_derivative_are_finite_and_correct_at_plus_minus_1000_and_88_8() {
                assert_matches(Box::new($make), EXTREMES, $f, $df);
            }
        }
    };
}

elementwise_spec!(identity, Identity, identity_ref, one);
elementwise_spec!(relu, Relu, relu_ref, relu_dref);
elementwise_spec!(leaky_relu, LeakyRelu::default(), leaky_ref, leaky_dref);
elementwise_spec!(
    leaky_relu_alpha_0_2,
    LeakyRelu::new(0.2),
    leaky02_ref,
    leaky02_dref
);
elementwise_spec!(elu, Elu::default(), elu_ref, elu_dref);
elementwise_spec!(elu_alpha_0_5, Elu::new(0.5), elu05_ref, elu05_dref);
elementwise_spec!(selu, Selu, selu_ref, selu_dref);
elementwise_spec!(gelu_exact, Gelu::exact(), gelu_ref, gelu_dref);
elementwise_spec!(gelu_tanh, Gelu::tanh(), gelu_tanh_ref, gelu_tanh_dref);
elementwise_spec!(sigmoid, Sigmoid, sigmoid_ref, sigmoid_dref);
elementwise_spec!(tanh, Tanh, tanh_ref, tanh_dref);
elementwise_spec!(softplus, Softplus::default(), softplus_ref, softplus_dref);
elementwise_spec!(
    softplus_beta_2_threshold_10,
    Softplus::new(2.0, 10.0),
    softplus_b2_ref,
    softplus_b2_dref
);
elementwise_spec!(silu, Silu, silu_ref, silu_dref);
elementwise_spec!(mish, Mish, mish_ref, mish_dref);

// ---------------------------------------------------------------------------------------
// Softmax
// ---------------------------------------------------------------------------------------

fn softmax_rows(x: &Tensor) -> Tensor {
    let mut l = layer(Box::new(Softmax), x.sample_size());
    l.forward(x, Mode::Train).unwrap().clone()
}

fn softmax64(row: &[f32]) -> Vec<f64> {
    let m = row.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v as f64));
    let e: Vec<f64> = row.iter().map(|&v| (v as f64 - m).exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|v| v / s).collect()
}

#[test]
fn softmax_passes_gradient_check() {
    assert_gradcheck(Box::new(Softmax));
}

#[test]
fn softmax_matches_f64_reference_row_by_row() {
    let x = Tensor::from_rows(&[[-3.0, -0.5, 0.0, 0.5, 3.0], [20.0, -20.0, 1.0, 2.0, 2.5]]).unwrap();
    let y = softmax_rows(&x);
    for r in 0..2 {
        for (&a, b) in y.row(r).unwrap().iter().zip(softmax64(x.row(r).unwrap())) {
            assert!(close(a, b), "row {r}: {a} vs {b}");
        }
    }
}

#[test]
fn softmax_backward_is_the_jacobian_vector_product() {
    let x = Tensor::from_rows(&[[0.3, -1.2, 2.0, 0.0], [5.0, 4.0, -3.0, 1.0]]).unwrap();
    let g = Tensor::from_rows(&[[1.0, -0.5, 0.25, 2.0], [-1.0, 0.0, 3.0, 0.5]]).unwrap();
    let mut l = layer(Box::new(Softmax), 4);
    l.forward(&x, Mode::Train).unwrap();
    let gx = l.backward(&g).unwrap().clone();
    for r in 0..2 {
        let y = softmax64(x.row(r).unwrap());
        let gy: Vec<f64> = g.row(r).unwrap().iter().map(|&v| v as f64).collect();
        // Full Jacobian J_ij = y_i (δ_ij − y_j); gx = Jᵀ gy.
        for i in 0..4 {
            let reference: f64 = (0..4)
                .map(|j| gy[j] * y[j] * (if i == j { 1.0 } else { 0.0 } - y[i]))
                .sum();
            let a = gx.row(r).unwrap()[i];
            assert!(close(a, reference), "row {r}, col {i}: {a} vs {reference}");
        }
    }
}

#[test]
fn softmax_rows_sum_to_one() {
    let x = Tensor::from_rows(&[
        [-3.0, 0.1, 2.0, 7.5, -0.25],
        [0.0, 0.0, 0.0, 0.0, 0.0],
        [50.0, 49.0, -80.0, 3.0, 1.0],
    ])
    .unwrap();
    let y = softmax_rows(&x);
    for r in 0..3 {
        let s: f64 = y.row(r).unwrap().iter().map(|&v| v as f64).sum();
        assert!((s - 1.0).abs() < 1e-6, "row {r} sums to {s}");
        assert!(y.row(r).unwrap().iter().all(|&v| (0.0..=1.0).contains(&v)));
    }
}

#[test]
fn softmax_is_invariant_to_adding_a_constant_to_a_row() {
    let x = Tensor::from_rows(&[[-1.5, 0.25, 2.0, 0.5], [3.0, -2.0, 0.0, 1.0]]).unwrap();
    let base = softmax_rows(&x);
    for c in [-100.0f32, -1.0, 0.5, 60.0] {
        let shifted = softmax_rows(&x.map(|v| v + c));
        assert!(
            base.max_abs_diff(&shifted) < 1e-6,
            "shift {c}: {:?} vs {:?}",
            shifted,
            base
        );
    }
}

#[test]
fn softmax_matches_f64_reference_at_plus_minus_88_8_and_1000() {
    let x = Tensor::from_rows(&[
        [88.8, -88.8, 0.0],
        [1000.0, 88.8, -1000.0],
        [-88.8, -1000.0, -88.0],
    ])
    .unwrap();
    let y = softmax_rows(&x);
    for r in 0..3 {
        for (&a, b) in y.row(r).unwrap().iter().zip(softmax64(x.row(r).unwrap())) {
            assert!(a.is_finite() && close(a, b), "row {r}: {a} vs {b}");
        }
    }
}

#[test]
fn softmax_of_1000_minus_1000_0_is_one_hot() {
    let y = softmax_rows(&Tensor::from_rows(&[[1000.0, -1000.0, 0.0]]).unwrap());
    assert_eq!(y.as_slice(), &[1.0, 0.0, 0.0]);
}

#[test]
fn softmax_of_large_equal_values_is_uniform_and_backward_is_finite() {
    let x = Tensor::from_rows(&[[1000.0, 1000.0], [-88.8, -88.8], [f32::MAX, -f32::MAX]]).unwrap();
    let mut l = layer(Box::new(Softmax), 2);
    let y = l.forward(&x, Mode::Train).unwrap().clone();
    assert_eq!(y.as_slice(), &[0.5, 0.5, 0.5, 0.5, 1.0, 0.0]);
    let gx = l
        .backward(&Tensor::from_rows(&[[1.0, -1.0], [2.0, 0.0], [1.0, 3.0]]).unwrap())
        .unwrap();
    assert!(gx.as_slice().iter().all(|v| v.is_finite()));
    assert_eq!(gx.row(0).unwrap(), &[0.5, -0.5]);
}

#[test]
fn softmax_acts_on_each_sample_as_a_whole() {
    // A [1, 2, 2] sample is flattened to one row of 4 values.
    let x = Tensor::from_vec(vec![0.0, 1.0, 2.0, 3.0], &[1, 2, 2]).unwrap();
    let mut l = layer(Box::new(Softmax), 4);
    let y = l.forward(&x, Mode::Eval).unwrap();
    let s: f32 = y.as_slice().iter().sum();
    assert!((s - 1.0).abs() < 1e-6);
    for (&a, b) in y.as_slice().iter().zip(softmax64(&[0.0, 1.0, 2.0, 3.0])) {
        assert!(close(a, b));
    }
}

// ---------------------------------------------------------------------------------------
// Named values from the PyTorch documentation / limits
// ---------------------------------------------------------------------------------------

fn f_df(act: impl Activation + 'static, x: f32) -> (f32, f32) {
    let (y, dy) = eval(Box::new(act), &[x]);
    (y[0], dy[0])
}

#[test]
fn relu_derivative_at_zero_is_zero() {
    assert_eq!(f_df(Relu, 0.0), (0.0, 0.0));
}

#[test]
fn leaky_relu_derivative_at_zero_is_alpha_as_pytorch() {
    assert_eq!(f_df(LeakyRelu::new(0.3), 0.0), (0.0, 0.3));
}

#[test]
fn elu_and_selu_derivatives_at_zero_are_their_negative_side_limits_as_pytorch() {
    assert_eq!(f_df(Elu::new(0.7), 0.0), (0.0, 0.7));
    assert_eq!(f_df(Selu, 0.0).1, SELU_ALPHA * SELU_SCALE);
}

#[test]
fn sigmoid_saturates_to_exactly_one_and_zero_at_plus_minus_1000() {
    assert_eq!(f_df(Sigmoid, 1000.0), (1.0, 0.0));
    assert_eq!(f_df(Sigmoid, -1000.0), (0.0, 0.0));
}

#[test]
fn softplus_of_1000_is_1000_with_derivative_1() {
    assert_eq!(f_df(Softplus::default(), 1000.0), (1000.0, 1.0));
    assert_eq!(f_df(Softplus::default(), -1000.0), (0.0, 0.0));
}

#[test]
fn softplus_with_infinite_threshold_is_still_exact_at_1000() {
    assert_eq!(f_df(Softplus::new(1.0, f32::INFINITY), 1000.0), (1000.0, 1.0));
}

#[test]
fn softplus_is_the_identity_where_beta_x_exceeds_the_threshold() {
    // beta·x = 1.2 > 1: PyTorch returns x, not log1p(exp(1.2))/2 = 0.6316.
    assert_eq!(f_df(Softplus::new(2.0, 1.0), 0.6), (0.6, 1.0));
    let (y, _) = f_df(Softplus::new(2.0, 1.0), 0.4);
    assert!(close(y, (0.8f64).exp().ln_1p() / 2.0));
}

#[test]
fn mish_is_zero_at_minus_1000_and_identity_at_1000() {
    assert_eq!(f_df(Mish, -1000.0), (0.0, 0.0));
    assert_eq!(f_df(Mish, 1000.0), (1000.0, 1.0));
}

#[test]
fn silu_is_zero_at_minus_1000_and_identity_at_1000() {
    assert_eq!(f_df(Silu, -1000.0), (0.0, 0.0));
    assert_eq!(f_df(Silu, 1000.0), (1000.0, 1.0));
}

#[test]
fn gelu_both_forms_are_zero_at_minus_1000_and_identity_at_1000() {
    for g in [Gelu::exact(), Gelu::tanh()] {
        assert_eq!(f_df(g, -1000.0), (0.0, 0.0), "{g:?}");
        assert_eq!(f_df(g, 1000.0), (1000.0, 1.0), "{g:?}");
    }
}

#[test]
fn elu_and_selu_saturate_at_minus_1000() {
    assert_eq!(f_df(Elu::default(), -1000.0), (-1.0, 0.0));
    assert_eq!(f_df(Selu, -1000.0), (-SELU_ALPHA * SELU_SCALE, 0.0));
}

#[test]
fn no_activation_returns_nan_or_overflows_needlessly_for_finite_inputs_of_any_magnitude() {
    let mut xs = vec![
        0.0f32,
        -0.0,
        f32::MAX,
        -f32::MAX,
        f32::MIN_POSITIVE,
        -f32::MIN_POSITIVE,
    ];
    for k in -10..=38 {
        let m = 10f32.powi(k);
        for v in [m, 1.7 * m, 3.3 * m] {
            if v.is_finite() {
                xs.extend([v, -v]);
            }
        }
    }
    for act in all_activations() {
        let name = act.name();
        // One value per sample, so softmax also sees every value alone.
        let (y, dy) = eval(act, &xs);
        for ((&x, y), dy) in xs.iter().zip(y).zip(dy) {
            // |f(x)| <= |x| for all but SELU, whose scale·x exceeds f32's range (true overflow,
            // +inf as in PyTorch) above f32::MAX / 1.0507; never NaN.
            let overflows = name == "selu" && x as f64 * TORCH_SELU_SCALE > f32::MAX as f64;
            assert!(dy.is_finite(), "{name}'({x}) = {dy}");
            if overflows {
                assert_eq!(y, f32::INFINITY, "{name}({x})");
            } else {
                assert!(y.is_finite(), "{name}({x}) = {y}");
            }
        }
    }
}

#[test]
fn huge_inputs_keep_the_asymptotes() {
    for x in [1e13f32, 1e20, f32::MAX] {
        for act in [
            Box::new(Gelu::exact()) as Box<dyn Activation>,
            Box::new(Gelu::tanh()),
            Box::new(Silu),
            Box::new(Mish),
            Box::new(Softplus::default()),
            Box::new(Relu),
        ] {
            let name = act.name();
            let (y, dy) = eval(act, &[x, -x]);
            assert_eq!(y, vec![x, 0.0], "{name} at ±{x}");
            assert_eq!(dy, vec![1.0, 0.0], "{name}' at ±{x}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Parameters, defaults and validation
// ---------------------------------------------------------------------------------------

#[test]
fn defaults_are_pytorchs() {
    assert_eq!(LeakyRelu::default().alpha, 0.01);
    assert_eq!(Elu::default().alpha, 1.0);
    assert_eq!(
        Softplus::default(),
        Softplus {
            beta: 1.0,
            threshold: 20.0
        }
    );
    assert_eq!(Gelu::default(), Gelu::exact());
    assert_eq!(Gelu::default().approximate, GeluApproximation::Exact);
    assert_eq!(Gelu::tanh().approximate, GeluApproximation::Tanh);
}

#[test]
fn selu_constants_are_pytorchs_rounded_to_f32() {
    assert_eq!(SELU_ALPHA, TORCH_SELU_ALPHA as f32);
    assert_eq!(SELU_SCALE, TORCH_SELU_SCALE as f32);
}

fn assert_invalid(act: impl Activation + 'static, param: &str) {
    match act.validate() {
        Err(Error::InvalidConfig { param: p, .. }) => assert_eq!(p, param),
        other => panic!("{act:?}: expected InvalidConfig for {param}, got {other:?}"),
    }
    let mut l = ActivationLayer::new(act);
    assert!(
        l.build(&[3], &mut seeded(0)).is_err(),
        "build must reject {param}"
    );
}

#[test]
fn leaky_relu_alpha_must_be_finite() {
    assert_invalid(LeakyRelu { alpha: f32::NAN }, "LeakyRelu.alpha");
    assert_invalid(LeakyRelu::new(f32::INFINITY), "LeakyRelu.alpha");
    assert!(LeakyRelu::new(-0.5).validate().is_ok());
}

#[test]
fn elu_alpha_must_be_finite() {
    assert_invalid(Elu { alpha: f32::NAN }, "Elu.alpha");
    assert_invalid(Elu::new(f32::NEG_INFINITY), "Elu.alpha");
    assert!(Elu::new(2.0).validate().is_ok());
}

#[test]
fn softplus_beta_must_be_positive_and_finite() {
    for beta in [0.0, -1.0, f32::NAN, f32::INFINITY] {
        assert_invalid(Softplus::new(beta, 20.0), "Softplus.beta");
    }
    assert!(Softplus::new(0.5, 20.0).validate().is_ok());
}

#[test]
fn softplus_threshold_must_not_be_nan() {
    assert_invalid(Softplus::new(1.0, f32::NAN), "Softplus.threshold");
    assert!(Softplus::new(1.0, f32::INFINITY).validate().is_ok());
}

#[test]
fn every_default_activation_is_valid() {
    for act in all_activations() {
        assert!(act.validate().is_ok(), "{}", act.name());
    }
}

// ---------------------------------------------------------------------------------------
// by_name
// ---------------------------------------------------------------------------------------

#[test]
fn by_name_of_an_unknown_name_is_unknown_name_listing_the_known_ones() {
    match by_name("nope") {
        Err(Error::UnknownName { name, known, .. }) => {
            assert_eq!(name, "nope");
            for n in NAMES {
                assert!(known.split(", ").any(|k| k == *n), "{n} missing from {known}");
            }
        }
        other => panic!("expected UnknownName, got {other:?}"),
    }
    assert!(matches!(by_name("ReLU"), Err(Error::UnknownName { .. })));
}

#[test]
fn by_name_accepts_every_documented_name() {
    let expected = [
        ("relu", "relu"),
        ("leaky_relu", "leaky_relu"),
        ("elu", "elu"),
        ("selu", "selu"),
        ("gelu", "gelu"),
        ("gelu_tanh", "gelu_tanh"),
        ("sigmoid", "sigmoid"),
        ("tanh", "tanh"),
        ("softplus", "softplus"),
        ("silu", "silu"),
        ("swish", "silu"),
        ("mish", "mish"),
        ("softmax", "softmax"),
        ("identity", "identity"),
        ("linear", "identity"),
    ];
    assert_eq!(NAMES.len(), expected.len());
    for (asked, reported) in expected {
        assert!(NAMES.contains(&asked));
        assert_eq!(by_name(asked).unwrap().name(), reported, "by_name({asked:?})");
    }
}

/// Outputs and input gradients of `act` on a fixed [3, 5] batch.
fn fingerprint(act: Box<dyn Activation>) -> (Vec<f32>, Vec<f32>) {
    let x = Tensor::from_rows(&[
        [-3.0, -0.5, 0.0, 0.5, 3.0],
        [-20.0, -1.0, 0.25, 1.0, 25.0],
        [-0.1, 0.1, 2.0, -2.0, 10.0],
    ])
    .unwrap();
    let g = x.map(|v| 0.3 * v - 0.7);
    let mut l = layer(act, 5);
    let y = l.forward(&x, Mode::Train).unwrap().as_slice().to_vec();
    let gx = l.backward(&g).unwrap().as_slice().to_vec();
    (y, gx)
}

#[test]
fn every_activations_name_round_trips_through_by_name() {
    for act in all_activations() {
        let name = act.name();
        let again = by_name(name).unwrap();
        assert_eq!(again.name(), name);
        assert_eq!(fingerprint(again), fingerprint(act.clone()), "{name}");
    }
    assert_eq!(Activation::name(&Swish::default()), "silu");
    assert_eq!(Activation::name(&Gelu::tanh()), "gelu_tanh");
}

#[test]
fn all_activations_are_distinct_functions() {
    // Guards the round-trip test: no two built-ins compute the same thing.
    let prints: Vec<_> = all_activations().into_iter().map(fingerprint).collect();
    for i in 0..prints.len() {
        for j in i + 1..prints.len() {
            assert_ne!(prints[i], prints[j], "activations {i} and {j} coincide");
        }
    }
}
