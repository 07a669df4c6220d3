//! `ailedger zk ...`: commit to a model, prove and verify inferences, submit proofs to the chain
//! and show the inferences it verified.
//!
//! A key directory (`zk commit --out`) holds `descriptor.bin` (the architecture descriptor),
//! `weights.bin` (the int8 weights and int32 biases) and `identity.json`. Proving needs the
//! weights; verifying needs only the descriptor and the weight root.
//!
//! Version 1 proofs are sound but not zero-knowledge: they reveal linear information about the
//! weights, and the input is public. Nothing printed here claims privacy.

use super::{
    Context, provenance,
    provenance::{Submitted, found, signer},
};
use crate::{
    cli::{
        CommitArgs, ModelSource, ProveArgs, RegisterIdentityArgs, SubmitArgs, TxArgs,
        VerifyProofArgs, ZkCommand,
    },
    failure::Failure,
    keystore::StoredKey,
    output::Fields,
};
use ailedger_client::{
    Client,
    dto::{InferenceView, ProvingIdentityView},
};
use ailedger_core::Hash;
use ailedger_state::{
    Module,
    zk::{
        IdentitySpec, ProofSpec, SUBMIT_PROOF_GAS, Zk, ZkMsg, inference_id, input_digest,
        proof_code, verify_gas, verifying_key,
    },
};
use ailedger_zkml::{
    arch::Arch,
    input,
    key::{ProvingKey, VerifyingKey},
    onnx, prover,
    quantise::{LinearWeights, QuantModel, quantise},
    verifier,
};
use anyhow::Context as _;
use bytes::Bytes;
use commonware_codec::{Encode, EncodeSize};
use serde::{Deserialize, Serialize};
use std::{
    fs,
    path::{Path, PathBuf},
};

/// Said wherever a proof is made, checked or recorded.
const PRIVACY: &str =
    "version-1 proofs are not zero-knowledge: they do not hide the model's weights or the input";

const DESCRIPTOR_FILE: &str = "descriptor.bin";
const WEIGHTS_FILE: &str = "weights.bin";
const IDENTITY_FILE: &str = "identity.json";
const WEIGHTS_MAGIC: &[u8; 8] = b"AILZKWTS";

/// Runs `ailedger zk ...`.
pub(crate) async fn execute(context: &Context, command: ZkCommand) -> anyhow::Result<()> {
    match command {
        ZkCommand::Commit(args) => commit(context, &args),
        ZkCommand::RegisterIdentity(args) => register_identity(context, &args).await,
        ZkCommand::Prove(args) => prove(context, &args),
        ZkCommand::Verify(args) => verify(context, &args).await,
        ZkCommand::Submit(args) => submit(context, &args).await,
        ZkCommand::Show { id } => show(context, &id).await,
    }
}

/// `identity.json` of a key directory, and what `zk commit` prints.
#[derive(Debug, Serialize, Deserialize)]
struct IdentityFile {
    /// The proving identity, hex.
    identity: String,
    /// The weight commitment's root, hex.
    weight_root: String,
    /// The commitment's parameters, hex.
    pcs_params: String,
    /// SHA-256 of the descriptor, hex.
    descriptor_sha256: String,
    /// Input values the model takes.
    input_len: usize,
    /// Output values it gives.
    output_len: usize,
    /// Layers of the descriptor.
    layers: usize,
    /// Weights and biases committed to.
    parameters: usize,
}

impl IdentityFile {
    fn of(vk: &VerifyingKey, parameters: usize) -> Self {
        Self {
            identity: hex::encode(vk.identity()),
            weight_root: hex::encode(vk.weight_root()),
            pcs_params: hex::encode(vk.pcs_params()),
            descriptor_sha256: ailedger_core::sha256(&[vk.arch_bytes()]).to_string(),
            input_len: vk.arch().input_len(),
            output_len: vk.arch().output_len(),
            layers: vk.arch().layers().len(),
            parameters,
        }
    }
}

#[derive(Debug, Serialize)]
struct Committed {
    #[serde(flatten)]
    identity: IdentityFile,
    key_dir: Option<String>,
    privacy: &'static str,
}

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    fs::read(path).map_err(|error| {
        let code = match error.kind() {
            std::io::ErrorKind::NotFound => "FILE_NOT_FOUND",
            _ => "IO_ERROR",
        };
        Failure::error(code, format!("reading {}: {error}", path.display()))
    })
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    fs::write(path, bytes)
        .map_err(|error| Failure::error("IO_ERROR", format!("writing {}: {error}", path.display())))
}

