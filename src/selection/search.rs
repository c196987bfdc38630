//! [`GridSearch`] and [`RandomSearch`]: candidates scored by k-fold cross-validation.

use std::fmt;
use std::time::Instant;

use crate::data::{Dataset, Fold, KFold, StratifiedKFold};
use crate::error::{Error, Result};
use crate::loss::OutputKind;
use crate::progress::ProgressMode;
use crate::selection::result::{CandidateResult, SearchResult, rank_min};
use crate::selection::space::{Candidate, ModelSpec, SearchSpace};
use crate::tensor::Tensor;
use crate::{FitConfig, Metric, Sequential};

/// A user's model builder: one compiled [`Sequential`] per [`Candidate`].
type BuildFn = dyn Fn(&Candidate) -> Result<Sequential>;

/// How a search turns a [`Candidate`] into a model.
enum Builder {
    /// Not set yet.
    Missing,
    /// [`Candidate::build`] with this spec.
    Mlp(ModelSpec),
    /// A user's closure.
    Custom(Box<BuildFn>),
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Builder::Missing => f.write_str("Missing"),
            Builder::Mlp(spec) => f.debug_tuple("Mlp").field(spec).finish(),
            Builder::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

impl Builder {
    /// The candidate's model as the builder makes it (for the checks before training).
    fn build(&self, c: &Candidate) -> Result<Sequential> {
        match self {
            Builder::Missing => Err(missing_builder()),
            Builder::Mlp(spec) => c.build(spec),
            Builder::Custom(f) => f(c),
        }
    }

    /// The candidate's model, initialized from `seed`: the MLP builder is given the seed; a
    /// custom builder's model is re-seeded and built again.
    fn build_seeded(&self, c: &Candidate, seed: u64) -> Result<Sequential> {
        match self {
            Builder::Mlp(spec) => c.build(&ModelSpec { seed, ..spec.clone() }),
            _ => {
                let mut model = self.build(c)?.seed(seed);
                model.build()?;
                Ok(model)
            }
        }
    }
}

fn missing_builder() -> Error {
    Error::NotReady("the search has no model builder: call .model(ModelSpec) or .builder(closure)".into())
}

/// The options shared by [`GridSearch`] and [`RandomSearch`].
#[derive(Debug)]
struct Options {
    cv: usize,
    stratified: Option<bool>,
    shuffle: bool,
    metric: Option<Metric>,
    seed: u64,
    refit: bool,
    verbose: bool,
    builder: Builder,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            cv: 5,
            stratified: None,
            shuffle: true,
            metric: None,
            seed: 0,
            refit: true,
            verbose: false,
            builder: Builder::Missing,
        }
    }
}

