//! Ed25519 accounts.
//!
//! An account is identified by its Ed25519 public key; its [`Address`] is the 32-byte key itself,
//! written as 64 lowercase hex digits. Verification follows ZIP-215, under which a signature that
//! passes batch verification also passes single verification and the reverse, so every validator
//! reaches the same verdict whichever way it checks.
//!
//! ZIP-215 accepts any point as a key, including the eight points of small order, for which a
//! signature on any message can be forged without a secret key (R the identity, s zero), and
//! non-canonical encodings, which would give one key several addresses. An address is therefore
//! only a canonically encoded point of large order: both checks are byte comparisons, since the
//! small-order points are few and known.

use commonware_codec::{Buf, Copying, DecodeExt, Encode, FixedSize, Read, ReadExt, Write};
use commonware_cryptography::{Signer, ed25519};
use commonware_math::algebra::Random;
use commonware_utils::{NZUsize, cache::Cache};
use std::{
    fmt,
    num::NonZeroUsize,
    str::FromStr,
    sync::{LazyLock, Mutex, PoisonError},
};
use thiserror::Error;

/// Keys decoded recently, by encoding. Decoding a key decompresses a curve point, a square
/// root costing microseconds, and the same accounts' keys are decoded again and again: in every
/// transaction, in every block a peer sends, at every read of a stored block. The answer for an
/// encoding never changes, so the cache changes no result, only its cost. Sharded by the first
/// byte; each shard is a bounded Commonware cache that keeps the keys in use.
struct KeyCache {
    shards: [Mutex<Cache<[u8; 32], ed25519::PublicKey>>; KeyCache::SHARDS],
}

impl KeyCache {
    const SHARDS: usize = 16;
    const SHARD_CAPACITY: NonZeroUsize = NZUsize!(1 << 14);

    fn decode(&self, bytes: &[u8; 32]) -> Option<ed25519::PublicKey> {
        let shard = &self.shards[usize::from(bytes[0]) % Self::SHARDS];
        if let Some(key) = shard
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(bytes)
        {
            return Some(key.clone());
        }
        // Decoded outside the lock: it is the slow part, and other keys of the shard wait on it.
        let key = ed25519::PublicKey::decode(Copying(&bytes[..])).ok()?;
        shard
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .put(*bytes, key.clone());
        Some(key)
    }
}

static KEYS: LazyLock<KeyCache> = LazyLock::new(|| KeyCache {
    shards: std::array::from_fn(|_| Mutex::new(Cache::new(KeyCache::SHARD_CAPACITY))),
});

/// An account address: an Ed25519 public key.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address(ed25519::PublicKey);

impl Address {
    /// The encoded size of an address in bytes.
    pub const SIZE: usize = ed25519::PublicKey::SIZE;

    /// The underlying public key.
    pub fn public_key(&self) -> &ed25519::PublicKey {
        &self.0
    }

    /// The 32 bytes of the key.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_ref()
    }

    /// Decodes an address from its 32 bytes, rejecting bytes that are not a canonically encoded
    /// curve point of large order.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, AddressParseError> {
        let Ok(array) = <[u8; 32]>::try_from(bytes) else {
            return Err(AddressParseError::Length(bytes.len()));
        };
        check_key_encoding(&array)?;
        KEYS.decode(&array)
            .map(Self)
            .ok_or(AddressParseError::NotAKey)
    }
}

impl From<ed25519::PublicKey> for Address {
    fn from(key: ed25519::PublicKey) -> Self {
        Self(key)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Formatted on the stack: receipts name addresses in events, so this runs several times
        // for every transaction a node executes.
        let mut hex = [0u8; 2 * Self::SIZE];
        hex::encode_to_slice(self.as_bytes(), &mut hex).expect("the buffer is twice the key");
        f.write_str(std::str::from_utf8(&hex).expect("hex digits are ASCII"))
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({self})")
    }
}

/// Why a string is not an address.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum AddressParseError {
    /// Not hexadecimal.
    #[error("address is not hexadecimal")]
    NotHex,
    /// Not 32 bytes.
    #[error("address must be 32 bytes (64 hex digits), got {0} bytes")]
    Length(usize),
    /// 32 bytes, but not an Ed25519 public key.
    #[error("address is not a valid Ed25519 public key")]
    NotAKey,
    /// A point of small order: anyone could sign for it.
    #[error("address is a small-order point, for which anyone can forge signatures")]
    SmallOrder,
    /// A non-canonical encoding of a point.
    #[error("address is not the canonical encoding of its point")]
    NonCanonical,
}

