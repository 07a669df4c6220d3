//! Model weights: the same tensors in safetensors, GGUF and ONNX give one tensor root; the
//! real ONNX models match a fixture made with the `onnx` Python package; bad files get precise
//! errors.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use ailedger_artifacts::merkle::ProofError;
use ailedger_artifacts::weights::{
    Dtype, ModelDigest, ModelOptions, TensorLeaf, TensorProof, WeightFormat, WeightsError,
    hash_model, list_tensors, tensor_root, weight_files_in,
};
use ailedger_artifacts::{NoProgress, sha256};

use crate::support::shared_dir;
use crate::writers::{
    KvValue, OnnxData, TestTensor, gguf_bytes, onnx_model, onnx_tensor, pb, shared_tensors,
    write_gguf, write_onnx, write_safetensors,
};

fn model(paths: &[PathBuf]) -> Result<ModelDigest, WeightsError> {
    hash_model(paths, &ModelOptions::default(), &NoProgress)
}

/// The leaves the tensors must have, computed from the test's own bytes.
fn expected_leaves(tensors: &[TestTensor]) -> Vec<TensorLeaf> {
    let mut leaves: Vec<TensorLeaf> = tensors
        .iter()
        .map(|t| TensorLeaf {
            name: t.name.clone(),
            dtype: Dtype::from_name(t.dtype).unwrap(),
            shape: t.shape.clone(),
            sha256: sha256(&t.bytes),
        })
        .collect();
    leaves.sort_by(|a, b| a.name.cmp(&b.name));
    leaves
}

fn sample_kvs() -> Vec<(&'static str, KvValue)> {
    vec![
        ("general.architecture", KvValue::Str("llama".into())),
        ("general.name", KvValue::Str("tiny ✓".into())),
        ("llama.block_count", KvValue::U32(2)),
        ("llama.rope.freq_base", KvValue::F32(10000.0)),
        ("tokenizer.ggml.add_bos_token", KvValue::Bool(true)),
        (
            "tokenizer.ggml.tokens",
            KvValue::ArrayStr(vec!["<s>".into(), "</s>".into(), "▁hi".into()]),
        ),
        ("tokenizer.ggml.token_type", KvValue::ArrayU8(vec![1, 2, 3])),
        (
            "test.nested",
            KvValue::ArrayOfArrays(vec![vec![1, 2], vec![], vec![3]]),
        ),
    ]
}

