//! sum(z_i * P_i) for affine points P_i, by Pippenger's bucket method with signed digits.
//!
//! The scalars' bit length is a parameter: the signature points of a batch have 128-bit
//! random weights, so they take half the windows of the keys' and base point's full-size
//! coefficients, and the two kinds are summed separately.
//!
//! Per window, adding the points into their buckets is most of the work; where the processor
//! has AVX-512 IFMA it runs eight points at a time in vector lanes ([`ifma`]), which also
//! makes narrower windows pay. The buckets' running sums stay serial. The window size is
//! chosen per path from measured costs ([`window_bits`]).

use crate::point::{AffineNiels, Extended};

#[cfg(target_arch = "x86_64")]
mod ifma;

/// What adding one point into its bucket costs on each path, and what one bucket adds to a
/// window's running sums (two full additions, serial on both paths), in nanoseconds as
/// measured on Zen 4 (`benches/verify.rs` times both calls). Only their ratios matter.
const POINT_COST_SERIAL: u64 = 150;
/// See [`POINT_COST_SERIAL`].
#[cfg(target_arch = "x86_64")]
const POINT_COST_IFMA: u64 = 31;
/// See [`POINT_COST_SERIAL`].
const BUCKET_COST: u64 = 330;

/// Bits per window for `n` points with scalars under 2^bits: the one that minimises the
/// estimated cost, windows times (n point additions + 2^(c-1) buckets' running sums). Wider
/// windows mean fewer windows but exponentially more buckets; the cheaper the points'
/// additions, the narrower the best window.
fn window_bits(n: usize, bits: u32, path: Path) -> u32 {
    let point_cost = match path {
        Path::Serial => POINT_COST_SERIAL,
        #[cfg(target_arch = "x86_64")]
        Path::Ifma => POINT_COST_IFMA,
    };
    let cost = |c: u32| {
        let per_window = n as u64 * point_cost + (1u64 << (c - 1)) * BUCKET_COST;
        windows(bits, c) as u64 * per_window
    };
    // Up to 16 bits: digits and bucket numbers must fit in i16 and in the IFMA path's
    // schedule entries. The first of equal minima, so the choice is deterministic.
    (4..=16).min_by_key(|&c| cost(c)).unwrap_or(4)
}

/// Windows of `c` bits for scalars under 2^bits: the top window must hold the last carry of
/// the signed digits without itself reaching 2^(c-1), so two bits more than the scalars.
fn windows(bits: u32, c: u32) -> usize {
    (bits as usize + 2).div_ceil(c as usize)
}

/// The `c` bits of `scalar` (little-endian words) from bit `shift`; zero past its end.
fn bits_at(scalar: &[u64; 4], shift: usize, c: u32) -> u64 {
    let word = shift / 64;
    if word >= 4 {
        return 0;
    }
    let offset = shift % 64;
    let mut bits = scalar[word] >> offset;
    if offset + c as usize > 64 && word + 1 < 4 {
        bits |= scalar[word + 1] << (64 - offset);
    }
    bits & ((1 << c) - 1)
}

/// The signed base-2^c digits of `scalar`, least significant first, each in
/// [-2^(c-1), 2^(c-1)): digit `w` goes to `out[w * stride]`.
fn signed_digits(scalar: &[u64; 4], c: u32, out: &mut [i16], stride: usize) {
    let half = 1i32 << (c - 1);
    let mut carry = 0i32;
    for (w, digit) in out.iter_mut().step_by(stride).enumerate() {
        let bits = bits_at(scalar, w * c as usize, c) as i32;
        let value = bits + carry;
        if value >= half {
            *digit = (value - (1 << c)) as i16;
            carry = 1;
        } else {
            *digit = value as i16;
            carry = 0;
        }
    }
    debug_assert_eq!(carry, 0, "the last window absorbs the carry");
}

