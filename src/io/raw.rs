//! The container layer of model files: named tensors plus string metadata in a safetensors
//! file written in one **canonical** byte form, and the SHA-256 digest over it.
//!
//! Most programs want [`crate::io::save`] and [`crate::io::load`]; this module is for tools
//! that inspect or produce files at the byte level (and for tests that craft hostile files).
//!
//! # Canonical form
//!
//! For a set of tensors (name, dtype, shape, little-endian bytes) and a metadata map
//! (string → string), the canonical file is:
//!
//! 1. an 8-byte little-endian unsigned integer `n`, the length of the header;
//! 2. the header: one JSON object, written compactly (no whitespace), every object's keys
//!    in ascending byte order, then padded with spaces (`0x20`) to a multiple of 8 bytes
//!    (`n` includes the padding). Its keys are `"__metadata__"` (only if the metadata is not
//!    empty; its value is the metadata as an object of strings) and each tensor's name,
//!    whose value is `{"data_offsets":[begin,end],"dtype":"F32","shape":[..]}`; strings are
//!    escaped as `serde_json` does (only `"`, `\` and control characters, the latter as
//!    `\b \f \n \r \t` or `\u00XX`; non-ASCII characters are written as UTF-8);
//! 3. the data: the tensors' bytes, one after another in ascending byte order of their
//!    names, with no gaps; `data_offsets` are relative to the start of the data.
//!
//! This is a valid safetensors file (any safetensors reader reads it), and its header is
//! exactly what Python's
//! `json.dumps(header, separators=(",", ":"), sort_keys=True, ensure_ascii=False)` produces
//! (before the padding). A reader accepts a file only if its header is byte-for-byte the canonical header
//! of what it contains, so no byte of a file can change without being noticed.
//!
//! # Digest
//!
//! The digest is SHA-256 over the canonical file of the same tensors and the metadata
//! *without* the entries [`DIGEST_KEY`] (`"sha256"`) and [`SIGNATURE_KEY`] (`"signature"`);
//! it is stored, in lowercase hex, as the metadata entry `"sha256"`. Everything else — every
//! tensor, every other metadata entry (`key_id` included), the header length — is covered.

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::error::{Error, Result};

pub use safetensors::Dtype;

/// The metadata entry that holds the SHA-256 digest (lowercase hex).
pub const DIGEST_KEY: &str = "sha256";

/// The metadata entry that holds the optional signature (`hmac-sha256:<hex>` or
/// `ed25519:<hex>`).
pub const SIGNATURE_KEY: &str = "signature";

/// The safetensors key that holds the metadata map.
const METADATA_KEY: &str = "__metadata__";

/// One tensor of a file: its dtype, shape and raw little-endian bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct RawTensor {
    /// The element type.
    pub dtype: Dtype,
    /// The shape (`[]` for a scalar).
    pub shape: Vec<usize>,
    /// The bytes, little-endian, row-major; their length must fit dtype and shape.
    pub data: Vec<u8>,
}

impl RawTensor {
    /// An `F32` tensor from values and a shape (the caller keeps them consistent).
    pub fn f32(values: &[f32], shape: &[usize]) -> Self {
        RawTensor {
            dtype: Dtype::F32,
            shape: shape.to_vec(),
            data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        }
    }

    /// The values of an `F32` tensor, or `None` for another dtype.
    pub fn to_f32(&self) -> Option<Vec<f32>> {
        (self.dtype == Dtype::F32 && self.data.len().is_multiple_of(4)).then(|| {
            self.data
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect()
        })
    }
}

/// A file's content: metadata and tensors, both ordered by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawFile {
    /// The string metadata (safetensors' `__metadata__`).
    pub metadata: BTreeMap<String, String>,
    /// The tensors by name.
    pub tensors: BTreeMap<String, RawTensor>,
}

/// A tensor's header entry; fields in ascending key order, like every object in the header.
#[derive(Serialize)]
struct TensorEntry<'a> {
    data_offsets: (usize, usize),
    dtype: Dtype,
    shape: &'a [usize],
}

