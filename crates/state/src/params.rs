//! Chain-wide parameters and the chain head, kept in the state under the `chain` key space.

use ailedger_core::Hash;
use bytes::BufMut;
use commonware_codec::Buf;
use commonware_codec::{Error, FixedSize, Read, ReadExt, Write};

/// The key space of chain-wide values.
pub(crate) const CHAIN: &str = "chain";
/// Raw key of [`ChainParams`].
pub(crate) const PARAMS_KEY: &[u8] = b"params";
/// Raw key of [`ChainHead`].
pub(crate) const HEAD_KEY: &[u8] = b"head";

/// The state key of the [`ChainParams`].
pub fn params_key() -> crate::StateKey {
    crate::state_key(CHAIN, PARAMS_KEY)
}

/// The state key of the [`ChainHead`].
pub fn head_key() -> crate::StateKey {
    crate::state_key(CHAIN, HEAD_KEY)
}

/// Parameters fixed at genesis (and, later, changed by governance).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ChainParams {
    /// Most gas one block may use; also the largest gas limit a transaction may ask for.
    pub block_gas_limit: u64,
    /// Lowest gas price a transaction may offer.
    pub min_gas_price: u64,
}

impl ChainParams {
    /// Defaults for a new chain: room for tens of thousands of transfers per block.
    pub const DEFAULT: Self = Self {
        block_gas_limit: 1_000_000_000,
        min_gas_price: 1,
    };
}

impl Default for ChainParams {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl Write for ChainParams {
    fn write(&self, buf: &mut impl BufMut) {
        self.block_gas_limit.write(buf);
        self.min_gas_price.write(buf);
    }
}

impl FixedSize for ChainParams {
    const SIZE: usize = 2 * u64::SIZE;
}

impl Read for ChainParams {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            block_gas_limit: u64::read(buf)?,
            min_gas_price: u64::read(buf)?,
        })
    }
}

/// The last executed block, as recorded in the state it produced. Reading it together with a
/// value and a proof tells which block the proof is about.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ChainHead {
    /// Height of the block.
    pub height: u64,
    /// Its timestamp.
    pub timestamp_ms: u64,
    /// Its parent's id.
    pub parent: Hash,
}

impl Write for ChainHead {
    fn write(&self, buf: &mut impl BufMut) {
        self.height.write(buf);
        self.timestamp_ms.write(buf);
        self.parent.write(buf);
    }
}

impl FixedSize for ChainHead {
    const SIZE: usize = 2 * u64::SIZE + Hash::SIZE;
}

impl Read for ChainHead {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            height: u64::read(buf)?,
            timestamp_ms: u64::read(buf)?,
            parent: Hash::read(buf)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use commonware_codec::{Copying, Decode, Encode};
    use proptest::{collection::vec, prelude::*};

    /// Decodes `bytes` as a fixed-size type every bit pattern of which is valid: the length
    /// alone decides, and a decoded value re-encodes to the same bytes.
    fn check_fixed<T: Decode<Cfg = ()> + Encode + FixedSize>(
        bytes: &[u8],
    ) -> Result<(), TestCaseError> {
        match T::decode_cfg(Copying(bytes), &()) {
            Ok(value) => prop_assert_eq!(value.encode().to_vec(), bytes),
            Err(Error::EndOfBuffer) => prop_assert!(bytes.len() < T::SIZE),
            Err(Error::ExtraData(n)) => prop_assert_eq!(n, bytes.len() - T::SIZE),
            Err(error) => prop_assert!(false, "unexpected error {}", error),
        }
        Ok(())
    }

    #[test]
    fn chain_head_encoding_is_height_time_then_parent() {
        let head = ChainHead {
            height: 1,
            timestamp_ms: 2,
            parent: commonware_cryptography::sha256::Digest([3; 32]),
        };
        let mut expected = 1u64.to_be_bytes().to_vec();
        expected.extend_from_slice(&2u64.to_be_bytes());
        expected.extend_from_slice(&[3; 32]);
        assert_eq!(head.encode().as_ref(), expected.as_slice());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn chain_params_round_trip(block_gas_limit: u64, min_gas_price: u64) {
            let params = ChainParams { block_gas_limit, min_gas_price };
            let bytes = params.encode();
            prop_assert_eq!(bytes.len(), ChainParams::SIZE);
            prop_assert_eq!(ChainParams::decode_cfg(bytes, &()).expect("round trip"), params);
        }

        #[test]
        fn chain_head_round_trips(height: u64, timestamp_ms: u64, parent: [u8; 32]) {
            let head = ChainHead {
                height,
                timestamp_ms,
                parent: commonware_cryptography::sha256::Digest(parent),
            };
            let bytes = head.encode();
            prop_assert_eq!(bytes.len(), ChainHead::SIZE);
            prop_assert_eq!(ChainHead::decode_cfg(bytes, &()).expect("round trip"), head);
        }

        #[test]
        fn bytes_decode_as_chain_params_exactly_when_they_have_its_size(
            bytes in vec(any::<u8>(), 0..2 * ChainParams::SIZE),
        ) {
            check_fixed::<ChainParams>(&bytes)?;
        }

        #[test]
        fn bytes_decode_as_a_chain_head_exactly_when_they_have_its_size(
            bytes in vec(any::<u8>(), 0..2 * ChainHead::SIZE),
        ) {
            check_fixed::<ChainHead>(&bytes)?;
        }
    }
}
