//! Model files: save and load a [`Sequential`] — architecture, weights, optional optimizer
//! state, generator states, fitted preprocessing and a model card — in one tamper-evident
//! file whose weights are stored in the [safetensors] format, so other tools can read them.
//!
//! Guarantees (each backed by a test listed in `docs/RELIABILITY.md`):
//!
//! - **Integrity**: a SHA-256 digest of the content is stored in the file and checked on
//!   every load; a file with any changed byte is refused ([`Error::Integrity`], or
//!   [`Error::Format`] where the change breaks the structure first).
//! - **Authenticity** (optional): files can be signed with HMAC-SHA256 (shared secret) or
//!   Ed25519 (key pair); [`load_verified`] refuses unsigned files and files signed with
//!   another key ([`Error::Authenticity`]).
//! - **Safe against hostile files**: truncated, bit-flipped or crafted files give a clear
//!   error, never a panic, and nothing is allocated beyond what the file's real size
//!   justifies (the header length is checked against the file size, and the architecture's
//!   parameter count against the weights actually present, before any layer is built).
//! - **Atomic saves**: [`save`] writes a temporary file, syncs it and renames it over the
//!   target, so an error or a crash mid-save never damages the previous file.
//! - **Exact resumption**: a checkpoint ([`save_checkpoint`]) holds weights, optimizer state,
//!   every random generator and the epoch; training resumed from it with
//!   `FitConfig::initial_epoch` gives bit-identical weights to an uninterrupted run.
//!
//! ```
//! use trustnn::prelude::*;
//! use trustnn::io::{self, ModelCard, SaveOptions, SigningKey};
//!
//! let mut model = Sequential::new().seed(3).add(Dense::new(2, 3)).add(ActivationLayer::new(Relu));
//! model.compile(MeanSquaredError, Adam::new(1e-3))?;
//! let key = SigningKey::ed25519_from_seed(&[42; 32]);
//! let opts = SaveOptions::new()
//!     .card(ModelCard::new("demo").intended_use("documentation examples"))
//!     .sign_with(key.clone());
//! let bytes = io::to_bytes(&model, &opts)?;
//!
//! let loaded = io::from_bytes(&bytes, &io::LoadOptions::new().verify_key(key.verify_key()))?;
//! assert!(loaded.signed_by.is_some());
//! assert_eq!(loaded.card.name, "demo");
//! let x = Tensor::from_rows(&[[0.5, -1.0]])?;
//! let mut reloaded = loaded.model;
//! assert_eq!(reloaded.predict(&x)?, model.predict(&x)?);
//!
//! // One flipped bit anywhere and the file is refused.
//! let mut bad = bytes.clone();
//! bad[bytes.len() - 3] ^= 0x10;
//! assert!(io::from_bytes(&bad, &io::LoadOptions::new()).is_err());
//! # Ok::<(), trustnn::Error>(())
//! ```
//!
//! # File format (version 1)
//!
//! A model file is a safetensors file in the canonical byte form of [`raw`]: an 8-byte
//! little-endian header length, a compact JSON header with sorted keys padded with spaces to
//! a multiple of 8 bytes, then the tensor data in name order.
//!
//! **Tensors** (all `F32`, little-endian):
//! - every parameter and buffer of the model under its full name (`dense.weight` `[in, out]`,
//!   `dense.bias` `[out]`, `batch_norm.running_mean` `[F]`, ...; as
//!   [`Sequential::state_dict`]);
//! - with optimizer state: `optimizer/{param}/{buffer}` (`optimizer/dense.weight/exp_avg`),
//!   1-D, of the parameter's length (NAdam's `mu_product`: length 1).
//!
//! **Metadata** (`__metadata__`, string → string; JSON values are compact JSON text):
//!
//! | key | required | content |
//! |---|---|---|
//! | `format` | yes | `"trustnn-model"` |
//! | `format_version` | yes | `"1"`; a reader refuses versions newer than its own |
//! | `architecture` | yes | JSON `{"input_shape": [..], "seed": u64, "layers": [{"name": .., "spec": `[`LayerSpec`]`}, ..]}` |
//! | `loss` | if compiled | JSON `{"name": "huber", "params": {"delta": 1.0}}` ([`crate::loss::by_name`] key) |
//! | `optimizer` | if compiled | JSON `{"spec": `[`OptimizerSpec`]`, "state": [{"param": .., "step": u64, "buffers": [..]}, ..]}`; `state` only with optimizer state |
//! | `rng` | yes | JSON `{"shuffle": <ChaCha8 state>, "layers": {"dropout": <ChaCha8 state>, ..}}` (`rand_chacha`'s serde form: seed, stream, word position) |
//! | `epoch` | no | decimal: the number of epochs completed (resume with `initial_epoch` = this) |
//! | `crate_version` | yes | the trustnn version that wrote the file |
//! | `created` | yes | RFC 3339 UTC time of writing, `YYYY-MM-DDTHH:MM:SSZ` |
//! | `training_config` | no | JSON, free-form, from the caller |
//! | `metrics` | no | JSON object, metric name → number (`null` for a non-finite value) |
//! | `model_card` | yes | JSON [`ModelCard`] |
//! | `preprocessing` | no | JSON array of `[name, value]` pairs (e.g. a fitted scaler's parameters) |
//! | `key_id` | no | free text naming the signing key (covered by the digest) |
//! | `sha256` | yes | lowercase hex SHA-256 of the canonical file without `sha256` and `signature` ([`raw`]) |
//! | `signature` | no | `hmac-sha256:<hex>` or `ed25519:<hex>` over `trustnn-model/1:<sha256 hex>` |
//!
//! Unknown keys are refused (they would be covered by the digest, but a reader that ignored
//! them could silently lose meaning).
//!
//! **Reading order**: size limit → header length vs. file size → safetensors structure →
//! canonical form → `format` and `format_version` → digest → signature (with a key) →
//! metadata JSON → parameter count vs. weights present → build → tensor names, dtypes, shapes
//! and finiteness → loss, optimizer and its state → generators.
//!
//! [safetensors]: https://huggingface.co/docs/safetensors

mod atomic;
mod card;
mod checkpoint;
pub mod raw;
mod sign;

