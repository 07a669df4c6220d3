//! Batch decompression of Edwards points, eight at a time with AVX-512 IFMA.
//!
//! Decompressing a signature's R point is dominated by one field exponentiation (the square
//! root in `sqrt_ratio_i`, ~250 squarings). Each point's exponentiation is independent, so
//! eight of them run side by side in the lanes of 512-bit vectors (see [`crate::wide`]).
//! The result must be exactly what curve25519-dalek 5.0.0's `CompressedEdwardsY::decompress`
//! gives, including its ZIP-215 leniency: y may be non-canonical (taken mod p after clearing
//! bit 255), and the sign bit is applied even when x = 0.
//!
//! Where IFMA is missing, the same steps run one point at a time on the serial field
//! ([`crate::field`]).
//!
//! Measured on an AMD EPYC (Zen 4, 3.65 GHz), 30,000 points (`benches/verify.rs`): about
//! 465 ns per point on the IFMA path, against 4.5 us for curve25519-dalek's `decompress` and
//! 4.25 us for the serial path here.
//!
//! Nothing here depends on secret data in a way that matters for verification (the inputs
//! are public signatures and keys); the serial path branches on its values.

use crate::field::{EDWARDS_D, Fe, SQRT_M1};

/// Field element, radix 2^51, five limbs, fully reduced (canonical, < p = 2^255 - 19).
pub(crate) type Limbs = [u64; 5];

