//! `ailedger content ...`: signs AI-generated media with its model version and the inference
//! log's receipt, attests human-made works, registers both as claims on the chain, verifies a
//! file end to end (credential, model version, receipt, anchor, first claimant) and looks up
//! near duplicates.
//!
//! The credential checks are `ailedger-credentials`'; the chain checks use the client's
//! verified queries (every answer checked against a block's state root) and `log verify`'s
//! receipt check. A file is never modified unless signing succeeded. `content serve` (in
//! [`serve`]) answers the report of `content verify` over HTTP.

mod serve;

use super::{
    Context,
    log::{Verification, check_receipt},
    provenance::signer,
};
use crate::{
    cli::{
        AttestArgs, CaCommand, ContentCommand, ContentVerifyArgs, RegisterArgs, SignArgs,
        SignerArgs, SimilarArgs, SourceArg,
    },
    failure::Failure,
    keystore::StoredKey,
    output::Fields,
};
use ailedger_client::{
    Client,
    dto::{ClaimView, SimilarRequest, VersionStatusView},
};
use ailedger_core::{ChainId, Hash, SignedTransaction, Transaction, sha256};
use ailedger_credentials::{
    AiGenerated, Generation, HumanMade, MediaFormat, ModelAgent, ModelVersionId, Origin, Placement,
    Receipt, Report, SigningCredentials, TrainingMining, TrustAnchors, Verdict,
    assertion::HumanSource as CredentialSource,
    ca,
    detached::{Claim as DetachedClaim, ContentDigest, DetachedCredential},
    error::{CertificateError, SignError},
    fingerprint::{image_fingerprint, text_fingerprint, text_minhash},
    sign::sidecar_path,
    verify::{LinkCheck, LinkState},
};
use ailedger_state::{
    Module,
    content::{
        ClaimKind, ClaimSpec, Content, ContentMsg, CredentialFormat, Fingerprints,
        Generation as ChainGeneration, HumanSource, ReceiptRef, claim_gas,
    },
};
use anyhow::Context as _;
use commonware_codec::{Encode, EncodeSize};
use serde::Serialize;
use std::{
    fs,
    path::{Path, PathBuf},
    time::{SystemTime, UNIX_EPOCH},
};

pub(super) async fn execute(context: &Context, command: ContentCommand) -> anyhow::Result<()> {
    match command {
        ContentCommand::Ca {
            command: CaCommand::Init { out, organization },
        } => ca_init(context, &out, &organization),
        ContentCommand::Sign(args) => sign(context, &args).await,
        ContentCommand::Attest(args) => attest(context, &args).await,
        ContentCommand::Verify(args) => verify(context, &args).await,
        ContentCommand::Similar(args) => similar(context, &args).await,
        ContentCommand::Serve(args) => serve::serve(context, &args).await,
    }
}

fn ca_init(context: &Context, out: &Path, organization: &str) -> anyhow::Result<()> {
    let files = ca::init(out, organization)
        .map_err(|error| Failure::error("CA_INIT_FAILED", error.to_string()))?;
    #[derive(Serialize)]
    struct Written {
        root: String,
        intermediate: String,
        intermediate_key: String,
        chain: String,
        signer_key: String,
    }
    let shown = Written {
        root: files.root.display().to_string(),
        intermediate: files.intermediate.display().to_string(),
        intermediate_key: files.intermediate_key.display().to_string(),
        chain: files.chain.display().to_string(),
        signer_key: files.signer_key.display().to_string(),
    };
    context.output.emit(&shown, || {
        Fields::new()
            .add("root (trust anchor)", &shown.root)
            .add("signer chain", &shown.chain)
            .add("signer key", &shown.signer_key)
            .add("intermediate", &shown.intermediate)
            .add("intermediate key", &shown.intermediate_key)
            .add("note", "a development PKI: not for production")
            .render()
    })
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    fs::read(path).map_err(|error| {
        let code = match error.kind() {
            std::io::ErrorKind::NotFound => "FILE_NOT_FOUND",
            _ => "FILE_UNREADABLE",
        };
        Failure::error(code, format!("reading {}: {error}", path.display())).into()
    })
}

fn certificate_failure(error: &CertificateError) -> Failure {
    let code = match error {
        CertificateError::Read { .. } => "FILE_UNREADABLE",
        CertificateError::Key(_)
        | CertificateError::UnsupportedKeyAlgorithm { .. }
        | CertificateError::KeyMismatch { .. } => "BAD_SIGNING_KEY",
        _ => "BAD_CERTIFICATE",
    };
    Failure::error(code, error.to_string())
}

fn sign_failure(error: &SignError) -> Failure {
    let code = match error {
        SignError::UnsupportedFormat(_) => "UNSUPPORTED_FORMAT",
        SignError::FormatMismatch { .. } => "FORMAT_MISMATCH",
        SignError::Io { .. } => "FILE_UNREADABLE",
        SignError::SidecarNeedsPlainAsset { .. } => "ALREADY_SIGNED",
        SignError::Receipt(_) => "RECEIPT_MALFORMED",
        _ => "SIGNING_FAILED",
    };
    Failure::error(code, error.to_string())
}

fn load_signer(args: &SignerArgs) -> anyhow::Result<SigningCredentials> {
    let (chain, key) = match (&args.ca, &args.cert_chain, &args.key) {
        (Some(dir), _, _) => (dir.join(ca::CHAIN_FILE), dir.join(ca::SIGNER_KEY_FILE)),
        (None, Some(chain), Some(key)) => (chain.clone(), key.clone()),
        _ => {
            return Err(Failure::error(
                "SIGNER_NEEDED",
                "a C2PA manifest needs a signer: give --ca DIR (from `content ca init`) or \
                 --cert-chain and --key",
            )
            .into());
        }
    };
    SigningCredentials::from_files(&chain, &key).map_err(|error| certificate_failure(&error).into())
}

