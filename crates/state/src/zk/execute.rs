//! Execution of zk messages against the state.

use super::{
    Inference, ProvingIdentity, Zk, ZkError, ZkMsg,
    msg::{IdentitySpec, ProofSpec, identity_hash, input_digest, verifying_key},
    state_key,
};
use crate::{
    ExecError, Module, ModuleError, StateStore, StoreError, TxContext, TxState,
    provenance::{self, Model, Provenance, VersionHead, VersionStatus},
};
use ailedger_core::{Event, Hash, sha256};
use ailedger_zkml::verifier;
use commonware_codec::{Copying, Decode, Encode};

/// Gas charged for attaching a proving identity, on top of the metered reads and writes.
pub const REGISTER_IDENTITY_GAS: u64 = 50_000;
/// Gas charged per descriptor byte when a verifying key is built (decoding, circuit layout).
pub const DESCRIPTOR_BYTE_GAS: u64 = 20;
/// Gas charged for submitting a proof, before verification: the identity, version and
/// inference reads, the key rebuild's fixed part and the digests.
pub const SUBMIT_PROOF_GAS: u64 = 50_000;
/// Verification gas: the fixed part (transcript set-up, the lookup table's MLE, the final
/// checks).
///
/// The verification constants price one gas at about one nanosecond of verifier time, the
/// scale the rest of the schedule has (a transfer's ~20,000 gas is ~20 µs of execution).
/// Measured with the release build of the `ailedger-zkml` benchmark (`cargo bench -p
/// ailedger-zkml --bench prove`, median, 2 vCPUs shared with other builds): the digits MLP's
/// 224,378-byte proof verifies in 23.5 ms and the MNIST-size MLP's 528,458-byte proof in
/// 67.5 ms. The verifier's work is dominated by what it reads (Merkle columns and paths, field
/// elements absorbed and checked): about 128 ns per proof byte fits both, so
/// [`verify_gas`] charges them 29.8 and 69.4 million gas.
pub const VERIFY_BASE_GAS: u64 = 1_000_000;
/// Verification gas per proof byte (see [`VERIFY_BASE_GAS`]).
pub const VERIFY_PROOF_BYTE_GAS: u64 = 128;
/// Verification gas per input or output value (absorbed into the transcript and evaluated as a
/// multilinear extension).
pub const VERIFY_VALUE_GAS: u64 = 1_000;
/// Verification gas per im2col or pooling-window entry of the circuit: the verifier rebuilds
/// those maps itself and sums `eq` weights over every entry (a few nanoseconds each), work the
/// proof's size does not reflect.
pub const VERIFY_WINDOW_ENTRY_GAS: u64 = 8;

/// The gas the verification of `spec` is charged, a deterministic function of its sizes:
/// `VERIFY_BASE_GAS + VERIFY_PROOF_BYTE_GAS * proof bytes + VERIFY_VALUE_GAS * (input values +
/// output values) + VERIFY_WINDOW_ENTRY_GAS * window entries`, plus the descriptor's share of
/// rebuilding the key. The proof's length is fixed by the circuit the descriptor determines, so
/// this tracks the verifier's work for the model.
pub fn verify_gas(descriptor_len: usize, window_entries: usize, spec: &ProofSpec) -> u64 {
    let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
    VERIFY_BASE_GAS
        .saturating_add(DESCRIPTOR_BYTE_GAS.saturating_mul(count(descriptor_len)))
        .saturating_add(VERIFY_WINDOW_ENTRY_GAS.saturating_mul(count(window_entries)))
        .saturating_add(VERIFY_PROOF_BYTE_GAS.saturating_mul(count(spec.proof.len())))
        .saturating_add(
            VERIFY_VALUE_GAS.saturating_mul(count(spec.input.len() + spec.output.len())),
        )
}

pub(super) async fn execute<S: StateStore>(
    state: &mut TxState<'_, S>,
    ctx: &TxContext<'_>,
    msg: ZkMsg,
) -> Result<(), ExecError> {
    match msg {
        ZkMsg::RegisterIdentity(spec) => register_identity(state, ctx, spec).await,
        ZkMsg::SubmitProof(spec) => submit_proof(state, ctx, spec).await,
    }
}

