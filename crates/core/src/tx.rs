//! Transactions: what an account asks the chain to do, and its signature.

use crate::{
    Address, Hash, SecretKey,
    error::{DecodeError, SignatureError},
    hash::sha256,
};
use bytes::{BufMut, Bytes};
use commonware_codec::Buf;
use commonware_codec::{
    Decode as _, Encode, EncodeSize, Error, FixedSize, RangeCfg, Read, ReadExt, Write,
};
use commonware_cryptography::{BatchEntry, BatchVerifier, Verifier, ed25519};
use commonware_parallel::Sequential;
use rand::SeedableRng;
use std::fmt;
use thiserror::Error;

/// The namespace under which transactions are signed. A signature made for anything else (a
/// consensus vote, a log checkpoint) can never pass as a transaction signature.
pub const TX_NAMESPACE: &[u8] = b"ailedger/tx";

/// Longest chain id, in bytes.
pub const MAX_CHAIN_ID_LEN: usize = 64;

/// Largest module message carried by one transaction, in bytes. A proof of inference is one
/// message: the shared digits MLP's proofs are about 224 KB and the MNIST-size MLP's about
/// 528 KB, so the limit is 1 MiB (24 such transactions fill a block's byte limit).
pub const MAX_PAYLOAD_LEN: usize = 1024 * 1024;

/// A chain id: 1 to 64 characters from `[a-z0-9._-]`, so it has one spelling and prints safely.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChainId(String);

impl ChainId {
    /// Validates a chain id.
    pub fn new(value: impl Into<String>) -> Result<Self, TxBuildError> {
        let value = value.into();
        if value.is_empty()
            || value.len() > MAX_CHAIN_ID_LEN
            || !value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        {
            return Err(TxBuildError::ChainId(value));
        }
        Ok(Self(value))
    }

    /// The chain id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ChainId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ChainId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChainId({})", self.0)
    }
}

impl Write for ChainId {
    fn write(&self, buf: &mut impl BufMut) {
        crate::write_string(&self.0, buf);
    }
}

impl EncodeSize for ChainId {
    fn encode_size(&self) -> usize {
        crate::string_encode_size(&self.0)
    }
}

impl Read for ChainId {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        let value = crate::read_string(buf, MAX_CHAIN_ID_LEN, "ChainId")?;
        Self::new(value)
            .map_err(|_| Error::Invalid("ChainId", "must be 1-64 characters of [a-z0-9._-]"))
    }
}

/// Which state-machine module a transaction's message is for.
///
/// Module ids are part of the protocol: renumbering one is a hard fork.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct ModuleId(u8);

impl ModuleId {
    /// A module id.
    pub const fn new(id: u8) -> Self {
        Self(id)
    }

    /// The numeric id.
    pub const fn get(self) -> u8 {
        self.0
    }
}

impl fmt::Display for ModuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Write for ModuleId {
    fn write(&self, buf: &mut impl BufMut) {
        self.0.write(buf);
    }
}

impl FixedSize for ModuleId {
    const SIZE: usize = 1;
}

impl Read for ModuleId {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        u8::read(buf).map(Self)
    }
}

/// Why a transaction could not be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TxBuildError {
    /// The chain id is not 1-64 characters of `[a-z0-9._-]`.
    #[error("invalid chain id {0:?}: must be 1-64 characters of [a-z0-9._-]")]
    ChainId(String),
    /// The module message is larger than [`MAX_PAYLOAD_LEN`].
    #[error("module message is {0} bytes, more than the limit of {MAX_PAYLOAD_LEN}")]
    PayloadTooLarge(usize),
}

/// An unsigned transaction.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Transaction {
    /// The chain this transaction is valid on; a transaction for another chain is rejected.
    pub chain_id: ChainId,
    /// The account that signs, pays the fee and whose nonce is used.
    pub sender: Address,
    /// The sender's transaction count before this one: each nonce is used exactly once, in order.
    pub nonce: u64,
    /// The most gas this transaction may use.
    pub gas_limit: u64,
    /// Fee per unit of gas, in the smallest token unit.
    pub gas_price: u64,
    /// The module the message is for.
    pub module: ModuleId,
    /// The module message, in that module's canonical encoding.
    pub payload: Bytes,
}

impl Transaction {
    /// Builds a transaction, checking the chain id and the message size.
    pub fn new(
        chain_id: &str,
        sender: Address,
        nonce: u64,
        gas_limit: u64,
        gas_price: u64,
        module: ModuleId,
        payload: impl Into<Bytes>,
    ) -> Result<Self, TxBuildError> {
        let payload = payload.into();
        if payload.len() > MAX_PAYLOAD_LEN {
            return Err(TxBuildError::PayloadTooLarge(payload.len()));
        }
        Ok(Self {
            chain_id: ChainId::new(chain_id)?,
            sender,
            nonce,
            gas_limit,
            gas_price,
            module,
            payload,
        })
    }

    /// The transaction id: SHA-256 of the unsigned transaction's encoding.
    ///
    /// The id leaves the signature out, so that re-encoding a signature cannot give one
    /// transaction two ids.
    pub fn hash(&self) -> Hash {
        sha256(&[&self.encode()])
    }

    /// The most this transaction can cost in fees: `gas_limit * gas_price`.
    pub fn max_fee(&self) -> u128 {
        u128::from(self.gas_limit) * u128::from(self.gas_price)
    }

    /// Signs the transaction. The key should be the sender's; a mismatch makes a transaction that
    /// fails verification.
    pub fn sign(self, key: &SecretKey) -> SignedTransaction {
        let body = self.encode();
        let signature = key.sign(TX_NAMESPACE, &body);
        SignedTransaction::from_parts(self, body, signature)
    }
}

