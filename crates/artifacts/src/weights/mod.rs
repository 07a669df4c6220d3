//! Model weight hashing: the SHA-256 of each file, and a per-tensor Merkle root that does not
//! depend on the file format's layout, header order, metadata, padding or sharding.
//!
//! # Two identities
//!
//! - **File digests** ([`ModelFile::sha256`]): the plain SHA-256 of each file, what OpenSSF
//!   Model Signing and the Hugging Face Hub (LFS object ids) use.
//! - **Tensor root** ([`ModelDigest::tensor_root`]): an RFC 6962 root over one leaf per tensor
//!   ([`TensorLeaf`]: name, [`Dtype`], shape, SHA-256 of the raw little-endian bytes), leaves
//!   sorted by name. The same tensors give the same root whether they are stored as
//!   safetensors, GGUF or ONNX, in one file or in shards, with any metadata or alignment. A
//!   name appearing twice (in one file or across shards) is an error.
//!
//! # Formats
//!
//! - safetensors (via the `safetensors` crate's header validation; `safetensors` module docs).
//! - GGUF v2 and v3 (own parser; supported GGML types listed in [`Dtype`]).
//! - ONNX initializers (own streaming protobuf reader; see the `onnx` module docs for what is
//!   read and refused, and why not prost).
//!
//! The format comes from the extension (`.safetensors`, `.gguf`, `.onnx`), or else from the
//! first bytes ([`WeightFormat::detect`]).
//!
//! # Resources
//!
//! Headers are parsed with bounds checks against the file size (a corrupt length can neither
//! read out of the file nor size an allocation); tensor bytes are then streamed from their file
//! offsets with 1 MiB reads. Memory is `O(threads × buffer + number of tensors)` for every
//! format, ONNX included, whatever the model's size. Files and tensors are hashed on
//! [`ModelOptions::threads`] threads; each file is read twice (once whole for its SHA-256,
//! once tensor by tensor), concurrently, so the second read usually hits the page cache.

mod dtype;
mod error;
mod gguf;
mod onnx;
mod proof;
mod protobuf;
mod reader;
mod safetensors;
mod tensor;

pub use dtype::Dtype;
pub use error::WeightsError;
pub use proof::TensorProof;
pub use tensor::{MAX_RANK, MAX_TENSOR_NAME_LEN, TENSOR_LEAF_TAG, TensorInfo, TensorLeaf};

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

use tensor::{TensorData, TensorSource};

use crate::hash::{Hash, sha256_file};
use crate::merkle::{InclusionProof, merkle_root};
use crate::parallel::map_in_order;
use crate::progress::{Progress, ProgressCounter};

/// A weight file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum WeightFormat {
    /// Hugging Face safetensors.
    Safetensors,
    /// GGML's GGUF.
    Gguf,
    /// ONNX (weights as graph initializers).
    Onnx,
}

impl WeightFormat {
    /// The format's usual name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Safetensors => "safetensors",
            Self::Gguf => "gguf",
            Self::Onnx => "onnx",
        }
    }

    /// The format of the file at `path`: from its extension, or else from its first bytes
    /// (`GGUF` magic; a safetensors header length followed by `{`).
    pub fn detect(path: &Path) -> Result<Self, WeightsError> {
        let extension = path
            .extension()
            .and_then(|extension| extension.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("safetensors") => return Ok(Self::Safetensors),
            Some("gguf") => return Ok(Self::Gguf),
            Some("onnx") => return Ok(Self::Onnx),
            _ => {}
        }
        let mut start = [0u8; 9];
        let mut file = File::open(path).map_err(WeightsError::io(path))?;
        let mut n_read = 0;
        while n_read < start.len() {
            match file
                .read(&mut start[n_read..])
                .map_err(WeightsError::io(path))?
            {
                0 => break,
                n => n_read += n,
            }
        }
        if n_read >= 4 && start[..4] == gguf::GGUF_MAGIC {
            return Ok(Self::Gguf);
        }
        if n_read == 9 && start[8] == b'{' {
            return Ok(Self::Safetensors);
        }
        Err(WeightsError::UnknownFormat {
            path: path.to_path_buf(),
        })
    }
}

