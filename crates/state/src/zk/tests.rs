//! The zk module on an in-memory chain with the real executor, with real proofs of a small
//! model built in code.

use super::{
    IdentitySpec, MAX_PROOF_LEN, ProofSpec, SUBMIT_PROOF_GAS, Zk, ZkMsg, inference_id,
    input_digest, query, verify_gas,
};
use crate::test_chain::TestChain;
use crate::{
    BlockOutput, Module, TxError, bank,
    executor::CheckError,
    head_key,
    provenance::{Provenance, ProvenanceMsg, version_id},
};
use ailedger_core::{Hash, Outcome, Receipt, SecretKey, sha256};
use ailedger_zkml::{
    arch::{Arch, Layer, Requant},
    key::ProvingKey,
    prover,
    quantise::{LinearWeights, QuantModel},
};
use bytes::Bytes;
use commonware_codec::Encode;
use futures::executor::block_on;
use std::collections::BTreeSet;
use std::ops::{Deref, DerefMut};

const GAS_LIMIT: u64 = 100_000_000;

fn key(i: u64) -> SecretKey {
    SecretKey::from_seed(700 + i)
}

/// A 16-8-4 MLP with a fused ReLU; `seed` changes the weights (another version of it).
fn model(seed: i32) -> QuantModel {
    let arch = Arch::new(
        vec![1, 16],
        0.05,
        0.01,
        vec![
            Layer::Dense {
                in_dim: 16,
                out_dim: 8,
                requant: Some(Requant {
                    multiplier: 1 << 20,
                    shift: 27,
                    min: 0,
                    max: 127,
                }),
            },
            Layer::Dense {
                in_dim: 8,
                out_dim: 4,
                requant: None,
            },
        ],
    )
    .expect("valid architecture");
    let weights = |n: i32, salt: i32| -> Vec<i8> {
        (0..n)
            .map(|i| ((i * 37 + salt * 11 + seed) % 255 - 127) as i8)
            .collect()
    };
    QuantModel::new(
        arch,
        vec![
            LinearWeights {
                weight: weights(16 * 8, 1),
                bias: (0..8).map(|i| i * 100 - 300).collect(),
            },
            LinearWeights {
                weight: weights(8 * 4, 2),
                bias: vec![5, -5, 10, -10],
            },
        ],
    )
    .expect("valid model")
}

fn input(shift: i8) -> Vec<i8> {
    (0..16).map(|i| i * 7 - 50 + shift).collect()
}

fn identity_spec(version: Hash, key: &ProvingKey) -> IdentitySpec {
    let vk = key.verifying_key();
    IdentitySpec {
        version,
        descriptor: vk.arch().encode(),
        weight_root: Hash::from(vk.weight_root()),
    }
}

fn proof_spec(version: Hash, key: &ProvingKey, x: &[i8]) -> ProofSpec {
    let (output, proof) = prover::prove(key, x).expect("proves");
    ProofSpec {
        version,
        input: x.to_vec(),
        output,
        proof: Bytes::from(proof),
    }
}

/// The shared test chain, with this module's messages.
struct Chain(TestChain);

impl Deref for Chain {
    type Target = TestChain;
    fn deref(&self) -> &TestChain {
        &self.0
    }
}

impl DerefMut for Chain {
    fn deref_mut(&mut self) -> &mut TestChain {
        &mut self.0
    }
}

impl Chain {
    fn new() -> Self {
        Self(TestChain::new(key, GAS_LIMIT))
    }

    fn send(&mut self, from: u64, msg: &ZkMsg) -> (Receipt, BlockOutput) {
        self.0.send(from, Zk::ID, msg.encode().to_vec())
    }

    fn ok(&mut self, from: u64, msg: &ZkMsg) -> Receipt {
        self.succeed(from, Zk::ID, msg.encode().to_vec())
    }