fn training(allow: bool) -> TrainingMining {
    if allow {
        TrainingMining::allowed()
    } else {
        TrainingMining::not_allowed()
    }
}

/// The fingerprints of a file's bytes: a perceptual hash for an image, SimHash and MinHash for
/// UTF-8 text, none for anything else (audio included).
fn fingerprints(format: Option<MediaFormat>, bytes: &[u8]) -> Fingerprints {
    match format {
        Some(MediaFormat::Png | MediaFormat::Jpeg) => Fingerprints {
            image: image_fingerprint(bytes).ok().map(|print| print.bits),
            ..Fingerprints::default()
        },
        Some(MediaFormat::Wav) => Fingerprints::default(),
        None => match std::str::from_utf8(bytes) {
            Ok(text) if !text.trim().is_empty() => Fingerprints {
                image: None,
                simhash: Some(text_fingerprint(text).bits),
                minhash: text_minhash(text),
            },
            _ => Fingerprints::default(),
        },
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

fn detached_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".credential.json");
    PathBuf::from(name)
}

async fn chain_id(client: &Client) -> anyhow::Result<ChainId> {
    let chain = client.chain().await.context("fetching the chain id")?;
    ChainId::new(chain.chain_id)
        .map_err(|error| Failure::error("BAD_CHAIN_ID", error.to_string()).into())
}

/// What was signed, and the claim registered for it.
#[derive(Debug, Serialize)]
struct Signed {
    file: String,
    /// SHA-256 of the file as it is now (signed, with an embedded manifest).
    sha256: String,
    /// `c2pa_embedded`, `c2pa_sidecar` or `detached`.
    credential_format: &'static str,
    /// The sidecar or detached credential file.
    #[serde(skip_serializing_if = "Option::is_none")]
    credential_file: Option<String>,
    /// SHA-256 of the manifest store or credential file.
    credential_sha256: String,
    origin: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    model_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    creator: Option<String>,
    /// The claim on the chain, with `--register`.
    #[serde(skip_serializing_if = "Option::is_none")]
    claim: Option<ClaimView>,
}

impl Signed {
    fn render(&self) -> String {
        let mut fields = Fields::new()
            .add("file", &self.file)
            .add("sha256", &self.sha256)
            .add("credential", self.credential_format)
            .add("origin", &self.origin);
        if let Some(path) = &self.credential_file {
            fields = fields.add("credential file", path);
        }
        if let Some(version) = &self.model_version {
            fields = fields.add("model version", version);
        }
        if let Some(creator) = &self.creator {
            fields = fields.add("creator", creator);
        }
        fields = match &self.claim {
            None => fields.add("claim", "not registered (use --register)"),
            Some(claim) => fields
                .add("claim", claim_words(claim))
                .add("claim tx", claim.tx),
        };
        fields.render()
    }
}

fn claim_words(claim: &ClaimView) -> String {
    let place = if claim.index == 0 {
        "first claim".to_owned()
    } else {
        format!(
            "claim {} (later than {} earlier)",
            claim.index + 1,
            claim.index
        )
    };
    format!(
        "{place}, by {} at height {} ({} ms)",
        claim.claimant, claim.height, claim.time_ms
    )
}

/// The facts the chain records about a signed file.
struct ToRegister {
    content: Hash,
    kind: ClaimKind,
    credential: Hash,
    credential_format: CredentialFormat,
    fingerprints: Fingerprints,
}

async fn register(
    client: &Client,
    key: &StoredKey,
    args: &RegisterArgs,
    claim: ToRegister,
) -> anyhow::Result<ClaimView> {
    let spec = ClaimSpec {
        content: claim.content,
        kind: claim.kind,
        credential: claim.credential,
        credential_format: claim.credential_format,
        fingerprints: claim.fingerprints,
    };
    let msg = ContentMsg::RegisterClaim(spec);
    msg.validate()
        .map_err(|error| Failure::error(error.code(), error.to_string()))?;
    let ContentMsg::RegisterClaim(spec) = &msg;
    let sender = key.key.address();
    let chain = client.chain().await.context("fetching the chain")?;
    let bytes = u64::try_from(msg.encode_size()).unwrap_or(u64::MAX);
    // Metered reads and writes come on top of the claim's own charge; only what is used is paid.
    let gas_limit = 300_000_u64
        .saturating_add(claim_gas(spec))
        .saturating_add(bytes.saturating_mul(40));
    let payload = msg.encode().to_vec();
    let sign = |nonce: u64| -> anyhow::Result<SignedTransaction> {
        Ok(Transaction::new(
            &chain.chain_id,
            sender.clone(),
            nonce,
            gas_limit,
            chain.min_gas_price,
            Content::ID,
            payload.clone(),
        )
        .context("building the transaction")?
        .sign(&key.key))
    };
    let (hash, _) = client
        .submit_at_next_nonce(&sender, sign)
        .await
        .context("submitting the claim")?;
    let record = client
        .wait_for_tx(&hash, args.timeout)
        .await
        .with_context(|| format!("waiting for transaction {hash}"))?;
    if let Some(receipt) = &record.receipt
        && let ailedger_client::dto::OutcomeView::Failed { code, message } = &receipt.outcome
    {
        return Err(Failure::error(
            code.clone(),
            format!("the claim was committed but refused: {message}"),
        )
        .into());
    }
    let claims = client
        .verified_content_claims(&spec.content, 0, 64)
        .await
        .context("reading the registered claim")?;
    claims
        .answer
        .claims
        .into_iter()
        .find(|claim| claim.tx == hash)
        .ok_or_else(|| {
            Failure::error(
                "CLAIM_NOT_FOUND",
                format!("transaction {hash} committed, but its claim is not in the state"),
            )
            .into()
        })
}

