//! Execution of provenance messages against the state.
//!
//! Every message checks everything it depends on before it writes, and the executor drops a
//! failed message's writes in any case, so nothing is ever registered half-way.

use super::{
    Dataset, Licence, Model, ModelVersion, Page, Provenance, ProvenanceError, ProvenanceMsg,
    StatusChange, VersionHead, VersionStatus,
    licence::canonicalize,
    msg::{DatasetSpec, VersionSpec},
    record::PAGE_SIZE,
    state_key::{self, List},
};
use crate::{ExecError, Module, ModuleError, StateStore, StoreError, TxContext, TxState};
use ailedger_core::{Address, Event, Hash};
use commonware_codec::{Copying, Decode, Encode};

/// Gas charged for registering a dataset, on top of the metered reads and writes (licence
/// parsing and the list append).
pub const REGISTER_DATASET_GAS: u64 = 20_000;
/// Gas charged for claiming a model name.
pub const REGISTER_MODEL_GAS: u64 = 10_000;
/// Gas charged for registering a model version, on top of the metered reads and writes (id
/// hashing, licence parsing, the checks of every parent and dataset).
pub const REGISTER_VERSION_GAS: u64 = 50_000;
/// Gas charged per parent or dataset a version lists (each costs a read and a list append).
pub const LINK_GAS: u64 = 2_000;
/// Gas charged for a status change or an ownership transfer.
pub const UPDATE_GAS: u64 = 5_000;

pub(super) async fn execute<S: StateStore>(
    state: &mut TxState<'_, S>,
    ctx: &TxContext<'_>,
    msg: ProvenanceMsg,
) -> Result<(), ExecError> {
    match msg {
        ProvenanceMsg::RegisterDataset(spec) => register_dataset(state, ctx, spec).await,
        ProvenanceMsg::RegisterModel { name } => register_model(state, ctx, name).await,
        ProvenanceMsg::RegisterModelVersion(spec) => register_version(state, ctx, spec).await,
        ProvenanceMsg::DeprecateVersion { id, reason } => {
            change_status(state, ctx, id, reason, false).await
        }
        ProvenanceMsg::RevokeVersion { id, reason } => {
            change_status(state, ctx, id, reason, true).await
        }
        ProvenanceMsg::TransferModel { name, new_owner } => {
            transfer_model(state, ctx, name, new_owner).await
        }
    }
}

async fn register_dataset<S: StateStore>(
    state: &mut TxState<'_, S>,
    ctx: &TxContext<'_>,
    spec: DatasetSpec,
) -> Result<(), ExecError> {
    state.charge(REGISTER_DATASET_GAS)?;
    let key = state_key::dataset(&spec.id);
    if state.get(Provenance::NAME, &key).await?.is_some() {
        return Err(ProvenanceError::DatasetExists { id: spec.id }.into_exec());
    }
    let licence = licence(spec.licence)?;
    let dataset = Dataset {
        id: spec.id,
        name: spec.name,
        manifest: spec.manifest,
        leaf_count: spec.leaf_count,
        total_bytes: spec.total_bytes,
        mode: spec.mode,
        licence,
        source: spec.source,
        source_category: spec.source_category,
        modality: spec.modality,
        collection: spec.collection,
        contributors: spec.contributors,
        evidence: spec.evidence,
        registrant: ctx.sender.clone(),
        height: ctx.block.height,
        time_ms: ctx.block.timestamp_ms,
    };
    state.put(Provenance::NAME, &key, dataset.encode().to_vec())?;
    append(state, List::Datasets, dataset.id).await?;
    state.emit(
        Event::new(Provenance::NAME, "dataset_registered")
            .with("id", dataset.id)
            .with("name", &dataset.name)
            .with("licence", &dataset.licence.expression)
            .with("source_category", dataset.source_category)
            .with("modality", dataset.modality)
            .with("leaf_count", dataset.leaf_count)
            .with("registrant", &dataset.registrant),
    )
}

async fn register_model<S: StateStore>(
    state: &mut TxState<'_, S>,
    ctx: &TxContext<'_>,
    name: String,
) -> Result<(), ExecError> {
    state.charge(REGISTER_MODEL_GAS)?;
    if let Some(model) = load_model(state, &name).await? {
        return Err(ProvenanceError::ModelExists {
            name,
            owner: model.owner,
        }
        .into_exec());
    }
    let model = Model {
        name,
        owner: ctx.sender.clone(),
        publisher: ctx.sender.clone(),
        height: ctx.block.height,
        time_ms: ctx.block.timestamp_ms,
    };
    state.put(
        Provenance::NAME,
        &state_key::model(&model.name),
        model.encode().to_vec(),
    )?;
    state.emit(
        Event::new(Provenance::NAME, "model_registered")
            .with("name", &model.name)
            .with("owner", &model.owner),
    )
}