/// Imports and quantises an ONNX model.
fn quantise_onnx(model: &Path, calibration: Option<&Path>) -> Result<QuantModel, Failure> {
    let graph = onnx::import(&read(model)?)
        .map_err(|e| Failure::error("UNSUPPORTED_MODEL", format!("{}: {e}", model.display())))?;
    let samples = match calibration {
        None => Vec::new(),
        Some(path) => input::parse_samples(&read(path)?, graph.input_len())
            .map_err(|e| Failure::error("BAD_INPUT", format!("{}: {e}", path.display())))?,
    };
    quantise(&graph, &samples)
        .map_err(|e| Failure::error("QUANTISATION_FAILED", format!("{}: {e}", model.display())))
}

fn proving_key(model: QuantModel) -> Result<ProvingKey, Failure> {
    ProvingKey::new(model).map_err(|e| Failure::error("UNPROVABLE_MODEL", e.to_string()))
}

/// `weights.bin`: magic, then per linear layer the weight count (u32 BE), the int8 weights, the
/// bias count and the int32 biases (BE).
fn encode_weights(weights: &[LinearWeights]) -> Vec<u8> {
    let mut out = WEIGHTS_MAGIC.to_vec();
    for layer in weights {
        out.extend_from_slice(&(layer.weight.len() as u32).to_be_bytes());
        out.extend(layer.weight.iter().map(|&w| w as u8));
        out.extend_from_slice(&(layer.bias.len() as u32).to_be_bytes());
        for b in &layer.bias {
            out.extend_from_slice(&b.to_be_bytes());
        }
    }
    out
}