/// The tensors a weight file declares (no tensor bytes are read), in file order.
pub fn list_tensors(path: &Path) -> Result<(WeightFormat, Vec<TensorInfo>), WeightsError> {
    let format = WeightFormat::detect(path)?;
    let tensors = read_tensor_sources(path, format)?;
    Ok((
        format,
        tensors.into_iter().map(|source| source.info).collect(),
    ))
}

fn read_tensor_sources(
    path: &Path,
    format: WeightFormat,
) -> Result<Vec<TensorSource>, WeightsError> {
    match format {
        WeightFormat::Safetensors => safetensors::read_tensors(path),
        WeightFormat::Gguf => gguf::read_tensors(path),
        WeightFormat::Onnx => onnx::read_tensors(path),
    }
}

/// The weight files directly inside `dir` (`.safetensors`, `.gguf`, `.onnx`), sorted by name:
/// the shards of one model, for example.
pub fn weight_files_in(dir: &Path) -> Result<Vec<PathBuf>, WeightsError> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).map_err(WeightsError::io(dir))? {
        let path = entry.map_err(WeightsError::io(dir))?.path();
        let is_weight_file = path
            .extension()
            .and_then(|extension| extension.to_str())
            .is_some_and(|extension| {
                ["safetensors", "gguf", "onnx"]
                    .iter()
                    .any(|known| extension.eq_ignore_ascii_case(known))
            });
        if is_weight_file && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// How to hash a model.
#[derive(Debug, Clone, Default)]
pub struct ModelOptions {
    /// Worker threads; 0 means one per available core.
    pub threads: usize,
}

/// One file of a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelFile {
    /// The path as given.
    pub path: PathBuf,
    /// Its format.
    pub format: WeightFormat,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the whole file.
    pub sha256: Hash,
}

/// The identities of a model (one file or several shards).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelDigest {
    /// The files, in the order given.
    pub files: Vec<ModelFile>,
    /// Every tensor, sorted by name: the leaves of the tensor tree.
    pub tensors: Vec<TensorLeaf>,
    /// RFC 6962 root over the tensors' leaf hashes.
    pub tensor_root: Hash,
}

impl ModelDigest {
    /// The tensor named `name`.
    pub fn tensor(&self, name: &str) -> Option<&TensorLeaf> {
        self.position(name).map(|position| &self.tensors[position])
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.tensors
            .binary_search_by(|leaf| leaf.name.as_str().cmp(name))
            .ok()
    }

    /// The proof that tensor `name` is part of this model (no I/O).
    pub fn prove_tensor(&self, name: &str) -> Result<TensorProof, WeightsError> {
        let Some(position) = self.position(name) else {
            return Err(WeightsError::TensorNotFound {
                name: name.to_owned(),
            });
        };
        let leaves: Vec<Hash> = self.tensors.iter().map(TensorLeaf::leaf_hash).collect();
        let inclusion = InclusionProof::generate(&leaves, position as u64)?;
        Ok(TensorProof {
            leaf: self.tensors[position].clone(),
            inclusion,
        })
    }
}

/// The tensor root over `tensors` (sorted here by name), or `None` if there are none.
pub fn tensor_root(tensors: &[TensorLeaf]) -> Option<Hash> {
    let mut sorted: Vec<&TensorLeaf> = tensors.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    merkle_root(sorted.into_iter().map(TensorLeaf::leaf_hash))
}

/// A unit of hashing work.
enum Job<'a> {
    WholeFile {
        file_index: usize,
    },
    Tensor {
        file_index: usize,
        source: &'a TensorSource,
    },
}

enum JobOutput {
    WholeFile { sha256: Hash, size: u64 },
    Tensor(TensorLeaf),
}

struct ParsedFile {
    path: PathBuf,
    format: WeightFormat,
    size: u64,
    tensors: Vec<TensorSource>,
}

