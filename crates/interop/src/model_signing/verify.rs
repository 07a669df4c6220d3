//! Verification of a bundle against a public key and a model directory.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::bundle::{
    BUNDLE_MEDIA_TYPE, Bundle, IN_TOTO_PAYLOAD_TYPE, PREDICATE_TYPE, STATEMENT_TYPE, Statement, pae,
};
use super::error::{HashError, VerifyError};
use super::hashing::{
    FileDigest, GIT_PATHS, Manifest, compare_paths, hash_files, list_files, normalize_ignore_path,
    normalize_resource_name,
};
use super::keys::PublicKey;

/// Options of [`verify_directory_with`], as the tool's `verify key` flags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyOptions {
    /// More paths to leave out, relative to the model directory, on top of those the signature
    /// records; for example the bundle's own file when it sits inside the directory.
    pub ignore_paths: Vec<String>,
    /// Leave out [`GIT_PATHS`] at the top of the directory even if the signature does not list them
    /// (the tool's default).
    pub ignore_git_paths: bool,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self {
            ignore_paths: Vec::new(),
            ignore_git_paths: true,
        }
    }
}

/// A bundle whose signature and statement verify with the given key (no directory checked yet).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedManifest {
    /// The signed manifest: files in the bundle's resource order, names normalized.
    pub manifest: Manifest,
    /// The key hint the bundle carried, if any (it matched the key).
    pub key_hint: Option<String>,
}

/// A model directory that matches a bundle signed by the given key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedModel {
    /// The signed manifest (files in the bundle's resource order, names normalized); it equals the
    /// directory's content.
    pub manifest: Manifest,
    /// The key hint the bundle carried, if any (checked against the key).
    pub key_hint: Option<String>,
    /// Bytes hashed to check the directory.
    pub n_bytes_hashed: u64,
}

/// Verifies `bundle_json` against `public_key` and the model directory `dir`, with the tool's
/// default options (git paths ignored).
pub fn verify_directory(
    dir: &Path,
    bundle_json: &[u8],
    public_key: &PublicKey,
) -> Result<VerifiedModel, VerifyError> {
    verify_directory_with(dir, bundle_json, public_key, &VerifyOptions::default())
}

/// Verifies `bundle_json` against `public_key` and the model directory `dir`.
///
/// After [`verify_bundle`], lists the directory with the signed serialization parameters (its
/// `allow_symlinks` and `ignore_paths`, plus `options`), fails on missing then extra files, and
/// only then hashes the files and compares digests, so a missing file costs no hashing.
pub fn verify_directory_with(
    dir: &Path,
    bundle_json: &[u8],
    public_key: &PublicKey,
    options: &VerifyOptions,
) -> Result<VerifiedModel, VerifyError> {
    let SignedManifest { manifest, key_hint } = verify_bundle(bundle_json, public_key)?;

    let mut ignore_paths = manifest.ignore_paths.clone();
    for path in &options.ignore_paths {
        let Some(normalized) = normalize_ignore_path(path) else {
            return Err(HashError::InvalidIgnorePath { path: path.clone() }.into());
        };
        ignore_paths.push(normalized);
    }
    if options.ignore_git_paths {
        ignore_paths.extend(GIT_PATHS.iter().map(|path| path.to_string()));
    }
    let listed = list_files(dir, manifest.allow_symlinks, &ignore_paths)?;

    let signed: BTreeMap<&str, &[u8; 32]> = manifest
        .files
        .iter()
        .map(|file| (file.path.as_str(), &file.sha256))
        .collect();
    let found: BTreeSet<&str> = listed.iter().map(|file| file.path.as_str()).collect();
    let mut missing: Vec<String> = signed
        .keys()
        .filter(|path| !found.contains(*path))
        .map(|path| path.to_string())
        .collect();
    if !missing.is_empty() {
        missing.sort_by(|a, b| compare_paths(a, b));
        return Err(VerifyError::MissingFiles(missing));
    }
    let extra: Vec<String> = listed
        .iter()
        .filter(|file| !signed.contains_key(file.path.as_str()))
        .map(|file| file.path.clone())
        .collect();
    if !extra.is_empty() {
        return Err(VerifyError::ExtraFiles(extra));
    }

    let paths: Vec<PathBuf> = listed.iter().map(|file| dir.join(&file.path)).collect();
    let digests = hash_files(&paths)?;
    let mut n_bytes_hashed = 0;
    for (file, (actual, n_bytes)) in listed.iter().zip(digests) {
        n_bytes_hashed += n_bytes;
        let expected = signed[file.path.as_str()];
        if *expected != actual {
            return Err(VerifyError::DigestMismatch {
                path: file.path.clone(),
                expected: hex::encode(expected),
                actual: hex::encode(actual),
            });
        }
    }
    Ok(VerifiedModel {
        manifest,
        key_hint,
        n_bytes_hashed,
    })
}

