//! The bucket accumulation of the multi-scalar multiplication, eight points at a time in
//! AVX-512 IFMA lanes (see [`crate::wide`]).
//!
//! In a window, each point with a nonzero digit is added into (or, for a negative digit,
//! subtracted from) bucket |digit| - 1. Additions into different buckets are independent,
//! but keeping the buckets in memory and updating eight distinct ones per step would load and
//! store eight buckets' twenty limbs around every addition. Instead the window's points are
//! sorted by bucket (a counting sort), the sorted list is cut into eight consecutive runs, and
//! lane j adds up run j in registers, start to end. Consecutive entries of a run mostly share
//! a bucket, so a lane's sum is written out ("flushed") only where its bucket changes: once
//! per bucket, plus once more for each of the at most seven buckets that straddle two runs.
//! Per step only the eight points are loaded, gathered straight from the caller's slice.
//!
//! The lanes' additions are the serial mixed addition's (`Extended::add_affine` and
//! `sub_affine`), with the sign chosen per lane by mask blends. The unified Edwards addition
//! is complete on edwards25519 (d is not a square), so the lanes' sums start from the
//! identity and need no special cases; the result is the same group element as the serial
//! path's, whatever the order of the additions.

use super::Buckets;
use crate::field::Fe;
use crate::point::{AffineNiels, Extended};
use crate::wide::{Fe8, from_u64s, splat64};
use core::arch::x86_64::{
    __m512i, __mmask8, _MM_HINT_T0, _mm_prefetch, _mm512_and_si512, _mm512_test_epi64_mask,
};
use core::mem::{align_of, offset_of, size_of};

/// An entry of a window's schedule, one point of one lane, packed into a 64-bit lane so that
/// eight of them load as one vector: bits 0..40 are the byte offset of the point in the
/// points slice, bits 40..56 its bucket, and the flags below.
const OFFSET_MASK: u64 = (1 << 40) - 1;
/// Where the bucket starts in an entry.
const BUCKET_SHIFT: u32 = 40;
/// The lane has a point at this step (runs may be shorter than the schedule).
const VALID: u64 = 1 << 61;
/// The point's digit is negative: subtract it.
const NEGATIVE: u64 = 1 << 62;
/// The last point of its bucket in its lane's run: flush the lane's sum after adding it.
const LAST: u64 = 1 << 63;

/// The bucket an entry's point goes into.
fn bucket(entry: u64) -> usize {
    ((entry >> BUCKET_SHIFT) & 0xffff) as usize
}

/// Working memory for scheduling windows, reused from one window to the next.
#[derive(Debug)]
pub(super) struct Sorter {
    /// Per bucket, its next free position in `sorted` (a counting sort's prefix sums).
    next: Vec<usize>,
    /// The window's entries sorted by bucket (stable: by point within a bucket).
    sorted: Vec<u64>,
    /// The entries step by step: step `s`'s eight lanes are `schedule[8s .. 8s + 8]`.
    schedule: Vec<u64>,
}

impl Sorter {
    /// Working memory for windows of `c` bits (2^(c-1) buckets).
    pub(super) fn new(c: u32) -> Sorter {
        Sorter {
            next: vec![0; (1 << (c - 1)) + 1],
            sorted: Vec::new(),
            schedule: Vec::new(),
        }
    }

    /// Adds every point with a nonzero digit into its bucket, as `Buckets::fill_serial`.
    ///
    /// # Safety
    ///
    /// The processor has avx512f, avx512dq and avx512ifma.
    #[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
    pub(super) fn fill(&mut self, buckets: &mut Buckets, points: &[AffineNiels], digits: &[i16]) {
        assert_eq!(points.len(), digits.len(), "one digit per point");
        self.sort(digits);
        self.schedule();
        let (vectors, rest) = self.schedule.as_chunks::<8>();
        debug_assert!(rest.is_empty());
        accumulate(vectors, points, buckets);
    }

    /// Sorts the points with nonzero digits by bucket into `sorted`, as entries (without
    /// [`LAST`]).
    fn sort(&mut self, digits: &[i16]) {
        // A point's bytes must be addressable within an entry's offset bits.
        assert!(
            digits.len() < (1 << 32),
            "too many points for the schedule's offsets"
        );
        self.next.fill(0);
        for &digit in digits {
            // Counted one place up, so the prefix sums below start each bucket's positions.
            self.next[usize::from(digit.unsigned_abs())] += 1;
        }
        self.next[0] = 0;
        for b in 1..self.next.len() {
            self.next[b] += self.next[b - 1];
        }
        let nonzero = self.next[self.next.len() - 1];
        self.sorted.clear();
        self.sorted.resize(nonzero, 0);
        for (i, &digit) in digits.iter().enumerate() {
            if digit == 0 {
                continue;
            }
            let b = usize::from(digit.unsigned_abs()) - 1;
            let offset = (i * size_of::<AffineNiels>()) as u64;
            let sign = if digit < 0 { NEGATIVE } else { 0 };
            self.sorted[self.next[b]] = offset | (b as u64) << BUCKET_SHIFT | VALID | sign;
            self.next[b] += 1;
        }
    }

