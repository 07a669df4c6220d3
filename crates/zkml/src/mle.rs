//! Multilinear extensions of tables of `2^n` values.
//!
//! Convention: in a table of `2^n` values, index `i` corresponds to the point whose variable 0 is
//! the most significant bit of `i`. A row-major `2^a x 2^b` matrix `M[row][col]` is then the MLE
//! `M~(row bits, col bits)`, with the row variables first.

use p3_field::PrimeCharacteristicRing;

use crate::field::{EF, F, from_i64};

/// The table `eq(point, b)` for every `b` in `{0,1}^n`, in index order.
pub fn eq_table(point: &[EF]) -> Vec<EF> {
    let mut table = Vec::with_capacity(1 << point.len());
    table.push(EF::ONE);
    for &r in point {
        // Each existing entry splits into (bit 0, bit 1), keeping earlier variables more
        // significant.
        table = table
            .iter()
            .flat_map(|&t| [t * (EF::ONE - r), t * r])
            .collect();
    }
    table
}

/// `eq(a, b) = Π (a_i b_i + (1 - a_i)(1 - b_i))`.
pub fn eq_eval(a: &[EF], b: &[EF]) -> EF {
    debug_assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(&x, &y)| x * y + (EF::ONE - x) * (EF::ONE - y))
        .product()
}

/// The MLE of the indicator of `0..n` (over `point.len()` variables, `n <= 2^point.len()`) at
/// `point`, in `O(point.len())`: the weight of a vector's real entries against its padding.
pub fn prefix_eval(point: &[EF], n: usize) -> EF {
    let Some((&top, rest)) = point.split_first() else {
        return if n > 0 { EF::ONE } else { EF::ZERO };
    };
    let half = 1usize << rest.len();
    if n <= half {
        (EF::ONE - top) * prefix_eval(rest, n)
    } else {
        (EF::ONE - top) + top * prefix_eval(rest, n - half)
    }
}

/// Fixes variable 0 of `table` to `r`: `t'[i] = t[i] + r (t[i + half] - t[i])`.
pub fn fix_first(table: &mut Vec<EF>, r: EF) {
    let half = table.len() / 2;
    for i in 0..half {
        let (lo, hi) = (table[i], table[i + half]);
        table[i] = lo + r * (hi - lo);
    }
    table.truncate(half);
}

/// Fixes the first `prefix.len()` variables of a base-field table: the table of
/// `t~(prefix, ·)`. With the sample index as the top variables, this folds a batch's vectors
/// into one at a random sample point.
pub fn fix_prefix(table: &[F], prefix: &[EF]) -> Vec<EF> {
    let mut folded: Vec<EF> = table.iter().map(|&v| EF::from(v)).collect();
    for &r in prefix {
        fix_first(&mut folded, r);
    }
    folded
}

/// Evaluates the MLE of `table` (length `2^point.len()`) at `point`.
pub fn evaluate(table: &[EF], point: &[EF]) -> EF {
    assert_eq!(table.len(), 1 << point.len(), "table length must be 2^n");
    let mut folded = table.to_vec();
    for &r in point {
        fix_first(&mut folded, r);
    }
    folded[0]
}

/// Evaluates the MLE of a base-field table at an extension point.
pub fn evaluate_base(table: &[F], point: &[EF]) -> EF {
    let eq = eq_table(point);
    assert_eq!(table.len(), eq.len(), "table length must be 2^n");
    eq.iter().zip(table).map(|(&e, &v)| e * v).sum()
}

/// Number of variables of a table of `len` values padded to a power of two (at least one
/// variable, so every sumcheck has a round).
pub fn n_vars(len: usize) -> usize {
    len.next_power_of_two().trailing_zeros().max(1) as usize
}

/// Integers as field elements, zero-padded to `2^n_vars`.
pub fn padded(values: &[i64], n_vars: usize) -> Vec<F> {
    let mut table: Vec<F> = values.iter().map(|&v| from_i64(v)).collect();
    table.resize(1 << n_vars, F::ZERO);
    table
}

/// A batch of integer vectors of `len` values each (one after the other in `values`), each
/// zero-padded to `2^n_vars` and stacked, the batch padded to `2^batch_vars` vectors with copies
/// of its last vector.
pub fn stacked(values: &[i64], len: usize, n_vars: usize, batch_vars: usize) -> Vec<F> {
    let mut table = Vec::with_capacity(1 << (n_vars + batch_vars));
    let samples: Vec<&[i64]> = values.chunks(len.max(1)).collect();
    for sample in 0..1usize << batch_vars {
        let vector = samples
            .get(sample)
            .or(samples.last())
            .copied()
            .unwrap_or(&[]);
        table.extend(padded(vector, n_vars));
    }
    table
}

/// A row-major `rows x cols` integer matrix as field elements, each row zero-padded to
/// `2^col_vars` and the rows to `2^row_vars`.
pub fn padded_matrix(
    values: &[i64],
    rows: usize,
    cols: usize,
    row_vars: usize,
    col_vars: usize,
) -> Vec<F> {
    let mut table = vec![F::ZERO; 1 << (row_vars + col_vars)];
    for row in 0..rows {
        for col in 0..cols {
            table[(row << col_vars) + col] = from_i64(values[row * cols + col]);
        }
    }
    table
}
