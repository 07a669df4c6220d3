//! Writing a model version's record as a README: Hub front matter and a short human body.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{BaseModelRelation, ModelCardError};
use crate::markdown::code;
use crate::record::{
    Digest, Licence, LicenceTerm, ModelVersionRecord, Relation, VersionStatus, hex_digest,
    rfc3339_utc,
};

/// Hub licence ids that are SPDX identifiers, lowercased (`Apache-2.0` → `apache-2.0`).
///
/// The GNU ones are the deprecated SPDX ids the Hub uses; the ledger stores them in their explicit
/// `-only` form, which [`hub_license`] maps back.
pub const HUB_SPDX_LICENSES: &[&str] = &[
    "afl-3.0",
    "agpl-3.0",
    "apache-2.0",
    "artistic-2.0",
    "bsd-2-clause",
    "bsd-3-clause",
    "bsd-3-clause-clear",
    "bsl-1.0",
    "cc-by-2.0",
    "cc-by-2.5",
    "cc-by-3.0",
    "cc-by-4.0",
    "cc-by-nc-2.0",
    "cc-by-nc-3.0",
    "cc-by-nc-4.0",
    "cc-by-nc-nd-3.0",
    "cc-by-nc-nd-4.0",
    "cc-by-nc-sa-2.0",
    "cc-by-nc-sa-3.0",
    "cc-by-nc-sa-4.0",
    "cc-by-nd-4.0",
    "cc-by-sa-3.0",
    "cc-by-sa-4.0",
    "cc0-1.0",
    "cdla-permissive-1.0",
    "cdla-permissive-2.0",
    "cdla-sharing-1.0",
    "ecl-2.0",
    "epl-1.0",
    "epl-2.0",
    "etalab-2.0",
    "eupl-1.1",
    "eupl-1.2",
    "gpl-2.0",
    "gpl-3.0",
    "isc",
    "lgpl-2.1",
    "lgpl-3.0",
    "lppl-1.3c",
    "mit",
    "mpl-2.0",
    "ms-pl",
    "ncsa",
    "ofl-1.1",
    "openmdw-1.0",
    "osl-3.0",
    "postgresql",
    "unlicense",
    "wtfpl",
    "zlib",
];

/// Hub licence ids with no SPDX identifier, which the ledger stores as `LicenseRef-<id>`
/// (`openrail++` as `LicenseRef-openrail-pp`).
pub const HUB_ONLY_LICENSES: &[&str] = &[
    "apple-amlr",
    "apple-ascl",
    "bigcode-openrail-m",
    "bigscience-bloom-rail-1.0",
    "bigscience-openrail-m",
    "bsd",
    "c-uda",
    "cc",
    "creativeml-openrail-m",
    "deepfloyd-if-license",
    "fair-noncommercial-research-license",
    "gemma",
    "gfdl",
    "gpl",
    "h-research",
    "intel-research",
    "lgpl",
    "lgpl-lr",
    "llama2",
    "llama3",
    "llama3.1",
    "llama3.2",
    "llama3.3",
    "llama4",
    "odbl",
    "odc-by",
    "openrail",
    "openrail++",
    "pddl",
    "unknown",
];

/// The `license`, `license_name` and `license_link` of a card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HubLicense {
    /// `license`: a Hub licence id, or `other`.
    pub license: String,
    /// `license_name`, with `other`: a lowercase slug of the licence.
    pub license_name: Option<String>,
    /// `license_link`, with `other`, when known.
    pub license_link: Option<String>,
}

