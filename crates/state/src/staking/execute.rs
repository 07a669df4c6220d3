//! Execution of staking messages, and the epoch boundary at the end of a block.

use super::{
    DoubleSign, EvidenceRecord, MAX_CANDIDATES, MAX_UNBONDINGS, SetMember, Staking, StakingError,
    StakingMsg, StakingParams, Unbonding, Validator, ValidatorSet, record::Candidates, state_key,
};
use crate::{
    BlockContext, ExecError, Module, ModuleError, StateStore, StoreError, TxContext, TxState,
    bank::execute as bank,
};
use ailedger_core::{Address, Amount, Event};
use bytes::Bytes;
use commonware_codec::{Copying, Decode, Encode};
use commonware_cryptography::ed25519;
use commonware_utils::ordered::Set;

/// Gas charged for registering a validator, on top of the metered reads and writes.
pub const REGISTER_VALIDATOR_GAS: u64 = 10_000;
/// Gas charged for a bond, an unbond or a withdrawal, on top of the metered reads and writes.
pub const BOND_GAS: u64 = 5_000;
/// Gas charged for a double-sign report, on top of the metered reads and writes and the
/// verification.
pub const REPORT_DOUBLE_SIGN_GAS: u64 = 10_000;
/// Gas per byte of evidence decoded (two votes, each with a point and a signature to parse).
pub const EVIDENCE_BYTE_GAS: u64 = 10;
/// Gas per signature of the evidence verified: an Ed25519 verification, as a transaction's own.
pub const SIGNATURE_GAS: u64 = 10_000;
/// Gas per member of the epoch's set the verifier is built from (its key, decompressed when the
/// set is read, and placed in the ordered participant set).
pub const SET_MEMBER_GAS: u64 = 2_000;

pub(super) async fn execute<S: StateStore>(
    state: &mut TxState<'_, S>,
    ctx: &TxContext<'_>,
    msg: StakingMsg,
) -> Result<(), ExecError> {
    match msg {
        StakingMsg::RegisterValidator { p2p_address, stake } => {
            register(state, ctx, p2p_address, stake).await
        }
        StakingMsg::Bond { amount } => bond(state, ctx, amount).await,
        StakingMsg::Unbond { amount } => unbond(state, ctx, amount).await,
        StakingMsg::Withdraw => withdraw(state, ctx).await,
        StakingMsg::ReportDoubleSign { evidence } => report_double_sign(state, ctx, evidence).await,
    }
}

async fn register<S: StateStore>(
    state: &mut TxState<'_, S>,
    ctx: &TxContext<'_>,
    p2p_address: String,
    stake: Amount,
) -> Result<(), ExecError> {
    state.charge(REGISTER_VALIDATOR_GAS)?;
    let params = load_params(state).await?;
    let address = ctx.sender;
    if load_validator(state, address).await?.is_some() {
        return Err(StakingError::ValidatorExists {
            address: address.clone(),
        }
        .into_exec());
    }
    if stake < params.min_self_stake {
        return Err(StakingError::BelowMinimumStake {
            stake,
            min: params.min_self_stake,
        }
        .into_exec());
    }
    add_candidate(state, address).await?;
    bank::debit(state, address, stake).await?;
    add_to_pool(state, stake).await?;
    let validator = Validator {
        p2p_address,
        stake,
        unbonding: Vec::new(),
        jailed: false,
    };
    put(state, &state_key::validator(address), &validator)?;
    state.emit(
        Event::new(Staking::NAME, "validator_registered")
            .with("validator", address)
            .with("p2p_address", &validator.p2p_address)
            .with("stake", stake),
    )
}

