//! `model version register --card README.md`: a Hugging Face model card's `license`,
//! `base_model`, `base_model_relation` and `datasets`, resolved to ledger records.
//!
//! The Hub names models and datasets by repository id; the ledger by version id and dataset
//! root. A card entry is taken as a ledger reference when it is one (a version id or
//! `MODEL@VERSION`, a model name whose latest version is meant, a dataset root), or through
//! an explicit `--card-map HUB=LEDGER`; anything else is refused by name rather than guessed.

use super::provenance::found;
use crate::{cli::VersionRef, failure::Failure};
use ailedger_client::{Client, encoding::parse_hash};
use ailedger_core::Hash;
use ailedger_interop::model_card::{BaseModelRelation, CardMetadata, parse_model_card};
use ailedger_state::provenance::{Relation, validate_model_name, version_id};
use anyhow::Context as _;
use std::{collections::BTreeMap, path::Path};

/// What a card adds to a version registration.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct CardLinks {
    /// The licence string to register (`license`, or `LicenseRef-<license_name>` for `other`).
    pub(super) licence: Option<String>,
    /// Parents with their relation.
    pub(super) parents: Vec<(VersionRef, Relation)>,
    /// Dataset roots.
    pub(super) datasets: Vec<Hash>,
}

fn card_error(path: &Path, message: impl std::fmt::Display) -> Failure {
    Failure::error("CARD_INVALID", format!("{}: {message}", path.display()))
}

/// Reads the card at `path` (its front matter is required).
pub(super) fn read_card(path: &Path) -> Result<CardMetadata, Failure> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        let code = if error.kind() == std::io::ErrorKind::NotFound {
            "FILE_NOT_FOUND"
        } else {
            "FILE_UNREADABLE"
        };
        Failure::error(code, format!("reading {}: {error}", path.display()))
    })?;
    parse_model_card(&text)
        .map_err(|error| card_error(path, error))?
        .metadata
        .ok_or_else(|| card_error(path, "the card has no front matter (--- ... ---) to read"))
}

/// The licence string a card gives, if any.
pub(super) fn card_licence(card: &CardMetadata) -> Option<String> {
    match (card.license.as_deref(), card.license_name.as_deref()) {
        (Some("other"), Some(name)) if !name.is_empty() => Some(format!("LicenseRef-{name}")),
        (Some(license), _) => Some(license.to_owned()),
        (None, _) => None,
    }
}

fn relation(relation: BaseModelRelation) -> Relation {
    match relation {
        BaseModelRelation::Adapter => Relation::Adapter,
        BaseModelRelation::Merge => Relation::Merge,
        BaseModelRelation::Quantized => Relation::Quantized,
        BaseModelRelation::Finetune => Relation::Finetune,
    }
}

/// The latest version of a registered model, or `None` if the name is not registered.
async fn latest_version(client: &Client, name: &str) -> anyhow::Result<Option<Hash>> {
    let Some(model) = found(client.model(name, false).await)
        .with_context(|| format!("looking up model {name:?}"))?
    else {
        return Ok(None);
    };
    let count = model.model.version_count;
    if count == 0 {
        return Ok(None);
    }
    let list = client
        .model_versions(name, count - 1, 1, false)
        .await
        .with_context(|| format!("versions of model {name:?}"))?;
    Ok(list.ids.last().copied())
}

/// A base model entry as a version of the ledger.
async fn base_model(
    client: &Client,
    path: &Path,
    entry: &str,
    map: &BTreeMap<&str, &str>,
) -> anyhow::Result<VersionRef> {
    let target = map.get(entry).copied().unwrap_or(entry);
    if let Ok(id) = parse_hash(target) {
        return Ok(VersionRef {
            id,
            text: target.to_owned(),
        });
    }
    if let Some((model, label)) = target.rsplit_once('@')
        && validate_model_name(model).is_ok()
    {
        return Ok(VersionRef {
            id: version_id(model, label),
            text: target.to_owned(),
        });
    }
    if validate_model_name(target).is_ok()
        && let Some(id) = latest_version(client, target).await?
    {
        return Ok(VersionRef {
            id,
            text: target.to_owned(),
        });
    }
    Err(Failure::error(
        "PARENT_NOT_FOUND",
        format!(
            "{}: base_model {entry:?} is not a version on the ledger (a version id, \
             MODEL@VERSION or a registered model name); map it with --card-map {entry}=MODEL@VERSION",
            path.display()
        ),
    )
    .into())
}

/// Resolves a card's links against the ledger.
pub(super) async fn card_links(
    client: &Client,
    path: &Path,
    card: &CardMetadata,
    map: &[(String, String)],
) -> anyhow::Result<CardLinks> {
    let map: BTreeMap<&str, &str> = map
        .iter()
        .map(|(hub, ledger)| (hub.as_str(), ledger.as_str()))
        .collect();
    let relation = match (card.base_model.is_empty(), card.base_model_relation) {
        (true, _) => None,
        (false, Some(hub)) => Some(relation(hub)),
        (false, None) => {
            return Err(card_error(
                path,
                "the card names base_model but no base_model_relation; add it to the card, \
                 or give the parents with --parent ID:RELATION",
            )
            .into());
        }
    };
    let mut parents = Vec::with_capacity(card.base_model.len());
    for entry in &card.base_model {
        let version = base_model(client, path, entry, &map).await?;
        parents.push((version, relation.unwrap_or(Relation::Finetune)));
    }
    let mut datasets = Vec::with_capacity(card.datasets.len());
    for entry in &card.datasets {
        let target = map.get(entry.as_str()).copied().unwrap_or(entry);
        let root = parse_hash(target).map_err(|_| {
            Failure::error(
                "DATASET_NOT_FOUND",
                format!(
                    "{}: dataset {entry:?} is not a dataset root; register it and map it with \
                     --card-map {entry}=ROOT",
                    path.display()
                ),
            )
        })?;
        datasets.push(root);
    }
    Ok(CardLinks {
        licence: card_licence(card),
        parents,
        datasets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hub_other_licence_becomes_a_licence_ref_by_its_name() {
        let mut card = CardMetadata {
            license: Some("other".into()),
            license_name: Some("acme-research".into()),
            ..CardMetadata::default()
        };
        assert_eq!(
            card_licence(&card).as_deref(),
            Some("LicenseRef-acme-research")
        );
        card.license_name = None;
        assert_eq!(card_licence(&card).as_deref(), Some("other"));
        card.license = Some("llama3.1".into());
        assert_eq!(card_licence(&card).as_deref(), Some("llama3.1"));
        card.license = None;
        assert_eq!(card_licence(&card), None);
    }

    #[test]
    fn cards_without_front_matter_or_with_broken_yaml_are_refused_by_name() {
        let dir = tempfile::tempdir().expect("temp dir");
        let plain = dir.path().join("README.md");
        std::fs::write(&plain, "# A model\n").expect("write");
        let error = read_card(&plain).expect_err("no front matter");
        assert_eq!(error.code, "CARD_INVALID");
        assert!(error.message.contains("no front matter"), "{error}");
        std::fs::write(&plain, "---\nlicense: [mit\n---\n").expect("write");
        assert_eq!(
            read_card(&plain).expect_err("bad yaml").code,
            "CARD_INVALID"
        );
        let missing = read_card(&dir.path().join("absent.md")).expect_err("missing");
        assert_eq!(missing.code, "FILE_NOT_FOUND");
    }
}
