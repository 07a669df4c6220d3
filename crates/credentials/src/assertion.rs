//! What a credential says: the content's origin, the ailedger assertions, training and mining
//! preferences, and inference-log receipts.
//!
//! Two custom C2PA assertions link a manifest to the ledger. Their labels are under the
//! reverse-DNS prefix `org.ailedger.` as C2PA requires of entity-specific assertions:
//!
//! - [`INFERENCE_LABEL`] (`org.ailedger.inference`), on AI-generated media:
//!   `{"version": 1, "chain_id": "...", "model_version": "<64 hex>", "receipt": {...}?}`.
//!   `model_version` is the ledger's model-version id (SHA-256, lowercase hex); `receipt` is the
//!   inference log's `c2sp.org/tlog-proof@v1` text for the inference that made the content,
//!   with its SHA-256, once the log has one ([`Receipt`]).
//! - [`ATTESTATION_LABEL`] (`org.ailedger.attestation`), on human-made works:
//!   `{"version": 1, "chain_id": "...", "creator": "<64 hex>"?}`, where `creator` is the
//!   creator's ledger address, so the work can be matched with its registration on the chain.
//!
//! Unknown fields are refused when reading, so that a later version is a new `version` number
//! rather than a silent reinterpretation.

use std::fmt;
use std::str::FromStr;

use c2pa::DigitalSourceType;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::error::ReceiptError;

/// Label of the ailedger assertion on AI-generated media.
pub const INFERENCE_LABEL: &str = "org.ailedger.inference";
/// Label of the ailedger assertion on human-made works.
pub const ATTESTATION_LABEL: &str = "org.ailedger.attestation";
/// Label of the CAWG training-and-data-mining assertion.
pub const TRAINING_MINING_LABEL: &str = "cawg.training-mining";
/// The version written in both ailedger assertions.
pub const ASSERTION_VERSION: u32 = 1;
/// The largest receipt accepted. A tlog-proof is a few lines plus one hash per tree level, so a
/// log of 2^64 entries needs under 4 KiB; the margin leaves room for cosignatures.
pub const MAX_RECEIPT_LEN: usize = 64 * 1024;
/// The first line of a receipt.
pub const TLOG_PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";

/// A ledger model-version id: the SHA-256 the chain assigns to a registered model version.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModelVersionId(pub [u8; 32]);

impl fmt::Display for ModelVersionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for ModelVersionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ModelVersionId({self})")
    }
}

/// A string that is not 64 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected 64 lowercase hex digits (a SHA-256), got {0:?}")]
pub struct HexDigestError(pub String);

impl FromStr for ModelVersionId {
    type Err = HexDigestError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_digest(text).map(Self)
    }
}

impl Serialize for ModelVersionId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for ModelVersionId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Parses a SHA-256 written as 64 lowercase hex digits (one spelling per digest).
pub(crate) fn parse_digest(text: &str) -> Result<[u8; 32], HexDigestError> {
    let error = || HexDigestError(text.chars().take(80).collect());
    if text.len() != 64 || text.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(error());
    }
    let mut digest = [0u8; 32];
    hex::decode_to_slice(text, &mut digest).map_err(|_| error())?;
    Ok(digest)
}

pub(crate) mod hex_digest {
    //! Serde for `[u8; 32]` as 64 lowercase hex digits.
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(
        digest: &[u8; 32],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(digest))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(deserializer)?;
        super::parse_digest(&text).map_err(serde::de::Error::custom)
    }
}

/// An inference-log receipt: the `c2sp.org/tlog-proof@v1` text the log hands out for one
/// entry, with its SHA-256. Only its shape is checked here; whether it proves inclusion in the
/// log, and which block anchors the log's checkpoint, is for the caller to check against the
/// log and the chain.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    text: String,
    #[serde(with = "hex_digest")]
    sha256: [u8; 32],
}

impl fmt::Debug for Receipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receipt")
            .field("len", &self.text.len())
            .field("sha256", &hex::encode(self.sha256))
            .finish()
    }
}

