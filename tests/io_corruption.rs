//! Hostile and damaged model files: every one is refused with a clear error or loads as a
//! model identical to the original — never a panic, never a silently different model, and
//! never an allocation out of proportion to the file's real size.
//!
//! This file is its own test binary, so the tracking allocator below sees only its work; it
//! records the largest single allocation made by the current thread while tracking is on.
//!
//! Run `cargo test --test io_corruption -- --nocapture` to see the outcome counts.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::UNIX_EPOCH;

use rand::Rng as _;
use trustnn::io::raw::{Dtype, RawFile, RawTensor};
use trustnn::io::{self, LoadOptions, LoadedModel, ModelCard, SaveOptions, SigningKey};
use trustnn::prelude::*;
use trustnn::rng;

// ---------------------------------------------------------------------------------------
// Allocation tracking (per thread, so parallel tests do not disturb each other)

#[path = "support/alloc_probe.rs"]
mod alloc_probe;
use alloc_probe::largest_allocation;

// ---------------------------------------------------------------------------------------
// The reference file

/// A compiled model with every kind of state: weights, BatchNorm buffers, two dropout
/// generators, Adam state, the shuffling generator.
fn reference_model() -> Sequential {
    let mut model = Sequential::new()
        .seed(77)
        .add(Dense::new(3, 6).regularizer(L2(1e-3)))
        .add(BatchNorm::new(6))
        .add(ActivationLayer::new(LeakyRelu::new(0.1)))
        .add(Dropout::new(0.2))
        .add(Dense::new(6, 4))
        .add(Dropout::new(0.1))
        .add(Dense::new(4, 2));
    model
        .compile(SparseCategoricalCrossEntropy, Adam::new(1e-2))
        .unwrap();
    let mut r = rng::seeded(5);
    let x = Tensor::from_vec((0..48).map(|_| r.random_range(-1.0f32..1.0)).collect(), &[16, 3]).unwrap();
    let y = Tensor::from_vec((0..16).map(|i| (i % 2) as f32).collect(), &[16]).unwrap();
    model
        .fit(
            &x,
            &y,
            &FitConfig::new()
                .epochs(2)
                .batch_size(4)
                .progress(trustnn::progress::ProgressMode::Silent),
        )
        .unwrap();
    model
}

fn options() -> SaveOptions {
    SaveOptions::new()
        .optimizer_state(true)
        .epoch(2)
        .card(ModelCard::new("corruption-target").limitations("Test fixture."))
        .metric("loss", 0.5)
        .training_config(serde_json::json!({"epochs": 2}))
        .preprocessing_value("scaler", serde_json::json!({"mean": [0.0, 1.0, 2.0]}))
        .created_at(UNIX_EPOCH)
}

/// Everything a loaded file determines, as one string (f32 values as bit patterns).
fn fingerprint(l: &LoadedModel) -> String {
    let m = &l.model;
    let mut s = String::new();
    for p in m.params() {
        let bits: Vec<u32> = p.value().as_slice().iter().map(|v| v.to_bits()).collect();
        s += &format!("{} {:?} {:?}\n", p.name(), p.value().shape(), bits);
    }
    s += &format!("{:?}\n", l.metadata);
    s += &format!(
        "{:?} {:?} {:?} {:?}\n",
        l.card, l.preprocessing, l.epoch, l.signed_by
    );
    s += &format!("{:?}\n", m.loss());
    if let Some(o) = m.optimizer() {
        s += &format!("{:?}\n{:?}\n", o.spec().unwrap(), o.state());
    }
    s += &serde_json::to_string(m.shuffle_rng()).unwrap();
    for layer in m.layers() {
        s += &format!("{} {:?} {:?}\n", layer.name(), layer.spec(), layer.rng());
    }
    s
}

fn header_len(bytes: &[u8]) -> usize {
    u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize
}

// ---------------------------------------------------------------------------------------
// The deterministic corruption test

