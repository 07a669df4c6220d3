//! Arithmetic modulo p = 2^255 - 19, one element at a time, in five 51-bit limbs.
//!
//! The one serial field of the crate: the multi-scalar multiplication's point formulas, the
//! serial decompression fallback, and the reference the eight-lane [`crate::wide`] field is
//! tested against all run on it. It is a port of curve25519-dalek's `FieldElement51`.
//!
//! # Limb bounds
//!
//! Every [`Fe`] is *weakly reduced*: each limb is below 2^52; the value may exceed p. Every
//! operation here accepts any weakly reduced inputs and returns a weakly reduced result, so
//! callers never track bounds: additions and subtractions carry once (in parallel, no chain),
//! which costs a few cycles next to a multiplication but lets every result be multiplied,
//! squared, added or subtracted again. [`Fe::canonical`] gives the unique representative below
//! p, which comparisons and encodings need.
//!
//! The release profile keeps overflow checks on, so the carry code uses plain arithmetic whose
//! bounds the comments prove; a check failing would mean one of these proofs is wrong.

/// Low 51 bits: one limb's worth.
pub(crate) const MASK51: u64 = (1 << 51) - 1;

/// A field element in radix 2^51, limbs below 2^52 (see the module docs).
///
/// `repr(transparent)`: the multi-scalar multiplication loads limbs of points straight from
/// memory into vector lanes, which needs an `Fe` to be exactly its five limbs.
#[derive(Clone, Copy, Debug)]
#[repr(transparent)]
pub(crate) struct Fe(pub(crate) [u64; 5]);

/// 16p limb by limb: added before subtracting so that no limb goes negative (every limb of it
/// is above 2^54, more than any weakly reduced limb).
pub(crate) const SIXTEEN_P: [u64; 5] = [
    16 * ((1 << 51) - 19),
    16 * MASK51,
    16 * MASK51,
    16 * MASK51,
    16 * MASK51,
];

/// Edwards d = -121665/121666 (curve25519-dalek's `EDWARDS_D` limbs).
pub(crate) const EDWARDS_D: Fe = Fe([
    929955233495203,
    466365720129213,
    1662059464998953,
    2033849074728123,
    1442794654840575,
]);

/// 2d.
pub(crate) const EDWARDS_D2: Fe = Fe([
    1859910466990425,
    932731440258426,
    1072319116312658,
    1815898335770999,
    633789495995903,
]);

/// sqrt(-1) (curve25519-dalek's `SQRT_M1` limbs).
pub(crate) const SQRT_M1: Fe = Fe([
    1718705420411056,
    234908883556509,
    2233514472574048,
    2117202627021982,
    765476049583133,
]);

impl Fe {
    pub(crate) const ZERO: Fe = Fe([0; 5]);
    pub(crate) const ONE: Fe = Fe([1, 0, 0, 0, 0]);

    /// Wraps limbs, checking they are weakly reduced (tests build elements at the bounds).
    #[cfg(test)]
    pub(crate) fn from_limbs(limbs: [u64; 5]) -> Fe {
        assert!(limbs.iter().all(|&l| l < 1 << 52), "limb too large");
        Fe(limbs)
    }

    /// The element encoded by `bytes` (little-endian), bit 255 ignored; values from p to
    /// 2^255 - 1 are accepted and mean their residue, as ZIP-215 reads point encodings. The
    /// limbs are below 2^51 but not reduced mod p.
    pub(crate) fn from_bytes(bytes: &[u8; 32]) -> Fe {
        let load8 = |i: usize| {
            let mut word = [0u8; 8];
            word.copy_from_slice(&bytes[i..i + 8]);
            u64::from_le_bytes(word)
        };
        // Limb i holds bits 51i .. 51i + 51; each load covers them from a byte boundary.
        Fe([
            load8(0) & MASK51,
            (load8(6) >> 3) & MASK51,
            (load8(12) >> 6) & MASK51,
            (load8(19) >> 1) & MASK51,
            (load8(24) >> 12) & MASK51,
        ])
    }

