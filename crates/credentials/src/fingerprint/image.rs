//! Perceptual hashes of images (pHash: the lowest 8×8 DCT frequencies of a downscaled grey
//! image, each compared with their median), via `image_hasher`.
//!
//! The median splits the bits evenly; against the mean, the large DC term leaves almost every
//! bit clear and unrelated images collide. Re-encoding, resizing and brightness changes move the
//! hash by a few bits; cropping shifts every frequency and moves it further (a 5% crop on each
//! side moved the tests' scenes by 2 to 18 bits, a quarter of them beyond the near-duplicate
//! distance), so cropped copies are found only sometimes.

use std::io::Cursor;

use image::{DynamicImage, ImageReader, Limits};
use image_hasher::{HashAlg, HasherConfig};

use super::{Fingerprint, Kind};
use crate::error::FingerprintError;

/// The largest width or height decoded, so that a small file claiming a huge canvas cannot make
/// the decoder allocate gigabytes.
pub const MAX_IMAGE_SIDE: u32 = 16_384;
/// The most memory the decoder may allocate.
const MAX_DECODE_ALLOC: u64 = 512 * 1024 * 1024;
/// Images are first shrunk to fit this square with a fast area filter: the hash looks at 16×16
/// pixels, and the hasher's Lanczos filter over a full-size photo costs far more than decoding it.
const HASH_INPUT_SIDE: u32 = 256;

/// The fingerprint of an encoded PNG or JPEG image.
pub fn image_fingerprint(bytes: &[u8]) -> Result<Fingerprint, FingerprintError> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|error| FingerprintError::Decode(error.to_string()))?;
    if reader.format().is_none() {
        return Err(FingerprintError::UnsupportedImage);
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    let image = reader
        .decode()
        .map_err(|error| FingerprintError::Decode(error.to_string()))?;
    Ok(image_fingerprint_of(&image))
}

/// The fingerprint of a decoded image.
pub fn image_fingerprint_of(image: &DynamicImage) -> Fingerprint {
    let hasher = HasherConfig::with_bytes_type::<[u8; 8]>()
        .hash_size(8, 8)
        .hash_alg(HashAlg::Median)
        .preproc_dct()
        .to_hasher();
    let hash = if image.width() > HASH_INPUT_SIDE || image.height() > HASH_INPUT_SIDE {
        hasher.hash_image(&image.thumbnail(HASH_INPUT_SIDE, HASH_INPUT_SIDE))
    } else {
        hasher.hash_image(image)
    };
    let bytes: [u8; 8] = hash.into_inner();
    Fingerprint {
        kind: Kind::Image,
        bits: u64::from_be_bytes(bytes),
    }
}