/// The seed of the model of candidate `candidate` on fold `fold` of a search seeded with
/// `seed`: SplitMix64 applied in turn to the seed, the candidate index and the fold index,
///
/// `s₀ = mix(seed)`, `s₁ = mix(s₀ ⊕ candidate)`, `fold_seed = mix(s₁ ⊕ fold)`,
///
/// where `mix` is SplitMix64's output function (Steele, Lea & Flood, "Fast Splittable
/// Pseudorandom Number Generators", OOPSLA 2014). The refitted best model uses `fold = k`
/// (the number of folds), as if the whole dataset were one more fold. Every model of a
/// search therefore starts from its own initial weights, shuffling and dropout stream, and
/// a single fold can be reproduced by hand:
///
/// ```
/// use trustnn::selection::fold_seed;
/// assert_eq!(fold_seed(0, 1, 2), fold_seed(0, 1, 2));
/// assert_ne!(fold_seed(0, 1, 2), fold_seed(0, 2, 1));
/// ```
pub fn fold_seed(seed: u64, candidate: usize, fold: usize) -> u64 {
    fn mix(mut z: u64) -> u64 {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    mix(mix(mix(seed) ^ candidate as u64) ^ fold as u64)
}

/// Whether `metric` can score a model trained with a loss of output kind `kind`.
///
/// Class metrics (accuracy, balanced accuracy, precision, recall, F1) and ROC AUC need a
/// classification loss; log loss needs class probabilities (not hinge margins); the
/// regression metrics (MSE, RMSE, MAE, R²) need a regression loss.
fn suits(metric: Metric, kind: OutputKind) -> bool {
    let classification = kind != OutputKind::Regression;
    match metric {
        Metric::Accuracy
        | Metric::BalancedAccuracy
        | Metric::Precision(_)
        | Metric::Recall(_)
        | Metric::F1(_)
        | Metric::RocAuc => classification,
        Metric::LogLoss => classification && kind != OutputKind::BinaryMargin,
        Metric::MeanSquaredError | Metric::RootMeanSquaredError | Metric::MeanAbsoluteError | Metric::R2 => {
            !classification
        }
    }
}

/// Scores `candidates` by cross-validation on `data` and ranks them: the engine of both
/// searches. Everything that can be checked is checked before the first model trains.
fn run(context: &str, opts: &Options, candidates: Vec<Candidate>, data: &Dataset) -> Result<SearchResult> {
    if candidates.is_empty() {
        return Err(Error::empty(format!("{context} (no candidates)")));
    }
    if matches!(opts.builder, Builder::Missing) {
        return Err(missing_builder());
    }
    let n = data.len();
    let k = opts.cv;
    if k < 2 {
        return Err(Error::config(
            format!("{context}.cv"),
            k,
            "k-fold cross-validation needs at least 2 folds",
        ));
    }
    if k > n {
        return Err(Error::config(
            format!("{context}.cv"),
            k,
            format!("cannot be greater than the number of samples ({n})"),
        ));
    }
    let (x, y, w) = (data.x(), data.y(), data.weights());
    x.check_finite(&format!("{context} data (features)"))?;

    // Build every candidate once: its configuration, its fit to the data and the metric are
    // checked here, before any training.
    let mut kinds = Vec::with_capacity(candidates.len());
    for (i, c) in candidates.iter().enumerate() {
        let model = opts.builder.build(c)?;
        let loss = model.loss().ok_or_else(|| {
            Error::NotReady(format!(
                "{context}: the builder returned an uncompiled model for candidate {i} ({c}); compile it"
            ))
        })?;
        let input = model.input_sample_shape().unwrap_or_default();
        if input != x.sample_shape() {
            return Err(Error::shape(
                format!("{context} (model input of candidate {i}: {c})"),
                format!("the data's sample shape {:?}", x.sample_shape()),
                &input,
            ));
        }
        loss.check_targets(model.output_sample_shape(), y)?;
        kinds.push(loss.output_kind());
    }
    let metric = opts.metric.unwrap_or(if kinds[0] == OutputKind::Regression {
        Metric::R2
    } else {
        Metric::Accuracy
    });
    if let Some(i) = kinds.iter().position(|&kind| !suits(metric, kind)) {
        return Err(Error::config(
            format!("{context}.metric"),
            metric.name(),
            format!(
                "does not suit the loss of candidate {i} ({}), whose outputs are {:?}; class metrics \
                 need a classification loss, log_loss class probabilities, mse/rmse/mae/r2 a \
                 regression loss",
                candidates[i], kinds[i]
            ),
        ));
    }
    let all_classification = kinds.iter().all(|&kind| kind != OutputKind::Regression);
    let stratified = opts.stratified.unwrap_or(all_classification);
    if stratified && !all_classification {
        return Err(Error::config(
            format!("{context}.stratified"),
            true,
            "stratified folds need class labels; a candidate is trained with a regression loss",
        ));
    }
    let folds: Vec<Fold> = if stratified {
        let s = StratifiedKFold::new(k);
        if opts.shuffle { s.shuffled(opts.seed) } else { s }.split(y)?
    } else {
        let s = KFold::new(k);
        if opts.shuffle { s.shuffled(opts.seed) } else { s }.split(n)?
    };

    // Train: fold by fold (each fold's data gathered once), every candidate on it.
    let c_count = candidates.len();
    let mut scores = vec![vec![f64::NAN; k]; c_count];
    let mut seconds = vec![0.0f64; c_count];
    let gather_w = |idx: &[usize]| w.map(|w| idx.iter().map(|&i| w[i]).collect::<Vec<f32>>());
    for (f, (train, test)) in folds.iter().enumerate() {
        let (xt, yt, wt) = (x.select_rows(train)?, y.select_rows(train)?, gather_w(train));
        let (xv, yv) = (x.select_rows(test)?, y.select_rows(test)?);
        for (ci, c) in candidates.iter().enumerate() {
            let mut model = opts.builder.build_seeded(c, fold_seed(opts.seed, ci, f))?;
            let start = Instant::now();
            let score = fit_and_score(&mut model, c, (&xt, &yt, wt.as_deref()), (&xv, &yv), metric)?;
            let elapsed = start.elapsed().as_secs_f64();
            seconds[ci] += elapsed;
            scores[ci][f] = score;
            if opts.verbose {
                eprintln!(
                    "[{context}] fold {}/{k} candidate {}/{c_count} ({c}): {} {score:.4} in {elapsed:.2}s",
                    f + 1,
                    ci + 1,
                    metric.name()
                );
            }
        }
    }

    let means: Vec<f64> = scores.iter().map(|s| s.iter().sum::<f64>() / k as f64).collect();
    let ranks = rank_min(&means, metric.greater_is_better());
    let best_index = ranks
        .iter()
        .position(|&r| r == 1)
        .expect("some candidate ranks first");
    let rows: Vec<CandidateResult> = candidates
        .into_iter()
        .zip(scores)
        .zip(means.iter().zip(&ranks))
        .zip(&seconds)
        .map(|(((candidate, fold_scores), (&mean, &rank)), &secs)| {
            let std = (fold_scores.iter().map(|s| (s - mean) * (s - mean)).sum::<f64>() / k as f64).sqrt();
            CandidateResult {
                candidate,
                fold_scores,
                mean,
                std,
                rank,
                fit_seconds: secs / k as f64,
            }
        })
        .collect();
    let best = rows[best_index].candidate.clone();
    let best_model = if opts.refit && !means[best_index].is_nan() {
        let mut model = opts
            .builder
            .build_seeded(&best, fold_seed(opts.seed, best_index, k))?;
        model.fit_dataset(data, &fit_config(&best))?;
        Some(model)
    } else {
        None
    };
    Ok(SearchResult {
        metric,
        rows,
        best_index,
        best,
        best_model,
    })
}

fn fit_config(c: &Candidate) -> FitConfig {
    FitConfig::new()
        .epochs(c.epochs)
        .batch_size(c.batch_size)
        .progress(ProgressMode::Silent)
}

/// Trains `model` on the training part and scores it on the held-out part; NaN if any
/// epoch's training loss was not finite.
fn fit_and_score(
    model: &mut Sequential,
    c: &Candidate,
    (xt, yt, wt): (&Tensor, &Tensor, Option<&[f32]>),
    (xv, yv): (&Tensor, &Tensor),
    metric: Metric,
) -> Result<f64> {
    let history = model.fit_weighted(xt, yt, wt, &fit_config(c))?;
    let diverged = history
        .get("loss")
        .is_some_and(|l| l.iter().any(|v| !v.is_finite()));
    if diverged {
        return Ok(f64::NAN);
    }
    let ev = model.evaluate(xv, yv, &[metric])?;
    Ok(ev.metric(metric).map_or(f64::NAN, f64::from))
}

/// The builder methods shared by both searches (the options live in `self.opts`).
macro_rules! search_options {
    () => {
        /// The number of folds `k` (default 5, as scikit-learn's `cv=5`); `2 <= k <= n`.
        pub fn cv(mut self, k: usize) -> Self {
            self.opts.cv = k;
            self
        }

        /// Stratified k-fold ([`StratifiedKFold`]) when true, plain [`KFold`] when false.
        /// By default folds are stratified when every candidate is trained with a
        /// classification loss (scikit-learn stratifies for classifiers), plain otherwise;
        /// asking for stratification with a regression loss is an error.
        pub fn stratified(mut self, on: bool) -> Self {
            self.opts.stratified = Some(on);
            self
        }

        /// Shuffle the samples before cutting the folds, from the search's seed (default
        /// true). Without shuffling the folds are scikit-learn's exactly.
        pub fn shuffle(mut self, on: bool) -> Self {
            self.opts.shuffle = on;
            self
        }

        /// The metric that scores each held-out fold (by default accuracy for a
        /// classification loss and R² for a regression loss, as scikit-learn's
        /// `estimator.score`). [`Metric::greater_is_better`] decides the ranking. It must
        /// suit every candidate's loss (accuracy on a regression loss is an error).
        pub fn metric(mut self, metric: Metric) -> Self {
            self.opts.metric = Some(metric);
            self
        }

        /// The seed of the folds and of every model (see [`fold_seed`]); default 0.
        pub fn seed(mut self, seed: u64) -> Self {
            self.opts.seed = seed;
            self
        }

        /// Refit the best configuration on the whole dataset (default true), as
        /// scikit-learn's `refit=True`.
        pub fn refit(mut self, on: bool) -> Self {
            self.opts.refit = on;
            self
        }

        /// Print one line per trained fold model (fold, candidate, score, time) to stderr
        /// (default false). The models themselves train silently.
        pub fn verbose(mut self, on: bool) -> Self {
            self.opts.verbose = on;
            self
        }

        /// Build each candidate's model with the built-in MLP builder,
        /// [`Candidate::build`]`(spec)`.
        pub fn model(mut self, spec: ModelSpec) -> Self {
            self.opts.builder = Builder::Mlp(spec);
            self
        }

        /// Build each candidate's model with `build`, which must return a compiled model
        /// whose input is the data's sample shape. The search sets each model's seed (the
        /// fold's [`fold_seed`]) and builds it again, which re-initializes the weights, so
        /// weights the closure sets by hand are not kept. `epochs` and `batch_size` of the
        /// candidate still drive `fit`; the closure may use or ignore the other fields.
        pub fn builder(mut self, build: impl Fn(&Candidate) -> Result<Sequential> + 'static) -> Self {
            self.opts.builder = Builder::Custom(Box::new(build));
            self
        }
    };
}

/// Exhaustive search over a [`SearchSpace`] with k-fold cross-validation, as
/// scikit-learn's `GridSearchCV(estimator, param_grid, scoring, cv, refit=True)`.
///
/// [`fit`](Self::fit) scores every candidate of [`SearchSpace::grid`] (in that order; it is
/// also the order of [`SearchResult::rows`]):
///
/// 1. **Checks first.** The space (empty lists, unknown names, values out of range), the
///    number of folds (`2 <= k <= n`), the features' finiteness, and every candidate's model
///    (built once: compiled, input shape equal to the data's, targets valid for its loss,
///    the metric suitable for its loss) are checked before any model trains.
/// 2. **The same folds for every candidate**: [`StratifiedKFold`] or [`KFold`] (see
///    [`stratified`](Self::stratified)) with `k` folds, shuffled from the seed.
/// 3. **A fresh model per candidate and fold**, seeded with
///    [`fold_seed`]`(seed, candidate, fold)`, trained with `fit` (progress silent,
///    per-epoch shuffling on) for the candidate's epochs and batch size on the training part
///    — with the [`Dataset`]'s sample weights, if it has them — and scored with the metric on
///    the held-out part (unweighted, as scikit-learn's default scoring).
/// 4. **Divergence**: a fold whose training loss was not finite in some epoch scores NaN. So
///    does a fold on which the metric is undefined (e.g. ROC AUC of a single-class fold).
///    A candidate with a NaN fold has a NaN mean and ranks last.
/// 5. **Statistics**: per candidate the mean and the population standard deviation
///    (`ddof = 0`, as scikit-learn's `std_test_score`) of the fold scores, computed in f64;
///    the rank (1 = best, by [`Metric::greater_is_better`]; ties share the smallest rank, as
///    scikit-learn's `rankdata(method="min")`; NaN means share the last rank); and the mean
///    fit time per fold.
/// 6. **Refit**: the best candidate (rank 1; the first in grid order among ties) is trained
///    again on the whole dataset, seeded with `fold_seed(seed, best, k)`, unless
///    [`refit(false)`](Self::refit) or every candidate's mean is NaN.
///
/// **Cost.** Models train one after the other on the calling thread — on a shared 2-core
/// machine one model at a time uses the cores best, and results do not depend on thread
/// scheduling. Each fold's training and held-out rows are gathered once and shared by all
/// candidates; nothing else is copied. Total work: `k · candidates + 1` trainings.
///
/// Random search is often cheaper for the same result (Bergstra & Bengio, "Random Search for
/// Hyper-Parameter Optimization", JMLR 13, 2012): see [`RandomSearch`]. Cross-validation
/// for model choice: Stone, "Cross-Validatory Choice and Assessment of Statistical
/// Predictions", JRSS B 36 (1974).
///
/// ```
/// use trustnn::data::Dataset;
/// use trustnn::selection::{GridSearch, ModelSpec, SearchSpace};
/// use trustnn::{Metric, Tensor};
///
/// // XOR: a hidden layer is needed.
/// let pts = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
/// let x: Vec<[f32; 2]> = (0..8).flat_map(|_| pts).collect();
/// let y: Vec<f32> = (0..8).flat_map(|_| [0.0, 1.0, 1.0, 0.0]).collect();
/// let data = Dataset::new(Tensor::from_rows(&x)?, Tensor::from_vec(y, &[32, 1])?)?;
///
/// let space = SearchSpace::new()
///     .learning_rates(&[0.05])
///     .activations(&["tanh"])
///     .hidden_layers(&[vec![], vec![8]])
///     .batch_sizes(&[8])
///     .epochs(&[60]);
/// let result = GridSearch::new(space)
///     .model(ModelSpec::new(2, 1, "binary_cross_entropy_with_logits"))
///     .cv(2)
///     .metric(Metric::Accuracy)
///     .seed(1)
///     .fit(&data)?;
/// assert_eq!(result.best.hidden_layers, vec![8]);
/// assert_eq!(result.rows[1].rank, 1);
/// println!("{}", result.table());
/// assert!(result.best_model.is_some());
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Debug)]
pub struct GridSearch {
    space: SearchSpace,
    opts: Options,
}

