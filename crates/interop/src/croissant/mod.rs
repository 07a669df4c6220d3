//! Croissant 1.1: export a registered dataset as a Croissant JSON-LD description that
//! `mlcroissant validate` accepts and `mlcroissant load` reads, checking every file's SHA-256.
//!
//! # What goes where
//!
//! | Croissant | from |
//! |---|---|
//! | `@context` | [`CONTEXT`]: the context of the Croissant 1.1 spec (Appendix 1), plus the keys `mlcroissant` 1.1 checks for (`path`, `repeated`, `replace`, `samplingRate`, and `name`/`description` as language maps) so it does not warn about a non-standard context, plus our `ailedger` prefix |
//! | `conformsTo` | `http://mlcommons.org/croissant/1.1` |
//! | `name`, `description`, `citeAs`, `keywords` | the record's name; a description and a citation naming the ledger record unless [`CroissantOptions`] gives them; the modality and source category |
//! | `url` | [`CroissantOptions::url`], else the record's source if it is a link, else the base URL |
//! | `license` | see [`license_value`]: `https://spdx.org/licenses/<id>.html` for a listed licence, the raw licence (a link or text) for a `LicenseRef-…`, one entry per term for a compound expression |
//! | `version` | [`CroissantOptions::version`], default `1.0.0` (a registered dataset never changes; Croissant wants `MAJOR.MINOR.PATCH`) |
//! | `datePublished` | the time of the registering block |
//! | `creator` | the record's contributors, as [`CroissantOptions::contributor_type`] |
//! | `distribution` | one `cr:FileObject` per manifest file: `@id` and `name` are its path, `contentUrl` the path (or the base URL plus the percent-encoded path), `encodingFormat` from its extension ([`encoding_format`]), `contentSize` in bytes, `sha256` |
//! | `recordSet` | one `cr:RecordSet` per [`CsvRecordSet`]: one `cr:Field` per CSV column, extracted by column name from the file |
//! | `rai:dataCollection` | the source category and source; `rai:dataCollectionType` for crawled (`Web Scraping`) and user data (`User-generated content data`) |
//! | `rai:dataCollectionTimeframe` | the collection period as `[start, end]` DateTimes (the RAI vocabulary's DateTime, cardinality MANY) |
//! | `rai:personalSensitiveInformation` | only when the record has consent or opt-out evidence: the evidence digests, and that the ledger knows no more |
//! | `ailedger:registration` | the ledger reference, below |
//!
//! # The ledger reference
//!
//! Croissant lets a description use properties from other vocabularies once their prefix is in the
//! `@context` (spec 1.1, "Extending Croissant"). Ours is `ailedger` = [`LEDGER_NAMESPACE`], and the
//! dataset carries one `ailedger:registration` node of type `ailedger:DatasetRegistration` with:
//! `ailedger:chainId`, `ailedger:datasetRoot` (hex Merkle root: the dataset's id on the ledger),
//! `ailedger:manifestDigest` (hex), `ailedger:leafMode` (`files` | `records`), `ailedger:leafCount`,
//! `ailedger:totalBytes`, `ailedger:registrationHeight`, `ailedger:registrationTime` (RFC 3339),
//! `ailedger:registrant`, `ailedger:licenseExpression` (the canonical SPDX expression, exact where
//! `license` cannot be), `ailedger:licenseGiven` (the raw licence), `ailedger:sourceCategory`,
//! `ailedger:modality` (the ledger's stable names) and `ailedger:consentEvidence` (hex digests).
//! Tools that do not know the vocabulary ignore it; `mlcroissant` validates and loads files with it.
//!
//! # What the caller must check
//!
//! The manifest given must be the one the record's `manifest_digest` commits to (the CLI checks it
//! with `ailedger-artifacts`); here only its total size (and, in files mode, its file count) is
//! compared with the record, to catch a manifest of another dataset.
//!
//! ```
//! use ailedger_interop::croissant::{CroissantOptions, CsvRecordSet, ManifestFile, export_dataset, infer_csv_columns};
//! # use ailedger_interop::record::*;
//! # let dataset = DatasetRecord {
//! #     root: [1; 32], name: "digits".into(), manifest_digest: [2; 32], leaf_count: 2, total_bytes: 17,
//! #     mode: DatasetMode::Records, licence: Licence { expression: "CC-BY-4.0".into(), raw: "cc-by-4.0".into() },
//! #     source: "https://archive.ics.uci.edu/dataset/80".into(), source_category: SourceCategory::PublicDataset,
//! #     modality: Modality::Tabular, collection: None, contributors: vec![], evidence: vec![],
//! #     registrant: "ab".repeat(32), height: 7, time_ms: 1_764_064_800_000,
//! # };
//! let csv = "p0,label\n1,0\n2,1\n";
//! let manifest = [ManifestFile { path: "digits.csv".into(), size: csv.len() as u64, sha256: [3; 32] }];
//! let options = CroissantOptions {
//!     record_sets: vec![CsvRecordSet::new("digits.csv", infer_csv_columns(csv.as_bytes(), 100)?)],
//!     ..CroissantOptions::new("ailedger-main")
//! };
//! let json = export_dataset(&dataset, &manifest, &options)?.to_json();
//! assert!(json.contains("\"conformsTo\": \"http://mlcommons.org/croissant/1.1\""));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod columns;
mod error;

