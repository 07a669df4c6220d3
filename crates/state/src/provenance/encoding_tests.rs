//! Encodings of the provenance messages and records: round trips, bounds, and rejection of
//! every non-canonical byte string (the standard of `ailedger-core`'s transaction tests).

use super::{
    CollectionPeriod, Dataset, DatasetMode, DatasetSpec, FileDigest, Licence, MAX_FILES,
    MAX_MODEL_NAME_LEN, MAX_PARENTS, Modality, Model, ModelVersion, Page, Parent, ProvenanceMsg,
    Relation, SourceCategory, StatusChange, TrainingRun, VersionHead, VersionSpec, VersionStatus,
};
use ailedger_core::{Address, Hash, SecretKey};
use commonware_codec::{Copying, Decode, Encode, Error, Write};
use commonware_cryptography::sha256::Digest;
use proptest::{collection::vec, option, prelude::*, sample::Index};

fn arb_hash() -> impl Strategy<Value = Hash> {
    any::<[u8; 32]>().prop_map(Digest)
}

fn arb_address() -> impl Strategy<Value = Address> {
    (0u64..1_000).prop_map(|seed| SecretKey::from_seed(seed).address())
}

/// Text of up to `max` bytes, with multi-byte characters.
fn arb_text(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9 ._/+-]{0,24}",
        "[\\PC]{0,12}",
        Just("é".repeat(max / 2)),
    ]
    .prop_filter("within the limit", move |s| s.len() <= max)
}

fn arb_licence() -> impl Strategy<Value = Licence> {
    (arb_text(64), arb_text(64)).prop_map(|(expression, raw)| Licence { expression, raw })
}

fn arb_period() -> impl Strategy<Value = Option<CollectionPeriod>> {
    option::of(
        (any::<u64>(), any::<u64>())
            .prop_map(|(start_ms, end_ms)| CollectionPeriod { start_ms, end_ms }),
    )
}

fn arb_enum<T: Copy + std::fmt::Debug + 'static>(all: &'static [T]) -> impl Strategy<Value = T> {
    proptest::sample::select(all)
}

fn arb_dataset_spec() -> impl Strategy<Value = DatasetSpec> {
    (
        (
            arb_hash(),
            arb_text(128),
            arb_hash(),
            any::<u64>(),
            any::<u64>(),
        ),
        (
            arb_enum(DatasetMode::ALL),
            arb_text(64),
            arb_text(200),
            arb_enum(SourceCategory::ALL),
            arb_enum(Modality::ALL),
        ),
        arb_period(),
        vec(arb_text(128), 0..4),
        vec(arb_hash(), 0..4),
    )
        .prop_map(
            |(
                (id, name, manifest, leaf_count, total_bytes),
                (mode, licence, source, source_category, modality),
                collection,
                contributors,
                evidence,
            )| DatasetSpec {
                id,
                name,
                manifest,
                leaf_count,
                total_bytes,
                mode,
                licence,
                source,
                source_category,
                modality,
                collection,
                contributors,
                evidence,
            },
        )
}

fn arb_parent() -> impl Strategy<Value = Parent> {
    (arb_hash(), arb_enum(Relation::ALL)).prop_map(|(id, relation)| Parent { id, relation })
}

fn arb_training() -> impl Strategy<Value = Option<TrainingRun>> {
    option::of((arb_hash(), "[0-9a-f]{0,64}", arb_text(128)).prop_map(
        |(config, code_commit, hardware)| TrainingRun {
            config,
            code_commit,
            hardware,
        },
    ))
}

fn arb_version_spec() -> impl Strategy<Value = VersionSpec> {
    (
        ("[a-z0-9._/-]{1,40}", "[A-Za-z0-9._+-]{1,20}"),
        vec(
            (arb_text(80), arb_hash()).prop_map(|(path, sha256)| FileDigest { path, sha256 }),
            0..5,
        ),
        (arb_hash(), arb_hash()),
        vec(arb_parent(), 0..4),
        vec(arb_hash(), 0..4),
        arb_training(),
        arb_text(64),
    )
        .prop_map(
            |(
                (model, version),
                files,
                (tensor_root, architecture),
                parents,
                datasets,
                training,
                licence,
            )| VersionSpec {
                model,
                version,
                files,
                tensor_root,
                architecture,
                parents,
                datasets,
                training,
                licence,
            },
        )
}

