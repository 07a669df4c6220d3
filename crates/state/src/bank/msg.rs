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

#[cfg(test)]
mod tests {
    use super::*;
    use ailedger_core::SecretKey;
    use commonware_codec::{Copying, Decode, Encode};
    use proptest::{collection::vec, prelude::*};

    fn decode(bytes: &[u8]) -> Result<BankMsg, Error> {
        BankMsg::decode_cfg(Copying(bytes), &())
    }

    fn arb_address() -> impl Strategy<Value = Address> {
        prop_oneof![
            (0u64..1_000).prop_map(|seed| SecretKey::from_seed(seed).address()),
            any::<[u8; 32]>().prop_filter_map("not a curve point", |bytes| {
                Address::from_bytes(&bytes).ok()
            }),
        ]
    }

    fn arb_msg() -> impl Strategy<Value = BankMsg> {
        (arb_address(), any::<u128>()).prop_map(|(to, amount)| BankMsg::Transfer { to, amount })
    }

    #[test]
    fn transfer_encoding_is_tag_recipient_then_big_endian_amount() {
        let to = SecretKey::from_seed(1).address();
        let bytes = BankMsg::Transfer {
            to: to.clone(),
            amount: 0x0102,
        }
        .encode();
        let mut expected = vec![TRANSFER];
        expected.extend_from_slice(to.as_bytes());
        expected.extend_from_slice(&0x0102u128.to_be_bytes());
        assert_eq!(bytes.as_ref(), expected.as_slice());
    }

    #[test]
    fn every_unknown_tag_is_rejected() {
        let mut bytes = BankMsg::Transfer {
            to: SecretKey::from_seed(1).address(),
            amount: 5,
        }
        .encode()
        .to_vec();
        for tag in 1..=u8::MAX {
            bytes[0] = tag;
            assert!(
                matches!(decode(&bytes), Err(Error::InvalidEnum(t)) if t == tag),
                "tag {tag}"
            );
        }
    }

    #[test]
    fn transfer_to_a_non_point_is_rejected() {
        let not_a_point = (0u8..=255)
            .map(|i| [i; 32])
            .find(|bytes| Address::from_bytes(bytes).is_err())
            .expect("some constant byte string is not a point");
        let mut bytes = vec![TRANSFER];
        bytes.extend_from_slice(&not_a_point);
        bytes.extend_from_slice(&[0; 16]);
        assert!(matches!(
            decode(&bytes),
            Err(Error::Wrapped(..) | Error::Invalid("Address", _))
        ));
    }

    #[test]
    fn transfer_to_a_small_order_burn_address_is_rejected() {
        // Anyone could spend from 00..00, so nothing may be sent there.
        let mut bytes = vec![TRANSFER];
        bytes.extend_from_slice(&[0; 32]);
        bytes.extend_from_slice(&[0; 16]);
        assert!(matches!(
            decode(&bytes),
            Err(Error::Invalid("Address", "small-order point"))
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn bank_msg_round_trips(msg in arb_msg()) {
            let bytes = msg.encode();
            prop_assert_eq!(bytes.len(), msg.encode_size());
            prop_assert_eq!(decode(&bytes).expect("round trip"), msg);
        }

        #[test]
        fn bank_msg_with_trailing_bytes_is_rejected(
            msg in arb_msg(),
            extra in vec(any::<u8>(), 1..16),
        ) {
            let mut bytes = msg.encode().to_vec();
            bytes.extend_from_slice(&extra);
            prop_assert!(matches!(decode(&bytes), Err(Error::ExtraData(n)) if n == extra.len()));
        }

        #[test]
        fn truncated_bank_msg_is_rejected(msg in arb_msg()) {
            let bytes = msg.encode();
            for len in 0..bytes.len() {
                prop_assert!(
                    matches!(decode(&bytes[..len]), Err(Error::EndOfBuffer)),
                    "prefix of {} bytes decoded",
                    len
                );
            }
        }

        #[test]
        fn arbitrary_bytes_decode_as_a_bank_msg_only_canonically(
            bytes in prop_oneof![
                vec(any::<u8>(), 0..80),
                // Right length and tag, so that the recipient check is what decides.
                vec(any::<u8>(), 48).prop_map(|mut rest| { rest.insert(0, TRANSFER); rest }),
            ],
        ) {
            if let Ok(msg) = decode(&bytes) {
                prop_assert_eq!(msg.encode().to_vec(), bytes);
            }
        }
    }
}
