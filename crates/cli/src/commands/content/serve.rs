//! `ailedger content serve`: `content verify` over HTTP, in a process of its own.
//!
//! `POST /v1/content/verify` takes a PNG, JPEG or WAV file as its body (the `Content-Type`
//! names the media type; without one, or with `application/octet-stream`, the bytes' magic
//! says) and answers the report `content verify --json` prints, built by the same
//! [`build_report`]: the C2PA manifest embedded in the file, then the chain of `--node` (claims,
//! model version, receipt and anchor). A file that does not verify is a `200` report with its
//! verdict; only a request that cannot be verified is an error, in the project's
//! `{"code","message","details"}` shape with a stable code. `GET /v1/health` answers when the
//! service is up.
//!
//! The node never serves this: verifying C2PA means compiling `c2pa`, which only the
//! media-facing tools do.

use super::{CredentialInput, build_report};
use crate::{
    cli::ContentServeArgs,
    commands::{Context, log::terminated},
    failure::Failure,
    output::Fields,
};
use ailedger_client::{Client, dto::ErrorBody};
use ailedger_credentials::{MediaFormat, TrustAnchors};
use anyhow::Context as _;
use axum::{
    Json, Router,
    body::Bytes,
    extract::{
        DefaultBodyLimit, Query, State,
        rejection::{BytesRejection, QueryRejection},
    },
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What every request shares.
#[derive(Debug)]
struct Verifier {
    /// The chain the claims, model versions and anchors are read from.
    client: Client,
    anchors: TrustAnchors,
    /// The inference log, for receipts' consistency proofs.
    log: Option<String>,
    max_bytes: usize,
}

/// A failed request: status, stable code, message.
#[derive(Debug)]
struct ServiceError {
    status: StatusCode,
    // NOTE: boxed to keep `Result<_, ServiceError>` small; errors are the rare path.
    body: Box<ErrorBody>,
}

impl ServiceError {
    fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            body: Box::new(ErrorBody::new(code, message)),
        }
    }
}

impl IntoResponse for ServiceError {
    fn into_response(self) -> Response {
        (self.status, Json(*self.body)).into_response()
    }
}

/// What `content serve` prints when it listens.
#[derive(Debug, Serialize)]
struct Serving {
    url: String,
    node: String,
    trust_anchors: usize,
    max_bytes: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    log: Option<String>,
}

pub(super) async fn serve(context: &Context, args: &ContentServeArgs) -> anyhow::Result<()> {
    let mut pem = String::new();
    for path in &args.trust {
        let text = std::fs::read_to_string(path).map_err(|error| {
            Failure::error(
                "BAD_TRUST_ANCHORS",
                format!("reading {}: {error}", path.display()),
            )
        })?;
        pem.push_str(&text);
        pem.push('\n');
    }
    let anchors = if pem.is_empty() {
        TrustAnchors::none()
    } else {
        TrustAnchors::from_pem(&pem)
            .map_err(|error| Failure::error("BAD_TRUST_ANCHORS", error.to_string()))?
    };
    let client = context.client()?;
    let verifier = Arc::new(Verifier {
        client,
        anchors,
        log: args.log.clone(),
        max_bytes: args.max_bytes,
    });
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let address = listener.local_addr()?;
    let view = Serving {
        url: format!("http://{address}"),
        node: verifier.client.base_url().to_string(),
        trust_anchors: args.trust.len(),
        max_bytes: args.max_bytes,
        log: args.log.clone(),
    };
    context.output.emit(&view, || {
        let mut fields = Fields::new()
            .add("url", &view.url)
            .add("node", &view.node)
            .add("trust anchors", view.trust_anchors)
            .add("max bytes", view.max_bytes);
        if let Some(log) = &view.log {
            fields = fields.add("log", log);
        }
        fields.render()
    })?;
    axum::serve(listener, router(verifier))
        .with_graceful_shutdown(terminated())
        .await
        .context("serving content verification")
}

fn router(verifier: Arc<Verifier>) -> Router {
    let limit = verifier.max_bytes;
    Router::new()
        .route(
            "/v1/content/verify",
            post(verify).layer(DefaultBodyLimit::max(limit)),
        )
        .route("/v1/health", get(health))
        .fallback(|| async {
            ServiceError::new(StatusCode::NOT_FOUND, "ROUTE_NOT_FOUND", "no such route")
        })
        .with_state(verifier)
}