pub use card::ModelCard;
pub use checkpoint::ModelCheckpoint;
pub use ed25519_dalek;
pub use sign::{SignatureAlgorithm, SigningKey, VerifyKey};

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::layer::{self, LayerSpec, same_debug};
use crate::loss::{self, Huber, Loss};
use crate::model::Sequential;
use crate::optim::{self, Optimizer, OptimizerSpec, OptimizerState, ParamState};
use crate::rng::Rng;
use crate::tensor::Tensor;
use raw::{Dtype, RawFile, RawTensor};

/// The value of the `format` metadata entry.
pub const FORMAT: &str = "trustnn-model";

/// The format version this crate writes, and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;

/// The prefix of optimizer-state tensor names.
const OPT_PREFIX: &str = "optimizer/";

/// The name used for in-memory sources in errors.
const MEMORY: &str = "<memory>";

/// Every metadata key a version-1 file may contain.
const KNOWN_KEYS: [&str; 16] = [
    "format",
    "format_version",
    "architecture",
    "loss",
    "optimizer",
    "rng",
    "epoch",
    "crate_version",
    "created",
    "training_config",
    "metrics",
    "model_card",
    "preprocessing",
    "key_id",
    raw::DIGEST_KEY,
    raw::SIGNATURE_KEY,
];

/// The optimizer buffers the built-in optimizers keep, and their lengths: the parameter's
/// length, or one value (NAdam's `mu_product`).
const BUFFERS: [(&str, bool); 9] = [
    ("momentum_buffer", false),
    ("sum", false),
    ("square_avg", false),
    ("grad_avg", false),
    ("exp_avg", false),
    ("exp_avg_sq", false),
    ("max_exp_avg_sq", false),
    ("acc_delta", false),
    ("mu_product", true),
];

/// What to write besides the model ([`save`], [`to_bytes`]).
///
/// ```
/// use trustnn::io::{ModelCard, SaveOptions, SigningKey};
/// let opts = SaveOptions::new()
///     .card(ModelCard::new("churn").limitations("Trained on 2023 data only."))
///     .metric("val_accuracy", 0.93)
///     .training_config(serde_json::json!({"epochs": 20, "batch_size": 32}))
///     .preprocessing("scaler", &serde_json::json!({"mean": [0.5], "std": [2.0]}))?
///     .sign_with(SigningKey::hmac(b"shared secret".to_vec()))
///     .key_id("ci-2025");
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct SaveOptions {
    /// Also store the optimizer's per-parameter state (moments, step counts); needed to
    /// resume training exactly. [`save_checkpoint`] turns it on.
    pub include_optimizer_state: bool,
    /// The number of completed epochs (stored as `epoch`).
    pub epoch: Option<usize>,
    /// The model card.
    pub card: ModelCard,
    /// Free-form description of how the model was trained.
    pub training_config: Option<serde_json::Value>,
    /// Final metrics by name.
    pub metrics: BTreeMap<String, f64>,
    /// Fitted preprocessing (scalers, encoders, ...) by name, as JSON values.
    pub preprocessing: Vec<(String, serde_json::Value)>,
    /// Sign the file with this key.
    pub signing_key: Option<SigningKey>,
    /// A name for the signing key, stored as `key_id` (covered by the digest).
    pub key_id: Option<String>,
    /// The creation time to record (default: now).
    pub created: Option<SystemTime>,
}

impl SaveOptions {
    /// No optimizer state, no epoch, an empty card, unsigned.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether to store the optimizer state.
    pub fn optimizer_state(mut self, include: bool) -> Self {
        self.include_optimizer_state = include;
        self
    }

    /// Records the number of completed epochs.
    pub fn epoch(mut self, epoch: usize) -> Self {
        self.epoch = Some(epoch);
        self
    }

    /// Sets the model card.
    pub fn card(mut self, card: ModelCard) -> Self {
        self.card = card;
        self
    }

    /// Records how the model was trained (any JSON).
    pub fn training_config(mut self, config: serde_json::Value) -> Self {
        self.training_config = Some(config);
        self
    }

    /// Records a metric (replacing one of the same name).
    pub fn metric(mut self, name: impl Into<String>, value: f64) -> Self {
        self.metrics.insert(name.into(), value);
        self
    }

    /// Stores a fitted preprocessing step under `name`, serialized with serde; read it back
    /// with [`LoadedModel::preprocessing_as`]. Fails if it does not serialize to JSON.
    pub fn preprocessing<T: Serialize + ?Sized>(self, name: impl Into<String>, value: &T) -> Result<Self> {
        let name = name.into();
        let v = serde_json::to_value(value).map_err(|e| Error::Format {
            context: format!("preprocessing {name:?}"),
            reason: format!("cannot serialize to JSON: {e}"),
        })?;
        Ok(self.preprocessing_value(name, v))
    }

    /// Stores a preprocessing step given as a JSON value.
    pub fn preprocessing_value(mut self, name: impl Into<String>, value: serde_json::Value) -> Self {
        self.preprocessing.push((name.into(), value));
        self
    }

    /// Signs the file with `key`.
    pub fn sign_with(mut self, key: SigningKey) -> Self {
        self.signing_key = Some(key);
        self
    }

    /// Names the signing key (stored as `key_id`).
    pub fn key_id(mut self, id: impl Into<String>) -> Self {
        self.key_id = Some(id.into());
        self
    }

    /// Records `time` as the creation time instead of now (for reproducible files).
    pub fn created_at(mut self, time: SystemTime) -> Self {
        self.created = Some(time);
        self
    }
}

/// How to read a file ([`load_with`], [`from_bytes`]).
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Refuse files larger than this many bytes before reading them (default: no limit
    /// beyond the file's real size, which is always enforced).
    pub max_file_size: Option<u64>,
    /// Require a valid signature made with this key ([`Error::Authenticity`] otherwise).
    pub verify_key: Option<VerifyKey>,
}

impl LoadOptions {
    /// No size limit, no signature required.
    pub fn new() -> Self {
        Self::default()
    }

    /// Refuses files larger than `bytes`.
    pub fn max_file_size(mut self, bytes: u64) -> Self {
        self.max_file_size = Some(bytes);
        self
    }