fn register_key(context: &Context, args: &RegisterArgs) -> anyhow::Result<Option<StoredKey>> {
    match (&args.from, args.register) {
        (Some(name), _) => signer(context, name).map(Some),
        (None, true) => Err(Failure::error("KEY_NEEDED", "--register needs --from KEY").into()),
        (None, false) => Ok(None),
    }
}

async fn sign(context: &Context, args: &SignArgs) -> anyhow::Result<()> {
    let format = MediaFormat::from_path(&args.file).ok();
    let key = register_key(context, &args.register)?;
    if format.is_none() && key.is_none() {
        return Err(Failure::error(
            "KEY_NEEDED",
            format!(
                "{} is not PNG, JPEG or WAV: its detached credential is signed with a ledger key; \
                 give --from KEY",
                args.file.display()
            ),
        )
        .into());
    }
    let original = read(&args.file)?;
    let client = context.client()?;
    let chain_id = chain_id(&client).await?;
    // The model version must be registered and not revoked before anything is signed.
    let version = match client.verified_version(&args.model.id).await {
        Ok(verified) => verified.answer.version,
        Err(error) if error.is_not_found() => {
            return Err(Failure::error(
                "VERSION_NOT_FOUND",
                format!(
                    "model version {} is not registered on the chain",
                    args.model.text
                ),
            )
            .into());
        }
        Err(error) => return Err(error).context("fetching the model version"),
    };
    if let VersionStatusView::Revoked { reason, .. } = &version.status {
        return Err(Failure::error(
            "VERSION_REVOKED",
            format!(
                "model version {} was revoked ({reason}); content is not signed for it",
                args.model.text
            ),
        )
        .into());
    }
    let receipt = match &args.receipt {
        None => None,
        Some(path) => {
            let bytes = read(path)?;
            let receipt = Receipt::from_bytes(&bytes)
                .map_err(|error| Failure::error("RECEIPT_MALFORMED", error.to_string()))?;
            let parsed = ailedger_tlog::Receipt::parse_unverified(&bytes)
                .map_err(|error| Failure::error("RECEIPT_MALFORMED", error.to_string()))?;
            let origin = parsed.checkpoint().checkpoint().origin().to_owned();
            Some((receipt, origin))
        }
    };
    let model_id = ModelVersionId(to_array(&args.model.id));
    let generation = if args.edited {
        Generation::Edited
    } else {
        Generation::Created
    };
    let kind = ClaimKind::AiGenerated {
        model_version: args.model.id,
        generation: if args.edited {
            ChainGeneration::Edited
        } else {
            ChainGeneration::Created
        },
        receipt: receipt.as_ref().map(|(receipt, origin)| ReceiptRef {
            digest: Hash::from(receipt.sha256()),
            log_origin: origin.clone(),
        }),
    };
    let origin_words = format!(
        "AI-generated ({}) by {}@{}",
        if args.edited {
            "compositeWithTrainedAlgorithmicMedia"
        } else {
            "trainedAlgorithmicMedia"
        },
        version.model,
        version.version
    );
    let (signed, to_register) = match format {
        Some(format) => {
            let credentials = load_signer(&args.signer)?;
            let origin = Origin::AiGenerated(AiGenerated {
                chain_id,
                model: ModelAgent {
                    name: version.model.clone(),
                    version: version.version.clone(),
                    id: model_id,
                },
                generation,
                receipt: receipt.as_ref().map(|(receipt, _)| receipt.clone()),
                training_mining: training(args.allow_training),
                title: None,
            });
            sign_media(
                &args.file,
                format,
                &credentials,
                &origin,
                args.sidecar,
                kind,
            )?
        }
        None => {
            let Some(key) = &key else {
                unreachable!("checked above: a detached credential has a key");
            };
            let claim = DetachedClaim::AiGenerated {
                model_version: model_id,
                receipt: receipt.as_ref().map(|(receipt, _)| receipt.clone()),
            };
            sign_detached(&args.file, &original, claim, chain_id, key, kind)?
        }
    };
    let mut shown = Signed {
        origin: origin_words,
        model_version: Some(args.model.id.to_string()),
        ..signed
    };
    if args.register.register
        && let Some(key) = &key
    {
        shown.claim = Some(register(&client, key, &args.register, to_register).await?);
    }
    context.output.emit(&shown, || shown.render())
}

fn to_array(hash: &Hash) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(hash.as_ref());
    bytes
}