const KINDS: [&str; 10] = [
    "bit flip",
    "byte overwrite",
    "truncation",
    "insertion",
    "deletion",
    "header length field",
    "header byte (JSON character)",
    "header digit",
    "data byte",
    "several flips",
];

fn mutate(original: &[u8], kind: usize, r: &mut trustnn::rng::Rng) -> Vec<u8> {
    let mut b = original.to_vec();
    let len = b.len();
    let n = header_len(original);
    match kind {
        0 => {
            let i = r.random_range(0..len);
            b[i] ^= 1 << r.random_range(0..8);
        }
        1 => {
            let i = r.random_range(0..len);
            b[i] = b[i].wrapping_add(r.random_range(1..=255));
        }
        2 => b.truncate(r.random_range(0..len)),
        3 => {
            let at = r.random_range(0..=len);
            let k = r.random_range(1..=16);
            let ins: Vec<u8> = (0..k).map(|_| r.random()).collect();
            b.splice(at..at, ins);
        }
        4 => {
            let at = r.random_range(0..len);
            let k = r.random_range(1..=16).min(len - at);
            b.drain(at..at + k);
        }
        5 => {
            let v: u64 = match r.random_range(0..6) {
                0 => r.random(),
                1 => (n as u64).wrapping_add(r.random_range(1..=16)),
                2 => (n as u64).wrapping_sub(r.random_range(1..=16)),
                3 => 1u64 << r.random_range(20..64),
                4 => u64::MAX - r.random_range(0..16),
                _ => r.random_range(0..64),
            };
            if v == n as u64 {
                b[0] ^= 1;
            } else {
                b[..8].copy_from_slice(&v.to_le_bytes());
            }
        }
        6 => {
            const CHARS: &[u8] = b"{}[]\":,0123456789.-+eE ntfalsru_\\/abcdxyzF";
            let i = r.random_range(8..8 + n);
            let c = loop {
                let c = CHARS[r.random_range(0..CHARS.len())];
                if c != b[i] {
                    break c;
                }
            };
            b[i] = c;
        }
        7 => {
            let digits: Vec<usize> = (8..8 + n).filter(|&i| b[i].is_ascii_digit()).collect();
            let i = digits[r.random_range(0..digits.len())];
            b[i] = b'0' + ((b[i] - b'0' + r.random_range(1..10)) % 10);
        }
        8 => {
            let i = r.random_range(8 + n..len);
            b[i] ^= 1 << r.random_range(0..8);
        }
        _ => {
            for _ in 0..r.random_range(2..=8) {
                let i = r.random_range(0..len);
                b[i] ^= 1 << r.random_range(0..8);
            }
        }
    }
    assert_ne!(b, original, "every mutation changes the file");
    b
}

#[derive(Default)]
struct Outcomes {
    format: usize,
    integrity: usize,
    authenticity: usize,
    other_error: usize,
    identical: usize,
    different: usize,
    panic: usize,
}

impl Outcomes {
    fn total(&self) -> usize {
        self.format
            + self.integrity
            + self.authenticity
            + self.other_error
            + self.identical
            + self.different
            + self.panic
    }
}

