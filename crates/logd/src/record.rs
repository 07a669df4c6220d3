//! Inference records: what a model server commits to for one prediction, without the
//! prediction itself.
//!
//! A record names a registered model version and carries SHA-256 digests of the input, the
//! output and the parameters (sampling settings, system prompt, ...), the time, and the
//! operator's Ed25519 signature (the operator's chain account key). Raw inputs and outputs
//! never leave the operator: whoever holds them can show they match the digests.
//!
//! # Encoding
//!
//! A record is exactly [`RECORD_LEN`] bytes, the transparency-log entry itself:
//!
//! ```text
//! version (1 byte, 0x01) || model version id (32) || input digest (32) || output digest (32)
//!   || parameters digest (32) || time in ms (u64 big-endian) || operator public key (32)
//!   || Ed25519 signature (64)
//! ```
//!
//! The signature covers every byte before it, under the namespace [`RECORD_NAMESPACE`]. Every
//! field has a fixed width, so a record has one encoding and decoding it checks the version,
//! the key and the signature.

use ailedger_core::{Address, Hash, SecretKey, SignedMessage, verify_signatures};
use commonware_codec::{Copying, DecodeExt as _, Encode as _};
use commonware_cryptography::{Verifier as _, ed25519::Signature};
use thiserror::Error;

/// Namespace of record signatures.
pub const RECORD_NAMESPACE: &[u8] = b"ailedger/inference-record/v1";
/// The encoding's version byte.
pub const RECORD_VERSION: u8 = 1;
/// Length of a signed record's encoding.
pub const RECORD_LEN: usize = SIGNED_LEN + SIGNATURE_LEN;

const SIGNED_LEN: usize = 1 + 4 * 32 + 8 + 32;
const SIGNATURE_LEN: usize = 64;

/// What a record says, before it is signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordBody {
    /// The model version that ran (its chain id).
    pub model_version: Hash,
    /// SHA-256 of the input.
    pub input: Hash,
    /// SHA-256 of the output.
    pub output: Hash,
    /// SHA-256 of the parameters.
    pub parameters: Hash,
    /// When, ms since the Unix epoch.
    pub time_ms: u64,
}

/// A signed inference record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InferenceRecord {
    body: RecordBody,
    operator: Address,
    signature: Signature,
}

/// Why bytes are not a valid inference record.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RecordError {
    /// Not [`RECORD_LEN`] bytes.
    #[error("an inference record is {RECORD_LEN} bytes, got {0}")]
    Length(usize),
    /// An unknown version byte.
    #[error("unknown inference record version {0}")]
    Version(u8),
    /// The operator key is not a valid Ed25519 key.
    #[error("the operator key is not a valid account key")]
    BadOperator,
    /// The signature does not verify under the operator's key.
    #[error("the record's signature does not verify for operator {0}")]
    BadSignature(String),
}

impl RecordError {
    /// A stable, machine-readable name.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Length(_) | Self::Version(_) | Self::BadOperator => "MALFORMED_RECORD",
            Self::BadSignature(_) => "BAD_RECORD_SIGNATURE",
        }
    }
}

impl InferenceRecord {
    /// Signs `body` with the operator's key.
    pub fn sign(body: RecordBody, key: &SecretKey) -> Self {
        let operator = key.address();
        let signed = signed_bytes(&body, &operator);
        let signature = key.sign(RECORD_NAMESPACE, &signed);
        Self {
            body,
            operator,
            signature,
        }
    }

    /// Decodes and checks a record: length, version, key and signature.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, RecordError> {
        if bytes.len() != RECORD_LEN {
            return Err(RecordError::Length(bytes.len()));
        }
        if bytes[0] != RECORD_VERSION {
            return Err(RecordError::Version(bytes[0]));
        }
        let hash = |at: usize| {
            let mut raw = [0u8; 32];
            raw.copy_from_slice(&bytes[at..at + 32]);
            Hash::from(raw)
        };
        let mut time = [0u8; 8];
        time.copy_from_slice(&bytes[129..137]);
        let body = RecordBody {
            model_version: hash(1),
            input: hash(33),
            output: hash(65),
            parameters: hash(97),
            time_ms: u64::from_be_bytes(time),
        };
        let operator =
            Address::from_bytes(&bytes[137..SIGNED_LEN]).map_err(|_| RecordError::BadOperator)?;
        let signature = Signature::decode(Copying(&bytes[SIGNED_LEN..]))
            .map_err(|_| RecordError::BadSignature(operator.to_string()))?;
        let record = Self {
            body,
            operator,
            signature,
        };
        record.verify()?;
        Ok(record)
    }

    /// The canonical encoding: the log entry.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = signed_bytes(&self.body, &self.operator);
        bytes.extend_from_slice(&self.signature.encode());
        bytes
    }

    /// Checks the signature.
    pub fn verify(&self) -> Result<(), RecordError> {
        let signed = signed_bytes(&self.body, &self.operator);
        if self
            .operator
            .public_key()
            .verify(RECORD_NAMESPACE, &signed, &self.signature)
        {
            Ok(())
        } else {
            Err(RecordError::BadSignature(self.operator.to_string()))
        }
    }

    /// What the record says.
    pub fn body(&self) -> &RecordBody {
        &self.body
    }

    /// Who signed it.
    pub fn operator(&self) -> &Address {
        &self.operator
    }

    /// The signature's 64 bytes.
    pub fn signature(&self) -> Vec<u8> {
        self.signature.encode().to_vec()
    }

    /// A record from its parts, checking the signature.
    pub fn from_parts(
        body: RecordBody,
        operator: Address,
        signature: &[u8],
    ) -> Result<Self, RecordError> {
        let record = Self::from_parts_unverified(body, operator, signature)?;
        record.verify()?;
        Ok(record)
    }

    /// A record whose signature is well formed but not yet checked: for checking many at once
    /// with [`verify_many`] before any is trusted.
    pub(crate) fn from_parts_unverified(
        body: RecordBody,
        operator: Address,
        signature: &[u8],
    ) -> Result<Self, RecordError> {
        let signature = Signature::decode(Copying(signature))
            .map_err(|_| RecordError::BadSignature(operator.to_string()))?;
        Ok(Self {
            body,
            operator,
            signature,
        })
    }
}