/// Signs a media file with a C2PA manifest (the file is replaced only once signing succeeded).
fn sign_media(
    file: &Path,
    format: MediaFormat,
    credentials: &SigningCredentials,
    origin: &Origin,
    sidecar: bool,
    kind: ClaimKind,
) -> anyhow::Result<(Signed, ToRegister)> {
    let placement = if sidecar {
        Placement::Sidecar
    } else {
        Placement::Embedded
    };
    let signed = ailedger_credentials::sign_file(file, credentials, origin, placement)
        .map_err(|error| sign_failure(&error))?;
    let bytes = read(file)?;
    let content = sha256(&[&bytes]);
    let credential_format = if sidecar {
        CredentialFormat::C2paSidecar
    } else {
        CredentialFormat::C2paEmbedded
    };
    let shown = Signed {
        file: file.display().to_string(),
        sha256: content.to_string(),
        credential_format: credential_format.as_str(),
        credential_file: signed
            .sidecar
            .as_ref()
            .map(|path| path.display().to_string()),
        credential_sha256: hex::encode(signed.manifest_sha256),
        origin: String::new(),
        model_version: None,
        creator: None,
        claim: None,
    };
    let to_register = ToRegister {
        content,
        kind,
        credential: Hash::from(signed.manifest_sha256),
        credential_format,
        fingerprints: fingerprints(Some(format), &bytes),
    };
    Ok((shown, to_register))
}

/// Writes a detached credential beside any file (the file itself is untouched).
fn sign_detached(
    file: &Path,
    bytes: &[u8],
    claim: DetachedClaim,
    chain_id: ChainId,
    key: &StoredKey,
    kind: ClaimKind,
) -> anyhow::Result<(Signed, ToRegister)> {
    let credential = DetachedCredential::sign(
        ContentDigest::of(bytes),
        claim,
        chain_id,
        &key.key,
        now_secs(),
    );
    let json = credential.to_json();
    let path = detached_path(file);
    super::write_atomically(&path, &json)?;
    let content = sha256(&[bytes]);
    let credential_digest = sha256(&[&json]);
    let shown = Signed {
        file: file.display().to_string(),
        sha256: content.to_string(),
        credential_format: CredentialFormat::Detached.as_str(),
        credential_file: Some(path.display().to_string()),
        credential_sha256: credential_digest.to_string(),
        origin: String::new(),
        model_version: None,
        creator: Some(key.key.address().to_string()),
        claim: None,
    };
    let to_register = ToRegister {
        content,
        kind,
        credential: credential_digest,
        credential_format: CredentialFormat::Detached,
        fingerprints: fingerprints(None, bytes),
    };
    Ok((shown, to_register))
}

async fn attest(context: &Context, args: &AttestArgs) -> anyhow::Result<()> {
    let format = MediaFormat::from_path(&args.file).ok();
    let key = register_key(context, &args.register)?;
    if format.is_none() && key.is_none() {
        return Err(Failure::error(
            "KEY_NEEDED",
            format!(
                "{} is not PNG, JPEG or WAV: its detached credential is signed with a ledger key; \
                 give --from KEY",
                args.file.display()
            ),
        )
        .into());
    }
    let original = read(&args.file)?;
    let client = context.client()?;
    let chain_id = chain_id(&client).await?;
    let (credential_source, chain_source) = match args.source {
        SourceArg::DigitalCapture => (
            CredentialSource::DigitalCapture,
            HumanSource::DigitalCapture,
        ),
        SourceArg::HumanEdits => (CredentialSource::HumanEdits, HumanSource::HumanEdits),
    };
    let kind = ClaimKind::HumanMade {
        source: chain_source,
    };
    let (signed, to_register) = match format {
        Some(format) => {
            let credentials = load_signer(&args.signer)?;
            let origin = Origin::HumanMade(HumanMade {
                chain_id,
                creator: key.as_ref().map(|key| key.key.address()),
                source: credential_source,
                training_mining: training(args.allow_training),
                title: None,
            });
            sign_media(
                &args.file,
                format,
                &credentials,
                &origin,
                args.sidecar,
                kind,
            )?
        }
        None => {
            let Some(key) = &key else {
                unreachable!("checked above: a detached credential has a key");
            };
            let claim = DetachedClaim::HumanMade {
                source: credential_source,
            };
            sign_detached(&args.file, &original, claim, chain_id, key, kind)?
        }
    };
    let mut shown = Signed {
        origin: format!("human-made ({})", chain_source.as_str()),
        creator: key.as_ref().map(|key| key.key.address().to_string()),
        ..signed
    };
    if args.register.register
        && let Some(key) = &key
    {
        shown.claim = Some(register(&client, key, &args.register, to_register).await?);
    }
    context.output.emit(&shown, || shown.render())
}

/// One link of the verification chain, from the credential to the ledger.
#[derive(Debug, Serialize)]
struct LinkOut {
    link: String,
    state: LinkState,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    /// The stable code of a link that does not hold.
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<String>,
}

impl LinkOut {
    fn new(link: &str, state: LinkState, detail: Option<String>, code: &str) -> Self {
        let failed = matches!(state, LinkState::Missing | LinkState::Broken);
        Self {
            link: link.to_owned(),
            state,
            detail,
            code: failed.then(|| code.to_owned()),
        }
    }

    fn ok(link: &str, detail: impl Into<String>) -> Self {
        Self::new(link, LinkState::Ok, Some(detail.into()), "")
    }

    fn from_library(check: &LinkCheck) -> Self {
        let name = serde_json::to_value(check.link)
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_else(|| format!("{:?}", check.link));
        let state_name = serde_json::to_value(check.state)
            .ok()
            .and_then(|value| value.as_str().map(str::to_uppercase))
            .unwrap_or_default();
        let code = format!("{}_{state_name}", name.to_uppercase());
        Self::new(&name, check.state, check.detail.clone(), &code)
    }

    fn holds(&self) -> bool {
        !matches!(self.state, LinkState::Missing | LinkState::Broken)
    }
}

