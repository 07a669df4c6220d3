//! GGUF (versions 2 and 3, little-endian): header, metadata key-value pairs, tensor infos, and
//! tensor data at aligned offsets.
//!
//! Metadata values are skipped (with bounds checks against the file size) except
//! `general.alignment`, which must be a `u32` power of two (default 32). Tensor dimensions are
//! stored innermost first (`ne[0]`); the leaf's shape is reversed to outermost first so that a
//! tensor has the same shape as in safetensors. Supported element types: see
//! [`Dtype::from_ggml`] (F32, F16, BF16, F64, I8–I64, and the quantized block types Q4_0, Q4_1,
//! Q5_0, Q5_1, Q8_0, Q2_K–Q8_K, IQ1_S/M, IQ2_XXS/XS/S, IQ3_XXS/S, IQ4_NL/XS, TQ1_0, TQ2_0,
//! MXFP4, NVFP4, Q1_0); a quantized tensor's innermost dimension must be a whole number of
//! blocks. Big-endian GGUF files and version 1 are refused.

use std::collections::BTreeSet;
use std::path::Path;

use super::reader::HeaderReader;
use super::tensor::{MAX_TENSOR_NAME_LEN, TensorData, TensorInfo, TensorSource};
use super::{Dtype, WeightsError};

/// The four bytes every GGUF file starts with.
pub(crate) const GGUF_MAGIC: [u8; 4] = *b"GGUF";
/// Alignment of tensor data when `general.alignment` is absent.
const DEFAULT_ALIGNMENT: u64 = 32;
/// Most dimensions a GGML tensor has (`GGML_MAX_DIMS`).
const MAX_GGML_DIMS: u32 = 4;
/// Longest metadata key accepted.
const MAX_KEY_LEN: u64 = 1 << 16;
/// Deepest nesting of metadata arrays accepted.
const MAX_ARRAY_DEPTH: u32 = 8;

const TYPE_UINT32: u32 = 4;
const TYPE_STRING: u32 = 8;
const TYPE_ARRAY: u32 = 9;

/// Byte size of a fixed-size metadata value type.
fn fixed_value_len(value_type: u32) -> Option<u64> {
    match value_type {
        0 | 1 | 7 => Some(1), // u8, i8, bool
        2 | 3 => Some(2),     // u16, i16
        4..=6 => Some(4),     // u32, i32, f32
        10..=12 => Some(8),   // u64, i64, f64
        _ => None,
    }
}

