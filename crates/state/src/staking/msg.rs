//! The staking module's messages, their canonical encoding and their stateless checks.

use super::{MAX_EVIDENCE_LEN, MAX_P2P_ADDRESS_LEN, error::MsgError};
use ailedger_core::{Amount, read_string, string_encode_size, write_string};
use bytes::{BufMut, Bytes};
use commonware_codec::{Buf, EncodeSize, Error, FixedSize as _, RangeCfg, Read, ReadExt, Write};
use std::net::SocketAddr;

/// A staking message. The sender's account key is its consensus key: the chain's accounts and
/// its validators are both Ed25519.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StakingMsg {
    /// Registers the sender as a validator and bonds `stake` from its balance; it is a
    /// candidate from the next epoch boundary on.
    RegisterValidator {
        /// Where peers reach it: `ip:port`, in the canonical form Rust prints.
        p2p_address: String,
        /// The stake to bond; at least the minimum self-stake.
        stake: Amount,
    },
    /// Bonds more of the sender's balance.
    Bond {
        /// The amount.
        amount: Amount,
    },
    /// Starts unbonding part of the sender's stake: it stops counting at the next boundary and
    /// can be withdrawn after the unbonding delay. What stays bonded must be zero (leaving
    /// the candidates) or at least the minimum.
    Unbond {
        /// The amount.
        amount: Amount,
    },
    /// Moves every released unbonding amount back to the sender's balance.
    Withdraw,
    /// Reports a validator that signed two conflicting votes. Anyone may report.
    ReportDoubleSign {
        /// The fault as Commonware's simplex `Activity` encodes it: tag 7
        /// (`ConflictingNotarize`), 8 (`ConflictingFinalize`) or 9 (`NullifyFinalize`), then the
        /// two votes.
        evidence: Bytes,
    },
}

const REGISTER_VALIDATOR: u8 = 0;
const BOND: u8 = 1;
const UNBOND: u8 = 2;
const WITHDRAW: u8 = 3;
const REPORT_DOUBLE_SIGN: u8 = 4;

impl StakingMsg {
    /// The stable name of the message's kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::RegisterValidator { .. } => "register_validator",
            Self::Bond { .. } => "bond",
            Self::Unbond { .. } => "unbond",
            Self::Withdraw => "withdraw",
            Self::ReportDoubleSign { .. } => "report_double_sign",
        }
    }

    /// The stateless checks: positive amounts, a canonical `ip:port`, non-empty evidence.
    /// The evidence itself is decoded on execution, so that a refusal carries a precise code in
    /// the receipt and the reporter pays for the bytes it sent.
    pub fn validate(&self) -> Result<(), MsgError> {
        match self {
            Self::RegisterValidator { p2p_address, stake } => {
                validate_p2p_address(p2p_address)?;
                positive(*stake)
            }
            Self::Bond { amount } | Self::Unbond { amount } => positive(*amount),
            Self::Withdraw => Ok(()),
            Self::ReportDoubleSign { evidence } if evidence.is_empty() => {
                Err(MsgError::EmptyEvidence)
            }
            Self::ReportDoubleSign { .. } => Ok(()),
        }
    }
}

fn positive(amount: Amount) -> Result<(), MsgError> {
    if amount == 0 {
        return Err(MsgError::ZeroAmount);
    }
    Ok(())
}

/// Checks a p2p address: an `ip:port` socket address, written exactly as Rust prints it, so
/// that one address has one spelling on the chain and the node can dial it without a resolver.
pub fn validate_p2p_address(address: &str) -> Result<(), MsgError> {
    let bad = |reason| {
        Err(MsgError::InvalidP2pAddress {
            address: address.to_owned(),
            reason,
        })
    };
    if address.len() > MAX_P2P_ADDRESS_LEN {
        return bad("longer than 64 bytes");
    }
    let Ok(parsed) = address.parse::<SocketAddr>() else {
        return bad("not an ip:port socket address");
    };
    if parsed.port() == 0 {
        return bad("port 0 cannot be dialled");
    }
    if parsed.to_string() != address {
        return bad("not in canonical form");
    }
    Ok(())
}

impl Write for StakingMsg {
    fn write(&self, buf: &mut impl BufMut) {
        match self {
            Self::RegisterValidator { p2p_address, stake } => {
                REGISTER_VALIDATOR.write(buf);
                write_string(p2p_address, buf);
                stake.write(buf);
            }
            Self::Bond { amount } => {
                BOND.write(buf);
                amount.write(buf);
            }
            Self::Unbond { amount } => {
                UNBOND.write(buf);
                amount.write(buf);
            }
            Self::Withdraw => WITHDRAW.write(buf),
            Self::ReportDoubleSign { evidence } => {
                REPORT_DOUBLE_SIGN.write(buf);
                evidence.write(buf);
            }
        }
    }
}