/// Every scalar's digits, window-major: window `w`'s digits of all n points are
/// `[w * n .. (w + 1) * n]`, the order in which the windows are worked through.
fn digit_table(scalars: &[[u64; 4]], c: u32, windows: usize) -> Vec<i16> {
    let n = scalars.len();
    let mut digits = vec![0i16; n * windows];
    for (i, scalar) in scalars.iter().enumerate() {
        signed_digits(scalar, c, &mut digits[i..], n);
    }
    digits
}

/// One window's buckets: bucket `b` sums the points whose digit is ±(b + 1), signed.
#[derive(Debug)]
struct Buckets {
    sums: Vec<Extended>,
    /// Whether `sums[b]` holds anything; empty buckets are skipped rather than cleared.
    filled: Vec<bool>,
}

impl Buckets {
    /// 2^(c-1) empty buckets, one per digit magnitude.
    fn new(c: u32) -> Buckets {
        let len = 1usize << (c - 1);
        Buckets {
            sums: vec![Extended::IDENTITY; len],
            filled: vec![false; len],
        }
    }

    fn clear(&mut self) {
        self.filled.fill(false);
    }

    /// Adds `point` into bucket `b`; a bucket's first point is stored rather than added to
    /// the identity.
    fn merge(&mut self, b: usize, point: Extended) {
        self.sums[b] = if self.filled[b] {
            self.sums[b].add(&point)
        } else {
            point
        };
        self.filled[b] = true;
    }

    /// Adds (or, for a negative digit, subtracts) every point with a nonzero digit into its
    /// bucket, one point at a time.
    fn fill_serial(&mut self, points: &[AffineNiels], digits: &[i16]) {
        for (point, &digit) in points.iter().zip(digits) {
            if digit == 0 {
                continue;
            }
            let b = usize::from(digit.unsigned_abs()) - 1;
            let start = if self.filled[b] {
                &self.sums[b]
            } else {
                &Extended::IDENTITY
            };
            self.sums[b] = if digit > 0 {
                start.add_affine(point)
            } else {
                start.sub_affine(point)
            };
            self.filled[b] = true;
        }
    }

    /// `sum((b + 1) * bucket[b])`, as a running sum from the top bucket down.
    fn weighted_sum(&self) -> Extended {
        let mut running = Extended::IDENTITY;
        let mut sum = Extended::IDENTITY;
        let mut any = false;
        for (bucket, &filled) in self.sums.iter().zip(&self.filled).rev() {
            if filled {
                running = if any { running.add(bucket) } else { *bucket };
                any = true;
            }
            if any {
                sum = sum.add(&running);
            }
        }
        sum
    }
}

/// `sum(scalars[i] * points[i])` for scalars (little-endian words) under 2^bits. The points'
/// additions into buckets run eight at a time in IFMA lanes where the processor has IFMA.
pub(crate) fn multiscalar_mul(scalars: &[[u64; 4]], bits: u32, points: &[AffineNiels]) -> Extended {
    multiscalar_mul_with(scalars, bits, points, Path::fastest())
}

/// How the points are added into buckets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Path {
    /// One point at a time on the serial field.
    Serial,
    /// Eight at a time in IFMA lanes; only where [`crate::decompress::available`].
    #[cfg(target_arch = "x86_64")]
    Ifma,
}

impl Path {
    fn fastest() -> Path {
        #[cfg(target_arch = "x86_64")]
        if crate::decompress::available() {
            return Path::Ifma;
        }
        Path::Serial
    }
}

/// [`multiscalar_mul`] on a chosen path, with its best window size.
fn multiscalar_mul_with(
    scalars: &[[u64; 4]],
    bits: u32,
    points: &[AffineNiels],
    path: Path,
) -> Extended {
    let c = window_bits(points.len(), bits, path);
    multiscalar_mul_windows(scalars, bits, points, path, c)
}

