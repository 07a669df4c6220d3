//! Arithmetic on eight field elements at once with AVX-512 IFMA.
//!
//! A [`Fe8`] holds eight independent elements of GF(2^255 - 19), one per 64-bit lane: limb
//! vector `i` holds limb `i` of every lane. Limbs are in radix 2^51, not the 2^52 that IFMA's
//! multiplier width suggests: with 52-bit limbs, a carry pass leaves limbs just above 2^52
//! (which IFMA silently truncates), so every reduction would need a sequential carry chain.
//! With 51-bit limbs there is one bit of headroom, so one carry pass done in parallel on all
//! limbs leaves them below 2^52, ready for the next multiplication. The price is that the
//! high half of a 52x52-bit product (weight 2^52) lands in the next radix-2^51 column with
//! weight 2, which costs one doubling per column. This is the layout of curve25519-dalek's
//! own IFMA backend (`backend/vector/ifma/field.rs`), widened from four lanes to eight; the
//! reduction differs: one 64-bit multiply by 19 per high column instead of three IFMAs, since
//! the multiplier pipes are the bottleneck (on Zen 4, `vpmullq` and IFMA share them, one
//! 512-bit operation per cycle).
//!
//! On Zen 4 one 8-lane squaring takes about 46 cycles (31 IFMA, 5 `vpmullq` and ~35 other
//! operations; the IFMA pipes bound it at ~36), under 6 cycles per element.
//!
//! Every `Fe8` is *weakly reduced*: each limb is below 2^52, so it can be fed straight to
//! IFMA; the value itself may exceed p. [`Fe8::canonical`] produces the unique representative
//! below p, which is what comparisons and output need.
//!
//! All functions need `avx512f`, `avx512dq` (for one 64-bit multiply by 19 per high product
//! column) and `avx512ifma`; callers check with `is_x86_feature_detected!` before entering
//! this module's code. Every processor with IFMA has DQ.

#![cfg(target_arch = "x86_64")]

use crate::field::{MASK51, SIXTEEN_P};
use core::arch::x86_64::{
    __m512i, __mmask8, _mm512_add_epi64, _mm512_and_si512, _mm512_cmpeq_epi64_mask,
    _mm512_madd52hi_epu64, _mm512_madd52lo_epu64, _mm512_mask_blend_epi64,
    _mm512_mask_i64gather_epi64, _mm512_mullo_epi64, _mm512_set1_epi64, _mm512_setr_epi64,
    _mm512_setzero_si512, _mm512_srli_epi64, _mm512_sub_epi64, _mm512_test_epi64_mask,
};

/// Eight field elements, radix 2^51, each limb below 2^52 (see the module docs).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fe8([__m512i; 5]);

/// `a + b` on every lane.
#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
fn add64(a: __m512i, b: __m512i) -> __m512i {
    _mm512_add_epi64(a, b)
}

/// The eight 64-bit lanes of a vector, lane 0 first.
#[inline]
#[allow(unsafe_code)]
fn lanes(v: __m512i) -> [u64; 8] {
    // SAFETY: both types are 64 bytes and every bit pattern is valid for both.
    unsafe { core::mem::transmute::<__m512i, [u64; 8]>(v) }
}

/// A vector of eight 64-bit lanes, lane 0 first.
#[inline]
#[allow(unsafe_code)]
pub(crate) fn from_u64s(v: [u64; 8]) -> __m512i {
    // SAFETY: both types are 64 bytes and every bit pattern is valid for both.
    unsafe { core::mem::transmute::<[u64; 8], __m512i>(v) }
}

/// Broadcasts one 64-bit value to every lane.
#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
pub(crate) fn splat64(x: u64) -> __m512i {
    // Reinterprets the bits: the intrinsic takes i64.
    _mm512_set1_epi64(x as i64)
}

