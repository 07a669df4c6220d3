//! Canonical element types shared by safetensors, GGUF and ONNX, with their byte layouts.

use std::fmt;

/// A tensor's element type, named the same whatever the file format.
///
/// Names follow safetensors (`F32`, `BF16`, `F8_E4M3`, ...) and, for GGML's quantized block
/// types, GGML (`Q4_0`, `Q4_K`, `IQ2_XXS`, ...); [`Dtype::name`] is what a tensor leaf hashes.
/// A quantized tensor is identified by its blocks' bytes as stored: quantizing a model changes
/// its tensor root, by design. Block sizes of GGML types are those of ggml and of PyPI `gguf`
/// 0.19's `GGML_QUANT_SIZES`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
#[allow(non_camel_case_types)]
pub enum Dtype {
    /// Boolean, one byte (0 or 1).
    BOOL,
    /// Unsigned 8-bit integer.
    U8,
    /// Signed 8-bit integer.
    I8,
    /// Unsigned 16-bit integer.
    U16,
    /// Signed 16-bit integer.
    I16,
    /// Unsigned 32-bit integer.
    U32,
    /// Signed 32-bit integer.
    I32,
    /// Unsigned 64-bit integer.
    U64,
    /// Signed 64-bit integer.
    I64,
    /// IEEE 754 half precision.
    F16,
    /// bfloat16.
    BF16,
    /// IEEE 754 single precision.
    F32,
    /// IEEE 754 double precision.
    F64,
    /// Complex of two `F32` (real, imaginary).
    C64,
    /// Complex of two `F64` (real, imaginary).
    C128,
    /// 8-bit float E4M3 (the `e4m3fn` variant: no infinities).
    F8_E4M3,
    /// 8-bit float E5M2.
    F8_E5M2,
    /// 8-bit float E4M3, finite, unsigned zero.
    F8_E4M3FNUZ,
    /// 8-bit float E5M2, finite, unsigned zero.
    F8_E5M2FNUZ,
    /// 8-bit exponent-only scale (MX formats).
    F8_E8M0,
    /// 4-bit float E2M1, two per byte.
    F4,
    /// 6-bit float E2M3, four per three bytes.
    F6_E2M3,
    /// 6-bit float E3M2, four per three bytes.
    F6_E3M2,
    /// GGML block of 32 4-bit weights with an F16 scale.
    Q4_0,
    /// GGML block of 32 4-bit weights with F16 scale and minimum.
    Q4_1,
    /// GGML block of 32 5-bit weights with an F16 scale.
    Q5_0,
    /// GGML block of 32 5-bit weights with F16 scale and minimum.
    Q5_1,
    /// GGML block of 32 8-bit weights with an F16 scale.
    Q8_0,
    /// GGML k-quant super-block of 256 2-bit weights.
    Q2_K,
    /// GGML k-quant super-block of 256 3-bit weights.
    Q3_K,
    /// GGML k-quant super-block of 256 4-bit weights.
    Q4_K,
    /// GGML k-quant super-block of 256 5-bit weights.
    Q5_K,
    /// GGML k-quant super-block of 256 6-bit weights.
    Q6_K,
    /// GGML k-quant super-block of 256 8-bit weights.
    Q8_K,
    /// GGML i-quant, 2.06 bits per weight.
    IQ2_XXS,
    /// GGML i-quant, 2.31 bits per weight.
    IQ2_XS,
    /// GGML i-quant, 3.06 bits per weight.
    IQ3_XXS,
    /// GGML i-quant, 1.56 bits per weight.
    IQ1_S,
    /// GGML non-linear 4-bit quant, blocks of 32.
    IQ4_NL,
    /// GGML i-quant, 3.44 bits per weight.
    IQ3_S,
    /// GGML i-quant, 2.5 bits per weight.
    IQ2_S,
    /// GGML non-linear 4-bit quant, super-blocks of 256.
    IQ4_XS,
    /// GGML i-quant, 1.75 bits per weight.
    IQ1_M,
    /// GGML ternary quant, 1.69 bits per weight.
    TQ1_0,
    /// GGML ternary quant, 2.06 bits per weight.
    TQ2_0,
    /// GGML block of 32 E2M1 values with an E8M0 scale (OCP MX).
    MXFP4,
    /// GGML block of 64 E2M1 values with F8 scales (NVIDIA FP4).
    NVFP4,
    /// GGML block of 128 1-bit weights.
    Q1_0,
}

