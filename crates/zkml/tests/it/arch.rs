//! The architecture descriptor's canonical encoding.

use ailedger_zkml::arch::{ARCH_MAGIC, Arch, ArchError};
use ailedger_zkml::onnx::import;
use ailedger_zkml::quantise::quantise;

use crate::support::*;

fn cnn_arch() -> Arch {
    let graph = import(&tiny_cnn()).unwrap();
    quantise(&graph, &calibration(36)).unwrap().arch().clone()
}

#[test]
fn encoding_round_trips_and_is_stable() {
    let arch = cnn_arch();
    let bytes = arch.encode();
    assert!(bytes.starts_with(ARCH_MAGIC));
    let decoded = Arch::decode(&bytes).unwrap();
    assert_eq!(decoded, arch);
    assert_eq!(decoded.encode(), bytes);
}

#[test]
fn truncated_or_extended_descriptors_are_rejected() {
    let bytes = cnn_arch().encode();
    for len in 0..bytes.len() {
        assert!(Arch::decode(&bytes[..len]).is_err(), "truncated to {len}");
    }
    let mut longer = bytes;
    longer.push(0);
    assert_eq!(Arch::decode(&longer), Err(ArchError::TrailingBytes(1)));
}

#[test]
fn wrong_magic_version_and_flipped_bytes_are_rejected_or_change_the_model() {
    let bytes = cnn_arch().encode();
    let mut bad = bytes.clone();
    bad[0] ^= 1;
    assert_eq!(Arch::decode(&bad), Err(ArchError::BadMagic));
    let mut bad = bytes.clone();
    bad[9] = 2;
    assert_eq!(Arch::decode(&bad), Err(ArchError::Version(2)));
    // Any single flipped bit either fails to decode or decodes to a different architecture:
    // the encoding has no slack a second encoding of the same model could use.
    let original = Arch::decode(&bytes).unwrap();
    for idx in 0..bytes.len() {
        for bit in 0..8 {
            let mut flipped = bytes.clone();
            flipped[idx] ^= 1 << bit;
            if let Ok(other) = Arch::decode(&flipped) {
                assert_ne!(other, original, "byte {idx} bit {bit}");
            }
        }
    }
}

#[test]
fn inconsistent_shapes_are_rejected() {
    let arch = cnn_arch();
    let mut layers = arch.layers().to_vec();
    layers.swap(2, 3);
    assert!(Arch::new(arch.input_shape().to_vec(), 0.1, 0.1, layers).is_err());
    assert!(Arch::new(vec![2, 1, 6, 6], 0.1, 0.1, arch.layers().to_vec()).is_err());
    assert!(
        Arch::new(
            arch.input_shape().to_vec(),
            f32::NAN,
            0.1,
            arch.layers().to_vec()
        )
        .is_err()
    );
}
