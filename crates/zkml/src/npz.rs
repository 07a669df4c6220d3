//! Reading `.npz` archives (NumPy's zip of `.npy` files) of test inputs and reference outputs.
//!
//! Only what the test sets need: stored or deflated zip members, and little-endian C-order
//! `f4`, `f8`, `i8` arrays of NumPy format 1.0 to 3.0. Every size is checked before use.

use std::collections::BTreeMap;

/// The largest decompressed member accepted (256 MiB).
const MAX_MEMBER: usize = 256 << 20;

/// One array.
#[derive(Clone, Debug, PartialEq)]
pub struct NpyArray {
    /// Its shape.
    pub shape: Vec<usize>,
    /// Its values, row-major, widened to `f64` (`i8` arrays must fit 53 bits).
    pub values: Vec<f64>,
}

/// An archive that cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("npz: {0}")]
pub struct NpzError(String);

fn err(message: impl Into<String>) -> NpzError {
    NpzError(message.into())
}

/// Reads every array of an `.npz` archive, keyed by name without the `.npy` suffix.
pub fn read_npz(bytes: &[u8]) -> Result<BTreeMap<String, NpyArray>, NpzError> {
    // The end-of-central-directory record is 22 bytes plus a comment of at most 64 KiB.
    let eocd = (0..=bytes.len().saturating_sub(22))
        .rev()
        .take(22 + 0xffff)
        .find(|&i| bytes[i..].starts_with(b"PK\x05\x06"))
        .ok_or_else(|| err("no zip end-of-central-directory record"))?;
    let n_entries = usize::from(le16(bytes, eocd + 10)?);
    let mut pos = le32(bytes, eocd + 16)? as usize;
    let mut arrays = BTreeMap::new();
    for _ in 0..n_entries {
        if !bytes
            .get(pos..)
            .is_some_and(|b| b.starts_with(b"PK\x01\x02"))
        {
            return Err(err("bad central directory entry"));
        }
        let method = le16(bytes, pos + 10)?;
        let compressed = le32(bytes, pos + 20)? as usize;
        let uncompressed = le32(bytes, pos + 24)? as usize;
        let name_len = usize::from(le16(bytes, pos + 28)?);
        let extra_len = usize::from(le16(bytes, pos + 30)?);
        let comment_len = usize::from(le16(bytes, pos + 32)?);
        let local = le32(bytes, pos + 42)? as usize;
        let name = bytes
            .get(pos + 46..pos + 46 + name_len)
            .ok_or_else(|| err("truncated member name"))?;
        let name = String::from_utf8_lossy(name).into_owned();
        pos += 46 + name_len + extra_len + comment_len;

        if !bytes
            .get(local..)
            .is_some_and(|b| b.starts_with(b"PK\x03\x04"))
        {
            return Err(err(format!("bad local header for `{name}`")));
        }
        let data_start = local
            + 30
            + usize::from(le16(bytes, local + 26)?)
            + usize::from(le16(bytes, local + 28)?);
        let data = bytes
            .get(data_start..data_start.saturating_add(compressed))
            .ok_or_else(|| err(format!("member `{name}` runs past the archive")))?;
        if uncompressed > MAX_MEMBER {
            return Err(err(format!(
                "member `{name}` is larger than {MAX_MEMBER} bytes"
            )));
        }
        let npy = match method {
            0 => data.to_vec(),
            8 => miniz_oxide::inflate::decompress_to_vec_with_limit(data, MAX_MEMBER)
                .map_err(|e| err(format!("member `{name}` does not inflate: {e:?}")))?,
            other => {
                return Err(err(format!(
                    "member `{name}` uses compression method {other}"
                )));
            }
        };
        if npy.len() != uncompressed {
            return Err(err(format!("member `{name}` has the wrong length")));
        }
        let key = name.strip_suffix(".npy").unwrap_or(&name).to_owned();
        arrays.insert(
            key,
            read_npy(&npy).map_err(|e| err(format!("`{name}`: {}", e.0)))?,
        );
    }
    Ok(arrays)
}

/// Reads one `.npy` file.
pub fn read_npy(bytes: &[u8]) -> Result<NpyArray, NpzError> {
    if !bytes.starts_with(b"\x93NUMPY") || bytes.len() < 10 {
        return Err(err("not an npy file"));
    }
    let (header_len, header_start) = match bytes[6] {
        1 => (usize::from(le16(bytes, 8)?), 10),
        2 | 3 => (le32(bytes, 8)? as usize, 12),
        v => return Err(err(format!("npy format version {v}"))),
    };
    let header = bytes
        .get(header_start..header_start + header_len)
        .ok_or_else(|| err("truncated header"))?;
    let header = std::str::from_utf8(header).map_err(|_| err("header is not text"))?;
    let descr = dict_value(header, "descr").ok_or_else(|| err("no descr"))?;
    if dict_value(header, "fortran_order").is_none_or(|v| v != "False") {
        return Err(err("only C-order arrays are read"));
    }
    let shape_text = header
        .split_once("'shape':")
        .and_then(|(_, rest)| rest.split_once('('))
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(inside, _)| inside)
        .ok_or_else(|| err("no shape"))?;
    let shape = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>().map_err(|_| err("bad shape")))
        .collect::<Result<Vec<_>, _>>()?;
    let n = shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| err("shape overflows"))?;
    let data = &bytes[header_start + header_len..];
    let width = match descr.as_str() {
        "<f4" => 4,
        "<f8" | "<i8" => 8,
        other => return Err(err(format!("dtype {other} is not read"))),
    };
    if n.checked_mul(width) != Some(data.len()) {
        return Err(err(format!(
            "{} data bytes for shape {shape:?}",
            data.len()
        )));
    }
    let values = match descr.as_str() {
        "<f4" => data
            .chunks_exact(4)
            .map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            .collect(),
        "<f8" => data
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect(),
        _ => data
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) as f64)
            .collect(),
    };
    Ok(NpyArray { shape, values })
}

fn dict_value(header: &str, key: &str) -> Option<String> {
    let (_, rest) = header.split_once(&format!("'{key}':"))?;
    let value = rest.trim_start().split([',', '}']).next()?.trim();
    Some(value.trim_matches('\'').to_owned())
}

fn le16(bytes: &[u8], at: usize) -> Result<u16, NpzError> {
    let b = bytes
        .get(at..at + 2)
        .ok_or_else(|| err("truncated archive"))?;
    Ok(u16::from_le_bytes([b[0], b[1]]))
}

fn le32(bytes: &[u8], at: usize) -> Result<u32, NpzError> {
    let b = bytes
        .get(at..at + 4)
        .ok_or_else(|| err("truncated archive"))?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}
