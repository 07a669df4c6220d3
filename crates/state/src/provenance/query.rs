//! Reads of the provenance state, for the API and tools: records, lineage, licences and
//! everything downstream of a dataset or a version.
//!
//! Queries run off-chain on a committed state (no gas). Each returns, with its answer, the state
//! keys it read, in the order first read and without repeats, so that the API can attach a proof
//! of each value (or of its absence) against the state root.
//!
//! The state has no range scans (keys are hashed), so a traversal follows the parents stored in
//! each version and the children lists kept for each dataset and version. Traversals are
//! breadth-first loops over a queue (no recursion), so a depth of 100,000 is no problem, and
//! each is bounded by a `max_nodes` the caller gives.

use super::{
    Dataset, Model, ModelVersion, Page, Provenance, Relation, VersionHead, VersionStatus,
    licence::{IntendedUse, LicenceReport, LicenceSource, Role, check_licences},
    record::PAGE_SIZE,
    state_key::{self, List},
};
use crate::{Module, StateKey, StateStore, StoreError, state_key};
use ailedger_core::Hash;
use commonware_codec::{Copying, Decode};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use thiserror::Error;

/// A query's answer and the state keys read to compute it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Queried<T> {
    /// The answer.
    pub value: T,
    /// Every state key read, in first-read order, without repeats (absent keys included: their
    /// absence is part of the answer).
    pub keys: Vec<StateKey>,
}

/// Why a query failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The record the query starts from does not exist.
    #[error("{what} {id} is not registered")]
    NotFound {
        /// `dataset` or `model version`.
        what: &'static str,
        /// Its id, hex.
        id: String,
    },
    /// The traversal would visit more than `max_nodes` records.
    #[error("the answer has more than {max_nodes} nodes; raise the limit or narrow the query")]
    TooManyNodes {
        /// The limit given.
        max_nodes: usize,
    },
    /// A stored value does not decode.
    #[error("corrupt {what} in the state: {reason}")]
    Corrupt {
        /// Which value.
        what: &'static str,
        /// The decoding error.
        reason: String,
    },
    /// The storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl QueryError {
    /// A stable, machine-readable name for the error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "NOT_FOUND",
            Self::TooManyNodes { .. } => "TOO_MANY_NODES",
            Self::Corrupt { .. } => "CORRUPT_STATE",
            Self::Store(_) => "STORE",
        }
    }
}

/// A model and how many versions it has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelView {
    /// The record.
    pub model: Model,
    /// Number of registered versions.
    pub version_count: u64,
}

/// A model version and its status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionView {
    /// The record.
    pub record: ModelVersion,
    /// The status.
    pub status: VersionStatus,
}

/// A slice of a list kept in the state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListSlice {
    /// Length of the whole list.
    pub total: u64,
    /// The ids from the offset asked for, in list order.
    pub ids: Vec<Hash>,
}

/// An ancestor of a model version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ancestor {
    /// The ancestor.
    pub version: VersionView,
    /// Parent edges on the shortest path from the version (1 = a direct parent).
    pub depth: u32,
    /// The relation of the first edge found to it (on a shortest path).
    pub relation: Relation,
    /// The child it was first reached from (on a shortest path).
    pub via: Hash,
}

/// A parent edge within a lineage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    /// The derived version.
    pub child: Hash,
    /// Its parent.
    pub parent: Hash,
    /// How the child derives from the parent.
    pub relation: Relation,
}

/// A dataset reaching a model version, directly or through an ancestor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineageDataset {
    /// The record.
    pub dataset: Dataset,
    /// Depth of the nearest version trained on it (0: the version itself).
    pub depth: u32,
    /// The versions of the lineage that list it, in the order found.
    pub used_by: Vec<Hash>,
}

/// Everything a model version comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lineage {
    /// The version asked about.
    pub version: VersionView,
    /// Its ancestors, each once, in breadth-first order (by depth).
    pub ancestors: Vec<Ancestor>,
    /// Every parent edge among the version and its ancestors.
    pub edges: Vec<Edge>,
    /// Every dataset the version or an ancestor lists, each once.
    pub datasets: Vec<LineageDataset>,
}

/// A dataset or a model version: where a downstream query starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Node {
    /// A dataset, by root.
    Dataset(Hash),
    /// A model version, by id.
    Version(Hash),
}

/// A version descending from a dataset or a version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Descendant {
    /// The version.
    pub version: VersionView,
    /// Edges on the shortest path from the start (1 = trained on the dataset, or a child).
    pub depth: u32,
    /// What it was first reached from (on a shortest path).
    pub via: Node,
}

