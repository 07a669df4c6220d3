//! The protobuf wire format, read field by field from a file without loading it.
//!
//! Only what ONNX parsing needs: varints, tags, length-delimited spans and skipping. Every
//! length is checked against the enclosing message's end before it is used.

use super::WeightsError;
use super::reader::HeaderReader;

/// Wire type of varint fields.
pub(crate) const WIRE_VARINT: u8 = 0;
/// Wire type of fixed 64-bit fields.
pub(crate) const WIRE_FIXED64: u8 = 1;
/// Wire type of length-delimited fields (bytes, strings, messages, packed repeated fields).
pub(crate) const WIRE_LEN: u8 = 2;
/// Wire type of fixed 32-bit fields.
pub(crate) const WIRE_FIXED32: u8 = 5;

/// Reads a base-128 varint (at most 10 bytes, fitting 64 bits).
pub(crate) fn varint(reader: &mut HeaderReader) -> Result<u64, WeightsError> {
    let mut value = 0u64;
    for shift in (0..70).step_by(7) {
        let byte = reader.u8("varint")?;
        if shift == 63 && byte > 1 {
            return Err(reader.malformed("varint overflows 64 bits"));
        }
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(reader.malformed("varint longer than 10 bytes"))
}

/// Reads a field tag: (field number, wire type).
pub(crate) fn tag(reader: &mut HeaderReader) -> Result<(u64, u8), WeightsError> {
    let key = varint(reader)?;
    let field = key >> 3;
    if field == 0 || field > (1 << 29) - 1 {
        return Err(reader.malformed(format!("invalid field number {field}")));
    }
    Ok((field, (key & 7) as u8))
}

/// Reads a length prefix and returns the span `(start, end)` it covers, which must end by
/// `message_end`.
pub(crate) fn span(
    reader: &mut HeaderReader,
    message_end: u64,
) -> Result<(u64, u64), WeightsError> {
    let len = varint(reader)?;
    let start = reader.offset();
    match start.checked_add(len) {
        Some(end) if end <= message_end => Ok((start, end)),
        _ => Err(reader.malformed(format!(
            "a field of {len} bytes runs past the end of its message at byte {message_end}"
        ))),
    }
}

/// Skips the value of a field of `wire_type`, which must end by `message_end`.
pub(crate) fn skip_field(
    reader: &mut HeaderReader,
    wire_type: u8,
    message_end: u64,
) -> Result<(), WeightsError> {
    match wire_type {
        WIRE_VARINT => {
            varint(reader)?;
        }
        WIRE_FIXED64 => reader.skip("fixed64 field", 8)?,
        WIRE_LEN => {
            let (start, end) = span(reader, message_end)?;
            reader.skip("length-delimited field", end - start)?;
        }
        WIRE_FIXED32 => reader.skip("fixed32 field", 4)?,
        other => {
            return Err(reader.malformed(format!("wire type {other} (groups are not supported)")));
        }
    }
    if reader.offset() > message_end {
        return Err(reader.malformed("a field runs past the end of its message"));
    }
    Ok(())
}