/// Column `K` (weight 2^(51K)) of the product x * y, plus `start`.
///
/// The low 52 bits of x_i * y_j land in column i + j; the high half has weight 2^52, twice
/// that of column i + j + 1. So column K = low halves + 2 * high halves: the high halves are
/// summed first, doubled, and the low halves accumulated on top, so IFMA does the additions.
/// With limbs below 2^52 each half is below 2^52 and at most five of each meet: the column is
/// below 15 * 2^52 < 2^56 (plus `start`).
#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
fn mul_column<const K: usize>(x: &[__m512i; 5], y: &[__m512i; 5], start: __m512i) -> __m512i {
    let mut high = _mm512_setzero_si512();
    for (i, &xi) in x.iter().enumerate() {
        for (j, &yj) in y.iter().enumerate() {
            if i + j + 1 == K {
                high = _mm512_madd52hi_epu64(high, xi, yj);
            }
        }
    }
    let mut column = add64(add64(high, high), start);
    for (i, &xi) in x.iter().enumerate() {
        for (j, &yj) in y.iter().enumerate() {
            if i + j == K {
                column = _mm512_madd52lo_epu64(column, xi, yj);
            }
        }
    }
    column
}

/// Column `K` of x^2, plus `start`, computing each cross product x_i x_j (i < j) once.
///
/// A cross product counts twice (x_i x_j + x_j x_i), so its low half counts twice in column
/// i + j and its high half four times in column i + j + 1; a diagonal x_i^2 counts its low
/// half once in column 2i and its high half twice in column 2i + 1. The column is
/// `diag_low + 2 * (diag_high + cross_low + 2 * cross_high)`, summed from the inside out so
/// IFMA does the additions. At most two cross products and one diagonal half meet in a
/// column: below (1 + 2 * 3 + 4 * 2) * 2^52 < 2^56 (plus `start`).
#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
fn square_column<const K: usize>(x: &[__m512i; 5], start: __m512i) -> __m512i {
    let mut four = _mm512_setzero_si512();
    for i in 0..5 {
        for j in i + 1..5 {
            if i + j + 1 == K {
                four = _mm512_madd52hi_epu64(four, x[i], x[j]);
            }
        }
    }
    let mut two = add64(four, four);
    for i in 0..5 {
        for j in i + 1..5 {
            if i + j == K {
                two = _mm512_madd52lo_epu64(two, x[i], x[j]);
            }
        }
    }
    if K % 2 == 1 {
        two = _mm512_madd52hi_epu64(two, x[K / 2], x[K / 2]);
    }
    let mut column = add64(add64(two, two), start);
    if K.is_multiple_of(2) && K / 2 < 5 {
        column = _mm512_madd52lo_epu64(column, x[K / 2], x[K / 2]);
    }
    column
}

/// The high product columns 5..9 (each below 2^56) times 19, ready to add to columns 0..4:
/// column k + 5 has weight 2^255 * 2^(51k), and 2^255 = 19 mod p. 19 * 2^56 < 2^61, so a
/// plain 64-bit multiply is exact, and the sums with columns 0..4 stay below 2^62.
///
/// (A loop rather than `map` with a closure, here and below: the closure would inherit the
/// target features, which stops it being inlined into the generic `map`, so every element
/// would cost a call.)
#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
fn fold_high(mut high: [__m512i; 5]) -> [__m512i; 5] {
    for column in high.iter_mut() {
        *column = _mm512_mullo_epi64(*column, splat64(19));
    }
    high
}

/// `a * b` for N independent vectors. Several exponentiations run side by side so that the
/// processor can overlap one's IFMA latency with another's work. Out-of-order execution does
/// the interleaving: writing the N squarings' instructions interleaved by hand measured no
/// faster (slightly slower for N = 2) than issuing them one vector after another.
#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
fn mul_n<const N: usize>(a: &[Fe8; N], b: &[Fe8; N]) -> [Fe8; N] {
    let mut out = *a;
    for (x, y) in out.iter_mut().zip(b) {
        *x = x.mul(y);
    }
    out
}

/// `x^(2^k)` for N independent vectors (see [`mul_n`]).
#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
fn pow2k_n<const N: usize>(mut x: [Fe8; N], k: u32) -> [Fe8; N] {
    for _ in 0..k {
        for e in x.iter_mut() {
            *e = e.square();
        }
    }
    x
}

