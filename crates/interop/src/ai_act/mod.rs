//! EU AI Act Art. 53(1)(d): the public summary of the content used to train a general-purpose AI
//! model, generated from a model version's lineage on the ledger, in the structure of the AI
//! Office's template (Explanatory Notice and Template for the Public Summary of Training
//! Content, July 2025).
//!
//! # Input
//!
//! The model version, every ancestor version (transitively, through `parents`) and every dataset
//! that reaches it (named by the version or by an ancestor), as the ledger's lineage query returns
//! them; plus what the ledger does not know: the provider's name and contact, the authorised
//! representative, the date of placement on the market, and measured sizes ([`SummaryOptions`]).
//! Every parent and dataset the lineage names must be given, and nothing else
//! ([`SummaryError`]), so the summary covers the whole lineage and only it.
//!
//! # Output
//!
//! [`TrainingContentSummary`]: the template's sections in order ([`SECTIONS`]), each always
//! present (a section with nothing to report says so and why), rendered as Markdown by
//! [`TrainingContentSummary::to_markdown`]:
//!
//! 1. General information: 1.1 provider, 1.2 model (versioned name, dependencies on ancestor
//!    models, placement date), 1.3 modalities and the training data size of each in the
//!    template's ranges ([`SIZE_RANGES`]), types of content, latest collection date.
//! 2. List of data sources, one subsection per source category ([`section_of`]): 2.1 publicly
//!    available datasets, 2.2 private datasets from third parties (the ledger's `licensed`), 2.3
//!    crawled and scraped data, 2.4 user data, 2.5 synthetic data, 2.6 other sources. Each dataset
//!    is listed with its source, modality, size, collection period, licence, contributors,
//!    evidence digests and the versions trained on it.
//! 3. Data processing aspects: 3.1 respect of reservations of rights (each dataset's consent and
//!    opt-out evidence digests), 3.2 removal of illegal content (the ledger records nothing; said
//!    so), 3.3 other information (every licence reaching the model, ancestors' statuses).
//!
//! Every statement derived from the ledger ends with the id of the record it comes from, as
//! `[dataset <root>]` or `[version <id>]`; statements supplied by the provider say so. An annex
//! lists every record cited.
//!
//! # Sizes
//!
//! The template asks for the training data size per modality in ranges: tokens for text, images
//! for images, hours for audio and video. The ledger records bytes and leaves (files or records),
//! so unless [`SummaryOptions::measured`] gives a measure: text (and code) is estimated at
//! [`BYTES_PER_TOKEN`] bytes per token, images are counted one per leaf, and audio and video are
//! left unknown (hours cannot be derived from bytes). The basis of every figure is stated.

//! ```
//! use ailedger_interop::ai_act::{SummaryOptions, training_content_summary};
//! # use ailedger_interop::record::*;
//! # let model = ModelVersionRecord {
//! #     id: [1; 32], model: "acme/digits".into(), version: "1.0".into(), files: vec![],
//! #     tensor_root: [0; 32], architecture: [0; 32], parents: vec![], datasets: vec![],
//! #     training: None, licence: Licence { expression: "MIT".into(), raw: "mit".into() },
//! #     status: VersionStatus::Active, registrant: "ab".repeat(32), height: 3, time_ms: 0,
//! # };
//! let options = SummaryOptions {
//!     chain_id: "ailedger-main".into(),
//!     provider: "ACME AI".into(),
//!     ..SummaryOptions::default()
//! };
//! let summary = training_content_summary(&model, &[], &[], &options)?;
//! assert!(summary.section("2.1").unwrap().body.starts_with("None: no publicly available dataset"));
//! let markdown = summary.to_markdown();
//! # Ok::<(), ailedger_interop::ai_act::SummaryError>(())
//! ```

mod render;

pub use render::{SummarySection, TrainingContentSummary};

use std::collections::{BTreeMap, BTreeSet};

use crate::record::{
    DatasetRecord, Digest, Modality, ModelVersionRecord, SourceCategory, hex_digest,
};

