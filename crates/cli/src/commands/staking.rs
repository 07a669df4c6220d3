//! `ailedger staking ...`: validators' stake on the chain, and the sets it decides.
//!
//! The messages are signed with a stored key (`--from`), whose account key is the validator's
//! consensus key. What can be checked before paying a fee is checked against verified state
//! first (registered or not, the minimum self-stake, evidence that decodes as a fault); the
//! rest is the chain's to refuse, with its code in the receipt (exit 1 with `--wait`).
//! Reads are verified against a block's state root (exit 3 if a proof fails); a set is also
//! checked against the header that commits to it.

use super::{
    Context,
    account::resolve,
    provenance::{Submitted, found, proof_text, send, signer},
};
use crate::{
    cli::{
        AmountArgs, EvidenceArg, RegisterValidatorArgs, ReportArgs, StakingCommand, TxArgs,
        WithdrawArgs,
    },
    failure::Failure,
    keystore::StoredKey,
    output::Fields,
};
use ailedger_client::{
    Client, Verified,
    dto::{StakingParamsAnswer, ValidatorAnswer, ValidatorSetAnswer, ValidatorView},
};
use ailedger_core::{Address, Amount};
use ailedger_node::config::Home;
use ailedger_state::{
    Module,
    staking::{
        BOND_GAS, DoubleSign, EVIDENCE_BYTE_GAS, MAX_EVIDENCE_LEN, MAX_VALIDATORS,
        REGISTER_VALIDATOR_GAS, REPORT_DOUBLE_SIGN_GAS, SET_MEMBER_GAS, SIGNATURE_GAS, Staking,
        StakingMsg,
    },
};
use anyhow::Context as _;
use commonware_codec::{Encode, EncodeSize};
use serde::Serialize;

/// Runs `ailedger staking ...`.
pub(crate) async fn execute(context: &Context, command: StakingCommand) -> anyhow::Result<()> {
    match command {
        StakingCommand::Register(args) => register(context, args).await,
        StakingCommand::Bond(args) => bond_or_unbond(context, args, true).await,
        StakingCommand::Unbond(args) => bond_or_unbond(context, args, false).await,
        StakingCommand::Withdraw(args) => withdraw(context, args).await,
        StakingCommand::Validator { validator } => show_validator(context, validator).await,
        StakingCommand::Set { epoch } => show_set(context, epoch).await,
        StakingCommand::Params => show_params(context).await,
        StakingCommand::ReportDoubleSign(args) => report(context, args).await,
    }
}

/// What a staking transaction command prints.
#[derive(Debug, Serialize)]
struct Sent<'a> {
    /// The message's kind (`register_validator`, `bond`, ...).
    action: &'static str,
    /// The sender: the validator, or the reporter of a fault.
    from: String,
    /// The amount moved, for a bond, an unbond or a registration.
    #[serde(skip_serializing_if = "Option::is_none")]
    amount: Option<String>,
    #[serde(flatten)]
    submitted: &'a Submitted,
}

/// A gas limit that covers a staking message: its own charge, its bytes carried and its
/// metered state accesses (the validator record, the candidates, two balances and the pool)
/// several times over. Only the gas used is paid.
fn default_gas(msg: &StakingMsg) -> u64 {
    let bytes = u64::try_from(msg.encode_size()).unwrap_or(u64::MAX);
    let members = u64::from(MAX_VALIDATORS);
    let charges = match msg {
        StakingMsg::RegisterValidator { .. } => REGISTER_VALIDATOR_GAS,
        StakingMsg::Bond { .. } | StakingMsg::Unbond { .. } | StakingMsg::Withdraw => BOND_GAS,
        // The most the evidence can cost: every byte, the largest set, two signatures.
        StakingMsg::ReportDoubleSign { .. } => REPORT_DOUBLE_SIGN_GAS
            .saturating_add(EVIDENCE_BYTE_GAS.saturating_mul(bytes))
            .saturating_add(SET_MEMBER_GAS.saturating_mul(members))
            .saturating_add(SIGNATURE_GAS.saturating_mul(2)),
    };
    300_000_u64
        .saturating_add(bytes.saturating_mul(50))
        .saturating_add(charges.saturating_mul(2))
}