/// Everything downstream of a dataset or a version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Downstream {
    /// Where the query started.
    pub root: Node,
    /// Every version descending from it, each once, in breadth-first order (by depth).
    pub versions: Vec<Descendant>,
}

/// The state key of a dataset record.
pub fn dataset_key(id: &Hash) -> StateKey {
    state_key(Provenance::NAME, &state_key::dataset(id))
}

/// The state key of a model record.
pub fn model_key(name: &str) -> StateKey {
    state_key(Provenance::NAME, &state_key::model(name))
}

/// The state key of a model version record.
pub fn version_key(id: &Hash) -> StateKey {
    state_key(Provenance::NAME, &state_key::version(id))
}

/// The state key of a model version's head (model and status).
pub fn version_head_key(id: &Hash) -> StateKey {
    state_key(Provenance::NAME, &state_key::version_head(id))
}

/// A dataset record.
pub async fn dataset<S: StateStore>(
    store: &S,
    id: &Hash,
) -> Result<Queried<Option<Dataset>>, QueryError> {
    let mut reader = Reader::new(store);
    let value = reader.dataset(id).await?;
    Ok(reader.finish(value))
}

/// A model and its number of versions.
pub async fn model<S: StateStore>(
    store: &S,
    name: &str,
) -> Result<Queried<Option<ModelView>>, QueryError> {
    let mut reader = Reader::new(store);
    let value = match reader
        .load::<Model>(&state_key::model(name), "model")
        .await?
    {
        None => None,
        Some(model) => {
            let version_count = reader.list_len(&List::model_versions(name)).await?;
            Some(ModelView {
                model,
                version_count,
            })
        }
    };
    Ok(reader.finish(value))
}

/// Up to `limit` version ids of a model from `offset`, in registration order.
pub async fn model_versions<S: StateStore>(
    store: &S,
    name: &str,
    offset: u64,
    limit: usize,
) -> Result<Queried<ListSlice>, QueryError> {
    let mut reader = Reader::new(store);
    let value = reader
        .list(&List::model_versions(name), offset, limit)
        .await?;
    Ok(reader.finish(value))
}

/// Up to `limit` dataset ids from `offset`, in registration order.
pub async fn datasets<S: StateStore>(
    store: &S,
    offset: u64,
    limit: usize,
) -> Result<Queried<ListSlice>, QueryError> {
    let mut reader = Reader::new(store);
    let value = reader.list(&List::Datasets, offset, limit).await?;
    Ok(reader.finish(value))
}

/// A model version and its status.
pub async fn version<S: StateStore>(
    store: &S,
    id: &Hash,
) -> Result<Queried<Option<VersionView>>, QueryError> {
    let mut reader = Reader::new(store);
    let value = reader.version(id).await?;
    Ok(reader.finish(value))
}

/// The lineage of a model version: all its ancestors (with depth and relation), every parent
/// edge among them, and every dataset reaching it directly or through an ancestor.
///
/// Fails with [`QueryError::TooManyNodes`] if the version, its ancestors and datasets number
/// more than `max_nodes`.
pub async fn lineage<S: StateStore>(
    store: &S,
    id: &Hash,
    max_nodes: usize,
) -> Result<Queried<Lineage>, QueryError> {
    let mut reader = Reader::new(store);
    let value = reader.lineage(id, max_nodes).await?;
    Ok(reader.finish(value))
}

/// Every licence reaching a model version (its own, its ancestors', its datasets'), checked
/// against an intended use (see [`check_licences`]). Bounded like [`lineage`].
pub async fn licences<S: StateStore>(
    store: &S,
    id: &Hash,
    intended_use: &IntendedUse,
    max_nodes: usize,
) -> Result<Queried<LicenceReport>, QueryError> {
    let mut reader = Reader::new(store);
    let lineage = reader.lineage(id, max_nodes).await?;
    let label = |record: &ModelVersion| format!("{}@{}", record.model, record.version);
    let mut sources = Vec::with_capacity(1 + lineage.ancestors.len() + lineage.datasets.len());
    sources.push((
        LicenceSource {
            role: Role::Own,
            id: *id,
            label: label(&lineage.version.record),
        },
        lineage.version.record.licence.expression.clone(),
    ));
    for ancestor in &lineage.ancestors {
        sources.push((
            LicenceSource {
                role: Role::Ancestor {
                    depth: ancestor.depth,
                },
                id: ancestor.version.record.id,
                label: label(&ancestor.version.record),
            },
            ancestor.version.record.licence.expression.clone(),
        ));
    }
    for dataset in &lineage.datasets {
        sources.push((
            LicenceSource {
                role: Role::Dataset,
                id: dataset.dataset.id,
                label: dataset.dataset.name.clone(),
            },
            dataset.dataset.licence.expression.clone(),
        ));
    }
    Ok(reader.finish(check_licences(&sources, intended_use)))
}