#[test]
fn safetensors_gguf_and_onnx_of_the_same_tensors_have_one_tensor_root() {
    let dir = tempfile::tempdir().unwrap();
    let tensors = shared_tensors();
    let expected = expected_leaves(&tensors);
    let expected_root = tensor_root(&expected).unwrap();

    let st = dir.path().join("model.safetensors");
    write_safetensors(&st, &tensors, &[("format", "pt")]);
    let mut reversed = tensors.clone();
    reversed.reverse();
    let st_other = dir.path().join("other-order.safetensors");
    write_safetensors(
        &st_other,
        &reversed,
        &[("note", "another header"), ("x", "y")],
    );
    let gguf = dir.path().join("model.gguf");
    write_gguf(&gguf, &reversed, &sample_kvs(), 64);
    let gguf_default = dir.path().join("default-alignment.gguf");
    write_gguf(&gguf_default, &tensors, &[], 32);
    let onnx_raw = dir.path().join("raw.onnx");
    write_onnx(
        &onnx_raw,
        &tensors
            .iter()
            .map(|t| (t.clone(), OnnxData::Raw))
            .collect::<Vec<_>>(),
    );
    let onnx_packed = dir.path().join("packed.onnx");
    write_onnx(
        &onnx_packed,
        &tensors
            .iter()
            .map(|t| (t.clone(), OnnxData::Packed))
            .collect::<Vec<_>>(),
    );
    let onnx_unpacked = dir.path().join("unpacked.onnx");
    write_onnx(
        &onnx_unpacked,
        &reversed
            .iter()
            .map(|t| (t.clone(), OnnxData::Unpacked))
            .collect::<Vec<_>>(),
    );

    let mut file_digests = Vec::new();
    for path in [
        &st,
        &st_other,
        &gguf,
        &gguf_default,
        &onnx_raw,
        &onnx_packed,
        &onnx_unpacked,
    ] {
        let digest =
            model(std::slice::from_ref(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(digest.tensors, expected, "{}", path.display());
        assert_eq!(digest.tensor_root, expected_root, "{}", path.display());
        assert_eq!(digest.files.len(), 1);
        assert_eq!(digest.files[0].sha256, sha256(&fs::read(path).unwrap()));
        assert_eq!(digest.files[0].size, fs::metadata(path).unwrap().len());
        file_digests.push(digest.files[0].sha256);
    }
    // Same tensors, different files: the file digests all differ.
    file_digests.sort();
    file_digests.dedup();
    assert_eq!(file_digests.len(), 7);

    let (format, infos) = list_tensors(&gguf).unwrap();
    assert_eq!(format, WeightFormat::Gguf);
    assert_eq!(infos.len(), tensors.len());
    assert_eq!(infos[0].name, reversed[0].name);
}

#[test]
fn shards_give_the_same_root_as_one_file_and_duplicates_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let tensors = shared_tensors();
    let whole = dir.path().join("model.safetensors");
    write_safetensors(&whole, &tensors, &[]);
    let shard1 = dir.path().join("model-00001-of-00003.safetensors");
    let shard2 = dir.path().join("model-00002-of-00003.safetensors");
    let shard3 = dir.path().join("model-00003-of-00003.gguf");
    write_safetensors(&shard1, &tensors[..3], &[("shard", "1")]);
    write_safetensors(&shard2, &tensors[3..7], &[]);
    write_gguf(&shard3, &tensors[7..], &[], 32);
    let one = model(std::slice::from_ref(&whole)).unwrap();
    let sharded = model(&[shard1.clone(), shard2.clone(), shard3.clone()]).unwrap();
    assert_eq!(sharded.tensor_root, one.tensor_root);
    assert_eq!(sharded.files.len(), 3);
    // Shard order does not matter either.
    assert_eq!(
        model(&[shard3, shard1.clone(), shard2.clone()])
            .unwrap()
            .tensor_root,
        one.tensor_root
    );

    let duplicate = dir.path().join("dup.safetensors");
    write_safetensors(&duplicate, &tensors[2..4], &[]);
    let error = model(&[shard1.clone(), shard2, duplicate.clone()]).unwrap_err();
    assert!(
        matches!(&error, WeightsError::DuplicateTensor { name, first, second }
            if name == "embed.f16" && *first == shard1 && *second == duplicate),
        "{error}"
    );

    let found = weight_files_in(dir.path()).unwrap();
    assert_eq!(found.len(), 5);
    assert!(found.windows(2).all(|pair| pair[0] < pair[1]));
}

/// Quantized GGML tensors (block bytes are arbitrary: hashing does not decode them).
fn quantized_tensors() -> Vec<TestTensor> {
    let q8: Vec<u8> = (0..2 * 34).map(|i| i as u8).collect();
    let q4k: Vec<u8> = (0..144u32).map(|i| (i * 7) as u8).collect();
    let mxfp4: Vec<u8> = vec![0xAB; 17 * 2];
    vec![
        TestTensor::new("blk.0.attn_q.weight", "Q8_0", &[2, 32], q8),
        TestTensor::new("blk.0.ffn_up.weight", "Q4_K", &[1, 256], q4k),
        TestTensor::new("blk.0.experts", "MXFP4", &[64], mxfp4),
        TestTensor::new("blk.0.ffn_down.weight", "Q4_0", &[1, 32], vec![3; 18]),
        TestTensor::new("token_embd.weight", "Q6_K", &[256], vec![5; 210]),
        TestTensor::f32("output_norm.weight", &[4], &[1.0, 2.0, 3.0, 4.0]),
    ]
}

#[test]
fn gguf_quantized_types_have_their_block_sizes_and_reversed_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let tensors = quantized_tensors();
    let path = dir.path().join("q.gguf");
    write_gguf(&path, &tensors, &sample_kvs(), 32);
    let digest = model(std::slice::from_ref(&path)).unwrap();
    assert_eq!(digest.tensors, expected_leaves(&tensors));
    let q = digest.tensor("blk.0.attn_q.weight").unwrap();
    assert_eq!(q.dtype.name(), "Q8_0");
    assert_eq!(q.shape, vec![2, 32]);
    let (_, infos) = list_tensors(&path).unwrap();
    assert_eq!(infos[1].n_bytes, 144);

    // An innermost dimension that is not a whole number of blocks is refused.
    let bad = dir.path().join("bad-block.gguf");
    write_gguf(
        &bad,
        &[TestTensor::new("w", "Q8_0", &[32, 2], vec![0; 68])],
        &[],
        32,
    );
    assert!(
        matches!(list_tensors(&bad), Err(WeightsError::BadShape { tensor, .. }) if tensor == "w")
    );
    // Version 2 reads the same.
    let v2 = dir.path().join("v2.gguf");
    fs::write(&v2, gguf_bytes(2, &tensors, &[], 32)).unwrap();
    assert_eq!(model(&[v2]).unwrap().tensor_root, digest.tensor_root);
}

