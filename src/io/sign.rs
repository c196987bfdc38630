//! Signing keys and verification keys for model files: HMAC-SHA256 with a shared secret
//! (RFC 2104 / FIPS 198-1) or Ed25519 (RFC 8032) with a key pair.
//!
//! Both sign the same message: the ASCII bytes `trustnn-model/1:` followed by the file's
//! SHA-256 digest in lowercase hex (64 characters). The digest covers every byte of the file
//! except the digest and signature entries themselves (see [`super::raw`]), so a signature
//! vouches for the whole file. The signature is stored as the metadata entry `"signature"`,
//! as `hmac-sha256:<64 lowercase hex>` or `ed25519:<128 lowercase hex>`.

use std::fmt;

use ed25519_dalek::Signer as _;
use hmac::{KeyInit as _, Mac as _};

use crate::error::{Error, Result};

/// The domain-separation prefix of the signed message.
pub(crate) const MESSAGE_PREFIX: &str = "trustnn-model/1:";

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The signature schemes model files support.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// HMAC-SHA256 with a shared secret (`hmac-sha256:` prefix).
    HmacSha256,
    /// Ed25519 with a key pair (`ed25519:` prefix).
    Ed25519,
}

impl SignatureAlgorithm {
    /// The prefix used in the file (`"hmac-sha256"`, `"ed25519"`).
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureAlgorithm::HmacSha256 => "hmac-sha256",
            SignatureAlgorithm::Ed25519 => "ed25519",
        }
    }

    fn signature_len(self) -> usize {
        match self {
            SignatureAlgorithm::HmacSha256 => 32,
            SignatureAlgorithm::Ed25519 => ed25519_dalek::SIGNATURE_LENGTH,
        }
    }
}

impl fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A key to sign model files with ([`super::SaveOptions::sign_with`]).
///
/// ```
/// use trustnn::io::SigningKey;
/// let shared = SigningKey::hmac(b"a long random shared secret".to_vec());
/// let pair = SigningKey::ed25519_from_seed(&[7; 32]);
/// // The public half goes to whoever loads the model.
/// let public = pair.verify_key();
/// # let _ = (shared, public);
/// ```
#[derive(Clone)]
pub enum SigningKey {
    /// HMAC-SHA256 with a shared secret (must not be empty; 32 random bytes or more is
    /// the usual advice). Whoever can verify can also sign.
    Hmac(Vec<u8>),
    /// Ed25519 with a private key; verifiers need only the public key.
    Ed25519(ed25519_dalek::SigningKey),
}

impl SigningKey {
    /// An HMAC-SHA256 key from a shared secret.
    pub fn hmac(secret: impl Into<Vec<u8>>) -> Self {
        SigningKey::Hmac(secret.into())
    }

    /// An Ed25519 key from its 32-byte secret seed (RFC 8032's private key). Generate the
    /// seed with a cryptographically secure generator and keep it secret.
    pub fn ed25519_from_seed(seed: &[u8; 32]) -> Self {
        SigningKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(seed))
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> SignatureAlgorithm {
        match self {
            SigningKey::Hmac(_) => SignatureAlgorithm::HmacSha256,
            SigningKey::Ed25519(_) => SignatureAlgorithm::Ed25519,
        }
    }

    /// The key that verifies this key's signatures: the same secret for HMAC, the public key
    /// for Ed25519.
    pub fn verify_key(&self) -> VerifyKey {
        match self {
            SigningKey::Hmac(s) => VerifyKey::Hmac(s.clone()),
            SigningKey::Ed25519(k) => VerifyKey::Ed25519(k.verifying_key()),
        }
    }

    /// Checks the key is usable (an HMAC secret must not be empty).
    pub(crate) fn validate(&self) -> Result<()> {
        match self {
            SigningKey::Hmac(s) if s.is_empty() => Err(Error::config(
                "SigningKey::Hmac",
                "an empty secret",
                "the shared secret must not be empty",
            )),
            _ => Ok(()),
        }
    }