impl EncodeSize for StakingMsg {
    fn encode_size(&self) -> usize {
        1 + match self {
            Self::RegisterValidator { p2p_address, .. } => {
                string_encode_size(p2p_address) + u128::SIZE
            }
            Self::Bond { .. } | Self::Unbond { .. } => u128::SIZE,
            Self::Withdraw => 0,
            Self::ReportDoubleSign { evidence } => evidence.encode_size(),
        }
    }
}

impl Read for StakingMsg {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        match u8::read(buf)? {
            REGISTER_VALIDATOR => Ok(Self::RegisterValidator {
                p2p_address: read_string(
                    buf,
                    MAX_P2P_ADDRESS_LEN,
                    "RegisterValidator.p2p_address",
                )?,
                stake: u128::read(buf)?,
            }),
            BOND => Ok(Self::Bond {
                amount: u128::read(buf)?,
            }),
            UNBOND => Ok(Self::Unbond {
                amount: u128::read(buf)?,
            }),
            WITHDRAW => Ok(Self::Withdraw),
            REPORT_DOUBLE_SIGN => Ok(Self::ReportDoubleSign {
                evidence: Bytes::read_cfg(buf, &RangeCfg::new(0..=MAX_EVIDENCE_LEN))?,
            }),
            tag => Err(Error::InvalidEnum(tag)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use commonware_codec::{Copying, Decode, Encode};
    use proptest::{collection::vec, prelude::*};

    fn decode(bytes: &[u8]) -> Result<StakingMsg, Error> {
        StakingMsg::decode_cfg(Copying(bytes), &())
    }

    fn arb_msg() -> impl Strategy<Value = StakingMsg> {
        prop_oneof![
            (any::<[u8; 4]>(), 1u16.., any::<u128>()).prop_map(|(ip, port, stake)| {
                StakingMsg::RegisterValidator {
                    p2p_address: SocketAddr::from((ip, port)).to_string(),
                    stake,
                }
            }),
            any::<u128>().prop_map(|amount| StakingMsg::Bond { amount }),
            any::<u128>().prop_map(|amount| StakingMsg::Unbond { amount }),
            Just(StakingMsg::Withdraw),
            vec(any::<u8>(), 0..=MAX_EVIDENCE_LEN).prop_map(|bytes| {
                StakingMsg::ReportDoubleSign {
                    evidence: Bytes::from(bytes),
                }
            }),
        ]
    }

    #[test]
    fn only_canonical_dialable_socket_addresses_are_accepted() {
        for good in ["127.0.0.1:26656", "[::1]:26656", "10.0.0.7:1"] {
            assert_eq!(validate_p2p_address(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "localhost:26656",
            "127.0.0.1",
            "127.0.0.1:0",
            "127.000.0.1:26656",
            "[0:0::1]:26656",
            " 127.0.0.1:26656",
        ] {
            assert!(validate_p2p_address(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn stateless_checks_refuse_zero_amounts_and_empty_evidence() {
        assert_eq!(
            StakingMsg::Bond { amount: 0 }.validate(),
            Err(MsgError::ZeroAmount)
        );
        assert_eq!(
            StakingMsg::Unbond { amount: 0 }.validate(),
            Err(MsgError::ZeroAmount)
        );
        assert_eq!(
            StakingMsg::ReportDoubleSign {
                evidence: Bytes::new()
            }
            .validate(),
            Err(MsgError::EmptyEvidence)
        );
    }

    #[test]
    fn evidence_longer_than_the_limit_does_not_decode() {
        let msg = StakingMsg::ReportDoubleSign {
            evidence: Bytes::from(vec![0; MAX_EVIDENCE_LEN + 1]),
        };
        assert!(decode(&msg.encode()).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn staking_msg_round_trips(msg in arb_msg()) {
            let bytes = msg.encode();
            prop_assert_eq!(bytes.len(), msg.encode_size());
            prop_assert_eq!(decode(&bytes).expect("round trip"), msg);
        }

        #[test]
        fn truncated_or_extended_staking_msgs_are_rejected(
            msg in arb_msg(),
            extra in vec(any::<u8>(), 1..8),
        ) {
            let bytes = msg.encode().to_vec();
            for len in 0..bytes.len() {
                prop_assert!(decode(&bytes[..len]).is_err(), "prefix of {} bytes", len);
            }
            let mut longer = bytes;
            longer.extend_from_slice(&extra);
            prop_assert!(decode(&longer).is_err());
        }

        #[test]
        fn arbitrary_bytes_decode_only_canonically(bytes in vec(any::<u8>(), 0..64)) {
            if let Ok(msg) = decode(&bytes) {
                prop_assert_eq!(msg.encode().to_vec(), bytes);
            }
        }
    }
}
