//! The OpenAPI 3 document, built from the route table and the client DTOs' schemas.

use crate::routes::{ParamIn, ParamType, ROUTES, Route, Verb};
use ailedger_client::dto::{
    AccountTxs, AccountView, AnchorAnswer, BlockReceipts, BlockView, ChainInfoView, DatasetAnswer,
    DatasetList, DownstreamAnswer, ErrorBody, EvidenceAnswer, FinalizationView, Health,
    LicencesAnswer, LineageAnswer, LogAnswer, ModelAnswer, ModelVersionList, NodeStatusView,
    StateValueView, SubmitTxRequest, SubmitTxResponse, SubmitTxsRequest, SubmitTxsResponse,
    TxRecordView, VersionAnswer,
};
use ailedger_client::dto::{
    ContentClaimsAnswer, InferenceAnswer, ProvingIdentityAnswer, SimilarAnswer, SimilarRequest,
};
use ailedger_client::dto::{StakingParamsAnswer, ValidatorAnswer, ValidatorSetAnswer};
use axum::http::StatusCode;
use std::sync::OnceLock;
use utoipa::{
    OpenApi, ToSchema,
    openapi::{
        Content, HttpMethod, InfoBuilder, ObjectBuilder, OpenApiBuilder, Paths, Ref, Required,
        ResponseBuilder, Type,
        path::{OperationBuilder, ParameterBuilder, ParameterIn},
        request_body::RequestBodyBuilder,
        schema::SchemaFormat,
    },
};

/// The schemas of every request and response body; the ones they contain are collected too.
#[derive(OpenApi)]
#[openapi(components(schemas(
    AccountTxs,
    AccountView,
    AnchorAnswer,
    BlockReceipts,
    FinalizationView,
    BlockView,
    ChainInfoView,
    ContentClaimsAnswer,
    DatasetAnswer,
    DatasetList,
    DownstreamAnswer,
    ErrorBody,
    EvidenceAnswer,
    Health,
    InferenceAnswer,
    LicencesAnswer,
    LineageAnswer,
    LogAnswer,
    ModelAnswer,
    ModelVersionList,
    NodeStatusView,
    ProvingIdentityAnswer,
    SimilarAnswer,
    SimilarRequest,
    StakingParamsAnswer,
    StateValueView,
    SubmitTxRequest,
    SubmitTxResponse,
    SubmitTxsRequest,
    SubmitTxsResponse,
    TxRecordView,
    ValidatorAnswer,
    ValidatorSetAnswer,
    VersionAnswer,
)))]
struct Schemas;

/// The document, built once.
pub(crate) fn document_json() -> serde_json::Value {
    static DOCUMENT: OnceLock<serde_json::Value> = OnceLock::new();
    DOCUMENT.get_or_init(build_document).clone()
}

fn build_document() -> serde_json::Value {
    let mut paths = Paths::new();
    for route in ROUTES {
        let method = match route.verb {
            Verb::Get => HttpMethod::Get,
            Verb::Post => HttpMethod::Post,
        };
        paths.add_path_operation(route.path, vec![method], operation(route));
    }
    let document = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("ailedger node API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Hashes, addresses, bytes and proofs are lowercase hex strings; token amounts and fees are \
                     decimal strings. Every error answers with an `ErrorBody` whose `code` is stable.",
                ))
                .build(),
        )
        .paths(paths)
        .components(Schemas::openapi().components)
        .build();
    // Serializing the document's own types cannot fail: they are maps, strings and numbers.
    serde_json::to_value(&document).unwrap_or_else(|error| {
        serde_json::json!({"openapi": "3.1.0", "error": format!("cannot serialize the document: {error}")})
    })
}

fn operation(route: &Route) -> utoipa::openapi::path::Operation {
    let mut builder = OperationBuilder::new()
        .operation_id(Some(format!("{:?}", route.endpoint)))
        .summary(Some(route.summary))
        .description(Some(route.description));
    for param in route.params {
        let schema_type = match param.kind {
            ParamType::String => Type::String,
            ParamType::Integer => Type::Integer,
            ParamType::Boolean => Type::Boolean,
        };
        let mut schema = ObjectBuilder::new().schema_type(schema_type);
        if param.kind == ParamType::Integer {
            schema = schema.format(Some(SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Int64,
            )));
        }
        let (location, required) = match param.location {
            ParamIn::Path => (ParameterIn::Path, Required::True),
            ParamIn::Query => (ParameterIn::Query, Required::False),
        };
        builder = builder.parameter(
            ParameterBuilder::new()
                .name(param.name)
                .parameter_in(location)
                .required(required)
                .description(Some(param.description))
                .schema(Some(schema)),
        );
    }
    if let Some(request) = route.request {
        let mut body = RequestBodyBuilder::new()
            .required(Some(Required::True))
            .content(
                "application/json",
                Content::new(Some(Ref::from_schema_name(request()))),
            );
        if route.raw_body {
            let binary = ObjectBuilder::new().schema_type(Type::String).format(Some(
                SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Binary),
            ));
            body = body.content("application/octet-stream", Content::new(Some(binary)));
        }
        builder = builder.request_body(Some(body.build()));
    }
    let ok_content = match route.ok {
        Some(schema) => Content::new(Some(Ref::from_schema_name(schema()))),
        None => Content::new(Some(ObjectBuilder::new().schema_type(Type::Object))),
    };
    builder = builder.response(
        route.ok_status.to_string(),
        ResponseBuilder::new()
            .description(reason(route.ok_status))
            .content("application/json", ok_content)
            .build(),
    );
    // Every route can fail inside the node.
    for status in route.errors.iter().chain([&500]) {
        builder = builder.response(
            status.to_string(),
            ResponseBuilder::new()
                .description(reason(*status))
                .content(
                    "application/json",
                    Content::new(Some(Ref::from_schema_name(<ErrorBody as ToSchema>::name()))),
                )
                .build(),
        );
    }
    builder.build()
}

fn reason(status: u16) -> &'static str {
    StatusCode::from_u16(status)
        .ok()
        .and_then(|status| status.canonical_reason())
        .unwrap_or("Response")
}