    /// The `"signature"` entry for a file whose digest is `digest_hex`.
    pub(crate) fn sign(&self, digest_hex: &str) -> String {
        let message = message(digest_hex);
        let bytes = match self {
            SigningKey::Hmac(secret) => {
                let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
                mac.update(&message);
                mac.finalize().into_bytes().to_vec()
            }
            SigningKey::Ed25519(k) => k.sign(&message).to_bytes().to_vec(),
        };
        format!("{}:{}", self.algorithm(), hex::encode(bytes))
    }
}

impl fmt::Debug for SigningKey {
    /// Never prints the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SigningKey::Hmac(s) => write!(f, "SigningKey::Hmac(<{} secret bytes>)", s.len()),
            SigningKey::Ed25519(k) => write!(
                f,
                "SigningKey::Ed25519(<secret>, public {})",
                hex::encode(k.verifying_key().to_bytes())
            ),
        }
    }
}

/// A key to check model-file signatures with ([`super::load_verified`]).
#[derive(Clone)]
pub enum VerifyKey {
    /// The shared HMAC-SHA256 secret.
    Hmac(Vec<u8>),
    /// An Ed25519 public key.
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl VerifyKey {
    /// An HMAC-SHA256 verification key (the shared secret).
    pub fn hmac(secret: impl Into<Vec<u8>>) -> Self {
        VerifyKey::Hmac(secret.into())
    }

    /// An Ed25519 public key from its 32 bytes; [`Error::InvalidConfig`] if they are not a
    /// valid curve point.
    pub fn ed25519_from_bytes(public: &[u8; 32]) -> Result<Self> {
        ed25519_dalek::VerifyingKey::from_bytes(public)
            .map(VerifyKey::Ed25519)
            .map_err(|e| Error::config("VerifyKey::Ed25519", hex::encode(public), e.to_string()))
    }

    /// The algorithm this key verifies.
    pub fn algorithm(&self) -> SignatureAlgorithm {
        match self {
            VerifyKey::Hmac(_) => SignatureAlgorithm::HmacSha256,
            VerifyKey::Ed25519(_) => SignatureAlgorithm::Ed25519,
        }
    }

    /// Checks `signature` (the file's `"signature"` entry, already parsed) over `digest_hex`;
    /// the error says why it was refused.
    pub(crate) fn verify(&self, digest_hex: &str, signature: &ParsedSignature) -> Result<(), String> {
        if signature.algorithm != self.algorithm() {
            return Err(format!(
                "the file is signed with {}, but the key is an {} key",
                signature.algorithm,
                self.algorithm()
            ));
        }
        let message = message(digest_hex);
        let ok = match self {
            VerifyKey::Hmac(secret) => {
                if secret.is_empty() {
                    return Err("the HMAC secret is empty".to_string());
                }
                let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
                mac.update(&message);
                // Constant-time comparison.
                mac.verify_slice(&signature.bytes).is_ok()
            }
            VerifyKey::Ed25519(public) => {
                let sig = <[u8; 64]>::try_from(signature.bytes.as_slice())
                    .map(|b| ed25519_dalek::Signature::from_bytes(&b));
                match sig {
                    // verify_strict also refuses malleable (non-canonical) signatures and weak keys.
                    Ok(sig) => public.verify_strict(&message, &sig).is_ok(),
                    Err(_) => false,
                }
            }
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "the {} signature does not match: the file was signed with another key, or altered",
                signature.algorithm
            ))
        }
    }
}

impl fmt::Debug for VerifyKey {
    /// Never prints an HMAC secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyKey::Hmac(s) => write!(f, "VerifyKey::Hmac(<{} secret bytes>)", s.len()),
            VerifyKey::Ed25519(k) => write!(f, "VerifyKey::Ed25519({})", hex::encode(k.to_bytes())),
        }
    }
}

/// A `"signature"` entry, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ParsedSignature {
    pub algorithm: SignatureAlgorithm,
    pub bytes: Vec<u8>,
}

