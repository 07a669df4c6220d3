//! Points of edwards25519 (-x^2 + y^2 = 1 + d x^2 y^2) in the coordinates the
//! multi-scalar multiplication needs: extended (X:Y:Z:T) for sums, "Niels" forms for the
//! addends, and the completed form that additions produce (Hisil, Wong, Carter, Dawson 2008).

use crate::field::{EDWARDS_D2, Fe};

/// x = X/Z, y = Y/Z, xy = T/Z.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Extended {
    x: Fe,
    y: Fe,
    z: Fe,
    t: Fe,
}

/// An affine point prepared for mixed addition: (y + x, y - x, 2dxy).
///
/// `repr(C)`, and fields visible to the crate: the vectorised multi-scalar multiplication
/// gathers these limbs from memory into vector lanes by their offsets. Aligned to 64 bytes (so
/// 128 in all, with 8 bytes of padding) so that every point is exactly two cache lines, which
/// that code prefetches ahead of its random-order loads.
#[derive(Clone, Copy, Debug)]
#[repr(C, align(64))]
pub(crate) struct AffineNiels {
    pub(crate) y_plus_x: Fe,
    pub(crate) y_minus_x: Fe,
    pub(crate) xy2d: Fe,
}

/// A projective point prepared for addition: (Y + X, Y - X, Z, 2dT).
#[derive(Clone, Copy, Debug)]
struct ProjectiveNiels {
    y_plus_x: Fe,
    y_minus_x: Fe,
    z: Fe,
    t2d: Fe,
}

/// x = X/Z, y = Y/T: what an addition or doubling yields before three multiplications
/// bring it back to extended coordinates.
#[derive(Clone, Copy, Debug)]
struct Completed {
    x: Fe,
    y: Fe,
    z: Fe,
    t: Fe,
}

impl Completed {
    fn to_extended(self) -> Extended {
        Extended {
            x: self.x.mul(&self.t),
            y: self.y.mul(&self.z),
            z: self.z.mul(&self.t),
            t: self.x.mul(&self.y),
        }
    }
}

impl AffineNiels {
    /// Prepares the affine point (x, y); the caller vouches that it is on the curve.
    pub(crate) fn from_affine(x: Fe, y: Fe) -> AffineNiels {
        AffineNiels {
            y_plus_x: y.add(&x),
            y_minus_x: y.sub(&x),
            xy2d: x.mul(&y).mul(&EDWARDS_D2),
        }
    }
}

impl Extended {
    pub(crate) const IDENTITY: Extended = Extended {
        x: Fe::ZERO,
        y: Fe::ONE,
        z: Fe::ONE,
        t: Fe::ZERO,
    };

    /// The point with extended coordinates (X:Y:Z:T); the caller vouches that they are those
    /// of a curve point (XY = ZT), such as a vectorised sum's lane.
    pub(crate) fn from_coordinates(x: Fe, y: Fe, z: Fe, t: Fe) -> Extended {
        Extended { x, y, z, t }
    }

    /// The affine point (x, y); the caller vouches that it is on the curve.
    #[cfg(test)]
    pub(crate) fn from_affine(x: Fe, y: Fe) -> Extended {
        Extended {
            x,
            y,
            z: Fe::ONE,
            t: x.mul(&y),
        }
    }

    fn to_projective_niels(self) -> ProjectiveNiels {
        ProjectiveNiels {
            y_plus_x: self.y.add(&self.x),
            y_minus_x: self.y.sub(&self.x),
            z: self.z,
            t2d: self.t.mul(&EDWARDS_D2),
        }
    }

    /// self + other, for an affine `other`.
    pub(crate) fn add_affine(&self, other: &AffineNiels) -> Extended {
        self.add_signed(other, false)
    }

    /// self - other, for an affine `other`.
    pub(crate) fn sub_affine(&self, other: &AffineNiels) -> Extended {
        self.add_signed(other, true)
    }

    /// self + other, or self - other when `negative`: subtracting (y + x, y - x, 2dxy) is
    /// adding (y - x, y + x, -2dxy), so the first two coordinates swap and 2dxy enters Z and T
    /// with the other sign (the eight-lane addition in `msm/ifma.rs` does the same by masks).
    fn add_signed(&self, other: &AffineNiels, negative: bool) -> Extended {
        let (plus, minus) = if negative {
            (&other.y_minus_x, &other.y_plus_x)
        } else {
            (&other.y_plus_x, &other.y_minus_x)
        };
        let pp = self.y.add(&self.x).mul(plus);
        let mm = self.y.sub(&self.x).mul(minus);
        let tt2d = self.t.mul(&other.xy2d);
        let z2 = self.z.add(&self.z);
        let (z, t) = if negative {
            (z2.sub(&tt2d), z2.add(&tt2d))
        } else {
            (z2.add(&tt2d), z2.sub(&tt2d))
        };
        Completed {
            x: pp.sub(&mm),
            y: pp.add(&mm),
            z,
            t,
        }
        .to_extended()
    }

    pub(crate) fn add(&self, other: &Extended) -> Extended {
        let other = other.to_projective_niels();
        let pp = self.y.add(&self.x).mul(&other.y_plus_x);
        let mm = self.y.sub(&self.x).mul(&other.y_minus_x);
        let tt2d = self.t.mul(&other.t2d);
        let zz = self.z.mul(&other.z);
        let zz2 = zz.add(&zz);
        Completed {
            x: pp.sub(&mm),
            y: pp.add(&mm),
            z: zz2.add(&tt2d),
            t: zz2.sub(&tt2d),
        }
        .to_extended()
    }

