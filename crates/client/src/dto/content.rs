//! Content claims: who registered which content, and when, with what they stated about its
//! origin; and the near-duplicate lookup a node serves from its index of claimed fingerprints.
//!
//! 64-bit fingerprints are 16 lowercase hex digits; MinHash signatures are lists of numbers.

use super::{ProvenState, ProvenValueView};
use crate::encoding::serde_with;
use ailedger_core::{Address, Hash};
use ailedger_state::content::{Claim, ClaimKind, Fingerprints};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Serde for `Option<u64>` as 16 lowercase hex digits.
mod fingerprint_hex {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub(crate) fn serialize<S: Serializer>(
        bits: &Option<u64>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match bits {
            Some(bits) => serializer.serialize_str(&format!("{bits:016x}")),
            None => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<u64>, D::Error> {
        let Some(text) = Option::<String>::deserialize(deserializer)? else {
            return Ok(None);
        };
        super::parse_fingerprint(&text)
            .map(Some)
            .map_err(D::Error::custom)
    }
}

/// Parses a 64-bit fingerprint written as 16 lowercase hex digits.
pub fn parse_fingerprint(text: &str) -> Result<u64, String> {
    let lowercase_hex = text
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if text.len() != 16 || !lowercase_hex {
        return Err(format!(
            "expected 16 lowercase hex digits, got {:?}",
            text.chars().take(40).collect::<String>()
        ));
    }
    u64::from_str_radix(text, 16).map_err(|error| error.to_string())
}

/// A claim's near-duplicate fingerprints.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FingerprintsView {
    /// 64-bit perceptual hash of an image, 16 hex digits.
    #[serde(
        default,
        with = "fingerprint_hex",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub image: Option<u64>,
    /// 64-bit SimHash of a text, 16 hex digits.
    #[serde(
        default,
        with = "fingerprint_hex",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub simhash: Option<u64>,
    /// MinHash signature of a text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub minhash: Vec<u32>,
}

impl From<&Fingerprints> for FingerprintsView {
    fn from(fingerprints: &Fingerprints) -> Self {
        Self {
            image: fingerprints.image,
            simhash: fingerprints.simhash,
            minhash: fingerprints.minhash.clone(),
        }
    }
}

/// A registered claim on a content digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClaimView {
    /// SHA-256 of the content's bytes.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub content: Hash,
    /// Position among the content's claims: 0 is the first claimant.
    pub index: u32,
    /// Global registration number.
    pub seq: u64,
    /// Who claims it.
    #[serde(with = "serde_with::address")]
    #[schema(value_type = String)]
    pub claimant: Address,
    /// `human_made` or `ai_generated`.
    pub kind: String,
    /// The IPTC digital source type stated (`digitalCapture`, `humanEdits`,
    /// `trainedAlgorithmicMedia`, ...).
    pub source_type: String,
    /// The generating model version, for `ai_generated`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub model_version: Option<String>,
    /// SHA-256 of the inference log's receipt, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub receipt_digest: Option<String>,
    /// The origin of the log that issued the receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_origin: Option<String>,
    /// SHA-256 of the credential stating the claim.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub credential: Hash,
    /// `c2pa_embedded`, `c2pa_sidecar` or `detached`.
    pub credential_format: String,
    /// Near-duplicate fingerprints.
    pub fingerprints: FingerprintsView,
    /// The transaction that registered it.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub tx: Hash,
    /// Height of the block that registered it.
    pub height: u64,
    /// Time of that block, milliseconds since the Unix epoch.
    pub time_ms: u64,
}

impl From<&Claim> for ClaimView {
    fn from(claim: &Claim) -> Self {
        let (model_version, receipt_digest, log_origin) = match &claim.kind {
            ClaimKind::HumanMade { .. } => (None, None, None),
            ClaimKind::AiGenerated {
                model_version,
                receipt,
                ..
            } => (
                Some(model_version.to_string()),
                receipt.as_ref().map(|receipt| receipt.digest.to_string()),
                receipt.as_ref().map(|receipt| receipt.log_origin.clone()),
            ),
        };
        Self {
            content: claim.content,
            index: claim.index,
            seq: claim.seq,
            claimant: claim.claimant.clone(),
            kind: claim.kind.as_str().to_owned(),
            source_type: claim.kind.source_type().to_owned(),
            model_version,
            receipt_digest,
            log_origin,
            credential: claim.credential,
            credential_format: claim.credential_format.as_str().to_owned(),
            fingerprints: FingerprintsView::from(&claim.fingerprints),
            tx: claim.tx,
            height: claim.height,
            time_ms: claim.time_ms,
        }
    }
}

/// `GET /v1/content/{digest}`: the claims of a content digest, first claimant first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ContentClaimsAnswer {
    /// The block whose post-state was read.
    pub height: u64,
    /// That block's state root.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub state_root: Hash,
    /// The content digest.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub content: Hash,
    /// How many claims it has in all (0: nobody claimed it).
    pub total: u32,
    /// The claims asked for, in registration order.
    pub claims: Vec<ClaimView>,
    /// With `?proofs=true`: every state value the answer was computed from (absences
    /// included), each with its proof against `state_root`. `null` otherwise.
    #[serde(default)]
    pub proofs: Option<Vec<ProvenValueView>>,
}

impl ContentClaimsAnswer {
    /// The block height, state root and proofs, for verification.
    pub fn proven_state(&self) -> ProvenState<'_> {
        ProvenState {
            height: self.height,
            state_root: self.state_root,
            proofs: self.proofs.as_deref(),
        }
    }
}

/// `POST /v1/content/similar`: fingerprints to look up. At least one is required.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimilarRequest {
    /// 64-bit perceptual hash of an image, 16 hex digits.
    #[serde(
        default,
        with = "fingerprint_hex",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub image: Option<u64>,
    /// 64-bit SimHash of a text, 16 hex digits.
    #[serde(
        default,
        with = "fingerprint_hex",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub simhash: Option<u64>,
    /// MinHash signature of a text (at most 128 values).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub minhash: Vec<u32>,
    /// Most differing bits for image and SimHash matches (default 10, at most 32).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_distance: Option<u32>,
    /// Least estimated Jaccard similarity for MinHash matches, 0 to 1 (default 0.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_similarity: Option<f64>,
    /// Most matches of each kind (default 20, at most 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// One registered claim whose fingerprint is near the query's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SimilarMatchView {
    /// Which fingerprint matched: `image`, `simhash` or `minhash`.
    pub by: String,
    /// Differing bits, for `image` and `simhash`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance: Option<u32>,
    /// Estimated Jaccard similarity, for `minhash`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f64>,
    /// The claim.
    pub claim: ClaimView,
}

/// The answer to `POST /v1/content/similar`: nearest first within each kind. The index is the
/// node's own (not consensus); check a match with `GET /v1/content/{digest}?proofs=true`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SimilarAnswer {
    /// The block up to which claims were indexed.
    pub height: u64,
    /// Claims indexed.
    pub indexed: u64,
    /// The matches.
    pub matches: Vec<SimilarMatchView>,
}