pub use columns::{ColumnType, CsvColumn, infer_csv_columns};
pub use error::CroissantError;

use std::collections::BTreeSet;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::record::{
    DatasetMode, DatasetRecord, Digest, LicenceTerm, SourceCategory, hex_digest, rfc3339_utc,
};

/// The `conformsTo` of Croissant 1.1.
pub const CROISSANT_1_1: &str = "http://mlcommons.org/croissant/1.1";

/// The IRI our `ailedger:` prefix stands for in the `@context`.
pub const LEDGER_NAMESPACE: &str = "https://github.com/ailedger/ailedger/ns/croissant#";

/// A `@context` value: a prefix or term IRI, or a term definition.
#[derive(Clone, Copy, Debug)]
pub enum ContextValue {
    /// An IRI or compact IRI.
    Iri(&'static str),
    /// `{"@id": id, "@type": type}`.
    Typed(&'static str, &'static str),
    /// `{"@container": "@language"}`.
    LanguageMap,
}

/// The JSON-LD `@context` of every exported description, in order.
///
/// The Croissant 1.1 spec's Appendix 1 with `https://schema.org/` (as the 1.1 example datasets
/// and `mlcroissant` write it), the keys `mlcroissant` 1.1.1's reference context adds, and our
/// prefix.
pub const CONTEXT: &[(&str, ContextValue)] = {
    use ContextValue::{Iri, LanguageMap, Typed};
    &[
        ("@language", Iri("en")),
        ("@vocab", Iri("https://schema.org/")),
        ("sc", Iri("https://schema.org/")),
        ("cr", Iri("http://mlcommons.org/croissant/")),
        ("rai", Iri("http://mlcommons.org/croissant/RAI/")),
        ("dct", Iri("http://purl.org/dc/terms/")),
        ("ailedger", Iri(LEDGER_NAMESPACE)),
        ("annotation", Iri("cr:annotation")),
        ("arrayShape", Iri("cr:arrayShape")),
        ("citeAs", Iri("cr:citeAs")),
        ("column", Iri("cr:column")),
        ("conformsTo", Iri("dct:conformsTo")),
        ("containedIn", Iri("cr:containedIn")),
        ("data", Typed("cr:data", "@json")),
        ("dataType", Typed("cr:dataType", "@vocab")),
        ("description", LanguageMap),
        ("equivalentProperty", Iri("cr:equivalentProperty")),
        ("examples", Typed("cr:examples", "@json")),
        ("excludes", Iri("cr:excludes")),
        ("extract", Iri("cr:extract")),
        ("field", Iri("cr:field")),
        ("fileProperty", Iri("cr:fileProperty")),
        ("fileObject", Iri("cr:fileObject")),
        ("fileSet", Iri("cr:fileSet")),
        ("format", Iri("cr:format")),
        ("includes", Iri("cr:includes")),
        ("isArray", Iri("cr:isArray")),
        ("isLiveDataset", Iri("cr:isLiveDataset")),
        ("jsonPath", Iri("cr:jsonPath")),
        ("key", Iri("cr:key")),
        ("md5", Iri("cr:md5")),
        ("name", LanguageMap),
        ("parentField", Iri("cr:parentField")),
        ("path", Iri("cr:path")),
        ("readLines", Iri("cr:readLines")),
        ("recordSet", Iri("cr:recordSet")),
        ("references", Iri("cr:references")),
        ("regex", Iri("cr:regex")),
        ("repeated", Iri("cr:repeated")),
        ("replace", Iri("cr:replace")),
        ("samplingRate", Iri("cr:samplingRate")),
        ("sdVersion", Iri("cr:sdVersion")),
        ("separator", Iri("cr:separator")),
        ("source", Iri("cr:source")),
        ("subField", Iri("cr:subField")),
        ("transform", Iri("cr:transform")),
        ("unArchive", Iri("cr:unArchive")),
        ("value", Iri("cr:value")),
    ]
};

/// Serializes [`CONTEXT`] as a JSON object in its order.
#[derive(Clone, Copy, Debug)]
struct Context;

impl Serialize for Context {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct TypedTerm {
            #[serde(rename = "@id")]
            id: &'static str,
            #[serde(rename = "@type")]
            kind: &'static str,
        }
        #[derive(Serialize)]
        struct LanguageContainer {
            #[serde(rename = "@container")]
            container: &'static str,
        }
        let mut map = serializer.serialize_map(Some(CONTEXT.len()))?;
        for (key, value) in CONTEXT {
            match value {
                ContextValue::Iri(iri) => map.serialize_entry(key, iri)?,
                ContextValue::Typed(id, kind) => {
                    map.serialize_entry(key, &TypedTerm { id, kind })?;
                }
                ContextValue::LanguageMap => map.serialize_entry(
                    key,
                    &LanguageContainer {
                        container: "@language",
                    },
                )?,
            }
        }
        map.end()
    }
}