    pub(crate) fn double(&self) -> Extended {
        let xx = self.x.square();
        let yy = self.y.square();
        let zz2 = self.z.square().add(&self.z.square());
        let x_plus_y_sq = self.x.add(&self.y).square();
        let yy_plus_xx = yy.add(&xx);
        let yy_minus_xx = yy.sub(&xx);
        Completed {
            x: x_plus_y_sq.sub(&yy_plus_xx),
            y: yy_plus_xx,
            z: yy_minus_xx,
            t: zz2.sub(&yy_minus_xx),
        }
        .to_extended()
    }

    /// Whether this is the identity (0, 1): X = 0 and Y = Z.
    pub(crate) fn is_identity(&self) -> bool {
        self.x.is_zero() && self.y.sub(&self.z).is_zero()
    }

    /// The 32-byte encoding: y with the sign of x in bit 255 (tests compare with dalek's).
    #[cfg(test)]
    pub(crate) fn compress(&self) -> [u8; 32] {
        let z_inv = self.z.invert();
        let x = self.x.mul(&z_inv);
        let mut bytes = self.y.mul(&z_inv).to_bytes();
        bytes[31] |= u8::from(x.is_negative()) << 7;
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::EDWARDS_D;
    use curve25519_dalek::{Scalar, constants::ED25519_BASEPOINT_POINT, edwards::EdwardsPoint};
    use proptest::prelude::*;

    /// The affine coordinates of a dalek point, recovered from its encoding by solving the
    /// curve equation the slow way (x^2 = (y^2 - 1) / (d y^2 + 1), checked below).
    fn affine_of(point: &EdwardsPoint) -> (Fe, Fe) {
        let bytes = point.compress().to_bytes();
        let y = Fe::from_bytes(&bytes);
        let yy = y.square();
        let u = yy.sub(&Fe::ONE);
        let v = EDWARDS_D.mul(&yy).add(&Fe::ONE);
        let xx = u.mul(&v.invert());
        let x = sqrt(xx);
        let x = if x.is_negative() == (bytes[31] >> 7 == 1) {
            x
        } else {
            x.neg()
        };
        assert_eq!(x.square().to_bytes(), xx.to_bytes(), "not a square");
        (x, y)
    }

    /// A square root by exponentiation, (p+3)/8 then times sqrt(-1) if needed; tests only.
    fn sqrt(a: Fe) -> Fe {
        // a^((p+3)/8) = a^(2^252 - 2)
        let mut r = Fe::ONE;
        let mut base = a;
        // (p + 3) / 8 = 2^252 - 2: bits 1..=251 set.
        for bit in 0..252 {
            if bit >= 1 {
                r = r.mul(&base);
            }
            base = base.square();
        }
        if r.square().to_bytes() == a.to_bytes() {
            return r;
        }
        // sqrt(-1) = 2^((p-1)/4)
        let mut i = Fe::ONE;
        let mut two = Fe([2, 0, 0, 0, 0]);
        // (p - 1) / 4 = 2^253 - 5: bits 0, 1 and 3..=252 set.
        for bit in 0..253 {
            if bit != 2 {
                i = i.mul(&two);
            }
            two = two.square();
        }
        r.mul(&i)
    }

    fn point(k: u64) -> EdwardsPoint {
        ED25519_BASEPOINT_POINT * Scalar::from(k)
    }

    #[test]
    fn compression_matches_dalek_and_identity_is_identity() {
        assert_eq!(
            Extended::IDENTITY.compress(),
            EdwardsPoint::default().compress().to_bytes()
        );
        for k in [1u64, 2, 3, 1000, u64::MAX] {
            let (x, y) = affine_of(&point(k));
            assert_eq!(
                Extended::from_affine(x, y).compress(),
                point(k).compress().to_bytes()
            );
        }
    }

    proptest! {
        #[test]
        fn arithmetic_matches_dalek(a in 1u64.., b in 1u64..) {
            let (pa, pb) = (point(a), point(b));
            let (xa, ya) = affine_of(&pa);
            let (xb, yb) = affine_of(&pb);
            let ea = Extended::from_affine(xa, ya);
            let eb = Extended::from_affine(xb, yb);
            let nb = AffineNiels::from_affine(xb, yb);
            prop_assert_eq!(ea.add(&eb).compress(), (pa + pb).compress().to_bytes());
            prop_assert_eq!(ea.add_affine(&nb).compress(), (pa + pb).compress().to_bytes());
            prop_assert_eq!(ea.sub_affine(&nb).compress(), (pa - pb).compress().to_bytes());
            prop_assert_eq!(ea.double().compress(), (pa + pa).compress().to_bytes());
            // Sums in projective form (Z != 1) keep working.
            let sum = ea.add(&eb);
            prop_assert_eq!(sum.add(&sum).compress(), sum.double().compress());
            prop_assert_eq!(
                sum.add_affine(&nb).compress(),
                (pa + pb + pb).compress().to_bytes()
            );
        }
    }

    #[test]
    fn small_order_points_add_like_dalek() {
        // Torsion points: the eight points of order dividing 8, from dalek's table.
        for t in curve25519_dalek::constants::EIGHT_TORSION {
            let (x, y) = affine_of(&t);
            let e = Extended::from_affine(x, y);
            let n = AffineNiels::from_affine(x, y);
            let p = point(7);
            let (xp, yp) = affine_of(&p);
            let ep = Extended::from_affine(xp, yp);
            assert_eq!(ep.add_affine(&n).compress(), (p + t).compress().to_bytes());
            assert_eq!(ep.sub_affine(&n).compress(), (p - t).compress().to_bytes());
            assert_eq!(e.double().compress(), (t + t).compress().to_bytes());
            assert_eq!(
                Extended::IDENTITY.add(&e).compress(),
                t.compress().to_bytes()
            );
        }
    }
}