    /// Requires a valid signature by `key`.
    pub fn verify_key(mut self, key: VerifyKey) -> Self {
        self.verify_key = Some(key);
        self
    }
}

/// A layer of an [`Architecture`]: its name and configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedLayer {
    /// The layer's name (`"dense_1"`), which prefixes its parameters' names.
    pub name: String,
    /// The layer's configuration.
    pub spec: LayerSpec,
}

/// A model's structure, as stored in the `architecture` entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Architecture {
    /// The sample shape of the input.
    pub input_shape: Vec<usize>,
    /// The model's seed.
    pub seed: u64,
    /// The layers, in order.
    pub layers: Vec<NamedLayer>,
}

impl Architecture {
    /// The architecture of a built model; [`Error::Format`] naming the first layer that
    /// cannot describe itself (a custom layer, or one with a custom activation or
    /// regularizer), [`Error::NotReady`] if the model is not built.
    pub fn of(model: &Sequential) -> Result<Architecture> {
        if !model.is_built() {
            return Err(Error::NotReady(
                "only a built model can be saved: call build() or compile() first".to_string(),
            ));
        }
        let input_shape = model
            .input_sample_shape()
            .ok_or_else(|| Error::NotReady("the model has no input shape".to_string()))?;
        let mut layers = Vec::with_capacity(model.layers().len());
        for l in model.layers() {
            let cannot = |why: &str| Error::Format {
                context: "saving a model".to_string(),
                reason: format!(
                    "layer {:?} (kind {:?}) cannot be saved: {why}",
                    l.name(),
                    l.kind()
                ),
            };
            let spec = l.spec().ok_or_else(|| {
                cannot(
                    "Layer::spec() returned None (a custom layer, or a built-in layer with a custom \
                     activation or regularizer); implement spec() to make it saveable",
                )
            })?;
            let rebuilt =
                layer::from_spec(&spec).map_err(|e| cannot(&format!("its spec does not rebuild: {e}")))?;
            if rebuilt.spec().as_ref() != Some(&spec) {
                return Err(cannot("its spec does not rebuild an equal layer"));
            }
            layers.push(NamedLayer {
                name: l.name().to_string(),
                spec,
            });
        }
        Ok(Architecture {
            input_shape,
            seed: model.seed_value(),
            layers,
        })
    }
}

/// Who signed a file, once [`load_verified`] has checked the signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signer {
    /// The signature scheme.
    pub algorithm: SignatureAlgorithm,
    /// The file's `key_id`, if it has one.
    pub key_id: Option<String>,
}

/// Everything in a model file besides the model, the card and the preprocessing.
#[derive(Clone, Debug, PartialEq)]
pub struct FileMetadata {
    /// The file's format version.
    pub format_version: u32,
    /// The trustnn version that wrote it.
    pub crate_version: String,
    /// When it was written (RFC 3339, UTC).
    pub created: String,
    /// The verified SHA-256 digest, lowercase hex.
    pub sha256: String,
    /// The model's structure.
    pub architecture: Architecture,
    /// How the model was trained, as recorded by the caller.
    pub training_config: Option<serde_json::Value>,
    /// Final metrics (`NaN` where a non-finite value was recorded).
    pub metrics: BTreeMap<String, f64>,
    /// Whether the optimizer state was stored (and has been restored).
    pub has_optimizer_state: bool,
    /// The signing key's name, if recorded.
    pub key_id: Option<String>,
    /// The signature scheme, if the file is signed (verified only by [`load_verified`]).
    pub signature: Option<SignatureAlgorithm>,
}

/// A model read from a file, with what was saved alongside it.
#[derive(Debug)]
pub struct LoadedModel {
    /// The model: built, its weights, buffers and generators restored; compiled with the
    /// saved loss and optimizer (and optimizer state, if stored) if it was compiled.
    pub model: Sequential,
    /// The model card.
    pub card: ModelCard,
    /// Provenance and training information.
    pub metadata: FileMetadata,
    /// Fitted preprocessing by name.
    pub preprocessing: Vec<(String, serde_json::Value)>,
    /// The number of completed epochs, if recorded (pass it as `FitConfig::initial_epoch`).
    pub epoch: Option<usize>,
    /// The verified signer ([`load_verified`]); `None` after a plain [`load`], even for a
    /// signed file.
    pub signed_by: Option<Signer>,
}