    /// A failure that writes nothing but the fee (sender, proposer, chain head) and records
    /// nothing; returns its code.
    fn refused(&mut self, from: u64, msg: &ZkMsg) -> String {
        let before =
            block_on(bank::query::account(&self.store, &key(from).address())).expect("read");
        let (receipt, output) = self.send(from, msg);
        let Outcome::Failed { code, .. } = &receipt.outcome else {
            panic!("expected a failure, got {receipt:?}");
        };
        assert!(receipt.events.is_empty());
        let allowed: BTreeSet<_> = [
            bank::query::account_key(&key(from).address()),
            bank::query::account_key(&key(99).address()),
            head_key(),
        ]
        .into();
        let written: BTreeSet<_> = output.writes.iter().map(|(k, _)| *k).collect();
        assert!(written.is_subset(&allowed), "{code}: {written:?}");
        let after =
            block_on(bank::query::account(&self.store, &key(from).address())).expect("read");
        assert!(receipt.fee > 0);
        assert_eq!(
            after.balance,
            before.balance - receipt.fee,
            "{code}: fee paid"
        );
        code.clone()
    }

    fn check(&self, from: u64, msg: &ZkMsg) -> Result<(), CheckError> {
        self.0.check(from, Zk::ID, msg.encode().to_vec())
    }

    fn provenance(&mut self, from: u64, msg: ProvenanceMsg) {
        self.succeed(from, Provenance::ID, msg.encode().to_vec());
    }
}

fn invalid(result: Result<(), CheckError>) -> String {
    match result {
        Err(CheckError::Tx(TxError::InvalidMessage { module, reason })) => {
            assert_eq!(module, "zk");
            reason
        }
        other => panic!("expected an invalid message, got {other:?}"),
    }
}

#[test]
fn messages_round_trip_and_refuse_trailing_bytes() {
    let pk = ProvingKey::new(model(0)).expect("commits");
    for msg in [
        ZkMsg::RegisterIdentity(identity_spec(sha256(&[b"v"]), &pk)),
        ZkMsg::SubmitProof(proof_spec(sha256(&[b"v"]), &pk, &input(0))),
    ] {
        let bytes = msg.encode();
        assert_eq!(Zk::decode(&bytes).expect("decodes"), msg);
        let mut longer = bytes.to_vec();
        longer.push(0);
        assert!(Zk::decode(&longer).is_err());
        assert!(Zk::decode(&bytes[..bytes.len() - 1]).is_err());
        assert!(Zk::decode(&[7u8, 0]).is_err());
    }
}

#[test]
fn the_owner_attaches_an_identity_once() {
    let mut chain = Chain::new();
    let version = chain.version("acme/mlp", "v1");
    let pk = ProvingKey::new(model(0)).expect("commits");
    let msg = ZkMsg::RegisterIdentity(identity_spec(version, &pk));

    // Someone else than the owner.
    assert_eq!(chain.refused(2, &msg), "NOT_MODEL_OWNER");
    // A version nobody registered.
    let unknown = ZkMsg::RegisterIdentity(identity_spec(version_id("acme/mlp", "v9"), &pk));
    assert_eq!(chain.refused(1, &unknown), "VERSION_NOT_FOUND");

    let receipt = chain.ok(1, &msg);
    assert_eq!(receipt.events[0].kind, "identity_registered");
    let record = block_on(query::identity(&chain.store, &version))
        .expect("read")
        .value
        .expect("registered");
    let vk = pk.verifying_key();
    assert_eq!(record.identity, Hash::from(vk.identity()));
    assert_eq!(record.model, "acme/mlp");
    assert_eq!(record.descriptor, vk.arch().encode());
    assert_eq!(record.pcs_params, vk.pcs_params());
    assert_eq!(record.registrant, key(1).address());
    assert_eq!(
        ailedger_zkml::key::identity(&record.descriptor, &record.pcs_params, &vk.weight_root()),
        vk.identity()
    );

    // Once: not even the same identity again, nor another.
    assert_eq!(chain.refused(1, &msg), "IDENTITY_EXISTS");
    let other = ProvingKey::new(model(3)).expect("commits");
    assert_eq!(
        chain.refused(1, &ZkMsg::RegisterIdentity(identity_spec(version, &other))),
        "IDENTITY_EXISTS"
    );
}