impl Write for Transaction {
    fn write(&self, buf: &mut impl BufMut) {
        self.chain_id.write(buf);
        self.sender.write(buf);
        self.nonce.write(buf);
        self.gas_limit.write(buf);
        self.gas_price.write(buf);
        self.module.write(buf);
        self.payload.write(buf);
    }
}

impl EncodeSize for Transaction {
    fn encode_size(&self) -> usize {
        self.chain_id.encode_size()
            + Address::SIZE
            + 3 * u64::SIZE
            + ModuleId::SIZE
            + self.payload.encode_size()
    }
}

impl Read for Transaction {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            chain_id: ChainId::read(buf)?,
            sender: Address::read(buf)?,
            nonce: u64::read(buf)?,
            gas_limit: u64::read(buf)?,
            gas_price: u64::read(buf)?,
            module: ModuleId::read(buf)?,
            payload: Bytes::read_cfg(buf, &RangeCfg::new(0..=MAX_PAYLOAD_LEN))?,
        })
    }
}

/// A transaction with the sender's signature.
///
/// The id and the signed bytes are computed once, when the value is built or decoded.
#[derive(Clone)]
pub struct SignedTransaction {
    tx: Transaction,
    signature: ed25519::Signature,
    body: Bytes,
    hash: Hash,
}

impl SignedTransaction {
    fn from_parts(tx: Transaction, body: Bytes, signature: ed25519::Signature) -> Self {
        let hash = sha256(&[&body]);
        Self {
            tx,
            signature,
            body,
            hash,
        }
    }

    /// The transaction id (see [`Transaction::hash`]).
    pub fn hash(&self) -> Hash {
        self.hash
    }

    /// The unsigned transaction.
    pub fn tx(&self) -> &Transaction {
        &self.tx
    }

    /// The signature.
    pub fn signature(&self) -> &ed25519::Signature {
        &self.signature
    }

    /// The sender.
    pub fn sender(&self) -> &Address {
        &self.tx.sender
    }

    /// The signature as a batch check takes it: by the sender, over the body, under
    /// [`TX_NAMESPACE`].
    pub(crate) fn signed_message(&self) -> SignedMessage<'_> {
        SignedMessage {
            signer: self.sender(),
            namespace: TX_NAMESPACE,
            message: &self.body,
            signature: &self.signature,
        }
    }

    /// Checks the signature against the sender's key.
    pub fn verify_signature(&self) -> Result<(), SignatureError> {
        if self
            .tx
            .sender
            .public_key()
            .verify(TX_NAMESPACE, &self.body, &self.signature)
        {
            Ok(())
        } else {
            Err(SignatureError::Invalid)
        }
    }

    /// The RFC 6962 leaf hash of the canonical encoding (a leaf of a block's `txs_root`), hashed
    /// from the parts the value already holds rather than from a fresh encoding.
    pub fn leaf_hash(&self) -> Hash {
        crate::hash::leaf_hash_of_concat(&self.body, self.signature.as_ref())
    }

    /// The canonical encoding.
    pub fn encode_to_vec(&self) -> Vec<u8> {
        self.encode().to_vec()
    }

    /// Decodes the canonical encoding, rejecting trailing bytes. The signature is not checked.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::decode_cfg(commonware_codec::Copying(bytes), &())
    }
}

impl PartialEq for SignedTransaction {
    fn eq(&self, other: &Self) -> bool {
        self.tx == other.tx && self.signature == other.signature
    }
}

impl Eq for SignedTransaction {}

impl fmt::Debug for SignedTransaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedTransaction")
            .field("hash", &self.hash)
            .field("tx", &self.tx)
            .finish_non_exhaustive()
    }
}

impl Write for SignedTransaction {
    fn write(&self, buf: &mut impl BufMut) {
        buf.put_slice(&self.body);
        self.signature.write(buf);
    }
}

impl EncodeSize for SignedTransaction {
    fn encode_size(&self) -> usize {
        self.body.len() + ed25519::Signature::SIZE
    }
}

impl Read for SignedTransaction {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        let tx = Transaction::read(buf)?;
        let signature = ed25519::Signature::read(buf)?;
        // Re-encoding is exact because every field has a single encoding.
        let body = tx.encode();
        Ok(Self::from_parts(tx, body, signature))
    }
}

/// Verifies the signatures of many transactions at once, on the calling thread.
///
/// Returns the indices of the transactions whose signature does not verify, in ascending order.
/// A batch that passes costs one multi-scalar multiplication; when it fails, each signature is
/// checked on its own to name the culprits. The batch coefficients come from a generator seeded
/// with a hash of every signed byte, so the verdict is deterministic and a forger cannot predict
/// the coefficients before fixing its signatures.
pub fn verify_batch(txs: &[&SignedTransaction]) -> Vec<usize> {
    verify_batch_with(txs, &Sequential)
}

/// [`verify_batch`], splitting the work across `strategy` (e.g. a thread pool). The verdict is
/// the same whatever the strategy.
pub fn verify_batch_with(
    txs: &[&SignedTransaction],
    strategy: &impl commonware_parallel::Strategy,
) -> Vec<usize> {
    let messages: Vec<SignedMessage<'_>> = txs.iter().map(|tx| tx.signed_message()).collect();
    verify_signatures_with(&messages, strategy)
}

