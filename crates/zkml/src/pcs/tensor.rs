//! A Ligero-style tensor-code commitment to a multilinear table.
//!
//! The `2^n` values are laid out as a `2^row_vars x 2^col_vars` matrix `M` (row variables are the
//! point's first variables). Committing Reed–Solomon-encodes every row at rate `2^-log_inv_rate`
//! (evaluations of the row, read as coefficients, over the subgroup of order `L`) and builds a
//! BLAKE3 Merkle tree whose leaf `k` is column `k` of the encoded matrix. Opening at
//! `(z_row, z_col)`:
//!
//! 1. the verifier draws one coefficient `γ_i` per row and the prover sends `w = γᵀ M` (the
//!    proximity row);
//! 2. the prover sends `u = eq(z_row)ᵀ M`, whose inner product with `eq(z_col)` is the value;
//! 3. the verifier draws `t` column indices; the prover opens those columns with their paths,
//!    and the verifier checks `Enc(w)` and `Enc(u)` against `γ` and `eq(z_row)` on each column.
//!
//! # Why not WHIR
//!
//! The crate first tried `p3-whir` 0.8.0. Its layout layer re-lays a single committed column
//! into a witness 16 times larger (a 2^12 table became a 2^16 witness), and its prescribed-point
//! opening stopped on an assertion inside `p3-sumcheck` for every point length we tried. Its
//! proof is also only serde-serialisable, with no canonical bounded encoding, and a
//! Johnson-bound configuration grinds 16 bits of proof of work per opening. This scheme is a
//! few hundred lines that the crate controls entirely, needs no grinding, and opens in `O(N)`
//! field operations; its proofs are larger (a few hundred kilobytes).
//!
//! # Soundness (counted in [`TensorParams::soundness_bits`])
//!
//! With relative distance `δ = (L - 2^col_vars + 1) / L` and `e = δ/3` (the Ligero proximity
//! radius, inside unique decoding):
//! - the random combination `w` of a matrix `e`-far from the interleaved code is `e`-close to the
//!   code with probability at most `L / |EF|` (proximity gaps for Reed–Solomon codes, unique
//!   decoding regime);
//! - a far matrix, or an evaluation row that differs from the decoded matrix's, survives `t`
//!   column checks with probability at most `(1 - δ/3)^t` each.
//!
//! The total `L/|EF| + 2 (1 - δ/3)^t` is what the soundness test counts. No proof of work is
//! used (0 bits counted).

use p3_dft::{Radix2DitParallel, TwoAdicSubgroupDft};
use p3_field::{BasedVectorSpace, PrimeCharacteristicRing};
use p3_matrix::Matrix;
use p3_matrix::dense::RowMajorMatrix;

use super::merkle::{Digest, MerkleTree, hash_leaf, verify_path};
use super::{Commitment, Pcs, PcsError};
use crate::channel::{ProverChannel, VerifierChannel};
use crate::field::{EF, EF_BITS, F};
use crate::mle::eq_table;

/// Parameters of one committed table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TensorParams {
    /// Variables of the table.
    pub n_vars: usize,
    /// Variables indexing the matrix rows (the rest index columns).
    pub row_vars: usize,
    /// `log2(1 / rate)` of the row code.
    pub log_inv_rate: usize,
    /// Columns opened per proof.
    pub n_queries: usize,
}

/// The default rate: `1/4`.
pub const LOG_INV_RATE: usize = 2;
/// Column queries: `256 * -log2(1 - 1/4) ≈ 106` bits at rate `1/4`.
pub const N_QUERIES: usize = 256;

impl TensorParams {
    /// The parameters for a table of `2^n_vars` values, with the row/column split that
    /// minimises the proof size.
    pub fn for_table(n_vars: usize) -> Self {
        let size = |row_vars: usize| {
            let col_vars = n_vars - row_vars;
            let rows = 1usize << row_vars;
            let cols = 1usize << col_vars;
            // Two rows of extension elements, then per query one column and one path.
            2 * cols * 16 + N_QUERIES * (rows * 8 + 32 * (col_vars + LOG_INV_RATE))
        };
        let row_vars = (0..n_vars).min_by_key(|&r| size(r)).unwrap_or(0);
        Self {
            n_vars,
            row_vars,
            log_inv_rate: LOG_INV_RATE,
            n_queries: N_QUERIES,
        }
    }

