//! The records the staking module keeps, and their canonical encodings.
//!
//! As in every module, each record has exactly one encoding (commonware-codec, bounded lengths,
//! unknown tags refused, lists in their one canonical order) and decoding rejects trailing bytes.

use super::{MAX_CANDIDATES, MAX_P2P_ADDRESS_LEN, MAX_UNBONDINGS, MAX_VALIDATORS};
use ailedger_core::{Address, Amount, read_string, string_encode_size, write_string};
use bytes::BufMut;
use commonware_codec::{Buf, EncodeSize, Error, FixedSize, RangeCfg, Read, ReadExt, Write};

/// An amount on its way out of the bonded pool: still slashable until `release_epoch`, then
/// withdrawable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unbonding {
    /// The first epoch in which it can be withdrawn.
    pub release_epoch: u64,
    /// The amount.
    pub amount: Amount,
}

/// A registered validator, keyed by its consensus key (its account address).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Validator {
    /// Where peers reach it (`ip:port`, canonical form); empty for the genesis validators,
    /// whose addresses the nodes' configurations give.
    pub p2p_address: String,
    /// Bonded stake: what makes it a candidate, and what a slash burns from.
    pub stake: Amount,
    /// Amounts unbonded and not yet withdrawn, by strictly increasing release epoch.
    pub unbonding: Vec<Unbonding>,
    /// Slashed for double signing: never in a set again. The record is kept for good, so that
    /// the key cannot register afresh.
    pub jailed: bool,
}

impl Validator {
    /// Total of the unbonding amounts.
    pub fn unbonding_total(&self) -> Amount {
        self.unbonding.iter().map(|entry| entry.amount).sum()
    }
}

/// A member of an epoch's validator set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetMember {
    /// Its consensus key.
    pub address: Address,
    /// Its stake when the set was computed.
    pub stake: Amount,
    /// Its p2p address then.
    pub p2p_address: String,
}

/// The validators of one epoch, by address: a member's position is its participant index in
/// that epoch's consensus (Commonware's ordered set of keys), which is how double-sign evidence
/// names its signer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatorSet {
    /// The epoch.
    pub epoch: u64,
    /// The members, by strictly increasing address; between 1 and [`MAX_VALIDATORS`].
    pub members: Vec<SetMember>,
}

impl ValidatorSet {
    /// The members' addresses, in participant order.
    pub fn addresses(&self) -> impl Iterator<Item = &Address> {
        self.members.iter().map(|member| &member.address)
    }
}

/// Which simplex fault a piece of evidence shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FaultKind {
    /// Two notarize votes for different proposals in one round.
    ConflictingNotarize,
    /// Two finalize votes for different proposals in one round.
    ConflictingFinalize,
    /// A nullify and a finalize vote in one round.
    NullifyFinalize,
}

impl FaultKind {
    /// The stable name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::ConflictingNotarize => "conflicting_notarize",
            Self::ConflictingFinalize => "conflicting_finalize",
            Self::NullifyFinalize => "nullify_finalize",
        }
    }

    /// The tag of this fault in Commonware's simplex `Activity` encoding, which is also its
    /// tag in the staking module's keys and records.
    pub const fn tag(&self) -> u8 {
        match self {
            Self::ConflictingNotarize => 7,
            Self::ConflictingFinalize => 8,
            Self::NullifyFinalize => 9,
        }
    }

    /// The fault with this `Activity` tag.
    pub const fn from_tag(tag: u8) -> Option<Self> {
        match tag {
            7 => Some(Self::ConflictingNotarize),
            8 => Some(Self::ConflictingFinalize),
            9 => Some(Self::NullifyFinalize),
            _ => None,
        }
    }
}

/// A double-sign fault the chain accepted, recorded once under (kind, epoch, view, offender).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvidenceRecord {
    /// The fault.
    pub kind: FaultKind,
    /// The consensus epoch of the votes.
    pub epoch: u64,
    /// Their view.
    pub view: u64,
    /// Who signed both.
    pub offender: Address,
    /// Who reported it.
    pub reporter: Address,
    /// Height of the block that recorded it.
    pub height: u64,
    /// Stake burned for it (0 if the offender was already jailed: a validator is slashed once).
    pub burned: Amount,
}