/// One signature to check in a batch: by whom, under which namespace, over which bytes.
#[derive(Clone, Copy, Debug)]
pub struct SignedMessage<'a> {
    /// The signer.
    pub signer: &'a crate::Address,
    /// The namespace the message was signed under.
    pub namespace: &'a [u8],
    /// The message.
    pub message: &'a [u8],
    /// The signature.
    pub signature: &'a ed25519::Signature,
}

/// Verifies many signatures over arbitrary messages at once, on the calling thread, as
/// [`verify_batch`] does for transactions. Returns the indices of those that do not verify,
/// ascending.
pub fn verify_signatures(items: &[SignedMessage<'_>]) -> Vec<usize> {
    verify_signatures_with(items, &Sequential)
}

/// The one batch check behind [`verify_batch`], [`verify_signatures`] and [`SignatureBatch`]:
/// one multi-scalar multiplication for the whole batch, with coefficients drawn from a
/// generator seeded by a hash of every signer, namespace, message and signature (so the verdict
/// is deterministic and a forger cannot predict the coefficients before fixing its
/// signatures); when it fails, each signature is checked on its own to name the culprits.
///
/// Where the processor has AVX-512 IFMA the equation is checked by `ailedger-ed25519`, which
/// decompresses the signature points eight at a time; elsewhere by Commonware's verifier. Both
/// apply ZIP-215's rules, so the verdict does not depend on the processor.
fn verify_signatures_with(
    items: &[SignedMessage<'_>],
    strategy: &impl commonware_parallel::Strategy,
) -> Vec<usize> {
    if items.is_empty() {
        return Vec::new();
    }
    let seed_bytes = seed_of(items);
    let all_valid = if ailedger_ed25519::accelerated() {
        verify_accelerated(items, &seed_bytes, strategy)
    } else {
        verify_commonware(items, seed_bytes, strategy)
    };
    if all_valid {
        return Vec::new();
    }
    items
        .iter()
        .enumerate()
        .filter(|(_, item)| {
            !item
                .signer
                .public_key()
                .verify(item.namespace, item.message, item.signature)
        })
        .map(|(index, _)| index)
        .collect()
}

/// The seed of a batch's weights: a hash of every signer, namespace, message and signature.
fn seed_of(items: &[SignedMessage<'_>]) -> [u8; 32] {
    let mut seed_parts: Vec<&[u8]> = Vec::with_capacity(items.len() * 4);
    for item in items {
        seed_parts.extend([
            item.signer.as_bytes(),
            item.namespace,
            item.message,
            item.signature.as_ref(),
        ]);
    }
    let mut seed = [0u8; 32];
    seed.copy_from_slice(sha256(&seed_parts).as_ref());
    seed
}

/// Whether every signature of `items` verifies, by Commonware's batch verifier.
fn verify_commonware(
    items: &[SignedMessage<'_>],
    seed: [u8; 32],
    strategy: &impl commonware_parallel::Strategy,
) -> bool {
    let mut rng = rand::rngs::StdRng::from_seed(seed);
    ed25519::PublicKey::verify_batch(
        &mut rng,
        items,
        |_, item| BatchEntry {
            namespace: item.namespace,
            message: item.message,
            public_key: item.signer.public_key(),
            signature: item.signature,
        },
        strategy,
    )
}

/// Fewest signatures in one shard of an accelerated check run in parallel: fewer would waste
/// the bucket sums of the multi-scalar multiplication, which cost the same for any shard.
const MIN_SHARD: std::num::NonZeroUsize = std::num::NonZeroUsize::new(2048).expect("non-zero");

/// Whether every signature of `items` verifies, by `ailedger-ed25519`, in shards the strategy
/// may run in parallel. Each shard is its own equation, its weights drawn from the batch's
/// seed and the shard's position.
fn verify_accelerated(
    items: &[SignedMessage<'_>],
    seed: &[u8; 32],
    strategy: &impl commonware_parallel::Strategy,
) -> bool {
    strategy.run_batches(items.len(), MIN_SHARD, 1, |batches| {
        batches
            .map_collect_vec(
                |ranges| ranges.into_iter().collect::<Vec<_>>(),
                |range| {
                    let start = (range.start as u64).to_le_bytes();
                    let shard_seed = sha256(&[seed.as_slice(), &start]);
                    let mut shard_seed_bytes = [0u8; 32];
                    shard_seed_bytes.copy_from_slice(shard_seed.as_ref());
                    verify_shard(&items[range], &shard_seed_bytes)
                },
            )
            .into_iter()
            .all(|valid| valid)
    })
}

/// One equation over `items`, each distinct signer's key listed once (found in key order, so
/// nothing depends on a hasher).
fn verify_shard(items: &[SignedMessage<'_>], seed: &[u8; 32]) -> bool {
    let (signers, positions) = distinct_signers(items.iter().map(|item| item.signer));
    let keys: Vec<[u8; 32]> = signers.into_iter().map(key_bytes).collect();
    let mut entries = Vec::with_capacity(items.len());
    for (item, key) in items.iter().zip(positions) {
        let Ok(signature) = <&[u8; 64]>::try_from(item.signature.as_ref()) else {
            return false;
        };
        entries.push(ailedger_ed25519::Entry {
            key,
            namespace: item.namespace,
            message: item.message,
            signature,
        });
    }
    ailedger_ed25519::verify_batch(&keys, &entries, seed)
}

/// The distinct signers, in order of first appearance, and each signature's signer's position
/// among them: the batch equation has one term per key. Looked up in key order, so that
/// nothing depends on a hasher.
fn distinct_signers<'a>(
    signers: impl Iterator<Item = &'a Address>,
) -> (Vec<&'a Address>, Vec<usize>) {
    let mut found: std::collections::BTreeMap<&Address, usize> = std::collections::BTreeMap::new();
    let mut distinct = Vec::new();
    let positions = signers
        .map(|signer| {
            *found.entry(signer).or_insert_with(|| {
                distinct.push(signer);
                distinct.len() - 1
            })
        })
        .collect();
    (distinct, positions)
}

/// The signatures of many transactions, owned, to check on another thread without copying the
/// transactions: each one's signed bytes (shared, not copied) and signature, and each distinct
/// sender's key once. A block of 30,000 transfers from 2,000 senders holds 2,000 keys rather
/// than 30,000 copies of decoded transactions.
#[derive(Clone, Debug)]
pub struct SignatureBatch {
    senders: Vec<Address>,
    items: Vec<(usize, Bytes, ed25519::Signature)>,
}

impl SignatureBatch {
    /// Collects the signatures of `txs`, in order.
    pub fn new(txs: &[SignedTransaction]) -> Self {
        let (senders, positions) = distinct_signers(txs.iter().map(SignedTransaction::sender));
        let items = txs
            .iter()
            .zip(positions)
            .map(|(tx, sender)| (sender, tx.body.clone(), tx.signature.clone()))
            .collect();
        Self {
            senders: senders.into_iter().cloned().collect(),
            items,
        }
    }

    /// The indices of the transactions whose signature does not verify, ascending: the verdict
    /// of [`verify_batch`] on the same transactions.
    pub fn bad_signatures(&self) -> Vec<usize> {
        let messages: Vec<SignedMessage<'_>> = self
            .items
            .iter()
            .map(|(sender, body, signature)| SignedMessage {
                signer: &self.senders[*sender],
                namespace: TX_NAMESPACE,
                message: body,
                signature,
            })
            .collect();
        if ailedger_ed25519::accelerated() && !messages.is_empty() {
            // The senders are listed once each already: the equation needs no regrouping.
            let keys: Vec<[u8; 32]> = self.senders.iter().map(key_bytes).collect();
            let entries: Option<Vec<ailedger_ed25519::Entry<'_>>> = self
                .items
                .iter()
                .map(|(sender, body, signature)| {
                    Some(ailedger_ed25519::Entry {
                        key: *sender,
                        namespace: TX_NAMESPACE,
                        message: body,
                        signature: signature.as_ref().try_into().ok()?,
                    })
                })
                .collect();
            if let Some(entries) = entries
                && ailedger_ed25519::verify_batch(&keys, &entries, &seed_of(&messages))
            {
                return Vec::new();
            }
        }
        // Not all valid: the general path names the culprits.
        verify_signatures(&messages)
    }
}

/// The 32 bytes of an address's key.
fn key_bytes(address: &Address) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(address.as_bytes());
    bytes
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use commonware_codec::{Copying, Decode};
    use proptest::{collection::vec, prelude::*, sample::Index};

    fn sample(seed: u64, nonce: u64, payload: Vec<u8>) -> SignedTransaction {
        let key = SecretKey::from_seed(seed);
        Transaction::new(
            "ailedger-test",
            key.address(),
            nonce,
            10_000,
            2,
            ModuleId::new(1),
            payload,
        )
        .expect("valid transaction")
        .sign(&key)
    }

    #[test]
    fn signed_transaction_round_trips_and_verifies() {
        let signed = sample(1, 5, vec![1, 2, 3]);
        let decoded = SignedTransaction::decode(&signed.encode_to_vec()).expect("decodes");
        assert_eq!(decoded, signed);
        assert_eq!(decoded.hash(), signed.tx().hash());
        assert_eq!(decoded.verify_signature(), Ok(()));
    }

    #[test]
    fn signature_by_another_key_is_rejected() {
        let key = SecretKey::from_seed(1);
        let other = SecretKey::from_seed(2);
        let tx = Transaction::new("c", key.address(), 0, 1, 1, ModuleId::new(1), vec![])
            .expect("valid")
            .sign(&other);
        assert_eq!(tx.verify_signature(), Err(SignatureError::Invalid));
    }

    #[test]
    fn every_flipped_bit_breaks_the_signature_or_the_encoding() {
        let bytes = sample(3, 1, vec![9; 16]).encode_to_vec();
        for position in 0..bytes.len() {
            for bit in 0..8 {
                let mut tampered = bytes.clone();
                tampered[position] ^= 1 << bit;
                if let Ok(tx) = SignedTransaction::decode(&tampered) {
                    assert!(
                        tx.verify_signature().is_err(),
                        "flip at byte {position} bit {bit} still verifies"
                    );
                }
            }
        }
    }

    #[test]
    fn truncated_and_extended_encodings_are_rejected() {
        let bytes = sample(4, 0, vec![7; 8]).encode_to_vec();
        for len in 0..bytes.len() {
            assert!(
                SignedTransaction::decode(&bytes[..len]).is_err(),
                "prefix of {len} bytes decoded"
            );
        }
        let mut longer = bytes;
        longer.push(0);
        assert!(matches!(
            SignedTransaction::decode(&longer),
            Err(Error::ExtraData(1))
        ));
    }

    #[test]
    fn chain_id_rules() {
        assert!(ChainId::new("ailedger-dev.1_a").is_ok());
        for bad in ["", "Upper", "space here", "é", &"a".repeat(65)] {
            assert!(ChainId::new(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn oversized_payload_is_refused() {
        let key = SecretKey::from_seed(1);
        let result = Transaction::new(
            "c",
            key.address(),
            0,
            1,
            1,
            ModuleId::new(1),
            vec![0; MAX_PAYLOAD_LEN + 1],
        );
        assert_eq!(
            result,
            Err(TxBuildError::PayloadTooLarge(MAX_PAYLOAD_LEN + 1))
        );
    }

    #[test]
    fn batch_verification_names_the_bad_signatures() {
        let mut txs: Vec<SignedTransaction> =
            (0..20).map(|i| sample(i, i, vec![i as u8])).collect();
        assert!(verify_batch(&txs.iter().collect::<Vec<_>>()).is_empty());
        // Swap two signatures: both become invalid.
        let signature_3 = txs[3].signature.clone();
        txs[3].signature = txs[11].signature.clone();
        txs[11].signature = signature_3;
        assert_eq!(verify_batch(&txs.iter().collect::<Vec<_>>()), vec![3, 11]);
    }

    #[test]
    fn an_owned_signature_batch_gives_the_verdict_of_verify_batch() {
        // Five senders, several transactions each, so that senders repeat within the batch.
        let txs: Vec<SignedTransaction> = (0..40)
            .map(|i| sample(i % 5, i / 5, vec![i as u8; (i % 7) as usize]))
            .collect();
        let verdicts = |txs: &[SignedTransaction]| {
            (
                SignatureBatch::new(txs).bad_signatures(),
                verify_batch(&txs.iter().collect::<Vec<_>>()),
            )
        };
        let (owned, reference) = verdicts(&txs);
        assert!(owned.is_empty() && reference.is_empty());
        // Signatures swapped between senders, between two transactions of one sender, and one
        // moved onto a transaction it was not made for.
        for (a, b) in [(3, 11), (0, 5), (39, 38)] {
            let mut tampered = txs.clone();
            tampered[a].signature = txs[b].signature.clone();
            tampered[b].signature = txs[a].signature.clone();
            let (owned, reference) = verdicts(&tampered);
            assert_eq!(owned, reference);
            assert_eq!(owned, vec![a.min(b), a.max(b)]);
        }
        let mut tampered = txs.clone();
        tampered[17].signature = txs[2].signature.clone();
        assert_eq!(verdicts(&tampered), (vec![17], vec![17]));
        assert!(SignatureBatch::new(&[]).bad_signatures().is_empty());
    }

    /// Both equations, on one thread and on a pool that splits the batch into shards.
    fn both_verdicts(txs: &[SignedTransaction]) -> [bool; 4] {
        let messages: Vec<SignedMessage<'_>> =
            txs.iter().map(SignedTransaction::signed_message).collect();
        let pool = commonware_parallel::Rayon::new(std::num::NonZeroUsize::new(2).expect("2"))
            .expect("a pool");
        let seed = [5u8; 32];
        [
            verify_accelerated(&messages, &seed, &Sequential),
            verify_accelerated(&messages, &seed, &pool),
            verify_commonware(&messages, seed, &Sequential),
            verify_commonware(&messages, seed, &pool),
        ]
    }

    #[test]
    fn the_accelerated_and_commonware_equations_agree() {
        // More than two shards' worth, from few senders, so shards split senders' runs.
        let txs: Vec<SignedTransaction> = (0..(3 * MIN_SHARD.get() as u64 + 5))
            .map(|i| sample(i % 7, i / 7, vec![i as u8; (i % 5) as usize]))
            .collect();
        assert_eq!(both_verdicts(&txs), [true; 4]);
        for position in [0, 1, MIN_SHARD.get(), txs.len() - 1] {
            let mut tampered = txs.clone();
            tampered[position].signature = txs[(position + 1) % txs.len()].signature.clone();
            assert_eq!(
                both_verdicts(&tampered),
                [false; 4],
                "bad signature at {position}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn the_equations_agree_on_any_corrupted_signature(
            count in 1u64..30,
            which in any::<proptest::sample::Index>(),
            position in 0usize..64,
            value: u8,
        ) {
            let mut txs: Vec<SignedTransaction> =
                (0..count).map(|i| sample(i % 3, i / 3, vec![1; 3])).collect();
            let i = which.index(txs.len());
            let mut bytes = [0u8; 64];
            bytes.copy_from_slice(txs[i].signature.as_ref());
            bytes[position] = value;
            if let Ok(signature) = ed25519::Signature::decode_cfg(Copying(&bytes[..]), &()) {
                txs[i].signature = signature;
                let verdicts = both_verdicts(&txs);
                prop_assert!(verdicts.iter().all(|v| *v == verdicts[0]), "{:?}", verdicts);
            }
        }
    }

    proptest! {
        #[test]
        fn encoding_round_trips(seed in 0u64..1000, nonce: u64, gas_limit: u64, gas_price: u64,
                                module: u8, payload in proptest::collection::vec(any::<u8>(), 0..300)) {
            let key = SecretKey::from_seed(seed);
            let tx = Transaction::new("p", key.address(), nonce, gas_limit, gas_price, ModuleId::new(module), payload)
                .expect("valid");
            let signed = tx.sign(&key);
            let bytes = signed.encode_to_vec();
            prop_assert_eq!(bytes.len(), signed.encode_size());
            let decoded = SignedTransaction::decode(&bytes).expect("round trip");
            prop_assert_eq!(&decoded.encode_to_vec(), &bytes);
            // The leaf hash is the one of the encoding, whether built or decoded.
            prop_assert_eq!(signed.leaf_hash(), crate::leaf_hash(&bytes));
            prop_assert_eq!(decoded.leaf_hash(), crate::leaf_hash(&bytes));
        }

        #[test]
        fn arbitrary_bytes_never_panic_and_decoded_values_are_canonical(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            if let Ok(tx) = SignedTransaction::decode(&bytes) {
                prop_assert_eq!(tx.encode_to_vec(), bytes);
            }
        }
    }

    // Strategies and helpers shared by the encoding tests of this crate.

    /// A chain id drawn from the whole alphabet and every allowed length.
    pub(crate) fn arb_chain_id() -> impl Strategy<Value = ChainId> {
        "[a-z0-9._-]{1,64}"
            .prop_map(|value| ChainId::new(value).expect("the regex only yields valid chain ids"))
    }

    /// An address: either the key of a known secret, or any 32 bytes that are accepted as one
    /// (a canonically encoded point of large order).
    pub(crate) fn arb_address() -> impl Strategy<Value = Address> {
        prop_oneof![
            (0u64..1_000).prop_map(|seed| SecretKey::from_seed(seed).address()),
            any::<[u8; 32]>().prop_filter_map("not a curve point", |bytes| {
                Address::from_bytes(&bytes).ok()
            }),
        ]
    }

    /// Any 64 bytes: decoding does not check signatures, so every value must round trip.
    pub(crate) fn arb_signature() -> impl Strategy<Value = ed25519::Signature> {
        any::<[u8; 64]>().prop_map(|bytes| {
            ed25519::Signature::decode_cfg(Copying(&bytes), &())
                .expect("any 64 bytes are a signature")
        })
    }

    /// A transaction whose payload length crosses the one- and two-byte varint forms.
    pub(crate) fn arb_transaction() -> impl Strategy<Value = Transaction> {
        (
            arb_chain_id(),
            arb_address(),
            any::<u64>(),
            any::<u64>(),
            any::<u64>(),
            any::<u8>(),
            vec(any::<u8>(), 0..300),
        )
            .prop_map(
                |(chain_id, sender, nonce, gas_limit, gas_price, module, payload)| Transaction {
                    chain_id,
                    sender,
                    nonce,
                    gas_limit,
                    gas_price,
                    module: ModuleId::new(module),
                    payload: payload.into(),
                },
            )
    }

    /// A transaction with an arbitrary (usually invalid) signature.
    pub(crate) fn arb_signed_transaction() -> impl Strategy<Value = SignedTransaction> {
        (arb_transaction(), arb_signature()).prop_map(|(tx, signature)| {
            let body = tx.encode();
            SignedTransaction::from_parts(tx, body, signature)
        })
    }

    /// One edit of an encoding.
    #[derive(Clone, Debug)]
    pub(crate) enum Mutation {
        /// Flips one bit.
        FlipBit(Index, u8),
        /// Keeps a strict prefix.
        Truncate(Index),
        /// Inserts a byte before a position (or at the end).
        Insert(Index, u8),
        /// Appends bytes.
        Append(Vec<u8>),
    }

    impl Mutation {
        /// Applies the edit to a non-empty encoding.
        pub(crate) fn apply(&self, bytes: &[u8]) -> Vec<u8> {
            let mut out = bytes.to_vec();
            match self {
                Self::FlipBit(index, bit) => out[index.index(bytes.len())] ^= 1 << bit,
                Self::Truncate(index) => out.truncate(index.index(bytes.len())),
                Self::Insert(index, byte) => out.insert(index.index(bytes.len() + 1), *byte),
                Self::Append(extra) => out.extend_from_slice(extra),
            }
            out
        }

        /// Whether the result can never decode: a decoder reads front to back, so a strict
        /// prefix or an extension of a canonical encoding is never an encoding itself.
        pub(crate) fn must_be_rejected(&self) -> bool {
            matches!(self, Self::Truncate(_) | Self::Append(_))
        }
    }

    pub(crate) fn arb_mutation() -> impl Strategy<Value = Mutation> {
        prop_oneof![
            4 => (any::<Index>(), 0u8..8).prop_map(|(index, bit)| Mutation::FlipBit(index, bit)),
            1 => any::<Index>().prop_map(Mutation::Truncate),
            2 => (any::<Index>(), any::<u8>())
                .prop_map(|(index, byte)| Mutation::Insert(index, byte)),
            1 => vec(any::<u8>(), 1..8).prop_map(Mutation::Append),
        ]
    }

    /// Decodes `bytes` and, if they decode, checks that re-encoding gives exactly `bytes` back.
    /// Returns whether they decoded.
    pub(crate) fn check_canonical<T: Decode + Encode>(
        bytes: &[u8],
        cfg: &T::Cfg,
    ) -> Result<bool, TestCaseError> {
        match T::decode_cfg(Copying(bytes), cfg) {
            Ok(value) => {
                prop_assert_eq!(value.encode_size(), bytes.len());
                let encoded = value.encode();
                prop_assert_eq!(encoded.as_ref(), bytes, "decoded bytes do not re-encode");
                Ok(true)
            }
            Err(_) => Ok(false),
        }
    }

    /// Decodes a signed transaction and, if it decodes, also checks that its id is the hash of
    /// the unsigned bytes it was decoded from.
    fn check_canonical_tx(bytes: &[u8]) -> Result<bool, TestCaseError> {
        let decoded = check_canonical::<SignedTransaction>(bytes, &())?;
        if decoded {
            let tx = SignedTransaction::decode(bytes).expect("decoded just above");
            let body = &bytes[..bytes.len() - ed25519::Signature::SIZE];
            prop_assert_eq!(tx.hash(), sha256(&[body]));
            prop_assert_eq!(tx.hash(), tx.tx().hash());
        }
        Ok(decoded)
    }

    // Hand-assembled encodings: the layout is written out here independently of `Write`, so that
    // each field's length prefix can be replaced by a non-canonical one.

    const SENDER_SEED: u64 = 77;

    /// A signed transaction's bytes from raw chain id and payload fields (each with its length
    /// prefix), sender `SENDER_SEED`, nonce 1, gas limit 2, gas price 3, module 4, and a
    /// signature of 64 bytes `0x5a`.
    fn assemble(chain_id_field: &[u8], payload_field: &[u8]) -> Vec<u8> {
        let mut bytes = chain_id_field.to_vec();
        bytes.extend_from_slice(SecretKey::from_seed(SENDER_SEED).address().as_bytes());
        bytes.extend_from_slice(&1u64.to_be_bytes());
        bytes.extend_from_slice(&2u64.to_be_bytes());
        bytes.extend_from_slice(&3u64.to_be_bytes());
        bytes.push(4);
        bytes.extend_from_slice(payload_field);
        bytes.extend_from_slice(&[0x5a; 64]);
        bytes
    }

    /// A field with a minimal LEB128 length prefix.
    fn field(value: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        value.len().write(&mut out);
        out.extend_from_slice(value);
        out
    }

    /// A field whose length prefix has one more byte than needed: the minimal LEB128 form with
    /// the continuation bit set on its last byte, followed by a zero byte.
    fn padded_field(value: &[u8]) -> Vec<u8> {
        let mut prefix = Vec::new();
        value.len().write(&mut prefix);
        let last = prefix.len() - 1;
        prefix[last] |= 0x80;
        prefix.push(0x00);
        prefix.extend_from_slice(value);
        prefix
    }

    #[test]
    fn hand_assembled_encoding_matches_the_documented_layout() {
        let key = SecretKey::from_seed(SENDER_SEED);
        let tx = Transaction::new(
            "chain-1",
            key.address(),
            1,
            2,
            3,
            ModuleId::new(4),
            vec![9; 200],
        )
        .expect("valid");
        let bytes = assemble(&field(b"chain-1"), &field(&[9; 200]));
        let decoded = SignedTransaction::decode(&bytes).expect("the documented layout decodes");
        assert_eq!(decoded.tx(), &tx);
        assert_eq!(decoded.encode_to_vec(), bytes);
        // 200 needs a two-byte length: 0xc8 0x01.
        let payload_at = 1 + 7 + 32 + 24 + 1;
        assert_eq!(&bytes[payload_at..payload_at + 2], &[0xc8, 0x01]);
    }

    #[test]
    fn payload_length_written_as_non_minimal_varint_is_rejected() {
        // Every one-byte length written with two bytes, and two-byte lengths with three.
        for len in (0..=127).chain([128, 200, 16_383]) {
            let payload = vec![0xab; len];
            let canonical = assemble(&field(b"c"), &field(&payload));
            assert!(SignedTransaction::decode(&canonical).is_ok(), "len {len}");
            let padded = assemble(&field(b"c"), &padded_field(&payload));
            assert_eq!(padded.len(), canonical.len() + 1);
            assert!(
                matches!(
                    SignedTransaction::decode(&padded),
                    Err(Error::InvalidVarint(_))
                ),
                "non-minimal length of {len} accepted: {:?}",
                SignedTransaction::decode(&padded)
            );
        }
    }

    #[test]
    fn payload_length_of_three_as_two_byte_varint_is_rejected() {
        // The example spelled out: length 3 is 0x03, never 0x83 0x00.
        let canonical = assemble(&field(b"c"), &[0x03, 1, 2, 3]);
        assert!(SignedTransaction::decode(&canonical).is_ok());
        let padded = assemble(&field(b"c"), &[0x83, 0x00, 1, 2, 3]);
        assert!(matches!(
            SignedTransaction::decode(&padded),
            Err(Error::InvalidVarint(_))
        ));
    }

    #[test]
    fn chain_id_length_written_as_non_minimal_varint_is_rejected() {
        for len in 1..=MAX_CHAIN_ID_LEN {
            let chain_id = vec![b'a'; len];
            let padded = assemble(&padded_field(&chain_id), &field(&[]));
            assert!(
                matches!(
                    SignedTransaction::decode(&padded),
                    Err(Error::InvalidVarint(_))
                ),
                "non-minimal chain id length {len} accepted"
            );
        }
    }

    #[test]
    fn payload_over_the_limit_is_rejected_on_decode() {
        let at_limit = assemble(&field(b"c"), &field(&vec![0; MAX_PAYLOAD_LEN]));
        assert!(SignedTransaction::decode(&at_limit).is_ok());
        let over = assemble(&field(b"c"), &field(&vec![0; MAX_PAYLOAD_LEN + 1]));
        assert!(matches!(
            SignedTransaction::decode(&over),
            Err(Error::InvalidLength(len)) if len == MAX_PAYLOAD_LEN + 1
        ));
    }

    #[test]
    fn chain_id_that_is_not_utf8_is_rejected() {
        // A lone continuation byte, a truncated sequence, an overlong '/', a surrogate, and a
        // code point above U+10FFFF.
        let invalid: [&[u8]; 5] = [
            b"ab\x80",
            b"ab\xc3",
            b"\xc0\xaf",
            b"\xed\xa0\x80",
            b"\xf4\x90\x80\x80",
        ];
        for chain_id in invalid {
            let bytes = assemble(&field(chain_id), &field(&[]));
            assert!(
                matches!(
                    SignedTransaction::decode(&bytes),
                    Err(Error::Invalid("ChainId", "not valid UTF-8"))
                ),
                "{chain_id:?} accepted"
            );
        }
    }

    #[test]
    fn chain_id_with_forbidden_characters_is_rejected_on_decode() {
        let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b);
        for byte in (0u8..=127).filter(|b| !allowed(*b)) {
            let bytes = assemble(&field(&[b'a', byte, b'z']), &field(&[]));
            assert!(
                matches!(
                    SignedTransaction::decode(&bytes),
                    Err(Error::Invalid("ChainId", _))
                ),
                "byte {byte:#04x} accepted in a chain id"
            );
        }
        // Valid UTF-8 outside the alphabet, and a 64-byte id of two-byte characters.
        for chain_id in ["é", "ａ", "a\u{0}", &"é".repeat(32)] {
            let bytes = assemble(&field(chain_id.as_bytes()), &field(&[]));
            assert!(
                matches!(
                    SignedTransaction::decode(&bytes),
                    Err(Error::Invalid("ChainId", _))
                ),
                "{chain_id:?} accepted"
            );
        }
    }

    #[test]
    fn chain_id_that_is_empty_or_too_long_is_rejected_on_decode() {
        let empty = assemble(&field(b""), &field(&[]));
        assert!(matches!(
            SignedTransaction::decode(&empty),
            Err(Error::Invalid("ChainId", _))
        ));
        let longest = assemble(&field(&[b'a'; MAX_CHAIN_ID_LEN]), &field(&[]));
        assert!(SignedTransaction::decode(&longest).is_ok());
        let too_long = assemble(&field(&[b'a'; MAX_CHAIN_ID_LEN + 1]), &field(&[]));
        assert!(matches!(
            SignedTransaction::decode(&too_long),
            Err(Error::InvalidLength(65))
        ));
    }

    #[test]
    fn sender_that_is_not_a_curve_point_is_rejected() {
        let not_a_point = (0u8..=255)
            .map(|i| [i; 32])
            .find(|bytes| Address::from_bytes(bytes).is_err())
            .expect("some constant byte string is not a point");
        let mut bytes = assemble(&field(b"c"), &field(&[]));
        bytes[2..34].copy_from_slice(&not_a_point);
        assert!(matches!(
            SignedTransaction::decode(&bytes),
            Err(Error::Wrapped(..) | Error::Invalid("Address", _))
        ));
    }

    #[test]
    fn small_order_senders_whose_signatures_anyone_can_forge_are_refused() {
        // ZIP-215 accepts small-order keys, and for them [8][s]B = [8]R + [8][k]A holds with
        // R = identity and s = 0 whatever the message: the signature below would verify. Such a
        // sender never decodes, so no transaction can spend from 01 00..00 or 00 00..00.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let mut forged = [0u8; 64];
        forged[..32].copy_from_slice(&identity);
        for sender in [identity, [0u8; 32]] {
            assert_eq!(
                Address::from_bytes(&sender),
                Err(crate::AddressParseError::SmallOrder)
            );
            let mut bytes = assemble(&field(b"c"), &field(&[1, 2, 3]));
            bytes[2..34].copy_from_slice(&sender);
            let last = bytes.len() - 64;
            bytes[last..].copy_from_slice(&forged);
            assert!(matches!(
                SignedTransaction::decode(&bytes),
                Err(Error::Invalid("Address", "small-order point"))
            ));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn signed_transaction_with_arbitrary_fields_round_trips(
            signed in arb_signed_transaction(),
        ) {
            let bytes = signed.encode_to_vec();
            prop_assert_eq!(bytes.len(), signed.encode_size());
            let decoded = SignedTransaction::decode(&bytes).expect("round trip");
            prop_assert_eq!(&decoded, &signed);
            prop_assert_eq!(decoded.hash(), signed.hash());
            prop_assert_eq!(decoded.hash(), signed.tx().hash());
            prop_assert_eq!(decoded.encode_to_vec(), bytes);
        }

        #[test]
        fn unsigned_transaction_round_trips(tx in arb_transaction()) {
            let bytes = tx.encode();
            prop_assert_eq!(bytes.len(), tx.encode_size());
            let decoded = Transaction::decode_cfg(bytes.clone(), &()).expect("round trip");
            prop_assert_eq!(decoded.hash(), sha256(&[&bytes]));
            prop_assert_eq!(decoded, tx);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn mutated_transaction_that_decodes_re_encodes_to_the_same_bytes(
            signed in arb_signed_transaction(),
            mutation in arb_mutation(),
        ) {
            let mutated = mutation.apply(&signed.encode_to_vec());
            let decoded = check_canonical_tx(&mutated)?;
            if mutation.must_be_rejected() {
                prop_assert!(!decoded, "{:?} of a valid encoding decoded", mutation);
            }
        }

        #[test]
        fn repeatedly_mutated_transaction_never_decodes_non_canonically(
            signed in arb_signed_transaction(),
            mutations in vec(arb_mutation(), 1..6),
        ) {
            let mut bytes = signed.encode_to_vec();
            for mutation in &mutations {
                if bytes.is_empty() {
                    break;
                }
                bytes = mutation.apply(&bytes);
            }
            check_canonical_tx(&bytes)?;
        }

        #[test]
        fn arbitrary_bytes_after_a_valid_prefix_decode_only_canonically(
            signed in arb_signed_transaction(),
            cut in any::<Index>(),
            tail in vec(any::<u8>(), 0..200),
        ) {
            let bytes = signed.encode_to_vec();
            let mut spliced = bytes[..cut.index(bytes.len())].to_vec();
            spliced.extend_from_slice(&tail);
            check_canonical_tx(&spliced)?;
        }
    }
}
