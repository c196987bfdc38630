//! [`SearchSpace`] (the hyperparameter values to try), [`Candidate`] (one configuration) and
//! the built-in MLP builder ([`ModelSpec`], [`Candidate::build`]).

use std::fmt;

use rand::Rng as _;
use rand::seq::index;

use crate::error::{Error, Result, check_positive};
use crate::layer::{ActivationLayer, Dense, Dropout};
use crate::loss::OutputKind;
use crate::regularizer::L2;
use crate::rng::seeded;
use crate::{Sequential, activation, loss, optim};

/// The learning rates of a [`SearchSpace`]: a list, or a log-uniform range (random search
/// only).
#[derive(Clone, Debug, PartialEq)]
pub enum LearningRates {
    /// These values, in this order.
    Values(Vec<f32>),
    /// `exp(u)` with `u` uniform in `[ln low, ln high]` (scikit-learn's / SciPy's
    /// `loguniform(low, high)`), as Bergstra & Bengio recommend for scale parameters.
    /// A [`crate::selection::GridSearch`] refuses it (a range has no grid).
    LogUniform {
        /// Smallest rate (`> 0`).
        low: f32,
        /// Largest rate (`>= low`).
        high: f32,
    },
}

/// The hyperparameter values a search tries — scikit-learn's `param_grid` (for
/// [`GridSearch`](crate::selection::GridSearch)) or `param_distributions` (for
/// [`RandomSearch`](crate::selection::RandomSearch)) for a multi-layer perceptron.
///
/// Every field is a list of candidate values and defaults to one value, so a space only names
/// what it varies. The defaults are `optimizer "adam"`, `learning rate 0.001`,
/// `activation "relu"`, `hidden layers [64]`, `l2 0`, `batch size 32`, `epochs 10`,
/// `dropout 0`.
///
/// | field | meaning | valid values |
/// |---|---|---|
/// | `optimizers` | [`optim::by_name`] names (`"adam"`, `"sgd"`, `"sgd_momentum"`, ...) | known names |
/// | `learning_rates` | a list, or a log-uniform range for random search | finite, `> 0` |
/// | `activations` | [`activation::by_name`] names of the hidden layers' activation | known names |
/// | `hidden_layers` | architectures: the sizes of the hidden layers (`[]` = no hidden layer) | sizes `>= 1` |
/// | `l2` | [`L2`] strength on every [`Dense`] layer's weights (`0` = none) | finite, `>= 0` |
/// | `batch_sizes` | [`crate::FitConfig::batch_size`] | `>= 1` |
/// | `epochs` | [`crate::FitConfig::epochs`] | `>= 1` |
/// | `dropout` | [`Dropout`] rate after every hidden activation (`0` = no dropout layer) | `[0, 1)` |
///
/// **Grid order.** [`SearchSpace::grid`] lists the Cartesian product in the order of nested
/// loops over the fields in the order of the table — `optimizers` outermost, `dropout`
/// innermost — each list in the order given (Python's `itertools.product`: the last field
/// varies fastest). scikit-learn's `ParameterGrid` does the same over its alphabetically
/// sorted keys; here the order is the table's.
///
/// ```
/// use trustnn::selection::SearchSpace;
/// let space = SearchSpace::new()
///     .optimizers(&["adam", "sgd"])
///     .learning_rates(&[0.01, 0.1])
///     .hidden_layers(&[vec![], vec![16]]);
/// assert_eq!(space.grid_size()?, 8);
/// let grid = space.grid()?;
/// assert_eq!(grid[0].to_string(), "adam lr=0.01 relu hidden=[] l2=0 batch=32 epochs=10");
/// assert_eq!(grid[1].to_string(), "adam lr=0.01 relu hidden=[16] l2=0 batch=32 epochs=10");
/// assert_eq!(grid[7].to_string(), "sgd lr=0.1 relu hidden=[16] l2=0 batch=32 epochs=10");
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct SearchSpace {
    /// Optimizer names.
    pub optimizers: Vec<String>,
    /// Learning rates.
    pub learning_rates: LearningRates,
    /// Activation names of the hidden layers.
    pub activations: Vec<String>,
    /// Architectures: hidden layer sizes, input to output.
    pub hidden_layers: Vec<Vec<usize>>,
    /// L2 strengths.
    pub l2: Vec<f32>,
    /// Batch sizes.
    pub batch_sizes: Vec<usize>,
    /// Numbers of epochs.
    pub epochs: Vec<usize>,
    /// Dropout rates.
    pub dropout: Vec<f32>,
}