#[test]
fn a_revoked_version_takes_no_identity_and_no_proof() {
    let mut chain = Chain::new();
    let pk = ProvingKey::new(model(0)).expect("commits");
    let revoked = chain.version("acme/mlp", "v1");
    chain.provenance(
        1,
        ProvenanceMsg::RevokeVersion {
            id: revoked,
            reason: "leaked test data".into(),
        },
    );
    assert_eq!(
        chain.refused(1, &ZkMsg::RegisterIdentity(identity_spec(revoked, &pk))),
        "VERSION_REVOKED"
    );

    let later = chain.version("acme/mlp", "v2");
    chain.ok(1, &ZkMsg::RegisterIdentity(identity_spec(later, &pk)));
    chain.provenance(
        1,
        ProvenanceMsg::RevokeVersion {
            id: later,
            reason: "superseded".into(),
        },
    );
    assert_eq!(
        chain.refused(3, &ZkMsg::SubmitProof(proof_spec(later, &pk, &input(0)))),
        "VERSION_REVOKED"
    );
}

#[test]
fn bad_descriptors_are_refused_before_any_block() {
    let chain = Chain::new();
    let pk = ProvingKey::new(model(0)).expect("commits");
    let good = identity_spec(sha256(&[b"v"]), &pk);
    let with = |descriptor: Vec<u8>| {
        ZkMsg::RegisterIdentity(IdentitySpec {
            descriptor,
            ..good.clone()
        })
    };
    let mut flipped_magic = good.descriptor.clone();
    flipped_magic[0] ^= 1;
    let cases = [
        (with(vec![]), "BAD_DESCRIPTOR"),
        (with(flipped_magic), "BAD_DESCRIPTOR"),
        (
            with(good.descriptor[..good.descriptor.len() - 1].to_vec()),
            "BAD_DESCRIPTOR",
        ),
        (
            with([good.descriptor.as_slice(), &[0]].concat()),
            "BAD_DESCRIPTOR",
        ),
        (with(vec![0; super::MAX_DESCRIPTOR_LEN]), "BAD_DESCRIPTOR"),
    ];
    for (msg, code) in cases {
        let reason = invalid(chain.check(1, &msg));
        assert!(reason.starts_with(code), "{reason}");
    }
    // One byte over the bound does not even decode.
    let too_long = with(vec![0; super::MAX_DESCRIPTOR_LEN + 1]).encode();
    assert!(Zk::decode(&too_long).is_err());

    // A valid descriptor of a model the verifier does not support (a ReLU that is not fused
    // into a requantisation).
    let requant = ailedger_zkml::arch::Requant {
        multiplier: 1 << 30,
        shift: 36,
        min: -128,
        max: 127,
    };
    let unfused = Arch::new(
        vec![1, 4],
        0.1,
        0.1,
        vec![
            Layer::Dense {
                in_dim: 4,
                out_dim: 4,
                requant: Some(requant),
            },
            Layer::Relu,
            Layer::Dense {
                in_dim: 4,
                out_dim: 2,
                requant: None,
            },
        ],
    )
    .expect("valid architecture");
    let reason = invalid(chain.check(1, &with(unfused.encode())));
    assert!(reason.starts_with("UNPROVABLE_ARCHITECTURE"), "{reason}");

    // A convolution whose im2col matrix is too large for the verifier's share of the gas.
    let conv = Arch::new(
        vec![1, 1, 1024, 1024],
        0.1,
        0.1,
        vec![Layer::Conv {
            geometry: ailedger_zkml::geometry::ConvGeometry {
                input: [1, 1024, 1024],
                c_out: 1,
                kernel: [3, 3],
                stride: [1, 1],
                pads: [0, 0, 0, 0],
            },
            requant: None,
        }],
    )
    .expect("valid architecture");
    let reason = invalid(chain.check(1, &with(conv.encode())));
    assert!(
        reason.starts_with("CIRCUIT_TOO_LARGE") && reason.contains("window"),
        "{reason}"
    );

    // A valid dense model too large to verify on the chain.
    let wide = Arch::new(
        vec![1, 1 << 12],
        0.1,
        0.1,
        vec![Layer::Dense {
            in_dim: 1 << 12,
            out_dim: 1 << 12,
            requant: None,
        }],
    )
    .expect("valid architecture");
    let reason = invalid(chain.check(1, &with(wide.encode())));
    assert!(reason.starts_with("CIRCUIT_TOO_LARGE"), "{reason}");

    assert_eq!(chain.check(1, &ZkMsg::RegisterIdentity(good)), Ok(()));
}