/// Bytes per token used to estimate a text dataset's tokens from its size (a common rule of
/// thumb for English text with BPE tokenizers; stated in the summary wherever used).
pub const BYTES_PER_TOKEN: u64 = 4;

/// The modalities of the template's section 1.3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TemplateModality {
    /// Text (the ledger's `text` and `code`).
    Text,
    /// Images.
    Image,
    /// Audio.
    Audio,
    /// Video.
    Video,
    /// Anything else (the ledger's `tabular`, `multimodal` and `other`).
    Other,
}

impl TemplateModality {
    /// Every modality, in the template's order.
    pub const ALL: &'static [Self] = &[
        Self::Text,
        Self::Image,
        Self::Audio,
        Self::Video,
        Self::Other,
    ];

    /// The template modality of a ledger modality.
    pub fn of(modality: Modality) -> Self {
        match modality {
            Modality::Text | Modality::Code => Self::Text,
            Modality::Image => Self::Image,
            Modality::Audio => Self::Audio,
            Modality::Video => Self::Video,
            Modality::Tabular | Modality::Multimodal | Modality::Other => Self::Other,
        }
    }

    /// The name in the template.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "Text",
            Self::Image => "Image",
            Self::Audio => "Audio",
            Self::Video => "Video",
            Self::Other => "Other",
        }
    }

    /// The unit the template measures this modality in, if it has ranges for it.
    pub fn unit(self) -> Option<Unit> {
        match self {
            Self::Text => Some(Unit::Tokens),
            Self::Image => Some(Unit::Images),
            Self::Audio | Self::Video => Some(Unit::Hours),
            Self::Other => None,
        }
    }
}

/// A unit of training data size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Unit {
    /// Tokens of text.
    Tokens,
    /// Images.
    Images,
    /// Hours of audio or video.
    Hours,
}

impl Unit {
    /// The unit's name, plural.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tokens => "tokens",
            Self::Images => "images",
            Self::Hours => "hours",
        }
    }
}

/// A size range of the template: `[min, max]` inclusive (`max = None`: unbounded) and its label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SizeRange {
    /// The smallest amount in the range.
    pub min: u64,
    /// The largest amount in the range, if bounded.
    pub max: Option<u64>,
    /// The template's wording.
    pub label: &'static str,
}

const fn range(min: u64, max: Option<u64>, label: &'static str) -> SizeRange {
    SizeRange { min, max, label }
}

/// The template's size ranges for each modality that has them (section 1.3, "Training data
/// size"). Boundaries are inclusive in the middle range: exactly 1 billion tokens is "1 billion
/// to 10 trillion tokens".
pub const SIZE_RANGES: &[(TemplateModality, [SizeRange; 3])] = &[
    (
        TemplateModality::Text,
        [
            range(0, Some(999_999_999), "Less than 1 billion tokens"),
            range(
                1_000_000_000,
                Some(10_000_000_000_000),
                "1 billion to 10 trillion tokens",
            ),
            range(10_000_000_000_001, None, "More than 10 trillion tokens"),
        ],
    ),
    (
        TemplateModality::Image,
        [
            range(0, Some(999_999), "Less than 1 million images"),
            range(
                1_000_000,
                Some(1_000_000_000),
                "1 million to 1 billion images",
            ),
            range(1_000_000_001, None, "More than 1 billion images"),
        ],
    ),
    (
        TemplateModality::Audio,
        [
            range(0, Some(9_999), "Less than 10,000 hours"),
            range(10_000, Some(10_000_000), "10,000 to 10 million hours"),
            range(10_000_001, None, "More than 10 million hours"),
        ],
    ),
    (
        TemplateModality::Video,
        [
            range(0, Some(999), "Less than 1,000 hours"),
            range(1_000, Some(1_000_000), "1,000 to 1 million hours"),
            range(1_000_001, None, "More than 1 million hours"),
        ],
    ),
];

