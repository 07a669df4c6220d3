//! Decodes arbitrary bytes as a signed transaction.
//!
//! Whatever decodes must be the only encoding of its value: re-encoding gives the input back,
//! and the transaction id is the hash of the unsigned part of the input, however it is computed.

#![no_main]

use ailedger_core::{SignedTransaction, sha256};
use commonware_codec::{Encode, EncodeSize};
use libfuzzer_sys::fuzz_target;

/// Bytes of an Ed25519 signature, the last field of a signed transaction.
const SIGNATURE_LEN: usize = 64;

fuzz_target!(|data: &[u8]| {
    let Ok(tx) = SignedTransaction::decode(data) else {
        return;
    };
    assert_eq!(tx.encode_size(), data.len(), "encode_size disagrees");
    assert_eq!(tx.encode_to_vec(), data, "decoded bytes do not re-encode");
    let body = &data[..data.len() - SIGNATURE_LEN];
    assert_eq!(tx.hash(), sha256(&[body]), "id is not the hash of the body");
    assert_eq!(tx.hash(), tx.tx().hash(), "cached id disagrees");
    assert_eq!(tx.tx().encode().as_ref(), body, "body does not re-encode");
    let again = SignedTransaction::decode(&tx.encode_to_vec()).expect("re-encoding decodes");
    assert_eq!(again, tx);
    assert_eq!(again.hash(), tx.hash(), "id is not stable");
});