async fn bond<S: StateStore>(
    state: &mut TxState<'_, S>,
    ctx: &TxContext<'_>,
    amount: Amount,
) -> Result<(), ExecError> {
    state.charge(BOND_GAS)?;
    let params = load_params(state).await?;
    let address = ctx.sender;
    let mut validator = existing_validator(state, address).await?;
    if validator.jailed {
        return Err(StakingError::Jailed {
            address: address.clone(),
        }
        .into_exec());
    }
    let stake = validator
        .stake
        .checked_add(amount)
        .ok_or_else(|| StakingError::Overflow.into_exec())?;
    // Every candidate holds at least the minimum, so that each of the bounded candidate slots
    // costs that much to take.
    if stake < params.min_self_stake {
        return Err(StakingError::BelowMinimumStake {
            stake,
            min: params.min_self_stake,
        }
        .into_exec());
    }
    if validator.stake == 0 {
        add_candidate(state, address).await?;
    }
    bank::debit(state, address, amount).await?;
    add_to_pool(state, amount).await?;
    validator.stake = stake;
    put(state, &state_key::validator(address), &validator)?;
    state.emit(
        Event::new(Staking::NAME, "bonded")
            .with("validator", address)
            .with("amount", amount)
            .with("stake", stake),
    )
}

async fn unbond<S: StateStore>(
    state: &mut TxState<'_, S>,
    ctx: &TxContext<'_>,
    amount: Amount,
) -> Result<(), ExecError> {
    state.charge(BOND_GAS)?;
    let params = load_params(state).await?;
    let address = ctx.sender;
    let mut validator = existing_validator(state, address).await?;
    let Some(stake) = validator.stake.checked_sub(amount) else {
        return Err(StakingError::InsufficientStake {
            stake: validator.stake,
            amount,
        }
        .into_exec());
    };
    if stake != 0 && stake < params.min_self_stake {
        return Err(StakingError::BelowMinimumStake {
            stake,
            min: params.min_self_stake,
        }
        .into_exec());
    }
    // The amount stops counting at the next boundary, but stays slashable for the unbonding
    // delay after the last epoch it may have voted in (the current one): a fault of this epoch
    // can still be reported during the next `unbonding_epochs` epochs.
    let current = epoch_of(&params, ctx.block);
    let release_epoch = current
        .saturating_add(1)
        .saturating_add(params.unbonding_epochs);
    match validator.unbonding.last_mut() {
        Some(last) if last.release_epoch == release_epoch => {
            last.amount = last
                .amount
                .checked_add(amount)
                .ok_or_else(|| StakingError::Overflow.into_exec())?;
        }
        _ => {
            if validator.unbonding.len() >= MAX_UNBONDINGS {
                return Err(StakingError::TooManyUnbondings {
                    max: MAX_UNBONDINGS,
                }
                .into_exec());
            }
            validator.unbonding.push(Unbonding {
                release_epoch,
                amount,
            });
        }
    }
    if stake == 0 && validator.stake != 0 {
        remove_candidate(state, address).await?;
    }
    validator.stake = stake;
    put(state, &state_key::validator(address), &validator)?;
    state.emit(
        Event::new(Staking::NAME, "unbonded")
            .with("validator", address)
            .with("amount", amount)
            .with("stake", stake)
            .with("release_epoch", release_epoch),
    )
}

async fn withdraw<S: StateStore>(
    state: &mut TxState<'_, S>,
    ctx: &TxContext<'_>,
) -> Result<(), ExecError> {
    state.charge(BOND_GAS)?;
    let params = load_params(state).await?;
    let address = ctx.sender;
    let mut validator = existing_validator(state, address).await?;
    let current = epoch_of(&params, ctx.block);
    let (released, waiting): (Vec<Unbonding>, Vec<Unbonding>) = validator
        .unbonding
        .iter()
        .partition(|entry| entry.release_epoch <= current);
    let amount: Amount = released.iter().map(|entry| entry.amount).sum();
    if amount == 0 {
        return Err(StakingError::NothingToWithdraw { epoch: current }.into_exec());
    }
    take_from_pool(state, amount).await?;
    bank::credit(state, address, amount).await?;
    validator.unbonding = waiting;
    // A validator with nothing left is forgotten, so that its key may register again; a jailed
    // one is kept for good, so that it may not.
    if validator.stake == 0 && validator.unbonding.is_empty() && !validator.jailed {
        state.delete(Staking::NAME, &state_key::validator(address))?;
    } else {
        put(state, &state_key::validator(address), &validator)?;
    }
    state.emit(
        Event::new(Staking::NAME, "withdrawn")
            .with("validator", address)
            .with("amount", amount),
    )
}