/// scikit-learn's name for a grid of parameter values; the same type as [`SearchSpace`].
pub type ParamGrid = SearchSpace;

impl Default for SearchSpace {
    fn default() -> Self {
        SearchSpace {
            optimizers: vec!["adam".into()],
            learning_rates: LearningRates::Values(vec![1e-3]),
            activations: vec!["relu".into()],
            hidden_layers: vec![vec![64]],
            l2: vec![0.0],
            batch_sizes: vec![32],
            epochs: vec![10],
            dropout: vec![0.0],
        }
    }
}

/// Number of fields of a [`SearchSpace`] (the digits of a grid index).
const FIELDS: usize = 8;

impl SearchSpace {
    /// The space of one candidate: every field at its default.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the optimizer names ([`optim::by_name`]).
    pub fn optimizers<S: AsRef<str>>(mut self, names: &[S]) -> Self {
        self.optimizers = names.iter().map(|s| s.as_ref().to_string()).collect();
        self
    }

    /// Sets the learning rates to these values.
    pub fn learning_rates(mut self, rates: &[f32]) -> Self {
        self.learning_rates = LearningRates::Values(rates.to_vec());
        self
    }

    /// Draws learning rates log-uniformly from `[low, high]` (random search only).
    pub fn learning_rate_log_uniform(mut self, low: f32, high: f32) -> Self {
        self.learning_rates = LearningRates::LogUniform { low, high };
        self
    }

    /// Sets the activation names ([`activation::by_name`]).
    pub fn activations<S: AsRef<str>>(mut self, names: &[S]) -> Self {
        self.activations = names.iter().map(|s| s.as_ref().to_string()).collect();
        self
    }

    /// Sets the architectures, each a list of hidden layer sizes (`vec![]` for none):
    /// `.hidden_layers(&[vec![64], vec![64, 32]])`.
    pub fn hidden_layers<H: AsRef<[usize]>>(mut self, architectures: &[H]) -> Self {
        self.hidden_layers = architectures.iter().map(|h| h.as_ref().to_vec()).collect();
        self
    }

    /// Sets the L2 strengths.
    pub fn l2(mut self, strengths: &[f32]) -> Self {
        self.l2 = strengths.to_vec();
        self
    }

    /// Sets the batch sizes.
    pub fn batch_sizes(mut self, sizes: &[usize]) -> Self {
        self.batch_sizes = sizes.to_vec();
        self
    }

    /// Sets the numbers of epochs.
    pub fn epochs(mut self, epochs: &[usize]) -> Self {
        self.epochs = epochs.to_vec();
        self
    }

    /// Sets the dropout rates.
    pub fn dropout(mut self, rates: &[f32]) -> Self {
        self.dropout = rates.to_vec();
        self
    }