/// [`multiscalar_mul`] on a chosen path with windows of `c` bits (4 to 16).
#[allow(unsafe_code)]
fn multiscalar_mul_windows(
    scalars: &[[u64; 4]],
    bits: u32,
    points: &[AffineNiels],
    path: Path,
    c: u32,
) -> Extended {
    assert_eq!(scalars.len(), points.len(), "one scalar per point");
    assert!((4..=16).contains(&c), "window of {c} bits");
    let n = points.len();
    if n == 0 {
        return Extended::IDENTITY;
    }
    let windows = windows(bits, c);
    let digits = digit_table(scalars, c, windows);
    #[cfg(target_arch = "x86_64")]
    let mut sorter = ifma::Sorter::new(c);

    let mut buckets = Buckets::new(c);
    let mut total = Extended::IDENTITY;
    for (w, row) in digits.chunks_exact(n).enumerate().rev() {
        if w + 1 != windows {
            for _ in 0..c {
                total = total.double();
            }
        }
        buckets.clear();
        match path {
            Path::Serial => buckets.fill_serial(points, row),
            #[cfg(target_arch = "x86_64")]
            Path::Ifma => {
                assert!(crate::decompress::available(), "IFMA path without IFMA");
                // SAFETY: IFMA (with avx512f and avx512dq) was just confirmed present.
                unsafe { sorter.fill(&mut buckets, points, row) };
            }
        }
        total = total.add(&buckets.weighted_sum());
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::Fe;
    use curve25519_dalek::{
        Scalar, constants::ED25519_BASEPOINT_POINT, edwards::EdwardsPoint,
        traits::VartimeMultiscalarMul,
    };
    use proptest::prelude::*;

    /// Affine (x, y) of k*B, from dalek's own arithmetic: x = X/Z and y = Y/Z are read off
    /// through the compressed encoding and one scalar multiple with a known x-sign.
    fn affine(point: &EdwardsPoint) -> (Fe, Fe) {
        let mut out = Vec::new();
        let encoding = point.compress().to_bytes();
        crate::decompress::decompress_batch(&[encoding], &mut out);
        let (x, y) = out[0].expect("a dalek point decompresses");
        (Fe(x), Fe(y))
    }

    fn words_of(z: u128) -> [u64; 4] {
        [z as u64, (z >> 64) as u64, 0, 0]
    }

    fn words_of_scalar(s: &Scalar) -> [u64; 4] {
        let bytes = s.to_bytes();
        std::array::from_fn(|i| {
            u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().expect("8 bytes"))
        })
    }

    #[test]
    fn digits_recombine_to_the_scalar() {
        let minus_one = -Scalar::ONE;
        let cases: Vec<(u32, Scalar)> = [
            0u128,
            1,
            7,
            u128::MAX,
            u128::MAX / 3,
            1 << 127,
            (1 << 127) - 1,
        ]
        .into_iter()
        .map(|z| (128, Scalar::from(z)))
        .chain([
            (253, minus_one),
            (253, Scalar::from(u128::MAX) * Scalar::from(u128::MAX)),
        ])
        .collect();
        for c in [4u32, 6, 8, 9, 10, 11, 12] {
            for (bits, z) in &cases {
                let mut digits = vec![0; windows(*bits, c)];
                signed_digits(&words_of_scalar(z), c, &mut digits, 1);
                // Recombined modulo the group order, which is far above 2^130, so equality
                // there is equality of integers.
                let mut value = Scalar::ZERO;
                for d in digits.iter().rev() {
                    value *= Scalar::from(1u64 << c);
                    let magnitude = Scalar::from(u64::from(d.unsigned_abs()));
                    value += if *d < 0 { -magnitude } else { magnitude };
                }
                assert_eq!(value, *z, "c = {c}");
                assert!(
                    digits
                        .iter()
                        .all(|d| i32::from(*d) >= -(1 << (c - 1)) && i32::from(*d) < (1 << (c - 1)))
                );
            }
        }
    }

    fn check(scalars: &[u128], ks: &[u64]) {
        let words: Vec<[u64; 4]> = scalars.iter().map(|z| words_of(*z)).collect();
        let full: Vec<Scalar> = scalars.iter().map(|z| Scalar::from(*z)).collect();
        check_with(&words, 128, &full, ks);
    }

    /// Every path this processor can run: the serial one and, with IFMA, the vector one.
    fn paths() -> Vec<Path> {
        #[cfg(target_arch = "x86_64")]
        if crate::decompress::available() {
            return vec![Path::Serial, Path::Ifma];
        }
        println!("no AVX-512 IFMA on this machine: only the serial path is tested");
        vec![Path::Serial]
    }

    /// The points k*B for each k, prepared as the verifier prepares them, and as dalek's.
    fn points_of(ks: &[u64]) -> (Vec<AffineNiels>, Vec<EdwardsPoint>) {
        let dalek_points: Vec<EdwardsPoint> = ks
            .iter()
            .map(|k| ED25519_BASEPOINT_POINT * Scalar::from(*k))
            .collect();
        let niels = dalek_points
            .iter()
            .map(|p| {
                let (x, y) = affine(p);
                AffineNiels::from_affine(x, y)
            })
            .collect();
        (niels, dalek_points)
    }

    /// The dispatching entry point and every path, each with its own window size, against
    /// dalek.
    fn check_with(words: &[[u64; 4]], bits: u32, scalars: &[Scalar], ks: &[u64]) {
        let (niels, dalek_points) = points_of(ks);
        let expected = EdwardsPoint::vartime_multiscalar_mul(scalars, dalek_points.iter())
            .compress()
            .to_bytes();
        assert_eq!(multiscalar_mul(words, bits, &niels).compress(), expected);
        for path in paths() {
            assert_eq!(
                multiscalar_mul_with(words, bits, &niels, path).compress(),
                expected,
                "{path:?}"
            );
        }
    }

    /// Every path at each of the window sizes `cs`, against dalek.
    fn check_windows(scalars: &[u128], ks: &[u64], cs: impl Iterator<Item = u32> + Clone) {
        let words: Vec<[u64; 4]> = scalars.iter().map(|z| words_of(*z)).collect();
        let full: Vec<Scalar> = scalars.iter().map(|z| Scalar::from(*z)).collect();
        let (niels, dalek_points) = points_of(ks);
        let expected = EdwardsPoint::vartime_multiscalar_mul(&full, dalek_points.iter())
            .compress()
            .to_bytes();
        for path in paths() {
            for c in cs.clone() {
                assert_eq!(
                    multiscalar_mul_windows(&words, 128, &niels, path, c).compress(),
                    expected,
                    "{path:?}, c = {c}, n = {}",
                    scalars.len()
                );
            }
        }
    }

    #[test]
    fn window_sizes_fit_the_limits() {
        for path in paths() {
            for n in [0usize, 1, 8, 100, 2001, 30_000, 1 << 20, 1 << 30] {
                for bits in [128, 253] {
                    let c = window_bits(n, bits, path);
                    assert!((4..=16).contains(&c), "{path:?} n = {n}: c = {c}");
                }
            }
        }
    }

    #[test]
    fn every_path_matches_dalek_at_forced_window_sizes() {
        // 45 points: not a multiple of eight, so runs and vectors end part-filled.
        let scalars: Vec<u128> = (0..45u128)
            .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835) >> (i % 7))
            .collect();
        let ks: Vec<u64> = (0..45).map(|i| i * 101 + 7).collect();
        check_windows(&scalars, &ks, 4..=12);
    }

    #[test]
    fn lanes_sharing_one_bucket_match_dalek() {
        // All scalars equal: in every window all points go into the same bucket, which then
        // straddles every lane's run and is flushed from each of them.
        for scalar in [5u128, u128::MAX, 1 << 64, 0x0101_0101_0101_0101] {
            let scalars = vec![scalar; 53];
            let ks: Vec<u64> = (0..53).map(|i| i * 13 + 1).collect();
            check_windows(&scalars, &ks, [4, 6, 9].into_iter());
        }
        // The same point many times into one bucket: the lanes add a point to itself.
        check_windows(&[7u128; 40], &[9; 40], [4, 5].into_iter());
        // One point with digits +3 and -3 alternately (13 = 16 - 3 with c = 4): bucket 2
        // receives it added and subtracted, and cancels within each lane.
        let scalars: Vec<u128> = (0..40u128)
            .map(|i| if i % 2 == 0 { 3 } else { 13 })
            .collect();
        check_windows(&scalars, &[11; 40], [4].into_iter());
        // Two buckets, alternating: every run holds both, so each lane flushes both.
        let scalars: Vec<u128> = (0..100u128).map(|i| 1 + (i % 2)).collect();
        let ks: Vec<u64> = (0..100).map(|i| i + 2).collect();
        check_windows(&scalars, &ks, [4, 8].into_iter());
    }

    #[test]
    fn batches_smaller_than_a_vector_match_dalek() {
        for n in 1..=17u64 {
            let scalars: Vec<u128> = (0..u128::from(n))
                .map(|i| (i + 1).wrapping_mul(0x5851_f42d_4c95_7f2d_1405_7b7e_f767_814f))
                .collect();
            let ks: Vec<u64> = (0..n).map(|i| i * 3 + 5).collect();
            check_windows(&scalars, &ks, [4, 7].into_iter());
        }
    }

    #[test]
    fn zero_digits_and_zero_scalars_match_dalek() {
        // All zero: no point in any window, the sum is the identity.
        check_windows(
            &[0u128; 20],
            &(1..=20).collect::<Vec<u64>>(),
            [4, 6].into_iter(),
        );
        // Mostly zero windows, and zero scalars mixed with others.
        let scalars: Vec<u128> = (0..30u128)
            .map(|i| match i % 3 {
                0 => 0,
                1 => 1 << 100,
                _ => (1 << 127) | 1,
            })
            .collect();
        let ks: Vec<u64> = (0..30).map(|i| i * 17 + 3).collect();
        check_windows(&scalars, &ks, [4, 5, 11].into_iter());
        // A single nonzero scalar among zeros.
        let mut scalars = vec![0u128; 9];
        scalars[8] = 12345;
        check_windows(
            &scalars,
            &(1..=9).collect::<Vec<u64>>(),
            [4, 10].into_iter(),
        );
    }

    #[test]
    fn matches_dalek_at_every_window_size() {
        for n in [0usize, 1, 2, 33, 257, 1025, 4097] {
            let scalars: Vec<u128> = (0..n as u128)
                .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835) ^ (i << 100))
                .collect();
            let ks: Vec<u64> = (0..n as u64).map(|i| i * 7919 + 3).collect();
            check(&scalars, &ks);
        }
    }

    #[test]
    fn repeated_points_and_extreme_scalars() {
        check(&[u128::MAX, u128::MAX, 0, 1, 1 << 127], &[5, 5, 9, 9, 5]);
        // A point and its negative cancel.
        let scalars = vec![3u128; 40];
        let ks: Vec<u64> = (0..40).map(|i| 11 + (i % 2)).collect();
        check(&scalars, &ks);
    }

    #[test]
    fn full_size_scalars_match_dalek() {
        for n in [1usize, 3, 40, 300] {
            let scalars: Vec<Scalar> = (0..n as u64)
                .map(|i| -Scalar::from(i + 1) * Scalar::from(u128::MAX - u128::from(i)))
                .collect();
            let words: Vec<[u64; 4]> = scalars.iter().map(words_of_scalar).collect();
            let ks: Vec<u64> = (0..n as u64).map(|i| i * 31 + 2).collect();
            check_with(&words, 253, &scalars, &ks);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn matches_dalek(pairs in prop::collection::vec((any::<u128>(), 1u64..), 0..80)) {
            let (scalars, ks): (Vec<u128>, Vec<u64>) = pairs.into_iter().unzip();
            check(&scalars, &ks);
        }

        /// Small scalars and few distinct points: buckets and points repeat across lanes.
        #[test]
        fn crowded_buckets_match_dalek(
            pairs in prop::collection::vec((0u128..40, 1u64..6), 0..150),
            c in 4u32..7,
        ) {
            let (scalars, ks): (Vec<u128>, Vec<u64>) = pairs.into_iter().unzip();
            check_windows(&scalars, &ks, [c].into_iter());
        }
    }
}
