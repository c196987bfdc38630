//! [`Dense`]: the fully connected layer `y = x·W + b`.

use super::{Layer, LayerSpec, Mode, Param, ParamKind, check_grad, check_input};
use crate::error::{Error, Result};
use crate::init::Initializer;
use crate::linalg::{MatRef, gemm};
use crate::regularizer::Regularizer;
use crate::rng::Rng;
use crate::tensor::Tensor;

/// A fully connected layer: `y = x·W + b` for a batch `x` of shape `[N, in]`.
///
/// `W` is stored `[in, out]` (Keras' layout; PyTorch's `nn.Linear` stores `[out, in]`, so
/// `W` here is PyTorch's `weight.T`). Defaults follow Keras: Glorot-uniform weights, zero
/// bias. An optional [`Regularizer`] penalizes the weights, never the bias.
///
/// Backward (for `G = dL/dy`): `dW += xᵀ·G`, `db += Σ_rows G`, `dx = G·Wᵀ`
/// (plus the regularizer's gradient on `dW`).
///
/// ```
/// use trustnn::{layer::{Dense, Layer, Mode}, Tensor, rng};
/// let mut d = Dense::new(3, 2);
/// d.build(&[3], &mut rng::seeded(0))?;
/// let y = d.forward(&Tensor::zeros(&[4, 3]), Mode::Eval)?;
/// assert_eq!(y.shape(), &[4, 2]);
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Debug)]
pub struct Dense {
    name: String,
    in_features: usize,
    out_features: usize,
    use_bias: bool,
    weight_init: Initializer,
    bias_init: Initializer,
    regularizer: Option<Box<dyn Regularizer>>,
    params: Vec<Param>,
    input: Tensor,
    output: Tensor,
    grad_input: Tensor,
}

impl Clone for Dense {
    fn clone(&self) -> Self {
        Dense {
            name: self.name.clone(),
            in_features: self.in_features,
            out_features: self.out_features,
            use_bias: self.use_bias,
            weight_init: self.weight_init,
            bias_init: self.bias_init,
            regularizer: self.regularizer.clone(),
            params: self.params.clone(),
            input: Tensor::default(),
            output: Tensor::default(),
            grad_input: Tensor::default(),
        }
    }
}

impl Dense {
    /// A layer from `in_features` to `out_features` values per sample.
    pub fn new(in_features: usize, out_features: usize) -> Self {
        Dense {
            name: String::new(),
            in_features,
            out_features,
            use_bias: true,
            weight_init: Initializer::GlorotUniform,
            bias_init: Initializer::Zeros,
            regularizer: None,
            params: Vec::new(),
            input: Tensor::default(),
            output: Tensor::default(),
            grad_input: Tensor::default(),
        }
    }

    /// Without a bias term (`y = x·W`).
    pub fn without_bias(mut self) -> Self {
        self.use_bias = false;
        self
    }

    /// The weight initializer (default [`Initializer::GlorotUniform`]).
    pub fn weight_init(mut self, init: Initializer) -> Self {
        self.weight_init = init;
        self
    }

    /// The bias initializer (default [`Initializer::Zeros`]).
    pub fn bias_init(mut self, init: Initializer) -> Self {
        self.bias_init = init;
        self
    }

    /// A penalty on the weights, added to the loss.
    pub fn regularizer(mut self, reg: impl Regularizer + 'static) -> Self {
        self.regularizer = Some(Box::new(reg));
        self
    }

    /// A boxed penalty on the weights (as [`Dense::regularizer`]).
    pub(crate) fn with_boxed_regularizer(mut self, reg: Box<dyn Regularizer>) -> Self {
        self.regularizer = Some(reg);
        self
    }

    /// Sets the layer's name (otherwise the model names it `dense`, `dense_1`, ...).
    pub fn named(mut self, name: &str) -> Self {
        self.set_name(name);
        self
    }

    /// Number of input features.
    pub fn in_features(&self) -> usize {
        self.in_features
    }

    /// Number of output features.
    pub fn out_features(&self) -> usize {
        self.out_features
    }

    /// The weight matrix `[in, out]` (empty before `build`).
    pub fn weight(&self) -> Option<&Tensor> {
        self.params.first().map(Param::value)
    }

