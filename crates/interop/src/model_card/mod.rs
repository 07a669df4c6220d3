//! Hugging Face model cards: read the YAML front matter of a README into the fields the ledger
//! imports when registering a model version, and write a version's record as a README the Hub
//! (and `huggingface_hub.ModelCard`) reads.
//!
//! # Reading
//!
//! [`parse_model_card`] finds the front matter as `huggingface_hub` does ([`split_front_matter`])
//! and reads `license`, `license_name`, `license_link`, `datasets`, `base_model` (a string or a
//! list), `base_model_relation` (`adapter`, `merge`, `quantized`, `finetune`), `library_name`,
//! `pipeline_tag`, `language` and `tags` into a [`CardMetadata`]; other keys are ignored. A
//! malformed front matter is an error that names the field and the README line
//! ([`ModelCardError`]): YAML syntax, a duplicated key, several documents, a front matter that is
//! not a mapping, a value of the wrong type, an unknown relation, a custom tag, an unterminated
//! block. The YAML is read as YAML 1.2 (`no` is the string `no`, Norwegian, not `false`).
//!
//! Licence ids are returned as written: the CLI maps them to SPDX with the ledger's
//! licence rules (Hub ids like `apache-2.0` map exactly, Hub-only ids become `LicenseRef-…`).
//!
//! # Writing
//!
//! [`export_model_card`] writes a version's record, its parents and its datasets as front
//! matter plus a short Markdown body. The licence becomes a Hub id where the Hub has one, else
//! `other` with `license_name` and `license_link` ([`hub_license`]); the parents become
//! `base_model` and `base_model_relation` ([`hub_relation`]); the datasets become `datasets`
//! (their Hub ids if given, else their ledger names). An `ailedger` mapping carries the ledger
//! ids. Strings are quoted wherever YAML 1.1 (PyYAML, which the Hub uses) could read them as
//! something else (`no`, `1.0`, `2024-01-01`, hex ids starting with a digit).
//!
//! ```
//! use ailedger_interop::model_card::{BaseModelRelation, parse_model_card};
//!
//! let readme = "---\nlicense: apache-2.0\nbase_model: acme/base\nbase_model_relation: quantized\n---\n# Card\n";
//! let card = parse_model_card(readme)?;
//! let metadata = card.metadata.expect("the README has front matter");
//! assert_eq!(metadata.base_model, ["acme/base"]);
//! assert_eq!(metadata.base_model_relation, Some(BaseModelRelation::Quantized));
//! assert_eq!(card.body, "# Card\n");
//! # Ok::<(), ailedger_interop::model_card::ModelCardError>(())
//! ```
//!
//! The YAML crate is `saphyr` (pure Rust, YAML 1.2, maintained by the authors of `yaml-rust2`, with
//! a bound on alias expansion and nesting): `serde_yaml` is deprecated, `serde_yml` is an
//! unmaintained shim, `serde_norway` wraps a C-to-Rust port of libyaml, and a serde mapping would
//! not give the per-field errors with line numbers this module reports. Only reading needs it;
//! the writer is a few lines of string building with explicit quoting.

mod error;
mod export;
mod parse;

pub use error::ModelCardError;
pub use export::{
    CardDataset, CardOptions, CardParent, HUB_ONLY_LICENSES, HUB_SPDX_LICENSES, HubLicense,
    export_model_card, hub_license, hub_relation,
};
pub use parse::{
    BaseModelRelation, CardMetadata, FrontMatter, ModelCard, parse_front_matter, parse_model_card,
    split_front_matter,
};

#[cfg(test)]
mod tests;
