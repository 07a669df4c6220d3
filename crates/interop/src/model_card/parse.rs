//! Reading a README's YAML front matter into the card fields the ledger uses.

use std::fmt;

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

use super::ModelCardError;
use crate::record::Relation;

/// How a model derives from its `base_model`, as the Hub spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BaseModelRelation {
    /// `adapter`: an adapter (e.g. LoRA) on top of the base model.
    Adapter,
    /// `merge`: a merge of several base models.
    Merge,
    /// `quantized`: a quantised copy of the base model.
    Quantized,
    /// `finetune`: further training of the base model.
    Finetune,
}

impl BaseModelRelation {
    /// Every relation the Hub knows.
    pub const ALL: &'static [Self] = &[Self::Adapter, Self::Merge, Self::Quantized, Self::Finetune];

    /// The Hub's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Adapter => "adapter",
            Self::Merge => "merge",
            Self::Quantized => "quantized",
            Self::Finetune => "finetune",
        }
    }

    /// The relation with this Hub name.
    pub fn from_hub(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|relation| relation.as_str() == name)
    }
}

impl From<BaseModelRelation> for Relation {
    /// The ledger's relation for the Hub's (the ledger has every Hub relation, and `distilled`).
    fn from(relation: BaseModelRelation) -> Self {
        match relation {
            BaseModelRelation::Adapter => Self::Adapter,
            BaseModelRelation::Merge => Self::Merge,
            BaseModelRelation::Quantized => Self::Quantized,
            BaseModelRelation::Finetune => Self::Finetune,
        }
    }
}

impl fmt::Display for BaseModelRelation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The fields of a model card's front matter that the ledger reads. Other keys (`metrics`,
/// `model-index`, `widget`, ...) are ignored.
///
/// Fields the Hub allows as a string or a list (`base_model`, `datasets`, `language`, `tags`) are
/// lists here; a missing field, or one set to `null`, is `None` or an empty list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CardMetadata {
    /// `license`: a Hub licence id (`apache-2.0`, `llama3.1`, `other`...).
    pub license: Option<String>,
    /// `license_name`: the short name of a licence when `license` is `other`.
    pub license_name: Option<String>,
    /// `license_link`: a link (or a file in the repository) to that licence.
    pub license_link: Option<String>,
    /// `datasets`: Hub dataset ids the model was trained on.
    pub datasets: Vec<String>,
    /// `base_model`: the Hub ids of the models it derives from.
    pub base_model: Vec<String>,
    /// `base_model_relation`: how it derives from them.
    pub base_model_relation: Option<BaseModelRelation>,
    /// `library_name`: the library it runs with (`transformers`, `peft`, `gguf`...).
    pub library_name: Option<String>,
    /// `pipeline_tag`: its task (`text-generation`, `image-classification`...).
    pub pipeline_tag: Option<String>,
    /// `language`: languages (ISO 639 codes).
    pub language: Vec<String>,
    /// `tags`: free tags.
    pub tags: Vec<String>,
}

/// A model card: its front matter (when it has one) and its Markdown body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelCard {
    /// The front matter's fields, `None` when the README has no front matter.
    pub metadata: Option<CardMetadata>,
    /// The Markdown after the front matter (the whole README when it has none).
    pub body: String,
}

/// A front matter block found in a README.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrontMatter<'a> {
    /// The YAML between the `---` lines.
    pub yaml: &'a str,
    /// The line of the README on which the YAML starts (1-based).
    pub first_line: usize,
    /// The Markdown after the closing `---` line.
    pub body: &'a str,
}

/// Finds the front matter of a README, as `huggingface_hub` does.
///
/// A front matter block opens with a `---` line, preceded only by whitespace (and a byte order
/// mark), and closes at the first line that is `---` (trailing spaces and tabs allowed). A README
/// that does not start that way has no front matter (`Ok(None)`); one that opens a block without
/// closing it is refused ([`ModelCardError::UnterminatedFrontMatter`]), where the Hub would
/// silently read the whole README as the body. Lines end with `\n` or `\r\n`.
/// Unlike `huggingface_hub`, `---` right after the opening line is an empty block.
pub fn split_front_matter(readme: &str) -> Result<Option<FrontMatter<'_>>, ModelCardError> {
    let text = readme.strip_prefix('\u{feff}').unwrap_or(readme);
    let after_whitespace = text.trim_start();
    let leading = &text[..text.len() - after_whitespace.len()];
    let Some(after_dashes) = after_whitespace.strip_prefix("---") else {
        return Ok(None);
    };
    let Some(content) = after_dashes
        .strip_prefix("\r\n")
        .or_else(|| after_dashes.strip_prefix('\n'))
    else {
        return Ok(None);
    };
    let opening_line = 1 + leading.matches('\n').count();
    let mut offset = 0;
    for line in content.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if bare.trim_end_matches([' ', '\t']) == "---" {
            return Ok(Some(FrontMatter {
                yaml: &content[..offset],
                first_line: opening_line + 1,
                body: &content[offset + line.len()..],
            }));
        }
        offset += line.len();
    }
    Err(ModelCardError::UnterminatedFrontMatter { line: opening_line })
}

