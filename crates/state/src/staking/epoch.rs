//! Epoch arithmetic: which heights make up which epoch.
//!
//! Epoch 0 is `[0, fork_last]`, and every later epoch is `length` heights:
//! epoch `e ≥ 1` is `[fork_last + 1 + (e - 1) * length, fork_last + e * length]`. A chain that
//! already ran one epoch up to some height keeps those heights in epoch 0 by choosing
//! `fork_last` at or above them, which is how epochs are turned on without moving any finalized
//! height into another epoch; a new chain takes `fork_last = length - 1` and gets fixed-length
//! epochs from genesis (Commonware's `FixedEpocher`). The node's `Epocher` is a thin wrapper
//! over this type, so the state machine and consensus place every height the same way.

use std::num::NonZeroU64;

/// The heights of one epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EpochSpan {
    /// The epoch.
    pub epoch: u64,
    /// Its first height.
    pub first: u64,
    /// Its last height: the block after which the next epoch's validator set is computed.
    pub last: u64,
}

/// Maps heights to epochs (see the module's documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainEpocher {
    fork_last: u64,
    length: NonZeroU64,
}

impl ChainEpocher {
    /// Epoch 0 up to `fork_last`, then epochs of `length` heights. `None` if `fork_last` is 0:
    /// genesis is no epoch's work, so every epoch needs a height above 0.
    pub const fn new(fork_last: u64, length: NonZeroU64) -> Option<Self> {
        if fork_last == 0 {
            return None;
        }
        Some(Self { fork_last, length })
    }

    /// Fixed-length epochs from genesis, as Commonware's `FixedEpocher`: epoch `e` is
    /// `[e * length, (e + 1) * length - 1]`. `None` if `length` is 1.
    pub const fn fixed(length: NonZeroU64) -> Option<Self> {
        Self::new(length.get() - 1, length)
    }

    /// The last height of epoch 0.
    pub const fn fork_last(&self) -> u64 {
        self.fork_last
    }

    /// The length of every epoch after epoch 0.
    pub const fn length(&self) -> NonZeroU64 {
        self.length
    }

    /// The epoch of `height`. Defined for every height, even one whose epoch would end past
    /// `u64::MAX`.
    pub const fn epoch_of(&self, height: u64) -> u64 {
        if height <= self.fork_last {
            return 0;
        }
        (height - self.fork_last - 1) / self.length.get() + 1
    }

    /// The first height of `epoch`, or `None` past `u64::MAX`.
    pub const fn first(&self, epoch: u64) -> Option<u64> {
        if epoch == 0 {
            return Some(0);
        }
        match (epoch - 1).checked_mul(self.length.get()) {
            None => None,
            Some(offset) => match self.fork_last.checked_add(1) {
                None => None,
                Some(start) => start.checked_add(offset),
            },
        }
    }

    /// The last height of `epoch`, or `None` past `u64::MAX`.
    pub const fn last(&self, epoch: u64) -> Option<u64> {
        if epoch == 0 {
            return Some(self.fork_last);
        }
        match epoch.checked_mul(self.length.get()) {
            None => None,
            Some(offset) => self.fork_last.checked_add(offset),
        }
    }

    /// The epoch containing `height` with its bounds, or `None` if the epoch would end past
    /// `u64::MAX` (as Commonware's epochers answer for heights they do not support).
    pub const fn containing(&self, height: u64) -> Option<EpochSpan> {
        let epoch = self.epoch_of(height);
        let Some(first) = self.first(epoch) else {
            return None;
        };
        let Some(last) = self.last(epoch) else {
            return None;
        };
        Some(EpochSpan { epoch, first, last })
    }

    /// Whether `height` is the last height of its epoch: the block after which the next
    /// epoch's validator set is fixed.
    pub const fn is_last(&self, height: u64) -> bool {
        match self.last(self.epoch_of(height)) {
            Some(last) => last == height,
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use commonware_consensus::types::{Epocher as _, FixedEpocher, Height};
    use proptest::prelude::*;

    fn epocher(fork_last: u64, length: u64) -> ChainEpocher {
        ChainEpocher::new(fork_last, NonZeroU64::new(length).expect("nonzero")).expect("valid")
    }

    #[test]
    fn epoch_zero_ends_at_the_fork_and_later_epochs_have_the_fixed_length() {
        let epocher = epocher(2_500, 1_000);
        assert_eq!(epocher.epoch_of(0), 0);
        assert_eq!(epocher.epoch_of(2_500), 0);
        assert_eq!(epocher.epoch_of(2_501), 1);
        assert_eq!(epocher.epoch_of(3_500), 1);
        assert_eq!(epocher.epoch_of(3_501), 2);
        assert_eq!(
            epocher.containing(3_000),
            Some(EpochSpan {
                epoch: 1,
                first: 2_501,
                last: 3_500
            })
        );
        assert!(epocher.is_last(2_500));
        assert!(epocher.is_last(3_500));
        assert!(!epocher.is_last(3_499));
        assert!(!epocher.is_last(0));
    }

    #[test]
    fn epoch_zero_must_hold_a_height_above_genesis() {
        assert_eq!(ChainEpocher::new(0, NonZeroU64::MIN), None);
        assert_eq!(ChainEpocher::fixed(NonZeroU64::MIN), None);
    }

    #[test]
    fn an_epoch_that_would_end_past_the_last_height_is_not_supported() {
        // Today's chain: one epoch for ever, ending at u64::MAX - 1 as with FixedEpocher(u64::MAX).
        let epocher = epocher(u64::MAX - 1, u64::MAX);
        assert_eq!(epocher.epoch_of(u64::MAX - 1), 0);
        assert!(epocher.is_last(u64::MAX - 1));
        assert_eq!(epocher.epoch_of(u64::MAX), 1);
        assert_eq!(epocher.containing(u64::MAX), None);
        assert!(!epocher.is_last(u64::MAX));
        assert_eq!(epocher.last(2), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn every_height_lies_within_its_epoch_and_epochs_are_contiguous(
            fork_last in 1u64..1_000_000,
            length in 1u64..10_000,
            height in 0u64..100_000_000,
        ) {
            let epocher = epocher(fork_last, length);
            let span = epocher.containing(height).expect("small heights are supported");
            prop_assert!(span.first <= height && height <= span.last);
            prop_assert_eq!(epocher.first(span.epoch + 1), Some(span.last + 1));
            if span.epoch > 0 {
                prop_assert_eq!(span.last - span.first + 1, length);
                prop_assert_eq!(epocher.last(span.epoch - 1), Some(span.first - 1));
            }
            prop_assert_eq!(epocher.is_last(height), height == span.last);
        }

        #[test]
        fn fixed_epochs_agree_with_commonware(length in 2u64..100_000, height: u64) {
            let ours = ChainEpocher::fixed(NonZeroU64::new(length).expect("nonzero"))
                .expect("length above 1");
            let theirs = FixedEpocher::new(NonZeroU64::new(length).expect("nonzero"));
            let expected = theirs.containing(Height::new(height)).map(|info| EpochSpan {
                epoch: info.epoch().get(),
                first: info.first().get(),
                last: info.last().get(),
            });
            prop_assert_eq!(ours.containing(height), expected);
        }
    }
}