/// The canonical encodings of the eight points of small order (the torsion subgroup).
const SMALL_ORDER_POINTS: [[u8; 32]; 8] = [
    hex_literal(b"0100000000000000000000000000000000000000000000000000000000000000"),
    hex_literal(b"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    hex_literal(b"0000000000000000000000000000000000000000000000000000000000000000"),
    hex_literal(b"0000000000000000000000000000000000000000000000000000000000000080"),
    hex_literal(b"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
    hex_literal(b"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"),
    hex_literal(b"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
    hex_literal(b"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"),
];

const fn hex_literal(text: &[u8; 64]) -> [u8; 32] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not a lowercase hex digit"),
        }
    }
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = nibble(text[2 * i]) << 4 | nibble(text[2 * i + 1]);
        i += 1;
    }
    out
}

/// Rejects encodings that are non-canonical or of small-order points. Whether the bytes are a
/// point at all is left to decompression.
fn check_key_encoding(bytes: &[u8; 32]) -> Result<(), AddressParseError> {
    // The y coordinate is the low 255 bits; it must be below p = 2^255 - 19.
    let y_not_reduced =
        bytes[31] & 0x7f == 0x7f && bytes[1..31].iter().all(|&b| b == 0xff) && bytes[0] >= 0xed;
    if y_not_reduced {
        return Err(AddressParseError::NonCanonical);
    }
    // The sign bit of x must be clear when x is zero, which happens for y = 1 and y = p - 1.
    let mut unsigned = *bytes;
    unsigned[31] &= 0x7f;
    let x_is_zero = unsigned == SMALL_ORDER_POINTS[0] || unsigned == SMALL_ORDER_POINTS[1];
    if x_is_zero && bytes[31] & 0x80 != 0 {
        return Err(AddressParseError::NonCanonical);
    }
    if SMALL_ORDER_POINTS.contains(bytes) {
        return Err(AddressParseError::SmallOrder);
    }
    Ok(())
}

impl FromStr for Address {
    type Err = AddressParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Only the canonical form (lowercase hex) is accepted, so that an address has one spelling.
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(AddressParseError::NotHex);
        }
        let bytes = hex::decode(s).map_err(|_| AddressParseError::NotHex)?;
        Self::from_bytes(&bytes)
    }
}

impl Write for Address {
    fn write(&self, buf: &mut impl bytes::BufMut) {
        self.0.write(buf);
    }
}

impl FixedSize for Address {
    const SIZE: usize = ed25519::PublicKey::SIZE;
}

impl Read for Address {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, commonware_codec::Error> {
        let bytes = <[u8; 32]>::read(buf)?;
        check_key_encoding(&bytes).map_err(|error| match error {
            AddressParseError::SmallOrder => {
                commonware_codec::Error::Invalid("Address", "small-order point")
            }
            _ => commonware_codec::Error::Invalid("Address", "non-canonical encoding"),
        })?;
        KEYS.decode(&bytes)
            .map(Self)
            .ok_or(commonware_codec::Error::Invalid(
                "Address",
                "not a curve point",
            ))
    }
}

/// An Ed25519 signing key. Its bytes are a secret: it is never printed by `Debug`.
#[derive(Clone)]
pub struct SecretKey(ed25519::PrivateKey);

impl SecretKey {
    /// A new key from the operating system's randomness.
    pub fn generate() -> Self {
        Self(ed25519::PrivateKey::random(rand::rng()))
    }

    /// A key derived from a small seed. For tests and development networks only: anyone can
    /// derive the same key.
    pub fn from_seed(seed: u64) -> Self {
        Self(ed25519::PrivateKey::from_seed(seed))
    }

