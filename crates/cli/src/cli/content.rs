//! `ailedger content ...`: content credentials for AI-generated media and human-made works,
//! their claims on the chain, and near-duplicate lookup.

use super::{VersionRef, parse_duration, parse_key_name, provenance::parse_version_ref};
use clap::{Args, Subcommand, ValueEnum};
use std::{net::SocketAddr, num::NonZeroUsize, path::PathBuf, time::Duration};

/// `ailedger content ...`
#[derive(Debug, Subcommand)]
pub(crate) enum ContentCommand {
    /// A development PKI (root, intermediate, signer) for signing C2PA manifests.
    Ca {
        #[command(subcommand)]
        command: CaCommand,
    },
    /// Sign AI-generated content: a C2PA manifest in a PNG, JPEG or WAV file (or a .c2pa
    /// sidecar) naming the registered model version and the inference log's receipt; any other
    /// file gets a detached credential signed with the --from key.
    Sign(SignArgs),
    /// Attest a human-made work (digitalCapture, humanEdits): a C2PA manifest naming the creator,
    /// or a detached credential for other files; with --register, the claim goes on the chain
    /// with the time of its block, so that a later claim by someone else shows as later.
    Attest(AttestArgs),
    /// Verify a file's credential, and on the chain its model version, its receipt's log
    /// inclusion and anchor, and who claimed it first. Exit 0 if it holds, 3 if not.
    Verify(ContentVerifyArgs),
    /// Registered claims whose fingerprints are near this file's (re-encoded, resized or edited
    /// copies), from the node's index.
    Similar(SimilarArgs),
    /// Serve `content verify` over HTTP: `POST /v1/content/verify` with a PNG, JPEG or WAV
    /// file as the body (or a multipart form with the file and its sidecar manifest or
    /// detached credential) answers the report `content verify --json` prints, checked on the
    /// chain of --node. A process of its own, so that the node never compiles C2PA.
    Serve(ContentServeArgs),
}

/// `ailedger content ca ...`
#[derive(Debug, Subcommand)]
pub(crate) enum CaCommand {
    /// Write a root, an intermediate and an ES256 signer certificate with keys into --out; give
    /// verifiers root.pem with --trust.
    Init {
        /// The directory to write into (created; existing files are never overwritten).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The organization named in the certificates.
        #[arg(long, default_value = "ailedger development")]
        organization: String,
    },
}

/// The X.509 signer of a C2PA manifest.
#[derive(Debug, Args)]
pub(crate) struct SignerArgs {
    /// A directory written by `content ca init` (its signer-chain.pem and signer.key).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["cert_chain", "key"])]
    pub(crate) ca: Option<PathBuf>,
    /// The signer's certificate chain (signer first, then intermediates, no root).
    #[arg(long, value_name = "CHAIN.pem", requires = "key")]
    pub(crate) cert_chain: Option<PathBuf>,
    /// The signer's private key (PKCS#8 PEM).
    #[arg(long, value_name = "KEY.pem", requires = "cert_chain")]
    pub(crate) key: Option<PathBuf>,
}

/// Registering the claim on the chain.
#[derive(Debug, Args)]
pub(crate) struct RegisterArgs {
    /// Register the claim on the chain (waits for its block).
    #[arg(long)]
    pub(crate) register: bool,
    /// Name of the key that registers (and, for a detached credential or an attestation, signs
    /// as the creator).
    #[arg(long, value_parser = parse_key_name)]
    pub(crate) from: Option<String>,
    /// How long to wait for the registration's block.
    #[arg(long, value_parser = parse_duration, default_value = "30s")]
    pub(crate) timeout: Duration,
}

/// `ailedger content sign`.
#[derive(Debug, Args)]
pub(crate) struct SignArgs {
    /// The file (PNG, JPEG and WAV get a C2PA manifest; anything else a detached credential).
    pub(crate) file: PathBuf,
    /// The model version that generated it: its id or MODEL@VERSION (checked on the chain:
    /// registered and not revoked).
    #[arg(long, value_parser = parse_version_ref)]
    pub(crate) model: VersionRef,
    /// The inference log's receipt for the generation (`tlog-proof@v1`).
    #[arg(long, value_name = "RECEIPT")]
    pub(crate) receipt: Option<PathBuf>,
    /// The model edited an existing work rather than making it from nothing.
    #[arg(long)]
    pub(crate) edited: bool,
    /// Write the manifest to FILE.c2pa and leave the file byte-identical.
    #[arg(long)]
    pub(crate) sidecar: bool,
    /// Allow AI training and data mining on the content (the default reserves them).
    #[arg(long)]
    pub(crate) allow_training: bool,
    #[command(flatten)]
    pub(crate) signer: SignerArgs,
    #[command(flatten)]
    pub(crate) register: RegisterArgs,
}

