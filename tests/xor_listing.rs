//! The XOR listing of the project's source document, corrected, in plain
//! ndarray + f64 (see `docs/MATH.md`, section "The XOR listing, corrected").
//!
//! Network: 2 inputs -> 3 tanh hidden units -> 1 sigmoid output, trained by
//! full-batch gradient descent on the mean binary cross-entropy computed from
//! the logit. Batch-major rows, Keras' weight layout:
//!
//! ```text
//! Z1 = X·W1 + b1    X [4, 2], W1 [2, 3], b1 [3]   -> Z1 [4, 3]
//! A1 = tanh(Z1)
//! Z2 = A1·W2 + b2   W2 [3, 1], b2 [1]             -> Z2 [4, 1]
//! L  = mean_i( max(z,0) − z·y + ln(1 + exp(−|z|)) ),  z = Z2[i, 0], y = Y[i, 0]
//!
//! dZ2 = (σ(Z2) − Y) / N
//! dW2 = A1ᵀ·dZ2,  db2 = Σ_rows dZ2
//! dA1 = dZ2·W2ᵀ
//! dZ1 = dA1 ⊙ (1 − A1²)          (the listing's bug (c) used 1 − tanh(A1)²)
//! dW1 = Xᵀ·dZ1,   db1 = Σ_rows dZ1
//! ```
//!
//! This test deliberately does not use the trustnn API: it pins down the
//! mathematics independently of the library.

use ndarray::{Array1, Array2, Axis, array};

/// Learning rate of the gradient-descent run in `corrected_network_learns_xor`.
const LEARNING_RATE: f64 = 0.5;
/// Number of full-batch gradient-descent steps.
const EPOCHS: usize = 2000;
/// Step of the central finite differences.
const FD_STEP: f64 = 1e-6;
/// Relative tolerance between analytic and finite-difference gradients.
const GRAD_RTOL: f64 = 1e-6;

