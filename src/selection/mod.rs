//! Model selection: grid and random search over MLP hyperparameters with (stratified) k-fold
//! cross-validation, as scikit-learn's `GridSearchCV` and `RandomizedSearchCV`
//! (`cv_results_`, `best_params_`, `refit=True`).
//!
//! - [`SearchSpace`] (alias [`ParamGrid`]): the values to try — optimizer and learning rate
//!   (a list, or a log-uniform range for random search), activation, hidden layer sizes, L2
//!   strength, batch size, epochs, dropout rate; [`Candidate`]: one configuration.
//! - A model per candidate: the built-in MLP builder ([`ModelSpec`], [`Candidate::build`]) or
//!   any closure `Fn(&Candidate) -> Result<Sequential>`.
//! - [`GridSearch`] (every candidate of the grid) and [`RandomSearch`] (`n_iter` sampled
//!   candidates; Bergstra & Bengio, "Random Search for Hyper-Parameter Optimization", JMLR 13,
//!   2012) score each candidate on the same k folds (Stone, "Cross-Validatory Choice and
//!   Assessment of Statistical Predictions", JRSS B 36, 1974), rank the candidates and refit
//!   the best on the whole dataset.
//! - [`SearchResult`]: per-candidate fold scores, mean, standard deviation (`ddof = 0`), rank
//!   and fit time, as a [table](SearchResult::table) sorted by rank or as
//!   [CSV](SearchResult::to_csv).
//!
//! Every choice is drawn from one seed ([`fold_seed`] gives each fold's model its own), so a
//! search is reproducible run to run. Models train sequentially on the calling thread.
//!
//! ```
//! use trustnn::selection::{SearchSpace, GridSearch, ModelSpec};
//! let space = SearchSpace::new()
//!     .optimizers(&["adam", "sgd_momentum"])
//!     .learning_rates(&[1e-3, 1e-2])
//!     .hidden_layers(&[vec![64], vec![64, 32]]);
//! let search = GridSearch::new(space)
//!     .model(ModelSpec::new(30, 1, "binary_cross_entropy_with_logits"))
//!     .cv(5)
//!     .seed(42);
//! assert_eq!(search.candidates()?.len(), 8);
//! // let result = search.fit(&data)?; println!("{}", result.table());
//! # Ok::<(), trustnn::Error>(())
//! ```

mod result;
mod search;
mod space;

pub use result::{CandidateResult, SearchResult, rank_min};
pub use search::{GridSearch, RandomSearch, fold_seed};
pub use space::{Candidate, LearningRates, ModelSpec, ParamGrid, SearchSpace};