impl Write for Unbonding {
    fn write(&self, buf: &mut impl BufMut) {
        self.release_epoch.write(buf);
        self.amount.write(buf);
    }
}

impl FixedSize for Unbonding {
    const SIZE: usize = u64::SIZE + u128::SIZE;
}

impl Read for Unbonding {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        let entry = Self {
            release_epoch: u64::read(buf)?,
            amount: u128::read(buf)?,
        };
        if entry.amount == 0 {
            return Err(Error::Invalid("Unbonding", "zero amount"));
        }
        Ok(entry)
    }
}

impl Write for Validator {
    fn write(&self, buf: &mut impl BufMut) {
        write_string(&self.p2p_address, buf);
        self.stake.write(buf);
        self.unbonding.write(buf);
        self.jailed.write(buf);
    }
}

impl EncodeSize for Validator {
    fn encode_size(&self) -> usize {
        string_encode_size(&self.p2p_address)
            + u128::SIZE
            + self.unbonding.encode_size()
            + bool::SIZE
    }
}

impl Read for Validator {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        let p2p_address = read_string(buf, MAX_P2P_ADDRESS_LEN, "Validator.p2p_address")?;
        let stake = u128::read(buf)?;
        let unbonding = Vec::<Unbonding>::read_cfg(buf, &(RangeCfg::new(0..=MAX_UNBONDINGS), ()))?;
        if !unbonding
            .windows(2)
            .all(|pair| pair[0].release_epoch < pair[1].release_epoch)
        {
            return Err(Error::Invalid(
                "Validator.unbonding",
                "release epochs not strictly increasing",
            ));
        }
        Ok(Self {
            p2p_address,
            stake,
            unbonding,
            jailed: bool::read(buf)?,
        })
    }
}

impl Write for SetMember {
    fn write(&self, buf: &mut impl BufMut) {
        self.address.write(buf);
        self.stake.write(buf);
        write_string(&self.p2p_address, buf);
    }
}

impl EncodeSize for SetMember {
    fn encode_size(&self) -> usize {
        Address::SIZE + u128::SIZE + string_encode_size(&self.p2p_address)
    }
}

impl Read for SetMember {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            address: Address::read(buf)?,
            stake: u128::read(buf)?,
            p2p_address: read_string(buf, MAX_P2P_ADDRESS_LEN, "SetMember.p2p_address")?,
        })
    }
}

impl Write for ValidatorSet {
    fn write(&self, buf: &mut impl BufMut) {
        self.epoch.write(buf);
        self.members.write(buf);
    }
}

impl EncodeSize for ValidatorSet {
    fn encode_size(&self) -> usize {
        u64::SIZE + self.members.encode_size()
    }
}

impl Read for ValidatorSet {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        let epoch = u64::read(buf)?;
        let max = usize::try_from(MAX_VALIDATORS).unwrap_or(usize::MAX);
        let members = Vec::<SetMember>::read_cfg(buf, &(RangeCfg::new(1..=max), ()))?;
        if !members
            .windows(2)
            .all(|pair| pair[0].address < pair[1].address)
        {
            return Err(Error::Invalid(
                "ValidatorSet.members",
                "addresses not strictly increasing",
            ));
        }
        Ok(Self { epoch, members })
    }
}

impl Write for FaultKind {
    fn write(&self, buf: &mut impl BufMut) {
        self.tag().write(buf);
    }
}

impl FixedSize for FaultKind {
    const SIZE: usize = u8::SIZE;
}

impl Read for FaultKind {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        let tag = u8::read(buf)?;
        Self::from_tag(tag).ok_or(Error::InvalidEnum(tag))
    }
}

impl Write for EvidenceRecord {
    fn write(&self, buf: &mut impl BufMut) {
        self.kind.write(buf);
        self.epoch.write(buf);
        self.view.write(buf);
        self.offender.write(buf);
        self.reporter.write(buf);
        self.height.write(buf);
        self.burned.write(buf);
    }
}

impl FixedSize for EvidenceRecord {
    const SIZE: usize = FaultKind::SIZE + 3 * u64::SIZE + 2 * Address::SIZE + u128::SIZE;
}

