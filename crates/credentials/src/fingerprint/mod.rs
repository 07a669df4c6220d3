//! Near-duplicate fingerprints: 64-bit perceptual hashes of images and SimHashes of text, both
//! compared by Hamming distance, so that a node can index either kind the same way, and MinHash
//! signatures of text ([`text_minhash`]), compared by the share of equal values.
//!
//! A fingerprint finds *candidates*: a re-encoded, resized or lightly edited copy of registered
//! content lands within a few bits of the original, unrelated content lands near 32 bits away.
//! It proves nothing by itself (anyone can make content with a chosen fingerprint); a match is a
//! lead to the registered credential, whose signature and digest are what is checked.

mod image;
mod minhash;
mod text;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use self::image::{MAX_IMAGE_SIDE, image_fingerprint, image_fingerprint_of};
pub use self::minhash::{MINHASH_LEN, minhash_similarity, text_minhash};
pub use self::text::text_fingerprint;

/// Images at most this many bits apart are near duplicates. Re-encoding and resizing move a
/// perceptual hash by a few bits; unrelated images differ in about half of the 64 (in the
/// tests' generated scenes, never fewer than 18).
pub const IMAGE_NEAR_DISTANCE: u32 = 10;
/// Texts at most this many bits apart are near duplicates.
pub const TEXT_NEAR_DISTANCE: u32 = 12;

/// What a fingerprint was computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// An image: DCT perceptual hash (pHash) over 8×8 frequencies against their median.
    Image,
    /// A text: SimHash over word 3-shingles.
    Text,
}

/// A 64-bit near-duplicate fingerprint. Written as `image:<16 hex>` or `text:<16 hex>`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint {
    /// The kind of content.
    pub kind: Kind,
    /// The 64 bits.
    pub bits: u64,
}

impl Fingerprint {
    /// The number of differing bits, or `None` between an image and a text fingerprint.
    pub fn distance(&self, other: &Self) -> Option<u32> {
        (self.kind == other.kind).then(|| (self.bits ^ other.bits).count_ones())
    }

    /// Whether `other` is a near duplicate of the same kind.
    pub fn is_near(&self, other: &Self) -> bool {
        let threshold = match self.kind {
            Kind::Image => IMAGE_NEAR_DISTANCE,
            Kind::Text => TEXT_NEAR_DISTANCE,
        };
        self.distance(other)
            .is_some_and(|distance| distance <= threshold)
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            Kind::Image => "image",
            Kind::Text => "text",
        };
        write!(f, "{kind}:{:016x}", self.bits)
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

/// A string that is not `image:<16 hex>` or `text:<16 hex>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected image:<16 lowercase hex digits> or text:<16 lowercase hex digits>, got {0:?}")]
pub struct FingerprintParseError(pub String);

impl FromStr for Fingerprint {
    type Err = FingerprintParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || FingerprintParseError(text.chars().take(40).collect());
        let (kind, hex) = text.split_once(':').ok_or_else(error)?;
        let kind = match kind {
            "image" => Kind::Image,
            "text" => Kind::Text,
            _ => return Err(error()),
        };
        let lowercase_hex = hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if hex.len() != 16 || !lowercase_hex {
            return Err(error());
        }
        let bits = u64::from_str_radix(hex, 16).map_err(|_| error())?;
        Ok(Self { kind, bits })
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_round_trip_through_text() {
        for fingerprint in [
            Fingerprint {
                kind: Kind::Image,
                bits: 0x0123_4567_89ab_cdef,
            },
            Fingerprint {
                kind: Kind::Text,
                bits: 0,
            },
        ] {
            let text = fingerprint.to_string();
            assert_eq!(text.parse::<Fingerprint>(), Ok(fingerprint));
        }
        for bad in [
            "image:0123",
            "image:0123456789ABCDEF",
            "audio:0123456789abcdef",
            "0123456789abcdef",
            "text:+123456789abcdef",
        ] {
            assert!(bad.parse::<Fingerprint>().is_err(), "{bad}");
        }
    }

    #[test]
    fn distance_is_hamming_within_a_kind_only() {
        let a = Fingerprint {
            kind: Kind::Image,
            bits: 0b1011,
        };
        let b = Fingerprint {
            kind: Kind::Image,
            bits: 0b0010,
        };
        assert_eq!(a.distance(&b), Some(2));
        assert!(a.is_near(&b));
        let text = Fingerprint {
            kind: Kind::Text,
            bits: 0b1011,
        };
        assert_eq!(a.distance(&text), None);
        assert!(!a.is_near(&text));
        let far = Fingerprint {
            kind: Kind::Image,
            bits: !0b1011,
        };
        assert_eq!(a.distance(&far), Some(64));
        assert!(!a.is_near(&far));
    }
}
