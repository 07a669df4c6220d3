//! The zk module's messages, their canonical encoding, their stateless checks and the ids
//! derived from them.

use super::{
    error::MsgError,
    record::{MAX_DESCRIPTOR_LEN, MAX_INPUT_LEN, MAX_OUTPUT_LEN},
};
use ailedger_core::{Hash, sha256};
use ailedger_zkml::{
    arch::Arch,
    circuit::Circuit,
    key::{Identity, VerifyingKey},
};
use bytes::{BufMut, Bytes};
use commonware_codec::{Buf, EncodeSize, Error, FixedSize, RangeCfg, Read, ReadExt, Write};

/// Largest proof one [`ZkMsg::SubmitProof`] may carry, in bytes. With the largest input and
/// output it still fits one transaction message
/// ([`ailedger_core::MAX_PAYLOAD_LEN`], 1 MiB); the shared MNIST-size MLP's proofs are about
/// 528 KB.
pub const MAX_PROOF_LEN: usize = 896 * 1024;
/// Largest committed table (weights, or one inference's witness) a registered model may have,
/// in variables (`2^24` field elements). It keeps every Reed–Solomon codeword the verifier
/// indexes within 32-bit positions, and no proof of a larger model would fit
/// [`MAX_PROOF_LEN`] anyway.
pub const MAX_TABLE_VARS: usize = 24;
/// Most im2col and pooling-window entries a registered model may have. The verifier sums `eq`
/// weights over each of them (a few nanoseconds each, charged by
/// [`crate::zk::VERIFY_WINDOW_ENTRY_GAS`]); the bound keeps one verification's share of that
/// work to a few milliseconds.
pub const MAX_WINDOW_ENTRIES: usize = 1 << 20;

/// Domain tag of inference ids.
pub const INFERENCE_ID_TAG: &[u8] = b"ailedger/zk-inference/v1";

/// Attaches a proving identity to a registered model version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentitySpec {
    /// The model version (its provenance id).
    pub version: Hash,
    /// The architecture descriptor, in `ailedger-zkml`'s canonical encoding ([`Arch::encode`]).
    pub descriptor: Vec<u8>,
    /// The root of the commitment to every weight and bias.
    pub weight_root: Hash,
}

/// Submits a proof that a version's registered model maps `input` to `output`.
///
/// The input is public: it travels in the transaction, and the state keeps its SHA-256. Version
/// 1 proofs hide neither the input nor the weights.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProofSpec {
    /// The model version.
    pub version: Hash,
    /// The quantised int8 input.
    pub input: Vec<i8>,
    /// The integer output the proof claims.
    pub output: Vec<i64>,
    /// The proof, in `ailedger-zkml`'s versioned binary format.
    pub proof: Bytes,
}

impl ProofSpec {
    /// The id the verified inference will have.
    pub fn inference_id(&self) -> Hash {
        inference_id(&self.version, &self.input, &self.output)
    }
}

/// A zk message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZkMsg {
    /// Attaches a proving identity to a model version (the model's owner only, once).
    RegisterIdentity(IdentitySpec),
    /// Submits a proof of inference; the chain verifies it and records the inference.
    SubmitProof(ProofSpec),
}

const REGISTER_IDENTITY: u8 = 0;
const SUBMIT_PROOF: u8 = 1;

impl ZkMsg {
    /// The stable name of the message's kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::RegisterIdentity(_) => "register_identity",
            Self::SubmitProof(_) => "submit_proof",
        }
    }

    /// The stateless checks: the descriptor decodes and describes a circuit the verifier can
    /// rebuild within the bounds; a proof's sizes are within the bounds. What needs the state
    /// (the version, its owner, the registered identity) is checked on execution.
    pub fn validate(&self) -> Result<(), MsgError> {
        match self {
            Self::RegisterIdentity(spec) => {
                verifying_key(&spec.descriptor, &spec.weight_root).map(|_| ())
            }
            Self::SubmitProof(spec) => {
                if spec.input.is_empty() {
                    return Err(MsgError::EmptyInput);
                }
                if spec.output.is_empty() {
                    return Err(MsgError::EmptyOutput);
                }
                if spec.proof.len() > MAX_PROOF_LEN {
                    return Err(MsgError::ProofTooLarge(spec.proof.len()));
                }
                Ok(())
            }
        }
    }
}

