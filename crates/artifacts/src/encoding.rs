//! The canonical binary encoding of everything this crate hashes or serializes.
//!
//! Integers are fixed-width big-endian (`u8`, `u32`, `u64`); a byte string is its length as a
//! `u32` followed by the bytes; a text string is the byte string of its UTF-8 bytes; a digest is
//! its 32 bytes. There are no optional fields and no alternative forms, so each value has exactly
//! one encoding, and decoding rejects truncation, oversized lengths and trailing bytes.

use sha2::{Digest as _, Sha256};
use thiserror::Error;

use crate::hash::Hash;

/// Where encoded bytes go: a buffer or straight into a hasher (no intermediate allocation).
pub(crate) trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

impl Sink for Sha256 {
    fn put(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

pub(crate) fn put_u8(sink: &mut impl Sink, value: u8) {
    sink.put(&[value]);
}

pub(crate) fn put_u32(sink: &mut impl Sink, value: u32) {
    sink.put(&value.to_be_bytes());
}

pub(crate) fn put_u64(sink: &mut impl Sink, value: u64) {
    sink.put(&value.to_be_bytes());
}

/// Writes `u32(len) || bytes`.
///
/// Callers bound their byte strings far below 4 GiB (paths, names, records); the conversion
/// saturates only to keep this function total.
pub(crate) fn put_bytes(sink: &mut impl Sink, bytes: &[u8]) {
    put_u32(sink, u32::try_from(bytes.len()).unwrap_or(u32::MAX));
    sink.put(bytes);
}

pub(crate) fn put_str(sink: &mut impl Sink, text: &str) {
    put_bytes(sink, text.as_bytes());
}

pub(crate) fn put_hash(sink: &mut impl Sink, hash: &Hash) {
    sink.put(hash.as_bytes());
}

/// Bytes that are not a canonical encoding.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ended before the value did.
    #[error("truncated: {field} needs {needed} more bytes, {available} left")]
    Truncated {
        /// What was being read.
        field: &'static str,
        /// Bytes it needs.
        needed: u64,
        /// Bytes that were left.
        available: usize,
    },
    /// A length field is above the limit for that field.
    #[error("{field} is {len} long, the limit is {max}")]
    TooLong {
        /// What was being read.
        field: &'static str,
        /// The declared length.
        len: u64,
        /// The limit.
        max: u64,
    },
    /// Bytes remain after the value.
    #[error("{n_bytes} trailing bytes after the value")]
    TrailingBytes {
        /// How many bytes are left over.
        n_bytes: usize,
    },
    /// A version byte this implementation does not know.
    #[error("unknown {what} version {version}")]
    UnknownVersion {
        /// Which encoding.
        what: &'static str,
        /// The version byte found.
        version: u8,
    },
    /// A tag byte that names no variant.
    #[error("unknown {what} tag {tag}")]
    UnknownTag {
        /// Which field.
        what: &'static str,
        /// The tag byte found.
        tag: u8,
    },
    /// Text that is not UTF-8.
    #[error("{field} is not UTF-8")]
    NotUtf8 {
        /// What was being read.
        field: &'static str,
    },
    /// Text that is not hex.
    #[error("not hex: {0}")]
    NotHex(#[from] hex::FromHexError),
    /// A decoded value that breaks a rule of its type.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// What was being read.
        field: &'static str,
        /// The rule it breaks.
        reason: &'static str,
    },
}

/// Reads a canonical encoding front to back.
#[derive(Debug)]
pub(crate) struct Decoder<'a> {
    rest: &'a [u8],
}

impl<'a> Decoder<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    fn take(&mut self, field: &'static str, n_bytes: u64) -> Result<&'a [u8], DecodeError> {
        let Some(n_bytes_usize) = usize::try_from(n_bytes)
            .ok()
            .filter(|n| *n <= self.rest.len())
        else {
            return Err(DecodeError::Truncated {
                field,
                needed: n_bytes,
                available: self.rest.len(),
            });
        };
        let (head, tail) = self.rest.split_at(n_bytes_usize);
        self.rest = tail;
        Ok(head)
    }

    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        Ok(self.take(field, 1)?[0])
    }

    pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        let bytes = self.take(field, 4)?;
        Ok(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    pub(crate) fn u64(&mut self, field: &'static str) -> Result<u64, DecodeError> {
        let mut array = [0u8; 8];
        array.copy_from_slice(self.take(field, 8)?);
        Ok(u64::from_be_bytes(array))
    }

    pub(crate) fn hash(&mut self, field: &'static str) -> Result<Hash, DecodeError> {
        let mut array = [0u8; 32];
        array.copy_from_slice(self.take(field, 32)?);
        Ok(Hash::new(array))
    }

    /// Reads `u32(len) || bytes` with `len <= max_len`.
    pub(crate) fn bytes(
        &mut self,
        field: &'static str,
        max_len: usize,
    ) -> Result<&'a [u8], DecodeError> {
        let len = self.u32(field)?;
        if u64::from(len) > max_len as u64 {
            return Err(DecodeError::TooLong {
                field,
                len: u64::from(len),
                max: max_len as u64,
            });
        }
        self.take(field, u64::from(len))
    }

    pub(crate) fn string(
        &mut self,
        field: &'static str,
        max_len: usize,
    ) -> Result<String, DecodeError> {
        let bytes = self.bytes(field, max_len)?;
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(text.to_owned()),
            Err(_) => Err(DecodeError::NotUtf8 { field }),
        }
    }

    /// Bytes not read yet.
    pub(crate) fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// Fails unless every byte was read.
    pub(crate) fn finish(self) -> Result<(), DecodeError> {
        if !self.rest.is_empty() {
            return Err(DecodeError::TrailingBytes {
                n_bytes: self.rest.len(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primitives_round_trip_and_bounds_hold() {
        let mut buffer = Vec::new();
        put_u8(&mut buffer, 7);
        put_u32(&mut buffer, 0x0102_0304);
        put_u64(&mut buffer, u64::MAX - 1);
        put_str(&mut buffer, "dé");
        put_hash(&mut buffer, &Hash::new([9; 32]));
        assert_eq!(&buffer[1..5], &[1, 2, 3, 4]);

        let mut decoder = Decoder::new(&buffer);
        assert_eq!(decoder.u8("a"), Ok(7));
        assert_eq!(decoder.u32("b"), Ok(0x0102_0304));
        assert_eq!(decoder.u64("c"), Ok(u64::MAX - 1));
        assert_eq!(decoder.string("d", 3), Ok("dé".to_owned()));
        assert_eq!(decoder.hash("e"), Ok(Hash::new([9; 32])));
        assert_eq!(decoder.finish(), Ok(()));

        let mut decoder = Decoder::new(&buffer[13..]);
        assert_eq!(
            decoder.string("d", 2),
            Err(DecodeError::TooLong {
                field: "d",
                len: 3,
                max: 2
            })
        );
        let mut decoder = Decoder::new(&buffer[..3]);
        assert_eq!(
            decoder.u32("x"),
            Err(DecodeError::Truncated {
                field: "x",
                needed: 4,
                available: 3
            })
        );
        assert_eq!(
            Decoder::new(&[1]).finish(),
            Err(DecodeError::TrailingBytes { n_bytes: 1 })
        );
    }
}
