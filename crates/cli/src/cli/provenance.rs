//! `ailedger dataset ...`, `ailedger model ...` and `ailedger verify`: their flags and the
//! parsers that check them (version references, parents, digests, collection periods).

use super::{AccountArg, parse_account, parse_duration, parse_hash_arg, parse_key_name};
use ailedger_client::encoding::parse_hash;
use ailedger_core::Hash;
use ailedger_state::provenance::{
    Modality, Relation, SourceCategory, validate_model_name, validate_version_label, version_id,
};
use clap::{Args, Subcommand, ValueEnum};
use std::{path::PathBuf, time::Duration};

/// How a provenance transaction is signed, paid and waited for.
#[derive(Debug, Args)]
pub(crate) struct TxArgs {
    /// Name of the key that signs and pays.
    #[arg(long, value_parser = parse_key_name)]
    pub(crate) from: String,
    /// Most gas the transaction may use; only what it uses is paid [default: a generous bound
    /// from the message's size and links].
    #[arg(long)]
    pub(crate) gas_limit: Option<u64>,
    /// Fee per unit of gas [default: the chain's minimum].
    #[arg(long)]
    pub(crate) gas_price: Option<u64>,
    /// Nonce [default: the account's next nonce at the node].
    #[arg(long)]
    pub(crate) nonce: Option<u64>,
    /// Wait until the transaction is committed and print its receipt.
    #[arg(long)]
    pub(crate) wait: bool,
    /// How long --wait waits (e.g. 30s, 500ms, 2m).
    #[arg(long, value_parser = parse_duration, default_value = "30s")]
    pub(crate) timeout: Duration,
}

/// `ailedger dataset ...`
#[derive(Debug, Subcommand)]
pub(crate) enum DatasetCommand {
    /// Hash a dataset locally and register its root, licence and source on chain.
    Register(Box<DatasetRegisterArgs>),
    /// Show a registered dataset, verified against a block's state root.
    Show {
        /// The dataset's root (64 hex digits).
        #[arg(value_parser = parse_hash_arg)]
        root: Hash,
    },
    /// List registered datasets, verified.
    List {
        /// Position of the first dataset.
        #[arg(long, default_value_t = 0)]
        offset: u64,
        /// Most datasets to show.
        #[arg(long, default_value_t = 20)]
        limit: u64,
    },
    /// Prove locally that a file or record is in a registered dataset, and check the proof
    /// against the registered root and leaf count (exit 3 if it does not verify).
    Prove(Box<DatasetProveArgs>),
    /// Check a saved proof against a registered dataset, without the data (exit 3 if it does
    /// not verify).
    VerifyProof {
        /// The proof file (hex or binary, as `dataset prove --out` writes it).
        file: PathBuf,
        /// The dataset's root.
        #[arg(long, value_parser = parse_hash_arg)]
        dataset: Hash,
    },
    /// Every model version trained on a dataset, directly or through its ancestors.
    Downstream(DownstreamArgs),
    /// Describe a registered dataset as Croissant 1.1 JSON-LD (`mlcroissant validate` accepts
    /// it), from its ledger record and its files.
    ExportCroissant(Box<super::CroissantArgs>),
}

/// A dataset's kind of source.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CategoryArg(pub(crate) SourceCategory);

/// A dataset's modality.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ModalityArg(pub(crate) Modality);

/// When a dataset was collected, in milliseconds since the Unix epoch (both ends inclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PeriodArg {
    pub(crate) start_ms: u64,
    pub(crate) end_ms: u64,
}

/// A digest given as 64 hex digits, or as a file whose SHA-256 it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum DigestArg {
    /// The digest itself.
    Hex(Hash),
    /// A file to hash.
    File(PathBuf),
}

