//! Double signing that consensus detects becomes a `ReportDoubleSign` transaction.
//!
//! Simplex reports a validator that sent two conflicting votes (two notarizes or two
//! finalizes for different blocks in one round, or a nullify and a finalize) as a fault
//! activity, without checking the second vote's signature. The reporter keeps only those
//! activities; a task then checks both signatures against the epoch's set (exactly as the
//! state machine will), submits the evidence once per fault from this node's account, and
//! logs it. The chain verifies it again, slashes the offender and jails it.
//!
//! Every honest validator sees the same fault, and all but the first report would pay a fee
//! to be refused (`EVIDENCE_EXISTS`). So validators take turns: the one at participant
//! position `p` waits `p` report turns, then submits only if the chain has not recorded the
//! fault nor jailed the offender meanwhile.

use super::EpochProvider;
use crate::service::NodeHandle;
use ::tokio::sync::mpsc;
use ailedger_api::Backend as _;
use ailedger_core::{Address, Hash, SecretKey, Transaction};
use ailedger_state::{
    Module as _,
    staking::{DoubleSign, FaultKind, Staking, StakingMsg},
};
use commonware_codec::Encode as _;
use commonware_consensus::{
    Reporter,
    simplex::{scheme::ed25519::Scheme, types::Activity},
};
use commonware_utils::{Participant, ordered::Quorum as _};
use std::{collections::BTreeSet, time::Duration};
use tracing::{info, warn};

/// Gas offered for a report: covers decoding, two signature checks and a set of 256.
const REPORT_GAS_LIMIT: u64 = 1_000_000;

/// How long a validator waits for the one before it in participant order to report a fault:
/// several blocks, so that a report submitted by it is committed.
const REPORT_TURN: Duration = Duration::from_secs(3);

/// Simplex's reporter for faults (everything else is ignored).
#[derive(Clone, Debug)]
pub(crate) struct EvidenceReporter {
    sender: mpsc::UnboundedSender<Vec<u8>>,
}

impl EvidenceReporter {
    /// A reporter, and the receiving end for [`submit_evidence`].
    pub(crate) fn new() -> (Self, mpsc::UnboundedReceiver<Vec<u8>>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        (Self { sender }, receiver)
    }
}

impl Reporter for EvidenceReporter {
    type Activity = Activity<Scheme, Hash>;

    fn report(&mut self, activity: Self::Activity) -> commonware_actor::Feedback {
        if matches!(
            activity,
            Activity::ConflictingNotarize(_)
                | Activity::ConflictingFinalize(_)
                | Activity::NullifyFinalize(_)
        ) {
            // Encoding is Commonware's own, which the state machine decodes.
            let _ = self.sender.send(activity.encode().to_vec());
        }
        commonware_actor::Feedback::Ok
    }
}

/// Checks each reported fault and submits it, once, signed by `key`. Runs until the reporter
/// is dropped.
pub(crate) async fn submit_evidence(
    mut faults: mpsc::UnboundedReceiver<Vec<u8>>,
    handle: NodeHandle,
    key: SecretKey,
    provider: EpochProvider,
) {
    let mut reported: BTreeSet<(FaultKind, u64, u64, u32)> = BTreeSet::new();
    while let Some(evidence) = faults.recv().await {
        let fault = match DoubleSign::decode(&evidence) {
            Ok(fault) => fault,
            Err(error) => {
                warn!(target: "ailedger::evidence", %error, "a reported fault does not decode");
                continue;
            }
        };
        let id = (fault.kind(), fault.epoch(), fault.view(), fault.signer());
        if reported.contains(&id) {
            continue;
        }
        let Some(participants) = provider.participants(fault.epoch()) else {
            warn!(target: "ailedger::evidence", epoch = fault.epoch(), "a fault of an epoch whose set is unknown here");
            continue;
        };
        let offender = participants.key(Participant::new(fault.signer())).cloned();
        if !fault.verify(participants.clone()) {
            // Simplex does not check the second vote before reporting: a forged one is noise.
            warn!(target: "ailedger::evidence", kind = fault.kind().as_str(), epoch = fault.epoch(), view = fault.view(), "a reported fault's signatures do not verify; not submitted");
            continue;
        }
        reported.insert(id);
        let Some(offender) = offender else {
            continue;
        };
        warn!(target: "ailedger::evidence", kind = fault.kind().as_str(), epoch = fault.epoch(), view = fault.view(), %offender, "a validator signed conflicting votes");
        let turn = participants_position(&provider, fault.epoch(), &key);
        ::tokio::time::sleep(REPORT_TURN * turn).await;
        let offender = Address::from(offender);
        match handle
            .fault_settled(fault.kind(), fault.epoch(), fault.view(), &offender)
            .await
        {
            Ok(true) => {
                info!(target: "ailedger::evidence", %offender, "the fault is already on the chain; not reporting it again");
                continue;
            }
            Ok(false) => {}
            Err(error) => {
                warn!(target: "ailedger::evidence", %error, "reading the offender's record failed; reporting anyway");
            }
        }
        match submit(&handle, &key, evidence).await {
            Ok(hash) => {
                info!(target: "ailedger::evidence", tx = %hash, %offender, "double-sign evidence submitted");
            }
            Err(error) => {
                warn!(target: "ailedger::evidence", %error, %offender, "submitting double-sign evidence failed");
            }
        }
    }
}

/// This node's turn to report a fault of `epoch`: its position in the epoch's set, or after
/// every member if it is not one.
fn participants_position(provider: &EpochProvider, epoch: u64, key: &SecretKey) -> u32 {
    provider.participants(epoch).map_or(0, |participants| {
        let me = key.address();
        participants
            .position(me.public_key())
            .unwrap_or(participants.len())
            .try_into()
            .unwrap_or(u32::MAX)
    })
}

async fn submit(handle: &NodeHandle, key: &SecretKey, evidence: Vec<u8>) -> Result<Hash, String> {
    let info = handle.info();
    let sender = key.address();
    let committed = handle
        .committed_nonce(&sender)
        .await
        .map_err(|error| error.to_string())?;
    let nonce = handle.next_nonce(&sender, committed);
    let msg = StakingMsg::ReportDoubleSign {
        evidence: evidence.into(),
    };
    let tx = Transaction::new(
        &info.chain_id,
        sender,
        nonce,
        REPORT_GAS_LIMIT,
        info.min_gas_price,
        Staking::ID,
        msg.encode().to_vec(),
    )
    .map_err(|error| error.to_string())?
    .sign(key);
    handle
        .submit(vec![tx])
        .await
        .pop()
        .unwrap_or_else(|| Err(ailedger_api::SubmitError::Unavailable("no result".into())))
        .map_err(|error| error.to_string())
}