fn decode_weights(bytes: &[u8]) -> Option<Vec<LinearWeights>> {
    let mut rest = bytes.strip_prefix(WEIGHTS_MAGIC.as_slice())?;
    let mut take = |n: usize| -> Option<&[u8]> {
        if rest.len() < n {
            return None;
        }
        let (head, tail) = rest.split_at(n);
        rest = tail;
        Some(head)
    };
    let mut layers = Vec::new();
    while let Some(raw) = take(4) {
        let n = usize::try_from(u32::from_be_bytes(raw.try_into().ok()?)).ok()?;
        let weight = take(n)?.iter().map(|&b| b as i8).collect();
        let n = usize::try_from(u32::from_be_bytes(take(4)?.try_into().ok()?)).ok()?;
        let bias = take(n.checked_mul(4)?)?
            .chunks_exact(4)
            .map(|c| i32::from_be_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        layers.push(LinearWeights { weight, bias });
    }
    Some(layers)
}

/// A key directory's proving key, its commitment recomputed and checked against the identity
/// it was written with.
fn load_key_dir(dir: &Path) -> Result<ProvingKey, Failure> {
    let corrupt = |what: &str| {
        Failure::error(
            "CORRUPT_KEY_DIR",
            format!("{}: {what}", dir.join(WEIGHTS_FILE).display()),
        )
    };
    let arch = Arch::decode(&read(&dir.join(DESCRIPTOR_FILE))?)
        .map_err(|e| corrupt(&format!("descriptor: {e}")))?;
    let weights = decode_weights(&read(&dir.join(WEIGHTS_FILE))?)
        .ok_or_else(|| corrupt("not a weights file"))?;
    let model = QuantModel::new(arch, weights).map_err(|e| corrupt(&e.to_string()))?;
    let key = proving_key(model)?;
    let recorded: IdentityFile = serde_json::from_slice(&read(&dir.join(IDENTITY_FILE))?)
        .map_err(|e| corrupt(&format!("identity.json: {e}")))?;
    if recorded.identity != hex::encode(key.verifying_key().identity()) {
        return Err(corrupt(
            "the weights do not commit to the identity in identity.json",
        ));
    }
    Ok(key)
}

/// The model of `--model`: a key directory, or an ONNX file quantised and committed again.
fn load_model(source: &ModelSource) -> Result<ProvingKey, Failure> {
    model_from(&source.model, source.calibration.as_deref())
}

fn model_from(path: &Path, calibration: Option<&Path>) -> Result<ProvingKey, Failure> {
    if path.is_dir() {
        load_key_dir(path)
    } else {
        proving_key(quantise_onnx(path, calibration)?)
    }
}

fn commit(context: &Context, args: &CommitArgs) -> anyhow::Result<()> {
    let model = quantise_onnx(&args.model, args.calibration.as_deref())?;
    let parameters = model
        .weights()
        .iter()
        .map(|l| l.weight.len() + l.bias.len())
        .sum();
    let key = proving_key(model)?;
    let vk = key.verifying_key();
    let identity = IdentityFile::of(vk, parameters);
    if let Some(dir) = &args.out {
        fs::create_dir_all(dir)
            .map_err(|e| Failure::error("IO_ERROR", format!("creating {}: {e}", dir.display())))?;
        write(&dir.join(DESCRIPTOR_FILE), vk.arch_bytes())?;
        write(
            &dir.join(WEIGHTS_FILE),
            &encode_weights(key.model().weights()),
        )?;
        write(
            &dir.join(IDENTITY_FILE),
            &serde_json::to_vec_pretty(&identity)?,
        )?;
    }
    let committed = Committed {
        identity,
        key_dir: args.out.as_ref().map(|d| d.display().to_string()),
        privacy: PRIVACY,
    };
    context.output.emit(&committed, || {
        Fields::new()
            .add("identity", &committed.identity.identity)
            .add("weight root", &committed.identity.weight_root)
            .add("descriptor", &committed.identity.descriptor_sha256)
            .add(
                "model",
                format!(
                    "{} layers, {} parameters, {} inputs, {} outputs",
                    committed.identity.layers,
                    committed.identity.parameters,
                    committed.identity.input_len,
                    committed.identity.output_len
                ),
            )
            .add(
                "key dir",
                committed
                    .key_dir
                    .as_deref()
                    .unwrap_or("(not written: pass --out)"),
            )
            .add("privacy", PRIVACY)
            .render()
    })
}

async fn register_identity(context: &Context, args: &RegisterIdentityArgs) -> anyhow::Result<()> {
    let descriptor = read(&args.key.join(DESCRIPTOR_FILE))?;
    let recorded: IdentityFile = serde_json::from_slice(&read(&args.key.join(IDENTITY_FILE))?)
        .map_err(|e| Failure::error("CORRUPT_KEY_DIR", format!("identity.json: {e}")))?;
    let weight_root = ailedger_client::encoding::parse_hash(&recorded.weight_root)
        .map_err(|e| Failure::error("CORRUPT_KEY_DIR", format!("identity.json: {e}")))?;
    let spec = IdentitySpec {
        version: args.version.id,
        descriptor,
        weight_root,
    };
    let vk = verifying_key(&spec.descriptor, &spec.weight_root)
        .map_err(|e| Failure::error(e.code(), e.to_string()))?;
    let msg = ZkMsg::RegisterIdentity(spec);
    let key = signer(context, &args.tx.from)?;
    let client = context.client()?;
    let submitted = send(&client, &key, &args.tx, &msg, 500_000).await?;
    let identity = hex::encode(vk.identity());
    #[derive(Serialize)]
    struct Registered<'a> {
        version: String,
        identity: &'a str,
        #[serde(flatten)]
        submitted: &'a Submitted,
    }
    let shown = Registered {
        version: args.version.id.to_string(),
        identity: &identity,
        submitted: &submitted,
    };
    context.output.emit(&shown, || {
        submitted
            .fields(
                Fields::new()
                    .add("version", &args.version.text)
                    .add("identity", &identity),
            )
            .render()
    })?;
    submitted.check()?;
    Ok(())
}

/// The output file `zk prove` writes and `zk verify`/`zk submit` read.
#[derive(Debug, Serialize, Deserialize)]
struct OutputFile {
    /// The model's integer output: what the proof is about.
    output: Vec<i64>,
    /// The same, dequantised with the model's output scale (for people; never checked).
    #[serde(default)]
    output_data: Vec<Vec<f64>>,
    /// The proving identity of the model that produced it.
    #[serde(default)]
    identity: String,
}

fn output_path(explicit: Option<&Path>, proof: &Path) -> PathBuf {
    explicit.map(Path::to_path_buf).unwrap_or_else(|| {
        let mut name = proof.as_os_str().to_owned();
        name.push(".output.json");
        PathBuf::from(name)
    })
}

fn read_output(path: &Path) -> Result<Vec<i64>, Failure> {
    let file: OutputFile = serde_json::from_slice(&read(path)?)
        .map_err(|e| Failure::error("BAD_OUTPUT", format!("{}: {e}", path.display())))?;
    Ok(file.output)
}