impl Read for EvidenceRecord {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            kind: FaultKind::read(buf)?,
            epoch: u64::read(buf)?,
            view: u64::read(buf)?,
            offender: Address::read(buf)?,
            reporter: Address::read(buf)?,
            height: u64::read(buf)?,
            burned: u128::read(buf)?,
        })
    }
}

/// The candidates for the next set: every validator with stake that is not jailed, by strictly
/// increasing address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Candidates(pub(super) Vec<Address>);

impl Write for Candidates {
    fn write(&self, buf: &mut impl BufMut) {
        self.0.write(buf);
    }
}

impl EncodeSize for Candidates {
    fn encode_size(&self) -> usize {
        self.0.encode_size()
    }
}

impl Read for Candidates {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        let candidates = Vec::<Address>::read_cfg(buf, &(RangeCfg::new(0..=MAX_CANDIDATES), ()))?;
        if !candidates.windows(2).all(|pair| pair[0] < pair[1]) {
            return Err(Error::Invalid(
                "candidates",
                "addresses not strictly increasing",
            ));
        }
        Ok(Self(candidates))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ailedger_core::SecretKey;
    use commonware_codec::{Copying, Decode, Encode};
    use proptest::{collection::vec, prelude::*};

    fn address(seed: u64) -> Address {
        SecretKey::from_seed(seed).address()
    }

    fn arb_validator() -> impl Strategy<Value = Validator> {
        (
            "[0-9.:]{0,21}",
            any::<u128>(),
            vec((any::<u32>(), 1u128..), 0..4),
            any::<bool>(),
        )
            .prop_map(|(p2p_address, stake, entries, jailed)| {
                let mut release = 0u64;
                let unbonding = entries
                    .into_iter()
                    .map(|(gap, amount)| {
                        release += u64::from(gap) + 1;
                        Unbonding {
                            release_epoch: release,
                            amount,
                        }
                    })
                    .collect();
                Validator {
                    p2p_address,
                    stake,
                    unbonding,
                    jailed,
                }
            })
    }

    #[test]
    fn a_set_out_of_address_order_does_not_decode() {
        let mut members: Vec<SetMember> = (0..3)
            .map(|i| SetMember {
                address: address(i),
                stake: 5,
                p2p_address: String::new(),
            })
            .collect();
        members.sort_by(|a, b| a.address.cmp(&b.address));
        let set = ValidatorSet { epoch: 4, members };
        assert_eq!(
            ValidatorSet::decode_cfg(set.encode(), &()).expect("ordered"),
            set
        );
        let mut swapped = set;
        swapped.members.swap(0, 1);
        assert!(ValidatorSet::decode_cfg(swapped.encode(), &()).is_err());
        let empty = ValidatorSet {
            epoch: 4,
            members: Vec::new(),
        };
        assert!(ValidatorSet::decode_cfg(empty.encode(), &()).is_err());
    }

    #[test]
    fn unknown_fault_tags_do_not_decode() {
        for tag in 0..=u8::MAX {
            let decoded = FaultKind::decode_cfg(Copying(&[tag][..]), &());
            assert_eq!(decoded.is_ok(), (7..=9).contains(&tag), "tag {tag}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn validators_round_trip_and_reject_trailing_bytes(validator in arb_validator()) {
            let mut bytes = validator.encode().to_vec();
            prop_assert_eq!(bytes.len(), validator.encode_size());
            prop_assert_eq!(
                Validator::decode_cfg(Copying(&bytes), &()).expect("round trip"),
                validator
            );
            bytes.push(0);
            prop_assert!(Validator::decode_cfg(Copying(&bytes), &()).is_err());
        }

        #[test]
        fn evidence_records_round_trip(epoch: u64, view: u64, height: u64, burned: u128) {
            let record = EvidenceRecord {
                kind: FaultKind::NullifyFinalize,
                epoch,
                view,
                offender: address(1),
                reporter: address(2),
                height,
                burned,
            };
            let bytes = record.encode();
            prop_assert_eq!(bytes.len(), EvidenceRecord::SIZE);
            prop_assert_eq!(EvidenceRecord::decode_cfg(bytes, &()).expect("round trip"), record);
        }
    }
}