/// The verifying key of a descriptor and a weight root, if the descriptor is valid and its
/// circuit within the module's bounds. The bounds are checked on the circuit before the key is
/// built, so no descriptor makes the key's construction allocate or index beyond them.
pub fn verifying_key(descriptor: &[u8], weight_root: &Hash) -> Result<VerifyingKey, MsgError> {
    if descriptor.len() > MAX_DESCRIPTOR_LEN {
        return Err(MsgError::DescriptorTooLarge(descriptor.len()));
    }
    let arch = Arch::decode(descriptor).map_err(|e| MsgError::BadDescriptor(e.to_string()))?;
    let circuit = Circuit::new(&arch).map_err(|e| MsgError::Unprovable(e.to_string()))?;
    for (what, vars) in [
        ("weight", circuit.weight_layout.n_vars),
        ("witness", circuit.witness_layout.n_vars),
    ] {
        if vars > MAX_TABLE_VARS {
            return Err(MsgError::CircuitTooLarge { what, vars });
        }
    }
    if circuit.window_entries > MAX_WINDOW_ENTRIES {
        return Err(MsgError::CircuitTooLarge {
            what: "window",
            vars: circuit.window_entries,
        });
    }
    for (what, len, max) in [
        ("input", circuit.input_len, MAX_INPUT_LEN),
        ("output", circuit.output_len, MAX_OUTPUT_LEN),
    ] {
        if len == 0 || len > max {
            return Err(MsgError::CircuitTooLarge { what, vars: len });
        }
    }
    let mut root = [0u8; 32];
    root.copy_from_slice(weight_root.as_ref());
    VerifyingKey::new(arch, root).map_err(|e| MsgError::Unprovable(e.to_string()))
}

/// SHA-256 of the int8 input's bytes (two's complement), as `sha256sum` computes it on them.
pub fn input_digest(input: &[i8]) -> Hash {
    let bytes: Vec<u8> = input.iter().map(|&v| v as u8).collect();
    sha256(&[&bytes])
}

/// SHA-256 of the output values, each 8 bytes big-endian.
pub fn output_digest(output: &[i64]) -> Hash {
    let bytes: Vec<u8> = output.iter().flat_map(|v| v.to_be_bytes()).collect();
    sha256(&[&bytes])
}

/// The id of the inference `version(input) = output`:
/// `SHA-256("ailedger/zk-inference/v1" ‖ version ‖ input digest ‖ output digest)`. The model is
/// deterministic, so one (version, input) has one output and the id names one fact, however many
/// proofs of it exist; anyone holding the input and output recomputes it.
pub fn inference_id(version: &Hash, input: &[i8], output: &[i64]) -> Hash {
    sha256(&[
        INFERENCE_ID_TAG,
        version.as_ref(),
        input_digest(input).as_ref(),
        output_digest(output).as_ref(),
    ])
}

/// The identity as a [`Hash`].
pub(crate) fn identity_hash(identity: Identity) -> Hash {
    Hash::from(identity)
}

impl Write for IdentitySpec {
    fn write(&self, buf: &mut impl BufMut) {
        self.version.write(buf);
        self.descriptor.write(buf);
        self.weight_root.write(buf);
    }
}

impl EncodeSize for IdentitySpec {
    fn encode_size(&self) -> usize {
        2 * Hash::SIZE + self.descriptor.encode_size()
    }
}

impl Read for IdentitySpec {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            version: Hash::read(buf)?,
            descriptor: Vec::<u8>::read_cfg(buf, &(RangeCfg::new(0..=MAX_DESCRIPTOR_LEN), ()))?,
            weight_root: Hash::read(buf)?,
        })
    }
}

impl Write for ProofSpec {
    fn write(&self, buf: &mut impl BufMut) {
        self.version.write(buf);
        self.input.write(buf);
        self.output.write(buf);
        self.proof.write(buf);
    }
}

impl EncodeSize for ProofSpec {
    fn encode_size(&self) -> usize {
        Hash::SIZE + self.input.encode_size() + self.output.encode_size() + self.proof.encode_size()
    }
}

impl Read for ProofSpec {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            version: Hash::read(buf)?,
            input: Vec::<i8>::read_cfg(buf, &(RangeCfg::new(0..=MAX_INPUT_LEN), ()))?,
            output: Vec::<i64>::read_cfg(buf, &(RangeCfg::new(0..=MAX_OUTPUT_LEN), ()))?,
            // The transaction's payload bound already limits it; the tighter
            // [`MAX_PROOF_LEN`] is a stateless check with its own code.
            proof: Bytes::read_cfg(buf, &RangeCfg::new(0..=ailedger_core::MAX_PAYLOAD_LEN))?,
        })
    }
}

impl Write for ZkMsg {
    fn write(&self, buf: &mut impl BufMut) {
        match self {
            Self::RegisterIdentity(spec) => {
                REGISTER_IDENTITY.write(buf);
                spec.write(buf);
            }
            Self::SubmitProof(spec) => {
                SUBMIT_PROOF.write(buf);
                spec.write(buf);
            }
        }
    }
}

impl EncodeSize for ZkMsg {
    fn encode_size(&self) -> usize {
        1 + match self {
            Self::RegisterIdentity(spec) => spec.encode_size(),
            Self::SubmitProof(spec) => spec.encode_size(),
        }
    }
}

impl Read for ZkMsg {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        match u8::read(buf)? {
            REGISTER_IDENTITY => Ok(Self::RegisterIdentity(IdentitySpec::read(buf)?)),
            SUBMIT_PROOF => Ok(Self::SubmitProof(ProofSpec::read(buf)?)),
            tag => Err(Error::InvalidEnum(tag)),
        }
    }
}
