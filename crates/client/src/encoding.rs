//! The text forms of binary values in the API: lowercase hex for hashes, addresses and bytes,
//! decimal strings for token amounts.
//!
//! Only the canonical spelling is accepted (lowercase, no `0x` prefix), so that every value has
//! one spelling in URLs, logs and JSON.

use ailedger_core::Hash;
use thiserror::Error;

/// Why a string is not the hex of a hash or of bytes.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum HexError {
    /// Not lowercase hexadecimal with an even number of digits.
    #[error("not lowercase hexadecimal")]
    NotHex,
    /// Hex of the wrong length.
    #[error("expected {expected} bytes ({} hex digits), got {got} bytes", expected * 2)]
    Length {
        /// Bytes expected.
        expected: usize,
        /// Bytes given.
        got: usize,
    },
}

/// Decodes lowercase hex into bytes.
pub fn parse_bytes(text: &str) -> Result<Vec<u8>, HexError> {
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(HexError::NotHex);
    }
    hex::decode(text).map_err(|_| HexError::NotHex)
}

/// Decodes the 64 lowercase hex digits of a hash.
pub fn parse_hash(text: &str) -> Result<Hash, HexError> {
    let bytes = parse_bytes(text)?;
    let array: [u8; 32] = bytes.as_slice().try_into().map_err(|_| HexError::Length {
        expected: 32,
        got: bytes.len(),
    })?;
    Ok(Hash::from(array))
}

/// Serde helpers for `#[serde(with = "...")]`.
pub(crate) mod serde_with {
    /// A [`Hash`](ailedger_core::Hash) as hex.
    pub(crate) mod hash {
        use ailedger_core::Hash;
        use serde::{Deserialize, Deserializer, Serializer, de::Error};

        pub(crate) fn serialize<S: Serializer>(
            hash: &Hash,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            serializer.collect_str(hash)
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Hash, D::Error> {
            let text = String::deserialize(deserializer)?;
            super::super::parse_hash(&text).map_err(D::Error::custom)
        }
    }

    /// A list of [`Hash`](ailedger_core::Hash)es as hex.
    pub(crate) mod hashes {
        use ailedger_core::Hash;
        use serde::{Deserialize, Deserializer, Serializer, de::Error, ser::SerializeSeq};

        pub(crate) fn serialize<S: Serializer>(
            hashes: &[Hash],
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            let mut seq = serializer.serialize_seq(Some(hashes.len()))?;
            for hash in hashes {
                seq.serialize_element(&hash.to_string())?;
            }
            seq.end()
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Vec<Hash>, D::Error> {
            let texts = Vec::<String>::deserialize(deserializer)?;
            texts
                .iter()
                .map(|text| super::super::parse_hash(text).map_err(D::Error::custom))
                .collect()
        }
    }

    /// An [`Address`](ailedger_core::Address) as hex.
    pub(crate) mod address {
        use ailedger_core::Address;
        use serde::{Deserialize, Deserializer, Serializer, de::Error};

        pub(crate) fn serialize<S: Serializer>(
            address: &Address,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            serializer.collect_str(address)
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Address, D::Error> {
            let text = String::deserialize(deserializer)?;
            text.parse().map_err(D::Error::custom)
        }
    }

    /// A list of [`Address`](ailedger_core::Address)es as hex.
    pub(crate) mod addresses {
        use ailedger_core::Address;
        use serde::{Deserialize, Deserializer, Serializer, de::Error, ser::SerializeSeq};

        pub(crate) fn serialize<S: Serializer>(
            addresses: &[Address],
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            let mut seq = serializer.serialize_seq(Some(addresses.len()))?;
            for address in addresses {
                seq.serialize_element(&address.to_string())?;
            }
            seq.end()
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Vec<Address>, D::Error> {
            let texts = Vec::<String>::deserialize(deserializer)?;
            texts
                .iter()
                .map(|text| text.parse().map_err(D::Error::custom))
                .collect()
        }
    }

    /// Bytes as hex.
    pub(crate) mod bytes {
        use serde::{Deserialize, Deserializer, Serializer, de::Error};

        pub(crate) fn serialize<S: Serializer>(
            bytes: &[u8],
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            serializer.serialize_str(&hex::encode(bytes))
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Vec<u8>, D::Error> {
            let text = String::deserialize(deserializer)?;
            super::super::parse_bytes(&text).map_err(D::Error::custom)
        }
    }

    /// Optional bytes as hex or `null`.
    pub(crate) mod opt_bytes {
        use serde::{Deserialize, Deserializer, Serializer, de::Error};

        pub(crate) fn serialize<S: Serializer>(
            bytes: &Option<Vec<u8>>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match bytes {
                Some(bytes) => serializer.serialize_str(&hex::encode(bytes)),
                None => serializer.serialize_none(),
            }
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<Vec<u8>>, D::Error> {
            let text = Option::<String>::deserialize(deserializer)?;
            text.map(|text| super::super::parse_bytes(&text).map_err(D::Error::custom))
                .transpose()
        }
    }

    /// A token amount (`u128`) as a decimal string: JSON numbers lose precision past 2^53 in
    /// many parsers.
    pub(crate) mod amount {
        use serde::{Deserialize, Deserializer, Serializer, de::Error};

        pub(crate) fn serialize<S: Serializer>(
            amount: &u128,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            serializer.collect_str(amount)
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<u128, D::Error> {
            let text = String::deserialize(deserializer)?;
            // `u128::from_str` accepts a leading `+`; the canonical form has only digits.
            if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                return Err(D::Error::custom(format!(
                    "amount {text:?} is not a decimal integer"
                )));
            }
            text.parse().map_err(D::Error::custom)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_hash_accepts_only_64_lowercase_hex_digits() {
        let text = "ab".repeat(32);
        assert_eq!(
            parse_hash(&text).map(|hash| hash.to_string()),
            Ok(text.clone())
        );
        assert_eq!(parse_hash(&text.to_uppercase()), Err(HexError::NotHex));
        assert_eq!(parse_hash(&format!("0x{text}")), Err(HexError::NotHex));
        assert_eq!(parse_hash("abc"), Err(HexError::NotHex));
        assert_eq!(
            parse_hash("abcd"),
            Err(HexError::Length {
                expected: 32,
                got: 2
            })
        );
    }

    #[test]
    fn parse_bytes_round_trips() {
        assert_eq!(parse_bytes(""), Ok(vec![]));
        assert_eq!(parse_bytes("00ff10"), Ok(vec![0, 255, 16]));
        assert_eq!(parse_bytes("00FF"), Err(HexError::NotHex));
    }
}
