//! Fuzz-style property tests: random and mutated bytes fed to every parser must give `Ok` or a
//! precise error, never a panic, a hang or a huge allocation.

use std::fs;

use ailedger_artifacts::NoProgress;
use ailedger_artifacts::dataset::{
    DatasetMode, DatasetOptions, DatasetProof, Manifest, hash_dataset,
};
use ailedger_artifacts::weights::{ModelOptions, TensorProof, hash_model, list_tensors};
use proptest::prelude::*;

use crate::writers::{OnnxData, gguf_bytes, onnx_model, onnx_tensor, shared_tensors};

/// Parses `bytes` as a weight file of each format; hashes it if it parses.
fn parse_all_formats(bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    for extension in ["safetensors", "gguf", "onnx"] {
        let path = dir.path().join(format!("fuzz.{extension}"));
        fs::write(&path, bytes).unwrap();
        if list_tensors(&path).is_ok() {
            let _ = hash_model(&[path], &ModelOptions { threads: 1 }, &NoProgress);
        }
    }
}

fn valid_files() -> Vec<Vec<u8>> {
    let tensors = shared_tensors();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.safetensors");
    crate::writers::write_safetensors(&path, &tensors, &[("k", "v")]);
    let safetensors = fs::read(path).unwrap();
    let gguf = gguf_bytes(3, &tensors, &[], 32);
    let initializers: Vec<Vec<u8>> = tensors
        .iter()
        .enumerate()
        .map(|(i, t)| {
            onnx_tensor(
                t,
                if i % 2 == 0 {
                    &OnnxData::Raw
                } else {
                    &OnnxData::Unpacked
                },
            )
        })
        .collect();
    vec![safetensors, gguf, onnx_model(&initializers)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic_any_parser(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        parse_all_formats(&bytes);
        let mut with_magic = b"GGUF\x03\x00\x00\x00".to_vec();
        with_magic.extend_from_slice(&bytes);
        parse_all_formats(&with_magic);
        let _ = DatasetProof::decode(&bytes);
        let _ = TensorProof::decode(&bytes);
        let _ = Manifest::decode(&bytes);
    }

    #[test]
    fn mutated_valid_files_never_panic(
        which in 0usize..3,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut bytes = valid_files().swap_remove(which);
        for (position, value) in flips {
            let at = position.index(bytes.len());
            bytes[at] = value;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
        }
        parse_all_formats(&bytes);
    }

    #[test]
    fn random_record_files_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("r.csv"), &bytes).unwrap();
        fs::write(dir.path().join("r.jsonl"), &bytes).unwrap();
        let options = DatasetOptions { mode: DatasetMode::Records, ..DatasetOptions::default() };
        let _ = hash_dataset(dir.path(), &options, &NoProgress);
    }
}