    /// Cuts `sorted` into `8 * CHAINS` runs of (at most) equal length and lays them out step
    /// by step (run r's entry at step s goes to `schedule[8 * CHAINS * s + r]`), marking each
    /// run's last entry of every bucket.
    fn schedule(&mut self) {
        let runs = 8 * CHAINS;
        let steps = self.sorted.len().div_ceil(runs);
        self.schedule.clear();
        // Lanes past the end of a short last run stay 0: not VALID, never flushed.
        self.schedule.resize(steps * runs, 0);
        if steps == 0 {
            return;
        }
        for (r, run) in self.sorted.chunks(steps).enumerate() {
            for (step, &entry) in run.iter().enumerate() {
                let last = run
                    .get(step + 1)
                    .is_none_or(|&next| bucket(next) != bucket(entry));
                self.schedule[step * runs + r] = entry | if last { LAST } else { 0 };
            }
        }
    }
}

/// Lanes of `v` with any bit of `bits` set.
#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
fn lanes_with(v: __m512i, bits: u64) -> __mmask8 {
    _mm512_test_epi64_mask(v, splat64(bits))
}

/// How many steps ahead the points are prefetched. The loads are in bucket order, random in
/// the points slice, which for a large batch is beyond the L2 cache; a step's own loads come
/// too late for out-of-order execution to overlap them with the previous step's arithmetic.
const PREFETCH_STEPS: usize = 2;

/// Starts loading the points of one step into the L1 cache.
#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
fn prefetch(points: &[AffineNiels], entries: &[u64; 8]) {
    let base = points.as_ptr().cast::<i8>();
    const LINE: usize = 64;
    const _: () =
        assert!(size_of::<AffineNiels>() == 2 * LINE && align_of::<AffineNiels>() == LINE);
    for &entry in entries {
        if entry & VALID != 0 {
            // Prefetching never faults, but the address is kept inside the slice anyway: a
            // valid entry's offset is that of one of its points, which spans two lines.
            let offset = (entry & OFFSET_MASK) as usize;
            _mm_prefetch::<_MM_HINT_T0>(base.wrapping_add(offset));
            _mm_prefetch::<_MM_HINT_T0>(base.wrapping_add(offset + LINE));
        }
    }
}

/// How many vectors of eight lanes sum side by side. Each addition is two rounds of
/// independent multiplications (3, then 4), each waiting for the last, so a second vector
/// could fill the multiplier pipes while a round's last products drain; on Zen 4 it did not
/// pay (30,000 points: 15.2 to 15.8 ms with one, 16.8 with two), as the pipes
/// are already nearly saturated by the additions, subtractions and carries around the
/// multiplications. Kept as a parameter for other processors.
const CHAINS: usize = 1;

/// Runs the schedule: each step adds `8 * CHAINS` points into the lanes' sums and flushes the
/// lanes whose bucket ends there into `buckets`.
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
#[allow(unsafe_code)]
fn accumulate(vectors: &[[u64; 8]], points: &[AffineNiels], buckets: &mut Buckets) {
    let identity = Extended8::identity();
    let identity_niels = Niels8::identity();
    let mut sums = [identity; CHAINS];
    for ahead in vectors.iter().take(PREFETCH_STEPS * CHAINS) {
        prefetch(points, ahead);
    }
    let (steps, rest) = vectors.as_chunks::<CHAINS>();
    debug_assert!(rest.is_empty());
    for (s, step) in steps.iter().enumerate() {
        for ahead in steps.get(s + PREFETCH_STEPS).into_iter().flatten() {
            prefetch(points, ahead);
        }
        for (sum, entries) in sums.iter_mut().zip(step) {
            let e = from_u64s(*entries);
            let valid = lanes_with(e, VALID);
            let offsets = _mm512_and_si512(e, splat64(OFFSET_MASK));
            // SAFETY: `Sorter::sort` made every valid lane's offset that of a point of
            // `points` (`i * size_of::<AffineNiels>()` for i < points.len()); invalid lanes
            // are not read.
            let point = unsafe { Niels8::gather(points, offsets, valid, &identity_niels) };
            *sum = sum.add_signed(&point, lanes_with(e, NEGATIVE));
        }
        for (sum, entries) in sums.iter_mut().zip(step) {
            let last = lanes_with(from_u64s(*entries), LAST);
            if last != 0 {
                sum.flush(last, entries, buckets);
                *sum = sum.select(last, &identity);
            }
        }
    }
}

/// Eight affine points prepared for mixed addition, one per lane.
#[derive(Clone, Copy, Debug)]
struct Niels8 {
    y_plus_x: Fe8,
    y_minus_x: Fe8,
    xy2d: Fe8,
}

