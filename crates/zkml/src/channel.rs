//! The proof as a stream of prover messages, read and written in protocol order.
//!
//! The prover writes every message through a [`ProverChannel`], which appends its canonical
//! encoding to the proof and absorbs it into the transcript in one step, so no message can reach
//! the proof without binding the challenges that follow it. The [`VerifierChannel`] reads the
//! same messages in the same order, asking for exactly as many as its own circuit (rebuilt from
//! the architecture descriptor) needs: a proof that is too short fails on the read, and bytes left
//! over at the end are rejected by [`VerifierChannel::finish`]. Field elements are checked to be
//! canonical as they are read.
//!
//! Merkle-authenticated data (opened columns and their paths) is written with the `raw` methods:
//! it is bound by a root absorbed earlier and comes after the last challenge that depends on it.

use p3_field::PrimeField64;
use p3_field::integers::QuotientMap;

use crate::field::{EF, EF_BYTES, F, get_ef, put_ef};
use crate::transcript::Transcript;

/// A proof the verifier cannot read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChannelError {
    /// The proof ends before the verifier has read every message it needs.
    #[error("the proof is truncated: {needed} more bytes needed at byte {at}")]
    Truncated {
        /// Where the read started.
        at: usize,
        /// Bytes the read needed.
        needed: usize,
    },
    /// Bytes follow the last message.
    #[error("{0} bytes follow the proof's last message")]
    TrailingBytes(usize),
    /// A field element is not in canonical form.
    #[error("non-canonical field element at byte {0}")]
    NonCanonical(usize),
}

/// The prover's side: writes and absorbs.
#[derive(Debug)]
pub struct ProverChannel {
    /// The Fiat–Shamir transcript.
    pub transcript: Transcript,
    bytes: Vec<u8>,
}

impl ProverChannel {
    /// A channel over `transcript`, with `header` as the proof's first bytes (not absorbed: the
    /// transcript is initialised with the same public data).
    pub fn new(transcript: Transcript, header: &[u8]) -> Self {
        Self {
            transcript,
            bytes: header.to_vec(),
        }
    }

    /// Sends extension elements.
    pub fn send_ext(&mut self, label: &[u8], values: &[EF]) {
        self.transcript.absorb_ext(label, values);
        self.write_ext(values);
    }

    /// Sends a byte string of fixed length (a Merkle root).
    pub fn send_bytes(&mut self, label: &[u8], bytes: &[u8]) {
        self.transcript.absorb_bytes(label, bytes);
        self.bytes.extend_from_slice(bytes);
    }

    /// Appends extension elements that the caller has already absorbed (sumcheck rounds, which
    /// the sumcheck absorbs between its challenges).
    pub fn write_ext(&mut self, values: &[EF]) {
        for value in values {
            put_ef(&mut self.bytes, value);
        }
    }

    /// Appends Merkle-authenticated base elements, unabsorbed.
    pub fn raw_base(&mut self, values: &[F]) {
        for value in values {
            self.bytes
                .extend_from_slice(&value.as_canonical_u64().to_le_bytes());
        }
    }

    /// Appends Merkle-authenticated bytes (a path's hashes), unabsorbed.
    pub fn raw_bytes(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }

    /// The finished proof.
    pub fn into_proof(self) -> Vec<u8> {
        self.bytes
    }
}

/// The verifier's side: reads, validates and absorbs.
#[derive(Debug)]
pub struct VerifierChannel<'a> {
    /// The Fiat–Shamir transcript.
    pub transcript: Transcript,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> VerifierChannel<'a> {
    /// A channel reading `bytes` from `start` (after a header the caller checked).
    pub fn new(transcript: Transcript, bytes: &'a [u8], start: usize) -> Self {
        Self {
            transcript,
            bytes,
            pos: start,
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], ChannelError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len());
        let Some(end) = end else {
            return Err(ChannelError::Truncated {
                at: self.pos,
                needed: n,
            });
        };
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    /// Reads `n` extension elements without absorbing them.
    pub fn read_ext(&mut self, n: usize) -> Result<Vec<EF>, ChannelError> {
        let start = self.pos;
        let slice = self.take(n.saturating_mul(EF_BYTES))?;
        slice
            .chunks_exact(EF_BYTES)
            .enumerate()
            .map(|(i, chunk)| {
                let mut array = [0u8; EF_BYTES];
                array.copy_from_slice(chunk);
                get_ef(&array).ok_or(ChannelError::NonCanonical(start + i * EF_BYTES))
            })
            .collect()
    }

    /// Receives `n` extension elements: reads and absorbs them.
    pub fn recv_ext(&mut self, label: &[u8], n: usize) -> Result<Vec<EF>, ChannelError> {
        let values = self.read_ext(n)?;
        self.transcript.absorb_ext(label, &values);
        Ok(values)
    }

    /// Receives one extension element.
    pub fn recv_one(&mut self, label: &[u8]) -> Result<EF, ChannelError> {
        Ok(self.recv_ext(label, 1)?[0])
    }

    /// Receives `N` bytes and absorbs them.
    pub fn recv_bytes<const N: usize>(&mut self, label: &[u8]) -> Result<[u8; N], ChannelError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        self.transcript.absorb_bytes(label, &out);
        Ok(out)
    }

    /// Reads `n` Merkle-authenticated base elements.
    pub fn raw_base(&mut self, n: usize) -> Result<Vec<F>, ChannelError> {
        let start = self.pos;
        let slice = self.take(n.saturating_mul(8))?;
        slice
            .chunks_exact(8)
            .enumerate()
            .map(|(i, chunk)| {
                let mut word = [0u8; 8];
                word.copy_from_slice(chunk);
                F::from_canonical_checked(u64::from_le_bytes(word))
                    .ok_or(ChannelError::NonCanonical(start + i * 8))
            })
            .collect()
    }

    /// Reads `N` Merkle-authenticated bytes.
    pub fn raw_bytes<const N: usize>(&mut self) -> Result<[u8; N], ChannelError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// Rejects bytes after the last message.
    pub fn finish(self) -> Result<Transcript, ChannelError> {
        if self.pos != self.bytes.len() {
            return Err(ChannelError::TrailingBytes(self.bytes.len() - self.pos));
        }
        Ok(self.transcript)
    }
}