/// Whether this processor can run the IFMA path (runtime detection: avx512f, avx512ifma, and
/// avx512dq, which every IFMA processor also has).
pub(crate) fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512dq")
            && is_x86_feature_detected!("avx512ifma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Decompresses each 32-byte encoding exactly as curve25519-dalek 5.0.0's
/// `CompressedEdwardsY::decompress` does, writing `Some((x, y))` affine coordinates (canonical
/// radix-2^51 limbs) or `None` where dalek returns `None`. `out` is cleared and filled with one
/// entry per input. Uses IFMA when [`available`], else the serial implementation.
#[allow(unsafe_code)]
pub(crate) fn decompress_batch(encodings: &[[u8; 32]], out: &mut Vec<Option<(Limbs, Limbs)>>) {
    out.clear();
    out.reserve(encodings.len());
    #[cfg(target_arch = "x86_64")]
    if available() {
        // SAFETY: `available()` just confirmed avx512f, avx512dq and avx512ifma, the features
        // `decompress_all` is compiled for.
        unsafe { ifma::decompress_all::<{ ifma::CHAINS }>(encodings, out) };
        return;
    }
    decompress_all_serial(encodings, out);
}

/// [`decompress_batch`] forced onto the serial path, so tests can check both paths.
#[cfg(test)]
pub(crate) fn decompress_batch_serial(
    encodings: &[[u8; 32]],
    out: &mut Vec<Option<(Limbs, Limbs)>>,
) {
    out.clear();
    decompress_all_serial(encodings, out);
}

/// Appends the serial decompression of every encoding to `out`.
fn decompress_all_serial(encodings: &[[u8; 32]], out: &mut Vec<Option<(Limbs, Limbs)>>) {
    out.extend(encodings.iter().map(decompress_serial));
}

/// One point, step for step as curve25519-dalek's `decompress::step_1` and `step_2`.
pub(crate) fn decompress_serial(encoding: &[u8; 32]) -> Option<(Limbs, Limbs)> {
    let y = Fe::from_bytes(encoding);
    let yy = y.square();
    let u = yy.sub(&Fe::ONE); // u = y^2 - 1
    let v = yy.mul(&EDWARDS_D).add(&Fe::ONE); // v = d y^2 + 1
    let (is_valid, r) = sqrt_ratio_i(&u, &v);
    if !is_valid {
        return None;
    }
    let x = if encoding[31] >> 7 == 1 { r.neg() } else { r };
    Some((x.canonical(), y.canonical()))
}

/// curve25519-dalek's `FieldElement::sqrt_ratio_i`: `(true, +sqrt(u/v))` if u/v is a nonzero
/// square, `(true, 0)` if u = 0, `(false, 0)` if v = 0 and u != 0, and
/// `(false, +sqrt(i*u/v))` if u/v is a nonsquare; "+" means the canonical value is even.
fn sqrt_ratio_i(u: &Fe, v: &Fe) -> (bool, Fe) {
    let v3 = v.square().mul(v);
    let v7 = v3.square().mul(v);
    let mut r = u.mul(&v3).mul(&u.mul(&v7).pow_p58());
    let check = v.mul(&r.square());

    let i = SQRT_M1;
    let neg_u = u.neg();
    let correct_sign_sqrt = check.eq(u);
    let flipped_sign_sqrt = check.eq(&neg_u);
    let flipped_sign_sqrt_i = check.eq(&neg_u.mul(&i));

    if flipped_sign_sqrt || flipped_sign_sqrt_i {
        r = r.mul(&i);
    }
    if r.is_negative() {
        r = r.neg();
    }
    (correct_sign_sqrt || flipped_sign_sqrt, r)
}

/// The IFMA path: the same steps as [`decompress_serial`] on eight lanes per vector.
#[cfg(target_arch = "x86_64")]
mod ifma {
    use super::{EDWARDS_D, Fe, Limbs, SQRT_M1};
    use crate::wide::{Fe8, pow_p58};
    use curve25519_dalek::constants::ED25519_BASEPOINT_COMPRESSED;

    /// How many 8-lane vectors go through the exponentiation together. Two independent
    /// dependency chains let the processor overlap one chain's IFMA latency with the other's
    /// work. Measured on Zen 4: 586 ns/point with one chain, 465 with two, 461 with three;
    /// two leaves fewer points of a batch to the slower one-chain groups at its tail.
    pub(super) const CHAINS: usize = 2;

    /// Appends the decompression of every encoding to `out`: groups of `8 * N`, then what is
    /// left in groups of 8, the last one padded with the base point's encoding.
    #[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
    pub(super) fn decompress_all<const N: usize>(
        encodings: &[[u8; 32]],
        out: &mut Vec<Option<(Limbs, Limbs)>>,
    ) {
        let wide_end = encodings.len() - encodings.len() % (8 * N);
        for group in encodings[..wide_end].chunks_exact(8 * N) {
            decompress_group::<N>(group, out);
        }
        for tail in encodings[wide_end..].chunks(8) {
            let mut padded = [ED25519_BASEPOINT_COMPRESSED.to_bytes(); 8];
            padded[..tail.len()].copy_from_slice(tail);
            decompress_group::<1>(&padded, out);
            // Drop the padding lanes' results.
            out.truncate(out.len() - (8 - tail.len()));
        }
    }

    /// One vector's state between the setup and the exponentiation.
    #[derive(Clone, Copy)]
    struct Setup {
        /// y, not reduced mod p.
        y: Fe8,
        /// u = y^2 - 1.
        u: Fe8,
        /// v = d y^2 + 1.
        v: Fe8,
        /// u v^3.
        uv3: Fe8,
        /// u v^7, the exponentiation's input.
        uv7: Fe8,
    }

    impl Setup {
        /// Loads eight encodings and computes everything up to the exponentiation.
        #[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
        fn new(lanes: &[[u8; 32]]) -> Setup {
            let mut ys = [[0u64; 5]; 8];
            for (y, encoding) in ys.iter_mut().zip(lanes) {
                *y = Fe::from_bytes(encoding).0;
            }
            let y = Fe8::from_lanes(&ys);
            let one = Fe8::splat(&Fe::ONE.0);
            let yy = y.square();
            let u = yy.sub(&one);
            let v = yy.mul(&Fe8::splat(&EDWARDS_D.0)).add(&one);
            let v3 = v.square().mul(&v);
            let v7 = v3.square().mul(&v);
            Setup {
                y,
                u,
                v,
                uv3: u.mul(&v3),
                uv7: u.mul(&v7),
            }
        }
    }

    /// Appends the decompression of exactly `8 * N` encodings to `out`; the N vectors'
    /// exponentiations run side by side.
    #[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
    fn decompress_group<const N: usize>(group: &[[u8; 32]], out: &mut Vec<Option<(Limbs, Limbs)>>) {
        assert_eq!(group.len(), 8 * N, "group size");
        let zero = Fe8::splat(&[0; 5]);
        let mut setups = [Setup {
            y: zero,
            u: zero,
            v: zero,
            uv3: zero,
            uv7: zero,
        }; N];
        let mut uv7 = [zero; N];
        for ((setup, uv7), lanes) in setups.iter_mut().zip(&mut uv7).zip(group.chunks_exact(8)) {
            *setup = Setup::new(lanes);
            *uv7 = setup.uv7;
        }
        let p58 = pow_p58(&uv7);
        for ((setup, p58), lanes) in setups.iter().zip(&p58).zip(group.chunks_exact(8)) {
            finish(setup, p58, lanes, out);
        }
    }

    /// The rest of `sqrt_ratio_i` and the sign handling, given (u v^7)^((p-5)/8); appends the
    /// eight results to `out`.
    #[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
    fn finish(setup: &Setup, p58: &Fe8, lanes: &[[u8; 32]], out: &mut Vec<Option<(Limbs, Limbs)>>) {
        let Setup { y, u, v, uv3, .. } = *setup;
        let i = Fe8::splat(&SQRT_M1.0);
        let r = uv3.mul(p58);
        let check = v.mul(&r.square());
        let neg_u = u.neg();
        let correct_sign_sqrt = check.eq_mask(&u);
        let flipped_sign_sqrt = check.eq_mask(&neg_u);
        let flipped_sign_sqrt_i = check.eq_mask(&neg_u.mul(&i));

        let r = r.select(flipped_sign_sqrt | flipped_sign_sqrt_i, &r.mul(&i));
        let r = r.select(r.is_negative_mask(), &r.neg());
        let mut sign_bits = 0u8;
        for (j, encoding) in lanes.iter().enumerate() {
            sign_bits |= (encoding[31] >> 7) << j;
        }
        let x = r.select(sign_bits, &r.neg());

        let valid = correct_sign_sqrt | flipped_sign_sqrt;
        let xs = x.canonical().to_lanes();
        let ys = y.canonical().to_lanes();
        for (j, (x, y)) in xs.into_iter().zip(ys).enumerate() {
            out.push((valid >> j & 1 == 1).then_some((x, y)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::Scalar;
    use curve25519_dalek::constants::{ED25519_BASEPOINT_COMPRESSED, EIGHT_TORSION};
    use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
    use proptest::prelude::*;
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    type Output = Vec<Option<(Limbs, Limbs)>>;
    type Path = fn(&[[u8; 32]], &mut Output);

    /// p = 2^255 - 19, little-endian.
    const P_BYTES: [u8; 32] = {
        let mut p = [0xff; 32];
        p[0] = 0xed;
        p[31] = 0x7f;
        p
    };

    /// `bytes + k` as 256-bit little-endian integers (no overflow in the tests' uses).
    fn add_small(bytes: [u8; 32], k: u8) -> [u8; 32] {
        let mut out = bytes;
        let mut carry = u16::from(k);
        for byte in out.iter_mut() {
            let sum = u16::from(*byte) + carry;
            *byte = sum as u8;
            carry = sum >> 8;
        }
        out
    }

    /// The encoding of a small integer y.
    fn small_y(y: u8) -> [u8; 32] {
        add_small([0; 32], y)
    }

    /// `encoding` with its sign bit set.
    fn with_sign(mut encoding: [u8; 32]) -> [u8; 32] {
        encoding[31] |= 0x80;
        encoding
    }

    /// The IFMA path with `N` chains, called directly (only where IFMA exists).
    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)]
    fn ifma_with_chains<const N: usize>(encodings: &[[u8; 32]], out: &mut Output) {
        assert!(available(), "IFMA path called without IFMA");
        out.clear();
        // SAFETY: `available()` was just asserted: avx512f, avx512dq and avx512ifma are present.
        unsafe { ifma::decompress_all::<N>(encodings, out) };
    }

    /// Every implementation under test: the dispatching entry point, the serial fallback and,
    /// where the processor has IFMA, the IFMA path with one, two and three chains.
    fn paths() -> Vec<(&'static str, Path)> {
        let mut paths: Vec<(&'static str, Path)> = vec![
            ("decompress_batch", decompress_batch),
            ("serial", decompress_batch_serial),
        ];
        #[cfg(target_arch = "x86_64")]
        if available() {
            paths.push(("ifma x1", ifma_with_chains::<1>));
            paths.push(("ifma x2", ifma_with_chains::<2>));
            paths.push(("ifma x3", ifma_with_chains::<3>));
        }
        if !available() {
            println!("no AVX-512 IFMA on this machine: only the serial path is tested");
        }
        paths
    }

    /// Whether -x^2 + y^2 = 1 + d x^2 y^2.
    fn on_curve(x: &Limbs, y: &Limbs) -> bool {
        let (xx, yy) = (Fe(*x).square(), Fe(*y).square());
        let left = yy.sub(&xx);
        let right = Fe::ONE.add(&EDWARDS_D.mul(&xx).mul(&yy));
        left.eq(&right)
    }

    /// The canonical encoding of the affine point (x, y).
    fn encode(x: &Limbs, y: &Limbs) -> [u8; 32] {
        let mut encoding = Fe(*y).to_bytes();
        encoding[31] |= ((x[0] & 1) as u8) << 7;
        encoding
    }

    /// Checks every path against curve25519-dalek on `encodings`: the same Some/None, and for
    /// each point canonical coordinates on the curve whose canonical encoding is the one
    /// dalek's point compresses to (with y fixed, that pins x down, sign included).
    fn check(encodings: &[[u8; 32]]) {
        let want: Vec<Option<[u8; 32]>> = encodings
            .iter()
            .map(|e| {
                CompressedEdwardsY(*e)
                    .decompress()
                    .map(|p| p.compress().to_bytes())
            })
            .collect();
        for (name, path) in paths() {
            // Stale contents must be cleared.
            let mut out: Output = vec![None; 3];
            path(encodings, &mut out);
            assert_eq!(out.len(), encodings.len(), "{name}: length");
            for (k, (got, want)) in out.iter().zip(&want).enumerate() {
                let input = encodings[k];
                match (got, want) {
                    (None, None) => {}
                    (Some((x, y)), Some(want)) => {
                        assert_eq!(
                            Fe(*x).canonical(),
                            *x,
                            "{name}: x not canonical, {input:x?}"
                        );
                        assert_eq!(
                            Fe(*y).canonical(),
                            *y,
                            "{name}: y not canonical, {input:x?}"
                        );
                        assert!(on_curve(x, y), "{name}: off the curve, {input:x?}");
                        assert_eq!(encode(x, y), *want, "{name}: wrong point, {input:x?}");
                    }
                    _ => panic!(
                        "{name}: validity differs from dalek ({}) on {input:x?}",
                        want.is_some()
                    ),
                }
            }
        }
    }

    fn random_points(rng: &mut StdRng, count: usize) -> Vec<[u8; 32]> {
        (0..count)
            .map(|_| {
                let scalar = Scalar::from_bytes_mod_order(rng.random());
                EdwardsPoint::mul_base(&scalar).compress().to_bytes()
            })
            .collect()
    }

    #[test]
    fn decompress_constants_are_right() {
        let i = SQRT_M1;
        assert!(i.square().eq(&Fe::ONE.neg()), "sqrt(-1)^2 = -1");
        let d_times = EDWARDS_D.mul(&Fe::from_bytes(&small_y(0)).add(&Fe([121666, 0, 0, 0, 0])));
        assert!(
            d_times.eq(&Fe([121665, 0, 0, 0, 0]).neg()),
            "d * 121666 = -121665"
        );
    }

    #[test]
    fn decompress_matches_dalek_on_random_points() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut encodings = random_points(&mut rng, 500);
        // Negated points too.
        for encoding in encodings.iter_mut().step_by(2) {
            encoding[31] ^= 0x80;
        }
        check(&encodings);
    }

    #[test]
    fn decompress_matches_dalek_on_random_bytes() {
        let mut rng = StdRng::seed_from_u64(2);
        let encodings: Vec<[u8; 32]> = (0..1000).map(|_| rng.random()).collect();
        let valid = encodings
            .iter()
            .filter(|e| CompressedEdwardsY(**e).decompress().is_some())
            .count();
        assert!(
            (300..700).contains(&valid),
            "about half are points: {valid}"
        );
        check(&encodings);
    }

    #[test]
    fn decompress_matches_dalek_on_special_y() {
        let p_minus_1 = {
            let mut b = P_BYTES;
            b[0] -= 1;
            b
        };
        let mut ys = vec![small_y(0), small_y(1), small_y(2), p_minus_1];
        // Every non-canonical y: p, p + 1, ..., p + 18 = 2^255 - 1.
        ys.extend((0..19).map(|k| add_small(P_BYTES, k)));
        assert_eq!(*ys.last().expect("nonempty"), {
            let mut b = [0xff; 32];
            b[31] = 0x7f;
            b
        });
        let encodings: Vec<[u8; 32]> = ys.iter().flat_map(|&y| [y, with_sign(y)]).collect();
        check(&encodings);
        // x = 0 points (y = 1, y = -1 and y = p + 1) decode, with the sign bit set too.
        for y in [small_y(1), p_minus_1, add_small(P_BYTES, 1)] {
            for encoding in [y, with_sign(y)] {
                let mut out = Vec::new();
                decompress_batch(&[encoding], &mut out);
                assert_eq!(out[0].map(|(x, _)| x), Some([0; 5]), "{encoding:x?}");
            }
        }
    }

    #[test]
    fn decompress_matches_dalek_on_small_order_points() {
        let encodings: Vec<[u8; 32]> = EIGHT_TORSION
            .iter()
            .map(|p| p.compress().to_bytes())
            .flat_map(|e| [e, with_sign(e)])
            .collect();
        check(&encodings);
    }

    #[test]
    fn decompress_handles_every_length() {
        let mut rng = StdRng::seed_from_u64(3);
        for len in [0, 1, 7, 8, 9, 15, 16, 17, 23, 24, 25, 100] {
            // Valid and invalid encodings, so padding lanes could not hide a misplaced result.
            let points = random_points(&mut rng, len);
            let encodings: Vec<[u8; 32]> = points
                .into_iter()
                .map(|p| if rng.random() { p } else { rng.random() })
                .collect();
            check(&encodings);
        }
    }

    #[test]
    fn decompress_single_inputs_are_not_mixed_with_padding() {
        // A lone base point and a lone non-point: the padded lanes must not leak into them.
        check(&[ED25519_BASEPOINT_COMPRESSED.to_bytes()]);
        check(&[[2; 32]]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn decompress_matches_dalek_on_arbitrary_bytes(
            encodings in proptest::collection::vec(any::<[u8; 32]>(), 0..40),
        ) {
            check(&encodings);
        }
    }
}
