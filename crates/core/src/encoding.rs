//! Small helpers for the canonical encoding of strings.

use bytes::BufMut;
use commonware_codec::Buf;
use commonware_codec::{EncodeSize, Error, RangeCfg, Read, Write};

/// Writes a UTF-8 string as a length-prefixed byte string.
pub fn write_string(value: &str, buf: &mut impl BufMut) {
    value.len().write(buf);
    buf.put_slice(value.as_bytes());
}

/// The encoded size of a string written by [`write_string`].
pub fn string_encode_size(value: &str) -> usize {
    value.len().encode_size() + value.len()
}

/// Reads a string written by [`write_string`], at most `max_len` bytes, rejecting invalid UTF-8.
pub fn read_string(
    buf: &mut impl Buf,
    max_len: usize,
    what: &'static str,
) -> Result<String, Error> {
    let len = usize::read_cfg(buf, &RangeCfg::new(0..=max_len))?;
    if buf.remaining() < len {
        return Err(Error::EndOfBuffer);
    }
    let mut bytes = vec![0u8; len];
    buf.copy_to_slice(&mut bytes);
    String::from_utf8(bytes).map_err(|_| Error::Invalid(what, "not valid UTF-8"))
}