#[derive(Debug, Serialize)]
struct Health {
    status: &'static str,
    max_bytes: usize,
}

async fn health(State(verifier): State<Arc<Verifier>>) -> Json<Health> {
    Json(Health {
        status: "ok",
        max_bytes: verifier.max_bytes,
    })
}

#[derive(Debug, Deserialize)]
struct VerifyQuery {
    /// The name the report shows as its `file` [default: `-`].
    name: Option<String>,
}

async fn verify(
    State(verifier): State<Arc<Verifier>>,
    headers: HeaderMap,
    query: Result<Query<VerifyQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ServiceError> {
    let Query(query) = query.map_err(|rejection| {
        ServiceError::new(StatusCode::BAD_REQUEST, "BAD_QUERY", rejection.body_text())
    })?;
    let body = body.map_err(|rejection| {
        let status = rejection.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ServiceError::new(
                status,
                "PAYLOAD_TOO_LARGE",
                format!("the body is larger than {} bytes", verifier.max_bytes),
            )
        } else {
            ServiceError::new(status, "BAD_BODY", rejection.body_text())
        }
    })?;
    let format = media_format(&headers, &body)?;
    let anchors = verifier.anchors.clone();
    let asset = body.clone();
    // The manifest parser is CPU-bound and synchronous.
    let report = tokio::task::spawn_blocking(move || {
        ailedger_credentials::verify_bytes(format, &asset, None, &anchors)
    })
    .await
    .map_err(|error| {
        tracing::error!(target: "ailedger::cli", %error, "content verification failed");
        ServiceError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "VERIFY_FAILED",
            "verifying the file failed; see the service's log",
        )
    })?;
    let report = build_report(
        query.name.unwrap_or_else(|| "-".to_owned()),
        &body,
        CredentialInput::C2pa(Box::new(report)),
        Some(&verifier.client),
        verifier.log.as_deref(),
    )
    .await
    .map_err(|error| chain_error(&error))?;
    Ok(Json(report).into_response())
}

/// The media format of a body: the one its `Content-Type` names, which its magic bytes must
/// agree with, or (with no type, or `application/octet-stream`) the one its magic bytes show.
fn media_format(headers: &HeaderMap, body: &[u8]) -> Result<MediaFormat, ServiceError> {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let essence = declared
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let named = match essence.as_str() {
        "" | "application/octet-stream" => None,
        "image/png" => Some(MediaFormat::Png),
        "image/jpeg" | "image/jpg" | "image/pjpeg" => Some(MediaFormat::Jpeg),
        "audio/wav" | "audio/wave" | "audio/x-wav" | "audio/vnd.wave" => Some(MediaFormat::Wav),
        other => {
            return Err(ServiceError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_FORMAT",
                format!(
                    "{other:?} is not verified here: C2PA manifests are verified in PNG, JPEG and \
                     WAV files (image/png, image/jpeg, audio/wav)"
                ),
            ));
        }
    };
    let sniffed = MediaFormat::sniff(body);
    match (named, sniffed) {
        (Some(named), Some(sniffed)) if named == sniffed => Ok(named),
        (Some(named), _) => Err(ServiceError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "FORMAT_MISMATCH",
            format!("the body is declared {named} but is not a {named} file"),
        )),
        (None, Some(sniffed)) => Ok(sniffed),
        (None, None) => Err(ServiceError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_FORMAT",
            "the body is not a PNG, JPEG or WAV file: C2PA manifests are verified in those formats",
        )),
    }
}

/// A chain that could not be asked is unavailable; one whose answer did not verify is a bad
/// gateway, with the check's code.
fn chain_error(error: &anyhow::Error) -> ServiceError {
    if let Some(failure) = error.downcast_ref::<Failure>() {
        return ServiceError::new(
            StatusCode::BAD_GATEWAY,
            failure.code.clone(),
            failure.message.clone(),
        );
    }
    tracing::warn!(target: "ailedger::cli", error = format!("{error:#}"), "the chain could not be asked");
    ServiceError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "CHAIN_UNAVAILABLE",
        format!("asking the chain: {error:#}"),
    )
}
