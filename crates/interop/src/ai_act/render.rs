//! Writing the summary's sections.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{
    BYTES_PER_TOKEN, DatasetSize, Lineage, ModalitySize, SECTIONS, SummaryOptions,
    TemplateModality, section_of,
};
use crate::markdown::{cell, code};
use crate::record::{
    DatasetRecord, Digest, ModelVersionRecord, SourceCategory, VersionStatus, date_utc, hex_digest,
    rfc3339_utc,
};

/// One section of the summary: its number in the template, its title and its Markdown body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SummarySection {
    /// The template's number (`1`, `2.3`, ...).
    pub number: &'static str,
    /// The template's title.
    pub title: &'static str,
    /// The section's Markdown (never empty: a section with no data says so).
    pub body: String,
}

/// The training-content summary of a model version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrainingContentSummary {
    /// The model version, as `model@version`.
    pub model: String,
    /// Its version id (hex).
    pub version_id: String,
    /// The template's sections, all of them, in order ([`super::SECTIONS`]).
    pub sections: Vec<SummarySection>,
    /// The training data size per template modality.
    pub modality_sizes: Vec<ModalitySize>,
    /// The annex: every ledger record cited, as Markdown.
    pub annex: String,
}

impl TrainingContentSummary {
    /// The section with this template number.
    pub fn section(&self, number: &str) -> Option<&SummarySection> {
        self.sections
            .iter()
            .find(|section| section.number == number)
    }

    /// The summary as a Markdown document.
    pub fn to_markdown(&self) -> String {
        let mut markdown = format!(
            "# Public summary of training content: {}\n\n\
             Summary of the content used to train the general-purpose AI model version {} \
             (EU AI Act, Article 53(1)(d)), following the AI Office's template of July 2025. \
             It was generated from the records of a provenance ledger: every statement taken from \
             the ledger ends with the record it comes from, `[dataset <root>]` for a dataset \
             registration and `[version <id>]` for a model version registration, and the items \
             listed under a cited entry come from that entry's record. Statements supplied by the \
             provider are marked as such. Where the ledger has no record of \
             something, the summary says so.\n",
            self.model,
            code(&self.model),
        );
        for section in &self.sections {
            let depth = section.number.matches('.').count() + 2;
            let dot = if depth == 2 { "." } else { "" };
            let _ = write!(
                markdown,
                "\n{} {}{dot} {}\n\n{}",
                "#".repeat(depth),
                section.number,
                section.title,
                section.body
            );
        }
        let _ = write!(
            markdown,
            "\n## Annex: ledger records cited\n\n{}",
            self.annex
        );
        markdown
    }
}

fn cite_dataset(root: &Digest) -> String {
    format!("[dataset `{}`]", hex_digest(root))
}

fn cite_version(id: &Digest) -> String {
    format!("[version `{}`]", hex_digest(id))
}

/// A number with thousands separators.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (digit_idx, digit) in digits.chars().enumerate() {
        if digit_idx > 0 && (digits.len() - digit_idx).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn label(version: &ModelVersionRecord) -> String {
    code(&version.label())
}

/// What the template calls a source category, for "no data" sentences.
fn category_noun(category: SourceCategory) -> &'static str {
    match category {
        SourceCategory::PublicDataset => "publicly available dataset",
        SourceCategory::Licensed => "dataset obtained from a third party",
        SourceCategory::Crawled => "crawled or scraped dataset",
        SourceCategory::UserData => "user dataset",
        SourceCategory::Synthetic => "synthetic dataset",
        SourceCategory::Other => "dataset from another kind of source",
    }
}

