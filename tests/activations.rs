//! Specification tests of the built-in activations (`trustnn::activation`).
//!
//! References are computed here in `f64` from PyTorch's formulas (as written in
//! `torch.nn`'s documentation and ATen's kernels), evaluated at the `f32` input. A value
//! `a` matches its reference `r` when `|a − r| ≤ 1e-7` or `|a − r| ≤ 1e-6·|r|`.
//! Gradients go through `ActivationLayer` and `trustnn::gradcheck::check_layer` (central
//! differences, tolerances stated at `GRAD_TOL`).

use std::f64::consts::{FRAC_1_SQRT_2, PI};

use trustnn::activation::{
    Activation, Elu, Gelu, GeluApproximation, Identity, LeakyRelu, Mish, NAMES, Relu, SELU_ALPHA,
    SELU_SCALE, Selu, Sigmoid, Silu, Softmax, Softplus, Swish, Tanh, by_name,
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
/// than the defaults (`rtol 1e-3`, `atol 1e-4`); every activation passes it (largest errors
/// seen: ~1e-5 absolute, from the O(h²) truncation of the central difference at h = 0.04).
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
    let dy = l.backward(&Tensor::full(&[xs.len(), 1], 1.0)).unwrap().as_slice().to_vec();
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
    if x > 0.0 { TORCH_SELU_SCALE } else { TORCH_SELU_SCALE * TORCH_SELU_ALPHA * x.exp() }
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
    if 2.0 * x > 10.0 { x } else { (2.0 * x).exp().ln_1p() / 2.0 }
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
elementwise_spec!(leaky_relu_alpha_0_2, LeakyRelu::new(0.2), leaky02_ref, leaky02_dref);
elementwise_spec!(elu, Elu::default(), elu_ref, elu_dref);
elementwise_spec!(elu_alpha_0_5, Elu::new(0.5), elu05_ref, elu05_dref);
elementwise_spec!(selu, Selu, selu_ref, selu_dref);
elementwise_spec!(gelu_exact, Gelu::exact(), gelu_ref, gelu_dref);
elementwise_spec!(gelu_tanh, Gelu::tanh(), gelu_tanh_ref, gelu_tanh_dref);
elementwise_spec!(sigmoid, Sigmoid, sigmoid_ref, sigmoid_dref);
elementwise_spec!(tanh, Tanh, tanh_ref, tanh_dref);
elementwise_spec!(softplus, Softplus::default(), softplus_ref, softplus_dref);
elementwise_spec!(softplus_beta_2_threshold_10, Softplus::new(2.0, 10.0), softplus_b2_ref, softplus_b2_dref);
elementwise_spec!(silu, Silu, silu_ref, silu_dref);
elementwise_spec!(mish, Mish, mish_ref, mish_dref);