fn arb_msg() -> impl Strategy<Value = ProvenanceMsg> {
    prop_oneof![
        arb_dataset_spec().prop_map(ProvenanceMsg::RegisterDataset),
        "[a-z0-9._/-]{0,128}".prop_map(|name| ProvenanceMsg::RegisterModel { name }),
        arb_version_spec().prop_map(ProvenanceMsg::RegisterModelVersion),
        (arb_hash(), arb_text(512))
            .prop_map(|(id, reason)| ProvenanceMsg::DeprecateVersion { id, reason }),
        (arb_hash(), arb_text(512))
            .prop_map(|(id, reason)| ProvenanceMsg::RevokeVersion { id, reason }),
        ("[a-z0-9._/-]{1,64}", arb_address())
            .prop_map(|(name, new_owner)| ProvenanceMsg::TransferModel { name, new_owner }),
    ]
}

fn arb_dataset() -> impl Strategy<Value = Dataset> {
    (
        arb_dataset_spec(),
        arb_licence(),
        arb_address(),
        any::<u64>(),
        any::<u64>(),
    )
        .prop_map(|(spec, licence, registrant, height, time_ms)| Dataset {
            id: spec.id,
            name: spec.name,
            manifest: spec.manifest,
            leaf_count: spec.leaf_count,
            total_bytes: spec.total_bytes,
            mode: spec.mode,
            licence,
            source: spec.source,
            source_category: spec.source_category,
            modality: spec.modality,
            collection: spec.collection,
            contributors: spec.contributors,
            evidence: spec.evidence,
            registrant,
            height,
            time_ms,
        })
}

fn arb_version() -> impl Strategy<Value = ModelVersion> {
    (
        arb_version_spec(),
        arb_hash(),
        arb_licence(),
        arb_address(),
        any::<u64>(),
        any::<u64>(),
    )
        .prop_map(
            |(spec, id, licence, registrant, height, time_ms)| ModelVersion {
                id,
                model: spec.model,
                version: spec.version,
                files: spec.files,
                tensor_root: spec.tensor_root,
                architecture: spec.architecture,
                parents: spec.parents,
                datasets: spec.datasets,
                training: spec.training,
                licence,
                registrant,
                height,
                time_ms,
            },
        )
}

fn arb_model() -> impl Strategy<Value = Model> {
    (
        "[a-z0-9._/-]{1,128}",
        arb_address(),
        arb_address(),
        any::<u64>(),
        any::<u64>(),
    )
        .prop_map(|(name, owner, publisher, height, time_ms)| Model {
            name,
            owner,
            publisher,
            height,
            time_ms,
        })
}

fn arb_change() -> impl Strategy<Value = StatusChange> {
    (arb_text(512), any::<u64>(), any::<u64>()).prop_map(|(reason, height, time_ms)| StatusChange {
        reason,
        height,
        time_ms,
    })
}

fn arb_head() -> impl Strategy<Value = VersionHead> {
    (
        "[a-z0-9._/-]{1,128}",
        prop_oneof![
            Just(VersionStatus::Active),
            arb_change().prop_map(VersionStatus::Deprecated),
            arb_change().prop_map(VersionStatus::Revoked),
        ],
    )
        .prop_map(|(model, status)| VersionHead { model, status })
}

fn arb_page() -> impl Strategy<Value = Page> {
    vec(arb_hash(), 0..=super::PAGE_SIZE).prop_map(Page)
}

/// One edit of an encoding.
#[derive(Clone, Debug)]
enum Mutation {
    FlipBit(Index, u8),
    Truncate(Index),
    Insert(Index, u8),
    Append(Vec<u8>),
}

impl Mutation {
    fn apply(&self, bytes: &[u8]) -> Vec<u8> {
        let mut out = bytes.to_vec();
        match self {
            Self::FlipBit(index, bit) => out[index.index(bytes.len())] ^= 1 << bit,
            Self::Truncate(index) => out.truncate(index.index(bytes.len())),
            Self::Insert(index, byte) => out.insert(index.index(bytes.len() + 1), *byte),
            Self::Append(extra) => out.extend_from_slice(extra),
        }
        out
    }

    /// A strict prefix or an extension of a canonical encoding never decodes.
    fn must_be_rejected(&self) -> bool {
        matches!(self, Self::Truncate(_) | Self::Append(_))
    }
}