#[test]
fn a_valid_proof_is_verified_and_recorded_once() {
    let mut chain = Chain::new();
    let version = chain.version("acme/mlp", "v1");
    let pk = ProvingKey::new(model(0)).expect("commits");
    let spec = proof_spec(version, &pk, &input(0));
    let msg = ZkMsg::SubmitProof(spec.clone());

    // No identity yet.
    assert_eq!(chain.refused(3, &msg), "NO_PROVING_IDENTITY");
    chain.ok(1, &ZkMsg::RegisterIdentity(identity_spec(version, &pk)));

    // Anyone may submit.
    let receipt = chain.ok(3, &msg);
    assert_eq!(receipt.events[0].kind, "inference_verified");
    let descriptor_len = pk.verifying_key().arch().encode().len();
    let window_entries = pk.verifying_key().circuit().window_entries;
    assert!(
        receipt.gas_used > SUBMIT_PROOF_GAS + verify_gas(descriptor_len, window_entries, &spec)
    );
    let id = inference_id(&version, &spec.input, &spec.output);
    assert_eq!(spec.inference_id(), id);
    let queried = block_on(query::inference(&chain.store, &id)).expect("read");
    assert_eq!(queried.keys, vec![query::inference_key(&id)]);
    let record = queried.value.expect("recorded");
    assert_eq!(record.id, id);
    assert_eq!(record.version, version);
    assert_eq!(record.identity, Hash::from(pk.verifying_key().identity()));
    assert_eq!(record.input_digest, input_digest(&spec.input));
    assert_eq!(record.input_len, 16);
    assert_eq!(record.output, spec.output);
    assert_eq!(record.proof_digest, sha256(&[spec.proof.as_ref()]));
    assert_eq!(record.proof_len as usize, spec.proof.len());
    assert_eq!(record.tx, receipt.tx_hash);
    assert_eq!(record.submitter, key(3).address());
    assert_eq!(record.height, chain.height);

    // The same inference again, even with the same valid proof.
    assert_eq!(chain.refused(4, &msg), "INFERENCE_EXISTS");
    // Another input is another inference.
    chain.ok(4, &ZkMsg::SubmitProof(proof_spec(version, &pk, &input(3))));
}