impl Fe8 {
    /// The same element (radix 2^51 limbs, each below 2^52) in all eight lanes.
    #[inline]
    #[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
    pub(crate) fn splat(limbs: &[u64; 5]) -> Fe8 {
        debug_assert!(limbs.iter().all(|&l| l < 1 << 52));
        let mut out = [_mm512_setzero_si512(); 5];
        for (o, &l) in out.iter_mut().zip(limbs) {
            *o = splat64(l);
        }
        Fe8(out)
    }

    /// Packs eight elements (radix 2^51 limbs, each below 2^52), lane `j` from `elements[j]`.
    #[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
    pub(crate) fn from_lanes(elements: &[[u64; 5]; 8]) -> Fe8 {
        debug_assert!(elements.iter().flatten().all(|&l| l < 1 << 52));
        let mut out = [_mm512_setzero_si512(); 5];
        for (i, limb) in out.iter_mut().enumerate() {
            let e = |j: usize| elements[j][i] as i64;
            *limb = _mm512_setr_epi64(e(0), e(1), e(2), e(3), e(4), e(5), e(6), e(7));
        }
        Fe8(out)
    }

    /// Gathers eight elements from memory: lane `j` reads the five limbs (each below 2^52)
    /// that start `offsets[j]` bytes past `base`, for the lanes in `mask`; the other lanes
    /// take `default`'s.
    ///
    /// # Safety
    ///
    /// The processor has the module's features, and for every lane in `mask`, the 40 bytes
    /// from `base + offsets[j]` are readable and hold five `u64`s.
    #[inline]
    #[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
    #[allow(unsafe_code)]
    pub(crate) unsafe fn gather(
        base: *const u64,
        offsets: __m512i,
        mask: __mmask8,
        default: &Fe8,
    ) -> Fe8 {
        let mut out = default.0;
        for (i, limb) in out.iter_mut().enumerate() {
            // SAFETY: the caller vouches for every masked-in lane's five limbs; limb `i` is
            // at byte 8i of them, and masked-out lanes are not read.
            *limb = unsafe {
                _mm512_mask_i64gather_epi64::<1>(*limb, mask, offsets, base.add(i).cast::<i64>())
            };
        }
        Fe8(out)
    }

    /// The limb vectors, limb 0 first, each as its eight lanes: `[i][j]` is limb `i` of lane
    /// `j`. Cheaper than [`Fe8::to_lanes`] when only a few lanes are wanted.
    #[inline]
    #[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
    pub(crate) fn limb_lanes(self) -> [[u64; 8]; 5] {
        let mut out = [[0u64; 8]; 5];
        for (o, &limb) in out.iter_mut().zip(&self.0) {
            *o = lanes(limb);
        }
        out
    }

    /// Unpacks the eight elements, lane 0 first, limbs as stored (canonical only if `self` is).
    #[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
    pub(crate) fn to_lanes(self) -> [[u64; 5]; 8] {
        let mut out = [[0u64; 5]; 8];
        for (i, &limb) in self.0.iter().enumerate() {
            for (element, lane) in out.iter_mut().zip(lanes(limb)) {
                element[i] = lane;
            }
        }
        out
    }

    /// Carries each limb's bits above 51 into the next limb (the top limb's into limb 0, times
    /// 19, as 2^255 = 19 mod p). All carries are computed from the input at once, so there is no
    /// chain. Input limbs may be anything below 2^64: carries are then below 2^13 and the
    /// result's limbs are below 2^51 + 19 * 2^13 < 2^52.
    #[inline]
    #[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
    fn weak_reduce(limbs: [__m512i; 5]) -> Fe8 {
        let mask = splat64(MASK51);
        let (mut carry, mut low) = (limbs, limbs);
        for ((c, l), &limb) in carry.iter_mut().zip(low.iter_mut()).zip(&limbs) {
            *c = _mm512_srli_epi64::<51>(limb);
            *l = _mm512_and_si512(limb, mask);
        }
        Fe8([
            // 19 * carry < 2^18 fits IFMA's 52-bit product exactly.
            _mm512_madd52lo_epu64(low[0], carry[4], splat64(19)),
            add64(low[1], carry[0]),
            add64(low[2], carry[1]),
            add64(low[3], carry[2]),
            add64(low[4], carry[3]),
        ])
    }