/// The template's range for `amount` of a modality's unit, if the template has ranges for it.
pub fn size_range(modality: TemplateModality, amount: u64) -> Option<&'static SizeRange> {
    let (_, ranges) = SIZE_RANGES.iter().find(|(m, _)| *m == modality)?;
    ranges
        .iter()
        .find(|range| amount >= range.min && range.max.is_none_or(|max| amount <= max))
}

/// A size measured outside the ledger, for a dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// Tokens (text).
    Tokens(u64),
    /// Images.
    Images(u64),
    /// Hours (audio, video).
    Hours(u64),
}

impl Measure {
    fn unit(self) -> Unit {
        match self {
            Self::Tokens(_) => Unit::Tokens,
            Self::Images(_) => Unit::Images,
            Self::Hours(_) => Unit::Hours,
        }
    }

    fn amount(self) -> u64 {
        match self {
            Self::Tokens(n) | Self::Images(n) | Self::Hours(n) => n,
        }
    }
}

/// What the summary needs that the ledger does not record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SummaryOptions {
    /// The chain the records are on.
    pub chain_id: String,
    /// The provider's name (section 1.1).
    pub provider: String,
    /// The provider's contact details.
    pub provider_contact: Option<String>,
    /// The authorised representative's name and contact details, if the provider is established
    /// outside the Union.
    pub authorised_representative: Option<String>,
    /// When the model was placed on the Union market.
    pub placed_on_market: Option<String>,
    /// Sizes measured outside the ledger, by dataset root.
    pub measured: BTreeMap<Digest, Measure>,
}

/// The lineage given does not match what the model version names.
#[derive(Debug, thiserror::Error)]
pub enum SummaryError {
    /// A version names a parent that was not given.
    #[error("version {child} names parent {parent}, which is not among the ancestors given")]
    MissingAncestor {
        /// The child's version id (hex).
        child: String,
        /// The missing parent's version id (hex).
        parent: String,
    },
    /// A version names a dataset that was not given.
    #[error("version {version} names dataset {root}, which is not among the datasets given")]
    MissingDataset {
        /// The version id (hex).
        version: String,
        /// The missing dataset's root (hex).
        root: String,
    },
    /// A version given is not an ancestor of the model version.
    #[error("version {0} was given as an ancestor but is not in the model version's lineage")]
    UnrelatedVersion(String),
    /// A dataset given does not reach the model version.
    #[error("dataset {0} was given but no version in the lineage names it")]
    UnrelatedDataset(String),
    /// A measure's unit does not fit the dataset's modality.
    #[error("dataset {root} is {modality}, which is not measured in {unit}")]
    MeasureUnit {
        /// The dataset's root (hex).
        root: String,
        /// Its modality.
        modality: Modality,
        /// The measure's unit.
        unit: &'static str,
    },
}

/// The section of the template a source category's datasets are listed in.
pub fn section_of(category: SourceCategory) -> &'static str {
    match category {
        SourceCategory::PublicDataset => "2.1",
        SourceCategory::Licensed => "2.2",
        SourceCategory::Crawled => "2.3",
        SourceCategory::UserData => "2.4",
        SourceCategory::Synthetic => "2.5",
        SourceCategory::Other => "2.6",
    }
}

/// The template's sections, in order: number and title.
pub const SECTIONS: &[(&str, &str)] = &[
    ("1", "General information"),
    ("1.1", "Provider identification"),
    ("1.2", "Model identification"),
    (
        "1.3",
        "Modalities, overall training data size and other characteristics",
    ),
    ("2", "List of data sources"),
    ("2.1", "Publicly available datasets"),
    (
        "2.2",
        "Private non-publicly available datasets obtained from third parties",
    ),
    ("2.3", "Data crawled and scraped from online sources"),
    ("2.4", "User data"),
    ("2.5", "Synthetic data"),
    ("2.6", "Other sources of data"),
    ("3", "Data processing aspects"),
    (
        "3.1",
        "Respect of reservation of rights from text and data mining exception or limitation",
    ),
    ("3.2", "Removal of illegal content"),
    ("3.3", "Other information"),
];

