//! Execution of content messages against the state.

use super::{
    Claim, ClaimKind, ClaimRef, Content, ContentError, ContentMsg, MAX_CLAIMS_PER_CONTENT,
    msg::ClaimSpec, state_key,
};
use crate::{
    ExecError, Module, ModuleError, StateStore, StoreError, TxContext, TxState,
    logs::{self, Logs},
    provenance::{self, Provenance, VersionHead, VersionStatus},
};
use ailedger_core::{Event, Hash};
use commonware_codec::{Copying, Decode, Encode, EncodeSize};

/// Gas charged for registering a claim, on top of the metered reads and writes: the claimant
/// and count reads, the digest checks and the event.
pub const REGISTER_CLAIM_GAS: u64 = 20_000;
/// Gas charged per byte of the encoded claim (decoding, the stateless checks, and what a node
/// does with its fingerprints off the chain), on top of the per-byte write cost.
pub const CLAIM_BYTE_GAS: u64 = 20;

/// The gas a claim is charged before any state access: proportional to its encoded size.
pub fn claim_gas(spec: &ClaimSpec) -> u64 {
    let n_bytes = u64::try_from(spec.encode_size()).unwrap_or(u64::MAX);
    REGISTER_CLAIM_GAS.saturating_add(CLAIM_BYTE_GAS.saturating_mul(n_bytes))
}

pub(super) async fn execute<S: StateStore>(
    state: &mut TxState<'_, S>,
    ctx: &TxContext<'_>,
    msg: ContentMsg,
) -> Result<(), ExecError> {
    match msg {
        ContentMsg::RegisterClaim(spec) => register_claim(state, ctx, spec).await,
    }
}

async fn register_claim<S: StateStore>(
    state: &mut TxState<'_, S>,
    ctx: &TxContext<'_>,
    spec: ClaimSpec,
) -> Result<(), ExecError> {
    state.charge(claim_gas(&spec))?;
    if let ClaimKind::AiGenerated {
        model_version,
        receipt,
        ..
    } = &spec.kind
    {
        active_version(state, model_version).await?;
        if let Some(receipt) = receipt
            && state
                .get(Logs::NAME, &logs::state_key::log(&receipt.log_origin))
                .await?
                .is_none()
        {
            return Err(ContentError::LogNotFound {
                origin: receipt.log_origin.clone(),
            }
            .into_exec());
        }
    }

    let claimant_key = state_key::claimant(&spec.content, ctx.sender);
    if let Some(index) = load::<_, u32>(state, &claimant_key, "claimant index").await? {
        return Err(ContentError::AlreadyClaimed {
            content: spec.content,
            claimant: Box::new(ctx.sender.clone()),
            index,
        }
        .into_exec());
    }
    let count_key = state_key::claim_count(&spec.content);
    let index = load::<_, u32>(state, &count_key, "claim count")
        .await?
        .unwrap_or(0);
    if index >= MAX_CLAIMS_PER_CONTENT {
        return Err(ContentError::TooManyClaims {
            content: spec.content,
        }
        .into_exec());
    }
    let total_key = state_key::total();
    let seq = load::<_, u64>(state, &total_key, "claim total")
        .await?
        .unwrap_or(0);

    let claim = Claim {
        content: spec.content,
        index,
        seq,
        claimant: ctx.sender.clone(),
        kind: spec.kind,
        credential: spec.credential,
        credential_format: spec.credential_format,
        fingerprints: spec.fingerprints,
        tx: ctx.tx_hash,
        height: ctx.block.height,
        time_ms: ctx.block.timestamp_ms,
    };
    state.put(
        Content::NAME,
        &state_key::claim(&claim.content, index),
        claim.encode().to_vec(),
    )?;
    state.put(Content::NAME, &count_key, (index + 1).encode().to_vec())?;
    state.put(Content::NAME, &claimant_key, index.encode().to_vec())?;
    state.put(
        Content::NAME,
        &state_key::by_seq(seq),
        ClaimRef {
            content: claim.content,
            index,
        }
        .encode()
        .to_vec(),
    )?;
    state.put(Content::NAME, &total_key, (seq + 1).encode().to_vec())?;

    let mut event = Event::new(Content::NAME, "claim_registered")
        .with("content", claim.content)
        .with("index", claim.index)
        .with("seq", claim.seq)
        .with("claimant", &claim.claimant)
        .with("kind", claim.kind.as_str())
        .with("source_type", claim.kind.source_type())
        .with("credential", claim.credential);
    if let ClaimKind::AiGenerated { model_version, .. } = &claim.kind {
        event = event.with("model_version", model_version);
    }
    state.emit(event)
}

/// Checks that the version is registered and not revoked.
async fn active_version<S: StateStore>(
    state: &mut TxState<'_, S>,
    id: &Hash,
) -> Result<(), ExecError> {
    let head: Option<VersionHead> =
        match state
            .get(Provenance::NAME, &provenance::state_key::version_head(id))
            .await?
        {
            None => None,
            Some(bytes) => Some(VersionHead::decode_cfg(Copying(&bytes), &()).map_err(
                |error| ExecError::Store(StoreError(format!("corrupt version head: {error}"))),
            )?),
        };
    match head {
        None => Err(ContentError::VersionNotFound { id: *id }.into_exec()),
        Some(VersionHead {
            status: VersionStatus::Revoked(change),
            ..
        }) => Err(ContentError::VersionRevoked {
            id: *id,
            reason: change.reason,
        }
        .into_exec()),
        Some(_) => Ok(()),
    }
}

async fn load<S: StateStore, T: Decode<Cfg = ()>>(
    state: &mut TxState<'_, S>,
    key: &[u8],
    what: &str,
) -> Result<Option<T>, ExecError> {
    match state.get(Content::NAME, key).await? {
        None => Ok(None),
        Some(bytes) => T::decode_cfg(Copying(&bytes), &())
            .map(Some)
            .map_err(|error| ExecError::Store(StoreError(format!("corrupt {what}: {error}")))),
    }
}
