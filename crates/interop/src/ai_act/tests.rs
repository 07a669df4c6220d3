//! The summary's structure: every section present, each dataset in its category's section,
//! sizes in the template's ranges, traceable statements, and refusals of a wrong lineage.

use super::*;
use crate::record::{
    CollectionPeriod, DatasetMode, Licence, ParentRef, Relation, StatusChange, VersionStatus,
};

fn licence(expression: &str) -> Licence {
    Licence {
        expression: expression.to_owned(),
        raw: expression.to_ascii_lowercase(),
    }
}

fn dataset(
    byte: u8,
    name: &str,
    category: SourceCategory,
    modality: Modality,
    total_bytes: u64,
) -> DatasetRecord {
    DatasetRecord {
        root: [byte; 32],
        name: name.to_owned(),
        manifest_digest: [byte ^ 0xff; 32],
        leaf_count: 1_000,
        total_bytes,
        mode: DatasetMode::Files,
        licence: licence("CC-BY-4.0"),
        source: format!("https://{name}.example.org/data"),
        source_category: category,
        modality,
        collection: None,
        contributors: Vec::new(),
        evidence: Vec::new(),
        registrant: "aa".repeat(32),
        height: u64::from(byte),
        time_ms: 1_764_064_800_000,
    }
}

fn version(
    byte: u8,
    model: &str,
    parents: &[(u8, Relation)],
    datasets: &[u8],
) -> ModelVersionRecord {
    ModelVersionRecord {
        id: [byte; 32],
        model: model.to_owned(),
        version: "1.0".to_owned(),
        files: Vec::new(),
        tensor_root: [0; 32],
        architecture: [0; 32],
        parents: parents
            .iter()
            .map(|&(id, relation)| ParentRef {
                id: [id; 32],
                relation,
            })
            .collect(),
        datasets: datasets.iter().map(|&root| [root; 32]).collect(),
        training: None,
        licence: licence("Apache-2.0"),
        status: VersionStatus::Active,
        registrant: "bb".repeat(32),
        height: 100 + u64::from(byte),
        time_ms: 1_764_064_800_000,
    }
}

/// A lineage with a dataset of every category: `acme/chat` (0xc0) is a finetune of `acme/base`
/// (0xb0), which was distilled from `other/teacher` (0xa0).
struct Fixture {
    model: ModelVersionRecord,
    ancestors: Vec<ModelVersionRecord>,
    datasets: Vec<DatasetRecord>,
}

fn fixture() -> Fixture {
    let mut web = dataset(
        0x03,
        "web",
        SourceCategory::Crawled,
        Modality::Text,
        8_000_000_000,
    );
    web.collection = Some(CollectionPeriod {
        start_ms: 1_704_067_200_000,
        end_ms: 1_735_603_200_000,
    });
    web.evidence = vec![[0xe1; 32], [0xe2; 32]];
    let mut books = dataset(
        0x02,
        "books",
        SourceCategory::Licensed,
        Modality::Text,
        2_000_000_000,
    );
    books.collection = Some(CollectionPeriod {
        start_ms: 1_577_836_800_000,
        end_ms: 1_609_372_800_000,
    });
    Fixture {
        model: version(
            0xc0,
            "acme/chat",
            &[(0xb0, Relation::Finetune)],
            &[0x04, 0x05],
        ),
        ancestors: vec![
            version(
                0xb0,
                "acme/base",
                &[(0xa0, Relation::Distilled)],
                &[0x01, 0x02, 0x03],
            ),
            version(0xa0, "other/teacher", &[], &[0x06, 0x01]),
        ],
        datasets: vec![
            dataset(
                0x01,
                "digits",
                SourceCategory::PublicDataset,
                Modality::Image,
                5_000_000,
            ),
            books,
            web,
            dataset(
                0x04,
                "chats",
                SourceCategory::UserData,
                Modality::Audio,
                1_000_000,
            ),
            dataset(
                0x05,
                "generated",
                SourceCategory::Synthetic,
                Modality::Code,
                400,
            ),
            dataset(
                0x06,
                "sensors",
                SourceCategory::Other,
                Modality::Tabular,
                123_456,
            ),
        ],
    }
}

