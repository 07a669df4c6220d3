//! Plain copies of the ledger's provenance records, as the exporters of this crate take them.
//!
//! This crate knows nothing about the chain: the CLI converts the ledger's records (datasets,
//! model versions, their licences and lineage) into these structs and hands them to
//! [`crate::croissant`], [`crate::model_card`] and [`crate::ai_act`]. The fields mirror the
//! ledger's records one for one; the enums use the ledger's stable names ([`SourceCategory::as_str`]
//! and friends), so a conversion is a `match` per enum.
//!
//! Digests are raw SHA-256 bytes ([`Digest`]) and are printed as lowercase hex
//! ([`hex_digest`]); accounts are given already printed (the ledger prints an address as the hex
//! of its public key). Times are milliseconds since the Unix epoch, printed as RFC 3339 UTC
//! ([`rfc3339_utc`]).

use std::fmt;

pub use crate::model_signing::FileDigest;

/// A SHA-256 digest (a dataset root, a version id, a file digest...).
pub type Digest = [u8; 32];

/// Lowercase hex of a digest, as the ledger prints ids.
pub fn hex_digest(digest: &Digest) -> String {
    hex::encode(digest)
}

/// A licence as registered on the ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Licence {
    /// The canonical SPDX expression (`Apache-2.0`, `MIT OR Apache-2.0`, `LicenseRef-llama3.1`).
    pub expression: String,
    /// The licence string the registrant gave (an SPDX expression, a Hugging Face id, a URL...).
    pub raw: String,
}

/// One term of an SPDX expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LicenceTerm<'a> {
    /// An identifier from the SPDX licence list (`Apache-2.0`, `GPL-3.0-only`).
    Listed(&'a str),
    /// An exception after `WITH` (`LLVM-exception`, or an `AdditionRef-…`).
    Exception(&'a str),
    /// A licence defined elsewhere (`LicenseRef-…`, `DocumentRef-…:LicenseRef-…`).
    Reference(&'a str),
}

impl LicenceTerm<'_> {
    /// The term as written in the expression.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Listed(id) | Self::Exception(id) | Self::Reference(id) => id,
        }
    }

    /// The term's page on spdx.org, for listed licences and listed exceptions.
    ///
    /// A trailing `+` ("or later", not canonical but valid SPDX) is dropped: the page is the
    /// licence's. References have no SPDX page.
    pub fn spdx_url(&self) -> Option<String> {
        match self {
            Self::Listed(id) => Some(spdx_url(id.trim_end_matches('+'))),
            Self::Exception(id) if !id.starts_with("AdditionRef-") => Some(spdx_url(id)),
            Self::Exception(_) | Self::Reference(_) => None,
        }
    }
}

/// The spdx.org page of a licence or exception identifier.
pub fn spdx_url(id: &str) -> String {
    format!("https://spdx.org/licenses/{id}.html")
}

impl Licence {
    /// The terms of the expression in order of appearance, each once.
    pub fn terms(&self) -> Vec<LicenceTerm<'_>> {
        let mut terms: Vec<LicenceTerm<'_>> = Vec::new();
        let mut after_with = false;
        for token in self
            .expression
            .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
            .filter(|token| !token.is_empty())
        {
            let term = match token {
                "AND" | "OR" | "and" | "or" => {
                    after_with = false;
                    continue;
                }
                "WITH" | "with" => {
                    after_with = true;
                    continue;
                }
                _ if after_with => LicenceTerm::Exception(token),
                _ if token.starts_with("LicenseRef-") || token.starts_with("DocumentRef-") => {
                    LicenceTerm::Reference(token)
                }
                _ => LicenceTerm::Listed(token),
            };
            after_with = false;
            if !terms.contains(&term) {
                terms.push(term);
            }
        }
        terms
    }

    /// The expression when it is a single term (no `AND`, `OR` or `WITH`).
    pub fn single_term(&self) -> Option<LicenceTerm<'_>> {
        let expression = self.expression.trim();
        if expression.is_empty() || expression.contains(char::is_whitespace) {
            return None;
        }
        self.terms().into_iter().next()
    }

    /// The raw licence when it is a link (`http://` or `https://`).
    pub fn raw_link(&self) -> Option<&str> {
        let raw = self.raw.trim();
        (raw.starts_with("https://") || raw.starts_with("http://")).then_some(raw)
    }
}

