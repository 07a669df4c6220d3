//! The JSON shapes of the node API: every request and response body.
//!
//! Hashes, addresses, raw bytes and proofs are lowercase hex strings; token amounts and fees
//! (`u128`) are decimal strings; other integers are JSON numbers. Each type converts from the
//! domain type it shows (`From<&Block>`, `From<&Receipt>`, ...), so the node API and the CLI
//! print one shape. Provenance answers carry the height and state root they were read at and,
//! with `?proofs=true`, a proof of every state value they were computed from.

mod block;
mod content;
mod error;
mod logs;
mod node;
mod provenance;
mod state;
mod tx;
mod zk;

pub use block::{
    AttributeView, BlockReceipts, BlockView, EventView, FinalizationView, HeaderView, OutcomeView,
    ReceiptView,
};
pub use content::{
    ClaimView, ContentClaimsAnswer, FingerprintsView, SimilarAnswer, SimilarMatchView,
    SimilarRequest, parse_fingerprint,
};
pub use error::ErrorBody;
pub use logs::{
    AnchorAnswer, AnchorView, EvidenceAnswer, EvidenceView, LeafClaimView, LogAnswer, LogView,
};
pub use node::{ChainInfoView, Health, NodeStatusView};
pub use provenance::{
    AncestorView, CollectionPeriodView, ConflictView, DatasetAnswer, DatasetList, DatasetView,
    DescendantView, DownstreamAnswer, DownstreamView, EdgeView, FileDigestView, IntendedUseView,
    LicenceReportView, LicenceSourceView, LicenceView, LicencesAnswer, LineageAnswer,
    LineageDatasetView, LineageView, ModelAnswer, ModelVersionList, ModelVersionView, ModelView,
    NodeRefView, ObligationView, ParentView, ProvenState, ProvenValueView, SourceLicenceView,
    TrainingRunView, VersionAnswer, VersionStatusView,
};
pub use state::{AccountTxs, AccountView, StateValueView};
pub use tx::{
    DecodedMsg, ModuleRef, SubmitResult, SubmitTxRequest, SubmitTxResponse, SubmitTxsRequest,
    SubmitTxsResponse, TxLocationView, TxRecordView, TxStatus, TxView, TxViewError,
};
pub use zk::{InferenceAnswer, InferenceView, ProvingIdentityAnswer, ProvingIdentityView};