/// Parses `hmac-sha256:<hex>` / `ed25519:<hex>`; the hex must be lowercase and of the
/// algorithm's length, so that each signature has exactly one spelling.
pub(crate) fn parse_signature(entry: &str) -> Result<ParsedSignature, String> {
    let (alg, hex_part) = entry
        .split_once(':')
        .ok_or_else(|| format!("malformed signature entry {entry:?} (expected <algorithm>:<hex>)"))?;
    let algorithm = match alg {
        "hmac-sha256" => SignatureAlgorithm::HmacSha256,
        "ed25519" => SignatureAlgorithm::Ed25519,
        other => return Err(format!("unknown signature algorithm {other:?}")),
    };
    let len = algorithm.signature_len();
    if hex_part.len() != 2 * len || hex_part.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(format!(
            "malformed {algorithm} signature: expected {} lowercase hex digits",
            2 * len
        ));
    }
    let bytes = hex::decode(hex_part).map_err(|e| format!("malformed {algorithm} signature: {e}"))?;
    Ok(ParsedSignature { algorithm, bytes })
}

fn message(digest_hex: &str) -> Vec<u8> {
    let mut m = Vec::with_capacity(MESSAGE_PREFIX.len() + digest_hex.len());
    m.extend_from_slice(MESSAGE_PREFIX.as_bytes());
    m.extend_from_slice(digest_hex.as_bytes());
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn hmac_signature_is_rfc2104_hmac_sha256_of_the_prefixed_digest() {
        // Independent value: Python's
        // hmac.new(b"key", b"trustnn-model/1:" + DIGEST.encode(), hashlib.sha256).hexdigest()
        let sig = SigningKey::hmac(b"key".to_vec()).sign(DIGEST);
        assert_eq!(
            sig,
            "hmac-sha256:5b98ef47e63b53c32c637def5bd957af93d4f56432193874bf4e865762dfe8b7"
        );
        let parsed = parse_signature(&sig).unwrap();
        VerifyKey::hmac(b"key".to_vec()).verify(DIGEST, &parsed).unwrap();
        assert!(VerifyKey::hmac(b"kez".to_vec()).verify(DIGEST, &parsed).is_err());
    }

    #[test]
    fn ed25519_signatures_verify_with_the_public_key_only() {
        let key = SigningKey::ed25519_from_seed(&[1; 32]);
        let sig = parse_signature(&key.sign(DIGEST)).unwrap();
        assert_eq!(sig.algorithm, SignatureAlgorithm::Ed25519);
        key.verify_key().verify(DIGEST, &sig).unwrap();
        let other = SigningKey::ed25519_from_seed(&[2; 32]).verify_key();
        assert!(other.verify(DIGEST, &sig).is_err());
        let mut wrong_digest = DIGEST.to_string();
        wrong_digest.replace_range(0..1, "8");
        assert!(key.verify_key().verify(&wrong_digest, &sig).is_err());
        // An HMAC key never accepts an Ed25519 signature.
        assert!(VerifyKey::hmac(b"k".to_vec()).verify(DIGEST, &sig).is_err());
    }

    #[test]
    fn signature_entries_have_one_spelling() {
        let sig = SigningKey::hmac(b"key".to_vec()).sign(DIGEST);
        assert!(parse_signature(&sig.to_uppercase().replace("HMAC-SHA256", "hmac-sha256")).is_err());
        assert!(parse_signature(&sig[..sig.len() - 2]).is_err());
        assert!(parse_signature("rsa:00").is_err());
        assert!(parse_signature("nonsense").is_err());
    }

    #[test]
    fn debug_output_never_contains_the_secret() {
        let k = SigningKey::hmac(b"top-secret".to_vec());
        assert!(!format!("{k:?}").contains("top-secret"));
        assert!(!format!("{:?}", k.verify_key()).contains("top-secret"));
        assert!(SigningKey::hmac(Vec::new()).validate().is_err());
    }
}
