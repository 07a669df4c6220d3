//! Near-duplicate lookup: latency with 1,000,000 fingerprints indexed, and precision and recall
//! of image fingerprints on generated pictures that were re-encoded, resized and cropped.
//!
//! `cargo bench -p ailedger-credentials --bench neardup --profile dev` (the index crate is
//! optimised in dev builds too). Deterministic: every picture and code comes from fixed seeds.
//!
//! 1. Latency: one million pseudo-random 64-bit codes in an `ailedger-neardup` `HammingIndex`
//!    (the node's index), plus near copies of 1,000 of them; the median and 99th-percentile time
//!    of a radius-10 lookup over 1,000 queries, against a scan of every code. Random codes are
//!    the index's best case (buckets evenly filled); perceptual hashes of real images cluster
//!    more. Also a `MinHashIndex` of 100,000 128-value text signatures.
//! 2. Quality: `AILEDGER_BENCH_PICTURES` (default 300) procedural scenes, each indexed by its
//!    pHash among the million random codes; each is queried as a JPEG re-encoding (quality 60),
//!    a half-size resize, and a crop of 5% on every side. Recall: the original is among the
//!    matches within 10 bits. Precision: the share of matches that are the original.

#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::io::Cursor;
use std::time::{Duration, Instant};

use ailedger_credentials::fingerprint::{
    IMAGE_NEAR_DISTANCE, MINHASH_LEN, image_fingerprint, text_minhash,
};
use ailedger_neardup::{HammingIndex, MinHashIndex};
use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage, imageops::FilterType};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u32) -> u32 {
        (self.next() % u64::from(n)) as u32
    }
}

/// A scene: a gradient background with a few discs and rectangles, all from `seed`.
fn scene(seed: u64) -> DynamicImage {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ seed.wrapping_mul(0x2545_f491_4f6c_dd1d));
    let (width, height) = (320u32, 240u32);
    let base = [rng.below(256), rng.below(256), rng.below(256)];
    let slope = [rng.below(3), rng.below(3), rng.below(3)];
    let shapes: Vec<(bool, u32, u32, u32, u32, [u8; 3])> = (0..4 + rng.below(5))
        .map(|_| {
            (
                rng.below(2) == 0,
                rng.below(width),
                rng.below(height),
                20 + rng.below(80),
                20 + rng.below(60),
                [
                    rng.below(256) as u8,
                    rng.below(256) as u8,
                    rng.below(256) as u8,
                ],
            )
        })
        .collect();
    DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        let mut pixel = [0u8; 3];
        for channel in 0..3 {
            pixel[channel] = ((base[channel] + slope[channel] * (x + y) / 4) % 256) as u8;
        }
        for &(disc, cx, cy, a, b, colour) in &shapes {
            let inside = if disc {
                let (dx, dy) = (x as i64 - cx as i64, y as i64 - cy as i64);
                dx * dx + dy * dy < i64::from(a) * i64::from(a)
            } else {
                x >= cx && x < cx + a && y >= cy && y < cy + b
            };
            if inside {
                pixel = colour;
            }
        }
        Rgb(pixel)
    }))
}

