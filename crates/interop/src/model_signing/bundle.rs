//! The bundle's JSON shapes (Sigstore bundle v0.3, DSSE envelope, in-toto Statement v1) and signing.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use super::error::{HashError, VerifyError};
use super::hashing::{HashOptions, Manifest, hash_directory};
use super::keys::PrivateKey;

/// The bundle's `mediaType`.
pub const BUNDLE_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// The DSSE `payloadType` of an in-toto statement.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// The statement's `_type`.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// The statement's `predicateType` for model signatures v1.0.
pub const PREDICATE_TYPE: &str = "https://model_signing/signature/v1.0";

/// A Sigstore bundle v0.3 as `model_signing sign key` writes it (the `.sig` file).
///
/// Unknown fields are ignored when reading, as protobuf JSON readers do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    /// [`BUNDLE_MEDIA_TYPE`].
    pub media_type: String,
    /// What identifies the signer: here only a key hint.
    pub verification_material: VerificationMaterial,
    /// The signed statement. A bundle may carry a message signature instead, which this format does not use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dsse_envelope: Option<DsseEnvelope>,
}

/// The bundle's verification material.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationMaterial {
    /// The signing key's identifier; absent in bundles signed with a certificate or by Sigstore.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<PublicKeyIdentifier>,
    /// Transparency log entries: always empty for key signatures.
    #[serde(default)]
    pub tlog_entries: Vec<serde_json::Value>,
}

/// Names the key a bundle was signed with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKeyIdentifier {
    /// Hex SHA-256 of the public key's PEM text (see [`super::PublicKey::hint`]). Bundles from
    /// model-signing before 1.0 have none; the tool then warns and checks the signature only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// A DSSE envelope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DsseEnvelope {
    /// The statement's JSON, base64.
    pub payload: String,
    /// [`IN_TOTO_PAYLOAD_TYPE`].
    pub payload_type: String,
    /// Signatures over [`pae`] of the payload; the tool writes and reads exactly one.
    pub signatures: Vec<DsseSignature>,
}

/// One DSSE signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DsseSignature {
    /// The ASN.1 DER ECDSA signature, base64.
    pub sig: String,
    /// Unused by the tool (always empty).
    #[serde(default)]
    pub keyid: String,
}

/// An in-toto Statement v1 about a model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    /// [`STATEMENT_TYPE`].
    #[serde(rename = "_type")]
    pub statement_type: String,
    /// Exactly one subject: the model.
    pub subject: Vec<Subject>,
    /// [`PREDICATE_TYPE`].
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    /// The model's files and how they were hashed.
    pub predicate: Predicate,
}

/// The statement's subject: the model's name and its digest over all files.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// The model directory's basename (informative only).
    pub name: String,
    /// `{"sha256": hex}`: SHA-256 over the resources' raw digests concatenated in order.
    pub digest: BTreeMap<String, String>,
}

/// The model signature predicate v1.0.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Predicate {
    /// How the directory was serialized into resources.
    pub serialization: Serialization,
    /// One entry per file.
    pub resources: Vec<Resource>,
}

/// The serialization parameters a verifier re-hashes the directory with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Serialization {
    /// `files` (the tool can also write `shards`, which is not supported here).
    pub method: String,
    /// `sha256` (the tool can also write `blake2` and `blake3`, which are not supported here).
    pub hash_type: String,
    /// Whether symbolic links to files were hashed.
    #[serde(default)]
    pub allow_symlinks: bool,
    /// Paths left out, relative to the model directory; omitted when empty, as the tool does.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore_paths: Vec<String>,
}

/// One file of the model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    /// The path relative to the model directory, with `/` separators.
    pub name: String,
    /// `sha256`.
    pub algorithm: String,
    /// The file's digest, hex.
    pub digest: String,
}

impl Bundle {
    /// Parses a bundle from its JSON text.
    pub fn from_json(json: &[u8]) -> Result<Self, VerifyError> {
        serde_json::from_slice(json).map_err(VerifyError::MalformedBundle)
    }

    /// The bundle as compact JSON, as the tool writes it.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a bundle holds only strings, booleans and arrays")
    }

    /// Writes [`Bundle::to_json`] to `path`, replacing any file there.
    pub fn write(&self, path: &Path) -> io::Result<()> {
        fs::write(path, self.to_json())
    }
}

impl Statement {
    /// The statement for a manifest: subject digest over its files in order, one resource per file.
    pub fn for_manifest(manifest: &Manifest) -> Self {
        let subject = Subject {
            name: manifest.model_name.clone(),
            digest: BTreeMap::from([("sha256".to_owned(), hex::encode(manifest.subject_digest()))]),
        };
        let resources = manifest
            .files
            .iter()
            .map(|file| Resource {
                name: file.path.clone(),
                algorithm: "sha256".to_owned(),
                digest: hex::encode(file.sha256),
            })
            .collect();
        Self {
            statement_type: STATEMENT_TYPE.to_owned(),
            subject: vec![subject],
            predicate_type: PREDICATE_TYPE.to_owned(),
            predicate: Predicate {
                serialization: Serialization {
                    method: "files".to_owned(),
                    hash_type: "sha256".to_owned(),
                    allow_symlinks: manifest.allow_symlinks,
                    ignore_paths: manifest.ignore_paths.clone(),
                },
                resources,
            },
        }
    }
}