    /// Decodes a key from its 32 secret bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, AddressParseError> {
        if bytes.len() != ed25519::PrivateKey::SIZE {
            return Err(AddressParseError::Length(bytes.len()));
        }
        ed25519::PrivateKey::decode(Copying(bytes))
            .map(Self)
            .map_err(|_| AddressParseError::NotAKey)
    }

    /// The 32 secret bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.encode().to_vec()
    }

    /// The account address of this key.
    pub fn address(&self) -> Address {
        Address(self.0.public_key())
    }

    /// The underlying key, for the consensus engine.
    pub fn private_key(&self) -> &ed25519::PrivateKey {
        &self.0
    }

    /// Signs `msg` under `namespace`.
    pub fn sign(&self, namespace: &[u8], msg: &[u8]) -> ed25519::Signature {
        self.0.sign(namespace, msg)
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey(address = {})", self.address())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_through_the_key_cache_gives_the_same_answers_every_time() {
        let address = SecretKey::from_seed(7).address();
        let encoded = address.encode();
        for _ in 0..3 {
            assert_eq!(Address::decode(encoded.clone()).expect("decodes"), address);
            assert_eq!(Address::from_bytes(&encoded), Ok(address.clone()));
        }
        // Canonical y coordinates with no curve point stay refused, however often they come.
        let not_points: Vec<[u8; 32]> = (2u8..=255)
            .map(|y| {
                let mut bytes = [0u8; 32];
                bytes[0] = y;
                bytes
            })
            .filter(|bytes| ed25519::PublicKey::decode(Copying(&bytes[..])).is_err())
            .collect();
        assert!(!not_points.is_empty());
        for bytes in not_points.iter().chain(not_points.iter()) {
            assert_eq!(Address::from_bytes(bytes), Err(AddressParseError::NotAKey));
            assert!(Address::decode(Copying(&bytes[..])).is_err());
        }
    }

    #[test]
    fn address_round_trips_through_hex() {
        let address = SecretKey::from_seed(1).address();
        let text = address.to_string();
        assert_eq!(text.len(), 64);
        assert_eq!(text, hex::encode(address.as_bytes()));
        assert_eq!(text.parse::<Address>(), Ok(address));
    }

    #[test]
    fn address_rejects_bad_strings() {
        let text = SecretKey::from_seed(1).address().to_string();
        assert_eq!("zz".parse::<Address>(), Err(AddressParseError::NotHex));
        assert_eq!(
            text.to_uppercase().parse::<Address>(),
            Err(AddressParseError::NotHex)
        );
        assert_eq!(
            text[..62].parse::<Address>(),
            Err(AddressParseError::Length(31))
        );
        assert_eq!(
            format!("{text}00").parse::<Address>(),
            Err(AddressParseError::Length(33))
        );
    }

    /// The reference: decompress with curve25519-dalek and ask the point.
    fn reference(bytes: &[u8; 32]) -> Option<bool> {
        let point = curve25519_dalek::edwards::CompressedEdwardsY(*bytes).decompress()?;
        Some(point.compress().as_bytes() == bytes && !point.is_small_order())
    }

    fn accepted(bytes: &[u8; 32]) -> bool {
        Address::from_bytes(bytes).is_ok()
    }

    #[test]
    fn the_small_order_table_is_exactly_the_torsion_points() {
        for encoding in SMALL_ORDER_POINTS {
            let point = curve25519_dalek::edwards::CompressedEdwardsY(encoding)
                .decompress()
                .expect("a point");
            assert!(point.is_small_order());
            assert_eq!(point.compress().as_bytes(), &encoding);
        }
        let distinct: std::collections::BTreeSet<_> = SMALL_ORDER_POINTS.iter().collect();
        assert_eq!(distinct.len(), 8);
    }

    #[test]
    fn edge_encodings_agree_with_the_reference() {
        let mut cases: Vec<[u8; 32]> = SMALL_ORDER_POINTS.to_vec();
        for point in SMALL_ORDER_POINTS {
            let mut flipped = point;
            flipped[31] ^= 0x80;
            cases.push(flipped);
        }
        // Every y from p to 2^255 - 1, with both signs.
        for low in 0xedu8..=0xff {
            for sign in [0x00u8, 0x80] {
                let mut bytes = [0xffu8; 32];
                bytes[0] = low;
                bytes[31] = 0x7f | sign;
                cases.push(bytes);
            }
        }
        cases.push(
            *SecretKey::from_seed(5)
                .address()
                .as_bytes()
                .first_chunk()
                .expect("32 bytes"),
        );
        for bytes in cases {
            let expected = reference(&bytes).unwrap_or(false);
            assert_eq!(accepted(&bytes), expected, "{}", hex::encode(bytes));
        }
    }

    #[test]
    fn small_order_and_non_canonical_addresses_are_refused_with_a_reason() {
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            Address::from_bytes(&identity),
            Err(AddressParseError::SmallOrder)
        );
        assert_eq!(
            Address::from_bytes(&[0u8; 32]),
            Err(AddressParseError::SmallOrder)
        );
        let mut negative_zero = identity;
        negative_zero[31] = 0x80;
        assert_eq!(
            Address::from_bytes(&negative_zero),
            Err(AddressParseError::NonCanonical)
        );
        let mut unreduced = [0xffu8; 32];
        unreduced[31] = 0x7f;
        assert_eq!(
            Address::from_bytes(&unreduced),
            Err(AddressParseError::NonCanonical)
        );
    }

    proptest::proptest! {
        #[test]
        fn random_encodings_agree_with_the_reference(bytes: [u8; 32]) {
            proptest::prop_assert_eq!(accepted(&bytes), reference(&bytes).unwrap_or(false));
        }

        #[test]
        fn keys_from_random_secrets_are_accepted(seed: u64) {
            let address = SecretKey::from_seed(seed).address();
            proptest::prop_assert!(accepted(address.as_bytes().first_chunk().expect("32 bytes")));
        }
    }

    #[test]
    fn secret_key_round_trips_and_hides_its_bytes() {
        let key = SecretKey::generate();
        let again = SecretKey::from_bytes(&key.to_bytes()).expect("32 bytes");
        assert_eq!(key.address(), again.address());
        let shown = format!("{key:?}");
        assert!(!shown.contains(&hex::encode(key.to_bytes())));
    }
}