fn run_campaign(
    label: &str,
    original: &[u8],
    opts: &LoadOptions,
    per_kind: usize,
    seed: u64,
) -> BTreeMap<&'static str, Outcomes> {
    let reference = fingerprint(&io::from_bytes(original, opts).unwrap());
    let mut r = rng::seeded(seed);
    let mut table: BTreeMap<&'static str, Outcomes> = BTreeMap::new();
    let mut first_other = None;
    for round in 0..per_kind {
        for (kind, name) in KINDS.iter().enumerate() {
            let mutated = mutate(original, kind, &mut r);
            let result = catch_unwind(AssertUnwindSafe(|| {
                io::from_bytes(&mutated, opts).map(|l| fingerprint(&l) == reference)
            }));
            let o = table.entry(name).or_default();
            match result {
                Err(_) => o.panic += 1,
                Ok(Ok(true)) => o.identical += 1,
                Ok(Ok(false)) => o.different += 1,
                Ok(Err(Error::Format { .. })) => o.format += 1,
                Ok(Err(Error::Integrity { .. })) => o.integrity += 1,
                Ok(Err(Error::Authenticity { .. })) => o.authenticity += 1,
                Ok(Err(e)) => {
                    o.other_error += 1;
                    first_other.get_or_insert(format!("{name} (round {round}): {e}"));
                }
            }
        }
    }
    let total = Outcomes {
        format: table.values().map(|o| o.format).sum(),
        integrity: table.values().map(|o| o.integrity).sum(),
        authenticity: table.values().map(|o| o.authenticity).sum(),
        other_error: table.values().map(|o| o.other_error).sum(),
        identical: table.values().map(|o| o.identical).sum(),
        different: table.values().map(|o| o.different).sum(),
        panic: table.values().map(|o| o.panic).sum(),
    };
    eprintln!(
        "\n{label}: {} corrupted copies of a {}-byte file (seed {seed:#x})",
        total.total(),
        original.len()
    );
    eprintln!(
        "{:<30} {:>7} {:>7} {:>9} {:>12} {:>6} {:>9} {:>9} {:>6}",
        "mutation",
        "tried",
        "Format",
        "Integrity",
        "Authenticity",
        "other",
        "identical",
        "DIFFERENT",
        "PANIC"
    );
    for (name, o) in table.iter().chain(std::iter::once((&"total", &total))) {
        eprintln!(
            "{:<30} {:>7} {:>7} {:>9} {:>12} {:>6} {:>9} {:>9} {:>6}",
            name,
            o.total(),
            o.format,
            o.integrity,
            o.authenticity,
            o.other_error,
            o.identical,
            o.different,
            o.panic
        );
    }
    assert_eq!(total.panic, 0, "{label}: a corrupted file made the loader panic");
    assert_eq!(
        total.different, 0,
        "{label}: a corrupted file loaded as a different model"
    );
    assert_eq!(
        total.other_error, 0,
        "{label}: unexpected error kind: {first_other:?}"
    );
    table
}

#[test]
fn thousands_of_random_corruptions_are_each_refused_or_load_identically_never_panicking() {
    let original = io::to_bytes(&reference_model(), &options()).unwrap();
    let table = run_campaign(
        "unsigned checkpoint, io::from_bytes",
        &original,
        &LoadOptions::new(),
        400,
        0x5EED_0001,
    );
    let tried: usize = table.values().map(Outcomes::total).sum();
    assert!(tried >= 3000, "only {tried} corruptions tried");
}

#[test]
fn corruptions_of_a_signed_file_are_refused_by_load_verified() {
    let key = SigningKey::ed25519_from_seed(&[3; 32]);
    let original = io::to_bytes(&reference_model(), &options().sign_with(key.clone()).key_id("k1")).unwrap();
    let opts = LoadOptions::new().verify_key(key.verify_key());
    run_campaign(
        "Ed25519-signed checkpoint, load_verified",
        &original,
        &opts,
        100,
        0x5EED_0002,
    );
}