/// Every model version descending from a dataset (trained on it, or derived from such a
/// version) or from a version, each once with its shortest distance. Fails with
/// [`QueryError::TooManyNodes`] if the start and its descendants number more than `max_nodes`.
pub async fn downstream<S: StateStore>(
    store: &S,
    root: Node,
    max_nodes: usize,
) -> Result<Queried<Downstream>, QueryError> {
    let mut reader = Reader::new(store);
    let value = reader.downstream(root, max_nodes).await?;
    Ok(reader.finish(value))
}

/// Reads through a store and remembers the keys read.
struct Reader<'a, S> {
    store: &'a S,
    keys: Vec<StateKey>,
    seen: BTreeSet<StateKey>,
}

impl<'a, S: StateStore> Reader<'a, S> {
    fn new(store: &'a S) -> Self {
        Self {
            store,
            keys: Vec::new(),
            seen: BTreeSet::new(),
        }
    }

    fn finish<T>(self, value: T) -> Queried<T> {
        Queried {
            value,
            keys: self.keys,
        }
    }

    async fn get(&mut self, raw: &[u8]) -> Result<Option<Vec<u8>>, QueryError> {
        let key = state_key(Provenance::NAME, raw);
        if self.seen.insert(key) {
            self.keys.push(key);
        }
        Ok(self.store.get(&key).await?)
    }

    async fn load<T: Decode<Cfg = ()>>(
        &mut self,
        raw: &[u8],
        what: &'static str,
    ) -> Result<Option<T>, QueryError> {
        match self.get(raw).await? {
            None => Ok(None),
            Some(bytes) => T::decode_cfg(Copying(&bytes), &())
                .map(Some)
                .map_err(|error| QueryError::Corrupt {
                    what,
                    reason: error.to_string(),
                }),
        }
    }

    async fn dataset(&mut self, id: &Hash) -> Result<Option<Dataset>, QueryError> {
        self.load(&state_key::dataset(id), "dataset").await
    }

    async fn version(&mut self, id: &Hash) -> Result<Option<VersionView>, QueryError> {
        let Some(head) = self
            .load::<VersionHead>(&state_key::version_head(id), "version head")
            .await?
        else {
            return Ok(None);
        };
        let record = self
            .load::<ModelVersion>(&state_key::version(id), "model version")
            .await?
            .ok_or_else(|| QueryError::Corrupt {
                what: "model version",
                reason: format!("version {id} has a head but no record"),
            })?;
        Ok(Some(VersionView {
            record,
            status: head.status,
        }))
    }

    async fn existing_version(&mut self, id: &Hash) -> Result<VersionView, QueryError> {
        self.version(id).await?.ok_or_else(|| QueryError::NotFound {
            what: "model version",
            id: id.to_string(),
        })
    }

    async fn list_len(&mut self, list: &List) -> Result<u64, QueryError> {
        Ok(self
            .load::<u64>(&state_key::list_len(list), "list length")
            .await?
            .unwrap_or(0))
    }

    /// Up to `limit` items of a list from `offset`.
    async fn list(
        &mut self,
        list: &List,
        offset: u64,
        limit: usize,
    ) -> Result<ListSlice, QueryError> {
        let total = self.list_len(list).await?;
        let mut ids = Vec::new();
        let page_size = PAGE_SIZE as u64;
        let mut at = offset;
        while at < total && ids.len() < limit {
            let page = u32::try_from(at / page_size).map_err(|_| QueryError::Corrupt {
                what: "list length",
                reason: "more than 2^32 pages".into(),
            })?;
            let items = self
                .load::<Page>(&state_key::list_page(list, page), "list page")
                .await?
                .unwrap_or_default();
            let skip = usize::try_from(at % page_size).unwrap_or(usize::MAX);
            if items.0.len() <= skip {
                return Err(QueryError::Corrupt {
                    what: "list page",
                    reason: format!("page {page} is shorter than the list length says"),
                });
            }
            let take = (limit - ids.len()).min(items.0.len() - skip);
            ids.extend_from_slice(&items.0[skip..skip + take]);
            at += take as u64;
        }
        Ok(ListSlice { total, ids })
    }

