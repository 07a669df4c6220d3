//! SHA-256 digests: the [`Hash`] type, its hex form, and streaming file hashing.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::str::FromStr;

use sha2::{Digest as _, Sha256};
use thiserror::Error;

use crate::progress::ProgressCounter;

/// Size of the buffers files are read with: large reads keep the hash, not the system calls,
/// the bottleneck.
pub const READ_BUFFER_LEN: usize = 1 << 20;

/// A SHA-256 digest (a file's content hash, a leaf hash, a Merkle root).
///
/// `Display` and `FromStr` use 64 lowercase hex digits; `FromStr` also accepts uppercase.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hash([u8; 32]);

impl Hash {
    /// Length of a digest in bytes.
    pub const LEN: usize = 32;

    /// Wraps 32 bytes.
    pub const fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The digest's bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The digest as 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses 64 hex digits.
    pub fn from_hex(text: &str) -> Result<Self, HashParseError> {
        let mut bytes = [0u8; 32];
        if text.len() != 64 {
            return Err(HashParseError::Length {
                n_chars: text.len(),
            });
        }
        hex::decode_to_slice(text, &mut bytes).map_err(|_| HashParseError::NotHex)?;
        Ok(Self(bytes))
    }
}

impl AsRef<[u8]> for Hash {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<[u8; 32]> for Hash {
    fn from(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl FromStr for Hash {
    type Err = HashParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::from_hex(text)
    }
}

/// Text that is not a hex SHA-256 digest.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum HashParseError {
    /// Not 64 characters long.
    #[error("a SHA-256 digest is 64 hex digits, got {n_chars} characters")]
    Length {
        /// The length of the text, in bytes.
        n_chars: usize,
    },
    /// A character is not a hex digit.
    #[error("a SHA-256 digest is 64 hex digits, found a non-hex character")]
    NotHex,
}

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> Hash {
    Hash(Sha256::digest(bytes).into())
}

/// Finalizes a hasher into a [`Hash`].
pub(crate) fn finish(hasher: Sha256) -> Hash {
    Hash(hasher.finalize().into())
}

/// Streams `reader` to its end through SHA-256 with a [`READ_BUFFER_LEN`] buffer, returning
/// the digest and the number of bytes read.
pub(crate) fn sha256_reader(
    reader: &mut impl Read,
    progress: &ProgressCounter<'_>,
) -> io::Result<(Hash, u64)> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; READ_BUFFER_LEN];
    let mut n_bytes = 0u64;
    loop {
        let n_read = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n_read) => n_read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        hasher.update(&buffer[..n_read]);
        n_bytes += n_read as u64;
        progress.add(n_read as u64);
    }
    Ok((finish(hasher), n_bytes))
}

/// Streams the whole file at `file` through SHA-256.
pub(crate) fn sha256_file(
    file: &mut File,
    progress: &ProgressCounter<'_>,
) -> io::Result<(Hash, u64)> {
    sha256_reader(file, progress)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_rejects_bad_text() {
        let hash = sha256(b"abc");
        assert_eq!(
            hash.to_string(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(hash.to_string().parse::<Hash>(), Ok(hash));
        assert_eq!(hash.to_string().to_uppercase().parse::<Hash>(), Ok(hash));
        assert_eq!(
            "abc".parse::<Hash>(),
            Err(HashParseError::Length { n_chars: 3 })
        );
        assert_eq!("g".repeat(64).parse::<Hash>(), Err(HashParseError::NotHex));
    }
}
