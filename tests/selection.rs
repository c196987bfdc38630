//! Grid and random search with k-fold cross-validation (`trustnn::selection`).
//!
//! Training tests use tiny problems (≤ 90 samples, ≤ 40 epochs, ≤ 4 candidates, 3 folds) so
//! each runs in about a second in a debug build. Fold scores are compared bit for bit with
//! models trained by hand from the documented folds and seeds; means and standard deviations
//! are recomputed here in f64 from the returned fold scores (agreement to 1e-12).

use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use rand::Rng as _;
use trustnn::data::{Dataset, KFold, StratifiedKFold};
use trustnn::layer::{Dense, Layer, Mode, ParamKind};
use trustnn::loss::SparseCategoricalCrossEntropy;
use trustnn::optim::Adam;
use trustnn::progress::ProgressMode;
use trustnn::rng::{Rng, seeded};
use trustnn::selection::{
    Candidate, CandidateResult, GridSearch, ModelSpec, RandomSearch, SearchResult, SearchSpace, fold_seed,
    rank_min,
};
use trustnn::{Error, FitConfig, Metric, Result, Sequential, Tensor};

// ---------------------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------------------

/// XOR-like blobs: `per_blob` points uniformly within 0.45 of each corner (±1, ±1); the
/// class is 1 where the corner's coordinates have the same sign. No line separates the
/// classes, so a linear model stays near chance and one hidden layer solves it.
fn xor_blobs(per_blob: usize, seed: u64) -> Dataset {
    let mut rng = seeded(seed);
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for _ in 0..per_blob {
        for (cx, cy) in [(-1.0f32, -1.0f32), (-1.0, 1.0), (1.0, -1.0), (1.0, 1.0)] {
            x.push([
                cx + rng.random_range(-0.45..0.45),
                cy + rng.random_range(-0.45..0.45),
            ]);
            y.push(if cx * cy > 0.0 { 1.0 } else { 0.0 });
        }
    }
    let n = y.len();
    Dataset::new(
        Tensor::from_rows(&x).unwrap(),
        Tensor::from_vec(y, &[n, 1]).unwrap(),
    )
    .unwrap()
}

/// `n` samples whose first feature is the sample's index and second is noise; labels
/// alternate 0, 1, 0, 1, ...
fn indexed(n: usize) -> Dataset {
    let mut rng = seeded(5);
    let x: Vec<[f32; 2]> = (0..n).map(|i| [i as f32, rng.random_range(-1.0..1.0)]).collect();
    let y: Vec<f32> = (0..n).map(|i| (i % 2) as f32).collect();
    Dataset::new(Tensor::from_rows(&x).unwrap(), Tensor::from_vec(y, &[n]).unwrap()).unwrap()
}

/// A small regression problem: y = x0 − 2·x1.
fn linear_regression(n: usize) -> Dataset {
    let mut rng = seeded(9);
    let x: Vec<[f32; 2]> = (0..n)
        .map(|_| [rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0)])
        .collect();
    let y: Vec<f32> = x.iter().map(|r| r[0] - 2.0 * r[1]).collect();
    Dataset::new(
        Tensor::from_rows(&x).unwrap(),
        Tensor::from_vec(y, &[n, 1]).unwrap(),
    )
    .unwrap()
}

fn bce_spec() -> ModelSpec {
    ModelSpec::new(2, 1, "binary_cross_entropy_with_logits")
}

/// The XOR search shared by several tests: no hidden layer vs 8 tanh units, a tiny vs a
/// useful learning rate; 3 stratified folds, refit on.
fn xor_space() -> SearchSpace {
    SearchSpace::new()
        .learning_rates(&[1e-4, 0.05])
        .activations(&["tanh"])
        .hidden_layers(&[vec![], vec![8]])
        .batch_sizes(&[16])
        .epochs(&[40])
}

fn xor_result() -> MutexGuard<'static, SearchResult> {
    static RESULT: OnceLock<Mutex<SearchResult>> = OnceLock::new();
    RESULT
        .get_or_init(|| {
            let result = GridSearch::new(xor_space())
                .model(bce_spec())
                .cv(3)
                .metric(Metric::Accuracy)
                .seed(11)
                .fit(&xor_blobs(20, 1))
                .unwrap();
            Mutex::new(result)
        })
        .lock()
        .unwrap()
}

// ---------------------------------------------------------------------------------------
// A pass-through layer that records which samples it sees (feature 0 is the sample index)
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug, Default, PartialEq)]
struct Seen {
    candidate: String,
    train: Vec<usize>,
    eval: Vec<usize>,
}

type Log = Arc<Mutex<Vec<Seen>>>;

#[derive(Debug)]
struct Recorder {
    name: String,
    log: Log,
    slot: usize,
    out: Tensor,
    grad: Tensor,
}