/// One file of a dataset's manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestFile {
    /// Path relative to the dataset's root, `/`-separated.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the content.
    pub sha256: Digest,
}

/// A CSV file of the dataset described as a Croissant record set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvRecordSet {
    /// The file's path in the manifest.
    pub file: String,
    /// The record set's `@id`; by default the file name without its extension.
    pub id: Option<String>,
    /// The columns, in the file's order (see [`infer_csv_columns`]).
    pub columns: Vec<CsvColumn>,
}

impl CsvRecordSet {
    /// A record set over `file` with its default id.
    pub fn new(file: impl Into<String>, columns: Vec<CsvColumn>) -> Self {
        Self {
            file: file.into(),
            id: None,
            columns,
        }
    }

    /// The record set's `@id`.
    pub fn id(&self) -> &str {
        if let Some(id) = &self.id {
            return id;
        }
        let name = self.file.rsplit('/').next().unwrap_or(&self.file);
        match name.rsplit_once('.') {
            Some((stem, _)) if !stem.is_empty() => stem,
            _ => name,
        }
    }
}

/// The schema.org type of the dataset's creators.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ContributorType {
    /// `sc:Person`.
    #[default]
    Person,
    /// `sc:Organization`.
    Organization,
}

impl ContributorType {
    fn as_str(self) -> &'static str {
        match self {
            Self::Person => "sc:Person",
            Self::Organization => "sc:Organization",
        }
    }
}

/// What the export needs besides the record and its manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CroissantOptions {
    /// The chain the record is on (for the ledger reference).
    pub chain_id: String,
    /// Where the files are served: `contentUrl` becomes this plus the path; without it,
    /// `contentUrl` is the path, relative to the JSON-LD file.
    pub base_url: Option<String>,
    /// The dataset's web page; by default the record's source if it is a link, else `base_url`.
    pub url: Option<String>,
    /// The description; by default one naming the ledger record.
    pub description: Option<String>,
    /// The citation; by default one naming the ledger record.
    pub cite_as: Option<String>,
    /// The version; by default `1.0.0`.
    pub version: Option<String>,
    /// The licence's link, for a `LicenseRef-…` whose raw licence is not a link (the Hub's
    /// `license_link`, say).
    pub license_url: Option<String>,
    /// The schema.org type of the record's contributors.
    pub contributor_type: ContributorType,
    /// CSV files to describe as record sets.
    pub record_sets: Vec<CsvRecordSet>,
}