fn options() -> SummaryOptions {
    SummaryOptions {
        chain_id: "ailedger-test".to_owned(),
        provider: "ACME AI".to_owned(),
        provider_contact: Some("ai@acme.example".to_owned()),
        ..SummaryOptions::default()
    }
}

fn summarize(fixture: &Fixture, options: &SummaryOptions) -> TrainingContentSummary {
    training_content_summary(
        &fixture.model,
        &fixture.ancestors,
        &fixture.datasets,
        options,
    )
    .unwrap()
}

fn body<'a>(summary: &'a TrainingContentSummary, number: &str) -> &'a str {
    &summary.section(number).unwrap().body
}

#[test]
fn test_every_section_is_present_in_order() {
    let summary = summarize(&fixture(), &options());
    let numbers: Vec<&str> = summary.sections.iter().map(|s| s.number).collect();
    let expected: Vec<&str> = SECTIONS.iter().map(|(number, _)| *number).collect();
    assert_eq!(numbers, expected);
    let markdown = summary.to_markdown();
    let mut last = 0;
    for (number, title) in SECTIONS {
        let depth = number.matches('.').count() + 2;
        let dot = if depth == 2 { "." } else { "" };
        let heading = format!("\n{} {number}{dot} {title}\n", "#".repeat(depth));
        let at = markdown
            .find(&heading)
            .unwrap_or_else(|| panic!("missing heading {heading:?}"));
        assert!(at > last, "{heading:?} out of order");
        last = at;
    }
    assert!(markdown.contains("\n## Annex: ledger records cited\n"));
}

#[test]
fn test_each_dataset_is_listed_in_the_section_of_its_category() {
    let fixture = fixture();
    let summary = summarize(&fixture, &options());
    for dataset in &fixture.datasets {
        let root = hex_digest(&dataset.root);
        let home = section_of(dataset.source_category);
        for section in ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6"] {
            let listed = body(&summary, section).contains(&format!("**{}**", dataset.name));
            assert_eq!(listed, section == home, "{} in {section}", dataset.name);
            assert_eq!(
                body(&summary, section).contains(&format!("[dataset `{root}`]")),
                section == home,
                "{} cited in {section}",
                dataset.name
            );
        }
        // Every dataset's evidence (or its absence) is in 3.1.
        assert!(body(&summary, "3.1").contains(&format!("[dataset `{root}`]")));
    }
    // A dataset named by two versions is listed once, with both.
    let digits = body(&summary, "2.1");
    assert_eq!(digits.matches("**digits**").count(), 1);
    assert!(digits.contains("`acme/base@1.0`") && digits.contains("`other/teacher@1.0`"));
    assert!(body(&summary, "2.3").contains("- Domain: `web.example.org`"));
}

#[test]
fn test_sections_without_data_say_so() {
    let mut fixture = fixture();
    fixture.model.parents.clear();
    fixture.model.datasets.clear();
    fixture.ancestors.clear();
    fixture.datasets.clear();
    let summary = summarize(&fixture, &SummaryOptions::default());
    for section in ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6"] {
        let text = body(&summary, section);
        assert!(
            text.contains("None: no ") && text.contains("reaches the model on the ledger"),
            "{section}: {text}"
        );
    }
    assert!(body(&summary, "1.2").contains("Model dependencies: none"));
    assert!(body(&summary, "1.3").contains("Latest date of data collection: unknown"));
    assert!(body(&summary, "3.1").contains("No dataset reaches the model"));
    assert!(body(&summary, "3.2").contains("records nothing about measures"));
    assert!(body(&summary, "1.1").contains("Provider name and contact details: not given"));
    for section in &summary.sections {
        assert!(
            !section.body.trim().is_empty(),
            "{} is empty",
            section.number
        );
    }
}

