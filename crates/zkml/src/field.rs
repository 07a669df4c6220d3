//! The proof system's fields: Goldilocks (`p = 2^64 - 2^32 + 1`) for witness values and its
//! degree-2 extension (about 2^128 elements) for every Fiat–Shamir challenge.
//!
//! Goldilocks holds the integer semantics without wraparound: accumulators stay below 2^62 in
//! absolute value (checked when a model is built), far from `p / 2`. Challenges come from the
//! extension because a base-field sumcheck would have only about 58 bits of soundness.

use p3_field::extension::BinomialExtensionField;
use p3_field::{BasedVectorSpace, PrimeField64, integers::QuotientMap};

/// The base field.
pub type F = p3_goldilocks::Goldilocks;
/// The challenge field, `F[X] / (X^2 - 7)`.
pub type EF = BinomialExtensionField<F, 2>;

/// Bytes of one encoded extension element.
pub const EF_BYTES: usize = 16;

/// `log2 |EF|` rounded down (the exact value is 2 log2 p ≈ 127.9999999993): the soundness
/// budget of one challenge.
pub const EF_BITS: f64 = 127.999;

/// The field element of a signed integer (negative values are `p - |v|`).
pub fn from_i64(value: i64) -> F {
    F::from_int(value)
}

/// Appends the canonical encoding of `value`: its two coefficients as little-endian `u64`s.
pub fn put_ef(out: &mut Vec<u8>, value: &EF) {
    for coefficient in BasedVectorSpace::<F>::as_basis_coefficients_slice(value) {
        out.extend_from_slice(&coefficient.as_canonical_u64().to_le_bytes());
    }
}

/// Decodes one extension element, rejecting non-canonical coefficients (`>= p`) so every
/// element has exactly one encoding.
pub fn get_ef(bytes: &[u8; EF_BYTES]) -> Option<EF> {
    let mut coefficients = [F::default(); 2];
    for (slot, chunk) in coefficients.iter_mut().zip(bytes.chunks_exact(8)) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        *slot = F::from_canonical_checked(u64::from_le_bytes(word))?;
    }
    <EF as BasedVectorSpace<F>>::from_basis_coefficients_slice(&coefficients)
}