impl Layer for Recorder {
    fn name(&self) -> &str {
        &self.name
    }
    fn set_name(&mut self, name: &str) {
        self.name = name.to_string();
    }
    fn kind(&self) -> &'static str {
        "recorder"
    }
    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>> {
        Ok(input.to_vec())
    }
    fn build(&mut self, input: &[usize], _rng: &mut Rng) -> Result<Vec<usize>> {
        Ok(input.to_vec())
    }
    fn forward(&mut self, x: &Tensor, mode: Mode) -> Result<&Tensor> {
        {
            let mut log = self.log.lock().unwrap();
            let seen = &mut log[self.slot];
            let ids = x.as_slice().chunks(2).map(|r| r[0] as usize);
            match mode {
                Mode::Train => seen.train.extend(ids),
                Mode::Eval => seen.eval.extend(ids),
            }
        }
        self.out.assign(x);
        Ok(&self.out)
    }
    fn backward(&mut self, grad_out: &Tensor) -> Result<&Tensor> {
        self.grad.assign(grad_out);
        Ok(&self.grad)
    }
}

/// A custom builder: Recorder → Dense(2, 2), softmax cross-entropy, Adam(lr of the
/// candidate). Each call opens a new slot in `log` labelled with the candidate.
fn recording_builder(log: Log) -> impl Fn(&Candidate) -> Result<Sequential> + 'static {
    move |c: &Candidate| {
        let slot = {
            let mut l = log.lock().unwrap();
            l.push(Seen {
                candidate: c.to_string(),
                ..Seen::default()
            });
            l.len() - 1
        };
        let recorder = Recorder {
            name: String::new(),
            log: log.clone(),
            slot,
            out: Tensor::default(),
            grad: Tensor::default(),
        };
        let mut model = Sequential::new()
            .input_shape(&[2])
            .add(recorder)
            .add(Dense::new(2, 2));
        model.compile(SparseCategoricalCrossEntropy, Adam::new(c.learning_rate))?;
        Ok(model)
    }
}

fn sorted_unique(mut v: Vec<usize>) -> Vec<usize> {
    v.sort_unstable();
    v.dedup();
    v
}

// ---------------------------------------------------------------------------------------
// The space: grid order, sampling, candidates, the MLP builder
// ---------------------------------------------------------------------------------------