/// The four XOR examples, one per row, and their targets.
fn xor_data() -> (Array2<f64>, Array2<f64>) {
    let x = array![[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let y = array![[0.0], [1.0], [1.0], [0.0]];
    (x, y)
}

/// The parameters of the network (or their gradients, which have the same shapes).
#[derive(Clone, Debug, PartialEq)]
struct Params {
    w1: Array2<f64>,
    b1: Array1<f64>,
    w2: Array2<f64>,
    b2: Array1<f64>,
}

impl Params {
    /// Fixed initial weights, written out so the test is deterministic.
    fn initial() -> Self {
        Params {
            w1: array![[0.5, -0.4, 0.8], [-0.6, 0.7, 0.3]],
            b1: array![0.1, -0.2, 0.05],
            w2: array![[0.6], [-0.5], [0.4]],
            b2: array![0.1],
        }
    }

    /// All parameters, in the order W1, b1, W2, b2 (row-major within each).
    fn to_flat(&self) -> Vec<f64> {
        self.w1
            .iter()
            .chain(self.b1.iter())
            .chain(self.w2.iter())
            .chain(self.b2.iter())
            .copied()
            .collect()
    }

    /// Inverse of [`Params::to_flat`], with the shapes of the XOR network.
    fn from_flat(theta: &[f64]) -> Self {
        assert_eq!(theta.len(), 13);
        Params {
            w1: Array2::from_shape_vec((2, 3), theta[0..6].to_vec()).unwrap(),
            b1: Array1::from(theta[6..9].to_vec()),
            w2: Array2::from_shape_vec((3, 1), theta[9..12].to_vec()).unwrap(),
            b2: Array1::from(theta[12..13].to_vec()),
        }
    }

    /// Gradient-descent step `θ ← θ − η ∇θ L`.
    fn step(&mut self, grad: &Params, learning_rate: f64) {
        self.w1.scaled_add(-learning_rate, &grad.w1);
        self.b1.scaled_add(-learning_rate, &grad.b1);
        self.w2.scaled_add(-learning_rate, &grad.w2);
        self.b2.scaled_add(-learning_rate, &grad.b2);
    }
}

/// Intermediate values of a forward pass.
struct Forward {
    a1: Array2<f64>,
    z2: Array2<f64>,
}

/// Corrected forward pass: `Z1 = X·W1 + b1`, `A1 = tanh(Z1)`, `Z2 = A1·W2 + b2`.
fn forward(p: &Params, x: &Array2<f64>) -> Forward {
    let z1 = x.dot(&p.w1) + &p.b1; // fix (a): X·W1, not W1·X
    let a1 = z1.tanh();
    let z2 = a1.dot(&p.w2) + &p.b2; // fix (b): from A1, not from Z1 (or Z2)
    Forward { a1, z2 }
}

/// Forward pass with bug (b): the output is computed from the pre-activation
/// `Z1`, so the tanh is computed but never used and the model is affine in `X`.
fn forward_from_preactivation(p: &Params, x: &Array2<f64>) -> Array2<f64> {
    let z1 = x.dot(&p.w1) + &p.b1;
    z1.dot(&p.w2) + &p.b2
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Mean binary cross-entropy from logits, in the stable form
/// `max(z,0) − z·y + ln(1 + exp(−|z|))`.
fn bce_with_logits(z2: &Array2<f64>, y: &Array2<f64>) -> f64 {
    let total: f64 = z2
        .iter()
        .zip(y.iter())
        .map(|(&z, &t)| z.max(0.0) - z * t + (-z.abs()).exp().ln_1p())
        .sum();
    total / z2.nrows() as f64
}

fn loss(p: &Params, x: &Array2<f64>, y: &Array2<f64>) -> f64 {
    bce_with_logits(&forward(p, x).z2, y)
}

/// Which expression the backward pass uses for the derivative of tanh.
#[derive(Clone, Copy)]
enum TanhDerivative {
    /// `1 − tanh(Z1)² = 1 − A1²`: correct.
    OfPreactivation,
    /// `1 − tanh(A1)²`: the listing's bug (c), tanh applied twice.
    OfActivation,
}

/// Backpropagation through the network.
fn backward(
    p: &Params,
    x: &Array2<f64>,
    y: &Array2<f64>,
    fwd: &Forward,
    derivative: TanhDerivative,
) -> Params {
    let n = x.nrows() as f64;
    let dz2 = (fwd.z2.mapv(sigmoid) - y) / n;
    let dw2 = fwd.a1.t().dot(&dz2);
    let db2 = dz2.sum_axis(Axis(0));
    let da1 = dz2.dot(&p.w2.t());
    let tanh_prime = match derivative {
        TanhDerivative::OfPreactivation => fwd.a1.mapv(|a| 1.0 - a * a),
        TanhDerivative::OfActivation => fwd.a1.mapv(|a| 1.0 - a.tanh().powi(2)),
    };
    let dz1 = da1 * tanh_prime;
    let dw1 = x.t().dot(&dz1);
    let db1 = dz1.sum_axis(Axis(0));
    Params {
        w1: dw1,
        b1: db1,
        w2: dw2,
        b2: db2,
    }
}

fn gradient(p: &Params, x: &Array2<f64>, y: &Array2<f64>, derivative: TanhDerivative) -> Params {
    backward(p, x, y, &forward(p, x), derivative)
}

/// Central finite differences `(L(θ + h e_k) − L(θ − h e_k)) / 2h`, flat.
fn numerical_gradient(p: &Params, x: &Array2<f64>, y: &Array2<f64>) -> Vec<f64> {
    let theta = p.to_flat();
    (0..theta.len())
        .map(|k| {
            let mut plus = theta.clone();
            plus[k] += FD_STEP;
            let mut minus = theta.clone();
            minus[k] -= FD_STEP;
            let l_plus = loss(&Params::from_flat(&plus), x, y);
            let l_minus = loss(&Params::from_flat(&minus), x, y);
            (l_plus - l_minus) / (2.0 * FD_STEP)
        })
        .collect()
}

/// Largest relative error `|a − n| / max(|a|, |n|, 1e-3)` over the components.
/// The floor 1e-3 keeps components that are (nearly) zero from turning
/// round-off into a huge ratio; every gradient component here is above it (the
/// smallest, dL/dW1[0,2] at the initial weights, is about 5e-3).
fn max_relative_error(analytic: &[f64], numeric: &[f64]) -> f64 {
    assert_eq!(analytic.len(), numeric.len());
    analytic
        .iter()
        .zip(numeric)
        .map(|(&a, &n)| (a - n).abs() / a.abs().max(n.abs()).max(1e-3))
        .fold(0.0, f64::max)
}

/// Number of examples whose predicted class (`logit > 0`) equals the target.
fn correct_count(z2: &Array2<f64>, y: &Array2<f64>) -> usize {
    z2.iter()
        .zip(y.iter())
        .filter(|&(&z, &t)| (z > 0.0) == (t > 0.5))
        .count()
}

#[test]
fn corrected_backprop_matches_finite_differences() {
    let (x, y) = xor_data();
    let p = Params::initial();
    let analytic = gradient(&p, &x, &y, TanhDerivative::OfPreactivation).to_flat();
    let numeric = numerical_gradient(&p, &x, &y);
    // f64, central differences with h = 1e-6: truncation error O(h²) ≈ 1e-12
    // and round-off ≈ ε·L/h ≈ 1e-10, so a relative tolerance of 1e-6 leaves a
    // wide margin while still catching any wrong term in the recurrences.
    let err = max_relative_error(&analytic, &numeric);
    assert!(err < GRAD_RTOL, "max relative error {err:e} >= {GRAD_RTOL:e}");
}

#[test]
fn derivative_on_activation_is_wrong() {
    let (x, y) = xor_data();
    let p = Params::initial();
    let numeric = numerical_gradient(&p, &x, &y);
    let correct = gradient(&p, &x, &y, TanhDerivative::OfPreactivation).to_flat();
    let wrong = gradient(&p, &x, &y, TanhDerivative::OfActivation).to_flat();

    assert!(max_relative_error(&correct, &numeric) < GRAD_RTOL);
    // The output-layer gradients (W2, b2: components 9..13) do not involve
    // the tanh derivative, so they agree either way ...
    assert!(max_relative_error(&wrong[9..], &numeric[9..]) < GRAD_RTOL);
    // ... but the hidden-layer ones (W1, b1: components 0..9) are off by
    // orders of magnitude more than the tolerance.
    let err = max_relative_error(&wrong[..9], &numeric[..9]);
    assert!(err > 1e-2, "bug (c) should be measurable, error {err:e}");
}

#[test]
fn wrong_operand_order_is_a_shape_error() {
    let (x, _) = xor_data();
    let w1 = Params::initial().w1;
    // W1 [2, 3] · X [4, 2]: the inner dimensions are 3 and 4, they disagree.
    assert_eq!(w1.dim(), (2, 3));
    assert_eq!(x.dim(), (4, 2));
    assert_ne!(w1.ncols(), x.nrows());
    // So `w1.dot(&x)` would panic ("ndarray: inputs 2 × 3 and 4 × 2 are not
    // compatible for matrix multiplication"); it is not called here so the
    // test prints nothing.
    // The batch-major order X [4, 2] · W1 [2, 3] is valid: one row of
    // hidden pre-activations per example.
    assert_eq!(x.ncols(), w1.nrows());
    assert_eq!(x.dot(&w1).dim(), (4, 3));
    // `W·X` is the feature-major convention: data as columns Xᵀ [2, 4] and the
    // weight stored [out, in] = W1ᵀ [3, 2] (PyTorch's layout). It computes the
    // transpose of the same pre-activations, (X·W1)ᵀ = W1ᵀ·Xᵀ.
    assert_eq!(w1.t().dot(&x.t()), x.dot(&w1).t());
}

#[test]
fn output_from_preactivation_differs_from_output_from_activation() {
    let (x, y) = xor_data();
    let p = Params::initial();

    // Different network functions for the same parameters.
    let correct = forward(&p, &x).z2;
    let buggy = forward_from_preactivation(&p, &x);
    let max_gap = (&correct - &buggy)
        .mapv(f64::abs)
        .fold(0.0, |m: f64, &v| m.max(v));
    assert!(max_gap > 1e-2, "outputs differ by only {max_gap:e}");

    // The buggy model skips the tanh: it is affine in X, so its logits obey
    // z(0,0) + z(1,1) = z(0,1) + z(1,0). Classifying XOR right needs the left
    // side negative and the right side positive, so no affine model gets 4/4.
    let affine_defect = |z: &Array2<f64>| z[[0, 0]] + z[[3, 0]] - z[[1, 0]] - z[[2, 0]];
    assert!(affine_defect(&buggy).abs() < 1e-12);
    assert!(affine_defect(&correct).abs() > 1e-3);

    // Train the buggy model by gradient descent exactly like the corrected one
    // (its backward pass has no tanh derivative): it stays below 4/4.
    let mut q = Params::initial();
    for _ in 0..EPOCHS {
        let z1 = x.dot(&q.w1) + &q.b1;
        let z2 = z1.dot(&q.w2) + &q.b2;
        let dz2 = (z2.mapv(sigmoid) - &y) / x.nrows() as f64;
        let dz1 = dz2.dot(&q.w2.t());
        let grad = Params {
            w1: x.t().dot(&dz1),
            b1: dz1.sum_axis(Axis(0)),
            w2: z1.t().dot(&dz2),
            b2: dz2.sum_axis(Axis(0)),
        };
        q.step(&grad, LEARNING_RATE);
    }
    let buggy_trained = forward_from_preactivation(&q, &x);
    assert!(correct_count(&buggy_trained, &y) < 4);
    assert!(affine_defect(&buggy_trained).abs() < 1e-9);

    // The least-squares affine fit to XOR is the constant 1/2: it carries no
    // class information at all. Normal equations for [1, x1, x2] on the four
    // points: (AᵀA) c = Aᵀy, solved here in closed form.
    let design = array![[1.0, 0.0, 0.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0], [1.0, 1.0, 1.0]];
    let coef = array![0.5, 0.0, 0.0];
    let residual = design.dot(&coef) - y.column(0);
    let normal = design.t().dot(&residual);
    assert!(normal.iter().all(|v| v.abs() < 1e-12));

    // The corrected network, from the same start and with the same schedule, does.
    let mut r = Params::initial();
    for _ in 0..EPOCHS {
        let grad = gradient(&r, &x, &y, TanhDerivative::OfPreactivation);
        r.step(&grad, LEARNING_RATE);
    }
    assert_eq!(correct_count(&forward(&r, &x).z2, &y), 4);
}

#[test]
fn corrected_network_learns_xor() {
    let (x, y) = xor_data();
    let mut p = Params::initial();
    let initial_loss = loss(&p, &x, &y);
    for _ in 0..EPOCHS {
        let grad = gradient(&p, &x, &y, TanhDerivative::OfPreactivation);
        p.step(&grad, LEARNING_RATE);
    }
    let fwd = forward(&p, &x);
    let final_loss = bce_with_logits(&fwd.z2, &y);
    assert!(final_loss < initial_loss);
    assert!(final_loss < 0.05, "loss {final_loss} after {EPOCHS} epochs");
    assert_eq!(correct_count(&fwd.z2, &y), 4);
}