#[test]
fn every_single_byte_change_anywhere_is_an_error() {
    // Exhaustive over positions, for three kinds of change each: no byte of the file (header
    // length, JSON header, padding, data) can change without the load failing.
    let mut model = Sequential::new()
        .seed(1)
        .add(Dense::new(2, 2))
        .add(Dropout::new(0.5));
    model
        .compile(MeanSquaredError, Sgd::new(0.1).momentum(0.9))
        .unwrap();
    let original = io::to_bytes(
        &model,
        &SaveOptions::new().optimizer_state(true).created_at(UNIX_EPOCH),
    )
    .unwrap();
    let opts = LoadOptions::new();
    let mut errors = 0;
    for i in 0..original.len() {
        for change in [0x01u8, 0x80, 0x20] {
            let mut b = original.clone();
            b[i] ^= change;
            let r = catch_unwind(AssertUnwindSafe(|| io::from_bytes(&b, &opts)));
            match r {
                Ok(Err(Error::Format { .. } | Error::Integrity { .. })) => errors += 1,
                Ok(Err(e)) => panic!("byte {i} ^ {change:#x}: unexpected error kind {e}"),
                Ok(Ok(_)) => panic!("byte {i} ^ {change:#x}: the changed file loaded"),
                Err(_) => panic!("byte {i} ^ {change:#x}: panic"),
            }
        }
    }
    eprintln!(
        "every byte of a {}-byte file changed 3 ways: {errors} errors",
        original.len()
    );

    // With a signature, load_verified also refuses changes to the signature itself (which
    // the digest does not cover).
    let key = SigningKey::hmac(b"secret".to_vec());
    let signed = io::to_bytes(
        &model,
        &SaveOptions::new().sign_with(key.clone()).created_at(UNIX_EPOCH),
    )
    .unwrap();
    let opts = LoadOptions::new().verify_key(key.verify_key());
    let mut refused = 0;
    for i in 0..signed.len() {
        let mut b = signed.clone();
        b[i] ^= 0x01;
        let r = catch_unwind(AssertUnwindSafe(|| io::from_bytes(&b, &opts)));
        assert!(
            matches!(
                r,
                Ok(Err(Error::Format { .. }
                    | Error::Integrity { .. }
                    | Error::Authenticity { .. }))
            ),
            "signed file, byte {i}: {r:?}"
        );
        refused += 1;
    }
    eprintln!(
        "every byte of a {}-byte signed file flipped, loaded with load_verified: {refused} refused",
        signed.len()
    );
}

// ---------------------------------------------------------------------------------------
// Crafted files: each with a valid digest (resealed), so the deeper checks are reached.

fn small() -> Sequential {
    let mut model = Sequential::new()
        .seed(1)
        .add(Dense::new(2, 3))
        .add(ActivationLayer::new(Relu))
        .add(Dense::new(3, 1));
    model.compile(MeanSquaredError, Adam::new(1e-3)).unwrap();
    model
        .train_step(
            &Tensor::from_rows(&[[1.0, 2.0], [3.0, 4.0]]).unwrap(),
            &Tensor::from_rows(&[[1.0], [0.0]]).unwrap(),
            None,
        )
        .unwrap();
    model
}

fn small_raw() -> RawFile {
    let bytes = io::to_bytes(
        &small(),
        &SaveOptions::new().optimizer_state(true).created_at(UNIX_EPOCH),
    )
    .unwrap();
    RawFile::parse(&bytes, "fixture").unwrap()
}

/// Reseals `raw` and loads it, returning the error, and checks the load allocated nothing
/// large (the fixture is ~2 KB; 1 MiB is a generous bound for the bookkeeping).
fn load_crafted(mut raw: RawFile) -> Error {
    let bytes = raw.seal().unwrap();
    let (result, largest) =
        largest_allocation(|| catch_unwind(AssertUnwindSafe(|| io::from_bytes(&bytes, &LoadOptions::new()))));
    assert!(
        largest <= 1 << 20,
        "a {}-byte file made a {largest}-byte allocation",
        bytes.len()
    );
    match result {
        Ok(Ok(_)) => panic!("the crafted file loaded"),
        Ok(Err(e)) => e,
        Err(_) => panic!("the crafted file made the loader panic"),
    }
}

fn assert_format(e: &Error, needle: &str) {
    assert!(
        matches!(e, Error::Format { .. }),
        "expected a format error, got {e}"
    );
    assert!(e.to_string().contains(needle), "{needle:?} not in: {e}");
}

