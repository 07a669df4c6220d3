//! The records the zk module keeps, and their canonical encodings (commonware-codec, bounded
//! lists and strings, trailing bytes refused).

use crate::provenance::MAX_MODEL_NAME_LEN;
use ailedger_core::{Address, Hash, read_string, string_encode_size, write_string};
use bytes::BufMut;
use commonware_codec::{Buf, EncodeSize, Error, FixedSize, RangeCfg, Read, ReadExt, Write};

/// Longest architecture descriptor, in bytes (a 1,024-layer chain of dense layers is about
/// 50 KB).
pub const MAX_DESCRIPTOR_LEN: usize = 64 * 1024;
/// Most input values of a provable model.
pub const MAX_INPUT_LEN: usize = 1 << 16;
/// Most output values of a provable model.
pub const MAX_OUTPUT_LEN: usize = 1 << 12;
/// Longest encoding of the commitment's parameters, in bytes.
pub const MAX_PCS_PARAMS_LEN: usize = 256;

/// The proving identity attached to a model version: what the chain rebuilds the verifying key
/// from, and the identity it checks proofs against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvingIdentity {
    /// The model version.
    pub version: Hash,
    /// The version's model (at registration).
    pub model: String,
    /// The architecture descriptor (canonical encoding).
    pub descriptor: Vec<u8>,
    /// The weight commitment's root.
    pub weight_root: Hash,
    /// The commitment's parameters (derived from the descriptor; kept so that anyone can
    /// recompute the identity from this record alone).
    pub pcs_params: Vec<u8>,
    /// `BLAKE3(domain ‖ descriptor ‖ parameters ‖ root)`, see `ailedger_zkml::key`.
    pub identity: Hash,
    /// Who attached it (the model's owner at the time).
    pub registrant: Address,
    /// Height of the block.
    pub height: u64,
    /// Block time, ms since the epoch.
    pub time_ms: u64,
}

/// An inference whose proof the chain verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inference {
    /// Its id ([`super::inference_id`]).
    pub id: Hash,
    /// The model version.
    pub version: Hash,
    /// The proving identity the proof was checked against.
    pub identity: Hash,
    /// SHA-256 of the int8 input ([`super::input_digest`]); the input itself is in the
    /// transaction.
    pub input_digest: Hash,
    /// Number of input values.
    pub input_len: u32,
    /// The integer output.
    pub output: Vec<i64>,
    /// SHA-256 of the proof.
    pub proof_digest: Hash,
    /// Size of the proof, in bytes.
    pub proof_len: u32,
    /// The transaction that carried it.
    pub tx: Hash,
    /// Who submitted it.
    pub submitter: Address,
    /// Height of the block.
    pub height: u64,
    /// Block time, ms since the epoch.
    pub time_ms: u64,
}

impl Write for ProvingIdentity {
    fn write(&self, buf: &mut impl BufMut) {
        self.version.write(buf);
        write_string(&self.model, buf);
        self.descriptor.write(buf);
        self.weight_root.write(buf);
        self.pcs_params.write(buf);
        self.identity.write(buf);
        self.registrant.write(buf);
        self.height.write(buf);
        self.time_ms.write(buf);
    }
}

impl EncodeSize for ProvingIdentity {
    fn encode_size(&self) -> usize {
        3 * Hash::SIZE
            + string_encode_size(&self.model)
            + self.descriptor.encode_size()
            + self.pcs_params.encode_size()
            + Address::SIZE
            + 2 * u64::SIZE
    }
}

impl Read for ProvingIdentity {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            version: Hash::read(buf)?,
            model: read_string(buf, MAX_MODEL_NAME_LEN, "ProvingIdentity.model")?,
            descriptor: Vec::<u8>::read_cfg(buf, &(RangeCfg::new(0..=MAX_DESCRIPTOR_LEN), ()))?,
            weight_root: Hash::read(buf)?,
            pcs_params: Vec::<u8>::read_cfg(buf, &(RangeCfg::new(0..=MAX_PCS_PARAMS_LEN), ()))?,
            identity: Hash::read(buf)?,
            registrant: Address::read(buf)?,
            height: u64::read(buf)?,
            time_ms: u64::read(buf)?,
        })
    }
}

impl Write for Inference {
    fn write(&self, buf: &mut impl BufMut) {
        self.id.write(buf);
        self.version.write(buf);
        self.identity.write(buf);
        self.input_digest.write(buf);
        self.input_len.write(buf);
        self.output.write(buf);
        self.proof_digest.write(buf);
        self.proof_len.write(buf);
        self.tx.write(buf);
        self.submitter.write(buf);
        self.height.write(buf);
        self.time_ms.write(buf);
    }
}

impl EncodeSize for Inference {
    fn encode_size(&self) -> usize {
        6 * Hash::SIZE + 2 * u32::SIZE + self.output.encode_size() + Address::SIZE + 2 * u64::SIZE
    }
}

impl Read for Inference {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            id: Hash::read(buf)?,
            version: Hash::read(buf)?,
            identity: Hash::read(buf)?,
            input_digest: Hash::read(buf)?,
            input_len: u32::read(buf)?,
            output: Vec::<i64>::read_cfg(buf, &(RangeCfg::new(0..=MAX_OUTPUT_LEN), ()))?,
            proof_digest: Hash::read(buf)?,
            proof_len: u32::read(buf)?,
            tx: Hash::read(buf)?,
            submitter: Address::read(buf)?,
            height: u64::read(buf)?,
            time_ms: u64::read(buf)?,
        })
    }
}
