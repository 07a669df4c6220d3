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

#[cfg(test)]
mod tests {
    use super::*;
    use commonware_codec::{Copying, Decode, Encode};
    use proptest::{collection::vec, prelude::*};

    fn decode(bytes: &[u8]) -> Result<Account, Error> {
        Account::decode_cfg(Copying(bytes), &())
    }

    #[test]
    fn account_encoding_is_big_endian_balance_then_nonce() {
        let bytes = Account {
            balance: 0x0102,
            nonce: 0x0304,
        }
        .encode();
        let mut expected = 0x0102u128.to_be_bytes().to_vec();
        expected.extend_from_slice(&0x0304u64.to_be_bytes());
        assert_eq!(bytes.as_ref(), expected.as_slice());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn account_round_trips(balance: u128, nonce: u64) {
            let account = Account { balance, nonce };
            let bytes = account.encode();
            prop_assert_eq!(bytes.len(), Account::SIZE);
            prop_assert_eq!(decode(&bytes).expect("round trip"), account);
        }

        #[test]
        fn bytes_decode_as_an_account_exactly_when_they_have_its_size(
            bytes in vec(any::<u8>(), 0..2 * Account::SIZE),
        ) {
            // Every balance and nonce is valid, so the length alone decides, and a decoded
            // account re-encodes to the same bytes.
            match decode(&bytes) {
                Ok(account) => prop_assert_eq!(account.encode().to_vec(), bytes),
                Err(Error::EndOfBuffer) => prop_assert!(bytes.len() < Account::SIZE),
                Err(Error::ExtraData(n)) => prop_assert_eq!(n, bytes.len() - Account::SIZE),
                Err(error) => prop_assert!(false, "unexpected error {}", error),
            }
        }
    }
}