/// The model version a credential names, as the chain has it.
#[derive(Debug, Serialize)]
struct ModelOnChain {
    id: String,
    registered: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    /// `active`, `deprecated` or `revoked`.
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<String>,
}

/// The receipt, as checked against the log's anchors on the chain.
#[derive(Debug, Serialize)]
struct ReceiptOnChain {
    verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<u64>,
    /// The block whose anchor covers the receipt's checkpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    anchored_height: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

/// What the chain says about the file.
#[derive(Debug, Serialize)]
struct OnChain {
    chain_id: String,
    /// The block the claims were read (and proven) at.
    height: u64,
    claims_total: u32,
    claims: Vec<ClaimView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    model: Option<ModelOnChain>,
    #[serde(skip_serializing_if = "Option::is_none")]
    receipt: Option<ReceiptOnChain>,
}

/// A detached credential, as read.
#[derive(Debug, Serialize)]
struct DetachedView {
    file: String,
    creator: String,
    chain_id: String,
    claim: DetachedClaim,
    created_at: u64,
}

/// What `content verify` found (and `POST /v1/content/verify` answers).
#[derive(Debug, Serialize)]
struct ContentReport {
    file: String,
    sha256: String,
    /// `trusted`, `valid` (a detached credential), `untrusted`, `disputed` (another claimant
    /// registered the content first), `invalid` or `not_verified`.
    verdict: &'static str,
    /// The verdict in words: what holds, or the first link that does not.
    summary: String,
    /// `c2pa`, `detached` or `none`.
    credential: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    c2pa: Option<Report>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detached: Option<DetachedView>,
    /// `null` with `--offline`.
    chain: Option<OnChain>,
    links: Vec<LinkOut>,
}

/// What the credential names, for the chain checks.
#[derive(Default)]
struct Named {
    chain_id: Option<String>,
    model: Option<Hash>,
    receipt: Option<Vec<u8>>,
    creator: Option<String>,
}

/// The credential a file is verified with.
enum CredentialInput {
    /// A C2PA manifest store (embedded or sidecar), as `ailedger-credentials` verified it.
    C2pa(Box<Report>),
    /// A detached credential's JSON, and the file it was read from.
    Detached { file: String, json: Vec<u8> },
}

async fn verify(context: &Context, args: &ContentVerifyArgs) -> anyhow::Result<()> {
    let bytes = read(&args.file)?;
    let format = MediaFormat::from_path(&args.file)
        .ok()
        .or_else(|| MediaFormat::sniff(&bytes));
    let credential_path = args.credential.clone().or_else(|| {
        let path = detached_path(&args.file);
        path.exists().then_some(path)
    });
    let use_detached = args.credential.is_some() || (format.is_none() && credential_path.is_some());
    let credential = if use_detached {
        let path = credential_path.unwrap_or_else(|| detached_path(&args.file));
        CredentialInput::Detached {
            file: path.display().to_string(),
            json: read(&path)?,
        }
    } else {
        let sidecar = args.sidecar.clone().or_else(|| {
            let path = sidecar_path(&args.file);
            (format.is_some() && path.exists()).then_some(path)
        });
        let anchors = match &args.trust {
            Some(path) => TrustAnchors::from_file(path)
                .map_err(|error| Failure::error("BAD_TRUST_ANCHORS", error.to_string()))?,
            None => TrustAnchors::none(),
        };
        let report = ailedger_credentials::verify(&args.file, sidecar.as_deref(), &anchors)
            .map_err(|error| Failure::error("FILE_UNREADABLE", error.to_string()))?;
        CredentialInput::C2pa(Box::new(report))
    };
    let client = (!args.offline).then(|| context.client()).transpose()?;
    let report = build_report(
        args.file.display().to_string(),
        &bytes,
        credential,
        client.as_ref(),
        args.log.as_deref(),
    )
    .await?;
    context.output.emit(&report, || render_report(&report))?;
    report.outcome()
}

/// The report of `content verify` on `bytes` (shown as `file`) and their credential: the
/// credential's links, then, with a `client`, the chain's (claims, model version, receipt, with
/// `log` for the receipt's consistency proof). `content verify` and `content serve` both answer
/// with it, so the command and the HTTP service cannot disagree.
///
/// A credential that does not hold is a report, not an error; an error is a chain that could
/// not be asked or whose answer did not verify.
async fn build_report(
    file: String,
    bytes: &[u8],
    credential: CredentialInput,
    client: Option<&Client>,
    log: Option<&str>,
) -> anyhow::Result<ContentReport> {
    let digest = sha256(&[bytes]);
    let mut links = Vec::new();
    let mut named = Named::default();
    let mut c2pa = None;
    let mut detached = None;
    let base: &str;
    let credential_kind;
    match credential {
        CredentialInput::Detached { file, json } => {
            credential_kind = "detached";
            match DetachedCredential::from_json(&json) {
                Err(error) => {
                    links.push(LinkOut::new(
                        "credential",
                        LinkState::Broken,
                        Some(error.to_string()),
                        "CREDENTIAL_INVALID",
                    ));
                    base = "invalid";
                }
                Ok(credential) => {
                    links.push(LinkOut::ok(
                        "signature",
                        format!("signed by the ledger key {}", credential.creator()),
                    ));
                    match credential.check_content(bytes) {
                        Ok(()) => {
                            links.push(LinkOut::ok(
                                "content_binding",
                                "the credential is for these bytes",
                            ));
                            base = "valid";
                        }
                        Err(error) => {
                            links.push(LinkOut::new(
                                "content_binding",
                                LinkState::Broken,
                                Some(error.to_string()),
                                "CONTENT_MISMATCH",
                            ));
                            base = "invalid";
                        }
                    }
                    named.chain_id = Some(credential.chain_id().to_string());
                    named.creator = Some(credential.creator().to_string());
                    if let DetachedClaim::AiGenerated {
                        model_version,
                        receipt,
                    } = credential.claim()
                    {
                        named.model = Some(Hash::from(model_version.0));
                        named.receipt = receipt.as_ref().map(|receipt| receipt.as_bytes().to_vec());
                        named.creator = None;
                    }
                    detached = Some(DetachedView {
                        file,
                        creator: credential.creator().to_string(),
                        chain_id: credential.chain_id().to_string(),
                        claim: credential.claim().clone(),
                        created_at: credential.created_at(),
                    });
                }
            }
        }
        CredentialInput::C2pa(report) => {
            credential_kind = "c2pa";
            base = match report.verdict {
                Verdict::Trusted => "trusted",
                Verdict::Untrusted => "untrusted",
                Verdict::Invalid => "invalid",
                Verdict::NotVerified => "not_verified",
            };
            links.extend(report.links.iter().map(LinkOut::from_library));
            if let Some(inference) = &report.inference {
                named.chain_id = Some(inference.chain_id.clone());
                named.model = Some(Hash::from(inference.model_version.0));
                named.receipt = inference
                    .receipt
                    .as_ref()
                    .map(|receipt| receipt.as_bytes().to_vec());
            }
            if let Some(attestation) = &report.attestation {
                named.chain_id = Some(attestation.chain_id.clone());
                named.creator = attestation.creator.clone();
            }
            c2pa = Some(*report);
        }
    }

    let chain = match client {
        Some(client) if base != "not_verified" => {
            Some(check_chain(client, log, &digest, &named, &mut links).await?)
        }
        _ => None,
    };

    let first_failure = links.iter().find(|link| !link.holds());
    let disputed = links
        .iter()
        .any(|link| link.link == "first_claim" && !link.holds());
    let chain_broken = links.iter().any(|link| {
        !link.holds()
            && [
                "chain",
                "model_version",
                "receipt_inclusion",
                "receipt_model",
            ]
            .contains(&link.link.as_str())
    });
    let verdict = match base {
        "trusted" | "valid" | "untrusted" if chain_broken => "invalid",
        "trusted" | "valid" if disputed => "disputed",
        other => other,
    };
    let summary = match (verdict, first_failure) {
        ("trusted", None) => "verified: every link holds".to_owned(),
        ("valid", None) => "verified: the detached credential holds".to_owned(),
        ("trusted" | "valid", Some(link)) => format!(
            "verified, but {} is {}: {}",
            link.link,
            state_word(link.state),
            link.detail.as_deref().unwrap_or("")
        ),
        (_, Some(link)) => format!(
            "not verified because {} is {}: {}",
            link.link,
            state_word(link.state),
            link.detail.as_deref().unwrap_or("")
        ),
        (_, None) => format!("not verified: {verdict}"),
    };
    Ok(ContentReport {
        file,
        sha256: digest.to_string(),
        verdict,
        summary,
        credential: credential_kind,
        c2pa,
        detached,
        chain,
        links,
    })
}

impl ContentReport {
    /// How `content verify` ends: success for `trusted` and `valid`, otherwise a verification
    /// failure (exit 3) with the code of the link that does not hold.
    fn outcome(self) -> anyhow::Result<()> {
        let Self {
            verdict,
            summary,
            links,
            ..
        } = self;
        let code = match verdict {
            "trusted" | "valid" => return Ok(()),
            "untrusted" => "UNTRUSTED_SIGNER".to_owned(),
            "disputed" => "NOT_FIRST_CLAIMANT".to_owned(),
            "not_verified" => "NOT_VERIFIED".to_owned(),
            _ => links
                .iter()
                .filter(|link| link.link != "first_claim" && link.link != "claim")
                .find_map(|link| link.code.clone())
                .unwrap_or_else(|| "CREDENTIAL_INVALID".to_owned()),
        };
        Err(Failure::verification(code, summary).into())
    }
}

fn state_word(state: LinkState) -> &'static str {
    match state {
        LinkState::Ok => "ok",
        LinkState::Missing => "missing",
        LinkState::Broken => "broken",
        LinkState::Unchecked => "unchecked",
    }
}