fn arb_mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<Index>(), 0u8..8).prop_map(|(index, bit)| Mutation::FlipBit(index, bit)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(index, byte)| Mutation::Insert(index, byte)),
        1 => vec(any::<u8>(), 1..8).prop_map(Mutation::Append),
    ]
}

/// Decodes `bytes`; if they decode, re-encoding must give them back exactly. Returns whether
/// they decoded.
fn check_canonical<T: Decode<Cfg = ()> + Encode>(bytes: &[u8]) -> Result<bool, TestCaseError> {
    match T::decode_cfg(Copying(bytes), &()) {
        Ok(value) => {
            prop_assert_eq!(value.encode_size(), bytes.len());
            let encoded = value.encode();
            prop_assert_eq!(encoded.as_ref(), bytes, "decoded bytes do not re-encode");
            Ok(true)
        }
        Err(_) => Ok(false),
    }
}

/// Round trip, then every mutation decodes only canonically, and prefixes and extensions never.
fn check_value<T: Decode<Cfg = ()> + Encode + PartialEq + std::fmt::Debug>(
    value: &T,
    mutation: &Mutation,
) -> Result<(), TestCaseError> {
    let bytes = value.encode();
    prop_assert_eq!(bytes.len(), value.encode_size());
    let decoded = T::decode_cfg(bytes.clone(), &()).expect("round trip");
    prop_assert_eq!(&decoded, value);
    if bytes.is_empty() {
        return Ok(());
    }
    let mutated = mutation.apply(&bytes);
    let decodes = check_canonical::<T>(&mutated)?;
    if mutation.must_be_rejected() {
        prop_assert!(!decodes, "{:?} of a valid encoding decoded", mutation);
    }
    Ok(())
}

fn decode_msg(bytes: &[u8]) -> Result<ProvenanceMsg, Error> {
    ProvenanceMsg::decode_cfg(Copying(bytes), &())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn messages_round_trip_and_mutations_decode_only_canonically(
        msg in arb_msg(),
        mutation in arb_mutation(),
    ) {
        check_value(&msg, &mutation)?;
    }

    #[test]
    fn repeatedly_mutated_messages_never_decode_non_canonically(
        msg in arb_msg(),
        mutations in vec(arb_mutation(), 1..6),
    ) {
        let mut bytes = msg.encode().to_vec();
        for mutation in &mutations {
            if bytes.is_empty() {
                break;
            }
            bytes = mutation.apply(&bytes);
        }
        check_canonical::<ProvenanceMsg>(&bytes)?;
    }

    #[test]
    fn every_prefix_of_a_message_is_rejected(msg in arb_msg()) {
        let bytes = msg.encode();
        for len in 0..bytes.len() {
            prop_assert!(decode_msg(&bytes[..len]).is_err(), "prefix of {} bytes decoded", len);
        }
    }

    #[test]
    fn arbitrary_bytes_after_a_valid_prefix_decode_only_canonically(
        msg in arb_msg(),
        cut in any::<Index>(),
        tail in vec(any::<u8>(), 0..120),
    ) {
        let bytes = msg.encode();
        let mut spliced = bytes[..cut.index(bytes.len())].to_vec();
        spliced.extend_from_slice(&tail);
        check_canonical::<ProvenanceMsg>(&spliced)?;
    }

    #[test]
    fn dataset_records_are_canonical(record in arb_dataset(), mutation in arb_mutation()) {
        check_value(&record, &mutation)?;
    }

    #[test]
    fn version_records_are_canonical(record in arb_version(), mutation in arb_mutation()) {
        check_value(&record, &mutation)?;
    }

    #[test]
    fn model_records_are_canonical(record in arb_model(), mutation in arb_mutation()) {
        check_value(&record, &mutation)?;
    }

    #[test]
    fn version_heads_are_canonical(head in arb_head(), mutation in arb_mutation()) {
        check_value(&head, &mutation)?;
    }

    #[test]
    fn pages_are_canonical(page in arb_page(), mutation in arb_mutation()) {
        check_value(&page, &mutation)?;
    }
}

#[test]
fn unknown_message_tags_are_rejected() {
    let mut bytes = ProvenanceMsg::RegisterModel { name: "a".into() }
        .encode()
        .to_vec();
    for tag in 6..=u8::MAX {
        bytes[0] = tag;
        assert!(
            matches!(decode_msg(&bytes), Err(Error::InvalidEnum(t)) if t == tag),
            "tag {tag}"
        );
    }
}