    async fn lineage(&mut self, id: &Hash, max_nodes: usize) -> Result<Lineage, QueryError> {
        let root = self.existing_version(id).await?;
        let mut nodes = 1usize;
        let too_many = || QueryError::TooManyNodes { max_nodes };
        if nodes > max_nodes {
            return Err(too_many());
        }
        let mut ancestors: Vec<Ancestor> = Vec::new();
        let mut edges = Vec::new();
        let mut datasets: Vec<LineageDataset> = Vec::new();
        let mut dataset_index: BTreeMap<Hash, usize> = BTreeMap::new();
        let mut visited: BTreeSet<Hash> = BTreeSet::from([*id]);
        // The queue holds (position in `ancestors`, or None for the root).
        let mut queue: VecDeque<Option<usize>> = VecDeque::from([None]);
        while let Some(position) = queue.pop_front() {
            let (record, depth) = match position {
                None => (&root.record, 0u32),
                Some(index) => (&ancestors[index].version.record, ancestors[index].depth),
            };
            let child = record.id;
            let parents = record.parents.clone();
            let trained_on = record.datasets.clone();
            for dataset_id in trained_on {
                if let Some(&index) = dataset_index.get(&dataset_id) {
                    datasets[index].used_by.push(child);
                    continue;
                }
                nodes += 1;
                if nodes > max_nodes {
                    return Err(too_many());
                }
                let dataset =
                    self.dataset(&dataset_id)
                        .await?
                        .ok_or_else(|| QueryError::Corrupt {
                            what: "dataset",
                            reason: format!(
                                "version {child} lists unregistered dataset {dataset_id}"
                            ),
                        })?;
                dataset_index.insert(dataset_id, datasets.len());
                datasets.push(LineageDataset {
                    dataset,
                    depth,
                    used_by: vec![child],
                });
            }
            for parent in parents {
                edges.push(Edge {
                    child,
                    parent: parent.id,
                    relation: parent.relation,
                });
                if !visited.insert(parent.id) {
                    continue;
                }
                nodes += 1;
                if nodes > max_nodes {
                    return Err(too_many());
                }
                let version =
                    self.version(&parent.id)
                        .await?
                        .ok_or_else(|| QueryError::Corrupt {
                            what: "model version",
                            reason: format!(
                                "version {child} lists unregistered parent {}",
                                parent.id
                            ),
                        })?;
                queue.push_back(Some(ancestors.len()));
                ancestors.push(Ancestor {
                    version,
                    depth: depth + 1,
                    relation: parent.relation,
                    via: child,
                });
            }
        }
        Ok(Lineage {
            version: root,
            ancestors,
            edges,
            datasets,
        })
    }

    async fn downstream(&mut self, root: Node, max_nodes: usize) -> Result<Downstream, QueryError> {
        let mut nodes = 1usize;
        let too_many = || QueryError::TooManyNodes { max_nodes };
        if nodes > max_nodes {
            return Err(too_many());
        }
        let first_list = match root {
            Node::Dataset(id) => {
                if self.dataset(&id).await?.is_none() {
                    return Err(QueryError::NotFound {
                        what: "dataset",
                        id: id.to_string(),
                    });
                }
                List::DatasetChildren(id)
            }
            Node::Version(id) => {
                let exists = self
                    .load::<VersionHead>(&state_key::version_head(&id), "version head")
                    .await?
                    .is_some();
                if !exists {
                    return Err(QueryError::NotFound {
                        what: "model version",
                        id: id.to_string(),
                    });
                }
                List::VersionChildren(id)
            }
        };
        let mut versions: Vec<Descendant> = Vec::new();
        let mut visited: BTreeSet<Hash> = BTreeSet::new();
        if let Node::Version(id) = root {
            visited.insert(id);
        }
        // The queue holds (list to expand, the node it belongs to, that node's depth).
        let mut queue: VecDeque<(List, Node, u32)> = VecDeque::from([(first_list, root, 0)]);
        while let Some((list, from, depth)) = queue.pop_front() {
            // A list's entries are distinct versions, each counted once visited, so a list
            // longer than `max_nodes` exceeds the bound: read no more of it than that.
            let children = self.list(&list, 0, max_nodes).await?;
            if children.total > max_nodes as u64 {
                return Err(too_many());
            }
            let children = children.ids;
            for child in children {
                if !visited.insert(child) {
                    continue;
                }
                nodes += 1;
                if nodes > max_nodes {
                    return Err(too_many());
                }
                let version = self
                    .version(&child)
                    .await?
                    .ok_or_else(|| QueryError::Corrupt {
                        what: "model version",
                        reason: format!("children list names unregistered version {child}"),
                    })?;
                versions.push(Descendant {
                    version,
                    depth: depth + 1,
                    via: from,
                });
                queue.push_back((
                    List::VersionChildren(child),
                    Node::Version(child),
                    depth + 1,
                ));
            }
        }
        Ok(Downstream { root, versions })
    }
}