    /// Checks every list: non-empty ([`Error::EmptyInput`]), known names
    /// ([`Error::UnknownName`]) and values in range ([`Error::InvalidConfig`]).
    pub fn validate(&self) -> Result<()> {
        let non_empty = |len: usize, field: &str| {
            if len == 0 {
                Err(Error::empty(format!("SearchSpace.{field} (no values to try)")))
            } else {
                Ok(())
            }
        };
        non_empty(self.optimizers.len(), "optimizers")?;
        for name in &self.optimizers {
            optim::by_name(name, 1e-3)?;
        }
        match &self.learning_rates {
            LearningRates::Values(v) => {
                non_empty(v.len(), "learning_rates")?;
                for &lr in v {
                    check_positive("SearchSpace.learning_rates", lr)?;
                }
            }
            &LearningRates::LogUniform { low, high } => {
                check_positive("SearchSpace.learning_rates (log-uniform low)", low)?;
                check_positive("SearchSpace.learning_rates (log-uniform high)", high)?;
                if high < low {
                    return Err(Error::config(
                        "SearchSpace.learning_rates (log-uniform high)",
                        high,
                        format!("must be >= low ({low})"),
                    ));
                }
            }
        }
        non_empty(self.activations.len(), "activations")?;
        for name in &self.activations {
            activation::by_name(name)?;
        }
        non_empty(self.hidden_layers.len(), "hidden_layers")?;
        for h in &self.hidden_layers {
            if h.contains(&0) {
                return Err(Error::config(
                    "SearchSpace.hidden_layers",
                    format!("{h:?}"),
                    "every hidden layer needs at least 1 unit",
                ));
            }
        }
        non_empty(self.l2.len(), "l2")?;
        for &l in &self.l2 {
            if !(l.is_finite() && l >= 0.0) {
                return Err(Error::config("SearchSpace.l2", l, "must be a finite number >= 0"));
            }
        }
        non_empty(self.batch_sizes.len(), "batch_sizes")?;
        if self.batch_sizes.contains(&0) {
            return Err(Error::config("SearchSpace.batch_sizes", 0, "must be at least 1"));
        }
        non_empty(self.epochs.len(), "epochs")?;
        if self.epochs.contains(&0) {
            return Err(Error::config("SearchSpace.epochs", 0, "must be at least 1"));
        }
        non_empty(self.dropout.len(), "dropout")?;
        for &d in &self.dropout {
            if !(d.is_finite() && (0.0..1.0).contains(&d)) {
                return Err(Error::config("SearchSpace.dropout", d, "must be in [0, 1)"));
            }
        }
        Ok(())
    }

    /// The list lengths in field order; `None` for a log-uniform learning rate.
    fn sizes(&self) -> [Option<usize>; FIELDS] {
        [
            Some(self.optimizers.len()),
            match &self.learning_rates {
                LearningRates::Values(v) => Some(v.len()),
                LearningRates::LogUniform { .. } => None,
            },
            Some(self.activations.len()),
            Some(self.hidden_layers.len()),
            Some(self.l2.len()),
            Some(self.batch_sizes.len()),
            Some(self.epochs.len()),
            Some(self.dropout.len()),
        ]
    }

    /// The number of candidates of the grid (the product of the list lengths), after
    /// [validation](Self::validate). An error for a log-uniform learning rate (the space is
    /// not finite) or a product that overflows `usize`.
    pub fn grid_size(&self) -> Result<usize> {
        self.validate()?;
        self.finite_size()?.ok_or_else(|| {
            Error::config(
                "SearchSpace.learning_rates",
                self.lr_text(),
                "a grid needs a list of learning rates; draw from a range with RandomSearch",
            )
        })
    }

    /// The grid size, or `None` for a log-uniform learning rate (the space is validated).
    fn finite_size(&self) -> Result<Option<usize>> {
        let mut total = 1usize;
        for s in self.sizes() {
            let Some(s) = s else { return Ok(None) };
            total = total.checked_mul(s).ok_or_else(|| {
                Error::config(
                    "SearchSpace",
                    "grid size",
                    "the number of candidates overflows usize",
                )
            })?;
        }
        Ok(Some(total))
    }

    fn lr_text(&self) -> String {
        match &self.learning_rates {
            LearningRates::Values(v) => format!("{v:?}"),
            LearningRates::LogUniform { low, high } => format!("log-uniform [{low}, {high}]"),
        }
    }

    /// Candidate number `index` of the grid (a mixed-radix number, last field fastest); the
    /// space has list learning rates and `index < grid_size`.
    fn at(&self, mut index: usize) -> Candidate {
        let sizes = self.sizes().map(|s| s.expect("a list of learning rates"));
        let mut digit = [0usize; FIELDS];
        for f in (0..FIELDS).rev() {
            digit[f] = index % sizes[f];
            index /= sizes[f];
        }
        let lr = match &self.learning_rates {
            LearningRates::Values(v) => v[digit[1]],
            LearningRates::LogUniform { .. } => unreachable!("checked by the caller"),
        };
        self.candidate(digit, lr)
    }

    fn candidate(&self, digit: [usize; FIELDS], learning_rate: f32) -> Candidate {
        Candidate {
            optimizer: self.optimizers[digit[0]].clone(),
            learning_rate,
            activation: self.activations[digit[2]].clone(),
            hidden_layers: self.hidden_layers[digit[3]].clone(),
            l2: self.l2[digit[4]],
            batch_size: self.batch_sizes[digit[5]],
            epochs: self.epochs[digit[6]],
            dropout: self.dropout[digit[7]],
        }
    }