    fn col_vars(&self) -> usize {
        self.n_vars - self.row_vars
    }

    fn log_codeword(&self) -> usize {
        self.col_vars() + self.log_inv_rate
    }

    /// Bits of soundness of one opening, as described in the module documentation.
    pub fn soundness_bits(&self) -> f64 {
        let codeword = (1u64 << self.log_codeword()) as f64;
        let message = (1u64 << self.col_vars()) as f64;
        let delta = (codeword - message + 1.0) / codeword;
        let per_query = 1.0 - delta / 3.0;
        let query_error = 2.0 * per_query.powi(self.n_queries as i32);
        let combination_error = codeword * (-EF_BITS).exp2();
        -(query_error + combination_error).log2()
    }
}

/// The commitment scheme for one table shape.
#[derive(Clone, Debug)]
pub struct TensorPcs {
    params: TensorParams,
}

/// What the prover keeps: the table, its encoding and the tree.
#[derive(Clone, Debug)]
pub struct TensorData {
    table: Vec<F>,
    /// Row-major `L x rows`: row `k` is column `k` of the encoded matrix (one leaf).
    encoded: Vec<F>,
    tree: MerkleTree,
}

impl TensorPcs {
    /// The scheme with `params`.
    pub fn new(params: TensorParams) -> Self {
        assert!(params.row_vars <= params.n_vars);
        assert!(params.log_codeword() <= 32, "query indices are 32-bit");
        Self { params }
    }

    /// The parameters.
    pub fn params(&self) -> TensorParams {
        self.params
    }

    fn rows(&self) -> usize {
        1 << self.params.row_vars
    }

    fn cols(&self) -> usize {
        1 << self.params.col_vars()
    }

    fn codeword(&self) -> usize {
        1 << self.params.log_codeword()
    }

    /// Encodes each column of `message` (height `cols`, padded to `L` with zero coefficients).
    fn encode_columns(&self, message: Vec<F>, width: usize) -> Vec<F> {
        let mut padded = message;
        padded.resize(self.codeword() * width, F::ZERO);
        let matrix = RowMajorMatrix::new(padded, width);
        Radix2DitParallel::default()
            .dft_batch(matrix)
            .to_row_major_matrix()
            .values
    }

    /// `Enc(v)` for a row of extension elements, coordinate by coordinate.
    fn encode_ext_row(&self, row: &[EF]) -> Vec<EF> {
        let mut message = Vec::with_capacity(row.len() * 2);
        for value in row {
            message.extend_from_slice(BasedVectorSpace::<F>::as_basis_coefficients_slice(value));
        }
        self.encode_columns(message, 2)
            .chunks_exact(2)
            .map(|pair| {
                <EF as BasedVectorSpace<F>>::from_basis_coefficients_slice(pair).unwrap_or_default()
            })
            .collect()
    }

    fn combine_rows(&self, table: &[F], coefficients: &[EF]) -> Vec<EF> {
        let mut out = vec![EF::ZERO; self.cols()];
        for (row, &c) in table.chunks_exact(self.cols()).zip(coefficients) {
            for (acc, &v) in out.iter_mut().zip(row) {
                *acc += c * v;
            }
        }
        out
    }
}

impl Pcs for TensorPcs {
    type ProverData = TensorData;

