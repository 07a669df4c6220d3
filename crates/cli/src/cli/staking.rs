//! `ailedger staking ...`: register as a validator, bond, unbond, withdraw, report double
//! signing, and read validators, sets and the parameters.

use super::{AccountArg, TxArgs, parse_account, parse_amount};
use ailedger_state::staking::validate_p2p_address;
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `ailedger staking ...`
#[derive(Debug, Subcommand)]
pub(crate) enum StakingCommand {
    /// Register the --from key as a validator (its account key is its consensus key) and bond
    /// --stake from its balance; it is a candidate from the next epoch boundary on.
    Register(RegisterValidatorArgs),
    /// Bond more of the --from validator's balance.
    Bond(AmountArgs),
    /// Start unbonding part of the --from validator's stake: it leaves the next set's count and
    /// can be withdrawn after the unbonding delay (it stays slashable until then).
    Unbond(AmountArgs),
    /// Move every released unbonding amount of the --from validator back to its balance.
    Withdraw(WithdrawArgs),
    /// Show a validator, verified against a block's state root.
    Validator {
        /// An address (64 hex digits) or the name of a stored key [default: this home's
        /// validator key, HOME/validator.key].
        #[arg(value_parser = parse_account)]
        validator: Option<AccountArg>,
    },
    /// Show an epoch's validator set, verified against a block's state root and against the
    /// header that commits to it at the end of the epoch before.
    Set {
        /// The epoch [default: the epoch of the last committed block].
        epoch: Option<u64>,
    },
    /// Show the staking parameters and the current epoch, verified.
    Params,
    /// Report a validator that signed two conflicting consensus votes (a Commonware simplex
    /// fault: conflicting notarizes, conflicting finalizes, or a nullify and a finalize).
    ReportDoubleSign(ReportArgs),
}

/// `ailedger staking register`.
#[derive(Debug, Args)]
pub(crate) struct RegisterValidatorArgs {
    /// Where peers reach the validator: an `ip:port`, written as Rust prints it
    /// (`10.0.0.7:26656`, `[2001:db8::1]:26656`).
    #[arg(long, value_name = "IP:PORT", value_parser = parse_p2p_address)]
    pub(crate) p2p_address: String,
    /// The stake to bond, in the smallest token unit (at least the chain's minimum
    /// self-stake).
    #[arg(long, value_name = "AMOUNT", value_parser = parse_amount)]
    pub(crate) stake: u128,
    #[command(flatten)]
    pub(crate) tx: TxArgs,
}

/// `ailedger staking bond | unbond`.
#[derive(Debug, Args)]
pub(crate) struct AmountArgs {
    /// The amount, in the smallest token unit.
    #[arg(value_parser = parse_amount)]
    pub(crate) amount: u128,
    #[command(flatten)]
    pub(crate) tx: TxArgs,
}

/// `ailedger staking withdraw`.
#[derive(Debug, Args)]
pub(crate) struct WithdrawArgs {
    #[command(flatten)]
    pub(crate) tx: TxArgs,
}

/// `ailedger staking report-double-sign`.
#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// The fault as Commonware's simplex `Activity` encodes it: hex, or a file holding the
    /// bytes or their hex.
    #[arg(long, value_name = "HEX|FILE", value_parser = parse_evidence)]
    pub(crate) evidence: EvidenceArg,
    #[command(flatten)]
    pub(crate) tx: TxArgs,
}

/// Where the evidence is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum EvidenceArg {
    /// Given as hex.
    Hex(Vec<u8>),
    /// In a file.
    File(PathBuf),
}

fn parse_p2p_address(text: &str) -> Result<String, String> {
    validate_p2p_address(text)
        .map(|()| text.to_owned())
        .map_err(|error| error.to_string())
}

/// An existing file, or else hex.
fn parse_evidence(text: &str) -> Result<EvidenceArg, String> {
    let path = PathBuf::from(text);
    if path.is_file() {
        return Ok(EvidenceArg::File(path));
    }
    match ailedger_client::encoding::parse_bytes(text) {
        Ok(bytes) if !bytes.is_empty() => Ok(EvidenceArg::Hex(bytes)),
        Ok(_) => Err("the evidence is empty".to_owned()),
        Err(_) => Err(format!(
            "{text:?} is neither a file nor lowercase hex evidence"
        )),
    }
}