/// Signs, submits and prints a staking message; fails with the chain's code if it was
/// committed and refused.
async fn submit(
    context: &Context,
    client: &Client,
    key: &StoredKey,
    tx: &TxArgs,
    msg: &StakingMsg,
    amount: Option<Amount>,
) -> anyhow::Result<()> {
    let message = (Staking::ID, msg.encode().to_vec());
    let submitted = send(client, key, tx, message, msg.kind(), default_gas(msg)).await?;
    let shown = Sent {
        action: msg.kind(),
        from: key.key.address().to_string(),
        amount: amount.map(|amount| amount.to_string()),
        submitted: &submitted,
    };
    context.output.emit(&shown, || {
        let mut fields = Fields::new()
            .add("action", shown.action)
            .add("from", &shown.from);
        if let Some(amount) = &shown.amount {
            fields = fields.add("amount", amount);
        }
        submitted.fields(fields).render()
    })?;
    submitted.check()?;
    Ok(())
}

/// The validator record of `address`, verified; `None` if the proven state has none.
async fn validator_record(
    client: &Client,
    address: &Address,
) -> anyhow::Result<Option<ValidatorView>> {
    let answer = found(client.verified_validator(address).await)
        .with_context(|| format!("reading validator {address}"))?;
    Ok(answer.map(|verified| verified.answer.validator))
}

async fn register(context: &Context, args: RegisterValidatorArgs) -> anyhow::Result<()> {
    let key = signer(context, &args.tx.from)?;
    let client = context.client()?;
    let address = key.key.address();
    let params = client
        .verified_staking_params()
        .await
        .context("reading the staking parameters")?;
    let min = params.answer.params.min_self_stake;
    if args.stake < min {
        return Err(Failure::error(
            "BELOW_MINIMUM_STAKE",
            format!("a validator's stake must be at least {min}, the chain's minimum self-stake"),
        )
        .into());
    }
    if validator_record(&client, &address).await?.is_some() {
        return Err(Failure::error(
            "VALIDATOR_EXISTS",
            format!("{address} is already registered as a validator"),
        )
        .into());
    }
    let msg = StakingMsg::RegisterValidator {
        p2p_address: args.p2p_address,
        stake: args.stake,
    };
    submit(context, &client, &key, &args.tx, &msg, Some(args.stake)).await
}

async fn bond_or_unbond(context: &Context, args: AmountArgs, bond: bool) -> anyhow::Result<()> {
    let key = signer(context, &args.tx.from)?;
    let client = context.client()?;
    registered(&client, &key.key.address()).await?;
    let msg = if bond {
        StakingMsg::Bond {
            amount: args.amount,
        }
    } else {
        StakingMsg::Unbond {
            amount: args.amount,
        }
    };
    submit(context, &client, &key, &args.tx, &msg, Some(args.amount)).await
}

async fn withdraw(context: &Context, args: WithdrawArgs) -> anyhow::Result<()> {
    let key = signer(context, &args.tx.from)?;
    let client = context.client()?;
    registered(&client, &key.key.address()).await?;
    submit(
        context,
        &client,
        &key,
        &args.tx,
        &StakingMsg::Withdraw,
        None,
    )
    .await
}

/// Fails with the chain's code unless `address` is a registered validator.
async fn registered(client: &Client, address: &Address) -> anyhow::Result<()> {
    if validator_record(client, address).await?.is_none() {
        return Err(Failure::error(
            "NOT_A_VALIDATOR",
            format!("{address} is not a registered validator"),
        )
        .into());
    }
    Ok(())
}

async fn report(context: &Context, args: ReportArgs) -> anyhow::Result<()> {
    let evidence = match args.evidence {
        EvidenceArg::Hex(bytes) => bytes,
        EvidenceArg::File(path) => read_evidence(&path)?,
    };
    if evidence.len() > MAX_EVIDENCE_LEN {
        return Err(Failure::error(
            "MALFORMED_EVIDENCE",
            format!(
                "the evidence is {} bytes; a fault is at most {MAX_EVIDENCE_LEN}",
                evidence.len()
            ),
        )
        .into());
    }
    // Decoded here first, so that bytes that are no fault cost no fee; the signatures are the
    // chain's to check, against the set of the fault's epoch.
    let fault = DoubleSign::decode(&evidence)
        .map_err(|error| Failure::error(error.code(), error.to_string()))?;
    tracing::debug!(
        target: "ailedger::cli",
        kind = fault.kind().as_str(),
        epoch = fault.epoch(),
        view = fault.view(),
        "reporting a double sign"
    );
    let key = signer(context, &args.tx.from)?;
    let client = context.client()?;
    let msg = StakingMsg::ReportDoubleSign {
        evidence: evidence.into(),
    };
    submit(context, &client, &key, &args.tx, &msg, None).await
}