/// The lineage of a model version, checked and put in a fixed order.
#[derive(Debug)]
pub(crate) struct Lineage<'a> {
    /// The model version.
    pub(crate) model: &'a ModelVersionRecord,
    /// Its ancestors, breadth first from the model (parents in their order).
    pub(crate) ancestors: Vec<&'a ModelVersionRecord>,
    /// Every dataset reaching it, in order of first mention (the model's first).
    pub(crate) datasets: Vec<&'a DatasetRecord>,
    /// For each dataset root, the versions that name it.
    pub(crate) used_by: BTreeMap<Digest, Vec<&'a ModelVersionRecord>>,
    /// For each ancestor id, its children in the lineage and the relation.
    pub(crate) children: BTreeMap<Digest, Vec<(&'a ModelVersionRecord, crate::record::Relation)>>,
}

impl<'a> Lineage<'a> {
    /// Walks the lineage from `model` through the records given, checking it is complete and
    /// that nothing else was given.
    pub(crate) fn new(
        model: &'a ModelVersionRecord,
        ancestors: &'a [ModelVersionRecord],
        datasets: &'a [DatasetRecord],
    ) -> Result<Self, SummaryError> {
        let versions_by_id: BTreeMap<Digest, &ModelVersionRecord> = ancestors
            .iter()
            .map(|version| (version.id, version))
            .collect();
        let datasets_by_root: BTreeMap<Digest, &DatasetRecord> = datasets
            .iter()
            .map(|dataset| (dataset.root, dataset))
            .collect();

        let mut lineage = Lineage {
            model,
            ancestors: Vec::new(),
            datasets: Vec::new(),
            used_by: BTreeMap::new(),
            children: BTreeMap::new(),
        };
        let mut seen_versions: BTreeSet<Digest> = BTreeSet::from([model.id]);
        let mut queue: Vec<&ModelVersionRecord> = vec![model];
        let mut queue_idx = 0;
        while let Some(version) = queue.get(queue_idx).copied() {
            queue_idx += 1;
            for root in &version.datasets {
                let Some(dataset) = datasets_by_root.get(root) else {
                    return Err(SummaryError::MissingDataset {
                        version: hex_digest(&version.id),
                        root: hex_digest(root),
                    });
                };
                let users = lineage.used_by.entry(*root).or_default();
                if users.is_empty() {
                    lineage.datasets.push(dataset);
                }
                if !users.iter().any(|user| user.id == version.id) {
                    users.push(version);
                }
            }
            for parent in &version.parents {
                let Some(parent_version) = versions_by_id.get(&parent.id) else {
                    return Err(SummaryError::MissingAncestor {
                        child: hex_digest(&version.id),
                        parent: hex_digest(&parent.id),
                    });
                };
                lineage
                    .children
                    .entry(parent.id)
                    .or_default()
                    .push((version, parent.relation));
                if seen_versions.insert(parent.id) {
                    lineage.ancestors.push(parent_version);
                    queue.push(parent_version);
                }
            }
        }
        if let Some(unrelated) = ancestors
            .iter()
            .find(|version| !seen_versions.contains(&version.id))
        {
            return Err(SummaryError::UnrelatedVersion(hex_digest(&unrelated.id)));
        }
        if let Some(unrelated) = datasets
            .iter()
            .find(|dataset| !lineage.used_by.contains_key(&dataset.root))
        {
            return Err(SummaryError::UnrelatedDataset(hex_digest(&unrelated.root)));
        }
        Ok(lineage)
    }
}

/// A dataset's size in its template modality's unit, and how it was obtained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum DatasetSize {
    /// Measured outside the ledger.
    Measured(u64),
    /// Estimated from the ledger's record (text: bytes / [`BYTES_PER_TOKEN`]).
    Estimated(u64),
    /// Counted from the ledger's record (images: one per leaf).
    Counted(u64),
    /// Not derivable from the ledger.
    Unknown,
}