impl LoadedModel {
    /// The preprocessing step saved under `name`, deserialized.
    /// [`Error::UnknownName`] if there is none, [`Error::Format`] if it does not fit `T`.
    pub fn preprocessing_as<T: DeserializeOwned>(&self, name: &str) -> Result<T> {
        let (_, v) = self
            .preprocessing
            .iter()
            .find(|(n, _)| n == name)
            .ok_or_else(|| Error::UnknownName {
                context: "saved preprocessing".to_string(),
                name: name.to_string(),
                known: self
                    .preprocessing
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        T::deserialize(v).map_err(|e| Error::Format {
            context: format!("preprocessing {name:?}"),
            reason: e.to_string(),
        })
    }

    /// The model card as Markdown, followed by the file's provenance (format and crate
    /// versions, creation time, epoch, digest, signature), the architecture, the loss and
    /// optimizer, the metrics, the training configuration and the preprocessing steps.
    pub fn to_markdown(&self) -> String {
        let m = &self.metadata;
        let mut md = self.card.to_markdown();
        md.push_str("## Provenance\n\n| | |\n|---|---|\n");
        let _ = writeln!(md, "| format | {FORMAT} version {} |", m.format_version);
        let _ = writeln!(
            md,
            "| written by | trustnn {} |",
            card::table_cell(&m.crate_version)
        );
        let _ = writeln!(md, "| created | {} |", card::table_cell(&m.created));
        if let Some(e) = self.epoch {
            let _ = writeln!(md, "| epochs completed | {e} |");
        }
        let _ = writeln!(md, "| SHA-256 | `{}` (verified) |", m.sha256);
        let signature = match (&self.signed_by, m.signature) {
            (Some(s), _) => format!(
                "{} signature verified{}",
                s.algorithm,
                s.key_id
                    .as_ref()
                    .map(|k| format!(" (key {})", card::table_cell(k)))
                    .unwrap_or_default()
            ),
            (None, Some(alg)) => format!("{alg} signature present, not verified"),
            (None, None) => "unsigned".to_string(),
        };
        let _ = writeln!(md, "| signature | {signature} |");
        md.push_str("\n## Architecture\n\n");
        let _ = writeln!(
            md,
            "Input shape `{:?}`, seed {}.\n\n| layer | kind | configuration |\n|---|---|---|",
            m.architecture.input_shape, m.architecture.seed
        );
        for l in &m.architecture.layers {
            let json = serde_json::to_string(&l.spec).unwrap_or_default();
            let _ = writeln!(
                md,
                "| {} | {} | `{}` |",
                card::table_cell(&l.name),
                l.spec.kind(),
                card::table_cell(&json)
            );
        }
        let _ = writeln!(md, "\nTrainable parameters: {}.\n", self.model.num_params());
        if let Some(loss) = self.model.loss() {
            let _ = writeln!(md, "Loss: `{}`.\n", loss.name());
        }
        if let Some(spec) = self.model.optimizer().and_then(|o| o.spec().ok()) {
            let json = serde_json::to_string(&spec).unwrap_or_default();
            let _ = writeln!(md, "Optimizer: `{json}`.\n");
        }
        if !m.metrics.is_empty() {
            md.push_str("## Metrics\n\n| metric | value |\n|---|---|\n");
            for (k, v) in &m.metrics {
                let _ = writeln!(md, "| {} | {v} |", card::table_cell(k));
            }
            md.push('\n');
        }
        if let Some(tc) = &m.training_config {
            let pretty = serde_json::to_string_pretty(tc).unwrap_or_default();
            let _ = writeln!(md, "## Training configuration\n\n```json\n{pretty}\n```\n");
        }
        if !self.preprocessing.is_empty() {
            md.push_str("## Preprocessing\n\n");
            for (name, _) in &self.preprocessing {
                let _ = writeln!(md, "- {}", card::one_line(name));
            }
            md.push('\n');
        }
        md
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LossEntry {
    name: String,
    #[serde(with = "crate::layer::exact_f32::pairs", default)]
    params: Vec<(String, f32)>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OptimizerEntry {
    spec: OptimizerSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    state: Option<Vec<ParamStateEntry>>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ParamStateEntry {
    param: String,
    step: u64,
    buffers: Vec<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RngEntry {
    shuffle: Rng,
    layers: BTreeMap<String, Rng>,
}

/// Saves `model` to `path` atomically (see the module documentation for the format).
///
/// Fails before touching the file system if the model cannot be described (not built, a
/// custom layer, loss or optimizer without a spec), has non-finite weights, or the options
/// are invalid; an I/O error leaves any previous file at `path` intact.
pub fn save(model: &Sequential, path: impl AsRef<Path>, opts: &SaveOptions) -> Result<()> {
    let bytes = to_bytes(model, opts)?;
    atomic::write_atomic(path.as_ref(), &bytes)
}

/// Writes the model file to `w` (not atomic: prefer [`save`] for files).
pub fn save_to_writer(model: &Sequential, w: &mut impl std::io::Write, opts: &SaveOptions) -> Result<()> {
    let bytes = to_bytes(model, opts)?;
    w.write_all(&bytes)?;
    w.flush()?;
    Ok(())
}

/// The model file's bytes.
pub fn to_bytes(model: &Sequential, opts: &SaveOptions) -> Result<Vec<u8>> {
    let arch = Architecture::of(model)?;
    let fail = |reason: String| Error::Format {
        context: "saving a model".to_string(),
        reason,
    };
    let mut file = RawFile::default();
    for p in model.params() {
        let name = p.name();
        if name.starts_with(OPT_PREFIX) {
            return Err(fail(format!(
                "parameter {name:?}: names starting with {OPT_PREFIX:?} are reserved for optimizer state"
            )));
        }
        p.value().check_finite(&format!("saving parameter {name}"))?;
        file.tensors.insert(
            name.to_string(),
            RawTensor::f32(p.value().as_slice(), p.value().shape()),
        );
    }
    let md = &mut file.metadata;
    md.insert("format".into(), FORMAT.into());
    md.insert("format_version".into(), FORMAT_VERSION.to_string());
    md.insert("architecture".into(), to_json(&arch)?);
    match (model.loss(), model.optimizer()) {
        (Some(loss), Some(opt)) => {
            md.insert("loss".into(), to_json(&loss_entry(loss)?)?);
            let spec = opt.spec()?;
            if optim::from_spec(&spec)?.spec()? != spec {
                return Err(fail(format!(
                    "optimizer {:?}: its spec does not rebuild an equal optimizer",
                    opt.name()
                )));
            }
            let state = if opts.include_optimizer_state {
                Some(encode_state(model, opt, &mut file.tensors)?)
            } else {
                None
            };
            file.metadata
                .insert("optimizer".into(), to_json(&OptimizerEntry { spec, state })?);
        }
        _ if opts.include_optimizer_state => {
            return Err(Error::NotReady(
                "saving optimizer state (a checkpoint) needs a compiled model".to_string(),
            ));
        }
        _ => {}
    }
    let md = &mut file.metadata;
    let mut layer_rngs = BTreeMap::new();
    for l in model.layers() {
        if let Some(r) = l.rng() {
            layer_rngs.insert(l.name().to_string(), r.clone());
        }
    }
    md.insert(
        "rng".into(),
        to_json(&RngEntry {
            shuffle: model.shuffle_rng().clone(),
            layers: layer_rngs,
        })?,
    );
    if let Some(e) = opts.epoch {
        md.insert("epoch".into(), e.to_string());
    }
    md.insert("crate_version".into(), env!("CARGO_PKG_VERSION").into());
    md.insert(
        "created".into(),
        rfc3339(opts.created.unwrap_or_else(SystemTime::now)),
    );
    if let Some(tc) = &opts.training_config {
        md.insert("training_config".into(), to_json(tc)?);
    }
    if !opts.metrics.is_empty() {
        let m: serde_json::Map<String, serde_json::Value> = opts
            .metrics
            .iter()
            .map(|(k, &v)| {
                (
                    k.clone(),
                    serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into),
                )
            })
            .collect();
        md.insert("metrics".into(), to_json(&m)?);
    }
    md.insert("model_card".into(), to_json(&opts.card)?);
    if !opts.preprocessing.is_empty() {
        check_unique(
            opts.preprocessing.iter().map(|(n, _)| n.as_str()),
            "preprocessing",
        )
        .map_err(fail)?;
        md.insert("preprocessing".into(), to_json(&opts.preprocessing)?);
    }
    if let Some(id) = &opts.key_id {
        md.insert("key_id".into(), id.clone());
    }
    let digest = hex::encode(file.digest()?);
    if let Some(key) = &opts.signing_key {
        key.validate()?;
        file.metadata.insert(raw::SIGNATURE_KEY.into(), key.sign(&digest));
    }
    file.metadata.insert(raw::DIGEST_KEY.into(), digest);
    file.to_bytes()
}

/// Loads a model file, verifying its integrity (see [`load_with`]).
pub fn load(path: impl AsRef<Path>) -> Result<LoadedModel> {
    load_with(path, &LoadOptions::new())
}

/// Loads a model file only if it is signed with `key` (HMAC with the same secret, or
/// Ed25519 with the matching private key): [`Error::Authenticity`] for an unsigned file, a
/// file signed with another key or another scheme, or a malformed signature.
pub fn load_verified(path: impl AsRef<Path>, key: &VerifyKey) -> Result<LoadedModel> {
    load_with(path, &LoadOptions::new().verify_key(key.clone()))
}

/// Loads a model file with options: the file is read whole (after checking its size against
/// [`LoadOptions::max_file_size`]), then decoded by [`from_bytes`].
pub fn load_with(path: impl AsRef<Path>, opts: &LoadOptions) -> Result<LoadedModel> {
    let path = path.as_ref();
    let bytes = atomic::read_limited(path, opts.max_file_size)?;
    decode(&bytes, &path.display().to_string(), opts)
}

/// Decodes a model file held in memory, with every check [`load_with`] makes. Errors name
/// the source as `"<memory>"`.
pub fn from_bytes(bytes: &[u8], opts: &LoadOptions) -> Result<LoadedModel> {
    if let Some(max) = opts.max_file_size
        && bytes.len() as u64 > max
    {
        return Err(Error::Format {
            context: MEMORY.to_string(),
            reason: format!("{} bytes, more than the limit of {max} bytes", bytes.len()),
        });
    }
    decode(bytes, MEMORY, opts)
}

/// Saves a checkpoint: the model with its optimizer state, generators and `epoch` (the
/// number of completed epochs). The model must be compiled.
pub fn save_checkpoint(
    model: &Sequential,
    path: impl AsRef<Path>,
    epoch: usize,
    opts: &SaveOptions,
) -> Result<()> {
    let opts = SaveOptions {
        include_optimizer_state: true,
        epoch: Some(epoch),
        ..opts.clone()
    };
    save(model, path, &opts)
}

/// Loads a checkpoint written by [`save_checkpoint`]: [`Error::Format`] if the file has no
/// optimizer state or no epoch. Continue training with
/// `FitConfig::new().epochs(total).initial_epoch(loaded.epoch.unwrap())`.
pub fn load_checkpoint(path: impl AsRef<Path>) -> Result<LoadedModel> {
    load_checkpoint_with(path, &LoadOptions::new())
}

/// [`load_checkpoint`] with options (e.g. a required signature).
pub fn load_checkpoint_with(path: impl AsRef<Path>, opts: &LoadOptions) -> Result<LoadedModel> {
    let path = path.as_ref();
    let loaded = load_with(path, opts)?;
    if loaded.epoch.is_none() || !loaded.metadata.has_optimizer_state {
        return Err(Error::Format {
            context: path.display().to_string(),
            reason: "not a checkpoint: the file has no optimizer state or no epoch (write it with \
                     io::save_checkpoint)"
                .to_string(),
        });
    }
    Ok(loaded)
}

/// Restores `model` from a checkpoint and returns the epoch to resume from (pass it as
/// `FitConfig::initial_epoch`).
///
/// The model must have the checkpoint's architecture (the same layers, names, configuration
/// and input shape; it is built first if it is not), otherwise [`Error::Format`] and the
/// model keeps its own weights, optimizer and generators. On success the model is replaced by the checkpoint's: weights and
/// buffers, loss, optimizer with its state, every random generator, and the seed.
pub fn resume(model: &mut Sequential, path: impl AsRef<Path>) -> Result<usize> {
    let path = path.as_ref();
    let loaded = load_checkpoint(path)?;
    if !model.is_built() {
        model.build()?;
    }
    let mine = Architecture::of(model)?;
    let theirs = &loaded.metadata.architecture;
    if mine.layers != theirs.layers || mine.input_shape != theirs.input_shape {
        return Err(Error::Format {
            context: path.display().to_string(),
            reason: "the checkpoint's architecture differs from the model's".to_string(),
        });
    }
    let epoch = loaded.epoch.expect("load_checkpoint checked the epoch");
    *model = loaded.model;
    Ok(epoch)
}

// ---------------------------------------------------------------------------------------
// Encoding helpers

fn to_json<T: Serialize + ?Sized>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Format {
        context: "saving a model".to_string(),
        reason: format!("cannot write JSON: {e}"),
    })
}

fn check_unique<'a>(names: impl Iterator<Item = &'a str>, what: &str) -> Result<(), String> {
    let mut seen = BTreeSet::new();
    for n in names {
        if !seen.insert(n) {
            return Err(format!("{what}: the name {n:?} is used twice"));
        }
    }
    Ok(())
}

/// The loss' name and parameters ([`Loss::params`]); the rebuilt loss is compared with the
/// original (by `Debug`), so a custom loss is refused rather than saved as a different one.
fn loss_entry(loss: &dyn Loss) -> Result<LossEntry> {
    let name = loss.name();
    let params: Vec<(String, f32)> = loss
        .params()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let entry = LossEntry {
        name: name.to_string(),
        params,
    };
    match loss_from_entry(&entry) {
        Ok(rebuilt) if same_debug(&rebuilt, &loss) => Ok(entry),
        _ => Err(Error::Format {
            context: "saving a model".to_string(),
            reason: format!(
                "loss {name:?} cannot be saved: it is not a built-in loss (loss::by_name) with \
                 the parameters it prints"
            ),
        }),
    }
}

fn loss_from_entry(entry: &LossEntry) -> Result<Box<dyn Loss>> {
    let unknown = |p: &str, known: &str| Error::UnknownName {
        context: format!("parameters of loss {:?}", entry.name),
        name: p.to_string(),
        known: known.to_string(),
    };
    check_unique(entry.params.iter().map(|(k, _)| k.as_str()), "loss parameters").map_err(|reason| {
        Error::Format {
            context: "loss".to_string(),
            reason,
        }
    })?;
    match entry.name.as_str() {
        "huber" => {
            let mut delta = Huber::default().delta;
            for (k, v) in &entry.params {
                match k.as_str() {
                    "delta" => delta = *v,
                    other => return Err(unknown(other, "delta")),
                }
            }
            Ok(Box::new(Huber::new(delta)?))
        }
        other => {
            if let Some((k, _)) = entry.params.first() {
                return Err(unknown(k, "(none)"));
            }
            loss::by_name(other)
        }
    }
}

fn buffer_spec(name: &str) -> Option<(&'static str, bool)> {
    BUFFERS.iter().copied().find(|(n, _)| *n == name)
}

/// Adds the optimizer's buffers as tensors and returns the state entries.
fn encode_state(
    model: &Sequential,
    opt: &dyn Optimizer,
    tensors: &mut BTreeMap<String, RawTensor>,
) -> Result<Vec<ParamStateEntry>> {
    let fail = |reason: String| Error::Format {
        context: "saving optimizer state".to_string(),
        reason,
    };
    let mut entries = Vec::new();
    for (param, ps) in &opt.state().params {
        let len = model
            .param(param)
            .map_err(|_| {
                fail(format!(
                    "state for {param:?}, which is not a parameter of the model"
                ))
            })?
            .len();
        let mut names = Vec::with_capacity(ps.buffers.len());
        for (b, values) in &ps.buffers {
            let (_, single) =
                buffer_spec(b).ok_or_else(|| fail(format!("unknown buffer {b:?} of {param:?}")))?;
            let expected = if single { 1 } else { len };
            if values.len() != expected {
                return Err(fail(format!(
                    "buffer {b:?} of {param:?} has {} values, expected {expected}",
                    values.len()
                )));
            }
            let t = Tensor::from_vec(values.clone(), &[values.len()])?;
            t.check_finite(&format!("saving optimizer buffer {b} of {param}"))?;
            tensors.insert(
                format!("{OPT_PREFIX}{param}/{b}"),
                RawTensor::f32(values, &[values.len()]),
            );
            names.push(b.to_string());
        }
        check_unique(names.iter().map(String::as_str), &format!("buffers of {param:?}")).map_err(fail)?;
        entries.push(ParamStateEntry {
            param: param.clone(),
            step: ps.step,
            buffers: names,
        });
    }
    Ok(entries)
}

// ---------------------------------------------------------------------------------------
// Decoding

fn decode(bytes: &[u8], source: &str, opts: &LoadOptions) -> Result<LoadedModel> {
    let fmt = |reason: String| Error::Format {
        context: source.to_string(),
        reason,
    };
    let raw = RawFile::parse(bytes, source)?;
    let md = &raw.metadata;
    match md.get("format") {
        Some(f) if f == FORMAT => {}
        Some(f) => return Err(fmt(format!("not a trustnn model file (format {f:?})"))),
        None => {
            return Err(fmt(
                "not a trustnn model file (no \"format\" metadata entry)".to_string()
            ));
        }
    }
    let version_text = md
        .get("format_version")
        .ok_or_else(|| fmt("missing metadata entry \"format_version\"".to_string()))?;
    let format_version = parse_decimal::<u32>(version_text)
        .ok_or_else(|| fmt(format!("format_version {version_text:?} is not a version number")))?;
    if format_version > FORMAT_VERSION {
        return Err(fmt(format!(
            "the file has format version {format_version}, written by a newer trustnn; this version \
             (trustnn {}) reads format version {FORMAT_VERSION} and older: upgrade trustnn",
            env!("CARGO_PKG_VERSION")
        )));
    }
    if format_version == 0 {
        return Err(fmt("format_version 0 does not exist".to_string()));
    }
    let digest = hex::encode(raw.verify_digest(source)?);
    let signature = md
        .get(raw::SIGNATURE_KEY)
        .map(|s| sign::parse_signature(s))
        .transpose()
        .map_err(|reason| Error::Integrity {
            path: source.to_string(),
            reason,
        })?;
    let key_id = md.get("key_id").cloned();
    let signed_by = match &opts.verify_key {
        None => None,
        Some(key) => {
            let auth = |reason: String| Error::Authenticity {
                path: source.to_string(),
                reason,
            };
            let sig = signature
                .as_ref()
                .ok_or_else(|| auth("the file is not signed, and a signature is required".to_string()))?;
            key.verify(&digest, sig).map_err(auth)?;
            Some(Signer {
                algorithm: sig.algorithm,
                key_id: key_id.clone(),
            })
        }
    };
    if let Some(k) = md.keys().find(|k| !KNOWN_KEYS.contains(&k.as_str())) {
        return Err(fmt(format!(
            "unknown metadata entry {k:?} (format version {format_version} has: {})",
            KNOWN_KEYS.join(", ")
        )));
    }
    let required = |key: &str| {
        md.get(key)
            .ok_or_else(|| fmt(format!("missing metadata entry {key:?}")))
    };
    let json = |key: &str, text: &str| -> Result<serde_json::Value> {
        serde_json::from_str(text).map_err(|e| fmt(format!("metadata entry {key:?} is not valid JSON: {e}")))
    };
    let architecture: Architecture = parse_json(source, "architecture", required("architecture")?)?;
    let rngs: RngEntry = parse_json(source, "rng", required("rng")?)?;
    let card: ModelCard = parse_json(source, "model_card", required("model_card")?)?;
    let crate_version = required("crate_version")?.clone();
    let created = required("created")?.clone();
    let epoch = md
        .get("epoch")
        .map(|e| parse_decimal::<usize>(e).ok_or_else(|| fmt(format!("epoch {e:?} is not a number"))))
        .transpose()?;
    let training_config = md
        .get("training_config")
        .map(|t| json("training_config", t))
        .transpose()?;
    let metrics = match md.get("metrics") {
        None => BTreeMap::new(),
        Some(text) => {
            let m: BTreeMap<String, Option<f64>> = parse_json(source, "metrics", text)?;
            m.into_iter().map(|(k, v)| (k, v.unwrap_or(f64::NAN))).collect()
        }
    };
    let preprocessing: Vec<(String, serde_json::Value)> = match md.get("preprocessing") {
        None => Vec::new(),
        Some(text) => parse_json(source, "preprocessing", text)?,
    };
    check_unique(preprocessing.iter().map(|(n, _)| n.as_str()), "preprocessing").map_err(fmt)?;

    let mut model = build_model(&architecture, &raw, source)?;
    restore_params(&mut model, &raw, source)?;

    let mut has_optimizer_state = false;
    match (md.get("loss"), md.get("optimizer")) {
        (Some(l), Some(o)) => {
            let loss_entry: LossEntry = parse_json(source, "loss", l)?;
            let loss = loss_from_entry(&loss_entry).map_err(|e| fmt(format!("loss: {e}")))?;
            let entry: OptimizerEntry = parse_json(source, "optimizer", o)?;
            let mut opt = optim::from_spec(&entry.spec).map_err(|e| fmt(format!("optimizer: {e}")))?;
            if let Some(state) = &entry.state {
                opt.set_state(decode_state(state, &raw, &model, source)?);
                has_optimizer_state = true;
            }
            model
                .compile_boxed(loss, opt)
                .map_err(|e| fmt(format!("cannot compile the model: {e}")))?;
        }
        (None, None) => {}
        _ => {
            return Err(fmt(
                "the file has a loss without an optimizer or an optimizer without a loss".to_string(),
            ));
        }
    }
    if !has_optimizer_state && let Some(name) = raw.tensors.keys().find(|k| k.starts_with(OPT_PREFIX)) {
        return Err(fmt(format!(
            "unexpected tensor {name:?}: the file has no optimizer state"
        )));
    }

    model.set_shuffle_rng(rngs.shuffle);
    let mut restored = 0;
    for l in model.layers_mut() {
        let name = l.name().to_string();
        if let Some(r) = l.rng_mut() {
            *r = rngs
                .layers
                .get(&name)
                .ok_or_else(|| fmt(format!("no generator state for layer {name:?}")))?
                .clone();
            restored += 1;
        }
    }
    if restored != rngs.layers.len() {
        return Err(fmt(
            "generator states for layers that have no generator".to_string()
        ));
    }

    Ok(LoadedModel {
        model,
        card,
        metadata: FileMetadata {
            format_version,
            crate_version,
            created,
            sha256: digest,
            architecture,
            training_config,
            metrics,
            has_optimizer_state,
            key_id,
            signature: signature.map(|s| s.algorithm),
        },
        preprocessing,
        epoch,
        signed_by,
    })
}

fn parse_json<T: DeserializeOwned>(source: &str, key: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::Format {
        context: source.to_string(),
        reason: format!("metadata entry {key:?}: {e}"),
    })
}

/// A non-negative decimal in its one canonical spelling (no sign, no leading zeros).
fn parse_decimal<T: std::str::FromStr + ToString>(s: &str) -> Option<T> {
    let v: T = s.parse().ok()?;
    (v.to_string() == s).then_some(v)
}

/// Builds the model the architecture describes, after checking that the file holds enough
/// weights to fill it (so a crafted architecture cannot make us allocate more than the
/// file's size justifies).
fn build_model(arch: &Architecture, raw: &RawFile, source: &str) -> Result<Sequential> {
    let fmt = |reason: String| Error::Format {
        context: source.to_string(),
        reason,
    };
    if let Some((name, t)) = raw.tensors.iter().find(|(_, t)| t.dtype != Dtype::F32) {
        return Err(fmt(format!(
            "tensor {name:?} has dtype {:?}; trustnn model files store F32",
            t.dtype
        )));
    }
    if arch.layers.is_empty() {
        return Err(fmt("the architecture has no layers".to_string()));
    }
    if arch.input_shape.is_empty()
        || arch
            .input_shape
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))
            .is_none()
    {
        return Err(fmt(format!("invalid input shape {:?}", arch.input_shape)));
    }
    let needed = arch
        .layers
        .iter()
        .try_fold(0usize, |acc, l| l.spec.num_values()?.checked_add(acc))
        .and_then(|n| n.checked_mul(4));
    let present: usize = raw
        .tensors
        .iter()
        .filter(|(k, _)| !k.starts_with(OPT_PREFIX))
        .map(|(_, t)| t.data.len())
        .sum();
    match needed {
        Some(n) if n <= present => {}
        _ => {
            return Err(fmt(format!(
                "the architecture needs more weights than the file holds ({present} bytes of parameters)"
            )));
        }
    }
    let mut model = Sequential::new().seed(arch.seed).input_shape(&arch.input_shape);
    for l in &arch.layers {
        if l.name.is_empty() {
            return Err(fmt("a layer has an empty name".to_string()));
        }
        let mut layer = layer::from_spec(&l.spec).map_err(|e| fmt(format!("layer {:?}: {e}", l.name)))?;
        layer.set_name(&l.name);
        model.push(layer);
    }
    model
        .build()
        .map_err(|e| fmt(format!("the architecture does not build: {e}")))?;
    Ok(model)
}