    /// `self * rhs` on every lane.
    #[inline]
    #[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
    pub(crate) fn mul(self, rhs: &Fe8) -> Fe8 {
        let (x, y) = (&self.0, &rhs.0);
        let zero = _mm512_setzero_si512();
        let folded = fold_high([
            mul_column::<5>(x, y, zero),
            mul_column::<6>(x, y, zero),
            mul_column::<7>(x, y, zero),
            mul_column::<8>(x, y, zero),
            mul_column::<9>(x, y, zero),
        ]);
        Fe8::weak_reduce([
            mul_column::<0>(x, y, folded[0]),
            mul_column::<1>(x, y, folded[1]),
            mul_column::<2>(x, y, folded[2]),
            mul_column::<3>(x, y, folded[3]),
            mul_column::<4>(x, y, folded[4]),
        ])
    }

    /// `self^2` on every lane.
    #[inline]
    #[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
    pub(crate) fn square(self) -> Fe8 {
        let x = &self.0;
        let zero = _mm512_setzero_si512();
        let folded = fold_high([
            square_column::<5>(x, zero),
            square_column::<6>(x, zero),
            square_column::<7>(x, zero),
            square_column::<8>(x, zero),
            square_column::<9>(x, zero),
        ]);
        Fe8::weak_reduce([
            square_column::<0>(x, folded[0]),
            square_column::<1>(x, folded[1]),
            square_column::<2>(x, folded[2]),
            square_column::<3>(x, folded[3]),
            square_column::<4>(x, folded[4]),
        ])
    }

    /// `self + rhs` on every lane.
    #[inline]
    #[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
    pub(crate) fn add(self, rhs: &Fe8) -> Fe8 {
        let mut sum = self.0;
        for (s, &r) in sum.iter_mut().zip(&rhs.0) {
            *s = add64(*s, r);
        }
        Fe8::weak_reduce(sum)
    }

    /// `self - rhs` on every lane: `self + 16p - rhs`, so no limb goes negative.
    #[inline]
    #[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
    pub(crate) fn sub(self, rhs: &Fe8) -> Fe8 {
        let mut diff = self.0;
        for ((d, &r), &p16) in diff.iter_mut().zip(&rhs.0).zip(&SIXTEEN_P) {
            *d = _mm512_sub_epi64(add64(*d, splat64(p16)), r);
        }
        Fe8::weak_reduce(diff)
    }

    /// `-self` on every lane.
    #[inline]
    #[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
    pub(crate) fn neg(self) -> Fe8 {
        Fe8::splat(&[0; 5]).sub(&self)
    }

    /// The canonical representative (limbs below 2^51, value below p) of every lane, as
    /// curve25519-dalek's `to_bytes` computes it: with h < 2p, h >= p exactly when h + 19
    /// carries out of bit 255, so subtract p once when it does.
    #[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
    pub(crate) fn canonical(self) -> Fe8 {
        // Limbs below 2^51 + 19, so h < 2^255 + 2^205 < 2p.
        let mut l = Fe8::weak_reduce(self.0).0;
        let mask = splat64(MASK51);
        // q = (h + 19) >> 255, one limb at a time.
        let mut q = _mm512_srli_epi64::<51>(add64(l[0], splat64(19)));
        for &limb in &l[1..] {
            q = _mm512_srli_epi64::<51>(add64(limb, q));
        }
        // h - q*p = h + 19q - 2^255 q: add 19q, carry through, drop the carry out of bit 255.
        l[0] = _mm512_madd52lo_epu64(l[0], q, splat64(19));
        for i in 0..4 {
            l[i + 1] = add64(l[i + 1], _mm512_srli_epi64::<51>(l[i]));
            l[i] = _mm512_and_si512(l[i], mask);
        }
        l[4] = _mm512_and_si512(l[4], mask);
        Fe8(l)
    }