/// Every dtype with its name, elements per block and bytes per block (a block of one element
/// for plain types).
const TABLE: &[(Dtype, &str, u64, u64)] = &[
    (Dtype::BOOL, "BOOL", 1, 1),
    (Dtype::U8, "U8", 1, 1),
    (Dtype::I8, "I8", 1, 1),
    (Dtype::U16, "U16", 1, 2),
    (Dtype::I16, "I16", 1, 2),
    (Dtype::U32, "U32", 1, 4),
    (Dtype::I32, "I32", 1, 4),
    (Dtype::U64, "U64", 1, 8),
    (Dtype::I64, "I64", 1, 8),
    (Dtype::F16, "F16", 1, 2),
    (Dtype::BF16, "BF16", 1, 2),
    (Dtype::F32, "F32", 1, 4),
    (Dtype::F64, "F64", 1, 8),
    (Dtype::C64, "C64", 1, 8),
    (Dtype::C128, "C128", 1, 16),
    (Dtype::F8_E4M3, "F8_E4M3", 1, 1),
    (Dtype::F8_E5M2, "F8_E5M2", 1, 1),
    (Dtype::F8_E4M3FNUZ, "F8_E4M3FNUZ", 1, 1),
    (Dtype::F8_E5M2FNUZ, "F8_E5M2FNUZ", 1, 1),
    (Dtype::F8_E8M0, "F8_E8M0", 1, 1),
    (Dtype::F4, "F4", 2, 1),
    (Dtype::F6_E2M3, "F6_E2M3", 4, 3),
    (Dtype::F6_E3M2, "F6_E3M2", 4, 3),
    (Dtype::Q4_0, "Q4_0", 32, 18),
    (Dtype::Q4_1, "Q4_1", 32, 20),
    (Dtype::Q5_0, "Q5_0", 32, 22),
    (Dtype::Q5_1, "Q5_1", 32, 24),
    (Dtype::Q8_0, "Q8_0", 32, 34),
    (Dtype::Q2_K, "Q2_K", 256, 84),
    (Dtype::Q3_K, "Q3_K", 256, 110),
    (Dtype::Q4_K, "Q4_K", 256, 144),
    (Dtype::Q5_K, "Q5_K", 256, 176),
    (Dtype::Q6_K, "Q6_K", 256, 210),
    (Dtype::Q8_K, "Q8_K", 256, 292),
    (Dtype::IQ2_XXS, "IQ2_XXS", 256, 66),
    (Dtype::IQ2_XS, "IQ2_XS", 256, 74),
    (Dtype::IQ3_XXS, "IQ3_XXS", 256, 98),
    (Dtype::IQ1_S, "IQ1_S", 256, 50),
    (Dtype::IQ4_NL, "IQ4_NL", 32, 18),
    (Dtype::IQ3_S, "IQ3_S", 256, 110),
    (Dtype::IQ2_S, "IQ2_S", 256, 82),
    (Dtype::IQ4_XS, "IQ4_XS", 256, 136),
    (Dtype::IQ1_M, "IQ1_M", 256, 56),
    (Dtype::TQ1_0, "TQ1_0", 256, 54),
    (Dtype::TQ2_0, "TQ2_0", 256, 66),
    (Dtype::MXFP4, "MXFP4", 32, 17),
    (Dtype::NVFP4, "NVFP4", 64, 36),
    (Dtype::Q1_0, "Q1_0", 128, 18),
];