/// The int8 input: sample `sample` of an EZKL-style input file, quantised with the model's
/// input scale.
fn read_input(path: &Path, arch: &Arch, sample: usize) -> Result<Vec<i8>, Failure> {
    let samples = input::parse_samples(&read(path)?, arch.input_len())
        .map_err(|e| Failure::error("BAD_INPUT", format!("{}: {e}", path.display())))?;
    let chosen = samples.get(sample).ok_or_else(|| {
        Failure::error(
            "BAD_INPUT",
            format!(
                "{} has {} samples; there is no sample {sample}",
                path.display(),
                samples.len()
            ),
        )
    })?;
    Ok(arch.quantise_input(chosen))
}

fn prove(context: &Context, args: &ProveArgs) -> anyhow::Result<()> {
    let key = load_model(&args.source)?;
    let arch = key.verifying_key().arch().clone();
    let x = read_input(&args.input, &arch, args.sample)?;
    let (output, proof) =
        prover::prove(&key, &x).map_err(|e| Failure::error("PROVING_FAILED", e.to_string()))?;
    write(&args.out, &proof)?;
    let output_file = output_path(args.output.as_deref(), &args.out);
    let identity = hex::encode(key.verifying_key().identity());
    let written = OutputFile {
        output: output.clone(),
        output_data: vec![arch.dequantise_output(&output)],
        identity: identity.clone(),
    };
    write(&output_file, &serde_json::to_vec_pretty(&written)?)?;
    #[derive(Serialize)]
    struct Proved<'a> {
        identity: &'a str,
        input_sha256: String,
        output: &'a [i64],
        output_data: &'a [f64],
        proof: String,
        proof_bytes: usize,
        output_file: String,
        privacy: &'static str,
    }
    let shown = Proved {
        identity: &identity,
        input_sha256: input_digest(&x).to_string(),
        output: &output,
        output_data: &written.output_data[0],
        proof: args.out.display().to_string(),
        proof_bytes: proof.len(),
        output_file: output_file.display().to_string(),
        privacy: PRIVACY,
    };
    context.output.emit(&shown, || {
        Fields::new()
            .add("identity", shown.identity)
            .add("input", &shown.input_sha256)
            .add("output", format!("{:?}", shown.output))
            .add(
                "proof",
                format!("{} ({} bytes)", shown.proof, shown.proof_bytes),
            )
            .add("output file", &shown.output_file)
            .add("privacy", PRIVACY)
            .render()
    })
}

/// The proving identity registered for `version`, checked against a block's state root.
async fn registered(client: &Client, version: &Hash) -> anyhow::Result<ProvingIdentityView> {
    let answer = found(client.verified_proving_identity(version).await)
        .with_context(|| format!("fetching the proving identity of version {version}"))?
        .ok_or_else(|| {
            Failure::error(
                "NO_PROVING_IDENTITY",
                format!("model version {version} has no proving identity"),
            )
        })?;
    Ok(answer.answer.identity)
}

fn key_of(identity: &ProvingIdentityView) -> Result<VerifyingKey, Failure> {
    verifying_key(&identity.descriptor, &identity.weight_root)
        .map_err(|e| Failure::error(e.code(), e.to_string()))
}

async fn verify(context: &Context, args: &VerifyProofArgs) -> anyhow::Result<()> {
    let vk = match (&args.model, &args.version) {
        (Some(path), _) => model_from(path, args.calibration.as_deref())?
            .verifying_key()
            .clone(),
        (None, Some(version)) => key_of(&registered(&context.client()?, &version.id).await?)?,
        (None, None) => unreachable!("clap requires --model or --version"),
    };
    let x = read_input(&args.input, vk.arch(), args.sample)?;
    let output = read_output(&output_path(args.output.as_deref(), &args.proof))?;
    let proof = read(&args.proof)?;
    let identity = hex::encode(vk.identity());
    #[derive(Serialize)]
    struct Verified<'a> {
        valid: bool,
        identity: &'a str,
        input_sha256: String,
        output: &'a [i64],
        proof_sha256: String,
        privacy: &'static str,
    }
    let result = verifier::verify(&vk, None, &x, &output, &proof);
    if let Err(error) = result {
        return Err(Failure::verification(
            proof_code(&error),
            format!("the proof does not verify: {error}"),
        )
        .into());
    }
    let shown = Verified {
        valid: true,
        identity: &identity,
        input_sha256: input_digest(&x).to_string(),
        output: &output,
        proof_sha256: ailedger_core::sha256(&[proof.as_slice()]).to_string(),
        privacy: PRIVACY,
    };
    context.output.emit(&shown, || {
        Fields::new()
            .add("proof", "valid")
            .add("identity", shown.identity)
            .add("input", &shown.input_sha256)
            .add("output", format!("{:?}", shown.output))
            .add("privacy", PRIVACY)
            .render()
    })
}