/// An `F32` tensor's values, checked for dtype, shape and finiteness.
fn f32_values(raw: &RawFile, name: &str, shape: &[usize], source: &str) -> Result<Vec<f32>> {
    let fmt = |reason: String| Error::Format {
        context: source.to_string(),
        reason,
    };
    let t = raw
        .tensors
        .get(name)
        .ok_or_else(|| fmt(format!("missing tensor {name:?}")))?;
    if t.dtype != Dtype::F32 {
        return Err(fmt(format!(
            "tensor {name:?} has dtype {:?}; trustnn model files store F32",
            t.dtype
        )));
    }
    if t.shape != shape {
        return Err(fmt(format!(
            "tensor {name:?} has shape {:?}, but the architecture needs {shape:?}",
            t.shape
        )));
    }
    let values = t.to_f32().expect("dtype checked");
    if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(fmt(format!(
            "tensor {name:?} holds the non-finite value {v} at index {i}"
        )));
    }
    Ok(values)
}

fn restore_params(model: &mut Sequential, raw: &RawFile, source: &str) -> Result<()> {
    let mut state = BTreeMap::new();
    for p in model.params() {
        let values = f32_values(raw, p.name(), p.value().shape(), source)?;
        state.insert(p.name().to_string(), Tensor::from_vec(values, p.value().shape())?);
    }
    if let Some(extra) = raw
        .tensors
        .keys()
        .find(|k| !k.starts_with(OPT_PREFIX) && !state.contains_key(*k))
    {
        return Err(Error::Format {
            context: source.to_string(),
            reason: format!("unexpected tensor {extra:?}: the architecture has no such parameter"),
        });
    }
    model.load_state_dict(&state).map_err(|e| Error::Format {
        context: source.to_string(),
        reason: e.to_string(),
    })
}

