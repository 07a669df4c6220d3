//! Test media made here: PNG and JPEG scenes from a seed, WAV tones, and the ledger facts
//! signed into them.

use std::io::Cursor;
use std::sync::OnceLock;

use ailedger_core::{ChainId, SecretKey};
use ailedger_credentials::assertion::{HumanSource, TLOG_PROOF_HEADER};
use ailedger_credentials::ca::DevelopmentPki;
use ailedger_credentials::{
    AiGenerated, Generation, HumanMade, ModelAgent, ModelVersionId, Origin, Receipt,
    SigningCredentials, TrainingMining,
};
use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

/// A small deterministic generator (xorshift64*), so that scenes are the same on every run.
pub(crate) struct Xorshift(u64);

impl Xorshift {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A scene: a two-colour gradient with a few filled discs and bars, all drawn from `seed`.
pub(crate) fn scene(width: u32, height: u32, seed: u64) -> DynamicImage {
    let mut rng = Xorshift::new(seed);
    let mut color = || {
        [
            rng.below(256) as f32,
            rng.below(256) as f32,
            rng.below(256) as f32,
        ]
    };
    let (from, to) = (color(), color());
    let shapes: Vec<(f32, f32, f32, [f32; 3], bool)> = (0..6)
        .map(|_| {
            let x = rng.below(u64::from(width)) as f32;
            let y = rng.below(u64::from(height)) as f32;
            let r = (rng.below(u64::from(width / 4)) + u64::from(width / 10)) as f32;
            let c = [
                rng.below(256) as f32,
                rng.below(256) as f32,
                rng.below(256) as f32,
            ];
            (x, y, r, c, rng.below(2) == 0)
        })
        .collect();
    let image = RgbImage::from_fn(width, height, |x, y| {
        let t = (x + y) as f32 / (width + height) as f32;
        let mut pixel = [0f32; 3];
        for channel in 0..3 {
            pixel[channel] = from[channel] * (1.0 - t) + to[channel] * t;
        }
        for (cx, cy, r, c, disc) in &shapes {
            let (dx, dy) = (x as f32 - cx, y as f32 - cy);
            let inside = if *disc {
                dx * dx + dy * dy < r * r
            } else {
                dx.abs() < *r && dy.abs() < r / 3.0
            };
            if inside {
                pixel = *c;
            }
        }
        Rgb(pixel.map(|v| v as u8))
    });
    DynamicImage::ImageRgb8(image)
}

pub(crate) fn encode_png(image: &DynamicImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image
        .write_to(&mut out, ImageFormat::Png)
        .expect("encode PNG");
    out.into_inner()
}

pub(crate) fn encode_jpeg(image: &DynamicImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(&image.to_rgb8())
        .expect("encode JPEG");
    out
}

pub(crate) fn png(width: u32, height: u32, seed: u64) -> Vec<u8> {
    encode_png(&scene(width, height, seed))
}

pub(crate) fn jpeg(width: u32, height: u32, seed: u64) -> Vec<u8> {
    encode_jpeg(&scene(width, height, seed), 85)
}

/// A mono 16-bit PCM WAV file of a 440 Hz tone with a slow tremolo.
pub(crate) fn wav(seconds: u32, sample_rate: u32) -> Vec<u8> {
    let n_samples = seconds * sample_rate;
    let data_len = n_samples * 2;
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&sample_rate.to_le_bytes());
    out.extend_from_slice(&(sample_rate * 2).to_le_bytes()); // bytes per second
    out.extend_from_slice(&2u16.to_le_bytes()); // block align
    out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for i in 0..n_samples {
        let t = f64::from(i) / f64::from(sample_rate);
        let envelope = 0.6 + 0.4 * (2.0 * std::f64::consts::PI * 2.0 * t).sin();
        let sample = (envelope * 12_000.0 * (2.0 * std::f64::consts::PI * 440.0 * t).sin()) as i16;
        out.extend_from_slice(&sample.to_le_bytes());
    }
    out
}

/// One development PKI for the whole test binary (key generation is the slow part).
pub(crate) fn pki() -> &'static DevelopmentPki {
    static PKI: OnceLock<DevelopmentPki> = OnceLock::new();
    PKI.get_or_init(|| DevelopmentPki::generate("ailedger test").expect("generate PKI"))
}

/// Another PKI, whose root is the wrong anchor for [`pki`]'s signer.
pub(crate) fn other_pki() -> &'static DevelopmentPki {
    static PKI: OnceLock<DevelopmentPki> = OnceLock::new();
    PKI.get_or_init(|| DevelopmentPki::generate("someone else").expect("generate PKI"))
}

pub(crate) fn credentials() -> SigningCredentials {
    let pki = pki();
    SigningCredentials::from_pem(&pki.chain_pem(), &pki.signer_key_pem).expect("load credentials")
}

pub(crate) fn model_id() -> ModelVersionId {
    ModelVersionId([0x5a; 32])
}

pub(crate) fn receipt() -> Receipt {
    let text = format!(
        "{TLOG_PROOF_HEADER}\nextra 42\nindex 41\nq0p1bW9ja2hhc2hvbmVxMHAxYlc5amEyaGhjMmh2Ym1V\n\nailedger.test/inference-log\n42\nM2dYbXBsZXJvb3RoYXNoZm9ydGhldGVzdHM0Mmxlbmc=\n\n— ailedger.test/inference-log AAAAAGFiY2Q=\n"
    );
    Receipt::from_bytes(text.as_bytes()).expect("a tlog-proof")
}

pub(crate) fn chain_id() -> ChainId {
    ChainId::new("ailedger-test").expect("chain id")
}

pub(crate) fn ai_origin(generation: Generation) -> Origin {
    Origin::AiGenerated(AiGenerated {
        chain_id: chain_id(),
        model: ModelAgent {
            name: "acme/painter".to_owned(),
            version: "v2".to_owned(),
            id: model_id(),
        },
        generation,
        receipt: Some(receipt()),
        training_mining: TrainingMining::not_allowed(),
        title: None,
    })
}

pub(crate) fn human_origin(source: HumanSource) -> Origin {
    Origin::HumanMade(HumanMade {
        chain_id: chain_id(),
        creator: Some(SecretKey::from_seed(11).address()),
        source,
        training_mining: TrainingMining::not_allowed(),
        title: Some("a photograph".to_owned()),
    })
}

/// The byte range of the first PNG chunk of type `kind` (length, type, data and CRC).
pub(crate) fn png_chunk(bytes: &[u8], kind: &[u8; 4]) -> Option<std::ops::Range<usize>> {
    let mut at = 8;
    while at + 12 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().ok()?) as usize;
        let end = at + 12 + len;
        if &bytes[at + 4..at + 8] == kind {
            return Some(at..end.min(bytes.len()));
        }
        at = end;
    }
    None
}
