//! Signing and verification time per file, and fingerprint time, on generated media.
//!
//! `cargo bench -p ailedger-credentials --bench credentials` (add `--profile dev` for a quick
//! run: dependencies, c2pa included, are optimised in dev builds too). Generates in memory a
//! JPEG of 0.25, 1 and 4 megapixels, a 1-megapixel PNG and a 10-second WAV (44.1 kHz, 16-bit
//! mono), signs each with an embedded AI-generation manifest and verifies it against the
//! development root, `AILEDGER_BENCH_ROUNDS` times (default 15), and prints the median and the
//! slowest round. Then the median time to fingerprint the 1-megapixel JPEG and a 10 KB text, and
//! to scan one million text fingerprints for the nearest (the brute-force baseline an index must
//! beat).

#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::io::Cursor;
use std::time::{Duration, Instant};

use ailedger_core::ChainId;
use ailedger_credentials::assertion::TLOG_PROOF_HEADER;
use ailedger_credentials::ca::DevelopmentPki;
use ailedger_credentials::fingerprint::{image_fingerprint, text_fingerprint};
use ailedger_credentials::{
    AiGenerated, Generation, MediaFormat, ModelAgent, ModelVersionId, Origin, Placement, Receipt,
    SigningCredentials, TrainingMining, TrustAnchors, Verdict, sign_bytes, verify_bytes,
};
use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

fn rounds() -> usize {
    std::env::var("AILEDGER_BENCH_ROUNDS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(15)
}

/// A photo-like image: smooth gradients plus per-pixel noise, so that JPEG has work to do.
fn picture(width: u32, height: u32) -> DynamicImage {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let noise = (state % 24) as u32;
        Rgb([
            ((x * 255 / width + noise) % 256) as u8,
            ((y * 255 / height + noise) % 256) as u8,
            (((x + y) * 127 / (width + height) + noise * 2) % 256) as u8,
        ])
    }))
}

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&picture(width, height).to_rgb8())
        .unwrap();
    out
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    picture(width, height)
        .write_to(&mut out, ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

fn wav(seconds: u32) -> Vec<u8> {
    let rate = 44_100u32;
    let n = seconds * rate;
    let mut out = Vec::with_capacity(44 + 2 * n as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + 2 * n).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(2 * n).to_le_bytes());
    for i in 0..n {
        let t = f64::from(i) / f64::from(rate);
        let sample = (10_000.0 * (2.0 * std::f64::consts::PI * 440.0 * t).sin()) as i16;
        out.extend_from_slice(&sample.to_le_bytes());
    }
    out
}

fn median_and_max(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    (times[times.len() / 2], times[times.len() - 1])
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1e3)
}

fn main() {
    let pki = DevelopmentPki::generate("ailedger bench").unwrap();
    let credentials = SigningCredentials::from_pem(&pki.chain_pem(), &pki.signer_key_pem).unwrap();
    let anchors = TrustAnchors::from_pem(&pki.root_pem).unwrap();
    let receipt = Receipt::from_bytes(
        format!("{TLOG_PROOF_HEADER}\nindex 1\nAAAA\n\nbench/log\n2\nBBBB\n").as_bytes(),
    )
    .unwrap();
    let origin = Origin::AiGenerated(AiGenerated {
        chain_id: ChainId::new("ailedger-bench").unwrap(),
        model: ModelAgent {
            name: "bench/model".to_owned(),
            version: "v1".to_owned(),
            id: ModelVersionId([1; 32]),
        },
        generation: Generation::Created,
        receipt: Some(receipt),
        training_mining: TrainingMining::not_allowed(),
        title: None,
    });
    let rounds = rounds();
    let cases = [
        ("JPEG 0.25 MP (512x512)", MediaFormat::Jpeg, jpeg(512, 512)),
        ("JPEG 1 MP (1152x864)", MediaFormat::Jpeg, jpeg(1152, 864)),
        ("JPEG 4 MP (2304x1728)", MediaFormat::Jpeg, jpeg(2304, 1728)),
        ("PNG 1 MP (1152x864)", MediaFormat::Png, png(1152, 864)),
        ("WAV 10 s 44.1 kHz mono", MediaFormat::Wav, wav(10)),
    ];
    println!("{rounds} rounds; median (slowest)");
    println!(
        "{:<24} {:>10} {:>22} {:>22}",
        "file", "size", "sign (embedded)", "verify (trusted)"
    );
    for (name, format, bytes) in cases {
        let mut sign_times = Vec::new();
        let mut verify_times = Vec::new();
        let mut signed = Vec::new();
        for _ in 0..rounds {
            let start = Instant::now();
            signed = sign_bytes(format, &bytes, &credentials, &origin, Placement::Embedded)
                .unwrap()
                .asset;
            sign_times.push(start.elapsed());
            let start = Instant::now();
            let report = verify_bytes(format, black_box(&signed), None, &anchors);
            verify_times.push(start.elapsed());
            assert_eq!(report.verdict, Verdict::Trusted);
        }
        let (sign_median, sign_max) = median_and_max(sign_times);
        let (verify_median, verify_max) = median_and_max(verify_times);
        println!(
            "{name:<24} {:>7} KiB {:>10} ({:>9}) {:>10} ({:>9})",
            bytes.len() / 1024,
            ms(sign_median),
            ms(sign_max),
            ms(verify_median),
            ms(verify_max)
        );
        black_box(signed);
    }

    let photo = jpeg(1152, 864);
    let (image_median, _) = median_and_max(
        (0..rounds)
            .map(|_| {
                let start = Instant::now();
                black_box(image_fingerprint(black_box(&photo)).unwrap());
                start.elapsed()
            })
            .collect(),
    );
    let text = "The harbour authority announced that the northern breakwater will be rebuilt. "
        .repeat(130);
    let (text_median, _) = median_and_max(
        (0..rounds)
            .map(|_| {
                let start = Instant::now();
                black_box(text_fingerprint(black_box(&text)));
                start.elapsed()
            })
            .collect(),
    );
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let index: Vec<u64> = (0..1_000_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        })
        .collect();
    let query = text_fingerprint(&text).bits;
    let (scan_median, _) = median_and_max(
        (0..rounds)
            .map(|_| {
                let start = Instant::now();
                let nearest = black_box(&index)
                    .iter()
                    .map(|bits| (bits ^ query).count_ones())
                    .min();
                black_box(nearest);
                start.elapsed()
            })
            .collect(),
    );
    println!(
        "fingerprint: 1 MP JPEG (decode + pHash) {}, {} KB text (SimHash) {}, brute-force nearest of 1,000,000 {}",
        ms(image_median),
        text.len() / 1000,
        ms(text_median),
        ms(scan_median)
    );
}