/// The chain's side: the claims on the content (who was first), the model version (registered,
/// not revoked) and the receipt (included in the log, covered by an anchor).
async fn check_chain(
    client: &Client,
    log: Option<&str>,
    digest: &Hash,
    named: &Named,
    links: &mut Vec<LinkOut>,
) -> anyhow::Result<OnChain> {
    let chain = client.chain().await.context("fetching the chain")?;
    if let Some(named_chain) = &named.chain_id
        && named_chain != &chain.chain_id
    {
        links.push(LinkOut::new(
            "chain",
            LinkState::Broken,
            Some(format!(
                "the credential names chain {named_chain:?}, the node serves {:?}",
                chain.chain_id
            )),
            "WRONG_CHAIN",
        ));
    }
    let claims = client
        .verified_content_claims(digest, 0, 64)
        .await
        .map_err(|error| Failure::verification("CHAIN_PROOF_INVALID", error.to_string()))?
        .answer;
    match claims.claims.first() {
        None => links.push(LinkOut::new(
            "claim",
            LinkState::Missing,
            Some("nobody registered a claim on this content on the chain".to_owned()),
            "NOT_REGISTERED",
        )),
        Some(first) => links.push(LinkOut::ok(
            "claim",
            format!(
                "first claimed by {} at height {} ({} claim(s) in all)",
                first.claimant, first.height, claims.total
            ),
        )),
    }
    if let Some(creator) = &named.creator {
        match claims
            .claims
            .iter()
            .find(|claim| &claim.claimant.to_string() == creator)
        {
            None => links.push(LinkOut::new(
                "first_claim",
                LinkState::Missing,
                Some(format!(
                    "the creator {creator} has not registered this content"
                )),
                "CREATOR_NOT_REGISTERED",
            )),
            Some(claim) if claim.index == 0 => links.push(LinkOut::ok(
                "first_claim",
                format!(
                    "the creator registered it first, at height {}",
                    claim.height
                ),
            )),
            Some(claim) => {
                let first = &claims.claims[0];
                links.push(LinkOut::new(
                    "first_claim",
                    LinkState::Broken,
                    Some(format!(
                        "{} claimed it first at height {}; the creator's claim is later, at height {}",
                        first.claimant, first.height, claim.height
                    )),
                    "NOT_FIRST_CLAIMANT",
                ));
            }
        }
    }
    let model = match &named.model {
        None => None,
        Some(id) => Some(match client.verified_version(id).await {
            Ok(verified) => {
                let version = verified.answer.version;
                let (status, link) = match &version.status {
                    VersionStatusView::Active => (
                        "active",
                        LinkOut::ok(
                            "model_version",
                            format!(
                                "{}@{} is registered and active",
                                version.model, version.version
                            ),
                        ),
                    ),
                    VersionStatusView::Deprecated { reason, .. } => (
                        "deprecated",
                        LinkOut::ok(
                            "model_version",
                            format!(
                                "{}@{} is registered, deprecated ({reason})",
                                version.model, version.version
                            ),
                        ),
                    ),
                    VersionStatusView::Revoked { reason, height, .. } => (
                        "revoked",
                        LinkOut::new(
                            "model_version",
                            LinkState::Broken,
                            Some(format!(
                                "{}@{} was revoked at height {height}: {reason}",
                                version.model, version.version
                            )),
                            "MODEL_REVOKED",
                        ),
                    ),
                };
                links.push(link);
                ModelOnChain {
                    id: id.to_string(),
                    registered: true,
                    name: Some(format!("{}@{}", version.model, version.version)),
                    status: Some(status.to_owned()),
                }
            }
            Err(error) if error.is_not_found() => {
                links.push(LinkOut::new(
                    "model_version",
                    LinkState::Missing,
                    Some(format!("model version {id} is not registered on the chain")),
                    "MODEL_NOT_REGISTERED",
                ));
                ModelOnChain {
                    id: id.to_string(),
                    registered: false,
                    name: None,
                    status: None,
                }
            }
            Err(error) => {
                return Err(Failure::verification("CHAIN_PROOF_INVALID", error.to_string()).into());
            }
        }),
    };
    let receipt = match &named.receipt {
        None => None,
        Some(bytes) => {
            Some(check_credential_receipt(client, bytes, log, named.model.as_ref(), links).await)
        }
    };
    Ok(OnChain {
        chain_id: chain.chain_id,
        height: claims.height,
        claims_total: claims.total,
        claims: claims.claims,
        model,
        receipt,
    })
}

