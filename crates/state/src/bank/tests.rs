use super::{Account, Bank, BankMsg, query};
use crate::{
    BlockContext, BlockError, ChainParams, Executor, Genesis, MemStore, Module, TxError,
    executor::CheckError, intrinsic_gas,
};
use ailedger_core::{
    Address, ChainId, ModuleId, Outcome, SecretKey, SignedTransaction, Transaction, ZERO_HASH,
    gas::GasSchedule,
};
use commonware_codec::Encode;
use futures::executor::block_on;
use proptest::prelude::*;

const CHAIN: &str = "ailedger-test";
const GAS_LIMIT: u64 = 100_000;

fn key(i: u64) -> SecretKey {
    SecretKey::from_seed(100 + i)
}

fn genesis(balances: &[(u64, u128)]) -> Genesis {
    Genesis {
        staking: None,
        chain_id: ChainId::new(CHAIN).expect("valid"),
        genesis_time_ms: 1,
        params: ChainParams::DEFAULT,
        validators: vec![key(99).address()],
        balances: balances
            .iter()
            .map(|(i, amount)| (key(*i).address(), *amount))
            .collect(),
    }
}

fn ctx(height: u64) -> BlockContext {
    BlockContext {
        chain_id: CHAIN.into(),
        height,
        timestamp_ms: 1_000 * height,
        proposer: key(99).address(),
        parent: ZERO_HASH,
    }
}

fn transfer(from: u64, nonce: u64, to: &Address, amount: u128) -> SignedTransaction {
    transfer_with(from, nonce, to, amount, GAS_LIMIT, 1)
}

fn transfer_with(
    from: u64,
    nonce: u64,
    to: &Address,
    amount: u128,
    gas_limit: u64,
    gas_price: u64,
) -> SignedTransaction {
    let msg = BankMsg::Transfer {
        to: to.clone(),
        amount,
    };
    Transaction::new(
        CHAIN,
        key(from).address(),
        nonce,
        gas_limit,
        gas_price,
        Bank::ID,
        msg.encode().to_vec(),
    )
    .expect("valid")
    .sign(&key(from))
}

/// A chain in memory: genesis applied by the first block.
struct Chain {
    store: MemStore,
    height: u64,
    genesis: Genesis,
}

impl Chain {
    fn new(balances: &[(u64, u128)]) -> Self {
        Self {
            store: MemStore::new(),
            height: 0,
            genesis: genesis(balances),
        }
    }

    fn execute(&mut self, txs: &[SignedTransaction]) -> Result<crate::BlockOutput, BlockError> {
        let height = self.height + 1;
        let genesis = (height == 1).then_some(&self.genesis);
        let output =
            block_on(Executor::new().execute_block(&self.store, &ctx(height), genesis, txs))?;
        self.store.apply(output.writes.clone());
        self.height = height;
        Ok(output)
    }

    fn account(&self, i: u64) -> Account {
        block_on(query::account(&self.store, &key(i).address())).expect("read")
    }

    fn check(&self, tx: &SignedTransaction, pending: u64) -> Result<(), CheckError> {
        block_on(Executor::new().check_tx(&self.store, CHAIN, tx, pending))
    }
}

#[test]
fn genesis_creates_balances_and_supply_with_the_validators_stake_minted() {
    let mut chain = Chain::new(&[(1, 500), (2, 700)]);
    chain.execute(&[]).expect("empty block");
    assert_eq!(
        chain.account(1),
        Account {
            balance: 500,
            nonce: 0
        }
    );
    assert_eq!(chain.account(2).balance, 700);
    // The one genesis validator's default stake is in the supply, in the bonded pool.
    let stake = crate::staking::StakingGenesis::DEFAULT_STAKE;
    assert_eq!(block_on(query::supply(&chain.store)), Ok(1_200 + stake));
}

#[test]
fn transfer_moves_funds_pays_the_fee_to_the_proposer_and_advances_the_nonce() {
    let mut chain = Chain::new(&[(1, 1_000_000)]);
    let tx = transfer(1, 0, &key(2).address(), 250);
    let output = chain
        .execute(std::slice::from_ref(&tx))
        .expect("valid block");
    let receipt = &output.receipts[0];
    assert_eq!(receipt.outcome, Outcome::Success);
    assert_eq!(receipt.tx_hash, tx.hash());
    assert!(receipt.gas_used >= intrinsic_gas(&tx, &GasSchedule::DEFAULT));
    assert_eq!(receipt.fee, u128::from(receipt.gas_used));
    assert_eq!(receipt.events[0].kind, "transfer");
    assert_eq!(chain.account(2).balance, 250);
    assert_eq!(
        chain.account(1),
        Account {
            balance: 1_000_000 - 250 - receipt.fee,
            nonce: 1
        }
    );
    assert_eq!(chain.account(99).balance, receipt.fee);
    assert_eq!(output.gas_used, receipt.gas_used);
}

