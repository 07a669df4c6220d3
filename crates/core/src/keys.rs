//! Ed25519 accounts.
//!
//! An account is identified by its Ed25519 public key; its [`Address`] is the 32-byte key itself,
//! written as 64 lowercase hex digits. Verification follows ZIP-215, under which a signature that
//! passes batch verification also passes single verification and the reverse, so every validator
//! reaches the same verdict whichever way it checks.

use commonware_codec::{Buf, Copying, DecodeExt, Encode, FixedSize, Read, ReadExt, Write};
use commonware_cryptography::{Signer, ed25519};
use commonware_math::algebra::Random;
use std::{fmt, str::FromStr};
use thiserror::Error;

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

    /// Decodes an address from its 32 bytes, rejecting bytes that are not a curve point.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, AddressParseError> {
        if bytes.len() != Self::SIZE {
            return Err(AddressParseError::Length(bytes.len()));
        }
        ed25519::PublicKey::decode(Copying(bytes))
            .map(Self)
            .map_err(|_| AddressParseError::NotAKey)
    }
}

impl From<ed25519::PublicKey> for Address {
    fn from(key: ed25519::PublicKey) -> Self {
        Self(key)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.as_bytes()))
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
        ed25519::PublicKey::read(buf).map(Self)
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
    fn address_round_trips_through_hex() {
        let address = SecretKey::from_seed(1).address();
        let text = address.to_string();
        assert_eq!(text.len(), 64);
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

    #[test]
    fn secret_key_round_trips_and_hides_its_bytes() {
        let key = SecretKey::generate();
        let again = SecretKey::from_bytes(&key.to_bytes()).expect("32 bytes");
        assert_eq!(key.address(), again.address());
        let shown = format!("{key:?}");
        assert!(!shown.contains(&hex::encode(key.to_bytes())));
    }
}