    fn commit(&self, table: &[F]) -> (Commitment, TensorData) {
        assert_eq!(
            table.len(),
            1 << self.params.n_vars,
            "table length is 2^n_vars"
        );
        let (rows, cols) = (self.rows(), self.cols());
        // Transpose so that each matrix row is one DFT column.
        let mut message = vec![F::ZERO; cols * rows];
        for (r, row) in table.chunks_exact(cols).enumerate() {
            for (c, &v) in row.iter().enumerate() {
                message[c * rows + r] = v;
            }
        }
        let encoded = self.encode_columns(message, rows);
        let leaves: Vec<Digest> = encoded.chunks_exact(rows).map(hash_leaf).collect();
        let tree = MerkleTree::new(leaves);
        let root = tree.root();
        (
            root,
            TensorData {
                table: table.to_vec(),
                encoded,
                tree,
            },
        )
    }

    fn open(&self, data: &TensorData, point: &[EF], channel: &mut ProverChannel) {
        assert_eq!(point.len(), self.params.n_vars);
        let gamma = channel.transcript.challenges(b"pcs/proximity", self.rows());
        let proximity_row = self.combine_rows(&data.table, &gamma);
        channel.send_ext(b"pcs/proximity-row", &proximity_row);
        let eq_rows = eq_table(&point[..self.params.row_vars]);
        let evaluation_row = self.combine_rows(&data.table, &eq_rows);
        channel.send_ext(b"pcs/evaluation-row", &evaluation_row);
        let rows = self.rows();
        for _ in 0..self.params.n_queries {
            let index = channel
                .transcript
                .challenge_index(b"pcs/query", self.params.log_codeword());
            channel.raw_base(&data.encoded[index * rows..(index + 1) * rows]);
            for sibling in data.tree.path(index) {
                channel.raw_bytes(&sibling);
            }
        }
    }

    fn verify(
        &self,
        commitment: &Commitment,
        point: &[EF],
        value: EF,
        channel: &mut VerifierChannel<'_>,
    ) -> Result<(), PcsError> {
        if point.len() != self.params.n_vars {
            return Err(PcsError::PointLength {
                expected: self.params.n_vars,
                found: point.len(),
            });
        }
        let gamma = channel.transcript.challenges(b"pcs/proximity", self.rows());
        let proximity_row = channel.recv_ext(b"pcs/proximity-row", self.cols())?;
        let evaluation_row = channel.recv_ext(b"pcs/evaluation-row", self.cols())?;
        let (row_point, col_point) = point.split_at(self.params.row_vars);
        let eq_cols = eq_table(col_point);
        let evaluation: EF = eq_cols
            .iter()
            .zip(&evaluation_row)
            .map(|(&e, &u)| e * u)
            .sum();
        if evaluation != value {
            return Err(PcsError::Evaluation);
        }
        let eq_rows = eq_table(row_point);
        let encoded_proximity = self.encode_ext_row(&proximity_row);
        let encoded_evaluation = self.encode_ext_row(&evaluation_row);
        let depth = self.params.log_codeword();
        for _ in 0..self.params.n_queries {
            let index = channel.transcript.challenge_index(b"pcs/query", depth);
            let column = channel.raw_base(self.rows())?;
            let mut path = Vec::with_capacity(depth);
            for _ in 0..depth {
                path.push(channel.raw_bytes::<32>()?);
            }
            if !verify_path(commitment, index, hash_leaf(&column), &path) {
                return Err(PcsError::MerklePath(index));
            }
            let combine = |coefficients: &[EF]| -> EF {
                coefficients.iter().zip(&column).map(|(&c, &v)| c * v).sum()
            };
            if combine(&gamma) != encoded_proximity[index] {
                return Err(PcsError::Proximity(index));
            }
            if combine(&eq_rows) != encoded_evaluation[index] {
                return Err(PcsError::Consistency(index));
            }
        }
        Ok(())
    }

    fn params_encoding(&self) -> Vec<u8> {
        let mut out = b"tensor-pcs/v1".to_vec();
        for value in [
            self.params.n_vars,
            self.params.row_vars,
            self.params.log_inv_rate,
            self.params.n_queries,
        ] {
            out.extend_from_slice(&(value as u32).to_be_bytes());
        }
        out
    }

    fn soundness_bits(&self) -> f64 {
        self.params.soundness_bits()
    }
}