#[test]
fn unknown_relations_and_enum_values_are_rejected() {
    let parent = Parent {
        id: Digest([7; 32]),
        relation: Relation::Merge,
    };
    let mut bytes = parent.encode().to_vec();
    for tag in 5..=u8::MAX {
        bytes[32] = tag;
        assert!(matches!(
            Parent::decode_cfg(Copying(&bytes), &()),
            Err(Error::InvalidEnum(t)) if t == tag
        ));
    }
    assert!(matches!(
        Modality::decode_cfg(Copying(&[8u8][..]), &()),
        Err(Error::InvalidEnum(8))
    ));
    assert!(matches!(
        SourceCategory::decode_cfg(Copying(&[6u8][..]), &()),
        Err(Error::InvalidEnum(6))
    ));
    assert!(matches!(
        DatasetMode::decode_cfg(Copying(&[2u8][..]), &()),
        Err(Error::InvalidEnum(2))
    ));
    assert!(matches!(
        VersionStatus::decode_cfg(Copying(&[3u8][..]), &()),
        Err(Error::InvalidEnum(3))
    ));
    // An option flag is 0 or 1, nothing else.
    let mut period = Some(CollectionPeriod {
        start_ms: 1,
        end_ms: 2,
    })
    .encode()
    .to_vec();
    period[0] = 2;
    assert!(Option::<CollectionPeriod>::decode_cfg(Copying(&period[..]), &()).is_err());
}

#[test]
fn enum_names_round_trip() {
    for relation in Relation::ALL {
        assert_eq!(relation.as_str().parse::<Relation>(), Ok(*relation));
    }
    for category in SourceCategory::ALL {
        assert_eq!(
            category.to_string().parse::<SourceCategory>(),
            Ok(*category)
        );
    }
    for modality in Modality::ALL {
        assert_eq!(modality.as_str().parse::<Modality>(), Ok(*modality));
    }
    assert!("lora".parse::<Relation>().is_err());
}

#[test]
fn register_model_encoding_is_tag_then_length_prefixed_name() {
    let bytes = ProvenanceMsg::RegisterModel {
        name: "org/m".into(),
    }
    .encode();
    assert_eq!(bytes.as_ref(), b"\x01\x05org/m");
}

#[test]
fn non_minimal_string_lengths_are_rejected() {
    // "org/m" with its length 5 written as two varint bytes (0x85 0x00).
    assert!(matches!(
        decode_msg(b"\x01\x85\x00org/m"),
        Err(Error::InvalidVarint(_))
    ));
}

#[test]
fn over_long_fields_are_rejected_on_decode() {
    let name = "a".repeat(MAX_MODEL_NAME_LEN + 1);
    let mut bytes = vec![1u8];
    name.len().write(&mut bytes);
    bytes.extend_from_slice(name.as_bytes());
    assert!(matches!(
        decode_msg(&bytes),
        Err(Error::InvalidLength(len)) if len == MAX_MODEL_NAME_LEN + 1
    ));

    // A version with one parent too many.
    let spec = VersionSpec {
        model: "m".into(),
        version: "v".into(),
        files: Vec::new(),
        tensor_root: Digest([0; 32]),
        architecture: Digest([0; 32]),
        parents: vec![
            Parent {
                id: Digest([1; 32]),
                relation: Relation::Finetune,
            };
            MAX_PARENTS + 1
        ],
        datasets: Vec::new(),
        training: None,
        licence: "MIT".into(),
    };
    let bytes = ProvenanceMsg::RegisterModelVersion(spec).encode();
    assert!(matches!(
        decode_msg(&bytes),
        Err(Error::InvalidLength(len)) if len == MAX_PARENTS + 1
    ));

    // The file list is bounded too (the count alone decides, before any file is read).
    let mut bytes = vec![2u8];
    "m".len().write(&mut bytes);
    bytes.push(b'm');
    "v".len().write(&mut bytes);
    bytes.push(b'v');
    (MAX_FILES + 1).write(&mut bytes);
    assert!(matches!(
        decode_msg(&bytes),
        Err(Error::InvalidLength(len)) if len == MAX_FILES + 1
    ));
}

#[test]
fn invalid_utf8_is_rejected() {
    assert!(matches!(
        decode_msg(b"\x01\x02\xc3\x28"),
        Err(Error::Invalid(_, "not valid UTF-8"))
    ));
}