#[test]
fn grid_is_the_cartesian_product_with_the_last_field_varying_fastest() {
    let space = SearchSpace::new()
        .optimizers(&["adam", "sgd"])
        .learning_rates(&[0.01, 0.1])
        .activations(&["relu", "tanh"])
        .hidden_layers(&[vec![4], vec![4, 2]])
        .l2(&[0.0, 1e-3])
        .batch_sizes(&[8, 16])
        .epochs(&[3, 5])
        .dropout(&[0.0, 0.5]);
    let grid = space.grid().unwrap();
    assert_eq!(grid.len(), 256);
    assert_eq!(space.grid_size().unwrap(), 256);
    // Nested loops, optimizer outermost and dropout innermost.
    let mut expected = Vec::new();
    for opt in ["adam", "sgd"] {
        for lr in [0.01, 0.1] {
            for act in ["relu", "tanh"] {
                for hidden in [vec![4], vec![4, 2]] {
                    for l2 in [0.0, 1e-3] {
                        for batch in [8, 16] {
                            for epochs in [3, 5] {
                                for dropout in [0.0, 0.5] {
                                    expected.push(Candidate {
                                        optimizer: opt.into(),
                                        learning_rate: lr,
                                        activation: act.into(),
                                        hidden_layers: hidden.clone(),
                                        l2,
                                        batch_size: batch,
                                        epochs,
                                        dropout,
                                    });
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    assert_eq!(grid, expected);
}

#[test]
fn default_space_is_one_candidate_with_the_documented_defaults() {
    let grid = SearchSpace::new().grid().unwrap();
    assert_eq!(grid.len(), 1);
    assert_eq!(
        grid[0].to_string(),
        "adam lr=0.001 relu hidden=[64] l2=0 batch=32 epochs=10"
    );
}

#[test]
fn candidate_display_reads_like_a_configuration_line() {
    let mut c = Candidate {
        optimizer: "adam".into(),
        learning_rate: 0.001,
        activation: "relu".into(),
        hidden_layers: vec![64, 32],
        l2: 0.0001,
        batch_size: 32,
        epochs: 30,
        dropout: 0.0,
    };
    assert_eq!(
        c.to_string(),
        "adam lr=0.001 relu hidden=[64,32] l2=0.0001 batch=32 epochs=30"
    );
    c.dropout = 0.2;
    c.hidden_layers.clear();
    assert_eq!(
        c.to_string(),
        "adam lr=0.001 relu hidden=[] l2=0.0001 batch=32 epochs=30 dropout=0.2"
    );
}

#[test]
fn random_search_candidates_are_reproducible_with_a_seed() {
    let space = SearchSpace::new()
        .optimizers(&["adam", "sgd", "rmsprop"])
        .learning_rate_log_uniform(1e-4, 1e-1)
        .hidden_layers(&[vec![8], vec![16], vec![16, 8]])
        .epochs(&[5, 10, 20]);
    let a = RandomSearch::new(space.clone(), 10).seed(3).candidates().unwrap();
    let b = RandomSearch::new(space, 10).seed(3).candidates().unwrap();
    assert_eq!(a.len(), 10);
    assert_eq!(a, b);
}

#[test]
fn random_search_with_different_seeds_draws_different_candidates() {
    let space = SearchSpace::new()
        .optimizers(&["adam", "sgd", "rmsprop"])
        .learning_rate_log_uniform(1e-4, 1e-1)
        .hidden_layers(&[vec![8], vec![16], vec![16, 8]]);
    let a = space.sample(10, 3).unwrap();
    let b = space.sample(10, 4).unwrap();
    assert_ne!(a, b);
    // Even on a finite space.
    let finite = space.learning_rates(&[1e-3, 1e-2, 1e-1]);
    assert_ne!(finite.sample(5, 3).unwrap(), finite.sample(5, 4).unwrap());
}

#[test]
fn random_search_samples_a_finite_space_without_replacement() {
    let space = SearchSpace::new()
        .optimizers(&["adam", "sgd"])
        .learning_rates(&[1e-3, 1e-2, 1e-1])
        .hidden_layers(&[vec![8], vec![16]]);
    let grid = space.grid().unwrap();
    let key = |c: &Candidate| c.to_string();
    let mut grid_keys: Vec<String> = grid.iter().map(key).collect();
    grid_keys.sort();

    let some = space.sample(7, 1).unwrap();
    let mut keys: Vec<String> = some.iter().map(key).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 7, "seven distinct candidates");
    assert!(keys.iter().all(|k| grid_keys.contains(k)));

    // n_iter beyond the grid size: every candidate exactly once (scikit-learn's behaviour).
    let all = space.sample(50, 1).unwrap();
    assert_eq!(all.len(), 12);
    let mut all_keys: Vec<String> = all.iter().map(key).collect();
    all_keys.sort();
    assert_eq!(all_keys, grid_keys);
}

#[test]
fn log_uniform_learning_rates_stay_in_range_and_spread_evenly_in_log_scale() {
    let space = SearchSpace::new().learning_rate_log_uniform(1e-4, 1.0);
    let lrs: Vec<f32> = space
        .sample(400, 8)
        .unwrap()
        .iter()
        .map(|c| c.learning_rate)
        .collect();
    assert!(lrs.iter().all(|&lr| (1e-4..=1.0).contains(&lr)));
    // Log-uniform: each decade holds a quarter of the draws (binomial sd ≈ 0.022).
    for (lo, hi) in [(1e-4, 1e-3), (1e-3, 1e-2), (1e-2, 1e-1), (1e-1, 1.0)] {
        let frac = lrs.iter().filter(|&&lr| lr >= lo && lr < hi).count() as f64 / 400.0;
        assert!((frac - 0.25).abs() < 0.08, "decade [{lo}, {hi}): {frac}");
    }
}

#[test]
fn mlp_builder_stacks_dense_activation_dropout_with_l2_on_every_dense_weight() {
    let c = Candidate {
        optimizer: "sgd".into(),
        learning_rate: 0.1,
        activation: "tanh".into(),
        hidden_layers: vec![5, 3],
        l2: 0.01,
        batch_size: 4,
        epochs: 1,
        dropout: 0.25,
    };
    let model = c
        .build(&ModelSpec::new(4, 1, "binary_cross_entropy").seed(2))
        .unwrap();
    let kinds: Vec<&str> = model.layers().iter().map(|l| l.kind()).collect();
    assert_eq!(
        kinds,
        [
            "dense",
            "activation",
            "dropout",
            "dense",
            "activation",
            "dropout",
            "dense",
            "activation"
        ]
    );
    let acts: Vec<&str> = model
        .layers()
        .iter()
        .filter_map(|l| l.activation_name())
        .collect();
    // The output of a probability loss gets a sigmoid.
    assert_eq!(acts, ["tanh", "tanh", "sigmoid"]);
    assert_eq!(model.loss().unwrap().name(), "binary_cross_entropy");
    assert_eq!(model.optimizer().unwrap().learning_rate(), 0.1);
    assert_eq!(model.seed_value(), 2);
    // L2 on the three weight matrices (biases excluded): λ·Σw².
    let sum_sq: f64 = model
        .params()
        .filter(|p| p.kind() == ParamKind::Weight)
        .flat_map(|p| p.value().as_slice().iter())
        .map(|&w| (w as f64) * (w as f64))
        .sum();
    let expected = 0.01 * sum_sq;
    assert!(((model.penalty() as f64) - expected).abs() <= 1e-6 * expected);
    assert_eq!(model.num_params(), (4 * 5 + 5) + (5 * 3 + 3) + (3 + 1));
}

#[test]
fn mlp_builder_adds_no_regularizer_dropout_or_output_activation_when_not_asked() {
    let c = SearchSpace::new()
        .hidden_layers(&[vec![3]])
        .grid()
        .unwrap()
        .remove(0);
    let model = c
        .build(&ModelSpec::new(2, 4, "sparse_categorical_cross_entropy"))
        .unwrap();
    let kinds: Vec<&str> = model.layers().iter().map(|l| l.kind()).collect();
    assert_eq!(kinds, ["dense", "activation", "dense"]);
    assert_eq!(model.penalty(), 0.0);
    assert_eq!(model.output_sample_shape(), &[4]);
    // A class-probability loss gets a softmax output.
    let kl = c.build(&ModelSpec::new(2, 4, "kl_divergence")).unwrap();
    assert_eq!(kl.layers().last().unwrap().activation_name(), Some("softmax"));
}

// ---------------------------------------------------------------------------------------
// The search
// ---------------------------------------------------------------------------------------

#[test]
fn every_candidate_is_trained_and_scored_on_the_same_folds() {
    let log: Log = Arc::default();
    let data = indexed(30);
    let space = SearchSpace::new()
        .learning_rates(&[0.01, 0.02, 0.03])
        .batch_sizes(&[8])
        .epochs(&[2]);
    let result = GridSearch::new(space)
        .builder(recording_builder(log.clone()))
        .cv(3)
        .seed(4)
        .refit(false)
        .fit(&data)
        .unwrap();
    assert_eq!(result.rows.len(), 3);
    assert!(result.best_model.is_none());

    let log = log.lock().unwrap();
    // Builds that trained (the checks before training build each candidate once, untrained).
    let trained: Vec<&Seen> = log.iter().filter(|s| !s.train.is_empty()).collect();
    assert_eq!(trained.len(), 3 * 3, "one model per candidate and fold");
    let folds_of = |cand: &str| -> Vec<(Vec<usize>, Vec<usize>)> {
        let mut f: Vec<_> = trained
            .iter()
            .filter(|s| s.candidate == cand)
            .map(|s| (sorted_unique(s.train.clone()), sorted_unique(s.eval.clone())))
            .collect();
        f.sort();
        f
    };
    let reference = folds_of(&result.rows[0].candidate.to_string());
    assert_eq!(reference.len(), 3);
    for row in &result.rows[1..] {
        assert_eq!(
            folds_of(&row.candidate.to_string()),
            reference,
            "{}",
            row.candidate
        );
    }
    // The folds partition the samples; each model trains on the rest.
    let mut tests: Vec<usize> = reference.iter().flat_map(|(_, t)| t.clone()).collect();
    tests.sort_unstable();
    assert_eq!(tests, (0..30).collect::<Vec<_>>());
    for (train, test) in &reference {
        assert_eq!(train.len() + test.len(), 30);
        assert!(train.iter().all(|i| !test.contains(i)));
    }
    // Every training epoch visits each training sample once: 2 epochs.
    for s in &trained {
        assert_eq!(s.train.len(), 2 * sorted_unique(s.train.clone()).len());
    }
}

#[test]
fn fold_scores_equal_models_trained_by_hand_from_the_documented_folds_seeds_and_weights() {
    let mut rng = seeded(21);
    let base = xor_blobs(8, 2);
    let weights: Vec<f32> = (0..base.len()).map(|_| rng.random_range(0.1..2.0)).collect();
    let data = base.with_weights(weights).unwrap();
    let space = SearchSpace::new()
        .learning_rates(&[0.02, 0.05])
        .activations(&["relu"])
        .hidden_layers(&[vec![6]])
        .batch_sizes(&[8])
        .epochs(&[10]);
    let (seed, k) = (17, 3);
    let spec = bce_spec();
    let result = GridSearch::new(space.clone())
        .model(spec.clone())
        .cv(k)
        .seed(seed)
        .metric(Metric::Accuracy)
        .fit(&data)
        .unwrap();

    // Classification loss: stratified k-fold shuffled from the search's seed.
    let folds = StratifiedKFold::new(k).shuffled(seed).split(data.y()).unwrap();
    for (ci, c) in space.grid().unwrap().iter().enumerate() {
        assert_eq!(&result.rows[ci].candidate, c);
        for (f, (train, test)) in folds.iter().enumerate() {
            let mut model = c.build(&spec.clone().seed(fold_seed(seed, ci, f))).unwrap();
            let cfg = FitConfig::new()
                .epochs(c.epochs)
                .batch_size(c.batch_size)
                .progress(ProgressMode::Silent);
            model.fit_dataset(&data.subset(train).unwrap(), &cfg).unwrap();
            let test = data.subset(test).unwrap();
            let score = model.evaluate(test.x(), test.y(), &[Metric::Accuracy]).unwrap();
            let score = score.metric(Metric::Accuracy).unwrap() as f64;
            assert_eq!(result.rows[ci].fold_scores[f], score, "candidate {ci}, fold {f}");
        }
    }
    // The refitted model is the best candidate trained on all the data from seed (seed, best, k).
    let best = result.best_index;
    let mut by_hand = result.best.build(&spec.seed(fold_seed(seed, best, k))).unwrap();
    let cfg = FitConfig::new()
        .epochs(result.best.epochs)
        .batch_size(result.best.batch_size)
        .progress(ProgressMode::Silent);
    by_hand.fit_dataset(&data, &cfg).unwrap();
    let refit = result.best_model.as_ref().unwrap();
    assert_eq!(refit.state_dict(), by_hand.state_dict());
}

#[test]
fn sample_weights_are_used_in_training() {
    // Zero weights on every sample: no gradient, so Adam never moves and each fold model
    // scores exactly like its untrained initial weights.
    let base = xor_blobs(6, 3);
    let n = base.len();
    let data = base.with_weights(vec![0.0; n]).unwrap();
    let space = SearchSpace::new()
        .learning_rates(&[0.1])
        .hidden_layers(&[vec![4]])
        .batch_sizes(&[4])
        .epochs(&[5]);
    let result = GridSearch::new(space.clone())
        .model(bce_spec())
        .cv(2)
        .seed(6)
        .refit(false)
        .fit(&data)
        .unwrap();
    let folds = StratifiedKFold::new(2).shuffled(6).split(data.y()).unwrap();
    let c = &space.grid().unwrap()[0];
    for (f, (_, test)) in folds.iter().enumerate() {
        let mut untrained = c.build(&bce_spec().seed(fold_seed(6, 0, f))).unwrap();
        let test = data.subset(test).unwrap();
        let ev = untrained
            .evaluate(test.x(), test.y(), &[Metric::Accuracy])
            .unwrap();
        assert_eq!(
            result.rows[0].fold_scores[f],
            ev.metric(Metric::Accuracy).unwrap() as f64
        );
    }
}

#[test]
fn search_on_xor_picks_the_hidden_layer_with_a_useful_learning_rate_and_ranks_it_first() {
    let result = xor_result();
    assert_eq!(result.metric, Metric::Accuracy);
    // Grid order: (lr 1e-4, []), (1e-4, [8]), (0.05, []), (0.05, [8]).
    assert_eq!(result.best_index, 3);
    assert_eq!(result.best.hidden_layers, vec![8]);
    assert_eq!(result.best.learning_rate, 0.05);
    assert_eq!(result.rows[3].rank, 1);
    assert!(result.rows[3].mean >= 0.9, "{}", result.table());
    for r in &result.rows[..3] {
        assert!(r.rank > 1);
        assert!(r.mean < 0.8, "{}", result.table());
    }
    assert_eq!(result.best_row().candidate, result.best);
}

#[test]
fn refitted_best_model_classifies_fresh_xor_samples() {
    let mut result = xor_result();
    let model = result.best_model.as_mut().expect("refit is on by default");
    let fresh = xor_blobs(25, 99);
    let ev = model.evaluate(fresh.x(), fresh.y(), &[Metric::Accuracy]).unwrap();
    assert!(ev.metric(Metric::Accuracy).unwrap() >= 0.95, "{ev:?}");
}

#[test]
fn mean_and_std_are_the_population_statistics_of_the_fold_scores() {
    let result = xor_result();
    let mut some_spread = false;
    for r in &result.rows {
        assert_eq!(r.fold_scores.len(), 3);
        let mean = r.fold_scores.iter().sum::<f64>() / 3.0;
        let var = r.fold_scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / 3.0;
        assert!((r.mean - mean).abs() < 1e-12);
        assert!((r.std - var.sqrt()).abs() < 1e-12, "ddof = 0");
        some_spread |= var > 0.0;
        assert!(r.fit_seconds > 0.0);
    }
    assert!(some_spread, "some candidate's folds differ, so ddof matters");
}

#[test]
fn ranks_follow_the_metric_direction_share_ties_and_put_nan_last() {
    let scores = [0.5, 0.9, f64::NAN, 0.9, 0.7];
    assert_eq!(rank_min(&scores, true), vec![4, 1, 5, 1, 3]);
    assert_eq!(rank_min(&scores, false), vec![1, 3, 5, 3, 2]);
    assert_eq!(rank_min(&[f64::NAN, f64::NAN], true), vec![1, 1]);
    assert_eq!(rank_min(&[], true), Vec::<usize>::new());
}

#[test]
fn lower_is_better_metrics_rank_the_smallest_mean_first() {
    // Regression with MSE: a linear model fits y = x0 − 2·x1; a tiny learning rate does not.
    let space = SearchSpace::new()
        .learning_rates(&[1e-5, 0.05])
        .hidden_layers(&[vec![]])
        .batch_sizes(&[8])
        .epochs(&[30]);
    let result = GridSearch::new(space)
        .model(ModelSpec::new(2, 1, "mse"))
        .cv(3)
        .metric(Metric::MeanSquaredError)
        .refit(false)
        .fit(&linear_regression(45))
        .unwrap();
    assert!(result.rows[1].mean < result.rows[0].mean);
    assert_eq!((result.rows[0].rank, result.rows[1].rank), (2, 1));
    assert_eq!(result.best_index, 1);
}

#[test]
fn regression_search_defaults_to_r2_and_shuffled_plain_k_fold() {
    let space = SearchSpace::new()
        .learning_rates(&[0.05])
        .hidden_layers(&[vec![]])
        .epochs(&[40])
        .batch_sizes(&[8]);
    let data = linear_regression(45);
    let spec = ModelSpec::new(2, 1, "mse");
    let result = GridSearch::new(space.clone())
        .model(spec.clone())
        .cv(3)
        .seed(5)
        .refit(false)
        .fit(&data)
        .unwrap();
    assert_eq!(result.metric, Metric::R2);
    assert!(result.rows[0].mean > 0.9, "{}", result.table());
    // The folds are KFold(3) shuffled from the seed: fold scores match models trained by hand.
    let c = &space.grid().unwrap()[0];
    let folds = KFold::new(3).shuffled(5).split(data.len()).unwrap();
    for (f, (train, test)) in folds.iter().enumerate() {
        let mut model = c.build(&spec.clone().seed(fold_seed(5, 0, f))).unwrap();
        let cfg = FitConfig::new()
            .epochs(40)
            .batch_size(8)
            .progress(ProgressMode::Silent);
        model.fit_dataset(&data.subset(train).unwrap(), &cfg).unwrap();
        let test = data.subset(test).unwrap();
        let ev = model.evaluate(test.x(), test.y(), &[Metric::R2]).unwrap();
        assert_eq!(
            result.rows[0].fold_scores[f],
            ev.metric(Metric::R2).unwrap() as f64
        );
    }
}

#[test]
fn a_fold_whose_training_diverges_scores_nan_and_ranks_last() {
    // SGD with lr 1e30 overflows the weights in the first steps: the training loss is not
    // finite, so each fold scores NaN even though accuracy of NaN outputs is computable.
    let space = SearchSpace::new()
        .optimizers(&["sgd"])
        .learning_rates(&[1e30, 0.1])
        .activations(&["relu"])
        .hidden_layers(&[vec![8]])
        .batch_sizes(&[8])
        .epochs(&[3]);
    let result = GridSearch::new(space)
        .model(bce_spec())
        .cv(2)
        .metric(Metric::Accuracy)
        .seed(2)
        .fit(&xor_blobs(6, 4))
        .unwrap();
    let diverged = &result.rows[0];
    assert!(
        diverged.fold_scores.iter().all(|s| s.is_nan()),
        "{:?}",
        diverged.fold_scores
    );
    assert!(diverged.mean.is_nan());
    assert_eq!(diverged.rank, 2);
    assert_eq!(result.rows[1].rank, 1);
    assert_eq!(result.best_index, 1);
    assert!(result.rows[1].mean.is_finite());
}

#[test]
fn random_search_fit_is_reproducible_with_a_seed() {
    let space = SearchSpace::new()
        .learning_rate_log_uniform(1e-3, 1e-1)
        .hidden_layers(&[vec![4], vec![8]])
        .batch_sizes(&[8])
        .epochs(&[5]);
    let run = |seed| {
        RandomSearch::new(space.clone(), 2)
            .model(bce_spec())
            .cv(2)
            .seed(seed)
            .refit(false)
            .fit(&xor_blobs(6, 5))
            .unwrap()
    };
    let (a, b) = (run(1), run(1));
    assert_eq!(a.rows.len(), 2);
    for (ra, rb) in a.rows.iter().zip(&b.rows) {
        assert_eq!(ra.candidate, rb.candidate);
        assert_eq!(ra.fold_scores, rb.fold_scores);
        assert_eq!(ra.rank, rb.rank);
    }
    let c = run(2);
    assert_ne!(a.rows[0].candidate, c.rows[0].candidate);
}

// ---------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------

fn made_up_result() -> SearchResult {
    let cand = |lr: f32, hidden: Vec<usize>| Candidate {
        optimizer: "adam".into(),
        learning_rate: lr,
        activation: "relu".into(),
        hidden_layers: hidden,
        l2: 0.0,
        batch_size: 16,
        epochs: 5,
        dropout: 0.0,
    };
    let row = |c: Candidate, folds: [f64; 2], rank: usize| {
        let mean = (folds[0] + folds[1]) / 2.0;
        CandidateResult {
            candidate: c,
            fold_scores: folds.to_vec(),
            mean,
            std: (folds[0] - mean).abs(),
            rank,
            fit_seconds: 0.25,
        }
    };
    let rows = vec![
        row(cand(0.001, vec![]), [0.5, 0.6], 3),
        row(cand(0.01, vec![8, 4]), [0.9, 0.95], 1),
        row(cand(0.1, vec![8]), [0.8, f64::from(0.7f32)], 2),
    ];
    SearchResult {
        metric: Metric::Accuracy,
        best: rows[1].candidate.clone(),
        best_index: 1,
        rows,
        best_model: None,
    }
}

#[test]
fn table_lists_candidates_by_rank_with_mean_and_std() {
    let table = made_up_result().table();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 4);
    assert!(lines[0].starts_with("rank  accuracy"), "{table}");
    assert!(lines[0].ends_with("candidate"));
    assert!(lines[1].trim_start().starts_with("1  0.9250 ± 0.0250"), "{table}");
    assert!(lines[1].ends_with("adam lr=0.01 relu hidden=[8,4] l2=0 batch=16 epochs=5"));
    assert!(lines[2].trim_start().starts_with("2  0.7500 ± 0.0500"));
    assert!(lines[3].trim_start().starts_with("3  0.5500 ± 0.0500"));
    assert!(lines[3].ends_with("hidden=[] l2=0 batch=16 epochs=5"));
    // Columns line up: the candidate starts at the same character in every line.
    let at: Vec<usize> = lines[1..]
        .iter()
        .map(|l| l.chars().position(|ch| ch == 'a').unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[0] == w[1]), "{table}");
}

#[test]
fn csv_has_a_header_and_one_row_per_candidate_in_candidate_order() {
    let csv = made_up_result().to_csv().unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "candidate",
            "rank",
            "mean_score",
            "std_score",
            "fold0_score",
            "fold1_score",
            "mean_fit_seconds",
            "optimizer",
            "learning_rate",
            "activation",
            "hidden_layers",
            "l2",
            "batch_size",
            "epochs",
            "dropout"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(&rows[1][0], "1");
    assert_eq!(&rows[1][1], "1");
    assert_eq!(rows[1][2].parse::<f64>().unwrap(), 0.925);
    assert_eq!(&rows[1][4], "0.9");
    assert_eq!(&rows[1][5], "0.95");
    assert_eq!(&rows[1][8], "0.01");
    assert_eq!(&rows[1][10], "[8,4]");
    assert_eq!(&rows[0][10], "[]");
    // A fold score that is an f32 value is written in f32's shortest form.
    assert_eq!(&rows[2][5], "0.7");
}

// ---------------------------------------------------------------------------------------
// Errors, all before any training
// ---------------------------------------------------------------------------------------

/// Runs `search` with a recording builder and returns its error and whether any model saw
/// a training batch.
fn fails_before_training(search: impl FnOnce(Log) -> Result<SearchResult>) -> (Error, bool) {
    let log: Log = Arc::default();
    let err = search(log.clone()).expect_err("the search should fail");
    let trained = log.lock().unwrap().iter().any(|s| !s.train.is_empty());
    (err, trained)
}

#[test]
fn an_empty_list_in_the_space_is_an_error() {
    let (err, trained) = fails_before_training(|log| {
        GridSearch::new(SearchSpace::new().activations::<&str>(&[]))
            .builder(recording_builder(log))
            .cv(2)
            .fit(&indexed(10))
    });
    assert!(
        matches!(err, Error::EmptyInput { ref context } if context.contains("activations")),
        "{err}"
    );
    assert!(!trained);
    let err = SearchSpace::new()
        .hidden_layers::<Vec<usize>>(&[])
        .grid()
        .unwrap_err();
    assert!(matches!(err, Error::EmptyInput { .. }), "{err}");
}

#[test]
fn fewer_than_two_folds_is_an_error() {
    let (err, trained) = fails_before_training(|log| {
        GridSearch::new(SearchSpace::new())
            .builder(recording_builder(log))
            .cv(1)
            .fit(&indexed(10))
    });
    assert!(
        matches!(err, Error::InvalidConfig { ref param, .. } if param == "GridSearch.cv"),
        "{err}"
    );
    assert!(!trained);
}

#[test]
fn more_folds_than_samples_is_an_error() {
    let (err, trained) = fails_before_training(|log| {
        RandomSearch::new(SearchSpace::new(), 1)
            .builder(recording_builder(log))
            .cv(11)
            .fit(&indexed(10))
    });
    assert!(
        matches!(err, Error::InvalidConfig { ref param, ref value, .. } if param == "RandomSearch.cv" && value == "11"),
        "{err}"
    );
    assert!(!trained);
}

#[test]
fn a_class_metric_on_a_regression_loss_is_an_error() {
    let err = GridSearch::new(SearchSpace::new().epochs(&[1]))
        .model(ModelSpec::new(2, 1, "mse"))
        .cv(2)
        .metric(Metric::Accuracy)
        .fit(&linear_regression(10))
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidConfig { ref param, ref value, .. } if param == "GridSearch.metric" && value == "accuracy"),
        "{err}"
    );
}

#[test]
fn a_regression_metric_on_a_classification_loss_is_an_error_before_training() {
    let (err, trained) = fails_before_training(|log| {
        GridSearch::new(SearchSpace::new())
            .builder(recording_builder(log))
            .cv(2)
            .metric(Metric::R2)
            .fit(&indexed(10))
    });
    assert!(
        matches!(err, Error::InvalidConfig { ref param, .. } if param == "GridSearch.metric"),
        "{err}"
    );
    assert!(!trained);
}

#[test]
fn log_loss_on_a_hinge_loss_is_an_error() {
    let err = GridSearch::new(SearchSpace::new().epochs(&[1]))
        .model(ModelSpec::new(2, 1, "hinge"))
        .cv(2)
        .metric(Metric::LogLoss)
        .fit(&xor_blobs(2, 1))
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidConfig { ref param, .. } if param == "GridSearch.metric"),
        "{err}"
    );
}

#[test]
fn stratifying_a_regression_is_an_error() {
    let err = GridSearch::new(SearchSpace::new().epochs(&[1]))
        .model(ModelSpec::new(2, 1, "mse"))
        .cv(2)
        .stratified(true)
        .fit(&linear_regression(10))
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidConfig { ref param, .. } if param == "GridSearch.stratified"),
        "{err}"
    );
}