fn decode_state(
    entries: &[ParamStateEntry],
    raw: &RawFile,
    model: &Sequential,
    source: &str,
) -> Result<OptimizerState> {
    let fmt = |reason: String| Error::Format {
        context: source.to_string(),
        reason,
    };
    let mut state = OptimizerState::default();
    let mut used = BTreeSet::new();
    for e in entries {
        let len = model
            .param(&e.param)
            .map_err(|_| fmt(format!("optimizer state for unknown parameter {:?}", e.param)))?
            .len();
        if state.params.contains_key(&e.param) {
            return Err(fmt(format!("optimizer state for {:?} given twice", e.param)));
        }
        let mut ps = ParamState {
            step: e.step,
            buffers: Vec::with_capacity(e.buffers.len()),
        };
        for b in &e.buffers {
            let (name, single) = buffer_spec(b)
                .ok_or_else(|| fmt(format!("unknown optimizer buffer {b:?} of {:?}", e.param)))?;
            if ps.buffer(name).is_some() {
                return Err(fmt(format!(
                    "optimizer buffer {b:?} of {:?} given twice",
                    e.param
                )));
            }
            let key = format!("{OPT_PREFIX}{}/{b}", e.param);
            let values = f32_values(raw, &key, &[if single { 1 } else { len }], source)?;
            used.insert(key);
            ps.buffers.push((name, values));
        }
        state.params.insert(e.param.clone(), ps);
    }
    if let Some(extra) = raw
        .tensors
        .keys()
        .find(|k| k.starts_with(OPT_PREFIX) && !used.contains(*k))
    {
        return Err(fmt(format!("unexpected optimizer tensor {extra:?}")));
    }
    Ok(state)
}