/// The DSSE v1 pre-authentication encoding of an in-toto payload: what is actually signed.
///
/// `"DSSEv1" SP len(type) SP type SP len(payload) SP payload`, lengths in ASCII decimal.
pub fn pae(payload: &[u8]) -> Vec<u8> {
    let header = format!(
        "DSSEv1 {} {IN_TOTO_PAYLOAD_TYPE} {} ",
        IN_TOTO_PAYLOAD_TYPE.len(),
        payload.len()
    );
    let mut encoded = Vec::with_capacity(header.len() + payload.len());
    encoded.extend_from_slice(header.as_bytes());
    encoded.extend_from_slice(payload);
    encoded
}

/// Hashes the model directory `dir` with the tool's defaults (git paths ignored, symbolic links
/// refused) and signs it.
///
/// If the bundle is to be written inside `dir`, use [`sign_directory_with`] and ignore its path,
/// or verification will find it as an extra file.
pub fn sign_directory(dir: &Path, private_key: &PrivateKey) -> Result<Bundle, HashError> {
    sign_directory_with(dir, private_key, &HashOptions::default())
}

/// Hashes the model directory `dir` with `options` and signs it.
pub fn sign_directory_with(
    dir: &Path,
    private_key: &PrivateKey,
    options: &HashOptions,
) -> Result<Bundle, HashError> {
    let manifest = hash_directory(dir, options)?;
    Ok(sign_manifest(&manifest, private_key))
}

/// Signs an already computed manifest: statement, DSSE envelope, bundle with the key hint.
pub fn sign_manifest(manifest: &Manifest, private_key: &PrivateKey) -> Bundle {
    let statement = Statement::for_manifest(manifest);
    let payload = serde_json::to_vec(&statement)
        .expect("a statement holds only strings, booleans and arrays");
    let signature = private_key.sign_der(&pae(&payload));
    Bundle {
        media_type: BUNDLE_MEDIA_TYPE.to_owned(),
        verification_material: VerificationMaterial {
            public_key: Some(PublicKeyIdentifier {
                hint: Some(private_key.public_key().hint()),
            }),
            tlog_entries: Vec::new(),
        },
        dsse_envelope: Some(DsseEnvelope {
            payload: BASE64.encode(&payload),
            payload_type: IN_TOTO_PAYLOAD_TYPE.to_owned(),
            signatures: vec![DsseSignature {
                sig: BASE64.encode(signature),
                keyid: String::new(),
            }],
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_pae_matches_the_dsse_spec_example_shape() {
        assert_eq!(
            pae(b"{}"),
            b"DSSEv1 28 application/vnd.in-toto+json 2 {}".to_vec()
        );
        assert_eq!(
            pae(b""),
            b"DSSEv1 28 application/vnd.in-toto+json 0 ".to_vec()
        );
    }

    #[test]
    fn test_bundle_json_uses_the_tool_field_names_and_order() {
        let manifest = Manifest {
            model_name: "m".to_owned(),
            allow_symlinks: false,
            ignore_paths: vec![".git".to_owned()],
            files: vec![],
        };
        let bundle = sign_manifest(&manifest, &PrivateKey::generate());
        let json = bundle.to_json();
        assert!(json.starts_with(
            "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\
             \"verificationMaterial\":{\"publicKey\":{\"hint\":\""
        ));
        assert!(json.contains("\"tlogEntries\":[]},\"dsseEnvelope\":{\"payload\":\""));
        assert!(json.contains(
            "\"payloadType\":\"application/vnd.in-toto+json\",\"signatures\":[{\"sig\":\""
        ));
        assert!(json.ends_with("\"keyid\":\"\"}]}}"));
        assert_eq!(Bundle::from_json(json.as_bytes()).unwrap(), bundle);

        let envelope = bundle.dsse_envelope.unwrap();
        let payload = String::from_utf8(BASE64.decode(envelope.payload).unwrap()).unwrap();
        assert_eq!(
            payload,
            "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"m\",\"digest\":\
             {\"sha256\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}}],\
             \"predicateType\":\"https://model_signing/signature/v1.0\",\"predicate\":{\"serialization\":\
             {\"method\":\"files\",\"hash_type\":\"sha256\",\"allow_symlinks\":false,\"ignore_paths\":[\".git\"]},\
             \"resources\":[]}}"
        );
    }
}