impl fmt::Display for Licence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.expression)?;
        if self.raw != self.expression {
            write!(f, " (given as {:?})", self.raw)?;
        }
        Ok(())
    }
}

/// Defines a fieldless enum with stable names, as the ledger's one-byte enums have.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in the ledger's tag order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The ledger's stable name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

named_enum! {
    /// How a dataset's Merkle leaves are formed.
    DatasetMode {
        /// One leaf per file.
        Files = "files",
        /// One leaf per record of CSV or JSON Lines files.
        Records = "records",
    }
}

named_enum! {
    /// Where a dataset's content comes from: the data-source categories of the EU AI Act's
    /// training-content summary template.
    SourceCategory {
        /// A publicly available dataset.
        PublicDataset = "public-dataset",
        /// Data licensed from a third party.
        Licensed = "licensed",
        /// Data crawled or scraped online.
        Crawled = "crawled",
        /// Data from users of the provider's services.
        UserData = "user-data",
        /// Synthetic data.
        Synthetic = "synthetic",
        /// Anything else.
        Other = "other",
    }
}

named_enum! {
    /// The main kind of content of a dataset.
    Modality {
        /// Text.
        Text = "text",
        /// Images.
        Image = "image",
        /// Audio.
        Audio = "audio",
        /// Video.
        Video = "video",
        /// Tables.
        Tabular = "tabular",
        /// Source code.
        Code = "code",
        /// Several of the above.
        Multimodal = "multimodal",
        /// Anything else.
        Other = "other",
    }
}

named_enum! {
    /// How a model version derives from a parent.
    Relation {
        /// Further training of the parent's weights.
        Finetune = "finetune",
        /// An adapter (e.g. LoRA) on top of the parent.
        Adapter = "adapter",
        /// A merge of several parents' weights.
        Merge = "merge",
        /// A quantised (or otherwise cast) copy of the parent.
        Quantized = "quantized",
        /// A model trained to imitate the parent.
        Distilled = "distilled",
    }
}

/// When a dataset's content was collected, in milliseconds since the Unix epoch (inclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CollectionPeriod {
    /// First moment of collection.
    pub start_ms: u64,
    /// Last moment of collection.
    pub end_ms: u64,
}

/// A registered dataset, as the ledger keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatasetRecord {
    /// The Merkle root over the dataset's leaves: its id on the ledger.
    pub root: Digest,
    /// A short human-readable name.
    pub name: String,
    /// Digest of the dataset's per-file manifest.
    pub manifest_digest: Digest,
    /// Number of leaves (files, or records in records mode).
    pub leaf_count: u64,
    /// Total size of the content in bytes.
    pub total_bytes: u64,
    /// How the leaves are formed.
    pub mode: DatasetMode,
    /// The dataset's licence.
    pub licence: Licence,
    /// Where it comes from (a URL or text).
    pub source: String,
    /// The kind of source.
    pub source_category: SourceCategory,
    /// The main kind of content.
    pub modality: Modality,
    /// When it was collected, if known.
    pub collection: Option<CollectionPeriod>,
    /// Who contributed it.
    pub contributors: Vec<String>,
    /// Digests of consent or opt-out evidence (robots.txt or TDM reservation snapshots, ...).
    pub evidence: Vec<Digest>,
    /// Who registered it (an account, as the ledger prints it).
    pub registrant: String,
    /// Height of the block that registered it.
    pub height: u64,
    /// Time of that block, milliseconds since the Unix epoch.
    pub time_ms: u64,
}

impl DatasetRecord {
    /// The source when it is a link (`http://` or `https://`).
    pub fn source_link(&self) -> Option<&str> {
        let source = self.source.trim();
        (source.starts_with("https://") || source.starts_with("http://")).then_some(source)
    }
}

/// A parent of a model version and how the version derives from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParentRef {
    /// The parent's version id.
    pub id: Digest,
    /// How the version derives from it.
    pub relation: Relation,
}

/// How a model version was trained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrainingRun {
    /// Digest of the training configuration.
    pub config: Digest,
    /// Commit of the training code.
    pub code_commit: String,
    /// The hardware it ran on, in words.
    pub hardware: String,
}

