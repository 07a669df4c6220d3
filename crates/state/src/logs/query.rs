//! Reads of the logs state, for the API, the log service and verifiers: a log with its latest
//! anchor, one anchor, one evidence record.
//!
//! Like every query, each returns the state keys it read, so that the node can prove each value
//! (or its absence) against the state root.

use super::{AnchorRecord, EvidenceRecord, LogRecord, Logs, state_key};
use crate::{
    Module, StateKey, StateStore,
    provenance::query::{Queried, QueryError},
    state_key,
};
use commonware_codec::{Copying, Decode};

/// A log and its latest anchored checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogView {
    /// The log.
    pub record: LogRecord,
    /// Its latest anchor, if it has one.
    pub latest: Option<AnchorRecord>,
}

/// A log by origin, with its latest anchor.
pub async fn log<S: StateStore>(
    store: &S,
    origin: &str,
) -> Result<Queried<Option<LogView>>, QueryError> {
    let mut keys = Vec::new();
    let Some(record) =
        read::<S, LogRecord>(store, &mut keys, &state_key::log(origin), "log").await?
    else {
        return Ok(Queried { value: None, keys });
    };
    let latest = match record.anchors.checked_sub(1) {
        None => None,
        Some(seq) => {
            let key = state_key::anchor(origin, seq);
            Some(
                read::<S, AnchorRecord>(store, &mut keys, &key, "anchor")
                    .await?
                    .ok_or(QueryError::Corrupt {
                        what: "anchor",
                        reason: format!("anchor {seq} of a log with {} is missing", record.anchors),
                    })?,
            )
        }
    };
    Ok(Queried {
        value: Some(LogView { record, latest }),
        keys,
    })
}

/// Anchor number `seq` of a log.
pub async fn anchor<S: StateStore>(
    store: &S,
    origin: &str,
    seq: u64,
) -> Result<Queried<Option<AnchorRecord>>, QueryError> {
    let mut keys = Vec::new();
    let value = read(store, &mut keys, &state_key::anchor(origin, seq), "anchor").await?;
    Ok(Queried { value, keys })
}

/// Evidence record number `index` of a log.
pub async fn evidence<S: StateStore>(
    store: &S,
    origin: &str,
    index: u64,
) -> Result<Queried<Option<EvidenceRecord>>, QueryError> {
    let mut keys = Vec::new();
    let value = read(
        store,
        &mut keys,
        &state_key::evidence(origin, index),
        "evidence",
    )
    .await?;
    Ok(Queried { value, keys })
}

async fn read<S: StateStore, T: Decode<Cfg = ()>>(
    store: &S,
    keys: &mut Vec<StateKey>,
    raw: &[u8],
    what: &'static str,
) -> Result<Option<T>, QueryError> {
    let key = state_key(Logs::NAME, raw);
    keys.push(key);
    match store.get(&key).await? {
        None => Ok(None),
        Some(bytes) => T::decode_cfg(Copying(&bytes), &())
            .map(Some)
            .map_err(|error| QueryError::Corrupt {
                what,
                reason: error.to_string(),
            }),
    }
}