fn set_json(raw: &mut RawFile, key: &str, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut v: serde_json::Value = serde_json::from_str(&raw.metadata[key]).unwrap();
    edit(&mut v);
    raw.metadata.insert(key.to_string(), v.to_string());
}

#[test]
fn the_fixture_itself_loads_after_resealing() {
    let mut raw = small_raw();
    let bytes = raw.seal().unwrap();
    io::from_bytes(&bytes, &LoadOptions::new()).unwrap();
}

#[test]
fn wrong_dtypes_are_format_errors() {
    for dtype in [Dtype::F64, Dtype::I32, Dtype::F16, Dtype::U8] {
        let mut raw = small_raw();
        let w = raw.tensors.get_mut("dense.weight").unwrap();
        let elems = 6;
        w.dtype = dtype;
        w.data = vec![0u8; elems * dtype.bitsize() / 8];
        assert_format(&load_crafted(raw), "dtype");
    }
}

#[test]
fn shapes_that_disagree_with_the_architecture_are_format_errors() {
    let mut raw = small_raw();
    raw.tensors
        .insert("dense.weight".into(), RawTensor::f32(&[0.5; 6], &[3, 2]));
    assert_format(&load_crafted(raw), "shape");
    let mut raw = small_raw();
    raw.tensors
        .insert("dense.bias".into(), RawTensor::f32(&[0.5; 4], &[4]));
    assert_format(&load_crafted(raw), "shape");
}

#[test]
fn a_header_length_claiming_gigabytes_is_refused_without_allocating_it() {
    let mut bytes = small_raw().seal().unwrap();
    for claim in [8u64 << 30, u64::MAX, 100_000_001] {
        bytes[..8].copy_from_slice(&claim.to_le_bytes());
        let (r, largest) = largest_allocation(|| io::from_bytes(&bytes, &LoadOptions::new()));
        let e = r.unwrap_err();
        assert_format(&e, "header length");
        assert!(largest < 64 << 10, "allocated {largest} bytes");
    }
}

#[test]
fn an_architecture_claiming_huge_layers_is_refused_before_building() {
    let mut raw = small_raw();
    set_json(&mut raw, "architecture", |a| {
        a["layers"][0]["spec"]["in_features"] = 100_000.into();
        a["layers"][0]["spec"]["out_features"] = 100_000.into();
    });
    assert_format(&load_crafted(raw), "needs more weights");
    let mut raw = small_raw();
    set_json(&mut raw, "architecture", |a| {
        a["layers"][0]["spec"]["out_features"] = serde_json::json!(u64::MAX);
    });
    assert_format(&load_crafted(raw), "needs more weights");
    let mut raw = small_raw();
    set_json(&mut raw, "architecture", |a| {
        a["input_shape"] = serde_json::json!([u32::MAX, u32::MAX, u32::MAX]);
    });
    assert_format(&load_crafted(raw), "input shape");
}

#[test]
fn tensor_shapes_claiming_huge_sizes_are_refused() {
    // A zero-sized dimension lets a shape claim 2^62 elements in 0 bytes of data.
    let mut raw = small_raw();
    raw.tensors.insert(
        "dense.weight".into(),
        RawTensor {
            dtype: Dtype::F32,
            shape: vec![0, 1 << 62],
            data: Vec::new(),
        },
    );
    let e = load_crafted(raw);
    assert!(matches!(e, Error::Format { .. }), "{e}");
}

#[test]
fn unknown_layer_kinds_are_format_errors_naming_the_kind() {
    let mut raw = small_raw();
    set_json(&mut raw, "architecture", |a| {
        a["layers"][1]["spec"] = serde_json::json!({"kind": "conv2d", "filters": 8});
    });
    assert_format(&load_crafted(raw), "conv2d");
    let mut raw = small_raw();
    set_json(&mut raw, "architecture", |a| {
        a["layers"][1]["spec"] = serde_json::json!({"kind": "activation", "activation": "swishy"});
    });
    assert_format(&load_crafted(raw), "swishy");
}

