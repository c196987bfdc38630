//! Explanations of a model's predictions: which input values moved the output, and by how
//! much. The definitions and defaults follow Captum (`captum.attr`) for local attributions
//! and scikit-learn (`sklearn.inspection.permutation_importance`) for permutation importance;
//! KernelSHAP follows Lundberg & Lee (2017) and the `shap` package. Where Captum is wrong
//! (its trapezoid rule) this module is right and says so.
//!
//! - Gradient-based ([`saliency`], [`gradient_x_input`], [`IntegratedGradients`],
//!   [`SmoothGrad`]) use the model's backward pass through the public
//!   [`Sequential::forward`]/[`Sequential::backward`].
//! - Model-agnostic ([`feature_ablation`], [`KernelShap`], [`permutation_importance`]) only
//!   call the model's forward pass.
//!
//! **What is explained.** As Captum, "the output" is the chosen class's output for each
//! sample (`targets`: one class for all samples, or one per sample). [`Output::Logit`]
//! (the default, what Captum sees when the model returns logits) explains the raw output;
//! [`Output::Probability`] explains the softmax (or, for a one-output model, sigmoid)
//! probability. For a one-output (binary logit) model class `1` is the output `z` and class
//! `0` is `−z` (probability `1 − σ(z)`).
//!
//! All explainers run the model in evaluation mode and leave its parameter gradients at
//! zero; sampling-based ones are seeded and reproducible. See `docs/EXPLAINABILITY.md`.

mod agnostic;
mod gradient;
#[cfg(feature = "plots")]
mod image;

pub use agnostic::{
    KernelShap, PermutationImportance, ShapValues, accuracy_from_outputs, feature_ablation,
    permutation_importance,
};
pub use gradient::{
    IgResult, IntegratedGradients, Integration, SmoothGrad, gradient_x_input, integration_points, saliency,
};
#[cfg(feature = "plots")]
pub use image::{HEATMAP_LEGEND, HeatmapFigure, HeatmapRow, attribution_heatmaps};

use crate::error::{Error, Result};
use crate::layer::Mode;
use crate::{Sequential, Tensor};

/// Which quantity of the target class is explained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Output {
    /// The model's raw output for the class (a logit for classification models). Default.
    #[default]
    Logit,
    /// The class probability: softmax of the outputs, or the sigmoid of a single output.
    /// Use only on models whose outputs are logits.
    Probability,
}

/// The reference input that attributions are measured against.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Baseline {
    /// All zeros (Captum's default).
    #[default]
    Zero,
    /// Every value set to this constant.
    Constant(f32),
    /// One reference sample (e.g. the training mean), used for every input.
    Sample(Vec<f32>),
}

impl Baseline {
    /// The baseline as a batch shaped like `x`.
    pub(crate) fn rows(&self, x: &Tensor, what: &str) -> Result<Tensor> {
        match self {
            Baseline::Zero => Ok(Tensor::zeros(x.shape())),
            Baseline::Constant(c) => {
                if !c.is_finite() {
                    return Err(Error::config(what, c, "must be finite"));
                }
                Ok(Tensor::full(x.shape(), *c))
            }
            Baseline::Sample(s) => {
                let d = x.sample_size();
                if s.len() != d {
                    return Err(Error::shape(what, format!("{d} values (one sample)"), &[s.len()]));
                }
                if s.iter().any(|v| !v.is_finite()) {
                    return Err(Error::config(what, "a non-finite value", "must be finite"));
                }
                let data: Vec<f32> = (0..x.batch_size()).flat_map(|_| s.iter().copied()).collect();
                Tensor::from_vec(data, x.shape())
            }
        }
    }
}

/// Checks a batch and its targets (one, or one per sample).
pub(crate) fn check_batch(x: &Tensor, targets: &[usize], what: &str) -> Result<()> {
    if x.is_empty() || x.batch_size() == 0 {
        return Err(Error::empty(what));
    }
    x.check_finite(what)?;
    if targets.len() != 1 && targets.len() != x.batch_size() {
        return Err(Error::shape(
            format!("{what}: targets"),
            format!("1 or {} classes (one per sample)", x.batch_size()),
            &[targets.len()],
        ));
    }
    Ok(())
}

fn target_of(targets: &[usize], i: usize) -> usize {
    targets[if targets.len() == 1 { 0 } else { i }]
}

