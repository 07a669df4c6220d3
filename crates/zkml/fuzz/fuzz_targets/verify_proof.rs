//! Feeds the verifier proofs near a real one, for a small CNN built in code (a padded
//! convolution with a fused ReLU, a max pool, a dense layer).
//!
//! Input: a first byte choosing the form, then either edits of the honest proof (`u32`
//! big-endian position, then the byte to XOR there; a position past the end truncates) or, for
//! odd first bytes, a whole proof. Nothing may panic, and nothing but the honest proof may verify.

#![no_main]

use std::sync::OnceLock;

use ailedger_zkml::arch::{Arch, Layer, Requant};
use ailedger_zkml::geometry::{ConvGeometry, PoolGeometry};
use ailedger_zkml::key::ProvingKey;
use ailedger_zkml::prover::prove;
use ailedger_zkml::quantise::{LinearWeights, QuantModel};
use ailedger_zkml::verifier::verify;
use libfuzzer_sys::fuzz_target;

struct Fixture {
    key: ProvingKey,
    input: Vec<i8>,
    output: Vec<i64>,
    proof: Vec<u8>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let conv = ConvGeometry {
            input: [1, 6, 6],
            c_out: 2,
            kernel: [3, 3],
            stride: [1, 1],
            pads: [1, 1, 1, 1],
        };
        let pool = PoolGeometry {
            input: [2, 6, 6],
            kernel: [2, 2],
            stride: [2, 2],
            pads: [0; 4],
        };
        let requant = Requant {
            multiplier: 1 << 30,
            shift: 36,
            min: 0,
            max: 127,
        };
        let arch = Arch::new(
            vec![1, 1, 6, 6],
            0.01,
            0.01,
            vec![
                Layer::Conv {
                    geometry: conv,
                    requant: Some(requant),
                },
                Layer::MaxPool(pool),
                Layer::Reshape(vec![1, 18]),
                Layer::Dense {
                    in_dim: 18,
                    out_dim: 4,
                    requant: None,
                },
            ],
        )
        .expect("a valid architecture");
        let small = |n: usize, seed: usize| -> Vec<i8> {
            (0..n)
                .map(|i| ((i * 37 + seed * 11) % 61) as i8 - 30)
                .collect()
        };
        let weights = vec![
            LinearWeights {
                weight: small(18, 1),
                bias: vec![5, -7],
            },
            LinearWeights {
                weight: small(72, 2),
                bias: vec![1, 2, 3, 4],
            },
        ];
        let model = QuantModel::new(arch, weights).expect("weights fit");
        let key = ProvingKey::new(model).expect("provable");
        let input = small(36, 3);
        let (output, proof) = prove(&key, &input).expect("input fits");
        Fixture {
            key,
            input,
            output,
            proof,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let fixture = fixture();
    let Some((&form, rest)) = data.split_first() else {
        return;
    };
    let candidate = if form & 1 == 1 {
        rest.to_vec()
    } else {
        let mut proof = fixture.proof.clone();
        for edit in rest.chunks_exact(5) {
            let at = u32::from_be_bytes([edit[0], edit[1], edit[2], edit[3]]) as usize;
            match proof.get_mut(at) {
                Some(byte) => *byte ^= edit[4],
                None => proof.truncate(at % (proof.len() + 1)),
            }
        }
        proof
    };
    let verdict = verify(
        fixture.key.verifying_key(),
        None,
        &fixture.input,
        &fixture.output,
        &candidate,
    );
    if candidate != fixture.proof {
        assert!(verdict.is_err(), "a changed proof verified");
    } else {
        assert_eq!(verdict, Ok(()), "the honest proof failed");
    }
});