async fn submit(context: &Context, args: &SubmitArgs) -> anyhow::Result<()> {
    let client = context.client()?;
    let identity = registered(&client, &args.version.id).await?;
    let vk = key_of(&identity)?;
    let spec = ProofSpec {
        version: args.version.id,
        input: read_input(&args.input, vk.arch(), args.sample)?,
        output: read_output(&output_path(args.output.as_deref(), &args.proof))?,
        proof: Bytes::from(read(&args.proof)?),
    };
    let id = inference_id(&spec.version, &spec.input, &spec.output);
    let gas = SUBMIT_PROOF_GAS.saturating_add(verify_gas(
        identity.descriptor.len(),
        vk.circuit().window_entries,
        &spec,
    ));
    let msg = ZkMsg::SubmitProof(spec);
    if let Err(error) = msg.validate() {
        return Err(Failure::error(error.code(), error.to_string()).into());
    }
    let key = signer(context, &args.tx.from)?;
    let submitted = send(&client, &key, &args.tx, &msg, gas).await?;
    #[derive(Serialize)]
    struct Sent<'a> {
        inference: String,
        #[serde(flatten)]
        submitted: &'a Submitted,
        privacy: &'static str,
    }
    let shown = Sent {
        inference: id.to_string(),
        submitted: &submitted,
        privacy: PRIVACY,
    };
    context.output.emit(&shown, || {
        submitted
            .fields(Fields::new().add("inference", id))
            .add("privacy", PRIVACY)
            .render()
    })?;
    // A proof the chain rejected is a negative answer (exit 3), like `zk verify`'s.
    if let Err(failure) = submitted.check() {
        if failure.code.starts_with("PROOF_")
            || failure.code == "INPUT_LENGTH"
            || failure.code == "OUTPUT_LENGTH"
        {
            return Err(Failure::verification(failure.code, failure.message).into());
        }
        return Err(failure.into());
    }
    Ok(())
}

async fn show(context: &Context, id: &Hash) -> anyhow::Result<()> {
    let client = context.client()?;
    let verified = found(client.verified_inference(id).await)
        .with_context(|| format!("fetching inference {id}"))?
        .ok_or_else(|| Failure::error("NOT_FOUND", format!("inference {id} is not recorded")))?;
    let inference: &InferenceView = &verified.answer.inference;
    #[derive(Serialize)]
    struct Shown<'a> {
        inference: &'a InferenceView,
        height: u64,
        state_root: String,
        verified: bool,
        privacy: &'static str,
    }
    let shown = Shown {
        inference,
        height: verified.answer.height,
        state_root: verified.answer.state_root.to_string(),
        verified: true,
        privacy: PRIVACY,
    };
    context.output.emit(&shown, || {
        Fields::new()
            .add("inference", inference.id)
            .add("version", inference.version)
            .add("identity", inference.identity)
            .add(
                "input",
                format!(
                    "{} ({} values)",
                    inference.input_digest, inference.input_len
                ),
            )
            .add("output", format!("{:?}", inference.output))
            .add(
                "proof",
                format!("{} ({} bytes)", inference.proof_digest, inference.proof_len),
            )
            .add("tx", inference.tx)
            .add("submitter", &inference.submitter)
            .add("recorded at", inference.height)
            .add(
                "state proof",
                format!(
                    "verified against the state root of block {}",
                    verified.answer.height
                ),
            )
            .add("privacy", PRIVACY)
            .render()
    })
}

/// Builds, signs and submits a zk message; with `--wait`, waits for its receipt. The default
/// gas limit is the message's own charges plus a generous margin for its bytes and state
/// accesses (only the gas used is paid).
async fn send(
    client: &Client,
    key: &StoredKey,
    args: &TxArgs,
    msg: &ZkMsg,
    charges: u64,
) -> anyhow::Result<Submitted> {
    let bytes = u64::try_from(msg.encode_size()).unwrap_or(u64::MAX);
    let default_gas = 200_000_u64
        .saturating_add(bytes.saturating_mul(20))
        .saturating_add(charges.saturating_mul(2));
    let message = (Zk::ID, msg.encode().to_vec());
    provenance::send(client, key, args, message, msg.kind(), default_gas).await
}