/// How a person made a work (IPTC digital source types).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum SourceArg {
    /// Captured by a device (camera, microphone).
    #[value(name = "digitalCapture")]
    DigitalCapture,
    /// Made or edited by a person with ordinary tools.
    #[value(name = "humanEdits")]
    HumanEdits,
}

/// `ailedger content attest`.
#[derive(Debug, Args)]
pub(crate) struct AttestArgs {
    /// The work (PNG, JPEG and WAV get a C2PA manifest; anything else a detached credential).
    pub(crate) file: PathBuf,
    /// How it was made.
    #[arg(long, value_enum)]
    pub(crate) source: SourceArg,
    /// Write the manifest to FILE.c2pa and leave the file byte-identical.
    #[arg(long)]
    pub(crate) sidecar: bool,
    /// Allow AI training and data mining on the work (the default reserves them).
    #[arg(long)]
    pub(crate) allow_training: bool,
    #[command(flatten)]
    pub(crate) signer: SignerArgs,
    #[command(flatten)]
    pub(crate) register: RegisterArgs,
}

/// `ailedger content verify`.
#[derive(Debug, Args)]
pub(crate) struct ContentVerifyArgs {
    /// The file.
    pub(crate) file: PathBuf,
    /// Its C2PA sidecar [default: FILE.c2pa when it exists].
    #[arg(long, value_name = "FILE.c2pa")]
    pub(crate) sidecar: Option<PathBuf>,
    /// Its detached credential [default: FILE.credential.json when it exists].
    #[arg(long, value_name = "CREDENTIAL.json")]
    pub(crate) credential: Option<PathBuf>,
    /// Root certificates (PEM) a C2PA signer must chain to for the file to be trusted.
    #[arg(long, value_name = "ROOT.pem")]
    pub(crate) trust: Option<PathBuf>,
    /// Check the credential only, not the chain.
    #[arg(long)]
    pub(crate) offline: bool,
    /// URL of the inference log, for the consistency proof from the receipt's checkpoint to the
    /// anchored one.
    #[arg(long, value_name = "URL")]
    pub(crate) log: Option<String>,
}

/// `ailedger content serve`.
#[derive(Debug, Args)]
pub(crate) struct ContentServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8091")]
    pub(crate) listen: SocketAddr,
    /// Root certificates (PEM) a C2PA signer must chain to for a file to be trusted (repeat
    /// for several files).
    #[arg(long, value_name = "ROOT.pem")]
    pub(crate) trust: Vec<PathBuf>,
    /// Largest body accepted, in bytes (a multipart form's parts and framing together); a
    /// larger body is refused with 413.
    #[arg(long, value_name = "N", default_value_t = 32 << 20)]
    pub(crate) max_bytes: usize,
    /// Most verifications at once; further requests wait for one to finish before their body
    /// is read, so that bodies in memory stay within --max-bytes times N.
    #[arg(long, value_name = "N", default_value = "4")]
    pub(crate) max_concurrent: NonZeroUsize,
    /// URL of the inference log, for the consistency proof from a receipt's checkpoint to the
    /// anchored one.
    #[arg(long, value_name = "URL")]
    pub(crate) log: Option<String>,
}

/// `ailedger content similar`.
#[derive(Debug, Args)]
pub(crate) struct SimilarArgs {
    /// The file: an image (PNG, JPEG) or a text.
    pub(crate) file: PathBuf,
    /// Most differing bits of a 64-bit fingerprint.
    #[arg(long, default_value_t = 10)]
    pub(crate) max_distance: u32,
    /// Least estimated Jaccard similarity of a text's MinHash signature, 0 to 1.
    #[arg(long, default_value_t = 0.5)]
    pub(crate) min_similarity: f64,
}