/// The host of a link, if the text is one.
fn link_host(text: &str) -> Option<&str> {
    let rest = text
        .trim()
        .strip_prefix("https://")
        .or_else(|| text.trim().strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = host.split(':').next()?;
    (!host.is_empty()).then_some(host)
}

fn size_phrase(dataset: &DatasetRecord, size: &DatasetSize) -> String {
    let leaves = match dataset.mode {
        crate::record::DatasetMode::Files => "files",
        crate::record::DatasetMode::Records => "records",
    };
    let ledger = format!(
        "{} bytes in {} {leaves}",
        grouped(dataset.total_bytes),
        grouped(dataset.leaf_count)
    );
    let unit = TemplateModality::of(dataset.modality)
        .unit()
        .map_or("", |unit| unit.as_str());
    match size {
        DatasetSize::Measured(n) => format!(
            "{ledger}; {} {unit} (measured by the provider)",
            grouped(*n)
        ),
        DatasetSize::Estimated(n) => format!(
            "{ledger}; about {} {unit} (estimated at {BYTES_PER_TOKEN} bytes per token)",
            grouped(*n)
        ),
        DatasetSize::Counted(n) => format!("{ledger}; {} {unit} (one per leaf)", grouped(*n)),
        DatasetSize::Unknown => ledger,
    }
}

/// The list entry of one dataset in section 2. The entry's first line cites the dataset; the
/// items under it come from that record, except "trained on by", which cites the versions.
fn dataset_entry(
    dataset: &DatasetRecord,
    size: &DatasetSize,
    used_by: &[&ModelVersionRecord],
) -> String {
    let mut entry = format!(
        "- **{}** {}\n",
        dataset.name.replace('*', "\\*"),
        cite_dataset(&dataset.root)
    );
    let _ = writeln!(entry, "  - Source: {}", code(dataset.source.trim()));
    if let Some(host) = link_host(&dataset.source) {
        let _ = writeln!(entry, "  - Domain: {}", code(host));
    }
    let _ = writeln!(
        entry,
        "  - Modality: {} ({} in the template)",
        dataset.modality,
        TemplateModality::of(dataset.modality).as_str()
    );
    let _ = writeln!(entry, "  - Size: {}", size_phrase(dataset, size));
    match dataset.collection {
        Some(period) => {
            let _ = writeln!(
                entry,
                "  - Collection period: {} to {}",
                rfc3339_utc(period.start_ms),
                rfc3339_utc(period.end_ms)
            );
        }
        None => {
            let _ = writeln!(entry, "  - Collection period: not recorded on the ledger");
        }
    }
    let _ = writeln!(
        entry,
        "  - Licence: {} (given as {})",
        code(&dataset.licence.expression),
        code(&dataset.licence.raw)
    );
    if dataset.contributors.is_empty() {
        let _ = writeln!(entry, "  - Contributors: none recorded");
    } else {
        let names: Vec<String> = dataset.contributors.iter().map(|c| code(c)).collect();
        let _ = writeln!(entry, "  - Contributors: {}", names.join(", "));
    }
    let _ = writeln!(
        entry,
        "  - Consent or opt-out evidence: {} digest(s) (see 3.1)",
        dataset.evidence.len()
    );
    let _ = writeln!(
        entry,
        "  - Registered at height {} ({}) by {}",
        dataset.height,
        rfc3339_utc(dataset.time_ms),
        code(&dataset.registrant)
    );
    let users: Vec<String> = used_by
        .iter()
        .map(|version| format!("{} {}", label(version), cite_version(&version.id)))
        .collect();
    let _ = writeln!(entry, "  - Trained on by: {}", users.join(", "));
    entry
}

/// Extra text of a data-source section, about what the template asks that the ledger lacks.
fn category_note(category: SourceCategory) -> &'static str {
    match category {
        SourceCategory::PublicDataset => "",
        SourceCategory::Licensed => {
            "The ledger's `licensed` category covers both datasets commercially licensed from \
             rightsholders or their representatives (2.2.1) and private datasets obtained from \
             other third parties (2.2.2); it does not record which of the two a dataset is.\n\n"
        }
        SourceCategory::Crawled => {
            "The ledger records each crawled dataset's source and collection period; it does not \
             record the crawlers used (names, user agents), their purpose and behaviour, or the \
             domain names crawled beyond the source's own. The provider must add the most \
             relevant domain names the template asks for.\n\n"
        }
        SourceCategory::UserData => {
            "The ledger does not record whether user data comes from interactions with the model \
             or from other services of the provider.\n\n"
        }
        SourceCategory::Synthetic => {
            "The ledger does not record which models generated the synthetic data, unless they \
             appear as ancestors in 1.2.\n\n"
        }
        SourceCategory::Other => "",
    }
}