/// `ailedger dataset register`.
#[derive(Debug, Args)]
pub(crate) struct DatasetRegisterArgs {
    /// The dataset: a directory, or a single file.
    pub(crate) path: PathBuf,
    /// A short name (1 to 128 bytes).
    #[arg(long)]
    pub(crate) name: String,
    /// The licence: an SPDX expression or a Hugging Face licence id (e.g. `cc-by-4.0`).
    #[arg(long)]
    pub(crate) licence: String,
    /// Where it comes from: a URL or words.
    #[arg(long)]
    pub(crate) source: String,
    /// public-dataset, licensed, crawled, user-data, synthetic or other.
    #[arg(long, value_parser = parse_category)]
    pub(crate) category: CategoryArg,
    /// text, image, audio, video, tabular, code, multimodal or other.
    #[arg(long, value_parser = parse_modality)]
    pub(crate) modality: ModalityArg,
    /// One leaf per record of its CSV and JSON Lines files instead of one per file.
    #[arg(long)]
    pub(crate) records: bool,
    /// A contributor (repeatable).
    #[arg(long = "contributor", value_name = "NAME")]
    pub(crate) contributors: Vec<String>,
    /// Consent or opt-out evidence: its SHA-256 (64 hex digits) or a file to hash (repeatable).
    #[arg(long = "consent-digest", value_name = "HEX|FILE", value_parser = parse_digest)]
    pub(crate) consent: Vec<DigestArg>,
    /// When it was collected: FROM..TO, each a date (2024-01-31, UTC), an RFC 3339 time
    /// (2024-01-31T12:00:00Z) or milliseconds since the epoch; a date as TO means its whole day.
    #[arg(long, value_name = "FROM..TO", value_parser = parse_period)]
    pub(crate) collected: Option<PeriodArg>,
    /// Follow symbolic links inside the directory instead of refusing them.
    #[arg(long)]
    pub(crate) follow_symlinks: bool,
    #[command(flatten)]
    pub(crate) tx: TxArgs,
}

/// Which leaf `dataset prove` proves.
#[derive(Debug, Args)]
#[group(required = true, multiple = true)]
pub(crate) struct LeafArgs {
    /// A file of a files-mode dataset, by its path relative to the dataset.
    #[arg(long, value_name = "REL", conflicts_with_all = ["record", "in_file", "index"])]
    pub(crate) file: Option<String>,
    /// A record of a records-mode dataset, by its position in the whole dataset (from 0).
    #[arg(long, value_name = "N", conflicts_with_all = ["file", "in_file", "index"])]
    pub(crate) record: Option<u64>,
    /// A record of a records-mode dataset, by its file (with --index).
    #[arg(long, value_name = "REL", requires = "index")]
    pub(crate) in_file: Option<String>,
    /// The record's position in the file given by --in-file (from 0).
    #[arg(long, value_name = "K", requires = "in_file")]
    pub(crate) index: Option<u64>,
}

/// How `dataset prove --out` writes the proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ProofFormat {
    /// Lowercase hex, one line.
    Hex,
    /// The binary encoding.
    Binary,
}

/// `ailedger dataset prove`.
#[derive(Debug, Args)]
pub(crate) struct DatasetProveArgs {
    /// The dataset as registered: a directory, or a single file.
    pub(crate) path: PathBuf,
    #[command(flatten)]
    pub(crate) leaf: LeafArgs,
    /// The registered dataset's root [default: the root PATH hashes to now].
    #[arg(long, value_parser = parse_hash_arg)]
    pub(crate) dataset: Option<Hash>,
    /// Write the proof to this file.
    #[arg(long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
    /// The proof file's format.
    #[arg(long, value_enum, default_value = "hex")]
    pub(crate) format: ProofFormat,
    /// Follow symbolic links inside the directory.
    #[arg(long)]
    pub(crate) follow_symlinks: bool,
}

/// Flags of the traversal queries.
#[derive(Debug, Args)]
pub(crate) struct TraversalArgs {
    /// Most records the query may visit.
    #[arg(long, default_value_t = 1_000)]
    pub(crate) max_nodes: u64,
    /// Ask for a proof of every state value read and verify the answer against the block's
    /// state root (at most 256 values).
    #[arg(long)]
    pub(crate) proofs: bool,
}

/// `dataset downstream`.
#[derive(Debug, Args)]
pub(crate) struct DownstreamArgs {
    /// The dataset's root.
    #[arg(value_parser = parse_hash_arg)]
    pub(crate) root: Hash,
    /// A proof that one file or record is in the dataset (`dataset prove --out`): checked
    /// first (exit 3 if it does not verify), so the answer is what that file or record reached.
    #[arg(long, value_name = "PROOF")]
    pub(crate) member: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) traversal: TraversalArgs,
}