impl Receipt {
    /// A receipt from the bytes of a `.tlog-proof` file: UTF-8 text of at most
    /// [`MAX_RECEIPT_LEN`] bytes whose first line is [`TLOG_PROOF_HEADER`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ReceiptError> {
        if bytes.len() > MAX_RECEIPT_LEN {
            return Err(ReceiptError::TooLarge {
                len: bytes.len(),
                max: MAX_RECEIPT_LEN,
            });
        }
        let text = std::str::from_utf8(bytes).map_err(|_| ReceiptError::NotText)?;
        if text.lines().next() != Some(TLOG_PROOF_HEADER) {
            return Err(ReceiptError::NotTlogProof);
        }
        Ok(Self {
            text: text.to_owned(),
            sha256: Sha256::digest(bytes).into(),
        })
    }

    /// Checks a receipt read from a manifest or credential: its shape and that its recorded
    /// digest is the digest of its text.
    pub(crate) fn check(&self) -> Result<(), ReceiptError> {
        let again = Self::from_bytes(self.text.as_bytes())?;
        if again.sha256 != self.sha256 {
            return Err(ReceiptError::DigestMismatch {
                recorded: hex::encode(self.sha256),
                computed: hex::encode(again.sha256),
            });
        }
        Ok(())
    }

    /// The receipt text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The receipt bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }

    /// SHA-256 of the receipt bytes.
    pub fn sha256(&self) -> [u8; 32] {
        self.sha256
    }
}

/// The ailedger assertion on AI-generated media ([`INFERENCE_LABEL`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InferenceAssertion {
    /// [`ASSERTION_VERSION`].
    pub version: u32,
    /// The chain the model version is registered on.
    pub chain_id: String,
    /// The model version that generated the content.
    pub model_version: ModelVersionId,
    /// The inference log's receipt for the generation, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Receipt>,
}

/// The ailedger assertion on human-made works ([`ATTESTATION_LABEL`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttestationAssertion {
    /// [`ASSERTION_VERSION`].
    pub version: u32,
    /// The chain the attestation is (to be) registered on.
    pub chain_id: String,
    /// The creator's ledger address (64 hex digits), when they have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator: Option<String>,
}

/// How a human-made work came to be (IPTC digital source types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum HumanSource {
    /// Captured from the real world by a device (a camera, a microphone): `digitalCapture`.
    DigitalCapture,
    /// Made or edited by a person with ordinary tools: `humanEdits`.
    HumanEdits,
}

impl HumanSource {
    pub(crate) fn digital_source_type(self) -> DigitalSourceType {
        match self {
            Self::DigitalCapture => DigitalSourceType::DigitalCapture,
            Self::HumanEdits => DigitalSourceType::HumanEdits,
        }
    }
}

/// What a permission in [`TrainingMining`] allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Use {
    /// The use is allowed.
    Allowed,
    /// The use is not allowed.
    NotAllowed,
    /// The use is allowed under conditions (see the constraint text).
    Constrained,
}

/// One permission of the CAWG training-and-data-mining assertion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permission {
    /// Whether the use is allowed.
    #[serde(rename = "use")]
    pub use_: Use,
    /// For [`Use::Constrained`]: how to obtain permission, in words or a URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint_info: Option<String>,
}

impl Permission {
    /// A plain permission without constraint text.
    pub fn new(use_: Use) -> Self {
        Self {
            use_,
            constraint_info: None,
        }
    }
}

/// The CAWG `cawg.training-mining` preferences (CAWG training and data mining assertion 1.x).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingMining {
    /// `cawg.ai_training`: training AI models on the content.
    pub ai_training: Permission,
    /// `cawg.ai_generative_training`: training generative AI models on the content.
    pub ai_generative_training: Permission,
    /// `cawg.ai_inference`: using the content as input to AI inference.
    pub ai_inference: Permission,
    /// `cawg.data_mining`: text and data mining.
    pub data_mining: Permission,
}

impl TrainingMining {
    /// Every use not allowed: the default, since a reservation of rights has to be explicit.
    pub fn not_allowed() -> Self {
        Self::all(Use::NotAllowed)
    }