impl CroissantOptions {
    /// The defaults for a record on `chain_id`.
    pub fn new(chain_id: impl Into<String>) -> Self {
        Self {
            chain_id: chain_id.into(),
            base_url: None,
            url: None,
            description: None,
            cite_as: None,
            version: None,
            license_url: None,
            contributor_type: ContributorType::default(),
            record_sets: Vec::new(),
        }
    }
}

/// The media type Croissant expects for a file, by its extension (case-insensitive).
///
/// CSV, TSV, JSON, JSON Lines and Parquet get the types `mlcroissant` reads them by; common image,
/// audio, video and archive types get their IANA types; anything else is
/// `application/octet-stream`.
pub fn encoding_format(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let extension = match name.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => extension.to_owned(),
        _ => return "application/octet-stream",
    };
    match extension.as_str() {
        "csv" => "text/csv",
        "tsv" => "text/tab-separated-values",
        "jsonl" | "ndjson" => "application/jsonlines",
        "json" => "application/json",
        "parquet" => "application/x-parquet",
        "txt" => "text/plain",
        "md" => "text/markdown",
        "html" | "htm" => "text/html",
        "xml" => "application/xml",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "tar" => "application/x-tar",
        "gz" | "tgz" => "application/gzip",
        "zst" => "application/zstd",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "tif" | "tiff" => "image/tiff",
        "bmp" => "image/bmp",
        "dcm" => "image/dicom",
        "wav" => "audio/wav",
        "mp3" => "audio/mpeg",
        "flac" => "audio/flac",
        "ogg" => "audio/ogg",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "arff" => "https://ml.cms.waikato.ac.nz/weka/arff.html",
        _ => "application/octet-stream",
    }
}

/// The `license` of a description: one value, or one per term of a compound expression.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum LicenseValue {
    /// A single licence: a link or a text.
    One(String),
    /// Several (a compound expression): schema.org cannot say `AND`/`OR`/`WITH`, so the exact
    /// expression is in the ledger reference's `ailedger:licenseExpression`.
    Many(Vec<String>),
}

/// The `license` for a record's licence.
///
/// - A listed SPDX licence: `https://spdx.org/licenses/<id>.html`.
/// - A `LicenseRef-…`: `license_url` if given, else the raw licence (a link or the text the
///   registrant gave, e.g. a Hugging Face id such as `llama3.1`).
/// - A compound expression: each term once, in order, as above (an exception after `WITH` gets
///   its spdx.org page too).
pub fn license_value(licence: &crate::record::Licence, license_url: Option<&str>) -> LicenseValue {
    let reference = |term: &LicenceTerm<'_>| -> String {
        if let Some(url) = license_url {
            return url.to_owned();
        }
        if let Some(link) = licence.raw_link() {
            return link.to_owned();
        }
        if licence.raw.trim().is_empty() {
            return term.as_str().to_owned();
        }
        licence.raw.trim().to_owned()
    };
    let value = |term: &LicenceTerm<'_>| -> String {
        term.spdx_url().unwrap_or_else(|| match term {
            LicenceTerm::Reference(_) => reference(term),
            _ => term.as_str().to_owned(),
        })
    };
    if let Some(term) = licence.single_term() {
        return LicenseValue::One(value(&term));
    }
    let n_references = licence
        .terms()
        .iter()
        .filter(|term| matches!(term, LicenceTerm::Reference(_)))
        .count();
    let mut values: Vec<String> = Vec::new();
    for term in licence.terms() {
        // With several references the raw licence cannot stand for each of them.
        let text = match term {
            LicenceTerm::Reference(id) if n_references > 1 => id.to_owned(),
            _ => value(&term),
        };
        if !values.contains(&text) {
            values.push(text);
        }
    }
    LicenseValue::Many(values)
}

/// Percent-encodes a relative path for a URL, keeping `/` and the unreserved characters.
fn percent_encode_path(path: &str) -> String {
    let mut encoded = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[derive(Clone, Debug, Serialize)]
struct Creator {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: String,
}

#[derive(Clone, Debug, Serialize)]
struct FileObject {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "@id")]
    id: String,
    name: String,
    #[serde(rename = "contentUrl")]
    content_url: String,
    #[serde(rename = "encodingFormat")]
    encoding_format: &'static str,
    #[serde(rename = "contentSize")]
    content_size: String,
    sha256: String,
}

