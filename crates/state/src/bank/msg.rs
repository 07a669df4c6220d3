use ailedger_core::{Address, Amount};
use bytes::BufMut;
use commonware_codec::Buf;
use commonware_codec::{EncodeSize, Error, FixedSize, Read, ReadExt, Write};

/// A bank message.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum BankMsg {
    /// Moves `amount` from the sender to `to`.
    Transfer {
        /// Recipient.
        to: Address,
        /// Amount in the smallest unit; must be positive.
        amount: Amount,
    },
}

const TRANSFER: u8 = 0;

impl Write for BankMsg {
    fn write(&self, buf: &mut impl BufMut) {
        match self {
            Self::Transfer { to, amount } => {
                TRANSFER.write(buf);
                to.write(buf);
                amount.write(buf);
            }
        }
    }
}

impl EncodeSize for BankMsg {
    fn encode_size(&self) -> usize {
        match self {
            Self::Transfer { .. } => 1 + Address::SIZE + u128::SIZE,
        }
    }
}

impl Read for BankMsg {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        match u8::read(buf)? {
            TRANSFER => Ok(Self::Transfer {
                to: Address::read(buf)?,
                amount: u128::read(buf)?,
            }),
            tag => Err(Error::InvalidEnum(tag)),
        }
    }
}