#[test]
fn failed_transfer_keeps_the_fee_and_nonce_but_not_the_transfer() {
    let mut chain = Chain::new(&[(1, 200_000)]);
    let tx = transfer(1, 0, &key(2).address(), 150_000);
    let output = chain.execute(&[tx]).expect("valid block");
    let receipt = &output.receipts[0];
    let Outcome::Failed { code, message } = &receipt.outcome else {
        panic!("expected a failure, got {:?}", receipt.outcome)
    };
    assert_eq!(code, "INSUFFICIENT_FUNDS");
    assert!(message.contains("insufficient funds"), "{message}");
    assert!(receipt.events.is_empty());
    assert_eq!(chain.account(2).balance, 0);
    assert_eq!(
        chain.account(1),
        Account {
            balance: 200_000 - receipt.fee,
            nonce: 1
        }
    );
}

#[test]
fn running_out_of_gas_fails_the_message_and_charges_the_whole_limit() {
    let mut chain = Chain::new(&[(1, 1_000_000)]);
    let probe = transfer(1, 0, &key(2).address(), 5);
    let intrinsic = intrinsic_gas(&probe, &GasSchedule::DEFAULT);
    let tx = transfer_with(1, 0, &key(2).address(), 5, intrinsic + 10, 1);
    let output = chain.execute(&[tx]).expect("valid block");
    let receipt = &output.receipts[0];
    assert!(matches!(&receipt.outcome, Outcome::Failed { code, .. } if code == "OUT_OF_GAS"));
    assert_eq!(receipt.gas_used, intrinsic + 10);
    assert_eq!(chain.account(2).balance, 0);
    assert_eq!(chain.account(1).nonce, 1);
}

#[test]
fn admission_names_what_is_wrong() {
    let mut chain = Chain::new(&[(1, 1_000_000), (3, 10)]);
    chain.execute(&[]).expect("genesis");
    let to = key(2).address();

    assert_eq!(chain.check(&transfer(1, 0, &to, 1), 0), Ok(()));
    assert_eq!(chain.check(&transfer(1, 1, &to, 1), 1), Ok(()));
    assert_eq!(
        chain.check(&transfer(1, 2, &to, 1), 0),
        Err(TxError::NonceGap {
            expected: 0,
            got: 2
        }
        .into())
    );
    assert_eq!(
        chain.check(&transfer(3, 0, &to, 1), 0),
        Err(TxError::CannotPayFee {
            balance: 10,
            max_fee: u128::from(GAS_LIMIT)
        }
        .into())
    );
    assert_eq!(
        chain.check(&transfer(1, 0, &to, 0), 0),
        Err(TxError::InvalidMessage {
            module: "bank",
            reason: "transfer amount must be positive".into()
        }
        .into())
    );
    assert_eq!(
        chain.check(&transfer_with(1, 0, &to, 1, GAS_LIMIT, 0), 0),
        Err(TxError::GasPriceTooLow { min: 1, got: 0 }.into())
    );
    assert_eq!(
        chain.check(
            &transfer_with(1, 0, &to, 1, ChainParams::DEFAULT.block_gas_limit + 1, 1),
            0
        ),
        Err(TxError::GasLimitTooHigh {
            limit: ChainParams::DEFAULT.block_gas_limit + 1,
            block_limit: ChainParams::DEFAULT.block_gas_limit
        }
        .into())
    );
    assert!(matches!(
        chain.check(&transfer_with(1, 0, &to, 1, 100, 1), 0),
        Err(CheckError::Tx(TxError::GasLimitTooLow { limit: 100, .. }))
    ));

    let wrong_chain =
        Transaction::new("other", key(1).address(), 0, GAS_LIMIT, 1, Bank::ID, vec![])
            .expect("valid")
            .sign(&key(1));
    assert_eq!(
        chain.check(&wrong_chain, 0),
        Err(TxError::WrongChainId {
            expected: CHAIN.into(),
            got: "other".into()
        }
        .into())
    );

    let forged = Transaction::new(
        CHAIN,
        key(1).address(),
        0,
        GAS_LIMIT,
        1,
        Bank::ID,
        BankMsg::Transfer {
            to: to.clone(),
            amount: 1,
        }
        .encode()
        .to_vec(),
    )
    .expect("valid")
    .sign(&key(2));
    assert_eq!(chain.check(&forged, 0), Err(TxError::BadSignature.into()));

    let unknown = Transaction::new(
        CHAIN,
        key(1).address(),
        0,
        GAS_LIMIT,
        1,
        ModuleId::new(200),
        vec![],
    )
    .expect("valid")
    .sign(&key(1));
    assert_eq!(
        chain.check(&unknown, 0),
        Err(TxError::UnknownModule(ModuleId::new(200)).into())
    );

    let malformed = Transaction::new(
        CHAIN,
        key(1).address(),
        0,
        GAS_LIMIT,
        1,
        Bank::ID,
        vec![0, 1, 2],
    )
    .expect("valid")
    .sign(&key(1));
    assert!(matches!(
        chain.check(&malformed, 0),
        Err(CheckError::Tx(TxError::MalformedMessage {
            module: "bank",
            ..
        }))
    ));

    chain.execute(&[transfer(1, 0, &to, 1)]).expect("valid");
    assert_eq!(
        chain.check(&transfer(1, 0, &to, 1), 0),
        Err(TxError::NonceTooLow {
            expected: 1,
            got: 0
        }
        .into())
    );
}