async fn register_version<S: StateStore>(
    state: &mut TxState<'_, S>,
    ctx: &TxContext<'_>,
    spec: VersionSpec,
) -> Result<(), ExecError> {
    let links = u64::try_from(spec.parents.len() + spec.datasets.len()).unwrap_or(u64::MAX);
    state.charge(REGISTER_VERSION_GAS.saturating_add(LINK_GAS.saturating_mul(links)))?;
    owned_model(state, ctx.sender, &spec.model).await?;
    let id = spec.id();
    if load_head(state, &id).await?.is_some() {
        return Err(ProvenanceError::VersionExists {
            id,
            model: spec.model,
            version: spec.version,
        }
        .into_exec());
    }
    // Parents must exist before their children: every edge points to an older version, so the
    // lineage is acyclic by construction.
    let mut deprecated_parents = Vec::new();
    for parent in &spec.parents {
        match load_head(state, &parent.id).await? {
            None => return Err(ProvenanceError::ParentNotFound { id: parent.id }.into_exec()),
            Some(VersionHead {
                status: VersionStatus::Revoked(change),
                ..
            }) => {
                return Err(ProvenanceError::ParentRevoked {
                    id: parent.id,
                    reason: change.reason,
                }
                .into_exec());
            }
            Some(VersionHead {
                status: VersionStatus::Deprecated(change),
                ..
            }) => deprecated_parents.push((parent.id, change.reason)),
            Some(_) => {}
        }
    }
    for dataset in &spec.datasets {
        if state
            .get(Provenance::NAME, &state_key::dataset(dataset))
            .await?
            .is_none()
        {
            return Err(ProvenanceError::DatasetNotFound { id: *dataset }.into_exec());
        }
    }
    let licence = licence(spec.licence)?;
    let version = ModelVersion {
        id,
        model: spec.model,
        version: spec.version,
        files: spec.files,
        tensor_root: spec.tensor_root,
        architecture: spec.architecture,
        parents: spec.parents,
        datasets: spec.datasets,
        training: spec.training,
        licence,
        registrant: ctx.sender.clone(),
        height: ctx.block.height,
        time_ms: ctx.block.timestamp_ms,
    };
    state.put(
        Provenance::NAME,
        &state_key::version(&id),
        version.encode().to_vec(),
    )?;
    let head = VersionHead {
        model: version.model.clone(),
        status: VersionStatus::Active,
    };
    state.put(
        Provenance::NAME,
        &state_key::version_head(&id),
        head.encode().to_vec(),
    )?;
    append(state, List::model_versions(&version.model), id).await?;
    for parent in &version.parents {
        append(state, List::VersionChildren(parent.id), id).await?;
    }
    for dataset in &version.datasets {
        append(state, List::DatasetChildren(*dataset), id).await?;
    }

    state.emit(
        Event::new(Provenance::NAME, "version_registered")
            .with("id", id)
            .with("model", &version.model)
            .with("version", &version.version)
            .with("licence", &version.licence.expression)
            .with("tensor_root", version.tensor_root)
            .with("files", version.files.len())
            .with("parents", version.parents.len())
            .with("datasets", version.datasets.len())
            .with("registrant", &version.registrant),
    )?;
    for parent in &version.parents {
        state.emit(
            Event::new(Provenance::NAME, "derived_from")
                .with("version", id)
                .with("parent", parent.id)
                .with("relation", parent.relation),
        )?;
    }
    for dataset in &version.datasets {
        state.emit(
            Event::new(Provenance::NAME, "trained_on")
                .with("version", id)
                .with("dataset", dataset),
        )?;
    }
    for (parent, reason) in deprecated_parents {
        state.emit(
            Event::new(Provenance::NAME, "deprecated_parent")
                .with("version", id)
                .with("parent", parent)
                .with("reason", reason),
        )?;
    }
    Ok(())
}