#[test]
fn a_grid_over_a_learning_rate_range_is_an_error() {
    let space = SearchSpace::new().learning_rate_log_uniform(1e-4, 1e-1);
    let err = GridSearch::new(space)
        .model(bce_spec())
        .cv(2)
        .fit(&xor_blobs(2, 1))
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidConfig { ref param, .. } if param == "SearchSpace.learning_rates"),
        "{err}"
    );
}

#[test]
fn invalid_values_in_the_space_are_errors() {
    let unknown = SearchSpace::new().optimizers(&["adamm"]).grid().unwrap_err();
    assert!(
        matches!(unknown, Error::UnknownName { ref name, .. } if name == "adamm"),
        "{unknown}"
    );
    let unknown = SearchSpace::new().activations(&["rleu"]).grid().unwrap_err();
    assert!(
        matches!(unknown, Error::UnknownName { ref name, .. } if name == "rleu"),
        "{unknown}"
    );
    let cases = [
        (
            SearchSpace::new().learning_rates(&[0.0]),
            "SearchSpace.learning_rates",
        ),
        (
            SearchSpace::new().learning_rate_log_uniform(1e-1, 1e-3),
            "SearchSpace.learning_rates (log-uniform high)",
        ),
        (
            SearchSpace::new().hidden_layers(&[vec![4, 0]]),
            "SearchSpace.hidden_layers",
        ),
        (SearchSpace::new().l2(&[-1.0]), "SearchSpace.l2"),
        (SearchSpace::new().batch_sizes(&[0]), "SearchSpace.batch_sizes"),
        (SearchSpace::new().epochs(&[0]), "SearchSpace.epochs"),
        (SearchSpace::new().dropout(&[1.0]), "SearchSpace.dropout"),
    ];
    for (space, expected) in cases {
        let err = space.sample(3, 0).unwrap_err();
        assert!(
            matches!(err, Error::InvalidConfig { ref param, .. } if param == expected),
            "{err}"
        );
    }
    let err = SearchSpace::new().sample(0, 0).unwrap_err();
    assert!(
        matches!(err, Error::InvalidConfig { ref param, .. } if param == "RandomSearch.n_iter"),
        "{err}"
    );
}