async fn register_identity<S: StateStore>(
    state: &mut TxState<'_, S>,
    ctx: &TxContext<'_>,
    spec: IdentitySpec,
) -> Result<(), ExecError> {
    let descriptor_gas = u64::try_from(spec.descriptor.len())
        .unwrap_or(u64::MAX)
        .saturating_mul(DESCRIPTOR_BYTE_GAS);
    state.charge(REGISTER_IDENTITY_GAS.saturating_add(descriptor_gas))?;
    let head = active_version(state, &spec.version).await?;
    let model: Model = load(
        state,
        Provenance::NAME,
        &provenance::state_key::model(&head.model),
        "model",
    )
    .await?
    .ok_or_else(|| ExecError::Store(StoreError(format!("model {:?} is missing", head.model))))?;
    if &model.owner != ctx.sender {
        return Err(ZkError::NotOwner {
            model: model.name,
            owner: Box::new(model.owner),
            sender: Box::new(ctx.sender.clone()),
        }
        .into_exec());
    }
    let key = state_key::identity(&spec.version);
    if let Some(existing) = load::<_, ProvingIdentity>(state, Zk::NAME, &key, "identity").await? {
        return Err(ZkError::IdentityExists {
            id: spec.version,
            identity: existing.identity,
        }
        .into_exec());
    }
    let vk = verifying_key(&spec.descriptor, &spec.weight_root)
        .map_err(|e| ZkError::Descriptor(e.to_string()).into_exec())?;
    let record = ProvingIdentity {
        version: spec.version,
        model: head.model,
        descriptor: spec.descriptor,
        weight_root: spec.weight_root,
        pcs_params: vk.pcs_params(),
        identity: identity_hash(vk.identity()),
        registrant: ctx.sender.clone(),
        height: ctx.block.height,
        time_ms: ctx.block.timestamp_ms,
    };
    state.put(Zk::NAME, &key, record.encode().to_vec())?;
    state.emit(
        Event::new(Zk::NAME, "identity_registered")
            .with("version", record.version)
            .with("model", &record.model)
            .with("identity", record.identity)
            .with("weight_root", record.weight_root)
            .with("registrant", &record.registrant),
    )
}

async fn submit_proof<S: StateStore>(
    state: &mut TxState<'_, S>,
    ctx: &TxContext<'_>,
    spec: ProofSpec,
) -> Result<(), ExecError> {
    state.charge(SUBMIT_PROOF_GAS)?;
    let Some(registered) = load::<_, ProvingIdentity>(
        state,
        Zk::NAME,
        &state_key::identity(&spec.version),
        "identity",
    )
    .await?
    else {
        return Err(ZkError::NoIdentity { id: spec.version }.into_exec());
    };
    active_version(state, &spec.version).await?;
    let id = spec.inference_id();
    let key = state_key::inference(&id);
    if state.get(Zk::NAME, &key).await?.is_some() {
        return Err(ZkError::InferenceExists { id }.into_exec());
    }
    // The key was checked within the module's bounds when the identity was registered, so
    // rebuilding it costs little; it is needed to price the verification.
    let vk = verifying_key(&registered.descriptor, &registered.weight_root)
        .map_err(|e| ZkError::Descriptor(e.to_string()).into_exec())?;
    // Charged before verifying: a rejected proof pays for the work it caused.
    state.charge(verify_gas(
        registered.descriptor.len(),
        vk.circuit().window_entries,
        &spec,
    ))?;
    let mut expected = [0u8; 32];
    expected.copy_from_slice(registered.identity.as_ref());
    verifier::verify(&vk, Some(&expected), &spec.input, &spec.output, &spec.proof)
        .map_err(|e| ZkError::from(e).into_exec())?;

    let record = Inference {
        id,
        version: spec.version,
        identity: registered.identity,
        input_digest: input_digest(&spec.input),
        input_len: u32::try_from(spec.input.len()).unwrap_or(u32::MAX),
        output: spec.output,
        proof_digest: sha256(&[spec.proof.as_ref()]),
        proof_len: u32::try_from(spec.proof.len()).unwrap_or(u32::MAX),
        tx: ctx.tx_hash,
        submitter: ctx.sender.clone(),
        height: ctx.block.height,
        time_ms: ctx.block.timestamp_ms,
    };
    state.put(Zk::NAME, &key, record.encode().to_vec())?;
    state.emit(
        Event::new(Zk::NAME, "inference_verified")
            .with("id", record.id)
            .with("version", record.version)
            .with("identity", record.identity)
            .with("input_digest", record.input_digest)
            .with("proof_digest", record.proof_digest)
            .with("submitter", &record.submitter),
    )
}

/// The version's head, if it is registered and not revoked.
async fn active_version<S: StateStore>(
    state: &mut TxState<'_, S>,
    id: &Hash,
) -> Result<VersionHead, ExecError> {
    let head: Option<VersionHead> = load(
        state,
        Provenance::NAME,
        &provenance::state_key::version_head(id),
        "version head",
    )
    .await?;
    match head {
        None => Err(ZkError::VersionNotFound { id: *id }.into_exec()),
        Some(VersionHead {
            status: VersionStatus::Revoked(change),
            ..
        }) => Err(ZkError::VersionRevoked {
            id: *id,
            reason: change.reason,
        }
        .into_exec()),
        Some(head) => Ok(head),
    }
}

async fn load<S: StateStore, T: Decode<Cfg = ()>>(
    state: &mut TxState<'_, S>,
    module: &str,
    key: &[u8],
    what: &str,
) -> Result<Option<T>, ExecError> {
    match state.get(module, key).await? {
        None => Ok(None),
        Some(bytes) => T::decode_cfg(Copying(&bytes), &())
            .map(Some)
            .map_err(|error| ExecError::Store(StoreError(format!("corrupt {what}: {error}")))),
    }
}