async fn change_status<S: StateStore>(
    state: &mut TxState<'_, S>,
    ctx: &TxContext<'_>,
    id: Hash,
    reason: String,
    revoke: bool,
) -> Result<(), ExecError> {
    state.charge(UPDATE_GAS)?;
    let Some(mut head) = load_head(state, &id).await? else {
        return Err(ProvenanceError::VersionNotFound { id }.into_exec());
    };
    owned_model(state, ctx.sender, &head.model).await?;
    match head.status {
        VersionStatus::Revoked(_) => {
            return Err(ProvenanceError::AlreadyRevoked { id }.into_exec());
        }
        VersionStatus::Deprecated(_) if !revoke => {
            return Err(ProvenanceError::AlreadyDeprecated { id }.into_exec());
        }
        _ => {}
    }
    let change = StatusChange {
        reason,
        height: ctx.block.height,
        time_ms: ctx.block.timestamp_ms,
    };
    let kind = if revoke {
        "version_revoked"
    } else {
        "version_deprecated"
    };
    let event = Event::new(Provenance::NAME, kind)
        .with("id", id)
        .with("model", &head.model)
        .with("reason", &change.reason)
        .with("by", ctx.sender);
    head.status = if revoke {
        VersionStatus::Revoked(change)
    } else {
        VersionStatus::Deprecated(change)
    };
    state.put(
        Provenance::NAME,
        &state_key::version_head(&id),
        head.encode().to_vec(),
    )?;
    state.emit(event)
}

async fn transfer_model<S: StateStore>(
    state: &mut TxState<'_, S>,
    ctx: &TxContext<'_>,
    name: String,
    new_owner: Address,
) -> Result<(), ExecError> {
    state.charge(UPDATE_GAS)?;
    let mut model = owned_model(state, ctx.sender, &name).await?;
    if model.owner == new_owner {
        return Err(ProvenanceError::SameOwner {
            name,
            owner: new_owner,
        }
        .into_exec());
    }
    let event = Event::new(Provenance::NAME, "model_transferred")
        .with("name", &name)
        .with("from", &model.owner)
        .with("to", &new_owner);
    model.owner = new_owner;
    state.put(
        Provenance::NAME,
        &state_key::model(&name),
        model.encode().to_vec(),
    )?;
    state.emit(event)
}

/// The canonical licence of a checked message (the stateless checks already parsed it).
fn licence(raw: String) -> Result<Licence, ExecError> {
    let expression = canonicalize(&raw).map_err(|e| ProvenanceError::from(e).into_exec())?;
    Ok(Licence { expression, raw })
}

/// The model, if `sender` owns it.
async fn owned_model<S: StateStore>(
    state: &mut TxState<'_, S>,
    sender: &Address,
    name: &str,
) -> Result<Model, ExecError> {
    let Some(model) = load_model(state, name).await? else {
        return Err(ProvenanceError::ModelNotFound {
            name: name.to_owned(),
        }
        .into_exec());
    };
    if &model.owner != sender {
        return Err(ProvenanceError::NotOwner {
            name: name.to_owned(),
            owner: model.owner,
            sender: sender.clone(),
        }
        .into_exec());
    }
    Ok(model)
}

async fn load_model<S: StateStore>(
    state: &mut TxState<'_, S>,
    name: &str,
) -> Result<Option<Model>, ExecError> {
    load(state, &state_key::model(name), "model").await
}

async fn load_head<S: StateStore>(
    state: &mut TxState<'_, S>,
    id: &Hash,
) -> Result<Option<VersionHead>, ExecError> {
    load(state, &state_key::version_head(id), "version head").await
}

async fn load<S: StateStore, T: Decode<Cfg = ()>>(
    state: &mut TxState<'_, S>,
    key: &[u8],
    what: &str,
) -> Result<Option<T>, ExecError> {
    match state.get(Provenance::NAME, key).await? {
        None => Ok(None),
        Some(bytes) => T::decode_cfg(Copying(&bytes), &())
            .map(Some)
            .map_err(|error| ExecError::Store(StoreError(format!("corrupt {what}: {error}")))),
    }
}

/// Appends `item` to a list: reads and rewrites only the last page (a new page needs no read).
async fn append<S: StateStore>(
    state: &mut TxState<'_, S>,
    list: List,
    item: Hash,
) -> Result<(), ExecError> {
    let len_key = state_key::list_len(&list);
    let len: u64 = load(state, &len_key, "list length").await?.unwrap_or(0);
    let page_size = PAGE_SIZE as u64;
    let page = u32::try_from(len / page_size)
        .map_err(|_| ExecError::Store(StoreError("list longer than 2^32 pages".into())))?;
    let page_key = state_key::list_page(&list, page);
    let mut items = if len.is_multiple_of(page_size) {
        Page::default()
    } else {
        load(state, &page_key, "list page")
            .await?
            .unwrap_or_default()
    };
    items.0.push(item);
    state.put(Provenance::NAME, &page_key, items.encode().to_vec())?;
    state.put(Provenance::NAME, &len_key, (len + 1).encode().to_vec())
}
