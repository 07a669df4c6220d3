//! The tensor-code commitment: openings verify, and every tampering is caught.

use ailedger_zkml::channel::{ProverChannel, VerifierChannel};
use ailedger_zkml::field::{EF, F};
use ailedger_zkml::mle::evaluate_base;
use ailedger_zkml::pcs::{Pcs, PcsError, TensorParams, TensorPcs};
use ailedger_zkml::transcript::Transcript;
use p3_field::PrimeCharacteristicRing;

fn table(n_vars: usize, seed: u64) -> Vec<F> {
    (0..1u64 << n_vars)
        .map(|i| F::from_u64((i * 2_654_435_761 + seed) % 251))
        .collect()
}

fn point(n_vars: usize) -> Vec<EF> {
    (0..n_vars)
        .map(|i| EF::from_u64(3 * i as u64 + 5))
        .collect()
}

fn prove(pcs: &TensorPcs, values: &[F], point: &[EF]) -> Vec<u8> {
    let (_, data) = pcs.commit(values);
    let mut channel = ProverChannel::new(Transcript::new(), &[]);
    pcs.open(&data, point, &mut channel);
    channel.into_proof()
}

fn verify(
    pcs: &TensorPcs,
    root: &[u8; 32],
    point: &[EF],
    value: EF,
    proof: &[u8],
) -> Result<(), PcsError> {
    let mut channel = VerifierChannel::new(Transcript::new(), proof, 0);
    pcs.verify(root, point, value, &mut channel)?;
    channel.finish()?;
    Ok(())
}

#[test]
fn tensor_pcs_opens_and_rejects_tampering() {
    for n_vars in [4, 9, 12] {
        let pcs = TensorPcs::new(TensorParams::for_table(n_vars));
        let values = table(n_vars, n_vars as u64);
        let (root, _) = pcs.commit(&values);
        let z = point(n_vars);
        let value = evaluate_base(&values, &z);
        let proof = prove(&pcs, &values, &z);
        assert_eq!(verify(&pcs, &root, &z, value, &proof), Ok(()));

        // A wrong value, another point, another table.
        assert!(verify(&pcs, &root, &z, value + EF::ONE, &proof).is_err());
        let other_point = point(n_vars)
            .into_iter()
            .map(|v| v + EF::ONE)
            .collect::<Vec<_>>();
        assert!(verify(&pcs, &root, &other_point, value, &proof).is_err());
        let (other_root, _) = pcs.commit(&table(n_vars, 1000));
        assert!(verify(&pcs, &other_root, &z, value, &proof).is_err());

        // Flipped bytes across the whole proof, truncation and extension.
        let step = (proof.len() / 97).max(1);
        for at in (0..proof.len()).step_by(step) {
            let mut bad = proof.clone();
            bad[at] ^= 0x10;
            assert!(verify(&pcs, &root, &z, value, &bad).is_err(), "byte {at}");
        }
        assert!(verify(&pcs, &root, &z, value, &proof[..proof.len() - 1]).is_err());
        let mut longer = proof.clone();
        longer.push(0);
        assert!(verify(&pcs, &root, &z, value, &longer).is_err());
    }
}

#[test]
fn tensor_pcs_rejects_an_opening_of_a_different_table_under_the_same_root() {
    let n_vars = 10;
    let pcs = TensorPcs::new(TensorParams::for_table(n_vars));
    let honest = table(n_vars, 7);
    let (root, _) = pcs.commit(&honest);
    let mut forged = honest;
    forged[5] += F::ONE;
    let z = point(n_vars);
    let forged_value = evaluate_base(&forged, &z);
    let proof = prove(&pcs, &forged, &z);
    assert!(verify(&pcs, &root, &z, forged_value, &proof).is_err());
}

#[test]
fn tensor_pcs_soundness_is_at_least_100_bits() {
    for n_vars in 1..=24 {
        let bits = TensorParams::for_table(n_vars).soundness_bits();
        assert!(bits >= 100.0, "{n_vars} variables: {bits} bits");
    }
}