#[test]
fn bad_proofs_are_refused_with_a_precise_code_and_pay_their_fee() {
    let mut chain = Chain::new();
    let version = chain.version("acme/mlp", "v1");
    let pk = ProvingKey::new(model(0)).expect("commits");
    chain.ok(1, &ZkMsg::RegisterIdentity(identity_spec(version, &pk)));
    // Another version of the same model, other weights, its own identity.
    let version2 = chain.version("acme/mlp", "v2");
    let pk2 = ProvingKey::new(model(5)).expect("commits");
    chain.ok(1, &ZkMsg::RegisterIdentity(identity_spec(version2, &pk2)));

    let good = proof_spec(version, &pk, &input(0));
    let with_proof = |proof: Vec<u8>| {
        ZkMsg::SubmitProof(ProofSpec {
            proof: Bytes::from(proof),
            ..good.clone()
        })
    };
    let proof = good.proof.to_vec();

    let mut tampered = proof.clone();
    tampered[proof.len() / 2] ^= 0x10;
    assert!(matches!(
        chain.refused(3, &with_proof(tampered)).as_str(),
        "PROOF_REJECTED" | "PROOF_NONCANONICAL"
    ));
    let mut late = proof.clone();
    *late.last_mut().expect("non-empty") ^= 1;
    assert_eq!(chain.refused(3, &with_proof(late)), "PROOF_REJECTED");
    let mut header = proof.clone();
    header[0] ^= 1;
    assert_eq!(chain.refused(3, &with_proof(header)), "PROOF_HEADER");
    // The verifier checks messages as it reads them, so a proof cut late may fail a check
    // before the read that would find it short.
    for len in [proof.len() - 1, proof.len() / 2] {
        assert!(matches!(
            chain
                .refused(3, &with_proof(proof[..len].to_vec()))
                .as_str(),
            "PROOF_TRUNCATED" | "PROOF_REJECTED"
        ));
    }
    assert_eq!(
        chain.refused(3, &with_proof(proof[..11].to_vec())),
        "PROOF_TRUNCATED"
    );
    assert_eq!(
        chain.refused(3, &with_proof([proof.as_slice(), &[0]].concat())),
        "PROOF_TRAILING_BYTES"
    );

    // The proof of one input, claimed for another; another output; another version.
    let mut other_input = good.clone();
    other_input.input[5] = other_input.input[5].wrapping_add(1);
    assert_eq!(
        chain.refused(3, &ZkMsg::SubmitProof(other_input)),
        "PROOF_REJECTED"
    );
    let mut other_output = good.clone();
    other_output.output[0] += 1;
    assert_eq!(
        chain.refused(3, &ZkMsg::SubmitProof(other_output)),
        "PROOF_REJECTED"
    );
    let other_version = ProofSpec {
        version: version2,
        ..good.clone()
    };
    assert_eq!(
        chain.refused(3, &ZkMsg::SubmitProof(other_version)),
        "PROOF_REJECTED"
    );
    let mut short_input = good.clone();
    short_input.input.pop();
    assert_eq!(
        chain.refused(3, &ZkMsg::SubmitProof(short_input)),
        "INPUT_LENGTH"
    );

    // Nothing was recorded; the honest proof still goes through.
    assert_eq!(
        block_on(query::inference(&chain.store, &good.inference_id()))
            .expect("read")
            .value,
        None
    );
    chain.ok(3, &ZkMsg::SubmitProof(good));
}

#[test]
fn oversized_and_empty_proofs_never_enter_a_block() {
    let chain = Chain::new();
    let pk = ProvingKey::new(model(0)).expect("commits");
    let good = proof_spec(sha256(&[b"v"]), &pk, &input(0));
    let over = ZkMsg::SubmitProof(ProofSpec {
        proof: Bytes::from(vec![0u8; MAX_PROOF_LEN + 1]),
        ..good.clone()
    });
    assert!(over.encode().len() <= ailedger_core::MAX_PAYLOAD_LEN);
    assert!(invalid(chain.check(3, &over)).starts_with("PROOF_TOO_LARGE"));
    let empty = ZkMsg::SubmitProof(ProofSpec {
        input: vec![],
        ..good.clone()
    });
    assert!(invalid(chain.check(3, &empty)).starts_with("EMPTY_INPUT"));
    let at_limit = ZkMsg::SubmitProof(ProofSpec {
        proof: Bytes::from(vec![0u8; MAX_PROOF_LEN]),
        ..good
    });
    assert_eq!(chain.check(3, &at_limit), Ok(()));
}

#[test]
fn verification_gas_follows_sizes() {
    let pk = ProvingKey::new(model(0)).expect("commits");
    let spec = proof_spec(sha256(&[b"v"]), &pk, &input(0));
    let mut bigger = spec.clone();
    bigger.proof = Bytes::from([spec.proof.to_vec(), vec![0; 1000]].concat());
    assert_eq!(
        verify_gas(100, 0, &bigger) - verify_gas(100, 0, &spec),
        1000 * super::VERIFY_PROOF_BYTE_GAS
    );
    assert_eq!(
        verify_gas(101, 0, &spec) - verify_gas(100, 0, &spec),
        super::DESCRIPTOR_BYTE_GAS
    );
    assert_eq!(
        verify_gas(100, 1_000, &spec) - verify_gas(100, 0, &spec),
        1_000 * super::VERIFY_WINDOW_ENTRY_GAS
    );
    // At the module's bound the window work is charged ~8.4 million gas (~8 ms at the
    // schedule's one nanosecond per gas).
    assert_eq!(
        verify_gas(100, super::MAX_WINDOW_ENTRIES, &spec) - verify_gas(100, 0, &spec),
        8 * (1 << 20)
    );
}
