//! Bounds-checked sequential reading of a file's header, and hashing of byte ranges.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use sha2::Sha256;

use super::WeightsError;
use crate::hash::{Hash, sha256_reader};
use crate::progress::ProgressCounter;

/// Buffer for header parsing: headers are read in small pieces with seeks over tensor data.
const HEADER_BUFFER_LEN: usize = 64 << 10;

/// Reads a header front to back; every read is checked against the file's length first, so a
/// corrupt length field can neither read past the end nor allocate more than the file holds.
#[derive(Debug)]
pub(crate) struct HeaderReader {
    reader: BufReader<File>,
    offset: u64,
    file_len: u64,
    path: PathBuf,
    format: &'static str,
}

impl HeaderReader {
    pub(crate) fn open(path: &Path, format: &'static str) -> Result<Self, WeightsError> {
        let file = File::open(path).map_err(WeightsError::io(path))?;
        let file_len = file.metadata().map_err(WeightsError::io(path))?.len();
        Ok(Self {
            reader: BufReader::with_capacity(HEADER_BUFFER_LEN, file),
            offset: 0,
            file_len,
            path: path.to_path_buf(),
            format,
        })
    }

    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    pub(crate) fn file_len(&self) -> u64 {
        self.file_len
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes between the current offset and the end of the file.
    pub(crate) fn remaining(&self) -> u64 {
        self.file_len.saturating_sub(self.offset)
    }

    /// Fails unless `n_bytes` more bytes are in the file.
    pub(crate) fn need(&self, what: &'static str, n_bytes: u64) -> Result<(), WeightsError> {
        if n_bytes > self.remaining() {
            return Err(WeightsError::Truncated {
                path: self.path.clone(),
                what,
                offset: self.offset,
                needed: n_bytes,
                file_len: self.file_len,
            });
        }
        Ok(())
    }

    pub(crate) fn array<const N: usize>(
        &mut self,
        what: &'static str,
    ) -> Result<[u8; N], WeightsError> {
        self.need(what, N as u64)?;
        let mut bytes = [0u8; N];
        self.reader
            .read_exact(&mut bytes)
            .map_err(WeightsError::io(&self.path))?;
        self.offset += N as u64;
        Ok(bytes)
    }

    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, WeightsError> {
        Ok(self.array::<1>(what)?[0])
    }

    pub(crate) fn u32_le(&mut self, what: &'static str) -> Result<u32, WeightsError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    pub(crate) fn u64_le(&mut self, what: &'static str) -> Result<u64, WeightsError> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    /// Reads `n_bytes` bytes, after checking that the file has them.
    pub(crate) fn bytes(
        &mut self,
        what: &'static str,
        n_bytes: u64,
    ) -> Result<Vec<u8>, WeightsError> {
        self.need(what, n_bytes)?;
        let mut bytes = Vec::new();
        (&mut self.reader)
            .take(n_bytes)
            .read_to_end(&mut bytes)
            .map_err(WeightsError::io(&self.path))?;
        if bytes.len() as u64 != n_bytes {
            return Err(self.changed());
        }
        self.offset += n_bytes;
        Ok(bytes)
    }

    /// Streams `n_bytes` bytes into `hasher` in buffer-sized pieces.
    pub(crate) fn feed(
        &mut self,
        what: &'static str,
        n_bytes: u64,
        hasher: &mut Sha256,
    ) -> Result<(), WeightsError> {
        self.need(what, n_bytes)?;
        let mut chunk = (&mut self.reader).take(n_bytes);
        let n_read = feed_reader(&mut chunk, hasher).map_err(WeightsError::io(&self.path))?;
        if n_read != n_bytes {
            return Err(self.changed());
        }
        self.offset += n_bytes;
        Ok(())
    }

    /// Skips `n_bytes` bytes, after checking that the file has them.
    pub(crate) fn skip(&mut self, what: &'static str, n_bytes: u64) -> Result<(), WeightsError> {
        self.need(what, n_bytes)?;
        let Ok(delta) = i64::try_from(n_bytes) else {
            return Err(self.malformed(format!("{what}: cannot skip {n_bytes} bytes")));
        };
        self.reader
            .seek_relative(delta)
            .map_err(WeightsError::io(&self.path))?;
        self.offset += n_bytes;
        Ok(())
    }

    /// Moves to an absolute offset inside the file.
    pub(crate) fn seek_to(&mut self, offset: u64) -> Result<(), WeightsError> {
        if offset > self.file_len {
            return Err(self.malformed(format!("offset {offset} is past the end of the file")));
        }
        self.reader
            .seek(SeekFrom::Start(offset))
            .map_err(WeightsError::io(&self.path))?;
        self.offset = offset;
        Ok(())
    }

    /// A [`WeightsError::Malformed`] at the current offset.
    pub(crate) fn malformed(&self, reason: impl Into<String>) -> WeightsError {
        WeightsError::Malformed {
            path: self.path.clone(),
            format: self.format,
            offset: self.offset,
            reason: reason.into(),
        }
    }

    fn changed(&self) -> WeightsError {
        WeightsError::FileChanged {
            path: self.path.clone(),
            reason: "it ended earlier than its size said".into(),
        }
    }
}

/// SHA-256 of `n_bytes` bytes at `offset` in the file at `path`, streamed.
pub(crate) fn hash_file_range(
    path: &Path,
    offset: u64,
    n_bytes: u64,
    progress: &ProgressCounter<'_>,
) -> Result<Hash, WeightsError> {
    let mut file = File::open(path).map_err(WeightsError::io(path))?;
    file.seek(SeekFrom::Start(offset))
        .map_err(WeightsError::io(path))?;
    let (hash, n_read) =
        sha256_reader(&mut file.take(n_bytes), progress).map_err(WeightsError::io(path))?;
    if n_read != n_bytes {
        return Err(WeightsError::FileChanged {
            path: path.to_path_buf(),
            reason: format!("{n_bytes} bytes expected at offset {offset}, {n_read} read"),
        });
    }
    Ok(hash)
}

/// Copies a reader to its end into a hasher; returns the number of bytes read.
fn feed_reader(reader: &mut impl Read, hasher: &mut Sha256) -> std::io::Result<u64> {
    use sha2::Digest as _;
    let mut buffer = [0u8; 16 << 10];
    let mut n_read_total = 0u64;
    loop {
        let n_read = match reader.read(&mut buffer) {
            Ok(0) => return Ok(n_read_total),
            Ok(n_read) => n_read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        hasher.update(&buffer[..n_read]);
        n_read_total += n_read as u64;
    }
}
