//! safetensors: `u64` little-endian header length, a JSON header, then one data buffer.
//!
//! Only the header is read into memory (at most 100 MB, the `safetensors` crate's own limit);
//! it is parsed and validated by the `safetensors` crate (dtypes, shapes, and offsets that
//! tile the data buffer exactly), then tensors are hashed by offset. A name given twice in the
//! JSON keeps its last entry (serde's map semantics), which leaves a gap in the data buffer
//! that validation refuses.

use std::path::Path;

use safetensors::tensor::Metadata;

use super::reader::HeaderReader;
use super::tensor::{MAX_RANK, MAX_TENSOR_NAME_LEN, TensorData, TensorInfo, TensorSource};
use super::{Dtype, WeightsError};

/// Largest JSON header accepted, as in the `safetensors` crate.
const MAX_HEADER_LEN: u64 = 100_000_000;

/// The tensors of a safetensors file, in offset order.
pub(crate) fn read_tensors(path: &Path) -> Result<Vec<TensorSource>, WeightsError> {
    let mut reader = HeaderReader::open(path, "safetensors")?;
    let header_len = reader.u64_le("header length")?;
    if header_len > MAX_HEADER_LEN {
        return Err(WeightsError::LimitExceeded {
            path: path.to_path_buf(),
            what: "safetensors header length",
            value: header_len,
            max: MAX_HEADER_LEN,
        });
    }
    let header = reader.bytes("JSON header", header_len)?;
    let metadata: Metadata =
        serde_json::from_slice(&header).map_err(|source| WeightsError::SafetensorsHeader {
            path: path.to_path_buf(),
            source,
        })?;
    let data_start = 8 + header_len;
    let data_len = metadata.data_len() as u64;
    let file_len = reader.file_len();
    if data_start + data_len != file_len {
        return Err(WeightsError::SizeMismatch {
            path: path.to_path_buf(),
            tensor: "(data buffer)".into(),
            expected: data_start + data_len,
            actual: file_len,
        });
    }
    let mut tensors = Vec::new();
    for name in metadata.offset_keys() {
        let Some(info) = metadata.info(&name) else {
            continue;
        };
        if name.len() > MAX_TENSOR_NAME_LEN {
            return Err(WeightsError::LimitExceeded {
                path: path.to_path_buf(),
                what: "tensor name length",
                value: name.len() as u64,
                max: MAX_TENSOR_NAME_LEN as u64,
            });
        }
        if info.shape.len() > MAX_RANK {
            return Err(WeightsError::BadShape {
                path: path.to_path_buf(),
                tensor: name,
                reason: format!("{} dimensions, the limit is {MAX_RANK}", info.shape.len()),
            });
        }
        let dtype_name = info.dtype.to_string();
        let Some(dtype) = Dtype::from_name(&dtype_name) else {
            return Err(WeightsError::UnsupportedDtype {
                path: path.to_path_buf(),
                tensor: name,
                dtype: dtype_name,
            });
        };
        let (begin, end) = info.data_offsets;
        tensors.push(TensorSource {
            info: TensorInfo {
                name,
                dtype,
                shape: info
                    .shape
                    .iter()
                    .map(|dimension| *dimension as u64)
                    .collect(),
                n_bytes: (end - begin) as u64,
            },
            data: TensorData::Raw {
                offset: data_start + begin as u64,
            },
        });
    }
    Ok(tensors)
}