#[derive(Clone, Debug, Serialize)]
struct IdRef {
    #[serde(rename = "@id")]
    id: String,
}

#[derive(Clone, Debug, Serialize)]
struct Extract {
    column: String,
}

#[derive(Clone, Debug, Serialize)]
struct FieldSource {
    #[serde(rename = "fileObject")]
    file_object: IdRef,
    extract: Extract,
}

#[derive(Clone, Debug, Serialize)]
struct Field {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "@id")]
    id: String,
    name: String,
    #[serde(rename = "dataType")]
    data_type: &'static str,
    source: FieldSource,
}

#[derive(Clone, Debug, Serialize)]
struct RecordSet {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "@id")]
    id: String,
    name: String,
    description: String,
    field: Vec<Field>,
}

#[derive(Clone, Debug, Serialize)]
struct Registration {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "ailedger:chainId")]
    chain_id: String,
    #[serde(rename = "ailedger:datasetRoot")]
    dataset_root: String,
    #[serde(rename = "ailedger:manifestDigest")]
    manifest_digest: String,
    #[serde(rename = "ailedger:leafMode")]
    leaf_mode: &'static str,
    #[serde(rename = "ailedger:leafCount")]
    leaf_count: u64,
    #[serde(rename = "ailedger:totalBytes")]
    total_bytes: u64,
    #[serde(rename = "ailedger:registrationHeight")]
    registration_height: u64,
    #[serde(rename = "ailedger:registrationTime")]
    registration_time: String,
    #[serde(rename = "ailedger:registrant")]
    registrant: String,
    #[serde(rename = "ailedger:licenseExpression")]
    license_expression: String,
    #[serde(rename = "ailedger:licenseGiven")]
    license_given: String,
    #[serde(rename = "ailedger:sourceCategory")]
    source_category: &'static str,
    #[serde(rename = "ailedger:modality")]
    modality: &'static str,
    #[serde(rename = "ailedger:consentEvidence")]
    consent_evidence: Vec<String>,
}

/// A Croissant 1.1 description of a registered dataset; serialize it with [`Self::to_json`].
#[derive(Clone, Debug, Serialize)]
pub struct CroissantDocument {
    #[serde(rename = "@context")]
    context: Context,
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "conformsTo")]
    conforms_to: &'static str,
    name: String,
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    license: LicenseValue,
    version: String,
    #[serde(rename = "datePublished")]
    date_published: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    creator: Vec<Creator>,
    #[serde(rename = "citeAs")]
    cite_as: String,
    keywords: Vec<&'static str>,
    #[serde(rename = "rai:dataCollection")]
    data_collection: String,
    #[serde(
        rename = "rai:dataCollectionType",
        skip_serializing_if = "Option::is_none"
    )]
    data_collection_type: Option<&'static str>,
    #[serde(
        rename = "rai:dataCollectionTimeframe",
        skip_serializing_if = "Option::is_none"
    )]
    data_collection_timeframe: Option<[String; 2]>,
    #[serde(
        rename = "rai:personalSensitiveInformation",
        skip_serializing_if = "Option::is_none"
    )]
    personal_sensitive_information: Option<String>,
    distribution: Vec<FileObject>,
    #[serde(rename = "recordSet", skip_serializing_if = "Vec::is_empty")]
    record_set: Vec<RecordSet>,
    #[serde(rename = "ailedger:registration")]
    registration: Registration,
}

impl CroissantDocument {
    /// The description as pretty-printed JSON-LD (keys in a fixed, readable order).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a Croissant document always serializes")
    }

    /// The description as a JSON value (keys sorted; for inspecting it).
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a Croissant document always serializes")
    }
}

/// Checks that a manifest path is relative, `/`-separated, without empty, `.` or `..` segments.
fn check_path(path: &str) -> Result<(), CroissantError> {
    let valid = !path.is_empty()
        && !path.contains('\\')
        && path
            .split('/')
            .all(|segment| !segment.is_empty() && segment != "." && segment != "..");
    if !valid {
        return Err(CroissantError::InvalidPath {
            path: path.to_owned(),
        });
    }
    Ok(())
}