    /// The unique representative below p, as 32 little-endian bytes (tests compare with it).
    #[cfg(test)]
    pub(crate) fn to_bytes(self) -> [u8; 32] {
        let l = self.canonical();
        let words = [
            l[0] | (l[1] << 51),
            (l[1] >> 13) | (l[2] << 38),
            (l[2] >> 26) | (l[3] << 25),
            (l[3] >> 39) | (l[4] << 12),
        ];
        let mut out = [0u8; 32];
        for (chunk, word) in out.chunks_exact_mut(8).zip(words) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        out
    }

    /// The canonical limbs (each below 2^51, value below p), as dalek's `to_bytes`: after a
    /// weak reduction h < 2^255 + 2^205 < 2p, and h >= p exactly when h + 19 carries out of
    /// bit 255. Any limbs below 2^64 are accepted.
    pub(crate) fn canonical(&self) -> [u64; 5] {
        let mut l = Fe::weak_reduce(self.0).0;
        let q = l[1..]
            .iter()
            .fold((l[0] + 19) >> 51, |q, &limb| (limb + q) >> 51);
        // h - q*p = h + 19q - 2^255 q: add 19q, carry, and drop the carry out of bit 255.
        l[0] += 19 * q;
        for i in 0..4 {
            l[i + 1] += l[i] >> 51;
            l[i] &= MASK51;
        }
        l[4] &= MASK51;
        l
    }

    /// Equality as field elements.
    pub(crate) fn eq(&self, rhs: &Fe) -> bool {
        self.canonical() == rhs.canonical()
    }

    /// Whether the canonical value is odd (RFC 8032's "negative").
    pub(crate) fn is_negative(&self) -> bool {
        self.canonical()[0] & 1 == 1
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.canonical() == [0; 5]
    }

    /// Carries each limb's bits above 51 into the next (the top limb's into limb 0, times 19,
    /// since 2^255 = 19 mod p), all at once. Limbs below 2^64 give carries below 2^13 and
    /// limbs below 2^51 + 19 * 2^13 < 2^52.
    #[inline(always)]
    fn weak_reduce(limbs: [u64; 5]) -> Fe {
        let carry = limbs.map(|l| l >> 51);
        let low = limbs.map(|l| l & MASK51);
        Fe([
            low[0] + 19 * carry[4],
            low[1] + carry[0],
            low[2] + carry[1],
            low[3] + carry[2],
            low[4] + carry[3],
        ])
    }

    /// Carries 128-bit product columns into weakly reduced limbs. With input limbs below 2^52,
    /// a column is at most one plain product and four times-19 products: below
    /// 77 * 2^104 < 2^110.3.
    #[inline(always)]
    fn carry_wide(c: [u128; 5]) -> Fe {
        let mut limbs = [0u64; 5];
        let mut carry: u64 = 0;
        for (limb, &column) in limbs.iter_mut().zip(&c) {
            let column = column + u128::from(carry);
            *limb = (column as u64) & MASK51;
            // column < 2^110.3 + 2^64, so the carry fits in 64 bits.
            carry = (column >> 51) as u64;
        }
        // carry < 2^59.3, so limbs[0] + 19 * carry < 2^51 + 2^63.6 fits.
        limbs[0] += 19 * carry;
        limbs[1] += limbs[0] >> 51;
        limbs[0] &= MASK51;
        Fe(limbs)
    }

    /// `self + rhs`.
    #[inline(always)]
    pub(crate) fn add(&self, rhs: &Fe) -> Fe {
        Fe::weak_reduce(core::array::from_fn(|i| self.0[i] + rhs.0[i]))
    }

    /// `self - rhs`, as `self + 16p - rhs` so that no limb goes negative.
    #[inline(always)]
    pub(crate) fn sub(&self, rhs: &Fe) -> Fe {
        Fe::weak_reduce(core::array::from_fn(|i| {
            self.0[i] + SIXTEEN_P[i] - rhs.0[i]
        }))
    }

    /// `-self`.
    pub(crate) fn neg(&self) -> Fe {
        Fe::ZERO.sub(self)
    }