async fn report_double_sign<S: StateStore>(
    state: &mut TxState<'_, S>,
    ctx: &TxContext<'_>,
    evidence: Bytes,
) -> Result<(), ExecError> {
    // Decoding is paid for before it runs, and verification before it runs, so that evidence
    // that is refused still pays for the work it caused.
    state.charge(REPORT_DOUBLE_SIGN_GAS.saturating_add(per(EVIDENCE_BYTE_GAS, evidence.len())))?;
    let params = load_params(state).await?;
    let fault =
        DoubleSign::decode(&evidence).map_err(|error| StakingError::Evidence(error).into_exec())?;
    let (kind, epoch, view, signer) = (fault.kind(), fault.epoch(), fault.view(), fault.signer());
    let current = epoch_of(&params, ctx.block);
    if epoch > current {
        return Err(StakingError::UnknownEpoch { epoch }.into_exec());
    }
    if current - epoch > params.unbonding_epochs {
        return Err(StakingError::EvidenceTooOld {
            epoch,
            current,
            window: params.unbonding_epochs,
        }
        .into_exec());
    }
    let Some(set) = read::<S, ValidatorSet>(state, &state_key::set(epoch), "validator set").await?
    else {
        return Err(StakingError::UnknownEpoch { epoch }.into_exec());
    };
    let n_members = set.members.len();
    state.charge(per(SET_MEMBER_GAS, n_members).saturating_add(SIGNATURE_GAS.saturating_mul(2)))?;
    let index = usize::try_from(signer).unwrap_or(usize::MAX);
    let Some(member) = set.members.get(index) else {
        return Err(StakingError::UnknownSigner {
            signer,
            epoch,
            n_members,
        }
        .into_exec());
    };
    let offender = member.address.clone();
    let keys: Vec<ed25519::PublicKey> = set
        .addresses()
        .map(|address| address.public_key().clone())
        .collect();
    let participants = Set::try_from(keys).map_err(|_| {
        ExecError::Store(StoreError(format!(
            "corrupt validator set of epoch {epoch}: a key is listed twice"
        )))
    })?;
    if !fault.verify(participants) {
        return Err(StakingError::BadEvidenceSignature { signer, epoch }.into_exec());
    }

    let evidence_key = state_key::evidence(kind, epoch, view, &offender);
    if state.get(Staking::NAME, &evidence_key).await?.is_some() {
        return Err(StakingError::EvidenceExists {
            kind: kind.as_str(),
            offender,
            epoch,
            view,
        }
        .into_exec());
    }
    // A validator that withdrew everything has no record; it gets a jailed one, so that its
    // key can never register again.
    let mut validator = load_validator(state, &offender)
        .await?
        .unwrap_or_else(|| Validator {
            p2p_address: String::new(),
            stake: 0,
            unbonding: Vec::new(),
            jailed: false,
        });
    // One slash per validator: the first fault jails it for good, and later evidence (other
    // views of the same burst of equivocation, typically) is recorded but burns nothing more.
    let burned = if validator.jailed {
        0
    } else {
        slash(state, &params, &offender, &mut validator).await?
    };
    put(state, &state_key::validator(&offender), &validator)?;
    let record = EvidenceRecord {
        kind,
        epoch,
        view,
        offender: offender.clone(),
        reporter: ctx.sender.clone(),
        height: ctx.block.height,
        burned,
    };
    put(state, &evidence_key, &record)?;
    state.emit(
        Event::new(Staking::NAME, "double_sign_slashed")
            .with("offender", &offender)
            .with("kind", kind.as_str())
            .with("epoch", epoch)
            .with("view", view)
            .with("burned", burned)
            .with("reporter", ctx.sender),
    )
}

