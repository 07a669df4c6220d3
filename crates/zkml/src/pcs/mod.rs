//! Polynomial commitments to multilinear tables.
//!
//! The [`Pcs`] trait is what the prover and the verifier use; [`TensorPcs`] is the
//! implementation (a Ligero-style tensor code over Reed–Solomon rows, with BLAKE3 Merkle trees).
//! See [`tensor`] for its parameters and soundness, and for why it is used instead of WHIR.

pub mod merkle;
pub mod tensor;

pub use tensor::{TensorParams, TensorPcs};

use crate::channel::{ChannelError, ProverChannel, VerifierChannel};
use crate::field::{EF, F};

/// A Merkle root: the commitment to one table.
pub type Commitment = merkle::Digest;

/// An opening the verifier rejects.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum PcsError {
    /// The proof could not be read.
    #[error(transparent)]
    Channel(#[from] ChannelError),
    /// An opened column is not in the committed tree.
    #[error("opened column {0} does not match the commitment")]
    MerklePath(usize),
    /// The proximity row disagrees with an opened column.
    #[error("proximity row disagrees with column {0}")]
    Proximity(usize),
    /// The evaluation row disagrees with an opened column.
    #[error("evaluation row disagrees with column {0}")]
    Consistency(usize),
    /// The evaluation row does not evaluate to the claimed value.
    #[error("the opening does not evaluate to the claimed value")]
    Evaluation,
    /// The point has the wrong number of variables.
    #[error("opening point has {found} variables, the table has {expected}")]
    PointLength {
        /// Variables of the committed table.
        expected: usize,
        /// Variables of the point.
        found: usize,
    },
}

/// A multilinear polynomial commitment for tables of `2^n` base-field values.
pub trait Pcs {
    /// What the prover keeps between commit and open.
    type ProverData;

    /// Commits to `table` (length `2^n_vars`). Deterministic: the same table always gives the
    /// same commitment, so anyone holding the values can recompute it.
    fn commit(&self, table: &[F]) -> (Commitment, Self::ProverData);

    /// Proves `table~(point) = value` (the value is already bound by the caller's transcript).
    fn open(&self, data: &Self::ProverData, point: &[EF], channel: &mut ProverChannel);

    /// Checks an opening of `commitment` at `point` to `value`.
    fn verify(
        &self,
        commitment: &Commitment,
        point: &[EF],
        value: EF,
        channel: &mut VerifierChannel<'_>,
    ) -> Result<(), PcsError>;

    /// The canonical encoding of the parameters (part of the model's identity).
    fn params_encoding(&self) -> Vec<u8>;

    /// Bits of soundness of one opening.
    fn soundness_bits(&self) -> f64;
}