#[test]
fn a_block_with_an_invalid_transaction_is_rejected_and_changes_nothing() {
    let mut chain = Chain::new(&[(1, 1_000_000)]);
    chain.execute(&[]).expect("genesis");
    let before = chain.store.clone();
    let to = key(2).address();
    let replay = [transfer(1, 0, &to, 1), transfer(1, 0, &to, 1)];
    assert!(matches!(
        chain.execute(&replay),
        Err(BlockError::InvalidTx {
            index: 1,
            error: TxError::NonceTooLow {
                expected: 1,
                got: 0
            },
            ..
        })
    ));
    assert!(matches!(
        chain.execute(&[forge(&transfer(1, 0, &to, 1))]),
        Err(BlockError::InvalidTx {
            index: 0,
            error: TxError::BadSignature,
            ..
        })
    ));
    assert_eq!(format!("{:?}", chain.store), format!("{before:?}"));
}

fn forge(tx: &SignedTransaction) -> SignedTransaction {
    let mut bytes = tx.encode().to_vec();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    SignedTransaction::decode(&bytes).expect("still decodes")
}

/// Blocks large enough that their signatures are checked on a thread beside execution: the
/// verdict must be what checking them first gave.
#[test]
fn a_bad_signature_rejects_a_large_block_whatever_its_execution_finds() {
    let mut chain = Chain::new(&[(1, 1_000_000_000)]);
    chain.execute(&[]).expect("genesis");
    let before = chain.store.clone();
    let to = key(2).address();
    let valid: Vec<_> = (0..200).map(|nonce| transfer(1, nonce, &to, 1)).collect();

    // The block `valid` with some transactions replaced: what it is rejected for.
    let mut rejected = |changes: Vec<(usize, SignedTransaction)>| {
        let mut txs = valid.clone();
        for (index, tx) in changes {
            txs[index] = tx;
        }
        match chain.execute(&txs) {
            Err(BlockError::InvalidTx { index, error, .. }) => (index, error),
            other => panic!("expected an invalid transaction, got {other:?}"),
        }
    };
    // The only fault is a signature, late in the block.
    assert_eq!(
        rejected(vec![(170, forge(&valid[170]))]),
        (170, TxError::BadSignature)
    );
    // Execution fails earlier (a replayed nonce) than the bad signature: the signature is
    // still what the block is rejected for.
    assert_eq!(
        rejected(vec![
            (20, transfer(1, 3, &to, 1)),
            (150, forge(&valid[150]))
        ]),
        (150, TxError::BadSignature)
    );
    // Two bad signatures: the first is named.
    assert_eq!(
        rejected(vec![(199, forge(&valid[199])), (64, forge(&valid[64]))]),
        (64, TxError::BadSignature)
    );
    // Good signatures, an execution fault: execution's error.
    assert_eq!(
        rejected(vec![(120, transfer(1, 7, &to, 1))]),
        (
            120,
            TxError::NonceTooLow {
                expected: 120,
                got: 7
            }
        )
    );
    assert_eq!(format!("{:?}", chain.store), format!("{before:?}"));

    chain.execute(&valid).expect("the untouched block is valid");
}

#[test]
fn the_builder_leaves_out_invalid_candidates_and_reports_them() {
    let mut chain = Chain::new(&[(1, 1_000_000), (2, 1_000_000)]);
    chain.execute(&[]).expect("genesis");
    let to = key(3).address();
    let candidates = vec![
        transfer(1, 0, &to, 1),
        transfer(1, 0, &to, 1), // replay of the first
        transfer(1, 2, &to, 1), // gap
        transfer(2, 0, &to, 1),
        transfer(1, 1, &to, 1),
    ];
    let built =
        block_on(Executor::new().build_block(&chain.store, &ctx(2), None, candidates.clone()))
            .expect("builds");
    let included: Vec<_> = built.included.iter().map(|tx| tx.hash()).collect();
    assert_eq!(
        included,
        vec![
            candidates[0].hash(),
            candidates[3].hash(),
            candidates[4].hash()
        ]
    );
    assert_eq!(built.rejected.len(), 2);
    assert_eq!(
        built.rejected[0].error,
        TxError::NonceTooLow {
            expected: 1,
            got: 0
        }
    );
    assert_eq!(
        built.rejected[1].error,
        TxError::NonceGap {
            expected: 1,
            got: 2
        }
    );
    // The built block re-executes to the same result.
    let again = chain.execute(&built.included).expect("valid");
    assert_eq!(again, built.output);
}