/// `time` as RFC 3339 in UTC with whole seconds (`2024-03-01T12:00:00Z`); times before 1970
/// are written as the epoch.
fn rfc3339(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's `civil_from_days`).
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::Dense;
    use crate::loss::MeanSquaredError;
    use crate::optim::Adam;
    use std::io::Write as _;
    use std::time::Duration;

    fn model(seed: u64) -> Sequential {
        let mut m = Sequential::new().seed(seed).add(Dense::new(3, 2));
        m.compile(MeanSquaredError, Adam::new(1e-3)).unwrap();
        m
    }

    #[test]
    fn a_save_failing_midway_or_at_the_rename_leaves_the_previous_model_loadable() {
        let dir = std::env::temp_dir().join(format!("trustnn-io-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("m.safetensors");
        let old = model(1);
        save(&old, &path, &SaveOptions::new()).unwrap();
        let bytes = to_bytes(&model(2), &SaveOptions::new()).unwrap();
        // The same path `save` takes (to_bytes, then atomic replacement), with the writer
        // failing after n bytes, and with the rename failing after a complete write.
        for n in [0, 1, 8, bytes.len() / 2, bytes.len() - 1] {
            let err = atomic::replace_with(
                &path,
                |f| atomic::FailingWriter { inner: f, left: n }.write_all(&bytes),
                |a, b| std::fs::rename(a, b),
            )
            .unwrap_err();
            assert!(matches!(err, Error::Io(_)), "{err}");
            let loaded = load(&path).unwrap().model;
            assert_eq!(
                loaded.state_dict(),
                old.state_dict(),
                "after a failure at byte {n}"
            );
        }
        let err = atomic::replace_with(
            &path,
            |f| f.write_all(&bytes),
            |_, _| Err(std::io::Error::other("injected rename failure")),
        )
        .unwrap_err();
        assert!(err.to_string().contains("injected rename failure"), "{err}");
        assert_eq!(load(&path).unwrap().model.state_dict(), old.state_dict());
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "a temporary file was left behind"
        );
        // And a save that succeeds replaces the model.
        save(&model(2), &path, &SaveOptions::new()).unwrap();
        assert_eq!(load(&path).unwrap().model.state_dict(), model(2).state_dict());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn rfc3339_formats_known_instants() {
        let at = |s: u64| rfc3339(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(at(4_102_444_799), "2099-12-31T23:59:59Z");
        assert_eq!(
            rfc3339(UNIX_EPOCH - Duration::from_secs(5)),
            "1970-01-01T00:00:00Z"
        );
    }

    #[test]
    fn decimals_have_one_spelling() {
        assert_eq!(parse_decimal::<u32>("1"), Some(1));
        assert_eq!(parse_decimal::<u32>("01"), None);
        assert_eq!(parse_decimal::<u32>("+1"), None);
        assert_eq!(parse_decimal::<usize>(" 3"), None);
    }

    #[test]
    fn huber_delta_is_saved_exactly() {
        for delta in [1.0f32, 0.1, 1e-7, 3.5e8] {
            let h = Huber::new(delta).unwrap();
            let e = loss_entry(&h).unwrap();
            assert_eq!(e.params, vec![("delta".to_string(), delta)]);
        }
        assert!(loss_entry(&loss::MeanSquaredError).unwrap().params.is_empty());
    }
}