/// Checks the signatures of many records at once (one batch verification; each is checked on
/// its own only if the batch fails). Returns the positions of those that do not verify.
pub fn verify_many(records: &[InferenceRecord]) -> Vec<usize> {
    let signed: Vec<Vec<u8>> = records
        .iter()
        .map(|record| signed_bytes(&record.body, &record.operator))
        .collect();
    let items: Vec<SignedMessage<'_>> = records
        .iter()
        .zip(&signed)
        .map(|(record, message)| SignedMessage {
            signer: &record.operator,
            namespace: RECORD_NAMESPACE,
            message,
            signature: &record.signature,
        })
        .collect();
    verify_signatures(&items)
}

fn signed_bytes(body: &RecordBody, operator: &Address) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(RECORD_LEN);
    bytes.push(RECORD_VERSION);
    for hash in [
        &body.model_version,
        &body.input,
        &body.output,
        &body.parameters,
    ] {
        bytes.extend_from_slice(hash.as_ref());
    }
    bytes.extend_from_slice(&body.time_ms.to_be_bytes());
    bytes.extend_from_slice(operator.as_bytes());
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use ailedger_core::sha256;

    fn body() -> RecordBody {
        RecordBody {
            model_version: sha256(&[b"model"]),
            input: sha256(&[b"input"]),
            output: sha256(&[b"output"]),
            parameters: sha256(&[b"parameters"]),
            time_ms: 1_700_000_000_123,
        }
    }

    #[test]
    fn a_record_round_trips_and_any_changed_byte_is_refused() {
        let key = SecretKey::from_seed(1);
        let record = InferenceRecord::sign(body(), &key);
        let bytes = record.to_bytes();
        assert_eq!(bytes.len(), RECORD_LEN);
        assert_eq!(InferenceRecord::from_bytes(&bytes), Ok(record));
        for position in 0..RECORD_LEN {
            let mut altered = bytes.clone();
            altered[position] ^= 1;
            assert!(
                InferenceRecord::from_bytes(&altered).is_err(),
                "byte {position} changed and the record still decodes"
            );
        }
        assert_eq!(
            InferenceRecord::from_bytes(&bytes[1..]),
            Err(RecordError::Length(RECORD_LEN - 1))
        );
    }

    #[test]
    fn a_batch_check_names_exactly_the_records_that_do_not_verify() {
        let key = SecretKey::from_seed(1);
        let mut records: Vec<InferenceRecord> = (0..8u64)
            .map(|i| {
                let mut body = body();
                body.time_ms += i;
                InferenceRecord::sign(body, &key)
            })
            .collect();
        assert!(verify_many(&records).is_empty());
        assert!(verify_many(&[]).is_empty());
        // A signature moved to another record, and a record altered after signing.
        records[2].signature = records[1].signature.clone();
        records[5].body.output = sha256(&[b"another output"]);
        assert_eq!(verify_many(&records), [2, 5]);
        for (position, record) in records.iter().enumerate() {
            assert_eq!(
                record.verify().is_ok(),
                position != 2 && position != 5,
                "record {position}"
            );
        }
    }

    #[test]
    fn a_signature_by_another_key_is_refused() {
        let record = InferenceRecord::sign(body(), &SecretKey::from_seed(1));
        let other = InferenceRecord::sign(body(), &SecretKey::from_seed(2));
        let forged =
            InferenceRecord::from_parts(body(), record.operator().clone(), &other.signature());
        assert_eq!(
            forged.map_err(|error| error.code()),
            Err("BAD_RECORD_SIGNATURE")
        );
    }
}