/// A model version named on the command line: its id, or `MODEL@VERSION`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct VersionRef {
    /// The version id.
    pub(crate) id: Hash,
    /// How it was given.
    pub(crate) text: String,
}

/// A parent given as `REF:RELATION`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ParentArg {
    pub(crate) version: VersionRef,
    pub(crate) relation: Relation,
}

/// `ailedger model ...`
#[derive(Debug, Subcommand)]
pub(crate) enum ModelCommand {
    /// Claim a model name; the signer becomes its owner.
    Register {
        /// The name: lowercase letters, digits and . _ / - (e.g. acme/digits-mlp).
        #[arg(value_parser = parse_model_name)]
        name: String,
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Register and show model versions.
    Version {
        #[command(subcommand)]
        command: VersionCommand,
    },
    /// Show a model, verified.
    Show {
        /// The model's name.
        #[arg(value_parser = parse_model_name)]
        name: String,
    },
    /// List a model's versions, verified.
    Versions {
        /// The model's name.
        #[arg(value_parser = parse_model_name)]
        name: String,
        /// Position of the first version.
        #[arg(long, default_value_t = 0)]
        offset: u64,
        /// Most versions to show.
        #[arg(long, default_value_t = 50)]
        limit: u64,
    },
    /// Everything a version comes from: ancestors and datasets, transitively.
    Lineage {
        /// The version: its id or MODEL@VERSION.
        #[arg(value_parser = parse_version_ref)]
        version: VersionRef,
        #[command(flatten)]
        traversal: TraversalArgs,
    },
    /// Every licence reaching a version, checked against an intended use.
    Licences(Box<LicencesArgs>),
    /// Every version derived from a version.
    Downstream {
        /// The version: its id or MODEL@VERSION.
        #[arg(value_parser = parse_version_ref)]
        version: VersionRef,
        #[command(flatten)]
        traversal: TraversalArgs,
    },
    /// Mark a version deprecated (owner only).
    Deprecate(StatusArgs),
    /// Revoke a version for good (owner only).
    Revoke(StatusArgs),
    /// Give a model name, and the right to add versions, to another account.
    Transfer {
        /// The model's name.
        #[arg(value_parser = parse_model_name)]
        name: String,
        /// The new owner: an address or a key name.
        #[arg(long, value_parser = parse_account)]
        to: AccountArg,
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Sign a model directory as an OpenSSF Model Signing bundle (`model_signing verify key`
    /// accepts it).
    Sign {
        /// The model directory.
        dir: PathBuf,
        /// The P-256 private key (PEM: PKCS#8 or SEC1).
        #[arg(long, value_name = "KEY.pem")]
        key: PathBuf,
        /// Where to write the bundle.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Verify an OpenSSF Model Signing bundle against a directory and a public key (exit 3 if
    /// it does not verify), and optionally against a registered version's file digests.
    VerifySignature {
        /// The model directory.
        dir: PathBuf,
        /// The bundle.
        #[arg(long, value_name = "FILE")]
        signature: PathBuf,
        /// The signer's public key (PEM).
        #[arg(long, value_name = "KEY.pub")]
        public_key: PathBuf,
        /// Also check that the signed files are those of this registered version.
        #[arg(long, value_parser = parse_version_ref)]
        version: Option<VersionRef>,
    },
    /// Write a version's Hugging Face model card (README.md front matter: license, base_model,
    /// base_model_relation, datasets) from its ledger record and lineage.
    ExportCard(Box<super::CardArgs>),
    /// The EU AI Act Art. 53(1)(d) public summary of a version's training content, generated
    /// from its lineage (Markdown, in the sections of the AI Office's template).
    Summary(Box<super::SummaryArgs>),
    /// Generate a P-256 key pair for `model sign`.
    Keygen {
        /// Where to write the private key (PKCS#8 PEM, mode 0600; never overwritten).
        #[arg(long, value_name = "FILE")]
        out_private: PathBuf,
        /// Where to write the public key (PEM).
        #[arg(long, value_name = "FILE")]
        out_public: PathBuf,
    },
}

/// `ailedger model version ...`
#[derive(Debug, Subcommand)]
pub(crate) enum VersionCommand {
    /// Hash weights locally and register a version of a model you own.
    Register(Box<VersionRegisterArgs>),
    /// Show a version, verified.
    Show {
        /// The version: its id or MODEL@VERSION.
        #[arg(value_parser = parse_version_ref)]
        version: VersionRef,
    },
}

/// Where a version's weights are.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub(crate) struct WeightsArgs {
    /// Weight files (.safetensors, .gguf, .onnx): one model, or all its shards.
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub(crate) weights: Vec<PathBuf>,
    /// A model directory: every file is digested (as OpenSSF Model Signing does), and its
    /// weight files give the tensor root.
    #[arg(long, value_name = "DIR")]
    pub(crate) weights_dir: Option<PathBuf>,
}

/// `ailedger model version register`.
#[derive(Debug, Args)]
pub(crate) struct VersionRegisterArgs {
    /// The model's name (you must own it).
    #[arg(value_parser = parse_model_name)]
    pub(crate) name: String,
    /// The version label: 1 to 64 characters of [A-Za-z0-9._+-].
    #[arg(value_parser = parse_version_label)]
    pub(crate) version: String,
    #[command(flatten)]
    pub(crate) weights: WeightsArgs,
    /// The licence: an SPDX expression or a Hugging Face licence id [default: the card's].
    #[arg(long, required_unless_present = "card")]
    pub(crate) licence: Option<String>,
    /// A Hugging Face model card (README.md): its `license`, `base_model`,
    /// `base_model_relation` and `datasets` are registered too. A base model is a version id,
    /// MODEL@VERSION, or a model name (its latest version); a dataset is a root.
    #[arg(long, value_name = "README.md")]
    pub(crate) card: Option<PathBuf>,
    /// How a Hugging Face id in the card maps to the ledger: HUB=LEDGER, where LEDGER is a
    /// version (id or MODEL@VERSION) for a base model, or a root for a dataset (repeatable).
    #[arg(long = "card-map", value_name = "HUB=LEDGER", requires = "card", value_parser = super::export::parse_mapping)]
    pub(crate) card_map: Vec<(String, String)>,
    /// A parent: its id or MODEL@VERSION, then `:` and finetune, adapter, merge, quantized or
    /// distilled (repeatable).
    #[arg(long = "parent", value_name = "ID:RELATION", value_parser = parse_parent)]
    pub(crate) parents: Vec<ParentArg>,
    /// The root of a dataset it was trained on (repeatable).
    #[arg(long = "dataset", value_name = "ROOT", value_parser = parse_hash_arg)]
    pub(crate) datasets: Vec<Hash>,
    /// The architecture digest, or a file (e.g. config.json) to hash [default: SHA-256 of the
    /// tensor names, dtypes and shapes].
    #[arg(long, value_name = "HEX|FILE", value_parser = parse_digest)]
    pub(crate) architecture_digest: Option<DigestArg>,
    /// The training configuration file (its SHA-256 is registered).
    #[arg(long, value_name = "FILE")]
    pub(crate) training_config: Option<PathBuf>,
    /// The commit of the training code.
    #[arg(long, requires = "training_config")]
    pub(crate) code_commit: Option<String>,
    /// The hardware it was trained on.
    #[arg(long, requires = "training_config")]
    pub(crate) hardware: Option<String>,
    #[command(flatten)]
    pub(crate) tx: TxArgs,
}

/// `model licences`.
#[derive(Debug, Args)]
pub(crate) struct LicencesArgs {
    /// The version: its id or MODEL@VERSION.
    #[arg(value_parser = parse_version_ref)]
    pub(crate) version: VersionRef,
    /// Commercial use.
    #[arg(long)]
    pub(crate) commercial: bool,
    /// Sharing the weights (or weights derived from them).
    #[arg(long)]
    pub(crate) redistribute: bool,
    /// Fine-tuning, adapting, merging, quantising or distilling the version.
    #[arg(long)]
    pub(crate) derivatives: bool,
    /// Exit with status 4 if anything conflicts with the intended use.
    #[arg(long)]
    pub(crate) strict: bool,
    #[command(flatten)]
    pub(crate) traversal: TraversalArgs,
}

/// `model deprecate` and `model revoke`.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// The version: its id or MODEL@VERSION.
    #[arg(value_parser = parse_version_ref)]
    pub(crate) version: VersionRef,
    /// Why (1 to 512 bytes).
    #[arg(long)]
    pub(crate) reason: String,
    #[command(flatten)]
    pub(crate) tx: TxArgs,
}

/// `ailedger verify`.
#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// A file or a directory.
    pub(crate) path: PathBuf,
    /// Claim: PATH is this registered dataset, or a file in it (exit 3 if not).
    #[arg(long, value_parser = parse_hash_arg)]
    pub(crate) dataset: Option<Hash>,
    /// Claim: PATH holds the weights of this registered version (exit 3 if not).
    #[arg(long, value_parser = parse_version_ref)]
    pub(crate) version: Option<VersionRef>,
}

fn parse_category(text: &str) -> Result<CategoryArg, String> {
    text.parse().map(CategoryArg).map_err(|_| {
        "expected public-dataset, licensed, crawled, user-data, synthetic or other".to_owned()
    })
}

fn parse_modality(text: &str) -> Result<ModalityArg, String> {
    text.parse().map(ModalityArg).map_err(|_| {
        "expected text, image, audio, video, tabular, code, multimodal or other".to_owned()
    })
}

fn parse_model_name(text: &str) -> Result<String, String> {
    validate_model_name(text).map_err(|error| error.to_string())?;
    Ok(text.to_owned())
}

fn parse_version_label(text: &str) -> Result<String, String> {
    validate_version_label(text).map_err(|error| error.to_string())?;
    Ok(text.to_owned())
}

/// A version id (64 hex digits) or `MODEL@VERSION`.
pub(crate) fn parse_version_ref(text: &str) -> Result<VersionRef, String> {
    if let Ok(id) = parse_hash(text) {
        return Ok(VersionRef {
            id,
            text: text.to_owned(),
        });
    }
    let Some((model, version)) = text.rsplit_once('@') else {
        return Err("expected a version id (64 hex digits) or MODEL@VERSION".to_owned());
    };
    parse_model_name(model)?;
    parse_version_label(version)?;
    Ok(VersionRef {
        id: version_id(model, version),
        text: text.to_owned(),
    })
}

fn parse_parent(text: &str) -> Result<ParentArg, String> {
    let Some((version, relation)) = text.rsplit_once(':') else {
        return Err("expected ID:RELATION, e.g. acme/base@1.0:finetune".to_owned());
    };
    let relation = relation.parse().map_err(|_| {
        format!("unknown relation {relation:?}: finetune, adapter, merge, quantized or distilled")
    })?;
    Ok(ParentArg {
        version: parse_version_ref(version)?,
        relation,
    })
}

fn parse_digest(text: &str) -> Result<DigestArg, String> {
    if text.len() == 64
        && let Ok(hash) = parse_hash(text)
    {
        return Ok(DigestArg::Hex(hash));
    }
    if text.is_empty() {
        return Err("expected 64 hex digits or a file".to_owned());
    }
    Ok(DigestArg::File(PathBuf::from(text)))
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

const DAY_MS: u64 = 86_400_000;

/// One end of a period: milliseconds, and whether it was a whole date.
fn parse_instant(text: &str) -> Result<(u64, bool), String> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse()
            .map(|ms| (ms, false))
            .map_err(|_| format!("{text:?} is too large"));
    }
    let bad = || {
        format!("invalid time {text:?}: expected 2024-01-31, 2024-01-31T12:00:00Z or milliseconds")
    };
    let (date, time) = match text.split_once('T') {
        Some((date, time)) => (date, Some(time)),
        None => (text, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return Err(bad());
    };
    let number = |part: &str, len: usize| -> Result<u32, String> {
        if part.len() != len || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        part.parse().map_err(|_| bad())
    };
    let (year, month, day) = (number(year, 4)?, number(month, 2)?, number(day, 2)?);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if day == 0 || day > days_in_month {
        return Err(bad());
    }
    let days = days_from_civil(i64::from(year), month, day);
    let days = u64::try_from(days).map_err(|_| format!("{text:?} is before 1970"))?;
    let mut ms = days * DAY_MS;
    let Some(time) = time else {
        return Ok((ms, true));
    };
    let time = time.strip_suffix('Z').ok_or_else(bad)?;
    let parts: Vec<&str> = time.split(':').collect();
    let [hour, minute, second] = parts.as_slice() else {
        return Err(bad());
    };
    let (hour, minute, second) = (number(hour, 2)?, number(minute, 2)?, number(second, 2)?);
    if hour > 23 || minute > 59 || second > 59 {
        return Err(bad());
    }
    ms += (u64::from(hour) * 3_600 + u64::from(minute) * 60 + u64::from(second)) * 1_000;
    Ok((ms, false))
}

fn parse_period(text: &str) -> Result<PeriodArg, String> {
    let Some((from, to)) = text.split_once("..") else {
        return Err("expected FROM..TO, e.g. 2023-01-01..2023-12-31".to_owned());
    };
    let (start_ms, _) = parse_instant(from)?;
    let (end_ms, whole_day) = parse_instant(to)?;
    let end_ms = if whole_day {
        end_ms + DAY_MS - 1
    } else {
        end_ms
    };
    if start_ms > end_ms {
        return Err(format!("the period ends ({to}) before it starts ({from})"));
    }
    Ok(PeriodArg { start_ms, end_ms })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("ailedger").chain(args.iter().copied()))
    }

    #[test]
    fn provenance_commands_parse_their_checked_values() {
        let digest = "ab".repeat(32);
        let cli = parse(&[
            "dataset",
            "register",
            "data",
            "--name",
            "n",
            "--licence",
            "cc-by-4.0",
            "--source",
            "s",
            "--category",
            "crawled",
            "--modality",
            "text",
            "--records",
            "--contributor",
            "a",
            "--contributor",
            "b",
            "--consent-digest",
            &digest,
            "--consent-digest",
            "robots.txt",
            "--collected",
            "2020-01-01..2020-12-31",
            "--from",
            "dev",
            "--wait",
        ])
        .expect("parses");
        let Command::Dataset {
            command: DatasetCommand::Register(args),
        } = cli.command
        else {
            panic!("not a dataset registration")
        };
        assert!(args.records && args.tx.wait);
        assert_eq!(args.category.0, SourceCategory::Crawled);
        assert_eq!(args.contributors, ["a", "b"]);
        assert_eq!(args.consent.len(), 2);
        assert_eq!(args.tx.gas_limit, None);
        assert!(args.collected.is_some());

        let cli = parse(&[
            "model",
            "version",
            "register",
            "acme/m",
            "1.0",
            "--weights",
            "a.onnx",
            "b.onnx",
            "--licence",
            "MIT",
            "--parent",
            "acme/m@0.9:finetune",
            "--dataset",
            &digest,
            "--training-config",
            "train.yaml",
            "--code-commit",
            "abc",
            "--from",
            "dev",
        ])
        .expect("parses");
        let Command::Model {
            command:
                ModelCommand::Version {
                    command: VersionCommand::Register(args),
                },
        } = cli.command
        else {
            panic!("not a version registration")
        };
        assert_eq!(args.weights.weights.len(), 2);
        assert_eq!(args.parents[0].version.id, version_id("acme/m", "0.9"));
        assert_eq!(args.datasets.len(), 1);

        for ok in [
            &["dataset", "prove", "p", "--record", "3"][..],
            &[
                "dataset",
                "prove",
                "p",
                "--in-file",
                "a.csv",
                "--index",
                "2",
            ],
            &[
                "dataset", "prove", "p", "--file", "a.txt", "--out", "f", "--format", "binary",
            ],
            &[
                "model",
                "licences",
                "acme/m@1",
                "--commercial",
                "--strict",
                "--proofs",
            ],
            &["verify", "x", "--version", "acme/m@1"],
        ] {
            parse(ok).unwrap_or_else(|error| panic!("{ok:?}: {error}"));
        }
    }

    #[test]
    fn bad_provenance_flags_are_usage_errors() {
        let base = [
            "dataset",
            "register",
            "d",
            "--name",
            "n",
            "--licence",
            "MIT",
            "--source",
            "s",
            "--from",
            "dev",
        ];
        let with = |more: &[&'static str]| -> Vec<&'static str> {
            base.iter().copied().chain(more.iter().copied()).collect()
        };
        let cases: Vec<Vec<&str>> = vec![
            with(&["--category", "nope", "--modality", "text"]),
            with(&["--category", "other", "--modality", "smell"]),
            with(&[
                "--category",
                "other",
                "--modality",
                "text",
                "--collected",
                "2020-02-30..2020-03-01",
            ]),
            with(&["--category", "other"]),
            vec!["model", "register", "Acme/M", "--from", "dev"],
            vec![
                "model",
                "version",
                "register",
                "acme/m",
                "1 0",
                "--weights",
                "a",
                "--licence",
                "MIT",
                "--from",
                "dev",
            ],
            vec![
                "model",
                "version",
                "register",
                "acme/m",
                "1",
                "--licence",
                "MIT",
                "--from",
                "dev",
            ],
            vec![
                "model",
                "version",
                "register",
                "acme/m",
                "1",
                "--weights",
                "a",
                "--weights-dir",
                "d",
                "--licence",
                "MIT",
                "--from",
                "dev",
            ],
            vec![
                "model",
                "version",
                "register",
                "acme/m",
                "1",
                "--weights",
                "a",
                "--licence",
                "MIT",
                "--parent",
                "acme/m@0",
                "--from",
                "dev",
            ],
            vec![
                "model",
                "version",
                "register",
                "acme/m",
                "1",
                "--weights",
                "a",
                "--licence",
                "MIT",
                "--code-commit",
                "c",
                "--from",
                "dev",
            ],
            vec!["dataset", "prove", "p"],
            vec!["dataset", "prove", "p", "--file", "a", "--record", "1"],
            vec!["dataset", "prove", "p", "--in-file", "a"],
            vec!["model", "licences", "not-a-version"],
            vec!["verify", "x", "--dataset", "00"],
        ];
        for args in &cases {
            let error = parse(args).expect_err(&format!("{args:?} parsed"));
            assert_eq!(error.exit_code(), 2, "{args:?}: {error}");
        }
    }

    #[test]
    fn versions_are_ids_or_model_at_label() {
        let id = version_id("acme/base", "1.0");
        assert_eq!(parse_version_ref(&id.to_string()).map(|v| v.id), Ok(id));
        assert_eq!(parse_version_ref("acme/base@1.0").map(|v| v.id), Ok(id));
        assert!(parse_version_ref("acme/base").is_err());
        assert!(parse_version_ref("Acme@1").is_err());
        assert!(parse_version_ref("acme@1 0").is_err());
        let parent = parse_parent("acme/base@1.0:quantized").expect("parses");
        assert_eq!(
            (parent.version.id, parent.relation),
            (id, Relation::Quantized)
        );
        assert!(parse_parent("acme/base@1.0:copied").is_err());
        assert!(parse_parent("acme/base@1.0").is_err());
    }

    #[test]
    fn periods_are_dates_times_or_milliseconds() {
        assert_eq!(
            parse_period("1970-01-01..1970-01-01"),
            Ok(PeriodArg {
                start_ms: 0,
                end_ms: DAY_MS - 1
            })
        );
        assert_eq!(
            parse_period("2024-03-01T00:00:01Z..1709251201001"),
            Ok(PeriodArg {
                start_ms: 1_709_251_201_000,
                end_ms: 1_709_251_201_001
            })
        );
        assert_eq!(
            parse_period("2000-02-29..2000-03-01").map(|p| p.start_ms),
            Ok(951_782_400_000)
        );
        for bad in [
            "2024-01-01",
            "2024-13-01..2024-12-01",
            "2023-02-29..2023-03-01",
            "2024-02-01..2024-01-01",
            "1969-12-31..1970-01-01",
            "2024-1-1..2024-01-02",
            "2024-01-01T25:00:00Z..2024-01-02",
        ] {
            assert!(parse_period(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn digests_are_hex_or_files() {
        let hex = "ab".repeat(32);
        assert!(matches!(parse_digest(&hex), Ok(DigestArg::Hex(_))));
        assert_eq!(
            parse_digest("config.json"),
            Ok(DigestArg::File(PathBuf::from("config.json")))
        );
    }
}
