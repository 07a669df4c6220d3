//! Flags of the commands that speak other tools' formats: `dataset export-croissant`, `model
//! export-card`, `model summary`, and the Hugging Face card read by `model version register
//! --card`.

use super::{parse_hash_arg, provenance::TraversalArgs};
use ailedger_core::Hash;
use clap::Args;
use std::path::PathBuf;

/// `ailedger dataset export-croissant`.
#[derive(Debug, Args)]
pub(crate) struct CroissantArgs {
    /// The dataset's root.
    #[arg(value_parser = parse_hash_arg)]
    pub(crate) root: Hash,
    /// The dataset's files (a directory, or the single file), hashed again to list them: they
    /// must be exactly the registered dataset.
    pub(crate) path: PathBuf,
    /// Where to write the JSON-LD [default: standard output].
    #[arg(long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
    /// Where the files are served: each `contentUrl` is this plus the file's path [default:
    /// paths relative to the JSON-LD file].
    #[arg(long, value_name = "URL")]
    pub(crate) base_url: Option<String>,
    /// The dataset's web page [default: its source when that is a link].
    #[arg(long, value_name = "URL")]
    pub(crate) url: Option<String>,
    /// The description [default: one naming the ledger record].
    #[arg(long)]
    pub(crate) description: Option<String>,
    /// The citation [default: one naming the ledger record].
    #[arg(long)]
    pub(crate) cite_as: Option<String>,
    /// The dataset's version [default: 1.0.0].
    #[arg(long = "dataset-version", value_name = "VERSION")]
    pub(crate) version: Option<String>,
    /// The licence's link, for a LicenseRef-… whose registered text is not a link.
    #[arg(long, value_name = "URL")]
    pub(crate) license_url: Option<String>,
    /// The contributors are organizations, not people.
    #[arg(long)]
    pub(crate) organizations: bool,
    /// Leave out the record sets (columns and types) inferred from CSV files.
    #[arg(long)]
    pub(crate) no_record_sets: bool,
}

/// `ailedger model export-card`.
#[derive(Debug, Args)]
pub(crate) struct CardArgs {
    /// The version: its id or MODEL@VERSION.
    #[arg(value_parser = super::provenance::parse_version_ref)]
    pub(crate) version: super::VersionRef,
    /// Where to write the README [default: standard output].
    #[arg(long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
    /// A Hugging Face id for a parent model or a dataset: LEDGER=HUB, where LEDGER is a model
    /// name or a dataset root (repeatable) [default: the ledger's names].
    #[arg(long = "hub-id", value_name = "LEDGER=HUB", value_parser = parse_mapping)]
    pub(crate) hub_ids: Vec<(String, String)>,
    /// `license_link` when the licence is exported as `other`.
    #[arg(long, value_name = "URL")]
    pub(crate) license_link: Option<String>,
    /// `library_name` (e.g. transformers, onnx).
    #[arg(long)]
    pub(crate) library_name: Option<String>,
    /// `pipeline_tag` (e.g. image-classification).
    #[arg(long)]
    pub(crate) pipeline_tag: Option<String>,
    /// A language (ISO 639 code, repeatable).
    #[arg(long = "language")]
    pub(crate) languages: Vec<String>,
    /// A tag (repeatable).
    #[arg(long = "tag")]
    pub(crate) tags: Vec<String>,
    #[command(flatten)]
    pub(crate) traversal: TraversalArgs,
}

/// `ailedger model summary`.
#[derive(Debug, Args)]
pub(crate) struct SummaryArgs {
    /// The version: its id or MODEL@VERSION.
    #[arg(value_parser = super::provenance::parse_version_ref)]
    pub(crate) version: super::VersionRef,
    /// The provider's name (section 1.1).
    #[arg(long)]
    pub(crate) provider: String,
    /// The provider's contact details.
    #[arg(long)]
    pub(crate) contact: Option<String>,
    /// The authorised representative's name and contact, for a provider outside the Union.
    #[arg(long)]
    pub(crate) representative: Option<String>,
    /// When the model was placed on the Union market (e.g. 2026-08-02).
    #[arg(long, value_name = "DATE")]
    pub(crate) placed_on_market: Option<String>,
    /// A dataset's size measured outside the ledger: ROOT=N:tokens|images|hours (repeatable);
    /// text datasets are otherwise estimated from their bytes.
    #[arg(long = "measure", value_name = "ROOT=N:UNIT", value_parser = parse_measure)]
    pub(crate) measures: Vec<MeasureArg>,
    /// Where to write the Markdown [default: standard output].
    #[arg(long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) traversal: TraversalArgs,
}

/// A dataset size given with `--measure`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MeasureArg {
    pub(crate) root: Hash,
    pub(crate) amount: u64,
    pub(crate) unit: MeasureUnit,
}

/// The unit of a `--measure`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MeasureUnit {
    Tokens,
    Images,
    Hours,
}

/// `KEY=VALUE`, both non-empty.
pub(crate) fn parse_mapping(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() && !value.is_empty() => {
            Ok((key.to_owned(), value.to_owned()))
        }
        _ => Err("expected KEY=VALUE, both non-empty".to_owned()),
    }
}

fn parse_measure(text: &str) -> Result<MeasureArg, String> {
    let (root, size) = text
        .split_once('=')
        .ok_or("expected ROOT=N:UNIT, e.g. <root>=120000000:tokens")?;
    let root = parse_hash_arg(root)?;
    let (amount, unit) = size
        .split_once(':')
        .ok_or("expected N:UNIT after =, e.g. 120000000:tokens")?;
    let amount = amount
        .parse()
        .map_err(|_| format!("{amount:?} is not a whole number"))?;
    let unit = match unit {
        "tokens" => MeasureUnit::Tokens,
        "images" => MeasureUnit::Images,
        "hours" => MeasureUnit::Hours,
        _ => return Err(format!("unit {unit:?}: expected tokens, images or hours")),
    };
    Ok(MeasureArg { root, amount, unit })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_and_mappings_parse_and_refuse_malformed_text() {
        let root = "ab".repeat(32);
        let measure = parse_measure(&format!("{root}=120:tokens")).expect("valid");
        assert_eq!((measure.amount, measure.unit), (120, MeasureUnit::Tokens));
        for bad in [
            format!("{root}=120"),
            format!("{root}=x:tokens"),
            format!("{root}=120:words"),
            "zz=1:tokens".to_owned(),
            "120:tokens".to_owned(),
        ] {
            assert!(parse_measure(&bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_mapping("acme/base=org/base"),
            Ok(("acme/base".to_owned(), "org/base".to_owned()))
        );
        for bad in ["acme", "=x", "x="] {
            assert!(parse_mapping(bad).is_err(), "{bad}");
        }
    }
}