    /// Every candidate of the grid, in the documented order (see the type's documentation);
    /// the space is validated first.
    pub fn grid(&self) -> Result<Vec<Candidate>> {
        let n = self.grid_size()?;
        Ok((0..n).map(|i| self.at(i)).collect())
    }

    /// `n_iter` candidates drawn from the space with the generator seeded by `seed`, as
    /// scikit-learn's `ParameterSampler`:
    ///
    /// * when every field is a list (a finite space), grid positions are drawn **without
    ///   replacement**; if `n_iter` is at least the grid size, every candidate is returned
    ///   once (scikit-learn warns and does the same), in a random order;
    /// * with a log-uniform learning rate, each candidate draws every list field uniformly
    ///   (with replacement) and the rate as `exp(u)`, `u` uniform in `[ln low, ln high]`
    ///   (computed in f64, then rounded to f32 and kept within `[low, high]`).
    ///
    /// The same space, `n_iter` and seed always give the same candidates.
    ///
    /// ```
    /// use trustnn::selection::SearchSpace;
    /// let space = SearchSpace::new().learning_rate_log_uniform(1e-4, 1e-1).epochs(&[5, 10]);
    /// let a = space.sample(4, 7)?;
    /// assert_eq!(a, space.sample(4, 7)?);
    /// assert!(a.iter().all(|c| (1e-4..=1e-1).contains(&c.learning_rate)));
    /// # Ok::<(), trustnn::Error>(())
    /// ```
    pub fn sample(&self, n_iter: usize, seed: u64) -> Result<Vec<Candidate>> {
        self.validate()?;
        if n_iter == 0 {
            return Err(Error::config("RandomSearch.n_iter", 0, "must be at least 1"));
        }
        let mut rng = seeded(seed);
        match self.finite_size()? {
            Some(size) => {
                let picks = index::sample(&mut rng, size, n_iter.min(size));
                Ok(picks.into_iter().map(|i| self.at(i)).collect())
            }
            None => {
                let LearningRates::LogUniform { low, high } = self.learning_rates else {
                    unreachable!("only a log-uniform range makes the space infinite")
                };
                let (ln_lo, ln_hi) = ((low as f64).ln(), (high as f64).ln());
                let sizes = self.sizes();
                Ok((0..n_iter)
                    .map(|_| {
                        let mut digit = [0usize; FIELDS];
                        for (d, s) in digit.iter_mut().zip(sizes) {
                            if let Some(s) = s {
                                *d = rng.random_range(0..s);
                            }
                        }
                        let u: f64 = rng.random();
                        let lr = ((ln_lo + u * (ln_hi - ln_lo)).exp() as f32).clamp(low, high);
                        self.candidate(digit, lr)
                    })
                    .collect())
            }
        }
    }
}

/// One configuration of a [`SearchSpace`]: what one model of a search is built and trained
/// with.
///
/// Its [`Display`](fmt::Display) reads like
/// `adam lr=0.001 relu hidden=[64,32] l2=0.0001 batch=32 epochs=30` (with ` dropout=0.2`
/// appended when the dropout rate is not 0); numbers are printed exactly (Rust's shortest
/// representation that reads back to the same `f32`).
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// Optimizer name ([`optim::by_name`]).
    pub optimizer: String,
    /// Learning rate.
    pub learning_rate: f32,
    /// Activation of the hidden layers ([`activation::by_name`]).
    pub activation: String,
    /// Hidden layer sizes, input to output (empty: a linear model).
    pub hidden_layers: Vec<usize>,
    /// L2 strength on every dense layer's weights (0: no regularizer).
    pub l2: f32,
    /// Batch size.
    pub batch_size: usize,
    /// Number of epochs.
    pub epochs: usize,
    /// Dropout rate after every hidden activation (0: no dropout layer).
    pub dropout: f32,
}

impl fmt::Display for Candidate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} lr={} {} hidden=[",
            self.optimizer, self.learning_rate, self.activation
        )?;
        for (i, h) in self.hidden_layers.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{h}")?;
        }
        write!(
            f,
            "] l2={} batch={} epochs={}",
            self.l2, self.batch_size, self.epochs
        )?;
        if self.dropout != 0.0 {
            write!(f, " dropout={}", self.dropout)?;
        }
        Ok(())
    }
}