/// The inference-log receipt a credential carries, checked with `log verify`'s check: the log's
/// registered key signed its checkpoint, its record is included, an anchor on the chain covers
/// it, and the record is of the model version the credential names. A receipt the log has not
/// anchored yet is reported as included with its anchor missing.
async fn check_credential_receipt(
    client: &Client,
    bytes: &[u8],
    log: Option<&str>,
    model: Option<&Hash>,
    links: &mut Vec<LinkOut>,
) -> ReceiptOnChain {
    let (view, not_anchored) = match check_receipt(Some(client), bytes, None, log).await {
        Ok(view) => (view, None),
        Err(error) => {
            let (code, reason) = match error.downcast_ref::<Failure>() {
                Some(failure) => (failure.code.clone(), failure.message.clone()),
                None => ("RECEIPT_UNCHECKED".to_owned(), format!("{error:#}")),
            };
            // `check_receipt` looks for an anchor only once the signature and the inclusion
            // hold; they are checked again without the anchor to say so.
            let included = if code == "NOT_ANCHORED" {
                included_unanchored(client, bytes).await
            } else {
                None
            };
            let Some(view) = included else {
                links.push(LinkOut::new(
                    "receipt_inclusion",
                    LinkState::Broken,
                    Some(reason.clone()),
                    &code,
                ));
                return ReceiptOnChain {
                    verified: false,
                    origin: None,
                    index: None,
                    anchored_height: None,
                    reason: Some(reason),
                };
            };
            (view, Some((code, reason)))
        }
    };
    let model_matches = match (&view.record, model) {
        (Some(record), Some(model)) => record.model_version == model.to_string(),
        _ => true,
    };
    if !model_matches {
        links.push(LinkOut::new(
            "receipt_model",
            LinkState::Broken,
            Some("the receipt's record is of another model version".to_owned()),
            "RECEIPT_WRONG_MODEL",
        ));
    } else if let Some((code, reason)) = &not_anchored {
        links.push(LinkOut::ok(
            "receipt_inclusion",
            format!(
                "entry {} of log {}, signed with its registered key",
                view.index, view.origin
            ),
        ));
        links.push(LinkOut::new(
            "receipt_anchor",
            LinkState::Missing,
            Some(reason.clone()),
            code,
        ));
    } else {
        links.push(LinkOut::ok(
            "receipt_inclusion",
            format!(
                "entry {} of log {}, {}",
                view.index, view.origin, view.anchor
            ),
        ));
    }
    ReceiptOnChain {
        verified: model_matches,
        origin: Some(view.origin),
        index: Some(view.index),
        anchored_height: view.anchored_height,
        reason: if model_matches {
            not_anchored.map(|(_, reason)| reason)
        } else {
            Some("the receipt's record is of another model version".to_owned())
        },
    }
}