#[test]
fn tensor_proofs_verify_with_the_root_alone_and_bind_every_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.safetensors");
    write_safetensors(&path, &shared_tensors(), &[]);
    let digest = model(&[path]).unwrap();
    for leaf in &digest.tensors {
        let proof = digest.prove_tensor(&leaf.name).unwrap();
        proof.verify(&digest.tensor_root).unwrap();
        assert_eq!(proof.root(), digest.tensor_root);
        let bytes = proof.encode();
        assert_eq!(TensorProof::decode(&bytes).unwrap(), proof);
        assert_eq!(TensorProof::from_hex(&proof.to_hex()).unwrap(), proof);
        for cut in 0..bytes.len() {
            assert!(TensorProof::decode(&bytes[..cut]).is_err());
        }
    }
    let proof = digest.prove_tensor("model.layers.0.weight").unwrap();
    let forgeries = [
        TensorLeaf {
            dtype: Dtype::I32,
            ..proof.leaf.clone()
        },
        TensorLeaf {
            shape: vec![3, 2],
            ..proof.leaf.clone()
        },
        TensorLeaf {
            name: "model.layers.1.weight".into(),
            ..proof.leaf.clone()
        },
        TensorLeaf {
            sha256: sha256(b"x"),
            ..proof.leaf.clone()
        },
    ];
    for leaf in forgeries {
        let forged = TensorProof {
            leaf,
            inclusion: proof.inclusion.clone(),
        };
        assert!(matches!(
            forged.verify(&digest.tensor_root),
            Err(ProofError::RootMismatch { .. })
        ));
    }
    assert!(matches!(
        digest.prove_tensor("nope"),
        Err(WeightsError::TensorNotFound { .. })
    ));
}

/// The fixture made by `tests/fixtures/tensor_reference.py` from the real ONNX models.
fn onnx_fixture() -> serde_json::Value {
    let text = include_str!("../fixtures/onnx-models.json");
    serde_json::from_str(text).unwrap()
}

fn assert_matches_reference(digest: &ModelDigest, reference: &serde_json::Value, what: &str) {
    let tensors = reference["tensors"].as_array().unwrap();
    assert_eq!(digest.tensors.len(), tensors.len(), "{what}");
    for (leaf, expected) in digest.tensors.iter().zip(tensors) {
        assert_eq!(leaf.name, expected["name"].as_str().unwrap(), "{what}");
        assert_eq!(
            leaf.dtype.name(),
            expected["dtype"].as_str().unwrap(),
            "{what}"
        );
        let shape: Vec<u64> = expected["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap())
            .collect();
        assert_eq!(leaf.shape, shape, "{what}");
        assert_eq!(
            leaf.sha256.to_string(),
            expected["sha256"].as_str().unwrap(),
            "{what}"
        );
    }
    assert_eq!(
        digest.tensor_root.to_string(),
        reference["tensor_root"].as_str().unwrap(),
        "{what}"
    );
}

#[test]
fn real_onnx_models_match_the_python_reference_fixture() {
    let Some(models) = shared_dir("models") else {
        return;
    };
    let fixture = onnx_fixture();
    for name in ["digits-mlp.onnx", "mnist-size-mlp.onnx", "small-cnn.onnx"] {
        let path = models.join(name);
        let digest = model(std::slice::from_ref(&path)).unwrap();
        let reference = &fixture[name];
        assert_matches_reference(&digest, reference, name);
        assert_eq!(
            digest.files[0].sha256.to_string(),
            reference["file_sha256"].as_str().unwrap()
        );
        for leaf in &digest.tensors {
            digest
                .prove_tensor(&leaf.name)
                .unwrap()
                .verify(&digest.tensor_root)
                .unwrap();
        }
    }
    let (format, tensors) = list_tensors(&models.join("small-cnn.onnx")).unwrap();
    assert_eq!(format, WeightFormat::Onnx);
    let names: Vec<&str> = tensors.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["Wc", "bc", "Wg", "bg"]);
    assert_eq!(tensors[0].shape, vec![4, 1, 3, 3]);
}