/// Burns the penalty from the stake and from every unbonding amount (they were at stake when
/// the fault was committed), jails the validator and drops it from the candidates. Returns what
/// was burned.
async fn slash<S: StateStore>(
    state: &mut TxState<'_, S>,
    params: &StakingParams,
    offender: &Address,
    validator: &mut Validator,
) -> Result<Amount, ExecError> {
    let mut burned = params.double_sign_penalty(validator.stake);
    validator.stake -= burned;
    for entry in &mut validator.unbonding {
        let penalty = params.double_sign_penalty(entry.amount);
        entry.amount -= penalty;
        burned += penalty;
    }
    validator.unbonding.retain(|entry| entry.amount > 0);
    remove_candidate(state, offender).await?;
    validator.jailed = true;
    if burned > 0 {
        take_from_pool(state, burned).await?;
        bank::burn(state, burned).await?;
    }
    state.emit(Event::new(Staking::NAME, "validator_jailed").with("validator", offender))?;
    Ok(burned)
}

/// At the last block of an epoch, fixes the next epoch's set: the top `max_validators`
/// candidates by stake (ties to the lower address) that are not jailed and hold the minimum,
/// stored by address under the next epoch's number.
pub(super) async fn end_block<S: StateStore>(
    state: &mut TxState<'_, S>,
    block: &BlockContext,
) -> Result<(), ExecError> {
    let Some(params) = read::<S, StakingParams>(state, state_key::PARAMS, "params").await? else {
        // A chain whose genesis predates staking has no sets to compute.
        return Ok(());
    };
    let epochs = params
        .epochs()
        .expect("stored parameters decode only if valid");
    let epoch = epochs.epoch_of(block.height);
    if epochs.last(epoch) != Some(block.height) {
        return Ok(());
    }
    let next = ValidatorSet {
        epoch: epoch + 1,
        members: next_members(state, &params, epoch).await?,
    };
    put(state, &state_key::set(next.epoch), &next)
}

async fn next_members<S: StateStore>(
    state: &mut TxState<'_, S>,
    params: &StakingParams,
    epoch: u64,
) -> Result<Vec<SetMember>, ExecError> {
    let mut eligible = Vec::new();
    for address in load_candidates(state).await? {
        let validator = load_validator(state, &address).await?.ok_or_else(|| {
            ExecError::Store(StoreError(format!(
                "candidate {address} has no validator record"
            )))
        })?;
        if validator.jailed || validator.stake < params.min_self_stake {
            continue;
        }
        eligible.push(SetMember {
            address,
            stake: validator.stake,
            p2p_address: validator.p2p_address,
        });
    }
    if eligible.is_empty() {
        // A set cannot be empty (the chain would stop); with no eligible candidate, the
        // current set carries on.
        let current = read::<S, ValidatorSet>(state, &state_key::set(epoch), "validator set")
            .await?
            .ok_or_else(|| {
                ExecError::Store(StoreError(format!("no validator set for epoch {epoch}")))
            })?;
        return Ok(current.members);
    }
    eligible.sort_by(|a, b| {
        b.stake
            .cmp(&a.stake)
            .then_with(|| a.address.cmp(&b.address))
    });
    eligible.truncate(usize::try_from(params.max_validators).unwrap_or(usize::MAX));
    eligible.sort_by(|a, b| a.address.cmp(&b.address));
    Ok(eligible)
}

fn epoch_of(params: &StakingParams, block: &BlockContext) -> u64 {
    params
        .epochs()
        .expect("stored parameters decode only if valid")
        .epoch_of(block.height)
}

async fn load_params<S: StateStore>(
    state: &mut TxState<'_, S>,
) -> Result<StakingParams, ExecError> {
    read::<S, StakingParams>(state, state_key::PARAMS, "params")
        .await?
        .ok_or_else(|| StakingError::Disabled.into_exec())
}

async fn load_validator<S: StateStore>(
    state: &mut TxState<'_, S>,
    address: &Address,
) -> Result<Option<Validator>, ExecError> {
    read(state, &state_key::validator(address), "validator").await
}