impl Niels8 {
    /// The identity (0, 1): y + x = y - x = 1, 2dxy = 0.
    #[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
    fn identity() -> Niels8 {
        let one = Fe8::splat(&Fe::ONE.0);
        Niels8 {
            y_plus_x: one,
            y_minus_x: one,
            xy2d: Fe8::splat(&Fe::ZERO.0),
        }
    }

    /// Lane `j` gets the point at byte `offsets[j]` of `points` where `mask` has it, else
    /// `default`'s lane.
    ///
    /// # Safety
    ///
    /// Every lane in `mask` has the offset of a point of `points`.
    #[inline]
    #[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
    #[allow(unsafe_code)]
    unsafe fn gather(
        points: &[AffineNiels],
        offsets: __m512i,
        mask: __mmask8,
        default: &Niels8,
    ) -> Niels8 {
        let base = points.as_ptr().cast::<u8>();
        // SAFETY: `AffineNiels` is `repr(C)` and `Fe` a transparent `[u64; 5]`, so each
        // coordinate is five u64 limbs at its field offset within a point that the caller
        // vouches for; the limbs are weakly reduced (below 2^52), as `Fe8` needs.
        unsafe {
            let field = |offset: usize| base.add(offset).cast::<u64>();
            Niels8 {
                y_plus_x: Fe8::gather(
                    field(offset_of!(AffineNiels, y_plus_x)),
                    offsets,
                    mask,
                    &default.y_plus_x,
                ),
                y_minus_x: Fe8::gather(
                    field(offset_of!(AffineNiels, y_minus_x)),
                    offsets,
                    mask,
                    &default.y_minus_x,
                ),
                xy2d: Fe8::gather(
                    field(offset_of!(AffineNiels, xy2d)),
                    offsets,
                    mask,
                    &default.xy2d,
                ),
            }
        }
    }
}

/// Eight points in extended coordinates, one per lane.
#[derive(Clone, Copy, Debug)]
struct Extended8 {
    x: Fe8,
    y: Fe8,
    z: Fe8,
    t: Fe8,
}

impl Extended8 {
    /// The identity (0 : 1 : 1 : 0) in every lane.
    #[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
    fn identity() -> Extended8 {
        let (zero, one) = (Fe8::splat(&Fe::ZERO.0), Fe8::splat(&Fe::ONE.0));
        Extended8 {
            x: zero,
            y: one,
            z: one,
            t: zero,
        }
    }

    /// `self + point` in each lane, or `self - point` in the lanes of `negative`: the serial
    /// `add_affine` and `sub_affine`. Subtracting (y + x, y - x, 2dxy) is adding
    /// (y - x, y + x, -2dxy), so the negative lanes swap the first two coordinates and the
    /// sign with which the 2dxy product enters Z and T.
    #[inline]
    #[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
    fn add_signed(&self, point: &Niels8, negative: __mmask8) -> Extended8 {
        let y_plus_x = point.y_plus_x.select(negative, &point.y_minus_x);
        let y_minus_x = point.y_minus_x.select(negative, &point.y_plus_x);
        let pp = self.y.add(&self.x).mul(&y_plus_x);
        let mm = self.y.sub(&self.x).mul(&y_minus_x);
        let tt2d = self.t.mul(&point.xy2d);
        let z2 = self.z.add(&self.z);
        let (z2_plus, z2_minus) = (z2.add(&tt2d), z2.sub(&tt2d));
        // The completed point (X : Z) and (Y : T), brought back to extended coordinates.
        let x = pp.sub(&mm);
        let y = pp.add(&mm);
        let z = z2_plus.select(negative, &z2_minus);
        let t = z2_minus.select(negative, &z2_plus);
        Extended8 {
            x: x.mul(&t),
            y: y.mul(&z),
            z: z.mul(&t),
            t: x.mul(&y),
        }
    }

    /// Per lane: `if_set`'s where `mask` has the lane, else `self`'s.
    #[inline]
    #[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
    fn select(&self, mask: __mmask8, if_set: &Extended8) -> Extended8 {
        Extended8 {
            x: self.x.select(mask, &if_set.x),
            y: self.y.select(mask, &if_set.y),
            z: self.z.select(mask, &if_set.z),
            t: self.t.select(mask, &if_set.t),
        }
    }

    /// Adds the lanes in `mask` into their buckets (named by the step's `entries`).
    #[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
    fn flush(&self, mask: __mmask8, entries: &[u64; 8], buckets: &mut Buckets) {
        let (x, y, z, t) = (
            self.x.limb_lanes(),
            self.y.limb_lanes(),
            self.z.limb_lanes(),
            self.t.limb_lanes(),
        );
        for (j, &entry) in entries.iter().enumerate() {
            if mask >> j & 1 == 0 {
                continue;
            }
            // Fe8's limbs are below 2^52: weakly reduced, as `Fe` requires.
            let lane = |limbs: &[[u64; 8]; 5]| Fe(core::array::from_fn(|i| limbs[i][j]));
            let point = Extended::from_coordinates(lane(&x), lane(&y), lane(&z), lane(&t));
            buckets.merge(bucket(entry), point);
        }
    }
}