#[test]
fn a_newer_format_version_asks_for_an_upgrade() {
    let mut raw = small_raw();
    raw.metadata.insert("format_version".into(), "2".into());
    assert_format(&load_crafted(raw), "newer trustnn");
    for bad in ["0", "01", "one", ""] {
        let mut raw = small_raw();
        raw.metadata.insert("format_version".into(), bad.into());
        assert!(matches!(load_crafted(raw), Error::Format { .. }));
    }
}

#[test]
fn missing_metadata_entries_are_format_errors_naming_them() {
    for key in [
        "architecture",
        "rng",
        "model_card",
        "crate_version",
        "created",
        "format_version",
    ] {
        let mut raw = small_raw();
        raw.metadata.remove(key);
        assert_format(&load_crafted(raw), key);
    }
    let mut raw = small_raw();
    raw.metadata.remove("format");
    assert_format(&load_crafted(raw), "not a trustnn model file");
    let mut raw = small_raw();
    raw.metadata.remove("optimizer");
    assert_format(&load_crafted(raw), "loss without an optimizer");
}

#[test]
fn a_file_without_any_metadata_or_digest_is_refused() {
    let mut raw = small_raw();
    raw.metadata.clear();
    let bytes = raw.to_bytes().unwrap();
    assert_format(
        &io::from_bytes(&bytes, &LoadOptions::new()).unwrap_err(),
        "not a trustnn model file",
    );
    let mut raw = small_raw();
    raw.metadata.remove("sha256");
    let bytes = raw.to_bytes().unwrap();
    let e = io::from_bytes(&bytes, &LoadOptions::new()).unwrap_err();
    assert!(matches!(e, Error::Integrity { .. }), "{e}");
}

#[test]
fn invalid_json_in_any_entry_is_a_format_error_naming_the_entry() {
    for key in [
        "architecture",
        "rng",
        "model_card",
        "loss",
        "optimizer",
        "metrics",
        "preprocessing",
        "training_config",
    ] {
        let mut raw = small_raw();
        raw.metadata.insert(key.into(), "{\"unterminated\": [1, 2".into());
        assert_format(&load_crafted(raw), key);
    }
    let mut raw = small_raw();
    raw.metadata.insert("model_card".into(), r#"{"name": 5}"#.into());
    assert_format(&load_crafted(raw), "model_card");
}

#[test]
fn non_finite_weights_and_optimizer_buffers_are_format_errors() {
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let mut raw = small_raw();
        raw.tensors
            .insert("dense_1.bias".into(), RawTensor::f32(&[bad], &[1]));
        assert_format(&load_crafted(raw), "non-finite");
        let mut raw = small_raw();
        raw.tensors.insert(
            "optimizer/dense_1.bias/exp_avg".into(),
            RawTensor::f32(&[bad], &[1]),
        );
        assert_format(&load_crafted(raw), "non-finite");
    }
}

#[test]
fn extra_missing_and_misnamed_tensors_are_format_errors() {
    let mut raw = small_raw();
    raw.tensors
        .insert("dense.gamma".into(), RawTensor::f32(&[1.0], &[1]));
    assert_format(&load_crafted(raw), "unexpected tensor");
    let mut raw = small_raw();
    raw.tensors.remove("dense.bias");
    let e = load_crafted(raw);
    assert!(matches!(e, Error::Format { .. }), "{e}");
    let mut raw = small_raw();
    raw.tensors.remove("optimizer/dense.bias/exp_avg");
    assert_format(&load_crafted(raw), "optimizer/dense.bias/exp_avg");
    let mut raw = small_raw();
    raw.tensors.insert(
        "optimizer/dense.bias/velocity".into(),
        RawTensor::f32(&[0.0; 3], &[3]),
    );
    assert_format(&load_crafted(raw), "unexpected optimizer tensor");
    let mut raw = small_raw();
    raw.tensors.insert(
        "optimizer/dense.bias/exp_avg".into(),
        RawTensor::f32(&[0.0; 2], &[2]),
    );
    assert_format(&load_crafted(raw), "shape");
}

