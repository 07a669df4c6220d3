//! The staking module's parameters, kept in its own key space.

use super::{ChainEpocher, MAX_VALIDATORS};
use ailedger_core::Amount;
use bytes::BufMut;
use commonware_codec::{Buf, Error, FixedSize, Read, ReadExt, Write};
use std::num::NonZeroU64;

/// Basis points in a whole: a fraction in basis points is `bps / 10_000`.
pub const BPS: u16 = 10_000;

/// The rules of staking, set at genesis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StakingParams {
    /// The last height of epoch 0 (see [`ChainEpocher`]).
    pub fork_last: u64,
    /// Heights in every epoch after epoch 0.
    pub epoch_length: u64,
    /// Least stake a validator must keep to be a candidate for a set.
    pub min_self_stake: Amount,
    /// Most validators in one epoch's set.
    pub max_validators: u32,
    /// Epochs an unbonded amount stays slashable before it can be withdrawn.
    pub unbonding_epochs: u64,
    /// Share of a validator's stake burned for double signing, in basis points.
    pub double_sign_slash_bps: u16,
}

impl StakingParams {
    /// Defaults: epochs of 1,000 blocks from genesis, at most 100 validators, seven epochs of
    /// unbonding, 5% burned for double signing.
    pub const DEFAULT: Self = Self {
        fork_last: 999,
        epoch_length: 1_000,
        min_self_stake: 1_000_000,
        max_validators: 100,
        unbonding_epochs: 7,
        double_sign_slash_bps: 500,
    };

    /// Why the parameters would stop the chain or be meaningless, if they would.
    pub fn validate(&self) -> Result<(), &'static str> {
        if self.epochs().is_none() {
            return Err("epochs need fork_last >= 1 and epoch_length >= 1");
        }
        if self.min_self_stake == 0 {
            return Err("min_self_stake must be positive");
        }
        if self.max_validators == 0 || self.max_validators > MAX_VALIDATORS {
            return Err("max_validators must be between 1 and 256");
        }
        if self.double_sign_slash_bps > BPS {
            return Err("double_sign_slash_bps must be at most 10000");
        }
        Ok(())
    }

    /// The epoch arithmetic these parameters define (`None` if they are invalid).
    pub fn epochs(&self) -> Option<ChainEpocher> {
        ChainEpocher::new(self.fork_last, NonZeroU64::new(self.epoch_length)?)
    }

    /// `amount * double_sign_slash_bps / 10_000`, rounded down, without overflow for any
    /// amount.
    pub fn double_sign_penalty(&self, amount: Amount) -> Amount {
        let bps = Amount::from(self.double_sign_slash_bps);
        let whole = Amount::from(BPS);
        amount / whole * bps + amount % whole * bps / whole
    }
}

impl Default for StakingParams {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl Write for StakingParams {
    fn write(&self, buf: &mut impl BufMut) {
        self.fork_last.write(buf);
        self.epoch_length.write(buf);
        self.min_self_stake.write(buf);
        self.max_validators.write(buf);
        self.unbonding_epochs.write(buf);
        self.double_sign_slash_bps.write(buf);
    }
}

impl FixedSize for StakingParams {
    const SIZE: usize = 3 * u64::SIZE + u128::SIZE + u32::SIZE + u16::SIZE;
}

impl Read for StakingParams {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        let params = Self {
            fork_last: u64::read(buf)?,
            epoch_length: u64::read(buf)?,
            min_self_stake: u128::read(buf)?,
            max_validators: u32::read(buf)?,
            unbonding_epochs: u64::read(buf)?,
            double_sign_slash_bps: u16::read(buf)?,
        };
        params
            .validate()
            .map_err(|reason| Error::Invalid("StakingParams", reason))?;
        Ok(params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use commonware_codec::{Decode, Encode};
    use proptest::prelude::*;

    #[test]
    fn the_defaults_are_valid_and_give_epochs_of_a_thousand_blocks_from_genesis() {
        let params = StakingParams::DEFAULT;
        assert_eq!(params.validate(), Ok(()));
        let epochs = params.epochs().expect("valid");
        assert_eq!(epochs.last(0), Some(999));
        assert_eq!(epochs.last(1), Some(1_999));
    }

    #[test]
    fn invalid_parameters_do_not_decode() {
        for params in [
            StakingParams {
                fork_last: 0,
                ..StakingParams::DEFAULT
            },
            StakingParams {
                epoch_length: 0,
                ..StakingParams::DEFAULT
            },
            StakingParams {
                max_validators: MAX_VALIDATORS + 1,
                ..StakingParams::DEFAULT
            },
            StakingParams {
                double_sign_slash_bps: BPS + 1,
                ..StakingParams::DEFAULT
            },
            StakingParams {
                min_self_stake: 0,
                ..StakingParams::DEFAULT
            },
        ] {
            assert!(params.validate().is_err(), "{params:?}");
            assert!(StakingParams::decode_cfg(params.encode(), &()).is_err());
        }
    }

    #[test]
    fn the_penalty_is_exact_at_the_extremes() {
        let all = StakingParams {
            double_sign_slash_bps: BPS,
            ..StakingParams::DEFAULT
        };
        assert_eq!(all.double_sign_penalty(u128::MAX), u128::MAX);
        let none = StakingParams {
            double_sign_slash_bps: 0,
            ..StakingParams::DEFAULT
        };
        assert_eq!(none.double_sign_penalty(u128::MAX), 0);
        assert_eq!(
            StakingParams::DEFAULT.double_sign_penalty(1_000_000),
            50_000
        );
        assert_eq!(StakingParams::DEFAULT.double_sign_penalty(19), 0);
    }

    proptest! {
        #[test]
        fn the_penalty_is_the_rounded_down_fraction(amount: u64, bps in 0u16..=BPS) {
            let params = StakingParams { double_sign_slash_bps: bps, ..StakingParams::DEFAULT };
            let expected = u128::from(amount) * u128::from(bps) / 10_000;
            prop_assert_eq!(params.double_sign_penalty(u128::from(amount)), expected);
        }

        #[test]
        fn valid_params_round_trip(
            fork_last in 1u64..,
            epoch_length in 1u64..,
            min_self_stake in 1u128..,
            max_validators in 1u32..=MAX_VALIDATORS,
            unbonding_epochs: u64,
            double_sign_slash_bps in 0u16..=BPS,
        ) {
            let params = StakingParams {
                fork_last, epoch_length, min_self_stake, max_validators, unbonding_epochs,
                double_sign_slash_bps,
            };
            let bytes = params.encode();
            prop_assert_eq!(bytes.len(), StakingParams::SIZE);
            prop_assert_eq!(StakingParams::decode_cfg(bytes, &()).expect("round trip"), params);
        }
    }
}