/// A lowercase slug: letters, digits, `.` and `-`.
fn slug(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

/// The Hub's licence fields for a ledger licence.
///
/// - A single SPDX licence the Hub lists: its Hub id (`Apache-2.0` → `apache-2.0`,
///   `GPL-3.0-only` → `gpl-3.0`).
/// - A single `LicenseRef-<id>` where `<id>` is a Hub-only id: that id (`LicenseRef-llama3.1` →
///   `llama3.1`, `LicenseRef-openrail-pp` → `openrail++`).
/// - Anything else (an expression with `AND`/`OR`/`WITH`, an SPDX licence the Hub does not list,
///   another reference, `LicenseRef-other`): `other`, with `license_name` a slug of the licence
///   and `license_link` the link given, else the raw licence if it is a link, else the spdx.org
///   page of a single listed licence.
pub fn hub_license(licence: &Licence, license_link: Option<&str>) -> HubLicense {
    match licence.single_term() {
        Some(LicenceTerm::Listed(id)) => {
            let lower = id.to_ascii_lowercase();
            let hub_id = match lower.as_str() {
                "gpl-2.0-only" | "gpl-3.0-only" | "lgpl-2.1-only" | "lgpl-3.0-only"
                | "agpl-3.0-only" => lower.trim_end_matches("-only").to_owned(),
                _ => lower,
            };
            if HUB_SPDX_LICENSES.contains(&hub_id.as_str()) {
                return HubLicense {
                    license: hub_id,
                    license_name: None,
                    license_link: None,
                };
            }
        }
        Some(LicenceTerm::Reference(reference)) => {
            let id = reference.strip_prefix("LicenseRef-").unwrap_or(reference);
            let hub_id = if id == "openrail-pp" {
                "openrail++"
            } else {
                id
            };
            if HUB_ONLY_LICENSES.contains(&hub_id) {
                return HubLicense {
                    license: hub_id.to_owned(),
                    license_name: None,
                    license_link: None,
                };
            }
        }
        Some(LicenceTerm::Exception(_)) | None => {}
    }
    let name = match licence.single_term() {
        Some(LicenceTerm::Reference("LicenseRef-other")) => slug(&licence.raw),
        Some(LicenceTerm::Reference(reference)) => {
            slug(reference.strip_prefix("LicenseRef-").unwrap_or(reference))
        }
        _ => slug(&licence.expression),
    };
    let link = license_link
        .map(str::to_owned)
        .or_else(|| licence.raw_link().map(str::to_owned))
        .or_else(|| licence.single_term().and_then(|term| term.spdx_url()));
    HubLicense {
        license: "other".to_owned(),
        license_name: Some(if name.is_empty() {
            "other".to_owned()
        } else {
            name
        }),
        license_link: link,
    }
}

/// A parent of the version, with what the card says about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardParent {
    /// The parent's version id (as in the version's `parents`).
    pub id: Digest,
    /// The parent's model name on the ledger.
    pub model: String,
    /// The parent's version label.
    pub version: String,
    /// The parent's licence.
    pub licence: Licence,
    /// Its Hub repository id, if it has one; else `base_model` names the ledger model.
    pub hub_id: Option<String>,
}

/// A dataset of the version, with what the card says about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardDataset {
    /// The dataset's root (as in the version's `datasets`).
    pub root: Digest,
    /// The dataset's name on the ledger.
    pub name: String,
    /// The dataset's licence.
    pub licence: Licence,
    /// Its Hub dataset id, if it has one; else `datasets` names the ledger dataset.
    pub hub_id: Option<String>,
}

/// What a card needs besides the version's record, its parents and its datasets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CardOptions {
    /// The chain the records are on.
    pub chain_id: String,
    /// `license_link` when the licence is exported as `other`.
    pub license_link: Option<String>,
    /// `library_name`.
    pub library_name: Option<String>,
    /// `pipeline_tag`.
    pub pipeline_tag: Option<String>,
    /// `language`.
    pub language: Vec<String>,
    /// `tags`.
    pub tags: Vec<String>,
}

/// The Hub relation for a version's parents: their common relation when the Hub has it.
///
/// `distilled` has no Hub name, and parents with different relations cannot be said in one
/// `base_model_relation`; both leave it out (the body lists every relation).
pub fn hub_relation(relations: &[Relation]) -> Option<BaseModelRelation> {
    let first = *relations.first()?;
    if relations.iter().any(|relation| *relation != first) {
        return None;
    }
    match first {
        Relation::Finetune => Some(BaseModelRelation::Finetune),
        Relation::Adapter => Some(BaseModelRelation::Adapter),
        Relation::Merge => Some(BaseModelRelation::Merge),
        Relation::Quantized => Some(BaseModelRelation::Quantized),
        Relation::Distilled => None,
    }
}

/// Whether PyYAML (YAML 1.1, what the Hub reads cards with) and YAML 1.2 both read `text`
/// unquoted as this same string.
fn is_plain_safe(text: &str) -> bool {
    const SPECIAL: &[&str] = &[
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~",
    ];
    let Some(first) = text.chars().next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '_')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._/+-".contains(c))
        && !SPECIAL.contains(&text.to_ascii_lowercase().as_str())
}

/// A YAML scalar for `text`: plain when that is unambiguous, else double-quoted with every
/// character PyYAML would refuse escaped.
fn yaml_scalar(text: &str) -> String {
    if is_plain_safe(text) {
        return text.to_owned();
    }
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            '\r' => quoted.push_str("\\r"),
            ' '..='~' => quoted.push(c),
            // PyYAML accepts these printable characters as they are.
            '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'.. => quoted.push(c),
            _ => {
                let _ = write!(quoted, "\\u{:04x}", u32::from(c));
            }
        }
    }
    quoted.push('"');
    quoted
}

