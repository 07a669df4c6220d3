//! Integration tests of the `ailedger` binary and a real node: one test binary, one link step.

#[cfg(feature = "content")]
mod content;
mod crash;
mod double_sign;
mod end_to_end;
mod full_node;
mod logs;
mod partition;
mod provenance;
#[path = "../../../interop/tests/it/python.rs"]
mod python;
mod staking;
mod standards;
mod testnet;
mod validator_changes;
mod zk;