#[test]
fn test_size_ranges_round_at_the_template_boundaries() {
    use TemplateModality::{Audio, Image, Other, Text, Video};
    let check = |modality, amount, expected: Option<&str>| {
        assert_eq!(
            size_range(modality, amount).map(|range| range.label),
            expected,
            "{modality:?} {amount}"
        );
    };
    check(Text, 0, Some("Less than 1 billion tokens"));
    check(Text, 999_999_999, Some("Less than 1 billion tokens"));
    check(Text, 1_000_000_000, Some("1 billion to 10 trillion tokens"));
    check(
        Text,
        10_000_000_000_000,
        Some("1 billion to 10 trillion tokens"),
    );
    check(
        Text,
        10_000_000_000_001,
        Some("More than 10 trillion tokens"),
    );
    check(Text, u64::MAX, Some("More than 10 trillion tokens"));
    check(Image, 999_999, Some("Less than 1 million images"));
    check(Image, 1_000_000, Some("1 million to 1 billion images"));
    check(Image, 1_000_000_001, Some("More than 1 billion images"));
    check(Audio, 9_999, Some("Less than 10,000 hours"));
    check(Audio, 10_000_000, Some("10,000 to 10 million hours"));
    check(Video, 1_000, Some("1,000 to 1 million hours"));
    check(Video, 1_000_001, Some("More than 1 million hours"));
    check(Other, 5, None);
    // The ranges of each modality cover every amount without overlap.
    for (_, ranges) in SIZE_RANGES {
        assert_eq!(ranges[0].min, 0);
        assert_eq!(ranges[0].max.unwrap() + 1, ranges[1].min);
        assert_eq!(ranges[1].max.unwrap() + 1, ranges[2].min);
        assert_eq!(ranges[2].max, None);
    }
}

#[test]
fn test_modality_sizes_in_the_summary() {
    let fixture = fixture();
    let summary = summarize(&fixture, &options());
    let size = |modality| {
        summary
            .modality_sizes
            .iter()
            .find(|size| size.modality == modality)
            .unwrap()
    };
    // Text: books (2 GB) + web (8 GB) + generated code (400 B), at 4 bytes per token.
    let text = size(TemplateModality::Text);
    assert_eq!(text.known_amount, Some(2_500_000_100));
    assert!(text.estimated);
    assert_eq!(text.range.unwrap().label, "1 billion to 10 trillion tokens");
    // Images: one per leaf.
    let image = size(TemplateModality::Image);
    assert_eq!(image.known_amount, Some(1_000));
    assert_eq!(image.range.unwrap().label, "Less than 1 million images");
    // Audio hours cannot come from bytes.
    let audio = size(TemplateModality::Audio);
    assert_eq!(audio.range, None);
    assert_eq!(audio.unknown, vec![[0x04; 32]]);
    assert!(size(TemplateModality::Video).datasets.is_empty());
    assert_eq!(size(TemplateModality::Other).total_bytes, 123_456);

    let table = body(&summary, "1.3");
    assert!(table.contains("| Text | yes | 1 billion to 10 trillion tokens | about 2,500,000,100 tokens, estimated from bytes at 4 bytes per token"));
    assert!(table.contains("| Image | yes | Less than 1 million images | 1,000 images"));
    assert!(table.contains("| Audio | yes | unknown | the ledger records bytes, not hours"));
    assert!(table.contains("| Video | no | not applicable |"));
    assert!(table.contains("| Other | yes | no template range | 123,456 bytes"));
    assert!(table.contains(&format!(
        "Latest date of data collection: 2024-12-31 [dataset `{}`]",
        "03".repeat(32)
    )));

    // Measures from the provider replace the estimates.
    let mut measured = options();
    measured.measured.insert([0x04; 32], Measure::Hours(20_000));
    measured
        .measured
        .insert([0x03; 32], Measure::Tokens(12_000_000_000_000));
    let summary = summarize(&fixture, &measured);
    let audio = summary
        .modality_sizes
        .iter()
        .find(|size| size.modality == TemplateModality::Audio)
        .unwrap();
    assert_eq!(audio.range.unwrap().label, "10,000 to 10 million hours");
    assert!(body(&summary, "1.3").contains("| Text | yes | More than 10 trillion tokens |"));
    assert!(body(&summary, "2.4").contains("20,000 hours (measured by the provider)"));

    let mut wrong_unit = options();
    wrong_unit.measured.insert([0x01; 32], Measure::Tokens(5));
    assert!(matches!(
        training_content_summary(
            &fixture.model,
            &fixture.ancestors,
            &fixture.datasets,
            &wrong_unit
        ),
        Err(SummaryError::MeasureUnit { unit: "tokens", .. })
    ));
}