    /// Every use allowed.
    pub fn allowed() -> Self {
        Self::all(Use::Allowed)
    }

    fn all(use_: Use) -> Self {
        Self {
            ai_training: Permission::new(use_),
            ai_generative_training: Permission::new(use_),
            ai_inference: Permission::new(use_),
            data_mining: Permission::new(use_),
        }
    }

    /// The assertion's JSON: `{"entries": {"cawg.ai_training": {"use": ...}, ...}}`.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "entries": {
                "cawg.ai_training": self.ai_training,
                "cawg.ai_generative_training": self.ai_generative_training,
                "cawg.ai_inference": self.ai_inference,
                "cawg.data_mining": self.data_mining,
            }
        })
    }
}

impl Default for TrainingMining {
    fn default() -> Self {
        Self::not_allowed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proof() -> String {
        format!("{TLOG_PROOF_HEADER}\nindex 7\nAAAA\n\nexample.org/log\n8\nBBBB\n")
    }

    #[test]
    fn receipt_keeps_text_and_digest() {
        let receipt = Receipt::from_bytes(proof().as_bytes()).expect("a tlog-proof");
        assert_eq!(receipt.text(), proof());
        assert_eq!(receipt.sha256(), <[u8; 32]>::from(Sha256::digest(proof())));
        receipt.check().expect("consistent");
    }

    #[test]
    fn receipt_rejects_other_texts() {
        assert_eq!(
            Receipt::from_bytes(b"c2sp.org/tlog-proof@v2\n"),
            Err(ReceiptError::NotTlogProof)
        );
        assert_eq!(Receipt::from_bytes(b""), Err(ReceiptError::NotTlogProof));
        assert_eq!(
            Receipt::from_bytes(b"c2sp.org/tlog-proof@v1\n\xff"),
            Err(ReceiptError::NotText)
        );
        let huge = format!("{TLOG_PROOF_HEADER}\n{}", "A".repeat(MAX_RECEIPT_LEN));
        assert!(matches!(
            Receipt::from_bytes(huge.as_bytes()),
            Err(ReceiptError::TooLarge { .. })
        ));
    }

    #[test]
    fn receipt_with_a_wrong_digest_is_caught() {
        let mut receipt = Receipt::from_bytes(proof().as_bytes()).expect("a tlog-proof");
        receipt.sha256[0] ^= 1;
        assert!(matches!(
            receipt.check(),
            Err(ReceiptError::DigestMismatch { .. })
        ));
    }

    #[test]
    fn model_version_ids_have_one_spelling() {
        let text = "ab".repeat(32);
        let id: ModelVersionId = text.parse().expect("hex");
        assert_eq!(id.to_string(), text);
        assert!("AB".repeat(32).parse::<ModelVersionId>().is_err());
        assert!("ab".repeat(31).parse::<ModelVersionId>().is_err());
        assert!("zz".repeat(32).parse::<ModelVersionId>().is_err());
    }

    #[test]
    fn inference_assertion_round_trips_and_refuses_unknown_fields() {
        let assertion = InferenceAssertion {
            version: ASSERTION_VERSION,
            chain_id: "ailedger-dev".to_owned(),
            model_version: ModelVersionId([7; 32]),
            receipt: Some(Receipt::from_bytes(proof().as_bytes()).expect("a tlog-proof")),
        };
        let json = serde_json::to_value(&assertion).expect("serialize");
        let back: InferenceAssertion = serde_json::from_value(json.clone()).expect("deserialize");
        assert_eq!(back, assertion);
        let mut extra = json;
        extra["surprise"] = serde_json::json!(1);
        assert!(serde_json::from_value::<InferenceAssertion>(extra).is_err());
    }

    #[test]
    fn training_mining_uses_cawg_names() {
        let json = TrainingMining::not_allowed().to_json();
        assert_eq!(json["entries"]["cawg.ai_training"]["use"], "notAllowed");
        assert_eq!(json["entries"]["cawg.data_mining"]["use"], "notAllowed");
        assert_eq!(
            TrainingMining::allowed().to_json()["entries"]["cawg.ai_inference"]["use"],
            "allowed"
        );
    }
}