    /// The bias `[out]`, if the layer has one and is built.
    pub fn bias(&self) -> Option<&Tensor> {
        if self.use_bias {
            self.params.get(1).map(Param::value)
        } else {
            None
        }
    }

    /// `y = x·W + b` into the output buffer (`x` already checked).
    fn compute_output(&mut self, x: &Tensor) -> Result<&Tensor> {
        let (n, i, o) = (x.batch_size(), self.in_features, self.out_features);
        self.output.resize(&[n, o]);
        let (params, output) = (&self.params, &mut self.output);
        let y = output.as_slice_mut();
        let w = MatRef::row_major(params[0].value().as_slice(), i, o);
        let beta = match params.get(1) {
            // y = b (each row) + x·W: the bias is written first and accumulated into.
            Some(b) => {
                let b = b.value().as_slice();
                y.chunks_exact_mut(o).for_each(|row| row.copy_from_slice(b));
                1.0
            }
            None => 0.0,
        };
        gemm(MatRef::row_major(x.as_slice(), n, i), w, beta, y);
        Ok(&self.output)
    }

    /// `dL/dx = G·Wᵀ` into the input-gradient buffer (`grad_out` already checked).
    fn input_gradient(&mut self, grad_out: &Tensor) -> Result<&Tensor> {
        let (n, i, o) = (grad_out.batch_size(), self.in_features, self.out_features);
        self.grad_input.resize(&[n, i]);
        // dx = G·Wᵀ
        let w = MatRef::row_major(self.params[0].value().as_slice(), i, o);
        gemm(
            MatRef::row_major(grad_out.as_slice(), n, o),
            w.t(),
            0.0,
            self.grad_input.as_slice_mut(),
        );
        Ok(&self.grad_input)
    }

    /// The input of the last pass is kept unless that pass was [`Layer::infer`].
    fn check_input_cached(&self) -> Result<()> {
        if self.input.batch_size() == self.output.batch_size() {
            Ok(())
        } else {
            Err(Error::NotReady(format!(
                "{}: backward needs a forward pass first (the last pass was infer, which keeps no input)",
                self.name
            )))
        }
    }

    fn not_built(&self) -> Error {
        Error::NotReady(format!(
            "layer {:?} (dense) is not built: call build() first",
            self.name
        ))
    }
}

impl Layer for Dense {
    fn name(&self) -> &str {
        &self.name
    }

    fn set_name(&mut self, name: &str) {
        self.name = name.to_string();
        for p in &mut self.params {
            p.set_layer_name(name);
        }
    }