impl GridSearch {
    /// A search over `space`'s grid; set a model with [`model`](Self::model) or
    /// [`builder`](Self::builder). Defaults: 5 folds, stratified for classification losses,
    /// shuffled, seed 0, metric by loss (accuracy or R²), refit on.
    pub fn new(space: SearchSpace) -> Self {
        GridSearch {
            space,
            opts: Options::default(),
        }
    }

    search_options!();

    /// The candidates this search will score, in order ([`SearchSpace::grid`]).
    pub fn candidates(&self) -> Result<Vec<Candidate>> {
        self.space.grid()
    }

    /// Scores every candidate of the grid on `data` by cross-validation and refits the best
    /// (see the type's documentation).
    pub fn fit(&self, data: &Dataset) -> Result<SearchResult> {
        let candidates = self.candidates()?;
        run("GridSearch", &self.opts, candidates, data)
    }
}

/// Random search over a [`SearchSpace`] with k-fold cross-validation, as scikit-learn's
/// `RandomizedSearchCV(estimator, param_distributions, n_iter, random_state, ...)`
/// (Bergstra & Bengio, "Random Search for Hyper-Parameter Optimization", JMLR 13, 2012).
///
/// The candidates are [`SearchSpace::sample`]`(n_iter, seed)`: without replacement when every
/// field is a list (at most the grid size), and with the learning rate drawn log-uniformly
/// when the space has a range. Everything else — checks, folds, seeds, scores, ranks, refit,
/// cost — is [`GridSearch`]'s; the row order is the sampling order.
///
/// ```
/// use trustnn::selection::{RandomSearch, SearchSpace};
/// let space = SearchSpace::new()
///     .learning_rate_log_uniform(1e-4, 1e-1)
///     .hidden_layers(&[vec![32], vec![64, 32]]);
/// let search = RandomSearch::new(space, 5).seed(3);
/// let c = search.candidates()?;
/// assert_eq!(c.len(), 5);
/// assert_eq!(c, search.candidates()?);
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Debug)]
pub struct RandomSearch {
    space: SearchSpace,
    n_iter: usize,
    opts: Options,
}

impl RandomSearch {
    /// A search over `n_iter` candidates drawn from `space` (`n_iter >= 1`); set a model with
    /// [`model`](Self::model) or [`builder`](Self::builder). The seed ([`seed`](Self::seed))
    /// draws the candidates as well as the folds and the models' seeds.
    pub fn new(space: SearchSpace, n_iter: usize) -> Self {
        RandomSearch {
            space,
            n_iter,
            opts: Options::default(),
        }
    }

    search_options!();

    /// The candidates this search will score, in sampling order.
    pub fn candidates(&self) -> Result<Vec<Candidate>> {
        self.space.sample(self.n_iter, self.opts.seed)
    }

    /// Scores the sampled candidates on `data` by cross-validation and refits the best.
    pub fn fit(&self, data: &Dataset) -> Result<SearchResult> {
        let candidates = self.candidates()?;
        run("RandomSearch", &self.opts, candidates, data)
    }
}