/// How the record's source category reads in `rai:dataCollection`.
fn category_phrase(category: SourceCategory) -> &'static str {
    match category {
        SourceCategory::PublicDataset => "A publicly available dataset",
        SourceCategory::Licensed => "Data licensed from a third party",
        SourceCategory::Crawled => "Data crawled or scraped from online sources",
        SourceCategory::UserData => "Data from users of the provider's services",
        SourceCategory::Synthetic => "Synthetic data",
        SourceCategory::Other => "Data from another kind of source",
    }
}

/// Exports a registered dataset as Croissant 1.1 JSON-LD.
///
/// Fails if the manifest is empty, has an invalid or repeated path, or does not add up to the
/// record's size (or, in files mode, its leaf count); if a record set names a file not in the
/// manifest or not a CSV file, has no columns, an empty or repeated column name; or if two nodes
/// would get the same `@id`.
pub fn export_dataset(
    dataset: &DatasetRecord,
    manifest: &[ManifestFile],
    options: &CroissantOptions,
) -> Result<CroissantDocument, CroissantError> {
    if manifest.is_empty() {
        return Err(CroissantError::EmptyManifest);
    }
    let mut ids: BTreeSet<String> = BTreeSet::new();
    let mut claim_id = |id: &str| -> Result<(), CroissantError> {
        if !ids.insert(id.to_owned()) {
            return Err(CroissantError::DuplicateId { id: id.to_owned() });
        }
        Ok(())
    };
    let mut paths: BTreeSet<&str> = BTreeSet::new();
    let mut manifest_bytes: u64 = 0;
    let mut distribution = Vec::with_capacity(manifest.len());
    for file in manifest {
        check_path(&file.path)?;
        if !paths.insert(file.path.as_str()) {
            return Err(CroissantError::DuplicatePath {
                path: file.path.clone(),
            });
        }
        claim_id(&file.path)?;
        manifest_bytes = manifest_bytes.saturating_add(file.size);
        let content_url = match &options.base_url {
            Some(base) => format!(
                "{}/{}",
                base.trim_end_matches('/'),
                percent_encode_path(&file.path)
            ),
            None => file.path.clone(),
        };
        distribution.push(FileObject {
            kind: "cr:FileObject",
            id: file.path.clone(),
            name: file.path.clone(),
            content_url,
            encoding_format: encoding_format(&file.path),
            content_size: format!("{} B", file.size),
            sha256: hex_digest(&file.sha256),
        });
    }
    if manifest_bytes != dataset.total_bytes {
        return Err(CroissantError::SizeMismatch {
            manifest_bytes,
            record_bytes: dataset.total_bytes,
        });
    }
    if dataset.mode == DatasetMode::Files && manifest.len() as u64 != dataset.leaf_count {
        return Err(CroissantError::FileCountMismatch {
            n_files: manifest.len() as u64,
            leaf_count: dataset.leaf_count,
        });
    }

    let mut record_set = Vec::with_capacity(options.record_sets.len());
    for set in &options.record_sets {
        if !paths.contains(set.file.as_str()) {
            return Err(CroissantError::RecordSetFileMissing {
                path: set.file.clone(),
            });
        }
        if encoding_format(&set.file) != "text/csv" {
            return Err(CroissantError::RecordSetNotCsv {
                path: set.file.clone(),
            });
        }
        if set.columns.is_empty() {
            return Err(CroissantError::NoColumns {
                path: set.file.clone(),
            });
        }
        let set_id = set.id().to_owned();
        claim_id(&set_id)?;
        let mut field = Vec::with_capacity(set.columns.len());
        let mut names: BTreeSet<&str> = BTreeSet::new();
        for column in &set.columns {
            if column.name.is_empty() {
                return Err(CroissantError::EmptyColumnName {
                    path: set.file.clone(),
                });
            }
            if !names.insert(column.name.as_str()) {
                return Err(CroissantError::DuplicateColumn {
                    path: set.file.clone(),
                    column: column.name.clone(),
                });
            }
            let id = format!("{set_id}/{}", column.name);
            claim_id(&id)?;
            field.push(Field {
                kind: "cr:Field",
                id,
                name: column.name.clone(),
                data_type: column.data_type.as_croissant(),
                source: FieldSource {
                    file_object: IdRef {
                        id: set.file.clone(),
                    },
                    extract: Extract {
                        column: column.name.clone(),
                    },
                },
            });
        }
        record_set.push(RecordSet {
            kind: "cr:RecordSet",
            name: set_id.clone(),
            id: set_id,
            description: format!("The rows of {}.", set.file),
            field,
        });
    }

    let root = hex_digest(&dataset.root);
    let leaves = match dataset.mode {
        DatasetMode::Files => "files",
        DatasetMode::Records => "records",
    };
    let description = options.description.clone().unwrap_or_else(|| {
        format!(
            "{}: a {} dataset of {} {leaves} ({} bytes), registered on the ailedger chain {} \
             at height {} with root {root}.",
            dataset.name,
            dataset.modality,
            dataset.leaf_count,
            dataset.total_bytes,
            options.chain_id,
            dataset.height,
        )
    });
    let cite_as = options.cite_as.clone().unwrap_or_else(|| {
        format!(
            "{}. Dataset {root}, registered on the ailedger chain {} at height {} ({}).",
            dataset.name,
            options.chain_id,
            dataset.height,
            rfc3339_utc(dataset.time_ms)
        )
    });
    let url = options
        .url
        .clone()
        .or_else(|| dataset.source_link().map(str::to_owned))
        .or_else(|| options.base_url.clone());
    let mut data_collection = format!(
        "{}. Source: {}.",
        category_phrase(dataset.source_category),
        dataset.source.trim()
    );
    if !dataset.contributors.is_empty() {
        data_collection.push_str(&format!(
            " Contributors: {}.",
            dataset.contributors.join(", ")
        ));
    }
    let data_collection_type = match dataset.source_category {
        SourceCategory::Crawled => Some("Web Scraping"),
        SourceCategory::UserData => Some("User-generated content data"),
        _ => None,
    };
    let evidence: Vec<String> = dataset.evidence.iter().map(hex_digest).collect();
    let personal_sensitive_information = (!evidence.is_empty()).then(|| {
        format!(
            "Consent or opt-out evidence for this dataset is registered on the ledger as SHA-256 \
             digests: {}. The ledger records no more about personal or sensitive information in \
             the dataset.",
            evidence.join(", ")
        )
    });

    Ok(CroissantDocument {
        context: Context,
        kind: "sc:Dataset",
        conforms_to: CROISSANT_1_1,
        name: dataset.name.clone(),
        description,
        url,
        license: license_value(&dataset.licence, options.license_url.as_deref()),
        version: options
            .version
            .clone()
            .unwrap_or_else(|| "1.0.0".to_owned()),
        date_published: rfc3339_utc(dataset.time_ms),
        creator: dataset
            .contributors
            .iter()
            .map(|name| Creator {
                kind: options.contributor_type.as_str(),
                name: name.clone(),
            })
            .collect(),
        cite_as,
        keywords: vec![dataset.modality.as_str(), dataset.source_category.as_str()],
        data_collection,
        data_collection_type,
        data_collection_timeframe: dataset
            .collection
            .map(|period| [rfc3339_utc(period.start_ms), rfc3339_utc(period.end_ms)]),
        personal_sensitive_information,
        distribution,
        record_set,
        registration: Registration {
            kind: "ailedger:DatasetRegistration",
            chain_id: options.chain_id.clone(),
            dataset_root: root,
            manifest_digest: hex_digest(&dataset.manifest_digest),
            leaf_mode: dataset.mode.as_str(),
            leaf_count: dataset.leaf_count,
            total_bytes: dataset.total_bytes,
            registration_height: dataset.height,
            registration_time: rfc3339_utc(dataset.time_ms),
            registrant: dataset.registrant.clone(),
            license_expression: dataset.licence.expression.clone(),
            license_given: dataset.licence.raw.clone(),
            source_category: dataset.source_category.as_str(),
            modality: dataset.modality.as_str(),
            consent_evidence: evidence,
        },
    })
}

#[cfg(test)]
mod tests;
