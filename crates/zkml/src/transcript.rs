//! The Fiat–Shamir transcript: one duplex sponge over Goldilocks that binds every public input and
//! every prover message before the challenges that depend on them.
//!
//! The sponge is Plonky3's `DuplexChallenger` with the width-12 Poseidon2 permutation and its
//! published round constants (rate 8, capacity 4 elements = 256 bits). Each absorbed item is
//! framed as `[kind, label length, label bytes packed 7 per element, payload length, payload]`:
//! the kind separates bytes from field elements, and the lengths make the framing prefix-free, so
//! two different sequences of items never absorb the same sequence of field elements. Bytes are
//! packed 7 to an element so each packed value (< 2^56) is a canonical field element.
//!
//! Labels name the sub-protocol and layer (for example `b"matmul/3/round"`), which keeps a message
//! of one layer from being replayed as another's.

use p3_challenger::{CanObserve, CanSample, DuplexChallenger, FieldChallenger};
use p3_field::{BasedVectorSpace, PrimeCharacteristicRing, PrimeField64};
use p3_goldilocks::{Poseidon2Goldilocks, default_goldilocks_poseidon2_12};

use crate::field::{EF, F};

const WIDTH: usize = 12;
const RATE: usize = 8;

/// The protocol label absorbed first by every transcript.
pub const PROTOCOL_LABEL: &[u8] = b"ailedger-zkml/v1";

const KIND_BYTES: u64 = 1;
const KIND_BASE: u64 = 2;
const KIND_EXT: u64 = 3;
const KIND_CHALLENGE: u64 = 4;
const KIND_INDEX: u64 = 5;

/// A Fiat–Shamir transcript shared by the prover and the verifier.
#[derive(Clone)]
pub struct Transcript {
    sponge: DuplexChallenger<F, Poseidon2Goldilocks<WIDTH>, WIDTH, RATE>,
}

impl std::fmt::Debug for Transcript {
    // The permutation's round constants are public and long; the state is what identifies a
    // transcript.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transcript")
            .field("state", &self.sponge.sponge_state)
            .finish()
    }
}

impl Default for Transcript {
    fn default() -> Self {
        Self::new()
    }
}

impl Transcript {
    /// A transcript that has absorbed [`PROTOCOL_LABEL`].
    pub fn new() -> Self {
        let mut transcript = Self {
            sponge: DuplexChallenger::new(default_goldilocks_poseidon2_12()),
        };
        transcript.absorb_bytes(b"protocol", PROTOCOL_LABEL);
        transcript
    }

    /// Absorbs a byte string (an identifier, an encoded descriptor, a digest).
    pub fn absorb_bytes(&mut self, label: &[u8], bytes: &[u8]) {
        self.frame(KIND_BYTES, label, bytes.len());
        self.packed(bytes);
    }

    /// Absorbs base-field elements (public inputs and outputs).
    pub fn absorb_base(&mut self, label: &[u8], values: &[F]) {
        self.frame(KIND_BASE, label, values.len());
        self.sponge.observe_slice(values);
    }

    /// Absorbs extension elements (round polynomials, claimed evaluations).
    pub fn absorb_ext(&mut self, label: &[u8], values: &[EF]) {
        self.frame(KIND_EXT, label, values.len());
        for value in values {
            self.sponge
                .observe_slice(BasedVectorSpace::<F>::as_basis_coefficients_slice(value));
        }
    }

    /// Squeezes one challenge from the extension field.
    pub fn challenge(&mut self, label: &[u8]) -> EF {
        self.frame(KIND_CHALLENGE, label, 1);
        self.sponge.sample_algebra_element::<EF>()
    }

    /// Squeezes an index below `2^log_bound` (`log_bound <= 32`) from the low bits of one base
    /// element. The bias is below `2^log_bound / p <= 2^-31` per index, which the soundness
    /// accounting of the column queries ignores as it is far below their per-query error.
    pub fn challenge_index(&mut self, label: &[u8], log_bound: usize) -> usize {
        assert!(log_bound <= 32, "indices are drawn from 32 low bits");
        self.frame(KIND_INDEX, label, 1);
        let value: F = self.sponge.sample();
        (value.as_canonical_u64() & ((1u64 << log_bound) - 1)) as usize
    }

    /// Squeezes `n` challenges.
    pub fn challenges(&mut self, label: &[u8], n: usize) -> Vec<EF> {
        (0..n).map(|_| self.challenge(label)).collect()
    }

    fn frame(&mut self, kind: u64, label: &[u8], len: usize) {
        self.sponge.observe(F::from_u64(kind));
        self.sponge.observe(F::from_u64(label.len() as u64));
        self.packed(label);
        self.sponge.observe(F::from_u64(len as u64));
    }

    fn packed(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(7) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.sponge.observe(F::from_u64(u64::from_le_bytes(word)));
        }
    }
}
