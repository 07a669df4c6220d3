//! Receipts and events: what executing a transaction did.

use crate::{Hash, read_string, string_encode_size, write_string};
use bytes::BufMut;
use commonware_codec::Buf;
use commonware_codec::{EncodeSize, Error, FixedSize, RangeCfg, Read, ReadExt, Write};

/// Longest module name, event kind, attribute key or outcome code, in bytes.
pub const MAX_NAME_LEN: usize = 64;
/// Longest attribute value, in bytes.
pub const MAX_VALUE_LEN: usize = 4096;
/// Most attributes of one event.
pub const MAX_ATTRIBUTES: usize = 64;
/// Most events of one receipt.
pub const MAX_EVENTS: usize = 1024;
/// Longest outcome message, in bytes.
pub const MAX_MESSAGE_LEN: usize = 1024;

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

    /// Checks the limits decoding enforces, so that an event that was committed to can always
    /// be decoded again. Returns what is over its limit.
    pub fn check_limits(&self) -> Result<(), &'static str> {
        if self.module.len() > MAX_NAME_LEN {
            return Err("module name");
        }
        if self.kind.len() > MAX_NAME_LEN {
            return Err("event kind");
        }
        if self.attributes.len() > MAX_ATTRIBUTES {
            return Err("number of attributes");
        }
        for (key, value) in &self.attributes {
            if key.len() > MAX_NAME_LEN {
                return Err("attribute key");
            }
            if value.len() > MAX_VALUE_LEN {
                return Err("attribute value");
            }
        }
        Ok(())
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
    /// A failure, with `code` and `message` cut to their limits (at a character boundary), so
    /// that any error a module reports can be committed to and decoded again.
    pub fn failed(code: &str, message: &str) -> Self {
        Self::Failed {
            code: truncate(code, MAX_NAME_LEN).to_owned(),
            message: truncate(message, MAX_MESSAGE_LEN).to_owned(),
        }
    }

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

fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
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
    use crate::{
        ZERO_HASH,
        tx::tests::{arb_mutation, check_canonical},
    };
    use commonware_codec::{Copying, Decode, Encode};
    use proptest::{collection::vec, prelude::*};

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
    fn long_failures_are_cut_to_the_limits_at_a_character_boundary() {
        let outcome = Outcome::failed(&"C".repeat(100), &"é".repeat(MAX_MESSAGE_LEN));
        let Outcome::Failed { code, message } = &outcome else {
            panic!("a failure")
        };
        assert_eq!(code.len(), MAX_NAME_LEN);
        assert!(message.len() <= MAX_MESSAGE_LEN && message.len() >= MAX_MESSAGE_LEN - 1);
        let bytes = outcome.encode();
        assert_eq!(Outcome::decode_cfg(bytes, &()).expect("decodes"), outcome);
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

    /// Text of at most `max_chars` characters of any kind (up to four bytes each).
    fn text(max_chars: usize) -> impl Strategy<Value = String> {
        vec(any::<char>(), 0..=max_chars).prop_map(String::from_iter)
    }

    /// An event within the limits: names of at most 16 characters (64 bytes) and values of at
    /// most 1024 characters (4096 bytes).
    fn arb_event() -> impl Strategy<Value = Event> {
        (text(16), text(16), vec((text(16), text(64)), 0..8)).prop_map(
            |(module, kind, attributes)| Event {
                module,
                kind,
                attributes,
            },
        )
    }

    fn arb_outcome() -> impl Strategy<Value = Outcome> {
        prop_oneof![
            Just(Outcome::Success),
            (text(16), text(256)).prop_map(|(code, message)| Outcome::Failed { code, message }),
        ]
    }

    fn arb_receipt() -> impl Strategy<Value = Receipt> {
        (
            any::<[u8; 32]>(),
            any::<u64>(),
            any::<u128>(),
            arb_outcome(),
            vec(arb_event(), 0..4),
        )
            .prop_map(|(tx_hash, gas_used, fee, outcome, events)| Receipt {
                tx_hash: commonware_cryptography::sha256::Digest(tx_hash),
                gas_used,
                fee,
                outcome,
                events,
            })
    }

    fn decode_receipt(bytes: &[u8]) -> Result<Receipt, Error> {
        Receipt::decode_cfg(Copying(bytes), &())
    }

    fn failed(code: &str, message: &str) -> Outcome {
        Outcome::Failed {
            code: code.into(),
            message: message.into(),
        }
    }

    fn receipt(outcome: Outcome, events: Vec<Event>) -> Receipt {
        Receipt {
            tx_hash: ZERO_HASH,
            gas_used: 1,
            fee: 2,
            outcome,
            events,
        }
    }

    /// Where the outcome starts in an encoded receipt.
    const OUTCOME_AT: usize = 32 + 8 + 16;

    #[test]
    fn every_unknown_outcome_tag_is_rejected() {
        let mut bytes = receipt(Outcome::Success, vec![]).encode().to_vec();
        for tag in 2..=u8::MAX {
            bytes[OUTCOME_AT] = tag;
            assert!(
                matches!(decode_receipt(&bytes), Err(Error::InvalidEnum(t)) if t == tag),
                "tag {tag}"
            );
        }
        bytes[OUTCOME_AT] = 1;
        assert!(
            decode_receipt(&bytes).is_err(),
            "a failure without its code and message decoded"
        );
    }

    #[test]
    fn receipt_at_every_limit_round_trips() {
        let name = "n".repeat(MAX_NAME_LEN);
        let mut big = Event::new(&name, &name);
        for _ in 0..MAX_ATTRIBUTES {
            big = big.with(&name, "v".repeat(MAX_VALUE_LEN));
        }
        let mut events = vec![Event::new("m", "k"); MAX_EVENTS - 1];
        events.push(big);
        let receipt = receipt(failed(&name, &"x".repeat(MAX_MESSAGE_LEN)), events);
        let bytes = receipt.encode();
        assert_eq!(bytes.len(), receipt.encode_size());
        assert_eq!(decode_receipt(&bytes).expect("at the limits"), receipt);
    }

    #[test]
    fn receipt_one_past_any_limit_encodes_but_is_rejected_on_decode() {
        // `Write` does not check the limits, `Read` does: a receipt built with an oversized part
        // has an encoding (and so a receipts root) that no node can decode. The executor keeps
        // within the limits; these cases pin down where each limit bites.
        let long_name = "n".repeat(MAX_NAME_LEN + 1);
        let event = |event: Event| receipt(Outcome::Success, vec![event]);
        let mut many_attributes = Event::new("m", "k");
        for _ in 0..=MAX_ATTRIBUTES {
            many_attributes = many_attributes.with("k", "v");
        }
        let cases = [
            (receipt(failed(&long_name, "m"), vec![]), MAX_NAME_LEN + 1),
            (
                receipt(failed("c", &"x".repeat(MAX_MESSAGE_LEN + 1)), vec![]),
                MAX_MESSAGE_LEN + 1,
            ),
            (event(Event::new(&long_name, "k")), MAX_NAME_LEN + 1),
            (event(Event::new("m", &long_name)), MAX_NAME_LEN + 1),
            (
                event(Event::new("m", "k").with(&long_name, "v")),
                MAX_NAME_LEN + 1,
            ),
            (
                event(Event::new("m", "k").with("k", "v".repeat(MAX_VALUE_LEN + 1))),
                MAX_VALUE_LEN + 1,
            ),
            (event(many_attributes), MAX_ATTRIBUTES + 1),
            (
                receipt(Outcome::Success, vec![Event::new("m", "k"); MAX_EVENTS + 1]),
                MAX_EVENTS + 1,
            ),
        ];
        for (receipt, too_long) in cases {
            let bytes = receipt.encode();
            assert_eq!(bytes.len(), receipt.encode_size());
            let result = decode_receipt(&bytes);
            assert!(
                matches!(result, Err(Error::InvalidLength(len)) if len == too_long),
                "expected InvalidLength({too_long}), got {result:?}"
            );
        }
    }

    #[test]
    fn invalid_utf8_in_any_string_is_rejected() {
        // Each string is written as "ok" and then its first byte replaced by a lone
        // continuation byte; the error names the field.
        let base = receipt(
            failed("ok", "ok"),
            vec![Event::new("ok", "ok").with("ok", "ok")],
        );
        let bytes = base.encode().to_vec();
        let fields = [
            "Outcome.code",
            "Outcome.message",
            "Event.module",
            "Event.kind",
            "Event.key",
            "Event.value",
        ];
        let positions: Vec<usize> = bytes
            .windows(3)
            .enumerate()
            .filter(|(_, window)| *window == [2, b'o', b'k'])
            .map(|(at, _)| at + 1)
            .collect();
        assert_eq!(positions.len(), fields.len());
        for (at, field) in positions.into_iter().zip(fields) {
            let mut tampered = bytes.clone();
            tampered[at] = 0x80;
            let result = decode_receipt(&tampered);
            assert!(
                matches!(result, Err(Error::Invalid(what, "not valid UTF-8")) if what == field),
                "{field}: {result:?}"
            );
        }
    }

    #[test]
    fn non_minimal_lengths_in_an_event_are_rejected() {
        let bytes = Event::new("m", "k").with("a", "b").encode().to_vec();
        assert_eq!(bytes, [1, b'm', 1, b'k', 1, 1, b'a', 1, b'b']);
        // Pad each length prefix in turn: module, kind, attribute count, key, value.
        for at in [0, 2, 4, 5, 7] {
            let mut padded = bytes.clone();
            padded[at] |= 0x80;
            padded.insert(at + 1, 0x00);
            assert!(
                matches!(
                    Event::decode_cfg(Copying(&padded), &()),
                    Err(Error::InvalidVarint(_))
                ),
                "padded length at {at} accepted"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn event_with_arbitrary_contents_round_trips(event in arb_event()) {
            let bytes = event.encode();
            prop_assert_eq!(bytes.len(), event.encode_size());
            prop_assert_eq!(Event::decode_cfg(bytes, &()).expect("round trip"), event);
        }

        #[test]
        fn receipt_with_arbitrary_outcome_and_events_round_trips(receipt in arb_receipt()) {
            let bytes = receipt.encode();
            prop_assert_eq!(bytes.len(), receipt.encode_size());
            prop_assert_eq!(decode_receipt(&bytes).expect("round trip"), receipt);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn mutated_receipt_that_decodes_re_encodes_to_the_same_bytes(
            receipt in arb_receipt(),
            mutation in arb_mutation(),
        ) {
            let mutated = mutation.apply(&receipt.encode());
            let decoded = check_canonical::<Receipt>(&mutated, &())?;
            if mutation.must_be_rejected() {
                prop_assert!(!decoded, "{:?} of a valid encoding decoded", mutation);
            }
        }

        #[test]
        fn mutated_event_that_decodes_re_encodes_to_the_same_bytes(
            event in arb_event(),
            mutations in vec(arb_mutation(), 1..4),
        ) {
            let mut bytes = event.encode().to_vec();
            for mutation in &mutations {
                if bytes.is_empty() {
                    break;
                }
                bytes = mutation.apply(&bytes);
            }
            check_canonical::<Event>(&bytes, &())?;
        }

        #[test]
        fn arbitrary_bytes_decode_as_a_receipt_only_canonically(
            bytes in vec(any::<u8>(), 0..200),
        ) {
            check_canonical::<Receipt>(&bytes, &())?;
            check_canonical::<Event>(&bytes, &())?;
            check_canonical::<Outcome>(&bytes, &())?;
        }
    }
}