pub(super) fn render(
    lineage: &Lineage<'_>,
    sizes: &BTreeMap<Digest, DatasetSize>,
    modality_sizes: Vec<ModalitySize>,
    options: &SummaryOptions,
) -> TrainingContentSummary {
    let model = lineage.model;
    let model_cite = cite_version(&model.id);
    let mut bodies: BTreeMap<&'static str, String> = BTreeMap::new();

    // 1. General information.
    bodies.insert(
        "1",
        format!(
            "Model version {} of the ledger chain {} {model_cite}.\n",
            label(model),
            code(&options.chain_id)
        ),
    );

    let mut provider = String::new();
    let contact = options
        .provider_contact
        .as_deref()
        .map(|contact| format!(", {contact}"))
        .unwrap_or_default();
    let _ = writeln!(
        provider,
        "- Provider name and contact details: {}{contact} (supplied by the provider)",
        if options.provider.is_empty() {
            "not given"
        } else {
            &options.provider
        }
    );
    let _ = writeln!(
        provider,
        "- Authorised representative: {}",
        options.authorised_representative.as_deref().map_or_else(
            || "none given (supplied by the provider)".to_owned(),
            |representative| format!("{representative} (supplied by the provider)")
        )
    );
    let _ = writeln!(
        provider,
        "- Ledger account that registered the version: {} {model_cite}",
        code(&model.registrant)
    );
    bodies.insert("1.1", provider);

    let mut identification = String::new();
    let _ = writeln!(
        identification,
        "- Versioned model name: {} (model {}, version {}), status {} {model_cite}",
        label(model),
        code(&model.model),
        code(&model.version),
        model.status.as_str()
    );
    let _ = writeln!(
        identification,
        "- Registered on the ledger at height {} ({}) {model_cite}",
        model.height,
        rfc3339_utc(model.time_ms)
    );
    let _ = writeln!(
        identification,
        "- Date of placement on the Union market: {}",
        options.placed_on_market.as_deref().map_or_else(
            || "not recorded on the ledger and not given".to_owned(),
            |date| format!("{date} (supplied by the provider)")
        )
    );
    if lineage.ancestors.is_empty() {
        let _ = writeln!(
            identification,
            "- Model dependencies: none; the version has no parent model on the ledger \
             {model_cite}"
        );
    } else {
        let _ = writeln!(
            identification,
            "- Model dependencies (every ancestor model version, nearest first):"
        );
        for ancestor in &lineage.ancestors {
            let children: Vec<String> = lineage
                .children
                .get(&ancestor.id)
                .map(|children| {
                    children
                        .iter()
                        .map(|(child, relation)| {
                            format!(
                                "{relation} parent of {} {}",
                                label(child),
                                cite_version(&child.id)
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let _ = writeln!(
                identification,
                "  - {}, status {}, licence {}; {} {}",
                label(ancestor),
                ancestor.status.as_str(),
                code(&ancestor.licence.expression),
                children.join("; "),
                cite_version(&ancestor.id)
            );
        }
    }
    bodies.insert("1.2", identification);

    let mut modalities = String::new();
    modalities.push_str(
        "| Modality | Present | Training data size (template range) | Basis |\n\
         |---|---|---|---|\n",
    );
    for size in &modality_sizes {
        let present = if size.datasets.is_empty() {
            "no"
        } else {
            "yes"
        };
        let (range, basis) = if size.datasets.is_empty() {
            (
                "not applicable".to_owned(),
                "no dataset of this modality reaches the model".to_owned(),
            )
        } else {
            let cites: Vec<String> = size.datasets.iter().map(cite_dataset).collect();
            match (size.modality.unit(), size.range) {
                (None, _) => (
                    "no template range".to_owned(),
                    format!("{} bytes {}", grouped(size.total_bytes), cites.join(" ")),
                ),
                (Some(unit), Some(range)) => (
                    range.label.to_owned(),
                    format!(
                        "{}{} {}{} {}",
                        if size.estimated { "about " } else { "" },
                        grouped(size.known_amount.unwrap_or(0)),
                        unit.as_str(),
                        if size.estimated {
                            format!(", estimated from bytes at {BYTES_PER_TOKEN} bytes per token")
                        } else {
                            String::new()
                        },
                        cites.join(" ")
                    ),
                ),
                (Some(unit), None) => {
                    let unknown: Vec<String> = size.unknown.iter().map(cite_dataset).collect();
                    let known = if size.unknown.len() < size.datasets.len() {
                        format!(
                            "; the other datasets add up to {} {}",
                            grouped(size.known_amount.unwrap_or(0)),
                            unit.as_str()
                        )
                    } else {
                        String::new()
                    };
                    (
                        "unknown".to_owned(),
                        format!(
                            "the ledger records bytes, not {}, for {}{known}; {} bytes in all {}",
                            unit.as_str(),
                            unknown.join(" "),
                            grouped(size.total_bytes),
                            cites.join(" ")
                        ),
                    )
                }
            }
        };
        let _ = writeln!(
            modalities,
            "| {} | {present} | {range} | {basis} |",
            size.modality.as_str()
        );
    }
    modalities.push('\n');
    if lineage.datasets.is_empty() {
        modalities.push_str(
            "- Types of content: no dataset reaches the model on the ledger.\n\
             - Latest date of data collection: unknown; no dataset reaches the model on the \
             ledger.\n",
        );
    } else {
        let mut by_modality: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for dataset in &lineage.datasets {
            by_modality
                .entry(dataset.modality.as_str())
                .or_default()
                .push(format!(
                    "{} {}",
                    code(&dataset.name),
                    cite_dataset(&dataset.root)
                ));
        }
        modalities.push_str("- Types of content (the ledger's modalities):\n");
        for (modality, names) in &by_modality {
            let _ = writeln!(modalities, "  - {modality}: {}", names.join(", "));
        }
        let latest = lineage
            .datasets
            .iter()
            .filter_map(|dataset| dataset.collection.map(|period| (period.end_ms, dataset)))
            .max_by_key(|(end_ms, _)| *end_ms);
        let undated: Vec<String> = lineage
            .datasets
            .iter()
            .filter(|dataset| dataset.collection.is_none())
            .map(|dataset| cite_dataset(&dataset.root))
            .collect();
        match latest {
            Some((end_ms, dataset)) => {
                let _ = write!(
                    modalities,
                    "- Latest date of data collection: {} {}",
                    date_utc(end_ms),
                    cite_dataset(&dataset.root)
                );
                if !undated.is_empty() {
                    let _ = write!(
                        modalities,
                        "; no collection period is recorded for {}",
                        undated.join(" ")
                    );
                }
                modalities.push('\n');
            }
            None => {
                let _ = writeln!(
                    modalities,
                    "- Latest date of data collection: unknown; no collection period is recorded \
                     for {}",
                    undated.join(" ")
                );
            }
        }
    }
    modalities.push_str(
        "- Linguistic characteristics: the ledger does not record the languages of the \
         training data.\n",
    );
    let total_bytes = lineage
        .datasets
        .iter()
        .fold(0u64, |sum, dataset| sum.saturating_add(dataset.total_bytes));
    let _ = writeln!(
        modalities,
        "- Other characteristics: {} dataset(s), {} bytes in all, reach the model through {} \
         model version(s) {model_cite}",
        lineage.datasets.len(),
        grouped(total_bytes),
        lineage.ancestors.len() + 1
    );
    bodies.insert("1.3", modalities);

    // 2. List of data sources.
    bodies.insert(
        "2",
        "Every dataset that reaches the model version (named by it or by an ancestor), in the \
         subsection of its source category as registered on the ledger.\n"
            .to_owned(),
    );
    for &category in SourceCategory::ALL {
        let members: Vec<&DatasetRecord> = lineage
            .datasets
            .iter()
            .copied()
            .filter(|dataset| dataset.source_category == category)
            .collect();
        let mut body = category_note(category).to_owned();
        if members.is_empty() {
            let _ = writeln!(
                body,
                "None: no {} reaches the model on the ledger {model_cite}.",
                category_noun(category)
            );
        } else {
            let _ = writeln!(body, "Used: yes, {} dataset(s).\n", members.len());
            for dataset in members {
                body.push_str(&dataset_entry(
                    dataset,
                    &sizes[&dataset.root],
                    &lineage.used_by[&dataset.root],
                ));
            }
        }
        bodies.insert(section_of(category), body);
    }

    // 3. Data processing aspects.
    bodies.insert(
        "3",
        "What the ledger records about how the training data was processed.\n".to_owned(),
    );
    let mut opt_outs = String::from(
        "The ledger records, for each dataset, the SHA-256 digests of consent or opt-out \
         evidence (for example robots.txt or TDM reservation snapshots taken at collection \
         time); the documents themselves are kept off the ledger. It does not record the \
         measures the provider took to honour reservations of rights; the provider must describe \
         them here.\n\n",
    );
    if lineage.datasets.is_empty() {
        let _ = writeln!(
            opt_outs,
            "No dataset reaches the model on the ledger {model_cite}."
        );
    }
    for dataset in &lineage.datasets {
        let cite = cite_dataset(&dataset.root);
        if dataset.evidence.is_empty() {
            let _ = writeln!(
                opt_outs,
                "- {}: no consent or opt-out evidence registered {cite}",
                code(&dataset.name)
            );
        } else {
            let digests: Vec<String> = dataset
                .evidence
                .iter()
                .map(|digest| code(&hex_digest(digest)))
                .collect();
            let _ = writeln!(
                opt_outs,
                "- {}: evidence {} {cite}",
                code(&dataset.name),
                digests.join(", ")
            );
        }
    }
    bodies.insert("3.1", opt_outs);
    bodies.insert(
        "3.2",
        "The ledger records nothing about measures taken to remove illegal content from the \
         training data; the provider must describe them here.\n"
            .to_owned(),
    );
    let mut other = String::from("Licences reaching the model version:\n\n");
    let _ = writeln!(
        other,
        "- {} (the version itself): {} (given as {}) {model_cite}",
        label(model),
        code(&model.licence.expression),
        code(&model.licence.raw)
    );
    for ancestor in &lineage.ancestors {
        let _ = writeln!(
            other,
            "- {} (ancestor): {} {}",
            label(ancestor),
            code(&ancestor.licence.expression),
            cite_version(&ancestor.id)
        );
    }
    for dataset in &lineage.datasets {
        let _ = writeln!(
            other,
            "- {} (dataset): {} {}",
            code(&dataset.name),
            code(&dataset.licence.expression),
            cite_dataset(&dataset.root)
        );
    }
    let withdrawn: Vec<String> = std::iter::once(model)
        .chain(lineage.ancestors.iter().copied())
        .filter_map(|version| match &version.status {
            VersionStatus::Active => None,
            VersionStatus::Deprecated(change) | VersionStatus::Revoked(change) => Some(format!(
                "- {} is {} since height {}: {} {}",
                label(version),
                version.status.as_str(),
                change.height,
                change.reason,
                cite_version(&version.id)
            )),
        })
        .collect();
    if withdrawn.is_empty() {
        let _ = writeln!(
            other,
            "\nNo version in the lineage is deprecated or revoked {model_cite}."
        );
    } else {
        let _ = writeln!(other, "\nVersions in the lineage that are not active:\n");
        for line in withdrawn {
            let _ = writeln!(other, "{line}");
        }
    }
    bodies.insert("3.3", other);

    let sections = SECTIONS
        .iter()
        .map(|&(number, title)| SummarySection {
            number,
            title,
            body: bodies
                .remove(number)
                .unwrap_or_else(|| "The ledger records nothing for this section.\n".to_owned()),
        })
        .collect();

    let mut annex = String::from("| Record | Id | Name | Height | Time |\n|---|---|---|---|---|\n");
    for version in std::iter::once(model).chain(lineage.ancestors.iter().copied()) {
        let _ = writeln!(
            annex,
            "| model version | `{}` | {} | {} | {} |",
            hex_digest(&version.id),
            cell(&label(version)),
            version.height,
            rfc3339_utc(version.time_ms)
        );
    }
    for dataset in &lineage.datasets {
        let _ = writeln!(
            annex,
            "| dataset | `{}` | {} | {} | {} |",
            hex_digest(&dataset.root),
            cell(&code(&dataset.name)),
            dataset.height,
            rfc3339_utc(dataset.time_ms)
        );
    }

    TrainingContentSummary {
        model: model.label(),
        version_id: hex_digest(&model.id),
        sections,
        modality_sizes,
        annex,
    }
}