fn check_target(c: usize, width: usize) -> Result<()> {
    let classes = if width == 1 { 2 } else { width };
    if c >= classes {
        return Err(Error::config(
            "explain target",
            c,
            format!("the model has {classes} classes (outputs {width})"),
        ));
    }
    Ok(())
}

/// The explained output `f_c` of each row of logits `z` (width `k`), and, if `grad` is
/// given, `∂f_c/∂z` written into it.
fn explained(z: &[f32], c: usize, output: Output, grad: Option<&mut [f32]>) -> f32 {
    if z.len() == 1 {
        let sign = if c == 1 { 1.0 } else { -1.0 };
        let (f, g) = match output {
            Output::Logit => (sign * z[0], sign),
            Output::Probability => {
                let p = crate::activation::sigmoid(sign * z[0]);
                (p, sign * p * (1.0 - p))
            }
        };
        if let Some(gr) = grad {
            gr[0] = g;
        }
        return f;
    }
    match output {
        Output::Logit => {
            if let Some(gr) = grad {
                gr.iter_mut().for_each(|v| *v = 0.0);
                gr[c] = 1.0;
            }
            z[c]
        }
        Output::Probability => {
            let m = z.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
            let sum: f32 = z.iter().map(|v| (v - m).exp()).sum();
            let sc = (z[c] - m).exp() / sum;
            if let Some(gr) = grad {
                for (j, (g, &zj)) in gr.iter_mut().zip(z).enumerate() {
                    let sj = (zj - m).exp() / sum;
                    *g = sc * (f32::from(u8::from(j == c)) - sj);
                }
            }
            sc
        }
    }
}

/// The explained output of each sample and its gradient with respect to the input.
pub(crate) fn output_and_gradient(
    model: &mut Sequential,
    x: &Tensor,
    targets: &[usize],
    output: Output,
) -> Result<(Vec<f32>, Tensor)> {
    let out = model.forward(x, Mode::Eval)?;
    let (n, k) = (out.batch_size(), out.sample_size());
    let mut grad_out = Tensor::zeros(out.shape());
    let mut values = Vec::with_capacity(n);
    for (i, (z, g)) in out
        .as_slice()
        .chunks_exact(k)
        .zip(grad_out.as_slice_mut().chunks_exact_mut(k))
        .enumerate()
    {
        let c = target_of(targets, i);
        check_target(c, k)?;
        values.push(explained(z, c, output, Some(g)));
    }
    let g = model.backward(&grad_out)?.clone();
    model.zero_grad();
    Ok((values, g))
}

/// The explained output of each sample (forward pass only).
pub(crate) fn output_values(
    model: &mut Sequential,
    x: &Tensor,
    targets: &[usize],
    output: Output,
) -> Result<Vec<f32>> {
    let out = model.predict(x)?;
    let k = out.sample_size();
    out.as_slice()
        .chunks_exact(k)
        .enumerate()
        .map(|(i, z)| {
            let c = target_of(targets, i);
            check_target(c, k)?;
            Ok(explained(z, c, output, None))
        })
        .collect()
}

/// Mean absolute attribution of each feature over a batch of attributions (a global
/// importance from local explanations).
pub fn mean_abs_attribution(attributions: &Tensor) -> Result<Vec<f32>> {
    if attributions.batch_size() == 0 {
        return Err(Error::empty("mean_abs_attribution"));
    }
    let d = attributions.sample_size();
    let mut m = vec![0.0f64; d];
    for row in attributions.as_slice().chunks_exact(d) {
        for (a, &v) in m.iter_mut().zip(row) {
            *a += v.abs() as f64;
        }
    }
    let n = attributions.batch_size() as f64;
    Ok(m.into_iter().map(|v| (v / n) as f32).collect())
}

/// A text table of attributions by feature name, largest `|value|` first, at most `top` rows.
pub fn attribution_table(names: &[String], values: &[f32], top: usize) -> Result<String> {
    if names.len() != values.len() {
        return Err(Error::shape(
            "attribution_table: values",
            format!("{} (one per name)", names.len()),
            &[values.len()],
        ));
    }
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].abs().total_cmp(&values[a].abs()));
    let w = names.iter().map(|n| n.len()).max().unwrap_or(7).max(7);
    let mut s = format!("{:<w$}  {:>12}\n", "feature", "attribution");
    for &i in order.iter().take(top) {
        s.push_str(&format!("{:<w$}  {:>12.6}\n", names[i], values[i]));
    }
    Ok(s)
}
