//! The JSON shapes of the node API: every request and response body.
//!
//! Hashes, addresses, raw bytes and proofs are lowercase hex strings; token amounts and fees
//! (`u128`) are decimal strings; other integers are JSON numbers. Each type converts from the
//! domain type it shows (`From<&Block>`, `From<&Receipt>`, ...), so the node API and the CLI
//! print one shape. Provenance answers carry the height and state root they were read at and,
//! with `?proofs=true`, a proof of every state value they were computed from.

/// Declares an answer envelope: the block the state was read at, the answer's own fields, and
/// the proofs asked for with `?proofs=true`. The expanding module imports `Hash`, `serde_with`,
/// `ProvenValueView`, `ProvenState` and the serde and utoipa derives.
macro_rules! answer {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty, )* }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
        pub struct $name {
            /// The block whose post-state was read.
            pub height: u64,
            /// That block's state root.
            #[serde(with = "serde_with::hash")]
            #[schema(value_type = String)]
            pub state_root: Hash,
            $( $(#[$fmeta])* pub $field: $ty, )*
            /// With `?proofs=true`: every state value the answer was computed from, in the
            /// order read, each with its proof against `state_root`. `null` otherwise.
            #[serde(default)]
            pub proofs: Option<Vec<ProvenValueView>>,
        }

        impl $name {
            /// The block height, state root and proofs, for verification.
            pub fn proven_state(&self) -> ProvenState<'_> {
                ProvenState {
                    height: self.height,
                    state_root: self.state_root,
                    proofs: self.proofs.as_deref(),
                }
            }
        }
    };
}

mod block;
mod content;
mod error;
mod logs;
mod node;
mod provenance;
mod staking;
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
pub use staking::{
    EpochView, SetMemberView, StakingParamsAnswer, StakingParamsView, UnbondingView,
    ValidatorAnswer, ValidatorSetAnswer, ValidatorSetView, ValidatorView,
};
pub use state::{AccountTxs, AccountView, StateValueView};
pub use tx::{
    DecodedMsg, ModuleRef, SubmitResult, SubmitTxRequest, SubmitTxResponse, SubmitTxsRequest,
    SubmitTxsResponse, TxLocationView, TxRecordView, TxStatus, TxView, TxViewError,
};
pub use zk::{InferenceAnswer, InferenceView, ProvingIdentityAnswer, ProvingIdentityView};