    /// `self * rhs`.
    #[inline]
    pub(crate) fn mul(&self, rhs: &Fe) -> Fe {
        let (a, b) = (&self.0, &rhs.0);
        let m = |x: u64, y: u64| u128::from(x) * u128::from(y);
        // Column i + j, or for i + j >= 5 column i + j - 5 times 19 (2^255 = 19 mod p);
        // 19 * b_j < 2^57 keeps the multiplier in 64 bits.
        let mut c = [0u128; 5];
        for (i, &ai) in a.iter().enumerate() {
            for (j, &bj) in b.iter().enumerate() {
                if i + j < 5 {
                    c[i + j] += m(ai, bj);
                } else {
                    c[i + j - 5] += m(ai, 19 * bj);
                }
            }
        }
        Fe::carry_wide(c)
    }

    /// `self^2`, with each cross product computed once (dalek's formulas). Always inlined so
    /// that `pow2k`'s loop keeps the limbs in registers: the serial decompression went from
    /// 6.3 to 4.3 us per point.
    #[inline(always)]
    pub(crate) fn square(&self) -> Fe {
        let a = &self.0;
        let m = |x: u64, y: u64| u128::from(x) * u128::from(y);
        let (a3_19, a4_19) = (19 * a[3], 19 * a[4]);
        Fe::carry_wide([
            m(a[0], a[0]) + 2 * (m(a[1], a4_19) + m(a[2], a3_19)),
            m(a[3], a3_19) + 2 * (m(a[0], a[1]) + m(a[2], a4_19)),
            m(a[1], a[1]) + 2 * (m(a[0], a[2]) + m(a[4], a3_19)),
            m(a[4], a4_19) + 2 * (m(a[0], a[3]) + m(a[1], a[2])),
            m(a[2], a[2]) + 2 * (m(a[0], a[4]) + m(a[1], a[3])),
        ])
    }

    /// `self^(2^k)`.
    fn pow2k(&self, k: u32) -> Fe {
        (0..k).fold(*self, |x, _| x.square())
    }

    /// `self^(2^250 - 1)` and `self^11`, the shared start of dalek's inversion and square-root
    /// chains. Comments give the nonzero bits of each exponent.
    fn pow22501(&self) -> (Fe, Fe) {
        let t0 = self.square(); // 1
        let t1 = t0.pow2k(2); // 3
        let t2 = self.mul(&t1); // 3,0
        let t3 = t0.mul(&t2); // 3,1,0
        let t4 = t3.square(); // 4,2,1
        let t5 = t2.mul(&t4); // 4..0
        let t6 = t5.pow2k(5); // 9..5
        let t7 = t6.mul(&t5); // 9..0
        let t8 = t7.pow2k(10); // 19..10
        let t9 = t8.mul(&t7); // 19..0
        let t10 = t9.pow2k(20); // 39..20
        let t11 = t10.mul(&t9); // 39..0
        let t12 = t11.pow2k(10); // 49..10
        let t13 = t12.mul(&t7); // 49..0
        let t14 = t13.pow2k(50); // 99..50
        let t15 = t14.mul(&t13); // 99..0
        let t16 = t15.pow2k(100); // 199..100
        let t17 = t16.mul(&t15); // 199..0
        let t18 = t17.pow2k(50); // 249..50
        let t19 = t18.mul(&t13); // 249..0
        (t19, t3)
    }

    /// The inverse (self^(p-2) = self^(2^255 - 21)); zero maps to zero. Only the tests'
    /// point compression needs it.
    #[cfg(test)]
    pub(crate) fn invert(&self) -> Fe {
        let (t19, t3) = self.pow22501();
        t19.pow2k(5).mul(&t3) // 254..5,3,1,0
    }