/// A file holding evidence: its hex (surrounding whitespace ignored), or else its bytes.
fn read_evidence(path: &std::path::Path) -> Result<Vec<u8>, Failure> {
    let bytes = std::fs::read(path).map_err(|error| {
        let code = match error.kind() {
            std::io::ErrorKind::NotFound => "FILE_NOT_FOUND",
            _ => "IO_ERROR",
        };
        Failure::error(code, format!("reading {}: {error}", path.display()))
    })?;
    let text = std::str::from_utf8(&bytes).map(str::trim);
    if let Ok(text) = text
        && !text.is_empty()
        && let Ok(decoded) = ailedger_client::encoding::parse_bytes(text)
    {
        return Ok(decoded);
    }
    Ok(bytes)
}

async fn show_validator(
    context: &Context,
    validator: Option<crate::cli::AccountArg>,
) -> anyhow::Result<()> {
    let address = match validator {
        Some(account) => resolve(context, account)?,
        None => home_validator(context)?,
    };
    let verified: Verified<ValidatorAnswer> = context
        .client()?
        .verified_validator(&address)
        .await
        .with_context(|| format!("validator {address}"))?;
    context.output.emit(&verified, || {
        let validator = &verified.answer.validator;
        let mut fields = Fields::new()
            .add("validator", &validator.address)
            .add(
                "p2p address",
                if validator.p2p_address.is_empty() {
                    "(a genesis validator: the node configurations give it)"
                } else {
                    &validator.p2p_address
                },
            )
            .add("stake", validator.stake)
            .add("jailed", validator.jailed);
        for entry in &validator.unbonding {
            fields = fields.add(
                "unbonding",
                format!(
                    "{} withdrawable from epoch {}",
                    entry.amount, entry.release_epoch
                ),
            );
        }
        fields.add("proof", proof_text(&verified.verified)).render()
    })
}

/// The consensus key of the node whose home this is (`HOME/validator.key`).
fn home_validator(context: &Context) -> anyhow::Result<Address> {
    let home = Home::new(context.home()?);
    let path = home.validator_key();
    let text = std::fs::read_to_string(&path).map_err(|error| {
        Failure::error(
            "NO_VALIDATOR_KEY",
            format!(
                "no validator given, and {} cannot be read ({error}): name a validator by \
                 address or key name",
                path.display()
            ),
        )
    })?;
    let bytes = hex::decode(text.trim()).ok();
    let key = bytes
        .and_then(|bytes| ailedger_core::SecretKey::from_bytes(&bytes).ok())
        .ok_or_else(|| {
            Failure::error(
                "BAD_KEY",
                format!("{} does not hold a validator key", path.display()),
            )
        })?;
    Ok(key.address())
}

async fn show_set(context: &Context, epoch: Option<u64>) -> anyhow::Result<()> {
    let client = context.client()?;
    let verified: Verified<ValidatorSetAnswer> = match epoch {
        Some(epoch) => client
            .verified_validator_set(epoch)
            .await
            .with_context(|| format!("the validator set of epoch {epoch}"))?,
        None => client
            .verified_current_validator_set()
            .await
            .context("the validator set of the current epoch")?,
    };
    context.output.emit(&verified, || {
        let answer = &verified.answer;
        let mut fields = Fields::new()
            .add("epoch", answer.set.epoch)
            .add("validators", answer.set.members.len())
            .add("total stake", answer.set.total_stake);
        for member in &answer.set.members {
            let p2p = if member.p2p_address.is_empty() {
                "(genesis)"
            } else {
                &member.p2p_address
            };
            fields = fields.add(
                "member",
                format!("{}  {}  {p2p}", member.address, member.stake),
            );
        }
        fields = fields.add("digest", answer.digest);
        fields = match answer.boundary_height {
            Some(height) => fields.add(
                "committed",
                format!("by the header of block {height} (next_validators)"),
            ),
            None => fields.add("committed", "at genesis (the genesis validators)"),
        };
        fields.add("proof", proof_text(&verified.verified)).render()
    })
}

async fn show_params(context: &Context) -> anyhow::Result<()> {
    let verified: Verified<StakingParamsAnswer> = context
        .client()?
        .verified_staking_params()
        .await
        .context("the staking parameters")?;
    context.output.emit(&verified, || {
        let answer = &verified.answer;
        let params = &answer.params;
        Fields::new()
            .add(
                "epoch",
                format!(
                    "{} (heights {} to {}; block {} read)",
                    answer.epoch.epoch, answer.epoch.first, answer.epoch.last, answer.height
                ),
            )
            .add("epoch 0 ends", params.fork_last)
            .add("epoch length", params.epoch_length)
            .add("min self-stake", params.min_self_stake)
            .add("max validators", params.max_validators)
            .add("unbonding epochs", params.unbonding_epochs)
            .add(
                "double-sign slash",
                format!("{} bps", params.double_sign_slash_bps),
            )
            .add("proof", proof_text(&verified.verified))
            .render()
    })
}