/// A receipt checked with its log's registered key but no anchor: its signature, inclusion and
/// record, or nothing if they do not hold.
async fn included_unanchored(client: &Client, bytes: &[u8]) -> Option<Verification> {
    let parsed = ailedger_tlog::Receipt::parse_unverified(bytes).ok()?;
    let origin = parsed.checkpoint().checkpoint().origin();
    let log = client.verified_log(origin).await.ok()?;
    check_receipt(None, bytes, Some(&log.answer.log.verifier_key), None)
        .await
        .ok()
}

fn render_report(report: &ContentReport) -> String {
    let mut fields = Fields::new()
        .add("verdict", report.verdict)
        .add("summary", &report.summary)
        .add("file", &report.file)
        .add("sha256", &report.sha256)
        .add("credential", report.credential);
    if let Some(c2pa) = &report.c2pa {
        if let Some(signer) = &c2pa.signer {
            fields = fields.add(
                "signer",
                format!(
                    "{} (chains to a trusted root: {})",
                    signer.subject.as_deref().unwrap_or("unknown"),
                    if signer.chains_to_trusted_root {
                        "yes"
                    } else {
                        "no"
                    }
                ),
            );
        }
        if let Some(validation) = &c2pa.c2pa {
            fields = fields.add("c2pa state", format!("{:?}", validation.state));
        }
        if let Some(source) = &c2pa.digital_source_type {
            fields = fields.add("origin", source.rsplit('/').next().unwrap_or(source));
        }
    }
    if let Some(detached) = &report.detached {
        fields = fields.add("creator", &detached.creator);
    }
    match &report.chain {
        None => fields = fields.add("chain", "not checked"),
        Some(chain) => {
            if let Some(model) = &chain.model {
                fields = fields.add(
                    "model version",
                    match (&model.name, &model.status) {
                        (Some(name), Some(status)) => format!("{name} ({}), {status}", model.id),
                        _ => format!("{} (not registered)", model.id),
                    },
                );
            }
            if let Some(receipt) = &chain.receipt {
                fields = fields.add(
                    "receipt",
                    match (receipt.verified, &receipt.reason, receipt.anchored_height) {
                        (true, _, Some(height)) => format!("included, anchored at height {height}"),
                        (true, Some(reason), None) => format!("included, not anchored: {reason}"),
                        (true, None, None) => "included".to_owned(),
                        (false, Some(reason), _) => format!("not verified: {reason}"),
                        (false, None, _) => "not verified".to_owned(),
                    },
                );
            }
            for claim in &chain.claims {
                fields = fields.add("claim", claim_words(claim));
            }
            if chain.claims.is_empty() {
                fields = fields.add("claim", "none registered");
            }
        }
    }
    for link in &report.links {
        fields = fields.add(
            &format!("link {}", link.link),
            match &link.detail {
                Some(detail) => format!("{}: {detail}", state_word(link.state)),
                None => state_word(link.state).to_owned(),
            },
        );
    }
    fields.render()
}

async fn similar(context: &Context, args: &SimilarArgs) -> anyhow::Result<()> {
    let bytes = read(&args.file)?;
    let format = MediaFormat::from_path(&args.file)
        .ok()
        .or_else(|| MediaFormat::sniff(&bytes));
    let prints = fingerprints(format, &bytes);
    if prints.is_empty() {
        return Err(Failure::error(
            "NO_FINGERPRINT",
            format!(
                "{} has no fingerprint: near duplicates are found for PNG and JPEG images and \
                 UTF-8 text",
                args.file.display()
            ),
        )
        .into());
    }
    let request = SimilarRequest {
        image: prints.image,
        simhash: prints.simhash,
        minhash: prints.minhash,
        max_distance: Some(args.max_distance),
        min_similarity: Some(args.min_similarity),
        limit: None,
    };
    let client = context.client()?;
    let answer = client
        .similar(&request)
        .await
        .context("asking the node for near duplicates")?;
    #[derive(Serialize)]
    struct Shown<'a> {
        file: String,
        sha256: String,
        #[serde(flatten)]
        answer: &'a ailedger_client::dto::SimilarAnswer,
    }
    let shown = Shown {
        file: args.file.display().to_string(),
        sha256: sha256(&[&bytes]).to_string(),
        answer: &answer,
    };
    context.output.emit(&shown, || {
        let mut fields = Fields::new()
            .add("file", &shown.file)
            .add("indexed claims", answer.indexed)
            .add("matches", answer.matches.len());
        for found in &answer.matches {
            let measure = match (found.distance, found.similarity) {
                (Some(distance), _) => format!("{distance} bits apart"),
                (None, Some(similarity)) => format!("similarity {similarity:.2}"),
                _ => String::new(),
            };
            fields = fields.add(
                &format!("{} match", found.by),
                format!(
                    "{} ({measure}), {}",
                    found.claim.content,
                    claim_words(&found.claim)
                ),
            );
        }
        fields.render()
    })
}