#[test]
fn inconsistent_optimizer_state_entries_are_format_errors() {
    let mut raw = small_raw();
    set_json(&mut raw, "optimizer", |o| {
        o["state"][0]["param"] = "nope.weight".into()
    });
    assert_format(&load_crafted(raw), "unknown parameter");
    let mut raw = small_raw();
    set_json(&mut raw, "optimizer", |o| {
        o["state"][0]["buffers"][0] = "velocity".into()
    });
    assert_format(&load_crafted(raw), "velocity");
    let mut raw = small_raw();
    set_json(&mut raw, "optimizer", |o| o["spec"]["beta1"] = 2.0.into());
    assert_format(&load_crafted(raw), "beta1");
    let mut raw = small_raw();
    set_json(&mut raw, "optimizer", |o| o["spec"]["kind"] = "adamax".into());
    assert_format(&load_crafted(raw), "adamax");
}

#[test]
fn other_crafted_metadata_is_refused() {
    let mut raw = small_raw();
    raw.metadata.insert("backdoor".into(), "1".into());
    assert_format(&load_crafted(raw), "unknown metadata entry");
    let mut raw = small_raw();
    raw.metadata.insert("format".into(), "pytorch".into());
    assert_format(&load_crafted(raw), "not a trustnn model file");
    let mut raw = small_raw();
    raw.metadata.insert("epoch".into(), "-1".into());
    assert_format(&load_crafted(raw), "epoch");
    let mut raw = small_raw();
    set_json(&mut raw, "rng", |r| {
        r["layers"] = serde_json::json!({"dense": r["shuffle"].clone()})
    });
    assert_format(&load_crafted(raw), "generator");
    let mut raw = small_raw();
    set_json(&mut raw, "loss", |l| l["name"] = "huber".into());
    set_json(&mut raw, "loss", |l| {
        l["params"] = serde_json::json!({"delta": -1.0})
    });
    assert_format(&load_crafted(raw), "loss");
    let mut raw = small_raw();
    set_json(&mut raw, "architecture", |a| {
        a["layers"][1]["name"] = "dense".into()
    });
    assert_format(&load_crafted(raw), "does not build");
}

#[test]
fn malformed_signatures_are_refused() {
    for sig in ["hmac-sha256:zz", "rsa:00", "ed25519:", "hmac-sha256"] {
        let mut raw = small_raw();
        let mut bytes = raw.seal().unwrap();
        raw = RawFile::parse(&bytes, "t").unwrap();
        raw.metadata.insert("signature".into(), sig.into());
        bytes = raw.to_bytes().unwrap();
        let e = io::from_bytes(&bytes, &LoadOptions::new()).unwrap_err();
        assert!(matches!(e, Error::Integrity { .. }), "{sig}: {e}");
    }
}

#[test]
fn tiny_and_garbage_inputs_are_format_errors() {
    let mut r = rng::seeded(9);
    let mut inputs: Vec<Vec<u8>> = vec![Vec::new(), vec![0; 7], vec![0; 8], vec![0xff; 64], b"{}".to_vec()];
    for len in [8usize, 16, 100, 1000] {
        inputs.push((0..len).map(|_| r.random()).collect());
    }
    // A valid header length followed by garbage.
    let mut g = 16u64.to_le_bytes().to_vec();
    g.extend_from_slice(b"{\"a\":1}         ");
    inputs.push(g);
    for input in inputs {
        let e = io::from_bytes(&input, &LoadOptions::new()).unwrap_err();
        assert!(matches!(e, Error::Format { .. }), "{e}");
    }
}