/// The tensors of a GGUF file, in the order of its tensor infos.
pub(crate) fn read_tensors(path: &Path) -> Result<Vec<TensorSource>, WeightsError> {
    let mut reader = HeaderReader::open(path, "GGUF")?;
    let magic = reader.array::<4>("magic")?;
    if magic != GGUF_MAGIC {
        return Err(WeightsError::BadMagic {
            path: path.to_path_buf(),
            found: magic,
        });
    }
    let version = reader.u32_le("version")?;
    if version != 2 && version != 3 {
        if matches!(version.swap_bytes(), 1..=3) {
            return Err(reader.malformed("big-endian GGUF files are not supported"));
        }
        return Err(WeightsError::UnsupportedVersion {
            path: path.to_path_buf(),
            format: "GGUF",
            version: u64::from(version),
        });
    }
    let n_tensors = reader.u64_le("tensor count")?;
    let n_kv = reader.u64_le("metadata count")?;
    // A tensor info takes at least 24 bytes and a key-value pair at least 12: counts beyond
    // what the file can hold are corrupt, and must not size an allocation.
    check_count(&reader, "tensor count", n_tensors, 24)?;
    check_count(&reader, "metadata count", n_kv, 12)?;

    let mut alignment = DEFAULT_ALIGNMENT;
    for _ in 0..n_kv {
        let key_len = reader.u64_le("metadata key length")?;
        if key_len > MAX_KEY_LEN {
            return Err(WeightsError::LimitExceeded {
                path: path.to_path_buf(),
                what: "metadata key length",
                value: key_len,
                max: MAX_KEY_LEN,
            });
        }
        let key = reader.bytes("metadata key", key_len)?;
        let value_type = reader.u32_le("metadata value type")?;
        if key == b"general.alignment" {
            if value_type != TYPE_UINT32 {
                return Err(reader.malformed(format!(
                    "general.alignment has value type {value_type}, not u32"
                )));
            }
            let value = u64::from(reader.u32_le("general.alignment")?);
            if value == 0 || !value.is_power_of_two() {
                return Err(
                    reader.malformed(format!("general.alignment {value} is not a power of two"))
                );
            }
            alignment = value;
        } else {
            skip_value(&mut reader, value_type, 0)?;
        }
    }

    let mut infos = Vec::with_capacity(n_tensors as usize);
    let mut names = BTreeSet::new();
    for _ in 0..n_tensors {
        let name = read_name(&mut reader)?;
        let n_dims = reader.u32_le("dimension count")?;
        if n_dims > MAX_GGML_DIMS {
            return Err(WeightsError::BadShape {
                path: path.to_path_buf(),
                tensor: name,
                reason: format!("{n_dims} dimensions, GGML has at most {MAX_GGML_DIMS}"),
            });
        }
        let mut ne = Vec::with_capacity(n_dims as usize);
        for _ in 0..n_dims {
            ne.push(reader.u64_le("dimension")?);
        }
        let type_id = reader.u32_le("tensor type")?;
        let offset = reader.u64_le("tensor offset")?;
        if !names.insert(name.clone()) {
            return Err(WeightsError::DuplicateTensor {
                name,
                first: path.to_path_buf(),
                second: path.to_path_buf(),
            });
        }
        infos.push((name, ne, type_id, offset));
    }

    let data_start = reader
        .offset()
        .checked_next_multiple_of(alignment)
        .ok_or_else(|| reader.malformed("data section offset overflows"))?;
    let file_len = reader.file_len();
    let mut tensors = Vec::with_capacity(infos.len());
    for (name, ne, type_id, offset) in infos {
        let Some(dtype) = Dtype::from_ggml(type_id) else {
            return Err(WeightsError::UnsupportedDtype {
                path: path.to_path_buf(),
                tensor: name,
                dtype: format!("ggml type {type_id}"),
            });
        };
        let bad_shape = |reason: String| WeightsError::BadShape {
            path: path.to_path_buf(),
            tensor: name.clone(),
            reason,
        };
        let n_elements = ne
            .iter()
            .try_fold(1u64, |product, dimension| product.checked_mul(*dimension))
            .ok_or_else(|| bad_shape(format!("{ne:?} overflows")))?;
        let (block_elements, _) = dtype.block();
        if ne.first().copied().unwrap_or(1) % block_elements != 0 {
            return Err(bad_shape(format!(
                "the innermost dimension of {ne:?} is not a multiple of {dtype}'s block of \
                 {block_elements}"
            )));
        }
        let n_bytes = dtype
            .n_bytes(n_elements)
            .ok_or_else(|| bad_shape(format!("{ne:?} of {dtype} overflows")))?;
        if offset % alignment != 0 {
            return Err(WeightsError::Misaligned {
                path: path.to_path_buf(),
                tensor: name,
                offset,
                alignment,
            });
        }
        let start = data_start.checked_add(offset);
        let end = start.and_then(|start| start.checked_add(n_bytes));
        let (Some(start), Some(end)) = (start, end) else {
            return Err(WeightsError::OutOfBounds {
                path: path.to_path_buf(),
                tensor: name,
                start: data_start.saturating_add(offset),
                end: u64::MAX,
                file_len,
            });
        };
        if end > file_len {
            return Err(WeightsError::OutOfBounds {
                path: path.to_path_buf(),
                tensor: name,
                start,
                end,
                file_len,
            });
        }
        tensors.push(TensorSource {
            info: TensorInfo {
                name,
                dtype,
                shape: ne.into_iter().rev().collect(),
                n_bytes,
            },
            data: TensorData::Raw { offset: start },
        });
    }
    Ok(tensors)
}

fn check_count(
    reader: &HeaderReader,
    what: &'static str,
    count: u64,
    min_entry_len: u64,
) -> Result<(), WeightsError> {
    let max = reader.remaining() / min_entry_len;
    if count > max {
        return Err(WeightsError::LimitExceeded {
            path: reader.path().to_path_buf(),
            what,
            value: count,
            max,
        });
    }
    Ok(())
}

fn read_name(reader: &mut HeaderReader) -> Result<String, WeightsError> {
    let len = reader.u64_le("tensor name length")?;
    if len > MAX_TENSOR_NAME_LEN as u64 {
        return Err(WeightsError::LimitExceeded {
            path: reader.path().to_path_buf(),
            what: "tensor name length",
            value: len,
            max: MAX_TENSOR_NAME_LEN as u64,
        });
    }
    let bytes = reader.bytes("tensor name", len)?;
    String::from_utf8(bytes).map_err(|_| reader.malformed("a tensor name is not UTF-8"))
}

/// Skips one metadata value of `value_type`.
fn skip_value(reader: &mut HeaderReader, value_type: u32, depth: u32) -> Result<(), WeightsError> {
    if let Some(len) = fixed_value_len(value_type) {
        return reader.skip("metadata value", len);
    }
    match value_type {
        TYPE_STRING => {
            let len = reader.u64_le("string length")?;
            reader.skip("string", len)
        }
        TYPE_ARRAY => {
            if depth >= MAX_ARRAY_DEPTH {
                return Err(reader.malformed(format!(
                    "metadata arrays nested deeper than {MAX_ARRAY_DEPTH}"
                )));
            }
            let element_type = reader.u32_le("array element type")?;
            let count = reader.u64_le("array length")?;
            if let Some(element_len) = fixed_value_len(element_type) {
                let Some(len) = count.checked_mul(element_len) else {
                    return Err(reader.malformed(format!("array of {count} elements overflows")));
                };
                return reader.skip("array", len);
            }
            // Strings and arrays take at least 8 bytes each (their length or header).
            check_count(reader, "array length", count, 8)?;
            for _ in 0..count {
                skip_value(reader, element_type, depth + 1)?;
            }
            Ok(())
        }
        other => Err(reader.malformed(format!("unknown metadata value type {other}"))),
    }
}