    /// `self^((p-5)/8) = self^(2^252 - 3)`, by dalek's addition chain (`pow22501`, `pow_p58`).
    pub(crate) fn pow_p58(&self) -> Fe {
        let (t19, _) = self.pow22501();
        self.mul(&t19.pow2k(2)) // 251..2,0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Elements from arbitrary bytes, and elements with arbitrary weakly reduced limbs (the
    /// bounds every operation must accept).
    fn arb_fe() -> impl Strategy<Value = Fe> {
        prop_oneof![
            any::<[u8; 32]>().prop_map(|b| Fe::from_bytes(&b)),
            any::<[u64; 5]>().prop_map(|l| Fe(l.map(|x| x >> 12))),
            Just(Fe([(1 << 52) - 1; 5])),
        ]
    }

    /// Whether every limb is below 2^52.
    fn weakly_reduced(fe: &Fe) -> bool {
        fe.0.iter().all(|&l| l < 1 << 52)
    }

    #[test]
    fn constants_are_d_2d_and_sqrt_m1() {
        // d * 121666 = -121665
        let d = EDWARDS_D.mul(&Fe([121666, 0, 0, 0, 0]));
        assert_eq!(d.to_bytes(), Fe([121665, 0, 0, 0, 0]).neg().to_bytes());
        assert_eq!(EDWARDS_D.add(&EDWARDS_D).to_bytes(), EDWARDS_D2.to_bytes());
        assert!(SQRT_M1.square().eq(&Fe::ONE.neg()), "sqrt(-1)^2 = -1");
    }

    #[test]
    fn encodings_at_and_above_p_mean_their_residue() {
        let p_minus_1 = Fe([MASK51 - 19, MASK51, MASK51, MASK51, MASK51]).to_bytes();
        let mut p = p_minus_1;
        p[0] += 1;
        assert_eq!(Fe::from_bytes(&p).to_bytes(), [0u8; 32]);
        let mut top = [0xff; 32];
        top[31] = 0x7f; // 2^255 - 1 = p + 18
        let mut eighteen = [0u8; 32];
        eighteen[0] = 18;
        assert_eq!(Fe::from_bytes(&top).to_bytes(), eighteen);
        // Bit 255 is not part of the value.
        top[31] = 0xff;
        assert_eq!(Fe::from_bytes(&top).to_bytes(), eighteen);
        assert_eq!(Fe::from_bytes(&p_minus_1).to_bytes(), p_minus_1);
    }

    proptest! {
        #[test]
        fn ring_laws_hold(a in arb_fe(), b in arb_fe(), c in arb_fe()) {
            prop_assert_eq!(a.mul(&b).to_bytes(), b.mul(&a).to_bytes());
            prop_assert_eq!(
                a.mul(&b.add(&c)).to_bytes(),
                a.mul(&b).add(&a.mul(&c)).to_bytes()
            );
            prop_assert_eq!(a.sub(&b).add(&b).to_bytes(), a.to_bytes());
            prop_assert_eq!(a.add(&a.neg()).to_bytes(), [0u8; 32]);
            prop_assert_eq!(a.mul(&b).mul(&c).to_bytes(), a.mul(&b.mul(&c)).to_bytes());
            prop_assert_eq!(a.square().to_bytes(), a.mul(&a).to_bytes());
        }

        #[test]
        fn results_stay_weakly_reduced(a in arb_fe(), b in arb_fe()) {
            for result in [a.add(&b), a.sub(&b), a.neg(), a.mul(&b), a.square()] {
                prop_assert!(weakly_reduced(&result), "{:?}", result);
            }
        }

        #[test]
        fn inversion_inverts(a in arb_fe()) {
            let product = a.mul(&a.invert());
            if a.is_zero() {
                prop_assert!(product.is_zero());
            } else {
                prop_assert_eq!(product.to_bytes(), Fe::ONE.to_bytes());
            }
        }

        #[test]
        fn pow_p58_is_the_exponent_of_the_square_root(a in arb_fe()) {
            // (x^((p-5)/8))^8 * x^5 = x^p = x (Fermat).
            let r = a.pow_p58();
            let x5 = a.square().square().mul(&a);
            prop_assert_eq!(r.pow2k(3).mul(&x5).to_bytes(), a.to_bytes());
        }

        #[test]
        fn canonical_bytes_round_trip(b in any::<[u8; 32]>()) {
            let fe = Fe::from_bytes(&b);
            let again = Fe::from_bytes(&fe.to_bytes());
            prop_assert_eq!(again.to_bytes(), fe.to_bytes());
            // Canonical output is below p: its top bit is clear and it is not in [p, 2^255).
            prop_assert_eq!(fe.to_bytes()[31] & 0x80, 0);
        }
    }
}