#[test]
fn the_block_gas_limit_bounds_a_block() {
    let mut small = genesis(&[(1, u128::MAX / 2)]);
    small.params.block_gas_limit = 1_000_000;
    let mut chain = Chain {
        store: MemStore::new(),
        height: 0,
        genesis: small,
    };
    chain.execute(&[]).expect("genesis");
    let to = key(2).address();
    let candidates: Vec<_> = (0..100)
        .map(|nonce| transfer_with(1, nonce, &to, 1, 50_000, 1))
        .collect();
    let built = block_on(Executor::new().build_block(&chain.store, &ctx(2), None, candidates))
        .expect("builds");
    assert!(built.output.gas_used <= 1_000_000);
    assert!(
        built.included.len() < 100,
        "{} included",
        built.included.len()
    );
    assert!(matches!(
        built.rejected[0].error,
        TxError::BlockGasExhausted { .. }
    ));
}

#[test]
fn the_block_byte_limit_bounds_a_block() {
    let mut chain = Chain::new(&[(1, 1_000_000_000)]);
    chain.execute(&[]).expect("genesis");
    let to = key(2).address();
    let txs: Vec<_> = (0..5).map(|nonce| transfer(1, nonce, &to, 1)).collect();
    let size = commonware_codec::EncodeSize::encode_size(&txs[0]);
    let header = <ailedger_core::Header as commonware_codec::FixedSize>::SIZE;
    let executor = Executor::with_limits(ailedger_core::BlockLimits {
        max_txs: 100,
        max_bytes: header + 5 + 3 * size,
    });
    let built =
        block_on(executor.build_block(&chain.store, &ctx(2), None, txs.clone())).expect("builds");
    assert_eq!(built.included.len(), 3);
    assert!(matches!(built.rejected[0].error, TxError::BlockFull { size: s, .. } if s == size));
    assert!(matches!(
        block_on(executor.execute_block(&chain.store, &ctx(2), None, &txs[..4])),
        Err(BlockError::TooLarge { .. })
    ));
}

#[test]
fn execution_without_genesis_is_refused() {
    let store = MemStore::new();
    let result = block_on(Executor::new().execute_block(&store, &ctx(5), None, &[]));
    assert_eq!(result, Err(BlockError::MissingGenesis));
}

#[test]
fn invalid_genesis_is_refused() {
    let mut bad = genesis(&[(1, u128::MAX), (2, 1)]);
    assert!(matches!(
        bad.validate(),
        Err(crate::GenesisError::SupplyOverflow)
    ));
    bad = genesis(&[(1, 1), (1, 1)]);
    assert!(matches!(
        bad.validate(),
        Err(crate::GenesisError::DuplicateAccount(_))
    ));
    bad = genesis(&[]);
    bad.validators.clear();
    assert!(matches!(
        bad.validate(),
        Err(crate::GenesisError::NoValidators)
    ));
    assert_ne!(genesis(&[(1, 1)]).hash(), genesis(&[(1, 2)]).hash());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Whatever transfers are attempted, tokens are neither created nor destroyed, and executing
    /// the same block twice gives the same result.
    #[test]
    fn transfers_conserve_the_supply_and_are_deterministic(
        transfers in proptest::collection::vec((0u64..4, 0u64..5, 1u128..400_000), 1..40)
    ) {
        let balances = [(0, 300_000), (1, 300_000), (2, 300_000), (3, 300_000)];
        let mut chain = Chain::new(&balances);
        chain.execute(&[]).expect("genesis");
        let mut nonces = [0u64; 4];
        let txs: Vec<_> = transfers
            .iter()
            .map(|(from, to, amount)| {
                let tx = transfer(*from, nonces[*from as usize], &key(*to).address(), *amount);
                nonces[*from as usize] += 1;
                tx
            })
            .collect();
        let built = block_on(Executor::new().build_block(&chain.store, &ctx(2), None, txs)).expect("builds");
        let first = block_on(Executor::new().execute_block(&chain.store, &ctx(2), None, &built.included)).expect("valid");
        let second = block_on(Executor::new().execute_block(&chain.store, &ctx(2), None, &built.included)).expect("valid");
        prop_assert_eq!(&first, &second);
        prop_assert_eq!(&first, &built.output);
        chain.store.apply(first.writes);
        let total: u128 = (0..5).chain([99]).map(|i| chain.account(i).balance).sum();
        prop_assert_eq!(total, 1_200_000);
    }
}
