//! Seeded randomness.
//!
//! Every random choice in trustnn — weight initialization, shuffling, dropout masks,
//! splits — is drawn from a [`Rng`] derived from one user-given seed, so the same seed gives
//! bit-identical results on every run and platform. The generator is ChaCha8 (`rand_chacha`):
//! portable, reproducible across versions, fast.

use rand::SeedableRng;

/// The random-number generator used throughout the crate.
pub type Rng = rand_chacha::ChaCha8Rng;

/// A generator seeded from `seed`.
pub fn seeded(seed: u64) -> Rng {
    Rng::seed_from_u64(seed)
}

/// A new, independent generator seeded from `parent` (to give a layer its own stream).
pub fn fork(parent: &mut Rng) -> Rng {
    use rand::Rng as _;
    Rng::seed_from_u64(parent.random())
}