impl DatasetSize {
    pub(crate) fn amount(&self) -> Option<u64> {
        match self {
            Self::Measured(n) | Self::Estimated(n) | Self::Counted(n) => Some(*n),
            Self::Unknown => None,
        }
    }
}

/// The size of one dataset in its template modality's unit.
pub(crate) fn dataset_size(
    dataset: &DatasetRecord,
    measured: Option<Measure>,
) -> Result<DatasetSize, SummaryError> {
    let modality = TemplateModality::of(dataset.modality);
    if let Some(measure) = measured {
        if modality.unit() != Some(measure.unit()) {
            return Err(SummaryError::MeasureUnit {
                root: hex_digest(&dataset.root),
                modality: dataset.modality,
                unit: measure.unit().as_str(),
            });
        }
        return Ok(DatasetSize::Measured(measure.amount()));
    }
    Ok(match modality {
        TemplateModality::Text => DatasetSize::Estimated(dataset.total_bytes / BYTES_PER_TOKEN),
        TemplateModality::Image => DatasetSize::Counted(dataset.leaf_count),
        TemplateModality::Audio | TemplateModality::Video | TemplateModality::Other => {
            DatasetSize::Unknown
        }
    })
}

/// The training data size of one template modality, over the datasets of that modality.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModalitySize {
    /// The modality.
    pub modality: TemplateModality,
    /// The datasets of this modality (roots).
    pub datasets: Vec<Digest>,
    /// The sum of the sizes known, in the modality's unit (`None` for `Other`).
    pub known_amount: Option<u64>,
    /// Datasets whose size in the unit is not known.
    pub unknown: Vec<Digest>,
    /// Whether any size is an estimate rather than a measure or a count.
    pub estimated: bool,
    /// The template range of the total, when every dataset's size is known.
    pub range: Option<&'static SizeRange>,
    /// The total bytes of these datasets, from the ledger.
    pub total_bytes: u64,
}

/// Generates the summary for `model`, given all its ancestors and all datasets reaching it.
pub fn training_content_summary(
    model: &ModelVersionRecord,
    ancestors: &[ModelVersionRecord],
    datasets: &[DatasetRecord],
    options: &SummaryOptions,
) -> Result<TrainingContentSummary, SummaryError> {
    let lineage = Lineage::new(model, ancestors, datasets)?;
    let mut sizes: BTreeMap<Digest, DatasetSize> = BTreeMap::new();
    for dataset in &lineage.datasets {
        let measured = options.measured.get(&dataset.root).copied();
        sizes.insert(dataset.root, dataset_size(dataset, measured)?);
    }
    let modality_sizes = TemplateModality::ALL
        .iter()
        .map(|&modality| {
            let members: Vec<&DatasetRecord> = lineage
                .datasets
                .iter()
                .copied()
                .filter(|dataset| TemplateModality::of(dataset.modality) == modality)
                .collect();
            let mut known_amount: u64 = 0;
            let mut unknown = Vec::new();
            let mut estimated = false;
            for dataset in &members {
                let size = &sizes[&dataset.root];
                estimated |= matches!(size, DatasetSize::Estimated(_));
                match size.amount() {
                    Some(amount) => known_amount = known_amount.saturating_add(amount),
                    None => unknown.push(dataset.root),
                }
            }
            let has_unit = modality.unit().is_some();
            ModalitySize {
                modality,
                datasets: members.iter().map(|dataset| dataset.root).collect(),
                known_amount: has_unit.then_some(known_amount),
                range: if has_unit && unknown.is_empty() && !members.is_empty() {
                    size_range(modality, known_amount)
                } else {
                    None
                },
                unknown,
                estimated,
                total_bytes: members
                    .iter()
                    .fold(0u64, |sum, dataset| sum.saturating_add(dataset.total_bytes)),
            }
        })
        .collect();
    Ok(render::render(&lineage, &sizes, modality_sizes, options))
}

#[cfg(test)]
mod tests;
