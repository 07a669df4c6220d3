//! Errors of the state machine.

use ailedger_core::{ModuleId, gas::OutOfGas};
use thiserror::Error;

/// The storage behind a [`crate::StateStore`] failed. Never a transaction's fault.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("state storage failed: {0}")]
pub struct StoreError(pub String);

/// Why a transaction is not valid at all: it is refused by the mempool, never included by an
/// honest proposer, and a block containing it is rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TxError {
    /// Signed for another chain.
    #[error("wrong chain id: expected {expected:?}, got {got:?}")]
    WrongChainId {
        /// This chain's id.
        expected: String,
        /// The transaction's.
        got: String,
    },
    /// The signature does not verify.
    #[error("signature does not verify for the sender's key")]
    BadSignature,
    /// No module has this id.
    #[error("unknown module {0}")]
    UnknownModule(ModuleId),
    /// The message does not decode for its module.
    #[error("malformed {module} message: {reason}")]
    MalformedMessage {
        /// Module name.
        module: &'static str,
        /// Why it does not decode.
        reason: String,
    },
    /// The message decodes but is invalid on its face (e.g. a zero amount).
    #[error("invalid {module} message: {reason}")]
    InvalidMessage {
        /// Module name.
        module: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The nonce was already used: a replay.
    #[error("nonce {got} already used: the sender's next nonce is {expected}")]
    NonceTooLow {
        /// The sender's next nonce.
        expected: u64,
        /// The transaction's.
        got: u64,
    },
    /// The nonce skips ahead of the sender's next nonce.
    #[error("nonce {got} leaves a gap: the sender's next nonce is {expected}")]
    NonceGap {
        /// The sender's next nonce.
        expected: u64,
        /// The transaction's.
        got: u64,
    },
    /// The gas limit does not even cover the fixed cost of the transaction.
    #[error("gas limit {limit} is below the intrinsic cost {intrinsic} of this transaction")]
    GasLimitTooLow {
        /// Intrinsic gas.
        intrinsic: u64,
        /// The transaction's gas limit.
        limit: u64,
    },
    /// The gas limit is more than a block may use.
    #[error("gas limit {limit} exceeds the block gas limit {block_limit}")]
    GasLimitTooHigh {
        /// The transaction's gas limit.
        limit: u64,
        /// The block gas limit.
        block_limit: u64,
    },
    /// The gas price is below the chain's minimum.
    #[error("gas price {got} is below the minimum {min}")]
    GasPriceTooLow {
        /// The chain's minimum.
        min: u64,
        /// The transaction's.
        got: u64,
    },
    /// The sender cannot pay the largest fee the transaction may cost.
    #[error(
        "sender balance {balance} cannot cover the maximum fee {max_fee} (gas limit x gas price)"
    )]
    CannotPayFee {
        /// The sender's balance.
        balance: u128,
        /// `gas_limit * gas_price`.
        max_fee: u128,
    },
    /// The block has no room left for the transaction's bytes.
    #[error("block full: {remaining} bytes left, transaction is {size}")]
    BlockFull {
        /// Bytes left in the block.
        remaining: usize,
        /// The transaction's encoded size.
        size: usize,
    },
    /// The block has no room left for the transaction's gas limit.
    #[error("block gas exhausted: {remaining} left, transaction asks for {limit}")]
    BlockGasExhausted {
        /// Gas left in the block.
        remaining: u64,
        /// The transaction's gas limit.
        limit: u64,
    },
}

impl TxError {
    /// A stable, machine-readable name for the error, used by the API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::WrongChainId { .. } => "WRONG_CHAIN_ID",
            Self::BadSignature => "BAD_SIGNATURE",
            Self::UnknownModule(_) => "UNKNOWN_MODULE",
            Self::MalformedMessage { .. } => "MALFORMED_MESSAGE",
            Self::InvalidMessage { .. } => "INVALID_MESSAGE",
            Self::NonceTooLow { .. } => "NONCE_TOO_LOW",
            Self::NonceGap { .. } => "NONCE_GAP",
            Self::GasLimitTooLow { .. } => "GAS_LIMIT_TOO_LOW",
            Self::GasLimitTooHigh { .. } => "GAS_LIMIT_TOO_HIGH",
            Self::GasPriceTooLow { .. } => "GAS_PRICE_TOO_LOW",
            Self::CannotPayFee { .. } => "CANNOT_PAY_FEE",
            Self::BlockGasExhausted { .. } => "BLOCK_GAS_EXHAUSTED",
            Self::BlockFull { .. } => "BLOCK_FULL",
        }
    }
}

/// Why a valid transaction's message failed. The transaction stays in its block, pays its fee and
/// uses its nonce; the message's writes are dropped.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ExecError {
    /// The module refused the message.
    #[error("{message}")]
    Module {
        /// Stable machine-readable code, e.g. `INSUFFICIENT_FUNDS`.
        code: &'static str,
        /// Human-readable explanation.
        message: String,
    },
    /// The message used more gas than the transaction's limit.
    #[error(transparent)]
    OutOfGas(#[from] OutOfGas),
    /// Storage failed: not the transaction's fault, and it aborts the block.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ExecError {
    /// A stable, machine-readable name for the error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Module { code, .. } => code,
            Self::OutOfGas(_) => "OUT_OF_GAS",
            Self::Store(_) => "STORE",
        }
    }
}

/// Why a block cannot be executed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum BlockError {
    /// A transaction in the block is invalid: the block is invalid.
    #[error("transaction {index} ({hash}) is invalid: {error}")]
    InvalidTx {
        /// Position in the block.
        index: usize,
        /// Transaction id.
        hash: String,
        /// Why.
        error: TxError,
    },
    /// The block has more transactions than allowed.
    #[error("block has {got} transactions, more than the limit of {limit}")]
    TooManyTxs {
        /// Transactions in the block.
        got: usize,
        /// The limit.
        limit: usize,
    },
    /// The block's encoding is larger than allowed.
    #[error("block is {got} bytes, more than the limit of {limit}")]
    TooLarge {
        /// Encoded size.
        got: usize,
        /// The limit.
        limit: usize,
    },
    /// The state has no chain parameters: genesis was not applied.
    #[error("state has no chain parameters: genesis has not been applied")]
    MissingGenesis,
    /// A state value does not decode: the state is corrupt.
    #[error("corrupt state value for {what}: {reason}")]
    CorruptState {
        /// Which value.
        what: &'static str,
        /// Decoding error.
        reason: String,
    },
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