async fn existing_validator<S: StateStore>(
    state: &mut TxState<'_, S>,
    address: &Address,
) -> Result<Validator, ExecError> {
    load_validator(state, address).await?.ok_or_else(|| {
        StakingError::NotAValidator {
            address: address.clone(),
        }
        .into_exec()
    })
}

async fn load_candidates<S: StateStore>(
    state: &mut TxState<'_, S>,
) -> Result<Vec<Address>, ExecError> {
    let candidates = read::<S, Candidates>(state, state_key::CANDIDATES, "candidates").await?;
    Ok(candidates.unwrap_or_default().0)
}

/// Adds a candidate in address order; fails if every slot is taken.
async fn add_candidate<S: StateStore>(
    state: &mut TxState<'_, S>,
    address: &Address,
) -> Result<(), ExecError> {
    let mut candidates = load_candidates(state).await?;
    let Err(position) = candidates.binary_search(address) else {
        return Ok(());
    };
    if candidates.len() >= MAX_CANDIDATES {
        return Err(StakingError::TooManyCandidates {
            max: MAX_CANDIDATES,
        }
        .into_exec());
    }
    candidates.insert(position, address.clone());
    save_candidates(state, candidates)
}

async fn remove_candidate<S: StateStore>(
    state: &mut TxState<'_, S>,
    address: &Address,
) -> Result<(), ExecError> {
    let mut candidates = load_candidates(state).await?;
    let Ok(position) = candidates.binary_search(address) else {
        return Ok(());
    };
    candidates.remove(position);
    save_candidates(state, candidates)
}

fn save_candidates<S: StateStore>(
    state: &mut TxState<'_, S>,
    candidates: Vec<Address>,
) -> Result<(), ExecError> {
    put(state, state_key::CANDIDATES, &Candidates(candidates))
}

async fn pool<S: StateStore>(state: &mut TxState<'_, S>) -> Result<Amount, ExecError> {
    Ok(read::<S, Amount>(state, state_key::POOL, "pool")
        .await?
        .unwrap_or(0))
}

async fn add_to_pool<S: StateStore>(
    state: &mut TxState<'_, S>,
    amount: Amount,
) -> Result<(), ExecError> {
    // Cannot overflow: the pool holds tokens taken from balances within the supply.
    let total = pool(state)
        .await?
        .checked_add(amount)
        .ok_or_else(|| StakingError::Overflow.into_exec())?;
    put(state, state_key::POOL, &total)
}

async fn take_from_pool<S: StateStore>(
    state: &mut TxState<'_, S>,
    amount: Amount,
) -> Result<(), ExecError> {
    let held = pool(state).await?;
    let total = held.checked_sub(amount).ok_or_else(|| {
        ExecError::Store(StoreError(format!(
            "the staking pool holds {held}, cannot release {amount}"
        )))
    })?;
    put(state, state_key::POOL, &total)
}

async fn read<S: StateStore, T: Decode<Cfg = ()>>(
    state: &mut TxState<'_, S>,
    raw: &[u8],
    what: &'static str,
) -> Result<Option<T>, ExecError> {
    match state.get(Staking::NAME, raw).await? {
        None => Ok(None),
        Some(bytes) => T::decode_cfg(Copying(&bytes), &())
            .map(Some)
            .map_err(|error| corrupt(what, &error)),
    }
}

fn put<S: StateStore, T: Encode>(
    state: &mut TxState<'_, S>,
    raw: &[u8],
    value: &T,
) -> Result<(), ExecError> {
    state.put(Staking::NAME, raw, value.encode().to_vec())
}

fn corrupt(what: &str, error: &commonware_codec::Error) -> ExecError {
    ExecError::Store(StoreError(format!("corrupt staking {what}: {error}")))
}

fn per(gas: u64, n: usize) -> u64 {
    gas.saturating_mul(u64::try_from(n).unwrap_or(u64::MAX))
}