fn png(image: &DynamicImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

fn jpeg(image: &DynamicImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(&image.to_rgb8())
        .unwrap();
    out
}

fn percentile(times: &mut [Duration], p: usize) -> Duration {
    times.sort();
    times[(times.len() * p / 100).min(times.len() - 1)]
}

fn us(duration: Duration) -> String {
    format!("{:.1} µs", duration.as_secs_f64() * 1e6)
}

fn main() {
    // 1. Latency.
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut index = HammingIndex::new();
    let mut codes = Vec::with_capacity(1_001_000);
    let start = Instant::now();
    for i in 0..1_000_000u64 {
        let code = rng.next();
        index.insert(code, i);
        codes.push(code);
    }
    for i in 0..1_000u64 {
        let mut near = codes[(i * 997) as usize];
        for _ in 0..1 + rng.below(8) {
            near ^= 1 << rng.below(64);
        }
        index.insert(near, 1_000_000 + i);
        codes.push(near);
    }
    let build = start.elapsed();
    let queries: Vec<u64> = (0..1_000u64).map(|i| codes[(i * 997) as usize]).collect();
    let mut lookups = Vec::new();
    let mut found = 0usize;
    for query in &queries {
        let start = Instant::now();
        let matches = black_box(index.within(*query, IMAGE_NEAR_DISTANCE));
        lookups.push(start.elapsed());
        found += matches.len();
    }
    let mut scans = Vec::new();
    for query in queries.iter().take(50) {
        let start = Instant::now();
        let n = codes
            .iter()
            .filter(|code| (*code ^ query).count_ones() <= IMAGE_NEAR_DISTANCE)
            .count();
        black_box(n);
        scans.push(start.elapsed());
    }
    println!(
        "HammingIndex, {} codes (built in {:.2} s): radius-{IMAGE_NEAR_DISTANCE} lookup median {}, p99 {}, {:.2} matches per query; full scan median {}",
        index.len(),
        build.as_secs_f64(),
        us(percentile(&mut lookups, 50)),
        us(percentile(&mut lookups, 99)),
        found as f64 / queries.len() as f64,
        us(percentile(&mut scans, 50)),
    );

    let mut minhash = MinHashIndex::new();
    let mut signatures = Vec::new();
    for i in 0..100_000u64 {
        let signature: Vec<u32> = (0..MINHASH_LEN).map(|_| rng.next() as u32).collect();
        if i % 1_000 == 0 {
            signatures.push(signature.clone());
        }
        minhash.insert(&signature, i);
    }
    let text = "the harbour authority announced that the northern breakwater will be rebuilt";
    minhash.insert(&text_minhash(text), u64::MAX);
    let mut minhash_times = Vec::new();
    for signature in &signatures {
        let mut query = signature.clone();
        for value in query.iter_mut().step_by(4) {
            *value ^= 1;
        }
        let start = Instant::now();
        black_box(minhash.similar(&query, 0.5));
        minhash_times.push(start.elapsed());
    }
    println!(
        "MinHashIndex, {} signatures of {MINHASH_LEN}: lookup (75% similar query) median {}",
        minhash.len(),
        us(percentile(&mut minhash_times, 50)),
    );

    // 2. Precision and recall.
    let pictures: u64 = std::env::var("AILEDGER_BENCH_PICTURES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(300);
    let originals: Vec<DynamicImage> = (0..pictures).map(scene).collect();
    let base = 2_000_000u64;
    for (i, picture) in originals.iter().enumerate() {
        let print = image_fingerprint(&png(picture)).unwrap();
        index.insert(print.bits, base + i as u64);
    }
    type Variant = fn(&DynamicImage) -> Vec<u8>;
    let variants: [(&str, Variant); 3] = [
        ("re-encoded (JPEG q60)", |image| jpeg(image, 60)),
        ("resized to 50% (JPEG q85)", |image| {
            jpeg(
                &image.resize_exact(image.width() / 2, image.height() / 2, FilterType::Triangle),
                85,
            )
        }),
        ("cropped 5% each side (PNG)", |image| {
            let (w, h) = (image.width(), image.height());
            png(&image.crop_imm(w / 20, h / 20, w - w / 10, h - h / 10))
        }),
    ];
    println!(
        "{pictures} generated pictures indexed among {} codes, radius {IMAGE_NEAR_DISTANCE}:",
        index.len()
    );
    for (name, make) in variants {
        let (mut hits, mut returned, mut right) = (0u64, 0u64, 0u64);
        let mut distances = Vec::new();
        for (i, picture) in originals.iter().enumerate() {
            let print = image_fingerprint(&make(picture)).unwrap();
            let matches = index.within(print.bits, IMAGE_NEAR_DISTANCE);
            returned += matches.len() as u64;
            if let Some(found) = matches.iter().find(|m| m.value == base + i as u64) {
                hits += 1;
                right += 1;
                distances.push(found.distance);
            }
        }
        distances.sort_unstable();
        let median = distances.get(distances.len() / 2).copied().unwrap_or(0);
        println!(
            "  {name:<28} recall {:.3} ({hits}/{pictures}), precision {:.3} ({right}/{returned}), median distance {median}",
            hits as f64 / pictures as f64,
            if returned == 0 {
                1.0
            } else {
                right as f64 / returned as f64
            },
        );
    }
}