/// Runs the Python reference on files this test writes (and on the real models), when
/// `AILEDGER_PYTHON_TESTS=1` (needs `pip install onnx numpy safetensors gguf`).
#[test]
fn python_readers_agree_with_ours_when_enabled() {
    if std::env::var("AILEDGER_PYTHON_TESTS").as_deref() != Ok("1") {
        eprintln!("skipping: set AILEDGER_PYTHON_TESTS=1 to compare with the Python readers");
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tensor_reference.py");
    let run = |path: &Path| -> serde_json::Value {
        let output = Command::new("python3")
            .arg(&script)
            .arg(path)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let tensors = shared_tensors();
    let files = [
        ("t.safetensors", 0),
        ("t.gguf", 1),
        ("packed.onnx", 2),
        ("unpacked.onnx", 3),
        ("raw.onnx", 4),
    ];
    for (name, kind) in files {
        let path = dir.path().join(name);
        match kind {
            0 => write_safetensors(&path, &tensors, &[("a", "b")]),
            1 => write_gguf(&path, &tensors, &sample_kvs(), 64),
            _ => {
                let data = match kind {
                    2 => OnnxData::Packed,
                    3 => OnnxData::Unpacked,
                    _ => OnnxData::Raw,
                };
                write_onnx(
                    &path,
                    &tensors
                        .iter()
                        .map(|t| (t.clone(), data.clone()))
                        .collect::<Vec<_>>(),
                );
            }
        }
        let digest = model(std::slice::from_ref(&path)).unwrap();
        assert_matches_reference(&digest, &run(&path), name);
    }
    let quantized = dir.path().join("quantized.gguf");
    write_gguf(&quantized, &quantized_tensors(), &sample_kvs(), 32);
    let digest = model(std::slice::from_ref(&quantized)).unwrap();
    assert_matches_reference(&digest, &run(&quantized), "quantized.gguf");
    if let Some(models) = shared_dir("models") {
        let fixture = onnx_fixture();
        for name in ["digits-mlp.onnx", "mnist-size-mlp.onnx", "small-cnn.onnx"] {
            assert_eq!(
                run(&models.join(name)),
                fixture[name],
                "fixture of {name} is stale"
            );
        }
    }
}

#[test]
fn onnx_typed_fields_convert_and_range_check() {
    let dir = tempfile::tempdir().unwrap();
    let typed = vec![
        TestTensor::new("u8", "U8", &[3], vec![0, 255, 7]),
        TestTensor::new("bool", "BOOL", &[2], vec![1, 0]),
        TestTensor::new(
            "i16",
            "I16",
            &[2],
            [-300i16, 300]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
        ),
        TestTensor::new("u16", "U16", &[1], 65535u16.to_le_bytes().to_vec()),
        TestTensor::new("u32", "U32", &[1], u32::MAX.to_le_bytes().to_vec()),
        TestTensor::new("u64", "U64", &[1], u64::MAX.to_le_bytes().to_vec()),
    ];
    let raw = dir.path().join("raw.onnx");
    write_onnx(
        &raw,
        &typed
            .iter()
            .map(|t| (t.clone(), OnnxData::Raw))
            .collect::<Vec<_>>(),
    );
    let packed = dir.path().join("packed.onnx");
    write_onnx(
        &packed,
        &typed
            .iter()
            .map(|t| (t.clone(), OnnxData::Packed))
            .collect::<Vec<_>>(),
    );
    let expected = tensor_root(&expected_leaves(&typed)).unwrap();
    assert_eq!(model(&[raw]).unwrap().tensor_root, expected);
    assert_eq!(model(&[packed]).unwrap().tensor_root, expected);

    // 256 does not fit U8; 2 is not a BOOL.
    for (dtype, value) in [("U8", 256u64), ("BOOL", 2), ("I8", (-129i64) as u64)] {
        let mut fields = Vec::new();
        pb::varint_field(&mut fields, 5, value);
        let tensor = TestTensor::new("t", dtype, &[1], vec![0]);
        let path = dir.path().join(format!("range-{dtype}.onnx"));
        write_onnx(&path, &[(tensor, OnnxData::Custom(fields))]);
        let error = model(&[path]).unwrap_err();
        assert!(
            matches!(&error, WeightsError::ValueOutOfRange { tensor, .. } if tensor == "t"),
            "{error}"
        );
    }
    // Too few values for the shape.
    let mut fields = Vec::new();
    pb::varint_field(&mut fields, 7, 1);
    let path = dir.path().join("short.onnx");
    write_onnx(
        &path,
        &[(
            TestTensor::new("s", "I64", &[2], vec![0; 16]),
            OnnxData::Custom(fields),
        )],
    );
    assert!(matches!(
        model(&[path]),
        Err(WeightsError::SizeMismatch {
            expected: 2,
            actual: 1,
            ..
        })
    ));
}

#[test]
fn onnx_external_sparse_and_inconsistent_tensors_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let w = TestTensor::f32("weight", &[2], &[1.0, 2.0]);

    let mut location = Vec::new();
    pb::varint_field(&mut location, 14, 1);
    let external = dir.path().join("external.onnx");
    write_onnx(&external, &[(w.clone(), OnnxData::Custom(location))]);
    assert!(matches!(
        list_tensors(&external),
        Err(WeightsError::ExternalData { tensor, .. }) if tensor == "weight"
    ));
    let mut entry = Vec::new();
    pb::bytes_field(&mut entry, 1, b"location");
    pb::bytes_field(&mut entry, 2, b"weights.bin");
    let mut external_data = Vec::new();
    pb::bytes_field(&mut external_data, 13, &entry);
    let path = dir.path().join("external2.onnx");
    write_onnx(&path, &[(w.clone(), OnnxData::Custom(external_data))]);
    assert!(matches!(
        list_tensors(&path),
        Err(WeightsError::ExternalData { .. })
    ));

    // raw_data of the wrong size.
    let mut short = w.clone();
    short.bytes.truncate(6);
    let path = dir.path().join("short-raw.onnx");
    write_onnx(&path, &[(short, OnnxData::Raw)]);
    assert!(matches!(
        list_tensors(&path),
        Err(WeightsError::SizeMismatch {
            expected: 8,
            actual: 6,
            ..
        })
    ));

    // A sparse initializer.
    let mut graph = Vec::new();
    pb::bytes_field(&mut graph, 15, &[]);
    let mut model_bytes = Vec::new();
    pb::bytes_field(&mut model_bytes, 7, &graph);
    let path = dir.path().join("sparse.onnx");
    fs::write(&path, model_bytes).unwrap();
    assert!(
        matches!(list_tensors(&path), Err(WeightsError::Malformed { reason, .. }) if reason.contains("sparse"))
    );

    // A string tensor, and a name given twice.
    let mut strings = onnx_tensor(&w, &OnnxData::Raw);
    strings.extend_from_slice(&{
        let mut f = Vec::new();
        pb::varint_field(&mut f, 2, 8);
        f
    });
    let path = dir.path().join("twice.onnx");
    fs::write(&path, onnx_model(&[strings])).unwrap();
    assert!(
        matches!(list_tensors(&path), Err(WeightsError::Malformed { reason, .. }) if reason.contains("twice"))
    );
    let path = dir.path().join("dup.onnx");
    write_onnx(&path, &[(w.clone(), OnnxData::Raw), (w, OnnxData::Raw)]);
    assert!(matches!(
        list_tensors(&path),
        Err(WeightsError::DuplicateTensor { .. })
    ));

    // No graph: no tensors.
    let path = dir.path().join("empty.onnx");
    fs::write(&path, b"").unwrap();
    assert!(matches!(model(&[path]), Err(WeightsError::NoTensors)));
}

#[test]
fn corrupt_gguf_headers_get_precise_errors() {
    let dir = tempfile::tempdir().unwrap();
    let tensors = vec![TestTensor::f32("w", &[2], &[1.0, 2.0])];
    let good = gguf_bytes(3, &tensors, &sample_kvs(), 32);
    let check = |name: &str, bytes: &[u8]| -> WeightsError {
        let path = dir.path().join(name);
        fs::write(&path, bytes).unwrap();
        list_tensors(&path).unwrap_err()
    };
    // Offsets of fields in `good`: magic 0, version 4, tensor count 8, kv count 16.
    let mut bytes = good.clone();
    bytes[4..8].copy_from_slice(&1u32.to_le_bytes());
    assert!(matches!(
        check("v1.gguf", &bytes),
        WeightsError::UnsupportedVersion { version: 1, .. }
    ));
    bytes[4..8].copy_from_slice(&3u32.to_be_bytes());
    assert!(
        matches!(check("be.gguf", &bytes), WeightsError::Malformed { reason, .. } if reason.contains("big-endian"))
    );
    let mut bytes = good.clone();
    bytes[..4].copy_from_slice(b"GGUG");
    assert!(matches!(
        check("magic.gguf", &bytes),
        WeightsError::BadMagic { .. }
    ));
    let mut bytes = good.clone();
    bytes[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(matches!(
        check("count.gguf", &bytes),
        WeightsError::LimitExceeded {
            what: "tensor count",
            ..
        }
    ));
    let mut bytes = good.clone();
    bytes[16..24].copy_from_slice(&(1u64 << 40).to_le_bytes());
    assert!(matches!(
        check("kv.gguf", &bytes),
        WeightsError::LimitExceeded {
            what: "metadata count",
            ..
        }
    ));
    // The first key's length.
    let mut bytes = good.clone();
    bytes[24..32].copy_from_slice(&(1u64 << 62).to_le_bytes());
    assert!(matches!(
        check("key.gguf", &bytes),
        WeightsError::LimitExceeded { .. }
    ));

    // A string value whose length runs past the end.
    let mut long_string = b"GGUF".to_vec();
    long_string.extend_from_slice(&3u32.to_le_bytes());
    long_string.extend_from_slice(&0u64.to_le_bytes());
    long_string.extend_from_slice(&1u64.to_le_bytes());
    long_string.extend_from_slice(&1u64.to_le_bytes());
    long_string.push(b'k');
    long_string.extend_from_slice(&8u32.to_le_bytes());
    long_string.extend_from_slice(&(u64::MAX / 2).to_le_bytes());
    assert!(matches!(
        check("string.gguf", &long_string),
        WeightsError::Truncated { .. }
    ));
    // An array whose element count overflows.
    let mut array = long_string[..long_string.len() - 12].to_vec();
    array.extend_from_slice(&9u32.to_le_bytes());
    array.extend_from_slice(&6u32.to_le_bytes());
    array.extend_from_slice(&(u64::MAX / 2).to_le_bytes());
    assert!(matches!(
        check("array.gguf", &array),
        WeightsError::Malformed { .. }
    ));

    // Tensor info fields.
    let offset_field = find_tensor_offset_field(&good);
    let mut bytes = good.clone();
    bytes[offset_field..offset_field + 8].copy_from_slice(&64u64.to_le_bytes());
    assert!(matches!(
        check("past.gguf", &bytes),
        WeightsError::OutOfBounds { .. }
    ));
    bytes[offset_field..offset_field + 8].copy_from_slice(&4u64.to_le_bytes());
    assert!(matches!(
        check("misaligned.gguf", &bytes),
        WeightsError::Misaligned {
            offset: 4,
            alignment: 32,
            ..
        }
    ));
    let mut bytes = good.clone();
    bytes[offset_field - 4..offset_field].copy_from_slice(&9u32.to_le_bytes());
    assert!(
        matches!(check("q8_1.gguf", &bytes), WeightsError::UnsupportedDtype { dtype, .. } if dtype == "ggml type 9")
    );
    let mut bytes = good.clone();
    bytes[offset_field - 12..offset_field - 4].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(matches!(
        check("dims.gguf", &bytes),
        WeightsError::BadShape { .. } | WeightsError::OutOfBounds { .. }
    ));

    // Alignment that is not a power of two.
    let bytes = gguf_bytes(3, &tensors, &[("general.alignment", KvValue::U32(48))], 32);
    assert!(
        matches!(check("align.gguf", &bytes), WeightsError::Malformed { reason, .. } if reason.contains("power of two"))
    );
    let bytes = gguf_bytes(
        3,
        &tensors,
        &[("general.alignment", KvValue::Str("64".into()))],
        32,
    );
    assert!(matches!(
        check("align-type.gguf", &bytes),
        WeightsError::Malformed { .. }
    ));

    // Every truncation is an error, never a panic.
    for cut in 0..good.len() {
        let path = dir.path().join("cut.gguf");
        fs::write(&path, &good[..cut]).unwrap();
        assert!(list_tensors(&path).is_err(), "cut at {cut}");
    }
}

/// The byte offset of the single tensor's `offset` field in a GGUF written by `gguf_bytes`.
fn find_tensor_offset_field(bytes: &[u8]) -> usize {
    // The tensor name "w" is preceded by its length 1u64; then n_dims, dims, type, offset.
    let needle = [1u8, 0, 0, 0, 0, 0, 0, 0, b'w', 1, 0, 0, 0];
    let at = bytes
        .windows(needle.len())
        .rposition(|w| w == needle)
        .unwrap();
    at + 8 + 1 + 4 + 8 + 4
}

#[test]
fn corrupt_safetensors_get_precise_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.safetensors");
    write_safetensors(&path, &shared_tensors(), &[]);
    let good = fs::read(&path).unwrap();
    let check = |name: &str, bytes: &[u8]| -> WeightsError {
        let path = dir.path().join(name);
        fs::write(&path, bytes).unwrap();
        list_tensors(&path).unwrap_err()
    };
    let mut bytes = good.clone();
    bytes[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(matches!(
        check("huge.safetensors", &bytes),
        WeightsError::LimitExceeded { .. }
    ));
    bytes[..8].copy_from_slice(&((good.len() as u64) * 2).to_le_bytes());
    assert!(matches!(
        check("past.safetensors", &bytes),
        WeightsError::Truncated { .. }
    ));
    let mut bytes = good.clone();
    bytes[8] = b'[';
    assert!(matches!(
        check("json.safetensors", &bytes),
        WeightsError::SafetensorsHeader { .. }
    ));
    let mut bytes = good.clone();
    bytes.pop();
    assert!(matches!(
        check("short.safetensors", &bytes),
        WeightsError::SizeMismatch { .. }
    ));
    let mut bytes = good.clone();
    bytes.push(0);
    assert!(matches!(
        check("long.safetensors", &bytes),
        WeightsError::SizeMismatch { .. }
    ));
    let mut bytes = good.clone();
    let at = bytes.windows(5).position(|w| w == b"\"F64\"").unwrap();
    bytes[at + 1] = b'X';
    let error = check("dtype.safetensors", &bytes);
    assert!(
        matches!(error, WeightsError::SafetensorsHeader { .. }),
        "{error}"
    );
    for cut in 0..good.len().min(600) {
        assert!(
            check("cut.safetensors", &good[..cut])
                .to_string()
                .contains("cut.safetensors")
        );
    }
}

#[test]
fn unknown_and_unreadable_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    fs::write(&text, b"just text").unwrap();
    assert!(matches!(
        model(&[text]),
        Err(WeightsError::UnknownFormat { .. })
    ));
    let missing = dir.path().join("missing.safetensors");
    assert!(
        matches!(model(std::slice::from_ref(&missing)), Err(WeightsError::Io { path, .. }) if path == missing)
    );
    // Content sniffing without an extension.
    let bare = dir.path().join("weights");
    write_gguf(&bare, &shared_tensors(), &[], 32);
    assert_eq!(WeightFormat::detect(&bare).unwrap(), WeightFormat::Gguf);
    let bare = dir.path().join("weights2");
    write_safetensors(&bare, &shared_tensors(), &[]);
    assert_eq!(
        WeightFormat::detect(&bare).unwrap(),
        WeightFormat::Safetensors
    );
    assert!(matches!(model(&[]), Err(WeightsError::NoTensors)));
}