/// Hashes a model made of the files at `paths` (one file, or all shards of one model).
pub fn hash_model(
    paths: &[PathBuf],
    options: &ModelOptions,
    progress: &dyn Progress,
) -> Result<ModelDigest, WeightsError> {
    let parsed = map_in_order(paths, options.threads, |path| {
        let format = WeightFormat::detect(path)?;
        let size = fs::metadata(path).map_err(WeightsError::io(path))?.len();
        let tensors = read_tensor_sources(path, format)?;
        Ok::<_, WeightsError>(ParsedFile {
            path: path.clone(),
            format,
            size,
            tensors,
        })
    })?;

    let mut owners: BTreeMap<&str, usize> = BTreeMap::new();
    for (file_index, file) in parsed.iter().enumerate() {
        for source in &file.tensors {
            if let Some(first) = owners.insert(&source.info.name, file_index) {
                return Err(WeightsError::DuplicateTensor {
                    name: source.info.name.clone(),
                    first: parsed[first].path.clone(),
                    second: file.path.clone(),
                });
            }
        }
    }
    if owners.is_empty() {
        return Err(WeightsError::NoTensors);
    }

    // Whole files first: they are the longest jobs, so they start while tensors fill in.
    let mut jobs: Vec<Job<'_>> = (0..parsed.len())
        .map(|file_index| Job::WholeFile { file_index })
        .collect();
    for (file_index, file) in parsed.iter().enumerate() {
        jobs.extend(
            file.tensors
                .iter()
                .map(|source| Job::Tensor { file_index, source }),
        );
    }
    let total_bytes = parsed
        .iter()
        .map(|file| file.size + file.tensors.iter().map(|t| t.info.n_bytes).sum::<u64>())
        .sum();
    let counter = ProgressCounter::new(progress, total_bytes);
    let outputs = map_in_order(&jobs, options.threads, |job| {
        run_job(job, &parsed, &counter)
    })?;

    let mut files = Vec::with_capacity(parsed.len());
    let mut tensors = Vec::with_capacity(jobs.len() - parsed.len());
    for output in outputs {
        match output {
            JobOutput::WholeFile { sha256, size } => {
                let file = &parsed[files.len()];
                if size != file.size {
                    return Err(WeightsError::FileChanged {
                        path: file.path.clone(),
                        reason: format!("{} bytes when parsed, {size} when hashed", file.size),
                    });
                }
                files.push(ModelFile {
                    path: file.path.clone(),
                    format: file.format,
                    size,
                    sha256,
                });
            }
            JobOutput::Tensor(leaf) => tensors.push(leaf),
        }
    }
    tensors.sort_by(|a, b| a.name.cmp(&b.name));
    let Some(tensor_root) = merkle_root(tensors.iter().map(TensorLeaf::leaf_hash)) else {
        return Err(WeightsError::NoTensors);
    };
    Ok(ModelDigest {
        files,
        tensors,
        tensor_root,
    })
}

fn run_job(
    job: &Job<'_>,
    parsed: &[ParsedFile],
    progress: &ProgressCounter<'_>,
) -> Result<JobOutput, WeightsError> {
    match job {
        Job::WholeFile { file_index } => {
            let path = &parsed[*file_index].path;
            let mut file = File::open(path).map_err(WeightsError::io(path))?;
            let (sha256, size) =
                sha256_file(&mut file, progress).map_err(WeightsError::io(path))?;
            Ok(JobOutput::WholeFile { sha256, size })
        }
        Job::Tensor { file_index, source } => {
            let path = &parsed[*file_index].path;
            let sha256 = match &source.data {
                TensorData::Raw { offset } => {
                    reader::hash_file_range(path, *offset, source.info.n_bytes, progress)?
                }
                TensorData::OnnxTyped(typed) => {
                    onnx::hash_typed(path, &source.info.name, typed, progress)?
                }
            };
            Ok(JobOutput::Tensor(TensorLeaf {
                name: source.info.name.clone(),
                dtype: source.info.dtype,
                shape: source.info.shape.clone(),
                sha256,
            }))
        }
    }
}