/// Verifies a bundle's signature and statement without looking at any directory.
///
/// Checks the media type, the payload type, the key hint, the signature over the payload bytes as
/// sent, the statement and predicate types, the serialization method and hash, and that the
/// subject digest matches the resources.
pub fn verify_bundle(
    bundle_json: &[u8],
    public_key: &PublicKey,
) -> Result<SignedManifest, VerifyError> {
    let bundle = Bundle::from_json(bundle_json)?;
    if bundle.media_type != BUNDLE_MEDIA_TYPE {
        return Err(VerifyError::UnsupportedMediaType(bundle.media_type));
    }
    let Some(envelope) = bundle.dsse_envelope else {
        return Err(VerifyError::MissingEnvelope);
    };
    if envelope.payload_type != IN_TOTO_PAYLOAD_TYPE {
        return Err(VerifyError::WrongPayloadType(envelope.payload_type));
    }
    let Some(key_identifier) = bundle.verification_material.public_key else {
        return Err(VerifyError::MissingPublicKey);
    };
    // An absent or empty hint is accepted, as the tool does for bundles made before 1.0: the
    // signature check below is what authenticates.
    let key_hint = key_identifier.hint.filter(|hint| !hint.is_empty());
    if let Some(bundle_hint) = &key_hint {
        let expected = public_key.hint();
        if *bundle_hint != expected {
            return Err(VerifyError::KeyMismatch {
                bundle_hint: bundle_hint.clone(),
                key_hint: expected,
            });
        }
    }

    let payload =
        BASE64
            .decode(&envelope.payload)
            .map_err(|source| VerifyError::MalformedBase64 {
                field: "payload",
                source,
            })?;
    if envelope.signatures.is_empty() {
        return Err(VerifyError::NoSignatures);
    }
    let signed_bytes = pae(&payload);
    let mut any_valid = false;
    for signature in &envelope.signatures {
        let signature_der =
            BASE64
                .decode(&signature.sig)
                .map_err(|source| VerifyError::MalformedBase64 {
                    field: "sig",
                    source,
                })?;
        if public_key.verify_der(&signed_bytes, &signature_der) {
            any_valid = true;
            break;
        }
    }
    if !any_valid {
        return Err(VerifyError::BadSignature);
    }

    let statement: Statement =
        serde_json::from_slice(&payload).map_err(VerifyError::MalformedPayload)?;
    let manifest = manifest_of_statement(statement)?;
    Ok(SignedManifest { manifest, key_hint })
}

/// Checks a signed statement and turns it into the manifest it describes.
fn manifest_of_statement(statement: Statement) -> Result<Manifest, VerifyError> {
    if statement.statement_type != STATEMENT_TYPE {
        return Err(VerifyError::WrongStatementType(statement.statement_type));
    }
    if statement.predicate_type != PREDICATE_TYPE {
        return Err(VerifyError::UnsupportedPredicateType(
            statement.predicate_type,
        ));
    }
    let serialization = statement.predicate.serialization;
    if serialization.method != "files" {
        return Err(VerifyError::UnsupportedMethod(serialization.method));
    }
    if serialization.hash_type != "sha256" {
        return Err(VerifyError::UnsupportedHash(serialization.hash_type));
    }
    let [subject] = statement.subject.as_slice() else {
        return Err(VerifyError::InvalidStatement(format!(
            "expected exactly one subject, found {}",
            statement.subject.len()
        )));
    };
    let Some(subject_hex) = subject.digest.get("sha256") else {
        return Err(VerifyError::InvalidStatement(
            "the subject has no sha256 digest".to_owned(),
        ));
    };
    let Some(subject_digest) = decode_digest(subject_hex) else {
        return Err(VerifyError::InvalidStatement(format!(
            "the subject digest {subject_hex:?} is not 64 hex digits"
        )));
    };

    let mut ignore_paths = Vec::with_capacity(serialization.ignore_paths.len());
    for path in &serialization.ignore_paths {
        // The tool drops absolute paths and paths outside the model; they cannot match a file.
        if path.starts_with('/') || path.split('/').any(|component| component == "..") {
            continue;
        }
        let Some(normalized) = normalize_ignore_path(path) else {
            return Err(VerifyError::InvalidStatement(format!(
                "ignore path {path:?} would leave out the whole model"
            )));
        };
        ignore_paths.push(normalized);
    }

    let mut files = Vec::with_capacity(statement.predicate.resources.len());
    let mut names = BTreeSet::new();
    for resource in statement.predicate.resources {
        if resource.algorithm != "sha256" {
            return Err(VerifyError::UnsupportedHash(resource.algorithm));
        }
        let Some(sha256) = decode_digest(&resource.digest) else {
            return Err(VerifyError::InvalidStatement(format!(
                "the digest of {:?} is not 64 hex digits",
                resource.name
            )));
        };
        let path = normalize_resource_name(&resource.name);
        if !names.insert(path.clone()) {
            return Err(VerifyError::InvalidStatement(format!(
                "{path:?} is listed twice"
            )));
        }
        files.push(FileDigest { path, sha256 });
    }

    let manifest = Manifest {
        model_name: subject.name.clone(),
        allow_symlinks: serialization.allow_symlinks,
        ignore_paths,
        files,
    };
    let computed = manifest.subject_digest();
    if computed != subject_digest {
        return Err(VerifyError::SubjectDigestMismatch {
            signed: hex::encode(subject_digest),
            computed: hex::encode(computed),
        });
    }
    Ok(manifest)
}

/// Decodes a SHA-256 digest from hex (either case).
fn decode_digest(digest_hex: &str) -> Option<[u8; 32]> {
    let mut digest = [0u8; 32];
    hex::decode_to_slice(digest_hex, &mut digest).ok()?;
    Some(digest)
}