#[test]
fn test_lineage_and_processing_sections_cite_their_records() {
    let mut fixture = fixture();
    fixture.ancestors[1].status = VersionStatus::Deprecated(StatusChange {
        reason: "superseded".to_owned(),
        height: 300,
        time_ms: 0,
    });
    let summary = summarize(&fixture, &options());
    let identification = body(&summary, "1.2");
    assert!(identification.contains(&format!(
        "  - `acme/base@1.0`, status active, licence `Apache-2.0`; finetune parent of `acme/chat@1.0` [version `{}`] [version `{}`]",
        "c0".repeat(32),
        "b0".repeat(32)
    )));
    assert!(identification.contains("distilled parent of `acme/base@1.0`"));
    // Ancestors breadth first, nearest first.
    assert!(
        identification.find("`acme/base@1.0`,").unwrap()
            < identification.find("`other/teacher@1.0`,").unwrap()
    );
    let opt_outs = body(&summary, "3.1");
    assert!(opt_outs.contains(&format!(
        "- `web`: evidence `{}`, `{}` [dataset `{}`]",
        "e1".repeat(32),
        "e2".repeat(32),
        "03".repeat(32)
    )));
    assert!(opt_outs.contains(&format!(
        "- `digits`: no consent or opt-out evidence registered [dataset `{}`]",
        "01".repeat(32)
    )));
    let other = body(&summary, "3.3");
    assert!(other.contains("`other/teacher@1.0` is deprecated since height 300: superseded"));
    assert!(other.contains("- `books` (dataset): `CC-BY-4.0`"));
    // Every entry of a data-source section cites its record, and the versions trained on it.
    for section in ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6"] {
        for line in body(&summary, section).lines() {
            if line.starts_with("- ") || line.starts_with("  - Trained on by") {
                assert!(
                    line.contains("[dataset `") || line.contains("[version `"),
                    "{line}"
                );
            }
        }
    }
    // The annex lists every record.
    for id in [0xc0u8, 0xb0, 0xa0, 1, 2, 3, 4, 5, 6] {
        assert!(
            summary
                .annex
                .contains(&format!("`{}`", hex_digest(&[id; 32])))
        );
    }
}

#[test]
fn test_a_wrong_lineage_is_refused() {
    let fixture = fixture();
    let run = |ancestors: &[ModelVersionRecord], datasets: &[DatasetRecord]| {
        training_content_summary(&fixture.model, ancestors, datasets, &options()).unwrap_err()
    };
    assert!(matches!(
        run(&fixture.ancestors[..1], &fixture.datasets),
        SummaryError::MissingAncestor { parent, .. } if parent == "a0".repeat(32)
    ));
    assert!(matches!(
        run(&fixture.ancestors, &fixture.datasets[1..]),
        SummaryError::MissingDataset { root, .. } if root == "01".repeat(32)
    ));
    let mut extra_version = fixture.ancestors.clone();
    extra_version.push(version(0xd0, "unrelated", &[], &[]));
    assert!(matches!(
        run(&extra_version, &fixture.datasets),
        SummaryError::UnrelatedVersion(id) if id == "d0".repeat(32)
    ));
    let mut extra_dataset = fixture.datasets.clone();
    extra_dataset.push(dataset(
        0x07,
        "unused",
        SourceCategory::Other,
        Modality::Text,
        1,
    ));
    assert!(matches!(
        run(&fixture.ancestors, &extra_dataset),
        SummaryError::UnrelatedDataset(root) if root == "07".repeat(32)
    ));
}