/// Why and when a version's status changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusChange {
    /// The owner's reason.
    pub reason: String,
    /// Height of the block that changed it.
    pub height: u64,
    /// Time of that block, milliseconds since the Unix epoch.
    pub time_ms: u64,
}

/// Whether a model version should be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VersionStatus {
    /// In use.
    Active,
    /// Superseded or discouraged.
    Deprecated(StatusChange),
    /// Withdrawn.
    Revoked(StatusChange),
}

impl VersionStatus {
    /// The ledger's stable name: `active`, `deprecated` or `revoked`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Deprecated(_) => "deprecated",
            Self::Revoked(_) => "revoked",
        }
    }
}

/// A registered model version, as the ledger keeps it (with its current status).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelVersionRecord {
    /// The version id.
    pub id: Digest,
    /// The model's name (`[a-z0-9._/-]`, e.g. `acme/digits-mlp`).
    pub model: String,
    /// The version label.
    pub version: String,
    /// SHA-256 of each file, sorted by path.
    pub files: Vec<FileDigest>,
    /// The per-tensor Merkle root of the weights.
    pub tensor_root: Digest,
    /// Digest of the architecture.
    pub architecture: Digest,
    /// Parents and how the version derives from each.
    pub parents: Vec<ParentRef>,
    /// Roots of the datasets it was trained on.
    pub datasets: Vec<Digest>,
    /// How it was trained, if it was.
    pub training: Option<TrainingRun>,
    /// Its licence.
    pub licence: Licence,
    /// Its status.
    pub status: VersionStatus,
    /// Who registered it (an account, as the ledger prints it).
    pub registrant: String,
    /// Height of the block that registered it.
    pub height: u64,
    /// Time of that block, milliseconds since the Unix epoch.
    pub time_ms: u64,
}

impl ModelVersionRecord {
    /// `model@version`, as the CLI names a version.
    pub fn label(&self) -> String {
        format!("{}@{}", self.model, self.version)
    }
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A time in milliseconds since the Unix epoch as an RFC 3339 UTC timestamp
/// (`2026-11-25T10:00:00Z`, with `.mmm` when the milliseconds are not zero).
pub fn rfc3339_utc(ms: u64) -> String {
    let seconds = ms / 1000;
    let millis = ms % 1000;
    let days = (seconds / 86_400) as i64;
    let second_of_day = seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    let (hour, minute, second) = (
        second_of_day / 3600,
        second_of_day % 3600 / 60,
        second_of_day % 60,
    );
    if millis == 0 {
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
    } else {
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{millis:03}Z")
    }
}

/// The UTC calendar date of a time in milliseconds since the Unix epoch (`2026-11-25`).
pub fn date_utc(ms: u64) -> String {
    let (year, month, day) = civil_from_days((ms / 86_400_000) as i64);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn licence(expression: &str) -> Licence {
        Licence {
            expression: expression.to_owned(),
            raw: expression.to_owned(),
        }
    }

    #[test]
    fn test_rfc3339_utc_known_instants() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_utc(1_764_064_800_123), "2025-11-25T10:00:00.123Z");
        assert_eq!(rfc3339_utc(4_102_444_799_000), "2099-12-31T23:59:59Z");
        assert_eq!(date_utc(1_764_064_800_123), "2025-11-25");
    }

    #[test]
    fn test_terms_split_operators_and_exceptions() {
        assert_eq!(
            licence("(Apache-2.0 WITH LLVM-exception OR MIT) AND LicenseRef-llama3.1 AND MIT")
                .terms(),
            [
                LicenceTerm::Listed("Apache-2.0"),
                LicenceTerm::Exception("LLVM-exception"),
                LicenceTerm::Listed("MIT"),
                LicenceTerm::Reference("LicenseRef-llama3.1"),
            ]
        );
        assert_eq!(
            licence("MIT").single_term(),
            Some(LicenceTerm::Listed("MIT"))
        );
        assert_eq!(licence("MIT OR Apache-2.0").single_term(), None);
        assert_eq!(
            LicenceTerm::Listed("GPL-2.0+").spdx_url().as_deref(),
            Some("https://spdx.org/licenses/GPL-2.0.html")
        );
        assert_eq!(LicenceTerm::Reference("LicenseRef-x").spdx_url(), None);
    }
}