/// What the built-in MLP builder needs besides a [`Candidate`]: the input width, the number
/// of outputs, the loss (a [`loss::by_name`] name) and the seed of the model.
///
/// A search replaces the seed with each fold's seed (see
/// [`fold_seed`](crate::selection::fold_seed)); the seed here is used when
/// [`Candidate::build`] is called directly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelSpec {
    /// Feature values per sample.
    pub n_inputs: usize,
    /// Output values per sample (classes for a multi-class loss, 1 for a binary loss).
    pub n_outputs: usize,
    /// The loss' [`loss::by_name`] name (`"sparse_categorical_cross_entropy"`, `"mse"`, ...).
    pub loss: String,
    /// The model's seed (default 0).
    pub seed: u64,
}

impl ModelSpec {
    /// `n_inputs` features to `n_outputs` outputs trained with the loss called `loss`, seed 0.
    pub fn new(n_inputs: usize, n_outputs: usize, loss: &str) -> Self {
        ModelSpec {
            n_inputs,
            n_outputs,
            loss: loss.to_string(),
            seed: 0,
        }
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

impl Candidate {
    /// The multi-layer perceptron of this configuration, compiled: for every hidden size `h`,
    /// `Dense(prev, h)` → `ActivationLayer(activation)` → `Dropout(dropout)` (only if
    /// `dropout > 0`), then `Dense(prev, n_outputs)`; every `Dense` carries
    /// [`L2`]`(l2)` on its weights when `l2 > 0`. The output gets a sigmoid for a loss that
    /// expects a probability ([`OutputKind::BinaryProbability`], `"binary_cross_entropy"`)
    /// and a softmax for one that expects class probabilities
    /// ([`OutputKind::MultiClassProbability`]); logit and regression losses read the last
    /// `Dense` directly. Compiled with [`loss::by_name`]`(spec.loss)` and
    /// [`optim::by_name`]`(optimizer, learning_rate)`, seeded with `spec.seed`.
    ///
    /// ```
    /// use trustnn::selection::{Candidate, ModelSpec, SearchSpace};
    /// let c = SearchSpace::new().hidden_layers(&[vec![8, 4]]).grid()?.remove(0);
    /// let model = c.build(&ModelSpec::new(3, 2, "sparse_categorical_cross_entropy"))?;
    /// // 3·8 + 8, 8·4 + 4, 4·2 + 2
    /// assert_eq!(model.num_params(), 32 + 36 + 10);
    /// # Ok::<(), trustnn::Error>(())
    /// ```
    pub fn build(&self, spec: &ModelSpec) -> Result<Sequential> {
        if spec.n_inputs == 0 || spec.n_outputs == 0 {
            return Err(Error::config(
                "ModelSpec (n_inputs, n_outputs)",
                format!("({}, {})", spec.n_inputs, spec.n_outputs),
                "both must be at least 1",
            ));
        }
        let loss = loss::by_name(&spec.loss)?;
        let optimizer = optim::by_name(&self.optimizer, self.learning_rate)?;
        let dense = |i: usize, o: usize| {
            let d = Dense::new(i, o);
            if self.l2 > 0.0 {
                d.regularizer(L2(self.l2))
            } else {
                d
            }
        };
        let mut model = Sequential::new().seed(spec.seed);
        let mut width = spec.n_inputs;
        for &h in &self.hidden_layers {
            model.push(Box::new(dense(width, h)));
            model.push(Box::new(ActivationLayer::from_box(activation::by_name(
                &self.activation,
            )?)));
            if self.dropout > 0.0 {
                model.push(Box::new(Dropout::new(self.dropout)));
            }
            width = h;
        }
        model.push(Box::new(dense(width, spec.n_outputs)));
        match loss.output_kind() {
            OutputKind::BinaryProbability => {
                model.push(Box::new(ActivationLayer::new(activation::Sigmoid)));
            }
            OutputKind::MultiClassProbability => {
                model.push(Box::new(ActivationLayer::new(activation::Softmax)));
            }
            OutputKind::Regression
            | OutputKind::BinaryLogit
            | OutputKind::BinaryMargin
            | OutputKind::MultiClassLogits => {}
        }
        model.compile_boxed(loss, optimizer)?;
        Ok(model)
    }
}