#[derive(Serialize)]
#[serde(untagged)]
enum HeaderEntry<'a> {
    Metadata(&'a BTreeMap<String, String>),
    Tensor(TensorEntry<'a>),
}

impl RawFile {
    /// The canonical header (padded) for this content, with the metadata filtered by `keep`.
    fn canonical_header(&self, keep: impl Fn(&str) -> bool) -> Result<Vec<u8>> {
        let filtered: BTreeMap<String, String>;
        let metadata = if self.metadata.keys().all(|k| keep(k)) {
            &self.metadata
        } else {
            filtered = self
                .metadata
                .iter()
                .filter(|(k, _)| keep(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            &filtered
        };
        let mut header: BTreeMap<&str, HeaderEntry<'_>> = BTreeMap::new();
        if !metadata.is_empty() {
            header.insert(METADATA_KEY, HeaderEntry::Metadata(metadata));
        }
        let mut offset = 0usize;
        for (name, t) in &self.tensors {
            if name == METADATA_KEY {
                return Err(format_error(format!(
                    "a tensor may not be called {METADATA_KEY:?}"
                )));
            }
            check_size(name, t)?;
            let end = offset + t.data.len();
            header.insert(
                name,
                HeaderEntry::Tensor(TensorEntry {
                    dtype: t.dtype,
                    shape: &t.shape,
                    data_offsets: (offset, end),
                }),
            );
            offset = end;
        }
        let mut bytes =
            serde_json::to_vec(&header).map_err(|e| format_error(format!("cannot write the header: {e}")))?;
        bytes.resize(bytes.len().next_multiple_of(8), b' ');
        Ok(bytes)
    }

    /// The canonical bytes of this content, exactly as it is (the digest entry is written as
    /// it stands; see [`RawFile::seal`] to compute it).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let header = self.canonical_header(|_| true)?;
        let data_len: usize = self.tensors.values().map(|t| t.data.len()).sum();
        let mut out = Vec::with_capacity(8 + header.len() + data_len);
        out.extend_from_slice(&(header.len() as u64).to_le_bytes());
        out.extend_from_slice(&header);
        for t in self.tensors.values() {
            out.extend_from_slice(&t.data);
        }
        Ok(out)
    }

    /// The SHA-256 digest of the content: over the canonical file of the same tensors and
    /// the metadata without `"sha256"` and `"signature"`.
    pub fn digest(&self) -> Result<[u8; 32]> {
        let header = self.canonical_header(|k| k != DIGEST_KEY && k != SIGNATURE_KEY)?;
        let mut h = Sha256::new();
        h.update((header.len() as u64).to_le_bytes());
        h.update(&header);
        for t in self.tensors.values() {
            h.update(&t.data);
        }
        Ok(h.finalize().into())
    }

    /// Computes the digest, stores it as `"sha256"` (removing any `"signature"`, which the
    /// new content invalidates) and returns the canonical bytes: a file that passes
    /// [`RawFile::parse`] and [`RawFile::verify_digest`].
    pub fn seal(&mut self) -> Result<Vec<u8>> {
        self.metadata.remove(SIGNATURE_KEY);
        let digest = self.digest()?;
        self.metadata.insert(DIGEST_KEY.to_string(), hex::encode(digest));
        self.to_bytes()
    }

    /// Parses a file's bytes: checks the header length against the real size, lets the
    /// `safetensors` crate validate the structure (offsets, sizes, dtypes), copies the content
    /// out (allocating no more than the input's size), and checks that the bytes are the
    /// canonical form of that content.
    ///
    /// Errors: [`Error::Format`] for anything that is not a well-formed safetensors file,
    /// [`Error::Integrity`] (naming `source`) for a well-formed file that is not canonical.
    /// The digest is *not* checked here: see [`RawFile::verify_digest`].
    pub fn parse(bytes: &[u8], source: &str) -> Result<RawFile> {
        let fmt = |reason: String| Error::Format {
            context: source.to_string(),
            reason,
        };
        let Some(len_bytes) = bytes.first_chunk::<8>() else {
            return Err(fmt(format!(
                "the file is {} bytes long, too short for a safetensors header (truncated?)",
                bytes.len()
            )));
        };
        let n = u64::from_le_bytes(*len_bytes);
        let available = (bytes.len() - 8) as u64;
        if n > available {
            return Err(fmt(format!(
                "the header length field says {n} bytes, but only {available} bytes follow it \
                 (truncated or corrupted)"
            )));
        }
        let (n, meta) = safetensors::SafeTensors::read_metadata(bytes)
            .map_err(|e| fmt(format!("not a valid safetensors file: {e}")))?;
        let data = &bytes[8 + n..];
        let mut file = RawFile {
            metadata: meta
                .metadata()
                .as_ref()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            tensors: BTreeMap::new(),
        };
        for name in meta.offset_keys() {
            let info = meta.info(&name).expect("offset_keys lists known tensors");
            let (begin, end) = info.data_offsets;
            let slice = data
                .get(begin..end)
                .ok_or_else(|| fmt(format!("tensor {name:?} lies outside the data")))?;
            file.tensors.insert(
                name,
                RawTensor {
                    dtype: info.dtype,
                    shape: info.shape.clone(),
                    data: slice.to_vec(),
                },
            );
        }
        let canonical = file.canonical_header(|_| true)?;
        if canonical != bytes[8..8 + n] {
            return Err(Error::Integrity {
                path: source.to_string(),
                reason: "the header is not in the canonical form the digest is defined over (the file \
                         was altered, or not written by trustnn)"
                    .to_string(),
            });
        }
        Ok(file)
    }

    /// Checks the stored `"sha256"` against [`RawFile::digest`]; [`Error::Integrity`] if it is
    /// missing, malformed or different.
    pub fn verify_digest(&self, source: &str) -> Result<[u8; 32]> {
        let integrity = |reason: String| Error::Integrity {
            path: source.to_string(),
            reason,
        };
        let stored = self
            .metadata
            .get(DIGEST_KEY)
            .ok_or_else(|| integrity("the file has no \"sha256\" digest".to_string()))?;
        let mut expected = [0u8; 32];
        if stored.len() != 64
            || stored.bytes().any(|b| b.is_ascii_uppercase())
            || hex::decode_to_slice(stored, &mut expected).is_err()
        {
            return Err(integrity(format!(
                "the stored digest {stored:?} is not 64 lowercase hex digits"
            )));
        }
        let actual = self.digest()?;
        if actual != expected {
            return Err(integrity(format!(
                "SHA-256 of the content is {}, but the file says {stored}: the file was damaged or \
                 altered",
                hex::encode(actual)
            )));
        }
        Ok(actual)
    }
}

/// Checks that a tensor's byte length fits its dtype and shape.
fn check_size(name: &str, t: &RawTensor) -> Result<()> {
    let bits = t
        .shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .and_then(|n| n.checked_mul(t.dtype.bitsize()));
    match bits {
        Some(bits) if bits % 8 == 0 && bits / 8 == t.data.len() => Ok(()),
        _ => Err(format_error(format!(
            "tensor {name:?}: {} bytes do not fit dtype {:?} and shape {:?}",
            t.data.len(),
            t.dtype,
            t.shape
        ))),
    }
}

fn format_error(reason: String) -> Error {
    Error::Format {
        context: "model file".to_string(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RawFile {
        let mut f = RawFile::default();
        f.metadata.insert("b".into(), "two \"quoted\" é\n".into());
        f.metadata.insert("a".into(), "one".into());
        f.tensors
            .insert("w".into(), RawTensor::f32(&[1.0, -2.5, 3.0], &[3]));
        f.tensors.insert("Z".into(), RawTensor::f32(&[0.5], &[1, 1]));
        f
    }

    #[test]
    fn canonical_bytes_are_a_valid_safetensors_file_with_the_same_content() {
        let f = sample();
        let bytes = f.to_bytes().unwrap();
        let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
        assert_eq!(st.tensor("w").unwrap().shape(), &[3]);
        assert_eq!(st.tensor("Z").unwrap().data(), &0.5f32.to_le_bytes());
        let (n, meta) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
        assert_eq!(n % 8, 0);
        assert_eq!(meta.metadata().as_ref().unwrap()["b"], "two \"quoted\" é\n");
        assert_eq!(RawFile::parse(&bytes, "t").unwrap(), f);
    }

    #[test]
    fn the_header_is_compact_json_with_sorted_keys() {
        let bytes = sample().to_bytes().unwrap();
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let header = std::str::from_utf8(&bytes[8..8 + n]).unwrap().trim_end();
        assert_eq!(
            header,
            r#"{"Z":{"data_offsets":[0,4],"dtype":"F32","shape":[1,1]},"__metadata__":{"a":"one","b":"two \"quoted\" é\n"},"w":{"data_offsets":[4,16],"dtype":"F32","shape":[3]}}"#
        );
    }

    #[test]
    fn a_file_written_by_the_safetensors_crate_with_two_metadata_entries_is_accepted_only_if_canonical() {
        // The crate writes __metadata__ from a HashMap, in any order; a file whose header is
        // not canonical is refused with an integrity error, never misread.
        let f = sample();
        let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = f
            .tensors
            .iter()
            .map(|(k, t)| {
                (
                    k.clone(),
                    safetensors::tensor::TensorView::new(t.dtype, t.shape.clone(), &t.data).unwrap(),
                )
            })
            .collect();
        let meta: std::collections::HashMap<String, String> =
            f.metadata.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let bytes = safetensors::serialize(views, Some(meta)).unwrap();
        match RawFile::parse(&bytes, "t") {
            Ok(parsed) => assert_eq!(parsed, f),
            Err(e) => assert!(matches!(e, Error::Integrity { .. }), "{e}"),
        }
    }

    #[test]
    fn seal_then_verify_passes_and_any_content_change_fails() {
        let mut f = sample();
        let bytes = f.seal().unwrap();
        let parsed = RawFile::parse(&bytes, "t").unwrap();
        parsed.verify_digest("t").unwrap();
        let mut changed = parsed.clone();
        changed.metadata.insert("a".into(), "One".into());
        assert!(matches!(changed.verify_digest("t"), Err(Error::Integrity { .. })));
        let mut changed = parsed.clone();
        changed.tensors.get_mut("w").unwrap().data[0] ^= 1;
        assert!(matches!(changed.verify_digest("t"), Err(Error::Integrity { .. })));
        let mut unsealed = parsed;
        unsealed.metadata.remove(DIGEST_KEY);
        assert!(matches!(
            unsealed.verify_digest("t"),
            Err(Error::Integrity { .. })
        ));
    }

    #[test]
    fn the_digest_ignores_only_the_digest_and_signature_entries() {
        let mut f = sample();
        let d = f.digest().unwrap();
        f.metadata.insert(SIGNATURE_KEY.into(), "ed25519:00".into());
        f.metadata.insert(DIGEST_KEY.into(), "x".into());
        assert_eq!(f.digest().unwrap(), d);
        f.metadata.insert("key_id".into(), "k".into());
        assert_ne!(f.digest().unwrap(), d);
    }

    #[test]
    fn a_header_length_beyond_the_file_is_a_format_error_before_any_parsing() {
        let mut bytes = sample().to_bytes().unwrap();
        bytes[..8].copy_from_slice(&(8u64 << 30).to_le_bytes());
        let err = RawFile::parse(&bytes, "t").unwrap_err();
        assert!(matches!(err, Error::Format { .. }), "{err}");
        assert!(err.to_string().contains("8589934592"), "{err}");
        assert!(matches!(
            RawFile::parse(&bytes[..5], "t"),
            Err(Error::Format { .. })
        ));
    }
}
