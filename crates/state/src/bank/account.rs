use ailedger_core::Amount;
use bytes::BufMut;
use commonware_codec::Buf;
use commonware_codec::{Error, FixedSize, Read, ReadExt, Write};

/// An account's state.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Account {
    /// Balance in the smallest token unit.
    pub balance: Amount,
    /// Nonce of the account's next transaction (the number it has sent).
    pub nonce: u64,
}

impl Write for Account {
    fn write(&self, buf: &mut impl BufMut) {
        self.balance.write(buf);
        self.nonce.write(buf);
    }
}

impl FixedSize for Account {
    const SIZE: usize = u128::SIZE + u64::SIZE;
}

impl Read for Account {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            balance: u128::read(buf)?,
            nonce: u64::read(buf)?,
        })
    }
}