/// Appends `key: value`, or nothing when `value` is `None`.
fn push_field(yaml: &mut String, indent: &str, key: &str, value: Option<&str>) {
    if let Some(value) = value {
        let _ = writeln!(yaml, "{indent}{key}: {}", yaml_scalar(value));
    }
}

/// Appends `key:` and one `- item` line per item, or nothing when empty.
fn push_list(yaml: &mut String, indent: &str, key: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(yaml, "{indent}{key}:");
    for item in items {
        let _ = writeln!(yaml, "{indent}- {}", yaml_scalar(item));
    }
}

/// Writes a model version as a README: Hub front matter, then a short body (lineage, datasets
/// with their roots, licences, ledger ids).
///
/// The front matter has `license` (and `license_name`/`license_link`, see [`hub_license`]),
/// `base_model` (one id, or a list for several parents) and `base_model_relation` (see
/// [`hub_relation`]), `datasets`, the optional fields of [`CardOptions`], and an `ailedger`
/// mapping with the ledger ids (chain, version id, model, version, canonical licence
/// expression, tensor root, registration height, status, parents, dataset roots). Every
/// parent and dataset the version names must be given, in any order.
pub fn export_model_card(
    version: &ModelVersionRecord,
    parents: &[CardParent],
    datasets: &[CardDataset],
    options: &CardOptions,
) -> Result<String, ModelCardError> {
    let parents_by_id: BTreeMap<&Digest, &CardParent> =
        parents.iter().map(|parent| (&parent.id, parent)).collect();
    let datasets_by_root: BTreeMap<&Digest, &CardDataset> = datasets
        .iter()
        .map(|dataset| (&dataset.root, dataset))
        .collect();
    let mut version_parents = Vec::with_capacity(version.parents.len());
    for parent in &version.parents {
        let Some(card_parent) = parents_by_id.get(&parent.id) else {
            return Err(ModelCardError::MissingParent {
                id: hex_digest(&parent.id),
            });
        };
        version_parents.push((*card_parent, parent.relation));
    }
    let mut version_datasets = Vec::with_capacity(version.datasets.len());
    for root in &version.datasets {
        let Some(dataset) = datasets_by_root.get(root) else {
            return Err(ModelCardError::MissingDataset {
                root: hex_digest(root),
            });
        };
        version_datasets.push(*dataset);
    }

    let license = hub_license(&version.licence, options.license_link.as_deref());
    let base_models: Vec<String> = version_parents
        .iter()
        .map(|(parent, _)| {
            parent
                .hub_id
                .clone()
                .unwrap_or_else(|| parent.model.clone())
        })
        .collect();
    let relations: Vec<Relation> = version_parents
        .iter()
        .map(|(_, relation)| *relation)
        .collect();
    let relation = hub_relation(&relations);
    let dataset_ids: Vec<String> = version_datasets
        .iter()
        .map(|dataset| {
            dataset
                .hub_id
                .clone()
                .unwrap_or_else(|| dataset.name.clone())
        })
        .collect();
    let version_id = hex_digest(&version.id);

    let mut yaml = String::new();
    push_field(&mut yaml, "", "license", Some(&license.license));
    push_field(
        &mut yaml,
        "",
        "license_name",
        license.license_name.as_deref(),
    );
    push_field(
        &mut yaml,
        "",
        "license_link",
        license.license_link.as_deref(),
    );
    match base_models.as_slice() {
        [] => {}
        [base_model] => push_field(&mut yaml, "", "base_model", Some(base_model)),
        _ => push_list(&mut yaml, "", "base_model", &base_models),
    }
    push_field(
        &mut yaml,
        "",
        "base_model_relation",
        relation.map(BaseModelRelation::as_str),
    );
    push_list(&mut yaml, "", "datasets", &dataset_ids);
    push_field(
        &mut yaml,
        "",
        "library_name",
        options.library_name.as_deref(),
    );
    push_field(
        &mut yaml,
        "",
        "pipeline_tag",
        options.pipeline_tag.as_deref(),
    );
    push_list(&mut yaml, "", "language", &options.language);
    push_list(&mut yaml, "", "tags", &options.tags);
    yaml.push_str("ailedger:\n");
    push_field(&mut yaml, "  ", "chain_id", Some(&options.chain_id));
    push_field(&mut yaml, "  ", "version_id", Some(&version_id));
    push_field(&mut yaml, "  ", "model", Some(&version.model));
    push_field(&mut yaml, "  ", "version", Some(&version.version));
    push_field(
        &mut yaml,
        "  ",
        "licence_expression",
        Some(&version.licence.expression),
    );
    push_field(
        &mut yaml,
        "  ",
        "tensor_root",
        Some(&hex_digest(&version.tensor_root)),
    );
    let _ = writeln!(yaml, "  registration_height: {}", version.height);
    push_field(&mut yaml, "  ", "status", Some(version.status.as_str()));
    if !version_parents.is_empty() {
        yaml.push_str("  parents:\n");
        for (parent, relation) in &version_parents {
            let _ = writeln!(yaml, "  - id: {}", yaml_scalar(&hex_digest(&parent.id)));
            let _ = writeln!(yaml, "    relation: {}", yaml_scalar(relation.as_str()));
        }
    }
    let roots: Vec<String> = version_datasets
        .iter()
        .map(|dataset| hex_digest(&dataset.root))
        .collect();
    push_list(&mut yaml, "  ", "dataset_roots", &roots);

    let mut body = String::new();
    let _ = writeln!(body, "# {} {}\n", version.model, version.version);
    let _ = writeln!(
        body,
        "This card was generated from the records of the ailedger chain {}: model version {} \
         (id {}), registered at height {} ({}) by {}.",
        code(&options.chain_id),
        code(&version.label()),
        code(&version_id),
        version.height,
        rfc3339_utc(version.time_ms),
        code(&version.registrant),
    );
    match &version.status {
        VersionStatus::Active => {}
        VersionStatus::Deprecated(change) | VersionStatus::Revoked(change) => {
            let _ = writeln!(
                body,
                "\n**This version is {}** (at height {}): {}",
                version.status.as_str(),
                change.height,
                change.reason
            );
        }
    }
    body.push_str("\n## Lineage\n\n");
    if version_parents.is_empty() {
        body.push_str("This version has no parent model on the ledger.\n");
    }
    for (parent, relation) in &version_parents {
        let hub = parent
            .hub_id
            .as_ref()
            .map(|hub_id| format!(", Hub {}", code(hub_id)))
            .unwrap_or_default();
        let _ = writeln!(
            body,
            "- {} of {} (version id {}{hub})",
            relation,
            code(&format!("{}@{}", parent.model, parent.version)),
            code(&hex_digest(&parent.id)),
        );
    }
    body.push_str("\n## Training data\n\n");
    if version_datasets.is_empty() {
        body.push_str("This version names no dataset on the ledger.\n");
    }
    for dataset in &version_datasets {
        let hub = dataset
            .hub_id
            .as_ref()
            .map(|hub_id| format!(", Hub {}", code(hub_id)))
            .unwrap_or_default();
        let _ = writeln!(
            body,
            "- {} (dataset root {}{hub}), licence {}",
            code(&dataset.name),
            code(&hex_digest(&dataset.root)),
            code(&dataset.licence.expression),
        );
    }
    body.push_str("\n## Licences\n\n");
    let _ = writeln!(
        body,
        "- This version: {} (given as {})",
        code(&version.licence.expression),
        code(&version.licence.raw)
    );
    for (parent, _) in &version_parents {
        let _ = writeln!(
            body,
            "- Parent {}: {}",
            code(&format!("{}@{}", parent.model, parent.version)),
            code(&parent.licence.expression)
        );
    }
    for dataset in &version_datasets {
        let _ = writeln!(
            body,
            "- Dataset {}: {}",
            code(&dataset.name),
            code(&dataset.licence.expression)
        );
    }
    body.push_str("\n## Ledger record\n\n");
    let _ = writeln!(
        body,
        "- Tensor root: {}",
        code(&hex_digest(&version.tensor_root))
    );
    let _ = writeln!(
        body,
        "- Architecture digest: {}",
        code(&hex_digest(&version.architecture))
    );
    if let Some(training) = &version.training {
        let _ = writeln!(
            body,
            "- Training run: configuration {}, code commit {}, hardware {}",
            code(&hex_digest(&training.config)),
            code(&training.code_commit),
            code(&training.hardware)
        );
    }
    let _ = writeln!(body, "- Files ({}):", version.files.len());
    for file in &version.files {
        let _ = writeln!(
            body,
            "  - {} sha256 {}",
            code(&file.path),
            code(&hex_digest(&file.sha256))
        );
    }

    Ok(format!("---\n{yaml}---\n\n{body}"))
}