#[test]
fn a_search_without_a_model_is_an_error() {
    let err = GridSearch::new(SearchSpace::new())
        .cv(2)
        .fit(&indexed(10))
        .unwrap_err();
    assert!(matches!(err, Error::NotReady(_)), "{err}");
}

#[test]
fn a_builder_that_returns_an_uncompiled_model_is_an_error() {
    let err = GridSearch::new(SearchSpace::new())
        .builder(|_| Ok(Sequential::new().add(Dense::new(2, 2))))
        .cv(2)
        .fit(&indexed(10))
        .unwrap_err();
    assert!(
        matches!(err, Error::NotReady(ref m) if m.contains("uncompiled")),
        "{err}"
    );
}

#[test]
fn a_model_whose_input_width_differs_from_the_data_is_an_error() {
    let err = GridSearch::new(SearchSpace::new())
        .model(ModelSpec::new(3, 1, "binary_cross_entropy_with_logits"))
        .cv(2)
        .fit(&xor_blobs(2, 1))
        .unwrap_err();
    assert!(
        matches!(err, Error::ShapeMismatch { ref actual, .. } if actual == &[3]),
        "{err}"
    );
}

#[test]
fn targets_that_do_not_suit_the_loss_are_an_error() {
    // Labels up to 3 for a 2-output softmax.
    let data = indexed(8)
        .with_y(Tensor::from_vec(vec![0., 1., 2., 3., 0., 1., 2., 3.], &[8]).unwrap())
        .unwrap();
    let err = GridSearch::new(SearchSpace::new())
        .model(ModelSpec::new(2, 2, "sparse_categorical_cross_entropy"))
        .cv(2)
        .fit(&data)
        .unwrap_err();
    assert!(matches!(err, Error::LabelOutOfRange { .. }), "{err}");
}
