//! Receipts and events: what executing a transaction did.

use crate::{Hash, read_string, string_encode_size, write_string};
use bytes::BufMut;
use commonware_codec::Buf;
use commonware_codec::{EncodeSize, Error, FixedSize, RangeCfg, Read, ReadExt, Write};

const MAX_NAME_LEN: usize = 64;
const MAX_VALUE_LEN: usize = 4096;
const MAX_ATTRIBUTES: usize = 64;
const MAX_EVENTS: usize = 1024;
const MAX_MESSAGE_LEN: usize = 1024;

/// Something a module reports while executing a transaction, e.g. `bank.transfer` with `from`,
/// `to` and `amount` attributes. Events are part of the receipt, so they are committed to by the
/// block's receipts root.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Event {
    /// The module that emitted it.
    pub module: String,
    /// What happened, e.g. `transfer`.
    pub kind: String,
    /// Ordered key-value details.
    pub attributes: Vec<(String, String)>,
}

impl Event {
    /// A new event with no attributes.
    pub fn new(module: &str, kind: &str) -> Self {
        Self {
            module: module.to_owned(),
            kind: kind.to_owned(),
            attributes: Vec::new(),
        }
    }

    /// Adds an attribute.
    pub fn with(mut self, key: &str, value: impl ToString) -> Self {
        self.attributes.push((key.to_owned(), value.to_string()));
        self
    }
}

impl Write for Event {
    fn write(&self, buf: &mut impl BufMut) {
        write_string(&self.module, buf);
        write_string(&self.kind, buf);
        self.attributes.len().write(buf);
        for (key, value) in &self.attributes {
            write_string(key, buf);
            write_string(value, buf);
        }
    }
}

impl EncodeSize for Event {
    fn encode_size(&self) -> usize {
        string_encode_size(&self.module)
            + string_encode_size(&self.kind)
            + self.attributes.len().encode_size()
            + self
                .attributes
                .iter()
                .map(|(k, v)| string_encode_size(k) + string_encode_size(v))
                .sum::<usize>()
    }
}

impl Read for Event {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        let module = read_string(buf, MAX_NAME_LEN, "Event.module")?;
        let kind = read_string(buf, MAX_NAME_LEN, "Event.kind")?;
        let n_attributes = usize::read_cfg(buf, &RangeCfg::new(0..=MAX_ATTRIBUTES))?;
        let mut attributes = Vec::with_capacity(n_attributes);
        for _ in 0..n_attributes {
            let key = read_string(buf, MAX_NAME_LEN, "Event.key")?;
            let value = read_string(buf, MAX_VALUE_LEN, "Event.value")?;
            attributes.push((key, value));
        }
        Ok(Self {
            module,
            kind,
            attributes,
        })
    }
}

/// Whether a transaction's message took effect.
///
/// A failed transaction is still in its block: its fee is paid and its nonce is used, but none of
/// its message's state changes are kept.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Outcome {
    /// The message executed and its state changes were kept.
    Success,
    /// The message failed; `code` is a stable machine-readable name, `message` says why.
    Failed {
        /// Stable error code, e.g. `INSUFFICIENT_FUNDS`.
        code: String,
        /// Human-readable explanation.
        message: String,
    },
}

impl Outcome {
    /// Whether the message took effect.
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Success)
    }
}

impl Write for Outcome {
    fn write(&self, buf: &mut impl BufMut) {
        match self {
            Self::Success => 0u8.write(buf),
            Self::Failed { code, message } => {
                1u8.write(buf);
                write_string(code, buf);
                write_string(message, buf);
            }
        }
    }
}

impl EncodeSize for Outcome {
    fn encode_size(&self) -> usize {
        match self {
            Self::Success => 1,
            Self::Failed { code, message } => {
                1 + string_encode_size(code) + string_encode_size(message)
            }
        }
    }
}

impl Read for Outcome {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        match u8::read(buf)? {
            0 => Ok(Self::Success),
            1 => Ok(Self::Failed {
                code: read_string(buf, MAX_NAME_LEN, "Outcome.code")?,
                message: read_string(buf, MAX_MESSAGE_LEN, "Outcome.message")?,
            }),
            tag => Err(Error::InvalidEnum(tag)),
        }
    }
}

/// What executing one transaction did.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Receipt {
    /// The transaction id.
    pub tx_hash: Hash,
    /// Gas charged.
    pub gas_used: u64,
    /// Fee paid: `gas_used * gas_price`.
    pub fee: u128,
    /// Success, or the error that undid the message.
    pub outcome: Outcome,
    /// Events emitted (none when the message failed).
    pub events: Vec<Event>,
}

impl Write for Receipt {
    fn write(&self, buf: &mut impl BufMut) {
        self.tx_hash.write(buf);
        self.gas_used.write(buf);
        self.fee.write(buf);
        self.outcome.write(buf);
        self.events.write(buf);
    }
}

impl EncodeSize for Receipt {
    fn encode_size(&self) -> usize {
        Hash::SIZE + u64::SIZE + u128::SIZE + self.outcome.encode_size() + self.events.encode_size()
    }
}

impl Read for Receipt {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            tx_hash: Hash::read(buf)?,
            gas_used: u64::read(buf)?,
            fee: u128::read(buf)?,
            outcome: Outcome::read(buf)?,
            events: Vec::<Event>::read_cfg(buf, &(RangeCfg::new(0..=MAX_EVENTS), ()))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ZERO_HASH;
    use commonware_codec::{Copying, Decode, Encode};

    #[test]
    fn receipts_round_trip() {
        for outcome in [
            Outcome::Success,
            Outcome::Failed {
                code: "INSUFFICIENT_FUNDS".into(),
                message: "balance 3 is less than 5".into(),
            },
        ] {
            let receipt = Receipt {
                tx_hash: ZERO_HASH,
                gas_used: 21,
                fee: 42,
                outcome,
                events: vec![Event::new("bank", "transfer").with("amount", 5)],
            };
            let bytes = receipt.encode();
            assert_eq!(bytes.len(), receipt.encode_size());
            assert_eq!(Receipt::decode_cfg(bytes, &()).expect("decodes"), receipt);
        }
    }

    #[test]
    fn bad_outcome_tag_is_rejected() {
        let mut bytes = Receipt {
            tx_hash: ZERO_HASH,
            gas_used: 0,
            fee: 0,
            outcome: Outcome::Success,
            events: vec![],
        }
        .encode()
        .to_vec();
        bytes[32 + 8 + 16] = 7;
        assert!(matches!(
            Receipt::decode_cfg(Copying(&bytes), &()),
            Err(Error::InvalidEnum(7))
        ));
    }
}