    /// Lanes where `self == rhs` as field elements (compares canonical representatives).
    #[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
    pub(crate) fn eq_mask(self, rhs: &Fe8) -> __mmask8 {
        let (a, b) = (self.canonical().0, rhs.canonical().0);
        let mut equal: __mmask8 = 0xff;
        for (&ai, &bi) in a.iter().zip(&b) {
            equal &= _mm512_cmpeq_epi64_mask(ai, bi);
        }
        equal
    }

    /// Lanes whose canonical representative is odd ("negative" in Ed25519's sign convention).
    #[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
    pub(crate) fn is_negative_mask(self) -> __mmask8 {
        _mm512_test_epi64_mask(self.canonical().0[0], splat64(1))
    }

    /// Per lane: `if_set` where `mask` has the lane's bit, else `self`.
    #[inline]
    #[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
    pub(crate) fn select(self, mask: __mmask8, if_set: &Fe8) -> Fe8 {
        let mut out = self.0;
        for (o, &s) in out.iter_mut().zip(&if_set.0) {
            *o = _mm512_mask_blend_epi64(mask, *o, s);
        }
        Fe8(out)
    }
}

/// `x^((p-5)/8) = x^(2^252 - 3)` for N independent vectors, by curve25519-dalek's addition
/// chain (`pow22501` then `pow_p58`): 252 squarings and 11 multiplications.
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
pub(crate) fn pow_p58<const N: usize>(x: &[Fe8; N]) -> [Fe8; N] {
    // Comments give the nonzero bits of each exponent.
    let t0 = pow2k_n(*x, 1); // 1
    let t1 = pow2k_n(t0, 2); // 3
    let t2 = mul_n(x, &t1); // 3,0
    let t3 = mul_n(&t0, &t2); // 3,1,0
    let t4 = pow2k_n(t3, 1); // 4,2,1
    let t5 = mul_n(&t2, &t4); // 4..0
    let t6 = pow2k_n(t5, 5); // 9..5
    let t7 = mul_n(&t6, &t5); // 9..0
    let t8 = pow2k_n(t7, 10); // 19..10
    let t9 = mul_n(&t8, &t7); // 19..0
    let t10 = pow2k_n(t9, 20); // 39..20
    let t11 = mul_n(&t10, &t9); // 39..0
    let t12 = pow2k_n(t11, 10); // 49..10
    let t13 = mul_n(&t12, &t7); // 49..0
    let t14 = pow2k_n(t13, 50); // 99..50
    let t15 = mul_n(&t14, &t13); // 99..0
    let t16 = pow2k_n(t15, 100); // 199..100
    let t17 = mul_n(&t16, &t15); // 199..0
    let t18 = pow2k_n(t17, 50); // 249..50
    let t19 = mul_n(&t18, &t13); // 249..0
    let t20 = pow2k_n(t19, 2); // 251..2
    mul_n(x, &t20) // 251..2,0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::Fe;
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    /// Runs `f` only where IFMA exists (the tests pass vacuously elsewhere, with a note).
    fn with_ifma(f: impl FnOnce()) {
        if crate::decompress::available() {
            f();
        } else {
            println!("no AVX-512 IFMA on this machine: wide tests skipped");
        }
    }

    /// Weakly reduced limbs: random below 2^52, with extreme lanes mixed in, since carries
    /// are most likely to go wrong at the bounds.
    fn random_limbs(rng: &mut StdRng) -> [u64; 5] {
        let max = (1u64 << 52) - 1;
        match rng.random_range(0..6) {
            0 => [max; 5],
            1 => [0; 5],
            2 => [MASK51; 5],
            3 => [MASK51 - 18, MASK51, MASK51, MASK51, MASK51], // p
            _ => core::array::from_fn(|_| rng.random::<u64>() & max),
        }
    }

    fn random_lanes(rng: &mut StdRng) -> [[u64; 5]; 8] {
        core::array::from_fn(|_| random_limbs(rng))
    }

    /// Checks a lane-wise binary operation against the serial reference, and that its result
    /// is weakly reduced (limbs below 2^52, fit for the next IFMA).
    #[allow(unsafe_code)]
    fn check_binary(op: fn(Fe8, &Fe8) -> Fe8, reference: fn(Fe, &Fe) -> Fe) {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..2000 {
            let (a, b) = (random_lanes(&mut rng), random_lanes(&mut rng));
            // SAFETY: only called inside `with_ifma`, which checked the IFMA path's features.
            let (raw, got) = unsafe {
                let result = op(Fe8::from_lanes(&a), &Fe8::from_lanes(&b));
                (result.to_lanes(), result.canonical().to_lanes())
            };
            for j in 0..8 {
                assert!(
                    raw[j].iter().all(|&l| l < 1 << 52),
                    "lane {j}: {:?}",
                    raw[j]
                );
                let want = reference(Fe::from_limbs(a[j]), &Fe::from_limbs(b[j])).canonical();
                assert_eq!(got[j], want, "lane {j}: {:?} op {:?}", a[j], b[j]);
            }
        }
    }

    #[test]
    #[allow(unsafe_code)]
    fn wide_mul_matches_serial() {
        // SAFETY: the closures run only inside `with_ifma`.
        with_ifma(|| check_binary(|a, b| unsafe { a.mul(b) }, |a, b| a.mul(b)));
    }

    #[test]
    #[allow(unsafe_code)]
    fn wide_square_matches_serial() {
        // SAFETY: the closures run only inside `with_ifma`.
        with_ifma(|| check_binary(|a, _| unsafe { a.square() }, |a, _| a.square()));
    }

    #[test]
    #[allow(unsafe_code)]
    fn wide_add_sub_neg_match_serial() {
        // SAFETY: the closures run only inside `with_ifma`.
        with_ifma(|| {
            check_binary(|a, b| unsafe { a.add(b) }, |a, b| a.add(b));
            check_binary(|a, b| unsafe { a.sub(b) }, |a, b| a.sub(b));
            check_binary(|a, _| unsafe { a.neg() }, |a, _| a.neg());
        });
    }

    #[test]
    #[allow(unsafe_code)]
    fn wide_pow_p58_matches_serial() {
        // SAFETY: the closures run only inside `with_ifma`.
        with_ifma(|| {
            check_binary(|a, _| unsafe { pow_p58(&[a])[0] }, |a, _| a.pow_p58());
            // Two vectors side by side must give the same answers as one at a time.
            check_binary(|a, b| unsafe { pow_p58(&[*b, a])[1] }, |a, _| a.pow_p58());
        });
    }

    #[test]
    #[allow(unsafe_code)]
    fn wide_canonical_eq_and_sign() {
        with_ifma(|| {
            let mut rng = StdRng::seed_from_u64(8);
            for _ in 0..2000 {
                let (a, b) = (random_lanes(&mut rng), random_lanes(&mut rng));
                // SAFETY: inside `with_ifma`.
                let (eq, neg) = unsafe {
                    let (fa, fb) = (Fe8::from_lanes(&a), Fe8::from_lanes(&b));
                    // Lanes 0..4 compare a with itself plus p (equal), the rest a with b.
                    let p = Fe8::splat(&[MASK51 - 18, MASK51, MASK51, MASK51, MASK51]);
                    let fb = fb.select(0x0f, &fa.add(&p));
                    (fa.eq_mask(&fb), fa.is_negative_mask())
                };
                for j in 0..8 {
                    let ca = Fe::from_limbs(a[j]).canonical();
                    let cb = if j < 4 {
                        ca
                    } else {
                        Fe::from_limbs(b[j]).canonical()
                    };
                    assert_eq!(eq >> j & 1 == 1, ca == cb, "lane {j}");
                    assert_eq!(neg >> j & 1 == 1, ca[0] & 1 == 1, "lane {j}");
                }
            }
        });
    }
}
