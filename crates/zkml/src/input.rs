//! Inputs in the JSON shape EZKL uses: `{"input_data": [[x0, x1, ...]]}`, one flattened list per
//! model input (calibration files put several samples back to back in that one list).

/// An input file that cannot be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// Not JSON of the expected shape.
    #[error("input JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Not exactly one input tensor.
    #[error("input JSON has {0} input tensors; the model takes one")]
    TensorCount(usize),
    /// The values do not split into whole samples.
    #[error("{found} input values are not a whole number of samples of {sample_len}")]
    Length {
        /// Values in the file.
        found: usize,
        /// Values per sample.
        sample_len: usize,
    },
    /// A value that is not finite in `f32`.
    #[error("input value {0} is not a finite f32")]
    NonFinite(f64),
}

#[derive(serde::Deserialize)]
struct InputFile {
    input_data: Vec<Vec<f64>>,
}

/// Parses an EZKL-style input file into samples of `sample_len` values each.
pub fn parse_samples(json: &[u8], sample_len: usize) -> Result<Vec<Vec<f32>>, InputError> {
    let file: InputFile = serde_json::from_slice(json)?;
    let [values] = file.input_data.as_slice() else {
        return Err(InputError::TensorCount(file.input_data.len()));
    };
    if sample_len == 0 || values.is_empty() || values.len() % sample_len != 0 {
        return Err(InputError::Length {
            found: values.len(),
            sample_len,
        });
    }
    let mut samples = Vec::with_capacity(values.len() / sample_len);
    for chunk in values.chunks_exact(sample_len) {
        let sample = chunk
            .iter()
            .map(|&v| {
                let x = v as f32;
                if x.is_finite() {
                    Ok(x)
                } else {
                    Err(InputError::NonFinite(v))
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        samples.push(sample);
    }
    Ok(samples)
}