/// GGML type ids (`enum ggml_type`) of the supported types. Absent on purpose: 4 and 5
/// (removed Q4_2/Q4_3), 9 (Q8_1: an intermediate type whose block size ggml and `gguf` disagree
/// on, never stored in files), 31–33 and 36–38 (removed repacked layouts).
const GGML_TYPES: &[(u32, Dtype)] = &[
    (0, Dtype::F32),
    (1, Dtype::F16),
    (2, Dtype::Q4_0),
    (3, Dtype::Q4_1),
    (6, Dtype::Q5_0),
    (7, Dtype::Q5_1),
    (8, Dtype::Q8_0),
    (10, Dtype::Q2_K),
    (11, Dtype::Q3_K),
    (12, Dtype::Q4_K),
    (13, Dtype::Q5_K),
    (14, Dtype::Q6_K),
    (15, Dtype::Q8_K),
    (16, Dtype::IQ2_XXS),
    (17, Dtype::IQ2_XS),
    (18, Dtype::IQ3_XXS),
    (19, Dtype::IQ1_S),
    (20, Dtype::IQ4_NL),
    (21, Dtype::IQ3_S),
    (22, Dtype::IQ2_S),
    (23, Dtype::IQ4_XS),
    (24, Dtype::I8),
    (25, Dtype::I16),
    (26, Dtype::I32),
    (27, Dtype::I64),
    (28, Dtype::F64),
    (29, Dtype::IQ1_M),
    (30, Dtype::BF16),
    (34, Dtype::TQ1_0),
    (35, Dtype::TQ2_0),
    (39, Dtype::MXFP4),
    (40, Dtype::NVFP4),
    (41, Dtype::Q1_0),
];

impl Dtype {
    /// The canonical name hashed into tensor leaves.
    pub fn name(self) -> &'static str {
        self.entry().1
    }

    /// The dtype with this canonical name.
    pub fn from_name(name: &str) -> Option<Self> {
        TABLE
            .iter()
            .find(|(_, entry_name, _, _)| *entry_name == name)
            .map(|entry| entry.0)
    }

    /// Elements per block and bytes per block (1 element for plain types).
    pub fn block(self) -> (u64, u64) {
        let (_, _, elements, bytes) = self.entry();
        (*elements, *bytes)
    }

    /// Bytes taken by `n_elements` elements; `None` if `n_elements` is not a whole number of
    /// blocks or the size overflows.
    pub fn n_bytes(self, n_elements: u64) -> Option<u64> {
        let (block_elements, block_bytes) = self.block();
        if !n_elements.is_multiple_of(block_elements) {
            return None;
        }
        (n_elements / block_elements).checked_mul(block_bytes)
    }

    /// The dtype of a GGML type id, if supported.
    pub fn from_ggml(type_id: u32) -> Option<Self> {
        GGML_TYPES
            .iter()
            .find(|(id, _)| *id == type_id)
            .map(|(_, dtype)| *dtype)
    }

    /// The GGML type id, for types GGUF can store.
    pub fn ggml_type(self) -> Option<u32> {
        GGML_TYPES
            .iter()
            .find(|(_, dtype)| *dtype == self)
            .map(|(id, _)| *id)
    }

    /// Every supported dtype.
    pub fn all() -> impl Iterator<Item = Self> {
        TABLE.iter().map(|entry| entry.0)
    }

    fn entry(self) -> &'static (Dtype, &'static str, u64, u64) {
        // TABLE lists the variants in declaration order; `table_lists_every_variant_once`
        // checks it.
        &TABLE[self as usize]
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_lists_every_variant_once() {
        let names: std::collections::BTreeSet<&str> = Dtype::all().map(Dtype::name).collect();
        assert_eq!(names.len(), TABLE.len());
        for dtype in Dtype::all() {
            assert_eq!(Dtype::from_name(dtype.name()), Some(dtype));
            assert_eq!(format!("{dtype:?}"), dtype.name());
        }
        for (position, entry) in TABLE.iter().enumerate() {
            assert_eq!(entry.0 as usize, position);
        }
        assert_eq!(Dtype::Q1_0 as usize, TABLE.len() - 1);
    }

    #[test]
    fn ggml_ids_round_trip_and_sizes_follow_blocks() {
        for (id, dtype) in GGML_TYPES {
            assert_eq!(Dtype::from_ggml(*id), Some(*dtype));
            assert_eq!(dtype.ggml_type(), Some(*id));
        }
        assert_eq!(Dtype::from_ggml(9), None);
        assert_eq!(Dtype::Q4_K.n_bytes(512), Some(288));
        assert_eq!(Dtype::Q4_K.n_bytes(100), None);
        assert_eq!(Dtype::F32.n_bytes(u64::MAX), None);
        assert_eq!(Dtype::F4.n_bytes(6), Some(3));
    }
}