    fn kind(&self) -> &'static str {
        "dense"
    }

    fn input_shape(&self) -> Option<Vec<usize>> {
        Some(vec![self.in_features])
    }

    /// `None` if the layer has a custom regularizer (one without a
    /// [`Regularizer::spec`](crate::regularizer::Regularizer::spec)).
    fn spec(&self) -> Option<LayerSpec> {
        let regularizer = match &self.regularizer {
            Some(r) => Some(r.spec()?),
            None => None,
        };
        Some(LayerSpec::Dense {
            in_features: self.in_features,
            out_features: self.out_features,
            bias: self.use_bias,
            weight_init: self.weight_init.into(),
            bias_init: self.bias_init.into(),
            regularizer,
        })
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>> {
        if input != [self.in_features] {
            return Err(Error::shape(
                format!("{} (dense input)", self.name),
                format!("[{}]", self.in_features),
                input,
            ));
        }
        Ok(vec![self.out_features])
    }

    fn build(&mut self, input: &[usize], rng: &mut Rng) -> Result<Vec<usize>> {
        if self.in_features == 0 || self.out_features == 0 {
            return Err(Error::config(
                format!("{}: Dense(in, out)", self.name),
                format!("({}, {})", self.in_features, self.out_features),
                "both sizes must be at least 1",
            ));
        }
        if let Some(r) = &self.regularizer {
            r.validate()?;
        }
        let out = self.output_shape(input)?;
        let (i, o) = (self.in_features, self.out_features);
        let w = self.weight_init.tensor(&[i, o], i, o, rng)?;
        self.params = vec![Param::new("weight", ParamKind::Weight, w)];
        if self.use_bias {
            let b = self.bias_init.tensor(&[o], i, o, rng)?;
            self.params.push(Param::new("bias", ParamKind::Bias, b));
        }
        let name = self.name.clone();
        self.set_name(&name);
        Ok(out)
    }

    fn forward(&mut self, x: &Tensor, _mode: Mode) -> Result<&Tensor> {
        if self.params.is_empty() {
            return Err(self.not_built());
        }
        check_input(&self.name, x, &[self.in_features])?;
        self.input.assign(x);
        self.compute_output(x)
    }

    fn infer(&mut self, x: &Tensor) -> Result<&Tensor> {
        if self.params.is_empty() {
            return Err(self.not_built());
        }
        check_input(&self.name, x, &[self.in_features])?;
        // No copy of the input: a backward pass after `infer` is refused (see `backward_params`).
        self.input.resize(&[0, self.in_features]);
        self.compute_output(x)
    }

    fn backward(&mut self, grad_out: &Tensor) -> Result<&Tensor> {
        self.backward_params(grad_out)?;
        self.input_gradient(grad_out)
    }

    fn backward_input(&mut self, grad_out: &Tensor) -> Result<&Tensor> {
        if self.params.is_empty() {
            return Err(self.not_built());
        }
        check_grad(&self.name, grad_out, &self.output)?;
        self.input_gradient(grad_out)
    }

    fn backward_params(&mut self, grad_out: &Tensor) -> Result<()> {
        if self.params.is_empty() {
            return Err(self.not_built());
        }
        check_grad(&self.name, grad_out, &self.output)?;
        self.check_input_cached()?;
        let (n, i, o) = (grad_out.batch_size(), self.in_features, self.out_features);
        let g = grad_out.as_slice();
        {
            // dW += xᵀ·G
            let (value, grad) = self.params[0].value_grad_mut();
            let x = MatRef::row_major(self.input.as_slice(), n, i);
            gemm(x.t(), MatRef::row_major(g, n, o), 1.0, grad.as_slice_mut());
            if let Some(r) = &self.regularizer {
                r.add_grad(value.as_slice(), grad.as_slice_mut());
            }
        }
        if let Some(b) = self.params.get_mut(1) {
            // db += Σ_rows G
            let db = b.grad_mut().as_slice_mut();
            for row in g.chunks_exact(o) {
                for (d, &v) in db.iter_mut().zip(row) {
                    *d += v;
                }
            }
        }
        Ok(())
    }

    fn add_example_grad_sq_norms(&self, grad_out: &Tensor, sq_norms: &mut [f64]) -> Result<()> {
        if self.params.is_empty() {
            return Err(self.not_built());
        }
        check_grad(&self.name, grad_out, &self.output)?;
        self.check_input_cached()?;
        if sq_norms.len() != grad_out.batch_size() {
            return Err(Error::shape(
                format!("{} (per-example norms)", self.name),
                format!("{} examples", grad_out.batch_size()),
                &[sq_norms.len()],
            ));
        }
        // Example i's weight gradient is the outer product x_i ⊗ g_i, whose squared Frobenius
        // norm is ‖x_i‖²·‖g_i‖²; its bias gradient is g_i.
        let sq = |v: &[f32]| v.iter().map(|&a| f64::from(a) * f64::from(a)).sum::<f64>();
        let weight = self.params[0].is_trainable();
        let bias = self.params.get(1).is_some_and(Param::is_trainable);
        let rows = self.input.as_slice().chunks_exact(self.in_features);
        let grads = grad_out.as_slice().chunks_exact(self.out_features);
        for ((s, x), g) in sq_norms.iter_mut().zip(rows).zip(grads) {
            let xx = if weight { sq(x) } else { 0.0 };
            *s += sq(g) * (xx + if bias { 1.0 } else { 0.0 });
        }
        Ok(())
    }

    fn params(&self) -> &[Param] {
        &self.params
    }

    fn params_mut(&mut self) -> &mut [Param] {
        &mut self.params
    }

    fn penalty(&self) -> f32 {
        match (&self.regularizer, self.params.first()) {
            (Some(r), Some(w)) => r.penalty(w.value().as_slice()),
            _ => 0.0,
        }
    }
}