/// Reads a README: its front matter's fields and its body.
///
/// Fails on an unterminated front matter, invalid YAML (including duplicated keys), more than
/// one YAML document, a front matter that is not a mapping, a non-string key, a field of the
/// wrong type or an unknown `base_model_relation`; each error names the field and the README
/// line.
pub fn parse_model_card(readme: &str) -> Result<ModelCard, ModelCardError> {
    let Some(front_matter) = split_front_matter(readme)? else {
        return Ok(ModelCard {
            metadata: None,
            body: readme.to_owned(),
        });
    };
    let metadata = parse_front_matter(front_matter.yaml, front_matter.first_line)?;
    Ok(ModelCard {
        metadata: Some(metadata),
        body: front_matter.body.to_owned(),
    })
}

/// What a YAML node is, for error messages.
fn describe(node: &MarkedYaml<'_>) -> &'static str {
    match &node.data {
        YamlData::Value(Scalar::Null) => "null",
        YamlData::Value(Scalar::Boolean(_)) => "a boolean",
        YamlData::Value(Scalar::Integer(_)) => "an integer",
        YamlData::Value(Scalar::FloatingPoint(_)) => "a number",
        YamlData::Value(Scalar::String(_)) => "a string",
        YamlData::Representation(..) => "an unresolved scalar",
        YamlData::Sequence(_) => "a list",
        YamlData::Mapping(_) => "a mapping",
        YamlData::Tagged(..) => "a tagged value (custom tags are not allowed)",
        YamlData::Alias(_) => "an unresolved alias",
        YamlData::BadValue => "an invalid value",
    }
}

/// Reads front matter YAML whose first line is line `first_line` of the README.
///
/// The YAML loader rejects duplicated keys, and bounds alias expansion and nesting, so a
/// hostile README cannot blow up memory or the stack.
pub fn parse_front_matter(yaml: &str, first_line: usize) -> Result<CardMetadata, ModelCardError> {
    let line_of = |node: &MarkedYaml<'_>| first_line + node.span.start.line().saturating_sub(1);
    let documents = MarkedYaml::load_from_str(yaml).map_err(|error| ModelCardError::Yaml {
        message: error.info().to_owned(),
        line: first_line + error.marker().line().saturating_sub(1),
        column: error.marker().col() + 1,
    })?;
    let document = match documents.as_slice() {
        [] => return Ok(CardMetadata::default()),
        [document] => document,
        documents => return Err(ModelCardError::MultipleDocuments(documents.len())),
    };
    let mapping = match &document.data {
        YamlData::Value(Scalar::Null) => return Ok(CardMetadata::default()),
        YamlData::Mapping(mapping) => mapping,
        _ => {
            return Err(ModelCardError::NotAMapping {
                found: describe(document),
            });
        }
    };

    let string = |key: &str, node: &MarkedYaml<'_>| -> Result<Option<String>, ModelCardError> {
        match &node.data {
            YamlData::Value(Scalar::Null) => Ok(None),
            YamlData::Value(Scalar::String(text)) => Ok(Some(text.to_string())),
            _ => Err(ModelCardError::WrongType {
                key: key.to_owned(),
                expected: "a string",
                found: describe(node),
                line: line_of(node),
            }),
        }
    };
    let strings = |key: &str, node: &MarkedYaml<'_>| -> Result<Vec<String>, ModelCardError> {
        match &node.data {
            YamlData::Value(Scalar::Null) => Ok(Vec::new()),
            YamlData::Value(Scalar::String(text)) => Ok(vec![text.to_string()]),
            YamlData::Sequence(items) => items
                .iter()
                .enumerate()
                .map(|(item_idx, item)| match &item.data {
                    YamlData::Value(Scalar::String(text)) => Ok(text.to_string()),
                    _ => Err(ModelCardError::WrongType {
                        key: format!("{key}[{item_idx}]"),
                        expected: "a string",
                        found: describe(item),
                        line: line_of(item),
                    }),
                })
                .collect(),
            _ => Err(ModelCardError::WrongType {
                key: key.to_owned(),
                expected: "a string or a list of strings",
                found: describe(node),
                line: line_of(node),
            }),
        }
    };

    let mut metadata = CardMetadata::default();
    for (key_node, value) in mapping.iter() {
        let key = match &key_node.data {
            YamlData::Value(Scalar::String(key)) => key.as_ref(),
            _ => {
                return Err(ModelCardError::NonStringKey {
                    found: describe(key_node),
                    line: line_of(key_node),
                });
            }
        };
        match key {
            "license" => metadata.license = string(key, value)?,
            "license_name" => metadata.license_name = string(key, value)?,
            "license_link" => metadata.license_link = string(key, value)?,
            "datasets" => metadata.datasets = strings(key, value)?,
            "base_model" => metadata.base_model = strings(key, value)?,
            "base_model_relation" => {
                metadata.base_model_relation = match string(key, value)? {
                    None => None,
                    Some(name) => match BaseModelRelation::from_hub(&name) {
                        Some(relation) => Some(relation),
                        None => {
                            return Err(ModelCardError::UnknownRelation {
                                value: name,
                                line: line_of(value),
                            });
                        }
                    },
                };
            }
            "library_name" => metadata.library_name = string(key, value)?,
            "pipeline_tag" => metadata.pipeline_tag = string(key, value)?,
            "language" => metadata.language = strings(key, value)?,
            "tags" => metadata.tags = strings(key, value)?,
            _ => {}
        }
    }
    Ok(metadata)
}
